// Test support: the built-in commands over store::keyspace<> (what app::server installs) are
// compiled once, in command_server_keyspace.cpp (respkit/commands/src.hpp's pattern). A test file
// that includes this header and respkit/app/server.hpp (not the respkit/app.hpp umbrella, which
// defines them), and links respkit_test_commands, uses them instead of compiling them again
// (90 s with clang -O2). The extern declaration keeps that so in a file that also sees them.
#pragma once

#include "respkit/commands/install.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/store/keyspace.hpp"

extern template void respkit::commands::install_builtin_commands<respkit::store::keyspace<>>(
    respkit::server::dispatcher&, respkit::store::keyspace<>&, respkit::server::config_table&);

// Test support: the built-in commands over store::keyspace<> (what app::server installs) are
// compiled once, in command_server_keyspace.cpp. A test file that includes this header before
// respkit/app.hpp, and links respkit_test_commands, uses them instead of compiling them again
// (90 s with clang -O2).
#pragma once

#include "respkit/commands.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/store.hpp"

extern template void respkit::commands::install_builtin_commands<respkit::store::keyspace<>>(
    respkit::server::dispatcher&, respkit::store::keyspace<>&, respkit::server::config_table&);

#pragma once

/// \file
/// The built-in commands compiled once: include this header in exactly one .cpp file of a
/// program; everywhere else respkit/commands/install.hpp (or respkit/app/server.hpp) declares
/// install_builtin_commands, and the linker finds it here. It defines the installer for
/// store::keyspace<> (app::server's keyspace). For another keyspace type, that file also
/// instantiates it: `template void respkit::commands::install_builtin_commands<K>(
/// respkit::server::dispatcher&, K&, respkit::server::config_table&);`.

#include "respkit/commands.hpp"
#include "respkit/commands/install.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

template void respkit::commands::install_builtin_commands<respkit::store::keyspace<>>(
    respkit::server::dispatcher&, respkit::store::keyspace<>&, respkit::server::config_table&);

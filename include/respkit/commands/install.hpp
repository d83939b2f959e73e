#pragma once

/// \file
/// The declaration of install_builtin_commands alone: cheap to include. Its definition is in
/// respkit/commands.hpp; a program that does not include that header everywhere compiles the
/// built-in commands once, in one .cpp file that includes respkit/commands/src.hpp.

#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {
template <class>
class basic_config_table;
using config_table = basic_config_table<void>;
} // namespace respkit::server

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Installs every built-in command family over `keyspace` and `config`, which must outlive the
/// dispatcher (defined in respkit/commands.hpp; instantiated for store::keyspace<> by
/// respkit/commands/src.hpp).
template <class Keyspace>
void install_builtin_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config);

} // namespace respkit::commands

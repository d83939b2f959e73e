// The built-in commands over store::keyspace<>: compiled here once, for every command test and
// for app::server in tests/app (support/builtin_commands.hpp).

#include "support/command_server_impl.hpp"

template struct respkit_test::command_server<respkit::store::keyspace<>>;
template void respkit::commands::install_builtin_commands<respkit::store::keyspace<>>(
    respkit::server::dispatcher&, respkit::store::keyspace<>&, respkit::server::config_table&);

// Test support: command_server's constructor, compiled only by command_server_<type>.cpp (each
// instantiates the built-in commands for one keyspace type).
#pragma once

#include "respkit/commands.hpp"
#include "support/command_server.hpp"

namespace respkit_test {

template <class Keyspace>
command_server<Keyspace>::command_server(command_family families) {
    namespace commands = respkit::commands;
    if (families == command_family::all) {
        commands::install_builtin_commands(this->commands, keyspace, config);
        return;
    }
    // install_builtin_commands's order.
    if (has(families, command_family::connection)) commands::install_connection_commands(this->commands, keyspace.db_count());
    if (has(families, command_family::server)) {
        commands::install_server_commands(this->commands, keyspace, config);
        commands::install_info_command(this->commands, keyspace, config);
        commands::install_command_command(this->commands);
    }
    if (has(families, command_family::strings)) commands::install_string_commands(this->commands, keyspace);
    if (has(families, command_family::keys)) {
        commands::install_key_commands(this->commands, keyspace);
        commands::install_expire_commands(this->commands, keyspace);
    }
    if (has(families, command_family::sets)) commands::install_set_commands(this->commands, keyspace);
    if (has(families, command_family::zsets)) commands::install_zset_commands(this->commands, keyspace);
    if (has(families, command_family::lists)) commands::install_list_commands(this->commands, keyspace);
    if (has(families, command_family::hashes)) commands::install_hash_commands(this->commands, keyspace);
    if (has(families, command_family::transactions)) commands::install_transaction_commands(this->commands, keyspace);
    if (has(families, command_family::pubsub)) commands::install_pubsub_commands(this->commands);
}

template <class Keyspace>
command_server<Keyspace>::~command_server() = default;

template <class Keyspace>
diff_target command_server<Keyspace>::target() {
    return {&commands, &context, [this] { keyspace.flush_all(); }};
}

template <class Keyspace>
void command_server<Keyspace>::propagate_changes() {
    respkit::commands::propagate_changes(keyspace, context);
}

} // namespace respkit_test

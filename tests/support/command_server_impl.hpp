// Test support: command_server's constructor, compiled only by command_server_<type>.cpp (each
// instantiates the built-in commands for one keyspace type).
#pragma once

#include <doctest/doctest.h>

#include "respkit/commands.hpp"
#include "support/command_server.hpp"

namespace respkit_test {

template <class Keyspace>
command_server<Keyspace>::command_server(command_family families) {
    namespace commands = respkit::commands;
    constexpr command_family compiled = compiled_families<Keyspace>;
    REQUIRE_MESSAGE((static_cast<unsigned>(families) & ~static_cast<unsigned>(compiled)) == 0,
                    "a command family not compiled for this keyspace type: add it to compiled_families "
                    "(tests/support/command_server.hpp)");
    if constexpr (compiled == command_family::all) {
        if (families == command_family::all) {
            commands::install_builtin_commands(this->commands, keyspace, config);
            return;
        }
    }
    // install_builtin_commands's order; `if constexpr` leaves out the families not compiled.
    commands::follow_encoding_config(config, keyspace);
    const auto wanted = [families](command_family f) { return has(compiled, f) && has(families, f); };
    if constexpr (has(compiled, command_family::connection)) {
        if (wanted(command_family::connection)) commands::install_connection_commands(this->commands, keyspace.db_count());
    }
    if constexpr (has(compiled, command_family::server)) {
        if (wanted(command_family::server)) {
            commands::install_server_commands(this->commands, keyspace, config);
            commands::install_info_command(this->commands, keyspace, config);
            commands::install_slowlog_commands(this->commands, config);
            commands::install_latency_commands(this->commands, config);
            commands::install_replication_commands(this->commands, config);
            commands::install_module_commands(this->commands, config);
            commands::install_memory_commands(this->commands, keyspace);
            commands::install_lolwut_command(this->commands);
            commands::install_command_command(this->commands);
        }
    }
    if constexpr (has(compiled, command_family::strings)) {
        if (wanted(command_family::strings)) commands::install_string_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::bits)) {
        if (wanted(command_family::bits)) {
            commands::install_bitmap_commands(this->commands, keyspace);
            commands::install_hyperloglog_commands(this->commands, keyspace, config);
        }
    }
    if constexpr (has(compiled, command_family::keys)) {
        if (wanted(command_family::keys)) {
            commands::install_key_commands(this->commands, keyspace);
            commands::install_dump_restore_commands(this->commands, keyspace);
            commands::install_migrate_command(this->commands, keyspace, config);
            commands::install_expire_commands(this->commands, keyspace);
        }
    }
    if constexpr (has(compiled, command_family::sets)) {
        if (wanted(command_family::sets)) commands::install_set_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::zsets)) {
        if (wanted(command_family::zsets)) commands::install_zset_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::sort)) {
        if (wanted(command_family::sort)) commands::install_sort_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::geo)) {
        if (wanted(command_family::geo)) commands::install_geo_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::streams)) {
        if (wanted(command_family::streams)) commands::install_stream_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::lists)) {
        if (wanted(command_family::lists)) commands::install_list_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::hashes)) {
        if (wanted(command_family::hashes)) commands::install_hash_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::transactions)) {
        if (wanted(command_family::transactions)) commands::install_transaction_commands(this->commands, keyspace);
    }
    if constexpr (has(compiled, command_family::pubsub)) {
        if (wanted(command_family::pubsub)) commands::install_pubsub_commands(this->commands);
    }
    if constexpr (has(compiled, command_family::server)) {
        if (wanted(command_family::server)) {
            commands::install_persistence_commands(this->commands, keyspace, config);
            commands::install_acl_commands(this->commands, config);
        }
    }
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

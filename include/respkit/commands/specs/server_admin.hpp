#pragma once

/// \file
/// Redis 7.0's specs of the server commands (server_admin.hpp): name, arity, flags, key positions
/// and key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories,
/// arguments, history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the server commands (CONFIG's subcommands as config_<name>), one member per
/// command.
struct server_specs {
    server::command_spec dbsize, flushdb, flushall, time, lastsave, shutdown, config, config_get,
        config_set, config_resetstat, config_rewrite, config_help, monitor;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline server_specs server_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    server_specs specs;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    const std::vector<std::string> admin = {"@admin", "@slow", "@dangerous"};
    const std::vector<std::string> flush_acl = {"@keyspace", "@write", "@slow", "@dangerous"};
    const std::vector<std::string> all_shards_ok = {"request_policy:all_shards",
                                                    "response_policy:all_succeeded"};
    // FLUSHDB and FLUSHALL share their optional ASYNC|SYNC argument and its history.
    const std::vector<server::command_history> flush_history = {
        {"4.0.0", "Added the `ASYNC` flushing mode modifier."},
        {"6.2.0", "Added the `SYNC` flushing mode modifier."}};
    const std::vector<server::command_arg> flush_arguments = {
        {.name = "async",
         .type = arg_type::oneof,
         .flags = arg_flag::optional,
         .arguments = {
             {.name = "async", .type = arg_type::pure_token, .token = "ASYNC", .since = "4.0.0"},
             {.name = "sync", .type = arg_type::pure_token, .token = "SYNC", .since = "6.2.0"}}}};

    specs.dbsize = {.name = "dbsize",
                    .arity = 1,
                    .flags = command_flag::readonly | command_flag::fast,
                    .group = "server",
                    .summary = "Return the number of keys in the selected database",
                    .since = "1.0.0",
                    .complexity = "O(1)",
                    .acl_categories = {"@keyspace", "@read", "@fast"},
                    .tips = {"request_policy:all_shards", "response_policy:agg_sum"}};
    specs.flushdb = {.name = "flushdb",
                     .arity = -1,
                     .flags = command_flag::write,
                     .group = "server",
                     .summary = "Remove all keys from the current database",
                     .since = "1.0.0",
                     .complexity = "O(N) where N is the number of keys in the selected database",
                     .acl_categories = flush_acl,
                     .tips = all_shards_ok,
                     .history = flush_history,
                     .arguments = flush_arguments};
    specs.flushall = {.name = "flushall",
                      .arity = -1,
                      .flags = command_flag::write,
                      .group = "server",
                      .summary = "Remove all keys from all databases",
                      .since = "1.0.0",
                      .complexity = "O(N) where N is the total number of keys in all databases",
                      .acl_categories = flush_acl,
                      .tips = all_shards_ok,
                      .history = flush_history,
                      .arguments = flush_arguments};
    specs.time = {.name = "time",
                  .arity = 1,
                  .flags = ls | command_flag::fast,
                  .group = "server",
                  .summary = "Return the current server time",
                  .since = "2.6.0",
                  .complexity = "O(1)",
                  .acl_categories = {"@fast"},
                  .tips = {"nondeterministic_output"}};
    specs.lastsave = {.name = "lastsave",
                      .arity = 1,
                      .flags = ls | command_flag::fast,
                      .group = "server",
                      .summary = "Get the UNIX time stamp of the last successful save to disk",
                      .since = "1.0.0",
                      .complexity = "O(1)",
                      .acl_categories = {"@admin", "@fast", "@dangerous"},
                      .tips = {"nondeterministic_output"}};
    specs.shutdown = {
        .name = "shutdown",
        .arity = -1,
        .flags = command_flag::admin | command_flag::noscript | ls | command_flag::no_multi |
                 command_flag::allow_busy,
        .group = "server",
        .summary = "Synchronously save the dataset to disk and then shut down the server",
        .since = "1.0.0",
        .complexity =
            "O(N) when saving, where N is the total number of keys in all databases when saving "
            "data, otherwise O(1)",
        .acl_categories = admin,
        .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}},
        .arguments = {
            {.name = "nosave_save",
             .type = arg_type::oneof,
             .flags = arg_flag::optional,
             .arguments = {{.name = "nosave", .type = arg_type::pure_token, .token = "NOSAVE"},
                           {.name = "save", .type = arg_type::pure_token, .token = "SAVE"}}},
            {.name = "now",
             .type = arg_type::pure_token,
             .token = "NOW",
             .since = "7.0.0",
             .flags = arg_flag::optional},
            {.name = "force",
             .type = arg_type::pure_token,
             .token = "FORCE",
             .since = "7.0.0",
             .flags = arg_flag::optional},
            {.name = "abort",
             .type = arg_type::pure_token,
             .token = "ABORT",
             .since = "7.0.0",
             .flags = arg_flag::optional}}};

    // CONFIG
    specs.config = {.name = "config",
                    .arity = -2,
                    .group = "server",
                    .summary = "A container for server configuration commands",
                    .since = "2.0.0",
                    .complexity = "Depends on subcommand.",
                    .acl_categories = {"@slow"}};
    constexpr auto config_flags = command_flag::admin | command_flag::noscript | ls;
    specs.config_get = {
        .name = "get",
        .arity = -3,
        .flags = config_flags,
        .group = "server",
        .summary = "Get the values of configuration parameters",
        .since = "2.0.0",
        .complexity = "O(N) when N is the number of configuration parameters provided",
        .acl_categories = admin,
        .history = {{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}},
        .arguments = {{.name = "parameter",
                       .type = arg_type::block,
                       .flags = arg_flag::multiple,
                       .arguments = {{.name = "parameter", .type = arg_type::string}}}}};
    specs.config_set = {
        .name = "set",
        .arity = -4,
        .flags = config_flags,
        .group = "server",
        .summary = "Set configuration parameters to the given values",
        .since = "2.0.0",
        .complexity = "O(N) when N is the number of configuration parameters provided",
        .acl_categories = admin,
        .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
        .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}},
        .arguments = {{.name = "parameter_value",
                       .type = arg_type::block,
                       .flags = arg_flag::multiple,
                       .arguments = {{.name = "parameter", .type = arg_type::string},
                                     {.name = "value", .type = arg_type::string}}}}};
    specs.config_resetstat = {.name = "resetstat",
                              .arity = 2,
                              .flags = config_flags,
                              .group = "server",
                              .summary = "Reset the stats returned by INFO",
                              .since = "2.0.0",
                              .complexity = "O(1)",
                              .acl_categories = admin};
    specs.config_rewrite = {.name = "rewrite",
                            .arity = 2,
                            .flags = config_flags,
                            .group = "server",
                            .summary =
                                "Rewrite the configuration file with the in memory configuration",
                            .since = "2.8.0",
                            .complexity = "O(1)",
                            .acl_categories = admin};
    specs.config_help = help_subcommand("server", "5.0.0", ls, {"@slow"});
    specs.monitor = {.name = "monitor",
                     .arity = 1,
                     .flags = command_flag::admin | command_flag::noscript | ls,
                     .group = "server",
                     .summary = "Listen for all requests received by the server in real time",
                     .since = "1.0.0",
                     .acl_categories = admin};
    return specs;
}

} // namespace respkit::commands

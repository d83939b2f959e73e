#pragma once

/// \file
/// Redis 7.0's specs of SLOWLOG and its subcommands (slowlog.hpp), with their COMMAND DOCS.

#include <string>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of SLOWLOG (the container) and its subcommands.
struct slowlog_specs {
    server::command_spec slowlog, get, len, reset, help;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline slowlog_specs slowlog_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    slowlog_specs specs;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    const std::vector<std::string> admin = {"@admin", "@slow", "@dangerous"};
    specs.slowlog = {.name = "slowlog",
                     .arity = -2,
                     .group = "server",
                     .summary = "A container for slow log commands",
                     .since = "2.2.12",
                     .complexity = "Depends on subcommand.",
                     .acl_categories = {"@slow"}};
    specs.get = {.name = "get",
                 .arity = -2,
                 .flags = command_flag::admin | ls,
                 .group = "server",
                 .summary = "Get the slow log's entries",
                 .since = "2.2.12",
                 .complexity = "O(N) where N is the number of entries returned",
                 .acl_categories = admin,
                 .tips = {"request_policy:all_nodes", "nondeterministic_output"},
                 .history = {{"4.0.0", "Added client IP address, port and name to the reply."}},
                 .arguments = {{.name = "count", .type = arg_type::integer, .flags = arg_flag::optional}}};
    specs.len = {.name = "len",
                 .arity = 2,
                 .flags = command_flag::admin | ls,
                 .group = "server",
                 .summary = "Get the slow log's length",
                 .since = "2.2.12",
                 .complexity = "O(1)",
                 .acl_categories = admin,
                 .tips = {"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}};
    specs.reset = {.name = "reset",
                   .arity = 2,
                   .flags = command_flag::admin | ls,
                   .group = "server",
                   .summary = "Clear all entries from the slow log",
                   .since = "2.2.12",
                   .complexity = "O(N) where N is the number of entries in the slowlog",
                   .acl_categories = admin,
                   .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}};
    specs.help = help_subcommand("server", "6.2.0", ls, {"@slow"});
    return specs;
}

} // namespace respkit::commands

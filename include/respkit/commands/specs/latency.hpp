#pragma once

/// \file
/// Redis 7.0's specs of LATENCY and its subcommands (latency.hpp), with their COMMAND DOCS.

#include <string>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of LATENCY (the container) and its subcommands.
struct latency_specs {
    server::command_spec latency, doctor, graph, help, histogram, history, latest, reset;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline latency_specs latency_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    latency_specs specs;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    constexpr auto flags = command_flag::admin | command_flag::noscript | ls;
    const std::vector<std::string> admin = {"@admin", "@slow", "@dangerous"};
    const std::vector<std::string> special = {"nondeterministic_output", "request_policy:all_nodes",
                                              "response_policy:special"};
    specs.latency = {.name = "latency",
                     .arity = -2,
                     .group = "server",
                     .summary = "A container for latency diagnostics commands",
                     .since = "2.8.13",
                     .complexity = "Depends on subcommand.",
                     .acl_categories = {"@slow"}};
    specs.doctor = {.name = "doctor",
                    .arity = 2,
                    .flags = flags,
                    .group = "server",
                    .summary = "Return a human readable latency analysis report.",
                    .since = "2.8.13",
                    .complexity = "O(1)",
                    .acl_categories = admin,
                    .tips = special};
    specs.graph = {.name = "graph",
                   .arity = 3,
                   .flags = flags,
                   .group = "server",
                   .summary = "Return a latency graph for the event.",
                   .since = "2.8.13",
                   .complexity = "O(1)",
                   .acl_categories = admin,
                   .tips = special,
                   .arguments = {{.name = "event", .type = arg_type::string}}};
    specs.help = {.name = "help",
                  .arity = 2,
                  .flags = ls,
                  .group = "server",
                  .summary = "Show helpful text about the different subcommands.",
                  .since = "2.8.13",
                  .complexity = "O(1)",
                  .acl_categories = {"@slow"}};
    specs.histogram = {
        .name = "histogram",
        .arity = -2,
        .flags = flags,
        .group = "server",
        .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
        .acl_categories = admin,
        .tips = special,
        .arguments = {{.name = "command", .type = arg_type::string, .flags = arg_flag::optional | arg_flag::multiple}}};
    specs.history = {.name = "history",
                     .arity = 3,
                     .flags = flags,
                     .group = "server",
                     .summary = "Return timestamp-latency samples for the event.",
                     .since = "2.8.13",
                     .complexity = "O(1)",
                     .acl_categories = admin,
                     .tips = special,
                     .arguments = {{.name = "event", .type = arg_type::string}}};
    specs.latest = {.name = "latest",
                    .arity = 2,
                    .flags = flags,
                    .group = "server",
                    .summary = "Return the latest latency samples for all events.",
                    .since = "2.8.13",
                    .complexity = "O(1)",
                    .acl_categories = admin,
                    .tips = special};
    specs.reset = {.name = "reset",
                   .arity = -2,
                   .flags = flags,
                   .group = "server",
                   .summary = "Reset latency data for one or more events.",
                   .since = "2.8.13",
                   .complexity = "O(1)",
                   .acl_categories = admin,
                   .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
                   .arguments = {{.name = "event", .type = arg_type::string, .flags = arg_flag::optional | arg_flag::multiple}}};
    return specs;
}

} // namespace respkit::commands

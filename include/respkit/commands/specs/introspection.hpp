#pragma once

/// \file
/// Redis 7.0's specs of the COMMAND command and its subcommands (introspection.hpp): name, arity,
/// flags, key positions and key specs, and their COMMAND DOCS (group, summary, since, complexity,
/// ACL categories, arguments, history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the COMMAND command (its subcommands as command_<name>), one member per command.
struct command_specs {
    server::command_spec command, command_count, command_list, command_info, command_docs,
        command_getkeys, command_getkeysandflags, command_help;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline command_specs command_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    command_specs specs;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    const std::vector<std::string> slow_conn = {"@slow", "@connection"};

    specs.command = {.name = "command",
                     .arity = -1,
                     .flags = ls,
                     .group = "server",
                     .summary = "Get array of Redis command details",
                     .since = "2.8.13",
                     .complexity = "O(N) where N is the total number of Redis commands",
                     .acl_categories = slow_conn,
                     .tips = {"nondeterministic_output_order"}};
    specs.command_count = {.name = "count",
                           .arity = 2,
                           .flags = ls,
                           .group = "server",
                           .summary = "Get total number of Redis commands",
                           .since = "2.8.13",
                           .complexity = "O(1)",
                           .acl_categories = slow_conn};
    specs.command_list = {
        .name = "list",
        .arity = -2,
        .flags = ls,
        .group = "server",
        .summary = "Get an array of Redis command names",
        .since = "7.0.0",
        .complexity = "O(N) where N is the total number of Redis commands",
        .acl_categories = slow_conn,
        .tips = {"nondeterministic_output_order"},
        .arguments = {
            {.name = "filterby",
             .type = arg_type::oneof,
             .token = "FILTERBY",
             .flags = arg_flag::optional,
             .arguments = {{.name = "module-name", .type = arg_type::string, .token = "MODULE"},
                           {.name = "category", .type = arg_type::string, .token = "ACLCAT"},
                           {.name = "pattern", .type = arg_type::pattern, .token = "PATTERN"}}}}};
    specs.command_info = {
        .name = "info",
        .arity = -2,
        .flags = ls,
        .group = "server",
        .summary = "Get array of specific Redis command details, or all when no argument is given.",
        .since = "2.8.13",
        .complexity = "O(N) where N is the number of commands to look up",
        .acl_categories = slow_conn,
        .tips = {"nondeterministic_output_order"},
        .history = {{"7.0.0",
                     "Allowed to be called with no argument to get info on all commands."}},
        .arguments = {{.name = "command-name",
                       .type = arg_type::string,
                       .flags = arg_flag::optional | arg_flag::multiple}}};
    specs.command_docs = {.name = "docs",
                          .arity = -2,
                          .flags = ls,
                          .group = "server",
                          .summary = "Get array of specific Redis command documentation",
                          .since = "7.0.0",
                          .complexity = "O(N) where N is the number of commands to look up",
                          .acl_categories = slow_conn,
                          .tips = {"nondeterministic_output_order"},
                          .arguments = {{.name = "command-name",
                                         .type = arg_type::string,
                                         .flags = arg_flag::optional | arg_flag::multiple}}};
    specs.command_getkeys = {.name = "getkeys",
                             .arity = -4,
                             .flags = ls,
                             .group = "server",
                             .summary = "Extract keys given a full Redis command",
                             .since = "2.8.13",
                             .complexity = "O(N) where N is the number of arguments to the command",
                             .acl_categories = slow_conn};
    specs.command_getkeysandflags = {
        .name = "getkeysandflags",
        .arity = -4,
        .flags = ls,
        .group = "server",
        .summary = "Extract keys and access flags given a full Redis command",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of arguments to the command",
        .acl_categories = slow_conn};
    specs.command_help = help_subcommand("server", "5.0.0", ls, slow_conn);
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the INFO command (info.hpp): name, arity, flags, key positions and key
/// specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the INFO command, one member per command.
struct info_specs {
    server::command_spec info;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline info_specs info_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    info_specs specs;
    specs.info = {
        .name = "info",
        .arity = -1,
        .flags = command_flag::loading | command_flag::stale,
        .group = "server",
        .summary = "Get information and statistics about the server",
        .since = "1.0.0",
        .complexity = "O(1)",
        .acl_categories = {"@slow", "@dangerous"},
        .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
        .history = {{"7.0.0", "Added support for taking multiple section arguments."}},
        .arguments = {{.name = "section",
                       .type = arg_type::string,
                       .flags = arg_flag::optional | arg_flag::multiple}}};
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of ROLE and WAIT (replication.hpp), with their COMMAND DOCS.

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of ROLE and WAIT.
struct replication_specs {
    server::command_spec role, wait;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline replication_specs replication_command_specs() {
    using server::arg_type;
    using server::command_flag;
    replication_specs specs;
    specs.role = {.name = "role",
                  .arity = 1,
                  .flags = command_flag::noscript | command_flag::loading | command_flag::stale | command_flag::fast,
                  .group = "server",
                  .summary = "Return the role of the instance in the context of replication",
                  .since = "2.8.12",
                  .complexity = "O(1)",
                  .acl_categories = {"@admin", "@fast", "@dangerous"}};
    specs.wait = {.name = "wait",
                  .arity = 3,
                  .flags = command_flag::noscript,
                  .group = "generic",
                  .summary = "Wait for the synchronous replication of all the write commands sent in the context of "
                             "the current connection",
                  .since = "3.0.0",
                  .complexity = "O(1)",
                  .acl_categories = {"@slow", "@connection"},
                  .tips = {"request_policy:all_shards", "response_policy:agg_min"},
                  .arguments = {{.name = "numreplicas", .type = arg_type::integer},
                                {.name = "timeout", .type = arg_type::integer}}};
    return specs;
}

} // namespace respkit::commands

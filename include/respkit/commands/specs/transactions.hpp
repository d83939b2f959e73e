#pragma once

/// \file
/// Redis 7.0's specs of the transaction commands (transactions.hpp): name, arity, flags, key
/// positions and key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL
/// categories, arguments, history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the transaction commands, one member per command.
struct transaction_specs {
    server::command_spec multi, exec, discard, watch, unwatch;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline transaction_specs transaction_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    transaction_specs specs;
    constexpr command_flag base =
        command_flag::noscript | command_flag::loading | command_flag::stale;
    constexpr command_flag control = command_flag::transaction_control;
    const std::vector<std::string> fast_tx{"@fast", "@transaction"};

    specs.multi = {.name = "multi",
                   .arity = 1,
                   .flags = base | command_flag::fast | command_flag::allow_busy | control,
                   .group = "transactions",
                   .summary = "Mark the start of a transaction block",
                   .since = "1.2.0",
                   .complexity = "O(1)",
                   .acl_categories = fast_tx};
    specs.exec = {.name = "exec",
                  .arity = 1,
                  .flags = base | command_flag::skip_slowlog | control,
                  .group = "transactions",
                  .summary = "Execute all commands issued after MULTI",
                  .since = "1.2.0",
                  .complexity = "Depends on commands in the transaction",
                  .acl_categories = {"@slow", "@transaction"}};
    specs.discard = {.name = "discard",
                     .arity = 1,
                     .flags = base | command_flag::fast | command_flag::allow_busy | control,
                     .group = "transactions",
                     .summary = "Discard all commands issued after MULTI",
                     .since = "2.0.0",
                     .complexity = "O(N), when N is the number of queued commands",
                     .acl_categories = fast_tx};
    specs.watch = {.name = "watch",
                   .arity = -2,
                   .flags = base | command_flag::fast | command_flag::allow_busy | control,
                   .keys = {1, -1, 1},
                   .key_specs = {{.flags = server::key_flag::ro, .find = server::key_range(-1)}},
                   .group = "transactions",
                   .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
                   .since = "2.2.0",
                   .complexity = "O(1) for every key.",
                   .acl_categories = fast_tx,
                   .arguments = {{.name = "key",
                                  .type = arg_type::key,
                                  .key_spec_index = 0,
                                  .flags = server::arg_flag::multiple}}};
    specs.unwatch = {.name = "unwatch",
                     .arity = 1,
                     .flags = base | command_flag::fast | command_flag::allow_busy,
                     .group = "transactions",
                     .summary = "Forget about all watched keys",
                     .since = "2.2.0",
                     .complexity = "O(1)",
                     .acl_categories = fast_tx};
    return specs;
}

} // namespace respkit::commands

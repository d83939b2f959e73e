#pragma once

/// \file
/// What the SCAN family's specs share (SCAN, SSCAN, HSCAN, ZSCAN): the cursor, MATCH and COUNT
/// arguments, and the whole spec of the SCANs over the elements of one key.

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// COMMAND DOCS's `cursor [MATCH pattern] [COUNT count]`.
[[nodiscard]] inline std::vector<server::command_arg> scan_arguments() {
    using server::arg_flag;
    using server::arg_type;
    return {{.name = "cursor", .type = arg_type::integer},
            {.name = "pattern",
             .type = arg_type::pattern,
             .token = "MATCH",
             .flags = arg_flag::optional},
            {.name = "count",
             .type = arg_type::integer,
             .token = "COUNT",
             .flags = arg_flag::optional}};
}

/// The spec of SSCAN, HSCAN or ZSCAN (`key cursor [MATCH pattern] [COUNT count]`, read-only,
/// nondeterministic output), in `spec`'s group, with ACL categories `acl`.
[[nodiscard]] inline server::command_spec element_scan_spec(const spec_builder& spec,
                                                            std::string name, std::string summary,
                                                            std::vector<std::string> acl) {
    std::vector<server::command_arg> arguments{
        {.name = "key", .type = server::arg_type::key, .key_spec_index = 0}};
    for (server::command_arg& a : scan_arguments())
        arguments.push_back(std::move(a));
    return server::with_docs(
        spec(std::move(name), -3, server::command_flag::readonly, {1, 1, 1},
             {{.flags = server::key_flag::ro | server::key_flag::access}}, std::move(summary),
             "2.8.0",
             "O(1) for every call. O(N) for a complete iteration, including enough command calls "
             "for the cursor to return back to 0. N is the number of elements inside the "
             "collection..",
             std::move(acl), {"nondeterministic_output"}),
        std::move(arguments));
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's spec of LOLWUT (lolwut.hpp), with its COMMAND DOCS.

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The spec of LOLWUT as Redis 7.0.15 shows it in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline server::command_spec lolwut_command_spec() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    const spec_builder spec{"server"};
    return server::with_docs(spec("lolwut", -1, command_flag::readonly | command_flag::fast, {},
                                  "Display some computer art and the Redis version", "5.0.0", "", {"@read", "@fast"}),
                             {{.name = "version", .type = arg_type::integer, .token = "VERSION", .flags = arg_flag::optional}});
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of MODULE and its subcommands (modules.hpp), with their COMMAND DOCS.

#include <string>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of MODULE (the container) and its subcommands.
struct module_specs {
    server::command_spec module, help, list, load, loadex, unload;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline module_specs module_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    module_specs specs;
    const spec_builder spec{"server"};
    const std::vector<std::string> admin_acl = {"@admin", "@slow", "@dangerous"};
    // LOAD, LOADEX and UNLOAD are also "protected" in Redis (enable-module-command), a flag
    // COMMAND INFO does not show; the handlers check it.
    const command_flag loading_flags = command_flag::no_async_loading | command_flag::admin | command_flag::noscript;
    specs.module = spec("module", -2, command_flag::none, {}, "A container for module commands", "4.0.0",
                        "Depends on subcommand.", {"@slow"});
    specs.help = help_subcommand("server", "5.0.0", command_flag::loading | command_flag::stale, {"@slow"});
    specs.list = spec("list", 2, command_flag::admin | command_flag::noscript, {}, "List all modules loaded by the server",
                      "4.0.0", "O(N) where N is the number of loaded modules.", admin_acl,
                      {"nondeterministic_output_order"});
    specs.load = server::with_docs(spec("load", -3, loading_flags, {}, "Load a module", "4.0.0", "O(1)", admin_acl),
                                   {{.name = "path", .type = arg_type::string},
                                    {.name = "arg", .type = arg_type::string,
                                     .flags = arg_flag::optional | arg_flag::multiple}});
    specs.loadex = server::with_docs(
        spec("loadex", -3, loading_flags, {}, "Load a module with extended parameters", "7.0.0", "O(1)", admin_acl),
        {{.name = "path", .type = arg_type::string},
         {.name = "configs",
          .type = arg_type::block,
          .token = "CONFIG",
          .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token,
          .arguments = {{.name = "name", .type = arg_type::string}, {.name = "value", .type = arg_type::string}}},
         {.name = "args",
          .type = arg_type::block,
          .token = "ARGS",
          .flags = arg_flag::optional | arg_flag::multiple,
          .arguments = {{.name = "arg", .type = arg_type::string}}}});
    specs.unload = server::with_docs(spec("unload", 3, loading_flags, {}, "Unload a module", "4.0.0", "O(1)", admin_acl),
                                     {{.name = "name", .type = arg_type::string}});
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// MODULE for a server without modules: respkit has no module API (the C ABI of redismodule.h),
/// so LIST is empty, LOAD and LOADEX are refused with an error naming that, UNLOAD finds no
/// module; LOAD, LOADEX and UNLOAD first follow enable-module-command (no, yes, local) as Redis.

#include <string>
#include <string_view>

#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/local_peer.hpp"
#include "respkit/commands/specs/modules.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// True when enable-module-command allows this client LOAD, LOADEX and UNLOAD; otherwise
/// replies Redis's refusal.
[[nodiscard]] inline bool module_command_allowed(server::command_call& call, const server::config_table& config) {
    const std::string_view allowed = config.get("enable-module-command");
    if (allowed == "yes" || (allowed == "local" && is_local_peer(call.client().peer_address))) return true;
    call.error("ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run "
               "it from a local connection, otherwise you need to set this option in the configuration file, and "
               "then restart the server.");
    return false;
}

/// The refusal of LOAD and LOADEX.
inline constexpr std::string_view no_module_api =
    "ERR Error loading the extension: respkit has no module API (Redis modules cannot be loaded)";

} // namespace detail

/// Registers MODULE (HELP LIST LOAD LOADEX UNLOAD); `config` must outlive `commands`.
inline void install_module_commands(server::dispatcher& commands, const server::config_table& config) {
    module_specs specs = module_command_specs();
    commands.add(std::move(specs.module), {});
    commands.add_subcommand("module", std::move(specs.help), [](server::command_call& call) {
        detail::help_reply(call, "module",
                           {"LIST", "    Return a list of loaded modules.", "LOAD <path> [<arg> ...]",
                            "    Load a module library from <path>, passing to it any optional arguments.",
                            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                            "    Load a module library from <path>, while passing it module configurations and "
                            "optional arguments.",
                            "UNLOAD <name>", "    Unload a module."});
    });
    commands.add_subcommand("module", std::move(specs.list), [](server::command_call& call) { call.reply().array(0); });
    const auto load = [&config](server::command_call& call) {
        if (detail::module_command_allowed(call, config)) call.error(detail::no_module_api);
    };
    commands.add_subcommand("module", std::move(specs.load), load);
    commands.add_subcommand("module", std::move(specs.loadex), load);
    commands.add_subcommand("module", std::move(specs.unload), [&config](server::command_call& call) {
        if (detail::module_command_allowed(call, config)) {
            call.error("ERR Error unloading module: no such module with that name");
        }
    });
}

} // namespace respkit::commands

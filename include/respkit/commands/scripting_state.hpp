#pragma once

/// \file
/// What the scripting commands (commands/scripting.hpp) and the function commands
/// (commands/functions.hpp) share: the engines, the script's client, and the check of a
/// script's declared flags against the server's state. Needs Lua 5.1 (docs/scripting.md).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "respkit/scripting/function_registry.hpp"
#include "respkit/scripting/script_engine.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail {

/// What the scripting commands share: EVAL's engine, the function libraries (in an engine of
/// their own, as in Redis), the script's own client (Redis's Lua client), made at the first run
/// and kept out of CLIENT LIST, and what FUNCTION STATS shows of the running function.
struct scripting_state : std::enable_shared_from_this<scripting_state> {
    std::shared_ptr<scripting::script_engine> engine;
    std::shared_ptr<scripting::function_registry> functions;
    std::unique_ptr<server::session> client;
    std::vector<std::string> running_command;              ///< the FCALL running, as sent
    std::string running_function;                          ///< its function's name
    std::chrono::steady_clock::time_point running_since{}; ///< when it started

    /// True while a script or a function runs.
    [[nodiscard]] bool running() const noexcept {
        return engine->running() || (functions && functions->engine().running());
    }

    server::session& script_client(server::command_call& call) {
        // Closed for its output limit, or of another server context: a new one.
        if (client && (client->closed_now() || &client->server() != &call.server())) client.reset();
        if (!client) {
            client = std::make_unique<server::session>(call.client().commands(), call.server());
            call.server().remove_client(client.get());
            --call.server().stats().total_connections_received;
            client->set_executing_transaction(true); // blocking commands do not block in scripts
            // The session needs its context: it goes first when the context ends.
            std::weak_ptr<scripting_state> weak = shared_from_this();
            call.server().at_exit([weak, session = client.get()] {
                const auto state = weak.lock();
                if (state && state->client.get() == session) state->client.reset();
            });
        }
        return *client;
    }
};

/// A command's flags for a run of a script or function that declares `declared` (Redis's
/// scriptFlagsToCmdFlags): its write, denyoom, stale and may_replicate flags replaced by what
/// the script declares; `flags` unchanged for a script without a shebang (compat).
[[nodiscard]] inline server::command_flag declared_command_flags(server::command_flag flags,
                                                                 const scripting::script_flags& declared) {
    using server::command_flag;
    if (declared.compat) return flags;
    const auto bits = [](command_flag f) { return static_cast<std::uint32_t>(f); };
    std::uint32_t out = bits(flags) & ~bits(command_flag::stale | command_flag::denyoom | command_flag::write |
                                            command_flag::may_replicate);
    if (!declared.allow_oom && !declared.no_writes) out |= bits(command_flag::denyoom);
    if (!declared.no_writes) out |= bits(command_flag::write);
    if (declared.allow_stale) out |= bits(command_flag::stale);
    return static_cast<command_flag>(out);
}

/// Checks a script or function that declares its flags as the command it says it is
/// (evalGetCommandFlags / fcallGetCommandFlags, then scriptPrepareForRun): the _RO commands
/// refuse one that may write, and one that may write is checked against the server's write
/// checks (a failed save) and, unless `allow-oom`, its memory limit. False when refused (the
/// error is written).
inline bool admit_declared_flags(server::command_call& call, const scripting::script_flags& flags,
                                 bool read_only) {
    if (flags.compat) return true;
    if (flags.no_cluster && call.server().cluster_enabled) {
        call.error("ERR Can not run script on cluster, 'no-cluster' flag is set.");
        return false;
    }
    if (flags.no_writes) return true;
    if (read_only) {
        call.error("ERR Can not execute a script with write flag using *_ro command.");
        return false;
    }
    const server::dispatcher& commands = call.client().commands();
    const server::command_entry* entry = commands.find(call.arg(0));
    if (entry == nullptr) return true;
    server::pending_command pending{.entry = *entry,
                                    .args = call.args(),
                                    .client = call.client(),
                                    .server = call.server(),
                                    .commands = commands,
                                    .origin = server::command_origin::client,
                                    .authenticated = true,
                                    .in_multi = false,
                                    .subscribed_resp2 = false,
                                    .queued_flags = flags.allow_oom
                                                        ? server::command_flag::write
                                                        : server::command_flag::write |
                                                              server::command_flag::denyoom};
    for (const server::registered_check& c : commands.checks()) {
        if (c.stage == server::check_stage::out_of_memory && flags.allow_oom) continue;
        if (c.stage != server::check_stage::out_of_memory &&
            c.stage != server::check_stage::persistence)
            continue;
        if (std::string why = c.check(pending); !why.empty()) {
            call.error(why);
            return false;
        }
    }
    return true;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail

#pragma once

/// \file
/// Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD EXISTS FLUSH KILL DEBUG
/// HELP) over a scripting::script_engine, and the functions (FCALL, FCALL_RO, FUNCTION:
/// commands/functions.hpp) over an engine of their own, with Redis 7.0's replies. Needs Lua 5.1:
/// include it only in a program linking respkit::lua (docs/scripting.md).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/commands/functions.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/scripting_state.hpp"
#include "respkit/commands/specs/scripting.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/scripting/script_engine.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

inline constexpr std::string_view noscript_error = "NOSCRIPT No matching script. Please use EVAL.";

/// EVAL, EVALSHA and their _RO forms (evalGenericCommand).
inline void eval_command(scripting_state& state, server::command_call& call, bool by_sha,
                         bool read_only) {
    scripting::script_engine& engine = *state.engine;
    if (state.running()) { // not reached through the busy check; never re-enter the engine
        call.error(server::errors::busy_script);
        return;
    }
    if (by_sha && call.arg(1).size() != 40) {
        call.error(noscript_error);
        return;
    }
    std::int64_t numkeys = 0;
    if (!respkit::detail::parse_int64(call.arg(2), numkeys)) {
        call.error(server::errors::not_integer);
        return;
    }
    if (numkeys > static_cast<std::int64_t>(call.argc() - 3)) {
        call.error("ERR Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        call.error("ERR Number of keys can't be negative");
        return;
    }
    std::string sha = by_sha ? std::string(call.arg(1)) : scripting::sha1_hex(call.arg(1));
    for (char& c : sha) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    const scripting::cached_script* script = engine.find(sha);
    if (script == nullptr) {
        if (by_sha) {
            call.error(noscript_error);
            return;
        }
        std::string error;
        if (engine.load(call.arg(1), error).empty()) {
            call.error(error);
            return;
        }
        script = engine.find(sha);
    }
    const scripting::script_flags flags = script->flags;
    if (!admit_declared_flags(call, flags, read_only)) return;
    scripting::script_run run;
    run.caller = &call.client();
    run.client = &state.script_client(call);
    run.client->select(call.client().db());
    run.commands = &call.client().commands();
    run.sha = sha;
    run.flags = flags;
    run.read_only = read_only || (!flags.compat && flags.no_writes);
    // A command loaded from a file runs its script's commands unchecked (Redis's mustObeyClient).
    run.checks.obeyed = call.origin() == server::command_origin::loading;
    // The script's commands propagate themselves (effects replication), not EVAL.
    call.prevent_propagation();
    const auto args = call.args();
    const std::size_t n = static_cast<std::size_t>(numkeys);
    engine.run(run, args.subspan(3, n), args.subspan(3 + n), call.reply(), call.server());
    // SHUTDOWN NOSAVE while busy: the server stops and the caller gets no reply, as in Redis.
    if (engine.abandoned()) call.client().close_now();
}

/// The flags of an EVAL / EVALSHA call with `args` (Redis's evalGetCommandFlags): a script that
/// declares its flags (cached, or EVAL's body with a shebang) replaces the command's write,
/// denyoom, stale and may_replicate flags by what it declares (declared_command_flags);
/// otherwise `flags`. CLIENT PAUSE WRITE holds the call by them.
[[nodiscard]] inline server::command_flag eval_call_flags(const scripting::script_engine& engine,
                                                          server::command_flag flags, bool by_sha,
                                                          std::span<const std::string_view> args) {
    if (args.size() < 2 || (by_sha && args[1].size() != 40)) return flags;
    scripting::script_flags declared;
    if (const scripting::cached_script* script = engine.find(by_sha ? std::string(args[1]) : scripting::sha1_hex(args[1]))) {
        declared = script->flags;
    } else {
        std::size_t shebang_length = 0;
        if (by_sha || !scripting::read_shebang(args[1], declared, shebang_length).empty()) return flags;
    }
    return declared_command_flags(flags, declared);
}

} // namespace detail

/// Registers EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT with its subcommands, running
/// scripts in `engine` (one per server; by default a new one), and FCALL, FCALL_RO and
/// FUNCTION over `functions` (by default a new registry with an engine of its own). Given the
/// server's `context`, lends it INFO memory's scripting fields and the function libraries for
/// the RDB file and the append-only file's rewrite. Returns the engine.
inline std::shared_ptr<scripting::script_engine> install_scripting_commands(
    server::dispatcher& commands,
    std::shared_ptr<scripting::script_engine> engine = std::make_shared<scripting::script_engine>(),
    std::shared_ptr<scripting::function_registry> functions = nullptr,
    server::server_context* context = nullptr) {
    auto state = std::make_shared<detail::scripting_state>();
    state->engine = engine;
    state->functions =
        functions
            ? std::move(functions)
            : std::make_shared<scripting::function_registry>(
                  std::make_shared<scripting::script_engine>(scripting::engine_kind::functions));
    detail::install_function_commands(commands, state);
    if (context != nullptr) detail::install_scripting_hooks(*context, state);
    auto specs = scripting_command_specs();
    for (auto* spec : {&specs.eval, &specs.evalsha, &specs.eval_ro, &specs.evalsha_ro}) {
        const bool by_sha = spec == &specs.evalsha || spec == &specs.evalsha_ro;
        spec->flags_of = [state, flags = spec->flags, by_sha](std::span<const std::string_view> args) {
            return detail::eval_call_flags(*state->engine, flags, by_sha, args);
        };
    }
    commands.add(std::move(specs.eval), [state](server::command_call& call) {
        detail::eval_command(*state, call, false, false);
    });
    commands.add(std::move(specs.evalsha), [state](server::command_call& call) {
        detail::eval_command(*state, call, true, false);
    });
    commands.add(std::move(specs.eval_ro), [state](server::command_call& call) {
        detail::eval_command(*state, call, false, true);
    });
    commands.add(std::move(specs.evalsha_ro), [state](server::command_call& call) {
        detail::eval_command(*state, call, true, true);
    });
    commands.add(std::move(specs.script), {});
    commands.add_subcommand("script", std::move(specs.script_load),
                            [state](server::command_call& call) {
                                std::string error;
                                const std::string sha = state->engine->load(call.arg(2), error);
                                if (sha.empty())
                                    call.error(error);
                                else
                                    call.reply().bulk_string(sha);
                            });
    commands.add_subcommand(
        "script", std::move(specs.script_exists), [state](server::command_call& call) {
            call.reply().array(call.argc() - 2);
            for (std::size_t i = 2; i < call.argc(); ++i)
                call.reply().integer(state->engine->find(call.arg(i)) != nullptr ? 1 : 0);
        });
    commands.add_subcommand(
        "script", std::move(specs.script_flush), [state](server::command_call& call) {
            using respkit::detail::ascii_iequals;
            if (call.argc() > 3 || (call.argc() == 3 && !ascii_iequals(call.arg(2), "sync") &&
                                    !ascii_iequals(call.arg(2), "async"))) {
                call.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                return;
            }
            if (state->running()) { // not reached through the busy check
                call.error(server::errors::busy_script);
                return;
            }
            state->engine->flush(); // ASYNC too: the state is freed at once
            call.ok();
        });
    commands.add_subcommand(
        "script", std::move(specs.script_kill), [state](server::command_call& call) {
            if (const std::string error = detail::kill_running(*state, true); !error.empty())
                call.error(error);
            else
                call.ok();
        });
    commands.add_subcommand(
        "script", std::move(specs.script_debug), [](server::command_call& call) {
            using respkit::detail::ascii_iequals;
            const std::string_view mode = call.arg(2);
            if (ascii_iequals(mode, "no")) {
                call.ok();
            } else if (ascii_iequals(mode, "yes") || ascii_iequals(mode, "sync")) {
                call.error("ERR SCRIPT DEBUG is not supported: respkit has no Lua debugger");
            } else {
                call.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
            }
        });
    commands.add_subcommand("script", std::move(specs.script_help), [](server::command_call& call) {
        detail::help_reply(
            call, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined by "
             "the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.", "KILL",
             "    Kill the currently executing Lua script.", "LOAD <script>",
             "    Load a script into the scripts cache without executing it."});
    });
    return engine;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands

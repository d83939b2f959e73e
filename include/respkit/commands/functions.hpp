#pragma once

/// \file
/// Redis 7.0's functions: FCALL, FCALL_RO and FUNCTION (LOAD DELETE LIST FLUSH STATS DUMP
/// RESTORE KILL HELP) over a scripting::function_registry, with Redis 7.0's replies. Needs Lua
/// 5.1; commands/scripting.hpp installs them with EVAL (docs/scripting.md).

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/scripting_state.hpp"
#include "respkit/commands/specs/functions.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/glob.hpp"
#include "respkit/scripting/function_registry.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// Redis's addReplySubcommandSyntaxError for FUNCTION's subcommands.
inline void function_syntax_error(server::command_call& call) {
    std::string container(call.arg(0));
    for (char& c : container)
        c = respkit::detail::ascii_upper(c);
    call.error("ERR unknown subcommand or wrong number of arguments for '" +
               std::string(call.arg(1)) + "'. Try " + container + " HELP.");
}

/// FCALL and FCALL_RO (fcallCommandGeneric).
inline void fcall_command(scripting_state& state, server::command_call& call, bool read_only) {
    if (state.running()) { // not reached through the busy check; never re-enter an engine
        call.error(server::errors::busy_script);
        return;
    }
    scripting::function_registry& registry = *state.functions;
    const scripting::function_registry::function_entry* found = registry.find(call.arg(1));
    if (found == nullptr) {
        call.error("ERR Function not found");
        return;
    }
    std::int64_t numkeys = 0;
    if (!respkit::detail::parse_int64(call.arg(2), numkeys)) {
        call.error("ERR Bad number of keys provided");
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
    const scripting::registered_function& function = *found->function;
    if (!admit_declared_flags(call, function.flags, read_only)) return;
    scripting::script_run run;
    run.caller = &call.client();
    run.client = &state.script_client(call);
    run.client->select(call.client().db());
    run.commands = &call.client().commands();
    run.sha = function.name;
    run.function = function.callback;
    run.flags = function.flags;
    run.read_only = read_only || function.flags.no_writes;
    // A command loaded from a file runs its script's commands unchecked (Redis's mustObeyClient).
    run.checks.obeyed = call.origin() == server::command_origin::loading;
    state.running_command.assign(call.args().begin(), call.args().end());
    state.running_function = function.name;
    state.running_since = std::chrono::steady_clock::now();
    // The function's commands propagate themselves (effects replication), not FCALL.
    call.prevent_propagation();
    const auto args = call.args();
    const std::size_t n = static_cast<std::size_t>(numkeys);
    scripting::script_engine& engine = registry.engine();
    engine.run(run, args.subspan(3, n), args.subspan(3 + n), call.reply(), call.server());
    state.running_command.clear();
    // SHUTDOWN NOSAVE while busy: the server stops and the caller gets no reply, as in Redis.
    if (engine.abandoned()) call.client().close_now();
}

/// SCRIPT KILL (`by_script_kill`) and FUNCTION KILL: "" or the error (scriptKill).
inline std::string kill_running(scripting_state& state, bool by_script_kill) {
    scripting::script_engine& functions = state.functions->engine();
    if (!state.engine->timed_out() && functions.timed_out()) return functions.kill(by_script_kill);
    return state.engine->kill(by_script_kill);
}

/// FUNCTION LIST's reply (functionListCommand): libraries by name, each a map.
inline void function_list(const scripting::function_registry& registry,
                          server::command_call& call) {
    bool with_code = false;
    std::optional<std::string_view> pattern;
    for (std::size_t i = 2; i < call.argc(); ++i) {
        const std::string_view arg = call.arg(i);
        if (!with_code && respkit::detail::ascii_iequals(arg, "withcode")) {
            with_code = true;
            continue;
        }
        if (!pattern && respkit::detail::ascii_iequals(arg, "libraryname")) {
            if (i >= call.argc() - 1) {
                call.error("ERR library name argument was not given");
                return;
            }
            pattern = call.arg(++i);
            continue;
        }
        call.error("ERR Unknown argument " + std::string(arg));
        return;
    }
    std::vector<const scripting::function_library*> shown;
    for (const auto& [name, library] : registry.libraries()) {
        if (!pattern || glob_match(*pattern, name, true)) shown.push_back(&library);
    }
    auto& out = call.reply();
    out.array(shown.size());
    for (const scripting::function_library* library : shown) {
        out.map(with_code ? 4 : 3);
        out.bulk_string("library_name");
        out.bulk_string(library->name);
        out.bulk_string("engine");
        out.bulk_string(library->engine);
        out.bulk_string("functions");
        out.array(library->functions.size());
        for (const scripting::registered_function& f : library->functions) {
            out.map(3);
            out.bulk_string("name");
            out.bulk_string(f.name);
            out.bulk_string("description");
            if (f.description)
                out.bulk_string(*f.description);
            else
                out.null();
            out.bulk_string("flags");
            const std::pair<bool, std::string_view> flags[] = {
                {f.flags.no_writes, "no-writes"},
                {f.flags.allow_oom, "allow-oom"},
                {f.flags.allow_stale, "allow-stale"},
                {f.flags.no_cluster, "no-cluster"},
                {f.flags.allow_cross_slot, "allow-cross-slot-keys"}};
            std::size_t count = 0;
            for (const auto& [set, name] : flags)
                count += set ? 1 : 0;
            out.set(count);
            for (const auto& [set, name] : flags) {
                if (set) out.simple_string(name);
            }
        }
        if (with_code) {
            out.bulk_string("library_code");
            out.bulk_string(library->code);
        }
    }
}

/// Lends `context` INFO memory's scripting figures and the libraries for persistence (RDB
/// files, the append-only file's rewrite). The hooks hold the state weakly.
inline void install_scripting_hooks(server::server_context& context,
                                    const std::shared_ptr<scripting_state>& state) {
    const std::weak_ptr<scripting_state> weak = state;
    server::scripting_hooks& hooks = context.scripting();
    hooks.memory = [weak] {
        server::scripting_memory m;
        if (const auto s = weak.lock()) {
            m.vm_eval = s->engine->memory();
            m.scripts_eval = s->engine->scripts_memory();
            m.cached_scripts = s->engine->size();
            m.functions = s->functions->function_count();
            m.libraries = s->functions->libraries().size();
            m.vm_functions = s->functions->engine().memory();
            m.functions_memory = s->functions->memory_overhead();
        }
        return m;
    };
    hooks.library_codes = [weak] {
        std::vector<std::string> codes;
        if (const auto s = weak.lock()) {
            for (const auto& [name, library] : s->functions->libraries())
                codes.push_back(library.code);
        }
        return codes;
    };
    hooks.load_library = [weak, &context](std::string_view code, bool replace) -> std::string {
        const auto s = weak.lock();
        if (!s) return "the server runs no functions";
        std::string error;
        if (s->functions->load(code, replace, error, std::chrono::milliseconds(0), &context)
                .empty())
            return "Failed loading a function library: " + error;
        return {};
    };
    hooks.flush_libraries = [weak] {
        if (const auto s = weak.lock()) s->functions->clear();
    };
}

/// The flags of an FCALL / FCALL_RO call with `args` (Redis's fcallGetCommandFlags): those the
/// function named by args[1] declares (declared_command_flags), or `flags` when there is no such
/// function. CLIENT PAUSE WRITE holds the call by them.
[[nodiscard]] inline server::command_flag fcall_call_flags(const scripting::function_registry& functions,
                                                           server::command_flag flags,
                                                           std::span<const std::string_view> args) {
    if (args.size() < 2) return flags;
    const scripting::function_registry::function_entry* entry = functions.find(args[1]);
    return entry != nullptr ? declared_command_flags(flags, entry->function->flags) : flags;
}

/// Registers FCALL, FCALL_RO and FUNCTION with its subcommands over `state`'s registry.
inline void install_function_commands(server::dispatcher& commands,
                                      const std::shared_ptr<scripting_state>& state) {
    auto specs = function_command_specs();
    for (auto* spec : {&specs.fcall, &specs.fcall_ro}) {
        spec->flags_of = [state, flags = spec->flags](std::span<const std::string_view> args) {
            return fcall_call_flags(*state->functions, flags, args);
        };
    }
    commands.add(std::move(specs.fcall),
                 [state](server::command_call& call) { fcall_command(*state, call, false); });
    commands.add(std::move(specs.fcall_ro),
                 [state](server::command_call& call) { fcall_command(*state, call, true); });
    commands.add(std::move(specs.function), {});
    commands.add_subcommand(
        "function", std::move(specs.function_load), [state](server::command_call& call) {
            bool replace = false;
            std::size_t pos = 2;
            while (pos < call.argc() - 1) {
                const std::string_view arg = call.arg(pos++);
                if (respkit::detail::ascii_iequals(arg, "replace")) {
                    replace = true;
                    continue;
                }
                call.error("ERR Unknown option given: " + std::string(arg));
                return;
            }
            if (state->running()) { // not reached through the busy check
                call.error(server::errors::busy_script);
                return;
            }
            std::string error;
            // Loading the append-only file has no time limit (Redis's mustObeyClient).
            const auto timeout = call.origin() == server::command_origin::loading
                                     ? std::chrono::milliseconds(0)
                                     : scripting::function_load_timeout;
            const std::string name =
                state->functions->load(call.arg(pos), replace, error, timeout, &call.server());
            if (name.empty()) {
                call.error("ERR " + error);
                return;
            }
            call.mark_dirty();
            call.reply().bulk_string(name);
        });
    commands.add_subcommand("function", std::move(specs.function_delete),
                            [state](server::command_call& call) {
                                if (!state->functions->remove(call.arg(2))) {
                                    call.error("ERR Library not found");
                                    return;
                                }
                                call.mark_dirty();
                                call.ok();
                            });
    commands.add_subcommand(
        "function", std::move(specs.function_list),
        [state](server::command_call& call) { function_list(*state->functions, call); });
    commands.add_subcommand(
        "function", std::move(specs.function_flush), [state](server::command_call& call) {
            if (call.argc() > 3) {
                function_syntax_error(call);
                return;
            }
            if (call.argc() == 3 && !respkit::detail::ascii_iequals(call.arg(2), "sync") &&
                !respkit::detail::ascii_iequals(call.arg(2), "async")) {
                call.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
                return;
            }
            state->functions->clear(); // ASYNC too: freed at once
            call.mark_dirty();
            call.ok();
        });
    commands.add_subcommand(
        "function", std::move(specs.function_stats), [state](server::command_call& call) {
            if (state->engine->running()) {
                call.error(server::errors::busy_script);
                return;
            }
            auto& out = call.reply();
            out.map(2);
            out.bulk_string("running_script");
            if (!state->functions->engine().running()) {
                out.null();
            } else {
                out.map(3);
                out.bulk_string("name");
                out.bulk_string(state->running_function);
                out.bulk_string("command");
                out.array(state->running_command.size());
                for (const std::string& arg : state->running_command)
                    out.bulk_string(arg);
                out.bulk_string("duration_ms");
                out.integer(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - state->running_since)
                                .count());
            }
            out.bulk_string("engines");
            out.map(1);
            out.bulk_string("LUA");
            out.map(2);
            out.bulk_string("libraries_count");
            out.integer(static_cast<std::int64_t>(state->functions->libraries().size()));
            out.bulk_string("functions_count");
            out.integer(static_cast<std::int64_t>(state->functions->function_count()));
        });
    commands.add_subcommand("function", std::move(specs.function_dump),
                            [state](server::command_call& call) {
                                call.reply().bulk_string(state->functions->dump());
                            });
    commands.add_subcommand(
        "function", std::move(specs.function_restore), [state](server::command_call& call) {
            if (call.argc() > 4) {
                function_syntax_error(call);
                return;
            }
            scripting::restore_policy policy = scripting::restore_policy::append;
            if (call.argc() == 4) {
                const std::string_view p = call.arg(3);
                if (respkit::detail::ascii_iequals(p, "append")) {
                    policy = scripting::restore_policy::append;
                } else if (respkit::detail::ascii_iequals(p, "replace")) {
                    policy = scripting::restore_policy::replace;
                } else if (respkit::detail::ascii_iequals(p, "flush")) {
                    policy = scripting::restore_policy::flush;
                } else {
                    call.error("ERR Wrong restore policy given, value should be either FLUSH, "
                               "APPEND or REPLACE.");
                    return;
                }
            }
            std::string error;
            const auto codes = scripting::function_registry::read_dump(call.arg(2), error);
            if (!codes || !state->functions->restore(*codes, policy, error, &call.server())) {
                call.error("ERR " + error);
                return;
            }
            call.mark_dirty();
            call.ok();
        });
    commands.add_subcommand(
        "function", std::move(specs.function_kill), [state](server::command_call& call) {
            if (const std::string error = kill_running(*state, false); !error.empty())
                call.error(error);
            else
                call.ok();
        });
    commands.add_subcommand(
        "function", std::move(specs.function_help), [](server::command_call& call) {
            help_reply(call, "FUNCTION",
                       {"LOAD [REPLACE] <FUNCTION CODE>",
                        "    Create a new library with the given library name and code.",
                        "DELETE <LIBRARY NAME>",
                        "    Delete the given library.",
                        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
                        "    Return general information on all the libraries:",
                        "    * Library name",
                        "    * The engine used to run the Library",
                        "    * Library description",
                        "    * Functions list",
                        "    * Library code (if WITHCODE is given)",
                        "    It also possible to get only function that matches a pattern using "
                        "LIBRARYNAME argument.",
                        "STATS",
                        "    Return information about the current function running:",
                        "    * Function name",
                        "    * Command used to run the function",
                        "    * Duration in MS that the function is running",
                        "    If no function is running, return nil",
                        "    In addition, returns a list of available engines.",
                        "KILL",
                        "    Kill the current running function.",
                        "FLUSH [ASYNC|SYNC]",
                        "    Delete all the libraries.",
                        "    When called without the optional mode argument, the behavior is "
                        "determined by the",
                        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                        "    * ASYNC: Asynchronously flush the libraries.",
                        "    * SYNC: Synchronously flush the libraries.",
                        "DUMP",
                        "    Return a serialized payload representing the current libraries, can "
                        "be restored using FUNCTION "
                        "RESTORE command",
                        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
                        "    Restore the libraries represented by the given payload, it is "
                        "possible to give a restore policy to",
                        "    control how to handle existing libraries (default APPEND):",
                        "    * FLUSH: delete all existing libraries.",
                        "    * APPEND: appends the restored libraries to the existing libraries. "
                        "On collision, abort.",
                        "    * REPLACE: appends the restored libraries to the existing libraries, "
                        "On collision, replace the old",
                        "      libraries with the new libraries (notice that even on this option "
                        "there is a chance of failure",
                        "      in case of functions name collision with another library)."});
        });
}

} // namespace detail

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands

#pragma once

/// \file
/// Server and administration commands with Redis 7.0's replies: DBSIZE, FLUSHDB, FLUSHALL,
/// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, TIME, LASTSAVE, SHUTDOWN (INFO is in info.hpp,
/// COMMAND in introspection.hpp).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/specs/server_admin.hpp"
#include "respkit/commands/start_time.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/config_rewrite.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/store/encoding_limits.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// FLUSHDB / FLUSHALL's optional ASYNC | SYNC; false after replying a syntax error.
[[nodiscard]] inline bool flush_mode_ok(server::command_call& call) {
    if (call.argc() == 1) return true;
    if (call.argc() == 2 && (iequals(call.arg(1), "async") || iequals(call.arg(1), "sync"))) return true;
    call.error(server::errors::syntax);
    return false;
}

/// Zeroes the counters CONFIG RESETSTAT resets (gauges such as blocked_clients stay), the
/// commands' statistics (INFO commandstats, latencystats) included.
inline void reset_server_stats(server::server_context& ctx, const server::dispatcher* commands = nullptr) {
    auto& s = ctx.stats();
    const auto blocked = s.blocked_clients;
    s = server::server_stats{};
    s.blocked_clients = blocked;
    ctx.error_counts().clear();
    ctx.error_mark = 0;
    if (commands == nullptr) return;
    for (const auto& [name, entry] : commands->commands()) {
        entry->stats.reset();
        for (const auto& [sub_name, sub] : entry->subcommands) sub->stats.reset();
    }
}

} // namespace detail

/// Registers the server commands over `keyspace` and `config` (both must outlive `commands`'s
/// sessions); INFO and COMMAND are install_info_command's and install_command_command's. Keyspace needs size(db), flush(db),
/// flush_all(), db_count(), info(db), stats() and reset_stats() (store::keyspace has them).
template <class Keyspace>
void install_server_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    auto specs = server_command_specs();

    // The compact encodings' thresholds: hashes and sets created or grown from then on follow them.
    const auto apply_encoding_limits = [&keyspace, &config](std::string_view) {
        store::encoding_limits limits;
        const auto size = [&](std::string_view name) { return static_cast<std::size_t>(config.get_integer(name)); };
        limits.hash_max_listpack_entries = size("hash-max-listpack-entries");
        limits.hash_max_listpack_value = size("hash-max-listpack-value");
        limits.set_max_intset_entries = size("set-max-intset-entries");
        keyspace.set_encoding_limits(limits);
        return std::string();
    };
    for (const std::string_view name : {"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries"})
        config.on_change(name, apply_encoding_limits);
    (void)apply_encoding_limits({});

    commands.add(std::move(specs.dbsize),
                 [&keyspace](server::command_call& call) {
                     call.reply().integer(static_cast<std::int64_t>(keyspace.size(call.client().db())));
                 });
    commands.add(std::move(specs.flushdb),
                 [&keyspace](server::command_call& call) {
                     if (!detail::flush_mode_ok(call)) return;
                     (void)keyspace.flush(call.client().db());
                     call.ok();
                 });
    commands.add(std::move(specs.flushall),
                 [&keyspace](server::command_call& call) {
                     if (!detail::flush_mode_ok(call)) return;
                     (void)keyspace.flush_all();
                     call.ok();
                 });
    commands.add(std::move(specs.monitor), [](server::command_call& call) {
        server::session& s = call.client();
        // As Redis's monitorCommand: inside EXEC a client must get one reply per command; a
        // client already monitoring gets no reply at all.
        if (s.executing_transaction()) return call.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
        if (s.monitor()) return;
        s.set_monitor(true);
        call.ok();
    });
    commands.add(std::move(specs.time),
                 [](server::command_call& call) {
                     const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
                     call.reply().array(2);
                     call.reply().bulk_string(static_cast<std::int64_t>(us / 1000000));
                     call.reply().bulk_string(static_cast<std::int64_t>(us % 1000000));
                 });
    // Without persistence the last "save" is the start of the server, as for a fresh Redis.
    commands.add(std::move(specs.lastsave), [](server::command_call& call) {
        const auto& last_save = call.server().persistence().last_save;
        call.reply().integer(last_save ? last_save() : detail::started_unix(call.server()));
    });
    commands.add(
        std::move(specs.shutdown),
        [](server::command_call& call) {
            bool save = false, nosave = false, abort = false, force = false;
            for (std::size_t i = 1; i < call.argc(); ++i) {
                const std::string_view a = call.arg(i);
                if (iequals(a, "nosave"))
                    nosave = true;
                else if (iequals(a, "save"))
                    save = true;
                else if (iequals(a, "now"))
                    continue;
                else if (iequals(a, "force"))
                    force = true;
                else if (iequals(a, "abort"))
                    abort = true;
                else {
                    call.error(server::errors::syntax);
                    return;
                }
            }
            if ((abort && call.argc() != 2) || (save && nosave)) {
                call.error(server::errors::syntax);
                return;
            }
            if (abort) {
                call.error("ERR No shutdown in progress.");
                return;
            }
            // A script past busy-reply-threshold: only SHUTDOWN NOSAVE may stop the server.
            if (!nosave && call.server().busy()) {
                call.error(server::errors::busy_script);
                return;
            }
            const auto& before_shutdown = call.server().persistence().before_shutdown;
            if (before_shutdown) {
                const auto saving = save     ? server::shutdown_saving::save
                                    : nosave ? server::shutdown_saving::nosave
                                             : server::shutdown_saving::configured;
                // FORCE: a failed save does not stop the shutdown (the failure is logged).
                if (!before_shutdown(saving).error.empty() && !force) {
                    call.error("ERR Errors trying to SHUTDOWN. Check logs.");
                    return;
                }
            } else if (save) {
                // There is no persistence to save to: refuse rather than pretend.
                call.error("ERR Errors trying to SHUTDOWN. Check logs.");
                return;
            }
            // As Redis: no reply, the connection closes as the server stops.
            call.server().request_shutdown();
            call.client().close_after_reply();
        });

    // requirepass is the default user's password: clients connected from now on must AUTH.
    commands.access().set_password(config.get("requirepass"));
    config.on_change("requirepass", [&commands](std::string_view value) {
        commands.access().set_password(value);
        return std::string();
    });

    // The sorted sets' packed-form thresholds: sets created or grown from then on follow them,
    // as in Redis (sets already stored keep their form).
    const auto apply_zset_limits = [&config, &keyspace] {
        store::zset_limits limits;
        limits.max_entries = static_cast<std::size_t>(config.get_integer("zset-max-listpack-entries"));
        limits.max_value = static_cast<std::size_t>(config.get_integer("zset-max-listpack-value"));
        keyspace.set_zset_limits(limits);
    };
    apply_zset_limits();
    for (const std::string_view name : {"zset-max-listpack-entries", "zset-max-listpack-value"}) {
        config.on_change(name, [apply_zset_limits](std::string_view) {
            apply_zset_limits();
            return std::string();
        });
    }

    // CONFIG
    commands.add(std::move(specs.config),
                 {});
    commands.add_subcommand(
        "config",
        std::move(specs.config_get),
        [&config](server::command_call& call) {
            const auto pairs = config.get_matching(call.args().subspan(2));
            call.reply().map(pairs.size());
            for (const auto& [name, value] : pairs) {
                call.reply().bulk_string(name);
                call.reply().bulk_string(value);
            }
        });
    commands.add_subcommand(
        "config",
        std::move(specs.config_set),
        [&config, &keyspace](server::command_call& call) {
            const std::string error = config.set(call.args().subspan(2));
            if (!error.empty()) {
                call.error(error);
                return;
            }
            // The classes as given, not as CONFIG GET prints them: Redis prints "A" alone for
            // "An" but keeps n on.
            const auto pairs = call.args().subspan(2);
            for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
                if (!respkit::detail::ascii_iequals(pairs[i], "notify-keyspace-events")) continue;
                if (const auto classes = server::parse_keyspace_event_classes(pairs[i + 1]))
                    apply_keyspace_events(keyspace, call.server(), *classes);
            }
            call.ok();
        });
    commands.add_subcommand("config",
                            std::move(specs.config_resetstat),
                            [&keyspace](server::command_call& call) {
                                detail::reset_server_stats(call.server(), &call.client().commands());
                                keyspace.reset_stats();
                                call.ok();
                            });
    commands.add_subcommand("config",
                            std::move(specs.config_rewrite),
                            [&config, &commands](server::command_call& call) {
                                if (config.config_file().empty()) {
                                    call.error("ERR The server is running without a config file");
                                    return;
                                }
                                if (const std::error_code error = server::rewrite_config_file(config, &commands.access())) {
                                    call.server().log(server::log_level::warning,
                                                      "CONFIG REWRITE failed: " + error.message());
                                    call.error("ERR Rewriting config file: " + error.message());
                                    return;
                                }
                                call.server().log(server::log_level::warning, "CONFIG REWRITE executed with success.");
                                call.ok();
                            });
    commands.add_subcommand("config",
                            std::move(specs.config_help),
                            [](server::command_call& call) {
                                detail::help_reply(call, "config",
                                                   {"GET <pattern>",
                                                    "    Return parameters matching the glob-like <pattern> and their values.",
                                                    "SET <directive> <value>",
                                                    "    Set the configuration <directive> to <value>.",
                                                    "RESETSTAT",
                                                    "    Reset statistics reported by the INFO command.",
                                                    "REWRITE",
                                                    "    Rewrite the configuration file."});
                            });
}

} // namespace respkit::commands

#pragma once

/// \file
/// SLOWLOG GET / LEN / RESET / HELP over the dispatcher's slow log, with slowlog-log-slower-than
/// and slowlog-max-len applied from the configuration.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/specs/slowlog.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Makes the dispatcher's slow log follow slowlog-log-slower-than and slowlog-max-len (now and
/// whenever they change; a smaller max-len trims the log at the next command, as Redis).
inline void follow_slowlog_config(server::dispatcher& commands, server::config_table& config) {
    const auto apply_threshold = [&commands](std::string_view value) {
        std::int64_t n = 0;
        if (respkit::detail::parse_int64(value, n)) commands.slowlog().slower_than_us = n;
        return std::string();
    };
    const auto apply_max_len = [&commands](std::string_view value) {
        std::int64_t n = 0;
        if (respkit::detail::parse_int64(value, n) && n >= 0) commands.slowlog().max_len = static_cast<std::size_t>(n);
        return std::string();
    };
    config.on_change("slowlog-log-slower-than", apply_threshold);
    config.on_change("slowlog-max-len", apply_max_len);
    (void)apply_threshold(config.get("slowlog-log-slower-than"));
    (void)apply_max_len(config.get("slowlog-max-len"));
}

/// Registers SLOWLOG and its subcommands, and follows the slow log's parameters in `config`
/// (which must outlive `commands`).
inline void install_slowlog_commands(server::dispatcher& commands, server::config_table& config) {
    auto specs = slowlog_command_specs();
    follow_slowlog_config(commands, config);
    commands.add(std::move(specs.slowlog), {});
    commands.add_subcommand("slowlog", std::move(specs.get), [](server::command_call& call) {
        const server::slowlog& log = call.client().commands().slowlog();
        std::int64_t count = 10;
        if (call.argc() == 3) {
            // As Redis's getRangeLongFromObjectOrReply: one message for "not a number" too.
            if (!respkit::detail::parse_int64(call.arg(2), count) || count < -1) {
                call.error("ERR count should be greater than or equal to -1");
                return;
            }
        } else if (call.argc() > 3) {
            call.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(call.arg(1).substr(0, 128)) +
                       "'. Try SLOWLOG HELP.");
            return;
        }
        const std::size_t n = count == -1 || static_cast<std::uint64_t>(count) > log.entries().size()
                                  ? log.entries().size()
                                  : static_cast<std::size_t>(count);
        auto& out = call.reply();
        out.array(n);
        for (std::size_t i = 0; i < n; ++i) {
            const server::slowlog_entry& e = log.entries()[i];
            out.array(6);
            out.integer(static_cast<std::int64_t>(e.id));
            out.integer(e.unix_time);
            out.integer(e.duration_us);
            out.array(e.args.size());
            for (const std::string& a : e.args) out.bulk_string(a);
            out.bulk_string(e.peer);
            out.bulk_string(e.client_name);
        }
    });
    commands.add_subcommand("slowlog", std::move(specs.len), [](server::command_call& call) {
        call.reply().integer(static_cast<std::int64_t>(call.client().commands().slowlog().entries().size()));
    });
    commands.add_subcommand("slowlog", std::move(specs.reset), [](server::command_call& call) {
        call.client().commands().slowlog().reset();
        call.ok();
    });
    commands.add_subcommand("slowlog", std::move(specs.help), [](server::command_call& call) {
        detail::help_reply(call, "slowlog",
                           {"GET [<count>]",
                            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                            "    Entries are made of:",
                            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                            "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
                            "    Reset the slowlog."});
    });
}

} // namespace respkit::commands

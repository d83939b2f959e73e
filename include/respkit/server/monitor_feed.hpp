#pragma once

/// \file
/// MONITOR's feed: the line Redis 7.0 sends its monitors for each command
/// (replicationFeedMonitors), and which commands feed it when.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The feed line of a command, without the simple string's `+` and CRLF:
/// `1701234567.123456 [0 127.0.0.1:50000] "set" "k" "v"`. `when` is the wall clock's time,
/// `db` the client's database after the command, `origin` the client's address, `lua` for a
/// script's commands, `unix:/path` for a Unix socket client; arguments quoted as sdscatrepr.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] std::string monitor_line(std::chrono::system_clock::time_point when, std::size_t db,
                                       std::string_view origin, std::span<const std::string_view> args) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "%lld.%06lld [%zu ", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000), db);
    std::string line = stamp;
    line += origin;
    line += "] ";
    static constexpr char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < args.size(); ++i) {
        line += i == 0 ? "\"" : " \"";
        for (const char c : args[i]) {
            switch (c) {
            case '\\': line += "\\\\"; break;
            case '"': line += "\\\""; break;
            case '\n': line += "\\n"; break;
            case '\r': line += "\\r"; break;
            case '\t': line += "\\t"; break;
            case '\a': line += "\\a"; break;
            case '\b': line += "\\b"; break;
            default: {
                const auto u = static_cast<unsigned char>(c);
                if (u >= 0x20 && u < 0x7f) {
                    line += c;
                } else {
                    line += "\\x";
                    line += hex[u >> 4];
                    line += hex[u & 0xf];
                }
            }
            }
        }
        line += '"';
    }
    return line;
}

/// True when a command with `flags` is fed to monitors after it ran: Redis shows neither
/// administrative commands nor those flagged skip_monitor.
[[nodiscard]] constexpr bool fed_to_monitors(command_flag flags) noexcept {
    return !has(flags, command_flag::admin) && !has(flags, command_flag::skip_monitor);
}

/// True for the commands that run scripts (EVAL, EVALSHA, their _RO forms, FCALL, FCALL_RO):
/// flagged skip_monitor, they feed monitors themselves before the script runs, so that the
/// script's commands come after them (Redis's evalCommand and fcallCommand).
[[nodiscard]] constexpr bool feeds_monitors_first(std::string_view full_name) noexcept {
    return full_name == "eval" || full_name == "evalsha" || full_name == "eval_ro" || full_name == "evalsha_ro" ||
           full_name == "fcall" || full_name == "fcall_ro";
}

} // namespace respkit::server

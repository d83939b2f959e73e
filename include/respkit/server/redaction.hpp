#pragma once

/// \file
/// Which arguments of a command Redis 7.0 hides as "(redacted)" from the slow log and MONITOR
/// (its redactClientCommandArgument calls): passwords of AUTH, HELLO ... AUTH, ACL SETUSER's
/// rules, CONFIG SET of masteruser, masterauth and requirepass, and MIGRATE's AUTH / AUTH2.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// What a redacted argument shows.
inline constexpr std::string_view redacted_argument = "(redacted)";

/// `args` of the command `full_name` ("auth", "config|set" ...) with the arguments Redis redacts
/// replaced by redacted_argument; returns false (leaving `out` untouched) when none is.
[[nodiscard]] inline bool redact_arguments(std::string_view full_name, std::span<const std::string_view> args,
                                           std::vector<std::string_view>& out) {
    using respkit::detail::ascii_iequals;
    const std::size_t argc = args.size();
    std::vector<bool> hide(argc, false);
    bool any = false;
    const auto mark = [&](std::size_t i) {
        if (i < argc) hide[i] = any = true;
    };
    if (full_name == "auth") {
        if (argc <= 3) { // more: a syntax error, before anything is redacted
            mark(1);
            if (argc == 3) mark(2);
        }
    } else if (full_name == "hello") {
        // Redis redacts each AUTH pair as it reaches it (the protocol version parsed first).
        for (std::size_t j = 2; j < argc; ++j) {
            const std::size_t more = argc - 1 - j;
            if (ascii_iequals(args[j], "auth") && more >= 2) {
                mark(j + 1);
                mark(j + 2);
                j += 2;
            } else if (ascii_iequals(args[j], "setname") && more >= 1) {
                ++j;
            } else {
                break;
            }
        }
    } else if (full_name == "acl|setuser") {
        for (std::size_t j = 2; j < argc; ++j) mark(j);
    } else if (full_name == "migrate") {
        // As migrateCommand parses its options, redacting each credential it reaches.
        for (std::size_t j = 6; j < argc; ++j) {
            const std::size_t more = argc - 1 - j;
            if (ascii_iequals(args[j], "copy") || ascii_iequals(args[j], "replace")) continue;
            if (ascii_iequals(args[j], "auth") && more >= 1) {
                mark(++j);
            } else if (ascii_iequals(args[j], "auth2") && more >= 2) {
                mark(++j);
                mark(++j);
            } else {
                break;
            }
        }
    } else if (full_name == "config|set") {
        if (argc % 2 == 0) {
            for (std::size_t j = 2; j + 1 < argc; j += 2) {
                if (ascii_iequals(args[j], "masteruser") || ascii_iequals(args[j], "masterauth") ||
                    ascii_iequals(args[j], "requirepass")) {
                    mark(j + 1);
                }
            }
        }
    }
    if (!any) return false;
    out.assign(args.begin(), args.end());
    for (std::size_t i = 0; i < argc; ++i) {
        if (hide[i]) out[i] = redacted_argument;
    }
    return true;
}

} // namespace respkit::server

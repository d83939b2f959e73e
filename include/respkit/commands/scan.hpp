#pragma once

/// \file
/// What the SCAN family (SCAN, SSCAN, HSCAN, ZSCAN) shares: the cursor read as Redis reads it,
/// the MATCH and COUNT options, and the two-part reply.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/server/call.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Reads a SCAN cursor as Redis does (strtoul in base 10 over the C string): optional sign
/// ('-' negates modulo 2^64), digits, nothing after them, no leading space, no overflow; the
/// empty string is cursor 0. False when Redis answers "ERR invalid cursor".
[[nodiscard]] constexpr bool parse_cursor(std::string_view text, std::uint64_t& out) noexcept {
    text = c_string(text);
    if (text.empty()) {
        out = 0;
        return true;
    }
    std::size_t i = 0;
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        i = 1;
    }
    if (i == text.size()) return false;
    std::uint64_t value = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = negative ? 0 - value : value;
    return true;
}

/// Reads a SCAN-family cursor argument, replying "ERR invalid cursor" when it does not parse.
[[nodiscard]] inline std::optional<std::uint64_t> cursor_arg(server::command_call& call, std::size_t i) {
    std::uint64_t cursor = 0;
    if (!parse_cursor(call.arg(i), cursor)) {
        call.error("ERR invalid cursor");
        return std::nullopt;
    }
    return cursor;
}

/// Parses SSCAN/ZSCAN's MATCH and COUNT from argument 3 on. False after an error reply.
inline bool parse_scan_options(server::command_call& call, std::string_view& pattern, std::size_t& count) {
    for (std::size_t i = 3; i < call.argc(); i += 2) {
        const bool has_value = i + 1 < call.argc();
        if (option_is(call.arg(i), "COUNT") && has_value) {
            const auto n = integer_arg(call, i + 1);
            if (!n) return false;
            if (*n < 1) {
                call.error(server::errors::syntax);
                return false;
            }
            count = static_cast<std::size_t>(std::min<std::int64_t>(*n, std::int64_t{1} << 40));
        } else if (option_is(call.arg(i), "MATCH") && has_value) {
            pattern = call.arg(i + 1);
        } else {
            call.error(server::errors::syntax);
            return false;
        }
    }
    return true;
}

/// Writes a SCAN-family reply: the cursor, then the elements.
inline void reply_scan(server::command_call& call, std::uint64_t next, const std::vector<std::string>& items) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, next).ptr;
    call.reply().array(2);
    call.reply().bulk_string(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    call.reply().array(items.size());
    for (const std::string& item : items) call.reply().bulk_string(item);
}

} // namespace respkit::commands

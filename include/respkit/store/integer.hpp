#pragma once

/// \file
/// Redis's canonical 64-bit integer strings: parsing (string2ll's rules) and formatting.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace respkit::store {

/// Longest decimal form of an int64 ("-9223372036854775808").
inline constexpr std::size_t max_int64_chars = 20;

/// Parses `text` as Redis's string2ll does: optional '-', digits, no leading zeros
/// (except "0" itself), no '+', no spaces, at most 20 characters, within int64 range.
/// Exactly the strings that format_int64 produces. Returns false otherwise.
[[nodiscard]] constexpr bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
    const std::size_t n = text.size();
    if (n == 0 || n > max_int64_chars) return false;
    if (n == 1 && text[0] == '0') {
        out = 0;
        return true;
    }
    std::size_t i = 0;
    const bool negative = text[0] == '-';
    if (negative) {
        if (n == 1) return false;
        i = 1;
    }
    if (text[i] < '1' || text[i] > '9') return false;
    std::uint64_t magnitude = 0;
    constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();
    for (; i < n; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (max_u64 - digit) / 10) return false;
        magnitude = magnitude * 10 + digit;
    }
    constexpr auto max_i64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (magnitude > max_i64 + 1) return false;
        out = magnitude == max_i64 + 1 ? std::numeric_limits<std::int64_t>::min()
                                       : -static_cast<std::int64_t>(magnitude);
    } else {
        if (magnitude > max_i64) return false;
        out = static_cast<std::int64_t>(magnitude);
    }
    return true;
}

/// Writes the decimal form of `value` into `buffer` (at least max_int64_chars bytes) and
/// returns a view of it.
[[nodiscard]] inline std::string_view format_int64(std::int64_t value, char* buffer) noexcept {
    const auto result = std::to_chars(buffer, buffer + max_int64_chars, value);
    return {buffer, static_cast<std::size_t>(result.ptr - buffer)};
}

/// Number of characters in the decimal form of `value`.
[[nodiscard]] constexpr std::size_t int64_length(std::int64_t value) noexcept {
    std::size_t length = value < 0 ? 2 : 1;
    std::uint64_t magnitude =
        value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    while (magnitude >= 10) {
        magnitude /= 10;
        ++length;
    }
    return length;
}

} // namespace respkit::store

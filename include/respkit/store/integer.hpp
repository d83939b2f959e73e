#pragma once

/// \file
/// Redis's canonical 64-bit integer strings: parsing (string2ll's rules) and formatting.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "respkit/detail/numbers.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// Longest decimal form of an int64 ("-9223372036854775808").
inline constexpr std::size_t max_int64_chars = 20;

/// Parses `text` as Redis's string2ll does: optional '-', digits, no leading zeros
/// (except "0" itself), no '+', no spaces, at most 20 characters, within int64 range.
/// Exactly the strings that format_int64 produces. Returns false otherwise.
[[nodiscard]] constexpr bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
    return respkit::detail::parse_int64(text, out);
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

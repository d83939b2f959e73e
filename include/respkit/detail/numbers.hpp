#pragma once

// Number parsing and formatting shared by the codec: strict like Redis's string2ll, and
// Redis 7.0's double formatting. Internal: users should not name anything here.

#include <respkit/version.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Parses a canonical signed 64-bit decimal exactly as Redis's string2ll: optional '-', no '+',
/// no leading zeros, no "-0", no spaces, no overflow. Returns false when `text` is not one.
[[nodiscard]] constexpr bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
    const char* p = text.data();
    std::size_t n = text.size();
    if (n == 0 || n > 20) return false;
    if (n == 1 && p[0] == '0') {
        out = 0;
        return true;
    }
    bool negative = false;
    if (p[0] == '-') {
        negative = true;
        ++p;
        --n;
        if (n == 0) return false;
    }
    if (p[0] < '1' || p[0] > '9') return false;
    std::uint64_t v = 0;
    if (n <= 18) { // cannot overflow: no check per digit (the common case: lengths, counts)
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned d = static_cast<unsigned char>(p[i]) - static_cast<unsigned>('0');
            if (d > 9) return false;
            v = v * 10 + d;
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned d = static_cast<unsigned char>(p[i]) - static_cast<unsigned>('0');
            if (d > 9) return false;
            if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
            v = v * 10 + d;
        }
    }
    constexpr auto max_positive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (v > max_positive + 1) return false;
        out = static_cast<std::int64_t>(0 - v);
    } else {
        if (v > max_positive) return false;
        out = static_cast<std::int64_t>(v);
    }
    return true;
}

/// Parses a RESP3 double payload: a decimal number with optional sign, fraction and exponent,
/// or inf, -inf, nan, -nan (Redis 7.0 really sends "-nan"). Returns false for anything else.
[[nodiscard]] inline bool parse_double(std::string_view text, double& out) noexcept {
    if (text.empty()) return false;
    if (text == "inf" || text == "+inf") {
        out = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "-inf") {
        out = -std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "nan" || text == "-nan") {
        out = text[0] == '-' ? -std::numeric_limits<double>::quiet_NaN()
                             : std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    std::size_t start = text[0] == '+' ? 1 : 0;
    // Only digits, sign, point and exponent: from_chars would also take "infinity" or hex.
    for (std::size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')) {
            return false;
        }
    }
    const char* first = text.data() + start;
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, out, std::chars_format::general);
    return ec == std::errc{} && end == last;
}

/// True when `text` is an optionally negative run of decimal digits (a RESP3 big number).
[[nodiscard]] inline bool is_big_number(std::string_view text) noexcept {
    if (!text.empty() && text[0] == '-') text.remove_prefix(1);
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

/// Longest text format_int64 writes.
inline constexpr std::size_t max_int64_chars = 20;

/// Writes `v` in decimal into `buf` (at least max_int64_chars bytes); returns the length.
inline std::size_t format_int64(std::int64_t v, char* buf) noexcept {
    const auto [end, ec] = std::to_chars(buf, buf + max_int64_chars, v);
    (void)ec;
    return static_cast<std::size_t>(end - buf);
}

/// Longest text format_double writes.
inline constexpr std::size_t max_double_chars = 32;

/// Formats a double as Redis 7.0 replies do: "inf" and "-inf" for infinities, otherwise
/// printf's "%.17g" (so 3.14159 is "3.1415899999999999", and a NaN is "nan" or "-nan").
/// Writes into `buf` (at least max_double_chars bytes); returns the length.
inline std::size_t format_double(double d, char* buf) noexcept {
    // No <cmath> (costly to include everywhere): infinities compare equal to themselves and
    // beyond the largest finite value, a NaN compares unequal to itself.
    if (d > std::numeric_limits<double>::max() || d < std::numeric_limits<double>::lowest()) {
        const std::string_view s = d > 0 ? std::string_view("inf") : std::string_view("-inf");
        s.copy(buf, s.size());
        return s.size();
    }
    if (d != d) { // NaN
        const std::string_view s = __builtin_signbit(d) ? std::string_view("-nan") : std::string_view("nan");
        s.copy(buf, s.size());
        return s.size();
    }
    const auto [end, ec] =
        std::to_chars(buf, buf + max_double_chars, d, std::chars_format::general, 17);
    (void)ec;
    return static_cast<std::size_t>(end - buf);
}

} // namespace respkit::detail

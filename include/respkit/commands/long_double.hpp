#pragma once

/// \file
/// Long doubles as Redis reads and writes them (INCRBYFLOAT, HINCRBYFLOAT, blocking timeouts).

#include <respkit/version.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Longest text Redis reads or writes as a long double (MAX_LONG_DOUBLE_CHARS).
inline constexpr std::size_t max_long_double_chars = 5 * 1024;

/// Reads `text` as a long double by Redis's rules (string2ld: INCRBYFLOAT, timeouts): the whole
/// text (strtold, so hex and "inf" parse), no leading space, not NaN, no overflow or underflow
/// to zero.
[[nodiscard]] inline bool parse_long_double(std::string_view text, long double& out) {
    char buffer[max_long_double_chars];
    if (text.empty() || text.size() >= sizeof buffer) return false;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    if (std::isspace(static_cast<unsigned char>(buffer[0]))) return false;
    errno = 0;
    char* end = nullptr;
    const long double number = std::strtold(buffer, &end);
    if (static_cast<std::size_t>(end - buffer) != text.size()) return false;
    if (errno == ERANGE && (std::isinf(number) || number == 0.0L)) return false;
    if (errno == EINVAL || std::isnan(number)) return false;
    out = number;
    return true;
}

/// Formats `number` as Redis's INCRBYFLOAT stores it: "%.17Lf" without trailing zeros (nor a
/// trailing point), "-0" as "0". Returns the length written into `buffer`.
inline std::size_t format_long_double(long double number, char (&buffer)[max_long_double_chars]) {
    const int written = std::snprintf(buffer, sizeof buffer, "%.17Lf", number);
    std::size_t length = written < 0 ? 0 : std::min(static_cast<std::size_t>(written), sizeof buffer - 1);
    if (std::memchr(buffer, '.', length) != nullptr) {
        while (length > 0 && buffer[length - 1] == '0') --length;
        if (length > 0 && buffer[length - 1] == '.') --length;
    }
    if (length == 2 && buffer[0] == '-' && buffer[1] == '0') {
        buffer[0] = '0';
        length = 1;
    }
    return length;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Reading command arguments as Redis does, replying with Redis's error when they do not parse.

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "respkit/commands/long_double.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// ASCII case-insensitive equality (option names such as "EX", "nx").
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    return respkit::detail::ascii_iequals(a, b);
}

/// Argument `i` as a 64-bit integer (Redis's string2ll rules), or nullopt after replying
/// "ERR value is not an integer or out of range".
[[nodiscard]] inline std::optional<std::int64_t> integer_arg(server::command_call& call, std::size_t i) {
    std::int64_t value = 0;
    if (respkit::detail::parse_int64(call.arg(i), value)) return value;
    call.error(server::errors::not_integer);
    return std::nullopt;
}

/// Argument `i` as a blocking command's timeout in seconds, as Redis 7.0's
/// getTimeoutFromObjectOrReply reads it: a long double, times 1000 rounded up to whole
/// milliseconds (so 0.0001 is 1 ms and -0.0001 is 0). Zero means no timeout; so does a timeout
/// beyond any practical wait (Redis's deadline overflows there and never passes). A value
/// outside the int64 range converts as on x86 (to INT64_MIN: "negative"). Replies "ERR timeout
/// is not a float or out of range" or "ERR timeout is negative" and returns nullopt otherwise.
[[nodiscard]] inline std::optional<std::chrono::milliseconds> timeout_arg(server::command_call& call, std::size_t i) {
    long double seconds = 0;
    if (!parse_long_double(call.arg(i), seconds)) {
        call.error("ERR timeout is not a float or out of range");
        return std::nullopt;
    }
    const long double ms = std::ceil(seconds * 1000.0L);
    constexpr long double limit = 9223372036854775808.0L; // 2^63
    if (!(ms < limit) || ms < -limit || ms < 0) {
        call.error("ERR timeout is negative");
        return std::nullopt;
    }
    // About 317 centuries: a steady_clock deadline this far would overflow; never reached anyway.
    constexpr long double forever = 1e15L;
    if (ms >= forever) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

/// Parses a double as Redis's getDoubleFromObject does (strtod over the whole text, no
/// leading space, not NaN); "inf", "+inf", "-inf" allowed. False when it does not parse.
[[nodiscard]] inline bool parse_redis_double(std::string_view text, double& out) {
    if (text.empty() || text.size() > 5000) return false;
    const std::string copy(text); // strtod needs a terminated string
    if (std::isspace(static_cast<unsigned char>(copy[0]))) return false;
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || value == 0)) ||
        std::isnan(value)) {
        return false;
    }
    out = value;
    return true;
}

/// Argument `i` as a double (Redis's rules), or nullopt after replying
/// "ERR value is not a valid float".
[[nodiscard]] inline std::optional<double> double_arg(server::command_call& call, std::size_t i) {
    double value = 0;
    if (parse_redis_double(call.arg(i), value)) return value;
    call.error(server::errors::not_float);
    return std::nullopt;
}

} // namespace respkit::commands

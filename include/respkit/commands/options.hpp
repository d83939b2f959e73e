#pragma once

/// \file
/// What the built-in command families share: option names matched as Redis matches them, Redis's
/// wording for common argument errors, overflow-checked time arithmetic, and the string encodings
/// OBJECT ENCODING reports.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "respkit/commands/arguments.hpp"
#include "respkit/server/call.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The bytes of `arg` before its first NUL: Redis reads option names and some numbers with
/// C string functions, which stop there ("NX\0junk" is NX).
[[nodiscard]] constexpr std::string_view c_string(std::string_view arg) noexcept {
    const std::size_t nul = arg.find('\0');
    return nul == std::string_view::npos ? arg : arg.substr(0, nul);
}

/// True when argument `arg` names option `name` (ASCII case-insensitive, C string rules).
[[nodiscard]] constexpr bool option_is(std::string_view arg, std::string_view name) noexcept {
    return iequals(c_string(arg), name);
}

/// Replies "ERR wrong number of arguments for '<command>' command", for arity rules the
/// dispatcher cannot state (MSET's even argument count).
inline void reply_arity_error(server::command_call& call) {
    std::string message = "ERR wrong number of arguments for '";
    message += call.spec().name;
    message += "' command";
    call.error(message);
}

/// Replies "ERR invalid expire time in '<command>' command".
inline void reply_invalid_expire_time(server::command_call& call) {
    std::string message = "ERR invalid expire time in '";
    message += call.spec().name;
    message += "' command";
    call.error(message);
}

/// `a + b`, or false when it overflows int64.
[[nodiscard]] constexpr bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
    if ((b > 0 && a > std::numeric_limits<std::int64_t>::max() - b) ||
        (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b))
        return false;
    out = a + b;
    return true;
}

/// Redis's shared integer objects: integer strings in [0, 10000) are one shared object, whose
/// OBJECT REFCOUNT is INT_MAX.
inline constexpr std::int64_t shared_integers = 10000;

/// Redis stores strings of up to 44 bytes in one allocation with their header ("embstr").
inline constexpr std::size_t embstr_limit = 44;

/// The largest string a command may build (Redis's proto-max-bulk-len default, 512 MB).
inline constexpr std::uint64_t max_string_length = 512ull * 1024 * 1024;

/// OBJECT ENCODING of a value, as Redis 7.0 names it. Strings: "int" when integer-encoded,
/// "raw" when changed in place (APPEND, SETRANGE), else "embstr" up to 44 bytes and "raw" above. Hashes,
/// sets and sorted sets by the form they are in; lists by the encoding Redis 7.0 uses for them.
[[nodiscard]] inline std::string_view encoding_name(const store::value& v) {
    switch (v.kind()) {
    case store::value_kind::string:
        if (v.is_int_encoded()) return "int";
        if (v.is_raw_hinted()) return "raw";
        return v.string_length() <= embstr_limit ? "embstr" : "raw";
    case store::value_kind::list: return "quicklist";
    case store::value_kind::hash: return v.hash().encoding_name();
    case store::value_kind::set: return v.set().encoding_name();
    case store::value_kind::zset: return v.zset().packed() ? "listpack" : "skiplist";
    case store::value_kind::stream: return "stream";
    }
    return "raw";
}

} // namespace respkit::commands

#pragma once

/// \file
/// What the built-in command families share: how they build their command specs, option names
/// matched as Redis matches them, Redis's wording for common argument errors, overflow-checked
/// time arithmetic, and the string encodings OBJECT ENCODING reports.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/store/value.hpp"

namespace respkit::commands {

/// Builds the specs of one family's commands, all in COMMAND DOCS group `group` ("list", "set",
/// ...): `spec("llen", 2, readonly | fast, {1, 1, 1}, summary, "1.0.0", "O(1)", acl)`.
struct spec_builder {
    std::string group; ///< COMMAND DOCS's group of every spec built

    /// A spec with what COMMAND INFO and COMMAND DOCS show of the command (arguments and
    /// history are added with server::with_docs); its key specs are derived from `keys`.
    [[nodiscard]] server::command_spec operator()(std::string name, int arity, server::command_flag flags,
                                                  server::key_positions keys, std::string summary,
                                                  std::string since, std::string complexity,
                                                  std::vector<std::string> acl_categories,
                                                  std::vector<std::string> tips = {}) const {
        server::command_spec s;
        s.name = std::move(name);
        s.arity = arity;
        s.flags = flags;
        s.keys = keys;
        s.group = group;
        s.summary = std::move(summary);
        s.since = std::move(since);
        s.complexity = std::move(complexity);
        s.acl_categories = std::move(acl_categories);
        s.tips = std::move(tips);
        return s;
    }

    /// The same with Redis's key specs of the command, besides its legacy key positions.
    [[nodiscard]] server::command_spec operator()(std::string name, int arity, server::command_flag flags,
                                                  server::key_positions keys,
                                                  std::vector<server::key_spec> key_specs, std::string summary,
                                                  std::string since, std::string complexity,
                                                  std::vector<std::string> acl_categories,
                                                  std::vector<std::string> tips = {}) const {
        server::command_spec s = (*this)(std::move(name), arity, flags, keys, std::move(summary), std::move(since),
                                         std::move(complexity), std::move(acl_categories), std::move(tips));
        s.key_specs = std::move(key_specs);
        return s;
    }
};

/// `spec` marked as COMMAND DOCS marks a command kept for compatibility only.
[[nodiscard]] inline server::command_spec deprecated(server::command_spec spec, std::string since,
                                                     std::string replaced_by) {
    spec.doc_flags = {"deprecated"};
    spec.deprecated_since = std::move(since);
    spec.replaced_by = std::move(replaced_by);
    return spec;
}

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
/// "raw" when changed in place (APPEND, SETRANGE), else "embstr" up to 44 bytes and "raw" above. Containers are named by the encoding Redis
/// 7.0 would choose at their size under its default thresholds.
[[nodiscard]] inline std::string_view encoding_name(const store::value& v) {
    switch (v.kind()) {
    case store::value_kind::string:
        if (v.is_int_encoded()) return "int";
        if (v.is_raw_hinted()) return "raw";
        return v.string_length() <= embstr_limit ? "embstr" : "raw";
    case store::value_kind::list: return "quicklist";
    case store::value_kind::hash: {
        const auto& h = v.hash();
        if (h.size() > 512) return "hashtable"; // hash-max-listpack-entries
        bool small = true;
        h.for_each([&](std::string_view field, const std::string& value) {
            if (field.size() > 64 || value.size() > 64) small = false;
        });
        return small ? "listpack" : "hashtable";
    }
    case store::value_kind::set: {
        const auto& s = v.set();
        if (s.size() > 512) return "hashtable";
        bool integers = true;
        s.for_each([&](std::string_view member, const store::set_member&) {
            std::int64_t ignored = 0;
            if (!store::parse_int64(member, ignored)) integers = false;
        });
        return integers ? "intset" : "hashtable";
    }
    case store::value_kind::zset: {
        const auto& z = v.zset();
        if (z.ordered.size() > 128) return "skiplist";
        for (const auto& element : z.ordered) {
            if (element.second.size() > 64) return "skiplist";
        }
        return "listpack";
    }
    }
    return "raw";
}

} // namespace respkit::commands

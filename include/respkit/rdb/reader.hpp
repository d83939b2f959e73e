#pragma once

/// \file
/// rdb::load: reads an RDB file (versions 1 to 10, as Redis 7.0 loads them) from memory and
/// hands what it holds to a handler: auxiliary fields, databases, and every key with its value
/// decoded into an rdb::object, whatever its encoding. Every length read from the data is
/// bounded by the bytes left before it sizes anything. Stops right after the EOF opcode and
/// checksum and says how many bytes it used (an AOF base file continues with commands).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "respkit/error.hpp"
#include "respkit/rdb/crc64.hpp"
#include "respkit/rdb/cursor.hpp"
#include "respkit/rdb/encodings.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/rdb/object.hpp"
#include "respkit/rdb/stream.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// What the file says about a key besides its value.
struct key_info {
    std::uint8_t type = 0;                     ///< the value type byte (rdb::value_type)
    std::size_t offset = 0;                    ///< where the key's record starts (its first opcode)
    std::optional<std::uint64_t> idle_seconds; ///< LRU idle time (IDLE opcode), when present
    std::optional<std::uint8_t> lfu_freq;      ///< LFU counter (FREQ opcode), when present
};

/// How rdb::load reads.
struct load_options {
    /// Check the CRC64 at the end (a stored 0 means "not computed" and is never checked, as in
    /// Redis).
    bool verify_checksum = true;
    /// Refuse sets, hashes and sorted sets with a repeated member, as Redis does.
    bool check_duplicates = true;
};

/// The outcome of rdb::load.
struct load_result {
    std::error_code error;                 ///< empty on success; an errc::rdb_* value otherwise
    std::string message;                   ///< what is wrong, naming the offset (empty on success)
    std::size_t offset = 0;                ///< success: bytes used (through the checksum); failure: where the problem is
    int version = 0;                       ///< the RDB version read (0 when the header is bad)
    std::uint64_t keys = 0;                ///< keys handed to on_key (or on_stream)
    std::uint64_t empty_keys_skipped = 0;  ///< empty containers skipped, as Redis skips them
    bool checksum_checked = false;         ///< true when a non-zero stored CRC64 was compared

    /// True when the whole file was read.
    [[nodiscard]] bool ok() const noexcept { return !error; }
};

/// What rdb::load calls. Each of on_aux, on_select_db and on_resize_db may return void or a
/// std::string ("" to go on; anything else stops the load with that message, errc::rdb_stopped):
///   h.on_aux(std::string_view key, std::string_view value)
///   h.on_select_db(std::uint64_t db)
///   h.on_resize_db(std::uint64_t keys, std::uint64_t expires)
///   h.on_key(std::uint64_t db, std::string_view key, rdb::object&& value,
///            std::optional<std::int64_t> expire_at_ms, rdb::key_info info) -> std::string
/// Optional: `h.on_stream(db, key, rdb::stream&&, expire_at_ms, info) -> std::string` receives
/// stream values (without it a stream stops the load, errc::rdb_unsupported), and
/// `h.on_function(std::string_view code) -> std::string` receives function libraries
/// (FUNCTION2; without it they stop the load the same way).
template <class H>
concept load_handler = requires(H& h, std::string_view s, std::uint64_t n, object&& value,
                                std::optional<std::int64_t> expire, key_info info) {
    h.on_aux(s, s);
    h.on_select_db(n);
    h.on_resize_db(n, n);
    { h.on_key(n, s, std::move(value), expire, info) } -> std::convertible_to<std::string>;
};

namespace detail {

template <class H>
concept has_on_stream = requires(H& h, std::string_view s, std::uint64_t n, stream&& value,
                                 std::optional<std::int64_t> expire, key_info info) {
    { h.on_stream(n, s, std::move(value), expire, info) } -> std::convertible_to<std::string>;
};

template <class H>
concept has_on_function = requires(H& h, std::string_view s) {
    { h.on_function(s) } -> std::convertible_to<std::string>;
};

/// Calls `f`; its std::string result, or "" when it returns void.
template <class F>
[[nodiscard]] std::string callback_status(F&& f) {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
        f();
        return {};
    } else {
        return std::string(f());
    }
}

} // namespace detail

/// Decodes one value of RDB type `type` at the cursor into `out`. Returns false with the
/// cursor's error set, or true; `empty` is set when the value is an empty container (Redis skips
/// those keys). Streams, modules and unknown types fail.
inline bool load_value(detail::rdb_cursor& in, std::uint8_t type, object& out, bool& empty,
                       const load_options& options = {}) {
    empty = false;
    const std::size_t start = in.position();
    std::string scratch;
    std::string_view view;
    const auto corrupt = [&](std::string what) { return in.fail(errc::rdb_corrupt, std::move(what), start); };
    const auto to_object_string = [](const packed_entry& e) { return e.to_string(); };
    const auto score_of = [&](const packed_entry& e, double& score) {
        if (e.is_integer) {
            score = static_cast<double>(e.integer);
            return true;
        }
        return detail::rdb_cursor::parse_score(e.string, score);
    };

    switch (static_cast<value_type>(type)) {
    case value_type::string:
        out.kind = object_kind::string;
        return in.string(out.string, "string value");
    case value_type::list:
    case value_type::set: {
        out.kind = type == 1 ? object_kind::list : object_kind::set;
        std::uint64_t n = 0;
        if (!in.count(n, type == 1 ? "list" : "set")) return false;
        out.elements.resize(static_cast<std::size_t>(n));
        for (auto& e : out.elements) {
            if (!in.string(e, "element")) return false;
        }
        break;
    }
    case value_type::zset:
    case value_type::zset_2: {
        out.kind = object_kind::zset;
        std::uint64_t n = 0;
        if (!in.count(n, "sorted set", 2)) return false;
        out.members.resize(static_cast<std::size_t>(n));
        for (auto& [member, score] : out.members) {
            if (!in.string(member, "sorted set member")) return false;
            if (!(type == 3 ? in.text_double(score, "score") : in.binary_double(score, "score"))) return false;
            if (std::isnan(score)) return corrupt("sorted set with a NaN score");
        }
        break;
    }
    case value_type::hash: {
        out.kind = object_kind::hash;
        std::uint64_t n = 0;
        if (!in.count(n, "hash", 2)) return false;
        out.fields.resize(static_cast<std::size_t>(n));
        for (auto& [field, value] : out.fields) {
            if (!in.string(field, "hash field") || !in.string(value, "hash value")) return false;
        }
        break;
    }
    case value_type::list_quicklist:
    case value_type::list_quicklist_2: {
        out.kind = object_kind::list;
        std::uint64_t nodes = 0;
        if (!in.count(nodes, "quicklist node")) return false;
        for (std::uint64_t i = 0; i < nodes; ++i) {
            const std::size_t node_start = in.position();
            std::uint64_t container = quicklist_container::packed;
            if (type == static_cast<std::uint8_t>(value_type::list_quicklist_2)) {
                if (!in.length(container, "quicklist container")) return false;
                if (container != quicklist_container::packed && container != quicklist_container::plain) {
                    return in.fail(errc::rdb_corrupt, "quicklist node with unknown container " + std::to_string(container), node_start);
                }
            }
            if (!in.string(view, scratch, "quicklist node")) return false;
            if (view.empty()) return in.fail(errc::rdb_corrupt, "empty quicklist node", node_start);
            if (container == quicklist_container::plain) {
                out.elements.emplace_back(view);
                continue;
            }
            const auto add = [&](const packed_entry& e) { out.elements.push_back(to_object_string(e)); };
            std::string error = type == static_cast<std::uint8_t>(value_type::list_quicklist_2) ? decode_listpack(view, add)
                                                                                               : decode_ziplist(view, add);
            if (!error.empty()) return in.fail(errc::rdb_corrupt, "quicklist node: " + error, node_start);
        }
        break;
    }
    case value_type::hash_zipmap:
    case value_type::list_ziplist:
    case value_type::set_intset:
    case value_type::zset_ziplist:
    case value_type::hash_ziplist:
    case value_type::hash_listpack:
    case value_type::zset_listpack: {
        if (!in.string(view, scratch, value_type_name(type))) return false;
        std::string error;
        const auto t = static_cast<value_type>(type);
        if (t == value_type::hash_zipmap) {
            out.kind = object_kind::hash;
            error = decode_zipmap(view, [&](std::string_view f, std::string_view v) { out.fields.emplace_back(f, v); });
        } else if (t == value_type::list_ziplist) {
            out.kind = object_kind::list;
            error = decode_ziplist(view, [&](const packed_entry& e) { out.elements.push_back(to_object_string(e)); });
        } else if (t == value_type::set_intset) {
            out.kind = object_kind::set;
            error = decode_intset(view, [&](std::int64_t v) {
                char buf[respkit::detail::max_int64_chars];
                out.elements.emplace_back(buf, respkit::detail::format_int64(v, buf));
            });
        } else {
            // Pairs: hash field and value, or sorted set member and score.
            const bool zset = t == value_type::zset_ziplist || t == value_type::zset_listpack;
            out.kind = zset ? object_kind::zset : object_kind::hash;
            std::string first;
            bool have_first = false;
            bool bad_score = false;
            const auto pair = [&](const packed_entry& e) {
                if (!have_first) {
                    first = to_object_string(e);
                    have_first = true;
                    return;
                }
                have_first = false;
                if (zset) {
                    double score = 0;
                    if (!score_of(e, score) || std::isnan(score)) bad_score = true;
                    out.members.emplace_back(std::move(first), score);
                } else {
                    out.fields.emplace_back(std::move(first), to_object_string(e));
                }
            };
            error = t == value_type::zset_listpack || t == value_type::hash_listpack ? decode_listpack(view, pair)
                                                                                     : decode_ziplist(view, pair);
            if (error.empty() && have_first) error = "odd number of elements in a pair encoding";
            if (error.empty() && bad_score) error = "bad sorted set score";
        }
        if (!error.empty()) return corrupt(std::string(value_type_name(type)) + ": " + error);
        break;
    }
    case value_type::stream_listpacks:
    case value_type::stream_listpacks_2:
        return in.fail(errc::rdb_unsupported, "stream value (type " + std::to_string(type) + ") not loaded", start);
    case value_type::module:
    case value_type::module_2:
        return in.fail(errc::rdb_unsupported, "module value (type " + std::to_string(type) + ") not supported", start);
    default:
        return in.fail(errc::rdb_corrupt, "unknown value type " + std::to_string(type), start);
    }
    empty = out.kind != object_kind::string && out.size() == 0;
    if (options.check_duplicates && out.size() > 1) {
        std::unordered_set<std::string_view> seen;
        seen.reserve(out.size());
        bool repeated = false;
        if (out.kind == object_kind::set) {
            for (const auto& e : out.elements) repeated = repeated || !seen.insert(e).second;
        } else if (out.kind == object_kind::hash) {
            for (const auto& f : out.fields) repeated = repeated || !seen.insert(f.first).second;
        } else if (out.kind == object_kind::zset) {
            for (const auto& m : out.members) repeated = repeated || !seen.insert(m.first).second;
        }
        if (repeated) return corrupt(std::string("duplicate ") + object_kind_name(out.kind) + " members");
    }
    return true;
}

/// Reads the RDB file in `bytes`, calling `handler` (see load_handler) for what it holds.
template <class Handler>
    requires load_handler<Handler>
[[nodiscard]] load_result load(std::string_view bytes, Handler& handler, const load_options& options = {}) {
    load_result result;
    detail::rdb_cursor in(bytes);
    const auto finish = [&]() -> load_result {
        if (in.failed()) {
            result.error = in.error();
            result.message = in.message();
            result.offset = in.error_offset();
        } else {
            result.offset = in.position();
        }
        return std::move(result);
    };
    const auto stopped = [&](std::string message, std::size_t offset) {
        return in.fail(errc::rdb_stopped, std::move(message), offset);
    };

    std::string_view magic;
    if (!in.bytes(9, magic, "the header")) return finish();
    if (magic.substr(0, 5) != "REDIS") {
        in.fail(errc::rdb_corrupt, "wrong signature (not an RDB file)", 0);
        return finish();
    }
    int version = 0;
    for (const char c : magic.substr(5)) {
        if (c < '0' || c > '9') {
            in.fail(errc::rdb_corrupt, "bad version number in the header", 5);
            return finish();
        }
        version = version * 10 + (c - '0');
    }
    if (version < 1 || version > rdb_version) {
        in.fail(errc::rdb_unsupported_version, "can't handle RDB format version " + std::to_string(version), 5);
        return finish();
    }
    result.version = version;

    std::uint64_t db = 0;
    // The pending key's expiry as two plain values: a std::optional kept across the loop's turns
    // makes g++ 12 -O3 warn (wrongly, its bug 80635) that its value may be used uninitialized.
    bool has_expire = false;
    std::int64_t expire_ms = 0;
    const auto expire = [&] { return has_expire ? std::optional<std::int64_t>(expire_ms) : std::nullopt; };
    key_info info;
    bool key_started = false;
    std::string scratch_key, scratch_a, scratch_b;
    for (;;) {
        const std::size_t op_start = in.position();
        if (!key_started) {
            info = key_info{};
            info.offset = op_start;
        }
        std::uint8_t type = 0;
        if (!in.byte(type, "an opcode")) return finish();
        if (type == opcode::expire_time) {
            std::uint64_t raw = 0;
            if (!in.uint_le(4, raw, "an expire time")) return finish();
            expire_ms = detail::sign_extend(raw, 32) * 1000;
            has_expire = true;
            key_started = true;
            continue;
        }
        if (type == opcode::expire_time_ms) {
            std::uint64_t raw = 0;
            if (!in.uint_le(8, raw, "an expire time")) return finish();
            expire_ms = static_cast<std::int64_t>(raw);
            has_expire = true;
            key_started = true;
            continue;
        }
        if (type == opcode::freq) {
            std::uint8_t f = 0;
            if (!in.byte(f, "an LFU frequency")) return finish();
            info.lfu_freq = f;
            key_started = true;
            continue;
        }
        if (type == opcode::idle) {
            std::uint64_t idle = 0;
            if (!in.length(idle, "an LRU idle time")) return finish();
            info.idle_seconds = idle;
            key_started = true;
            continue;
        }
        if (type == opcode::eof) break;
        if (type == opcode::select_db) {
            if (!in.length(db, "a database number")) return finish();
            std::string status = detail::callback_status([&] { return handler.on_select_db(db); });
            if (!status.empty()) {
                stopped(std::move(status), op_start);
                return finish();
            }
            continue;
        }
        if (type == opcode::resize_db) {
            std::uint64_t keys = 0, expires = 0;
            if (!in.length(keys, "a database size") || !in.length(expires, "a database size")) return finish();
            std::string status = detail::callback_status([&] { return handler.on_resize_db(keys, expires); });
            if (!status.empty()) {
                stopped(std::move(status), op_start);
                return finish();
            }
            continue;
        }
        if (type == opcode::aux) {
            std::string_view key, value;
            if (!in.string(key, scratch_a, "an aux field") || !in.string(value, scratch_b, "an aux field")) return finish();
            std::string status = detail::callback_status([&] { return handler.on_aux(key, value); });
            if (!status.empty()) {
                stopped(std::move(status), op_start);
                return finish();
            }
            continue;
        }
        if (type == opcode::function2) {
            if constexpr (detail::has_on_function<Handler>) {
                std::string_view code;
                if (!in.string(code, scratch_a, "a function library")) return finish();
                std::string status = handler.on_function(code);
                if (!status.empty()) {
                    stopped(std::move(status), op_start);
                    return finish();
                }
                continue;
            } else {
                in.fail(errc::rdb_unsupported, "function library (opcode 245) not loaded", op_start);
                return finish();
            }
        }
        if (type == opcode::function) {
            in.fail(errc::rdb_unsupported, "function library in Redis 7.0 rc format (opcode 246) not supported", op_start);
            return finish();
        }
        if (type == opcode::module_aux) {
            in.fail(errc::rdb_unsupported, "module aux data (opcode 247) not supported", op_start);
            return finish();
        }

        // A key: type, name, value.
        info.type = type;
        std::string_view key;
        if (!in.string(key, scratch_key, "a key")) return finish();
        const bool is_stream = type == static_cast<std::uint8_t>(value_type::stream_listpacks) ||
                               type == static_cast<std::uint8_t>(value_type::stream_listpacks_2);
        std::string status;
        if (is_stream) {
            if constexpr (detail::has_on_stream<Handler>) {
                stream value;
                if (!load_stream(in, type, value)) return finish();
                status = handler.on_stream(db, key, std::move(value), expire(), info);
                ++result.keys;
            } else {
                in.fail(errc::rdb_unsupported,
                        "stream value (type " + std::to_string(type) + ") of key '" + std::string(key) + "' not loaded", op_start);
                return finish();
            }
        } else {
            object value;
            bool empty = false;
            if (!load_value(in, type, value, empty, options)) return finish();
            if (empty) {
                ++result.empty_keys_skipped;
            } else {
                status = handler.on_key(db, key, std::move(value), expire(), info);
                ++result.keys;
            }
        }
        if (!status.empty()) {
            stopped(std::move(status), op_start);
            return finish();
        }
        has_expire = false;
        key_started = false;
    }
    if (key_started) {
        in.fail(errc::rdb_corrupt, "key attributes without a key before EOF", in.position() - 1);
        return finish();
    }
    if (version >= 5) {
        const std::size_t checksum_at = in.position();
        std::uint64_t stored = 0;
        if (!in.uint_le(8, stored, "the checksum")) return finish();
        if (options.verify_checksum && stored != 0) {
            const std::uint64_t computed = crc64(0, bytes.substr(0, checksum_at));
            result.checksum_checked = true;
            if (computed != stored) {
                char text[80];
                std::snprintf(text, sizeof text, "wrong RDB checksum: expected %016llx, got %016llx",
                              static_cast<unsigned long long>(computed), static_cast<unsigned long long>(stored));
                in.fail(errc::rdb_checksum, text, checksum_at);
            }
        }
    }
    return finish();
}

} // namespace respkit::rdb

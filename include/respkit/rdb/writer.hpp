#pragma once

/// \file
/// rdb::writer: writes an RDB file (version 10) that redis-server 7.0 loads, in the encodings
/// Redis 7.0 itself writes (integer-encoded and LZF strings, QUICKLIST_2 lists, intsets, listpack
/// hashes and sorted sets under the thresholds, plain forms above), to any rdb::sink. Values
/// come from any input range, so a server can stream its containers without copying them.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ranges>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/rdb/crc64.hpp"
#include "respkit/rdb/encodings.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/rdb/lzf.hpp"
#include "respkit/rdb/object.hpp"
#include "respkit/rdb/sink.hpp"
#include "respkit/rdb/stream.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// How rdb::writer writes; the defaults are Redis 7.0's.
struct writer_options {
    bool compression = true;              ///< LZF-compress strings longer than 20 bytes (rdbcompression)
    bool checksum = true;                 ///< end with the CRC64 (rdbchecksum); off writes 0
    bool compact_encodings = true;        ///< listpack, intset, quicklist as Redis 7.0; false: plain forms only
    std::size_t hash_max_listpack_entries = 128; ///< hash-max-listpack-entries
    std::size_t hash_max_listpack_value = 64;    ///< hash-max-listpack-value
    std::size_t zset_max_listpack_entries = 128; ///< zset-max-listpack-entries
    std::size_t zset_max_listpack_value = 64;    ///< zset-max-listpack-value
    std::size_t set_max_intset_entries = 512;    ///< set-max-intset-entries
    std::int64_t list_max_listpack_size = -2;    ///< list-max-listpack-size (negative: node bytes 4K..64K)
    std::size_t list_packed_threshold = std::size_t{1} << 30; ///< elements this large get a plain node
};

namespace detail {

template <class R>
concept string_range = std::ranges::input_range<R> && std::convertible_to<std::ranges::range_reference_t<R>, std::string_view>;

template <class R>
concept pair_range = std::ranges::input_range<R> && requires(std::ranges::range_reference_t<R> p) {
    std::get<0>(p);
    std::get<1>(p);
};

/// Formats a score as Redis's d2string: integers below 2^52 in decimal, "-0", "inf", otherwise %.17g.
inline std::string score_text(double d) {
    char buf[respkit::detail::max_double_chars];
    if (d == 0) return std::signbit(d) ? "-0" : "0";
    if (std::isfinite(d) && d > -4503599627370495.0 && d < 4503599627370496.0 &&
        d == static_cast<double>(static_cast<long long>(d))) {
        return std::to_string(static_cast<long long>(d));
    }
    return std::string(buf, respkit::detail::format_double(d, buf));
}

} // namespace detail

/// Writes an RDB file to a Sink: header(), aux fields, then per database select_db() and
/// resize_db(), per key optional key_expiry()/key_idle()/key_freq() and one value call, then
/// finish(). Each call returns false once anything failed (the sink, or a call out of place);
/// error() says what.
template <class Sink>
    requires sink<Sink>
class writer {
public:
    /// A writer to `out` (which must outlive it).
    explicit writer(Sink& out, writer_options options = {}) : m_sink(out), m_options(options) {
        m_buffer.reserve(flush_size);
    }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    /// The magic "REDIS0010". Only version 10 is written (the encodings are version 10's).
    bool header(int version = rdb_version) {
        if (version != rdb_version) return fail("only RDB version 10 is written, not " + std::to_string(version));
        return put("REDIS0010");
    }
    /// An AUX field with a string value.
    bool aux(std::string_view key, std::string_view value) {
        return put_byte(opcode::aux) && put_string(key) && put_string(value);
    }
    /// An AUX field with an integer value, as Redis writes redis-bits, ctime, used-mem, aof-base.
    bool aux(std::string_view key, std::int64_t value) {
        char buf[respkit::detail::max_int64_chars];
        return aux(key, std::string_view(buf, respkit::detail::format_int64(value, buf)));
    }
    /// A function library's code (FUNCTION2), as Redis writes before the databases.
    bool function(std::string_view code) { return put_byte(opcode::function2) && put_string(code); }
    /// Starts database `db`.
    bool select_db(std::uint64_t db) { return put_byte(opcode::select_db) && put_length(db); }
    /// The size hint of the current database.
    bool resize_db(std::uint64_t keys, std::uint64_t expires) {
        return put_byte(opcode::resize_db) && put_length(keys) && put_length(expires);
    }
    /// The next key's expiry, Unix time in milliseconds.
    bool key_expiry(std::int64_t unix_ms) {
        char raw[8];
        for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>((static_cast<std::uint64_t>(unix_ms) >> (8 * i)) & 0xff);
        return put_byte(opcode::expire_time_ms) && put(std::string_view(raw, 8));
    }
    /// The next key's LRU idle time in seconds.
    bool key_idle(std::uint64_t seconds) { return put_byte(opcode::idle) && put_length(seconds); }
    /// The next key's LFU counter.
    bool key_freq(std::uint8_t counter) {
        return put_byte(opcode::freq) && put_byte(counter);
    }

    /// A string key.
    bool string(std::string_view key, std::string_view value) {
        return put_byte(static_cast<std::uint8_t>(value_type::string)) && put_string(key) && put_string(value);
    }
    /// A list key: `size` elements, in order, from `elements` (strings).
    template <detail::string_range R>
    bool list(std::string_view key, std::size_t size, R&& elements) {
        return key_start(list_type()) && put_string(key) && list_body(size, std::forward<R>(elements));
    }
    /// A set key: `size` distinct members from `members` (strings).
    template <detail::string_range R>
    bool set(std::string_view key, std::size_t size, R&& members) {
        return with_forward(std::forward<R>(members), [&](auto&& range) {
            return key_start(set_type(size, range)) && put_string(key) && set_body(size, range);
        });
    }
    /// A hash key: `size` distinct fields from `fields` (pairs of strings).
    template <detail::pair_range R>
    bool hash(std::string_view key, std::size_t size, R&& fields) {
        return with_forward(std::forward<R>(fields), [&](auto&& range) {
            return key_start(hash_type(size, range)) && put_string(key) && hash_body(size, range);
        });
    }
    /// A sorted set key: `size` distinct members from `members` (pairs of string and double).
    template <detail::pair_range R>
    bool zset(std::string_view key, std::size_t size, R&& members) {
        return with_forward(std::forward<R>(members), [&](auto&& range) {
            return key_start(zset_type(size, range)) && put_string(key) && zset_body(size, range);
        });
    }
    /// A stream key (RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes it): its entries in nodes of
    /// `node_max_entries` (0: one node) listpacks, then its IDs and counters, groups, pending
    /// entries and consumers.
    bool stream(std::string_view key, const rdb::stream& s, std::size_t node_max_entries = 100) {
        return key_start(value_type::stream_listpacks_2) && put_string(key) && stream_body(s, node_max_entries);
    }
    /// A stream's type byte and value, as DUMP serializes it.
    bool stream_value(const rdb::stream& s, std::size_t node_max_entries = 100) {
        return key_start(value_type::stream_listpacks_2) && stream_body(s, node_max_entries);
    }

    /// A key holding a decoded value.
    bool value(std::string_view key, const object& v) {
        switch (v.kind) {
        case object_kind::string: return string(key, v.string);
        case object_kind::list: return list(key, v.elements.size(), v.elements);
        case object_kind::set: return set(key, v.elements.size(), v.elements);
        case object_kind::hash: return hash(key, v.fields.size(), v.fields);
        case object_kind::zset: return zset(key, v.members.size(), v.members);
        }
        return fail("unknown object kind");
    }

    /// A value's type byte and value without a key, as DUMP serializes it.
    bool string_value(std::string_view value) {
        return put_byte(static_cast<std::uint8_t>(value_type::string)) && put_string(value);
    }
    /// A list's type byte and value, as DUMP serializes it.
    template <detail::string_range R>
    bool list_value(std::size_t size, R&& elements) {
        return key_start(list_type()) && list_body(size, std::forward<R>(elements));
    }
    /// A set's type byte and value, as DUMP serializes it.
    template <detail::string_range R>
    bool set_value(std::size_t size, R&& members) {
        return with_forward(std::forward<R>(members),
                            [&](auto&& range) { return key_start(set_type(size, range)) && set_body(size, range); });
    }
    /// A hash's type byte and value, as DUMP serializes it.
    template <detail::pair_range R>
    bool hash_value(std::size_t size, R&& fields) {
        return with_forward(std::forward<R>(fields),
                            [&](auto&& range) { return key_start(hash_type(size, range)) && hash_body(size, range); });
    }
    /// A sorted set's type byte and value, as DUMP serializes it.
    template <detail::pair_range R>
    bool zset_value(std::size_t size, R&& members) {
        return with_forward(std::forward<R>(members),
                            [&](auto&& range) { return key_start(zset_type(size, range)) && zset_body(size, range); });
    }
    /// A decoded value's type byte and value, as DUMP serializes it.
    bool object_value(const object& v) {
        switch (v.kind) {
        case object_kind::string: return string_value(v.string);
        case object_kind::list: return list_value(v.elements.size(), v.elements);
        case object_kind::set: return set_value(v.elements.size(), v.elements);
        case object_kind::hash: return hash_value(v.fields.size(), v.fields);
        case object_kind::zset: return zset_value(v.members.size(), v.members);
        }
        return fail("unknown object kind");
    }

    /// The EOF opcode and the CRC64 (0 with checksum off); flushes the sink when it can.
    bool finish() {
        if (!put_byte(opcode::eof) || !flush()) return false;
        const std::uint64_t crc = m_options.checksum ? m_crc : 0;
        char raw[8];
        for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
        if (!m_sink.write(std::string_view(raw, 8))) return fail("the sink refused the checksum");
        m_written += 8;
        if constexpr (requires { m_sink.flush(); }) {
            if (!m_sink.flush()) return fail("the sink failed to flush");
        }
        return true;
    }
    /// Hands what is buffered to the sink (finish() does it).
    bool flush() {
        if (m_failed) return false;
        if (m_buffer.empty()) return true;
        if (m_options.checksum) m_crc = crc64(m_crc, m_buffer);
        const bool ok = m_sink.write(m_buffer);
        m_written += m_buffer.size();
        m_buffer.clear();
        return ok || fail("the sink refused a write");
    }

    /// False once a call failed.
    [[nodiscard]] bool ok() const noexcept { return !m_failed; }
    /// What failed ("" when nothing did).
    [[nodiscard]] const std::string& error() const noexcept { return m_error; }
    /// Bytes handed to the sink or buffered so far.
    [[nodiscard]] std::uint64_t bytes_written() const noexcept { return m_written + m_buffer.size(); }
    /// The CRC64 of the bytes handed to the sink so far (with checksum on).
    [[nodiscard]] std::uint64_t checksum() const noexcept { return m_crc; }
    /// The options.
    [[nodiscard]] const writer_options& options() const noexcept { return m_options; }

private:
    static constexpr std::size_t flush_size = 64 * 1024;

    bool fail(std::string what) {
        if (!m_failed) {
            m_failed = true;
            m_error = std::move(what);
        }
        return false;
    }

    bool put(std::string_view bytes) {
        if (m_failed) return false;
        if (m_buffer.size() + bytes.size() > flush_size) {
            if (!flush()) return false;
            if (bytes.size() >= flush_size) {
                if (m_options.checksum) m_crc = crc64(m_crc, bytes);
                m_written += bytes.size();
                return m_sink.write(bytes) || fail("the sink refused a write");
            }
        }
        m_buffer.append(bytes);
        return true;
    }
    bool put_byte(std::uint8_t b) {
        if (m_failed) return false;
        m_buffer.push_back(static_cast<char>(b));
        return m_buffer.size() < flush_size || flush();
    }
    bool put_length(std::uint64_t len) {
        char buf[9];
        std::size_t n = 0;
        if (len < (1u << 6)) {
            buf[n++] = static_cast<char>(len);
        } else if (len < (1u << 14)) {
            buf[n++] = static_cast<char>(0x40 | (len >> 8));
            buf[n++] = static_cast<char>(len & 0xff);
        } else if (len <= 0xffffffffu) {
            buf[n++] = static_cast<char>(0x80);
            for (int i = 3; i >= 0; --i) buf[n++] = static_cast<char>((len >> (8 * i)) & 0xff);
        } else {
            buf[n++] = static_cast<char>(0x81);
            for (int i = 7; i >= 0; --i) buf[n++] = static_cast<char>((len >> (8 * i)) & 0xff);
        }
        return put(std::string_view(buf, n));
    }
    /// A string as rdbSaveRawString: integer-encoded when it is a small canonical integer, LZF
    /// when compression is on, it is longer than 20 bytes and it saves at least 4, else raw.
    bool put_string(std::string_view s) {
        if (s.size() <= 11) {
            std::int64_t v = 0;
            if (respkit::detail::parse_int64(s, v) && v >= -2147483648LL && v <= 2147483647LL) {
                char buf[5];
                std::size_t n = 0;
                const auto u = static_cast<std::uint64_t>(v);
                if (v >= -128 && v <= 127) {
                    buf[n++] = static_cast<char>(0xc0 | string_encoding::int8);
                    buf[n++] = static_cast<char>(u & 0xff);
                } else if (v >= -32768 && v <= 32767) {
                    buf[n++] = static_cast<char>(0xc0 | string_encoding::int16);
                    for (int i = 0; i < 2; ++i) buf[n++] = static_cast<char>((u >> (8 * i)) & 0xff);
                } else {
                    buf[n++] = static_cast<char>(0xc0 | string_encoding::int32);
                    for (int i = 0; i < 4; ++i) buf[n++] = static_cast<char>((u >> (8 * i)) & 0xff);
                }
                return put(std::string_view(buf, n));
            }
        }
        if (m_options.compression && s.size() > 20 && lzf_compress(s, m_compressed, s.size() - 4)) {
            return put_byte(0xc0 | string_encoding::lzf) && put_length(m_compressed.size()) && put_length(s.size()) &&
                   put(m_compressed);
        }
        return put_length(s.size()) && put(s);
    }

    bool key_start(value_type type) { return put_byte(static_cast<std::uint8_t>(type)); }

    // A stream ID as a radix-tree key or pending entry: 16 bytes, big-endian.
    bool put_stream_id_raw(stream_id id) {
        char raw[16];
        for (int b = 0; b < 8; ++b) {
            raw[b] = static_cast<char>(id.ms >> (56 - 8 * b));
            raw[8 + b] = static_cast<char>(id.seq >> (56 - 8 * b));
        }
        return put(std::string_view(raw, 16));
    }
    bool put_millisecond_time(std::int64_t ms) {
        char raw[8];
        const auto u = static_cast<std::uint64_t>(ms);
        for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>((u >> (8 * i)) & 0xff);
        return put(std::string_view(raw, 8));
    }
    bool put_stream_id(stream_id id) { return put_length(id.ms) && put_length(id.seq); }

    // Redis's rdbSaveObject for OBJ_STREAM (version 2): the nodes (master ID key, listpack with
    // the master entry and the entries delta-encoded against it), the counters, the groups.
    bool stream_body(const rdb::stream& s, std::size_t node_max_entries) {
        const std::size_t n = s.entries.size();
        const std::size_t per_node = node_max_entries == 0 ? (n == 0 ? 1 : n) : node_max_entries;
        if (!put_length((n + per_node - 1) / per_node)) return false;
        for (std::size_t first = 0; first < n; first += per_node) {
            const std::size_t last = std::min(n, first + per_node);
            const stream_entry& master = s.entries[first];
            // The node's key: the master ID as a 16-byte string (rdbSaveRawString).
            if (!put_length(16) || !put_stream_id_raw(master.id)) return false;
            listpack_builder lp;
            lp.append_integer(static_cast<std::int64_t>(last - first)); // live entries
            lp.append_integer(0);                                      // deleted ones
            lp.append_integer(static_cast<std::int64_t>(master.fields.size()));
            for (const auto& field : master.fields) lp.append(field.first);
            lp.append_integer(0); // the master entry's terminator
            for (std::size_t i = first; i < last; ++i) {
                const stream_entry& e = s.entries[i];
                bool same = e.fields.size() == master.fields.size();
                for (std::size_t f = 0; same && f < e.fields.size(); ++f) same = e.fields[f].first == master.fields[f].first;
                lp.append_integer(same ? 2 : 0);
                lp.append_integer(static_cast<std::int64_t>(e.id.ms - master.id.ms));
                lp.append_integer(static_cast<std::int64_t>(e.id.seq - master.id.seq));
                if (!same) lp.append_integer(static_cast<std::int64_t>(e.fields.size()));
                for (const auto& [field, value] : e.fields) {
                    if (!same) lp.append(field);
                    lp.append(value);
                }
                const std::size_t fields = e.fields.size();
                lp.append_integer(static_cast<std::int64_t>(same ? fields + 3 : 2 * fields + 4));
            }
            if (!put_string(lp.finish())) return false;
        }
        if (!put_length(s.length) || !put_stream_id(s.last_id) || !put_stream_id(s.first_id.value_or(stream_id{})) ||
            !put_stream_id(s.max_deleted_id.value_or(stream_id{})) || !put_length(s.entries_added.value_or(s.length)) ||
            !put_length(s.groups.size())) {
            return false;
        }
        for (const stream_group& g : s.groups) {
            if (!put_string(g.name) || !put_stream_id(g.last_id) ||
                !put_length(g.entries_read.value_or(static_cast<std::uint64_t>(-1))) || !put_length(g.pending.size())) {
                return false;
            }
            for (const stream_pending_entry& p : g.pending) {
                if (!put_stream_id_raw(p.id) || !put_millisecond_time(p.delivery_time) || !put_length(p.delivery_count))
                    return false;
            }
            if (!put_length(g.consumers.size())) return false;
            for (const stream_consumer& c : g.consumers) {
                if (!put_string(c.name) || !put_millisecond_time(c.seen_time) || !put_length(c.pending.size())) return false;
                for (const stream_id id : c.pending) {
                    if (!put_stream_id_raw(id)) return false;
                }
            }
        }
        return true;
    }

    /// Calls `f` with a forward range over the elements: the range itself, or a copy of a
    /// single-pass range's elements.
    template <class R, class F>
    bool with_forward(R&& range, F&& f) {
        if constexpr (std::ranges::forward_range<R>) {
            return f(range);
        } else {
            using element = std::remove_cvref_t<std::ranges::range_value_t<R>>;
            std::vector<element> copy;
            for (auto&& e : range) copy.emplace_back(std::forward<decltype(e)>(e));
            return f(copy);
        }
    }

    [[nodiscard]] value_type list_type() const {
        return m_options.compact_encodings ? value_type::list_quicklist_2 : value_type::list;
    }
    template <class R>
    [[nodiscard]] value_type set_type(std::size_t size, R& range) const {
        if (!m_options.compact_encodings || size > m_options.set_max_intset_entries || size == 0) return value_type::set;
        for (auto&& e : range) {
            std::int64_t v = 0;
            const std::string_view s(e);
            if (s.size() > 20 || !respkit::detail::parse_int64(s, v)) return value_type::set;
        }
        return value_type::set_intset;
    }
    template <class R>
    [[nodiscard]] value_type hash_type(std::size_t size, R& range) const {
        if (!m_options.compact_encodings || size > m_options.hash_max_listpack_entries || size == 0) return value_type::hash;
        for (auto&& p : range) {
            if (std::string_view(std::get<0>(p)).size() > m_options.hash_max_listpack_value ||
                std::string_view(std::get<1>(p)).size() > m_options.hash_max_listpack_value) {
                return value_type::hash;
            }
        }
        return value_type::hash_listpack;
    }
    template <class R>
    [[nodiscard]] value_type zset_type(std::size_t size, R& range) const {
        if (!m_options.compact_encodings || size > m_options.zset_max_listpack_entries || size == 0) return value_type::zset_2;
        for (auto&& p : range) {
            if (std::string_view(std::get<0>(p)).size() > m_options.zset_max_listpack_value) return value_type::zset_2;
        }
        return value_type::zset_listpack;
    }

    bool size_mismatch(std::size_t stated, std::size_t seen) {
        return fail("stated size " + std::to_string(stated) + " but the range held " + std::to_string(seen));
    }

    // Whether a listpack node of `node_bytes` bytes and `count` elements takes one more element
    // of `size` bytes (quicklist's _quicklistNodeAllowInsert).
    [[nodiscard]] bool node_allows(std::size_t node_bytes, std::size_t count, std::size_t size) const {
        static constexpr std::size_t levels[] = {4096, 8192, 16384, 32768, 65536};
        const std::int64_t fill = m_options.list_max_listpack_size;
        const std::size_t new_size = node_bytes + size + 8;
        if (fill < 0 && static_cast<std::size_t>(-fill - 1) < std::size(levels)) {
            if (new_size <= levels[-fill - 1]) return true;
        }
        if (new_size > 8192) return false;
        return fill >= 0 && static_cast<std::int64_t>(count) < fill;
    }

    template <class R>
    bool list_body(std::size_t size, R&& elements) {
        if (!m_options.compact_encodings) {
            if (!put_length(size)) return false;
            std::size_t seen = 0;
            for (auto&& e : elements) {
                if (++seen > size || !put_string(std::string_view(e))) return seen > size ? size_mismatch(size, seen) : false;
            }
            return seen == size || size_mismatch(size, seen);
        }
        if constexpr (!std::ranges::forward_range<R>) {
            std::vector<std::string> copy;
            for (auto&& e : elements) copy.emplace_back(std::string_view(e));
            return list_body(size, copy);
        } else {
            // First pass: count the nodes (the count comes first). Second: write them.
            std::size_t nodes = 0, seen = 0;
            walk_list_nodes(elements, [&](auto, auto, bool) {
                ++nodes;
                return true;
            }, seen);
            if (seen != size) return size_mismatch(size, seen);
            if (size == 0) return fail("an empty list is not written (Redis deletes empty keys)");
            if (!put_length(nodes)) return false;
            return walk_list_nodes(elements, [&](auto first, auto last, bool plain) {
                if (plain) {
                    return put_length(quicklist_container::plain) && put_string(std::string_view(*first));
                }
                listpack_builder lp;
                for (; first != last; ++first) lp.append(std::string_view(*first));
                return put_length(quicklist_container::packed) && put_string(lp.finish());
            }, seen);
        }
    }
    // Splits the elements into quicklist nodes as Redis's quicklistPushTail would; calls
    // node(first, last, plain) for each.
    template <class R, class F>
    bool walk_list_nodes(R& elements, F&& node, std::size_t& seen) {
        seen = 0;
        auto it = std::ranges::begin(elements);
        const auto end = std::ranges::end(elements);
        auto node_first = it;
        std::size_t node_bytes = 0, node_count = 0;
        for (; it != end; ++it) {
            const std::size_t len = std::string_view(*it).size();
            ++seen;
            if (len >= m_options.list_packed_threshold) {
                if (node_count > 0 && !node(node_first, it, false)) return false;
                if (!node(it, std::next(it), true)) return false;
                node_count = node_bytes = 0;
                node_first = std::next(it);
                continue;
            }
            if (node_count > 0 && !node_allows(node_bytes, node_count, len)) {
                if (!node(node_first, it, false)) return false;
                node_count = node_bytes = 0;
                node_first = it;
            }
            if (node_count == 0) node_bytes = 7; // an empty listpack: header and terminator
            node_bytes += listpack_entry_size(std::string_view(*it));
            ++node_count;
        }
        return node_count == 0 || node(node_first, end, false);
    }
    [[nodiscard]] static std::size_t listpack_entry_size(std::string_view s) {
        std::int64_t v = 0;
        std::size_t encoded;
        if (s.size() <= 20 && respkit::detail::parse_int64(s, v)) {
            encoded = v >= 0 && v <= 127 ? 1 : v >= -4096 && v <= 4095 ? 2 : v >= -32768 && v <= 32767 ? 3
                    : v >= -8388608 && v <= 8388607 ? 4 : v >= -2147483648LL && v <= 2147483647LL ? 5 : 9;
        } else {
            encoded = s.size() + (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5);
        }
        return encoded + detail::listpack_backlen_size(encoded);
    }

    template <class R>
    bool set_body(std::size_t size, R& members) {
        if (size == 0) return fail("an empty container is not written (Redis deletes empty keys)");
        std::size_t seen = 0;
        if (m_options.compact_encodings && size <= m_options.set_max_intset_entries && size > 0 &&
            set_type(size, members) == value_type::set_intset) {
            std::vector<std::int64_t> values;
            values.reserve(size);
            for (auto&& e : members) {
                std::int64_t v = 0;
                (void)respkit::detail::parse_int64(std::string_view(e), v);
                values.push_back(v);
            }
            if (values.size() != size) return size_mismatch(size, values.size());
            return put_string(build_intset(std::move(values)));
        }
        if (!put_length(size)) return false;
        for (auto&& e : members) {
            if (++seen > size) return size_mismatch(size, seen);
            if (!put_string(std::string_view(e))) return false;
        }
        return seen == size || size_mismatch(size, seen);
    }

    template <class R>
    bool hash_body(std::size_t size, R& fields) {
        if (size == 0) return fail("an empty container is not written (Redis deletes empty keys)");
        std::size_t seen = 0;
        if (hash_type(size, fields) == value_type::hash_listpack) {
            listpack_builder lp;
            for (auto&& p : fields) {
                lp.append(std::string_view(std::get<0>(p)));
                lp.append(std::string_view(std::get<1>(p)));
                ++seen;
            }
            if (seen != size) return size_mismatch(size, seen);
            return put_string(lp.finish());
        }
        if (!put_length(size)) return false;
        for (auto&& p : fields) {
            if (++seen > size) return size_mismatch(size, seen);
            if (!put_string(std::string_view(std::get<0>(p))) || !put_string(std::string_view(std::get<1>(p)))) return false;
        }
        return seen == size || size_mismatch(size, seen);
    }

    template <class R>
    bool zset_body(std::size_t size, R& members) {
        if (size == 0) return fail("an empty container is not written (Redis deletes empty keys)");
        if (size == 0) return fail("an empty container is not written (Redis deletes empty keys)");
        std::size_t seen = 0;
        if (zset_type(size, members) == value_type::zset_listpack) {
            // A listpack sorted set is kept in (score, member) order: Redis reads it as is.
            std::vector<std::pair<std::string, double>> sorted;
            sorted.reserve(size);
            for (auto&& p : members) {
                const double score = static_cast<double>(std::get<1>(p));
                if (std::isnan(score)) return fail("NaN score");
                sorted.emplace_back(std::string(std::string_view(std::get<0>(p))), score);
            }
            if (sorted.size() != size) return size_mismatch(size, sorted.size());
            std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
                return a.second < b.second || (a.second == b.second && a.first < b.first);
            });
            listpack_builder lp;
            for (const auto& [member, score] : sorted) {
                lp.append(member);
                lp.append(detail::score_text(score));
            }
            return put_string(lp.finish());
        }
        if (!put_length(size)) return false;
        for (auto&& p : members) {
            if (++seen > size) return size_mismatch(size, seen);
            const double score = static_cast<double>(std::get<1>(p));
            if (std::isnan(score)) return fail("NaN score");
            std::uint64_t raw = 0;
            std::memcpy(&raw, &score, sizeof raw);
            char buf[8];
            for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((raw >> (8 * i)) & 0xff);
            if (!put_string(std::string_view(std::get<0>(p))) || !put(std::string_view(buf, 8))) return false;
        }
        return seen == size || size_mismatch(size, seen);
    }

    Sink& m_sink;
    writer_options m_options;
    std::string m_buffer;
    std::string m_compressed;
    std::uint64_t m_crc = 0;
    std::uint64_t m_written = 0;
    bool m_failed = false;
    std::string m_error;
};

} // namespace respkit::rdb

#pragma once

/// \file
/// A keyspace to and from an RDB snapshot: save_snapshot writes every database through an
/// rdb::writer, load_snapshot fills a keyspace from RDB bytes, and to_object / to_value convert
/// one value (DUMP and RESTORE).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <iterator>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "respkit/rdb/dump_payload.hpp"
#include "respkit/rdb/object.hpp"
#include "respkit/rdb/reader.hpp"
#include "respkit/rdb/sink.hpp"
#include "respkit/rdb/writer.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::persist {

/// The RDB form of `v` (a copy of its contents).
[[nodiscard]] inline rdb::object to_object(const store::value& v) {
    rdb::object o;
    switch (v.kind()) {
    case store::value_kind::string: {
        o.kind = rdb::object_kind::string;
        v.append_string_to(o.string);
        break;
    }
    case store::value_kind::list:
        o.kind = rdb::object_kind::list;
        o.elements.reserve(v.list().size());
        for (const std::string_view e : v.list()) o.elements.emplace_back(e);
        break;
    case store::value_kind::set:
        o.kind = rdb::object_kind::set;
        o.elements.reserve(v.set().size());
        v.set().for_each([&](std::string_view member) { o.elements.emplace_back(member); });
        break;
    case store::value_kind::hash:
        o.kind = rdb::object_kind::hash;
        o.fields.reserve(v.hash().size());
        v.hash().for_each([&](std::string_view field, std::string_view value) { o.fields.emplace_back(field, value); });
        break;
    case store::value_kind::zset:
        o.kind = rdb::object_kind::zset;
        o.members.reserve(v.zset().size());
        for (const auto& [score, member] : v.zset()) o.members.emplace_back(std::string(member), score);
        break;
    case store::value_kind::stream:
        // Streams have no rdb::object form yet: save_snapshot and DUMP refuse them.
        o.kind = rdb::object_kind::string;
        break;
    }
    return o;
}

/// The RDB form of a stream (a copy): live entries, IDs, counters, groups.
[[nodiscard]] inline rdb::stream to_rdb_stream(const store::stream& st) {
    rdb::stream out;
    const auto id_of = [](store::stream_id id) { return rdb::stream_id{id.ms, id.seq}; };
    st.range({}, store::stream_id::max(), false, [&](const store::stream_entry& e) {
        rdb::stream_entry entry;
        entry.id = id_of(e.id());
        bool name = true;
        e.for_each_item([&](std::string_view item) {
            if (name) entry.fields.emplace_back(std::string(item), std::string());
            else entry.fields.back().second.assign(item);
            name = !name;
        });
        out.entries.push_back(std::move(entry));
        return true;
    });
    out.length = st.length();
    out.last_id = id_of(st.last_id());
    out.first_id = id_of(st.first_id());
    out.max_deleted_id = id_of(st.max_deleted_id());
    out.entries_added = st.entries_added();
    for (const auto& [name, g] : st.groups()) {
        rdb::stream_group group;
        group.name = name;
        group.last_id = id_of(g.last_id);
        group.entries_read = static_cast<std::uint64_t>(g.entries_read);
        for (const auto& [id, nack] : g.pending)
            group.pending.push_back({id_of(id), nack.delivery_time, nack.delivery_count, nack.consumer});
        for (const auto& [cname, c] : g.consumers) {
            rdb::stream_consumer consumer{cname, c.seen_time, {}};
            for (const store::stream_id id : c.pending) consumer.pending.push_back(id_of(id));
            group.consumers.push_back(std::move(consumer));
        }
        out.groups.push_back(std::move(group));
    }
    return out;
}

/// The keyspace value holding the stream `s` (entries in nodes of `node_max_entries`), with the
/// counters a version-1 stream (RDB type 15) lacks derived as Redis's loader does.
[[nodiscard]] inline store::value to_stream_value(const rdb::stream& s, std::size_t node_max_entries) {
    store::value v = store::value::make(store::value_kind::stream);
    store::stream& st = v.stream();
    std::vector<std::string_view> items;
    for (const rdb::stream_entry& e : s.entries) {
        items.clear();
        for (const auto& [field, value] : e.fields) {
            items.push_back(field);
            items.push_back(value);
        }
        st.append({e.id.ms, e.id.seq}, items, node_max_entries);
    }
    const auto id_of = [](rdb::stream_id id) { return store::stream_id{id.ms, id.seq}; };
    st.set_last_id(id_of(s.last_id));
    st.set_entries_added(s.entries_added.value_or(st.length()));
    if (s.max_deleted_id) st.set_max_deleted_id(id_of(*s.max_deleted_id));
    if (s.first_id) st.set_first_id(st.length() == 0 ? store::stream_id{} : id_of(*s.first_id));
    for (const rdb::stream_group& g : s.groups) {
        store::stream_group group;
        group.last_id = id_of(g.last_id);
        group.entries_read = g.entries_read ? static_cast<std::int64_t>(*g.entries_read) : st.entries_read_up_to(group.last_id);
        for (const rdb::stream_pending_entry& p : g.pending)
            group.pending.emplace(id_of(p.id), store::stream_nack{p.consumer, p.delivery_time, p.delivery_count});
        for (const rdb::stream_consumer& c : g.consumers) {
            store::stream_consumer consumer{c.seen_time, {}};
            for (const rdb::stream_id id : c.pending) consumer.pending.insert(id_of(id));
            group.consumers.emplace(c.name, std::move(consumer));
        }
        st.groups().emplace(g.name, std::move(group));
    }
    return v;
}

/// The keyspace value holding `o` (moved from). A set or hash with repeated members keeps the
/// last, a sorted set the last score, as Redis's loader rejects neither in a trusted file. A
/// sorted set is packed when it fits `zset` (as Redis's loader converts); a list's nodes follow
/// `options`; hashes and sets take the compact form `limits` allow for their contents, as Redis's
/// loader chooses it.
[[nodiscard]] inline store::value to_value(rdb::object&& o, const store::zset_limits& zset = {},
                                           const store::encoding_options& options = {},
                                           const store::encoding_limits& limits = {}) {
    switch (o.kind) {
    case rdb::object_kind::string: return store::value::from_string(std::move(o.string));
    case rdb::object_kind::list: {
        store::value v = store::value::make(store::value_kind::list, options);
        for (const std::string& e : o.elements) v.list().push_back(e);
        return v;
    }
    case rdb::object_kind::set: {
        store::value v = store::value::make(store::value_kind::set);
        for (const std::string& e : o.elements) (void)v.set().insert(e, limits);
        return v;
    }
    case rdb::object_kind::hash: {
        store::value v = store::value::make(store::value_kind::hash);
        for (const auto& [field, value] : o.fields) (void)v.hash().set(field, value, limits);
        return v;
    }
    case rdb::object_kind::zset: {
        store::value v = store::value::make(store::value_kind::zset);
        store::sorted_set& z = v.zset();
        std::size_t longest = 0;
        for (const auto& [member, score] : o.members) longest = std::max(longest, member.size());
        if (!(o.members.size() <= zset.max_entries && longest <= zset.max_value)) z.to_skiplist();
        for (const auto& [member, score] : o.members) {
            if (z.score(member)) {
                z.update(member, score);
            } else {
                z.insert(member, score);
            }
        }
        return v;
    }
    }
    return store::value();
}

namespace detail {

// [first, last) seen through `f`: hands the writer a container's elements in the shape it takes
// without copying them (std::views::transform does not build with clang 14's libstdc++ 12).
template <class It, class F>
struct mapped_range {
    struct iterator {
        using iterator_concept = std::input_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = std::decay_t<std::invoke_result_t<const F&, decltype(*std::declval<It>())>>;
        It at{};
        const F* f = nullptr;
        value_type operator*() const { return (*f)(*at); }
        iterator& operator++() {
            ++at;
            return *this;
        }
        void operator++(int) { ++at; }
        bool operator==(const iterator& other) const { return at == other.at; }
    };
    It first, last;
    F f;
    [[nodiscard]] iterator begin() const { return {first, &f}; }
    [[nodiscard]] iterator end() const { return {last, &f}; }
};

template <class Container, class F>
[[nodiscard]] mapped_range<typename Container::const_iterator, F> mapped(const Container& c, F f) {
    return {c.begin(), c.end(), std::move(f)};
}

// A sorted set's (member, score) from the skip list's (score, member).
inline constexpr auto scored_member_of = [](const auto& e) { return std::pair<std::string_view, double>(e.second, e.first); };

// Writes `v` under `key` through `w`: the containers are streamed, not copied.
template <class Writer>
bool write_value(Writer& w, std::string_view key, const store::value& v) {
    switch (v.kind()) {
    case store::value_kind::string: {
        store::int_chars scratch;
        return w.string(key, v.string_bytes(scratch));
    }
    case store::value_kind::list: return w.list(key, v.list().size(), v.list());
    case store::value_kind::set: return w.set(key, v.set().size(), v.set());
    case store::value_kind::hash: return w.hash(key, v.hash().size(), v.hash());
    case store::value_kind::zset: return w.zset(key, v.zset().size(), mapped(v.zset(), scored_member_of));
    case store::value_kind::stream: return w.stream(key, to_rdb_stream(v.stream()));
    }
    return false;
}

} // namespace detail

/// How save_snapshot writes.
struct snapshot_options {
    rdb::writer_options writer; ///< compression, checksum, the encodings' thresholds
    std::vector<std::pair<std::string, std::string>> aux; ///< AUX fields written after the header
    std::vector<std::string> functions; ///< function libraries' codes: FUNCTION2 records after the AUX fields
};

/// Writes every database of `keyspace` as an RDB file (version 10) through `sink` (rdb::sink).
/// "" or the error.
template <class Keyspace, class Sink>
[[nodiscard]] std::string save_snapshot(const Keyspace& keyspace, Sink& sink, const snapshot_options& options) {
    rdb::writer<Sink> w(sink, options.writer);
    bool ok = w.header();
    for (const auto& [name, value] : options.aux) ok = ok && w.aux(name, value);
    for (const std::string& code : options.functions) ok = ok && w.function(code);
    for (std::size_t db = 0; ok && db < keyspace.db_count(); ++db) {
        const std::size_t keys = keyspace.size(db);
        if (keys == 0) continue;
        ok = w.select_db(db) && w.resize_db(keys, keyspace.expires_count(db));
        keyspace.map(db).for_each([&](std::string_view key, const store::entry& e) {
            if (!ok) return;
            if (const auto at = keyspace.expiry_of_entry(db, e)) ok = w.key_expiry(*at);
            ok = ok && detail::write_value(w, key, e.data);
        });
    }
    ok = ok && w.finish();
    return ok ? std::string() : w.error();
}

/// Writes the snapshot of `keyspace` to file descriptor `fd`. "" or the error.
template <class Keyspace>
[[nodiscard]] std::string save_snapshot(const Keyspace& keyspace, int fd, const snapshot_options& options) {
    rdb::fd_sink sink(fd);
    return save_snapshot(keyspace, sink, options);
}

/// What load_snapshot did.
struct snapshot_load_result {
    std::string error;             ///< "" or what is wrong
    std::size_t offset = 0;        ///< success: bytes used (an RDB preamble ends there); failure: where
    std::uint64_t keys_loaded = 0; ///< keys stored
    std::uint64_t keys_expired = 0; ///< keys skipped because their expiry had passed
};

/// Loads RDB `bytes` into `keyspace`. Keys whose expiry has passed are skipped (as a Redis
/// master does). A key already present is replaced when `replace_existing` (DEBUG RELOAD
/// MERGE), else the load stops with an error (Redis stops on a duplicated key). Function
/// libraries (FUNCTION2 records) go to `on_function` ("" or the error that stops the load);
/// without it they stop the load.
template <class Keyspace>
[[nodiscard]] snapshot_load_result
load_snapshot(std::string_view bytes, Keyspace& keyspace, bool replace_existing,
              const std::function<std::string(std::string_view code)>& on_function = {}) {
    struct handler {
        Keyspace& ks;
        bool replace;
        std::int64_t now;
        snapshot_load_result& out;
        const std::function<std::string(std::string_view)>& functions;

        std::string on_function(std::string_view code) {
            if (!functions) return "the file has function libraries (opcode 245) and the server runs no functions";
            return functions(code);
        }

        void on_aux(std::string_view, std::string_view) {}
        std::string on_select_db(std::uint64_t db) {
            if (db >= ks.db_count()) {
                return "the file has database " + std::to_string(db) + " but the server has " +
                       std::to_string(ks.db_count()) + " databases (databases)";
            }
            return {};
        }
        void on_resize_db(std::uint64_t, std::uint64_t) {}
        std::string on_stream(std::uint64_t db, std::string_view key, rdb::stream&& value,
                              const std::optional<std::int64_t>& expire_at_ms, const rdb::key_info& info) {
            return store_value(db, key, [&] {
                return to_stream_value(value, static_cast<std::size_t>(ks.encoding().stream_node_max_entries));
            }, expire_at_ms, info);
        }
        std::string on_key(std::uint64_t db, std::string_view key, rdb::object&& value,
                           const std::optional<std::int64_t>& expire_at_ms, const rdb::key_info& info) {
            return store_value(db, key, [&] {
                return to_value(std::move(value), ks.zset_limits_used(), ks.encoding(), ks.encoding_limits_used());
            }, expire_at_ms, info);
        }
        // `make` builds the value only for a key that is stored.
        std::string store_value(std::uint64_t db, std::string_view key, const std::function<store::value()>& make,
                                const std::optional<std::int64_t>& expire_at_ms, const rdb::key_info& info) {
            // By reference, read once: a copy of the optional made g++ 12 -O3 warn (wrongly)
            // that its value may be used uninitialized once inlined into rdb::load.
            const bool expires = expire_at_ms.has_value();
            const std::int64_t at = expires ? *expire_at_ms : 0;
            if (expires && at < now) {
                ++out.keys_expired;
                return {};
            }
            const auto d = static_cast<std::size_t>(db);
            if (!replace && ks.stored(d, key)) {
                return "RDB has duplicated key '" + std::string(key) + "' in DB " + std::to_string(db);
            }
            ks.set(d, key, make());
            if (expires) ks.set_expiry(d, key, at);
            // The IDLE / FREQ opcodes, as Redis's objectSetLRUOrLFU (the one the policy tracks).
            if (info.idle_seconds || info.lfu_freq) {
                std::optional<std::int64_t> idle;
                if (info.idle_seconds)
                    idle = static_cast<std::int64_t>(std::min<std::uint64_t>(*info.idle_seconds, INT64_MAX / 1000));
                (void)ks.set_access(d, key, idle, info.lfu_freq);
            }
            ++out.keys_loaded;
            return {};
        }
    };
    snapshot_load_result out;
    handler h{keyspace, replace_existing, keyspace.clock().now_ms(), out, on_function};
    const rdb::load_result r = rdb::load(bytes, h);
    out.offset = r.offset;
    if (!r.ok()) out.error = r.message;
    return out;
}

/// DUMP's payload of `v` (Redis 7.0's: the RDB value, version 10, CRC64). A hash, set or sorted
/// set is written in the RDB type of the form it is in (listpack or hash, intset or set, listpack
/// or skip list), whatever the thresholds say now, as Redis does.
[[nodiscard]] inline std::string dump_value(const store::value& v) {
    rdb::writer_options options;
    constexpr std::size_t any = static_cast<std::size_t>(-1);
    if (v.kind() == store::value_kind::hash) {
        const bool packed = v.hash().is_listpack();
        options.hash_max_listpack_entries = packed ? any : 0;
        options.hash_max_listpack_value = packed ? any : 0;
    } else if (v.kind() == store::value_kind::set) {
        options.set_max_intset_entries = v.set().is_intset() ? any : 0;
    } else if (v.kind() == store::value_kind::zset) {
        const bool packed = v.zset().packed();
        options.zset_max_listpack_entries = packed ? any : 0;
        options.zset_max_listpack_value = packed ? any : 0;
    }
    return rdb::dump_payload_with([&](auto& w) {
        switch (v.kind()) {
        case store::value_kind::string: {
            store::int_chars scratch;
            return w.string_value(v.string_bytes(scratch));
        }
        case store::value_kind::list: return w.list_value(v.list().size(), v.list());
        case store::value_kind::set: return w.set_value(v.set().size(), v.set());
        case store::value_kind::hash: return w.hash_value(v.hash().size(), v.hash());
        case store::value_kind::zset:
            return w.zset_value(v.zset().size(), detail::mapped(v.zset(), detail::scored_member_of));
        case store::value_kind::stream: return w.stream_value(to_rdb_stream(v.stream()));
        }
        return false;
    }, options);
}

/// RESTORE's decoding of `payload` into `out` (sorted sets packed when they fit `zset`, lists'
/// nodes following `options`): "" or RESTORE's error reply ("ERR DUMP payload version or
/// checksum are wrong", "ERR Bad data format", or a refusal naming what respkit lacks).
[[nodiscard]] inline std::string restore_value(std::string_view payload, store::value& out,
                                               const store::zset_limits& zset = {},
                                               const store::encoding_options& options = {},
                                               const store::encoding_limits& limits = {}) {
    rdb::dump_load_result r = rdb::load_dump_payload(payload);
    if (!r.ok()) return "ERR " + r.message;
    if (r.stream_value) {
        out = to_stream_value(*r.stream_value, static_cast<std::size_t>(options.stream_node_max_entries));
        return {};
    }
    out = to_value(std::move(r.value), zset, options, limits);
    return {};
}

} // namespace respkit::persist

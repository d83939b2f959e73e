#pragma once

/// \file
/// rdb::stream: a stream value as RDB_TYPE_STREAM_LISTPACKS (Redis 5 to 6.2) and
/// RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0) store it: entries, IDs, consumer groups, their
/// consumers and pending entries; and load_stream, its decoder. rdb::load hands streams to a
/// handler's optional on_stream (docs/persistence.md).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/rdb/cursor.hpp"
#include "respkit/rdb/encodings.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// A stream entry ID: milliseconds and sequence number.
struct stream_id {
    std::uint64_t ms = 0;  ///< milliseconds part
    std::uint64_t seq = 0; ///< sequence part
    friend auto operator<=>(const stream_id&, const stream_id&) = default;
};

/// One stream entry.
struct stream_entry {
    stream_id id;                                            ///< its ID
    std::vector<std::pair<std::string, std::string>> fields; ///< its fields and values, in order
};

/// An entry delivered to a consumer of a group and not yet acknowledged.
struct stream_pending_entry {
    stream_id id;                    ///< the entry's ID
    std::int64_t delivery_time = 0;  ///< last delivery, Unix time in milliseconds
    std::uint64_t delivery_count = 0; ///< deliveries so far
    std::string consumer;            ///< the consumer that holds it ("" if none claims it)
};

/// A consumer of a group.
struct stream_consumer {
    std::string name;           ///< its name
    std::int64_t seen_time = 0; ///< last seen, Unix time in milliseconds
    std::vector<stream_id> pending; ///< the IDs of its pending entries
};

/// A consumer group.
struct stream_group {
    std::string name;                          ///< its name
    stream_id last_id;                         ///< last delivered ID
    std::optional<std::uint64_t> entries_read; ///< logical read counter (version 2 only)
    std::vector<stream_pending_entry> pending; ///< its pending entries list (PEL)
    std::vector<stream_consumer> consumers;    ///< its consumers
};

/// A decoded stream value.
struct stream {
    std::vector<stream_entry> entries;           ///< live entries in ID order (deleted ones left out)
    std::uint64_t length = 0;                    ///< the entry count the file states
    stream_id last_id;                           ///< the last ID ever generated
    std::optional<stream_id> first_id;           ///< the first entry's ID (version 2 only)
    std::optional<stream_id> max_deleted_id;     ///< largest deleted ID (version 2 only)
    std::optional<std::uint64_t> entries_added;  ///< entries ever added (version 2 only)
    std::vector<stream_group> groups;            ///< consumer groups
};

namespace detail {

[[nodiscard]] inline bool packed_integer(const packed_entry& e, std::int64_t& out) {
    if (e.is_integer) {
        out = e.integer;
        return true;
    }
    return respkit::detail::parse_int64(e.string, out);
}

[[nodiscard]] inline stream_id stream_id_from_key(std::string_view raw) {
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    stream_id id;
    for (int i = 0; i < 8; ++i) id.ms = (id.ms << 8) | p[i];
    for (int i = 8; i < 16; ++i) id.seq = (id.seq << 8) | p[i];
    return id;
}

/// Decodes one listpack of a stream (master entry, then entries delta-encoded against the
/// node's master ID) into `out`. Returns "" or what is wrong.
[[nodiscard]] inline std::string decode_stream_listpack(std::string_view blob, stream_id master,
                                                        std::vector<stream_entry>& out) {
    std::vector<packed_entry> items;
    std::string error = decode_listpack(blob, [&](const packed_entry& e) { items.push_back(e); });
    if (!error.empty()) return error;
    std::size_t i = 0;
    const auto next_int = [&](std::int64_t& v) { return i < items.size() && packed_integer(items[i++], v); };
    std::int64_t count = 0, deleted = 0, master_fields = 0, zero = -1;
    if (!next_int(count) || !next_int(deleted) || !next_int(master_fields)) return "bad stream master entry";
    if (count < 0 || deleted < 0 || master_fields < 0 || static_cast<std::size_t>(master_fields) > items.size() - i) {
        return "bad stream master entry";
    }
    const std::size_t master_names = i;
    i += static_cast<std::size_t>(master_fields);
    if (!next_int(zero) || zero != 0) return "bad stream master entry terminator";
    for (std::int64_t n = 0; n < count + deleted; ++n) {
        std::int64_t flags = 0, ms_delta = 0, seq_delta = 0, fields = master_fields, lp_count = 0;
        if (!next_int(flags) || !next_int(ms_delta) || !next_int(seq_delta)) return "bad stream entry";
        const bool same_fields = (flags & 2) != 0;
        if (!same_fields && (!next_int(fields) || fields < 0)) return "bad stream entry";
        const std::size_t per_field = same_fields ? 1 : 2;
        if (static_cast<std::size_t>(fields) > (items.size() - i) / per_field) return "stream entry runs past its listpack";
        stream_entry entry;
        entry.id = {master.ms + static_cast<std::uint64_t>(ms_delta), master.seq + static_cast<std::uint64_t>(seq_delta)};
        for (std::int64_t f = 0; f < fields; ++f) {
            if (same_fields) {
                entry.fields.emplace_back(items[master_names + static_cast<std::size_t>(f)].to_string(), items[i++].to_string());
            } else {
                std::string name = items[i++].to_string();
                entry.fields.emplace_back(std::move(name), items[i++].to_string());
            }
        }
        if (!next_int(lp_count)) return "bad stream entry";
        if ((flags & 1) == 0) out.push_back(std::move(entry));
    }
    if (i != items.size()) return "stream listpack has items after its last entry";
    return {};
}

} // namespace detail

/// Decodes a stream value of RDB type `type` (15 or 19) at the cursor into `out`; false with
/// the cursor's error set when the data is malformed.
inline bool load_stream(detail::rdb_cursor& in, std::uint8_t type, stream& out) {
    const bool v2 = type == static_cast<std::uint8_t>(value_type::stream_listpacks_2);
    const std::size_t start = in.position();
    std::string scratch_key, scratch_lp;
    std::string_view key, lp;
    std::uint64_t nodes = 0;
    if (!in.count(nodes, "stream listpack", 2)) return false;
    for (std::uint64_t n = 0; n < nodes; ++n) {
        const std::size_t node_start = in.position();
        if (!in.string(key, scratch_key, "a stream node key")) return false;
        if (key.size() != 16) return in.fail(errc::rdb_corrupt, "stream node key is not a stream ID", node_start);
        const stream_id master = detail::stream_id_from_key(key);
        if (!in.string(lp, scratch_lp, "a stream listpack")) return false;
        const std::string error = detail::decode_stream_listpack(lp, master, out.entries);
        if (!error.empty()) return in.fail(errc::rdb_corrupt, error, node_start);
    }
    const auto read_id = [&](stream_id& id) { return in.length(id.ms, "a stream ID") && in.length(id.seq, "a stream ID"); };
    if (!in.length(out.length, "a stream length") || !read_id(out.last_id)) return false;
    if (v2) {
        stream_id first, max_deleted;
        std::uint64_t added = 0;
        if (!read_id(first) || !read_id(max_deleted) || !in.length(added, "a stream counter")) return false;
        out.first_id = first;
        out.max_deleted_id = max_deleted;
        out.entries_added = added;
    }
    if (out.length != 0 && nodes == 0) return in.fail(errc::rdb_corrupt, "stream length inconsistent with its nodes", start);
    std::uint64_t groups = 0;
    if (!in.count(groups, "stream group", 3)) return false;
    out.groups.resize(static_cast<std::size_t>(groups));
    for (auto& group : out.groups) {
        if (!in.string(group.name, "a consumer group name") || !read_id(group.last_id)) return false;
        if (v2) {
            std::uint64_t read = 0;
            if (!in.length(read, "a group counter")) return false;
            group.entries_read = read;
        }
        std::uint64_t pel = 0;
        if (!in.count(pel, "pending entry", 16 + 8 + 1)) return false;
        group.pending.resize(static_cast<std::size_t>(pel));
        for (auto& p : group.pending) {
            std::string_view raw;
            std::uint64_t when = 0;
            if (!in.bytes(16, raw, "a pending entry ID") || !in.uint_le(8, when, "a delivery time") ||
                !in.length(p.delivery_count, "a delivery count")) {
                return false;
            }
            p.id = detail::stream_id_from_key(raw);
            p.delivery_time = static_cast<std::int64_t>(when);
        }
        std::map<stream_id, std::size_t> pending_index;
        for (std::size_t k = 0; k < group.pending.size(); ++k) {
            if (!pending_index.emplace(group.pending[k].id, k).second) {
                return in.fail(errc::rdb_corrupt, "repeated entry in a group's pending list", start);
            }
        }
        std::uint64_t consumers = 0;
        if (!in.count(consumers, "consumer", 1 + 8 + 1)) return false;
        group.consumers.resize(static_cast<std::size_t>(consumers));
        for (auto& c : group.consumers) {
            std::uint64_t seen = 0, owned = 0;
            if (!in.string(c.name, "a consumer name") || !in.uint_le(8, seen, "a seen time") ||
                !in.count(owned, "consumer pending entry", 16)) {
                return false;
            }
            c.seen_time = static_cast<std::int64_t>(seen);
            for (std::uint64_t k = 0; k < owned; ++k) {
                const std::size_t at = in.position();
                std::string_view raw;
                if (!in.bytes(16, raw, "a pending entry ID")) return false;
                const stream_id id = detail::stream_id_from_key(raw);
                const auto found = pending_index.find(id);
                if (found == pending_index.end()) return in.fail(errc::rdb_corrupt, "consumer entry not found in the group's pending list", at);
                group.pending[found->second].consumer = c.name;
                c.pending.push_back(id);
            }
        }
    }
    return true;
}

} // namespace respkit::rdb

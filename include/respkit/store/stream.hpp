#pragma once

/// \file
/// respkit::store::stream: a stream's entries (ID -> field/value pairs) in insertion-ordered
/// nodes, as Redis groups them in listpacks, with the IDs and counters XINFO reports.

#include <respkit/store/stream_group.hpp>
#include <respkit/store/stream_id.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// One entry of a stream: its ID and its field/value pairs packed in one string (each item a
/// 4-byte length then its bytes), plus the tombstone flag XDEL leaves in its node.
class stream_entry {
public:
    /// An entry with `id` and the items (field, value, field, value...) in `items`.
    template <class Range>
    stream_entry(stream_id id, const Range& items) : m_id(id) {
        std::size_t bytes = 0;
        for (const auto& item : items) bytes += 4 + std::string_view(item).size();
        m_packed.reserve(bytes);
        for (const auto& item : items) {
            const std::string_view s(item);
            const auto n = static_cast<std::uint32_t>(s.size());
            char len[4];
            std::memcpy(len, &n, 4);
            m_packed.append(len, 4);
            m_packed.append(s);
        }
    }

    /// The entry's ID.
    [[nodiscard]] stream_id id() const noexcept { return m_id; }
    /// True once deleted (a tombstone kept until its node empties).
    [[nodiscard]] bool deleted() const noexcept { return m_deleted; }
    /// Marks the entry deleted and frees its items.
    void mark_deleted() noexcept {
        m_deleted = true;
        std::string().swap(m_packed);
    }
    /// Calls `f(item)` for each field and value, in order.
    template <class F>
    void for_each_item(F&& f) const {
        std::size_t at = 0;
        while (at + 4 <= m_packed.size()) {
            std::uint32_t n = 0;
            std::memcpy(&n, m_packed.data() + at, 4);
            f(std::string_view(m_packed.data() + at + 4, n));
            at += 4 + n;
        }
    }
    /// The number of items (twice the number of fields).
    [[nodiscard]] std::size_t item_count() const noexcept {
        std::size_t count = 0;
        for_each_item([&](std::string_view) { ++count; });
        return count;
    }
    /// Bytes held on the heap.
    [[nodiscard]] std::size_t heap_bytes() const noexcept { return m_packed.capacity(); }

private:
    stream_id m_id;
    bool m_deleted = false;
    std::string m_packed;
};

/// A stream: entries in ID order, kept in nodes of at most `node_max_entries` entries (live and
/// deleted), as Redis's listpacks; a node is dropped when its last live entry goes, and the
/// approximate (`~`) trims drop whole nodes only, so their counts are Redis's.
class stream {
public:
    /// A node: the entries added to it, in ID order (deleted ones kept as tombstones).
    struct node {
        std::vector<stream_entry> entries; ///< every entry added to the node
        std::size_t live = 0;              ///< entries not deleted
    };

    /// Entries in the stream (not counting deleted ones).
    [[nodiscard]] std::uint64_t length() const noexcept { return m_length; }
    /// The nodes, in ID order.
    [[nodiscard]] const std::vector<std::unique_ptr<node>>& nodes() const noexcept { return m_nodes; }
    /// The last ID generated or set (XADD, XSETID).
    [[nodiscard]] stream_id last_id() const noexcept { return m_last_id; }
    /// The ID recorded as the first entry's (0-0 when empty).
    [[nodiscard]] stream_id first_id() const noexcept { return m_first_id; }
    /// The largest ID ever deleted.
    [[nodiscard]] stream_id max_deleted_id() const noexcept { return m_max_deleted_id; }
    /// Entries ever added.
    [[nodiscard]] std::uint64_t entries_added() const noexcept { return m_entries_added; }

    /// The consumer groups, by name in byte order.
    [[nodiscard]] std::map<std::string, stream_group, std::less<>>& groups() noexcept { return m_groups; }
    /// The consumer groups, by name in byte order.
    [[nodiscard]] const std::map<std::string, stream_group, std::less<>>& groups() const noexcept { return m_groups; }
    /// The group `name`, or nullptr.
    [[nodiscard]] stream_group* group(std::string_view name) noexcept {
        const auto it = m_groups.find(name);
        return it == m_groups.end() ? nullptr : &it->second;
    }

    /// True when a deleted entry may lie in [`start`, end of stream] (Redis's
    /// streamRangeHasTombstones with no end).
    [[nodiscard]] bool range_has_tombstones(stream_id start) const noexcept {
        if (m_length == 0 || m_max_deleted_id == stream_id{}) return false;
        if (m_first_id > m_max_deleted_id) return false;
        return start <= m_max_deleted_id;
    }

    /// How many entries were added up to `id` (Redis's streamEstimateDistanceFromFirstEverEntry),
    /// or stream_group::invalid_entries_read when that cannot be known.
    [[nodiscard]] std::int64_t entries_read_up_to(stream_id id) const noexcept {
        const auto added = static_cast<std::int64_t>(m_entries_added);
        if (m_entries_added == 0) return 0;
        if (m_length == 0 && id <= m_last_id) return added;
        if (id == m_last_id) return added;
        if (id > m_last_id) return stream_group::invalid_entries_read;
        if (m_max_deleted_id == stream_id{} || m_max_deleted_id < m_first_id) {
            if (id < m_first_id) return added - static_cast<std::int64_t>(m_length);
            if (id == m_first_id) return added - static_cast<std::int64_t>(m_length) + 1;
        }
        return stream_group::invalid_entries_read;
    }

    /// A group's lag (Redis's streamReplyWithCGLag), or nullopt-like -1 when unknown.
    [[nodiscard]] std::int64_t lag_of(const stream_group& g) const noexcept {
        if (m_entries_added == 0) return 0;
        const auto added = static_cast<std::int64_t>(m_entries_added);
        if (g.entries_read != stream_group::invalid_entries_read && !range_has_tombstones(g.last_id))
            return added - g.entries_read;
        const std::int64_t read = entries_read_up_to(g.last_id);
        return read == stream_group::invalid_entries_read ? -1 : added - read;
    }

    /// Records that `g` delivered `id` (a read by ">"): its last ID and entries-read counter
    /// move as in Redis's streamReplyWithRange.
    void advance_group(stream_group& g, stream_id id) const noexcept {
        if (id <= g.last_id) return;
        if (g.entries_read != stream_group::invalid_entries_read && !range_has_tombstones(id))
            ++g.entries_read;
        else if (m_entries_added != 0)
            g.entries_read = entries_read_up_to(id);
        g.last_id = id;
    }

    /// Sets the last ID (XSETID; precondition: not below the last entry's).
    void set_last_id(stream_id id) noexcept { m_last_id = id; }
    /// Sets the largest deleted ID (XSETID MAXDELETEDID, loading).
    void set_max_deleted_id(stream_id id) noexcept { m_max_deleted_id = id; }
    /// Sets the count of entries ever added (XSETID ENTRIESADDED, loading).
    void set_entries_added(std::uint64_t n) noexcept { m_entries_added = n; }
    /// Sets the recorded first ID (loading).
    void set_first_id(stream_id id) noexcept { m_first_id = id; }

    /// Appends an entry (precondition: `id` > last_id()), into the last node unless it holds
    /// `node_max_entries` entries already (0: no limit); updates the counters.
    template <class Range>
    void append(stream_id id, const Range& items, std::size_t node_max_entries) {
        if (m_nodes.empty() || (node_max_entries != 0 && m_nodes.back()->entries.size() >= node_max_entries))
            m_nodes.push_back(std::make_unique<node>());
        node& n = *m_nodes.back();
        n.entries.emplace_back(id, items);
        ++n.live;
        ++m_length;
        ++m_entries_added;
        m_last_id = id;
        if (m_length == 1) m_first_id = id;
    }

    /// The first live entry, or nullptr.
    [[nodiscard]] const stream_entry* first_entry() const noexcept {
        for (const auto& n : m_nodes)
            for (const stream_entry& e : n->entries)
                if (!e.deleted()) return &e;
        return nullptr;
    }
    /// The last live entry, or nullptr.
    [[nodiscard]] const stream_entry* last_entry() const noexcept {
        for (auto n = m_nodes.rbegin(); n != m_nodes.rend(); ++n)
            for (auto e = (*n)->entries.rbegin(); e != (*n)->entries.rend(); ++e)
                if (!e->deleted()) return &*e;
        return nullptr;
    }

    /// Calls `f(entry)` for the live entries with IDs in [`start`, `end`], ascending (or
    /// descending when `reverse`), until `f` returns false.
    template <class F>
    void range(stream_id start, stream_id end, bool reverse, F&& f) const {
        if (start > end || m_nodes.empty()) return;
        if (!reverse) {
            std::size_t ni = node_of(start);
            for (; ni < m_nodes.size(); ++ni) {
                const auto& entries = m_nodes[ni]->entries;
                auto it = std::lower_bound(entries.begin(), entries.end(), start,
                                           [](const stream_entry& e, stream_id id) { return e.id() < id; });
                for (; it != entries.end(); ++it) {
                    if (it->id() > end) return;
                    if (!it->deleted() && !f(*it)) return;
                }
            }
        } else {
            std::size_t ni = node_of(end) + 1;
            while (ni-- > 0) {
                const auto& entries = m_nodes[ni]->entries;
                auto it = std::upper_bound(entries.begin(), entries.end(), end,
                                           [](stream_id id, const stream_entry& e) { return id < e.id(); });
                while (it != entries.begin()) {
                    --it;
                    if (it->id() < start) return;
                    if (!it->deleted() && !f(*it)) return;
                }
            }
        }
    }

    /// The live entry with `id`, or nullptr.
    [[nodiscard]] const stream_entry* find(stream_id id) const noexcept {
        if (m_nodes.empty()) return nullptr;
        const auto& entries = m_nodes[node_of(id)]->entries;
        auto it = std::lower_bound(entries.begin(), entries.end(), id,
                                   [](const stream_entry& e, stream_id x) { return e.id() < x; });
        if (it == entries.end() || it->id() != id || it->deleted()) return nullptr;
        return &*it;
    }

    /// Deletes the entry `id` (XDEL): true if it was there. Updates the first ID and the largest
    /// deleted one as XDEL does.
    bool erase(stream_id id) {
        if (m_nodes.empty()) return false;
        const std::size_t ni = node_of(id);
        node& n = *m_nodes[ni];
        auto it = std::lower_bound(n.entries.begin(), n.entries.end(), id,
                                   [](const stream_entry& e, stream_id x) { return e.id() < x; });
        if (it == n.entries.end() || it->id() != id || it->deleted()) return false;
        const bool was_first = id == m_first_id;
        it->mark_deleted();
        --m_length;
        if (--n.live == 0) m_nodes.erase(m_nodes.begin() + static_cast<std::ptrdiff_t>(ni));
        if (id > m_max_deleted_id) m_max_deleted_id = id;
        if (m_length == 0) m_first_id = {};
        else if (was_first) m_first_id = first_entry()->id();
        return true;
    }

    /// How a trim chooses entries: MAXLEN keeps the last `threshold` entries, MINID those with
    /// IDs at or above `min_id`.
    struct trim_spec {
        bool by_min_id = false;        ///< MINID rather than MAXLEN
        std::uint64_t max_length = 0;  ///< MAXLEN's threshold
        stream_id min_id;              ///< MINID's threshold
        bool approximate = false;      ///< `~`: whole nodes only
        std::uint64_t limit = 0;       ///< at most this many entries (approximate only; 0: none)
    };

    /// Trims as Redis's streamTrim: whole nodes from the head while they qualify (and, when
    /// approximate, fit the limit), then, when exact, single entries of the next node. Returns
    /// the number of entries deleted.
    std::uint64_t trim(const trim_spec& t) {
        std::uint64_t deleted = 0;
        const auto satisfied = [&](stream_id id) {
            return t.by_min_id ? id >= t.min_id : m_length <= t.max_length;
        };
        while (!m_nodes.empty()) {
            if (!t.by_min_id && m_length <= t.max_length) break;
            node& n = *m_nodes.front();
            const std::uint64_t entries = n.live;
            const bool whole = t.by_min_id ? n.entries.back().id() < t.min_id
                                           : m_length - entries >= t.max_length;
            if (whole) {
                if (t.approximate && t.limit != 0 && deleted + entries > t.limit) break;
                deleted += entries;
                m_length -= entries;
                m_nodes.erase(m_nodes.begin());
                continue;
            }
            if (t.approximate) break;
            for (stream_entry& e : n.entries) {
                if (e.deleted()) continue;
                if (satisfied(e.id())) break;
                e.mark_deleted();
                --n.live;
                --m_length;
                ++deleted;
            }
            break;
        }
        if (m_length == 0) m_first_id = {};
        else if (deleted != 0) m_first_id = first_entry()->id();
        return deleted;
    }

    /// Bytes held on the heap, roughly (for MEMORY USAGE and eviction's accounting).
    [[nodiscard]] std::size_t heap_bytes() const noexcept {
        std::size_t bytes = sizeof(stream) + m_nodes.capacity() * sizeof(void*);
        for (const auto& n : m_nodes) {
            bytes += sizeof(node) + n->entries.capacity() * sizeof(stream_entry);
            for (const stream_entry& e : n->entries) bytes += e.heap_bytes();
        }
        return bytes;
    }

    /// A deep copy.
    [[nodiscard]] std::unique_ptr<stream> clone() const {
        auto copy = std::make_unique<stream>();
        copy->m_nodes.reserve(m_nodes.size());
        for (const auto& n : m_nodes) copy->m_nodes.push_back(std::make_unique<node>(*n));
        copy->m_length = m_length;
        copy->m_last_id = m_last_id;
        copy->m_first_id = m_first_id;
        copy->m_max_deleted_id = m_max_deleted_id;
        copy->m_entries_added = m_entries_added;
        copy->m_groups = m_groups;
        return copy;
    }

private:
    std::vector<std::unique_ptr<node>> m_nodes;
    std::uint64_t m_length = 0;
    stream_id m_last_id;
    stream_id m_first_id;
    stream_id m_max_deleted_id;
    std::uint64_t m_entries_added = 0;
    std::map<std::string, stream_group, std::less<>> m_groups;

    // The index of the last node whose first entry's ID is <= `id` (0 when none is).
    [[nodiscard]] std::size_t node_of(stream_id id) const noexcept {
        auto it = std::upper_bound(m_nodes.begin(), m_nodes.end(), id, [](stream_id x, const std::unique_ptr<node>& n) {
            return x < n->entries.front().id();
        });
        return it == m_nodes.begin() ? 0 : static_cast<std::size_t>(it - m_nodes.begin()) - 1;
    }
};

} // namespace respkit::store

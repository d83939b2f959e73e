#pragma once

/// \file
/// respkit::store::slot_index: the keys of a database by Redis Cluster hash slot (as Redis 7.0's
/// slots_to_keys in cluster mode): a count and a doubly linked list per slot, the links kept in
/// the map's nodes (two pointers per key), newest key first. Design notes: docs/cluster.md.

#include <respkit/cluster/key_slot.hpp>
#include <respkit/version.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A key's links in its slot's list, stored in the extra bytes of the key's map node; they
/// point at the neighbours' links (nullptr at the ends).
struct slot_links {
    slot_links* prev; ///< the key added after this one, or nullptr for the head
    slot_links* next; ///< the key added before this one, or nullptr
};

/// Per-slot counts and lists of keys. Holds no key: the caller links and unlinks each key's
/// slot_links as the key is added and removed, and maps links back to keys (the map does).
class slot_index {
public:
    /// Empty lists for the 16384 slots (256 KiB).
    slot_index() : m_slots(std::make_unique<slot_list[]>(cluster::slot_count)) {}

    /// Links a key just added to `slot` at the head of its list (Redis's slotToKeyAddEntry).
    void add(slot_links& links, unsigned slot) noexcept {
        slot_list& s = m_slots[slot];
        links.prev = nullptr;
        links.next = s.head;
        if (s.head != nullptr) s.head->prev = &links;
        s.head = &links;
        ++s.count;
    }

    /// Unlinks a key of `slot` about to be removed (Redis's slotToKeyDelEntry).
    void remove(slot_links& links, unsigned slot) noexcept {
        slot_list& s = m_slots[slot];
        assert(s.count != 0);
        if (links.next != nullptr) links.next->prev = links.prev;
        if (links.prev != nullptr)
            links.prev->next = links.next;
        else
            s.head = links.next;
        --s.count;
        links = {nullptr, nullptr};
    }

    /// Moves a key of `slot` to the head of its list: a key replaced in place where Redis
    /// deletes the old one and adds the new one (RENAME onto an existing key, SET of an expired
    /// one).
    void to_front(slot_links& links, unsigned slot) noexcept {
        if (m_slots[slot].head == &links) return;
        remove(links, slot);
        add(links, slot);
    }

    /// Empties every list (FLUSHDB: the keys go with their links).
    void clear() noexcept {
        for (unsigned s = 0; s < cluster::slot_count; ++s)
            m_slots[s] = {};
    }

    /// Number of keys in `slot` (CLUSTER COUNTKEYSINSLOT).
    [[nodiscard]] std::uint64_t count(unsigned slot) const noexcept { return m_slots[slot].count; }

    /// The newest key of `slot`, or nullptr; follow `next` for the older ones.
    [[nodiscard]] const slot_links* head(unsigned slot) const noexcept {
        return m_slots[slot].head;
    }

    /// The slot of `key` (cluster::key_slot).
    [[nodiscard]] static unsigned slot_of(std::string_view key) noexcept {
        return cluster::key_slot(key);
    }

    /// Bytes of the index itself (the per-key links live in the map's nodes).
    [[nodiscard]] static constexpr std::size_t table_bytes() noexcept {
        return cluster::slot_count * sizeof(slot_list);
    }

private:
    struct slot_list {
        slot_links* head = nullptr;
        std::uint64_t count = 0;
    };
    std::unique_ptr<slot_list[]> m_slots;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::store

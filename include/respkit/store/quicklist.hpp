#pragma once

/// \file
/// respkit::store::quicklist: a list as a doubly linked chain of packed nodes, each one
/// allocation holding its elements with short length prefixes, nodes sized by
/// list-max-listpack-size as Redis 7.0 sizes its quicklist's listpacks. Design notes:
/// docs/store.md.

#include <respkit/version.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A list of byte strings in a chain of packed nodes. `fill` is list-max-listpack-size as Redis
/// reads it: negative -1..-5 limits a node to 4, 8, 16, 32 or 64 KB, positive to that many
/// elements (and 8 KB); an element too big for any node gets a node of its own.
///
/// Iterators and views of elements stay valid until the list changes.
class quicklist {
    struct node;

public:
    /// Redis's default list-max-listpack-size (8 KB nodes).
    static constexpr std::int32_t default_fill = -2;

    /// Sets the size from which an element is kept in a node of its own that takes no other
    /// element (Redis's plain nodes; DEBUG QUICKLIST-PACKED-THRESHOLD), for every list of the
    /// process, as Redis's is: at most 4 GB less 1 MB (false otherwise), 0 restores the default
    /// 1 GB. Only on the thread that runs the commands.
    static bool set_packed_threshold(std::uint64_t bytes) noexcept {
        if (bytes > (std::uint64_t{1} << 32) - (1u << 20)) return false;
        m_packed_threshold = bytes == 0 ? std::size_t{1} << 30 : static_cast<std::size_t>(bytes);
        return true;
    }
    /// The packed threshold (set_packed_threshold).
    [[nodiscard]] static std::size_t packed_threshold() noexcept { return m_packed_threshold; }

    /// A bidirectional iterator over the elements, from head to tail; dereferences to a view.
    class const_iterator {
    public:
        using iterator_concept = std::bidirectional_iterator_tag; ///< for ranges
        using iterator_category = std::bidirectional_iterator_tag; ///< (its reference is a view)
        using value_type = std::string_view;                      ///< an element's bytes
        using difference_type = std::ptrdiff_t;                   ///< distance
        using reference = std::string_view;                       ///< an element's bytes

        const_iterator() noexcept = default;
        /// The element's bytes.
        [[nodiscard]] std::string_view operator*() const noexcept {
            const char* p = m_node->data() + m_offset;
            std::size_t n = 0;
            const std::size_t prefix = read_length(p, n);
            return {p + prefix, n};
        }
        /// The next element.
        const_iterator& operator++() noexcept {
            m_offset += entry_size_at(m_node->data() + m_offset);
            if (m_offset == m_node->bytes) {
                m_node = m_node->next;
                m_offset = 0;
            }
            return *this;
        }
        /// The next element.
        const_iterator operator++(int) noexcept {
            const_iterator before = *this;
            ++*this;
            return before;
        }
        /// The previous element.
        const_iterator& operator--() noexcept {
            if (m_node == nullptr) {
                m_node = m_list->m_tail;
                m_offset = m_node->bytes;
            } else if (m_offset == 0) {
                m_node = m_node->prev;
                m_offset = m_node->bytes;
            }
            m_offset = previous_entry(m_node->data(), m_offset);
            return *this;
        }
        /// The previous element.
        const_iterator operator--(int) noexcept {
            const_iterator before = *this;
            --*this;
            return before;
        }
        /// Same position.
        friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
            return a.m_node == b.m_node && a.m_offset == b.m_offset;
        }

    private:
        friend class quicklist;
        const_iterator(const quicklist* list, node* n, std::size_t offset) noexcept
            : m_list(list), m_node(n), m_offset(offset) {}
        const quicklist* m_list = nullptr;
        node* m_node = nullptr; // nullptr: end()
        std::size_t m_offset = 0;
    };
    using iterator = const_iterator; ///< elements change through the list's members only

    /// An empty list whose nodes follow `fill` (list-max-listpack-size).
    explicit quicklist(std::int32_t fill = default_fill) noexcept { set_fill(fill); }
    /// A copy with the same nodes.
    quicklist(const quicklist& other) : m_fill(other.m_fill) {
        for (const node* n = other.m_head; n != nullptr; n = n->next) { // same nodes, no spare room
            node* copy = allocate(0, n->bytes, 0);
            std::memcpy(copy->data(), n->data(), n->bytes);
            copy->bytes = n->bytes;
            copy->count = n->count;
            link_after(m_tail, copy);
        }
        m_size = other.m_size;
    }
    /// Copy assignment.
    quicklist& operator=(const quicklist& other) {
        if (this != &other) {
            quicklist copy(other);
            swap(copy);
        }
        return *this;
    }
    /// Move constructor; leaves `other` empty.
    quicklist(quicklist&& other) noexcept
        : m_head(std::exchange(other.m_head, nullptr)), m_tail(std::exchange(other.m_tail, nullptr)),
          m_size(other.m_size), m_fill(other.m_fill) {
        other.m_size = 0;
    }
    /// Move assignment; leaves `other` empty.
    quicklist& operator=(quicklist&& other) noexcept {
        if (this != &other) {
            clear();
            swap(other);
        }
        return *this;
    }
    ~quicklist() { clear(); }

    /// Exchanges contents and fill with `other`.
    void swap(quicklist& other) noexcept {
        std::swap(m_head, other.m_head);
        std::swap(m_tail, other.m_tail);
        const std::uint64_t size = m_size;
        m_size = other.m_size;
        other.m_size = size;
        const std::int64_t fill = m_fill;
        m_fill = other.m_fill;
        other.m_fill = fill;
    }

    /// list-max-listpack-size as this list applies it.
    [[nodiscard]] std::int32_t fill() const noexcept { return static_cast<std::int32_t>(m_fill); }
    /// Changes the fill for nodes filled from now on. Beyond -6 and 8192 every value acts as
    /// those (no node reaches 8192 elements within 8 KB), so they are stored as such.
    void set_fill(std::int32_t fill) noexcept { m_fill = fill < -6 ? -6 : fill > 8192 ? 8192 : fill; }

    /// The number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True when there are no elements.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    /// The number of nodes.
    [[nodiscard]] std::size_t node_count() const noexcept {
        std::size_t n = 0;
        for (const node* at = m_head; at != nullptr; at = at->next) ++n;
        return n;
    }
    /// The bytes the nodes hold, headers and spare room included (MEMORY-style accounting).
    [[nodiscard]] std::size_t allocated_bytes() const noexcept {
        std::size_t total = 0;
        for (const node* n = m_head; n != nullptr; n = n->next) total += n->allocation();
        return total;
    }
    /// Calls f(count, bytes) for each node from head to tail (bytes: its elements' packed size).
    template <class F>
    void for_each_node(F&& f) const {
        for (const node* n = m_head; n != nullptr; n = n->next) f(std::size_t{n->count}, n->bytes);
    }

    /// The first element (precondition: not empty).
    [[nodiscard]] std::string_view front() const noexcept { return *begin(); }
    /// The last element (precondition: not empty).
    [[nodiscard]] std::string_view back() const noexcept { return *--end(); }
    /// The element at `index` (precondition: index < size()).
    [[nodiscard]] std::string_view operator[](std::size_t index) const noexcept { return *at(index); }

    /// The first element's position.
    [[nodiscard]] const_iterator begin() const noexcept { return {this, m_head, 0}; }
    /// Past the last element.
    [[nodiscard]] const_iterator end() const noexcept { return {this, nullptr, 0}; }
    /// The position of element `index` (index == size(): end()), found by walking the nodes
    /// with their counts from the nearer end.
    [[nodiscard]] const_iterator at(std::size_t index) const noexcept {
        assert(index <= m_size);
        if (index == m_size) return end();
        node* n = nullptr;
        std::size_t in_node = 0;
        if (index < m_size / 2) {
            n = m_head;
            while (index >= n->count) {
                index -= n->count;
                n = n->next;
            }
            in_node = index;
        } else {
            std::size_t from_tail = m_size - 1 - index;
            n = m_tail;
            while (from_tail >= n->count) {
                from_tail -= n->count;
                n = n->prev;
            }
            in_node = n->count - 1 - from_tail;
        }
        std::size_t offset = 0;
        if (in_node <= n->count / 2) {
            for (const char* d = n->data(); in_node > 0; --in_node) offset += entry_size_at(d + offset);
        } else {
            offset = n->bytes;
            for (std::size_t back = n->count - in_node; back > 0; --back) offset = previous_entry(n->data(), offset);
        }
        return {this, n, offset};
    }

    /// Appends `element` (RPUSH).
    void push_back(std::string_view element) {
        if (m_tail != nullptr && allows_insert(m_tail, element.size())) {
            write_entry(reserve_back(m_tail, entry_size(element.size())), element);
            ++m_tail->count;
        } else {
            node* n = allocate(0, entry_size(element.size()), 0);
            write_entry(n->data(), element);
            n->bytes = entry_size(element.size());
            n->count = 1;
            seal(m_tail);
            link_after(m_tail, n);
        }
        ++m_size;
    }

    /// Prepends `element` (LPUSH).
    void push_front(std::string_view element) {
        if (m_head != nullptr && allows_insert(m_head, element.size())) {
            write_entry(reserve_front(m_head, entry_size(element.size())), element);
            ++m_head->count;
        } else {
            node* n = allocate(0, entry_size(element.size()), 0);
            write_entry(n->data(), element);
            n->bytes = entry_size(element.size());
            n->count = 1;
            seal(m_head);
            link_before(m_head, n);
        }
        ++m_size;
    }

    /// Makes room for `bytes` more packed bytes in the tail node, so that pushing that many
    /// elements at once (RPUSH k a b c, loading) grows it once. Only a hint.
    void reserve_back_hint(std::size_t bytes) {
        if (m_tail == nullptr || m_tail->back >= bytes) return;
        const std::size_t limit = node_limit();
        const std::size_t room = limit > m_tail->bytes ? limit - m_tail->bytes : 0;
        if (bytes > room) bytes = room;
        if (bytes > max_spare) bytes = max_spare;
        if (bytes > m_tail->back) (void)grow(m_tail, m_tail->front, bytes);
    }

    /// Makes room for `bytes` more packed bytes in the head node, as reserve_back_hint does at
    /// the tail.
    void reserve_front_hint(std::size_t bytes) {
        if (m_head == nullptr || m_head->front >= bytes) return;
        const std::size_t limit = node_limit();
        const std::size_t room = limit > m_head->bytes ? limit - m_head->bytes : 0;
        if (bytes > room) bytes = room;
        if (bytes > max_spare) bytes = max_spare;
        if (bytes > m_head->front) (void)grow(m_head, bytes, m_head->back);
    }
    /// The packed size of an element of `length` bytes (for the reservation hints).
    [[nodiscard]] static std::size_t packed_size(std::size_t length) noexcept { return entry_size(length); }

    /// Removes the first element (precondition: not empty).
    void pop_front() noexcept { (void)erase(begin()); }
    /// Removes the last element (precondition: not empty).
    void pop_back() noexcept { (void)erase(--end()); }

    /// Removes the element at `pos`; returns the position of the one after it.
    const_iterator erase(const_iterator pos) noexcept {
        node* n = pos.m_node;
        const std::size_t offset = pos.m_offset;
        const std::size_t size = entry_size_at(n->data() + offset);
        --m_size;
        if (--n->count == 0) {
            node* next = n->next;
            unlink(n);
            return {this, next, 0};
        }
        n->bytes -= size;
        if (offset == 0) {
            n = settle(n, std::size_t{n->front} + size, n->back);
        } else {
            std::memmove(n->data() + offset, n->data() + offset + size, n->bytes - offset);
            n = settle(n, n->front, std::size_t{n->back} + size);
        }
        if (offset == n->bytes) return {this, n->next, 0};
        return {this, n, offset};
    }

    /// Removes the first `count` elements (at most size()).
    void erase_front(std::size_t count) noexcept {
        while (count > 0 && m_head != nullptr && count >= m_head->count) {
            count -= m_head->count;
            m_size -= m_head->count;
            unlink(m_head);
        }
        if (count == 0 || m_head == nullptr) return;
        std::size_t cut = 0;
        for (std::size_t i = 0; i < count; ++i) cut += entry_size_at(m_head->data() + cut);
        m_head->bytes -= cut;
        m_head->count -= static_cast<std::uint32_t>(count);
        m_size -= count;
        (void)settle(m_head, std::size_t{m_head->front} + cut, m_head->back);
    }

    /// Removes the last `count` elements (at most size()).
    void erase_back(std::size_t count) noexcept {
        while (count > 0 && m_tail != nullptr && count >= m_tail->count) {
            count -= m_tail->count;
            m_size -= m_tail->count;
            unlink(m_tail);
        }
        if (count == 0 || m_tail == nullptr) return;
        std::size_t keep = m_tail->bytes;
        for (std::size_t i = 0; i < count; ++i) keep = previous_entry(m_tail->data(), keep);
        const std::size_t cut = m_tail->bytes - keep;
        m_tail->bytes = keep;
        m_tail->count -= static_cast<std::uint32_t>(count);
        m_size -= count;
        (void)settle(m_tail, m_tail->front, std::size_t{m_tail->back} + cut);
    }

    /// Replaces the element at `pos` with `element` (LSET); the node may outgrow its limit, as
    /// Redis's does.
    void replace(const_iterator pos, std::string_view element) {
        node* n = pos.m_node;
        const std::size_t offset = pos.m_offset;
        const std::size_t old_size = entry_size_at(n->data() + offset);
        const std::size_t new_size = entry_size(element.size());
        if (new_size >= old_size) {
            const std::size_t more = new_size - old_size;
            if (n->back < more) { // a new block of the exact size, in the node's place
                node* bigger = allocate(0, n->bytes + more, 0);
                std::memcpy(bigger->data(), n->data(), offset);
                write_entry(bigger->data() + offset, element);
                std::memcpy(bigger->data() + offset + new_size, n->data() + offset + old_size,
                            n->bytes - offset - old_size);
                bigger->bytes = n->bytes + more;
                bigger->count = n->count;
                link_after(n, bigger);
                unlink(n);
                return;
            }
            char* d = n->data();
            std::memmove(d + offset + new_size, d + offset + old_size, n->bytes - offset - old_size);
            n->bytes += more;
            n->back = static_cast<std::uint16_t>(n->back - more);
            write_entry(d + offset, element);
        } else {
            char* d = n->data();
            std::memmove(d + offset + new_size, d + offset + old_size, n->bytes - offset - old_size);
            write_entry(d + offset, element);
            n->bytes -= old_size - new_size;
            (void)settle(n, n->front, std::size_t{n->back} + old_size - new_size);
        }
    }

    /// Inserts `element` before (after: false) or after the element at `pos` (LINSERT), by
    /// Redis's rules: into the node when it has room, else into the neighbour's near end when
    /// that has room, else a new node, else the node is split and neighbours merged.
    void insert(const_iterator pos, std::string_view element, bool after) {
        node* n = pos.m_node;
        assert(n != nullptr);
        const std::size_t offset = pos.m_offset;
        const std::size_t entry = entry_size_at(n->data() + offset);
        const std::size_t size = entry_size(element.size());
        ++m_size;
        const bool full = !allows_insert(n, element.size());
        const bool at_tail = after && offset + entry == n->bytes;
        const bool at_head = !after && offset == 0;
        if (!full) {
            write_entry(open_gap(n, after ? offset + entry : offset, size), element);
            ++n->count;
        } else if (at_tail && n->next != nullptr && allows_insert(n->next, element.size())) {
            write_entry(reserve_front(n->next, size), element);
            ++n->next->count;
        } else if (at_head && n->prev != nullptr && allows_insert(n->prev, element.size())) {
            write_entry(reserve_back(n->prev, size), element);
            ++n->prev->count;
        } else if (at_tail || at_head) {
            node* fresh = allocate(0, size, 0);
            write_entry(fresh->data(), element);
            fresh->bytes = size;
            fresh->count = 1;
            if (after) link_after(n, fresh);
            else link_before(n, fresh);
        } else {
            // Split at the insertion point; the new element ends the left part (before) or
            // starts the right part (after), in the node that does not hold `pos`'s element.
            const std::size_t cut = after ? offset + entry : offset;
            std::size_t left_count = 0;
            for (std::size_t at = 0; at < cut; at += entry_size_at(n->data() + at)) ++left_count;
            if (after) {
                node* right = allocate(0, size + n->bytes - cut, 0);
                write_entry(right->data(), element);
                std::memcpy(right->data() + size, n->data() + cut, n->bytes - cut);
                right->bytes = size + n->bytes - cut;
                right->count = n->count - static_cast<std::uint32_t>(left_count) + 1;
                n->bytes = cut;
                n->count = static_cast<std::uint32_t>(left_count);
                n = compact(n, n->front);
                link_after(n, right);
            } else {
                node* left = allocate(0, cut + size, 0);
                std::memcpy(left->data(), n->data(), cut);
                write_entry(left->data() + cut, element);
                left->bytes = cut + size;
                left->count = static_cast<std::uint32_t>(left_count) + 1;
                n->bytes -= cut;
                n->count -= static_cast<std::uint32_t>(left_count);
                n = compact(n, std::size_t{n->front} + cut);
                link_before(n, left);
            }
            merge_around(n);
        }
    }

    /// Removes every element.
    void clear() noexcept {
        for (node* n = m_head; n != nullptr;) {
            node* next = n->next;
            release(n);
            n = next;
        }
        m_head = m_tail = nullptr;
        m_size = 0;
    }

private:
    // One allocation: this header, `front` spare bytes, `bytes` of entries, `back` spare bytes.
    // An entry: its length (LEB128), its bytes, and the size of those two as a reversed LEB128
    // (read from the entry's end), so that the node walks both ways, as a listpack does.
    struct node {
        node* prev;
        node* next;
        std::size_t bytes;   // packed entries
        std::uint32_t count; // entries
        std::uint16_t front; // spare bytes before the entries
        std::uint16_t back;  // spare bytes after them
        [[nodiscard]] char* data() noexcept { return reinterpret_cast<char*>(this + 1) + front; }
        [[nodiscard]] const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1) + front; }
        [[nodiscard]] std::size_t allocation() const noexcept { return sizeof(node) + front + bytes + back; }
    };
    static constexpr std::size_t max_spare = 65535;
    // Redis's node sizes for fill -1..-5, its 8 KB safety limit, its per-entry estimate, and a
    // listpack's header and terminator (Redis's node sizes count them).
    static constexpr std::size_t size_levels[] = {4096, 8192, 16384, 32768, 65536};
    static constexpr std::size_t safety_limit = 8192;
    static constexpr std::size_t entry_overhead = 8;
    static constexpr std::size_t listpack_overhead = 7;

    [[nodiscard]] static std::size_t varint_size(std::size_t v) noexcept {
        std::size_t n = 1;
        while (v >= 0x80) {
            v >>= 7;
            ++n;
        }
        return n;
    }
    [[nodiscard]] static std::size_t entry_size(std::size_t length) noexcept {
        const std::size_t head = varint_size(length) + length;
        return head + varint_size(head);
    }
    // Reads a LEB128 length at p; returns its size in bytes.
    static std::size_t read_length(const char* p, std::size_t& length) noexcept {
        std::size_t v = 0;
        std::size_t i = 0;
        for (unsigned shift = 0;; shift += 7) {
            const auto b = static_cast<unsigned char>(p[i++]);
            v |= static_cast<std::size_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        length = v;
        return i;
    }
    [[nodiscard]] static std::size_t entry_size_at(const char* p) noexcept {
        std::size_t length = 0;
        const std::size_t head = read_length(p, length) + length;
        return head + varint_size(head);
    }
    // The offset of the entry that ends at `end` in `data`.
    [[nodiscard]] static std::size_t previous_entry(const char* data, std::size_t end) noexcept {
        std::size_t v = 0;
        std::size_t i = end;
        for (unsigned shift = 0;; shift += 7) {
            const auto b = static_cast<unsigned char>(data[--i]);
            v |= static_cast<std::size_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        return i - v;
    }
    static void write_entry(char* p, std::string_view element) noexcept {
        std::size_t v = element.size();
        std::size_t i = 0;
        while (v >= 0x80) {
            p[i++] = static_cast<char>((v & 0x7f) | 0x80);
            v >>= 7;
        }
        p[i++] = static_cast<char>(v);
        if (!element.empty()) std::memcpy(p + i, element.data(), element.size());
        i += element.size();
        // The head size, low 7 bits last (nearest the end), a high bit on all but the first.
        std::size_t head = i;
        const std::size_t n = varint_size(head);
        for (std::size_t k = n; k > 0; --k) {
            p[i + k - 1] = static_cast<char>((head & 0x7f) | (k == 1 ? 0 : 0x80));
            head >>= 7;
        }
    }

    // True when `n` holds one element of at least the packed threshold (its packed size is at
    // least that of an element of the threshold's length).
    [[nodiscard]] static bool holds_large(const node* n) noexcept {
        return n->count == 1 && n->bytes >= entry_size(m_packed_threshold);
    }

    // The most packed bytes a node holds under this fill (for reservations only).
    [[nodiscard]] std::size_t node_limit() const noexcept {
        if (m_fill < 0 && static_cast<std::size_t>(-static_cast<std::int64_t>(m_fill)) <= std::size(size_levels))
            return size_levels[-m_fill - 1] - listpack_overhead;
        return safety_limit - listpack_overhead;
    }
    [[nodiscard]] bool meets_level(std::size_t size) const noexcept {
        if (m_fill >= 0) return false;
        const auto level = static_cast<std::size_t>(-static_cast<std::int64_t>(m_fill)) - 1;
        return level < std::size(size_levels) && size <= size_levels[level];
    }
    // Redis's _quicklistNodeAllowInsert: `length` is the element's length. An element of at
    // least the packed threshold, and the node holding one, take no other (Redis's plain nodes).
    [[nodiscard]] bool allows_insert(const node* n, std::size_t length) const noexcept {
        if (length >= m_packed_threshold || holds_large(n)) [[unlikely]]
            return false;
        const std::size_t new_size = n->bytes + listpack_overhead + length + entry_overhead;
        if (meets_level(new_size)) return true;
        if (new_size > safety_limit) return false;
        return m_fill >= 0 && static_cast<std::int64_t>(n->count) < m_fill;
    }
    // Redis's _quicklistNodeAllowMerge.
    [[nodiscard]] bool allows_merge(const node* a, const node* b) const noexcept {
        if (a == nullptr || b == nullptr || holds_large(a) || holds_large(b)) return false;
        const std::size_t merged = a->bytes + b->bytes + 2 * listpack_overhead - 11;
        if (meets_level(merged)) return true;
        if (merged > safety_limit) return false;
        return m_fill >= 0 && static_cast<std::int64_t>(a->count) + b->count <= m_fill;
    }

    // Growth room: proportional to the data, so that pushes are amortised O(1), but bounded
    // by the node limit, so a full node wastes little.
    [[nodiscard]] std::size_t growth(const node* n, std::size_t need) const noexcept {
        std::size_t extra = n->bytes / 4;
        if (extra < 32) extra = 32;
        const std::size_t limit = node_limit();
        const std::size_t after = n->bytes + need;
        if (after >= limit) extra = 0;
        else if (extra > limit - after) extra = limit - after;
        if (need + extra > max_spare) extra = need >= max_spare ? 0 : max_spare - need;
        return extra;
    }

    // Blocks come from operator new, so that a program counting its allocations (INFO's
    // used_memory, maxmemory) sees them; growth copies instead of realloc, amortised by the
    // geometric spare room.
    [[nodiscard]] static node* allocate(std::size_t front, std::size_t bytes, std::size_t back) {
        node* n = static_cast<node*>(::operator new(sizeof(node) + front + bytes + back));
        n->prev = n->next = nullptr;
        n->bytes = 0; // the caller fills the entries in
        n->count = 0;
        n->front = static_cast<std::uint16_t>(front);
        n->back = static_cast<std::uint16_t>(back);
        return n;
    }
    static void release(node* n) noexcept { ::operator delete(static_cast<void*>(n)); }
    [[nodiscard]] static char* base(node* n) noexcept { return reinterpret_cast<char*>(n + 1); }
    // `moved` takes `n`'s place in the chain (its neighbours, or the ends, point to it) and `n`
    // is freed.
    node* replace_block(node* n, node* moved) noexcept {
        moved->prev = n->prev;
        moved->next = n->next;
        moved->count = n->count;
        moved->bytes = n->bytes;
        if (moved->prev != nullptr) moved->prev->next = moved;
        else m_head = moved;
        if (moved->next != nullptr) moved->next->prev = moved;
        else m_tail = moved;
        release(n);
        return moved;
    }
    // Enlarges `n` to `front` and `back` spare bytes (each at least what it has); returns it.
    node* grow(node* n, std::size_t front, std::size_t back) {
        assert(front >= n->front && back >= n->back && front <= max_spare && back <= max_spare);
        node* moved = allocate(front, n->bytes, back);
        std::memcpy(base(moved) + front, n->data(), n->bytes);
        return replace_block(n, moved);
    }
    // Moves `n`'s data, now `front` bytes into its block, into a block of its size (the spare
    // room is given back); returns it.
    node* compact(node* n, std::size_t front) noexcept {
        void* p = ::operator new(sizeof(node) + n->bytes, std::nothrow);
        if (p == nullptr) { // keep the block, the data at its start
            const std::size_t total = front + n->back;
            if (front != 0) std::memmove(base(n), base(n) + front, n->bytes);
            n->front = 0;
            n->back = static_cast<std::uint16_t>(total > max_spare ? max_spare : total);
            return n;
        }
        node* moved = static_cast<node*>(p);
        moved->front = 0;
        moved->back = 0;
        std::memcpy(base(moved), base(n) + front, n->bytes);
        return replace_block(n, moved);
    }
    // After a removal: the data sits `front` bytes into the block with `back` spare bytes after
    // it. Spare room larger than the data (or than the fields hold) is given back.
    node* settle(node* n, std::size_t front, std::size_t back) noexcept {
        if (front + back > 256 && (front + back > n->bytes || front > max_spare || back > max_spare))
            return compact(n, front);
        n->front = static_cast<std::uint16_t>(front);
        n->back = static_cast<std::uint16_t>(back);
        return n;
    }
    // Room for `size` more bytes at the end of `n`'s data, counted as used; returns where.
    char* reserve_back(node*& n, std::size_t size) {
        if (n->back < size) n = grow(n, n->front, size + growth(n, size));
        char* at = n->data() + n->bytes;
        n->bytes += size;
        n->back = static_cast<std::uint16_t>(n->back - size);
        return at;
    }
    // Room for `size` more bytes at the start of `n`'s data, counted as used; returns where.
    char* reserve_front(node*& n, std::size_t size) {
        if (n->front < size) n = grow(n, size + growth(n, size), n->back);
        n->front = static_cast<std::uint16_t>(n->front - size);
        n->bytes += size;
        return n->data();
    }
    // A gap of `size` bytes at `offset` in `n`'s data, counted as used; returns where.
    char* open_gap(node*& n, std::size_t offset, std::size_t size) {
        if (offset == 0) return reserve_front(n, size);
        const std::size_t tail = n->bytes - offset;
        (void)reserve_back(n, size);
        char* d = n->data();
        std::memmove(d + offset + size, d + offset, tail);
        return d + offset;
    }
    // A node that will not grow again (the list moved on to a new node): its spare room goes.
    void seal(node* n) noexcept {
        if (n != nullptr && (n->front != 0 || n->back != 0)) (void)compact(n, n->front);
    }

    void link_after(node* at, node* n) noexcept {
        n->prev = at;
        n->next = at != nullptr ? at->next : m_head;
        if (n->next != nullptr) n->next->prev = n;
        else m_tail = n;
        if (at != nullptr) at->next = n;
        else m_head = n;
    }
    void link_before(node* at, node* n) noexcept {
        if (at == nullptr) {
            link_after(m_tail, n);
            return;
        }
        link_after(at->prev, n);
    }
    void unlink(node* n) noexcept {
        if (n->prev != nullptr) n->prev->next = n->next;
        else m_head = n->next;
        if (n->next != nullptr) n->next->prev = n->prev;
        else m_tail = n->prev;
        release(n);
    }

    // Appends b's entries to a (or prepends a's to b, keeping the bigger), Redis's
    // _quicklistListpackMerge; returns the node that remains.
    node* merge(node* a, node* b) {
        if (a->bytes >= b->bytes) {
            const std::size_t add = b->bytes;
            const std::uint32_t count = b->count;
            if (a->back < add) a = grow(a, a->front, add);
            std::memcpy(a->data() + a->bytes, b->data(), add);
            a->bytes += add;
            a->back = static_cast<std::uint16_t>(a->back - add);
            a->count += count;
            unlink(b);
            return a;
        }
        const std::size_t add = a->bytes;
        const std::uint32_t count = a->count;
        if (b->front < add) b = grow(b, add, b->back);
        std::memcpy(b->data() - add, a->data(), add);
        b->front = static_cast<std::uint16_t>(b->front - add);
        b->bytes += add;
        b->count += count;
        unlink(a);
        return b;
    }
    // Redis's _quicklistMergeNodes around `center`.
    void merge_around(node* center) {
        node* prev = center->prev;
        node* prev_prev = prev != nullptr ? prev->prev : nullptr;
        node* next = center->next;
        node* next_next = next != nullptr ? next->next : nullptr;
        if (allows_merge(prev, prev_prev)) (void)merge(prev_prev, prev);
        if (allows_merge(next, next_next)) (void)merge(next, next_next);
        node* target = center;
        if (allows_merge(center, center->prev)) target = merge(center->prev, center);
        if (allows_merge(target, target->next)) target = merge(target, target->next);
        seal(target);
    }

    node* m_head = nullptr;
    node* m_tail = nullptr;
    // The size and the fill share a word, keeping the header at 24 bytes (a 32-byte block).
    std::uint64_t m_size : 48 = 0;
    std::int64_t m_fill : 16 = default_fill;
    static inline std::size_t m_packed_threshold = std::size_t{1} << 30; // set_packed_threshold
};

static_assert(sizeof(quicklist) == 24, "a list's header fits a 32-byte block");

} // namespace respkit::store

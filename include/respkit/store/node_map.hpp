#pragma once

/// \file
/// respkit::store::node_map: the keyspace's default map. Each element is one heap node
/// holding the value and the key bytes together; buckets chain nodes and grow or shrink
/// incrementally. Design notes: docs/store.md.

#include <respkit/store/hash.hpp>
#include <respkit/version.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A hash map from byte strings to `V`, looked up by std::string_view without allocating.
///
/// One allocation per element holds a chain link, the value and the key. Buckets are
/// chosen by the top bits of the hash, so a SCAN cursor is a hash threshold that survives
/// any change of table size. The table doubles when it holds as many elements as buckets
/// and shrinks below 1/10; elements move to the new table a few buckets per insertion,
/// erasure or rehash() call, so no single operation pays for the whole move. Values never
/// move: pointers to them stay valid until their element is erased. Keys are limited to
/// 4 GiB. An empty map can be given extra bytes in each node (set_node_extra) for its user's
/// own links between elements (the keyspace's per-slot index in cluster mode); a map without
/// them spends nothing on the feature.
template <class V>
class node_map {
public:
    using mapped_type = V; ///< value type

    /// An empty map with a per-process random hash seed.
    node_map() : node_map(process_seed()) {}

    /// An empty map with an explicit hash seed (deterministic layout, for tests).
    explicit node_map(std::uint64_t seed) noexcept : m_seed(seed) {}

    /// Move constructor; leaves `other` empty.
    node_map(node_map&& other) noexcept
        : m_tables{other.m_tables[0], other.m_tables[1]}, m_size(other.m_size),
          m_rehash_index(other.m_rehash_index), m_ready(other.m_ready), m_seed(other.m_seed),
          m_extra(other.m_extra) {
        other.m_tables[0] = {};
        other.m_tables[1] = {};
        other.m_size = 0;
        other.m_rehash_index = not_rehashing;
        other.m_ready = 0;
    }

    /// Move assignment; leaves `other` empty.
    node_map& operator=(node_map&& other) noexcept {
        if (this != &other) {
            clear();
            m_tables[0] = other.m_tables[0];
            m_tables[1] = other.m_tables[1];
            m_size = other.m_size;
            m_rehash_index = other.m_rehash_index;
            m_ready = other.m_ready;
            m_seed = other.m_seed;
            m_extra = other.m_extra;
            other.m_tables[0] = {};
            other.m_tables[1] = {};
            other.m_size = 0;
            other.m_rehash_index = not_rehashing;
            other.m_ready = 0;
        }
        return *this;
    }

    node_map(const node_map&) = delete;            ///< not copyable
    node_map& operator=(const node_map&) = delete; ///< not copyable
    ~node_map() { clear(); }

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }

    /// True when there are no elements.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }

    /// Number of buckets of the main table (and of the table being filled, while resizing).
    [[nodiscard]] std::size_t bucket_count() const noexcept {
        return m_tables[0].count + m_tables[1].count;
    }

    /// True while elements are being moved to a resized table.
    [[nodiscard]] bool rehashing() const noexcept { return m_rehash_index != not_rehashing; }

    /// The value stored under `key`, or nullptr.
    [[nodiscard]] V* find(std::string_view key) noexcept {
        node* n = find_node(key, hash_of(key));
        return n ? &n->value : nullptr;
    }

    /// The value stored under `key`, or nullptr.
    [[nodiscard]] const V* find(std::string_view key) const noexcept {
        const node* n = find_node(key, hash_of(key));
        return n ? &n->value : nullptr;
    }

    /// True if `key` is present.
    [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

    /// Inserts `key` with a value built from `args` if absent. Returns the value under
    /// `key` and whether it was inserted (`args` are not used when it was not).
    template <class... Args>
    std::pair<V*, bool> try_emplace(std::string_view key, Args&&... args) {
        const std::uint64_t hash = hash_of(key);
        if (node* n = find_node(key, hash)) return {&n->value, false};
        if (key.size() > std::numeric_limits<std::uint32_t>::max()) throw std::bad_alloc();
        if (rehashing()) rehash_steps(1);
        else if (m_size >= m_tables[0].count) start_resize(m_size + 1);
        node* n = make_node(key, std::forward<Args>(args)...);
        table& t = m_tables[table_of(hash)];
        node*& head = t.at(t.bucket_of(hash));
        n->next = head;
        head = n;
        ++m_size;
        return {&n->value, true};
    }

    /// Inserts or replaces the value under `key`. Returns true if it was inserted.
    template <class T>
    bool insert_or_assign(std::string_view key, T&& value) {
        auto [slot, inserted] = try_emplace(key, std::forward<T>(value));
        if (!inserted) *slot = std::forward<T>(value);
        return inserted;
    }

    /// Removes `key`. Returns true if it was present. May start shrinking the table.
    bool erase(std::string_view key) {
        if (m_size == 0) return false;
        const std::uint64_t hash = hash_of(key);
        table& t = m_tables[table_of(hash)];
        for (node** link = &t.at(t.bucket_of(hash)); *link != nullptr; link = &(*link)->next) {
            node* n = *link;
            if (n->key() == key) {
                *link = n->next;
                destroy_node(n);
                --m_size;
                if (rehashing()) rehash_steps(1);
                else maybe_shrink();
                return true;
            }
        }
        return false;
    }

    /// Removes all elements and releases the memory.
    void clear() noexcept {
        walk([this](node* n) { destroy_node(n); }); // walk reads the link before calling
        m_tables[0].release();
        m_tables[1].release();
        m_size = 0;
        m_rehash_index = not_rehashing;
        m_ready = 0;
    }

    /// Makes room for `count` elements: the table is resized (at once) so that inserting up
    /// to `count` elements starts no incremental resize.
    void reserve(std::size_t count) {
        if (count <= m_tables[0].count && !rehashing()) return;
        finish_rehash();
        if (count > m_tables[0].count) {
            start_resize(count);
            finish_rehash();
        }
    }

    /// Moves the elements of up to `buckets` buckets to the resized table (a step of
    /// incremental resizing; called by every insertion and erasure, and by a timer), first
    /// starting a shrink if the map has become sparse. Returns true while there is more to
    /// move.
    bool rehash(std::size_t buckets) {
        if (!rehashing()) maybe_shrink();
        if (rehashing()) rehash_steps(buckets);
        if (!rehashing()) maybe_shrink(); // a shrink just finished may leave room for another
        return rehashing();
    }

    /// Calls `f(std::string_view key, V& value)` for every element. `f` must not insert
    /// into or erase from the map.
    template <class F>
    void for_each(F&& f) {
        walk([&](node* n) { f(n->key(), n->value); });
    }

    /// Calls `f(std::string_view key, const V& value)` for every element.
    template <class F>
    void for_each(F&& f) const {
        const_cast<node_map*>(this)->walk(
            [&](const node* n) { f(n->key(), static_cast<const V&>(n->value)); });
    }

    /// One step of a SCAN: calls `visit(std::string_view key, const V& value)` for the
    /// elements of some buckets at or after `cursor`, about `count` of them, and returns
    /// the cursor for the next step (0 when the scan is complete). Start with 0.
    ///
    /// The cursor is a threshold on the 64-bit hash: a step visits every element whose
    /// hash lies in [cursor, next cursor), in both tables while resizing. Every element
    /// present for the whole scan is therefore visited at least once whatever the table
    /// does between steps. `visit` must not insert into or erase from the map.
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count,
                                     Visitor&& visit) const {
        if (m_size == 0) return 0;
        if (count == 0) count = 1;
        // Steps go bucket by bucket of the smaller table; the larger one's buckets nest
        // inside them (both use the top bits of the hash).
        const table* small = &m_tables[0];
        const table* large = rehashing() ? &m_tables[1] : nullptr;
        if (large && large->count < small->count) std::swap(small, large);
        const std::size_t max_buckets = count * 10;
        std::size_t visited = 0;
        std::size_t b = small->bucket_of(cursor);
        for (std::size_t steps = 1;; ++b, ++steps) {
            visit_bucket(*small, b, cursor, visit, visited);
            if (large) {
                const unsigned extra = small->shift - large->shift;
                for (std::size_t lb = b << extra; lb < (b + 1) << extra; ++lb)
                    visit_bucket(*large, lb, cursor, visit, visited);
            }
            if (b + 1 >= small->count) return 0;
            if (visited >= count || steps >= max_buckets) break;
        }
        return static_cast<std::uint64_t>(b + 1) << small->shift;
    }

    /// A random element's key, from the 64 random bits `random`, or nullopt if empty: a
    /// random bucket and a random one of 4 slots in it, until that slot holds an element
    /// (uniform over the elements of chains of up to 4; a longer chain's are less likely).
    [[nodiscard]] std::optional<std::string_view> random_key(std::uint64_t random) const noexcept {
        const node* n = random_node(random);
        if (n == nullptr) return std::nullopt;
        return n->key();
    }

    /// The hash seed.
    [[nodiscard]] std::uint64_t seed() const noexcept { return m_seed; }

    /// Bytes of heap memory requested by the map: bucket arrays and nodes (keys and values
    /// included, not what values own).
    [[nodiscard]] std::size_t allocated_bytes() const noexcept {
        std::size_t bytes = (m_tables[0].count + m_tables[1].count) * sizeof(node*);
        const_cast<node_map*>(this)->walk([&](const node* n) { bytes += node_bytes(n->key_size) + m_extra; });
        return bytes;
    }

    /// Gives every node `bytes` (rounded up to 16) of zeroed memory for the user's own use, in
    /// front of the node: only while the map is empty (returns false otherwise). 0 removes them.
    bool set_node_extra(std::size_t bytes) noexcept {
        static_assert(std::is_standard_layout_v<node>, "extra_of finds the node from its value");
        if (m_size != 0 || bytes > 1024) return false;
        m_extra = static_cast<std::uint32_t>((bytes + 15) / 16 * 16);
        return true;
    }

    /// The extra bytes each node carries (set_node_extra).
    [[nodiscard]] std::size_t node_extra() const noexcept { return m_extra; }

    /// The extra bytes of the element whose value is `value` (a pointer find or try_emplace
    /// returned): valid as long as the element. Only with node_extra() != 0.
    [[nodiscard]] void* extra_of(const V* value) const noexcept {
        assert(m_extra != 0);
        const char* n = reinterpret_cast<const char*>(value) - offsetof(node, value);
        return const_cast<char*>(n) - m_extra;
    }

    /// The key of the element whose extra bytes are at `extra` (extra_of).
    [[nodiscard]] std::string_view key_of_extra(const void* extra) const noexcept {
        return reinterpret_cast<const node*>(static_cast<const char*>(extra) + m_extra)->key();
    }

    /// Bytes a node holding a key of `key_size` bytes requests from the allocator.
    [[nodiscard]] static constexpr std::size_t node_bytes(std::size_t key_size) noexcept {
        return sizeof(node) + key_size;
    }

    /// Verifies the internal invariants (for tests): every element sits in the bucket its
    /// hash selects, in a table it may be in, and the element count matches.
    [[nodiscard]] bool check_invariants() const {
        std::size_t counted = 0;
        if (!rehashing() && m_tables[1].count != 0) return false;
        for (int which = 0; which < 2; ++which) {
            const table& t = m_tables[which];
            const std::size_t first = which == 0 && rehashing() ? m_rehash_index : 0;
            const std::size_t end = which == 0 ? t.count : m_ready;
            for (std::size_t b = first; b < end; ++b) {
                for (const node* n = t.at(b); n != nullptr; n = n->next) {
                    const std::uint64_t hash = hash_of(n->key());
                    if (t.bucket_of(hash) != b || table_of(hash) != which) return false;
                    ++counted;
                }
            }
        }
        return counted == m_size;
    }

private:
    struct node {
        node* next;
        V value;
        std::uint32_t key_size;
        // key bytes follow

        [[nodiscard]] std::string_view key() const noexcept {
            return {reinterpret_cast<const char*>(this) + sizeof(node), key_size};
        }
    };
    static_assert(alignof(node) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

    // A bucket array in segments of up to 2^12 buckets (32 KiB), so that a resize
    // allocates, zeroes and frees memory a segment at a time, never a whole array at once:
    // one insertion then takes at most 8 fresh pages (page faults measured 4-8 us each on a
    // loaded VM; 64 of them, with 256 KiB segments, cost an insertion up to 0.5 ms), and
    // a segment stays under malloc's mmap threshold (no mmap/munmap per segment).
    struct table {
        node*** segments = nullptr;
        std::size_t count = 0;     // buckets: a power of two, or 0
        unsigned shift = 64;       // bucket = hash >> shift
        unsigned segment_bits = 0; // buckets per segment = 2^segment_bits

        static constexpr unsigned max_segment_bits = 12;

        [[nodiscard]] std::size_t bucket_of(std::uint64_t hash) const noexcept {
            return shift == 64 ? 0 : static_cast<std::size_t>(hash >> shift);
        }

        [[nodiscard]] node*& at(std::size_t b) const noexcept {
            return segments[b >> segment_bits][b & ((std::size_t{1} << segment_bits) - 1)];
        }

        [[nodiscard]] std::size_t segment_count() const noexcept { return count >> segment_bits; }

        // The segment array only (all segments absent): see add_segment.
        void allocate(std::size_t n) {
            unsigned bits = 0;
            while ((std::size_t{1} << bits) < n)
                ++bits;
            const unsigned sbits = bits < max_segment_bits ? bits : max_segment_bits;
            const std::size_t nsegments = n >> sbits;
            segments = static_cast<node***>(::operator new(nsegments * sizeof(node**)));
            for (std::size_t i = 0; i < nsegments; ++i)
                segments[i] = nullptr;
            count = n;
            shift = 64 - bits;
            segment_bits = sbits;
        }

        // Allocates segment `i` with empty buckets.
        void add_segment(std::size_t i) {
            const std::size_t n = std::size_t{1} << segment_bits;
            auto** segment = static_cast<node**>(::operator new(n * sizeof(node*)));
            std::memset(static_cast<void*>(segment), 0, n * sizeof(node*));
            segments[i] = segment;
        }

        void free_segment(std::size_t i) noexcept {
            ::operator delete(static_cast<void*>(segments[i]));
            segments[i] = nullptr;
        }

        void release() noexcept {
            if (segments != nullptr) {
                for (std::size_t i = 0; i < segment_count(); ++i)
                    free_segment(i);
                ::operator delete(static_cast<void*>(segments));
            }
            segments = nullptr;
            count = 0;
            shift = 64;
            segment_bits = 0;
        }
    };

    static constexpr std::size_t not_rehashing = static_cast<std::size_t>(-1);
    static constexpr std::size_t min_buckets = 4;
    static constexpr std::size_t chain_slots = 4; // random_key's slots per bucket

    table m_tables[2];
    std::size_t m_size = 0;
    // While resizing, the elements whose m_tables[0] bucket is below m_rehash_index are in
    // m_tables[1], the others in m_tables[0]: a key is looked for in one table only. The new
    // table's segments are allocated as the move reaches them (its first m_ready buckets
    // exist), and the old table's are freed once moved: allocating, zeroing or freeing 2^24
    // buckets at once would stall an insertion for tens of milliseconds.
    std::size_t m_rehash_index = not_rehashing; // next bucket of m_tables[0] to move
    std::size_t m_ready = 0;                    // zeroed buckets of m_tables[1]
    std::uint64_t m_seed;
    std::uint32_t m_extra = 0; // bytes in front of each node (set_node_extra)

    [[nodiscard]] std::uint64_t hash_of(std::string_view key) const noexcept {
        return hash_bytes(key, m_seed);
    }

    template <class... Args>
    node* make_node(std::string_view key, Args&&... args) {
        void* memory = ::operator new(node_bytes(key.size()) + m_extra);
        if (m_extra != 0) [[unlikely]] {
            std::memset(memory, 0, m_extra);
            memory = static_cast<char*>(memory) + m_extra;
        }
        node* n = nullptr;
        try {
            n = ::new (memory) node{nullptr, V(std::forward<Args>(args)...),
                                    static_cast<std::uint32_t>(key.size())};
        } catch (...) {
            ::operator delete(static_cast<char*>(memory) - m_extra);
            throw;
        }
        if (!key.empty())
            std::memcpy(reinterpret_cast<char*>(n) + sizeof(node), key.data(), key.size());
        return n;
    }

    void destroy_node(node* n) noexcept {
        n->~node();
        ::operator delete(static_cast<void*>(reinterpret_cast<char*>(n) - m_extra));
    }

    // Which table holds (or receives) the element with `hash` (see m_rehash_index).
    [[nodiscard]] int table_of(std::uint64_t hash) const noexcept {
        return rehashing() && m_tables[0].bucket_of(hash) < m_rehash_index ? 1 : 0;
    }

    [[nodiscard]] node* find_node(std::string_view key, std::uint64_t hash) const noexcept {
        if (m_size == 0) return nullptr;
        const table& t = m_tables[table_of(hash)];
        for (node* n = t.at(t.bucket_of(hash)); n != nullptr; n = n->next) {
            if (n->key_size == key.size() &&
                (key.empty() || std::memcmp(n->key().data(), key.data(), key.size()) == 0))
                return n;
        }
        return nullptr;
    }

    template <class F>
    void walk(F&& f) {
        for (int which = 0; which < 2; ++which) {
            const table& t = m_tables[which];
            const std::size_t first = which == 0 && rehashing() ? m_rehash_index : 0;
            const std::size_t end = which == 0 ? t.count : m_ready;
            for (std::size_t b = first; b < end; ++b) {
                for (node* n = t.at(b); n != nullptr;) {
                    node* next = n->next;
                    f(n);
                    n = next;
                }
            }
        }
    }

    template <class Visitor>
    void visit_bucket(const table& t, std::size_t b, std::uint64_t cursor, Visitor& visit,
                      std::size_t& visited) const {
        if (&t == &m_tables[0] ? rehashing() && b < m_rehash_index : b >= m_ready) return;
        // Only the bucket holding the cursor can hold hashes below it (after a shrink).
        const bool partial = (static_cast<std::uint64_t>(b) << t.shift) < cursor;
        for (const node* n = t.at(b); n != nullptr; n = n->next) {
            if (partial && hash_of(n->key()) < cursor) continue;
            visit(n->key(), static_cast<const V&>(n->value));
            ++visited;
        }
    }

    [[nodiscard]] const node* random_node(std::uint64_t random) const noexcept {
        if (m_size == 0) return nullptr;
        // A bucket index over both tables (the moved part of the old one excluded).
        const std::size_t first = rehashing() ? m_rehash_index : 0;
        const std::size_t span0 = m_tables[0].count - first;
        const std::size_t span = span0 + m_ready;
        for (int attempt = 0; attempt < 1000; ++attempt) {
            std::size_t i = static_cast<std::size_t>(detail::mul_high(random, span));
            const node* head =
                i < span0 ? m_tables[0].at(first + i) : m_tables[1].at(i - span0);
            if (head != nullptr) {
                // A slot among chain_slots per bucket, retried when the chain is shorter:
                // every element of a chain of up to chain_slots is then equally likely.
                std::size_t length = 0;
                for (const node* n = head; n != nullptr; n = n->next)
                    ++length;
                const std::size_t slots = length > chain_slots ? length : chain_slots;
                std::size_t pick =
                    static_cast<std::size_t>(detail::mul_high(detail::splitmix64(random), slots));
                if (pick < length) {
                    const node* n = head;
                    while (pick-- > 0)
                        n = n->next;
                    return n;
                }
            }
            random = detail::splitmix64(random);
        }
        // Nearly empty table (a shrink is pending): take the first element from a random
        // bucket onwards.
        const std::size_t start = static_cast<std::size_t>(detail::mul_high(random, span));
        for (std::size_t k = 0; k < span; ++k) {
            const std::size_t i = (start + k) % span;
            const node* head =
                i < span0 ? m_tables[0].at(first + i) : m_tables[1].at(i - span0);
            if (head != nullptr) return head;
        }
        return nullptr;
    }

    [[nodiscard]] static std::size_t buckets_for(std::size_t count) noexcept {
        std::size_t n = min_buckets;
        while (n < count)
            n *= 2;
        return n;
    }

    // Starts moving the elements to a table of buckets_for(count) buckets (at once when the
    // map has no table yet).
    void start_resize(std::size_t count) {
        const std::size_t n = buckets_for(count);
        if (m_tables[0].count == 0) {
            table fresh;
            fresh.allocate(n);
            try {
                for (std::size_t i = 0; i < fresh.segment_count(); ++i)
                    fresh.add_segment(i);
            } catch (...) {
                fresh.release();
                throw;
            }
            m_tables[0] = fresh;
            return;
        }
        if (n == m_tables[0].count) return;
        m_tables[1].allocate(n);
        m_rehash_index = 0;
        m_ready = 0;
    }

    void maybe_shrink() noexcept {
        if (m_tables[0].count > min_buckets && m_size * 10 < m_tables[0].count) {
            try {
                start_resize(m_size);
            } catch (const std::bad_alloc&) {
                // Shrinking is an optimisation: keep the larger table.
            }
        }
    }

    // Moves up to `buckets` buckets (visiting at most 10 times as many empty ones).
    void rehash_steps(std::size_t buckets) {
        table& from = m_tables[0];
        table& to = m_tables[1];
        std::size_t empty_visits = buckets * 10;
        while (buckets > 0 && m_rehash_index < from.count) {
            make_ready(ready_end(m_rehash_index + 1));
            node* n = from.at(m_rehash_index);
            if (n == nullptr) {
                advance_rehash_index();
                if (--empty_visits == 0) break;
                continue;
            }
            while (n != nullptr) {
                node* next = n->next;
                node*& head = to.at(to.bucket_of(hash_of(n->key())));
                n->next = head;
                head = n;
                n = next;
            }
            from.at(m_rehash_index) = nullptr;
            advance_rehash_index();
            --buckets;
        }
        if (m_rehash_index >= from.count) {
            make_ready(to.count);
            from.release();
            from = to;
            to = table{};
            m_rehash_index = not_rehashing;
            m_ready = 0;
        }
    }

    // How many buckets of the new table must be zeroed before the old table's buckets
    // [0, old_end) have been moved: those holding hashes below old_end's first hash.
    [[nodiscard]] std::size_t ready_end(std::size_t old_end) const noexcept {
        const table& from = m_tables[0];
        const table& to = m_tables[1];
        if (to.shift <= from.shift) return old_end << (from.shift - to.shift); // growing
        const unsigned k = to.shift - from.shift;                               // shrinking
        return (old_end + (std::size_t{1} << k) - 1) >> k;
    }

    // Allocates the new table's segments holding buckets [m_ready, end).
    void make_ready(std::size_t end) {
        if (end <= m_ready) return;
        table& to = m_tables[1];
        for (std::size_t i = m_ready >> to.segment_bits; i <= (end - 1) >> to.segment_bits; ++i)
            if (to.segments[i] == nullptr) to.add_segment(i);
        m_ready = end;
    }

    // Past one more bucket of the old table; frees each of its segments once moved.
    void advance_rehash_index() noexcept {
        table& from = m_tables[0];
        ++m_rehash_index;
        const std::size_t mask = (std::size_t{1} << from.segment_bits) - 1;
        if ((m_rehash_index & mask) == 0) from.free_segment((m_rehash_index >> from.segment_bits) - 1);
    }

    void finish_rehash() {
        while (rehashing())
            rehash_steps(std::numeric_limits<std::size_t>::max() / 16);
    }
};

} // namespace respkit::store

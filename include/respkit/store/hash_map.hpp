#pragma once

/// \file
/// respkit::store::hash_map: the keyspace's default map from byte-string keys to values.
/// Open addressing with Robin Hood ordering, dense value storage, a resize-proof SCAN
/// cursor and O(1) random choice. Design notes: docs/store.md.

#include <respkit/store/hash.hpp>
#include <respkit/version.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A hash map from byte strings (owned std::string) to `V`, looked up by std::string_view
/// without allocating.
///
/// Pointers and references to values stay valid until the next insertion or erasure
/// (values live in one dense array, which moves on growth and is compacted on erase).
/// Capacity is limited to 2^32 - 1 elements.
template <class V>
class hash_map {
public:
    using key_type = std::string; ///< owned key type
    using mapped_type = V;        ///< value type

    /// One stored element.
    struct value_type {
        std::string key; ///< the key; do not modify it through a map
        V value;         ///< the value
    };

    using const_iterator = const value_type*; ///< iterates elements in unspecified order

    /// An empty map with a per-process random hash seed.
    hash_map() : hash_map(process_seed()) {}

    /// An empty map with an explicit hash seed (deterministic layout, for tests).
    explicit hash_map(std::uint64_t seed) noexcept : m_seed(seed) {}

    /// Move constructor; leaves `other` empty.
    hash_map(hash_map&& other) noexcept
        : m_values(std::move(other.m_values)), m_buckets(std::move(other.m_buckets)),
          m_bucket_count(other.m_bucket_count), m_capacity(other.m_capacity),
          m_shift(other.m_shift), m_max_size(other.m_max_size), m_seed(other.m_seed) {
        other.reset_empty();
    }

    /// Move assignment; leaves `other` empty.
    hash_map& operator=(hash_map&& other) noexcept {
        if (this != &other) {
            m_values = std::move(other.m_values);
            m_buckets = std::move(other.m_buckets);
            m_bucket_count = other.m_bucket_count;
            m_capacity = other.m_capacity;
            m_shift = other.m_shift;
            m_max_size = other.m_max_size;
            m_seed = other.m_seed;
            other.reset_empty();
        }
        return *this;
    }

    /// Copy constructor (when V is copyable).
    hash_map(const hash_map& other) requires std::copy_constructible<V>
        : m_values(other.m_values),
          m_bucket_count(other.m_bucket_count),
          m_capacity(other.m_capacity),
          m_shift(other.m_shift),
          m_max_size(other.m_max_size),
          m_seed(other.m_seed) {
        if (other.m_buckets) {
            m_buckets = std::make_unique<bucket[]>(m_bucket_count);
            for (std::size_t i = 0; i < m_bucket_count; ++i)
                m_buckets[i] = other.m_buckets[i];
        }
    }

    /// Copy assignment (when V is copyable).
    hash_map& operator=(const hash_map& other) requires std::copy_constructible<V> {
        if (this != &other) *this = hash_map(other);
        return *this;
    }

    ~hash_map() = default;

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_values.size(); }

    /// True when there are no elements.
    [[nodiscard]] bool empty() const noexcept { return m_values.empty(); }

    /// Number of home buckets (a power of two, or 0 before the first insertion).
    [[nodiscard]] std::size_t bucket_count() const noexcept { return m_capacity; }

    /// The value stored under `key`, or nullptr.
    [[nodiscard]] V* find(std::string_view key) noexcept {
        const std::size_t pos = find_position(key);
        return pos == npos ? nullptr : &m_values[m_buckets[pos].index].value;
    }

    /// The value stored under `key`, or nullptr.
    [[nodiscard]] const V* find(std::string_view key) const noexcept {
        const std::size_t pos = find_position(key);
        return pos == npos ? nullptr : &m_values[m_buckets[pos].index].value;
    }

    /// True if `key` is present.
    [[nodiscard]] bool contains(std::string_view key) const noexcept {
        return find_position(key) != npos;
    }

    /// Inserts `key` with a value built from `args` if absent. Returns the value under
    /// `key` and whether it was inserted (`args` are not used when it was not).
    template <class... Args>
    std::pair<V*, bool> try_emplace(std::string_view key, Args&&... args) {
        std::uint64_t hash = 0;
        std::size_t pos = 0;
        std::uint32_t dist_fp = 0;
        if (m_buckets) {
            hash = hash_of(key);
            pos = home_of_hash(hash);
            dist_fp = first_dist_fp(hash);
            while (dist_fp <= m_buckets[pos].dist_fp) {
                if (dist_fp == m_buckets[pos].dist_fp && m_values[m_buckets[pos].index].key == key)
                    return {&m_values[m_buckets[pos].index].value, false};
                ++pos;
                dist_fp += dist_one;
            }
        }
        if (m_values.size() >= m_max_size) {
            rehash_to_bits(bits_for(m_values.size() + 1));
            hash = hash_of(key);
            pos = insert_position(hash, dist_fp);
        }
        const auto index = static_cast<std::uint32_t>(m_values.size());
        const std::size_t end = run_end(pos); // may allocate: before the value goes in
        m_values.push_back(value_type{std::string(key), V(std::forward<Args>(args)...)});
        shift_in(pos, end, bucket{dist_fp, index});
        return {&m_values.back().value, true};
    }

    /// Inserts or replaces the value under `key`. Returns true if it was inserted.
    template <class T>
    bool insert_or_assign(std::string_view key, T&& value) {
        auto [slot, inserted] = try_emplace(key, std::forward<T>(value));
        if (!inserted) *slot = std::forward<T>(value);
        return inserted;
    }

    /// Removes `key`. Returns true if it was present. May shrink the table.
    bool erase(std::string_view key) {
        const std::size_t pos = find_position(key);
        if (pos == npos) return false;
        erase_at(pos);
        if (m_capacity > min_capacity && m_values.size() < m_capacity / 10) {
            rehash_to_bits(bits_for(m_values.size() * 2));
            m_values.shrink_to_fit();
        }
        return true;
    }

    /// Removes all elements and releases the memory.
    void clear() noexcept {
        std::vector<value_type>().swap(m_values);
        m_buckets.reset();
        reset_empty();
    }

    /// Makes room for `count` elements without further growth.
    void reserve(std::size_t count) {
        if (count > m_max_size) rehash_to_bits(bits_for(count));
        m_values.reserve(count);
    }

    /// First element (unspecified order).
    [[nodiscard]] const_iterator begin() const noexcept { return m_values.data(); }

    /// Past the last element.
    [[nodiscard]] const_iterator end() const noexcept { return m_values.data() + m_values.size(); }

    /// Calls `f(std::string_view key, V& value)` for every element. `f` must not insert
    /// into or erase from the map.
    template <class F>
    void for_each(F&& f) {
        for (auto& element : m_values)
            f(std::string_view(element.key), element.value);
    }

    /// Calls `f(std::string_view key, const V& value)` for every element.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& element : m_values)
            f(std::string_view(element.key), element.value);
    }

    /// One step of a SCAN: calls `visit(std::string_view key, const V& value)` for the
    /// elements of some home buckets at or after `cursor`, about `count` of them, and
    /// returns the cursor for the next step (0 when the scan is complete). Start with 0.
    ///
    /// Every element present for the whole scan is visited at least once, even when the
    /// table grows or shrinks between steps; some may be visited twice after a shrink.
    /// `visit` must not insert into or erase from the map.
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count,
                                     Visitor&& visit) const {
        if (m_values.empty()) return 0;
        if (count == 0) count = 1;
        // The cursor is a threshold on the hash: every element whose hash is below it has
        // been visited. Buckets hold elements in order of home bucket, and the home is the
        // top bits of the hash, so a threshold survives any change of table size.
        const std::size_t first_home = static_cast<std::size_t>(cursor >> m_shift);
        const std::size_t max_homes = count * 10;
        std::size_t pos = first_home;
        std::size_t visited = 0;
        std::size_t home = first_home;
        for (; home < m_capacity; ++home) {
            if (pos < home) pos = home;
            // Only on the first home: skip elements displaced here from earlier homes.
            while (m_buckets[pos].dist_fp != 0 && home_at(pos) < home)
                ++pos;
            while (m_buckets[pos].dist_fp != 0 && home_at(pos) == home) {
                const value_type& element = m_values[m_buckets[pos].index];
                visit(std::string_view(element.key), static_cast<const V&>(element.value));
                ++visited;
                ++pos;
            }
            if (visited >= count || home + 1 - first_home >= max_homes) break;
        }
        if (home + 1 >= m_capacity) return 0;
        return static_cast<std::uint64_t>(home + 1) << m_shift;
    }

    /// The element at dense position `index` (< size()): with a uniform random index this
    /// picks a uniformly random element in O(1).
    [[nodiscard]] const value_type& element_at(std::size_t index) const noexcept {
        return m_values[index];
    }

    /// The element at dense position `index` (< size()).
    [[nodiscard]] value_type& element_at(std::size_t index) noexcept { return m_values[index]; }

    /// A uniformly chosen element from the 64 random bits `random`, or nullptr if empty.
    [[nodiscard]] value_type* random_element(std::uint64_t random) noexcept {
        if (m_values.empty()) return nullptr;
        return &m_values[static_cast<std::size_t>(detail::mul_high(random, m_values.size()))];
    }

    /// A uniformly chosen element from the 64 random bits `random`, or nullptr if empty.
    [[nodiscard]] const value_type* random_element(std::uint64_t random) const noexcept {
        if (m_values.empty()) return nullptr;
        return &m_values[static_cast<std::size_t>(detail::mul_high(random, m_values.size()))];
    }

    /// The key of a uniformly chosen element from the 64 random bits `random`, or nullptr
    /// if empty.
    [[nodiscard]] const std::string* random_key(std::uint64_t random) const noexcept {
        const value_type* element = random_element(random);
        return element ? &element->key : nullptr;
    }

    /// The hash seed.
    [[nodiscard]] std::uint64_t seed() const noexcept { return m_seed; }

    /// Bytes of heap memory held by the table itself (buckets and the value array, not
    /// what keys and values own).
    [[nodiscard]] std::size_t table_bytes() const noexcept {
        return m_bucket_count * sizeof(bucket) + m_values.capacity() * sizeof(value_type);
    }

    /// Verifies the table's internal invariants (for tests): every bucket's distance and
    /// fingerprint agree with its key's hash, homes never decrease along the table, no
    /// bucket is further from home than the empty one before it allows, and buckets and
    /// values correspond one to one.
    [[nodiscard]] bool check_invariants() const {
        if (!m_buckets) return m_values.empty() && m_capacity == 0;
        if (m_buckets[m_bucket_count - 1].dist_fp != 0) return false; // sentinel
        std::vector<bool> seen(m_values.size(), false);
        std::size_t used = 0;
        std::size_t previous_home = 0;
        std::uint32_t previous_dist_fp = 0;
        for (std::size_t pos = 0; pos < m_bucket_count; ++pos) {
            const bucket& b = m_buckets[pos];
            if (b.dist_fp == 0) {
                previous_dist_fp = 0;
                continue;
            }
            if (b.index >= m_values.size() || seen[b.index]) return false;
            seen[b.index] = true;
            ++used;
            const std::uint64_t hash = hash_of(m_values[b.index].key);
            const std::size_t dist = (b.dist_fp >> 8) - 1;
            if (dist > pos || pos - dist != home_of_hash(hash)) return false;
            if ((b.dist_fp & fp_mask) != (hash & fp_mask)) return false;
            const std::size_t home = pos - dist;
            if (home < previous_home) return false;
            // Within a run of one home, fingerprints do not increase.
            if (previous_dist_fp != 0 && home == previous_home &&
                (b.dist_fp & fp_mask) > (previous_dist_fp & fp_mask))
                return false;
            // A bucket is never further from home than the previous one allows (no gap).
            if (dist > 0 && previous_dist_fp == 0) return false;
            previous_home = home;
            previous_dist_fp = b.dist_fp;
        }
        return used == m_values.size() && m_values.size() <= m_max_size;
    }

private:
    // dist_fp packs (distance from home + 1) << 8 | 8-bit fingerprint; 0 marks an empty
    // bucket. Within a run of equal homes, buckets are ordered by fingerprint, so a probe
    // stops at the first bucket whose dist_fp is below its own.
    struct bucket {
        std::uint32_t dist_fp = 0;
        std::uint32_t index = 0;
    };

    static constexpr std::uint32_t dist_one = 256;
    static constexpr std::uint32_t fp_mask = 255;
    static constexpr unsigned min_bits = 3;
    static constexpr std::size_t min_capacity = std::size_t{1} << min_bits;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    std::vector<value_type> m_values;
    std::unique_ptr<bucket[]> m_buckets;
    std::size_t m_bucket_count = 0; // home buckets + overflow area + one empty sentinel
    std::size_t m_capacity = 0;     // home buckets: a power of two
    unsigned m_shift = 64;          // home = hash >> m_shift
    std::size_t m_max_size = 0;     // grow beyond this many elements
    std::uint64_t m_seed;

    void reset_empty() noexcept {
        m_bucket_count = 0;
        m_capacity = 0;
        m_shift = 64;
        m_max_size = 0;
    }

    [[nodiscard]] std::uint64_t hash_of(std::string_view key) const noexcept {
        return hash_bytes(key, m_seed);
    }

    [[nodiscard]] std::size_t home_of_hash(std::uint64_t hash) const noexcept {
        return static_cast<std::size_t>(hash >> m_shift);
    }

    [[nodiscard]] static std::uint32_t first_dist_fp(std::uint64_t hash) noexcept {
        return dist_one | static_cast<std::uint32_t>(hash & fp_mask);
    }

    [[nodiscard]] std::size_t home_at(std::size_t pos) const noexcept {
        return pos - (m_buckets[pos].dist_fp >> 8) + 1;
    }

    [[nodiscard]] static std::size_t max_size_for(std::size_t capacity) noexcept {
        return capacity - capacity / 5; // load factor 0.8
    }

    [[nodiscard]] static unsigned bits_for(std::size_t count) noexcept {
        unsigned bits = min_bits;
        while (max_size_for(std::size_t{1} << bits) < count)
            ++bits;
        return bits;
    }

    [[nodiscard]] std::size_t find_position(std::string_view key) const noexcept {
        if (m_values.empty()) return npos;
        const std::uint64_t hash = hash_of(key);
        std::size_t pos = home_of_hash(hash);
        std::uint32_t dist_fp = first_dist_fp(hash);
        for (;;) {
            const bucket& b = m_buckets[pos];
            if (b.dist_fp == dist_fp) {
                if (m_values[b.index].key == key) return pos;
            } else if (b.dist_fp < dist_fp) {
                return npos; // the sentinel (0) ends every probe
            }
            ++pos;
            dist_fp += dist_one;
        }
    }

    // Where an element with `hash` (known absent) goes; sets `dist_fp` for that position.
    [[nodiscard]] std::size_t insert_position(std::uint64_t hash,
                                              std::uint32_t& dist_fp) const noexcept {
        std::size_t pos = home_of_hash(hash);
        dist_fp = first_dist_fp(hash);
        while (dist_fp <= m_buckets[pos].dist_fp) {
            ++pos;
            dist_fp += dist_one;
        }
        return pos;
    }

    // Puts `b` at `pos`, moving the run of buckets from `pos` up to the next empty one a
    // step further from home. No wrap-around: the table ends in an overflow area that is
    // extended (without rehashing) when a run reaches the sentinel.
    void place(std::size_t pos, bucket b) { shift_in(pos, run_end(pos), b); }

    // The first empty bucket at or after `pos`, never the sentinel.
    [[nodiscard]] std::size_t run_end(std::size_t pos) {
        std::size_t end = pos;
        while (m_buckets[end].dist_fp != 0)
            ++end;
        if (end + 1 == m_bucket_count) extend_overflow();
        return end;
    }

    void shift_in(std::size_t pos, std::size_t end, bucket b) noexcept {
        for (std::size_t i = end; i > pos; --i) {
            m_buckets[i] = m_buckets[i - 1];
            m_buckets[i].dist_fp += dist_one;
        }
        m_buckets[pos] = b;
    }

    void extend_overflow() {
        const std::size_t grown = m_bucket_count + (m_bucket_count - m_capacity) + 8;
        auto buckets = std::make_unique<bucket[]>(grown);
        for (std::size_t i = 0; i < m_bucket_count; ++i)
            buckets[i] = m_buckets[i];
        m_buckets = std::move(buckets);
        m_bucket_count = grown;
    }

    void erase_at(std::size_t pos) {
        const std::uint32_t index = m_buckets[pos].index;
        // Backward shift: pull the following displaced buckets one step toward home.
        std::size_t next = pos + 1;
        while (m_buckets[next].dist_fp >= 2 * dist_one) {
            m_buckets[pos] = m_buckets[next];
            m_buckets[pos].dist_fp -= dist_one;
            pos = next;
            ++next;
        }
        m_buckets[pos] = bucket{};
        // Keep values dense: move the last value into the hole and repoint its bucket.
        const auto last = static_cast<std::uint32_t>(m_values.size() - 1);
        if (index != last) {
            m_values[index] = std::move(m_values[last]);
            std::size_t p = home_of_hash(hash_of(m_values[index].key));
            while (m_buckets[p].dist_fp == 0 || m_buckets[p].index != last)
                ++p;
            m_buckets[p].index = index;
        }
        m_values.pop_back();
    }

    void rehash_to_bits(unsigned bits) {
        const std::size_t capacity = std::size_t{1} << bits;
        const std::size_t bucket_count = capacity + bits * 2 + 8 + 1;
        m_buckets = std::make_unique<bucket[]>(bucket_count); // value-initialised: empty
        m_bucket_count = bucket_count;
        m_capacity = capacity;
        m_shift = 64 - bits;
        m_max_size = max_size_for(capacity);
        for (std::size_t i = 0; i < m_values.size(); ++i) {
            std::uint32_t dist_fp = 0;
            const std::size_t pos = insert_position(hash_of(m_values[i].key), dist_fp);
            place(pos, bucket{dist_fp, static_cast<std::uint32_t>(i)});
        }
    }
};

} // namespace respkit::store

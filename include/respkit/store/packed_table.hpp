#pragma once

/// \file
/// respkit::store::packed_table: the hash table form of large hashes and sets. Each element is
/// one heap block (its hash, then the member, or the field and its value, behind small length
/// prefixes) and the table is one array of pointers to the blocks: open addressing in Robin Hood
/// order, with the SCAN cursor and random choice of store::hash_map.

#include <respkit/store/hash.hpp>
#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A hash table of byte-string keys, each with a byte-string value when `Pairs` (a hash) or
/// none (a set). Elements are reached through positions (slot indexes), valid until the next
/// insertion or erasure. Capacity is limited to 2^31 elements.
template <bool Pairs>
class packed_table {
public:
    /// An empty table with a per-process random hash seed.
    packed_table() noexcept : m_seed(process_seed()) {}
    /// A copy (every block copied).
    packed_table(const packed_table& other) : m_seed(other.m_seed) {
        if (other.m_slots == nullptr) return;
        m_slots = allocate_slots(other.m_slot_count);
        m_slot_count = other.m_slot_count;
        m_bits = other.m_bits;
        m_max_size = other.m_max_size;
        for (std::size_t i = 0; i < m_slot_count; ++i) {
            if (const unsigned char* b = other.m_slots[i]) {
                const std::size_t n = block_size(b);
                m_slots[i] = allocate(n);
                std::memcpy(m_slots[i], b, n);
                ++m_size;
            }
        }
    }
    packed_table(packed_table&& other) noexcept
        : m_slots(std::exchange(other.m_slots, nullptr)), m_slot_count(std::exchange(other.m_slot_count, 0)),
          m_size(std::exchange(other.m_size, 0)), m_max_size(std::exchange(other.m_max_size, 0)),
          m_bits(std::exchange(other.m_bits, 0)), m_seed(other.m_seed) {}
    packed_table& operator=(const packed_table& other) {
        if (this != &other) *this = packed_table(other);
        return *this;
    }
    packed_table& operator=(packed_table&& other) noexcept {
        std::swap(m_slots, other.m_slots);
        std::swap(m_slot_count, other.m_slot_count);
        std::swap(m_size, other.m_size);
        std::swap(m_max_size, other.m_max_size);
        std::swap(m_bits, other.m_bits);
        std::swap(m_seed, other.m_seed);
        return *this;
    }
    ~packed_table() { release(); }

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True when empty.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    /// Not-a-position.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// The position of `key`, or npos.
    [[nodiscard]] std::size_t find(std::string_view key) const noexcept {
        if (m_size == 0) return npos;
        const std::uint32_t h = hash_of(key);
        const std::size_t home = home_of(h);
        for (std::size_t pos = home;; ++pos) {
            const unsigned char* b = m_slots[pos];
            if (b == nullptr) return npos;
            const std::uint32_t bh = block_hash(b);
            if (home_of(bh) > home) return npos;
            if (bh == h && key_at(pos) == key) return pos;
        }
    }

    /// Makes room for `count` elements without growing.
    void reserve(std::size_t count) {
        if (count > m_max_size) rehash(bits_for(count));
    }

    /// Inserts `key` (known absent) with `value` (ignored for a set); returns its position.
    std::size_t insert_new(std::string_view key, std::string_view value = {}) {
        if (m_size + 1 > m_max_size) rehash(bits_for(m_size + 1));
        const std::uint32_t h = hash_of(key);
        unsigned char* b = make_block(h, key, value);
        const std::size_t pos = place(b, h);
        ++m_size;
        return pos;
    }

    /// Replaces the value of the element at `pos` (a hash's).
    void assign(std::size_t pos, std::string_view value) {
        const unsigned char* old = m_slots[pos];
        unsigned char* b = make_block(block_hash(old), key_at(pos), value);
        ::operator delete(m_slots[pos]);
        m_slots[pos] = b;
    }

    /// Removes the element at `pos`. May shrink the table.
    void erase_at(std::size_t pos) {
        ::operator delete(m_slots[pos]);
        // Backward shift: pull the following displaced elements one step toward home.
        std::size_t next = pos + 1;
        while (m_slots[next] != nullptr && home_of(block_hash(m_slots[next])) < next) {
            m_slots[pos] = m_slots[next];
            pos = next++;
        }
        m_slots[pos] = nullptr;
        --m_size;
        if (m_size == 0) {
            release();
        } else if (m_bits > min_bits && m_size < (std::size_t{1} << m_bits) / 10) {
            rehash(bits_for(m_size * 2));
        }
    }

    /// The key at `pos`.
    [[nodiscard]] std::string_view key_at(std::size_t pos) const noexcept {
        std::size_t at = 4;
        return read_string(m_slots[pos], at);
    }
    /// The value at `pos` (a hash's).
    [[nodiscard]] std::string_view value_at(std::size_t pos) const noexcept {
        std::size_t at = 4;
        (void)read_string(m_slots[pos], at);
        return read_string(m_slots[pos], at);
    }

    /// The first position holding an element at or after `pos`, or end_position().
    [[nodiscard]] std::size_t next_position(std::size_t pos) const noexcept {
        while (pos < m_slot_count && m_slots[pos] == nullptr) ++pos;
        return pos < m_slot_count ? pos : end_position();
    }
    /// The position past the last element.
    [[nodiscard]] std::size_t end_position() const noexcept { return m_slot_count; }

    /// A uniformly chosen element's position (not empty), drawing 64-bit numbers from `random`.
    template <class Random>
    [[nodiscard]] std::size_t random_position(Random&& random) const {
        // Every element has one slot and at least a tenth of the slots are used: a few draws.
        for (;;) {
            const auto pos = static_cast<std::size_t>(detail::mul_high(random(), m_slot_count - 1));
            if (m_slots[pos] != nullptr) return pos;
        }
    }

    /// One step of a SCAN from `cursor` over about `count` elements, calling `visit(pos)`;
    /// returns the next cursor (0 when done). Every element present for the whole scan is
    /// visited at least once, whatever the table does between steps (as store::hash_map).
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count, Visitor&& visit) const {
        if (m_size == 0) return 0;
        if (count == 0) count = 1;
        // The cursor is a threshold on the hash: every element whose hash is below it has been
        // visited. Elements lie in order of home, the top bits of the hash, at any table size.
        const unsigned shift = 64 - m_bits;
        const std::size_t capacity = std::size_t{1} << m_bits;
        const auto first_home = static_cast<std::size_t>(cursor >> shift);
        const std::size_t max_homes = count * 10;
        std::size_t pos = first_home, visited = 0, home = first_home;
        for (; home < capacity; ++home) {
            if (pos < home) pos = home;
            while (m_slots[pos] != nullptr && home_of(block_hash(m_slots[pos])) < home) ++pos;
            while (m_slots[pos] != nullptr && home_of(block_hash(m_slots[pos])) == home) {
                visit(pos);
                ++visited;
                ++pos;
            }
            if (visited >= count || home + 1 - first_home >= max_homes) break;
        }
        if (home + 1 >= capacity) return 0;
        return static_cast<std::uint64_t>(home + 1) << shift;
    }

    /// Checks the invariants (for tests): homes never decrease along the table, no element sits
    /// before its home or after a gap, and the count matches.
    [[nodiscard]] bool check_invariants() const noexcept {
        if (m_slots == nullptr) return m_size == 0;
        std::size_t used = 0, previous_home = 0;
        for (std::size_t pos = 0; pos < m_slot_count; ++pos) {
            if (m_slots[pos] == nullptr) continue;
            ++used;
            const std::size_t home = home_of(block_hash(m_slots[pos]));
            if (home > pos || home < previous_home) return false;
            if (home < pos && m_slots[pos - 1] == nullptr) return false;
            if (block_hash(m_slots[pos]) != hash_of(key_at(pos))) return false;
            previous_home = home;
        }
        return used == m_size && m_slots[m_slot_count - 1] == nullptr;
    }

private:
    static constexpr unsigned min_bits = 3;
    unsigned char** m_slots = nullptr;
    std::size_t m_slot_count = 0; // homes, an overflow area, and a last empty slot
    std::size_t m_size = 0;
    std::size_t m_max_size = 0;
    unsigned m_bits = 0; // 2^m_bits homes
    std::uint64_t m_seed;

    [[nodiscard]] std::uint32_t hash_of(std::string_view key) const noexcept {
        return static_cast<std::uint32_t>(hash_bytes(key, m_seed) >> 32);
    }
    [[nodiscard]] std::size_t home_of(std::uint32_t h) const noexcept { return h >> (32 - m_bits); }
    [[nodiscard]] static std::uint32_t block_hash(const unsigned char* b) noexcept {
        std::uint32_t h;
        std::memcpy(&h, b, 4);
        return h;
    }
    [[nodiscard]] static std::size_t max_size_for(unsigned bits) noexcept {
        const std::size_t capacity = std::size_t{1} << bits;
        return capacity - capacity / 5; // load factor 0.8
    }
    [[nodiscard]] static unsigned bits_for(std::size_t count) noexcept {
        unsigned bits = min_bits;
        while (max_size_for(bits) < count) ++bits;
        return bits;
    }

    // Through operator new, so that a program counting its allocations (used_memory) sees them.
    [[nodiscard]] static unsigned char* allocate(std::size_t bytes) {
        return static_cast<unsigned char*>(::operator new(bytes));
    }
    [[nodiscard]] static unsigned char** allocate_slots(std::size_t n) {
        auto** p = static_cast<unsigned char**>(::operator new(n * sizeof(unsigned char*)));
        std::memset(p, 0, n * sizeof(unsigned char*));
        return p;
    }

    // A block: the 32-bit hash, then the key and (Pairs) the value, each behind a length of
    // 7 bits per byte, low first, the high bit saying another byte follows.
    [[nodiscard]] static std::size_t length_bytes(std::size_t n) noexcept {
        std::size_t k = 1;
        while (n >= 0x80) {
            n >>= 7;
            ++k;
        }
        return k;
    }
    static std::size_t put_string(unsigned char* p, std::string_view s) noexcept {
        std::size_t n = s.size(), k = 0;
        while (n >= 0x80) {
            p[k++] = static_cast<unsigned char>(0x80 | (n & 0x7f));
            n >>= 7;
        }
        p[k++] = static_cast<unsigned char>(n);
        if (!s.empty()) std::memcpy(p + k, s.data(), s.size());
        return k + s.size();
    }
    [[nodiscard]] static std::string_view read_string(const unsigned char* b, std::size_t& at) noexcept {
        std::size_t n = 0;
        for (unsigned shift = 0;; shift += 7) {
            const unsigned char c = b[at++];
            n |= static_cast<std::size_t>(c & 0x7f) << shift;
            if ((c & 0x80) == 0) break;
        }
        const std::string_view s(reinterpret_cast<const char*>(b + at), n);
        at += n;
        return s;
    }
    [[nodiscard]] static std::size_t block_size(const unsigned char* b) noexcept {
        std::size_t at = 4;
        (void)read_string(b, at);
        if constexpr (Pairs) (void)read_string(b, at);
        return at;
    }
    [[nodiscard]] static unsigned char* make_block(std::uint32_t h, std::string_view key, std::string_view value) {
        std::size_t n = 4 + length_bytes(key.size()) + key.size();
        if constexpr (Pairs) n += length_bytes(value.size()) + value.size();
        unsigned char* b = allocate(n);
        std::memcpy(b, &h, 4);
        std::size_t at = 4 + put_string(b + 4, key);
        if constexpr (Pairs) (void)put_string(b + at, value);
        (void)at;
        return b;
    }

    // Puts block `b` (hash `h`) after the elements of its home and earlier homes, shifting the
    // rest of the run one slot on; returns where it went.
    std::size_t place(unsigned char* b, std::uint32_t h) {
        const std::size_t home = home_of(h);
        std::size_t pos = home;
        while (m_slots[pos] != nullptr && home_of(block_hash(m_slots[pos])) <= home) ++pos;
        std::size_t end = pos;
        while (m_slots[end] != nullptr) ++end;
        if (end + 1 == m_slot_count) extend_overflow();
        std::memmove(m_slots + pos + 1, m_slots + pos, (end - pos) * sizeof(unsigned char*));
        m_slots[pos] = b;
        return pos;
    }

    void extend_overflow() {
        const std::size_t capacity = std::size_t{1} << m_bits;
        const std::size_t grown = m_slot_count + (m_slot_count - capacity) + 8;
        unsigned char** slots = allocate_slots(grown);
        std::memcpy(slots, m_slots, m_slot_count * sizeof(unsigned char*));
        ::operator delete(std::exchange(m_slots, slots));
        m_slot_count = grown;
    }

    void rehash(unsigned bits) {
        unsigned char** old = m_slots;
        const std::size_t old_count = m_slot_count;
        const std::size_t count = (std::size_t{1} << bits) + bits * 2 + 8 + 1;
        m_slots = allocate_slots(count);
        m_slot_count = count;
        m_bits = bits;
        m_max_size = max_size_for(bits);
        for (std::size_t i = 0; i < old_count; ++i) {
            if (old[i] != nullptr) (void)place(old[i], block_hash(old[i]));
        }
        ::operator delete(old);
    }

    void release() noexcept {
        if (m_slots != nullptr) {
            for (std::size_t i = 0; i < m_slot_count; ++i) ::operator delete(m_slots[i]);
            ::operator delete(m_slots);
        }
        m_slots = nullptr;
        m_slot_count = 0;
        m_size = 0;
        m_max_size = 0;
        m_bits = 0;
    }
};

} // namespace respkit::store

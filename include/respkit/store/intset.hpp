#pragma once

/// \file
/// respkit::store::intset: a sorted array of distinct integers in one allocation, 2, 4 or 8
/// bytes each, widened for all when a member needs it (Redis's intset, the compact set form).

#include <respkit/detail/packed_pointer.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A sorted set of int64 values stored at the narrowest width (2, 4 or 8 bytes) that holds
/// all of them, in one heap block (none when empty). Lookup by binary search.
class intset {
public:
    /// An empty intset (no allocation).
    intset() noexcept = default;
    /// A copy.
    intset(const intset& other) {
        if (other.m_data == nullptr) return;
        const std::size_t bytes = block_bytes(other.count(), other.width());
        m_data = allocate(bytes);
        std::memcpy(m_data, other.m_data, bytes);
    }
    /// Moves; leaves `other` empty.
    intset(intset&& other) noexcept : m_data(std::exchange(other.m_data, nullptr)) {}
    /// Copy assignment.
    intset& operator=(const intset& other) {
        if (this != &other) {
            intset copy(other);
            std::swap(m_data, copy.m_data);
        }
        return *this;
    }
    /// Move assignment; leaves `other` empty.
    intset& operator=(intset&& other) noexcept {
        std::swap(m_data, other.m_data);
        return *this;
    }
    ~intset() { release(m_data); }

    /// Number of members.
    [[nodiscard]] std::size_t size() const noexcept { return count(); }
    /// True when there are no members.
    [[nodiscard]] bool empty() const noexcept { return count() == 0; }
    /// Bytes per member (2, 4 or 8).
    [[nodiscard]] std::size_t width() const noexcept {
        if (m_data == nullptr) return 2;
        std::uint32_t w;
        std::memcpy(&w, m_data + 4, 4);
        return w;
    }
    /// Bytes of the heap block.
    [[nodiscard]] std::size_t bytes() const noexcept {
        return m_data == nullptr ? 0 : block_bytes(count(), width());
    }

    /// The member at `index` (< size()), in ascending order.
    [[nodiscard]] std::int64_t at(std::size_t index) const noexcept { return read(index, width()); }

    /// True if `number` is a member.
    [[nodiscard]] bool contains(std::int64_t number) const noexcept {
        if (width_for(number) > width()) return false;
        std::size_t pos = 0;
        return search(number, pos);
    }

    /// Adds `number`; false if it was already a member.
    bool insert(std::int64_t number) {
        const std::size_t n = count();
        const std::size_t needed = width_for(number);
        if (needed > width()) {
            // Wider than every member: it goes first (negative) or last, after widening all.
            widen(needed, number < 0);
            write(number < 0 ? 0 : n, number, needed);
            return true;
        }
        std::size_t pos = 0;
        if (search(number, pos)) return false;
        const std::size_t w = width();
        resize(n + 1, w);
        std::memmove(elements() + (pos + 1) * w, elements() + pos * w, (n - pos) * w);
        write(pos, number, w);
        return true;
    }

    /// Removes `number`; false if it was not a member.
    bool erase(std::int64_t number) {
        if (width_for(number) > width()) return false;
        std::size_t pos = 0;
        if (!search(number, pos)) return false;
        const std::size_t n = count();
        const std::size_t w = width();
        std::memmove(elements() + pos * w, elements() + (pos + 1) * w, (n - pos - 1) * w);
        if (n == 1) {
            release(std::exchange(m_data, nullptr));
        } else {
            resize(n - 1, w);
        }
        return true;
    }

    /// Calls `f(std::int64_t)` for every member in ascending order.
    template <class F>
    void for_each(F&& f) const {
        const std::size_t n = count(), w = width();
        for (std::size_t i = 0; i < n; ++i) f(read(i, w));
    }

private:
    // The block: member count (4 bytes), width (4 bytes), then the members in ascending order.
    static constexpr std::size_t header = 8;
    respkit::detail::packed_pointer<unsigned char> m_data; // bytes, so that holders can be stored unaligned

    [[nodiscard]] static std::size_t block_bytes(std::size_t n, std::size_t w) noexcept { return header + n * w; }
    // Through operator new, so that a program counting its allocations (used_memory) sees them.
    [[nodiscard]] static unsigned char* allocate(std::size_t bytes) {
        return static_cast<unsigned char*>(::operator new(bytes));
    }
    static void release(unsigned char* p) noexcept { ::operator delete(p); }
    [[nodiscard]] static std::size_t width_for(std::int64_t v) noexcept {
        if (v >= INT16_MIN && v <= INT16_MAX) return 2;
        if (v >= INT32_MIN && v <= INT32_MAX) return 4;
        return 8;
    }
    [[nodiscard]] std::size_t count() const noexcept {
        if (m_data == nullptr) return 0;
        std::uint32_t n;
        std::memcpy(&n, m_data, 4);
        return n;
    }
    [[nodiscard]] unsigned char* elements() const noexcept { return m_data + header; }

    [[nodiscard]] std::int64_t read(std::size_t i, std::size_t w) const noexcept {
        const unsigned char* p = elements() + i * w;
        if (w == 2) {
            std::int16_t v;
            std::memcpy(&v, p, 2);
            return v;
        }
        if (w == 4) {
            std::int32_t v;
            std::memcpy(&v, p, 4);
            return v;
        }
        std::int64_t v;
        std::memcpy(&v, p, 8);
        return v;
    }
    void write(std::size_t i, std::int64_t v, std::size_t w) noexcept {
        unsigned char* p = elements() + i * w;
        if (w == 2) {
            const auto x = static_cast<std::int16_t>(v);
            std::memcpy(p, &x, 2);
        } else if (w == 4) {
            const auto x = static_cast<std::int32_t>(v);
            std::memcpy(p, &x, 4);
        } else {
            std::memcpy(p, &v, 8);
        }
    }

    // Sets the count and width, reallocating the block to fit (contents kept up to the new size).
    void resize(std::size_t n, std::size_t w) {
        const std::size_t bytes = block_bytes(n, w);
        if (m_data == nullptr || bytes != this->bytes()) {
            unsigned char* p = allocate(bytes);
            if (m_data != nullptr) std::memcpy(p, m_data, std::min(bytes, this->bytes()));
            release(std::exchange(m_data, p));
        }
        const auto n32 = static_cast<std::uint32_t>(n);
        const auto w32 = static_cast<std::uint32_t>(w);
        std::memcpy(m_data, &n32, 4);
        std::memcpy(m_data + 4, &w32, 4);
    }

    // Widens every member to `w` bytes and makes room for one more, first (`at_front`) or last.
    void widen(std::size_t w, bool at_front) {
        const std::size_t n = count(), old = width();
        resize(n + 1, w);
        const std::size_t shift = at_front ? 1 : 0;
        for (std::size_t i = n; i-- > 0;) write(i + shift, read(i, old), w); // back to front: no overlap
    }

    // Binary search: true and the position if found, else false and where it would go.
    [[nodiscard]] bool search(std::int64_t v, std::size_t& pos) const noexcept {
        std::size_t lo = 0, hi = count();
        const std::size_t w = width();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            const std::int64_t m = read(mid, w);
            if (m == v) {
                pos = mid;
                return true;
            }
            if (m < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        pos = lo;
        return false;
    }
};

} // namespace respkit::store

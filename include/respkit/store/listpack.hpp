#pragma once

/// \file
/// respkit::store::listpack: a sequence of byte strings packed in one allocation, each behind
/// a small length prefix (the compact hash form: field, value, field, value, ...).

#include <respkit/detail/packed_pointer.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// Byte strings in order, in one heap block (none when empty): each is a 1 to 5 byte length
/// then its bytes. Positions are byte offsets (begin() to end()); they stay valid until the
/// listpack changes.
class listpack {
public:
    /// The most bytes a listpack holds (as Redis's LISTPACK_MAX_SAFETY_SIZE).
    static constexpr std::size_t max_bytes = std::size_t{1} << 30;

    /// An empty listpack (no allocation).
    listpack() noexcept = default;
    /// A copy.
    listpack(const listpack& other) {
        if (other.m_data == nullptr) return;
        m_data = allocate(other.bytes());
        std::memcpy(m_data, other.m_data, other.bytes());
    }
    /// Moves; leaves `other` empty.
    listpack(listpack&& other) noexcept : m_data(std::exchange(other.m_data, nullptr)) {}
    /// Copy assignment.
    listpack& operator=(const listpack& other) {
        if (this != &other) {
            listpack copy(other);
            std::swap(m_data, copy.m_data);
        }
        return *this;
    }
    /// Move assignment; leaves `other` empty.
    listpack& operator=(listpack&& other) noexcept {
        std::swap(m_data, other.m_data);
        return *this;
    }
    ~listpack() { ::operator delete(m_data); }

    /// Number of strings.
    [[nodiscard]] std::size_t size() const noexcept { return m_data ? load32(m_data + 4) : 0; }
    /// True when empty.
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }
    /// Bytes of the heap block (0 when empty).
    [[nodiscard]] std::size_t bytes() const noexcept { return m_data ? load32(m_data) : 0; }
    /// True if `extra` more bytes of strings may be added (the block stays under max_bytes).
    [[nodiscard]] bool fits(std::size_t extra) const noexcept { return header + bytes() + extra <= max_bytes; }

    /// The position of the first string.
    [[nodiscard]] std::size_t begin() const noexcept { return header; }
    /// The position past the last string.
    [[nodiscard]] std::size_t end() const noexcept { return m_data ? bytes() : header; }

    /// The string at `pos` (begin() <= pos < end()); `next` is set to the following position.
    [[nodiscard]] std::string_view at(std::size_t pos, std::size_t& next) const noexcept {
        std::size_t length = 0;
        const std::size_t start = pos + read_length(pos, length);
        next = start + length;
        return {reinterpret_cast<const char*>(m_data.get()) + start, length};
    }

    /// Appends `s`.
    void push_back(std::string_view s) {
        const std::size_t at_end = end();
        splice(at_end, at_end, s, true);
    }

    /// Replaces the string at `pos` with `s`.
    void replace(std::size_t pos, std::string_view s) {
        std::size_t next = 0;
        (void)at(pos, next);
        splice(pos, next, s, false);
    }

    /// Removes `n` strings starting at `pos`.
    void erase(std::size_t pos, std::size_t n) {
        std::size_t last = pos;
        for (std::size_t i = 0; i < n; ++i) (void)at(last, last);
        const std::size_t total = bytes(), count = size() - n;
        if (count == 0) {
            ::operator delete(std::exchange(m_data, nullptr));
            return;
        }
        std::memmove(m_data + pos, m_data + last, total - last);
        reallocate(total - (last - pos));
        store32(m_data + 4, count);
    }

private:
    // The block: total bytes (4), number of strings (4), then the strings.
    static constexpr std::size_t header = 8;
    respkit::detail::packed_pointer<unsigned char> m_data; // bytes, so that holders can be stored unaligned

    [[nodiscard]] static std::size_t load32(const unsigned char* p) noexcept {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
    }
    static void store32(unsigned char* p, std::size_t v) noexcept {
        const auto v32 = static_cast<std::uint32_t>(v);
        std::memcpy(p, &v32, 4);
    }
    // Through operator new, so that a program counting its allocations (used_memory) sees them.
    [[nodiscard]] static unsigned char* allocate(std::size_t bytes) {
        return static_cast<unsigned char*>(::operator new(bytes));
    }
    // Resizes the block to `total` bytes, keeping what fits; sets the total.
    void reallocate(std::size_t total) {
        unsigned char* p = allocate(total);
        if (m_data != nullptr) std::memcpy(p, m_data, std::min(total, bytes()));
        ::operator delete(std::exchange(m_data, p));
        store32(m_data, total);
    }

    // 7 bits per byte, low first; the high bit says another byte follows.
    [[nodiscard]] static std::size_t length_bytes(std::size_t length) noexcept {
        std::size_t n = 1;
        while (length >= 0x80) {
            length >>= 7;
            ++n;
        }
        return n;
    }
    [[nodiscard]] std::size_t read_length(std::size_t pos, std::size_t& length) const noexcept {
        length = 0;
        std::size_t n = 0;
        for (;;) {
            const unsigned char b = m_data[pos + n];
            length |= static_cast<std::size_t>(b & 0x7f) << (7 * n);
            ++n;
            if ((b & 0x80) == 0) return n;
        }
    }
    static void write_length(unsigned char* p, std::size_t length) noexcept {
        while (length >= 0x80) {
            *p++ = static_cast<unsigned char>(0x80 | (length & 0x7f));
            length >>= 7;
        }
        *p = static_cast<unsigned char>(length);
    }

    // Replaces the bytes [from, to) with the encoding of `s`; `added` when it is a new string.
    void splice(std::size_t from, std::size_t to, std::string_view s, bool added) {
        const std::size_t old_total = m_data ? bytes() : header;
        const std::size_t count = size() + (added ? 1 : 0);
        const std::size_t encoded = length_bytes(s.size()) + s.size();
        const std::size_t total = old_total - (to - from) + encoded;
        if (encoded > to - from) {
            const bool was_empty = m_data == nullptr;
            reallocate(total);
            if (was_empty) store32(m_data + 4, 0);
            std::memmove(m_data + from + encoded, m_data + to, old_total - to);
        } else {
            std::memmove(m_data + from + encoded, m_data + to, old_total - to);
            reallocate(total);
        }
        write_length(m_data + from, s.size());
        if (!s.empty()) std::memcpy(m_data + from + length_bytes(s.size()), s.data(), s.size());
        store32(m_data + 4, count);
    }
};

} // namespace respkit::store

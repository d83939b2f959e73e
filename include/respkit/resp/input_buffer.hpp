#pragma once

/// \file
/// An owning input buffer that accumulates socket reads for the parsers.

#include <respkit/version.hpp>

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Accumulates received bytes and hands the unconsumed ones to a parser. Consuming is O(1)
/// (a read offset moves); the unconsumed tail is moved to the front only when the space
/// before it is at least as large as the tail and room is needed, so every byte is copied
/// O(1) times overall and no work is quadratic. Growth doubles.
///
/// Views from data() are invalidated by prepare() (which may move or reallocate bytes);
/// consume() and commit() leave existing bytes in place.
class input_buffer {
public:
    /// An empty buffer with `initial_capacity` bytes reserved.
    explicit input_buffer(std::size_t initial_capacity = 16 * 1024)
        : m_data(initial_capacity), m_capacity(initial_capacity) {}

    /// The bytes received and not yet consumed.
    [[nodiscard]] std::string_view data() const noexcept {
        return {m_data.get() + m_begin, m_end - m_begin};
    }
    /// Number of unconsumed bytes.
    [[nodiscard]] std::size_t size() const noexcept { return m_end - m_begin; }
    /// True when nothing is left to consume.
    [[nodiscard]] bool empty() const noexcept { return m_end == m_begin; }
    /// Bytes of memory held.
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

    /// Drops `n` bytes (at most size()) from the front.
    void consume(std::size_t n) noexcept {
        m_begin += n < size() ? n : size();
        if (m_begin == m_end) m_begin = m_end = 0; // empty: restart at the front for free
    }

    /// Writable space of at least `n` bytes after the data; fill it, then commit().
    [[nodiscard]] std::span<char> prepare(std::size_t n) {
        if (m_capacity - m_end >= n) return {m_data.get() + m_end, m_capacity - m_end};
        const std::size_t live = size();
        if (m_begin >= live && m_capacity - live >= n) {
            // Compact: the tail is no larger than the space it moves into.
            std::memmove(m_data.get(), m_data.get() + m_begin, live);
        } else {
            std::size_t capacity = m_capacity ? m_capacity : 1024;
            while (capacity - live < n) capacity *= 2;
            auto bigger = heap_bytes(capacity);
            if (live != 0) std::memcpy(bigger.get(), m_data.get() + m_begin, live);
            m_data = std::move(bigger);
            m_capacity = capacity;
        }
        m_begin = 0;
        m_end = live;
        return {m_data.get() + m_end, m_capacity - m_end};
    }
    /// Marks `n` bytes written into the space from prepare() as received.
    void commit(std::size_t n) noexcept { m_end += n; }
    /// Copies `bytes` in (prepare + copy + commit).
    void append(std::string_view bytes) {
        auto space = prepare(bytes.size());
        if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
        commit(bytes.size());
    }
    /// Frees memory beyond `keep` bytes when the buffer holds less than that (after a burst).
    void shrink(std::size_t keep = 16 * 1024) {
        if (m_capacity <= keep || size() > keep) return;
        auto smaller = heap_bytes(keep);
        if (!empty()) std::memcpy(smaller.get(), m_data.get() + m_begin, size());
        m_end = size();
        m_begin = 0;
        m_data = std::move(smaller);
        m_capacity = keep;
    }
    /// Drops the unconsumed bytes after the first `keep` (a payload taken elsewhere).
    void truncate(std::size_t keep) noexcept {
        if (keep < size()) m_end = m_begin + keep;
    }
    /// Drops everything.
    void clear() noexcept { m_begin = m_end = 0; }

private:
    // An owned char array: std::unique_ptr<char[]> without <memory>, costly to include.
    class heap_bytes {
    public:
        explicit heap_bytes(std::size_t n) : m_bytes(n ? new char[n] : nullptr) {}
        heap_bytes(heap_bytes&& other) noexcept : m_bytes(std::exchange(other.m_bytes, nullptr)) {}
        heap_bytes& operator=(heap_bytes&& other) noexcept {
            std::swap(m_bytes, other.m_bytes);
            return *this;
        }
        heap_bytes(const heap_bytes&) = delete;
        heap_bytes& operator=(const heap_bytes&) = delete;
        ~heap_bytes() { delete[] m_bytes; }
        [[nodiscard]] char* get() const noexcept { return m_bytes; }

    private:
        char* m_bytes;
    };

    heap_bytes m_data;
    std::size_t m_capacity = 0;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
};

} // namespace respkit::resp

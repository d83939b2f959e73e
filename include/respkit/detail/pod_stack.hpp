#pragma once

/// \file
/// A growable array of trivially copyable elements on malloc/realloc, for headers whose inline
/// code would otherwise instantiate std::vector's members in every file (docs/headers.md).

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "respkit/version.hpp"

// For growth paths, which the callers' hot paths should not inline (they are rare).
#if !defined(RESPKIT_COLD)
#if defined(__GNUC__)
#define RESPKIT_COLD [[gnu::cold, gnu::noinline]]
#else
#define RESPKIT_COLD
#endif
#endif

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// A stack of trivially copyable elements: a vector's push, pop and resize without its
/// allocator machinery (elements are copied and moved as bytes).
template <class T>
class pod_stack {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    /// Empty, no allocation.
    pod_stack() noexcept = default;
    /// Frees the elements.
    ~pod_stack() { std::free(m_data); }
    /// Copies `other`'s elements.
    pod_stack(const pod_stack& other) { *this = other; }
    /// Replaces the elements with copies of `other`'s.
    pod_stack& operator=(const pod_stack& other) {
        if (this != &other) {
            m_size = 0;
            if (other.m_size > m_capacity) grow(other.m_size);
            if (other.m_size != 0) std::memcpy(static_cast<void*>(m_data), other.m_data, other.m_size * sizeof(T));
            m_size = other.m_size;
        }
        return *this;
    }
    /// Takes `other`'s elements; `other` becomes empty.
    pod_stack(pod_stack&& other) noexcept : m_data(other.m_data), m_size(other.m_size), m_capacity(other.m_capacity) {
        other.m_data = nullptr;
        other.m_size = other.m_capacity = 0;
    }
    /// Frees the elements and takes `other`'s; `other` becomes empty.
    pod_stack& operator=(pod_stack&& other) noexcept {
        if (this != &other) {
            std::free(m_data);
            m_data = other.m_data;
            m_size = other.m_size;
            m_capacity = other.m_capacity;
            other.m_data = nullptr;
            other.m_size = other.m_capacity = 0;
        }
        return *this;
    }

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True without elements.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    /// Elements room is allocated for.
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    /// Element `i` (unchecked).
    [[nodiscard]] T& operator[](std::size_t i) noexcept { return m_data[i]; }
    /// Element `i` (unchecked).
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return m_data[i]; }
    /// The last element (unchecked).
    [[nodiscard]] T& back() noexcept { return m_data[m_size - 1]; }
    /// The last element (unchecked).
    [[nodiscard]] const T& back() const noexcept { return m_data[m_size - 1]; }
    /// The first element.
    [[nodiscard]] const T* begin() const noexcept { return m_data; }
    /// Past the last element.
    [[nodiscard]] const T* end() const noexcept { return m_data + m_size; }

    /// Appends a copy of `v`.
    void push_back(const T& v) {
        if (m_size == m_capacity) grow(m_size + 1);
        std::memcpy(static_cast<void*>(m_data + m_size), &v, sizeof(T));
        ++m_size;
    }
    /// Appends a value-initialized element; returns it.
    T& emplace_back() {
        if (m_size == m_capacity) grow(m_size + 1);
        T* e = ::new (static_cast<void*>(m_data + m_size)) T();
        ++m_size;
        return *e;
    }
    /// Removes the last element (unchecked).
    void pop_back() noexcept { --m_size; }
    /// Shrinks to `n` elements, or grows with value-initialized ones.
    void resize(std::size_t n) {
        if (n <= m_size) {
            m_size = n;
            return;
        }
        append_default(n);
    }
    /// Removes every element, keeping the room.
    void clear() noexcept { m_size = 0; }
    /// Removes every element and frees the room.
    void release() noexcept {
        std::free(m_data);
        m_data = nullptr;
        m_size = m_capacity = 0;
    }

private:
    RESPKIT_COLD void append_default(std::size_t n) {
        if (n > m_capacity) grow(n);
        for (std::size_t i = m_size; i < n; ++i) ::new (static_cast<void*>(m_data + i)) T();
        m_size = n;
    }
    RESPKIT_COLD void grow(std::size_t at_least) {
        std::size_t capacity = m_capacity != 0 ? m_capacity * 2 : 8;
        if (capacity < at_least) capacity = at_least;
        if (capacity > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
        auto* grown = static_cast<T*>(std::realloc(static_cast<void*>(m_data), capacity * sizeof(T)));
        if (grown == nullptr) throw std::bad_alloc();
        m_data = grown;
        m_capacity = capacity;
    }

    T* m_data = nullptr;
    std::size_t m_size = 0;
    std::size_t m_capacity = 0;
};

} // namespace respkit::detail

#pragma once

/// \file
/// respkit::detail::packed_owner: a packed_pointer that owns what it points to (deleted with it,
/// copied deeply), so that a class holding one needs no rule of five of its own.

#include <respkit/detail/packed_pointer.hpp>
#include <respkit/version.hpp>

#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// An owned `T*` (or null) kept in `sizeof(T*)` bytes of alignment 1: copying copies the `T`,
/// moving leaves the source null, destruction deletes it. Converts to `T*`.
template <class T>
class packed_owner {
public:
    /// Null.
    packed_owner() noexcept = default;
    /// A copy of `other`'s `T`, or null.
    packed_owner(const packed_owner& other) : m_ptr(other.m_ptr ? new T(*other.m_ptr) : nullptr) {}
    /// Takes `other`'s `T`; leaves `other` null.
    packed_owner(packed_owner&& other) noexcept : m_ptr(std::exchange(other.m_ptr, nullptr)) {}
    /// Copy assignment (strong guarantee: the copy is made first).
    packed_owner& operator=(const packed_owner& other) {
        if (this != &other) *this = packed_owner(other);
        return *this;
    }
    /// Move assignment: deletes the held `T`, takes `other`'s, leaves `other` null.
    packed_owner& operator=(packed_owner&& other) noexcept {
        if (this != &other) reset(std::exchange(other.m_ptr, nullptr));
        return *this;
    }
    ~packed_owner() { delete m_ptr.get(); }

    /// Deletes the held `T` and owns `p` instead.
    void reset(T* p) noexcept {
        delete m_ptr.get();
        m_ptr = p;
    }
    /// The pointer.
    [[nodiscard]] T* get() const noexcept { return m_ptr.get(); }
    /// The pointer.
    operator T*() const noexcept { return m_ptr.get(); } // NOLINT(google-explicit-constructor)
    /// Member access through the pointer.
    T* operator->() const noexcept { return m_ptr.get(); }

private:
    packed_pointer<T> m_ptr;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail

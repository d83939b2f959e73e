#pragma once

/// \file
/// respkit::detail::packed_pointer: a pointer kept as bytes, so that a class holding only such
/// members has alignment 1 and can live inside store::value's 4-byte-aligned inline storage.

#include <respkit/version.hpp>

#include <cstring>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// A `T*` stored in `sizeof(T*)` bytes of alignment 1; converts to and from `T*`.
template <class T>
class packed_pointer {
public:
    /// A null pointer.
    packed_pointer() noexcept = default;
    /// Holds `p`.
    packed_pointer(T* p) noexcept { set(p); } // NOLINT(google-explicit-constructor): a pointer
    /// Holds `p`.
    packed_pointer& operator=(T* p) noexcept {
        set(p);
        return *this;
    }

    /// The pointer.
    [[nodiscard]] T* get() const noexcept {
        T* p = nullptr;
        std::memcpy(&p, m_bytes, sizeof p);
        return p;
    }
    /// The pointer.
    operator T*() const noexcept { return get(); } // NOLINT(google-explicit-constructor)
    /// Member access through the pointer.
    T* operator->() const noexcept { return get(); }

private:
    unsigned char m_bytes[sizeof(T*)] = {};

    void set(T* p) noexcept { std::memcpy(m_bytes, &p, sizeof p); }
};

} // namespace respkit::detail

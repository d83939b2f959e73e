#pragma once

/// \file
/// The owner of a class's state kept behind a pointer (docs/headers.md, rule 9): the state's
/// type may be incomplete where the class is defined; the class's constructors and destructor,
/// defined where it is complete, create and destroy it. Unlike a raw pointer, the state is freed
/// when a constructor throws after creating it.

#include <utility>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Owns one `T` (or nothing, once moved from).
template <class T>
class state_ptr {
public:
    /// Owns `p`.
    explicit state_ptr(T* p) noexcept : m_p(p) {}
    state_ptr(const state_ptr&) = delete;
    state_ptr& operator=(const state_ptr&) = delete;
    /// Takes `other`'s state; `other` owns nothing.
    state_ptr(state_ptr&& other) noexcept : m_p(std::exchange(other.m_p, nullptr)) {}
    /// Frees the state owned and takes `other`'s.
    state_ptr& operator=(state_ptr&& other) noexcept {
        if (this != &other) {
            delete m_p;
            m_p = std::exchange(other.m_p, nullptr);
        }
        return *this;
    }
    ~state_ptr() { delete m_p; }

    /// The state (a const owner still gives a mutable state, as a pointer member does).
    [[nodiscard]] T* operator->() const noexcept { return m_p; }
    /// The state.
    [[nodiscard]] T& operator*() const noexcept { return *m_p; }

private:
    T* m_p;
};

} // namespace respkit::detail

#pragma once

/// \file
/// respkit::allocated_bytes: what the program holds from operator new, counted by replacement
/// allocation functions that a program installs by expanding RESPKIT_COUNT_ALLOCATIONS() in one
/// of its source files (respkit-server does). INFO's used_memory and maxmemory read it; without
/// it they fall back to glibc's mallinfo2, which costs a walk of the heap per call.

#include <respkit/version.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace respkit::inline RESPKIT_ABI_NAMESPACE {

namespace detail {
/// Bytes held from the counting operator new (usable sizes, as malloc_usable_size reports).
inline std::atomic<std::int64_t> allocated_bytes{0};
/// True once RESPKIT_COUNT_ALLOCATIONS() is part of the program.
inline std::atomic<bool> allocations_counted{false};
} // namespace detail

/// Bytes the program holds from operator new, or nullopt when the counter is not installed.
[[nodiscard]] inline std::optional<std::uint64_t> allocated_bytes() noexcept {
    if (!detail::allocations_counted.load(std::memory_order_relaxed)) return std::nullopt;
    const std::int64_t n = detail::allocated_bytes.load(std::memory_order_relaxed);
    return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

} // namespace respkit

#if defined(__GLIBC__)
// The replaceable allocation functions ([new.delete]): every form counts the usable size of what
// malloc gave (what it really holds, as Redis's zmalloc counts with jemalloc) and forwards to
// malloc / aligned_alloc / free. Expand once, at namespace scope, in one source file.
#define RESPKIT_COUNT_ALLOCATIONS()                                                                                   \
    namespace respkit::detail {                                                                                       \
    inline void* counted_malloc(std::size_t n) noexcept {                                                             \
        void* p = ::malloc(n == 0 ? 1 : n);                                                                           \
        if (p != nullptr)                                                                                             \
            allocated_bytes.fetch_add(static_cast<std::int64_t>(::malloc_usable_size(p)), std::memory_order_relaxed); \
        return p;                                                                                                     \
    }                                                                                                                 \
    inline void* counted_aligned(std::size_t n, std::size_t align) noexcept {                                         \
        if (align < sizeof(void*)) align = sizeof(void*);                                                             \
        void* p = nullptr;                                                                                            \
        if (::posix_memalign(&p, align, n == 0 ? 1 : n) != 0) return nullptr;                                         \
        allocated_bytes.fetch_add(static_cast<std::int64_t>(::malloc_usable_size(p)), std::memory_order_relaxed);     \
        return p;                                                                                                     \
    }                                                                                                                 \
    inline void counted_free(void* p) noexcept {                                                                      \
        if (p == nullptr) return;                                                                                     \
        allocated_bytes.fetch_sub(static_cast<std::int64_t>(::malloc_usable_size(p)), std::memory_order_relaxed);     \
        ::free(p);                                                                                                    \
    }                                                                                                                 \
    inline void* counted_or_throw(void* p) {                                                                          \
        if (p == nullptr) throw std::bad_alloc();                                                                     \
        return p;                                                                                                     \
    }                                                                                                                 \
    [[maybe_unused]] const bool allocation_counter_installed =                                                        \
        (allocations_counted.store(true, std::memory_order_relaxed), true);                                           \
    }                                                                                                                 \
    void* operator new(std::size_t n) { return respkit::detail::counted_or_throw(respkit::detail::counted_malloc(n)); } \
    void* operator new[](std::size_t n) { return respkit::detail::counted_or_throw(respkit::detail::counted_malloc(n)); } \
    void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return respkit::detail::counted_malloc(n); } \
    void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return respkit::detail::counted_malloc(n); } \
    void* operator new(std::size_t n, std::align_val_t a) {                                                           \
        return respkit::detail::counted_or_throw(respkit::detail::counted_aligned(n, static_cast<std::size_t>(a)));   \
    }                                                                                                                 \
    void* operator new[](std::size_t n, std::align_val_t a) {                                                         \
        return respkit::detail::counted_or_throw(respkit::detail::counted_aligned(n, static_cast<std::size_t>(a)));   \
    }                                                                                                                 \
    void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {                           \
        return respkit::detail::counted_aligned(n, static_cast<std::size_t>(a));                                      \
    }                                                                                                                 \
    void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {                         \
        return respkit::detail::counted_aligned(n, static_cast<std::size_t>(a));                                      \
    }                                                                                                                 \
    void operator delete(void* p) noexcept { respkit::detail::counted_free(p); }                                      \
    void operator delete[](void* p) noexcept { respkit::detail::counted_free(p); }                                    \
    void operator delete(void* p, std::size_t) noexcept { respkit::detail::counted_free(p); }                         \
    void operator delete[](void* p, std::size_t) noexcept { respkit::detail::counted_free(p); }                       \
    void operator delete(void* p, const std::nothrow_t&) noexcept { respkit::detail::counted_free(p); }               \
    void operator delete[](void* p, const std::nothrow_t&) noexcept { respkit::detail::counted_free(p); }             \
    void operator delete(void* p, std::align_val_t) noexcept { respkit::detail::counted_free(p); }                    \
    void operator delete[](void* p, std::align_val_t) noexcept { respkit::detail::counted_free(p); }                  \
    void operator delete(void* p, std::size_t, std::align_val_t) noexcept { respkit::detail::counted_free(p); }       \
    void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { respkit::detail::counted_free(p); }     \
    void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { respkit::detail::counted_free(p); } \
    void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { respkit::detail::counted_free(p); }
#else
// Not glibc: no malloc_usable_size to count with; used_memory falls back to the RSS.
#define RESPKIT_COUNT_ALLOCATIONS()
#endif

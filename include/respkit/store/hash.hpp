#pragma once

/// \file
/// A seeded 64-bit hash of byte strings, fast on short keys, used by the store's maps.

#include <respkit/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

namespace detail {

inline std::uint64_t load_u64(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline std::uint64_t load_u32(const char* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// The high 64 bits of the 128-bit product a * b.
inline std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>(a) * b) >> 64);
#else
    const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
#endif
}

/// Multiplies to 128 bits and folds the halves together: the mixing step of the hash.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
    return (a * b) ^ mul_high(a, b);
}

/// One step of splitmix64: a well-mixed sequence from a counter (also a PRNG).
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

} // namespace detail

/// Hashes `bytes` with `seed` to 64 well-mixed bits (all bits, high ones included, are
/// usable as a table index). Not cryptographic: the seed is what keeps keys chosen by a
/// client from colliding on purpose, so keep it secret and random.
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) noexcept {
    constexpr std::uint64_t k1 = 0xa0761d6478bd642fu;
    constexpr std::uint64_t k2 = 0xe7037ed1a0b428dbu;
    constexpr std::uint64_t k3 = 0x8ebc6af09c88c6e3u;
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    std::uint64_t state = seed ^ k3;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n <= 16) {
        if (n >= 8) {
            a = detail::load_u64(p);
            b = detail::load_u64(p + n - 8);
        } else if (n >= 4) {
            a = detail::load_u32(p);
            b = detail::load_u32(p + n - 4);
        } else if (n > 0) {
            a = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
                (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
                std::uint64_t{static_cast<unsigned char>(p[n - 1])};
        }
    } else {
        // 16 bytes per step; the last (possibly overlapping) 16 bytes feed the finish.
        while (n > 16) {
            state =
                detail::fold_multiply(detail::load_u64(p) ^ k1, detail::load_u64(p + 8) ^ state);
            p += 16;
            n -= 16;
        }
        a = detail::load_u64(p + n - 16);
        b = detail::load_u64(p + n - 8);
    }
    const std::uint64_t h =
        detail::fold_multiply(a ^ k1 ^ static_cast<std::uint64_t>(bytes.size()), b ^ state);
    return detail::fold_multiply(h ^ k2, state ^ k1);
}

/// A seed that differs between processes (address-space layout and start time), used
/// when a map is built without an explicit seed.
[[nodiscard]] inline std::uint64_t process_seed() noexcept {
    static const std::uint64_t seed = [] {
        static int anchor = 0;
        std::uint64_t s = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&anchor));
        s ^=
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        s ^= static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count())
             << 1;
        return detail::splitmix64(s);
    }();
    return seed;
}

/// Hash function object for byte-string keys (transparent: hashes anything convertible
/// to std::string_view, so lookups by view do not allocate).
struct byte_hash {
    using is_transparent = void;
    std::uint64_t seed = process_seed(); ///< the hash seed

    /// Hash of `key`.
    [[nodiscard]] std::size_t operator()(std::string_view key) const noexcept {
        return static_cast<std::size_t>(hash_bytes(key, seed));
    }
};

} // namespace respkit::store

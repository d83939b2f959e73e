// Shared by the fuzz targets: an aborting check (libFuzzer reports it), a seed hash, a small
// PRNG for split points, and the ways a target delivers its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

/// Aborts with the failed condition and its place, so that libFuzzer records the input.
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);        \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace fuzz_support {

/// FNV-1a of the input: a seed for the split points that is the same on every replay.
inline std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) {
    std::uint64_t h = 1469598103934665603ULL;
    for (std::size_t i = 0; i < size; ++i) {
        h ^= data[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/// splitmix64: the next pseudo-random number from `state`.
inline std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// How a target delivers its input: all at once, one byte more per call, or random chunks.
enum class split_mode : std::uint8_t { whole, bytewise, random_chunks };

} // namespace fuzz_support

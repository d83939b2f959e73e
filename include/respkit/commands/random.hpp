#pragma once

/// \file
/// The random source of the commands that pick members at random (SPOP, SRANDMEMBER,
/// ZRANDMEMBER).

#include <respkit/version.hpp>

#include <random>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// A per-process random source for SPOP, SRANDMEMBER and ZRANDMEMBER.
inline std::mt19937_64& random_source() {
    static std::mt19937_64 source{std::random_device{}()};
    return source;
}

} // namespace respkit::commands

#pragma once

/// \file
/// respkit::store::encoding_limits: the thresholds under which a container keeps its compact
/// form (Redis 7.0's hash-max-listpack-entries, hash-max-listpack-value, set-max-intset-entries).

#include <respkit/version.hpp>

#include <cstddef>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// When hashes and sets leave their compact forms; the defaults are Redis 7.0's.
struct encoding_limits {
    std::size_t hash_max_listpack_entries = 512; ///< a listpack hash with more fields becomes a hashtable
    std::size_t hash_max_listpack_value = 64;    ///< ... as does one given a longer field or value (bytes)
    std::size_t set_max_intset_entries = 512;    ///< an intset with more members becomes a hashtable
};

} // namespace respkit::store

#pragma once

/// \file
/// respkit::store::encoding_options: the thresholds of the compact in-memory forms, Redis's
/// *-max-listpack-* / *-max-intset-* parameters as the keyspace applies them.

#include <respkit/version.hpp>

#include <cstdint>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// The compact forms' thresholds a keyspace gives the values it creates.
struct encoding_options {
    /// list-max-listpack-size: a list node's limit, -1..-5 for 4..64 KB, positive for a count.
    std::int32_t list_max_listpack_size = -2;
    /// stream-node-max-entries: entries (live and deleted) a stream node takes; 0: no limit.
    std::int64_t stream_node_max_entries = 100;
};

} // namespace respkit::store

#pragma once

/// \file
/// Configurable bounds on what the parsers accept, checked before any allocation.

#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Bounds the parsers enforce. Every count and length read from the wire is checked against
/// these before it is acted on; none ever sizes an allocation by itself.
struct limits {
    /// Longest bulk string, bulk error, verbatim string or streamed chunk (Redis's
    /// proto-max-bulk-len, 512 MB by default).
    std::uint64_t max_bulk_length = 512ULL * 1024 * 1024;
    /// Most elements in one aggregate (pairs count twice in maps).
    std::uint64_t max_aggregate_size = (1ULL << 32) - 1;
    /// Deepest nesting of aggregates; a top-level array is depth 1. Real traffic needs at least
    /// 12 (redis-cli's COMMAND DOCS reply).
    std::uint32_t max_depth = 256;
    /// Longest line (simple string, error, number, header) in the generic parser.
    std::uint64_t max_line_length = 1024 * 1024;
    /// Longest inline command line, and longest header line a request may buffer without its
    /// CR (Redis's PROTO_INLINE_MAX_SIZE, 64 KB).
    std::uint64_t max_inline_length = 64 * 1024;
};

} // namespace respkit::resp

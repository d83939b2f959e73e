#pragma once

/// \file
/// respkit::store::stream_id: a stream entry's ID (milliseconds and sequence number).

#include <respkit/version.hpp>

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A stream entry ID: milliseconds and sequence number, ordered as Redis's streamCompareID.
struct stream_id {
    std::uint64_t ms = 0;  ///< the milliseconds part
    std::uint64_t seq = 0; ///< the sequence part

    /// The largest ID, UINT64_MAX-UINT64_MAX.
    [[nodiscard]] static constexpr stream_id max() noexcept {
        return {std::numeric_limits<std::uint64_t>::max(), std::numeric_limits<std::uint64_t>::max()};
    }
    /// The next ID, or nullopt-like `false` when this is max(); `out` receives it.
    [[nodiscard]] constexpr bool next(stream_id& out) const noexcept {
        out = *this;
        if (seq != std::numeric_limits<std::uint64_t>::max()) {
            ++out.seq;
            return true;
        }
        if (ms == std::numeric_limits<std::uint64_t>::max()) return false;
        ++out.ms;
        out.seq = 0;
        return true;
    }
    /// The previous ID; `false` when this is 0-0.
    [[nodiscard]] constexpr bool previous(stream_id& out) const noexcept {
        out = *this;
        if (seq != 0) {
            --out.seq;
            return true;
        }
        if (ms == 0) return false;
        --out.ms;
        out.seq = std::numeric_limits<std::uint64_t>::max();
        return true;
    }
    /// "ms-seq".
    [[nodiscard]] std::string to_string() const { return std::to_string(ms) + '-' + std::to_string(seq); }

    friend constexpr auto operator<=>(const stream_id&, const stream_id&) noexcept = default;
    friend constexpr bool operator==(const stream_id&, const stream_id&) noexcept = default;
};

} // namespace respkit::store

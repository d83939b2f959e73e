#pragma once

/// \file
/// What INFO commandstats and latencystats report per command: calls, time, rejected and failed
/// calls, and a latency histogram with the buckets of Redis's HdrHistogram (2 significant
/// figures from 1 ns to 1 s), so that its percentiles print as Redis's do.

#include <bit>
#include <cstdint>
#include <map>
#include <vector>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Durations in nanoseconds counted in HdrHistogram's buckets (lowest 1, highest 10^9, 2
/// significant figures: 256 sub-buckets). Only the buckets used are stored.
class latency_histogram {
public:
    /// The largest value recorded as itself (one second); larger ones count as it.
    static constexpr std::int64_t max_value = 1'000'000'000;

    /// The highest value HdrHistogram counts in the same bucket as `v` (what its percentiles
    /// report).
    [[nodiscard]] static constexpr std::int64_t highest_equivalent(std::int64_t v) noexcept {
        const auto u = static_cast<std::uint64_t>(v);
        const int bucket = std::bit_width(u | 255u) - 8; // sub-bucket half count 128: magnitude 7, plus 1
        const std::uint64_t sub = u >> bucket;
        const int range_shift = sub >= 256 ? bucket + 1 : bucket;
        const std::uint64_t lowest = sub << bucket;
        return static_cast<std::int64_t>(lowest + (std::uint64_t{1} << range_shift) - 1);
    }

    /// Counts one duration (clamped to [1, max_value]).
    void record(std::int64_t nanoseconds) {
        if (nanoseconds < 1) nanoseconds = 1;
        if (nanoseconds > max_value) nanoseconds = max_value;
        ++m_counts[highest_equivalent(nanoseconds)];
        ++m_total;
    }
    /// The number of durations counted.
    [[nodiscard]] std::uint64_t total() const noexcept { return m_total; }
    /// True when nothing was counted.
    [[nodiscard]] bool empty() const noexcept { return m_total == 0; }
    /// The value at `percentile` (0 to 100) as hdr_value_at_percentile: the highest value of
    /// the first bucket where the running count reaches the percentile's share.
    [[nodiscard]] std::int64_t value_at_percentile(double percentile) const noexcept {
        if (percentile > 100.0) percentile = 100.0;
        auto wanted = static_cast<std::int64_t>((percentile / 100.0) * static_cast<double>(m_total) + 0.5);
        if (wanted < 1) wanted = 1;
        std::uint64_t running = 0;
        for (const auto& [value, count] : m_counts) {
            running += count;
            if (static_cast<std::int64_t>(running) >= wanted) return value;
        }
        return 0;
    }
    /// The buckets used: highest equivalent value to count, ascending.
    [[nodiscard]] const std::map<std::int64_t, std::uint64_t>& buckets() const noexcept { return m_counts; }
    /// Forgets every duration.
    void clear() noexcept {
        m_counts.clear();
        m_total = 0;
    }

private:
    std::map<std::int64_t, std::uint64_t> m_counts;
    std::uint64_t m_total = 0;
};

/// One command's counters (Redis's redisCommand statistics), zeroed by CONFIG RESETSTAT.
struct command_stats {
    std::uint64_t calls = 0;          ///< times it ran (a blocked command once, not per retry)
    std::uint64_t microseconds = 0;   ///< time spent running it
    std::uint64_t rejected_calls = 0; ///< refused before running (arity, NOAUTH, NOPERM, OOM ...)
    std::uint64_t failed_calls = 0;   ///< ran and replied an error
    latency_histogram latency;        ///< durations, when latency-tracking is on
    /// Zeroes every counter.
    void reset() noexcept {
        calls = microseconds = rejected_calls = failed_calls = 0;
        latency.clear();
    }
};

/// latency-tracking and latency-tracking-info-percentiles, as the command path applies them.
struct latency_tracking_settings {
    bool enabled = true;                           ///< durations go to the commands' histograms
    std::vector<double> percentiles{50.0, 99.0, 99.9}; ///< what INFO latencystats prints
};

} // namespace respkit::server

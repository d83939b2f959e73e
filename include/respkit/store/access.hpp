#pragma once

/// \file
/// respkit::store access tracking: the per-key field that eviction ranks keys by, either an LRU
/// clock (the second a key was last used, 24 bits, as Redis's object lru field) or an LFU
/// counter (16 bits of minutes when it last decayed, 8 bits of logarithmic frequency).

#include <respkit/version.hpp>

#include <cstdint>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// What the per-key access field holds.
enum class access_mode : std::uint8_t {
    lru, ///< the access clock (seconds, 24 bits) of the last access
    lfu, ///< minutes of the last decay (16 bits) << 8 | logarithmic counter (8 bits)
};

/// Tuning of access tracking (lfu-log-factor, lfu-decay-time).
struct access_options {
    access_mode mode = access_mode::lru; ///< LFU under an LFU maxmemory policy, else LRU
    int lfu_log_factor = 10;             ///< how slowly the LFU counter grows (0: every access)
    int lfu_decay_time = 1;              ///< minutes per decrement of an idle key's counter (0: never)
};

namespace access {

inline constexpr std::uint32_t lru_clock_max = (1u << 24) - 1; ///< the LRU clock wraps after this
inline constexpr std::int64_t lru_resolution_ms = 1000;        ///< one LRU clock tick
inline constexpr std::uint8_t lfu_initial = 5;                 ///< a new key's LFU counter (Redis's LFU_INIT_VAL)

/// The LRU clock at Unix time `unix_ms`.
[[nodiscard]] constexpr std::uint32_t lru_clock_at(std::int64_t unix_ms) noexcept {
    return static_cast<std::uint32_t>(unix_ms / lru_resolution_ms) & lru_clock_max;
}

/// Milliseconds since the access stamped `stamp`, at LRU clock `now` (the clock wraps once).
[[nodiscard]] constexpr std::uint64_t lru_idle_ms(std::uint32_t now, std::uint32_t stamp) noexcept {
    const std::uint64_t ticks = now >= stamp ? now - stamp : now + (lru_clock_max - stamp);
    return ticks * static_cast<std::uint64_t>(lru_resolution_ms);
}

/// The LRU stamp of a key idle `idle_seconds` at clock `now` (RESTORE IDLETIME).
[[nodiscard]] constexpr std::uint32_t lru_stamp_idle(std::uint32_t now, std::int64_t idle_seconds) noexcept {
    std::int64_t stamp = static_cast<std::int64_t>(now) - idle_seconds * 1000 / lru_resolution_ms;
    if (stamp < 0) stamp += lru_clock_max;
    if (stamp < 0) stamp = 0; // idle longer than the clock's period: as idle as can be said
    return static_cast<std::uint32_t>(stamp);
}

/// LFU's minute clock at Unix time `unix_ms` (16 bits).
[[nodiscard]] constexpr std::uint32_t lfu_minutes_at(std::int64_t unix_ms) noexcept {
    return static_cast<std::uint32_t>(unix_ms / 1000 / 60) & 65535u;
}

/// An LFU field: decay time `minutes`, counter `counter`.
[[nodiscard]] constexpr std::uint32_t lfu_field(std::uint32_t minutes, std::uint8_t counter) noexcept {
    return (minutes << 8) | counter;
}

/// The counter of LFU field `field` after the decay due at minute `now` (not stored).
[[nodiscard]] constexpr std::uint8_t lfu_decayed(std::uint32_t field, std::uint32_t now, int decay_time) noexcept {
    const std::uint32_t last = field >> 8;
    const std::uint32_t counter = field & 255u;
    if (decay_time <= 0) return static_cast<std::uint8_t>(counter);
    const std::uint32_t elapsed = now >= last ? now - last : 65535u - last + now;
    const std::uint32_t periods = elapsed / static_cast<std::uint32_t>(decay_time);
    return static_cast<std::uint8_t>(periods >= counter ? 0 : counter - periods);
}

/// `counter` after one access, given `random` uniform in [0, 1): incremented with
/// probability 1 / ((counter - lfu_initial) * log_factor + 1), saturating at 255.
[[nodiscard]] constexpr std::uint8_t lfu_incremented(std::uint8_t counter, double random, int log_factor) noexcept {
    if (counter == 255) return 255;
    const double base = counter > lfu_initial ? static_cast<double>(counter - lfu_initial) : 0.0;
    const double p = 1.0 / (base * static_cast<double>(log_factor) + 1.0);
    return random < p ? static_cast<std::uint8_t>(counter + 1) : counter;
}

} // namespace access
} // namespace respkit::store

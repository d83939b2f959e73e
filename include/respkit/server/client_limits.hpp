#pragma once

/// \file
/// Per-class limits on what a client may hold in the server: Redis's client-output-buffer-limit
/// (normal, replica and pubsub classes, each a hard limit and a soft limit with seconds) and
/// maxmemory-clients (client eviction).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "respkit/detail/chrono.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The classes client-output-buffer-limit distinguishes, in Redis's order.
enum class client_class : std::uint8_t {
    normal,  ///< every client not below
    replica, ///< a replica (Redis's "slave"; respkit has none yet)
    pubsub,  ///< a client subscribed to at least one channel or pattern
};

/// One class's output buffer limit: closed at once above `hard` bytes, or when above `soft`
/// bytes for more than `soft_seconds` (0 bytes: no such limit).
struct output_buffer_limit {
    std::uint64_t hard = 0;              ///< bytes (0: none)
    std::uint64_t soft = 0;              ///< bytes (0: none)
    std::chrono::seconds soft_seconds{0}; ///< how long the soft limit may be passed
};

/// The limits every session of a server applies to itself, set from the configuration.
struct client_limits {
    /// By client_class; Redis's defaults.
    std::array<output_buffer_limit, 3> output{{{0, 0, std::chrono::seconds(0)},
                                               {256ULL << 20, 64ULL << 20, std::chrono::seconds(60)},
                                               {32ULL << 20, 8ULL << 20, std::chrono::seconds(60)}}};
    /// maxmemory-clients in bytes: the memory every client together may hold before the
    /// biggest are evicted (0: no client eviction).
    std::uint64_t max_memory_clients = 0;
    /// Set once "Over client maxmemory after evicting all evictable clients" was logged, until
    /// the clients are under the limit again.
    bool over_reported = false;

    /// The limit of `c`.
    [[nodiscard]] const output_buffer_limit& of(client_class c) const noexcept {
        return output[static_cast<std::size_t>(c)];
    }
};

/// Reads client-output-buffer-limit's value as CONFIG GET shows it ("normal 0 0 0 slave
/// 268435456 67108864 60 pubsub 33554432 8388608 60": class, hard bytes, soft bytes, seconds)
/// into `limits`; classes not named keep their limits. False, changing nothing, when it does not
/// read (the configuration table validated it before).
[[nodiscard]] inline bool parse_output_buffer_limits(std::string_view text, client_limits& limits) {
    client_limits out = limits;
    std::string_view words[4];
    std::size_t n = 0;
    while (!text.empty()) {
        const std::size_t start = text.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        text.remove_prefix(start);
        const std::size_t end = text.find(' ');
        words[n++] = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end);
        if (n < 4) continue;
        n = 0;
        std::size_t cls = 0;
        if (words[0] == "normal") cls = 0;
        else if (words[0] == "slave" || words[0] == "replica") cls = 1;
        else if (words[0] == "pubsub") cls = 2;
        else return false;
        std::int64_t hard = 0, soft = 0, seconds = 0;
        if (!respkit::detail::parse_int64(words[1], hard) || !respkit::detail::parse_int64(words[2], soft) ||
            !respkit::detail::parse_int64(words[3], seconds) || hard < 0 || soft < 0 || seconds < 0) {
            return false;
        }
        out.output[cls] = {static_cast<std::uint64_t>(hard), static_cast<std::uint64_t>(soft), std::chrono::seconds(seconds)};
    }
    if (n != 0) return false;
    limits = out;
    return true;
}

} // namespace respkit::server

#pragma once

/// \file
/// The classes of keyspace notifications (notify-keyspace-events' letters) as bit flags, and
/// how Redis reads them.

#include <cstdint>
#include <optional>
#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The classes of notify-keyspace-events, with Redis's bit values; an event has one class, the
/// configuration a set of them.
enum class keyspace_event_class : std::uint16_t {
    none = 0,
    keyspace = 1u << 0,  ///< K: publish on __keyspace@<db>__:<key>
    keyevent = 1u << 1,  ///< E: publish on __keyevent@<db>__:<event>
    generic = 1u << 2,   ///< g: DEL, EXPIRE, RENAME, ... (type-independent commands)
    string = 1u << 3,    ///< $: string commands
    list = 1u << 4,      ///< l: list commands
    set = 1u << 5,       ///< s: set commands
    hash = 1u << 6,      ///< h: hash commands
    zset = 1u << 7,      ///< z: sorted set commands
    expired = 1u << 8,   ///< x: a key removed because its TTL passed
    evicted = 1u << 9,   ///< e: a key removed to free memory
    stream = 1u << 10,   ///< t: stream commands
    key_miss = 1u << 11, ///< m: a read of a missing key (not part of A)
    module = 1u << 13,   ///< d: events of user commands that declare themselves module events
    new_key = 1u << 14,  ///< n: a key created (not part of A)
    all = (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 9) |
          (1u << 10) | (1u << 13), ///< A: every class but m and n
};

/// The union of two sets of classes.
constexpr keyspace_event_class operator|(keyspace_event_class a, keyspace_event_class b) noexcept {
    return static_cast<keyspace_event_class>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
/// The classes in both sets.
constexpr keyspace_event_class operator&(keyspace_event_class a, keyspace_event_class b) noexcept {
    return static_cast<keyspace_event_class>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}

/// The classes named by `text` (notify-keyspace-events' letters, as Redis reads them), or
/// nothing when a character is not one of "Ag$lshzxeKEtmdn".
[[nodiscard]] constexpr std::optional<keyspace_event_class> parse_keyspace_event_classes(std::string_view text) noexcept {
    using enum keyspace_event_class;
    keyspace_event_class flags = none;
    for (const char c : text) {
        switch (c) {
        case 'A': flags = flags | all; break;
        case 'g': flags = flags | generic; break;
        case '$': flags = flags | string; break;
        case 'l': flags = flags | list; break;
        case 's': flags = flags | set; break;
        case 'h': flags = flags | hash; break;
        case 'z': flags = flags | zset; break;
        case 'x': flags = flags | expired; break;
        case 'e': flags = flags | evicted; break;
        case 'K': flags = flags | keyspace; break;
        case 'E': flags = flags | keyevent; break;
        case 't': flags = flags | stream; break;
        case 'm': flags = flags | key_miss; break;
        case 'd': flags = flags | module; break;
        case 'n': flags = flags | new_key; break;
        default: return std::nullopt;
        }
    }
    return flags;
}

/// True when an event of class `type` is published under `flags`: the class is enabled and so
/// is at least one of K and E.
[[nodiscard]] constexpr bool keyspace_event_enabled(keyspace_event_class flags, keyspace_event_class type) noexcept {
    using enum keyspace_event_class;
    return (flags & type) != none && (flags & (keyspace | keyevent)) != none;
}

} // namespace respkit::server

#pragma once

/// \file
/// Where a command comes from: every command runs through the same path, and the checks and the
/// command itself may act on its origin.

#include <respkit/version.hpp>

#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Where a command comes from.
enum class command_origin : std::uint8_t {
    client,      ///< sent by a connected client (every check applies)
    transaction, ///< queued after MULTI and run by EXEC (checked when it was queued)
    blocked,     ///< a blocked command run again because a key it waits on changed
    loading,     ///< replayed from a file while loading (no check, not propagated)
    script,      ///< called by a script (redis.call), after the script's own checks
};

/// A short name of an origin, for logs ("client", "transaction", "blocked", "loading", "script").
[[nodiscard]] constexpr std::string_view origin_name(command_origin origin) noexcept {
    switch (origin) {
    case command_origin::client: return "client";
    case command_origin::transaction: return "transaction";
    case command_origin::blocked: return "blocked";
    case command_origin::loading: return "loading";
    case command_origin::script: return "script";
    }
    return "client";
}

} // namespace respkit::server

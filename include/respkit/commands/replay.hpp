#pragma once

/// \file
/// How commands whose effect depends on when or how they ran propagate (to the append-only
/// file, to replicas) as commands that replay it exactly, as Redis 7.0 rewrites them: relative
/// expiry as absolute, an expiry already past as DEL, random or blocking pops as what they took.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/server/call.hpp"
#include "respkit/server/server_context_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Propagates this command as `SET key value PXAT at` (SET, SETEX, PSETEX with an expiry).
inline void replay_as_set_pxat(server::command_call& call, std::string_view key, std::string_view value,
                               std::int64_t at_ms) {
    if (!call.propagating()) return;
    call.propagate_as({"SET", std::string(key), std::string(value), "PXAT", std::to_string(at_ms)});
}

/// Propagates this command as `DEL key` (an expiry set in the past deleted it; GETDEL).
inline void replay_as_del(server::command_call& call, std::string_view key) {
    if (!call.propagating()) return;
    call.propagate_as({"DEL", std::string(key)});
}

/// Propagates this command as `PEXPIREAT key at` followed by `options` (EXPIRE's NX/XX/GT/LT).
inline void replay_as_pexpireat(server::command_call& call, std::string_view key, std::int64_t at_ms,
                                std::span<const std::string_view> options = {}) {
    if (!call.propagating()) return;
    std::vector<std::string> args{"PEXPIREAT", std::string(key), std::to_string(at_ms)};
    for (const std::string_view option : options) args.emplace_back(option);
    call.propagate_as(std::move(args));
}

/// Propagates this command as `args` (a pop as the non-blocking pop that took the same elements).
inline void replay_as(server::command_call& call, std::vector<std::string> args) {
    if (!call.propagating()) return;
    call.propagate_as(std::move(args));
}

} // namespace respkit::commands

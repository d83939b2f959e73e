#pragma once

/// \file
/// ROLE and WAIT for a server with no replicas (respkit has no replication yet): ROLE says
/// master at offset 0 with no replica, WAIT counts no acknowledgement, at once when none is
/// asked for, otherwise after its timeout, as Redis 7.0 does when no replica is connected.

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/specs/replication.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Registers ROLE and WAIT.
inline void install_replication_commands(server::dispatcher& commands) {
    auto specs = replication_command_specs();
    commands.add(std::move(specs.role), [](server::command_call& call) {
        auto& out = call.reply();
        out.array(3);
        out.bulk_string("master");
        out.integer(0); // master_repl_offset: nothing was ever sent to a replica
        out.array(0);
    });
    commands.add(std::move(specs.wait), [](server::command_call& call) {
        std::int64_t replicas = 0;
        if (!respkit::detail::parse_int64(call.arg(1), replicas)) {
            call.error(server::errors::not_integer);
            return;
        }
        std::int64_t timeout = 0;
        if (!respkit::detail::parse_int64(call.arg(2), timeout)) {
            call.error("ERR timeout is not an integer or out of range");
            return;
        }
        if (timeout < 0) {
            call.error("ERR timeout is negative");
            return;
        }
        // No replica acknowledges: enough only when none is asked for (or inside MULTI).
        if (replicas <= 0 || call.origin() == server::command_origin::transaction) {
            call.reply().integer(0);
            return;
        }
        // Blocked on no key: only the timeout (0: never) ends it, replying 0 acknowledgements.
        // Past about 317 centuries the deadline would overflow the clock: never reached anyway.
        if (timeout >= 1'000'000'000'000'000) timeout = 0;
        call.client().block(std::span<const std::string_view>(), std::chrono::milliseconds(timeout),
                            server::session::timeout_reply::zero, call.args());
    });
}

} // namespace respkit::commands

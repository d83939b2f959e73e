#pragma once

/// \file
/// The replication commands of a primary with no replication support (respkit has none yet):
/// ROLE says master at offset 0 with no replica, WAIT counts no acknowledgement (at once when
/// none is asked for, otherwise after its timeout), REPLICAOF / SLAVEOF NO ONE is the no-op it
/// is on a Redis primary, FAILOVER answers as Redis 7.0 with no replica connected, REPLCONF as
/// to a client that is not a replica; what would start replication (REPLICAOF host port, SYNC,
/// PSYNC) is refused with an error naming the missing feature (docs/commands.md).

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/specs/replication.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// The refusal of what needs replication, which respkit does not implement.
inline constexpr std::string_view no_replication =
    "ERR replication is not implemented: respkit-server is always a master without replicas";

/// REPLICAOF / SLAVEOF: NO ONE is a no-op on a master; a master address is checked as Redis
/// checks it, then refused.
inline void replicaof_command(server::command_call& call, const server::config_table& config) {
    if (config.get_bool("cluster-enabled")) return call.error("ERR REPLICAOF not allowed in cluster mode.");
    if (iequals(call.arg(1), "no") && iequals(call.arg(2), "one")) return call.ok();
    std::int64_t port = 0;
    if (!respkit::detail::parse_int64(call.arg(2), port) || port < 0 || port > 65535) {
        return call.error("ERR Invalid master port");
    }
    call.error(no_replication);
}

/// REPLCONF as Redis answers a client that is not a replica: the options only recorded for a
/// later SYNC are accepted (and, since SYNC is refused, have no effect), ACK and GETACK are
/// ignored without a reply.
inline void replconf_command(server::command_call& call) {
    if (call.argc() % 2 == 0) return call.error(server::errors::syntax);
    for (std::size_t j = 1; j < call.argc(); j += 2) {
        const std::string_view option = call.arg(j);
        if (iequals(option, "listening-port")) {
            if (!integer_arg(call, j + 1)) return;
        } else if (iequals(option, "ip-address")) {
            if (call.arg(j + 1).size() >= 256) { // Redis's NET_HOST_STR_LEN
                return call.error("ERR REPLCONF ip-address provided by replica instance is too long: " +
                                  std::to_string(call.arg(j + 1).size()) + " bytes");
            }
        } else if (iequals(option, "capa")) {
            // Capabilities: recorded by Redis for a replica's SYNC; nothing to record here.
        } else if (iequals(option, "ack") || iequals(option, "getack")) {
            // From a client that is not a replica (or with no master): no reply at all, as Redis;
            // inside EXEC an +OK keeps the transaction's reply well formed (Redis's is not).
            if (call.origin() == server::command_origin::transaction) call.ok();
            return;
        } else if (iequals(option, "rdb-only")) {
            const auto v = integer_arg(call, j + 1);
            if (!v) return;
            if (*v < 0 || *v > 1) return call.error("ERR value is out of range, value must between 0 and 1");
        } else if (iequals(option, "rdb-filter-only")) {
            return call.error(no_replication);
        } else {
            return call.error("ERR Unrecognized REPLCONF option: " + std::string(option));
        }
    }
    call.ok();
}

/// SYNC / PSYNC: refused, the connection kept, as Redis keeps it after its own SYNC errors.
inline void sync_command(server::command_call& call) {
    if (call.argc() > 3 && iequals(call.arg(0), "psync") && iequals(call.arg(3), "failover")) {
        return call.error("ERR PSYNC FAILOVER can't be sent to a master.");
    }
    if (iequals(call.arg(0), "psync") && !integer_arg(call, 2)) return;
    call.error(no_replication);
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] with no replica connected.
inline void failover_command(server::command_call& call, const server::config_table& config) {
    if (config.get_bool("cluster-enabled")) {
        return call.error("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
    }
    if (call.argc() == 2 && iequals(call.arg(1), "abort")) return call.error("ERR No failover in progress.");
    bool timeout = false, to = false, force = false;
    for (std::size_t j = 1; j < call.argc(); ++j) {
        if (iequals(call.arg(j), "timeout") && j + 1 < call.argc() && !timeout) {
            const auto ms = integer_arg(call, j + 1);
            if (!ms) return;
            if (*ms <= 0) return call.error("ERR FAILOVER timeout must be greater than 0");
            timeout = true;
            ++j;
        } else if (iequals(call.arg(j), "to") && j + 2 < call.argc() && !to) {
            if (!integer_arg(call, j + 2)) return;
            to = true;
            j += 2;
        } else if (iequals(call.arg(j), "force") && !force) {
            force = true;
        } else {
            return call.error(server::errors::syntax);
        }
    }
    call.error("ERR FAILOVER requires connected replicas.");
}

} // namespace detail

/// Registers ROLE, WAIT, REPLICAOF, SLAVEOF, SYNC, PSYNC, REPLCONF and FAILOVER; `config`
/// (cluster-enabled) must outlive `commands`.
inline void install_replication_commands(server::dispatcher& commands, const server::config_table& config) {
    auto specs = replication_command_specs();
    const auto replicaof = [&config](server::command_call& call) { detail::replicaof_command(call, config); };
    commands.add(std::move(specs.replicaof), replicaof);
    commands.add(std::move(specs.slaveof), replicaof);
    commands.add(std::move(specs.sync), detail::sync_command);
    commands.add(std::move(specs.psync), detail::sync_command);
    commands.add(std::move(specs.replconf), detail::replconf_command);
    commands.add(std::move(specs.failover),
                 [&config](server::command_call& call) { detail::failover_command(call, config); });
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

#pragma once

/// \file
/// DUMP and RESTORE with Redis 7.0's payload (the value as an RDB holds it, the RDB version, a
/// CRC64): a DUMP taken from redis-server restores here and the other way round.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/specs/persistence.hpp"
#include "respkit/persist/snapshot.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].
template <class Keyspace>
void restore_command(server::command_call& call, Keyspace& ks) {
    bool replace = false, absttl = false;
    std::optional<std::int64_t> idle;
    std::optional<std::uint8_t> freq;
    for (std::size_t j = 4; j < call.argc(); ++j) {
        const bool has_value = j + 1 < call.argc();
        if (iequals(call.arg(j), "replace")) {
            replace = true;
        } else if (iequals(call.arg(j), "absttl")) {
            absttl = true;
        } else if (iequals(call.arg(j), "idletime") && has_value && !freq) {
            const auto v = integer_arg(call, ++j);
            if (!v) return;
            if (*v < 0) return call.error("ERR Invalid IDLETIME value, must be >= 0");
            idle = *v;
        } else if (iequals(call.arg(j), "freq") && has_value && !idle) {
            const auto v = integer_arg(call, ++j);
            if (!v) return;
            if (*v < 0 || *v > 255) return call.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
            freq = static_cast<std::uint8_t>(*v);
        } else {
            return call.error(server::errors::syntax);
        }
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    if (!replace && ks.find_for_write(db, key) != nullptr) {
        return call.error("BUSYKEY Target key name already exists.");
    }
    const auto ttl = integer_arg(call, 2);
    if (!ttl) return;
    if (*ttl < 0) return call.error("ERR Invalid TTL value, must be >= 0");
    store::value value;
    if (const std::string error = persist::restore_value(call.arg(3), value, ks.zset_limits_used(), ks.encoding(),
                                                         ks.encoding_limits_used());
        !error.empty())
        return call.error(error);

    const bool deleted = replace && ks.erase(db, key);
    std::int64_t at = *ttl;
    if (at != 0 && !absttl) at += ks.clock().now_ms();
    if (at != 0 && at <= ks.clock().now_ms()) {
        // Already expired: nothing is created (a replaced key is gone, and propagates as DEL).
        if (deleted) {
            call.propagate_as({"DEL", std::string(key)});
            call.notify(server::keyspace_event_class::generic, "del", key);
        }
        return call.ok();
    }
    ks.set(db, key, std::move(value));
    if (at != 0) {
        ks.set_expiry(db, key, at);
        ks.set_access(db, key, idle, freq); // after set_expiry, which touches the key
        // Replays with the absolute time, as Redis rewrites it.
        if (!absttl && call.propagating()) {
            std::vector<std::string> args(call.args().begin(), call.args().end());
            args[2] = std::to_string(at);
            args.emplace_back("ABSTTL");
            call.propagate_as(std::move(args));
        }
    } else {
        ks.set_access(db, key, idle, freq);
    }
    call.notify(server::keyspace_event_class::generic, "restore", key);
    call.ok();
}

} // namespace detail

/// Installs DUMP, RESTORE and RESTORE-ASKING over `keyspace`.
template <class Keyspace>
void install_dump_restore_commands(server::dispatcher& commands, Keyspace& keyspace) {
    persistence_specs specs = persistence_command_specs();
    commands.add(std::move(specs.dump), [&keyspace](server::command_call& call) {
        const store::value* v = keyspace.find(call.client().db(), call.arg(1));
        if (v == nullptr) return call.reply().null();
        call.reply().bulk_string(persist::dump_value(*v));
    });
    commands.add(std::move(specs.restore),
                 [&keyspace](server::command_call& call) { detail::restore_command(call, keyspace); });
    // RESTORE-ASKING is RESTORE; its `asking` flag lets cluster mode's slot check treat it as
    // sent after ASKING (a key of a slot being imported).
    commands.add(std::move(specs.restore_asking),
                 [&keyspace](server::command_call& call) { detail::restore_command(call, keyspace); });
}

} // namespace respkit::commands

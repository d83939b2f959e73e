#pragma once

/// \file
/// The expiry commands (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT; TTL, PTTL,
/// EXPIRETIME, PEXPIRETIME; PERSIST) over a store::keyspace, with Redis 7.0's replies.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/expire.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace expire_detail {

using server::command_call;

/// EXPIRE's conditions.
struct expire_conditions {
    bool nx = false, xx = false, gt = false, lt = false;
};

/// Parses NX/XX/GT/LT from argument 3 on, replying Redis's error when they conflict.
[[nodiscard]] inline bool parse_conditions(command_call& call, expire_conditions& c) {
    for (std::size_t j = 3; j < call.argc(); ++j) {
        const std::string_view opt = call.arg(j);
        if (option_is(opt, "NX")) {
            c.nx = true;
        } else if (option_is(opt, "XX")) {
            c.xx = true;
        } else if (option_is(opt, "GT")) {
            c.gt = true;
        } else if (option_is(opt, "LT")) {
            c.lt = true;
        } else {
            std::string message = "ERR Unsupported option ";
            message += c_string(opt);
            call.error(message);
            return false;
        }
    }
    if (c.nx && (c.xx || c.gt || c.lt)) {
        call.error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if (c.gt && c.lt) {
        call.error("ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/// EXPIRE (`seconds`, relative), PEXPIRE, EXPIREAT (`absolute`), PEXPIREAT.
template <class Keyspace>
void expire_command(command_call& call, Keyspace& ks, bool seconds, bool absolute) {
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
    expire_conditions conditions;
    if (!parse_conditions(call, conditions)) return;
    const auto given = integer_arg(call, 2);
    if (!given) return;
    std::int64_t when = *given;
    if (seconds) {
        if (when > max / 1000 || when < min / 1000) {
            reply_invalid_expire_time(call);
            return;
        }
        when *= 1000;
    }
    const std::int64_t now = ks.clock().now_ms();
    const std::int64_t base = absolute ? 0 : now;
    if (when > max - base) {
        reply_invalid_expire_time(call);
        return;
    }
    when += base;
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    if (ks.find_for_write(db, key) == nullptr) {
        call.reply().integer(0);
        return;
    }
    if (conditions.nx || conditions.xx || conditions.gt || conditions.lt) {
        const std::optional<std::int64_t> current = ks.expiry(db, key).at_ms;
        // No TTL counts as an infinite one: GT always fails, LT always passes.
        if ((conditions.nx && current) || (conditions.xx && !current) ||
            (conditions.gt && (!current || when <= *current)) || (conditions.lt && current && when >= *current)) {
            call.reply().integer(0);
            return;
        }
    }
    if (when <= now) { // a time already past deletes the key, as Redis
        ks.erase(db, key);
        call.notify(server::keyspace_event_class::generic, "del", key);
        replay_as_del(call, key);
        call.reply().integer(1);
    } else {
        ks.set_expiry(db, key, when);
        replay_as_pexpireat(call, key, when, call.args().subspan(3));
        call.reply().integer(1);
        call.notify(server::keyspace_event_class::generic, "expire", key); // after the reply, as Redis
    }
}

/// TTL (`ms` false), PTTL, EXPIRETIME (`absolute`), PEXPIRETIME: -2 without the key, -1
/// without a TTL.
template <class Keyspace>
void ttl_command(command_call& call, Keyspace& ks, bool ms, bool absolute) {
    const store::key_expiry e = ks.expiry(call.client().db(), call.arg(1));
    if (!e.exists) {
        call.reply().integer(-2);
        return;
    }
    if (!e.at_ms) {
        call.reply().integer(-1);
        return;
    }
    std::int64_t t = absolute ? *e.at_ms : *e.at_ms - ks.clock().now_ms();
    if (t < 0) t = 0;
    // Seconds are rounded to the nearest (without overflow for times near INT64_MAX).
    if (!ms) t = static_cast<std::int64_t>((static_cast<std::uint64_t>(t) + 500) / 1000);
    call.reply().integer(t);
}

} // namespace expire_detail

/// Registers EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME and
/// PERSIST on `commands`, running against `keyspace`.
template <class Keyspace>
void install_expire_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace expire_detail;
    Keyspace* ks = &keyspace;
    auto specs = expire_command_specs();

    commands.add(std::move(specs.expire),
                 [ks](command_call& call) { expire_command(call, *ks, true, false); });
    commands.add(std::move(specs.pexpire),
                 [ks](command_call& call) { expire_command(call, *ks, false, false); });
    commands.add(std::move(specs.expireat),
                 [ks](command_call& call) { expire_command(call, *ks, true, true); });
    commands.add(
        std::move(specs.pexpireat),
        [ks](command_call& call) { expire_command(call, *ks, false, true); });
    commands
        .add(std::move(specs.ttl),
             [ks](command_call& call) { ttl_command(call, *ks, false, false); })
        .spec.tips = {"nondeterministic_output"};
    commands
        .add(std::move(specs.pttl),
             [ks](command_call& call) { ttl_command(call, *ks, true, false); })
        .spec.tips = {"nondeterministic_output"};
    commands.add(
        std::move(specs.expiretime),
        [ks](command_call& call) { ttl_command(call, *ks, false, true); });
    commands.add(
        std::move(specs.pexpiretime),
        [ks](command_call& call) { ttl_command(call, *ks, true, true); });
    commands.add(std::move(specs.persist),
                 [ks](command_call& call) {
                     const bool persisted = ks->persist(call.client().db(), call.arg(1));
                     if (persisted) call.notify(server::keyspace_event_class::generic, "persist", call.arg(1));
                     call.reply().integer(persisted ? 1 : 0);
                 });
}

} // namespace respkit::commands

#pragma once

/// \file
/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2
/// username password] [KEYS key ...], as Redis 7.0: the keys' DUMP payloads sent to the target
/// as RESTORE (RESTORE-ASKING in cluster mode) with their TTLs, after AUTH and SELECT, in one
/// pipeline; the keys the target restored are deleted here unless COPY, and propagate as DEL.
/// Each call opens its own connection (Redis caches one per target for 10 s); the whole
/// exchange, connecting included, ends by the timeout (docs/persistence.md).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/migrate_target.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/specs/migrate.hpp"
#include "respkit/persist/snapshot.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// The longest MIGRATE timeout honoured, in ms (about 11.5 days): a larger one waits as long.
inline constexpr std::int64_t max_migrate_timeout_ms = 1'000'000'000;

/// The command MIGRATE restores each key with on the target: RESTORE-ASKING when this server
/// runs in cluster mode (the target may be importing the key's slot), RESTORE otherwise.
[[nodiscard]] inline std::string_view migrate_restore_command(bool cluster_enabled) noexcept {
    return cluster_enabled ? "RESTORE-ASKING" : "RESTORE";
}

/// One key to send: its name, its DUMP payload and its remaining TTL in ms (0: none).
struct migrating_key {
    std::string_view name;
    std::string payload;
    std::int64_t ttl_ms = 0;
};

/// How one attempt of the exchange ended.
enum class migrate_attempt { replied, retry, connect_failed, write_failed, read_failed };

/// MIGRATE's handler over `ks`; cluster-enabled in `config` chooses RESTORE-ASKING.
template <class Keyspace>
void migrate_command(server::command_call& call, Keyspace& ks, const server::config_table& config) {
    bool copy = false, replace = false;
    std::string_view username, password;
    bool with_password = false, with_username = false;
    std::size_t first_key = 3, num_keys = 1;
    for (std::size_t j = 6; j < call.argc(); ++j) {
        const std::size_t more = call.argc() - 1 - j;
        if (iequals(call.arg(j), "copy")) {
            copy = true;
        } else if (iequals(call.arg(j), "replace")) {
            replace = true;
        } else if (iequals(call.arg(j), "auth")) {
            if (more == 0) return call.error(server::errors::syntax);
            password = call.arg(++j);
            with_password = true;
        } else if (iequals(call.arg(j), "auth2")) {
            if (more < 2) return call.error(server::errors::syntax);
            username = call.arg(++j);
            password = call.arg(++j);
            with_password = with_username = true;
        } else if (iequals(call.arg(j), "keys")) {
            if (!call.arg(3).empty()) {
                return call.error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
                                  "string");
            }
            first_key = j + 1;
            num_keys = call.argc() - j - 1;
            break;
        } else {
            return call.error(server::errors::syntax);
        }
    }
    const auto timeout_arg = integer_arg(call, 5);
    if (!timeout_arg) return;
    const auto dbid = integer_arg(call, 4);
    if (!dbid) return;
    const std::int64_t timeout = *timeout_arg <= 0 ? 1000 : std::min(*timeout_arg, max_migrate_timeout_ms);

    // The keys present (a missing or expired one is left out); none: +NOKEY, not an error.
    const std::size_t db = call.client().db();
    std::vector<migrating_key> keys;
    const std::int64_t now = ks.clock().now_ms();
    for (std::size_t j = 0; j < num_keys; ++j) {
        const std::string_view name = call.arg(first_key + j);
        const store::value* v = ks.find(db, name);
        if (v == nullptr) continue;
        std::int64_t ttl = 0;
        if (const auto* e = ks.map(db).find(name); e != nullptr) {
            if (const auto at = ks.expiry_of_entry(db, *e)) ttl = std::max<std::int64_t>(*at - now, 1);
        }
        keys.push_back({name, persist::dump_value(*v), ttl});
    }
    if (keys.empty()) return call.reply().simple_string("NOKEY");

    // The pipeline: AUTH, SELECT (a new connection has no database selected yet), the RESTOREs.
    std::string out;
    if (with_username) {
        resp::write_command(out, "AUTH", username, password);
    } else if (with_password) {
        resp::write_command(out, "AUTH", password);
    }
    resp::write_command(out, "SELECT", *dbid);
    const std::string_view restore = migrate_restore_command(config.get_bool("cluster-enabled"));
    for (const migrating_key& k : keys) {
        if (replace) {
            resp::write_command(out, restore, k.name, k.ttl_ms, k.payload, "REPLACE");
        } else {
            resp::write_command(out, restore, k.name, k.ttl_ms, k.payload);
        }
    }

    migrate_target target{std::chrono::milliseconds(timeout)};
    std::vector<std::string> deleted{"DEL"};
    bool error_from_target = false;
    const auto attempt = [&](bool may_retry) {
        if (!target.connect(call.arg(1), call.arg(2))) return migrate_attempt::connect_failed;
        if (!target.write_all(out)) return may_retry && !target.timed_out() ? migrate_attempt::retry
                                                                            : migrate_attempt::write_failed;
        std::string auth_line, select_line, line;
        if ((with_password && !target.read_line(auth_line)) || !target.read_line(select_line)) {
            return may_retry && !target.timed_out() ? migrate_attempt::retry : migrate_attempt::read_failed;
        }
        std::size_t j = 0;
        bool socket_error = false;
        for (; j < keys.size(); ++j) {
            if (!target.read_line(line)) {
                socket_error = true;
                break;
            }
            const std::string* failed = with_password && auth_line.starts_with('-') ? &auth_line
                                        : select_line.starts_with('-')              ? &select_line
                                        : line.starts_with('-')                     ? &line
                                                                                    : nullptr;
            if (failed != nullptr) {
                if (!error_from_target) {
                    error_from_target = true;
                    call.error("ERR Target instance replied with error: " + failed->substr(1));
                }
            } else if (!copy) {
                // Restored there: removed here, as Redis's dbDelete with its "del" event.
                if (ks.erase(db, keys[j].name)) {
                    call.notify(server::keyspace_event_class::generic, "del", keys[j].name);
                    deleted.emplace_back(keys[j].name);
                }
            }
        }
        // Nothing processed yet: the connection may have been refused mid-way; once more.
        if (!error_from_target && socket_error && j == 0 && may_retry && !target.timed_out()) {
            return migrate_attempt::retry;
        }
        return !error_from_target && socket_error ? migrate_attempt::read_failed : migrate_attempt::replied;
    };
    migrate_attempt result = attempt(true);
    if (result == migrate_attempt::retry) {
        target.close(); // a new connection, as Redis's retry, within the same deadline
        result = attempt(false);
    }
    if (deleted.size() > 1) call.propagate_as(std::move(deleted));
    switch (result) {
    case migrate_attempt::replied:
        if (!error_from_target) call.ok();
        return;
    case migrate_attempt::connect_failed: return call.error("IOERR error or timeout connecting to the client");
    case migrate_attempt::write_failed: return call.error("IOERR error or timeout writing to target instance");
    default: return call.error("IOERR error or timeout reading to target instance");
    }
}

} // namespace detail

/// Installs MIGRATE over `keyspace`; `config` (cluster-enabled) must outlive `commands`.
template <class Keyspace>
void install_migrate_command(server::dispatcher& commands, Keyspace& keyspace, const server::config_table& config) {
    commands.add(migrate_command_spec(), [&keyspace, &config](server::command_call& call) {
        detail::migrate_command(call, keyspace, config);
    });
}

} // namespace respkit::commands

#pragma once

/// \file
/// Client-side caching commands with Redis 7.0's replies and errors: CLIENT TRACKING (ON/OFF,
/// REDIRECT, PREFIX, BCAST, OPTIN, OPTOUT, NOLOOP), CLIENT CACHING and CLIENT TRACKINGINFO, and
/// the attachment of the keyspace's observer (commands/key_events.hpp's key_event_relay) that
/// turns key changes into invalidations (server/tracking.hpp holds the table and sends them).
/// docs/tracking.md explains the design.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/specs/tracking.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

inline void client_tracking_command(server::command_call& call, const std::function<void(server::server_context&)>& observe) {
    server::tracking_table& table = call.server().tracking();
    const std::uint64_t id = call.client().id();
    std::int64_t redirect = 0;
    server::client_tracking options;
    std::vector<std::string_view> prefixes;
    // Options are read in order, as Redis reads them: a bad REDIRECT before a syntax error wins.
    for (std::size_t j = 3; j < call.argc(); ++j) {
        const bool more = j + 1 < call.argc();
        const std::string_view opt = call.arg(j);
        if (iequals(opt, "redirect") && more) {
            ++j;
            if (redirect != 0) {
                call.error("ERR A client can only redirect to a single other client");
                return;
            }
            if (!respkit::detail::parse_int64(call.arg(j), redirect)) {
                call.error(server::errors::not_integer);
                return;
            }
            if (table.find(static_cast<std::uint64_t>(redirect)) == nullptr) {
                call.error("ERR The client ID you want redirect to does not exist");
                return;
            }
        } else if (iequals(opt, "bcast")) {
            options.bcast = true;
        } else if (iequals(opt, "optin")) {
            options.optin = true;
        } else if (iequals(opt, "optout")) {
            options.optout = true;
        } else if (iequals(opt, "noloop")) {
            options.noloop = true;
        } else if (iequals(opt, "prefix") && more) {
            prefixes.push_back(call.arg(++j));
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    if (iequals(call.arg(2), "on")) {
        const server::client_tracking& now = table.state(id);
        if (!options.bcast && !prefixes.empty()) {
            call.error("ERR PREFIX option requires BCAST mode to be enabled");
            return;
        }
        if (now.on && now.bcast != options.bcast) {
            call.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
                       "re-enabling it with a different mode.");
            return;
        }
        if (options.bcast && (options.optin || options.optout)) {
            call.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
            return;
        }
        if (options.optin && options.optout) {
            call.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
            return;
        }
        if ((options.optin && now.optout) || (options.optout && now.optin)) {
            call.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
                       "re-enabling it with a different mode.");
            return;
        }
        if (options.bcast) {
            if (const std::string collision = table.prefix_collision(id, prefixes); !collision.empty()) {
                call.error(collision);
                return;
            }
        }
        observe(call.server());
        table.enable(id, static_cast<std::uint64_t>(redirect), options, prefixes);
    } else if (iequals(call.arg(2), "off")) {
        table.disable(id);
    } else {
        call.error(server::errors::syntax);
        return;
    }
    call.ok();
}

inline void client_caching_command(server::command_call& call) {
    server::client_tracking& t = call.server().tracking().state(call.client().id());
    if (!t.on) {
        call.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT "
                   "mode enabled");
    } else if (iequals(call.arg(2), "yes")) {
        if (!t.optin) {
            call.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
        t.caching = true;
        call.ok();
    } else if (iequals(call.arg(2), "no")) {
        if (!t.optout) {
            call.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
        t.caching = true;
        call.ok();
    } else {
        call.error(server::errors::syntax);
    }
}

inline void client_trackinginfo_command(server::command_call& call) {
    const server::client_tracking& t = call.server().tracking().state(call.client().id());
    std::vector<std::string_view> flags{t.on ? "on" : "off"};
    if (t.bcast) flags.emplace_back("bcast");
    if (t.optin) {
        flags.emplace_back("optin");
        if (t.caching) flags.emplace_back("caching-yes");
    }
    if (t.optout) {
        flags.emplace_back("optout");
        if (t.caching) flags.emplace_back("caching-no");
    }
    if (t.noloop) flags.emplace_back("noloop");
    if (t.broken_redirect) flags.emplace_back("broken_redirect");
    auto& out = call.reply();
    out.map(3);
    out.bulk_string("flags");
    out.set(flags.size()); // Redis sets its deferred length as a set
    for (const std::string_view f : flags) out.bulk_string(f);
    out.bulk_string("redirect");
    out.integer(t.on ? static_cast<std::int64_t>(t.redirect) : -1);
    out.bulk_string("prefixes");
    out.array(t.prefixes.size());
    for (const std::string& p : t.prefixes) out.bulk_string(p);
}

} // namespace detail

/// Registers CLIENT TRACKING, CLIENT CACHING and CLIENT TRACKINGINFO in `commands` (CLIENT
/// itself comes from install_connection_commands); changes to `keyspace` (which must outlive
/// the dispatcher) invalidate what tracking clients read.
template <class Keyspace>
void install_tracking_commands(server::dispatcher& commands, Keyspace& keyspace) {
    auto specs = tracking_command_specs();
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    std::function<void(server::server_context&)> observe = [relay](server::server_context& server) {
        relay->attach(server);
    };
    commands.add_subcommand("client", std::move(specs.client_tracking),
                            [observe](server::command_call& call) { detail::client_tracking_command(call, observe); });
    commands.add_subcommand("client", std::move(specs.client_caching), detail::client_caching_command);
    commands.add_subcommand("client", std::move(specs.client_trackinginfo), detail::client_trackinginfo_command);
}

} // namespace respkit::commands

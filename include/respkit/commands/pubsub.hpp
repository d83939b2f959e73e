#pragma once

/// \file
/// Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB CHANNELS /
/// NUMSUB / NUMPAT (SHARDCHANNELS / SHARDNUMSUB answer for the shard channels respkit does not
/// have: none). Confirmations and messages are arrays in RESP2 and push frames in RESP3; in
/// RESP2 a subscribed client may only run (P)(UN)SUBSCRIBE, PING, QUIT and RESET (the session
/// enforces it). Callbacks publish with server::publish (respkit/server/pubsub.hpp).

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/specs/pubsub.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/server/session.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

// One (un)subscribe confirmation: [kind, name or null, subscription count].
inline void subscription_reply(server::command_call& call, std::string_view kind, const std::string_view* name) {
    auto& out = call.reply();
    out.push(3);
    out.bulk_string(kind);
    if (name != nullptr) {
        out.bulk_string(*name);
    } else {
        out.null();
    }
    out.integer(static_cast<std::int64_t>(call.client().subscription_count()));
}

// SUBSCRIBE / PSUBSCRIBE: each name given, confirmed in turn.
inline void subscribe_command(server::command_call& call, bool patterns) {
    const std::string_view kind = patterns ? "psubscribe" : "subscribe";
    for (std::size_t i = 1; i < call.argc(); ++i) {
        const std::string_view name = call.arg(i);
        if (patterns) {
            call.client().psubscribe(name);
        } else {
            call.client().subscribe(name);
        }
        subscription_reply(call, kind, &name);
    }
}

// UNSUBSCRIBE / PUNSUBSCRIBE: the names given, or every subscription of that kind.
inline void unsubscribe_command(server::command_call& call, bool patterns) {
    server::session& client = call.client();
    const std::string_view kind = patterns ? "punsubscribe" : "unsubscribe";
    auto drop = [&](std::string_view name) {
        if (patterns) {
            client.punsubscribe(name);
        } else {
            client.unsubscribe(name);
        }
        subscription_reply(call, kind, &name);
    };
    if (call.argc() > 1) {
        for (std::size_t i = 1; i < call.argc(); ++i) drop(call.arg(i));
        return;
    }
    const std::vector<std::string> all = client.subscriptions(patterns);
    if (all.empty()) {
        subscription_reply(call, kind, nullptr);
        return;
    }
    for (const std::string& name : all) drop(name);
}

} // namespace detail

/// Installs the pub/sub commands.
inline void install_pubsub_commands(server::dispatcher& commands) {
    auto specs = pubsub_command_specs();

    commands.add(std::move(specs.subscribe),
                 [](server::command_call& call) { detail::subscribe_command(call, false); });
    commands.add(std::move(specs.psubscribe),
                 [](server::command_call& call) { detail::subscribe_command(call, true); });
    commands.add(std::move(specs.unsubscribe),
                 [](server::command_call& call) { detail::unsubscribe_command(call, false); });
    commands.add(std::move(specs.punsubscribe),
                 [](server::command_call& call) { detail::unsubscribe_command(call, true); });
    commands.add(std::move(specs.publish),
                 [](server::command_call& call) {
                     call.reply().integer(
                         static_cast<std::int64_t>(server::publish(call.server(), call.arg(1), call.arg(2))));
                 });

    commands.add(std::move(specs.pubsub),
                 {});
    // CHANNELS / SHARDCHANNELS [pattern]: the active channels matching the pattern (all without one).
    auto channels = [](server::command_call& call, bool shard) {
        if (call.argc() > 3) {
            call.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(call.arg(1)) +
                       "'. Try PUBSUB HELP.");
            return;
        }
        std::vector<std::string_view> found;
        if (!shard) {
            for (const auto& [name, subscribers] : call.server().pubsub().channels()) {
                if (call.argc() == 2 || glob_match(call.arg(2), name)) found.push_back(name);
            }
        }
        call.reply().array(found.size());
        for (const std::string_view name : found) call.reply().bulk_string(name);
    };
    // NUMSUB / SHARDNUMSUB channel...: [channel, subscribers, ...].
    auto numsub = [](server::command_call& call, bool shard) {
        call.reply().array(2 * (call.argc() - 2));
        for (std::size_t i = 2; i < call.argc(); ++i) {
            call.reply().bulk_string(call.arg(i));
            const auto* subscribers = shard ? nullptr : call.server().pubsub().channel(call.arg(i));
            call.reply().integer(subscribers ? static_cast<std::int64_t>(subscribers->size()) : 0);
        }
    };
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_channels),
                            [channels](server::command_call& call) { channels(call, false); });
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_shardchannels),
                            [channels](server::command_call& call) { channels(call, true); });
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_numsub),
                            [numsub](server::command_call& call) { numsub(call, false); });
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_shardnumsub),
                            [numsub](server::command_call& call) { numsub(call, true); });
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_numpat),
                            [](server::command_call& call) {
                                call.reply().integer(static_cast<std::int64_t>(call.server().pubsub().patterns().size()));
                            });
    commands.add_subcommand("pubsub",
                            std::move(specs.pubsub_help),
                            [](server::command_call& call) {
                                detail::help_reply(
                                    call, "pubsub",
                                    {"CHANNELS [<pattern>]",
                                     "    Return the currently active channels matching a <pattern> (default: '*').",
                                     "NUMPAT", "    Return number of subscriptions to patterns.",
                                     "NUMSUB [<channel> ...]",
                                     "    Return the number of subscribers for the specified channels, excluding",
                                     "    pattern subscriptions(default: no channels).",
                                     "SHARDCHANNELS [<pattern>]",
                                     "    Return the currently active shard level channels matching a <pattern> "
                                     "(default: '*').",
                                     "SHARDNUMSUB [<shardchannel> ...]",
                                     "    Return the number of subscribers for the specified shard level channel(s)"});
                            });
}

} // namespace respkit::commands

#pragma once

/// \file
/// Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, the sharded SSUBSCRIBE,
/// SUNSUBSCRIBE and SPUBLISH (shard channels: a namespace of their own, never matched by
/// patterns), and PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB. Confirmations and messages are arrays in RESP2 and push frames in RESP3; in
/// RESP2 a subscribed client may only run (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET (the session
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
#include "respkit/server/session_impl.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

// What a (un)subscribe command works on: channels, patterns or shard channels.
enum class subscription_kind { channel, pattern, shard };

// One (un)subscribe confirmation: [kind, name or null, subscription count of that family
// (channels and patterns together, or shard channels)].
inline void subscription_reply(server::command_call& call, std::string_view kind, const std::string_view* name,
                               subscription_kind what) {
    auto& out = call.reply();
    out.push(3);
    out.bulk_string(kind);
    if (name != nullptr) {
        out.bulk_string(*name);
    } else {
        out.null();
    }
    const server::session& client = call.client();
    out.integer(static_cast<std::int64_t>(what == subscription_kind::shard ? client.shard_subscription_count()
                                                                          : client.subscription_count()));
}

// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: each name given, confirmed in turn.
inline void subscribe_command(server::command_call& call, subscription_kind what) {
    const std::string_view kind = what == subscription_kind::pattern ? "psubscribe"
                                  : what == subscription_kind::shard ? "ssubscribe"
                                                                     : "subscribe";
    for (std::size_t i = 1; i < call.argc(); ++i) {
        const std::string_view name = call.arg(i);
        switch (what) {
        case subscription_kind::channel: call.client().subscribe(name); break;
        case subscription_kind::pattern: call.client().psubscribe(name); break;
        case subscription_kind::shard: call.client().ssubscribe(name); break;
        }
        subscription_reply(call, kind, &name, what);
    }
}

// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE: the names given, or every subscription of that kind.
inline void unsubscribe_command(server::command_call& call, subscription_kind what) {
    server::session& client = call.client();
    const std::string_view kind = what == subscription_kind::pattern ? "punsubscribe"
                                  : what == subscription_kind::shard ? "sunsubscribe"
                                                                     : "unsubscribe";
    auto drop = [&](std::string_view name) {
        switch (what) {
        case subscription_kind::channel: client.unsubscribe(name); break;
        case subscription_kind::pattern: client.punsubscribe(name); break;
        case subscription_kind::shard: client.sunsubscribe(name); break;
        }
        subscription_reply(call, kind, &name, what);
    };
    if (call.argc() > 1) {
        for (std::size_t i = 1; i < call.argc(); ++i) drop(call.arg(i));
        return;
    }
    const std::vector<std::string> all = what == subscription_kind::shard
                                             ? client.shard_subscriptions()
                                             : client.subscriptions(what == subscription_kind::pattern);
    if (all.empty()) {
        subscription_reply(call, kind, nullptr, what);
        return;
    }
    for (const std::string& name : all) drop(name);
}

} // namespace detail

/// Installs the pub/sub commands.
inline void install_pubsub_commands(server::dispatcher& commands) {
    auto specs = pubsub_command_specs();

    using detail::subscription_kind;
    commands.add(std::move(specs.subscribe),
                 [](server::command_call& call) { detail::subscribe_command(call, subscription_kind::channel); });
    commands.add(std::move(specs.psubscribe),
                 [](server::command_call& call) { detail::subscribe_command(call, subscription_kind::pattern); });
    commands.add(std::move(specs.ssubscribe),
                 [](server::command_call& call) { detail::subscribe_command(call, subscription_kind::shard); });
    commands.add(std::move(specs.unsubscribe),
                 [](server::command_call& call) { detail::unsubscribe_command(call, subscription_kind::channel); });
    commands.add(std::move(specs.punsubscribe),
                 [](server::command_call& call) { detail::unsubscribe_command(call, subscription_kind::pattern); });
    commands.add(std::move(specs.sunsubscribe),
                 [](server::command_call& call) { detail::unsubscribe_command(call, subscription_kind::shard); });
    commands.add(std::move(specs.publish),
                 [](server::command_call& call) {
                     call.reply().integer(
                         static_cast<std::int64_t>(server::publish(call.server(), call.arg(1), call.arg(2))));
                 });
    commands.add(std::move(specs.spublish),
                 [](server::command_call& call) {
                     call.reply().integer(
                         static_cast<std::int64_t>(server::spublish(call.server(), call.arg(1), call.arg(2))));
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
        const auto& registry = call.server().pubsub();
        for (const auto& [name, subscribers] : shard ? registry.shard_channels() : registry.channels()) {
            if (call.argc() == 2 || glob_match(call.arg(2), name)) found.push_back(name);
        }
        call.reply().array(found.size());
        for (const std::string_view name : found) call.reply().bulk_string(name);
    };
    // NUMSUB / SHARDNUMSUB channel...: [channel, subscribers, ...].
    auto numsub = [](server::command_call& call, bool shard) {
        call.reply().array(2 * (call.argc() - 2));
        for (std::size_t i = 2; i < call.argc(); ++i) {
            call.reply().bulk_string(call.arg(i));
            const auto& registry = call.server().pubsub();
            const auto* subscribers = shard ? registry.shard_channel(call.arg(i)) : registry.channel(call.arg(i));
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

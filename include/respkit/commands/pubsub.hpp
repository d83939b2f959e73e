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
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/server/session.hpp"

namespace respkit::commands {

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
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    constexpr command_flag subscribing = command_flag::pubsub | command_flag::noscript | command_flag::loading |
                                         command_flag::stale | command_flag::subscribed_context;
    const std::vector<std::string> slow{"@pubsub", "@slow"};
    auto names = [](std::string name, arg_type type, arg_flag flags) {
        return std::vector<server::command_arg>{{.name = std::move(name), .type = type, .flags = flags}};
    };

    commands.add({.name = "subscribe", .arity = -2, .flags = subscribing, .group = "pubsub",
                  .summary = "Listen for messages published to the given channels", .since = "2.0.0",
                  .complexity = "O(N) where N is the number of channels to subscribe to.", .acl_categories = slow,
                  .arguments = names("channel", arg_type::string, arg_flag::multiple)},
                 [](server::command_call& call) { detail::subscribe_command(call, false); });
    commands.add({.name = "psubscribe", .arity = -2, .flags = subscribing, .group = "pubsub",
                  .summary = "Listen for messages published to channels matching the given patterns", .since = "2.0.0",
                  .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
                  .acl_categories = slow,
                  // Redis 7.0's docs describe the patterns as a block of one pattern.
                  .arguments = {{.name = "pattern",
                                 .type = arg_type::block,
                                 .flags = arg_flag::multiple,
                                 .arguments = {{.name = "pattern", .type = arg_type::pattern}}}}},
                 [](server::command_call& call) { detail::subscribe_command(call, true); });
    commands.add({.name = "unsubscribe", .arity = -1, .flags = subscribing, .group = "pubsub",
                  .summary = "Stop listening for messages posted to the given channels", .since = "2.0.0",
                  .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
                  .acl_categories = slow,
                  .arguments = names("channel", arg_type::string, arg_flag::optional | arg_flag::multiple)},
                 [](server::command_call& call) { detail::unsubscribe_command(call, false); });
    commands.add({.name = "punsubscribe", .arity = -1, .flags = subscribing, .group = "pubsub",
                  .summary = "Stop listening for messages posted to channels matching the given patterns",
                  .since = "2.0.0",
                  .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is "
                                "the number of total patterns subscribed in the system (by any client).",
                  .acl_categories = slow,
                  .arguments = names("pattern", arg_type::pattern, arg_flag::optional | arg_flag::multiple)},
                 [](server::command_call& call) { detail::unsubscribe_command(call, true); });
    commands.add({.name = "publish", .arity = 3,
                  .flags = command_flag::pubsub | command_flag::loading | command_flag::stale | command_flag::fast,
                  .group = "pubsub", .summary = "Post a message to a channel", .since = "2.0.0",
                  .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
                                "the total number of subscribed patterns (by any client).",
                  .acl_categories = {"@pubsub", "@fast"},
                  .arguments = {{.name = "channel", .type = arg_type::string},
                                {.name = "message", .type = arg_type::string}}},
                 [](server::command_call& call) {
                     call.reply().integer(
                         static_cast<std::int64_t>(server::publish(call.server(), call.arg(1), call.arg(2))));
                 });

    commands.add({.name = "pubsub", .arity = -2, .group = "pubsub", .summary = "A container for Pub/Sub commands",
                  .since = "2.8.0", .complexity = "Depends on subcommand.", .acl_categories = {"@slow"}},
                 {});
    constexpr command_flag introspection = command_flag::pubsub | command_flag::loading | command_flag::stale;
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
                            {.name = "channels", .arity = -2, .flags = introspection, .group = "pubsub",
                             .summary = "List active channels", .since = "2.8.0",
                             .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                                           "pattern matching (relatively short channels and patterns)",
                             .acl_categories = slow,
                             .arguments = names("pattern", arg_type::pattern, arg_flag::optional)},
                            [channels](server::command_call& call) { channels(call, false); });
    commands.add_subcommand("pubsub",
                            {.name = "shardchannels", .arity = -2, .flags = introspection, .group = "pubsub",
                             .summary = "List active shard channels", .since = "7.0.0",
                             .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                                           "time pattern matching (relatively short shard channels).",
                             .acl_categories = slow,
                             .arguments = names("pattern", arg_type::pattern, arg_flag::optional)},
                            [channels](server::command_call& call) { channels(call, true); });
    commands.add_subcommand("pubsub",
                            {.name = "numsub", .arity = -2, .flags = introspection, .group = "pubsub",
                             .summary = "Get the count of subscribers for channels", .since = "2.8.0",
                             .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                             .acl_categories = slow,
                             .arguments = names("channel", arg_type::string, arg_flag::optional | arg_flag::multiple)},
                            [numsub](server::command_call& call) { numsub(call, false); });
    commands.add_subcommand("pubsub",
                            {.name = "shardnumsub", .arity = -2, .flags = introspection, .group = "pubsub",
                             .summary = "Get the count of subscribers for shard channels", .since = "7.0.0",
                             .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                                           "shard channels",
                             .acl_categories = slow,
                             .arguments = names("shardchannel", arg_type::string, arg_flag::optional | arg_flag::multiple)},
                            [numsub](server::command_call& call) { numsub(call, true); });
    commands.add_subcommand("pubsub",
                            {.name = "numpat", .arity = 2, .flags = introspection, .group = "pubsub",
                             .summary = "Get the count of unique patterns pattern subscriptions", .since = "2.8.0",
                             .complexity = "O(1)", .acl_categories = slow},
                            [](server::command_call& call) {
                                call.reply().integer(static_cast<std::int64_t>(call.server().pubsub().patterns().size()));
                            });
    commands.add_subcommand("pubsub",
                            {.name = "help", .arity = 2, .flags = command_flag::loading | command_flag::stale,
                             .group = "pubsub", .summary = "Show helpful text about the different subcommands",
                             .since = "6.2.0", .complexity = "O(1)", .acl_categories = {"@slow"}},
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

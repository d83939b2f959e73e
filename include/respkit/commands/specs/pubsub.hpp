#pragma once

/// \file
/// Redis 7.0's specs of the pub/sub commands (pubsub.hpp): name, arity, flags, key positions and
/// key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the pub/sub commands (PUBSUB's subcommands as pubsub_<name>), one member per
/// command.
struct pubsub_specs {
    server::command_spec subscribe, psubscribe, unsubscribe, punsubscribe, publish, ssubscribe,
        sunsubscribe, spublish, pubsub,
        pubsub_channels, pubsub_shardchannels, pubsub_numsub, pubsub_shardnumsub, pubsub_numpat,
        pubsub_help;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline pubsub_specs pubsub_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    pubsub_specs specs;
    constexpr command_flag subscribing = command_flag::pubsub | command_flag::noscript |
                                         command_flag::loading | command_flag::stale |
                                         command_flag::subscribed_context;
    const std::vector<std::string> slow{"@pubsub", "@slow"};
    auto names = [](std::string name, arg_type type, arg_flag flags) {
        return std::vector<server::command_arg>{
            {.name = std::move(name), .type = type, .flags = flags}};
    };

    specs.subscribe = {.name = "subscribe",
                       .arity = -2,
                       .flags = subscribing,
                       .group = "pubsub",
                       .summary = "Listen for messages published to the given channels",
                       .since = "2.0.0",
                       .complexity = "O(N) where N is the number of channels to subscribe to.",
                       .acl_categories = slow,
                       .arguments = names("channel", arg_type::string, arg_flag::multiple)};
    specs.psubscribe = {
        .name = "psubscribe",
        .arity = -2,
        .flags = subscribing,
        .group = "pubsub",
        .summary = "Listen for messages published to channels matching the given patterns",
        .since = "2.0.0",
        .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
        .acl_categories = slow,
        // Redis 7.0's docs describe the patterns as a block of one pattern.
        .arguments = {{.name = "pattern",
                       .type = arg_type::block,
                       .flags = arg_flag::multiple,
                       .arguments = {{.name = "pattern", .type = arg_type::pattern}}}}};
    specs.unsubscribe = {
        .name = "unsubscribe",
        .arity = -1,
        .flags = subscribing,
        .group = "pubsub",
        .summary = "Stop listening for messages posted to the given channels",
        .since = "2.0.0",
        .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
        .acl_categories = slow,
        .arguments = names("channel", arg_type::string, arg_flag::optional | arg_flag::multiple)};
    specs.punsubscribe = {
        .name = "punsubscribe",
        .arity = -1,
        .flags = subscribing,
        .group = "pubsub",
        .summary = "Stop listening for messages posted to channels matching the given patterns",
        .since = "2.0.0",
        .complexity =
            "O(N+M) where N is the number of patterns the client is already subscribed and M is "
            "the number of total patterns subscribed in the system (by any client).",
        .acl_categories = slow,
        .arguments = names("pattern", arg_type::pattern, arg_flag::optional | arg_flag::multiple)};
    specs.publish = {
        .name = "publish",
        .arity = 3,
        .flags = command_flag::pubsub | command_flag::loading | command_flag::stale | command_flag::fast |
                 command_flag::may_replicate,
        .group = "pubsub",
        .summary = "Post a message to a channel",
        .since = "2.0.0",
        .complexity =
            "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
            "the total number of subscribed patterns (by any client).",
        .acl_categories = {"@pubsub", "@fast"},
        .arguments = {{.name = "channel", .type = arg_type::string},
                      {.name = "message", .type = arg_type::string}}};

    // Shard channels: not keys, but routed by slot like keys (key specs flagged not_key).
    using server::key_range;
    specs.ssubscribe = {
        .name = "ssubscribe",
        .arity = -2,
        .flags = subscribing,
        .keys = {.first = 1, .last = -1, .step = 1},
        .key_specs = {{.flags = key_flag::not_key, .begin = {.index = 1}, .find = key_range(-1)}},
        .group = "pubsub",
        .summary = "Listen for messages published to the given shard channels",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of shard channels to subscribe to.",
        .acl_categories = slow,
        .arguments = names("shardchannel", arg_type::string, arg_flag::multiple)};
    specs.sunsubscribe = {
        .name = "sunsubscribe",
        .arity = -1,
        .flags = subscribing,
        .keys = {.first = 1, .last = -1, .step = 1},
        .key_specs = {{.flags = key_flag::not_key, .begin = {.index = 1}, .find = key_range(-1)}},
        .group = "pubsub",
        .summary = "Stop listening for messages posted to the given shard channels",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
        .acl_categories = slow,
        .arguments = names("shardchannel", arg_type::string, arg_flag::optional | arg_flag::multiple)};
    specs.spublish = {
        .name = "spublish",
        .arity = 3,
        .flags = command_flag::pubsub | command_flag::loading | command_flag::stale | command_flag::fast |
                 command_flag::may_replicate,
        .keys = {.first = 1, .last = 1, .step = 1},
        .key_specs = {{.flags = key_flag::not_key, .begin = {.index = 1}, .find = key_range(0)}},
        .group = "pubsub",
        .summary = "Post a message to a shard channel",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        .acl_categories = {"@pubsub", "@fast"},
        .arguments = {{.name = "shardchannel", .type = arg_type::string},
                      {.name = "message", .type = arg_type::string}}};

    specs.pubsub = {.name = "pubsub",
                    .arity = -2,
                    .group = "pubsub",
                    .summary = "A container for Pub/Sub commands",
                    .since = "2.8.0",
                    .complexity = "Depends on subcommand.",
                    .acl_categories = {"@slow"}};
    constexpr command_flag introspection =
        command_flag::pubsub | command_flag::loading | command_flag::stale;
    specs.pubsub_channels = {
        .name = "channels",
        .arity = -2,
        .flags = introspection,
        .group = "pubsub",
        .summary = "List active channels",
        .since = "2.8.0",
        .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                      "pattern matching (relatively short channels and patterns)",
        .acl_categories = slow,
        .arguments = names("pattern", arg_type::pattern, arg_flag::optional)};
    specs.pubsub_shardchannels = {
        .name = "shardchannels",
        .arity = -2,
        .flags = introspection,
        .group = "pubsub",
        .summary = "List active shard channels",
        .since = "7.0.0",
        .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                      "time pattern matching (relatively short shard channels).",
        .acl_categories = slow,
        .arguments = names("pattern", arg_type::pattern, arg_flag::optional)};
    specs.pubsub_numsub = {
        .name = "numsub",
        .arity = -2,
        .flags = introspection,
        .group = "pubsub",
        .summary = "Get the count of subscribers for channels",
        .since = "2.8.0",
        .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        .acl_categories = slow,
        .arguments = names("channel", arg_type::string, arg_flag::optional | arg_flag::multiple)};
    specs.pubsub_shardnumsub = {
        .name = "shardnumsub",
        .arity = -2,
        .flags = introspection,
        .group = "pubsub",
        .summary = "Get the count of subscribers for shard channels",
        .since = "7.0.0",
        .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                      "shard channels",
        .acl_categories = slow,
        .arguments =
            names("shardchannel", arg_type::string, arg_flag::optional | arg_flag::multiple)};
    specs.pubsub_numpat = {.name = "numpat",
                           .arity = 2,
                           .flags = introspection,
                           .group = "pubsub",
                           .summary = "Get the count of unique patterns pattern subscriptions",
                           .since = "2.8.0",
                           .complexity = "O(1)",
                           .acl_categories = slow};
    specs.pubsub_help =
        help_subcommand("pubsub", "6.2.0", command_flag::loading | command_flag::stale, {"@slow"});
    return specs;
}

} // namespace respkit::commands

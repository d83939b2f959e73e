#pragma once

/// \file
/// Publishing: delivers a message to the subscribers of a channel and of the patterns matching
/// it, as `message` / `pmessage` arrays (RESP2) or push frames (RESP3), and to the subscribers of
/// a shard channel (`smessage`). Usable from any command callback:
/// `server::publish(call.server(), "news", "hello")`.

#include <cstddef>
#include <string_view>

#include "respkit/glob.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Sends `message` on `channel` to its subscribers (in subscription order), then to the
/// subscribers of every pattern matching `channel` (patterns in byte order); each transport is
/// notified. A subscriber whose queued output passes its session's hard limit is closed (as
/// Redis's client-output-buffer-limit for pubsub). Returns the number of deliveries (PUBLISH's
/// reply).
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
std::size_t publish(server_context& server, std::string_view channel, std::string_view message) {
    std::size_t receivers = 0;
    if (const pubsub_registry::subscribers* subscribers = server.pubsub().channel(channel)) {
        for (session* s : *subscribers) {
            reply_writer& out = s->reply();
            out.push(3);
            out.bulk_string("message");
            out.bulk_string(channel);
            out.bulk_string(message);
            if (!s->enforce_output_limit()) server.notify(s);
            ++receivers;
        }
    }
    for (const auto& [pattern, subscribers] : server.pubsub().patterns()) {
        if (!glob_match(pattern, channel)) continue;
        for (session* s : subscribers) {
            reply_writer& out = s->reply();
            out.push(4);
            out.bulk_string("pmessage");
            out.bulk_string(pattern);
            out.bulk_string(channel);
            out.bulk_string(message);
            if (!s->enforce_output_limit()) server.notify(s);
            ++receivers;
        }
    }
    return receivers;
}

/// Sends `message` on shard channel `channel` to its subscribers (SSUBSCRIBE), in subscription
/// order, as `smessage` arrays or push frames; patterns do not apply. Returns the number of
/// deliveries (SPUBLISH's reply).
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
std::size_t spublish(server_context& server, std::string_view channel, std::string_view message) {
    std::size_t receivers = 0;
    if (const pubsub_registry::subscribers* subscribers = server.pubsub().shard_channel(channel)) {
        for (session* s : *subscribers) {
            reply_writer& out = s->reply();
            out.push(3);
            out.bulk_string("smessage");
            out.bulk_string(channel);
            out.bulk_string(message);
            if (!s->enforce_output_limit()) server.notify(s);
            ++receivers;
        }
    }
    return receivers;
}

} // namespace respkit::server

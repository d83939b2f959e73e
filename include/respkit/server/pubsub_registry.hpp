#pragma once

/// \file
/// Who is subscribed to what: channels, patterns and shard channels, each with its subscribers
/// in the order they subscribed. Delivery (PUBLISH, SPUBLISH) is in respkit/server/pubsub.hpp.

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "respkit/server/session_lists.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {


/// The subscription tables of one server. Sessions keep their own lists too (for counts and
/// UNSUBSCRIBE without arguments); both are updated together by the session.
class pubsub_registry {
public:
    using subscribers = std::vector<session*>; ///< in subscription order

    /// Adds `s` to `channel`'s subscribers.
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    void add_channel(std::string_view channel, session* s) { m_channels.add(channel, s); }
    /// Removes `s` from `channel`'s subscribers.
    template <class = void>
    void remove_channel(std::string_view channel, const session* s) { m_channels.remove(channel, s); }
    /// Adds `s` to `pattern`'s subscribers.
    template <class = void>
    void add_pattern(std::string_view pattern, session* s) { m_patterns.add(pattern, s); }
    /// Removes `s` from `pattern`'s subscribers.
    template <class = void>
    void remove_pattern(std::string_view pattern, const session* s) { m_patterns.remove(pattern, s); }

    /// Adds `s` to shard channel `channel`'s subscribers.
    template <class = void>
    void add_shard_channel(std::string_view channel, session* s) { m_shard_channels.add(channel, s); }
    /// Removes `s` from shard channel `channel`'s subscribers.
    template <class = void>
    void remove_shard_channel(std::string_view channel, const session* s) { m_shard_channels.remove(channel, s); }

    /// Subscribers of `channel` (not counting patterns), or nullptr.
    template <class = void>
    [[nodiscard]] const subscribers* channel(std::string_view name) const { return m_channels.find(name); }
    /// Every channel with at least one subscriber (PUBSUB CHANNELS), and its subscribers.
    [[nodiscard]] const auto& channels() const noexcept { return m_channels.all(); }
    /// Every pattern with at least one subscriber, and its subscribers.
    [[nodiscard]] const auto& patterns() const noexcept { return m_patterns.all(); }
    /// Subscribers of shard channel `name`, or nullptr.
    template <class = void>
    [[nodiscard]] const subscribers* shard_channel(std::string_view name) const { return m_shard_channels.find(name); }
    /// Every shard channel with at least one subscriber (PUBSUB SHARDCHANNELS), and its subscribers.
    [[nodiscard]] const auto& shard_channels() const noexcept { return m_shard_channels.all(); }

private:
    struct string_hash {
        using is_transparent = void;
        [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };

    session_lists<std::unordered_map<std::string, subscribers, string_hash, std::equal_to<>>, std::string_view>
        m_channels;
    // Shard channels (SSUBSCRIBE): a namespace apart from channels; patterns never match them.
    session_lists<std::unordered_map<std::string, subscribers, string_hash, std::equal_to<>>, std::string_view>
        m_shard_channels;
    // Ordered: delivery order is stable.
    session_lists<std::map<std::string, subscribers, std::less<>>, std::string_view> m_patterns;
};

} // namespace respkit::server

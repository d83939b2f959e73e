#pragma once

/// \file
/// Who is subscribed to what: channels and patterns, each with its subscribers in the order
/// they subscribed. Delivery (PUBLISH) is in respkit/server/pubsub.hpp.

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace respkit::server {

class session;

/// The subscription tables of one server. Sessions keep their own lists too (for counts and
/// UNSUBSCRIBE without arguments); both are updated together by the session.
class pubsub_registry {
public:
    using subscribers = std::vector<session*>; ///< in subscription order

    /// Adds `s` to `channel`'s subscribers.
    void add_channel(std::string_view channel, session* s) { add(m_channels, channel, s); }
    /// Removes `s` from `channel`'s subscribers.
    void remove_channel(std::string_view channel, const session* s) { remove(m_channels, channel, s); }
    /// Adds `s` to `pattern`'s subscribers.
    void add_pattern(std::string_view pattern, session* s) { add(m_patterns, pattern, s); }
    /// Removes `s` from `pattern`'s subscribers.
    void remove_pattern(std::string_view pattern, const session* s) { remove(m_patterns, pattern, s); }

    /// Subscribers of `channel` (not counting patterns), or nullptr.
    [[nodiscard]] const subscribers* channel(std::string_view name) const {
        const auto it = m_channels.find(name);
        return it == m_channels.end() ? nullptr : &it->second;
    }
    /// Every channel with at least one subscriber (PUBSUB CHANNELS), and its subscribers.
    [[nodiscard]] const auto& channels() const noexcept { return m_channels; }
    /// Every pattern with at least one subscriber, and its subscribers.
    [[nodiscard]] const auto& patterns() const noexcept { return m_patterns; }

private:
    struct string_hash {
        using is_transparent = void;
        [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    template <class Map>
    static void add(Map& map, std::string_view name, session* s) {
        auto it = map.find(name);
        if (it == map.end()) it = map.emplace(std::string(name), subscribers{}).first;
        it->second.push_back(s);
    }
    template <class Map>
    static void remove(Map& map, std::string_view name, const session* s) {
        const auto it = map.find(name);
        if (it == map.end()) return;
        auto& list = it->second;
        const auto pos = std::find(list.begin(), list.end(), s);
        if (pos != list.end()) list.erase(pos);
        if (list.empty()) map.erase(it);
    }

    std::unordered_map<std::string, subscribers, string_hash, std::equal_to<>> m_channels;
    std::map<std::string, subscribers, std::less<>> m_patterns; // ordered: delivery order is stable
};

} // namespace respkit::server

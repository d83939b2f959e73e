#pragma once

/// \file
/// Sessions listed under names (keys, channels, patterns): each name's sessions in the order
/// they were added, and a name dropped once its last session goes.

#include <respkit/server/forward.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {


/// Lists of sessions by name, each in the order its sessions were added. `Map` maps an owning
/// name to a std::vector<session*> and finds it by `Lookup` (transparent hash or compare);
/// `Map::key_type` is made from a `Lookup` by a cast. Not thread-safe (one event loop).
template <class Map, class Lookup>
class session_lists {
public:
    using sessions = std::vector<session*>; ///< in the order they were added

    /// Adds `s` at the end of `name`'s list (no check for duplicates: callers add a name once).
    void add(Lookup name, session* s) {
        auto it = m_lists.find(name);
        if (it == m_lists.end()) it = m_lists.emplace(static_cast<typename Map::key_type>(name), sessions{}).first;
        it->second.push_back(s);
    }
    /// Removes `s` from `name`'s list, keeping the others' order; drops the name when none is left.
    void remove(Lookup name, const session* s) {
        const auto it = m_lists.find(name);
        if (it == m_lists.end()) return;
        auto& list = it->second;
        const auto pos = std::find(list.begin(), list.end(), s);
        if (pos != list.end()) list.erase(pos);
        if (list.empty()) m_lists.erase(it);
    }
    /// The sessions under `name`, oldest first, or nullptr when none.
    [[nodiscard]] const sessions* find(Lookup name) const {
        const auto it = m_lists.find(name);
        return it == m_lists.end() ? nullptr : &it->second;
    }
    /// True when no name has a session.
    [[nodiscard]] bool empty() const noexcept { return m_lists.empty(); }
    /// Every name with at least one session, and its sessions.
    [[nodiscard]] const Map& all() const noexcept { return m_lists; }

private:
    Map m_lists;
};

} // namespace respkit::server

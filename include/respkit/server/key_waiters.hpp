#pragma once

/// \file
/// Which sessions wait on which keys (WATCH, blocking commands): each key of a database maps to
/// the sessions waiting on it, in the order they started waiting.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "respkit/server/session_lists.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {


/// A key of one database.
struct db_key {
    std::size_t db = 0; ///< database index
    std::string key;    ///< the key
    friend bool operator==(const db_key&, const db_key&) = default;
};

/// Sessions waiting on keys, first come first served. Not thread-safe (one event loop).
class key_waiters {
public:
    /// Adds `s` at the end of `key`'s queue (no check for duplicates: callers add a key once).
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    void add(std::size_t db, std::string_view key, session* s) { m_waiters.add(view{db, key}, s); }
    /// Removes `s` from `key`'s queue, keeping the others' order.
    template <class = void>
    void remove(std::size_t db, std::string_view key, const session* s) { m_waiters.remove(view{db, key}, s); }
    /// The sessions waiting on `key`, oldest first, or nullptr when none.
    template <class = void>
    [[nodiscard]] const std::vector<session*>* find(std::size_t db, std::string_view key) const {
        // Every key change asks (WATCH, blocked clients): most of the time nobody waits, and
        // hashing the key would be the cost.
        if (m_waiters.empty()) return nullptr;
        return m_waiters.find(view{db, key});
    }
    /// True when no session waits on any key.
    [[nodiscard]] bool empty() const noexcept { return m_waiters.empty(); }
    /// Calls `f(key, sessions)` for every waited-on key of database `db`.
    template <class F>
    void for_each_in_db(std::size_t db, F&& f) const {
        for (const auto& [k, sessions] : m_waiters.all()) {
            if (k.db == db) f(std::string_view(k.key), sessions);
        }
    }

private:
    struct view {
        std::size_t db;
        std::string_view key;
        explicit operator db_key() const { return {db, std::string(key)}; }
    };
    struct hash {
        using is_transparent = void;
        [[nodiscard]] std::size_t operator()(view v) const noexcept {
            return std::hash<std::string_view>{}(v.key) ^ (v.db * 0x9e3779b97f4a7c15ULL);
        }
        [[nodiscard]] std::size_t operator()(const db_key& k) const noexcept { return (*this)(view{k.db, k.key}); }
    };
    struct equal {
        using is_transparent = void;
        [[nodiscard]] static view as_view(const db_key& k) noexcept { return {k.db, k.key}; }
        [[nodiscard]] static view as_view(view v) noexcept { return v; }
        template <class A, class B>
        [[nodiscard]] bool operator()(const A& a, const B& b) const noexcept {
            const view x = as_view(a), y = as_view(b);
            return x.db == y.db && x.key == y.key;
        }
    };
    session_lists<std::unordered_map<db_key, std::vector<session*>, hash, equal>, view> m_waiters;
};

} // namespace respkit::server

#pragma once

/// \file
/// Client-side caching as Redis 7.0's tracking.c does it: each client's CLIENT TRACKING state,
/// the table of keys tracking clients read (and who read them), the BCAST prefixes with the
/// keys changed under them since the last broadcast, and the invalidation messages (RESP3
/// pushes, or pub/sub messages on `__redis__:invalidate` to a RESP2 redirect client).
/// Rationale and the differences from Redis: docs/tracking.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/resp/types.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// One client's CLIENT TRACKING / CLIENT CACHING state.
struct client_tracking {
    bool on = false;              ///< CLIENT TRACKING ON
    bool bcast = false;           ///< BCAST: invalidations by prefix, for every write
    bool optin = false;           ///< OPTIN: keys are remembered only after CLIENT CACHING YES
    bool optout = false;          ///< OPTOUT: keys are remembered unless after CLIENT CACHING NO
    bool noloop = false;          ///< NOLOOP: no invalidation for the client's own writes
    bool caching = false;         ///< CLIENT CACHING given for the next command (or transaction)
    bool broken_redirect = false; ///< the redirect client was gone when an invalidation was due
    std::uint64_t redirect = 0;   ///< the client invalidations go to (0: this one)
    std::vector<std::string> prefixes; ///< BCAST prefixes, in byte order
};

/// The server's tracking state: every session by id (with its client_tracking), the tracked
/// keys, the BCAST prefixes. Operations that write to sessions are templates on the session
/// type (instantiated where the session is complete). Not thread-safe, like its context.
class tracking_table {
public:
    /// The value tracking-table-max-keys has by default.
    static constexpr std::uint64_t default_max_keys = 1000000;

    /// Registers a live session (sessions do it themselves).
    void add_session(std::uint64_t id, session* s) { m_sessions[id].owner = s; }
    /// Unregisters a session, turning its tracking off first (sessions do it themselves).
    void remove_session(std::uint64_t id) {
        disable(id);
        m_sessions.erase(id);
    }
    /// The session with client id `id`, or nullptr.
    [[nodiscard]] session* find(std::uint64_t id) const {
        const auto it = m_sessions.find(id);
        return it == m_sessions.end() ? nullptr : it->second.owner;
    }
    /// The tracking state of client `id` (an empty state for an unknown id).
    [[nodiscard]] const client_tracking& state(std::uint64_t id) const {
        static const client_tracking off{};
        const auto it = m_sessions.find(id);
        return it == m_sessions.end() ? off : it->second.state;
    }
    /// The tracking state of client `id`, which must be registered.
    [[nodiscard]] client_tracking& state(std::uint64_t id) { return m_sessions[id].state; }

    /// The first of `prefixes` that overlaps with one of client `id`'s prefixes or with a later
    /// one of `prefixes`, as Redis's error message ("" when none overlap).
    [[nodiscard]] std::string prefix_collision(std::uint64_t id, std::span<const std::string_view> prefixes) const {
        const client_tracking& t = state(id);
        const auto overlap = [](std::string_view a, std::string_view b) {
            const std::size_t n = std::min(a.size(), b.size());
            return a.substr(0, n) == b.substr(0, n);
        };
        for (std::size_t i = 0; i < prefixes.size(); ++i) {
            for (const std::string& existing : t.prefixes) {
                if (overlap(existing, prefixes[i])) {
                    return "ERR Prefix '" + c_string(prefixes[i]) + "' overlaps with an existing prefix '" +
                           c_string(existing) + "'. Prefixes for a single client must not overlap.";
                }
            }
            for (std::size_t j = i + 1; j < prefixes.size(); ++j) {
                if (overlap(prefixes[i], prefixes[j])) {
                    return "ERR Prefix '" + c_string(prefixes[i]) + "' overlaps with another provided prefix '" +
                           c_string(prefixes[j]) + "'. Prefixes for a single client must not overlap.";
                }
            }
        }
        return {};
    }

    /// CLIENT TRACKING ON for client `id` (options already checked): redirect to `redirect`
    /// (0: none), with the mode flags of `options`; in BCAST mode the prefixes are added to the
    /// client's (none given: the empty prefix, every key).
    void enable(std::uint64_t id, std::uint64_t redirect, const client_tracking& options,
                std::span<const std::string_view> prefixes) {
        client_tracking& t = state(id);
        if (!t.on) ++m_tracking_clients;
        t.on = true;
        t.broken_redirect = false;
        t.redirect = redirect;
        m_active = true;
        t.bcast = options.bcast;
        if (t.bcast) {
            if (prefixes.empty()) add_prefix(id, t, "");
            for (const std::string_view p : prefixes) add_prefix(id, t, p);
        }
        t.optin = options.optin;
        t.optout = options.optout;
        t.noloop = options.noloop;
    }

    /// CLIENT TRACKING OFF (also RESET and the end of the connection): leaves the prefixes and
    /// clears every flag. The keys the client read stay in the table, as in Redis, until
    /// invalidated.
    void disable(std::uint64_t id) {
        const auto it = m_sessions.find(id);
        if (it == m_sessions.end()) return;
        client_tracking& t = it->second.state;
        for (const std::string& p : t.prefixes) {
            const auto b = m_prefixes.find(p);
            if (b == m_prefixes.end()) continue;
            std::erase(b->second.clients, id);
            if (b->second.clients.empty()) m_prefixes.erase(b);
        }
        t.prefixes.clear();
        if (t.on) {
            --m_tracking_clients;
            const std::uint64_t redirect = t.redirect; // kept, as Redis (shown only while on)
            t = client_tracking{};
            t.redirect = redirect;
        }
    }

    /// Number of clients with tracking on (INFO's tracking_clients).
    [[nodiscard]] std::size_t tracking_clients() const noexcept { return m_tracking_clients; }
    /// Number of keys tracked (INFO's tracking_total_keys).
    [[nodiscard]] std::size_t total_keys() const noexcept { return m_keys.size(); }
    /// Number of (key, client) pairs tracked (INFO's tracking_total_items).
    [[nodiscard]] std::size_t total_items() const noexcept { return m_items; }
    /// Number of BCAST prefixes (INFO's tracking_total_prefixes).
    [[nodiscard]] std::size_t total_prefixes() const noexcept { return m_prefixes.size(); }
    /// tracking-table-max-keys: above this many keys, keys are invalidated before commands (0: no limit).
    void set_max_keys(std::uint64_t n) noexcept { m_max_keys = n; }
    /// tracking-table-max-keys.
    [[nodiscard]] std::uint64_t max_keys() const noexcept { return m_max_keys; }
    /// True once a client turned tracking on (keyspace changes are looked at from then on).
    [[nodiscard]] bool active() const noexcept { return m_active; }

    /// Marks the start of a call of a command of `client` (nested calls: EXEC's commands);
    /// returns the previous client, for end_call().
    session* begin_call(session* client) noexcept {
        session* previous = m_current;
        m_current = client;
        ++m_depth;
        ++m_call_serial;
        return previous;
    }
    /// Marks the end of the call begin_call() began: at the outermost one, the invalidations of
    /// keys the client itself tracked are sent to it, after its reply (Redis's afterCommand).
    template <class Session>
    void end_call(session* previous) {
        --m_depth;
        if (m_depth == 0 && !m_pending.empty()) {
            std::vector<std::optional<std::string>> pending;
            pending.swap(m_pending);
            if (m_current != nullptr) {
                for (const std::optional<std::string>& key : pending) {
                    if (key) send_keys<Session>(*static_cast<Session*>(m_current), std::span(&*key, 1));
                    else send_null<Session>(*static_cast<Session*>(m_current));
                }
            }
        }
        m_current = previous;
    }

    /// After a read-only command of `client` (`args`, the command name first; `keys` its key
    /// arguments' positions): remembers the keys it read, unless its mode says otherwise.
    template <class Session>
    void remember(const Session& client, std::span<const std::string_view> args, std::span<const std::size_t> keys) {
        const client_tracking& t = state(client.id());
        if (!t.on || t.bcast) return;
        if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
        for (const std::size_t i : keys) {
            if (m_keys[std::string(args[i])].insert(client.id()).second) ++m_items;
        }
    }

    /// Whether remember() would keep keys of `client`'s next command.
    [[nodiscard]] bool remembers(std::uint64_t id) const {
        const client_tracking& t = state(id);
        return t.on && !t.bcast && !((t.optin && !t.caching) || (t.optout && t.caching));
    }

    /// A key changed (Redis's trackingInvalidateKey): the clients that read it are told, and
    /// BCAST prefixes matching it remember it for the next broadcast(). `by` is the client
    /// whose command changed it (nullptr for expiry and eviction: NOLOOP BCAST clients are
    /// then told too).
    template <class Session>
    void invalidate(std::string_view key, session* by, bool to_bcast = true) {
        if (!m_active) return;
        if (to_bcast) {
            for (auto& [prefix, b] : m_prefixes) {
                if (!key.starts_with(prefix)) continue;
                b.keys.insert_or_assign(std::string(key), by);
                m_broadcast_due = true;
            }
        }
        const auto it = m_keys.find(key);
        if (it == m_keys.end()) return;
        const std::set<std::uint64_t> ids = std::move(it->second);
        m_items -= ids.size();
        m_keys.erase(it);
        for (const std::uint64_t id : ids) {
            const auto s = m_sessions.find(id);
            if (s == m_sessions.end() || !s->second.state.on || s->second.state.bcast) continue;
            session* target = s->second.owner;
            if (s->second.state.noloop && target == m_current) continue;
            if (target == m_current && m_depth > 0) {
                m_pending.emplace_back(std::string(key)); // after the command's reply
            } else {
                const std::string k(key);
                send_keys<Session>(*static_cast<Session*>(target), std::span(&k, 1));
            }
        }
    }

    /// A database was flushed (FLUSHDB, FLUSHALL: once per command): every tracking client is
    /// told with a null, and the table is emptied.
    template <class Session>
    void invalidate_all() {
        if (!m_active) return;
        for (auto& [id, entry] : m_sessions) {
            if (!entry.state.on) continue;
            if (entry.owner == m_current && m_depth > 0) m_pending.emplace_back(std::nullopt);
            else send_null<Session>(*static_cast<Session*>(entry.owner));
        }
        m_keys.clear();
        m_items = 0;
    }

    /// Sends each BCAST client the keys changed under its prefixes since the last call, one
    /// message per prefix (NOLOOP: without its own writes). Transports call it once per turn,
    /// as Redis's beforeSleep does.
    template <class Session>
    void broadcast() {
        if (!m_broadcast_due) return;
        m_broadcast_due = false;
        if (m_tracking_clients == 0) return;
        for (auto& [prefix, b] : m_prefixes) {
            if (b.keys.empty()) continue;
            const std::map<std::string, session*, std::less<>> keys = std::move(b.keys);
            b.keys.clear();
            std::vector<std::string> all;
            all.reserve(keys.size());
            for (const auto& [k, by] : keys) all.push_back(k);
            const std::vector<std::uint64_t> clients = b.clients;
            for (const std::uint64_t id : clients) {
                const auto s = m_sessions.find(id);
                if (s == m_sessions.end()) continue;
                Session& target = *static_cast<Session*>(s->second.owner);
                if (!s->second.state.noloop) {
                    send_keys<Session>(target, all);
                    continue;
                }
                std::vector<std::string> others;
                for (const auto& [k, by] : keys) {
                    if (by != s->second.owner) others.push_back(k);
                }
                if (!others.empty()) send_keys<Session>(target, others);
            }
        }
    }

    /// True when broadcast() has keys to send.
    [[nodiscard]] bool broadcast_due() const noexcept { return m_broadcast_due; }

    /// tracking-table-max-keys (Redis's trackingLimitUsedSlots, before each command): while
    /// more keys are tracked than the limit, tracked keys are invalidated, with an effort that
    /// grows each time the limit could not be reached.
    template <class Session>
    void enforce_max_keys() {
        if (m_max_keys == 0 || m_keys.size() <= m_max_keys) {
            m_limit_misses = 0;
            return;
        }
        for (std::uint64_t effort = 100 * (m_limit_misses + 1); effort > 0 && !m_keys.empty(); --effort) {
            // Redis walks its radix tree at random; any key does (the choice is not observable
            // byte for byte anyway).
            const std::string key = m_keys.begin()->first;
            const std::size_t saved_depth = std::exchange(m_depth, 0); // sent at once, as Redis
            invalidate<Session>(key, nullptr, false);
            m_depth = saved_depth;
            if (m_keys.size() <= m_max_keys) {
                m_limit_misses = 0;
                return;
            }
        }
        ++m_limit_misses;
    }

    /// A database was flushed (Redis's signalFlushedDb): invalidate_all(), once per command
    /// however many databases it empties (FLUSHALL reports each).
    template <class Session>
    void flushed() {
        if (m_depth > 0 && m_flush_serial == m_call_serial) return;
        m_flush_serial = m_call_serial;
        invalidate_all<Session>();
    }

    /// The client whose command runs (nullptr between commands).
    [[nodiscard]] session* current() const noexcept { return m_current; }

private:
    struct session_entry {
        session* owner = nullptr;
        client_tracking state;
    };
    struct prefix_state {
        std::map<std::string, session*, std::less<>> keys; // changed since the last broadcast, and by whom
        std::vector<std::uint64_t> clients;                 // BCAST clients with this prefix
    };
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    // Redis prints prefixes with %s: up to the first NUL byte.
    static std::string c_string(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

    void add_prefix(std::uint64_t id, client_tracking& t, std::string_view prefix) {
        prefix_state& b = m_prefixes[std::string(prefix)];
        if (std::find(b.clients.begin(), b.clients.end(), id) != b.clients.end()) return;
        b.clients.push_back(id);
        t.prefixes.insert(std::lower_bound(t.prefixes.begin(), t.prefixes.end(), prefix), std::string(prefix));
    }

    // Redis's sendTrackingMessage: to the client, or to its redirect client (a RESP2 one gets
    // a pub/sub message when it is subscribed to anything); `value` is the keys' array.
    template <class Session>
    void send(Session& client, const std::string& value) {
        Session* target = &client;
        bool redirected = false;
        client_tracking& t = state(client.id());
        if (t.redirect != 0) {
            auto* redirect = static_cast<Session*>(find(t.redirect));
            if (redirect == nullptr) {
                t.broken_redirect = true;
                if (client.protocol() == resp::protocol::resp3) {
                    auto& out = client.reply();
                    out.push(2);
                    out.bulk_string("tracking-redir-broken");
                    out.integer(static_cast<std::int64_t>(t.redirect));
                    deliver(client);
                }
                return;
            }
            target = redirect;
            redirected = true;
        }
        auto& out = target->reply();
        if (target->protocol() == resp::protocol::resp3) {
            out.push(2);
            out.bulk_string("invalidate");
        } else if (redirected && target->subscribed()) {
            out.push(3);
            out.bulk_string("message");
            out.bulk_string("__redis__:invalidate");
        } else {
            return; // RESP2 without a redirect: nowhere to send it
        }
        out.sink().append(value.data(), value.size());
        deliver(*target);
    }

    template <class Session>
    void send_keys(Session& client, std::span<const std::string> keys) {
        std::string value = "*" + std::to_string(keys.size()) + "\r\n";
        for (const std::string& k : keys) {
            value += '$';
            value += std::to_string(k.size());
            value += "\r\n";
            value += k;
            value += "\r\n";
        }
        send(client, value);
    }

    // A flush: the null of the tracking client's protocol (also when redirected), as Redis's
    // shared.null: $-1 in RESP2, _ in RESP3.
    template <class Session>
    void send_null(Session& client) {
        send(client, client.protocol() == resp::protocol::resp3 ? std::string("_\r\n") : std::string("$-1\r\n"));
    }

    template <class Session>
    static void deliver(Session& s) {
        if (!s.enforce_output_limit()) s.server().notify(&s);
    }

    std::unordered_map<std::uint64_t, session_entry> m_sessions;
    std::unordered_map<std::string, std::set<std::uint64_t>, string_hash, std::equal_to<>> m_keys;
    std::map<std::string, prefix_state, std::less<>> m_prefixes;
    std::size_t m_items = 0;
    std::size_t m_tracking_clients = 0;
    std::uint64_t m_max_keys = default_max_keys;
    std::uint64_t m_limit_misses = 0;
    bool m_active = false;
    bool m_broadcast_due = false; // a prefix has keys to broadcast
    session* m_current = nullptr;                     // the client whose command runs
    std::size_t m_depth = 0;                          // calls running (EXEC's commands nest)
    std::uint64_t m_call_serial = 0;                  // calls begun
    std::uint64_t m_flush_serial = ~std::uint64_t{0}; // the call that last flushed
    std::vector<std::optional<std::string>> m_pending; // invalidations for m_current after its reply (nullopt: flush)
};

} // namespace respkit::server

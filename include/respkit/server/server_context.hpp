#pragma once

/// \file
/// State shared by every connection of one server: statistics, the client registry,
/// configuration values, and identity (run id, start time). The registries (clients, key
/// waiters, pub/sub, tracking, propagation, hooks, limits, errorstats) are in its state, defined
/// with the members that use them in server/server_context_impl.hpp (docs/headers.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/chrono.hpp"
#include "respkit/detail/state_ptr.hpp"
#include "respkit/detail/function.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/log.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

class key_waiters;
struct db_key;
class client_pause;
class pubsub_registry;
class tracking_table;
template <class>
class basic_propagation;
using propagation = basic_propagation<void>;
struct persistence_hooks;
struct scripting_hooks;
struct client_limits;

/// Counters INFO reports, with Redis's field names.
struct server_stats {
    std::uint64_t total_connections_received = 0; ///< connections accepted
    std::uint64_t rejected_connections = 0;       ///< connections refused (maxclients)
    std::uint64_t total_commands_processed = 0;   ///< commands executed
    std::uint64_t total_error_replies = 0;        ///< error replies sent
    std::uint64_t unexpected_error_replies = 0;   ///< error replies not from a command
    std::uint64_t total_net_input_bytes = 0;      ///< bytes read from clients
    std::uint64_t total_net_output_bytes = 0;     ///< bytes written to clients
    std::uint64_t blocked_clients = 0;            ///< clients blocked in a command
    std::uint64_t evicted_clients = 0;            ///< clients closed by client eviction (maxmemory-clients)
};

/// What every session of a server shares. Not thread-safe: one event loop owns it.
template <class>
class basic_server_context {
public:
    basic_server_context(const basic_server_context&) = delete;
    basic_server_context& operator=(const basic_server_context&) = delete;
    /// Runs the at_exit() callbacks.
    ~basic_server_context();
    /// A context with a fresh random run id.
    basic_server_context();

    /// Counters for INFO.
    [[nodiscard]] server_stats& stats() noexcept { return m_stats; }
    /// Counters for INFO.
    [[nodiscard]] const server_stats& stats() const noexcept { return m_stats; }
    /// 40 hex characters identifying this server run.
    [[nodiscard]] const std::string& run_id() const noexcept { return m_run_id; }
    /// The replication ID (INFO's master_replid): the run id until DEBUG CHANGE-REPL-ID.
    [[nodiscard]] const std::string& replication_id() const noexcept { return m_replication_id; }
    /// A new random replication ID (DEBUG CHANGE-REPL-ID, as Redis's changeReplicationId).
    void change_replication_id();
    /// When the server started.
    [[nodiscard]] std::chrono::steady_clock::time_point started() const noexcept { return m_started; }

    /// Next client id (CLIENT ID), starting at 1.
    [[nodiscard]] std::uint64_t next_client_id() noexcept { return ++m_last_client_id; }
    /// Registers a live session (sessions do it themselves).
    void add_client(session* s);
    /// Unregisters a session (sessions do it themselves).
    void remove_client(session* s);
    /// Every live session (CLIENT LIST, INFO clients).
    /// (A `const std::unordered_set<session*>&`: deduced, defined in server_context_impl.hpp.)
    template <class = void>
    [[nodiscard]] const auto& clients() const noexcept;

    /// errorstats: the count of error replies by prefix ("ERR", "WRONGTYPE", ...), in order (a
    /// `std::map<std::string, std::uint64_t, std::less<>>`: deduced, defined in
    /// server_context_impl.hpp).
    template <class = void>
    [[nodiscard]] auto& error_counts() noexcept;
    /// errorstats.
    template <class = void>
    [[nodiscard]] const auto& error_counts() const noexcept;
    /// Counts one error reply under its prefix ("ERR", "WRONGTYPE", ...), as Redis's errorstats.
    void count_error(std::string_view message);

    /// The time of the current event-loop turn (cached: reading the clock per command costs).
    [[nodiscard]] std::chrono::steady_clock::time_point now() const noexcept { return m_now; }
    /// Refreshes now(); transports call it once per turn of their loop.
    void tick() noexcept { m_now = std::chrono::steady_clock::now(); }

    // --- sessions changed from outside their own commands ---

    /// Records that `s` got output (a pub/sub message, an unblocked command's reply) or input to
    /// run (it was unblocked) outside its own turn: its transport must look at it. Transports
    /// call take_notified() after each batch of work.
    void notify(session* s);
    /// True when some session was notified since the last take_notified().
    [[nodiscard]] bool has_notified() const noexcept { return !m_notified.empty(); }
    /// The sessions notified since the last call (each once), oldest first.
    [[nodiscard]] std::vector<session*> take_notified() {
        std::vector<session*> out;
        out.swap(m_notified);
        return out;
    }

    // --- WATCH, blocking commands, pub/sub ---

    /// Sessions WATCHing each key.
    [[nodiscard]] key_waiters& watchers() noexcept;
    /// Sessions blocked on each key (BLPOP ...), first come first served.
    [[nodiscard]] key_waiters& blocked_on() noexcept;
    /// Every blocked session (for timeouts and INFO's blocked_clients), oldest first.
    [[nodiscard]] std::vector<session*>& blocked_sessions() noexcept { return m_blocked_sessions; }
    /// Every blocked session, oldest first.
    [[nodiscard]] const std::vector<session*>& blocked_sessions() const noexcept { return m_blocked_sessions; }
    /// The keyspace notification classes enabled (notify-keyspace-events); none by default.
    [[nodiscard]] keyspace_event_class keyspace_events() const noexcept { return m_keyspace_events; }
    /// Enables exactly `classes` (none: no notification is published).
    void set_keyspace_events(keyspace_event_class classes) noexcept { m_keyspace_events = classes; }

    /// CLIENT PAUSE: the pause in force and the sessions whose command it holds.
    [[nodiscard]] client_pause& pause() noexcept;
    /// CLIENT PAUSE's state.
    [[nodiscard]] const client_pause& pause() const noexcept;

    /// The sessions in MONITOR mode, in the order they asked (each gets every command's line).
    [[nodiscard]] std::vector<session*>& monitors() noexcept { return m_monitors; }
    /// The sessions in MONITOR mode.
    [[nodiscard]] const std::vector<session*>& monitors() const noexcept { return m_monitors; }

    /// Channel and pattern subscriptions.
    [[nodiscard]] pubsub_registry& pubsub() noexcept;
    /// Channel and pattern subscriptions.
    [[nodiscard]] const pubsub_registry& pubsub() const noexcept;

    /// Notes that `key` changed: if a session is blocked on it, its command is retried once the
    /// running command is done (like Redis's signalKeyAsReady).
    void signal_key_ready(std::size_t db, std::string_view key);
    /// True when some key signalled ready waits to be served.
    [[nodiscard]] bool has_ready_keys() const noexcept;
    /// The keys signalled ready since the last call, in order.
    [[nodiscard]] std::vector<db_key> take_ready_keys();

    /// Runs `f` when the context is destroyed (e.g. to stop observing a keyspace).
    void at_exit(std::function<void()> f);
    /// True when the keyspace at `keyspace` already reports its key changes to this context.
    [[nodiscard]] bool observes(const void* keyspace) const noexcept;
    /// Records that `keyspace` reports its key changes to this context.
    void add_observed(const void* keyspace);
    /// Forgets `keyspace` (it stopped reporting to this context).
    void remove_observed(const void* keyspace);

    /// Client-side caching: CLIENT TRACKING states, tracked keys, BCAST prefixes.
    [[nodiscard]] tracking_table& tracking() noexcept;
    /// Client-side caching state.
    [[nodiscard]] const tracking_table& tracking() const noexcept;

    /// What the commands change, as commands that replay it (append-only file, replicas).
    [[nodiscard]] server::propagation& propagation() noexcept;
    /// What the commands change, as commands that replay it.
    [[nodiscard]] const server::propagation& propagation() const noexcept;

    /// What SAVE, BGSAVE, BGREWRITEAOF, SHUTDOWN, DEBUG RELOAD and INFO persistence call: set
    /// by the application that owns the files (empty hooks: no such persistence).
    [[nodiscard]] persistence_hooks& persistence() noexcept;
    /// The persistence hooks.
    [[nodiscard]] const persistence_hooks& persistence() const noexcept;
    /// What the scripting layer lends INFO and persistence (empty without it).
    [[nodiscard]] scripting_hooks& scripting() noexcept;
    /// What the scripting layer lends INFO and persistence (empty without it).
    [[nodiscard]] const scripting_hooks& scripting() const noexcept;

    /// The output buffer limits and client eviction threshold every session applies.
    [[nodiscard]] server::client_limits& client_limits() noexcept;
    /// The output buffer limits and client eviction threshold every session applies.
    [[nodiscard]] const server::client_limits& client_limits() const noexcept;

    /// True while a dataset is being loaded: clients' commands without the `loading` flag get
    /// "-LOADING".
    [[nodiscard]] bool loading() const noexcept { return m_loading; }
    /// Marks the start or end of loading.
    void set_loading(bool on) noexcept { m_loading = on; }

    /// True while a long command (a script past busy-reply-threshold) serves other clients
    /// from inside its run: their commands without the `allow_busy` flag get "-BUSY".
    [[nodiscard]] bool busy() const noexcept { return m_busy; }
    /// Marks the start or end of the busy state (the script engine does); `function`: what runs
    /// is a function (FCALL), whose -BUSY names FUNCTION KILL.
    void set_busy(bool on, bool function = false) noexcept {
        m_busy = on;
        m_busy_function = on && function;
    }
    /// True while busy() because of a function (FCALL) rather than a script (EVAL).
    [[nodiscard]] bool busy_with_function() const noexcept { return m_busy_function; }
    /// How long a script runs before it serves other clients (busy-reply-threshold; 0: never).
    [[nodiscard]] std::chrono::milliseconds busy_reply_threshold() const noexcept { return m_busy_threshold; }
    /// Sets busy-reply-threshold.
    void set_busy_reply_threshold(std::chrono::milliseconds t) noexcept { m_busy_threshold = t; }
    /// Sets what serves the other clients while `caller`'s long command runs (the transport's
    /// busy pass, tcp_server::serve_busy); empty: nobody is served until it ends.
    void set_busy_handler(std::function<void(const session& caller)> handler) { m_busy_handler = std::move(handler); }
    /// Serves the other clients once (a long command calls it now and then while busy()).
    void serve_while_busy(const session& caller) {
        if (m_busy_handler) m_busy_handler(caller);
    }

    /// Sends log lines to `sink` (none by default: lines are dropped).
    void set_log_sink(log_sink sink) { m_log = std::move(sink); }
    /// Logs `line` at `level` through the log sink, if one is set.
    void log(log_level level, std::string_view line) const {
        if (m_log) m_log(level, line);
    }

    /// True when the server runs as a node of a Redis Cluster (cluster-enabled yes): INFO and
    /// HELLO say so; the cluster commands, the slot check and SELECT follow app/cluster_node.hpp.
    bool cluster_enabled = false;
    /// DEBUG SET-ACTIVE-EXPIRE: false stops the active expiry cycle (keys still expire when
    /// accessed).
    bool active_expire = true;
    /// total_error_replies when the last command's call ended (or the current one began): a
    /// call with more errors than this failed (Redis's incrCommandStatsOnError).
    std::uint64_t error_mark = 0;

    /// Asks the transport to stop (SHUTDOWN, or a signal).
    void request_shutdown() noexcept { m_shutdown = true; }
    /// True once a shutdown was requested.
    [[nodiscard]] bool shutdown_requested() const noexcept { return m_shutdown; }

private:
    // 40 random hex characters, from the kernel's randomness.
    [[nodiscard]] std::string random_id() const;

    struct state; // the registries (server_context_impl.hpp)
    respkit::detail::state_ptr<state> m_state;
    server_stats m_stats{};
    std::string m_run_id;
    std::string m_replication_id;
    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_now = m_started;
    std::uint64_t m_last_client_id = 0;
    bool m_shutdown = false;
    std::vector<session*> m_notified;
    std::vector<session*> m_blocked_sessions;
    std::vector<session*> m_monitors;
    keyspace_event_class m_keyspace_events = keyspace_event_class::none;
    log_sink m_log;
    bool m_loading = false;
    bool m_busy = false;
    bool m_busy_function = false;
    std::chrono::milliseconds m_busy_threshold{5000};
    std::function<void(const session&)> m_busy_handler;
};

} // namespace respkit::server

#pragma once

// Prototype (docs/headers.md, "The server core split"): the shared context's class definition
// with its registries behind one pointer; hot scalars stay members, inline.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/chrono.hpp"
#include "respkit/detail/function.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

class key_waiters;
class pubsub_registry;
class tracking_table;
template <class>
class basic_propagation;
using propagation = basic_propagation<void>;
struct persistence_hooks;
struct client_limits;
struct db_key;
enum class log_level : std::uint8_t;
using log_sink = std::function<void(log_level, std::string_view)>;

/// Counters INFO reports; errorstats (a std::map) is in the context's state: error_counts().
struct server_stats {
    std::uint64_t total_connections_received = 0;
    std::uint64_t rejected_connections = 0;
    std::uint64_t total_commands_processed = 0;
    std::uint64_t total_error_replies = 0;
    std::uint64_t unexpected_error_replies = 0;
    std::uint64_t total_net_input_bytes = 0;
    std::uint64_t total_net_output_bytes = 0;
    std::uint64_t blocked_clients = 0;
    std::uint64_t evicted_clients = 0;
};

/// What every session of a server shares (as in server/server_context.hpp).
template <class>
class basic_server_context {
public:
    basic_server_context();
    ~basic_server_context();
    basic_server_context(const basic_server_context&) = delete;
    basic_server_context& operator=(const basic_server_context&) = delete;

    [[nodiscard]] server_stats& stats() noexcept { return m_stats; }
    [[nodiscard]] const server_stats& stats() const noexcept { return m_stats; }
    /// errorstats: the std::map of error prefix to count (server_stats::error_counts before).
    template <class = void>
    [[nodiscard]] auto& error_counts() noexcept;
    [[nodiscard]] const std::string& run_id() const noexcept { return m_run_id; }
    [[nodiscard]] std::chrono::steady_clock::time_point started() const noexcept { return m_started; }
    [[nodiscard]] std::uint64_t next_client_id() noexcept { return ++m_last_client_id; }
    void add_client(session* s);
    void remove_client(session* s);
    /// Every live session (the std::unordered_set<session*>: deduced, defined with the state).
    template <class = void>
    [[nodiscard]] const auto& clients() const noexcept;
    void count_error(std::string_view message);
    [[nodiscard]] std::chrono::steady_clock::time_point now() const noexcept { return m_now; }
    void tick() noexcept { m_now = std::chrono::steady_clock::now(); }
    void notify(session* s);
    [[nodiscard]] bool has_notified() const noexcept { return !m_notified.empty(); }
    [[nodiscard]] std::vector<session*> take_notified();
    [[nodiscard]] key_waiters& watchers() noexcept;
    [[nodiscard]] key_waiters& blocked_on() noexcept;
    [[nodiscard]] std::vector<session*>& blocked_sessions() noexcept { return m_blocked_sessions; }
    [[nodiscard]] const std::vector<session*>& blocked_sessions() const noexcept { return m_blocked_sessions; }
    [[nodiscard]] keyspace_event_class keyspace_events() const noexcept { return m_keyspace_events; }
    void set_keyspace_events(keyspace_event_class classes) noexcept { m_keyspace_events = classes; }
    [[nodiscard]] pubsub_registry& pubsub() noexcept;
    [[nodiscard]] const pubsub_registry& pubsub() const noexcept;
    void signal_key_ready(std::size_t db, std::string_view key);
    [[nodiscard]] bool has_ready_keys() const noexcept;
    [[nodiscard]] std::vector<db_key> take_ready_keys();
    void at_exit(std::function<void()> f);
    [[nodiscard]] bool observes(const void* keyspace) const noexcept;
    void add_observed(const void* keyspace);
    void remove_observed(const void* keyspace);
    [[nodiscard]] tracking_table& tracking() noexcept;
    [[nodiscard]] const tracking_table& tracking() const noexcept;
    [[nodiscard]] server::propagation& propagation() noexcept;
    [[nodiscard]] const server::propagation& propagation() const noexcept;
    [[nodiscard]] persistence_hooks& persistence() noexcept;
    [[nodiscard]] const persistence_hooks& persistence() const noexcept;
    [[nodiscard]] server::client_limits& client_limits() noexcept;
    [[nodiscard]] const server::client_limits& client_limits() const noexcept;
    [[nodiscard]] bool loading() const noexcept { return m_loading; }
    void set_loading(bool on) noexcept { m_loading = on; }
    [[nodiscard]] bool busy() const noexcept { return m_busy; }
    void set_busy(bool on) noexcept { m_busy = on; }
    [[nodiscard]] std::chrono::milliseconds busy_reply_threshold() const noexcept { return m_busy_threshold; }
    void set_busy_reply_threshold(std::chrono::milliseconds t) noexcept { m_busy_threshold = t; }
    void set_busy_handler(std::function<void(const session& caller)> handler);
    void serve_while_busy(const session& caller);
    void set_log_sink(log_sink sink);
    void log(log_level level, std::string_view line) const;

    bool cluster_enabled = false;
    bool active_expire = true;
    std::uint64_t error_mark = 0;

    void request_shutdown() noexcept { m_shutdown = true; }
    [[nodiscard]] bool shutdown_requested() const noexcept { return m_shutdown; }

private:
    struct state; // clients, waiters, pub/sub, tracking, propagation, hooks, limits, log, errorstats
    state* m_state;
    server_stats m_stats{};
    std::string m_run_id;
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_now;
    std::uint64_t m_last_client_id = 0;
    bool m_shutdown = false;
    bool m_loading = false;
    bool m_busy = false;
    keyspace_event_class m_keyspace_events = keyspace_event_class::none;
    std::chrono::milliseconds m_busy_threshold{5000};
    std::vector<session*> m_notified;
    std::vector<session*> m_blocked_sessions;
};

} // namespace respkit::server

#pragma once

/// \file
/// State shared by every connection of one server: statistics, the client registry,
/// configuration values, and identity (run id, start time).

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

namespace respkit::server {

class session;

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
    std::map<std::string, std::uint64_t, std::less<>> error_counts; ///< errorstats, by prefix
};

/// What every session of a server shares. Not thread-safe: one event loop owns it.
class server_context {
public:
    /// A context with a fresh random run id.
    server_context() {
        std::random_device device;
        std::mt19937_64 rng(device());
        static constexpr char hex[] = "0123456789abcdef";
        m_run_id.resize(40);
        for (char& c : m_run_id) c = hex[rng() % 16];
    }

    /// Counters for INFO.
    [[nodiscard]] server_stats& stats() noexcept { return m_stats; }
    /// Counters for INFO.
    [[nodiscard]] const server_stats& stats() const noexcept { return m_stats; }
    /// 40 hex characters identifying this server run.
    [[nodiscard]] const std::string& run_id() const noexcept { return m_run_id; }
    /// When the server started.
    [[nodiscard]] std::chrono::steady_clock::time_point started() const noexcept { return m_started; }

    /// Next client id (CLIENT ID), starting at 1.
    [[nodiscard]] std::uint64_t next_client_id() noexcept { return ++m_last_client_id; }
    /// Registers a live session (sessions do it themselves).
    void add_client(session* s) { m_clients.insert(s); }
    /// Unregisters a session (sessions do it themselves).
    void remove_client(session* s) { m_clients.erase(s); }
    /// Every live session (CLIENT LIST, INFO clients).
    [[nodiscard]] const std::unordered_set<session*>& clients() const noexcept { return m_clients; }

    /// Counts one error reply under its prefix ("ERR", "WRONGTYPE", ...), as Redis's errorstats.
    void count_error(std::string_view message) {
        ++m_stats.total_error_replies;
        const std::string_view prefix = message.substr(0, message.find(' '));
        auto it = m_stats.error_counts.find(prefix);
        if (it == m_stats.error_counts.end()) it = m_stats.error_counts.emplace(std::string(prefix), 0).first;
        ++it->second;
    }

    /// The time of the current event-loop turn (cached: reading the clock per command costs).
    [[nodiscard]] std::chrono::steady_clock::time_point now() const noexcept { return m_now; }
    /// Refreshes now(); transports call it once per turn of their loop.
    void tick() noexcept { m_now = std::chrono::steady_clock::now(); }

    /// Asks the transport to stop (SHUTDOWN, or a signal).
    void request_shutdown() noexcept { m_shutdown = true; }
    /// True once a shutdown was requested.
    [[nodiscard]] bool shutdown_requested() const noexcept { return m_shutdown; }

private:
    server_stats m_stats{};
    std::string m_run_id;
    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_now = m_started;
    std::uint64_t m_last_client_id = 0;
    std::unordered_set<session*> m_clients;
    bool m_shutdown = false;
};

} // namespace respkit::server

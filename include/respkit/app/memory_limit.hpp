#pragma once

/// \file
/// maxmemory in respkit's server: before each client command, keys are evicted by
/// maxmemory-policy until the memory used is under the limit (within the time
/// maxmemory-eviction-tenacity allows, the rest from a timer), and when nothing more can be evicted
/// the commands that may grow memory get Redis's -OOM error; the access tracking the policies
/// need (LRU or LFU, lfu-log-factor, lfu-decay-time) follows the configuration.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "respkit/commands/info.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/eviction.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// What an eviction run achieved (Redis's EVICT_OK, EVICT_RUNNING, EVICT_FAIL).
enum class eviction_result : std::uint8_t {
    ok,      ///< under the limit (or no limit)
    running, ///< still over, out of time: a timer goes on evicting; commands are not refused
    fail,    ///< over the limit and nothing more may be evicted: denyoom commands are refused
};

/// Redis's reply to a command refused for memory (without the leading '-').
inline constexpr std::string_view oom_error = "OOM command not allowed when used memory > 'maxmemory'.";

/// The memory limit of a server over `Keyspace`: the maxmemory settings, the out-of-memory check
/// in the command path, and the evictions.
template <class Keyspace>
class memory_limit {
public:
    /// A limit reading `config`, evicting from `keyspace`, logging to `context`.
    memory_limit(server::config_table& config, server::server_context& context, Keyspace& keyspace)
        : m_config(config), m_context(context), m_keyspace(keyspace) {}
    memory_limit(const memory_limit&) = delete;
    memory_limit& operator=(const memory_limit&) = delete;

    /// Registers the out-of-memory check on `commands` and follows the settings' changes.
    void install(server::dispatcher& commands) {
        commands.add_check(server::check_stage::out_of_memory, "maxmemory",
                           [this](const server::pending_command& c) { return check(c); });
        for (const std::string_view name : {"maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
                                            "lfu-log-factor", "lfu-decay-time"}) {
            m_config.on_change(name, [this](std::string_view) {
                read_settings();
                return std::string();
            });
        }
        m_config.on_change("maxmemory", [this](std::string_view) {
            read_settings();
            // As Redis's CONFIG SET maxmemory: warn when already over, and start evicting now.
            if (m_maxmemory != 0 && m_transport != nullptr) {
                if (const std::uint64_t used = commands::used_memory_bytes(); used > m_maxmemory) {
                    m_context.log(server::log_level::warning,
                                  "WARNING: the new maxmemory value set via CONFIG SET (" + std::to_string(m_maxmemory) +
                                      ") is smaller than the current memory usage (" + std::to_string(used) +
                                      "). This will result in key eviction and/or the inability to accept new write "
                                      "commands depending on the maxmemory-policy.");
                    start_timer();
                }
            }
            return std::string();
        });
        read_settings();
    }

    /// Evictions that ran out of time continue from `transport`'s timers from now on.
    void start(net::tcp_server& transport) { m_transport = &transport; }

    /// Evicts keys until the memory used is under maxmemory, or time is up, or nothing more may be
    /// evicted (Redis's performEvictions).
    eviction_result perform() {
        // Nor while clients are paused (Redis's isSafeToPerformEvictions): the dataset stays still.
        if (m_maxmemory == 0 || m_context.loading() || m_context.pause().active(m_context.now())) return eviction_result::ok;
        std::uint64_t used = commands::used_memory_bytes();
        if (used <= m_maxmemory) {
            stop_timer();
            return eviction_result::ok;
        }
        if (m_policy == store::eviction_policy::noeviction) return eviction_result::fail;
        const auto started = std::chrono::steady_clock::now();
        const std::uint64_t to_free = used - m_maxmemory;
        std::uint64_t freed = 0;
        for (std::uint64_t evicted = 1; freed < to_free; ++evicted) {
            if (!m_evictor.evict_one(m_keyspace, m_policy, m_samples)) return eviction_result::fail;
            const std::uint64_t now_used = commands::used_memory_bytes();
            if (now_used < used) freed += used - now_used;
            used = now_used;
            // A large excess is freed a slice at a time (maxmemory-eviction-tenacity), the rest from
            // a timer, so that one command does not stall every client.
            if (evicted % 16 == 0 && m_transport != nullptr &&
                std::chrono::steady_clock::now() - started > m_time_limit) {
                start_timer();
                return eviction_result::running;
            }
        }
        stop_timer();
        return eviction_result::ok;
    }

    /// The bytes maxmemory allows (0: no limit).
    [[nodiscard]] std::uint64_t maxmemory() const noexcept { return m_maxmemory; }
    /// The policy in effect.
    [[nodiscard]] store::eviction_policy policy() const noexcept { return m_policy; }

private:
    // Before a client's command (Redis's processCommand): evict what must be; refuse, when that
    // failed, a command that may grow memory, and inside MULTI anything that would be queued.
    [[nodiscard]] std::string check(const server::pending_command& c) {
        if (m_maxmemory == 0 || c.origin != server::command_origin::client) return {};
        if (perform() != eviction_result::fail) return {};
        bool refuse = server::has(c.entry.spec.flags, server::command_flag::denyoom) ||
                      server::has(c.queued_flags, server::command_flag::denyoom);
        if (c.in_multi) {
            const std::string_view name = c.entry.full_name;
            refuse = refuse || (name != "exec" && name != "discard" && name != "quit" && name != "reset");
        }
        return refuse ? std::string(oom_error) : std::string();
    }

    void read_settings() {
        m_maxmemory = static_cast<std::uint64_t>(m_config.get_integer("maxmemory"));
        const auto policy = store::eviction_policy_named(m_config.get("maxmemory-policy"));
        const store::eviction_policy next = policy ? *policy : store::eviction_policy::noeviction;
        if (next != m_policy) m_evictor.reset();
        m_policy = next;
        m_samples = static_cast<std::size_t>(m_config.get_integer("maxmemory-samples"));
        m_time_limit = time_limit(m_config.get_integer("maxmemory-eviction-tenacity"));
        store::access_options access;
        access.mode = store::access_mode_for(m_policy);
        access.lfu_log_factor = static_cast<int>(m_config.get_integer("lfu-log-factor"));
        access.lfu_decay_time = static_cast<int>(m_config.get_integer("lfu-decay-time"));
        m_keyspace.set_access_options(access);
    }

    // Redis's evictionTimeLimitUs: 50 us per step up to 10, then 15% more per step, no limit at 100.
    [[nodiscard]] static std::chrono::microseconds time_limit(std::int64_t tenacity) {
        if (tenacity <= 10) return std::chrono::microseconds(50 * (tenacity < 0 ? 0 : tenacity));
        if (tenacity < 100)
            return std::chrono::microseconds(
                static_cast<std::int64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity) - 10.0)));
        return std::chrono::microseconds::max();
    }

    void start_timer() {
        if (m_timer || m_transport == nullptr) return;
        // Each run frees another slice; perform() stops the timer once under the limit.
        m_timer = m_transport->every(std::chrono::milliseconds(1), [this] {
            if (perform() == eviction_result::fail) stop_timer();
        });
    }
    void stop_timer() {
        if (m_timer && m_transport != nullptr) m_transport->cancel(*m_timer);
        m_timer.reset();
    }

    server::config_table& m_config;
    server::server_context& m_context;
    Keyspace& m_keyspace;
    net::tcp_server* m_transport = nullptr;
    store::evictor m_evictor;
    std::uint64_t m_maxmemory = 0;
    store::eviction_policy m_policy = store::eviction_policy::noeviction;
    std::size_t m_samples = 5;
    std::chrono::microseconds m_time_limit{500};
    std::optional<net::timer_id> m_timer;
};

} // namespace respkit::app

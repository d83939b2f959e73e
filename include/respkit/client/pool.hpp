#pragma once

/// \file
/// A thread-safe pool of blocking connections with RAII leases.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "respkit/client/connection.hpp"
#include "respkit/client/result.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// How the pool sizes and checks its connections.
struct pool_options {
    client::options connection;                         ///< how each connection connects
    std::size_t min_size = 1;                           ///< connections opened up front (fill())
    std::size_t max_size = 10;                          ///< connections open at most (idle + leased)
    std::chrono::milliseconds acquire_timeout{2000};    ///< default wait in acquire()
    std::chrono::milliseconds ping_after_idle{1000};    ///< PING a connection idle this long before lending it
};

/// A snapshot of the pool's counters.
struct pool_stats {
    std::size_t in_use = 0;    ///< leased now
    std::size_t idle = 0;      ///< waiting in the pool
    std::size_t created = 0;   ///< opened since the pool started
    std::size_t discarded = 0; ///< dropped as broken (or by lease::discard) since the pool started
};

class connection_pool;

/// A leased connection, returned to its pool when the lease is destroyed. A connection that
/// is closed, or whose link broke during the lease, is discarded instead (and replaced later).
class lease {
public:
    lease(lease&& other) noexcept
        : m_pool(std::exchange(other.m_pool, nullptr)), m_conn(std::move(other.m_conn)) {}
    lease& operator=(lease&& other) noexcept {
        if (this != &other) {
            give_back(false);
            m_pool = std::exchange(other.m_pool, nullptr);
            m_conn = std::move(other.m_conn);
        }
        return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { give_back(false); }

    /// The connection.
    connection& operator*() const noexcept { return *m_conn; }
    connection* operator->() const noexcept { return m_conn.get(); }
    /// Closes the connection and drops it from the pool now (e.g. after a protocol misuse).
    void discard() { give_back(true); }

private:
    friend class connection_pool;
    lease(connection_pool* pool, std::unique_ptr<connection> conn) noexcept : m_pool(pool), m_conn(std::move(conn)) {}
    inline void give_back(bool discard);

    connection_pool* m_pool = nullptr;
    std::unique_ptr<connection> m_conn;
};

/// Lends connections to threads. Every lease must end before the pool is destroyed.
class connection_pool {
public:
    /// A pool; opens min_size connections now (failures are left for acquire() to retry).
    explicit connection_pool(pool_options opts) : m_options(std::move(opts)) {
        if (m_options.max_size == 0) m_options.max_size = 1;
        if (m_options.min_size > m_options.max_size) m_options.min_size = m_options.max_size;
        (void)fill();
    }
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /// Opens connections until min_size are open; returns how many are open.
    std::size_t fill() {
        for (;;) {
            {
                std::lock_guard lock(m_mutex);
                if (total_locked() >= m_options.min_size) return total_locked();
                ++m_creating;
            }
            auto conn = std::make_unique<connection>(m_options.connection);
            const bool ok = static_cast<bool>(conn->connect());
            std::lock_guard lock(m_mutex);
            --m_creating;
            if (!ok) {
                m_cv.notify_one();
                return total_locked();
            }
            ++m_created;
            m_idle.push_back(std::move(conn));
            m_cv.notify_one();
        }
    }

    /// A connection, waiting up to the pool's acquire_timeout.
    result<lease> acquire() { return acquire(m_options.acquire_timeout); }

    /// A connection, waiting up to `timeout` for one to be returned when max_size are leased.
    /// Fails with errc::pool_timeout, or with the connect error when a new connection fails.
    result<lease> acquire(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock lock(m_mutex);
        for (;;) {
            if (!m_idle.empty()) {
                std::unique_ptr<connection> conn = std::move(m_idle.back());
                m_idle.pop_back();
                ++m_in_use;
                lock.unlock();
                if (std::chrono::steady_clock::now() - conn->last_used() >= m_options.ping_after_idle) {
                    // PING reconnects a link the server closed; a failing one is replaced.
                    if (!conn->ping()) {
                        conn.reset();
                        lock.lock();
                        --m_in_use;
                        ++m_discarded;
                        m_cv.notify_one();
                        continue;
                    }
                }
                return lease(this, std::move(conn));
            }
            if (total_locked() < m_options.max_size) {
                ++m_creating;
                lock.unlock();
                auto conn = std::make_unique<connection>(m_options.connection);
                auto connected = conn->connect();
                lock.lock();
                --m_creating;
                if (!connected) {
                    m_cv.notify_one();
                    return connected.error();
                }
                ++m_created;
                ++m_in_use;
                return lease(this, std::move(conn));
            }
            if (m_cv.wait_until(lock, deadline) == std::cv_status::timeout && m_idle.empty() &&
                total_locked() >= m_options.max_size) {
                return make_error(errc::pool_timeout, "all " + std::to_string(m_options.max_size) +
                                                          " connections stayed leased");
            }
        }
    }

    /// The counters now.
    [[nodiscard]] pool_stats stats() const {
        std::lock_guard lock(m_mutex);
        return pool_stats{m_in_use, m_idle.size(), m_created, m_discarded};
    }
    /// The options in force.
    [[nodiscard]] const pool_options& settings() const noexcept { return m_options; }

private:
    friend class lease;

    [[nodiscard]] std::size_t total_locked() const noexcept { return m_in_use + m_idle.size() + m_creating; }

    void give_back(std::unique_ptr<connection> conn, bool discard) {
        const bool keep = !discard && conn->connected() && !conn->watching();
        std::unique_ptr<connection> dropped;
        {
            std::lock_guard lock(m_mutex);
            --m_in_use;
            if (keep) {
                m_idle.push_back(std::move(conn));
            } else {
                ++m_discarded;
                dropped = std::move(conn); // closed outside the lock
            }
        }
        m_cv.notify_one();
    }

    pool_options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<std::unique_ptr<connection>> m_idle;
    std::size_t m_in_use = 0;
    std::size_t m_creating = 0;
    std::size_t m_created = 0;
    std::size_t m_discarded = 0;
};

inline void lease::give_back(bool discard) {
    if (m_pool != nullptr && m_conn) m_pool->give_back(std::move(m_conn), discard);
    m_pool = nullptr;
}

} // namespace respkit::client

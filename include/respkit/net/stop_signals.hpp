#pragma once

/// \file
/// SIGINT and SIGTERM turned into a graceful stop: while a stop_signals object lives, those
/// signals wake an event loop instead of killing the process.

#include <atomic>
#include <csignal>

#include <signal.h>

#include "respkit/net/wakeup.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

namespace detail {

// Process-wide: signal dispositions are process-wide too.
inline std::atomic<int> stop_signal_fd{-1};
inline std::atomic<int> stop_signal_number{0};

inline void on_stop_signal(int sig) noexcept {
    stop_signal_number.store(sig, std::memory_order_relaxed);
    wakeup::notify(stop_signal_fd.load(std::memory_order_relaxed));
}

} // namespace detail

/// Installs handlers for SIGINT and SIGTERM that record the signal and notify `wake`; the
/// previous handlers come back on destruction. One at a time per process (the last one
/// installed wins until it is destroyed).
class stop_signals {
public:
    /// Routes SIGINT and SIGTERM to `wake`.
    explicit stop_signals(const wakeup& wake) {
        m_previous_fd = detail::stop_signal_fd.exchange(wake.notify_fd());
        detail::stop_signal_number.store(0);
        struct sigaction action {};
        action.sa_handler = &detail::on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, &m_previous_int);
        ::sigaction(SIGTERM, &action, &m_previous_term);
    }
    stop_signals(const stop_signals&) = delete;
    stop_signals& operator=(const stop_signals&) = delete;
    ~stop_signals() {
        ::sigaction(SIGINT, &m_previous_int, nullptr);
        ::sigaction(SIGTERM, &m_previous_term, nullptr);
        detail::stop_signal_fd.store(m_previous_fd);
    }

    /// The signal received since installation (SIGINT or SIGTERM), or 0.
    [[nodiscard]] static int received() noexcept { return detail::stop_signal_number.load(std::memory_order_relaxed); }

private:
    struct sigaction m_previous_int {};
    struct sigaction m_previous_term {};
    int m_previous_fd = -1;
};

} // namespace respkit::net

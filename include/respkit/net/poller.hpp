#pragma once

/// \file
/// Readiness notification for many descriptors: epoll on Linux, poll() elsewhere (or anywhere
/// when RESPKIT_NET_USE_POLL is defined). Level-triggered either way, with an optional adaptive
/// busy poll before blocking (see docs/net.md).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#if defined(__linux__) && !defined(RESPKIT_NET_USE_POLL)
#define RESPKIT_NET_EPOLL 1
#include <sys/epoll.h>
#else
#include <poll.h>
#endif

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

/// What a descriptor is watched for, and what it is ready for.
enum readiness : std::uint32_t {
    readable = 1u << 0, ///< data (or EOF) to read; for a listener, a connection to accept
    writable = 1u << 1, ///< room to send
    hangup = 1u << 2,   ///< error or hang-up (reported whatever was asked for)
};

/// One ready descriptor.
struct poll_event {
    int fd;                 ///< the descriptor
    std::uint32_t events;   ///< `readiness` bits
};

/// A set of watched descriptors and a wait for the ready ones. Level-triggered: a descriptor
/// stays ready until read, written or unwatched. Not thread-safe.
class poller {
public:
    /// At most `max_events` descriptors are reported per wait().
    explicit poller(std::size_t max_events = 1024) : m_max_events(max_events ? max_events : 1) {}

    /// Before blocking, wait() checks again for up to `limit` (0: never) while events keep
    /// coming sooner than that; the time checked adapts to how long waits last (docs/net.md).
    void busy_poll(std::chrono::microseconds limit) noexcept {
        m_poll_limit = std::max(limit, std::chrono::microseconds{0});
        m_poll_window = std::chrono::microseconds{0};
    }
    /// The busy poll's limit.
    [[nodiscard]] std::chrono::microseconds busy_poll() const noexcept { return m_poll_limit; }

    /// Creates the kernel object (epoll) and buffers.
    [[nodiscard]] std::error_code open() {
#if defined(RESPKIT_NET_EPOLL)
        const int fd = ::epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) return {errno, std::system_category()};
        m_epoll.reset(fd);
        m_raw.resize(m_max_events);
#endif
        m_events.reserve(m_max_events);
        return {};
    }

    /// Watches `fd` for `interest` (readable | writable, or 0 for errors only).
    [[nodiscard]] std::error_code add(int fd, std::uint32_t interest) {
#if defined(RESPKIT_NET_EPOLL)
        epoll_event ev = to_epoll(fd, interest);
        if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return {errno, std::system_category()};
#else
        if (static_cast<std::size_t>(fd) >= m_slot.size()) m_slot.resize(static_cast<std::size_t>(fd) + 1, npos);
        m_slot[static_cast<std::size_t>(fd)] = m_fds.size();
        m_fds.push_back({fd, to_poll(interest), 0});
#endif
        return {};
    }
    /// Changes what `fd` is watched for.
    [[nodiscard]] std::error_code modify(int fd, std::uint32_t interest) {
#if defined(RESPKIT_NET_EPOLL)
        epoll_event ev = to_epoll(fd, interest);
        if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, &ev) != 0) return {errno, std::system_category()};
#else
        m_fds[m_slot[static_cast<std::size_t>(fd)]].events = to_poll(interest);
#endif
        return {};
    }
    /// Stops watching `fd` (before it is closed).
    void remove(int fd) noexcept {
#if defined(RESPKIT_NET_EPOLL)
        epoll_event ev{};
        ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, &ev);
#else
        if (fd < 0 || static_cast<std::size_t>(fd) >= m_slot.size() || m_slot[static_cast<std::size_t>(fd)] == npos) return;
        const std::size_t at = m_slot[static_cast<std::size_t>(fd)];
        m_fds[at] = m_fds.back();
        m_slot[static_cast<std::size_t>(m_fds[at].fd)] = at;
        m_fds.pop_back();
        m_slot[static_cast<std::size_t>(fd)] = npos;
#endif
    }

    /// Waits up to `timeout_ms` (-1: forever, 0: not at all) for ready descriptors; returns
    /// them (valid until the next wait). Interrupted by a signal, it returns none.
    [[nodiscard]] const std::vector<poll_event>& wait(int timeout_ms) {
        if (timeout_ms == 0 || m_poll_limit.count() == 0) return collect(timeout_ms);
        using clock = std::chrono::steady_clock;
        const auto start = clock::now();
        const auto deadline = start + std::chrono::milliseconds(timeout_ms); // if timeout_ms > 0
        if (m_poll_window.count() > 0) {
            // Each check is a system call, but a client that sends to a sleeping server pays
            // for waking it up, and that costs the client more (docs/net.md).
            const auto until = timeout_ms > 0 ? std::min(start + m_poll_window, deadline) : start + m_poll_window;
            do {
                if (!collect(0).empty()) return m_events;
            } while (clock::now() < until);
        }
        int left_ms = timeout_ms;
        if (timeout_ms > 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            left_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
        }
        collect(left_ms);
        const auto idle = clock::now() - start;
        if (m_events.empty() || idle > m_poll_limit) {
            // Nothing within the limit: checking longer would not have helped.
            m_poll_window /= 2;
            if (m_poll_window < m_poll_limit / 8) m_poll_window = std::chrono::microseconds{0};
        } else if (idle > m_poll_window) {
            // Events came within the limit but after the window: a longer one would catch them.
            m_poll_window = m_poll_window.count() == 0 ? std::max(m_poll_limit / 4, std::chrono::microseconds{1})
                                                       : std::min(m_poll_window * 2, m_poll_limit);
        }
        return m_events;
    }

private:
    const std::vector<poll_event>& collect(int timeout_ms) {
        m_events.clear();
#if defined(RESPKIT_NET_EPOLL)
        const int n = ::epoll_wait(m_epoll.get(), m_raw.data(), static_cast<int>(m_raw.size()), timeout_ms);
        for (int i = 0; i < n; ++i) {
            const epoll_event& ev = m_raw[static_cast<std::size_t>(i)];
            std::uint32_t ready = 0;
            if (ev.events & EPOLLIN) ready |= readable;
            if (ev.events & EPOLLOUT) ready |= writable;
            if (ev.events & (EPOLLERR | EPOLLHUP)) ready |= hangup;
            m_events.push_back({ev.data.fd, ready});
        }
#else
        const int n = ::poll(m_fds.data(), static_cast<nfds_t>(m_fds.size()), timeout_ms);
        const std::size_t count = m_fds.size();
        // Start where the last full batch stopped, so no descriptor waits behind the others.
        if (m_next >= count) m_next = 0;
        for (std::size_t k = 0; n > 0 && k < count && m_events.size() < m_max_events; ++k) {
            const std::size_t i = (m_next + k) % count;
            const short r = m_fds[i].revents;
            if (r == 0) continue;
            std::uint32_t ready = 0;
            if (r & POLLIN) ready |= readable;
            if (r & POLLOUT) ready |= writable;
            if (r & (POLLERR | POLLHUP | POLLNVAL)) ready |= hangup;
            m_events.push_back({m_fds[i].fd, ready});
            if (m_events.size() == m_max_events) m_next = i + 1;
        }
#endif
        return m_events;
    }

#if defined(RESPKIT_NET_EPOLL)
    static epoll_event to_epoll(int fd, std::uint32_t interest) noexcept {
        epoll_event ev{};
        if (interest & readable) ev.events |= EPOLLIN;
        if (interest & writable) ev.events |= EPOLLOUT;
        ev.data.fd = fd;
        return ev;
    }
    unique_fd m_epoll;
    std::vector<epoll_event> m_raw;
#else
    static short to_poll(std::uint32_t interest) noexcept {
        short events = 0;
        if (interest & readable) events |= POLLIN;
        if (interest & writable) events |= POLLOUT;
        return events;
    }
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::vector<pollfd> m_fds;
    std::vector<std::size_t> m_slot; // index in m_fds by descriptor
    std::size_t m_next = 0;          // where the next scan starts
#endif
    std::size_t m_max_events;
    std::vector<poll_event> m_events;
    std::chrono::microseconds m_poll_limit{0};  // busy poll: at most this long
    std::chrono::microseconds m_poll_window{0}; // busy poll: this long now
};

} // namespace respkit::net

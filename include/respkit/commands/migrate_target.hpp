#pragma once

/// \file
/// migrate_target: MIGRATE's blocking connection to the target instance, every step of which
/// (resolving and connecting, writing, reading a reply line) ends by one deadline. POSIX.

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// A blocking TCP connection with one deadline for everything it does: MIGRATE holds the server
/// for at most its timeout, however the target behaves.
class migrate_target {
public:
    using clock = std::chrono::steady_clock;

    /// Starts the deadline: every call after fails once `timeout` has passed.
    explicit migrate_target(std::chrono::milliseconds timeout) : m_deadline(clock::now() + timeout) {}

    /// Starts connecting to `host` and `port` (read as Redis's atoi does) and waits until the
    /// socket is writable or the deadline passes. False only when the name does not resolve or no
    /// socket could start connecting; a refused or unfinished connection fails the first write.
    [[nodiscard]] bool connect(std::string_view host, std::string_view port) {
        // atoi as glibc's: strtol, the long narrowed to int.
        const int port_number = static_cast<int>(std::strtol(std::string(port).c_str(), nullptr, 10));
        addrinfo* found = resolve(std::string(host), std::to_string(port_number));
        if (found == nullptr) return false;
        bool connected = false;
        for (const addrinfo* a = found; a != nullptr && !connected; a = a->ai_next) {
            unique_fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
            if (!fd) continue;
            if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
                if (errno != EINPROGRESS) continue;
                // As Redis's connBlockingConnect: a refusal or a timeout shows at the first write.
                (void)wait_for(fd.get(), POLLOUT);
            }
            const int one = 1;
            (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            m_fd = std::move(fd);
            connected = true;
        }
        ::freeaddrinfo(found);
        return connected;
    }

    /// Sends all of `bytes`. False on an error or timeout.
    [[nodiscard]] bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(m_fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!wait_for(m_fd.get(), POLLOUT)) return false;
            } else {
                return false;
            }
        }
        return true;
    }

    /// Reads one reply line (without its CR LF) into `line`, keeping at most 1023 bytes of it as
    /// Redis's connSyncReadLine does. False on an error, a closed connection or a timeout.
    [[nodiscard]] bool read_line(std::string& line) {
        line.clear();
        for (;;) {
            const std::size_t lf = m_input.find('\n', m_scanned);
            if (lf != std::string::npos) {
                std::size_t end = lf;
                if (end > 0 && m_input[end - 1] == '\r') --end;
                line.assign(m_input, 0, std::min<std::size_t>(end, 1023));
                m_input.erase(0, lf + 1);
                m_scanned = 0;
                return true;
            }
            // A line longer than what is kept: drop the middle, keep scanning for its end.
            if (m_input.size() > 4096) m_input.erase(1024, m_input.size() - 1024);
            m_scanned = m_input.size();
            char buf[4096];
            const ssize_t n = ::recv(m_fd.get(), buf, sizeof buf, 0);
            if (n > 0) {
                m_input.append(buf, static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!wait_for(m_fd.get(), POLLIN)) return false;
            } else {
                return false; // closed by the target, or an error
            }
        }
    }

    /// Closes the connection (and drops what was received); the deadline stays.
    void close() noexcept {
        m_fd.reset();
        m_input.clear();
        m_scanned = 0;
    }

    /// True when a step failed because the deadline passed (Redis does not retry then).
    [[nodiscard]] bool timed_out() const noexcept { return m_timed_out; }

private:
    // The addresses of host:port (to free with freeaddrinfo), or null. A numeric address is read
    // at once; a name is resolved on a thread of its own, waited for until the deadline (the
    // system resolver has its own, longer, timeouts): a late answer is freed by that thread.
    addrinfo* resolve(const std::string& host, const std::string& port) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
        addrinfo* found = nullptr;
        if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0) return found;
        struct resolution {
            std::mutex mutex;
            std::condition_variable done_cv;
            bool done = false, abandoned = false;
            addrinfo* result = nullptr;
        };
        auto shared = std::make_shared<resolution>();
        try {
            std::thread([shared, host, port] {
                addrinfo name_hints{};
                name_hints.ai_family = AF_UNSPEC;
                name_hints.ai_socktype = SOCK_STREAM;
                name_hints.ai_flags = AI_NUMERICSERV;
                addrinfo* result = nullptr;
                if (::getaddrinfo(host.c_str(), port.c_str(), &name_hints, &result) != 0) result = nullptr;
                const std::lock_guard lock(shared->mutex);
                if (shared->abandoned) {
                    if (result != nullptr) ::freeaddrinfo(result);
                    return;
                }
                shared->result = result;
                shared->done = true;
                shared->done_cv.notify_one();
            }).detach();
        } catch (const std::system_error&) {
            return nullptr; // no thread to resolve with: as a failed resolution
        }
        std::unique_lock lock(shared->mutex);
        if (!shared->done_cv.wait_until(lock, m_deadline, [&] { return shared->done; })) {
            shared->abandoned = true;
            m_timed_out = true;
            return nullptr;
        }
        return shared->result;
    }

    // Waits until `fd` is ready for `events` or the deadline passes.
    bool wait_for(int fd, short events) {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline - clock::now()).count();
            if (left <= 0) {
                m_timed_out = true;
                return false;
            }
            pollfd p{fd, events, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
            if (r > 0) return true;
            if (r < 0 && errno != EINTR) return false;
        }
    }

    clock::time_point m_deadline;
    unique_fd m_fd;
    std::string m_input;       // received and not yet returned as lines
    std::size_t m_scanned = 0; // bytes of m_input already searched for a line end
    bool m_timed_out = false;
};

} // namespace respkit::commands

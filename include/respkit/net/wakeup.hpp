#pragma once

/// \file
/// A descriptor an event loop polls so that other threads and signal handlers can wake it.

#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

/// An eventfd on Linux, a non-blocking pipe elsewhere. notify() is thread-safe and
/// async-signal-safe; the loop polls fd() for reading and calls drain() when it is readable.
class wakeup {
public:
    /// Creates the descriptors.
    [[nodiscard]] std::error_code open() {
#if defined(__linux__)
        const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) return {errno, std::system_category()};
        m_read.reset(fd);
#else
        int fds[2];
        if (::pipe(fds) != 0) return {errno, std::system_category()};
        m_read.reset(fds[0]);
        m_write.reset(fds[1]);
        for (const int fd : fds) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
#endif
        return {};
    }
    /// The descriptor to poll for reading (-1 before open()).
    [[nodiscard]] int fd() const noexcept { return m_read.get(); }
    /// The descriptor notify() writes to (-1 before open()).
    [[nodiscard]] int notify_fd() const noexcept {
#if defined(__linux__)
        return m_read.get();
#else
        return m_write.get();
#endif
    }
    /// Makes fd() readable. Thread-safe and async-signal-safe.
    void notify() const noexcept { notify(notify_fd()); }
    /// Makes a wakeup's notify_fd() readable (for signal handlers that keep only the number).
    static void notify(int fd) noexcept {
        if (fd < 0) return;
        const int saved = errno;
        const std::uint64_t one = 1; // an eventfd takes 8 bytes; a pipe takes any
        [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
        errno = saved;
    }
    /// Empties fd() after it polled readable.
    void drain() const noexcept {
        std::uint64_t buf[16];
        while (::read(fd(), buf, sizeof buf) > 0) {
        }
    }

private:
    unique_fd m_read;
#if !defined(__linux__)
    unique_fd m_write;
#endif
};

} // namespace respkit::net

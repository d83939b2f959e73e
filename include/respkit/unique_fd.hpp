#pragma once

/// \file
/// An owned POSIX file descriptor, closed on destruction.

#include <respkit/version.hpp>

#include <unistd.h>

#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE {

/// Owns a file descriptor (or none: -1) and closes it when destroyed or reset. Move-only.
class unique_fd {
public:
    /// No descriptor.
    unique_fd() noexcept = default;
    /// Takes ownership of `fd` (-1 for none).
    explicit unique_fd(int fd) noexcept : m_fd(fd) {}
    unique_fd(unique_fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.m_fd, -1));
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    /// The descriptor, or -1.
    [[nodiscard]] int get() const noexcept { return m_fd; }
    /// True when a descriptor is owned.
    [[nodiscard]] explicit operator bool() const noexcept { return m_fd >= 0; }
    /// Closes the owned descriptor (if any) and owns `fd` instead.
    void reset(int fd = -1) noexcept {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = fd;
    }
    /// Gives up ownership without closing.
    [[nodiscard]] int release() noexcept { return std::exchange(m_fd, -1); }

private:
    int m_fd = -1;
};

} // namespace respkit

#pragma once

/// \file
/// TCP socket helpers: listening, accepting, socket options, and "ip:port" formatting.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include "respkit/unique_fd.hpp"

#if !defined(MSG_NOSIGNAL)
#define RESPKIT_NET_NO_MSG_NOSIGNAL 1
#endif

namespace respkit::net {

/// Flags for send(): no SIGPIPE where the platform has MSG_NOSIGNAL (elsewhere sockets get
/// SO_NOSIGPIPE from prepare_socket()).
inline constexpr int send_flags =
#if defined(RESPKIT_NET_NO_MSG_NOSIGNAL)
    0;
#else
    MSG_NOSIGNAL;
#endif

/// "ip:port" for IPv4, "[ip]:port" for IPv6 (as Redis prints addresses in CLIENT LIST).
[[nodiscard]] inline std::string format_address(const sockaddr* addr) {
    char ip[INET6_ADDRSTRLEN] = {};
    unsigned port = 0;
    if (addr->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
        ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        port = ntohs(in->sin_port);
        return std::string(ip) + ':' + std::to_string(port);
    }
    if (addr->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        port = ntohs(in6->sin6_port);
        return '[' + std::string(ip) + "]:" + std::to_string(port);
    }
    return "?:0";
}

/// The local address of a socket, formatted, or "" on error.
[[nodiscard]] inline std::string local_address_of(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
    return format_address(reinterpret_cast<const sockaddr*>(&addr));
}

/// The port a socket is bound to, or 0.
[[nodiscard]] inline std::uint16_t local_port_of(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    return 0;
}

/// Makes a socket non-blocking and close-on-exec.
inline void set_nonblocking(int fd) noexcept {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/// Options for an accepted connection: TCP_NODELAY (replies leave at once), no SIGPIPE.
inline void prepare_socket(int fd) noexcept {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(RESPKIT_NET_NO_MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/// A non-blocking listening TCP socket bound to `host` ("127.0.0.1", "::1", "0.0.0.0", a
/// name) and `port` (0: the kernel picks one), with SO_REUSEADDR.
[[nodiscard]] inline std::error_code listen_tcp(const std::string& host, std::uint16_t port, int backlog,
                                                unique_fd& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0 || !found) {
        return std::make_error_code(std::errc::address_not_available);
    }
    std::error_code error = std::make_error_code(std::errc::address_not_available);
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        unique_fd fd(::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol));
        if (!fd) {
            error = {errno, std::system_category()};
            continue;
        }
        set_nonblocking(fd.get());
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), backlog) != 0) {
            error = {errno, std::system_category()};
            continue;
        }
        out = std::move(fd);
        error.clear();
        break;
    }
    ::freeaddrinfo(found);
    return error;
}

/// Accepts one connection as a non-blocking, close-on-exec socket; the peer's address goes to
/// `peer`. Returns the descriptor, or -1 with errno set.
[[nodiscard]] inline int accept_nonblocking(int listener, sockaddr_storage& peer) noexcept {
    socklen_t len = sizeof peer;
#if defined(__linux__)
    return ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    const int fd = ::accept(listener, reinterpret_cast<sockaddr*>(&peer), &len);
    if (fd >= 0) set_nonblocking(fd);
    return fd;
#endif
}

} // namespace respkit::net

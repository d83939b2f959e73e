#pragma once

/// \file
/// Socket helpers: listening (TCP and Unix domain), accepting, socket options, and "ip:port"
/// formatting.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

#if !defined(MSG_NOSIGNAL)
#define RESPKIT_NET_NO_MSG_NOSIGNAL 1
#endif

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

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

/// A non-blocking listening TCP socket bound to `host` and `port` (0: the kernel picks one),
/// with SO_REUSEADDR. `host` follows Redis's `bind`: an address with ':' is IPv6 (the socket is
/// IPv6-only, as Redis's), "*" is every IPv4 address, "::*" every IPv6 one, a name is resolved;
/// "" lets the system choose (any address).
/// Sets `fd`'s SO_MARK (Linux's socket mark, for routing and filtering: socket-mark-id); false
/// when the kernel refuses (it needs CAP_NET_ADMIN) or the platform has no such option.
inline bool set_socket_mark(int fd, std::uint32_t mark) noexcept {
#ifdef SO_MARK
    return ::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0;
#else
    (void)fd;
    (void)mark;
    return false;
#endif
}

[[nodiscard]] inline std::error_code listen_tcp(const std::string& host, std::uint16_t port, int backlog,
                                                unique_fd& out) {
    addrinfo hints{};
    hints.ai_family = host.empty() ? AF_UNSPEC : host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const bool any = host.empty() || host == "*" || host == "::*";
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(any ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0 || !found) {
        // No such address here: as Redis, EADDRNOTAVAIL (an optional "-address" is then skipped).
        return std::make_error_code(rc == EAI_FAMILY ? std::errc::address_family_not_supported
                                                     : std::errc::address_not_available);
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
        if (ai->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
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

/// A non-blocking listening Unix domain socket at `path` (an old socket file there is removed
/// first, as Redis does), with permissions `permissions` when not 0 (Redis's unixsocketperm).
[[nodiscard]] inline std::error_code listen_unix(const std::string& path, unsigned permissions, int backlog,
                                                 unique_fd& out) {
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof addr.sun_path) return std::make_error_code(std::errc::filename_too_long);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str()); // a stale socket from an earlier run
    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    if (!fd) return {errno, std::system_category()};
    set_nonblocking(fd.get());
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return {errno, std::system_category()};
    if (permissions != 0 && ::chmod(path.c_str(), static_cast<mode_t>(permissions)) != 0) {
        return {errno, std::system_category()};
    }
    if (::listen(fd.get(), backlog) != 0) return {errno, std::system_category()};
    out = std::move(fd);
    return {};
}

/// TCP keepalive probes on `fd` after `seconds` idle, as Redis's tcp-keepalive (then every
/// seconds/3, dropped after 3 unanswered probes).
inline void set_keepalive(int fd, int seconds) noexcept {
    const int one = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0) return;
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
    int interval = seconds / 3;
    if (interval == 0) interval = 1;
    const int probes = 3;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
#else
    (void)seconds;
#endif
}

/// True when `addr` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x), as Redis's
/// protected mode counts local clients.
[[nodiscard]] inline bool is_loopback(const sockaddr* addr) noexcept {
    if (addr->sa_family == AF_INET) {
        return (ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr->sa_family == AF_INET6) {
        const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
        return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
    }
    return addr->sa_family == AF_UNIX;
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

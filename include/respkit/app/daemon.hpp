#pragma once

/// \file
/// Running as a service, as redis-server does: daemonize (fork into the background), a pid
/// file, supervision by systemd (READY=1 on $NOTIFY_SOCKET) or upstart (SIGSTOP when ready).

#include <respkit/version.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// Forks into the background as Redis's daemonize(): the parent exits with status 0, the child
/// starts a new session with its standard streams on /dev/null. Returns in the child only;
/// false (in the process that called it) when fork failed.
inline bool daemonize() {
    std::fflush(nullptr); // nothing buffered is written twice
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid > 0) ::_exit(0);
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) ::close(null);
    }
    return true;
}

/// A file holding the process id, written at start-up and removed on destruction (Redis's
/// pidfile).
class pid_file {
public:
    pid_file() = default;
    pid_file(const pid_file&) = delete;
    pid_file& operator=(const pid_file&) = delete;
    ~pid_file() { remove(); }

    /// Writes this process's id to `path`; the error text on failure (Redis only warns then).
    [[nodiscard]] std::string write(std::string path) {
        remove();
        std::FILE* f = std::fopen(path.c_str(), "w");
        if (f == nullptr) return std::strerror(errno);
        std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
        std::fclose(f);
        m_path = std::move(path);
        m_owner = ::getpid();
        return {};
    }
    /// Removes the file (only in the process that wrote it).
    void remove() noexcept {
        if (!m_path.empty() && m_owner == ::getpid()) ::unlink(m_path.c_str());
        m_path.clear();
    }
    /// The file written ("" when none).
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

private:
    std::string m_path;
    pid_t m_owner = 0;
};

/// The supervision Redis's `supervised` asks for, resolved against the environment as Redis
/// does: "auto" becomes "upstart" when $UPSTART_JOB is set, "systemd" when $NOTIFY_SOCKET is,
/// else "no"; "upstart" without $UPSTART_JOB becomes "no" (with Redis's warning in `warning`).
[[nodiscard]] inline std::string resolve_supervision(std::string_view mode, std::string& warning) {
    const bool upstart = std::getenv("UPSTART_JOB") != nullptr;
    const bool systemd = std::getenv("NOTIFY_SOCKET") != nullptr;
    if (mode == "auto") return upstart ? "upstart" : systemd ? "systemd" : "no";
    if (mode == "upstart" && !upstart) {
        warning = "upstart supervision requested, but UPSTART_JOB not found!";
        return "no";
    }
    return std::string(mode);
}

/// Sends `message` ("READY=1\n", "STATUS=...\n", "STOPPING=1\n") to systemd's notification
/// socket ($NOTIFY_SOCKET; '@' names an abstract socket). False when it could not be sent.
inline bool notify_systemd(std::string_view message) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || path[0] == '\0') return false;
    sockaddr_un addr{};
    const std::size_t len = std::strlen(path);
    if (len >= sizeof addr.sun_path) return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    const bool sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                               size) == static_cast<ssize_t>(message.size());
    ::close(fd);
    return sent;
}

/// Tells upstart the service is ready, as Redis does: it stops itself (SIGSTOP) and upstart
/// resumes it; $UPSTART_JOB is cleared so that children do not do the same.
inline void notify_upstart_ready() {
    ::raise(SIGSTOP);
    ::unsetenv("UPSTART_JOB");
}

} // namespace respkit::app

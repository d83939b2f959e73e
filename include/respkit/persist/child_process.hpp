#pragma once

/// \file
/// respkit::persist::child_process: one forked child doing a job (a background save, a rewrite
/// of the append-only file) on a copy-on-write image of the parent's memory, while the parent
/// keeps serving. The parent polls it from its event loop; the child reports how much memory
/// copy-on-write cost it (Redis's "Fork CoW") through a pipe. Why fork: docs/persistence.md.

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::persist {

/// How a child ended.
struct child_exit {
    bool success = false;          ///< exited with status 0
    int status = 0;                ///< the exit status (when it exited)
    int signal = 0;                ///< the signal that ended it (0 when it exited)
    std::uint64_t cow_bytes = 0;   ///< private memory the child dirtied (copy-on-write), as it reported
    std::chrono::steady_clock::duration elapsed{}; ///< from fork to exit
};

/// The private dirty memory of this process (Private_Dirty in /proc/self/smaps_rollup), in bytes;
/// 0 where unknown.
[[nodiscard]] inline std::uint64_t private_dirty_bytes() noexcept {
    std::FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
    if (f == nullptr) return 0;
    char line[256];
    std::uint64_t kb = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        unsigned long long v = 0;
        if (std::sscanf(line, "Private_Dirty: %llu kB", &v) == 1) kb += v;
    }
    std::fclose(f);
    return kb * 1024;
}

/// One background child at a time. Not thread-safe: the event loop owns it.
class child_process {
public:
    child_process() = default;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    /// Kills a child still running and reaps it.
    ~child_process() { kill_and_wait(); }

    /// Runs `setup` first in every child from now on, with the child's purpose ("rdb", "aof"):
    /// e.g. closing the child's copies of the listening sockets, pinning it to CPUs.
    void set_child_setup(std::function<void(std::string_view purpose)> setup) { m_setup = std::move(setup); }

    /// Forks a child that runs `work` and exits with its result (0: success) without running the
    /// parent's destructors or exit handlers; `purpose` says what it does ("rdb", "aof"). Returns
    /// "" or why the fork failed.
    [[nodiscard]] std::string start(std::string purpose, const std::function<int()>& work) {
        if (running()) return "a child process is already running";
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
        unique_fd read_end(fds[0]);
        unique_fd write_end(fds[1]);
        const auto started = std::chrono::steady_clock::now();
        const pid_t pid = ::fork();
        if (pid < 0) return std::string("fork: ") + std::strerror(errno);
        if (pid == 0) {
            // The child: only this thread exists here; it does its job and leaves with _exit so
            // that nothing of the parent (buffers, atexit handlers, sockets' shutdown) runs twice.
            read_end.reset();
            int result = 1;
            try {
                if (m_setup) m_setup(purpose);
                result = work();
            } catch (...) {
                result = 1;
            }
            const std::uint64_t cow = private_dirty_bytes();
            (void)!::write(write_end.get(), &cow, sizeof cow);
            ::_exit(result);
        }
        m_pid = pid;
        m_purpose = std::move(purpose);
        m_started = started;
        m_report = std::move(read_end);
        ::fcntl(m_report.get(), F_SETFL, O_NONBLOCK);
        return {};
    }

    /// True while a child runs (until poll() or kill_and_wait() reaped it).
    [[nodiscard]] bool running() const noexcept { return m_pid > 0; }
    /// The child's process id (0 when none).
    [[nodiscard]] pid_t pid() const noexcept { return m_pid > 0 ? m_pid : 0; }
    /// What the running child does ("" when none).
    [[nodiscard]] const std::string& purpose() const noexcept { return m_purpose; }
    /// When the running child was forked.
    [[nodiscard]] std::chrono::steady_clock::time_point started() const noexcept { return m_started; }

    /// Reaps the child if it ended (never blocks): how it ended, or nullopt while it runs.
    [[nodiscard]] std::optional<child_exit> poll() { return reap(WNOHANG); }

    /// Kills a running child (SIGUSR1, as Redis, so that it is not taken for a failure of its own)
    /// and waits for it.
    void kill_and_wait() noexcept {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGUSR1);
        (void)reap(0);
    }

private:
    std::optional<child_exit> reap(int options) noexcept {
        if (m_pid <= 0) return std::nullopt;
        int status = 0;
        pid_t r = 0;
        do {
            r = ::waitpid(m_pid, &status, options);
        } while (r < 0 && errno == EINTR);
        if (r == 0) return std::nullopt;
        child_exit e;
        e.elapsed = std::chrono::steady_clock::now() - m_started;
        if (r > 0 && WIFEXITED(status)) {
            e.status = WEXITSTATUS(status);
            e.success = e.status == 0;
        } else if (r > 0 && WIFSIGNALED(status)) {
            e.signal = WTERMSIG(status);
        } else {
            e.status = -1; // waitpid failed: the child is gone without a status
        }
        std::uint64_t cow = 0;
        if (::read(m_report.get(), &cow, sizeof cow) == static_cast<ssize_t>(sizeof cow)) e.cow_bytes = cow;
        m_report.reset();
        m_pid = 0;
        m_purpose.clear();
        return e;
    }

    pid_t m_pid = 0;
    std::string m_purpose;
    std::function<void(std::string_view)> m_setup;
    std::chrono::steady_clock::time_point m_started{};
    unique_fd m_report;
};

} // namespace respkit::persist

// Test support for the limit and fault tests: the built respkit-server (or redis-server) as a
// child process whose memory (VmRSS, VmHWM) and open descriptors (/proc/PID/fd) a test reads.
// Linux only (/proc). Header-only: the two files that use it are in one program.
#pragma once

#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/process_util.hpp"

namespace respkit_test {

/// True when this test (and so the server, built alike) runs under ASan.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool probe_sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool probe_sanitized = true;
#else
inline constexpr bool probe_sanitized = false;
#endif
#else
inline constexpr bool probe_sanitized = false;
#endif

/// VmRSS and VmHWM of a process, in kB (0 when unreadable).
struct process_memory {
    std::size_t rss_kb = 0;
    std::size_t hwm_kb = 0;
};

inline process_memory memory_of_process(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    process_memory m;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = std::strtoull(line.c_str() + 6, nullptr, 10);
        if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = std::strtoull(line.c_str() + 6, nullptr, 10);
    }
    return m;
}

/// Number of open descriptors of a process (entries of /proc/PID/fd), -1 when unreadable.
inline int descriptors_of_process(pid_t pid) {
    DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (d == nullptr) return -1;
    int n = 0;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') ++n;
    }
    ::closedir(d);
    return n;
}

/// A server program on a free loopback port, logging to a file, stopped by the destructor.
class probed_server {
public:
    /// Starts `program --port P --bind 127.0.0.1 --save "" --appendonly no` with `args`.
    probed_server(const std::string& program, const std::vector<std::string>& args) {
        if (program.empty()) return;
        m_port = free_port();
        m_log = (std::filesystem::temp_directory_path() /
                 ("respkit-probe-" + std::to_string(::getpid()) + "-" + std::to_string(m_port) + ".log"))
                    .string();
        std::filesystem::remove(m_log);
        std::vector<std::string> argv{program, "--port", std::to_string(m_port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--logfile", m_log};
        argv.insert(argv.end(), args.begin(), args.end());
        m_child.emplace(argv);
        if (!wait_for_port(m_port)) m_child.reset();
    }
    probed_server(const probed_server&) = delete;
    probed_server& operator=(const probed_server&) = delete;
    ~probed_server() {
        m_child.reset();
        std::error_code ignored;
        std::filesystem::remove(m_log, ignored);
    }

    [[nodiscard]] bool running() const { return m_child.has_value(); }
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] pid_t pid() const { return m_child ? m_child->pid() : -1; }
    [[nodiscard]] process_memory memory() const { return memory_of_process(pid()); }
    [[nodiscard]] int descriptors() const { return descriptors_of_process(pid()); }
    /// Waits (bounded) until the server holds `n` descriptors or fewer; returns the count seen.
    [[nodiscard]] int settle_descriptors(int n, std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int now = descriptors();
        while (now > n && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            now = descriptors();
        }
        return now;
    }
    /// The log so far.
    [[nodiscard]] std::string log() const {
        std::ifstream in(m_log);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

private:
    int m_port = 0;
    std::string m_log;
    std::optional<child_process> m_child;
};

} // namespace respkit_test

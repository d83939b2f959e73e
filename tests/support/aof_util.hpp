// Test support for the append-only file: temporary directories, append-only directories written
// by Debian's redis-server 7.0.15, and files read whole.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/file_util.hpp"
#include "support/process_util.hpp"

namespace respkit_test {

/// A fresh directory under the system's temporary directory, removed with what it holds.
class scratch_dir {
public:
    /// A new empty directory whose name starts with `tag`.
    explicit scratch_dir(const std::string& tag) {
        static std::atomic<int> counter{0};
        m_path = std::filesystem::temp_directory_path() /
                 ("respkit-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    /// Its path.
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
    /// Its path as a string.
    [[nodiscard]] std::string str() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

/// Writes `bytes` to `path` (replacing it).
inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Runs redis-server with `appendonly yes` in `dir` (its appendonlydir is created there) and
/// `extra` options, sends `commands` (RESP) on one connection, and stops it with SIGTERM.
/// False when redis-server is not installed or did not start.
inline bool redis_writes_aof(const std::string& dir, std::string_view commands, const std::vector<std::string>& extra = {}) {
    const std::string redis = find_on_path("redis-server");
    if (redis.empty()) return false;
    std::vector<std::string> args{"--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir,
                                  "--daemonize", "no", "--appendfsync", "always"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_process server(redis, args);
    if (!server.running()) return false;
    (void)exchange(server.port(), commands);
    server.stop();
    return true;
}

} // namespace respkit_test

#pragma once

/// \file
/// Files written so that a crash at any moment leaves either the old file or the new one whole:
/// write a temporary file beside the target, fsync it, rename it over the target, fsync the
/// directory. And reading a whole file.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::persist {

/// The directory part of `path` ("." when it has none).
[[nodiscard]] inline std::string directory_of(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

/// `name` in directory `dir` ("" or "." for the working directory).
[[nodiscard]] inline std::string join_path(std::string_view dir, std::string_view name) {
    if (dir.empty() || dir == "." || (!name.empty() && name.front() == '/')) return std::string(name);
    std::string p(dir);
    if (p.back() != '/') p += '/';
    p += name;
    return p;
}

/// fsyncs directory `dir`, so that a rename or a new file in it survives a crash. "" or the error.
[[nodiscard]] inline std::string fsync_directory(const std::string& dir) {
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return "open " + dir + ": " + std::strerror(errno);
    if (::fsync(fd.get()) != 0) return "fsync " + dir + ": " + std::strerror(errno);
    return {};
}

/// Writes `all` to `fd`. "" or the error.
[[nodiscard]] inline std::string write_all(int fd, std::string_view all) {
    while (!all.empty()) {
        const ssize_t n = ::write(fd, all.data(), all.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::strerror(n < 0 ? errno : EIO);
        all.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

/// Replaces `path` by what `produce(fd)` writes to a temporary file `temp` (in the same
/// directory; created, truncated), crash-safely: fsync, rename, fsync of the directory. On
/// failure the temporary file is removed and `path` is untouched. "" or the error.
[[nodiscard]] inline std::string replace_file(const std::string& path, const std::string& temp,
                                              const std::function<std::string(int fd)>& produce) {
    unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return "Failed opening the temp file " + temp + " for saving: " + std::strerror(errno);
    std::string error = produce(fd.get());
    if (error.empty() && ::fsync(fd.get()) != 0) error = std::string("fsync: ") + std::strerror(errno);
    if (error.empty() && ::close(fd.release()) != 0) error = std::string("close: ") + std::strerror(errno);
    if (error.empty() && ::rename(temp.c_str(), path.c_str()) != 0) {
        error = "Failed moving the temp file " + temp + " to " + path + ": " + std::strerror(errno);
    }
    if (!error.empty()) {
        fd.reset();
        ::unlink(temp.c_str());
        return error;
    }
    return fsync_directory(directory_of(path));
}

/// Reads the whole file at `path` into `out`. "" or the error (ENOENT's text when absent).
[[nodiscard]] inline std::string read_file(const std::string& path, std::string& out) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::strerror(errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
    out.clear();
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::strerror(errno);
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return {};
}

/// True when a file (or anything) exists at `path`.
[[nodiscard]] inline bool file_exists(const std::string& path) noexcept {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace respkit::persist

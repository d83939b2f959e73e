#pragma once

/// \file
/// Loads an append-only file as Redis 7.0 does: the directory's manifest, its base file (an
/// RDB, handed to a caller's function, or commands), then its incremental files in order; or a
/// single appendonly.aof written by Redis before 7.0 (possibly with an RDB preamble). Every
/// command goes to a callback with its file and offset. A torn tail of the last file is
/// truncated and reported (aof-load-truncated yes) or fails the load (no); damage anywhere
/// fails it, naming the file and the byte offset.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/aof/command_stream.hpp"
#include "respkit/aof/manifest.hpp"
#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::aof {

/// How loading ended (Redis's AOF_OK, AOF_NOT_EXIST, AOF_EMPTY, AOF_TRUNCATED, AOF_FAILED).
enum class load_status : std::uint8_t {
    ok,        ///< every file loaded
    not_found, ///< there is no append-only file (no manifest listing a file, no old-style file)
    empty,     ///< the files exist but hold nothing
    truncated, ///< the last file's torn tail was cut off; everything before it loaded
    failed,    ///< a file is missing, unreadable or damaged (see error)
};

/// Receives a command read from `file` at `offset`.
using load_callback =
    std::function<void(const std::vector<std::string_view>& args, const std::string& file, std::uint64_t offset)>;

/// Loads an RDB image at the start of `bytes` (a base file or an old-style preamble): returns
/// the number of bytes it used, or nullopt with `error` set.
using rdb_function = std::function<std::optional<std::size_t>(std::string_view bytes, std::string& error)>;

/// What to load and how.
struct load_options {
    /// A torn tail of the last file is cut off and the load succeeds (aof-load-truncated yes).
    bool load_truncated = true;
    /// With load_truncated: really truncate the file (false leaves it as it is: a dry run).
    bool truncate_file = true;
    /// Loads an RDB base or preamble; without one such a file fails to load.
    rdb_function rdb;
    /// Receives each of Redis's log lines about the load (level: true for warnings).
    std::function<void(bool warning, const std::string& line)> log;
};

/// The outcome of a load.
struct load_result {
    load_status status = load_status::ok; ///< how it ended
    std::string error;                    ///< why it failed, with the file and the offset
    std::string file;                     ///< the file the error or the truncation is about
    std::uint64_t offset = 0;             ///< where (the truncation point for a torn tail)
    std::uint64_t commands = 0;           ///< commands given to the callback
    std::uint64_t total_size = 0;         ///< bytes of the base and incremental files
    std::uint64_t base_size = 0;          ///< bytes of the base file
    std::optional<aof::manifest> manifest; ///< the manifest read (directory loads)
};

namespace detail {

// A file's bytes, mapped read-only.
class mapped_file {
public:
    mapped_file() = default;
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file() {
        if (m_data != nullptr) ::munmap(m_data, m_size);
    }
    // 0 on success, else errno (ENOENT when missing).
    int open(const std::string& path) {
        unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return errno;
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return errno;
        if (!S_ISREG(st.st_mode)) return EISDIR;
        m_size = static_cast<std::size_t>(st.st_size);
        if (m_size == 0) return 0;
        void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
        if (p == MAP_FAILED) {
            m_size = 0;
            return errno;
        }
        m_data = p;
        return 0;
    }
    [[nodiscard]] std::string_view bytes() const noexcept {
        return m_data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(m_data), m_size);
    }

private:
    void* m_data = nullptr;
    std::size_t m_size = 0;
};

[[nodiscard]] inline std::string join_path(std::string_view dir, std::string_view name) {
    if (dir.empty() || dir == ".") return std::string(name);
    std::string out(dir);
    if (out.back() != '/') out += '/';
    out += name;
    return out;
}

[[nodiscard]] inline bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

[[nodiscard]] inline bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace detail

/// Loads one file at `path` (named `name` in messages): an RDB part first if it starts with
/// "REDIS", then commands. `last` says whether a torn tail may be truncated.
[[nodiscard]] inline load_result load_file(const std::string& path, const std::string& name, bool last,
                                           const load_callback& on_command, const load_options& options = {}) {
    load_result r;
    r.file = name;
    auto log = [&](bool warning, const std::string& line) {
        if (options.log) options.log(warning, line);
    };
    detail::mapped_file f;
    if (const int e = f.open(path); e != 0) {
        r.status = e == ENOENT ? load_status::not_found : load_status::failed;
        r.error = e == ENOENT ? "The append log file " + name + " doesn't exist: " + std::strerror(e)
                              : "Fatal error: can't open the append log file " + name + " for reading: " + std::strerror(e);
        log(true, r.error);
        return r;
    }
    const std::string_view bytes = f.bytes();
    r.total_size = bytes.size();
    if (bytes.empty()) {
        r.status = load_status::empty;
        return r;
    }
    std::size_t start = 0;
    if (bytes.substr(0, 5) == "REDIS") {
        log(false, "Reading RDB base file on AOF loading...");
        std::string why;
        std::optional<std::size_t> used;
        if (options.rdb) {
            used = options.rdb(bytes, why);
        } else {
            why = "no RDB loader was given";
        }
        if (!used || *used > bytes.size()) {
            r.status = load_status::failed;
            r.error = "Error reading the RDB base file " + name + ", AOF loading aborted" + (why.empty() ? "" : ": " + why);
            log(true, r.error);
            return r;
        }
        start = *used;
    }
    const stream_result s = read_commands(bytes.substr(start), start, [&](const std::vector<std::string_view>& args, std::uint64_t offset) {
        on_command(args, name, offset);
    });
    r.commands = s.commands;
    if (s.status == stream_status::complete) return r;
    r.offset = s.status == stream_status::torn ? s.valid_up_to : s.error_offset;
    if (s.status == stream_status::damaged) {
        r.status = load_status::failed;
        r.error = "Bad file format reading the append only file " + name + " at offset " + std::to_string(s.error_offset) +
                  " (" + s.reason + "): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>";
        log(true, r.error);
        return r;
    }
    if (s.reason == "Reached EOF before reading EXEC for MULTI") {
        log(true, "Revert incomplete MULTI/EXEC transaction in AOF file " + name);
    }
    if (options.load_truncated && last) {
        log(true, "!!! Warning: short read while loading the AOF file " + name + "!!!");
        log(true, "!!! Truncating the AOF " + name + " at offset " + std::to_string(s.valid_up_to) + " !!!");
        if (options.truncate_file && ::truncate(path.c_str(), static_cast<off_t>(s.valid_up_to)) != 0) {
            r.status = load_status::failed;
            r.error = "Error truncating the AOF file " + name + ": " + std::strerror(errno);
            log(true, r.error);
            return r;
        }
        log(true, "AOF " + name + " loaded anyway because aof-load-truncated is enabled");
        r.status = load_status::truncated;
        return r;
    }
    r.status = load_status::failed;
    if (options.load_truncated) {
        r.error = "Fatal error: the truncated file is not the last file (" + name + ", offset " + std::to_string(s.valid_up_to) + ")";
    } else {
        r.error = "Unexpected end of file reading the append only file " + name + " at offset " + std::to_string(s.valid_up_to) +
                  ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                  "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.";
    }
    log(true, r.error);
    return r;
}

/// Reads `<dir>/<appendfilename>.manifest` (nullopt: there is none; `error` set when it exists
/// but is unreadable or invalid).
[[nodiscard]] inline std::optional<manifest> read_manifest(const std::string& dir, std::string_view appendfilename,
                                                           std::string& error) {
    const std::string path = detail::join_path(dir, names::manifest(appendfilename));
    detail::mapped_file f;
    if (const int e = f.open(path); e != 0) {
        if (e != ENOENT) error = "Fatal error: can't open the AOF manifest file " + path + " for reading: " + std::strerror(e);
        return std::nullopt;
    }
    manifest_result m = parse_manifest(f.bytes());
    if (!m) {
        error.clear();
        for (const std::string& line : manifest_error_report(m.error)) error += line;
        return std::nullopt;
    }
    return std::move(*m.value);
}

/// Loads the append-only directory `dir` as its manifest lists it (base, then incremental
/// files), as Redis 7.0's loadAppendOnlyFiles does.
[[nodiscard]] inline load_result load_directory(const std::string& dir, std::string_view appendfilename,
                                                const load_callback& on_command, const load_options& options = {}) {
    load_result r;
    std::string error;
    std::optional<manifest> m = read_manifest(dir, appendfilename, error);
    if (!m) {
        r.status = error.empty() ? load_status::not_found : load_status::failed;
        r.error = std::move(error);
        return r;
    }
    r.manifest = *m;
    std::vector<const file_info*> files;
    if (m->base) files.push_back(&*m->base);
    for (const file_info& f : m->incr) files.push_back(&f);
    if (files.empty()) {
        r.status = load_status::not_found;
        return r;
    }
    // As Redis: every listed file must exist before anything loads; all empty is "empty".
    for (const file_info* f : files) {
        const std::string path = detail::join_path(dir, f->name);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            r.status = load_status::failed;
            r.file = f->name;
            r.error = "Unable to obtain the AOF file " + f->name + " length. stat: " + std::strerror(errno);
            return r;
        }
        r.total_size += static_cast<std::uint64_t>(st.st_size);
        if (f == &*files.front() && m->base) r.base_size = static_cast<std::uint64_t>(st.st_size);
    }
    if (r.total_size == 0) {
        r.status = load_status::empty;
        return r;
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        const bool last = i + 1 == files.size();
        const auto started = std::chrono::steady_clock::now();
        load_result one = load_file(detail::join_path(dir, files[i]->name), files[i]->name, last, on_command, options);
        r.commands += one.commands;
        if (options.log && (one.status == load_status::ok || one.status == load_status::truncated)) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%.3f",
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
            options.log(false, std::string("DB loaded from ") + (files[i]->type == file_type::base ? "base" : "incr") +
                                   " file " + files[i]->name + ": " + seconds + " seconds");
        }
        if (one.status == load_status::ok || one.status == load_status::empty) continue;
        r.status = one.status;
        r.error = std::move(one.error);
        r.file = std::move(one.file);
        r.offset = one.offset;
        if (one.status == load_status::not_found) r.status = load_status::failed;
        if (one.status != load_status::truncated) return r; // truncated: it was the last file

    }
    return r;
}

} // namespace respkit::aof

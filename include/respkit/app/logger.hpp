#pragma once

/// \file
/// Log lines as Redis writes them (`pid:M 03 Dec 2026 11:50:57.096 * text`): a level threshold
/// (Redis's loglevel), standard output or a file opened for each line (so that a rotated log
/// is followed, as Redis does), and syslog.

#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/server/log.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// Writes log lines in Redis's format where the configuration says.
class logger {
public:
    /// Lines below `level` are dropped.
    void set_level(server::log_level level) noexcept { m_level = level; }
    /// The least notable level written.
    [[nodiscard]] server::log_level level() const noexcept { return m_level; }
    /// Lines go to `path` (appended), or to standard output when it is "".
    void set_file(std::string path) { m_file = std::move(path); }
    /// The log file ("" for standard output).
    [[nodiscard]] const std::string& file() const noexcept { return m_file; }
    /// Lines also go to syslog as `ident` with `facility` (LOG_LOCAL0, ...), or no longer.
    void set_syslog(bool on, std::string ident = "redis", int facility = LOG_LOCAL0) {
        if (m_syslog) ::closelog();
        m_syslog = on;
        m_ident = std::move(ident);
        if (on) ::openlog(m_ident.c_str(), LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
    }
    ~logger() {
        if (m_syslog) ::closelog();
    }

    /// Writes `text` at `level` as one line with Redis's prefix, if the level is kept.
    void write(server::log_level level, std::string_view text) const {
        if (level < m_level) return;
        emit(format(level, text));
        if (m_syslog) {
            static constexpr int priorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
            ::syslog(priorities[static_cast<int>(level)], "%.*s", static_cast<int>(text.size()), text.data());
        }
    }
    /// Writes `text` as it is (no prefix, no newline added) at `level`: the ASCII logo.
    void write_raw(server::log_level level, std::string_view text) const {
        if (level < m_level) return;
        emit(std::string(text));
    }
    /// A sink for server_context::set_log_sink writing through this logger (which must outlive it).
    [[nodiscard]] server::log_sink sink() const {
        return [this](server::log_level level, std::string_view line) { write(level, line); };
    }

    /// `text` with Redis's prefix: process id, role (M), date and time to the millisecond, and
    /// the level's mark (. debug, - verbose, * notice, # warning), ending with a newline.
    [[nodiscard]] static std::string format(server::log_level level, std::string_view text) {
        timeval tv{};
        ::gettimeofday(&tv, nullptr);
        std::tm tm{};
        const std::time_t seconds = tv.tv_sec;
        ::localtime_r(&seconds, &tm);
        char stamp[64];
        const std::size_t n = std::strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S.", &tm);
        std::snprintf(stamp + n, sizeof stamp - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
        static constexpr char marks[] = ".-*#";
        std::string line = std::to_string(::getpid()) + ":M " + stamp + ' ' + marks[static_cast<int>(level)] + ' ';
        line += text;
        line += '\n';
        return line;
    }

private:
    void emit(const std::string& line) const {
        std::FILE* out = m_file.empty() ? stdout : std::fopen(m_file.c_str(), "a");
        if (out == nullptr) return;
        std::fwrite(line.data(), 1, line.size(), out);
        std::fflush(out);
        if (out != stdout) std::fclose(out);
    }

    server::log_level m_level = server::log_level::notice;
    std::string m_file;
    std::string m_ident;
    bool m_syslog = false;
};

/// The level Redis's loglevel names ("debug", "verbose", "notice", "warning"; notice otherwise).
[[nodiscard]] inline server::log_level log_level_named(std::string_view name) noexcept {
    if (name == "debug") return server::log_level::debug;
    if (name == "verbose") return server::log_level::verbose;
    if (name == "warning") return server::log_level::warning;
    return server::log_level::notice;
}

} // namespace respkit::app

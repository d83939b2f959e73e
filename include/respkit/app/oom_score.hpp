#pragma once

/// \file
/// oom-score-adj and oom-score-adj-values: the Linux OOM killer's score of the server and of its
/// background children, set through /proc/self/oom_score_adj as Redis's setOOMScoreAdj sets it.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// Redis's process classes, the order of oom-score-adj-values' three numbers.
enum class oom_class : int { primary = 0, replica = 1, background_child = 2 };

/// Applies oom-score-adj to this process. It remembers the score found before its first change
/// (the base `relative` adds to, and what `no` restores); a forked child inherits that memory.
class oom_score_adjuster {
public:
    /// Sets the score of `process` for `mode` ("no", "yes" / "relative", "absolute") and
    /// `values` (oom-score-adj-values: three integers, already validated). Returns "" or why
    /// /proc/self/oom_score_adj could not be read or written (Redis logs it as a warning).
    [[nodiscard]] std::string apply(std::string_view mode, std::string_view values, oom_class process) {
        int value = 0;
        if (mode != "no") {
            if (!m_adjusted) {
                std::string why;
                if (!read_score(m_base, why)) return "Unable to read oom_score_adj: " + why;
                m_adjusted = true;
            }
            value = value_of(values, static_cast<int>(process));
            if (mode != "absolute") value += m_base;
            value = value > 1000 ? 1000 : value < -1000 ? -1000 : value;
        } else if (m_adjusted) {
            m_adjusted = false;
            value = m_base;
        } else {
            return {};
        }
        const int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        const std::string text = std::to_string(value) + "\n";
        if (fd < 0 || ::write(fd, text.data(), text.size()) < 0) {
            const std::string why = std::strerror(errno);
            if (fd >= 0) ::close(fd);
            return "Unable to write oom_score_adj: " + why;
        }
        ::close(fd);
        return {};
    }

private:
    static bool read_score(int& out, std::string& why) {
        std::FILE* f = std::fopen("/proc/self/oom_score_adj", "re");
        if (f == nullptr) {
            why = std::strerror(errno);
            return false;
        }
        char buf[64] = {};
        const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        out = 0;
        std::from_chars(buf, buf + n, out); // as Redis's atoi: 0 when unreadable
        return true;
    }
    // The `index`th of the three integers of oom-score-adj-values.
    static int value_of(std::string_view values, int index) {
        int value = 0;
        for (int i = 0; i <= index; ++i) {
            const std::size_t start = values.find_first_not_of(' ');
            if (start == std::string_view::npos) return 0;
            values.remove_prefix(start);
            const auto [next, error] = std::from_chars(values.data(), values.data() + values.size(), value);
            if (error != std::errc()) return 0;
            values.remove_prefix(static_cast<std::size_t>(next - values.data()));
        }
        return value;
    }

    bool m_adjusted = false; // this process's score was changed by apply()
    int m_base = 0;          // the score before the first change
};

} // namespace respkit::app

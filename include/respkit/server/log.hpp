#pragma once

/// \file
/// Log levels and the log sink a server context reports notable events to.

#include <respkit/version.hpp>

#include <cstdint>
#include <string_view>

#include "respkit/detail/function.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// How notable a log line is, as Redis's loglevel names them (least notable first).
enum class log_level : std::uint8_t {
    debug,   ///< "debug": much information, useful for development
    verbose, ///< "verbose": many rarely useful lines (connections opened and closed)
    notice,  ///< "notice": moderately verbose, what a production server logs
    warning, ///< "warning": only very important or critical messages
};

/// Redis's name of a log level ("debug", "verbose", "notice", "warning").
[[nodiscard]] constexpr std::string_view log_level_name(log_level level) noexcept {
    switch (level) {
    case log_level::debug: return "debug";
    case log_level::verbose: return "verbose";
    case log_level::notice: return "notice";
    case log_level::warning: return "warning";
    }
    return "notice";
}

/// Where log lines go: called with a line's level and its text (no newline). The sink decides
/// what to keep (a level threshold, a file, syslog).
using log_sink = std::function<void(log_level level, std::string_view line)>;

} // namespace respkit::server

#pragma once

/// \file
/// When the server started, as the Unix time LASTSAVE and INFO's rdb_last_save_time report (respkit
/// saves nothing, so its last "save" is its start, as for a fresh Redis).

#include <chrono>
#include <cstdint>

#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail {

/// Unix seconds when the context started (LASTSAVE, rdb_last_save_time).
[[nodiscard]] inline std::int64_t started_unix(const server::server_context& ctx) {
    const auto since = std::chrono::steady_clock::now() - ctx.started();
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
}

} // namespace respkit::commands::detail

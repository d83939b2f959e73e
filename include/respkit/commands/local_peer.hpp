#pragma once

/// \file
/// Whether a client is local, as Redis's islocalClient decides it for enable-debug-command and
/// enable-module-command set to "local".

#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail {

/// True for a Unix socket or a loopback peer ("127.0.0.1:5000", "[::1]:5000", "/tmp/s:0").
[[nodiscard]] inline bool is_local_peer(std::string_view peer) noexcept {
    return peer.empty() || peer.starts_with("127.") || peer.starts_with("[::1]") || peer.starts_with("::1") ||
           peer.starts_with('/') || peer.ends_with(":0");
}

} // namespace respkit::commands::detail

#pragma once

/// \file
/// Forwarding header, kept for code that includes it by this path or names net::unique_fd: the
/// owned descriptor lives in respkit/unique_fd.hpp (respkit::unique_fd), below every layer.

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

using respkit::unique_fd;

} // namespace respkit::net

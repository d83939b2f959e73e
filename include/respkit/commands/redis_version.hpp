#pragma once

/// \file
/// The Redis version whose behaviour the built-in commands reproduce.

#include <respkit/version.hpp>

#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The Redis version respkit reports (HELLO, INFO): the one whose behaviour it reproduces.
inline constexpr std::string_view redis_compat_version = "7.0.15";

} // namespace respkit::commands

#pragma once

/// \file
/// The Redis version whose behaviour the built-in commands reproduce.

#include <string_view>

namespace respkit::commands {

/// The Redis version respkit reports (HELLO, INFO): the one whose behaviour it reproduces.
inline constexpr std::string_view redis_compat_version = "7.0.15";

} // namespace respkit::commands

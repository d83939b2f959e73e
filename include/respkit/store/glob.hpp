#pragma once

/// \file
/// Forwarding header, kept for code that includes it by this path or names store::glob_match:
/// Redis's glob matching lives in respkit/glob.hpp (respkit::glob_match), below every layer.

#include "respkit/glob.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

using respkit::glob_match;
using respkit::is_match_all;

} // namespace respkit::store

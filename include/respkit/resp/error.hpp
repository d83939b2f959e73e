#pragma once

/// \file
/// Forwarding header, kept for code that includes it by this path: respkit::errc and its
/// category live in respkit/error.hpp, below every layer.

#include "respkit/error.hpp"

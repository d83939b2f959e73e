#pragma once

/// \file
/// respkit's version, as macros so it can be checked by the preprocessor.
/// Keep in step with project(VERSION) in CMakeLists.txt and project(version:) in meson.build;
/// tests/integration/version.cpp checks both.

/// Major version: incremented for incompatible API changes.
#define RESPKIT_VERSION_MAJOR 0
/// Minor version: incremented for backward-compatible additions.
#define RESPKIT_VERSION_MINOR 1
/// Patch version: incremented for backward-compatible fixes.
#define RESPKIT_VERSION_PATCH 0
/// The version as "MAJOR.MINOR.PATCH".
#define RESPKIT_VERSION_STRING "0.1.0"
/// The version as one comparable number: MAJOR * 10000 + MINOR * 100 + PATCH.
#define RESPKIT_VERSION                                                                            \
    (RESPKIT_VERSION_MAJOR * 10000 + RESPKIT_VERSION_MINOR * 100 + RESPKIT_VERSION_PATCH)

#define RESPKIT_DETAIL_ABI_NAME(major) v##major
#define RESPKIT_DETAIL_ABI_NAME_OF(major) RESPKIT_DETAIL_ABI_NAME(major)
/// The inline namespace every respkit declaration lives in: `v` and the major version
/// (`respkit::resp::parser` is `respkit::v0::resp::parser`). Two copies of respkit with
/// different major versions in one program then have different symbols, so they cannot
/// silently mix (an ODR violation becomes a link error or two distinct types), as
/// unordered_dense does. Code names respkit's entities without it.
#define RESPKIT_ABI_NAMESPACE RESPKIT_DETAIL_ABI_NAME_OF(RESPKIT_VERSION_MAJOR)

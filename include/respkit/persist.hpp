#pragma once

/// \file
/// Umbrella header of the persist layer: a keyspace to and from RDB snapshots and DUMP payloads,
/// crash-safe file replacement, and the forked child of background saves. POSIX.

#include "respkit/persist/child_process.hpp"
#include "respkit/persist/files.hpp"
#include "respkit/persist/snapshot.hpp"

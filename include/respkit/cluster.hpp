#pragma once

/// \file
/// The Redis Cluster layer: key hash slots and the cluster bus's messages, read and written
/// without a server (docs/cluster.md). Includes only.

#include "respkit/cluster/bus_message.hpp"
#include "respkit/cluster/key_slot.hpp"

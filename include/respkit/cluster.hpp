#pragma once

/// \file
/// The Redis Cluster layer: key hash slots, the cluster bus's messages and protocol, a node's table of the
/// cluster and its nodes.conf / CLUSTER NODES text, read and written without a server
/// (docs/cluster.md). Includes only.

#include "respkit/cluster/bus_engine.hpp"
#include "respkit/cluster/bus_message.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "respkit/cluster/node_table.hpp"
#include "respkit/cluster/nodes_file.hpp"
#include "respkit/cluster/routing.hpp"

#pragma once

/// \file
/// Umbrella header of the client layer: connection, pipeline, transactions, pub/sub, pool.
/// Includes only.

#include "respkit/client/cluster.hpp"
#include "respkit/client/commands.hpp"
#include "respkit/client/connection.hpp"
#include "respkit/client/pipeline.hpp"
#include "respkit/client/pool.hpp"
#include "respkit/client/reply.hpp"
#include "respkit/client/result.hpp"
#include "respkit/client/subscriber.hpp"

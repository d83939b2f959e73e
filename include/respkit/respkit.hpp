#pragma once

/// \file
/// Umbrella header: includes every layer of respkit. Includes only.

#include "respkit/version.hpp"

#include "respkit/aof.hpp"
#include "respkit/app.hpp"
#include "respkit/client.hpp"
#include "respkit/cluster.hpp"
#include "respkit/commands.hpp"
#include "respkit/net.hpp"
#include "respkit/persist.hpp"
#include "respkit/rdb.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/store.hpp"

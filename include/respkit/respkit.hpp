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
#include "respkit/server/client_limits.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/config_file.hpp"
#include "respkit/server/config_rewrite.hpp"
#include "respkit/server/key_waiters.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/log.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/server/pubsub_registry.hpp"
#include "respkit/server/session_impl.hpp" // the server core's definitions (docs/headers.md)
#include "respkit/server/session_lists.hpp"
#include "respkit/store.hpp"

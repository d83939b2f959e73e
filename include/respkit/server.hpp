#pragma once

/// \file
/// The server core umbrella: commands, dispatcher, calls, sessions, shared context, pub/sub,
/// configuration (parameters, files, CONFIG REWRITE).

#include "respkit/server/call.hpp"
#include "respkit/server/client_limits.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/config_file.hpp"
#include "respkit/server/config_rewrite.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/key_waiters.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/log.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/server/pubsub_registry.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/session.hpp"
#include "respkit/server/session_lists.hpp"

#pragma once

// Prototype of respkit/server.hpp after the split: what a server program names (the command
// table, its calls, the shared context, the session). The registries and tables the command
// families use (config, ACL, pub/sub, key waiters, tracking, propagation) are their own
// headers, included by those who use them.

#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/session.hpp"

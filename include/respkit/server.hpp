#pragma once

/// \file
/// The server core umbrella: commands, calls, the dispatcher, the shared context and sessions,
/// as declarations and the members every command touches. Their other definitions are
/// compiled once: include respkit/server/src.hpp in exactly one .cpp file of a program
/// (docs/headers.md). The rest of server/ (configuration, pub/sub, ACL, keyspace events ...)
/// is included by what uses it.

#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/session.hpp"

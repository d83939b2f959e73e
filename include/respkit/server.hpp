#pragma once

/// \file
/// The server core umbrella: commands, dispatcher, calls, sessions, shared context.

#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/session.hpp"

#pragma once

/// \file
/// respkit's server as a library type: app::server runs a Redis-compatible server from a
/// Redis configuration (file and command line), with its process-level behaviour. Includes the
/// built-in commands' definitions (respkit/commands.hpp), so that a program including it needs
/// nothing else; a program including respkit/app/server.hpp alone compiles them once instead,
/// in one .cpp file that includes respkit/commands/src.hpp.

#include "respkit/app/cluster_node.hpp"
#include "respkit/app/config_support.hpp"
#include "respkit/app/configuration.hpp"
#include "respkit/app/cpu_affinity.hpp"
#include "respkit/app/crash_report.hpp"
#include "respkit/app/daemon.hpp"
#include "respkit/app/logger.hpp"
#include "respkit/app/memory_limit.hpp"
#include "respkit/app/process_title.hpp"
#include "respkit/app/server.hpp"
#include "respkit/commands.hpp"
#include "respkit/server/session_impl.hpp" // the server core's definitions (docs/headers.md)

#pragma once

/// \file
/// The transport umbrella: the TCP server and the event loop parts it is made of (POSIX).

#include "respkit/net/cluster_bus.hpp"
#include "respkit/net/poller.hpp"
#include "respkit/net/socket.hpp"
#include "respkit/net/stop_signals.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/net/timer_list.hpp"
#include "respkit/net/unique_fd.hpp"
#include "respkit/net/wakeup.hpp"

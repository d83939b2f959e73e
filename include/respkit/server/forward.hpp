#pragma once

/// \file
/// Forward declarations of the server classes that are class templates behind their names
/// (instantiated only where used: docs/headers.md, rule 5).

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class = void>
class basic_session;
/// One client connection (server/session.hpp).
using session = basic_session<>;

template <class = void>
class basic_server_context;
/// What the sessions of one server share (server/server_context.hpp).
using server_context = basic_server_context<>;

template <class = void>
class basic_dispatcher;
/// The table of commands and the command path (server/dispatcher.hpp).
using dispatcher = basic_dispatcher<>;

} // namespace respkit::server

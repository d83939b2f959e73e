#pragma once

/// \file
/// The server core compiled once: include this header in exactly one .cpp file of a program
/// that uses respkit/server.hpp. It defines every member of `session`, `server_context` and
/// `dispatcher` (explicit instantiations); the other files see their declarations in
/// respkit/server.hpp. A file that includes the definitions itself (the command families,
/// net/, app/, the umbrellas respkit/respkit.hpp and respkit/app.hpp do) needs nothing else,
/// but a program made of such files and of files that include only respkit/server.hpp still
/// includes this header once (docs/headers.md).

#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

template class respkit::server::basic_server_context<void>;
template class respkit::server::basic_dispatcher<void>;
template class respkit::server::basic_session<void>;

#pragma once

/// \file
/// The TLS umbrella (OpenSSL; link respkit::tls): contexts from Redis's tls-* settings, and the
/// streams, acceptor and connector that give the transport and the client TLS. Not included by
/// respkit/respkit.hpp: nothing else in respkit needs OpenSSL.

#include "respkit/secure_stream.hpp"
#include "respkit/tls/context.hpp"
#include "respkit/tls/stream.hpp"

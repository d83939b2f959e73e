// Test support: a connection of respkit's own client to a server under test. Header only.
#pragma once

#include <chrono>
#include <cstdint>

#include "respkit/client/connection.hpp"

namespace respkit_test {

/// A respkit client connection to 127.0.0.1:`port` in RESP2, whose reads wait up to 20 s (a
/// large snapshot's SAVE or a MIGRATE's timeout fits in it).
inline respkit::client::connection connect_client(int port) {
    respkit::client::options o;
    o.port = static_cast<std::uint16_t>(port);
    o.protocol = 2;
    o.read_timeout = std::chrono::seconds(20);
    return respkit::client::connection(o);
}

} // namespace respkit_test

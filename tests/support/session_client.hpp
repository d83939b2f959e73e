// Test support: an in-process client of a dispatcher, one server::session that runs commands
// given as argument lists and hands back the bytes each produced.
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/resp.hpp"
#include "respkit/server.hpp"

namespace respkit_test {

/// The output a session produced since the last call, marked as sent.
std::string take_output(respkit::server::session& s);

/// One session of `commands` in `context`: runs a command and returns (and consumes) the bytes
/// it produced.
struct session_client {
    respkit::server::session session;

    session_client(const respkit::server::dispatcher& commands, respkit::server::server_context& context,
                   respkit::resp::protocol p = respkit::resp::protocol::resp2);
    session_client(const session_client&) = delete;
    session_client& operator=(const session_client&) = delete;
    ~session_client();

    /// Runs one command; returns the bytes it produced.
    std::string run(const std::vector<std::string>& args);
    /// Runs one command given as a list of arguments.
    std::string operator()(std::initializer_list<std::string_view> args);
    /// The reply parsed into a value (REQUIREs a complete reply).
    respkit::resp::value parsed(std::initializer_list<std::string_view> args);
    /// Output produced since the last call (e.g. by being served while blocked).
    std::string take();
};

} // namespace respkit_test

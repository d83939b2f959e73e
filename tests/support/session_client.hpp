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
inline std::string take_output(respkit::server::session& s) {
    std::string out(s.pending_output());
    s.output_sent(out.size());
    return out;
}

/// One session of `commands` in `context`: runs a command and returns (and consumes) the bytes
/// it produced.
struct session_client {
    respkit::server::session session;

    session_client(const respkit::server::dispatcher& commands, respkit::server::server_context& context,
                   respkit::resp::protocol p = respkit::resp::protocol::resp2)
        : session(commands, context) {
        session.set_protocol(p);
    }
    std::string run(const std::vector<std::string>& args) {
        std::string encoded;
        respkit::resp::write_command_range(encoded, args);
        session.feed(encoded);
        return take();
    }
    std::string operator()(std::initializer_list<std::string_view> args) {
        return run(std::vector<std::string>(args.begin(), args.end()));
    }
    /// The reply parsed into a value (REQUIREs a complete reply).
    respkit::resp::value parsed(std::initializer_list<std::string_view> args) {
        const std::string reply = (*this)(args);
        respkit::resp::parsed_value p = respkit::resp::parse_value(reply);
        REQUIRE(p.result.status == respkit::resp::parse_status::complete);
        return std::move(p.value);
    }
    /// Output produced since the last call (e.g. by being served while blocked).
    std::string take() { return take_output(session); }
};

} // namespace respkit_test

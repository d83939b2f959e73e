// Test support: session_client.hpp's definitions, compiled once for every test program.

#include "support/session_client.hpp"

#include <utility>

namespace respkit_test {

std::string take_output(respkit::server::session& s) {
    std::string out(s.pending_output());
    s.output_sent(out.size());
    return out;
}

session_client::session_client(const respkit::server::dispatcher& commands, respkit::server::server_context& context,
                               respkit::resp::protocol p)
    : session(commands, context) {
    session.set_protocol(p);
}

session_client::~session_client() = default;

std::string session_client::run(const std::vector<std::string>& args) {
    std::string encoded;
    respkit::resp::write_command_range(encoded, args);
    session.feed(encoded);
    return take();
}

std::string session_client::operator()(std::initializer_list<std::string_view> args) {
    return run(std::vector<std::string>(args.begin(), args.end()));
}

respkit::resp::value session_client::parsed(std::initializer_list<std::string_view> args) {
    const std::string reply = (*this)(args);
    respkit::resp::parsed_value p = respkit::resp::parse_value(reply);
    REQUIRE(p.result.status == respkit::resp::parse_status::complete);
    return std::move(p.value);
}

std::string session_client::take() { return take_output(session); }

} // namespace respkit_test

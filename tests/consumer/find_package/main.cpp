// respkit consumer (find_package): includes the umbrella header the way a user does and checks that the
// version it sees is the one the package claims. Exits non-zero on mismatch.

#include <respkit/respkit.hpp>

#include <cstdio>
#include <cstring>
#include <string>

static_assert(RESPKIT_VERSION_MAJOR == 0, "this consumer expects respkit 0.x");

int main() {
    if (std::strcmp(RESPKIT_VERSION_STRING, RESPKIT_EXPECTED_VERSION) != 0) {
        std::fprintf(stderr, "consumer (find_package): respkit %s, expected %s\n", RESPKIT_VERSION_STRING,
                     RESPKIT_EXPECTED_VERSION);
        return 1;
    }

    // Parse a command and write a reply, as a user would.
    respkit::resp::request_parser requests;
    const auto parsed = requests.parse("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n");
    if (parsed.status != respkit::resp::parse_status::complete || requests.args().size() != 2 ||
        requests.args()[1] != "hi") {
        std::fprintf(stderr, "consumer (find_package): the request did not parse\n");
        return 1;
    }
    std::string reply;
    respkit::resp::writer out(reply, respkit::resp::protocol::resp2);
    out.bulk_string(requests.args()[1]);
    if (reply != "$2\r\nhi\r\n") {
        std::fprintf(stderr, "consumer (find_package): unexpected reply bytes\n");
        return 1;
    }

    std::printf("consumer (find_package): respkit %s OK\n", RESPKIT_VERSION_STRING);
    return 0;
}

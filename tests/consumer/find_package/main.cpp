// respkit consumer (find_package): includes the umbrella header the way a user does and checks that the
// version it sees is the one the package claims. Exits non-zero on mismatch.

#include <respkit/respkit.hpp>

#include <cstdio>
#include <cstring>

static_assert(RESPKIT_VERSION_MAJOR == 0, "this consumer expects respkit 0.x");

int main() {
    if (std::strcmp(RESPKIT_VERSION_STRING, RESPKIT_EXPECTED_VERSION) != 0) {
        std::fprintf(stderr, "consumer (find_package): respkit %s, expected %s\n", RESPKIT_VERSION_STRING,
                     RESPKIT_EXPECTED_VERSION);
        return 1;
    }

    // CONSUMER-PARSE: once the codec lands, parse a RESP message here with respkit's parser
    // (e.g. "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n") and return non-zero unless it yields the
    // expected nodes.

    std::printf("consumer (find_package): respkit %s OK\n", RESPKIT_VERSION_STRING);
    return 0;
}

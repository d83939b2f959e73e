// respkit consumer (find_package, component tls): includes the TLS headers through respkit::tls,
// which brings OpenSSL, and makes a client context. Exits non-zero when that fails.

#include <respkit/client.hpp>
#include <respkit/tls.hpp>

#include <cstdio>
#include <string>

int main() {
    std::string error;
    const auto connector = respkit::tls::connector::make({.verify = false}, error);
    if (!connector) {
        std::fprintf(stderr, "consumer (find_package, tls): %s\n", error.c_str());
        return 1;
    }
    respkit::client::options options;
    options.tls = connector;
    std::puts("consumer (find_package, tls): ok");
    return 0;
}

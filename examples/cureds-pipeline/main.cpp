// The cureds README's client: SET, INCR and GET in a loop, HSET twice, then a pipeline of
// set, get, incr and hgetall sent as one MULTI/EXEC transaction.
// Usage: cureds-pipeline [--port N] [--host H]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "respkit/client.hpp"

namespace client = respkit::client;

int main(int argc, char** argv) {
    client::options opts;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--port") opts.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (flag == "--host") opts.host = argv[i + 1];
    }
    client::connection c(opts);
    if (auto r = c.connect(); !r) {
        std::fprintf(stderr, "cureds-pipeline: %s\n", r.error().what().c_str());
        return 1;
    }
    std::printf("connected (RESP%d)\n", static_cast<int>(c.protocol()));
    if (!c.set("a", "1")) return 1;
    std::printf("set a 1\n");
    for (int k = 0; k < 10; ++k) {
        auto n = c.incr("a");
        auto v = c.get("a");
        if (!n || !v || !*v) return 1;
        std::printf("incr: %lld get: %s\n", static_cast<long long>(*n), (*v)->c_str());
    }
    std::printf("hset: %lld\n", static_cast<long long>(c.hset("client_hash", "first_name", "allen").value()));
    std::printf("hset: %lld\n", static_cast<long long>(c.hset("client_hash", "last_name", "ling").value()));

    client::pipeline tx;
    auto set = tx.set("a", "1");
    auto get = tx.get("a");
    auto incr = tx.incr("a");
    auto hash = tx.hgetall("client_hash");
    auto again = tx.get("a");
    auto r = c.exec(tx);
    if (!r) {
        std::fprintf(stderr, "cureds-pipeline: MULTI/EXEC failed: %s\n", r.error().what().c_str());
        return 1;
    }
    std::printf("MULTI/EXEC: %zu replies\n", r->size());
    std::printf("  set a 1 -> %s\n", r->get(set).value() ? "OK" : "not set");
    std::printf("  get a -> %s\n", r->get(get).value().value_or("(nil)").c_str());
    std::printf("  incr a -> %lld\n", static_cast<long long>(r->get(incr).value()));
    std::printf("  hgetall client_hash ->");
    for (const auto& [field, value] : r->get(hash).value()) std::printf(" %s=%s", field.c_str(), value.c_str());
    std::printf("\n  get a -> %s\n", r->get(again).value().value_or("(nil)").c_str());
    return r->get(again).value() == "2" ? 0 : 1;
}

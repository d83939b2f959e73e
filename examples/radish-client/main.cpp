// One client connection doing what the Radish README's client does: set/get/echo/delete,
// then mset/mget/ping/exists/flush. Usage: radish-client [--port N] [--host H]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "respkit/client.hpp"

namespace client = respkit::client;

static bool check(bool ok, const char* what, const std::string& detail) {
    std::printf("%-28s %s\n", what, detail.c_str());
    if (!ok) std::fprintf(stderr, "radish-client: %s failed\n", what);
    return ok;
}

int main(int argc, char** argv) {
    client::options opts;
    opts.port = 7272;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--port") opts.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (flag == "--host") opts.host = argv[i + 1];
    }
    client::connection con(opts);
    if (auto r = con.connect(); !r) {
        std::fprintf(stderr, "radish-client: %s\n", r.error().what().c_str());
        return 1;
    }
    bool ok = true;
    auto set = con.set("my_key", "my_val");
    ok &= check(set && *set, "set my_key my_val", set ? "OK" : set.error().what());
    auto get = con.get("my_key");
    ok &= check(get && *get == "my_val", "get my_key", get && *get ? **get : "(error or nil)");
    auto echo = con.echo("hello");
    ok &= check(echo && *echo == "hello", "echo hello", echo ? *echo : echo.error().what());
    auto del = con.del("my_key");
    ok &= check(del && *del == 1, "del my_key", del ? std::to_string(*del) : del.error().what());
    con.close();

    // A second connection, as the README's "async with" block.
    client::connection con2(opts);
    ok &= check(static_cast<bool>(con2.flushdb()), "flushdb", "OK");
    auto mset = con2.mset({{"k1", "1"}, {"k2", "2"}, {"k3", "3"}});
    ok &= check(static_cast<bool>(mset), "mset k1 1 k2 2 k3 3", mset ? "OK" : mset.error().what());
    auto mget = con2.mget("k1", "k3", "k2");
    std::string values;
    if (mget) {
        for (const auto& v : *mget) values += (v ? *v : "(nil)") + " ";
    }
    ok &= check(mget && values == "1 3 2 ", "mget k1 k3 k2", values);
    auto ping = con2.ping();
    ok &= check(ping && *ping == "PONG", "ping", ping ? *ping : ping.error().what());
    auto exists = con2.exists("k2");
    ok &= check(exists && *exists == 1, "exists k2", exists ? std::to_string(*exists) : exists.error().what());
    auto keys = con2.exists("k1", "k2", "k3");
    auto flush = con2.flushdb();
    ok &= check(keys && flush, "flushdb", "removed " + (keys ? std::to_string(*keys) : std::string("?")) + " keys");
    std::printf("%s\n", ok ? "radish-client: all done" : "radish-client: FAILED");
    return ok ? 0 : 1;
}

// Client limits of the built respkit-server against Debian's redis-server 7.0.15 configured the
// same way, byte for byte where Redis is deterministic: the unauthenticated limits (multibulk
// count over 10, bulk length over 16384 before AUTH), client-output-buffer-limit's CONFIG SET and
// GET, the normal class's hard limit, the pubsub class's hard and soft limits; and the memory a
// 100 MB SET holds in respkit-server (at most 1.2 times its size).

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/server_probe.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// respkit-server and redis-server started with the same `args`; `reference` is not running
/// when redis-server is not installed.
struct server_pair {
    probed_server respkit;
    probed_server reference;
    explicit server_pair(const std::vector<std::string>& args)
        : respkit(built_program("respkit-server"), args), reference(find_on_path("redis-server"), args) {}
};

/// A connection whose receive buffer is small, so that the server's output queues up.
int connect_small_buffer(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int size = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// True when the peer closed `fd` within `limit` (whatever arrives first is discarded).
bool closed_within(int fd, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    }
    return false;
}

/// PUBLISH `count` messages of `size` bytes on `channel`, each awaited; returns the last reply.
std::string publish(raw_connection& c, const std::string& channel, std::size_t size, std::size_t count) {
    const std::string message(size, 'm');
    for (std::size_t i = 0; i < count; ++i) {
        if (!c.call({"PUBLISH", channel, message})) return "";
    }
    return c.last();
}

} // namespace

TEST_CASE("unauthenticated limits: Redis's protocol errors before AUTH, none after") {
    server_pair servers({"--requirepass", "secret"});
    REQUIRE(servers.respkit.running());
    const std::string bulk_16384 = "$16384\r\n" + std::string(16384, 'x') + "\r\n";
    std::string ten = "*10\r\n$3\r\nDEL\r\n";
    for (int i = 0; i < 9; ++i) ten += "$1\r\na\r\n";
    std::string eleven = "*11\r\n$4\r\nECHO\r\n";
    for (int i = 0; i < 10; ++i) eleven += "$1\r\na\r\n";
    const struct {
        std::string request;
        std::string expected;
    } cases[] = {
        {"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
        {"*2\r\n$4\r\nECHO\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
        {"*2\r\n$4\r\nECHO\r\n$1073741824\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {ten, "-NOAUTH Authentication required.\r\n"},
        {"*2\r\n$4\r\nECHO\r\n" + bulk_16384, "-NOAUTH Authentication required.\r\n"},
        {"AUTH secret\r\n" + eleven, "+OK\r\n-ERR wrong number of arguments for 'echo' command\r\n"},
        {"AUTH secret\r\n*2\r\n$4\r\nECHO\r\n$16385\r\n" + std::string(16385, 'y') + "\r\n",
         "+OK\r\n$16385\r\n" + std::string(16385, 'y') + "\r\n"},
    };
    for (const auto& c : cases) {
        CAPTURE(printable(c.request.substr(0, 60)));
        CHECK(exchange(servers.respkit.port(), c.request) == c.expected);
        if (servers.reference.running()) CHECK(exchange(servers.reference.port(), c.request) == c.expected);
    }
}

TEST_CASE("client-output-buffer-limit: CONFIG SET and GET as Redis, errors included") {
    server_pair servers({});
    REQUIRE(servers.respkit.running());
    if (!servers.reference.running()) {
        MESSAGE("redis-server not installed: skipped");
        return;
    }
    const std::vector<std::vector<std::string>> script{
        {"CONFIG", "GET", "client-output-buffer-limit"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 10 pubsub 10mb 4mb 5"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
        {"CONFIG", "SET", "client-output-buffer-limit", "replica 1gb 0 0"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb"},
        {"CONFIG", "SET", "client-output-buffer-limit", "other 1 2 3"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal x 2 3"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 -3"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
        {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 pubsub 33554432 8388608 60"},
        {"CONFIG", "GET", "client-output-buffer-limit"},
    };
    std::string request;
    for (const auto& command : script) request += encode(command);
    CHECK(exchange(servers.respkit.port(), request) == exchange(servers.reference.port(), request));
}

TEST_CASE("client-output-buffer-limit normal: a reply past the hard limit closes the client, as Redis") {
    server_pair servers({"--client-output-buffer-limit", "normal 1mb 0 0"});
    REQUIRE(servers.respkit.running());
    for (probed_server* s : {&servers.respkit, &servers.reference}) {
        if (!s->running()) continue;
        raw_connection setup(s->port());
        REQUIRE(setup.call({"SET", "big", std::string(2u << 20, 'v')}));
        REQUIRE(setup.call({"SET", "small", std::string(512u << 10, 'v')}));
        // Under the limit: served; over it: closed without the reply.
        CHECK(exchange(s->port(), encode({"STRLEN", "small"})) == ":524288\r\n");
        const std::string small = exchange(s->port(), encode({"GET", "small"}));
        CHECK(small.size() == (512u << 10) + 11);
        CHECK(exchange(s->port(), encode({"GET", "big"})).empty());
        CHECK(setup.call({"PING"}));
        CHECK(setup.last() == "+PONG\r\n");
    }
    CHECK(servers.respkit.log().find("scheduled to be closed ASAP for overcoming of output buffer limits") !=
          std::string::npos);
}

TEST_CASE("client-output-buffer-limit pubsub: the hard limit at once, the soft limit after its seconds") {
    server_pair servers({"--client-output-buffer-limit", "pubsub 16mb 4mb 1"});
    REQUIRE(servers.respkit.running());
    for (probed_server* s : {&servers.respkit, &servers.reference}) {
        if (!s->running()) continue;
        const bool reference = s == &servers.reference;
        CAPTURE(reference);
        raw_connection publisher(s->port());
        // Limits above what the kernel's socket buffers take (a few MB on loopback).
        // Hard: 40 MB published at once to a subscriber that does not read.
        {
            const int fd = connect_small_buffer(s->port());
            REQUIRE(fd >= 0);
            send_all(fd, encode({"SUBSCRIBE", "hard"}));
            std::this_thread::sleep_for(100ms);
            CHECK(publish(publisher, "hard", 256 * 1024, 4) == ":1\r\n");
            (void)publish(publisher, "hard", 256 * 1024, 156);
            CHECK(closed_within(fd, 3s));
            CHECK(publish(publisher, "hard", 10, 1) == ":0\r\n");
            ::close(fd);
        }
        // Soft: 12 MB published (over 4 MB pending, under 16 MB) is kept for its second, closed after it.
        {
            const int fd = connect_small_buffer(s->port());
            REQUIRE(fd >= 0);
            send_all(fd, encode({"SUBSCRIBE", "soft"}));
            std::this_thread::sleep_for(100ms);
            (void)publish(publisher, "soft", 256 * 1024, 48);
            CHECK(publish(publisher, "soft", 10, 1) == ":1\r\n");
            std::this_thread::sleep_for(2200ms);
            (void)publish(publisher, "soft", 10, 1); // over the soft limit for more than 1 s: closed
            CHECK(closed_within(fd, 3s));
            CHECK(publish(publisher, "soft", 10, 1) == ":0\r\n");
            ::close(fd);
        }
        CHECK(publisher.call({"PING"}));
    }
}

TEST_CASE("a 100 MB SET holds at most 1.2 times its size in respkit-server") {
    probed_server server(built_program("respkit-server"), {});
    REQUIRE(server.running());
    raw_connection c(server.port());
    REQUIRE(c.call({"PING"}));
    const process_memory before = server.memory();
    const std::size_t size = 100u << 20;
    const std::string value(size, 'x');
    c.send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(size) + "\r\n");
    for (std::size_t at = 0; at < size; at += 1u << 20) c.send(std::string_view(value).substr(at, 1u << 20));
    c.send("\r\n");
    REQUIRE(c.await(1, 30s));
    CHECK(c.last() == "+OK\r\n");
    const process_memory after = server.memory();
    const double held = static_cast<double>(after.rss_kb - before.rss_kb) * 1024 / static_cast<double>(size);
    const double peak = static_cast<double>(after.hwm_kb - before.rss_kb) * 1024 / static_cast<double>(size);
    std::printf("limits: 100 MB SET: RSS %zu -> %zu MB (%.3fx the value), peak %zu MB (%.3fx)\n", before.rss_kb / 1024,
                after.rss_kb / 1024, held, after.hwm_kb / 1024, peak);
    // ASan's shadow memory adds an eighth.
    const double bound = probe_sanitized ? 1.2 + 0.125 : 1.2;
    CHECK(held <= bound);
    CHECK(peak <= bound);
    REQUIRE(c.call({"STRLEN", "big"}));
    CHECK(c.last() == ":" + std::to_string(size) + "\r\n");
}

TEST_CASE("maxmemory-clients: the biggest client is evicted, CLIENT NO-EVICT spared, counted in INFO") {
    server_pair servers({"--maxmemory-clients", "1mb"});
    REQUIRE(servers.respkit.running());
    for (probed_server* s : {&servers.respkit, &servers.reference}) {
        if (!s->running()) continue;
        CAPTURE(s == &servers.reference);
        raw_connection keeper(s->port());
        REQUIRE(keeper.call({"CLIENT", "NO-EVICT", "on"}));
        CHECK(keeper.last() == "+OK\r\n");
        REQUIRE(keeper.call({"CLIENT", "INFO"}));
        CHECK(keeper.last().find(" flags=e ") != std::string::npos);
        // A client receiving a 4 MB argument holds more than the clients' 1 MB: evicted.
        const int fd = connect_loopback(s->port());
        REQUIRE(fd >= 0);
        send_all(fd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n" + std::string(2u << 20, 'x'));
        CHECK(closed_within(fd, 5s));
        ::close(fd);
        REQUIRE(keeper.call({"INFO", "stats"}));
        CHECK(keeper.last().find("\r\nevicted_clients:1\r\n") != std::string::npos);
        REQUIRE(keeper.call({"CLIENT", "NO-EVICT", "maybe"}));
        CHECK(keeper.last() == "-ERR syntax error\r\n");
        REQUIRE(keeper.call({"PING"}));
        CHECK(keeper.last() == "+PONG\r\n");
    }
    CHECK(servers.respkit.log().find("Evicting client: ") != std::string::npos);
}

TEST_CASE("proto-max-bulk-len: the longest request argument and the longest string a command builds") {
    server_pair servers({"--proto-max-bulk-len", "1mb"});
    REQUIRE(servers.respkit.running());
    if (!servers.reference.running()) {
        MESSAGE("redis-server not installed: skipped");
        return;
    }
    const std::string half(512u << 10, 'h');
    std::string request = encode({"SET", "k", half}) + encode({"APPEND", "k", half}) + encode({"APPEND", "k", "x"}) +
                          encode({"SETRANGE", "k", "1048575", "y"}) + encode({"SETRANGE", "k", "1048576", "y"}) +
                          encode({"STRLEN", "k"}) + encode({"CONFIG", "GET", "proto-max-bulk-len"}) +
                          "*2\r\n$4\r\nECHO\r\n$1048577\r\n";
    const std::string respkit = exchange(servers.respkit.port(), request);
    CHECK(respkit == exchange(servers.reference.port(), request));
    CHECK(respkit.find("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n") != std::string::npos);
    CHECK(respkit.ends_with("-ERR Protocol error: invalid bulk length\r\n"));
}

TEST_CASE("timeout: idle clients are closed, blocked and subscribed ones are not, as Redis") {
    server_pair servers({"--timeout", "1"});
    REQUIRE(servers.respkit.running());
    for (probed_server* s : {&servers.respkit, &servers.reference}) {
        if (!s->running()) continue;
        CAPTURE(s == &servers.reference);
        raw_connection idle(s->port()), blocked(s->port()), subscriber(s->port()), busy(s->port());
        REQUIRE(idle.call({"PING"}));
        blocked.send(encode({"BLPOP", "nothing", "0"}));
        REQUIRE(subscriber.call({"SUBSCRIBE", "c"}));
        // Redis checks whole seconds: idle for more than one second, so up to three.
        for (int i = 0; i < 10; ++i) {
            std::this_thread::sleep_for(400ms);
            REQUIRE(busy.call({"PING"}));
        }
        CHECK(idle.await_close());
        REQUIRE(busy.call({"LPUSH", "nothing", "v"}));
        CHECK(blocked.await(1));
        CHECK(blocked.last() == "*2\r\n$7\r\nnothing\r\n$1\r\nv\r\n");
        REQUIRE(busy.call({"PUBLISH", "c", "m"}));
        CHECK(busy.last() == ":1\r\n");
    }
}

// Keyspace notifications from the server's own timers and memory limit, on the built
// respkit-server and on Debian's redis-server 7.0.15 started with the same options: a key removed
// by active expiry (never looked up) is notified as "expired" to RESP2 and RESP3 subscribers,
// byte for byte as Redis sends it, with notify-keyspace-events given at start-up; keys evicted
// under maxmemory are notified as "evicted", one message per evicted key, each key gone.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

struct target {
    std::string name;
    std::unique_ptr<server_process> process;
};

/// respkit-server and redis-server (each when available), in memory, with `options`.
std::vector<target> start_both(const std::vector<std::string>& options) {
    std::vector<target> out;
    std::vector<std::string> common{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no"};
    common.insert(common.end(), options.begin(), options.end());
    const std::string programs[] = {built_program("respkit-server"), find_on_path("redis-server")};
    const char* names[] = {"respkit-server", "redis-server"};
    for (int i = 0; i < 2; ++i) {
        if (programs[i].empty()) {
            MESSAGE("skipped for " << names[i] << ": not available");
            continue;
        }
        std::vector<std::string> args = common;
        if (i == 1) args.insert(args.begin(), {"--daemonize", "no", "--dir", "/tmp"});
        out.push_back({names[i], std::make_unique<server_process>(programs[i], args)});
        REQUIRE_MESSAGE(out.back().process->running(), names[i]);
    }
    return out;
}

/// What the subscribers of one server received while keys expired actively.
struct expiry_run {
    std::string resp2, resp3;
};

expiry_run run_active_expiry(int port) {
    raw_connection main(port), sub2(port), sub3(port);
    REQUIRE(main.connected());
    REQUIRE(sub2.connected());
    REQUIRE(sub3.connected());
    REQUIRE(sub3.hello(3));
    REQUIRE(sub2.call({"PSUBSCRIBE", "__key*__:*"}));
    REQUIRE(sub3.call({"PSUBSCRIBE", "__key*__:*"}));
    // One key at a time (the order in which a cycle finds several is the hash table's), in two
    // databases, never looked up: only active expiry removes them.
    for (const char* db : {"0", "3"}) {
        REQUIRE(main.call({"SELECT", db}));
        REQUIRE(main.call({"SET", std::string("gone-in-") + db, "v", "PX", "30"}));
        // "new"-less classes: Kx and Ex are on, so two messages, keyspace then keyevent.
        CHECK(sub2.await(2, 5s));
        CHECK(sub3.await(2, 5s));
    }
    REQUIRE(main.call({"DBSIZE"}));
    CHECK(main.last() == ":0\r\n");
    sub2.drain();
    sub3.drain();
    return {sub2.bytes(), sub3.bytes()};
}

} // namespace

TEST_CASE("active expiry publishes expired events as Redis does (notify-keyspace-events set at start-up)") {
    auto servers = start_both({"--notify-keyspace-events", "KEx", "--hz", "100"});
    if (servers.empty()) return;
    std::vector<expiry_run> runs;
    for (target& t : servers) {
        INFO(t.name);
        runs.push_back(run_active_expiry(t.process->port()));
        CHECK(runs.back().resp2.find("__keyevent@3__:expired") != std::string::npos);
        CHECK(runs.back().resp3.find(">4\r\n$8\r\npmessage\r\n") != std::string::npos);
    }
    if (runs.size() == 2) {
        CHECK(printable(runs[0].resp2) == printable(runs[1].resp2));
        CHECK(printable(runs[0].resp3) == printable(runs[1].resp3));
    }
}

TEST_CASE("eviction publishes one evicted event per evicted key") {
    constexpr std::uint64_t maxmemory = 3 * 1024 * 1024;
    auto servers = start_both({"--maxmemory", std::to_string(maxmemory), "--maxmemory-policy", "allkeys-random",
                               "--notify-keyspace-events", "Ee"});
    const std::string value(1000, 'v');
    for (target& t : servers) {
        INFO(t.name);
        const int port = t.process->port();
        raw_connection main(port), sub(port);
        REQUIRE(sub.call({"SUBSCRIBE", "__keyevent@0__:evicted"}));
        const std::size_t confirmation = sub.bytes().size();
        // 6 MB of values into 3 MB: about half of the keys go.
        for (int batch = 0; batch < 12; ++batch) {
            std::string pipeline;
            for (int i = 0; i < 500; ++i)
                pipeline += encode({"SET", "key:" + std::to_string(batch * 500 + i), value});
            main.send(pipeline);
            REQUIRE(main.await(500, 20s));
        }
        // Redis also evicts before later commands (the subscriber's output counts toward used
        // memory there): the messages counted lie between the counts read before and after.
        const auto evicted_keys = [&main] {
            REQUIRE(main.call({"INFO", "stats"}));
            const std::string stats = main.last();
            const std::size_t at = stats.find("evicted_keys:");
            REQUIRE(at != std::string::npos);
            return std::stoull(stats.substr(at + 13));
        };
        const std::uint64_t evicted_before = evicted_keys();
        CHECK(evicted_before > 1000);
        // Every message published so far arrives before the reply to a PING sent now.
        sub.send(encode({"PING"}));
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (sub.bytes().find("pong", confirmation) == std::string::npos && std::chrono::steady_clock::now() < deadline)
            (void)sub.await(1, 100ms);
        REQUIRE(sub.bytes().find("pong", confirmation) != std::string::npos);
        const std::string& bytes = sub.bytes();
        const std::string head = "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$";
        std::uint64_t messages = 0, still_there = 0;
        for (std::size_t pos = bytes.find(head, confirmation); pos != std::string::npos; pos = bytes.find(head, pos + 1)) {
            ++messages;
            const std::size_t length_at = pos + head.size();
            const std::size_t key_at = bytes.find("\r\n", length_at) + 2;
            const std::string key = bytes.substr(key_at, std::stoull(bytes.substr(length_at)));
            if (messages % 50 == 0) { // a sample: each evicted key is gone
                REQUIRE(main.call({"EXISTS", key}));
                still_there += main.last() == ":1\r\n" ? 1 : 0;
            }
        }
        const std::uint64_t evicted_after = evicted_keys();
        CHECK(messages >= evicted_before);
        CHECK(messages <= evicted_after);
        CHECK(still_there == 0);
    }
}

// The stream commands (respkit/commands/streams.hpp): tests/diff/streams.redis against redis-server
// 7.0.15 (both keyspace maps): XADD's IDs and errors, XRANGE / XREVRANGE ranges and COUNT, XDEL,
// XTRIM's exact and approximate (whole nodes) trims, XSETID, XINFO STREAM's counters and radix
// tree sizes, TYPE and OBJECT ENCODING, byte for byte in RESP2 and RESP3.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/command_server.hpp"
#include "support/diff_harness.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("streams.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("streams.redis"), srv.target());
    MESSAGE("streams.redis: " << compared << " replies compared");
}

namespace {

/// The bytes of a bulk string reply ("$N\r\n...\r\n").
std::string bulk_payload(const std::string& reply) {
    REQUIRE(reply.size() > 1);
    REQUIRE(reply[0] == '$');
    const std::size_t eol = reply.find("\r\n");
    const std::size_t n = std::stoul(reply.substr(1, eol - 1));
    REQUIRE(reply.size() >= eol + 2 + n);
    return reply.substr(eol + 2, n);
}

} // namespace

TEST_CASE("streams cross DUMP / RESTORE with redis-server both ways (entries, IDs, counters, groups, PEL, consumers)") {
    redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    command_server<> srv;
    command_client ours(srv);
    const std::vector<std::vector<std::string>> setup = {
        {"XADD", "s", "1-1", "a", "1", "b", "two"}, {"XADD", "s", "1-2", "a", "3", "b", "4"},
        {"XADD", "s", "5-0", "other", "12345678901234567890", "long", std::string(300, 'x')},
        {"XADD", "s", "6-0", "a", "-7"}, {"XADD", "s", "7-0", "a", "x"}, {"XDEL", "s", "6-0"},
        {"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "h", "$", "ENTRIESREAD", "3"},
        {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"},
        {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"},
        {"XGROUP", "CREATECONSUMER", "s", "g", "carol"}, {"XCLAIM", "s", "g", "bob", "0", "1-1", "RETRYCOUNT", "9", "JUSTID"},
        {"XADD", "empty", "MAXLEN", "0", "3-0", "x", "y"}, {"XGROUP", "CREATE", "empty", "e", "$"}};
    for (const auto& args : setup) (void)theirs.request(encode(args));
    // Redis's payloads restored here, then ours restored there: every reply compared, times and
    // all (the payloads carry them).
    const std::vector<std::vector<std::string>> probes = {
        {"XRANGE", "K", "-", "+"},         {"XINFO", "STREAM", "K", "FULL"}, {"XINFO", "GROUPS", "K"},
        {"XPENDING", "K", "G"},            {"TYPE", "K"},                    {"XLEN", "K"},
        {"XINFO", "STREAM", "K"}};
    const auto probe = [](std::vector<std::string> args, const std::string& key) {
        for (std::string& a : args) {
            if (a == "G") a = key.starts_with("empty") ? "e" : "g";
            if (a == "K") a = key;
        }
        return args;
    };
    std::size_t compared = 0;
    for (const std::string key : {"s", "empty"}) {
        CAPTURE(key);
        const std::string payload = bulk_payload(theirs.request(encode({"DUMP", key})));
        CHECK(ours.run({"RESTORE", key, "0", payload}) == "+OK\r\n");
        for (const auto& p : probes) {
            CAPTURE(p[0] + " " + p[1]);
            const auto args = probe(p, key);
            CHECK(ours.run(args) == theirs.request(encode(args)));
            ++compared;
        }
        const std::string back = bulk_payload(ours.run({"DUMP", key}));
        CHECK(theirs.request(encode({"RESTORE", key + "-back", "0", back})) == "+OK\r\n");
        for (const auto& p : probes) {
            CAPTURE(p[0] + " " + p[1]);
            if (p[1] == "STREAM") continue; // radix-tree sizes: respkit's payload has no tombstones
            CHECK(theirs.request(encode(probe(p, key + "-back"))) == theirs.request(encode(probe(p, key))));
            ++compared;
        }
        CHECK(theirs.request(encode({"XINFO", "GROUPS", key + "-back"})) == ours.run({"XINFO", "GROUPS", key}));
    }
    // A corrupt stream payload is refused as Redis refuses it.
    std::string bad = bulk_payload(theirs.request(encode({"DUMP", "s"})));
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x5a);
    CHECK(ours.run({"RESTORE", "bad", "0", bad}) == theirs.request(encode({"RESTORE", "bad", "0", bad})));
    MESSAGE(compared << " replies compared across DUMP / RESTORE");
}

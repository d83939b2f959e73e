// The stream commands (respkit/commands/streams.hpp): tests/diff/streams.redis against redis-server
// 7.0.15 (both keyspace maps): XADD's IDs and errors, XRANGE / XREVRANGE ranges and COUNT, XDEL,
// XTRIM's exact and approximate (whole nodes) trims, XSETID, XINFO STREAM's counters and radix
// tree sizes, TYPE and OBJECT ENCODING, byte for byte in RESP2 and RESP3.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "respkit/persist.hpp"

#include "support/command_server.hpp"
#include "support/diff_harness.hpp"
#include "support/file_util.hpp"
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

/// Streams with deletions, long and integer-like values, groups, pending entries, an idle consumer
/// and an empty stream with a group.
std::vector<std::vector<std::string>> stream_setup() {
    return {
        {"XADD", "s", "1-1", "a", "1", "b", "two"}, {"XADD", "s", "1-2", "a", "3", "b", "4"},
        {"XADD", "s", "5-0", "other", "12345678901234567890", "long", std::string(300, 'x')},
        {"XADD", "s", "6-0", "a", "-7"}, {"XADD", "s", "7-0", "a", "x"}, {"XDEL", "s", "6-0"},
        {"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "h", "$", "ENTRIESREAD", "3"},
        {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"},
        {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"},
        {"XGROUP", "CREATECONSUMER", "s", "g", "carol"}, {"XCLAIM", "s", "g", "bob", "0", "1-1", "RETRYCOUNT", "9", "JUSTID"},
        {"XADD", "empty", "MAXLEN", "0", "3-0", "x", "y"}, {"XGROUP", "CREATE", "empty", "e", "$"}};
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
    for (const auto& args : stream_setup()) (void)theirs.request(encode(args));
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

TEST_CASE("RDB files holding streams cross with redis-server: theirs loaded here, ours loaded there") {
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    redis_server redis({"--dir", dir.path, "--dbfilename", "theirs.rdb"});
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    for (const auto& args : stream_setup()) (void)theirs.request(encode(args));
    REQUIRE(theirs.request(encode({"SAVE"})) == "+OK\r\n");
    command_server<> srv;
    const persist::snapshot_load_result loaded = persist::load_snapshot(dir.read("theirs.rdb"), srv.keyspace, false);
    REQUIRE(loaded.error == "");
    CHECK(loaded.keys_loaded == 2);
    command_client ours(srv);
    const std::vector<std::vector<std::string>> probes = {
        {"XRANGE", "s", "-", "+"}, {"XINFO", "STREAM", "s", "FULL"}, {"XINFO", "GROUPS", "s"},
        {"XPENDING", "s", "g"},    {"XINFO", "STREAM", "s"},         {"XINFO", "STREAM", "empty", "FULL"},
        {"XINFO", "GROUPS", "empty"}, {"TYPE", "empty"}};
    for (const auto& args : probes) {
        CAPTURE(args[0] + " " + args[1] + " " + args[2]);
        CHECK(ours.run(args) == theirs.request(encode(args)));
    }
    // respkit's file, loaded by a second redis-server.
    const std::string path = dir.file("ours.rdb");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    const std::string saved = persist::save_snapshot(srv.keyspace, fd, persist::snapshot_options{});
    ::close(fd);
    REQUIRE(saved == "");
    redis_server again({"--dir", dir.path, "--dbfilename", "ours.rdb"});
    REQUIRE(again.available());
    redis_connection back(again.port());
    REQUIRE(back.connected());
    for (const auto& args : probes) {
        if (args[1] == "STREAM" && args[2] == "s") continue; // radix-tree sizes: our file has no tombstones
        CAPTURE(args[0] + " " + args[1] + " " + args[2]);
        CHECK(back.request(encode(args)) == theirs.request(encode(args)));
    }
    CHECK(back.request(encode({"XINFO", "STREAM", "s"})).find("entries-added") != std::string::npos);
}

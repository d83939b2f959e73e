// The generic key commands (respkit/commands/keys.hpp): tests/diff/keys.redis against
// redis-server (both keyspace maps), then what a script cannot do: COPY of every value kind,
// SCAN's guarantee while keys come and go and a full SCAN against redis-server's, OBJECT, and the
// metadata of the key and expiry commands. Expiry itself: expire.cpp.

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("keys.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("keys.redis"), srv.target());
    MESSAGE("keys.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("COPY deep-copies every value kind, with its TTL, across databases", K, manual_keyspace,
                   manual_std_keyspace) {
    command_server<K> srv;
    add_containers(srv.keyspace);
    command_client c(srv);
    CHECK(c({"EXPIRE", "hash", "100"}) == ":1\r\n");
    for (const std::string_view key : {"list", "hash", "set", "zset"}) {
        const std::string copy = std::string(key) + "-copy";
        CHECK(c({"COPY", key, copy}) == ":1\r\n");
        CHECK(c({"COPY", key, copy}) == ":0\r\n");
        CHECK(c({"COPY", key, copy, "REPLACE"}) == ":1\r\n");
        CHECK(c({"COPY", key, key, "DB", "3"}) == ":1\r\n");
        CHECK(c({"TYPE", copy}) == c({"TYPE", key}));
    }
    CHECK(c({"TTL", "hash-copy"}) == ":100\r\n");
    CHECK(c({"TTL", "list-copy"}) == ":-1\r\n");
    // The copies are independent of their sources.
    srv.keyspace.find_for_write(0, "list")->list().push_back("y");
    CHECK(srv.keyspace.find(0, "list-copy")->list().size() == 1);
    CHECK(srv.keyspace.find(3, "list")->list().size() == 1);
    CHECK(srv.keyspace.find(3, "hash")->hash().contains("f"));
    CHECK(srv.keyspace.expiry(3, "hash").at_ms == srv.keyspace.clock().now_ms() + 100'000);
    CHECK(srv.keyspace.find(3, "zset")->zset().size() == 1);
    CHECK(c({"COPY", "list", "list", "DB", "16"}) == "-ERR DB index is out of range\r\n");
    CHECK(c({"COPY", "list", "list", "DB", "4294967296"}) ==
          "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
}

TEST_CASE_TEMPLATE("a full SCAN returns every key present throughout, while keys are added and removed", K,
                   store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv);
    std::set<std::string> stable;
    for (int i = 0; i < 500; ++i) {
        const std::string key = "stable:" + std::to_string(i);
        CHECK(c({"SET", key, "v"}) == "+OK\r\n");
        stable.insert(key);
    }
    std::set<std::string> seen;
    std::string cursor = "0";
    int steps = 0;
    int added = 0;
    do {
        // Grow the table while scanning (forcing rehashes), and remove some churn keys.
        for (int i = 0; i < 40; ++i) {
            const std::string key = "churn:" + std::to_string(added++);
            CHECK(c({"SET", key, "v"}) == "+OK\r\n");
        }
        CHECK(c({"DEL", "churn:" + std::to_string(added / 2)}).size() == 4);
        std::string encoded;
        resp::write_command(encoded, "SCAN", cursor, "COUNT", "7");
        c.session.feed(encoded);
        const std::string reply(c.session.pending_output());
        c.session.output_sent(reply.size());
        const resp::parsed_value parsed = resp::parse_value(reply);
        REQUIRE(parsed.result.status == resp::parse_status::complete);
        REQUIRE(parsed.value.size() == 2);
        cursor = std::string(parsed.value[0].string());
        for (std::size_t i = 0; i < parsed.value[1].size(); ++i) seen.emplace(parsed.value[1][i].string());
        ++steps;
    } while (cursor != "0" && steps < 100000);
    CHECK(cursor == "0");
    for (const std::string& key : stable) CHECK_MESSAGE(seen.count(key) == 1, key);
    CHECK(added > 500);
}

TEST_CASE_TEMPLATE("SCAN with MATCH, TYPE and COUNT agrees with redis-server over a full iteration", K,
                   store::keyspace<>, store::std_keyspace<>) {
    redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    command_server<K> srv;
    command_client ours(srv);
    const auto both = [&](std::vector<std::string> args) {
        std::string encoded;
        resp::write_command_range(encoded, args);
        const std::string expected = theirs.request(encoded);
        ours.session.feed(encoded);
        const std::string actual(ours.session.pending_output());
        ours.session.output_sent(actual.size());
        return std::pair{expected, actual};
    };
    for (int i = 0; i < 300; ++i) {
        const auto [expected, actual] =
            both({"SET", (i % 3 == 0 ? "user:" : i % 3 == 1 ? "item:" : "x") + std::to_string(i), "v"});
        REQUIRE(expected == actual);
    }
    const auto full_scan = [&](std::vector<std::string> options, bool redis_side) {
        std::multiset<std::string> keys;
        std::string cursor = "0";
        do {
            std::vector<std::string> args{"SCAN", cursor};
            args.insert(args.end(), options.begin(), options.end());
            std::string encoded;
            resp::write_command_range(encoded, args);
            std::string reply;
            if (redis_side) {
                reply = theirs.request(encoded);
            } else {
                ours.session.feed(encoded);
                reply = std::string(ours.session.pending_output());
                ours.session.output_sent(reply.size());
            }
            const resp::parsed_value parsed = resp::parse_value(reply);
            REQUIRE(parsed.result.status == resp::parse_status::complete);
            REQUIRE(parsed.value.size() == 2);
            cursor = std::string(parsed.value[0].string());
            for (std::size_t i = 0; i < parsed.value[1].size(); ++i) keys.emplace(parsed.value[1][i].string());
        } while (cursor != "0");
        return std::set<std::string>(keys.begin(), keys.end()); // duplicates are allowed on both sides
    };
    const std::vector<std::vector<std::string>> option_sets{
        {},
        {"COUNT", "1"},
        {"COUNT", "1000"},
        {"MATCH", "user:*"},
        {"MATCH", "user:1?", "COUNT", "3"},
        {"MATCH", "*[0-4]", "COUNT", "50"},
        {"TYPE", "string"},
        {"TYPE", "STRING", "MATCH", "item:*"},
        {"TYPE", "list"},
        {"TYPE", "nosuchtype"},
        {"MATCH", "nomatch*"},
    };
    for (const auto& options : option_sets) {
        std::string description;
        for (const auto& o : options) description += o + " ";
        INFO("SCAN 0 " << description);
        CHECK(full_scan(options, false) == full_scan(options, true));
    }
}

TEST_CASE("key and expiry command metadata: arity, flags and key positions as COMMAND INFO shows in Redis 7.0") {
    command_server<manual_keyspace> srv;
    struct expected_info {
        std::string_view name;
        int arity;
        server::command_flag flags;
        server::key_positions keys;
    };
    using f = server::command_flag;
    const expected_info table[] = {
        {"del", -2, f::write, {1, -1, 1}},
        {"unlink", -2, f::write | f::fast, {1, -1, 1}},
        {"exists", -2, f::readonly | f::fast, {1, -1, 1}},
        {"keys", 2, f::readonly, {0, 0, 0}},
        {"scan", -2, f::readonly, {0, 0, 0}},
        {"rename", 3, f::write, {1, 2, 1}},
        {"renamenx", 3, f::write | f::fast, {1, 2, 1}},
        {"randomkey", 1, f::readonly, {0, 0, 0}},
        {"expire", -3, f::write | f::fast, {1, 1, 1}},
        {"pexpireat", -3, f::write | f::fast, {1, 1, 1}},
        {"ttl", 2, f::readonly | f::fast, {1, 1, 1}},
        {"pexpiretime", 2, f::readonly | f::fast, {1, 1, 1}},
        {"persist", 2, f::write | f::fast, {1, 1, 1}},
        {"copy", -3, f::write | f::denyoom, {1, 2, 1}},
    };
    for (const auto& e : table) {
        INFO(e.name);
        const server::command_entry* entry = srv.commands.find(e.name);
        REQUIRE(entry != nullptr);
        CHECK(entry->spec.arity == e.arity);
        CHECK(entry->spec.flags == e.flags);
        CHECK(entry->spec.keys.first == e.keys.first);
        CHECK(entry->spec.keys.last == e.keys.last);
        CHECK(entry->spec.keys.step == e.keys.step);
        CHECK(!entry->spec.summary.empty());
        CHECK(!entry->spec.acl_categories.empty());
    }
    const server::command_entry* object = srv.commands.find("OBJECT");
    REQUIRE(object != nullptr);
    CHECK(object->subcommands.size() == 5);
    const auto& encoding = *object->subcommands.at("encoding");
    CHECK(encoding.full_name == "object|encoding");
    CHECK(encoding.spec.keys.first == 2);
    CHECK(encoding.spec.arity == 3);
}

TEST_CASE("OBJECT IDLETIME and FREQ on existing and missing keys") {
    command_server<manual_keyspace> srv;
    command_client c(srv);
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"OBJECT", "IDLETIME", "k"}) == ":0\r\n");
    CHECK(c({"OBJECT", "IDLETIME", "nosuch"}) == "$-1\r\n");
    CHECK(c({"OBJECT", "FREQ", "nosuch"}) == "$-1\r\n");
    CHECK(c({"OBJECT", "FREQ", "k"}).rfind("-ERR An LFU maxmemory policy is not selected", 0) == 0);
    command_client c3(srv, resp::protocol::resp3);
    CHECK(c3({"OBJECT", "ENCODING", "nosuch"}) == "_\r\n");
}

TEST_CASE_TEMPLATE("move_swapdb.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("move_swapdb.redis"), srv.target());
    MESSAGE("move_swapdb.redis: " << compared << " replies compared");
}

TEST_CASE("MOVE keeps the TTL and fails WATCH in both databases") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), w(srv);
    CHECK(a({"SET", "k", "v", "PX", "5000"}) == "+OK\r\n");
    CHECK(w({"SELECT", "1"}) == "+OK\r\n");
    CHECK(w({"WATCH", "k"}) == "+OK\r\n");
    CHECK(b({"WATCH", "k"}) == "+OK\r\n");
    CHECK(a({"MOVE", "k", "1"}) == ":1\r\n");
    CHECK(w({"MULTI"}) == "+OK\r\n");
    CHECK(w({"PTTL", "k"}) == "+QUEUED\r\n");
    CHECK(w({"EXEC"}) == "*-1\r\n");
    CHECK(b({"MULTI"}) == "+OK\r\n");
    CHECK(b({"EXISTS", "k"}) == "+QUEUED\r\n");
    CHECK(b({"EXEC"}) == "*-1\r\n");
    CHECK(w({"PTTL", "k"}) == ":5000\r\n");
    srv.keyspace.clock().advance(5001);
    CHECK(w({"EXISTS", "k"}) == ":0\r\n");
}

TEST_CASE("SWAPDB fails the transactions watching keys that change, and serves blocked clients") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), c(srv), p(srv);
    // a watches a key that exists in db 0, b one missing from both, c one that db 1 holds.
    CHECK(p({"SET", "here", "0"}) == "+OK\r\n");
    CHECK(p({"SELECT", "1"}) == "+OK\r\n");
    CHECK(p({"SET", "there", "1"}) == "+OK\r\n");
    CHECK(p({"RPUSH", "q", "x"}) == ":1\r\n");
    CHECK(a({"WATCH", "here"}) == "+OK\r\n");
    CHECK(b({"WATCH", "nowhere"}) == "+OK\r\n");
    CHECK(c({"WATCH", "there"}) == "+OK\r\n");
    command_client blocked(srv);
    CHECK(blocked({"BLPOP", "q", "0"}).empty());
    CHECK(p({"SWAPDB", "0", "1"}) == "+OK\r\n");
    CHECK(blocked.take() == "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    for (command_client* s : {&a, &b, &c}) CHECK((*s)({"MULTI"}) == "+OK\r\n");
    CHECK(a({"EXEC"}) == "*-1\r\n");
    CHECK(b({"EXEC"}) == "*0\r\n");
    CHECK(c({"EXEC"}) == "*-1\r\n");
    CHECK(a({"GET", "there"}) == "$1\r\n1\r\n");
    CHECK(p({"GET", "here"}) == "$1\r\n0\r\n");
    // The same database: nothing changes, nobody is touched.
    CHECK(a({"WATCH", "there"}) == "+OK\r\n");
    CHECK(p({"SWAPDB", "0", "0"}) == "+OK\r\n");
    CHECK(a({"MULTI"}) == "+OK\r\n");
    CHECK(a({"EXEC"}) == "*0\r\n");
}

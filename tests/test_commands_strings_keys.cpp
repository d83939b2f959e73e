// The string and generic key command families: differential scripts against redis-server (both
// keyspace maps), and session-level tests for what a script cannot do: WRONGTYPE against values
// placed in the keyspace directly, expiry on a manual clock, SCAN's guarantee under inserts,
// COPY of every value kind, observers seeing writes, and command metadata.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diff_harness.hpp"
#include "respkit/commands/introspection.hpp"
#include "respkit/commands/expire.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/keys.hpp"
#include "respkit/commands/strings.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/store.hpp"
#include "session_client.hpp"

using namespace respkit;

namespace {

const std::filesystem::path diff_dir = std::filesystem::path(RESPKIT_SOURCE_DIR) / "tests" / "diff";

/// A server with the string and key commands over keyspace type K, plus a minimal SELECT so
/// scripts can test COPY ... DB.
template <class K>
struct test_server {
    K keyspace;
    server::dispatcher commands;
    server::server_context context;

    explicit test_server(K ks = K{}) : keyspace(std::move(ks)) {
        commands::install_string_commands(commands, keyspace);
        commands::install_key_commands(commands, keyspace);
        commands::install_expire_commands(commands, keyspace);
        commands::install_command_command(commands); // COMMAND DOCS lines in the scripts
        commands.add({.name = "select", .arity = 2}, [this](server::command_call& call) {
            std::int64_t db = 0;
            if (!store::parse_int64(call.arg(1), db) || db < 0 || static_cast<std::size_t>(db) >= keyspace.db_count()) {
                call.error(server::errors::db_index_out_of_range);
                return;
            }
            call.client().select(static_cast<std::size_t>(db));
            call.ok();
        });
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    respkit_test::diff_target target() {
        return {&commands, &context, [this] { keyspace.flush_all(); }};
    }
};

/// A session on the server's commands, running commands given as argument lists.
template <class K>
struct client : respkit_test::session_client {
    explicit client(test_server<K>& s, resp::protocol p = resp::protocol::resp2) : session_client(s.commands, s.context, p) {}
};

using manual_keyspace = store::keyspace<store::hash_map, store::manual_clock>;
using manual_std_keyspace = store::std_keyspace<store::manual_clock>;

constexpr std::string_view wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Puts a list, hash, set and sorted set into db 0 directly (their commands do not exist yet).
template <class K>
void add_containers(K& ks) {
    ks.set(0, "list", store::value::make(store::value_kind::list)).list().push_back("x");
    ks.set(0, "hash", store::value::make(store::value_kind::hash)).hash().try_emplace("f").first->assign("v");
    ks.set(0, "set", store::value::make(store::value_kind::set)).set().try_emplace("m");
    auto& z = ks.set(0, "zset", store::value::make(store::value_kind::zset)).zset();
    z.insert("m", 1.5);
}

} // namespace

TEST_CASE_TEMPLATE("strings.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    const std::size_t compared = respkit_test::run_diff_script(diff_dir / "strings.redis", srv.target());
    MESSAGE("strings.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("keys.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    const std::size_t compared = respkit_test::run_diff_script(diff_dir / "keys.redis", srv.target());
    MESSAGE("keys.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("WRONGTYPE from string commands on list, hash, set and sorted set keys", K, manual_keyspace,
                   manual_std_keyspace) {
    test_server<K> srv;
    add_containers(srv.keyspace);
    client<K> c(srv);
    for (const std::string_view key : {"list", "hash", "set", "zset"}) {
        INFO(key);
        CHECK(c({"GET", key}) == wrongtype);
        CHECK(c({"SET", key, "v", "GET"}) == wrongtype);
        CHECK(c({"GETSET", key, "v"}) == wrongtype);
        CHECK(c({"GETDEL", key}) == wrongtype);
        CHECK(c({"GETEX", key, "EX", "10"}) == wrongtype);
        CHECK(c({"GETEX", key, "EX", "abc"}) == wrongtype); // the type is checked before the time
        CHECK(c({"APPEND", key, "x"}) == wrongtype);
        CHECK(c({"STRLEN", key}) == wrongtype);
        CHECK(c({"INCR", key}) == wrongtype);
        CHECK(c({"DECRBY", key, "2"}) == wrongtype);
        CHECK(c({"INCRBY", key, "x"}) == "-ERR value is not an integer or out of range\r\n");
        CHECK(c({"INCRBYFLOAT", key, "1"}) == wrongtype);
        CHECK(c({"INCRBYFLOAT", key, "x"}) == wrongtype);
        CHECK(c({"GETRANGE", key, "0", "-1"}) == wrongtype);
        CHECK(c({"SETRANGE", key, "0", "x"}) == wrongtype);
        CHECK(c({"SETRANGE", key, "0", ""}) == wrongtype);
        CHECK(c({"LCS", key, "nosuch"}) == "-ERR The specified keys must contain string values\r\n");
        // Commands that do not care about the type.
        CHECK(c({"SETNX", key, "v"}) == ":0\r\n");
        CHECK(c({"MSETNX", "fresh", "v", key, "v"}) == ":0\r\n");
        CHECK(c({"MGET", key, "nosuch"}) == "*2\r\n$-1\r\n$-1\r\n");
        CHECK(c({"TYPE", key}) == "+" + std::string(key) + "\r\n");
        CHECK(c({"EXISTS", key}) == ":1\r\n");
        CHECK(c({"EXPIRE", key, "100"}) == ":1\r\n");
        CHECK(c({"TTL", key}) == ":100\r\n");
        CHECK(c({"PERSIST", key}) == ":1\r\n");
    }
    CHECK(c({"OBJECT", "ENCODING", "list"}) == "$9\r\nquicklist\r\n");
    CHECK(c({"OBJECT", "ENCODING", "hash"}) == "$8\r\nlistpack\r\n");
    CHECK(c({"OBJECT", "ENCODING", "set"}) == "$9\r\nhashtable\r\n");
    CHECK(c({"OBJECT", "ENCODING", "zset"}) == "$8\r\nlistpack\r\n");
    CHECK(c({"OBJECT", "REFCOUNT", "list"}) == ":1\r\n");
    CHECK(c({"SCAN", "0", "TYPE", "list", "COUNT", "100"}) == "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlist\r\n");
    CHECK(c({"SCAN", "0", "TYPE", "ZSET", "COUNT", "100"}) == "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nzset\r\n");
    // SET replaces any kind, and drops it.
    CHECK(c({"SET", "list", "now a string"}) == "+OK\r\n");
    CHECK(c({"GET", "list"}) == "$12\r\nnow a string\r\n");
    CHECK(c({"SET", "hash", "v", "XX"}) == "+OK\r\n");
    CHECK(c({"TYPE", "hash"}) == "+string\r\n");
    CHECK(c({"MSET", "set", "1"}) == "+OK\r\n");
    CHECK(c({"INCR", "set"}) == ":2\r\n");
    CHECK(c({"DEL", "zset", "set", "nosuch"}) == ":2\r\n");
}

TEST_CASE_TEMPLATE("COPY deep-copies every value kind, with its TTL, across databases", K, manual_keyspace,
                   manual_std_keyspace) {
    test_server<K> srv;
    add_containers(srv.keyspace);
    client<K> c(srv);
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
    CHECK(srv.keyspace.find(3, "hash")->hash().find("f") != nullptr);
    CHECK(srv.keyspace.expiry(3, "hash").at_ms == srv.keyspace.clock().now_ms() + 100'000);
    CHECK(srv.keyspace.find(3, "zset")->zset().ordered.size() == 1);
    CHECK(c({"COPY", "list", "list", "DB", "16"}) == "-ERR DB index is out of range\r\n");
    CHECK(c({"COPY", "list", "list", "DB", "4294967296"}) ==
          "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
}

TEST_CASE("expiry on a manual clock: lazy removal, TTL rounding, conditions, past times delete") {
    test_server<manual_keyspace> srv;
    auto& clock = srv.keyspace.clock();
    client<manual_keyspace> c(srv);
    CHECK(c({"SET", "k", "v", "PX", "1500"}) == "+OK\r\n");
    CHECK(c({"PTTL", "k"}) == ":1500\r\n");
    CHECK(c({"TTL", "k"}) == ":2\r\n"); // 1.5 s rounds to 2
    clock.advance(1000);
    CHECK(c({"PTTL", "k"}) == ":500\r\n");
    CHECK(c({"TTL", "k"}) == ":1\r\n");
    clock.advance(500);
    CHECK(c({"PTTL", "k"}) == ":0\r\n"); // due now: still there (expires when now > at)
    CHECK(c({"GET", "k"}) == "$1\r\nv\r\n");
    clock.advance(1);
    CHECK(c({"GET", "k"}) == "$-1\r\n");
    CHECK(c({"TTL", "k"}) == ":-2\r\n");
    CHECK(srv.keyspace.stats().expired_keys == 1);

    const std::int64_t now = clock.now_ms();
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "100", "XX"}) == ":0\r\n");
    CHECK(c({"EXPIRE", "k", "100", "GT"}) == ":0\r\n"); // no TTL is infinite: never greater
    CHECK(c({"EXPIRE", "k", "100", "LT"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "k", "50", "NX"}) == ":0\r\n");
    CHECK(c({"EXPIRE", "k", "200", "GT"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "k", "150", "GT"}) == ":0\r\n");
    CHECK(c({"PEXPIRE", "k", "150000", "LT", "XX"}) == ":1\r\n");
    CHECK(c({"PEXPIRETIME", "k"}) == ":" + std::to_string(now + 150'000) + "\r\n");
    CHECK(c({"EXPIREAT", "k", std::to_string(now / 1000 + 1000)}) == ":1\r\n");
    CHECK(c({"PEXPIRETIME", "k"}) == ":" + std::to_string((now / 1000 + 1000) * 1000) + "\r\n");
    CHECK(c({"PEXPIREAT", "k", std::to_string(now)}) == ":1\r\n"); // now counts as past: deleted
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "0"}) == ":1\r\n");
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "-9223372036854775"}) == ":1\r\n");
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");

    // GETEX with an absolute time already past deletes; SETEX/GETSET/KEEPTTL keep or drop TTLs.
    CHECK(c({"SET", "g", "v", "EX", "10"}) == "+OK\r\n");
    CHECK(c({"GETEX", "g", "PXAT", std::to_string(now)}) == "$1\r\nv\r\n");
    CHECK(c({"EXISTS", "g"}) == ":0\r\n");
    CHECK(c({"SETEX", "g", "10", "v"}) == "+OK\r\n");
    CHECK(c({"SET", "g", "w", "KEEPTTL"}) == "+OK\r\n");
    CHECK(c({"PTTL", "g"}) == ":10000\r\n");
    CHECK(c({"INCRBYFLOAT", "g2", "1"}) == "$1\r\n1\r\n");
    clock.advance(10'001);
    CHECK(c({"SET", "g", "w", "KEEPTTL"}) == "+OK\r\n"); // the old TTL passed: no TTL now
    CHECK(c({"TTL", "g"}) == ":-1\r\n");
    CHECK(c({"DEL", "g"}) == ":1\r\n");

    // Expired keys are invisible to every command.
    CHECK(c({"MSET", "a", "1", "b", "2"}) == "+OK\r\n");
    CHECK(c({"PEXPIRE", "a", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"MGET", "a", "b"}) == "*2\r\n$-1\r\n$1\r\n2\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"INCR", "b"}) == ":1\r\n");
    CHECK(c({"TTL", "b"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"RENAME", "b", "c"}) == "-ERR no such key\r\n");
    CHECK(c({"SETNX", "b", "x"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"APPEND", "b", "y"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"SETRANGE", "b", "2", "z"}) == ":3\r\n");
    CHECK(c({"GET", "b"}) == std::string("$3\r\n\0\0z\r\n", 9));
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"KEYS", "*"}) == "*1\r\n$2\r\ng2\r\n");
    CHECK(c({"SCAN", "0", "COUNT", "100"}) == "*2\r\n$1\r\n0\r\n*1\r\n$2\r\ng2\r\n");
    CHECK(c({"RANDOMKEY"}) == "$2\r\ng2\r\n");
}

TEST_CASE_TEMPLATE("a full SCAN returns every key present throughout, while keys are added and removed", K,
                   store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    client<K> c(srv);
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
    respkit_test::redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    respkit_test::redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    test_server<K> srv;
    client<K> ours(srv);
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

TEST_CASE("write commands reach the keyspace's observers") {
    test_server<manual_keyspace> srv;
    std::vector<std::string> events;
    auto observer = [&](store::key_event e, std::size_t db, std::string_view key) {
        events.push_back(std::to_string(static_cast<int>(e)) + ":" + std::to_string(db) + ":" + std::string(key));
    };
    srv.keyspace.add_observer(observer);
    client<manual_keyspace> c(srv);
    const std::string modified = std::to_string(static_cast<int>(store::key_event::modified));
    const std::string deleted = std::to_string(static_cast<int>(store::key_event::deleted));
    for (const auto& command : std::vector<std::vector<std::string_view>>{
             {"SET", "k", "1"},
             {"INCR", "k"},
             {"INCRBYFLOAT", "k", "1.5"},
             {"APPEND", "k", "x"},
             {"SETRANGE", "k", "0", "y"},
             {"EXPIRE", "k", "100"},
             {"PERSIST", "k"},
             {"GETEX", "k", "EX", "5"},
         }) {
        events.clear();
        std::string encoded;
        resp::write_command_range(encoded, command);
        c.session.feed(encoded);
        c.session.output_sent(c.session.pending_output().size());
        INFO(command[0]);
        CHECK(events == std::vector<std::string>{modified + ":0:k"});
    }
    events.clear();
    CHECK(c({"GETDEL", "k"}) == "$4\r\ny.5x\r\n");
    CHECK(events == std::vector<std::string>{deleted + ":0:k"});
    events.clear();
    CHECK(c({"GET", "k"}) == "$-1\r\n");
    CHECK(c({"INCRBY", "k", "x"}).front() == '-');
    CHECK(events.empty()); // reads and failed writes change nothing
    srv.keyspace.remove_observer(observer);
}

TEST_CASE("only string writes that changed something propagate") {
    test_server<manual_keyspace> srv;
    std::vector<std::string> logged;
    srv.context.propagation().add_sink([&](const server::propagated_command& p) { logged.push_back(p.args[0]); });
    commands::propagate_changes(srv.keyspace, srv.context);
    client<manual_keyspace> c(srv);
    c({"SET", "k", "v"});
    c({"INCR", "k"});
    c({"GET", "k"});
    c({"SET", "k", "v", "EX", "0"});
    c({"MSET", "a"});
    c({"DEL", "k"});
    CHECK(logged == std::vector<std::string>{"SET", "DEL"});
}

TEST_CASE("command metadata: arity, flags and key positions as COMMAND INFO shows in Redis 7.0") {
    test_server<manual_keyspace> srv;
    struct expected_info {
        std::string_view name;
        int arity;
        server::command_flag flags;
        server::key_positions keys;
    };
    using f = server::command_flag;
    const expected_info table[] = {
        {"get", 2, f::readonly | f::fast, {1, 1, 1}},
        {"set", -3, f::write | f::denyoom, {1, 1, 1}},
        {"setnx", 3, f::write | f::denyoom | f::fast, {1, 1, 1}},
        {"mget", -2, f::readonly | f::fast, {1, -1, 1}},
        {"mset", -3, f::write | f::denyoom, {1, -1, 2}},
        {"msetnx", -3, f::write | f::denyoom, {1, -1, 2}},
        {"getex", -2, f::write | f::fast, {1, 1, 1}},
        {"getdel", 2, f::write | f::fast, {1, 1, 1}},
        {"incrbyfloat", 3, f::write | f::denyoom | f::fast, {1, 1, 1}},
        {"getrange", 4, f::readonly, {1, 1, 1}},
        {"setrange", 4, f::write | f::denyoom, {1, 1, 1}},
        {"lcs", -3, f::readonly, {1, 2, 1}},
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
    test_server<manual_keyspace> srv;
    client<manual_keyspace> c(srv);
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"OBJECT", "IDLETIME", "k"}) == ":0\r\n");
    CHECK(c({"OBJECT", "IDLETIME", "nosuch"}) == "$-1\r\n");
    CHECK(c({"OBJECT", "FREQ", "nosuch"}) == "$-1\r\n");
    CHECK(c({"OBJECT", "FREQ", "k"}).rfind("-ERR An LFU maxmemory policy is not selected", 0) == 0);
    client<manual_keyspace> c3(srv, resp::protocol::resp3);
    CHECK(c3({"OBJECT", "ENCODING", "nosuch"}) == "_\r\n");
}

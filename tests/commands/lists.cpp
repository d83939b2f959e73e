// The list commands (respkit/commands/lists.hpp): tests/diff/lists.redis against redis-server
// (both keyspace maps), then what a script cannot do: WRONGTYPE from list and hash commands on
// set and sorted-set keys, list and hash writes seen by observers and write hooks, and the list
// commands' metadata. Blocking pops: blocking.cpp; lists under expiry: expire.cpp.

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("lists.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("lists.redis"), srv.target());
    MESSAGE("lists.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("WRONGTYPE from list and hash commands on set and sorted set keys", K, manual_keyspace,
                   manual_std_keyspace) {
    command_server<K> srv;
    srv.keyspace.set(0, "set", store::value::make(store::value_kind::set)).set().insert("m", {});
    auto& z = srv.keyspace.set(0, "zset", store::value::make(store::value_kind::zset)).zset();
    z.insert("m", 1.5);
    command_client c(srv);
    const std::string wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    for (const std::string_view key : {"set", "zset"}) {
        INFO(key);
        for (const std::vector<std::string_view>& command : std::vector<std::vector<std::string_view>>{
                 {"LPUSH", key, "a"}, {"RPUSHX", key, "a"}, {"LPOP", key}, {"RPOP", key, "0"}, {"LLEN", key},
                 {"LRANGE", key, "0", "1"}, {"LINDEX", key, "0"}, {"LSET", key, "0", "x"}, {"LREM", key, "0", "x"},
                 {"LTRIM", key, "0", "1"}, {"LINSERT", key, "BEFORE", "a", "b"}, {"LPOS", key, "a"},
                 {"LMOVE", key, "x", "LEFT", "LEFT"}, {"RPOPLPUSH", key, "x"}, {"LMPOP", "1", key, "LEFT"},
                 {"HSET", key, "f", "v"}, {"HSETNX", key, "f", "v"}, {"HGET", key, "f"}, {"HMGET", key, "f"},
                 {"HDEL", key, "f"}, {"HEXISTS", key, "f"}, {"HLEN", key}, {"HSTRLEN", key, "f"},
                 {"HGETALL", key}, {"HKEYS", key}, {"HVALS", key}, {"HINCRBY", key, "f", "1"},
                 {"HINCRBYFLOAT", key, "f", "1"}, {"HSCAN", key, "0"}, {"HRANDFIELD", key},
                 {"HRANDFIELD", key, "2", "WITHVALUES"}}) {
            INFO(command[0]);
            CHECK(c.run(std::vector<std::string>(command.begin(), command.end())) == wrongtype);
        }
        CHECK(c({"TYPE", key}) == "+" + std::string(key) + "\r\n");
    }
    CHECK(c({"EXISTS", "x"}) == ":0\r\n");
}

TEST_CASE("list and hash writes reach the keyspace's observers; failed and empty writes do not") {
    command_server<manual_keyspace> srv;
    std::vector<std::string> events;
    auto observer = [&](store::key_event e, std::size_t, std::string_view key) {
        const char* name = e == store::key_event::modified  ? "modified"
                           : e == store::key_event::deleted ? "deleted"
                                                            : "other";
        events.push_back(std::string(name) + ":" + std::string(key));
    };
    srv.keyspace.add_observer(observer);
    command_client c(srv);
    const auto run = [&](std::initializer_list<std::string_view> args) {
        events.clear();
        c(args);
        return events;
    };
    using v = std::vector<std::string>;
    CHECK(run({"RPUSH", "l", "a", "b", "c"}) == v{"modified:l"});
    CHECK(run({"LPUSHX", "nosuch", "a"}).empty());
    CHECK(run({"LSET", "l", "0", "x"}) == v{"modified:l"});
    CHECK(run({"LSET", "l", "9", "x"}).empty());
    CHECK(run({"LINSERT", "l", "BEFORE", "x", "w"}) == v{"modified:l"});
    CHECK(run({"LINSERT", "l", "BEFORE", "nosuch", "w"}).empty());
    CHECK(run({"LREM", "l", "0", "nosuch"}).empty());
    CHECK(run({"LREM", "l", "0", "w"}) == v{"modified:l"});
    CHECK(run({"LPOP", "l"}) == v{"modified:l"});
    CHECK(run({"LPOP", "l", "0"}).empty());
    CHECK(run({"LMOVE", "l", "m", "LEFT", "LEFT"}) == (v{"modified:l", "modified:m"}));
    CHECK(run({"RPOPLPUSH", "l", "m"}) == (v{"deleted:l", "modified:m"}));
    CHECK(run({"LTRIM", "m", "0", "0"}) == v{"modified:m"});
    CHECK(run({"LMPOP", "1", "m", "LEFT"}) == v{"deleted:m"});
    CHECK(run({"HSET", "h", "a", "1", "b", "2"}) == v{"modified:h"});
    CHECK(run({"HSETNX", "h", "a", "1"}).empty());
    CHECK(run({"HINCRBY", "h", "a", "1"}) == v{"modified:h"});
    CHECK(run({"HINCRBY", "h", "a", "x"}).empty());
    CHECK(run({"HINCRBYFLOAT", "h", "b", "1.5"}) == v{"modified:h"});
    CHECK(run({"HDEL", "h", "nosuch"}).empty());
    CHECK(run({"HDEL", "h", "a"}) == v{"modified:h"});
    CHECK(run({"HDEL", "h", "b"}) == v{"deleted:h"});
    CHECK(run({"HGETALL", "h"}).empty());
    srv.keyspace.remove_observer(observer);

    std::vector<std::string> logged; // what propagates: only writes that changed something
    srv.context.propagation().add_sink([&](const server::propagated_command& p) { logged.emplace_back(p.args[0]); });
    srv.propagate_changes();
    c({"RPUSH", "l", "a"});
    c({"SET", "s", "v"});
    c({"LPUSH", "s", "a"});
    c({"HSET", "s", "f", "v"});
    c({"HSET", "h", "f"});
    c({"LRANGE", "l", "0", "-1"});
    c({"HSET", "h", "f", "v"});
    CHECK(logged == std::vector<std::string>{"RPUSH", "SET", "HSET"});
}

TEST_CASE("list command metadata as COMMAND INFO shows in Redis 7.0") {
    command_server<manual_keyspace> srv;
    struct expected_info {
        std::string_view name;
        int arity;
        server::command_flag flags;
        server::key_positions keys;
        std::string_view group;
    };
    using f = server::command_flag;
    const expected_info table[] = {
        {"lpush", -3, f::write | f::denyoom | f::fast, {1, 1, 1}, "list"},
        {"rpushx", -3, f::write | f::denyoom | f::fast, {1, 1, 1}, "list"},
        {"lpop", -2, f::write | f::fast, {1, 1, 1}, "list"},
        {"llen", 2, f::readonly | f::fast, {1, 1, 1}, "list"},
        {"lrange", 4, f::readonly, {1, 1, 1}, "list"},
        {"lindex", 3, f::readonly, {1, 1, 1}, "list"},
        {"lset", 4, f::write | f::denyoom, {1, 1, 1}, "list"},
        {"lrem", 4, f::write, {1, 1, 1}, "list"},
        {"ltrim", 4, f::write, {1, 1, 1}, "list"},
        {"linsert", 5, f::write | f::denyoom, {1, 1, 1}, "list"},
        {"lpos", -3, f::readonly, {1, 1, 1}, "list"},
        {"lmove", 5, f::write | f::denyoom, {1, 2, 1}, "list"},
        {"rpoplpush", 3, f::write | f::denyoom, {1, 2, 1}, "list"},
        {"lmpop", -4, f::write | f::movablekeys, {0, 0, 0}, "list"},
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
        CHECK(entry->spec.group == e.group);
        CHECK(!entry->spec.summary.empty());
        CHECK(!entry->spec.complexity.empty());
        CHECK(entry->spec.acl_categories.size() == 3);
    }
}

TEST_CASE("list-max-listpack-size sizes the nodes of lists created from then on, by RPUSH, RESTORE and COPY") {
    command_server<> srv;
    command_client c(srv);
    const auto nodes = [&](std::string_view key) {
        const store::value* v = srv.keyspace.find(0, key);
        REQUIRE(v != nullptr);
        return v->list().node_count();
    };
    CHECK(c({"RPUSH", "default", "a", "b", "c", "d", "e"}) == ":5\r\n");
    CHECK(nodes("default") == 1);
    CHECK(c({"CONFIG", "SET", "list-max-listpack-size", "2"}) == "+OK\r\n");
    CHECK(c({"RPUSH", "two", "a", "b", "c", "d", "e"}) == ":5\r\n");
    CHECK(nodes("two") == 3);
    CHECK(c({"RPUSH", "default", "f", "g"}) == ":7\r\n"); // an existing list keeps its size, as in Redis
    CHECK(nodes("default") == 1);
    CHECK(c({"LPUSH", "two", "z"}) == ":6\r\n");
    CHECK(nodes("two") == 4);
    // RESTORE builds the list under the setting in effect; COPY keeps the source's nodes.
    const std::string dumped = c({"DUMP", "default"});
    const std::string payload = dumped.substr(dumped.find("\r\n") + 2, dumped.size() - dumped.find("\r\n") - 4);
    CHECK(c({"RESTORE", "restored", "0", payload}) == "+OK\r\n");
    CHECK(nodes("restored") == 4);
    CHECK(c({"LRANGE", "restored", "0", "-1"}) == c({"LRANGE", "default", "0", "-1"}));
    CHECK(c({"COPY", "default", "copied"}) == ":1\r\n");
    CHECK(nodes("copied") == 1);
    CHECK(c({"CONFIG", "SET", "list-max-listpack-size", "-1"}) == "+OK\r\n");
    CHECK(c({"RPUSH", "big", std::string(3000, 'a'), std::string(3000, 'b')}) == ":2\r\n");
    CHECK(nodes("big") == 2); // 4 KB nodes: the second 3000-byte element does not fit
    CHECK(c({"OBJECT", "ENCODING", "big"}) == "$9\r\nquicklist\r\n");
}

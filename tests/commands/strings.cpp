// The string commands (respkit/commands/strings.hpp): tests/diff/strings.redis against
// redis-server (both keyspace maps), then what a script cannot do: WRONGTYPE against values
// placed in the keyspace directly, writes seen by observers and write hooks, and the commands'
// metadata.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

constexpr std::string_view wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

} // namespace

TEST_CASE_TEMPLATE("strings.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("strings.redis"), srv.target());
    MESSAGE("strings.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("WRONGTYPE from string commands on list, hash, set and sorted set keys", K, manual_keyspace,
                   manual_std_keyspace) {
    command_server<K> srv;
    add_containers(srv.keyspace);
    command_client c(srv);
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

TEST_CASE("write commands reach the keyspace's observers") {
    command_server<manual_keyspace> srv;
    std::vector<std::string> events;
    auto observer = [&](store::key_event e, std::size_t db, std::string_view key) {
        events.push_back(std::to_string(static_cast<int>(e)) + ":" + std::to_string(db) + ":" + std::string(key));
    };
    srv.keyspace.add_observer(observer);
    command_client c(srv);
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
    command_server<manual_keyspace> srv;
    std::vector<std::string> logged;
    srv.context.propagation().add_sink([&](const server::propagated_command& p) { logged.emplace_back(p.args[0]); });
    srv.propagate_changes();
    command_client c(srv);
    c({"SET", "k", "v"});
    c({"INCR", "k"});
    c({"GET", "k"});
    c({"SET", "k", "v", "EX", "0"});
    c({"MSET", "a"});
    c({"DEL", "k"});
    CHECK(logged == std::vector<std::string>{"SET", "DEL"});
}

TEST_CASE("string command metadata: arity, flags and key positions as COMMAND INFO shows in Redis 7.0") {
    command_server<manual_keyspace> srv;
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
}

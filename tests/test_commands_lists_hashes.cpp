// The list and hash command families: differential scripts against redis-server (both keyspace
// maps; blocking.redis also covers the blocking sorted-set pops), and session-level tests for what a script cannot do: HRANDFIELD's randomness as
// properties, HSCAN of large hashes over a full iteration, expiry on a manual clock, observers
// seeing writes and deletions, and command metadata.

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diff_harness.hpp"
#include "respkit/commands/hashes.hpp"
#include "respkit/commands/introspection.hpp"
#include "respkit/commands/expire.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/keys.hpp"
#include "respkit/commands/lists.hpp"
#include "respkit/commands/strings.hpp"
#include "respkit/commands/transactions.hpp"
#include "respkit/commands/zsets.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/store.hpp"
#include "session_client.hpp"

using namespace respkit;

namespace {

const std::filesystem::path diff_dir = std::filesystem::path(RESPKIT_SOURCE_DIR) / "tests" / "diff";

/// A server with the string, key, list and hash commands over keyspace type K.
template <class K>
struct test_server {
    K keyspace;
    server::dispatcher commands;
    server::server_context context;

    test_server() {
        commands::install_string_commands(commands, keyspace);
        commands::install_key_commands(commands, keyspace);
        commands::install_expire_commands(commands, keyspace);
        commands::install_list_commands(commands, keyspace);
        commands::install_hash_commands(commands, keyspace);
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

} // namespace

TEST_CASE_TEMPLATE("lists.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    const std::size_t compared = respkit_test::run_diff_script(diff_dir / "lists.redis", srv.target());
    MESSAGE("lists.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("blocking.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    // The blocking list and sorted-set commands, with MULTI/EXEC (where they never block).
    test_server<K> srv;
    commands::install_zset_commands(srv.commands, srv.keyspace);
    commands::install_transaction_commands(srv.commands, srv.keyspace);
    commands::install_command_command(srv.commands); // COMMAND DOCS lines
    const std::size_t compared = respkit_test::run_diff_script(diff_dir / "blocking.redis", srv.target());
    MESSAGE("blocking.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("hashes.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    const std::size_t compared = respkit_test::run_diff_script(diff_dir / "hashes.redis", srv.target());
    MESSAGE("hashes.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("HRANDFIELD: counts, distinctness, values and RESP3 pairs as properties", K, store::keyspace<>,
                   store::std_keyspace<>) {
    test_server<K> srv;
    client<K> c(srv);
    client<K> c3(srv, resp::protocol::resp3);
    std::map<std::string, std::string> fields;
    std::vector<std::string> hset{"HSET", "h"};
    for (int i = 0; i < 20; ++i) {
        fields["f" + std::to_string(i)] = "v" + std::to_string(i);
        hset.push_back("f" + std::to_string(i));
        hset.push_back("v" + std::to_string(i));
    }
    CHECK(c.run(hset) == ":20\r\n");

    // No count: one existing field; over many calls every field shows up.
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        const resp::value v = c.parsed({"HRANDFIELD", "h"});
        REQUIRE(v.type() == resp::type::bulk_string);
        CHECK(fields.count(std::string(v.string())) == 1);
        seen.emplace(v.string());
    }
    CHECK(seen.size() == fields.size());

    // Positive count below the size: exactly that many distinct fields.
    for (const int count : {1, 2, 7, 19}) {
        INFO("count " << count);
        const resp::value v = c.parsed({"HRANDFIELD", "h", std::to_string(count)});
        REQUIRE(v.size() == static_cast<std::size_t>(count));
        std::set<std::string> distinct;
        for (std::size_t i = 0; i < v.size(); ++i) {
            CHECK(fields.count(std::string(v[i].string())) == 1);
            distinct.emplace(v[i].string());
        }
        CHECK(distinct.size() == static_cast<std::size_t>(count));
        // WITHVALUES: field, value pairs (flat in RESP2), each value the field's own.
        const resp::value w = c.parsed({"HRANDFIELD", "h", std::to_string(count), "WITHVALUES"});
        REQUIRE(w.size() == static_cast<std::size_t>(2 * count));
        std::set<std::string> distinct_w;
        for (std::size_t i = 0; i < w.size(); i += 2) {
            CHECK(fields.at(std::string(w[i].string())) == w[i + 1].string());
            distinct_w.emplace(w[i].string());
        }
        CHECK(distinct_w.size() == static_cast<std::size_t>(count));
        // RESP3: an array of [field, value] pairs.
        const resp::value p = c3.parsed({"HRANDFIELD", "h", std::to_string(count), "WITHVALUES"});
        REQUIRE(p.type() == resp::type::array);
        REQUIRE(p.size() == static_cast<std::size_t>(count));
        for (std::size_t i = 0; i < p.size(); ++i) {
            REQUIRE(p[i].type() == resp::type::array);
            REQUIRE(p[i].size() == 2);
            CHECK(fields.at(std::string(p[i][0].string())) == p[i][1].string());
        }
    }

    // Negative count: exactly |count| fields, repeats allowed (and, at 200 draws from 20, seen).
    const resp::value n = c.parsed({"HRANDFIELD", "h", "-200"});
    REQUIRE(n.size() == 200);
    std::map<std::string, int> draws;
    for (std::size_t i = 0; i < n.size(); ++i) ++draws[std::string(n[i].string())];
    for (const auto& [field, times] : draws) CHECK(fields.count(field) == 1);
    CHECK(draws.size() < 200);
    const resp::value nw = c3.parsed({"HRANDFIELD", "h", "-50", "WITHVALUES"});
    REQUIRE(nw.size() == 50);
    for (std::size_t i = 0; i < nw.size(); ++i) CHECK(fields.at(std::string(nw[i][0].string())) == nw[i][1].string());
    const resp::value nw2 = c.parsed({"HRANDFIELD", "h", "-5", "WITHVALUES"});
    CHECK(nw2.size() == 10);

    // The unique subset is not always the same one.
    std::set<std::string> subsets;
    for (int i = 0; i < 20; ++i) subsets.insert(c({"HRANDFIELD", "h", "3"}));
    CHECK(subsets.size() > 1);
}

TEST_CASE("HRANDFIELD: a negative count whose reply cannot fit in the output limit closes the connection before "
          "anything is written") {
    // Redis builds such a reply until memory runs out; respkit abandons it at once, as any
    // reply passing the client's output limit (256 MiB by default).
    test_server<store::keyspace<>> srv;
    client<store::keyspace<>> c(srv);
    CHECK(c({"HSET", "h", "f", "v"}) == ":1\r\n");
    const std::vector<std::vector<std::string>> calls{
        {"HRANDFIELD", "h", "-9223372036854775807"},
        {"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"},
    };
    for (const auto& args : calls) {
        CAPTURE(args[2]);
        client<store::keyspace<>> fresh(srv);
        CHECK(fresh.run(args).empty());
        CHECK(fresh.session.closing());
    }
    const auto fits = resp::parse_value(c({"HRANDFIELD", "h", "-1000", "WITHVALUES"}));
    CHECK(fits.value.size() == 2000);
    CHECK_FALSE(c.session.closing());
}

TEST_CASE_TEMPLATE("HSCAN over a hash table: a full iteration returns every field once with its value", K,
                   store::keyspace<>, store::std_keyspace<>) {
    test_server<K> srv;
    client<K> c(srv);
    std::map<std::string, std::string> fields;
    std::vector<std::string> hset{"HSET", "big"};
    for (int i = 0; i < 1500; ++i) {
        fields["field:" + std::to_string(i)] = "value:" + std::to_string(i);
        hset.push_back("field:" + std::to_string(i));
        hset.push_back("value:" + std::to_string(i));
    }
    CHECK(c.run(hset) == ":1500\r\n");
    CHECK(c({"OBJECT", "ENCODING", "big"}) == "$9\r\nhashtable\r\n");
    for (const std::vector<std::string>& options :
         {std::vector<std::string>{}, {"COUNT", "1"}, {"COUNT", "100"}, {"MATCH", "field:1*", "COUNT", "7"}}) {
        std::map<std::string, std::string> returned;
        std::string cursor = "0";
        int steps = 0;
        do {
            std::vector<std::string> args{"HSCAN", "big", cursor};
            args.insert(args.end(), options.begin(), options.end());
            const std::string reply = c.run(args);
            const resp::parsed_value p = resp::parse_value(reply);
            REQUIRE(p.result.status == resp::parse_status::complete);
            REQUIRE(p.value.size() == 2);
            cursor = std::string(p.value[0].string());
            const resp::value& elements = p.value[1];
            REQUIRE(elements.size() % 2 == 0);
            for (std::size_t i = 0; i < elements.size(); i += 2)
                returned[std::string(elements[i].string())] = std::string(elements[i + 1].string());
            ++steps;
        } while (cursor != "0" && steps < 100000);
        CHECK(cursor == "0");
        CHECK(steps > 1);
        std::map<std::string, std::string> expected;
        const bool filtered = !options.empty() && options[0] == "MATCH";
        for (const auto& [f, v] : fields) {
            if (!filtered || f.rfind("field:1", 0) == 0) expected[f] = v;
        }
        CHECK(returned == expected);
    }
}

TEST_CASE("lists and hashes under expiry on a manual clock") {
    test_server<manual_keyspace> srv;
    auto& clock = srv.keyspace.clock();
    client<manual_keyspace> c(srv);
    // A rotation of a one-element list keeps the key (and its TTL).
    CHECK(c({"RPUSH", "l", "x"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "l", "100"}) == ":1\r\n");
    CHECK(c({"LMOVE", "l", "l", "LEFT", "RIGHT"}) == "$1\r\nx\r\n");
    CHECK(c({"RPOPLPUSH", "l", "l"}) == "$1\r\nx\r\n");
    CHECK(c({"TTL", "l"}) == ":100\r\n");
    // Moving the last element away deletes the source; the destination is a new key.
    CHECK(c({"LMOVE", "l", "d", "LEFT", "RIGHT"}) == "$1\r\nx\r\n");
    CHECK(c({"EXISTS", "l"}) == ":0\r\n");
    CHECK(c({"TTL", "d"}) == ":-1\r\n");
    // An expired destination is replaced by a fresh list; an expired source is missing.
    CHECK(c({"RPUSH", "src", "a", "b"}) == ":2\r\n");
    CHECK(c({"PEXPIRE", "d", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"LMOVE", "src", "d", "LEFT", "LEFT"}) == "$1\r\na\r\n");
    CHECK(c({"LRANGE", "d", "0", "-1"}) == "*1\r\n$1\r\na\r\n");
    CHECK(c({"TTL", "d"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "src", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"LMOVE", "src", "d", "LEFT", "LEFT"}) == "$-1\r\n");
    CHECK(c({"LMPOP", "2", "src", "d", "RIGHT"}) == "*2\r\n$1\r\nd\r\n*1\r\n$1\r\na\r\n");
    CHECK(c({"EXISTS", "d"}) == ":0\r\n");
    // Hashes: an expired hash reads as missing and is recreated without a TTL.
    CHECK(c({"HSET", "h", "f", "1"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    CHECK(c({"HINCRBY", "h", "f", "1"}) == ":2\r\n");
    clock.advance(11);
    CHECK(c({"HGET", "h", "f"}) == "$-1\r\n");
    CHECK(c({"HINCRBY", "h", "f", "1"}) == ":1\r\n");
    CHECK(c({"TTL", "h"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"HINCRBYFLOAT", "h", "f", "0.5"}) == "$3\r\n0.5\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"HLEN", "h"}) == ":0\r\n");
    CHECK(c({"HRANDFIELD", "h", "5"}) == "*0\r\n");
    CHECK(c({"HSCAN", "h", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
    CHECK(srv.keyspace.stats().expired_keys == 5);
}

TEST_CASE_TEMPLATE("WRONGTYPE from list and hash commands on set and sorted set keys", K, manual_keyspace,
                   store::std_keyspace<store::manual_clock>) {
    test_server<K> srv;
    srv.keyspace.set(0, "set", store::value::make(store::value_kind::set)).set().try_emplace("m");
    auto& z = srv.keyspace.set(0, "zset", store::value::make(store::value_kind::zset)).zset();
    z.insert("m", 1.5);
    client<K> c(srv);
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
    test_server<manual_keyspace> srv;
    std::vector<std::string> events;
    auto observer = [&](store::key_event e, std::size_t, std::string_view key) {
        const char* name = e == store::key_event::modified  ? "modified"
                           : e == store::key_event::deleted ? "deleted"
                                                            : "other";
        events.push_back(std::string(name) + ":" + std::string(key));
    };
    srv.keyspace.add_observer(observer);
    client<manual_keyspace> c(srv);
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
    srv.context.propagation().add_sink([&](const server::propagated_command& p) { logged.push_back(p.args[0]); });
    commands::propagate_changes(srv.keyspace, srv.context);
    c({"RPUSH", "l", "a"});
    c({"SET", "s", "v"});
    c({"LPUSH", "s", "a"});
    c({"HSET", "s", "f", "v"});
    c({"HSET", "h", "f"});
    c({"LRANGE", "l", "0", "-1"});
    c({"HSET", "h", "f", "v"});
    CHECK(logged == std::vector<std::string>{"RPUSH", "SET", "HSET"});
}

TEST_CASE("list and hash command metadata as COMMAND INFO shows in Redis 7.0") {
    test_server<manual_keyspace> srv;
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
        {"hset", -4, f::write | f::denyoom | f::fast, {1, 1, 1}, "hash"},
        {"hmset", -4, f::write | f::denyoom | f::fast, {1, 1, 1}, "hash"},
        {"hsetnx", 4, f::write | f::denyoom | f::fast, {1, 1, 1}, "hash"},
        {"hget", 3, f::readonly | f::fast, {1, 1, 1}, "hash"},
        {"hmget", -3, f::readonly | f::fast, {1, 1, 1}, "hash"},
        {"hdel", -3, f::write | f::fast, {1, 1, 1}, "hash"},
        {"hgetall", 2, f::readonly, {1, 1, 1}, "hash"},
        {"hincrbyfloat", 4, f::write | f::denyoom | f::fast, {1, 1, 1}, "hash"},
        {"hstrlen", 3, f::readonly | f::fast, {1, 1, 1}, "hash"},
        {"hscan", -3, f::readonly, {1, 1, 1}, "hash"},
        {"hrandfield", -2, f::readonly, {1, 1, 1}, "hash"},
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

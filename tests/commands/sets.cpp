// The set commands (respkit/commands/sets.hpp): tests/diff/sets.redis against redis-server (both
// keyspace maps), then what a script cannot check byte for byte: random picks (SPOP,
// SRANDMEMBER) by their properties, WRONGTYPE and observers between sets and sorted sets, and
// SSCAN and ZSCAN over large collections.

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

/// The bulk strings of a flat RESP array reply.
std::vector<std::string> elements(const std::string& reply) {
    const auto parsed = resp::parse_value(reply);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < parsed.value.size(); ++i) out.emplace_back(parsed.value[i].text());
    return out;
}

} // namespace

TEST_CASE_TEMPLATE("sets.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("sets.redis"), srv.target());
    MESSAGE("sets.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("SPOP and SRANDMEMBER pick members by Redis's rules", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv);
    CHECK(c({"SADD", "s", "a", "b", "c", "d", "e"}) == ":5\r\n");
    const std::set<std::string> all{"a", "b", "c", "d", "e"};
    // Positive count: distinct members, at most the set's size.
    for (int i = 0; i < 50; ++i) {
        const auto picked = elements(c({"SRANDMEMBER", "s", "3"}));
        REQUIRE(picked.size() == 3);
        const std::set<std::string> distinct(picked.begin(), picked.end());
        CHECK(distinct.size() == 3);
        for (const auto& m : picked) CHECK(all.count(m) == 1);
    }
    CHECK(elements(c({"SRANDMEMBER", "s", "9"})).size() == 5);
    // Negative count: exactly |count| members, repeats allowed, every one seen over many draws.
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        const auto picked = elements(c({"SRANDMEMBER", "s", "-10"}));
        CHECK(picked.size() == 10);
        for (const auto& m : picked) {
            CHECK(all.count(m) == 1);
            seen.insert(m);
        }
    }
    CHECK(seen == all);
    // SPOP removes what it returns.
    const auto popped = elements(c({"SPOP", "s", "2"}));
    REQUIRE(popped.size() == 2);
    CHECK(c({"SCARD", "s"}) == ":3\r\n");
    for (const auto& m : popped) CHECK(c({"SISMEMBER", "s", m}) == ":0\r\n");
    const std::string one = c({"SPOP", "s"});
    CHECK(one.substr(0, 1) == "$");
    CHECK(c({"SCARD", "s"}) == ":2\r\n");
    (void)c({"SPOP", "s", "10"});
    CHECK(c({"EXISTS", "s"}) == ":0\r\n");
}

TEST_CASE("SRANDMEMBER and ZRANDMEMBER: a negative count whose reply cannot fit in the output limit closes the "
          "connection before anything is written") {
    // Redis has no bound here but the output limit (none for normal clients by default): it
    // builds the reply until memory runs out. respkit abandons it at once, as it abandons any
    // reply passing the limit (256 MiB by default), without drawing a single member.
    command_server<> srv;
    command_client c(srv);
    CHECK(c({"SADD", "s", "a"}) == ":1\r\n");
    CHECK(c({"ZADD", "z", "1", "a"}) == ":1\r\n");
    const std::vector<std::vector<std::string>> calls{
        {"SRANDMEMBER", "s", "-9223372036854775807"},
        {"SRANDMEMBER", "s", "-4294967296"},
        {"ZRANDMEMBER", "z", "-9223372036854775807"},
        {"ZRANDMEMBER", "z", "-4611686018427387903", "WITHSCORES"},
    };
    for (const auto& args : calls) {
        CAPTURE(args[0]);
        CAPTURE(args[2]);
        command_client fresh(srv);
        CHECK(fresh.run(args).empty());
        CHECK(fresh.session.closing());
    }
    // What fits is served, and the connection carries on.
    CHECK(elements(c({"SRANDMEMBER", "s", "-100000"})).size() == 100000);
    CHECK(elements(c({"ZRANDMEMBER", "z", "-1000", "WITHSCORES"})).size() == 2000);
    CHECK_FALSE(c.session.closing());
}

TEST_CASE_TEMPLATE("set and zset commands report WRONGTYPE and notify writes", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv, resp::protocol::resp3);
    int modified = 0;
    auto observer = [&](store::key_event e, std::size_t, std::string_view) { modified += e == store::key_event::modified; };
    srv.keyspace.add_observer(observer);
    CHECK(c({"ZADD", "z", "1", "a"}) == ":1\r\n");
    CHECK(c({"SADD", "z", "a"}) == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    CHECK(c({"ZADD", "z", "2", "a"}) == ":0\r\n");
    CHECK(c({"ZSCORE", "z", "a"}) == ",2\r\n");
    CHECK(c({"SADD", "s", "a"}) == ":1\r\n");
    CHECK(modified == 3);
    srv.keyspace.remove_observer(observer);
}

TEST_CASE_TEMPLATE("SSCAN and ZSCAN iterate large collections completely", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv);
    std::set<std::string> members;
    for (int i = 0; i < 1000; ++i) {
        const std::string m = "member:" + std::to_string(i);
        members.insert(m);
        CHECK(c({"SADD", "s", m}) == ":1\r\n");
        CHECK(c({"ZADD", "z", std::to_string(i), m}) == ":1\r\n");
    }
    CHECK(c({"OBJECT", "ENCODING", "s"}) == "$9\r\nhashtable\r\n");
    CHECK(c({"OBJECT", "ENCODING", "z"}) == "$8\r\nskiplist\r\n");
    for (const std::string_view command : {"SSCAN", "ZSCAN"}) {
        std::set<std::string> seen;
        std::string cursor = "0";
        int steps = 0;
        do {
            const auto parsed = resp::parse_value(c({command, command == "SSCAN" ? "s" : "z", cursor, "COUNT", "50"}));
            REQUIRE(parsed.value.size() == 2);
            cursor = std::string(parsed.value[0].text());
            const auto& items = parsed.value[1];
            for (std::size_t i = 0; i < items.size(); i += command == "SSCAN" ? 1 : 2) {
                seen.insert(std::string(items[i].text()));
                if (command == "ZSCAN") CHECK(items[i + 1].text() == std::string(items[i].text()).substr(7));
            }
            ++steps;
        } while (cursor != "0" && steps < 10000);
        CHECK(seen == members);
        CHECK(steps > 1);
    }
}

// The hash commands (respkit/commands/hashes.hpp): tests/diff/hashes.redis against redis-server
// (both keyspace maps), then what a script cannot do: HRANDFIELD's randomness as properties, HSCAN
// of a large hash over a full iteration, and the hash commands' metadata. WRONGTYPE, observers
// and write hooks for hashes: lists.cpp; hashes under expiry: expire.cpp.

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("hashes.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("hashes.redis"), srv.target());
    MESSAGE("hashes.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("HRANDFIELD: counts, distinctness, values and RESP3 pairs as properties", K, store::keyspace<>,
                   store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv);
    command_client c3(srv, resp::protocol::resp3);
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
    command_server<> srv;
    command_client c(srv);
    CHECK(c({"HSET", "h", "f", "v"}) == ":1\r\n");
    const std::vector<std::vector<std::string>> calls{
        {"HRANDFIELD", "h", "-9223372036854775807"},
        {"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"},
    };
    for (const auto& args : calls) {
        CAPTURE(args[2]);
        command_client fresh(srv);
        CHECK(fresh.run(args).empty());
        CHECK(fresh.session.closing());
    }
    const auto fits = resp::parse_value(c({"HRANDFIELD", "h", "-1000", "WITHVALUES"}));
    CHECK(fits.value.size() == 2000);
    CHECK_FALSE(c.session.closing());
}

TEST_CASE_TEMPLATE("HSCAN over a hash table: a full iteration returns every field once with its value", K,
                   store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    command_client c(srv);
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

TEST_CASE("hash command metadata as COMMAND INFO shows in Redis 7.0") {
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

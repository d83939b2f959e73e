// The configuration table (respkit/server/config.hpp): every Redis 7.0 parameter, typed
// validation, change hooks, immutable parameters and start-up values. CONFIG GET/SET/RESETSTAT as
// commands: tests/commands/server.cpp and tests/diff/server.redis.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "respkit/server/config.hpp"

using namespace respkit::server;

TEST_CASE("config_table: every Redis 7.0 parameter, typed validation, hooks, start-up values") {
    config_table config;
    CHECK(config.get_matching(std::vector<std::string_view>{"*"}).size() == 192); // CONFIG GET * on 7.0.15
    CHECK(config.get("port") == "6379");
    CHECK(config.get("hz") == "10");
    CHECK(config.get("slave-read-only") == "yes");
    CHECK(!config.get("dir").empty());

    std::vector<std::string> seen;
    config.on_change("maxclients", [&](std::string_view v) {
        seen.emplace_back(v);
        return v == "13" ? std::string("refused by the hook") : std::string();
    });
    CHECK(config.set("maxclients", "12").empty());
    CHECK(config.get_integer("maxclients") == 12);
    CHECK(config.set(std::vector<std::string_view>{"hz", "40", "maxclients", "13"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'maxclients') - refused by the hook");
    CHECK(config.get("hz") == "10"); // all or nothing
    CHECK(config.get("maxclients") == "12");
    CHECK(seen == std::vector<std::string>{"12", "13", "12"});

    CHECK(config.set("databases", "4") ==
          "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
    CHECK(config.set("databases", "4", true).empty()); // command-line options may
    CHECK(config.get_integer("databases") == 4);
    CHECK(config.set("maxmemory", "2gb").empty());
    CHECK(config.get_integer("maxmemory") == 2147483648LL);
    CHECK(config.set("appendonly", "Yes").empty());
    CHECK(config.get_bool("appendonly"));
    CHECK(config.set("hz", "1000").empty());
    CHECK(config.get("hz") == "500");
}

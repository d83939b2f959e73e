// The server commands (respkit/commands/server_admin.hpp, info.hpp): tests/diff/server.redis
// against redis-server 7.0.15, then INFO, whose values differ by nature. COMMAND:
// introspection.cpp; the configuration table itself: tests/server/config.cpp.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

namespace {

/// What Redis groups as connection and server commands, without the data families.
constexpr command_family connection_and_server = command_family::connection | command_family::server;

} // namespace

TEST_CASE("diff: server commands against redis-server") {
    command_server<> f(connection_and_server);
    const std::size_t compared = run_diff_script(diff_script_path("server.redis"), f.target());
    MESSAGE("server.redis: " << compared << " replies compared");
}

TEST_CASE("INFO: sections, Redis's field names, keyspace lines, errorstats and RESETSTAT") {
    command_server<> f(connection_and_server);
    (void)f.keyspace.set(0, "a", store::value::from_bytes("1"));
    (void)f.keyspace.set(2, "b", store::value::from_bytes("2"));
    (void)f.keyspace.set_expiry(2, "b", f.keyspace.clock().now_ms() + 100000);
    session s(f.commands, f.context);
    s.feed("NOSUCH\r\nINFO\r\n");
    const std::string out(s.pending_output());
    for (const std::string_view line :
         {"# Server\r\nredis_version:7.0.15\r\n", "redis_mode:standalone\r\n", "run_id:", "tcp_port:6379\r\n",
          "\r\n\r\n# Clients\r\nconnected_clients:1\r\n", "maxclients:10000\r\n", "blocked_clients:0\r\n",
          "# Memory\r\nused_memory:", "used_memory_human:", "used_memory_rss:", "maxmemory_policy:noeviction\r\n",
          "# Persistence\r\nloading:0\r\n", "# Stats\r\ntotal_connections_received:1\r\ntotal_commands_processed:0\r\n",
          "total_net_input_bytes:14\r\n", "keyspace_hits:0\r\n", "expired_keys:0\r\n", "total_error_replies:1\r\n",
          "# Replication\r\nrole:master\r\n", "# CPU\r\nused_cpu_sys:", "# Modules\r\n\r\n# Errorstats\r\n",
          "errorstat_ERR:count=1\r\n", "# Cluster\r\ncluster_enabled:0\r\n",
          "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=1,avg_ttl=0\r\n"}) {
        CHECK_MESSAGE(out.find(line) != std::string::npos, line);
    }
    CHECK(out.ends_with("avg_ttl=0\r\n\r\n")); // the text, then the bulk string's own CRLF
    s.output_sent(out.size());
    s.feed("INFO stats errorstats\r\nCONFIG RESETSTAT\r\nINFO errorstats stats\r\n");
    const std::string after(s.pending_output());
    const std::size_t reset = after.find("+OK\r\n");
    REQUIRE(reset != std::string::npos);
    CHECK(after.substr(0, reset).find("errorstat_ERR:count=1") != std::string::npos);
    CHECK(after.substr(reset).find("errorstat_ERR") == std::string::npos);
    CHECK(after.substr(reset).find("total_commands_processed:1\r\n") != std::string::npos); // RESETSTAT itself
    CHECK(after.substr(reset).find("# Stats\r\n") < after.substr(reset).find("# Errorstats\r\n"));
}

// The replication and module commands (respkit/commands/replication.hpp, modules.hpp) and MIGRATE's
// argument checks (migrate.hpp): tests/diff/replication.redis and tests/diff/migrate.redis against
// redis-server 7.0.15, RESP2 and RESP3; here what a script cannot compare (replies Redis would
// not give, or gives none of). MIGRATE between real servers: tests/integration/migrate.cpp.

#include <doctest/doctest.h>

#include <string_view>

#include "respkit/server.hpp"
#include "respkit/server/session_impl.hpp"
#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("replication.redis against redis-server") {
    command_server<> srv;
    const std::size_t compared = run_diff_script(diff_script_path("replication.redis"), srv.target());
    MESSAGE("replication.redis: " << compared << " replies compared");
}

TEST_CASE("migrate.redis against redis-server") {
    command_server<> srv;
    const std::size_t compared = run_diff_script(diff_script_path("migrate.redis"), srv.target());
    MESSAGE("migrate.redis: " << compared << " replies compared");
}

TEST_CASE("what needs replication is refused, naming it; REPLCONF ACK and GETACK get no reply") {
    command_server<> f;
    command_client c(f);
    const std::string refused =
        "-ERR replication is not implemented: respkit-server is always a master without replicas\r\n";
    CHECK(c({"REPLICAOF", "127.0.0.1", "6379"}) == refused);
    CHECK(c({"SLAVEOF", "localhost", "0"}) == refused);
    CHECK(c({"SYNC"}) == refused);
    CHECK(c({"PSYNC", "?", "-1"}) == refused);
    CHECK(c({"PSYNC", "8de1787ba490483314a4d30f1c628bc5025eb761", "100"}) == refused);
    CHECK(c({"REPLCONF", "rdb-filter-only", "functions"}) == refused);
    // Still a master; the connection stays open.
    CHECK(c({"ROLE"}) == "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
    CHECK(c({"PING"}) == "+PONG\r\n");
    // Redis does not answer ACK and GETACK from a client that is not a replica.
    CHECK(c({"REPLCONF", "ACK", "100"}).empty());
    CHECK(c({"REPLCONF", "GETACK", "*"}).empty());
    CHECK(c({"REPLCONF", "listening-port", "1", "ACK", "x"}).empty());
    CHECK(c({"PING"}) == "+PONG\r\n");
    // Inside EXEC an +OK keeps the transaction's reply one element per command.
    CHECK(c({"MULTI"}) == "+OK\r\n");
    CHECK(c({"REPLCONF", "ACK", "1"}) == "+QUEUED\r\n");
    CHECK(c({"EXEC"}) == "*1\r\n+OK\r\n");
}

TEST_CASE("REPLICAOF and FAILOVER in cluster mode are refused as Redis refuses them") {
    command_server<> f;
    const std::string_view on[] = {"cluster-enabled", "yes"};
    if (!f.config.set(on, server::config_set_mode::startup).empty()) {
        MESSAGE("skipped: cluster-enabled cannot be set in this build");
        return;
    }
    command_client c(f);
    CHECK(c({"REPLICAOF", "NO", "ONE"}) == "-ERR REPLICAOF not allowed in cluster mode.\r\n");
    CHECK(c({"FAILOVER"}) == "-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n");
}

TEST_CASE("MODULE with enable-module-command yes or local: no module API to load, no module to unload") {
    for (const std::string_view setting : {"yes", "local"}) {
        CAPTURE(setting);
        command_server<> f;
        const std::string_view enable[] = {"enable-module-command", setting};
        REQUIRE(f.config.set(enable, server::config_set_mode::startup).empty());
        command_client c(f); // an in-process session: a local client
        const std::string no_api =
            "-ERR Error loading the extension: respkit has no module API (Redis modules cannot be loaded)\r\n";
        CHECK(c({"MODULE", "LOAD", "/usr/lib/redis/modules/x.so"}) == no_api);
        CHECK(c({"MODULE", "LOADEX", "/x.so", "CONFIG", "a", "b", "ARGS", "c"}) == no_api);
        CHECK(c({"MODULE", "UNLOAD", "x"}) == "-ERR Error unloading module: no such module with that name\r\n");
        CHECK(c({"MODULE", "LIST"}) == "*0\r\n");
    }
    command_server<> f;
    const std::string_view local[] = {"enable-module-command", "local"};
    REQUIRE(f.config.set(local, server::config_set_mode::startup).empty());
    server::session remote(f.commands, f.context);
    remote.peer_address = "10.1.2.3:5000";
    const std::string_view args[] = {"MODULE", "UNLOAD", "x"};
    remote.execute(args);
    CHECK(std::string(remote.pending_output()).starts_with("-ERR MODULE command not allowed."));
}

TEST_CASE("MIGRATE's credentials are redacted from the slow log as Redis redacts them") {
    using v = std::vector<std::string_view>;
    std::vector<std::string_view> out;
    const v auth = {"MIGRATE", "h", "1", "k", "0", "0", "COPY", "AUTH", "pw"};
    REQUIRE(server::redact_arguments("migrate", auth, out));
    CHECK(out == v{"MIGRATE", "h", "1", "k", "0", "0", "COPY", "AUTH", "(redacted)"});
    const v auth2 = {"MIGRATE", "h", "1", "", "0", "0", "AUTH2", "u", "p", "KEYS", "a"};
    REQUIRE(server::redact_arguments("migrate", auth2, out));
    CHECK(out == v{"MIGRATE", "h", "1", "", "0", "0", "AUTH2", "(redacted)", "(redacted)", "KEYS", "a"});
    const v none = {"MIGRATE", "h", "1", "k", "0", "0", "REPLACE"};
    CHECK(!server::redact_arguments("migrate", none, out));
}

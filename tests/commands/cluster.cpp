// The cluster commands with cluster mode off (respkit/commands/cluster.hpp): tests/diff/cluster.redis
// against redis-server 7.0.15, RESP2 and RESP3. COMMAND INFO and COMMAND DOCS of every CLUSTER
// subcommand, ASKING, READONLY and READWRITE: tests/commands/introspection.cpp.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("cluster.redis against redis-server") {
    command_server<> srv;
    const std::size_t compared = run_diff_script(diff_script_path("cluster.redis"), srv.target());
    MESSAGE("cluster.redis: " << compared << " replies compared");
}

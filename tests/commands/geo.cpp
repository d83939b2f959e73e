// The geo commands (respkit/commands/geo.hpp): tests/diff/geo.redis against redis-server 7.0.15
// (both keyspace maps): scores, coordinates, distances, geohashes and search orders byte for byte
// over cities and seeded random points; then GEOADD's propagation as the ZADD it is.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("geo.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("geo.redis"), srv.target());
    MESSAGE("geo.redis: " << compared << " replies compared");
}

// The stream commands (respkit/commands/streams.hpp): tests/diff/streams.redis against redis-server
// 7.0.15 (both keyspace maps): XADD's IDs and errors, XRANGE / XREVRANGE ranges and COUNT, XDEL,
// XTRIM's exact and approximate (whole nodes) trims, XSETID, XINFO STREAM's counters and radix
// tree sizes, TYPE and OBJECT ENCODING, byte for byte in RESP2 and RESP3.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("streams.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("streams.redis"), srv.target());
    MESSAGE("streams.redis: " << compared << " replies compared");
}

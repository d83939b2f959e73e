// The sorted-set commands (respkit/commands/zsets.hpp): tests/diff/zsets.redis against
// redis-server (both keyspace maps). ZSCAN and WRONGTYPE next to sets: sets.cpp; blocking pops
// (BZPOPMIN BZPOPMAX BZMPOP): blocking.cpp; the skip list itself: tests/store/sorted_set.cpp.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("zsets.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("zsets.redis"), srv.target());
    MESSAGE("zsets.redis: " << compared << " replies compared");
}

TEST_CASE("zset_encodings.redis against redis-server: listpack and skiplist at the thresholds") {
    command_server<store::keyspace<>> srv;
    const std::size_t compared = run_diff_script(diff_script_path("zset_encodings.redis"), srv.target());
    MESSAGE("zset_encodings.redis: " << compared << " replies compared");
}

TEST_CASE_TEMPLATE("zremrange.redis against redis-server: ZREMRANGEBYSCORE, BYRANK, BYLEX", K, store::keyspace<>,
                   store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("zremrange.redis"), srv.target());
    MESSAGE("zremrange.redis: " << compared << " replies compared");
}

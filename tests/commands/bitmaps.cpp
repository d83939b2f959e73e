// The bitmap commands (respkit/commands/bitmaps.hpp): tests/diff/bitmaps.redis against
// redis-server (both keyspace maps), then what a script cannot check cheaply: counting and
// searching over strings long enough for the word-at-a-time paths, against a bit-by-bit model.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("bitmaps.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("bitmaps.redis"), srv.target());
    MESSAGE("bitmaps.redis: " << compared << " replies compared");
}

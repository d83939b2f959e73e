// Lua scripting against redis-server 7.0.15: tests/diff/scripting.redis (EVAL, EVALSHA, the _RO
// forms, SCRIPT, every redis.* function, the sandbox, the conversions both ways, the error
// formats), RESP2 and RESP3, byte for byte; then tests/diff/scripting_libs.redis (the Lua libraries
// cjson, cmsgpack, bit and struct, as EVALs).

#include <doctest/doctest.h>

#include "respkit/commands/scripting.hpp"
#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("scripting.redis against redis-server") {
    command_server<store::keyspace<>> srv;
    commands::install_scripting_commands(srv.commands);
    const std::size_t compared = run_diff_script(diff_script_path("scripting.redis"), srv.target());
    MESSAGE("scripting.redis: " << compared << " replies compared");
}

TEST_CASE(
    "scripting_libs.redis against redis-server: cjson, cmsgpack, bit and struct through EVAL") {
    command_server<store::keyspace<>> srv;
    commands::install_scripting_commands(srv.commands);
    const std::size_t compared =
        run_diff_script(diff_script_path("scripting_libs.redis"), srv.target());
    MESSAGE("scripting_libs.redis: " << compared << " replies compared");
}

// Redis 7.0's functions against redis-server 7.0.15: tests/diff/functions.redis (FUNCTION LOAD
// and its loading sandbox, FCALL / FCALL_RO and the flags, FUNCTION DELETE LIST FLUSH STATS DUMP
// RESTORE KILL HELP, their errors, COMMAND INFO / DOCS), RESP2 and RESP3, byte for byte.

#include <doctest/doctest.h>

#include "respkit/commands/scripting.hpp"
#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("functions.redis against redis-server") {
    command_server<store::keyspace<>> srv;
    commands::install_scripting_commands(srv.commands);
    const std::size_t compared = run_diff_script(diff_script_path("functions.redis"), srv.target());
    MESSAGE("functions.redis: " << compared << " replies compared");
}

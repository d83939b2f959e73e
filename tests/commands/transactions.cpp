// The transaction commands (respkit/commands/transactions.hpp): tests/diff/transactions.redis
// against redis-server 7.0.15, then what a script cannot show: a write by another session failing
// EXEC. With several real connections: tests/integration/pubsub_transactions.cpp.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

TEST_CASE("diff: transactions against redis-server") {
    command_server<> f;
    const std::size_t compared = run_diff_script(diff_script_path("transactions.redis"), f.target());
    MESSAGE("transactions.redis: " << compared << " replies compared");
}

TEST_CASE("a write by another session fails EXEC; the writer is told nothing") {
    command_server<> f;
    session a(f.commands, f.context), b(f.commands, f.context);
    a.feed("WATCH k\r\nMULTI\r\nINCR k\r\n");
    CHECK(take_output(a) == "+OK\r\n+OK\r\n+QUEUED\r\n");
    b.feed("SET k 5\r\n");
    CHECK(take_output(b) == "+OK\r\n");
    a.feed("EXEC\r\nGET k\r\n");
    CHECK(take_output(a) == "*-1\r\n$1\r\n5\r\n");
    // Watching again after a failed EXEC starts afresh.
    a.feed("WATCH k\r\nMULTI\r\nINCR k\r\nEXEC\r\n");
    CHECK(take_output(a) == "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:6\r\n");
    CHECK(f.context.watchers().empty());
}

// Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP) in-process:
// tests/diff/blocking.redis against redis-server (one connection: errors, timeouts, MULTI/EXEC
// where they never block; both keyspace maps), then sessions sharing one keyspace woken by others
// (deterministic: what Redis 7.0 does when a blocked client is retried, FIFO order, databases,
// WATCH next to blocking). With real connections to respkit-server and redis-server:
// tests/integration/blocking.cpp.

#include <doctest/doctest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "support/command_server.hpp"
#include "support/resp_bytes.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

TEST_CASE_TEMPLATE("blocking.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    // The blocking list and sorted-set commands, with MULTI/EXEC (where they never block).
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("blocking.redis"), srv.target());
    MESSAGE("blocking.redis: " << compared << " replies compared");
}

TEST_CASE("blocked clients are served first come, first served, one element each") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), c(srv), p(srv);
    CHECK(a({"BLPOP", "q", "0"}).empty());
    CHECK(b({"BRPOP", "q", "0"}).empty());
    CHECK(c({"BLPOP", "other", "q", "0"}).empty());
    CHECK(srv.context.stats().blocked_clients == 3);
    CHECK(p({"RPUSH", "q", "1", "2", "3", "4"}) == integer(4));
    CHECK(a.take() == array({bulk("q"), bulk("1")}));
    CHECK(b.take() == array({bulk("q"), bulk("4")})); // BRPOP takes the tail
    CHECK(c.take() == array({bulk("q"), bulk("2")}));
    CHECK(srv.context.stats().blocked_clients == 0);
    CHECK(p({"LRANGE", "q", "0", "-1"}) == array({bulk("3")}));
    // Fewer elements than waiting clients: the later ones keep waiting, in order.
    CHECK(a({"BLPOP", "r", "0"}).empty());
    CHECK(b({"BLPOP", "r", "0"}).empty());
    CHECK(p({"RPUSH", "r", "x"}) == integer(1));
    CHECK(a.take() == array({bulk("r"), bulk("x")}));
    CHECK(b.take().empty());
    CHECK(b.session.blocked());
    CHECK(p({"EXISTS", "r"}) == integer(0));
    CHECK(p({"LPUSH", "r", "y"}) == integer(1));
    CHECK(b.take() == array({bulk("r"), bulk("y")}));
}

TEST_CASE("a blocked client is served only by the type it waits for (Redis 7.0), in its own database") {
    command_server<manual_keyspace> srv;
    command_client a(srv), p(srv);
    CHECK(a({"BLPOP", "k", "0"}).empty());
    CHECK(p({"SET", "k", "string"}) == "+OK\r\n"); // wrong type: no WRONGTYPE, still blocked
    CHECK(a.take().empty());
    CHECK(a.session.blocked());
    CHECK(p({"DEL", "k"}) == integer(1));
    CHECK(p({"ZADD", "k", "1", "m"}) == integer(1));
    CHECK(a.take().empty());
    CHECK(p({"DEL", "k"}) == integer(1));
    CHECK(p({"RPUSH", "k", "v"}) == integer(1));
    CHECK(a.take() == array({bulk("k"), bulk("v")}));

    CHECK(a({"BZPOPMIN", "z", "0"}).empty());
    CHECK(p({"RPUSH", "z", "not-a-zset"}) == integer(1));
    CHECK(a.take().empty());
    CHECK(p({"DEL", "z"}) == integer(1));
    CHECK(p({"ZADD", "z", "2", "b", "1", "a"}) == integer(2));
    CHECK(a.take() == array({bulk("z"), bulk("a"), bulk("1")}));

    // SELECT: a client blocked in db 1 is not served by a push to db 0.
    CHECK(a({"SELECT", "1"}) == "+OK\r\n");
    CHECK(a({"BLPOP", "k", "0"}).empty());
    CHECK(p({"RPUSH", "k", "db0"}) == integer(1));
    CHECK(a.take().empty());
    CHECK(p({"SELECT", "1"}) == "+OK\r\n");
    CHECK(p({"RPUSH", "k", "db1"}) == integer(1));
    CHECK(a.take() == array({bulk("k"), bulk("db1")}));
    CHECK(a({"LLEN", "k"}) == integer(0)); // still in db 1
}

TEST_CASE("served moves chain: BLMOVE feeds a BLPOP; a wrong-typed destination answers WRONGTYPE") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), p(srv);
    CHECK(a({"BLPOP", "dst", "0"}).empty());
    CHECK(b({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"}).empty());
    CHECK(p({"RPUSH", "src", "v1", "v2"}) == integer(2));
    CHECK(b.take() == bulk("v2"));
    CHECK(a.take() == array({bulk("dst"), bulk("v2")}));
    CHECK(p({"EXISTS", "dst"}) == integer(0));
    CHECK(p({"LRANGE", "src", "0", "-1"}) == array({bulk("v1")}));

    // Redis 7.0 unblocks a BLMOVE whose destination holds another type with WRONGTYPE and
    // leaves the element in the source.
    CHECK(p({"DEL", "src"}) == integer(1));
    CHECK(b({"BRPOPLPUSH", "src", "str", "0"}).empty());
    CHECK(p({"SET", "str", "x"}) == "+OK\r\n");
    CHECK(p({"RPUSH", "src", "e"}) == integer(1));
    CHECK(b.take() == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    CHECK_FALSE(b.session.blocked());
    CHECK(p({"LRANGE", "src", "0", "-1"}) == array({bulk("e")}));

    // BZMPOP and BLMPOP served with their counts, from the key that became ready.
    CHECK(a({"BZMPOP", "0", "2", "z1", "z2", "MAX", "COUNT", "2"}).empty());
    CHECK(b({"BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "5"}).empty());
    CHECK(p({"ZADD", "z2", "1", "a", "2", "b", "3", "c"}) == integer(3));
    CHECK(a.take() == array({bulk("z2"), array({array({bulk("c"), bulk("3")}), array({bulk("b"), bulk("2")})})}));
    CHECK(p({"RPUSH", "l2", "x", "y"}) == integer(2));
    CHECK(b.take() == array({bulk("l2"), array({bulk("x"), bulk("y")})}));
}

TEST_CASE("MULTI/EXEC wakes blocked clients after EXEC; a key filled and emptied inside serves nobody") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), p(srv);
    CHECK(a({"BLPOP", "m", "0"}).empty());
    CHECK(b({"BLPOP", "m", "0"}).empty());
    CHECK(p({"MULTI"}) == "+OK\r\n");
    CHECK(p({"RPUSH", "m", "1"}) == "+QUEUED\r\n");
    CHECK(p({"RPUSH", "m", "2"}) == "+QUEUED\r\n");
    CHECK(a.take().empty()); // nothing ran yet
    CHECK(p({"EXEC"}) == array({integer(1), integer(2)}));
    CHECK(a.take() == array({bulk("m"), bulk("1")}));
    CHECK(b.take() == array({bulk("m"), bulk("2")}));

    CHECK(a({"BLPOP", "m", "0"}).empty());
    CHECK(p({"MULTI"}) == "+OK\r\n");
    CHECK(p({"RPUSH", "m", "gone"}) == "+QUEUED\r\n");
    CHECK(p({"DEL", "m"}) == "+QUEUED\r\n");
    CHECK(p({"EXEC"}) == array({integer(1), integer(1)}));
    CHECK(a.take().empty());
    CHECK(a.session.blocked());
    CHECK(p({"RPUSH", "m", "later"}) == integer(1));
    CHECK(a.take() == array({bulk("m"), bulk("later")}));
}

TEST_CASE("timeouts: the timeout reply when the deadline passes, per kind; disconnecting while blocked") {
    command_server<manual_keyspace> srv;
    command_client a(srv), b(srv), p(srv);
    a.session.set_protocol(respkit::resp::protocol::resp3);
    // Taken before blocking: the deadline counts from the context's clock, read when BLMOVE ran.
    const auto started = std::chrono::steady_clock::now();
    CHECK(a({"BLMOVE", "s", "d", "LEFT", "LEFT", "0.02"}).empty());
    CHECK(b({"BZPOPMAX", "z", "0.01"}).empty());
    CHECK(next_block_deadline(srv.context) != std::chrono::steady_clock::time_point::max());
    while ((a.session.blocked() || b.session.blocked()) && std::chrono::steady_clock::now() - started < 2s) {
        std::this_thread::sleep_for(1ms);
        srv.context.tick();
        expire_blocked_sessions(srv.context);
    }
    CHECK(std::chrono::steady_clock::now() - started >= 20ms);
    CHECK(a.take() == "_\r\n");
    CHECK(b.take() == "*-1\r\n"); // a timed-out BLMOVE/BZPOPMAX answers a null array in RESP2
    CHECK(srv.context.stats().blocked_clients == 0);

    {
        command_client gone(srv);
        CHECK(gone({"BLPOP", "k", "0"}).empty());
        CHECK(srv.context.stats().blocked_clients == 1);
    } // destroyed while blocked
    CHECK(srv.context.stats().blocked_clients == 0);
    CHECK(srv.context.blocked_on().empty());
    CHECK(p({"RPUSH", "k", "kept"}) == integer(1));
    CHECK(p({"LRANGE", "k", "0", "-1"}) == array({bulk("kept")}));
}

TEST_CASE("WATCH next to a blocked client: an already-expired watched key's removal still changes nothing") {
    // The transaction family and the list family each hold a relay of the same keyspace; both
    // attached to one context must not report a key event twice.
    command_server<manual_keyspace> srv;
    command_client w(srv), a(srv), p(srv);
    CHECK(p({"SET", "e", "v", "PX", "10"}) == "+OK\r\n");
    srv.keyspace.clock().advance(20); // stored, logically expired
    CHECK(w({"WATCH", "e"}) == "+OK\r\n");
    CHECK(a({"BLPOP", "q", "0"}).empty());
    CHECK(p({"GET", "e"}) == "$-1\r\n"); // removes it
    CHECK(w({"MULTI"}) == "+OK\r\n");
    CHECK(w({"PING"}) == "+QUEUED\r\n");
    CHECK(w({"EXEC"}) == array({"+PONG\r\n"}));
    CHECK(p({"RPUSH", "q", "x"}) == integer(1));
    CHECK(a.take() == array({bulk("q"), bulk("x")}));
}

TEST_CASE("CLIENT UNBLOCK: TIMEOUT replies as the timeout would, ERROR with -UNBLOCKED; the client goes on") {
    command_server<> srv;
    command_client a(srv), b(srv), c(srv), p(srv);
    const std::string id_a = std::to_string(a.session.id()), id_b = std::to_string(b.session.id()),
                      id_c = std::to_string(c.session.id());
    CHECK(a({"BLPOP", "q", "0"}).empty());
    CHECK(p({"CLIENT", "UNBLOCK", id_a}) == integer(1));
    CHECK(a.take() == "*-1\r\n");
    CHECK(!a.session.blocked());
    CHECK(srv.context.stats().blocked_clients == 0);
    CHECK(srv.context.blocked_on().empty());
    CHECK(p({"CLIENT", "UNBLOCK", id_a}) == integer(0)); // no longer blocked
    CHECK(p({"RPUSH", "q", "x"}) == integer(1));
    CHECK(a.take().empty()); // the push serves nobody
    // A blocked XREAD unblocked with the error; a later XADD does not serve it.
    CHECK(b({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}).empty());
    CHECK(p({"CLIENT", "UNBLOCK", id_b, "error"}) == integer(1));
    CHECK(b.take() == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    CHECK(p({"XADD", "s", "1-1", "f", "v"}) == bulk("1-1"));
    CHECK(b.take().empty());
    CHECK(b({"PING"}) == "+PONG\r\n");
    // WAIT's timeout reply is the count of acknowledging replicas: 0.
    CHECK(c({"WAIT", "1", "0"}).empty());
    CHECK(p({"CLIENT", "UNBLOCK", id_c, "TIMEOUT"}) == integer(1));
    CHECK(c.take() == integer(0));
    // A client that is not blocked, or none with that id: 0.
    CHECK(p({"CLIENT", "UNBLOCK", std::to_string(p.session.id())}) == integer(0));
    CHECK(p({"CLIENT", "UNBLOCK", "999999", "ERROR"}) == integer(0));
}

// Blocking commands woken by other clients (or unblocked by CLIENT UNBLOCK), over several real
// connections to the built respkit-server and, in the same scenarios, to Debian's redis-server
// 7.0.15: each connection's received bytes must be identical on both servers (RESP2 and RESP3),
// and each scenario also asserts its outcome, so it tests something when redis-server is missing;
// then redis-py clients in threads. In-process sessions and tests/diff/blocking.redis:
// tests/commands/blocking.cpp.

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "respkit/resp.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_py.hpp"
#include "support/resp_bytes.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

transcript collect(const std::vector<std::unique_ptr<raw_connection>>& conns) {
    transcript out;
    for (std::size_t i = 0; i < conns.size(); ++i) {
        conns[i]->drain();
        out["c" + std::to_string(i)] = conns[i]->bytes();
    }
    return out;
}

/// Five clients blocked on one key are served in the order they blocked; BLPOP over several
/// keys is served by whichever gets data; a blocked client stays blocked while others are served.
transcript fifo_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 6);
    raw_connection& pusher = *c[5];
    for (std::size_t i = 0; i < 5; ++i) {
        c[i]->send(encode({i % 2 == 0 ? "BLPOP" : "BRPOP", "q", "0"}));
        REQUIRE(until_blocked(port, static_cast<long long>(i + 1)));
    }
    REQUIRE(pusher.call({"RPUSH", "q", "1", "2", "3"}));
    CHECK(pusher.last() == integer(3));
    for (std::size_t i = 0; i < 3; ++i) REQUIRE(c[i]->await(1));
    CHECK(c[0]->last() == array({bulk("q"), bulk("1")}));
    CHECK(c[1]->last() == array({bulk("q"), bulk("3")}));
    CHECK(c[2]->last() == array({bulk("q"), bulk("2")}));
    REQUIRE(until_blocked(port, 2));
    CHECK(c[3]->replies() == 0);
    REQUIRE(pusher.call({"LPUSH", "q", "4", "5"}));
    for (std::size_t i = 3; i < 5; ++i) REQUIRE(c[i]->await(1));
    CHECK(c[3]->last() == array({bulk("q"), bulk("4")})); // BRPOP of [5 4]
    CHECK(c[4]->last() == array({bulk("q"), bulk("5")}));

    // Several keys: served from the one that gets data; the others stay untouched.
    c[0]->send(encode({"BLPOP", "k1", "k2", "k3", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(pusher.call({"RPUSH", "k3", "x", "y"}));
    REQUIRE(c[0]->await(1));
    CHECK(c[0]->last() == array({bulk("k3"), bulk("x")}));
    c[1]->send(encode({"BRPOP", "k1", "k2", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(pusher.call({"SET", "k1", "string"})); // the wrong type wakes nobody
    REQUIRE(pusher.call({"RPUSH", "k2", "z"}));
    REQUIRE(c[1]->await(1));
    CHECK(c[1]->last() == array({bulk("k2"), bulk("z")}));
    REQUIRE(pusher.call({"LRANGE", "k3", "0", "-1"}));
    CHECK(pusher.last() == array({bulk("y")}));
    return collect(c);
}

/// Timeouts arrive after about the timeout (bounded); a client disconnecting while blocked
/// leaves the server healthy and loses no later element.
transcript timeout_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 3);
    const auto started = std::chrono::steady_clock::now();
    c[0]->send(encode({"BLPOP", "none", "0.2"}));
    c[1]->send(encode({"BZMPOP", "0.1", "1", "nz", "MIN"}));
    REQUIRE(c[1]->await(1));
    const auto first = std::chrono::steady_clock::now() - started;
    REQUIRE(c[0]->await(1));
    const auto second = std::chrono::steady_clock::now() - started;
    CHECK(first >= 100ms);
    CHECK(second >= 200ms);
    CHECK(second < 1500ms);
    const std::string null_array = proto == 3 ? "_\r\n" : "*-1\r\n";
    CHECK(c[0]->last() == null_array);
    CHECK(c[1]->last() == null_array);
    c[2]->send(encode({"BLMOVE", "none", "d", "LEFT", "LEFT", "0.05"}));
    REQUIRE(c[2]->await(1));
    CHECK(c[2]->last() == null_array);

    // Disconnecting while blocked.
    {
        raw_connection leaving(port);
        REQUIRE(leaving.connected());
        leaving.send(encode({"BLPOP", "d", "0"}));
        REQUIRE(until_blocked(port, 1));
    }
    REQUIRE(until_blocked(port, 0));
    REQUIRE(c[0]->call({"PING"}));
    CHECK(c[0]->last() == "+PONG\r\n");
    REQUIRE(c[0]->call({"RPUSH", "d", "kept"}));
    REQUIRE(c[0]->call({"LRANGE", "d", "0", "-1"}));
    CHECK(c[0]->last() == array({bulk("kept")}));
    // A client blocked after the disconnect gets it.
    REQUIRE(c[0]->call({"DEL", "d"}));
    {
        raw_connection leaving(port);
        leaving.send(encode({"BLPOP", "d", "0"}));
        REQUIRE(until_blocked(port, 1));
    }
    c[1]->send(encode({"BLPOP", "d", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(c[0]->call({"RPUSH", "d", "later"}));
    REQUIRE(c[1]->await(1));
    CHECK(c[1]->last() == array({bulk("d"), bulk("later")}));
    return collect(c);
}

/// MULTI/EXEC around pushes that wake a blocked client (served after EXEC, with the state EXEC
/// left); a BLMOVE chain into a BLPOP; BZPOPMIN woken by ZADD; BLMOVE's wrong-typed destination.
transcript wake_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 4);
    raw_connection& p = *c[3];
    c[0]->send(encode({"BLPOP", "m", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(p.call({"MULTI"}));
    REQUIRE(p.call({"RPUSH", "m", "a", "b"}));
    REQUIRE(p.call({"LPUSH", "m", "first"}));
    CHECK(c[0]->replies() == 0);
    REQUIRE(p.call({"EXEC"}));
    CHECK(p.last() == array({integer(2), integer(3)}));
    REQUIRE(c[0]->await(1));
    CHECK(c[0]->last() == array({bulk("m"), bulk("first")}));

    // Chain: c1 waits on dst, c2 moves from src to dst.
    c[1]->send(encode({"BLPOP", "dst", "0"}));
    REQUIRE(until_blocked(port, 1));
    c[2]->send(encode({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"}));
    REQUIRE(until_blocked(port, 2));
    REQUIRE(p.call({"RPUSH", "src", "v1", "v2"}));
    REQUIRE(c[2]->await(1));
    CHECK(c[2]->last() == bulk("v2"));
    REQUIRE(c[1]->await(1));
    CHECK(c[1]->last() == array({bulk("dst"), bulk("v2")}));
    REQUIRE(p.call({"EXISTS", "dst"}));
    CHECK(p.last() == integer(0));

    // Sorted sets.
    c[0]->send(encode({"BZPOPMIN", "z", "0"}));
    REQUIRE(until_blocked(port, 1));
    c[1]->send(encode({"BZPOPMAX", "z", "0"}));
    REQUIRE(until_blocked(port, 2));
    REQUIRE(p.call({"ZADD", "z", "2.5", "b", "1", "a", "3", "c"}));
    REQUIRE(c[0]->await(1));
    REQUIRE(c[1]->await(1));
    const std::string score_a = proto == 3 ? ",1\r\n" : bulk("1");
    CHECK(c[0]->last() == array({bulk("z"), bulk("a"), score_a}));
    CHECK(c[1]->last() == array({bulk("z"), bulk("c"), proto == 3 ? ",3\r\n" : bulk("3")}));
    c[2]->send(encode({"BZMPOP", "0", "2", "z0", "z9", "MIN", "COUNT", "5"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(p.call({"ZADD", "z9", "7", "x", "8", "y"}));
    REQUIRE(c[2]->await(1));

    // BLMOVE whose destination holds another type when it is served: WRONGTYPE, element kept.
    c[0]->send(encode({"BRPOPLPUSH", "s2", "str", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(p.call({"SET", "str", "x"}));
    REQUIRE(p.call({"RPUSH", "s2", "e"}));
    REQUIRE(c[0]->await(1));
    CHECK(c[0]->last() == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    REQUIRE(p.call({"LRANGE", "s2", "0", "-1"}));
    CHECK(p.last() == array({bulk("e")}));
    // BLMPOP woken with a count.
    c[1]->send(encode({"BLMPOP", "0", "2", "l1", "l2", "RIGHT", "COUNT", "2"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(p.call({"RPUSH", "l1", "1", "2", "3"}));
    REQUIRE(c[1]->await(1));
    CHECK(c[1]->last() == array({bulk("l1"), array({bulk("3"), bulk("2")})}));
    return collect(c);
}

/// Commands pipelined after a blocking one wait until it is served, then run in order.
transcript pipeline_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 2);
    c[0]->send(encode({"BLPOP", "pp", "0"}) + encode({"PING"}) + encode({"LLEN", "pp"}) +
               encode({"RPUSH", "pp", "own"}));
    REQUIRE(until_blocked(port, 1));
    CHECK_FALSE(c[0]->await(1, 50ms)); // nothing: PING waits behind BLPOP
    REQUIRE(c[1]->call({"RPUSH", "pp", "x", "y"}));
    REQUIRE(c[0]->await(3));
    CHECK(c[0]->bytes() == array({bulk("pp"), bulk("x")}) + "+PONG\r\n" + integer(1) + integer(2));
    REQUIRE(c[1]->call({"LRANGE", "pp", "0", "-1"}));
    CHECK(c[1]->last() == array({bulk("y"), bulk("own")}));
    return collect(c);
}

/// CLIENT UNBLOCK from a third connection: a BLPOP unblocked as on its timeout runs the PING
/// queued behind it, an XREAD BLOCK unblocked with the -UNBLOCKED error is not served by a later
/// XADD; a client no longer blocked is not unblocked again. The CLIENT ID replies are left out
/// of the transcripts (ids differ between the servers).
transcript unblock_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 3);
    std::vector<std::string> ids;
    std::vector<std::size_t> skip;
    for (std::size_t i = 0; i < 2; ++i) {
        REQUIRE(c[i]->call({"CLIENT", "ID"}));
        const std::string& id = c[i]->last();
        REQUIRE(id.starts_with(":"));
        ids.push_back(id.substr(1, id.size() - 3));
        skip.push_back(c[i]->bytes().size());
    }
    c[0]->send(encode({"BLPOP", "ub", "0"}) + encode({"PING"}));
    c[1]->send(encode({"XREAD", "BLOCK", "0", "STREAMS", "us", "$"}));
    REQUIRE(until_blocked(port, 2));
    REQUIRE(c[2]->call({"CLIENT", "UNBLOCK", ids[0]}));
    CHECK(c[2]->last() == integer(1));
    REQUIRE(c[0]->await(2));
    const std::string null_array = proto == 3 ? "_\r\n" : "*-1\r\n";
    CHECK(c[0]->bytes().substr(skip[0]) == null_array + "+PONG\r\n");
    REQUIRE(c[2]->call({"CLIENT", "UNBLOCK", ids[1], "ERROR"}));
    CHECK(c[2]->last() == integer(1));
    REQUIRE(c[1]->await(1));
    CHECK(c[1]->last() == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    REQUIRE(until_blocked(port, 0));
    REQUIRE(c[2]->call({"CLIENT", "UNBLOCK", ids[0], "timeout"}));
    CHECK(c[2]->last() == integer(0));
    REQUIRE(c[2]->call({"XADD", "us", "1-1", "f", "v"}));
    CHECK_FALSE(c[1]->await(1, 50ms)); // nothing: it no longer waits
    transcript out;
    for (std::size_t i = 0; i < 3; ++i) {
        c[i]->drain();
        out["c" + std::to_string(i)] = c[i]->bytes().substr(i < 2 ? skip[i] : 0);
    }
    return out;
}

} // namespace

TEST_CASE("blocking commands with concurrent connections: respkit-server and redis-server agree byte for byte") {
    const server_process respkit_server = start_respkit_server();
    if (!respkit_server.running()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset or no binary)");
        return;
    }
    const server_process redis = start_redis_server();
    if (!redis.running()) MESSAGE("redis-server not installed: outcomes asserted, bytes not compared with Redis");
    const std::vector<std::pair<const char*, std::function<transcript(int, int)>>> scenarios = {
        {"fifo", fifo_scenario}, {"timeout", timeout_scenario}, {"wake", wake_scenario}, {"pipeline", pipeline_scenario},
        {"unblock", unblock_scenario}};
    const auto started = std::chrono::steady_clock::now();
    std::size_t compared = 0;
    for (const auto& entry : scenarios) {
        const std::string name = entry.first; // not a structured binding: CAPTURE's lambda takes it
        const auto& scenario = entry.second;
        for (const int proto : {2, 3}) {
            CAPTURE(name);
            CAPTURE(proto);
            raw_connection admin(respkit_server.port());
            REQUIRE(admin.call({"FLUSHALL"}));
            const transcript ours = scenario(respkit_server.port(), proto);
            CHECK(until_blocked(respkit_server.port(), 0));
            if (!redis.running()) continue;
            raw_connection redis_admin(redis.port());
            REQUIRE(redis_admin.call({"FLUSHALL"}));
            const transcript theirs = scenario(redis.port(), proto);
            compared += check_same_transcripts(ours, theirs);
        }
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE(scenarios.size() << " scenarios x RESP2/RESP3 in " << took.count() << " ms; " << compared
                             << " connections' bytes identical to redis-server's");
}

TEST_CASE("redis-py clients in threads: BLPOP served across clients, timeouts, a pipeline's MULTI/EXEC wakes a waiter, "
          "a waiter killed while blocked") {
    const server_process respkit_server = start_respkit_server();
    const std::string& python = redis_py_python;
    if (!respkit_server.running() || !have_redis_py()) {
        MESSAGE("skipped: respkit-server not built, or python3-redis missing");
        return;
    }
    const std::string script = R"PY(
import sys, threading, time, redis
port = int(sys.argv[1])
r = redis.Redis(port=port)
r.flushall()

# A waiter in another thread is served by a push from this one.
got = {}
def waiter(name, *keys):
    got[name] = redis.Redis(port=port).blpop(list(keys), timeout=5)
t = threading.Thread(target=waiter, args=('a', 'q1', 'q2'))
t.start()
while r.info('clients')['blocked_clients'] < 1: time.sleep(0.005)
assert r.rpush('q2', 'x') == 1
t.join(5)
assert got['a'] == (b'q2', b'x'), got

# Timeouts: None after about the timeout.
start = time.monotonic()
assert r.blpop(['nothing'], timeout=0.2) is None
assert r.bzpopmin('nothing', timeout=0.1) is None
assert r.blmove('nothing', 'dst', 0.1, 'LEFT', 'RIGHT') is None
took = time.monotonic() - start
assert 0.35 <= took < 2.0, took

# A transaction (redis-py pipeline: MULTI ... EXEC) pushing twice wakes two waiters, in the
# order they blocked, after EXEC.
threads = [threading.Thread(target=waiter, args=(n, 'jobs')) for n in ('first', 'second')]
threads[0].start()
while r.info('clients')['blocked_clients'] < 1: time.sleep(0.005)
threads[1].start()
while r.info('clients')['blocked_clients'] < 2: time.sleep(0.005)
with r.pipeline(transaction=True) as p:
    p.rpush('jobs', 'j1')
    p.rpush('jobs', 'j2')
    p.llen('jobs')
    assert p.execute() == [1, 2, 2]
for t in threads: t.join(5)
assert got['first'] == (b'jobs', b'j1') and got['second'] == (b'jobs', b'j2'), got
assert r.llen('jobs') == 0

# A waiter killed while blocked: no longer counted, and the next push is kept, not lost.
victim = redis.Redis(port=port)
victim.client_setname('victim')
def doomed():
    try:
        victim.blpop(['lost'], timeout=10)
    except redis.ConnectionError:
        pass
t = threading.Thread(target=doomed)
t.start()
while r.info('clients')['blocked_clients'] < 1: time.sleep(0.005)
killed = [c['id'] for c in r.client_list() if c['name'] == 'victim']
assert r.client_kill_filter(_id=killed[0]) == 1
t.join(5)
while r.info('clients')['blocked_clients'] != 0: time.sleep(0.005)
assert r.rpush('lost', 'kept') == 1
assert r.lrange('lost', 0, -1) == [b'kept']
print('ok')
)PY";
    const auto r = run_program({python, "-c", script, std::to_string(respkit_server.port())}, {}, 30s);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ok\n");
}

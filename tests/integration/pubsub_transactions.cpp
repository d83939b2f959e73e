// Pub/sub and transactions with several real connections at once, against the built
// respkit-server and, in the same scenarios, against Debian's redis-server 7.0.15: every
// connection's received bytes must be identical on both servers (RESP2 and RESP3), and the
// scenarios also assert the outcome itself (counts, nulls, errors) so that they test something
// when redis-server is missing. Then real clients: redis-cli as a subscriber, redis-py
// (RESP2) as subscriber, publisher and WATCHing client.

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>
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

/// Polls (bounded, on a connection of its own whose replies are not compared) until `args`
/// answers `expected`: for state another connection's disconnect changes, which no reply on
/// the compared connections can announce.
bool eventually(int port, const std::vector<std::string>& args, const std::string& expected) {
    raw_connection probe(port);
    const auto deadline = std::chrono::steady_clock::now() + reply_wait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!probe.call(args)) return false;
        if (probe.last() == expected) return true;
        std::this_thread::sleep_for(2ms); // a poll's pause, not a synchronisation
    }
    return false;
}


// --- scenarios: each runs on a fresh FLUSHALLed server with no subscriptions left, and
// --- returns what each connection received

/// Subscribers to channels and patterns, a publisher; binary, empty and large payloads; counts;
/// PUBSUB introspection while subscriptions change and a subscriber disconnects; RESP2's
/// subscribed-mode restriction (RESP3 allows every command).
transcript pubsub_scenario(int port, int proto) {
    raw_connection s1(port), s2(port), s3(port), pub(port);
    REQUIRE((s1.connected() && s2.connected() && s3.connected() && pub.connected()));
    for (raw_connection* l : {&s1, &s2, &s3, &pub}) REQUIRE(l->hello(proto));
    const std::string push = proto == 3 ? ">" : "*";

    REQUIRE(s1.call({"SUBSCRIBE", "ch1", "ch2"}, 2));
    CHECK(s1.last() == push + "3\r\n" + bulk("subscribe") + bulk("ch2") + integer(2));
    // Patterns matching one channel are visited in Redis's hash order: s2's two never match
    // the same channel.
    REQUIRE(s2.call({"PSUBSCRIBE", "news.*", "sport.[ab]"}, 2));
    REQUIRE(s3.call({"SUBSCRIBE", "ch1"}));
    REQUIRE(s3.call({"PSUBSCRIBE", "*"})); // allowed in RESP2's subscribed mode
    CHECK(s3.last() == push + "3\r\n" + bulk("psubscribe") + bulk("*") + integer(2));
    REQUIRE(s3.call({"SUBSCRIBE", "ch1"})); // again: no new subscription, count stays 2
    CHECK(s3.last() == push + "3\r\n" + bulk("subscribe") + bulk("ch1") + integer(2));

    // ch1: s1, s3 and s3's pattern.
    REQUIRE(pub.call({"PUBLISH", "ch1", "hello"}));
    CHECK(pub.last() == integer(3));
    REQUIRE(s1.await(1));
    CHECK(s1.last() == push + "3\r\n" + bulk("message") + bulk("ch1") + bulk("hello"));
    REQUIRE(s3.await(2)); // the channel's message, then the pattern's
    CHECK(s3.last() == push + "4\r\n" + bulk("pmessage") + bulk("*") + bulk("ch1") + bulk("hello"));
    const std::string binary("bin\0ary\r\n payload\xff", 19);
    REQUIRE(pub.call({"PUBLISH", "ch2", binary}));
    CHECK(pub.last() == integer(2));
    REQUIRE(s1.await(1));
    CHECK(s1.last() == push + "3\r\n" + bulk("message") + bulk("ch2") + bulk(binary));
    REQUIRE(s3.await(1));
    REQUIRE(pub.call({"PUBLISH", "news.tech", ""})); // s2's news.* and s3's *
    CHECK(pub.last() == integer(2));
    REQUIRE(s2.await(1));
    CHECK(s2.last() == push + "4\r\n" + bulk("pmessage") + bulk("news.*") + bulk("news.tech") + bulk(""));
    REQUIRE(s3.await(1));
    REQUIRE(pub.call({"PUBLISH", "sport.b", "b"}));
    CHECK(pub.last() == integer(2));
    REQUIRE(s2.await(1));
    CHECK(s2.last() == push + "4\r\n" + bulk("pmessage") + bulk("sport.[ab]") + bulk("sport.b") + bulk("b"));
    REQUIRE(s3.await(1));
    const std::string large(300000, 'L'); // more than one socket buffer
    REQUIRE(pub.call({"PUBLISH", "ch2", large}));
    CHECK(pub.last() == integer(2));
    REQUIRE(s1.await(1));
    CHECK(s1.last() == push + "3\r\n" + bulk("message") + bulk("ch2") + bulk(large));
    REQUIRE(s3.await(1));
    REQUIRE(pub.call({"PUBLISH", "nobody", "x"})); // only s3's '*'
    CHECK(pub.last() == integer(1));
    REQUIRE(s3.await(1));

    // Introspection (PUBSUB CHANNELS of several channels is in hash order: one channel at a time).
    REQUIRE(pub.call({"PUBSUB", "NUMSUB", "ch1", "ch2", "nobody"}));
    CHECK(pub.last() == "*6\r\n" + bulk("ch1") + integer(2) + bulk("ch2") + integer(1) + bulk("nobody") + integer(0));
    REQUIRE(pub.call({"PUBSUB", "NUMPAT"}));
    CHECK(pub.last() == integer(3));
    REQUIRE(pub.call({"PUBSUB", "CHANNELS", "ch1"}));
    CHECK(pub.last() == "*1\r\n" + bulk("ch1"));
    REQUIRE(pub.call({"PUBSUB", "CHANNELS", "news*"})); // patterns are not channels
    CHECK(pub.last() == "*0\r\n");
    REQUIRE(pub.call({"PUBSUB", "NUMSUB"}));
    CHECK(pub.last() == "*0\r\n");

    // RESP2: a subscribed client may only (un)subscribe, PING, QUIT, RESET. RESP3: anything.
    REQUIRE(s1.call({"GET", "k"}));
    if (proto == 2) {
        CHECK(s1.last() == "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                           "are allowed in this context\r\n");
    } else {
        CHECK(s1.last() == "_\r\n");
    }
    REQUIRE(s1.call({"CLIENT", "GETNAME"})); // a subcommand is named with its container
    CHECK(s1.last() == (proto == 2 ? "-ERR Can't execute 'client|getname': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                                     "PING / QUIT / RESET are allowed in this context\r\n"
                                   : "_\r\n"));
    REQUIRE(s1.call({"PING"}));
    CHECK(s1.last() == (proto == 2 ? "*2\r\n" + bulk("pong") + bulk("") : std::string("+PONG\r\n")));
    REQUIRE(s1.call({"PING", "hi"}));
    CHECK(s1.last() == (proto == 2 ? "*2\r\n" + bulk("pong") + bulk("hi") : bulk("hi")));
    REQUIRE(s1.call({"MULTI"}));
    REQUIRE(s1.call({"DISCARD"}));

    // s3 leaves ch1, then its patterns (no argument: all of them).
    REQUIRE(s3.call({"UNSUBSCRIBE", "ch1", "never"}, 2));
    CHECK(s3.last() == push + "3\r\n" + bulk("unsubscribe") + bulk("never") + integer(1));
    REQUIRE(s3.call({"PUNSUBSCRIBE"}));
    CHECK(s3.last() == push + "3\r\n" + bulk("punsubscribe") + bulk("*") + integer(0));
    REQUIRE(s3.call({"PUNSUBSCRIBE"})); // nothing left: one reply, null name
    CHECK(s3.last() == push + "3\r\n" + bulk("punsubscribe") + (proto == 2 ? "$-1\r\n" : "_\r\n") + integer(0));
    REQUIRE(s3.call({"GET", "k"})); // out of subscribed mode
    CHECK(s3.last() == (proto == 2 ? "$-1\r\n" : "_\r\n"));
    REQUIRE(pub.call({"PUBSUB", "NUMSUB", "ch1"}));
    CHECK(pub.last() == "*2\r\n" + bulk("ch1") + integer(1));

    // s2 disconnects without unsubscribing: its patterns go.
    s2.close();
    REQUIRE(eventually(port, {"PUBSUB", "NUMPAT"}, integer(0)));
    REQUIRE(pub.call({"PUBLISH", "news.tech", "gone"}));
    CHECK(pub.last() == integer(0));
    REQUIRE(pub.call({"PUBSUB", "NUMPAT"}));
    CHECK(pub.last() == integer(0));

    // s1 unsubscribes by name, then once more with no subscription left, and quits.
    REQUIRE(s1.call({"UNSUBSCRIBE", "ch2", "ch1"}, 2));
    CHECK(s1.last() == push + "3\r\n" + bulk("unsubscribe") + bulk("ch1") + integer(0));
    REQUIRE(s1.call({"UNSUBSCRIBE"}));
    CHECK(s1.last() == push + "3\r\n" + bulk("unsubscribe") + (proto == 2 ? "$-1\r\n" : "_\r\n") + integer(0));
    REQUIRE(pub.call({"PUBSUB", "CHANNELS"}));
    CHECK(pub.last() == "*0\r\n");
    REQUIRE(s1.call({"QUIT"}));
    CHECK(s1.await_close());
    REQUIRE(pub.call({"PUBLISH", "ch1", "late"}));
    CHECK(pub.last() == integer(0));

    for (raw_connection* l : {&s1, &s3, &pub}) l->drain();
    return {{"s1", s1.bytes()}, {"s2", s2.bytes()}, {"s3", s3.bytes()}, {"pub", pub.bytes()}};
}

/// Several subscribers of one channel, a thousand pipelined PUBLISHes, a PUBLISH inside
/// MULTI/EXEC, and (RESP3 only) a subscriber running commands between the messages it gets.
transcript fanout_scenario(int port, int proto) {
    std::vector<std::unique_ptr<raw_connection>> subs;
    for (int i = 0; i < 3; ++i) {
        subs.push_back(std::make_unique<raw_connection>(port));
        REQUIRE(subs.back()->hello(proto));
        REQUIRE(subs.back()->call({"SUBSCRIBE", "fan"}));
    }
    raw_connection pub(port);
    REQUIRE(pub.hello(proto));
    std::string pipeline;
    for (int i = 0; i < 1000; ++i) pipeline += encode({"PUBLISH", "fan", "m" + std::to_string(i)});
    pub.send(pipeline);
    REQUIRE(pub.await(1000));
    CHECK(pub.last() == integer(3));
    for (auto& s : subs) REQUIRE(s->await(1000));
    CHECK(subs[2]->last() == (proto == 3 ? ">" : "*") + std::string("3\r\n") + bulk("message") + bulk("fan") + bulk("m999"));

    REQUIRE(pub.call({"MULTI"}));
    REQUIRE(pub.call({"PUBLISH", "fan", "in-exec"}));
    REQUIRE(pub.call({"SET", "k", "v"}));
    REQUIRE(pub.call({"EXEC"}));
    CHECK(pub.last() == "*2\r\n" + integer(3) + "+OK\r\n");
    for (auto& s : subs) REQUIRE(s->await(1));

    if (proto == 3) {
        // A subscriber publishing to its own channel gets the push before PUBLISH's reply.
        REQUIRE(subs[0]->call({"PUBLISH", "fan", "self"}, 2));
        CHECK(subs[0]->last() == integer(3));
        REQUIRE(subs[0]->call({"GET", "k"}));
        CHECK(subs[0]->last() == bulk("v"));
        for (std::size_t i = 1; i < subs.size(); ++i) REQUIRE(subs[i]->await(1));
    }
    transcript out{{"pub", pub.bytes()}};
    for (std::size_t i = 0; i < subs.size(); ++i) {
        subs[i]->drain();
        out["sub" + std::to_string(i)] = subs[i]->bytes();
    }
    return out;
}

/// WATCH against other connections' writes: SET, DEL, EXPIRE, FLUSHALL (of an existing and of
/// a missing key), an expiry, the client's own write; and what does not abort: other keys,
/// another database, reads, failed writes, UNWATCH.
transcript watch_scenario(int port, int proto) {
    raw_connection a(port), b(port);
    REQUIRE(a.hello(proto));
    REQUIRE(b.hello(proto));
    const std::string null_array = proto == 3 ? "_\r\n" : "*-1\r\n";
    // WATCH key, `b` runs `change`, then `a` runs MULTI, INCR counter, EXEC: EXEC's reply.
    auto attempt = [&](const std::string& key, const std::vector<std::string>& change) {
        REQUIRE(a.call({"WATCH", key}));
        CHECK(a.last() == "+OK\r\n");
        if (!change.empty()) REQUIRE(b.call(change));
        REQUIRE(a.call({"MULTI"}));
        REQUIRE(a.call({"INCR", "counter"}));
        CHECK(a.last() == "+QUEUED\r\n");
        REQUIRE(a.call({"EXEC"}));
        return a.last();
    };
    REQUIRE(b.call({"SET", "wk", "0"}));
    CAPTURE(proto);
    CHECK(attempt("wk", {"SET", "wk", "theirs"}) == null_array);
    CHECK(attempt("wk", {"DEL", "wk"}) == null_array);
    REQUIRE(b.call({"SET", "wk", "1"}));
    CHECK(attempt("wk", {"EXPIRE", "wk", "100"}) == null_array);
    CHECK(attempt("wk", {"PERSIST", "wk"}) == null_array);
    CHECK(attempt("wk", {"FLUSHALL"}) == null_array);
    CHECK(attempt("wk", {"FLUSHALL"}) != null_array); // wk no longer exists: a flush does not touch it
    REQUIRE(b.call({"SET", "wk", "2"}));
    CHECK(attempt("wk", {"SET", "other", "x"}) != null_array);
    CHECK(attempt("wk", {"GET", "wk"}) != null_array);
    CHECK(attempt("wk", {"SET", "wk", "no", "NX"}) != null_array); // did not write
    CHECK(attempt("wk", {"LPUSH", "wk", "x"}) != null_array);      // WRONGTYPE
    REQUIRE(b.call({"SELECT", "1"}));
    CHECK(attempt("wk", {"SET", "wk", "db1"}) != null_array); // same name, other database
    REQUIRE(b.call({"SELECT", "0"}));
    CHECK(attempt("missing", {"SET", "missing", "now"}) == null_array); // created
    CHECK(attempt("wk", {}) != null_array);
    // The client's own write counts too.
    REQUIRE(a.call({"WATCH", "wk"}));
    REQUIRE(a.call({"SET", "wk", "mine"}));
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == null_array);
    // UNWATCH forgets.
    REQUIRE(a.call({"WATCH", "wk", "counter"}));
    REQUIRE(a.call({"UNWATCH"}));
    REQUIRE(b.call({"SET", "wk", "after-unwatch"}));
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"GET", "wk"}));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == "*1\r\n" + bulk("after-unwatch"));
    // A watched key whose TTL passes between WATCH and EXEC: the test waits for the clock.
    REQUIRE(b.call({"SET", "ttl", "v", "PX", "30"}));
    REQUIRE(a.call({"WATCH", "ttl"}));
    std::this_thread::sleep_for(80ms);
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"GET", "ttl"}));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == null_array);
    REQUIRE(a.call({"GET", "counter"}));
    return {{"a", a.bytes()}, {"b", b.bytes()}};
}

/// MULTI's errors: refused while queueing (EXECABORT), at run time (the rest still runs),
/// nesting, WATCH inside MULTI, EXEC/DISCARD without MULTI; another connection's writes while
/// a transaction queues do not abort it (nothing is WATCHed).
transcript multi_scenario(int port, int proto) {
    raw_connection a(port), b(port);
    REQUIRE(a.hello(proto));
    REQUIRE(b.hello(proto));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == "-ERR EXEC without MULTI\r\n");
    REQUIRE(a.call({"DISCARD"}));
    CHECK(a.last() == "-ERR DISCARD without MULTI\r\n");
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"MULTI"}));
    CHECK(a.last() == "-ERR MULTI calls can not be nested\r\n");
    REQUIRE(a.call({"WATCH", "x"}));
    CHECK(a.last() == "-ERR WATCH inside MULTI is not allowed\r\n");
    REQUIRE(a.call({"SET", "m1", "1"}));
    REQUIRE(a.call({"EXEC"})); // MULTI and WATCH errors do not abort
    CHECK(a.last() == "*1\r\n+OK\r\n");

    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"SET", "m3", "3"}));
    REQUIRE(a.call({"NOSUCHCMD", "x"}));
    REQUIRE(b.call({"SET", "m4", "theirs"})); // meanwhile elsewhere
    REQUIRE(a.call({"GET"}));
    CHECK(a.last() == "-ERR wrong number of arguments for 'get' command\r\n");
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == "-EXECABORT Transaction discarded because of previous errors.\r\n");
    REQUIRE(a.call({"GET", "m3"}));
    CHECK(a.last() == (proto == 2 ? "$-1\r\n" : "_\r\n"));
    REQUIRE(a.call({"EXEC"})); // the transaction is gone
    CHECK(a.last() == "-ERR EXEC without MULTI\r\n");

    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"SET", "m1", "notint"}));
    REQUIRE(a.call({"INCR", "m1"}));
    REQUIRE(a.call({"LPUSH", "m1", "x"}));
    REQUIRE(b.call({"SET", "m5", "theirs"}));
    REQUIRE(a.call({"APPEND", "m1", "!"}));
    REQUIRE(a.call({"HSET", "mh", "f", "v"}));
    REQUIRE(a.call({"HGETALL", "mh"}));
    REQUIRE(a.call({"GET", "nosuch"}));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == "*7\r\n+OK\r\n-ERR value is not an integer or out of range\r\n"
                      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
                          integer(7) + integer(1) + (proto == 3 ? "%1\r\n" : "*2\r\n") + bulk("f") + bulk("v") +
                          (proto == 2 ? "$-1\r\n" : "_\r\n"));
    REQUIRE(b.call({"GET", "m1"}));
    CHECK(b.last() == bulk("notint!"));

    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"SET", "m2", "2"}));
    REQUIRE(a.call({"DISCARD"}));
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"EXEC"}));
    CHECK(a.last() == "*0\r\n");
    REQUIRE(b.call({"EXISTS", "m2"}));
    CHECK(b.last() == integer(0));
    // A subscribed RESP2 client cannot start one (its error aborts nothing: no MULTI).
    REQUIRE(b.call({"SUBSCRIBE", "c"}));
    REQUIRE(b.call({"MULTI"}));
    if (proto == 2) CHECK(b.last().starts_with("-ERR Can't execute 'multi'"));
    REQUIRE(b.call({"UNSUBSCRIBE"}));
    return {{"a", a.bytes()}, {"b", b.bytes()}};
}

/// Less common paths, compared with Redis: subscribing and publishing inside MULTI, RESET and
/// QUIT while subscribed or queueing, DEL/RENAME/EXPIRE of watched keys (present or not),
/// PUBSUB's errors, and a subscriber killed by CLIENT KILL from another connection.
transcript edge_scenario(int port, int proto) {
    raw_connection a(port), b(port), c(port);
    REQUIRE((a.hello(proto) && b.hello(proto) && c.hello(proto)));
    const std::string null_array = proto == 3 ? "_\r\n" : "*-1\r\n";
    // Subscribing inside a transaction: queued, confirmed inside EXEC's array.
    REQUIRE(a.call({"MULTI"}));
    REQUIRE(a.call({"SUBSCRIBE", "tx"}));
    REQUIRE(a.call({"PUBLISH", "tx", "from-exec"}));
    // Redis writes the message to itself where it is published, inside EXEC's array: the
    // array holds the confirmation and the message, and PUBLISH's :1 follows on its own.
    REQUIRE(a.call({"EXEC"}, 2));
    CHECK(a.last() == integer(1));
    REQUIRE(b.call({"PUBLISH", "tx", "after"}));
    CHECK(b.last() == integer(1));
    REQUIRE(a.await(1));
    REQUIRE(a.call({"SUBSCRIBE"}));
    CHECK(a.last() == "-ERR wrong number of arguments for 'subscribe' command\r\n");
    REQUIRE(a.call({"RESET"}));
    CHECK(a.last() == "+RESET\r\n");
    REQUIRE(b.call({"PUBLISH", "tx", "after-reset"}));
    CHECK(b.last() == integer(0));
    REQUIRE(a.call({"GET", "k"})); // RESET went back to RESP2, out of subscribed mode
    CHECK(a.last() == "$-1\r\n");

    // Watched keys: DEL of a missing key and EXPIRE of a missing key change nothing; RENAME
    // onto and away from a watched key, EXPIRE in the past, and SET of the same value do.
    REQUIRE(a.hello(proto));
    auto attempt = [&](const std::vector<std::string>& watch, const std::vector<std::string>& change) {
        std::vector<std::string> w{"WATCH"};
        w.insert(w.end(), watch.begin(), watch.end());
        REQUIRE(a.call(w));
        REQUIRE(b.call(change));
        REQUIRE(a.call({"MULTI"}));
        REQUIRE(a.call({"PING"}));
        REQUIRE(a.call({"EXEC"}));
        return a.last();
    };
    CHECK(attempt({"gone"}, {"DEL", "gone"}) != null_array);
    CHECK(attempt({"gone"}, {"EXPIRE", "gone", "10"}) != null_array);
    REQUIRE(b.call({"SET", "src", "1"}));
    CHECK(attempt({"dst"}, {"RENAME", "src", "dst"}) == null_array);
    CHECK(attempt({"dst"}, {"RENAME", "dst", "src"}) == null_array);
    CHECK(attempt({"src"}, {"SET", "src", "1"}) == null_array);
    CHECK(attempt({"src"}, {"EXPIRE", "src", "-1"}) == null_array);
    REQUIRE(b.call({"SET", "src", "1"}));
    CHECK(attempt({"src"}, {"PEXPIREAT", "src", "1"}) == null_array);
    REQUIRE(b.call({"HSET", "h", "f", "v"}));
    CHECK(attempt({"h"}, {"HDEL", "h", "nope"}) != null_array);
    CHECK(attempt({"h"}, {"HSET", "h", "f", "w"}) == null_array);
    CHECK(attempt({"h", "x", "y"}, {"FLUSHDB"}) == null_array);
    // A key already expired (by the clock) when WATCHed: its removal, by a flush or by expiry,
    // is no change, whichever comes first (the test waits for the clock, not for a reply).
    REQUIRE(b.call({"SET", "old", "v", "PX", "5"}));
    std::this_thread::sleep_for(30ms);
    CHECK(attempt({"old"}, {"FLUSHALL"}) != null_array);
    REQUIRE(b.call({"SET", "old", "v", "PX", "5"}));
    std::this_thread::sleep_for(30ms);
    CHECK(attempt({"old"}, {"DEL", "old"}) != null_array);
    REQUIRE(b.call({"SET", "old", "v", "PX", "5"}));
    std::this_thread::sleep_for(30ms);
    CHECK(attempt({"old"}, {"SET", "old", "new"}) == null_array); // but a new value is one
    // QUIT inside MULTI is not queued.
    REQUIRE(c.call({"MULTI"}));
    REQUIRE(c.call({"SET", "q", "1"}));
    REQUIRE(c.call({"QUIT"}));
    CHECK(c.last() == "+OK\r\n");
    CHECK(c.await_close());
    REQUIRE(b.call({"EXISTS", "q"}));
    CHECK(b.last() == integer(0));
    // PUBSUB's errors.
    REQUIRE(b.call({"PUBSUB", "NOPE"}));
    REQUIRE(b.call({"PUBSUB", "NUMPAT", "x"}));
    REQUIRE(b.call({"PUBSUB", "CHANNELS", "a", "b"}));
    REQUIRE(b.call({"PUBSUB"}));
    REQUIRE(b.call({"PUBLISH", "x"}));
    REQUIRE(b.call({"PUBSUB", "SHARDNUMSUB", "x"}));
    REQUIRE(b.call({"PUBSUB", "SHARDCHANNELS"}));
    // CLIENT KILL with an empty ADDR or LADDR matches no client (it killed every client).
    REQUIRE(b.call({"CLIENT", "KILL", "ADDR", "", "SKIPME", "no"}));
    CHECK(b.last() == integer(0));
    REQUIRE(b.call({"CLIENT", "KILL", "LADDR", ""}));
    CHECK(b.last() == integer(0));
    // A subscriber killed from elsewhere is gone from the registry.
    raw_connection d(port);
    REQUIRE(d.hello(proto));
    REQUIRE(d.call({"SUBSCRIBE", "killme"}));
    REQUIRE(b.call({"CLIENT", "KILL", "TYPE", "pubsub"}));
    CHECK(b.last() == integer(1));
    CHECK(d.await_close());
    REQUIRE(b.call({"PUBLISH", "killme", "x"}));
    CHECK(b.last() == integer(0));
    for (raw_connection* l : {&a, &b, &c, &d}) l->drain();
    return {{"a", a.bytes()}, {"b", b.bytes()}, {"c", c.bytes()}, {"d", d.bytes()}};
}

/// Empties the server and waits until no subscription of an earlier scenario is left.
void reset_server(int port) {
    raw_connection l(port);
    REQUIRE(l.call({"FLUSHALL"}));
    REQUIRE(eventually(port, {"PUBSUB", "NUMPAT"}, integer(0)));
    REQUIRE(eventually(port, {"PUBSUB", "CHANNELS"}, "*0\r\n"));
}

} // namespace

TEST_CASE("pub/sub and transactions with concurrent connections: respkit-server and redis-server agree byte for byte") {
    const server_process respkit_server = start_respkit_server();
    if (!respkit_server.running()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset or no binary)");
        return;
    }
    const server_process redis = start_redis_server();
    if (!redis.running()) MESSAGE("redis-server not installed: outcomes asserted, bytes not compared with Redis");
    const std::vector<std::pair<const char*, std::function<transcript(int, int)>>> scenarios = {
        {"pubsub", pubsub_scenario}, {"fanout", fanout_scenario}, {"watch", watch_scenario}, {"multi", multi_scenario},
        {"edge", edge_scenario}};
    const auto started = std::chrono::steady_clock::now();
    std::size_t compared = 0;
    for (const auto& entry : scenarios) {
        const std::string name = entry.first;
        const auto& scenario = entry.second;
        for (const int proto : {2, 3}) {
            CAPTURE(name);
            CAPTURE(proto);
            reset_server(respkit_server.port());
            const transcript ours = scenario(respkit_server.port(), proto);
            if (!redis.running()) continue;
            reset_server(redis.port());
            const transcript theirs = scenario(redis.port(), proto);
            compared += check_same_transcripts(ours, theirs);
        }
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE(scenarios.size() << " scenarios x RESP2/RESP3 in " << took.count() << " ms; " << compared
                             << " connections' bytes identical to redis-server's");
}

TEST_CASE("pub/sub with real clients against respkit-server: redis-cli subscribes, redis-py publishes and WATCHes") {
    const server_process server = start_respkit_server();
    if (!server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const std::string port = std::to_string(server.port());
    const std::string cli = find_on_path("redis-cli");
    if (!cli.empty()) {
        SUBCASE("redis-cli SUBSCRIBE and PSUBSCRIBE (argument mode), RESP2 and RESP3, print what is published") {
            for (const bool resp3 : {false, true}) {
                CAPTURE(resp3);
                std::vector<std::string> argv{cli, "-p", port};
                if (resp3) argv.push_back("-3");
                std::vector<std::string> sub_argv = argv, psub_argv = argv;
                sub_argv.insert(sub_argv.end(), {"SUBSCRIBE", "ch1", "ch2"});
                psub_argv.insert(psub_argv.end(), {"PSUBSCRIBE", "news.*"});
                child_process sub(sub_argv), psub(psub_argv);
                REQUIRE(eventually(server.port(), {"PUBSUB", "NUMSUB", "ch1", "ch2"},
                                   "*4\r\n" + bulk("ch1") + integer(1) + bulk("ch2") + integer(1)));
                REQUIRE(eventually(server.port(), {"PUBSUB", "NUMPAT"}, integer(1)));
                raw_connection pub(server.port());
                REQUIRE(pub.call({"PUBLISH", "ch1", "hello"}));
                CHECK(pub.last() == integer(1));
                REQUIRE(pub.call({"PUBLISH", "news.tech", "pattern message"}));
                CHECK(pub.last() == integer(1));
                REQUIRE(pub.call({"PUBLISH", "ch2", ""}));
                // Each redis-cli has printed what it got once the server saw its PING reply:
                // quit them by closing their connections from the server side.
                REQUIRE(pub.call({"CLIENT", "KILL", "TYPE", "pubsub"}));
                CHECK(pub.last() == integer(2));
                const auto sub_out = sub.wait(5s);
                const auto psub_out = psub.wait(5s);
                CHECK(sub_out.out == "subscribe\nch1\n1\nsubscribe\nch2\n2\nmessage\nch1\nhello\nmessage\nch2\n\n");
                CHECK(psub_out.out == "psubscribe\nnews.*\n1\npmessage\nnews.*\nnews.tech\npattern message\n");
                REQUIRE(eventually(server.port(), {"PUBSUB", "NUMPAT"}, integer(0)));
            }
        }
    }
    const std::string& python = redis_py_python;
    if (have_redis_py()) {
        SUBCASE("redis-py (RESP2): PubSub with channels and patterns, a pipeline's WATCH losing to another client") {
            const std::string script = R"PY(
import sys, redis
port = int(sys.argv[1])
r = redis.Redis(port=port)
other = redis.Redis(port=port)
r.flushall()
p = r.pubsub()
p.subscribe('a', 'b')
p.psubscribe('x.*')
confirm = [p.get_message(timeout=2) for _ in range(3)]
assert [m['type'] for m in confirm] == ['subscribe', 'subscribe', 'psubscribe'], confirm
assert [m['data'] for m in confirm] == [1, 2, 3], confirm
assert r.publish('a', b'\x00\xff bytes') == 1
assert r.publish('x.y', '') == 1
assert r.pubsub_numsub('a', 'b', 'c') == [(b'a', 1), (b'b', 1), (b'c', 0)]
assert r.pubsub_numpat() == 1
assert sorted(r.pubsub_channels()) == [b'a', b'b']
m = p.get_message(timeout=2)
assert m == {'type': 'message', 'pattern': None, 'channel': b'a', 'data': b'\x00\xff bytes'}, m
m = p.get_message(timeout=2)
assert m == {'type': 'pmessage', 'pattern': b'x.*', 'channel': b'x.y', 'data': b''}, m
p.unsubscribe('a')
m = p.get_message(timeout=2)
assert m['type'] == 'unsubscribe' and m['channel'] == b'a' and m['data'] == 2, m
p.close()
r.set('w', 1)
with r.pipeline() as pipe:
    pipe.watch('w')
    other.incr('w')
    pipe.multi()
    pipe.incr('w')
    try:
        pipe.execute()
        raise SystemExit('EXEC should have failed')
    except redis.WatchError:
        pass
with r.pipeline() as pipe:
    pipe.watch('w')
    pipe.multi()
    pipe.incr('w')
    pipe.set('x', 'y')
    assert pipe.execute() == [3, True]
try:
    with r.pipeline() as pipe:
        pipe.set('s', 'v')
        pipe.incr('s')
        pipe.get('s')
        pipe.execute()
    raise SystemExit('execute should have raised the INCR error')
except redis.ResponseError as e:
    assert 'not an integer' in str(e), e
assert r.get('s') == b'v'
print('ok')
)PY";
            const auto r = run_program({python, "-c", script, port}, {}, 20s);
            CAPTURE(r.err);
            CHECK(r.exit_code == 0);
            CHECK(r.out == "ok\n");
        }
    }
}

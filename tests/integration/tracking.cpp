// Client-side caching (CLIENT TRACKING) with several real connections at once, against the
// built respkit-server and, in the same scenarios, against Debian's redis-server 7.0.15: every
// connection's received bytes (replies, RESP3 invalidation pushes, RESP2 messages on
// __redis__:invalidate) must be identical on both servers, in RESP2 and RESP3. Client ids
// differ between the servers: each connection's id is written as its name before comparing.
// The scenarios also assert outcomes, so they test something when redis-server is missing.
// Then redis-py (RESP2, redirect mode: Debian's python3-redis 4.3 has no client-side cache).

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_py.hpp"
#include "support/resp_bytes.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// One step of a scenario: `conn` sends `args` ("@name" stands for connection name's id) and
/// waits for `replies` replies (its own invalidations included); each of `others` waits for
/// that many more messages. args {"CLOSE"} closes the connection and waits until the server
/// has seen it go.
struct step {
    std::string conn;
    std::vector<std::string> args;
    std::size_t replies = 1;
    std::vector<std::pair<std::string, std::size_t>> others{};
};

/// Runs `steps` on fresh connections `names` (HELLO `proto` first, except names in `resp2`,
/// which stay RESP2) and returns what each received, ids replaced by names.
transcript run(int port, int proto, const std::vector<std::string>& names, const std::vector<step>& steps,
               const std::vector<std::string>& resp2 = {}) {
    std::map<std::string, std::unique_ptr<raw_connection>> conns;
    std::map<std::string, std::string> ids;
    // Ids above 100, so that no small integer reply (DEL's count) is taken for an id.
    for (int i = 0; i < 100; ++i) {
        raw_connection burn(port);
        REQUIRE(burn.call({"PING"}));
    }
    for (const std::string& name : names) {
        auto c = std::make_unique<raw_connection>(port);
        REQUIRE(c->connected());
        const bool stays2 = std::find(resp2.begin(), resp2.end(), name) != resp2.end();
        REQUIRE(c->hello(stays2 ? 2 : proto));
        conns.emplace(name, std::move(c));
    }
    {
        // Each connection's id from CLIENT LIST on a connection of its own (not compared).
        raw_connection probe(port);
        for (const std::string& name : names) {
            REQUIRE(conns.at(name)->call({"CLIENT", "SETNAME", name}));
        }
        REQUIRE(probe.call({"CLIENT", "LIST"}));
        const std::string list = probe.last();
        for (const std::string& name : names) {
            const auto at = list.find(" name=" + name + " ");
            REQUIRE(at != std::string::npos);
            const auto line = list.rfind("id=", at);
            ids[name] = list.substr(line + 3, list.find(' ', line) - line - 3);
        }
    }
    for (const step& s : steps) {
        CAPTURE(s.conn);
        CAPTURE(s.args.size() > 1 ? s.args[0] + " " + s.args[1] : s.args[0]);
        raw_connection& c = *conns.at(s.conn);
        if (s.args == std::vector<std::string>{"CLOSE"}) {
            c.close();
            raw_connection probe(port);
            bool gone = false;
            for (int i = 0; i < 1000 && !gone; ++i) {
                REQUIRE(probe.call({"CLIENT", "LIST"}));
                gone = probe.last().find(" name=" + s.conn + " ") == std::string::npos;
                if (!gone) std::this_thread::sleep_for(2ms); // a poll's pause, not a synchronisation
            }
            REQUIRE(gone);
            continue;
        }
        std::vector<std::string> args = s.args;
        for (std::string& a : args) {
            if (a.size() > 1 && a[0] == '@') a = ids.at(a.substr(1));
        }
        REQUIRE(c.call(args, s.replies));
        for (const auto& [other, n] : s.others) REQUIRE(conns.at(other)->await(n));
    }
    transcript out;
    for (auto& [name, c] : conns) {
        c->drain();
        // Integer replies start a line ("user:2" inside a bulk string does not).
        std::string bytes = "\n" + c->bytes();
        for (const auto& [who, id] : ids) {
            const std::string from = "\n:" + id + "\r\n", to = "\n:<" + who + ">\r\n";
            for (auto at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + to.size()))
                bytes.replace(at, from.size(), to);
        }
        out[name] = bytes.substr(1);
    }
    return out;
}

/// Default mode: keys read are invalidated when another client (or the reader) writes them,
/// in a transaction too, once per read; a flush sends null; OPTIN/OPTOUT with CLIENT CACHING;
/// NOLOOP; TRACKINGINFO; every error of CLIENT TRACKING and CLIENT CACHING. In RESP2 the
/// tracking connection redirects to a subscribed one (a RESP2 connection without a redirect
/// gets nothing).
transcript default_scenario(int port, int proto) {
    const bool r3 = proto == 3;
    // In RESP3 "t" gets the pushes itself; in RESP2 "r" (subscribed) gets them as messages.
    const std::string to = r3 ? "t" : "r";
    std::vector<std::string> on = {"CLIENT", "TRACKING", "on"};
    if (!r3) on.insert(on.end(), {"REDIRECT", "@r"});
    const auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> v = on;
        v.insert(v.end(), more.begin(), more.end());
        return v;
    };
    // In RESP3 an invalidation for "t" arrives on "t" (counted with t's replies when t's own
    // command caused it); in RESP2 on "r".
    const auto own = [&](std::size_t n) { return r3 ? n + 1 : n; };
    const auto other = [&](std::size_t n) { return std::vector<std::pair<std::string, std::size_t>>{{to, n}}; };
    const std::vector<std::pair<std::string, std::size_t>> none{};
    const auto self_other = [&](std::size_t n) { return r3 ? none : other(n); };
    std::vector<step> steps = {
        {"r", {"SUBSCRIBE", "__redis__:invalidate"}},
        {"t", on},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"CLIENT", "GETREDIR"}},
        {"t", {"GET", "k1"}},
        {"t", {"MGET", "k2", "k3"}},
        {"t", {"GET", "k1"}},
        {"a", {"SET", "k1", "v"}, 1, other(1)},
        {"a", {"SET", "k1", "v2"}}, // no longer tracked
        {"a", {"MSET", "k2", "a", "k3", "b"}, 1, other(2)},
        {"a", {"DEL", "k2", "k3"}}, // no longer tracked
        {"t", {"HGET", "h", "f"}},
        {"a", {"HSET", "h", "f", "1"}, 1, other(1)},
        {"t", {"SET", "k4", "x"}},
        {"t", {"GET", "k4"}},
        {"t", {"SET", "k4", "y"}, own(1), self_other(1)}, // its own write: after the reply
        {"t", {"GET", "k4"}},
        {"t", {"MULTI"}},
        {"t", {"SET", "k4", "z"}},
        {"t", {"GET", "k4"}},
        {"t", {"EXEC"}, own(1), self_other(1)}, // after EXEC's whole reply
        {"t", {"GET", "k5"}},
        {"a", {"FLUSHDB"}, 1, other(1)},
        {"t", {"GET", "k6"}},
        {"t", {"FLUSHALL"}, own(1), self_other(1)}, // one null, whatever the databases
        {"t", {"CLIENT", "TRACKING", "off"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"CLIENT", "GETREDIR"}},
        {"t", {"GET", "k7"}},
        {"a", {"SET", "k7", "1"}},
        // Errors, in Redis's order of checks.
        {"t", {"CLIENT", "TRACKING", "on", "PREFIX", "a"}},
        {"t", {"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}},
        {"t", {"CLIENT", "TRACKING", "on", "BCAST", "OPTIN"}},
        {"t", {"CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"}},
        {"t", {"CLIENT", "TRACKING", "on", "REDIRECT", "999999"}},
        {"t", {"CLIENT", "TRACKING", "on", "REDIRECT", "x"}},
        {"t", {"CLIENT", "TRACKING", "on", "REDIRECT", "@a", "REDIRECT", "@a"}},
        {"t", {"CLIENT", "TRACKING", "on", "FOO"}},
        {"t", {"CLIENT", "TRACKING", "maybe"}},
        {"t", {"CLIENT", "TRACKING", "maybe", "FOO"}},
        {"t", {"CLIENT", "TRACKING", "off", "REDIRECT", "999999"}},
        {"t", {"CLIENT", "TRACKING", "on", "PREFIX"}},
        {"t", {"CLIENT", "TRACKING"}},
        {"t", {"CLIENT", "CACHING", "yes"}},
        {"t", {"CLIENT", "CACHING"}},
        {"t", {"CLIENT", "TRACKINGINFO", "x"}},
        {"t", {"CLIENT", "GETREDIR", "x"}},
        // OPTIN: only after CLIENT CACHING YES, for the next command or transaction.
        {"t", with({"OPTIN"})},
        {"t", {"CLIENT", "CACHING", "no"}},
        {"t", {"CLIENT", "CACHING", "maybe"}},
        {"t", with({"OPTOUT"})},
        {"t", {"GET", "p1"}},
        {"t", {"CLIENT", "CACHING", "yes"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"MULTI"}},
        {"t", {"GET", "p2"}},
        {"t", {"GET", "p3"}},
        {"t", {"EXEC"}},
        {"t", {"GET", "p4"}},
        {"t", {"CLIENT", "CACHING", "yes"}},
        {"t", {"PING"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"NOSUCHCOMMAND"}},
        {"a", {"MSET", "p1", "1", "p2", "2", "p3", "3", "p4", "4"}, 1, other(2)},
        {"t", {"CLIENT", "TRACKING", "off"}},
        // OPTOUT: every read but those after CLIENT CACHING NO.
        {"t", with({"OPTOUT"})},
        {"t", {"CLIENT", "CACHING", "yes"}},
        {"t", {"GET", "o1"}},
        {"t", {"CLIENT", "CACHING", "no"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"GET", "o2"}},
        {"a", {"MSET", "o1", "1", "o2", "2"}, 1, other(1)},
        {"t", with({"OPTIN"})},
        {"t", {"CLIENT", "TRACKING", "off"}},
        // NOLOOP: its own writes invalidate nothing for it.
        {"t", with({"NOLOOP"})},
        {"t", {"GET", "n1"}},
        {"t", {"SET", "n1", "1"}},
        {"t", {"GET", "n1"}},
        {"a", {"SET", "n1", "2"}, 1, other(1)},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        // RESET turns tracking off.
        {"t", {"GET", "z1"}},
        {"t", {"RESET"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"a", {"SET", "z1", "1"}},
        {"r", {"PING"}},
        {"t", {"PING"}},
    };
    // After RESET "t" is RESP2 again: nothing else may arrive. (Replies compared, so the
    // outcomes are asserted by the comparison; the key ones also here.)
    transcript got = run(port, proto, {"t", "a", "r"}, steps);
    CHECK(got.at("t").find("-ERR PREFIX option requires BCAST mode to be enabled\r\n") != std::string::npos);
    CHECK(got.at("t").find("-ERR The client ID you want redirect to does not exist\r\n") != std::string::npos);
    const std::string key_push = r3 ? ">2\r\n" + bulk("invalidate") + "*1\r\n" + bulk("k1")
                                    : "*3\r\n" + bulk("message") + bulk("__redis__:invalidate") + "*1\r\n" + bulk("k1");
    CHECK(got.at(to).find(key_push) != std::string::npos);
    return got;
}

/// BCAST with prefixes and NOLOOP, its errors (prefix overlaps, mode switches), TRACKINGINFO
/// and INFO's counters; the redirect client going away (tracking-redir-broken in RESP3, the R
/// flag); tracking-table-max-keys.
transcript bcast_scenario(int port, int proto) {
    const bool r3 = proto == 3;
    const auto on = [&](std::vector<std::string> more) {
        std::vector<std::string> v = {"CLIENT", "TRACKING", "on"};
        if (!r3) v.insert(v.end(), {"REDIRECT", "@r"});
        v.insert(v.end(), more.begin(), more.end());
        return v;
    };
    const std::string to = r3 ? "b" : "r";
    const auto other = [&](std::size_t n) { return std::vector<std::pair<std::string, std::size_t>>{{to, n}}; };
    const auto pushes = [&](std::size_t n) { return std::vector<std::pair<std::string, std::size_t>>{{to, n}}; };
    std::vector<step> steps = {
        {"r", {"SUBSCRIBE", "__redis__:invalidate"}},
        {"b", on({"BCAST", "PREFIX", "ab", "PREFIX", "a"})},
        {"b", on({"BCAST", "PREFIX", "a", "PREFIX", "a"})},
        {"b", on({"BCAST", "PREFIX", "user:", "PREFIX", "obj:"})},
        {"b", {"CLIENT", "TRACKINGINFO"}},
        {"b", on({"BCAST", "PREFIX", "user:1"})},
        {"b", on({"BCAST", "PREFIX", "u"})},
        {"b", on({})},
        {"b", on({"BCAST", "OPTIN"})},
        {"b", on({"BCAST", "PREFIX", "cfg"})},
        {"b", {"CLIENT", "TRACKINGINFO"}},
        {"a", {"SET", "user:1", "x"}, 1, other(1)},
        {"a", {"MSET", "user:2", "1", "obj:1", "2", "zzz", "3", "cfg", "4"}, 1, other(3)},
        {"a", {"SET", "other", "x"}},
        {"b", {"SET", "obj:2", "x"}, r3 ? 2u : 1u, r3 ? std::vector<std::pair<std::string, std::size_t>>{} : pushes(1)},
        {"b", {"CLIENT", "TRACKING", "off"}},
        {"b", on({"BCAST", "NOLOOP"})},
        {"b", {"SET", "anything", "x"}}, // its own write: not sent
        {"a", {"SET", "anything", "y"}, 1, other(1)},
        {"b", {"CLIENT", "TRACKINGINFO"}},
        {"b", {"CLIENT", "TRACKING", "off"}},
        {"b", {"CLIENT", "TRACKINGINFO"}},
        {"a", {"FLUSHALL"}},
        {"b", {"PING"}},
        {"r", {"PING"}},
    };
    return run(port, proto, {"b", "a", "r"}, steps);
}

/// The redirect client closes: the next invalidation marks the redirect broken (R flag,
/// "broken_redirect") and, in RESP3, tells the tracking client with a tracking-redir-broken
/// push.
transcript redirect_scenario(int port, int proto) {
    const bool r3 = proto == 3;
    std::vector<step> steps = {
        {"r", {"SUBSCRIBE", "x"}},
        {"t", {"CLIENT", "TRACKING", "on", "REDIRECT", "@r"}},
        {"t", {"GET", "k"}},
        {"a", {"SET", "k", "1"}, 1, {{"r", 1u}}}, // a push in RESP3, a message in RESP2 (subscribed)
        {"t", {"GET", "k"}},
        {"r", {"CLOSE"}},
        {"a", {"SET", "k", "2"}, 1, {{"t", r3 ? 1u : 0u}}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"CLIENT", "GETREDIR"}},
        {"t", {"CLIENT", "TRACKING", "on", "REDIRECT", "@a"}},
        {"t", {"CLIENT", "TRACKINGINFO"}},
        {"t", {"CLIENT", "TRACKING", "off"}},
        {"t", {"CLIENT", "TRACKING", "on"}},
        {"t", {"GET", "k"}},
        {"a", {"FLUSHALL"}, 1, {{"t", r3 ? 1u : 0u}}},
    };
    transcript got = run(port, proto, {"t", "a", "r"}, steps);
    if (r3) {
        CHECK(got.at("t").find(">2\r\n" + bulk("tracking-redir-broken") + ":<r>\r\n") != std::string::npos);
        CHECK(got.at("t").find(bulk("broken_redirect")) != std::string::npos);
    }
    return got;
}

/// CLIENT LIST's t, R and B flags and redir= field, read from a connection of its own.
std::string client_list_fields(int port, int proto) {
    raw_connection r(port), t(port), b(port), probe(port);
    REQUIRE((r.connected() && t.connected() && b.connected() && probe.connected()));
    REQUIRE(t.hello(proto));
    REQUIRE(r.call({"CLIENT", "SETNAME", "r"}));
    REQUIRE(t.call({"CLIENT", "SETNAME", "t"}));
    REQUIRE(b.call({"CLIENT", "SETNAME", "b"}));
    REQUIRE(probe.call({"CLIENT", "LIST"}));
    std::string list = probe.last();
    const auto id_of = [&](const std::string& name) {
        const auto at = list.find(" name=" + name + " ");
        const auto line = list.rfind("id=", at);
        return list.substr(line + 3, list.find(' ', line) - line - 3);
    };
    const std::string rid = id_of("r");
    REQUIRE(t.call({"CLIENT", "TRACKING", "on", "REDIRECT", rid}));
    REQUIRE(b.call({"CLIENT", "TRACKING", "on", "BCAST"}));
    REQUIRE(t.call({"GET", "k"}));
    r.close();
    // Until the server has seen r go, SET k would still reach r.
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(probe.call({"CLIENT", "LIST"}));
        if (probe.last().find(" name=r ") == std::string::npos) break;
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(probe.call({"SET", "k", "1"}));
    if (proto == 3) REQUIRE(t.await(1));
    REQUIRE(probe.call({"CLIENT", "LIST"}));
    list = probe.last();
    std::string fields;
    for (const std::string name : {"t", "b"}) {
        const auto at = list.find(" name=" + name + " ");
        const auto line = list.rfind("id=", at);
        const std::string text = list.substr(line, list.find('\n', line) - line);
        const auto flags = text.find(" flags=");
        const auto redir = text.find(" redir=");
        fields += name + ":" + text.substr(flags + 1, text.find(' ', flags + 1) - flags - 1) + " " +
                  (text.substr(redir + 1, text.find(' ', redir + 1) - redir - 1) == "redir=" + rid
                       ? std::string("redir=<r>")
                       : text.substr(redir + 1, text.find(' ', redir + 1) - redir - 1)) +
                  "\n";
    }
    return fields;
}

} // namespace

TEST_CASE("client-side caching with concurrent connections: respkit-server and redis-server agree byte for byte") {
    const std::vector<std::pair<const char*, std::function<transcript(int, int)>>> scenarios = {
        {"default", default_scenario}, {"bcast", bcast_scenario}, {"redirect", redirect_scenario}};
    const auto started = std::chrono::steady_clock::now();
    std::size_t compared = 0, runs = 0;
    for (const auto& entry : scenarios) {
        const std::string name = entry.first; // not a structured binding: clang 14 cannot capture one
        const auto& scenario = entry.second;
        for (const int proto : {2, 3}) {
            CAPTURE(name);
            CAPTURE(proto);
            // Fresh servers: the tracking table and client ids start empty on both.
            const server_process respkit_server = start_respkit_server();
            if (!respkit_server.running()) {
                MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset or no binary)");
                return;
            }
            const transcript ours = scenario(respkit_server.port(), proto);
            ++runs;
            const server_process redis = start_redis_server();
            if (!redis.running()) continue;
            const transcript theirs = scenario(redis.port(), proto);
            compared += check_same_transcripts(ours, theirs);
        }
    }
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        const server_process respkit_server = start_respkit_server();
        REQUIRE(respkit_server.running());
        const std::string ours = client_list_fields(respkit_server.port(), proto);
        CHECK(ours == "t:flags=tR redir=<r>\nb:flags=tB redir=0\n");
        const server_process redis = start_redis_server();
        if (redis.running()) CHECK(ours == client_list_fields(redis.port(), proto));
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE(runs << " scenario runs (RESP2/RESP3) in " << took.count() << " ms; " << compared
                 << " connections' bytes identical to redis-server's");
}

namespace {

/// tracking-table-max-keys: before the next command, tracked keys are invalidated until the
/// table fits (which ones is Redis's random walk: only how many is compared). Returns the
/// invalidated keys' count and INFO's tracking_total_keys line.
std::string max_keys_outcome(int port) {
    raw_connection t(port), a(port), b(port);
    REQUIRE(t.hello(3));
    REQUIRE(t.call({"CLIENT", "TRACKING", "on"}));
    REQUIRE(b.call({"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "y"}));
    REQUIRE(a.call({"CONFIG", "SET", "tracking-table-max-keys", "2"}));
    REQUIRE(t.call({"MGET", "m1", "m2", "m3", "m4", "m5"}));
    REQUIRE(t.call({"PING"}, 4)); // three invalidations first, then PONG
    CHECK(t.last() == "+PONG\r\n");
    std::string outcome = std::to_string(std::count(t.bytes().begin(), t.bytes().end(), '>')) + " pushes\n";
    REQUIRE(a.call({"INFO", "all"}));
    for (const std::string field : {"tracking_clients:", "tracking_total_keys:", "tracking_total_items:",
                                    "tracking_total_prefixes:"}) {
        const auto at = a.last().find(field);
        REQUIRE(at != std::string::npos);
        outcome += a.last().substr(at, a.last().find('\r', at) - at) + "\n";
    }
    REQUIRE(a.call({"CONFIG", "SET", "tracking-table-max-keys", "0"}));
    REQUIRE(t.call({"MGET", "n1", "n2", "n3", "n4"}));
    REQUIRE(t.call({"PING"}));
    CHECK(t.last() == "+PONG\r\n"); // no limit
    return outcome;
}

} // namespace

TEST_CASE("client-side caching: tracking-table-max-keys, as redis-server") {
    const server_process respkit_server = start_respkit_server();
    if (!respkit_server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const std::string ours = max_keys_outcome(respkit_server.port());
    CHECK(ours == "3 pushes\ntracking_clients:2\ntracking_total_keys:2\ntracking_total_items:2\ntracking_total_prefixes:2\n");
    const server_process redis = start_redis_server();
    if (redis.running()) CHECK(ours == max_keys_outcome(redis.port()));
}

TEST_CASE("client-side caching: expiry invalidates a tracked key") {
    const server_process server = start_respkit_server();
    if (!server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    raw_connection t(server.port()), a(server.port());
    REQUIRE(t.hello(3));
    REQUIRE(t.call({"CLIENT", "TRACKING", "on"}));
    REQUIRE(a.call({"SET", "e", "1", "PX", "20"}));
    REQUIRE(t.call({"GET", "e"}));
    // Removed by active expiry or by the next access: either way an invalidation comes.
    std::this_thread::sleep_for(50ms);
    REQUIRE(a.call({"EXISTS", "e"}));
    REQUIRE(t.await(1));
    CHECK(t.last() == ">2\r\n" + bulk("invalidate") + "*1\r\n" + bulk("e"));
}

namespace {

/// What a RESP3 client that tracks (turned on before notify-keyspace-events, the order in which
/// respkit once attached its two keyspace observers the other way round) and subscribes to
/// expired events receives when its key expires.
std::string expiry_order(int port) {
    raw_connection t(port), a(port);
    REQUIRE(t.hello(3));
    REQUIRE(t.call({"CLIENT", "TRACKING", "on"}));
    REQUIRE(a.call({"CONFIG", "SET", "notify-keyspace-events", "Ex"}));
    REQUIRE(t.call({"SUBSCRIBE", "__keyevent@0__:expired"}));
    REQUIRE(a.call({"SET", "e", "1", "PX", "20"}));
    REQUIRE(t.call({"GET", "e"}));
    std::this_thread::sleep_for(50ms);
    REQUIRE(a.call({"EXISTS", "e"})); // active expiry or this access removes it
    REQUIRE(t.await(2));
    return t.bytes();
}

} // namespace

TEST_CASE("client-side caching: an expired key is notified before it is invalidated, as redis-server") {
    const server_process server = start_respkit_server();
    if (!server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const std::string ours = expiry_order(server.port());
    const std::string pushes = ">3\r\n" + bulk("message") + bulk("__keyevent@0__:expired") + bulk("e") + ">2\r\n" +
                               bulk("invalidate") + "*1\r\n" + bulk("e");
    CHECK(ours.ends_with(pushes));
    const server_process redis = start_redis_server();
    if (redis.running()) CHECK(printable(ours) == printable(expiry_order(redis.port())));
}

TEST_CASE("client-side caching with redis-py (RESP2, redirect to a __redis__:invalidate subscriber)") {
    const server_process server = start_respkit_server();
    if (!server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const std::string& python = redis_py_python;
    if (!have_redis_py()) {
        MESSAGE("skipped: redis-py not installed");
        return;
    }
    const std::string script = R"PY(
import sys, redis
port = int(sys.argv[1])
listener = redis.Redis(port=port, client_name='listener')
p = listener.pubsub()
p.subscribe('__redis__:invalidate')
assert p.get_message(timeout=2)['type'] == 'subscribe'
r = redis.Redis(port=port, single_connection_client=True)
other = redis.Redis(port=port)
ids = [c['id'] for c in r.client_list() if c['name'] == 'listener']
assert len(ids) == 1, r.client_list()
rid = int(ids[0])
assert r.client_tracking_on(clientid=rid) == b'OK'
assert r.client_getredir() == rid
info = r.client_trackinginfo()
assert info == ['flags', [b'on'], 'redirect', rid, 'prefixes', []], info
other.set('cached', 'v1')
assert r.get('cached') == b'v1'
other.set('cached', 'v2')
m = p.get_message(timeout=2)
assert m == {'type': 'message', 'pattern': None, 'channel': b'__redis__:invalidate', 'data': [b'cached']}, m
assert r.client_tracking_off() == b'OK'
assert r.client_tracking_on(clientid=rid, bcast=True, prefix=['user:']) == b'OK'
other.set('user:1', 'x')
m = p.get_message(timeout=2)
assert m['data'] == [b'user:1'], m
other.flushall()
m = p.get_message(timeout=2)
assert m['data'] is None, m
print('ok')
)PY";
    const run_output out = run_program({python, "-c", script, std::to_string(server.port())}, {}, 20s);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(out.out == "ok\n");
}

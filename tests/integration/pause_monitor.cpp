// CLIENT PAUSE and MONITOR over several real connections to the built respkit-server and, in the
// same scenarios, to Debian's redis-server 7.0.15: each connection's received bytes must be
// identical on both servers (RESP2 and RESP3), MONITOR's lines with their timestamp and client
// address masked; each scenario also asserts its outcome (held, then resumed in order; what
// WRITE serves; the pause's end), so it tests something when redis-server is missing.
// The replies of one connection (errors, DEBUG): tests/diff/pause_monitor_debug.redis.

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/resp_bytes.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// MONITOR's lines with the timestamp and the client's address masked (a script's `lua` stays):
/// `+T [0 ADDR] "SET" "k" "v"`; the lines of until_blocked's probes (as many as it polled) left out.
std::string masked_feed(const std::string& bytes) {
    static const std::regex stamp(R"(\+[0-9]+\.[0-9]{6} \[([0-9]+) 127\.0\.0\.1:[0-9]+\])");
    static const std::regex script(R"(\+[0-9]+\.[0-9]{6} \[([0-9]+) lua\])");
    static const std::regex probe(R"(\+T \[0 ADDR\] "INFO" "clients"\r\n)");
    const std::string masked = std::regex_replace(std::regex_replace(bytes, stamp, "+T [$1 ADDR]"), script, "+T [$1 lua]");
    return std::regex_replace(masked, probe, "");
}

/// How many times `text` occurs in `bytes`.
std::size_t occurrences(const std::string& bytes, std::string_view text) {
    std::size_t n = 0;
    for (std::size_t at = bytes.find(text); at != std::string::npos; at = bytes.find(text, at + text.size())) ++n;
    return n;
}

/// Waits (bounded) until `c` received `text` `times` times. (A monitor's replies and feed lines
/// interleave: waiting for text, not for a number of replies, keeps each step in order.)
bool until_received(raw_connection& c, std::string_view text, std::size_t times = 1) {
    const auto deadline = std::chrono::steady_clock::now() + reply_wait;
    while (occurrences(c.bytes(), text) < times) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        (void)c.await(1, 50ms);
    }
    return true;
}

/// True when the server has EVAL (respkit-server is built with Lua 5.1 where it is installed).
bool has_eval(int port) {
    raw_connection probe(port);
    return probe.call({"COMMAND", "INFO", "eval"}) && probe.last() != "*1\r\n$-1\r\n";
}

transcript collect(const std::vector<std::unique_ptr<raw_connection>>& conns, std::size_t monitor) {
    transcript out;
    for (std::size_t i = 0; i < conns.size(); ++i) {
        conns[i]->drain();
        out["c" + std::to_string(i)] = i == monitor ? masked_feed(conns[i]->bytes()) : conns[i]->bytes();
    }
    return out;
}

/// CLIENT PAUSE WRITE: writes (SET, PUBLISH: may_replicate, EVAL of a script that may write,
/// FCALL of a function that may write, a write queued in MULTI) are held in the order they came,
/// reads, EXEC of reads and a no-writes script and function served; a shorter second pause does not shorten it; CLIENT UNPAUSE (itself
/// served) runs the held commands in order, which the monitor (never paused) shows.
transcript write_scenario(int port, int proto, bool eval) {
    auto c = open_connections(port, proto, eval ? 6 : 5);
    raw_connection& admin = *c[0];
    raw_connection& monitor = *c[4];
    if (eval) { // a library of a no-writes function and one that writes (no flags)
        REQUIRE(admin.call({"FUNCTION", "LOAD", "REPLACE",
                            "#!lua name=pm\n"
                            "redis.register_function{function_name='peek', callback=function(keys) "
                            "return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"
                            "redis.register_function('poke', function(keys) return redis.call('set', keys[1], 'f') end)"}));
        CHECK(admin.last() == bulk("pm"));
    }
    REQUIRE(monitor.call({"MONITOR"}));
    CHECK(monitor.last() == "+OK\r\n");
    REQUIRE(admin.call({"CLIENT", "PAUSE", "100000", "WRITE"}));
    CHECK(admin.last() == "+OK\r\n");
    REQUIRE(admin.call({"CLIENT", "PAUSE", "10", "WRITE"})); // never shortens it
    c[1]->send(encode({"SET", "k", "v"}) + encode({"GET", "k"})); // GET waits behind the SET
    REQUIRE(until_blocked(port, 1));
    REQUIRE(c[2]->call({"GET", "k"}));
    CHECK(c[2]->last() == (proto == 2 ? "$-1\r\n" : "_\r\n"));
    REQUIRE(c[3]->call({"MULTI"}));
    REQUIRE(c[3]->call({"GET", "k"}));
    REQUIRE(c[3]->call({"EXEC"})); // only reads queued: served
    CHECK(c[3]->last() == (proto == 2 ? "*1\r\n$-1\r\n" : "*1\r\n_\r\n"));
    if (eval) {
        REQUIRE(c[2]->call({"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "k"}));
        CHECK(c[2]->last() == (proto == 2 ? "$-1\r\n" : "_\r\n"));
        REQUIRE(c[2]->call({"FCALL", "peek", "1", "k"}));
        CHECK(c[2]->last() == (proto == 2 ? "$-1\r\n" : "_\r\n"));
    }
    c[2]->send(encode({"PUBLISH", "ch", "m"}));
    REQUIRE(until_blocked(port, 2));
    std::this_thread::sleep_for(30ms); // past the second pause's 10 ms: still held
    c[1]->drain();
    c[2]->drain();
    CHECK(c[1]->replies() == 0);
    CHECK(c[2]->replies() == (eval ? 3u : 1u));
    REQUIRE(c[3]->call({"MULTI"}));
    c[3]->send(encode({"SET", "k2", "x"})); // held before it is queued
    REQUIRE(until_blocked(port, 3));
    if (eval) {
        c[0]->send(encode({"EVAL", "return redis.call('set', KEYS[1], 'e')", "1", "e"}));
        REQUIRE(until_blocked(port, 4));
        c[5]->send(encode({"FCALL", "poke", "1", "f"}));
        REQUIRE(until_blocked(port, 5));
    }
    REQUIRE(monitor.call({"PING"})); // a monitor is never paused: its reply, then its own line
    REQUIRE(until_received(monitor, "\"PING\"\r\n"));
    REQUIRE(c[3]->call({"PFCOUNT", "h"}, 0)); // may_replicate; waits behind the held SET anyway
    raw_connection unpause(port);
    REQUIRE(unpause.call({"CLIENT", "UNPAUSE"}));
    CHECK(unpause.last() == "+OK\r\n");
    REQUIRE(c[1]->await(2));
    CHECK(c[1]->bytes() == "+OK\r\n" + bulk("v"));
    REQUIRE(c[2]->await(1));
    CHECK(c[2]->last() == integer(0));
    REQUIRE(c[3]->await(2));
    REQUIRE(c[3]->call({"EXEC"}));
    CHECK(c[3]->last() == "*2\r\n+OK\r\n" + integer(0));
    if (eval) {
        REQUIRE(admin.await(1));
        CHECK(admin.last() == "+OK\r\n");
        REQUIRE(c[5]->await(1));
        CHECK(c[5]->last() == "+OK\r\n");
    }
    CHECK(until_blocked(port, 0));
    REQUIRE(until_received(monitor, "\"EXEC\"\r\n", 2)); // the second transaction's, the last command
    const std::string feed = masked_feed(monitor.bytes());
    // Resumed in the order they were held.
    const std::size_t set = feed.find("\"SET\" \"k\" \"v\"");
    const std::size_t publish = feed.find("\"PUBLISH\"");
    const std::size_t set2 = feed.find("\"SET\" \"k2\" \"x\"");
    CHECK(set < publish);
    CHECK(publish < set2);
    CHECK(feed.find("\"CLIENT\"") == std::string::npos); // CLIENT PAUSE / UNPAUSE: admin, not shown
    return collect(c, 4);
}

/// CLIENT PAUSE ALL holds every client command, CLIENT UNPAUSE included (and INFO: until_blocked
/// cannot look), until its timeout; the held commands then run in the order they came, each
/// client's pipelined input before the next client's command.
transcript all_scenario(int port, int proto) {
    auto c = open_connections(port, proto, 3);
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(c[0]->call({"CLIENT", "PAUSE", "300", "ALL"}));
    // The gaps order the arrivals (nothing can confirm one while every command is held).
    c[1]->send(encode({"PING"}) + encode({"SET", "a", "1"}));
    std::this_thread::sleep_for(20ms);
    c[2]->send(encode({"GET", "a"}));
    std::this_thread::sleep_for(20ms);
    c[0]->send(encode({"CLIENT", "UNPAUSE"}));
    std::this_thread::sleep_for(50ms);
    for (auto& conn : c) {
        conn->drain();
        CHECK(conn->replies() == (conn.get() == c[0].get() ? 1u : 0u));
    }
    for (auto& conn : c) REQUIRE(conn->await(conn.get() == c[1].get() ? 2 : 1));
    CHECK(std::chrono::steady_clock::now() - started >= 290ms);
    CHECK(c[1]->bytes() == "+PONG\r\n+OK\r\n");
    CHECK(c[2]->last() == bulk("1"));
    CHECK(c[0]->last() == "+OK\r\n");
    return collect(c, 99);
}

/// MONITOR's feed: quoting, redacted passwords, MULTI/EXEC (the queued commands at EXEC time),
/// EXECABORT, a script's commands after it, SELECT's db, admin commands left out, a blocked
/// command shown once; what a monitoring client may still do, and RESET ending it.
transcript monitor_scenario(int port, int proto, bool eval) {
    auto c = open_connections(port, proto, 3);
    raw_connection& monitor = *c[0];
    raw_connection& client = *c[1];
    REQUIRE(monitor.call({"MONITOR"}));
    const std::vector<std::vector<std::string>> commands = {
        {"SET", "a b", std::string("x\ny\x01\"\\\t\xff")},
        {"GET", "a b"},
        {"AUTH", "secret"},
        {"AUTH", "user", "secret"},
        {"HELLO", std::to_string(proto), "AUTH", "nouser", "secret"},
        {"MULTI"}, {"SET", "k", "1"}, {"INCR", "k"}, {"EXEC"},
        {"MULTI"}, {"NOSUCH"}, {"EXEC"},
        {"SELECT", "2"}, {"PING"}, {"SELECT", "0"},
        {"CONFIG", "GET", "maxmemory"},
        {"CLIENT", "GETNAME"},
        {"OBJECT", "ENCODING", "k"},
    };
    for (const auto& command : commands) REQUIRE(client.call(command));
    if (eval) {
        REQUIRE(client.call({"EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])", "1", "e", "v"}));
        REQUIRE(client.call({"EVAL", "return redis.call('nosuch')", "0"}));
    }
    // A blocked command is shown when it blocks, not again when it is served.
    c[2]->send(encode({"BLPOP", "q", "0"}));
    REQUIRE(until_blocked(port, 1));
    REQUIRE(client.call({"RPUSH", "q", "1"}));
    REQUIRE(c[2]->await(1));
    REQUIRE(client.call({"ECHO", "end"}));
    REQUIRE(until_received(monitor, "\"ECHO\" \"end\"\r\n"));
    const std::string feed = masked_feed(monitor.bytes());
    CHECK(feed.find("+T [0 ADDR] \"SET\" \"a b\" \"x\\ny\\x01\\\"\\\\\\t\\xff\"\r\n") != std::string::npos);
    CHECK(feed.find("\"AUTH\" \"(redacted)\"\r\n") != std::string::npos);
    CHECK(feed.find("\"AUTH\" \"(redacted)\" \"(redacted)\"\r\n") != std::string::npos);
    CHECK(feed.find("\"HELLO\" \"" + std::to_string(proto) + "\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n") != std::string::npos);
    CHECK(feed.find("\"MULTI\"\r\n+T [0 ADDR] \"SET\" \"k\" \"1\"\r\n+T [0 ADDR] \"INCR\" \"k\"\r\n+T [0 ADDR] \"EXEC\"") !=
          std::string::npos);
    CHECK(feed.find("\"MULTI\"\r\n+T [0 ADDR] \"EXEC\"\r\n") != std::string::npos); // EXECABORT
    CHECK(feed.find("+T [2 ADDR] \"SELECT\" \"2\"\r\n+T [2 ADDR] \"PING\"\r\n+T [0 ADDR] \"SELECT\" \"0\"") !=
          std::string::npos);
    CHECK(feed.find("\"CONFIG\"") == std::string::npos); // admin
    CHECK(feed.find("\"NOSUCH\"") == std::string::npos);  // rejected before running
    if (eval) CHECK(feed.find("\"EVAL\" \"redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])\" \"1\" \"e\" "
                              "\"v\"\r\n+T [0 lua] \"set\" \"e\" \"v\"\r\n+T [0 lua] \"get\" \"e\"\r\n") != std::string::npos);
    const std::size_t blpop = feed.find("\"BLPOP\"");
    CHECK(blpop != std::string::npos);
    CHECK(feed.find("\"BLPOP\"", blpop + 1) == std::string::npos);

    // The monitoring client: no keyspace access (a replica to Redis), other commands answered
    // (its own line follows), a second MONITOR answered with nothing, RESET ends the feed.
    const std::size_t mark = monitor.bytes().size();
    monitor.send(encode({"GET", "k"}));
    REQUIRE(until_received(monitor, "-ERR Replica can't interact with the keyspace\r\n"));
    monitor.send(encode({"ECHO", "x"}));
    REQUIRE(until_received(monitor, "\"ECHO\" \"x\"\r\n"));
    monitor.send(encode({"MONITOR"}) + encode({"RESET"}));
    REQUIRE(until_received(monitor, "+RESET\r\n"));
    REQUIRE(client.call({"SET", "after", "1"}));
    monitor.send(encode({"GET", "after"})); // a client again: it reads, and saw no SET
    REQUIRE(until_received(monitor, "+RESET\r\n$1\r\n1\r\n"));
    CHECK(masked_feed(monitor.bytes().substr(mark)) ==
          "-ERR Replica can't interact with the keyspace\r\n$1\r\nx\r\n+T [0 ADDR] \"ECHO\" \"x\"\r\n+RESET\r\n$1\r\n1\r\n");
    return collect(c, 0);
}

} // namespace

TEST_CASE("CLIENT PAUSE and MONITOR with concurrent connections: respkit-server and redis-server agree byte for byte") {
    const server_process respkit_server = start_respkit_server();
    if (!respkit_server.running()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset or no binary)");
        return;
    }
    const server_process redis = start_redis_server();
    if (!redis.running()) MESSAGE("redis-server not installed: outcomes asserted, bytes not compared with Redis");
    const bool eval = has_eval(respkit_server.port());
    if (!eval) MESSAGE("respkit-server has no EVAL (built without Lua 5.1): the scripts' parts left out");
    const std::vector<std::pair<const char*, std::function<transcript(int, int)>>> scenarios = {
        {"write", [eval](int port, int proto) { return write_scenario(port, proto, eval); }},
        {"all", all_scenario},
        {"monitor", [eval](int port, int proto) { return monitor_scenario(port, proto, eval); }}};
    const auto started = std::chrono::steady_clock::now();
    std::size_t compared = 0;
    for (const auto& entry : scenarios) {
        const std::string name = entry.first;
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
                             << " connections' bytes identical to redis-server's (MONITOR's times and ports masked)");
}

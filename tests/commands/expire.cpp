// The expiry commands (respkit/commands/expire.hpp) and expiry as every family sees it, on a
// manual clock: lazy removal, TTL rounding, EXPIRE's conditions, past times deleting, expired keys
// invisible to string, key, list and hash commands.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("expiry on a manual clock: lazy removal, TTL rounding, conditions, past times delete") {
    command_server<manual_keyspace> srv;
    auto& clock = srv.keyspace.clock();
    command_client c(srv);
    CHECK(c({"SET", "k", "v", "PX", "1500"}) == "+OK\r\n");
    CHECK(c({"PTTL", "k"}) == ":1500\r\n");
    CHECK(c({"TTL", "k"}) == ":2\r\n"); // 1.5 s rounds to 2
    clock.advance(1000);
    CHECK(c({"PTTL", "k"}) == ":500\r\n");
    CHECK(c({"TTL", "k"}) == ":1\r\n");
    clock.advance(500);
    CHECK(c({"PTTL", "k"}) == ":0\r\n"); // due now: still there (expires when now > at)
    CHECK(c({"GET", "k"}) == "$1\r\nv\r\n");
    clock.advance(1);
    CHECK(c({"GET", "k"}) == "$-1\r\n");
    CHECK(c({"TTL", "k"}) == ":-2\r\n");
    CHECK(srv.keyspace.stats().expired_keys == 1);

    const std::int64_t now = clock.now_ms();
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "100", "XX"}) == ":0\r\n");
    CHECK(c({"EXPIRE", "k", "100", "GT"}) == ":0\r\n"); // no TTL is infinite: never greater
    CHECK(c({"EXPIRE", "k", "100", "LT"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "k", "50", "NX"}) == ":0\r\n");
    CHECK(c({"EXPIRE", "k", "200", "GT"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "k", "150", "GT"}) == ":0\r\n");
    CHECK(c({"PEXPIRE", "k", "150000", "LT", "XX"}) == ":1\r\n");
    CHECK(c({"PEXPIRETIME", "k"}) == ":" + std::to_string(now + 150'000) + "\r\n");
    CHECK(c({"EXPIREAT", "k", std::to_string(now / 1000 + 1000)}) == ":1\r\n");
    CHECK(c({"PEXPIRETIME", "k"}) == ":" + std::to_string((now / 1000 + 1000) * 1000) + "\r\n");
    CHECK(c({"PEXPIREAT", "k", std::to_string(now)}) == ":1\r\n"); // now counts as past: deleted
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "0"}) == ":1\r\n");
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");
    CHECK(c({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(c({"EXPIRE", "k", "-9223372036854775"}) == ":1\r\n");
    CHECK(c({"EXISTS", "k"}) == ":0\r\n");

    // GETEX with an absolute time already past deletes; SETEX/GETSET/KEEPTTL keep or drop TTLs.
    CHECK(c({"SET", "g", "v", "EX", "10"}) == "+OK\r\n");
    CHECK(c({"GETEX", "g", "PXAT", std::to_string(now)}) == "$1\r\nv\r\n");
    CHECK(c({"EXISTS", "g"}) == ":0\r\n");
    CHECK(c({"SETEX", "g", "10", "v"}) == "+OK\r\n");
    CHECK(c({"SET", "g", "w", "KEEPTTL"}) == "+OK\r\n");
    CHECK(c({"PTTL", "g"}) == ":10000\r\n");
    CHECK(c({"INCRBYFLOAT", "g2", "1"}) == "$1\r\n1\r\n");
    clock.advance(10'001);
    CHECK(c({"SET", "g", "w", "KEEPTTL"}) == "+OK\r\n"); // the old TTL passed: no TTL now
    CHECK(c({"TTL", "g"}) == ":-1\r\n");
    CHECK(c({"DEL", "g"}) == ":1\r\n");

    // Expired keys are invisible to every command.
    CHECK(c({"MSET", "a", "1", "b", "2"}) == "+OK\r\n");
    CHECK(c({"PEXPIRE", "a", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"MGET", "a", "b"}) == "*2\r\n$-1\r\n$1\r\n2\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"INCR", "b"}) == ":1\r\n");
    CHECK(c({"TTL", "b"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"RENAME", "b", "c"}) == "-ERR no such key\r\n");
    CHECK(c({"SETNX", "b", "x"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"APPEND", "b", "y"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"SETRANGE", "b", "2", "z"}) == ":3\r\n");
    CHECK(c({"GET", "b"}) == std::string("$3\r\n\0\0z\r\n", 9));
    CHECK(c({"PEXPIRE", "b", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"KEYS", "*"}) == "*1\r\n$2\r\ng2\r\n");
    CHECK(c({"SCAN", "0", "COUNT", "100"}) == "*2\r\n$1\r\n0\r\n*1\r\n$2\r\ng2\r\n");
    CHECK(c({"RANDOMKEY"}) == "$2\r\ng2\r\n");
}

TEST_CASE("lists and hashes under expiry on a manual clock") {
    command_server<manual_keyspace> srv;
    auto& clock = srv.keyspace.clock();
    command_client c(srv);
    // A rotation of a one-element list keeps the key (and its TTL).
    CHECK(c({"RPUSH", "l", "x"}) == ":1\r\n");
    CHECK(c({"EXPIRE", "l", "100"}) == ":1\r\n");
    CHECK(c({"LMOVE", "l", "l", "LEFT", "RIGHT"}) == "$1\r\nx\r\n");
    CHECK(c({"RPOPLPUSH", "l", "l"}) == "$1\r\nx\r\n");
    CHECK(c({"TTL", "l"}) == ":100\r\n");
    // Moving the last element away deletes the source; the destination is a new key.
    CHECK(c({"LMOVE", "l", "d", "LEFT", "RIGHT"}) == "$1\r\nx\r\n");
    CHECK(c({"EXISTS", "l"}) == ":0\r\n");
    CHECK(c({"TTL", "d"}) == ":-1\r\n");
    // An expired destination is replaced by a fresh list; an expired source is missing.
    CHECK(c({"RPUSH", "src", "a", "b"}) == ":2\r\n");
    CHECK(c({"PEXPIRE", "d", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"LMOVE", "src", "d", "LEFT", "LEFT"}) == "$1\r\na\r\n");
    CHECK(c({"LRANGE", "d", "0", "-1"}) == "*1\r\n$1\r\na\r\n");
    CHECK(c({"TTL", "d"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "src", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"LMOVE", "src", "d", "LEFT", "LEFT"}) == "$-1\r\n");
    CHECK(c({"LMPOP", "2", "src", "d", "RIGHT"}) == "*2\r\n$1\r\nd\r\n*1\r\n$1\r\na\r\n");
    CHECK(c({"EXISTS", "d"}) == ":0\r\n");
    // Hashes: an expired hash reads as missing and is recreated without a TTL.
    CHECK(c({"HSET", "h", "f", "1"}) == ":1\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    CHECK(c({"HINCRBY", "h", "f", "1"}) == ":2\r\n");
    clock.advance(11);
    CHECK(c({"HGET", "h", "f"}) == "$-1\r\n");
    CHECK(c({"HINCRBY", "h", "f", "1"}) == ":1\r\n");
    CHECK(c({"TTL", "h"}) == ":-1\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"HINCRBYFLOAT", "h", "f", "0.5"}) == "$3\r\n0.5\r\n");
    CHECK(c({"PEXPIRE", "h", "10"}) == ":1\r\n");
    clock.advance(11);
    CHECK(c({"HLEN", "h"}) == ":0\r\n");
    CHECK(c({"HRANDFIELD", "h", "5"}) == "*0\r\n");
    CHECK(c({"HSCAN", "h", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
    CHECK(srv.keyspace.stats().expired_keys == 5);
}

// MIGRATE between real servers (respkit/commands/migrate.hpp): respkit-server to redis-server,
// redis-server to respkit-server, respkit-server to respkit-server, with TTLs, every type, COPY,
// REPLACE, KEYS, AUTH and AUTH2, the target's errors (BUSYKEY, a wrong password, a database out
// of range), a refused connection, a name that does not resolve, and a target that never answers (the timeout bounds the wait
// and the server keeps serving). Servers on free loopback ports, stopped at the end.

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "respkit/client/connection.hpp"
#include "support/client_connection.hpp"
#include "respkit/unique_fd.hpp"
#include "support/process_util.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// The reply to `args` as RESP text ("+OK", "-ERR ...", ":1", "$v", "*2" and its elements).
std::string run(client::connection& c, const std::vector<std::string>& args) {
    auto r = c.command_range(args);
    REQUIRE_MESSAGE(r, "no reply to " << args[0]);
    const resp::value& v = *r;
    switch (v.type()) {
    case resp::type::simple_string: return "+" + std::string(v.string());
    case resp::type::simple_error: return "-" + std::string(v.string());
    case resp::type::integer: return ":" + std::to_string(v.integer());
    case resp::type::bulk_string: return "$" + std::string(v.string());
    case resp::type::null_bulk_string: return "$-1";
    case resp::type::array: {
        std::string out = "*" + std::to_string(v.size());
        for (const resp::value& e : v.elements()) out += " " + std::string(e.string());
        return out;
    }
    default: return "?";
    }
}

/// Keys of every type, "t:" ones with a TTL of about 100 s.
void fill(client::connection& c) {
    CHECK(run(c, {"SET", "s", "v"}) == "+OK");
    CHECK(run(c, {"RPUSH", "l", "a", "b", "c"}) == ":3");
    CHECK(run(c, {"HSET", "h", "f", "1", "g", "2"}) == ":2");
    CHECK(run(c, {"SADD", "set", "x", "y"}) == ":2");
    CHECK(run(c, {"ZADD", "z", "1", "m", "2.5", "n"}) == ":2");
    CHECK(run(c, {"XADD", "x", "1-1", "f", "v"}) == "$1-1");
    CHECK(run(c, {"SET", "t:s", "ttl", "PX", "100000"}) == "+OK");
}

/// Checks that `c` holds what fill() wrote (in its selected database).
void check_filled(client::connection& c) {
    CHECK(run(c, {"GET", "s"}) == "$v");
    CHECK(run(c, {"LRANGE", "l", "0", "-1"}) == "*3 a b c");
    CHECK(run(c, {"HGET", "h", "g"}) == "$2");
    CHECK(run(c, {"SCARD", "set"}) == ":2");
    CHECK(run(c, {"ZSCORE", "z", "n"}) == "$2.5");
    CHECK(run(c, {"XLEN", "x"}) == ":1");
    CHECK(run(c, {"GET", "t:s"}) == "$ttl");
    const auto pttl = c.command_range(std::vector<std::string>{"PTTL", "t:s"});
    REQUIRE(pttl);
    CHECK(pttl->integer() > 90000);
    CHECK(pttl->integer() <= 100000);
    CHECK(run(c, {"PTTL", "s"}) == ":-1");
}

const std::vector<std::string> all_keys = {"s", "l", "h", "set", "z", "x", "t:s"};

std::vector<std::string> migrate(int port, const std::string& db, std::vector<std::string> options,
                                 const std::vector<std::string>& keys = all_keys) {
    std::vector<std::string> args = {"MIGRATE", "127.0.0.1", std::to_string(port), "", db, "5000"};
    args.insert(args.end(), options.begin(), options.end());
    args.emplace_back("KEYS");
    args.insert(args.end(), keys.begin(), keys.end());
    return args;
}

} // namespace

TEST_CASE("MIGRATE moves keys of every type with their TTLs: respkit -> redis, redis -> respkit, respkit -> respkit") {
    server_process ours = start_respkit_server();
    server_process other = start_respkit_server();
    server_process redis = start_redis_server();
    if (!ours.running() || !other.running() || !redis.running()) {
        MESSAGE("skipped: respkit-server not built or redis-server not installed");
        return;
    }
    auto a = connect_client(ours.port());
    auto b = connect_client(other.port());
    auto r = connect_client(redis.port());

    // respkit -> redis, into db 3: the keys leave the source.
    fill(a);
    CHECK(run(a, migrate(redis.port(), "3", {})) == "+OK");
    CHECK(run(a, {"DBSIZE"}) == ":0");
    CHECK(run(r, {"SELECT", "3"}) == "+OK");
    check_filled(r);

    // redis -> respkit (Redis's own MIGRATE sends RESTORE to respkit-server), into db 0.
    CHECK(run(r, migrate(ours.port(), "0", {})) == "+OK");
    CHECK(run(r, {"DBSIZE"}) == ":0");
    check_filled(a);

    // respkit -> respkit with COPY: both keep the keys; again without REPLACE: BUSYKEY, as Redis
    // words the target's error; with REPLACE: replaced.
    CHECK(run(a, migrate(other.port(), "0", {"COPY"})) == "+OK");
    check_filled(a);
    check_filled(b);
    CHECK(run(a, {"SET", "s", "new"}) == "+OK");
    CHECK(run(a, migrate(other.port(), "0", {"COPY"}, {"s"})) ==
          "-ERR Target instance replied with error: BUSYKEY Target key name already exists.");
    CHECK(run(a, {"GET", "s"}) == "$new");
    CHECK(run(a, {"MIGRATE", "127.0.0.1", std::to_string(other.port()), "s", "0", "5000", "REPLACE"}) == "+OK");
    CHECK(run(a, {"EXISTS", "s"}) == ":0");
    CHECK(run(b, {"GET", "s"}) == "$new");

    // Missing keys are skipped; none present: NOKEY.
    CHECK(run(a, migrate(other.port(), "0", {}, {"nosuch", "nosuch2"})) == "+NOKEY");

    // The target's errors: a database out of range (SELECT's error comes first).
    CHECK(run(a, {"SET", "k", "1"}) == "+OK");
    CHECK(run(a, migrate(other.port(), "99", {}, {"k"})) ==
          "-ERR Target instance replied with error: ERR DB index is out of range");
    CHECK(run(a, {"EXISTS", "k"}) == ":1");

    // Redis as the source, respkit-server as the target refusing a key that exists.
    CHECK(run(r, {"SET", "k", "2"}) == "+OK");
    CHECK(run(r, migrate(ours.port(), "0", {}, {"k"})) ==
          "-ERR Target instance replied with error: BUSYKEY Target key name already exists.");
    CHECK(run(r, migrate(ours.port(), "0", {"REPLACE"}, {"k"})) == "+OK");
    CHECK(run(a, {"GET", "k"}) == "$2");
}

TEST_CASE("MIGRATE AUTH and AUTH2 authenticate on the target first, whichever server it is") {
    server_process ours = start_respkit_server();
    server_process redis = start_redis_server({"--requirepass", "secret"});
    if (!ours.running() || !redis.running()) {
        MESSAGE("skipped: respkit-server not built or redis-server not installed");
        return;
    }
    auto a = connect_client(ours.port());
    auto r = connect_client(redis.port());
    CHECK(run(r, {"AUTH", "secret"}) == "+OK");
    CHECK(run(r, {"ACL", "SETUSER", "mover", "on", ">pw", "~*", "+@all"}) == "+OK");
    CHECK(run(a, {"SET", "k", "v"}) == "+OK");
    CHECK(run(a, migrate(redis.port(), "0", {}, {"k"})) ==
          "-ERR Target instance replied with error: NOAUTH Authentication required.");
    CHECK(run(a, migrate(redis.port(), "0", {"AUTH", "wrong"}, {"k"})) ==
          "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.");
    CHECK(run(a, {"EXISTS", "k"}) == ":1");
    CHECK(run(a, migrate(redis.port(), "0", {"AUTH", "secret"}, {"k"})) == "+OK");
    CHECK(run(r, {"GET", "k"}) == "$v");
    CHECK(run(a, {"SET", "k2", "v2"}) == "+OK");
    CHECK(run(a, migrate(redis.port(), "0", {"AUTH2", "mover", "pw"}, {"k2"})) == "+OK");
    CHECK(run(r, {"GET", "k2"}) == "$v2");

    // Redis as the source, a respkit-server target with a password and a user.
    CHECK(run(a, {"CONFIG", "SET", "requirepass", "rkpass"}) == "+OK");
    auto a2 = connect_client(ours.port());
    CHECK(run(a2, {"AUTH", "rkpass"}) == "+OK");
    CHECK(run(a2, {"ACL", "SETUSER", "mover", "on", ">pw", "~*", "+@all"}) == "+OK");
    CHECK(run(r, migrate(ours.port(), "0", {"AUTH", "rkpass"}, {"k"})) == "+OK");
    CHECK(run(r, migrate(ours.port(), "0", {"AUTH2", "mover", "pw"}, {"k2"})) == "+OK");
    CHECK(run(a2, {"MGET", "k", "k2"}) == "*2 v v2");
}

TEST_CASE("MIGRATE to a target that never answers waits for the timeout only; a refused one fails at its first write") {
    server_process ours = start_respkit_server();
    if (!ours.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    // A listener that accepts (the kernel does) and never reads or answers.
    unique_fd silent(::socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(silent);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(silent.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(silent.get(), 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(silent.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const std::string port = std::to_string(ntohs(addr.sin_port));

    auto a = connect_client(ours.port());
    CHECK(run(a, {"SET", "k", "v"}) == "+OK");
    const auto started = std::chrono::steady_clock::now();
    CHECK(run(a, {"MIGRATE", "127.0.0.1", port, "k", "0", "300"}) ==
          "-IOERR error or timeout reading to target instance");
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(took >= 250ms);
    CHECK(took < 2s);
    CHECK(run(a, {"GET", "k"}) == "$v");
    CHECK(run(a, {"PING"}) == "+PONG");

    // Nobody listens there now: as Redis, the refusal shows when the pipeline is written.
    silent.reset();
    CHECK(run(a, {"MIGRATE", "127.0.0.1", port, "k", "0", "300"}) == "-IOERR error or timeout writing to target instance");
    // A name that does not resolve: the connection cannot start.
    CHECK(run(a, {"MIGRATE", "nosuchhost.invalid", port, "k", "0", "300"}) ==
          "-IOERR error or timeout connecting to the client");
    CHECK(run(a, {"GET", "k"}) == "$v");
}

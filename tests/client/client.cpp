// The client (respkit/client.hpp) against Debian's redis-server, RESP2 and RESP3, and against
// respkit-server for the commands it has (transactions and pub/sub included): typed helpers,
// error replies, pipelines, transactions, pub/sub, handshake options, timeouts and reconnection.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "respkit/client.hpp"
#include "support/process_util.hpp"

using namespace respkit_test;
namespace client = respkit::client;
using namespace std::chrono_literals;

namespace {

client::options opts_for(int port, int protocol) {
    client::options o;
    o.port = static_cast<std::uint16_t>(port);
    o.protocol = protocol;
    o.read_timeout = 3s;
    return o;
}

// The string commands, key commands and connection commands every server here has.
void check_string_commands(client::connection& c) {
    REQUIRE(c.flushdb());
    CHECK(c.ping().value() == "PONG");
    CHECK(c.echo("hello").value() == "hello");
    CHECK(c.set("my_key", "my_val").value() == true);
    CHECK(c.get("my_key").value() == std::optional<std::string>("my_val"));
    CHECK(c.get("missing").value() == std::nullopt);
    CHECK(c.del("my_key", "missing").value() == 1);
    CHECK(c.mset({{"k1", "1"}, {"k2", "2"}, {"k3", "3"}}));
    auto values = c.mget("k1", "k3", "nope", "k2");
    REQUIRE(values);
    CHECK(*values == std::vector<std::optional<std::string>>{"1", "3", std::nullopt, "2"});
    CHECK(c.mget(std::vector<std::string>{"k2"}).value().at(0) == "2");
    CHECK(c.exists("k1", "k2", "nope").value() == 2);
    CHECK(c.incr("counter").value() == 1);
    CHECK(c.incrby("counter", 10).value() == 11);
    CHECK(c.decr("counter").value() == 10);
    CHECK(c.ttl("counter").value() == -1);
    CHECK(c.expire("counter", 100s).value() == true);
    CHECK(c.expire("nope", 100s).value() == false);
    const auto ttl = c.ttl("counter").value();
    CHECK((ttl > 90 && ttl <= 100));
    CHECK(c.ttl("nope").value() == -2);

    client::set_options nx;
    nx.only = client::set_options::condition::if_not_exists;
    CHECK(c.set("k1", "x", nx).value() == false);
    CHECK(c.set("fresh", "x", nx).value() == true);
    client::set_options xx;
    xx.only = client::set_options::condition::if_exists;
    CHECK(c.set("absent", "x", xx).value() == false);
    client::set_options ex;
    ex.ex = 50s;
    CHECK(c.set("k1", "y", ex).value() == true);
    CHECK(c.ttl("k1").value() > 40);
    client::set_options px;
    px.px = 50000ms;
    CHECK(c.set("k2", "z", px).value() == true);
    CHECK(c.ttl("k2").value() > 40);

    // Error replies: values for command(), server_error for typed helpers.
    REQUIRE(c.set("word", "abc"));
    auto raw = c.command("INCR", "word");
    REQUIRE(raw);
    CHECK(raw->is_error());
    CHECK(raw->string() == "ERR value is not an integer or out of range");
    auto typed = c.incr("word");
    REQUIRE(!typed);
    CHECK(typed.code() == client::errc::server_error);
    CHECK(typed.error().message == "ERR value is not an integer or out of range");
    auto unknown = c.command("NOSUCHCOMMAND", "x");
    REQUIRE(unknown);
    CHECK(unknown->is_error());
    // Binary-safe values.
    const std::string binary("a\0b\r\nc", 6);
    REQUIRE(c.set("bin", binary));
    CHECK(c.get("bin").value() == binary);
    // The connection is still in step after all that.
    CHECK(c.ping().value() == "PONG");
}

void check_collection_commands(client::connection& c) {
    CHECK(c.hset("client_hash", "first_name", "allen").value() == 1);
    CHECK(c.hset("client_hash", "last_name", "ling", "age", 30).value() == 2);
    CHECK(c.hget("client_hash", "first_name").value() == "allen");
    CHECK(c.hget("client_hash", "nope").value() == std::nullopt);
    auto all = c.hgetall("client_hash");
    REQUIRE(all);
    CHECK(all->size() == 3);
    std::map<std::string, std::string> m(all->begin(), all->end());
    CHECK(m == std::map<std::string, std::string>{{"first_name", "allen"}, {"last_name", "ling"}, {"age", "30"}});
    CHECK(c.hgetall("nohash").value().empty());
    CHECK(c.rpush("list", "b", "c").value() == 2);
    CHECK(c.lpush("list", "a").value() == 3);
    CHECK(c.lrange("list", 0, -1).value() == std::vector<std::string>{"a", "b", "c"});
    CHECK(c.lrange("list", -2, -1).value() == std::vector<std::string>{"b", "c"});
    CHECK(c.sadd("set", "x", "y", "x").value() == 2);
    auto members = c.smembers("set").value();
    std::sort(members.begin(), members.end());
    CHECK(members == std::vector<std::string>{"x", "y"});
    auto wrong = c.lrange("client_hash", 0, -1);
    REQUIRE(!wrong);
    CHECK(wrong.code() == client::errc::server_error);
    CHECK(wrong.error().message.starts_with("WRONGTYPE"));
}

} // namespace

TEST_CASE("client: typed helpers against redis-server, RESP2 and RESP3") {
    const server_process server = start_redis_server();
    REQUIRE(server.running());
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        client::connection c(opts_for(server.port(), proto));
        REQUIRE(c.connect());
        CHECK(c.protocol() == (proto == 3 ? respkit::resp::protocol::resp3 : respkit::resp::protocol::resp2));
        check_string_commands(c);
        check_collection_commands(c);
        // RESP3 shapes: HGETALL is a map, SMEMBERS a set; RESP2: flat arrays.
        auto raw = c.command("HGETALL", "client_hash");
        REQUIRE(raw);
        CHECK(raw->type() == (proto == 3 ? respkit::resp::type::map : respkit::resp::type::array));
    }
}

TEST_CASE("client: typed arguments, and replies read into C++ types (reply::as, resp::read), RESP2 and RESP3") {
    const server_process server = start_redis_server();
    REQUIRE(server.running());
    namespace reply = client::reply;
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        client::connection c(opts_for(server.port(), proto));
        REQUIRE(c.connect());
        REQUIRE(c.command("DEL", "typed_list", "typed_hash"));
        // Arguments of every width are bulk strings in decimal; doubles as %.17g.
        auto pushed = c.run<reply::as<int>>("RPUSH", "typed_list", std::int8_t{-5}, std::uint16_t{65535},
                                            std::uint64_t{18446744073709551615u}, 2.5, std::string_view("s"));
        REQUIRE(pushed);
        CHECK(*pushed == 5);
        auto strings = c.run<reply::as<std::vector<std::string>>>("LRANGE", "typed_list", 0, -1);
        REQUIRE(strings);
        CHECK(*strings == std::vector<std::string>{"-5", "65535", "18446744073709551615", "2.5", "s"});
        // The same bulk strings read as numbers, range-checked.
        auto typed = c.run<reply::as<std::tuple<std::int8_t, std::uint16_t, std::uint64_t, double, std::string_view>>>(
            "LRANGE", "typed_list", 0, -1);
        REQUIRE(typed);
        CHECK(std::get<0>(*typed) == -5);
        CHECK(std::get<2>(*typed) == 18446744073709551615u);
        CHECK(std::get<3>(*typed) == 2.5);
        auto narrow = c.run<reply::as<std::vector<std::uint8_t>>>("LRANGE", "typed_list", 0, -1);
        REQUIRE(!narrow);
        CHECK(narrow.error().code == client::errc::unexpected_reply);
        CHECK(narrow.error().message == "at $[0]: expected an integer from 0 to 255, found bulk_string \"-5\"");
        // HGETALL: a RESP3 map or a RESP2 flat array, into a std::map alike.
        REQUIRE(c.command("HSET", "typed_hash", "a", 1, "b", 2));
        auto hash = c.run<reply::as<std::map<std::string, int>>>("HGETALL", "typed_hash");
        REQUIRE(hash);
        CHECK(*hash == std::map<std::string, int>{{"a", 1}, {"b", 2}});
        auto wrong = c.run<reply::as<int>>("INCR", "typed_list");
        REQUIRE(!wrong);
        CHECK(wrong.error().code == client::errc::server_error);
        CHECK(wrong.error().message.starts_with("WRONGTYPE"));
        // resp::read on a command's reply value.
        auto raw = c.command("MGET", "typed_hash", "typed_nosuch");
        REQUIRE(raw);
        CHECK(respkit::resp::read<std::vector<std::optional<std::string>>>(*raw) ==
              std::vector<std::optional<std::string>>{std::nullopt, std::nullopt});
    }
}

TEST_CASE("client: against respkit-server (the commands it has), RESP2 and RESP3") {
    const std::string program = built_program("respkit-server");
    if (program.empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const int port = free_port();
    child_process server({program, "--port", std::to_string(port), "--bind", "127.0.0.1"}, "/dev/null");
    REQUIRE(wait_for_port(port));
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        client::connection c(opts_for(port, proto));
        REQUIRE(c.connect());
        CHECK(c.protocol() == (proto == 3 ? respkit::resp::protocol::resp3 : respkit::resp::protocol::resp2));
        check_string_commands(c);
        // Hashes, lists and sets are being added to respkit-server: test them once they exist.
        auto probe = c.command("HSET", "probe_hash", "f", "v");
        REQUIRE(probe);
        auto lprobe = c.command("RPUSH", "probe_list", "v");
        auto sprobe = c.command("SADD", "probe_set", "v");
        REQUIRE(lprobe);
        REQUIRE(sprobe);
        if (!probe->is_error() && !lprobe->is_error() && !sprobe->is_error()) {
            check_collection_commands(c);
        } else {
            MESSAGE("respkit-server lacks hashes, lists or sets: collection helpers tested on redis-server only");
        }
        // A pipeline works the same against respkit-server.
        client::pipeline p;
        auto s = p.set("pk", "1");
        auto i = p.incr("pk");
        auto g = p.get("pk");
        auto r = c.execute(p);
        REQUIRE(r);
        CHECK(r->get(s).value());
        CHECK(r->get(i).value() == 2);
        CHECK(r->get(g).value() == "2");
    }
}

TEST_CASE("client: pipelines send many commands and read the replies in order") {
    const server_process server = start_redis_server();
    REQUIRE(server.running());
    for (const int proto : {2, 3}) {
        client::connection c(opts_for(server.port(), proto));
        REQUIRE(c.flushdb());
        client::pipeline p;
        std::vector<client::handle<client::reply::integer>> incrs;
        for (int k = 0; k < 1000; ++k) incrs.push_back(p.incr("n"));
        auto raw = p.add("SET", "big", std::string(100000, 'x'));
        auto missing = p.get("nothing");
        auto bad = p.add("LPUSH", "n", "x"); // WRONGTYPE: an error reply in the middle
        auto ping = p.ping();
        CHECK(p.size() == 1004);
        auto r = c.execute(p);
        REQUIRE(r);
        REQUIRE(r->size() == 1004);
        for (int k = 0; k < 1000; ++k) CHECK(r->get(incrs[static_cast<std::size_t>(k)]).value() == k + 1);
        CHECK((*r)[999].integer() == 1000);
        CHECK(r->get(raw).value().string() == "OK");
        CHECK(r->get(missing).value() == std::nullopt);
        CHECK(r->get(bad).value().is_error());
        CHECK(r->get(ping).value() == "PONG");
        CHECK(c.get("big").value()->size() == 100000);
        client::pipeline empty;
        CHECK(c.execute(empty).value().size() == 0);
    }
}

namespace {

// Transactions against the server on `port`.
void check_transactions(int port) {
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        client::connection c(opts_for(port, proto));
        client::connection other(opts_for(port, proto));
        REQUIRE(c.flushdb());

        // The cureds pattern: set, get, incr, hgetall in one transaction.
        REQUIRE(c.hset("client_hash", "first_name", "allen"));
        client::pipeline tx;
        auto s = tx.set("a", "1");
        auto g = tx.get("a");
        auto i = tx.incr("a");
        auto h = tx.hgetall("client_hash");
        auto r = c.exec(tx);
        REQUIRE(r);
        CHECK(r->size() == 4);
        CHECK(r->get(s).value());
        CHECK(r->get(g).value() == "1");
        CHECK(r->get(i).value() == 2);
        CHECK(r->get(h).value().at(0).second == "allen");

        // WATCH, another client changes the key: EXEC answers nil, reported as aborted.
        REQUIRE(c.watch("a"));
        CHECK(c.watching());
        REQUIRE(other.incr("a"));
        client::pipeline body;
        body.incr("a");
        auto aborted = c.exec(body);
        REQUIRE(!aborted);
        CHECK(aborted.code() == client::errc::transaction_aborted);
        CHECK(!c.watching());
        CHECK(c.get("a").value() == "3");

        // A command refused at queuing: EXECABORT, reported with the command's error.
        client::pipeline broken;
        broken.incr("a");
        broken.add("SET", "only-one-arg");
        auto execabort = c.exec(broken);
        REQUIRE(!execabort);
        CHECK(execabort.code() == client::errc::server_error);
        CHECK(execabort.error().message.find("EXECABORT") != std::string::npos);
        CHECK(c.get("a").value() == "3");

        // transact: the first attempt loses to a concurrent write, the second commits.
        int attempts = 0;
        auto done = client::transact(c, {"a"}, [&](client::connection& conn, client::pipeline& t) -> client::result<void> {
            ++attempts;
            auto current = conn.get("a");
            if (!current) return current.error();
            if (attempts == 1) (void)other.set("a", "100");
            t.set("a", std::to_string(std::stoll(current->value_or("0")) * 2));
            return {};
        });
        REQUIRE(done);
        CHECK(attempts == 2);
        CHECK(c.get("a").value() == "200");

        // Always losing: gives up after max_attempts with transaction_aborted.
        int tries = 0;
        auto lost = client::transact(c, {"a"}, [&](client::connection&, client::pipeline& t) -> client::result<void> {
            ++tries;
            (void)other.incr("a");
            t.incr("a");
            return {};
        }, 3);
        CHECK(lost.code() == client::errc::transaction_aborted);
        CHECK(tries == 3);

        // A body error ends the attempt (UNWATCH) and is returned.
        auto refused = client::transact(c, {"a"}, [](client::connection&, client::pipeline&) -> client::result<void> {
            return client::make_error(client::errc::server_error, "body says no");
        });
        CHECK(refused.error().message == "body says no");
        CHECK(!c.watching());
    }
}

} // namespace

TEST_CASE("client: MULTI/EXEC, WATCH, aborted EXEC and transact() retries") {
    SUBCASE("redis-server") {
        const server_process server = start_redis_server();
        REQUIRE(server.running());
        check_transactions(server.port());
    }
    SUBCASE("respkit-server") {
        const server_process server = start_respkit_server();
        if (!server.running()) {
            MESSAGE("skipped: respkit-server not built");
            return;
        }
        check_transactions(server.port());
    }
}

namespace {

// Pub/sub against the server on `port`.
void check_pubsub(int port) {
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        client::subscriber sub(opts_for(port, proto));
        REQUIRE(sub.subscribe("news", "sport"));
        REQUIRE(sub.psubscribe("weather.*"));
        CHECK(sub.link().protocol() == (proto == 3 ? respkit::resp::protocol::resp3 : respkit::resp::protocol::resp2));
        for (int k = 0; k < 3; ++k) {
            auto confirm = sub.receive(2s);
            REQUIRE(confirm);
            CHECK(confirm->count == k + 1);
        }
        auto none = sub.receive(50ms);
        CHECK(none.code() == client::errc::timeout);

        client::connection pub(opts_for(port, proto));
        CHECK(pub.command("PUBLISH", "news", "hello").value().integer() == 1);
        CHECK(pub.command("PUBLISH", "weather.paris", "sunny").value().integer() == 1);
        CHECK(pub.command("PUBLISH", "sport", "goal").value().integer() == 1);

        std::vector<client::message> got;
        auto r = sub.run([&](const client::message& m) {
            got.push_back(m);
            return got.size() < 3;
        }, 100ms);
        REQUIRE(r);
        REQUIRE(got.size() == 3);
        CHECK(got[0].type == client::message::kind::message);
        CHECK(got[0].channel == "news");
        CHECK(got[0].payload == "hello");
        CHECK(got[1].type == client::message::kind::pmessage);
        CHECK(got[1].pattern == "weather.*");
        CHECK(got[1].channel == "weather.paris");
        CHECK(got[1].payload == "sunny");
        CHECK(got[2].payload == "goal");

        REQUIRE(sub.unsubscribe("news"));
        auto un = sub.receive(2s);
        REQUIRE(un);
        CHECK(un->type == client::message::kind::unsubscribe);
        CHECK(un->channel == "news");
        CHECK(un->count == 2);
    }
}

} // namespace

TEST_CASE("client: pub/sub delivers messages as RESP2 arrays and RESP3 pushes") {
    SUBCASE("redis-server") {
        const server_process server = start_redis_server();
        REQUIRE(server.running());
        check_pubsub(server.port());
    }
    SUBCASE("respkit-server") {
        const server_process server = start_respkit_server();
        if (!server.running()) {
            MESSAGE("skipped: respkit-server not built");
            return;
        }
        check_pubsub(server.port());
    }
}

TEST_CASE("client: AUTH, SELECT, client name, and the RESP2 fallback when HELLO fails") {
    const server_process secured = start_redis_server({"--requirepass", "s3cret"});
    REQUIRE(secured.running());
    for (const int proto : {2, 3}) {
        CAPTURE(proto);
        auto o = opts_for(secured.port(), proto);
        client::connection anonymous(o);
        REQUIRE(anonymous.connect()); // HELLO 3 without AUTH fails with NOAUTH: falls back to RESP2
        auto denied = anonymous.get("x");
        CHECK(denied.code() == client::errc::server_error);
        CHECK(denied.error().message.starts_with("NOAUTH"));

        o.password = "wrong";
        client::connection wrong(o);
        auto refused = wrong.connect();
        CHECK(refused.code() == client::errc::handshake_failed);
        CHECK(refused.error().message.find("WRONGPASS") != std::string::npos);
        CHECK(wrong.ping().code() == client::errc::handshake_failed); // reconnect tries again, fails again

        o.password = "s3cret";
        o.database = 3;
        o.client_name = "respkit-test";
        client::connection authed(o);
        REQUIRE(authed.connect());
        CHECK(authed.protocol() == (proto == 3 ? respkit::resp::protocol::resp3 : respkit::resp::protocol::resp2));
        REQUIRE(authed.set("in-db-3", "yes"));
        CHECK(authed.command("CLIENT", "GETNAME").value().string() == "respkit-test");
        o.database = 0;
        client::connection db0(o);
        CHECK(db0.exists("in-db-3").value() == 0);
        o.database = 99;
        client::connection out_of_range(o);
        CHECK(out_of_range.connect().code() == client::errc::handshake_failed);
        REQUIRE(authed.flushdb());
    }

    // A server without HELLO: the RESP3 request falls back to RESP2.
    const server_process old_style = start_redis_server({"--rename-command", "HELLO", ""});
    REQUIRE(old_style.running());
    client::connection c(opts_for(old_style.port(), 3));
    REQUIRE(c.connect());
    CHECK(c.protocol() == respkit::resp::protocol::resp2);
    CHECK(c.ping().value() == "PONG");
}

TEST_CASE("client: Unix socket, connect failures and timeouts") {
    const std::string path = "/tmp/respkit-client-test-" + std::to_string(::getpid()) + ".sock";
    const server_process server = start_redis_server({"--unixsocket", path, "--unixsocketperm", "700"});
    REQUIRE(server.running());
    client::options o;
    o.unix_path = path;
    client::connection unix_conn(o);
    // Redis creates the socket file at bind(), before listen(): a connect may be refused for a
    // moment after the file appears, so wait (up to 5 s) until the socket accepts.
    bool connected = false;
    for (int k = 0; k < 250 && !connected; ++k) {
        connected = static_cast<bool>(unix_conn.connect());
        if (!connected) std::this_thread::sleep_for(20ms);
    }
    REQUIRE(connected);
    CHECK(unix_conn.echo("over unix").value() == "over unix");

    client::options closed;
    closed.port = static_cast<std::uint16_t>(free_port());
    client::connection nobody(closed);
    CHECK(nobody.connect().code() == client::errc::connect_failed);
    CHECK(nobody.ping().code() == client::errc::connect_failed);

    client::options unresolvable;
    unresolvable.host = "no-such-host.invalid";
    CHECK(client::connection(unresolvable).connect().code() == client::errc::resolve_failed);

    // A read timeout: the outcome of the command is unknown, the link is dropped, and the
    // next command runs on a new link.
    auto o2 = opts_for(server.port(), 3);
    o2.read_timeout = 200ms;
    client::connection slow(o2);
    const auto start = std::chrono::steady_clock::now();
    auto blocked = slow.command("BLPOP", "empty-list", 5);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    REQUIRE(!blocked);
    CHECK(blocked.code() == client::errc::outcome_unknown);
    CHECK(blocked.error().message.find("timed out") != std::string::npos);
    CHECK(!slow.connected());
    CHECK(slow.ping().value() == "PONG");
}

TEST_CASE("client: reconnects after the server closed an idle link; never replays an unknown outcome") {
    // Against both servers: CLIENT KILL closes the victim at once (within the event-loop turn),
    // so 50 ms later the client sees the closed link before it sends.
    const server_process redis = start_redis_server();
    REQUIRE(redis.running());
    const server_process respkit_server = start_respkit_server();
    std::vector<const server_process*> servers{&redis};
    if (respkit_server.running()) servers.push_back(&respkit_server);
    else MESSAGE("respkit-server not built: against redis-server only");
    for (const server_process* tested : servers)
    for (const int proto : {2, 3}) {
        const server_process& server = *tested;
        CAPTURE(proto);
        CAPTURE(server.port());
        client::connection c(opts_for(server.port(), proto));
        client::connection admin(opts_for(server.port(), proto));
        REQUIRE(c.set("k", "v"));
        REQUIRE(admin.ping());
        // Killed while idle: the next command notices before sending and reconnects.
        CHECK(admin.command("CLIENT", "KILL", "TYPE", "normal").value().integer() >= 1);
        std::this_thread::sleep_for(50ms);
        CHECK(c.get("k").value() == "v");

        // Killed while a command is in flight: reported as outcome_unknown, not replayed.
        REQUIRE(c.del("blpop-list"));
        std::thread killer([&] {
            std::this_thread::sleep_for(200ms);
            (void)admin.command("CLIENT", "KILL", "TYPE", "normal");
        });
        auto in_flight = c.command("BLPOP", "blpop-list", 5);
        killer.join();
        REQUIRE(!in_flight);
        CHECK(in_flight.code() == client::errc::outcome_unknown);
        CHECK(!c.connected());
        CHECK(c.rpush("blpop-list", "x").value() == 1); // a fresh link, the BLPOP was not replayed
        CHECK(c.lrange("blpop-list", 0, -1).value().size() == 1);

        // Killed while keys are watched: watch_lost, never a silent reconnect that would drop WATCH.
        REQUIRE(c.watch("k"));
        REQUIRE(admin.command("CLIENT", "KILL", "TYPE", "normal"));
        std::this_thread::sleep_for(50ms);
        client::pipeline body;
        body.set("k", "changed");
        auto lost = c.exec(body);
        CHECK(lost.code() == client::errc::watch_lost);
        CHECK(c.get("k").value() == "v");

        // Without auto_reconnect, a closed link is reported.
        auto o = opts_for(server.port(), proto);
        o.auto_reconnect = false;
        client::connection manual(o);
        REQUIRE(manual.connect());
        REQUIRE(admin.command("CLIENT", "KILL", "TYPE", "normal"));
        std::this_thread::sleep_for(50ms);
        CHECK(manual.ping().code() == client::errc::connection_closed);
        CHECK(manual.ping().code() == client::errc::not_connected);
        REQUIRE(manual.connect());
        CHECK(manual.ping().value() == "PONG");
    }
}

TEST_CASE("client: RESP3 pushes that arrive between replies go to the push handler") {
    const server_process server = start_redis_server();
    REQUIRE(server.running());
    client::connection c(opts_for(server.port(), 3));
    REQUIRE(c.connect());
    REQUIRE(c.protocol() == respkit::resp::protocol::resp3);
    std::vector<respkit::resp::value> pushes;
    c.on_push([&](respkit::resp::value v) { pushes.push_back(std::move(v)); });
    // Client-side caching: reading a key then changing it elsewhere sends an invalidate push.
    REQUIRE(c.command("CLIENT", "TRACKING", "on").value().string() == "OK");
    REQUIRE(c.set("tracked", "1"));
    REQUIRE(c.get("tracked"));
    client::connection other(opts_for(server.port(), 3));
    REQUIRE(other.set("tracked", "2"));
    std::this_thread::sleep_for(50ms);
    CHECK(c.get("tracked").value() == "2");
    REQUIRE(!pushes.empty());
    CHECK(pushes.front().type() == respkit::resp::type::push);
    CHECK(pushes.front()[0].string() == "invalidate");
}

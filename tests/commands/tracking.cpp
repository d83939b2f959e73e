// Client-side caching (respkit/commands/tracking.hpp, server/tracking.hpp) with sessions of one
// context, in process: what the command path does around a command (a client's own
// invalidations after its reply, after EXEC's whole reply; one null per flush however many
// databases; CLIENT CACHING's effect for one command or transaction), BCAST broadcasts,
// tracking-table-max-keys, and the state a disconnection cleans up. Byte for byte against
// redis-server with several real connections: tests/integration/tracking.cpp.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

namespace {

std::string push(const std::string& key) {
    return ">2\r\n$10\r\ninvalidate\r\n*1\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
}

const std::string null_push = ">2\r\n$10\r\ninvalidate\r\n_\r\n";

} // namespace

TEST_CASE("tracking: another client's write invalidates at once; the client's own write after its reply") {
    command_server<> f;
    session t(f.commands, f.context), a(f.commands, f.context);
    t.set_protocol(resp::protocol::resp3);
    t.feed("CLIENT TRACKING on\r\nGET k\r\nMGET k j\r\n");
    CHECK(take_output(t) == "+OK\r\n_\r\n*2\r\n_\r\n_\r\n");
    CHECK(f.context.tracking().total_keys() == 2);
    CHECK(f.context.tracking().total_items() == 2);
    a.feed("SET k 1\r\n");
    CHECK(take_output(a) == "+OK\r\n");
    CHECK(take_output(t) == push("k"));
    a.feed("SET k 2\r\n"); // forgotten once invalidated
    CHECK(take_output(t).empty());
    t.feed("GET k\r\nSET k 3\r\n");
    CHECK(take_output(t) == "$1\r\n2\r\n+OK\r\n" + push("k"));
    // In a transaction: after EXEC's whole reply.
    t.feed("GET k\r\nMULTI\r\nSET k 4\r\nGET k\r\nEXEC\r\n");
    CHECK(take_output(t) == "$1\r\n3\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n4\r\n" + push("k"));
    // NOLOOP: nothing for its own writes.
    t.feed("CLIENT TRACKING on NOLOOP\r\nGET k\r\nDEL k\r\n");
    CHECK(take_output(t) == "+OK\r\n$1\r\n4\r\n:1\r\n");
}

TEST_CASE("tracking: FLUSHALL sends one null whatever the databases; two FLUSHDBs in EXEC send two") {
    command_server<> f;
    session t(f.commands, f.context), a(f.commands, f.context);
    t.set_protocol(resp::protocol::resp3);
    t.feed("CLIENT TRACKING on\r\nGET k\r\n");
    (void)take_output(t);
    a.feed("FLUSHALL\r\n");
    CHECK(take_output(t) == null_push);
    CHECK(f.context.tracking().total_keys() == 0);
    t.feed("MULTI\r\nFLUSHDB\r\nFLUSHDB\r\nEXEC\r\n");
    CHECK(take_output(t) == "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n" + null_push + null_push);
}

TEST_CASE("tracking: RESP2 invalidations go to a subscribed redirect client as __redis__:invalidate messages") {
    command_server<> f;
    session t(f.commands, f.context), r(f.commands, f.context), a(f.commands, f.context), plain(f.commands, f.context);
    r.feed("SUBSCRIBE __redis__:invalidate\r\n");
    (void)take_output(r);
    t.feed("CLIENT TRACKING on REDIRECT " + std::to_string(r.id()) + "\r\nGET k\r\n");
    plain.feed("CLIENT TRACKING on\r\nGET k\r\n");
    (void)take_output(t);
    (void)take_output(plain);
    a.feed("SET k 1\r\n");
    CHECK(take_output(r) == "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n");
    CHECK(take_output(t).empty());
    CHECK(take_output(plain).empty()); // RESP2 without a redirect: nowhere to send it
    t.feed("GET k\r\nCLIENT LIST ID " + std::to_string(t.id()) + "\r\n");
    CHECK(take_output(t).find(" flags=t ") != std::string::npos);
}

TEST_CASE("tracking: CLIENT CACHING lasts one command or one transaction; CLIENT commands and rejections") {
    command_server<> f;
    session t(f.commands, f.context);
    t.set_protocol(resp::protocol::resp3);
    const tracking_table& table = f.context.tracking();
    t.feed("CLIENT TRACKING on OPTIN\r\nGET a\r\n");
    CHECK(table.total_keys() == 0);
    t.feed("CLIENT CACHING yes\r\nCLIENT GETREDIR\r\nGET b\r\nGET c\r\n");
    CHECK(table.total_keys() == 1); // b: CLIENT GETREDIR kept the flag, GET b used it
    t.feed("CLIENT CACHING yes\r\nMULTI\r\nGET d\r\nGET e\r\nEXEC\r\nGET f\r\n");
    CHECK(table.total_keys() == 3); // d and e
    t.feed("CLIENT CACHING yes\r\nNOSUCH\r\nGET g\r\n");
    CHECK(table.total_keys() == 3); // an unknown command ends it too, as Redis's resetClient
    t.feed("CLIENT CACHING yes\r\nGET\r\nGET h\r\n");
    CHECK(table.total_keys() == 3); // so does an arity error
    (void)take_output(t);
}

TEST_CASE("tracking: BCAST sends each prefix's changed keys once per broadcast, NOLOOP without its own") {
    command_server<> f;
    session b(f.commands, f.context), n(f.commands, f.context), a(f.commands, f.context);
    b.set_protocol(resp::protocol::resp3);
    n.set_protocol(resp::protocol::resp3);
    b.feed("CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:\r\n");
    n.feed("CLIENT TRACKING on BCAST NOLOOP\r\n");
    (void)take_output(b);
    (void)take_output(n);
    CHECK(f.context.tracking().total_prefixes() == 3); // user:, obj: and n's ""
    a.feed("SET user:2 x\r\nSET user:1 x\r\nSET other x\r\n");
    n.feed("SET obj:9 x\r\n");
    (void)take_output(n);
    CHECK(take_output(b).empty()); // not before the broadcast
    f.context.tracking().broadcast<session>();
    CHECK(take_output(b) == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$5\r\nobj:9\r\n"
                            ">2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n");
    CHECK(take_output(n) == ">2\r\n$10\r\ninvalidate\r\n*3\r\n$5\r\nother\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n");
    f.context.tracking().broadcast<session>();
    CHECK(take_output(b).empty());
}

TEST_CASE("tracking: tracking-table-max-keys invalidates before the next command; disconnection cleans up") {
    command_server<> f;
    auto t = std::make_unique<session>(f.commands, f.context);
    t->set_protocol(resp::protocol::resp3);
    auto b = std::make_unique<session>(f.commands, f.context);
    b->feed("CLIENT TRACKING on BCAST PREFIX p\r\n");
    f.context.tracking().set_max_keys(1);
    t->feed("CLIENT TRACKING on\r\nMGET a b c\r\n");
    (void)take_output(*t);
    CHECK(f.context.tracking().total_keys() == 3);
    t->feed("PING\r\n");
    const std::string out = take_output(*t);
    CHECK(out.ends_with("+PONG\r\n"));
    CHECK(out.starts_with(">2\r\n$10\r\ninvalidate\r\n*1\r\n"));
    CHECK(f.context.tracking().total_keys() == 1);
    CHECK(f.context.tracking().tracking_clients() == 2);
    b.reset();
    CHECK(f.context.tracking().tracking_clients() == 1);
    CHECK(f.context.tracking().total_prefixes() == 0);
    t.reset();
    CHECK(f.context.tracking().tracking_clients() == 0);
    CHECK(f.context.tracking().total_keys() == 1); // kept until invalidated, as in Redis
}

TEST_CASE("tracking: eviction and expiry invalidate, as nobody's write (NOLOOP clients hear of them)") {
    command_server<> f;
    session t(f.commands, f.context), b(f.commands, f.context);
    t.set_protocol(resp::protocol::resp3);
    b.set_protocol(resp::protocol::resp3);
    t.feed("CLIENT TRACKING on NOLOOP\r\nSET k 1\r\nGET k\r\n");
    b.feed("CLIENT TRACKING on BCAST NOLOOP\r\nSET e 1\r\n");
    (void)take_output(t);
    (void)take_output(b);
    f.context.tracking().broadcast<session>(); // b's own write of e: nothing
    CHECK(take_output(b).empty());
    CHECK(f.keyspace.evict(0, "k"));
    CHECK(take_output(t) == push("k"));
    CHECK(f.keyspace.evict(0, "e"));
    f.context.tracking().broadcast<session>();
    CHECK(take_output(b) == ">2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\ne\r\n$1\r\nk\r\n");
}

// Transactions and pub/sub on one connection: the differential scripts against redis-server
// 7.0.15 (tests/diff/transactions.redis, tests/diff/pubsub.redis), then what a script cannot
// show: messages between sessions of one context, server::publish from a user's command, and
// the session state that RESET and disconnection clean up.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "diff_harness.hpp"
#include "respkit/commands.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/store.hpp"
#include "session_client.hpp"

using namespace respkit;
using namespace respkit::server;

namespace {

struct fixture {
    store::keyspace<> keyspace;
    config_table config;
    dispatcher commands;
    server_context context;

    fixture() { commands::install_builtin_commands(commands, keyspace, config); }
    respkit_test::diff_target target() {
        return {&commands, &context, [this] { keyspace.flush_all(); }};
    }
};

std::string source_path(const char* relative) { return std::string(RESPKIT_SOURCE_DIR) + "/" + relative; }

std::string take(session& s) { return respkit_test::take_output(s); }

} // namespace

TEST_CASE("diff: transactions against redis-server") {
    fixture f;
    const std::size_t compared = respkit_test::run_diff_script(source_path("tests/diff/transactions.redis"), f.target());
    MESSAGE("transactions.redis: " << compared << " replies compared");
}

TEST_CASE("diff: pub/sub on one connection against redis-server") {
    fixture f;
    const std::size_t compared = respkit_test::run_diff_script(source_path("tests/diff/pubsub.redis"), f.target());
    MESSAGE("pubsub.redis: " << compared << " replies compared");
}

TEST_CASE("a write by another session fails EXEC; the writer is told nothing") {
    fixture f;
    session a(f.commands, f.context), b(f.commands, f.context);
    a.feed("WATCH k\r\nMULTI\r\nINCR k\r\n");
    CHECK(take(a) == "+OK\r\n+OK\r\n+QUEUED\r\n");
    b.feed("SET k 5\r\n");
    CHECK(take(b) == "+OK\r\n");
    a.feed("EXEC\r\nGET k\r\n");
    CHECK(take(a) == "*-1\r\n$1\r\n5\r\n");
    // Watching again after a failed EXEC starts afresh.
    a.feed("WATCH k\r\nMULTI\r\nINCR k\r\nEXEC\r\n");
    CHECK(take(a) == "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:6\r\n");
    CHECK(f.context.watchers().empty());
}

TEST_CASE("messages reach subscribers of other sessions, which are notified; disconnected ones are dropped") {
    fixture f;
    session pub(f.commands, f.context);
    auto sub = std::make_unique<session>(f.commands, f.context);
    session psub(f.commands, f.context);
    psub.set_protocol(resp::protocol::resp3);
    sub->feed("SUBSCRIBE news\r\n");
    psub.feed("PSUBSCRIBE n*\r\n");
    (void)take(*sub);
    (void)take(psub);
    (void)f.context.take_notified();
    pub.feed("PUBLISH news hi\r\n");
    CHECK(take(pub) == ":2\r\n");
    CHECK(take(*sub) == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    CHECK(take(psub) == ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    const auto notified = f.context.take_notified();
    CHECK(notified.size() == 2);
    sub.reset(); // disconnects: no longer a subscriber, no longer to be notified
    pub.feed("PUBLISH news again\r\nPUBSUB NUMSUB news\r\n");
    CHECK(take(pub) == ":1\r\n*2\r\n$4\r\nnews\r\n:0\r\n");
    CHECK(f.context.pubsub().channels().empty());
}

TEST_CASE("a user's command publishes with server::publish") {
    fixture f;
    f.commands.add({.name = "announce", .arity = 2}, [](command_call& call) {
        call.reply().integer(static_cast<std::int64_t>(server::publish(call.server(), "announcements", call.arg(1))));
    });
    session listener(f.commands, f.context), caller(f.commands, f.context);
    listener.feed("SUBSCRIBE announcements\r\n");
    (void)take(listener);
    caller.feed("ANNOUNCE hello\r\n");
    CHECK(take(caller) == ":1\r\n");
    CHECK(take(listener) == "*3\r\n$7\r\nmessage\r\n$13\r\nannouncements\r\n$5\r\nhello\r\n");
}

TEST_CASE("CLIENT LIST shows the subscribed, transaction and watch state") {
    fixture f;
    session s(f.commands, f.context);
    s.set_protocol(resp::protocol::resp3); // RESP2 subscribed mode would refuse CLIENT LIST
    s.feed("SUBSCRIBE a b\r\nPSUBSCRIBE c*\r\nCLIENT LIST\r\n");
    const std::string out = take(s);
    CHECK(out.find(" flags=P ") != std::string::npos);
    CHECK(out.find(" sub=2 psub=1 ssub=0 multi=-1 ") != std::string::npos);
    session t(f.commands, f.context);
    t.feed("MULTI\r\nSET a 1\r\n");
    (void)take(t);
    s.feed("RESET\r\nCLIENT LIST\r\n");
    const std::string list = take(s);
    CHECK(list.find(" flags=x db=0 sub=0 psub=0 ssub=0 multi=1 ") != std::string::npos);
    CHECK(f.context.pubsub().patterns().empty());
}

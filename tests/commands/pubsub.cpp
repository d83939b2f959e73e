// The pub/sub commands (respkit/commands/pubsub.hpp): tests/diff/pubsub.redis (one connection)
// against redis-server 7.0.15, then what a script cannot show: messages between sessions of one
// context, server::publish from a user's command, and the session state that RESET and
// disconnection clean up. With several real connections: tests/integration/pubsub_transactions.cpp.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

TEST_CASE("diff: pub/sub on one connection against redis-server") {
    command_server<> f;
    const std::size_t compared = run_diff_script(diff_script_path("pubsub.redis"), f.target());
    MESSAGE("pubsub.redis: " << compared << " replies compared");
}

TEST_CASE("messages reach subscribers of other sessions, which are notified; disconnected ones are dropped") {
    command_server<> f;
    session pub(f.commands, f.context);
    auto sub = std::make_unique<session>(f.commands, f.context);
    session psub(f.commands, f.context);
    psub.set_protocol(resp::protocol::resp3);
    sub->feed("SUBSCRIBE news\r\n");
    psub.feed("PSUBSCRIBE n*\r\n");
    (void)take_output(*sub);
    (void)take_output(psub);
    (void)f.context.take_notified();
    pub.feed("PUBLISH news hi\r\n");
    CHECK(take_output(pub) == ":2\r\n");
    CHECK(take_output(*sub) == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    CHECK(take_output(psub) == ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    const auto notified = f.context.take_notified();
    CHECK(notified.size() == 2);
    sub.reset(); // disconnects: no longer a subscriber, no longer to be notified
    pub.feed("PUBLISH news again\r\nPUBSUB NUMSUB news\r\n");
    CHECK(take_output(pub) == ":1\r\n*2\r\n$4\r\nnews\r\n:0\r\n");
    CHECK(f.context.pubsub().channels().empty());
}

TEST_CASE("shard messages reach the shard channel's subscribers only, in subscription order") {
    command_server<> f;
    session pub(f.commands, f.context), first(f.commands, f.context), second(f.commands, f.context),
        plain(f.commands, f.context);
    second.set_protocol(resp::protocol::resp3);
    first.feed("SSUBSCRIBE orders\r\n");
    second.feed("SSUBSCRIBE orders other\r\n");
    plain.feed("SUBSCRIBE orders\r\nPSUBSCRIBE *\r\n");
    CHECK(take_output(first) == "*3\r\n$10\r\nssubscribe\r\n$6\r\norders\r\n:1\r\n");
    (void)take_output(second);
    (void)take_output(plain);
    (void)f.context.take_notified();
    pub.feed("SPUBLISH orders 42\r\n");
    CHECK(take_output(pub) == ":2\r\n");
    CHECK(take_output(first) == "*3\r\n$8\r\nsmessage\r\n$6\r\norders\r\n$2\r\n42\r\n");
    CHECK(take_output(second) == ">3\r\n$8\r\nsmessage\r\n$6\r\norders\r\n$2\r\n42\r\n");
    CHECK(take_output(plain).empty()); // neither the channel nor the pattern of that name
    CHECK(f.context.take_notified().size() == 2);
    pub.feed("PUBLISH orders 43\r\n");
    CHECK(take_output(pub) == ":2\r\n"); // the channel and the pattern, not the shard subscribers
    CHECK(take_output(first).empty());
    second.feed("SUNSUBSCRIBE\r\n");
    (void)take_output(second);
    pub.feed("PUBSUB SHARDNUMSUB orders other\r\n");
    CHECK(take_output(pub) == "*4\r\n$6\r\norders\r\n:1\r\n$5\r\nother\r\n:0\r\n");
    CHECK(f.context.pubsub().shard_channel("other") == nullptr);
}

TEST_CASE("a user's command publishes with server::publish") {
    command_server<> f;
    f.commands.add({.name = "announce", .arity = 2}, [](command_call& call) {
        call.reply().integer(static_cast<std::int64_t>(server::publish(call.server(), "announcements", call.arg(1))));
    });
    session listener(f.commands, f.context), caller(f.commands, f.context);
    listener.feed("SUBSCRIBE announcements\r\n");
    (void)take_output(listener);
    caller.feed("ANNOUNCE hello\r\n");
    CHECK(take_output(caller) == ":1\r\n");
    CHECK(take_output(listener) == "*3\r\n$7\r\nmessage\r\n$13\r\nannouncements\r\n$5\r\nhello\r\n");
}

TEST_CASE("CLIENT LIST shows the subscribed, transaction and watch state") {
    command_server<> f;
    session s(f.commands, f.context);
    s.set_protocol(resp::protocol::resp3); // RESP2 subscribed mode would refuse CLIENT LIST
    s.feed("SUBSCRIBE a b\r\nPSUBSCRIBE c*\r\nSSUBSCRIBE d e f\r\nCLIENT LIST\r\n");
    const std::string out = take_output(s);
    CHECK(out.find(" flags=P ") != std::string::npos);
    CHECK(out.find(" sub=2 psub=1 ssub=3 multi=-1 ") != std::string::npos);
    session t(f.commands, f.context);
    t.feed("MULTI\r\nSET a 1\r\n");
    (void)take_output(t);
    s.feed("RESET\r\nCLIENT LIST\r\n");
    const std::string list = take_output(s);
    CHECK(list.find(" flags=x db=0 sub=0 psub=0 ssub=0 multi=1 ") != std::string::npos);
    CHECK(f.context.pubsub().patterns().empty());
    CHECK(f.context.pubsub().shard_channels().empty());
}

TEST_CASE("a shard subscription alone makes a client a pubsub client") {
    command_server<> f;
    session s(f.commands, f.context), other(f.commands, f.context);
    s.feed("SSUBSCRIBE only\r\n");
    (void)take_output(s);
    other.feed("CLIENT LIST TYPE pubsub\r\n");
    const std::string list = take_output(other);
    CHECK(list.find(" flags=P ") != std::string::npos);
    CHECK(list.find(" sub=0 psub=0 ssub=1 ") != std::string::npos);
    s.feed("SUNSUBSCRIBE only\r\nGET k\r\n");
    CHECK(take_output(s) == "*3\r\n$12\r\nsunsubscribe\r\n$4\r\nonly\r\n:0\r\n$-1\r\n");
}

// Keyspace notifications (notify-keyspace-events, docs/notifications.md): tests/diff/
// notifications.redis against redis-server 7.0.15, a subscriber connection receiving every event
// while another runs commands of every family, in RESP2 and RESP3; and a user's command emitting
// its own event through command_call::notify.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;
using server::command_call;
using server::session;

TEST_CASE("notifications.redis against redis-server") {
    command_server<> srv;
    const std::size_t compared = run_diff_script(diff_script_path("notifications.redis"), srv.target());
    MESSAGE("notifications.redis: " << compared << " replies compared");
}

TEST_CASE("a user's command emits its own keyspace events with command_call::notify") {
    command_server<> f;
    using server::keyspace_event_class;
    // A module-like command: writes a string and announces it under class d, then a list event.
    f.commands.add({.name = "stamp", .arity = 2, .flags = server::command_flag::write}, [&f](command_call& call) {
        f.keyspace.set(call.client().db(), call.arg(1), store::value::from_bytes("stamped"));
        call.notify(keyspace_event_class::module, "stamped", call.arg(1));
        call.notify(keyspace_event_class::list, "stamped.list", call.arg(1), 3); // another database
        call.reply().integer(call.notifying(keyspace_event_class::module) ? 1 : 0);
    });
    session listener(f.commands, f.context), caller(f.commands, f.context);
    listener.feed("PSUBSCRIBE __key*__:*\r\n");
    (void)take_output(listener);

    caller.feed("STAMP k\r\n"); // notify-keyspace-events is empty: nothing is published
    CHECK(take_output(caller) == ":0\r\n");
    CHECK(take_output(listener).empty());

    caller.feed("CONFIG SET notify-keyspace-events KEd\r\nSTAMP k\r\n");
    CHECK(take_output(caller) == "+OK\r\n:1\r\n");
    CHECK(take_output(listener) == "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@0__:k\r\n$7\r\nstamped\r\n"
                                   "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:stamped\r\n$1\r\nk\r\n");

    caller.feed("CONFIG SET notify-keyspace-events Kl\r\nSTAMP k\r\n");
    CHECK(take_output(caller) == "+OK\r\n:0\r\n");
    CHECK(take_output(listener) ==
          "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$16\r\n__keyspace@3__:k\r\n$12\r\nstamped.list\r\n");
}

TEST_CASE("notify-keyspace-events: CONFIG GET prints the classes as Redis; A hides n, which stays on") {
    command_server<> f;
    command_client c(f);
    CHECK(c({"CONFIG", "SET", "notify-keyspace-events", "An"}) == "+OK\r\n");
    CHECK(c({"CONFIG", "GET", "notify-keyspace-events"}) == "*2\r\n$22\r\nnotify-keyspace-events\r\n$1\r\nA\r\n");
    using server::keyspace_event_class;
    CHECK(f.context.keyspace_events() == (keyspace_event_class::all | keyspace_event_class::new_key));
    CHECK(c({"CONFIG", "SET", "notify-keyspace-events", "gnK"}) == "+OK\r\n");
    CHECK(c({"CONFIG", "GET", "notify-keyspace-events"}) == "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\ngnK\r\n");
    CHECK(c({"CONFIG", "SET", "notify-keyspace-events", "Q"}).rfind("-ERR CONFIG SET failed", 0) == 0);
    CHECK(f.context.keyspace_events() == (keyspace_event_class::generic | keyspace_event_class::new_key |
                                          keyspace_event_class::keyspace));
    CHECK(server::parse_keyspace_event_classes("Ag$lshzxeKEtmdn").has_value());
    CHECK(!server::parse_keyspace_event_classes("X").has_value());
}

TEST_CASE("notifications_self.redis against redis-server") {
    command_server<> srv;
    const std::size_t compared = run_diff_script(diff_script_path("notifications_self.redis"), srv.target());
    MESSAGE("notifications_self.redis: " << compared << " replies compared");
}

TEST_CASE("new and missed keys reported for n and m are no change: no tracking invalidation") {
    command_server<> f;
    session tracker(f.commands, f.context), other(f.commands, f.context);
    tracker.set_protocol(resp::protocol::resp3);
    tracker.feed("CLIENT TRACKING ON\r\nGET k\r\n");
    CHECK(take_output(tracker) == "+OK\r\n_\r\n");
    other.feed("CONFIG SET notify-keyspace-events KEAnm\r\nGET k\r\nEXISTS k\r\n");
    CHECK(take_output(other) == "+OK\r\n$-1\r\n:0\r\n");
    CHECK(take_output(tracker).empty()); // a read miss is not a write
    other.feed("SET k v\r\n");
    (void)take_output(other);
    CHECK(take_output(tracker) == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
}

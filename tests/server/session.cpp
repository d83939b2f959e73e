// The server core without sockets: a dispatcher with user callbacks, sessions fed bytes in any
// split, Redis's error replies for unknown commands, arity and subcommands, write hooks,
// protocol errors closing the session, and back-pressure on queued output.

#include <doctest/doctest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/server.hpp"
#include "respkit/server/session_impl.hpp"

using namespace respkit;
using namespace respkit::server;

namespace {

dispatcher echo_dispatcher() {
    dispatcher d;
    d.add({.name = "echo", .arity = -1}, [](command_call& call) {
        call.reply().array(call.argc() - 1);
        for (std::size_t i = 1; i < call.argc(); ++i) call.reply().bulk_string(call.arg(i));
    });
    d.add({.name = "set", .arity = 3, .flags = command_flag::write, .keys = {1, 1, 1}},
          [](command_call& call) { call.ok(); });
    d.add({.name = "fail", .arity = 1, .flags = command_flag::write},
          [](command_call& call) { call.error("ERR it failed\r\nbadly"); });
    d.add_subcommand("config", {.name = "get", .arity = 3}, [](command_call& call) { call.reply().array(0); });
    return d;
}

std::string run(const dispatcher& d, server_context& ctx, const std::string& input) {
    session s(d, ctx);
    s.feed(input);
    return std::string(s.pending_output());
}

} // namespace

TEST_CASE("a dispatcher with a user callback serves pipelined requests split anywhere") {
    const dispatcher d = echo_dispatcher();
    server_context ctx;
    const std::string input = "*3\r\n$4\r\nECHO\r\n$1\r\na\r\n$2\r\nbc\r\nEcHo x \"y z\"\r\n";
    const std::string expected = "*2\r\n$1\r\na\r\n$2\r\nbc\r\n*2\r\n$1\r\nx\r\n$3\r\ny z\r\n";
    CHECK(run(d, ctx, input) == expected);
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        session s(d, ctx);
        s.feed(input.substr(0, cut));
        s.feed(input.substr(cut));
        CHECK(s.pending_output() == expected);
    }
    CHECK(ctx.stats().total_commands_processed == 2 * input.size());
}

TEST_CASE("Redis's errors for unknown commands, arity and subcommands") {
    const dispatcher d = echo_dispatcher();
    server_context ctx;
    CHECK(run(d, ctx, "NOSUCH a b\r\n") == "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n");
    CHECK(run(d, ctx, "nosuch\r\n") == "-ERR unknown command 'nosuch', with args beginning with: \r\n");
    CHECK(run(d, ctx, "SET k\r\n") == "-ERR wrong number of arguments for 'set' command\r\n");
    CHECK(run(d, ctx, "config\r\n") == "-ERR wrong number of arguments for 'config' command\r\n");
    CHECK(run(d, ctx, "config nosuch\r\n") == "-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n");
    CHECK(run(d, ctx, "config GET\r\n") == "-ERR wrong number of arguments for 'config|get' command\r\n");
    CHECK(run(d, ctx, "config GET x\r\n") == "*0\r\n");
    CHECK(run(d, ctx, "*2\r\n$4\r\nx\r\ny\r\n$3\r\na\nb\r\n") ==
          "-ERR unknown command 'x  y', with args beginning with: 'a b' \r\n");
    // 32 arguments of 4 printed characters fill the 128-character list.
    std::string many = "k";
    for (int i = 0; i < 40; ++i) many += " k";
    std::string expected = "-ERR unknown command 'k', with args beginning with: ";
    for (int i = 0; i < 32; ++i) expected += "'k' ";
    CHECK(run(d, ctx, many + "\r\n") == expected + "\r\n");
    // The argument that crosses 128 gets 128 minus the length before its opening quote, as
    // Redis's "'%.*s' " (found by the command fuzzer's differential mode).
    std::string crossing = "nosuch";
    for (int i = 0; i < 25; ++i) crossing += " aaaa";
    expected = "-ERR unknown command 'nosuch', with args beginning with: ";
    for (int i = 0; i < 18; ++i) expected += "'aaaa' ";
    CHECK(run(d, ctx, crossing + "\r\n") == expected + "'aa' \r\n");
    CHECK(ctx.error_counts().at("ERR") == 9);
}

TEST_CASE("propagation: commands that changed something, as sent or as they rewrote themselves") {
    dispatcher d = echo_dispatcher();
    d.add({.name = "incrby", .arity = 3, .flags = command_flag::write}, [](command_call& call) {
        call.mark_dirty();
        call.propagate_as({"SET", std::string(call.arg(1)), "42"});
        call.reply().integer(42);
    });
    d.add({.name = "pair", .arity = 1, .flags = command_flag::write}, [](command_call& call) {
        call.also_propagate(3, {"DEL", "x"});
        call.also_propagate(3, {"DEL", "y"});
        call.prevent_propagation();
        call.ok();
    });
    server_context ctx;
    struct logged_command { // a sink's command lives until the sink returns: a copy
        std::size_t db;
        std::vector<std::string> args;
    };
    std::vector<logged_command> logged;
    ctx.propagation().add_sink([&](const propagated_command& c) {
        logged.push_back({c.db, std::vector<std::string>(c.args.begin(), c.args.end())});
    });
    CHECK(run(d, ctx, "SET a b\r\nECHO x\r\nFAIL\r\nset c d\r\nINCRBY n 1\r\nPAIR\r\n") ==
          "+OK\r\n*1\r\n$1\r\nx\r\n-ERR it failed  badly\r\n+OK\r\n:42\r\n+OK\r\n");
    // SET changes nothing the path can see (no keyspace, no mark_dirty): not propagated.
    using args = std::vector<std::string>;
    REQUIRE(logged.size() == 5);
    CHECK(logged[0].args == args{"SET", "n", "42"});
    CHECK(logged[0].db == 0);
    CHECK(logged[1].args == args{"MULTI"}); // two commands from one: wrapped, in db 3
    CHECK(logged[1].db == 3);
    CHECK(logged[2].args == args{"DEL", "x"});
    CHECK(logged[3].args == args{"DEL", "y"});
    CHECK(logged[4].args == args{"EXEC"});
    CHECK(logged[4].db == propagated_command::any_db);

    propagation_encoder encoder;
    std::string file;
    for (const logged_command& c : logged) {
        const std::vector<std::string_view> views(c.args.begin(), c.args.end());
        encoder.encode({c.db, views}, file);
    }
    CHECK(file == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nn\r\n$2\r\n42\r\n"
                  "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"
                  "*2\r\n$3\r\nDEL\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n");
}

TEST_CASE("users replace and remove commands, built-in or not") {
    dispatcher d = echo_dispatcher();
    d.add({.name = "echo", .arity = 2}, [](command_call& call) { call.reply().simple_string("replaced"); });
    server_context ctx;
    CHECK(run(d, ctx, "ECHO a\r\n") == "+replaced\r\n");
    CHECK(d.remove("ECHO"));
    CHECK(!d.remove("echo"));
    CHECK(run(d, ctx, "ECHO a\r\n") == "-ERR unknown command 'ECHO', with args beginning with: 'a' \r\n");
}

TEST_CASE("a session that ran a command sees it replaced, removed and added again in the table") {
    // A session remembers the entry of the command it ran last (see session::find_last): the
    // table's changes in between must still count.
    dispatcher d = echo_dispatcher();
    server_context ctx;
    session s(d, ctx);
    const auto reply_to = [&s](std::string_view request) {
        s.output_sent(s.pending_output().size());
        s.feed(request);
        return std::string(s.pending_output());
    };
    CHECK(reply_to("ECHO a\r\n") == "*1\r\n$1\r\na\r\n");
    CHECK(reply_to("ECHO b\r\n") == "*1\r\n$1\r\nb\r\n");
    d.add({.name = "echo", .arity = 2}, [](command_call& call) { call.reply().simple_string("replaced"); });
    CHECK(reply_to("ECHO a\r\n") == "+replaced\r\n");
    CHECK(d.remove("echo"));
    CHECK(reply_to("ECHO a\r\n") == "-ERR unknown command 'ECHO', with args beginning with: 'a' \r\n");
    d.add({.name = "echo", .arity = -1}, [](command_call& call) { call.reply().simple_string("back"); });
    CHECK(reply_to("ECHO a\r\n") == "+back\r\n");
    CHECK(reply_to("echo a\r\n") == "+back\r\n");
    CHECK(reply_to("SET k v\r\n") == "+OK\r\n");
    CHECK(s.last_command() == "SET");
}

TEST_CASE("a protocol error is answered, then the session closes without running more") {
    const dispatcher d = echo_dispatcher();
    server_context ctx;
    session s(d, ctx);
    s.feed("ECHO a\r\n*1\r\n$x\r\nECHO b\r\n");
    CHECK(s.pending_output() == "*1\r\n$1\r\na\r\n-ERR Protocol error: invalid bulk length\r\n");
    CHECK(s.closing());
}

TEST_CASE("back-pressure: processing pauses while output is above the watermark") {
    const dispatcher d = echo_dispatcher();
    server_context ctx;
    session_options options;
    options.output_high_watermark = 64;
    session s(d, ctx, options);
    std::string input;
    for (int i = 0; i < 100; ++i) input += "ECHO 0123456789\r\n";
    s.feed(input);
    CHECK(s.output_full());
    CHECK(s.has_pending_input());
    const std::size_t first = s.pending_output().size();
    CHECK(first < 200);
    while (s.has_pending_input()) {
        s.output_sent(s.pending_output().size());
        s.process();
    }
    CHECK(ctx.stats().total_commands_processed == 100);
}

TEST_CASE("sessions register in the server context with increasing ids") {
    const dispatcher d = echo_dispatcher();
    server_context ctx;
    session a(d, ctx);
    {
        session b(d, ctx);
        CHECK(b.id() == a.id() + 1);
        CHECK(ctx.clients().size() == 2);
    }
    CHECK(ctx.clients().size() == 1);
    CHECK(ctx.stats().total_connections_received == 2);
}

TEST_CASE("key positions enumerate key arguments") {
    std::vector<std::size_t> keys;
    key_positions{1, -1, 2}.for_each(7, [&](std::size_t i) { keys.push_back(i); }); // MSET k v k v k v
    CHECK(keys == std::vector<std::size_t>{1, 3, 5});
    keys.clear();
    key_positions{1, -2, 1}.for_each(4, [&](std::size_t i) { keys.push_back(i); }); // BLPOP a b timeout
    CHECK(keys == std::vector<std::size_t>{1, 2});
    keys.clear();
    key_positions{}.for_each(4, [&](std::size_t i) { keys.push_back(i); });
    CHECK(keys.empty());
}

TEST_CASE("an exception from a handler becomes an error reply and a log line; its partial reply is dropped") {
    dispatcher d = echo_dispatcher();
    d.add({.name = "boom", .arity = 2}, [](command_call& call) {
        call.reply().array(3); // a reply begun, then the handler fails
        call.reply().bulk_string("partial");
        if (call.arg(1) == "alloc") throw std::bad_alloc();
        if (call.arg(1) == "int") throw 42;
        throw std::runtime_error("it broke");
    });
    server_context ctx;
    std::vector<std::string> lines;
    ctx.set_log_sink([&](log_level level, std::string_view line) {
        CHECK(level == log_level::warning);
        lines.emplace_back(line);
    });
    session s(d, ctx);
    s.feed("BOOM alloc\r\nBOOM other\r\nBOOM int\r\nECHO still\r\n");
    CHECK(s.pending_output() == "-ERR out of memory running 'boom'\r\n"
                                "-ERR internal error running 'boom': it broke\r\n"
                                "-ERR internal error running 'boom'\r\n"
                                "*1\r\n$5\r\nstill\r\n");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "Command 'boom' of client id=" + std::to_string(s.id()) + " failed: out of memory");
    CHECK(lines[1].ends_with("failed: it broke"));
    CHECK(!s.closing());
    CHECK(ctx.stats().total_commands_processed == 4);
    CHECK(ctx.error_counts().at("ERR") == 3);
}

TEST_CASE("a reply past the output hard limit is not built: the connection closes") {
    dispatcher d = echo_dispatcher();
    d.add({.name = "flood", .arity = 1}, [](command_call& call) {
        const std::string chunk(1000, 'x');
        call.reply().array(1'000'000); // a gigabyte promised, never allocated
        for (int i = 0; i < 1'000'000; ++i) call.reply().bulk_string(chunk);
    });
    server_context ctx;
    std::vector<std::string> lines;
    ctx.set_log_sink([&](log_level, std::string_view line) { lines.emplace_back(line); });
    session_options options;
    options.output_hard_limit = 64 * 1024;
    session s(d, ctx, options);
    s.feed("ECHO a\r\n");
    CHECK(s.output_size() == 11);
    s.feed("FLOOD\r\nECHO never\r\n");
    CHECK(s.closing());
    CHECK(s.pending_output().empty()); // dropped, as a client past its limit is
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("scheduled to be closed ASAP for overcoming of output buffer limits") != std::string::npos);
    // A message published to the closed client is dropped, not queued.
    s.reply().bulk_string("late");
    CHECK(s.pending_output().empty());
}

TEST_CASE("the ACL check over a user's own commands: categories from flags, keys from key positions, NOPERM") {
    dispatcher d = echo_dispatcher();
    access_control& acl = d.access();
    REQUIRE(acl.set_user("u", std::vector<std::string>{"on", "nopass", "-@all", "+@write", "+config|get", "%W~w*"})
                .empty());
    CHECK(acl.set_user("v", std::vector<std::string>{"+nosuch"}) ==
          "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    server_context ctx;
    session s(d, ctx);
    CHECK(s.user().name() == "default");
    s.set_user(acl.find("u"));
    s.feed("SET w1 x\r\nSET k x\r\nECHO a\r\nCONFIG GET x\r\nFAIL\r\n");
    CHECK(s.pending_output() ==
          "+OK\r\n-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
          "-NOPERM this user has no permissions to run the 'echo' command\r\n*0\r\n-ERR it failed  badly\r\n");
    REQUIRE(acl.log().entries().size() == 2);
    CHECK(acl.log().entries()[0].object == "echo");
    CHECK(acl.log().entries()[1].object == "k");
    // A command added later is allowed by +@all, not by the categories given before it existed.
    REQUIRE(acl.set_user("all", std::vector<std::string>{"on", "nopass", "+@all", "~*"}).empty());
    d.add({.name = "later", .arity = 1, .flags = command_flag::write}, [](command_call& call) { call.ok(); });
    s.output_sent(s.pending_output().size());
    s.feed("LATER\r\n");
    CHECK(s.pending_output() == "-NOPERM this user has no permissions to run the 'later' command\r\n");
    s.output_sent(s.pending_output().size());
    s.set_user(acl.find("all"));
    s.feed("LATER\r\n");
    CHECK(s.pending_output() == "+OK\r\n");
}

TEST_CASE("the checks: built in, in Redis's order, extended by registration; the catch-all") {
    dispatcher d = echo_dispatcher();
    std::vector<std::string> names;
    for (const registered_check& c : d.checks()) names.push_back(c.name);
    CHECK(names == std::vector<std::string>{"authentication", "transaction", "acl", "subscribed", "loading", "busy"});
    std::vector<command_origin> seen;
    d.add_check(check_stage::cluster, "no-x-keys", [&](const pending_command& c) {
        seen.push_back(c.origin);
        return c.args.size() > 1 && c.args[1].starts_with("x") ? std::string("MOVED 1 127.0.0.1:7000")
                                                                : std::string();
    });
    names.clear();
    for (const registered_check& c : d.checks()) names.push_back(c.name);
    CHECK(names ==
          std::vector<std::string>{"authentication", "transaction", "acl", "no-x-keys", "subscribed", "loading", "busy"});
    server_context ctx;
    CHECK(run(d, ctx, "ECHO xy\r\nECHO ab\r\n") == "-MOVED 1 127.0.0.1:7000\r\n*1\r\n$2\r\nab\r\n");
    CHECK(seen == std::vector<command_origin>{command_origin::client, command_origin::client});

    // A password: unauthenticated clients get NOAUTH after the existence and arity checks.
    d.access().set_password("pw");
    CHECK(run(d, ctx, "ECHO ab\r\nNOSUCH\r\nSET k\r\n") ==
          "-NOAUTH Authentication required.\r\n"
          "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
          "-ERR wrong number of arguments for 'set' command\r\n");
    d.access().set_password("");

    // Loading: commands without the `loading` flag get LOADING, those loaded from the file run.
    ctx.set_loading(true);
    {
        session s(d, ctx);
        s.feed("ECHO ab\r\n");
        CHECK(s.pending_output() == "-LOADING Redis is loading the dataset in memory\r\n");
        s.output_sent(s.pending_output().size());
        const std::string_view args[] = {"echo", "ab"};
        s.execute(args, command_origin::loading);
        CHECK(s.pending_output() == "*1\r\n$2\r\nab\r\n");
    }
    ctx.set_loading(false);

    // Every unknown command to one handler.
    d.set_catch_all([](command_call& call) { call.reply().simple_string("caught " + std::string(call.arg(0))); });
    CHECK(run(d, ctx, "NOSUCH a\r\nconfig nosuch\r\n") ==
          "+caught NOSUCH\r\n-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n");
}

TEST_CASE("a big argument is received into its own string, which a command may keep without a copy") {
    dispatcher d;
    std::string kept;
    const char* kept_at = nullptr;
    const char* seen_at = nullptr;
    d.add({.name = "keep", .arity = 3}, [&](command_call& call) {
        seen_at = call.arg(2).data();
        kept = call.take_arg(2);
        kept_at = kept.data();
        CHECK(call.arg(2).size() == kept.size()); // still readable until the command ends
        call.ok();
    });
    server_context ctx;
    session s(d, ctx);
    const std::string big(100'000, 'b');
    const std::string request = "*3\r\n$4\r\nKEEP\r\n$1\r\nk\r\n$100000\r\n" + big + "\r\n";
    // In pieces: the argument starts arriving, then the session reads it into its own string.
    s.feed(request.substr(0, 40));
    CHECK(s.pending_output().empty());
    CHECK(s.input_size() == 40);
    for (std::size_t at = 40; at < request.size(); at += 7'000) s.feed(request.substr(at, 7'000));
    CHECK(s.pending_output() == "+OK\r\n");
    CHECK(kept == big);
    CHECK(kept_at == seen_at); // moved, not copied
    // A whole request in one piece is parsed from the input as before (take_arg copies).
    s.feed(request + "PING\r\n");
    CHECK(kept == big);
    CHECK(kept_at != seen_at);
    CHECK(s.pending_output().starts_with("+OK\r\n+OK\r\n-ERR unknown command 'PING'"));
}

TEST_CASE("client-output-buffer-limit: the class's hard limit, the soft limit after its seconds") {
    dispatcher d = echo_dispatcher();
    server_context ctx;
    std::vector<std::string> lines;
    ctx.set_log_sink([&](log_level, std::string_view line) { lines.emplace_back(line); });
    ctx.client_limits().output[0] = {1000, 500, std::chrono::seconds(1)};
    ctx.tick();
    {
        session s(d, ctx);
        s.feed("ECHO " + std::string(2000, 'x') + "\r\n");
        CHECK(s.closing());
        CHECK(s.pending_output().empty());
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find("scheduled to be closed ASAP for overcoming of output buffer limits") != std::string::npos);
    }
    session s(d, ctx);
    s.feed("ECHO " + std::string(600, 'x') + "\r\n"); // over the soft limit: the second starts
    CHECK(!s.closing());
    s.feed("ECHO a\r\n");
    CHECK(!s.closing()); // not for more than a second yet
    s.output_sent(s.output_size());
    s.feed("ECHO " + std::string(600, 'x') + "\r\n");
    CHECK(!s.closing());
    CHECK(s.output_class() == client_class::normal);
}

TEST_CASE("client eviction: the biggest client not marked no-evict goes, counted") {
    dispatcher d = echo_dispatcher();
    server_context ctx;
    session small(d, ctx), big(d, ctx), spared(d, ctx);
    spared.set_no_evict(true);
    spared.feed("ECHO " + std::string(400'000, 's') + "\r\n"); // biggest, but spared
    big.feed("ECHO " + std::string(200'000, 'b') + "\r\n");
    small.feed("ECHO a\r\n");
    CHECK(evict_clients(ctx) == 0); // no limit
    ctx.client_limits().max_memory_clients = 1; // raised to 128 kB, as Redis
    CHECK(evict_clients(ctx) == 2);           // the spared one alone is over: everyone else goes
    CHECK(big.closing());
    CHECK(small.closing());
    CHECK(!spared.closing());
    CHECK(ctx.stats().evicted_clients == 2);
    ctx.client_limits().max_memory_clients = 10'000'000;
    CHECK(evict_clients(ctx) == 0);
}

TEST_CASE("call.reply(value): a callback replies with typed values, maps flat in RESP2 as Redis does") {
    dispatcher d;
    d.add({.name = "info", .arity = 1}, [](command_call& call) {
        const std::vector<std::pair<std::string_view, std::vector<int>>> fields{{"a", {1, 2}}, {"b", {}}};
        call.reply(fields);
    });
    d.add({.name = "pair", .arity = 2}, [](command_call& call) {
        call.reply(std::pair<std::string_view, bool>{call.arg(1), true});
    });
    server_context ctx;
    const std::string input = "INFO\r\nPAIR x\r\n";
    CHECK(run(d, ctx, input) == "*4\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n$1\r\nb\r\n*0\r\n*2\r\n$1\r\nx\r\n:1\r\n");
    session s(d, ctx);
    s.set_protocol(resp::protocol::resp3);
    s.feed(input);
    CHECK(s.pending_output() == "%2\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n$1\r\nb\r\n*0\r\n*2\r\n$1\r\nx\r\n#t\r\n");
}

// The script engine (respkit/scripting/*.hpp) and the scripting commands beyond what
// tests/diff/scripting.redis compares with Redis: SHA-1, shebangs, the cache, the script's own
// client, propagation of a script's effects, ACL, blocking commands and errors counted.

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "respkit/commands/scripting.hpp"
#include "respkit/scripting/script_flags.hpp"
#include "respkit/scripting/sha1.hpp"
#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("sha1_hex: the digests Redis names scripts by") {
    CHECK(scripting::sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(scripting::sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(scripting::sha1_hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    // Padding at the block edges (55, 56 and 64 bytes) and several blocks.
    CHECK(scripting::sha1_hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    CHECK(scripting::sha1_hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    CHECK(scripting::sha1_hex(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    CHECK(scripting::sha1_hex(std::string(1000, 'x')) ==
          "c3efa690fa3fdd2e2526853eed670538ea127638");
}

TEST_CASE("read_shebang: flags and Redis's errors") {
    scripting::script_flags f;
    std::size_t n = 0;
    CHECK(scripting::read_shebang("return 1", f, n).empty());
    CHECK(f.compat);
    CHECK(n == 0);
    CHECK(scripting::read_shebang("#!lua flags=no-writes,allow-oom\nreturn 1", f, n).empty());
    CHECK(!f.compat);
    CHECK(f.no_writes);
    CHECK(f.allow_oom);
    CHECK(!f.allow_stale);
    CHECK(n == 31);
    CHECK(scripting::read_shebang("#!lua flags=\nx", f, n).empty());
    CHECK(!f.no_writes);
    CHECK(scripting::read_shebang("#!lua", f, n) == "Invalid script shebang");
    CHECK(scripting::read_shebang("#!py\n", f, n) == "Unexpected engine in script shebang: #!py");
    CHECK(scripting::read_shebang("#!lua flags=x\n", f, n) ==
          "Unexpected flag in script shebang: x");
    CHECK(scripting::read_shebang("#!lua name=x\n", f, n) == "Unknown lua shebang option: name=x");
    CHECK(scripting::read_shebang("#!lua flags=no-writes,,allow-oom\n", f, n) ==
          "Unexpected flag in script shebang: ");
}

TEST_CASE("script_engine: the cache") {
    scripting::script_engine engine;
    std::string error;
    const std::string sha = engine.load("return 1", error);
    CHECK(sha == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    CHECK(engine.load("return 1", error) == sha); // loaded once
    CHECK(engine.size() == 1);
    CHECK(engine.find("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB") != nullptr);
    CHECK(engine.load("return +", error).empty());
    CHECK(error ==
          "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'");
    CHECK(engine.load("#!lua flags=x\nreturn 1", error).empty());
    CHECK(error == "ERR Unexpected flag in script shebang: x");
    CHECK(engine.size() == 1);
    engine.flush();
    CHECK(engine.size() == 0);
    CHECK(engine.find(sha) == nullptr);
    CHECK(!engine.running());
    CHECK(engine.memory() > 0);
}

namespace {

struct scripting_server : command_server<> {
    scripting_server() { commands::install_scripting_commands(commands); }
};

} // namespace

TEST_CASE(
    "EVAL: the script's client is not a client of the server, and blocking commands do not block") {
    scripting_server srv;
    command_client c(srv);
    const std::size_t clients = srv.context.clients().size();
    const auto received = srv.context.stats().total_connections_received;
    // Redis answers a blocking command as on its timeout in a script (BLPOP is noscript).
    CHECK(c({"EVAL", "return redis.call('blmpop', 0, 1, 'nosuch', 'left')", "0"}) == "$-1\r\n");
    CHECK(c({"EVAL", "return redis.call('bzmpop', 0, 1, 'nosuch', 'min')", "0"}) == "$-1\r\n");
    CHECK(srv.context.clients().size() == clients);
    CHECK(srv.context.stats().total_connections_received == received);
    CHECK(c({"CLIENT", "ID"}) == ":1\r\n");
    // SELECT stays inside the script; the script's client starts in the caller's database.
    CHECK(c({"SELECT", "3"}) == "+OK\r\n");
    CHECK(c({"EVAL", "redis.call('set', 'a', 'b') redis.call('select', 5) return 1", "0"}) ==
          ":1\r\n");
    CHECK(c({"GET", "a"}) == "$1\r\nb\r\n");
    CHECK(c({"EVAL", "return redis.call('get', 'a')", "0"}) == "$1\r\nb\r\n");
}

TEST_CASE("EVAL: a script's writes propagate as its effects, wrapped in MULTI/EXEC") {
    scripting_server srv;
    srv.propagate_changes();
    std::vector<std::string> stream;
    srv.context.propagation().add_sink([&](const server::propagated_command& cmd) {
        std::string line;
        for (const std::string_view a : cmd.args)
            line += (line.empty() ? "" : " ") + std::string(a);
        stream.push_back(line);
    });
    command_client c(srv);
    CHECK(c({"EVAL",
             "redis.call('set', 'a', '1') redis.call('incr', 'a') redis.call('get', 'a') return 1",
             "0"}) == ":1\r\n");
    CHECK(stream == std::vector<std::string>{"MULTI", "set a 1", "incr a", "EXEC"});
    stream.clear();
    CHECK(c({"EVAL", "return redis.call('incr', 'a')", "0"}) == ":3\r\n");
    CHECK(stream == std::vector<std::string>{"incr a"}); // one command: not wrapped
    stream.clear();
    CHECK(c({"EVAL", "return redis.call('get', 'a')", "0"}) == "$1\r\n3\r\n");
    CHECK(stream.empty()); // read only: nothing
    CHECK(c({"EVAL",
             "redis.call('incr', 'a') redis.set_repl(redis.REPL_NONE) redis.call('incr', 'a') "
             "redis.set_repl(redis.REPL_ALL) redis.call('incr', 'a') return 1",
             "0"}) == ":1\r\n");
    CHECK(stream == std::vector<std::string>{"MULTI", "incr a", "incr a", "EXEC"});
    stream.clear();
    // A script that fails half-way still propagates what it did.
    CHECK(c({"EVAL", "redis.call('set', 'b', 'x') error('stop')", "0"})
              .starts_with("-ERR user_script:1: stop"));
    CHECK(stream == std::vector<std::string>{"set b x"});
}

TEST_CASE("EVAL: ACL rules apply to the script's commands, logged with context lua") {
    scripting_server srv;
    command_client admin(srv);
    CHECK(admin({"ACL", "SETUSER", "u", "on", "nopass", "+eval", "+get", "~k*"}) == "+OK\r\n");
    command_client c(srv);
    CHECK(c({"AUTH", "u", "x"}) == "+OK\r\n");
    CHECK(c({"EVAL", "return redis.call('get', 'k1')", "0"}) == "$-1\r\n");
    const std::string denied = c({"EVAL", "return redis.call('set', 'k1', 'v')", "0"});
    CHECK(denied.starts_with(
        "-ERR The user executing the script can't run this command or subcommand script: "));
    const std::string key = c({"EVAL", "return redis.call('get', 'other')", "0"});
    CHECK(key.starts_with(
        "-ERR The user executing the script can't access at least one of the keys mentioned in the "
        "command arguments script: "));
    CHECK(c({"EVAL", "return redis.acl_check_cmd('set', 'k1', 'v')", "0"}) == "$-1\r\n"); // false
    CHECK(c({"EVAL", "return redis.acl_check_cmd('get', 'k1')", "0"}) == ":1\r\n");
    const resp::value log = admin.parsed({"ACL", "LOG"});
    REQUIRE(log.size() == 2);
    const resp::value* context = log[0].find("context");
    REQUIRE(context != nullptr);
    CHECK(context->string() == "lua");
}

TEST_CASE("EVAL: errors are counted once") {
    scripting_server srv;
    command_client c(srv);
    CHECK(c({"SET", "s", "x"}) == "+OK\r\n");
    const auto before = srv.context.stats().total_error_replies;
    CHECK(c({"EVAL", "return redis.call('incr', 's')", "0"})
              .starts_with("-ERR value is not an integer"));
    CHECK(srv.context.stats().total_error_replies == before + 1); // INCR's, not the script's again
    CHECK(c({"EVAL", "return redis.call('nosuch')", "0"})
              .starts_with("-ERR Unknown Redis command called from script"));
    CHECK(srv.context.stats().total_error_replies == before + 2);
    CHECK(c({"EVAL", "error('x')", "0"}).starts_with("-ERR user_script:1: x"));
    CHECK(srv.context.stats().total_error_replies == before + 3);
}

TEST_CASE("EVAL: deep and self-referencing tables end in an error, not a crash") {
    scripting_server srv;
    command_client c(srv);
    const std::string reply = c({"EVAL", "local t = {} t[1] = t return t", "0"});
    CHECK(reply.find("-ERR reached lua stack limit") != std::string::npos);
    CHECK(c({"PING"}) == "+PONG\r\n");
}

TEST_CASE("script_engine: a script cannot take more memory than the engine's limit") {
    auto engine = std::make_shared<scripting::script_engine>();
    engine->set_memory_limit(64u << 20);
    command_server<> srv;
    commands::install_scripting_commands(srv.commands, engine);
    command_client c(srv);
    const std::string reply = c({"EVAL", "return #string.rep('x', 200000000)", "0"});
    CHECK(reply.starts_with("-ERR Error running script "));
    CHECK(reply.find("not enough memory") != std::string::npos);
    CHECK(c({"EVAL", "return #string.rep('x', 1000)", "0"}) == ":1000\r\n");
}

TEST_CASE("EVAL: a reply past the client's output limit closes it; the engine stays usable") {
    auto engine = std::make_shared<scripting::script_engine>();
    command_server<> srv;
    commands::install_scripting_commands(srv.commands, engine);
    REQUIRE(server::parse_output_buffer_limits("normal 100000 0 0", srv.context.client_limits()));
    command_client big(srv);
    (void)big({"EVAL", "local t = {} for i = 1, 100000 do t[i] = 'xxxxxxxxxx' end return t", "0"});
    CHECK(big.session.closed_now());
    CHECK(lua_gettop(engine->state()) == 0); // nothing left on the Lua stack
    command_client c(srv);
    CHECK(c({"EVAL", "return redis.call('ping')", "0"}) == "+PONG\r\n");
}

TEST_CASE("EVAL past busy-reply-threshold: the busy handler serves the others; SCRIPT KILL; "
          "UNKILLABLE; SHUTDOWN NOSAVE abandons the script") {
    scripting_server srv;
    srv.context.set_busy_reply_threshold(std::chrono::milliseconds(1));
    command_client a(srv), b(srv);
    const std::string busy = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                             "or SHUTDOWN NOSAVE.\r\n";
    std::vector<std::string> seen;
    int calls = 0;
    std::vector<std::vector<std::string>> to_send; // b's commands, one per handler call
    srv.context.set_busy_handler([&](const server::session&) {
        CHECK(srv.context.busy());
        if (static_cast<std::size_t>(calls) < to_send.size()) seen.push_back(b.run(to_send[calls]));
        ++calls;
    });
    CHECK(b({"SCRIPT", "KILL"}) == "-NOTBUSY No scripts in execution right now.\r\n");
    to_send = {{"PING"}, {"GET", "x"}, {"EVAL", "return 1", "0"}, {"SCRIPT", "KILL"}};
    CHECK(a({"EVAL", "local i = 0 while true do i = i + 1 end", "0"})
              .starts_with("-ERR Script killed by user with SCRIPT KILL... script: "));
    CHECK(seen == std::vector<std::string>{busy, busy, busy, "+OK\r\n"});
    CHECK(calls == 4); // killed in the call that ran SCRIPT KILL
    CHECK(!srv.context.busy());
    CHECK(b({"PING"}) == "+PONG\r\n");

    // pcall in the script cannot catch the kill for good.
    seen.clear();
    calls = 0;
    to_send = {{"SCRIPT", "KILL"}};
    CHECK(a({"EVAL", "while true do pcall(function() while true do end end) end", "0"})
              .starts_with("-ERR Script killed by user with SCRIPT KILL..."));
    CHECK(seen == std::vector<std::string>{"+OK\r\n"});

    // A script that wrote: UNKILLABLE; SHUTDOWN without NOSAVE refused; SHUTDOWN NOSAVE ends it.
    seen.clear();
    calls = 0;
    to_send = {{"SCRIPT", "KILL"}, {"SHUTDOWN"}, {"SHUTDOWN", "NOSAVE"}};
    CHECK(a({"EVAL", "redis.call('set', 'x', '1') while true do end", "0"}).empty()); // no reply
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].starts_with("-UNKILLABLE Sorry the script already executed write commands"));
    CHECK(seen[1] == busy);
    CHECK(seen[2].empty()); // SHUTDOWN replies nothing
    CHECK(calls == 3);
    CHECK(srv.context.shutdown_requested());
}

TEST_CASE("EVAL: busy-reply-threshold 0 never calls the busy handler") {
    scripting_server srv;
    srv.context.set_busy_reply_threshold(std::chrono::milliseconds(0));
    bool called = false;
    srv.context.set_busy_handler([&](const server::session&) { called = true; });
    command_client a(srv);
    CHECK(a({"EVAL", "local i = 0 for j = 1, 3000000 do i = i + j end return i", "0"}) ==
          ":4500001500000\r\n");
    CHECK(!called);
}

TEST_CASE("FCALL: a function's writes propagate as its effects; FUNCTION LOAD, DELETE, FLUSH and "
          "RESTORE as themselves") {
    scripting_server srv;
    srv.propagate_changes();
    std::vector<std::string> stream;
    srv.context.propagation().add_sink([&](const server::propagated_command& cmd) {
        std::string line;
        for (const std::string_view a : cmd.args)
            line += (line.empty() ? "" : " ") + std::string(a);
        stream.push_back(line);
    });
    command_client c(srv);
    const std::string code = "#!lua name=p\nredis.register_function('w', function(keys) "
                             "redis.call('set', keys[1], '1') return redis.call('incr', keys[1]) "
                             "end)\nredis.register_function('r', function(keys) return "
                             "redis.call('get', keys[1]) end)";
    CHECK(c({"FUNCTION", "LOAD", code}) == "$1\r\np\r\n");
    CHECK(stream == std::vector<std::string>{"FUNCTION LOAD " + code});
    stream.clear();
    CHECK(c({"FUNCTION", "LOAD", code}).starts_with("-ERR Library 'p' already exists"));
    CHECK(stream.empty()); // a failed load propagates nothing
    CHECK(c({"FCALL", "w", "1", "k"}) == ":2\r\n");
    CHECK(stream == std::vector<std::string>{"MULTI", "set k 1", "incr k", "EXEC"});
    stream.clear();
    CHECK(c({"FCALL", "r", "1", "k"}) == "$1\r\n2\r\n");
    CHECK(stream.empty());
    const std::string dump = [&] {
        const std::string reply = c({"FUNCTION", "DUMP"});
        const std::size_t crlf = reply.find("\r\n");
        return reply.substr(crlf + 2, reply.size() - crlf - 4);
    }();
    CHECK(c({"FUNCTION", "DELETE", "p"}) == "+OK\r\n");
    CHECK(c({"FUNCTION", "RESTORE", dump}) == "+OK\r\n");
    CHECK(c({"FUNCTION", "FLUSH"}) == "+OK\r\n");
    CHECK(stream == std::vector<std::string>{"FUNCTION DELETE p", "FUNCTION RESTORE " + dump,
                                             "FUNCTION FLUSH"});
    // The registry's figures, as INFO shows them through the hooks.
    CHECK(c({"FUNCTION", "LOAD", code}) == "$1\r\np\r\n");
    server::server_context context;
    auto state = std::make_shared<commands::detail::scripting_state>();
    state->engine = std::make_shared<scripting::script_engine>();
    state->functions = std::make_shared<scripting::function_registry>(
        std::make_shared<scripting::script_engine>(scripting::engine_kind::functions));
    commands::detail::install_scripting_hooks(context, state);
    std::string error;
    CHECK(state->functions->load(code, false, error) == "p");
    const server::scripting_memory m = context.scripting().memory();
    CHECK(m.functions == 2);
    CHECK(m.libraries == 1);
    CHECK(m.vm_functions > 0);
    CHECK(m.functions_memory > code.size());
    CHECK(context.scripting().library_codes() == std::vector<std::string>{code});
    CHECK(context.scripting().load_library(code, false) ==
          "Failed loading a function library: Library 'p' already exists");
    CHECK(context.scripting().load_library(code, true).empty());
    context.scripting().flush_libraries();
    CHECK(state->functions->libraries().empty());
}

TEST_CASE("EVAL and FCALL: the no-cluster flag refuses the run in cluster mode (scriptPrepareForRun)") {
    scripting_server srv;
    command_client c(srv);
    CHECK(c({"FUNCTION", "LOAD",
             "#!lua name=nc\nredis.register_function{function_name='nc', callback=function() "
             "return 1 end, flags={'no-cluster', 'no-writes'}}"}) == "$2\r\nnc\r\n");
    CHECK(c({"FCALL", "nc", "0"}) == ":1\r\n");
    CHECK(c({"EVAL", "#!lua flags=no-cluster\nreturn 2", "0"}) == ":2\r\n");
    srv.context.cluster_enabled = true;
    const std::string refused = "-ERR Can not run script on cluster, 'no-cluster' flag is set.\r\n";
    CHECK(c({"FCALL", "nc", "0"}) == refused);
    CHECK(c({"FCALL_RO", "nc", "0"}) == refused);
    CHECK(c({"EVAL", "#!lua flags=no-cluster\nreturn 2", "0"}) == refused);
    CHECK(c({"EVAL", "#!lua\nreturn 3", "0"}) == ":3\r\n");
    CHECK(c({"EVAL", "return 4", "0"}) == ":4\r\n");
}

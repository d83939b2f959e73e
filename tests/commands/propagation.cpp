// Propagation against the bytes of Redis's own append-only file: tests/diff/propagation.redis
// runs step by step on Debian's redis-server 7.0.15 (appendonly yes) and on an in-process server
// with every built-in command whose propagation is written in the append-only file's format;
// what each step appended must be the same bytes. Absolute times that the two servers computed
// from their own clocks (relative expiry made absolute) may differ by a little: such a number
// is taken as equal when both are millisecond times within 2 s of each other.
//
// Script lines (redis-cli syntax, as the differential scripts):
//   SET k v                    sent on connection 1; its reply awaited on both sides
//   [conn 2] BLPOP l 0         sent on connection 2 (connections open on first use)
//   [async][conn 2] BLPOP l 0  sent without awaiting its reply (a command that blocks)
//   [await 2]                  the reply connection 2 still owes arrives on both sides
//   [random] SPOP s 3          the step's commands compared by name, key and size only
//                              (Redis and respkit pick different random members)
//   [sleep 120]                both sides wait (lazy expiry)

#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store.hpp"
#include "respkit/app/append_only.hpp"
#include "support/command_server.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

struct script_step {
    std::size_t line = 0;
    std::string text;
    std::vector<std::string> args;
    int connection = 1;
    bool async = false;
    int await = 0;      // > 0: wait for that connection's reply, no command
    int sleep_ms = -1;  // >= 0: a pause, no command
    bool random = false;
};

std::vector<script_step> read_script(const std::filesystem::path& path) {
    std::vector<script_step> steps;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view rest = line;
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        if (rest.empty() || rest.front() == '#') continue;
        script_step step;
        step.line = number;
        while (!rest.empty() && rest.front() == '[') {
            const std::size_t close = rest.find(']');
            REQUIRE_MESSAGE(close != std::string_view::npos, path.string() << ":" << number << ": unclosed [");
            const std::string tag(rest.substr(1, close - 1));
            if (tag == "async") step.async = true;
            else if (tag == "random") step.random = true;
            else if (tag.rfind("conn ", 0) == 0) step.connection = std::stoi(tag.substr(5));
            else if (tag.rfind("await ", 0) == 0) step.await = std::stoi(tag.substr(6));
            else if (tag.rfind("sleep ", 0) == 0) step.sleep_ms = std::stoi(tag.substr(6));
            else FAIL(path.string() << ":" << number << ": unknown tag [" << tag << "]");
            rest.remove_prefix(close + 1);
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
        step.text = std::string(rest);
        if (step.await == 0 && step.sleep_ms < 0) {
            resp::request_parser splitter;
            const std::string with_end = step.text + "\n";
            REQUIRE_MESSAGE(splitter.parse(with_end).status == resp::parse_status::complete,
                            path.string() << ":" << number << ": cannot split: " << step.text);
            for (const auto arg : splitter.args()) step.args.emplace_back(arg);
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

using command_list = std::vector<std::vector<std::string>>;

/// The commands of an append-only file's bytes (which must hold whole commands).
command_list commands_of(std::string_view bytes) {
    command_list out;
    resp::value_builder build;
    while (!bytes.empty()) {
        resp::parser p;
        const resp::parse_result r = p.parse(bytes, build);
        REQUIRE_MESSAGE(r.status == resp::parse_status::complete, "not whole commands: " << printable(bytes));
        const resp::value v = build.take();
        std::vector<std::string> args;
        for (const resp::value& arg : v.elements()) args.emplace_back(arg.text());
        out.push_back(std::move(args));
        bytes.remove_prefix(r.consumed);
    }
    return out;
}

std::string encode_all(const command_list& commands) {
    std::string out;
    for (const auto& c : commands) out += encode(c);
    return out;
}

/// A millisecond Unix time of these years (1e12 .. 1e13 ms: 2001 .. 2286).
bool is_ms_time(std::string_view s, std::int64_t& v) {
    return store::parse_int64(s, v) && v >= 1'000'000'000'000 && v < 10'000'000'000'000;
}

/// `ours` with every millisecond time that is within 2 s of Redis's taken as Redis's.
command_list with_times_of(command_list ours, const command_list& theirs) {
    for (std::size_t i = 0; i < ours.size() && i < theirs.size(); ++i) {
        if (ours[i].size() != theirs[i].size()) continue;
        for (std::size_t j = 0; j < ours[i].size(); ++j) {
            std::int64_t a = 0, b = 0;
            if (is_ms_time(ours[i][j], a) && is_ms_time(theirs[i][j], b) && (a > b ? a - b : b - a) <= 2000) {
                ours[i][j] = theirs[i][j];
            }
        }
    }
    return ours;
}

/// A command list by shape: names, keys and argument counts (for random members).
std::vector<std::string> shape_of(const command_list& commands) {
    std::vector<std::string> out;
    for (const auto& c : commands) out.push_back(c[0] + (c.size() > 1 ? " " + c[1] : "") + " /" + std::to_string(c.size()));
    return out;
}

/// respkit's side: every built-in command, its propagation written as an append-only file.
struct in_process_server : command_server<> {
    server::propagation_encoder encoder;
    std::string file;
    std::map<int, std::unique_ptr<server::session>> sessions;

    in_process_server() {
        context.propagation().add_sink([this](const server::propagated_command& c) { encoder.encode(c, file); });
        propagate_changes();
    }
    server::session& session(int n) {
        auto& s = sessions[n];
        if (!s) s = std::make_unique<server::session>(commands, context);
        return *s;
    }
    /// Waits (bounded) until session `n` is no longer blocked, timing out blocked commands.
    void settle(int n) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (session(n).blocked() && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            context.tick();
            server::expire_blocked_sessions(context);
        }
    }
};

/// Redis's side: redis-server with the append-only file on, active expiry off (so that keys
/// expire lazily on both sides at the same step), and connections to it.
struct redis_side {
    std::filesystem::path dir;
    std::unique_ptr<server_process> process;
    std::map<int, std::unique_ptr<raw_connection>> connections;
    std::size_t read = 0; // bytes of the incr file already seen

    redis_side() {
        char name[] = "/tmp/respkit-aof-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        dir = name;
        process = std::make_unique<server_process>(
            find_on_path("redis-server"),
            std::vector<std::string>{"--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--dir", dir.string(),
                                     "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"});
    }
    ~redis_side() {
        connections.clear();
        process.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    [[nodiscard]] bool available() const { return process->running(); }
    raw_connection& connection(int n) {
        auto& c = connections[n];
        if (!c) {
            c = std::make_unique<raw_connection>(process->port());
            REQUIRE(c->connected());
        }
        return *c;
    }
    /// The incr file's bytes appended since the last call.
    std::string appended() {
        std::string all;
        for (const auto& entry : std::filesystem::directory_iterator(dir / "appendonlydir")) {
            if (entry.path().string().ends_with(".incr.aof")) {
                std::ifstream in(entry.path(), std::ios::binary);
                std::ostringstream bytes;
                bytes << in.rdbuf();
                all = bytes.str();
            }
        }
        std::string fresh = all.substr(std::min(read, all.size()));
        read = all.size();
        return fresh;
    }
};

} // namespace

TEST_CASE("propagation equals what Redis 7.0 appends to its append-only file, step by step") {
    redis_side theirs;
    if (!theirs.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    // Lazy expiry only on Redis's side too; DEBUG itself propagates nothing.
    REQUIRE(theirs.connection(1).call({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}));
    CHECK(theirs.appended().empty());
    in_process_server ours;

    const std::vector<script_step> steps = read_script(std::string(RESPKIT_SOURCE_DIR) + "/tests/diff/propagation.redis");
    std::size_t compared_steps = 0, compared_commands = 0, compared_replies = 0, timed = 0;
    std::string all_theirs;
    for (const script_step& step : steps) {
        INFO("propagation.redis:" << step.line << ": " << step.text);
        if (step.sleep_ms >= 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(step.sleep_ms));
            continue;
        }
        const std::size_t ours_before = ours.file.size();
        // The step's reply, compared too: an unknown command or a failure would propagate nothing.
        const auto compare_replies = [&](int n) {
            const std::string mine = take_output(ours.session(n));
            const std::string& redis_reply = theirs.connection(n).last();
            if (step.random)
                CHECK(mine.substr(0, 1) == redis_reply.substr(0, 1));
            else
                CHECK(printable(mine) == printable(redis_reply));
            ++compared_replies;
        };
        if (step.await > 0) {
            REQUIRE(theirs.connection(step.await).await(1));
            ours.settle(step.await);
            compare_replies(step.await);
        } else {
            const std::string encoded = encode(step.args);
            if (step.async) {
                theirs.connection(step.connection).send(encoded);
                std::this_thread::sleep_for(std::chrono::milliseconds(100)); // Redis has blocked it
            } else {
                REQUIRE_MESSAGE(theirs.connection(step.connection).call(step.args), "redis-server did not reply");
            }
            ours.session(step.connection).feed(encoded);
            if (!step.async) {
                ours.settle(step.connection);
                compare_replies(step.connection);
            }
        }
        const std::string their_bytes = theirs.appended();
        all_theirs += their_bytes;
        const command_list their_commands = commands_of(their_bytes);
        const command_list our_commands =
            with_times_of(commands_of(std::string_view(ours.file).substr(ours_before)), their_commands);
        CHECK(encode_all(their_commands) == their_bytes); // nothing in Redis's file escapes the comparison
        for (const auto& c : their_commands) {
            for (const auto& arg : c) {
                std::int64_t v = 0;
                timed += is_ms_time(arg, v) ? 1 : 0;
            }
        }
        if (step.random) {
            CHECK(shape_of(our_commands) == shape_of(their_commands));
        } else {
            CHECK_MESSAGE(printable(encode_all(our_commands)) == printable(their_bytes),
                          "respkit propagated something else than Redis appended");
        }
        ++compared_steps;
        compared_commands += their_commands.size();
    }
    MESSAGE("propagation.redis: " << compared_steps << " steps, " << compared_commands
                                  << " commands of Redis's append-only file compared (" << timed
                                  << " absolute times within 2 s), " << all_theirs.size() << " bytes; "
                                  << compared_replies << " replies compared");
    CHECK(compared_commands > 100);
}

TEST_CASE("keys removed by active expiry propagate as DEL, each on its own") {
    in_process_server ours;
    (void)ours.keyspace.set(0, "a", store::value::from_bytes("1"));
    (void)ours.keyspace.set(3, "b", store::value::from_bytes("2"));
    (void)ours.keyspace.set_expiry(0, "a", 1);
    (void)ours.keyspace.set_expiry(3, "b", 1);
    (void)ours.keyspace.active_expire_cycle(std::chrono::milliseconds(100));
    const command_list logged = commands_of(ours.file);
    // In key order per database; each DEL after the SELECT of its database, no MULTI.
    CHECK(logged == command_list{{"SELECT", "0"}, {"DEL", "a"}, {"SELECT", "3"}, {"DEL", "b"}});
}

TEST_CASE("commands loaded from a file do not propagate again") {
    in_process_server ours;
    server::session loader(ours.commands, ours.context);
    const std::string_view args[] = {"SET", "k", "v", "EX", "100"};
    loader.execute(args, server::command_origin::loading);
    CHECK(std::string(loader.pending_output()) == "+OK\r\n");
    CHECK(ours.keyspace.find(0, "k") != nullptr);
    CHECK(ours.file.empty());
    const std::string_view also[] = {"SET", "j", "v"};
    loader.execute(also, server::command_origin::client);
    CHECK(ours.file == encode({"SELECT", "0"}) + encode({"SET", "j", "v"}));
}

TEST_CASE("the append-only rewrite (commands) rebuilds streams with their groups, pending entries and consumers") {
    command_server<> original;
    command_client c(original);
    const std::vector<std::vector<std::string>> setup = {
        {"XADD", "s", "1-0", "a", "1"}, {"XADD", "s", "2-0", "b", "2", "c", "3"}, {"XADD", "s", "3-0", "d", "4"},
        {"XADD", "s", "4-0", "e", "5"}, {"XDEL", "s", "3-0"}, {"XGROUP", "CREATE", "s", "g", "0"},
        {"XGROUP", "CREATE", "s", "h", "$"}, {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"},
        {"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}, {"XGROUP", "CREATECONSUMER", "s", "g", "carol"},
        {"XCLAIM", "s", "g", "bob", "0", "1-0", "RETRYCOUNT", "7", "JUSTID"}, {"XADD", "empty", "MAXLEN", "0", "5-0", "x", "y"},
        {"XGROUP", "CREATE", "empty", "e", "$"}, {"XSETID", "empty", "9-9", "ENTRIESADDED", "12", "MAXDELETEDID", "8-0"}};
    for (const auto& args : setup) CHECK(c.run(args).substr(0, 1) != "-");
    std::string written;
    REQUIRE(app::write_keyspace_commands(original.keyspace, 0, [&](std::string_view bytes) {
        written.append(bytes);
        return true;
    }));
    command_server<> reloaded;
    server::session loader(reloaded.commands, reloaded.context);
    for (const auto& args : commands_of(written)) {
        const std::vector<std::string_view> views(args.begin(), args.end());
        loader.execute(views, server::command_origin::loading);
    }
    const std::string replies = "\n" + std::string(loader.pending_output());
    CHECK(replies.find("\n-") == std::string::npos); // no error reply
    command_client r(reloaded);
    const std::vector<std::vector<std::string>> probes = {
        {"XRANGE", "s", "-", "+"}, {"XINFO", "STREAM", "s"}, {"XINFO", "GROUPS", "s"}, {"XPENDING", "s", "g"},
        {"XPENDING", "s", "h"}, {"XINFO", "STREAM", "empty"}, {"XINFO", "GROUPS", "empty"}, {"XLEN", "empty"}};
    for (const auto& args : probes) {
        CAPTURE(args[0] + " " + args[1] + " " + args[2]);
        CHECK(r.run(args) == c.run(args));
    }
    // Pending entries keep their delivery time and count (consumers' seen times are the load's).
    const auto pending_of = [](command_client& client) {
        std::string out = client.run({"XINFO", "STREAM", "s", "FULL"});
        return out.substr(out.find("pel-count"), out.find("consumers") - out.find("pel-count"));
    };
    CHECK(pending_of(r) == pending_of(c));
}

TEST_CASE("MIGRATE propagates as DEL of the keys the target restored, nothing with COPY") {
    redis_server target;
    if (!target.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    const std::string port = std::to_string(target.port());
    in_process_server ours;
    (void)ours.keyspace.set(0, "a", store::value::from_bytes("1"));
    (void)ours.keyspace.set(0, "b", store::value::from_bytes("2"));
    (void)ours.keyspace.set(0, "c", store::value::from_bytes("3"));
    server::session& s = ours.session(1);
    const auto run = [&](std::vector<std::string_view> args) {
        const std::size_t before = s.pending_output().size();
        s.execute(args);
        return std::string(s.pending_output().substr(before));
    };
    CHECK(run({"MIGRATE", "127.0.0.1", port, "c", "0", "5000", "COPY"}) == "+OK\r\n");
    CHECK(ours.file.empty());
    // "c" is already there: its RESTORE fails, "a" and "b" are restored and deleted here.
    CHECK(run({"MIGRATE", "127.0.0.1", port, "", "0", "5000", "KEYS", "a", "missing", "c", "b"}) ==
          "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n");
    CHECK(commands_of(ours.file) == command_list{{"SELECT", "0"}, {"DEL", "a", "b"}});
    CHECK(ours.keyspace.find(0, "c") != nullptr);
}

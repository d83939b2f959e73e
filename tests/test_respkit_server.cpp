// The built examples/respkit-server against real clients: redis-cli (argument mode and REPL,
// RESP2 and -3), redis-benchmark, and the captured traffic of ../shared/corpus replayed and
// compared reply by reply where replies are deterministic. Stopped with SIGTERM: exit status 0,
// no process left.

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "respkit/commands/connection.hpp"
#include "respkit/commands/keys.hpp"
#include "respkit/commands/server_admin.hpp"
#include "respkit/commands/strings.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/store.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

/// The server under test on a free port, logging to a file.
struct running_server {
    std::string log_path;
    int port = 0;
    std::optional<child_process> child;

    explicit running_server(const std::string& program) {
        port = free_port();
        log_path = (std::filesystem::temp_directory_path() / ("respkit-server-" + std::to_string(port) + ".log")).string();
        std::filesystem::remove(log_path);
        child.emplace(std::vector<std::string>{program, "--port", std::to_string(port), "--save", "", "--appendonly", "no"},
                      log_path);
    }
    [[nodiscard]] std::string log() const {
        std::ifstream in(log_path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Splits a reply stream into top-level messages.
std::vector<std::string> split_replies(std::string_view bytes) {
    std::vector<std::string> out;
    while (!bytes.empty()) {
        resp::parser p;
        const auto r = p.skip(bytes);
        if (r.status != resp::parse_status::complete) break;
        out.emplace_back(bytes.substr(0, r.consumed));
        bytes.remove_prefix(r.consumed);
    }
    return out;
}

/// The commands of a request stream, lower case, with their subcommand for containers.
std::vector<std::vector<std::string>> split_requests(std::string_view bytes) {
    std::vector<std::vector<std::string>> out;
    resp::request_parser parser;
    while (!bytes.empty()) {
        const auto r = parser.parse(bytes);
        if (r.status != resp::parse_status::complete) break;
        std::vector<std::string> args;
        for (const auto a : parser.args()) args.emplace_back(a);
        if (!args.empty()) out.push_back(std::move(args));
        bytes.remove_prefix(r.consumed);
    }
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Sends `request` on a new connection and reads until `count` replies arrived (or 10 s).
std::string converse(int port, std::string_view request, std::size_t count) {
    const int fd = connect_loopback(port);
    if (fd < 0) return {};
    std::string_view rest = request;
    while (!rest.empty()) {
        const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline && split_replies(got).size() < count) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return got;
}

} // namespace

TEST_CASE("respkit-server serves redis-cli, redis-benchmark and the captured corpus; SIGTERM stops it") {
    const std::string program = built_program("respkit-server");
    if (program.empty()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset or no binary)");
        return;
    }
    const std::string cli = find_on_path("redis-cli");
    const std::string bench = find_on_path("redis-benchmark");
    running_server server(program);
    REQUIRE(server.child->started());
    REQUIRE_MESSAGE(wait_for_port(server.port), server.log());
    const std::string port = std::to_string(server.port);

    if (!cli.empty()) {
        SUBCASE("redis-cli, argument mode, RESP2 and RESP3") {
            for (const bool resp3 : {false, true}) {
                std::vector<std::string> base{cli, "-p", port};
                if (resp3) base.push_back("-3");
                auto run_cli = [&](std::vector<std::string> args) {
                    std::vector<std::string> argv = base;
                    argv.insert(argv.end(), args.begin(), args.end());
                    return run_program(argv);
                };
                auto r = run_cli({"PING"});
                CHECK(r.exit_code == 0);
                CHECK(r.out == "PONG\n");
                r = run_cli({"SET", "k", "v"});
                CHECK(r.out == "OK\n");
                r = run_cli({"GET", "k"});
                CHECK(r.out == "v\n");
                r = run_cli({"CONFIG", "GET", "port"});
                CHECK(r.out == (resp3 ? "port " : "port\n") + port + "\n"); // a map in RESP3
                r = run_cli({"INFO", "keyspace"});
                CHECK(r.out.find("db0:keys=1,expires=0,avg_ttl=0") != std::string::npos);
                r = run_cli({"CLIENT", "SETNAME", "x y"});
                CHECK(r.out.find("ERR Client names cannot contain spaces") != std::string::npos);
                r = run_cli({"DBSIZE"});
                CHECK(r.out == "1\n");
                CHECK(r.err.empty());
            }
        }
        SUBCASE("redis-cli REPL (stdin piped), RESP2 and RESP3: its COMMAND DOCS start, then commands") {
            for (const bool resp3 : {false, true}) {
                std::vector<std::string> argv{cli, "-p", port};
                if (resp3) argv.push_back("-3");
                const auto r = run_program(argv, "PING\nSET r 1\nINCR r\nGET r\nSELECT 3\nDBSIZE\nCLIENT GETNAME\n"
                                                 "CONFIG GET maxclients\nCOMMAND COUNT\nHELLO 2\nQUIT\n");
                CHECK(r.exit_code == 0);
                CHECK(r.out.starts_with("PONG\nOK\n2\n2\nOK\n0\n"));
                CHECK(r.out.find(resp3 ? "maxclients 10000\n" : "maxclients\n10000\n") != std::string::npos);
                CHECK(r.out.find("ERR") == std::string::npos);
                CHECK(r.err.empty());
            }
        }
    }
    if (!bench.empty()) {
        SUBCASE("redis-benchmark") {
            const auto r = run_program({bench, "-p", port, "-t", "ping,set,get,incr,mset", "-n", "2000", "-q"}, {},
                                       std::chrono::seconds(60));
            CHECK(r.exit_code == 0);
            CHECK(r.out.find("MSET") != std::string::npos);
            CHECK(r.out.find("rror") == std::string::npos);
            CHECK(r.err.find("rror") == std::string::npos);
        }
    }
    SUBCASE("captured corpus: files whose every command exists, replies compared where deterministic") {
        // The same command set as the server (checked here, in-process).
        store::keyspace<> keyspace;
        server::config_table config;
        server::dispatcher commands;
        commands::install_connection_commands(commands, keyspace.db_count());
        commands::install_server_commands(commands, keyspace, config);
        commands::install_string_commands(commands, keyspace);
        commands::install_key_commands(commands, keyspace);
        auto exists = [&](const std::vector<std::string>& args) {
            const std::string name = lower(args[0]);
            if (name.starts_with("nosuch")) return true; // unknown on purpose: the error is compared
            const server::command_entry* e = commands.find(name);
            if (e == nullptr) return false;
            if (!e->subcommands.empty() && args.size() >= 2) return e->subcommands.count(lower(args[1])) != 0;
            return static_cast<bool>(e->handler);
        };
        // Replies that differ by nature: documentation, ids, times, INFO text, addresses.
        const std::set<std::string> nondeterministic = {"command", "info", "client", "hello", "time", "config",
                                                        "lastsave", "object", "pttl"};
        // Replies whose element order is the hash table's: compared as multisets.
        const std::set<std::string> unordered = {"keys", "smembers", "hkeys", "hvals", "hgetall", "sinter", "sunion", "sdiff"};
        auto sorted_elements = [](const std::string& reply) {
            std::string_view rest(reply);
            const std::size_t header = rest.find("\r\n");
            std::string_view body = rest.substr(header + 2);
            std::vector<std::string> parts = split_replies(body);
            std::sort(parts.begin(), parts.end());
            std::string out(rest.substr(0, header + 2));
            for (const auto& part : parts) out += part;
            return out;
        };
        const std::filesystem::path dir = std::string(RESPKIT_SHARED_DIR) + "/corpus";
        if (!std::filesystem::exists(dir)) {
            MESSAGE("skipped: no corpus at " << dir.string());
            return;
        }
        std::size_t files = 0, compared = 0;
        for (const auto& item : std::filesystem::directory_iterator(dir)) {
            if (item.path().extension() != ".req") continue;
            std::filesystem::path stem = item.path();
            stem.replace_extension();
            if (std::filesystem::exists(stem.string() + ".conns.tsv")) continue; // single-connection files only
            const std::string req = read_file(item.path().string());
            const std::string resp_bytes = read_file(stem.string() + ".resp");
            const auto requests = split_requests(req);
            bool all = !requests.empty();
            for (const auto& r : requests) all = all && exists(r);
            if (!all) continue;
            ++files;
            CAPTURE(stem.filename().string());
            (void)converse(server.port, "*1\r\n$8\r\nFLUSHALL\r\n", 1);
            const auto expected = split_replies(resp_bytes);
            const auto actual = split_replies(converse(server.port, req, expected.size()));
            REQUIRE(actual.size() == expected.size());
            REQUIRE(requests.size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                if (nondeterministic.count(lower(requests[i][0])) != 0) continue;
                CAPTURE(i);
                CAPTURE(requests[i][0]);
                if (unordered.count(lower(requests[i][0])) != 0) CHECK(sorted_elements(actual[i]) == sorted_elements(expected[i]));
                else CHECK(actual[i] == expected[i]);
                ++compared;
            }
        }
        MESSAGE("corpus: " << files << " file(s) replayed, " << compared << " replies compared");
    }

    // Graceful stop on SIGTERM: exit status 0 and the process gone.
    const pid_t pid = server.child->pid();
    REQUIRE(pid > 0);
    server.child->signal(SIGTERM);
    const auto result = server.child->wait(std::chrono::seconds(10));
    CHECK(!result.timed_out);
    CHECK(result.exit_code == 0);
    CHECK(::kill(pid, 0) != 0); // reaped: no such process
    const std::string log = server.log();
    CHECK(log.find("Ready to accept connections on 127.0.0.1:" + port) != std::string::npos);
    CHECK(log.find("received SIGTERM") != std::string::npos);
    std::filesystem::remove(server.log_path);
}

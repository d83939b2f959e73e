// respkit-server as redis-server is used (examples/respkit-server over app::server): a
// configuration file and options, every refused setting named at once, Debian's own
// /etc/redis/redis.conf, CONFIG REWRITE compared with redis-server's, daemonize with pidfile and
// logfile, a Unix socket for redis-cli -s and respkit's client, loglevel, protected mode,
// supervision, the process title, rename-command; and app::server in-process with a command of
// its own. Every server is stopped by the test; none is left behind.

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// First: the built-in commands app::server installs are compiled once, not here.
#include "support/builtin_commands.hpp"

#include "respkit/app/config_support.hpp"
#include "respkit/app/configuration.hpp"
#include "respkit/app/cpu_affinity.hpp"
#include "respkit/app/server.hpp"
#include "respkit/client/connection.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// redis-cli with `args`; its standard output without the final newlines.
std::string cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv{find_on_path("redis-cli")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out = run_program(argv, {}, 10s).out;
    while (out.ends_with('\n')) out.pop_back();
    return out;
}

/// The built respkit-server, or "" (the test then skips).
std::string server_program() { return built_program("respkit-server"); }

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

/// True while process `pid` exists and is not a zombie.
bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("State:")) return line.find('Z') == std::string::npos;
    }
    return true;
}

/// respkit-server started with `args`, its output in `log`; stopped by the destructor.
struct respkit_run {
    std::optional<child_process> child;
    explicit respkit_run(const std::vector<std::string>& args, const std::string& log) {
        std::vector<std::string> argv{server_program()};
        argv.insert(argv.end(), args.begin(), args.end());
        child.emplace(argv, log);
    }
};

} // namespace

TEST_CASE("respkit-server refuses at start-up, in one message, every setting it does not implement") {
    if (server_program().empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    temp_dir dir;
    const std::string file = dir.write("refused.conf", "# settings respkit does not implement\nlist-compress-depth 1\n"
                                                       "save 900 1\nsave 300 10\nport 7777\nmin-replicas-to-write 1\n"
                                                       "loadmodule /usr/lib/redis/modules/x.so\nuser alice on >pw ~* +@all\n"
                                                       "notify-keyspace-events KEA\n"); // implemented: not listed
    const run_output out = run_program({server_program(), file, "--tls-replication", "yes", "--tls-cluster", "yes",
                                        "--replicaof", "127.0.0.1", "6379", "--port", std::to_string(free_port())},
                                       {}, 10s);
    CHECK(out.exit_code == 1);
    CAPTURE(out.err);
    CHECK(out.err.find("*** FATAL CONFIG FILE ERROR (respkit-server") != std::string::npos);
    // Every one is named, with where it was set and why; nothing was listened on.
    for (const std::string& expected : std::vector<std::string>{
          ">>> 'list-compress-depth 1' (line 2 of " + file + "): compressing list nodes is not implemented (accepted: \"0\")",
          ">>> 'min-replicas-to-write 1' (line 6 of " + file + "): replication is not implemented (Redis would refuse every write with NOREPLICAS) (accepted: \"0\")",
          ">>> 'loadmodule /usr/lib/redis/modules/x.so' (line 7 of " + file + "): modules are not implemented",
          ">>> 'tls-replication \"yes\"' (command line): replication is not implemented",
          ">>> 'tls-cluster \"yes\"' (command line): TLS on the cluster bus is not implemented (the bus is plain TCP)",
          ">>> 'replicaof \"127.0.0.1\" \"6379\"' (command line): replication is not implemented yet"}) {
        CHECK_MESSAGE(out.err.find(expected) != std::string::npos, expected);
    }
    // Accepted settings are not listed.
    CHECK(out.err.find("port 7777") == std::string::npos);
    CHECK(out.err.find("save 300 10") == std::string::npos);
    std::size_t listed = 0;
    for (std::size_t at = out.err.find(">>> "); at != std::string::npos; at = out.err.find(">>> ", at + 1)) ++listed;
    CHECK(out.err.find("notify-keyspace-events") == std::string::npos);
    CHECK(listed == 6); // the user and notify-keyspace-events lines are implemented

    // A value Redis itself refuses stops at that line, with Redis's report.
    const run_output bad = run_program({server_program(), "--hz", "abc"}, {}, 10s);
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.ends_with("Reading the configuration file, at line 2\n>>> 'hz \"abc\"'\n"
                            "argument couldn't be parsed into an integer\n"));
}

TEST_CASE("Debian's /etc/redis/redis.conf, unchanged: respkit-server starts with it, or names every refused setting") {
    const std::string debian = "/etc/redis/redis.conf";
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    if (::access(debian.c_str(), R_OK) != 0) {
        MESSAGE("skipped: " << debian << " is not installed or not readable (Debian's redis-server package)");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    // The file is read unchanged; the options after it keep the test to itself: a free port, in
    // the foreground, its log and pid file in a temporary directory (Debian's daemonizes on 6379).
    const std::vector<std::string> safe = {debian,    "--port",    std::to_string(port), "--daemonize", "no",
                                           "--logfile", dir.file("log"), "--pidfile", dir.file("pid")};
    respkit_run server(safe, dir.file("out"));
    const bool started = wait_for_port(port);
    if (!started) {
        // Refused: then with exit status 1 and one message naming every refused setting, each
        // a line of Debian's file.
        const run_output out = server.child->wait(5s);
        CHECK(out.exit_code == 1);
        const std::string err = dir.read("out");
        CHECK(err.find("does not implement what these settings ask for:") != std::string::npos);
        std::ifstream in(debian);
        std::stringstream text;
        text << in.rdbuf();
        std::size_t named = 0;
        for (std::size_t at = err.find(">>> '"); at != std::string::npos; at = err.find(">>> '", at + 1)) {
            const std::string line = err.substr(at + 5, err.find('\'', at + 5) - at - 5);
            CHECK_MESSAGE(text.str().find("\n" + line + "\n") != std::string::npos, line);
            ++named;
        }
        CHECK(named > 0);
        MESSAGE("respkit-server refuses Debian's redis.conf, naming " << named << " settings:\n" << err);
        return;
    }
    CHECK(cli({"-p", std::to_string(port), "PING"}) == "PONG");
    CHECK(cli({"-p", std::to_string(port), "SET", "k", "v"}) == "OK");
    CHECK(cli({"-p", std::to_string(port), "GET", "k"}) == "v");
    // The file's settings are in effect.
    CHECK(cli({"-p", std::to_string(port), "CONFIG", "GET", "bind"}) == "bind\n127.0.0.1 -::1");
    CHECK(cli({"-p", std::to_string(port), "CONFIG", "GET", "dir"}) == "dir\n/var/lib/redis");
    CHECK(cli({"-p", std::to_string(port), "CONFIG", "GET", "tcp-keepalive"}) == "tcp-keepalive\n300");
    CHECK(cli({"-p", std::to_string(port), "INFO", "server"}).find("config_file:" + debian) != std::string::npos);
    CHECK(dir.read("pid") == std::to_string(server.child->pid()) + "\n");
    CHECK(cli({"-p", std::to_string(port), "SHUTDOWN"}).empty());
    const run_output done = server.child->wait(10s);
    CHECK(done.exit_code == 0);
    CHECK(::access(dir.file("pid").c_str(), F_OK) != 0); // removed at exit
    const std::string log = dir.read("log");
    CHECK(log.find("Configuration loaded") != std::string::npos);
    CHECK(log.find("Ready to accept connections on 127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("a configuration file respkit accepts: it starts, serves redis-cli, and shows the file's values") {
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    dir.write("extra.conf", "databases 4\nhz 25\n");
    // server_cpulist: the last CPU this test may run on (a machine may not offer CPU 0).
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    REQUIRE(::sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    int pinned = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &allowed)) pinned = cpu;
    }
    const std::string file = dir.write(
        "respkit.conf", "# A configuration respkit implements\nbind 127.0.0.1\nport " + std::to_string(port) +
                            "\nprotected-mode yes\ntimeout 0\nsave \"\"\nappendonly no\nmaxmemory 0\n"
                            "include " + dir.file("extra.conf") + "\nrename-command FLUSHALL \"\"\n"
                            "rename-command CONFIG MYCONFIG\nlazyfree-lazy-user-del yes\nlogfile " + dir.file("log") +
                            "\nserver_cpulist " + std::to_string(pinned) + "\n");
    respkit_run server({file}, dir.file("out"));
    REQUIRE_MESSAGE(wait_for_port(port), dir.read("out") << dir.read("log"));
    const std::string p = std::to_string(port);
    CHECK(cli({"-p", p, "SELECT", "3"}) == "OK");
    CHECK(cli({"-p", p, "SELECT", "4"}) == "ERR DB index is out of range");
    CHECK(cli({"-p", p, "MYCONFIG", "GET", "hz"}) == "hz\n25");
    CHECK(cli({"-p", p, "CONFIG", "GET", "hz"}).starts_with("ERR unknown command 'CONFIG'"));
    CHECK(cli({"-p", p, "FLUSHALL"}).starts_with("ERR unknown command 'FLUSHALL'"));
    // CONFIG SET refuses what respkit does not do, naming the parameter; accepts the rest.
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "list-compress-depth", "1"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - compressing list nodes is not "
          "implemented (accepted: \"0\")");
    // oom-score-adj: the server's /proc/<pid>/oom_score_adj follows it (raising the score needs
    // no privilege; no restores the score found at start-up).
    const std::string oom_file = "/proc/" + std::to_string(server.child->pid()) + "/oom_score_adj";
    const auto oom_score = [&] {
        std::ifstream in(oom_file);
        int v = -9999;
        in >> v;
        return v;
    };
    const int base = oom_score();
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "oom-score-adj-values", "300 400 900"}) == "OK");
    CHECK(oom_score() == base); // oom-score-adj no: untouched
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "oom-score-adj", "absolute"}) == "OK");
    CHECK(oom_score() == 300);
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "oom-score-adj", "relative"}) == "OK");
    CHECK(oom_score() == std::min(base + 300, 1000));
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "oom-score-adj-values", "500 400 900"}) == "OK");
    CHECK(oom_score() == std::min(base + 500, 1000));
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "oom-score-adj", "no"}) == "OK");
    CHECK(oom_score() == base);
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "socket-mark-id", "1"}).starts_with(
        "ERR CONFIG SET failed (possibly related to argument 'socket-mark-id')"));
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "save", "900 1"}) == "OK");
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}) == "OK");
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "maxmemory-policy", "allkeys-lru"}) == "OK");
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "save", ""}) == "OK");
    CHECK(cli({"-p", p, "MYCONFIG", "SET", "port", "1"}).starts_with(
        "ERR CONFIG SET failed (possibly related to argument 'port') - respkit applies this parameter at start-up only"));
    CHECK(cli({"-p", p, "MYCONFIG", "GET", "maxmemory"}) == "maxmemory\n0");
    CHECK(cli({"-p", p, "INFO", "server"}).find("config_file:" + file) != std::string::npos);
    // server_cpulist: the process runs on that CPU only.
    std::ifstream status("/proc/" + std::to_string(server.child->pid()) + "/status");
    std::string line, cpus;
    while (std::getline(status, line)) {
        if (line.starts_with("Cpus_allowed_list:")) cpus = line.substr(line.find_first_not_of(" \t", 18));
    }
    CHECK(cpus == std::to_string(pinned));
    server.child->signal(SIGTERM);
    CHECK(server.child->wait(10s).exit_code == 0);
}

TEST_CASE("CONFIG REWRITE writes the file as redis-server does") {
    if (server_program().empty() || find_on_path("redis-server").empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built, or redis-server / redis-cli not installed");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    const std::string p = std::to_string(port);
    // Both servers start from the same file, one after the other on the same port.
    const std::string start = "# Comments and blank lines stay.\n\nbind 127.0.0.1\nport " + p +
                              "\nsave \"\"\nappendonly no\nslave-read-only yes\nhz 5\nhz 6\n\n\n\n# Memory units\n"
                              "proto-max-bulk-len 512mb\nclient-query-buffer-limit 1gb\nrename-command DEBUG \"\"\n"
                              "tcp-keepalive 300\ndir " + dir.path + "\n";
    const std::vector<std::vector<std::string>> sets = {
        {"hz", "20"},          {"maxclients", "1000"},           {"timeout", "7"},
        {"loglevel", "verbose"}, {"slave-read-only", "no"},      {"client-query-buffer-limit", "2mb"},
        {"hash-max-listpack-value", "1kb"}, {"repl-backlog-size", "3mb"}, {"maxmemory-policy", "allkeys-lru"},
        {"list-max-listpack-size", "-3"},   {"latency-tracking-info-percentiles", "50 99"},
        {"tcp-keepalive", "300"}, {"lazyfree-lazy-expire", "yes"}, {"masterauth", "a \"quoted\" secret"}};
    auto rewrite_with = [&](const std::string& program, const std::string& name) {
        const std::string file = dir.write(name, start);
        child_process server({program, file}, dir.file(name + ".log"));
        REQUIRE_MESSAGE(wait_for_port(port), dir.read(name + ".log"));
        for (const auto& set : sets) {
            std::vector<std::string> args{"-p", p, "CONFIG", "SET"};
            args.insert(args.end(), set.begin(), set.end());
            CHECK_MESSAGE(cli(args) == "OK", program << " CONFIG SET " << set[0]);
        }
        // A password last: the file then holds it and the default user's line with its SHA-256.
        CHECK(cli({"-p", p, "CONFIG", "SET", "requirepass", "s3cret"}) == "OK");
        const std::vector<std::string> auth{"-p", p, "--no-auth-warning", "-a", "s3cret"};
        auto as_user = [&](std::vector<std::string> args) {
            args.insert(args.begin(), auth.begin(), auth.end());
            return cli(args);
        };
        CHECK(as_user({"CONFIG", "REWRITE"}) == "OK");
        CHECK(as_user({"CONFIG", "REWRITE"}) == "OK"); // twice: as Redis, the second keeps the first's result
        CHECK(as_user({"SHUTDOWN", "NOSAVE"}).empty());
        CHECK(server.wait(10s).exit_code == 0);
        return dir.read(name);
    };
    const std::string redis = rewrite_with(find_on_path("redis-server"), "redis.conf");
    const std::string ours = rewrite_with(server_program(), "respkit.conf");
    CAPTURE(redis);
    CAPTURE(ours);
    // Up to the signature, the same bytes. After it Redis appends in its hash table's order,
    // which changes from run to run (a random seed): the same lines, compared as a set, with
    // the `user` line last in both.
    const std::string signature = "# Generated by CONFIG REWRITE\n";
    REQUIRE(redis.find(signature) != std::string::npos);
    REQUIRE(ours.find(signature) != std::string::npos);
    CHECK(ours.substr(0, ours.find(signature)) == redis.substr(0, redis.find(signature)));
    auto appended = [&](const std::string& text) {
        std::multiset<std::string> lines;
        std::istringstream in(text.substr(text.find(signature) + signature.size()));
        for (std::string line; std::getline(in, line);) lines.insert(line);
        return lines;
    };
    CHECK(appended(ours) == appended(redis));
    const std::string user = "user default on #" + respkit::detail::sha256_hex("s3cret") + " ~* &* +@all\n\n";
    CHECK(ours.ends_with(user));
    CHECK(redis.ends_with(user));
    CHECK(ours.find("requirepass \"s3cret\"\n") != std::string::npos);
    // The rewritten file starts respkit-server again: its `user` line is the default user's own.
    {
        child_process again({server_program(), dir.file("redis.conf")}, dir.file("again.log"));
        REQUIRE_MESSAGE(wait_for_port(port), dir.read("again.log"));
        CHECK(cli({"-p", p, "--no-auth-warning", "-a", "s3cret", "CONFIG", "GET", "hz"}) == "hz\n20");
        CHECK(cli({"-p", p, "PING"}) == "NOAUTH Authentication required.");
    }

    // Without a file, Redis's error.
    const int other = free_port();
    child_process bare({server_program(), "--port", std::to_string(other)}, dir.file("bare.log"));
    REQUIRE(wait_for_port(other));
    CHECK(cli({"-p", std::to_string(other), "CONFIG", "REWRITE"}) == "ERR The server is running without a config file");
}

TEST_CASE("daemonize with pidfile and logfile: the launcher returns, the daemon serves, SHUTDOWN ends it") {
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    const std::string p = std::to_string(port);
    const run_output launcher = run_program({server_program(), "--port", p, "--daemonize", "yes", "--pidfile",
                                             dir.file("server.pid"), "--logfile", dir.file("server.log")},
                                            {}, 10s);
    CHECK(launcher.exit_code == 0);
    CHECK(launcher.out.empty()); // everything goes to the log file
    REQUIRE_MESSAGE(wait_for([&] { return dir.read("server.pid").ends_with("\n"); }), dir.read("server.log"));
    const pid_t pid = std::stoi(dir.read("server.pid"));
    // Whatever happens below, the daemon does not outlive the test.
    struct reaper {
        pid_t pid;
        ~reaper() {
            if (alive(pid)) ::kill(pid, SIGKILL);
        }
    } guard{pid};
    CHECK(alive(pid));
    REQUIRE(wait_for_port(port));
    CHECK(cli({"-p", p, "PING"}) == "PONG");
    CHECK(cli({"-p", p, "INFO", "server"}).find("process_id:" + std::to_string(pid)) != std::string::npos);
    CHECK(cli({"-p", p, "SHUTDOWN"}).empty());
    CHECK(wait_for([&] { return !alive(pid); }));
    CHECK(::access(dir.file("server.pid").c_str(), F_OK) != 0);
    const std::string log = dir.read("server.log");
    CHECK(log.find(std::to_string(pid) + ":M ") != std::string::npos); // Redis's line format
    CHECK(log.find("Ready to accept connections on 127.0.0.1:" + p) != std::string::npos);
    CHECK(log.find("User requested shutdown...") != std::string::npos);
    CHECK(log.find("is now ready to exit, bye bye...") != std::string::npos);
}

TEST_CASE("unixsocket: redis-cli -s and respkit's client; port 0 means no TCP listener, as in Redis") {
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    temp_dir dir;
    const std::string sock = dir.file("respkit.sock");
    respkit_run server({"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--logfile", dir.file("log")},
                       dir.file("out"));
    REQUIRE_MESSAGE(wait_for([&] { return cli({"-s", sock, "PING"}) == "PONG"; }), dir.read("out") << dir.read("log"));
    struct stat st {};
    REQUIRE(::stat(sock.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(cli({"-s", sock, "SET", "k", "v"}) == "OK");
    CHECK(cli({"-s", sock, "CONFIG", "GET", "port"}) == "port\n0");
    CHECK(cli({"-s", sock, "INFO", "server"}).find("tcp_port:0") != std::string::npos);
    CHECK(cli({"-s", sock, "CLIENT", "INFO"}).find("addr=" + sock + ":0 laddr=" + sock + ":0") != std::string::npos);

    client::options options;
    options.unix_path = sock;
    client::connection c(options);
    const auto got = c.command("GET", "k");
    REQUIRE(got);
    CHECK((*got).string() == "v");
    CHECK(c.protocol() == resp::protocol::resp3);

    const std::string log = dir.read("log");
    CHECK(log.find("The server is now ready to accept connections at " + sock) != std::string::npos);
    CHECK(log.find("Ready to accept connections on") == std::string::npos); // no TCP listener
    CHECK(log.find("listening on 127.0.0.1") == std::string::npos);
    server.child->signal(SIGTERM);
    CHECK(server.child->wait(10s).exit_code == 0);
    CHECK(::access(sock.c_str(), F_OK) != 0); // removed at exit, as Redis does

    // Nothing to listen on at all: Redis's error.
    const run_output none = run_program({server_program(), "--port", "0"}, {}, 10s);
    CHECK(none.exit_code == 1);
    CHECK(none.out.find("Configured to not listen anywhere, exiting.") != std::string::npos);
}

TEST_CASE("bind: several addresses, an optional one this host lacks is skipped, a required one is an error") {
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    const std::string p = std::to_string(port);
    // 192.0.2.0/24 is TEST-NET-1: a documentation range this host is not expected to have.
    std::string missing = "192.0.2.254";
    if (run_program({"/bin/sh", "-c", "hostname -I 2>/dev/null"}, {}, 5s).out.find(missing) != std::string::npos) {
        missing = "198.51.100.254";
    }
    respkit_run server({"--bind", "127.0.0.1 -" + missing + " -::1", "--port", p, "--logfile", dir.file("log")},
                       dir.file("out"));
    REQUIRE_MESSAGE(wait_for_port(port), dir.read("out") << dir.read("log"));
    CHECK(cli({"-p", p, "CONFIG", "GET", "bind"}) == "bind\n127.0.0.1 -" + missing + " -::1");
    CHECK(cli({"-p", p, "PING"}) == "PONG");
    server.child->signal(SIGTERM);
    CHECK(server.child->wait(10s).exit_code == 0);
    const std::string log = dir.read("log");
    CHECK(log.find("Warning: Could not create server TCP listening socket " + missing + ":" + p) != std::string::npos);
    CHECK(log.find("listening on 127.0.0.1:" + p) != std::string::npos);

    const run_output required = run_program({server_program(), "--bind", "127.0.0.1 " + missing, "--port", p}, {}, 10s);
    CHECK(required.exit_code == 1);
    CHECK(required.out.find("Could not create server TCP listening socket " + missing + ":" + p) != std::string::npos);
    CHECK(required.out.find("Failed listening") != std::string::npos);
}

TEST_CASE("loglevel filters the log; CONFIG SET loglevel takes effect at once") {
    if (server_program().empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli not installed");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    const std::string p = std::to_string(port);
    {
        respkit_run warning({"--port", p, "--loglevel", "warning", "--logfile", dir.file("warning.log")}, dir.file("out"));
        REQUIRE(wait_for_port(port));
        CHECK(cli({"-p", p, "PING"}) == "PONG");
        warning.child->signal(SIGTERM);
        CHECK(warning.child->wait(10s).exit_code == 0);
        const std::string log = dir.read("warning.log");
        CHECK(log.find(" * ") == std::string::npos); // no notice line, the banner included
        CHECK(log.find(" - ") == std::string::npos);
        CHECK(log.find(" # received SIGTERM") != std::string::npos);
        CHECK(log.find(" # respkit-server is now ready to exit, bye bye...") != std::string::npos);
    }
    {
        respkit_run notice({"--port", p, "--logfile", dir.file("notice.log")}, dir.file("out"));
        REQUIRE(wait_for_port(port));
        CHECK(cli({"-p", p, "PING"}) == "PONG");
        CHECK(dir.read("notice.log").find(" - Accepted") == std::string::npos); // connections are verbose
        CHECK(cli({"-p", p, "CONFIG", "SET", "loglevel", "verbose"}) == "OK");
        CHECK(cli({"-p", p, "PING"}) == "PONG");
        CHECK(wait_for([&] { return dir.read("notice.log").find(" - Accepted 127.0.0.1:") != std::string::npos; }));
        CHECK(dir.read("notice.log").find(" * Running mode=standalone, port=" + p + ".") != std::string::npos);
        notice.child->signal(SIGTERM);
        CHECK(notice.child->wait(10s).exit_code == 0);
    }
    {
        // always-show-logo: the banner's ASCII logo with version and address.
        respkit_run logo({"--port", p, "--always-show-logo", "yes", "--logfile", dir.file("logo.log")}, dir.file("out"));
        REQUIRE(wait_for_port(port));
        logo.child->signal(SIGTERM);
        CHECK(logo.child->wait(10s).exit_code == 0);
        const std::string log = dir.read("logo.log");
        CHECK(log.find("|_|    \\___| |___/| .__/ |_|\\_\\|_| \\__|") != std::string::npos);
        CHECK(log.find("respkit-server " RESPKIT_VERSION_STRING) != std::string::npos);
        CHECK(log.find("Listening on 127.0.0.1:" + p) != std::string::npos);
    }
}

TEST_CASE("protected mode: without a password, a client from another host gets Redis's DENIED error") {
    if (server_program().empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    // A non-loopback address of this host, to connect from "another host".
    std::string address;
    {
        const run_output ip = run_program({"/bin/sh", "-c", "hostname -I 2>/dev/null"}, {}, 5s);
        std::istringstream in(ip.out);
        for (std::string a; in >> a;) {
            if (a.find(':') == std::string::npos && !a.starts_with("127.")) {
                address = a;
                break;
            }
        }
    }
    if (address.empty()) {
        MESSAGE("skipped: this host has no non-loopback IPv4 address");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    const std::string sock = dir.file("admin.sock");
    // Listens on that address only (plus a Unix socket, which counts as local).
    respkit_run server({"--bind", address, "--port", std::to_string(port), "--unixsocket", sock}, dir.file("out"));
    REQUIRE_MESSAGE(wait_for([&] { return cli({"-s", sock, "PING"}) == "PONG"; }), dir.read("out"));
    auto from_outside = [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
        std::string reply;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            send_all(fd, "PING\r\n");
            char buf[4096];
            for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return reply;
    };
    const std::string denied = from_outside();
    CHECK(denied.starts_with("-DENIED Redis is running in protected mode because protected mode is enabled and no "
                             "password is set for the default user."));
    CHECK(denied.ends_with("in order for the server to start accepting connections from the outside.\r\n"));
    CHECK(cli({"-s", sock, "INFO", "stats"}).find("rejected_connections:1") != std::string::npos);
    CHECK(cli({"-s", sock, "CONFIG", "SET", "protected-mode", "no"}) == "OK");
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    send_all(fd, "PING\r\n");
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ::close(fd);
    CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "+PONG\r\n");
    server.child->signal(SIGTERM);
    CHECK(server.child->wait(10s).exit_code == 0);
}

TEST_CASE("supervised systemd: READY=1 on $NOTIFY_SOCKET once listening; the process title shows the address") {
    if (server_program().empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    temp_dir dir;
    const std::string notify = dir.file("notify.sock");
    const int listener = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify.c_str());
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const int port = free_port();
    ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    respkit_run server({"--port", std::to_string(port), "--supervised", "systemd", "--daemonize", "yes"}, dir.file("out"));
    ::unsetenv("NOTIFY_SOCKET");
    std::string messages;
    REQUIRE(wait_for([&] {
        char buf[256];
        const ssize_t n = ::recv(listener, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) messages.append(buf, static_cast<std::size_t>(n));
        return messages.find("READY=1\n") != std::string::npos;
    }));
    ::close(listener);
    CHECK(messages.find("STATUS=Ready to accept connections\n") != std::string::npos);
    CHECK(wait_for_port(port)); // supervised: daemonize yes is not applied, the child we started serves
    CHECK(alive(server.child->pid()));
    CHECK(cli({"-p", std::to_string(port), "CONFIG", "GET", "supervised"}) == "supervised\nsystemd");
    CHECK(cli({"-p", std::to_string(port), "INFO", "server"}).find("process_supervised:systemd") != std::string::npos);
    // set-proc-title (on by default): "{title} {listen-addr} {server-mode}".
    const run_output ps = run_program({"/bin/ps", "-o", "args=", "-p", std::to_string(server.child->pid())}, {}, 5s);
    CHECK(ps.out.starts_with(server_program() + " 127.0.0.1:" + std::to_string(port)));
    server.child->signal(SIGTERM);
    CHECK(server.child->wait(10s).exit_code == 0);
}

#if !defined(RESPKIT_APP_SANITIZED)
TEST_CASE("crash-log-enabled: a crash writes a report with a backtrace to the log") {
    if (server_program().empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    temp_dir dir;
    const int port = free_port();
    respkit_run server({"--port", std::to_string(port), "--logfile", dir.file("log")}, dir.file("out"));
    REQUIRE(wait_for_port(port));
    server.child->signal(SIGSEGV);
    const run_output out = server.child->wait(10s);
    CHECK(out.exit_code == -1); // died of the signal
    const std::string log = dir.read("log");
    CHECK(log.find("=== RESPKIT BUG REPORT START") != std::string::npos);
    CHECK(log.find("crashed by signal: 11") != std::string::npos);
    CHECK(log.find("------ STACK TRACE ------") != std::string::npos);
}
#endif

TEST_CASE("app::server in-process: a command of its own beside the built-in ones, CONFIG SET hooks, stop()") {
    server::config_table config;
    CHECK(config.set("port", std::to_string(free_port()), true).empty());
    CHECK(config.set("tcp-keepalive", "7", true).empty());
    CHECK(config.set("loglevel", "warning", true).empty());
    app::server srv(std::move(config), {.name = "test-server", .banner = false, .process = false});
    srv.commands().add({.name = "hello-app", .arity = 1}, [](server::command_call& call) { call.reply().simple_string("hi"); });
    REQUIRE(srv.start().empty());
    const int port = srv.port();
    REQUIRE(port > 0);
    std::thread loop([&] { CHECK(srv.run() == 0); });
    raw_connection c(port);
    REQUIRE(c.call({"HELLO-APP"}));
    CHECK(c.last() == "+hi\r\n");
    // The server side of this connection has keepalive probes after tcp-keepalive seconds.
    REQUIRE(c.call({"CLIENT", "INFO"}));
    const std::string info = c.last();
    const std::size_t at = info.find(" fd=");
    REQUIRE(at != std::string::npos);
    const int fd = std::stoi(info.substr(at + 4));
    int on = 0, idle = 0;
    socklen_t len = sizeof on;
    CHECK(::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
    CHECK(on == 1);
    len = sizeof idle;
    CHECK(::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len) == 0);
    CHECK(idle == 7);
    // client-query-buffer-limit: a request growing past it closes the connection.
    REQUIRE(c.call({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}));
    CHECK(c.last() == "+OK\r\n");
    raw_connection big(port);
    big.send("*2\r\n$4\r\nECHO\r\n$3000000\r\n" + std::string(1500000, 'x'));
    CHECK(big.await_close());
    // maxclients changes at once: a third connection is refused with Redis's error.
    REQUIRE(c.call({"CONFIG", "SET", "maxclients", "2"}));
    raw_connection second(port);
    REQUIRE(second.call({"PING"}));
    raw_connection third(port);
    CHECK(third.await_close());
    CHECK(third.bytes() == "-ERR max number of clients reached\r\n");
    srv.stop();
    loop.join();
}

TEST_CASE("config_support_table classifies every parameter, and docs/config.md lists each in its class") {
    REQUIRE(std::size(app::config_support_table) == std::size(server::redis_config_parameters));
    std::set<std::string_view> classified;
    for (const app::config_support_info& row : app::config_support_table) {
        CHECK(classified.insert(row.name).second);
        CHECK(!row.why.empty());
        if (row.support != app::config_support::refused) CHECK(row.accepted.empty());
    }
    for (const server::config_param_info& p : server::redis_config_parameters) CHECK(classified.count(p.name) == 1);
    std::ifstream in(std::string(RESPKIT_SOURCE_DIR) + "/docs/config.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const std::size_t implemented = doc.find("### Implemented ("), refused = doc.find("### Refused unless"),
                      no_effect = doc.find("### Accepted, with no observable difference"),
                      end = doc.find("### Directives that are not parameters");
    REQUIRE(implemented < refused);
    REQUIRE(refused < no_effect);
    REQUIRE(no_effect < end);
    for (const app::config_support_info& row : app::config_support_table) {
        CAPTURE(row.name);
        const std::size_t at = doc.find("| `" + std::string(row.name) + "` |");
        REQUIRE(at != std::string::npos);
        switch (row.support) {
        case app::config_support::implemented: CHECK((at > implemented && at < refused)); break;
        case app::config_support::refused: CHECK((at > refused && at < no_effect)); break;
        case app::config_support::no_effect: CHECK((at > no_effect && at < end)); break;
        }
    }
    // A restriction installed from the table refuses other values by name.
    server::config_table config;
    app::install_restrictions(config);
    CHECK(config.set("list-compress-depth", "1") ==
          "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - compressing list nodes is not "
          "implemented (accepted: \"0\")");
    CHECK(config.set("list-compress-depth", "0").empty());
    CHECK(config.set("shutdown-on-sigterm", "nosave now").empty());
    CHECK(config.set("shutdown-on-sigterm", "save").empty());
    CHECK(config.set("activedefrag", "no").empty());
    CHECK(!config.set("activedefrag", "yes").empty());
    CHECK(config.set("list-compress-depth", "1") ==
          "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - compressing list nodes is not "
          "implemented (accepted: \"0\")");
    CHECK(config.set("list-compress-depth", "0").empty());
    CHECK(config.violations().empty());
    CHECK(config.set("min-replicas-to-write", "1", server::config_set_mode::loading).empty());
    REQUIRE(config.violations().size() == 1);
    CHECK(config.violations()[0].name == "min-replicas-to-write");
}

TEST_CASE("app::server without TLS support (server_options::tls empty) refuses a tls-port at start-up, naming it") {
    server::config_table config;
    CHECK(config.set("port", std::to_string(free_port()), true).empty());
    CHECK(config.set("tls-port", std::to_string(free_port()), true).empty());
    CHECK(config.set("loglevel", "warning", true).empty());
    app::server srv(std::move(config), {.name = "test-server", .banner = false, .process = false});
    const std::string error = srv.start();
    CHECK(error.find("tls-port") == 0);
    CHECK(error.find("built without TLS support") != std::string::npos);
    CHECK(srv.port() == 0); // nothing was opened
}

TEST_CASE("parse_cpu_list reads Redis's CPU lists and rejects what Redis's setcpuaffinity ignores") {
    const auto cpus = [](std::string_view list) {
        std::string out;
        const std::optional<cpu_set_t> set = respkit::app::parse_cpu_list(list);
        if (!set) return std::string("none");
        for (int cpu = 0; cpu < 64; ++cpu) {
            if (CPU_ISSET(cpu, &*set)) out += std::to_string(cpu) + " ";
        }
        return out;
    };
    CHECK(cpus("0") == "0 ");
    CHECK(cpus("0-3,8") == "0 1 2 3 8 ");
    CHECK(cpus("10-16:3,2") == "2 10 13 16 ");
    for (const char* bad : {"", "x", "1,", ",1", "3-1", "1-4:0", "1-", "1-4:", "2:3", "1 ", "0-99999", "4096"})
        CHECK_MESSAGE(cpus(bad) == "none", bad);
}

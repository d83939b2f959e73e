// Configuration files and command lines as redis-server reads them (server/config_file.hpp)
// and CONFIG REWRITE (server/config_rewrite.hpp): argument splitting, the command line turned
// into lines, repeated and multi-word directives, include, errors with line numbers. Every
// file is also given to Debian's redis-server 7.0.15: the values CONFIG GET shows, and the error
// report it prints, must be the same.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "respkit/resp/parser.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/server/config_file.hpp"
#include "respkit/server/config_rewrite.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;
using server::config_table;

namespace {

/// One RESP reply read from `fd` (bounded in time).
std::optional<resp::value> read_reply(int fd, std::string& buffer) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        if (!buffer.empty()) {
            resp::parser parser;
            resp::value_builder build;
            const auto r = parser.parse(buffer, build);
            if (r.status == resp::parse_status::complete) {
                buffer.erase(0, r.consumed);
                return build.take();
            }
            if (r.status == resp::parse_status::error) return std::nullopt;
        }
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        char chunk[65536];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return std::nullopt;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
}

/// Sends one command on a new connection to `port` and returns its reply.
std::optional<resp::value> call(int port, const std::vector<std::string>& args) {
    const int fd = connect_loopback(port);
    if (fd < 0) return std::nullopt;
    std::string buffer;
    std::optional<resp::value> reply;
    if (send_all(fd, encode(args))) reply = read_reply(fd, buffer);
    ::close(fd);
    return reply;
}

/// CONFIG GET `name` on the server at `port` (the value, or "<none>").
std::string config_get(int port, const std::string& name) {
    const auto reply = call(port, {"CONFIG", "GET", name});
    if (!reply || reply->size() != 2) return "<none>";
    return std::string((*reply)[1].string());
}

/// redis-server started with `file` and `options` (redis-server's arguments after the file).
/// The output goes to `log`.
struct redis_run {
    std::optional<child_process> child;
    int port = 0;
    bool running = false;
    redis_run(const std::string& file, std::vector<std::string> options, const std::string& log) {
        const std::string program = find_on_path("redis-server");
        if (program.empty()) return;
        port = free_port();
        std::vector<std::string> argv{program, file, "--port", std::to_string(port), "--daemonize", "no"};
        argv.insert(argv.end(), options.begin(), options.end());
        child.emplace(argv, log);
        running = child->started() && wait_for_port(port);
    }
    ~redis_run() {
        if (running) (void)call(port, {"SHUTDOWN", "NOSAVE"});
    }
};

/// What redis-server prints on standard error for a configuration it refuses (and its exit
/// status), run with `file` then `options`.
run_output redis_refusal(const std::string& file, const std::vector<std::string>& options = {}) {
    std::vector<std::string> argv{find_on_path("redis-server"), file};
    argv.insert(argv.end(), options.begin(), options.end());
    return run_program(argv, {}, 10s);
}

/// Loads `file` then `options` (as redis-server's command line would) into `config`.
bool load(config_table& config, const std::string& file, const std::vector<std::string>& options,
          std::optional<server::config_error>& error) {
    std::vector<const char*> argv{"respkit-server", file.c_str()};
    for (const auto& o : options) argv.push_back(o.c_str());
    const auto line = server::parse_config_command_line(argv);
    server::config_loader loader(config);
    const bool ok = loader.load_command_line(line);
    error = loader.error();
    return ok;
}

} // namespace

TEST_CASE("split_config_args: sdssplitargs's quoting") {
    using server::split_config_args;
    using v = std::vector<std::string>;
    CHECK(split_config_args("") == v{});
    CHECK(split_config_args("   \t ") == v{});
    CHECK(split_config_args("save 900 1") == v{"save", "900", "1"});
    CHECK(split_config_args("  a\tb  ") == v{"a", "b"});
    CHECK(split_config_args(R"(x "a b" 'c d')") == v{"x", "a b", "c d"});
    CHECK(split_config_args(R"(x "")") == v{"x", ""});
    CHECK(split_config_args(R"(x '')") == v{"x", ""});
    CHECK(split_config_args(R"("\x41\x4a\n\r\t\b\a\\\"\q")") == v{"AJ\n\r\t\b\a\\\"q"});
    CHECK(split_config_args(R"("\x4")") == v{"x4"}); // not two hex digits: a plain escape
    CHECK(split_config_args(R"('it\'s' 'a\nb')") == v{"it's", "a\\nb"});
    CHECK(split_config_args("a\"b c\" d") == v{"ab c", "d"}); // a quote opens even inside an argument
    CHECK(!split_config_args(R"(x "open)"));
    CHECK(!split_config_args(R"(x 'open)"));
    CHECK(!split_config_args(R"(x "a"b)")); // a closing quote must end the argument
    CHECK(!split_config_args(R"(x 'a'b)"));
    CHECK(split_config_args(std::string_view("a b\0c d", 7)) == v{"a", "b"}); // C strings end at NUL
    for (const std::string& s : std::vector<std::string>{"", "plain", "a b", "quote\"back\\slash", std::string("\x01\xff\n\t", 4)}) {
        CHECK(split_config_args(server::quote_config_arg(s)) == v{s}); // quote_config_arg round-trips
    }
    CHECK(server::quote_config_arg("a\"b\x01") == R"("a\"b\x01")");
}

TEST_CASE("parse_config_command_line: redis-server's command line as configuration lines") {
    auto parse = [](std::vector<const char*> argv) {
        argv.insert(argv.begin(), "respkit-server");
        return server::parse_config_command_line(argv);
    };
    auto a = parse({"/etc/redis.conf", "--port", "7000", "--save", "900", "1", "--bind", "a b"});
    CHECK(a.config_file == "/etc/redis.conf");
    CHECK(!a.config_from_stdin);
    CHECK(a.options == "port \"7000\" \nsave \"900\" \"1\" \nbind \"a b\" ");
    CHECK(parse({"--save", "--port", "1"}).options == "save \"\"\nport \"1\" "); // --save alone: no save points
    CHECK(parse({"--port", "1", "--save"}).options == "port \"1\" \nsave \"\"");
    CHECK(parse({"--maxmemory-policy", "--x"}).options == "maxmemory-policy \"--x\" "); // a value after a bare name
    CHECK(parse({"--port 7000"}).options == "port 7000 ");                          // name and value in one argument
    CHECK(parse({"-"}).config_from_stdin);
    const auto b = parse({"f.conf", "--hz", "5", "-"});
    CHECK(b.config_from_stdin);
    CHECK(b.options == "hz \"5\" ");
    CHECK(parse({"f.conf", "extra"}).options == "\"extra\" "); // reported by the loader as a bad directive
    CHECK(parse({"-v"}).what == server::config_command_line::action::version);
    CHECK(parse({"--help"}).what == server::config_command_line::action::help);
    CHECK(parse({"--port", "-v"}).what == server::config_command_line::action::run);
}

TEST_CASE("config_loader: repeated directives, save lines adding up, include, multi-word values") {
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    config_table config;
    server::config_loader loader(config);
    const std::string inc = dir.write("inc.conf", "hz 11\nmaxclients 77\n");
    CHECK(loader.load("# a comment\n\n   hz 5   \nHZ 7\r\nslave-read-only no\nsave 900 1\nsave \"300 10\"\n"
                      "client-output-buffer-limit normal 1mb 2mb 3\nclient-output-buffer-limit pubsub 4 5 6\n"
                      "list-max-ziplist-entries 5\noom-score-adj-values \"1 2 3\"\nbind '127.0.0.1 -::1'\n"
                      "include " + inc + "\nmaxclients 99\nrename-command DEBUG \"\"\nmy.module 1 2\n"));
    CHECK(config.get("hz") == "11");
    CHECK(config.get("maxclients") == "99");
    CHECK(config.get("replica-read-only") == "no");
    CHECK(config.get("save") == "900 1 300 10");
    CHECK(config.get("client-output-buffer-limit") ==
          "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 4 5 6");
    CHECK(config.get("oom-score-adj-values") == "1 2 3");
    CHECK(config.get("bind") == "127.0.0.1 -::1");
    REQUIRE(loader.directives().size() == 2);
    CHECK(loader.directives()[0].args == std::vector<std::string>{"rename-command", "DEBUG", ""});
    CHECK(loader.directives()[0].origin.line == 15);
    CHECK(loader.directives()[1].args == std::vector<std::string>{"my.module", "1", "2"});
    REQUIRE(loader.origin("hz") != nullptr);
    CHECK(loader.origin("hz")->file == inc);
    CHECK(loader.origin("hz")->line == 1);
    CHECK(loader.origin("replica-read-only")->text == "slave-read-only no");

    // After an include returns, Redis 7.0 replaces the save list instead of adding to it.
    config_table quirk;
    server::config_loader second(quirk);
    CHECK(second.load("save 900 1\ninclude " + inc + "\nsave 300 10\n"));
    CHECK(quirk.get("save") == "300 10");
    config_table cleared;
    server::config_loader third(cleared);
    CHECK(third.load("save 900 1\nsave \"\"\nsave 60 5\n"));
    CHECK(cleared.get("save") == "60 5");

    // A glob matching nothing is skipped; one matching several files loads them in order.
    dir.write("a.conf", "hz 21\n");
    dir.write("b.conf", "hz 22\ntimeout 5\n");
    config_table globbed;
    server::config_loader fourth(globbed);
    CHECK(fourth.load("include " + dir.path + "/nothing-*.conf\ninclude " + dir.path + "/[ab].conf\n"));
    CHECK(globbed.get("hz") == "22");
    CHECK(globbed.get("timeout") == "5");
}

TEST_CASE("config_loader: errors stop loading with Redis's report") {
    auto error_of = [](const std::string& text) {
        config_table config;
        server::config_loader loader(config);
        CHECK(!loader.load(text));
        return loader.error() ? server::format_config_error(*loader.error(), "Redis 7.0.15") : std::string();
    };
    CHECK(error_of("# x\nhz abc\n") ==
          "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'hz abc'\n"
          "argument couldn't be parsed into an integer\n");
    CHECK(error_of("nosuch 1").ends_with(">>> 'nosuch 1'\nBad directive or wrong number of arguments\n"));
    CHECK(error_of("hz 1 2").ends_with("wrong number of arguments\n"));
    CHECK(error_of("masterauth \"open").ends_with("Unbalanced quotes in configuration line\n"));
    CHECK(error_of("save 900").ends_with("Invalid save parameters\n"));
    CHECK(error_of("a.b").ends_with("Module config specified without value\n"));
    CHECK(error_of("sentinel monitor x").ends_with("sentinel directive while not in sentinel mode\n"));
    CHECK(error_of("logfile /nonexistent-dir/x.log") ==
          "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n");
    CHECK(error_of("include /nonexistent-dir/x.conf").ends_with(
        "Fatal error, can't open config file '/nonexistent-dir/x.conf': No such file or directory\n"));
}

TEST_CASE("configuration files: respkit reads what redis-server reads, and fails where it fails, with its words") {
    if (find_on_path("redis-server").empty()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    const std::string inc = dir.write("inc.conf", "hz 11\nmaxclients 77\n# included\n");
    dir.write("d1.conf", "timeout 5\n");
    dir.write("d2.conf", "timeout 6\ntcp-keepalive 60\n");

    struct accepted_case {
        std::string text;
        std::vector<std::string> options;
        std::vector<std::string> compared;
    };
    const std::vector<accepted_case> accepted = {
        {"# comment\n\n   hz 5   \nHZ 7\r\nslave-read-only no\n\tmasterauth \"a b\\x41\\n\\\\ \\\"q\\\"\"\n"
         "replica-announce-ip 'it\\'s'\nlist-max-ziplist-entries 5\n",
         {},
         {"hz", "replica-read-only", "masterauth", "replica-announce-ip"}},
        {"save 900 1\nsave \"300 10\"\nclient-output-buffer-limit normal 1mb 2mb 3\n"
         "client-output-buffer-limit pubsub 4 5 6\noom-score-adj-values \"1 2 3\"\n",
         {"--save", "60", "5"},
         {"save", "client-output-buffer-limit", "oom-score-adj-values"}},
        {"save 900 1\ninclude " + inc + "\nsave 300 10\nmaxclients 99\n", {"--save", "1", "2"}, {"save", "hz", "maxclients"}},
        {"save 900 1\nsave \"\"\nsave 60 5\n", {}, {"save"}},
        {"include " + dir.path + "/nothing-*.conf\ninclude " + dir.path + "/d*.conf\n", {"--hz", "33"},
         {"timeout", "tcp-keepalive", "hz"}},
        {"latency-tracking-info-percentiles \"\"\nnotify-keyspace-events KEA\nunixsocketperm 0700\n"
         "maxmemory 1mb\nshutdown-on-sigterm \"now force\"\n",
         {"--maxmemory-clients", "5%"},
         {"latency-tracking-info-percentiles", "notify-keyspace-events", "unixsocketperm", "maxmemory",
          "shutdown-on-sigterm", "maxmemory-clients"}},
    };
    for (const accepted_case& c : accepted) {
        CAPTURE(c.text);
        const std::string file = dir.write("case.conf", c.text);
        std::vector<std::string> options = c.options;
        options.insert(options.end(), {"--dir", dir.path});
        const redis_run redis(file, options, dir.path + "/redis.log");
        REQUIRE_MESSAGE(redis.running, dir.read("redis.log"));
        config_table ours;
        std::optional<server::config_error> error;
        REQUIRE(load(ours, file, options, error));
        for (const std::string& name : c.compared) {
            CAPTURE(name);
            CHECK(std::string(ours.get(name)) == config_get(redis.port, name));
        }
    }

    struct refused_case {
        std::string text;
        std::vector<std::string> options;
    };
    const std::string bad_include = dir.write("bad-inc.conf", "hz 5\nhz x\n");
    const std::vector<refused_case> refused = {
        {"# x\nhz abc\n", {}},
        {"nosuch 1\n", {}},
        {"hz 1 2\n", {}},
        {"masterauth \"open\n", {}},
        {"masterauth \"a\"b\n", {}},
        {"save 900\n", {}},
        {"save 0 1\n", {}},
        {"appendonly maybe\n", {}},
        {"loglevel loud\n", {}},
        {"maxmemory 1x\n", {}},
        {"replicaof host\n", {}},
        {"replicaof host port\n", {}},
        {"unixsocketperm 999\n", {}},
        {"unixsocketperm 1000\n", {}},
        {"user\n", {}},
        {"a.b\n", {}},
        {"hz 5\ninclude " + bad_include + "\n", {}},
        {"logfile /nonexistent-dir/x.log\n", {}},
        {"cluster-enabled yes\nreplicaof 10.0.0.1 6379\n", {}},
        {"hz 5\n", {"--hz", "abc"}},
        {"hz 5\n", {"extra"}},
    };
    for (const refused_case& c : refused) {
        CAPTURE(c.text);
        const std::string file = dir.write("case.conf", c.text);
        std::vector<std::string> options{"--port", std::to_string(free_port())};
        options.insert(options.end(), c.options.begin(), c.options.end());
        const run_output redis = redis_refusal(file, options);
        CHECK(redis.exit_code == 1);
        config_table ours;
        std::optional<server::config_error> error;
        REQUIRE(!load(ours, file, options, error));
        REQUIRE(error.has_value());
        CHECK(server::format_config_error(*error, "Redis 7.0.15") == redis.err);
    }
}

TEST_CASE("CONFIG REWRITE: the file keeps its comments and layout, as redis-server writes it") {
    config_table config;
    server::config_loader loader(config);
    const std::string old = "# my comment\nport 16399\nsave 900 1\nsave 300 10\nslave-read-only no\nhz 5\nhz 6\n\n\n\n"
                            "# another\nrename-command DEBUG \"\"\nmaxmemory 1mb\nbind 127.0.0.1\n";
    REQUIRE(loader.load(old));
    CHECK(config.set("save", "").empty());
    CHECK(config.set("hz", "20").empty());
    CHECK(config.set("maxmemory-clients", "5%").empty());
    CHECK(config.set("requirepass", "foo").empty());
    CHECK(config.set("timeout", "0").empty());
    CHECK(config.store("dir", "/data"));
    CHECK(server::rewritten_config(config, old) ==
          "# my comment\nport 16399\nsave \"\"\n\nreplica-read-only no\nhz 20\n\n# another\n"
          "rename-command DEBUG \"\"\nmaxmemory 1mb\nbind 127.0.0.1\n\n# Generated by CONFIG REWRITE\n"
          "dir \"/data\"\nlatency-tracking-info-percentiles 50 99 99.9\nmaxmemory-clients 5%\nrequirepass \"foo\"\n"
          "user default on #2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae ~* &* +@all\n");
    // Rewriting again adds no second signature; like Redis, the second rewrite keeps the old
    // file's last (empty) line, and from then on nothing changes.
    const std::string once = server::rewritten_config(config, old);
    const std::string twice = server::rewritten_config(config, once);
    CHECK(twice == once + "\n");
    CHECK(server::rewritten_config(config, twice) == twice);
}

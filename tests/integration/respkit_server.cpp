// The built examples/respkit-server against real clients: redis-cli (argument mode and REPL,
// RESP2 and -3), redis-benchmark, and the captured traffic of ../shared/corpus replayed and
// compared reply by reply where replies are deterministic. Stopped with SIGTERM: exit status 0,
// no process left.

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "respkit/resp.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

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

/// The commands of a request stream (empty inline lines skip, as the server does), and whether a
/// protocol error ends it (the server then replies with the error and closes).
struct request_stream {
    std::vector<std::vector<std::string>> commands;
    bool protocol_error = false;
};

request_stream split_requests(std::string_view bytes) {
    request_stream out;
    resp::request_parser parser;
    while (!bytes.empty()) {
        const auto r = parser.parse(bytes);
        if (r.status == resp::parse_status::error) out.protocol_error = true;
        if (r.status != resp::parse_status::complete) break;
        std::vector<std::string> args;
        for (const auto a : parser.args()) args.emplace_back(a);
        if (!args.empty()) out.commands.push_back(std::move(args));
        bytes.remove_prefix(r.consumed);
    }
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Sends `request` on a new connection and reads until `count` replies arrived, the server
/// closed, or 10 s passed.
std::string converse(int port, std::string_view request, std::size_t count) {
    raw_connection c(port);
    if (!c.connected()) return {};
    c.send(request);
    c.await(count, std::chrono::seconds(10));
    return c.bytes();
}

/// Which commands the server under test has, asked with COMMAND INFO: a command implemented
/// later (in the dispatcher or the session) counts as soon as the server lists it.
class server_commands {
public:
    explicit server_commands(int port) : m_port(port) {}

    /// True when the server has the command of `args` (and its subcommand, for containers).
    [[nodiscard]] bool has(const std::vector<std::string>& args) {
        const std::string name = lower(args[0]);
        const kind k = lookup(name);
        if (k == kind::container && args.size() >= 2) return lookup(name + "|" + lower(args[1])) != kind::missing;
        return k != kind::missing;
    }

private:
    enum class kind { missing, command, container };
    kind lookup(const std::string& name) {
        if (const auto it = m_known.find(name); it != m_known.end()) return it->second;
        const std::string request = "*3\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n$" + std::to_string(name.size()) + "\r\n" + name + "\r\n";
        const auto parsed = resp::parse_value(converse(m_port, request, 1));
        kind k = kind::missing;
        // [[name, arity, flags, first key, last key, step, acl categories, tips, key specs, subcommands]]
        if (parsed.result.status == resp::parse_status::complete && parsed.value.size() == 1 &&
            parsed.value[0].size() >= 10) {
            k = parsed.value[0][9].size() == 0 ? kind::command : kind::container;
        }
        m_known.emplace(name, k);
        return k;
    }
    int m_port;
    std::map<std::string, kind> m_known;
};

/// What each captured reply answers: the lower-case command of its request with its first
/// argument ("object encoding", "get k"), "(message)" for a
/// pub/sub message pushed between replies, "(protocol error)" for the error ending the stream.
/// Empty when the replies do not pair with the requests.
std::vector<std::string> label_replies(const request_stream& requests, const std::vector<std::string>& replies) {
    std::vector<std::string> labels;
    std::set<std::string> channels, patterns, shard_channels; // subscriptions so far
    bool subscribed = false;
    std::size_t next = 0;
    auto skip_messages = [&] {
        static constexpr std::string_view prefixes[] = {">3\r\n$7\r\nmessage\r\n", "*3\r\n$7\r\nmessage\r\n",
                                                        ">4\r\n$8\r\npmessage\r\n", "*4\r\n$8\r\npmessage\r\n",
                                                        ">3\r\n$8\r\nsmessage\r\n", "*3\r\n$8\r\nsmessage\r\n"};
        while (subscribed && next < replies.size() &&
               std::any_of(std::begin(prefixes), std::end(prefixes), [&](std::string_view p) { return replies[next].starts_with(p); })) {
            labels.emplace_back("(message)");
            ++next;
        }
    };
    for (const auto& args : requests.commands) {
        const std::string name = lower(args[0]);
        // SUBSCRIBE and UNSUBSCRIBE reply once per channel; without channels, UNSUBSCRIBE once per
        // subscription (once when there is none).
        std::size_t count = 1;
        std::set<std::string>* set = name.ends_with("subscribe") ? (name.find("psub") != std::string::npos ? &patterns
                                                                    : name.find("ssub") != std::string::npos ? &shard_channels
                                                                                                            : &channels)
                                                                 : nullptr;
        if (set != nullptr && args.size() >= 2) count = args.size() - 1;
        if (set != nullptr && name.find("unsub") == std::string::npos) {
            set->insert(args.begin() + 1, args.end());
            subscribed = subscribed || args.size() >= 2;
        } else if (set != nullptr && args.size() >= 2) {
            for (std::size_t i = 1; i < args.size(); ++i) set->erase(args[i]);
        } else if (set != nullptr) {
            count = std::max<std::size_t>(1, set->size());
            set->clear();
        }
        for (std::size_t i = 0; i < count; ++i) {
            skip_messages();
            if (next == replies.size()) return {};
            labels.push_back(args.size() >= 2 ? name + " " + lower(args[1]) : name);
            ++next;
        }
    }
    skip_messages();
    if (requests.protocol_error && next < replies.size()) {
        labels.emplace_back("(protocol error)");
        ++next;
    }
    if (next != replies.size()) return {};
    return labels;
}

/// A reply with the elements of its top-level aggregate sorted (pairs, for a map): for replies
/// whose order is a hash table's.
std::string sorted_elements(const std::string& reply) {
    const std::size_t header = reply.find("\r\n");
    std::vector<std::string> parts = split_replies(std::string_view(reply).substr(header + 2));
    if (reply.starts_with('%')) {
        std::vector<std::string> pairs;
        for (std::size_t i = 0; i + 1 < parts.size(); i += 2) pairs.push_back(parts[i] + parts[i + 1]);
        parts = std::move(pairs);
    }
    std::sort(parts.begin(), parts.end());
    std::string out = reply.substr(0, header + 2);
    for (const auto& part : parts) out += part;
    return out;
}

/// The lines of a tab-separated file, split into fields.
std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> fields;
        std::istringstream fields_in(line);
        for (std::string field; std::getline(fields_in, field, '\t');) fields.push_back(field);
        if (!fields.empty()) rows.push_back(std::move(fields));
    }
    return rows;
}

/// One connection of a multi-connection capture, replayed on a connection of its own: its
/// captured commands are sent in steps (exactly the captured bytes), and its replies read as
/// they come, to be compared with the captured ones.
class replayed_connection {
public:
    replayed_connection(int port, std::string_view requests, std::string_view replies)
        : m_fd(connect_loopback(port)), m_expected(split_replies(replies)) {
        resp::request_parser parser;
        std::size_t at = 0;
        while (at < requests.size()) {
            const auto r = parser.parse(requests.substr(at));
            if (r.status != resp::parse_status::complete) break;
            std::vector<std::string> args;
            for (const auto a : parser.args()) args.emplace_back(a);
            at += r.consumed;
            if (args.empty()) continue;
            m_commands.push_back({std::move(args), at});
            m_stream.commands.push_back(m_commands.back().args);
        }
        m_requests = std::string(requests.substr(0, at));
        m_labels = label_replies(m_stream, m_expected);
    }
    replayed_connection(const replayed_connection&) = delete;
    replayed_connection& operator=(const replayed_connection&) = delete;
    ~replayed_connection() {
        if (m_fd >= 0) ::close(m_fd);
    }

    /// True when its first command (after HELLO) is `name`.
    [[nodiscard]] bool starts_with(std::string_view name) const {
        for (const auto& c : m_commands) {
            if (lower(c.args[0]) != "hello") return lower(c.args[0]) == name;
        }
        return false;
    }
    /// True when it sends `name` at all.
    [[nodiscard]] bool sends(std::string_view name) const {
        return std::any_of(m_commands.begin(), m_commands.end(), [&](const auto& c) { return lower(c.args[0]) == name; });
    }
    /// Sends its next commands through the first one named `name` (all of them when empty),
    /// then waits until the replies to everything sent so far arrived.
    bool send_through(std::string_view name = {}) {
        std::size_t last = m_sent;
        while (last < m_commands.size() && !name.empty() && lower(m_commands[last].args[0]) != name) ++last;
        last = name.empty() ? m_commands.size() : std::min(last + 1, m_commands.size());
        const std::size_t from = m_sent == 0 ? 0 : m_commands[m_sent - 1].end;
        const std::size_t to = last == 0 ? 0 : m_commands[last - 1].end;
        if (!send_all(m_fd, std::string_view(m_requests).substr(from, to - from))) return false;
        for (; m_sent < last; ++m_sent) {
            const auto& args = m_commands[m_sent].args;
            // (P)SUBSCRIBE confirms each channel (the captures have no argument-less UNSUBSCRIBE).
            m_awaited += lower(args[0]).ends_with("subscribe") && args.size() >= 2 ? args.size() - 1 : 1;
        }
        return await(m_awaited);
    }
    /// Waits until as many replies as captured arrived (messages published meanwhile included).
    bool await_all() { return await(m_expected.size()); }

    [[nodiscard]] const std::vector<std::string>& expected() const { return m_expected; }
    [[nodiscard]] std::vector<std::string> actual() const { return split_replies(m_got); }
    /// What each captured reply answers (see label_replies).
    [[nodiscard]] const std::vector<std::string>& labels() const { return m_labels; }

private:
    struct command {
        std::vector<std::string> args;
        std::size_t end; // offset just past it in the request bytes
    };
    // Reads until `count` replies arrived, the server closed, or 10 s passed.
    bool await(std::size_t count) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        char buf[65536];
        while (m_count < count && m_fd >= 0 && std::chrono::steady_clock::now() < deadline) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            m_got.append(buf, static_cast<std::size_t>(n));
            for (;;) {
                resp::parser parser;
                const auto r = parser.skip(std::string_view(m_got).substr(m_parsed));
                if (r.status != resp::parse_status::complete) break;
                m_parsed += r.consumed;
                ++m_count;
            }
        }
        return m_count >= count;
    }

    int m_fd;
    std::vector<std::string> m_expected;
    std::vector<command> m_commands;
    request_stream m_stream;
    std::string m_requests;
    std::vector<std::string> m_labels;
    std::string m_got;
    std::size_t m_sent = 0, m_awaited = 0, m_parsed = 0, m_count = 0;
};

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
        SUBCASE("redis-benchmark, its whole default test list") {
            const auto r = run_program({bench, "-p", port, "-n", "2000", "-q"}, {}, std::chrono::seconds(120));
            CHECK(r.exit_code == 0);
            // -q prints progress lines ended by \r, then each test's result: "NAME: N requests per second, ..."
            std::vector<std::string> results;
            std::string line;
            for (const char c : r.out + "\n") {
                if (c != '\r' && c != '\n') {
                    line += c;
                    continue;
                }
                if (line.find(" requests per second") != std::string::npos) results.push_back(line);
                line.clear();
            }
            for (const char* test : {"PING_INLINE: ", "PING_MBULK: ", "SET: ", "GET: ", "INCR: ", "LPUSH: ", "RPUSH: ",
                                     "LPOP: ", "RPOP: ", "SADD: ", "HSET: ", "SPOP: ", "ZADD: ", "ZPOPMIN: ",
                                     "LPUSH (needed to benchmark LRANGE): ", "LRANGE_100 (first 100 elements): ",
                                     "LRANGE_300 (first 300 elements): ", "LRANGE_500 (first 500 elements): ",
                                     "LRANGE_600 (first 600 elements): ", "MSET (10 keys): "}) {
                CAPTURE(test);
                CHECK(std::count_if(results.begin(), results.end(),
                                    [&](const std::string& result) { return result.starts_with(test); }) == 1);
            }
            CHECK(results.size() == 20);
            CHECK(r.out.find("rror") == std::string::npos);
            CHECK(r.err.find("rror") == std::string::npos);
        }
    }
    const std::filesystem::path corpus = std::string(RESPKIT_SHARED_DIR) + "/corpus";
    SUBCASE("captured corpus: every single-connection file, replies compared where deterministic and implemented") {
        if (!std::filesystem::exists(corpus)) {
            MESSAGE("skipped: no corpus at " << corpus.string());
            return;
        }
        server_commands available(server.port);
        // Rules apply to a command ("info") or to a command and its first argument ("client id").
        auto listed = [](const std::set<std::string>& rules, const std::string& label) {
            return rules.count(label) != 0 || rules.count(label.substr(0, label.find(' '))) != 0;
        };
        // Replies that differ by nature, checked for their RESP type only: COMMAND's table and
        // documentation are respkit's own; HELLO and CLIENT ID/INFO/LIST carry connection ids and
        // addresses; TIME, LASTSAVE, PTTL, OBJECT IDLETIME/FREQ, SLOWLOG and LATENCY times;
        // INFO, CONFIG GET and MEMORY STATS / DOCTOR / MALLOC-STATS the server's own state, paths
        // and allocator (MEMORY USAGE is compared: the captures ask it of a missing key); LOLWUT
        // is art drawn at random.
        const std::set<std::string> nondeterministic = {
            "command", "hello", "client id", "client info", "client list", "time", "lastsave", "pttl",
            "object idletime", "object freq", "slowlog", "latency", "info", "config get", "memory stats",
            "memory doctor", "memory malloc-stats", "lolwut"};
        // Replies whose element order is the hash table's: compared as multisets.
        const std::set<std::string> unordered = {"keys", "smembers", "hkeys", "hvals", "hgetall", "sinter", "sunion", "sdiff"};
        // Commands of the captures that respkit may not implement: EVAL exists when respkit-server
        // was built with Lua 5.1 (respkit::lua), and its replies are compared then; otherwise the
        // files are replayed and its replies (respkit's unknown-command error) not compared.
        std::set<std::string> not_implemented;
        if (!available.has({"eval"})) not_implemented.insert("eval");
        for (const auto& name : not_implemented) {
            CAPTURE(name);
            CHECK(!available.has({name}));
        }
        std::size_t files = 0, compared = 0, typed = 0, skipped = 0;
        std::vector<std::string> replayed;
        for (const auto& item : std::filesystem::directory_iterator(corpus)) {
            if (item.path().extension() != ".req") continue;
            std::filesystem::path stem = item.path();
            stem.replace_extension();
            // Single-connection files only: the other multi-connection captures (MULTI/WATCH, pub/sub)
            // depend on when each connection sent what (a SET between WATCH and EXEC, subscribers
            // listening before PUBLISH), which conns.tsv does not record: each is replayed in the
            // order its script implies below, and redis-benchmark_P4 per connection.
            if (std::filesystem::exists(stem.string() + ".conns.tsv")) continue;
            const auto requests = split_requests(read_file(item.path().string()));
            bool all = !requests.commands.empty();
            for (const auto& r : requests.commands) {
                // Unknown commands sent on purpose are replayed: their error is compared. So are
                // the commands respkit does not have (yet): their replies are not compared.
                all = all && (lower(r[0]).starts_with("nosuch") || available.has(r) ||
                              not_implemented.count(lower(r[0])) != 0);
            }
            if (!all) continue;
            ++files;
            replayed.push_back(stem.filename().string());
            CAPTURE(stem.filename().string());
            (void)converse(server.port, "*1\r\n$8\r\nFLUSHALL\r\n", 1);
            const auto expected = split_replies(read_file(stem.string() + ".resp"));
            const auto labels = label_replies(requests, expected);
            REQUIRE(labels.size() == expected.size());
            const auto actual = split_replies(converse(server.port, read_file(item.path().string()), expected.size()));
            REQUIRE(actual.size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                CAPTURE(i);
                CAPTURE(labels[i]);
                if (listed(not_implemented, labels[i])) {
                    ++skipped;
                    continue;
                }
                if (listed(nondeterministic, labels[i])) {
                    CHECK(actual[i].front() == expected[i].front());
                    ++typed;
                    continue;
                }
                if (listed(unordered, labels[i])) CHECK(sorted_elements(actual[i]) == sorted_elements(expected[i]));
                else CHECK(actual[i] == expected[i]);
                ++compared;
            }
        }
        std::string names;
        for (const auto& name : replayed) names += " " + name;
        MESSAGE("corpus: " << files << " file(s) replayed:" << names << "; " << compared
                           << " replies compared byte for byte (hash-ordered ones as multisets), " << typed
                           << " by RESP type only, " << skipped << " not compared (commands respkit lacks)");
        // Every single-connection capture.
        for (const char* name : {"redis-cli_resp2_basic", "redis-cli_resp3_basic", "redis-cli_resp2_collections",
                                 "redis-cli_resp3_collections", "nc_inline_resp2", "nc_inline_resp3",
                                 "nc_resp3_push_interleaved", "redis-cli_resp2_errors_nil", "redis-cli_resp3_errors_nil",
                                 "redis-cli_resp2_lua_types", "redis-cli_resp3_lua_types", "nc_resp3_bignum_nan",
                                 "redis-cli_resp2_server_info", "redis-cli_resp3_server_info"}) {
            CAPTURE(name);
            CHECK(std::find(replayed.begin(), replayed.end(), name) != replayed.end());
        }
    }

    SUBCASE("captured MULTI/WATCH and pub/sub sessions of three connections each, replayed in the order their scripts imply") {
        // The captures hold each connection's whole stream, not when each connection sent what;
        // capture/capture_shared.sh gives the order:
        // - multi_watch: the REPL running scripts/multi.txt ran alone first; then a second REPL
        //   sent SET wk 0 and WATCH wk, a third redis-cli (argument mode) sent SET wk theirs, and
        //   the second REPL went on with MULTI, INCR wk, EXEC (nil: wk changed) and GET wk;
        // - pubsub: two redis-cli in argument mode subscribed (SUBSCRIBE ch1 ch2, PSUBSCRIBE
        //   news.*) and got their confirmations; then the publisher REPL ran all its commands;
        //   then the subscribers, which had received the messages, were killed.
        // Compared by RESP type only: COMMAND DOCS, which redis-cli sends on starting a REPL
        // (respkit has fewer commands than Redis 7.0 and lists them in its own order, not
        // Redis's hash order: docs/commands.md), and HELLO (connection id). PUBSUB CHANNELS
        // lists channels in hash order: compared as a multiset. Everything else byte for byte,
        // EXEC's arrays, the nil EXEC, EXECABORT, and every message and push frame included.
        const std::set<std::string> typed_only = {"command", "hello"};
        const std::set<std::string> unordered = {"pubsub channels"};
        std::size_t files = 0, compared = 0, typed = 0;
        for (const char* name : {"redis-cli_resp2_multi_watch", "redis-cli_resp3_multi_watch", "redis-cli_resp2_pubsub",
                                 "redis-cli_resp3_pubsub"}) {
            CAPTURE(name);
            const std::string stem = corpus.string() + "/" + name;
            if (!std::filesystem::exists(stem + ".conns.tsv")) {
                MESSAGE("skipped: no " << stem << ".conns.tsv");
                continue;
            }
            (void)converse(server.port, "*1\r\n$8\r\nFLUSHALL\r\n", 1);
            const std::string req = read_file(stem + ".req");
            const std::string resp_bytes = read_file(stem + ".resp");
            std::vector<std::unique_ptr<replayed_connection>> connections;
            for (const auto& row : read_tsv(stem + ".conns.tsv")) {
                REQUIRE(row.size() == 6);
                connections.push_back(std::make_unique<replayed_connection>(
                    server.port, std::string_view(req).substr(std::stoull(row[1]), std::stoull(row[2])),
                    std::string_view(resp_bytes).substr(std::stoull(row[3]), std::stoull(row[4]))));
            }
            REQUIRE(connections.size() == 3);
            auto find = [&](auto&& predicate) -> replayed_connection& {
                const auto it = std::find_if(connections.begin(), connections.end(), [&](const auto& c) { return predicate(*c); });
                REQUIRE(it != connections.end());
                return **it;
            };
            if (std::string_view(name).ends_with("multi_watch")) {
                replayed_connection& script = find([](const auto& c) { return c.sends("multi") && !c.sends("watch"); });
                replayed_connection& watcher = find([](const auto& c) { return c.sends("watch"); });
                replayed_connection& writer = find([](const auto& c) { return !c.sends("multi"); });
                REQUIRE(script.send_through());
                REQUIRE(watcher.send_through("watch"));
                REQUIRE(writer.send_through());
                REQUIRE(watcher.send_through());
            } else {
                replayed_connection& publisher = find([](const auto& c) { return c.sends("publish"); });
                REQUIRE(find([](const auto& c) { return c.starts_with("subscribe"); }).send_through());
                REQUIRE(find([](const auto& c) { return c.starts_with("psubscribe"); }).send_through());
                REQUIRE(publisher.send_through());
            }
            for (const auto& c : connections) {
                REQUIRE(c->await_all());
                const auto& expected = c->expected();
                const auto actual = c->actual();
                REQUIRE(c->labels().size() == expected.size());
                REQUIRE(actual.size() == expected.size());
                for (std::size_t i = 0; i < expected.size(); ++i) {
                    const std::string& label = c->labels()[i];
                    CAPTURE(i);
                    CAPTURE(label);
                    if (typed_only.count(label.substr(0, label.find(' '))) != 0) {
                        CHECK(actual[i].front() == expected[i].front());
                        ++typed;
                    } else if (unordered.count(label) != 0) {
                        CHECK(sorted_elements(actual[i]) == sorted_elements(expected[i]));
                        ++compared;
                    } else {
                        CHECK(actual[i] == expected[i]);
                        ++compared;
                    }
                }
            }
            ++files;
        }
        MESSAGE("multi-connection corpus: " << files << " file(s) replayed; " << compared
                                            << " replies compared byte for byte (PUBSUB CHANNELS as a multiset), "
                                            << typed << " by RESP type only");
    }

    SUBCASE("captured redis-benchmark -P 4: each of its 851 connections replayed on a connection of its own") {
        const std::string stem = corpus.string() + "/redis-benchmark_P4";
        if (!std::filesystem::exists(stem + ".conns.tsv")) {
            MESSAGE("skipped: no " << stem << ".conns.tsv");
            return;
        }
        // The capture's 50 clients per test ran concurrently; here the connections run one after
        // the other, in the file's order (the order they ended, so test after test, as
        // redis-benchmark ran them). Each reply is compared with the captured one:
        // - byte for byte: PING (inline and multibulk) and SET/MSET (+OK); GET key:__rand_int__ (every
        //   SET wrote "xxx"); CONFIG GET save / appendonly (both servers run with --save ''
        //   --appendonly no); LPOP, RPOP and LRANGE of mylist: every element pushed is "xxx" and the
        //   list never runs empty while they run (4000 pushed before 4000 pops, 2000 before LRANGE);
        // - by RESP type only, as their values depend on how the clients interleaved: INCR (the
        //   counter's value), LPUSH/RPUSH (the list's length), SADD/HSET/ZADD (1 for whichever
        //   client came first, else 0), SPOP (the member for the first client, nil after) and
        //   ZPOPMIN (member and score, then empty arrays). For these, the replies of the whole
        //   file, taken as a multiset per command, must equal the captured ones (e.g. INCR's
        //   1..2000, one SADD 1 and 1999 SADD 0, one SPOP member and 1999 nils).
        const std::set<std::string> interleaved = {"incr", "lpush", "rpush", "sadd", "hset", "zadd", "spop", "zpopmin"};
        const std::string req = read_file(stem + ".req");
        const std::string resp_bytes = read_file(stem + ".resp");
        (void)converse(server.port, "*1\r\n$8\r\nFLUSHALL\r\n", 1);
        std::map<std::string, std::multiset<std::string>> expected_by_command, actual_by_command;
        std::size_t connections = 0, compared = 0, typed = 0;
        const auto started = std::chrono::steady_clock::now();
        for (const auto& row : read_tsv(stem + ".conns.tsv")) {
            REQUIRE(row.size() == 6);
            CAPTURE(row[0]); // the capture's connection id
            const std::string conn_req = req.substr(std::stoull(row[1]), std::stoull(row[2]));
            const auto requests = split_requests(conn_req);
            const auto expected = split_replies(std::string_view(resp_bytes).substr(std::stoull(row[3]), std::stoull(row[4])));
            REQUIRE(!requests.protocol_error);
            REQUIRE(requests.commands.size() == expected.size());
            const auto actual = split_replies(converse(server.port, conn_req, expected.size()));
            REQUIRE(actual.size() == expected.size());
            ++connections;
            for (std::size_t i = 0; i < expected.size(); ++i) {
                const std::string name = lower(requests.commands[i][0]);
                CAPTURE(i);
                CAPTURE(name);
                if (interleaved.count(name) != 0) {
                    CHECK(actual[i].front() == expected[i].front());
                    expected_by_command[name].insert(expected[i]);
                    actual_by_command[name].insert(actual[i]);
                    ++typed;
                } else {
                    CHECK(actual[i] == expected[i]);
                    ++compared;
                }
            }
        }
        for (const auto& entry : expected_by_command) {
            CAPTURE(entry.first);
            CHECK(actual_by_command[entry.first] == entry.second);
        }
        CHECK(connections == 851);
        CHECK(expected_by_command.size() == interleaved.size());
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        MESSAGE("redis-benchmark_P4: " << connections << " connections replayed in " << took.count() << " ms; " << compared
                                       << " replies compared byte for byte, " << typed
                                       << " by RESP type and as per-command multisets");
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

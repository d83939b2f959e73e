// Every built-in command of the built examples/respkit-server with hostile arguments: the
// commands and their argument trees come from the server's own COMMAND and COMMAND DOCS (a new
// command is covered without touching this file), and each integer, double, string, key,
// pattern and unix-time argument receives every value of hostile_values() (INT64_MIN/MAX and
// their neighbours, values just outside int64, huge counts, "", "nan", "inf", a 1 MB string),
// in calls that follow the tokens, oneof choices, blocks and repetitions of the tree so that
// options such as COUNT, LIMIT, WITHSCORES, BYSCORE, REV, MAXLEN or RANK are reached. The calls
// run against keys of every type prepared beforehand (small ones, and larger ones so that the
// handlers do real work). After each call the server must answer PING on another connection
// within ping_bound, and its resident memory must stay below the bound computed in
// memory_bound_kb(). Under the CI's asan stage the server is built with ASan and UBSan: that run
// is the sanitizer run (a report ends the server, which fails the PING check, and the log is
// printed). The run ends with counts (commands, calls, replies by kind) and the peak memory.
//
// RESPKIT_HOSTILE_SEED=n replays another sample of the random parts (the default is fixed);
// RESPKIT_HOSTILE_VERBOSE=1 prints every call, its reply and the time each command took;
// RESPKIT_HOSTILE_ONLY=zadd,client|kill runs those commands only; RESPKIT_HOSTILE_COMPARE=1 sends
// every call to a redis-server as well and lists the error replies that differ (=strict: every
// reply of a command whose replies do not vary by nature; see `reference`).

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp.hpp"
#include "support/process_util.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// How long the server may take to answer PING after a call.
constexpr auto ping_bound = 2s;
/// How long a non-blocking command may take to reply.
constexpr auto reply_bound = 2s;
/// How long a blocking command may wait before the test gives up on it (closes its connection).
constexpr auto blocked_wait = 200ms;
/// The output limit of the reference redis-server (client-output-buffer-limit normal), so that
/// a reply it does not bound otherwise (SRANDMEMBER key -9223372036854775807) stops there.
/// respkit-server runs with its default limit (256 MiB), which it applies before writing such
/// a reply.
constexpr std::size_t reference_output_limit = 4u << 20;
/// The largest reply the prepared keys and the values a call stores can make (a few of the
/// 1 MB values listed together), with a wide margin.
constexpr std::size_t largest_reply = 16u << 20;
/// The long argument: 1 MB.
constexpr std::size_t long_argument = 1u << 20;
/// Writes between two preparations of the keys: bounds what earlier calls may have stored.
constexpr std::size_t writes_between_preparations = 32;
/// ASan's quarantine of freed blocks in the server (see server_under_test::start).
constexpr std::size_t asan_quarantine_mb = 16;

/// Commands not sent at all, each with the reason. Everything else is sent, including the
/// commands that change or end the connection (QUIT, RESET, HELLO, SELECT, SUBSCRIBE, MULTI,
/// CLIENT KILL): they run on a connection that is replaced after them.
const std::map<std::string, std::string, std::less<>>& skipped_commands() {
    static const std::map<std::string, std::string, std::less<>> skipped{
        {"shutdown", "ends the server (its argument parsing is covered by tests/diff/server.redis)"},
        {"client|pause", "holds every later command, the alive check's PING included, for its timeout "
                         "(its argument parsing is covered by tests/diff/pause_monitor_debug.redis)"},
        {"monitor", "answers later commands with a line each as well (tests/integration/pause_monitor.cpp)"},
    };
    return skipped;
}

/// The hostile values every argument receives.
const std::vector<std::string>& hostile_values() {
    static const std::vector<std::string> values{
        "-9223372036854775808", // INT64_MIN
        "-9223372036854775807", // INT64_MIN + 1
        "-9223372036854770000", // the ZRANDMEMBER ... WITHSCORES case of issue 9
        "-4294967296",
        "-1",
        "0",
        "1",
        "2147483648",
        "4294967296",
        "9223372036854775806", // INT64_MAX - 1
        "9223372036854775807", // INT64_MAX
        "9223372036854775808", // INT64_MAX + 1
        "-9223372036854775809", // INT64_MIN - 1
        "",
        "nan",
        "inf",
        "-inf",
        std::string(long_argument, 'x'),
    };
    return values;
}

std::string printable_arg(std::string_view a) {
    if (a.size() > 64 && a.find_first_not_of(a[0]) == std::string_view::npos) {
        return "<" + std::to_string(a.size()) + " bytes of '" + std::string(1, a[0]) + "'>";
    }
    std::string out = "\"";
    for (const char c : a) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            out += hex;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string printable_call(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) out += (out.empty() ? "" : " ") + printable_arg(a);
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// ---------------------------------------------------------------------------------------------
// A RESP connection that reads one reply at a time, with a deadline.

/// What became of a request.
enum class outcome { reply, timeout, closed };

class connection {
public:
    explicit connection(int port) : m_port(port) { reconnect(); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close(); }

    void reconnect() {
        close();
        m_fd = connect_loopback(m_port);
        m_buffer.clear();
        m_parser.reset();
    }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }
    [[nodiscard]] bool connected() const { return m_fd >= 0; }

    /// True when bytes nobody asked for arrived (a reply too many); they are dropped.
    bool unexpected_bytes() {
        bool any = !m_buffer.empty();
        char chunk[1 << 16];
        while (m_fd >= 0) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) break;
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                close();
                break;
            }
            any = true;
        }
        m_buffer.clear();
        m_parser.reset();
        return any;
    }

    /// Sends a command; false when the connection is gone.
    bool send(const std::vector<std::string>& args) {
        std::string request;
        resp::write_command_range(request, args);
        return m_fd >= 0 && send_all(m_fd, request);
    }

    /// Reads one reply, waiting at most `limit`; the reply's bytes are in reply().
    outcome read(std::chrono::milliseconds limit) {
        m_reply.clear();
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            if (!m_buffer.empty()) {
                const auto r = m_parser.skip(m_buffer);
                if (r.status == resp::parse_status::complete) {
                    m_reply.assign(m_buffer, 0, r.consumed);
                    m_buffer.erase(0, r.consumed);
                    m_parser.reset();
                    return outcome::reply;
                }
                if (r.status == resp::parse_status::error) {
                    m_reply = "(unparsable reply) " + m_buffer.substr(0, 200);
                    close();
                    return outcome::closed;
                }
            }
            if (m_fd < 0) return outcome::closed;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return outcome::timeout;
            pollfd p{m_fd, POLLIN, 0};
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
            if (::poll(&p, 1, static_cast<int>(std::max<long long>(wait, 1))) <= 0) continue;
            char chunk[1 << 16];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                close();
                return outcome::closed;
            }
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

    /// Sends a command and reads its reply.
    outcome call(const std::vector<std::string>& args, std::chrono::milliseconds limit = reply_bound) {
        if (!send(args)) return outcome::closed;
        return read(limit);
    }

    [[nodiscard]] const std::string& reply() const { return m_reply; }

private:
    int m_port;
    int m_fd = -1;
    std::string m_buffer, m_reply;
    // Replies may carry long lines (an error quoting a 1 MB argument): the test reads them all.
    resp::parser m_parser{resp::limits{.max_line_length = 64u << 20}};
};

/// The reply as a value (the test's own requests only: small replies).
resp::value parsed(const std::string& reply) {
    auto p = resp::parse_value(reply);
    return std::move(p.value);
}

// ---------------------------------------------------------------------------------------------
// The server under test.

/// True when this test (and so the server, built alike) runs under ASan.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized_build = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized_build = true;
#else
constexpr bool sanitized_build = false;
#endif
#else
constexpr bool sanitized_build = false;
#endif

/// VmRSS and VmHWM of a process, in kB (0 when unreadable).
struct memory_use {
    std::size_t rss_kb = 0;
    std::size_t hwm_kb = 0;
};

memory_use memory_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    memory_use m;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = std::strtoull(line.c_str() + 6, nullptr, 10);
        if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = std::strtoull(line.c_str() + 6, nullptr, 10);
    }
    return m;
}

/// respkit-server on a free loopback port, in a temporary directory, logging to a file.
class server_under_test {
public:
    explicit server_under_test(std::string program) : m_program(std::move(program)) {
        m_dir = std::filesystem::temp_directory_path() / ("respkit-hostile-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_dir);
    }
    ~server_under_test() {
        m_child.reset();
        std::error_code ignored;
        std::filesystem::remove_all(m_dir, ignored);
    }

    /// Starts (or restarts) it; true when it listens.
    bool start() {
        m_child.reset();
        if (sanitized_build) {
            // ASan holds 256 MB of freed blocks back by default, which would hide a leak or an
            // oversized allocation of that size from the memory bound; a smaller quarantine
            // still catches the use of a block freed by the same command.
            std::string options = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
            if (options.find("quarantine_size_mb") == std::string::npos) {
                options += (options.empty() ? "" : ":") + std::string("quarantine_size_mb=") +
                           std::to_string(asan_quarantine_mb);
                ::setenv("ASAN_OPTIONS", options.c_str(), 1);
            }
        }
        m_port = free_port();
        m_log = (m_dir / ("server." + std::to_string(++m_starts) + ".log")).string();
        m_child.emplace(std::vector<std::string>{m_program, "--port", std::to_string(m_port), "--bind", "127.0.0.1",
                                                 "--save", "", "--appendonly", "no", "--dir", m_dir.string()},
                        m_log);
        return m_child->started() && wait_for_port(m_port);
    }

    /// Ends a server that failed at once (SIGKILL), keeping its log.
    void kill() {
        if (m_child) m_child->signal(SIGKILL);
        m_child.reset();
    }

    /// SIGTERM, and its exit status (-1: did not exit in time or was killed by a signal).
    int stop() {
        if (!m_child) return -1;
        m_child->signal(SIGTERM);
        const run_output r = m_child->wait(std::chrono::seconds(20));
        m_child.reset();
        return r.exit_code;
    }

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] pid_t pid() const { return m_child ? m_child->pid() : -1; }
    [[nodiscard]] bool alive() const { return m_child && ::kill(m_child->pid(), 0) == 0; }

    /// The end of its log (where a sanitizer report lands).
    [[nodiscard]] std::string log_tail(std::size_t bytes = 6000) const {
        std::ifstream in(m_log);
        std::stringstream s;
        s << in.rdbuf();
        const std::string all = s.str();
        return all.size() > bytes ? all.substr(all.size() - bytes) : all;
    }
    /// True when the log holds a sanitizer report.
    [[nodiscard]] bool sanitizer_report() const {
        const std::string all = log_tail(std::string::npos);
        return all.find("runtime error:") != std::string::npos || all.find("AddressSanitizer") != std::string::npos ||
               all.find("LeakSanitizer") != std::string::npos;
    }

private:
    std::string m_program;
    std::filesystem::path m_dir;
    std::string m_log; // one per start, so that a report is read from the right one
    int m_starts = 0;
    int m_port = 0;
    std::optional<child_process> m_child;
};

// ---------------------------------------------------------------------------------------------
// Commands and their argument trees, from COMMAND and COMMAND DOCS.

struct arg_node {
    std::string name, type, token;
    bool optional = false, multiple = false, multiple_token = false;
    std::vector<arg_node> children;
    int id = -1;
    int parent = -1;
};

struct command_info {
    std::vector<std::string> words; // {"client", "kill"}
    std::string full_name;          // "client|kill"
    std::string group;
    int arity = 0;
    bool blocking = false;
    bool write = false;
    bool container = false;
    bool generic_args = false; // COMMAND DOCS lists no arguments: generic ones stand in
    std::set<std::string> acl;
    std::vector<arg_node> args;
    std::vector<const arg_node*> nodes; // pre-order, index = id
};

std::string field_text(const resp::value& map, std::string_view key) {
    const resp::value* v = map.find(key);
    return v == nullptr ? std::string() : std::string(v->string());
}

arg_node read_arg(const resp::value& doc) {
    arg_node a;
    a.name = field_text(doc, "name");
    a.type = field_text(doc, "type");
    a.token = field_text(doc, "token");
    if (const resp::value* flags = doc.find("flags")) {
        for (const auto& f : flags->elements()) {
            if (f.string() == "optional") a.optional = true;
            if (f.string() == "multiple") a.multiple = true;
            if (f.string() == "multiple_token") a.multiple_token = true;
        }
    }
    if (const resp::value* children = doc.find("arguments")) {
        for (const auto& c : children->elements()) a.children.push_back(read_arg(c));
    }
    return a;
}

void number_nodes(arg_node& a, int parent, command_info& c) {
    a.id = static_cast<int>(c.nodes.size());
    a.parent = parent;
    c.nodes.push_back(&a);
    for (auto& child : a.children) number_nodes(child, a.id, c);
}

void read_docs(const resp::value& docs, std::map<std::string, command_info>& out) {
    for (std::size_t i = 0; i + 1 < docs.size(); i += 2) {
        const std::string name = lower(std::string(docs[i].string()));
        const resp::value& doc = docs[i + 1];
        command_info& c = out[name];
        c.full_name = name;
        c.group = field_text(doc, "group");
        if (const resp::value* args = doc.find("arguments")) {
            for (const auto& a : args->elements()) c.args.push_back(read_arg(a));
        }
        if (const resp::value* subs = doc.find("subcommands")) {
            c.container = true;
            read_docs(*subs, out);
        }
    }
}

void read_info(const resp::value& entry, std::map<std::string, command_info>& out) {
    if (entry.size() < 7) return;
    const std::string name = lower(std::string(entry[0].string()));
    command_info& c = out[name];
    c.arity = static_cast<int>(entry[1].integer());
    for (const auto& f : entry[2].elements()) {
        if (f.string() == "blocking") c.blocking = true;
        if (f.string() == "write") c.write = true;
    }
    // Waits without Redis's blocking flag (WAIT blocks until its timeout with no replica), or
    // rightly sends no reply (CLIENT REPLY OFF / SKIP): given up on after a short wait as well.
    if (name == "wait" || name == "client|reply") c.blocking = true;
    for (const auto& a : entry[6].elements()) c.acl.insert(std::string(a.string()));
    if (entry.size() >= 10) {
        for (const auto& sub : entry[9].elements()) read_info(sub, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Keys prepared before the calls.

struct prepared_key {
    std::string name;
    std::string type; // string list hash set zset, or "none"
    bool large;
};

const std::vector<prepared_key>& prepared_keys() {
    static const std::vector<prepared_key> keys{
        {"h:str", "string", false},   {"h:int", "string", false},  {"h:bigstr", "string", true},
        {"h:list", "list", false},    {"h:biglist", "list", true}, {"h:hash", "hash", false},
        {"h:bighash", "hash", true},  {"h:set", "set", false},     {"h:intset", "set", false},
        {"h:bigset", "set", true},    {"h:zset", "zset", false},   {"h:bigzset", "zset", true},
        {"h:missing", "none", false},
    };
    return keys;
}

/// The requests that (re)create the prepared keys.
std::vector<std::vector<std::string>> preparation() {
    constexpr int large = 600; // past Redis's compact encodings (512 hash and set entries, 128 zset members)
    std::vector<std::vector<std::string>> out;
    out.push_back({"FLUSHALL"});
    out.push_back({"SET", "h:str", "hello world"});
    out.push_back({"SET", "h:int", "12345"});
    out.push_back({"SET", "h:bigstr", std::string(64 * 1024, 'v')});
    out.push_back({"RPUSH", "h:list", "a", "b", "c", "1", "2", "3"});
    out.push_back({"HSET", "h:hash", "a", "1", "b", "2", "c", "x"});
    out.push_back({"SADD", "h:set", "a", "b", "c"});
    out.push_back({"SADD", "h:intset", "1", "2", "3", "-5"});
    out.push_back({"ZADD", "h:zset", "1", "a", "2", "b", "2", "c", "-inf", "d", "inf", "e"});
    std::vector<std::string> list{"RPUSH", "h:biglist"}, hash{"HSET", "h:bighash"}, set{"SADD", "h:bigset"},
        zset{"ZADD", "h:bigzset"};
    for (int i = 0; i < large; ++i) {
        const std::string m = "m" + std::to_string(i);
        list.push_back(m);
        hash.push_back(m);
        hash.push_back(std::to_string(i));
        set.push_back(m);
        zset.push_back(std::to_string(i % 100));
        zset.push_back(m);
    }
    out.push_back(list);
    out.push_back(hash);
    out.push_back(set);
    out.push_back(zset);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Call generation.

/// How the optional parts of a call are chosen.
enum class shape {
    minimal, ///< only what is required, and what leads to the argument under test
    random,  ///< optional parts included at random, oneof alternatives at random
};

/// One generated call: which arguments (node ids) get which values, and what else is present.
struct call_plan {
    shape form = shape::minimal;
    std::map<int, std::string> forced; // node id -> value
    std::set<int> path;                // nodes that must be present (the forced ones' ancestors)
    std::optional<std::string> extra;  // appended after the arguments
};

class generator {
public:
    generator(std::uint64_t seed, std::vector<std::string> config_names)
        : m_rng(seed), m_config_names(std::move(config_names)) {}

    /// The calls for command `c`.
    std::vector<std::vector<std::string>> calls_for(const command_info& c) {
        std::vector<std::vector<std::string>> out;
        const auto& hostile = hostile_values();
        out.push_back(build(c, {}));
        for (const auto& v : hostile) {
            call_plan p;
            p.extra = v;
            out.push_back(build(c, p));
        }
        for (const arg_node* n : c.nodes) {
            if (n->type == "oneof" || n->type == "block") continue;
            if (n->type == "pure-token") { // reach it, other arguments as usual
                for (const shape s : {shape::minimal, shape::random}) out.push_back(build(c, plan_for(c, *n, s, {})));
                continue;
            }
            for (const auto& v : hostile) {
                for (const shape s : {shape::minimal, shape::random}) out.push_back(build(c, plan_for(c, *n, s, v)));
            }
            if (n->type == "key") { // every prepared key, whatever its type, in every key argument
                for (const auto& k : prepared_keys()) out.push_back(build(c, plan_for(c, *n, shape::random, k.name)));
            }
        }
        // Combinations: several arguments hostile at once, sampled.
        std::vector<const arg_node*> leaves;
        for (const arg_node* n : c.nodes) {
            if (n->type != "oneof" && n->type != "block" && n->type != "pure-token") leaves.push_back(n);
        }
        if (leaves.size() >= 2) {
            for (int i = 0; i < 12; ++i) {
                call_plan p;
                p.form = shape::random;
                for (int k = 0; k < 3; ++k) {
                    const arg_node* n = leaves[pick(leaves.size())];
                    add_path(c, *n, p);
                    p.forced[n->id] = hostile[pick(hostile.size())];
                }
                out.push_back(build(c, p));
            }
        }
        return out;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_rng); }
    bool coin(int percent) { return static_cast<int>(pick(100)) < percent; }

    void add_path(const command_info& c, const arg_node& n, call_plan& p) {
        for (int id = n.id; id >= 0; id = c.nodes[static_cast<std::size_t>(id)]->parent) p.path.insert(id);
    }

    call_plan plan_for(const command_info& c, const arg_node& n, shape s, std::optional<std::string> value) {
        call_plan p;
        p.form = s;
        add_path(c, n, p);
        if (value) p.forced[n.id] = *value;
        return p;
    }

    std::vector<std::string> build(const command_info& c, const call_plan& p) {
        std::vector<std::string> args;
        for (const auto& w : c.words) args.push_back(w);
        for (const auto& a : c.args) emit(c, a, p, args);
        if (p.extra) args.push_back(*p.extra);
        return args;
    }

    void emit(const command_info& c, const arg_node& n, const call_plan& p, std::vector<std::string>& args) {
        const bool on_path = p.path.contains(n.id);
        if (n.optional && !on_path && (p.form == shape::minimal || !coin(50))) return;
        std::size_t repeats = 1;
        if (n.multiple && p.form == shape::random && coin(30)) repeats = 2 + pick(2);
        for (std::size_t r = 0; r < repeats; ++r) {
            if (!n.token.empty() && (r == 0 || n.multiple_token)) args.push_back(n.token);
            if (n.type == "pure-token") continue;
            if (n.type == "oneof") {
                const arg_node* chosen = nullptr;
                for (const auto& child : n.children) {
                    if (p.path.contains(child.id)) chosen = &child;
                }
                if (chosen == nullptr) chosen = &n.children[pick(n.children.size())];
                emit_required(c, *chosen, p, args);
                continue;
            }
            if (n.type == "block") {
                for (const auto& child : n.children) emit(c, child, p, args);
                continue;
            }
            const auto forced = p.forced.find(n.id);
            args.push_back(r == 0 && forced != p.forced.end() ? forced->second : baseline(c, n));
        }
    }

    // A oneof's alternative is present once chosen, even when it is marked optional.
    void emit_required(const command_info& c, const arg_node& n, const call_plan& p, std::vector<std::string>& args) {
        arg_node copy = n;
        copy.optional = false;
        emit(c, copy, p, args);
    }

    std::string one_of(std::initializer_list<const char*> choices) {
        return *(choices.begin() + static_cast<std::ptrdiff_t>(pick(choices.size())));
    }

    /// A plausible value for an argument that is not under test, so that calls reach past it.
    std::string baseline(const command_info& c, const arg_node& n) {
        const std::string& name = n.name;
        if (n.type == "key") return key_for(c, name);
        if (n.type == "pattern") return one_of({"*", "h:*", "m1*", "[a-z]*"});
        if (n.type == "unix-time") return std::to_string(std::time(nullptr) + 100);
        if (name == "timeout") return "0.001";
        if (name == "numkeys") return "1";
        if (n.type == "double") return one_of({"1", "1.5", "0", "-2"});
        if (n.type == "integer") return one_of({"0", "1", "2", "-1", "10"});
        if (name == "parameter" && !m_config_names.empty()) return m_config_names[pick(m_config_names.size())];
        if (name == "min" || name == "max") return one_of({"-inf", "+inf", "0", "(1", "1", "-", "+", "[a", "(m5"});
        if (name == "start" || name == "stop" || name == "end" || name == "index" || name == "offset" ||
            name == "rank" || name == "count")
            return one_of({"0", "1", "-1", "2", "-3"});
        if (name == "cursor") return "0";
        if (name == "section") return one_of({"server", "all", "keyspace", "default"});
        if (name == "arg") return one_of({"get", "set", "zadd", "h:str", "1", "a"}); // generic_args
        return one_of({"a", "b", "m1", "1", "x", "2"});
    }

    std::string key_for(const command_info& c, const std::string& arg_name) {
        static const std::map<std::string, std::string, std::less<>> group_type{
            {"string", "string"}, {"list", "list"}, {"hash", "hash"}, {"set", "set"}, {"sorted-set", "zset"}};
        if (arg_name.find("destination") != std::string::npos && coin(50)) return "h:dst";
        const auto& keys = prepared_keys();
        const auto t = group_type.find(c.group);
        if (t == group_type.end() || coin(15)) return keys[pick(keys.size())].name;
        std::vector<const prepared_key*> matching;
        for (const auto& k : keys) {
            if (k.type == t->second && (!k.large || coin(30))) matching.push_back(&k);
        }
        if (matching.empty()) return keys[pick(keys.size())].name;
        return matching[pick(matching.size())]->name;
    }

    std::mt19937_64 m_rng;
    std::vector<std::string> m_config_names;
};

// ---------------------------------------------------------------------------------------------
// The run.

/// What the run saw.
struct tally {
    std::size_t commands = 0, calls = 0;
    std::map<std::string, std::size_t> replies; // reply kind -> count
    std::map<std::string, std::size_t> closed_by; // command -> connections the server closed
    std::size_t blocked = 0;
    std::vector<std::string> failures;
    std::map<std::string, std::vector<std::string>> differences; // command -> calls replying unlike Redis
    memory_use peak;
    std::size_t largest_rise_kb = 0; // the largest rise of VmHWM over one call
    std::string largest_rise_call;   // and that call
    std::size_t baseline_rss_kb = 0;
};

std::string reply_kind(const std::string& reply) {
    if (reply.empty()) return "empty";
    switch (reply[0]) {
    case '-': {
        const std::size_t space = reply.find_first_of(" \r");
        return "error " + reply.substr(1, space - 1);
    }
    case '+': return "simple string";
    case ':': return "integer";
    case '$': return reply.rfind("$-1", 0) == 0 ? "null" : "bulk string";
    case '*': return reply.rfind("*-1", 0) == 0 ? "null" : "array";
    case '_': return "null";
    case '%': return "map";
    case '~': return "set";
    case ',': return "double";
    case '#': return "boolean";
    case '>': return "push";
    default: return std::string("other ") + reply[0];
    }
}

/// The resident-memory bound, in kB, above the server's resident memory once the keys were
/// prepared: what the server may legitimately hold at once.
///   - the request: a call carries at most 9 arguments of 1 MB (3 hostile arguments, each in
///     a part repeated at most 3 times), read into the input buffer, parsed, and copied into
///     values: 32 MB;
///   - the reply: largest_reply, twice (the buffer doubles as it grows); a reply sized by a
///     count (SRANDMEMBER key -9223372036854775807) is refused before it is written;
///   - values stored by the writes since the last preparation: 9 MB each at most;
///   - the allocator's free lists and fragmentation, and under ASan its shadow memory: 64 MB,
///     plus ASan's quarantine of freed blocks.
std::size_t memory_bound_kb(bool sanitized) {
    constexpr std::size_t mb = 1024;
    std::size_t bound = 32 * mb + 2 * (largest_reply / 1024) + writes_between_preparations * 9 * mb + 64 * mb;
    if (sanitized) bound += asan_quarantine_mb * mb;
    return bound;
}

/// Debian's redis-server, run beside respkit when RESPKIT_HOSTILE_COMPARE is set: every call is
/// sent to both, and an error reply (or a reply of another type) that differs is listed. A
/// triage aid for bounds that differ from Redis's (the comparison cannot be exact: random
/// replies, and parameters respkit refuses).
class reference {
public:
    reference()
        : m_process(start_redis_server(
              {"--client-output-buffer-limit", "normal", std::to_string(reference_output_limit), "0", "0"})) {
        if (!m_process.running()) return;
        m_control.emplace(m_process.port());
        m_worker.emplace(m_process.port());
        if (m_control->call({"CONFIG", "GET", "*"}) != outcome::reply) return;
        const resp::value all = parsed(m_control->reply());
        for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
            m_config[std::string(all[i].string())] = std::string(all[i + 1].string());
        }
    }
    [[nodiscard]] bool running() const { return m_process.running(); }

    void prepare() {
        if (m_control->call({"PING"}) != outcome::reply) m_control->reconnect(); // CLIENT KILL
        for (const auto& request : preparation()) (void)m_control->call(request, 10s);
    }

    /// The reply to `args` ("(timeout)" or "(closed)" when there is none).
    std::string call(const command_info& c, const std::vector<std::string>& args, bool replace_worker) {
        if (!m_worker->connected()) m_worker->reconnect();
        (void)m_worker->unexpected_bytes();
        m_worker->send(args);
        const outcome o = m_worker->read(c.blocking ? std::chrono::milliseconds(blocked_wait) : reply_bound);
        std::string reply = o == outcome::reply ? m_worker->reply() : o == outcome::closed ? "(closed)" : "(timeout)";
        if (c.full_name == "config|set" || c.full_name == "config|resetstat") {
            if (m_control->call({"PING"}) != outcome::reply) m_control->reconnect();
            for (const auto& [name, value] : m_config) (void)m_control->call({"CONFIG", "SET", name, value});
        }
        if (replace_worker || o != outcome::reply) m_worker->reconnect();
        return reply;
    }

private:
    server_process m_process;
    std::optional<connection> m_control, m_worker;
    std::map<std::string, std::string> m_config;
};

class runner {
public:
    runner(server_under_test& server, tally& t, bool verbose, reference* theirs)
        : m_server(server), m_tally(t), m_verbose(verbose), m_theirs(theirs) {}

    /// Starts the server and connects; remembers its configuration (restored after CONFIG SET).
    bool start() {
        if (!m_server.start()) return false;
        m_control.emplace(m_server.port());
        m_worker.emplace(m_server.port());
        if (!m_control->connected() || !m_worker->connected()) return false;
        m_config.clear();
        if (m_control->call({"CONFIG", "GET", "*"}) != outcome::reply) return false;
        const resp::value all = parsed(m_control->reply());
        for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
            m_config[std::string(all[i].string())] = std::string(all[i + 1].string());
        }
        return true;
    }

    /// Discovers the commands: COMMAND for arity and flags, COMMAND DOCS for arguments.
    std::map<std::string, command_info> commands() {
        std::map<std::string, command_info> out;
        REQUIRE(m_control->call({"COMMAND", "DOCS"}, 10s) == outcome::reply);
        read_docs(parsed(m_control->reply()), out);
        REQUIRE(m_control->call({"COMMAND"}, 10s) == outcome::reply);
        const resp::value info = parsed(m_control->reply());
        for (const auto& entry : info.elements()) read_info(entry, out);
        for (auto& [name, c] : out) {
            c.words.clear();
            std::string rest = name;
            for (std::size_t bar; (bar = rest.find('|')) != std::string::npos; rest.erase(0, bar + 1)) {
                c.words.push_back(rest.substr(0, bar));
            }
            c.words.push_back(rest);
            // Some commands need arguments that COMMAND DOCS does not describe, in Redis too
            // (COMMAND GETKEYS): as many generic string arguments as the arity asks, and more.
            const int needed = std::abs(c.arity) - static_cast<int>(c.words.size());
            if (!c.container && c.args.empty() && needed > 0) {
                c.generic_args = true;
                arg_node generic_arg;
                generic_arg.name = "arg";
                generic_arg.type = "string";
                for (int i = 0; i < needed; ++i) c.args.push_back(generic_arg);
                generic_arg.optional = generic_arg.multiple = c.arity < 0;
                if (c.arity < 0) c.args.push_back(generic_arg);
            }
            c.nodes.clear();
            for (auto& a : c.args) number_nodes(a, -1, c);
        }
        return out;
    }

    /// The configuration parameters' names.
    [[nodiscard]] std::vector<std::string> config_names() const {
        std::vector<std::string> names;
        for (const auto& entry : m_config) names.push_back(entry.first);
        return names;
    }

    void prepare() {
        for (const auto& request : preparation()) {
            if (m_control->call(request, 10s) != outcome::reply || m_control->reply()[0] == '-') {
                fail("preparation failed: " + printable_call(request) + " -> " + m_control->reply().substr(0, 200));
                restart();
                return;
            }
        }
        m_since_preparation = 0;
        m_dirty = false;
        if (m_theirs != nullptr) m_theirs->prepare();
    }

    /// Sends one call and checks the server afterwards.
    void run(const command_info& c, const std::vector<std::string>& args) {
        ++m_tally.calls;
        if (!m_worker->connected()) m_worker->reconnect();
        if (m_worker->unexpected_bytes()) fail("a reply too many after " + m_previous);
        m_previous = printable_call(args);
        if (m_verbose) std::printf("> %s\n", m_previous.substr(0, 300).c_str());
        const auto started = std::chrono::steady_clock::now();
        m_worker->send(args);
        const outcome o = m_worker->read(c.blocking ? std::chrono::milliseconds(blocked_wait) : reply_bound);
        bool replace_worker = changes_connection(c);
        if (o == outcome::reply) {
            ++m_tally.replies[reply_kind(m_worker->reply())];
            if (m_verbose) std::printf("< %s\n", printable_arg(m_worker->reply().substr(0, 300)).c_str());
        } else if (o == outcome::closed) {
            ++m_tally.closed_by[c.full_name];
            replace_worker = true;
        } else if (c.blocking) {
            ++m_tally.blocked; // still waiting (a hostile timeout), or silenced: give up on it
            replace_worker = true;
        } else {
            fail("no reply within " + std::to_string(reply_bound.count()) + " s: " + m_previous);
            replace_worker = true;
        }
        if (m_theirs != nullptr) {
            const std::string ours =
                o == outcome::reply ? m_worker->reply() : o == outcome::closed ? "(closed)" : "(timeout)";
            compare(c, ours, m_theirs->call(c, args, changes_connection(c)));
        }
        if (!check_alive(started)) return;
        // Before a new connection is made: CONFIG SET requirepass would refuse it.
        if (c.full_name == "config|set" || c.full_name == "config|resetstat") restore_config();
        if (replace_worker) m_worker->reconnect();
        if (c.write) m_dirty = true;
        if (c.full_name == "flushall" || c.full_name == "flushdb" || (c.write && ++m_since_preparation >= 64)) prepare();
    }

    /// Prepares the keys again when a write command ran since they were.
    void refresh() {
        if (m_dirty) prepare();
    }

    [[nodiscard]] bool failed_hard() const { return m_dead; }

private:
    static bool changes_connection(const command_info& c) {
        return c.acl.contains("@connection") || c.acl.contains("@pubsub") || c.acl.contains("@transaction");
    }

    // Errors must be the same; other replies of the same type, or (strict) the same elements.
    void compare(const command_info& c, const std::string& ours, const std::string& theirs) {
        if (ours == theirs) return;
        const bool errors = (!ours.empty() && ours[0] == '-') || (!theirs.empty() && theirs[0] == '-');
        if (!errors && !ours.empty() && !theirs.empty() && ours[0] == theirs[0]) {
            // Replies that differ by nature: random picks, times, ids, cursors, hash order.
            static const std::set<std::string, std::less<>> varying{
                "srandmember", "hrandfield", "zrandmember", "spop", "randomkey", "info", "time", "lastsave",
                "client|list", "client|info", "client|id", "hello", "scan", "sscan", "hscan", "zscan", "ttl", "pttl",
                "object|idletime", "object|freq", "config|get", "command", "command|docs", "command|info",
                "command|list", "command|count", "command|help", "client|help", "config|help", "object|help",
                "pubsub|help", "pubsub|channels", "pubsub|numsub", "pubsub|numpat"};
            if (!m_strict || varying.contains(c.full_name) || same_elements(ours, theirs)) return;
        }
        auto& list = m_tally.differences[c.full_name];
        if (list.size() < 8) {
            list.push_back(m_previous.substr(0, 300) + "\n    respkit: " + printable_arg(ours.substr(0, 200)) +
                           "\n    redis:   " + printable_arg(theirs.substr(0, 200)));
        }
    }

    static bool same_elements(const std::string& a, const std::string& b) {
        const auto pa = resp::parse_value(a), pb = resp::parse_value(b);
        if (!pa.value.is_aggregate() || !pb.value.is_aggregate() || pa.value.size() != pb.value.size()) return false;
        std::vector<std::string> ea, eb;
        for (const auto& e : pa.value.elements()) ea.push_back(resp::to_resp(e));
        for (const auto& e : pb.value.elements()) eb.push_back(resp::to_resp(e));
        std::sort(ea.begin(), ea.end());
        std::sort(eb.begin(), eb.end());
        return ea == eb;
    }

    void fail(std::string what) {
        if (m_verbose) std::printf("FAILURE: %s\n", what.substr(0, 2000).c_str());
        if (m_tally.failures.size() < 200) m_tally.failures.push_back(std::move(what));
    }

    // PING on the control connection within ping_bound, and the memory bound. False (after
    // restarting the server) when either fails.
    bool check_alive(std::chrono::steady_clock::time_point started) {
        constexpr auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(ping_bound);
        if (m_control->unexpected_bytes()) m_control->reconnect();
        outcome o = m_control->call({"PING"}, bound);
        if (o == outcome::closed) { // CLIENT KILL may have closed it: one more try on a new one
            m_control->reconnect();
            o = m_control->call({"PING"}, bound);
        }
        if (o != outcome::reply || m_control->reply() != "+PONG\r\n") {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
            fail("no PONG within " + std::to_string(ping_bound.count()) + " s after " + m_previous + " (" +
                 std::to_string(ms.count()) + " ms since the call; server " + (m_server.alive() ? "alive" : "gone") +
                 "; got " + printable_arg(m_control->reply()) + ")\n" + m_server.log_tail(4000));
            restart();
            return false;
        }
        const memory_use m = memory_of(m_server.pid());
        const std::size_t rise = m.hwm_kb > m_tally.peak.hwm_kb ? m.hwm_kb - m_tally.peak.hwm_kb : 0;
        if (m_tally.peak.hwm_kb != 0 && rise > m_tally.largest_rise_kb) {
            m_tally.largest_rise_kb = rise;
            m_tally.largest_rise_call = m_previous.substr(0, 200);
            if (m_verbose) std::printf("! peak %zu MB\n", m.hwm_kb / 1024);
        }
        m_tally.peak.rss_kb = std::max(m_tally.peak.rss_kb, m.rss_kb);
        m_tally.peak.hwm_kb = std::max(m_tally.peak.hwm_kb, m.hwm_kb);
        if (m.rss_kb > m_tally.baseline_rss_kb + memory_bound_kb(sanitized_build)) {
            fail("resident memory " + std::to_string(m.rss_kb / 1024) + " MB after " + m_previous + " (bound " +
                 std::to_string((m_tally.baseline_rss_kb + memory_bound_kb(sanitized_build)) / 1024) + " MB)");
            restart();
            return false;
        }
        return true;
    }

    // After a crash, a hang or too much memory: a new server, so that one run finds every failure.
    void restart() {
        m_server.kill();
        if (++m_restarts > 20 || !start()) {
            m_dead = true;
            return;
        }
        prepare();
    }

    void restore_config() {
        if (m_control->call({"CONFIG", "GET", "*"}) != outcome::reply) return;
        const resp::value now = parsed(m_control->reply());
        for (std::size_t i = 0; i + 1 < now.size(); i += 2) {
            const auto before = m_config.find(std::string(now[i].string()));
            if (before == m_config.end() || before->second == now[i + 1].string()) continue;
            if (m_control->call({"CONFIG", "SET", before->first, before->second}) != outcome::reply ||
                m_control->reply() != "+OK\r\n") {
                fail("cannot restore " + before->first + " to " + printable_arg(before->second) + " after " +
                     m_previous + ": " + m_control->reply());
            }
        }
    }

    server_under_test& m_server;
    tally& m_tally;
    bool m_verbose;
    reference* m_theirs;
    bool m_strict = std::getenv("RESPKIT_HOSTILE_COMPARE") != nullptr &&
                    std::string_view(std::getenv("RESPKIT_HOSTILE_COMPARE")) == "strict";
    std::optional<connection> m_control, m_worker;
    std::map<std::string, std::string> m_config;
    std::string m_previous;
    std::size_t m_since_preparation = 0;
    bool m_dirty = false;
    int m_restarts = 0;
    bool m_dead = false;
};

} // namespace

TEST_CASE("every built-in command with hostile arguments: no crash, no hang, bounded memory") {
    const std::string program = built_program("respkit-server");
    if (program.empty()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR unset)");
        return;
    }
    std::uint64_t seed = 20260701;
    if (const char* s = std::getenv("RESPKIT_HOSTILE_SEED")) seed = std::strtoull(s, nullptr, 10);

    const auto started = std::chrono::steady_clock::now();
    server_under_test server(program);
    tally t;
    const bool verbose = std::getenv("RESPKIT_HOSTILE_VERBOSE") != nullptr;
    std::optional<reference> theirs;
    if (std::getenv("RESPKIT_HOSTILE_COMPARE") != nullptr) theirs.emplace();
    runner run(server, t, verbose, theirs && theirs->running() ? &*theirs : nullptr);
    REQUIRE(run.start());

    auto commands = run.commands();
    REQUIRE(commands.size() > 100);
    generator gen(seed, run.config_names());
    run.prepare();
    t.baseline_rss_kb = memory_of(server.pid()).rss_kb;

    std::set<std::string> only;
    if (const char* list = std::getenv("RESPKIT_HOSTILE_ONLY")) {
        std::stringstream in(list);
        for (std::string name; std::getline(in, name, ',');) only.insert(lower(name));
    }
    std::vector<std::string> no_cases, generic;
    for (const auto& [name, c] : commands) {
        if (skipped_commands().contains(c.words[0]) || skipped_commands().contains(name)) continue;
        if (!only.empty() && !only.contains(name)) continue;
        const auto calls = gen.calls_for(c);
        // Calls that all stop at the arity check are no cases worth the name.
        const int arity = c.arity;
        const auto arity_ok = [arity](const std::vector<std::string>& args) {
            const auto n = static_cast<int>(args.size()); // arity counts the names too
            return arity >= 0 ? n == arity : n >= -arity;
        };
        if (!c.container && std::none_of(calls.begin(), calls.end(), arity_ok)) no_cases.push_back(name);
        if (c.generic_args) generic.push_back(name);
        ++t.commands;
        const auto command_started = std::chrono::steady_clock::now();
        for (const auto& args : calls) {
            run.run(c, args);
            if (run.failed_hard()) break;
        }
        if (run.failed_hard()) break;
        run.refresh();
        if (verbose) {
            std::printf("= %s: %zu calls, %.2f s\n", name.c_str(), calls.size(),
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - command_started).count());
        }
    }
    const memory_use end = memory_of(server.pid());
    t.peak.hwm_kb = std::max(t.peak.hwm_kb, end.hwm_kb);
    const int exit_code = server.stop();
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::ostringstream summary;
    summary << "hostile arguments (seed " << seed << "): " << t.commands << " commands and subcommands, " << t.calls
            << " calls in " << seconds << " s; replies:";
    for (const auto& [kind, n] : t.replies) summary << " " << kind << "=" << n;
    summary << "; blocked (given up)=" << t.blocked << "; closed by the server:";
    for (const auto& [name, n] : t.closed_by) summary << " " << name << "=" << n;
    summary << "; generic arguments (COMMAND DOCS lists none):";
    for (const auto& name : generic) summary << " " << name;
    summary << "; skipped:";
    for (const auto& [name, why] : skipped_commands()) summary << " " << name << " (" << why << ")";
    summary << "; server memory: " << t.baseline_rss_kb / 1024 << " MB after preparation, peak VmHWM "
            << t.peak.hwm_kb / 1024 << " MB, peak VmRSS " << t.peak.rss_kb / 1024 << " MB (bound "
            << (t.baseline_rss_kb + memory_bound_kb(sanitized_build)) / 1024 << " MB), largest rise in one call "
            << t.largest_rise_kb / 1024 << " MB (" << t.largest_rise_call << ")";
    for (const auto& [name, calls] : t.differences) {
        summary << "\nunlike redis-server: " << name;
        for (const auto& d : calls) summary << "\n  " << d;
    }
    MESSAGE(summary.str());

    std::string without;
    for (const auto& name : no_cases) without += " " + name;
    CHECK_MESSAGE(no_cases.empty(), "commands without a call of the right arity:" << without);
    if (only.empty()) CHECK(t.commands + skipped_commands().size() >= commands.size());
    for (const auto& f : t.failures) FAIL_CHECK(f);
    CHECK(!run.failed_hard());
    CHECK_MESSAGE(exit_code == 0, "server exit status " << exit_code << "\n" << server.log_tail());
    CHECK_MESSAGE(!server.sanitizer_report(), server.log_tail());
}

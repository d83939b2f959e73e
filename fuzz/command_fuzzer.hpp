// The command-layer fuzzer's body, shared by the libFuzzer target (fuzz_command.cpp, which
// compiles the built-in commands itself) and the corpus replay test (tests/commands/
// fuzz_command.cpp, which uses the commands compiled once for the tests).
//
// An input drives two transport-free sessions over one server holding every built-in command:
//   byte 0 even: raw mode, the rest is a client byte stream (mutated corpus: captured traffic,
//                the differential scripts) given to session A;
//   byte 0 odd:  generated mode, the rest is a stream of choices: switch session, a raw chunk,
//                or a command built from a command's COMMAND DOCS argument tree (keys from a
//                small set, numbers near edges, tokens from the tree, sometimes mangled).
// Every complete command's bytes are fed in one or two pieces, then the session's output is
// parsed with respkit's parser and checked:
//   - well-formed RESP, nothing left over; a RESP2 client gets no RESP3 type (HELLO aside);
//   - exactly one reply per command (pushes aside: RESP3 '>', RESP2 pub/sub messages); the
//     exceptions are Redis's: (P|S)(UN)SUBSCRIBE answer once per channel (RESP2) or only with
//     pushes (RESP3); a blocking command answers when served or timed out (the harness times it
//     out before that session's next command); SHUTDOWN and a client killed or over its output
//     limit answer nothing and close; a served blocked session gets exactly one reply;
//   - memory bounded: each session's output limit is small, and the keyspace's size (string
//     bytes + 64 per container element) stays under a bound linear in the commands run.
// Neutralised (dropped before the session sees them): offsets that make Redis allocate up to
// 512 MB (SETRANGE, SETBIT, BITFIELD past 64 KB), PFSELFTEST (slow), SORT ... STORE with two GETs or more (doubles
// a list per call), CLIENT REPLY and REPLCONF ACK / GETACK (silence replies), CLIENT PAUSE (holds
// commands until a transport releases them), MONITOR (a line per command), MIGRATE (connects to
// other servers: tests/integration/migrate.cpp). At most max_commands commands per input.
//
// Differential mode (environment RESPKIT_FUZZ_REDIS_PORT=<port> of a running redis-server):
// every command also goes to redis-server on one connection per session, and the bytes each
// session receives are compared with redis-server's. Commands whose output or effect is not
// deterministic (COMMAND DOCS tips, blocking, CLIENT, CONFIG, INFO, time-based ...) are dropped
// from both. A difference is printed (RESPKIT_FUZZ_DIFF_ABORT=1: and aborts); the rest of that
// input is then not compared.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store.hpp"

namespace command_fuzz {

namespace resp = respkit::resp;
namespace server = respkit::server;

/// Commands run per input at most.
inline constexpr std::size_t max_commands = 200;
/// Each session's output limit (a reply past it closes the session, as client-output-buffer-limit).
inline constexpr std::size_t output_limit = 4u << 20;

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline bool parse_i64(std::string_view s, std::int64_t& out) {
    if (!s.empty() && s.front() == '#') s.remove_prefix(1);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

/// Choices read from the input; 0 once it is used up.
struct choices {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;
    [[nodiscard]] bool empty() const noexcept { return at >= size; }
    unsigned byte() noexcept { return at < size ? data[at++] : 0; }
    std::size_t pick(std::size_t n) noexcept {
        if (n <= 1) return 0;
        if (n <= 256) return byte() % n;
        return (byte() | (byte() << 8)) % n;
    }
    bool chance(unsigned in_256) noexcept { return byte() < in_256; }
};

// --- the generator ---------------------------------------------------------------------------

inline constexpr std::array<std::string_view, 8> keys = {"k1", "k2", "k3", "{t}a", "{t}b", "list", "", "k\x00z"};
inline constexpr std::array<std::string_view, 30> integers = {
    "0", "1", "-1", "2", "3", "5", "10", "100", "-2", "-100", "1000", "65535", "65536", "2147483647",
    "2147483648", "-2147483648", "4294967295", "4294967296", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "-9223372036854775809", "18446744073709551615", "", "abc", "1.5", "0x10", " 1",
    "+1", "007"};
inline constexpr std::array<std::string_view, 24> doubles = {
    "0", "1", "-1", "1.5", "-2.5", "inf", "-inf", "+inf", "nan", "1e308", "1e309", "-0", "(1", "(-inf",
    "+inf", "1e", "0.1", "3.0000000000000001", "-1e-320", "", "abc", "10", "2", "(2"};
inline constexpr std::array<std::string_view, 16> strings = {
    "", "a", "b", "foo", "v1", "1", "-1", "10", "3.5", "\x00\xff", "*", "with space", "\r\n",
    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789", "x", "k1"};
inline constexpr std::array<std::string_view, 10> patterns = {"*", "k*", "?", "k[12]", "[a-", "\\", "*a*",
                                                               "{t}*", "h?llo", "[^k]*"};
inline constexpr std::array<std::string_view, 8> times = {"0", "1", "100", "1700000000", "4102444800",
                                                           "99999999999999", "-1", "9223372036854775807"};

template <std::size_t N>
std::string_view one_of(choices& c, const std::array<std::string_view, N>& from) {
    return from[c.pick(N)];
}

/// Builds the value of one argument of type `a` (no token).
inline void add_value(choices& c, const server::command_arg& a, std::vector<std::string>& out) {
    using server::arg_type;
    switch (a.type) {
    case arg_type::key: out.emplace_back(one_of(c, keys)); break;
    case arg_type::integer: out.emplace_back(one_of(c, integers)); break;
    case arg_type::double_: out.emplace_back(one_of(c, doubles)); break;
    case arg_type::pattern: out.emplace_back(one_of(c, patterns)); break;
    case arg_type::unix_time: out.emplace_back(one_of(c, times)); break;
    case arg_type::string:
        // Often a number: many string arguments are counts, indexes or scores in practice.
        if (c.chance(64))
            out.emplace_back(one_of(c, integers));
        else if (a.name.find("channel") != std::string::npos || a.name.find("key") != std::string::npos)
            out.emplace_back(one_of(c, keys));
        else
            out.emplace_back(one_of(c, strings));
        break;
    default: break;
    }
}

inline void add_argument(choices& c, const server::command_arg& a, std::vector<std::string>& out, int depth);

inline void add_one(choices& c, const server::command_arg& a, std::vector<std::string>& out, int depth) {
    using server::arg_type;
    if (!a.token.empty()) {
        std::string token = a.token;
        if (c.chance(32)) token = lower(token);
        out.push_back(std::move(token));
    }
    switch (a.type) {
    case arg_type::pure_token: break;
    case arg_type::oneof:
        if (!a.arguments.empty()) add_argument(c, a.arguments[c.pick(a.arguments.size())], out, depth + 1);
        break;
    case arg_type::block:
        for (const server::command_arg& child : a.arguments) add_argument(c, child, out, depth + 1);
        break;
    default: add_value(c, a, out); break;
    }
}

inline void add_argument(choices& c, const server::command_arg& a, std::vector<std::string>& out, int depth) {
    using server::arg_flag;
    if (depth > 6) return;
    const bool optional = (static_cast<unsigned>(a.flags) & static_cast<unsigned>(arg_flag::optional)) != 0;
    const bool multiple = (static_cast<unsigned>(a.flags) & static_cast<unsigned>(arg_flag::multiple)) != 0;
    if (optional && c.chance(128)) return;
    const std::size_t times = multiple ? 1 + c.pick(3) : 1;
    for (std::size_t i = 0; i < times; ++i) {
        // A multiple_token argument repeats its token; a multiple one only its value.
        if (i > 0 && multiple && !a.token.empty() &&
            (static_cast<unsigned>(a.flags) & static_cast<unsigned>(arg_flag::multiple_token)) == 0) {
            server::command_arg bare = a;
            bare.token.clear();
            add_one(c, bare, out, depth);
        } else {
            add_one(c, a, out, depth);
        }
    }
}

/// One generated command: a command (or subcommand) of the table with arguments from its
/// argument tree, sometimes mangled (an argument dropped, repeated or replaced).
inline std::vector<std::string> generate(choices& c, const std::vector<const server::command_entry*>& table) {
    std::vector<std::string> args;
    if (table.empty()) return args;
    const server::command_entry& e = *table[c.pick(table.size())];
    const std::string_view full = e.full_name;
    const std::size_t bar = full.find('|');
    std::string name(bar == std::string_view::npos ? full : full.substr(0, bar));
    if (c.chance(48)) {
        for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    args.push_back(std::move(name));
    if (bar != std::string_view::npos) args.emplace_back(full.substr(bar + 1));
    for (const server::command_arg& a : e.spec.arguments) add_argument(c, a, args, 0);
    const unsigned mangle = c.byte();
    if (mangle < 16 && args.size() > 1) {
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(1 + c.pick(args.size() - 1)));
    } else if (mangle < 32) {
        args.push_back(args[c.pick(args.size())]);
    } else if (mangle < 40 && args.size() > 1) {
        args[1 + c.pick(args.size() - 1)] = std::string(one_of(c, integers));
    }
    return args;
}

/// The commands and subcommands of `commands`, sorted by name (a stable choice space).
inline std::vector<const server::command_entry*> command_table(const server::dispatcher& commands) {
    std::vector<const server::command_entry*> out;
    for (const auto& [name, entry] : commands.commands()) {
        if (entry->handler) out.push_back(entry.get());
        for (const auto& [sub, child] : entry->subcommands) out.push_back(child.get());
    }
    std::sort(out.begin(), out.end(),
              [](const server::command_entry* a, const server::command_entry* b) { return a->full_name < b->full_name; });
    return out;
}

// --- redis-server for the differential mode --------------------------------------------------

/// A blocking connection to redis-server on 127.0.0.1:port.
class redis_peer {
public:
    explicit redis_peer(int port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            std::fprintf(stderr, "command fuzzer: cannot connect to redis-server on port %d\n", port);
            std::abort();
        }
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    redis_peer(const redis_peer&) = delete;
    redis_peer& operator=(const redis_peer&) = delete;
    ~redis_peer() { ::close(m_fd); }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// The next `count` whole messages' bytes (fewer when none comes for `wait_ms`).
    std::string read_messages(std::size_t count, int wait_ms) {
        std::string out;
        std::size_t got = 0;
        while (got < count) {
            resp::parser p;
            const resp::parse_result r = p.skip(m_buffer);
            if (r.status == resp::parse_status::complete) {
                out.append(m_buffer, 0, r.consumed);
                m_buffer.erase(0, r.consumed);
                ++got;
                continue;
            }
            if (r.status == resp::parse_status::error) break;
            if (!fill(wait_ms)) break;
        }
        return out;
    }
    /// Waits `wait_ms` for anything more; returns what came (and drops it).
    std::string drain(int wait_ms) {
        while (fill(wait_ms)) {
        }
        std::string out;
        out.swap(m_buffer);
        return out;
    }

private:
    bool fill(int wait_ms) {
        pollfd pfd{m_fd, POLLIN, 0};
        if (::poll(&pfd, 1, wait_ms) <= 0) return false;
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        m_buffer.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int m_fd = -1;
    std::string m_buffer;
};

/// The redis-server port of the differential mode, 0 when off.
inline int differential_port() {
    static const int port = [] {
        const char* s = std::getenv("RESPKIT_FUZZ_REDIS_PORT");
        return s != nullptr ? std::atoi(s) : 0;
    }();
    return port;
}

inline std::string escaped(std::string_view s, std::size_t max = 400) {
    std::string out;
    for (const char ch : s.substr(0, max)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u >= 32 && u < 127 && ch != '\\') {
            out += ch;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    if (s.size() > max) out += "...";
    return out;
}

// --- the harness -------------------------------------------------------------------------------

/// What a drained output held.
struct output_summary {
    std::size_t replies = 0;
    std::size_t pushes = 0;
    std::size_t bytes = 0;
    bool resp3_type = false; ///< a RESP3-only type was seen
};

/// Parses `bytes` as whole top-level messages (a check fails on anything else) and counts them.
/// `resp2_subscribed`: RESP2 arrays "message"/"pmessage"/"smessage" are pushes.
inline output_summary summarize(std::string_view bytes, bool resp2_subscribed) {
    output_summary s;
    s.bytes = bytes.size();
    while (!bytes.empty()) {
        resp::parser p;
        bool push = false;
        bool first_child_is_message = false;
        std::size_t nodes = 0;
        const resp::parse_result r = p.parse(bytes, [&](const resp::node& n) {
            if (!resp::is_resp2_type(n.type)) s.resp3_type = true;
            if (nodes == 0 && n.type == resp::type::push) push = true;
            if (nodes == 1 && n.depth == 1 && n.type == resp::type::bulk_string &&
                (n.value == "message" || n.value == "pmessage" || n.value == "smessage"))
                first_child_is_message = true;
            ++nodes;
        });
        FUZZ_CHECK(r.status == resp::parse_status::complete);
        FUZZ_CHECK(r.consumed > 0 && r.consumed <= bytes.size());
        if (push || (resp2_subscribed && first_child_is_message))
            ++s.pushes;
        else
            ++s.replies;
        bytes.remove_prefix(r.consumed);
    }
    return s;
}

/// A `Server` (default-constructible, with members keyspace, config, commands and context, as
/// tests/support's command_server) reused from input to input, as constructing one costs more
/// than running most inputs: emptied and its configuration restored before each; made anew
/// after SHUTDOWN.
template <class Server>
class reusable_server {
public:
    Server& get() {
        if (!m_server || m_server->context.shutdown_requested()) {
            m_server.reset();
            m_server = std::make_unique<Server>();
            m_config.clear();
            for (const auto& p : m_server->config.parameters()) {
                m_config.emplace_back(std::string(p.info->name), p.value);
            }
            return *m_server;
        }
        m_server->keyspace.flush_all();
        for (const auto& [name, value] : m_config) {
            if (m_server->config.get(name) != value) (void)m_server->config.set(name, value, true);
        }
        (void)m_server->context.take_ready_keys();
        return *m_server;
    }

private:
    std::unique_ptr<Server> m_server;
    std::vector<std::pair<std::string, std::string>> m_config;
};

inline bool tracing() {
    static const bool on = std::getenv("RESPKIT_FUZZ_TRACE") != nullptr;
    return on;
}

/// Runs one input against `server` (see reusable_server).
template <class Server>
class harness {
public:
    harness(Server& server, const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size), m_server(server) {
        m_table = command_table(m_server.commands);
        for (lane& l : m_lanes) l.session = make_session();
        if (const int port = differential_port(); port != 0) {
            for (int i = 0; i < 2; ++i) {
                m_peers[i] = std::make_unique<redis_peer>(port);
                m_peers[i]->send("*1\r\n$5\r\nRESET\r\n*1\r\n$8\r\nFLUSHALL\r\n");
                (void)m_peers[i]->read_messages(2, 2000);
            }
        }
    }

    void run() {
        if (m_size == 0) return;
        choices c{m_data + 1, m_size - 1};
        if ((m_data[0] & 1) == 0) {
            append(0, std::string_view(reinterpret_cast<const char*>(m_data + 1), m_size - 1));
            finish();
            return;
        }
        while (!c.empty() && m_commands < max_commands && !m_server.context.shutdown_requested()) {
            const unsigned op = c.byte();
            if (op < 24) {
                m_current ^= 1;
            } else if (op < 40) {
                const std::size_t n = c.pick(48);
                std::string raw;
                for (std::size_t i = 0; i < n && !c.empty(); ++i) raw += static_cast<char>(c.byte());
                append(m_current, raw);
            } else {
                const std::vector<std::string> args = generate(c, m_table);
                std::string bytes;
                if (op >= 248 && inline_safe(args)) {
                    for (std::size_t i = 0; i < args.size(); ++i) bytes += (i ? " " : "") + args[i];
                    bytes += "\r\n";
                } else {
                    resp::write_command_range(bytes, args);
                }
                append(m_current, bytes);
            }
        }
        finish();
    }

private:
    struct lane {
        std::unique_ptr<server::session> session;
        std::string stream;              // bytes given to this lane not yet fed or dropped
        resp::request_parser parser;     // mirrors the session's parser over `stream`
    };

    std::unique_ptr<server::session> make_session() {
        server::session_options o;
        o.output_hard_limit = output_limit;
        o.output_high_watermark = output_limit;
        return std::make_unique<server::session>(m_server.commands, m_server.context, o);
    }

    static bool inline_safe(const std::vector<std::string>& args) {
        for (const std::string& a : args) {
            if (a.empty()) return false;
            for (const char ch : a) {
                const auto u = static_cast<unsigned char>(ch);
                if (u <= ' ' || u >= 127 || ch == '"' || ch == '\'' || ch == '\\') return false;
            }
        }
        return true;
    }

    // Appends bytes to lane i's stream and runs every command they complete.
    void append(int i, std::string_view bytes) {
        lane& l = m_lanes[i];
        l.stream.append(bytes);
        for (;;) {
            if (m_commands >= max_commands || m_server.context.shutdown_requested()) return;
            const resp::parse_result r = l.parser.parse(l.stream);
            if (r.status == resp::parse_status::need_more) {
                // Skipped empty lines: the session skips them too; they need not be fed.
                l.stream.erase(0, r.consumed);
                return;
            }
            if (r.status == resp::parse_status::error) {
                // The session answers one protocol error and closes; then a new client comes.
                const std::string bytes_fed = std::move(l.stream);
                l.stream.clear();
                l.parser.reset();
                expire_if_blocked(i);
                feed(i, bytes_fed, command_kind::protocol_error, {});
                return;
            }
            std::vector<std::string> args(l.parser.args().begin(), l.parser.args().end());
            const std::string command = l.stream.substr(0, r.consumed);
            l.stream.erase(0, r.consumed);
            if (neutralised(args)) continue;
            ++m_commands;
            expire_if_blocked(i);
            feed(i, command, kind_of(args), args);
        }
    }

    enum class command_kind : std::uint8_t { normal, subscription, shutdown, quit, protocol_error };

    static command_kind kind_of(const std::vector<std::string>& args) {
        const std::string name = lower(args[0]);
        if (name == "subscribe" || name == "unsubscribe" || name == "psubscribe" || name == "punsubscribe" ||
            name == "ssubscribe" || name == "sunsubscribe")
            return command_kind::subscription;
        if (name == "shutdown") return command_kind::shutdown;
        if (name == "quit") return command_kind::quit;
        return command_kind::normal;
    }

    // Offsets that make Redis (and respkit, alike) allocate up to 512 MB, a SORT that doubles a
    // list per call; in the differential mode also what is not deterministic.
    bool neutralised(const std::vector<std::string>& args) const {
        const std::string name = lower(args[0]);
        std::int64_t n = 0;
        if (name == "setrange" && args.size() > 2 && parse_i64(args[2], n) && n > 65536) return true;
        if (name == "setbit" && args.size() > 2 && parse_i64(args[2], n) && n > 524288) return true;
        if (name == "bitfield" || name == "bitfield_ro") {
            for (std::size_t i = 2; i < args.size(); ++i) {
                if (parse_i64(args[i], n) && n > 524288) return true;
                // "#n" offsets count fields of up to 64 bits.
                if (!args[i].empty() && args[i][0] == '#' && parse_i64(args[i].substr(1), n) && n > 8192) return true;
            }
        }
        if (name == "pfselftest") return true; // 100000 additions: too slow to run per input
        // CLIENT REPLY OFF / SKIP silences replies by design: one reply per command no longer holds.
        if (name == "client" && args.size() > 1 && lower(args[1]) == "reply") return true;
        // CLIENT PAUSE holds every later command, which only a transport's turn releases (the
        // sessions here have none); MONITOR adds a line per command to its session's output.
        if (name == "client" && args.size() > 1 && lower(args[1]) == "pause") return true;
        if (name == "monitor") return true;
        // REPLCONF ACK / GETACK from a client that is not a replica get no reply, as in Redis.
        if (name == "replconf") {
            for (std::size_t i = 1; i < args.size(); i += 2) {
                const std::string a = lower(args[i]);
                if (a == "ack" || a == "getack") return true;
            }
        }
        // MIGRATE connects out ("1" is 0.0.0.1, this host) and may reach any local server.
        if (name == "migrate") return true;
        if (name == "sort" || name == "sort_ro") {
            std::size_t gets = 0;
            bool store = false;
            for (std::size_t i = 2; i < args.size(); ++i) {
                const std::string a = lower(args[i]);
                gets += a == "get" ? 1 : 0;
                store = store || a == "store";
            }
            if (store && gets >= 2) return true;
        }
        if (differential_port() != 0 && !deterministic(args)) return true;
        return false;
    }

    bool deterministic(const std::vector<std::string>& args) const {
        static const std::array<std::string_view, 26> skipped = {
            "client", "config", "info", "debug", "shutdown", "save", "bgsave", "bgrewriteaof", "lastsave", "time",
            "ttl", "pttl", "expiretime", "pexpiretime", "lolwut", "memory", "command", "quit", "failover", "auth",
            "randomkey", "dump", "restore", "monitor", "sync", "psync"};
        const std::string name = lower(args[0]);
        if (std::find(skipped.begin(), skipped.end(), name) != skipped.end()) return false;
        const server::command_entry* e = m_server.commands.find(args[0]);
        if (e == nullptr) {
            // Unknown here: compared only when it cannot be a command of Redis's (EVAL ...).
            return std::any_of(name.begin(), name.end(), [](char ch) { return !(std::islower(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'); });
        }
        if (has(e->spec.flags, server::command_flag::blocking)) return false;
        for (const std::string& tip : e->spec.tips) {
            if (tip.starts_with("nondeterministic")) return false;
        }
        if (!e->subcommands.empty() && args.size() > 1) {
            const auto sub = e->subcommands.find(lower(args[1]));
            if (sub != e->subcommands.end()) {
                for (const std::string& tip : sub->second->spec.tips) {
                    if (tip.starts_with("nondeterministic")) return false;
                }
                // OBJECT FREQ / IDLETIME depend on time and the eviction policy; PUBSUB CHANNELS
                // lists in Redis's hash-table order (a random seed) without saying so in a tip.
                const std::string subname = lower(args[1]);
                if (name == "object" && subname != "encoding" && subname != "refcount") return false;
                if (name == "pubsub" && (subname == "channels" || subname == "shardchannels")) return false;
            }
        }
        // Expiry in milliseconds races between the two servers.
        for (std::size_t i = 1; i < args.size(); ++i) {
            const std::string a = lower(args[i]);
            if (a == "px" || a == "pxat" || a == "ex" || a == "exat") return false;
        }
        return name != "pexpire" && name != "pexpireat" && name != "psetex" && name != "expire" &&
               name != "expireat" && name != "setex" && name != "getex";
    }

    // A session about to get input while blocked times out first (its one reply).
    void expire_if_blocked(int i) {
        server::session& s = *m_lanes[i].session;
        if (!s.blocked()) return;
        s.time_out_blocked();
        const output_summary o = drain(i);
        FUZZ_CHECK(o.replies == 1);
    }

    output_summary drain(int i) {
        server::session& s = *m_lanes[i].session;
        const std::string out(s.pending_output());
        s.output_sent(out.size());
        const bool resp2_subscribed = s.protocol() == resp::protocol::resp2 && s.subscription_count() > 0;
        output_summary o = summarize(out, resp2_subscribed);
        m_last_output[i] = out;
        return o;
    }

    void feed(int i, std::string_view bytes, command_kind kind, const std::vector<std::string>& args) {
        lane& l = m_lanes[i];
        server::session& s = *l.session;
        const bool was_resp2 = s.protocol() == resp::protocol::resp2;
        const bool other_blocked = m_lanes[1 - i].session->blocked();
        // One or two pieces: the second piece completes the command.
        const std::size_t cut = bytes.size() > 1 && (m_pieces++ % 3 == 1) ? 1 + (m_pieces * 7919) % (bytes.size() - 1) : 0;
        if (cut > 0) {
            s.feed(bytes.substr(0, cut));
            // (A protocol error may be found in the first piece already.)
            if (kind != command_kind::protocol_error) FUZZ_CHECK(s.pending_output().empty());
            s.feed(bytes.substr(cut));
        } else {
            s.feed(bytes);
        }
        FUZZ_CHECK(!s.has_pending_input() || kind == command_kind::protocol_error);
        const bool closed = s.closing();
        const output_summary o = drain(i);
        if (tracing()) {
            std::fprintf(stderr, "[%d] %s\n  -> %s\n", i, escaped(bytes).c_str(), escaped(m_last_output[i]).c_str());
        }
        const bool is_hello = !args.empty() && lower(args[0]) == "hello";
        // (EXEC may run a HELLO 3 too: only a client still on RESP2 is checked.)
        if (was_resp2 && s.protocol() == resp::protocol::resp2 && !is_hello) FUZZ_CHECK(!o.resp3_type);
        switch (kind) {
        case command_kind::protocol_error:
            FUZZ_CHECK(closed && o.replies == 1 && o.pushes == 0);
            break;
        case command_kind::quit: FUZZ_CHECK(o.replies == 1 && closed); break;
        case command_kind::shutdown: FUZZ_CHECK(o.replies == (closed ? 0u : 1u)); break;
        case command_kind::subscription:
            // RESP2: one reply per channel; RESP3: pushes only; an error: one reply.
            FUZZ_CHECK(o.replies + o.pushes >= 1 || closed);
            break;
        case command_kind::normal:
            if (s.blocked()) {
                FUZZ_CHECK(o.replies == 0);
            } else if (closed) {
                FUZZ_CHECK(o.replies <= 1); // killed itself, or over its output limit
            } else {
                FUZZ_CHECK(o.replies == 1);
            }
            break;
        }
        // The other session gets pushes only, or the one reply of its served blocked command.
        lane& other = m_lanes[1 - i];
        const output_summary p = drain(1 - i);
        if (other.session->closing()) {
            FUZZ_CHECK(p.replies <= 1);
        } else if (other_blocked && !other.session->blocked()) {
            FUZZ_CHECK(p.replies == 1);
        } else {
            FUZZ_CHECK(p.replies == 0);
        }
        check_memory();
        compare(i, bytes, is_hello);
        for (int k = 0; k < 2; ++k) {
            if (m_lanes[k].session->closing()) replace(k);
        }
    }

    void replace(int k) {
        m_lanes[k].session.reset();
        m_lanes[k].session = make_session();
        if (m_peers[k]) {
            m_peers[k] = std::make_unique<redis_peer>(differential_port());
        }
    }

    // The differential mode: the same bytes to redis-server, the same bytes back (for HELLO,
    // whose reply holds the client id and server version, the same number of messages).
    void compare(int i, std::string_view bytes, bool count_only) {
        if (!m_peers[i] || m_diverged) return;
        m_peers[i]->send(bytes);
        for (int k : {i, 1 - i}) {
            const std::string& ours = m_last_output[k];
            resp::parser p;
            std::size_t count = 0;
            std::string_view rest = ours;
            while (!rest.empty()) {
                const resp::parse_result r = p.skip(rest);
                rest.remove_prefix(r.consumed);
                ++count;
            }
            // Generous: redis-server may still run a slow command (LCS of two 64 KB strings) of
            // an earlier input on a loaded machine.
            const int wait = k == i ? 10000 : 50;
            const std::string theirs =
                count > 0 ? m_peers[k]->read_messages(count, wait) : m_peers[k]->drain(k == i ? 20 : 1);
            if (theirs.empty() && !ours.empty() && k == i) {
                m_diverged = true; // no reply in time: not a difference of the replies
                std::fprintf(stderr, "TIMEOUT session %d after %s\n", k, escaped(bytes).c_str());
                return;
            }
            if (theirs != ours && !(count_only && k == i && !theirs.empty())) {
                m_diverged = true;
                std::fprintf(stderr, "DIFF session %d after %s\n  respkit: %s\n  redis:   %s\n", k,
                             escaped(bytes).c_str(), escaped(ours).c_str(), escaped(theirs).c_str());
                if (std::getenv("RESPKIT_FUZZ_DIFF_ABORT") != nullptr) std::abort();
                return;
            }
        }
    }

    // The keyspace: string bytes + 64 per container element, under a bound linear in the
    // commands run (SETRANGE and SETBIT are held to 64 KB offsets, see neutralised()).
    void check_memory() {
        std::size_t bytes = 0;
        for (std::size_t db = 0; db < m_server.keyspace.db_count(); ++db) {
            m_server.keyspace.map(db).for_each([&](std::string_view key, const auto& entry) {
                const auto& v = entry.data;
                bytes += key.size();
                switch (v.kind()) {
                case respkit::store::value_kind::string: bytes += v.string_length(); break;
                case respkit::store::value_kind::list: bytes += 64 * v.list().size(); break;
                case respkit::store::value_kind::hash: bytes += 64 * v.hash().size(); break;
                case respkit::store::value_kind::set: bytes += 64 * v.set().size(); break;
                case respkit::store::value_kind::zset: bytes += 64 * v.zset().size(); break;
                default: break;
                }
            });
        }
        const std::size_t bound = (std::size_t{1} << 20) + m_commands * (70000 + 64 * m_size);
        if (bytes > bound) {
            std::fprintf(stderr, "keyspace holds ~%zu bytes after %zu commands (bound %zu)\n", bytes, m_commands,
                         bound);
            FUZZ_CHECK(bytes <= bound);
        }
    }

    // The end of the input: what is left unfinished gets no reply (what is left after
    // max_commands is dropped); blocked sessions time out.
    void finish() {
        for (int i = 0; i < 2; ++i) {
            lane& l = m_lanes[i];
            if (m_server.context.shutdown_requested() || m_commands >= max_commands) break;
            if (!l.stream.empty()) {
                expire_if_blocked(i);
                l.session->feed(l.stream);
                FUZZ_CHECK(!l.session->closing());
                const output_summary o = drain(i);
                if (tracing()) {
                    std::fprintf(stderr, "[%d] unfinished %s\n  -> %s\n", i, escaped(l.stream).c_str(),
                                 escaped(m_last_output[i]).c_str());
                }
                FUZZ_CHECK(o.replies == 0);
            }
        }
        for (int i = 0; i < 2; ++i) {
            if (m_lanes[i].session->blocked()) expire_if_blocked(i);
        }
    }

    const std::uint8_t* m_data;
    std::size_t m_size;
    Server& m_server;
    std::vector<const server::command_entry*> m_table;
    std::array<lane, 2> m_lanes;
    std::array<std::unique_ptr<redis_peer>, 2> m_peers;
    std::array<std::string, 2> m_last_output;
    int m_current = 0;
    std::size_t m_commands = 0;
    std::size_t m_pieces = 0;
    bool m_diverged = false;
};

} // namespace command_fuzz

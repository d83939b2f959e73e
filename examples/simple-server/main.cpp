// SimpleRedisServer (charlesleifer.com's "simple Redis server in Python") with respkit: GET SET
// DELETE FLUSH MGET MSET over values that are strings, numbers, NULL, nested lists and nested
// dicts, and its client session. Values travel as typed values: the client sends each one as
// one argument holding its RESP3 encoding (resp::encode), the server decodes it (resp::decode)
// into a `datum` tree, stores it, and replies with it (call.reply), which the client reads back
// into a datum (client::reply::as). RESP3 replies keep dicts as maps; RESP2 flattens them.
//
// Usage: simple-server [--port N]                  serve (default 6382; 0 picks a free port)
//        simple-server --session PORT [--resp2]    run the document's client session, printed
//                                                  as the document's Python prompt shows it

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <respkit/client.hpp>
#include <respkit/commands/connection.hpp>
#include <respkit/net.hpp>
#include <respkit/resp.hpp>
#include <respkit/server.hpp>
#include <respkit/server/src.hpp> // the server core's definitions, in one file of the program

using namespace respkit;

// --- the values: a small variant tree ---------------------------------------------------------

struct datum;
using list = std::vector<datum>;
using dict = std::vector<std::pair<std::string, datum>>; // in insertion order, as Python's dict

/// NULL, a number, a string, a list or a dict, nested to any depth.
struct datum {
    std::variant<std::monostate, std::int64_t, double, std::string, list, dict> v;

    datum() = default;
    datum(std::nullptr_t) {}
    datum(int n) : v(std::int64_t{n}) {}
    datum(std::int64_t n) : v(n) {}
    datum(double d) : v(d) {}
    datum(const char* s) : v(std::string(s)) {}
    datum(std::string s) : v(std::move(s)) {}
    datum(list l) : v(std::move(l)) {}
    datum(dict d) : v(std::move(d)) {}
};

// How a datum is written as RESP and read back: the one customization point of respkit's typed
// serialization. Lists and dicts are written by the built-in mappings (dict, a vector of pairs,
// is a map), which call back here for their elements.
template <>
struct respkit::resp::serializer<datum> {
    template <class Sink>
    static void write(writer<Sink>& out, const datum& d) {
        std::visit([&out](const auto& x) {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) out.null();
            else resp::write(out, x);
        }, d.v);
    }
    static bool read(reader& in, datum& d) {
        const element* e = in.peek();
        const type t = e != nullptr ? e->type : type::null;
        if (e != nullptr && is_null(t)) {
            in.next();
            d.v = std::monostate{};
            return true;
        }
        if (t == type::integer) return read_into(in, d.v.emplace<std::int64_t>());
        if (t == type::double_number) return read_into(in, d.v.emplace<double>());
        if (t == type::bulk_string || t == type::simple_string || t == type::verbatim_string) {
            return read_into(in, d.v.emplace<std::string>());
        }
        if (t == type::array || t == type::set || t == type::push) return read_into(in, d.v.emplace<list>());
        if (t == type::map) return read_into(in, d.v.emplace<dict>());
        return in.fail("a string, number, NULL, list or dict");
    }
};

// --- the server ---------------------------------------------------------------------------------

namespace {

/// Decodes the value argument `i` of `call` (one RESP3 message); replies with an error if it
/// is not one.
bool value_arg(server::command_call& call, std::size_t i, datum& out) {
    if (const resp::read_result r = resp::decode(call.arg(i), out); !r) {
        call.error("ERR value for '" + std::string(call.arg(i - 1)) + "' is not one RESP value: " + r.error);
        return false;
    }
    return true;
}

int serve(int port) {
    std::unordered_map<std::string, datum> data;
    server::dispatcher commands;
    commands::install_connection_commands(commands, 1); // HELLO, PING, QUIT, CLIENT...
    commands.add({.name = "get", .arity = 2}, [&data](server::command_call& call) {
        const auto it = data.find(std::string(call.arg(1)));
        call.reply(it != data.end() ? it->second : datum{});
    });
    commands.add({.name = "set", .arity = 3}, [&data](server::command_call& call) {
        datum d;
        if (!value_arg(call, 2, d)) return;
        data[std::string(call.arg(1))] = std::move(d);
        call.reply(1);
    });
    commands.add({.name = "delete", .arity = 2}, [&data](server::command_call& call) {
        call.reply(static_cast<std::int64_t>(data.erase(std::string(call.arg(1)))));
    });
    commands.add({.name = "flush", .arity = 1}, [&data](server::command_call& call) {
        const std::size_t count = data.size();
        data.clear();
        call.reply(count);
    });
    commands.add({.name = "mget", .arity = -2}, [&data](server::command_call& call) {
        list values;
        for (const std::string_view key : call.args().subspan(1)) {
            const auto it = data.find(std::string(key));
            values.push_back(it != data.end() ? it->second : datum{});
        }
        call.reply(values);
    });
    commands.add({.name = "mset", .arity = -3}, [&data](server::command_call& call) {
        if (call.argc() % 2 == 0) return call.error("ERR wrong number of arguments for 'mset' command");
        std::vector<datum> values(call.argc() / 2);
        for (std::size_t i = 2; i < call.argc(); i += 2) {
            if (!value_arg(call, i, values[i / 2 - 1])) return;
        }
        for (std::size_t i = 2; i < call.argc(); i += 2) data[std::string(call.arg(i - 1))] = std::move(values[i / 2 - 1]);
        call.reply(values.size());
    });

    server::server_context context;
    net::tcp_server server(commands, context, {.port = static_cast<std::uint16_t>(port)});
    if (auto error = server.listen()) {
        std::fprintf(stderr, "simple-server: %s\n", error.message().c_str());
        return 1;
    }
    std::printf("simple-server listening on 127.0.0.1:%u\n", unsigned{server.port()});
    std::fflush(stdout);
    server.handle_signals();
    server.run();
    return 0;
}

// --- the client session -------------------------------------------------------------------------

/// Python's repr() of a datum: 'text', 1, None, [..], {'k': ..}.
std::string repr(const datum& d) {
    struct printer {
        std::string operator()(std::monostate) const { return "None"; }
        std::string operator()(std::int64_t n) const { return std::to_string(n); }
        std::string operator()(double x) const {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", x);
            return buf;
        }
        std::string operator()(const std::string& s) const { return "'" + s + "'"; }
        std::string operator()(const list& l) const {
            std::string out = "[";
            for (std::size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + repr(l[i]);
            return out + "]";
        }
        std::string operator()(const dict& m) const {
            std::string out = "{";
            for (std::size_t i = 0; i < m.size(); ++i) out += (i ? ", '" : "'") + m[i].first + "': " + repr(m[i].second);
            return out + "}";
        }
    };
    return std::visit(printer{}, d.v);
}

/// The document's Client: each method sends one command and returns the reply as a datum.
class simple_client {
public:
    explicit simple_client(client::options options) : m_connection(std::move(options)) {}

    datum get(std::string_view key) { return call("get", {key}, {}); }
    datum set(std::string_view key, const datum& value) { return call("set", {key}, {value}); }
    datum del(std::string_view key) { return call("delete", {key}, {}); }
    datum flush() { return call("flush", {}, {}); }
    datum mget(std::vector<std::string_view> keys) { return call("mget", std::move(keys), {}); }
    datum mset(std::vector<std::pair<std::string_view, datum>> pairs) {
        std::vector<std::string_view> keys;
        std::vector<datum> values;
        for (auto& [k, v] : pairs) {
            keys.push_back(k);
            values.push_back(std::move(v));
        }
        return call("mset", std::move(keys), std::move(values));
    }

private:
    // Prints the call as the document's prompt does, runs it, prints the result (None prints
    // nothing, as at Python's prompt) and returns it. Keys travel as they are; values as their
    // RESP3 encoding, one argument each, after their key (MSET k1 v1 k2 v2 ...).
    datum call(std::string_view method, std::vector<std::string_view> keys, std::vector<datum> values) {
        std::vector<std::string> args{std::string(method)};
        std::string shown;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            args.emplace_back(keys[i]);
            shown += (i ? ", '" : "'") + std::string(keys[i]) + "'";
            if (i < values.size()) {
                args.push_back(resp::encode(values[i]));
                shown += ", " + repr(values[i]);
            }
        }
        std::printf(">>> client.%s(%s)\n", args[0].c_str(), shown.c_str());
        auto reply = m_connection.run_range<client::reply::as<datum>>(args);
        if (!reply) {
            std::printf("error: %s\n", reply.error().what().c_str());
            return {};
        }
        if (!std::holds_alternative<std::monostate>(reply->v)) std::printf("%s\n", repr(*reply).c_str());
        return *reply;
    }

    client::connection m_connection;
};

int session(int port, int protocol) {
    client::options options;
    options.port = static_cast<std::uint16_t>(port);
    options.protocol = protocol;
    simple_client client(options);
    client.mset({{"k1", "v1"}, {"k2", list{"v2-0", 1, "v2-2"}}, {"k3", "v3"}});
    client.get("k2");
    client.mget({"k3", "k1"});
    client.del("k1");
    client.get("k1");
    client.del("k1");
    client.set("kx", dict{{"vx", dict{{"vy", 0}, {"vz", list{1, 2, 3}}}}});
    client.get("kx");
    return std::holds_alternative<std::int64_t>(client.flush().v) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.size() >= 2 && args[0] == "--session") {
        return session(std::atoi(argv[2]), args.size() == 3 && args[2] == "--resp2" ? 2 : 3);
    }
    return serve(args.size() == 2 && args[0] == "--port" ? std::atoi(argv[2]) : 6382);
}

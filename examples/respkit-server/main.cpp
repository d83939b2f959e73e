// respkit-server: a Redis-compatible server built from respkit's parts: the keyspace, every
// built-in command family, the configuration table, served by net::tcp_server.
//
//   respkit-server [--port 6379] [--bind 127.0.0.1] [--maxclients N] [--hz N] [--<parameter> value ...]
//
// Options follow redis-server's: any configuration parameter may be given as --name value
// (values of several words are joined, as in --save 900 1). One log line per notable event on
// standard output. SIGINT / SIGTERM (or SHUTDOWN) stop it gracefully; exit status 0.

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "respkit/commands.hpp"
#include "respkit/net.hpp"
#include "respkit/server.hpp"
#include "respkit/server/config.hpp"
#include "respkit/store.hpp"
#include "respkit/version.hpp"

namespace {

void log_line(std::string_view text) {
    // Redis's log format: pid:role day month year time.ms * text
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char stamp[64];
    std::strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S", &tm);
    std::printf("%d:M %s.%03d * %.*s\n", static_cast<int>(::getpid()), stamp, static_cast<int>(ms),
                static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
}

void usage(std::FILE* to) {
    std::fprintf(to,
                 "Usage: respkit-server [--port 6379] [--bind 127.0.0.1] [--maxclients 10000] [--hz 10]\n"
                 "                      [--<config-parameter> <value> ...]\n"
                 "       respkit-server --version | --help\n"
                 "Any parameter CONFIG GET lists may be set at start-up, e.g. --databases 4, --save \"\".\n");
}

/// The event-loop timer running the keyspace's active expiry at `hz`, re-armed when hz changes.
template <class Keyspace>
class expiry_timer {
public:
    expiry_timer(respkit::net::tcp_server& server, Keyspace& keyspace) : m_server(&server), m_keyspace(&keyspace) {}
    void arm(long long hz) {
        if (m_armed) m_server->cancel(m_id);
        hz = hz < 1 ? 1 : hz;
        const auto period = std::chrono::milliseconds(1000 / hz > 0 ? 1000 / hz : 1);
        // As Redis's activeExpireCycle: at most 25% of each period.
        const auto budget = std::chrono::duration_cast<std::chrono::microseconds>(period) / 4;
        m_id = m_server->every(period, [keyspace = m_keyspace, budget] { (void)keyspace->active_expire_cycle(budget); });
        m_armed = true;
    }

private:
    respkit::net::tcp_server* m_server;
    Keyspace* m_keyspace;
    respkit::net::timer_id m_id{};
    bool m_armed = false;
};

} // namespace

int main(int argc, char** argv) {
    using namespace respkit;
    server::config_table config;

    // Options: --name value [more words], as redis-server.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        }
        if (arg == "--version" || arg == "-v") {
            std::printf("respkit-server v=%s (Redis %s compatible)\n", RESPKIT_VERSION_STRING,
                        std::string(commands::redis_compat_version).c_str());
            return 0;
        }
        if (!arg.starts_with("--") || arg.size() == 2) {
            std::fprintf(stderr, "respkit-server: unexpected argument '%s' (no configuration files; use --name value)\n",
                         argv[i]);
            usage(stderr);
            return 1;
        }
        std::string value;
        bool first = true;
        while (i + 1 < argc && !std::string_view(argv[i + 1]).starts_with("--")) {
            if (!first) value += ' ';
            value += argv[++i];
            first = false;
        }
        const std::string error = config.set(arg.substr(2), value, true);
        if (!error.empty()) {
            std::fprintf(stderr, "respkit-server: --%s: %s\n", std::string(arg.substr(2)).c_str(), error.c_str() + 4);
            return 1;
        }
    }

    store::keyspace_options ks_options;
    ks_options.databases = static_cast<std::size_t>(config.get_integer("databases"));
    store::keyspace<> keyspace(ks_options);

    server::dispatcher commands;
    commands::install_builtin_commands(commands, keyspace, config);

    server::server_context context;
    net::tcp_server_options options;
    {
        const std::string bind(config.get("bind"));
        std::string first = bind.substr(0, bind.find(' '));
        if (first == "*") first = "0.0.0.0";
        if (first.starts_with('-')) first.erase(0, 1); // "-::1": optional address in Redis
        options.bind_address = first;
    }
    options.port = static_cast<std::uint16_t>(config.get_integer("port"));
    options.max_clients = static_cast<std::size_t>(config.get_integer("maxclients"));
    options.session.request_limits.max_bulk_length = static_cast<std::uint64_t>(config.get_integer("proto-max-bulk-len"));
    if (const auto timeout = config.get_integer("timeout"); timeout > 0) options.idle_timeout = std::chrono::seconds(timeout);
    options.log = log_line;
    options.log_connections = config.get("loglevel") == "verbose" || config.get("loglevel") == "debug";

    net::tcp_server server(commands, context, options);
    if (const auto error = server.listen()) {
        log_line("Could not create server TCP listening socket " + options.bind_address + ":" +
                 std::to_string(options.port) + ": " + error.message());
        return 1;
    }
    // With --port 0 the kernel picked the port: CONFIG GET port and INFO show the real one.
    (void)config.set("port", std::to_string(server.port()), true);

    // Parameters applied when they change at run time; those the transport fixes at start-up are
    // refused rather than silently ignored.
    expiry_timer<store::keyspace<>> expiry(server, keyspace);
    expiry.arm(config.get_integer("hz"));
    config.on_change("hz", [&](std::string_view) {
        expiry.arm(config.get_integer("hz"));
        return std::string();
    });
    const auto fixed = [&config](std::string_view name) {
        const std::string at_start(config.get(name));
        config.on_change(name, [at_start](std::string_view value) {
            return value == at_start ? std::string() : std::string("respkit-server applies this parameter at start-up only");
        });
    };
    fixed("maxclients");
    fixed("proto-max-bulk-len");
    fixed("timeout");
    fixed("port");
    fixed("bind");

    log_line("respkit-server " RESPKIT_VERSION_STRING " (Redis " + std::string(commands::redis_compat_version) +
             " compatible), pid " + std::to_string(::getpid()) + ", " + std::to_string(commands.commands().size()) +
             " commands");
    log_line("Ready to accept connections on " + options.bind_address + ":" + std::to_string(server.port()));
    server.handle_signals(true);
    server.run();
    if (context.shutdown_requested()) log_line("SHUTDOWN requested by a client");
    log_line("respkit-server is now ready to exit, bye bye...");
    return 0;
}

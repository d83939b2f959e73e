// respkit-server: a Redis-compatible server, taking its configuration as redis-server does.
//
//   respkit-server [/path/to/redis.conf] [-] [--name value ...]
//
// The file uses Redis's syntax; options are appended to it as lines (`--port 7000` is
// "port 7000"); `-` reads more configuration from standard input. Every parameter works, has no
// observable effect in respkit, or is refused at start-up with one message naming every refused
// setting (docs/config.md). Built with OpenSSL (respkit::tls), tls-port adds a TLS listener
// (docs/tls.md). Built with Lua 5.1 (respkit::lua), it runs scripts (docs/scripting.md). SIGINT / SIGTERM (or SHUTDOWN) stop it gracefully; exit status 0.

#include <memory>
#include <span>
#include <utility>

#include "respkit/allocation_counter.hpp"
#include "respkit/app/configuration.hpp"
#include "respkit/app/server.hpp" // the built-in commands are compiled in commands.cpp
#if defined(RESPKIT_SERVER_TLS)
#include "respkit/app/tls.hpp" // built with OpenSSL: tls-port serves TLS
#endif
#if defined(RESPKIT_SERVER_LUA)
#include "respkit/commands/scripting.hpp" // built with Lua 5.1: EVAL, SCRIPT ...
#endif

// INFO used_memory and maxmemory count what operator new holds (respkit/allocation_counter.hpp).
RESPKIT_COUNT_ALLOCATIONS()

int main(int argc, char** argv) {
    respkit::app::configuration config;
    if (const auto status = respkit::app::read_command_line(std::span<const char* const>(argv, argc), config)) {
        return *status;
    }
    respkit::app::server_options options;
#if defined(RESPKIT_SERVER_TLS)
    options.tls = respkit::app::openssl_tls;
#endif
#if defined(RESPKIT_SERVER_LUA)
    options.install_commands = [](respkit::server::dispatcher& commands, respkit::server::server_context& context) {
        (void)respkit::commands::install_scripting_commands(commands, std::make_shared<respkit::scripting::script_engine>(),
                                                            nullptr, &context);
    };
#endif
    respkit::app::server server(std::move(config), std::move(options));
    server.set_process_arguments(argc, argv); // set-proc-title: `ps` shows "respkit-server 127.0.0.1:6379"
    return server.run();
}

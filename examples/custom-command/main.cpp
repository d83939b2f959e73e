// A Redis-compatible server with one command of its own: SUM key [key ...] adds up the integers
// stored at the keys (missing keys count as 0). Every built-in command works as well.
// Usage: custom-command [--port N]   (default 6381; 0 picks a free port)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <respkit/respkit.hpp>

using namespace respkit;

int main(int argc, char** argv) {
    store::keyspace<> keyspace;
    server::config_table config;
    server::dispatcher commands;
    commands::install_builtin_commands(commands, keyspace, config);
    commands.add({.name = "sum", .arity = -2, .flags = server::command_flag::readonly, .keys = {1, -1, 1}},
                 [&keyspace](server::command_call& call) {
                     std::int64_t total = 0;
                     for (const std::string_view key : call.args().subspan(1)) {
                         std::int64_t number = 0;
                         const store::value* v = keyspace.find(call.client().db(), key);
                         if (v != nullptr && v->to_int64(number)) return call.error(server::errors::not_integer);
                         total += number;
                     }
                     call.reply().integer(total);
                 });

    server::server_context context;
    const int port = argc == 3 && std::string_view(argv[1]) == "--port" ? std::atoi(argv[2]) : 6381;
    net::tcp_server server(commands, context, {.port = static_cast<std::uint16_t>(port)});
    if (auto error = server.listen()) {
        std::fprintf(stderr, "custom-command: %s\n", error.message().c_str());
        return 1;
    }
    server.every(std::chrono::milliseconds(100), [&] { (void)keyspace.active_expire_cycle(std::chrono::milliseconds(2)); });
    std::printf("custom-command listening on 127.0.0.1:%u\n", unsigned{server.port()});
    std::fflush(stdout);
    server.handle_signals();
    server.run();
}

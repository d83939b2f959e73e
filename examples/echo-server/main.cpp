// A Redis-protocol echo server: every command is answered with its own words, PING with PONG.
// Usage: echo-server [--port N]   (default 6380; 0 picks a free port)

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <respkit/net.hpp>
#include <respkit/server.hpp>
#include <respkit/server/src.hpp> // the server core's definitions, in one file of the program

using namespace respkit;

int main(int argc, char** argv) {
    server::dispatcher commands;
    commands.set_catch_all([](server::command_call& call) { // any command not in the table
        call.reply(call.args()); // a typed value: the words as an array of bulk strings
    });
    commands.add({.name = "ping", .arity = -1}, [](server::command_call& call) { call.reply().simple_string("PONG"); });

    server::server_context context;
    const int port = argc == 3 && std::string_view(argv[1]) == "--port" ? std::atoi(argv[2]) : 6380;
    net::tcp_server server(commands, context, {.port = static_cast<std::uint16_t>(port)});
    if (auto error = server.listen()) {
        std::fprintf(stderr, "echo-server: %s\n", error.message().c_str());
        return 1;
    }
    std::printf("echo-server listening on 127.0.0.1:%u\n", unsigned{server.port()});
    std::fflush(stdout);
    server.handle_signals(); // Ctrl-C or SIGTERM: finish replies, then exit
    server.run();
}

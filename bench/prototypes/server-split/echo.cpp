// The echo example's use of the server core, against the slim headers of include/ (README.md).
#include <respkit/server.hpp>
using namespace respkit;
int main() {
    server::dispatcher commands;
    commands.set_catch_all([](server::command_call& call) { call.reply(call.args()); });
    commands.add({.name = "ping", .arity = -1}, [](server::command_call& call) { call.reply().simple_string("PONG"); });
    server::server_context context;
    server::session s(commands, context);
    s.feed("*1\r\n$4\r\nPING\r\n");
    return s.pending_output() == "+PONG\r\n" ? 0 : 1;
}

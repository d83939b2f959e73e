// respkit consumer (find_package, component lua): includes the scripting headers through
// respkit::lua, which brings Lua 5.1, and runs a script in-process. Exits non-zero when that fails.

#include <respkit/scripting.hpp>
#include <respkit/server.hpp>
#include <respkit/server/src.hpp> // the server core's definitions, in one file of the program

#include <cstdio>
#include <string>
#include <string_view>

int main() {
    respkit::server::dispatcher commands;
    respkit::server::server_context context;
    (void)respkit::commands::install_scripting_commands(commands);
    respkit::server::session session(commands, context);
    session.feed("*3\r\n$4\r\nEVAL\r\n$22\r\nreturn {1, 'two', 3.5}\r\n$1\r\n0\r\n");
    const std::string_view reply = session.pending_output();
    if (reply != "*3\r\n:1\r\n$3\r\ntwo\r\n:3\r\n") {
        std::fprintf(stderr, "consumer (find_package, lua): unexpected reply %.*s\n",
                     static_cast<int>(reply.size()), reply.data());
        return 1;
    }
    std::puts("consumer (find_package, lua): ok");
    return 0;
}

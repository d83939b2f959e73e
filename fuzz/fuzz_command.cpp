// Fuzz target for the command layer: command streams through transport-free sessions over a
// server holding every built-in command. The body and its invariants: command_fuzzer.hpp.
// (The corpus is replayed by the test commands/fuzz_command, over the commands compiled once
// for the tests, rather than by a fuzz_replay_command program compiling them again.)

#include <cstddef>
#include <cstdint>

#include "command_fuzzer.hpp"
#include "respkit/commands.hpp"

namespace {

struct fuzz_server {
    respkit::store::keyspace<> keyspace;
    respkit::server::config_table config;
    respkit::server::dispatcher commands;
    respkit::server::server_context context;
    fuzz_server() { respkit::commands::install_builtin_commands(commands, keyspace, config); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static command_fuzz::reusable_server<fuzz_server> server;
    command_fuzz::harness<fuzz_server>(server.get(), data, size).run();
    return 0;
}

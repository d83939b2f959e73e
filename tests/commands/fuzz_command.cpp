// The command-layer fuzzer's corpus (fuzz/corpus/command), replayed through its body
// (fuzz/command_fuzzer.hpp: well-formed replies, one per command, bounded memory) over the
// built-in commands compiled once for the tests, under every compiler and sanitizer of CI.
// A failed check aborts, naming the input.

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../../fuzz/command_fuzzer.hpp"
#include "respkit/store.hpp"
#include "support/command_server.hpp"

namespace {

std::string g_current_input; // named when a check aborts

extern "C" void name_failed_input(int) {
    std::fprintf(stderr, "fuzz_command: failed on %s\n", g_current_input.c_str());
    std::signal(SIGABRT, SIG_DFL);
    std::raise(SIGABRT);
}

} // namespace

TEST_CASE("the command fuzzer's corpus replays with every invariant holding") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(RESPKIT_SOURCE_DIR) / "fuzz" / "corpus" / "command";
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    REQUIRE(inputs.size() >= 50);

    using server_type = respkit_test::command_server<respkit::store::keyspace<>>;
    command_fuzz::reusable_server<server_type> server;
    std::signal(SIGABRT, name_failed_input);
    for (const fs::path& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        g_current_input = path.string();
        // An exact-size copy, as libFuzzer passes, so sanitizers see reads past the end.
        const auto data = std::make_unique<std::uint8_t[]>(bytes.size() + (bytes.empty() ? 1 : 0));
        std::copy(bytes.begin(), bytes.end(), data.get());
        command_fuzz::harness<server_type>(server.get(), data.get(), bytes.size()).run();
    }
    std::signal(SIGABRT, SIG_DFL);
    CHECK(inputs.size() <= 400); // a corpus minimised with -merge=1 (docs/fuzzing.md)
}

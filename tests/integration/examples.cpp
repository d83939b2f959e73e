// The example programs: the README's code is the example file, and the examples run and print
// what the README says. Skips the runs when the examples were not built (RESPKIT_BUILD_DIR).

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "support/file_util.hpp"
#include "support/process_util.hpp"

using namespace respkit_test;

namespace {

const std::filesystem::path source_dir = RESPKIT_SOURCE_DIR;

} // namespace

TEST_CASE("the README's server examples are the example files") {
    const std::string readme = read_file(source_dir / "README.md");
    for (const char* example : {"examples/echo-server/main.cpp", "examples/custom-command/main.cpp"}) {
        CAPTURE(example);
        const std::string code = read_file(source_dir / example);
        REQUIRE(!code.empty());
        CHECK(readme.find("```cpp\n" + code + "```\n") != std::string::npos);
    }
}

TEST_CASE("examples/custom-command: SUM beside the built-in commands, through redis-cli") {
    const std::string program = built_program("custom-command");
    const std::string cli = find_on_path("redis-cli");
    if (program.empty() || cli.empty()) {
        MESSAGE("skipped: custom-command not built or redis-cli not installed");
        return;
    }
    const int port = free_port();
    child_process server({program, "--port", std::to_string(port)});
    REQUIRE(wait_for_port(port));
    const std::string p = std::to_string(port);
    CHECK(run_program({cli, "-p", p, "MSET", "a", "5", "b", "7"}).out == "OK\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "SUM", "a", "b", "nosuch"}).out == "(integer) 12\n");
    CHECK(run_program({cli, "-p", p, "SET", "word", "x"}).out == "OK\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "SUM", "a", "word"}).out ==
          "(error) ERR value is not an integer or out of range\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "SUM"}).out ==
          "(error) ERR wrong number of arguments for 'sum' command\n");
    CHECK(run_program({cli, "-p", p, "GET", "b"}).out == "7\n"); // a built-in command
    server.signal(SIGTERM);
    const run_output exit = server.wait(std::chrono::seconds(5));
    CHECK(exit.exit_code == 0);
    CHECK(exit.out.find("custom-command listening on 127.0.0.1:" + p) != std::string::npos);
}

TEST_CASE("examples/simple-server: the SimpleRedisServer document's session in RESP3 and RESP2, errors as error replies") {
    const std::string program = built_program("simple-server");
    const std::string cli = find_on_path("redis-cli");
    if (program.empty() || cli.empty()) {
        MESSAGE("skipped: simple-server not built or redis-cli not installed");
        return;
    }
    const int port = free_port();
    child_process server({program, "--port", std::to_string(port)});
    REQUIRE(wait_for_port(port));
    const std::string p = std::to_string(port);
    const std::string head = ">>> client.mset('k1', 'v1', 'k2', ['v2-0', 1, 'v2-2'], 'k3', 'v3')\n3\n"
                             ">>> client.get('k2')\n['v2-0', 1, 'v2-2']\n"
                             ">>> client.mget('k3', 'k1')\n['v3', 'v1']\n"
                             ">>> client.delete('k1')\n1\n"
                             ">>> client.get('k1')\n"
                             ">>> client.delete('k1')\n0\n"
                             ">>> client.set('kx', {'vx': {'vy': 0, 'vz': [1, 2, 3]}})\n1\n"
                             ">>> client.get('kx')\n";
    const std::string nested = "{'vx': {'vy': 0, 'vz': [1, 2, 3]}}\n";
    const run_output resp3 = run_program({program, "--session", p}, {}, std::chrono::seconds(10));
    CHECK(resp3.exit_code == 0);
    // flush() counts k2, k3 and kx: 3. The document prints 2, which its own session (three
    // keys set, one deleted, one set) and its server's flush (len of the dict) cannot give.
    CHECK(resp3.out == head + nested + ">>> client.flush()\n3\n");
    const std::filesystem::path seed = std::filesystem::path(RESPKIT_SHARED_DIR) / "seeds/001_79a7876c23199375.txt";
    if (std::filesystem::exists(seed)) {
        CHECK(read_file(seed).find(head + nested + ">>> client.flush()\n2\n") != std::string::npos);
    }
    // RESP2 has no maps: dicts come back as flat lists, as Redis sends HGETALL to RESP2 clients.
    const run_output resp2 = run_program({program, "--session", p, "--resp2"}, {}, std::chrono::seconds(10));
    CHECK(resp2.exit_code == 0);
    CHECK(resp2.out == head + "['vx', ['vy', 0, 'vz', [1, 2, 3]]]\n>>> client.flush()\n3\n");
    // Errors are error replies; a value is one RESP message.
    CHECK(run_program({cli, "-p", p, "--no-raw", "SET", "k", "plain"}).out ==
          "(error) ERR value for 'k' is not one RESP value: invalid RESP at byte 0: invalid RESP type byte\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "SET", "k", ":1\r\n:2\r\n"}).out ==
          "(error) ERR value for 'k' is not one RESP value: bytes after the message (4)\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "MSET", "a", "+x\r\n", "b"}).out ==
          "(error) ERR wrong number of arguments for 'mset' command\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "MSET", "a", "+x\r\n", "b", "*1\r\n"}).out ==
          "(error) ERR value for 'b' is not one RESP value: incomplete RESP message\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "GET", "a"}).out == "(nil)\n"); // MSET set nothing
    CHECK(run_program({cli, "-p", p, "SET", "k", "%1\r\n+a\r\n*2\r\n:1\r\n_\r\n"}).out == "1\n");
    CHECK(run_program({cli, "-3", "-p", p, "--no-raw", "GET", "k"}).out == "1# \"a\" => \n   1) (integer) 1\n   2) (nil)\n");
    CHECK(run_program({cli, "-p", p, "--no-raw", "GET", "k"}).out == "1) \"a\"\n2) 1) (integer) 1\n   2) (nil)\n");
    server.signal(SIGTERM);
    const run_output exit = server.wait(std::chrono::seconds(5));
    CHECK(exit.exit_code == 0);
    CHECK(exit.out.find("simple-server listening on 127.0.0.1:" + p) != std::string::npos);
}

TEST_CASE("the README's codec example is examples/codec-tour/main.cpp, and prints what it says") {
    const std::string readme = read_file(source_dir / "README.md");
    const std::string code = read_file(source_dir / "examples/codec-tour/main.cpp");
    REQUIRE(!code.empty());
    CHECK(readme.find("```cpp\n" + code + "```\n") != std::string::npos);
    const std::string expected_output = "1) \"SET\"\n2) \"greeting\"\n3) \"hello\"\n1# \"pi\" => (double) 3.1415899999999999\n";
    CHECK(readme.find("```\n" + expected_output + "```\n") != std::string::npos);

    const std::string program = built_program("codec-tour");
    if (program.empty()) {
        MESSAGE("skipped running: codec-tour not built");
        return;
    }
    const run_output run = run_program({program});
    CHECK(run.exit_code == 0);
    CHECK(run.out == expected_output);
}

TEST_CASE("respkit-decode counts and prints captured traffic, and reports bad input") {
    const std::string program = built_program("respkit-decode");
    if (program.empty()) {
        MESSAGE("skipped: respkit-decode not built");
        return;
    }
    const run_output count = run_program({program, "--count"}, "+OK\r\n*2\r\n$1\r\na\r\n:1\r\nPING\r\n\r\n");
    CHECK(count.exit_code == 0);
    CHECK(count.out == "3\n");

    const run_output print = run_program({program}, "*2\r\n$1\r\na\r\n:1\r\nSET k \"v w\"\r\n");
    CHECK(print.exit_code == 0);
    CHECK(print.out == "1) \"a\"\n2) (integer) 1\n1) \"SET\"\n2) \"k\"\n3) \"v w\"\n");

    const run_output bad = run_program({program}, "+OK\r\n:12x\r\n");
    CHECK(bad.exit_code == 1);
    CHECK(bad.out == "OK\n");
    CHECK(bad.err.find("offset 6") != std::string::npos);
    CHECK(bad.err.find("invalid integer") != std::string::npos);

    const run_output truncated = run_program({program, "--count"}, "+OK\r\n*2\r\n$1\r\na\r\n");
    CHECK(truncated.exit_code == 1);
    CHECK(truncated.out == "1\n");
    CHECK(truncated.err.find("ends inside a message") != std::string::npos);

    const run_output rejected = run_program({program}, "SET a \"b\r\nPING\r\n");
    CHECK(rejected.exit_code == 0); // the framing is intact; Redis would reject the line
    CHECK(rejected.err.find("unbalanced quotes") != std::string::npos);
    CHECK(rejected.out == "\"SET a \\\"b\"\n1) \"PING\"\n");

    const std::filesystem::path corpus = std::filesystem::path(RESPKIT_SHARED_DIR) / "corpus";
    if (std::filesystem::exists(corpus)) {
        const run_output real = run_program({program, "--count", (corpus / "redis-cli_resp3_basic.resp").string()});
        CHECK(real.exit_code == 0);
        CHECK(real.out == "69\n");
    }
}

// Function libraries kept where Redis 7.0 keeps them, checked with live servers: an RDB file
// written by respkit-server (FUNCTION2 records after the AUX fields) loads in redis-server
// 7.0.15 and the reverse; the append-only file replays FUNCTION LOAD, and a rewrite (RDB
// preamble or commands) keeps the libraries, which redis-server reads too; INFO memory's
// scripting fields in Redis's order.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/aof_util.hpp"
#include "support/process_util.hpp"

using namespace respkit_test;

namespace {

const char* const library =
    "#!lua name=kept\nredis.register_function('kept_f', function(keys, args) "
    "return 'kept:' .. args[1] end)";

/// redis-cli's raw answer to one command.
std::string cli(int port, const std::vector<std::string>& command) {
    std::vector<std::string> argv{find_on_path("redis-cli"), "-p", std::to_string(port)};
    argv.insert(argv.end(), command.begin(), command.end());
    return run_program(argv).out;
}

bool have_programs() {
    if (built_program("respkit-server").empty() || find_on_path("redis-server").empty() ||
        find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built, or redis-server / redis-cli not installed");
        return false;
    }
    return true;
}

/// `program` on 127.0.0.1 and a free port, its files in `dir`, without save points.
server_process server_in(const std::string& program, const scratch_dir& dir,
                         const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--bind", "127.0.0.1", "--dir", dir.str(), "--save", ""};
    args.insert(args.end(), extra.begin(), extra.end());
    return server_process(program, args);
}

server_process respkit_in(const scratch_dir& dir, const std::vector<std::string>& extra = {}) {
    return server_in(built_program("respkit-server"), dir, extra);
}

server_process redis_in(const scratch_dir& dir, const std::vector<std::string>& extra = {}) {
    return server_in(find_on_path("redis-server"), dir, extra);
}

/// Starts BGREWRITEAOF and waits (at most 5 s) until the rewrite has ended.
void rewrite_aof(int port) {
    CHECK(cli(port, {"BGREWRITEAOF"}) == "Background append only file rewriting started\n");
    for (int i = 0;
         i < 100 &&
         cli(port, {"INFO", "persistence"}).find("aof_rewrite_in_progress:0") == std::string::npos;
         ++i)
        run_program({find_on_path("sleep"), "0.05"});
}

} // namespace

TEST_CASE("functions in RDB files: respkit-server's load in redis-server, redis-server's in "
          "respkit-server") {
    if (!have_programs()) return;
    SUBCASE("respkit-server -> redis-server") {
        scratch_dir dir("fn-rdb-ours");
        {
            server_process ours = respkit_in(dir);
            REQUIRE(ours.running());
            CHECK(cli(ours.port(), {"FUNCTION", "LOAD", library}) == "kept\n");
            CHECK(cli(ours.port(), {"SET", "k", "v"}) == "OK\n");
            CHECK(cli(ours.port(), {"SAVE"}) == "OK\n");
            // A restart of respkit-server loads them again.
            ours.stop();
            REQUIRE(ours.start());
            CHECK(cli(ours.port(), {"FCALL", "kept_f", "0", "a"}) == "kept:a\n");
        }
        server_process theirs = redis_in(dir);
        REQUIRE(theirs.running());
        CHECK(cli(theirs.port(), {"FCALL", "kept_f", "0", "b"}) == "kept:b\n");
        CHECK(cli(theirs.port(), {"GET", "k"}) == "v\n");
    }
    SUBCASE("redis-server -> respkit-server") {
        scratch_dir dir("fn-rdb-theirs");
        {
            server_process theirs = redis_in(dir);
            REQUIRE(theirs.running());
            CHECK(cli(theirs.port(), {"FUNCTION", "LOAD", library}) == "kept\n");
            CHECK(cli(theirs.port(), {"SAVE"}) == "OK\n");
        }
        server_process ours = respkit_in(dir, {"--enable-debug-command", "yes"});
        REQUIRE(ours.running());
        CHECK(cli(ours.port(), {"FCALL", "kept_f", "0", "c"}) == "kept:c\n");
        CHECK(cli(ours.port(), {"FUNCTION", "LIST", "WITHCODE"}).find("kept_f") !=
              std::string::npos);
        // DEBUG RELOAD replaces the libraries with the file's.
        CHECK(cli(ours.port(),
                  {"FUNCTION", "LOAD",
                   "#!lua name=other\nredis.register_function('o', function() return 1 end)"}) ==
              "other\n");
        CHECK(cli(ours.port(), {"SAVE"}) == "OK\n");
        CHECK(cli(ours.port(), {"DEBUG", "RELOAD"}) == "OK\n");
        CHECK(cli(ours.port(), {"FCALL", "o", "0"}) == "1\n");
        CHECK(cli(ours.port(), {"FCALL", "kept_f", "0", "d"}) == "kept:d\n");
        // A library loaded after the save is gone after the reload.
        CHECK(cli(ours.port(),
                  {"FUNCTION", "LOAD",
                   "#!lua name=later\nredis.register_function('l', function() return 1 end)"}) ==
              "later\n");
        CHECK(cli(ours.port(), {"DEBUG", "RELOAD", "NOSAVE"}) == "OK\n");
        CHECK(cli(ours.port(), {"FCALL", "l", "0"}).find("ERR Function not found") == 0);
    }
}

TEST_CASE("functions in the append-only file: replayed, kept by rewrites, read by redis-server") {
    if (!have_programs()) return;
    for (const char* preamble : {"yes", "no"}) {
        CAPTURE(preamble);
        scratch_dir dir("fn-aof");
        {
            server_process ours =
                respkit_in(dir, {"--appendonly", "yes", "--aof-use-rdb-preamble", preamble});
            REQUIRE(ours.running());
            CHECK(cli(ours.port(), {"FUNCTION", "LOAD", library}) == "kept\n");
            ours.stop();
            REQUIRE(ours.start());
            CHECK(cli(ours.port(), {"FCALL", "kept_f", "0", "e"}) == "kept:e\n");
            rewrite_aof(ours.port());
            CHECK(cli(ours.port(), {"FUNCTION", "DELETE", "kept"}).empty() == false);
            CHECK(cli(ours.port(), {"FUNCTION", "LOAD", library}) == "kept\n");
            ours.stop();
            REQUIRE(ours.start());
            CHECK(cli(ours.port(), {"FCALL", "kept_f", "0", "f"}) == "kept:f\n");
            // The rewrite's base holds the library: nothing else is needed.
            rewrite_aof(ours.port());
        }
        server_process theirs = redis_in(dir, {"--appendonly", "yes"});
        REQUIRE(theirs.running());
        CHECK(cli(theirs.port(), {"FCALL", "kept_f", "0", "g"}) == "kept:g\n");
    }
}

TEST_CASE("INFO memory: Redis's scripting fields in Redis's order") {
    if (!have_programs()) return;
    scratch_dir dir("fn-info");
    server_process ours = respkit_in(dir);
    server_process theirs = redis_in(dir);
    REQUIRE(ours.running());
    REQUIRE(theirs.running());
    const auto names = [](const std::string& info) {
        std::vector<std::string> out;
        std::size_t pos = 0;
        while (pos < info.size()) {
            const std::size_t end = info.find('\n', pos);
            const std::string line =
                info.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            pos = end == std::string::npos ? info.size() : end + 1;
            const std::size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            const std::string name = line.substr(0, colon);
            if (name.find("lua") != std::string::npos || name.find("script") != std::string::npos ||
                name.find("function") != std::string::npos ||
                name.find("librar") != std::string::npos || name.find("_vm_") != std::string::npos)
                out.push_back(name);
        }
        return out;
    };
    for (const int port : {ours.port(), theirs.port()})
        CHECK(cli(port, {"FUNCTION", "LOAD", library}) == "kept\n");
    const std::string info = cli(ours.port(), {"INFO", "memory"});
    CHECK(names(info) == names(cli(theirs.port(), {"INFO", "memory"})));
    CHECK(info.find("number_of_functions:1\r\n") != std::string::npos);
    CHECK(info.find("number_of_libraries:1\r\n") != std::string::npos);
    CHECK(names(info).size() == 13);
}

// Crash safety of the append-only file: respkit-server with appendfsync always is killed with
// SIGKILL at random moments (some while a rewrite child runs, some with automatic rewrites
// going on; base files as commands, then as RDB) while a client writes in a loop and records every acknowledged write; after each
// restart every acknowledged write is there. Prints kills, writes and losses.

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <respkit/client/connection.hpp>
#include <respkit/resp/command_writer.hpp>

#include "support/aof_util.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

std::string value_of(std::uint64_t n) { return "v" + std::to_string(n) + std::string(64, 'x'); }

client::connection connect_to(int port) {
    client::options o;
    o.port = static_cast<std::uint16_t>(port);
    o.protocol = 2;
    o.auto_reconnect = false;
    // Loading 100k+ keys in a Debug build on a busy machine can hold a reply for seconds; the
    // test's own bound is the number of rounds.
    o.read_timeout = 60000ms;
    return client::connection(o);
}

} // namespace

TEST_CASE("append-only file: every acknowledged write survives SIGKILL at random moments (appendfsync always)") {
    const std::string respkit = built_program("respkit-server");
    if (respkit.empty()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    std::uint64_t total_acked = 0, losses = 0, verified = 0;
    int kills = 0, kills_in_rewrite = 0;
    // Half the kills with base files written as commands, half as RDB.
    for (const char* preamble : {"no", "yes"}) {
        scratch_dir dir("aof-crash");
        const int port = free_port();
        const std::vector<std::string> argv{respkit, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                            "--dir", dir.str(), "--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                                            "--appendfsync", "always", "--auto-aof-rewrite-min-size", "4mb",
                                            "--auto-aof-rewrite-percentage", "100"};
        std::mt19937 random(12345);
        std::vector<std::uint64_t> acked; // key numbers whose SET was acknowledged
        std::uint64_t next = 0;
        const int rounds = 12;
        for (int round = 0; round <= rounds; ++round) {
            child_process server(argv, (dir.path() / "log").string());
            REQUIRE(server.started());
            REQUIRE_MESSAGE(wait_for_port(port, 60s), read_file(dir.path() / "log"));
            // Every acknowledged write so far is there (the server may still be loading: wait).
            {
                client::connection c = connect_to(port);
                for (std::size_t i = 0; i < acked.size();) {
                    std::vector<std::string> args{"MGET"};
                    const std::size_t end = std::min(acked.size(), i + 1000);
                    for (std::size_t j = i; j < end; ++j) args.push_back("k" + std::to_string(acked[j]));
                    auto r = c.command_range(args);
                    REQUIRE_MESSAGE(r, (r ? std::string() : r.error().what()) << "\n" << read_file(dir.path() / "log"));
                    if (r.value().is_error()) { // -LOADING
                        std::this_thread::sleep_for(10ms);
                        continue;
                    }
                    const auto values = r.value().elements();
                    REQUIRE(values.size() == end - i);
                    for (std::size_t j = i; j < end; ++j) {
                        if (values[j - i].string() != value_of(acked[j])) ++losses;
                    }
                    verified += end - i;
                    i = end;
                }
            }
            if (round == rounds) break;
            if (round == 0) {
                // A base large enough that a rewrite takes a while (a few MB of commands).
                std::string preload;
                for (int i = 0; i < 60000; ++i) {
                    resp::write_command(preload, "SET", "k" + std::to_string(next), value_of(next));
                    acked.push_back(next++);
                }
                const std::string replies = exchange(port, preload, 60s);
                REQUIRE(replies.size() == 60000 * 5); // "+OK\r\n" each: acknowledged
            }
            // A writer records what the server acknowledged until the connection dies.
            std::mutex m;
            std::vector<std::uint64_t> round_acked;
            std::atomic<std::uint64_t> counter{next};
            std::thread writer([&] {
                client::connection c = connect_to(port);
                for (;;) {
                    const std::uint64_t n = counter.fetch_add(1);
                    auto r = c.command("SET", "k" + std::to_string(n), value_of(n));
                    if (!r || r.value().string() != "OK") return;
                    std::lock_guard lock(m);
                    round_acked.push_back(n);
                }
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(random)));
            bool in_rewrite = false;
            if (round % 4 == 1 || round % 4 == 3) {
                client::connection admin = connect_to(port);
                auto r = admin.command("BGREWRITEAOF");
                std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 5)(random)));
                auto info = admin.command("INFO", "persistence");
                in_rewrite = r && info && std::string(info.value().string()).find("aof_rewrite_in_progress:1") != std::string::npos;
            }
            server.signal(SIGKILL);
            (void)server.wait(10s);
            writer.join();
            ++kills;
            kills_in_rewrite += in_rewrite ? 1 : 0;
            next = counter.load();
            acked.insert(acked.end(), round_acked.begin(), round_acked.end());
        }
        total_acked += acked.size();
    }
    MESSAGE("kills: " << kills << " (" << kills_in_rewrite << " during a rewrite), acknowledged writes: " << total_acked
                      << ", checked after restarts: " << verified << ", lost: " << losses);
    CHECK(kills >= 20);
    CHECK(kills_in_rewrite >= 5);
    CHECK(losses == 0);
    CHECK(total_acked > 120000);
}

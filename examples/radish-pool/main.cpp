// A connection pool (min 5, max 20) shared by 10 concurrent tasks, each leasing a connection,
// sending PING and holding it a little while, as in the Radish README.
// Usage: radish-pool [--port N] [--host H]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "respkit/client.hpp"

namespace client = respkit::client;

int main(int argc, char** argv) {
    client::pool_options opts;
    opts.connection.port = 7272;
    opts.min_size = 5;
    opts.max_size = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--port") opts.connection.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (flag == "--host") opts.connection.host = argv[i + 1];
    }
    client::connection_pool pool(opts);
    std::printf("pool started: %zu idle connections\n", pool.stats().idle);

    std::atomic<int> pongs{0};
    std::vector<std::thread> tasks;
    for (int t = 0; t < 10; ++t) {
        tasks.emplace_back([&pool, &pongs, t] {
            auto con = pool.acquire();
            if (!con) {
                std::fprintf(stderr, "task %d: %s\n", t, con.error().what().c_str());
                return;
            }
            auto pong = (*con)->ping();
            if (pong && *pong == "PONG") ++pongs;
            std::this_thread::sleep_for(std::chrono::milliseconds(10 * (t % 5)));
        });
    }
    for (auto& t : tasks) t.join();
    const auto s = pool.stats();
    std::printf("10 tasks done: %d PONG replies\n", pongs.load());
    std::printf("pool: in_use=%zu idle=%zu created=%zu discarded=%zu\n", s.in_use, s.idle, s.created, s.discarded);
    return pongs.load() == 10 && s.in_use == 0 && s.created >= 5 && s.created <= 20 ? 0 : 1;
}

// respkit's client vs hiredis's client: SET/GET throughput, unpipelined (one round trip per
// command: connection::set / redisCommand) and pipelined (batches of 100: pipeline +
// execute / redisAppendCommand + redisGetReply), against the same redis-server started here,
// interleaved run by run; prints medians and the ratio respkit/hiredis (> 1: respkit faster).
// Usage: bench_client_hiredis [--port N (use a running server)] [--runs R]

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "../tests/support/process_util.hpp"
#include "respkit/client.hpp"

namespace client = respkit::client;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int unpipelined_ops = 20000;
constexpr int pipelined_ops = 200000;
constexpr int batch = 100;

double ops_per_second(int ops, const std::function<bool()>& body) {
    const auto start = clock_type::now();
    if (!body()) {
        std::fprintf(stderr, "benchmark body failed\n");
        std::exit(1);
    }
    const std::chrono::duration<double> took = clock_type::now() - start;
    return ops / took.count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int port = 0;
    int runs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--port") port = std::atoi(argv[i + 1]);
        if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    }
    std::optional<respkit_test::redis_server> server;
    if (port == 0) {
        server.emplace();
        if (!server->available()) {
            std::fprintf(stderr, "redis-server not found\n");
            return 1;
        }
        port = server->port();
    }

    client::options opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.protocol = 2; // hiredis 0.14 speaks RESP2
    client::connection rk(opts);
    if (!rk.connect()) return 1;
    redisContext* hr = redisConnect("127.0.0.1", port);
    if (hr == nullptr || hr->err) return 1;
    const std::string value(32, 'v');

    auto rk_single = [&] {
        for (int k = 0; k < unpipelined_ops / 2; ++k) {
            const std::string key = "key:" + std::to_string(k % 1000);
            if (!rk.set(key, value)) return false;
            if (!rk.get(key)) return false;
        }
        return true;
    };
    auto hr_single = [&] {
        for (int k = 0; k < unpipelined_ops / 2; ++k) {
            const std::string key = "key:" + std::to_string(k % 1000);
            auto* r1 = static_cast<redisReply*>(redisCommand(hr, "SET %b %b", key.data(), key.size(), value.data(), value.size()));
            if (r1 == nullptr) return false;
            freeReplyObject(r1);
            auto* r2 = static_cast<redisReply*>(redisCommand(hr, "GET %b", key.data(), key.size()));
            if (r2 == nullptr) return false;
            freeReplyObject(r2);
        }
        return true;
    };
    auto rk_pipe = [&] {
        client::pipeline p;
        for (int done = 0; done < pipelined_ops; done += batch) {
            p.clear();
            for (int k = 0; k < batch / 2; ++k) {
                const std::string key = "key:" + std::to_string(k);
                p.set(key, value);
                p.get(key);
            }
            auto r = rk.execute(p);
            if (!r || r->size() != static_cast<std::size_t>(batch)) return false;
        }
        return true;
    };
    auto hr_pipe = [&] {
        for (int done = 0; done < pipelined_ops; done += batch) {
            for (int k = 0; k < batch / 2; ++k) {
                const std::string key = "key:" + std::to_string(k);
                redisAppendCommand(hr, "SET %b %b", key.data(), key.size(), value.data(), value.size());
                redisAppendCommand(hr, "GET %b", key.data(), key.size());
            }
            for (int k = 0; k < batch; ++k) {
                void* reply = nullptr;
                if (redisGetReply(hr, &reply) != REDIS_OK) return false;
                freeReplyObject(reply);
            }
        }
        return true;
    };

    std::vector<double> rs, hs, rp, hp;
    for (int run = 0; run < runs; ++run) {
        rs.push_back(ops_per_second(unpipelined_ops, rk_single));
        hs.push_back(ops_per_second(unpipelined_ops, hr_single));
        hp.push_back(ops_per_second(pipelined_ops, hr_pipe));
        rp.push_back(ops_per_second(pipelined_ops, rk_pipe));
    }
    redisFree(hr);
    std::printf("%-34s %14s %14s %8s\n", "SET/GET, medians of runs", "respkit op/s", "hiredis op/s", "ratio");
    std::printf("%-34s %14.0f %14.0f %8.2f\n", "unpipelined (1 command/round trip)", median(rs), median(hs), median(rs) / median(hs));
    std::printf("%-34s %14.0f %14.0f %8.2f\n", "pipelined (100 commands/batch)", median(rp), median(hp), median(rp) / median(hp));
    return 0;
}

// Cost per operation of the sorted-set structure (store::sorted_set in its skip-list form: a
// member index + a skip list with spans)
// at 1k, 10k, 100k and 1M members: ZADD (insert a new member), ZRANK (score lookup + rank)
// and ZRANGE (start by rank, then 10 elements). O(log n) shows as a growth factor per 10x
// members far below 10 (O(n)); the nodes examined per search grow by a constant per 10x, while
// wall time also grows as the list outgrows the caches.
//
//   bench_zset            prints a table of ns/op and growth factors

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/store/sorted_set.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double ns_per_op(clock_type::time_point start, std::size_t ops) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start).count();
    return static_cast<double>(ns) / static_cast<double>(ops);
}

struct result {
    std::size_t n;
    double zadd, zrank, zrange;
    double steps; ///< nodes examined per search: the machine-independent cost
};

result run(std::size_t n) {
    std::mt19937_64 rng(n);
    std::vector<std::string> members(n);
    for (std::size_t i = 0; i < n; ++i) members[i] = "member:" + std::to_string(rng());
    respkit::store::sorted_set z;
    z.to_skiplist(); // the large form; the packed one holds up to zset-max-listpack-entries
    // Build the set to n - probe members, then time inserts of the last `probe` ones in
    // batches (the cost at size ~n), keeping the best batch: the machine may be shared.
    const std::size_t probe = std::min<std::size_t>(n / 2, 90000);
    for (std::size_t i = 0; i < n - probe; ++i) z.insert(members[i], static_cast<double>(rng() % 1000000));
    double zadd = 1e300;
    clock_type::time_point t;
    for (std::size_t i = n - probe; i < n;) {
        const std::size_t batch = std::min<std::size_t>(probe / 9 + 1, n - i);
        t = clock_type::now();
        for (std::size_t k = 0; k < batch; ++k, ++i) z.insert(members[i], static_cast<double>(rng() % 1000000));
        zadd = std::min(zadd, ns_per_op(t, batch));
    }

    // Each figure is the best of 9 trials of 20000 operations: the machine may be shared.
    const std::size_t lookups = 20000;
    std::vector<std::size_t> picks(lookups);
    std::uint64_t sink = 0;
    double zrank = 1e300, zrange = 1e300;
    for (int trial = 0; trial < 9; ++trial) {
        for (auto& p : picks) p = rng() % n;
        t = clock_type::now();
        for (const std::size_t p : picks) {
            const std::optional<double> s = z.score(members[p]);
            sink += z.rank(members[p], *s);
        }
        zrank = std::min(zrank, ns_per_op(t, lookups));
        t = clock_type::now();
        for (const std::size_t p : picks) {
            z.visit(p, 10, false, [&](std::string_view m, double) { sink += m.size(); });
        }
        zrange = std::min(zrange, ns_per_op(t, lookups));
    }
    // The same descent ZADD, ZRANK and ZRANGEBYSCORE make, counting the nodes it examines.
    std::uint64_t examined = 0;
    for (std::size_t i = 0; i < lookups; ++i) {
        const double bound = static_cast<double>(rng() % 1000000);
        sink += z.count_while([&](double score, std::string_view) {
            ++examined;
            return score < bound;
        });
    }
    const double steps = static_cast<double>(examined) / static_cast<double>(lookups);
    if (sink == 42) std::puts(""); // keeps the loops from being optimised away
    return {n, zadd, zrank, zrange, steps};
}

} // namespace

int main() {
    std::printf("sorted_set (skip list with spans): ns per operation\n");
    std::printf("%10s %12s %12s %22s %16s\n", "members", "ZADD", "ZRANK", "ZRANGE (rank, 10)", "nodes/search");
    std::vector<result> results;
    for (const std::size_t n : {1000u, 10000u, 100000u, 1000000u}) {
        results.push_back(run(n));
        const result& r = results.back();
        std::printf("%10zu %12.1f %12.1f %22.1f %16.1f\n", r.n, r.zadd, r.zrank, r.zrange, r.steps);
    }
    std::printf("growth per 10x members (O(n) would be ~10x; O(log n) adds a constant number of nodes per\n"
                "search, while time also grows as the list outgrows the caches)\n");
    for (std::size_t i = 1; i < results.size(); ++i) {
        const result& a = results[i - 1];
        const result& b = results[i];
        std::printf("%7zu -> %-8zu %10.2fx %11.2fx %21.2fx %15.2fx\n", a.n, b.n, b.zadd / a.zadd, b.zrank / a.zrank,
                    b.zrange / a.zrange, b.steps / a.steps);
    }
    return 0;
}

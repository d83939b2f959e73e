// Latency of single insertions while a keyspace grows to 10M keys: SET of 16-byte keys with
// 16-byte values into keyspace<node_map> (the default: incremental resizing) and
// keyspace<hash_map> (the previous default: the table and the dense value array are
// reallocated and moved at once). Prints, per map, the total time, the longest single
// insertion, p99, p99.99 and how many insertions took over 1 ms, by the thread's CPU time
// (what the insertion itself cost) and by wall time (which on a shared machine also counts
// preemption). Each timed insertion includes two clock reads (~0.3 us for the CPU clock).
// With --explain, every insertion over 250 us of CPU is listed with what happened during it:
// the thread's page faults and context switches (getrusage around each insertion) and the
// table's state (bucket count, resizing or not). With --prefault, the heap is grown and every
// page of it touched before the timed loop (glibc malloc told to keep it), so that no insertion
// takes a page fault: what remains is the map's own work.
//
//   bench_keyspace_grow [keys] [node|hash|both] [--explain] [--prefault]   default: 10000000 both

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/store/keyspace.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

namespace {

using clock_type = std::chrono::steady_clock;
namespace store = respkit::store;

// CPU time of this thread in ns: on a shared machine wall time also counts the moments the
// scheduler gives the core to someone else, which no data structure can avoid.
std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct summary {
    std::uint32_t longest, p99, p9999;
    std::size_t over_1ms;
};

summary summarise(std::vector<std::uint32_t>& ns) {
    const std::size_t n = ns.size();
    summary s{};
    s.over_1ms = static_cast<std::size_t>(
        std::count_if(ns.begin(), ns.end(), [](std::uint32_t d) { return d > 1'000'000u; }));
    s.longest = *std::max_element(ns.begin(), ns.end());
    const auto at = [&](double q) {
        const std::size_t k = std::min(n - 1, static_cast<std::size_t>(q * static_cast<double>(n)));
        std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
        return ns[k];
    };
    s.p99 = at(0.99);
    s.p9999 = at(0.9999);
    return s;
}

std::uint32_t clamp32(long long d) { return static_cast<std::uint32_t>(std::clamp<long long>(d, 0, 0xffffffffLL)); }

// "key:" and i in 12 decimal digits (i < 10^12).
void key_of(std::uint64_t i, char* out) {
    std::memcpy(out, "key:", 4);
    for (int d = 15; d >= 4; --d, i /= 10)
        out[d] = static_cast<char>('0' + i % 10);
}

template <class M>
bool resizing(const M& map) {
    if constexpr (requires { map.rehashing(); }) return map.rehashing();
    else return false;
}

struct thread_usage {
    long minflt, majflt, nvcsw, nivcsw;
};

thread_usage usage_now() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return {ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw};
}

template <template <class> class Map>
void run(const char* name, std::size_t keys, bool explain) {
    store::keyspace<Map> ks(store::keyspace_options{1, 42});
    std::vector<std::uint32_t> wall(keys);
    std::vector<std::uint32_t> cpu(keys);
    char key[16];
    char value[17];
    std::memcpy(value, "value-0123456789", 17);
    const clock_type::time_point start = clock_type::now();
    const std::int64_t cpu_start = thread_cpu_ns();
    // With --explain: insertions during which the thread was not preempted (on a shared VM the
    // thread's CPU clock charges some of a preemption to the insertion it interrupts).
    std::size_t calm_over_1ms = 0;
    std::uint32_t calm_longest = 0;
    for (std::size_t i = 0; i < keys; ++i) {
        key_of(i, key);
        const std::size_t buckets_before = ks.map(0).bucket_count();
        const bool resizing_before = resizing(ks.map(0));
        const thread_usage u0 = explain ? usage_now() : thread_usage{};
        const std::int64_t c0 = thread_cpu_ns();
        const clock_type::time_point t0 = clock_type::now();
        ks.set(0, std::string_view(key, 16), store::value::from_bytes(std::string_view(value, 16)));
        const clock_type::time_point t1 = clock_type::now();
        const std::int64_t c1 = thread_cpu_ns();
        wall[i] = clamp32(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
        cpu[i] = clamp32(c1 - c0);
        if (explain) {
            const thread_usage u1 = usage_now();
            if (u1.nivcsw == u0.nivcsw && u1.nvcsw == u0.nvcsw) {
                calm_longest = std::max(calm_longest, cpu[i]);
                if (cpu[i] > 1'000'000u) ++calm_over_1ms;
            }
            if (cpu[i] <= 250'000u) continue;
            std::printf("%s insertion %zu: cpu %.3f ms, wall %.3f ms, minor faults %ld, major %ld, "
                        "context switches %ld voluntary %ld involuntary, buckets %zu -> %zu, resizing %d -> %d\n",
                        name, i, cpu[i] / 1e6, wall[i] / 1e6, u1.minflt - u0.minflt, u1.majflt - u0.majflt,
                        u1.nvcsw - u0.nvcsw, u1.nivcsw - u0.nivcsw, buckets_before, ks.map(0).bucket_count(),
                        resizing_before ? 1 : 0, resizing(ks.map(0)) ? 1 : 0);
        }
    }
    const double total_s = std::chrono::duration<double>(clock_type::now() - start).count();
    const double cpu_s = static_cast<double>(thread_cpu_ns() - cpu_start) / 1e9;
    if (explain)
        std::printf("%-9s %9zu keys  not preempted: longest %.3f ms (cpu), over 1 ms: %zu\n", name, keys,
                    calm_longest / 1e6, calm_over_1ms);
    for (int which = 0; which < 2; ++which) {
        const summary s = summarise(which == 0 ? cpu : wall);
        std::printf("%-9s %9zu keys  %-4s %6.2f s  longest %8.3f ms  p99 %6u ns  p99.99 %9u ns  over 1 ms: %zu\n",
                    name, keys, which == 0 ? "cpu" : "wall", which == 0 ? cpu_s : total_s, s.longest / 1e6, s.p99,
                    s.p9999, s.over_1ms);
    }
    if (ks.size(0) != keys) {
        std::fprintf(stderr, "%s: %zu keys stored, expected %zu\n", name, ks.size(0), keys);
        std::exit(1);
    }
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t keys = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
    const std::string which = argc > 2 ? argv[2] : "both";
    bool explain = false, prefault = false, bad = false;
    for (int i = 3; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--explain") explain = true;
        else if (flag == "--prefault") prefault = true;
        else bad = true;
    }
    if (keys == 0 || keys > 100'000'000 || (which != "node" && which != "hash" && which != "both") || bad) {
        std::fprintf(stderr, "usage: bench_keyspace_grow [keys (1..100000000)] [node|hash|both] [--explain] [--prefault]\n");
        return 2;
    }
    if (prefault) {
        // Nodes (64-byte chunks) and bucket arrays: about 150 bytes per key, with room to spare.
        const std::size_t bytes = keys * 160 + (std::size_t{64} << 20);
        // Blocks under the mmap threshold (glibc caps it at 32 MiB) come from the heap, and
        // freed, stay in it as the top chunk (no trimming).
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, -1);
        mallopt(M_TOP_PAD, 0);
        std::vector<char*> blocks;
        for (std::size_t done = 0; done < bytes; done += 16 << 20) {
            auto* block = static_cast<char*>(std::malloc(16 << 20));
            if (block == nullptr) {
                std::fprintf(stderr, "--prefault: cannot allocate %zu bytes\n", bytes);
                return 1;
            }
            for (std::size_t i = 0; i < (16 << 20); i += 4096) block[i] = 1;
            blocks.push_back(block);
        }
        for (char* block : blocks) std::free(block);
    }
    if (which != "hash") run<store::node_map>("node_map", keys, explain);
    if (which != "node") run<store::hash_map>("hash_map", keys, explain);
    return 0;
}

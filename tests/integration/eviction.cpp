// maxmemory and eviction, checked as properties on the built respkit-server and on Debian's
// redis-server 7.0.15 configured the same way (the same maxmemory and policy): with allkeys-lru a
// key read all the time survives filling 10x maxmemory and used_memory stays near the limit;
// volatile-ttl evicts the soonest expiring keys first and never a key without a TTL; noeviction
// refuses writes with Redis's -OOM text and still serves reads and deletions; OBJECT FREQ /
// IDLETIME, RESTORE FREQ and the INFO fields; evicted keys reach the append-only file as DEL and
// touch WATCHed keys.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t maxmemory = 3 * 1024 * 1024;
const std::string value_1k(1000, 'v');

/// One of the two servers, started with the same options.
struct target {
    std::string name;
    std::unique_ptr<server_process> process;
};

/// respkit-server and redis-server (each when available), in memory, with `options`, and with
/// `own_dir` each in a directory of its own (its path appended as --dir).
std::vector<target> start_both(const std::vector<std::string>& options, std::deque<temp_dir>* own_dir = nullptr) {
    std::vector<target> out;
    std::vector<std::string> common{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory",
                                    std::to_string(maxmemory)};
    common.insert(common.end(), options.begin(), options.end());
    const std::string programs[] = {built_program("respkit-server"), find_on_path("redis-server")};
    const char* names[] = {"respkit-server", "redis-server"};
    for (int i = 0; i < 2; ++i) {
        if (programs[i].empty()) {
            MESSAGE("skipped for " << names[i] << ": not available");
            continue;
        }
        std::vector<std::string> args = common;
        if (i == 1) args.insert(args.begin(), {"--daemonize", "no"});
        if (own_dir != nullptr) {
            args.push_back("--dir");
            args.push_back(own_dir->emplace_back().path);
        }
        out.push_back({names[i], std::make_unique<server_process>(programs[i], args)});
        REQUIRE_MESSAGE(out.back().process->running(), names[i]);
    }
    return out;
}

/// The value of `field` in an INFO reply (raw bulk string), or "".
std::string info_field(const std::string& reply, const std::string& field) {
    const std::size_t at = reply.find("\r\n" + field + ":");
    if (at == std::string::npos) return {};
    const std::size_t start = at + field.size() + 3;
    return reply.substr(start, reply.find("\r\n", start) - start);
}

/// A number from INFO (0 when the call failed: no REQUIRE, it runs in threads too).
std::uint64_t info_number(raw_connection& c, const std::string& section, const std::string& field) {
    if (!c.call({"INFO", section})) return 0;
    return std::stoull("0" + info_field(c.last(), field));
}

std::string call(raw_connection& c, const std::vector<std::string>& args) {
    REQUIRE(c.call(args));
    return c.last();
}

/// Sends `count` pipelined SETs of `prefix`<i> to a 1000-byte value (i from `first`), each
/// followed by `extra(i)`'s arguments, and waits for their replies; returns how many replies
/// were errors, or `count` + 1 when they did not all come.
template <class Extra>
std::size_t pipelined_sets(raw_connection& c, const std::string& prefix, int first, int count, Extra extra) {
    std::string batch;
    for (int i = first; i < first + count; ++i) {
        std::vector<std::string> args{"SET", prefix + std::to_string(i), value_1k};
        for (std::string& a : extra(i)) args.push_back(std::move(a));
        batch += encode(args);
    }
    const std::size_t before = c.bytes().size();
    c.send(batch);
    if (!c.await(static_cast<std::size_t>(count), 20s)) return static_cast<std::size_t>(count) + 1;
    std::size_t errors = 0;
    const std::string& bytes = c.bytes();
    for (std::size_t at = before; at < bytes.size(); at = bytes.find("\r\n", at) + 2) {
        if (bytes[at] == '-') ++errors;
    }
    return errors;
}

std::size_t pipelined_sets(raw_connection& c, const std::string& prefix, int first, int count) {
    return pipelined_sets(c, prefix, first, count, [](int) { return std::vector<std::string>(); });
}

/// The last error reply received on `c` (its first 80 bytes), or "no reply" when there is none.
std::string last_error(const raw_connection& c) {
    const std::size_t at = c.bytes().rfind("\r\n-");
    return at == std::string::npos ? std::string("no reply") : printable(c.bytes().substr(at + 2, 80));
}

/// What the allkeys-lru run saw on one server.
struct lru_run {
    bool hot_always_there = true;
    std::string first_failure; ///< what first made hot_always_there false
    bool cold_evicted = false;
    std::uint64_t evicted = 0;
    std::uint64_t used_max = 0;
    std::uint64_t written = 0;
    int rounds = 0;
};

/// DBSIZE (0 when the call failed).
std::uint64_t dbsize(raw_connection& c) {
    if (!c.call({"DBSIZE"})) return 0;
    return std::stoull("0" + c.last().substr(1, c.last().size() - 3));
}

// Fills until keys are evicted, to learn how many keys fit (N); then writes rounds of 0.5 N new
// keys until 10x maxmemory was written, reading `hot` after every 50 writes. Between rounds it
// waits for the LRU clock (1 s resolution, in Redis too) to tick, so that the keys of earlier
// rounds are older than `hot`: within one second keys tie with `hot`, and a round that replaced
// nearly every key would leave only ties to choose from (redis-server then loses `hot` now and
// then; measured with rounds of 1.2 N). Rounds of 0.7 N still let respkit-server lose it once
// under ASan in a loaded CI run, where a round's keys all fell within hot's second: half of the
// keys of a round's start stay older than hot at its end with rounds of 0.5 N.
lru_run fill_lru(int port) {
    lru_run r;
    raw_connection c(port);
    const auto fail = [&r](std::string what) {
        if (r.hot_always_there) r.first_failure = std::move(what);
        r.hot_always_there = false;
    };
    if (!c.call({"SET", "hot", "h"}) || !c.call({"SET", "cold", "c"})) return {false, "SET hot or cold failed"};
    int next = 0;
    while (info_number(c, "stats", "evicted_keys") == 0 && next < 100'000) {
        if (pipelined_sets(c, "k", next, 50) != 0) fail("a SET failed while filling: " + last_error(c));
        next += 50;
        if (!c.call({"GET", "hot"}) || c.last() != "$1\r\nh\r\n") fail("GET hot while filling: " + printable(c.last()));
    }
    const int per_round = static_cast<int>(dbsize(c) / 2);
    if (per_round < 100) return {false, "fewer than 100 keys fit"};
    while (static_cast<std::uint64_t>(next) * 1000 < 10 * maxmemory) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        std::this_thread::sleep_for(1150ms - std::chrono::duration_cast<std::chrono::milliseconds>(now) % 1000ms);
        // Read at once after the pause too: otherwise the key is as old as the last keys written.
        if (!c.call({"GET", "hot"}) || c.last() != "$1\r\nh\r\n")
            fail("GET hot after the pause of round " + std::to_string(r.rounds) + ": " + printable(c.last()));
        for (int written = 0; written < per_round; written += 50) {
            if (pipelined_sets(c, "k", next, 50) != 0) // no write may fail
                fail("a SET failed in round " + std::to_string(r.rounds) + ": " +
                     last_error(c));
            next += 50;
            if (!c.call({"GET", "hot"}) || c.last() != "$1\r\nh\r\n")
                fail("GET hot in round " + std::to_string(r.rounds) + ": " + printable(c.last()));
        }
        r.used_max = std::max(r.used_max, info_number(c, "memory", "used_memory"));
        ++r.rounds;
    }
    r.written = static_cast<std::uint64_t>(next) * 1000;
    r.evicted = info_number(c, "stats", "evicted_keys");
    r.cold_evicted = c.call({"EXISTS", "cold"}) && c.last() == ":0\r\n";
    return r;
}

} // namespace

TEST_CASE("allkeys-lru: a key read all the time survives filling 10x maxmemory; used_memory stays near it") {
    std::vector<target> servers = start_both({"--maxmemory-policy", "allkeys-lru"});
    // Both at once: the test mostly waits for the LRU clock.
    std::vector<lru_run> runs(servers.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        threads.emplace_back([&runs, &servers, i] { runs[i] = fill_lru(servers[i].process->port()); });
    }
    for (std::thread& t : threads) t.join();
    for (std::size_t i = 0; i < servers.size(); ++i) {
        CAPTURE(servers[i].name);
        const lru_run& r = runs[i];
        CAPTURE(r.first_failure);
        CHECK(r.hot_always_there);
        CHECK(r.cold_evicted);
        CHECK(r.written >= 10 * maxmemory);
        CHECK(r.evicted > 0);
        CHECK(r.used_max <= maxmemory + 64 * 1024); // INFO runs after the evictions its command caused
        MESSAGE(servers[i].name << ": " << r.rounds << " rounds, evicted " << r.evicted
                                << " keys, used_memory at most " << r.used_max);
    }
}

TEST_CASE("volatile-ttl evicts the keys that expire soonest, never one without a TTL") {
    for (target& t : start_both({"--maxmemory-policy", "volatile-ttl"})) {
        CAPTURE(t.name);
        raw_connection c(t.process->port());
        CHECK(pipelined_sets(c, "persistent", 0, 200) == 0);
        // Later keys expire sooner: the newest ones are the ones to go.
        for (int i = 0; i < 4000; i += 100) {
            CHECK(pipelined_sets(c, "ttl", i, 100, [](int j) {
                      return std::vector<std::string>{"PX", std::to_string(10'000'000 - j * 1000)};
                  }) == 0);
        }
        CHECK(pipelined_sets(c, "late", 0, 500, [](int) { return std::vector<std::string>{"PX", "20000000"}; }) == 0);
        const std::uint64_t evicted = info_number(c, "stats", "evicted_keys");
        CHECK(evicted > 0);
        std::size_t persistent = 0, longest = 0, late = 0;
        for (int i = 0; i < 200; ++i) persistent += call(c, {"EXISTS", "persistent" + std::to_string(i)}) == ":1\r\n";
        for (int i = 0; i < 400; ++i) longest += call(c, {"EXISTS", "ttl" + std::to_string(i)}) == ":1\r\n";
        for (int i = 0; i < 500; ++i) late += call(c, {"EXISTS", "late" + std::to_string(i)}) == ":1\r\n";
        CHECK(persistent == 200);
        CHECK(longest >= 380); // the 10% with the longest TTLs: (nearly) all still there
        CHECK(late >= 475);    // written last, with the longest TTL of all
        MESSAGE(t.name << ": evicted " << evicted << ", longest-TTL keys left " << longest << "/400");
    }
}

TEST_CASE("noeviction refuses writes with Redis's OOM error and still serves reads and deletions") {
    for (target& t : start_both({"--maxmemory-policy", "noeviction"})) {
        CAPTURE(t.name);
        raw_connection c(t.process->port());
        int written = 0;
        for (; written < 20000; ++written) {
            REQUIRE(c.call({"SET", "k" + std::to_string(written), value_1k}));
            if (c.last() != "+OK\r\n") break;
        }
        CHECK(c.last() == "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
        CHECK(written > 100);
        // Right at the limit, used memory moves by a few bytes with every command (statistics, the
        // slow log): keep well over the limit for the checks below (noeviction evicts nothing).
        const std::uint64_t used = info_number(c, "memory", "used_memory");
        CHECK(call(c, {"CONFIG", "SET", "maxmemory", std::to_string(used - used / 10)}) == "+OK\r\n");
        CHECK(call(c, {"GET", "k0"}) == "$1000\r\n" + value_1k + "\r\n");
        CHECK(call(c, {"INCR", "counter"}) == "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
        CHECK(call(c, {"EXISTS", "k1"}) == ":1\r\n");
        CHECK(call(c, {"MULTI"}) == "+OK\r\n");
        CHECK(call(c, {"GET", "k0"}) == "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
        CHECK(call(c, {"EXEC"}).starts_with("-EXECABORT"));
        CHECK(info_number(c, "stats", "evicted_keys") == 0);
        // Deleting makes room again.
        for (int i = 0; i < written; ++i) REQUIRE(c.call({"DEL", "k" + std::to_string(i)}));
        CHECK(c.last() == ":1\r\n");
        CHECK(call(c, {"SET", "again", "x"}) == "+OK\r\n");
    }
}

TEST_CASE("OBJECT FREQ / IDLETIME, RESTORE FREQ, and INFO's maxmemory fields, as redis-server") {
    std::vector<std::vector<std::string>> replies;
    for (target& t : start_both({"--maxmemory-policy", "allkeys-lfu"})) {
        CAPTURE(t.name);
        raw_connection c(t.process->port());
        std::vector<std::string> r;
        r.push_back(call(c, {"SET", "k", "v"}));
        for (int i = 0; i < 300; ++i) REQUIRE(c.call({"GET", "k"}));
        const std::string freq = call(c, {"OBJECT", "FREQ", "k"});
        CHECK(std::stoi(freq.substr(1)) > 5);
        r.push_back(call(c, {"OBJECT", "FREQ", "nosuch"}));
        r.push_back(call(c, {"OBJECT", "IDLETIME", "k"})); // an LFU policy: the error
        const std::string payload = call(c, {"DUMP", "k"});
        const std::string dumped = payload.substr(payload.find("\r\n") + 2, payload.size() - payload.find("\r\n") - 4);
        r.push_back(call(c, {"RESTORE", "k2", "0", dumped, "FREQ", "100"}));
        r.push_back(call(c, {"OBJECT", "FREQ", "k2"}));
        REQUIRE(c.call({"INFO", "memory"}));
        for (const char* field : {"maxmemory", "maxmemory_human", "maxmemory_policy"}) {
            r.push_back(std::string(field) + ":" + info_field(c.last(), field));
        }
        r.push_back(call(c, {"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}));
        r.push_back(call(c, {"OBJECT", "FREQ", "k"})); // not LFU any more: the error
        r.push_back(call(c, {"RESTORE", "k3", "0", dumped, "IDLETIME", "1000"}));
        const std::string idle = call(c, {"OBJECT", "IDLETIME", "k3"});
        CHECK(std::stoll(idle.substr(1)) >= 1000);
        CHECK(std::stoll(idle.substr(1)) <= 1002);
        replies.push_back(std::move(r));
    }
    if (replies.size() == 2) {
        REQUIRE(replies[0].size() == replies[1].size());
        for (std::size_t i = 0; i < replies[0].size(); ++i) {
            CAPTURE(i);
            CHECK(printable(replies[0][i]) == printable(replies[1][i]));
        }
    }
}

TEST_CASE("evicted keys reach the append-only file as DEL and make a WATCHing transaction fail") {
    std::deque<temp_dir> dirs;
    std::vector<target> servers = start_both({"--maxmemory-policy", "allkeys-random", "--appendonly", "yes"}, &dirs);
    for (std::size_t i = 0; i < servers.size(); ++i) {
        const target& t = servers[i];
        CAPTURE(t.name);
        raw_connection c(t.process->port());
        raw_connection watcher(t.process->port());
        for (int j = 0; j < 5000; j += 250) {
            CHECK(pipelined_sets(c, "k", j, 250) == 0);
            if (j == 0) CHECK(call(watcher, {"WATCH", "k0"}) == "+OK\r\n");
        }
        // An evicted key counts as changed for WATCH (Redis's signalModifiedKey). Any command may
        // evict before it runs, so k0 may go between the two EXISTS: then either reply is right.
        const bool gone_before = call(c, {"EXISTS", "k0"}) == ":0\r\n";
        CHECK(call(watcher, {"MULTI"}) == "+OK\r\n");
        CHECK(call(watcher, {"PING"}) == "+QUEUED\r\n");
        const std::string exec = call(watcher, {"EXEC"});
        const bool there_after = call(c, {"EXISTS", "k0"}) == ":1\r\n";
        if (gone_before) CHECK(exec == "*-1\r\n");
        if (there_after) CHECK(exec == "*1\r\n+PONG\r\n");
        CHECK((exec == "*-1\r\n" || exec == "*1\r\n+PONG\r\n"));
        // Read last: any command may evict before it runs (this one included, counted in its reply).
        const std::uint64_t evicted = info_number(c, "stats", "evicted_keys");
        CHECK(evicted > 0);
        // Written to the file before the replies went (appendfsync everysec writes each turn).
        std::string aof;
        for (const auto& f : std::filesystem::recursive_directory_iterator(dirs[i].path)) {
            if (f.path().string().ends_with(".incr.aof")) aof += read_file(f.path());
        }
        std::size_t dels = 0;
        for (std::size_t at = aof.find("*2\r\n$3\r\nDEL\r\n"); at != std::string::npos;
             at = aof.find("*2\r\n$3\r\nDEL\r\n", at + 1)) {
            ++dels;
        }
        CHECK(dels == evicted);
    }
}

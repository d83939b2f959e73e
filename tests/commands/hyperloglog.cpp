// The HyperLogLog commands (respkit/commands/hyperloglog.hpp): tests/diff/hyperloglog.redis
// against redis-server (both keyspace maps), then the representation byte for byte: the same
// elements (integers and random strings, in several batch sizes, through sparse and dense, with
// a lowered hll-sparse-max-bytes too) added to both servers give the same GET bytes, PFADD
// replies and PFCOUNT estimates; PFMERGE and multi-key PFCOUNT of such keys agree; a value
// DUMPed by Redis RESTOREs into respkit and keeps working, and respkit's DUMP restores into Redis.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

/// The same commands on respkit and on redis-server; every reply must be identical.
struct both_servers {
    command_server<> ours_server;
    command_client ours{ours_server};
    redis_connection& theirs;
    std::size_t compared = 0;

    explicit both_servers(redis_connection& redis) : theirs(redis) {}

    /// Runs `args` on both sides, CHECKs the replies are equal, returns respkit's.
    std::string same(const std::vector<std::string>& args) {
        std::string encoded;
        resp::write_command_range(encoded, args);
        const std::string mine = ours.run(args);
        const std::string redis = theirs.request(encoded);
        CHECK_MESSAGE(mine == redis, args[0] << " " << (args.size() > 1 ? args[1] : "") << " (" << args.size()
                                             << " args)");
        ++compared;
        return mine;
    }
};

/// A small deterministic generator (xorshift64).
struct xorshift {
    std::uint64_t state;
    std::uint64_t operator()() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

/// Adds `elements` to `key` on both sides in batches of `batch`, comparing every PFADD reply and,
/// after each batch, GET's bytes and PFCOUNT.
void add_in_batches(both_servers& b, const std::string& key, const std::vector<std::string>& elements,
                    std::size_t batch) {
    for (std::size_t i = 0; i < elements.size(); i += batch) {
        std::vector<std::string> args{"PFADD", key};
        for (std::size_t j = i; j < elements.size() && j < i + batch; ++j) args.push_back(elements[j]);
        b.same(args);
        b.same({"GET", key});
        b.same({"PFCOUNT", key});
        b.same({"GET", key}); // with the cached estimate
    }
}

std::vector<std::string> integers(std::size_t from, std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::to_string(from + i));
    return out;
}

std::vector<std::string> random_strings(std::uint64_t seed, std::size_t n) {
    xorshift rng{seed};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
        std::string s(rng() % 24, '\0');
        for (char& c : s) c = static_cast<char>(rng() & 0xFF);
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace

TEST_CASE_TEMPLATE("hyperloglog.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("hyperloglog.redis"), srv.target());
    MESSAGE("hyperloglog.redis: " << compared << " replies compared");
}

TEST_CASE("HyperLogLog bytes and estimates equal redis-server's, sparse and dense") {
    redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    both_servers b(theirs);

    // Integers one at a time through the sparse form, then in growing batches past the
    // promotion to dense (3000 bytes).
    add_in_batches(b, "ints", integers(0, 300), 1);
    add_in_batches(b, "ints", integers(300, 3000), 50);
    add_in_batches(b, "ints", integers(3300, 20000), 1000);
    CHECK(b.same({"PFDEBUG", "ENCODING", "ints"}) == "+dense\r\n");
    // Random binary strings, several batch sizes.
    add_in_batches(b, "rnd7", random_strings(1, 1400), 7);
    add_in_batches(b, "rnd100", random_strings(2, 6000), 100);
    // A small hll-sparse-max-bytes promotes earlier.
    b.same({"CONFIG", "SET", "hll-sparse-max-bytes", "200"});
    add_in_batches(b, "small", random_strings(3, 400), 3);
    CHECK(b.same({"PFDEBUG", "ENCODING", "small"}) == "+dense\r\n");
    b.same({"CONFIG", "SET", "hll-sparse-max-bytes", "3000"});
    add_in_batches(b, "few", integers(100000, 40), 4);
    CHECK(b.same({"PFDEBUG", "ENCODING", "few"}) == "+sparse\r\n");
    b.same({"PFDEBUG", "DECODE", "few"});

    // Unions: sparse with sparse, sparse with dense, into new and existing keys.
    b.same({"PFCOUNT", "few", "rnd7"});
    b.same({"PFCOUNT", "few", "ints", "rnd100", "nosuch"});
    b.same({"PFMERGE", "m1", "few", "rnd7"});
    b.same({"GET", "m1"});
    b.same({"PFCOUNT", "m1"});
    b.same({"PFMERGE", "m2", "few", "ints"});
    b.same({"GET", "m2"});
    b.same({"PFCOUNT", "m2"});
    b.same({"PFMERGE", "few", "rnd7", "small"});
    b.same({"GET", "few"});
    b.same({"PFCOUNT", "few"});
    b.same({"PFMERGE", "m3", "nosuch"});
    b.same({"GET", "m3"});
    b.same({"PFMERGE", "rnd100", "m1", "m2"});
    b.same({"GET", "rnd100"});
    b.same({"PFCOUNT", "rnd100", "few", "m3"});
    // Sparse to dense on request.
    b.same({"PFDEBUG", "TODENSE", "m1"});
    b.same({"GET", "m1"});
    b.same({"PFDEBUG", "GETREG", "m1"});
    MESSAGE(b.compared << " replies compared");
}

TEST_CASE("a HyperLogLog DUMPed by redis-server RESTOREs into respkit and keeps working") {
    redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    redis_connection theirs(redis.port());
    REQUIRE(theirs.connected());
    both_servers b(theirs);
    for (const char* key : {"sparse", "dense"}) {
        const auto elements = std::string(key) == "sparse" ? integers(0, 200) : integers(0, 5000);
        std::vector<std::string> args{"PFADD", key};
        args.insert(args.end(), elements.begin(), elements.end());
        std::string encoded;
        resp::write_command_range(encoded, args);
        REQUIRE(theirs.request(encoded) == ":1\r\n");
        // Redis's DUMP payload, restored on both sides under a new name.
        const std::string dump_request = "*2\r\n$4\r\nDUMP\r\n$" + std::to_string(std::string(key).size()) + "\r\n" + key + "\r\n";
        const auto parsed = resp::parse_value(theirs.request(dump_request));
        const std::string payload(parsed.value.text());
        REQUIRE(!payload.empty());
        const std::string copy = std::string(key) + "-copy";
        b.same({"RESTORE", copy, "0", payload});
        b.same({"GET", copy});
        b.same({"PFCOUNT", copy});
        b.same({"PFADD", copy, "x", "y", "z", "more", "elements"});
        b.same({"GET", copy});
        b.same({"PFCOUNT", copy});
        // respkit's DUMP (its LZF output may differ from Redis's) restores into Redis as the same bytes.
        const std::string ours_dump(resp::parse_value(b.ours.run({"DUMP", copy})).value.text());
        std::string restore;
        resp::write_command_range(restore, std::vector<std::string>{"RESTORE", copy + "-back", "0", ours_dump});
        REQUIRE(theirs.request(restore) == "+OK\r\n");
        std::string get_back;
        resp::write_command_range(get_back, std::vector<std::string>{"GET", copy + "-back"});
        CHECK(theirs.request(get_back) == b.ours.run({"GET", copy}));
    }
}

TEST_CASE("PFSELFTEST passes and HyperLogLog commands refuse what is not one") {
    command_server<> srv;
    command_client c(srv);
    CHECK(c({"PFSELFTEST"}) == "+OK\r\n");
    CHECK(c({"SET", "s", "HYLL"}) == "+OK\r\n");
    CHECK(c({"PFADD", "s", "a"}) == "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    CHECK(c({"PFCOUNT", "s"}) == "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    // A sparse HyperLogLog without opcodes covers none of the 16384 registers: corrupt.
    CHECK(c({"SET", "short", std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16)}) == "+OK\r\n");
    CHECK(c({"PFCOUNT", "short"}) == "-INVALIDOBJ Corrupted HLL object detected\r\n");
    CHECK(c({"PFADD", "short", "a", "b", "c"}) == "-INVALIDOBJ Corrupted HLL object detected\r\n");
}

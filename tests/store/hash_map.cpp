// Tests of respkit::store::hash_map (and the SCAN contract of std_map_adapter).

#include <respkit/store/hash_map.hpp>
#include <respkit/store/keyspace_map.hpp>
#include <respkit/store/node_map.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using respkit::store::hash_map;
using respkit::store::node_map;
using respkit::store::std_map_adapter;

namespace {

std::string random_key(std::mt19937_64& rng, std::size_t universe) {
    // Short keys of varied lengths (1..40 bytes) with arbitrary bytes, drawn from a
    // bounded universe so that lookups and erasures hit.
    std::uint64_t state = rng() % universe;
    const std::size_t length = 1 + respkit::store::detail::splitmix64(state) % 40;
    std::string key(length, '\0');
    for (char& c : key)
        c = static_cast<char>(respkit::store::detail::splitmix64(state) & 0xff);
    return key;
}

template <class Map>
std::set<std::string> scan_all(const Map& map, std::size_t count) {
    std::set<std::string> seen;
    std::uint64_t cursor = 0;
    do {
        cursor =
            map.scan(cursor, count, [&](std::string_view key, const auto&) { seen.emplace(key); });
    } while (cursor != 0);
    return seen;
}

} // namespace

TEST_CASE("hash_map: empty map") {
    hash_map<int> map;
    CHECK(map.size() == 0);
    CHECK(map.empty());
    CHECK(map.find("x") == nullptr);
    CHECK_FALSE(map.erase("x"));
    CHECK(map.random_key(42) == nullptr);
    CHECK(map.scan(0, 10, [](std::string_view, const int&) { FAIL("visited an element"); }) == 0);
    CHECK(map.begin() == map.end());
    CHECK(map.check_invariants());
}

TEST_CASE("hash_map: basic insert, find, erase") {
    hash_map<int> map(1234);
    auto [value, inserted] = map.try_emplace("alpha", 1);
    CHECK(inserted);
    CHECK(*value == 1);
    auto [again, inserted_again] = map.try_emplace("alpha", 2);
    CHECK_FALSE(inserted_again);
    CHECK(*again == 1);
    CHECK(map.insert_or_assign("alpha", 3) == false);
    CHECK(*map.find("alpha") == 3);
    CHECK(map.insert_or_assign(std::string_view("", 0), 4));
    CHECK(*map.find("") == 4);
    const std::string with_nul("a\0b", 3);
    map.try_emplace(with_nul, 5);
    CHECK(*map.find(with_nul) == 5);
    CHECK(map.find("a") == nullptr);
    CHECK(map.size() == 3);
    CHECK(map.erase("alpha"));
    CHECK_FALSE(map.erase("alpha"));
    CHECK(map.find("alpha") == nullptr);
    CHECK(map.size() == 2);
    CHECK(map.check_invariants());
    map.clear();
    CHECK(map.size() == 0);
    CHECK(map.find("") == nullptr);
    CHECK(map.check_invariants());
    map.try_emplace("again", 6);
    CHECK(*map.find("again") == 6);
}

TEST_CASE("hash_map: random operations agree with std::unordered_map") {
    std::mt19937_64 rng(7);
    hash_map<std::uint64_t> map(99);
    std::unordered_map<std::string, std::uint64_t> reference;
    for (int round = 0; round < 4; ++round) {
        // Alternate growth-heavy and shrink-heavy phases so both resizes happen.
        const unsigned insert_percent = round % 2 == 0 ? 70 : 20;
        for (int i = 0; i < 20000; ++i) {
            const std::string key = random_key(rng, 15000);
            const unsigned op = static_cast<unsigned>(rng() % 100);
            if (op < insert_percent) {
                const std::uint64_t v = rng();
                const bool inserted = map.insert_or_assign(key, v);
                CHECK(inserted == reference.insert_or_assign(key, v).second);
            } else if (op < insert_percent + 15) {
                CHECK(map.erase(key) == (reference.erase(key) == 1));
            } else {
                const std::uint64_t* found = map.find(key);
                auto it = reference.find(key);
                REQUIRE((found != nullptr) == (it != reference.end()));
                if (found) CHECK(*found == it->second);
            }
        }
        REQUIRE(map.check_invariants());
        REQUIRE(map.size() == reference.size());
        std::size_t iterated = 0;
        for (const auto& element : map) {
            auto it = reference.find(element.key);
            REQUIRE(it != reference.end());
            CHECK(it->second == element.value);
            ++iterated;
        }
        CHECK(iterated == reference.size());
        for (const auto& [key, v] : reference) {
            const std::uint64_t* found = map.find(key);
            REQUIRE(found != nullptr);
            CHECK(*found == v);
        }
    }
}

TEST_CASE("hash_map: backward-shift deletion keeps every other key reachable") {
    // Many small keys in a small table make long displaced runs; erase from the middle
    // of runs in several orders and verify the layout and every lookup after each step.
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        hash_map<int> map(seed);
        std::vector<std::string> keys;
        for (int i = 0; i < 600; ++i)
            keys.push_back("k" + std::to_string(i));
        for (std::size_t i = 0; i < keys.size(); ++i)
            map.try_emplace(keys[i], static_cast<int>(i));
        REQUIRE(map.check_invariants());
        std::mt19937_64 rng(seed);
        std::vector<std::size_t> order(keys.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        std::vector<bool> present(keys.size(), true);
        for (std::size_t step = 0; step < order.size(); ++step) {
            REQUIRE(map.erase(keys[order[step]]));
            present[order[step]] = false;
            if (step % 37 == 0 || step + 1 == order.size()) {
                REQUIRE(map.check_invariants());
                for (std::size_t i = 0; i < keys.size(); ++i) {
                    const int* found = map.find(keys[i]);
                    REQUIRE((found != nullptr) == present[i]);
                    if (found) REQUIRE(*found == static_cast<int>(i));
                }
            }
        }
        CHECK(map.empty());
    }
}

TEST_CASE("hash_map: growth and shrinking keep the table small and correct") {
    hash_map<int> map(5);
    for (int i = 0; i < 30000; ++i)
        map.try_emplace(std::to_string(i), i);
    CHECK(map.check_invariants());
    CHECK(map.bucket_count() >= 30000);
    CHECK(map.bucket_count() <= 65536);
    for (int i = 0; i < 29990; ++i)
        REQUIRE(map.erase(std::to_string(i)));
    CHECK(map.check_invariants());
    CHECK(map.bucket_count() <= 64);
    for (int i = 29990; i < 30000; ++i)
        CHECK(*map.find(std::to_string(i)) == i);
}

TEST_CASE("hash_map: reserve, copy and move") {
    hash_map<std::string> map(11);
    map.reserve(1000);
    const std::size_t buckets = map.bucket_count();
    for (int i = 0; i < 1000; ++i)
        map.try_emplace("key" + std::to_string(i), "v" + std::to_string(i));
    CHECK(map.bucket_count() == buckets);
    hash_map<std::string> copy(map);
    CHECK(copy.size() == 1000);
    CHECK(*copy.find("key7") == "v7");
    CHECK(copy.check_invariants());
    hash_map<std::string> moved(std::move(map));
    CHECK(moved.size() == 1000);
    CHECK(map.size() == 0); // NOLINT(bugprone-use-after-move): moved-from is empty and usable
    CHECK(map.find("key7") == nullptr);
    map.try_emplace("fresh", "x");
    CHECK(*map.find("fresh") == "x");
    copy = moved;
    CHECK(copy.size() == 1000);
    moved = std::move(copy);
    CHECK(*moved.find("key999") == "v999");
}

TEST_CASE("hash_map: the hash spreads sequential keys over the top bits") {
    // 65536 keys "key:N" into 65536 home buckets: a random function fills 1 - 1/e of them.
    const std::uint64_t seed = 0x1234;
    std::vector<bool> used(65536, false);
    std::size_t distinct = 0;
    for (int i = 0; i < 65536; ++i) {
        const std::uint64_t h = respkit::store::hash_bytes("key:" + std::to_string(i), seed);
        const std::size_t home = static_cast<std::size_t>(h >> 48);
        if (!used[home]) {
            used[home] = true;
            ++distinct;
        }
    }
    const double fill = static_cast<double>(distinct) / 65536.0;
    CHECK(fill > 0.625);
    CHECK(fill < 0.640);
    // Keys differing in one byte differ in about half of the top 16 bits.
    std::size_t flipped = 0;
    for (int i = 0; i < 1000; ++i) {
        std::string a = "user:" + std::to_string(i) + ":profile";
        std::string b = a;
        b[static_cast<std::size_t>(i) % b.size()] ^= 1;
        const std::uint64_t x =
            respkit::store::hash_bytes(a, seed) ^ respkit::store::hash_bytes(b, seed);
        flipped += static_cast<std::size_t>(__builtin_popcountll(x >> 48));
    }
    CHECK(flipped > 7000);
    CHECK(flipped < 9000);
}

TEST_CASE_TEMPLATE("scan: a full scan of a stable map visits every element", Map, hash_map<int>,
                   node_map<int>, std_map_adapter<int>) {
    Map map(77);
    std::set<std::string> expected;
    for (int i = 0; i < 5000; ++i) {
        map.try_emplace("s" + std::to_string(i));
        expected.insert("s" + std::to_string(i));
    }
    for (std::size_t count : {1u, 10u, 100u, 10000u})
        CHECK(scan_all(map, count) == expected);
}

TEST_CASE_TEMPLATE("scan: every element present throughout is returned under growth and shrink",
                   Map, hash_map<int>, node_map<int>, std_map_adapter<int>) {
    for (int scenario = 0; scenario < 3; ++scenario) {
        Map map(static_cast<std::uint64_t>(scenario) + 1);
        std::mt19937_64 rng(static_cast<std::uint64_t>(scenario));
        std::set<std::string> stable;
        std::vector<std::string> churn;
        for (int i = 0; i < 300; ++i) {
            stable.insert("stable:" + std::to_string(i));
            map.try_emplace("stable:" + std::to_string(i));
        }
        if (scenario != 0) { // start big so the scan sees the table shrink
            for (int i = 0; i < 8000; ++i) {
                churn.push_back("churn:" + std::to_string(i));
                map.try_emplace(churn.back());
            }
        }
        std::set<std::string> seen;
        std::uint64_t cursor = 0;
        int step = 0;
        std::size_t next_churn = churn.size();
        do {
            cursor =
                map.scan(cursor, 5, [&](std::string_view key, const int&) { seen.emplace(key); });
            ++step;
            if (scenario == 0 || (scenario == 2 && step % 2 == 0)) {
                // grow: add many new keys between the first calls (the table doubles
                // several times mid-scan), then let the scan finish
                if (step <= 60)
                    for (int i = 0; i < 400; ++i)
                        map.try_emplace("new:" + std::to_string(next_churn++));
            } else {
                // shrink: drop churn keys between calls
                for (int i = 0; i < 800 && !churn.empty(); ++i) {
                    map.erase(churn.back());
                    churn.pop_back();
                }
            }
        } while (cursor != 0 && step < 100000);
        CHECK(cursor == 0);
        for (const std::string& key : stable)
            CHECK_MESSAGE(seen.count(key) == 1, key);
    }
}

TEST_CASE("hash_map: scan cursors stay valid when the table shrinks to a fraction") {
    hash_map<int> map(3);
    for (int i = 0; i < 20000; ++i)
        map.try_emplace(std::to_string(i));
    std::set<std::string> seen;
    std::uint64_t cursor =
        map.scan(0, 1000, [&](std::string_view key, const int&) { seen.emplace(key); });
    REQUIRE(cursor != 0);
    for (int i = 100; i < 20000; ++i)
        map.erase(std::to_string(i));
    REQUIRE(map.bucket_count() <= 512);
    do {
        cursor = map.scan(cursor, 7, [&](std::string_view key, const int&) { seen.emplace(key); });
    } while (cursor != 0);
    for (int i = 0; i < 100; ++i)
        CHECK(seen.count(std::to_string(i)) == 1);
}

TEST_CASE_TEMPLATE("random_key: every element is reachable, roughly uniformly", Map, hash_map<int>,
                   node_map<int>, std_map_adapter<int>) {
    Map map(5);
    for (int i = 0; i < 10; ++i)
        map.try_emplace("r" + std::to_string(i));
    std::unordered_map<std::string, int> hits;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 40000; ++i) {
        const auto key = respkit::store::detail::as_key_view(map.random_key(rng()));
        REQUIRE(key.has_value());
        ++hits[std::string(*key)];
    }
    REQUIRE(hits.size() == 10);
    for (const auto& [key, n] : hits) {
        CHECK(n > 2000); // 4000 expected for an exact uniform choice
        CHECK(n < 8000);
    }
}

TEST_CASE("hash_map: random_element is exactly uniform over the dense array") {
    hash_map<int> map(9);
    for (int i = 0; i < 4; ++i)
        map.try_emplace(std::to_string(i), i);
    std::vector<int> hits(4, 0);
    for (std::uint64_t i = 0; i < 4; ++i) {
        // The top bits of the random word pick the slot: quarter ranges map to each slot.
        const auto* element = map.random_element(i << 62);
        REQUIRE(element != nullptr);
        ++hits[static_cast<std::size_t>(element->value)];
    }
    for (int h : hits)
        CHECK(h == 1);
}

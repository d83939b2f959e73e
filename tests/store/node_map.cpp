// node_map (the keyspace's map: one node per key holding the entry and the key bytes,
// incremental resizing) and the compact value it stores: inline and heap strings at the
// boundaries, integer strings, and the keyspace operations that move entries around
// (expiry, rename, flush, SCAN while the table grows).

#include <respkit/store/keyspace.hpp>
#include <respkit/store/node_map.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace store = respkit::store;
using store::node_map;
using store::value;

namespace {

std::string node_bytes_of(const value& v) {
    store::int_chars scratch;
    return std::string(v.string_bytes(scratch));
}

// A keyspace on a manual clock, for expiry.
using manual_ks = store::keyspace<store::node_map, store::manual_clock>;

} // namespace

TEST_CASE("value: strings inline up to inline_capacity bytes, on the heap beyond") {
    static_assert(sizeof(value) == 20);
    static_assert(sizeof(store::entry) == 28);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, value::inline_capacity - 1, value::inline_capacity,
                          value::inline_capacity + 1, std::size_t{44}, std::size_t{45}, std::size_t{1000}}) {
        const std::string bytes(n, 'x');
        value v = value::from_bytes(bytes);
        CHECK(v.is_string());
        CHECK_FALSE(v.is_int_encoded());
        CHECK_FALSE(v.is_raw_hinted());
        CHECK(v.is_inline() == (n <= value::inline_capacity));
        CHECK(v.string_length() == n);
        CHECK(node_bytes_of(v) == bytes);
        value owned = value::from_string(std::string(bytes));
        CHECK(owned.is_inline() == (n <= value::inline_capacity));
        CHECK(node_bytes_of(owned) == bytes);
        value copy = v.clone();
        CHECK(node_bytes_of(copy) == bytes);
        value moved = std::move(v);
        CHECK(node_bytes_of(moved) == bytes);
        CHECK(v.string_length() == 0); // NOLINT(bugprone-use-after-move): moved-from is empty
    }
}

TEST_CASE("value: integer strings, raw_string and reassignment across encodings") {
    value v = value::from_bytes("-9223372036854775808");
    CHECK(v.is_int_encoded());
    std::int64_t n = 0;
    CHECK_FALSE(v.to_int64(n));
    CHECK(n == INT64_MIN);
    CHECK(v.string_length() == 20);
    CHECK(value::from_bytes("007").is_inline()); // not canonical: bytes
    CHECK_FALSE(value::from_bytes("9223372036854775808").is_int_encoded()); // too big for int64
    CHECK_FALSE(value::from_bytes("9223372036854775808").is_inline());      // 19 bytes
    CHECK(value::from_bytes("922337203685477580").is_int_encoded());

    v.raw_string().append("1"); // APPEND to an integer: heap bytes with the raw hint
    CHECK(v.is_raw_hinted());
    CHECK(node_bytes_of(v) == "-92233720368547758081");
    v.assign_raw("short"); // back inline, hint cleared
    CHECK(v.is_inline());
    CHECK_FALSE(v.is_raw_hinted());
    CHECK(node_bytes_of(v) == "short");
    v.raw_string()[0] = 'S'; // SETRANGE on an inline string
    CHECK(v.is_raw_hinted());
    CHECK(node_bytes_of(v) == "Short");
    CHECK(v.clone().is_raw_hinted());

    // Assigning a view of the value's own bytes (heap -> inline, heap -> heap, inline -> inline).
    value big = value::from_bytes(std::string(40, 'a') + "tail");
    store::int_chars scratch;
    big.assign_raw(big.string_bytes(scratch).substr(40));
    CHECK(node_bytes_of(big) == "tail");
    big.assign_raw(big.string_bytes(scratch).substr(1));
    CHECK(node_bytes_of(big) == "ail");
    value heap = value::from_bytes(std::string(30, 'b') + std::string(30, 'c'));
    heap.assign_raw(heap.string_bytes(scratch).substr(10));
    CHECK(node_bytes_of(heap) == std::string(20, 'b') + std::string(30, 'c'));

    value list = value::make(store::value_kind::list);
    list.list().push_back("x");
    list.assign_int(5); // the list is freed (ASan checks)
    CHECK(list.is_int_encoded());
    list = value::make(store::value_kind::zset);
    CHECK(list.kind() == store::value_kind::zset);
}

TEST_CASE("node_map: random operations agree with std::unordered_map, resizing included") {
    node_map<int> map(11);
    std::unordered_map<std::string, int> reference;
    std::mt19937_64 rng(3);
    std::size_t seen_rehashing = 0;
    for (int round = 0; round < 40000; ++round) {
        // Phases of growth and of shrinking so both directions resize incrementally.
        const bool growing = (round / 10000) % 2 == 0;
        const std::string key = "k" + std::to_string(rng() % 6000);
        const auto op = rng() % 10;
        if (op < (growing ? 7u : 1u)) {
            const auto [slot, inserted] = map.try_emplace(key, round);
            CHECK(inserted == (reference.count(key) == 0));
            if (inserted) reference[key] = round;
            CHECK(*slot == reference[key]);
        } else if (op < 9) {
            CHECK(map.erase(key) == (reference.erase(key) == 1));
        } else {
            const int* found = map.find(key);
            const auto it = reference.find(key);
            REQUIRE((found != nullptr) == (it != reference.end()));
            if (found) CHECK(*found == it->second);
        }
        if (map.rehashing()) ++seen_rehashing;
        if (round % 997 == 0) REQUIRE(map.check_invariants());
    }
    CHECK(seen_rehashing > 0);
    CHECK(map.size() == reference.size());
    REQUIRE(map.check_invariants());
    std::size_t visited = 0;
    map.for_each([&](std::string_view key, const int& v) {
        ++visited;
        CHECK(reference.at(std::string(key)) == v);
    });
    CHECK(visited == reference.size());
}

TEST_CASE("node_map: values do not move, and the table resizes a few buckets at a time") {
    node_map<std::string> map(5);
    std::vector<std::string*> slots;
    for (int i = 0; i < 5000; ++i)
        slots.push_back(map.try_emplace("key" + std::to_string(i), "v" + std::to_string(i)).first);
    for (int i = 0; i < 5000; ++i) {
        CHECK(map.find("key" + std::to_string(i)) == slots[static_cast<std::size_t>(i)]);
        CHECK(*slots[static_cast<std::size_t>(i)] == "v" + std::to_string(i));
    }
    // 4096 buckets full at 4096 elements: the next insertions move to 8192 buckets gradually.
    REQUIRE(map.rehashing());
    CHECK(map.bucket_count() == 4096 + 8192);
    while (map.rehash(1)) {}
    CHECK(map.bucket_count() == 8192);
    CHECK(map.check_invariants());
    // Erasing down below 1/10 of the buckets starts a shrink.
    for (int i = 0; i < 4990; ++i)
        CHECK(map.erase("key" + std::to_string(i)));
    while (map.rehash(100)) {}
    CHECK(map.bucket_count() <= 128);
    CHECK(map.size() == 10);
    CHECK(*map.find("key4999") == "v4999");
    CHECK(map.allocated_bytes() == map.bucket_count() * sizeof(void*) + 10 * node_map<std::string>::node_bytes(7));
    map.clear();
    CHECK(map.empty());
    CHECK(map.find("key4999") == nullptr);
    CHECK(map.bucket_count() == 0);
    map.try_emplace(""); // the empty key is a key
    CHECK(map.find("") != nullptr);
    node_map<std::string> other(std::move(map));
    CHECK(other.size() == 1);
    CHECK(map.size() == 0); // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST_CASE("node_map: a scan while the table grows and while it shrinks returns every stable key") {
    for (const bool grow : {true, false}) {
        node_map<int> map(21);
        std::set<std::string> stable;
        for (int i = 0; i < 500; ++i) {
            stable.insert("stable:" + std::to_string(i));
            map.try_emplace("stable:" + std::to_string(i));
        }
        if (!grow)
            for (int i = 0; i < 20000; ++i)
                map.try_emplace("churn:" + std::to_string(i));
        std::set<std::string> seen;
        std::uint64_t cursor = 0;
        int next = 0;
        int steps = 0;
        bool scanned_while_rehashing = false;
        do {
            scanned_while_rehashing = scanned_while_rehashing || map.rehashing();
            cursor = map.scan(cursor, 3, [&](std::string_view key, const int&) { seen.emplace(key); });
            // Growth stops after 150 steps: a scan of COUNT 3 never ends under endless growth.
            for (int i = 0; i < 50 && (!grow || steps < 150); ++i, ++next) {
                if (grow) map.try_emplace("new:" + std::to_string(next));
                else map.erase("churn:" + std::to_string(next));
            }
            ++steps;
        } while (cursor != 0 && steps < 100000);
        CHECK(cursor == 0);
        CHECK(scanned_while_rehashing);
        for (const std::string& key : stable)
            CHECK_MESSAGE(seen.count(key) == 1, key);
    }
}

TEST_CASE("keyspace entries: expiry set and removed, rename, flush") {
    manual_ks ks(store::keyspace_options{2, 7});
    ks.clock().set(1000);
    ks.set(0, "a", value::from_bytes(std::string(18, 'x')));
    ks.set(0, "b", value::from_int(42));
    CHECK(ks.set_expiry(0, "a", 5000));
    CHECK(ks.expires_count(0) == 1);
    CHECK(ks.expiry(0, "a").at_ms == 5000);
    CHECK_FALSE(ks.expiry(0, "b").at_ms.has_value());
    CHECK(ks.persist(0, "a"));
    CHECK(ks.expires_count(0) == 0);
    CHECK(ks.set_expiry(0, "a", 5000));

    // Rename carries the value and the TTL to a key of another length (another node).
    REQUIRE(ks.rename(0, "a", "a-much-longer-key-name-than-before").renamed);
    CHECK_FALSE(ks.exists(0, "a"));
    CHECK(ks.expiry(0, "a-much-longer-key-name-than-before").at_ms == 5000);
    const value* v = ks.find(0, "a-much-longer-key-name-than-before");
    REQUIRE(v != nullptr);
    CHECK(node_bytes_of(*v) == std::string(18, 'x'));
    // Rename onto a key with a TTL drops the target's TTL record.
    CHECK(ks.set_expiry(0, "b", 9000));
    REQUIRE(ks.rename(0, "a-much-longer-key-name-than-before", "b").renamed);
    CHECK(ks.expires_count(0) == 1);
    CHECK(ks.expiry(0, "b").at_ms == 5000);
    CHECK(ks.size(0) == 1);

    ks.clock().set(6000); // "b" expired: reads as missing and goes
    CHECK(ks.find(0, "b") == nullptr);
    CHECK(ks.size(0) == 0);
    CHECK(ks.expires_count(0) == 0);

    for (int i = 0; i < 3000; ++i) {
        ks.set(1, "k" + std::to_string(i), value::from_bytes(std::string(static_cast<std::size_t>(i % 40), 'v')));
        if (i % 3 == 0) CHECK(ks.set_expiry(1, "k" + std::to_string(i), 100000));
    }
    CHECK(ks.expires_count(1) == 1000);
    CHECK(ks.flush(1) == 3000);
    CHECK(ks.size(1) == 0);
    CHECK(ks.expires_count(1) == 0);
    CHECK_FALSE(ks.random_key(1).has_value());
    ks.set(1, "again", value::from_bytes("1"));
    CHECK(ks.random_key(1) == std::optional<std::string_view>("again"));
}

TEST_CASE("keyspace entries: SCAN returns every key while the database grows, and active_rehash finishes") {
    store::keyspace<> ks(store::keyspace_options{1, 9});
    for (int i = 0; i < 1000; ++i)
        ks.set(0, "base:" + std::to_string(i), value::from_int(i));
    std::set<std::string> seen;
    std::uint64_t cursor = 0;
    int added = 0;
    do {
        std::vector<std::string> out;
        store::scan_options options;
        options.count = 5;
        cursor = ks.scan(0, cursor, out, options);
        seen.insert(out.begin(), out.end());
        for (int i = 0; i < 40; ++i)
            ks.set(0, "grow:" + std::to_string(added++), value::from_bytes("x"));
    } while (cursor != 0);
    for (int i = 0; i < 1000; ++i)
        CHECK(seen.count("base:" + std::to_string(i)) == 1);
    for (int i = 0; i < 100000 && !ks.map(0).rehashing(); ++i)
        ks.set(0, "grow:" + std::to_string(added++), value::from_bytes("x"));
    REQUIRE(ks.map(0).rehashing());
    CHECK_FALSE(ks.active_rehash(std::chrono::seconds(10)));
    CHECK_FALSE(ks.map(0).rehashing());
    CHECK(ks.map(0).check_invariants());
    CHECK(ks.size(0) == static_cast<std::size_t>(1000 + added));
}

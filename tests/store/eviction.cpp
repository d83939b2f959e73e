// Tests of access tracking (LRU clock, LFU counter) and of store::evictor's policies over a
// keyspace with manual_clock: which keys each policy chooses, what it never chooses, and what
// observers and statistics see.

#include <respkit/store.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace respkit::store;

namespace {

using ks_type = keyspace<hash_map, manual_clock>;
constexpr std::int64_t t0 = 1'700'000'000'000;

ks_type make_keyspace(std::size_t databases = 4) { return ks_type(keyspace_options{databases, 7}, manual_clock(t0)); }

void advance(ks_type& ks, std::int64_t ms) {
    ks.clock().advance(ms);
    ks.refresh_access_clock();
}

std::uint64_t idle_of(ks_type& ks, std::size_t db, std::string_view key) {
    const entry* e = ks.peek_entry(db, key);
    REQUIRE(e != nullptr);
    return ks.idle_ms(*e);
}

std::uint8_t freq_of(ks_type& ks, std::size_t db, std::string_view key) {
    const entry* e = ks.peek_entry(db, key);
    REQUIRE(e != nullptr);
    return ks.frequency(*e);
}

} // namespace

static_assert(sizeof(entry) == sizeof(value) + 8, "the access field lives in the entry's padding");

TEST_CASE("access: the LRU clock and the LFU counter's arithmetic") {
    CHECK(access::lru_idle_ms(10, 4) == 6000);
    CHECK(access::lru_idle_ms(2, access::lru_clock_max - 1) == 3000); // wrapped once
    CHECK(access::lru_stamp_idle(100, 30) == 70);
    CHECK(access::lru_stamp_idle(10, 30) == access::lru_clock_max - 20);
    CHECK(access::lfu_decayed(access::lfu_field(100, 20), 103, 1) == 17);
    CHECK(access::lfu_decayed(access::lfu_field(100, 20), 103, 0) == 20); // decay off
    CHECK(access::lfu_decayed(access::lfu_field(100, 2), 150, 1) == 0);
    CHECK(access::lfu_decayed(access::lfu_field(65530, 9), 4, 2) == 5); // minutes wrapped: 9 elapsed, 4 periods
    CHECK(access::lfu_incremented(5, 0.99, 10) == 6); // at or under the initial value: always
    CHECK(access::lfu_incremented(6, 0.5, 10) == 6);  // p = 1/11
    CHECK(access::lfu_incremented(6, 0.05, 10) == 7);
    CHECK(access::lfu_incremented(255, 0.0, 0) == 255);
}

TEST_CASE("keyspace: reads and writes stamp the access time; EXISTS, TYPE, TTL and OBJECT do not") {
    ks_type ks = make_keyspace();
    ks.set(0, "a", value::from_bytes("1"));
    ks.set(0, "b", value::from_bytes("2"));
    advance(ks, 5000);
    CHECK(idle_of(ks, 0, "a") == 5000);
    CHECK(ks.exists(0, "a"));
    CHECK(ks.type_name(0, "a") == "string");
    CHECK(ks.expiry(0, "a").exists);
    CHECK(idle_of(ks, 0, "a") == 5000);
    CHECK(ks.find(0, "a") != nullptr);
    CHECK(idle_of(ks, 0, "a") == 0);
    CHECK(ks.find_for_write(0, "b") != nullptr);
    CHECK(idle_of(ks, 0, "b") == 0);
    advance(ks, 3000);
    CHECK(ks.set_expiry(0, "b", t0 + 100'000));
    CHECK(idle_of(ks, 0, "b") == 0);
    // A rename carries the access time along.
    advance(ks, 2000);
    CHECK(ks.rename(0, "a", "c").renamed);
    CHECK(idle_of(ks, 0, "c") == 0);
    advance(ks, 2000);
    CHECK(idle_of(ks, 0, "c") == 2000);
    // Paused (a child saving): lookups leave the stamps alone.
    ks.set_access_tracking(false);
    CHECK(ks.find(0, "c") != nullptr);
    CHECK(idle_of(ks, 0, "c") == 2000);
    ks.set_access_tracking(true);
    // RESTORE IDLETIME.
    CHECK(ks.set_access(0, "c", 120, std::nullopt));
    CHECK(idle_of(ks, 0, "c") == 120'000);
    CHECK(!ks.set_access(0, "c", std::nullopt, 9)); // FREQ is for LFU
    CHECK(!ks.set_access(0, "missing", 1, std::nullopt));
}

TEST_CASE("keyspace: LFU counters start at 5, grow logarithmically with accesses and decay when idle") {
    ks_type ks = make_keyspace();
    ks.set_access_options({access_mode::lfu, 10, 1});
    ks.set(0, "hot", value::from_bytes("x"));
    ks.set(0, "cold", value::from_bytes("x"));
    CHECK(freq_of(ks, 0, "hot") == 5);
    for (int i = 0; i < 1000; ++i) (void)ks.find(0, "hot");
    const std::uint8_t hot = freq_of(ks, 0, "hot");
    CHECK(hot > 10);
    CHECK(hot < 40); // log factor 10: about 1000 accesses reach ~18
    CHECK(freq_of(ks, 0, "cold") == 5);
    // One minute idle: one less (lfu-decay-time 1), read without touching.
    advance(ks, 60'000);
    CHECK(freq_of(ks, 0, "hot") == hot - 1);
    // With log factor 0 every access counts.
    ks.set_access_options({access_mode::lfu, 0, 1});
    for (int i = 0; i < 20; ++i) (void)ks.find(0, "cold");
    CHECK(freq_of(ks, 0, "cold") == 24); // decayed to 4 by the idle minute, then 20 accesses
    CHECK(ks.set_access(0, "cold", std::nullopt, 200));
    CHECK(freq_of(ks, 0, "cold") == 200);
    // An overwrite keeps the counter (as Redis under LFU).
    ks.set(0, "cold", value::from_bytes("y"));
    CHECK(freq_of(ks, 0, "cold") >= 200);
}

TEST_CASE("evictor: allkeys-lru evicts idle keys before a key read all the time") {
    ks_type ks = make_keyspace();
    evictor ev;
    ks.set(0, "hot", value::from_bytes("h"));
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 50; ++i) ks.set(round % 4, "k" + std::to_string(round) + ":" + std::to_string(i), value::from_bytes("v"));
        advance(ks, 1000);
        (void)ks.find(0, "hot");
        for (int i = 0; i < 45; ++i) CHECK(ev.evict_one(ks, eviction_policy::allkeys_lru, 5));
    }
    CHECK(ks.exists(0, "hot"));
    CHECK(ks.stats().evicted_keys == 900);
    // Evict everything: the last key standing goes last.
    while (ev.evict_one(ks, eviction_policy::allkeys_lru, 5)) {}
    for (std::size_t db = 0; db < ks.db_count(); ++db) CHECK(ks.size(db) == 0);
    CHECK(ks.stats().evicted_keys == 1001);
}

TEST_CASE("evictor: volatile policies never evict keys without a TTL; volatile-ttl the soonest first") {
    ks_type ks = make_keyspace(2);
    evictor ev;
    for (int i = 0; i < 100; ++i) ks.set(i % 2, "persistent" + std::to_string(i), value::from_bytes("v"));
    for (int i = 0; i < 100; ++i) {
        const std::string key = "ttl" + std::to_string(i);
        ks.set(i % 2, key, value::from_bytes("v"));
        ks.set_expiry(i % 2, key, t0 + 1'000'000 + i * 1000);
    }
    for (int i = 0; i < 50; ++i) CHECK(ev.evict_one(ks, eviction_policy::volatile_ttl, 5));
    int early_gone = 0, late_gone = 0;
    for (int i = 0; i < 100; ++i) {
        const bool gone = !ks.stored(i % 2, "ttl" + std::to_string(i));
        (i < 50 ? early_gone : late_gone) += gone ? 1 : 0;
    }
    CHECK(early_gone + late_gone == 50);
    CHECK(late_gone <= 5); // sampled: nearly always the sooner half
    for (const eviction_policy p : {eviction_policy::volatile_lru, eviction_policy::volatile_lfu,
                                    eviction_policy::volatile_random, eviction_policy::volatile_ttl}) {
        CAPTURE(eviction_policy_name(p));
        ks_type k2 = make_keyspace(1);
        for (int i = 0; i < 20; ++i) k2.set(0, "p" + std::to_string(i), value::from_bytes("v"));
        k2.set(0, "t", value::from_bytes("v"));
        k2.set_expiry(0, "t", t0 + 5000);
        CHECK(ev.evict_one(k2, p, 5));
        CHECK(!k2.stored(0, "t"));
        CHECK(!ev.evict_one(k2, p, 5)); // nothing left it may choose
        CHECK(k2.size(0) == 20);
        ev.reset();
    }
    CHECK(!ev.evict_one(ks, eviction_policy::noeviction, 5));
}

TEST_CASE("evictor: allkeys-random and allkeys-lfu; evictions reach observers as evicted") {
    ks_type ks = make_keyspace(3);
    std::vector<std::string> seen;
    auto observer = [&](key_event e, std::size_t db, std::string_view key) {
        if (e == key_event::evicted) seen.push_back(std::to_string(db) + ":" + std::string(key));
    };
    ks.add_observer(observer);
    evictor ev;
    for (int i = 0; i < 30; ++i) ks.set(i % 3, "r" + std::to_string(i), value::from_bytes("v"));
    for (int i = 0; i < 30; ++i) CHECK(ev.evict_one(ks, eviction_policy::allkeys_random, 5));
    CHECK(!ev.evict_one(ks, eviction_policy::allkeys_random, 5));
    CHECK(seen.size() == 30);
    CHECK(ks.stats().evicted_keys == 30);
    ks.remove_observer(observer);

    ks.set_access_options({access_mode::lfu, 0, 1});
    for (int i = 0; i < 40; ++i) ks.set(0, "f" + std::to_string(i), value::from_bytes("v"));
    for (int j = 0; j < 10; ++j) (void)ks.find(0, "f0");
    for (int i = 0; i < 39; ++i) CHECK(ev.evict_one(ks, eviction_policy::allkeys_lfu, 5));
    CHECK(ks.stored(0, "f0")); // the one key used more than once is the last one left
}

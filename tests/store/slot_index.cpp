// Tests of the keyspace's per-slot key index (cluster mode): counts and lists kept through every
// way a key comes and goes, checked against a model of Redis's slots_to_keys (a list per slot,
// new keys at the head) after each operation of a random sequence.

#include <respkit/cluster/key_slot.hpp>
#include <respkit/store.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace respkit::store;
using respkit::cluster::key_slot;

namespace {

using slot_ks = keyspace<node_map, manual_clock>;

constexpr std::int64_t slot_t0 = 1'700'000'000'000;

slot_ks make_slot_ks() {
    return slot_ks(keyspace_options{4, 7}, manual_clock(slot_t0));
}

std::vector<std::string> slot_keys(const slot_ks& ks, unsigned slot,
                                   std::uint64_t limit = UINT64_MAX) {
    std::vector<std::string> out;
    ks.for_each_key_in_slot(0, slot, limit, [&](std::string_view k) { out.emplace_back(k); });
    return out;
}

// Redis's order: a key added goes to the head of its slot's list; a key removed leaves it.
struct slot_model {
    std::map<unsigned, std::list<std::string>> slots;
    void add(const std::string& k) { slots[key_slot(k)].push_front(k); }
    void remove(const std::string& k) { slots[key_slot(k)].remove(k); }
    void clear() { slots.clear(); }
    [[nodiscard]] bool has(const std::string& k) const {
        const auto it = slots.find(key_slot(k));
        return it != slots.end() &&
               std::find(it->second.begin(), it->second.end(), k) != it->second.end();
    }
};

void check_slot_model(const slot_ks& ks, const slot_model& m) {
    std::uint64_t total = 0;
    for (const auto& [slot, keys] : m.slots) {
        CHECK(ks.count_keys_in_slot(0, slot) == keys.size());
        CHECK(slot_keys(ks, slot) == std::vector<std::string>(keys.begin(), keys.end()));
        total += keys.size();
    }
    CHECK(total == ks.size(0));
}

} // namespace

TEST_CASE("slot index: off by default, on only for an empty database over node_map") {
    slot_ks ks = make_slot_ks();
    CHECK_FALSE(ks.has_slot_index(0));
    CHECK(ks.slot_index_bytes_per_key(0) == 0);
    CHECK(ks.map(0).node_extra() == 0);
    ks.set(1, "k", value::from_bytes("v"));
    CHECK_FALSE(ks.enable_slot_index(1)); // not empty
    CHECK(ks.enable_slot_index(0));
    CHECK(ks.enable_slot_index(0)); // already on
    CHECK(ks.has_slot_index(0));
    CHECK(ks.slot_index_bytes_per_key(0) == 2 * sizeof(void*));
    CHECK_FALSE(ks.has_slot_index(1));

    keyspace<hash_map, manual_clock> flat(keyspace_options{1, 7}, manual_clock(slot_t0));
    CHECK_FALSE(flat.enable_slot_index(0)); // its entries cannot carry links
    CHECK_FALSE(flat.has_slot_index(0));
}

TEST_CASE(
    "slot index: counts and newest-first lists through sets, deletes, renames, expiry, flush") {
    slot_ks ks = make_slot_ks();
    REQUIRE(ks.enable_slot_index(0));
    const unsigned s = key_slot("{t}");
    for (const char* k : {"{t}a", "{t}b", "{t}c"})
        ks.set(0, k, value::from_bytes("1"));
    CHECK(ks.count_keys_in_slot(0, s) == 3);
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}c", "{t}b", "{t}a"});
    CHECK(slot_keys(ks, s, 2) == std::vector<std::string>{"{t}c", "{t}b"});
    CHECK(slot_keys(ks, s, 0).empty());

    ks.set(0, "{t}a", value::from_bytes("2")); // overwritten in place: its place is kept
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}c", "{t}b", "{t}a"});
    CHECK(ks.erase(0, "{t}b"));
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}c", "{t}a"});

    CHECK(ks.rename(0, "{t}a", "{t}c").renamed); // the target is deleted, then added at the head
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}c"});
    CHECK(ks.rename(0, "{t}c", "other").renamed); // to another slot
    CHECK(ks.count_keys_in_slot(0, s) == 0);
    CHECK(slot_keys(ks, key_slot("other")) == std::vector<std::string>{"other"});

    ks.set(0, "{t}x", value::from_bytes("1"));
    ks.set(0, "{t}y", value::from_bytes("1"));
    CHECK(ks.set_expiry(0, "{t}x", slot_t0 + 10));
    ks.clock().advance(11);
    CHECK(ks.count_keys_in_slot(0, s) == 2);     // expired but stored: counted, as in Redis
    ks.set(0, "{t}x", value::from_bytes("new")); // the expired key goes, the new one is added
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}x", "{t}y"});
    CHECK(ks.set_expiry(0, "{t}y", slot_t0));
    CHECK(ks.find(0, "{t}y") == nullptr); // lazily expired
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}x"});

    ks.flush(0);
    CHECK(ks.count_keys_in_slot(0, s) == 0);
    CHECK(ks.count_keys_in_slot(0, key_slot("other")) == 0);
    ks.set(0, "{t}z", value::from_bytes("1")); // the index works on after a flush
    CHECK(slot_keys(ks, s) == std::vector<std::string>{"{t}z"});
    CHECK(ks.map(0).node_extra() == 2 * sizeof(void*));
}

TEST_CASE("slot index: eviction, active expiry, MOVE and SWAPDB keep it right") {
    slot_ks ks = make_slot_ks();
    REQUIRE(ks.enable_slot_index(0));
    ks.set(0, "a", value::from_bytes("1"));
    ks.set(0, "b", value::from_bytes("1"));
    CHECK(ks.evict(0, "a"));
    CHECK(ks.count_keys_in_slot(0, key_slot("a")) == 0);
    CHECK(ks.set_expiry(0, "b", slot_t0 + 1));
    ks.clock().advance(5);
    (void)ks.active_expire_cycle(std::chrono::milliseconds(100));
    CHECK(ks.size(0) == 0);
    CHECK(ks.count_keys_in_slot(0, key_slot("b")) == 0);

    ks.set(1, "m", value::from_bytes("1"));
    CHECK(ks.move(1, 0, "m"));
    CHECK(slot_keys(ks, key_slot("m")) == std::vector<std::string>{"m"});
    CHECK(ks.move(0, 1, "m"));
    CHECK(ks.count_keys_in_slot(0, key_slot("m")) == 0);

    ks.set(0, "n", value::from_bytes("1"));
    ks.swap_databases(0, 2); // the index goes with the keys it links
    CHECK_FALSE(ks.has_slot_index(0));
    CHECK(ks.has_slot_index(2));
    CHECK(ks.count_keys_in_slot(2, key_slot("n")) == 1);
    ks.swap_databases(0, 2);
    CHECK(slot_keys(ks, key_slot("n")) == std::vector<std::string>{"n"});
}

TEST_CASE("slot index: a random sequence of writes matches the model after every step") {
    slot_ks ks = make_slot_ks();
    REQUIRE(ks.enable_slot_index(0));
    slot_model m;
    std::mt19937_64 random(20261204);
    // Keys over three hash tags and a few plain ones: several keys share each slot.
    std::vector<std::string> names;
    for (const char* tag : {"{a}", "{b}", "{c}", ""})
        for (int i = 0; i < 6; ++i)
            names.push_back(std::string(tag) + "k" + std::to_string(i));
    const auto pick = [&] { return names[random() % names.size()]; };
    for (int step = 0; step < 3000; ++step) {
        const std::string k = pick();
        const bool stored = ks.stored(0, k);
        switch (random() % 9) {
        case 0:
        case 1: { // SET: a stored expired key is replaced by a new one at the head
            const bool expired = stored && ks.stored_expired(0, k);
            ks.set(0, k, value::from_bytes("v"));
            if (!stored) m.add(k);
            if (expired) {
                m.remove(k);
                m.add(k);
            }
            break;
        }
        case 2: {                                               // LPUSH-like creation
            if (stored && ks.stored_expired(0, k)) m.remove(k); // expired on lookup
            const auto r = ks.find_or_create(0, k, value_kind::list);
            if (r.created) m.add(k);
            break;
        }
        case 3:                      // DEL
            if (stored) m.remove(k); // deleted, or expired on lookup
            (void)ks.erase(0, k);
            break;
        case 4: { // RENAME
            const std::string to = pick();
            const bool from_live = stored && !ks.stored_expired(0, k);
            if (stored && !from_live) m.remove(k);
            if (!from_live || k == to) {
                (void)ks.rename(0, k, to);
                break;
            }
            if (ks.stored(0, to)) m.remove(to); // replaced (or expired first)
            m.remove(k);
            m.add(to);
            CHECK(ks.rename(0, k, to).renamed);
            break;
        }
        case 5: // EXPIRE a little later
            if (stored && ks.stored_expired(0, k)) m.remove(k);
            (void)ks.set_expiry(0, k,
                                ks.clock().now_ms() + static_cast<std::int64_t>(random() % 20));
            break;
        case 6: // time passes; active expiry
            ks.clock().advance(static_cast<std::int64_t>(random() % 10));
            if (random() % 4 == 0) {
                (void)ks.active_expire_cycle(std::chrono::milliseconds(50));
                for (const std::string& n : names)
                    if (m.has(n) && !ks.stored(0, n)) m.remove(n);
            }
            break;
        case 7: // eviction
            if (stored) {
                CHECK(ks.evict(0, k));
                m.remove(k);
            }
            break;
        case 8:
            if (random() % 50 == 0) {
                ks.flush(0);
                m.clear();
            }
            break;
        }
        check_slot_model(ks, m);
    }
    CHECK(ks.map(0).check_invariants());
}

TEST_CASE("slot index: many keys survive the map's resizes") {
    slot_ks ks = make_slot_ks();
    REQUIRE(ks.enable_slot_index(0));
    std::map<unsigned, std::uint64_t> counts;
    for (int i = 0; i < 20000; ++i) {
        const std::string k = "key:" + std::to_string(i);
        ks.set(0, k, value::from_bytes("v"));
        ++counts[key_slot(k)];
    }
    for (int i = 0; i < 20000; i += 2) {
        const std::string k = "key:" + std::to_string(i);
        CHECK(ks.erase(0, k));
        --counts[key_slot(k)];
    }
    std::uint64_t total = 0;
    for (unsigned s = 0; s < respkit::cluster::slot_count; ++s) {
        const std::uint64_t expected = counts.contains(s) ? counts[s] : 0;
        CHECK(ks.count_keys_in_slot(0, s) == expected);
        const auto keys = slot_keys(ks, s);
        CHECK(keys.size() == expected);
        for (const std::string& k : keys)
            CHECK(key_slot(k) == s);
        total += expected;
    }
    CHECK(total == 10000);
}

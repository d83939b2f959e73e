// Tests of respkit::store::keyspace over both maps, values, and expiry with manual_clock.

#include <respkit/store.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

using namespace respkit::store;
using respkit::errc;

using default_ks = keyspace<hash_map, manual_clock>;
using std_ks = keyspace<std_map_adapter, manual_clock>;

#define KEYSPACE_TYPES default_ks, std_ks

namespace {

constexpr std::int64_t ks_t0 = 1'700'000'000'000;

template <class KS>
KS make_keyspace(std::size_t databases = 16) {
    return KS(keyspace_options{databases, 42}, manual_clock(ks_t0));
}

std::string bytes_of(const value& v) {
    int_chars scratch;
    return std::string(v.string_bytes(scratch));
}

struct event_log {
    std::vector<std::string> events;
    void operator()(key_event e, std::size_t db, std::string_view key) {
        static constexpr const char* names[] = {"modified", "deleted", "expired", "flushed", "evicted"};
        events.push_back(std::string(names[static_cast<int>(e)]) + ":" + std::to_string(db) + ":" +
                         std::string(key));
    }
};

template <class KS>
std::set<std::string> full_scan(KS& ks, std::size_t db, const scan_options& options = {}) {
    std::set<std::string> seen;
    std::vector<std::string> out;
    std::uint64_t cursor = 0;
    do {
        out.clear();
        cursor = ks.scan(db, cursor, out, options);
        seen.insert(out.begin(), out.end());
    } while (cursor != 0);
    return seen;
}

} // namespace

// --- values ---------------------------------------------------------------------------

TEST_CASE("value: canonical integers are stored as int64, like Redis's string2ll") {
    struct row {
        std::string_view text;
        bool integer;
        std::int64_t number;
    };
    const row rows[] = {
        {"0", true, 0},
        {"1", true, 1},
        {"-1", true, -1},
        {"12345", true, 12345},
        {"9223372036854775807", true, std::numeric_limits<std::int64_t>::max()},
        {"-9223372036854775808", true, std::numeric_limits<std::int64_t>::min()},
        {"9223372036854775808", false, 0},
        {"-9223372036854775809", false, 0},
        {"18446744073709551616", false, 0},
        {"99999999999999999999", false, 0},
        {"-0", false, 0},
        {"00", false, 0},
        {"01", false, 0},
        {"+1", false, 0},
        {" 1", false, 0},
        {"1 ", false, 0},
        {"-", false, 0},
        {"", false, 0},
        {"1.0", false, 0},
        {"0x10", false, 0},
        {"000000000000000000001", false, 0},
        {std::string_view("1\0", 2), false, 0},
    };
    for (const row& r : rows) {
        CAPTURE(r.text);
        const value v = value::from_bytes(r.text);
        CHECK(v.kind() == value_kind::string);
        CHECK(v.is_string());
        CHECK(v.is_int_encoded() == r.integer);
        CHECK(bytes_of(v) == r.text); // the bytes round-trip exactly either way
        CHECK(v.string_length() == r.text.size());
        std::int64_t n = 7;
        const std::error_code ec = v.to_int64(n);
        if (r.integer) {
            CHECK_FALSE(ec);
            CHECK(n == r.number);
        } else {
            CHECK(ec == errc::not_an_integer);
        }
        const value owned = value::from_string(std::string(r.text));
        CHECK(owned.is_int_encoded() == r.integer);
        CHECK(bytes_of(owned) == r.text);
    }
}

TEST_CASE("value: the raw-encoding hint of strings changed in place") {
    static_assert(sizeof(value) <= 40);
    value v = value::from_bytes("hello");
    CHECK_FALSE(v.is_raw_hinted());
    v.raw_string()[0] = 'J'; // SETRANGE
    CHECK(v.is_raw_hinted());
    CHECK(bytes_of(v) == "Jello");
    CHECK(v.string_length() == 5);
    CHECK(v.clone().is_raw_hinted()); // COPY keeps it, as Redis's dupStringObject does
    value moved = std::move(v);
    CHECK(moved.is_raw_hinted());
    moved.raw_string().append("1"); // stays raw
    CHECK(moved.is_raw_hinted());
    CHECK(bytes_of(moved) == "Jello1");
    moved.assign_raw("1.5"); // INCRBYFLOAT makes a new string
    CHECK_FALSE(moved.is_raw_hinted());
    CHECK(bytes_of(moved) == "1.5");
    value n = value::from_int(12);
    n.raw_string().append("3"); // APPEND to an integer
    CHECK(n.is_raw_hinted());
    CHECK_FALSE(n.is_int_encoded());
    std::int64_t number = 0;
    CHECK_FALSE(n.to_int64(number));
    CHECK(number == 123);
    n.assign_bytes("abc"); // SET makes a new string
    CHECK_FALSE(n.is_raw_hinted());
    CHECK(bytes_of(n) == "abc");
    n.raw_string().append("");
    n.assign_bytes("77");
    CHECK(n.is_int_encoded());
    CHECK_FALSE(n.is_raw_hinted());
    n.raw_string().append("");
    n.assign_int(5);
    CHECK_FALSE(n.is_raw_hinted());
}

TEST_CASE("value: integer encoding, raw access, containers, clone") {
    value v = value::from_int(-42);
    CHECK(v.is_int_encoded());
    CHECK(bytes_of(v) == "-42");
    CHECK(v.string_length() == 3);
    std::string out = "x";
    v.append_string_to(out);
    CHECK(out == "x-42");
    v.raw_string().append("7"); // APPEND turns the integer into bytes
    CHECK_FALSE(v.is_int_encoded());
    CHECK(bytes_of(v) == "-427");
    std::int64_t n = 0;
    CHECK_FALSE(v.to_int64(n)); // a raw string holding a canonical integer still reads as one
    CHECK(n == -427);
    v.assign_int(std::numeric_limits<std::int64_t>::min());
    CHECK(v.string_length() == 20);
    CHECK(bytes_of(v) == "-9223372036854775808");
    v.assign_bytes("hello");
    CHECK_FALSE(v.is_int_encoded());
    CHECK(v.to_int64(n) == errc::not_an_integer);

    value list = value::make(value_kind::list);
    CHECK(list.kind() == value_kind::list);
    CHECK(list.type_name() == "list");
    CHECK_FALSE(list.is_string());
    CHECK(list.to_int64(n) == errc::wrong_type);
    list.list().push_back("a");
    const value copy = list.clone();
    list.list().push_back("b");
    CHECK(copy.list().size() == 1);
    CHECK(list.list().size() == 2);

    value hash = value::make(value_kind::hash);
    (void)hash.hash().set("field", "v", {});
    CHECK(hash.clone().hash().contains("field"));
    value set = value::make(value_kind::set);
    (void)set.set().insert("member", {});
    CHECK(set.clone().set().size() == 1);
    value zset = value::make(value_kind::zset);
    zset.zset().insert("m", 1.5);
    CHECK(zset.clone().zset().size() == 1);
    CHECK(zset.type_name() == "zset");
    CHECK(set.type_name() == "set");
    CHECK(hash.type_name() == "hash");
    CHECK(value().type_name() == "string");
    CHECK(sizeof(value) <= 40);
}

TEST_CASE("value: kind names") {
    CHECK(kind_from_name("string") == value_kind::string);
    CHECK(kind_from_name("ZSet") == value_kind::zset);
    CHECK(kind_from_name("LIST") == value_kind::list);
    CHECK(kind_from_name("Stream") == value_kind::stream);
    CHECK_FALSE(kind_from_name("module").has_value());
    CHECK_FALSE(kind_from_name("").has_value());
}

// --- keyspace -------------------------------------------------------------------------

TEST_CASE_TEMPLATE("keyspace: set, find, typed lookups and statistics", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    CHECK(ks.db_count() == 16);
    CHECK(ks.find(0, "k") == nullptr);
    CHECK(ks.stats().keyspace_misses == 1);
    ks.set(0, "k", value::from_bytes("v"));
    const value* v = ks.find(0, "k");
    REQUIRE(v != nullptr);
    CHECK(bytes_of(*v) == "v");
    CHECK(ks.stats().keyspace_hits == 1);
    CHECK(ks.find(1, "k") == nullptr); // databases are separate
    CHECK(ks.size(0) == 1);
    CHECK(ks.size(1) == 0);

    auto as_string = ks.find(0, "k", value_kind::string);
    CHECK(as_string.found == v);
    CHECK_FALSE(as_string.error);
    auto as_list = ks.find(0, "k", value_kind::list);
    CHECK(as_list.found == nullptr);
    CHECK(as_list.error == errc::wrong_type);
    auto missing = ks.find(0, "nope", value_kind::list);
    CHECK(missing.found == nullptr);
    CHECK_FALSE(missing.error);

    // write lookups do not count hits or misses
    const auto hits = ks.stats().keyspace_hits;
    const auto misses = ks.stats().keyspace_misses;
    value* w = ks.find_for_write(0, "k");
    REQUIRE(w != nullptr);
    w->assign_int(10);
    CHECK(ks.find_for_write(0, "nope") == nullptr);
    CHECK(ks.find_for_write(0, "k", value_kind::hash).error == errc::wrong_type);
    CHECK(ks.stats().keyspace_hits == hits);
    CHECK(ks.stats().keyspace_misses == misses);
    std::int64_t n = 0;
    CHECK_FALSE(ks.find(0, "k")->to_int64(n));
    CHECK(n == 10);

    ks.reset_stats();
    CHECK(ks.stats().keyspace_hits == 0);

    // binary-safe keys
    const std::string odd("\0\xff key", 6);
    ks.set(0, odd, value::from_bytes(""));
    CHECK(ks.exists(0, odd));
    CHECK_FALSE(ks.exists(0, std::string_view("\0", 1)));
    ks.set(0, "", value::from_bytes("empty key"));
    CHECK(bytes_of(*ks.find(0, "")) == "empty key");
}

TEST_CASE_TEMPLATE("keyspace: find_or_create, type names, erase", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    auto created = ks.find_or_create(0, "list", value_kind::list);
    REQUIRE(created.found != nullptr);
    CHECK(created.created);
    created.found->list().push_back("a");
    auto again = ks.find_or_create(0, "list", value_kind::list);
    CHECK_FALSE(again.created);
    CHECK(again.found->list().size() == 1);
    CHECK(ks.find_or_create(0, "list", value_kind::set).error == errc::wrong_type);
    (void)ks.find_or_create(0, "h", value_kind::hash);
    (void)ks.find_or_create(0, "s", value_kind::set);
    (void)ks.find_or_create(0, "z", value_kind::zset);
    ks.set(0, "str", value::from_bytes("x"));
    CHECK(ks.type_name(0, "list") == "list");
    CHECK(ks.type_name(0, "h") == "hash");
    CHECK(ks.type_name(0, "s") == "set");
    CHECK(ks.type_name(0, "z") == "zset");
    CHECK(ks.type_name(0, "str") == "string");
    CHECK(ks.type_name(0, "missing") == "none");
    CHECK(ks.size(0) == 5);
    CHECK(ks.erase(0, "h"));
    CHECK_FALSE(ks.erase(0, "h"));
    CHECK_FALSE(ks.exists(0, "h"));
    CHECK(ks.size(0) == 4);
    // set replaces a value of any kind
    ks.set(0, "list", value::from_int(1));
    CHECK(ks.type_name(0, "list") == "string");
}

TEST_CASE_TEMPLATE("keyspace: many keys in many databases", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>(4);
    CHECK(ks.db_count() == 4);
    for (int i = 0; i < 3000; ++i)
        ks.set(static_cast<std::size_t>(i % 4), "key:" + std::to_string(i), value::from_int(i));
    for (std::size_t db = 0; db < 4; ++db)
        CHECK(ks.size(db) == 750);
    for (int i = 0; i < 3000; i += 3)
        CHECK(ks.erase(static_cast<std::size_t>(i % 4), "key:" + std::to_string(i)));
    for (int i = 0; i < 3000; ++i) {
        const value* v = ks.find(static_cast<std::size_t>(i % 4), "key:" + std::to_string(i));
        REQUIRE((v != nullptr) == (i % 3 != 0));
        std::int64_t n = -1;
        if (v) CHECK((!v->to_int64(n) && n == i));
    }
}

TEST_CASE_TEMPLATE("keyspace: lazy expiry on access", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    event_log log;
    ks.add_observer(log);
    ks.set(0, "k", value::from_bytes("v"));
    CHECK_FALSE(ks.set_expiry(0, "missing", ks_t0 + 10));
    CHECK(ks.set_expiry(0, "k", ks_t0 + 100));
    CHECK(ks.expires_count(0) == 1);
    key_expiry e = ks.expiry(0, "k");
    CHECK(e.exists);
    REQUIRE(e.at_ms.has_value());
    CHECK(*e.at_ms == ks_t0 + 100);

    ks.clock().set(ks_t0 + 100); // Redis: expired only when now > when
    CHECK(ks.find(0, "k") != nullptr);
    ks.clock().advance(1);
    CHECK(ks.size(0) == 1); // not yet removed: nobody looked
    CHECK(ks.find(0, "k") == nullptr);
    CHECK(ks.size(0) == 0);
    CHECK(ks.expires_count(0) == 0);
    CHECK(ks.stats().expired_keys == 1);
    CHECK_FALSE(ks.expiry(0, "k").exists);
    CHECK(log.events == std::vector<std::string>{"modified:0:k", "modified:0:k", "expired:0:k"});

    // every kind of access expires: write lookups, exists, erase, rename, set_expiry
    const auto expire_soon = [&](std::string_view key) {
        ks.set(0, key, value::from_bytes("v"));
        ks.set_expiry(0, key, ks.clock().now_ms() + 5);
    };
    expire_soon("a");
    expire_soon("b");
    expire_soon("c");
    expire_soon("d");
    expire_soon("e");
    expire_soon("f");
    ks.clock().advance(6);
    CHECK(ks.find_for_write(0, "a") == nullptr);
    CHECK_FALSE(ks.exists(0, "b"));
    CHECK_FALSE(ks.erase(0, "c"));
    CHECK(ks.rename(0, "d", "d2").error == errc::no_such_key);
    CHECK_FALSE(ks.set_expiry(0, "e", ks.clock().now_ms() + 100));
    CHECK_FALSE(ks.persist(0, "f"));
    CHECK(ks.size(0) == 0);
    CHECK(ks.expires_count(0) == 0);
    CHECK(ks.stats().expired_keys == 7);
}

TEST_CASE_TEMPLATE("keyspace: set_keep_expired (CLIENT PAUSE) reads expired keys as missing and removes none", KS,
                   KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    for (const std::string_view key : {"a", "b", "c"}) {
        ks.set(0, key, value::from_bytes("v"));
        ks.set_expiry(0, key, ks_t0 + 1);
    }
    ks.set(0, "live", value::from_bytes("v"));
    ks.clock().advance(2);
    ks.set_keep_expired(true);
    CHECK(ks.keeps_expired());
    CHECK(ks.find(0, "a") == nullptr);
    CHECK_FALSE(ks.exists(0, "b"));
    CHECK(ks.find_for_write(0, "c") == nullptr);
    std::vector<std::string> scanned;
    std::uint64_t cursor = 0;
    do {
        cursor = ks.scan(0, cursor, scanned);
    } while (cursor != 0);
    CHECK(scanned == std::vector<std::string>{"live"});
    for (int i = 0; i < 50; ++i) CHECK(ks.random_key(0).has_value());
    CHECK(ks.active_expire_cycle(std::chrono::milliseconds(10)).expired == 0);
    CHECK(ks.size(0) == 4); // all still stored
    CHECK(ks.stats().expired_keys == 0);
    ks.set_keep_expired(false);
    CHECK(ks.find(0, "a") == nullptr); // now removed
    CHECK(ks.size(0) == 3);
    (void)ks.active_expire_cycle(std::chrono::milliseconds(10));
    CHECK(ks.size(0) == 1);
    CHECK(ks.stats().expired_keys == 3);
}

TEST_CASE_TEMPLATE("keyspace: TTL bookkeeping through set, persist and overwrite", KS,
                   KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    for (int i = 0; i < 10; ++i) {
        const std::string key = "k" + std::to_string(i);
        ks.set(0, key, value::from_int(i));
        ks.set_expiry(0, key, ks_t0 + 1000 + i);
    }
    CHECK(ks.expires_count(0) == 10);
    ks.set(0, "k3", value::from_bytes("plain")); // SET drops the TTL
    CHECK_FALSE(ks.expiry(0, "k3").at_ms.has_value());
    ks.set(0, "k4", value::from_bytes("kept"), true); // SET KEEPTTL
    CHECK(ks.expiry(0, "k4").at_ms == ks_t0 + 1004);
    CHECK(ks.persist(0, "k5"));
    CHECK_FALSE(ks.persist(0, "k5"));
    CHECK(ks.set_expiry(0, "k6", ks_t0 + 5000)); // update in place
    CHECK(ks.expires_count(0) == 8);
    CHECK(ks.erase(0, "k0"));
    CHECK(ks.expires_count(0) == 7);
    CHECK(ks.info(0).expires == 7);
    // the remaining records still point at the right keys
    for (int i = 0; i < 10; ++i) {
        const std::string key = "k" + std::to_string(i);
        const key_expiry e = ks.expiry(0, key);
        if (i == 0) {
            CHECK_FALSE(e.exists);
        } else if (i == 3 || i == 5) {
            CHECK_FALSE(e.at_ms.has_value());
        } else if (i == 6) {
            CHECK(e.at_ms == ks_t0 + 5000);
        } else {
            CHECK(e.at_ms == ks_t0 + 1000 + i);
        }
    }
    // SET KEEPTTL on a key whose TTL has passed creates a key without TTL
    ks.clock().set(ks_t0 + 1004 + 1);
    ks.set(0, "k4", value::from_bytes("new"), true);
    CHECK(ks.expiry(0, "k4").exists);
    CHECK_FALSE(ks.expiry(0, "k4").at_ms.has_value());
    CHECK(ks.stats().expired_keys == 1);
}

TEST_CASE_TEMPLATE("keyspace: rename", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    event_log log;
    ks.add_observer(log);
    CHECK(ks.rename(0, "missing", "x").error == errc::no_such_key);
    ks.set(0, "a", value::from_bytes("A"));
    ks.set_expiry(0, "a", ks_t0 + 500);
    ks.set(0, "b", value::from_bytes("B"));
    ks.set_expiry(0, "b", ks_t0 + 900);
    ks.set(0, "c", value::from_bytes("C"));
    log.events.clear();

    auto same = ks.rename(0, "a", "a");
    CHECK_FALSE(same.error);
    CHECK(same.renamed);
    CHECK_FALSE(ks.rename(0, "a", "a", true).renamed);

    auto nx = ks.rename(0, "a", "c", true);
    CHECK_FALSE(nx.error);
    CHECK_FALSE(nx.renamed);
    CHECK(bytes_of(*ks.find(0, "c")) == "C");

    auto r = ks.rename(0, "a", "b"); // overwrites b and its TTL, carries a's TTL
    CHECK_FALSE(r.error);
    CHECK(r.renamed);
    CHECK_FALSE(ks.exists(0, "a"));
    CHECK(bytes_of(*ks.find(0, "b")) == "A");
    CHECK(ks.expiry(0, "b").at_ms == ks_t0 + 500);
    CHECK(ks.expires_count(0) == 1);
    CHECK(log.events == std::vector<std::string>{"deleted:0:a", "modified:0:b"});

    CHECK(ks.rename(0, "c", "fresh").renamed);
    CHECK_FALSE(ks.expiry(0, "fresh").at_ms.has_value());
    CHECK(ks.size(0) == 2);

    // the target expired: RENAMENX proceeds
    ks.set(0, "old", value::from_bytes("O"));
    ks.set_expiry(0, "old", ks_t0 + 10);
    ks.clock().set(ks_t0 + 20);
    CHECK(ks.rename(0, "fresh", "old", true).renamed);
    CHECK(bytes_of(*ks.find(0, "old")) == "C");
}

TEST_CASE_TEMPLATE("keyspace: flush, info and observers", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    int calls = 0;
    const key_observer counter = [](void* context, key_event, std::size_t, std::string_view) {
        ++*static_cast<int*>(context);
    };
    ks.add_observer(counter, &calls);
    event_log log;
    ks.add_observer(log);
    ks.set(0, "a", value::from_bytes("1"));
    ks.set(1, "b", value::from_bytes("2"));
    ks.set(1, "c", value::from_bytes("3"));
    ks.set_expiry(1, "c", ks_t0 + 60'000);
    ks.notify_modified(1, "b");
    CHECK(calls == 5);
    db_info info = ks.info(1);
    CHECK(info.keys == 2);
    CHECK(info.expires == 1);
    CHECK(info.avg_ttl == 0); // estimated by active expiry, which has not run
    (void)ks.active_expire_cycle(std::chrono::milliseconds(10));
    CHECK(ks.info(1).avg_ttl == 60'000);

    ks.remove_observer(counter, &calls);
    CHECK(ks.flush(1) == 2);
    CHECK(calls == 5);
    CHECK(ks.size(1) == 0);
    CHECK(ks.info(1).expires == 0);
    CHECK(ks.size(0) == 1);
    CHECK(ks.flush_all() == 1);
    CHECK(ks.size(0) == 0);
    CHECK(log.events.back() == "flushed:15:");
    ks.remove_observer(log);
    ks.set(0, "after", value::from_bytes("x"));
    CHECK(log.events.back() == "flushed:15:");
    CHECK(ks.exists(0, "after"));
}

TEST_CASE_TEMPLATE("keyspace: random_key skips and removes expired keys", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    CHECK_FALSE(ks.random_key(0).has_value());
    for (int i = 0; i < 50; ++i) {
        const std::string key = "gone" + std::to_string(i);
        ks.set(0, key, value::from_int(i));
        ks.set_expiry(0, key, ks_t0 + 1);
    }
    ks.clock().advance(2);
    CHECK_FALSE(ks.random_key(0).has_value()); // every key was expired: all removed
    CHECK(ks.size(0) == 0);
    CHECK(ks.stats().expired_keys == 50);
    for (int i = 0; i < 20; ++i)
        ks.set(0, "live" + std::to_string(i), value::from_int(i));
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        auto key = ks.random_key(0);
        REQUIRE(key.has_value());
        seen.emplace(*key);
    }
    CHECK(seen.size() == 20);
}

TEST_CASE_TEMPLATE("keyspace: keys and scan with pattern, type and filter", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    for (int i = 0; i < 200; ++i)
        ks.set(2, "user:" + std::to_string(i), value::from_int(i));
    for (int i = 0; i < 50; ++i)
        (void)ks.find_or_create(2, "list:" + std::to_string(i), value_kind::list);
    ks.set(2, "", value::from_bytes("empty"));
    ks.set(2, "temp", value::from_bytes("t"));
    ks.set_expiry(2, "temp", ks_t0 + 5);
    ks.clock().advance(10);

    std::vector<std::string> keys;
    ks.keys(2, "user:1?", keys);
    CHECK(keys.size() == 10);
    keys.clear();
    ks.keys(2, "*", keys);
    CHECK(keys.size() == 251); // "" included, expired "temp" skipped
    CHECK(ks.size(2) == 252);  // ...but KEYS does not remove it, as in Redis

    std::set<std::string> all = full_scan(ks, 2);
    CHECK(all.size() == 251);
    CHECK(all.count("") == 1);
    CHECK(ks.size(2) == 251); // SCAN removed the expired key it met
    CHECK(ks.stats().expired_keys == 1);

    CHECK(full_scan(ks, 2, scan_options{10, "list:*", std::nullopt}).size() == 50);
    CHECK(full_scan(ks, 2, scan_options{3, "*", value_kind::list}).size() == 50);
    CHECK(full_scan(ks, 2, scan_options{1000, "*", value_kind::string}).size() == 201);
    CHECK(full_scan(ks, 2, scan_options{10, "user:*", value_kind::list}).empty());
    CHECK(full_scan(ks, 2, scan_options{10, "**", std::nullopt}).size() == 250); // "" fails "**"
    CHECK(full_scan(ks, 3).empty());

    // a custom filter hook
    std::set<std::string> even;
    std::vector<std::string> out;
    std::uint64_t cursor = 0;
    do {
        out.clear();
        cursor = ks.scan(2, cursor, out, scan_options{10, "user:*", value_kind::string},
                         [](std::string_view, const value& v) {
                             std::int64_t n = 0;
                             return !v.to_int64(n) && n % 2 == 0;
                         });
        even.insert(out.begin(), out.end());
    } while (cursor != 0);
    CHECK(even.size() == 100);
}

TEST_CASE_TEMPLATE("keyspace: SCAN guarantee while keys come and go", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    for (int i = 0; i < 500; ++i)
        ks.set(0, "stay:" + std::to_string(i), value::from_int(i));
    for (int i = 0; i < 5000; ++i)
        ks.set(0, "go:" + std::to_string(i), value::from_int(i));
    std::set<std::string> seen;
    std::vector<std::string> out;
    std::uint64_t cursor = 0;
    int step = 0;
    int next_new = 0;
    do {
        out.clear();
        cursor = ks.scan(0, cursor, out);
        seen.insert(out.begin(), out.end());
        ++step;
        if (step < 20) {
            for (int i = 0; i < 250; ++i)
                ks.erase(0, "go:" + std::to_string(step * 250 + i - 250));
        } else if (step < 40) {
            for (int i = 0; i < 300; ++i)
                ks.set(0, "new:" + std::to_string(next_new++), value::from_int(i));
        }
    } while (cursor != 0);
    for (int i = 0; i < 500; ++i)
        CHECK(seen.count("stay:" + std::to_string(i)) == 1);
}

TEST_CASE_TEMPLATE("keyspace: active expiry removes keys nobody reads", KS, KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>();
    event_log log;
    for (int i = 0; i < 1000; ++i) {
        const std::string key = "short:" + std::to_string(i);
        ks.set(3, key, value::from_int(i));
        ks.set_expiry(3, key, ks_t0 + 1000);
    }
    for (int i = 0; i < 300; ++i) {
        const std::string key = "long:" + std::to_string(i);
        ks.set(3, key, value::from_int(i));
        ks.set_expiry(3, key, ks_t0 + 1'000'000);
    }
    for (int i = 0; i < 500; ++i)
        ks.set(3, "plain:" + std::to_string(i), value::from_int(i));
    for (int i = 0; i < 400; ++i) {
        const std::string key = "other:" + std::to_string(i);
        ks.set(7, key, value::from_int(i));
        ks.set_expiry(7, key, ks_t0 + 2000);
    }
    // nothing is due yet: one round per db, nothing removed
    expire_cycle_result r = ks.active_expire_cycle(std::chrono::seconds(1));
    CHECK(r.expired == 0);
    CHECK(r.sampled == 40);
    CHECK_FALSE(r.timed_out);

    ks.add_observer(log);
    ks.clock().set(ks_t0 + 1500); // the 1000 short keys are due, db 7's are not
    std::size_t removed = 0;
    for (int cycle = 0; cycle < 100 && ks.size(3) > 800; ++cycle)
        removed += ks.active_expire_cycle(std::chrono::seconds(1)).expired;
    // Sampling stops once at most 25% of a sample is stale, so a few may remain until
    // later cycles or a read; most are gone without any read.
    CHECK(removed >= 900);
    CHECK(ks.size(3) == 1800 - removed);
    CHECK(ks.stats().expired_keys == removed);
    CHECK(ks.size(7) == 400);
    CHECK(log.events.size() == removed);
    CHECK(log.events.front().rfind("expired:3:short:", 0) == 0);
    CHECK(ks.stats().keyspace_hits == 0); // nothing was read
    CHECK(ks.stats().keyspace_misses == 0);
    for (int i = 0; i < 300; ++i)
        CHECK(ks.exists(3, "long:" + std::to_string(i)));

    // everything is due: repeated cycles empty both databases' volatile keys
    ks.clock().set(ks_t0 + 2'000'000);
    for (int cycle = 0; cycle < 1000 && ks.expires_count(3) + ks.expires_count(7) > 0; ++cycle)
        (void)ks.active_expire_cycle(std::chrono::seconds(1));
    CHECK(ks.expires_count(3) == 0);
    CHECK(ks.expires_count(7) == 0);
    CHECK(ks.size(3) == 500);
    CHECK(ks.size(7) == 0);
    CHECK(ks.info(3).avg_ttl == 0);
}

TEST_CASE_TEMPLATE("keyspace: active expiry's average TTL saturates for keys expiring near INT64_MAX", KS,
                   KEYSPACE_TYPES) {
    // PEXPIREAT k 9223372036854775806 is accepted; summing such TTLs overflowed int64 (UBSan
    // ended the server), found by tests/integration/hostile_args.cpp.
    KS ks = make_keyspace<KS>();
    for (int i = 0; i < 40; ++i) {
        const std::string key = "far:" + std::to_string(i);
        ks.set(0, key, value::from_int(i));
        ks.set_expiry(0, key, std::numeric_limits<std::int64_t>::max() - i);
    }
    for (int cycle = 0; cycle < 3; ++cycle) (void)ks.active_expire_cycle(std::chrono::seconds(1));
    CHECK(ks.size(0) == 40);
    CHECK(ks.info(0).avg_ttl > 0);
}

TEST_CASE_TEMPLATE("keyspace: active expiry respects its time budget and resumes", KS,
                   KEYSPACE_TYPES) {
    KS ks = make_keyspace<KS>(2);
    for (std::size_t db = 0; db < 2; ++db) {
        for (int i = 0; i < 5000; ++i) {
            const std::string key = "k" + std::to_string(i);
            ks.set(db, key, value::from_int(i));
            ks.set_expiry(db, key, ks_t0 + 1);
        }
    }
    ks.clock().advance(10);
    // A zero budget still does 16 rounds of the current db, then stops.
    expire_cycle_result r = ks.active_expire_cycle(std::chrono::microseconds(0));
    CHECK(r.timed_out);
    CHECK(r.expired == 16 * 20);
    CHECK(ks.size(0) == 5000 - 16 * 20);
    CHECK(ks.size(1) == 5000);
    // The next run resumes with the next database.
    r = ks.active_expire_cycle(std::chrono::microseconds(0));
    CHECK(r.timed_out);
    CHECK(ks.size(1) == 5000 - 16 * 20);
    // Custom sample size and threshold.
    r = ks.active_expire_cycle(std::chrono::microseconds(0), expire_cycle_options{5, 25});
    CHECK(r.expired == 16 * 5);
}

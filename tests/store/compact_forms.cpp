// Tests of the compact container forms: store::intset, store::listpack, and hash_object /
// set_object with their one-way conversions at the encoding_limits thresholds.

#include <respkit/store/hash_object.hpp>
#include <respkit/store/intset.hpp>
#include <respkit/store/listpack.hpp>
#include <respkit/store/packed_table.hpp>
#include <respkit/store/set_object.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

using respkit::store::encoding_limits;
using respkit::store::hash_object;
using respkit::store::intset;
using respkit::store::listpack;
using respkit::store::set_object;

TEST_CASE("intset: sorted, distinct, widened from 2 to 4 to 8 bytes") {
    intset s;
    CHECK(s.empty());
    CHECK(s.bytes() == 0);
    CHECK(s.insert(5));
    CHECK(s.insert(-3));
    CHECK_FALSE(s.insert(5));
    CHECK(s.width() == 2);
    CHECK(s.insert(100000)); // needs 4 bytes: goes last
    CHECK(s.width() == 4);
    CHECK(s.insert(-5000000000LL)); // needs 8 bytes: goes first
    CHECK(s.width() == 8);
    CHECK(s.insert(INT64_MAX));
    CHECK(s.insert(INT64_MIN));
    const std::vector<std::int64_t> expected = {INT64_MIN, -5000000000LL, -3, 5, 100000, INT64_MAX};
    std::vector<std::int64_t> got;
    s.for_each([&](std::int64_t v) { got.push_back(v); });
    CHECK(got == expected);
    for (std::int64_t v : expected) CHECK(s.contains(v));
    CHECK_FALSE(s.contains(4));
    CHECK_FALSE(s.erase(4));
    CHECK(s.erase(-3));
    CHECK(s.size() == 5);
    const intset copy = s;
    CHECK(copy.size() == 5);
    CHECK(copy.at(0) == INT64_MIN);
}

TEST_CASE("intset: agrees with std::set over random operations") {
    std::mt19937_64 rng(7);
    intset s;
    std::set<std::int64_t> model;
    for (int i = 0; i < 4000; ++i) {
        const int shift = static_cast<int>(rng() % 3) * 16 + 14;
        const auto v = static_cast<std::int64_t>(rng() % (std::uint64_t{1} << shift)) - (std::int64_t{1} << (shift - 1));
        if (rng() % 3 == 0)
            CHECK(s.erase(v) == (model.erase(v) == 1));
        else
            CHECK(s.insert(v) == model.insert(v).second);
    }
    REQUIRE(s.size() == model.size());
    std::size_t i = 0;
    for (std::int64_t v : model) CHECK(s.at(i++) == v);
}

TEST_CASE("listpack: push, replace, erase keep order; lengths of every size") {
    listpack lp;
    const std::string big(20000, 'x');
    lp.push_back("a");
    lp.push_back("");
    lp.push_back(big);
    lp.push_back("d");
    CHECK(lp.size() == 4);
    std::size_t pos = lp.begin(), next = 0;
    CHECK(lp.at(pos, next) == "a");
    pos = next;
    CHECK(lp.at(pos, next).empty());
    lp.replace(next, "ccc"); // the big one becomes short
    std::vector<std::string> got;
    for (std::size_t p = lp.begin(); p < lp.end();) got.emplace_back(lp.at(p, p));
    CHECK(got == std::vector<std::string>{"a", "", "ccc", "d"});
    lp.replace(lp.begin(), big); // and a short one long
    lp.erase(lp.begin(), 2);
    got.clear();
    for (std::size_t p = lp.begin(); p < lp.end();) got.emplace_back(lp.at(p, p));
    CHECK(got == std::vector<std::string>{"ccc", "d"});
    lp.erase(lp.begin(), 2);
    CHECK(lp.empty());
    CHECK(lp.bytes() == 0);
}

TEST_CASE("hash_object: listpack until a long field or value, or too many fields") {
    const encoding_limits limits{4, 8, 512};
    hash_object h;
    CHECK(h.encoding_name() == "listpack");
    CHECK(h.set("a", "1", limits));
    CHECK(h.set("b", "2", limits));
    CHECK_FALSE(h.set("a", "one", limits));
    CHECK(h.get("a") == "one");
    CHECK_FALSE(h.get("z"));
    CHECK(h.set("c", "12345678", limits)); // exactly the limit: stays
    CHECK(h.set("d", "4", limits));
    CHECK(h.is_listpack());
    std::vector<std::string> order;
    h.for_each([&](std::string_view f, std::string_view) { order.emplace_back(f); });
    CHECK(order == std::vector<std::string>{"a", "b", "c", "d"}); // insertion order
    CHECK(h.erase("b"));
    CHECK(h.set("e", "5", limits));
    CHECK(h.set("f", "6", limits)); // 5 fields > 4
    CHECK(h.encoding_name() == "hashtable");
    CHECK(h.size() == 5);
    CHECK(h.get("c") == "12345678");
    for (const char* f : {"a", "c", "d", "e", "f"}) CHECK(h.erase(f));
    CHECK(h.empty());
    CHECK(h.encoding_name() == "hashtable"); // never back

    hash_object v;
    CHECK(v.set("f", "123456789", limits)); // a long value converts before it goes in
    CHECK(v.encoding_name() == "hashtable");
    hash_object w;
    w.convert_for(3, 6, limits);
    CHECK(w.is_listpack());
    w.convert_for(9, 9, limits);
    CHECK_FALSE(w.is_listpack());
}

TEST_CASE("hash_object: both forms agree with a model, and HSCAN visits everything") {
    std::mt19937_64 rng(11);
    for (const std::size_t max_entries : {std::size_t{0}, std::size_t{64}, std::size_t{100000}}) {
        const encoding_limits limits{max_entries, 64, 512};
        hash_object h;
        std::unordered_map<std::string, std::string> model;
        for (int i = 0; i < 2000; ++i) {
            const std::string f = "f" + std::to_string(rng() % 300);
            if (rng() % 4 == 0) {
                CHECK(h.erase(f) == (model.erase(f) == 1));
            } else {
                const std::string v = std::to_string(rng());
                CHECK(h.set(f, v, limits) == !model.contains(f));
                model[f] = v;
            }
        }
        REQUIRE(h.size() == model.size());
        for (const auto& [f, v] : model) CHECK(h.get(f) == v);
        std::unordered_map<std::string, std::string> seen;
        std::uint64_t cursor = 0;
        int steps = 0;
        do {
            cursor = h.scan(cursor, 10, [&](std::string_view f, std::string_view v) { seen[std::string(f)] = v; });
        } while (cursor != 0 && ++steps < 100000);
        CHECK(seen == model);
        std::size_t n = 0;
        for (const auto& [f, v] : h) {
            CHECK(model.at(std::string(f)) == v);
            ++n;
        }
        CHECK(n == model.size());
        std::set<std::string> drawn;
        for (int i = 0; i < 20000 && !h.empty(); ++i) drawn.emplace(h.random_entry(rng).first);
        CHECK(drawn.size() == model.size()); // every field is drawn
        const hash_object copy = h;
        CHECK(copy.encoding_name() == h.encoding_name());
        CHECK(copy.size() == h.size());
    }
}

TEST_CASE("set_object: intset while integers within set-max-intset-entries, sorted") {
    const encoding_limits limits{512, 64, 3};
    set_object s;
    CHECK(s.encoding_name() == "intset");
    CHECK(s.insert("10", limits));
    CHECK(s.insert("-2", limits));
    CHECK_FALSE(s.insert("10", limits));
    CHECK(s.insert("7", limits));
    CHECK(s.contains("7"));
    CHECK_FALSE(s.contains("07")); // not canonical: not an integer member
    std::vector<std::string> got;
    s.for_each([&](std::string_view m) { got.emplace_back(m); });
    CHECK(got == std::vector<std::string>{"-2", "7", "10"});
    got.assign(s.begin(), s.end());
    CHECK(got == std::vector<std::string>{"-2", "7", "10"});
    CHECK(s.insert("8", limits)); // 4 > 3
    CHECK(s.encoding_name() == "hashtable");
    CHECK(s.erase("8"));
    CHECK(s.encoding_name() == "hashtable");

    set_object t;
    CHECK(t.insert("1", limits));
    CHECK(t.insert("x", limits));
    CHECK(t.encoding_name() == "hashtable");
    CHECK(t.contains("1"));
    CHECK(t.contains("x"));
    set_object u;
    CHECK(u.insert("07", limits));
    CHECK(u.encoding_name() == "hashtable");
}

TEST_CASE("hash_object, set_object: copies keep the form, moves leave the source empty") {
    const encoding_limits limits{4, 8, 3};
    hash_object small, large;
    CHECK(small.set("a", "1", limits));
    for (const char* f : {"a", "b", "c", "d", "e"}) CHECK(large.set(f, f, limits));
    REQUIRE(large.encoding_name() == "hashtable");
    hash_object h = large; // copy construction: its own table
    h = small;             // copy assignment over the table form: the listpack form
    CHECK(h.encoding_name() == "listpack");
    CHECK(h.get("a") == "1");
    h = large;
    CHECK(h.encoding_name() == "hashtable");
    CHECK(h.erase("a"));
    CHECK(large.get("a") == "a"); // the copy did not share the table
    hash_object moved(std::move(h));
    CHECK(moved.size() == 4);
    CHECK(h.empty()); // NOLINT(bugprone-use-after-move): moved from, empty
    CHECK(h.is_listpack());
    moved = std::move(large);
    CHECK(moved.size() == 5);
    CHECK(large.is_listpack()); // NOLINT(bugprone-use-after-move)
    moved = hash_object(small);
    CHECK(moved.encoding_name() == "listpack");

    set_object ints, table;
    CHECK(ints.insert("1", limits));
    CHECK(table.insert("x", limits));
    set_object s = table;
    s = ints;
    CHECK(s.encoding_name() == "intset");
    s = table;
    CHECK(s.encoding_name() == "hashtable");
    CHECK(s.erase("x"));
    CHECK(table.contains("x"));
    set_object t(std::move(table));
    CHECK(t.contains("x"));
    CHECK(table.is_intset()); // NOLINT(bugprone-use-after-move)
    CHECK(table.empty());
    t = std::move(ints);
    CHECK(t.encoding_name() == "intset");
    CHECK(t.contains("1"));
}

TEST_CASE("set_object: SSCAN visits every member in both forms") {
    for (const std::size_t max_entries : {std::size_t{0}, std::size_t{1000}}) {
        const encoding_limits limits{512, 64, max_entries};
        set_object s;
        std::set<std::string> model;
        for (int i = 0; i < 700; ++i) {
            const std::string m = std::to_string(i * 7 - 300);
            (void)s.insert(m, limits);
            model.insert(m);
        }
        std::set<std::string> seen;
        std::uint64_t cursor = 0;
        int steps = 0;
        do {
            cursor = s.scan(cursor, 10, [&](std::string_view m) { seen.emplace(m); });
        } while (cursor != 0 && ++steps < 100000);
        CHECK(seen == model);
        std::mt19937_64 rng(3);
        std::set<std::string> drawn;
        for (int i = 0; i < 20000; ++i) {
            set_object::scratch digits;
            const std::string m(s.random_member(rng, digits));
            CHECK(model.contains(m));
            drawn.insert(m);
        }
        CHECK(drawn == model);
        CHECK(std::set<std::string>(s.begin(), s.end()) == model);
    }
}

TEST_CASE("packed_table: agrees with a model through growth and shrinking; invariants hold") {
    std::mt19937_64 rng(5);
    respkit::store::packed_table<true> t;
    std::unordered_map<std::string, std::string> model;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 3000; ++i) {
            const std::string k = "key:" + std::to_string(rng() % 2500);
            const std::size_t pos = t.find(k);
            CHECK((pos != t.npos) == model.contains(k));
            if (rng() % 3 == 0) {
                if (pos != t.npos) t.erase_at(pos);
                model.erase(k);
            } else {
                const std::string v(rng() % 200, 'v');
                if (pos == t.npos)
                    (void)t.insert_new(k, v);
                else
                    t.assign(pos, v);
                model[k] = v;
            }
        }
        REQUIRE(t.check_invariants());
        REQUIRE(t.size() == model.size());
        for (const auto& [k, v] : model) {
            const std::size_t pos = t.find(k);
            REQUIRE(pos != t.npos);
            CHECK(t.key_at(pos) == k);
            CHECK(t.value_at(pos) == v);
        }
        // Down to a few: the table shrinks and stays consistent.
        while (model.size() > 5) {
            const std::string k = model.begin()->first;
            t.erase_at(t.find(k));
            model.erase(k);
        }
        REQUIRE(t.check_invariants());
        CHECK(t.size() == 5);
    }
    const respkit::store::packed_table<true> copy = t;
    CHECK(copy.size() == t.size());
    CHECK(copy.check_invariants());
}

TEST_CASE("packed_table: SCAN visits every element present throughout, while the table grows and shrinks") {
    std::mt19937_64 rng(9);
    respkit::store::packed_table<false> t;
    std::set<std::string> stable;
    for (int i = 0; i < 1000; ++i) {
        const std::string k = "s" + std::to_string(i);
        (void)t.insert_new(k);
        stable.insert(k);
    }
    std::set<std::string> seen;
    std::uint64_t cursor = 0;
    int step = 0;
    do {
        cursor = t.scan(cursor, 7, [&](std::size_t pos) { seen.emplace(t.key_at(pos)); });
        // Between steps: grow by thousands, then shrink again (extra keys come and go).
        if (step % 10 == 3)
            for (int i = 0; i < 3000; ++i) (void)t.insert_new("x" + std::to_string(step) + ":" + std::to_string(i));
        if (step % 10 == 8)
            for (int i = 0; i < 3000; ++i) t.erase_at(t.find("x" + std::to_string(step - 5) + ":" + std::to_string(i)));
        ++step;
    } while (cursor != 0 && step < 100000);
    CHECK(t.check_invariants());
    for (const std::string& k : stable) CHECK(seen.contains(k));
}

// store::skiplist and store::sorted_set, randomised against a sorted vector: insert, erase,
// score updates, rank, element at rank, and range starts by score and by member.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "respkit/store/sorted_set.hpp"

using respkit::store::skiplist;
using respkit::store::sorted_set;

namespace {
using element = std::pair<double, std::string>;

void check_same(const skiplist& list, const std::vector<element>& model) {
    REQUIRE(list.size() == model.size());
    std::size_t i = 0;
    const skiplist::node* prev = nullptr;
    for (const skiplist::node* n = list.first(); n; n = n->next(), ++i) {
        REQUIRE(i < model.size());
        CHECK(n->score() == model[i].first);
        CHECK(n->member() == model[i].second);
        CHECK(n->prev() == prev);
        prev = n;
    }
    CHECK(list.last() == prev);
    i = 0;
    for (const auto& [score, member] : list) {
        REQUIRE(i < model.size());
        CHECK(score == model[i].first);
        CHECK(member == model[i].second);
        ++i;
    }
    CHECK(i == model.size());
}
} // namespace

TEST_CASE("skiplist matches a sorted vector under random inserts, erases and updates") {
    std::mt19937_64 rng(42);
    skiplist list;
    std::vector<element> model;
    for (int step = 0; step < 20000; ++step) {
        const std::string member = "m" + std::to_string(rng() % 2000);
        const auto it = std::find_if(model.begin(), model.end(), [&](const element& e) { return e.second == member; });
        const double score = static_cast<double>(rng() % 100) / 4;
        const int action = static_cast<int>(rng() % 3);
        if (it == model.end()) {
            list.insert(score, member);
            model.insert(std::lower_bound(model.begin(), model.end(), element{score, member}), {score, member});
        } else if (action == 0) {
            CHECK(list.erase(it->first, member));
            CHECK_FALSE(list.erase(it->first, member));
            model.erase(it);
        } else {
            list.update_score(it->first, member, score);
            model.erase(it);
            model.insert(std::lower_bound(model.begin(), model.end(), element{score, member}), {score, member});
        }
        if (step % 997 == 0) check_same(list, model);
        // rank and at for one random element
        if (!model.empty()) {
            const std::size_t r = rng() % model.size();
            CHECK(list.rank(model[r].first, model[r].second) == r);
            const skiplist::node* n = list.at(r);
            REQUIRE(n != nullptr);
            CHECK(n->member() == model[r].second);
            const double bound = static_cast<double>(rng() % 100) / 4;
            const std::size_t expected = static_cast<std::size_t>(
                std::lower_bound(model.begin(), model.end(), bound, [](const element& e, double b) { return e.first < b; }) -
                model.begin());
            CHECK(list.count_while([&](const skiplist::node& x) { return x.score() < bound; }) == expected);
        }
    }
    check_same(list, model);
    CHECK(list.at(model.size()) == nullptr);
    CHECK(list.rank(1e9, "absent") == skiplist::npos);
    const skiplist copy(list);
    check_same(copy, model);
    skiplist moved(std::move(list));
    check_same(moved, model);
    while (!model.empty()) {
        const std::size_t r = rng() % model.size();
        CHECK(moved.erase(model[r].first, model[r].second));
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(r));
    }
    check_same(moved, model);
    CHECK(moved.first() == nullptr);
}

TEST_CASE("sorted_set keeps its index and its order in step, packed and as a skip list") {
    for (const bool big : {false, true}) {
        CAPTURE(big);
        sorted_set z;
        if (big) z.to_skiplist();
        z.insert("b", 2);
        z.insert("a", 2);
        z.insert("c", 1);
        CHECK(z.packed() == !big);
        CHECK(z.size() == 3);
        CHECK((*z.begin()).second == "c");
        CHECK(z.rank("a", 2) == 1);
        z.update("c", 3);
        CHECK(*z.score("c") == 3);
        std::string order;
        z.visit(2, 3, true, [&](std::string_view m, double) { order += m; });
        CHECK(order == "cba");
        CHECK(z.erase("a"));
        CHECK_FALSE(z.erase("a"));
        CHECK_FALSE(z.score("a").has_value());
        CHECK((*z.begin()).second == "b");
        const sorted_set copy = z;
        CHECK(copy.size() == 2);
        CHECK(copy.packed() == !big);
        CHECK(copy.rank("c", 3) == 1);
        // -0 keeps its sign in the skip list only, as in Redis (a listpack stores it as 0).
        z.insert("zero", -0.0);
        CHECK(std::signbit(*z.score("zero")) == big);
    }
}

TEST_CASE("sorted_set matches a sorted vector in both forms, through conversions") {
    std::mt19937_64 rng(7);
    // Scores that exercise every packed score encoding: small and large integers, negatives,
    // fractions, -0 and the infinities.
    const double specials[] = {0.0, -0.0, 1, 239, 240, -1, -128, 127, 32768, -32769, 1e15, -9007199254740991.0,
                               9007199254740992.0, 0.5, -2.25, 1e300, -1e-300, 1.0 / 0.0, -1.0 / 0.0};
    for (int round = 0; round < 6; ++round) {
        CAPTURE(round);
        sorted_set z;
        std::vector<element> model;
        const respkit::store::zset_limits limits{static_cast<std::size_t>(round * 20), 8};
        for (int op = 0; op < 1500; ++op) {
            const std::string member = "m" + std::to_string(rng() % (round % 2 == 0 ? 60 : 400)) +
                                       std::string(rng() % 16 == 0 ? 10 : 0, 'x');
            const double score = rng() % 3 == 0 ? specials[rng() % std::size(specials)]
                                                : static_cast<double>(static_cast<std::int64_t>(rng() % 2001) - 1000) / 4;
            auto it = std::find_if(model.begin(), model.end(), [&](const element& e) { return e.second == member; });
            const auto present = z.score(member);
            REQUIRE(present.has_value() == (it != model.end()));
            if (present) {
                CHECK(*present == it->first);
                if (rng() % 2 == 0) {
                    CHECK(z.erase(member));
                    model.erase(it);
                } else {
                    z.update(member, score);
                    it->first = score;
                }
            } else {
                const bool was_packed = z.packed();
                z.insert(member, score, limits);
                if (was_packed) CHECK(z.packed() == (model.size() + 1 <= limits.max_entries && member.size() <= limits.max_value));
                model.emplace_back(score, member);
            }
            std::sort(model.begin(), model.end());
            if (op % 300 == 299) {
                // Back to packed, as the *STORE commands and the loaders convert.
                if (z.fits(limits, z.max_member_size())) z.to_packed();
            }
        }
        REQUIRE(z.size() == model.size());
        std::size_t i = 0;
        for (const auto& [score, member] : z) {
            CHECK(score == model[i].first);
            CHECK(member == model[i].second);
            CHECK(z.rank(member, score) == i);
            ++i;
        }
        std::vector<std::string> down;
        z.visit(model.size() - 1, model.size(), true, [&](std::string_view m, double) { down.emplace_back(m); });
        REQUIRE(down.size() == model.size());
        CHECK(std::equal(down.rbegin(), down.rend(), model.begin(), [](const std::string& m, const element& e) { return m == e.second; }));
        const double bound = 10;
        const auto expected = static_cast<std::size_t>(std::count_if(model.begin(), model.end(), [&](const element& e) { return e.first < bound; }));
        CHECK(z.count_while([&](double s, std::string_view) { return s < bound; }) == expected);
        // A scan sees every member; a packed set in one step.
        std::vector<std::string> seen;
        std::uint64_t cursor = 0;
        int steps = 0;
        do {
            cursor = z.scan(cursor, 7, [&](std::string_view m, double) { seen.emplace_back(m); });
            ++steps;
        } while (cursor != 0 && steps < 100000);
        if (z.packed()) CHECK(steps == 1);
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
        CHECK(seen.size() == model.size());
        sorted_set other = z;
        other.to_skiplist();
        other.to_packed();
        CHECK(other.packed());
        CHECK(std::equal(other.begin(), other.end(), z.begin(), z.end()));
    }
}

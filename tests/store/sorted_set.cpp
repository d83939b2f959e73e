// store::skiplist and store::sorted_set, randomised against a sorted vector: insert, erase,
// score updates, rank, element at rank, and range starts by score and by member.

#include <doctest/doctest.h>

#include <algorithm>
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

TEST_CASE("sorted_set keeps its map and its order in step") {
    sorted_set z;
    z.insert("b", 2);
    z.insert("a", 2);
    z.insert("c", 1);
    CHECK(z.size() == 3);
    CHECK(z.ordered.first()->member() == "c");
    CHECK(z.ordered.rank(2, "a") == 1);
    z.update("c", 3);
    CHECK(*z.score("c") == 3);
    CHECK(z.ordered.last()->member() == "c");
    CHECK(z.erase("a"));
    CHECK_FALSE(z.erase("a"));
    CHECK(z.score("a") == nullptr);
    CHECK(z.ordered.first()->member() == "b");
    const sorted_set copy = z;
    CHECK(copy.size() == 2);
    CHECK(copy.ordered.rank(3, "c") == 1);
}

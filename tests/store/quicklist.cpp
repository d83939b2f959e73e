// store::quicklist: node sizes at the limits of list-max-listpack-size (negative sizes and
// positive counts), splitting and merging on insert, indexes across node boundaries, erasures
// in the middle of nodes, elements bigger than a node, and a randomised run against std::deque.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/store/quicklist.hpp"

using respkit::store::quicklist;

namespace {

std::vector<std::size_t> node_counts(const quicklist& q) {
    std::vector<std::size_t> counts;
    q.for_each_node([&](std::size_t count, std::size_t) { counts.push_back(count); });
    return counts;
}

std::vector<std::string> elements(const quicklist& q) {
    std::vector<std::string> out;
    for (const std::string_view e : q) out.emplace_back(e);
    return out;
}

// Every element read forwards, backwards and by index agrees with `want`; the node counts add up.
void check_same(const quicklist& q, const std::deque<std::string>& want) {
    REQUIRE(q.size() == want.size());
    std::size_t i = 0;
    for (auto it = q.begin(); it != q.end(); ++it, ++i) REQUIRE(*it == want[i]);
    REQUIRE(i == want.size());
    for (auto it = q.end(); it != q.begin();) {
        --it;
        --i;
        REQUIRE(*it == want[i]);
    }
    for (std::size_t k = 0; k < want.size(); k += 1 + want.size() / 13) REQUIRE(q[k] == want[k]);
    std::size_t total = 0, nodes = 0;
    q.for_each_node([&](std::size_t count, std::size_t) {
        REQUIRE(count > 0);
        total += count;
        ++nodes;
    });
    REQUIRE(total == want.size());
    REQUIRE(nodes == q.node_count());
}

std::string numbered(std::size_t i, std::size_t width = 16) {
    std::string s = std::to_string(i);
    s.insert(0, width > s.size() ? width - s.size() : 0, '0');
    return s;
}

} // namespace

TEST_CASE("positive fill: a node holds that many elements, LPUSH and RPUSH alike") {
    for (const std::int32_t fill : {1, 2, 5, 128}) {
        CAPTURE(fill);
        quicklist tail(fill), head(fill);
        for (std::size_t i = 0; i < 300; ++i) {
            tail.push_back(numbered(i));
            head.push_front(numbered(i));
        }
        const std::size_t full = static_cast<std::size_t>(fill);
        const std::vector<std::size_t> counts = node_counts(tail);
        CHECK(counts.size() == (300 + full - 1) / full);
        for (std::size_t k = 0; k + 1 < counts.size(); ++k) CHECK(counts[k] == full);
        CHECK(node_counts(head).size() == counts.size());
        CHECK(head.front() == numbered(299));
        CHECK(tail.back() == numbered(299));
    }
}

TEST_CASE("negative fill: node bytes up to 4, 8, 16, 32, 64 KB; a positive count stops at 8 KB") {
    const std::size_t levels[] = {4096, 8192, 16384, 32768, 65536};
    for (std::int32_t fill = -1; fill >= -5; --fill) {
        CAPTURE(fill);
        quicklist q(fill);
        for (std::size_t i = 0; i < 20000; ++i) q.push_back(numbered(i)); // 18 packed bytes each
        const std::size_t limit = levels[-fill - 1];
        std::vector<std::size_t> bytes;
        q.for_each_node([&](std::size_t, std::size_t b) { bytes.push_back(b); });
        for (std::size_t k = 0; k + 1 < bytes.size(); ++k) {
            // Redis's estimate (packed size, listpack header, element, 8) let the last one in ...
            CHECK(bytes[k] - 18 + 7 + 16 + 8 <= limit);
            CHECK(bytes[k] + 7 + 16 + 8 > limit); // ... and not one more
        }
    }
    // A count bigger than an 8 KB node holds: the safety limit wins.
    quicklist q(1000);
    for (std::size_t i = 0; i < 2000; ++i) q.push_back(numbered(i, 100));
    for (const std::size_t count : node_counts(q)) CHECK(count < 1000);
    CHECK(q.node_count() > 20);
    // Unknown negative sizes (-6 and below) allow one element per node, as Redis's rule does.
    quicklist single(-6);
    for (std::size_t i = 0; i < 10; ++i) single.push_back("x");
    CHECK(single.node_count() == 10);
}

TEST_CASE("an element bigger than a node gets a node of its own, at either end and inside") {
    quicklist q; // 8 KB nodes
    for (std::size_t i = 0; i < 10; ++i) q.push_back(numbered(i));
    const std::string huge(100000, 'h');
    q.push_back(huge);
    q.push_back("after");
    q.push_front(huge);
    CHECK(node_counts(q) == std::vector<std::size_t>{1, 10, 1, 1});
    q.insert(q.at(5), huge, false); // inside a node with room: it goes in (the node outgrows 8 KB)
    CHECK(q[5] == huge);
    CHECK(q.size() == 14);
    CHECK(q[12] == huge);
    CHECK(q.back() == "after");
    q.replace(q.at(1), huge); // LSET grows a node past its limit, as Redis's does
    CHECK(q[1] == huge);
    q.replace(q.at(1), "small"); // and shrinks it back
    CHECK(q[1] == "small");
    q.pop_front();
    CHECK(q.front() == "small");
}

TEST_CASE("insert into a full node: neighbour's near end, a new node, or a split and merge") {
    quicklist q(4);
    for (std::size_t i = 0; i < 12; ++i) q.push_back(numbered(i)); // [0..3][4..7][8..11]
    REQUIRE(node_counts(q) == std::vector<std::size_t>{4, 4, 4});
    std::deque<std::string> want;
    for (std::size_t i = 0; i < 12; ++i) want.push_back(numbered(i));
    // After the last of a full node whose next is full too: a new node between them.
    q.insert(q.at(3), "a", true);
    want.insert(want.begin() + 4, "a");
    CHECK(node_counts(q) == std::vector<std::size_t>{4, 1, 4, 4});
    check_same(q, want);
    // Before the first of a full node whose previous has room: the previous's tail.
    q.insert(q.at(5), "b", false);
    want.insert(want.begin() + 5, "b");
    CHECK(node_counts(q) == std::vector<std::size_t>{4, 2, 4, 4});
    check_same(q, want);
    // In the middle of a full node: split there; the parts merge with neighbours that have room.
    q.insert(q.at(8), "c", false); // node [4..7] at its third element
    want.insert(want.begin() + 8, "c");
    check_same(q, want);
    std::size_t total = 0;
    for (const std::size_t count : node_counts(q)) {
        CHECK(count <= 4);
        total += count;
    }
    CHECK(total == 15);
    // After the middle element of a full node.
    q.insert(q.at(12), "d", true);
    want.insert(want.begin() + 13, "d");
    check_same(q, want);
    for (const std::size_t count : node_counts(q)) CHECK(count <= 4);
}

TEST_CASE("indexes across node boundaries, erasures and trims in the middle of nodes") {
    quicklist q(3);
    std::deque<std::string> want;
    for (std::size_t i = 0; i < 40; ++i) {
        q.push_back(numbered(i, 1 + i % 7));
        want.push_back(numbered(i, 1 + i % 7));
    }
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(q[i] == want[i]);
    // Erase in the middle, at node starts and ends (LREM's steps): erase() answers the next one.
    for (const std::size_t i : {4, 0, 5, 30, 17, 2}) {
        auto next = q.erase(q.at(i));
        want.erase(want.begin() + static_cast<std::ptrdiff_t>(i));
        if (i < want.size()) CHECK(*next == want[i]);
        else CHECK(next == q.end());
        check_same(q, want);
    }
    // LTRIM's cuts: whole nodes and parts of nodes at both ends.
    q.erase_back(4);
    want.erase(want.end() - 4, want.end());
    q.erase_front(7);
    want.erase(want.begin(), want.begin() + 7);
    check_same(q, want);
    q.erase_front(q.size());
    CHECK(q.empty());
    CHECK(q.node_count() == 0);
}

TEST_CASE("pops from both ends give back spare room; copies are equal and independent") {
    quicklist q;
    for (std::size_t i = 0; i < 5000; ++i) q.push_back(numbered(i));
    const std::size_t full = q.allocated_bytes();
    CHECK(full < 5000 * 19 + q.node_count() * 64); // 18 packed bytes per element, a header per node
    quicklist copy(q);
    for (std::size_t i = 0; i < 4990; ++i) {
        if (i % 2 == 0) q.pop_front();
        else q.pop_back();
    }
    CHECK(q.size() == 10);
    CHECK(q.allocated_bytes() < 1024);
    CHECK(copy.size() == 5000);
    CHECK(copy[2500] == numbered(2500));
    CHECK(elements(q).front() == numbered(2495));
    quicklist moved(std::move(copy));
    CHECK(moved.size() == 5000);
    CHECK(copy.empty()); // NOLINT(bugprone-use-after-move): a moved-from list is empty
}

TEST_CASE("randomised against std::deque, for every kind of fill") {
    for (const std::int32_t fill : {-2, -1, -5, 1, 2, 7, 0, -6}) {
        CAPTURE(fill);
        std::mt19937 random(static_cast<std::uint32_t>(fill + 100));
        const auto element = [&] {
            const unsigned kind = random() % 25;
            const std::size_t length = kind == 0 ? random() % 20000 : kind == 1 ? random() % 300 : random() % 24;
            std::string s(length, 'x');
            for (char& c : s) c = static_cast<char>('a' + random() % 26);
            return s;
        };
        quicklist q(fill);
        std::deque<std::string> want;
        for (int step = 0; step < 4000; ++step) {
            const std::string s = element();
            const std::size_t i = want.empty() ? 0 : random() % want.size();
            switch (random() % 14) {
            case 0: case 1: case 12: q.push_back(s); want.push_back(s); break;
            case 2: case 3: case 13: q.push_front(s); want.push_front(s); break;
            case 4: if (!want.empty()) { q.pop_front(); want.pop_front(); } break;
            case 5: if (!want.empty()) { q.pop_back(); want.pop_back(); } break;
            case 6: if (!want.empty()) { q.replace(q.at(i), s); want[i] = s; } break;
            case 7:
                if (!want.empty()) {
                    const bool after = random() % 2 == 0;
                    q.insert(q.at(i), s, after);
                    want.insert(want.begin() + static_cast<std::ptrdiff_t>(i + (after ? 1 : 0)), s);
                }
                break;
            case 8: if (!want.empty()) { (void)q.erase(q.at(i)); want.erase(want.begin() + static_cast<std::ptrdiff_t>(i)); } break;
            case 9: if (random() % 32 == 0) { q.erase_front(i); want.erase(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(i)); } break;
            case 10: if (random() % 32 == 0) { q.erase_back(i); want.erase(want.end() - static_cast<std::ptrdiff_t>(i), want.end()); } break;
            default: if (random() % 16 == 0) { quicklist copy(q); q = std::move(copy); } break;
            }
            if (step % 101 == 0) check_same(q, want);
        }
        check_same(q, want);
    }
}

TEST_CASE("the packed threshold (DEBUG QUICKLIST-PACKED-THRESHOLD): larger elements live alone, as Redis's plain nodes") {
    CHECK(quicklist::packed_threshold() == std::size_t{1} << 30);
    CHECK_FALSE(quicklist::set_packed_threshold((std::uint64_t{1} << 32) - (1u << 20) + 1)); // over 4 GB less 1 MB
    REQUIRE(quicklist::set_packed_threshold(10));
    // RPUSH l a b 0123456789 c d 01234567890123 e; LPUSH l 0123456789xx f; LINSERT l BEFORE c
    // 0123456789yy: redis-server 7.0.15's DEBUG OBJECT shows ql_nodes:8 after the same.
    quicklist l;
    for (const std::string_view e : {"a", "b", "0123456789", "c", "d", "01234567890123", "e"}) l.push_back(e);
    l.push_front("0123456789xx");
    l.push_front("f");
    l.insert(l.at(5), "0123456789yy", false);
    CHECK(l.node_count() == 8);
    const std::vector<std::string_view> expected = {"f", "0123456789xx", "a", "b", "0123456789", "0123456789yy",
                                                    "c", "d", "01234567890123", "e"};
    CHECK(std::vector<std::string_view>(l.begin(), l.end()) == expected);
    REQUIRE(quicklist::set_packed_threshold(0)); // the default again
    CHECK(quicklist::packed_threshold() == std::size_t{1} << 30);
}

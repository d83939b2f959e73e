// store::stream (respkit/store/stream.hpp): nodes of a bounded number of entries, tombstones kept
// until a node empties, Redis's trims (exact: whole nodes then single entries; approximate: whole
// nodes within LIMIT), the first / largest-deleted IDs and the consumer groups' estimates.
// Command-level behaviour against redis-server: tests/diff/streams.redis.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "respkit/store/stream.hpp"

using namespace respkit::store;

namespace {

stream filled(std::uint64_t n, std::size_t per_node) {
    stream s;
    const std::vector<std::string> items{"f", "v"};
    for (std::uint64_t i = 1; i <= n; ++i) s.append({i, 0}, items, per_node);
    return s;
}

} // namespace

TEST_CASE("stream: nodes fill to their limit; a deleted entry stays as a tombstone until its node empties") {
    stream s = filled(10, 4);
    CHECK(s.nodes().size() == 3);
    CHECK(s.length() == 10);
    CHECK(s.erase({1, 0}));
    CHECK_FALSE(s.erase({1, 0}));
    CHECK(s.first_id() == stream_id{2, 0});
    CHECK(s.max_deleted_id() == stream_id{1, 0});
    CHECK(s.nodes().front()->entries.size() == 4); // the tombstone is kept
    for (std::uint64_t i = 2; i <= 4; ++i) CHECK(s.erase({i, 0}));
    CHECK(s.nodes().size() == 2);                   // the emptied node is gone
    CHECK(s.find({5, 0}) != nullptr);
    CHECK(s.find({4, 0}) == nullptr);
    std::vector<std::uint64_t> seen;
    s.range({6, 0}, {9, 0}, true, [&](const stream_entry& e) {
        seen.push_back(e.id().ms);
        return seen.size() < 3;
    });
    CHECK(seen == std::vector<std::uint64_t>{9, 8, 7});
}

TEST_CASE("stream: exact and approximate trims remove what Redis's streamTrim removes") {
    stream s = filled(10, 4);
    stream::trim_spec approx;
    approx.max_length = 5;
    approx.approximate = true;
    approx.limit = 400;
    CHECK(s.trim(approx) == 4); // the first node only: the second would leave 2 < 5
    CHECK(s.length() == 6);
    approx.limit = 3;
    approx.max_length = 0;
    CHECK(s.trim(approx) == 0); // a whole node (4) would pass the limit
    stream::trim_spec exact;
    exact.max_length = 3;
    CHECK(s.trim(exact) == 3); // the next node would leave 2 < 3: three of its entries go one by one
    CHECK(s.length() == 3);
    CHECK(s.first_id() == stream_id{8, 0});
    stream::trim_spec minid;
    minid.by_min_id = true;
    minid.min_id = {10, 0};
    CHECK(s.trim(minid) == 2);
    CHECK(s.first_id() == stream_id{10, 0});
    CHECK(s.trim(stream::trim_spec{}) == 1); // MAXLEN 0
    CHECK(s.length() == 0);
    CHECK(s.first_id() == stream_id{});
    CHECK(s.last_id() == stream_id{10, 0});
}

TEST_CASE("stream: a group's entries-read and lag follow Redis's estimates") {
    stream s = filled(5, 100);
    stream_group g;
    CHECK(s.lag_of(g) == 5 - s.entries_read_up_to({}));
    s.advance_group(g, {1, 0});
    CHECK(g.entries_read == 1);
    CHECK(s.lag_of(g) == 4);
    CHECK(s.erase({3, 0}));
    s.advance_group(g, {2, 0}); // a tombstone lies ahead: the counter is estimated, and unknown
    CHECK(g.entries_read == stream_group::invalid_entries_read);
    CHECK(s.lag_of(g) == -1);
    s.advance_group(g, {4, 0});
    CHECK(g.entries_read == stream_group::invalid_entries_read);
    s.advance_group(g, {5, 0}); // the last ID: every entry added was read
    CHECK(g.entries_read == 5);
    CHECK(s.lag_of(g) == 0);
    CHECK(g.add_consumer("c", 1));
    g.deliver({5, 0}, "c", 7);
    CHECK(g.pending.at({5, 0}).delivery_time == 7);
    CHECK(g.delete_consumer("c") == 1);
    CHECK(g.pending.empty());
}

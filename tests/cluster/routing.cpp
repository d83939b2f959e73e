// cluster::route_command and route_error: each of Redis 7.0's getNodeByQuery outcomes on a table
// of three nodes (compared with redis-server's own replies, on a real cluster, in
// tests/integration/cluster_bus.cpp).

#include <doctest/doctest.h>

#include <respkit/cluster/routing.hpp>

#include <set>
#include <string>
#include <string_view>

using namespace respkit::cluster;

namespace {

const std::string node_a(40, 'a'), node_b(40, 'b');

node_table two_nodes() {
    node_table t;
    node_info& me = t.find_or_add(node_a);
    me.flags = node_flag::myself | node_flag::primary;
    me.ip = "10.0.0.1";
    me.port = 7000;
    node_info& other = t.find_or_add(node_b);
    other.flags = node_flag::primary;
    other.ip = "10.0.0.2";
    other.port = 7001;
    other.pport = 6001;
    other.hostname = "b.example";
    for (unsigned slot = 0; slot < 8192; ++slot) t.assign_slot(slot, node_a);
    for (unsigned slot = 8192; slot < slot_count; ++slot) t.assign_slot(slot, node_b);
    return t;
}

struct keys_here {
    std::set<std::string, std::less<>> keys;
    bool operator()(std::string_view k) const { return keys.count(k) != 0; }
};

} // namespace

TEST_CASE("route_command: here, MOVED, CROSSSLOT, no keys, and the cluster down") {
    const node_table t = two_nodes();
    const keys_here none;
    const routing_settings defaults;
    // "bar" is slot 5061 (here), "foo" 12182 (node_b).
    CHECK(route_command(t, node_a, {.keys = {"bar"}}, true, defaults, none).kind == route_kind::here);
    const route moved = route_command(t, node_a, {.keys = {"foo"}}, true, defaults, none);
    CHECK(moved.kind == route_kind::moved);
    CHECK(route_error(moved) == "MOVED 12182 10.0.0.2:7001");
    CHECK(route_error(moved, endpoint_type::hostname) == "MOVED 12182 b.example:7001");
    CHECK(route_error(moved, endpoint_type::unknown_endpoint) == "MOVED 12182 :7001");
    CHECK(route_error(moved, endpoint_type::ip, true) == "MOVED 12182 10.0.0.2:6001");
    CHECK(route_command(t, node_a, {.keys = {"bar", "foo"}}, true, defaults, none).kind == route_kind::cross_slot);
    CHECK(route_error({.kind = route_kind::cross_slot}) == "CROSSSLOT Keys in request don't hash to the same slot");
    CHECK(route_command(t, node_a, {.keys = {"{bar}1", "{bar}2", "bar"}}, true, defaults, none).kind == route_kind::here);
    CHECK(route_command(t, node_a, {}, false, defaults, none).kind == route_kind::here); // no keys: always here

    // Down: keys refused; reads allowed with cluster-allow-reads-when-down; sharded pub/sub allowed by default.
    CHECK(route_error(route_command(t, node_a, {.keys = {"bar"}}, false, defaults, none)) == "CLUSTERDOWN The cluster is down");
    const routing_settings reads{.allow_reads_when_down = true};
    CHECK(route_command(t, node_a, {.keys = {"bar"}}, false, reads, none).kind == route_kind::here);
    CHECK(route_error(route_command(t, node_a, {.keys = {"bar"}, .write = true}, false, reads, none)) ==
          "CLUSTERDOWN The cluster is down and only accepts read commands");
    CHECK(route_command(t, node_a, {.keys = {"bar"}, .pubsub_shard = true}, false, defaults, none).kind == route_kind::here);
    CHECK(route_command(t, node_a, {.keys = {"bar"}, .pubsub_shard = true}, false, {.allow_pubsubshard_when_down = false}, none)
              .kind == route_kind::down);

    node_table unbound = two_nodes();
    unbound.unassign_slot(5061);
    CHECK(route_error(route_command(unbound, node_a, {.keys = {"bar"}}, true, defaults, none)) == "CLUSTERDOWN Hash slot not served");
}

TEST_CASE("route_command: a slot migrating away asks for missing keys; an importing slot serves ASKING") {
    node_table t = two_nodes();
    t.migrating()[5061] = node_b; // "bar"'s slot, ours, moving to node_b
    keys_here have{{"bar"}};
    const routing_settings defaults;
    CHECK(route_command(t, node_a, {.keys = {"bar"}}, true, defaults, have).kind == route_kind::here);
    const route ask = route_command(t, node_a, {.keys = {"{bar}new"}}, true, defaults, have);
    CHECK(route_error(ask) == "ASK 5061 10.0.0.2:7001");
    CHECK(route_error(route_command(t, node_a, {.keys = {"bar", "{bar}new"}}, true, defaults, have)) ==
          "TRYAGAIN Multiple keys request during rehashing of slot");
    CHECK(route_command(t, node_a, {.keys = {"{bar}new"}, .migrate = true}, true, defaults, have).kind == route_kind::here);
    CHECK(route_command(t, node_a, {.keys = {"{bar}new"}, .pubsub_shard = true}, true, defaults, have).kind == route_kind::here);

    // b's view: importing the slot from node_a.
    node_table tb = two_nodes();
    tb.find(node_a)->flags = node_flag::primary;
    tb.find(node_b)->flags = node_flag::primary | node_flag::myself;
    tb.importing()[5061] = node_a;
    const keys_here got{{"{bar}new"}};
    CHECK(route_command(tb, node_b, {.keys = {"{bar}new"}}, true, defaults, got).kind == route_kind::moved); // no ASKING
    CHECK(route_command(tb, node_b, {.keys = {"{bar}new"}, .asking = true}, true, defaults, got).kind == route_kind::here);
    CHECK(route_command(tb, node_b, {.keys = {"{bar}x"}, .asking = true}, true, defaults, got).kind == route_kind::here);
    CHECK(route_command(tb, node_b, {.keys = {"{bar}new", "{bar}x"}, .asking = true}, true, defaults, got).kind ==
          route_kind::try_again);
}

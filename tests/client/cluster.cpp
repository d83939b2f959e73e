// The cluster client against a three-node cluster of redis-servers made by redis-cli --cluster
// create: keys written and read across every node (each key checked on the node serving its
// slot), a pipeline split by node with its replies in order, hash-tagged multi-key commands,
// commands whose keys move (COMMAND GETKEYS) and containers, ASK while a slot migrates and MOVED
// once it has moved.

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "respkit/client.hpp"
#include "respkit/client/cluster.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_cluster.hpp"

using namespace respkit_test;
namespace client = respkit::client;
using namespace std::chrono_literals;

namespace {

client::cluster_options options_for(redis_cluster& cluster) {
    client::cluster_options o;
    o.seeds.push_back({"127.0.0.1", static_cast<std::uint16_t>(cluster.node(0).server.port())});
    o.node_options.connect_timeout = 2s;
    o.node_options.read_timeout = 5s;
    return o;
}

/// The payload of a `$N\r\n...\r\n` reply ("" for others).
std::string bulk_of(const std::string& reply) {
    const std::size_t start = reply.find('\n');
    return reply.size() > 3 && reply[0] == '$' ? reply.substr(start + 1, reply.size() - start - 3) : std::string();
}

/// The node of `cluster` whose CLUSTER MYID is `id`'s index, by asking each.
std::string id_of(redis_cluster_node& node) {
    raw_connection c(node.server.port());
    return c.call({"CLUSTER", "MYID"}) ? bulk_of(c.last()) : std::string();
}

std::size_t index_of_port(redis_cluster& cluster, int port) {
    for (std::size_t i = 0; i < cluster.size(); ++i)
        if (cluster.node(i).server.port() == port) return i;
    return cluster.size();
}

} // namespace

TEST_CASE("cluster client: keys on every node, pipelines split by node, hash tags, moving keys") {
    redis_cluster cluster(3);
    if (find_on_path("redis-cli").empty() || !cluster.node(0).server.running()) {
        MESSAGE("redis-server or redis-cli not installed: skipped");
        return;
    }
    INFO(cluster.create_output().out, cluster.create_output().err);
    REQUIRE(cluster.ready());
    client::cluster_client c(options_for(cluster));
    REQUIRE(c.refresh_slots().ok());
    for (unsigned slot : {0U, 5460U, 5461U, 10922U, 10923U, 16383U}) CHECK(c.node_of_slot(slot).has_value());

    std::vector<std::size_t> per_node(cluster.size(), 0);
    for (int i = 0; i < 300; ++i) {
        const std::string key = "key:" + std::to_string(i);
        auto set = c.command("SET", key, i);
        REQUIRE(set.ok());
        CHECK(set->string() == "OK");
        // The key is on the node of its slot, and only there.
        const auto owner = c.node_of_slot(respkit::cluster::key_slot(key));
        REQUIRE(owner.has_value());
        const std::size_t index = index_of_port(cluster, owner->port);
        REQUIRE(index < cluster.size());
        ++per_node[index];
        raw_connection direct(owner->port);
        REQUIRE(direct.call({"GET", key}));
        CHECK(direct.last() == "$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) + "\r\n");
    }
    for (std::size_t n : per_node) CHECK(n > 50); // every node got its share

    client::cluster_pipeline p;
    for (int i = 0; i < 300; ++i) p.add("GET", "key:" + std::to_string(i));
    p.add("INCRBY", "key:7", 10);
    p.add("PING");
    auto replies = c.execute(p);
    REQUIRE(replies.ok());
    REQUIRE(replies->size() == 302);
    for (int i = 0; i < 300; ++i) CHECK((*replies)[static_cast<std::size_t>(i)].string() == std::to_string(i));
    CHECK((*replies)[300].integer() == 17);
    CHECK((*replies)[301].string() == "PONG");

    auto mset = c.command("MSET", "{user1}.name", "ann", "{user1}.age", "33");
    REQUIRE(mset.ok());
    CHECK(mset->string() == "OK");
    auto mget = c.command("MGET", "{user1}.name", "{user1}.age");
    REQUIRE(mget.ok());
    REQUIRE(mget->elements().size() == 2);
    CHECK((*mget)[0].string() == "ann");
    auto cross = c.command("MSET", "a", "1", "b", "2"); // different slots: the server refuses
    REQUIRE(cross.ok());
    CHECK(cross->is_error());
    CHECK(cross->string().substr(0, 9) == "CROSSSLOT");

    // Keys found by COMMAND GETKEYS (ZUNIONSTORE's keys follow a count) and in a container.
    REQUIRE(c.command("ZADD", "{z}a", 1, "x").ok());
    auto zunion = c.command("ZUNIONSTORE", "{z}dst", 1, "{z}a");
    REQUIRE(zunion.ok());
    CHECK(zunion->integer() == 1);
    auto encoding = c.command("OBJECT", "ENCODING", "{z}dst");
    REQUIRE(encoding.ok());
    CHECK(encoding->string() == "listpack");
}

TEST_CASE("cluster client: ASK during a slot's migration, MOVED after it") {
    redis_cluster cluster(3);
    if (find_on_path("redis-cli").empty() || !cluster.node(0).server.running()) {
        MESSAGE("redis-server or redis-cli not installed: skipped");
        return;
    }
    REQUIRE(cluster.ready());
    client::cluster_client c(options_for(cluster));
    const unsigned slot = respkit::cluster::key_slot("foo");
    REQUIRE(c.command("SET", "foo", "bar").ok());
    const auto from_address = c.node_of_slot(slot);
    REQUIRE(from_address.has_value());
    const std::size_t from = index_of_port(cluster, from_address->port);
    const std::size_t to = (from + 1) % cluster.size();
    const std::string from_id = id_of(cluster.node(from));
    const std::string to_id = id_of(cluster.node(to));
    raw_connection source(cluster.node(from).server.port());
    raw_connection target(cluster.node(to).server.port());
    REQUIRE(target.call({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", from_id}));
    REQUIRE(target.last() == "+OK\r\n");
    REQUIRE(source.call({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", to_id}));
    REQUIRE(source.last() == "+OK\r\n");

    // foo is still on the source; {foo}new is not, so the source answers ASK.
    auto get = c.command("GET", "foo");
    REQUIRE(get.ok());
    CHECK(get->string() == "bar");
    auto set_new = c.command("SET", "{foo}new", "v");
    REQUIRE(set_new.ok());
    CHECK(set_new->string() == "OK");
    REQUIRE(target.call({"ASKING"}));
    REQUIRE(target.call({"GET", "{foo}new"}));
    CHECK(target.last() == "$1\r\nv\r\n"); // written on the importing node

    // Move foo, then give the slot to the target: the client's map is stale and gets MOVED.
    REQUIRE(source.call({"MIGRATE", "127.0.0.1", std::to_string(cluster.node(to).server.port()), "", "0", "5000", "KEYS", "foo"}));
    REQUIRE(source.last() == "+OK\r\n");
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        raw_connection n(cluster.node(i).server.port());
        REQUIRE(n.call({"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", to_id}));
    }
    CHECK(c.node_of_slot(slot)->port == from_address->port); // stale
    auto moved = c.command("GET", "foo");
    REQUIRE(moved.ok());
    CHECK(moved->string() == "bar");
    CHECK(c.node_of_slot(slot)->port == cluster.node(to).server.port()); // learnt from MOVED
    client::cluster_pipeline p;
    p.add("GET", "{foo}new");
    p.add("GET", "key-elsewhere");
    auto replies = c.execute(p);
    REQUIRE(replies.ok());
    CHECK((*replies)[0].string() == "v");
    CHECK((*replies)[1].is_null());
}

// cluster::bus_engine, several engines joined by an in-memory network that carries their
// actions (connections, encoded messages, closes) with a simulated clock: MEET and handshakes,
// gossip spreading nodes and slots, epochs and their collisions, UPDATE to a stale node, PFAIL
// then FAIL by the primaries' majority, the cluster's state. An engine against redis-server
// itself, over real sockets: tests/integration/cluster_bus.cpp.

#include <doctest/doctest.h>

#include <respkit/cluster/bus_engine.hpp>
#include <respkit/cluster/nodes_file.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace respkit::cluster;

namespace {

/// Engines on ports 7000, 7001, ... (bus ports + 10000), connected through memory.
class network {
public:
    explicit network(int count, std::uint64_t node_timeout = 1000) {
        for (int i = 0; i < count; ++i) {
            std::string name(40, '0');
            name[0] = static_cast<char>('a' + i);
            bus_settings settings;
            settings.node_timeout_ms = node_timeout;
            settings.port = static_cast<std::uint16_t>(7000 + i);
            settings.cport = static_cast<std::uint16_t>(17000 + i);
            engines.push_back(std::make_unique<bus_engine>(bus_engine::fresh_table(name), settings, now, 42 + i));
        }
    }

    /// Runs every engine's cron for `ms` of simulated time, delivering messages as they go.
    void run(std::uint64_t ms) {
        for (std::uint64_t end = now + ms; now < end;) {
            now += 100;
            for (std::size_t i = 0; i < engines.size(); ++i)
                if (!down[i]) engines[i]->tick(now);
            deliver();
        }
    }

    /// Carries out queued actions until none are left.
    void deliver() {
        for (bool busy = true; busy;) {
            busy = false;
            for (std::size_t i = 0; i < engines.size(); ++i) {
                for (bus_action& a : engines[i]->take_actions()) {
                    busy = true;
                    act(i, a);
                }
            }
        }
    }

    bus_engine& operator[](std::size_t i) { return *engines[i]; }

    std::vector<std::unique_ptr<bus_engine>> engines;
    std::map<std::size_t, bool> down; // an engine that neither ticks nor answers
    std::uint64_t now = 1'000'000;
    std::size_t saves = 0;
    std::size_t bytes_sent = 0;

private:
    struct end {
        std::size_t engine;
        link_id link;
    };

    void act(std::size_t from, const bus_action& a) {
        switch (a.what) {
        case bus_action::kind::connect: {
            const std::size_t to = static_cast<std::size_t>(a.port - 17000);
            if (a.ip != "127.0.0.1" || to >= engines.size() || down[to]) {
                engines[from]->on_link_closed(a.link);
                return;
            }
            const link_id inbound = next_inbound++;
            peers[{from, a.link}] = {to, inbound};
            peers[{to, inbound}] = {from, a.link};
            engines[to]->on_inbound_link(inbound, "127.0.0.1", "127.0.0.1", now);
            engines[from]->on_connected(a.link, now);
            return;
        }
        case bus_action::kind::send: {
            bytes_sent += a.bytes.size();
            const auto it = peers.find({from, a.link});
            if (it == peers.end() || down[it->second.engine]) return;
            bus_message m;
            REQUIRE(!decode_bus_message(a.bytes, m));
            engines[it->second.engine]->on_message(it->second.link, m, now);
            return;
        }
        case bus_action::kind::close: {
            const auto it = peers.find({from, a.link});
            if (it == peers.end()) return;
            const end other = it->second;
            peers.erase(it);
            peers.erase({other.engine, other.link});
            engines[other.engine]->on_link_closed(other.link);
            return;
        }
        case bus_action::kind::save_config:
            ++saves;
            return;
        }
    }

    struct key_less {
        bool operator()(const std::pair<std::size_t, link_id>& a, const std::pair<std::size_t, link_id>& b) const {
            return a < b;
        }
    };
    std::map<std::pair<std::size_t, link_id>, end, key_less> peers;
    link_id next_inbound = 1;
};

std::size_t known_nodes(const bus_engine& e) {
    std::size_t n = 0;
    for (const node_info& node : e.table().nodes()) n += (node.flags & node_flag::handshake) == 0 ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("MEET joins nodes; gossip spreads every node and its slots; the cluster becomes ok") {
    network net(4);
    for (unsigned slot = 0; slot < slot_count; ++slot) net[slot * 4 / slot_count].add_slot(slot, net.now);
    CHECK(net[0].set_config_epoch(1, net.now) == "");
    CHECK(net[1].set_config_epoch(2, net.now) == "");
    CHECK(net[2].set_config_epoch(3, net.now) == "");
    CHECK(net[3].set_config_epoch(4, net.now) == "");
    CHECK(net[0].set_config_epoch(5, net.now) == "Node config epoch is already non-zero");
    // Like redis-cli --cluster create: every node meets the first one.
    for (std::size_t i = 1; i < 4; ++i) CHECK(net[i].meet("127.0.0.1", 7000, 17000, net.now));
    CHECK(!net[1].meet("127.0.0.1", 7000, 17000, net.now)); // a handshake with that address is in progress
    CHECK(!net[1].meet("127.0.0.1", 0, 17000, net.now));
    net.run(5000);

    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        const bus_engine& e = net[i];
        CHECK(known_nodes(e) == 4);
        CHECK(e.table().nodes().size() == 4);
        CHECK(e.table().assigned_slots() == slot_count);
        CHECK(e.size() == 4);
        CHECK(e.state_ok());
        CHECK(e.table().current_epoch == 4);
        for (unsigned slot : {0U, 4095U, 4096U, 16383U}) {
            REQUIRE(e.table().slot_owner(slot) != nullptr);
            CHECK(e.table().slot_owner(slot)->name == net[slot * 4 / slot_count].myself());
            CHECK(e.table().slot_owner(slot)->port == 7000 + slot * 4 / slot_count);
        }
        for (const node_info& n : e.table().nodes()) {
            CHECK((n.flags & (node_flag::pfail | node_flag::fail)) == 0);
            CHECK(n.link_connected);
            CHECK(n.ip == "127.0.0.1");
        }
        // What CLUSTER NODES would print reads back into the same table.
        node_table again;
        CHECK(parse_nodes_file(format_nodes_file(e.table()), again) == "");
        CHECK(format_nodes_file(again) == format_nodes_file(e.table()));
    }
    CHECK(net.saves > 0);
    CHECK(net[0].messages_received().at(bus_message_type::meet) == 3);
}

TEST_CASE("a primary that stops answering is PFAIL, then FAIL by majority; FAIL clears when it is back") {
    network net(3, 1000);
    for (unsigned slot = 0; slot < slot_count; ++slot) net[slot * 3 / slot_count].add_slot(slot, net.now);
    for (std::size_t i = 0; i < 3; ++i) CHECK(net[i].set_config_epoch(i + 1, net.now) == "");
    net[1].meet("127.0.0.1", 7000, 17000, net.now);
    net[2].meet("127.0.0.1", 7000, 17000, net.now);
    net.run(4000);
    REQUIRE(net[0].state_ok());

    net.down[2] = true;
    net.run(4000); // the node timeout is 1 s: PFAIL on both, then FAIL by the two primaries' reports
    for (std::size_t i = 0; i < 2; ++i) {
        const node_info* c = net[i].table().find(net[2].myself());
        REQUIRE(c != nullptr);
        CHECK((c->flags & node_flag::fail) != 0);
        CHECK((c->flags & node_flag::pfail) == 0);
        CHECK(!net[i].state_ok()); // its slots are not served
    }

    net.down[2] = false;
    net.run(5000); // reachable again: cleared after twice the node timeout without a failover
    for (std::size_t i = 0; i < 2; ++i) {
        const node_info* c = net[i].table().find(net[2].myself());
        CHECK((c->flags & (node_flag::fail | node_flag::pfail)) == 0);
        CHECK(net[i].state_ok());
    }
}

TEST_CASE("equal epochs: the node with the smaller name bumps its own") {
    network net(2);
    net[0].add_slot(1, net.now);
    net[1].add_slot(2, net.now);
    net[1].meet("127.0.0.1", 7000, 17000, net.now);
    net.run(3000);
    // Both started at epoch 0: node a (the smaller name) takes a new epoch, and both learn it.
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(net[i].table().find(net[0].myself())->config_epoch == 1);
        CHECK(net[i].table().find(net[1].myself())->config_epoch == 0);
        CHECK(net[i].table().current_epoch == 1);
    }
}

TEST_CASE("a slot moved by SETSLOT: the new owner's greater epoch wins; a stale node gets an UPDATE") {
    network net(3);
    for (unsigned slot = 0; slot < slot_count; ++slot) net[slot * 3 / slot_count].add_slot(slot, net.now);
    for (std::size_t i = 0; i < 3; ++i) CHECK(net[i].set_config_epoch(i + 1, net.now) == "");
    net[1].meet("127.0.0.1", 7000, 17000, net.now);
    net[2].meet("127.0.0.1", 7000, 17000, net.now);
    net.run(4000);
    REQUIRE(net[0].state_ok());

    const std::string a = net[0].myself(), b = net[1].myself();
    CHECK(net[1].set_slot_importing(6000, a, net.now) == "I'm already the owner of hash slot 6000"); // b owns 6000
    CHECK(net[0].set_slot_migrating(6000, b, net.now) == "I'm not the owner of hash slot 6000");
    CHECK(net[0].set_slot_migrating(100, std::string(40, 'x'), net.now) == "I don't know about node " + std::string(40, 'x'));
    CHECK(net[0].set_slot_node(100, std::string(40, 'x'), 0, net.now) == "Unknown node " + std::string(40, 'x'));

    // Node a is cut off while b imports slot 100 from it: a keeps its stale claim.
    net.down[0] = true;
    CHECK(net[1].set_slot_importing(100, a, net.now) == "");
    CHECK(net[1].set_slot_node(100, b, 0, net.now) == ""); // ends the import, bumps b's epoch to 4
    CHECK(net[1].table().find(b)->config_epoch == 4);
    net.run(500);
    CHECK(net[2].table().slot_owner(100)->name == b); // c learnt it from b's PONG broadcast

    // a comes back still claiming slot 100 with epoch 1: it receives an UPDATE and gives it up.
    net.down[0] = false;
    net.run(5000);
    CHECK(net[0].table().slot_owner(100)->name == b);
    CHECK(net[0].take_lost_slots() == std::vector<unsigned>{100});
    CHECK(net[1].messages_sent().count(bus_message_type::update) + net[2].messages_sent().count(bus_message_type::update) > 0);
    CHECK(net[0].set_slot_node(101, b, 3, net.now) ==
          "Can't assign hashslot 101 to a different node while I still hold keys for this hash slot.");
    CHECK(net[0].bump_epoch(net.now));  // 1 is not the greatest epoch: a new one
    CHECK(!net[0].bump_epoch(net.now)); // now it is
}

TEST_CASE("a node unknown to the cluster cannot add nodes by gossip; PING from it is answered") {
    network net(2);
    // Node 1 pings node 0 without a MEET: node 0 answers but does not add it.
    net[1].meet("127.0.0.1", 7000, 17000, net.now);
    net.run(200);
    CHECK(known_nodes(net[0]) == 2); // the MEET added it
    network lonely(2);
    lonely[0].on_inbound_link(1, "127.0.0.1", "127.0.0.1", lonely.now);
    bus_message ping;
    ping.type = bus_message_type::ping;
    ping.sender = std::string(40, 'z');
    ping.port = 9;
    ping.cport = 19;
    ping.gossip.push_back({std::string(40, 'y'), 0, 0, "127.0.0.1", 8, 18, node_flag::primary, 0});
    lonely[0].on_message(1, ping, lonely.now);
    const auto actions = lonely[0].take_actions();
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].what == bus_action::kind::save_config); // it learnt its own address from the link
    CHECK(lonely[0].table().find(lonely[0].myself())->ip == "127.0.0.1");
    CHECK(actions[1].what == bus_action::kind::send);
    bus_message pong;
    REQUIRE(!decode_bus_message(actions[1].bytes, pong));
    CHECK(pong.type == bus_message_type::pong);
    CHECK(pong.sender == lonely[0].myself());
    CHECK(lonely[0].table().nodes().size() == 1);
}

TEST_CASE("CLUSTER's range forms, FLUSHSLOTS, FORGET (kept out of gossip), RESET, PUBLISH to every node") {
    network net(3);
    // Ranges: all or nothing, the state computed once per range.
    CHECK(net[0].add_slots(0, 5460, net.now));
    CHECK(!net[0].add_slots(5000, 6000, net.now)); // 5000 is served already: nothing is added
    CHECK(net[0].table().slot_owner(5461) == nullptr);
    CHECK(net[1].add_slots(5461, 10922, net.now));
    CHECK(net[2].add_slots(10923, 16383, net.now));
    CHECK(!net[2].add_slots(16383, 16384, net.now));
    CHECK(!net[2].add_slots(2, 1, net.now));
    CHECK(net[0].table().assigned_slots() == 5461);
    for (std::size_t i = 0; i < 3; ++i) CHECK(net[i].set_config_epoch(i + 1, net.now) == "");
    for (std::size_t i = 1; i < 3; ++i) CHECK(net[i].meet("127.0.0.1", 7000, 17000, net.now));
    net.run(5000);
    for (std::size_t i = 0; i < 3; ++i) CHECK(net[i].state_ok());
    CHECK(!net[0].delete_slots(16383, 16384, net.now)); // out of range: nothing is deleted
    CHECK(net[0].table().assigned_slots() == slot_count);

    // PUBLISH goes to every other node once; SPUBLISH nowhere (a shard is one primary).
    net[0].publish(false, "news", "hello");
    net[0].publish(true, "shard", "ignored");
    net.deliver();
    for (std::size_t i = 1; i < 3; ++i) {
        const auto got = net[i].take_published();
        REQUIRE(got.size() == 1);
        CHECK(!got[0].sharded);
        CHECK(got[0].channel == "news");
        CHECK(got[0].message == "hello");
    }
    CHECK(net[0].take_published().empty());

    // FORGET: unknown node, myself, then node 2 is gone and gossip does not bring it back.
    const std::string two = net[2].myself();
    CHECK(net[0].forget("0123456789012345678901234567890123456789", net.now) ==
          "Unknown node 0123456789012345678901234567890123456789");
    CHECK(net[0].forget(net[0].myself(), net.now) == "I tried hard but I can't forget myself...");
    CHECK(net[0].forget(two, net.now) == "");
    CHECK(net[0].table().find(two) == nullptr);
    CHECK(net[0].failure_reports(two, net.now) == 0);
    net.run(3000);
    CHECK(net[0].table().find(two) == nullptr);
    CHECK(!net[0].state_ok()); // node 2's slots are served by nobody here

    // FLUSHSLOTS and RESET.
    net[1].flush_slots(net.now);
    CHECK(net[1].table().find(net[1].myself())->slots.count() == 0);
    const std::string old_name = net[1].myself();
    net[1].reset(true, "ffffffffffffffffffffffffffffffffffffffff", net.now);
    CHECK(net[1].myself() == "ffffffffffffffffffffffffffffffffffffffff");
    CHECK(net[1].table().nodes().size() == 1);
    CHECK(net[1].table().current_epoch == 0);
    CHECK(net[1].table().find(old_name) == nullptr);
    CHECK(net[1].table().assigned_slots() == 0);
}

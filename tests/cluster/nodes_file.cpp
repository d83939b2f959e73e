// cluster::node_table and the nodes.conf / CLUSTER NODES text (cluster/nodes_file.hpp): lines as
// Redis 7.0 prints them, a file read and written again unchanged, every check of Redis's
// clusterLoadConfig (files written by redis-server itself are read and written again in
// tests/integration/cluster_bus.cpp).

#include <doctest/doctest.h>

#include <respkit/cluster/node_table.hpp>
#include <respkit/cluster/nodes_file.hpp>

#include <string>

using namespace respkit::cluster;

namespace {

const std::string a = "e0b1ce54f5e19668d80d9700d4fa8dd307ebb1c6";
const std::string b = "07c37dfeb235213a872192d90877d0cd55635b91";
const std::string c = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";

} // namespace

TEST_CASE("a file read and written again is unchanged; the table holds what it says") {
    const std::string file =
        a + " 127.0.0.1:30001@40001,node-a myself,master - 0 0 1 connected 0-5460 [5461-<-" + b + "] [7000->-" + c + "]\n" +
        b + " 127.0.0.1:30002@40002 master - 0 1733300000123 2 connected 5461-10922\n" +
        c + " 127.0.0.1:30003@40003 master,fail? - 1733300000000 1733299999000 3 disconnected 10923-16382 16383\n" +
        "vars currentEpoch 3 lastVoteEpoch 0\n";
    node_table table;
    REQUIRE(parse_nodes_file(file, table) == "");
    CHECK(table.nodes().size() == 3);
    REQUIRE(table.myself() != nullptr);
    CHECK(table.myself()->name == a);
    CHECK(table.myself()->hostname == "node-a");
    CHECK(table.current_epoch == 3);
    CHECK(table.assigned_slots() == 16384);
    CHECK(table.slot_owner(0)->name == a);
    CHECK(table.slot_owner(5461)->name == b);
    CHECK(table.slot_owner(16383)->name == c);
    CHECK(table.find(c)->flags == (node_flag::primary | node_flag::pfail));
    CHECK(table.find(c)->ping_sent == 1733300000000ULL);
    CHECK(table.importing().at(5461) == b);
    CHECK(table.migrating().at(7000) == c);
    // Written again: "10923-16382 16383" becomes one range, as Redis would write it.
    std::string expected = file;
    expected.replace(expected.find("10923-16382 16383"), 17, "10923-16383");
    CHECK(format_nodes_file(table) == expected);
}

TEST_CASE("describe_node: flags in Redis's order, a replica shows its primary's epoch, noflags") {
    node_table table;
    node_info& p = table.find_or_add(a);
    p.ip = "10.0.0.1";
    p.port = 7000;
    p.cport = 17000;
    p.flags = node_flag::primary | node_flag::myself;
    p.config_epoch = 7;
    table.assign_slot(3, a);
    table.assign_slot(4, a);
    table.assign_slot(9, a);
    CHECK(describe_node(table, *table.find(a)) == a + " 10.0.0.1:7000@17000 myself,master - 0 0 7 connected 3-4 9");
    node_info& r = table.find_or_add(b);
    r.flags = node_flag::replica | node_flag::fail | node_flag::nofailover;
    r.primary = a;
    r.config_epoch = 1;
    CHECK(describe_node(table, *table.find(b)) == b + " :0@0 slave,fail,nofailover " + a + " 0 0 7 disconnected");
    node_info& h = table.find_or_add(c);
    CHECK(describe_node(table, h) == c + " :0@0 noflags - 0 0 0 disconnected");
    h.flags = node_flag::handshake;
    CHECK(describe_nodes(table).find(c) != std::string::npos);
    CHECK(format_nodes_file(table).find(c) == std::string::npos); // nodes in handshake are not saved
    h.pport = 6000;
    h.port = 6443;
    CHECK(describe_node(table, h, true).find(":6000@") != std::string::npos);
}

TEST_CASE("node_table: slots move between nodes; removing a node frees its slots") {
    node_table table;
    table.find_or_add(a).flags = node_flag::myself | node_flag::primary;
    table.find_or_add(b);
    CHECK(table.assign_slot(10, a));
    CHECK(table.assign_slot(10, b));
    CHECK(!table.find(a)->slots.test(10));
    CHECK(table.slot_owner(10)->name == b);
    CHECK(!table.assign_slot(10, c)); // unknown node
    CHECK(!table.assign_slot(slot_count, a));
    table.assign_slot(11, a);
    table.migrating()[11] = b;
    CHECK(table.remove(b));
    CHECK(table.slot_owner(10) == nullptr);
    CHECK(table.slot_owner(11)->name == a); // owners re-indexed after the removal
    CHECK(table.migrating().empty());
    CHECK(!table.remove(b));
    table.unassign_slot(11);
    CHECK(table.assigned_slots() == 0);
}

TEST_CASE("parse_nodes_file refuses what clusterLoadConfig refuses") {
    const std::string self = a + " 127.0.0.1:30001@40001 myself,master - 0 0 1 connected";
    auto error_of = [](const std::string& text) {
        node_table table;
        return parse_nodes_file(text, table);
    };
    CHECK(error_of(self + "\n") == "");
    CHECK(error_of(self + "\n\n\nvars currentEpoch 1 lastVoteEpoch 0 futureVar 9\n") == ""); // blank lines, unknown vars
    CHECK(error_of("") == "no node is flagged myself");
    CHECK(error_of(b + " 127.0.0.1:1@2 master - 0 0 0 connected\n") == "no node is flagged myself");
    CHECK(error_of(self + "\nvars currentEpoch\n").find("line 2: ") == 0);
    CHECK(error_of(a + " 127.0.0.1:1@2 myself,master - 0 0 1\n") == "line 1: fewer than 8 fields");
    CHECK(error_of("E0B1 127.0.0.1:1@2 myself - 0 0 1 connected\n") == "line 1: bad node name");
    CHECK(error_of(a + " 127.0.0.1 myself - 0 0 1 connected\n") == "line 1: address without a port");
    CHECK(error_of(a + " 127.0.0.1:x@2 myself - 0 0 1 connected\n") == "line 1: bad port");
    CHECK(error_of(a + " 127.0.0.1:70000@2 myself - 0 0 1 connected\n") == "line 1: bad port");
    CHECK(error_of(a + " 127.0.0.1:1@x myself - 0 0 1 connected\n") == "line 1: bad cluster bus port");
    CHECK(error_of(a + " 127.0.0.1:1@2 myself,leader - 0 0 1 connected\n") == "line 1: unknown flag 'leader'");
    CHECK(error_of(a + " 127.0.0.1:1@2 myself XYZ 0 0 1 connected\n") == "line 1: bad primary name");
    CHECK(error_of(a + " 127.0.0.1:1@2 myself - x 0 1 connected\n") == "line 1: bad ping time");
    CHECK(error_of(a + " 127.0.0.1:1@2 myself - 0 0 -1 connected\n") == "line 1: bad config epoch");
    CHECK(error_of(self + " 16384\n") == "line 1: bad slot '16384'");
    CHECK(error_of(self + " 1-x\n") == "line 1: bad slot '1-x'");
    CHECK(error_of(self + " [1->-nope]\n") == "line 1: bad slot migration '[1->-nope]'");
    CHECK(error_of(self + " [1-=-" + b + "]\n") == "line 1: bad slot migration '[1-=-" + b + "]'");
    CHECK(error_of(self + " [99999->-" + b + "]\n") == "line 1: bad slot migration '[99999->-" + b + "]'");
    CHECK(error_of(self + "\n" + b + " 127.0.0.1:1@2 myself - 0 0 1 connected\n") == "line 2: a second myself node");
    CHECK(error_of(self + " \"unbalanced\n") == "line 1: unbalanced quotes");

    // Without "@cport", the bus port is the port + 10000 (files from before Redis 4.0).
    node_table old;
    REQUIRE(parse_nodes_file(a + " 127.0.0.1:30001 myself,master - 0 0 0 connected\n", old) == "");
    CHECK(old.myself()->cport == 40001);
    // A replica's epoch is its primary's; the current epoch is at least every node's.
    node_table replica;
    REQUIRE(parse_nodes_file(self + "\n" + b + " 127.0.0.1:1@2 slave " + a + " 0 0 5 connected\nvars currentEpoch 0 lastVoteEpoch 0\n",
                             replica) == "");
    CHECK(replica.find(b)->config_epoch == 0);
    CHECK(replica.find(b)->primary == a);
    CHECK(replica.current_epoch == 1);
}

// respkit's cluster layer against Debian's redis-server 7.0.15 started with cluster-enabled:
// cluster::key_slot equals CLUSTER KEYSLOT over thousands of keys (hash tags and their edge
// cases included), and a PING written by cluster::encode_bus_message to redis-server's cluster
// port is answered with a PONG that cluster::decode_bus_message reads (its sender, slots, ports,
// flags and hostname extension as CLUSTER MYID / ADDSLOTSRANGE / the configuration say), and
// that encode_bus_message writes again byte for byte. A three-node cluster of redis-servers made
// by `redis-cli --cluster create`: each node's nodes.conf and CLUSTER NODES are read by
// cluster::parse_nodes_file and written again byte for byte.

#include <doctest/doctest.h>

#include <respkit/cluster/bus_message.hpp>
#include <respkit/cluster/key_slot.hpp>
#include <respkit/cluster/node_table.hpp>
#include <respkit/cluster/nodes_file.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <system_error>
#include <vector>

#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit_test;
using namespace respkit::cluster;
using namespace std::chrono_literals;

namespace {

/// A redis-server cluster node on free ports, its nodes.conf in a temporary directory.
struct redis_cluster_node {
    temp_dir dir;
    int cport = free_port();
    server_process server;
    explicit redis_cluster_node(const std::string& hostname = "node-a.test")
        : server(start_redis_server({"--dir", dir.path, "--cluster-enabled", "yes", "--cluster-port", std::to_string(cport),
                                     "--cluster-config-file", "nodes.conf", "--cluster-announce-hostname", hostname})) {}
};

/// The payload of a `$N\r\n...\r\n` reply.
std::string bulk_reply(const std::string& reply) {
    const std::size_t start = reply.find('\n');
    return reply.size() > 3 && reply[0] == '$' && start != std::string::npos ? reply.substr(start + 1, reply.size() - start - 3)
                                                                            : std::string();
}

/// One whole bus message read from `fd` within `limit` ("" on timeout, close or a bad frame).
std::string read_bus_message(int fd, std::chrono::milliseconds limit) {
    std::string bytes;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        std::error_code error;
        const std::size_t length = bus_message_length(bytes, 1 << 20, error);
        if (error) return {};
        if (length != 0 && bytes.size() >= length) return bytes.substr(0, length);
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return {};
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    return {};
}

/// The integer of a `:N\r\n` reply.
long long integer_reply(const std::string& reply) {
    return reply.size() > 3 && reply[0] == ':' ? std::stoll(reply.substr(1)) : -1;
}

} // namespace

TEST_CASE("key_slot equals redis-server's CLUSTER KEYSLOT") {
    redis_cluster_node node;
    if (!node.server.running()) {
        MESSAGE("redis-server not installed or failed to start: skipped");
        return;
    }
    raw_connection c(node.server.port());
    REQUIRE(c.connected());

    std::vector<std::string> keys = {"", "{", "}", "{}", "{}{a}", "a{b}c", "{a}{b}", "{{a}}", "x{", "x}{y}", "{user1000}.following",
                                     "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", std::string("\0{\xff}", 4)};
    std::mt19937 random(7);
    const std::string alphabet = "{}ab\xff\x00z";
    for (int i = 0; i < 3000; ++i) {
        std::string key;
        const auto length = random() % 12;
        for (unsigned j = 0; j < length; ++j) key += alphabet[random() % alphabet.size()];
        keys.push_back(key);
    }
    for (int i = 0; i < 2000; ++i) keys.push_back("key:" + std::to_string(i));

    std::size_t compared = 0;
    for (const std::string& key : keys) {
        REQUIRE(c.call({"CLUSTER", "KEYSLOT", key}));
        CAPTURE(printable(key));
        CHECK(integer_reply(c.last()) == static_cast<long long>(key_slot(key)));
        ++compared;
    }
    MESSAGE(compared << " keys compared with CLUSTER KEYSLOT");
}

TEST_CASE("a PING to redis-server's cluster port is answered with a PONG read and re-written byte for byte") {
    redis_cluster_node node;
    if (!node.server.running()) {
        MESSAGE("redis-server not installed or failed to start: skipped");
        return;
    }
    raw_connection c(node.server.port());
    REQUIRE(c.connected());
    REQUIRE(c.call({"CLUSTER", "ADDSLOTSRANGE", "0", "999", "5000", "5000"}));
    REQUIRE(c.last() == "+OK\r\n");
    REQUIRE(c.call({"CLUSTER", "MYID"}));
    const std::string myid = c.last().substr(c.last().find('\n') + 1, node_name_length);
    REQUIRE(wait_for_port(node.cport, 5s));

    const int fd = connect_loopback(node.cport);
    REQUIRE(fd >= 0);
    bus_message ping;
    ping.type = bus_message_type::ping;
    ping.sender = std::string(40, 'e');
    ping.port = 1;
    ping.cport = 2;
    ping.flags = node_flag::primary;
    REQUIRE(send_all(fd, encode_bus_message(ping)));
    const std::string bytes = read_bus_message(fd, 10s);
    ::close(fd);
    REQUIRE(!bytes.empty());

    bus_message pong;
    REQUIRE(!decode_bus_message(bytes, pong));
    CHECK(pong.type == bus_message_type::pong);
    CHECK(pong.sender == myid);
    CHECK(pong.port == node.server.port());
    CHECK(pong.cport == node.cport);
    CHECK(pong.flags == (node_flag::primary | node_flag::myself));
    CHECK(pong.replica_of.empty());
    CHECK(pong.hostname == "node-a.test");
    CHECK(pong.unknown_extensions == 0);
    CHECK(pong.gossip.empty()); // it knows no other node
    CHECK(pong.slots.count() == 1001);
    CHECK(pong.slots.test(0));
    CHECK(pong.slots.test(999));
    CHECK(!pong.slots.test(1000));
    CHECK(pong.slots.test(5000));
    CHECK(encode_bus_message(pong) == bytes);
}

TEST_CASE("redis-server drops a bus connection whose message lacks the signature, as bus_message_length refuses it") {
    redis_cluster_node node;
    if (!node.server.running()) {
        MESSAGE("redis-server not installed or failed to start: skipped");
        return;
    }
    REQUIRE(wait_for_port(node.cport, 5s));
    bus_message ping;
    ping.sender = std::string(40, 'e');
    std::string bytes = encode_bus_message(ping);
    bytes[3] = 'X';
    std::error_code error;
    CHECK(bus_message_length(bytes, 1 << 20, error) == 0);
    CHECK((error == respkit::errc::bus_bad_signature));

    const int fd = connect_loopback(node.cport);
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, bytes));
    char buf[64];
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    CHECK((n == 0 || (n < 0 && errno == ECONNRESET))); // closed (or reset: our bytes unread) without a reply
    ::close(fd);
}

TEST_CASE("nodes.conf and CLUSTER NODES of a redis-cli-made cluster are read and written again byte for byte") {
    const std::string cli = find_on_path("redis-cli");
    redis_cluster_node n1("n1.test"), n2("n2.test"), n3("n3.test");
    if (cli.empty() || !n1.server.running() || !n2.server.running() || !n3.server.running()) {
        MESSAGE("redis-server or redis-cli not installed, or a node failed to start: skipped");
        return;
    }
    std::vector<std::string> argv = {cli, "--cluster", "create"};
    for (const redis_cluster_node* n : {&n1, &n2, &n3})
        argv.push_back("127.0.0.1:" + std::to_string(n->server.port()) + "@" + std::to_string(n->cport));
    argv.insert(argv.end(), {"--cluster-replicas", "0", "--cluster-yes"});
    const run_output created = run_program(argv, {}, 60s);
    INFO(created.out, created.err);
    REQUIRE(created.exit_code == 0);

    std::size_t nodes_compared = 0;
    for (const redis_cluster_node* n : {&n1, &n2, &n3}) {
        raw_connection c(n->server.port());
        REQUIRE(c.connected());
        // Every node knows the three, each with its slots (gossip spreads them within seconds), and
        // the cluster is up.
        node_table table;
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        std::string nodes;
        do {
            REQUIRE(c.call({"CLUSTER", "NODES"}));
            nodes = bulk_reply(c.last());
            table = node_table();
            REQUIRE(parse_nodes_file(nodes, table) == "");
            REQUIRE(c.call({"CLUSTER", "INFO"}));
            const bool ok = c.last().find("cluster_state:ok") != std::string::npos; // after a 2 s delay on a primary
            if (ok && table.nodes().size() == 3 && table.assigned_slots() == slot_count) break;
            std::this_thread::sleep_for(100ms);
        } while (std::chrono::steady_clock::now() < deadline);
        CHECK(table.nodes().size() == 3);
        CHECK(table.assigned_slots() == slot_count);
        CHECK(describe_nodes(table) == nodes);
        REQUIRE(c.call({"CLUSTER", "MYID"}));
        CHECK(table.myself()->name == bulk_reply(c.last()));
        CHECK(table.myself()->port == n->server.port());
        CHECK(table.myself()->cport == n->cport);
        for (const std::string key : {"foo", "bar", "{user1000}.following"}) {
            REQUIRE(c.call({"CLUSTER", "KEYSLOT", key}));
            const node_info* owner = table.slot_owner(key_slot(key));
            REQUIRE(owner != nullptr);
            // The owner answers a GET of the key; the others redirect to it.
            REQUIRE(c.call({"GET", key}));
            if (owner->name == table.myself()->name)
                CHECK(c.last() == "$-1\r\n");
            else
                CHECK(c.last() == "-MOVED " + std::to_string(key_slot(key)) + " 127.0.0.1:" + std::to_string(owner->port) + "\r\n");
        }

        REQUIRE(c.call({"CLUSTER", "SAVECONFIG"}));
        const std::string file = read_file(n->dir.file("nodes.conf"));
        node_table saved;
        REQUIRE(parse_nodes_file(file, saved) == "");
        CHECK(format_nodes_file(saved) == file);
        CHECK(saved.current_epoch >= 3); // redis-cli gives each node its own config epoch
        ++nodes_compared;
    }
    CHECK(nodes_compared == 3);
}

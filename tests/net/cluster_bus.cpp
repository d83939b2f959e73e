// net::cluster_bus: two bus_engines, each on a tcp_server's loop (in-process, each on its own
// thread), join a redis-server 7.0.15 cluster node: A meets the redis node, B meets A. Every node
// ends up knowing the three as connected primaries with their slots, and redis-server says the
// cluster is ok. The engines' view is read through a command on their own loop.
// cluster-link-sendbuf-limit: two buses, the second stops reading; the first's link to it
// grows past a limit set at run time, is freed at the next tick, counted, and opened again.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "respkit/cluster/bus_engine.hpp"
#include "respkit/cluster/nodes_file.hpp"
#include "respkit/net/cluster_bus.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_cluster.hpp"

using namespace respkit_test;
using namespace respkit;
using namespace std::chrono_literals;

namespace {

/// The payload of a `$N\r\n...\r\n` reply ("" for others).
std::string bulk_of(const std::string& reply) {
    const std::size_t start = reply.find('\n');
    return reply.size() > 3 && reply[0] == '$' ? reply.substr(start + 1, reply.size() - start - 3) : std::string();
}

/// A tcp_server whose loop runs a cluster bus; NODES answers the engine's CLUSTER NODES text.
class bus_node {
public:
    /// `address`: the bus's listening and source address (bind-source-addr).
    bus_node(const std::string& name, unsigned first_slot, unsigned last_slot, std::uint64_t epoch,
             std::uint64_t node_timeout_ms = 5000, const std::string& address = "127.0.0.1") {
        m_commands.add({.name = "nodes", .arity = 1}, [this](server::command_call& call) {
            call.reply().bulk_string(cluster::describe_nodes(m_engine->table()));
        });
        // PUB <bytes> <count>: publishes `count` messages of `bytes` bytes to the cluster.
        m_commands.add({.name = "pub", .arity = 3}, [this](server::command_call& call) {
            const std::string payload(std::stoul(std::string(call.arg(1))), 'x');
            for (unsigned long i = std::stoul(std::string(call.arg(2))); i > 0; --i) m_engine->publish(false, "ch", payload);
            m_bus->perform();
            call.ok();
        });
        // LIMIT <bytes>: CONFIG SET cluster-link-sendbuf-limit.
        m_commands.add({.name = "limit", .arity = 2}, [this](server::command_call& call) {
            m_bus->set_send_buffer_limit(std::stoull(std::string(call.arg(1))));
            call.ok();
        });
        // BUFFER <node>: "<links freed> <outbound links to node> <their bytes used> <allocated>".
        m_commands.add({.name = "buffer", .arity = 2}, [this](server::command_call& call) {
            std::uint64_t links = 0, used = 0, allocated = 0;
            for (const auto& l : m_engine->links()) {
                if (l.inbound || l.node != call.arg(1)) continue;
                ++links;
                used += m_bus->send_buffer(l.id).used;
                allocated += m_bus->send_buffer(l.id).allocated;
            }
            call.reply().bulk_string(std::to_string(m_bus->send_buffer_limit_exceeded()) + " " + std::to_string(links) + " " +
                                     std::to_string(used) + " " + std::to_string(allocated));
        });
        net::tcp_server_options options;
        options.port = 0;
        options.log = [](std::string_view) {};
        m_server.emplace(m_commands, m_context, std::move(options));
        REQUIRE(!m_server->listen());
        cluster::bus_settings settings;
        settings.node_timeout_ms = node_timeout_ms;
        settings.port = static_cast<std::uint16_t>(m_server->port());
        m_bus_port = free_port();
        settings.cport = static_cast<std::uint16_t>(m_bus_port);
        m_engine.emplace(cluster::bus_engine::fresh_table(name), settings, net::cluster_bus::now_ms(), epoch);
        for (unsigned slot = first_slot; slot <= last_slot; ++slot) m_engine->add_slot(slot, net::cluster_bus::now_ms());
        REQUIRE(m_engine->set_config_epoch(epoch, net::cluster_bus::now_ms()) == "");
        net::cluster_bus_options bus;
        bus.port = static_cast<std::uint16_t>(m_bus_port);
        bus.bind = address;
        if (address != "127.0.0.1") bus.source_address = address;
        bus.save_config = [this](const cluster::node_table&) { ++saves; };
        bus.warning = [this](const std::string& line) {
            if (line.starts_with("Freeing cluster link(to node ") && line.ends_with(") due to exceeding send buffer memory limit."))
                ++freed_warnings;
        };
        m_bus.emplace(*m_server, *m_engine, std::move(bus));
        REQUIRE(!m_bus->listen());
        REQUIRE(m_bus->port() == m_bus_port);
    }
    ~bus_node() {
        m_server->stop();
        if (m_thread.joinable()) m_thread.join();
        m_bus.reset();
    }

    /// CLUSTER MEET, before run().
    void meet(int port, int cport) {
        REQUIRE(m_engine->meet("127.0.0.1", static_cast<unsigned>(port), static_cast<unsigned>(cport), net::cluster_bus::now_ms()));
        m_bus->perform();
    }
    void run() {
        m_thread = std::thread([this] { m_server->run(); });
    }
    /// Stops the loop: the node's sockets stay open and nobody reads them.
    void pause() {
        m_server->stop();
        if (m_thread.joinable()) m_thread.join();
    }
    /// The engine's view, asked on its loop.
    cluster::node_table view() {
        raw_connection c(m_server->port());
        cluster::node_table table;
        if (c.call({"NODES"})) (void)cluster::parse_nodes_file(bulk_of(c.last()), table);
        return table;
    }
    [[nodiscard]] int port() const { return m_server->port(); }
    [[nodiscard]] int bus_port() const { return m_bus_port; }

    std::atomic<int> saves{0};
    std::atomic<int> freed_warnings{0}; ///< links freed for their send buffer, logged

private:
    server::dispatcher m_commands;
    server::server_context m_context;
    std::optional<net::tcp_server> m_server;
    std::optional<cluster::bus_engine> m_engine;
    std::optional<net::cluster_bus> m_bus;
    std::thread m_thread;
    int m_bus_port = 0;
};

} // namespace

TEST_CASE("two cluster buses on tcp_server loops and a redis-server node make one cluster") {
    redis_cluster_node redis("redis.test");
    if (!redis.server.running()) {
        MESSAGE("redis-server not installed: skipped");
        return;
    }
    raw_connection r(redis.server.port());
    REQUIRE(r.call({"CLUSTER", "ADDSLOTSRANGE", "0", "5460"}));
    REQUIRE(r.call({"CLUSTER", "SET-CONFIG-EPOCH", "1"}));
    REQUIRE(wait_for_port(redis.cport, 5s));

    bus_node a("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 5461, 10922, 2);
    bus_node b("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 10923, 16383, 3);
    a.meet(redis.server.port(), redis.cport);
    b.meet(a.port(), a.bus_port());
    a.run();
    b.run();

    std::string nodes, info;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    bool joined = false;
    while (!joined && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
        raw_connection q(redis.server.port());
        if (!q.call({"CLUSTER", "NODES"})) continue;
        nodes = bulk_of(q.last());
        if (!q.call({"CLUSTER", "INFO"})) continue;
        info = q.last();
        const cluster::node_table va = a.view(), vb = b.view();
        joined = info.find("cluster_state:ok") != std::string::npos && info.find("cluster_known_nodes:3") != std::string::npos &&
                 va.nodes().size() == 3 && vb.nodes().size() == 3 && va.assigned_slots() == cluster::slot_count &&
                 vb.assigned_slots() == cluster::slot_count;
    }
    INFO(nodes, info);
    CHECK(joined);
    cluster::node_table theirs;
    REQUIRE(cluster::parse_nodes_file(nodes, theirs) == "");
    for (const char* name : {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}) {
        const cluster::node_info* n = theirs.find(name);
        REQUIRE(n != nullptr);
        CHECK(n->flags == cluster::node_flag::primary);
        CHECK(n->link_connected);
        CHECK(n->slots.count() > 5000);
    }
    for (bus_node* node : {&a, &b}) {
        const cluster::node_table view = node->view();
        for (const cluster::node_info& n : view.nodes()) {
            CHECK((n.flags & (cluster::node_flag::pfail | cluster::node_flag::fail | cluster::node_flag::handshake)) == 0);
            CHECK(n.link_connected);
        }
        CHECK(view.slot_owner(0)->port == redis.server.port());
        CHECK(node->saves > 0);
    }
}

namespace {

/// BUFFER's four figures from `node`: links freed, outbound links to `peer`, bytes used, allocated.
struct link_buffer {
    std::uint64_t freed = 0, links = 0, used = 0, allocated = 0;
};
link_buffer buffer_of(const bus_node& node, const std::string& peer) {
    raw_connection c(node.port());
    link_buffer out;
    if (c.call({"BUFFER", peer})) std::istringstream(bulk_of(c.last())) >> out.freed >> out.links >> out.used >> out.allocated;
    return out;
}

} // namespace

TEST_CASE("cluster_bus frees a link whose send buffer passes cluster-link-sendbuf-limit, then reopens it") {
    const std::string a_name(40, 'c'), b_name(40, 'd');
    // A long node timeout: the link to the paused node must not time out before the limit acts.
    bus_node a(a_name, 0, 8191, 1, 60000);
    bus_node b(b_name, 8192, 16383, 2, 60000);
    a.meet(b.port(), b.bus_port());
    a.run();
    b.run();
    bool joined = false;
    for (const auto deadline = std::chrono::steady_clock::now() + 10s; !joined && std::chrono::steady_clock::now() < deadline;) {
        std::this_thread::sleep_for(50ms);
        joined = true;
        for (bus_node* node : {&a, &b}) {
            const cluster::node_table view = node->view();
            joined = joined && view.nodes().size() == 2;
            for (const cluster::node_info& n : view.nodes())
                joined = joined && n.link_connected && (n.flags & cluster::node_flag::handshake) == 0;
        }
    }
    REQUIRE(joined);

    b.pause();
    // No limit yet: what B's socket does not take piles up in A's buffer (the kernel's buffers
    // take some megabytes first).
    link_buffer before;
    raw_connection client(a.port());
    for (int round = 0; round < 128 && before.used <= (std::uint64_t{1} << 20); ++round) {
        REQUIRE(client.call({"PUB", "65536", "16"}));
        before = buffer_of(a, b_name);
    }
    CAPTURE(before.used);
    CHECK(before.freed == 0);
    CHECK(before.links == 1);
    CHECK(before.used > (std::uint64_t{1} << 20));
    CHECK(before.allocated >= before.used);

    // A limit of 256 KiB: the next tick frees the link, and a later one opens a new one.
    REQUIRE(client.call({"LIMIT", "262144"}));
    link_buffer after;
    for (const auto deadline = std::chrono::steady_clock::now() + 5s;
         !(after.freed == 1 && after.links == 1) && std::chrono::steady_clock::now() < deadline;) {
        std::this_thread::sleep_for(20ms);
        after = buffer_of(a, b_name);
    }
    CHECK(after.freed == 1);
    CHECK(a.freed_warnings == 1);
    CHECK(after.links == 1); // reopened by the handshake
    CHECK(after.used <= 262144);
    CHECK(after.allocated <= 262144);
}

TEST_CASE("cluster_bus binds its outgoing links to bind-source-addr") {
    // A listens and connects from 127.0.0.2: B learns A's address from the link A opened (its
    // MEET announces none), so B reaches A back only if A's link came from 127.0.0.2.
    const std::string a_name(40, 'e'), b_name(40, 'f');
    bus_node a(a_name, 0, 8191, 1, 5000, "127.0.0.2");
    bus_node b(b_name, 8192, 16383, 2);
    a.meet(b.port(), b.bus_port());
    a.run();
    b.run();
    std::string a_seen_from_b;
    bool joined = false;
    for (const auto deadline = std::chrono::steady_clock::now() + 10s; !joined && std::chrono::steady_clock::now() < deadline;) {
        std::this_thread::sleep_for(50ms);
        joined = true;
        for (bus_node* node : {&a, &b}) {
            const cluster::node_table view = node->view();
            joined = joined && view.nodes().size() == 2;
            for (const cluster::node_info& n : view.nodes()) {
                joined = joined && n.link_connected && (n.flags & cluster::node_flag::handshake) == 0;
                if (node == &b && n.name == a_name) a_seen_from_b = n.ip;
            }
        }
    }
    CHECK(joined);
    CHECK(a_seen_from_b == "127.0.0.2");
}

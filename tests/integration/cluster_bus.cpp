// respkit's cluster layer against Debian's redis-server 7.0.15 started with cluster-enabled:
// cluster::key_slot equals CLUSTER KEYSLOT over thousands of keys (hash tags and their edge
// cases included), and a PING written by cluster::encode_bus_message to redis-server's cluster
// port is answered with a PONG that cluster::decode_bus_message reads (its sender, slots, ports,
// flags and hostname extension as CLUSTER MYID / ADDSLOTSRANGE / the configuration say), and
// that encode_bus_message writes again byte for byte. A three-node cluster of redis-servers made
// by `redis-cli --cluster create`: each node's nodes.conf and CLUSTER NODES are read by
// cluster::parse_nodes_file and written again byte for byte. A cluster::bus_engine driven over
// real sockets joins a redis-server node by MEET: each sees the other as a connected primary with
// its slots, and the cluster is ok on both. cluster::route_command's decisions, turned into errors
// by route_error, equal redis-server's replies on a cluster with a slot being migrated.

#include <doctest/doctest.h>

#include <respkit/cluster/bus_engine.hpp>
#include <respkit/cluster/bus_message.hpp>
#include <respkit/cluster/key_slot.hpp>
#include <respkit/cluster/node_table.hpp>
#include <respkit/cluster/nodes_file.hpp>
#include <respkit/cluster/routing.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <random>
#include <string>
#include <thread>
#include <system_error>
#include <vector>

#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_cluster.hpp"

using namespace respkit_test;
using namespace respkit::cluster;
using namespace std::chrono_literals;

namespace {

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
    redis_cluster cluster(3);
    INFO(cluster.create_output().out, cluster.create_output().err);
    if (find_on_path("redis-cli").empty() || !cluster.node(0).server.running()) {
        MESSAGE("redis-server or redis-cli not installed, or a node failed to start: skipped");
        return;
    }
    REQUIRE(cluster.ready());

    std::size_t nodes_compared = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        const redis_cluster_node* n = &cluster.node(i);
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

namespace {

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

/// A bus_engine's transport for the test: a listening socket on its bus port, blocking connects
/// (loopback), one buffer per link, framing by bus_message_length.
class engine_driver {
public:
    engine_driver(bus_engine& engine, int listener) : m_engine(engine), m_listener(listener) {}
    ~engine_driver() {
        for (auto& [id, l] : m_links) ::close(l.fd);
    }

    /// Runs the engine for up to `limit`, or until `done()` is true (checked every 100 ms).
    template <class Done>
    bool run(std::chrono::milliseconds limit, Done done) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        auto next_tick = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() < deadline) {
            if (std::chrono::steady_clock::now() >= next_tick) {
                m_engine.tick(now_ms());
                next_tick += 100ms;
                perform();
                if (done()) return true;
            }
            std::vector<pollfd> fds{{m_listener, POLLIN, 0}};
            std::vector<link_id> ids{0};
            for (auto& [id, l] : m_links) {
                fds.push_back({l.fd, POLLIN, 0});
                ids.push_back(id);
            }
            if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
            if ((fds[0].revents & POLLIN) != 0) {
                sockaddr_in peer{};
                socklen_t length = sizeof peer;
                const int fd = ::accept(m_listener, reinterpret_cast<sockaddr*>(&peer), &length);
                if (fd >= 0) {
                    const link_id id = m_next_inbound++;
                    m_links[id] = {fd, {}};
                    m_engine.on_inbound_link(id, "127.0.0.1", "127.0.0.1", now_ms());
                }
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_link(ids[i]);
            }
            perform();
        }
        return done();
    }

private:
    struct link {
        int fd = -1;
        std::string buffer;
    };

    void read_link(link_id id) {
        auto it = m_links.find(id);
        if (it == m_links.end()) return;
        char buf[65536];
        const ssize_t n = ::recv(it->second.fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ::close(it->second.fd);
            m_links.erase(it);
            m_engine.on_link_closed(id);
            return;
        }
        it->second.buffer.append(buf, static_cast<std::size_t>(n));
        while (true) {
            it = m_links.find(id);
            if (it == m_links.end()) return;
            std::error_code error;
            const std::size_t length = bus_message_length(it->second.buffer, 1 << 20, error);
            if (error) {
                ::close(it->second.fd);
                m_links.erase(it);
                m_engine.on_link_closed(id);
                return;
            }
            if (length == 0 || it->second.buffer.size() < length) return;
            bus_message m;
            const std::string frame = it->second.buffer.substr(0, length);
            it->second.buffer.erase(0, length);
            if (!decode_bus_message(frame, m)) m_engine.on_message(id, m, now_ms());
            perform();
        }
    }

    void perform() {
        for (const bus_action& a : m_engine.take_actions()) {
            switch (a.what) {
            case bus_action::kind::connect: {
                const int fd = connect_loopback(a.port);
                if (fd < 0) {
                    m_engine.on_link_closed(a.link);
                    break;
                }
                m_links[a.link] = {fd, {}};
                m_engine.on_connected(a.link, now_ms());
                break;
            }
            case bus_action::kind::send: {
                const auto it = m_links.find(a.link);
                if (it != m_links.end()) send_all(it->second.fd, a.bytes);
                break;
            }
            case bus_action::kind::close: {
                const auto it = m_links.find(a.link);
                if (it != m_links.end()) {
                    ::close(it->second.fd);
                    m_links.erase(it);
                }
                break;
            }
            case bus_action::kind::save_config:
                break;
            }
        }
    }

    bus_engine& m_engine;
    int m_listener;
    std::map<link_id, link> m_links;
    link_id m_next_inbound = 1;
};

int listen_loopback(int& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
        ::close(fd);
        return -1;
    }
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
    port = ntohs(a.sin_port);
    return fd;
}

} // namespace

TEST_CASE("a bus_engine joins a redis-server node by MEET: each sees the other's slots; the cluster is ok") {
    redis_cluster_node node("redis.test");
    if (!node.server.running()) {
        MESSAGE("redis-server not installed or failed to start: skipped");
        return;
    }
    raw_connection c(node.server.port());
    REQUIRE(c.connected());
    REQUIRE(c.call({"CLUSTER", "ADDSLOTSRANGE", "0", "8191"}));
    REQUIRE(c.call({"CLUSTER", "SET-CONFIG-EPOCH", "1"}));
    REQUIRE(c.call({"CLUSTER", "MYID"}));
    const std::string redis_name = bulk_reply(c.last());
    REQUIRE(wait_for_port(node.cport, 5s));

    int cport = 0;
    const int listener = listen_loopback(cport);
    REQUIRE(listener >= 0);
    bus_settings settings;
    settings.node_timeout_ms = 5000;
    settings.port = static_cast<std::uint16_t>(cport - 1 > 0 ? cport - 1 : cport + 1); // announced only
    settings.cport = static_cast<std::uint16_t>(cport);
    settings.hostname = "respkit.test";
    const std::string our_name = "0123456789abcdef0123456789abcdef01234567";
    bus_engine engine(bus_engine::fresh_table(our_name), settings, now_ms(), 7);
    for (unsigned slot = 8192; slot < slot_count; ++slot) REQUIRE(engine.add_slot(slot, now_ms()));
    REQUIRE(engine.set_config_epoch(2, now_ms()) == "");
    REQUIRE(engine.meet("127.0.0.1", static_cast<unsigned>(node.server.port()), static_cast<unsigned>(node.cport), now_ms()));

    engine_driver driver(engine, listener);
    std::string redis_nodes;
    std::string redis_info;
    const bool joined = driver.run(20s, [&] {
        const node_info* r = engine.table().find(redis_name);
        if (r == nullptr || !r->link_connected || r->slots.count() != 8192 || !engine.state_ok()) return false;
        // Ask redis-server too, through a short-lived connection (the driver is single-threaded).
        raw_connection q(node.server.port());
        if (!q.call({"CLUSTER", "NODES"}) || !q.call({"CLUSTER", "INFO"})) return false;
        redis_info = q.last();
        redis_nodes = q.bytes().substr(0, q.bytes().size() - redis_info.size());
        return redis_info.find("cluster_state:ok") != std::string::npos;
    });
    INFO(redis_nodes, redis_info);
    CHECK(joined);

    node_table theirs;
    REQUIRE(parse_nodes_file(bulk_reply(redis_nodes), theirs) == "");
    const node_info* us = theirs.find(our_name);
    REQUIRE(us != nullptr);
    CHECK(us->flags == node_flag::primary);
    CHECK(us->link_connected);
    CHECK(us->ip == "127.0.0.1");
    CHECK(us->port == settings.port);
    CHECK(us->cport == settings.cport);
    CHECK(us->hostname == "respkit.test");
    CHECK(us->config_epoch == 2);
    CHECK(us->slots.count() == 8192);
    CHECK(us->slots.test(8192));
    CHECK(us->slots.test(16383));
    CHECK(redis_info.find("cluster_known_nodes:2") != std::string::npos);
    CHECK(redis_info.find("cluster_size:2") != std::string::npos);

    const node_info* r = engine.table().find(redis_name);
    REQUIRE(r != nullptr);
    CHECK(r->hostname == "redis.test");
    CHECK(r->config_epoch == 1);
    CHECK(engine.table().current_epoch == 2);
    CHECK(engine.table().find(our_name)->ip == "127.0.0.1"); // learnt from the link redis-server opened to us
    // redis-server now redirects keys of our slots to us.
    REQUIRE(c.call({"GET", "foo"})); // slot 12182
    CHECK(c.last() == "-MOVED 12182 127.0.0.1:" + std::to_string(settings.port) + "\r\n");
    ::close(listener);
}

TEST_CASE("route_command and route_error agree with redis-server's redirections, slot migration included") {
    redis_cluster cluster(3);
    if (find_on_path("redis-cli").empty() || !cluster.node(0).server.running()) {
        MESSAGE("redis-server or redis-cli not installed: skipped");
        return;
    }
    REQUIRE(cluster.ready());
    // The owner of "foo"'s slot starts migrating it to the next node, which imports it.
    const unsigned slot = key_slot("foo");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        raw_connection c(cluster.node(i).server.port());
        REQUIRE(c.call({"CLUSTER", "MYID"}));
        ids.push_back(bulk_reply(c.last()));
    }
    std::size_t source = cluster.size();
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        raw_connection c(cluster.node(i).server.port());
        REQUIRE(c.call({"SET", "foo", "bar"}));
        if (c.last() == "+OK\r\n") source = i;
    }
    REQUIRE(source < cluster.size());
    const std::size_t target = (source + 1) % cluster.size();
    {
        raw_connection t(cluster.node(target).server.port()), s(cluster.node(source).server.port());
        REQUIRE(t.call({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", ids[source]}));
        REQUIRE(s.call({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", ids[target]}));
    }

    struct probe {
        std::size_t node;
        std::vector<std::string> command;
        routing_request request;
        bool asking = false;
    };
    const std::vector<probe> probes = {
        {source, {"GET", "foo"}, {.keys = {"foo"}}},
        {source, {"GET", "{foo}new"}, {.keys = {"{foo}new"}}},
        {source, {"MGET", "foo", "{foo}new"}, {.keys = {"foo", "{foo}new"}}},
        {source, {"MGET", "foo", "bar"}, {.keys = {"foo", "bar"}}},
        {source, {"SET", "{foo}new", "1"}, {.keys = {"{foo}new"}, .write = true}},
        {target, {"GET", "foo"}, {.keys = {"foo"}}},
        {target, {"GET", "{foo}new"}, {.keys = {"{foo}new"}, .asking = true}, true},
        {(source + 2) % cluster.size(), {"GET", "foo"}, {.keys = {"foo"}}},
        {(source + 2) % cluster.size(), {"PING"}, {}},
    };
    std::size_t compared = 0;
    std::set<route_kind> kinds;
    for (const probe& p : probes) {
        CAPTURE(p.command[0]);
        CAPTURE(p.command[1 % p.command.size()]);
        raw_connection c(cluster.node(p.node).server.port());
        REQUIRE(c.call({"CLUSTER", "NODES"}));
        node_table table;
        REQUIRE(parse_nodes_file(bulk_reply(c.last()), table) == "");
        const auto exists = [&](std::string_view key) {
            raw_connection e(cluster.node(p.node).server.port());
            return e.call({"EXISTS", std::string(key)}) && e.last() == ":1\r\n";
        };
        const route r = route_command(table, ids[p.node], p.request, true, {}, exists);
        kinds.insert(r.kind);
        if (p.asking) REQUIRE(c.call({"ASKING"}));
        REQUIRE(c.call(p.command));
        if (r.kind == route_kind::here) {
            CHECK(c.last().rfind("-MOVED", 0) != 0);
            CHECK(c.last().rfind("-ASK", 0) != 0);
            CHECK(c.last().rfind("-TRYAGAIN", 0) != 0);
            CHECK(c.last().rfind("-CROSSSLOT", 0) != 0);
        } else {
            CHECK(c.last() == "-" + route_error(r) + "\r\n");
        }
        ++compared;
    }
    CHECK(compared == probes.size());
    CHECK(kinds == std::set<route_kind>{route_kind::here, route_kind::moved, route_kind::ask, route_kind::cross_slot,
                                        route_kind::try_again});
}

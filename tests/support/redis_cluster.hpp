#pragma once

// Clusters of Debian's redis-server for the tests: nodes on free loopback ports with their
// nodes.conf in a temporary directory, joined by `redis-cli --cluster create`.

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

namespace respkit_test {

/// A redis-server cluster node on free ports (client and bus), its nodes.conf in a temporary
/// directory, announcing `hostname`.
struct redis_cluster_node {
    temp_dir dir;
    int cport = free_port();
    server_process server;
    explicit redis_cluster_node(const std::string& hostname = "node-a.test")
        : server(start_redis_server({"--dir", dir.path, "--cluster-enabled", "yes", "--cluster-port", std::to_string(cport),
                                     "--cluster-config-file", "nodes.conf", "--cluster-announce-hostname", hostname,
                                     "--cluster-node-timeout", "5000"})) {}
};

/// `count` redis-server nodes made one cluster of primaries by redis-cli --cluster create, up
/// (cluster_state:ok on every node) when ready() is true.
class redis_cluster {
public:
    explicit redis_cluster(int count) {
        const std::string cli = find_on_path("redis-cli");
        for (int i = 0; i < count; ++i) m_nodes.push_back(std::make_unique<redis_cluster_node>("n" + std::to_string(i) + ".test"));
        for (const auto& n : m_nodes)
            if (!n->server.running()) return;
        if (cli.empty()) return;
        std::vector<std::string> argv = {cli, "--cluster", "create"};
        for (const auto& n : m_nodes) argv.push_back("127.0.0.1:" + std::to_string(n->server.port()) + "@" + std::to_string(n->cport));
        argv.insert(argv.end(), {"--cluster-replicas", "0", "--cluster-yes"});
        m_create = run_program(argv, {}, std::chrono::seconds(60));
        if (m_create.exit_code != 0) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            bool all_ok = true;
            for (const auto& n : m_nodes) {
                raw_connection c(n->server.port());
                all_ok = all_ok && c.call({"CLUSTER", "INFO"}) && c.last().find("cluster_state:ok") != std::string::npos;
            }
            if (all_ok) {
                m_ready = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    /// True when the cluster was made and is up.
    [[nodiscard]] bool ready() const noexcept { return m_ready; }
    /// What redis-cli printed.
    [[nodiscard]] const run_output& create_output() const noexcept { return m_create; }
    /// The nodes.
    [[nodiscard]] redis_cluster_node& node(std::size_t i) { return *m_nodes[i]; }
    /// How many nodes.
    [[nodiscard]] std::size_t size() const noexcept { return m_nodes.size(); }

private:
    std::vector<std::unique_ptr<redis_cluster_node>> m_nodes;
    run_output m_create;
    bool m_ready = false;
};

} // namespace respkit_test

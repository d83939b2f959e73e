#pragma once

/// \file
/// A cluster as one node knows it: the nodes (name, addresses, flags, epochs, slots), which node
/// serves each of the 16384 slots, the slots this node is migrating or importing, and the
/// cluster's epochs. The state that nodes.conf saves (cluster/nodes_file.hpp) and CLUSTER NODES
/// shows; kept in the order nodes were added, so that a file read and written again is unchanged.

#include <respkit/version.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/cluster/bus_message.hpp"
#include "respkit/cluster/key_slot.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

/// One node of the cluster.
struct node_info {
    std::string name;                 ///< 40 characters, [a-z0-9]
    std::string ip;                   ///< empty while unknown
    std::string hostname;             ///< announced hostname, empty when none
    std::uint16_t port = 0;           ///< client port
    std::uint16_t cport = 0;          ///< cluster bus port
    std::uint16_t pport = 0;          ///< plaintext client port when `port` is TLS (not saved)
    std::uint16_t flags = 0;          ///< node_flag bits
    std::string primary;              ///< the name of its primary; empty for a primary
    std::uint64_t ping_sent = 0;      ///< when a ping to it was sent and not answered (ms), 0: none
    std::uint64_t pong_received = 0;  ///< when its last pong arrived (ms)
    std::uint64_t config_epoch = 0;   ///< its configuration epoch
    bool link_connected = false;      ///< whether a bus link to it is up (myself always is)
    slot_bitmap slots;                ///< the slots it serves
};

/// Whether `name` is a valid node name: 40 characters, lowercase letters and digits (Redis's
/// verifyClusterNodeId).
[[nodiscard]] inline bool valid_node_name(std::string_view name) noexcept {
    if (name.size() != node_name_length) return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

/// The cluster as one node knows it.
class node_table {
public:
    /// No slot owner.
    static constexpr std::uint32_t no_node = 0xFFFFFFFFU;

    node_table() { m_slot_owner.fill(no_node); }

    /// The node named `name`, or nullptr.
    [[nodiscard]] node_info* find(std::string_view name) noexcept {
        for (node_info& n : m_nodes)
            if (n.name == name) return &n;
        return nullptr;
    }
    /// The node named `name`, or nullptr.
    [[nodiscard]] const node_info* find(std::string_view name) const noexcept {
        return const_cast<node_table*>(this)->find(name);
    }
    /// The node named `name`, added with only its name when unknown.
    node_info& find_or_add(std::string_view name) {
        if (node_info* n = find(name)) return *n;
        node_info n;
        n.name = std::string(name);
        m_nodes.push_back(std::move(n));
        return m_nodes.back();
    }
    /// Removes the node named `name` and its slots (and its migrations); false when unknown.
    bool remove(std::string_view name) {
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].name != name) continue;
            for (auto it = m_migrating.begin(); it != m_migrating.end();)
                it = it->second == name ? m_migrating.erase(it) : std::next(it);
            for (auto it = m_importing.begin(); it != m_importing.end();)
                it = it->second == name ? m_importing.erase(it) : std::next(it);
            m_nodes.erase(m_nodes.begin() + static_cast<std::ptrdiff_t>(i));
            rebuild_slot_owners();
            return true;
        }
        return false;
    }
    /// Every node, in the order they were added.
    [[nodiscard]] const std::vector<node_info>& nodes() const noexcept { return m_nodes; }
    /// Every node, in the order they were added.
    [[nodiscard]] std::vector<node_info>& nodes() noexcept { return m_nodes; }

    /// This node, or nullptr before one is flagged `myself`.
    [[nodiscard]] const node_info* myself() const noexcept {
        for (const node_info& n : m_nodes)
            if ((n.flags & node_flag::myself) != 0) return &n;
        return nullptr;
    }

    /// The node serving `slot`, or nullptr.
    [[nodiscard]] const node_info* slot_owner(unsigned slot) const noexcept {
        if (slot >= slot_count || m_slot_owner[slot] == no_node) return nullptr;
        return &m_nodes[m_slot_owner[slot]];
    }
    /// Makes the node named `name` (which must be known) serve `slot`, taking it from its
    /// previous owner; false when the node is unknown or the slot out of range.
    bool assign_slot(unsigned slot, std::string_view name) {
        if (slot >= slot_count) return false;
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].name != name) continue;
            if (m_slot_owner[slot] != no_node) m_nodes[m_slot_owner[slot]].slots.set(slot, false);
            m_nodes[i].slots.set(slot);
            m_slot_owner[slot] = static_cast<std::uint32_t>(i);
            return true;
        }
        return false;
    }
    /// Leaves `slot` unassigned.
    void unassign_slot(unsigned slot) {
        if (slot >= slot_count || m_slot_owner[slot] == no_node) return;
        m_nodes[m_slot_owner[slot]].slots.set(slot, false);
        m_slot_owner[slot] = no_node;
    }
    /// How many slots some node serves.
    [[nodiscard]] unsigned assigned_slots() const noexcept {
        unsigned n = 0;
        for (const std::uint32_t owner : m_slot_owner) n += owner != no_node ? 1U : 0U;
        return n;
    }

    /// The slots this node is migrating, each to the named node.
    [[nodiscard]] std::map<unsigned, std::string>& migrating() noexcept { return m_migrating; }
    /// The slots this node is migrating, each to the named node.
    [[nodiscard]] const std::map<unsigned, std::string>& migrating() const noexcept { return m_migrating; }
    /// The slots this node is importing, each from the named node.
    [[nodiscard]] std::map<unsigned, std::string>& importing() noexcept { return m_importing; }
    /// The slots this node is importing, each from the named node.
    [[nodiscard]] const std::map<unsigned, std::string>& importing() const noexcept { return m_importing; }

    /// The greatest epoch seen in the cluster.
    std::uint64_t current_epoch = 0;
    /// The epoch of this node's last failover vote.
    std::uint64_t last_vote_epoch = 0;

    /// The greatest configuration epoch of any node.
    [[nodiscard]] std::uint64_t max_config_epoch() const noexcept {
        std::uint64_t max = 0;
        for (const node_info& n : m_nodes) max = n.config_epoch > max ? n.config_epoch : max;
        return max;
    }

private:
    void rebuild_slot_owners() {
        m_slot_owner.fill(no_node);
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
            for (unsigned slot = 0; slot < slot_count; ++slot)
                if (m_nodes[i].slots.test(slot)) m_slot_owner[slot] = static_cast<std::uint32_t>(i);
    }

    std::vector<node_info> m_nodes;
    std::array<std::uint32_t, slot_count> m_slot_owner{};
    std::map<unsigned, std::string> m_migrating;
    std::map<unsigned, std::string> m_importing;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

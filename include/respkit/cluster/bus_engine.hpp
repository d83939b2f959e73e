#pragma once

/// \file
/// The cluster bus protocol of one primary node, without a transport: handshakes (MEET), PING /
/// PONG with gossip sections, node addresses, slot configuration by configuration epoch (and
/// UPDATE messages to nodes with a stale view), epoch collisions, failure detection (PFAIL after
/// `cluster-node-timeout` without an answer, FAIL by a majority of primaries' reports, FAIL
/// messages, and clearing it again), and the cluster's state (ok / fail) as Redis 7.0's
/// clusterProcessPacket, clusterCron and clusterUpdateState decide them. The caller owns the
/// sockets: it tells the engine of links opened, closed and messages read, calls tick() every
/// 100 ms, and carries out the actions the engine queues (connect, send, close, save nodes.conf).
/// Replicas, failover elections and manual failover are not part of it (docs/cluster.md).

#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/cluster/bus_message.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "respkit/cluster/node_table.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

/// A connection of the cluster bus, numbered by the engine (outbound) or the caller (inbound).
using link_id = std::uint64_t;

/// What the engine asks its caller to do.
struct bus_action {
    enum class kind {
        connect,     ///< open a connection to `ip`:`port` and report it with on_connected(`link`) or on_link_closed(`link`)
        send,        ///< write `bytes` on `link`
        close,       ///< close `link` (no on_link_closed() is needed for it)
        save_config, ///< write nodes.conf (format_nodes_file(engine.table())), fsync'ed
    };
    kind what = kind::send;
    link_id link = 0;
    std::string ip;
    std::uint16_t port = 0;
    std::string bytes;
};

/// How this node takes part in the cluster.
struct bus_settings {
    std::uint64_t node_timeout_ms = 15000; ///< cluster-node-timeout
    bool require_full_coverage = true;     ///< cluster-require-full-coverage
    std::string announce_ip;               ///< cluster-announce-ip (empty: peers use the connection's address)
    std::string hostname;                  ///< cluster-announce-hostname (sent as a ping extension)
    std::uint16_t port = 0;                ///< the client port announced
    std::uint16_t pport = 0;               ///< the plaintext client port announced (TLS)
    std::uint16_t cport = 0;               ///< the cluster bus port announced
};

/// The cluster as this node sees it and the protocol that keeps that view current.
class bus_engine {
public:
    /// A node known only to itself, named `name` (40 characters of [a-z0-9]).
    [[nodiscard]] static node_table fresh_table(std::string_view name) {
        node_table table;
        node_info& me = table.find_or_add(name);
        me.flags = node_flag::myself | node_flag::primary;
        me.link_connected = true;
        return table;
    }

    /// The engine over `table` (which has a myself node: fresh_table(), or nodes.conf read by
    /// parse_nodes_file), started at `now_ms`; `seed` seeds the choice of gossip and of random
    /// node names. Links and ping times read from a file are cleared: no link is up yet.
    bus_engine(node_table table, bus_settings settings, std::uint64_t now_ms, std::uint64_t seed)
        : m_table(std::move(table)), m_settings(std::move(settings)), m_random(seed), m_started_ms(now_ms) {
        for (node_info& n : m_table.nodes()) {
            const bool me = (n.flags & node_flag::myself) != 0;
            n.link_connected = me;
            n.ping_sent = 0;
            n.pong_received = 0;
            m_runtime[n.name].created_ms = now_ms;
            if (me) m_myself = n.name;
        }
        if (node_info* me = mine()) {
            me->port = m_settings.port;
            me->pport = m_settings.pport;
            me->cport = m_settings.cport;
            me->hostname = m_settings.hostname;
            if (!m_settings.announce_ip.empty()) me->ip = m_settings.announce_ip;
        }
        update_state(now_ms);
    }

    /// The cluster as this node knows it.
    [[nodiscard]] const node_table& table() const noexcept { return m_table; }
    /// This node's name.
    [[nodiscard]] const std::string& myself() const noexcept { return m_myself; }
    /// Whether the cluster is ok from here (every slot served by a reachable node when full
    /// coverage is required, and a majority of the primaries with slots reachable).
    [[nodiscard]] bool state_ok() const noexcept { return m_state_ok; }
    /// The number of primaries serving at least one slot.
    [[nodiscard]] unsigned size() const noexcept { return m_size; }
    /// Messages sent and received, by type (CLUSTER INFO's cluster_stats_messages_*).
    [[nodiscard]] const std::map<bus_message_type, std::uint64_t>& messages_sent() const noexcept { return m_sent; }
    /// Messages received, by type.
    [[nodiscard]] const std::map<bus_message_type, std::uint64_t>& messages_received() const noexcept { return m_received; }

    /// The actions queued since the last call, oldest first.
    [[nodiscard]] std::vector<bus_action> take_actions() { return std::exchange(m_actions, {}); }

    // --- what the caller asks (the CLUSTER command) -------------------------------------------

    /// CLUSTER MEET: starts a handshake with the node at `ip` (a numeric address) and ports; false
    /// when a handshake with that address is already in progress or a port is out of range.
    bool meet(std::string_view ip, unsigned port, unsigned cport, std::uint64_t now_ms) {
        if (ip.empty() || port == 0 || port > 65535 || cport == 0 || cport > 65535) return false;
        for (const node_info& n : m_table.nodes())
            if ((n.flags & node_flag::handshake) != 0 && n.ip == ip && n.port == port && n.cport == cport) return false;
        node_info& n = m_table.find_or_add(random_name());
        n.flags = node_flag::handshake | node_flag::meet;
        n.ip = std::string(ip);
        n.port = static_cast<std::uint16_t>(port);
        n.cport = static_cast<std::uint16_t>(cport);
        m_runtime[n.name].created_ms = now_ms;
        return true;
    }

    /// CLUSTER ADDSLOTS of one slot: false when it is out of range or already served.
    bool add_slot(unsigned slot, std::uint64_t now_ms) {
        if (slot >= slot_count || m_table.slot_owner(slot) != nullptr) return false;
        m_table.assign_slot(slot, m_myself);
        m_table.importing().erase(slot);
        changed(now_ms);
        return true;
    }
    /// CLUSTER ADDSLOTS / ADDSLOTSRANGE of every slot in [first, last] at once (the cluster's
    /// state is computed once): false, with nothing changed, when one is out of range or served.
    bool add_slots(unsigned first, unsigned last, std::uint64_t now_ms) {
        if (first > last || last >= slot_count) return false;
        for (unsigned slot = first; slot <= last; ++slot)
            if (m_table.slot_owner(slot) != nullptr) return false;
        for (unsigned slot = first; slot <= last; ++slot) {
            m_table.assign_slot(slot, m_myself);
            m_table.importing().erase(slot);
        }
        changed(now_ms);
        return true;
    }
    /// CLUSTER DELSLOTS / DELSLOTSRANGE of every slot in [first, last] at once: false, with
    /// nothing changed, when one is out of range or unassigned.
    bool delete_slots(unsigned first, unsigned last, std::uint64_t now_ms) {
        if (first > last || last >= slot_count) return false;
        for (unsigned slot = first; slot <= last; ++slot)
            if (m_table.slot_owner(slot) == nullptr) return false;
        for (unsigned slot = first; slot <= last; ++slot) {
            m_table.unassign_slot(slot);
            m_table.migrating().erase(slot);
            m_table.importing().erase(slot);
        }
        changed(now_ms);
        return true;
    }
    /// CLUSTER FLUSHSLOTS: this node serves no slot any more.
    void flush_slots(std::uint64_t now_ms) {
        for (unsigned slot = 0; slot < slot_count; ++slot) {
            const node_info* owner = m_table.slot_owner(slot);
            if (owner != nullptr && owner->name == m_myself) m_table.unassign_slot(slot);
        }
        changed(now_ms);
    }
    /// CLUSTER FORGET: "" when the node is removed (and kept out of gossip for a minute, as
    /// Redis's blacklist), else Redis's error text.
    [[nodiscard]] std::string forget(std::string_view name, std::uint64_t now_ms) {
        const node_info* n = m_table.find(name);
        if (n == nullptr) return "Unknown node " + std::string(name);
        if (n->name == m_myself) return "I tried hard but I can't forget myself...";
        m_forgotten[std::string(name)] = now_ms + forget_ttl_ms;
        remove_node(std::string(name));
        changed(now_ms);
        return {};
    }
    /// CLUSTER RESET: forgets every other node, the slots and their migrations; `hard` also
    /// zeroes the epochs and gives this node the new name `new_name`.
    void reset(bool hard, std::string_view new_name, std::uint64_t now_ms) {
        m_table.migrating().clear();
        m_table.importing().clear();
        flush_slots(now_ms);
        std::vector<std::string> others;
        for (const node_info& n : m_table.nodes())
            if (n.name != m_myself) others.push_back(n.name);
        for (const std::string& name : others) remove_node(name);
        if (hard) {
            m_table.current_epoch = 0;
            m_table.last_vote_epoch = 0;
            mine()->config_epoch = 0;
            rename_node(m_myself, std::string(new_name));
            m_myself = std::string(new_name);
        }
        changed(now_ms);
    }
    /// CLUSTER COUNT-FAILURE-REPORTS: the valid failure reports about `name`.
    [[nodiscard]] std::size_t failure_reports(std::string_view name, std::uint64_t now_ms) {
        return m_table.find(name) == nullptr ? 0 : valid_reports(std::string(name), now_ms);
    }
    /// Publishes `message` on `channel` cluster-wide (PUBLISH): a PUBLISH message to every
    /// connected node. A shard channel's message goes to the shard's other nodes, and a shard
    /// here is one primary: nowhere.
    void publish(bool sharded, std::string_view channel, std::string_view message) {
        if (sharded) return;
        bus_message m = header(bus_message_type::publish);
        m.channel = std::string(channel);
        m.payload = std::string(message);
        broadcast(m);
    }
    /// The settings (cluster-node-timeout and cluster-require-full-coverage may change).
    [[nodiscard]] bus_settings& settings() noexcept { return m_settings; }

    /// One bus link, as CLUSTER LINKS shows it.
    struct link_description {
        link_id id = 0;
        std::string node;       ///< the peer's name ("" for an inbound link not yet identified)
        bool inbound = false;   ///< accepted (from) rather than opened (to)
        std::uint64_t created_ms = 0;
    };
    /// The links, outbound and inbound.
    [[nodiscard]] std::vector<link_description> links() const {
        std::vector<link_description> out;
        for (const auto& [id, l] : m_links) out.push_back({id, l.node, l.inbound, l.created_ms});
        return out;
    }

    /// CLUSTER DELSLOTS of one slot: false when nobody serves it.
    bool delete_slot(unsigned slot, std::uint64_t now_ms) {
        if (slot >= slot_count || m_table.slot_owner(slot) == nullptr) return false;
        m_table.unassign_slot(slot);
        m_table.migrating().erase(slot);
        m_table.importing().erase(slot);
        changed(now_ms);
        return true;
    }
    /// CLUSTER SET-CONFIG-EPOCH: "" when set, else Redis's error text.
    [[nodiscard]] std::string set_config_epoch(std::uint64_t epoch, std::uint64_t now_ms) {
        if (m_table.nodes().size() > 1) return "The user can assign a config epoch only when the node does not know any other node.";
        if (mine()->config_epoch != 0) return "Node config epoch is already non-zero";
        mine()->config_epoch = epoch;
        if (m_table.current_epoch < epoch) m_table.current_epoch = epoch;
        changed(now_ms);
        return {};
    }
    /// CLUSTER BUMPEPOCH: true when this node's epoch was raised (it was 0 or not the greatest),
    /// without the agreement of the others.
    bool bump_epoch(std::uint64_t now_ms) {
        const std::uint64_t max = m_table.max_config_epoch();
        if (mine()->config_epoch != 0 && mine()->config_epoch == max) return false;
        ++m_table.current_epoch;
        mine()->config_epoch = m_table.current_epoch;
        changed(now_ms);
        return true;
    }

    /// CLUSTER SETSLOT slot MIGRATING node: "" when set, else Redis's error text.
    [[nodiscard]] std::string set_slot_migrating(unsigned slot, std::string_view to, std::uint64_t now_ms) {
        const node_info* owner = m_table.slot_owner(slot);
        if (owner == nullptr || owner->name != m_myself) return "I'm not the owner of hash slot " + std::to_string(slot);
        if (std::string error = target_error(to, "I don't know about node "); !error.empty()) return error;
        m_table.migrating()[slot] = std::string(to);
        changed(now_ms);
        return {};
    }
    /// CLUSTER SETSLOT slot IMPORTING node: "" when set, else Redis's error text.
    [[nodiscard]] std::string set_slot_importing(unsigned slot, std::string_view from, std::uint64_t now_ms) {
        const node_info* owner = m_table.slot_owner(slot);
        if (owner != nullptr && owner->name == m_myself) return "I'm already the owner of hash slot " + std::to_string(slot);
        if (std::string error = target_error(from, "I don't know about node "); !error.empty()) return error;
        m_table.importing()[slot] = std::string(from);
        changed(now_ms);
        return {};
    }
    /// CLUSTER SETSLOT slot STABLE.
    void set_slot_stable(unsigned slot, std::uint64_t now_ms) {
        m_table.migrating().erase(slot);
        m_table.importing().erase(slot);
        changed(now_ms);
    }
    /// CLUSTER SETSLOT slot NODE node, `keys_in_slot` being how many keys this node holds in the
    /// slot: "" when set, else Redis's error text. Assigning to this node a slot it was
    /// importing ends the import, raises its epoch without agreement and tells every node.
    [[nodiscard]] std::string set_slot_node(unsigned slot, std::string_view name, std::size_t keys_in_slot, std::uint64_t now_ms) {
        if (std::string error = target_error(name, "Unknown node "); !error.empty()) return error;
        const node_info* owner = m_table.slot_owner(slot);
        const bool to_me = name == m_myself;
        if (owner != nullptr && owner->name == m_myself && !to_me && keys_in_slot != 0)
            return "Can't assign hashslot " + std::to_string(slot) + " to a different node while I still hold keys for this hash slot.";
        if (keys_in_slot == 0) m_table.migrating().erase(slot);
        m_table.unassign_slot(slot);
        m_table.assign_slot(slot, name);
        if (to_me && m_table.importing().erase(slot) != 0) {
            bump_epoch(now_ms);
            for (const node_info& n : m_table.nodes()) {
                if ((n.flags & (node_flag::myself | node_flag::handshake)) != 0 || !n.link_connected) continue;
                if (const link_id link = outbound_link(n.name)) send_ping(link, bus_message_type::pong, now_ms);
            }
        }
        changed(now_ms);
        return {};
    }

    // --- what the transport reports ------------------------------------------------------------

    /// A connection accepted on the bus port, from `peer_ip`, on this host's address `local_ip`
    /// (which a MEET makes this node's own address, unless one is announced).
    void on_inbound_link(link_id link, std::string_view peer_ip, std::string_view local_ip, std::uint64_t now_ms) {
        m_links[link] = link_state{{}, std::string(peer_ip), std::string(local_ip), true, now_ms};
    }

    /// An outbound connection the engine asked for is up: sends MEET or PING.
    void on_connected(link_id link, std::uint64_t now_ms) {
        const auto it = m_links.find(link);
        if (it == m_links.end()) return;
        node_info* n = m_table.find(it->second.node);
        if (n == nullptr) return;
        n->link_connected = true;
        const std::uint64_t old_ping_sent = n->ping_sent;
        send_ping(link, (n->flags & node_flag::meet) != 0 ? bus_message_type::meet : bus_message_type::ping, now_ms);
        if (old_ping_sent != 0) n->ping_sent = old_ping_sent;
        n->flags = static_cast<std::uint16_t>(n->flags & ~node_flag::meet);
    }

    /// A connection closed (or an outbound connect failed).
    void on_link_closed(link_id link) {
        const auto it = m_links.find(link);
        if (it == m_links.end()) return;
        detach(it->second);
        m_links.erase(it);
    }

    /// A whole message read on `link` (bus_message_length and decode_bus_message did the
    /// framing and the checks; a connection whose framing failed is closed by the caller).
    void on_message(link_id link, const bus_message& m, std::uint64_t now_ms) {
        const auto found = m_links.find(link);
        if (found == m_links.end()) return;
        ++m_received[m.type];
        const link_state state = found->second; // the link may be closed below
        std::string link_node = state.node;      // renamed when a handshake completes

        node_info* sender = nullptr;
        if (!state.inbound && !state.node.empty() && !in_handshake(state.node)) {
            sender = m_table.find(state.node);
        } else {
            sender = m_table.find(m.sender);
            if (sender != nullptr && state.inbound && found->second.node.empty()) found->second.node = sender->name;
        }
        if (sender != nullptr) runtime(sender->name).data_received_ms = now_ms;
        std::string sender_name = sender != nullptr ? sender->name : std::string();

        if (sender != nullptr && !in_handshake(sender_name)) {
            if (m.current_epoch > m_table.current_epoch) m_table.current_epoch = m.current_epoch;
            if (m.config_epoch > sender->config_epoch) {
                sender->config_epoch = m.config_epoch;
                save_config();
            }
        }

        const bool ping_like = m.type == bus_message_type::ping || m.type == bus_message_type::pong ||
                               m.type == bus_message_type::meet;
        if (m.type == bus_message_type::ping || m.type == bus_message_type::meet) {
            // Only other nodes MEET this one, at its real address: take it from the connection
            // (or from any PING while this node has no address yet).
            node_info& me = *mine();
            if ((m.type == bus_message_type::meet || me.ip.empty()) && m_settings.announce_ip.empty() &&
                !state.local_ip.empty() && state.local_ip != me.ip) {
                me.ip = state.local_ip;
                save_config();
            }
            if (m.type == bus_message_type::meet && sender == nullptr) {
                // A node we do not know introduces itself: add it in handshake (the PONGs name it).
                node_info& n = m_table.find_or_add(random_name());
                n.flags = node_flag::handshake;
                n.ip = m.ip.empty() ? state.peer_ip : m.ip;
                n.port = m.port;
                n.pport = m.pport;
                n.cport = m.cport;
                runtime(n.name).created_ms = now_ms;
                save_config();
                process_gossip(m, nullptr, now_ms);
            }
            send_ping(link, bus_message_type::pong, now_ms);
        }

        if (ping_like) {
            if (!state.inbound) {
                if (in_handshake(state.node)) {
                    if (sender != nullptr) {
                        // We know this node under its name already: update its address, and drop
                        // the handshake node (and this link with it).
                        update_address(*sender, state, m);
                        remove_node(state.node);
                        return;
                    }
                    // The handshake completes: the node takes its real name. As in Redis, the rest
                    // of this message is processed with the sender still unknown.
                    rename_node(state.node, m.sender);
                    link_node = m.sender;
                    node_info& n = *m_table.find(m.sender);
                    n.flags = static_cast<std::uint16_t>((n.flags & ~node_flag::handshake) |
                                                         (m.flags & (node_flag::primary | node_flag::replica)));
                    save_config();
                } else if (state.node != m.sender) {
                    // The node at this address is another one now.
                    if (node_info* n = m_table.find(state.node)) {
                        n->flags = static_cast<std::uint16_t>(n->flags | node_flag::noaddr);
                        n->ip.clear();
                        n->port = n->pport = n->cport = 0;
                    }
                    close_link(link);
                    save_config();
                    return;
                }
            }
            if (sender != nullptr) {
                sender->flags = static_cast<std::uint16_t>((sender->flags & ~node_flag::nofailover) |
                                                           (m.flags & node_flag::nofailover));
                if (m.type == bus_message_type::ping && !in_handshake(sender_name) && update_address(*sender, state, m))
                    save_config();
            }
            if (!state.inbound && m.type == bus_message_type::pong) {
                if (node_info* n = m_table.find(link_node)) {
                    n->pong_received = now_ms;
                    n->ping_sent = 0;
                    if ((n->flags & node_flag::pfail) != 0) {
                        n->flags = static_cast<std::uint16_t>(n->flags & ~node_flag::pfail);
                        changed(now_ms);
                    } else if ((n->flags & node_flag::fail) != 0) {
                        clear_failure_if_needed(*n, now_ms);
                    }
                }
            }
            if (sender != nullptr && !m.replica_of.empty()) {
                // Replicas are not supported here: a node turning replica loses its slots as in Redis.
                if ((sender->flags & node_flag::primary) != 0) {
                    for (unsigned slot = 0; slot < slot_count; ++slot)
                        if (sender->slots.test(slot)) m_table.unassign_slot(slot);
                    sender->flags = static_cast<std::uint16_t>((sender->flags & ~(node_flag::primary | node_flag::migrate_to)) |
                                                               node_flag::replica);
                    changed(now_ms);
                }
                sender->primary = m.replica_of;
            } else if (sender != nullptr && (sender->flags & node_flag::primary) == 0) {
                sender->flags = static_cast<std::uint16_t>((sender->flags & ~node_flag::replica) | node_flag::primary);
                sender->primary.clear();
                changed(now_ms);
            }

            if (sender != nullptr && (sender->flags & node_flag::primary) != 0 && !(sender->slots == m.slots)) {
                update_slots_with(sender_name, m.config_epoch, m.slots, now_ms);
                sender = m_table.find(sender_name);
                // The reverse: it claims slots that a node with a greater epoch serves.
                for (unsigned slot = 0; sender != nullptr && slot < slot_count; ++slot) {
                    if (!m.slots.test(slot)) continue;
                    const node_info* owner = m_table.slot_owner(slot);
                    if (owner == nullptr || owner->name == sender_name) continue;
                    if (owner->config_epoch > m.config_epoch) {
                        send_update(sender_name, *owner, now_ms);
                        break;
                    }
                }
            }
            sender = m_table.find(sender_name);
            if (sender != nullptr && (sender->flags & node_flag::primary) != 0 && m.config_epoch == mine()->config_epoch)
                handle_epoch_collision(*sender);
            if (sender != nullptr) {
                process_gossip(m, m_table.find(sender_name), now_ms);
                if (node_info* s = m_table.find(sender_name)) s->hostname = m.hostname;
            }
        } else if (m.type == bus_message_type::fail) {
            node_info* failing = sender != nullptr ? m_table.find(m.failed_node) : nullptr;
            if (failing != nullptr && (failing->flags & (node_flag::fail | node_flag::myself)) == 0) {
                failing->flags = static_cast<std::uint16_t>((failing->flags | node_flag::fail) & ~node_flag::pfail);
                runtime(failing->name).fail_time_ms = now_ms;
                changed(now_ms);
            }
        } else if (m.type == bus_message_type::update) {
            node_info* n = sender != nullptr ? m_table.find(m.update_node) : nullptr;
            if (n != nullptr && n->config_epoch < m.update_config_epoch) {
                if ((n->flags & node_flag::replica) != 0) {
                    n->flags = static_cast<std::uint16_t>((n->flags & ~node_flag::replica) | node_flag::primary);
                    n->primary.clear();
                }
                n->config_epoch = m.update_config_epoch;
                update_slots_with(n->name, m.update_config_epoch, m.update_slots, now_ms);
            }
        } else if ((m.type == bus_message_type::publish || m.type == bus_message_type::publishshard) && sender != nullptr) {
            m_published.push_back({m.type == bus_message_type::publishshard, m.channel, m.payload});
        }
    }

    /// PUBLISH / PUBLISHSHARD messages received from known nodes since the last call: (sharded,
    /// channel, message), for the caller to deliver to its subscribers.
    struct published_message {
        bool sharded = false;
        std::string channel;
        std::string message;
    };
    /// The messages published on other nodes since the last call.
    [[nodiscard]] std::vector<published_message> take_published() { return std::exchange(m_published, {}); }

    /// Slots this node served and lost to a node with a greater epoch since the last call: the
    /// caller deletes their keys, as Redis does.
    [[nodiscard]] std::vector<unsigned> take_lost_slots() { return std::exchange(m_lost_slots, {}); }

    /// The cluster cron, every 100 ms: handshake timeouts, connections to nodes without one, a
    /// ping every second to a random node and to every node not heard for half the node timeout,
    /// dead links dropped, PFAIL after the node timeout, the cluster's state.
    void tick(std::uint64_t now_ms) {
        ++m_iteration;
        const std::uint64_t timeout = m_settings.node_timeout_ms;
        const std::uint64_t handshake_timeout = timeout < 1000 ? 1000 : timeout;
        m_pfail_nodes = 0;
        std::vector<std::string> names;
        for (const node_info& n : m_table.nodes()) names.push_back(n.name);
        for (const std::string& name : names) {
            node_info* n = m_table.find(name);
            if (n == nullptr || (n->flags & (node_flag::myself | node_flag::noaddr)) != 0) continue;
            if ((n->flags & node_flag::pfail) != 0) ++m_pfail_nodes;
            if (in_handshake(name) && now_ms - runtime(name).created_ms > handshake_timeout) {
                remove_node(name);
                continue;
            }
            if (outbound_link(name) == 0) {
                const link_id link = m_next_link++;
                m_links[link] = link_state{name, n->ip, {}, false, now_ms};
                bus_action a;
                a.what = bus_action::kind::connect;
                a.link = link;
                a.ip = n->ip;
                a.port = n->cport;
                m_actions.push_back(std::move(a));
                if (n->ping_sent == 0) n->ping_sent = now_ms; // counts toward PFAIL while unreachable
            }
        }

        if (m_iteration % 10 == 0 && m_table.nodes().size() > 1) {
            // Ping the node, among 5 random ones, whose pong is the oldest.
            const node_info* oldest = nullptr;
            for (int i = 0; i < 5; ++i) {
                const node_info& n = m_table.nodes()[next_random() % m_table.nodes().size()];
                if (!n.link_connected || n.ping_sent != 0 || (n.flags & (node_flag::myself | node_flag::handshake)) != 0) continue;
                if (oldest == nullptr || n.pong_received < oldest->pong_received) oldest = &n;
            }
            if (oldest != nullptr) send_ping(outbound_link(oldest->name), bus_message_type::ping, now_ms);
        }

        bool update = false;
        for (const std::string& name : names) {
            node_info* n = m_table.find(name);
            if (n == nullptr || (n->flags & (node_flag::myself | node_flag::noaddr | node_flag::handshake)) != 0) continue;
            const node_runtime& rt = runtime(name);
            const link_id link = outbound_link(name);
            const std::uint64_t ping_delay = now_ms - n->ping_sent;
            const std::uint64_t data_delay = now_ms - rt.data_received_ms;
            if (link != 0 && now_ms - m_links[link].created_ms > timeout && n->ping_sent != 0 &&
                ping_delay > timeout / 2 && data_delay > timeout / 2) {
                close_link(link); // reconnect at the next tick
                continue;
            }
            if (link != 0 && n->link_connected && n->ping_sent == 0 && now_ms - n->pong_received > timeout / 2) {
                send_ping(link, bus_message_type::ping, now_ms);
                continue;
            }
            if (n->ping_sent == 0) continue;
            const std::uint64_t node_delay = ping_delay < data_delay ? ping_delay : data_delay;
            if (node_delay > timeout && (n->flags & (node_flag::pfail | node_flag::fail)) == 0) {
                n->flags = static_cast<std::uint16_t>(n->flags | node_flag::pfail);
                update = true;
            }
        }
        if (update || !m_state_ok) update_state(now_ms);
    }

private:
    struct link_state {
        std::string node;   // the node it is with ("" for an inbound link before its first message)
        std::string peer_ip;
        std::string local_ip;
        bool inbound = false;
        std::uint64_t created_ms = 0;
    };
    struct node_runtime {
        std::uint64_t created_ms = 0;
        std::uint64_t data_received_ms = 0;
        std::uint64_t fail_time_ms = 0;
        std::map<std::string, std::uint64_t> failure_reports; // reporting primary -> when
    };

    static constexpr std::uint64_t forget_ttl_ms = 60000; // Redis's CLUSTER_BLACKLIST_TTL

    node_info* mine() noexcept { return m_table.find(m_myself); }
    bool forgotten(const std::string& name, std::uint64_t now_ms) {
        const auto it = m_forgotten.find(name);
        if (it == m_forgotten.end()) return false;
        if (it->second > now_ms) return true;
        m_forgotten.erase(it);
        return false;
    }
    node_runtime& runtime(const std::string& name) { return m_runtime[name]; }
    bool in_handshake(const std::string& name) const noexcept {
        const node_info* n = m_table.find(name);
        return n != nullptr && (n->flags & node_flag::handshake) != 0;
    }

    std::uint64_t next_random() noexcept {
        // splitmix64
        std::uint64_t z = (m_random += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::string random_name() {
        static constexpr char digits[] = "0123456789abcdef";
        std::string name(node_name_length, '0');
        for (char& c : name) c = digits[next_random() % 16];
        return name;
    }

    link_id outbound_link(const std::string& name) const noexcept {
        for (const auto& [id, l] : m_links)
            if (!l.inbound && l.node == name) return id;
        return 0;
    }

    void detach(const link_state& l) {
        if (l.inbound || l.node.empty()) return;
        if (node_info* n = m_table.find(l.node)) n->link_connected = false;
    }
    void close_link(link_id link) {
        const auto it = m_links.find(link);
        if (it == m_links.end()) return;
        detach(it->second);
        m_links.erase(it);
        bus_action a;
        a.what = bus_action::kind::close;
        a.link = link;
        m_actions.push_back(std::move(a));
    }

    void remove_node(const std::string& name) {
        std::vector<link_id> links;
        for (const auto& [id, l] : m_links)
            if (l.node == name) links.push_back(id);
        for (const link_id id : links) close_link(id);
        for (auto& [other, rt] : m_runtime) rt.failure_reports.erase(name);
        m_runtime.erase(name);
        m_table.remove(name);
        save_config();
    }
    void rename_node(const std::string& from, const std::string& to) {
        m_table.find(from)->name = to;
        for (auto& [id, l] : m_links)
            if (l.node == from) l.node = to;
        m_runtime[to] = m_runtime[from];
        m_runtime.erase(from);
    }

    bool update_address(node_info& n, const link_state& via, const bus_message& m) {
        if (!via.inbound && via.node == n.name) return false;
        const std::string ip = m.ip.empty() ? via.peer_ip : m.ip;
        if (n.port == m.port && n.cport == m.cport && n.pport == m.pport && n.ip == ip) return false;
        n.ip = ip;
        n.port = m.port;
        n.pport = m.pport;
        n.cport = m.cport;
        n.flags = static_cast<std::uint16_t>(n.flags & ~node_flag::noaddr);
        if (const link_id link = outbound_link(n.name)) close_link(link);
        return true;
    }

    void process_gossip(const bus_message& m, node_info* sender, std::uint64_t now_ms) {
        const bool sender_primary = sender != nullptr && (sender->flags & node_flag::primary) != 0;
        const std::string sender_name = sender != nullptr ? sender->name : std::string();
        for (const gossip_entry& g : m.gossip) {
            node_info* n = m_table.find(g.node_name);
            if (n != nullptr) {
                const bool failing = (g.flags & (node_flag::fail | node_flag::pfail)) != 0;
                if (sender_primary && n->name != m_myself) {
                    if (failing) {
                        runtime(n->name).failure_reports[sender_name] = now_ms;
                        mark_failing_if_needed(n->name, now_ms);
                        n = m_table.find(g.node_name);
                    } else {
                        runtime(n->name).failure_reports.erase(sender_name);
                    }
                }
                if (!failing && n->ping_sent == 0 && valid_reports(n->name, now_ms) == 0) {
                    const std::uint64_t pong = std::uint64_t{g.pong_received} * 1000;
                    if (pong <= now_ms + 500 && pong > n->pong_received) n->pong_received = pong;
                }
                if ((n->flags & (node_flag::fail | node_flag::pfail)) != 0 && (g.flags & node_flag::noaddr) == 0 && !failing &&
                    (n->ip != g.ip || n->port != g.port || n->cport != g.cport)) {
                    if (const link_id link = outbound_link(n->name)) close_link(link);
                    n->ip = g.ip;
                    n->port = g.port;
                    n->pport = g.pport;
                    n->cport = g.cport;
                    n->flags = static_cast<std::uint16_t>(n->flags & ~node_flag::noaddr);
                }
            } else if (sender != nullptr && (g.flags & node_flag::noaddr) == 0 && valid_node_name(g.node_name) &&
                       !forgotten(g.node_name, now_ms)) {
                node_info& added = m_table.find_or_add(g.node_name);
                added.flags = g.flags;
                added.ip = g.ip;
                added.port = g.port;
                added.pport = g.pport;
                added.cport = g.cport;
                runtime(added.name).created_ms = now_ms;
                sender = m_table.find(sender_name);
            }
        }
    }

    std::size_t valid_reports(const std::string& name, std::uint64_t now_ms) {
        auto& reports = runtime(name).failure_reports;
        const std::uint64_t validity = m_settings.node_timeout_ms * 2;
        for (auto it = reports.begin(); it != reports.end();)
            it = now_ms - it->second > validity ? reports.erase(it) : std::next(it);
        return reports.size();
    }

    void mark_failing_if_needed(const std::string& name, std::uint64_t now_ms) {
        node_info* n = m_table.find(name);
        if (n == nullptr || (n->flags & node_flag::pfail) == 0 || (n->flags & node_flag::fail) != 0) return;
        std::size_t failures = valid_reports(name, now_ms);
        if ((mine()->flags & node_flag::primary) != 0) ++failures;
        if (failures < m_size / 2 + 1) return;
        n->flags = static_cast<std::uint16_t>((n->flags & ~node_flag::pfail) | node_flag::fail);
        runtime(name).fail_time_ms = now_ms;
        bus_message fail = header(bus_message_type::fail);
        fail.failed_node = name;
        broadcast(fail);
        changed(now_ms);
    }

    void clear_failure_if_needed(node_info& n, std::uint64_t now_ms) {
        const bool primary_with_slots = (n.flags & node_flag::primary) != 0 && n.slots.count() > 0;
        if (!primary_with_slots || now_ms - runtime(n.name).fail_time_ms > m_settings.node_timeout_ms * 2) {
            n.flags = static_cast<std::uint16_t>(n.flags & ~node_flag::fail);
            changed(now_ms);
        }
    }

    void update_slots_with(const std::string& sender, std::uint64_t epoch, const slot_bitmap& slots, std::uint64_t now_ms) {
        if (sender == m_myself) return;
        bool any = false;
        for (unsigned slot = 0; slot < slot_count; ++slot) {
            if (!slots.test(slot)) continue;
            const node_info* owner = m_table.slot_owner(slot);
            if (owner != nullptr && owner->name == sender) continue;
            if (m_table.importing().count(slot) != 0) continue;
            if (owner == nullptr || owner->config_epoch < epoch) {
                if (owner != nullptr && owner->name == m_myself) m_lost_slots.push_back(slot);
                m_table.assign_slot(slot, sender);
                any = true;
            }
        }
        if (any) changed(now_ms);
    }

    void send_update(const std::string& to, const node_info& about, std::uint64_t) {
        const link_id link = outbound_link(to);
        if (link == 0 || !m_table.find(to)->link_connected) return;
        bus_message update = header(bus_message_type::update);
        update.update_config_epoch = about.config_epoch;
        update.update_node = about.name;
        update.update_slots = about.slots;
        send(link, update);
    }

    void handle_epoch_collision(const node_info& sender) {
        node_info& me = *mine();
        if (sender.config_epoch != me.config_epoch || (me.flags & node_flag::primary) == 0) return;
        if (sender.name <= me.name) return; // the node with the smaller name bumps its epoch
        ++m_table.current_epoch;
        me.config_epoch = m_table.current_epoch;
        save_config();
    }

    std::string target_error(std::string_view name, std::string_view unknown) const {
        const node_info* n = m_table.find(name);
        if (n == nullptr) return std::string(unknown) + std::string(name);
        if ((n->flags & node_flag::replica) != 0) return "Target node is not a master";
        return {};
    }

    bus_message header(bus_message_type type) {
        const node_info& me = *mine();
        bus_message m;
        m.type = type;
        m.sender = me.name;
        m.ip = m_settings.announce_ip;
        m.port = m_settings.port;
        m.pport = m_settings.pport;
        m.cport = m_settings.cport;
        m.slots = me.slots;
        m.flags = me.flags;
        m.state = m_state_ok ? 0 : 1;
        m.current_epoch = m_table.current_epoch;
        m.config_epoch = me.config_epoch;
        return m;
    }

    void send(link_id link, const bus_message& m) {
        ++m_sent[m.type];
        bus_action a;
        a.what = bus_action::kind::send;
        a.link = link;
        a.bytes = encode_bus_message(m);
        m_actions.push_back(std::move(a));
    }

    void broadcast(const bus_message& m) {
        for (const node_info& n : m_table.nodes()) {
            if ((n.flags & (node_flag::myself | node_flag::handshake)) != 0 || !n.link_connected) continue;
            if (const link_id link = outbound_link(n.name)) send(link, m);
        }
    }

    void send_ping(link_id link, bus_message_type type, std::uint64_t now_ms) {
        const auto it = m_links.find(link);
        if (it == m_links.end()) return;
        if (!it->second.inbound && type == bus_message_type::ping)
            if (node_info* n = m_table.find(it->second.node)) n->ping_sent = now_ms;
        bus_message m = header(type);
        m.hostname = m_settings.hostname;
        // Gossip: about a tenth of the nodes (3 at least, never myself or the receiver's
        // ignorance of nodes in handshake), then every node in PFAIL.
        const std::size_t count = m_table.nodes().size();
        std::size_t fresh = count >= 2 ? count - 2 : 0;
        std::size_t wanted = count / 10 < 3 ? 3 : count / 10;
        if (wanted > fresh) wanted = fresh;
        std::vector<bool> used(count, false);
        for (std::size_t tries = wanted * 3; fresh > 0 && m.gossip.size() < wanted && tries > 0; --tries) {
            const std::size_t i = next_random() % count;
            const node_info& n = m_table.nodes()[i];
            if (n.name == m_myself || (n.flags & node_flag::pfail) != 0) continue;
            if ((n.flags & (node_flag::handshake | node_flag::noaddr)) != 0 || (!n.link_connected && n.slots.count() == 0)) {
                --fresh;
                continue;
            }
            if (used[i]) continue;
            used[i] = true;
            m.gossip.push_back(gossip_of(n));
            --fresh;
        }
        for (const node_info& n : m_table.nodes())
            if ((n.flags & (node_flag::handshake | node_flag::noaddr)) == 0 && (n.flags & node_flag::pfail) != 0)
                m.gossip.push_back(gossip_of(n));
        send(link, m);
    }

    static gossip_entry gossip_of(const node_info& n) {
        gossip_entry g;
        g.node_name = n.name;
        g.ping_sent = static_cast<std::uint32_t>(n.ping_sent / 1000);
        g.pong_received = static_cast<std::uint32_t>(n.pong_received / 1000);
        g.ip = n.ip;
        g.port = n.port;
        g.cport = n.cport;
        g.flags = n.flags;
        g.pport = n.pport;
        return g;
    }

    void save_config() {
        if (!m_actions.empty() && m_actions.back().what == bus_action::kind::save_config) return;
        bus_action a;
        a.what = bus_action::kind::save_config;
        m_actions.push_back(std::move(a));
    }
    void changed(std::uint64_t now_ms) {
        save_config();
        update_state(now_ms);
    }

    void update_state(std::uint64_t now_ms) {
        // A primary waits 2 s after starting before it declares the cluster ok.
        if ((mine()->flags & node_flag::primary) != 0 && !m_state_ok && now_ms - m_started_ms < 2000) {
            recount_size();
            return;
        }
        bool ok = true;
        if (m_settings.require_full_coverage) {
            for (unsigned slot = 0; slot < slot_count && ok; ++slot) {
                const node_info* owner = m_table.slot_owner(slot);
                ok = owner != nullptr && (owner->flags & node_flag::fail) == 0;
            }
        }
        const unsigned reachable = recount_size();
        if (reachable < m_size / 2 + 1) {
            ok = false;
            m_minority_since_ms = now_ms;
        }
        if (ok != m_state_ok) {
            std::uint64_t rejoin_delay = m_settings.node_timeout_ms;
            if (rejoin_delay > 5000) rejoin_delay = 5000;
            if (rejoin_delay < 500) rejoin_delay = 500;
            if (ok && (mine()->flags & node_flag::primary) != 0 && m_minority_since_ms != 0 &&
                now_ms - m_minority_since_ms < rejoin_delay)
                return;
            m_state_ok = ok;
        }
    }
    unsigned recount_size() {
        m_size = 0;
        unsigned reachable = 0;
        for (const node_info& n : m_table.nodes()) {
            if ((n.flags & node_flag::primary) == 0 || n.slots.count() == 0) continue;
            ++m_size;
            if ((n.flags & (node_flag::fail | node_flag::pfail)) == 0) ++reachable;
        }
        return reachable;
    }

    node_table m_table;
    bus_settings m_settings;
    std::string m_myself;
    std::uint64_t m_random;
    std::uint64_t m_started_ms;
    std::uint64_t m_minority_since_ms = 0;
    std::uint64_t m_iteration = 0;
    std::size_t m_pfail_nodes = 0;
    bool m_state_ok = false;
    unsigned m_size = 0;
    link_id m_next_link = 1ULL << 63; // outbound links; inbound ones are numbered by the caller below
    std::map<link_id, link_state> m_links;
    std::map<std::string, node_runtime> m_runtime;
    std::map<std::string, std::uint64_t> m_forgotten; // CLUSTER FORGET: name -> until when
    std::vector<bus_action> m_actions;
    std::vector<published_message> m_published;
    std::vector<unsigned> m_lost_slots;
    std::map<bus_message_type, std::uint64_t> m_sent;
    std::map<bus_message_type, std::uint64_t> m_received;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

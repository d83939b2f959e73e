#pragma once

/// \file
/// Where a command may run in a cluster, decided as Redis 7.0's getNodeByQuery decides it: every
/// key (of the command, or of every command queued when EXEC runs) must hash to one slot
/// (CROSSSLOT otherwise); the slot's owner serves it (MOVED otherwise); a slot being migrated
/// from this node sends missing keys on with ASK (TRYAGAIN when only some are missing); a slot
/// being imported is served to a client that sent ASKING; a cluster that is down refuses keys
/// (or only writes, with cluster-allow-reads-when-down). And the error replies Redis gives for
/// each (clusterRedirectClient), with the endpoint cluster-preferred-endpoint-type names.

#include <respkit/version.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/cluster/key_slot.hpp"
#include "respkit/cluster/node_table.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

/// What the routing needs to know of a command.
struct routing_request {
    /// Every key, in order (a sharded pub/sub command's channels; EXEC: the queued commands' keys).
    std::vector<std::string_view> keys;
    bool write = false;          ///< a write command (EXEC: a transaction holding one)
    bool pubsub_shard = false;   ///< SSUBSCRIBE, SUNSUBSCRIBE or SPUBLISH: channels, never looked up
    bool migrate = false;        ///< MIGRATE, which works on this node while the slot is open
    bool asking = false;         ///< the client sent ASKING just before (or the command has the asking flag)
};

/// The cluster's settings the routing follows.
struct routing_settings {
    bool allow_reads_when_down = false;      ///< cluster-allow-reads-when-down
    bool allow_pubsubshard_when_down = true; ///< cluster-allow-pubsubshard-when-down
};

/// Where a command goes.
enum class route_kind {
    here,           ///< run it on this node
    moved,          ///< MOVED to `node`
    ask,            ///< ASK to `node`
    cross_slot,     ///< keys in different slots
    try_again,      ///< some keys of a slot being moved are here, some are not
    down,           ///< the cluster is down
    down_read_only, ///< the cluster is down and takes reads only (cluster-allow-reads-when-down)
    down_unbound,   ///< the slot is served by no node
};

/// The decision: its kind, the slot of the keys, and the node to redirect to.
struct route {
    route_kind kind = route_kind::here;
    unsigned slot = 0;
    const node_info* node = nullptr;
};

/// Decides where `request` runs for the node named `myself` of `table`; `cluster_ok` is the
/// cluster's state; `key_exists(key)` says whether this node holds a key (asked only while the
/// slot is being migrated or imported).
[[nodiscard]] inline route route_command(const node_table& table, std::string_view myself, const routing_request& request,
                                         bool cluster_ok, const routing_settings& settings,
                                         const std::function<bool(std::string_view key)>& key_exists) {
    route r;
    const node_info* owner = nullptr;
    std::string_view first;
    bool have_first = false, multiple_keys = false, migrating = false, importing = false;
    unsigned missing = 0, existing = 0;
    for (const std::string_view key : request.keys) {
        const unsigned slot = key_slot(key);
        if (!have_first) {
            have_first = true;
            first = key;
            r.slot = slot;
            owner = table.slot_owner(slot);
            if (owner == nullptr) {
                r.kind = route_kind::down_unbound;
                return r;
            }
            if (owner->name == myself && table.migrating().count(slot) != 0)
                migrating = true;
            else if (table.importing().count(slot) != 0)
                importing = true;
        } else if (key != first) {
            if (slot != r.slot) {
                r.kind = route_kind::cross_slot;
                return r;
            }
            multiple_keys = true;
        }
        if ((migrating || importing) && !request.pubsub_shard) ++(key_exists(key) ? existing : missing);
    }
    if (owner == nullptr) return r; // no key: anywhere

    if (!cluster_ok) {
        if (request.pubsub_shard) {
            if (!settings.allow_pubsubshard_when_down) {
                r.kind = route_kind::down;
                return r;
            }
        } else if (!settings.allow_reads_when_down) {
            r.kind = route_kind::down;
            return r;
        } else if (request.write) {
            r.kind = route_kind::down_read_only;
            return r;
        }
    }
    if ((migrating || importing) && request.migrate) return r;
    if (migrating && missing != 0) {
        if (existing != 0) {
            r.kind = route_kind::try_again;
        } else {
            r.kind = route_kind::ask;
            r.node = table.find(table.migrating().at(r.slot));
        }
        return r;
    }
    if (importing && request.asking) {
        if (multiple_keys && missing != 0) r.kind = route_kind::try_again;
        return r;
    }
    if (owner->name != myself) {
        r.kind = route_kind::moved;
        r.node = owner;
    }
    return r;
}

/// cluster-preferred-endpoint-type: what MOVED and ASK name.
enum class endpoint_type { ip, hostname, unknown_endpoint };

/// The error reply (without the leading '-') Redis gives for a route other than `here`:
/// "MOVED 3999 127.0.0.1:6381", "CROSSSLOT Keys in request don't hash to the same slot", ...
/// With `use_pport`, a node's plaintext port replaces its port when it has one.
[[nodiscard]] inline std::string route_error(const route& r, endpoint_type endpoint = endpoint_type::ip,
                                             bool use_pport = false) {
    switch (r.kind) {
    case route_kind::here: return {};
    case route_kind::cross_slot: return "CROSSSLOT Keys in request don't hash to the same slot";
    case route_kind::try_again: return "TRYAGAIN Multiple keys request during rehashing of slot";
    case route_kind::down: return "CLUSTERDOWN The cluster is down";
    case route_kind::down_read_only: return "CLUSTERDOWN The cluster is down and only accepts read commands";
    case route_kind::down_unbound: return "CLUSTERDOWN Hash slot not served";
    case route_kind::moved:
    case route_kind::ask: break;
    }
    std::string host;
    unsigned port = 0;
    if (r.node != nullptr) {
        switch (endpoint) {
        case endpoint_type::ip: host = r.node->ip; break;
        case endpoint_type::hostname: host = r.node->hostname.empty() ? "?" : r.node->hostname; break;
        case endpoint_type::unknown_endpoint: break;
        }
        port = use_pport && r.node->pport != 0 ? r.node->pport : r.node->port;
    }
    return std::string(r.kind == route_kind::ask ? "ASK " : "MOVED ") + std::to_string(r.slot) + ' ' + host + ':' +
           std::to_string(port);
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

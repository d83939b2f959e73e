#pragma once

/// \file
/// respkit-server as a node of a Redis Cluster (`cluster-enabled yes`): the bus engine
/// (cluster/bus_engine.hpp) on the server's loop (net/cluster_bus.hpp) at `cluster-port` (the
/// port + 10000 by default), `cluster-config-file` (nodes.conf) locked, loaded at start-up and
/// written in place and fsync'ed whenever the engine asks (as Redis's clusterSaveConfig), the
/// keys of the slots this node loses deleted, PUBLISH delivered cluster-wide, the slot check in
/// the command path (MOVED, ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN, after ACL), and the CLUSTER
/// commands, ASKING, READONLY and READWRITE for real. Nodes are primaries only
/// (docs/cluster.md). POSIX.

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/cluster/bus_engine.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "respkit/cluster/nodes_file.hpp"
#include "respkit/cluster/routing.hpp"
#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/net/cluster_bus.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

namespace detail {

// CLUSTER INFO's names of the bus message types (Redis's clusterGetMessageTypeString).
inline std::string_view bus_message_type_name(cluster::bus_message_type t) {
    using enum cluster::bus_message_type;
    switch (t) {
    case ping: return "ping";
    case pong: return "pong";
    case meet: return "meet";
    case fail: return "fail";
    case publish: return "publish";
    case publishshard: return "publishshard";
    case failover_auth_request: return "auth-req";
    case failover_auth_ack: return "auth-ack";
    case update: return "update";
    case mfstart: return "mfstart";
    case module: return "module";
    }
    return "unknown";
}

// A new node's name: 40 random hexadecimal digits, as Redis's getRandomHexChars.
inline std::string random_node_name() {
    static constexpr char digits[] = "0123456789abcdef";
    std::random_device device;
    std::mt19937_64 generator((static_cast<std::uint64_t>(device()) << 32) ^ device());
    std::string name(cluster::node_name_length, '0');
    for (char& c : name) c = digits[generator() % 16];
    return name;
}

} // namespace detail

/// A server's membership of a Redis Cluster: construct it with the server's parts, install()
/// it before the server renames commands, start() it once the listeners are open.
template <class Keyspace>
class cluster_node {
public:
    /// The node of a server made of these parts (they must outlive it); nothing is opened yet.
    cluster_node(server::config_table& config, server::server_context& context, Keyspace& keyspace,
                 server::dispatcher& commands)
        : m_config(&config), m_context(&context), m_keyspace(&keyspace), m_commands(&commands) {}
    cluster_node(const cluster_node&) = delete;
    cluster_node& operator=(const cluster_node&) = delete;

    /// Replaces the cluster commands' "cluster support disabled" with their cluster-mode
    /// handlers, makes SELECT, MOVE, SWAPDB and COPY ... DB refuse other databases, PUBLISH
    /// reach the other nodes, and registers the slot check (after ACL).
    void install() {
        m_context->cluster_enabled = true;
        // Before any key is loaded: the per-slot index of database 0 (Redis's slots_to_keys).
        (void)m_keyspace->enable_slot_index(0);
        install_cluster_subcommands();
        set_handler("asking", [](server::command_call& call) {
            call.client().set_asking(true);
            call.ok();
        });
        set_handler("readonly", [](server::command_call& call) {
            call.client().set_cluster_readonly(true);
            call.ok();
        });
        set_handler("readwrite", [](server::command_call& call) {
            call.client().set_cluster_readonly(false);
            call.ok();
        });
        wrap("select", [](server::command_call& call) {
            std::int64_t db = 0;
            if (respkit::detail::parse_int64(call.arg(1), db) && db != 0) {
                call.error("ERR SELECT is not allowed in cluster mode");
                return false;
            }
            return true;
        });
        wrap("move", [](server::command_call& call) {
            call.error("ERR MOVE is not allowed in cluster mode");
            return false;
        });
        wrap("swapdb", [](server::command_call& call) {
            call.error("ERR SWAPDB is not allowed in cluster mode");
            return false;
        });
        wrap("copy", [](server::command_call& call) {
            for (std::size_t i = 3; i + 1 < call.argc(); ++i) {
                std::int64_t db = 0;
                if (commands::iequals(call.arg(i), "db") && respkit::detail::parse_int64(call.arg(i + 1), db) && db != 0) {
                    call.error("ERR Copying to another database is not allowed in cluster mode");
                    return false;
                }
            }
            return true;
        });
        if (server::command_entry* publish = m_commands->find("publish")) {
            publish->handler = [this, inner = std::move(publish->handler)](server::command_call& call) {
                inner(call);
                if (m_engine && !call.failed()) {
                    m_engine->publish(false, call.arg(1), call.arg(2));
                    m_bus->perform();
                }
            };
        }
        m_commands->add_check(server::check_stage::cluster, "cluster",
                              [this](const server::pending_command& c) { return check(c); });
        m_config->on_change("cluster-node-timeout", [this](std::string_view v) {
            if (m_engine) m_engine->settings().node_timeout_ms = std::stoull(std::string(v));
            return std::string();
        });
        m_config->on_change("bind-source-addr", [this](std::string_view v) {
            if (m_bus) m_bus->set_source_address(std::string(v));
            return std::string();
        });
        m_config->on_change("cluster-link-sendbuf-limit", [this](std::string_view v) {
            if (m_bus) m_bus->set_send_buffer_limit(std::stoull(std::string(v)));
            return std::string();
        });
        m_config->on_change("cluster-require-full-coverage", [this](std::string_view v) {
            if (m_engine) m_engine->settings().require_full_coverage = v == "yes";
            return std::string();
        });
        for (const std::string_view name : {"cluster-announce-ip", "cluster-announce-hostname", "cluster-announce-port",
                                            "cluster-announce-bus-port"}) {
            m_config->on_change(name, [at_start = std::string(m_config->get(name))](std::string_view value) {
                return value == at_start ? std::string() : std::string("respkit applies this parameter at start-up only");
            });
        }
    }

    /// Locks and loads `cluster-config-file` (a new node with a random name when it is missing
    /// or empty, saved at once), and listens on the bus port of `loop`'s loop. "" or the error.
    [[nodiscard]] std::string start(net::tcp_server& loop) {
        const std::int64_t port = m_config->get_integer("port");
        std::int64_t bus_port = m_config->get_integer("cluster-port");
        if (bus_port == 0) {
            if (port > 65535 - 10000)
                return "Redis port number too high. Cluster communication port is 10,000 port numbers higher than "
                       "your Redis port. Your Redis port number must be 55535 or less.";
            bus_port = port + 10000;
        }
        if (bus_port > 65535) return "cluster-port " + std::to_string(bus_port) + " is out of range";
        m_path = std::string(m_config->get("cluster-config-file"));
        if (std::string error = lock_config(); !error.empty()) return error;
        cluster::node_table table;
        bool fresh = true;
        if (std::string error = load_config(table, fresh); !error.empty()) return error;
        if (fresh) table = cluster::bus_engine::fresh_table(detail::random_node_name());

        cluster::bus_settings settings;
        settings.node_timeout_ms = static_cast<std::uint64_t>(m_config->get_integer("cluster-node-timeout"));
        settings.require_full_coverage = m_config->get_bool("cluster-require-full-coverage");
        settings.announce_ip = std::string(m_config->get("cluster-announce-ip"));
        settings.hostname = std::string(m_config->get("cluster-announce-hostname"));
        const std::int64_t announced_port = m_config->get_integer("cluster-announce-port");
        const std::int64_t announced_bus_port = m_config->get_integer("cluster-announce-bus-port");
        settings.port = static_cast<std::uint16_t>(announced_port != 0 ? announced_port : port);
        settings.cport = static_cast<std::uint16_t>(announced_bus_port != 0 ? announced_bus_port : bus_port);
        const std::uint64_t now = net::cluster_bus::now_ms();
        m_engine = std::make_unique<cluster::bus_engine>(std::move(table), std::move(settings), now,
                                                         std::random_device{}() ^ now);

        net::cluster_bus_options options;
        std::string bind(m_config->get("bind"));
        bind = bind.substr(0, bind.find(' '));
        if (!bind.empty() && bind.front() == '-') bind.erase(0, 1);
        options.bind = bind == "::*" ? "*" : bind;
        options.port = static_cast<std::uint16_t>(bus_port);
        options.max_message_bytes = static_cast<std::size_t>(m_config->get_integer("proto-max-bulk-len")) + 64 * 1024;
        options.send_buffer_limit = static_cast<std::uint64_t>(m_config->get_integer("cluster-link-sendbuf-limit"));
        options.source_address = std::string(m_config->get("bind-source-addr"));
        options.socket_mark = static_cast<std::uint32_t>(m_config->get_integer("socket-mark-id"));
        options.warning = [this](const std::string& line) { m_context->log(server::log_level::warning, line); };
        options.save_config = [this](const cluster::node_table&) { save_or_log(); };
        options.lost_slots = [this](const std::vector<unsigned>& slots) { delete_keys_in(slots); };
        options.published = [this](bool sharded, const std::string& channel, const std::string& message) {
            if (sharded)
                (void)server::spublish(*m_context, channel, message);
            else
                (void)server::publish(*m_context, channel, message);
        };
        m_bus = std::make_unique<net::cluster_bus>(loop, *m_engine, std::move(options));
        if (const std::error_code error = m_bus->listen()) {
            m_bus.reset();
            return "Could not listen on the cluster bus port " + std::to_string(bus_port) + ": " + error.message();
        }
        if (fresh) {
            m_context->log(server::log_level::notice, "No cluster configuration found, I'm " + m_engine->myself());
            if (std::string error = save_config(); !error.empty()) return "Cannot save the cluster configuration: " + error;
        } else {
            m_context->log(server::log_level::notice, "Node configuration loaded, I'm " + m_engine->myself());
        }
        return {};
    }

    /// Writes nodes.conf now (CLUSTER SAVECONFIG, and on shutdown): "" or the reason it failed.
    [[nodiscard]] std::string save_config() {
        if (!m_engine) return {};
        const std::string content = cluster::format_nodes_file(m_engine->table());
        const unique_fd fd(::open(m_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        if (fd.get() < 0) return std::strerror(errno);
        struct stat st{};
        if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
        // As Redis: written in place (the lock is on this file), padded with newlines over a
        // longer old content, fsync'ed, then truncated.
        std::string padded = content;
        if (static_cast<std::size_t>(st.st_size) > padded.size()) padded.resize(static_cast<std::size_t>(st.st_size), '\n');
        for (std::size_t done = 0; done < padded.size();) {
            const ssize_t n = ::pwrite(fd.get(), padded.data() + done, padded.size() - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::strerror(errno);
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) return std::strerror(errno);
        if (padded.size() != content.size()) (void)::ftruncate(fd.get(), static_cast<off_t>(content.size()));
        return {};
    }

    /// After the dataset is loaded (Redis's verifyClusterConfigWithData): keys in a database other
    /// than 0 stop the start (the error is returned); a slot holding keys that this node neither
    /// serves nor imports is taken when unassigned, else set to importing from its owner, each
    /// with Redis's log line, and nodes.conf is saved. "" when the start goes on.
    [[nodiscard]] std::string verify_data() {
        if (!m_engine) return {};
        for (std::size_t db = 1; db < m_keyspace->db_count(); ++db) {
            if (m_keyspace->size(db) != 0) return "You can't have keys in a DB different than DB 0 when in Cluster mode. Exiting.";
        }
        if (m_keyspace->size(0) == 0) return {};
        std::vector<std::uint64_t> counts(cluster::slot_count, 0);
        if (m_keyspace->has_slot_index(0)) {
            for (unsigned slot = 0; slot < cluster::slot_count; ++slot) counts[slot] = m_keyspace->count_keys_in_slot(0, slot);
        } else {
            m_keyspace->map(0).for_each([&](std::string_view key, const auto&) { ++counts[cluster::key_slot(key)]; });
        }
        bool changed = false;
        for (unsigned slot = 0; slot < cluster::slot_count; ++slot) {
            if (counts[slot] == 0) continue;
            const cluster::node_info* owner = m_engine->table().slot_owner(slot);
            if ((owner != nullptr && owner->name == m_engine->myself()) || m_engine->table().importing().contains(slot)) continue;
            changed = true;
            if (owner == nullptr) {
                m_context->log(server::log_level::warning,
                               "I have keys for unassigned slot " + std::to_string(slot) + ". Taking responsibility for it.");
                (void)m_engine->add_slot(slot, now());
            } else {
                m_context->log(server::log_level::warning, "I have keys for slot " + std::to_string(slot) +
                                                               ", but the slot is assigned to another node. Setting it to "
                                                               "importing state.");
                (void)m_engine->set_slot_importing(slot, std::string(owner->name), now());
            }
        }
        if (changed) {
            if (std::string error = save_config(); !error.empty()) return "Fatal: can't update cluster config file: " + error;
            m_bus->perform();
        }
        return {};
    }

    /// The engine (null before start()).
    [[nodiscard]] cluster::bus_engine* engine() noexcept { return m_engine.get(); }
    /// The bus port listened on (0 before start()).
    [[nodiscard]] std::uint16_t bus_port() const noexcept { return m_bus ? m_bus->port() : 0; }

private:
    using handler = server::command_handler;

    static std::uint64_t now() { return net::cluster_bus::now_ms(); }

    void set_handler(std::string_view name, handler h) {
        if (server::command_entry* e = m_commands->find(name)) e->handler = std::move(h);
    }
    // Runs `guard` before the command's own handler, which runs when it returns true.
    template <class Guard>
    void wrap(std::string_view name, Guard guard) {
        server::command_entry* e = m_commands->find(name);
        if (e == nullptr) return;
        e->handler = [guard, inner = std::move(e->handler)](server::command_call& call) {
            if (guard(call)) inner(call);
        };
    }

    // --- nodes.conf -----------------------------------------------------------------------

    std::string lock_config() {
        m_lock = unique_fd(::open(m_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        if (m_lock.get() < 0)
            return "Can't open " + m_path + " in order to acquire a lock: " + std::strerror(errno);
        if (::flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                return "Sorry, the cluster configuration file " + m_path +
                       " is already used by a different Redis Cluster node. Please make sure that different nodes use "
                       "different cluster configuration files.";
            return "Impossible to lock " + m_path + ": " + std::strerror(errno);
        }
        return {};
    }

    std::string load_config(cluster::node_table& table, bool& fresh) {
        const unique_fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) return {};
        std::string text;
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return "Unrecoverable error reading the cluster configuration file " + m_path + ": " + std::strerror(errno);
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
        if (text.find_first_not_of("\n") == std::string::npos) return {}; // empty (or padding only): a new node
        if (std::string error = cluster::parse_nodes_file(text, table); !error.empty())
            return "Unrecoverable error: corrupted cluster config file \"" + m_path + "\": " + error;
        fresh = false;
        return {};
    }

    void save_or_log() {
        if (const std::string error = save_config(); !error.empty())
            m_context->log(server::log_level::warning, "Could not save the cluster configuration (" + m_path + "): " + error);
    }

    // --- keys --------------------------------------------------------------------------

    // Keys stored in `slot` (live or expired but not yet removed: Redis's slot index holds them
    // too), up to `limit`, newest first: from the keyspace's per-slot index (enabled in install()),
    // O(limit); a keyspace without one (a map without node extras) is scanned, O(keys).
    std::vector<std::string> keys_in_slot(unsigned slot, std::uint64_t limit) const {
        std::vector<std::string> out;
        if (limit == 0) return out;
        if (m_keyspace->has_slot_index(0)) {
            m_keyspace->for_each_key_in_slot(0, slot, limit, [&](std::string_view key) { out.emplace_back(key); });
            return out;
        }
        m_keyspace->map(0).for_each([&](std::string_view key, const auto&) {
            if (out.size() < limit && cluster::key_slot(key) == slot) out.emplace_back(key);
        });
        return out;
    }
    // O(1) with the index.
    std::uint64_t count_keys_in_slot(unsigned slot) const {
        if (m_keyspace->has_slot_index(0)) return m_keyspace->count_keys_in_slot(0, slot);
        std::uint64_t n = 0;
        m_keyspace->map(0).for_each([&](std::string_view key, const auto&) { n += cluster::key_slot(key) == slot ? 1 : 0; });
        return n;
    }
    // The slots lost to another node: their keys go, as Redis's delKeysInSlot (O(their keys)
    // with the index).
    void delete_keys_in(const std::vector<unsigned>& slots) {
        std::vector<std::string> doomed;
        if (m_keyspace->has_slot_index(0)) {
            for (const unsigned s : slots)
                m_keyspace->for_each_key_in_slot(0, s, m_keyspace->count_keys_in_slot(0, s),
                                                 [&](std::string_view key) { doomed.emplace_back(key); });
        } else {
            std::vector<bool> lost(cluster::slot_count, false);
            for (const unsigned s : slots) lost[s] = true;
            m_keyspace->map(0).for_each([&](std::string_view key, const auto&) {
                if (lost[cluster::key_slot(key)]) doomed.emplace_back(key);
            });
        }
        // Stored keys whose TTL passed go too (erase sees them as expired and removes them).
        for (const std::string& key : doomed) (void)m_keyspace->erase(0, key);
        if (!doomed.empty())
            m_context->log(server::log_level::notice, "Deleted " + std::to_string(doomed.size()) +
                                                          " keys of slots served by another node now");
    }

    // --- the slot check ---------------------------------------------------------------------

    static bool shard_pubsub(std::string_view name) {
        return name == "ssubscribe" || name == "sunsubscribe" || name == "spublish";
    }

    // The keys of one command into `keys` (views into `args`), as COMMAND GETKEYS finds them;
    // a sharded pub/sub command's channels count as keys.
    static void add_keys(const server::command_entry& entry, std::span<const std::string_view> args,
                         std::vector<std::string_view>& keys) {
        if (shard_pubsub(entry.full_name)) {
            const std::size_t end = entry.full_name == "spublish" ? 2 : args.size();
            for (std::size_t i = 1; i < end && i < args.size(); ++i) keys.push_back(args[i]);
            return;
        }
        std::vector<server::key_reference> refs;
        if (server::extract_keys(entry.spec, args, refs) != server::key_extraction::found) return;
        for (const server::key_reference& r : refs) keys.push_back(args[r.index]);
    }

    std::string check(const server::pending_command& c) const {
        if (c.origin == server::command_origin::script) return check_script_command(c);
        if (c.origin != server::command_origin::client || !m_engine) return {};
        const bool exec = c.entry.full_name == "exec";
        if (exec && !c.in_multi) return {};
        cluster::routing_request request;
        std::vector<std::vector<std::string_view>> queued_args; // views the keys point into
        if (exec) {
            for (const server::session::queued_command& q : c.client.queued_commands()) {
                queued_args.emplace_back(q.args.begin(), q.args.end());
                std::string ignored;
                if (const server::command_entry* e = c.commands.resolve(queued_args.back(), ignored)) {
                    add_keys(*e, queued_args.back(), request.keys);
                    request.pubsub_shard = request.pubsub_shard || shard_pubsub(e->full_name);
                }
            }
            request.write = has(c.queued_flags, server::command_flag::write);
        } else {
            add_keys(c.entry, c.args, request.keys);
            request.write = has(c.entry.spec.flags, server::command_flag::write);
            request.pubsub_shard = shard_pubsub(c.entry.full_name);
        }
        if (request.keys.empty()) return {};
        request.migrate = c.entry.full_name == "migrate";
        request.asking = c.client.asking() || has(c.entry.spec.flags, server::command_flag::asking); // RESTORE-ASKING
        const cluster::route r = route(request);
        return cluster::route_error(r, endpoint());
    }

    // Where `request` goes from this node, with the cluster-allow-*-when-down settings; a key
    // counts as present when it is stored and not logically expired.
    cluster::route route(const cluster::routing_request& request) const {
        cluster::routing_settings settings;
        settings.allow_reads_when_down = m_config->get_bool("cluster-allow-reads-when-down");
        settings.allow_pubsubshard_when_down = m_config->get_bool("cluster-allow-pubsubshard-when-down");
        return cluster::route_command(
            m_engine->table(), m_engine->myself(), request, m_engine->state_ok(), settings,
            [this](std::string_view key) { return m_keyspace->stored(0, key) && !m_keyspace->stored_expired(0, key); });
    }

    // A command a script runs (Redis's scriptVerifyClusterState): its keys must route here, with
    // the calling client's ASKING, and hash to the script's one slot (the declared keys' slot,
    // else the first key a command reached) unless the script may cross slots. "" or the error
    // (the script engine adds "ERR").
    std::string check_script_command(const server::pending_command& c) const {
        if (!m_engine || c.script == nullptr || c.script->obeyed) return {};
        cluster::routing_request request;
        add_keys(c.entry, c.args, request.keys);
        if (request.keys.empty()) return {}; // no keys: myself, even while the cluster is down
        request.write = has(c.entry.spec.flags, server::command_flag::write);
        request.pubsub_shard = shard_pubsub(c.entry.full_name);
        request.migrate = c.entry.full_name == "migrate";
        request.asking = c.client.asking() || has(c.entry.spec.flags, server::command_flag::asking);
        const cluster::route r = route(request);
        switch (r.kind) {
        case cluster::route_kind::here: break;
        case cluster::route_kind::down_read_only:
            return "Script attempted to execute a write command while the cluster is down and readonly";
        case cluster::route_kind::down: return "Script attempted to execute a command while the cluster is down";
        default: return "Script attempted to access a non local key in a cluster node";
        }
        server::script_call_state& script = *c.script;
        if (script.allow_cross_slot) return {};
        if (script.slot == -2) {
            script.slot = script.declared_keys.empty()
                              ? -1
                              : static_cast<int>(cluster::key_slot(script.declared_keys.front()));
        }
        if (script.slot == -1) script.slot = static_cast<int>(r.slot);
        else if (script.slot != static_cast<int>(r.slot))
            return "Script attempted to access keys that do not hash to the same slot";
        return {};
    }

    cluster::endpoint_type endpoint() const {
        const std::string_view type = m_config->get("cluster-preferred-endpoint-type");
        if (type == "hostname") return cluster::endpoint_type::hostname;
        if (type == "unknown-endpoint") return cluster::endpoint_type::unknown_endpoint;
        return cluster::endpoint_type::ip;
    }

    // --- CLUSTER ----------------------------------------------------------------------------

    void sub(std::string_view name, handler h) {
        server::command_entry* cluster = m_commands->find("cluster");
        if (cluster == nullptr) return;
        const auto it = cluster->subcommands.find(name);
        if (it != cluster->subcommands.end()) it->second->handler = std::move(h);
    }

    // A slot argument, or nullopt after Redis's "Invalid or out of range slot".
    static std::optional<unsigned> slot_arg(server::command_call& call, std::size_t i) {
        std::int64_t v = 0;
        if (!respkit::detail::parse_int64(call.arg(i), v) || v < 0 || v >= static_cast<std::int64_t>(cluster::slot_count)) {
            call.error("ERR Invalid or out of range slot");
            return std::nullopt;
        }
        return static_cast<unsigned>(v);
    }

    bool started(server::command_call& call) const {
        if (m_engine) return true;
        call.error("ERR the cluster bus is not started");
        return false;
    }

    // After a change made by a command: the engine's requests carried out (nodes.conf saved,
    // messages sent) before the reply.
    void done() { m_bus->perform(); }

    // ADDSLOTS, DELSLOTS and their RANGE forms: every range checked first, then applied.
    void change_slots(server::command_call& call, bool del, bool ranges) {
        if (!started(call)) return;
        if (ranges && call.argc() % 2 == 1) {
            call.error("ERR wrong number of arguments for 'cluster|" + std::string(del ? "delslotsrange" : "addslotsrange") +
                       "' command");
            return;
        }
        std::vector<std::pair<unsigned, unsigned>> wanted;
        if (!ranges) {
            for (std::size_t i = 2; i < call.argc(); ++i)
                if (!slot_arg(call, i)) return;
        }
        std::vector<std::uint8_t> seen(cluster::slot_count, 0);
        const cluster::node_table& table = m_engine->table();
        for (std::size_t i = 2; i < call.argc(); i += ranges ? 2 : 1) {
            const auto first = slot_arg(call, i);
            if (!first) return;
            unsigned last = *first;
            if (ranges) {
                const auto end = slot_arg(call, i + 1);
                if (!end) return;
                last = *end;
                if (*first > last) {
                    call.error("ERR start slot number " + std::to_string(*first) + " is greater than end slot number " +
                               std::to_string(last));
                    return;
                }
            }
            for (unsigned slot = *first; slot <= last; ++slot) {
                const bool served = table.slot_owner(slot) != nullptr;
                if (del && !served) {
                    call.error("ERR Slot " + std::to_string(slot) + " is already unassigned");
                    return;
                }
                if (!del && served) {
                    call.error("ERR Slot " + std::to_string(slot) + " is already busy");
                    return;
                }
                if (seen[slot]++ == 1) {
                    call.error("ERR Slot " + std::to_string(slot) + " specified multiple times");
                    return;
                }
            }
            wanted.emplace_back(*first, last);
        }
        // ADDSLOTS names each slot (redis-cli --cluster create sends thousands): runs of
        // consecutive slots are applied as one range, the cluster's state computed once each.
        std::sort(wanted.begin(), wanted.end());
        std::vector<std::pair<unsigned, unsigned>> runs;
        for (const auto& range : wanted) {
            if (!runs.empty() && runs.back().second + 1 == range.first)
                runs.back().second = range.second;
            else
                runs.push_back(range);
        }
        const std::uint64_t t = now();
        for (const auto& [first, last] : runs) {
            if (del)
                (void)m_engine->delete_slots(first, last, t);
            else
                (void)m_engine->add_slots(first, last, t);
        }
        done();
        call.ok();
    }

    void reply_node_endpoint(server::command_call& call, const cluster::node_info& n) const {
        auto& out = call.reply();
        const cluster::endpoint_type type = endpoint();
        out.array(4);
        if (type == cluster::endpoint_type::ip)
            out.bulk_string(n.ip);
        else if (type == cluster::endpoint_type::hostname)
            out.bulk_string(n.hostname.empty() ? std::string_view("?") : std::string_view(n.hostname));
        else
            out.null();
        out.integer(n.port);
        out.bulk_string(n.name);
        std::size_t extra = 0;
        if (type != cluster::endpoint_type::ip) ++extra;
        if (type != cluster::endpoint_type::hostname && !n.hostname.empty()) ++extra;
        out.map(extra);
        if (type != cluster::endpoint_type::ip) {
            out.bulk_string("ip");
            out.bulk_string(n.ip);
        }
        if (type != cluster::endpoint_type::hostname && !n.hostname.empty()) {
            out.bulk_string("hostname");
            out.bulk_string(n.hostname);
        }
    }

    void slots_reply(server::command_call& call) const {
        const cluster::node_table& table = m_engine->table();
        std::vector<std::pair<unsigned, unsigned>> ranges;
        std::vector<const cluster::node_info*> owners;
        for (unsigned slot = 0; slot < cluster::slot_count; ++slot) {
            const cluster::node_info* owner = table.slot_owner(slot);
            if (owner == nullptr) continue;
            if (!owners.empty() && owners.back() == owner && ranges.back().second + 1 == slot) {
                ranges.back().second = slot;
            } else {
                ranges.emplace_back(slot, slot);
                owners.push_back(owner);
            }
        }
        call.reply().array(ranges.size());
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            call.reply().array(3);
            call.reply().integer(ranges[i].first);
            call.reply().integer(ranges[i].second);
            reply_node_endpoint(call, *owners[i]);
        }
    }

    std::string preferred_endpoint(const cluster::node_info& n) const {
        switch (endpoint()) {
        case cluster::endpoint_type::ip: return n.ip;
        case cluster::endpoint_type::hostname: return n.hostname.empty() ? "?" : n.hostname;
        case cluster::endpoint_type::unknown_endpoint: break;
        }
        return "?";
    }

    void shards_reply(server::command_call& call) const {
        const cluster::node_table& table = m_engine->table();
        auto& out = call.reply();
        std::size_t primaries = 0;
        for (const cluster::node_info& n : table.nodes()) primaries += (n.flags & cluster::node_flag::primary) != 0 ? 1 : 0;
        out.array(primaries);
        for (const cluster::node_info& n : table.nodes()) {
            if ((n.flags & cluster::node_flag::primary) == 0) continue;
            std::vector<unsigned> pairs;
            for (unsigned slot = 0; slot < cluster::slot_count; ++slot) {
                if (!n.slots.test(slot)) continue;
                if (!pairs.empty() && pairs.back() + 1 == slot)
                    pairs.back() = slot;
                else {
                    pairs.push_back(slot);
                    pairs.push_back(slot);
                }
            }
            out.map(2);
            out.bulk_string("slots");
            out.array(pairs.size());
            for (const unsigned s : pairs) out.integer(s);
            out.bulk_string("nodes");
            out.array(1);
            out.map(n.hostname.empty() ? 7 : 8);
            out.bulk_string("id");
            out.bulk_string(n.name);
            out.bulk_string("port");
            out.integer(n.port);
            out.bulk_string("ip");
            out.bulk_string(n.ip);
            out.bulk_string("endpoint");
            out.bulk_string(preferred_endpoint(n));
            if (!n.hostname.empty()) {
                out.bulk_string("hostname");
                out.bulk_string(n.hostname);
            }
            out.bulk_string("role");
            out.bulk_string("master");
            out.bulk_string("replication-offset");
            out.integer(0);
            out.bulk_string("health");
            out.bulk_string((n.flags & cluster::node_flag::fail) != 0 ? "fail" : "online");
        }
    }

    std::string info_text() const {
        const cluster::node_table& table = m_engine->table();
        unsigned assigned = 0, ok = 0, pfail = 0, fail = 0;
        for (unsigned slot = 0; slot < cluster::slot_count; ++slot) {
            const cluster::node_info* n = table.slot_owner(slot);
            if (n == nullptr) continue;
            ++assigned;
            if ((n->flags & cluster::node_flag::fail) != 0)
                ++fail;
            else if ((n->flags & cluster::node_flag::pfail) != 0)
                ++pfail;
            else
                ++ok;
        }
        const cluster::node_info* me = table.find(m_engine->myself());
        std::string text = "cluster_state:" + std::string(m_engine->state_ok() ? "ok" : "fail") + "\r\n";
        text += "cluster_slots_assigned:" + std::to_string(assigned) + "\r\n";
        text += "cluster_slots_ok:" + std::to_string(ok) + "\r\n";
        text += "cluster_slots_pfail:" + std::to_string(pfail) + "\r\n";
        text += "cluster_slots_fail:" + std::to_string(fail) + "\r\n";
        text += "cluster_known_nodes:" + std::to_string(table.nodes().size()) + "\r\n";
        text += "cluster_size:" + std::to_string(m_engine->size()) + "\r\n";
        text += "cluster_current_epoch:" + std::to_string(table.current_epoch) + "\r\n";
        text += "cluster_my_epoch:" + std::to_string(me != nullptr ? me->config_epoch : 0) + "\r\n";
        const auto stats = [&text](const std::map<cluster::bus_message_type, std::uint64_t>& counts, std::string_view way) {
            std::uint64_t total = 0;
            for (const auto& [type, count] : counts) {
                if (count == 0) continue;
                total += count;
                text += "cluster_stats_messages_" + std::string(detail::bus_message_type_name(type)) + "_" +
                        std::string(way) + ":" + std::to_string(count) + "\r\n";
            }
            text += "cluster_stats_messages_" + std::string(way) + ":" + std::to_string(total) + "\r\n";
        };
        stats(m_engine->messages_sent(), "sent");
        stats(m_engine->messages_received(), "received");
        text += "total_cluster_links_buffer_limit_exceeded:" + std::to_string(m_bus ? m_bus->send_buffer_limit_exceeded() : 0) + "\r\n";
        return text;
    }

    void install_cluster_subcommands() {
        sub("help", [](server::command_call& call) {
            commands::detail::help_reply(call, "cluster",
                                 {
                                     "ADDSLOTS <slot> [<slot> ...]",
                                     "    Assign slots to current node.",
                                     "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
                                     "    Assign slots which are between <start-slot> and <end-slot> to current node.",
                                     "BUMPEPOCH",
                                     "    Advance the cluster config epoch.",
                                     "COUNT-FAILURE-REPORTS <node-id>",
                                     "    Return number of failure reports for <node-id>.",
                                     "COUNTKEYSINSLOT <slot>",
                                     "    Return the number of keys in <slot>.",
                                     "DELSLOTS <slot> [<slot> ...]",
                                     "    Delete slots information from current node.",
                                     "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
                                     "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
                                     "FAILOVER [FORCE|TAKEOVER]",
                                     "    Promote current replica node to being a master.",
                                     "FORGET <node-id>",
                                     "    Remove a node from the cluster.",
                                     "GETKEYSINSLOT <slot> <count>",
                                     "    Return key names stored by current node in a slot.",
                                     "FLUSHSLOTS",
                                     "    Delete current node own slots information.",
                                     "INFO",
                                     "    Return information about the cluster.",
                                     "KEYSLOT <key>",
                                     "    Return the hash slot for <key>.",
                                     "MEET <ip> <port> [<bus-port>]",
                                     "    Connect nodes into a working cluster.",
                                     "MYID",
                                     "    Return the node id.",
                                     "NODES",
                                     "    Return cluster configuration seen by node. Output format:",
                                     "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
                                     "REPLICATE <node-id>",
                                     "    Configure current node as replica to <node-id>.",
                                     "RESET [HARD|SOFT]",
                                     "    Reset current node (default: soft).",
                                     "SET-CONFIG-EPOCH <epoch>",
                                     "    Set config epoch of current node.",
                                     "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
                                     "    Set slot state.",
                                     "REPLICAS <node-id>",
                                     "    Return <node-id> replicas.",
                                     "SAVECONFIG",
                                     "    Force saving cluster configuration on disk.",
                                     "SLOTS",
                                     "    Return information about slots range mappings. Each range is made of:",
                                     "    start, end, master and replicas IP addresses, ports and ids",
                                     "SHARDS",
                                     "    Return information about slot range mappings and the nodes associated with them.",
                                     "LINKS",
                                     "    Return information about all network links between this node and its peers.",
                                     "    Output format is an array where each array element is a map containing attributes of a link"
                                 });
        });
        sub("info", [this](server::command_call& call) {
            if (started(call)) call.reply().verbatim_string("txt", info_text());
        });
        sub("myid", [this](server::command_call& call) {
            if (started(call)) call.reply().bulk_string(m_engine->myself());
        });
        sub("nodes", [this](server::command_call& call) {
            if (started(call)) call.reply().verbatim_string("txt", cluster::describe_nodes(m_engine->table()));
        });
        sub("slots", [this](server::command_call& call) {
            if (started(call)) slots_reply(call);
        });
        sub("shards", [this](server::command_call& call) {
            if (started(call)) shards_reply(call);
        });
        sub("keyslot", [](server::command_call& call) { call.reply().integer(cluster::key_slot(call.arg(2))); });
        sub("countkeysinslot", [this](server::command_call& call) {
            std::int64_t slot = 0;
            if (!respkit::detail::parse_int64(call.arg(2), slot)) {
                call.error(server::errors::not_integer);
                return;
            }
            if (slot < 0 || slot >= static_cast<std::int64_t>(cluster::slot_count)) {
                call.error("ERR Invalid slot");
                return;
            }
            call.reply().integer(static_cast<std::int64_t>(count_keys_in_slot(static_cast<unsigned>(slot))));
        });
        sub("getkeysinslot", [this](server::command_call& call) {
            std::int64_t slot = 0, count = 0;
            if (!respkit::detail::parse_int64(call.arg(2), slot) || !respkit::detail::parse_int64(call.arg(3), count)) {
                call.error(server::errors::not_integer);
                return;
            }
            if (slot < 0 || slot >= static_cast<std::int64_t>(cluster::slot_count) || count < 0) {
                call.error("ERR Invalid slot or number of keys");
                return;
            }
            const auto s = static_cast<unsigned>(slot);
            if (m_keyspace->has_slot_index(0)) {
                // Written as walked: no copy of the keys (a count past the slot's keys is cut to them).
                const std::uint64_t n = std::min(static_cast<std::uint64_t>(count), m_keyspace->count_keys_in_slot(0, s));
                call.reply().array(static_cast<std::size_t>(n));
                m_keyspace->for_each_key_in_slot(0, s, n, [&](std::string_view key) { call.reply().bulk_string(key); });
                return;
            }
            const std::vector<std::string> keys = keys_in_slot(s, static_cast<std::uint64_t>(count));
            call.reply().array(keys.size());
            for (const std::string& k : keys) call.reply().bulk_string(k);
        });
        sub("addslots", [this](server::command_call& call) { change_slots(call, false, false); });
        sub("delslots", [this](server::command_call& call) { change_slots(call, true, false); });
        sub("addslotsrange", [this](server::command_call& call) { change_slots(call, false, true); });
        sub("delslotsrange", [this](server::command_call& call) { change_slots(call, true, true); });
        sub("flushslots", [this](server::command_call& call) {
            if (!started(call)) return;
            if (m_keyspace->size(0) != 0) {
                call.error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
                return;
            }
            m_engine->flush_slots(now());
            done();
            call.ok();
        });
        sub("meet", [this](server::command_call& call) {
            if (!started(call)) return;
            std::int64_t port = 0, cport = 0;
            if (!respkit::detail::parse_int64(call.arg(3), port)) {
                call.error("ERR Invalid TCP base port specified: " + std::string(call.arg(3)));
                return;
            }
            if (call.argc() == 5) {
                if (!respkit::detail::parse_int64(call.arg(4), cport)) {
                    call.error("ERR Invalid TCP bus port specified: " + std::string(call.arg(4)));
                    return;
                }
            } else {
                cport = port + 10000;
            }
            // As Redis's clusterStartHandshake: a numeric address and ports in range, else EINVAL.
            const std::string ip(call.arg(2));
            unsigned char addr[16];
            const bool numeric = ::inet_pton(AF_INET, ip.c_str(), addr) == 1 || ::inet_pton(AF_INET6, ip.c_str(), addr) == 1;
            if (!numeric || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
                call.error("ERR Invalid node address specified: " + ip + ":" + std::string(call.arg(3)));
                return;
            }
            (void)m_engine->meet(ip, static_cast<unsigned>(port), static_cast<unsigned>(cport), now());
            done();
            call.ok();
        });
        sub("forget", [this](server::command_call& call) {
            if (!started(call)) return;
            if (std::string error = m_engine->forget(call.arg(2), now()); !error.empty()) {
                call.error("ERR " + error);
                return;
            }
            done();
            call.ok();
        });
        sub("setslot", [this](server::command_call& call) {
            if (!started(call)) return;
            const auto slot = slot_arg(call, 2);
            if (!slot) return;
            const std::string_view action = call.arg(3);
            std::string error;
            if (commands::iequals(action, "migrating") && call.argc() == 5) {
                error = m_engine->set_slot_migrating(*slot, call.arg(4), now());
            } else if (commands::iequals(action, "importing") && call.argc() == 5) {
                error = m_engine->set_slot_importing(*slot, call.arg(4), now());
            } else if (commands::iequals(action, "stable") && call.argc() == 4) {
                m_engine->set_slot_stable(*slot, now());
            } else if (commands::iequals(action, "node") && call.argc() == 5) {
                error = m_engine->set_slot_node(*slot, call.arg(4), count_keys_in_slot(*slot), now());
            } else {
                call.error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
                return;
            }
            if (!error.empty()) {
                call.error("ERR " + error);
                return;
            }
            done();
            call.ok();
        });
        sub("bumpepoch", [this](server::command_call& call) {
            if (!started(call)) return;
            const bool bumped = m_engine->bump_epoch(now());
            done();
            call.reply().simple_string(std::string(bumped ? "BUMPED " : "STILL ") +
                                       std::to_string(m_engine->table().find(m_engine->myself())->config_epoch));
        });
        sub("set-config-epoch", [this](server::command_call& call) {
            if (!started(call)) return;
            std::int64_t epoch = 0;
            if (!respkit::detail::parse_int64(call.arg(2), epoch)) {
                call.error(server::errors::not_integer);
                return;
            }
            if (epoch < 0) {
                call.error("ERR Invalid config epoch specified: " + std::to_string(epoch));
                return;
            }
            if (std::string error = m_engine->set_config_epoch(static_cast<std::uint64_t>(epoch), now()); !error.empty()) {
                call.error("ERR " + error);
                return;
            }
            done();
            call.ok();
        });
        sub("saveconfig", [this](server::command_call& call) {
            if (!started(call)) return;
            if (std::string error = save_config(); !error.empty()) {
                call.error("ERR error saving the cluster node config: " + error);
                return;
            }
            call.ok();
        });
        sub("reset", [this](server::command_call& call) {
            if (!started(call)) return;
            bool hard = false;
            if (call.argc() == 3) {
                if (commands::iequals(call.arg(2), "hard")) {
                    hard = true;
                } else if (!commands::iequals(call.arg(2), "soft")) {
                    call.error(server::errors::syntax);
                    return;
                }
            }
            if (m_keyspace->size(call.client().db()) != 0) {
                call.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
                return;
            }
            m_engine->reset(hard, detail::random_node_name(), now());
            done();
            call.ok();
        });
        sub("count-failure-reports", [this](server::command_call& call) {
            if (!started(call)) return;
            if (m_engine->table().find(call.arg(2)) == nullptr) {
                call.error("ERR Unknown node " + std::string(call.arg(2)));
                return;
            }
            call.reply().integer(static_cast<std::int64_t>(m_engine->failure_reports(call.arg(2), now())));
        });
        sub("links", [this](server::command_call& call) {
            if (!started(call)) return;
            std::vector<cluster::bus_engine::link_description> links;
            for (auto& l : m_engine->links())
                if (!l.node.empty()) links.push_back(std::move(l));
            auto& out = call.reply();
            out.array(links.size());
            for (const auto& l : links) {
                const net::cluster_bus::send_buffer_size buffer = m_bus->send_buffer(l.id);
                out.map(6);
                out.bulk_string("direction");
                out.bulk_string(l.inbound ? "from" : "to");
                out.bulk_string("node");
                out.bulk_string(l.node);
                out.bulk_string("create-time");
                out.integer(static_cast<std::int64_t>(l.created_ms));
                out.bulk_string("events");
                out.bulk_string(buffer.used != 0 ? "rw" : "r"); // as Redis: writable only while bytes wait
                out.bulk_string("send-buffer-allocated");
                out.integer(static_cast<std::int64_t>(buffer.allocated));
                out.bulk_string("send-buffer-used");
                out.integer(static_cast<std::int64_t>(buffer.used));
            }
        });
        // Nodes are primaries only (docs/cluster.md).
        const auto primaries_only = [](server::command_call& call) {
            call.error("ERR respkit cluster nodes are primaries only: replicas and failover are not supported");
        };
        sub("replicate", primaries_only);
        sub("failover", primaries_only);
        sub("replicas", [this](server::command_call& call) { replicas(call); });
        sub("slaves", [this](server::command_call& call) { replicas(call); });
    }

    // REPLICAS / SLAVES: a known primary has none here.
    void replicas(server::command_call& call) {
        if (!started(call)) return;
        const cluster::node_info* n = m_engine->table().find(call.arg(2));
        if (n == nullptr) {
            call.error("ERR Unknown node " + std::string(call.arg(2)));
            return;
        }
        if ((n->flags & cluster::node_flag::replica) != 0) {
            call.error("ERR The specified node is not a master");
            return;
        }
        call.reply().array(0);
    }

    server::config_table* m_config;
    server::server_context* m_context;
    Keyspace* m_keyspace;
    server::dispatcher* m_commands;
    std::string m_path;
    unique_fd m_lock; // flock'ed for the life of the node, as Redis's clusterLockConfig
    std::unique_ptr<cluster::bus_engine> m_engine;
    std::unique_ptr<net::cluster_bus> m_bus;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::app

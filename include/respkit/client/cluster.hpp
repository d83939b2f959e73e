#pragma once

/// \file
/// A client of a Redis Cluster: keeps the slot map (CLUSTER SLOTS), sends each command to the
/// primary serving its first key's slot (key positions from COMMAND INFO, COMMAND GETKEYS for
/// commands whose keys move), follows MOVED (updating the map) and ASK (ASKING, then the
/// command, on the importing node), retries TRYAGAIN, and splits a pipeline by node, keeping
/// the replies in the order the commands were queued. One blocking connection per node, made
/// with the same options. Not thread-safe, as a connection.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "respkit/client/connection.hpp"
#include "respkit/client/pipeline.hpp"
#include "respkit/client/result.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// A node's address.
struct node_address {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const node_address&, const node_address&) = default;
};

/// How to reach a cluster.
struct cluster_options {
    std::vector<node_address> seeds;  ///< nodes to ask for the slot map (any of them)
    options node_options;             ///< each node's connection options (host and port replaced)
    int max_redirections = 5;         ///< MOVED / ASK / TRYAGAIN followed per command before giving up
    std::chrono::milliseconds tryagain_delay{50}; ///< the wait before retrying a TRYAGAIN
};

/// Commands queued for a cluster_client: kept as arguments, so that each goes to its node.
class cluster_pipeline {
public:
    /// Queues a command.
    template <resp::command_argument... Args>
    void add(const Args&... args) {
        std::vector<std::string> command;
        (command.emplace_back(to_text(args)), ...);
        m_commands.push_back(std::move(command));
    }
    /// Queues a command given as arguments.
    void add_range(std::vector<std::string> args) { m_commands.push_back(std::move(args)); }
    /// Number of commands queued.
    [[nodiscard]] std::size_t size() const noexcept { return m_commands.size(); }
    /// The queued commands.
    [[nodiscard]] const std::vector<std::vector<std::string>>& commands() const noexcept { return m_commands; }

private:
    template <class T>
    static std::string to_text(const T& arg) {
        if constexpr (std::convertible_to<const T&, std::string_view>) {
            return std::string(std::string_view(arg));
        } else {
            std::string bulk; // "$n\r\n<text>\r\n": numbers written as write_command writes them
            resp::detail_command::argument(bulk, arg);
            const std::size_t start = bulk.find('\n') + 1;
            return bulk.substr(start, bulk.size() - start - 2);
        }
    }
    std::vector<std::vector<std::string>> m_commands;
};

/// One client of a whole cluster.
class cluster_client {
public:
    /// A client for the cluster `o.seeds` belong to; nothing is connected before the first
    /// command (or refresh_slots()).
    explicit cluster_client(cluster_options o) : m_options(std::move(o)) {}

    /// Asks the seeds (then the known nodes) for CLUSTER SLOTS and replaces the slot map.
    result<void> refresh_slots() {
        std::vector<node_address> candidates = m_options.seeds;
        for (const auto& [name, link] : m_links) candidates.push_back(link.address);
        error_info last = make_error(errc::not_connected, "no seed node");
        for (const node_address& at : candidates) {
            auto r = link_to(at).command("CLUSTER", "SLOTS");
            if (!r) {
                last = r.error();
                continue;
            }
            if (r->is_error() || !r->is_aggregate()) {
                last = make_error(errc::server_error, std::string(r->string()));
                continue;
            }
            m_slots.assign(cluster::slot_count, std::nullopt);
            for (const resp::value& range : r->elements()) {
                if (!range.is_aggregate() || range.elements().size() < 3 || !range[2].is_aggregate() || range[2].elements().size() < 2)
                    return make_error(errc::unexpected_reply, "CLUSTER SLOTS: a range without a node");
                const auto first = range[0].integer();
                const auto last_slot = range[1].integer();
                node_address owner{std::string(range[2][0].string()), static_cast<std::uint16_t>(range[2][1].integer())};
                if (owner.host.empty() || owner.host == "?") owner.host = at.host; // the node answering does not know its address
                for (auto slot = first; slot >= 0 && slot <= last_slot && slot < cluster::slot_count; ++slot)
                    m_slots[static_cast<std::size_t>(slot)] = owner;
            }
            m_refresh_needed = false;
            return {};
        }
        return last;
    }

    /// The node serving `slot` in the map (nullopt when unknown).
    [[nodiscard]] std::optional<node_address> node_of_slot(unsigned slot) const {
        return slot < m_slots.size() ? m_slots[slot] : std::nullopt;
    }

    /// Sends one command to the node of its first key (any node for a command without keys)
    /// and returns its reply, following redirections; error replies are values.
    template <resp::command_argument... Args>
    result<resp::value> command(const Args&... args) {
        cluster_pipeline one;
        one.add(args...);
        return command_range(one.commands().front());
    }
    /// Sends one command given as arguments.
    result<resp::value> command_range(const std::vector<std::string>& args) {
        if (auto r = ensure_map(); !r) return r.error();
        auto slot = slot_of(args);
        if (!slot) return slot.error();
        return run_routed(args, *slot);
    }

    /// Sends the queued commands, one pipeline per node, and returns the replies in the order
    /// they were queued; a reply that redirects is followed for that command alone.
    result<replies> execute(const cluster_pipeline& p) {
        if (auto r = ensure_map(); !r) return r.error();
        const auto& commands = p.commands();
        std::vector<resp::value> out(commands.size());
        std::vector<std::optional<unsigned>> slots(commands.size());
        std::map<std::string, std::vector<std::size_t>> by_node;
        std::map<std::string, node_address> addresses;
        for (std::size_t i = 0; i < commands.size(); ++i) {
            auto slot = slot_of(commands[i]);
            if (!slot) return slot.error();
            slots[i] = *slot;
            const node_address at = route(*slot);
            by_node[key_of(at)].push_back(i);
            addresses[key_of(at)] = at;
        }
        for (const auto& [node, indexes] : by_node) {
            pipeline batch;
            for (const std::size_t i : indexes) batch.add_range(commands[i]);
            auto r = link_to(addresses[node]).execute(batch);
            if (!r) return r.error();
            for (std::size_t k = 0; k < indexes.size(); ++k) out[indexes[k]] = (*r)[k];
        }
        for (std::size_t i = 0; i < commands.size(); ++i) {
            if (!redirection(out[i])) continue;
            auto again = follow(commands[i], slots[i], out[i]);
            if (!again) return again.error();
            out[i] = std::move(*again);
        }
        return replies(std::move(out));
    }

    /// The connection to a node (made on first use), for commands a caller routes itself.
    connection& node(const node_address& at) { return link_to(at); }

private:
    struct link {
        node_address address;
        std::unique_ptr<connection> conn;
    };
    struct key_info {
        int first_key = 0;   // 0: no key at a fixed position
        bool movable = false; // ask COMMAND GETKEYS
    };

    static std::string key_of(const node_address& at) { return at.host + ":" + std::to_string(at.port); }

    connection& link_to(const node_address& at) {
        link& l = m_links[key_of(at)];
        if (!l.conn) {
            options o = m_options.node_options;
            o.host = at.host;
            o.port = at.port;
            l.address = at;
            l.conn = std::make_unique<connection>(o);
        }
        return *l.conn;
    }

    result<void> ensure_map() {
        if (m_slots.empty() || m_refresh_needed) return refresh_slots();
        return {};
    }

    node_address route(std::optional<unsigned> slot) const {
        if (slot && m_slots[*slot]) return *m_slots[*slot];
        for (const auto& owner : m_slots)
            if (owner) return *owner;
        return m_options.seeds.empty() ? node_address{} : m_options.seeds.front();
    }

    // The slot of the command's first key, or nullopt for a command without keys.
    result<std::optional<unsigned>> slot_of(const std::vector<std::string>& args) {
        if (args.empty()) return std::optional<unsigned>();
        std::string name = args.front();
        for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        auto info = m_key_info.find(name);
        if (info == m_key_info.end()) {
            auto r = link_to(route(std::nullopt)).command("COMMAND", "INFO", name);
            if (!r) return r.error();
            key_info k;
            if (r->is_aggregate() && !r->elements().empty() && (*r)[0].is_aggregate() && (*r)[0].elements().size() >= 6) {
                const resp::value& entry = (*r)[0];
                k.first_key = static_cast<int>(entry[3].integer());
                for (const resp::value& flag : entry[2].elements()) k.movable = k.movable || flag.string() == "movablekeys";
                if (entry.elements().size() >= 10 && entry[9].is_aggregate() && !entry[9].elements().empty()) k.movable = true; // a container
            }
            info = m_key_info.emplace(name, k).first;
        }
        if (info->second.movable) {
            std::vector<std::string> getkeys{"COMMAND", "GETKEYS"};
            getkeys.insert(getkeys.end(), args.begin(), args.end());
            auto r = link_to(route(std::nullopt)).command_range(getkeys);
            if (!r) return r.error();
            if (r->is_error() || !r->is_aggregate() || r->elements().empty()) return std::optional<unsigned>();
            return std::optional<unsigned>(cluster::key_slot((*r)[0].string()));
        }
        if (info->second.first_key <= 0 || static_cast<std::size_t>(info->second.first_key) >= args.size())
            return std::optional<unsigned>();
        return std::optional<unsigned>(cluster::key_slot(args[static_cast<std::size_t>(info->second.first_key)]));
    }

    static bool starts_with(std::string_view text, std::string_view prefix) {
        return text.substr(0, prefix.size()) == prefix;
    }
    static bool redirection(const resp::value& v) {
        if (!v.is_error()) return false;
        const std::string_view e = v.string();
        return starts_with(e, "MOVED ") || starts_with(e, "ASK ") || starts_with(e, "TRYAGAIN");
    }
    // "MOVED 3999 127.0.0.1:6381" -> the slot and the address.
    static std::optional<std::pair<unsigned, node_address>> parse_redirection(std::string_view e) {
        const std::size_t space = e.find(' ');
        const std::size_t second = e.find(' ', space + 1);
        if (space == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
        const std::string_view endpoint = e.substr(second + 1);
        const std::size_t colon = endpoint.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        unsigned slot = 0;
        for (const char c : e.substr(space + 1, second - space - 1)) {
            if (c < '0' || c > '9') return std::nullopt;
            slot = slot * 10 + static_cast<unsigned>(c - '0');
        }
        unsigned port = 0;
        for (const char c : endpoint.substr(colon + 1)) {
            if (c < '0' || c > '9') return std::nullopt;
            port = port * 10 + static_cast<unsigned>(c - '0');
        }
        if (slot >= cluster::slot_count || port == 0 || port > 65535) return std::nullopt;
        return std::make_pair(slot, node_address{std::string(endpoint.substr(0, colon)), static_cast<std::uint16_t>(port)});
    }

    result<resp::value> run_routed(const std::vector<std::string>& args, std::optional<unsigned> slot) {
        auto r = link_to(route(slot)).command_range(args);
        if (!r) {
            // Nothing was sent on a closed link: ask for the map again and retry once.
            if (r.error().code == errc::connection_closed || r.error().code == errc::connect_failed) {
                m_refresh_needed = true;
                if (auto refreshed = ensure_map(); !refreshed) return refreshed.error();
                r = link_to(route(slot)).command_range(args);
            }
            if (!r) return r.error();
        }
        if (!redirection(*r)) return r;
        return follow(args, slot, *r);
    }

    // Follows the redirections a reply asks for, up to max_redirections.
    result<resp::value> follow(const std::vector<std::string>& args, std::optional<unsigned> slot, resp::value reply) {
        for (int attempt = 0; attempt < m_options.max_redirections && redirection(reply); ++attempt) {
            const std::string_view e = reply.string();
            if (starts_with(e, "TRYAGAIN")) {
                std::this_thread::sleep_for(m_options.tryagain_delay);
                auto r = link_to(route(slot)).command_range(args);
                if (!r) return r.error();
                reply = std::move(*r);
                continue;
            }
            const auto target = parse_redirection(e);
            if (!target) return reply;
            if (starts_with(e, "MOVED ")) {
                m_slots[target->first] = target->second; // the rest of the map may be stale too
                m_refresh_needed = true;
                auto r = link_to(target->second).command_range(args);
                if (!r) return r.error();
                reply = std::move(*r);
            } else {
                // ASK: this command only, on the importing node, after ASKING.
                pipeline asking;
                asking.add("ASKING");
                asking.add_range(args);
                auto r = link_to(target->second).execute(asking);
                if (!r) return r.error();
                reply = (*r)[1];
            }
        }
        return reply;
    }

    cluster_options m_options;
    std::vector<std::optional<node_address>> m_slots;
    bool m_refresh_needed = false;
    std::map<std::string, link> m_links;
    std::map<std::string, key_info> m_key_info;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::client

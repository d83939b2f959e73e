#pragma once

/// \file
/// A node's view of the cluster as text, in Redis 7.0's format: one line per node as CLUSTER
/// NODES prints it (`<name> <ip>:<port>@<cport>[,<hostname>] <flags> <primary|-> <ping-sent>
/// <pong-received> <config-epoch> <connected|disconnected> <slots...>`, this node's line ending
/// with its `[slot->-name]` migrations and `[slot-<-name]` imports), and the cluster
/// configuration file (`cluster-config-file`, nodes.conf): those lines without the nodes in
/// handshake, then `vars currentEpoch N lastVoteEpoch N`. Read as Redis's clusterLoadConfig reads
/// it, with an error naming the line instead of Redis's exit.

#include <respkit/version.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/cluster/bus_message.hpp"
#include "respkit/cluster/node_table.hpp"
#include "respkit/detail/split_args.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

namespace detail {

struct flag_name {
    std::uint16_t flag;
    std::string_view name;
};

// In the order Redis prints them.
inline constexpr flag_name flag_names[] = {
    {node_flag::myself, "myself"},       {node_flag::primary, "master"}, {node_flag::replica, "slave"},
    {node_flag::pfail, "fail?"},         {node_flag::fail, "fail"},      {node_flag::handshake, "handshake"},
    {node_flag::noaddr, "noaddr"},       {node_flag::nofailover, "nofailover"},
};

inline bool parse_unsigned(std::string_view text, std::uint64_t max, std::uint64_t& out) noexcept {
    if (text.empty() || text.size() > 20) return false;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

inline bool equal_nocase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

} // namespace detail

/// The flags as CLUSTER NODES prints them: "myself,master", or "noflags".
[[nodiscard]] inline std::string node_flags_text(std::uint16_t flags) {
    std::string out;
    for (const detail::flag_name& f : detail::flag_names) {
        if ((flags & f.flag) == 0) continue;
        if (!out.empty()) out += ',';
        out += f.name;
    }
    return out.empty() ? std::string("noflags") : out;
}

/// One node's line as CLUSTER NODES prints it (without the newline). With `use_pport`, a node's
/// plaintext port replaces its port when it has one (CLUSTER NODES from a plaintext client of a
/// TLS cluster).
[[nodiscard]] inline std::string describe_node(const node_table& table, const node_info& node, bool use_pport = false) {
    std::string out = node.name;
    out += ' ';
    out += node.ip;
    out += ':';
    out += std::to_string(use_pport && node.pport != 0 ? node.pport : node.port);
    out += '@';
    out += std::to_string(node.cport);
    if (!node.hostname.empty()) {
        out += ',';
        out += node.hostname;
    }
    out += ' ';
    out += node_flags_text(node.flags);
    out += ' ';
    out += node.primary.empty() ? std::string("-") : node.primary;
    std::uint64_t epoch = node.config_epoch;
    if ((node.flags & node_flag::replica) != 0 && !node.primary.empty())
        if (const node_info* primary = table.find(node.primary)) epoch = primary->config_epoch;
    out += ' ' + std::to_string(node.ping_sent) + ' ' + std::to_string(node.pong_received) + ' ' + std::to_string(epoch);
    const bool myself = (node.flags & node_flag::myself) != 0;
    out += node.link_connected || myself ? " connected" : " disconnected";
    for (unsigned slot = 0; slot < slot_count;) {
        if (!node.slots.test(slot)) {
            ++slot;
            continue;
        }
        unsigned end = slot;
        while (end + 1 < slot_count && node.slots.test(end + 1)) ++end;
        out += ' ' + std::to_string(slot);
        if (end != slot) out += '-' + std::to_string(end);
        slot = end + 1;
    }
    if (myself) {
        // One annotation per slot, migrating before importing for the same slot, as Redis.
        auto migrating = table.migrating().begin();
        auto importing = table.importing().begin();
        while (migrating != table.migrating().end() || importing != table.importing().end()) {
            const bool take_migrating = importing == table.importing().end() ||
                                        (migrating != table.migrating().end() && migrating->first <= importing->first);
            if (take_migrating) {
                out += " [" + std::to_string(migrating->first) + "->-" + migrating->second + ']';
                if (importing != table.importing().end() && importing->first == migrating->first) ++importing;
                ++migrating;
            } else {
                out += " [" + std::to_string(importing->first) + "-<-" + importing->second + ']';
                ++importing;
            }
        }
    }
    return out;
}

/// Every node's line, each ending with a newline, in the table's order: CLUSTER NODES's reply
/// (`include_handshake`), or nodes.conf's node lines (without the nodes in handshake).
[[nodiscard]] inline std::string describe_nodes(const node_table& table, bool include_handshake = true,
                                                bool use_pport = false) {
    std::string out;
    for (const node_info& n : table.nodes()) {
        if (!include_handshake && (n.flags & node_flag::handshake) != 0) continue;
        out += describe_node(table, n, use_pport);
        out += '\n';
    }
    return out;
}

/// The cluster configuration file's content, as Redis's clusterSaveConfig writes it.
[[nodiscard]] inline std::string format_nodes_file(const node_table& table) {
    return describe_nodes(table, false) + "vars currentEpoch " + std::to_string(table.current_epoch) +
           " lastVoteEpoch " + std::to_string(table.last_vote_epoch) + '\n';
}

/// Reads a cluster configuration file into `table` (which should be empty), as Redis's
/// clusterLoadConfig: blank lines skipped, a `vars` line's unknown variables skipped, every other
/// line a node; the ping and pong times and the link state are kept as read (a node starting
/// from the file has no links yet: it should clear them, as Redis starts without). Returns "" on success, else what is
/// wrong and on which line (Redis logs "corrupted cluster config file" and exits, or panics on an
/// unknown flag). A file without a `myself` node is an error; the current epoch is raised to the
/// greatest configuration epoch, as Redis does.
[[nodiscard]] inline std::string parse_nodes_file(std::string_view text, node_table& table) {
    std::size_t line_number = 0;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        ++line_number;
        const std::string where = "line " + std::to_string(line_number) + ": ";
        if (line.empty() || line.front() == '\0') continue;
        const auto split = respkit::detail::split_args(line);
        if (!split) return where + "unbalanced quotes";
        const std::vector<std::string>& argv = *split;
        if (argv.empty()) continue;

        if (detail::equal_nocase(argv[0], "vars")) {
            if (argv.size() % 2 == 0) return where + "vars without a value";
            for (std::size_t j = 1; j < argv.size(); j += 2) {
                std::uint64_t value = 0;
                const bool known = detail::equal_nocase(argv[j], "currentEpoch") || detail::equal_nocase(argv[j], "lastVoteEpoch");
                if (!known) continue;
                if (!detail::parse_unsigned(argv[j + 1], UINT64_MAX, value)) return where + "bad " + argv[j];
                (detail::equal_nocase(argv[j], "currentEpoch") ? table.current_epoch : table.last_vote_epoch) = value;
            }
            continue;
        }

        if (argv.size() < 8) return where + "fewer than 8 fields";
        if (!valid_node_name(argv[0])) return where + "bad node name";
        node_info& node = table.find_or_add(argv[0]);

        std::string_view address = argv[1];
        if (const std::size_t comma = address.find(','); comma != std::string_view::npos) {
            node.hostname = std::string(address.substr(comma + 1));
            address = address.substr(0, comma);
        } else {
            node.hostname.clear();
        }
        const std::size_t colon = address.rfind(':');
        if (colon == std::string_view::npos) return where + "address without a port";
        node.ip = std::string(address.substr(0, colon));
        std::string_view ports = address.substr(colon + 1);
        std::uint64_t port = 0;
        std::uint64_t cport = 0;
        const std::size_t at = ports.find('@');
        if (!detail::parse_unsigned(ports.substr(0, at), 65535, port)) return where + "bad port";
        if (at == std::string_view::npos) {
            cport = port + 10000; // files written before the bus port was saved
            if (cport > 65535) return where + "bad port";
        } else if (!detail::parse_unsigned(ports.substr(at + 1), 65535, cport)) {
            return where + "bad cluster bus port";
        }
        node.port = static_cast<std::uint16_t>(port);
        node.cport = static_cast<std::uint16_t>(cport);

        std::string_view flags = argv[2];
        while (true) {
            const std::size_t comma = flags.find(',');
            const std::string_view flag = flags.substr(0, comma);
            bool known = detail::equal_nocase(flag, "noflags");
            for (const detail::flag_name& f : detail::flag_names) {
                if (!detail::equal_nocase(flag, f.name)) continue;
                if (f.flag == node_flag::myself && table.myself() != nullptr && table.myself() != &node)
                    return where + "a second myself node";
                node.flags = static_cast<std::uint16_t>(node.flags | f.flag);
                known = true;
            }
            if (!known) return where + "unknown flag '" + std::string(flag) + "'";
            if (comma == std::string_view::npos) break;
            flags = flags.substr(comma + 1);
        }
        node.link_connected = argv[7] == "connected" || (node.flags & node_flag::myself) != 0;

        const std::string node_name = node.name; // find_or_add below may move the node
        if (argv[3] != "-") {
            if (!valid_node_name(argv[3])) return where + "bad primary name";
            table.find_or_add(argv[3]);
            table.find(node_name)->primary = argv[3];
        }
        node_info& self = *table.find(node_name);
        std::uint64_t value = 0;
        if (!detail::parse_unsigned(argv[4], UINT64_MAX, value)) return where + "bad ping time";
        self.ping_sent = value;
        if (!detail::parse_unsigned(argv[5], UINT64_MAX, value)) return where + "bad pong time";
        self.pong_received = value;
        if (!detail::parse_unsigned(argv[6], UINT64_MAX, value)) return where + "bad config epoch";
        self.config_epoch = (self.flags & node_flag::replica) != 0 && !self.primary.empty() ? 0 : value;

        for (std::size_t j = 8; j < argv.size(); ++j) {
            const std::string_view field = argv[j];
            if (field.front() == '[') {
                // [slot->-name] or [slot-<-name]
                const std::size_t dash = field.find('-');
                std::uint64_t slot = 0;
                if (dash == std::string_view::npos || dash + 3 > field.size() ||
                    !detail::parse_unsigned(field.substr(1, dash - 1), slot_count - 1, slot))
                    return where + "bad slot migration '" + std::string(field) + "'";
                const char direction = field[dash + 1];
                const std::string_view rest = field.substr(dash + 3);
                const std::size_t close = rest.find(']');
                if ((direction != '>' && direction != '<') || field[dash + 2] != '-' || close == std::string_view::npos ||
                    !valid_node_name(rest.substr(0, close)))
                    return where + "bad slot migration '" + std::string(field) + "'";
                const std::string other(rest.substr(0, close));
                table.find_or_add(other);
                (direction == '>' ? table.migrating() : table.importing())[static_cast<unsigned>(slot)] = other;
                continue;
            }
            std::uint64_t start = 0;
            std::uint64_t stop = 0;
            const std::size_t dash = field.find('-');
            if (!detail::parse_unsigned(field.substr(0, dash), slot_count - 1, start) ||
                (dash != std::string_view::npos && !detail::parse_unsigned(field.substr(dash + 1), slot_count - 1, stop)))
                return where + "bad slot '" + std::string(field) + "'";
            if (dash == std::string_view::npos) stop = start;
            for (std::uint64_t slot = start; slot <= stop; ++slot) table.assign_slot(static_cast<unsigned>(slot), node_name);
        }
    }
    if (table.myself() == nullptr) return "no node is flagged myself";
    if (table.max_config_epoch() > table.current_epoch) table.current_epoch = table.max_config_epoch();
    return {};
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

#pragma once

/// \file
/// The commands as ACL rules see them: Redis 7.0's ACL categories, and a catalog giving every
/// command and subcommand a stable id (the index of its bit in a selector) and its categories.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Redis 7.0's ACL categories, in its order (ACL CAT, COMMAND INFO, ACL rule descriptions).
inline constexpr std::string_view acl_category_names[] = {
    "keyspace", "read",   "write", "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo", "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking", "dangerous", "connection", "transaction", "scripting"};

/// The bit of category `name` (without `@`, any case), or 0 when there is no such category.
[[nodiscard]] inline std::uint32_t acl_category_bit(std::string_view name) noexcept {
    for (std::size_t i = 0; i < std::size(acl_category_names); ++i) {
        if (respkit::detail::ascii_iequals(name, acl_category_names[i])) return std::uint32_t{1} << i;
    }
    return 0;
}

/// The categories of a command: those its spec names ("@read") and those Redis implies from its
/// flags (write: @write; readonly: @read; admin: @admin @dangerous; pubsub: @pubsub; fast:
/// @fast, else @slow; blocking: @blocking).
[[nodiscard]] inline std::uint32_t acl_categories_of(const command_spec& spec) noexcept {
    std::uint32_t bits = 0;
    for (const std::string& c : spec.acl_categories) {
        bits |= acl_category_bit(std::string_view(c).substr(c.starts_with('@') ? 1 : 0));
    }
    const auto bit = [](std::string_view name) { return acl_category_bit(name); };
    if (has(spec.flags, command_flag::write)) bits |= bit("write");
    if (has(spec.flags, command_flag::readonly) && (bits & bit("scripting")) == 0) bits |= bit("read");
    if (has(spec.flags, command_flag::admin)) bits |= bit("admin") | bit("dangerous");
    if (has(spec.flags, command_flag::pubsub)) bits |= bit("pubsub");
    if (has(spec.flags, command_flag::fast)) bits |= bit("fast");
    if (has(spec.flags, command_flag::blocking)) bits |= bit("blocking");
    if ((bits & bit("fast")) == 0) bits |= bit("slow");
    return bits;
}

/// A command or subcommand as the ACL knows it.
struct acl_command {
    static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    std::string full_name;                ///< "get", "config|get" (lower case)
    std::uint32_t categories = 0;         ///< acl_category_bit()s
    command_flag flags = command_flag::none; ///< the command's flags (no_auth commands pass every rule)
    std::size_t parent = none;            ///< the container's id, for a subcommand
    std::vector<std::size_t> subcommands{}; ///< the subcommands' ids, for a container
    bool present = false;                 ///< false once removed from the dispatcher
};

/// Every command the dispatcher has or had, by id: the dispatcher registers them as they are
/// added (ids are kept when a command is removed and added again, as Redis keeps them).
class acl_catalog {
public:
    /// Registers (or updates) the command `spec` describes, a subcommand of `parent` when that
    /// is not empty; returns its id.
    std::size_t add(const command_spec& spec, std::string_view parent = {}) {
        std::size_t parent_id = acl_command::none;
        std::string full = lower(spec.name);
        if (!parent.empty()) {
            parent_id = id_of(parent);
            if (parent_id == acl_command::none) parent_id = add({.name = std::string(parent), .arity = -2});
            full = m_commands[parent_id].full_name + "|" + full;
        }
        std::size_t id = id_of(full);
        if (id == acl_command::none) {
            id = m_commands.size();
            m_commands.push_back({.full_name = full});
            m_ids.emplace(full, id);
            if (parent_id != acl_command::none) m_commands[parent_id].subcommands.push_back(id);
        }
        acl_command& c = m_commands[id];
        c.categories = acl_categories_of(spec);
        c.flags = spec.flags;
        c.parent = parent_id;
        c.present = true;
        return id;
    }
    /// Marks the command `name` and its subcommands as removed.
    void remove(std::string_view name) {
        const std::size_t id = id_of(name);
        if (id == acl_command::none) return;
        m_commands[id].present = false;
        for (const std::size_t sub : m_commands[id].subcommands) m_commands[sub].present = false;
    }
    /// The id of the present command `full_name` ("get", "config|get", any case), or none.
    [[nodiscard]] std::size_t find(std::string_view full_name) const {
        const std::size_t id = id_of(full_name);
        return id != acl_command::none && m_commands[id].present ? id : acl_command::none;
    }
    /// Every command ever registered, by id.
    [[nodiscard]] const std::vector<acl_command>& commands() const noexcept { return m_commands; }
    /// The command with id `id`.
    [[nodiscard]] const acl_command& operator[](std::size_t id) const noexcept { return m_commands[id]; }
    /// Number of ids given.
    [[nodiscard]] std::size_t size() const noexcept { return m_commands.size(); }

private:
    [[nodiscard]] static std::string lower(std::string_view s) {
        std::string out(s);
        for (char& c : out) c = respkit::detail::ascii_lower(c);
        return out;
    }
    [[nodiscard]] std::size_t id_of(std::string_view name) const {
        const auto it = m_ids.find(lower(name));
        return it == m_ids.end() ? acl_command::none : it->second;
    }

    std::vector<acl_command> m_commands;
    std::unordered_map<std::string, std::size_t> m_ids;
};

} // namespace respkit::server

#pragma once

/// \file
/// The order INFO commandstats, latencystats and LATENCY HISTOGRAM list commands in.

#include <algorithm>
#include <vector>

#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail {

/// Every command with its subcommands after it, in the order INFO commandstats lists them
/// (by name: Redis's order is its hash table's).
inline void commands_in_order(const server::dispatcher& commands, std::vector<const server::command_entry*>& out) {
    std::vector<const server::command_entry*> top;
    for (const auto& [name, entry] : commands.commands()) top.push_back(entry.get());
    std::sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->full_name < b->full_name; });
    for (const server::command_entry* e : top) {
        out.push_back(e);
        std::vector<const server::command_entry*> subs;
        for (const auto& [name, sub] : e->subcommands) subs.push_back(sub.get());
        std::sort(subs.begin(), subs.end(), [](auto* a, auto* b) { return a->full_name < b->full_name; });
        out.insert(out.end(), subs.begin(), subs.end());
    }
}

} // namespace respkit::commands::detail

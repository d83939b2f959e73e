#pragma once

/// \file
/// A registered command (its spec, handler, statistics and subcommands) and the
/// case-insensitive name lookup of the dispatcher's table.

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "respkit/detail/ascii.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/command_stats.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

namespace detail {

using respkit::detail::ascii_lower;

/// Case-insensitive hash and equality for command names (ASCII), usable with string_view
/// lookups without building a lower-case copy.
struct name_hash {
    using is_transparent = void;
    [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
        std::size_t h = 1469598103934665603ULL;
        for (const char c : s) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ULL;
        return h;
    }
};
struct name_equal {
    using is_transparent = void;
    [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const noexcept {
        return respkit::detail::ascii_iequals(a, b);
    }
};

/// Redis prints names with %s: a NUL byte ends them.
[[nodiscard]] inline std::string_view c_string(std::string_view s) noexcept {
    const void* nul = std::memchr(s.data(), '\0', s.size());
    return nul == nullptr ? s : s.substr(0, static_cast<std::size_t>(static_cast<const char*>(nul) - s.data()));
}

} // namespace detail

/// A registered command: its spec, handler and subcommands.
struct command_entry {
    command_spec spec;                ///< name, arity, flags, keys, docs
    command_handler handler;          ///< what runs it (empty for pure containers)
    std::string full_name;            ///< "get", or "config|get" for a subcommand
    mutable command_stats stats;      ///< INFO commandstats and latencystats (the server updates them)
    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal>
        subcommands;                  ///< CONFIG GET, CLIENT ID, ...
};

} // namespace respkit::server

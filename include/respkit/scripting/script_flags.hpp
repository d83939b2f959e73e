#pragma once

/// \file
/// A script's shebang line (`#!lua flags=no-writes,allow-oom`), read as Redis 7.0's
/// evalExtractShebangFlags does. Standard library only.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/split_args.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

/// The flags a script declares in its shebang.
struct script_flags {
    bool compat = true; ///< no shebang: EVAL's compatibility mode (the command's own flags apply)
    bool no_writes = false;        ///< `no-writes`: the script may not call write commands
    bool allow_oom = false;        ///< `allow-oom`: runs over maxmemory
    bool allow_stale = false;      ///< `allow-stale`: runs on a stale replica
    bool no_cluster = false;       ///< `no-cluster`: refused in cluster mode
    bool allow_cross_slot = false; ///< `allow-cross-slot-keys`
};

/// Sets the flag named `name` (as Redis spells it, case-sensitive) in `flags`; false when no
/// flag has that name.
[[nodiscard]] inline bool set_script_flag(script_flags& flags, std::string_view name) {
    if (name == "no-writes")
        flags.no_writes = true;
    else if (name == "allow-oom")
        flags.allow_oom = true;
    else if (name == "allow-stale")
        flags.allow_stale = true;
    else if (name == "no-cluster")
        flags.no_cluster = true;
    else if (name == "allow-cross-slot-keys")
        flags.allow_cross_slot = true;
    else
        return false;
    return true;
}

/// Reads the shebang of `body` into `flags` and `shebang_length` (the bytes before its line
/// feed, which the script keeps so that line numbers stay); returns "" or Redis's error text
/// (without "ERR ").
[[nodiscard]] inline std::string read_shebang(std::string_view body, script_flags& flags,
                                              std::size_t& shebang_length) {
    flags = {};
    shebang_length = 0;
    if (body.substr(0, 2) != "#!") return {};
    const std::size_t end = body.find('\n');
    if (end == std::string_view::npos) return "Invalid script shebang";
    shebang_length = end;
    const std::optional<std::vector<std::string>> split =
        respkit::detail::split_args(body.substr(0, end));
    if (!split || split->empty()) return "Invalid engine in script shebang";
    const std::vector<std::string>& parts = *split;
    if (parts[0] != "#!lua") return "Unexpected engine in script shebang: " + parts[0];
    flags.compat = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (part.substr(0, 6) != "flags=") return "Unknown lua shebang option: " + parts[i];
        std::string_view list = part.substr(6);
        // As sdssplitlen: an empty list has no flag; otherwise every piece, empty ones included.
        if (list.empty()) continue;
        while (true) {
            const std::size_t comma = list.find(',');
            const std::string_view flag = list.substr(0, comma);
            if (!set_script_flag(flags, flag))
                return "Unexpected flag in script shebang: " + std::string(flag);
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return {};
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

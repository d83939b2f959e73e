#pragma once

/// \file
/// What a command is: its name, arity, flags, key positions and handler.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace respkit::server {

class command_call;

/// Command flags, as Redis names them (COMMAND INFO prints them).
enum class command_flag : std::uint32_t {
    none = 0,
    write = 1u << 0,      ///< may modify the keyspace (logged to the append-only file)
    readonly = 1u << 1,   ///< reads keys only
    denyoom = 1u << 2,    ///< may grow memory
    admin = 1u << 3,      ///< administrative
    pubsub = 1u << 4,     ///< pub/sub related
    noscript = 1u << 5,   ///< not allowed in scripts
    blocking = 1u << 6,   ///< may block the client
    loading = 1u << 7,    ///< allowed while loading
    stale = 1u << 8,      ///< allowed on a stale replica
    skip_monitor = 1u << 9,
    skip_slowlog = 1u << 10,
    fast = 1u << 11,      ///< O(1) or O(log N)
    no_auth = 1u << 12,   ///< allowed before authentication
    may_replicate = 1u << 13,
    sentinel = 1u << 14,
    only_sentinel = 1u << 15,
    no_mandatory_keys = 1u << 16,
    no_async_loading = 1u << 17,
    no_multi = 1u << 18,  ///< not allowed inside MULTI
    movablekeys = 1u << 19,
    allow_busy = 1u << 20,
};

/// Combines flags.
[[nodiscard]] constexpr command_flag operator|(command_flag a, command_flag b) noexcept {
    return static_cast<command_flag>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
/// True when `set` contains every flag of `f`.
[[nodiscard]] constexpr bool has(command_flag set, command_flag f) noexcept {
    return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(f)) == static_cast<std::uint32_t>(f) &&
           f != command_flag::none;
}

/// Flag names in COMMAND INFO's order and spelling.
inline constexpr std::pair<command_flag, std::string_view> command_flag_names[] = {
    {command_flag::write, "write"},           {command_flag::readonly, "readonly"},
    {command_flag::denyoom, "denyoom"},       {command_flag::admin, "admin"},
    {command_flag::pubsub, "pubsub"},         {command_flag::noscript, "noscript"},
    {command_flag::blocking, "blocking"},     {command_flag::loading, "loading"},
    {command_flag::stale, "stale"},           {command_flag::skip_monitor, "skip_monitor"},
    {command_flag::skip_slowlog, "skip_slowlog"}, {command_flag::fast, "fast"},
    {command_flag::no_auth, "no_auth"},       {command_flag::may_replicate, "may_replicate"},
    {command_flag::sentinel, "sentinel"},     {command_flag::only_sentinel, "only_sentinel"},
    {command_flag::no_mandatory_keys, "no_mandatory_keys"},
    {command_flag::no_async_loading, "no_async_loading"}, {command_flag::no_multi, "no_multi"},
    {command_flag::movablekeys, "movablekeys"}, {command_flag::allow_busy, "allow_busy"},
};

/// Which arguments are keys, in Redis's legacy (first, last, step) form: first is the index of
/// the first key (0: no keys), last the index of the last (-1: the last argument, -2: the one
/// before it), step the distance between keys. Cluster hash slots are computed from these.
struct key_positions {
    int first = 0; ///< index of the first key argument, 0 when the command takes no keys
    int last = 0;  ///< index of the last key argument; negative counts from the end
    int step = 0;  ///< distance between key arguments

    /// Calls `f(index)` for each key argument of a command with `argc` arguments.
    template <class F>
    void for_each(std::size_t argc, F&& f) const {
        if (first <= 0 || step <= 0) return;
        const long long n = static_cast<long long>(argc);
        long long end = last >= 0 ? last : n + last;
        if (end >= n) end = n - 1;
        for (long long i = first; i <= end; i += step) f(static_cast<std::size_t>(i));
    }
};

/// The function that runs a command: reads call.args, writes the reply with call.reply().
using command_handler = std::function<void(command_call&)>;

/// Everything the dispatcher knows about a command.
struct command_spec {
    std::string name;             ///< lower case, e.g. "get"; subcommands: "get" under "config"
    int arity = 0;                ///< Redis's convention: N exact, -N at least N (name included)
    command_flag flags = command_flag::none; ///< Redis's flags
    key_positions keys{};         ///< which arguments are keys
    std::string group = "generic"; ///< COMMAND DOCS group ("string", "generic", "server", ...)
    std::string summary{};        ///< one line, for COMMAND DOCS
    std::string since = "1.0.0";  ///< Redis version that introduced it, for COMMAND DOCS
    std::string complexity{};     ///< for COMMAND DOCS
    std::vector<std::string> acl_categories{}; ///< e.g. "@string", "@fast" (COMMAND INFO)
    std::vector<std::string> tips{};           ///< e.g. "nondeterministic_output" (COMMAND INFO)
};

} // namespace respkit::server

#pragma once

/// \file
/// What a command is: its name, arity, flags, key positions and handler.

#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/function.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

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
    asking = 1u << 21,    ///< runs as after ASKING in cluster mode (RESTORE-ASKING)
    // respkit's own flags (not shown by COMMAND INFO):
    transaction_control = 1u << 28, ///< runs at once inside MULTI (EXEC DISCARD MULTI WATCH QUIT RESET)
    subscribed_context = 1u << 29,  ///< allowed in RESP2 subscribed mode ((P)(UN)SUBSCRIBE PING QUIT RESET)
};

/// Combines flags.
[[nodiscard]] constexpr command_flag operator|(command_flag a, command_flag b) noexcept {
    return static_cast<command_flag>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
/// The flags not in `f`.
[[nodiscard]] constexpr command_flag operator~(command_flag f) noexcept {
    return static_cast<command_flag>(~static_cast<std::uint32_t>(f));
}
/// True when `set` contains every flag of `f`.
[[nodiscard]] constexpr bool has(command_flag set, command_flag f) noexcept {
    return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(f)) == static_cast<std::uint32_t>(f) &&
           f != command_flag::none;
}

/// Flag names in COMMAND INFO's order and spelling.
inline constexpr std::pair<command_flag, std::string_view> command_flag_names[] = {
    {command_flag::write, "write"},
    {command_flag::readonly, "readonly"},
    {command_flag::denyoom, "denyoom"},
    {command_flag::admin, "admin"},
    {command_flag::pubsub, "pubsub"},
    {command_flag::noscript, "noscript"},
    {command_flag::blocking, "blocking"},
    {command_flag::loading, "loading"},
    {command_flag::stale, "stale"},
    {command_flag::skip_monitor, "skip_monitor"},
    {command_flag::skip_slowlog, "skip_slowlog"},
    {command_flag::asking, "asking"},
    {command_flag::fast, "fast"},
    {command_flag::no_auth, "no_auth"},
    // may_replicate: hidden on purpose, as Redis's addReplyCommandFlags hides it.
    {command_flag::sentinel, "sentinel"},
    {command_flag::only_sentinel, "only_sentinel"},
    {command_flag::no_mandatory_keys, "no_mandatory_keys"},
    {command_flag::no_async_loading, "no_async_loading"},
    {command_flag::no_multi, "no_multi"},
    {command_flag::movablekeys, "movablekeys"},
    {command_flag::allow_busy, "allow_busy"},
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
        for (long long i = first; i <= end; i += step)
            f(static_cast<std::size_t>(i));
    }
};

/// What a command does with the keys of a key spec, as COMMAND INFO names it (Redis's key-spec
/// flags: one of RO/RW/OW/RM, then what is done to the data).
enum class key_flag : std::uint16_t {
    none = 0,
    ro = 1u << 0,              ///< "RO": reads the key's data
    rw = 1u << 1,              ///< "RW": reads and writes it
    ow = 1u << 2,              ///< "OW": overwrites it without reading
    rm = 1u << 3,              ///< "RM": deletes the key
    access = 1u << 4,          ///< returns, copies or uses the user data
    update = 1u << 5,          ///< updates the data
    insert = 1u << 6,          ///< adds data, never modifies or deletes any
    delete_ = 1u << 7,         ///< "delete": removes data
    not_key = 1u << 8,         ///< not a key name, but to be routed like one
    incomplete = 1u << 9,      ///< may not find every key
    variable_flags = 1u << 10, ///< the flags depend on other arguments
};

/// Combines key-spec flags.
[[nodiscard]] constexpr key_flag operator|(key_flag a, key_flag b) noexcept {
    return static_cast<key_flag>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
/// True when `set` contains `f`.
[[nodiscard]] constexpr bool has(key_flag set, key_flag f) noexcept {
    return (static_cast<std::uint16_t>(set) & static_cast<std::uint16_t>(f)) != 0;
}

/// Key-spec flag names in COMMAND INFO's order and spelling.
inline constexpr std::pair<key_flag, std::string_view> key_flag_names[] = {
    {key_flag::ro, "RO"},
    {key_flag::rw, "RW"},
    {key_flag::ow, "OW"},
    {key_flag::rm, "RM"},
    {key_flag::access, "access"},
    {key_flag::update, "update"},
    {key_flag::insert, "insert"},
    {key_flag::delete_, "delete"},
    {key_flag::not_key, "not_key"},
    {key_flag::incomplete, "incomplete"},
    {key_flag::variable_flags, "variable_flags"},
};

/// Where the search for a key spec's keys begins (COMMAND INFO's begin_search): at argument
/// `index`, or after the argument `keyword` looked for from `startfrom` (negative: backwards
/// from the end); neither: "unknown".
struct begin_search {
    int index = 1;         ///< "index": the first key's argument; 0 for keyword and unknown
    /// "keyword": the keys follow this token (a literal: the view must outlive the spec; a
    /// std::string here made g++ 12 -O3 warn about every key_spec list, a false positive).
    std::string_view keyword{};
    int startfrom = 0;     ///< "keyword": where the search for it starts
};

/// A key argument: its index among the command's arguments and what the command does with it.
struct key_reference {
    std::size_t index; ///< position in the arguments (0 is the command name)
    key_flag flags;    ///< the flags of the key spec that found it
};

/// How the keys are found from where the search began (COMMAND INFO's find_keys).
struct find_keys {
    enum class kind : std::uint8_t { range, keynum, unknown };
    kind type = kind::range;
    int lastkey = 0;   ///< range: the last key relative to the first (-1: the last argument, ...)
    int keystep = 1;   ///< range and keynum: distance between keys
    int limit = 0;     ///< range with lastkey -1: only the first 1/limit of the arguments left
    int keynumidx = 0; ///< keynum: the argument holding the number of keys, relative to the start
    int firstkey = 1;  ///< keynum: the first key, relative to the start
};

/// find_keys of a range: from the first key to `lastkey` (relative; negative counts from the end).
[[nodiscard]] constexpr find_keys key_range(int lastkey, int keystep = 1, int limit = 0) noexcept {
    return {.type = find_keys::kind::range, .lastkey = lastkey, .keystep = keystep, .limit = limit};
}
/// find_keys of keys counted by an argument (LMPOP numkeys key [key ...]).
[[nodiscard]] constexpr find_keys key_count(int keynumidx, int firstkey, int keystep) noexcept {
    return {.type = find_keys::kind::keynum,
            .keystep = keystep,
            .keynumidx = keynumidx,
            .firstkey = firstkey};
}

/// One of a command's key specs (Redis 7's description of which arguments are keys and what
/// the command does with them): COMMAND INFO shows them, COMMAND GETKEYS follows them. The
/// default is one key at argument 1.
struct key_spec {
    key_flag flags = key_flag::none; ///< what is done with the keys
    begin_search begin{};            ///< where the search starts
    find_keys find{};                ///< how the keys are found from there
    std::string notes{};             ///< Redis's remark on the spec, if any
};

/// What kind of value an argument is, as COMMAND DOCS names it.
enum class arg_type : std::uint8_t {
    string,     ///< "string"
    integer,    ///< "integer"
    double_,    ///< "double"
    key,        ///< "key" (with a key_spec_index)
    pattern,    ///< "pattern" (a glob)
    unix_time,  ///< "unix-time"
    pure_token, ///< "pure-token" (the token alone, no value)
    oneof,      ///< "oneof": exactly one of the child arguments
    block,      ///< "block": the child arguments in order
};

/// COMMAND DOCS's name for `type`.
[[nodiscard]] constexpr std::string_view arg_type_name(arg_type type) noexcept {
    switch (type) {
    case arg_type::string: return "string";
    case arg_type::integer: return "integer";
    case arg_type::double_: return "double";
    case arg_type::key: return "key";
    case arg_type::pattern: return "pattern";
    case arg_type::unix_time: return "unix-time";
    case arg_type::pure_token: return "pure-token";
    case arg_type::oneof: return "oneof";
    case arg_type::block: return "block";
    }
    return "string";
}

/// Argument flags, as COMMAND DOCS names them.
enum class arg_flag : std::uint8_t {
    none = 0,
    optional = 1u << 0,       ///< may be left out
    multiple = 1u << 1,       ///< may repeat
    multiple_token = 1u << 2, ///< the token repeats with each value
};

/// Combines argument flags.
[[nodiscard]] constexpr arg_flag operator|(arg_flag a, arg_flag b) noexcept {
    return static_cast<arg_flag>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
/// True when `set` contains `f`.
[[nodiscard]] constexpr bool has(arg_flag set, arg_flag f) noexcept {
    return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(f)) != 0;
}

/// Argument flag names in COMMAND DOCS's order and spelling.
inline constexpr std::pair<arg_flag, std::string_view> arg_flag_names[] = {
    {arg_flag::optional, "optional"},
    {arg_flag::multiple, "multiple"},
    {arg_flag::multiple_token, "multiple_token"},
};

/// One argument of a command, for COMMAND DOCS (what redis-cli builds its hints from). oneof
/// and block arguments hold their children; Redis's own docs nest at most three levels.
struct command_arg {
    std::string name;                     ///< e.g. "key", "condition"
    arg_type type = arg_type::string;     ///< what kind of value
    int key_spec_index = -1;              ///< for keys: which key spec describes it; -1 otherwise
    std::string token{};                  ///< the literal that introduces it ("EX"), if any
    bool empty_token = false;             ///< its token is the empty string (MIGRATE's `""`)
    std::string since{};                  ///< the version that added it, if later than the command
    std::string deprecated_since{};       ///< the version that deprecated it, if any
    arg_flag flags = arg_flag::none;      ///< optional / multiple / multiple_token
    std::vector<command_arg> arguments{}; ///< children of a oneof or block
};

/// One entry of a command's COMMAND DOCS history: a version and what changed in it.
struct command_history {
    std::string version; ///< e.g. "6.2.0"
    std::string change;  ///< e.g. "Added the `GET` option."
};

/// The function that runs a command: reads call.args, writes the reply with call.reply().
using command_handler = std::function<void(command_call&)>;

/// Everything the dispatcher knows about a command.
struct command_spec {
    std::string name; ///< lower case, e.g. "get"; subcommands: "get" under "config"
    int arity = 0;    ///< Redis's convention: N exact, -N at least N (name included)
    command_flag flags = command_flag::none; ///< Redis's flags
    key_positions keys{};              ///< which arguments are keys (legacy form, cluster slots)
    std::vector<key_spec> key_specs{}; ///< Redis's key specs; none: derived from `keys`
    /// For a key spec with `variable_flags`: the flags its keys have in a call with these
    /// arguments (COMMAND GETKEYSANDFLAGS; SET is `RW access update` with GET, else `OW update`).
    std::function<key_flag(std::span<const std::string_view> args)> key_flags_of{};
    /// For a command whose key specs cannot locate every key (SORT's STORE, anywhere among the
    /// options): its keys in a call with these arguments (Redis's getkeys_proc), used when the
    /// key specs fail.
    std::function<std::vector<key_reference>(std::span<const std::string_view> args)> keys_of_call{};
    /// For a command whose flags depend on the call (EVAL and EVALSHA of a script that declares
    /// its flags, as Redis's getCommandFlags): the flags of a call with these arguments, which
    /// CLIENT PAUSE WRITE and a monitoring client's restriction look at. Empty: `flags`.
    std::function<command_flag(std::span<const std::string_view> args)> flags_of{};
    std::string group = "generic"; ///< COMMAND DOCS group ("string", "generic", "server", ...)
    std::string summary{};         ///< one line, for COMMAND DOCS
    std::string since = "1.0.0";   ///< Redis version that introduced it, for COMMAND DOCS
    std::string complexity{};      ///< for COMMAND DOCS
    std::vector<std::string> acl_categories{}; ///< e.g. "@string", "@fast" (COMMAND INFO)
    std::vector<std::string> tips{};           ///< e.g. "nondeterministic_output" (COMMAND INFO)
    std::vector<std::string> doc_flags{};      ///< COMMAND DOCS's doc_flags: "deprecated", "syscmd"
    std::string deprecated_since{};            ///< for COMMAND DOCS, when deprecated
    std::string replaced_by{};                 ///< for COMMAND DOCS, when deprecated
    std::vector<command_history> history{};    ///< for COMMAND DOCS, oldest first
    std::vector<command_arg> arguments{};      ///< for COMMAND DOCS (and redis-cli's hints)
};

/// `spec` with its COMMAND DOCS arguments and history set (for specs built by a helper).
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] command_spec with_docs(command_spec spec, std::vector<command_arg> arguments,
                                     std::vector<command_history> history = {}) {
    spec.arguments = std::move(arguments);
    spec.history = std::move(history);
    return spec;
}

} // namespace respkit::server

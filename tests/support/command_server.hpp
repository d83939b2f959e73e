// Test support: the shared fixture of the command tests, an in-process server with Redis's
// built-in commands (keyspace, configuration, dispatcher, server context) and its clients.
//
// The commands are compiled once per keyspace type, in command_server_<type>.cpp, for the four
// types below: a test file includes this header, not respkit/commands.hpp, so that no test file
// instantiates the command families again.
#pragma once

#include "respkit/resp/types.hpp"
#include "respkit/server.hpp"
#include "respkit/server/config.hpp"
#include "respkit/store.hpp"
#include "support/diff_harness.hpp"
#include "support/session_client.hpp"

namespace respkit_test {

/// The default keyspace on a manual clock (expiry tests advance time by hand).
using manual_keyspace = respkit::store::keyspace<respkit::store::hash_map, respkit::store::manual_clock>;
/// The std::unordered_map keyspace on a manual clock.
using manual_std_keyspace = respkit::store::std_keyspace<respkit::store::manual_clock>;

/// Built-in command families, to install some only (a test of COMMAND over user commands wants
/// no string commands in its listings).
enum class command_family : unsigned {
    connection = 1u << 0,   ///< PING ECHO HELLO SELECT CLIENT ...
    server = 1u << 1,       ///< DBSIZE FLUSHALL CONFIG TIME SHUTDOWN ..., INFO, COMMAND, SAVE BGSAVE DEBUG MEMORY LOLWUT
    strings = 1u << 2,      ///< GET SET INCR ...
    keys = 1u << 3,         ///< DEL EXISTS SCAN RENAME OBJECT DUMP RESTORE ..., and the expiry commands
    lists = 1u << 4,        ///< LPUSH LRANGE BLPOP ...
    hashes = 1u << 5,       ///< HSET HGET ...
    sets = 1u << 6,         ///< SADD SMEMBERS ...
    zsets = 1u << 7,        ///< ZADD ZRANGE BZPOPMIN ...
    transactions = 1u << 8, ///< MULTI EXEC DISCARD WATCH UNWATCH
    pubsub = 1u << 9,       ///< SUBSCRIBE PUBLISH PUBSUB ...
    sort = 1u << 10,        ///< SORT SORT_RO
    geo = 1u << 11,         ///< GEOADD GEOSEARCH GEORADIUS ...
    bits = 1u << 12,        ///< SETBIT BITCOUNT BITFIELD ..., PFADD PFCOUNT ...
    streams = 1u << 13,     ///< XADD XRANGE XINFO ...
    all = (1u << 14) - 1,   ///< every family: commands::install_builtin_commands
};

constexpr command_family operator|(command_family a, command_family b) noexcept {
    return static_cast<command_family>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(command_family set, command_family f) noexcept {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(f)) != 0;
}

/// The families compiled for a keyspace type: every one for the two keyspaces on the system
/// clock, only those their tests use for the two on a manual clock (expiry, WRONGTYPE, COPY,
/// blocking, metadata). Each family compiled for a type costs seconds of every CI stage (30 s
/// for the sorted sets with clang -O2); a command_server asked for a family not compiled for its
/// type fails its test, naming this list.
template <class Keyspace>
inline constexpr command_family compiled_families = command_family::all;
template <>
inline constexpr command_family compiled_families<manual_keyspace> =
    command_family::connection | command_family::strings | command_family::keys | command_family::lists |
    command_family::hashes | command_family::zsets | command_family::transactions;
template <>
inline constexpr command_family compiled_families<manual_std_keyspace> =
    command_family::strings | command_family::keys | command_family::lists | command_family::hashes;

/// An in-process server with the built-in commands over a Keyspace (one of the four types
/// above or store::keyspace<> / store::std_keyspace<>).
template <class Keyspace = respkit::store::keyspace<>>
struct command_server {
    Keyspace keyspace;
    respkit::server::config_table config;
    respkit::server::dispatcher commands;
    respkit::server::server_context context;

    /// Installs `families` (by default every built-in command compiled for Keyspace) over
    /// keyspace and config.
    explicit command_server(command_family families = compiled_families<Keyspace>);
    command_server(const command_server&) = delete;
    command_server& operator=(const command_server&) = delete;
    ~command_server();

    /// Makes what the commands change propagate to context.propagation()'s sinks from now on
    /// (commands::propagate_changes).
    void propagate_changes();

    /// What a differential script runs against: these commands, emptied by flushing the keyspace.
    diff_target target();
};

extern template struct command_server<respkit::store::keyspace<>>;
extern template struct command_server<respkit::store::std_keyspace<>>;
extern template struct command_server<manual_keyspace>;
extern template struct command_server<manual_std_keyspace>;

/// Puts a list, hash, set and sorted set (keys "list", "hash", "set", "zset") into db 0 directly,
/// without their commands.
template <class Keyspace>
void add_containers(Keyspace& ks) {
    using respkit::store::value;
    using respkit::store::value_kind;
    ks.set(0, "list", value::make(value_kind::list)).list().push_back("x");
    ks.set(0, "hash", value::make(value_kind::hash)).hash().set("f", "v", {});
    ks.set(0, "set", value::make(value_kind::set)).set().insert("m", {});
    ks.set(0, "zset", value::make(value_kind::zset)).zset().insert("m", 1.5);
}

/// A client of a command_server: one session running commands given as argument lists.
struct command_client : session_client {
    template <class Keyspace>
    explicit command_client(command_server<Keyspace>& server,
                            respkit::resp::protocol p = respkit::resp::protocol::resp2)
        : session_client(server.commands, server.context, p) {}
};

} // namespace respkit_test

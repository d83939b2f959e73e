#pragma once

/// \file
/// The persistence commands with Redis 7.0's replies: SAVE, BGSAVE, BGREWRITEAOF and DEBUG
/// (RELOAD, OBJECT, ERROR, LOG, SLEEP, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD,
/// LISTPACK, QUICKLIST, STRINGMATCH-TEST, HELP). They ask the server's persistence hooks (server/persistence.hpp), which the
/// application that owns the files installs; without them each answers that the server has
/// no such persistence.

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <string_view>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/local_peer.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/glob.hpp"
#include "respkit/persist/snapshot.hpp"
#include "respkit/commands/specs/persistence.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/persistence.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

// Answers a persistence request: its error, its status, or +OK.
inline void answer(server::command_call& call, const server::persistence_result& r) {
    if (!r.error.empty()) {
        call.error(r.error);
    } else if (r.status.empty()) {
        call.ok();
    } else {
        call.reply().simple_string(r.status);
    }
}

inline constexpr std::string_view no_persistence = "ERR this server has no persistence configured";

/// DEBUG OBJECT's line for `e`, stored under `key` (Redis's format, respkit's values): the
/// value's address, its refcount as OBJECT REFCOUNT says, its encoding, the bytes of its RDB
/// serialization, its LRU clock and idle seconds; a list's quicklist figures.
template <class Keyspace>
[[nodiscard]] std::string debug_object_line(const Keyspace& keyspace, const store::entry& e) {
    const store::value& v = e.data;
    std::int64_t n = -1;
    const bool shared = v.is_int_encoded() && !v.to_int64(n) && n >= 0 && n < shared_integers;
    // DUMP's payload is the type byte, the RDB value, a 2-byte version and an 8-byte CRC.
    const std::size_t serialized = persist::dump_value(v).size() - 11;
    char line[256];
    std::snprintf(line, sizeof line, "Value at:%p refcount:%d encoding:%.*s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
                  static_cast<const void*>(&v), shared ? std::numeric_limits<std::int32_t>::max() : 1,
                  static_cast<int>(encoding_name(v).size()), encoding_name(v).data(), serialized,
                  static_cast<unsigned>(e.access), static_cast<unsigned long long>(keyspace.idle_ms(e) / 1000));
    std::string out = line;
    if (v.kind() == store::value_kind::list) {
        const store::list_value& l = v.list();
        const std::size_t nodes = l.node_count();
        std::size_t bytes = 0;
        // A listpack's size as Redis counts a node's: its 6-byte header, the entries, the end byte.
        l.for_each_node([&bytes](std::size_t, std::size_t b) { bytes += b + 7; });
        std::snprintf(line, sizeof line,
                      " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:0 ql_uncompressed_size:%zu", nodes,
                      static_cast<double>(l.size()) / static_cast<double>(nodes), static_cast<int>(l.fill()), bytes);
        out += line;
    }
    return out;
}

/// The line DEBUG LISTPACK / QUICKLIST logs for `key`: its type and encoding and, for a list,
/// its nodes (respkit's packed nodes, not Redis's listpack bytes, which it has not).
template <class Keyspace>
[[nodiscard]] std::string debug_structure_line(const Keyspace& keyspace, std::string_view key, const store::entry& e,
                                               std::string_view subcommand) {
    (void)keyspace;
    const store::value& v = e.data;
    std::string line = "DEBUG " + std::string(subcommand) + " '" + std::string(key) + "': a " +
                       std::string(v.type_name()) + " in " + std::string(encoding_name(v)) + " encoding";
    if (v.kind() == store::value_kind::list) {
        const store::list_value& l = v.list();
        line += ", " + std::to_string(l.size()) + " elements in " + std::to_string(l.node_count()) + " nodes (";
        l.for_each_node([&line](std::size_t count, std::size_t bytes) {
            line += std::to_string(count) + " elements / " + std::to_string(bytes) + " bytes, ";
        });
        line.resize(line.size() - 2);
        line += ')';
    }
    return line;
}

/// DEBUG STRINGMATCH-TEST: matches random patterns against random texts of up to 31 bytes below
/// 128, as Redis's stringmatchlen_fuzz_test (a million times, where Redis does ten million); it
/// passes when nothing crashes. Returns the number of matches.
inline std::size_t glob_fuzz_test() {
    std::uint64_t state = 0x9e3779b97f4a7c15ULL ^ static_cast<std::uint64_t>(
                                                      std::chrono::steady_clock::now().time_since_epoch().count());
    const auto next = [&state] {
        state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = (state ^ (state >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    char text[32];
    char pattern[32];
    std::size_t matches = 0;
    for (int cycle = 0; cycle < 1000000; ++cycle) {
        const std::size_t text_length = next() % sizeof text;
        const std::size_t pattern_length = next() % sizeof pattern;
        for (std::size_t j = 0; j < text_length; ++j) text[j] = static_cast<char>(next() % 128);
        for (std::size_t j = 0; j < pattern_length; ++j) pattern[j] = static_cast<char>(next() % 128);
        matches += glob_match(std::string_view(pattern, pattern_length), std::string_view(text, text_length)) ? 1 : 0;
    }
    return matches;
}

} // namespace detail

/// Installs SAVE, BGSAVE, BGREWRITEAOF and DEBUG (RELOAD, OBJECT, LISTPACK and QUICKLIST over
/// `keyspace`, ERROR, LOG, SLEEP, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD,
/// STRINGMATCH-TEST, HELP). DEBUG follows enable-debug-command (no, yes, local) as Redis.
template <class Keyspace>
void install_persistence_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    persistence_specs specs = persistence_command_specs();
    commands.add(std::move(specs.save), [](server::command_call& call) {
        const auto& hooks = call.server().persistence();
        if (!hooks.save) return call.error(detail::no_persistence);
        detail::answer(call, hooks.save());
    });
    commands.add(std::move(specs.bgsave), [](server::command_call& call) {
        bool schedule = false;
        if (call.argc() > 1) {
            if (call.argc() != 2 || !iequals(call.arg(1), "schedule")) return call.error(server::errors::syntax);
            schedule = true;
        }
        const auto& hooks = call.server().persistence();
        if (!hooks.background_save) return call.error(detail::no_persistence);
        detail::answer(call, hooks.background_save(schedule));
    });
    commands.add(std::move(specs.bgrewriteaof), [](server::command_call& call) {
        const auto& hooks = call.server().persistence();
        if (!hooks.rewrite_append_only) return call.error(detail::no_persistence);
        detail::answer(call, hooks.rewrite_append_only());
    });
    commands.add(std::move(specs.debug), [&keyspace, &config](server::command_call& call) {
        const std::string_view allowed = config.get("enable-debug-command");
        if (allowed != "yes" && !(allowed == "local" && detail::is_local_peer(call.client().peer_address))) {
            return call.error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                              "you can run it from a local connection, otherwise you need to set this option in the "
                              "configuration file, and then restart the server.");
        }
        const std::string_view sub = call.arg(1);
        if (iequals(sub, "help") && call.argc() == 2) {
            // The subcommands respkit has, in Redis's order and words.
            return detail::help_reply(
                call, "debug",
                {"CHANGE-REPL-ID",
                 "    Change the replication IDs of the instance.",
                 "    Dangerous: should be used only for testing the replication subsystem.",
                 "ERROR <string>",
                 "    Return a Redis protocol error with <string> as message. Useful for clients",
                 "    unit tests to simulate Redis errors.",
                 "LOG <message>",
                 "    Write <message> to the server log.",
                 "OBJECT <key>",
                 "    Show low level info about `key` and associated value.",
                 "RELOAD [option ...]",
                 "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
                 "    * MERGE: conflicting keys will be loaded from RDB.",
                 "    * NOFLUSH: the existing database will not be removed before load, but",
                 "      conflicting keys will generate an exception and kill the server.",
                 "    * NOSAVE: the database will be loaded from an existing RDB file.",
                 "    Examples:",
                 "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
                 "      the database.",
                 "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
                 "      existing RDB file.",
                 "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
                 "      file to the database.",
                 "SET-ACTIVE-EXPIRE <0|1>",
                 "    Setting it to 0 disables expiring keys in background when they are not",
                 "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                 "    default.",
                 "QUICKLIST-PACKED-THRESHOLD <size>",
                 "    Sets the threshold for elements to be inserted as plain vs packed nodes",
                 "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
                 "SLEEP <seconds>",
                 "    Stop the server for <seconds>. Decimals allowed.",
                 "STRINGMATCH-TEST",
                 "    Run a fuzz tester against the stringmatchlen() function.",
                 "LISTPACK <key>",
                 "    Show low level info about the listpack encoding of <key>.",
                 "QUICKLIST <key> [<0|1>]",
                 "    Show low level info about the quicklist encoding of <key>.",
                 "    The optional argument (0 by default) sets the level of detail"});
        }
        if (iequals(sub, "object") && call.argc() == 3) {
            // As Redis's dictFind: a key whose TTL passed but still stored is shown, not expired.
            const store::entry* e = keyspace.map(call.client().db()).find(call.arg(2));
            if (e == nullptr) return call.error("ERR no such key");
            return call.reply().simple_string(detail::debug_object_line(keyspace, *e));
        }
        if (iequals(sub, "error") && call.argc() == 3) {
            // The argument as the error's whole text (no ERR prefix; newlines become spaces).
            return call.error(call.arg(2));
        }
        if (iequals(sub, "reload")) {
            bool merge = false, noflush = false, nosave = false;
            for (std::size_t i = 2; i < call.argc(); ++i) {
                const std::string_view o = call.arg(i);
                if (iequals(o, "merge")) {
                    merge = true;
                } else if (iequals(o, "noflush")) {
                    noflush = true;
                } else if (iequals(o, "nosave")) {
                    nosave = true;
                } else {
                    return call.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
                }
            }
            const auto& hooks = call.server().persistence();
            if (!hooks.reload) return call.error(detail::no_persistence);
            const server::persistence_result r = hooks.reload(merge, noflush, nosave);
            if (!r.error.empty()) return call.error(r.error);
            // RELOAD replaced the dataset as loaded from a file: nothing to propagate.
            call.prevent_propagation();
            return call.ok();
        }
        if (iequals(sub, "sleep") && call.argc() == 3) {
            // As Redis: strtod's reading (anything else is 0), the whole server stops meanwhile.
            const double seconds = std::strtod(std::string(call.arg(2)).c_str(), nullptr);
            const auto us = static_cast<long long>(seconds * 1000000);
            if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
            return call.ok();
        }
        if (iequals(sub, "set-active-expire") && call.argc() == 3) {
            // As Redis's atoi: a leading integer, 0 when none.
            call.server().active_expire = std::atoi(std::string(call.arg(2)).c_str()) != 0;
            return call.ok();
        }
        if (iequals(sub, "log") && call.argc() == 3) {
            call.server().log(server::log_level::warning, "DEBUG LOG: " + std::string(call.arg(2)));
            return call.ok();
        }
        if (iequals(sub, "change-repl-id") && call.argc() == 2) {
            call.server().log(server::log_level::warning, "Changing replication IDs after receiving DEBUG change-repl-id");
            call.server().change_replication_id(); // INFO's master_replid; replid2 stays cleared
            return call.ok();
        }
        if (iequals(sub, "quicklist-packed-threshold") && call.argc() == 3) {
            std::uint64_t bytes = 0;
            if (!server::detail::parse_memory(call.arg(2), bytes) || !store::quicklist::set_packed_threshold(bytes))
                return call.error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
            return call.ok();
        }
        const bool listpack = iequals(sub, "listpack") && call.argc() == 3;
        if (listpack || (iequals(sub, "quicklist") && (call.argc() == 3 || call.argc() == 4))) {
            // As Redis's objectCommandLookupOrReply: an expired key is missing, nothing is touched.
            const store::entry* e = keyspace.peek_entry(call.client().db(), call.arg(2));
            if (e == nullptr) return call.error("ERR no such key");
            const std::string_view encoding = encoding_name(e->data);
            if (encoding != (listpack ? "listpack" : "quicklist"))
                return call.error(listpack ? "ERR Not a listpack encoded object." : "ERR Not a quicklist encoded object.");
            // Redis prints the structure on its stdout; respkit logs what its own form holds.
            call.server().log(server::log_level::notice, detail::debug_structure_line(keyspace, call.arg(2), *e, sub));
            return call.reply().simple_string(listpack ? "Listpack structure printed on stdout"
                                                       : "Quicklist structure printed on stdout");
        }
        if (iequals(sub, "stringmatch-test") && call.argc() == 2) {
            detail::glob_fuzz_test();
            return call.reply().simple_string("Apparently Redis did not crash: test passed");
        }
        // The other subcommands are refused as Redis refuses unknown ones.
        call.error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                   "'. Try DEBUG HELP.");
    });
}

} // namespace respkit::commands

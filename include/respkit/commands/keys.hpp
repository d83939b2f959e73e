#pragma once

/// \file
/// The generic key commands (DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN, RENAME, RENAMENX,
/// RANDOMKEY, COPY, MOVE, SWAPDB, OBJECT) over a store::keyspace, with Redis 7.0's replies and errors; the
/// expiry commands are in expire.hpp.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/scan.hpp"
#include "respkit/commands/specs/keys.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace key_detail {

using server::command_call;
using server::command_flag;

/// OBJECT HELP's lines, as Redis 7.0 prints them.
inline constexpr std::string_view object_help[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
template <class Keyspace>
void scan_command(command_call& call, Keyspace& ks) {
    std::uint64_t cursor = 0;
    if (!parse_cursor(call.arg(1), cursor)) {
        call.error("ERR invalid cursor");
        return;
    }
    store::scan_options options;
    bool type_filter = false;
    std::optional<store::value_kind> type;
    for (std::size_t i = 2; i < call.argc(); i += 2) {
        const std::string_view opt = call.arg(i);
        const bool has_value = i + 1 < call.argc();
        if (option_is(opt, "COUNT") && has_value) {
            const auto count = integer_arg(call, i + 1);
            if (!count) return;
            if (*count < 1) {
                call.error(server::errors::syntax);
                return;
            }
            // Bounded so the map's "10 x COUNT buckets" budget cannot overflow.
            options.count = static_cast<std::size_t>(std::min<std::int64_t>(*count, std::int64_t{1} << 40));
        } else if (option_is(opt, "MATCH") && has_value) {
            options.pattern = call.arg(i + 1);
        } else if (option_is(opt, "TYPE") && has_value) {
            type_filter = true;
            type = store::kind_from_name(c_string(call.arg(i + 1)));
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    options.type = type;
    // An unknown TYPE name matches no key, but the scan still advances.
    const bool none = type_filter && !type;
    std::vector<std::string> keys;
    const std::uint64_t next = ks.scan(call.client().db(), cursor, keys, options,
                                       [none](std::string_view, const store::value&) { return !none; });
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, next).ptr;
    auto& r = call.reply();
    r.array(2);
    r.bulk_string(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    r.array(keys.size());
    for (const std::string& key : keys) r.bulk_string(key);
}

/// COPY source destination [DB destination-db] [REPLACE].
template <class Keyspace>
void copy_command(command_call& call, Keyspace& ks) {
    const std::size_t src = call.client().db();
    std::size_t dst = src;
    bool replace = false;
    for (std::size_t j = 3; j < call.argc(); ++j) {
        if (option_is(call.arg(j), "REPLACE")) {
            replace = true;
        } else if (option_is(call.arg(j), "DB") && j + 1 < call.argc()) {
            const auto id = integer_arg(call, ++j);
            if (!id) return;
            if (*id < std::numeric_limits<int>::min() || *id > std::numeric_limits<int>::max()) {
                call.error("ERR value is out of range, value must between -2147483648 and 2147483647");
                return;
            }
            if (*id < 0 || static_cast<std::uint64_t>(*id) >= ks.db_count()) {
                call.error(server::errors::db_index_out_of_range);
                return;
            }
            dst = static_cast<std::size_t>(*id);
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const std::string_view from = call.arg(1), to = call.arg(2);
    if (src == dst && from == to) {
        call.error("ERR source and destination objects are the same");
        return;
    }
    const store::key_expiry expiry = ks.expiry(src, from);
    if (!expiry.exists) {
        call.reply().integer(0);
        return;
    }
    if (!replace && ks.find_for_write(dst, to) != nullptr) {
        call.reply().integer(0);
        return;
    }
    // The source was just found live: refetch it (the target lookup may have expired and
    // removed a key, moving entries) and copy it deeply, whatever its kind.
    store::value copy = ks.find_for_write(src, from)->clone();
    if (replace) ks.erase(dst, to); // as Redis: a replaced key is deleted, then added (a "new" key)
    ks.set(dst, to, std::move(copy));
    if (expiry.at_ms) ks.set_expiry(dst, to, *expiry.at_ms);
    call.notify(server::keyspace_event_class::generic, "copy_to", to, dst);
    call.reply().integer(1);
}

/// RENAME's and RENAMENX's events (none when the key is renamed to itself).
inline void notify_renamed(command_call& call) {
    if (call.arg(1) == call.arg(2)) return;
    call.notify(server::keyspace_event_class::generic, "rename_from", call.arg(1));
    call.notify(server::keyspace_event_class::generic, "rename_to", call.arg(2));
}

/// MOVE key db.
template <class Keyspace>
void move_command(command_call& call, Keyspace& ks) {
    const auto parsed = integer_arg(call, 2);
    if (!parsed) return;
    const std::int64_t id = *parsed;
    if (id < std::numeric_limits<int>::min() || id > std::numeric_limits<int>::max()) {
        call.error("ERR value is out of range, value must between -2147483648 and 2147483647");
        return;
    }
    if (id < 0 || static_cast<std::uint64_t>(id) >= ks.db_count()) {
        call.error(server::errors::db_index_out_of_range);
        return;
    }
    const std::size_t src = call.client().db(), dst = static_cast<std::size_t>(id);
    if (src == dst) {
        call.error("ERR source and destination objects are the same");
        return;
    }
    const bool moved = ks.move(src, dst, call.arg(1));
    if (moved) {
        call.notify(server::keyspace_event_class::generic, "move_from", call.arg(1), src);
        call.notify(server::keyspace_event_class::generic, "move_to", call.arg(1), dst);
    }
    call.reply().integer(moved ? 1 : 0);
}

/// A SWAPDB index: an int, else `error`.
[[nodiscard]] inline std::optional<std::int64_t> db_index_arg(command_call& call, std::size_t i,
                                                             std::string_view error) {
    std::int64_t id = 0;
    if (!respkit::detail::parse_int64(call.arg(i), id) || id < std::numeric_limits<int>::min() ||
        id > std::numeric_limits<int>::max()) {
        call.error(error);
        return std::nullopt;
    }
    return id;
}

/// SWAPDB index1 index2: the watchers of keys in either database see the change as Redis's
/// touchAllWatchedKeysInDb decides, and clients blocked on keys that now exist are served.
template <class Keyspace>
void swapdb_command(command_call& call, Keyspace& ks) {
    const auto a = db_index_arg(call, 1, "ERR invalid first DB index");
    if (!a) return;
    const auto b = db_index_arg(call, 2, "ERR invalid second DB index");
    if (!b) return;
    const auto count = static_cast<std::int64_t>(ks.db_count());
    if (*a < 0 || *a >= count || *b < 0 || *b >= count) {
        call.error(server::errors::db_index_out_of_range);
        return;
    }
    const auto db1 = static_cast<std::size_t>(*a), db2 = static_cast<std::size_t>(*b);
    server::server_context& server = call.server();
    if (db1 != db2) {
        const std::pair<std::size_t, std::size_t> sides[] = {{db1, db2}, {db2, db1}};
        for (const auto& side : sides) {
            const std::size_t db = side.first, other = side.second;
            server.watchers().for_each_in_db(db, [&](std::string_view key, const auto& sessions) {
                const bool before = ks.stored(db, key), after = ks.stored(other, key);
                if (!before && !after) return;
                const bool after_expired = after && ks.stored_expired(other, key);
                for (server::session* s : sessions) s->swap_watched(db, key, before, after, after_expired);
            });
        }
        ks.swap_databases(db1, db2);
        for (const std::size_t db : {db1, db2}) {
            server.blocked_on().for_each_in_db(db, [&](std::string_view key, const auto&) {
                if (ks.stored(db, key)) server.signal_key_ready(db, key);
            });
        }
    }
    call.force_propagation();
    call.ok();
}

} // namespace key_detail

/// Registers the generic key commands on `commands`, running against `keyspace` (which must
/// outlive the dispatcher's use of them): DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN,
/// RENAME, RENAMENX, RANDOMKEY, COPY, OBJECT (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP), with
/// Redis 7.0's arity, flags and key positions. The expiry commands are install_expire_commands'.
template <class Keyspace>
void install_key_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace key_detail;
    Keyspace* ks = &keyspace;
    auto specs = key_command_specs();

    const auto del = [ks](command_call& call) {
        const std::size_t db = call.client().db();
        std::int64_t deleted = 0;
        for (std::size_t i = 1; i < call.argc(); ++i) {
            if (!ks->erase(db, call.arg(i))) continue;
            call.notify(server::keyspace_event_class::generic, "del", call.arg(i));
            ++deleted;
        }
        call.reply().integer(deleted);
    };
    commands.add(
        std::move(specs.del),
        del);
    commands.add(
        std::move(specs.unlink),
        del);

    const auto exists = [ks](command_call& call) {
        const std::size_t db = call.client().db();
        std::int64_t found = 0;
        for (std::size_t i = 1; i < call.argc(); ++i) found += ks->exists(db, call.arg(i)) ? 1 : 0;
        call.reply().integer(found);
    };
    commands.add(std::move(specs.exists),
                 exists);
    // TOUCH looks its keys up as reads do, which stamps their access time (EXISTS does not).
    commands.add(std::move(specs.touch), [ks](command_call& call) {
        const std::size_t db = call.client().db();
        std::int64_t found = 0;
        for (std::size_t i = 1; i < call.argc(); ++i) found += ks->find(db, call.arg(i)) != nullptr ? 1 : 0;
        call.reply().integer(found);
    });

    commands.add(std::move(specs.type),
                 [ks](command_call& call) {
                     call.reply().simple_string(ks->type_name(call.client().db(), call.arg(1)));
                 });

    commands.add(
        std::move(specs.keys),
        [ks](command_call& call) {
            std::vector<std::string> keys;
            ks->keys(call.client().db(), call.arg(1), keys);
            call.reply().array(keys.size());
            for (const std::string& key : keys)
                call.reply().bulk_string(key);
        });

    commands.add(std::move(specs.scan),
                 [ks](command_call& call) { scan_command(call, *ks); });

    commands.add(
        std::move(specs.rename),
        [ks](command_call& call) {
            const auto r = ks->rename(call.client().db(), call.arg(1), call.arg(2));
            if (r.error) {
                call.error(server::errors::no_such_key);
                return;
            }
            notify_renamed(call);
            call.ok();
        });
    commands.add(
        std::move(specs.renamenx),
        [ks](command_call& call) {
            const auto r = ks->rename(call.client().db(), call.arg(1), call.arg(2), true);
            if (r.error) {
                call.error(server::errors::no_such_key);
                return;
            }
            if (r.renamed) notify_renamed(call);
            call.reply().integer(r.renamed ? 1 : 0);
        });

    commands.add(std::move(specs.randomkey),
                 [ks](command_call& call) {
                     const auto key = ks->random_key(call.client().db());
                     if (key)
                         call.reply().bulk_string(*key);
                     else
                         call.reply().null();
                 });

    commands.add(
        std::move(specs.copy),
        [ks](command_call& call) { copy_command(call, *ks); });
    commands.add(std::move(specs.move), [ks](command_call& call) { move_command(call, *ks); });
    commands.add(std::move(specs.swapdb), [ks](command_call& call) { swapdb_command(call, *ks); });

    // OBJECT: a container of subcommands (no handler of its own).
    commands.add(std::move(specs.object),
                 {});
    // Each OBJECT key subcommand looks the key up first, without touching it (as Redis's
    // LOOKUP_NOTOUCH): a missing key is a null reply.
    const auto with_value = [ks](auto&& body) {
        return [ks, body](command_call& call) {
            const store::entry* e = ks->peek_entry(call.client().db(), call.arg(2));
            if (e == nullptr)
                call.reply().null();
            else
                body(call, *e);
        };
    };
    commands.add_subcommand("object", std::move(specs.object_encoding),
               with_value([](command_call& call, const store::entry& e) {
                   call.reply().bulk_string(encoding_name(e.data));
               }));
    commands.add_subcommand("object", std::move(specs.object_refcount),
               with_value([](command_call& call, const store::entry& e) {
                   const store::value& v = e.data;
                   // Redis shares one object for each integer in [0, 10000).
                   std::int64_t n = -1;
                   const bool shared = v.is_int_encoded() && !v.to_int64(n) && n >= 0 && n < shared_integers;
                   call.reply().integer(shared ? std::numeric_limits<std::int32_t>::max() : 1);
               }));
    commands.add_subcommand("object", std::move(specs.object_idletime),
               with_value([ks](command_call& call, const store::entry& e) {
                   if (ks->access_options_used().mode == store::access_mode::lfu) {
                       return call.error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                                         "note that when switching between policies at runtime LRU and LFU data will "
                                         "take some time to adjust.");
                   }
                   call.reply().integer(static_cast<std::int64_t>(ks->idle_ms(e) / 1000));
               }));
    commands.add_subcommand("object", std::move(specs.object_freq),
               with_value([ks](command_call& call, const store::entry& e) {
                   if (ks->access_options_used().mode != store::access_mode::lfu) {
                       return call.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                                         "Please note that when switching between policies at runtime LRU and LFU "
                                         "data will take some time to adjust.");
                   }
                   call.reply().integer(ks->frequency(e));
               }));
    commands.add_subcommand("object", std::move(specs.object_help),
               [](command_call& call) {
                   call.reply().array(std::size(object_help));
                   for (const std::string_view line : object_help)
                       call.reply().simple_string(line);
               });
}

} // namespace respkit::commands

#pragma once

/// \file
/// The generic key commands (DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN, RENAME, RENAMENX,
/// RANDOMKEY, COPY, OBJECT) over a store::keyspace, with Redis 7.0's replies and errors; the
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
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/session.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"

namespace respkit::commands {

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
    ks.set(dst, to, std::move(copy));
    if (expiry.at_ms) ks.set_expiry(dst, to, *expiry.at_ms);
    call.reply().integer(1);
}

} // namespace key_detail

/// Registers the generic key commands on `commands`, running against `keyspace` (which must
/// outlive the dispatcher's use of them): DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN,
/// RENAME, RENAMENX, RANDOMKEY, COPY, OBJECT (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP), with
/// Redis 7.0's arity, flags and key positions. The expiry commands are install_expire_commands'.
template <class Keyspace>
void install_key_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using server::arg_flag;
    using server::arg_type;
    using server::key_flag;
    using namespace key_detail;
    Keyspace* ks = &keyspace;
    const spec_builder spec{"generic"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag fast = command_flag::fast;
    const server::key_positions all_keys{1, -1, 1};
    const server::key_positions one{1, 1, 1};
    // Redis's key specs, where the derived `RW update` / `RO access` are not Redis's.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    const std::vector<std::string> multi_shard_sum{"request_policy:multi_shard", "response_policy:agg_sum"};

    const auto del = [ks](command_call& call) {
        const std::size_t db = call.client().db();
        std::int64_t deleted = 0;
        for (std::size_t i = 1; i < call.argc(); ++i) deleted += ks->erase(db, call.arg(i)) ? 1 : 0;
        call.reply().integer(deleted);
    };
    commands.add(
        server::with_docs(
            spec("del", -2, write, all_keys,
                 {{.flags = key_flag::rm | key_flag::delete_, .find = server::key_range(-1)}},
                 "Delete a key", "1.0.0",
                 "O(N) where N is the number of keys that will be removed. When a key to remove "
                 "holds a value other than a string, the individual complexity for this key is "
                 "O(M) where M is the number of elements in the list, set, sorted set or hash. "
                 "Removing a single key that holds a string value is O(1).",
                 {"@keyspace", "@write", "@slow"}, multi_shard_sum),
            {{.name = "key",
              .type = arg_type::key,
              .key_spec_index = 0,
              .flags = arg_flag::multiple}}),
        del);
    commands.add(
        server::with_docs(
            spec("unlink", -2, write | fast, all_keys,
                 {{.flags = key_flag::rm | key_flag::delete_, .find = server::key_range(-1)}},
                 "Delete a key asynchronously in another thread. Otherwise it is just as "
                 "DEL, but non blocking.",
                 "4.0.0",
                 "O(1) for each key removed regardless of its size. Then the command does "
                 "O(N) work in a different thread in order to reclaim memory, where N is "
                 "the number of allocations the deleted objects where composed of.",
                 {"@keyspace", "@write", "@fast"}, multi_shard_sum),
            {{.name = "key",
              .type = arg_type::key,
              .key_spec_index = 0,
              .flags = arg_flag::multiple}}),
        del);

    const auto exists = [ks](command_call& call) {
        const std::size_t db = call.client().db();
        std::int64_t found = 0;
        for (std::size_t i = 1; i < call.argc(); ++i) found += ks->exists(db, call.arg(i)) ? 1 : 0;
        call.reply().integer(found);
    };
    commands.add(server::with_docs(spec("exists", -2, readonly | fast, all_keys,
                                        {{.flags = key_flag::ro, .find = server::key_range(-1)}},
                                        "Determine if a key exists", "1.0.0",
                                        "O(N) where N is the number of keys to check.",
                                        {"@keyspace", "@read", "@fast"}, multi_shard_sum),
                                   {{.name = "key",
                                     .type = arg_type::key,
                                     .key_spec_index = 0,
                                     .flags = arg_flag::multiple}},
                                   {{"3.0.3", "Accepts multiple `key` arguments."}}),
                 exists);
    commands.add(
        server::with_docs(spec("touch", -2, readonly | fast, all_keys,
                               {{.flags = key_flag::ro, .find = server::key_range(-1)}},
                               "Alters the last access time of a key(s). Returns the number of "
                               "existing keys specified.",
                               "3.2.1", "O(N) where N is the number of keys that will be touched.",
                               {"@keyspace", "@read", "@fast"}, multi_shard_sum),
                          {{.name = "key",
                            .type = arg_type::key,
                            .key_spec_index = 0,
                            .flags = arg_flag::multiple}}),
        exists);

    commands.add(server::with_docs(spec("type", 2, readonly | fast, one, {ro},
                                        "Determine the type stored at key", "1.0.0", "O(1)",
                                        {"@keyspace", "@read", "@fast"}),
                                   {{.name = "key", .type = arg_type::key, .key_spec_index = 0}}),
                 [ks](command_call& call) {
                     call.reply().simple_string(ks->type_name(call.client().db(), call.arg(1)));
                 });

    commands.add(
        server::with_docs(
            spec("keys", 2, readonly, {}, "Find all keys matching the given pattern", "1.0.0",
                 "O(N) with N being the number of keys in the database, under the assumption that "
                 "the key names in the database and the given pattern have limited length.",
                 {"@keyspace", "@read", "@slow", "@dangerous"},
                 {"request_policy:all_shards", "nondeterministic_output_order"}),
            {{.name = "pattern", .type = arg_type::pattern}}),
        [ks](command_call& call) {
            std::vector<std::string> keys;
            ks->keys(call.client().db(), call.arg(1), keys);
            call.reply().array(keys.size());
            for (const std::string& key : keys)
                call.reply().bulk_string(key);
        });

    commands.add(server::with_docs(
                     spec("scan", -2, readonly, {}, "Incrementally iterate the keys space", "2.8.0",
                          "O(1) for every call. O(N) for a complete iteration, including enough "
                          "command calls for the cursor to return back to 0. N is the number of "
                          "elements inside the collection.",
                          {"@keyspace", "@read", "@slow"},
                          {"nondeterministic_output", "request_policy:special"}),
                     {{.name = "cursor", .type = arg_type::integer},
                      {.name = "pattern",
                       .type = arg_type::pattern,
                       .token = "MATCH",
                       .flags = arg_flag::optional},
                      {.name = "count",
                       .type = arg_type::integer,
                       .token = "COUNT",
                       .flags = arg_flag::optional},
                      {.name = "type",
                       .type = arg_type::string,
                       .token = "TYPE",
                       .since = "6.0.0",
                       .flags = arg_flag::optional}},
                     {{"6.0.0", "Added the `TYPE` subcommand."}}),
                 [ks](command_call& call) { scan_command(call, *ks); });

    commands.add(
        server::with_docs(spec("rename", 3, write, {1, 2, 1},
                               {rw_access_delete,
                                {.flags = key_flag::ow | key_flag::update, .begin = {.index = 2}}},
                               "Rename a key", "1.0.0", "O(1)", {"@keyspace", "@write", "@slow"}),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "newkey", .type = arg_type::key, .key_spec_index = 1}}),
        [ks](command_call& call) {
            const auto r = ks->rename(call.client().db(), call.arg(1), call.arg(2));
            if (r.error)
                call.error(server::errors::no_such_key);
            else
                call.ok();
        });
    commands.add(
        server::with_docs(spec("renamenx", 3, write | fast, {1, 2, 1},
                               {rw_access_delete,
                                {.flags = key_flag::ow | key_flag::insert, .begin = {.index = 2}}},
                               "Rename a key, only if the new key does not exist", "1.0.0", "O(1)",
                               {"@keyspace", "@write", "@fast"}),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "newkey", .type = arg_type::key, .key_spec_index = 1}},
                          {{"3.2.0", "The command no longer returns an error when source "
                                     "and destination names are the same."}}),
        [ks](command_call& call) {
            const auto r = ks->rename(call.client().db(), call.arg(1), call.arg(2), true);
            if (r.error)
                call.error(server::errors::no_such_key);
            else
                call.reply().integer(r.renamed ? 1 : 0);
        });

    commands.add(spec("randomkey", 1, readonly, {}, "Return a random key from the keyspace",
                      "1.0.0", "O(1)", {"@keyspace", "@read", "@slow"},
                      {"request_policy:all_shards", "nondeterministic_output"}),
                 [ks](command_call& call) {
                     const auto key = ks->random_key(call.client().db());
                     if (key)
                         call.reply().bulk_string(*key);
                     else
                         call.reply().null();
                 });

    commands.add(
        server::with_docs(
            spec("copy", -3, write | command_flag::denyoom, {1, 2, 1},
                 {ro_access, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 2}}},
                 "Copy a key", "6.2.0",
                 "O(N) worst case for collections, where N is the number of nested "
                 "items. O(1) for string "
                 "values.",
                 {"@keyspace", "@write", "@slow"}),
            {{.name = "source", .type = arg_type::key, .key_spec_index = 0},
             {.name = "destination", .type = arg_type::key, .key_spec_index = 1},
             {.name = "destination-db",
              .type = arg_type::integer,
              .token = "DB",
              .flags = arg_flag::optional},
             {.name = "replace",
              .type = arg_type::pure_token,
              .token = "REPLACE",
              .flags = arg_flag::optional}}),
        [ks](command_call& call) { copy_command(call, *ks); });

    // OBJECT: a container of subcommands (no handler of its own).
    commands.add(spec("object", -2, command_flag::none, {},
                      "A container for object introspection commands", "2.2.3",
                      "Depends on subcommand.", {"@slow"}),
                 {});
    const auto object_sub = [&](std::string name, int arity, command_flag flags, server::key_positions keys,
                                std::string summary, std::string since, std::vector<std::string> tips,
                                server::command_handler handler) {
        std::vector<std::string> acl{"@keyspace", "@read", "@slow"};
        if (name == "help") acl = {"@keyspace", "@slow"};
        std::vector<server::command_arg> args;
        std::vector<server::key_spec> key_specs;
        if (keys.first > 0) {
            args = {{.name = "key", .type = server::arg_type::key, .key_spec_index = 0}};
            key_specs = {{.flags = key_flag::ro, .begin = {.index = keys.first}}};
        }
        commands.add_subcommand(
            "object",
            server::with_docs(spec(std::move(name), arity, flags, keys, std::move(key_specs),
                                   std::move(summary), std::move(since), "O(1)", std::move(acl),
                                   std::move(tips)),
                              std::move(args)),
            std::move(handler));
    };
    // Each OBJECT key subcommand looks the key up first: a missing key is a null reply.
    const auto with_value = [ks](auto&& body) {
        return [ks, body](command_call& call) {
            const store::value* v = ks->find(call.client().db(), call.arg(2));
            if (v == nullptr)
                call.reply().null();
            else
                body(call, *v);
        };
    };
    const std::vector<std::string> nondeterministic{"nondeterministic_output"};
    object_sub("encoding", 3, readonly, {2, 2, 1},
               "Inspect the internal encoding of a Redis object", "2.2.3", nondeterministic,
               with_value([](command_call& call, const store::value& v) {
                   call.reply().bulk_string(encoding_name(v));
               }));
    object_sub("refcount", 3, readonly, {2, 2, 1},
               "Get the number of references to the value of the key", "2.2.3", nondeterministic,
               with_value([](command_call& call, const store::value& v) {
                   // Redis shares one object for each integer in [0, 10000).
                   std::int64_t n = -1;
                   const bool shared = v.is_int_encoded() && !v.to_int64(n) && n >= 0 && n < shared_integers;
                   call.reply().integer(shared ? std::numeric_limits<std::int32_t>::max() : 1);
               }));
    object_sub("idletime", 3, readonly, {2, 2, 1},
               "Get the time since a Redis object was last accessed", "2.2.3", nondeterministic,
               with_value([](command_call& call, const store::value&) {
                   call.reply().integer(0); // access times are not tracked
               }));
    object_sub("freq", 3, readonly, {2, 2, 1},
               "Get the logarithmic access frequency counter of a Redis object", "4.0.0",
               nondeterministic, with_value([](command_call& call, const store::value&) {
                   call.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
                              "note that when switching between policies at runtime LRU and LFU data will take some "
                              "time to adjust.");
               }));
    object_sub("help", 2, command_flag::loading | command_flag::stale, {},
               "Show helpful text about the different subcommands", "6.2.0", {},
               [](command_call& call) {
                   call.reply().array(std::size(object_help));
                   for (const std::string_view line : object_help)
                       call.reply().simple_string(line);
               });
}

} // namespace respkit::commands

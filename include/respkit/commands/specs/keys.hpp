#pragma once

/// \file
/// Redis 7.0's specs of the generic key commands (keys.hpp): name, arity, flags, key positions and
/// key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/scan.hpp"
#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the generic key commands (OBJECT's subcommands as object_<name>), one member per
/// command.
struct key_specs {
    server::command_spec del, unlink, exists, touch, type, keys, scan, rename, renamenx, randomkey,
        copy, move, swapdb, object, object_encoding, object_refcount, object_idletime, object_freq, object_help;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline key_specs key_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    key_specs specs;
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
    const std::vector<std::string> multi_shard_sum{"request_policy:multi_shard",
                                                   "response_policy:agg_sum"};
    specs.del = server::with_docs(
        spec("del", -2, write, all_keys,
             {{.flags = key_flag::rm | key_flag::delete_, .find = server::key_range(-1)}},
             "Delete a key", "1.0.0",
             "O(N) where N is the number of keys that will be removed. When a key to remove "
             "holds a value other than a string, the individual complexity for this key is "
             "O(M) where M is the number of elements in the list, set, sorted set or hash. "
             "Removing a single key that holds a string value is O(1).",
             {"@keyspace", "@write", "@slow"}, multi_shard_sum),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}});
    specs.unlink = server::with_docs(
        spec("unlink", -2, write | fast, all_keys,
             {{.flags = key_flag::rm | key_flag::delete_, .find = server::key_range(-1)}},
             "Delete a key asynchronously in another thread. Otherwise it is just as "
             "DEL, but non blocking.",
             "4.0.0",
             "O(1) for each key removed regardless of its size. Then the command does "
             "O(N) work in a different thread in order to reclaim memory, where N is "
             "the number of allocations the deleted objects where composed of.",
             {"@keyspace", "@write", "@fast"}, multi_shard_sum),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}});
    specs.exists = server::with_docs(
        spec("exists", -2, readonly | fast, all_keys,
             {{.flags = key_flag::ro, .find = server::key_range(-1)}}, "Determine if a key exists",
             "1.0.0", "O(N) where N is the number of keys to check.",
             {"@keyspace", "@read", "@fast"}, multi_shard_sum),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}},
        {{"3.0.3", "Accepts multiple `key` arguments."}});
    specs.touch = server::with_docs(
        spec("touch", -2, readonly | fast, all_keys,
             {{.flags = key_flag::ro, .find = server::key_range(-1)}},
             "Alters the last access time of a key(s). Returns the number of "
             "existing keys specified.",
             "3.2.1", "O(N) where N is the number of keys that will be touched.",
             {"@keyspace", "@read", "@fast"}, multi_shard_sum),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}});

    specs.type = server::with_docs(spec("type", 2, readonly | fast, one, {ro},
                                        "Determine the type stored at key", "1.0.0", "O(1)",
                                        {"@keyspace", "@read", "@fast"}),
                                   {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});

    specs.keys = server::with_docs(
        spec("keys", 2, readonly, {}, "Find all keys matching the given pattern", "1.0.0",
             "O(N) with N being the number of keys in the database, under the assumption that "
             "the key names in the database and the given pattern have limited length.",
             {"@keyspace", "@read", "@slow", "@dangerous"},
             {"request_policy:all_shards", "nondeterministic_output_order"}),
        {{.name = "pattern", .type = arg_type::pattern}});

    std::vector<server::command_arg> scan_args = scan_arguments();
    scan_args.push_back({.name = "type",
                         .type = arg_type::string,
                         .token = "TYPE",
                         .since = "6.0.0",
                         .flags = arg_flag::optional});
    specs.scan = server::with_docs(
        spec("scan", -2, readonly, {}, "Incrementally iterate the keys space", "2.8.0",
             "O(1) for every call. O(N) for a complete iteration, including enough "
             "command calls for the cursor to return back to 0. N is the number of "
             "elements inside the collection.",
             {"@keyspace", "@read", "@slow"},
             {"nondeterministic_output", "request_policy:special"}),
        std::move(scan_args), {{"6.0.0", "Added the `TYPE` subcommand."}});

    specs.rename = server::with_docs(
        spec("rename", 3, write, {1, 2, 1},
             {rw_access_delete, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 2}}},
             "Rename a key", "1.0.0", "O(1)", {"@keyspace", "@write", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "newkey", .type = arg_type::key, .key_spec_index = 1}});
    specs.renamenx = server::with_docs(
        spec("renamenx", 3, write | fast, {1, 2, 1},
             {rw_access_delete, {.flags = key_flag::ow | key_flag::insert, .begin = {.index = 2}}},
             "Rename a key, only if the new key does not exist", "1.0.0", "O(1)",
             {"@keyspace", "@write", "@fast"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "newkey", .type = arg_type::key, .key_spec_index = 1}},
        {{"3.2.0", "The command no longer returns an error when source "
                   "and destination names are the same."}});

    specs.randomkey = spec("randomkey", 1, readonly, {}, "Return a random key from the keyspace",
                           "1.0.0", "O(1)", {"@keyspace", "@read", "@slow"},
                           {"request_policy:all_shards", "nondeterministic_output"});

    specs.copy = server::with_docs(
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
          .flags = arg_flag::optional}});

    // OBJECT: the container, then its subcommands.
    specs.object =
        spec("object", -2, command_flag::none, {}, "A container for object introspection commands",
             "2.2.3", "Depends on subcommand.", {"@slow"});
    // OBJECT's subcommands: O(1), one key (but HELP).
    const auto object_sub = [&](std::string name, int arity, command_flag flags,
                                server::key_positions keys, std::string summary, std::string since,
                                std::vector<std::string> tips) {
        std::vector<std::string> acl{"@keyspace", "@read", "@slow"};
        if (name == "help") acl = {"@keyspace", "@slow"};
        std::vector<server::command_arg> args;
        std::vector<server::key_spec> key_specs;
        if (keys.first > 0) {
            args = {{.name = "key", .type = server::arg_type::key, .key_spec_index = 0}};
            key_specs = {{.flags = key_flag::ro, .begin = {.index = keys.first}}};
        }
        return server::with_docs(spec(std::move(name), arity, flags, keys, std::move(key_specs),
                                      std::move(summary), std::move(since), "O(1)", std::move(acl),
                                      std::move(tips)),
                                 std::move(args));
    };
    const std::vector<std::string> nondeterministic{"nondeterministic_output"};
    specs.object_encoding =
        object_sub("encoding", 3, readonly, {2, 2, 1},
                   "Inspect the internal encoding of a Redis object", "2.2.3", nondeterministic);
    specs.object_refcount = object_sub("refcount", 3, readonly, {2, 2, 1},
                                       "Get the number of references to the value of the key",
                                       "2.2.3", nondeterministic);
    specs.object_idletime = object_sub("idletime", 3, readonly, {2, 2, 1},
                                       "Get the time since a Redis object was last accessed",
                                       "2.2.3", nondeterministic);
    specs.object_freq = object_sub("freq", 3, readonly, {2, 2, 1},
                                   "Get the logarithmic access frequency counter of a Redis object",
                                   "4.0.0", nondeterministic);
    specs.object_help =
        object_sub("help", 2, command_flag::loading | command_flag::stale, {},
                   "Show helpful text about the different subcommands", "6.2.0", {});
    specs.move = server::with_docs(
        spec("move", 3, write | fast, one, {{.flags = key_flag::rw | key_flag::access | key_flag::update}},
             "Move a key to another database", "1.0.0", "O(1)", {"@keyspace", "@write", "@fast"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0}, {.name = "db", .type = arg_type::integer}});
    specs.swapdb = server::with_docs(
        spec_builder{"server"}("swapdb", 3, write | fast, {}, "Swaps two Redis databases", "4.0.0",
                               "O(N) where N is the count of clients watching or blocking on keys from both "
                               "databases.",
                               {"@keyspace", "@write", "@fast", "@dangerous"}),
        {{.name = "index1", .type = arg_type::integer}, {.name = "index2", .type = arg_type::integer}});
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the hash commands (hashes.hpp): name, arity, flags, key positions and key
/// specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/scan.hpp"
#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the hash commands, one member per command.
struct hash_specs {
    server::command_spec hset, hmset, hsetnx, hget, hmget, hdel, hexists, hlen, hstrlen, hgetall,
        hkeys, hvals, hincrby, hincrbyfloat, hscan, hrandfield;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline hash_specs hash_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    hash_specs specs;
    const spec_builder spec{"hash"};
    const server::key_positions one{1, 1, 1};
    // Redis's key specs: what each command does with its keys.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_insert{.flags = key_flag::rw | key_flag::insert};
    const server::key_spec rw_delete{.flags = key_flag::rw | key_flag::delete_};
    const server::key_spec rw_update{.flags = key_flag::rw | key_flag::update};
    const server::key_spec rw_access_update{.flags =
                                                key_flag::rw | key_flag::access | key_flag::update};
    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag denyoom = command_flag::denyoom;
    const command_flag fast = command_flag::fast;
    const std::vector<std::string> read_fast{"@read", "@hash", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@hash", "@slow"};
    const std::vector<std::string> write_fast{"@write", "@hash", "@fast"};

    specs.hset =
        server::with_docs(spec("hset", -4, write | denyoom | fast, one, {rw_update},
                               "Set the string value of a hash field", "2.0.0",
                               "O(1) for each field/value pair added, so O(N) to add N field/value "
                               "pairs when the command is called with multiple field/value pairs.",
                               write_fast),
                          {key_arg,
                           {.name = "field_value",
                            .type = arg_type::block,
                            .flags = arg_flag::multiple,
                            .arguments = {{.name = "field", .type = arg_type::string},
                                          {.name = "value", .type = arg_type::string}}}},
                          {{"4.0.0", "Accepts multiple `field` and `value` arguments."}});
    specs.hmset = deprecated(
        server::with_docs(spec("hmset", -4, write | denyoom | fast, one, {rw_update},
                               "Set multiple hash fields to multiple values", "2.0.0",
                               "O(N) where N is the number of fields being set.", write_fast),
                          {key_arg,
                           {.name = "field_value",
                            .type = arg_type::block,
                            .flags = arg_flag::multiple,
                            .arguments = {{.name = "field", .type = arg_type::string},
                                          {.name = "value", .type = arg_type::string}}}}),
        "4.0.0", "`HSET` with multiple field-value pairs");

    specs.hsetnx =
        server::with_docs(spec("hsetnx", 4, write | denyoom | fast, one, {rw_insert},
                               "Set the value of a hash field, only if the field does not exist",
                               "2.0.0", "O(1)", write_fast),
                          {key_arg,
                           {.name = "field", .type = arg_type::string},
                           {.name = "value", .type = arg_type::string}});

    specs.hget =
        server::with_docs(spec("hget", 3, readonly | fast, one, {ro_access},
                               "Get the value of a hash field", "2.0.0", "O(1)", read_fast),
                          {key_arg, {.name = "field", .type = arg_type::string}});

    specs.hmget = server::with_docs(
        spec("hmget", -3, readonly | fast, one, {ro_access},
             "Get the values of all the given hash fields", "2.0.0",
             "O(N) where N is the number of fields being requested.", read_fast),
        {key_arg, {.name = "field", .type = arg_type::string, .flags = arg_flag::multiple}});

    specs.hdel = server::with_docs(
        spec("hdel", -3, write | fast, one, {rw_delete}, "Delete one or more hash fields", "2.0.0",
             "O(N) where N is the number of fields to be removed.", write_fast),
        {key_arg, {.name = "field", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple `field` arguments."}});

    specs.hexists =
        server::with_docs(spec("hexists", 3, readonly | fast, one, {ro},
                               "Determine if a hash field exists", "2.0.0", "O(1)", read_fast),
                          {key_arg, {.name = "field", .type = arg_type::string}});

    specs.hlen =
        server::with_docs(spec("hlen", 2, readonly | fast, one, {ro},
                               "Get the number of fields in a hash", "2.0.0", "O(1)", read_fast),
                          {key_arg});

    specs.hstrlen = server::with_docs(spec("hstrlen", 3, readonly | fast, one, {ro},
                                           "Get the length of the value of a hash field", "3.2.0",
                                           "O(1)", read_fast),
                                      {key_arg, {.name = "field", .type = arg_type::string}});
    specs.hgetall = server::with_docs(spec("hgetall", 2, readonly, one, {ro_access},
                                           "Get all the fields and values in a hash", "2.0.0",
                                           "O(N) where N is the size of the hash.", read_slow,
                                           {"nondeterministic_output_order"}),
                                      {key_arg});
    specs.hkeys = server::with_docs(
        spec("hkeys", 2, readonly, one, {ro_access}, "Get all the fields in a hash", "2.0.0",
             "O(N) where N is the size of the hash.", read_slow, {"nondeterministic_output_order"}),
        {key_arg});
    specs.hvals = server::with_docs(
        spec("hvals", 2, readonly, one, {ro_access}, "Get all the values in a hash", "2.0.0",
             "O(N) where N is the size of the hash.", read_slow, {"nondeterministic_output_order"}),
        {key_arg});

    specs.hincrby =
        server::with_docs(spec("hincrby", 4, write | denyoom | fast, one, {rw_access_update},
                               "Increment the integer value of a hash field by the given number",
                               "2.0.0", "O(1)", write_fast),
                          {key_arg,
                           {.name = "field", .type = arg_type::string},
                           {.name = "increment", .type = arg_type::integer}});

    specs.hincrbyfloat =
        server::with_docs(spec("hincrbyfloat", 4, write | denyoom | fast, one, {rw_access_update},
                               "Increment the float value of a hash field by the given amount",
                               "2.6.0", "O(1)", write_fast),
                          {key_arg,
                           {.name = "field", .type = arg_type::string},
                           {.name = "increment", .type = arg_type::double_}});

    specs.hscan = element_scan_spec(
        spec, "hscan", "Incrementally iterate hash fields and associated values", read_slow);

    specs.hrandfield =
        server::with_docs(spec("hrandfield", -2, readonly, one, {ro_access},
                               "Get one or multiple random fields from a hash", "6.2.0",
                               "O(N) where N is the number of fields returned", read_slow,
                               {"nondeterministic_output"}),
                          {key_arg,
                           {.name = "options",
                            .type = arg_type::block,
                            .flags = arg_flag::optional,
                            .arguments = {{.name = "count", .type = arg_type::integer},
                                          {.name = "withvalues",
                                           .type = arg_type::pure_token,
                                           .token = "WITHVALUES",
                                           .flags = arg_flag::optional}}}});
    return specs;
}

} // namespace respkit::commands

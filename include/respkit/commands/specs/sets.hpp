#pragma once

/// \file
/// Redis 7.0's specs of the set commands (sets.hpp): name, arity, flags, key positions and key
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

/// The specs of the set commands, one member per command.
struct set_specs {
    server::command_spec sadd, srem, smembers, sismember, smismember, scard, spop, srandmember,
        smove, sinter, sintercard, sunion, sdiff, sinterstore, sunionstore, sdiffstore, sscan;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline set_specs set_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    set_specs specs;
    const spec_builder spec{"set"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag fast = command_flag::fast;
    const command_flag denyoom = command_flag::denyoom;
    const server::key_positions one{1, 1, 1};
    const server::key_positions all{1, -1, 1};
    const server::key_positions store_all{1, -1, 1};
    // Redis's key specs: what each command does with its keys.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_insert{.flags = key_flag::rw | key_flag::insert};
    const server::key_spec rw_delete{.flags = key_flag::rw | key_flag::delete_};
    const server::key_spec rw_update{.flags = key_flag::rw | key_flag::update};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    const server::key_spec ow_update{.flags = key_flag::ow | key_flag::update};
    // COMMAND DOCS's arguments that several commands share.
    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const server::command_arg keys_arg{
        .name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple};
    const std::vector<std::string> write_fast{"@write", "@set", "@fast"};
    const std::vector<std::string> read_fast{"@read", "@set", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@set", "@slow"};
    const std::vector<std::string> write_slow{"@write", "@set", "@slow"};

    specs.sadd = server::with_docs(
        spec("sadd", -3, write | denyoom | fast, one, {rw_insert},
             "Add one or more members to a set", "1.0.0",
             "O(1) for each element added, so O(N) to add N elements when the command is "
             "called with multiple arguments.",
             write_fast),
        {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple `member` arguments."}});
    specs.srem = server::with_docs(
        spec("srem", -3, write | fast, one, {rw_delete}, "Remove one or more members from a set",
             "1.0.0", "O(N) where N is the number of members to be removed.", write_fast),
        {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple `member` arguments."}});
    specs.smembers = server::with_docs(
        spec("smembers", 2, readonly, one, {ro_access}, "Get all the members in a set", "1.0.0",
             "O(N) where N is the set cardinality.", read_slow, {"nondeterministic_output_order"}),
        {key_arg});
    specs.sismember = server::with_docs(spec("sismember", 3, readonly | fast, one, {ro},
                                             "Determine if a given value is a member of a set",
                                             "1.0.0", "O(1)", read_fast),
                                        {key_arg, {.name = "member", .type = arg_type::string}});
    specs.smismember = server::with_docs(
        spec("smismember", -3, readonly | fast, one, {ro_access},
             "Returns the membership associated with the given elements for a set", "6.2.0",
             "O(N) where N is the number of elements being checked for membership", read_fast),
        {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}});
    specs.scard =
        server::with_docs(spec("scard", 2, readonly | fast, one, {ro},
                               "Get the number of members in a set", "1.0.0", "O(1)", read_fast),
                          {key_arg});
    specs.spop = server::with_docs(
        spec("spop", -2, write | fast, one, {rw_access_delete},
             "Remove and return one or multiple random members from a set", "1.0.0",
             "Without the count argument O(1), otherwise O(N) where N is the value of "
             "the passed count.",
             write_fast, {"nondeterministic_output"}),
        {key_arg,
         {.name = "count",
          .type = arg_type::integer,
          .since = "3.2.0",
          .flags = arg_flag::optional}},
        {{"3.2.0", "Added the `count` argument."}});
    specs.srandmember =
        server::with_docs(spec("srandmember", -2, readonly, one, {ro_access},
                               "Get one or multiple random members from a set", "1.0.0",
                               "Without the count argument O(1), otherwise O(N) where N "
                               "is the absolute value of the passed count.",
                               read_slow, {"nondeterministic_output"}),
                          {key_arg,
                           {.name = "count",
                            .type = arg_type::integer,
                            .since = "2.6.0",
                            .flags = arg_flag::optional}},
                          {{"2.6.0", "Added the optional `count` argument."}});
    specs.smove = server::with_docs(
        spec("smove", 4, write | fast, {1, 2, 1},
             {rw_access_delete, {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
             "Move a member from one set to another", "1.0.0", "O(1)", write_fast),
        {{.name = "source", .type = arg_type::key, .key_spec_index = 0},
         {.name = "destination", .type = arg_type::key, .key_spec_index = 1},
         {.name = "member", .type = arg_type::string}});
    specs.sinter = server::with_docs(
        spec("sinter", -2, readonly, all,
             {{.flags = key_flag::ro | key_flag::access, .find = server::key_range(-1)}},
             "Intersect multiple sets", "1.0.0",
             "O(N*M) worst case where N is the cardinality of the "
             "smallest set and M is the number of sets.",
             read_slow, {"nondeterministic_output_order"}),
        {keys_arg});
    specs.sintercard = server::with_docs(
        spec("sintercard", -3, readonly | command_flag::movablekeys, {},
             {{.flags = key_flag::ro | key_flag::access, .find = server::key_count(0, 1, 1)}},
             "Intersect multiple sets and return the cardinality of the result", "7.0.0",
             "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
             "number of sets.",
             read_slow),
        {{.name = "numkeys", .type = arg_type::integer},
         keys_arg,
         {.name = "limit",
          .type = arg_type::integer,
          .token = "LIMIT",
          .flags = arg_flag::optional}});
    specs.sunion = server::with_docs(
        spec("sunion", -2, readonly, all,
             {{.flags = key_flag::ro | key_flag::access, .find = server::key_range(-1)}},
             "Add multiple sets", "1.0.0",
             "O(N) where N is the total number of elements in all given sets.", read_slow,
             {"nondeterministic_output_order"}),
        {keys_arg});
    specs.sdiff = server::with_docs(
        spec("sdiff", -2, readonly, all,
             {{.flags = key_flag::ro | key_flag::access, .find = server::key_range(-1)}},
             "Subtract multiple sets", "1.0.0",
             "O(N) where N is the total number of elements in all given sets.", read_slow,
             {"nondeterministic_output_order"}),
        {keys_arg});
    specs.sinterstore = server::with_docs(
        spec("sinterstore", -3, write | denyoom, store_all,
             {rw_update,
              {.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_range(-1)}},
             "Intersect multiple sets and store the resulting set in a key", "1.0.0",
             "O(N*M) worst case where N is the cardinality of the smallest set and M "
             "is the number of sets.",
             write_slow),
        {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .flags = arg_flag::multiple}});
    specs.sunionstore = server::with_docs(
        spec("sunionstore", -3, write | denyoom, store_all,
             {ow_update,
              {.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_range(-1)}},
             "Add multiple sets and store the resulting set in a key", "1.0.0",
             "O(N) where N is the total number of elements in all given sets.", write_slow),
        {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .flags = arg_flag::multiple}});
    specs.sdiffstore = server::with_docs(
        spec("sdiffstore", -3, write | denyoom, store_all,
             {ow_update,
              {.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_range(-1)}},
             "Subtract multiple sets and store the resulting set in a key", "1.0.0",
             "O(N) where N is the total number of elements in all given sets.", write_slow),
        {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .flags = arg_flag::multiple}});
    specs.sscan = element_scan_spec(spec, "sscan", "Incrementally iterate Set elements", read_slow);
    return specs;
}

} // namespace respkit::commands

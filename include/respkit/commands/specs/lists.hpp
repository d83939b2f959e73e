#pragma once

/// \file
/// Redis 7.0's specs of the list commands (lists.hpp): name, arity, flags, key positions and key
/// specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the list commands, one member per command.
struct list_specs {
    server::command_spec lpush, rpush, lpushx, rpushx, lpop, rpop, llen, lrange, lindex, lset, lrem,
        ltrim, linsert, lpos, lmove, rpoplpush, lmpop, blpop, brpop, blmove, brpoplpush, blmpop;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline list_specs list_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    list_specs specs;
    const spec_builder spec{"list"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag denyoom = command_flag::denyoom;
    const command_flag fast = command_flag::fast;
    const std::vector<std::string> read_fast{"@read", "@list", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@list", "@slow"};
    const std::vector<std::string> write_fast{"@write", "@list", "@fast"};
    const std::vector<std::string> write_slow{"@write", "@list", "@slow"};
    const server::key_positions one{1, 1, 1};
    const server::key_positions two{1, 2, 1};
    // Redis's key specs: what each command does with its keys.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_insert{.flags = key_flag::rw | key_flag::insert};
    const server::key_spec rw_delete{.flags = key_flag::rw | key_flag::delete_};
    const server::key_spec rw_update{.flags = key_flag::rw | key_flag::update};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    // COMMAND DOCS's arguments that several commands share.
    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const server::command_arg keys_arg{
        .name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple};
    const server::command_arg timeout_arg_doc{.name = "timeout", .type = arg_type::double_};
    const server::command_arg source_arg{
        .name = "source", .type = arg_type::key, .key_spec_index = 0};
    const server::command_arg destination_arg{
        .name = "destination", .type = arg_type::key, .key_spec_index = 1};
    const auto side = [](std::string name) {
        return server::command_arg{
            .name = std::move(name),
            .type = arg_type::oneof,
            .arguments = {{.name = "left", .type = arg_type::pure_token, .token = "LEFT"},
                          {.name = "right", .type = arg_type::pure_token, .token = "RIGHT"}}};
    };
    const std::string push_complexity =
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple "
        "arguments.";

    specs.lpush = server::with_docs(
        spec("lpush", -3, write | denyoom | fast, one, {rw_insert},
             "Prepend one or multiple elements to a list", "1.0.0", push_complexity, write_fast),
        {key_arg, {.name = "element", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple `element` arguments."}});
    specs.rpush = server::with_docs(
        spec("rpush", -3, write | denyoom | fast, one, {rw_insert},
             "Append one or multiple elements to a list", "1.0.0", push_complexity, write_fast),
        {key_arg, {.name = "element", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple `element` arguments."}});
    specs.lpushx = server::with_docs(
        spec("lpushx", -3, write | denyoom | fast, one, {rw_insert},
             "Prepend an element to a list, only if the list exists", "2.2.0", push_complexity,
             write_fast),
        {key_arg, {.name = "element", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"4.0.0", "Accepts multiple `element` arguments."}});
    specs.rpushx = server::with_docs(
        spec("rpushx", -3, write | denyoom | fast, one, {rw_insert},
             "Append an element to a list, only if the list exists", "2.2.0", push_complexity,
             write_fast),
        {key_arg, {.name = "element", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"4.0.0", "Accepts multiple `element` arguments."}});

    specs.lpop =
        server::with_docs(spec("lpop", -2, write | fast, one, {rw_access_delete},
                               "Remove and get the first elements in a list", "1.0.0",
                               "O(N) where N is the number of elements returned", write_fast),
                          {key_arg,
                           {.name = "count",
                            .type = arg_type::integer,
                            .since = "6.2.0",
                            .flags = arg_flag::optional}},
                          {{"6.2.0", "Added the `count` argument."}});
    specs.rpop =
        server::with_docs(spec("rpop", -2, write | fast, one, {rw_access_delete},
                               "Remove and get the last elements in a list", "1.0.0",
                               "O(N) where N is the number of elements returned", write_fast),
                          {key_arg,
                           {.name = "count",
                            .type = arg_type::integer,
                            .since = "6.2.0",
                            .flags = arg_flag::optional}},
                          {{"6.2.0", "Added the `count` argument."}});

    specs.llen = server::with_docs(spec("llen", 2, readonly | fast, one, {ro},
                                        "Get the length of a list", "1.0.0", "O(1)", read_fast),
                                   {key_arg});

    specs.lrange =
        server::with_docs(spec("lrange", 4, readonly, one, {ro_access},
                               "Get a range of elements from a list", "1.0.0",
                               "O(S+N) where S is the distance of start offset from HEAD for small "
                               "lists, from nearest end (HEAD or TAIL) for large lists; and N is "
                               "the number of elements in the specified range.",
                               read_slow),
                          {key_arg,
                           {.name = "start", .type = arg_type::integer},
                           {.name = "stop", .type = arg_type::integer}});

    specs.lindex = server::with_docs(
        spec("lindex", 3, readonly, one, {ro_access}, "Get an element from a list by its index",
             "1.0.0",
             "O(N) where N is the number of elements to traverse to get to the element at "
             "index. This makes asking for the first or the last element of the list O(1).",
             read_slow),
        {key_arg, {.name = "index", .type = arg_type::integer}});

    specs.lset =
        server::with_docs(spec("lset", 4, write | denyoom, one, {rw_update},
                               "Set the value of an element in a list by its index", "1.0.0",
                               "O(N) where N is the length of the list. Setting either the first "
                               "or the last element of the list is O(1).",
                               write_slow),
                          {key_arg,
                           {.name = "index", .type = arg_type::integer},
                           {.name = "element", .type = arg_type::string}});

    specs.lrem = server::with_docs(
        spec("lrem", 4, write, one, {rw_delete}, "Remove elements from a list", "1.0.0",
             "O(N+M) where N is the length of the list and M is the number of elements removed.",
             write_slow),
        {key_arg,
         {.name = "count", .type = arg_type::integer},
         {.name = "element", .type = arg_type::string}});

    specs.ltrim = server::with_docs(
        spec("ltrim", 4, write, one, {rw_delete}, "Trim a list to the specified range", "1.0.0",
             "O(N) where N is the number of elements to be removed by the operation.", write_slow),
        {key_arg,
         {.name = "start", .type = arg_type::integer},
         {.name = "stop", .type = arg_type::integer}});

    specs.linsert = server::with_docs(
        spec("linsert", 5, write | denyoom, one, {rw_insert},
             "Insert an element before or after another element in a list", "2.2.0",
             "O(N) where N is the number of elements to traverse before seeing the value "
             "pivot. This means that inserting somewhere on the left end on the list (head) "
             "can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
             write_slow),
        {key_arg,
         {.name = "where",
          .type = arg_type::oneof,
          .arguments = {{.name = "before", .type = arg_type::pure_token, .token = "BEFORE"},
                        {.name = "after", .type = arg_type::pure_token, .token = "AFTER"}}},
         {.name = "pivot", .type = arg_type::string},
         {.name = "element", .type = arg_type::string}});

    specs.lpos = server::with_docs(
        spec("lpos", -3, readonly, one, {ro_access},
             "Return the index of matching elements on a list", "6.0.6",
             "O(N) where N is the number of elements in the list, for the average case. When "
             "searching for elements near the head or the tail of the list, or when the MAXLEN "
             "option is provided, the command may run in constant time.",
             read_slow),
        {key_arg,
         {.name = "element", .type = arg_type::string},
         {.name = "rank", .type = arg_type::integer, .token = "RANK", .flags = arg_flag::optional},
         {.name = "num-matches",
          .type = arg_type::integer,
          .token = "COUNT",
          .flags = arg_flag::optional},
         {.name = "len",
          .type = arg_type::integer,
          .token = "MAXLEN",
          .flags = arg_flag::optional}});

    specs.lmove = server::with_docs(
        spec("lmove", 5, write | denyoom, two,
             {rw_access_delete, {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
             "Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)",
             write_slow),
        {source_arg, destination_arg, side("wherefrom"), side("whereto")});
    specs.rpoplpush = deprecated(
        server::with_docs(
            spec("rpoplpush", 3, write | denyoom, two,
                 {rw_access_delete,
                  {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
                 "Remove the last element in a list, prepend it to another list and return it",
                 "1.2.0", "O(1)", write_slow),
            {source_arg, destination_arg}),
        "6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments");

    specs.lmpop =
        server::with_docs(spec("lmpop", -4, write | command_flag::movablekeys, {},
                               {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
                                 .find = server::key_count(0, 1, 1)}},
                               "Pop elements from a list", "7.0.0",
                               "O(N+M) where N is the number of provided keys and M is the number "
                               "of elements returned.",
                               write_slow),
                          {{.name = "numkeys", .type = arg_type::integer},
                           keys_arg,
                           side("where"),
                           {.name = "count",
                            .type = arg_type::integer,
                            .token = "COUNT",
                            .flags = arg_flag::optional}});

    // --- blocking forms (Redis 7.0's COMMAND INFO and COMMAND DOCS) ---
    const command_flag blocking = command_flag::noscript | command_flag::blocking;
    const std::vector<std::string> write_blocking{"@write", "@list", "@slow", "@blocking"};
    const std::vector<server::command_history> timeout_history{
        {"6.0.0", "`timeout` is interpreted as a double instead of an integer."}};

    specs.blpop = server::with_docs(
        spec("blpop", -3, write | blocking, {1, -2, 1},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .find = server::key_range(-2)}},
             "Remove and get the first element in a list, or block until one is available", "2.0.0",
             "O(N) where N is the number of provided keys.", write_blocking),
        {keys_arg, timeout_arg_doc}, timeout_history);
    specs.brpop = server::with_docs(
        spec("brpop", -3, write | blocking, {1, -2, 1},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .find = server::key_range(-2)}},
             "Remove and get the last element in a list, or block until one is available", "2.0.0",
             "O(N) where N is the number of provided keys.", write_blocking),
        {keys_arg, timeout_arg_doc}, timeout_history);
    specs.blmove = server::with_docs(
        spec("blmove", 6, write | denyoom | blocking, two,
             {rw_access_delete, {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
             "Pop an element from a list, push it to another list and return it; or block "
             "until one is available",
             "6.2.0", "O(1)", write_blocking),
        {source_arg, destination_arg, side("wherefrom"), side("whereto"), timeout_arg_doc});
    specs.brpoplpush =
        deprecated(server::with_docs(
                       spec("brpoplpush", 4, write | denyoom | blocking, two,
                            {rw_access_delete,
                             {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
                            "Pop an element from a list, push it to another list and return it; or "
                            "block until one is available",
                            "2.2.0", "O(1)", write_blocking),
                       {source_arg, destination_arg, timeout_arg_doc}, timeout_history),
                   "6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments");
    specs.blmpop = server::with_docs(
        spec("blmpop", -5, write | command_flag::blocking | command_flag::movablekeys, {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1)}},
             "Pop elements from a list, or block until one is available", "7.0.0",
             "O(N+M) where N is the number of provided keys and M is the number "
             "of elements returned.",
             write_blocking),
        {timeout_arg_doc,
         {.name = "numkeys", .type = arg_type::integer},
         keys_arg,
         side("where"),
         {.name = "count",
          .type = arg_type::integer,
          .token = "COUNT",
          .flags = arg_flag::optional}});
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the string commands (strings.hpp): name, arity, flags, key positions and
/// key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the string commands, one member per command.
struct string_specs {
    server::command_spec get, set, setnx, setex, psetex, getset, getdel, getex, mget, mset, msetnx,
        append, strlen, incr, decr, incrby, decrby, incrbyfloat, getrange, substr, setrange, lcs;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline string_specs string_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    string_specs specs;
    const spec_builder spec{"string"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag denyoom = command_flag::denyoom;
    const command_flag fast = command_flag::fast;
    const std::vector<std::string> read_fast{"@read", "@string", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@string", "@slow"};
    const std::vector<std::string> write_fast{"@write", "@string", "@fast"};
    const std::vector<std::string> write_slow{"@write", "@string", "@slow"};
    const server::key_positions one{1, 1, 1};
    // Redis's key specs, where the derived `RW update` / `RO access` are not Redis's.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec rw_insert{.flags = key_flag::rw | key_flag::insert};
    const server::key_spec rw_access_update{.flags =
                                                key_flag::rw | key_flag::access | key_flag::update};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    const server::key_spec ow_insert{.flags = key_flag::ow | key_flag::insert};
    const server::key_spec ow_update{.flags = key_flag::ow | key_flag::update};

    specs.get = server::with_docs(
        spec("get", 2, readonly | fast, one, "Get the value of a key", "1.0.0", "O(1)", read_fast),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});

    specs.set = server::with_docs(
        spec("set", -3, write | denyoom, one,
             {{.flags =
                   key_flag::rw | key_flag::access | key_flag::update | key_flag::variable_flags,
               .notes = "RW and ACCESS due to the optional `GET` argument"}},
             "Set the string value of a key", "1.0.0", "O(1)", write_slow),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "value", .type = arg_type::string},
         {.name = "condition",
          .type = arg_type::oneof,
          .since = "2.6.12",
          .flags = arg_flag::optional,
          .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"},
                        {.name = "xx", .type = arg_type::pure_token, .token = "XX"}}},
         {.name = "get",
          .type = arg_type::pure_token,
          .token = "GET",
          .since = "6.2.0",
          .flags = arg_flag::optional},
         {.name = "expiration",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments =
              {{.name = "seconds", .type = arg_type::integer, .token = "EX", .since = "2.6.12"},
               {.name = "milliseconds",
                .type = arg_type::integer,
                .token = "PX",
                .since = "2.6.12"},
               {.name = "unix-time-seconds",
                .type = arg_type::unix_time,
                .token = "EXAT",
                .since = "6.2.0"},
               {.name = "unix-time-milliseconds",
                .type = arg_type::unix_time,
                .token = "PXAT",
                .since = "6.2.0"},
               {.name = "keepttl",
                .type = arg_type::pure_token,
                .token = "KEEPTTL",
                .since = "6.0.0"}}}},
        {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
         {"6.0.0", "Added the `KEEPTTL` option."},
         {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
         {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}});

    specs.setnx = server::with_docs(spec("setnx", 3, write | denyoom | fast, one, {ow_insert},
                                         "Set the value of a key, only if the key does not exist",
                                         "1.0.0", "O(1)", write_fast),
                                    {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                                     {.name = "value", .type = arg_type::string}});

    specs.setex = server::with_docs(spec("setex", 4, write | denyoom, one, {ow_update},
                                         "Set the value and expiration of a key", "2.0.0", "O(1)",
                                         write_slow),
                                    {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                                     {.name = "seconds", .type = arg_type::integer},
                                     {.name = "value", .type = arg_type::string}});

    specs.psetex = server::with_docs(spec("psetex", 4, write | denyoom, one, {ow_update},
                                          "Set the value and expiration in milliseconds of a key",
                                          "2.6.0", "O(1)", write_slow),
                                     {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                                      {.name = "milliseconds", .type = arg_type::integer},
                                      {.name = "value", .type = arg_type::string}});

    specs.getset = deprecated(
        server::with_docs(spec("getset", 3, write | denyoom | fast, one, {rw_access_update},
                               "Set the string value of a key and return its old value", "1.0.0",
                               "O(1)", write_fast),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "value", .type = arg_type::string}}),
        "6.2.0", "`SET` with the `!GET` argument");

    specs.getdel = server::with_docs(spec("getdel", 2, write | fast, one, {rw_access_delete},
                                          "Get the value of a key and delete the key", "6.2.0",
                                          "O(1)", write_fast),
                                     {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});

    specs.getex = server::with_docs(
        spec("getex", -2, write | fast, one,
             {{.flags = key_flag::rw | key_flag::access | key_flag::update,
               .notes = "RW and UPDATE because it changes the TTL"}},
             "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)",
             write_fast),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "expiration",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {
              {.name = "seconds", .type = arg_type::integer, .token = "EX"},
              {.name = "milliseconds", .type = arg_type::integer, .token = "PX"},
              {.name = "unix-time-seconds", .type = arg_type::unix_time, .token = "EXAT"},
              {.name = "unix-time-milliseconds", .type = arg_type::unix_time, .token = "PXAT"},
              {.name = "persist", .type = arg_type::pure_token, .token = "PERSIST"}}}});

    specs.mget = server::with_docs(
        spec("mget", -2, readonly | fast, {1, -1, 1}, "Get the values of all the given keys",
             "1.0.0", "O(N) where N is the number of keys to retrieve.", read_fast),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}});

    specs.mset = server::with_docs(
        spec("mset", -3, write | denyoom, {1, -1, 2},
             {{.flags = key_flag::ow | key_flag::update, .find = server::key_range(-1, 2)}},
             "Set multiple keys to multiple values", "1.0.1",
             "O(N) where N is the number of keys to set.", write_slow),
        {{.name = "key_value",
          .type = arg_type::block,
          .flags = arg_flag::multiple,
          .arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                        {.name = "value", .type = arg_type::string}}}});

    specs.msetnx = server::with_docs(
        spec("msetnx", -3, write | denyoom, {1, -1, 2},
             {{.flags = key_flag::ow | key_flag::insert, .find = server::key_range(-1, 2)}},
             "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
             "O(N) where N is the number of keys to set.", write_slow),
        {{.name = "key_value",
          .type = arg_type::block,
          .flags = arg_flag::multiple,
          .arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                        {.name = "value", .type = arg_type::string}}}});

    specs.append = server::with_docs(
        spec("append", 3, write | denyoom | fast, one, {rw_insert}, "Append a value to a key",
             "2.0.0",
             "O(1). The amortized time complexity is O(1) assuming the appended value is small "
             "and the already present value is of any size, since the dynamic string library "
             "used by Redis will double the free space available on every reallocation.",
             write_fast),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "value", .type = arg_type::string}});

    specs.strlen = server::with_docs(spec("strlen", 2, readonly | fast, one, {ro},
                                          "Get the length of the value stored in a key", "2.2.0",
                                          "O(1)", read_fast),
                                     {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});

    specs.incr = server::with_docs(spec("incr", 2, write | denyoom | fast, one, {rw_access_update},
                                        "Increment the integer value of a key by one", "1.0.0",
                                        "O(1)", write_fast),
                                   {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});
    specs.decr = server::with_docs(spec("decr", 2, write | denyoom | fast, one, {rw_access_update},
                                        "Decrement the integer value of a key by one", "1.0.0",
                                        "O(1)", write_fast),
                                   {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});
    specs.incrby =
        server::with_docs(spec("incrby", 3, write | denyoom | fast, one, {rw_access_update},
                               "Increment the integer value of a key by the given amount", "1.0.0",
                               "O(1)", write_fast),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "increment", .type = arg_type::integer}});
    specs.decrby =
        server::with_docs(spec("decrby", 3, write | denyoom | fast, one, {rw_access_update},
                               "Decrement the integer value of a key by the given number", "1.0.0",
                               "O(1)", write_fast),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "decrement", .type = arg_type::integer}});

    specs.incrbyfloat = server::with_docs(
        spec("incrbyfloat", 3, write | denyoom | fast, one, {rw_access_update},
             "Increment the float value of a key by the given amount", "2.6.0", "O(1)", write_fast),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "increment", .type = arg_type::double_}});
    specs.getrange = server::with_docs(
        spec("getrange", 4, readonly, one, "Get a substring of the string stored at a key", "2.4.0",
             "O(N) where N is the length of the returned string. The complexity is ultimately "
             "determined by the returned length, but because creating a substring from an "
             "existing string is very cheap, it can be considered O(1) for small strings.",
             read_slow),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "start", .type = arg_type::integer},
         {.name = "end", .type = arg_type::integer}});
    specs.substr = deprecated(
        server::with_docs(spec("substr", 4, readonly, one,
                               "Get a substring of the string stored at a key", "1.0.0",
                               "O(N) where N is the length of the returned string. The "
                               "complexity is ultimately determined by the returned length, "
                               "but because creating a substring from an existing string is "
                               "very cheap, it can be considered O(1) for small strings.",
                               read_slow),
                          {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "start", .type = arg_type::integer},
                           {.name = "end", .type = arg_type::integer}}),
        "2.0.0", "`GETRANGE`");

    specs.setrange = server::with_docs(
        spec("setrange", 4, write | denyoom, one,
             "Overwrite part of a string at key starting at the specified offset", "2.2.0",
             "O(1), not counting the time taken to copy the new string in place. Usually, this "
             "string is very small so the amortized complexity is O(1). Otherwise, complexity "
             "is O(M) with M being the length of the value argument.",
             write_slow),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "offset", .type = arg_type::integer},
         {.name = "value", .type = arg_type::string}});

    specs.lcs = server::with_docs(
        spec("lcs", -3, readonly, {1, 2, 1}, "Find longest common substring", "7.0.0",
             "O(N*M) where N and M are the lengths of s1 and s2, respectively", read_slow),
        {{.name = "key1", .type = arg_type::key, .key_spec_index = 0},
         {.name = "key2", .type = arg_type::key, .key_spec_index = 0},
         {.name = "len", .type = arg_type::pure_token, .token = "LEN", .flags = arg_flag::optional},
         {.name = "idx", .type = arg_type::pure_token, .token = "IDX", .flags = arg_flag::optional},
         {.name = "len",
          .type = arg_type::integer,
          .token = "MINMATCHLEN",
          .flags = arg_flag::optional},
         {.name = "withmatchlen",
          .type = arg_type::pure_token,
          .token = "WITHMATCHLEN",
          .flags = arg_flag::optional}});
    return specs;
}

} // namespace respkit::commands

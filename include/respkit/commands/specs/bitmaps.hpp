#pragma once

/// \file
/// Redis 7.0's specs of the bitmap commands (bitmaps.hpp): name, arity, flags, key specs, and
/// their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments, history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the bitmap commands, one member per command.
struct bitmap_specs {
    server::command_spec setbit, getbit, bitcount, bitpos, bitop, bitfield, bitfield_ro;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline bitmap_specs bitmap_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_arg;
    using server::command_flag;
    using server::key_flag;
    bitmap_specs specs;
    const spec_builder spec{"bitmap"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag denyoom = command_flag::denyoom;
    const command_flag fast = command_flag::fast;
    const std::vector<std::string> read_fast{"@read", "@bitmap", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@bitmap", "@slow"};
    const std::vector<std::string> write_slow{"@write", "@bitmap", "@slow"};
    const server::key_positions one{1, 1, 1};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const command_arg key{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const command_arg unit{.name = "index_unit",
                           .type = arg_type::oneof,
                           .since = "7.0.0",
                           .flags = arg_flag::optional,
                           .arguments = {{.name = "byte", .type = arg_type::pure_token, .token = "BYTE"},
                                         {.name = "bit", .type = arg_type::pure_token, .token = "BIT"}}};
    const std::vector<server::command_history> unit_history{{"7.0.0", "Added the `BYTE|BIT` option."}};

    specs.setbit = server::with_docs(
        spec("setbit", 4, write | denyoom, one,
             {{.flags = key_flag::rw | key_flag::access | key_flag::update}},
             "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)", write_slow),
        {key, {.name = "offset", .type = arg_type::integer}, {.name = "value", .type = arg_type::integer}});

    specs.getbit = server::with_docs(
        spec("getbit", 3, readonly | fast, one, {ro_access},
             "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)", read_fast),
        {key, {.name = "offset", .type = arg_type::integer}});

    specs.bitcount = server::with_docs(
        spec("bitcount", -2, readonly, one, {ro_access}, "Count set bits in a string", "2.6.0", "O(N)", read_slow),
        {key,
         {.name = "index",
          .type = arg_type::block,
          .flags = arg_flag::optional,
          .arguments = {{.name = "start", .type = arg_type::integer}, {.name = "end", .type = arg_type::integer}, unit}}},
        unit_history);

    specs.bitpos = server::with_docs(
        spec("bitpos", -3, readonly, one, {ro_access}, "Find first bit set or clear in a string", "2.8.7", "O(N)",
             read_slow),
        {key,
         {.name = "bit", .type = arg_type::integer},
         {.name = "index",
          .type = arg_type::block,
          .flags = arg_flag::optional,
          .arguments = {{.name = "start", .type = arg_type::integer},
                        {.name = "end_index",
                         .type = arg_type::block,
                         .flags = arg_flag::optional,
                         .arguments = {{.name = "end", .type = arg_type::integer}, unit}}}}},
        unit_history);

    specs.bitop = server::with_docs(
        spec("bitop", -4, write | denyoom, {2, -1, 1},
             {{.flags = key_flag::ow | key_flag::update, .begin = {.index = 2}},
              {.flags = key_flag::ro | key_flag::access, .begin = {.index = 3}, .find = server::key_range(-1)}},
             "Perform bitwise operations between strings", "2.6.0", "O(N)", write_slow),
        {{.name = "operation", .type = arg_type::string},
         {.name = "destkey", .type = arg_type::key, .key_spec_index = 0},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .flags = arg_flag::multiple}});

    const command_arg encoding{.name = "encoding", .type = arg_type::string};
    const command_arg offset{.name = "offset", .type = arg_type::integer};
    specs.bitfield = server::with_docs(
        spec("bitfield", -2, write | denyoom, one,
             {{.flags = key_flag::rw | key_flag::access | key_flag::update | key_flag::variable_flags,
               .notes = "This command allows both access and modification of the key"}},
             "Perform arbitrary bitfield integer operations on strings", "3.2.0",
             "O(1) for each subcommand specified", write_slow),
        {key,
         {.name = "operation",
          .type = arg_type::oneof,
          .flags = arg_flag::optional | arg_flag::multiple,
          .arguments =
              {{.name = "encoding_offset", .type = arg_type::block, .token = "GET", .arguments = {encoding, offset}},
               {.name = "write",
                .type = arg_type::block,
                .arguments =
                    {{.name = "wrap_sat_fail",
                      .type = arg_type::oneof,
                      .token = "OVERFLOW",
                      .flags = arg_flag::optional,
                      .arguments = {{.name = "wrap", .type = arg_type::pure_token, .token = "WRAP"},
                                    {.name = "sat", .type = arg_type::pure_token, .token = "SAT"},
                                    {.name = "fail", .type = arg_type::pure_token, .token = "FAIL"}}},
                     {.name = "write_operation",
                      .type = arg_type::oneof,
                      .arguments = {{.name = "encoding_offset_value",
                                     .type = arg_type::block,
                                     .token = "SET",
                                     .arguments = {encoding, offset, {.name = "value", .type = arg_type::integer}}},
                                    {.name = "encoding_offset_increment",
                                     .type = arg_type::block,
                                     .token = "INCRBY",
                                     .arguments = {encoding, offset,
                                                   {.name = "increment", .type = arg_type::integer}}}}}}}}}});

    specs.bitfield_ro = server::with_docs(
        spec("bitfield_ro", -2, readonly | fast, one, {ro_access},
             "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0",
             "O(1) for each subcommand specified", read_fast),
        {key,
         {.name = "encoding_offset",
          .type = arg_type::block,
          .token = "GET",
          .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token,
          .arguments = {encoding, offset}}});
    return specs;
}

} // namespace respkit::commands

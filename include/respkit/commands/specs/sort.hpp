#pragma once

/// \file
/// Redis 7.0's specs of SORT and SORT_RO (sort.hpp): name, arity, flags, key specs and where
/// their keys are (Redis's sortGetKeys and sortROGetKeys), and their COMMAND DOCS.

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/options.hpp"
#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of SORT and SORT_RO.
struct sort_specs {
    server::command_spec sort, sort_ro;
};

/// SORT's keys in a call: the sorted key, and the last STORE's destination (LIMIT, GET and BY
/// skip their values), as Redis's sortGetKeys finds them.
[[nodiscard]] inline std::vector<server::key_reference> sort_keys_of_call(std::span<const std::string_view> args) {
    using server::key_flag;
    std::vector<server::key_reference> keys{{1, key_flag::ro | key_flag::access}};
    bool stored = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (option_is(args[i], "limit")) {
            i += 2;
        } else if (option_is(args[i], "get") || option_is(args[i], "by")) {
            i += 1;
        } else if (option_is(args[i], "store") && i + 1 < args.size()) {
            if (!stored) keys.push_back({i + 1, key_flag::ow | key_flag::update});
            keys.back().index = i + 1;
            stored = true;
        }
    }
    return keys;
}

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline sort_specs sort_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    sort_specs specs;
    const spec_builder spec{"generic"};
    const server::key_spec sorted{.flags = key_flag::ro | key_flag::access};
    const server::key_spec by_get{
        .flags = key_flag::ro | key_flag::access,
        .begin = {.index = 0},
        .find = {.type = server::find_keys::kind::unknown},
        .notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the "
                 "content of the key we sort"};
    const server::key_spec store{
        .flags = key_flag::ow | key_flag::update,
        .begin = {.index = 0},
        .find = {.type = server::find_keys::kind::unknown},
        .notes = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in "
                 "the argument array"};
    const std::string cost = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M "
                             "the number of returned elements. When the elements are not sorted, complexity is O(N).";
    std::vector<server::command_arg> arguments{
        {.name = "key", .type = arg_type::key, .key_spec_index = 0},
        {.name = "pattern", .type = arg_type::pattern, .key_spec_index = 1, .token = "BY", .flags = arg_flag::optional},
        {.name = "offset_count",
         .type = arg_type::block,
         .token = "LIMIT",
         .flags = arg_flag::optional,
         .arguments = {{.name = "offset", .type = arg_type::integer}, {.name = "count", .type = arg_type::integer}}},
        {.name = "pattern",
         .type = arg_type::pattern,
         .key_spec_index = 1,
         .token = "GET",
         .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token},
        {.name = "order",
         .type = arg_type::oneof,
         .flags = arg_flag::optional,
         .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"},
                       {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}},
        {.name = "sorting", .type = arg_type::pure_token, .token = "ALPHA", .flags = arg_flag::optional}};
    specs.sort_ro = server::with_docs(
        spec("sort_ro", -2, command_flag::readonly | command_flag::movablekeys, {1, 1, 1}, {sorted, by_get},
             "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", cost,
             {"@read", "@set", "@sortedset", "@list", "@slow", "@dangerous"}),
        arguments);
    specs.sort_ro.keys_of_call = [](std::span<const std::string_view>) {
        return std::vector<server::key_reference>{{1, key_flag::ro | key_flag::access}};
    };
    arguments.push_back(
        {.name = "destination", .type = arg_type::key, .key_spec_index = 2, .token = "STORE", .flags = arg_flag::optional});
    specs.sort = server::with_docs(
        spec("sort", -2, command_flag::write | command_flag::denyoom | command_flag::movablekeys, {1, 1, 1},
             {sorted, by_get, store}, "Sort the elements in a list, set or sorted set", "1.0.0", cost,
             {"@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"}),
        std::move(arguments));
    specs.sort.keys_of_call = sort_keys_of_call;
    return specs;
}

} // namespace respkit::commands

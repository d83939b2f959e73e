#pragma once

/// \file
/// Redis 7.0's specs of the sorted-set commands (zsets.hpp): name, arity, flags, key positions and
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

/// The specs of the sorted-set commands, one member per command.
struct zset_specs {
    server::command_spec zadd, zincrby, zrem, zscore, zmscore, zcard, zcount, zlexcount, zrank,
        zrevrank, zrange, zrangestore, zrevrange, zrangebyscore, zrevrangebyscore, zrangebylex,
        zrevrangebylex, zpopmin, zpopmax, zunionstore, zinterstore, zdiffstore, zunion, zinter,
        zdiff, zintercard, zscan, zrandmember, zmpop, bzpopmin, bzpopmax, bzmpop, zremrangebyscore, zremrangebyrank,
        zremrangebylex;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline zset_specs zset_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    zset_specs specs;
    const spec_builder spec{"sorted-set"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag fast = command_flag::fast;
    const command_flag denyoom = command_flag::denyoom;
    const server::key_positions one{1, 1, 1};
    // Redis's key specs: what each command does with its keys.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_delete{.flags = key_flag::rw | key_flag::delete_};
    const server::key_spec rw_update{.flags = key_flag::rw | key_flag::update};
    const server::key_spec rw_access_update{.flags =
                                                key_flag::rw | key_flag::access | key_flag::update};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    const server::key_spec ow_update{.flags = key_flag::ow | key_flag::update};
    // COMMAND DOCS's arguments that several commands share.
    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const server::command_arg keys_arg{
        .name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple};
    const std::vector<std::string> write_fast{"@write", "@sortedset", "@fast"};
    const std::vector<std::string> write_slow{"@write", "@sortedset", "@slow"};
    const std::vector<std::string> read_fast{"@read", "@sortedset", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@sortedset", "@slow"};
    const std::string log_n = "O(log(N)) where N is the number of elements in the sorted set.";
    const std::string range_cost =
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.";
    // The ZRANGE family's options (ZRANGE took them in 6.2.0), and its commands' complexity when
    // they may take a LIMIT.
    const server::command_arg withscores{.name = "withscores",
                                         .type = arg_type::pure_token,
                                         .token = "WITHSCORES",
                                         .flags = arg_flag::optional};
    const server::command_arg limit{.name = "offset_count",
                                    .type = arg_type::block,
                                    .token = "LIMIT",
                                    .flags = arg_flag::optional,
                                    .arguments = {{.name = "offset", .type = arg_type::integer},
                                                  {.name = "count", .type = arg_type::integer}}};
    const server::command_arg sortby{
        .name = "sortby",
        .type = arg_type::oneof,
        .flags = arg_flag::optional,
        .arguments = {{.name = "byscore", .type = arg_type::pure_token, .token = "BYSCORE"},
                      {.name = "bylex", .type = arg_type::pure_token, .token = "BYLEX"}}};
    const server::command_arg rev{
        .name = "rev", .type = arg_type::pure_token, .token = "REV", .flags = arg_flag::optional};
    const auto since = [](server::command_arg arg, std::string version) {
        arg.since = std::move(version);
        return arg;
    };
    const std::string limited_range_cost =
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
        "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
        "with LIMIT), you can consider it O(log(N)).";

    specs.zadd = server::with_docs(
        spec("zadd", -4, write | denyoom | fast, one, {rw_update},
             "Add one or more members to a sorted set, or update its score if it already exists",
             "1.2.0",
             "O(log(N)) for each item added, where N is the number of elements in the sorted "
             "set.",
             write_fast),
        {key_arg,
         {.name = "condition",
          .type = arg_type::oneof,
          .since = "3.0.2",
          .flags = arg_flag::optional,
          .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"},
                        {.name = "xx", .type = arg_type::pure_token, .token = "XX"}}},
         {.name = "comparison",
          .type = arg_type::oneof,
          .since = "6.2.0",
          .flags = arg_flag::optional,
          .arguments = {{.name = "gt", .type = arg_type::pure_token, .token = "GT"},
                        {.name = "lt", .type = arg_type::pure_token, .token = "LT"}}},
         {.name = "change",
          .type = arg_type::pure_token,
          .token = "CH",
          .since = "3.0.2",
          .flags = arg_flag::optional},
         {.name = "increment",
          .type = arg_type::pure_token,
          .token = "INCR",
          .since = "3.0.2",
          .flags = arg_flag::optional},
         {.name = "score_member",
          .type = arg_type::block,
          .flags = arg_flag::multiple,
          .arguments = {{.name = "score", .type = arg_type::double_},
                        {.name = "member", .type = arg_type::string}}}},
        {{"2.4.0", "Accepts multiple elements."},
         {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."},
         {"6.2.0", "Added the `GT` and `LT` options."}});
    specs.zincrby = server::with_docs(
        spec("zincrby", 4, write | denyoom | fast, one, {rw_access_update},
             "Increment the score of a member in a sorted set", "1.2.0", log_n, write_fast),
        {key_arg,
         {.name = "increment", .type = arg_type::integer},
         {.name = "member", .type = arg_type::string}});
    specs.zrem = server::with_docs(
        spec("zrem", -3, write | fast, one, {rw_delete},
             "Remove one or more members from a sorted set", "1.2.0",
             "O(M*log(N)) with N being the number of elements in the sorted set and M the "
             "number of elements to be removed.",
             write_fast),
        {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}},
        {{"2.4.0", "Accepts multiple elements."}});
    specs.zscore =
        server::with_docs(spec("zscore", 3, readonly | fast, one, {ro_access},
                               "Get the score associated with the given member in a sorted set",
                               "1.2.0", "O(1)", read_fast),
                          {key_arg, {.name = "member", .type = arg_type::string}});
    specs.zmscore = server::with_docs(
        spec("zmscore", -3, readonly | fast, one, {ro_access},
             "Get the score associated with the given members in a sorted set", "6.2.0",
             "O(N) where N is the number of members being requested.", read_fast),
        {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}});
    specs.zcard = server::with_docs(spec("zcard", 2, readonly | fast, one, {ro},
                                         "Get the number of members in a sorted set", "1.2.0",
                                         "O(1)", read_fast),
                                    {key_arg});
    specs.zcount = server::with_docs(
        spec("zcount", 4, readonly | fast, one, {ro_access},
             "Count the members in a sorted set with scores within the given values", "2.0.0",
             "O(log(N)) with N being the number of elements in the sorted set.", read_fast),
        {key_arg,
         {.name = "min", .type = arg_type::double_},
         {.name = "max", .type = arg_type::double_}});
    specs.zlexcount = server::with_docs(
        spec("zlexcount", 4, readonly | fast, one, {ro_access},
             "Count the number of members in a sorted set between a given lexicographical range",
             "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.",
             read_fast),
        {key_arg,
         {.name = "min", .type = arg_type::string},
         {.name = "max", .type = arg_type::string}});
    specs.zrank = server::with_docs(spec("zrank", 3, readonly | fast, one, {ro_access},
                                         "Determine the index of a member in a sorted set", "2.0.0",
                                         "O(log(N))", read_fast),
                                    {key_arg, {.name = "member", .type = arg_type::string}});
    specs.zrevrank = server::with_docs(spec("zrevrank", 3, readonly | fast, one, {ro_access},
                                            "Determine the index of a member in a sorted set, with "
                                            "scores ordered from high to low",
                                            "2.0.0", "O(log(N))", read_fast),
                                       {key_arg, {.name = "member", .type = arg_type::string}});
    specs.zrange = server::with_docs(
        spec("zrange", -4, readonly, one, {ro_access}, "Return a range of members in a sorted set",
             "1.2.0", range_cost, read_slow),
        {key_arg,
         {.name = "start", .type = arg_type::string},
         {.name = "stop", .type = arg_type::string},
         since(sortby, "6.2.0"),
         since(rev, "6.2.0"),
         since(limit, "6.2.0"),
         withscores},
        {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}});
    specs.zrangestore = server::with_docs(
        spec("zrangestore", -5, write | denyoom, {1, 2, 1},
             {ow_update, {.flags = key_flag::ro | key_flag::access, .begin = {.index = 2}}},
             "Store a range of members from sorted set into another key", "6.2.0",
             "O(log(N)+M) with N being the number of elements in the sorted set and M the "
             "number of elements stored into the destination key.",
             write_slow),
        {{.name = "dst", .type = arg_type::key, .key_spec_index = 0},
         {.name = "src", .type = arg_type::key, .key_spec_index = 1},
         {.name = "min", .type = arg_type::string},
         {.name = "max", .type = arg_type::string},
         sortby,
         rev,
         limit});
    specs.zrevrange = deprecated(
        server::with_docs(spec("zrevrange", -4, readonly, one, {ro_access},
                               "Return a range of members in a sorted set, by index, with scores "
                               "ordered from high to low",
                               "1.2.0", range_cost, read_slow),
                          {key_arg,
                           {.name = "start", .type = arg_type::integer},
                           {.name = "stop", .type = arg_type::integer},
                           withscores}),
        "6.2.0", "`ZRANGE` with the `REV` argument");
    specs.zrangebyscore =
        deprecated(server::with_docs(spec("zrangebyscore", -4, readonly, one, {ro_access},
                                          "Return a range of members in a sorted set, by score",
                                          "1.0.5", limited_range_cost, read_slow),
                                     {key_arg,
                                      {.name = "min", .type = arg_type::double_},
                                      {.name = "max", .type = arg_type::double_},
                                      since(withscores, "2.0.0"),
                                      limit},
                                     {{"2.0.0", "Added the `WITHSCORES` modifier."}}),
                   "6.2.0", "`ZRANGE` with the `BYSCORE` argument");
    specs.zrevrangebyscore = deprecated(
        server::with_docs(spec("zrevrangebyscore", -4, readonly, one, {ro_access},
                               "Return a range of members in a sorted set, by score, with scores "
                               "ordered from high to low",
                               "2.2.0", limited_range_cost, read_slow),
                          {key_arg,
                           {.name = "max", .type = arg_type::double_},
                           {.name = "min", .type = arg_type::double_},
                           withscores,
                           limit},
                          {{"2.1.6", "`min` and `max` can be exclusive."}}),
        "6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments");
    specs.zrangebylex = deprecated(
        server::with_docs(spec("zrangebylex", -4, readonly, one, {ro_access},
                               "Return a range of members in a sorted set, by lexicographical "
                               "range",
                               "2.8.9", limited_range_cost, read_slow),
                          {key_arg,
                           {.name = "min", .type = arg_type::string},
                           {.name = "max", .type = arg_type::string},
                           limit}),
        "6.2.0", "`ZRANGE` with the `BYLEX` argument");
    specs.zrevrangebylex = deprecated(
        server::with_docs(spec("zrevrangebylex", -4, readonly, one, {ro_access},
                               "Return a range of members in a sorted set, by lexicographical "
                               "range, ordered from higher to lower strings.",
                               "2.8.9", limited_range_cost, read_slow),
                          {key_arg,
                           {.name = "max", .type = arg_type::string},
                           {.name = "min", .type = arg_type::string},
                           limit}),
        "6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments");
    specs.zpopmin = server::with_docs(
        spec("zpopmin", -2, write | fast, one, {rw_access_delete},
             "Remove and return members with the lowest scores in a sorted set", "5.0.0",
             "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
             "the number of elements popped.",
             write_fast),
        {key_arg, {.name = "count", .type = arg_type::integer, .flags = arg_flag::optional}});
    specs.zpopmax = server::with_docs(
        spec("zpopmax", -2, write | fast, one, {rw_access_delete},
             "Remove and return members with the highest scores in a sorted set", "5.0.0",
             "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
             "the number of elements popped.",
             write_fast),
        {key_arg, {.name = "count", .type = arg_type::integer, .flags = arg_flag::optional}});
    const server::key_positions store_keys{1, 1, 1};
    // The ZUNION / ZINTER / ZDIFF family (and its STORE forms): numkeys-counted source keys,
    // WEIGHTS and AGGREGATE where they combine scores, WITHSCORES where they reply.
    const server::key_spec numkeys_sources{.flags = key_flag::ro | key_flag::access,
                                           .find = server::key_count(0, 1, 1)};
    server::key_spec store_sources = numkeys_sources;
    store_sources.begin = {.index = 2};
    const std::vector<server::command_arg> weights_and_aggregate{
        {.name = "weight",
         .type = arg_type::integer,
         .token = "WEIGHTS",
         .flags = arg_flag::optional | arg_flag::multiple},
        {.name = "aggregate",
         .type = arg_type::oneof,
         .token = "AGGREGATE",
         .flags = arg_flag::optional,
         .arguments = {{.name = "sum", .type = arg_type::pure_token, .token = "SUM"},
                       {.name = "min", .type = arg_type::pure_token, .token = "MIN"},
                       {.name = "max", .type = arg_type::pure_token, .token = "MAX"}}}};
    auto store_args = [&](bool weighted) {
        std::vector<server::command_arg> out{
            {.name = "destination", .type = arg_type::key, .key_spec_index = 0},
            {.name = "numkeys", .type = arg_type::integer},
            {.name = "key",
             .type = arg_type::key,
             .key_spec_index = 1,
             .flags = arg_flag::multiple}};
        if (weighted)
            out.insert(out.end(), weights_and_aggregate.begin(), weights_and_aggregate.end());
        return out;
    };
    auto combine_args = [&](bool weighted) {
        std::vector<server::command_arg> out{{.name = "numkeys", .type = arg_type::integer},
                                             keys_arg};
        if (weighted)
            out.insert(out.end(), weights_and_aggregate.begin(), weights_and_aggregate.end());
        out.push_back(withscores);
        return out;
    };
    const std::string multi_cost =
        "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of "
        "elements in the resulting sorted set.";
    specs.zunionstore = server::with_docs(
        spec("zunionstore", -4, write | denyoom | command_flag::movablekeys, store_keys,
             {ow_update, store_sources},
             "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
             "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and "
             "M being the number of elements in the resulting sorted set.",
             write_slow),
        store_args(true));
    specs.zinterstore = server::with_docs(
        spec("zinterstore", -4, write | denyoom | command_flag::movablekeys, store_keys,
             {ow_update, store_sources},
             "Intersect multiple sorted sets and store the resulting sorted set in a new key",
             "2.0.0",
             "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
             "being the number of input sorted sets and M being the number of elements in the "
             "resulting sorted set.",
             write_slow),
        store_args(true));
    specs.zdiffstore = server::with_docs(
        spec("zdiffstore", -4, write | denyoom | command_flag::movablekeys, store_keys,
             {ow_update, store_sources},
             "Subtract multiple sorted sets and store the resulting sorted set in a new key",
             "6.2.0",
             "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
             "sets, N is the size of the first set, and K is the size of the result set.",
             write_slow),
        store_args(false));
    specs.zunion = server::with_docs(spec("zunion", -3, readonly | command_flag::movablekeys, {},
                                          {numkeys_sources}, "Add multiple sorted sets", "6.2.0",
                                          multi_cost, read_slow),
                                     combine_args(true));
    specs.zinter = server::with_docs(
        spec("zinter", -3, readonly | command_flag::movablekeys, {}, {numkeys_sources},
             "Intersect multiple sorted sets", "6.2.0",
             "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
             "being the number of input sorted sets and M being the number of elements in the "
             "resulting sorted set.",
             read_slow),
        combine_args(true));
    specs.zdiff = server::with_docs(
        spec("zdiff", -3, readonly | command_flag::movablekeys, {}, {numkeys_sources},
             "Subtract multiple sorted sets", "6.2.0",
             "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
             "sets, N is the size of the first set, and K is the size of the result set.",
             read_slow),
        combine_args(false));
    specs.zintercard = server::with_docs(
        spec("zintercard", -3, readonly | command_flag::movablekeys, {}, {numkeys_sources},
             "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
             "O(N*K) worst case with N being the smallest input sorted set, K being the number "
             "of input sorted sets.",
             read_slow),
        {{.name = "numkeys", .type = arg_type::integer},
         keys_arg,
         {.name = "limit",
          .type = arg_type::integer,
          .token = "LIMIT",
          .flags = arg_flag::optional}});
    specs.zscan = element_scan_spec(
        spec, "zscan", "Incrementally iterate sorted sets elements and associated scores",
        read_slow);
    specs.zrandmember = server::with_docs(
        spec("zrandmember", -2, readonly, one, {ro_access},
             "Get one or multiple random elements from a sorted set", "6.2.0",
             "O(N) where N is the number of elements returned", read_slow,
             {"nondeterministic_output"}),
        {key_arg,
         {.name = "options",
          .type = arg_type::block,
          .flags = arg_flag::optional,
          .arguments = {{.name = "count", .type = arg_type::integer}, withscores}}});
    specs.zmpop = server::with_docs(
        spec("zmpop", -4, write | command_flag::movablekeys, {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .find = server::key_count(0, 1, 1)}},
             "Remove and return members with scores in a sorted set", "7.0.0",
             "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
             "elements in the sorted set, and M being the number of elements popped.",
             write_slow),
        {{.name = "numkeys", .type = arg_type::integer},
         keys_arg,
         {.name = "where",
          .type = arg_type::oneof,
          .arguments = {{.name = "min", .type = arg_type::pure_token, .token = "MIN"},
                        {.name = "max", .type = arg_type::pure_token, .token = "MAX"}}},
         {.name = "count",
          .type = arg_type::integer,
          .token = "COUNT",
          .flags = arg_flag::optional}});
    const command_flag blocking = command_flag::noscript | command_flag::blocking;
    const std::vector<server::command_history> timeout_history{
        {"6.0.0", "`timeout` is interpreted as a double instead of an integer."}};
    const server::command_arg timeout_arg_doc{.name = "timeout", .type = arg_type::double_};
    specs.bzpopmin = server::with_docs(
        spec("bzpopmin", -3, write | blocking | fast, {1, -2, 1},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .find = server::key_range(-2)}},
             "Remove and return the member with the lowest score from one or "
             "more sorted sets, or block until one is available",
             "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.",
             {"@write", "@sortedset", "@fast", "@blocking"}),
        {keys_arg, timeout_arg_doc}, timeout_history);
    specs.bzpopmax = server::with_docs(
        spec("bzpopmax", -3, write | blocking | fast, {1, -2, 1},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .find = server::key_range(-2)}},
             "Remove and return the member with the highest score from one or "
             "more sorted sets, or block until one is available",
             "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.",
             {"@write", "@sortedset", "@fast", "@blocking"}),
        {keys_arg, timeout_arg_doc}, timeout_history);
    specs.bzmpop = server::with_docs(
        spec("bzmpop", -5, write | command_flag::blocking | command_flag::movablekeys, {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::delete_,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1)}},
             "Remove and return members with scores in a sorted set or block until one is "
             "available",
             "7.0.0",
             "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
             "elements in the sorted set, and M being the number of elements popped.",
             {"@write", "@sortedset", "@slow", "@blocking"}),
        {timeout_arg_doc,
         {.name = "numkeys", .type = arg_type::integer},
         keys_arg,
         {.name = "where",
          .type = arg_type::oneof,
          .arguments = {{.name = "min", .type = arg_type::pure_token, .token = "MIN"},
                        {.name = "max", .type = arg_type::pure_token, .token = "MAX"}}},
         {.name = "count",
          .type = arg_type::integer,
          .token = "COUNT",
          .flags = arg_flag::optional}});
    const std::string removed_cost = "O(log(N)+M) with N being the number of elements in the sorted set and M "
                                     "the number of elements removed by the operation.";
    specs.zremrangebyscore = server::with_docs(
        spec("zremrangebyscore", 4, write, one, {rw_delete},
             "Remove all members in a sorted set within the given scores", "1.2.0", removed_cost, write_slow),
        {key_arg, {.name = "min", .type = arg_type::double_}, {.name = "max", .type = arg_type::double_}});
    specs.zremrangebyrank = server::with_docs(
        spec("zremrangebyrank", 4, write, one, {rw_delete},
             "Remove all members in a sorted set within the given indexes", "2.0.0", removed_cost, write_slow),
        {key_arg, {.name = "start", .type = arg_type::integer}, {.name = "stop", .type = arg_type::integer}});
    specs.zremrangebylex = server::with_docs(
        spec("zremrangebylex", 4, write, one, {rw_delete},
             "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
             removed_cost, write_slow),
        {key_arg, {.name = "min", .type = arg_type::string}, {.name = "max", .type = arg_type::string}});
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the HyperLogLog commands (hyperloglog.hpp): name, arity, flags, key specs,
/// and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the HyperLogLog commands, one member per command.
struct hyperloglog_specs {
    server::command_spec pfadd, pfcount, pfmerge, pfdebug, pfselftest;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline hyperloglog_specs hyperloglog_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    hyperloglog_specs specs;
    const spec_builder spec{"hyperloglog"};
    const command_flag write = command_flag::write;
    const command_flag denyoom = command_flag::denyoom;
    const command_flag admin = command_flag::admin;

    specs.pfadd = server::with_docs(
        spec("pfadd", -2, write | denyoom | command_flag::fast, {1, 1, 1},
             {{.flags = key_flag::rw | key_flag::insert}}, "Adds the specified elements to the specified HyperLogLog.",
             "2.8.9", "O(1) to add every element.", {"@write", "@hyperloglog", "@fast"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "element", .type = arg_type::string, .flags = arg_flag::optional | arg_flag::multiple}});

    specs.pfcount = server::with_docs(
        spec("pfcount", -2, command_flag::readonly | command_flag::may_replicate, {1, -1, 1},
             {{.flags = key_flag::rw | key_flag::access,
               .find = server::key_range(-1),
               .notes = "RW because it may change the internal representation of the key, and propagate to "
                        "replicas"}},
             "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", "2.8.9",
             "O(1) with a very small average constant time when called with a single key. O(N) with N being the "
             "number of keys, and much bigger constant times, when called with multiple keys.",
             {"@read", "@hyperloglog", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple}});

    specs.pfmerge = server::with_docs(
        spec("pfmerge", -2, write | denyoom, {1, -1, 1},
             {{.flags = key_flag::rw | key_flag::access | key_flag::insert},
              {.flags = key_flag::ro | key_flag::access, .begin = {.index = 2}, .find = server::key_range(-1)}},
             "Merge N different HyperLogLogs into a single one.", "2.8.9",
             "O(N) to merge N HyperLogLogs, but with high constant times.", {"@write", "@hyperloglog", "@slow"}),
        {{.name = "destkey", .type = arg_type::key, .key_spec_index = 0},
         {.name = "sourcekey", .type = arg_type::key, .key_spec_index = 1, .flags = arg_flag::multiple}});

    server::command_spec pfdebug =
        spec("pfdebug", 3, write | denyoom | admin, {2, 2, 1},
             {{.flags = key_flag::rw | key_flag::access, .begin = {.index = 2}}},
             "Internal commands for debugging HyperLogLog values", "2.8.9", "N/A",
             {"@write", "@hyperloglog", "@admin", "@slow", "@dangerous"});
    pfdebug.doc_flags = {"syscmd"};
    specs.pfdebug = server::with_docs(std::move(pfdebug), {{.name = "subcommand", .type = arg_type::string},
                                                           {.name = "key", .type = arg_type::key, .key_spec_index = 0}});

    specs.pfselftest = spec("pfselftest", 1, admin, {}, "An internal command for testing HyperLogLog values", "2.8.9",
                            "N/A", {"@hyperloglog", "@admin", "@slow", "@dangerous"});
    specs.pfselftest.doc_flags = {"syscmd"};
    return specs;
}

} // namespace respkit::commands

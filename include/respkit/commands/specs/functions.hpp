#pragma once

/// \file
/// Redis 7.0's specs of FCALL, FCALL_RO and FUNCTION with its subcommands
/// (commands/functions.hpp), with their COMMAND DOCS (from Redis's src/commands/*.json,
/// tools/spec-from-json).

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the function commands (FUNCTION's subcommands named function_<name>).
struct function_specs {
    server::command_spec fcall, fcall_ro, function, function_delete, function_dump, function_flush,
        function_help, function_kill, function_list, function_load, function_restore,
        function_stats;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline function_specs function_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    const spec_builder spec{"scripting"};
    function_specs specs;
    specs.fcall = server::with_docs(
        spec("fcall", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::may_replicate |
                 command_flag::no_mandatory_keys | command_flag::stale | command_flag::movablekeys,
             {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::update,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1),
               .notes = "We cannot tell how the keys will be used so we assume the worst, RW and "
                        "UPDATE"}},
             "Invoke a function", "7.0.0", "Depends on the function that is executed.",
             {"@slow", "@scripting"}),
        {{.name = "function", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.fcall_ro = server::with_docs(
        spec("fcall_ro", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::no_mandatory_keys |
                 command_flag::stale | command_flag::readonly | command_flag::movablekeys,
             {},
             {{.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1),
               .notes = "We cannot tell how the keys will be used so we assume the worst, RO and "
                        "ACCESS"}},
             "Invoke a read-only function", "7.0.0", "Depends on the function that is executed.",
             {"@slow", "@scripting"}),
        {{.name = "function", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.function = server::with_docs(spec("function", -2, command_flag::none, {},
                                            "A container for function commands", "7.0.0",
                                            "Depends on subcommand.", {"@slow"}),
                                       {});
    specs.function_delete = server::with_docs(
        spec("delete", 3, command_flag::noscript | command_flag::write, {},
             "Delete a function by name", "7.0.0", "O(1)", {"@write", "@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:all_succeeded"}),
        {{.name = "library-name", .type = arg_type::string}});
    specs.function_dump =
        server::with_docs(spec("dump", 2, command_flag::noscript, {},
                               "Dump all functions into a serialized binary payload", "7.0.0",
                               "O(N) where N is the number of functions", {"@slow", "@scripting"}),
                          {});
    specs.function_flush = server::with_docs(
        spec("flush", -2, command_flag::noscript | command_flag::write, {},
             "Deleting all functions", "7.0.0", "O(N) where N is the number of functions deleted",
             {"@write", "@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:all_succeeded"}),
        {{.name = "async",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {{.name = "async", .type = arg_type::pure_token, .token = "ASYNC"},
                        {.name = "sync", .type = arg_type::pure_token, .token = "SYNC"}}}});
    specs.function_help =
        server::with_docs(spec("help", 2, command_flag::loading | command_flag::stale, {},
                               "Show helpful text about the different subcommands", "7.0.0", "O(1)",
                               {"@slow", "@scripting"}),
                          {});
    specs.function_kill = server::with_docs(
        spec("kill", 2, command_flag::noscript | command_flag::allow_busy, {},
             "Kill the function currently in execution.", "7.0.0", "O(1)", {"@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:one_succeeded"}),
        {});
    specs.function_list = server::with_docs(
        spec("list", -2, command_flag::noscript, {}, "List information about all the functions",
             "7.0.0", "O(N) where N is the number of functions", {"@slow", "@scripting"},
             {"nondeterministic_output_order"}),
        {{.name = "library-name-pattern",
          .type = arg_type::string,
          .token = "LIBRARYNAME",
          .flags = arg_flag::optional},
         {.name = "withcode",
          .type = arg_type::pure_token,
          .token = "WITHCODE",
          .flags = arg_flag::optional}});
    specs.function_load = server::with_docs(
        spec("load", -3, command_flag::noscript | command_flag::write | command_flag::denyoom, {},
             "Create a function with the given arguments (name, code, description)", "7.0.0",
             "O(1) (considering compilation time is redundant)", {"@write", "@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:all_succeeded"}),
        {{.name = "replace",
          .type = arg_type::pure_token,
          .token = "REPLACE",
          .flags = arg_flag::optional},
         {.name = "function-code", .type = arg_type::string}});
    specs.function_restore = server::with_docs(
        spec("restore", -3, command_flag::noscript | command_flag::write | command_flag::denyoom,
             {}, "Restore all the functions on the given payload", "7.0.0",
             "O(N) where N is the number of functions on the payload",
             {"@write", "@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:all_succeeded"}),
        {{.name = "serialized-value", .type = arg_type::string},
         {.name = "policy",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {{.name = "flush", .type = arg_type::pure_token, .token = "FLUSH"},
                        {.name = "append", .type = arg_type::pure_token, .token = "APPEND"},
                        {.name = "replace", .type = arg_type::pure_token, .token = "REPLACE"}}}});
    specs.function_stats = server::with_docs(
        spec(
            "stats", 2, command_flag::noscript | command_flag::allow_busy, {},
            "Return information about the function currently running (name, description, duration)",
            "7.0.0", "O(1)", {"@slow", "@scripting"},
            {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}),
        {});
    return specs;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands

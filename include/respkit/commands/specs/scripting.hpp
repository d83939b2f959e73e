#pragma once

/// \file
/// Redis 7.0's specs of EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT with its subcommands
/// (commands/scripting.hpp), with their COMMAND DOCS (from Redis's src/commands/*.json,
/// tools/spec-from-json).

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the scripting commands (SCRIPT's subcommands named script_<name>).
struct scripting_specs {
    server::command_spec eval, evalsha, eval_ro, evalsha_ro, script, script_load, script_exists,
        script_flush, script_kill, script_help, script_debug;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline scripting_specs scripting_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    const spec_builder spec{"scripting"};
    scripting_specs specs;
    specs.eval = server::with_docs(
        spec("eval", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::may_replicate |
                 command_flag::no_mandatory_keys | command_flag::stale | command_flag::movablekeys,
             {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::update,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1),
               .notes = "We cannot tell how the keys will be used so we assume the worst, RW and "
                        "UPDATE"}},
             "Execute a Lua script server side", "2.6.0", "Depends on the script that is executed.",
             {"@slow", "@scripting"}),
        {{.name = "script", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.evalsha = server::with_docs(
        spec("evalsha", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::may_replicate |
                 command_flag::no_mandatory_keys | command_flag::stale | command_flag::movablekeys,
             {},
             {{.flags = key_flag::rw | key_flag::access | key_flag::update,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1)}},
             "Execute a Lua script server side", "2.6.0", "Depends on the script that is executed.",
             {"@slow", "@scripting"}),
        {{.name = "sha1", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.eval_ro = server::with_docs(
        spec("eval_ro", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::no_mandatory_keys |
                 command_flag::stale | command_flag::readonly | command_flag::movablekeys,
             {},
             {{.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1),
               .notes = "We cannot tell how the keys will be used so we assume the worst, RO and "
                        "ACCESS"}},
             "Execute a read-only Lua script server side", "7.0.0",
             "Depends on the script that is executed.", {"@slow", "@scripting"}),
        {{.name = "script", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.evalsha_ro = server::with_docs(
        spec("evalsha_ro", -3,
             command_flag::noscript | command_flag::skip_monitor | command_flag::no_mandatory_keys |
                 command_flag::stale | command_flag::readonly | command_flag::movablekeys,
             {},
             {{.flags = key_flag::ro | key_flag::access,
               .begin = {.index = 2},
               .find = server::key_count(0, 1, 1)}},
             "Execute a read-only Lua script server side", "7.0.0",
             "Depends on the script that is executed.", {"@slow", "@scripting"}),
        {{.name = "sha1", .type = arg_type::string},
         {.name = "numkeys", .type = arg_type::integer},
         {.name = "key",
          .type = arg_type::key,
          .key_spec_index = 0,
          .flags = arg_flag::optional | arg_flag::multiple},
         {.name = "arg",
          .type = arg_type::string,
          .flags = arg_flag::optional | arg_flag::multiple}});
    specs.script = server::with_docs(spec("script", -2, command_flag::none, {},
                                          "A container for Lua scripts management commands",
                                          "2.6.0", "Depends on subcommand.", {"@slow"}),
                                     {});
    specs.script_load = server::with_docs(
        spec("load", 3, command_flag::noscript | command_flag::stale, {},
             "Load the specified Lua script into the script cache.", "2.6.0",
             "O(N) with N being the length in bytes of the script body.", {"@slow", "@scripting"},
             {"request_policy:all_nodes", "response_policy:all_succeeded"}),
        {{.name = "script", .type = arg_type::string}});
    specs.script_exists = server::with_docs(
        spec("exists", -3, command_flag::noscript, {},
             "Check existence of scripts in the script cache.", "2.6.0",
             "O(N) with N being the number of scripts to check (so checking a single script is an "
             "O(1) operation).",
             {"@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:agg_logical_and"}),
        {{.name = "sha1", .type = arg_type::string, .flags = arg_flag::multiple}});
    specs.script_flush = server::with_docs(
        spec("flush", -2, command_flag::noscript, {},
             "Remove all the scripts from the script cache.", "2.6.0",
             "O(N) with N being the number of scripts in cache", {"@slow", "@scripting"},
             {"request_policy:all_nodes", "response_policy:all_succeeded"}),
        {{.name = "async",
          .type = arg_type::oneof,
          .since = "6.2.0",
          .flags = arg_flag::optional,
          .arguments = {{.name = "async", .type = arg_type::pure_token, .token = "ASYNC"},
                        {.name = "sync", .type = arg_type::pure_token, .token = "SYNC"}}}},
        {{"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}});
    specs.script_kill = server::with_docs(
        spec("kill", 2, command_flag::noscript | command_flag::allow_busy, {},
             "Kill the script currently in execution.", "2.6.0", "O(1)", {"@slow", "@scripting"},
             {"request_policy:all_shards", "response_policy:one_succeeded"}),
        {});
    specs.script_help =
        server::with_docs(spec("help", 2, command_flag::loading | command_flag::stale, {},
                               "Show helpful text about the different subcommands", "5.0.0", "O(1)",
                               {"@slow", "@scripting"}),
                          {});
    specs.script_debug = server::with_docs(
        spec("debug", 3, command_flag::noscript, {}, "Set the debug mode for executed scripts.",
             "3.2.0", "O(1)", {"@slow", "@scripting"}),
        {{.name = "mode",
          .type = arg_type::oneof,
          .arguments = {{.name = "yes", .type = arg_type::pure_token, .token = "YES"},
                        {.name = "sync", .type = arg_type::pure_token, .token = "SYNC"},
                        {.name = "no", .type = arg_type::pure_token, .token = "NO"}}}});
    return specs;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands

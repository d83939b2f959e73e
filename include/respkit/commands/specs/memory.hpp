#pragma once

/// \file
/// Redis 7.0's specs of MEMORY and its subcommands (memory.hpp), with their COMMAND DOCS.

#include <string>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of MEMORY (the container) and its subcommands.
struct memory_specs {
    server::command_spec memory, doctor, help, malloc_stats, purge, stats, usage;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline memory_specs memory_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    const spec_builder spec{"server"};
    const std::vector<std::string> special = {"nondeterministic_output", "request_policy:all_shards",
                                              "response_policy:special"};
    memory_specs specs;
    specs.memory = spec("memory", -2, command_flag::none, {}, "A container for memory diagnostics commands", "4.0.0",
                        "Depends on subcommand.", {"@slow"});
    specs.doctor = spec("doctor", 2, command_flag::none, {}, "Outputs memory problems report", "4.0.0", "O(1)",
                        {"@slow"}, special);
    specs.help = help_subcommand("server", "4.0.0", command_flag::loading | command_flag::stale, {"@slow"});
    specs.malloc_stats = spec("malloc-stats", 2, command_flag::none, {}, "Show allocator internal stats", "4.0.0",
                              "Depends on how much memory is allocated, could be slow", {"@slow"}, special);
    specs.purge = spec("purge", 2, command_flag::none, {}, "Ask the allocator to release memory", "4.0.0",
                       "Depends on how much memory is allocated, could be slow", {"@slow"},
                       {"request_policy:all_shards", "response_policy:all_succeeded"});
    specs.stats = spec("stats", 2, command_flag::none, {}, "Show memory usage details", "4.0.0", "O(1)", {"@slow"},
                       special);
    specs.usage = server::with_docs(
        spec("usage", -3, command_flag::readonly, {2, 2, 1}, {{.flags = key_flag::ro, .begin = {.index = 2}}},
             "Estimate the memory usage of a key", "4.0.0", "O(N) where N is the number of samples.",
             {"@read", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "count", .type = arg_type::integer, .token = "SAMPLES", .flags = arg_flag::optional}});
    return specs;
}

} // namespace respkit::commands

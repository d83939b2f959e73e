#pragma once

/// \file
/// Redis 7.0's specs of the persistence commands (persistence.hpp): SAVE, BGSAVE, BGREWRITEAOF,
/// DEBUG, DUMP, RESTORE and RESTORE-ASKING, as COMMAND INFO and COMMAND DOCS show them.

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the persistence commands, one member per command.
struct persistence_specs {
    server::command_spec save, bgsave, bgrewriteaof, debug, dump, restore, restore_asking;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline persistence_specs persistence_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    persistence_specs specs;
    const spec_builder server_spec{"server"};
    const spec_builder generic_spec{"generic"};
    const command_flag admin = command_flag::admin | command_flag::noscript;
    const std::vector<std::string> admin_acl = {"@admin", "@slow", "@dangerous"};

    specs.save = server_spec("save", 1, admin | command_flag::no_async_loading | command_flag::no_multi, {},
                             "Synchronously save the dataset to disk", "1.0.0",
                             "O(N) where N is the total number of keys in all databases", admin_acl);
    specs.bgsave = server::with_docs(
        server_spec("bgsave", -1, admin | command_flag::no_async_loading, {}, "Asynchronously save the dataset to disk",
                    "1.0.0", "O(1)", admin_acl),
        {{.name = "schedule", .type = arg_type::pure_token, .token = "SCHEDULE", .since = "3.2.2",
          .flags = arg_flag::optional}},
        {{"3.2.2", "Added the `SCHEDULE` option."}});
    specs.bgrewriteaof = server_spec("bgrewriteaof", 1, admin | command_flag::no_async_loading, {},
                                     "Asynchronously rewrite the append-only file", "1.0.0", "O(1)", admin_acl);
    specs.debug = server_spec("debug", -2, admin | command_flag::loading | command_flag::stale, {},
                              "A container for debugging commands", "1.0.0", "Depends on subcommand.", admin_acl);
    specs.debug.doc_flags = {"syscmd"};

    specs.dump = server::with_docs(
        generic_spec("dump", 2, command_flag::readonly, {1, 1, 1}, {{.flags = key_flag::ro | key_flag::access}},
                     "Return a serialized version of the value stored at the specified key.", "2.6.0",
                     "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis "
                     "objects composing the value and M their average size. For small string values the time "
                     "complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
                     {"@keyspace", "@read", "@slow"}, {"nondeterministic_output"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0}});
    specs.restore = server::with_docs(
        generic_spec("restore", -4, command_flag::write | command_flag::denyoom, {1, 1, 1},
                     {{.flags = key_flag::ow | key_flag::update}},
                     "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0",
                     "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N "
                     "is the number of Redis objects composing the value and M their average size. For small string "
                     "values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for "
                     "sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is "
                     "O(log(N)).",
                     {"@keyspace", "@write", "@slow", "@dangerous"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "ttl", .type = arg_type::integer},
         {.name = "serialized-value", .type = arg_type::string},
         {.name = "replace", .type = arg_type::pure_token, .token = "REPLACE", .since = "3.0.0",
          .flags = arg_flag::optional},
         {.name = "absttl", .type = arg_type::pure_token, .token = "ABSTTL", .since = "5.0.0",
          .flags = arg_flag::optional},
         {.name = "seconds", .type = arg_type::integer, .token = "IDLETIME", .since = "5.0.0",
          .flags = arg_flag::optional},
         {.name = "frequency", .type = arg_type::integer, .token = "FREQ", .since = "5.0.0",
          .flags = arg_flag::optional}},
        {{"3.0.0", "Added the `REPLACE` modifier."},
         {"5.0.0", "Added the `ABSTTL` modifier."},
         {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}});
    // RESTORE-ASKING: RESTORE's arguments, flagged `asking` (what MIGRATE sends in cluster mode).
    specs.restore_asking = server_spec("restore-asking", -4,
                                       command_flag::write | command_flag::denyoom | command_flag::asking, {1, 1, 1},
                                       {{.flags = key_flag::ow | key_flag::update}},
                                       "An internal command for migrating keys in a cluster", "3.0.0",
                                       specs.restore.complexity, {"@keyspace", "@write", "@slow", "@dangerous"});
    specs.restore_asking.doc_flags = {"syscmd"};
    specs.restore_asking.arguments = specs.restore.arguments;
    specs.restore_asking.history = specs.restore.history;
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the replication commands (replication.hpp): ROLE, WAIT, REPLICAOF,
/// SLAVEOF, SYNC, PSYNC, REPLCONF and FAILOVER, with their COMMAND DOCS.

#include <string>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the replication commands, one member per command.
struct replication_specs {
    server::command_spec role, wait, replicaof, slaveof, sync, psync, replconf, failover;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline replication_specs replication_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    replication_specs specs;
    const spec_builder spec{"server"};
    const std::vector<std::string> admin_acl = {"@admin", "@slow", "@dangerous"};
    specs.role = {.name = "role",
                  .arity = 1,
                  .flags = command_flag::noscript | command_flag::loading | command_flag::stale | command_flag::fast,
                  .group = "server",
                  .summary = "Return the role of the instance in the context of replication",
                  .since = "2.8.12",
                  .complexity = "O(1)",
                  .acl_categories = {"@admin", "@fast", "@dangerous"}};
    specs.wait = {.name = "wait",
                  .arity = 3,
                  .flags = command_flag::noscript,
                  .group = "generic",
                  .summary = "Wait for the synchronous replication of all the write commands sent in the context of "
                             "the current connection",
                  .since = "3.0.0",
                  .complexity = "O(1)",
                  .acl_categories = {"@slow", "@connection"},
                  .tips = {"request_policy:all_shards", "response_policy:agg_min"},
                  .arguments = {{.name = "numreplicas", .type = arg_type::integer},
                                {.name = "timeout", .type = arg_type::integer}}};
    // REPLICAOF host port | NO ONE; SLAVEOF is its deprecated name.
    const std::vector<server::command_arg> replicaof_args = {
        {.name = "args",
         .type = arg_type::oneof,
         .arguments = {{.name = "host-port",
                        .type = arg_type::block,
                        .arguments = {{.name = "host", .type = arg_type::string},
                                      {.name = "port", .type = arg_type::integer}}},
                       {.name = "no-one",
                        .type = arg_type::block,
                        .arguments = {{.name = "no", .type = arg_type::pure_token, .token = "NO"},
                                      {.name = "one", .type = arg_type::pure_token, .token = "ONE"}}}}}};
    const command_flag replicaof_flags =
        command_flag::no_async_loading | command_flag::admin | command_flag::noscript | command_flag::stale;
    const std::string replicaof_summary = "Make the server a replica of another instance, or promote it as master.";
    specs.replicaof = server::with_docs(spec("replicaof", 3, replicaof_flags, {}, replicaof_summary, "5.0.0", "O(1)", admin_acl),
                                        replicaof_args);
    specs.slaveof = server::with_docs(
        deprecated(spec("slaveof", 3, replicaof_flags, {}, replicaof_summary, "1.0.0", "O(1)", admin_acl), "5.0.0",
                   "`REPLICAOF`"),
        replicaof_args);

    const command_flag sync_flags =
        command_flag::no_async_loading | command_flag::admin | command_flag::no_multi | command_flag::noscript;
    specs.sync = spec("sync", 1, sync_flags, {}, "Internal command used for replication", "1.0.0", "", admin_acl);
    specs.psync = server::with_docs(
        spec("psync", -3, sync_flags, {}, "Internal command used for replication", "2.8.0", "", admin_acl),
        {{.name = "replicationid", .type = arg_type::string}, {.name = "offset", .type = arg_type::integer}});
    specs.replconf = spec("replconf", -1,
                          command_flag::admin | command_flag::noscript | command_flag::loading | command_flag::stale |
                              command_flag::allow_busy,
                          {}, "An internal command for configuring the replication stream", "3.0.0", "O(1)", admin_acl);
    specs.replconf.doc_flags = {"syscmd"};
    specs.failover = server::with_docs(
        spec("failover", -1, command_flag::admin | command_flag::noscript | command_flag::stale, {},
             "Start a coordinated failover between this server and one of its replicas.", "6.2.0", "O(1)", admin_acl),
        {{.name = "target",
          .type = arg_type::block,
          .token = "TO",
          .flags = arg_flag::optional,
          .arguments = {{.name = "host", .type = arg_type::string},
                        {.name = "port", .type = arg_type::integer},
                        {.name = "force", .type = arg_type::pure_token, .token = "FORCE", .flags = arg_flag::optional}}},
         {.name = "abort", .type = arg_type::pure_token, .token = "ABORT", .flags = arg_flag::optional},
         {.name = "milliseconds", .type = arg_type::integer, .token = "TIMEOUT", .flags = arg_flag::optional}});
    return specs;
}

} // namespace respkit::commands

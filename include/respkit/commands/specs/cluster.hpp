#pragma once

/// \file
/// Redis 7.0's specs of the cluster commands (cluster.hpp): CLUSTER and its subcommands, ASKING,
/// READONLY and READWRITE, as COMMAND INFO and COMMAND DOCS show them. Printed from Redis's
/// src/commands/cluster*.json, asking.json, readonly.json and readwrite.json by
/// tools/spec-from-json.

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the cluster commands.
struct cluster_specs {
    server::command_spec cluster, asking, readonly, readwrite;
    server::command_spec cluster_addslots, cluster_addslotsrange, cluster_bumpepoch,
        cluster_count_failure_reports, cluster_countkeysinslot, cluster_delslots,
        cluster_delslotsrange, cluster_failover, cluster_flushslots, cluster_forget,
        cluster_getkeysinslot, cluster_help, cluster_info, cluster_keyslot, cluster_links,
        cluster_meet, cluster_myid, cluster_nodes, cluster_replicas, cluster_replicate,
        cluster_reset, cluster_saveconfig, cluster_set_config_epoch, cluster_setslot,
        cluster_shards, cluster_slaves, cluster_slots;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline cluster_specs cluster_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    cluster_specs specs;
    const spec_builder spec{"cluster"};
    specs.cluster = server::with_docs(spec("cluster", -2, command_flag::none, {},
                                           "A container for cluster commands", "3.0.0",
                                           "Depends on subcommand.", {"@slow"}),
                                      {});
    specs.cluster_addslots = server::with_docs(
        spec("addslots", -3,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Assign new hash slots to receiving node", "3.0.0",
             "O(N) where N is the total number of hash slot arguments",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "slot", .type = arg_type::integer, .flags = arg_flag::multiple}});
    specs.cluster_addslotsrange = server::with_docs(
        spec("addslotsrange", -4,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Assign new hash slots to receiving node", "7.0.0",
             "O(N) where N is the total number of the slots between the start slot and end slot "
             "arguments.",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "start-slot_end-slot",
          .type = arg_type::block,
          .flags = arg_flag::multiple,
          .arguments = {{.name = "start-slot", .type = arg_type::integer},
                        {.name = "end-slot", .type = arg_type::integer}}}});
    specs.cluster_bumpepoch = server::with_docs(
        spec("bumpepoch", 2,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Advance the cluster config epoch", "3.0.0", "O(1)", {"@admin", "@slow", "@dangerous"},
             {"nondeterministic_output"}),
        {});
    specs.cluster_count_failure_reports = server::with_docs(
        spec("count-failure-reports", 3, command_flag::admin | command_flag::stale, {},
             "Return the number of failure reports active for a given node", "3.0.0",
             "O(N) where N is the number of failure reports", {"@admin", "@slow", "@dangerous"},
             {"nondeterministic_output"}),
        {{.name = "node-id", .type = arg_type::string}});
    specs.cluster_countkeysinslot =
        server::with_docs(spec("countkeysinslot", 3, command_flag::stale, {},
                               "Return the number of local keys in the specified hash slot",
                               "3.0.0", "O(1)", {"@slow"}),
                          {{.name = "slot", .type = arg_type::integer}});
    specs.cluster_delslots = server::with_docs(
        spec("delslots", -3,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Set hash slots as unbound in receiving node", "3.0.0",
             "O(N) where N is the total number of hash slot arguments",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "slot", .type = arg_type::integer, .flags = arg_flag::multiple}});
    specs.cluster_delslotsrange = server::with_docs(
        spec("delslotsrange", -4,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Set hash slots as unbound in receiving node", "7.0.0",
             "O(N) where N is the total number of the slots between the start slot and end slot "
             "arguments.",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "start-slot_end-slot",
          .type = arg_type::block,
          .flags = arg_flag::multiple,
          .arguments = {{.name = "start-slot", .type = arg_type::integer},
                        {.name = "end-slot", .type = arg_type::integer}}}});
    specs.cluster_failover = server::with_docs(
        spec("failover", -2,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Forces a replica to perform a manual failover of its master.", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "options",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {{.name = "force", .type = arg_type::pure_token, .token = "FORCE"},
                        {.name = "takeover", .type = arg_type::pure_token, .token = "TAKEOVER"}}}});
    specs.cluster_flushslots = server::with_docs(
        spec("flushslots", 2,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Delete a node's own slots information", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {});
    specs.cluster_forget = server::with_docs(
        spec("forget", 3,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Remove a node from the nodes table", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "node-id", .type = arg_type::string}});
    specs.cluster_getkeysinslot =
        server::with_docs(spec("getkeysinslot", 4, command_flag::stale, {},
                               "Return local key names in the specified hash slot", "3.0.0",
                               "O(log(N)) where N is the number of requested keys", {"@slow"},
                               {"nondeterministic_output"}),
                          {{.name = "slot", .type = arg_type::integer},
                           {.name = "count", .type = arg_type::integer}});
    specs.cluster_help = server::with_docs(
        spec("help", 2, command_flag::loading | command_flag::stale, {},
             "Show helpful text about the different subcommands", "5.0.0", "O(1)", {"@slow"}),
        {});
    specs.cluster_info = server::with_docs(
        spec("info", 2, command_flag::stale, {}, "Provides info about Redis Cluster node state",
             "3.0.0", "O(1)", {"@slow"}, {"nondeterministic_output"}),
        {});
    specs.cluster_keyslot = server::with_docs(
        spec("keyslot", 3, command_flag::stale, {}, "Returns the hash slot of the specified key",
             "3.0.0", "O(N) where N is the number of bytes in the key", {"@slow"}),
        {{.name = "key", .type = arg_type::string}});
    specs.cluster_links =
        server::with_docs(spec("links", 2, command_flag::stale, {},
                               "Returns a list of all TCP links to and from peer nodes in cluster",
                               "7.0.0", "O(N) where N is the total number of Cluster nodes",
                               {"@slow"}, {"nondeterministic_output"}),
                          {});
    specs.cluster_meet = server::with_docs(
        spec("meet", -4, command_flag::no_async_loading | command_flag::admin | command_flag::stale,
             {}, "Force a node cluster to handshake with another node", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "ip", .type = arg_type::string},
         {.name = "port", .type = arg_type::integer},
         {.name = "cluster_bus_port",
          .type = arg_type::integer,
          .since = "4.0.0",
          .flags = arg_flag::optional}},
        {{"4.0.0", "Added the optional `cluster_bus_port` argument."}});
    specs.cluster_myid = server::with_docs(
        spec("myid", 2, command_flag::stale, {}, "Return the node id", "3.0.0", "O(1)", {"@slow"}),
        {});
    specs.cluster_nodes = server::with_docs(
        spec("nodes", 2, command_flag::stale, {}, "Get Cluster config for the node", "3.0.0",
             "O(N) where N is the total number of Cluster nodes", {"@slow"},
             {"nondeterministic_output"}),
        {});
    specs.cluster_replicas =
        server::with_docs(spec("replicas", 3, command_flag::admin | command_flag::stale, {},
                               "List replica nodes of the specified master node", "5.0.0", "O(1)",
                               {"@admin", "@slow", "@dangerous"}, {"nondeterministic_output"}),
                          {{.name = "node-id", .type = arg_type::string}});
    specs.cluster_replicate = server::with_docs(
        spec("replicate", 3,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Reconfigure a node as a replica of the specified master node", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "node-id", .type = arg_type::string}});
    specs.cluster_reset = server::with_docs(
        spec("reset", -2, command_flag::admin | command_flag::stale | command_flag::noscript, {},
             "Reset a Redis Cluster node", "3.0.0",
             "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a "
             "side effect.",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "hard_soft",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {{.name = "hard", .type = arg_type::pure_token, .token = "HARD"},
                        {.name = "soft", .type = arg_type::pure_token, .token = "SOFT"}}}});
    specs.cluster_saveconfig = server::with_docs(
        spec("saveconfig", 2,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Forces the node to save cluster state on disk", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {});
    specs.cluster_set_config_epoch = server::with_docs(
        spec("set-config-epoch", 3,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Set the configuration epoch in a new node", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "config-epoch", .type = arg_type::integer}});
    specs.cluster_setslot = server::with_docs(
        spec("setslot", -4,
             command_flag::no_async_loading | command_flag::admin | command_flag::stale, {},
             "Bind a hash slot to a specific node", "3.0.0", "O(1)",
             {"@admin", "@slow", "@dangerous"}),
        {{.name = "slot", .type = arg_type::integer},
         {.name = "subcommand",
          .type = arg_type::oneof,
          .arguments = {{.name = "node-id", .type = arg_type::string, .token = "IMPORTING"},
                        {.name = "node-id", .type = arg_type::string, .token = "MIGRATING"},
                        {.name = "node-id", .type = arg_type::string, .token = "NODE"},
                        {.name = "stable", .type = arg_type::pure_token, .token = "STABLE"}}}});
    specs.cluster_shards = server::with_docs(
        spec("shards", 2, command_flag::stale, {}, "Get array of cluster slots to node mappings",
             "7.0.0", "O(N) where N is the total number of cluster nodes", {"@slow"},
             {"nondeterministic_output"}),
        {});
    specs.cluster_slaves = server::with_docs(
        deprecated(spec("slaves", 3, command_flag::admin | command_flag::stale, {},
                        "List replica nodes of the specified master node", "3.0.0", "O(1)",
                        {"@admin", "@slow", "@dangerous"}, {"nondeterministic_output"}),
                   "5.0.0", "`CLUSTER REPLICAS`"),
        {{.name = "node-id", .type = arg_type::string}});
    specs.cluster_slots = server::with_docs(
        deprecated(spec("slots", 2, command_flag::stale, {},
                        "Get array of Cluster slot to node mappings", "3.0.0",
                        "O(N) where N is the total number of Cluster nodes", {"@slow"},
                        {"nondeterministic_output"}),
                   "7.0.0", "`CLUSTER SHARDS`"),
        {},
        {{"4.0.0", "Added node IDs."}, {"7.0.0", "Added additional networking metadata field."}});
    specs.asking = server::with_docs(spec("asking", 1, command_flag::fast, {},
                                          "Sent by cluster clients after an -ASK redirect", "3.0.0",
                                          "O(1)", {"@fast", "@connection"}),
                                     {});
    specs.readonly = server::with_docs(
        spec("readonly", 1, command_flag::fast | command_flag::loading | command_flag::stale, {},
             "Enables read queries for a connection to a cluster replica node", "3.0.0", "O(1)",
             {"@fast", "@connection"}),
        {});
    specs.readwrite = server::with_docs(
        spec("readwrite", 1, command_flag::fast | command_flag::loading | command_flag::stale, {},
             "Disables read queries for a connection to a cluster replica node", "3.0.0", "O(1)",
             {"@fast", "@connection"}),
        {});
    return specs;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands

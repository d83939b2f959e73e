#pragma once

/// \file
/// The cluster commands: CLUSTER (every Redis 7.0 subcommand), ASKING, READONLY and READWRITE,
/// with Redis 7.0's specs. Without cluster mode each answers as redis-server does with cluster
/// mode off: "ERR This instance has cluster support disabled", after the dispatcher's checks of
/// the subcommand and its arity; with `cluster-enabled yes`, app::cluster_node replaces the
/// handlers (app/cluster_node.hpp, docs/cluster.md).

#include <utility>

#include "respkit/commands/specs/cluster.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Installs CLUSTER and its subcommands, ASKING, READONLY and READWRITE.
template <class = void>
void install_cluster_commands(server::dispatcher& commands) {
    auto specs = cluster_command_specs();
    const auto disabled = [](server::command_call& call) { call.error("ERR This instance has cluster support disabled"); };
    commands.add(std::move(specs.cluster), {});
    for (server::command_spec* sub :
         {&specs.cluster_addslots, &specs.cluster_addslotsrange, &specs.cluster_bumpepoch,
          &specs.cluster_count_failure_reports, &specs.cluster_countkeysinslot, &specs.cluster_delslots,
          &specs.cluster_delslotsrange, &specs.cluster_failover, &specs.cluster_flushslots, &specs.cluster_forget,
          &specs.cluster_getkeysinslot, &specs.cluster_help, &specs.cluster_info, &specs.cluster_keyslot,
          &specs.cluster_links, &specs.cluster_meet, &specs.cluster_myid, &specs.cluster_nodes, &specs.cluster_replicas,
          &specs.cluster_replicate, &specs.cluster_reset, &specs.cluster_saveconfig, &specs.cluster_set_config_epoch,
          &specs.cluster_setslot, &specs.cluster_shards, &specs.cluster_slaves, &specs.cluster_slots})
        commands.add_subcommand("cluster", std::move(*sub), disabled);
    commands.add(std::move(specs.asking), disabled);
    commands.add(std::move(specs.readonly), disabled);
    commands.add(std::move(specs.readwrite), disabled);
}

} // namespace respkit::commands

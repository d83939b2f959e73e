#pragma once

/// \file
/// The built-in commands umbrella: every family, and one call that installs them all.

#include <cstddef>

#include "respkit/commands/acl.hpp"
#include "respkit/commands/arguments.hpp"
#include "respkit/commands/bitmaps.hpp"
#include "respkit/commands/connection.hpp"
#include "respkit/commands/dump_restore.hpp"
#include "respkit/commands/encoding_config.hpp"
#include "respkit/commands/expire.hpp"
#include "respkit/commands/geo.hpp"
#include "respkit/commands/hashes.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/hyperloglog.hpp"
#include "respkit/commands/install.hpp"
#include "respkit/commands/info.hpp"
#include "respkit/commands/introspection.hpp"
#include "respkit/commands/keys.hpp"
#include "respkit/commands/latency.hpp"
#include "respkit/commands/lists.hpp"
#include "respkit/commands/lolwut.hpp"
#include "respkit/commands/long_double.hpp"
#include "respkit/commands/memory.hpp"
#include "respkit/commands/migrate.hpp"
#include "respkit/commands/modules.hpp"
#include "respkit/commands/multi_key_pop.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/persistence.hpp"
#include "respkit/commands/pubsub.hpp"
#include "respkit/commands/random.hpp"
#include "respkit/commands/redis_version.hpp"
#include "respkit/commands/replication.hpp"
#include "respkit/commands/reply_room.hpp"
#include "respkit/commands/scan.hpp"
#include "respkit/commands/server_admin.hpp"
#include "respkit/commands/sets.hpp"
#include "respkit/commands/cluster.hpp"
#include "respkit/commands/slowlog.hpp"
#include "respkit/commands/sort.hpp"
#include "respkit/commands/start_time.hpp"
#include "respkit/commands/streams.hpp"
#include "respkit/commands/strings.hpp"
#include "respkit/commands/tracking.hpp"
#include "respkit/commands/transactions.hpp"
#include "respkit/commands/zsets.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Installs every built-in command family (connection, server/admin, INFO, COMMAND, strings,
/// SLOWLOG, LATENCY, ROLE, WAIT, MEMORY, LOLWUT, bitmaps, HyperLogLog, keys, DUMP and RESTORE, expiry, lists, hashes, sets, sorted sets, SORT, geo, transactions, pub/sub, persistence)
/// over `keyspace` and `config`, which must outlive the dispatcher. Users may then add, replace
/// or remove any command.
template <class Keyspace>
void install_builtin_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    follow_encoding_config(config, keyspace);
    install_connection_commands(commands, keyspace.db_count());
    install_server_commands(commands, keyspace, config);
    install_info_command(commands, keyspace, config);
    install_slowlog_commands(commands, config);
    install_latency_commands(commands, config);
    install_replication_commands(commands, config);
    install_module_commands(commands, config);
    install_memory_commands(commands, keyspace);
    install_lolwut_command(commands);
    install_command_command(commands);
    install_string_commands(commands, keyspace);
    install_bitmap_commands(commands, keyspace);
    install_hyperloglog_commands(commands, keyspace, config);
    install_key_commands(commands, keyspace);
    install_dump_restore_commands(commands, keyspace);
    install_migrate_command(commands, keyspace, config);
    install_expire_commands(commands, keyspace);
    install_set_commands(commands, keyspace);
    install_zset_commands(commands, keyspace);
    install_sort_commands(commands, keyspace);
    install_cluster_commands(commands);
    install_geo_commands(commands, keyspace);
    install_stream_commands(commands, keyspace);
    install_list_commands(commands, keyspace);
    install_hash_commands(commands, keyspace);
    install_transaction_commands(commands, keyspace);
    install_tracking_commands(commands, keyspace);
    install_pubsub_commands(commands);
    install_persistence_commands(commands, keyspace, config);
    install_acl_commands(commands, config);
}

} // namespace respkit::commands

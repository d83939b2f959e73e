#pragma once

/// \file
/// What respkit's server does with each of Redis 7.0's configuration parameters: implemented,
/// accepted with no observable difference (it only tunes Redis's internals, or a feature that
/// is off), or refused unless it has the value matching what respkit does. The table behind
/// app::install_restrictions and docs/config.md.

#include <respkit/version.hpp>

#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// How respkit's server treats a parameter.
enum class config_support : std::uint8_t {
    implemented, ///< it has its effect
    no_effect,   ///< accepted; nothing observable depends on it in respkit (see `why`)
    refused,     ///< only the `accepted` values; others are refused at start-up and by CONFIG SET
};

/// One parameter's support.
struct config_support_info {
    std::string_view name;     ///< canonical parameter name
    config_support support;    ///< implemented, no effect, or refused
    std::string_view accepted; ///< refused: the values accepted, '|' separated (as CONFIG GET shows them)
    std::string_view why;      ///< what implements it, why nothing depends on it, or what is missing
};

namespace detail {
using enum config_support;
// Reasons shared by whole families of parameters.
inline constexpr std::string_view no_replication = "tunes replication, which is off (replicaof is refused)";
inline constexpr std::string_view no_replicas = "tunes cluster replicas, which respkit's cluster does not have (primaries only)";
inline constexpr std::string_view encoding =
    "tunes Redis's compact encodings; replies are the same (OBJECT ENCODING names the encoding Redis picks at its "
    "default thresholds)";
inline constexpr std::string_view lazyfree = "frees memory in a background thread in Redis; replies are the same";
} // namespace detail

/// Every parameter of Redis 7.0.15 (config_defaults.hpp's table), sorted by name.
inline constexpr config_support_info config_support_table[] = {
    {"acl-pubsub-default", detail::implemented, "", "the channels of ACL users created or reset from then on (commands/acl.hpp)"},
    {"aclfile", detail::implemented, "", "the ACL file: loaded at start-up, ACL LOAD, ACL SAVE (server/access_control.hpp)"},
    {"acllog-max-len", detail::implemented, "", "the most entries ACL LOG keeps"},
    {"active-defrag-cycle-max", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-defrag-cycle-min", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-defrag-ignore-bytes", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-defrag-max-scan-fields", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-defrag-threshold-lower", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-defrag-threshold-upper", detail::no_effect, "", "tunes active defragmentation, which is off"},
    {"active-expire-effort", detail::no_effect, "", "tunes how hard the active expiry cycle works; expired keys are never visible either way"},
    {"activedefrag", detail::refused, "no",
     "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the "
     "one shipped by default with the Redis source distribution"},
    {"activerehashing", detail::implemented, "", "yes: the keyspace's maps finish an incremental resize on the hz timer (1 ms a run) as well as a few buckets per insertion or deletion; no: only the latter"},
    {"always-show-logo", detail::implemented, "", "the start-up banner shows the ASCII logo (also when standard output is a terminal and there is no log file)"},
    {"aof-disable-auto-gc", detail::implemented, "", "yes keeps the history files a rewrite replaced (listed as type h in the manifest) instead of deleting them"},
    {"aof-load-truncated", detail::implemented, "", "a torn tail of the last append-only file is cut off at start-up and the rest loads (no: start-up fails)"},
    {"aof-rewrite-incremental-fsync", detail::implemented, "", "the rewrite child fsyncs the new base every 4 MB written"},
    {"aof-timestamp-enabled", detail::implemented, "", "a #TS:<unix time> annotation before the first command of each second in the incremental file"},
    {"aof-use-rdb-preamble", detail::implemented, "", "yes: a rewrite writes the base file as an RDB (version 10, as Redis 7.0); no: as commands"},
    {"aof_rewrite_cpulist", detail::implemented, "", "pins the append-only file's rewrite child to these CPUs (Redis's list format, \"0-3,8,10-15:2\"; a malformed list leaves it unpinned, as Redis)"},
    {"appenddirname", detail::implemented, "", "the append-only directory inside dir (manifest, base and incremental files)"},
    {"appendfilename", detail::implemented, "", "the prefix of the append-only files' names (and Redis < 7's single file, moved into the directory at start-up)"},
    {"appendfsync", detail::implemented, "", "always: fsync before the replies leave; everysec: a background fsync once a second; no: never (docs/persistence.md)"},
    {"appendonly", detail::implemented, "", "loads the append-only directory at start-up (or creates it) and appends every write; CONFIG SET starts (with a rewrite) or stops it"},
    {"auto-aof-rewrite-min-size", detail::implemented, "", "no automatic rewrite below this size"},
    {"auto-aof-rewrite-percentage", detail::implemented, "", "an automatic rewrite when the files grew by this percentage over the last base (0: never)"},
    {"bgsave_cpulist", detail::implemented, "", "pins the BGSAVE child to these CPUs (same format)"},
    {"bind", detail::implemented, "", "the TCP listeners: one per address, '-' for an optional one, * and ::* for every address, \"\" for none"},
    {"bind-source-addr", detail::implemented, "", "the local address the cluster bus's outgoing links bind to (a link that cannot bind it fails and is retried; MIGRATE's connections do not use it, as in Redis)"},
    {"bio_cpulist", detail::no_effect, "", "pins Redis's background I/O threads, which respkit does not have"},
    {"busy-reply-threshold", detail::implemented, "", "a script running longer serves other clients BUSY, SCRIPT KILL and SHUTDOWN NOSAVE (docs/scripting.md)"},
    {"client-output-buffer-limit", detail::implemented, "",
     "normal and pubsub clients past the hard limit, or past the soft limit for longer than its seconds, are closed "
     "and logged (replica: no replicas yet); in a class without a hard limit respkit still closes a client with "
     "more than 256 MiB of replies pending"},
    {"client-query-buffer-limit", detail::implemented, "", "a client whose unprocessed input grows beyond it is closed"},
    {"cluster-allow-pubsubshard-when-down", detail::implemented, "", "sharded pub/sub served while the cluster is down (the slot check, app/cluster_node.hpp)"},
    {"cluster-allow-reads-when-down", detail::implemented, "", "read commands served while the cluster is down; writes get CLUSTERDOWN ... only accepts read commands"},
    {"cluster-allow-replica-migration", detail::no_effect, "", detail::no_replicas},
    {"cluster-announce-bus-port", detail::implemented, "", "the bus port this node announces (0: cluster-port); at start-up"},
    {"cluster-announce-hostname", detail::implemented, "", "the hostname this node announces (the bus's hostname extension, CLUSTER NODES, SLOTS, SHARDS); at start-up"},
    {"cluster-announce-ip", detail::implemented, "", "the address this node announces (empty: the one peers see); at start-up"},
    {"cluster-announce-port", detail::implemented, "", "the client port this node announces (0: port); at start-up"},
    {"cluster-announce-tls-port", detail::no_effect, "", "announced only with tls-cluster (TLS on the cluster bus), which is refused"},
    {"cluster-config-file", detail::implemented, "", "nodes.conf: locked, loaded at start-up (a restarted node keeps its name, epochs, slots and peers), written in place and fsync'ed on every change, as Redis"},
    {"cluster-enabled", detail::implemented, "", "the server is a primary node of a Redis Cluster: the cluster bus, the slot check, CLUSTER (docs/cluster.md)"},
    {"cluster-link-sendbuf-limit", detail::implemented, "", "a cluster bus link whose send buffer holds more bytes at a cron tick (every 100 ms) is freed, and reopened by the handshake (0: no limit); counted in CLUSTER INFO, shown by CLUSTER LINKS"},
    {"cluster-migration-barrier", detail::no_effect, "", detail::no_replicas},
    {"cluster-node-timeout", detail::implemented, "", "milliseconds without an answer before a node is PFAIL (then FAIL by a majority); handshake and link timeouts"},
    {"cluster-port", detail::implemented, "", "the cluster bus port (0: port + 10000)"},
    {"cluster-preferred-endpoint-type", detail::implemented, "", "what MOVED, ASK, CLUSTER SLOTS and SHARDS name: ip, hostname or unknown-endpoint"},
    {"cluster-replica-no-failover", detail::no_effect, "", detail::no_replicas},
    {"cluster-replica-validity-factor", detail::no_effect, "", detail::no_replicas},
    {"cluster-require-full-coverage", detail::implemented, "", "yes: the cluster is down while a slot is unserved or served by a failed node"},
    {"crash-log-enabled", detail::implemented, "", "a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) logs a report with a backtrace"},
    {"crash-memcheck-enabled", detail::no_effect, "", "adds a memory test to Redis's crash report; respkit's report has none (crash-log-enabled)"},
    {"daemonize", detail::implemented, "", "forks into the background (not when supervised), standard streams to /dev/null"},
    {"databases", detail::implemented, "", "the number of databases SELECT can choose"},
    {"dbfilename", detail::implemented, "", "the snapshot file SAVE, BGSAVE and save points write and start-up loads (in dir)"},
    {"dir", detail::implemented, "", "the working directory, changed to while the configuration is read (as Redis)"},
    {"disable-thp", detail::implemented, "", "turns transparent huge pages off for the process (Linux prctl)"},
    {"dynamic-hz", detail::no_effect, "", "raises Redis's timer frequency with many clients; respkit's timers run at hz"},
    {"enable-debug-command", detail::implemented, "", "allows DEBUG (respkit's has RELOAD, OBJECT, ERROR, LOG, SLEEP, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD, LISTPACK, QUICKLIST, STRINGMATCH-TEST): no, yes, or local connections only"},
    {"enable-module-command", detail::implemented, "", "allows MODULE LOAD, LOADEX and UNLOAD (which find no module API): no, yes, or local connections only"},
    {"enable-protected-configs", detail::refused, "no", "CONFIG SET of protected parameters (dir, dbfilename) is not implemented"},
    {"hash-max-listpack-entries", detail::implemented, "", "a hash with more fields than this is a hashtable, not a listpack (store/hash_object.hpp; one way, as Redis)"},
    {"hash-max-listpack-value", detail::implemented, "", "a hash given a field or value longer than this (bytes) is a hashtable, not a listpack (store/hash_object.hpp)"},
    {"hll-sparse-max-bytes", detail::implemented, "", "a sparse HyperLogLog that would grow past this (bytes) becomes dense (store/hyperloglog.hpp)"},
    {"hz", detail::implemented, "", "the frequency of the active expiry cycle, re-armed when it changes"},
    {"ignore-warnings", detail::no_effect, "", "silences start-up warnings respkit never prints"},
    {"io-threads", detail::no_effect, "", "spreads Redis's socket I/O over threads; respkit serves on one thread, replies are the same"},
    {"io-threads-do-reads", detail::no_effect, "", "spreads Redis's socket reads over threads; respkit serves on one thread, replies are the same"},
    {"jemalloc-bg-thread", detail::no_effect, "", "jemalloc's purging thread; respkit uses the system allocator"},
    {"latency-monitor-threshold", detail::implemented, "", "LATENCY's events (command, fast-command, expire-cycle) are recorded from this many milliseconds on; 0 turns the monitor off (commands/latency.hpp)"},
    {"latency-tracking", detail::implemented, "", "each command's durations go to its latency histogram: INFO latencystats, LATENCY HISTOGRAM (server/command_stats.hpp)"},
    {"latency-tracking-info-percentiles", detail::implemented, "", "the percentiles INFO latencystats prints"},
    {"lazyfree-lazy-eviction", detail::no_effect, "", detail::lazyfree},
    {"lazyfree-lazy-expire", detail::no_effect, "", detail::lazyfree},
    {"lazyfree-lazy-server-del", detail::no_effect, "", detail::lazyfree},
    {"lazyfree-lazy-user-del", detail::no_effect, "", detail::lazyfree},
    {"lazyfree-lazy-user-flush", detail::no_effect, "", detail::lazyfree},
    {"lfu-decay-time", detail::implemented, "", "minutes after which an idle key's LFU counter decreases by one (OBJECT FREQ, LFU policies)"},
    {"lfu-log-factor", detail::implemented, "", "how slowly LFU counters grow with accesses (OBJECT FREQ, LFU policies)"},
    {"list-compress-depth", detail::refused, "0", "compressing list nodes is not implemented"},
    {"list-max-listpack-size", detail::implemented, "", "the size of a list's packed nodes: -1..-5 for 4..64 KB, a positive count of elements (store/quicklist.hpp); lists created from then on"},
    {"logfile", detail::implemented, "", "log lines go to this file (appended; \"\" is standard output)"},
    {"loglevel", detail::implemented, "", "the least notable level logged: debug, verbose (connections), notice, warning"},
    {"masterauth", detail::no_effect, "", detail::no_replication},
    {"masteruser", detail::no_effect, "", detail::no_replication},
    {"maxclients", detail::implemented, "", "more connections are refused with Redis's error"},
    {"maxmemory", detail::implemented, "", "keys are evicted (maxmemory-policy) to keep used_memory under it, or writes refused with -OOM (app/memory_limit.hpp)"},
    {"maxmemory-clients", detail::implemented, "",
     "while every client together holds this much (bytes, or a percentage of maxmemory), the biggest ones not marked "
     "CLIENT NO-EVICT are closed, logged and counted in INFO's evicted_clients"},
    {"maxmemory-eviction-tenacity", detail::implemented, "", "how long one command may spend evicting before a timer goes on (Redis's time limits)"},
    {"maxmemory-policy", detail::implemented, "", "which keys eviction chooses: every policy of Redis 7.0, with its sampled LRU, LFU and TTL approximations"},
    {"maxmemory-samples", detail::implemented, "", "keys sampled per database to refill the eviction pool"},
    {"min-replicas-max-lag", detail::no_effect, "", detail::no_replication},
    {"min-replicas-to-write", detail::refused, "0", "replication is not implemented (Redis would refuse every write with NOREPLICAS)"},
    {"no-appendfsync-on-rewrite", detail::implemented, "", "no fsync of the incremental file while a rewrite child runs"},
    {"notify-keyspace-events", detail::implemented, "", "keyspace notifications of every class on __keyspace@<db>__ and __keyevent@<db>__ (docs/notifications.md)"},
    {"oom-score-adj", detail::implemented, "", "the server's score for the Linux OOM killer (/proc/self/oom_score_adj), set at start-up and by CONFIG SET: relative (yes) adds oom-score-adj-values to the score found at start-up, absolute sets them, no restores that score; BGSAVE and rewrite children take the third value"},
    {"oom-score-adj-values", detail::implemented, "", "the three scores oom-score-adj uses: the server's, a replica's (unused: no replication) and a background child's"},
    {"pidfile", detail::implemented, "", "the process id is written there at start-up and the file removed at exit"},
    {"port", detail::implemented, "", "the TCP port (0: no TCP listener, as Redis)"},
    {"proc-title-template", detail::implemented, "", "the process title ps shows (with set-proc-title)"},
    {"propagation-error-behavior", detail::implemented, "", "a command of the append-only file being loaded that replies an error is logged (== CRITICAL ==) and counted; panic stops the load and start-up there (Redis panics); panic-on-replicas and ignore go on (there are no replicas)"},
    {"protected-mode", detail::implemented, "", "without a password, clients from other hosts are refused with Redis's DENIED error"},
    {"proto-max-bulk-len", detail::implemented, "", "the longest bulk string a request may carry"},
    {"rdb-del-sync-files", detail::no_effect, "", "deletes snapshots made only for replication; there are no replicas (replicaof is refused)"},
    {"rdb-save-incremental-fsync", detail::no_effect, "", "spreads a snapshot's fsync over the save in Redis; respkit fsyncs the file once, before the rename that publishes it"},
    {"rdbchecksum", detail::implemented, "", "snapshots end with their CRC64 (no: 0, as Redis); loading checks it when present"},
    {"rdbcompression", detail::implemented, "", "strings in snapshots are LZF-compressed as Redis does"},
    {"repl-backlog-size", detail::no_effect, "", detail::no_replication},
    {"repl-backlog-ttl", detail::no_effect, "", detail::no_replication},
    {"repl-disable-tcp-nodelay", detail::no_effect, "", detail::no_replication},
    {"repl-diskless-load", detail::no_effect, "", detail::no_replication},
    {"repl-diskless-sync", detail::no_effect, "", detail::no_replication},
    {"repl-diskless-sync-delay", detail::no_effect, "", detail::no_replication},
    {"repl-diskless-sync-max-replicas", detail::no_effect, "", detail::no_replication},
    {"repl-ping-replica-period", detail::no_effect, "", detail::no_replication},
    {"repl-timeout", detail::no_effect, "", detail::no_replication},
    {"replica-announce-ip", detail::no_effect, "", detail::no_replication},
    {"replica-announce-port", detail::no_effect, "", detail::no_replication},
    {"replica-announced", detail::no_effect, "", detail::no_replication},
    {"replica-ignore-disk-write-errors", detail::no_effect, "", detail::no_replication},
    {"replica-ignore-maxmemory", detail::no_effect, "", detail::no_replication},
    {"replica-lazy-flush", detail::no_effect, "", detail::no_replication},
    {"replica-priority", detail::no_effect, "", detail::no_replication},
    {"replica-read-only", detail::no_effect, "", detail::no_replication},
    {"replica-serve-stale-data", detail::no_effect, "", detail::no_replication},
    {"replicaof", detail::refused, "", "replication is not implemented yet"},
    {"requirepass", detail::implemented, "", "the default ACL user's password: AUTH, HELLO AUTH, NOAUTH (server core)"},
    {"sanitize-dump-payload", detail::no_effect, "", "RESTORE payloads and snapshots are always checked in full (as yes)"},
    {"save", detail::implemented, "", "save points: a background snapshot after <seconds> with at least <changes> (app/snapshots.hpp)"},
    {"server_cpulist", detail::implemented, "", "pins the server process to these CPUs at start-up (same format)"},
    {"set-max-intset-entries", detail::implemented, "", "a set of integers with more members than this is a hashtable, not an intset (store/set_object.hpp; one way, as Redis)"},
    {"set-proc-title", detail::implemented, "", "the process title ps shows follows proc-title-template"},
    {"shutdown-on-sigint", detail::implemented, "", "SIGINT saves as SHUTDOWN would: default (with save points), save, nosave; now and force"},
    {"shutdown-on-sigterm", detail::implemented, "", "SIGTERM saves as SHUTDOWN would: default (with save points), save, nosave; now and force"},
    {"shutdown-timeout", detail::no_effect, "", "waits for replicas at shutdown; there are none (replicaof is refused)"},
    {"slowlog-log-slower-than", detail::implemented, "", "commands that run at least this many microseconds go to SLOWLOG (negative: none; server/slowlog.hpp)"},
    {"slowlog-max-len", detail::implemented, "", "the most entries SLOWLOG keeps"},
    {"socket-mark-id", detail::implemented, "", "the SO_MARK of the TCP, TLS and cluster bus listening sockets (0: none); it needs CAP_NET_ADMIN, and without it the sockets stay unmarked, as Redis ignores the error"},
    {"stop-writes-on-bgsave-error", detail::implemented, "", "after a failed background save (with save points), writes and PING get -MISCONF"},
    {"stream-node-max-bytes", detail::no_effect, "", "respkit's stream nodes are bounded by entries only (stream-node-max-entries), not by listpack bytes (docs/store.md)"},
    {"stream-node-max-entries", detail::implemented, "", "entries (live and deleted) a stream node takes, which decides what approximate trims remove and XINFO's radix-tree sizes (store/stream.hpp); 0: no limit"},
    {"supervised", detail::implemented, "", "systemd (READY=1 on $NOTIFY_SOCKET), upstart (SIGSTOP when ready), auto, no"},
    {"syslog-enabled", detail::implemented, "", "log lines also go to syslog"},
    {"syslog-facility", detail::implemented, "", "the syslog facility"},
    {"syslog-ident", detail::implemented, "", "the syslog identity"},
    {"tcp-backlog", detail::implemented, "", "the listen() backlog"},
    {"tcp-keepalive", detail::implemented, "", "TCP keepalive probes on client connections after this many idle seconds"},
    {"timeout", detail::implemented, "", "clients idle this many seconds are closed"},
    {"tls-auth-clients", detail::implemented, "", "yes: TLS clients must show a certificate the CAs vouch for; optional: checked when shown; no: not asked"},
    {"tls-ca-cert-dir", detail::implemented, "", "a directory of CAs that vouch for TLS clients"},
    {"tls-ca-cert-file", detail::implemented, "", "the CAs that vouch for TLS clients"},
    {"tls-cert-file", detail::implemented, "", "the TLS listener's certificate chain"},
    {"tls-ciphers", detail::implemented, "", "the TLS listener's ciphers (TLS 1.2 and below)"},
    {"tls-ciphersuites", detail::implemented, "", "the TLS listener's ciphersuites (TLS 1.3)"},
    {"tls-client-cert-file", detail::no_effect, "", "the certificate of outgoing TLS connections (replication, cluster), which respkit never makes"},
    {"tls-client-key-file", detail::no_effect, "", "the key of outgoing TLS connections (replication, cluster), which respkit never makes"},
    {"tls-client-key-file-pass", detail::no_effect, "", "the key of outgoing TLS connections (replication, cluster), which respkit never makes"},
    {"tls-cluster", detail::refused, "no", "TLS on the cluster bus is not implemented (the bus is plain TCP)"},
    {"tls-dh-params-file", detail::implemented, "", "DH parameters for the TLS listener's DHE ciphers (\"\": OpenSSL's built-in choice)"},
    {"tls-key-file", detail::implemented, "", "the TLS listener's private key"},
    {"tls-key-file-pass", detail::implemented, "", "the passphrase of tls-key-file"},
    {"tls-port", detail::implemented, "", "a TLS listener on this port of the bind addresses, next to port's (respkit-server built with OpenSSL; without it, start-up refuses a tls-port)"},
    {"tls-prefer-server-ciphers", detail::implemented, "", "the TLS listener picks the cipher by its own order of preference"},
    {"tls-protocols", detail::implemented, "", "the TLS versions the listener accepts (\"\": TLSv1.2 and TLSv1.3)"},
    {"tls-replication", detail::refused, "no", "replication is not implemented"},
    {"tls-session-cache-size", detail::implemented, "", "how many TLS sessions the listener keeps for resumption"},
    {"tls-session-cache-timeout", detail::implemented, "", "how long (seconds) a TLS session may be resumed"},
    {"tls-session-caching", detail::implemented, "", "TLS clients may resume their sessions (no: neither session ids nor tickets)"},
    {"tracking-table-max-keys", detail::implemented, "", "above this many keys read by tracking clients (CLIENT TRACKING), keys are invalidated before each command until the table fits again (0: no limit; server/tracking.hpp)"},
    {"unixsocket", detail::implemented, "", "also listen on this Unix domain socket"},
    {"unixsocketperm", detail::implemented, "", "the Unix socket's permissions"},
    {"zset-max-listpack-entries", detail::implemented, "", "the most members a sorted set keeps packed (OBJECT ENCODING listpack, store/sorted_set.hpp)"},
    {"zset-max-listpack-value", detail::implemented, "", "the longest member (bytes) a sorted set keeps packed (OBJECT ENCODING listpack, store/sorted_set.hpp)"},
};

/// Configuration directives that are not parameters and what respkit does with them.
inline constexpr config_support_info directive_support_table[] = {
    {"include", detail::implemented, "", "loads another file (or every file a glob pattern matches) at that point"},
    {"rename-command", detail::implemented, "", "renames a built-in command, or removes it with \"\""},
    {"user", detail::implemented, "", "an ACL user and its rules, created at start-up (not with aclfile)"},
    {"loadmodule", detail::refused, "", "modules are not implemented"},
    {"sentinel", detail::refused, "", "Sentinel is not implemented"},
};

} // namespace respkit::app

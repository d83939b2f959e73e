#pragma once

/// \file
/// The table of every configuration parameter Redis 7.0 has: name, alias, type, default (as
/// CONFIG GET shows it on redis-server 7.0.15 started with --save '' --appendonly no), bounds,
/// allowed values and flags. Captured from a live server and probed with CONFIG SET; port, bind
/// and dir are respkit's own (dir is filled in at run time with the working directory).

#include <respkit/version.hpp>

#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// How a parameter's value is read and validated.
enum class config_kind : std::uint8_t {
    boolean,     ///< yes / no (any case)
    integer,     ///< a 64-bit integer (Redis's string2ll rules) within [min, max]
    memory,      ///< bytes, with an optional unit: b, k, kb, m, mb, g, gb (any case)
    enumeration, ///< one of `values` (any case), shown in lower case
    flags,       ///< one or more of `values`, space separated
    string,      ///< any bytes
    special,     ///< its own syntax, named by `values`
};

/// Parameter flags (a bit set: combine with |).
enum class config_flag : std::uint8_t {
    none = 0,
    immutable = 1,        ///< only settable at start-up
    protected_config = 2, ///< refused by CONFIG SET (enable-protected-configs is "no")
    multi_arg = 4,        ///< takes several words in a config file line (save 900 1, bind a b)
    empty_is_null = 8,    ///< a string where "" means unset (CONFIG REWRITE then writes no line)
};

/// Both flags of `a` and of `b`.
[[nodiscard]] constexpr config_flag operator|(config_flag a, config_flag b) noexcept {
    return static_cast<config_flag>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}

/// One parameter of the table.
struct config_param_info {
    std::string_view name;          ///< canonical name
    std::string_view alias;         ///< the other name CONFIG GET/SET accept, or ""
    config_kind kind;               ///< how values are validated
    std::string_view default_value; ///< as CONFIG GET shows it
    std::int64_t min;               ///< integer and memory kinds: smallest value
    std::uint64_t max;              ///< integer and memory kinds: largest value
    std::string_view values;        ///< enumeration/flags: allowed values, comma separated; special: syntax name
    config_flag flags;              ///< immutable, protected
};

/// Every parameter of Redis 7.0.15, sorted by name.
inline constexpr config_param_info redis_config_parameters[] = {
    {"acl-pubsub-default", "", config_kind::enumeration, "resetchannels", 0, 0, "allchannels,resetchannels", config_flag::none},
    {"aclfile", "", config_kind::string, "", 0, 0, "", config_flag::immutable},
    {"acllog-max-len", "", config_kind::integer, "128", 0, INT64_MAX, "", config_flag::none},
    {"active-defrag-cycle-max", "", config_kind::integer, "25", 1, 99, "", config_flag::none},
    {"active-defrag-cycle-min", "", config_kind::integer, "1", 1, 99, "", config_flag::none},
    {"active-defrag-ignore-bytes", "", config_kind::memory, "104857600", 1, INT64_MAX, "", config_flag::none},
    {"active-defrag-max-scan-fields", "", config_kind::integer, "1000", 1, INT64_MAX, "", config_flag::none},
    {"active-defrag-threshold-lower", "", config_kind::integer, "10", 0, 1000, "", config_flag::none},
    {"active-defrag-threshold-upper", "", config_kind::integer, "100", 0, 1000, "", config_flag::none},
    {"active-expire-effort", "", config_kind::integer, "1", 1, 10, "", config_flag::none},
    {"activedefrag", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"activerehashing", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"always-show-logo", "", config_kind::boolean, "no", 0, 0, "", config_flag::immutable},
    {"aof-disable-auto-gc", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"aof-load-truncated", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"aof-rewrite-incremental-fsync", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"aof-timestamp-enabled", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"aof-use-rdb-preamble", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"aof_rewrite_cpulist", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"appenddirname", "", config_kind::string, "appendonlydir", 0, 0, "", config_flag::immutable},
    {"appendfilename", "", config_kind::string, "appendonly.aof", 0, 0, "", config_flag::immutable},
    {"appendfsync", "", config_kind::enumeration, "everysec", 0, 0, "everysec,always,no", config_flag::none},
    {"appendonly", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"auto-aof-rewrite-min-size", "", config_kind::memory, "67108864", 0, INT64_MAX, "", config_flag::none},
    {"auto-aof-rewrite-percentage", "", config_kind::integer, "100", 0, 2147483647, "", config_flag::none},
    {"bgsave_cpulist", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"bind", "", config_kind::special, "127.0.0.1", 0, 0, "bind", config_flag::multi_arg},
    {"bind-source-addr", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"bio_cpulist", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"busy-reply-threshold", "lua-time-limit", config_kind::integer, "5000", 0, INT64_MAX, "", config_flag::none},
    {"client-output-buffer-limit", "", config_kind::special, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0, 0, "client_output_buffer_limit", config_flag::multi_arg},
    {"client-query-buffer-limit", "", config_kind::memory, "1073741824", 1048576, INT64_MAX, "", config_flag::none},
    {"cluster-allow-pubsubshard-when-down", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"cluster-allow-reads-when-down", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"cluster-allow-replica-migration", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"cluster-announce-bus-port", "", config_kind::integer, "0", 0, 65535, "", config_flag::none},
    {"cluster-announce-hostname", "", config_kind::special, "", 0, 0, "hostname", config_flag::empty_is_null},
    {"cluster-announce-ip", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"cluster-announce-port", "", config_kind::integer, "0", 0, 65535, "", config_flag::none},
    {"cluster-announce-tls-port", "", config_kind::integer, "0", 0, 65535, "", config_flag::none},
    {"cluster-config-file", "", config_kind::string, "nodes.conf", 0, 0, "", config_flag::immutable},
    {"cluster-enabled", "", config_kind::boolean, "no", 0, 0, "", config_flag::immutable},
    {"cluster-link-sendbuf-limit", "", config_kind::memory, "0", 0, UINT64_MAX, "", config_flag::none},
    {"cluster-migration-barrier", "", config_kind::integer, "1", 0, 2147483647, "", config_flag::none},
    {"cluster-node-timeout", "", config_kind::integer, "15000", 0, INT64_MAX, "", config_flag::none},
    {"cluster-port", "", config_kind::integer, "0", 0, 2147483647, "", config_flag::immutable},
    {"cluster-preferred-endpoint-type", "", config_kind::enumeration, "ip", 0, 0, "ip,hostname,unknown-endpoint", config_flag::none},
    {"cluster-replica-no-failover", "cluster-slave-no-failover", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"cluster-replica-validity-factor", "cluster-slave-validity-factor", config_kind::integer, "10", 0, 2147483647, "", config_flag::none},
    {"cluster-require-full-coverage", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"crash-log-enabled", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"crash-memcheck-enabled", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"daemonize", "", config_kind::boolean, "no", 0, 0, "", config_flag::immutable},
    {"databases", "", config_kind::integer, "16", 1, 2147483647, "", config_flag::immutable},
    {"dbfilename", "", config_kind::special, "dump.rdb", 0, 0, "protected_string", config_flag::protected_config},
    {"dir", "", config_kind::special, "", 0, 0, "protected_string", config_flag::protected_config},
    {"disable-thp", "", config_kind::boolean, "yes", 0, 0, "", config_flag::immutable},
    {"dynamic-hz", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"enable-debug-command", "", config_kind::enumeration, "no", 0, 0, "no,yes,local", config_flag::immutable},
    {"enable-module-command", "", config_kind::enumeration, "no", 0, 0, "no,yes,local", config_flag::immutable},
    {"enable-protected-configs", "", config_kind::enumeration, "no", 0, 0, "no,yes,local", config_flag::immutable},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", config_kind::integer, "512", 0, INT64_MAX, "", config_flag::none},
    {"hash-max-listpack-value", "hash-max-ziplist-value", config_kind::memory, "64", 0, INT64_MAX, "", config_flag::none},
    {"hll-sparse-max-bytes", "", config_kind::memory, "3000", 0, INT64_MAX, "", config_flag::none},
    {"hz", "", config_kind::integer, "10", 0, 2147483647, "", config_flag::none},
    {"ignore-warnings", "", config_kind::string, "", 0, 0, "", config_flag::none},
    {"io-threads", "", config_kind::integer, "1", 0, 2147483647, "", config_flag::immutable},
    {"io-threads-do-reads", "", config_kind::boolean, "no", 0, 0, "", config_flag::immutable},
    {"jemalloc-bg-thread", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"latency-monitor-threshold", "", config_kind::integer, "0", 0, INT64_MAX, "", config_flag::none},
    {"latency-tracking", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"latency-tracking-info-percentiles", "", config_kind::special, "50 99 99.9", 0, 0, "percentiles", config_flag::multi_arg},
    {"lazyfree-lazy-eviction", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"lazyfree-lazy-expire", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"lazyfree-lazy-server-del", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"lazyfree-lazy-user-del", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"lazyfree-lazy-user-flush", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"lfu-decay-time", "", config_kind::integer, "1", 0, 2147483647, "", config_flag::none},
    {"lfu-log-factor", "", config_kind::integer, "10", 0, 2147483647, "", config_flag::none},
    {"list-compress-depth", "", config_kind::integer, "0", 0, 2147483647, "", config_flag::none},
    {"list-max-listpack-size", "list-max-ziplist-size", config_kind::integer, "-2", -2147483647 - 1LL, 2147483647, "", config_flag::none},
    {"logfile", "", config_kind::string, "", 0, 0, "", config_flag::immutable},
    {"loglevel", "", config_kind::enumeration, "notice", 0, 0, "debug,verbose,notice,warning", config_flag::none},
    {"masterauth", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"masteruser", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"maxclients", "", config_kind::integer, "10000", 1, 4294967295LL, "", config_flag::none},
    {"maxmemory", "", config_kind::memory, "0", 0, UINT64_MAX, "", config_flag::none},
    {"maxmemory-clients", "", config_kind::special, "0", 0, 0, "memory_or_percent", config_flag::none},
    {"maxmemory-eviction-tenacity", "", config_kind::integer, "10", 0, 100, "", config_flag::none},
    {"maxmemory-policy", "", config_kind::enumeration, "noeviction", 0, 0, "volatile-lru,volatile-lfu,volatile-random,volatile-ttl,allkeys-lru,allkeys-lfu,allkeys-random,noeviction", config_flag::none},
    {"maxmemory-samples", "", config_kind::integer, "5", 1, 2147483647, "", config_flag::none},
    {"min-replicas-max-lag", "min-slaves-max-lag", config_kind::integer, "10", 0, 2147483647, "", config_flag::none},
    {"min-replicas-to-write", "min-slaves-to-write", config_kind::integer, "0", 0, 2147483647, "", config_flag::none},
    {"no-appendfsync-on-rewrite", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"notify-keyspace-events", "", config_kind::special, "", 0, 0, "keyspace_events", config_flag::none},
    {"oom-score-adj", "", config_kind::enumeration, "no", 0, 0, "no,yes,relative,absolute", config_flag::none},
    {"oom-score-adj-values", "", config_kind::special, "0 200 800", 0, 0, "oom_score_adj_values", config_flag::multi_arg},
    {"pidfile", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"port", "", config_kind::integer, "6379", 0, 65535, "", config_flag::none},
    {"proc-title-template", "", config_kind::special, "{title} {listen-addr} {server-mode}", 0, 0, "proc_title", config_flag::none},
    {"propagation-error-behavior", "", config_kind::enumeration, "ignore", 0, 0, "ignore,panic,panic-on-replicas", config_flag::none},
    {"protected-mode", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"proto-max-bulk-len", "", config_kind::memory, "536870912", 1048576, INT64_MAX, "", config_flag::none},
    {"rdb-del-sync-files", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"requirepass", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"rdb-save-incremental-fsync", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"rdbchecksum", "", config_kind::boolean, "yes", 0, 0, "", config_flag::immutable},
    {"rdbcompression", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"repl-backlog-size", "", config_kind::memory, "1048576", 1, INT64_MAX, "", config_flag::none},
    {"repl-backlog-ttl", "", config_kind::integer, "3600", 0, INT64_MAX, "", config_flag::none},
    {"repl-disable-tcp-nodelay", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"repl-diskless-load", "", config_kind::enumeration, "disabled", 0, 0, "disabled,on-empty-db,swapdb", config_flag::none},
    {"repl-diskless-sync", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"repl-diskless-sync-delay", "", config_kind::integer, "5", 0, 2147483647, "", config_flag::none},
    {"repl-diskless-sync-max-replicas", "", config_kind::integer, "0", 0, 2147483647, "", config_flag::none},
    {"repl-ping-replica-period", "repl-ping-slave-period", config_kind::integer, "10", 1, 2147483647, "", config_flag::none},
    {"repl-timeout", "", config_kind::integer, "60", 1, 2147483647, "", config_flag::none},
    {"replica-announce-ip", "slave-announce-ip", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"replica-announce-port", "slave-announce-port", config_kind::integer, "0", 0, 65535, "", config_flag::none},
    {"replica-announced", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"replica-ignore-disk-write-errors", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"replica-ignore-maxmemory", "slave-ignore-maxmemory", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"replica-lazy-flush", "slave-lazy-flush", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"replica-priority", "slave-priority", config_kind::integer, "100", 0, 2147483647, "", config_flag::none},
    {"replica-read-only", "slave-read-only", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"replica-serve-stale-data", "slave-serve-stale-data", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"replicaof", "slaveof", config_kind::special, "", 0, 0, "replicaof", config_flag::immutable | config_flag::multi_arg},
    {"sanitize-dump-payload", "", config_kind::enumeration, "no", 0, 0, "no,yes,clients", config_flag::none},
    {"save", "", config_kind::special, "", 0, 0, "save", config_flag::multi_arg},
    {"server_cpulist", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"set-max-intset-entries", "", config_kind::integer, "512", 0, INT64_MAX, "", config_flag::none},
    {"set-proc-title", "", config_kind::boolean, "yes", 0, 0, "", config_flag::immutable},
    {"shutdown-on-sigint", "", config_kind::flags, "default", 0, 0, "default,save,nosave,now,force", config_flag::multi_arg},
    {"shutdown-on-sigterm", "", config_kind::flags, "default", 0, 0, "default,save,nosave,now,force", config_flag::multi_arg},
    {"shutdown-timeout", "", config_kind::integer, "10", 0, 2147483647, "", config_flag::none},
    {"slowlog-log-slower-than", "", config_kind::integer, "10000", -1, INT64_MAX, "", config_flag::none},
    {"slowlog-max-len", "", config_kind::integer, "128", 0, INT64_MAX, "", config_flag::none},
    {"socket-mark-id", "", config_kind::integer, "0", 0, 4294967295, "", config_flag::immutable},
    {"stop-writes-on-bgsave-error", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"stream-node-max-bytes", "", config_kind::memory, "4096", 0, INT64_MAX, "", config_flag::none},
    {"stream-node-max-entries", "", config_kind::integer, "100", 0, INT64_MAX, "", config_flag::none},
    {"supervised", "", config_kind::enumeration, "no", 0, 0, "upstart,systemd,auto,no", config_flag::immutable},
    {"syslog-enabled", "", config_kind::boolean, "no", 0, 0, "", config_flag::immutable},
    {"syslog-facility", "", config_kind::enumeration, "local0", 0, 0, "user,local0,local1,local2,local3,local4,local5,local6,local7", config_flag::immutable},
    {"syslog-ident", "", config_kind::string, "redis", 0, 0, "", config_flag::immutable},
    {"tcp-backlog", "", config_kind::integer, "511", 0, 2147483647, "", config_flag::immutable},
    {"tcp-keepalive", "", config_kind::integer, "300", 0, 2147483647, "", config_flag::none},
    {"timeout", "", config_kind::integer, "0", 0, 2147483647, "", config_flag::none},
    {"tls-auth-clients", "", config_kind::enumeration, "yes", 0, 0, "no,yes,optional", config_flag::none},
    {"tls-ca-cert-dir", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-ca-cert-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-cert-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-ciphers", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-ciphersuites", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-client-cert-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-client-key-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-client-key-file-pass", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-cluster", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"tls-dh-params-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-key-file", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-key-file-pass", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-port", "", config_kind::integer, "0", 0, 65535, "", config_flag::none},
    {"tls-prefer-server-ciphers", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"tls-protocols", "", config_kind::string, "", 0, 0, "", config_flag::empty_is_null},
    {"tls-replication", "", config_kind::boolean, "no", 0, 0, "", config_flag::none},
    {"tls-session-cache-size", "", config_kind::integer, "20480", 0, 2147483647, "", config_flag::none},
    {"tls-session-cache-timeout", "", config_kind::integer, "300", 0, 2147483647, "", config_flag::none},
    {"tls-session-caching", "", config_kind::boolean, "yes", 0, 0, "", config_flag::none},
    {"tracking-table-max-keys", "", config_kind::integer, "1000000", 0, INT64_MAX, "", config_flag::none},
    {"unixsocket", "", config_kind::string, "", 0, 0, "", config_flag::immutable | config_flag::empty_is_null},
    {"unixsocketperm", "", config_kind::special, "0", 0, 0, "octal", config_flag::immutable},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", config_kind::integer, "128", 0, INT64_MAX, "", config_flag::none},
    {"zset-max-listpack-value", "zset-max-ziplist-value", config_kind::memory, "64", 0, INT64_MAX, "", config_flag::none},
};

} // namespace respkit::server

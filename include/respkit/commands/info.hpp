#pragma once

/// \file
/// INFO with Redis 7.0's sections and field names, for everything respkit tracks.

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/allocation_counter.hpp"
#include "respkit/commands/arguments.hpp"
#include "respkit/commands/command_order.hpp"
#include "respkit/commands/redis_version.hpp"
#include "respkit/commands/specs/info.hpp"
#include "respkit/commands/start_time.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// What the process uses.
struct memory_usage {
    std::uint64_t allocated = 0; ///< bytes in use (used_memory_bytes())
    std::uint64_t rss = 0;       ///< resident set size (/proc/self/statm), 0 when unknown
};

/// The process's resident set size in bytes (/proc/self/statm), 0 when unknown.
[[nodiscard]] inline std::uint64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (statm >> size >> resident) return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return 0;
}

/// INFO's used_memory and what maxmemory compares: the bytes held from operator new when the
/// program counts them (RESPKIT_COUNT_ALLOCATIONS, respkit/allocation_counter.hpp), else glibc's
/// mallinfo2 (in use from malloc: costs a walk of the heap's free lists), else the RSS.
[[nodiscard]] inline std::uint64_t used_memory_bytes() {
    if (const auto counted = allocated_bytes()) return *counted;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 mi = ::mallinfo2();
    return static_cast<std::uint64_t>(mi.uordblks) + static_cast<std::uint64_t>(mi.hblkhd);
#else
    return resident_bytes();
#endif
}

/// Measures the process's memory now.
[[nodiscard]] inline memory_usage measure_memory() { return {used_memory_bytes(), resident_bytes()}; }

namespace detail {

/// Redis's bytesToHuman: "512B", "1.25K", "3.00M", ...
[[nodiscard]] inline std::string bytes_to_human(std::uint64_t n) {
    char buf[64];
    const double d = static_cast<double>(n);
    if (n < 1024) std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
    else if (n < 1024ull * 1024) std::snprintf(buf, sizeof buf, "%.2fK", d / 1024);
    else if (n < 1024ull * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2fM", d / (1024.0 * 1024));
    else if (n < 1024ull * 1024 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2fG", d / (1024.0 * 1024 * 1024));
    else std::snprintf(buf, sizeof buf, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
    return buf;
}

[[nodiscard]] inline std::string cpu_seconds(const timeval& tv) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
    return buf;
}

/// The sections INFO prints, in Redis's order; `in_default` marks those of plain INFO.
struct info_section {
    std::string_view name;
    bool in_default;
};
inline constexpr info_section info_sections[] = {
    {"server", true},      {"clients", true}, {"memory", true},     {"persistence", true},
    {"stats", true},       {"replication", true}, {"cpu", true},    {"modules", true},
    {"commandstats", false}, {"errorstats", true}, {"latencystats", false}, {"cluster", true},
    {"keyspace", true},
};

/// Redis's getSafeInfoString: a name printed in INFO has its ':', '\r' and '\n' made '_'.
[[nodiscard]] inline std::string safe_info_name(std::string_view name) {
    std::string out(name);
    for (char& c : out) {
        if (c == ':' || c == '\r' || c == '\n') c = '_';
    }
    return out;
}

/// A percentile as Redis prints it in latencystats' field names: "%f" without trailing zeros
/// ("50", "99.9").
[[nodiscard]] inline std::string percentile_name(double p) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", p);
    std::string s(buf);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

/// INFO commandstats' lines.
inline void write_command_stats(std::string& out, const server::dispatcher& commands) {
    std::vector<const server::command_entry*> all;
    commands_in_order(commands, all);
    for (const server::command_entry* e : all) {
        const server::command_stats& st = e->stats;
        if (st.calls == 0 && st.failed_calls == 0 && st.rejected_calls == 0) continue;
        char per_call[64];
        std::snprintf(per_call, sizeof per_call, "%.2f",
                      st.calls == 0 ? 0.0
                                    : static_cast<double>(static_cast<float>(st.microseconds) / static_cast<float>(st.calls)));
        out += "cmdstat_" + safe_info_name(e->full_name) + ":calls=" + std::to_string(st.calls) +
               ",usec=" + std::to_string(st.microseconds) + ",usec_per_call=" + per_call +
               ",rejected_calls=" + std::to_string(st.rejected_calls) + ",failed_calls=" + std::to_string(st.failed_calls) +
               "\r\n";
    }
}

/// INFO latencystats' lines: each command's percentiles in microseconds.
inline void write_latency_stats(std::string& out, const server::dispatcher& commands,
                                const std::vector<double>& percentiles) {
    std::vector<const server::command_entry*> all;
    commands_in_order(commands, all);
    for (const server::command_entry* e : all) {
        const server::latency_histogram& h = e->stats.latency;
        if (h.empty()) continue;
        out += "latency_percentiles_usec_";
        out += safe_info_name(e->full_name);
        out += ':';
        for (std::size_t i = 0; i < percentiles.size(); ++i) {
            char value[64];
            std::snprintf(value, sizeof value, "%.3f",
                          static_cast<double>(h.value_at_percentile(percentiles[i])) / 1000.0);
            if (i != 0) out += ',';
            // Appended piece by piece: `"p" + std::string` makes g++ 12 -O3 warn (GCC bug 105651).
            out += 'p';
            out += percentile_name(percentiles[i]);
            out += '=';
            out += value;
        }
        out += "\r\n";
    }
}

} // namespace detail

/// The text of INFO for `sections` (names as given; empty means the default set), from the
/// context, keyspace and configuration; commandstats and latencystats from `commands` (none
/// listed without it).
template <class Keyspace>
[[nodiscard]] std::string info_text(std::span<const std::string_view> sections, const server::server_context& ctx,
                                    const Keyspace& keyspace, const server::config_table& config,
                                    const server::dispatcher* commands = nullptr) {
    bool wanted[std::size(detail::info_sections)] = {};
    bool any_named = false;
    for (const std::string_view s : sections) {
        if (iequals(s, "all") || iequals(s, "everything")) {
            for (bool& w : wanted) w = true;
            any_named = true;
            continue;
        }
        if (iequals(s, "default")) {
            for (std::size_t i = 0; i < std::size(wanted); ++i) wanted[i] = wanted[i] || detail::info_sections[i].in_default;
            any_named = true;
            continue;
        }
        for (std::size_t i = 0; i < std::size(wanted); ++i) {
            if (iequals(s, detail::info_sections[i].name)) wanted[i] = true;
        }
        any_named = true;
    }
    if (!any_named) {
        for (std::size_t i = 0; i < std::size(wanted); ++i) wanted[i] = detail::info_sections[i].in_default;
    }

    using std::chrono::duration_cast;
    const auto& stats = ctx.stats();
    const auto& ks = keyspace.stats();
    std::string out;
    std::size_t printed = 0;
    auto field = [&](std::string_view name, const auto& value) {
        out += name;
        out += ':';
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) out += std::to_string(value);
        else out += value;
        out += "\r\n";
    };
    auto header = [&](std::string_view title) {
        if (printed++ != 0) out += "\r\n";
        out += "# ";
        out += title;
        out += "\r\n";
    };
    for (std::size_t i = 0; i < std::size(wanted); ++i) {
        if (!wanted[i]) continue;
        const std::string_view name = detail::info_sections[i].name;
        if (name == "server") {
            header("Server");
            utsname u{};
            ::uname(&u);
            const auto uptime = duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - ctx.started()).count();
            field("redis_version", redis_compat_version);
            field("respkit_version", std::string_view(RESPKIT_VERSION_STRING));
            field("redis_git_sha1", std::string_view("00000000"));
            field("redis_git_dirty", 0);
            field("redis_mode", std::string_view(ctx.cluster_enabled ? "cluster" : "standalone"));
            field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
            field("arch_bits", static_cast<int>(sizeof(void*) * 8));
            field("monotonic_clock", std::string_view("POSIX clock_gettime"));
#if defined(__linux__)
            field("multiplexing_api", std::string_view("epoll"));
#else
            field("multiplexing_api", std::string_view("poll"));
#endif
#if defined(__GNUC__) && !defined(__clang__)
            field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                                     std::to_string(__GNUC_PATCHLEVEL__));
#else
            field("gcc_version", std::string_view("0.0.0"));
#endif
            field("process_id", static_cast<long long>(::getpid()));
            field("process_supervised", config.get("supervised"));
            field("run_id", ctx.run_id());
            field("tcp_port", config.get("port"));
            field("server_time_usec",
                  static_cast<long long>(
                      duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()));
            field("uptime_in_seconds", static_cast<long long>(uptime));
            field("uptime_in_days", static_cast<long long>(uptime / 86400));
            field("hz", config.get("hz"));
            field("configured_hz", config.get("hz"));
            std::string exe(4096, '\0');
            const ssize_t n = ::readlink("/proc/self/exe", exe.data(), exe.size());
            exe.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            field("executable", exe);
            field("config_file", config.config_file());
            field("io_threads_active", 0);
        } else if (name == "clients") {
            header("Clients");
            std::size_t max_in = 0, max_out = 0;
            for (const server::session* s : ctx.clients()) {
                max_in = std::max(max_in, s->input_capacity());
                max_out = std::max(max_out, s->output_size());
            }
            field("connected_clients", ctx.clients().size());
            field("cluster_connections", 0);
            field("maxclients", config.get("maxclients"));
            field("client_recent_max_input_buffer", max_in);
            field("client_recent_max_output_buffer", max_out);
            field("blocked_clients", stats.blocked_clients);
            field("tracking_clients", ctx.tracking().tracking_clients());
            std::size_t with_timeout = 0;
            for (const server::session* s : ctx.blocked_sessions()) {
                with_timeout += s->block_deadline() != std::chrono::steady_clock::time_point::max() ? 1 : 0;
            }
            field("clients_in_timeout_table", with_timeout);
        } else if (name == "memory") {
            header("Memory");
            const memory_usage m = measure_memory();
            const std::uint64_t maxmemory = static_cast<std::uint64_t>(config.get_integer("maxmemory"));
            field("used_memory", m.allocated);
            field("used_memory_human", detail::bytes_to_human(m.allocated));
            field("used_memory_rss", m.rss);
            field("used_memory_rss_human", detail::bytes_to_human(m.rss));
            if (ctx.scripting().memory) { // built with scripting: Redis's fields, respkit's figures
                const server::scripting_memory lua = ctx.scripting().memory();
                field("used_memory_lua", lua.vm_eval);
                field("used_memory_vm_eval", lua.vm_eval);
                field("used_memory_lua_human", detail::bytes_to_human(lua.vm_eval));
                field("used_memory_scripts_eval", lua.scripts_eval);
                field("number_of_cached_scripts", lua.cached_scripts);
                field("number_of_functions", lua.functions);
                field("number_of_libraries", lua.libraries);
                field("used_memory_vm_functions", lua.vm_functions);
                field("used_memory_vm_total", lua.vm_eval + lua.vm_functions);
                field("used_memory_vm_total_human", detail::bytes_to_human(lua.vm_eval + lua.vm_functions));
                field("used_memory_functions", lua.functions_memory);
                field("used_memory_scripts", lua.scripts_eval + lua.functions_memory);
                field("used_memory_scripts_human", detail::bytes_to_human(lua.scripts_eval + lua.functions_memory));
            }
            field("maxmemory", maxmemory);
            field("maxmemory_human", detail::bytes_to_human(maxmemory));
            field("maxmemory_policy", config.get("maxmemory-policy"));
            char ratio[32];
            std::snprintf(ratio, sizeof ratio, "%.2f",
                          m.allocated == 0 ? 0.0 : static_cast<double>(m.rss) / static_cast<double>(m.allocated));
            field("mem_fragmentation_ratio", std::string_view(ratio));
#if defined(__GLIBC__)
            field("mem_allocator", std::string_view("libc"));
#else
            field("mem_allocator", std::string_view("unknown"));
#endif
            field("lazyfree_pending_objects", 0);
        } else if (name == "persistence") {
            header("Persistence");
            if (const auto& info = ctx.persistence().info) {
                server::info_fields fields;
                info(fields);
                for (const auto& [name, value] : fields) field(name, std::string_view(value));
                continue;
            }
            field("loading", 0);
            field("async_loading", 0);
            field("rdb_changes_since_last_save", 0);
            field("rdb_bgsave_in_progress", 0);
            field("rdb_last_save_time", static_cast<long long>(detail::started_unix(ctx)));
            field("rdb_last_bgsave_status", std::string_view("ok"));
            field("rdb_saves", 0);
            field("aof_enabled", 0);
            field("aof_rewrite_in_progress", 0);
            field("aof_last_write_status", std::string_view("ok"));
        } else if (name == "stats") {
            header("Stats");
            field("total_connections_received", stats.total_connections_received);
            field("total_commands_processed", stats.total_commands_processed);
            field("total_net_input_bytes", stats.total_net_input_bytes);
            field("total_net_output_bytes", stats.total_net_output_bytes);
            field("rejected_connections", stats.rejected_connections);
            field("expired_keys", ks.expired_keys);
            field("evicted_keys", ks.evicted_keys);
            field("evicted_clients", stats.evicted_clients);
            field("keyspace_hits", ks.keyspace_hits);
            field("keyspace_misses", ks.keyspace_misses);
            field("pubsub_channels", ctx.pubsub().channels().size());
            field("pubsub_patterns", ctx.pubsub().patterns().size());
            field("pubsubshard_channels", ctx.pubsub().shard_channels().size());
            field("tracking_total_keys", ctx.tracking().total_keys());
            field("tracking_total_items", ctx.tracking().total_items());
            field("tracking_total_prefixes", ctx.tracking().total_prefixes());
            field("unexpected_error_replies", stats.unexpected_error_replies);
            field("total_error_replies", stats.total_error_replies);
        } else if (name == "replication") {
            header("Replication");
            field("role", std::string_view("master"));
            field("connected_slaves", 0);
            field("master_failover_state", std::string_view("no-failover"));
            field("master_replid", ctx.replication_id());
            field("master_replid2", std::string(40, '0'));
            field("master_repl_offset", 0);
            field("second_repl_offset", -1);
            field("repl_backlog_active", 0);
            field("repl_backlog_size", config.get("repl-backlog-size"));
            field("repl_backlog_first_byte_offset", 0);
            field("repl_backlog_histlen", 0);
        } else if (name == "cpu") {
            header("CPU");
            rusage self{}, children{};
            ::getrusage(RUSAGE_SELF, &self);
            ::getrusage(RUSAGE_CHILDREN, &children);
            field("used_cpu_sys", detail::cpu_seconds(self.ru_stime));
            field("used_cpu_user", detail::cpu_seconds(self.ru_utime));
            field("used_cpu_sys_children", detail::cpu_seconds(children.ru_stime));
            field("used_cpu_user_children", detail::cpu_seconds(children.ru_utime));
        } else if (name == "modules") {
            header("Modules");
        } else if (name == "commandstats") {
            header("Commandstats");
            if (commands != nullptr) detail::write_command_stats(out, *commands);
        } else if (name == "latencystats") {
            header("Latencystats");
            if (commands != nullptr && commands->latency_tracking().enabled)
                detail::write_latency_stats(out, *commands, commands->latency_tracking().percentiles);
        } else if (name == "errorstats") {
            header("Errorstats");
            for (const auto& [prefix, count] : ctx.error_counts()) field("errorstat_" + prefix, "count=" + std::to_string(count));
        } else if (name == "cluster") {
            header("Cluster");
            field("cluster_enabled", ctx.cluster_enabled ? 1 : 0);
        } else if (name == "keyspace") {
            header("Keyspace");
            for (std::size_t db = 0; db < keyspace.db_count(); ++db) {
                const auto d = keyspace.info(db);
                if (d.keys == 0) continue;
                field("db" + std::to_string(db), "keys=" + std::to_string(d.keys) + ",expires=" + std::to_string(d.expires) +
                                                     ",avg_ttl=" + std::to_string(d.avg_ttl));
            }
        }
    }
    return out;
}

/// Makes the dispatcher's latency tracking follow latency-tracking and
/// latency-tracking-info-percentiles (now and whenever they change).
inline void follow_latency_tracking_config(server::dispatcher& commands, server::config_table& config) {
    const auto apply_enabled = [&commands](std::string_view value) {
        commands.latency_tracking().enabled = value == "yes";
        return std::string();
    };
    const auto apply_percentiles = [&commands](std::string_view value) {
        std::vector<double> percentiles;
        std::size_t at = 0;
        while (at < value.size()) {
            const std::size_t end = std::min(value.find(' ', at), value.size());
            if (end > at) percentiles.push_back(std::strtod(std::string(value.substr(at, end - at)).c_str(), nullptr));
            at = end + 1;
        }
        commands.latency_tracking().percentiles = std::move(percentiles);
        return std::string();
    };
    config.on_change("latency-tracking", apply_enabled);
    config.on_change("latency-tracking-info-percentiles", apply_percentiles);
    (void)apply_enabled(config.get("latency-tracking"));
    (void)apply_percentiles(config.get("latency-tracking-info-percentiles"));
}

/// Registers INFO [section ...] over `keyspace` and `config` (both must outlive `commands`), and
/// makes latency tracking follow `config`.
template <class Keyspace>
void install_info_command(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    follow_latency_tracking_config(commands, config);
    auto specs = info_command_specs();
    commands.add(std::move(specs.info),
                 [&keyspace, &config](server::command_call& call) {
                     const std::string text = info_text(call.args().subspan(1), call.server(), keyspace, config,
                                                        &call.client().commands());
                     call.reply().verbatim_string("txt", text);
                 });
}

} // namespace respkit::commands

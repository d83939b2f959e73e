#pragma once

/// \file
/// LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR / HISTOGRAM / HELP over the dispatcher's
/// latency monitor and the commands' latency histograms, with latency-monitor-threshold applied
/// from the configuration. Replies as Redis 7.0's latency.c.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/command_order.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/specs/latency.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// Bytes of transparent huge pages the process uses (AnonHugePages in /proc/self/smaps_rollup).
[[nodiscard]] inline std::uint64_t anon_huge_pages_bytes() {
    std::ifstream in("/proc/self/smaps_rollup");
    std::string field;
    while (in >> field) {
        if (field == "AnonHugePages:") {
            std::uint64_t kb = 0;
            in >> kb;
            return kb * 1024;
        }
    }
    return 0;
}

/// LATENCY DOCTOR's report (Redis's createLatencyReport), for the events respkit records.
[[nodiscard]] inline std::string latency_report(const server::latency_monitor& monitor, std::int64_t slowlog_slower_than,
                                                std::int64_t hz) {
    if (monitor.events().empty() && monitor.threshold_ms == 0) {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
               "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
               "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    }
    bool slowlog_enabled = false, slowlog_tuning = false, slowlog_inspect = false, scheduler = false,
         use_hz = false, large_objects = false, mass_eviction = false, disable_thp = false;
    int advices = 0, eventnum = 0;
    std::string report;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    for (const auto& [event, ts] : monitor.events()) {
        if (++eventnum == 1) {
            report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, "
                      "do you Dave?\n\n";
        }
        // analyzeLatencyForEvent: samples, average, mean absolute deviation, period.
        std::uint32_t samples = 0;
        std::uint64_t sum = 0;
        std::int64_t oldest = 0;
        for (const auto& s : ts.samples) {
            if (s.time == 0) continue;
            ++samples;
            sum += s.latency;
            if (oldest == 0 || s.time < oldest) oldest = s.time;
        }
        std::uint32_t avg = 0, mad = 0;
        std::int64_t period = 0;
        if (samples != 0) {
            avg = static_cast<std::uint32_t>(sum / samples);
            period = now - oldest;
            if (period == 0) period = 1;
            std::uint64_t dev = 0;
            for (const auto& s : ts.samples) {
                if (s.time == 0) continue;
                std::int64_t d = static_cast<std::int64_t>(avg) - static_cast<std::int64_t>(s.latency);
                dev += static_cast<std::uint64_t>(d < 0 ? -d : d);
            }
            mad = static_cast<std::uint32_t>(dev / samples);
        }
        char line[512];
        std::snprintf(line, sizeof line,
                      "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). Worst all "
                      "time event %lums.",
                      eventnum, event.c_str(), static_cast<int>(samples), static_cast<unsigned long>(avg),
                      static_cast<unsigned long>(mad), static_cast<double>(period) / samples,
                      static_cast<unsigned long>(ts.max));
        report += line;
        if (respkit::detail::ascii_iequals(event, "command")) {
            if (slowlog_slower_than < 0) {
                slowlog_enabled = true;
                ++advices;
            } else if (slowlog_slower_than / 1000 > monitor.threshold_ms) {
                slowlog_tuning = true;
                ++advices;
            }
            slowlog_inspect = large_objects = true;
            advices += 2;
        }
        if (respkit::detail::ascii_iequals(event, "fast-command")) {
            scheduler = true;
            ++advices;
        }
        if (respkit::detail::ascii_iequals(event, "expire-cycle")) {
            use_hz = large_objects = true;
            advices += 2;
        }
        if (respkit::detail::ascii_iequals(event, "eviction-del")) {
            large_objects = true;
            ++advices;
        }
        if (respkit::detail::ascii_iequals(event, "eviction-cycle")) {
            mass_eviction = true;
            ++advices;
        }
        report += '\n';
    }
    if (anon_huge_pages_bytes() > 0) {
        disable_thp = true;
        ++advices;
    }
    if (eventnum == 0 && advices == 0) {
        report += "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
                  "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
        return report;
    }
    if (eventnum > 0 && advices == 0) {
        report += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
                  "community to get some help, providing this report in your help request.\n";
        return report;
    }
    report += "\nI have a few advices for you:\n\n";
    const std::string suggested = std::to_string(static_cast<unsigned long long>(monitor.threshold_ms) * 1000);
    if (slowlog_enabled) {
        report += "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log "
                  "Redis feature using the command 'CONFIG SET slowlog-log-slower-than " +
                  suggested + "'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n";
    }
    if (slowlog_tuning) {
        report += "- Your current Slow Log configuration only logs events that are slower than your configured latency "
                  "monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " +
                  suggested + "'.\n";
    }
    if (slowlog_inspect) {
        report += "- Check your Slow Log to understand what are the commands you are running which are too slow to "
                  "execute. Please check https://redis.io/commands/slowlog for more information.\n";
    }
    if (scheduler) {
        report += "- The system is slow to execute Redis code paths not containing system calls. This usually means the "
                  "system does not provide Redis CPU time to run for long periods. You should try to:\n"
                  "  1) Lower the system load.\n"
                  "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                  "  3) Check if you have a \"noisy neighbour\" problem.\n"
                  "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                  "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are "
                  "using Jemalloc. However this may create fragmentation problems.\n";
    }
    if (use_hz && hz < 100) {
        report += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' "
                  "configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
    }
    if (large_objects) {
        report += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. "
                  "If you have very large objects that are often deleted, expired, or evicted, try to fragment those "
                  "objects into multiple smaller objects.\n";
    }
    if (mass_eviction) {
        report += "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets "
                  "or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE "
                  "command), may create sudden memory pressure forcing the server to block trying to evict keys. \n";
    }
    if (disable_thp) {
        report += "- I detected a non zero amount of anonymous huge pages used by your process. This creates very "
                  "serious latency events in different conditions, especially when Redis is persisting on disk. To "
                  "disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', "
                  "make sure to also add it into /etc/rc.local so that the command will be executed again after a "
                  "reboot. Note that even if you have already disabled THP, you still need to restart the Redis "
                  "process to get rid of the huge pages already created.\n";
    }
    return report;
}

/// LATENCY GRAPH's text for `event` (Redis's latencyCommandGenSparkeline).
[[nodiscard]] inline std::string latency_graph(std::string_view event, const server::latency_series& ts) {
    std::vector<server::sparkline_sample> seq;
    std::uint32_t min = 0, max = 0;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    for (const auto& s : ts.in_order()) {
        if (seq.empty()) {
            min = max = s.latency;
        } else {
            if (s.latency > max) max = s.latency;
            if (s.latency < min) min = s.latency;
        }
        const auto elapsed = static_cast<int>(now - s.time);
        char label[64];
        if (elapsed < 60) std::snprintf(label, sizeof label, "%ds", elapsed);
        else if (elapsed < 3600) std::snprintf(label, sizeof label, "%dm", elapsed / 60);
        else if (elapsed < 3600 * 24) std::snprintf(label, sizeof label, "%dh", elapsed / 3600);
        else std::snprintf(label, sizeof label, "%dd", elapsed / (3600 * 24));
        seq.push_back({static_cast<double>(s.latency), label});
    }
    std::string graph(event);
    graph += " - high " + std::to_string(max) + " ms, low " + std::to_string(min) + " ms (all time high " +
             std::to_string(ts.max) + " ms)\n";
    graph.append(80, '-');
    graph += '\n';
    graph += server::render_sparkline(seq, 80, 4);
    return graph;
}

/// One command's LATENCY HISTOGRAM entry (Redis's fillCommandCDF): its calls, and the cumulative
/// count at each power-of-two microsecond bucket (HdrHistogram's log iteration from 1024 ns) that
/// added some.
inline void write_latency_cdf(server::reply_writer& out, const server::latency_histogram& h) {
    out.map(2);
    out.bulk_string("calls");
    out.integer(static_cast<std::int64_t>(h.total()));
    out.bulk_string("histogram_usec");
    std::vector<std::pair<std::int64_t, std::uint64_t>> points;
    std::uint64_t previous = 0;
    auto it = h.buckets().begin();
    std::uint64_t cumulative = 0;
    for (std::int64_t level = 1024; previous < h.total(); level *= 2) {
        const std::int64_t highest = server::latency_histogram::highest_equivalent(level);
        while (it != h.buckets().end() && it->first <= highest) cumulative += (it++)->second;
        if (cumulative > previous) points.emplace_back(highest / 1000, cumulative);
        previous = cumulative;
    }
    out.map(points.size());
    for (const auto& [micros, count] : points) {
        out.integer(micros);
        out.integer(static_cast<std::int64_t>(count));
    }
}

} // namespace detail

/// Makes the dispatcher's latency monitor follow latency-monitor-threshold (now and whenever it
/// changes).
inline void follow_latency_monitor_config(server::dispatcher& commands, server::config_table& config) {
    const auto apply = [&commands](std::string_view value) {
        std::int64_t n = 0;
        if (respkit::detail::parse_int64(value, n)) commands.latency_monitor().threshold_ms = n;
        return std::string();
    };
    config.on_change("latency-monitor-threshold", apply);
    (void)apply(config.get("latency-monitor-threshold"));
}

/// Registers LATENCY and its subcommands, and follows latency-monitor-threshold in `config`
/// (which must outlive `commands`).
inline void install_latency_commands(server::dispatcher& commands, server::config_table& config) {
    auto specs = latency_command_specs();
    follow_latency_monitor_config(commands, config);
    commands.add(std::move(specs.latency), {});
    commands.add_subcommand("latency", std::move(specs.doctor), [&config](server::command_call& call) {
        const server::dispatcher& d = call.client().commands();
        call.reply().verbatim_string("txt", detail::latency_report(d.latency_monitor(), d.slowlog().slower_than_us,
                                                                   config.get_integer("hz")));
    });
    commands.add_subcommand("latency", std::move(specs.graph), [](server::command_call& call) {
        const server::latency_monitor& monitor = call.client().commands().latency_monitor();
        const auto it = monitor.events().find(call.arg(2));
        if (it == monitor.events().end()) {
            call.error("ERR No samples available for event '" + std::string(call.arg(2)) + "'");
            return;
        }
        call.reply().verbatim_string("txt", detail::latency_graph(it->first, it->second));
    });
    commands.add_subcommand("latency", std::move(specs.help), [](server::command_call& call) {
        detail::help_reply(
            call, "latency",
            {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
             "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
             "    Return time-latency samples for the <event> class.", "LATEST",
             "    Return the latest latency samples for all events.", "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
             "    Return a cumulative distribution of latencies in the format of a histogram for the specified command "
             "names.",
             "    If no commands are specified then all histograms are replied."});
    });
    commands.add_subcommand("latency", std::move(specs.histogram), [](server::command_call& call) {
        const server::dispatcher& d = call.client().commands();
        std::vector<const server::command_entry*> wanted;
        const auto add_with_subcommands = [&wanted](const server::command_entry* e, bool subcommands) {
            if (!e->stats.latency.empty()) wanted.push_back(e);
            if (!subcommands) return;
            std::vector<const server::command_entry*> subs;
            for (const auto& [name, sub] : e->subcommands) subs.push_back(sub.get());
            std::sort(subs.begin(), subs.end(), [](auto* a, auto* b) { return a->full_name < b->full_name; });
            for (const server::command_entry* s : subs) {
                if (!s->stats.latency.empty()) wanted.push_back(s);
            }
        };
        if (call.argc() == 2) {
            std::vector<const server::command_entry*> all;
            detail::commands_in_order(d, all);
            for (const server::command_entry* e : all) {
                if (!e->stats.latency.empty()) wanted.push_back(e);
            }
        } else {
            for (std::size_t i = 2; i < call.argc(); ++i) {
                // As Redis's lookupCommandBySds: "config|get" names a subcommand.
                const std::string_view name = call.arg(i);
                const std::size_t bar = name.find('|');
                const server::command_entry* e = d.find(name.substr(0, bar));
                if (e == nullptr) continue;
                if (bar != std::string_view::npos) {
                    if (name.find('|', bar + 1) != std::string_view::npos) continue;
                    const auto sub = e->subcommands.find(name.substr(bar + 1));
                    if (sub == e->subcommands.end()) continue;
                    add_with_subcommands(sub->second.get(), false);
                } else {
                    add_with_subcommands(e, true);
                }
            }
        }
        auto& out = call.reply();
        out.map(wanted.size());
        for (const server::command_entry* e : wanted) {
            out.bulk_string(e->full_name);
            detail::write_latency_cdf(out, e->stats.latency);
        }
    });
    commands.add_subcommand("latency", std::move(specs.history), [](server::command_call& call) {
        const server::latency_series* ts = call.client().commands().latency_monitor().find(call.arg(2));
        auto& out = call.reply();
        if (ts == nullptr) {
            out.array(0);
            return;
        }
        const auto samples = ts->in_order();
        out.array(samples.size());
        for (const auto& s : samples) {
            out.array(2);
            out.integer(s.time);
            out.integer(s.latency);
        }
    });
    commands.add_subcommand("latency", std::move(specs.latest), [](server::command_call& call) {
        const server::latency_monitor& monitor = call.client().commands().latency_monitor();
        auto& out = call.reply();
        out.array(monitor.events().size());
        for (const auto& [event, ts] : monitor.events()) {
            const auto& last = ts.samples[(ts.next + server::latency_series::length - 1) % server::latency_series::length];
            out.array(4);
            out.bulk_string(event);
            out.integer(last.time);
            out.integer(last.latency);
            out.integer(ts.max);
        }
    });
    commands.add_subcommand("latency", std::move(specs.reset), [](server::command_call& call) {
        server::latency_monitor& monitor = call.client().commands().latency_monitor();
        std::size_t resets = 0;
        if (call.argc() == 2) {
            resets = monitor.reset_all();
        } else {
            for (std::size_t i = 2; i < call.argc(); ++i) resets += monitor.reset(call.arg(i));
        }
        call.reply().integer(static_cast<std::int64_t>(resets));
    });
}

} // namespace respkit::commands

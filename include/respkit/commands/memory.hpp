#pragma once

/// \file
/// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP with Redis 7.0's replies, their
/// numbers from respkit's own accounting: used_memory_bytes() for the process, per-value
/// estimates of what each representation holds on the heap (docs/introspection.md says what
/// each number means).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/info.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/specs/memory.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// MEMORY USAGE's default number of sampled elements (Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES).
inline constexpr std::size_t memory_usage_default_samples = 5;

namespace detail {

/// Bytes of a 7-bit-per-byte length prefix of `n` (store::packed_table's blocks).
[[nodiscard]] constexpr std::size_t varint_bytes(std::size_t n) noexcept {
    std::size_t k = 1;
    for (; n >= 0x80; n >>= 7) ++k;
    return k;
}

/// Heap bytes of a std::string of `length` bytes (none within the small-string buffer).
[[nodiscard]] constexpr std::size_t string_heap_bytes(std::size_t length) noexcept {
    return length < sizeof(std::string) / 2 ? 0 : length + 1;
}

/// The average of `sampled` elements' `bytes`, times `count` elements.
[[nodiscard]] constexpr std::size_t scaled(std::size_t bytes, std::size_t sampled, std::size_t count) noexcept {
    return sampled == 0 ? 0 : static_cast<std::size_t>(static_cast<double>(bytes) / static_cast<double>(sampled) *
                                                       static_cast<double>(count));
}

} // namespace detail

/// The bytes `v` holds: the value itself and what it owns on the heap, as requested from the
/// allocator. Strings, listpacks, intsets, lists and streams are counted whole; the elements
/// of hash tables and skip lists (one allocation each) are estimated from the first `samples`
/// of them (Redis's objectComputeSize), the table's own array counted whole.
[[nodiscard]] inline std::size_t value_memory_bytes(const store::value& v, std::size_t samples) {
    std::size_t bytes = sizeof(store::value);
    switch (v.kind()) {
    case store::value_kind::string:
        if (!v.is_inline() && !v.is_int_encoded()) bytes += sizeof(std::string) + detail::string_heap_bytes(v.string_length());
        break;
    case store::value_kind::list: bytes += sizeof(store::list_value) + v.list().allocated_bytes(); break;
    case store::value_kind::hash: {
        const store::hash_value& h = v.hash();
        if (h.is_listpack()) {
            bytes += h.listpack_bytes();
            break;
        }
        std::size_t sampled = 0, element_bytes = 0;
        for (auto it = h.begin(); it != h.end() && sampled < samples; ++it, ++sampled) {
            const auto [field, value] = *it;
            element_bytes += 4 + detail::varint_bytes(field.size()) + field.size() + detail::varint_bytes(value.size()) +
                             value.size();
        }
        bytes += sizeof(store::hash_value::table_type) + h.table_slots() * sizeof(void*) +
                 detail::scaled(element_bytes, sampled, h.size());
        break;
    }
    case store::value_kind::set: {
        const store::set_value& s = v.set();
        if (s.is_intset()) {
            bytes += s.intset_bytes();
            break;
        }
        std::size_t sampled = 0, element_bytes = 0;
        for (auto it = s.begin(); it != s.end() && sampled < samples; ++it, ++sampled) {
            const std::string_view member = *it;
            element_bytes += 4 + detail::varint_bytes(member.size()) + member.size();
        }
        bytes += sizeof(store::set_value::table_type) + s.table_slots() * sizeof(void*) +
                 detail::scaled(element_bytes, sampled, s.size());
        break;
    }
    case store::value_kind::zset: {
        const store::zset_value& z = v.zset();
        if (z.packed()) {
            bytes += z.heap_bytes();
            break;
        }
        // A skip list node (score, member, backward link, a level's forward link and span on
        // average 1.33 levels) and the member's slot in the hash index.
        constexpr std::size_t node_overhead = sizeof(double) + 2 * sizeof(void*) + 2 * sizeof(void*) + sizeof(std::size_t);
        std::size_t sampled = 0, element_bytes = 0;
        for (auto it = z.begin(); it != z.end() && sampled < samples; ++it, ++sampled) {
            element_bytes += node_overhead + (*it).second.size();
        }
        bytes += detail::scaled(element_bytes, sampled, z.size()) + z.size() * sizeof(void*);
        break;
    }
    case store::value_kind::stream: bytes += v.stream().heap_bytes(); break;
    }
    return bytes;
}

namespace detail {

/// What MEMORY STATS and DOCTOR report, measured now (Redis's getMemoryOverheadData).
struct memory_overhead {
    struct db_overhead {
        std::size_t id = 0, main = 0, expires = 0, slot_to_keys = 0;
    };
    std::uint64_t peak = 0, total = 0, startup = 0, clients_normal = 0;
    std::uint64_t lua_caches = 0, functions_caches = 0; // the scripting layer's, when installed
    std::vector<db_overhead> dbs;
    std::uint64_t overhead_total = 0, total_keys = 0, bytes_per_key = 0, dataset = 0;
    double dataset_perc = 0, peak_perc = 0;
    std::uint64_t allocator_allocated = 0, allocator_active = 0, allocator_resident = 0, rss = 0;
};

/// The highest used memory MEMORY STATS or DOCTOR has measured (respkit keeps no peak of its
/// own: counting one on every allocation would cost every allocation a compare).
inline std::atomic<std::uint64_t>& memory_peak() {
    static std::atomic<std::uint64_t> peak{0};
    return peak;
}

/// The memory used when MEMORY was installed (before the data set was loaded).
inline std::atomic<std::uint64_t>& memory_at_startup() {
    static std::atomic<std::uint64_t> startup{0};
    return startup;
}

template <class Keyspace>
[[nodiscard]] memory_overhead measure_overhead(const server::server_context& ctx, const Keyspace& keyspace) {
    memory_overhead m;
    m.total = used_memory_bytes();
    m.rss = resident_bytes();
    std::uint64_t peak = memory_peak().load(std::memory_order_relaxed);
    while (peak < m.total && !memory_peak().compare_exchange_weak(peak, m.total, std::memory_order_relaxed)) {
    }
    m.peak = std::max(peak, m.total);
    m.startup = memory_at_startup().load(std::memory_order_relaxed);
    for (const server::session* s : ctx.clients()) m.clients_normal += s->memory_usage();
    if (ctx.scripting().memory) { // the cached scripts and the libraries, as Redis counts them
        const server::scripting_memory lua = ctx.scripting().memory();
        m.lua_caches = lua.scripts_eval;
        m.functions_caches = lua.functions_memory;
    }
    m.overhead_total = m.startup + m.clients_normal + m.lua_caches + m.functions_caches;
    for (std::size_t db = 0; db < keyspace.db_count(); ++db) {
        const std::size_t keys = keyspace.size(db);
        if (keys == 0) continue;
        m.total_keys += keys;
        // A key's entry (value, TTL slot, access time) and its slot in the table; a TTL's
        // record (the key's copy and its time).
        // In cluster mode, the per-slot index's links in each key's node (as Redis's
        // overhead.hashtable.slot-to-keys: the keys times their dict entries' metadata).
        memory_overhead::db_overhead d{db, keys * (sizeof(store::entry) + sizeof(void*)),
                      keyspace.expires_count(db) * (sizeof(std::string) + sizeof(std::int64_t)),
                      keys * keyspace.slot_index_bytes_per_key(db)};
        m.overhead_total += d.main + d.expires + d.slot_to_keys;
        m.dbs.push_back(d);
    }
    m.dataset = m.total - std::min(m.total, m.overhead_total);
    m.peak_perc = m.peak == 0 ? 0 : static_cast<float>(m.total) * 100 / static_cast<float>(m.peak);
    const std::uint64_t net = m.total > m.startup ? m.total - m.startup : 1;
    m.dataset_perc = static_cast<float>(m.dataset) * 100 / static_cast<float>(net);
    m.bytes_per_key = m.total_keys ? net / m.total_keys : 0;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 mi = ::mallinfo2();
    m.allocator_allocated = static_cast<std::uint64_t>(mi.uordblks) + static_cast<std::uint64_t>(mi.hblkhd);
    m.allocator_active = static_cast<std::uint64_t>(mi.arena) + static_cast<std::uint64_t>(mi.hblkhd);
#else
    m.allocator_allocated = m.total;
    m.allocator_active = m.total;
#endif
    // glibc says what it took from the system, not what of it is resident: taken as resident.
    m.allocator_resident = m.allocator_active;
    return m;
}

/// `a / b` as Redis's float ratios (0 when b is 0, where Redis would print inf or nan).
[[nodiscard]] inline double memory_ratio(std::uint64_t a, std::uint64_t b) {
    return b == 0 ? 0 : static_cast<float>(a) / static_cast<float>(b);
}
/// `a - b` as Redis's size_t differences, which wrap when b is larger: as a signed number here.
[[nodiscard]] inline std::int64_t memory_difference(std::uint64_t a, std::uint64_t b) {
    return static_cast<std::int64_t>(a) - static_cast<std::int64_t>(b);
}

/// MEMORY DOCTOR's report, Redis's text and thresholds over respkit's numbers.
[[nodiscard]] inline std::string memory_doctor_report(const memory_overhead& m, std::size_t clients) {
    bool empty = false, big_peak = false, high_frag = false, high_alloc_frag = false, high_alloc_rss = false,
         high_proc_rss = false, big_client_buf = false;
    int reports = 0;
    if (m.total < 1024 * 1024 * 5) {
        empty = true;
        ++reports;
    } else {
        const auto flag = [&reports](bool& f, bool condition) {
            f = condition;
            reports += condition ? 1 : 0;
        };
        constexpr std::int64_t ten_mb = 10 << 20;
        flag(big_peak, static_cast<float>(m.peak) / static_cast<float>(m.total) > 1.5f);
        flag(high_frag, memory_ratio(m.rss, m.total) > 1.4 && memory_difference(m.rss, m.total) > ten_mb);
        flag(high_alloc_frag, memory_ratio(m.allocator_active, m.allocator_allocated) > 1.1 &&
                                  memory_difference(m.allocator_active, m.allocator_allocated) > ten_mb);
        flag(high_alloc_rss, memory_ratio(m.allocator_resident, m.allocator_active) > 1.1 &&
                                 memory_difference(m.allocator_resident, m.allocator_active) > ten_mb);
        flag(high_proc_rss, memory_ratio(m.rss, m.allocator_resident) > 1.1 &&
                                memory_difference(m.rss, m.allocator_resident) > ten_mb);
        flag(big_client_buf, clients > 0 && m.clients_normal / clients > 1024 * 200);
    }
    if (reports == 0) {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this "
               "base.\n";
    }
    if (empty) {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in "
               "these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and "
               "I will be back to our programming as soon as I finished rebooting.\n";
    }
    std::string s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
    if (big_peak) {
        s += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
             "allocator is normally not able to release memory after a peak, so you can expect to see a big "
             "fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the "
             "Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as "
             "soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want "
             "to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to "
             "shutdown and restart the instance.\n\n";
    }
    if (high_frag) {
        s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means "
             "that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations "
             "Redis performed). This problem is usually due either to a large peak memory (check if there is a peak "
             "memory entry above in the report) or may result from a workload that causes the allocator to fragment "
             "memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you "
             "are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "
             "\"libc\".\n\n";
    }
    if (high_alloc_frag) {
        s += " * High allocator fragmentation: This instance has an allocator external fragmentation greater than "
             "1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry "
             "above in the report) or may result from a workload that causes the allocator to fragment memory a lot. "
             "You can try enabling 'activedefrag' config option.\n\n";
    }
    if (high_alloc_rss) {
        s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means "
             "that the Resident Set Size of the allocator is much larger than the sum what the allocator actually "
             "holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above "
             "in the report), you can try the MEMORY PURGE command to reclaim it.\n\n";
    }
    if (high_proc_rss) {
        s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "
             "(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator "
             "holds). This problem may be due to Lua scripts or Modules.\n\n";
    }
    if (big_client_buf) {
        s += " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on "
             "average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not "
             "receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending "
             "commands with large replies or very large sequences of commands in the same pipeline. Please use the "
             "CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to "
             "understand better why certain clients are using a big amount of memory.\n\n";
    }
    s += "I'm here to keep you safe, Sam. I want to help you.\n";
    return s;
}

/// The allocator's own report: glibc's malloc_info (XML), or Redis's answer without jemalloc.
[[nodiscard]] inline std::string malloc_stats_text() {
#if defined(__GLIBC__)
    char* buffer = nullptr;
    std::size_t size = 0;
    if (FILE* f = ::open_memstream(&buffer, &size)) {
        const int rc = ::malloc_info(0, f);
        std::fclose(f);
        std::string text = rc == 0 && buffer != nullptr ? std::string(buffer, size) : std::string();
        std::free(buffer);
        if (!text.empty()) return text;
    }
#endif
    return {};
}

} // namespace detail

/// Registers MEMORY and its subcommands over `keyspace` (which must outlive `commands`), and
/// takes the memory used now as MEMORY STATS's startup.allocated.
template <class Keyspace>
void install_memory_commands(server::dispatcher& commands, Keyspace& keyspace) {
    detail::memory_at_startup().store(used_memory_bytes(), std::memory_order_relaxed);
    auto specs = memory_command_specs();
    commands.add(std::move(specs.memory), {});
    commands.add_subcommand("memory", std::move(specs.usage), [&keyspace](server::command_call& call) {
        std::int64_t samples = static_cast<std::int64_t>(memory_usage_default_samples);
        for (std::size_t j = 3; j < call.argc(); ++j) {
            if (option_is(call.arg(j), "samples") && j + 1 < call.argc()) {
                if (!respkit::detail::parse_int64(call.arg(j + 1), samples)) {
                    call.error(server::errors::not_integer);
                    return;
                }
                if (samples < 0) {
                    call.error(server::errors::syntax);
                    return;
                }
                if (samples == 0) samples = std::numeric_limits<std::int64_t>::max();
                ++j;
            } else {
                call.error(server::errors::syntax);
                return;
            }
        }
        // As Redis's dictFind: a key whose TTL passed but is still stored counts; nothing is
        // expired, touched or counted as a hit.
        const store::entry* e = keyspace.map(call.client().db()).find(call.arg(2));
        if (e == nullptr) {
            call.reply().null();
            return;
        }
        // The key's entry, its bucket pointer and, in cluster mode, its links in the per-slot index
        // (Redis adds its dict entries' metadata too).
        const std::size_t usage = value_memory_bytes(e->data, static_cast<std::size_t>(samples)) + call.arg(2).size() +
                                  sizeof(store::entry) + sizeof(void*) +
                                  keyspace.slot_index_bytes_per_key(call.client().db());
        call.reply().integer(static_cast<std::int64_t>(usage));
    });
    commands.add_subcommand("memory", std::move(specs.stats), [&keyspace](server::command_call& call) {
        const detail::memory_overhead m = detail::measure_overhead(call.server(), keyspace);
        auto& out = call.reply();
        const auto field = [&out](std::string_view name, std::int64_t n) {
            out.bulk_string(name);
            out.integer(n);
        };
        const auto ratio = [&out](std::string_view name, double x) {
            out.bulk_string(name);
            out.double_number(x);
        };
        const auto i = [](std::uint64_t n) { return static_cast<std::int64_t>(n); };
        out.map(27 + m.dbs.size());
        field("peak.allocated", i(m.peak));
        field("total.allocated", i(m.total));
        field("startup.allocated", i(m.startup));
        field("replication.backlog", 0);
        field("clients.slaves", 0);
        field("clients.normal", i(m.clients_normal));
        field("cluster.links", 0);
        field("aof.buffer", 0);
        field("lua.caches", i(m.lua_caches));
        field("functions.caches", i(m.functions_caches));
        for (const auto& d : m.dbs) {
            out.bulk_string("db." + std::to_string(d.id));
            out.map(3);
            field("overhead.hashtable.main", i(d.main));
            field("overhead.hashtable.expires", i(d.expires));
            field("overhead.hashtable.slot-to-keys", i(d.slot_to_keys));
        }
        field("overhead.total", i(m.overhead_total));
        field("keys.count", i(m.total_keys));
        field("keys.bytes-per-key", i(m.bytes_per_key));
        field("dataset.bytes", i(m.dataset));
        ratio("dataset.percentage", m.dataset_perc);
        ratio("peak.percentage", m.peak_perc);
        field("allocator.allocated", i(m.allocator_allocated));
        field("allocator.active", i(m.allocator_active));
        field("allocator.resident", i(m.allocator_resident));
        ratio("allocator-fragmentation.ratio", detail::memory_ratio(m.allocator_active, m.allocator_allocated));
        field("allocator-fragmentation.bytes", detail::memory_difference(m.allocator_active, m.allocator_allocated));
        ratio("allocator-rss.ratio", detail::memory_ratio(m.allocator_resident, m.allocator_active));
        field("allocator-rss.bytes", detail::memory_difference(m.allocator_resident, m.allocator_active));
        ratio("rss-overhead.ratio", detail::memory_ratio(m.rss, m.allocator_resident));
        field("rss-overhead.bytes", detail::memory_difference(m.rss, m.allocator_resident));
        ratio("fragmentation", detail::memory_ratio(m.rss, m.total));
        field("fragmentation.bytes", detail::memory_difference(m.rss, m.total));
    });
    commands.add_subcommand("memory", std::move(specs.doctor), [&keyspace](server::command_call& call) {
        const detail::memory_overhead m = detail::measure_overhead(call.server(), keyspace);
        call.reply().verbatim_string("txt", detail::memory_doctor_report(m, call.server().clients().size()));
    });
    commands.add_subcommand("memory", std::move(specs.malloc_stats), [](server::command_call& call) {
        const std::string text = detail::malloc_stats_text();
        if (text.empty()) call.reply().bulk_string("Stats not supported for the current allocator");
        else call.reply().verbatim_string("txt", text);
    });
    commands.add_subcommand("memory", std::move(specs.purge), [](server::command_call& call) {
#if defined(__GLIBC__)
        (void)::malloc_trim(0); // returns whether memory was released: either is success
#endif
        call.ok();
    });
    commands.add_subcommand("memory", std::move(specs.help), [](server::command_call& call) {
        detail::help_reply(call, "memory",
                           {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
                            "    Return internal statistics report from the memory allocator.", "PURGE",
                            "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
                            "    Return information about the memory usage of the server.",
                            "USAGE <key> [SAMPLES <count>]",
                            "    Return memory in bytes used by <key> and its value. Nested values are",
                            "    sampled up to <count> times (default: 5, 0 means sample all)."});
    });
}

} // namespace respkit::commands

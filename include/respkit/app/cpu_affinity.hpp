#pragma once

/// \file
/// server_cpulist, bgsave_cpulist and aof_rewrite_cpulist: a Redis CPU list ("0-3,8,10-15:2")
/// and pinning the calling process to it, as Redis's setcpuaffinity (Linux).

#include <sched.h>

#include <charconv>
#include <optional>
#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// The CPUs `list` names: comma-separated items `a`, `a-b` or `a-b:stride` (Redis's format), or
/// nullopt when it is empty or malformed (a > b, a stride of 0, a CPU at or past CPU_SETSIZE,
/// anything else after a number), as Redis then leaves the affinity alone.
[[nodiscard]] inline std::optional<cpu_set_t> parse_cpu_list(std::string_view list) {
    if (list.empty()) return std::nullopt;
    cpu_set_t set;
    CPU_ZERO(&set);
    const char* p = list.data();
    const char* const end = list.data() + list.size();
    const auto number = [&](unsigned& out) {
        if (p == end || *p < '0' || *p > '9') return false;
        const auto [next, error] = std::from_chars(p, end, out);
        if (error != std::errc()) return false;
        p = next;
        return true;
    };
    while (true) {
        unsigned first = 0, last = 0, stride = 1;
        if (!number(first)) return std::nullopt;
        last = first;
        if (p != end && *p == '-') {
            ++p;
            if (!number(last)) return std::nullopt;
            if (p != end && *p == ':') {
                ++p;
                if (!number(stride) || stride == 0) return std::nullopt;
            }
        }
        if (first > last || last >= CPU_SETSIZE) return std::nullopt;
        for (unsigned cpu = first; cpu <= last; cpu += stride) CPU_SET(cpu, &set);
        if (p == end) return set;
        if (*p != ',') return std::nullopt;
        ++p;
    }
}

/// Pins the calling process to the CPUs `list` names; does nothing when the list is empty or
/// malformed (Redis's setcpuaffinity). Returns false when the kernel refused the set.
inline bool set_cpu_affinity(std::string_view list) {
    const std::optional<cpu_set_t> set = parse_cpu_list(list);
    return !set || ::sched_setaffinity(0, sizeof(cpu_set_t), &*set) == 0;
}

} // namespace respkit::app

#pragma once

/// \file
/// The latency monitor (LATENCY): per event ("command", "fast-command", "expire-cycle" ...) the
/// latest 160 one-second samples of latencies of at least latency-monitor-threshold
/// milliseconds, and the all-time maximum, as Redis's latency.c keeps them; with the reports
/// LATENCY DOCTOR and GRAPH draw from them.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// One event's history.
struct latency_series {
    /// One second's worst latency.
    struct sample {
        std::int32_t time = 0;     ///< unix seconds (0: unused slot)
        std::uint32_t latency = 0; ///< milliseconds
    };
    static constexpr std::size_t length = 160; ///< samples kept (Redis's LATENCY_TS_LEN)
    std::size_t next = 0;                      ///< the slot the next sample goes to
    std::uint32_t max = 0;                     ///< all-time maximum since the last reset
    std::array<sample, length> samples{};      ///< a ring, oldest at `next`

    /// The samples in use, oldest first.
    [[nodiscard]] std::vector<sample> in_order() const {
        std::vector<sample> out;
        for (std::size_t j = 0; j < length; ++j) {
            const sample& s = samples[(next + j) % length];
            if (s.time != 0) out.push_back(s);
        }
        return out;
    }
};

/// The latency monitor of one server.
class latency_monitor {
public:
    /// latency-monitor-threshold in milliseconds: 0 disables the monitor.
    std::int64_t threshold_ms = 0;

    /// Records `ms` for `event` when the monitor is on and it reaches the threshold (Redis's
    /// latencyAddSampleIfNeeded).
    void add_if_needed(std::string_view event, std::int64_t ms) {
        if (threshold_ms != 0 && ms >= threshold_ms) add(event, ms, static_cast<std::int64_t>(std::time(nullptr)));
    }
    /// Records `ms` for `event` at `now` (unix seconds): one sample per second, the worst kept.
    void add(std::string_view event, std::int64_t ms, std::int64_t now) {
        auto it = m_events.find(event);
        if (it == m_events.end()) it = m_events.emplace(std::string(event), latency_series{}).first;
        latency_series& ts = it->second;
        const auto latency = static_cast<std::uint32_t>(ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : ms);
        if (latency > ts.max) ts.max = latency;
        latency_series::sample& prev = ts.samples[(ts.next + latency_series::length - 1) % latency_series::length];
        if (prev.time == static_cast<std::int32_t>(now)) {
            if (latency > prev.latency) prev.latency = latency;
            return;
        }
        ts.samples[ts.next] = {static_cast<std::int32_t>(now), latency};
        ts.next = (ts.next + 1) % latency_series::length;
    }
    /// The events with samples, by name.
    [[nodiscard]] const std::map<std::string, latency_series, std::less<>>& events() const noexcept { return m_events; }
    /// The history of `event` (exact name), or nullptr.
    [[nodiscard]] const latency_series* find(std::string_view event) const {
        const auto it = m_events.find(event);
        return it == m_events.end() ? nullptr : &it->second;
    }
    /// Forgets `event` (any case) and returns 1, or 0 when it has no history.
    std::size_t reset(std::string_view event) {
        return std::erase_if(m_events, [&](const auto& e) { return respkit::detail::ascii_iequals(e.first, event); });
    }
    /// Forgets every event; returns how many there were.
    std::size_t reset_all() {
        const std::size_t n = m_events.size();
        m_events.clear();
        return n;
    }

private:
    std::map<std::string, latency_series, std::less<>> m_events;
};

/// LATENCY GRAPH's drawing (Redis's sparkline.c with its fill charset): `rows` rows of
/// `columns` columns per chunk of samples, each sample's label written downwards under it.
struct sparkline_sample {
    double value = 0;
    std::string label;
};

/// Renders `samples` as Redis's sparklineRender(..., columns, rows, SPARKLINE_FILL).
[[nodiscard]] inline std::string render_sparkline(const std::vector<sparkline_sample>& samples, int columns, int rows) {
    static constexpr std::string_view fill = "_o#";
    constexpr int charset_len = 3;
    constexpr int label_margin_top = 1;
    std::string out;
    if (samples.empty()) return out;
    double min = samples[0].value, max = samples[0].value;
    bool any_label = false;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        // As Redis: a new minimum is not also checked as a maximum (else if).
        if (i != 0) {
            if (samples[i].value < min) min = samples[i].value;
            else if (samples[i].value > max) max = samples[i].value;
        }
        any_label = any_label || !samples[i].label.empty();
    }
    const auto length = static_cast<int>(samples.size());
    for (int offset = 0; offset < length; offset += columns) {
        const int len = std::min(columns, length - offset);
        if (offset != 0) out += '\n';
        double relmax = max - min;
        if (relmax == 0) relmax = 1;
        const int steps = charset_len * rows;
        int row = 0;
        bool loop = true;
        std::string chars(static_cast<std::size_t>(len), ' ');
        while (loop) {
            loop = false;
            chars.assign(static_cast<std::size_t>(len), ' ');
            for (int j = 0; j < len; ++j) {
                const sparkline_sample& s = samples[static_cast<std::size_t>(j + offset)];
                const double relval = s.value - min;
                // As Redis's `(int) (relval*steps)/relmax`: the product is truncated, then divided.
                int step = static_cast<int>(static_cast<double>(static_cast<int>(relval * steps)) / relmax);
                if (step < 0) step = 0;
                if (step >= steps) step = steps - 1;
                if (row < rows) {
                    const int charidx = step - ((rows - row - 1) * charset_len);
                    loop = true;
                    if (charidx >= 0 && charidx < charset_len) chars[static_cast<std::size_t>(j)] = fill[static_cast<std::size_t>(charidx)];
                    else if (charidx >= charset_len) chars[static_cast<std::size_t>(j)] = '|';
                } else {
                    if (any_label && row - rows < label_margin_top) {
                        loop = true;
                        break;
                    }
                    const int label_char = row - rows - label_margin_top;
                    if (static_cast<int>(s.label.size()) > label_char) {
                        loop = true;
                        chars[static_cast<std::size_t>(j)] = s.label[static_cast<std::size_t>(label_char)];
                    }
                }
            }
            if (loop) {
                ++row;
                out += chars;
                out += '\n';
            }
        }
    }
    return out;
}

} // namespace respkit::server

#pragma once

/// \file
/// Periodic timers for an event loop.

#include <respkit/version.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

/// Identifies a timer for cancel().
using timer_id = std::uint64_t;

/// Callbacks run every period by the loop that owns the list. A callback may add or cancel
/// timers (itself included). A loop that fell behind runs a late timer once, not once per
/// missed period. Not thread-safe.
class timer_list {
public:
    using clock = std::chrono::steady_clock;

    /// Runs `callback` every `period` (at least 1 ms) from `now + period` on.
    timer_id add(std::chrono::milliseconds period, std::function<void()> callback, clock::time_point now) {
        if (period < std::chrono::milliseconds(1)) period = std::chrono::milliseconds(1);
        auto t = std::make_unique<timer>();
        t->id = ++m_last_id;
        t->period = period;
        t->next = now + period;
        t->callback = std::move(callback);
        m_timers.push_back(std::move(t));
        return m_last_id;
    }
    /// Stops a timer; false when there was none with that id.
    bool cancel(timer_id id) noexcept {
        for (auto& t : m_timers) {
            if (t->id == id && !t->cancelled) {
                t->cancelled = true;
                return true;
            }
        }
        return false;
    }
    /// When the next timer is due, if any.
    [[nodiscard]] std::optional<clock::time_point> next_due() const noexcept {
        std::optional<clock::time_point> due;
        for (const auto& t : m_timers) {
            if (!t->cancelled && (!due || t->next < *due)) due = t->next;
        }
        return due;
    }
    /// Runs the timers due at `now`.
    void run_due(clock::time_point now) {
        // Index loop over stable pointers: callbacks may add timers (the vector may grow).
        const std::size_t count = m_timers.size();
        for (std::size_t i = 0; i < count; ++i) {
            timer* t = m_timers[i].get();
            if (t->cancelled || t->next > now) continue;
            t->next += t->period;
            if (t->next <= now) t->next = now + t->period; // fell behind: do not run a burst
            t->callback();
        }
        std::erase_if(m_timers, [](const std::unique_ptr<timer>& t) { return t->cancelled; });
    }
    /// Number of live timers.
    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(std::count_if(m_timers.begin(), m_timers.end(),
                                                      [](const auto& t) { return !t->cancelled; }));
    }

private:
    struct timer {
        timer_id id = 0;
        std::chrono::milliseconds period{};
        clock::time_point next{};
        std::function<void()> callback;
        bool cancelled = false;
    };
    std::vector<std::unique_ptr<timer>> m_timers;
    timer_id m_last_id = 0;
};

} // namespace respkit::net

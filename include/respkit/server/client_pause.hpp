#pragma once

/// \file
/// CLIENT PAUSE's state: which clients' commands are held and until when, as Redis 7.0's
/// pauseClients / unpauseClients / checkClientPauseTimeoutAndReturnIfPaused keep it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// What a pause holds, from the least to the most restrictive (Redis's CLIENT_PAUSE_*).
enum class pause_mode : std::uint8_t {
    off,   ///< nothing is held
    write, ///< commands that may write or propagate (write, may_replicate; EXEC of such; EVAL of a script that may write)
    all,   ///< every client command
};

/// The pause of a server's clients (CLIENT PAUSE, CLIENT UNPAUSE) and the sessions it holds.
/// Times are the steady clock's; a pause ends when the clock passes its end.
class client_pause {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// Pauses until `end` in `mode`. A pause in force is extended, never shortened, and its mode
    /// becomes the stricter of the two (Redis's pauseClients for one purpose); an end already
    /// past (CLIENT PAUSE 0) pauses nothing.
    void pause(pause_mode mode, time_point end, time_point now) {
        (void)current(now);
        if (m_mode != pause_mode::off) {
            mode = std::max(mode, m_mode);
            end = std::max(end, m_end);
        }
        if (end < now) return;
        m_mode = mode;
        m_end = end;
        changed();
    }
    /// Ends the pause (CLIENT UNPAUSE); the held sessions are released at the next release().
    void unpause() {
        if (m_mode == pause_mode::off) return;
        m_mode = pause_mode::off;
        changed();
    }
    /// The mode in force at `now`: a pause whose end passed is over.
    [[nodiscard]] pause_mode current(time_point now) {
        if (m_mode != pause_mode::off && m_end < now) {
            m_mode = pause_mode::off;
            changed();
        }
        return m_mode;
    }
    /// True while a pause is in force at `now` (expiry and eviction wait meanwhile, as Redis).
    [[nodiscard]] bool active(time_point now) { return current(now) != pause_mode::off; }
    /// When the pause in force ends (meaningless when off).
    [[nodiscard]] time_point end() const noexcept { return m_end; }

    /// The sessions whose command is held, oldest first.
    [[nodiscard]] std::vector<session*>& held() noexcept { return m_held; }
    /// The sessions whose command is held, oldest first.
    [[nodiscard]] const std::vector<session*>& held() const noexcept { return m_held; }

    /// True when the pause became less restrictive than when the held sessions were last
    /// looked at (it ended, or ALL became WRITE): they are all released to run their command
    /// again (and may be held again), as Redis's unblockPostponedClients.
    [[nodiscard]] bool take_release(time_point now) {
        const pause_mode mode = current(now);
        const bool released = mode < m_applied;
        m_applied = mode;
        return released;
    }

    /// Calls `f(paused)` whenever the pause begins or ends (a keyspace keeps its expired keys
    /// while paused: store::keyspace::set_keep_expired).
    void on_change(std::function<void(bool paused)> f) { m_on_change.push_back(std::move(f)); }

private:
    void changed() {
        m_applied = std::max(m_applied, m_mode);
        const bool paused = m_mode != pause_mode::off;
        if (paused == m_reported) return;
        m_reported = paused;
        for (const auto& f : m_on_change) f(paused);
    }

    pause_mode m_mode = pause_mode::off;
    pause_mode m_applied = pause_mode::off; // the mode the held sessions were held under, at most
    bool m_reported = false;                // what on_change last said
    time_point m_end{};
    std::vector<session*> m_held;
    std::vector<std::function<void(bool)>> m_on_change;
};

} // namespace respkit::server

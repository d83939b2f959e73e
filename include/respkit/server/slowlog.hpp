#pragma once

/// \file
/// The slow log (SLOWLOG): the most recent commands that took at least slowlog-log-slower-than
/// microseconds, newest first, at most slowlog-max-len of them, their arguments trimmed as
/// Redis's slowlogCreateEntry trims them.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// One logged command.
struct slowlog_entry {
    std::uint64_t id = 0;          ///< unique, increasing from 0
    std::int64_t unix_time = 0;    ///< when it was logged, in seconds
    std::int64_t duration_us = 0;  ///< how long it ran
    std::vector<std::string> args; ///< at most 32, each at most 128 bytes plus a note of what was cut
    std::string peer;              ///< the client's address ("127.0.0.1:5000")
    std::string client_name;       ///< the client's name (empty when none)
};

/// The slow log of one server.
class slowlog {
public:
    /// Arguments kept per entry (the last one says how many more there were).
    static constexpr std::size_t max_args = 32;
    /// Bytes kept per argument (the rest is replaced by a note of its length).
    static constexpr std::size_t max_arg_bytes = 128;

    /// slowlog-log-slower-than: the least duration logged, in microseconds (negative: none).
    std::int64_t slower_than_us = 10000;
    /// slowlog-max-len: the most entries kept.
    std::size_t max_len = 128;

    /// Logs the command `args` when `duration_us` reaches the threshold, dropping the oldest
    /// entries past max_len (also when it is not logged: a smaller max_len applies from the
    /// next command on). True when it was logged.
    bool push_if_needed(std::span<const std::string_view> args, std::int64_t duration_us, std::int64_t unix_time,
                        std::string_view peer, std::string_view client_name) {
        if (slower_than_us < 0) return false; // disabled: not even trimmed, as Redis
        bool logged = false;
        if (duration_us >= slower_than_us) {
            slowlog_entry e;
            e.id = m_next_id++;
            e.unix_time = unix_time;
            e.duration_us = duration_us;
            const std::size_t kept = args.size() > max_args ? max_args : args.size();
            e.args.reserve(kept);
            for (std::size_t i = 0; i < kept; ++i) {
                if (kept != args.size() && i == kept - 1) {
                    e.args.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
                } else if (args[i].size() > max_arg_bytes) {
                    e.args.push_back(std::string(args[i].substr(0, max_arg_bytes)) + "... (" +
                                     std::to_string(args[i].size() - max_arg_bytes) + " more bytes)");
                } else {
                    e.args.emplace_back(args[i]);
                }
            }
            e.peer.assign(peer);
            e.client_name.assign(client_name);
            m_entries.push_front(std::move(e));
            logged = true;
        }
        trim();
        return logged;
    }
    /// The entries, newest first.
    [[nodiscard]] const std::deque<slowlog_entry>& entries() const noexcept { return m_entries; }
    /// Drops every entry (SLOWLOG RESET); ids keep increasing.
    void reset() noexcept { m_entries.clear(); }
private:
    void trim() {
        while (m_entries.size() > max_len) m_entries.pop_back();
    }

    std::deque<slowlog_entry> m_entries;
    std::uint64_t m_next_id = 0;
};

} // namespace respkit::server

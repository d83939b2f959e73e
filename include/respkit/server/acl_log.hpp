#pragma once

/// \file
/// The ACL log (ACL LOG): the latest denied commands and failed authentications, similar events
/// within a minute grouped into one entry with a count, as Redis 7.0 keeps them.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "respkit/detail/chrono.hpp"
#include "respkit/server/acl_user.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Where a denied command ran (Redis's ACL_LOG_CTX_*).
enum class acl_log_context : std::uint8_t { toplevel, lua, multi, module };

/// One ACL LOG entry.
struct acl_log_entry {
    std::uint64_t count = 1;                    ///< how many times it happened recently
    acl_denial reason = acl_denial::command;    ///< what was denied
    acl_log_context context = acl_log_context::toplevel; ///< where
    std::string object;                         ///< the command, key or channel; "AUTH" for auth
    std::string username;                       ///< the user the client was, or tried to be
    std::int64_t time_ms = 0;                   ///< last occurrence, milliseconds since the epoch
    std::string client_info;                    ///< the client, as CLIENT LIST shows it
};

/// Redis's name of a reason ("command", "key", "channel", "auth").
[[nodiscard]] inline std::string_view acl_reason_name(acl_denial r) noexcept {
    switch (r) {
    case acl_denial::command: return "command";
    case acl_denial::key: return "key";
    case acl_denial::channel: return "channel";
    case acl_denial::auth: return "auth";
    case acl_denial::none: break;
    }
    return "unknown";
}

/// Redis's name of a context ("toplevel", "multi", "lua", "module").
[[nodiscard]] inline std::string_view acl_context_name(acl_log_context c) noexcept {
    switch (c) {
    case acl_log_context::toplevel: return "toplevel";
    case acl_log_context::lua: return "lua";
    case acl_log_context::multi: return "multi";
    case acl_log_context::module: return "module";
    }
    return "unknown";
}

template <class = void>
class basic_acl_log;
/// The log, newest first, at most max_length() entries (acllog-max-len).
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using acl_log = basic_acl_log<>;

template <class>
class basic_acl_log {
public:
    /// Adds an event: an entry of the last ten with the same reason, context, object and user,
    /// less than a minute apart, is counted again and moved first; otherwise a new entry.
    void add(acl_log_entry entry) {
        if (entry.time_ms == 0) entry.time_ms = now_ms();
        std::size_t scanned = 0;
        for (auto it = m_entries.begin(); it != m_entries.end() && scanned < 10; ++it, ++scanned) {
            const std::int64_t delta = it->time_ms > entry.time_ms ? it->time_ms - entry.time_ms : entry.time_ms - it->time_ms;
            if (it->reason == entry.reason && it->context == entry.context && delta <= 60000 &&
                it->object == entry.object && it->username == entry.username) {
                acl_log_entry match = std::move(*it);
                m_entries.erase(it);
                match.client_info = std::move(entry.client_info);
                match.time_ms = entry.time_ms;
                ++match.count;
                m_entries.push_front(std::move(match));
                return;
            }
        }
        m_entries.push_front(std::move(entry));
        trim();
    }
    /// Forgets every entry (ACL LOG RESET).
    void clear() noexcept { m_entries.clear(); }
    /// The entries, newest first.
    [[nodiscard]] const std::deque<acl_log_entry>& entries() const noexcept { return m_entries; }
    /// The most entries kept.
    [[nodiscard]] std::size_t max_length() const noexcept { return m_max; }
    /// Sets the most entries kept (acllog-max-len), dropping the oldest beyond it.
    void set_max_length(std::size_t n) {
        m_max = n;
        trim();
    }
    /// Milliseconds since the epoch, the clock of the entries.
    [[nodiscard]] static std::int64_t now_ms() noexcept {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

private:
    void trim() {
        while (m_entries.size() > m_max) m_entries.pop_back();
    }

    std::deque<acl_log_entry> m_entries;
    std::size_t m_max = 128;
};

} // namespace respkit::server

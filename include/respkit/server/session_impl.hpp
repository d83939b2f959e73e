#pragma once

/// \file
/// The definitions of session's members, with its state, and what runs sessions from outside
/// (dispatcher::call, serving blocked and paused sessions, MONITOR's feed, client eviction):
/// included by what uses them (the command families, net/, app/, scripting/), and compiled once
/// for a program that includes only respkit/server.hpp by respkit/server/src.hpp
/// (docs/headers.md).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/server/access_control.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/client_limits.hpp"
#include "respkit/server/client_pause.hpp"
#include "respkit/server/command_entry.hpp"
#include "respkit/server/dispatcher_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/server/monitor_feed.hpp"
#include "respkit/server/redaction.hpp"
#include "respkit/server/server_context_impl.hpp"
#include "respkit/server/session.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class = void>
void serve_blocked_sessions(server_context& server);
template <class = void>
void feed_monitors(session& client, std::span<const std::string_view> args, command_origin origin,
                   std::string_view full_name);

/// The flags of a call of `entry` with `args`: the command's own, or those its spec's flags_of
/// gives for these arguments (EVAL of a script declaring its flags).
[[nodiscard]] inline command_flag call_flags(const command_entry& entry, std::span<const std::string_view> args) {
    return entry.spec.flags_of ? entry.spec.flags_of(args) : entry.spec.flags;
}

namespace detail {

/// Ends CLIENT CACHING's effect after a client's command (rejected or not) other than CLIENT,
/// unless a transaction is being queued: it applies to the next command or transaction only
/// (Redis's resetClient).
template <class Session>
class caching_reset {
public:
    caching_reset(Session& s, command_origin origin, std::span<const std::string_view> args) noexcept
        : m_session(origin == command_origin::client ? &s : nullptr),
          m_client_command(!args.empty() && args[0].size() == 6 && (args[0][0] | 0x20) == 'c' &&
                           (args[0][1] | 0x20) == 'l' && (args[0][2] | 0x20) == 'i' && (args[0][3] | 0x20) == 'e' &&
                           (args[0][4] | 0x20) == 'n' && (args[0][5] | 0x20) == 't') {}
    caching_reset(const caching_reset&) = delete;
    caching_reset& operator=(const caching_reset&) = delete;
    ~caching_reset() {
        if (m_session == nullptr || m_client_command || m_session->in_multi()) return;
        client_tracking& t = m_session->server().tracking().state(m_session->id());
        t.caching = false;
    }

private:
    Session* m_session;
    bool m_client_command;
};

} // namespace detail

template <class T>
struct basic_session<T>::transaction {
    std::vector<queued_command> queue;
    command_flag flags = command_flag::none;         // every flag of a queued command
    command_flag missing_flags = command_flag::none; // every flag some queued command lacks
    bool aborted = false;                            // a command was rejected while queueing
    std::size_t bytes = 0;                           // memory the queue holds, about
};
template <class T>
struct basic_session<T>::held_command {
    std::vector<std::string> args;
};
template <class T>
struct basic_session<T>::blocked_state {
    std::vector<std::string> args;
    std::vector<std::string> keys;
    std::size_t db = 0;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    timeout_reply on_timeout = timeout_reply::null_array;
};

template <class T>
struct basic_session<T>::big_argument {
    std::string bytes;      // payload and CRLF: received so far, then the window being read into
    std::size_t filled = 0; // bytes received
    std::size_t total = 0;  // payload and CRLF
};

template <class T>
struct basic_session<T>::state {
    explicit state(std::shared_ptr<acl_user> u) noexcept : user(std::move(u)) {}

    std::shared_ptr<acl_user> user;         // see user()
    std::unique_ptr<transaction> multi;     // between MULTI and EXEC
    std::vector<watched_key> watched;
    std::unique_ptr<blocked_state> blocked; // while a blocking command waits
    std::unique_ptr<held_command> held;     // while CLIENT PAUSE holds the command
    std::set<std::string> subscriptions;    // 'c' + channel, 'p' + pattern, 's' + shard channel
    std::size_t shard_subscriptions = 0;    // how many of them are shard channels
    std::vector<std::string> patterns;      // the patterns, in subscription order
    std::unique_ptr<big_argument> big;      // the big argument being received
    std::vector<std::string> big_args;      // big arguments of the command being received
};

template <class T>
basic_session<T>::basic_session(const dispatcher& commands, server_context& server, const session_options& options)
    : m_state(new state(commands.access().default_user())), m_dispatcher(&commands), m_server(&server),
      m_options(options), m_parser(options.request_limits), m_reply(m_output, resp::protocol::resp2),
      m_id(server.next_client_id()), m_authenticated(!commands.access().password_required()) {
    server.add_client(this);
    server.tracking().add_session(m_id, this);
    ++server.stats().total_connections_received;
}

template <class T>
basic_session<T>::~basic_session() {
    unblock();
    release_hold();
    std::erase(m_server->monitors(), this);
    unwatch();
    unsubscribe_all();
    m_server->tracking().remove_session(m_id);
    m_server->remove_client(this);
}

template <class T>
std::span<char> basic_session<T>::input_space(std::size_t n) {
    if (m_state->big) {
        // Received into the reserved string a window at a time: what the client announced
        // is not touched (resident) before it arrives.
        std::string& bytes = m_state->big->bytes;
        if (bytes.size() == m_state->big->filled) {
            bytes.resize(std::min(m_state->big->total, m_state->big->filled + std::max<std::size_t>(n, big_argument_window)));
        }
        return {bytes.data() + m_state->big->filled, bytes.size() - m_state->big->filled};
    }
    return m_input.prepare(n);
}

template <class T>
void basic_session<T>::commit_input(std::size_t n) {
    m_server->stats().total_net_input_bytes += n;
    if (!m_state->big) {
        m_input.commit(n);
        return;
    }
    m_state->big->filled += n;
    if (m_state->big->filled < m_state->big->total) return;
    // Complete: the argument without its CRLF (not checked, as Redis does not) goes to the
    // parser, which reads the rest of the command from the input again.
    m_state->big->bytes.resize(m_state->big->bytes.size() - 2);
    m_state->big_args.push_back(std::move(m_state->big->bytes));
    m_state->big.reset();
    m_parser.take_bulk(m_state->big_args.back());
}

template <class T>
void basic_session<T>::feed(std::string_view bytes) {
    m_server->tick();
    while (!bytes.empty()) {
        const auto space = input_space(bytes.size());
        const std::size_t n = std::min(space.size(), bytes.size());
        bytes.copy(space.data(), n);
        commit_input(n);
        bytes.remove_prefix(n);
    }
    process();
}

template <class T>
std::size_t basic_session<T>::process() {
    std::size_t ran = 0;
    while (!m_closing && !m_state->blocked && !m_state->held && !m_state->big && !output_full() && ran < m_options.max_commands_per_feed) {
        m_parser.set_unauthenticated(!m_authenticated);
        const resp::parse_result r = m_parser.parse(m_input.data());
        if (r.status == resp::parse_status::error) {
            protocol_error();
            break;
        }
        if (r.status == resp::parse_status::need_more) {
            m_input.consume(r.consumed);
            receive_big_argument();
            break;
        }
        run_client_command(m_parser.args());
        m_input.consume(r.consumed);
        m_state->big_args.clear();
        ++ran;
    }
    (void)enforce_output_limit();
    return ran;
}

template <class T>
bool basic_session<T>::input_paused() const noexcept {
    return (m_state->blocked != nullptr || m_state->held != nullptr) && m_input.size() >= m_options.max_blocked_input;
}

template <class T>
bool basic_session<T>::has_pending_input() const noexcept {
    return !m_input.empty() && !m_closing && !m_state->blocked && !m_state->held && !m_state->big;
}

template <class T>
std::string basic_session<T>::take_argument(std::string_view arg) {
    for (std::string& big : m_state->big_args) {
        if (!big.empty() && big.data() == arg.data() && big.size() == arg.size()) {
            std::string taken = std::move(big);
            big = std::string();
            return taken;
        }
    }
    return std::string(arg);
}

template <class T>
void basic_session<T>::execute(std::span<const std::string_view> args, command_origin origin) {
    if (origin == command_origin::client) {
        m_last_command_at = m_server->now();
        // Redis clears ASKING after each command but ASKING itself, outside MULTI.
        if (m_asking && !m_asking_fresh && !m_state->multi) m_asking = false;
        m_asking_fresh = false;
    }
    const detail::caching_reset<basic_session> caching(*this, origin, args);
    const command_entry* found = nullptr;
    if (!args.empty()) found = origin == command_origin::client ? find_last(args[0]) : m_dispatcher->find(args[0]);
    std::string error;
    const command_entry* named = nullptr;
    const command_entry* entry = m_dispatcher->resolve_found(args, found, error, &named);
    if (entry == nullptr) {
        reject(error, named, args);
        return;
    }
    const bool exec = m_state->multi && entry->full_name == "exec";
    pending_command pending{.entry = *entry,
                            .args = args,
                            .client = *this,
                            .server = *m_server,
                            .commands = *m_dispatcher,
                            .origin = origin,
                            .authenticated = m_authenticated,
                            .in_multi = m_state->multi != nullptr,
                            .subscribed_resp2 = !m_state->subscriptions.empty() && protocol() == resp::protocol::resp2};
    if (exec) {
        pending.queued_flags = m_state->multi->flags;
        pending.queued_missing_flags = m_state->multi->missing_flags;
    }
    if (!m_dispatcher->admit(pending, error)) {
        reject(error, entry, args);
        return;
    }
    const command_flag flags = call_flags(*entry, args);
    if (origin == command_origin::client) {
        // As the end of Redis's processCommand: a monitoring client (a replica to Redis) may not
        // touch the keyspace; a paused client's command waits for the pause's end.
        const command_flag all = exec ? flags | pending.queued_flags : flags;
        const bool may_replicate = has(all, command_flag::write) || has(all, command_flag::may_replicate);
        if (m_monitor && (may_replicate || has(all, command_flag::readonly))) {
            reject("ERR Replica can't interact with the keyspace", entry, args);
            return;
        }
        if (!m_monitor) {
            const pause_mode mode = m_server->pause().current(m_server->now());
            if (mode == pause_mode::all || (mode == pause_mode::write && may_replicate)) {
                hold(args);
                return;
            }
        }
    }
    if (m_state->multi && origin != command_origin::transaction && !has(entry->spec.flags, command_flag::transaction_control)) {
        m_state->multi->queue.push_back({std::vector<std::string>(args.begin(), args.end())});
        m_state->multi->bytes += sizeof(queued_command) + args.size() * sizeof(std::string);
        for (const std::string_view a : args) m_state->multi->bytes += a.size() > 15 ? a.size() + 1 : 0; // past SSO
        m_state->multi->flags = m_state->multi->flags | flags;
        m_state->multi->missing_flags = m_state->multi->missing_flags | ~flags;
        m_reply.simple_string("QUEUED");
        return;
    }
    m_dispatcher->call(*entry, args, *this, origin);
    // Not while busy: the keys a running script made ready wait for its end.
    if (origin == command_origin::client && !m_server->busy() && m_server->has_ready_keys())
        serve_blocked_sessions(*m_server);
}

template <class T>
auto basic_session<T>::user() const noexcept -> const acl_user& { return *m_state->user; }

template <class T>
template <class>
const auto& basic_session<T>::user_ptr() const noexcept {
    return m_state->user;
}

template <class T>
void basic_session<T>::reset_user() noexcept {
    m_state->user = m_dispatcher->access().default_user();
    m_authenticated = false;
}

template <class T>
template <class UserPtr>
void basic_session<T>::set_user(UserPtr u) noexcept {
    m_state->user = std::move(u);
    m_authenticated = true;
}

template <class T>
void basic_session<T>::output_sent(std::size_t n) {
    m_output.consume(n);
    m_server->stats().total_net_output_bytes += n;
}

template <class T>
void basic_session<T>::close_now() noexcept {
    m_closing = true;
    m_output.close();
    unblock();
    m_server->notify(this);
}

template <class T>
bool basic_session<T>::enforce_output_limit() {
    if (m_output.closed()) return false; // already closed at once
    const std::size_t used = output_size();
    const output_buffer_limit& limit = m_server->client_limits().of(output_class());
    bool over = limit.hard != 0 ? used >= limit.hard : used > m_options.output_hard_limit;
    if (limit.soft != 0 && used >= limit.soft) {
        const auto now = m_server->now();
        if (!m_soft_limit_since) {
            m_soft_limit_since = now; // the first time: the seconds start now
        } else if (std::chrono::duration_cast<std::chrono::seconds>(now - *m_soft_limit_since) > limit.soft_seconds) {
            over = true;
        }
    } else {
        m_soft_limit_since.reset();
    }
    if (!over) return false;
    close_for_output_limit();
    return true;
}

template <class T>
std::size_t basic_session<T>::output_limit() const noexcept {
    const std::uint64_t hard = m_server->client_limits().of(output_class()).hard;
    if (hard == 0) return m_options.output_hard_limit;
    return static_cast<std::size_t>(hard - 1); // Redis closes at the limit itself
}

template <class T>
auto basic_session<T>::output_class() const noexcept -> client_class {
    return m_state->subscriptions.empty() ? client_class::normal : client_class::pubsub;
}

template <class T>
void basic_session<T>::close_for_output_limit() {
    m_server->log(log_level::warning, "Client " + describe() +
                                          " scheduled to be closed ASAP for overcoming of output buffer limits.");
    close_now();
}

template <class T>
std::size_t basic_session<T>::memory_usage() const noexcept {
    return sizeof(session) + input_capacity() + m_output.capacity() + (m_state->multi ? m_state->multi->bytes : 0);
}

template <class T>
std::string basic_session<T>::describe() const {
    return "id=" + std::to_string(m_id) + " addr=" + peer_address + " laddr=" + local_address +
           " fd=" + std::to_string(fd) + " name=" + m_name + " qbuf=" + std::to_string(input_size()) +
           " omem=" + std::to_string(output_size()) + " cmd=" + (m_last_command.empty() ? "NULL" : m_last_command);
}

template <class T>
std::size_t basic_session<T>::input_size() const noexcept { return m_input.size() + (m_state->big ? m_state->big->filled : 0); }

template <class T>
std::size_t basic_session<T>::input_capacity() const noexcept {
    std::size_t bytes = m_input.capacity() + (m_state->big ? m_state->big->bytes.capacity() : 0);
    for (const std::string& big : m_state->big_args) bytes += big.capacity();
    return bytes;
}

template <class T>
void basic_session<T>::reset_state() {
    set_monitor(false);
    discard_transaction();
    unsubscribe_all();
    m_server->tracking().disable(m_id);
    set_protocol(resp::protocol::resp2);
    m_db = 0;
    m_name.clear();
    m_reply_off = m_skip_next_reply = false; // CLIENT REPLY ON, as Redis's RESET
    m_asking = m_asking_fresh = m_cluster_readonly = false;
    m_authenticated = !m_dispatcher->access().password_required();
    m_state->user = m_dispatcher->access().default_user();
}

template <class T>
bool basic_session<T>::in_multi() const noexcept { return m_state->multi != nullptr; }

template <class T>
void basic_session<T>::begin_multi() { m_state->multi = std::make_unique<transaction>(); }

template <class T>
bool basic_session<T>::multi_aborted() const noexcept { return m_state->multi && m_state->multi->aborted; }

template <class T>
auto basic_session<T>::end_multi() -> std::vector<queued_command> {
    std::vector<queued_command> queue;
    if (m_state->multi) queue = std::move(m_state->multi->queue);
    m_state->multi.reset();
    return queue;
}

template <class T>
auto basic_session<T>::queued_commands() const noexcept -> std::span<const queued_command> {
    return m_state->multi ? std::span<const queued_command>(m_state->multi->queue) : std::span<const queued_command>();
}

template <class T>
std::size_t basic_session<T>::queued_count() const noexcept { return m_state->multi ? m_state->multi->queue.size() : 0; }

template <class T>
void basic_session<T>::discard_transaction() {
    m_state->multi.reset();
    unwatch();
}

template <class T>
void basic_session<T>::watch(std::size_t db, std::string_view key, bool expired) {
    for (const watched_key& w : m_state->watched) {
        if (w.db == db && w.key == key) return;
    }
    m_state->watched.push_back({db, std::string(key), expired});
    m_server->watchers().add(db, key, this);
}

template <class T>
void basic_session<T>::unwatch() {
    for (const watched_key& w : m_state->watched) m_server->watchers().remove(w.db, w.key, this);
    m_state->watched.clear();
    m_watch_dirty = false;
}

template <class T>
auto basic_session<T>::watched_keys() const noexcept -> const std::vector<watched_key>& { return m_state->watched; }

template <class T>
void basic_session<T>::touch_watched(std::size_t db, std::string_view key, bool expired) {
    for (watched_key& w : m_state->watched) {
        if (w.db != db || w.key != key) continue;
        if (w.expired_at_watch && expired) {
            w.expired_at_watch = false; // removed as it was already logically: no change
            return;
        }
        m_watch_dirty = true;
        return;
    }
}

template <class T>
void basic_session<T>::swap_watched(std::size_t db, std::string_view key, bool before, bool after, bool after_expired) {
    for (watched_key& w : m_state->watched) {
        if (w.db != db || w.key != key) continue;
        if (w.expired_at_watch) {
            if (!after) w.expired_at_watch = false;
            else if (!after_expired) m_watch_dirty = true;
        } else if (!before && after_expired) {
            w.expired_at_watch = true;
        } else {
            m_watch_dirty = true;
        }
        return;
    }
}

template <class T>
void basic_session<T>::mark_watch_dirty() noexcept {
    if (!m_state->watched.empty()) m_watch_dirty = true;
}

template <class T>
void basic_session<T>::block(std::span<const std::string_view> keys, std::chrono::milliseconds timeout, timeout_reply on_timeout, std::span<const std::string_view> args) {
    if (m_retrying) {
        m_still_blocked = true; // retried and still nothing: keep its place in the queues
        return;
    }
    if (m_executing) {
        write_timeout_reply(on_timeout);
        return;
    }
    auto state = std::make_unique<blocked_state>();
    state->args.assign(args.begin(), args.end());
    state->db = m_db;
    state->on_timeout = on_timeout;
    if (timeout.count() > 0) {
        // A timeout past what the clock can hold (XREAD BLOCK 9223372036854775807) never ends:
        // now + timeout would overflow (Redis 7.0 overflows there too, and unblocks at once).
        using clock_duration = std::chrono::steady_clock::duration;
        const auto now = m_server->now();
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::time_point::max() - now);
        state->deadline = timeout >= room ? std::chrono::steady_clock::time_point::max()
                                          : now + std::chrono::duration_cast<clock_duration>(timeout);
    }
    for (const std::string_view key : keys) {
        if (std::find(state->keys.begin(), state->keys.end(), key) != state->keys.end()) continue;
        state->keys.emplace_back(key);
        m_server->blocked_on().add(m_db, key, this);
    }
    m_state->blocked = std::move(state);
    m_server->blocked_sessions().push_back(this);
    ++m_server->stats().blocked_clients;
}

template <class T>
bool basic_session<T>::blocked() const noexcept { return m_state->blocked != nullptr; }

template <class T>
std::chrono::steady_clock::time_point basic_session<T>::block_deadline() const noexcept {
    return m_state->blocked ? m_state->blocked->deadline : std::chrono::steady_clock::time_point::max();
}

template <class T>
bool basic_session<T>::retry_blocked() {
    if (!m_state->blocked) return false;
    std::vector<std::string_view> args(m_state->blocked->args.begin(), m_state->blocked->args.end());
    const std::size_t db = m_db;
    m_db = m_state->blocked->db;
    m_retrying = true;
    m_still_blocked = false;
    execute(args, command_origin::blocked); // replies an error if the command is gone
    m_retrying = false;
    m_db = db;
    if (m_still_blocked) return false;
    unblock();
    m_server->notify(this);
    return true;
}

template <class T>
void basic_session<T>::time_out_blocked() {
    if (!m_state->blocked) return;
    write_timeout_reply(m_state->blocked->on_timeout);
    unblock();
    m_server->notify(this);
}

template <class T>
void basic_session<T>::fail_blocked(std::string_view message) {
    if (!m_state->blocked) return;
    write_error(m_reply, *m_server, message);
    unblock();
    m_server->notify(this);
}

template <class T>
bool basic_session<T>::held() const noexcept { return m_state->held != nullptr; }

template <class T>
void basic_session<T>::run_held() {
    if (!m_state->held) return;
    const std::vector<std::string> words = std::move(m_state->held->args);
    release_hold();
    if (m_closing) return; // killed while held: nothing runs for it
    const std::vector<std::string_view> args(words.begin(), words.end());
    run_client_command(args);
    if (!m_state->held) (void)process();
    m_server->notify(this);
}

template <class T>
void basic_session<T>::set_monitor(bool on) {
    if (on == m_monitor) return;
    m_monitor = on;
    if (on) m_server->monitors().push_back(this);
    else std::erase(m_server->monitors(), this);
}

template <class T>
std::size_t basic_session<T>::subscription_count() const noexcept {
    return m_state->subscriptions.size() - m_state->shard_subscriptions;
}

template <class T>
std::size_t basic_session<T>::shard_subscription_count() const noexcept { return m_state->shard_subscriptions; }

template <class T>
bool basic_session<T>::subscribed() const noexcept { return !m_state->subscriptions.empty(); }

template <class T>
bool basic_session<T>::subscribe(std::string_view channel) { return add_subscription(channel_kind, channel); }

template <class T>
bool basic_session<T>::unsubscribe(std::string_view channel) { return drop_subscription(channel_kind, channel); }

template <class T>
bool basic_session<T>::psubscribe(std::string_view pattern) { return add_subscription(pattern_kind, pattern); }

template <class T>
bool basic_session<T>::punsubscribe(std::string_view pattern) { return drop_subscription(pattern_kind, pattern); }

template <class T>
bool basic_session<T>::ssubscribe(std::string_view channel) { return add_subscription(shard_kind, channel); }

template <class T>
bool basic_session<T>::sunsubscribe(std::string_view channel) { return drop_subscription(shard_kind, channel); }

template <class T>
std::vector<std::string> basic_session<T>::subscriptions(bool patterns) const {
    if (patterns) return m_state->patterns;
    return subscriptions_of(channel_kind);
}

template <class T>
std::vector<std::string> basic_session<T>::shard_subscriptions() const { return subscriptions_of(shard_kind); }

template <class T>
void basic_session<T>::reject(std::string_view message, const command_entry* entry, std::span<const std::string_view> args) {
    if (entry != nullptr && entry->full_name == "exec") {
        discard_transaction();
        // As Redis's processCommand: a cluster redirection of EXEC is replied as it is.
        for (const std::string_view code : {"MOVED ", "ASK ", "CROSSSLOT ", "TRYAGAIN ", "CLUSTERDOWN "}) {
            if (!message.starts_with(code)) continue;
            write_error(m_reply, *m_server, message);
            ++entry->stats.rejected_calls;
            return;
        }
        // Redis quotes the rejection without its implied "ERR " (other codes stay: NOAUTH ...).
        if (message.starts_with("ERR ")) message.remove_prefix(4);
        write_error(m_reply, *m_server, "EXECABORT Transaction discarded because of: " + std::string(message));
        ++entry->stats.rejected_calls;
        // As Redis's execCommandAbort: monitors saw MULTI, they see the transaction end.
        if (!m_server->monitors().empty()) feed_monitors(*this, args, command_origin::client, "exec");
        return;
    }
    write_error(m_reply, *m_server, message);
    if (entry != nullptr) ++entry->stats.rejected_calls;
    if (m_state->multi) m_state->multi->aborted = true;
}

template <class T>
void basic_session<T>::run_client_command(std::span<const std::string_view> args) {
    const std::size_t reply_at = m_output.end_position();
    execute(args);
    if (m_state->held) return; // not run yet: its reply mode applies when it runs
    if (m_reply_off || m_skip_this_reply) m_output.truncate(reply_at);
    m_skip_this_reply = m_skip_next_reply;
    m_skip_next_reply = false;
}

template <class T>
void basic_session<T>::hold(std::span<const std::string_view> args) {
    m_state->held = std::make_unique<held_command>();
    m_state->held->args.assign(args.begin(), args.end());
    m_server->pause().held().push_back(this);
    ++m_server->stats().blocked_clients;
}

template <class T>
void basic_session<T>::release_hold() {
    if (!m_state->held) return;
    std::erase(m_server->pause().held(), this);
    --m_server->stats().blocked_clients;
    m_state->held.reset();
}

template <class T>
void basic_session<T>::write_timeout_reply(timeout_reply kind) {
    if (kind == timeout_reply::null_bulk) {
        m_reply.null();
    } else if (kind == timeout_reply::zero) {
        m_reply.integer(0);
    } else {
        m_reply.null_array();
    }
}

template <class T>
void basic_session<T>::unblock() {
    if (!m_state->blocked) return;
    for (const std::string& key : m_state->blocked->keys) m_server->blocked_on().remove(m_state->blocked->db, key, this);
    std::erase(m_server->blocked_sessions(), this);
    --m_server->stats().blocked_clients;
    m_state->blocked.reset();
}

template <class T>
bool basic_session<T>::add_subscription(char kind, std::string_view name) {
    if (!m_state->subscriptions.insert(subscription_key(kind, name)).second) return false;
    if (kind == pattern_kind) {
        m_state->patterns.emplace_back(name);
        m_server->pubsub().add_pattern(name, this);
    } else if (kind == shard_kind) {
        ++m_state->shard_subscriptions;
        m_server->pubsub().add_shard_channel(name, this);
    } else {
        m_server->pubsub().add_channel(name, this);
    }
    return true;
}

template <class T>
bool basic_session<T>::drop_subscription(char kind, std::string_view name) {
    if (m_state->subscriptions.erase(subscription_key(kind, name)) == 0) return false;
    if (kind == pattern_kind) m_state->patterns.erase(std::find(m_state->patterns.begin(), m_state->patterns.end(), name));
    if (kind == shard_kind) --m_state->shard_subscriptions;
    leave_registry(kind, name);
    return true;
}

template <class T>
void basic_session<T>::leave_registry(char kind, std::string_view name) {
    if (kind == pattern_kind) {
        m_server->pubsub().remove_pattern(name, this);
    } else if (kind == shard_kind) {
        m_server->pubsub().remove_shard_channel(name, this);
    } else {
        m_server->pubsub().remove_channel(name, this);
    }
}

template <class T>
void basic_session<T>::unsubscribe_all() {
    for (const std::string& s : m_state->subscriptions) leave_registry(s[0], std::string_view(s).substr(1));
    m_state->subscriptions.clear();
    m_state->patterns.clear();
    m_state->shard_subscriptions = 0;
}

template <class T>
std::vector<std::string> basic_session<T>::subscriptions_of(char kind) const {
    std::vector<std::string> out;
    for (const std::string& s : m_state->subscriptions) {
        if (s[0] == kind) out.push_back(s.substr(1));
    }
    return out;
}

template <class T>
std::string basic_session<T>::subscription_key(char kind, std::string_view name) {
    std::string key(1, kind);
    key += name;
    return key;
}

template <class T>
void basic_session<T>::receive_big_argument() {
    const auto pending = m_parser.awaiting_bulk();
    if (!pending || pending->length < m_options.big_argument) return;
    const std::string_view present = m_input.data().substr(pending->offset);
    auto big = std::make_unique<big_argument>();
    big->total = pending->length + 2;
    try {
        big->bytes.reserve(big->total); // allocated, not touched: resident only as bytes arrive
    } catch (const std::bad_alloc&) {
        return; // the address space is short: received in the input buffer as it arrives
    }
    big->bytes.assign(present.substr(0, big->total - 1)); // need_more: never all of it
    big->filled = big->bytes.size();
    m_input.truncate(pending->offset);
    m_state->big = std::move(big);
}

template <class T>
void basic_session<T>::protocol_error() {
    ++m_server->stats().unexpected_error_replies;
    write_error(m_reply, *m_server, m_parser.error_message());
    close_after_reply();
    m_server->notify(this); // closes this turn, even if the transport is not looking
}

template <class T>
auto basic_session<T>::find_last(std::string_view name) -> const command_entry* {
    if (std::string_view(m_last_command) != name) {
        m_last_command.assign(name);
        m_last_found_generation = no_generation;
    }
    if (m_last_found_generation != m_dispatcher->generation()) {
        m_last_found = m_dispatcher->find(name);
        m_last_found_generation = m_dispatcher->generation();
    }
    return m_last_found;
}

namespace detail {

/// Arms a reply buffer's limit for the duration of a command, restoring the previous one.
class reply_limit_scope {
public:
    reply_limit_scope(reply_buffer& out, std::size_t limit) noexcept : m_out(&out), m_previous(out.limit()) {
        out.set_limit(limit);
    }
    reply_limit_scope(const reply_limit_scope&) = delete;
    reply_limit_scope& operator=(const reply_limit_scope&) = delete;
    ~reply_limit_scope() { m_out->set_limit(m_previous); }

private:
    reply_buffer* m_out;
    std::size_t m_previous;
};

/// Updates the statistics of a call that took `us` microseconds, as Redis's call() and
/// updateStatsOnUnblock: its command's counters (a command served after blocking is not counted
/// again, its time is), whether it failed (it replied an error that no command it called already
/// counted), its latency histogram and the slow log once it no longer waits.
template <class = void>
void count_call(const command_entry& entry, std::span<const std::string_view> args, session& client,
                server_context& server, command_origin origin, std::int64_t us) {
    const bool retry = origin == command_origin::blocked;
    const bool waiting = retry ? client.still_blocked() : client.blocked();
    const bool failed = server.stats().total_error_replies > server.error_mark;
    server.error_mark = server.stats().total_error_replies;
    if (retry && waiting) return; // nothing served: as if it had not run
    client.commands().latency_monitor().add_if_needed(
        has(entry.spec.flags, command_flag::fast) ? "fast-command" : "command", us / 1000);
    command_stats& stats = entry.stats;
    if (!retry) ++stats.calls;
    stats.microseconds += static_cast<std::uint64_t>(us);
    if (failed) ++stats.failed_calls;
    if (waiting) return; // its latency and slow log entry come when it is served
    if (client.commands().latency_tracking().enabled) stats.latency.record(us * 1000);
    slowlog& log = client.commands().slowlog();
    if (!has(entry.spec.flags, command_flag::skip_slowlog) && log.slower_than_us >= 0) {
        std::vector<std::string_view> redacted;
        const bool hidden = us >= log.slower_than_us && redact_arguments(entry.full_name, args, redacted);
        log.push_if_needed(hidden ? std::span<const std::string_view>(redacted) : args, us,
                           static_cast<std::int64_t>(std::time(nullptr)), client.peer_address, client.name());
    }
}


} // namespace detail


template <class T>
inline void basic_dispatcher<T>::call(const command_entry& entry, std::span<const std::string_view> args, session& client,
                             command_origin origin) const {
    server_context& server = client.server();
    reply_writer& reply = client.reply();
    reply_buffer& out = reply.sink();
    propagation& propagated = server.propagation();
    // What a file being loaded replays is already in that file: nothing propagates again.
    const bool loading = origin == command_origin::loading;
    if (loading) propagated.suspend(true);
    const bool propagating = propagated.active();
    if (propagating) propagated.begin_command();
    const std::size_t reply_start = out.end_position();
    // A failed command's partial reply is dropped and replaced by `error` (none: the connection
    // closes); the failure is logged.
    const auto fail = [&](std::string_view error, std::string_view what) {
        out.truncate(reply_start);
        if (error.empty())
            client.close_now();
        else
            write_error(reply, server, error);
        server.log(log_level::warning, "Command '" + entry.full_name + "' of client id=" + std::to_string(client.id()) +
                                           " failed: " + std::string(what));
    };
    tracking_table& tracking = server.tracking();
    if (tracking.active() && origin == command_origin::client && tracking.current() == nullptr)
        tracking.enforce_max_keys<session>(); // tracking-table-max-keys, before the command as Redis
    session* const tracking_previous = tracking.begin_call(&client);
    // Statistics (INFO commandstats, latencystats, SLOWLOG) for every origin but loading, as
    // Redis counts no command replayed from a file.
    const bool timed = !loading;
    const auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    server.error_mark = server.stats().total_error_replies;
    // MONITOR: a served blocked command was shown when it blocked; what a file replays never is.
    const bool monitored =
        !server.monitors().empty() && origin != command_origin::loading && origin != command_origin::blocked;
    if (monitored && feeds_monitors_first(entry.full_name)) feed_monitors(client, args, origin, entry.full_name);
    try {
        const detail::reply_limit_scope limit(out, client.output_limit());
        command_call call(args, entry.spec, client, server, reply, origin);
        entry.handler(call);
    } catch (const reply_limit_exceeded&) {
        out.truncate(reply_start); // abandoned before it was allocated; the client goes as in Redis
        client.close_for_output_limit();
    } catch (const std::bad_alloc&) {
        fail("ERR out of memory running '" + entry.full_name + "'", "out of memory");
    } catch (const std::exception& e) {
        fail("ERR internal error running '" + entry.full_name + "': " + e.what(), e.what());
    } catch (...) {
        fail("ERR internal error running '" + entry.full_name + "'", "unknown exception");
    }
    // A tracking client's read-only command: the keys it read are remembered (Redis's call()).
    if (tracking.active() && has(entry.spec.flags, command_flag::readonly) && !has(entry.spec.flags, command_flag::pubsub) &&
        tracking.remembers(client.id())) {
        std::vector<key_reference> keys;
        if (extract_keys(entry.spec, args, keys) == key_extraction::found) {
            std::vector<std::size_t> positions;
            positions.reserve(keys.size());
            for (const key_reference& k : keys) positions.push_back(k.index);
            tracking.remember(client, args, positions);
        }
    }
    tracking.end_call<session>(tracking_previous); // the client's own invalidations, after its reply
    if (monitored && fed_to_monitors(entry.spec.flags)) feed_monitors(client, args, origin, entry.full_name);
    ++server.stats().total_commands_processed; // after the call, as Redis: INFO counts not itself
    if (timed) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        detail::count_call(entry, args, client, server, origin, us.count());
    }
    // A command that failed half-way still propagates what it changed, so that replaying the
    // stream reaches the same data.
    if (propagating) propagated.end_command(client.db(), args);
    if (loading) propagated.suspend(false);
}

/// Sends every monitor the line of `client`'s command `args` (`full_name`: "set", "config|set"),
/// its passwords redacted as Redis redacts them; nothing while a dataset loads. The monitors'
/// transports are notified.
template <class>
void feed_monitors(session& client, std::span<const std::string_view> args, command_origin origin,
                   std::string_view full_name) {
    server_context& server = client.server();
    if (server.monitors().empty() || server.loading()) return;
    std::vector<std::string_view> redacted;
    if (redact_arguments(full_name, args, redacted)) args = redacted;
    std::string who;
    if (origin == command_origin::script) {
        who = "lua";
    } else if (client.unix_socket) {
        // Redis shows its unixsocket path; respkit's Unix socket clients' address is "path:0".
        const std::string_view path = std::string_view(client.peer_address).substr(0, client.peer_address.rfind(':'));
        who = "unix:" + std::string(path);
    } else {
        who = client.peer_address;
    }
    const std::string line = monitor_line(std::chrono::system_clock::now(), client.db(), who, args);
    const std::vector<session*> monitors = server.monitors(); // a monitor may close meanwhile
    for (session* m : monitors) {
        if (m->closed_now() || m->replies_off()) continue;
        m->reply().simple_string(line);
        if (!m->enforce_output_limit()) server.notify(m);
    }
}

/// Runs the commands CLIENT PAUSE held when the pause ended or eased (CLIENT UNPAUSE, its
/// timeout, ALL becoming WRITE), in the order they were held; each may be held again. Transports
/// call it once per turn (the held sessions' transports are notified).
template <class = void>
void release_paused_sessions(server_context& server) {
    client_pause& pause = server.pause();
    if (!pause.take_release(server.now()) || pause.held().empty()) return;
    const std::vector<session*> held = pause.held();
    for (session* s : held) s->run_held();
}

/// Serves the sessions blocked on keys signalled ready (by the command that just ran, or by any
/// other write), in the order they blocked, until no key is left ready (a served BLMOVE may
/// make another key ready). Sessions run it after each command; transports once per turn.
template <class>
void serve_blocked_sessions(server_context& server) {
    while (server.has_ready_keys()) {
        for (const db_key& ready : server.take_ready_keys()) {
            const std::vector<session*>* queue = server.blocked_on().find(ready.db, ready.key);
            if (queue == nullptr) continue;
            const std::vector<session*> waiting = *queue; // serving changes the queue
            for (session* s : waiting) {
                const std::vector<session*>* now = server.blocked_on().find(ready.db, ready.key);
                if (now == nullptr) break;
                if (std::find(now->begin(), now->end(), s) == now->end()) continue; // served meanwhile
                s->retry_blocked();
            }
        }
    }
}

/// Times out the blocked sessions of `server` whose deadline passed (by server.now()); their
/// transports are notified. Transports call it once per turn when blocked sessions exist.
template <class = void>
void expire_blocked_sessions(server_context& server) {
    if (server.blocked_sessions().empty()) return;
    const auto now = server.now();
    const std::vector<session*> blocked = server.blocked_sessions();
    for (session* s : blocked) {
        if (s->block_deadline() <= now) s->time_out_blocked();
    }
}

/// Client eviction (maxmemory-clients, as Redis 7.0's evictClients): while the clients together
/// hold at least the limit (never under 128 kB), the biggest ones not marked CLIENT NO-EVICT are
/// closed at once, each logged and counted in INFO's evicted_clients. Transports call it once
/// per turn. Returns the number evicted.
template <class = void>
std::size_t evict_clients(server_context& server) {
    client_limits& limits = server.client_limits();
    if (limits.max_memory_clients == 0) return 0;
    const std::uint64_t limit = std::max<std::uint64_t>(limits.max_memory_clients, 128 * 1024);
    std::uint64_t total = 0;
    std::vector<std::pair<std::size_t, session*>> candidates;
    for (session* s : server.clients()) {
        if (s->closed_now()) continue;
        const std::size_t used = s->memory_usage();
        total += used;
        if (!s->no_evict()) candidates.emplace_back(used, s);
    }
    if (total < limit) {
        limits.over_reported = false;
        return 0;
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::size_t evicted = 0;
    for (const auto& [used, s] : candidates) {
        if (total < limit) break;
        server.log(log_level::notice, "Evicting client: " + s->describe());
        ++server.stats().evicted_clients;
        s->close_now();
        total -= used;
        ++evicted;
    }
    if (total >= limit && !limits.over_reported) {
        limits.over_reported = true; // once, not every turn
        server.log(log_level::warning, "Over client maxmemory after evicting all evictable clients");
    }
    return evicted;
}

/// The earliest deadline of a blocked session (time_point::max() when none).
template <class = void>
[[nodiscard]] std::chrono::steady_clock::time_point next_block_deadline(server_context& server) {
    auto due = std::chrono::steady_clock::time_point::max();
    for (const session* s : server.blocked_sessions()) due = std::min(due, s->block_deadline());
    return due;
}

} // namespace respkit::server

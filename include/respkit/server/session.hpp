#pragma once

/// \file
/// A connection's state machine, independent of any socket: feed it the bytes a client sent,
/// take the reply bytes it produced.

#include <algorithm>
#include <ctime>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "respkit/detail/chrono.hpp"
#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/client_limits.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/server/monitor_feed.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/redaction.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/forward.hpp"
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

/// Bounds and defaults of a session.
struct session_options {
    resp::limits request_limits{};                  ///< request parser limits (Redis's defaults)
    std::size_t output_high_watermark = 1 << 20;    ///< stop reading input above this much output
    std::size_t output_hard_limit = 256u << 20;     ///< close the connection above this much
    std::size_t max_commands_per_feed = 1000;       ///< fairness: yield after this many commands
    std::size_t max_blocked_input = 1 << 20;        ///< stop reading a blocked client holding this much input
    /// A bulk argument at least this long that is not yet all received is read straight into
    /// its own string, which a command may keep (command_call::take_arg) instead of copying it.
    std::size_t big_argument = 32 * 1024;
};

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

/// One client connection: parses its requests (pipelined, multibulk or inline), runs them through
/// a dispatcher, and queues the replies. Knows no socket: a transport (or the user's own event
/// loop) calls input_space/commit_input (or feed), then process(), sends pending_output() and
/// calls output_sent(). Speaks RESP2 until HELLO 3.
template <class>
class basic_session {
    using session = basic_session; // (dependent: members are instantiated only where used)

public:
    /// A session running commands from `commands` in `server`'s context. Both must outlive it.
    basic_session(const dispatcher& commands, server_context& server, const session_options& options = {})
        : m_dispatcher(&commands), m_server(&server), m_options(options), m_parser(options.request_limits),
          m_reply(m_output, resp::protocol::resp2), m_id(server.next_client_id()),
          m_authenticated(!commands.access().password_required()), m_user(commands.access().default_user()) {
        server.add_client(this);
        server.tracking().add_session(m_id, this);
        ++server.stats().total_connections_received;
    }
    basic_session(const basic_session&) = delete;
    basic_session& operator=(const basic_session&) = delete;
    ~basic_session() {
        unblock();
        release_hold();
        std::erase(m_server->monitors(), this);
        unwatch();
        unsubscribe_all();
        m_server->tracking().remove_session(m_id);
        m_server->remove_client(this);
    }

    // --- input ---

    /// Space to read into; then commit_input(bytes read). At least `n` bytes, except while a big
    /// argument is received: then exactly what is left of it.
    [[nodiscard]] std::span<char> input_space(std::size_t n = 16 * 1024) {
        if (m_big) {
            // Received into the reserved string a window at a time: what the client announced
            // is not touched (resident) before it arrives.
            std::string& bytes = m_big->bytes;
            if (bytes.size() == m_big->filled) {
                bytes.resize(std::min(m_big->total, m_big->filled + std::max<std::size_t>(n, big_argument_window)));
            }
            return {bytes.data() + m_big->filled, bytes.size() - m_big->filled};
        }
        return m_input.prepare(n);
    }
    /// Marks `n` bytes read into input_space() as received.
    void commit_input(std::size_t n) {
        m_server->stats().total_net_input_bytes += n;
        if (!m_big) {
            m_input.commit(n);
            return;
        }
        m_big->filled += n;
        if (m_big->filled < m_big->total) return;
        // Complete: the argument without its CRLF (not checked, as Redis does not) goes to the
        // parser, which reads the rest of the command from the input again.
        m_big->bytes.resize(m_big->bytes.size() - 2);
        m_big_args.push_back(std::move(m_big->bytes));
        m_big.reset();
        m_parser.take_bulk(m_big_args.back());
    }
    /// Copies bytes in and processes them (for tests and simple transports; refreshes the
    /// server context's clock first).
    void feed(std::string_view bytes) {
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
    /// Runs the complete commands received, until input runs out, the output passes its high
    /// watermark (back-pressure), the session closes, or max_commands_per_feed ran. Returns the
    /// number of commands run.
    std::size_t process() {
        std::size_t ran = 0;
        while (!m_closing && !m_blocked && !m_held && !m_big && !output_full() && ran < m_options.max_commands_per_feed) {
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
            m_big_args.clear();
            ++ran;
        }
        (void)enforce_output_limit();
        return ran;
    }
    /// True while a blocked (or CLIENT PAUSE-held) command holds at least max_blocked_input
    /// bytes of further input: the transport stops reading until it runs (input cannot grow
    /// without bound).
    [[nodiscard]] bool input_paused() const noexcept {
        return (m_blocked != nullptr || m_held != nullptr) && m_input.size() >= m_options.max_blocked_input;
    }
    /// True when input is waiting that process() did not run yet (it yielded).
    [[nodiscard]] bool has_pending_input() const noexcept {
        return !m_input.empty() && !m_closing && !m_blocked && !m_held && !m_big;
    }
    /// The argument `arg` of the command running, as a string the caller owns: moved out of
    /// the session when it is a big argument received into its own string (no copy; `arg`
    /// stays readable until the command ends, the bytes having moved with their buffer),
    /// otherwise copied.
    [[nodiscard]] std::string take_argument(std::string_view arg) {
        for (std::string& big : m_big_args) {
            if (!big.empty() && big.data() == arg.data() && big.size() == arg.size()) {
                std::string taken = std::move(big);
                big = std::string();
                return taken;
            }
        }
        return std::string(arg);
    }

    /// The command path, for every command whatever its origin: resolves `args` (unknown
    /// command, subcommand, arity), runs the dispatcher's checks in order, queues the command
    /// inside MULTI, otherwise calls it; then, for a command from outside, serves the clients
    /// blocked on keys it made ready. A rejection replies with Redis's error (and makes a
    /// transaction being queued fail at EXEC).
    void execute(std::span<const std::string_view> args, command_origin origin = command_origin::client) {
        if (origin == command_origin::client) {
            m_last_command_at = m_server->now();
            // Redis clears ASKING after each command but ASKING itself, outside MULTI.
            if (m_asking && !m_asking_fresh && !m_multi) m_asking = false;
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
        const bool exec = m_multi && entry->full_name == "exec";
        pending_command pending{.entry = *entry,
                                .args = args,
                                .client = *this,
                                .server = *m_server,
                                .commands = *m_dispatcher,
                                .origin = origin,
                                .authenticated = m_authenticated,
                                .in_multi = m_multi != nullptr,
                                .subscribed_resp2 = !m_subscriptions.empty() && protocol() == resp::protocol::resp2};
        if (exec) {
            pending.queued_flags = m_multi->flags;
            pending.queued_missing_flags = m_multi->missing_flags;
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
        if (m_multi && origin != command_origin::transaction && !has(entry->spec.flags, command_flag::transaction_control)) {
            m_multi->queue.push_back({std::vector<std::string>(args.begin(), args.end())});
            m_multi->bytes += sizeof(queued_command) + args.size() * sizeof(std::string);
            for (const std::string_view a : args) m_multi->bytes += a.size() > 15 ? a.size() + 1 : 0; // past SSO
            m_multi->flags = m_multi->flags | flags;
            m_multi->missing_flags = m_multi->missing_flags | ~flags;
            m_reply.simple_string("QUEUED");
            return;
        }
        m_dispatcher->call(*entry, args, *this, origin);
        // Not while busy: the keys a running script made ready wait for its end.
        if (origin == command_origin::client && !m_server->busy() && m_server->has_ready_keys())
            serve_blocked_sessions(*m_server);
    }

    /// True when the client authenticated, or connected while no password was required.
    [[nodiscard]] bool authenticated() const noexcept { return m_authenticated; }
    /// Marks the client as authenticated (AUTH, HELLO ... AUTH) or not.
    void set_authenticated(bool on) noexcept { m_authenticated = on; }
    /// The ACL user the client runs commands as (the default user until it authenticates).
    [[nodiscard]] const acl_user& user() const noexcept { return *m_user; }
    /// The ACL user, shared with the access control (it may delete the user meanwhile).
    [[nodiscard]] const std::shared_ptr<acl_user>& user_ptr() const noexcept { return m_user; }
    /// Makes the client the default user again, not authenticated (its user was deleted).
    void reset_user() noexcept {
        m_user = m_dispatcher->access().default_user();
        m_authenticated = false;
    }
    /// Authenticates the client as `u` (AUTH, HELLO ... AUTH).
    void set_user(std::shared_ptr<acl_user> u) noexcept {
        m_user = std::move(u);
        m_authenticated = true;
    }

    /// The session's limits.
    [[nodiscard]] const session_options& options() const noexcept { return m_options; }

    // --- output ---

    /// Reply bytes not yet sent.
    [[nodiscard]] std::string_view pending_output() const noexcept { return m_output.pending(); }
    /// Marks `n` bytes of pending_output() as sent.
    void output_sent(std::size_t n) {
        m_output.consume(n);
        m_server->stats().total_net_output_bytes += n;
    }
    /// True while queued output is above the high watermark: stop reading from this client.
    [[nodiscard]] bool output_full() const noexcept {
        return m_output.pending_size() > m_options.output_high_watermark;
    }
    /// The reply writer (also for pushing out-of-band data such as pub/sub messages).
    [[nodiscard]] reply_writer& reply() noexcept { return m_reply; }

    // --- lifecycle ---

    /// Closes once pending output is sent (QUIT, protocol errors).
    void close_after_reply() noexcept { m_closing = true; }
    /// Closes at once, dropping pending output and any later reply (output limit exceeded,
    /// CLIENT KILL); a blocked command stops waiting (nothing is served to a closing client).
    /// Its transport is notified, so the connection closes within the current turn.
    void close_now() noexcept {
        m_closing = true;
        m_output.close();
        unblock();
        m_server->notify(this);
    }
    /// Closes at once when queued output passed its class's limit (client-output-buffer-limit:
    /// the hard limit, or the soft limit for longer than its seconds), or, in a class without a
    /// hard limit, the session's output_hard_limit; logged as Redis does. Returns true when it
    /// closed. Checked after the client's commands and after each message published to it.
    bool enforce_output_limit() {
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
    /// The most output a reply may take this client's unsent output to before it is abandoned
    /// (and the connection closed) rather than allocated: its class's hard limit, or
    /// output_hard_limit in a class without one.
    [[nodiscard]] std::size_t output_limit() const noexcept {
        const std::uint64_t hard = m_server->client_limits().of(output_class()).hard;
        if (hard == 0) return m_options.output_hard_limit;
        return static_cast<std::size_t>(hard - 1); // Redis closes at the limit itself
    }
    /// The class whose client-output-buffer-limit applies: pubsub while subscribed to a channel
    /// or pattern, otherwise normal.
    [[nodiscard]] client_class output_class() const noexcept {
        return m_subscriptions.empty() ? client_class::normal : client_class::pubsub;
    }
    /// Closes at once for passing the output limit, with Redis's log line.
    void close_for_output_limit() {
        m_server->log(log_level::warning, "Client " + describe() +
                                              " scheduled to be closed ASAP for overcoming of output buffer limits.");
        close_now();
    }
    /// Memory the client holds, as maxmemory-clients counts it: the session itself, its input
    /// (big arguments included), its output and its queued transaction.
    [[nodiscard]] std::size_t memory_usage() const noexcept {
        return sizeof(session) + input_capacity() + m_output.capacity() + (m_multi ? m_multi->bytes : 0);
    }
    /// True when closed at once (its output dropped): it goes this turn.
    [[nodiscard]] bool closed_now() const noexcept { return m_output.closed(); }
    /// CLIENT REPLY's modes.
    enum class reply_mode : std::uint8_t {
        on,   ///< replies are sent (and a pending SKIP is forgotten)
        off,  ///< no reply is sent from this command on, until ON
        skip, ///< the next command's reply is not sent (nothing changes while OFF)
    };
    /// CLIENT REPLY: applies `mode` as Redis does (OFF from the running command's own reply on,
    /// SKIP to the next command).
    void set_reply_mode(reply_mode mode) noexcept {
        switch (mode) {
        case reply_mode::on: m_reply_off = m_skip_this_reply = false; break;
        case reply_mode::off: m_reply_off = true; break;
        case reply_mode::skip:
            if (!m_reply_off) m_skip_next_reply = true;
            break;
        }
    }
    /// True while CLIENT REPLY OFF holds.
    [[nodiscard]] bool replies_off() const noexcept { return m_reply_off; }
    /// CLIENT NO-EVICT: true when client eviction passes this client over.
    [[nodiscard]] bool no_evict() const noexcept { return m_no_evict; }
    /// Sets CLIENT NO-EVICT.
    void set_no_evict(bool on) noexcept { m_no_evict = on; }
    /// Cluster mode's ASKING: the next command (or transaction) may use a slot being imported.
    [[nodiscard]] bool asking() const noexcept { return m_asking; }
    /// Sets ASKING; it is cleared as Redis clears it, when a command other than ASKING ends
    /// outside a transaction.
    void set_asking(bool on) noexcept {
        m_asking = on;
        m_asking_fresh = on;
    }
    /// Cluster mode's READONLY (on) / READWRITE (off).
    [[nodiscard]] bool cluster_readonly() const noexcept { return m_cluster_readonly; }
    /// Sets READONLY or READWRITE.
    void set_cluster_readonly(bool on) noexcept { m_cluster_readonly = on; }
    /// A short description for log lines ("id=7 addr=127.0.0.1:5000 ... omem=1024 cmd=get").
    [[nodiscard]] std::string describe() const {
        return "id=" + std::to_string(m_id) + " addr=" + peer_address + " laddr=" + local_address +
               " fd=" + std::to_string(fd) + " name=" + m_name + " qbuf=" + std::to_string(input_size()) +
               " omem=" + std::to_string(output_size()) + " cmd=" + (m_last_command.empty() ? "NULL" : m_last_command);
    }
    /// True when the transport should close the connection after sending pending_output().
    [[nodiscard]] bool closing() const noexcept { return m_closing; }

    // --- connection state (HELLO, SELECT, CLIENT ...) ---

    /// The protocol replies are written in.
    [[nodiscard]] resp::protocol protocol() const noexcept { return m_reply.protocol(); }
    /// Switches protocol (HELLO).
    void set_protocol(resp::protocol p) noexcept { m_reply.set_protocol(p); }
    /// The selected database.
    [[nodiscard]] std::size_t db() const noexcept { return m_db; }
    /// Selects a database (SELECT).
    void select(std::size_t db) noexcept { m_db = db; }
    /// CLIENT ID.
    [[nodiscard]] std::uint64_t id() const noexcept { return m_id; }
    /// CLIENT SETNAME / GETNAME.
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }
    /// Sets the client name.
    void set_name(std::string name) { m_name = std::move(name); }
    /// CLIENT SETINFO lib-name / lib-ver.
    std::string lib_name, lib_version;
    /// Peer and local addresses ("127.0.0.1:5000"), set by the transport for CLIENT LIST.
    std::string peer_address, local_address;
    /// The transport's file descriptor, for CLIENT LIST (-1 when none).
    int fd = -1;
    /// When the session was created.
    [[nodiscard]] std::chrono::steady_clock::time_point created() const noexcept { return m_created; }
    /// When the last command ran.
    [[nodiscard]] std::chrono::steady_clock::time_point last_command_at() const noexcept { return m_last_command_at; }
    /// The name of the last command run (lower case not guaranteed).
    [[nodiscard]] const std::string& last_command() const noexcept { return m_last_command; }
    /// Bytes of input buffered but not yet run (a big argument being received included).
    [[nodiscard]] std::size_t input_size() const noexcept { return m_input.size() + (m_big ? m_big->filled : 0); }
    /// Bytes of memory held by the input buffer and the arguments received into their own strings.
    [[nodiscard]] std::size_t input_capacity() const noexcept {
        std::size_t bytes = m_input.capacity() + (m_big ? m_big->bytes.capacity() : 0);
        for (const std::string& big : m_big_args) bytes += big.capacity();
        return bytes;
    }
    /// Bytes of output queued.
    [[nodiscard]] std::size_t output_size() const noexcept { return m_output.pending_size(); }
    /// The server context.
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    /// The dispatcher.
    [[nodiscard]] const dispatcher& commands() const noexcept { return *m_dispatcher; }

    /// Forgets per-connection state, as RESET does: no transaction, no watched keys, no
    /// subscriptions, RESP2, db 0, no name, and the default user, not authenticated when it has a password.
    void reset_state() {
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
        m_user = m_dispatcher->access().default_user();
    }

    // --- transactions (MULTI, EXEC, DISCARD, WATCH) ---

    /// A command queued by MULTI (EXEC resolves it again: the table may change meanwhile).
    struct queued_command {
        std::vector<std::string> args; ///< name first
    };
    /// A key WATCHed by this session.
    struct watched_key {
        std::size_t db;        ///< its database
        std::string key;       ///< the key
        bool expired_at_watch; ///< it was stored but logically expired when WATCHed
    };

    /// True between MULTI and EXEC/DISCARD.
    [[nodiscard]] bool in_multi() const noexcept { return m_multi != nullptr; }
    /// Starts a transaction (MULTI): later commands are queued.
    void begin_multi() { m_multi = std::make_unique<transaction>(); }
    /// True when a command was rejected while queueing: EXEC answers EXECABORT.
    [[nodiscard]] bool multi_aborted() const noexcept { return m_multi && m_multi->aborted; }
    /// Ends the transaction, returning its queued commands (EXEC). Watched keys stay watched
    /// until unwatch().
    [[nodiscard]] std::vector<queued_command> end_multi() {
        std::vector<queued_command> queue;
        if (m_multi) queue = std::move(m_multi->queue);
        m_multi.reset();
        return queue;
    }
    /// The commands queued since MULTI (none outside a transaction).
    [[nodiscard]] std::span<const queued_command> queued_commands() const noexcept {
        return m_multi ? std::span<const queued_command>(m_multi->queue) : std::span<const queued_command>();
    }
    /// Number of commands queued since MULTI (0 outside a transaction).
    [[nodiscard]] std::size_t queued_count() const noexcept { return m_multi ? m_multi->queue.size() : 0; }
    /// Drops the transaction and unwatches every key (DISCARD, RESET).
    void discard_transaction() {
        m_multi.reset();
        unwatch();
    }
    /// True while EXEC runs the queued commands (blocking commands do not block then).
    [[nodiscard]] bool executing_transaction() const noexcept { return m_executing; }
    /// Marks that EXEC is (or is no longer) running the queued commands.
    void set_executing_transaction(bool on) noexcept { m_executing = on; }

    /// WATCHes `key` of `db` (once per key); `expired` tells whether it is stored but
    /// logically expired now (Redis does not count its later removal as a change).
    void watch(std::size_t db, std::string_view key, bool expired) {
        for (const watched_key& w : m_watched) {
            if (w.db == db && w.key == key) return;
        }
        m_watched.push_back({db, std::string(key), expired});
        m_server->watchers().add(db, key, this);
    }
    /// Forgets every watched key and whether one changed (UNWATCH, EXEC, DISCARD).
    void unwatch() {
        for (const watched_key& w : m_watched) m_server->watchers().remove(w.db, w.key, this);
        m_watched.clear();
        m_watch_dirty = false;
    }
    /// The watched keys.
    [[nodiscard]] const std::vector<watched_key>& watched_keys() const noexcept { return m_watched; }
    /// Tells the session a key it watches changed; `expired` when the change is the removal
    /// of an expired key. A key already expired when watched does not count as changed by
    /// that removal.
    void touch_watched(std::size_t db, std::string_view key, bool expired) {
        for (watched_key& w : m_watched) {
            if (w.db != db || w.key != key) continue;
            if (w.expired_at_watch && expired) {
                w.expired_at_watch = false; // removed as it was already logically: no change
                return;
            }
            m_watch_dirty = true;
            return;
        }
    }
    /// Tells the session the database of a key it watches was swapped with another (SWAPDB):
    /// `before` and `after` say whether the key was stored before and is stored now,
    /// `after_expired` whether what is stored now is logically expired. As Redis: an expired
    /// key replaced by nothing or by another expired key is no change.
    void swap_watched(std::size_t db, std::string_view key, bool before, bool after, bool after_expired) {
        for (watched_key& w : m_watched) {
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
    /// Marks the watched keys as changed (FLUSHDB of a watched key, EXEC's expiry check).
    void mark_watch_dirty() noexcept {
        if (!m_watched.empty()) m_watch_dirty = true;
    }
    /// True when a watched key changed since WATCH: EXEC fails.
    [[nodiscard]] bool watch_dirty() const noexcept { return m_watch_dirty; }

    // --- blocking commands (BLPOP, BLMOVE, BZPOPMIN ...) ---

    /// What a blocked command replies when its timeout passes.
    enum class timeout_reply : std::uint8_t {
        null_array, ///< *-1 (RESP3 _): every Redis 7.0 blocking command when it times out, BLMOVE too
        null_bulk,  ///< $-1 (RESP3 _): for commands of one's own
        zero,       ///< :0: WAIT, no replica having acknowledged
    };

    /// Called by a blocking command that found nothing to serve: blocks the client on `keys`
    /// until one of them changes (the command then runs again, see retrying()) or `timeout`
    /// passes (zero: never). While blocked the session runs none of its other input. Inside
    /// EXEC it does not block: it replies as on a timeout at once.
    void block(std::span<const std::string_view> keys, std::chrono::milliseconds timeout, timeout_reply on_timeout,
               std::span<const std::string_view> args) {
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
        m_blocked = std::move(state);
        m_server->blocked_sessions().push_back(this);
        ++m_server->stats().blocked_clients;
    }
    /// True while a blocking command waits.
    [[nodiscard]] bool blocked() const noexcept { return m_blocked != nullptr; }
    /// True when the blocked command that runs again (retrying()) found nothing and stays blocked.
    [[nodiscard]] bool still_blocked() const noexcept { return m_still_blocked; }
    /// True while a blocked command runs again because a key it waits on changed: if it still
    /// finds nothing it calls block() again, which keeps it blocked where it was.
    [[nodiscard]] bool retrying() const noexcept { return m_retrying; }
    /// When the blocked command times out (time_point::max(): never).
    [[nodiscard]] std::chrono::steady_clock::time_point block_deadline() const noexcept {
        return m_blocked ? m_blocked->deadline : std::chrono::steady_clock::time_point::max();
    }
    /// Runs the blocked command again (a key it waits on changed). Returns true when it was
    /// served (it replied and the session is unblocked; its transport is notified).
    bool retry_blocked() {
        if (!m_blocked) return false;
        std::vector<std::string_view> args(m_blocked->args.begin(), m_blocked->args.end());
        const std::size_t db = m_db;
        m_db = m_blocked->db;
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
    /// Replies as the blocked command does on its timeout and unblocks (its transport is
    /// notified). Does nothing when not blocked.
    void time_out_blocked() {
        if (!m_blocked) return;
        write_timeout_reply(m_blocked->on_timeout);
        unblock();
        m_server->notify(this);
    }

    /// Replies `message` as an error to the blocked command and unblocks (its transport is
    /// notified): CLIENT UNBLOCK ... ERROR. Does nothing when not blocked.
    void fail_blocked(std::string_view message) {
        if (!m_blocked) return;
        write_error(m_reply, *m_server, message);
        unblock();
        m_server->notify(this);
    }

    // --- CLIENT PAUSE ---

    /// True while CLIENT PAUSE holds the client's command (it runs when the pause ends or eases).
    [[nodiscard]] bool held() const noexcept { return m_held != nullptr; }
    /// Runs the command CLIENT PAUSE held, through the whole command path again (so it may be
    /// held again, as Redis reprocesses a postponed client), then the input behind it, before
    /// another held client runs (Redis's processPendingCommandAndInputBuffer); its transport is
    /// notified. Does nothing when none is held.
    void run_held() {
        if (!m_held) return;
        const std::vector<std::string> words = std::move(m_held->args);
        release_hold();
        if (m_closing) return; // killed while held: nothing runs for it
        const std::vector<std::string_view> args(words.begin(), words.end());
        run_client_command(args);
        if (!m_held) (void)process();
        m_server->notify(this);
    }

    // --- MONITOR ---

    /// True while the client is in MONITOR mode: it gets a line per command the server runs.
    [[nodiscard]] bool monitor() const noexcept { return m_monitor; }
    /// Enters (MONITOR) or leaves (RESET) MONITOR mode.
    void set_monitor(bool on) {
        if (on == m_monitor) return;
        m_monitor = on;
        if (on) m_server->monitors().push_back(this);
        else std::erase(m_server->monitors(), this);
    }
    /// True when the client connected through a Unix socket (MONITOR shows it as `unix:path`).
    bool unix_socket = false;

    // --- pub/sub ---

    /// Number of channels and patterns subscribed to (what SUBSCRIBE and PSUBSCRIBE report;
    /// shard channels are counted apart).
    [[nodiscard]] std::size_t subscription_count() const noexcept {
        return m_subscriptions.size() - m_shard_subscriptions;
    }
    /// Number of shard channels subscribed to (what SSUBSCRIBE reports).
    [[nodiscard]] std::size_t shard_subscription_count() const noexcept { return m_shard_subscriptions; }
    /// True while subscribed to anything (a channel, pattern or shard channel): Redis's pub/sub
    /// client flag (CLIENT LIST's P, the "pubsub" client type, RESP2's subscribed mode).
    [[nodiscard]] bool subscribed() const noexcept { return !m_subscriptions.empty(); }
    /// Subscribes to `channel`; false when already subscribed.
    bool subscribe(std::string_view channel) { return add_subscription(channel_kind, channel); }
    /// Unsubscribes from `channel`; false when not subscribed.
    bool unsubscribe(std::string_view channel) { return drop_subscription(channel_kind, channel); }
    /// Subscribes to `pattern`; false when already subscribed.
    bool psubscribe(std::string_view pattern) { return add_subscription(pattern_kind, pattern); }
    /// Unsubscribes from `pattern`; false when not subscribed.
    bool punsubscribe(std::string_view pattern) { return drop_subscription(pattern_kind, pattern); }
    /// Subscribes to shard channel `channel`; false when already subscribed.
    bool ssubscribe(std::string_view channel) { return add_subscription(shard_kind, channel); }
    /// Unsubscribes from shard channel `channel`; false when not subscribed.
    bool sunsubscribe(std::string_view channel) { return drop_subscription(shard_kind, channel); }
    /// The channels (`patterns` false, in no particular order) or the patterns (in the order
    /// they were subscribed to, as Redis keeps them: PUNSUBSCRIBE answers in that order).
    [[nodiscard]] std::vector<std::string> subscriptions(bool patterns) const {
        if (patterns) return m_patterns;
        return subscriptions_of(channel_kind);
    }
    /// The shard channels, in no particular order.
    [[nodiscard]] std::vector<std::string> shard_subscriptions() const { return subscriptions_of(shard_kind); }

private:
    struct transaction {
        std::vector<queued_command> queue;
        command_flag flags = command_flag::none;         // every flag of a queued command
        command_flag missing_flags = command_flag::none; // every flag some queued command lacks
        bool aborted = false;                            // a command was rejected while queueing
        std::size_t bytes = 0;                           // memory the queue holds, about
    };
    struct held_command {
        std::vector<std::string> args;
    };
    struct blocked_state {
        std::vector<std::string> args;
        std::vector<std::string> keys;
        std::size_t db = 0;
        std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
        timeout_reply on_timeout = timeout_reply::null_array;
    };

    // A rejection before running (Redis's rejectCommand): counted, and it makes the transaction
    // being queued fail; a rejected EXEC discards it at once (EXECABORT, in MULTI or not).
    void reject(std::string_view message, const command_entry* entry, std::span<const std::string_view> args = {}) {
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
        if (m_multi) m_multi->aborted = true;
    }

    // A client's command (from its input, or held by CLIENT PAUSE): CLIENT REPLY OFF / SKIP drop
    // what it wrote (pushes from other clients, written between commands, are not), as Redis's
    // prepareClientToWrite.
    void run_client_command(std::span<const std::string_view> args) {
        const std::size_t reply_at = m_output.end_position();
        execute(args);
        if (m_held) return; // not run yet: its reply mode applies when it runs
        if (m_reply_off || m_skip_this_reply) m_output.truncate(reply_at);
        m_skip_this_reply = m_skip_next_reply;
        m_skip_next_reply = false;
    }

    // Holds the client's command until the pause ends (Redis's blockClient BLOCKED_POSTPONE):
    // counted as a blocked client, nothing else of its input runs meanwhile.
    void hold(std::span<const std::string_view> args) {
        m_held = std::make_unique<held_command>();
        m_held->args.assign(args.begin(), args.end());
        m_server->pause().held().push_back(this);
        ++m_server->stats().blocked_clients;
    }
    void release_hold() {
        if (!m_held) return;
        std::erase(m_server->pause().held(), this);
        --m_server->stats().blocked_clients;
        m_held.reset();
    }

    void write_timeout_reply(timeout_reply kind) {
        if (kind == timeout_reply::null_bulk) {
            m_reply.null();
        } else if (kind == timeout_reply::zero) {
            m_reply.integer(0);
        } else {
            m_reply.null_array();
        }
    }

    void unblock() {
        if (!m_blocked) return;
        for (const std::string& key : m_blocked->keys) m_server->blocked_on().remove(m_blocked->db, key, this);
        std::erase(m_server->blocked_sessions(), this);
        --m_server->stats().blocked_clients;
        m_blocked.reset();
    }

    // The first byte of an m_subscriptions key: what the rest of it names.
    static constexpr char channel_kind = 'c';
    static constexpr char pattern_kind = 'p';
    static constexpr char shard_kind = 's';

    bool add_subscription(char kind, std::string_view name) {
        if (!m_subscriptions.insert(subscription_key(kind, name)).second) return false;
        if (kind == pattern_kind) {
            m_patterns.emplace_back(name);
            m_server->pubsub().add_pattern(name, this);
        } else if (kind == shard_kind) {
            ++m_shard_subscriptions;
            m_server->pubsub().add_shard_channel(name, this);
        } else {
            m_server->pubsub().add_channel(name, this);
        }
        return true;
    }

    bool drop_subscription(char kind, std::string_view name) {
        if (m_subscriptions.erase(subscription_key(kind, name)) == 0) return false;
        if (kind == pattern_kind) m_patterns.erase(std::find(m_patterns.begin(), m_patterns.end(), name));
        if (kind == shard_kind) --m_shard_subscriptions;
        leave_registry(kind, name);
        return true;
    }

    void leave_registry(char kind, std::string_view name) {
        if (kind == pattern_kind) {
            m_server->pubsub().remove_pattern(name, this);
        } else if (kind == shard_kind) {
            m_server->pubsub().remove_shard_channel(name, this);
        } else {
            m_server->pubsub().remove_channel(name, this);
        }
    }

    void unsubscribe_all() {
        for (const std::string& s : m_subscriptions) leave_registry(s[0], std::string_view(s).substr(1));
        m_subscriptions.clear();
        m_patterns.clear();
        m_shard_subscriptions = 0;
    }

    [[nodiscard]] std::vector<std::string> subscriptions_of(char kind) const {
        std::vector<std::string> out;
        for (const std::string& s : m_subscriptions) {
            if (s[0] == kind) out.push_back(s.substr(1));
        }
        return out;
    }

    [[nodiscard]] static std::string subscription_key(char kind, std::string_view name) {
        std::string key(1, kind);
        key += name;
        return key;
    }

    // After need_more: a big bulk argument still incomplete is received into its own string
    // from now on (input_space points there), its bytes already read moving there once.
    void receive_big_argument() {
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
        m_big = std::move(big);
    }

    void protocol_error() {
        ++m_server->stats().unexpected_error_replies;
        write_error(m_reply, *m_server, m_parser.error_message());
        close_after_reply();
        m_server->notify(this); // closes this turn, even if the transport is not looking
    }

    const dispatcher* m_dispatcher;
    server_context* m_server;
    session_options m_options;
    resp::request_parser m_parser;
    resp::input_buffer m_input{0}; // allocated on the first read: idle clients cost little
    reply_buffer m_output;
    reply_writer m_reply;
    std::uint64_t m_id;
    std::size_t m_db = 0;
    std::string m_name;
    // The command `name` names, for a command from the client: also its last command.
    // Most clients repeat a command: the name is compared rather than copied, and the table
    // entry remembered with it is looked up again only when the table changed.
    const command_entry* find_last(std::string_view name) {
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

    std::string m_last_command;
    static constexpr std::uint64_t no_generation = ~std::uint64_t{0};
    const command_entry* m_last_found = nullptr;               // find(m_last_command)
    std::uint64_t m_last_found_generation = no_generation;     // the table's generation then
    std::chrono::steady_clock::time_point m_created = m_server->now();
    std::chrono::steady_clock::time_point m_last_command_at = m_created;
    std::optional<std::chrono::steady_clock::time_point> m_soft_limit_since; // output above the soft limit since
    bool m_no_evict = false;     // CLIENT NO-EVICT
    bool m_asking = false;           // ASKING (cluster mode)
    bool m_asking_fresh = false;     // ... sent just now: the next command keeps it
    bool m_cluster_readonly = false; // READONLY (cluster mode)
    bool m_reply_off = false;        // CLIENT REPLY OFF
    bool m_skip_this_reply = false;  // CLIENT REPLY SKIP: the running command's reply is dropped
    bool m_skip_next_reply = false;  // CLIENT REPLY SKIP: the next command's reply will be
    bool m_authenticated = true; // see authenticated()
    std::shared_ptr<acl_user> m_user; // see user()
    bool m_closing = false;
    bool m_executing = false;     // EXEC is running the queued commands
    bool m_watch_dirty = false;   // a watched key changed
    bool m_retrying = false;      // the blocked command runs again
    bool m_still_blocked = false; // ... and blocked again
    std::unique_ptr<transaction> m_multi;     // between MULTI and EXEC
    std::vector<watched_key> m_watched;
    std::unique_ptr<blocked_state> m_blocked; // while a blocking command waits
    std::unique_ptr<held_command> m_held;     // while CLIENT PAUSE holds the command
    bool m_monitor = false;                   // MONITOR mode
    std::set<std::string> m_subscriptions;    // 'c' + channel, 'p' + pattern, 's' + shard channel
    std::size_t m_shard_subscriptions = 0;    // how many of them are shard channels
    std::vector<std::string> m_patterns;      // the patterns, in subscription order
    struct big_argument {
        std::string bytes;      // payload and CRLF: received so far, then the window being read into
        std::size_t filled = 0; // bytes received
        std::size_t total = 0;  // payload and CRLF
    };
    static constexpr std::size_t big_argument_window = 1 << 20;
    std::unique_ptr<big_argument> m_big;  // the big argument being received
    std::vector<std::string> m_big_args;  // big arguments of the command being received
};

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

inline std::string command_call::take_arg(std::size_t i) { return m_client->take_argument(m_args[i]); }

inline void command_call::notify(keyspace_event_class type, std::string_view event, std::string_view key) const {
    notify(type, event, key, m_client->db());
}

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

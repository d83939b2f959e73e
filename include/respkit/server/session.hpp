#pragma once

/// \file
/// A connection's state machine, independent of any socket: feed it the bytes a client sent,
/// take the reply bytes it produced. What only some commands use (the ACL user, MULTI's queue,
/// WATCHed keys, the blocked or held command, subscriptions, big arguments) is in its state,
/// defined with the members in server/session_impl.hpp (docs/headers.md).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/chrono.hpp"
#include "respkit/detail/state_ptr.hpp"
#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class>
class basic_acl_user;
using acl_user = basic_acl_user<void>;
enum class client_class : std::uint8_t;

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

/// One client connection: parses its requests (pipelined, multibulk or inline), runs them through
/// a dispatcher, and queues the replies. Knows no socket: a transport (or the user's own event
/// loop) calls input_space/commit_input (or feed), then process(), sends pending_output() and
/// calls output_sent(). Speaks RESP2 until HELLO 3.
template <class>
class basic_session {
    using session = basic_session; // (dependent: members are instantiated only where used)

public:
    /// A session running commands from `commands` in `server`'s context. Both must outlive it.
    basic_session(const dispatcher& commands, server_context& server, const session_options& options = {});
    basic_session(const basic_session&) = delete;
    basic_session& operator=(const basic_session&) = delete;
    ~basic_session();

    // --- input ---

    /// Space to read into; then commit_input(bytes read). At least `n` bytes, except while a big
    /// argument is received: then exactly what is left of it.
    [[nodiscard]] std::span<char> input_space(std::size_t n = 16 * 1024);
    /// Marks `n` bytes read into input_space() as received.
    void commit_input(std::size_t n);
    /// Copies bytes in and processes them (for tests and simple transports; refreshes the
    /// server context's clock first).
    void feed(std::string_view bytes);
    /// Runs the complete commands received, until input runs out, the output passes its high
    /// watermark (back-pressure), the session closes, or max_commands_per_feed ran. Returns the
    /// number of commands run.
    std::size_t process();
    /// True while a blocked (or CLIENT PAUSE-held) command holds at least max_blocked_input
    /// bytes of further input: the transport stops reading until it runs (input cannot grow
    /// without bound).
    [[nodiscard]] bool input_paused() const noexcept;
    /// True when input is waiting that process() did not run yet (it yielded).
    [[nodiscard]] bool has_pending_input() const noexcept;
    /// The argument `arg` of the command running, as a string the caller owns: moved out of
    /// the session when it is a big argument received into its own string (no copy; `arg`
    /// stays readable until the command ends, the bytes having moved with their buffer),
    /// otherwise copied.
    [[nodiscard]] std::string take_argument(std::string_view arg);

    /// The command path, for every command whatever its origin: resolves `args` (unknown
    /// command, subcommand, arity), runs the dispatcher's checks in order, queues the command
    /// inside MULTI, otherwise calls it; then, for a command from outside, serves the clients
    /// blocked on keys it made ready. A rejection replies with Redis's error (and makes a
    /// transaction being queued fail at EXEC).
    void execute(std::span<const std::string_view> args, command_origin origin = command_origin::client);

    /// True when the client authenticated, or connected while no password was required.
    [[nodiscard]] bool authenticated() const noexcept { return m_authenticated; }
    /// Marks the client as authenticated (AUTH, HELLO ... AUTH) or not.
    void set_authenticated(bool on) noexcept { m_authenticated = on; }
    /// The ACL user the client runs commands as (the default user until it authenticates).
    [[nodiscard]] const acl_user& user() const noexcept;
    /// The ACL user, shared with the access control (it may delete the user meanwhile).
    /// (A `const std::shared_ptr<acl_user>&`: deduced, defined in session_impl.hpp.)
    template <class = void>
    [[nodiscard]] const auto& user_ptr() const noexcept;
    /// Makes the client the default user again, not authenticated (its user was deleted).
    void reset_user() noexcept;
    /// Authenticates the client as `u` (AUTH, HELLO ... AUTH).
    /// (`u` is a `std::shared_ptr<acl_user>`.)
    template <class UserPtr>
    void set_user(UserPtr u) noexcept;

    /// The session's limits.
    [[nodiscard]] const session_options& options() const noexcept { return m_options; }

    // --- output ---

    /// Reply bytes not yet sent.
    [[nodiscard]] std::string_view pending_output() const noexcept { return m_output.pending(); }
    /// Marks `n` bytes of pending_output() as sent.
    void output_sent(std::size_t n);
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
    void close_now() noexcept;
    /// Closes at once when queued output passed its class's limit (client-output-buffer-limit:
    /// the hard limit, or the soft limit for longer than its seconds), or, in a class without a
    /// hard limit, the session's output_hard_limit; logged as Redis does. Returns true when it
    /// closed. Checked after the client's commands and after each message published to it.
    bool enforce_output_limit();
    /// The most output a reply may take this client's unsent output to before it is abandoned
    /// (and the connection closed) rather than allocated: its class's hard limit, or
    /// output_hard_limit in a class without one.
    [[nodiscard]] std::size_t output_limit() const noexcept;
    /// The class whose client-output-buffer-limit applies: pubsub while subscribed to a channel
    /// or pattern, otherwise normal.
    [[nodiscard]] client_class output_class() const noexcept;
    /// Closes at once for passing the output limit, with Redis's log line.
    void close_for_output_limit();
    /// Memory the client holds, as maxmemory-clients counts it: the session itself, its input
    /// (big arguments included), its output and its queued transaction.
    [[nodiscard]] std::size_t memory_usage() const noexcept;
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
    [[nodiscard]] std::string describe() const;
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
    [[nodiscard]] std::size_t input_size() const noexcept;
    /// Bytes of memory held by the input buffer and the arguments received into their own strings.
    [[nodiscard]] std::size_t input_capacity() const noexcept;
    /// Bytes of output queued.
    [[nodiscard]] std::size_t output_size() const noexcept { return m_output.pending_size(); }
    /// The server context.
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    /// The dispatcher.
    [[nodiscard]] const dispatcher& commands() const noexcept { return *m_dispatcher; }

    /// Forgets per-connection state, as RESET does: no transaction, no watched keys, no
    /// subscriptions, RESP2, db 0, no name, and the default user, not authenticated when it has a password.
    void reset_state();

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
    [[nodiscard]] bool in_multi() const noexcept;
    /// Starts a transaction (MULTI): later commands are queued.
    void begin_multi();
    /// True when a command was rejected while queueing: EXEC answers EXECABORT.
    [[nodiscard]] bool multi_aborted() const noexcept;
    /// Ends the transaction, returning its queued commands (EXEC). Watched keys stay watched
    /// until unwatch().
    [[nodiscard]] std::vector<queued_command> end_multi();
    /// The commands queued since MULTI (none outside a transaction).
    [[nodiscard]] std::span<const queued_command> queued_commands() const noexcept;
    /// Number of commands queued since MULTI (0 outside a transaction).
    [[nodiscard]] std::size_t queued_count() const noexcept;
    /// Drops the transaction and unwatches every key (DISCARD, RESET).
    void discard_transaction();
    /// True while EXEC runs the queued commands (blocking commands do not block then).
    [[nodiscard]] bool executing_transaction() const noexcept { return m_executing; }
    /// Marks that EXEC is (or is no longer) running the queued commands.
    void set_executing_transaction(bool on) noexcept { m_executing = on; }

    /// WATCHes `key` of `db` (once per key); `expired` tells whether it is stored but
    /// logically expired now (Redis does not count its later removal as a change).
    void watch(std::size_t db, std::string_view key, bool expired);
    /// Forgets every watched key and whether one changed (UNWATCH, EXEC, DISCARD).
    void unwatch();
    /// The watched keys.
    [[nodiscard]] const std::vector<watched_key>& watched_keys() const noexcept;
    /// Tells the session a key it watches changed; `expired` when the change is the removal
    /// of an expired key. A key already expired when watched does not count as changed by
    /// that removal.
    void touch_watched(std::size_t db, std::string_view key, bool expired);
    /// Tells the session the database of a key it watches was swapped with another (SWAPDB):
    /// `before` and `after` say whether the key was stored before and is stored now,
    /// `after_expired` whether what is stored now is logically expired. As Redis: an expired
    /// key replaced by nothing or by another expired key is no change.
    void swap_watched(std::size_t db, std::string_view key, bool before, bool after, bool after_expired);
    /// Marks the watched keys as changed (FLUSHDB of a watched key, EXEC's expiry check).
    void mark_watch_dirty() noexcept;
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
               std::span<const std::string_view> args);
    /// True while a blocking command waits.
    [[nodiscard]] bool blocked() const noexcept;
    /// True when the blocked command that runs again (retrying()) found nothing and stays blocked.
    [[nodiscard]] bool still_blocked() const noexcept { return m_still_blocked; }
    /// True while a blocked command runs again because a key it waits on changed: if it still
    /// finds nothing it calls block() again, which keeps it blocked where it was.
    [[nodiscard]] bool retrying() const noexcept { return m_retrying; }
    /// When the blocked command times out (time_point::max(): never).
    [[nodiscard]] std::chrono::steady_clock::time_point block_deadline() const noexcept;
    /// Runs the blocked command again (a key it waits on changed). Returns true when it was
    /// served (it replied and the session is unblocked; its transport is notified).
    bool retry_blocked();
    /// Replies as the blocked command does on its timeout and unblocks (its transport is
    /// notified). Does nothing when not blocked.
    void time_out_blocked();

    /// Replies `message` as an error to the blocked command and unblocks (its transport is
    /// notified): CLIENT UNBLOCK ... ERROR. Does nothing when not blocked.
    void fail_blocked(std::string_view message);

    // --- CLIENT PAUSE ---

    /// True while CLIENT PAUSE holds the client's command (it runs when the pause ends or eases).
    [[nodiscard]] bool held() const noexcept;
    /// Runs the command CLIENT PAUSE held, through the whole command path again (so it may be
    /// held again, as Redis reprocesses a postponed client), then the input behind it, before
    /// another held client runs (Redis's processPendingCommandAndInputBuffer); its transport is
    /// notified. Does nothing when none is held.
    void run_held();

    // --- MONITOR ---

    /// True while the client is in MONITOR mode: it gets a line per command the server runs.
    [[nodiscard]] bool monitor() const noexcept { return m_monitor; }
    /// Enters (MONITOR) or leaves (RESET) MONITOR mode.
    void set_monitor(bool on);
    /// True when the client connected through a Unix socket (MONITOR shows it as `unix:path`).
    bool unix_socket = false;

    // --- pub/sub ---

    /// Number of channels and patterns subscribed to (what SUBSCRIBE and PSUBSCRIBE report;
    /// shard channels are counted apart).
    [[nodiscard]] std::size_t subscription_count() const noexcept;
    /// Number of shard channels subscribed to (what SSUBSCRIBE reports).
    [[nodiscard]] std::size_t shard_subscription_count() const noexcept;
    /// True while subscribed to anything (a channel, pattern or shard channel): Redis's pub/sub
    /// client flag (CLIENT LIST's P, the "pubsub" client type, RESP2's subscribed mode).
    [[nodiscard]] bool subscribed() const noexcept;
    /// Subscribes to `channel`; false when already subscribed.
    bool subscribe(std::string_view channel);
    /// Unsubscribes from `channel`; false when not subscribed.
    bool unsubscribe(std::string_view channel);
    /// Subscribes to `pattern`; false when already subscribed.
    bool psubscribe(std::string_view pattern);
    /// Unsubscribes from `pattern`; false when not subscribed.
    bool punsubscribe(std::string_view pattern);
    /// Subscribes to shard channel `channel`; false when already subscribed.
    bool ssubscribe(std::string_view channel);
    /// Unsubscribes from shard channel `channel`; false when not subscribed.
    bool sunsubscribe(std::string_view channel);
    /// The channels (`patterns` false, in no particular order) or the patterns (in the order
    /// they were subscribed to, as Redis keeps them: PUNSUBSCRIBE answers in that order).
    [[nodiscard]] std::vector<std::string> subscriptions(bool patterns) const;
    /// The shard channels, in no particular order.
    [[nodiscard]] std::vector<std::string> shard_subscriptions() const;

private:
    struct state; // user, transaction, watched keys, blocked or held command, subscriptions, big arguments (session_impl.hpp)
    struct transaction;
    struct held_command;
    struct blocked_state;
    struct big_argument;

    // A rejection before running (Redis's rejectCommand): counted, and it makes the transaction
    // being queued fail; a rejected EXEC discards it at once (EXECABORT, in MULTI or not).
    void reject(std::string_view message, const command_entry* entry, std::span<const std::string_view> args = {});

    // A client's command (from its input, or held by CLIENT PAUSE): CLIENT REPLY OFF / SKIP drop
    // what it wrote (pushes from other clients, written between commands, are not), as Redis's
    // prepareClientToWrite.
    void run_client_command(std::span<const std::string_view> args);

    // Holds the client's command until the pause ends (Redis's blockClient BLOCKED_POSTPONE):
    // counted as a blocked client, nothing else of its input runs meanwhile.
    void hold(std::span<const std::string_view> args);
    void release_hold();

    void write_timeout_reply(timeout_reply kind);

    void unblock();

    // The first byte of a subscription key (the state's `subscriptions`): what the rest names.
    static constexpr char channel_kind = 'c';
    static constexpr char pattern_kind = 'p';
    static constexpr char shard_kind = 's';

    bool add_subscription(char kind, std::string_view name);

    bool drop_subscription(char kind, std::string_view name);

    void leave_registry(char kind, std::string_view name);

    void unsubscribe_all();

    [[nodiscard]] std::vector<std::string> subscriptions_of(char kind) const;

    [[nodiscard]] static std::string subscription_key(char kind, std::string_view name);

    // After need_more: a big bulk argument still incomplete is received into its own string
    // from now on (input_space points there), its bytes already read moving there once.
    void receive_big_argument();

    void protocol_error();

    respkit::detail::state_ptr<state> m_state;
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
    const command_entry* find_last(std::string_view name);

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
    bool m_closing = false;
    bool m_executing = false;     // EXEC is running the queued commands
    bool m_watch_dirty = false;   // a watched key changed
    bool m_retrying = false;      // the blocked command runs again
    bool m_still_blocked = false; // ... and blocked again
    bool m_monitor = false;       // MONITOR mode
    static constexpr std::size_t big_argument_window = 1 << 20;
};

} // namespace respkit::server

#pragma once

/// \file
/// One command being executed: its arguments, its connection and origin, how to reply, and how
/// to tell propagation what it did.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/resp/typed_write.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

namespace detail {

/// `u`, as an expression that depends on `T`: a member template of a class defined before the
/// types `u` reaches (the propagation, the session's state) is checked where it is used.
template <class T, class U>
[[nodiscard]] constexpr U& deferred(U& u) noexcept {
    return u;
}

} // namespace detail

// Defined in keyspace_events.hpp (it needs the pub/sub delivery, which needs the session).
template <class>
void notify_keyspace_event(server_context& server, keyspace_event_class type, std::string_view event,
                           std::string_view key, std::size_t db);

/// What a command handler gets: the arguments (name first; views valid during the call), the
/// reply writer, the calling session, the server-wide context, and where the command comes
/// from. A handler that changes the keyspace through its API propagates (to the append-only
/// file, to replicas) as it was sent, unless it says otherwise here.
class command_call {
public:
    /// A call of `spec` with `args` from `client`, replying through `reply`.
    command_call(std::span<const std::string_view> args, const command_spec& spec, session& client,
                 server_context& server, reply_writer& reply, command_origin origin = command_origin::client) noexcept
        : m_args(args), m_spec(&spec), m_client(&client), m_server(&server), m_reply(&reply), m_origin(origin) {}

    /// The arguments, command name first.
    [[nodiscard]] std::span<const std::string_view> args() const noexcept { return m_args; }
    /// Argument `i` (0 is the command name).
    [[nodiscard]] std::string_view arg(std::size_t i) const noexcept { return m_args[i]; }
    /// Argument `i` as a string of the caller's: a big argument the session received into its
    /// own string is moved out (a command storing it keeps it without a copy; arg(i) stays
    /// readable until the command ends), any other is copied.
    template <class T = void>
    [[nodiscard]] std::string take_arg(std::size_t i) {
        return detail::deferred<T>(*m_client).take_argument(m_args[i]);
    }
    /// Number of arguments, command name included.
    [[nodiscard]] std::size_t argc() const noexcept { return m_args.size(); }
    /// The command (or subcommand) being run.
    [[nodiscard]] const command_spec& spec() const noexcept { return *m_spec; }
    /// The connection that sent the command.
    [[nodiscard]] session& client() const noexcept { return *m_client; }
    /// The server-wide context.
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    /// Where the reply goes.
    [[nodiscard]] reply_writer& reply() const noexcept { return *m_reply; }
    /// Replies with `v` written as a typed value (docs/typed-values.md), in the session's
    /// protocol: in RESP2 maps become flat arrays and sets arrays, as Redis sends them.
    template <class T>
    void reply(const T& v) const {
        resp::write(*m_reply, v);
    }
    /// Where the command comes from (a client, EXEC, a served blocked command, a file).
    [[nodiscard]] command_origin origin() const noexcept { return m_origin; }

    /// Replies with an error (text without `-`, e.g. "ERR syntax error"); CR and LF become
    /// spaces as in Redis, and the error is counted for INFO's errorstats.
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    void error(std::string_view message) {
        m_failed = true;
        write_error(*m_reply, *m_server, message);
    }
    /// True once error() was called: the command failed.
    [[nodiscard]] bool failed() const noexcept { return m_failed; }

    /// Replies "+OK".
    void ok() { m_reply->simple_string("OK"); }

    // --- propagation: what replays this command's effect (append-only file, replicas) ---

    /// True when what commands change is being propagated: a command may skip building a
    /// rewrite nobody reads.
    template <class T = void>
    [[nodiscard]] bool propagating() const noexcept {
        return detail::deferred<T>(*m_server).propagation().active();
    }
    /// Propagates `args` instead of this command's own arguments, if it changed something
    /// (relative expiry as absolute, INCRBYFLOAT as SET ... KEEPTTL, a served BLPOP as LPOP).
    template <class T = void>
    void propagate_as(std::vector<std::string> args) const {
        if (propagating<T>()) detail::deferred<T>(*m_server).propagation().rewrite(std::move(args));
    }
    /// Propagates `args` (in database `db`) now, before this command's own propagation.
    template <class T = void>
    void also_propagate(std::size_t db, std::vector<std::string> args) const {
        if (propagating<T>()) detail::deferred<T>(*m_server).propagation().also_propagate(db, std::move(args));
    }
    /// This command does not propagate itself (what it did went out with also_propagate).
    template <class T = void>
    void prevent_propagation() const noexcept {
        detail::deferred<T>(*m_server).propagation().prevent();
    }
    /// This command propagates even if it changed nothing (FLUSHALL of an empty server).
    template <class T = void>
    void force_propagation() const noexcept {
        detail::deferred<T>(*m_server).propagation().force();
    }
    /// This command changed the dataset (for changes the keyspace did not report, such as a
    /// user's own state): it propagates.
    template <class T = void>
    void mark_dirty() const noexcept {
        detail::deferred<T>(*m_server).propagation().mark_dirty();
    }

    // --- keyspace notifications (notify-keyspace-events, docs/notifications.md) ---

    /// True when events of class `type` are published: a command may skip work done only for
    /// its notifications.
    [[nodiscard]] bool notifying(keyspace_event_class type) const noexcept {
        return keyspace_event_enabled(m_server->keyspace_events(), type);
    }
    /// Publishes keyspace notification `event` (e.g. "lpush") of class `type` for `key` of the
    /// client's selected database, as Redis's notifyKeyspaceEvent; one test when disabled.
    /// Call it after the change, in the order Redis emits its events.
    template <class T = void>
    void notify(keyspace_event_class type, std::string_view event, std::string_view key) const {
        notify(type, event, key, detail::deferred<T>(*m_client).db());
    }
    /// Publishes keyspace notification `event` of class `type` for `key` of database `db`.
    void notify(keyspace_event_class type, std::string_view event, std::string_view key, std::size_t db) const {
        if (notifying(type)) [[unlikely]]
            notify_keyspace_event<void>(*m_server, type, event, key, db);
    }

private:
    std::span<const std::string_view> m_args;
    const command_spec* m_spec;
    session* m_client;
    server_context* m_server;
    reply_writer* m_reply;
    command_origin m_origin;
    bool m_failed = false;
};

} // namespace respkit::server

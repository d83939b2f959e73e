#pragma once

/// \file
/// The command table and the stages of the command path it owns: lookup (unknown command,
/// subcommand, arity, with Redis's error texts), the ordered checks, and the call itself (the
/// handler, its statistics, exceptions turned into error replies, propagation). The table,
/// access control, slow log and latency monitor are in its state, defined with the members in
/// server/dispatcher_impl.hpp (docs/headers.md).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/state_ptr.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

struct command_entry; // server/command_entry.hpp
template <class>
class basic_access_control;
using access_control = basic_access_control<void>;
class slowlog;
class latency_monitor;
struct latency_tracking_settings;

/// The table of commands a server runs, and the command path every command goes through:
/// resolve() (unknown command, unknown subcommand, arity), the checks in stage order (admit()),
/// then call(). Users add, replace or remove any command, built-in ones included (lookup
/// ignores ASCII case), register checks, and may send every unknown command to one handler.
template <class>
class basic_dispatcher {
public:
    /// A table with no command and the built-in checks (authentication, commands refused inside
    /// MULTI, ACL permissions, RESP2 subscribed mode, loading).
    basic_dispatcher();
    basic_dispatcher(const basic_dispatcher&) = delete;
    basic_dispatcher& operator=(const basic_dispatcher&) = delete;
    /// Takes `other`'s table (sessions must not be running on either); `other` is left empty
    /// and may only be destroyed or assigned to.
    basic_dispatcher(basic_dispatcher&& other) noexcept;
    /// Takes `other`'s table, as the move constructor.
    basic_dispatcher& operator=(basic_dispatcher&& other) noexcept;
    ~basic_dispatcher();

    /// Registers (or replaces) a command.
    command_entry& add(command_spec spec, command_handler handler);
    /// Registers (or replaces) a subcommand of `parent` (registering an empty container
    /// `parent` with arity -2 first if needed), e.g. add_subcommand("config", {"get", -3, ...}).
    command_entry& add_subcommand(std::string_view parent, command_spec spec, command_handler handler);
    /// Removes a command (and its subcommands); false when there was none.
    bool remove(std::string_view name);
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] command_entry* find(std::string_view name) noexcept;
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] const command_entry* find(std::string_view name) const noexcept;
    /// Changes whenever a command is added, replaced or removed: a find() result remembered
    /// with it stays valid while it does not change.
    [[nodiscard]] std::uint64_t generation() const noexcept { return m_generation; }
    /// Every command, in no particular order (the catch-all handler is not among them).
    [[nodiscard]] const auto& commands() const noexcept;

    /// Sends every command whose name is not in the table to `handler` (arity and flags from
    /// `spec`; its name is left as given), instead of replying "unknown command": a server that
    /// answers anything, such as an echo server. An empty handler removes the catch-all.
    void set_catch_all(command_handler handler, command_spec spec = {.name = "*", .arity = -1});

    /// Who may run what: the ACL users, the default user (its password is requirepass), the
    /// ACL log.
    [[nodiscard]] access_control& access() noexcept;
    /// Who may run commands.
    [[nodiscard]] const access_control& access() const noexcept;
    /// The slow log the command path records into (SLOWLOG; slowlog-log-slower-than and
    /// slowlog-max-len set its limits).
    [[nodiscard]] server::slowlog& slowlog() const noexcept;
    /// The latency monitor (LATENCY; latency-monitor-threshold turns it on): the command path
    /// records its "command" and "fast-command" events, the server its other events.
    [[nodiscard]] server::latency_monitor& latency_monitor() const noexcept;
    /// Whether the command path keeps latency histograms, and the percentiles INFO prints.
    [[nodiscard]] latency_tracking_settings& latency_tracking() const noexcept;

    // --- the command path ---

    /// Stage 1: the command or subcommand `args` names, or nullptr with Redis's error text in
    /// `error` (unknown command, unknown subcommand, wrong number of arguments). For a wrong
    /// number of arguments, `named` (when given) receives the command that was named.
    [[nodiscard]] const command_entry* resolve(std::span<const std::string_view> args, std::string& error,
                                               const command_entry** named = nullptr) const;
    /// resolve() when `found` is find(args[0]) already (a caller that remembers it, see
    /// generation()).
    [[nodiscard]] const command_entry* resolve_found(std::span<const std::string_view> args,
                                                     const command_entry* found, std::string& error,
                                                     const command_entry** named = nullptr) const;

    /// Registers a check that every command passes before it runs, at `stage` (after the
    /// checks already registered at the same stage). `name` says what it is (checks()).
    void add_check(check_stage stage, std::string name, command_check check);
    /// The checks, in the order they run.
    [[nodiscard]] const std::vector<registered_check>& checks() const noexcept { return m_checks; }

    /// Stage 2: runs the checks in order; true when the command may run, else false with the
    /// first failing check's error reply in `error`.
    [[nodiscard]] bool admit(const pending_command& command, std::string& error) const;

    /// Stage 3: runs a resolved, admitted command for `client`: calls its handler with the reply
    /// armed against the client's output limit, counts it, and collects what it propagates. An
    /// exception from the handler becomes an error reply (its partial reply dropped) and a log
    /// line; a reply past the client's output limit closes the connection. Never throws.
    void call(const command_entry& entry, std::span<const std::string_view> args, session& client,
              command_origin origin) const;

    /// Redis's reply to an unknown command: `ERR unknown command 'x', with args beginning with: 'a' `.
    [[nodiscard]] static std::string unknown_command_message(std::span<const std::string_view> args);

private:
    static std::string truncated(std::string_view s, std::size_t n);

    // The built-in checks, as Redis 7.0's processCommand makes them. Each acts only on commands
    // from clients: EXEC's commands were checked when queued (a SUBSCRIBE inside EXEC does not
    // stop the commands after it), a file being loaded is trusted.
    static bool authenticated(const pending_command& c);
    static bool allowed_in_multi(const pending_command& c);
    static bool allowed_when_subscribed(const pending_command& c);
    static bool allowed_while_loading(const pending_command& c);

    static bool allowed_while_busy(const pending_command& c);

    // The ACL check (acl_check.hpp): commands, keys and channels the client's user may use.
    static bool acl_unrestricted(const pending_command& c);
    static std::string acl_denial_reply(const pending_command& c);

    void add_builtin_checks();

    // The table, catch-all, access control, slow log and latency monitor (dispatcher_impl.hpp).
    // What the command path records while it runs const is there too (the pointer is const,
    // not what it points to).
    struct state;
    respkit::detail::state_ptr<state> m_state;
    std::vector<registered_check> m_checks;
    std::uint64_t m_generation = 0;
};

} // namespace respkit::server


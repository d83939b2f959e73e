#pragma once

/// \file
/// The command table and the stages of the command path it owns: lookup (unknown command,
/// subcommand, arity, with Redis's error texts), the ordered checks, and the call itself (the
/// handler, its statistics, exceptions turned into error replies, propagation).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/server/access_control.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/command_stats.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/latency_monitor.hpp"
#include "respkit/server/slowlog.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

namespace detail {

using respkit::detail::ascii_lower;

/// Case-insensitive hash and equality for command names (ASCII), usable with string_view
/// lookups without building a lower-case copy.
struct name_hash {
    using is_transparent = void;
    [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
        std::size_t h = 1469598103934665603ULL;
        for (const char c : s) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ULL;
        return h;
    }
};
struct name_equal {
    using is_transparent = void;
    [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const noexcept {
        return respkit::detail::ascii_iequals(a, b);
    }
};

/// Redis prints names with %s: a NUL byte ends them.
[[nodiscard]] inline std::string_view c_string(std::string_view s) noexcept {
    const void* nul = std::memchr(s.data(), '\0', s.size());
    return nul == nullptr ? s : s.substr(0, static_cast<std::size_t>(static_cast<const char*>(nul) - s.data()));
}

} // namespace detail

/// A registered command: its spec, handler and subcommands.
struct command_entry {
    command_spec spec;                ///< name, arity, flags, keys, docs
    command_handler handler;          ///< what runs it (empty for pure containers)
    std::string full_name;            ///< "get", or "config|get" for a subcommand
    mutable command_stats stats;      ///< INFO commandstats and latencystats (the server updates them)
    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal>
        subcommands;                  ///< CONFIG GET, CLIENT ID, ...
};

/// The table of commands a server runs, and the command path every command goes through:
/// resolve() (unknown command, unknown subcommand, arity), the checks in stage order (admit()),
/// then call(). Users add, replace or remove any command, built-in ones included (lookup
/// ignores ASCII case), register checks, and may send every unknown command to one handler.
template <class>
class basic_dispatcher {
public:
    /// A table with no command and the built-in checks (authentication, commands refused inside
    /// MULTI, ACL permissions, RESP2 subscribed mode, loading).
    basic_dispatcher() { add_builtin_checks(); }

    /// Registers (or replaces) a command.
    command_entry& add(command_spec spec, command_handler handler) {
        auto entry = std::make_unique<command_entry>();
        entry->full_name = spec.name;
        entry->spec = std::move(spec);
        entry->handler = std::move(handler);
        m_access.catalog().add(entry->spec);
        auto& slot = m_commands[entry->spec.name];
        if (slot) entry->subcommands = std::move(slot->subcommands); // keep subcommands on replace
        slot = std::move(entry);
        ++m_generation;
        return *slot;
    }
    /// Registers (or replaces) a subcommand of `parent` (registering an empty container
    /// `parent` with arity -2 first if needed), e.g. add_subcommand("config", {"get", -3, ...}).
    command_entry& add_subcommand(std::string_view parent, command_spec spec, command_handler handler) {
        command_entry* container = find(parent);
        if (container == nullptr) {
            command_spec parent_spec;
            parent_spec.name = std::string(parent);
            parent_spec.arity = -2;
            container = &add(std::move(parent_spec), {});
        }
        auto entry = std::make_unique<command_entry>();
        entry->full_name = container->spec.name + "|" + spec.name;
        entry->spec = std::move(spec);
        entry->handler = std::move(handler);
        m_access.catalog().add(entry->spec, container->spec.name);
        auto& slot = container->subcommands[entry->spec.name];
        slot = std::move(entry);
        return *slot;
    }
    /// Removes a command (and its subcommands); false when there was none.
    bool remove(std::string_view name) {
        const auto it = m_commands.find(name);
        if (it == m_commands.end()) return false;
        m_access.catalog().remove(name);
        m_commands.erase(it);
        ++m_generation;
        return true;
    }
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] command_entry* find(std::string_view name) noexcept {
        const auto it = m_commands.find(name);
        return it == m_commands.end() ? nullptr : it->second.get();
    }
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] const command_entry* find(std::string_view name) const noexcept {
        const auto it = m_commands.find(name);
        return it == m_commands.end() ? nullptr : it->second.get();
    }
    /// Changes whenever a command is added, replaced or removed: a find() result remembered
    /// with it stays valid while it does not change.
    [[nodiscard]] std::uint64_t generation() const noexcept { return m_generation; }
    /// Every command, in no particular order (the catch-all handler is not among them).
    [[nodiscard]] const auto& commands() const noexcept { return m_commands; }

    /// Sends every command whose name is not in the table to `handler` (arity and flags from
    /// `spec`; its name is left as given), instead of replying "unknown command": a server that
    /// answers anything, such as an echo server. An empty handler removes the catch-all.
    void set_catch_all(command_handler handler, command_spec spec = {.name = "*", .arity = -1}) {
        if (!handler) {
            m_catch_all.reset();
            return;
        }
        m_catch_all = std::make_unique<command_entry>();
        m_catch_all->full_name = spec.name;
        m_catch_all->spec = std::move(spec);
        m_catch_all->handler = std::move(handler);
    }

    /// Who may run what: the ACL users, the default user (its password is requirepass), the
    /// ACL log.
    [[nodiscard]] access_control& access() noexcept { return m_access; }
    /// Who may run commands.
    [[nodiscard]] const access_control& access() const noexcept { return m_access; }
    /// The slow log the command path records into (SLOWLOG; slowlog-log-slower-than and
    /// slowlog-max-len set its limits).
    [[nodiscard]] server::slowlog& slowlog() const noexcept { return m_slowlog; }
    /// The latency monitor (LATENCY; latency-monitor-threshold turns it on): the command path
    /// records its "command" and "fast-command" events, the server its other events.
    [[nodiscard]] server::latency_monitor& latency_monitor() const noexcept { return m_latency_monitor; }
    /// Whether the command path keeps latency histograms, and the percentiles INFO prints.
    [[nodiscard]] latency_tracking_settings& latency_tracking() const noexcept { return m_latency_tracking; }

    // --- the command path ---

    /// Stage 1: the command or subcommand `args` names, or nullptr with Redis's error text in
    /// `error` (unknown command, unknown subcommand, wrong number of arguments). For a wrong
    /// number of arguments, `named` (when given) receives the command that was named.
    [[nodiscard]] const command_entry* resolve(std::span<const std::string_view> args, std::string& error,
                                               const command_entry** named = nullptr) const {
        return resolve_found(args, args.empty() ? nullptr : find(args[0]), error, named);
    }
    /// resolve() when `found` is find(args[0]) already (a caller that remembers it, see
    /// generation()).
    [[nodiscard]] const command_entry* resolve_found(std::span<const std::string_view> args,
                                                     const command_entry* found, std::string& error,
                                                     const command_entry** named = nullptr) const {
        const command_entry* entry = found;
        if (entry == nullptr) {
            if (m_catch_all && !args.empty()) return m_catch_all.get();
            error = unknown_command_message(args);
            return nullptr;
        }
        if (!entry->subcommands.empty() && args.size() >= 2) {
            const auto it = entry->subcommands.find(args[1]);
            if (it == entry->subcommands.end()) {
                if (!entry->handler) {
                    std::string upper(detail::c_string(args[0]));
                    for (char& c : upper) c = respkit::detail::ascii_upper(c);
                    error = "ERR unknown subcommand '" + truncated(detail::c_string(args[1]), 128) + "'. Try " +
                            upper + " HELP.";
                    return nullptr;
                }
            } else {
                entry = it->second.get();
            }
        }
        const int arity = entry->spec.arity;
        const auto argc = static_cast<long long>(args.size());
        // A container called without a subcommand it knows has no handler: also an arity error.
        if ((arity > 0 && argc != arity) || (arity < 0 && argc < -arity) || !entry->handler) {
            error = "ERR wrong number of arguments for '" + entry->full_name + "' command";
            if (named != nullptr) *named = entry;
            return nullptr;
        }
        return entry;
    }

    /// Registers a check that every command passes before it runs, at `stage` (after the
    /// checks already registered at the same stage). `name` says what it is (checks()).
    void add_check(check_stage stage, std::string name, command_check check) {
        const auto at = std::upper_bound(m_checks.begin(), m_checks.end(), stage,
                                         [](check_stage s, const registered_check& c) { return s < c.stage; });
        m_checks.insert(at, registered_check{stage, std::move(name), std::move(check)});
    }
    /// The checks, in the order they run.
    [[nodiscard]] const std::vector<registered_check>& checks() const noexcept { return m_checks; }

    /// Stage 2: runs the checks in order; true when the command may run, else false with the
    /// first failing check's error reply in `error`.
    [[nodiscard]] bool admit(const pending_command& command, std::string& error) const {
        for (const registered_check& c : m_checks) {
            if (c.passes != nullptr && c.passes(command)) continue;
            error = c.check(command);
            if (!error.empty()) return false;
        }
        return true;
    }

    /// Stage 3: runs a resolved, admitted command for `client`: calls its handler with the reply
    /// armed against the client's output limit, counts it, and collects what it propagates. An
    /// exception from the handler becomes an error reply (its partial reply dropped) and a log
    /// line; a reply past the client's output limit closes the connection. Never throws.
    void call(const command_entry& entry, std::span<const std::string_view> args, session& client,
              command_origin origin) const;

    /// Redis's reply to an unknown command: `ERR unknown command 'x', with args beginning with: 'a' `.
    [[nodiscard]] static std::string unknown_command_message(std::span<const std::string_view> args) {
        std::string list;
        for (std::size_t i = 1; i < args.size() && list.size() < 128; ++i) {
            // Redis's "'%.*s' " with 128 - the length before this argument's opening quote.
            const std::size_t room = 128 - list.size();
            list += '\'';
            list += truncated(detail::c_string(args[i]), room);
            list += "' ";
        }
        return "ERR unknown command '" + truncated(args.empty() ? std::string_view() : detail::c_string(args[0]), 128) +
               "', with args beginning with: " + list;
    }

private:
    static std::string truncated(std::string_view s, std::size_t n) { return std::string(s.substr(0, n)); }

    // The built-in checks, as Redis 7.0's processCommand makes them. Each acts only on commands
    // from clients: EXEC's commands were checked when queued (a SUBSCRIBE inside EXEC does not
    // stop the commands after it), a file being loaded is trusted.
    static bool authenticated(const pending_command& c) {
        return c.origin != command_origin::client || c.authenticated || !c.commands.access().password_required() ||
               has(c.entry.spec.flags, command_flag::no_auth);
    }
    static bool allowed_in_multi(const pending_command& c) {
        return c.origin != command_origin::client || !c.in_multi || !has(c.entry.spec.flags, command_flag::no_multi);
    }
    static bool allowed_when_subscribed(const pending_command& c) {
        return c.origin != command_origin::client || !c.subscribed_resp2 ||
               has(c.entry.spec.flags, command_flag::subscribed_context);
    }
    static bool allowed_while_loading(const pending_command& c) {
        // EXEC is refused when any command it would run is.
        return c.origin != command_origin::client || !c.server.loading() ||
               (has(c.entry.spec.flags, command_flag::loading) && !has(c.queued_missing_flags, command_flag::loading));
    }

    static bool allowed_while_busy(const pending_command& c) {
        // Unlike Redis, EXEC is refused when a command it would run is (as while loading): no
        // command that touches the dataset runs inside a script's run (docs/scripting.md).
        return c.origin != command_origin::client || !c.server.busy() ||
               (has(c.entry.spec.flags, command_flag::allow_busy) &&
                !has(c.queued_missing_flags, command_flag::allow_busy));
    }

    // The ACL check (acl_check.hpp): commands, keys and channels the client's user may use.
    static bool acl_unrestricted(const pending_command& c);
    static std::string acl_denial_reply(const pending_command& c);

    void add_builtin_checks() {
        const auto builtin = [this](check_stage stage, std::string name, bool (*passes)(const pending_command&),
                                    std::string (*reason)(const pending_command&)) {
            add_check(stage, std::move(name), [passes, reason](const pending_command& c) {
                return passes(c) ? std::string() : reason(c);
            });
            m_checks.back().passes = passes;
        };
        builtin(check_stage::authentication, "authentication", authenticated,
                [](const pending_command&) { return std::string(errors::noauth); });
        builtin(check_stage::transaction, "transaction", allowed_in_multi,
                [](const pending_command&) { return std::string(errors::not_in_multi); });
        add_check(check_stage::acl, "acl", acl_denial_reply);
        m_checks.back().passes = acl_unrestricted;
        builtin(check_stage::subscribed, "subscribed", allowed_when_subscribed, [](const pending_command& c) {
            return "ERR Can't execute '" + c.entry.full_name +
                   "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
        });
        builtin(check_stage::loading, "loading", allowed_while_loading,
                [](const pending_command&) { return std::string(errors::loading); });
        builtin(check_stage::busy, "busy", allowed_while_busy,
                [](const pending_command& c) {
                    return std::string(c.server.busy_with_function() ? errors::busy_function
                                                                     : errors::busy_script);
                });
    }

    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal> m_commands;
    std::unique_ptr<command_entry> m_catch_all;
    std::vector<registered_check> m_checks;
    access_control m_access;
    // What the command path records while it runs const: the slow log and latency settings.
    mutable server::slowlog m_slowlog;
    mutable server::latency_monitor m_latency_monitor;
    mutable latency_tracking_settings m_latency_tracking;
    std::uint64_t m_generation = 0;
};

} // namespace respkit::server

// dispatcher::call() runs handlers on sessions: it is defined with the session.
#include "respkit/server/session.hpp"
#include "respkit/server/acl_check.hpp"

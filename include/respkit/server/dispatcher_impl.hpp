#pragma once

/// \file
/// The definitions of dispatcher's members, with its state (the table, catch-all, access
/// control, slow log, latency monitor): included by what uses them, and compiled once for a
/// program that includes only respkit/server.hpp by respkit/server/src.hpp (docs/headers.md).
/// dispatcher::call() is defined with the session (server/session_impl.hpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/server/access_control.hpp"
#include "respkit/server/command_entry.hpp"
#include "respkit/server/command_stats.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/latency_monitor.hpp"
#include "respkit/server/server_context_impl.hpp"
#include "respkit/server/slowlog.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class T>
struct basic_dispatcher<T>::state {
    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal> commands;
    std::unique_ptr<command_entry> catch_all;
    access_control access;
    server::slowlog slowlog;
    server::latency_monitor latency_monitor;
    latency_tracking_settings latency_tracking;
};

template <class T>
basic_dispatcher<T>::basic_dispatcher() : m_state(new state) { add_builtin_checks(); }

template <class T>
basic_dispatcher<T>::basic_dispatcher(basic_dispatcher&& other) noexcept
    : m_state(std::move(other.m_state)), m_checks(std::move(other.m_checks)), m_generation(other.m_generation + 1) {}

template <class T>
basic_dispatcher<T>::~basic_dispatcher() = default;

template <class T>
basic_dispatcher<T>& basic_dispatcher<T>::operator=(basic_dispatcher&& other) noexcept {
    if (this == &other) return *this;
    m_state = std::move(other.m_state);
    m_checks = std::move(other.m_checks);
    m_generation = other.m_generation + 1;
    return *this;
}

template <class T>
auto basic_dispatcher<T>::add(command_spec spec, command_handler handler) -> command_entry& {
    auto entry = std::make_unique<command_entry>();
    entry->full_name = spec.name;
    entry->spec = std::move(spec);
    entry->handler = std::move(handler);
    m_state->access.catalog().add(entry->spec);
    auto& slot = m_state->commands[entry->spec.name];
    if (slot) entry->subcommands = std::move(slot->subcommands); // keep subcommands on replace
    slot = std::move(entry);
    ++m_generation;
    return *slot;
}

template <class T>
auto basic_dispatcher<T>::add_subcommand(std::string_view parent, command_spec spec, command_handler handler) -> command_entry& {
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
    m_state->access.catalog().add(entry->spec, container->spec.name);
    auto& slot = container->subcommands[entry->spec.name];
    slot = std::move(entry);
    return *slot;
}

template <class T>
bool basic_dispatcher<T>::remove(std::string_view name) {
    const auto it = m_state->commands.find(name);
    if (it == m_state->commands.end()) return false;
    m_state->access.catalog().remove(name);
    m_state->commands.erase(it);
    ++m_generation;
    return true;
}

template <class T>
auto basic_dispatcher<T>::find(std::string_view name) noexcept -> command_entry* {
    const auto it = m_state->commands.find(name);
    return it == m_state->commands.end() ? nullptr : it->second.get();
}

template <class T>
auto basic_dispatcher<T>::find(std::string_view name) const noexcept -> const command_entry* {
    const auto it = m_state->commands.find(name);
    return it == m_state->commands.end() ? nullptr : it->second.get();
}

template <class T>
const auto& basic_dispatcher<T>::commands() const noexcept { return m_state->commands; }

template <class T>
void basic_dispatcher<T>::set_catch_all(command_handler handler, command_spec spec) {
    if (!handler) {
        m_state->catch_all.reset();
        return;
    }
    m_state->catch_all = std::make_unique<command_entry>();
    m_state->catch_all->full_name = spec.name;
    m_state->catch_all->spec = std::move(spec);
    m_state->catch_all->handler = std::move(handler);
}

template <class T>
auto basic_dispatcher<T>::access() noexcept -> access_control& { return m_state->access; }

template <class T>
auto basic_dispatcher<T>::access() const noexcept -> const access_control& { return m_state->access; }

template <class T>
auto basic_dispatcher<T>::slowlog() const noexcept -> server::slowlog& { return m_state->slowlog; }

template <class T>
auto basic_dispatcher<T>::latency_monitor() const noexcept -> server::latency_monitor& { return m_state->latency_monitor; }

template <class T>
auto basic_dispatcher<T>::latency_tracking() const noexcept -> latency_tracking_settings& { return m_state->latency_tracking; }

template <class T>
auto basic_dispatcher<T>::resolve(std::span<const std::string_view> args, std::string& error, const command_entry** named) const -> const command_entry* {
    return resolve_found(args, args.empty() ? nullptr : find(args[0]), error, named);
}

template <class T>
auto basic_dispatcher<T>::resolve_found(std::span<const std::string_view> args, const command_entry* found, std::string& error, const command_entry** named) const -> const command_entry* {
    const command_entry* entry = found;
    if (entry == nullptr) {
        if (m_state->catch_all && !args.empty()) return m_state->catch_all.get();
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

template <class T>
void basic_dispatcher<T>::add_check(check_stage stage, std::string name, command_check check) {
    const auto at = std::upper_bound(m_checks.begin(), m_checks.end(), stage,
                                     [](check_stage s, const registered_check& c) { return s < c.stage; });
    m_checks.insert(at, registered_check{stage, std::move(name), std::move(check)});
}

template <class T>
bool basic_dispatcher<T>::admit(const pending_command& command, std::string& error) const {
    for (const registered_check& c : m_checks) {
        if (c.passes != nullptr && c.passes(command)) continue;
        error = c.check(command);
        if (!error.empty()) return false;
    }
    return true;
}

template <class T>
std::string basic_dispatcher<T>::unknown_command_message(std::span<const std::string_view> args) {
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

template <class T>
std::string basic_dispatcher<T>::truncated(std::string_view s, std::size_t n) { return std::string(s.substr(0, n)); }

template <class T>
bool basic_dispatcher<T>::authenticated(const pending_command& c) {
    return c.origin != command_origin::client || c.authenticated || !c.commands.access().password_required() ||
           has(c.entry.spec.flags, command_flag::no_auth);
}

template <class T>
bool basic_dispatcher<T>::allowed_in_multi(const pending_command& c) {
    return c.origin != command_origin::client || !c.in_multi || !has(c.entry.spec.flags, command_flag::no_multi);
}

template <class T>
bool basic_dispatcher<T>::allowed_when_subscribed(const pending_command& c) {
    return c.origin != command_origin::client || !c.subscribed_resp2 ||
           has(c.entry.spec.flags, command_flag::subscribed_context);
}

template <class T>
bool basic_dispatcher<T>::allowed_while_loading(const pending_command& c) {
    // EXEC is refused when any command it would run is.
    return c.origin != command_origin::client || !c.server.loading() ||
           (has(c.entry.spec.flags, command_flag::loading) && !has(c.queued_missing_flags, command_flag::loading));
}

template <class T>
bool basic_dispatcher<T>::allowed_while_busy(const pending_command& c) {
    // Unlike Redis, EXEC is refused when a command it would run is (as while loading): no
    // command that touches the dataset runs inside a script's run (docs/scripting.md).
    return c.origin != command_origin::client || !c.server.busy() ||
           (has(c.entry.spec.flags, command_flag::allow_busy) &&
            !has(c.queued_missing_flags, command_flag::allow_busy));
}

template <class T>
void basic_dispatcher<T>::add_builtin_checks() {
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

} // namespace respkit::server

#include "respkit/server/acl_check.hpp"

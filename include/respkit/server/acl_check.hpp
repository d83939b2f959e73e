#pragma once

/// \file
/// The ACL check of the command path (check_stage::acl): may the client's user run this command
/// with these keys and channels? Redis 7.0's rules (ACLCheckAllUserCommandPerm), its NOPERM
/// replies and its ACL LOG entries. Included by dispatcher.hpp, which registers the check.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/server/access_control.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/server/session.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The outcome of an ACL check: allowed, or what was denied and at which argument (the key or
/// channel; 0 for a command).
struct acl_verdict {
    acl_denial denial = acl_denial::none; ///< none: allowed
    std::size_t position = 0;             ///< the argument denied, for a key or a channel
};

namespace detail {

/// The commands whose arguments are channels, as Redis 7.0 lists them (the unsubscribe commands
/// are not checked).
struct acl_channel_command {
    std::string_view name; ///< full name
    bool pattern;          ///< the channels are patterns (PSUBSCRIBE)
    bool one;              ///< only the first argument (PUBLISH), else every argument
};
inline constexpr acl_channel_command acl_channel_commands[] = {
    {"subscribe", false, false}, {"ssubscribe", false, false}, {"psubscribe", true, false},
    {"publish", false, true},    {"spublish", false, true},
};

/// What a key flag asks of a key pattern: access reads, insert / delete / update write.
[[nodiscard]] inline unsigned acl_access_of(key_flag f) noexcept {
    unsigned access = 0;
    if (has(f, key_flag::access)) access |= acl_read;
    if (has(f, key_flag::insert) || has(f, key_flag::delete_) || has(f, key_flag::update)) access |= acl_write;
    return access;
}

} // namespace detail

/// Checks whether `user` may run `entry` with `args` (the command name first), trying each
/// selector: allowed when one allows the command, its keys and its channels; otherwise the
/// denial Redis reports (the command when no selector allows it, else the last key or channel
/// no selector allowed).
template <class = void>
[[nodiscard]] acl_verdict acl_check_command(const acl_user& user, const acl_catalog& catalog,
                                                   const command_entry& entry,
                                                   std::span<const std::string_view> args) {
    const std::size_t id = catalog.find(entry.full_name);
    const bool subcommand = entry.full_name.find('|') != std::string::npos;
    std::optional<std::vector<key_reference>> keys; // found once, for every selector
    const detail::acl_channel_command* channels = nullptr;
    for (const auto& c : detail::acl_channel_commands) {
        if (entry.full_name == c.name) channels = &c;
    }
    acl_verdict relevant{acl_denial::command, 0};
    for (const acl_selector& s : user.selectors()) {
        acl_verdict v;
        if (!s.all_commands && !has(entry.spec.flags, command_flag::no_auth) &&
            (id == acl_command::none || !s.allows(id))) {
            // A command denied as a whole may be allowed with some first arguments (+select|0).
            const auto it = id == acl_command::none ? s.first_args.end() : s.first_args.find(id);
            const std::size_t at = subcommand ? 2 : 1;
            bool first_arg = false;
            if (it != s.first_args.end() && args.size() > at) {
                for (const std::string& a : it->second) {
                    first_arg = first_arg || respkit::detail::ascii_iequals(acl_selector::c_prefix(args[at]), a);
                }
            }
            if (!first_arg) v.denial = acl_denial::command;
        }
        if (v.denial == acl_denial::none && !s.all_keys) {
            if (!keys) {
                keys.emplace();
                if (extract_keys(entry.spec, args, *keys) != key_extraction::found) keys->clear();
            }
            for (const key_reference& k : *keys) {
                if (!s.allows_key(args[k.index], detail::acl_access_of(k.flags))) {
                    v = {acl_denial::key, k.index};
                    break;
                }
            }
        }
        if (v.denial == acl_denial::none && !s.all_channels && channels != nullptr) {
            const std::size_t end = channels->one ? std::min<std::size_t>(2, args.size()) : args.size();
            for (std::size_t i = 1; i < end; ++i) {
                if (!s.allows_channel(args[i], channels->pattern)) {
                    v = {acl_denial::channel, i};
                    break;
                }
            }
        }
        if (v.denial == acl_denial::none) return {};
        if (v.denial > relevant.denial || (v.denial == relevant.denial && v.position > relevant.position)) relevant = v;
    }
    return relevant;
}

/// Records a denial in the ACL log as Redis does: the command's full name, or the key or
/// channel denied; the user; the client as CLIENT LIST shows it.
template <class = void>
void acl_log_denial(const access_control& access, const session& client, acl_verdict verdict,
                           const command_entry& entry, std::span<const std::string_view> args, bool in_multi) {
    acl_log_entry e;
    e.reason = verdict.denial;
    e.context = in_multi ? acl_log_context::multi : acl_log_context::toplevel;
    e.object = verdict.denial == acl_denial::command ? entry.full_name : std::string(args[verdict.position]);
    e.username = client.user().name();
    e.client_info = access.describe_client ? access.describe_client(client) : "id=" + std::to_string(client.id());
    access.record(std::move(e));
}

template <class T>
inline bool basic_dispatcher<T>::acl_unrestricted(const pending_command& c) {
    return (c.origin != command_origin::client && c.origin != command_origin::transaction) ||
           c.client.user().unrestricted();
}

template <class T>
inline std::string basic_dispatcher<T>::acl_denial_reply(const pending_command& c) {
    if (acl_unrestricted(c)) return {};
    const acl_verdict v = acl_check_command(c.client.user(), c.commands.access().catalog(), c.entry, c.args);
    if (v.denial == acl_denial::none) return {};
    const bool at_exec = c.origin == command_origin::transaction;
    acl_log_denial(c.commands.access(), c.client, v, c.entry, c.args, at_exec || c.in_multi);
    if (at_exec) {
        // The rules changed between MULTI's queueing and EXEC.
        const std::string_view reason = v.denial == acl_denial::command ? "no permission to execute the command or subcommand"
                                        : v.denial == acl_denial::key
                                            ? "no permission to touch the specified keys"
                                            : "no permission to access one of the channels used as arguments";
        return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
               "This command is no longer allowed for the following reason: " +
               std::string(reason);
    }
    switch (v.denial) {
    case acl_denial::command: return "NOPERM this user has no permissions to run the '" + c.entry.full_name + "' command";
    case acl_denial::key: return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case acl_denial::channel:
        return "NOPERM this user has no permissions to access one of the channels used as arguments";
    default: return "no permission";
    }
}

} // namespace respkit::server

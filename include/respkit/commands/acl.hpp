#pragma once

/// \file
/// ACL and its subcommands with Redis 7.0's replies: SETUSER GETUSER DELUSER LIST USERS WHOAMI
/// CAT GENPASS LOG DRYRUN SAVE LOAD HELP; and what changing users does to connected clients
/// (a deleted user's clients are disconnected, a subscriber losing a channel too).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/specs/acl.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/access_control.hpp"
#include "respkit/server/acl_check.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Disconnects the clients of `server` whose user is no longer one of `access`'s users (ACL
/// DELUSER, ACL LOAD), as Redis does; `self` (the client running the command) closes after its
/// reply. They become the default user, unauthenticated, meanwhile.
inline void disconnect_removed_users(server::server_context& server, const server::access_control& access,
                                     server::session* self = nullptr) {
    std::vector<server::session*> victims;
    for (server::session* s : server.clients()) {
        if (!access.registered(s->user_ptr().get())) victims.push_back(s);
    }
    for (server::session* s : victims) {
        s->reset_user();
        if (s == self) s->close_after_reply();
        else s->close_now();
    }
}

/// Disconnects the subscribers authenticated as `user` whose channels or patterns `user` no
/// longer allows, after its rules changed from `before` (Redis's ACLKillPubsubClientsIfNeeded).
inline void disconnect_revoked_subscribers(server::server_context& server, const server::acl_user& before,
                                           const std::shared_ptr<server::acl_user>& user, server::session* self = nullptr) {
    std::vector<std::string> upcoming;
    for (const server::acl_selector& s : user->selectors()) {
        if (s.all_channels) return;
        upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
    }
    bool superset = true; // the new patterns include every old one: nothing revoked
    for (const server::acl_selector& s : before.selectors()) {
        if (s.all_channels) superset = false;
        for (const std::string& c : s.channels) {
            if (std::find(upcoming.begin(), upcoming.end(), c) == upcoming.end()) superset = false;
        }
    }
    if (superset) return;
    std::vector<server::session*> victims;
    for (server::session* s : server.clients()) {
        if (s->user_ptr() != user || !s->subscribed()) continue;
        bool kill = false;
        for (const std::string& p : s->subscriptions(true)) kill = kill || !server::acl_selector::channel_in(upcoming, p, true);
        for (const std::string& c : s->subscriptions(false)) kill = kill || !server::acl_selector::channel_in(upcoming, c, false);
        for (const std::string& c : s->shard_subscriptions()) kill = kill || !server::acl_selector::channel_in(upcoming, c, false);
        if (kill) victims.push_back(s);
    }
    for (server::session* s : victims) {
        if (s == self) s->close_after_reply();
        else s->close_now();
    }
}

namespace detail {

inline void acl_reply_selector(server::command_call& call, const server::acl_selector& s,
                               const server::acl_catalog& catalog) {
    auto& out = call.reply();
    out.bulk_string("commands");
    out.bulk_string(s.describe_commands(catalog));
    out.bulk_string("keys");
    out.bulk_string(s.describe_keys());
    out.bulk_string("channels");
    out.bulk_string(s.describe_channels());
}

inline void acl_getuser(server::command_call& call, const server::access_control& access) {
    const std::shared_ptr<server::acl_user> u = access.find(call.arg(2));
    auto& out = call.reply();
    if (!u) {
        out.null();
        return;
    }
    out.map(6);
    out.bulk_string("flags");
    const auto flags = u->flag_names();
    out.set(flags.size());
    for (const std::string_view f : flags) out.bulk_string(f);
    out.bulk_string("passwords");
    out.array(u->passwords().size());
    for (const std::string& p : u->passwords()) out.bulk_string(p);
    acl_reply_selector(call, u->selectors().front(), access.catalog());
    out.bulk_string("selectors");
    out.array(u->selectors().size() - 1);
    for (std::size_t i = 1; i < u->selectors().size(); ++i) {
        out.map(3);
        acl_reply_selector(call, u->selectors()[i], access.catalog());
    }
}

inline void acl_log_reply(server::command_call& call, server::access_control& access) {
    std::int64_t count = 10;
    if (call.argc() == 3) {
        if (iequals(call.arg(2), "reset")) {
            access.log().clear();
            call.ok();
            return;
        }
        if (!respkit::detail::parse_int64(call.arg(2), count)) {
            call.error(server::errors::not_integer);
            return;
        }
        if (count < 0) count = 0;
    }
    const auto& entries = access.log().entries();
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(count), entries.size());
    const std::int64_t now = server::acl_log::now_ms();
    auto& out = call.reply();
    out.array(n);
    for (std::size_t i = 0; i < n; ++i) {
        const server::acl_log_entry& e = entries[i];
        out.map(7);
        out.bulk_string("count");
        out.integer(static_cast<std::int64_t>(e.count));
        out.bulk_string("reason");
        out.bulk_string(server::acl_reason_name(e.reason));
        out.bulk_string("context");
        out.bulk_string(server::acl_context_name(e.context));
        out.bulk_string("object");
        out.bulk_string(e.object);
        out.bulk_string("username");
        out.bulk_string(e.username);
        out.bulk_string("age-seconds");
        out.double_number(static_cast<double>(now - e.time_ms) / 1000);
        out.bulk_string("client-info");
        out.bulk_string(e.client_info);
    }
}

inline void acl_dryrun(server::command_call& call, const server::dispatcher& commands) {
    const std::shared_ptr<server::acl_user> u = commands.access().find(call.arg(2));
    if (!u) {
        call.error("ERR User '" + std::string(server::detail::c_string(call.arg(2))) + "' not found");
        return;
    }
    const auto args = call.args().subspan(3);
    const server::command_entry* entry = commands.find(args[0]);
    if (entry != nullptr && !entry->subcommands.empty() && args.size() >= 2) {
        const auto it = entry->subcommands.find(args[1]);
        entry = it == entry->subcommands.end() ? nullptr : it->second.get();
    }
    if (entry == nullptr) {
        call.error("ERR Command '" + std::string(server::detail::c_string(args[0])) + "' not found");
        return;
    }
    const int arity = entry->spec.arity;
    const auto argc = static_cast<long long>(args.size());
    if ((arity > 0 && arity != argc) || argc < -arity) {
        call.error("ERR wrong number of arguments for '" + entry->full_name + "' command");
        return;
    }
    const server::acl_verdict v = server::acl_check_command(*u, commands.access().catalog(), *entry, args);
    switch (v.denial) {
    case server::acl_denial::none: call.ok(); return;
    case server::acl_denial::command:
        call.reply().bulk_string("This user has no permissions to run the '" + entry->full_name + "' command");
        return;
    case server::acl_denial::key:
        call.reply().bulk_string("This user has no permissions to access the '" +
                                 std::string(server::detail::c_string(args[v.position])) + "' key");
        return;
    default:
        call.reply().bulk_string("This user has no permissions to access the '" +
                                 std::string(server::detail::c_string(args[v.position])) + "' channel");
    }
}

/// `bits` random bits as lower-case hex, from the system's random device.
[[nodiscard]] inline std::string random_hex(std::size_t chars) {
    static constexpr char digits[] = "0123456789abcdef";
    std::random_device device;
    std::string out;
    out.reserve(chars);
    while (out.size() < chars) {
        std::uint32_t r = device();
        for (int i = 0; i < 8 && out.size() < chars; ++i, r >>= 4) out += digits[r & 15];
    }
    return out;
}

} // namespace detail

/// Registers ACL and its subcommands in `commands`, and makes `config`'s acl-pubsub-default,
/// acllog-max-len and aclfile act on its access control.
inline void install_acl_commands(server::dispatcher& commands, server::config_table& config) {
    server::access_control& access = commands.access();
    access.set_pubsub_default(config.get("acl-pubsub-default") == "allchannels");
    config.on_change("acl-pubsub-default", [&access](std::string_view value) {
        access.set_pubsub_default(value == "allchannels");
        return std::string();
    });
    std::int64_t max_len = 128;
    if (respkit::detail::parse_int64(config.get("acllog-max-len"), max_len) && max_len >= 0)
        access.log().set_max_length(static_cast<std::size_t>(max_len));
    config.on_change("acllog-max-len", [&access](std::string_view value) {
        std::int64_t n = 0;
        if (respkit::detail::parse_int64(value, n) && n >= 0) access.log().set_max_length(static_cast<std::size_t>(n));
        return std::string();
    });
    access.file = config.get("aclfile");

    std::vector<server::command_spec> specs = acl_command_specs();
    commands.add(std::move(specs[0]), {});
    const auto sub = [&](std::string_view name, server::command_handler handler) {
        for (server::command_spec& s : specs) {
            if (s.name == name) {
                commands.add_subcommand("acl", std::move(s), std::move(handler));
                return;
            }
        }
    };
    const auto syntax_error = [](server::command_call& call) {
        std::string upper(server::detail::c_string(call.arg(0)));
        for (char& c : upper) c = respkit::detail::ascii_upper(c);
        call.error("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(server::detail::c_string(call.arg(1))).substr(0, 128) + "'. Try " + upper + " HELP.");
    };

    sub("setuser", [&access](server::command_call& call) {
        const std::string_view name = call.arg(2);
        if (server::acl_selector::has_spaces(name)) {
            call.error("ERR Usernames can't contain spaces or null characters");
            return;
        }
        const std::shared_ptr<server::acl_user> existing = access.find(name);
        const server::acl_user before = existing ? *existing : server::acl_user(std::string(name));
        const std::string error = access.set_user(name, call.args().subspan(3));
        if (!error.empty()) {
            call.error("ERR " + error);
            return;
        }
        if (existing) disconnect_revoked_subscribers(call.server(), before, existing, &call.client());
        call.ok();
    });
    sub("deluser", [&access](server::command_call& call) {
        for (std::size_t j = 2; j < call.argc(); ++j) {
            if (call.arg(j) == "default") {
                call.error("ERR The 'default' user cannot be removed");
                return;
            }
        }
        std::int64_t deleted = 0;
        for (std::size_t j = 2; j < call.argc(); ++j) deleted += access.delete_user(call.arg(j)) ? 1 : 0;
        disconnect_removed_users(call.server(), access, &call.client());
        call.reply().integer(deleted);
    });
    sub("getuser", [&access](server::command_call& call) { detail::acl_getuser(call, access); });
    const auto list = [&access](server::command_call& call) {
        const bool names = iequals(call.arg(1), "users");
        call.reply().array(access.users().size());
        for (const auto& [name, u] : access.users()) {
            call.reply().bulk_string(names ? name : "user " + name + " " + u->describe(access.catalog()));
        }
    };
    sub("list", list);
    sub("users", list);
    sub("whoami", [](server::command_call& call) { call.reply().bulk_string(call.client().user().name()); });
    const auto no_file = [&access](server::command_call& call) {
        if (!access.file.empty()) return false;
        call.error("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via "
                   "the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration "
                   "file set) in order to store users in the Redis configuration.");
        return true;
    };
    sub("load", [&access, no_file](server::command_call& call) {
        if (no_file(call)) return;
        const std::string errors = access.load_file();
        if (!errors.empty()) {
            call.error("ERR " + errors);
            return;
        }
        disconnect_removed_users(call.server(), access, &call.client());
        call.ok();
    });
    sub("save", [&access, no_file](server::command_call& call) {
        if (no_file(call)) return;
        if (const std::string error = access.save_file(); !error.empty()) {
            call.server().log(server::log_level::warning, error);
            call.error("ERR There was an error trying to save the ACLs. Please check the server logs for more "
                       "information");
            return;
        }
        call.ok();
    });
    sub("cat", [&access, syntax_error](server::command_call& call) {
        if (call.argc() > 3) {
            syntax_error(call);
            return;
        }
        if (call.argc() == 2) {
            call.reply().array(std::size(server::acl_category_names));
            for (const std::string_view c : server::acl_category_names) call.reply().bulk_string(c);
            return;
        }
        const std::uint32_t bit = server::acl_category_bit(server::detail::c_string(call.arg(2)));
        if (bit == 0) {
            call.error("ERR Unknown category '" + std::string(server::detail::c_string(call.arg(2))).substr(0, 128) + "'");
            return;
        }
        std::vector<std::string_view> names;
        for (const server::acl_command& c : access.catalog().commands()) {
            if (c.present && (c.categories & bit) != 0) names.push_back(c.full_name);
        }
        call.reply().array(names.size());
        for (const std::string_view n : names) call.reply().bulk_string(n);
    });
    sub("genpass", [syntax_error](server::command_call& call) {
        if (call.argc() > 3) {
            syntax_error(call);
            return;
        }
        std::int64_t bits = 256;
        if (call.argc() == 3 && !respkit::detail::parse_int64(call.arg(2), bits)) {
            call.error(server::errors::not_integer);
            return;
        }
        if (bits <= 0 || bits > 4096) {
            call.error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
                       "number up to 4096");
            return;
        }
        call.reply().bulk_string(detail::random_hex(static_cast<std::size_t>((bits + 3) / 4)));
    });
    sub("log", [&access, syntax_error](server::command_call& call) {
        if (call.argc() > 3) {
            syntax_error(call);
            return;
        }
        detail::acl_log_reply(call, access);
    });
    sub("dryrun", [&commands](server::command_call& call) { detail::acl_dryrun(call, commands); });
    sub("help", [](server::command_call& call) {
        detail::help_reply(
            call, "acl",
            {"CAT [<category>]",
             "    List all commands that belong to <category>, or all command categories",
             "    when no category is specified.",
             "DELUSER <username> [<username> ...]",
             "    Delete a list of users.",
             "DRYRUN <username> <command> [<arg> ...]",
             "    Returns whether the user can execute the given command without executing the command.",
             "GETUSER <username>",
             "    Get the user's details.",
             "GENPASS [<bits>]",
             "    Generate a secure 256-bit user password. The optional `bits` argument can",
             "    be used to specify a different size.",
             "LIST",
             "    Show users details in config file format.",
             "LOAD",
             "    Reload users from the ACL file.",
             "LOG [<count> | RESET]",
             "    Show the ACL log entries.",
             "SAVE",
             "    Save the current config to the ACL file.",
             "SETUSER <username> <attribute> [<attribute> ...]",
             "    Create or modify a user with the specified attributes.",
             "USERS",
             "    List all the registered usernames.",
             "WHOAMI",
             "    Return the current connection username."});
    });
}

} // namespace respkit::commands

#pragma once

/// \file
/// Connection commands with Redis 7.0's replies: PING, ECHO, HELLO, AUTH, QUIT, RESET, SELECT,
/// and CLIENT ID / SETNAME / GETNAME / SETINFO / INFO / LIST / KILL / NO-EVICT / GETREDIR / HELP
/// (CLIENT TRACKING, CACHING and TRACKINGINFO: commands/tracking.hpp).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/redis_version.hpp"
#include "respkit/commands/specs/connection.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// Redis's rule for client names and CLIENT SETINFO values: printable ASCII, no space.
[[nodiscard]] inline bool valid_client_name(std::string_view name) noexcept {
    for (const char c : name) {
        if (c < '!' || c > '~') return false;
    }
    return true;
}

[[nodiscard]] inline std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// One CLIENT LIST / CLIENT INFO line (without the final newline), with Redis 7.0's fields.
/// `current` is the command the client runs now ("client|list"), or "" to use its last one.
[[nodiscard]] inline std::string client_info_line(const server::session& s, std::string_view current = {}) {
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    const auto now = std::chrono::steady_clock::now();
    const std::size_t qbuf = s.input_size();
    const std::size_t rbs = s.input_capacity();
    const std::size_t omem = s.output_size();
    std::string cmd = current.empty() ? lower_ascii(s.last_command()) : std::string(current);
    if (cmd.empty()) cmd = "NULL";
    std::string line;
    line.reserve(320);
    line += "id=" + std::to_string(s.id());
    line += " addr=" + s.peer_address;
    line += " laddr=" + s.local_address;
    line += " fd=" + std::to_string(s.fd);
    line += " name=" + s.name();
    line += " age=" + std::to_string(duration_cast<seconds>(now - s.created()).count());
    line += " idle=" + std::to_string(duration_cast<seconds>(now - s.last_command_at()).count());
    std::string flags;
    if (s.monitor()) flags += 'O';
    if (s.subscribed()) flags += 'P';
    if (s.in_multi()) flags += 'x';
    if (s.blocked() || s.held()) flags += 'b'; // CLIENT PAUSE holds a client as blocked, as Redis
    const server::client_tracking& tracking = s.server().tracking().state(s.id());
    if (tracking.on) flags += 't';
    if (tracking.broken_redirect) flags += 'R';
    if (tracking.bcast) flags += 'B';
    if (s.no_evict()) flags += 'e';
    if (flags.empty()) flags = "N";
    const std::size_t patterns = s.subscriptions(true).size();
    line += " flags=" + flags + " db=" + std::to_string(s.db());
    line += " sub=" + std::to_string(s.subscription_count() - patterns) + " psub=" + std::to_string(patterns);
    line += " ssub=" + std::to_string(s.shard_subscription_count()) + " multi=" + (s.in_multi() ? std::to_string(s.queued_count()) : std::string("-1"));
    line += " qbuf=" + std::to_string(qbuf);
    line += " qbuf-free=" + std::to_string(rbs > qbuf ? rbs - qbuf : 0);
    line += " argv-mem=0 multi-mem=0";
    line += " rbs=" + std::to_string(rbs);
    line += " rbp=" + std::to_string(qbuf);
    line += " obl=0 oll=0 omem=" + std::to_string(omem);
    line += " tot-mem=" + std::to_string(sizeof(server::session) + rbs + omem);
    line += omem != 0 ? " events=rw" : " events=r";
    line += " cmd=" + cmd;
    line += " user=" + s.user().name() + " redir=" + (tracking.on ? std::to_string(tracking.redirect) : std::string("-1"));
    line += " resp=";
    line += s.protocol() == resp::protocol::resp3 ? '3' : '2';
    // Redis 7.2's fields, shown only once a client set them (7.0 clients never do).
    if (!s.lib_name.empty() || !s.lib_version.empty()) {
        line += " lib-name=" + s.lib_name + " lib-ver=" + s.lib_version;
    }
    return line;
}

inline void client_list(server::command_call& call) {
    auto& self = call.client();
    std::vector<const server::session*> chosen;
    if (call.argc() == 2) {
        for (const server::session* s : call.server().clients()) chosen.push_back(s);
    } else if (call.argc() == 4 && iequals(call.arg(2), "type")) {
        const std::string type = lower_ascii(call.arg(3));
        if (type != "normal" && type != "master" && type != "replica" && type != "slave" && type != "pubsub") {
            call.error("ERR Unknown client type '" + std::string(call.arg(3)) + "'");
            return;
        }
        // As Redis's getClientType: a client with subscriptions is "pubsub", not "normal".
        for (const server::session* s : call.server().clients()) {
            if (type == (s->subscribed() ? "pubsub" : "normal")) chosen.push_back(s);
        }
    } else if (call.argc() > 3 && iequals(call.arg(2), "id")) {
        for (std::size_t i = 3; i < call.argc(); ++i) {
            std::int64_t id = 0;
            if (!respkit::detail::parse_int64(call.arg(i), id)) {
                call.error("ERR Invalid client ID");
                return;
            }
            for (const server::session* s : call.server().clients()) {
                if (s->id() == static_cast<std::uint64_t>(id)) chosen.push_back(s);
            }
        }
    } else {
        call.error(server::errors::syntax);
        return;
    }
    std::sort(chosen.begin(), chosen.end(), [](const server::session* a, const server::session* b) { return a->id() < b->id(); });
    std::string text;
    for (const server::session* s : chosen) {
        text += client_info_line(*s, s == &self ? std::string_view("client|list") : std::string_view());
        text += '\n';
    }
    call.reply().verbatim_string("txt", text);
}

inline void client_kill(server::command_call& call) {
    auto& self = call.client();
    auto kill = [&](server::session* s) {
        if (s == &self) s->close_after_reply();
        else s->close_now();
    };
    if (call.argc() == 3) { // old form: CLIENT KILL addr:port
        for (server::session* s : call.server().clients()) {
            if (s->peer_address == call.arg(2)) {
                kill(s);
                call.ok();
                return;
            }
        }
        call.error("ERR No such client");
        return;
    }
    std::int64_t id = 0;
    bool by_id = false;
    std::optional<std::string> addr, laddr; // given, even empty (ADDR "" matches no client)
    std::shared_ptr<server::acl_user> user;
    std::string type;
    bool skipme = true;
    // Options are read in order, as Redis reads them: an option without a value is a syntax
    // error only once the options before it were accepted (USER nosuch ID is "No such user").
    for (std::size_t i = 2; i < call.argc(); i += 2) {
        if (i + 1 == call.argc()) {
            call.error(server::errors::syntax);
            return;
        }
        const std::string_view opt = call.arg(i);
        const std::string_view val = call.arg(i + 1);
        if (iequals(opt, "id")) {
            if (!respkit::detail::parse_int64(val, id) || id <= 0) {
                call.error("ERR client-id should be greater than 0");
                return;
            }
            by_id = true;
        } else if (iequals(opt, "type")) {
            type = lower_ascii(val);
            if (type != "normal" && type != "master" && type != "replica" && type != "slave" && type != "pubsub") {
                call.error("ERR Unknown client type '" + std::string(val) + "'");
                return;
            }
        } else if (iequals(opt, "addr")) {
            addr = std::string(val);
        } else if (iequals(opt, "laddr")) {
            laddr = std::string(val);
        } else if (iequals(opt, "user")) {
            user = call.client().commands().access().find(val);
            if (!user) {
                call.error("ERR No such user '" + std::string(server::detail::c_string(val)) + "'");
                return;
            }
        } else if (iequals(opt, "skipme")) {
            if (iequals(val, "yes")) skipme = true;
            else if (iequals(val, "no")) skipme = false;
            else {
                call.error(server::errors::syntax);
                return;
            }
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    std::vector<server::session*> victims;
    for (server::session* s : call.server().clients()) {
        if (by_id && s->id() != static_cast<std::uint64_t>(id)) continue;
        if (addr && s->peer_address != *addr) continue;
        if (laddr && s->local_address != *laddr) continue;
        if (user && s->user_ptr() != user) continue;
        if (!type.empty() && type != (s->subscribed() ? "pubsub" : "normal")) continue;
        if (skipme && s == &self) continue;
        victims.push_back(s);
    }
    for (server::session* s : victims) kill(s);
    call.reply().integer(static_cast<std::int64_t>(victims.size()));
}

/// Authenticates the client as `user` with `password` (AUTH, HELLO ... AUTH); a failure is
/// recorded in the ACL log, as Redis's ACLAuthenticateUser does.
[[nodiscard]] inline bool authenticate(server::command_call& call, std::string_view user, std::string_view password) {
    const server::access_control& access = call.client().commands().access();
    if (std::shared_ptr<server::acl_user> u = access.authenticate(user, password)) {
        call.client().set_user(std::move(u));
        return true;
    }
    server::acl_log_entry e;
    e.reason = server::acl_denial::auth;
    e.context = call.origin() == server::command_origin::transaction || call.client().in_multi()
                    ? server::acl_log_context::multi
                    : server::acl_log_context::toplevel;
    e.object = std::string(server::detail::c_string(call.arg(0)));
    e.username = std::string(user);
    e.client_info = client_info_line(call.client());
    access.record(std::move(e));
    return false;
}

inline void hello(server::command_call& call) {
    auto& client = call.client();
    resp::protocol proto = client.protocol();
    if (call.argc() >= 2) {
        std::int64_t ver = 0;
        if (!respkit::detail::parse_int64(call.arg(1), ver)) {
            call.error("ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            call.error("NOPROTO unsupported protocol version");
            return;
        }
        proto = ver == 3 ? resp::protocol::resp3 : resp::protocol::resp2;
    }
    // Options apply in order, as Redis's helloCommand: a SETNAME before a failing option stays.
    for (std::size_t j = 2; j < call.argc(); ++j) {
        const std::size_t more = call.argc() - 1 - j;
        if (iequals(call.arg(j), "auth") && more >= 2) {
            if (!authenticate(call, call.arg(j + 1), call.arg(j + 2))) {
                call.error(server::errors::wrongpass);
                return;
            }
            j += 2;
        } else if (iequals(call.arg(j), "setname") && more >= 1) {
            if (!valid_client_name(call.arg(j + 1))) {
                call.error("ERR Client names cannot contain spaces, newlines or special characters.");
                return;
            }
            client.set_name(std::string(call.arg(j + 1)));
            ++j;
        } else {
            call.error("ERR Syntax error in HELLO option '" + std::string(call.arg(j)) + "'");
            return;
        }
    }
    if (!client.authenticated()) {
        call.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
                   "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
                   "version at the same time");
        return;
    }
    client.set_protocol(proto);
    auto& out = call.reply();
    out.map(7);
    out.bulk_string("server");
    out.bulk_string("redis");
    out.bulk_string("version");
    out.bulk_string(redis_compat_version);
    out.bulk_string("proto");
    out.integer(proto == resp::protocol::resp3 ? 3 : 2);
    out.bulk_string("id");
    out.integer(static_cast<std::int64_t>(client.id()));
    out.bulk_string("mode");
    out.bulk_string(call.server().cluster_enabled ? "cluster" : "standalone");
    out.bulk_string("role");
    out.bulk_string("master");
    out.bulk_string("modules");
    out.array(0);
}

} // namespace detail

/// Registers the connection commands in `commands`; SELECT accepts 0 .. db_count-1.
inline void install_connection_commands(server::dispatcher& commands, std::size_t db_count) {
    auto specs = connection_command_specs();
    // The ACL log describes clients as CLIENT LIST does.
    commands.access().describe_client = [](const server::session& s) { return detail::client_info_line(s); };

    commands.add(
        std::move(specs.ping),
        [](server::command_call& call) {
            if (call.argc() > 2) {
                call.error("ERR wrong number of arguments for 'ping' command");
            } else if (call.client().subscribed() && call.client().protocol() == resp::protocol::resp2) {
                call.reply().array(2); // subscribed mode, RESP2: ["pong", message or ""]
                call.reply().bulk_string("pong");
                call.reply().bulk_string(call.argc() == 2 ? call.arg(1) : std::string_view());
            } else if (call.argc() == 2) {
                call.reply().bulk_string(call.arg(1));
            } else {
                call.reply().simple_string("PONG");
            }
        });
    commands.add(std::move(specs.echo),
                 [](server::command_call& call) { call.reply().bulk_string(call.arg(1)); });
    commands.add(
        std::move(specs.hello),
        detail::hello);
    commands.add(std::move(specs.auth),
                 [](server::command_call& call) {
                     const server::access_control& access = call.client().commands().access();
                     if (call.argc() > 3) {
                         call.error(server::errors::syntax);
                     } else if (call.argc() == 2 && access.default_user()->nopass()) {
                         call.error("ERR AUTH <password> called without any password configured for the default "
                                    "user. Are you sure your configuration is correct?");
                     } else if (detail::authenticate(call, call.argc() == 2 ? std::string_view("default") : call.arg(1),
                                                     call.arg(call.argc() - 1))) {
                         call.ok();
                     } else {
                         call.error(server::errors::wrongpass);
                     }
                 });
    commands.add(std::move(specs.quit),
                 [](server::command_call& call) {
                     call.ok();
                     call.client().close_after_reply();
                 });
    commands.add(std::move(specs.reset),
                 [](server::command_call& call) {
                     call.client().reset_state();
                     call.reply().simple_string("RESET");
                 });
    commands.add(std::move(specs.select),
                 [db_count](server::command_call& call) {
                     std::int64_t db = 0;
                     if (!respkit::detail::parse_int64(call.arg(1), db)) {
                         call.error(server::errors::not_integer);
                     } else if (db < INT32_MIN || db > INT32_MAX) {
                         call.error("ERR value is out of range, value must between -2147483648 and 2147483647");
                     } else if (db < 0 || static_cast<std::uint64_t>(db) >= db_count) {
                         call.error(server::errors::db_index_out_of_range);
                     } else {
                         call.client().select(static_cast<std::size_t>(db));
                         call.ok();
                     }
                 });

    // CLIENT: the container, then its subcommands.
    commands.add(std::move(specs.client),
                 {});
    commands.add_subcommand("client",
                            std::move(specs.client_id),
                            [](server::command_call& call) {
                                call.reply().integer(static_cast<std::int64_t>(call.client().id()));
                            });
    commands.add_subcommand("client",
                            std::move(specs.client_setname),
                            [](server::command_call& call) {
                                if (!detail::valid_client_name(call.arg(2))) {
                                    call.error("ERR Client names cannot contain spaces, newlines or special characters.");
                                    return;
                                }
                                call.client().set_name(std::string(call.arg(2)));
                                call.ok();
                            });
    commands.add_subcommand("client",
                            std::move(specs.client_getname),
                            [](server::command_call& call) {
                                if (call.client().name().empty()) call.reply().null();
                                else call.reply().bulk_string(call.client().name());
                            });
    // Redis 7.2's CLIENT SETINFO (7.0.15 does not have it): newer client libraries send it on
    // connect, and answer an error with a warning at best.
    commands.add_subcommand("client",
                            std::move(specs.client_setinfo),
                            [](server::command_call& call) {
                                const std::string_view attr = call.arg(2);
                                const bool is_name = iequals(attr, "lib-name");
                                if (!is_name && !iequals(attr, "lib-ver")) {
                                    call.error("ERR Unrecognized option '" + std::string(attr) + "'");
                                    return;
                                }
                                if (!detail::valid_client_name(call.arg(3))) {
                                    call.error("ERR " + detail::lower_ascii(attr) +
                                               " cannot contain spaces, newlines or special characters.");
                                    return;
                                }
                                (is_name ? call.client().lib_name : call.client().lib_version) = std::string(call.arg(3));
                                call.ok();
                            });
    commands.add_subcommand("client",
                            std::move(specs.client_info),
                            [](server::command_call& call) {
                                call.reply().verbatim_string("txt",
                                                             detail::client_info_line(call.client(), "client|info") + "\n");
                            });
    commands.add_subcommand(
        "client",
        std::move(specs.client_list),
        detail::client_list);
    commands.add_subcommand(
        "client",
        std::move(specs.client_kill),
        detail::client_kill);
    commands.add_subcommand(
        "client",
        std::move(specs.client_no_evict),
        [](server::command_call& call) {
            if (iequals(call.arg(2), "on") || iequals(call.arg(2), "off")) {
                call.client().set_no_evict(iequals(call.arg(2), "on"));
                call.ok();
            } else {
                call.error(server::errors::syntax);
            }
        });
    commands.add_subcommand("client", std::move(specs.client_reply), [](server::command_call& call) {
        server::session& s = call.client();
        if (iequals(call.arg(2), "on")) {
            s.set_reply_mode(server::session::reply_mode::on);
            call.ok();
        } else if (iequals(call.arg(2), "off")) {
            s.set_reply_mode(server::session::reply_mode::off);
        } else if (iequals(call.arg(2), "skip")) {
            s.set_reply_mode(server::session::reply_mode::skip);
        } else {
            call.error(server::errors::syntax);
        }
    });
    commands.add_subcommand("client",
                            std::move(specs.client_getredir),
                            [](server::command_call& call) {
                                const server::client_tracking& t = call.server().tracking().state(call.client().id());
                                call.reply().integer(t.on ? static_cast<std::int64_t>(t.redirect) : -1);
                            });
    commands.add_subcommand("client", std::move(specs.client_unblock), [](server::command_call& call) {
        // As Redis: the reason is checked before the id; a client not blocked is not an error.
        if (call.argc() > 4) {
            call.error("ERR unknown subcommand or wrong number of arguments for '" +
                       std::string(call.arg(1).substr(0, 128)) + "'. Try CLIENT HELP.");
            return;
        }
        bool as_error = false;
        if (call.argc() == 4) {
            if (iequals(call.arg(3), "error")) {
                as_error = true;
            } else if (!iequals(call.arg(3), "timeout")) {
                call.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        std::int64_t id = 0;
        if (!respkit::detail::parse_int64(call.arg(2), id)) {
            call.error(server::errors::not_integer);
            return;
        }
        for (server::session* s : call.server().clients()) {
            if (s->id() != static_cast<std::uint64_t>(id) || !s->blocked()) continue;
            if (as_error) s->fail_blocked("UNBLOCKED client unblocked via CLIENT UNBLOCK");
            else s->time_out_blocked();
            call.reply().integer(1);
            return;
        }
        call.reply().integer(0);
    });
    commands.add_subcommand("client", std::move(specs.client_pause), [](server::command_call& call) {
        // As Redis: the mode is read before the timeout, a timeout in milliseconds from now.
        if (call.argc() > 4) {
            call.error("ERR unknown subcommand or wrong number of arguments for '" +
                       std::string(call.arg(1).substr(0, 128)) + "'. Try CLIENT HELP.");
            return;
        }
        server::pause_mode mode = server::pause_mode::all;
        if (call.argc() == 4) {
            if (iequals(call.arg(3), "write")) {
                mode = server::pause_mode::write;
            } else if (!iequals(call.arg(3), "all")) {
                call.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                return;
            }
        }
        std::int64_t ms = 0;
        if (!respkit::detail::parse_int64(call.arg(2), ms)) {
            call.error("ERR timeout is not an integer or out of range");
            return;
        }
        if (ms < 0) {
            call.error("ERR timeout is negative");
            return;
        }
        const auto now = call.server().now();
        // 0 ends at once (as Redis, whose end time 0 is already past); a timeout past what the
        // clock holds pauses until UNPAUSE.
        auto end = now - std::chrono::milliseconds(1);
        if (ms > 0) {
            const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::time_point::max() - now);
            end = std::chrono::milliseconds(ms) >= room
                      ? std::chrono::steady_clock::time_point::max()
                      : now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::milliseconds(ms));
        }
        call.server().pause().pause(mode, end, now);
        call.ok();
    });
    commands.add_subcommand("client", std::move(specs.client_unpause), [](server::command_call& call) {
        call.server().pause().unpause(); // the held commands run once this one's turn ends
        call.ok();
    });
    commands.add_subcommand("client",
                            std::move(specs.client_help),
                            [](server::command_call& call) {
                                // Redis's wording, for the subcommands respkit has.
                                detail::help_reply(
                                    call, "client",
                                    {"CACHING (YES|NO)",
                                     "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                                     "GETREDIR",
                                     "    Return the client ID we are redirecting to when tracking is enabled.",
                                     "GETNAME",
                                     "    Return the name of the current connection.",
                                     "ID",
                                     "    Return the ID of the current connection.",
                                     "INFO",
                                     "    Return information about the current client connection.",
                                     "KILL <ip:port>",
                                     "    Kill connection made from <ip:port>.",
                                     "KILL <option> <value> [<option> <value> [...]]",
                                     "    Kill connections. Options are:",
                                     "    * ADDR (<ip:port>|<unixsocket>:0)",
                                     "      Kill connections made from the specified address",
                                     "    * LADDR (<ip:port>|<unixsocket>:0)",
                                     "      Kill connections made to specified local address",
                                     "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                                     "      Kill connections by type.",
                                     "    * USER <username>",
                                     "      Kill connections authenticated by <username>.",
                                     "    * SKIPME (YES|NO)",
                                     "      Skip killing current connection (default: yes).",
                                     "LIST [options ...]",
                                     "    Return information about client connections. Options:",
                                     "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                                     "      Return clients of specified type.",
                                     "UNPAUSE",
                                     "    Stop the current client pause, resuming traffic.",
                                     "PAUSE <timeout> [WRITE|ALL]",
                                     "    Suspend all, or just write, clients for <timeout> milliseconds.",
                                     "REPLY (ON|OFF|SKIP)",
                                     "    Control the replies sent to the current connection.",
                                     "SETNAME <name>",
                                     "    Assign the name <name> to the current connection.",
                                     "SETINFO <option> <value>",
                                     "    Set client meta attr. Options are:",
                                     "    * LIB-NAME: the client lib name.",
                                     "    * LIB-VER: the client lib version.",
                                     "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                                     "    Unblock the specified blocked client.",
                                     "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
                                     "         [OPTIN] [OPTOUT] [NOLOOP]",
                                     "    Control server assisted client side caching.",
                                     "TRACKINGINFO",
                                     "    Report tracking status for the current connection.",
                                     "NO-EVICT (ON|OFF)",
                                     "    Protect current client connection from eviction."});
                            });
}

} // namespace respkit::commands

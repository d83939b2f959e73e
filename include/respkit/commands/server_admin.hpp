#pragma once

/// \file
/// Server and administration commands with Redis 7.0's replies: DBSIZE, FLUSHDB, FLUSHALL,
/// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, TIME, LASTSAVE, SHUTDOWN (INFO is in info.hpp,
/// COMMAND in introspection.hpp).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/start_time.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/session.hpp"

namespace respkit::commands {

namespace detail {

/// FLUSHDB / FLUSHALL's optional ASYNC | SYNC; false after replying a syntax error.
[[nodiscard]] inline bool flush_mode_ok(server::command_call& call) {
    if (call.argc() == 1) return true;
    if (call.argc() == 2 && (iequals(call.arg(1), "async") || iequals(call.arg(1), "sync"))) return true;
    call.error(server::errors::syntax);
    return false;
}

/// Zeroes the counters CONFIG RESETSTAT resets (gauges such as blocked_clients stay).
inline void reset_server_stats(server::server_context& ctx) {
    auto& s = ctx.stats();
    const auto blocked = s.blocked_clients;
    s = server::server_stats{};
    s.blocked_clients = blocked;
}

} // namespace detail

/// Registers the server commands over `keyspace` and `config` (both must outlive `commands`'s
/// sessions); INFO and COMMAND are install_info_command's and install_command_command's. Keyspace needs size(db), flush(db),
/// flush_all(), db_count(), info(db), stats() and reset_stats() (store::keyspace has them).
template <class Keyspace>
void install_server_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    const std::vector<std::string> admin = {"@admin", "@slow", "@dangerous"};
    const std::vector<std::string> flush_acl = {"@keyspace", "@write", "@slow", "@dangerous"};
    const std::vector<std::string> all_shards_ok = {"request_policy:all_shards", "response_policy:all_succeeded"};
    // FLUSHDB and FLUSHALL share their optional ASYNC|SYNC argument and its history.
    const std::vector<server::command_history> flush_history = {
        {"4.0.0", "Added the `ASYNC` flushing mode modifier."},
        {"6.2.0", "Added the `SYNC` flushing mode modifier."}};
    const std::vector<server::command_arg> flush_arguments = {
        {.name = "async",
         .type = arg_type::oneof,
         .flags = arg_flag::optional,
         .arguments = {{.name = "async", .type = arg_type::pure_token, .token = "ASYNC", .since = "4.0.0"},
                       {.name = "sync", .type = arg_type::pure_token, .token = "SYNC", .since = "6.2.0"}}}};

    commands.add({.name = "dbsize", .arity = 1, .flags = command_flag::readonly | command_flag::fast, .group = "server",
                  .summary = "Return the number of keys in the selected database", .since = "1.0.0",
                  .complexity = "O(1)", .acl_categories = {"@keyspace", "@read", "@fast"},
                  .tips = {"request_policy:all_shards", "response_policy:agg_sum"}},
                 [&keyspace](server::command_call& call) {
                     call.reply().integer(static_cast<std::int64_t>(keyspace.size(call.client().db())));
                 });
    commands.add({.name = "flushdb",
                  .arity = -1,
                  .flags = command_flag::write,
                  .group = "server",
                  .summary = "Remove all keys from the current database",
                  .since = "1.0.0",
                  .complexity = "O(N) where N is the number of keys in the selected database",
                  .acl_categories = flush_acl,
                  .tips = all_shards_ok,
                  .history = flush_history,
                  .arguments = flush_arguments},
                 [&keyspace](server::command_call& call) {
                     if (!detail::flush_mode_ok(call)) return;
                     (void)keyspace.flush(call.client().db());
                     call.ok();
                 });
    commands.add({.name = "flushall",
                  .arity = -1,
                  .flags = command_flag::write,
                  .group = "server",
                  .summary = "Remove all keys from all databases",
                  .since = "1.0.0",
                  .complexity = "O(N) where N is the total number of keys in all databases",
                  .acl_categories = flush_acl,
                  .tips = all_shards_ok,
                  .history = flush_history,
                  .arguments = flush_arguments},
                 [&keyspace](server::command_call& call) {
                     if (!detail::flush_mode_ok(call)) return;
                     (void)keyspace.flush_all();
                     call.ok();
                 });
    commands.add({.name = "time", .arity = 1, .flags = ls | command_flag::fast, .group = "server",
                  .summary = "Return the current server time", .since = "2.6.0", .complexity = "O(1)",
                  .acl_categories = {"@fast"}, .tips = {"nondeterministic_output"}},
                 [](server::command_call& call) {
                     const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
                     call.reply().array(2);
                     call.reply().bulk_string(static_cast<std::int64_t>(us / 1000000));
                     call.reply().bulk_string(static_cast<std::int64_t>(us % 1000000));
                 });
    // respkit saves nothing: the last "save" is the start of the server, as for a fresh Redis.
    commands.add({.name = "lastsave", .arity = 1, .flags = ls | command_flag::fast, .group = "server",
                  .summary = "Get the UNIX time stamp of the last successful save to disk", .since = "1.0.0",
                  .complexity = "O(1)", .acl_categories = {"@admin", "@fast", "@dangerous"},
                  .tips = {"nondeterministic_output"}},
                 [](server::command_call& call) { call.reply().integer(detail::started_unix(call.server())); });
    commands.add(
        {.name = "shutdown",
         .arity = -1,
         .flags = command_flag::admin | command_flag::noscript | ls | command_flag::no_multi |
                  command_flag::allow_busy,
         .group = "server",
         .summary = "Synchronously save the dataset to disk and then shut down the server",
         .since = "1.0.0",
         .complexity =
             "O(N) when saving, where N is the total number of keys in all databases when saving "
             "data, otherwise O(1)",
         .acl_categories = admin,
         .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}},
         .arguments =
             {{.name = "nosave_save",
               .type = arg_type::oneof,
               .flags = arg_flag::optional,
               .arguments = {{.name = "nosave", .type = arg_type::pure_token, .token = "NOSAVE"},
                             {.name = "save", .type = arg_type::pure_token, .token = "SAVE"}}},
              {.name = "now",
               .type = arg_type::pure_token,
               .token = "NOW",
               .since = "7.0.0",
               .flags = arg_flag::optional},
              {.name = "force",
               .type = arg_type::pure_token,
               .token = "FORCE",
               .since = "7.0.0",
               .flags = arg_flag::optional},
              {.name = "abort",
               .type = arg_type::pure_token,
               .token = "ABORT",
               .since = "7.0.0",
               .flags = arg_flag::optional}}},
        [](server::command_call& call) {
            bool save = false, nosave = false, abort = false;
            for (std::size_t i = 1; i < call.argc(); ++i) {
                const std::string_view a = call.arg(i);
                if (iequals(a, "nosave"))
                    nosave = true;
                else if (iequals(a, "save"))
                    save = true;
                else if (iequals(a, "now") || iequals(a, "force"))
                    continue;
                else if (iequals(a, "abort"))
                    abort = true;
                else {
                    call.error(server::errors::syntax);
                    return;
                }
            }
            if ((abort && call.argc() != 2) || (save && nosave)) {
                call.error(server::errors::syntax);
                return;
            }
            if (abort) {
                call.error("ERR No shutdown in progress.");
                return;
            }
            if (save) {
                // There is no persistence to save to: refuse rather than pretend.
                call.error("ERR Errors trying to SHUTDOWN. Check logs.");
                return;
            }
            // As Redis: no reply, the connection closes as the server stops.
            call.server().request_shutdown();
            call.client().close_after_reply();
        });

    // AUTH accepts any password for the default user: storing a password would promise a
    // protection that is not there, so it is refused.
    config.on_change("requirepass", [](std::string_view value) {
        return value.empty() ? std::string() : std::string("respkit does not enforce passwords (no AUTH support)");
    });

    // CONFIG
    commands.add({.name = "config", .arity = -2, .group = "server",
                  .summary = "A container for server configuration commands", .since = "2.0.0",
                  .complexity = "Depends on subcommand.", .acl_categories = {"@slow"}},
                 {});
    constexpr auto config_flags = command_flag::admin | command_flag::noscript | ls;
    commands.add_subcommand(
        "config",
        {.name = "get",
         .arity = -3,
         .flags = config_flags,
         .group = "server",
         .summary = "Get the values of configuration parameters",
         .since = "2.0.0",
         .complexity = "O(N) when N is the number of configuration parameters provided",
         .acl_categories = admin,
         .history = {{"7.0.0",
                      "Added the ability to pass multiple pattern parameters in one call"}},
         .arguments = {{.name = "parameter",
                        .type = arg_type::block,
                        .flags = arg_flag::multiple,
                        .arguments = {{.name = "parameter", .type = arg_type::string}}}}},
        [&config](server::command_call& call) {
            const auto pairs = config.get_matching(call.args().subspan(2));
            call.reply().map(pairs.size());
            for (const auto& [name, value] : pairs) {
                call.reply().bulk_string(name);
                call.reply().bulk_string(value);
            }
        });
    commands.add_subcommand(
        "config",
        {.name = "set",
         .arity = -4,
         .flags = config_flags,
         .group = "server",
         .summary = "Set configuration parameters to the given values",
         .since = "2.0.0",
         .complexity = "O(N) when N is the number of configuration parameters provided",
         .acl_categories = admin,
         .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"},
         .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}},
         .arguments = {{.name = "parameter_value",
                        .type = arg_type::block,
                        .flags = arg_flag::multiple,
                        .arguments = {{.name = "parameter", .type = arg_type::string},
                                      {.name = "value", .type = arg_type::string}}}}},
        [&config](server::command_call& call) {
            const std::string error = config.set(call.args().subspan(2));
            if (error.empty())
                call.ok();
            else
                call.error(error);
        });
    commands.add_subcommand("config",
                            {.name = "resetstat", .arity = 2, .flags = config_flags, .group = "server",
                             .summary = "Reset the stats returned by INFO", .since = "2.0.0", .complexity = "O(1)",
                             .acl_categories = admin},
                            [&keyspace](server::command_call& call) {
                                detail::reset_server_stats(call.server());
                                keyspace.reset_stats();
                                call.ok();
                            });
    commands.add_subcommand("config",
                            {.name = "rewrite", .arity = 2, .flags = config_flags, .group = "server",
                             .summary = "Rewrite the configuration file with the in memory configuration",
                             .since = "2.8.0", .complexity = "O(1)", .acl_categories = admin},
                            [](server::command_call& call) {
                                call.error("ERR The server is running without a config file");
                            });
    commands.add_subcommand("config",
                            {.name = "help", .arity = 2, .flags = ls, .group = "server",
                             .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
                             .complexity = "O(1)", .acl_categories = {"@slow"}},
                            [](server::command_call& call) {
                                detail::help_reply(call, "config",
                                                   {"GET <pattern>",
                                                    "    Return parameters matching the glob-like <pattern> and their values.",
                                                    "SET <directive> <value>",
                                                    "    Set the configuration <directive> to <value>.",
                                                    "RESETSTAT",
                                                    "    Reset statistics reported by the INFO command.",
                                                    "REWRITE",
                                                    "    Rewrite the configuration file."});
                            });
}

} // namespace respkit::commands

#pragma once

/// \file
/// Redis 7.0's specs of the connection commands (connection.hpp): name, arity, flags, key positions
/// and key specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories,
/// arguments, history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the connection commands (CLIENT's subcommands as client_<name>), one member per
/// command.
struct connection_specs {
    server::command_spec ping, echo, hello, auth, quit, reset, select, client, client_id,
        client_setname, client_getname, client_setinfo, client_info, client_list, client_kill,
        client_no_evict, client_reply, client_getredir, client_unblock, client_pause, client_unpause, client_help;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline connection_specs connection_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    connection_specs specs;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    constexpr auto session_flags = command_flag::noscript | ls | command_flag::fast |
                                   command_flag::no_auth | command_flag::allow_busy;
    // QUIT and RESET run at once inside MULTI and in RESP2 subscribed mode.
    constexpr auto in_any_state =
        command_flag::transaction_control | command_flag::subscribed_context;
    const std::vector<std::string> fast_conn = {"@fast", "@connection"};
    const std::vector<std::string> slow_conn = {"@slow", "@connection"};
    const std::vector<std::string> admin_conn = {"@admin", "@slow", "@dangerous", "@connection"};

    specs.ping = {
        .name = "ping",
        .arity = -1,
        .flags = command_flag::fast | command_flag::subscribed_context,
        .group = "connection",
        .summary = "Ping the server",
        .since = "1.0.0",
        .complexity = "O(1)",
        .acl_categories = fast_conn,
        .tips = {"request_policy:all_shards", "response_policy:all_succeeded"},
        .arguments = {{.name = "message", .type = arg_type::string, .flags = arg_flag::optional}}};
    specs.echo = {.name = "echo",
                  .arity = 2,
                  .flags = ls | command_flag::fast,
                  .group = "connection",
                  .summary = "Echo the given string",
                  .since = "1.0.0",
                  .complexity = "O(1)",
                  .acl_categories = fast_conn,
                  .arguments = {{.name = "message", .type = arg_type::string}}};
    specs.hello = {
        .name = "hello",
        .arity = -1,
        .flags = session_flags,
        .group = "connection",
        .summary = "Handshake with Redis",
        .since = "6.0.0",
        .complexity = "O(1)",
        .acl_categories = fast_conn,
        .history = {{"6.2.0", "`protover` made optional; when called without arguments the "
                              "command reports the current connection's context."}},
        .arguments = {
            {.name = "arguments",
             .type = arg_type::block,
             .flags = arg_flag::optional,
             .arguments = {{.name = "protover", .type = arg_type::integer},
                           {.name = "username_password",
                            .type = arg_type::block,
                            .token = "AUTH",
                            .flags = arg_flag::optional,
                            .arguments = {{.name = "username", .type = arg_type::string},
                                          {.name = "password", .type = arg_type::string}}},
                           {.name = "clientname",
                            .type = arg_type::string,
                            .token = "SETNAME",
                            .flags = arg_flag::optional}}}}};
    specs.auth = {.name = "auth",
                  .arity = -2,
                  .flags = session_flags,
                  .group = "connection",
                  .summary = "Authenticate to the server",
                  .since = "1.0.0",
                  .complexity = "O(N) where N is the number of passwords defined for the user",
                  .acl_categories = fast_conn,
                  .history = {{"6.0.0", "Added ACL style (username and password)."}},
                  .arguments = {{.name = "username",
                                 .type = arg_type::string,
                                 .since = "6.0.0",
                                 .flags = arg_flag::optional},
                                {.name = "password", .type = arg_type::string}}};
    specs.quit = {.name = "quit",
                  .arity = -1,
                  .flags = session_flags | in_any_state,
                  .group = "connection",
                  .summary = "Close the connection",
                  .since = "1.0.0",
                  .complexity = "O(1)",
                  .acl_categories = fast_conn};
    specs.reset = {.name = "reset",
                   .arity = 1,
                   .flags = session_flags | in_any_state,
                   .group = "connection",
                   .summary = "Reset the connection",
                   .since = "6.2.0",
                   .complexity = "O(1)",
                   .acl_categories = fast_conn};
    specs.select = {.name = "select",
                    .arity = 2,
                    .flags = ls | command_flag::fast,
                    .group = "connection",
                    .summary = "Change the selected database for the current connection",
                    .since = "1.0.0",
                    .complexity = "O(1)",
                    .acl_categories = fast_conn,
                    .arguments = {{.name = "index", .type = arg_type::integer}}};

    // CLIENT: the container, then its subcommands.
    specs.client = {.name = "client",
                    .arity = -2,
                    .group = "connection",
                    .summary = "A container for client connection commands",
                    .since = "2.4.0",
                    .complexity = "Depends on subcommand.",
                    .acl_categories = {"@slow"}};
    constexpr auto client_flags = command_flag::noscript | ls;
    specs.client_id = {.name = "id",
                       .arity = 2,
                       .flags = client_flags,
                       .group = "connection",
                       .summary = "Returns the client ID for the current connection",
                       .since = "5.0.0",
                       .complexity = "O(1)",
                       .acl_categories = slow_conn};
    specs.client_setname = {.name = "setname",
                            .arity = 3,
                            .flags = client_flags,
                            .group = "connection",
                            .summary = "Set the current connection name",
                            .since = "2.6.9",
                            .complexity = "O(1)",
                            .acl_categories = slow_conn,
                            .arguments = {{.name = "connection-name", .type = arg_type::string}}};
    specs.client_getname = {.name = "getname",
                            .arity = 2,
                            .flags = client_flags,
                            .group = "connection",
                            .summary = "Get the current connection name",
                            .since = "2.6.9",
                            .complexity = "O(1)",
                            .acl_categories = slow_conn};
    // Redis 7.2's CLIENT SETINFO (7.0.15 does not have it): newer client libraries send it on
    // connect, and answer an error with a warning at best.
    specs.client_setinfo = {.name = "setinfo",
                            .arity = 4,
                            .flags = client_flags,
                            .group = "connection",
                            .summary = "Set client or connection specific info",
                            .since = "7.2.0",
                            .complexity = "O(1)",
                            .acl_categories = slow_conn};
    specs.client_info = {.name = "info",
                         .arity = 2,
                         .flags = client_flags,
                         .group = "connection",
                         .summary = "Returns information about the current client connection.",
                         .since = "6.2.0",
                         .complexity = "O(1)",
                         .acl_categories = slow_conn,
                         .tips = {"nondeterministic_output"}};
    specs.client_list = {
        .name = "list",
        .arity = -2,
        .flags = command_flag::admin | client_flags,
        .group = "connection",
        .summary = "Get the list of client connections",
        .since = "2.4.0",
        .complexity = "O(N) where N is the number of client connections",
        .acl_categories = admin_conn,
        .tips = {"nondeterministic_output"},
        .history = {{"2.8.12", "Added unique client `id` field."},
                    {"5.0.0", "Added optional `TYPE` filter."},
                    {"6.0.0", "Added `user` field."},
                    {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the "
                              "optional `ID` filter."},
                    {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                    {"7.0.3", "Added `ssub` field."}},
        .arguments = {
            {.name = "normal_master_replica_pubsub",
             .type = arg_type::oneof,
             .token = "TYPE",
             .since = "5.0.0",
             .flags = arg_flag::optional,
             .arguments = {{.name = "normal", .type = arg_type::pure_token, .token = "NORMAL"},
                           {.name = "master", .type = arg_type::pure_token, .token = "MASTER"},
                           {.name = "replica", .type = arg_type::pure_token, .token = "REPLICA"},
                           {.name = "pubsub", .type = arg_type::pure_token, .token = "PUBSUB"}}},
            {.name = "id",
             .type = arg_type::block,
             .token = "ID",
             .since = "6.2.0",
             .flags = arg_flag::optional,
             .arguments = {
                 {.name = "client-id", .type = arg_type::integer, .flags = arg_flag::multiple}}}}};
    specs.client_kill =
        {
            .name = "kill",
            .arity = -3,
            .flags = command_flag::admin | client_flags,
            .group = "connection",
            .summary = "Kill the connection of a client",
            .since = "2.4.0",
            .complexity = "O(N) where N is the number of client connections",
            .acl_categories = admin_conn,
            .history = {{"2.8.12", "Added new filter format."},
                        {"2.8.12", "`ID` option."},
                        {"3.2.0", "Added `master` type in for `TYPE` option."},
                        {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported "
                                  "for backward compatibility."},
                        {"6.2.0", "`LADDR` option."}},
            .arguments = {
                {.name = "filter",
                 .type = arg_type::oneof,
                 .arguments = {
                     {.name = "ip:port", .type = arg_type::string, .deprecated_since = "2.8.12"},
                     {.name = "new-format",
                      .type = arg_type::oneof,
                      .flags = arg_flag::multiple,
                      .arguments = {
                          {.name = "client-id",
                           .type = arg_type::integer,
                           .token = "ID",
                           .since = "2.8.12",
                           .flags = arg_flag::optional},
                          {.name = "normal_master_slave_pubsub",
                           .type = arg_type::oneof,
                           .token = "TYPE",
                           .since = "2.8.12",
                           .flags = arg_flag::optional,
                           .arguments =
                               {{.name = "normal", .type = arg_type::pure_token, .token = "NORMAL"},
                                {.name = "master",
                                 .type = arg_type::pure_token,
                                 .token = "MASTER",
                                 .since = "3.2.0"},
                                {.name = "slave", .type = arg_type::pure_token, .token = "SLAVE"},
                                {.name = "replica",
                                 .type = arg_type::pure_token,
                                 .token = "REPLICA",
                                 .since = "5.0.0"},
                                {.name = "pubsub",
                                 .type = arg_type::pure_token,
                                 .token = "PUBSUB"}}},
                          {.name = "username",
                           .type = arg_type::string,
                           .token = "USER",
                           .flags = arg_flag::optional},
                          {.name = "ip:port",
                           .type = arg_type::string,
                           .token = "ADDR",
                           .flags = arg_flag::optional},
                          {.name = "ip:port",
                           .type = arg_type::string,
                           .token = "LADDR",
                           .since = "6.2.0",
                           .flags = arg_flag::optional},
                          {.name = "yes/no",
                           .type = arg_type::string,
                           .token = "SKIPME",
                           .flags = arg_flag::optional}}}}}}};
    specs.client_no_evict = {
        .name = "no-evict",
        .arity = 3,
        .flags = command_flag::admin | client_flags,
        .group = "connection",
        .summary = "Set client eviction mode for the current connection",
        .since = "7.0.0",
        .complexity = "O(1)",
        .acl_categories = admin_conn,
        .arguments = {
            {.name = "enabled",
             .type = arg_type::oneof,
             .arguments = {{.name = "on", .type = arg_type::pure_token, .token = "ON"},
                           {.name = "off", .type = arg_type::pure_token, .token = "OFF"}}}}};
    specs.client_reply = {
        .name = "reply",
        .arity = 3,
        .flags = client_flags,
        .group = "connection",
        .summary = "Instruct the server whether to reply to commands",
        .since = "3.2.0",
        .complexity = "O(1)",
        .acl_categories = slow_conn,
        .arguments = {
            {.name = "on_off_skip",
             .type = arg_type::oneof,
             .arguments = {{.name = "on", .type = arg_type::pure_token, .token = "ON"},
                           {.name = "off", .type = arg_type::pure_token, .token = "OFF"},
                           {.name = "skip", .type = arg_type::pure_token, .token = "SKIP"}}}}};
    specs.client_getredir = {.name = "getredir",
                             .arity = 2,
                             .flags = client_flags,
                             .group = "connection",
                             .summary = "Get tracking notifications redirection client ID if any",
                             .since = "6.0.0",
                             .complexity = "O(1)",
                             .acl_categories = slow_conn}; // no tracking
    specs.client_unblock = {
        .name = "unblock",
        .arity = -3,
        .flags = command_flag::admin | command_flag::noscript | ls,
        .group = "connection",
        .summary = "Unblock a client blocked in a blocking command from a different connection",
        .since = "5.0.0",
        .complexity = "O(log N) where N is the number of client connections",
        .acl_categories = {"@admin", "@slow", "@dangerous", "@connection"},
        .arguments = {{.name = "client-id", .type = arg_type::integer},
                      {.name = "timeout_error",
                       .type = arg_type::oneof,
                       .flags = arg_flag::optional,
                       .arguments = {{.name = "timeout", .type = arg_type::pure_token, .token = "TIMEOUT"},
                                     {.name = "error", .type = arg_type::pure_token, .token = "ERROR"}}}}};
    specs.client_pause = {
        .name = "pause",
        .arity = -3,
        .flags = command_flag::admin | command_flag::noscript | ls,
        .group = "connection",
        .summary = "Stop processing commands from clients for some time",
        .since = "2.9.50",
        .complexity = "O(1)",
        .acl_categories = admin_conn,
        .history = {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}},
        .arguments = {{.name = "timeout", .type = arg_type::integer},
                      {.name = "mode",
                       .type = arg_type::oneof,
                       .since = "6.2.0",
                       .flags = arg_flag::optional,
                       .arguments = {{.name = "write", .type = arg_type::pure_token, .token = "WRITE"},
                                     {.name = "all", .type = arg_type::pure_token, .token = "ALL"}}}}};
    specs.client_unpause = {.name = "unpause",
                            .arity = 2,
                            .flags = command_flag::admin | command_flag::noscript | ls,
                            .group = "connection",
                            .summary = "Resume processing of clients that were paused",
                            .since = "6.2.0",
                            .complexity = "O(N) Where N is the number of paused clients",
                            .acl_categories = admin_conn};
    specs.client_help = help_subcommand("connection", "5.0.0", ls, slow_conn);
    return specs;
}

} // namespace respkit::commands

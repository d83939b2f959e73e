#pragma once

/// \file
/// Redis 7.0's specs of the client-side caching subcommands of CLIENT (tracking.hpp): TRACKING,
/// CACHING and TRACKINGINFO, with their COMMAND DOCS. (GETREDIR's spec is with the connection
/// commands.)

#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of CLIENT's tracking subcommands, one member per subcommand.
struct tracking_specs {
    server::command_spec client_tracking, client_caching, client_trackinginfo;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline tracking_specs tracking_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    tracking_specs specs;
    constexpr auto flags = command_flag::noscript | command_flag::loading | command_flag::stale;
    specs.client_tracking = {
        .name = "tracking",
        .arity = -3,
        .flags = flags,
        .group = "connection",
        .summary = "Enable or disable server assisted client side caching support",
        .since = "6.0.0",
        .complexity = "O(1). Some options may introduce additional complexity.",
        .acl_categories = {"@slow", "@connection"},
        .arguments = {
            {.name = "status",
             .type = arg_type::oneof,
             .arguments = {{.name = "on", .type = arg_type::pure_token, .token = "ON"},
                           {.name = "off", .type = arg_type::pure_token, .token = "OFF"}}},
            {.name = "client-id", .type = arg_type::integer, .token = "REDIRECT", .flags = arg_flag::optional},
            {.name = "prefix",
             .type = arg_type::string,
             .token = "PREFIX",
             .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token},
            {.name = "bcast", .type = arg_type::pure_token, .token = "BCAST", .flags = arg_flag::optional},
            {.name = "optin", .type = arg_type::pure_token, .token = "OPTIN", .flags = arg_flag::optional},
            {.name = "optout", .type = arg_type::pure_token, .token = "OPTOUT", .flags = arg_flag::optional},
            {.name = "noloop", .type = arg_type::pure_token, .token = "NOLOOP", .flags = arg_flag::optional}}};
    specs.client_caching = {
        .name = "caching",
        .arity = 3,
        .flags = flags,
        .group = "connection",
        .summary = "Instruct the server about tracking or not keys in the next request",
        .since = "6.0.0",
        .complexity = "O(1)",
        .acl_categories = {"@slow", "@connection"},
        .arguments = {{.name = "mode",
                       .type = arg_type::oneof,
                       .arguments = {{.name = "yes", .type = arg_type::pure_token, .token = "YES"},
                                     {.name = "no", .type = arg_type::pure_token, .token = "NO"}}}}};
    specs.client_trackinginfo = {
        .name = "trackinginfo",
        .arity = 2,
        .flags = flags,
        .group = "connection",
        .summary = "Return information about server assisted client side caching for the current connection",
        .since = "6.2.0",
        .complexity = "O(1)",
        .acl_categories = {"@slow", "@connection"}};
    return specs;
}

} // namespace respkit::commands

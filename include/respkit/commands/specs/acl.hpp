#pragma once

/// \file
/// Redis 7.0's specs of ACL and its subcommands (acl.hpp): arity, flags, ACL categories and
/// COMMAND DOCS.

#include <string>
#include <utility>
#include <vector>

#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The container first, then its subcommands.
[[nodiscard]] inline std::vector<server::command_spec> acl_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    constexpr auto ls = command_flag::loading | command_flag::stale;
    constexpr auto user_flags = command_flag::noscript | ls;
    constexpr auto admin_flags = command_flag::admin | user_flags;
    const std::vector<std::string> slow = {"@slow"};
    const std::vector<std::string> admin = {"@admin", "@slow", "@dangerous"};
    const auto sub = [](std::string name, int arity, command_flag flags, std::string summary, std::string since,
                        std::string complexity, std::vector<std::string> acl,
                        std::vector<server::command_arg> arguments = {},
                        std::vector<server::command_history> history = {}) {
        return server::command_spec{.name = std::move(name),
                                    .arity = arity,
                                    .flags = flags,
                                    .group = "server",
                                    .summary = std::move(summary),
                                    .since = std::move(since),
                                    .complexity = std::move(complexity),
                                    .acl_categories = std::move(acl),
                                    .history = std::move(history),
                                    .arguments = std::move(arguments)};
    };
    const auto str = [](std::string name, arg_flag flags = arg_flag::none) {
        return server::command_arg{.name = std::move(name), .type = arg_type::string, .flags = flags};
    };
    const std::string per_user = "O(N). Where N is the number of configured users.";
    return {
        {.name = "acl",
         .arity = -2,
         .group = "server",
         .summary = "A container for Access List Control commands ",
         .since = "6.0.0",
         .complexity = "Depends on subcommand.",
         .acl_categories = slow},
        sub("cat", -2, user_flags, "List the ACL categories or the commands inside a category", "6.0.0",
            "O(1) since the categories and commands are a fixed set.", slow, {str("categoryname", arg_flag::optional)}),
        sub("deluser", -3, admin_flags, "Remove the specified ACL users and the associated rules", "6.0.0",
            "O(1) amortized time considering the typical user.", admin, {str("username", arg_flag::multiple)}),
        sub("dryrun", -4, admin_flags,
            "Returns whether the user can execute the given command without executing the command.", "7.0.0", "O(1).",
            admin, {str("username"), str("command"), str("arg", arg_flag::optional | arg_flag::multiple)}),
        sub("genpass", -2, user_flags, "Generate a pseudorandom secure password to use for ACL users", "6.0.0", "O(1)",
            slow, {{.name = "bits", .type = arg_type::integer, .flags = arg_flag::optional}}),
        sub("getuser", 3, admin_flags, "Get the rules for a specific ACL user", "6.0.0",
            "O(N). Where N is the number of password, command and pattern rules that the user has.", admin,
            {str("username")},
            {{"6.2.0", "Added Pub/Sub channel patterns."},
             {"7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their "
                       "rule representation."}}),
        sub("help", 2, ls, "Show helpful text about the different subcommands", "6.0.0", "O(1)", slow),
        sub("list", 2, admin_flags, "List the current ACL rules in ACL config file format", "6.0.0", per_user, admin),
        sub("load", 2, admin_flags, "Reload the ACLs from the configured ACL file", "6.0.0", per_user, admin),
        sub("log", -2, admin_flags, "List latest events denied because of ACLs in place", "6.0.0",
            "O(N) with N being the number of entries shown.", admin,
            {{.name = "operation",
              .type = arg_type::oneof,
              .flags = arg_flag::optional,
              .arguments = {{.name = "count", .type = arg_type::integer},
                            {.name = "reset", .type = arg_type::pure_token, .token = "RESET"}}}}),
        sub("save", 2, admin_flags, "Save the current ACL rules in the configured ACL file", "6.0.0", per_user, admin),
        sub("setuser", -3, admin_flags, "Modify or create the rules for a specific ACL user", "6.0.0",
            "O(N). Where N is the number of rules provided.", admin,
            {str("username"), str("rule", arg_flag::optional | arg_flag::multiple)},
            {{"6.2.0", "Added Pub/Sub channel patterns."}, {"7.0.0", "Added selectors and key based permissions."}}),
        sub("users", 2, admin_flags, "List the username of all the configured ACL rules", "6.0.0", per_user, admin),
        sub("whoami", 2, user_flags, "Return the name of the user associated to the current connection", "6.0.0",
            "O(1)", slow),
    };
}

} // namespace respkit::commands

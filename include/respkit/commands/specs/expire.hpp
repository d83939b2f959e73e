#pragma once

/// \file
/// Redis 7.0's specs of the expiry commands (expire.hpp): name, arity, flags, key positions and key
/// specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the expiry commands, one member per command.
struct expire_specs {
    server::command_spec expire, pexpire, expireat, pexpireat, ttl, pttl, expiretime, pexpiretime,
        persist;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline expire_specs expire_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    expire_specs specs;
    const spec_builder spec{"generic"};
    const server::key_positions one{1, 1, 1};
    const command_flag write_fast = command_flag::write | command_flag::fast;
    const command_flag read_fast = command_flag::readonly | command_flag::fast;
    const std::vector<std::string> write_acl{"@keyspace", "@write", "@fast"};
    const std::vector<std::string> read_acl{"@keyspace", "@read", "@fast"};

    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    // EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: a key, a time, and (since 7.0) a condition.
    const auto set_expiry = [&](std::string name, std::string summary, std::string since,
                                server::command_arg time) {
        return server::with_docs(
            spec(std::move(name), -3, write_fast, one, std::move(summary), std::move(since), "O(1)",
                 write_acl),
            {key_arg,
             std::move(time),
             {.name = "condition",
              .type = arg_type::oneof,
              .since = "7.0.0",
              .flags = arg_flag::optional,
              .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"},
                            {.name = "xx", .type = arg_type::pure_token, .token = "XX"},
                            {.name = "gt", .type = arg_type::pure_token, .token = "GT"},
                            {.name = "lt", .type = arg_type::pure_token, .token = "LT"}}}},
            {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}});
    };

    specs.expire = set_expiry("expire", "Set a key's time to live in seconds", "1.0.0",
                              {.name = "seconds", .type = arg_type::integer});
    specs.pexpire = set_expiry("pexpire", "Set a key's time to live in milliseconds", "2.6.0",
                               {.name = "milliseconds", .type = arg_type::integer});
    specs.expireat =
        set_expiry("expireat", "Set the expiration for a key as a UNIX timestamp", "1.2.0",
                   {.name = "unix-time-seconds", .type = arg_type::unix_time});
    specs.pexpireat = set_expiry(
        "pexpireat", "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        "2.6.0", {.name = "unix-time-milliseconds", .type = arg_type::unix_time});
    specs.ttl = server::with_docs(spec("ttl", 2, read_fast, one,
                                       "Get the time to live for a key in seconds", "1.0.0", "O(1)",
                                       read_acl),
                                  {key_arg}, {{"2.8.0", "Added the -2 reply."}});
    specs.pttl = server::with_docs(spec("pttl", 2, read_fast, one,
                                        "Get the time to live for a key in milliseconds", "2.6.0",
                                        "O(1)", read_acl),
                                   {key_arg}, {{"2.8.0", "Added the -2 reply."}});
    specs.expiretime = server::with_docs(spec("expiretime", 2, read_fast, one,
                                              "Get the expiration Unix timestamp for a key",
                                              "7.0.0", "O(1)", read_acl),
                                         {key_arg});
    specs.pexpiretime =
        server::with_docs(spec("pexpiretime", 2, read_fast, one,
                               "Get the expiration Unix timestamp for a key in milliseconds",
                               "7.0.0", "O(1)", read_acl),
                          {key_arg});
    specs.persist =
        server::with_docs(spec("persist", 2, write_fast, one, "Remove the expiration from a key",
                               "2.2.0", "O(1)", write_acl),
                          {key_arg});
    return specs;
}

} // namespace respkit::commands

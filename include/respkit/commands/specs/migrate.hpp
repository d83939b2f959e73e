#pragma once

/// \file
/// Redis 7.0's spec of MIGRATE (migrate.hpp), with its COMMAND DOCS.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The spec as Redis 7.0.15 shows it in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline server::command_spec migrate_command_spec() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    const spec_builder spec{"generic"};
    const key_flag moved = key_flag::rw | key_flag::access | key_flag::delete_;
    server::command_spec migrate = server::with_docs(
        spec("migrate", -6, command_flag::write | command_flag::movablekeys, {3, 3, 1},
             {{.flags = moved, .begin = {.index = 3}},
              {.flags = moved | key_flag::incomplete,
               .begin = {.index = 0, .keyword = "KEYS", .startfrom = -2},
               .find = server::key_range(-1, 1, 0)}},
             "Atomically transfer a key from a Redis instance to another one.", "2.6.0",
             "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target "
             "instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the "
             "two instances is performed.",
             {"@keyspace", "@write", "@slow", "@dangerous"}, {"nondeterministic_output"}),
        {{.name = "host", .type = arg_type::string},
         {.name = "port", .type = arg_type::integer},
         {.name = "key_or_empty_string",
          .type = arg_type::oneof,
          .arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                        {.name = "empty_string", .type = arg_type::pure_token, .empty_token = true}}},
         {.name = "destination-db", .type = arg_type::integer},
         {.name = "timeout", .type = arg_type::integer},
         {.name = "copy", .type = arg_type::pure_token, .token = "COPY", .since = "3.0.0", .flags = arg_flag::optional},
         {.name = "replace", .type = arg_type::pure_token, .token = "REPLACE", .since = "3.0.0",
          .flags = arg_flag::optional},
         {.name = "authentication",
          .type = arg_type::oneof,
          .flags = arg_flag::optional,
          .arguments = {{.name = "password", .type = arg_type::string, .token = "AUTH", .since = "4.0.7",
                         .flags = arg_flag::optional},
                        {.name = "username_password",
                         .type = arg_type::block,
                         .token = "AUTH2",
                         .since = "6.0.0",
                         .flags = arg_flag::optional,
                         .arguments = {{.name = "username", .type = arg_type::string},
                                       {.name = "password", .type = arg_type::string}}}}},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .token = "KEYS", .since = "3.0.6",
          .flags = arg_flag::optional | arg_flag::multiple}},
        {{"3.0.0", "Added the `COPY` and `REPLACE` options."},
         {"3.0.6", "Added the `KEYS` option."},
         {"4.0.7", "Added the `AUTH` option."},
         {"6.0.0", "Added the `AUTH2` option."}});
    // The KEYS spec is incomplete (a key named "keys" could precede it): Redis's migrateGetKeys.
    migrate.keys_of_call = [](std::span<const std::string_view> args) {
        const key_flag moved = key_flag::rw | key_flag::access | key_flag::delete_;
        std::size_t first = 3, count = 1;
        for (std::size_t i = 6; i < args.size(); ++i) {
            if (!respkit::detail::ascii_iequals(server::detail::c_string(args[i]), "keys")) continue;
            if (!args[3].empty()) return std::vector<server::key_reference>{};
            first = i + 1;
            count = args.size() - first;
            break;
        }
        std::vector<server::key_reference> keys;
        for (std::size_t i = 0; i < count; ++i) keys.push_back({first + i, moved});
        return keys;
    };
    return migrate;
}

} // namespace respkit::commands

#pragma once

/// \file
/// How the command families' spec headers (commands/specs/) build their commands' specs.

#include <string>
#include <utility>
#include <vector>

#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Builds the specs of one family's commands, all in COMMAND DOCS group `group` ("list", "set",
/// ...): `spec("llen", 2, readonly | fast, {1, 1, 1}, summary, "1.0.0", "O(1)", acl)`.
struct spec_builder {
    std::string group; ///< COMMAND DOCS's group of every spec built

    /// A spec with what COMMAND INFO and COMMAND DOCS show of the command (arguments and
    /// history are added with server::with_docs); its key specs are derived from `keys`.
    [[nodiscard]] server::command_spec
    operator()(std::string name, int arity, server::command_flag flags, server::key_positions keys,
               std::string summary, std::string since, std::string complexity,
               std::vector<std::string> acl_categories, std::vector<std::string> tips = {}) const {
        server::command_spec s;
        s.name = std::move(name);
        s.arity = arity;
        s.flags = flags;
        s.keys = keys;
        s.group = group;
        s.summary = std::move(summary);
        s.since = std::move(since);
        s.complexity = std::move(complexity);
        s.acl_categories = std::move(acl_categories);
        s.tips = std::move(tips);
        return s;
    }

    /// The same with Redis's key specs of the command, besides its legacy key positions.
    [[nodiscard]] server::command_spec
    operator()(std::string name, int arity, server::command_flag flags, server::key_positions keys,
               std::vector<server::key_spec> key_specs, std::string summary, std::string since,
               std::string complexity, std::vector<std::string> acl_categories,
               std::vector<std::string> tips = {}) const {
        server::command_spec s =
            (*this)(std::move(name), arity, flags, keys, std::move(summary), std::move(since),
                    std::move(complexity), std::move(acl_categories), std::move(tips));
        s.key_specs = std::move(key_specs);
        return s;
    }
};

/// `spec` marked as COMMAND DOCS marks a command kept for compatibility only.
[[nodiscard]] inline server::command_spec deprecated(server::command_spec spec, std::string since,
                                                     std::string replaced_by) {
    spec.doc_flags = {"deprecated"};
    spec.deprecated_since = std::move(since);
    spec.replaced_by = std::move(replaced_by);
    return spec;
}

/// The spec of a container's HELP subcommand (CLIENT HELP, COMMAND HELP, CONFIG HELP, PUBSUB
/// HELP): `help`, no arguments, O(1), in COMMAND DOCS group `group`.
[[nodiscard]] inline server::command_spec help_subcommand(std::string group, std::string since,
                                                          server::command_flag flags,
                                                          std::vector<std::string> acl_categories) {
    return {.name = "help",
            .arity = 2,
            .flags = flags,
            .group = std::move(group),
            .summary = "Show helpful text about the different subcommands",
            .since = std::move(since),
            .complexity = "O(1)",
            .acl_categories = std::move(acl_categories)};
}

} // namespace respkit::commands

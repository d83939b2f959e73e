#pragma once

/// \file
/// The HELP subcommands' reply (CLIENT HELP, COMMAND HELP, CONFIG HELP, PUBSUB HELP), as Redis's
/// addReplyHelp writes it.

#include <initializer_list>
#include <string>
#include <string_view>

#include "respkit/server/call.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::detail {

/// Replies with a help array as Redis's addReplyHelp: a header line, the lines, then HELP.
inline void help_reply(server::command_call& call, std::string_view command, std::initializer_list<std::string_view> lines) {
    std::string upper(command);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    auto& out = call.reply();
    out.array(lines.size() + 3);
    out.simple_string(upper + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for (const std::string_view l : lines) out.simple_string(l);
    out.simple_string("HELP");
    out.simple_string("    Prints this help.");
}

} // namespace respkit::commands::detail

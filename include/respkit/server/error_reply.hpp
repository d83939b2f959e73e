#pragma once

/// \file
/// Error replies: Redis's common error texts, and the one function that writes an error reply
/// (every rejection, failed command and protocol error goes through it).

#include <string>
#include <string_view>

#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Redis's common error replies (the text after `-`).
namespace errors {
inline constexpr std::string_view syntax = "ERR syntax error";
inline constexpr std::string_view wrong_type = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
inline constexpr std::string_view not_float = "ERR value is not a valid float";
inline constexpr std::string_view overflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view no_such_key = "ERR no such key";
inline constexpr std::string_view db_index_out_of_range = "ERR DB index is out of range";
inline constexpr std::string_view noauth = "NOAUTH Authentication required.";
inline constexpr std::string_view wrongpass = "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view loading = "LOADING Redis is loading the dataset in memory";
/// A script is past busy-reply-threshold (Redis's shared.slowevalerr).
inline constexpr std::string_view busy_script =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// A function (FCALL) is past busy-reply-threshold (Redis's shared.slowscripterr).
inline constexpr std::string_view busy_function =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view not_in_multi = "ERR Command not allowed inside a transaction";
} // namespace errors

/// Writes `message` (without the leading `-`, e.g. "ERR syntax error") as an error reply and
/// counts it in INFO's errorstats under its first word. CR and LF become spaces, as Redis
/// makes sure no error breaks the protocol.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
void write_error(reply_writer& reply, server_context& server, std::string_view message) {
    server.count_error(message);
    if (message.find_first_of("\r\n") == std::string_view::npos) {
        reply.simple_error(message);
        return;
    }
    std::string flat(message);
    for (char& c : flat) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    reply.simple_error(flat);
}

} // namespace respkit::server

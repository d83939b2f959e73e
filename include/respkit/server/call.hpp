#pragma once

/// \file
/// One command being executed: its arguments, its connection, and how to reply.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "respkit/resp/writer.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/server_context.hpp"

namespace respkit::server {

class session;
class dispatcher;

/// The writer replies go through: RESP2 or RESP3 as the connection negotiated.
using reply_writer = resp::writer<std::string>;

/// Redis's common error replies (the text after `-`).
namespace errors {
inline constexpr std::string_view syntax = "ERR syntax error";
inline constexpr std::string_view wrong_type = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
inline constexpr std::string_view not_float = "ERR value is not a valid float";
inline constexpr std::string_view overflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view no_such_key = "ERR no such key";
inline constexpr std::string_view db_index_out_of_range = "ERR DB index is out of range";
} // namespace errors

/// What a command handler gets: the arguments (name first; views valid during the call), the
/// reply writer, the calling session, and the server-wide context.
class command_call {
public:
    /// A call of `spec` with `args` from `client`, replying through `reply`.
    command_call(std::span<const std::string_view> args, const command_spec& spec, session& client,
                 server_context& server, reply_writer& reply) noexcept
        : m_args(args), m_spec(&spec), m_client(&client), m_server(&server), m_reply(&reply) {}

    /// The arguments, command name first.
    [[nodiscard]] std::span<const std::string_view> args() const noexcept { return m_args; }
    /// Argument `i` (0 is the command name).
    [[nodiscard]] std::string_view arg(std::size_t i) const noexcept { return m_args[i]; }
    /// Number of arguments, command name included.
    [[nodiscard]] std::size_t argc() const noexcept { return m_args.size(); }
    /// The command (or subcommand) being run.
    [[nodiscard]] const command_spec& spec() const noexcept { return *m_spec; }
    /// The connection that sent the command.
    [[nodiscard]] session& client() const noexcept { return *m_client; }
    /// The server-wide context.
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    /// Where the reply goes.
    [[nodiscard]] reply_writer& reply() const noexcept { return *m_reply; }

    /// Replies with an error (text without `-`, e.g. "ERR syntax error"); CR and LF become
    /// spaces as in Redis, and the error is counted for INFO's errorstats.
    void error(std::string_view message) {
        m_failed = true;
        m_server->count_error(message);
        if (message.find_first_of("\r\n") == std::string_view::npos) {
            m_reply->simple_error(message);
            return;
        }
        std::string flat(message);
        for (char& c : flat) {
            if (c == '\r' || c == '\n') c = ' ';
        }
        m_reply->simple_error(flat);
    }
    /// True once error() was called: the command failed (no write is logged).
    [[nodiscard]] bool failed() const noexcept { return m_failed; }

    /// Replies "+OK".
    void ok() { m_reply->simple_string("OK"); }

private:
    std::span<const std::string_view> m_args;
    const command_spec* m_spec;
    session* m_client;
    server_context* m_server;
    reply_writer* m_reply;
    bool m_failed = false;
};

} // namespace respkit::server

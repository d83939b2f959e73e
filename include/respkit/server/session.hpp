#pragma once

/// \file
/// A connection's state machine, independent of any socket: feed it the bytes a client sent,
/// take the reply bytes it produced.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/server_context.hpp"

namespace respkit::server {

/// Bounds and defaults of a session.
struct session_options {
    resp::limits request_limits{};                  ///< request parser limits (Redis's defaults)
    std::size_t output_high_watermark = 1 << 20;    ///< stop reading input above this much output
    std::size_t output_hard_limit = 256u << 20;     ///< close the connection above this much
    std::size_t max_commands_per_feed = 1000;       ///< fairness: yield after this many commands
};

/// One client connection: parses its requests (pipelined, multibulk or inline), runs them through
/// a dispatcher, and queues the replies. Knows no socket: a transport (or the user's own event
/// loop) calls input_space/commit_input (or feed), then process(), sends pending_output() and
/// calls output_sent(). Speaks RESP2 until HELLO 3.
class session {
public:
    /// A session running commands from `commands` in `server`'s context. Both must outlive it.
    session(const dispatcher& commands, server_context& server, const session_options& options = {})
        : m_dispatcher(&commands), m_server(&server), m_options(options), m_parser(options.request_limits),
          m_reply(m_output, resp::protocol::resp2), m_id(server.next_client_id()) {
        server.add_client(this);
        ++server.stats().total_connections_received;
    }
    session(const session&) = delete;
    session& operator=(const session&) = delete;
    ~session() { m_server->remove_client(this); }

    // --- input ---

    /// Space to read at least `n` bytes into; then commit_input(bytes read).
    [[nodiscard]] std::span<char> input_space(std::size_t n = 16 * 1024) { return m_input.prepare(n); }
    /// Marks `n` bytes read into input_space() as received.
    void commit_input(std::size_t n) {
        m_input.commit(n);
        m_server->stats().total_net_input_bytes += n;
    }
    /// Copies bytes in and processes them (for tests and simple transports; refreshes the
    /// server context's clock first).
    void feed(std::string_view bytes) {
        m_server->tick();
        auto space = input_space(bytes.size());
        bytes.copy(space.data(), bytes.size());
        commit_input(bytes.size());
        process();
    }
    /// Runs the complete commands received, until input runs out, the output passes its high
    /// watermark (back-pressure), the session closes, or max_commands_per_feed ran. Returns the
    /// number of commands run.
    std::size_t process() {
        std::size_t ran = 0;
        while (!m_closing && !output_full() && ran < m_options.max_commands_per_feed) {
            const resp::parse_result r = m_parser.parse(m_input.data());
            if (r.status == resp::parse_status::error) {
                protocol_error();
                break;
            }
            if (r.status == resp::parse_status::need_more) {
                m_input.consume(r.consumed);
                break;
            }
            execute(m_parser.args());
            m_input.consume(r.consumed);
            ++ran;
        }
        if (m_output.size() - m_output_sent > m_options.output_hard_limit) close_now();
        return ran;
    }
    /// True when input is waiting that process() did not run yet (it yielded).
    [[nodiscard]] bool has_pending_input() const noexcept { return !m_input.empty() && !m_closing; }

    /// Runs one command given as arguments (as if the client had sent it).
    void execute(std::span<const std::string_view> args) {
        m_last_command_at = m_server->now();
        if (!args.empty()) m_last_command.assign(args[0]);
        m_dispatcher->dispatch(args, *this, *m_server, m_reply);
    }

    // --- output ---

    /// Reply bytes not yet sent.
    [[nodiscard]] std::string_view pending_output() const noexcept {
        return std::string_view(m_output).substr(m_output_sent);
    }
    /// Marks `n` bytes of pending_output() as sent.
    void output_sent(std::size_t n) {
        m_output_sent += n;
        m_server->stats().total_net_output_bytes += n;
        if (m_output_sent == m_output.size()) {
            m_output.clear();
            m_output_sent = 0;
            if (m_output.capacity() > (1u << 20)) m_output.shrink_to_fit(); // after a big reply
        }
    }
    /// True while queued output is above the high watermark: stop reading from this client.
    [[nodiscard]] bool output_full() const noexcept {
        return m_output.size() - m_output_sent > m_options.output_high_watermark;
    }
    /// The reply writer (also for pushing out-of-band data such as pub/sub messages).
    [[nodiscard]] reply_writer& reply() noexcept { return m_reply; }

    // --- lifecycle ---

    /// Closes once pending output is sent (QUIT, protocol errors).
    void close_after_reply() noexcept { m_closing = true; }
    /// Closes at once, dropping pending output (output limit exceeded, CLIENT KILL).
    void close_now() noexcept {
        m_closing = true;
        m_output.clear();
        m_output_sent = 0;
    }
    /// True when the transport should close the connection after sending pending_output().
    [[nodiscard]] bool closing() const noexcept { return m_closing; }

    // --- connection state (HELLO, SELECT, CLIENT ...) ---

    /// The protocol replies are written in.
    [[nodiscard]] resp::protocol protocol() const noexcept { return m_reply.protocol(); }
    /// Switches protocol (HELLO).
    void set_protocol(resp::protocol p) noexcept { m_reply.set_protocol(p); }
    /// The selected database.
    [[nodiscard]] std::size_t db() const noexcept { return m_db; }
    /// Selects a database (SELECT).
    void select(std::size_t db) noexcept { m_db = db; }
    /// CLIENT ID.
    [[nodiscard]] std::uint64_t id() const noexcept { return m_id; }
    /// CLIENT SETNAME / GETNAME.
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }
    /// Sets the client name.
    void set_name(std::string name) { m_name = std::move(name); }
    /// CLIENT SETINFO lib-name / lib-ver.
    std::string lib_name, lib_version;
    /// Peer and local addresses ("127.0.0.1:5000"), set by the transport for CLIENT LIST.
    std::string peer_address, local_address;
    /// The transport's file descriptor, for CLIENT LIST (-1 when none).
    int fd = -1;
    /// When the session was created.
    [[nodiscard]] std::chrono::steady_clock::time_point created() const noexcept { return m_created; }
    /// When the last command ran.
    [[nodiscard]] std::chrono::steady_clock::time_point last_command_at() const noexcept { return m_last_command_at; }
    /// The name of the last command run (lower case not guaranteed).
    [[nodiscard]] const std::string& last_command() const noexcept { return m_last_command; }
    /// Bytes of input buffered but not yet run.
    [[nodiscard]] std::size_t input_size() const noexcept { return m_input.size(); }
    /// Bytes of memory held by the input buffer.
    [[nodiscard]] std::size_t input_capacity() const noexcept { return m_input.capacity(); }
    /// Bytes of output queued.
    [[nodiscard]] std::size_t output_size() const noexcept { return m_output.size() - m_output_sent; }
    /// The server context.
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    /// The dispatcher.
    [[nodiscard]] const dispatcher& commands() const noexcept { return *m_dispatcher; }

    /// Forgets per-connection state, as RESET does: RESP2, db 0, no name.
    void reset_state() {
        set_protocol(resp::protocol::resp2);
        m_db = 0;
        m_name.clear();
    }

private:
    void protocol_error() {
        const std::string message = m_parser.error_message();
        m_server->count_error(message);
        ++m_server->stats().unexpected_error_replies;
        m_reply.simple_error(message);
        close_after_reply();
    }

    const dispatcher* m_dispatcher;
    server_context* m_server;
    session_options m_options;
    resp::request_parser m_parser;
    resp::input_buffer m_input{0}; // allocated on the first read: idle clients cost little
    std::string m_output;
    std::size_t m_output_sent = 0;
    reply_writer m_reply;
    std::uint64_t m_id;
    std::size_t m_db = 0;
    std::string m_name;
    std::string m_last_command;
    std::chrono::steady_clock::time_point m_created = m_server->now();
    std::chrono::steady_clock::time_point m_last_command_at = m_created;
    bool m_closing = false;
};

} // namespace respkit::server

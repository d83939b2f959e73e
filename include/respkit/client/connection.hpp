#pragma once

/// \file
/// A blocking client connection over TCP or a Unix socket: handshake (HELLO 3 with RESP2
/// fallback, AUTH, SELECT), commands, pipelines, MULTI/EXEC with WATCH, timeouts, and
/// reconnection that never replays a command whose outcome is unknown. Not thread-safe: use
/// one connection per thread, or a connection_pool.

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/client/commands.hpp"
#include "respkit/client/pipeline.hpp"
#include "respkit/client/reply.hpp"
#include "respkit/client/result.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/secure_stream.hpp"
#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// How to reach and greet the server.
struct options {
    std::string host = "127.0.0.1";  ///< TCP host name or address
    std::uint16_t port = 6379;       ///< TCP port
    std::string unix_path;           ///< when set, connect to this Unix socket instead of TCP
    std::chrono::milliseconds connect_timeout{2000}; ///< connect plus handshake
    std::chrono::milliseconds read_timeout{5000};    ///< longest wait for reply bytes (0: none)
    std::chrono::milliseconds write_timeout{5000};   ///< longest wait to send bytes (0: none)
    int protocol = 3;                ///< 3: try HELLO 3 and fall back to RESP2; 2: no HELLO
    std::string username;            ///< AUTH user (empty: "default" / AUTH password only)
    std::string password;            ///< AUTH password (empty: no AUTH)
    int database = 0;                ///< SELECT this database when not 0
    std::string client_name;         ///< CLIENT SETNAME when not empty
    bool auto_reconnect = true;      ///< reconnect before a command when the link is down
    /// Before a command on a link idle at least this long, check that the server has not
    /// closed it (one non-blocking recv), so that it is replaced without losing anything.
    /// Back-to-back commands skip the check; a close that races them fails visibly.
    std::chrono::milliseconds liveness_check_after{10};
    /// TLS: makes the secure stream over each new link (tls::connector from respkit/tls.hpp,
    /// which checks the server's certificate against `host` or its own server name); null: plain.
    std::shared_ptr<const stream_connector> tls{};
};

/// One blocking connection. Commands return `result<...>`: transport failures are errors,
/// while the server's error replies are values for command() and errc::server_error for the
/// typed helpers.
class connection : public command_set<connection> {
public:
    /// A connection that connects on connect() or on its first command.
    explicit connection(options opts = {}) : m_options(std::move(opts)) {}
    connection(connection&&) noexcept = default;
    connection& operator=(connection&&) noexcept = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Connects and runs the handshake (closing any current link first).
    result<void> connect() {
        close();
        if (auto r = open_socket(); !r) return r;
        if (auto r = handshake(); !r) {
            close();
            // A link that broke during HELLO/AUTH/SELECT was never established.
            if (r.code() == errc::io_error) return make_error(errc::connect_failed, "handshake: " + r.error().message);
            return r;
        }
        m_ever_connected = true;
        return {};
    }

    /// Closes the link (a later command reconnects when auto_reconnect is on).
    void close() noexcept {
        if (m_stream) m_stream->shutdown();
        m_stream.reset(); // before its socket
        m_fd.reset();
        m_in.clear();
        m_parser.reset();
        m_builder.reset();
        m_watching = false;
        m_protocol = resp::protocol::resp2;
    }

    /// True while a link is open (the server may have closed it since; see command()).
    [[nodiscard]] bool connected() const noexcept { return static_cast<bool>(m_fd); }
    /// The protocol negotiated: resp3 after a successful HELLO 3.
    [[nodiscard]] resp::protocol protocol() const noexcept { return m_protocol; }
    /// True between watch() and exec()/unwatch().
    [[nodiscard]] bool watching() const noexcept { return m_watching; }
    /// When the last command finished (for pools).
    [[nodiscard]] std::chrono::steady_clock::time_point last_used() const noexcept { return m_last_used; }
    /// The options.
    [[nodiscard]] const options& settings() const noexcept { return m_options; }
    /// The socket (-1 when closed); for tests and poll loops.
    [[nodiscard]] int native_handle() const noexcept { return m_fd.get(); }

    /// Receives RESP3 pushes that arrive while waiting for replies (otherwise dropped).
    void on_push(std::function<void(resp::value)> handler) { m_push_handler = std::move(handler); }

    /// Sends one command and returns its reply; error replies are values (is_error()).
    template <resp::command_argument... Args>
    result<resp::value> command(const Args&... args) {
        m_out.clear();
        resp::write_command(m_out, args...);
        return single(m_out);
    }
    /// Sends one command given as a range of arguments (e.g. std::vector<std::string>).
    template <std::ranges::sized_range Range>
    result<resp::value> command_range(const Range& args) {
        m_out.clear();
        resp::write_command_range(m_out, args);
        return single(m_out);
    }

    /// Runs a command and decodes its reply (used by the typed helpers).
    template <class Decoder, resp::command_argument... Args>
    result<typename Decoder::type> run(const Args&... args) {
        auto r = command(args...);
        if (!r) return r.error();
        return Decoder::decode(*r);
    }
    /// Runs a command given as a range and decodes its reply.
    template <class Decoder, std::ranges::sized_range Range>
    result<typename Decoder::type> run_range(const Range& args) {
        auto r = command_range(args);
        if (!r) return r.error();
        return Decoder::decode(*r);
    }

    /// Sends every queued command in one write and reads the replies in order.
    result<replies> execute(const pipeline& p) {
        if (p.empty()) return replies{};
        std::vector<resp::value> out;
        if (auto r = round_trip(p.buffer(), p.size(), out); !r) return r.error();
        return replies(std::move(out));
    }

    /// WATCH keys (until exec() or unwatch()). While watching, a broken link is reported as
    /// errc::watch_lost instead of being silently reconnected.
    template <resp::command_argument... Keys>
    result<void> watch(const Keys&... keys) {
        auto r = run<reply::ok>("WATCH", keys...);
        if (!r) return r.error();
        m_watching = true;
        return {};
    }
    /// WATCH over a list of keys.
    result<void> watch_range(const std::vector<std::string>& keys) {
        if (keys.empty()) return {};
        std::vector<std::string_view> args{"WATCH"};
        for (const auto& k : keys) args.push_back(k);
        auto r = run_range<reply::ok>(args);
        if (!r) return r.error();
        m_watching = true;
        return {};
    }
    /// UNWATCH.
    result<void> unwatch() {
        auto r = run<reply::ok>("UNWATCH");
        m_watching = false;
        if (!r) return r.error();
        return {};
    }

    /// Runs the queued commands as MULTI ... EXEC (one write). Returns EXEC's replies;
    /// errc::transaction_aborted when EXEC answered nil (a watched key changed);
    /// errc::server_error when a command was refused at queuing (EXECABORT).
    result<replies> exec(const pipeline& body) {
        std::string request;
        request.reserve(body.buffer().size() + 32);
        resp::write_command(request, "MULTI");
        request.append(body.buffer());
        resp::write_command(request, "EXEC");
        std::vector<resp::value> out;
        auto r = round_trip(request, body.size() + 2, out);
        m_watching = false; // EXEC (or a broken link) ends WATCH either way
        if (!r) return r.error();
        const resp::value& exec_reply = out.back();
        if (exec_reply.is_null()) return make_error(errc::transaction_aborted, "EXEC returned nil");
        if (exec_reply.is_error()) {
            std::string message(exec_reply.string());
            for (std::size_t i = 1; i + 1 < out.size(); ++i) {
                if (out[i].is_error()) {
                    message += " (command " + std::to_string(i - 1) + ": " + std::string(out[i].string()) + ")";
                    break;
                }
            }
            return make_error(errc::server_error, std::move(message));
        }
        if (out.front().is_error()) return make_error(errc::server_error, std::string(out.front().string()));
        if (exec_reply.type() != resp::type::array) return reply::detail::unexpected(exec_reply, "an array from EXEC");
        const auto elements = exec_reply.elements();
        std::vector<resp::value> results(elements.begin(), elements.end());
        return replies(std::move(results));
    }

    /// Sends bytes without reading (for subscribers); reconnects first like command().
    result<void> send(std::string_view request) {
        if (auto r = ensure_ready(); !r) return r;
        auto r = write_all(request);
        if (!r) close();
        return r;
    }
    /// Reads the next reply or push, waiting at most `timeout` (0: the read_timeout option).
    /// On errc::timeout the link stays usable (nothing was half read or it is kept buffered).
    result<resp::value> receive(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) {
        if (!m_fd) return make_error(errc::not_connected);
        resp::value v;
        if (auto r = read_value(v, timeout.count() > 0 ? timeout : m_options.read_timeout, true); !r) {
            if (r.code() != errc::timeout) close();
            return r.error();
        }
        return v;
    }

private:
    result<resp::value> single(std::string_view request) {
        std::vector<resp::value> out;
        if (auto r = round_trip(request, 1, out); !r) return r.error();
        return std::move(out.front());
    }

    // Makes sure a link is up and, after an idle spell, still open at the server's end before
    // anything is sent: a link the server closed while idle is replaced (nothing was sent on it, so nothing is
    // lost) unless keys are watched, since a new link would silently drop the WATCH.
    result<void> ensure_ready() {
        if (m_fd && std::chrono::steady_clock::now() - m_last_used >= m_options.liveness_check_after && peer_closed()) {
            const bool was_watching = m_watching;
            close();
            if (was_watching) return make_error(errc::watch_lost, "the server closed the connection while keys were watched");
            if (!m_options.auto_reconnect) return make_error(errc::connection_closed, "the server closed the connection");
        }
        if (m_fd) return {};
        if (m_ever_connected && !m_options.auto_reconnect) return make_error(errc::not_connected);
        return connect();
    }

    // True when the server has closed the link (EOF or a socket error is pending). Bytes that
    // arrived unasked (RESP3 pushes) are kept for the next read.
    bool peer_closed() {
        if (m_stream) return secure_peer_closed();
        auto space = m_in.prepare(4096);
        const ssize_t n = ::recv(m_fd.get(), space.data(), space.size(), MSG_DONTWAIT); // one syscall
        if (n > 0) {
            m_in.commit(static_cast<std::size_t>(n));
            return false;
        }
        if (n == 0) return true;
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }

    // peer_closed() over TLS: a read that must not block, though the socket does (what is
    // readable may be a TLS message without data, such as a session ticket).
    bool secure_peer_closed() {
        if (m_stream->pending() > 0) return false;
        pollfd p{m_fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
        const int flags = ::fcntl(m_fd.get(), F_GETFL, 0);
        ::fcntl(m_fd.get(), F_SETFL, flags | O_NONBLOCK);
        auto space = m_in.prepare(4096);
        const ssize_t n = m_stream->read(space);
        const int error = errno;
        ::fcntl(m_fd.get(), F_SETFL, flags);
        if (n > 0) {
            m_in.commit(static_cast<std::size_t>(n));
            return false;
        }
        if (n == 0) return true;
        return error != EAGAIN && error != EWOULDBLOCK && error != EINTR;
    }

    // Sends `request` and reads `count` replies. Once any byte has been sent, a failure
    // means the outcome is unknown: the link is closed (the next command reconnects) and the
    // command is not replayed.
    result<void> round_trip(std::string_view request, std::size_t count, std::vector<resp::value>& out) {
        if (auto r = ensure_ready(); !r) return r;
        std::size_t sent = 0;
        if (auto r = write_all(request, &sent); !r) {
            const bool was_watching = m_watching;
            close();
            if (sent == 0 && r.code() != errc::timeout) {
                return make_error(errc::connection_closed, "nothing was sent: " + r.error().message);
            }
            return make_error(was_watching ? errc::watch_lost : errc::outcome_unknown,
                              "write failed after sending part of the request: " + r.error().what());
        }
        out.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
            if (auto r = read_value(out[i], m_options.read_timeout, false); !r) {
                close();
                return make_error(errc::outcome_unknown,
                                  r.error().what() + " (after sending; reply " + std::to_string(i + 1) + " of " +
                                      std::to_string(count) + " missing)");
            }
        }
        m_last_used = std::chrono::steady_clock::now();
        return {};
    }

    static int poll_ms(std::chrono::milliseconds t) { return t.count() > 0 ? static_cast<int>(t.count()) : -1; }

    result<void> write_all(std::string_view bytes, std::size_t* sent_out = nullptr) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const std::string_view rest = bytes.substr(sent);
            const ssize_t n = m_stream ? m_stream->write(rest) : ::send(m_fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { // SO_SNDTIMEO expired
                if (sent_out) *sent_out = sent;
                return make_error(errc::timeout, "write timed out");
            }
            break;
        }
        if (sent_out) *sent_out = sent;
        if (sent == bytes.size()) return {};
        if (m_stream) return make_error(errc::io_error, "TLS: " + m_stream->last_error());
        return make_error(errc::io_error, std::string("send: ") + std::strerror(errno));
    }

    // Reads one value. RESP3 pushes go to the push handler unless `want_pushes`.
    result<void> read_value(resp::value& out, std::chrono::milliseconds timeout, bool want_pushes) {
        for (;;) {
            if (!m_in.empty()) {
                const auto r = m_parser.parse(m_in.data(), m_builder);
                if (r.status == resp::parse_status::complete) {
                    m_in.consume(r.consumed);
                    out = m_builder.take();
                    if (out.type() == resp::type::push && !want_pushes) {
                        if (m_push_handler) m_push_handler(std::move(out));
                        continue;
                    }
                    return {};
                }
                if (r.status == resp::parse_status::error) {
                    return make_error(errc::protocol_error, m_parser.error().message() + " at byte " +
                                                                std::to_string(m_parser.error_offset()));
                }
            }
            // With the socket's own timeout (SO_RCVTIMEO), one blocking recv waits and reads;
            // another timeout needs a poll first.
            if (timeout != m_options.read_timeout && !(m_stream && m_stream->pending() > 0)) {
                pollfd p{m_fd.get(), POLLIN, 0};
                const int ready = ::poll(&p, 1, poll_ms(timeout));
                if (ready == 0) return make_error(errc::timeout, "read timed out");
                if (ready < 0) {
                    if (errno == EINTR) continue;
                    return make_error(errc::io_error, std::string("poll: ") + std::strerror(errno));
                }
            }
            auto space = m_in.prepare(16 * 1024);
            const ssize_t n = m_stream ? m_stream->read(space) : ::recv(m_fd.get(), space.data(), space.size(), 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return make_error(errc::timeout, "read timed out");
            if (n > 0) {
                m_in.commit(static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0) return make_error(errc::connection_closed, "the server closed the connection");
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            if (m_stream) return make_error(errc::io_error, "TLS: " + m_stream->last_error());
            return make_error(errc::io_error, std::string("recv: ") + std::strerror(errno));
        }
    }

    // Non-blocking connect with the connect timeout.
    result<void> connect_fd(int fd, const sockaddr* addr, socklen_t len) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (::connect(fd, addr, len) == 0) return blocking_with_timeouts(fd);
        if (errno != EINPROGRESS && errno != EAGAIN) return make_error(errc::connect_failed, std::strerror(errno));
        pollfd p{fd, POLLOUT, 0};
        int ready = 0;
        do {
            ready = ::poll(&p, 1, poll_ms(m_options.connect_timeout));
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) return make_error(errc::timeout, "connect timed out");
        int err = 0;
        socklen_t err_len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
        if (ready < 0 || err != 0) return make_error(errc::connect_failed, std::strerror(ready < 0 ? errno : err));
        return blocking_with_timeouts(fd);
    }

    // Connected: blocking I/O with the read and write timeouts set on the socket, so that a
    // command costs one send and one recv, as with hiredis.
    result<void> blocking_with_timeouts(int fd) const {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
        const auto set_timeout = [fd](int option, std::chrono::milliseconds t) {
            timeval tv{};
            tv.tv_sec = static_cast<time_t>(t.count() / 1000);
            tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
            return ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) == 0;
        };
        if (!set_timeout(SO_RCVTIMEO, m_options.read_timeout) || !set_timeout(SO_SNDTIMEO, m_options.write_timeout)) {
            return make_error(errc::io_error, std::string("setsockopt: ") + std::strerror(errno));
        }
        return {};
    }

    result<void> open_socket() {
        if (!m_options.unix_path.empty()) {
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            if (m_options.unix_path.size() >= sizeof addr.sun_path) {
                return make_error(errc::connect_failed, "Unix socket path too long");
            }
            std::memcpy(addr.sun_path, m_options.unix_path.c_str(), m_options.unix_path.size() + 1);
            unique_fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
            if (!fd) return make_error(errc::io_error, std::strerror(errno));
            if (auto r = connect_fd(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr); !r) {
                return make_error(r.code() == errc::timeout ? errc::timeout : errc::connect_failed,
                                  m_options.unix_path + ": " + r.error().message);
            }
            m_fd = std::move(fd);
            return {};
        }
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        const std::string port = std::to_string(m_options.port);
        if (const int rc = ::getaddrinfo(m_options.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
            return make_error(errc::resolve_failed, m_options.host + ": " + ::gai_strerror(rc));
        }
        result<void> last = make_error(errc::connect_failed, "no address");
        for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
            unique_fd fd(::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol));
            if (!fd) continue;
            last = connect_fd(fd.get(), ai->ai_addr, ai->ai_addrlen);
            if (last) {
                const int one = 1;
                ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                m_fd = std::move(fd);
                break;
            }
        }
        ::freeaddrinfo(list);
        if (!last) {
            return make_error(last.code() == errc::timeout ? errc::timeout : errc::connect_failed,
                              m_options.host + ":" + port + ": " + last.error().message);
        }
        if (m_options.tls) {
            std::string why;
            m_stream = m_options.tls->connect(m_fd.get(), m_options.host, why);
            if (!m_stream) {
                m_fd.reset();
                return make_error(errc::connect_failed, m_options.host + ":" + port + ": TLS handshake: " + why);
            }
        }
        return {};
    }

    // One handshake command, sent on the fresh link (no reconnect logic).
    result<resp::value> handshake_command(const std::vector<std::string>& args) {
        std::string request;
        resp::write_command_range(request, args);
        if (auto r = write_all(request); !r) return r.error();
        resp::value v;
        if (auto r = read_value(v, m_options.connect_timeout, false); !r) return r.error();
        return v;
    }

    result<void> handshake() {
        auto refused = [](const char* what, const resp::value& v) {
            return make_error(errc::handshake_failed, std::string(what) + ": " + std::string(v.string()));
        };
        bool authenticated = false;
        bool named = false;
        if (m_options.protocol == 3) {
            std::vector<std::string> hello{"HELLO", "3"};
            if (!m_options.password.empty()) {
                hello.insert(hello.end(), {"AUTH", m_options.username.empty() ? "default" : m_options.username,
                                           m_options.password});
            }
            if (!m_options.client_name.empty()) hello.insert(hello.end(), {"SETNAME", m_options.client_name});
            auto r = handshake_command(hello);
            if (!r) return r.error();
            if (!r->is_error()) {
                m_protocol = resp::protocol::resp3;
                authenticated = named = true;
            } else if (r->string().starts_with("WRONGPASS")) {
                return refused("HELLO", *r);
            }
            // Any other error (NOPROTO, unknown command, ...): stay on RESP2.
        }
        if (!authenticated && !m_options.password.empty()) {
            std::vector<std::string> auth{"AUTH"};
            if (!m_options.username.empty()) auth.push_back(m_options.username);
            auth.push_back(m_options.password);
            auto r = handshake_command(auth);
            if (!r) return r.error();
            if (r->is_error()) return refused("AUTH", *r);
        }
        if (!named && !m_options.client_name.empty()) {
            auto r = handshake_command({"CLIENT", "SETNAME", m_options.client_name});
            if (!r) return r.error();
            if (r->is_error()) return refused("CLIENT SETNAME", *r);
        }
        if (m_options.database != 0) {
            auto r = handshake_command({"SELECT", std::to_string(m_options.database)});
            if (!r) return r.error();
            if (r->is_error()) return refused("SELECT", *r);
        }
        m_last_used = std::chrono::steady_clock::now();
        return {};
    }

    options m_options;
    unique_fd m_fd;
    std::unique_ptr<secure_stream> m_stream; // after m_fd: destroyed before its socket closes
    resp::input_buffer m_in;
    resp::parser m_parser;
    resp::value_builder m_builder;
    std::string m_out;
    std::function<void(resp::value)> m_push_handler;
    resp::protocol m_protocol = resp::protocol::resp2;
    bool m_watching = false;
    bool m_ever_connected = false;
    std::chrono::steady_clock::time_point m_last_used = std::chrono::steady_clock::now();
};

/// Runs `body` under WATCH `keys` and executes what it queued as MULTI/EXEC, retrying up to
/// `max_attempts` times when EXEC aborts because a watched key changed.
///
/// `body(connection&, pipeline&)` reads what it needs through the connection (the keys are
/// watched) and queues the writes on the pipeline; it returns result<void>, and an error
/// ends the attempt (UNWATCH is sent) and is returned.
template <class Body>
result<replies> transact(connection& conn, const std::vector<std::string>& keys, Body&& body, int max_attempts = 5) {
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        if (auto w = conn.watch_range(keys); !w) return w.error();
        pipeline tx;
        result<void> prepared = body(conn, tx);
        if (!prepared) {
            (void)conn.unwatch();
            return prepared.error();
        }
        auto r = conn.exec(tx);
        if (r || r.code() != errc::transaction_aborted) return r;
    }
    return make_error(errc::transaction_aborted,
                      "a watched key changed on each of " + std::to_string(max_attempts) + " attempts");
}

} // namespace respkit::client

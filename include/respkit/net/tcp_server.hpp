#pragma once

/// \file
/// A single-threaded, non-blocking TCP (and Unix domain socket) server that serves sessions of
/// a dispatcher: one event loop (epoll on Linux, poll() elsewhere), back-pressure, fairness
/// between clients, periodic timers, and a graceful stop from another thread or a signal.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "respkit/net/poller.hpp"
#include "respkit/net/socket.hpp"
#include "respkit/net/stop_signals.hpp"
#include "respkit/net/timer_list.hpp"
#include "respkit/net/wakeup.hpp"
#include "respkit/secure_stream.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

/// How a tcp_server listens and treats its clients.
struct tcp_server_options {
    /// Addresses (or names) to listen on, separated by spaces, as Redis's `bind`: "*" is every
    /// IPv4 address, "::*" every IPv6 one, a leading '-' makes an address optional (skipped
    /// when this host does not have it); "": no TCP listener.
    std::string bind_address = "127.0.0.1";
    std::uint16_t port = 6379;              ///< 0: the kernel picks a free one (see port())
    bool plain_tcp = true;                  ///< false: no plain TCP listener (only TLS, the Unix socket)
    /// Makes the TLS connections of the TLS listeners (tls::acceptor from respkit/tls.hpp);
    /// null: no TLS listener.
    std::shared_ptr<const stream_acceptor> tls{};
    /// The TLS port, on the same addresses as `port` (0: the kernel picks one, see tls_port()).
    std::uint16_t tls_port = 0;
    std::string unix_socket{};              ///< also listen on this Unix domain socket ("": none)
    unsigned unix_socket_permissions = 0;   ///< its permissions, e.g. 0700 (0: as the umask makes them)
    int backlog = 511;                      ///< listen() backlog, as Redis's tcp-backlog
    /// socket-mark-id: the SO_MARK of the TCP and TLS listening sockets (0: none). Setting it
    /// needs CAP_NET_ADMIN; without it the listener stays unmarked, as Redis ignores the error.
    std::uint32_t socket_mark = 0;
    std::size_t max_clients = 10000;        ///< more are refused with Redis's error (maxclients)
    server::session_options session{};      ///< limits and watermarks of each session
    std::chrono::milliseconds idle_timeout{0};        ///< close clients idle this long (0: never)
    int tcp_keepalive = 0;                  ///< seconds idle before keepalive probes (0: off), as tcp-keepalive
    /// Close a client whose unprocessed input exceeds this many bytes (0: no limit), as Redis's
    /// client-query-buffer-limit.
    std::size_t max_query_buffer = 0;
    /// Decides on each new connection (`local`: from a loopback address or the Unix socket):
    /// "" admits it; otherwise that error (without '-') is sent and it is closed, as Redis's
    /// protected mode does. Empty: every connection is admitted.
    std::function<std::string(const server::session& client, bool local)> admit{};
    std::chrono::milliseconds shutdown_timeout{1000}; ///< time to flush replies when stopping
    std::size_t read_size = 16 * 1024;      ///< bytes asked per read (at least)
    /// While requests keep coming, check for more for up to this long before sleeping
    /// (adaptive; 0: never). Spends server CPU to spare clients the cost of waking it.
    std::chrono::microseconds busy_poll{50};
    /// One line per notable event; when empty, lines go to the server context's log sink with
    /// their level (connections opened and closed at `verbose`).
    std::function<void(std::string_view)> log{};
    bool log_connections = false;           ///< with `log`: also log each connection opened and closed
    /// Called before replies are sent (at most once per flush of a connection, so before any
    /// reply of a turn leaves): the append-only file writes and fsyncs the commands those
    /// replies acknowledge (appendfsync always). Empty: nothing to do.
    std::function<void()> before_reply{};
};

/// Serves the sessions of `commands` over TCP and a Unix socket in `context`, on one thread: the one calling
/// run(). Only stop() may be called from other threads (or signal handlers); everything else,
/// timers' callbacks included, runs on the loop's thread. The dispatcher and context must
/// outlive the server.
class tcp_server {
public:
    /// A server for `commands` in `context`; nothing is opened before listen().
    tcp_server(const server::dispatcher& commands, server::server_context& context, tcp_server_options options = {})
        : m_commands(&commands), m_context(&context), m_options(std::move(options)) {
        if (m_options.read_size == 0) m_options.read_size = 16 * 1024;
        m_poller.busy_poll(m_options.busy_poll);
    }
    tcp_server(const tcp_server&) = delete;
    tcp_server& operator=(const tcp_server&) = delete;
    ~tcp_server() { close_all(); }

    /// Binds and listens on every address and the Unix socket; afterwards port() is the real
    /// port. Fails when one cannot be listened on (an optional address aside) or when there is
    /// nothing to listen on. Idempotent once it succeeded.
    [[nodiscard]] std::error_code listen() {
        if (m_listening) return {};
        if (auto error = m_poller.open()) return error;
        if (auto error = m_wakeup.open()) return error;
        std::vector<listener> opened;
        if (m_options.plain_tcp) {
            if (auto error = listen_addresses(m_options.port, false, opened)) return error;
        }
        if (m_options.tls) {
            if (auto error = listen_addresses(m_options.tls_port, true, opened)) return error;
        }
        if (!m_options.unix_socket.empty()) {
            listener l;
            if (auto error = listen_unix(m_options.unix_socket, m_options.unix_socket_permissions, m_options.backlog, l.fd)) {
                log(server::log_level::warning, "Failed opening Unix socket: " + error.message());
                return error;
            }
            l.address = m_options.unix_socket + ":0"; // as Redis shows Unix socket clients
            l.unix_socket = true;
            opened.push_back(std::move(l));
        }
        if (opened.empty()) return std::make_error_code(std::errc::destination_address_required);
        for (const listener& l : opened) {
            if (auto error = m_poller.add(l.fd.get(), readable)) return error;
            log(server::log_level::notice, "listening on " + l.address);
        }
        if (auto error = m_poller.add(m_wakeup.fd(), readable)) return error;
        m_listeners = std::move(opened);
        m_listening = true;
        return {};
    }

    /// In a forked child: closes the child's copies of the listening sockets, so that a child
    /// outliving its parent holds no port (a client would connect to it and be reset). The
    /// parent keeps listening; nothing shared with it (the poller, the Unix socket's path) is
    /// touched.
    void close_listeners_in_child() noexcept {
        for (listener& l : m_listeners) {
            if (l.fd) (void)::close(l.fd.release());
        }
    }

    /// The TCP port listened on (0 before listen(), or without a TCP listener).
    [[nodiscard]] std::uint16_t port() const noexcept { return m_port; }
    /// The TLS port listened on (0 before listen(), or without a TLS listener).
    [[nodiscard]] std::uint16_t tls_port() const noexcept { return m_tls_port; }
    /// Every address listened on ("127.0.0.1:6379", "[::1]:6379", "/tmp/redis.sock:0").
    [[nodiscard]] std::vector<std::string> addresses() const {
        std::vector<std::string> out;
        for (const listener& l : m_listeners) out.push_back(l.address);
        return out;
    }

    /// Changes maxclients for the connections accepted from now on (on the loop's thread).
    void set_max_clients(std::size_t n) noexcept { m_options.max_clients = n; }
    /// Changes the idle timeout (0: none), checked every 100 ms (on the loop's thread).
    void set_idle_timeout(std::chrono::milliseconds t) noexcept { m_options.idle_timeout = t; }
    /// Changes tcp-keepalive for connections accepted from now on (on the loop's thread).
    void set_tcp_keepalive(int seconds) noexcept { m_options.tcp_keepalive = seconds; }
    /// With `on`, every reply of a turn waits for its end, pipelined batches included, so that
    /// before_reply runs once per turn (the append-only file: one write and fsync per turn, as
    /// Redis's beforeSleep); off, a pipelined batch goes out as soon as it ran.
    void set_hold_replies(bool on) noexcept { m_hold_replies = on; }
    /// Changes the query buffer limit (0: none) for every connection (on the loop's thread).
    void set_max_query_buffer(std::size_t bytes) noexcept { m_options.max_query_buffer = bytes; }
    /// The options.
    [[nodiscard]] const tcp_server_options& options() const noexcept { return m_options; }
    /// Connections open now (read it on the loop's thread, or after run() returned).
    [[nodiscard]] std::size_t connection_count() const noexcept { return m_count; }

    /// Serves until stop(), a stop signal (with handle_signals) or a SHUTDOWN request in the
    /// context; then stops accepting, flushes pending replies for up to shutdown_timeout, and
    /// closes every connection. Calls listen() first if needed (and returns if it fails).
    void run() {
        if (auto error = listen()) {
            log(server::log_level::warning, "cannot listen on " + m_options.bind_address + ':' +
                                                std::to_string(m_options.port) + ": " + error.message());
            return;
        }
        std::optional<stop_signals> signals;
        if (m_handle_signals) signals.emplace(m_wakeup);
        m_now = clock::now();
        m_next_cron = m_now + cron_period;
        while (!stop_requested()) turn();
        if (stop_signals::received() != 0 && signals) {
            log(server::log_level::warning, std::string("received ") +
                                                (stop_signals::received() == SIGINT ? "SIGINT" : "SIGTERM") +
                                                ", stopping");
        }
        shut_down();
    }

    /// Asks run() to return (gracefully). Thread-safe and async-signal-safe; may come before run().
    void stop() noexcept {
        m_stop.store(true, std::memory_order_relaxed);
        m_wakeup.notify();
    }

    /// With `on`, run() turns SIGINT and SIGTERM into stop() while it runs, restoring the
    /// previous handlers when it returns. Call before run().
    void handle_signals(bool on = true) noexcept { m_handle_signals = on; }

    /// Runs `callback` on the loop every `period` (e.g. a keyspace's active expiry at 100 ms).
    timer_id every(std::chrono::milliseconds period, std::function<void()> callback) {
        return m_timers.add(period, std::move(callback), clock::now());
    }
    /// Cancels a timer from every(); false when there was none.
    bool cancel(timer_id id) noexcept { return m_timers.cancel(id); }

    /// Watches a descriptor of the caller's (the cluster bus's sockets) on the loop, after
    /// listen(): `handler` runs on the loop with the `readiness` bits when it is ready for
    /// `events` (readable | writable; errors and hang-ups are always reported). Watching it
    /// again changes the events and the handler.
    [[nodiscard]] std::error_code watch(int fd, std::uint32_t events, std::function<void(std::uint32_t ready)> handler) {
        const bool known = m_watched.count(fd) != 0;
        m_watched[fd] = std::move(handler);
        return known ? m_poller.modify(fd, events) : m_poller.add(fd, events);
    }
    /// Stops watching a descriptor from watch() (before the caller closes it).
    void unwatch(int fd) noexcept {
        if (m_watched.erase(fd) != 0) m_poller.remove(fd);
    }

    /// Serves what is ready now without waiting: one turn of the loop, for a long task on the
    /// loop's thread (loading a dataset) to keep answering clients (with -LOADING) meanwhile.
    void serve_ready() {
        m_now = clock::now();
        if (m_next_cron == clock::time_point{}) m_next_cron = m_now + cron_period;
        turn(false);
    }

    /// The busy pass, for a long command (a script past busy-reply-threshold) to serve the other
    /// clients from inside its run: reads what the other connections sent (never `caller`'s),
    /// runs their complete commands (the dispatcher's busy check answers most with -BUSY) and
    /// writes their replies, without waiting; new connections are accepted. Nothing else of the
    /// loop runs: no connection is closed (one that hung up is closed after the command), no
    /// timer fires. Not re-entrant: a call from inside a pass does nothing (docs/scripting.md).
    void serve_busy(const server::session& caller) {
        if (m_in_busy_pass || m_draining) return;
        m_in_busy_pass = true;
        const std::uint64_t error_mark = m_context->error_mark; // the long command's own
        m_busy_fds.clear();
        // New connections are accepted (as Redis does while busy), served from the next pass.
        for (const listener& l : m_listeners) {
            if (l.fd && !m_accept_paused) m_busy_fds.push_back({l.fd.get(), POLLIN, 0});
        }
        for (const auto& slot : m_connections) {
            if (!slot || &slot->session == &caller || slot->peer_gone || slot->session.closing()) continue;
            m_busy_fds.push_back({slot->fd, POLLIN, 0});
        }
        // Its own poll(): the poller's event list is the one the loop's turn is walking.
        if (!m_busy_fds.empty() && ::poll(m_busy_fds.data(), static_cast<nfds_t>(m_busy_fds.size()), 0) > 0) {
            m_now = clock::now();
            for (const pollfd& p : m_busy_fds) {
                if (p.revents == 0) continue;
                if (const listener* l = find_listener(p.fd)) {
                    accept_clients(*l);
                    continue;
                }
                connection* c = find(p.fd);
                if (c != nullptr) serve_busy_connection(*c);
            }
        }
        // Replies go out: those of this pass, and those the turn deferred to its end (a client
        // answered just before the long command began would otherwise wait for its end). As
        // before any reply leaves, the append-only file first.
        bool flushed = false;
        for (const auto& slot : m_connections) {
            if (!slot || &slot->session == &caller || slot->peer_gone || slot->session.pending_output().empty())
                continue;
            if (!flushed && m_options.before_reply) m_options.before_reply();
            flushed = true;
            write_busy_output(*slot);
        }
        m_context->error_mark = error_mark;
        m_in_busy_pass = false;
    }

    /// Looks at a session written to or closed from outside its own commands (a pub/sub
    /// message, CLIENT KILL): sends its output or closes it now. On the loop's thread. Without
    /// this call the periodic sweep (every 100 ms) notices it.
    void touch(server::session& s) {
        if (connection* c = find(s.fd); c != nullptr && &c->session == &s) advance(*c);
    }

private:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds cron_period{100};
    static constexpr int max_accepts_per_turn = 1000;

    struct connection {
        connection(const server::dispatcher& d, server::server_context& ctx, const server::session_options& o)
            : session(d, ctx, o) {}
        server::session session;
        std::unique_ptr<secure_stream> stream; // TLS; null: the socket is read and written directly
        clock::time_point last_activity{};
        int fd = -1;
        std::uint32_t interest = 0; // what the poller watches for
        bool yielded = false;       // input waits for the next turn (fairness or drained output)
        bool blocked = false;       // the socket took less than offered: wait until writable
        bool finish_queued = false; // in m_to_finish: its replies go out at the end of the turn
        bool held = false;          // stopped by the output watermark with input left
        bool yield = false;         // stopped by the command budget with input left
        bool peer_gone = false;     // the busy pass saw the end of its input: closed after it
        bool read_waits_writable = false;  // TLS: the last read waits for the socket to be writable
        bool write_waits_readable = false; // TLS: the last write waits for the socket to be readable
    };
    struct ready_entry {
        int fd;
        std::uint64_t id; // session id: the descriptor may have been reused meanwhile
    };

    [[nodiscard]] bool stop_requested() const noexcept {
        return m_stop.load(std::memory_order_relaxed) || m_context->shutdown_requested() ||
               (m_handle_signals && stop_signals::received() != 0);
    }

    struct listener {
        unique_fd fd;
        std::string address; // as clients' local address shows it
        bool wildcard = false;
        bool unix_socket = false;
        bool tls = false;
    };

    // Connection lines are `verbose`; with an options.log function they go there only when
    // log_connections asks for them.
    void log(server::log_level level, std::string_view line) const {
        if (m_options.log) {
            if (level != server::log_level::verbose || m_options.log_connections) m_options.log(line);
            return;
        }
        m_context->log(level, line);
    }
    [[nodiscard]] bool logs_connections() const noexcept {
        return m_options.log ? m_options.log_connections : true;
    }
    // One listener per address of bind_address on `port` (0: the kernel picks one, then every
    // address gets the first one's).
    [[nodiscard]] std::error_code listen_addresses(std::uint16_t port, bool tls, std::vector<listener>& opened) {
        for (std::string_view rest = m_options.bind_address; !rest.empty();) {
            const std::size_t space = rest.find(' ');
            std::string address(rest.substr(0, space));
            rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
            if (address.empty()) continue;
            const bool optional = address.front() == '-';
            if (optional) address.erase(0, 1);
            listener l;
            if (auto error = listen_tcp(address, port, m_options.backlog, l.fd)) {
                log(server::log_level::warning, "Warning: Could not create server " + std::string(tls ? "TLS" : "TCP") +
                                                    " listening socket " + address + ":" + std::to_string(port) + ": " +
                                                    error.message());
                // As Redis: an optional address this host lacks, or a family it lacks, is skipped.
                const bool missing = error == std::errc::address_not_available ||
                                     error == std::errc::address_family_not_supported ||
                                     error == std::errc::protocol_not_supported;
                if ((missing && optional) || error == std::errc::address_family_not_supported) continue;
                return error;
            }
            if (m_options.socket_mark != 0) (void)set_socket_mark(l.fd.get(), m_options.socket_mark);
            l.address = local_address_of(l.fd.get());
            port = local_port_of(l.fd.get());
            std::uint16_t& first = tls ? m_tls_port : m_port;
            if (first == 0) first = port;
            const std::string_view host(l.address);
            l.wildcard = host.starts_with("0.0.0.0:") || host.starts_with("[::]:");
            l.tls = tls;
            opened.push_back(std::move(l));
        }
        return {};
    }

    [[nodiscard]] const listener* find_listener(int fd) const noexcept {
        for (const listener& l : m_listeners) {
            if (l.fd.get() == fd) return &l;
        }
        return nullptr;
    }
    void watch_listeners(std::uint32_t events) {
        for (const listener& l : m_listeners) (void)m_poller.modify(l.fd.get(), events);
    }

    [[nodiscard]] connection* find(int fd) const noexcept {
        return fd >= 0 && static_cast<std::size_t>(fd) < m_connections.size()
                   ? m_connections[static_cast<std::size_t>(fd)].get()
                   : nullptr;
    }

    // One connection in the busy pass: read, run the complete commands. Nothing here closes
    // the connection or touches the loop's lists.
    void serve_busy_connection(connection& c) {
        server::session& s = c.session;
        if (s.closing() || s.blocked() || s.held() || s.output_full() || s.input_paused()) return;
        std::span<char> space = s.input_space(m_options.read_size);
        if (space.size() > m_options.read_size) space = space.first(m_options.read_size);
        ssize_t n = 0;
        if (!c.stream) {
            n = ::recv(c.fd, space.data(), space.size(), MSG_DONTWAIT);
            if (n > 0) s.commit_input(static_cast<std::size_t>(n));
        } else {
            n = read_secure(c, space);
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            c.peer_gone = true; // the loop reads the end (or the error) again after the command
            return;
        }
        if (n > 0) c.last_activity = m_now;
        if (m_options.max_query_buffer != 0 && s.input_size() > m_options.max_query_buffer) {
            log(server::log_level::warning, "Closing client that reached max query buffer length: id=" +
                                                std::to_string(s.id()) + " addr=" + s.peer_address +
                                                " qbuf=" + std::to_string(s.input_size()));
            s.close_now(); // marked: the loop closes it after the command
            return;
        }
        while (!s.closing() && !s.output_full() && s.has_pending_input()) {
            if (s.process() == 0) break;
        }
        if (s.closing()) m_context->notify(&s); // the loop closes it after the command
    }

    // Writes what the socket takes of a connection's replies, in the busy pass; what is left
    // (or a failure) the loop handles after the command.
    void write_busy_output(connection& c) {
        server::session& s = c.session;
        for (std::string_view out = s.pending_output(); !out.empty(); out = s.pending_output()) {
            const ssize_t sent = c.stream ? c.stream->write(out) : ::send(c.fd, out.data(), out.size(), send_flags | MSG_DONTWAIT);
            if (sent > 0) {
                s.output_sent(static_cast<std::size_t>(sent));
                c.last_activity = m_now;
                continue;
            }
            if (sent < 0 && errno == EINTR) continue;
            break; // full or failed: the loop sends the rest (or closes) after the command
        }
        // The loop watches the connection for what it now needs (its output, a close).
        if (!s.pending_output().empty() || s.closing()) m_context->notify(&s);
    }

    // One loop iteration: wait, handle ready descriptors, run yielded sessions, timers.
    void turn(bool wait = true) {
        m_ready_now.swap(m_ready);
        m_ready.clear();
        const auto& events = m_poller.wait(m_ready_now.empty() && wait ? wait_timeout() : 0);
        m_now = clock::now();
        m_context->tick(); // one clock read per turn, shared by every command in it
        // Commands run as their bytes arrive; single replies go out together at the end of the
        // turn (as Redis's beforeSleep does), so a client with many connections finds many
        // replies per wake-up instead of one (see advance()).
        m_defer_finish = true;
        for (const poll_event& ev : events) {
            if (const listener* l = find_listener(ev.fd)) {
                accept_clients(*l);
            } else if (ev.fd == m_wakeup.fd()) {
                m_wakeup.drain();
            } else if (const auto watched = m_watched.find(ev.fd); watched != m_watched.end()) {
                const auto handler = watched->second; // it may unwatch itself
                handler(ev.events);
            } else {
                on_client_event(ev.fd, ev.events);
            }
        }
        for (const ready_entry& r : m_ready_now) {
            connection* c = find(r.fd);
            if (c == nullptr || c->session.id() != r.id || !c->yielded) continue;
            c->yielded = false;
            advance(*c);
        }
        m_ready_now.clear();
        (void)server::evict_clients(*m_context); // maxmemory-clients, as Redis's beforeSleep
        serve_notified();
        m_defer_finish = false;
        for (const ready_entry& r : m_to_finish) {
            connection* c = find(r.fd);
            if (c == nullptr || c->session.id() != r.id || !c->finish_queued) continue;
            c->finish_queued = false;
            finish(*c);
        }
        m_to_finish.clear();
        if (m_now >= m_next_cron) cron();
        m_timers.run_due(m_now);
    }

    // Blocked commands whose timeout passed reply now; then every session changed from
    // outside its own turn (a pub/sub message, a served or timed-out blocked command) sends
    // its output and runs the input it held back.
    void serve_notified() {
        server::serve_blocked_sessions(*m_context); // keys made ready outside commands (timers)
        server::expire_blocked_sessions(*m_context);
        server::release_paused_sessions(*m_context); // CLIENT PAUSE ended: the held commands run
        m_context->tracking().broadcast<server::session>(); // BCAST invalidations, once per turn as Redis
        while (m_context->has_notified()) {
            for (server::session* s : m_context->take_notified()) touch(*s);
        }
    }

    [[nodiscard]] int wait_timeout() const {
        // Output made by timers (invalidations of keys active expiry removed) goes out now.
        if (m_context->has_notified() || m_context->tracking().broadcast_due()) return 0;
        clock::time_point due = m_next_cron;
        if (const auto t = m_timers.next_due(); t && *t < due) due = *t;
        if (!m_context->blocked_sessions().empty()) due = std::min(due, server::next_block_deadline(*m_context));
        // Commands held by CLIENT PAUSE run when it ends.
        if (!m_context->pause().held().empty()) due = std::min(due, m_context->pause().end());
        const auto now = clock::now();
        if (due <= now) return 0;
        // Round up: waking a little late beats spinning on a timer not yet due.
        return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(due - now).count());
    }

    void accept_clients(const listener& from) {
        for (int i = 0; i < max_accepts_per_turn; ++i) {
            sockaddr_storage peer{};
            const int fd = accept_nonblocking(from.fd.get(), peer);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    // Out of descriptors or memory: the pending connection stays queued and the
                    // listener would stay ready, so stop watching the listeners for a while.
                    log(server::log_level::warning,
                        std::string("accept: ") + std::system_category().message(errno) + ", pausing accepts");
                    watch_listeners(0);
                    m_accept_paused = true;
                    m_next_cron = std::min(m_next_cron, m_now + cron_period);
                }
                return;
            }
            if (m_count >= m_options.max_clients) {
                reject(fd, "ERR max number of clients reached", from.tls);
                continue;
            }
            prepare_socket(fd);
            if (!from.unix_socket && m_options.tcp_keepalive > 0) set_keepalive(fd, m_options.tcp_keepalive);
            auto c = std::make_unique<connection>(*m_commands, *m_context, m_options.session);
            c->fd = fd;
            c->last_activity = m_now;
            c->interest = readable;
            c->session.fd = fd;
            c->session.peer_address = from.unix_socket ? from.address : format_address(reinterpret_cast<const sockaddr*>(&peer));
            c->session.local_address = from.wildcard ? local_address_of(fd) : from.address;
            c->session.unix_socket = from.unix_socket;
            if (m_options.admit) {
                const bool local = from.unix_socket || is_loopback(reinterpret_cast<const sockaddr*>(&peer));
                if (std::string denied = m_options.admit(c->session, local); !denied.empty()) {
                    c.reset(); // the session unregisters itself
                    --m_context->stats().total_connections_received; // as Redis: refused ones do not count
                    reject(fd, denied, from.tls);
                    continue;
                }
            }
            if (from.tls) {
                std::string why;
                c->stream = m_options.tls->accept(fd, why);
                if (!c->stream) {
                    log(server::log_level::warning, "Error creating a TLS connection: " + why);
                    c.reset();
                    ::close(fd);
                    continue;
                }
            }
            if (m_poller.add(fd, readable)) {
                ::close(fd);
                continue;
            }
            if (static_cast<std::size_t>(fd) >= m_connections.size()) {
                m_connections.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, m_connections.size() * 2));
            }
            if (logs_connections()) {
                log(server::log_level::verbose, "Accepted " + c->session.peer_address +
                                                    " id=" + std::to_string(c->session.id()) + " fd=" + std::to_string(fd));
            }
            m_connections[static_cast<std::size_t>(fd)] = std::move(c);
            ++m_count;
        }
    }

    // Sends an error as the only reply and closes (best effort, as Redis). On a TLS socket
    // before its handshake the error could not be read: it is closed without one.
    void reject(int fd, std::string_view error, bool tls) {
        const std::string message = "-" + std::string(error) + "\r\n";
        if (!tls) {
            [[maybe_unused]] const auto n = ::send(fd, message.data(), message.size(), send_flags | MSG_DONTWAIT);
        }
        ::close(fd);
        ++m_context->stats().rejected_connections;
        if (logs_connections()) log(server::log_level::verbose, "rejected a connection: " + std::string(error.substr(0, 80)));
    }

    void close_connection(connection& c, std::string_view reason) {
        const int fd = c.fd;
        if (logs_connections() && !reason.empty()) {
            log(server::log_level::verbose, "closed " + c.session.peer_address + " id=" + std::to_string(c.session.id()) + ": " +
                std::string(reason));
        }
        m_poller.remove(fd);
        if (c.stream) c.stream->shutdown();
        m_connections[static_cast<std::size_t>(fd)].reset(); // the session unregisters itself
        ::close(fd);
        --m_count;
    }

    [[nodiscard]] bool may_read(const connection& c) const noexcept {
        return !m_draining && !c.yielded && !c.session.closing() && !c.session.output_full() &&
               !c.session.input_paused();
    }

    // A TLS stream's read may wait for the socket to be writable and its write for it to be
    // readable (a handshake or a key update in between): which events let each go on.
    [[nodiscard]] static bool can_read(const connection& c, std::uint32_t events) noexcept {
        if (!c.stream || !c.read_waits_writable) return (events & (readable | hangup)) != 0;
        return (events & (writable | hangup)) != 0;
    }
    static void note_events(connection& c, std::uint32_t events) noexcept {
        if (events & (writable | hangup)) c.blocked = false;
        else if (c.write_waits_readable && (events & readable)) c.blocked = false;
    }

    // Reads from a TLS stream into the session's input, what it decrypted beyond `space`
    // included (the poller would never report those bytes: they left the socket). Returns the
    // bytes read, 0 at the end of the stream, or -1 with errno.
    [[nodiscard]] ssize_t read_secure(connection& c, std::span<char> space) {
        ssize_t n = c.stream->read(space);
        c.read_waits_writable = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c.stream->wants_write();
        if (n <= 0) return n;
        ssize_t total = 0;
        for (;;) {
            c.session.commit_input(static_cast<std::size_t>(n));
            total += n;
            const std::size_t left = c.stream->pending(); // at most the rest of one record
            if (left == 0) return total;
            n = c.stream->read(c.session.input_space(left));
            if (n <= 0) return total; // an error shows again at the next read
        }
    }

    void on_client_event(int fd, std::uint32_t events) {
        connection* c = find(fd);
        if (c == nullptr) return; // closed earlier in this turn
        note_events(*c, events);
        if (can_read(*c, events) && may_read(*c)) {
            ssize_t n = 0;
            std::span<char> space = c->session.input_space(m_options.read_size);
            // A blocked client's input is held up to a bound: one read past it, not the
            // buffer's whole free capacity.
            if ((c->session.blocked() || c->session.held()) && space.size() > m_options.read_size)
                space = space.first(m_options.read_size);
            if (!c->stream) {
                n = ::recv(fd, space.data(), space.size(), 0);
                if (n > 0) c->session.commit_input(static_cast<std::size_t>(n));
            } else {
                n = read_secure(*c, space);
            }
            if (n > 0) {
                c->last_activity = m_now;
                if (m_options.max_query_buffer != 0 && c->session.input_size() > m_options.max_query_buffer) {
                    log(server::log_level::warning, "Closing client that reached max query buffer length: id=" +
                                                        std::to_string(c->session.id()) + " addr=" + c->session.peer_address +
                                                        " qbuf=" + std::to_string(c->session.input_size()));
                    close_connection(*c, "");
                    return;
                }
            } else if (n == 0) {
                // As Redis: replies still queued for a client that hung up are dropped.
                close_connection(*c, "end of input");
                return;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                close_connection(*c, c->stream ? "TLS: " + c->stream->last_error() : std::system_category().message(errno));
                return;
            }
        }
        advance(*c);
    }
    // Runs what may run; then, unless the turn defers it, finish(). `c` may be gone afterwards.
    void advance(connection& c) {
        server::session& s = c.session;
        std::size_t ran = 0;
        if (!m_draining && !c.yielded && !s.closing() && !s.output_full() && s.has_pending_input()) {
            ran = s.process();
            if (!s.closing() && s.has_pending_input()) {
                c.held = c.held || s.output_full();
                c.yield = c.yield || (!s.output_full() && ran >= m_options.session.max_commands_per_feed);
            }
        }
        // A single reply waits for the end of the turn, to go out with the other clients'
        // (fewer wake-ups for a client holding many connections); a pipelined batch goes now,
        // so that its client can start on it while the others are served.
        if (m_defer_finish && (ran <= 1 || m_hold_replies)) {
            if (!c.finish_queued) {
                c.finish_queued = true;
                m_to_finish.push_back({c.fd, s.id()});
            }
            return;
        }
        finish(c);
    }

    // Sends what may be sent, then closes the connection or updates what it is watched for.
    // `c` may be gone afterwards.
    void finish(connection& c) {
        server::session& s = c.session;
        const bool held = c.held;
        bool yield = c.yield;
        c.held = false;
        c.yield = false;
        if (!c.blocked && !s.pending_output().empty() && !flush(c)) return;
        if (s.closing() && s.pending_output().empty()) {
            close_connection(c, "closed by the server");
            return;
        }
        if (m_draining && s.pending_output().empty()) {
            close_connection(c, "server shutting down");
            return;
        }
        // Held back, but the socket took everything: the rest runs next turn, not waiting for
        // bytes that may never come. Still held (the socket is full, or the output above the
        // watermark): it stays held until a later flush drains it, which may be the last
        // event the connection gets.
        if (held && !c.blocked && !s.output_full()) yield = true;
        else if (held) c.held = true;
        if (yield) {
            c.yielded = true;
            m_ready.push_back({c.fd, s.id()});
        }
        update_interest(c);
    }

    // Sends pending output until done or the socket is full. False when the connection closed.
    [[nodiscard]] bool flush(connection& c) {
        server::session& s = c.session;
        if (m_options.before_reply) m_options.before_reply();
        for (std::string_view out = s.pending_output(); !out.empty(); out = s.pending_output()) {
            const ssize_t n = c.stream ? c.stream->write(out) : ::send(c.fd, out.data(), out.size(), send_flags);
            if (n > 0) {
                s.output_sent(static_cast<std::size_t>(n));
                c.last_activity = m_now;
                // Full: a retry would get EAGAIN. (A TLS stream writes one record at a time.)
                if (static_cast<std::size_t>(n) < out.size() && !c.stream) {
                    c.blocked = true;
                    break;
                }
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                c.blocked = true;
                c.write_waits_readable = c.stream && !c.stream->wants_write();
                break;
            }
            if (c.stream) {
                close_connection(c, "TLS: " + c.stream->last_error());
                return false;
            }
            close_connection(c, n < 0 ? std::system_category().message(errno) : "send failed");
            return false;
        }
        c.write_waits_readable = false;
        return true;
    }

    void update_interest(connection& c) {
        std::uint32_t want = 0;
        if (!m_draining && !c.session.closing() && !c.session.output_full() && !c.session.input_paused()) {
            want |= readable;
        }
        if (!c.session.pending_output().empty()) want |= writable;
        if (c.stream) {
            if (c.read_waits_writable) want |= writable;
            if (c.write_waits_readable && c.blocked) want = (want & ~writable) | readable;
        }
        if (want == c.interest) return;
        if (m_poller.modify(c.fd, want)) {
            close_connection(c, "poller error");
            return;
        }
        c.interest = want;
    }

    // Every 100 ms: idle timeouts, sessions changed from outside (output or close requested
    // without a touch()), and accepting again after running out of descriptors.
    void cron() {
        m_next_cron = m_now + cron_period;
        // tracking-table-max-keys also while no command comes, as Redis's serverCron.
        if (m_context->tracking().tracking_clients() != 0) m_context->tracking().enforce_max_keys<server::session>();
        if (m_accept_paused && !m_draining) {
            m_accept_paused = false;
            watch_listeners(readable);
        }
        const bool timeouts = m_options.idle_timeout.count() > 0;
        for (std::size_t fd = 0; fd < m_connections.size(); ++fd) {
            connection* c = m_connections[fd].get();
            if (c == nullptr) continue;
            // As Redis: blocked and subscribed clients are never idle.
            if (timeouts && !c->session.blocked() && !c->session.held() && !c->session.subscribed() &&
                m_now - c->last_activity > m_options.idle_timeout) {
                close_connection(*c, "idle timeout");
                continue;
            }
            const bool unsent = !c->session.pending_output().empty() && !(c->interest & writable);
            if (c->session.closing() || unsent) advance(*c);
        }
    }

    void shut_down() {
        const std::size_t open = m_count;
        log(server::log_level::notice,
            "shutting down: closing the listeners, flushing replies to " + std::to_string(open) + " client(s)");
        close_listeners();
        m_draining = true;
        m_now = clock::now();
        for (std::size_t fd = 0; fd < m_connections.size(); ++fd) {
            if (connection* c = m_connections[fd].get()) advance(*c);
        }
        const auto deadline = clock::now() + m_options.shutdown_timeout;
        while (m_count > 0) {
            const auto now = clock::now();
            if (now >= deadline) break;
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
            const auto& events = m_poller.wait(static_cast<int>(left.count()));
            m_now = clock::now();
            for (const poll_event& ev : events) {
                if (ev.fd == m_wakeup.fd()) {
                    m_wakeup.drain();
                } else if (connection* c = find(ev.fd)) {
                    note_events(*c, ev.events);
                    advance(*c);
                }
            }
        }
        const std::size_t dropped = m_count;
        close_all();
        log(server::log_level::notice, "shut down: " + std::to_string(open - dropped) + " client(s) flushed, " + std::to_string(dropped) +
            " closed with replies unsent");
    }

    void close_all() {
        for (auto& slot : m_connections) {
            if (slot) close_connection(*slot, {}); // not logged: this may run in the destructor
        }
        m_connections.clear();
        close_listeners();
    }

    // Closes every listener; the Unix socket's file goes too (as Redis removes it).
    void close_listeners() {
        for (listener& l : m_listeners) {
            if (!l.fd) continue;
            m_poller.remove(l.fd.get());
            l.fd.reset();
            if (l.unix_socket) ::unlink(m_options.unix_socket.c_str());
        }
    }

    const server::dispatcher* m_commands;
    server::server_context* m_context;
    tcp_server_options m_options;
    poller m_poller;
    wakeup m_wakeup;
    std::vector<listener> m_listeners;
    std::map<int, std::function<void(std::uint32_t)>> m_watched; // descriptors of watch()
    timer_list m_timers;
    std::vector<std::unique_ptr<connection>> m_connections; // by descriptor
    std::vector<ready_entry> m_ready;     // sessions to run next turn
    std::vector<ready_entry> m_ready_now; // sessions to run this turn
    clock::time_point m_now{};
    bool m_defer_finish = false;          // inside a turn's event handling: finish() later
    bool m_hold_replies = false;          // set_hold_replies: every finish() waits for the turn's end
    std::vector<ready_entry> m_to_finish; // connections whose finish() runs at the turn's end
    clock::time_point m_next_cron{};
    std::size_t m_count = 0;
    std::atomic<bool> m_stop{false};
    std::uint16_t m_port = 0;
    std::uint16_t m_tls_port = 0;
    bool m_handle_signals = false;
    bool m_listening = false;
    bool m_draining = false;
    bool m_accept_paused = false;
    bool m_in_busy_pass = false;          // serve_busy is running
    std::vector<pollfd> m_busy_fds;       // the connections the busy pass looks at
};

} // namespace respkit::net

#pragma once

/// \file
/// The cluster bus's transport: runs a cluster::bus_engine on a tcp_server's loop. Listens on
/// the bus port, opens the links the engine asks for (non-blocking connects), reads and frames
/// messages (cluster::bus_message_length, bounded), writes each link's queued bytes as the
/// socket takes them, ticks the engine every 100 ms, frees a link whose send buffer passes
/// cluster-link-sendbuf-limit (as Redis's cron), and hands the engine's requests to save
/// nodes.conf, its lost slots and the messages published on other nodes to callbacks.
/// POSIX; on the loop's thread only.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "respkit/cluster/bus_engine.hpp"
#include "respkit/cluster/bus_message.hpp"
#include "respkit/net/poller.hpp"
#include "respkit/net/socket.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::net {

/// How the bus listens and what it tells its owner.
struct cluster_bus_options {
    std::string bind = "127.0.0.1";   ///< the address to listen on ("" or "*": every IPv4 address)
    std::uint16_t port = 0;           ///< the bus port (0: the kernel picks one, see port())
    /// The longest message accepted; a peer announcing more is disconnected. Redis takes up to
    /// 4 GiB; a PUBLISH carries a whole message (proto-max-bulk-len, 512 MiB, by default).
    std::size_t max_message_bytes = (std::size_t{512} << 20) + 64 * 1024;
    /// cluster-link-sendbuf-limit: a link whose send buffer holds more bytes at a cron tick is
    /// freed (0: no limit); see set_send_buffer_limit().
    std::uint64_t send_buffer_limit = 0;
    /// bind-source-addr: the local address the bus's outgoing links are bound to before they
    /// connect (an address or a host name; "": the kernel picks one). A link that cannot bind
    /// it fails, and the engine tries again, as Redis's anetTcpGenericConnect.
    std::string source_address;
    /// socket-mark-id: the SO_MARK of the bus's listening socket (0: none), as Redis marks it.
    std::uint32_t socket_mark = 0;
    /// A warning to log (a link freed for passing send_buffer_limit, in Redis's words).
    std::function<void(const std::string&)> warning;
    /// The engine asks for nodes.conf to be written (format_nodes_file of its table), fsync'ed.
    std::function<void(const cluster::node_table&)> save_config;
    /// Slots this node lost to a node with a greater epoch: their keys are to be deleted.
    std::function<void(const std::vector<unsigned>&)> lost_slots;
    /// A message published on another node (PUBLISH, or SPUBLISH when `sharded`).
    std::function<void(bool sharded, const std::string& channel, const std::string& message)> published;
};

/// A cluster bus on a tcp_server's loop (both must outlive it, as must the engine).
class cluster_bus {
public:
    /// The bus of `engine` on `loop`'s loop; nothing is opened before listen().
    cluster_bus(tcp_server& loop, cluster::bus_engine& engine, cluster_bus_options options)
        : m_loop(&loop), m_engine(&engine), m_options(std::move(options)) {}
    cluster_bus(const cluster_bus&) = delete;
    cluster_bus& operator=(const cluster_bus&) = delete;
    ~cluster_bus() { stop(); }

    /// Listens on the bus port and starts the engine's cron; after the loop's listen().
    [[nodiscard]] std::error_code listen() {
        if (m_listener.get() >= 0) return {};
        const std::string host = m_options.bind == "*" ? std::string() : m_options.bind;
        if (auto error = listen_tcp(host, m_options.port, 511, m_listener)) return error;
        if (m_options.socket_mark != 0) (void)set_socket_mark(m_listener.get(), m_options.socket_mark);
        if (auto error = m_loop->watch(m_listener.get(), readable, [this](std::uint32_t) { accept_links(); })) return error;
        m_timer = m_loop->every(std::chrono::milliseconds(100), [this] {
            m_engine->tick(now_ms());
            perform();
            enforce_send_buffer_limit();
        });
        return {};
    }
    /// The bus port listened on (0 before listen()).
    [[nodiscard]] std::uint16_t port() const noexcept { return m_listener.get() >= 0 ? local_port_of(m_listener.get()) : 0; }

    /// Closes the listener and every link, and stops the cron.
    void stop() {
        if (m_timer) m_loop->cancel(*m_timer);
        m_timer.reset();
        for (auto& [id, l] : m_links) {
            m_loop->unwatch(l.fd.get());
        }
        m_links.clear();
        if (m_listener.get() >= 0) m_loop->unwatch(m_listener.get());
        m_listener = unique_fd();
    }

    /// Carries out what the engine asked after a call made outside the bus (a CLUSTER command).
    void perform() {
        for (cluster::bus_action& a : m_engine->take_actions()) {
            switch (a.what) {
            case cluster::bus_action::kind::connect: connect_link(a.link, a.ip, a.port); break;
            case cluster::bus_action::kind::send: queue(a.link, std::move(a.bytes)); break;
            case cluster::bus_action::kind::close: close_link(a.link, false); break;
            case cluster::bus_action::kind::save_config:
                if (m_options.save_config) m_options.save_config(m_engine->table());
                break;
            }
        }
        if (auto lost = m_engine->take_lost_slots(); !lost.empty() && m_options.lost_slots) m_options.lost_slots(lost);
        for (const auto& p : m_engine->take_published())
            if (m_options.published) m_options.published(p.sharded, p.channel, p.message);
    }

    /// Links open now (inbound and outbound).
    [[nodiscard]] std::size_t links() const noexcept { return m_links.size(); }

    /// CONFIG SET cluster-link-sendbuf-limit: checked at the next cron tick (0: no limit).
    void set_send_buffer_limit(std::uint64_t bytes) noexcept { m_options.send_buffer_limit = bytes; }
    /// CONFIG SET bind-source-addr: used by the links opened from now on.
    void set_source_address(std::string address) { m_options.source_address = std::move(address); }
    /// Links freed for passing the limit (CLUSTER INFO's total_cluster_links_buffer_limit_exceeded).
    [[nodiscard]] std::uint64_t send_buffer_limit_exceeded() const noexcept { return m_limit_exceeded; }

    /// A link's send buffer, as CLUSTER LINKS shows it.
    struct send_buffer_size {
        std::uint64_t allocated = 0; ///< bytes the buffer holds memory for (send-buffer-allocated)
        std::uint64_t used = 0;      ///< bytes queued and not yet written (send-buffer-used)
    };
    /// The send buffer of link `id` (zeros for a link not open).
    [[nodiscard]] send_buffer_size send_buffer(cluster::link_id id) const {
        const auto it = m_links.find(id);
        if (it == m_links.end()) return {};
        return {allocated_bytes(it->second), it->second.out.size() - it->second.out_sent};
    }

    /// Milliseconds of the wall clock, the engine's time.
    [[nodiscard]] static std::uint64_t now_ms() {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    }

private:
    struct link {
        unique_fd fd;
        bool connecting = false;
        std::string in;
        std::string out;
        std::size_t out_sent = 0;
    };

    // The heap bytes of a link's send buffer: an empty buffer in the string's inline storage
    // holds none.
    static std::uint64_t allocated_bytes(const link& l) noexcept {
        return l.out.empty() && l.out.capacity() <= std::string().capacity() ? 0 : l.out.capacity();
    }

    // Redis's clusterCron (freeClusterLinkOnBufferLimitReached, resizeClusterLinkBuffer): a link
    // whose send buffer passed the limit is freed and the engine told (an outbound link is opened
    // again by the normal handshake); an empty buffer's memory is released.
    void enforce_send_buffer_limit() {
        std::vector<cluster::link_id> over;
        for (auto& [id, l] : m_links) {
            if (m_options.send_buffer_limit != 0 && allocated_bytes(l) > m_options.send_buffer_limit)
                over.push_back(id);
            else if (l.out.empty() && l.out.capacity() > std::string().capacity())
                std::string().swap(l.out);
        }
        for (const cluster::link_id id : over) {
            const auto it = m_links.find(id);
            if (it == m_links.end()) continue; // closed by the engine as an earlier one was
            if (m_options.warning) {
                std::string direction = "to", node;
                for (const auto& l : m_engine->links()) {
                    if (l.id != id) continue;
                    direction = l.inbound ? "from" : "to";
                    node = l.node;
                }
                m_options.warning("Freeing cluster link(" + direction + " node " + node + ", used memory: " +
                                  std::to_string(allocated_bytes(it->second)) + ") due to exceeding send buffer memory limit.");
            }
            ++m_limit_exceeded;
            close_link(id, true);
        }
    }

    static std::string ip_of(const sockaddr_storage& addr) {
        char ip[INET6_ADDRSTRLEN] = {};
        if (addr.ss_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, ip, sizeof ip);
        else if (addr.ss_family == AF_INET6)
            ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, ip, sizeof ip);
        return ip;
    }

    void accept_links() {
        for (int i = 0; i < 100; ++i) {
            sockaddr_storage peer{};
            socklen_t length = sizeof peer;
            const int fd = ::accept(m_listener.get(), reinterpret_cast<sockaddr*>(&peer), &length);
            if (fd < 0) return;
            set_nonblocking(fd);
            prepare_socket(fd);
            sockaddr_storage local{};
            socklen_t local_length = sizeof local;
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length);
            const cluster::link_id id = m_next_inbound++;
            link& l = m_links[id];
            l.fd = unique_fd(fd);
            if (m_loop->watch(fd, readable, [this, id](std::uint32_t ready) { on_ready(id, ready); })) {
                m_links.erase(id);
                continue;
            }
            m_engine->on_inbound_link(id, ip_of(peer), ip_of(local), now_ms());
        }
    }

    void connect_link(cluster::link_id id, const std::string& ip, std::uint16_t port) {
        sockaddr_storage addr{};
        socklen_t length = 0;
        if (auto* in = reinterpret_cast<sockaddr_in*>(&addr); ::inet_pton(AF_INET, ip.c_str(), &in->sin_addr) == 1) {
            in->sin_family = AF_INET;
            in->sin_port = htons(port);
            length = sizeof(sockaddr_in);
        } else if (auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr); ::inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(port);
            length = sizeof(sockaddr_in6);
        } else {
            m_engine->on_link_closed(id);
            return;
        }
        unique_fd fd(::socket(addr.ss_family, SOCK_STREAM, 0));
        if (fd.get() < 0) {
            m_engine->on_link_closed(id);
            return;
        }
        set_nonblocking(fd.get());
        prepare_socket(fd.get());
        if (!m_options.source_address.empty() && !bind_source(fd.get(), addr.ss_family)) {
            m_engine->on_link_closed(id);
            return;
        }
        const int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), length);
        if (rc != 0 && errno != EINPROGRESS) {
            m_engine->on_link_closed(id);
            return;
        }
        link& l = m_links[id];
        l.fd = std::move(fd);
        l.connecting = true;
        if (m_loop->watch(l.fd.get(), writable, [this, id](std::uint32_t ready) { on_ready(id, ready); })) {
            m_links.erase(id);
            m_engine->on_link_closed(id);
        }
    }

    // Binds `fd` to an address of bind-source-addr of the socket's family (the first that binds).
    bool bind_source(int fd, int family) const {
        addrinfo hints{};
        hints.ai_family = family;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (::getaddrinfo(m_options.source_address.c_str(), nullptr, &hints, &found) != 0) return false;
        bool bound = false;
        for (const addrinfo* a = found; a != nullptr && !bound; a = a->ai_next)
            bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        ::freeaddrinfo(found);
        return bound;
    }

    void on_ready(cluster::link_id id, std::uint32_t ready) {
        auto it = m_links.find(id);
        if (it == m_links.end()) return;
        link& l = it->second;
        if (l.connecting) {
            int error = 0;
            socklen_t length = sizeof error;
            if (::getsockopt(l.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
                close_link(id, true);
                return;
            }
            l.connecting = false;
            m_engine->on_connected(id, now_ms());
            perform();
            update_interest(id);
            return;
        }
        if ((ready & writable) != 0 && !flush(id)) return;
        if ((ready & (readable | hangup)) != 0) read_link(id);
    }

    void read_link(cluster::link_id id) {
        char buf[64 * 1024];
        for (;;) {
            auto it = m_links.find(id);
            if (it == m_links.end()) return;
            const ssize_t n = ::recv(it->second.fd.get(), buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                close_link(id, true);
                return;
            }
            if (n < 0) return;
            it->second.in.append(buf, static_cast<std::size_t>(n));
            if (!deliver(id)) return;
            if (static_cast<std::size_t>(n) < sizeof buf) return;
        }
    }

    // Hands every whole message buffered on `id` to the engine; false when the link closed.
    bool deliver(cluster::link_id id) {
        for (;;) {
            auto it = m_links.find(id);
            if (it == m_links.end()) return false;
            std::string& in = it->second.in;
            std::error_code error;
            const std::size_t length = cluster::bus_message_length(in, m_options.max_message_bytes, error);
            if (error) {
                close_link(id, true); // as Redis: a bad signature or length ends the link
                return false;
            }
            if (length == 0 || in.size() < length) return true;
            cluster::bus_message m;
            const bool ok = !cluster::decode_bus_message(std::string_view(in).substr(0, length), m);
            in.erase(0, length);
            if (ok) m_engine->on_message(id, m, now_ms()); // a malformed message is ignored, as Redis
            perform();
        }
    }

    void queue(cluster::link_id id, std::string bytes) {
        const auto it = m_links.find(id);
        if (it == m_links.end()) return;
        it->second.out += bytes;
        if (!it->second.connecting) flush(id);
    }

    // Writes what the socket takes; false when the link closed.
    bool flush(cluster::link_id id) {
        auto it = m_links.find(id);
        if (it == m_links.end()) return false;
        link& l = it->second;
        while (l.out_sent < l.out.size()) {
            const ssize_t n = ::send(l.fd.get(), l.out.data() + l.out_sent, l.out.size() - l.out_sent, send_flags);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
            if (n <= 0) {
                close_link(id, true);
                return false;
            }
            l.out_sent += static_cast<std::size_t>(n);
        }
        if (l.out_sent == l.out.size()) {
            l.out.clear();
            l.out_sent = 0;
        }
        update_interest(id);
        return true;
    }

    void update_interest(cluster::link_id id) {
        const auto it = m_links.find(id);
        if (it == m_links.end()) return;
        const std::uint32_t events = readable | (it->second.out.empty() ? 0U : writable);
        (void)m_loop->watch(it->second.fd.get(), events, [this, id](std::uint32_t ready) { on_ready(id, ready); });
    }

    void close_link(cluster::link_id id, bool tell_engine) {
        const auto it = m_links.find(id);
        if (it == m_links.end()) return;
        m_loop->unwatch(it->second.fd.get());
        m_links.erase(it);
        if (tell_engine) {
            m_engine->on_link_closed(id);
            perform();
        }
    }

    tcp_server* m_loop;
    cluster::bus_engine* m_engine;
    cluster_bus_options m_options;
    unique_fd m_listener;
    std::optional<timer_id> m_timer;
    std::map<cluster::link_id, link> m_links;
    cluster::link_id m_next_inbound = 1;
    std::uint64_t m_limit_exceeded = 0;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::net

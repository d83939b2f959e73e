#pragma once

/// \file
/// TLS over a socket with OpenSSL: tls::stream (a secure_stream), tls::acceptor for the
/// server's TLS listener (net::tcp_server_options::tls) and tls::connector for the client
/// (client::options::tls). Needs OpenSSL (respkit::tls).

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/secure_stream.hpp"
#include "respkit/tls/context.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::tls {

namespace detail {

// A new SSL from `ctx` on socket `fd`, or null with `error` set.
[[nodiscard]] inline SSL* new_ssl(const context& ctx, int fd, std::string& error) {
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx.get());
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        error = openssl_errors();
        return nullptr;
    }
    return ssl;
}

} // namespace detail

/// One TLS connection over a socket it does not own; the handshake runs within the first
/// reads and writes (or before, for a client: connector).
class stream final : public secure_stream {
public:
    /// Takes `ssl`, already given its socket.
    explicit stream(SSL* ssl) noexcept : m_ssl(ssl) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    ~stream() override { SSL_free(m_ssl); }

    [[nodiscard]] ssize_t read(std::span<char> buffer) override {
        if (buffer.empty()) return 0;
        ERR_clear_error();
        const int n = SSL_read(m_ssl, buffer.data(), clamp(buffer.size()));
        return n > 0 ? n : failed(n);
    }
    [[nodiscard]] ssize_t write(std::string_view bytes) override {
        if (bytes.empty()) return 0;
        ERR_clear_error();
        const int n = SSL_write(m_ssl, bytes.data(), clamp(bytes.size()));
        return n > 0 ? n : failed(n);
    }
    [[nodiscard]] std::size_t pending() const noexcept override {
        const int n = SSL_pending(m_ssl);
        return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    [[nodiscard]] bool wants_write() const noexcept override { return m_wants_write; }
    [[nodiscard]] std::string last_error() const override { return m_error; }
    void shutdown() noexcept override {
        // After a fatal error OpenSSL forbids SSL_shutdown; otherwise close_notify is sent if
        // the socket takes it, without waiting for the peer's.
        if (!m_fatal && SSL_is_init_finished(m_ssl)) {
            ERR_clear_error();
            (void)SSL_shutdown(m_ssl);
            ERR_clear_error();
        }
    }

    /// The OpenSSL connection (for its peer certificate, cipher, version).
    [[nodiscard]] SSL* native_handle() const noexcept { return m_ssl; }

private:
    static int clamp(std::size_t n) noexcept { return n > INT_MAX ? INT_MAX : static_cast<int>(n); }

    ssize_t failed(int rc) {
        const int saved = errno;
        switch (SSL_get_error(m_ssl, rc)) {
        case SSL_ERROR_WANT_READ:
            m_wants_write = false;
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_WANT_WRITE:
            m_wants_write = true;
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_ZERO_RETURN: // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a bare EOF
            return 0;
        case SSL_ERROR_SYSCALL:
            m_fatal = true;
            if (saved == EAGAIN || saved == EWOULDBLOCK) { // a blocking socket's timeout
                m_fatal = false;
                m_wants_write = false;
                errno = EAGAIN;
                return -1;
            }
            m_error = saved != 0 ? std::strerror(saved) : "connection reset";
            ERR_clear_error();
            errno = saved != 0 ? saved : ECONNRESET;
            return -1;
        default:
            m_fatal = true;
            m_error = detail::openssl_errors();
            errno = EPROTO;
            return -1;
        }
    }

    SSL* m_ssl;
    std::string m_error;
    bool m_wants_write = false;
    bool m_fatal = false;
};

/// The server side: a stream in accept state for each accepted socket, all from one context.
class acceptor final : public stream_acceptor {
public:
    /// An acceptor using `ctx` (make_server_context()).
    explicit acceptor(context ctx) noexcept : m_ctx(std::move(ctx)) {}

    /// An acceptor for `o`, or null with `error` set.
    [[nodiscard]] static std::shared_ptr<acceptor> make(const server_options& o, std::string& error) {
        context ctx = make_server_context(o, error);
        return ctx ? std::make_shared<acceptor>(std::move(ctx)) : nullptr;
    }

    [[nodiscard]] std::unique_ptr<secure_stream> accept(int fd, std::string& error) const override {
        SSL* ssl = detail::new_ssl(m_ctx, fd, error);
        if (ssl == nullptr) return nullptr;
        SSL_set_accept_state(ssl);
        return std::make_unique<stream>(ssl);
    }

    /// The context.
    [[nodiscard]] const context& native_context() const noexcept { return m_ctx; }

private:
    context m_ctx;
};

/// The client side: a handshake on a connected blocking socket, checking the server's name.
class connector final : public stream_connector {
public:
    /// A connector with `ctx` (make_client_context()) that sends and checks `server_name`
    /// ("": the host connected to), checking the certificate's name when `verify`.
    connector(context ctx, std::string server_name = {}, bool verify = true) noexcept
        : m_ctx(std::move(ctx)), m_server_name(std::move(server_name)), m_verify(verify) {}

    /// A connector for `o`, or null with `error` set.
    [[nodiscard]] static std::shared_ptr<connector> make(const client_options& o, std::string& error) {
        context ctx = make_client_context(o, error);
        return ctx ? std::make_shared<connector>(std::move(ctx), o.server_name, o.verify) : nullptr;
    }

    [[nodiscard]] std::unique_ptr<secure_stream> connect(int fd, std::string_view host, std::string& error) const override {
        const std::string name(m_server_name.empty() ? host : std::string_view(m_server_name));
        SSL* ssl = detail::new_ssl(m_ctx, fd, error);
        if (ssl == nullptr) return nullptr;
        auto s = std::make_unique<stream>(ssl);
        in6_addr address{};
        const bool literal = ::inet_pton(AF_INET, name.c_str(), &address) == 1 || ::inet_pton(AF_INET6, name.c_str(), &address) == 1;
        // SNI carries host names only; an address is checked against the certificate's IP entries.
        if (!literal && !name.empty()) (void)SSL_set_tlsext_host_name(ssl, name.c_str());
        if (m_verify && !name.empty()) {
            X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
            const int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                   : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
            if (ok != 1) {
                error = "cannot check the server's name " + name;
                return nullptr;
            }
        }
        const int rc = SSL_connect(ssl);
        if (rc != 1) {
            const int saved = errno;
            const int kind = SSL_get_error(ssl, rc);
            if (const long verified = SSL_get_verify_result(ssl); verified != X509_V_OK) {
                error = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified);
                ERR_clear_error();
            } else if (kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE ||
                       (kind == SSL_ERROR_SYSCALL && (saved == EAGAIN || saved == EWOULDBLOCK))) {
                error = "handshake timed out";
                ERR_clear_error();
            } else if (kind == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                error = saved != 0 ? std::strerror(saved) : "the server closed the connection during the handshake";
            } else {
                error = detail::openssl_errors();
            }
            return nullptr;
        }
        return s;
    }

private:
    context m_ctx;
    std::string m_server_name;
    bool m_verify;
};

} // namespace respkit::tls

#pragma once

/// \file
/// The seam between a connected socket and what reads and writes it: a secure_stream (TLS)
/// carries a connection's bytes instead of recv() and send(). The transport and the client use
/// it only through this interface, so neither needs OpenSSL; respkit/tls.hpp implements it.

#include <respkit/version.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace respkit::inline RESPKIT_ABI_NAMESPACE {

/// A byte stream layered over one connected socket, which it does not own. Its calls follow
/// recv() and send(): a count, 0 at the peer's end of stream, or -1 with errno set (EAGAIN
/// when the socket is not ready: wants_write() says whether the call waits for the socket to
/// become writable rather than readable; anything else ends the connection).
class secure_stream {
public:
    virtual ~secure_stream() = default;
    /// Reads up to `buffer.size()` bytes (see the class for the result).
    [[nodiscard]] virtual ssize_t read(std::span<char> buffer) = 0;
    /// Writes some of `bytes`, at least one (see the class for the result). After -1 with
    /// EAGAIN, the next write must offer at least the same bytes (more may follow them).
    [[nodiscard]] virtual ssize_t write(std::string_view bytes) = 0;
    /// Bytes already read from the socket and decrypted: readable without the socket being so.
    [[nodiscard]] virtual std::size_t pending() const noexcept = 0;
    /// After a read or write that failed with EAGAIN: true when it waits for the socket to be
    /// writable, false when it waits for it to be readable.
    [[nodiscard]] virtual bool wants_write() const noexcept = 0;
    /// Why the last call failed (for logs), or "".
    [[nodiscard]] virtual std::string last_error() const = 0;
    /// Tells the peer the stream ends (best effort, does not wait); the socket stays open.
    virtual void shutdown() noexcept = 0;
};

/// Makes the server side of a secure_stream on each accepted socket (its handshake runs in
/// the stream's first reads and writes). Shared by the connections accepted with it.
class stream_acceptor {
public:
    virtual ~stream_acceptor() = default;
    /// A stream over the non-blocking socket `fd`, or null (with `error` set) when none can be made.
    [[nodiscard]] virtual std::unique_ptr<secure_stream> accept(int fd, std::string& error) const = 0;
};

/// Makes the client side of a secure_stream on a connected socket, handshake included.
class stream_connector {
public:
    virtual ~stream_connector() = default;
    /// A stream over the blocking socket `fd` (its timeouts bound the handshake) to `host` (the
    /// name checked and sent as SNI), or null with `error` set when the handshake failed.
    [[nodiscard]] virtual std::unique_ptr<secure_stream> connect(int fd, std::string_view host, std::string& error) const = 0;
};

} // namespace respkit

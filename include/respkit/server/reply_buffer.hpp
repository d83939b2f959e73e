#pragma once

/// \file
/// A connection's output: the reply bytes queued for the client, which a command may grow only
/// up to a limit (a reply past it is abandoned instead of allocated).

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "respkit/resp/writer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Thrown by reply_buffer::append when a command's reply would take the unsent output past
/// its limit; the command path abandons the reply and closes the connection.
class reply_limit_exceeded : public std::length_error {
public:
    reply_limit_exceeded() : std::length_error("reply exceeds the client's output limit") {}
};

/// The bytes queued for a client: appended by the reply writer, taken by the transport. While
/// a limit is armed (during one of the client's own commands) an append that would take the
/// unsent bytes past it throws reply_limit_exceeded before allocating; output written to the
/// client from outside (a published message) is never refused here.
class reply_buffer {
public:
    /// Appends `n` bytes at `p` (the resp::output_sink interface).
    void append(const char* p, std::size_t n) {
        if (m_bytes.size() - m_sent + n > m_limit) [[unlikely]] { // one test on the common path
            if (m_closed) return;
            throw reply_limit_exceeded();
        }
        m_bytes.append(p, n);
    }

    /// Bytes not yet sent.
    [[nodiscard]] std::string_view pending() const noexcept { return std::string_view(m_bytes).substr(m_sent); }
    /// Number of bytes not yet sent.
    [[nodiscard]] std::size_t pending_size() const noexcept { return m_bytes.size() - m_sent; }
    /// Marks `n` pending bytes as sent; memory is released once everything was sent.
    void consume(std::size_t n) noexcept {
        m_sent += n;
        if (m_sent < m_bytes.size()) return;
        m_bytes.clear();
        m_sent = 0;
        if (m_bytes.capacity() > (1u << 20)) m_bytes.shrink_to_fit(); // after a big reply
    }
    /// Drops every pending byte.
    void clear() noexcept {
        m_bytes.clear();
        m_sent = 0;
    }
    /// Drops every pending byte and every later append (the connection is closing at once).
    void close() noexcept {
        clear();
        m_closed = true;
        m_limit = 0; // every append takes the slow path, which drops it
    }

    /// Bytes of memory held.
    [[nodiscard]] std::size_t capacity() const noexcept { return m_bytes.capacity(); }
    /// True once close() was called.
    [[nodiscard]] bool closed() const noexcept { return m_closed; }

    /// Where the next byte will go: a command's reply starts there (see truncate()).
    [[nodiscard]] std::size_t end_position() const noexcept { return m_bytes.size(); }
    /// Drops the bytes appended after end_position() returned `position` (an abandoned reply).
    void truncate(std::size_t position) noexcept {
        if (position >= m_sent && position < m_bytes.size()) m_bytes.resize(position);
    }

    /// The limit on unsent bytes that append() enforces (SIZE_MAX: none).
    [[nodiscard]] std::size_t limit() const noexcept { return m_limit; }
    /// Refuses appends that would take the unsent bytes past `limit` (SIZE_MAX: none).
    void set_limit(std::size_t limit) noexcept {
        if (!m_closed) m_limit = limit;
    }

private:
    std::string m_bytes;
    std::size_t m_sent = 0;
    std::size_t m_limit = std::numeric_limits<std::size_t>::max();
    bool m_closed = false;
};

/// The writer replies go through: RESP2 or RESP3 as the connection negotiated.
using reply_writer = resp::writer<reply_buffer>;

} // namespace respkit::server

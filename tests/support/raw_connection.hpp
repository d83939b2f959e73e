// Test support for scenarios with several real connections to a server (respkit-server or
// redis-server): a raw RESP connection that counts the replies it receives and keeps every byte,
// and the comparison of what each connection received on two servers. POSIX only.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp/parser.hpp"
#include "support/process_util.hpp"

namespace respkit_test {

/// How long a connection waits for a batch of awaited replies: generous, never reached when
/// all is well.
inline constexpr std::chrono::milliseconds reply_wait{3000};

/// A command as a RESP array of bulk strings.
std::string encode(const std::vector<std::string>& args);

/// Bytes made printable for failure messages.
std::string printable(std::string_view bytes);

/// One client connection to 127.0.0.1 speaking raw RESP: sends commands, waits (bounded) for a
/// number of top-level replies (messages and pushes count as replies), keeps every byte received.
class raw_connection {
public:
    explicit raw_connection(int port);
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;
    ~raw_connection();

    [[nodiscard]] bool connected() const { return m_fd >= 0; }

    /// Sends a command and waits for `replies` more replies. False on timeout or close.
    bool call(const std::vector<std::string>& args, std::size_t replies = 1);
    /// Sends raw bytes without waiting.
    void send(std::string_view bytes);
    /// Waits until `more` replies beyond those already awaited have arrived, at most `limit`.
    bool await(std::size_t more, std::chrono::milliseconds limit = reply_wait);
    /// Sends HELLO 3 (when `proto` is 3) and forgets its reply, which carries the connection id.
    bool hello(int proto);
    /// Replies received so far (after HELLO's).
    [[nodiscard]] std::size_t replies() const { return m_count; }
    /// The last complete reply.
    [[nodiscard]] const std::string& last() const { return m_last; }
    /// Every byte received so far (after HELLO's reply).
    [[nodiscard]] const std::string& bytes() const { return m_bytes; }
    /// Reads whatever already arrived, without waiting (a final drain before comparing).
    void drain();
    /// Waits until the server closes the connection (true) or the wait times out.
    bool await_close();
    /// Closes the connection abruptly.
    void close();

private:
    [[nodiscard]] bool open() const { return m_fd >= 0 && !m_eof; }

    // Reads once (waiting up to `wait_ms`); false when nothing came or the peer closed.
    bool read_some(int wait_ms);

    int m_fd;
    bool m_eof = false;
    std::string m_bytes, m_last;
    std::size_t m_parsed = 0, m_count = 0, m_awaited = 0;
};

/// What each named connection of a scenario received (HELLO replies left out).
using transcript = std::map<std::string, std::string>;

/// Checks that every connection received the same bytes on both servers (where they differ, the
/// failure shows both around the first difference); returns how many connections agree.
std::size_t check_same_transcripts(const transcript& ours, const transcript& theirs);

/// The server's INFO clients blocked_clients count (blocked and paused clients), read on a
/// connection of its own; -1 when it cannot be read.
long long blocked_clients(int port);

/// Waits (bounded by reply_wait) until exactly `n` clients are blocked or held: a command sent
/// on another connection has reached the server and waits, which no reply can announce.
bool until_blocked(int port, long long n);

/// Opens `n` connections in protocol `proto` (HELLO 3 sent on each when it is 3).
std::vector<std::unique_ptr<raw_connection>> open_connections(int port, int proto, std::size_t n);

} // namespace respkit_test

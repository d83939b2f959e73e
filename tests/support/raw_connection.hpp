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
inline std::string encode(const std::vector<std::string>& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

/// Bytes made printable for failure messages.
inline std::string printable(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c > 0x7e) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            out += hex;
        } else out += c;
    }
    return out;
}

/// One client connection to 127.0.0.1 speaking raw RESP: sends commands, waits (bounded) for a
/// number of top-level replies (messages and pushes count as replies), keeps every byte received.
class raw_connection {
public:
    explicit raw_connection(int port) : m_fd(connect_loopback(port)) {}
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;
    ~raw_connection() { close(); }

    [[nodiscard]] bool connected() const { return m_fd >= 0; }

    /// Sends a command and waits for `replies` more replies. False on timeout or close.
    bool call(const std::vector<std::string>& args, std::size_t replies = 1) {
        send(encode(args));
        return await(replies);
    }
    /// Sends raw bytes without waiting.
    void send(std::string_view bytes) { send_all(m_fd, bytes); }
    /// Waits until `more` replies beyond those already awaited have arrived, at most `limit`.
    bool await(std::size_t more, std::chrono::milliseconds limit = reply_wait) {
        m_awaited += more;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (m_count < m_awaited && open() && std::chrono::steady_clock::now() < deadline) read_some(20);
        return m_count >= m_awaited;
    }
    /// Sends HELLO 3 (when `proto` is 3) and forgets its reply, which carries the connection id.
    bool hello(int proto) {
        if (proto != 3) return true;
        const bool ok = call({"HELLO", "3"});
        m_bytes.erase(0, m_parsed);
        m_parsed = 0;
        m_count = m_awaited = 0;
        return ok && m_bytes.empty();
    }
    /// Replies received so far (after HELLO's).
    [[nodiscard]] std::size_t replies() const { return m_count; }
    /// The last complete reply.
    [[nodiscard]] const std::string& last() const { return m_last; }
    /// Every byte received so far (after HELLO's reply).
    [[nodiscard]] const std::string& bytes() const { return m_bytes; }
    /// Reads whatever already arrived, without waiting (a final drain before comparing).
    void drain() {
        while (read_some(0)) {
        }
    }
    /// Waits until the server closes the connection (true) or the wait times out.
    bool await_close() {
        const auto deadline = std::chrono::steady_clock::now() + reply_wait;
        while (open() && std::chrono::steady_clock::now() < deadline) read_some(20);
        return m_eof;
    }
    /// Closes the connection abruptly.
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

private:
    [[nodiscard]] bool open() const { return m_fd >= 0 && !m_eof; }

    // Reads once (waiting up to `wait_ms`); false when nothing came or the peer closed.
    bool read_some(int wait_ms) {
        if (!open()) return false;
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, wait_ms) <= 0) return false;
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            m_eof = true;
            return false;
        }
        m_bytes.append(buf, static_cast<std::size_t>(n));
        for (;;) {
            respkit::resp::parser parser;
            const auto r = parser.skip(std::string_view(m_bytes).substr(m_parsed));
            if (r.status != respkit::resp::parse_status::complete) break;
            m_last = m_bytes.substr(m_parsed, r.consumed);
            m_parsed += r.consumed;
            ++m_count;
        }
        return true;
    }

    int m_fd;
    bool m_eof = false;
    std::string m_bytes, m_last;
    std::size_t m_parsed = 0, m_count = 0, m_awaited = 0;
};

/// What each named connection of a scenario received (HELLO replies left out).
using transcript = std::map<std::string, std::string>;

/// Checks that every connection received the same bytes on both servers (where they differ, the
/// failure shows both around the first difference); returns how many connections agree.
inline std::size_t check_same_transcripts(const transcript& ours, const transcript& theirs) {
    REQUIRE(ours.size() == theirs.size());
    std::size_t same = 0;
    for (const auto& received : theirs) {
        const std::string& connection_name = received.first;
        const std::string& bytes = received.second;
        CAPTURE(connection_name);
        const std::string& mine = ours.at(connection_name);
        if (mine == bytes) {
            ++same;
            continue;
        }
        const auto diverge = std::mismatch(mine.begin(), mine.end(), bytes.begin(), bytes.end());
        const auto at = static_cast<std::size_t>(diverge.first - mine.begin());
        const std::size_t from = at > 80 ? at - 80 : 0;
        CAPTURE(at);
        CAPTURE(printable(mine.substr(from, 200)));
        CAPTURE(printable(bytes.substr(from, 200)));
        CHECK(mine == bytes);
    }
    return same;
}

} // namespace respkit_test

// The busy state against a real respkit-server and Debian's redis-server 7.0.15, both with
// busy-reply-threshold 100: an endless script; other clients' commands answered -BUSY, in
// order when pipelined (MULTI allowed, EXEC aborted, SHUTDOWN without NOSAVE refused); a
// client connecting while busy served too; SCRIPT KILL ending a read-only script with Redis's
// error to its caller; a script that wrote refused as UNKILLABLE, then SHUTDOWN NOSAVE stopping
// the server (no reply to the caller); a function (FCALL) past the threshold, whose -BUSY names
// FUNCTION KILL, and the KILL of the other kind refused. Every reply is compared byte for byte
// with Redis's.

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/process_util.hpp"

using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

std::string command(const std::vector<std::string>& words) {
    std::string out = "*" + std::to_string(words.size()) + "\r\n";
    for (const std::string& w : words)
        out += "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
    return out;
}

// A client connection: sends, and reads a number of one-line replies (or the end) within a
// time limit.
class client {
public:
    explicit client(int port) : m_fd(connect_loopback(port)) {}
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() {
        if (m_fd >= 0) ::close(m_fd);
    }
    [[nodiscard]] bool connected() const { return m_fd >= 0; }
    void send(std::string_view bytes) { CHECK(send_all(m_fd, bytes)); }
    // `lines` CRLF-ended lines, or what came before the end ("<EOF>") or the limit ("<TIMEOUT>").
    std::string lines(std::size_t lines, std::chrono::milliseconds limit = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            std::size_t seen = 0, at = 0;
            for (std::size_t p; (p = m_buffer.find("\r\n", at)) != std::string::npos; at = p + 2)
                ++seen;
            if (seen >= lines) {
                std::string out = m_buffer.substr(0, at);
                m_buffer.erase(0, at);
                return out;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::exchange(m_buffer, {}) + "<TIMEOUT>";
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[4096];
            const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
            if (n <= 0) return std::exchange(m_buffer, {}) + "<EOF>";
            m_buffer.append(buf, static_cast<std::size_t>(n));
        }
    }
    // Reads until the end (or the limit): what came, then "<EOF>" or "<TIMEOUT>".
    std::string until_end(std::chrono::milliseconds limit = 5s) { return lines(1000, limit); }

private:
    int m_fd;
    std::string m_buffer;
};

// The transcript `scenario` gives on respkit-server with busy-reply-threshold 100; nothing (with
// a message) when respkit-server is not built.
template <class Scenario>
std::vector<std::string> on_respkit(Scenario scenario) {
    server_process respkit = start_respkit_server({"--busy-reply-threshold", "100"});
    if (!respkit.running()) {
        MESSAGE("skipped: respkit-server not built (RESPKIT_BUILD_DIR)");
        return {};
    }
    return scenario(respkit.port());
}

// Checks that redis-server with busy-reply-threshold 100 gives `ours` for `scenario`; false (with
// a message) when redis-server is not installed.
template <class Scenario>
bool same_on_redis(Scenario scenario, const std::vector<std::string>& ours) {
    server_process redis = start_redis_server({"--busy-reply-threshold", "100"});
    if (!redis.running()) {
        MESSAGE("redis-server not installed: respkit's replies checked alone");
        return false;
    }
    const std::vector<std::string> theirs = scenario(redis.port());
    REQUIRE(theirs.size() == ours.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        CAPTURE(i);
        CHECK(ours[i] == theirs[i]);
    }
    return true;
}

const std::string endless = "local i = 0 while true do i = i + 1 end";
const std::string writes_then_loops = "redis.call('set', 'x', '1') while true do end";

// Sends `request` until its reply is not `before` (the script has not started yet: a loaded
// machine may read the other client first), within 5 s; returns that reply.
std::string once_running(client& c, const std::string& request, const std::string& before) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        c.send(request);
        std::string reply = c.lines(1);
        if (reply != before || std::chrono::steady_clock::now() > deadline) return reply;
        ::usleep(10 * 1000);
    }
}

// The sequence, with every reply in order, labelled by client.
std::vector<std::string> busy_transcript(int port) {
    std::vector<std::string> t;
    client a(port), b(port);
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    a.send(command({"EVAL", endless, "0"}));
    t.push_back("b " + once_running(b, "PING\r\n", "+PONG\r\n"));
    // Pipelined: each answered in order; MULTI is allowed, the transaction aborted.
    b.send("GET x\r\nMULTI\r\nSCRIPT FLUSH\r\nPING\r\nEXEC\r\nSHUTDOWN\r\n");
    t.push_back("b " + b.lines(6));
    client c(port); // connected while the server is busy
    REQUIRE(c.connected());
    c.send("PING\r\n");
    t.push_back("c " + c.lines(1));
    c.send("SCRIPT KILL\r\n");
    t.push_back("c " + c.lines(1));
    t.push_back("a " + a.lines(1));
    c.send("PING\r\nSCRIPT KILL\r\n");
    t.push_back("c " + c.lines(2));
    // A script that wrote cannot be killed; SHUTDOWN NOSAVE stops the server.
    a.send(command({"EVAL", writes_then_loops, "0"}));
    t.push_back("c " + once_running(c, "SCRIPT KILL\r\n",
                                    "-NOTBUSY No scripts in execution right now.\r\n"));
    b.send("GET x\r\n");
    t.push_back("b " + b.lines(1));
    c.send("SHUTDOWN NOSAVE\r\n");
    t.push_back("c " + c.until_end());
    t.push_back("a " + a.until_end());
    t.push_back("b " + b.until_end());
    return t;
}

} // namespace

TEST_CASE("busy script: BUSY replies, SCRIPT KILL, UNKILLABLE and SHUTDOWN NOSAVE as redis-server "
          "7.0.15") {
    const std::vector<std::string> ours = on_respkit(busy_transcript);
    if (ours.empty()) return;
    const std::string busy = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                             "or SHUTDOWN NOSAVE.\r\n";
    REQUIRE(ours.size() == 11);
    CHECK(ours[0] == "b " + busy);
    CHECK(ours[1] == "b " + busy + "+OK\r\n" + busy + busy +
                         "-EXECABORT Transaction discarded because of: " + busy.substr(1) + busy);
    CHECK(ours[2] == "c " + busy);
    CHECK(ours[3] == "c +OK\r\n");
    CHECK(ours[4].starts_with("a -ERR Script killed by user with SCRIPT KILL... script: "));
    CHECK(ours[5] == "c +PONG\r\n-NOTBUSY No scripts in execution right now.\r\n");
    CHECK(ours[6].starts_with("c -UNKILLABLE Sorry the script already executed write commands"));
    CHECK(ours[7] == "b " + busy);
    CHECK(ours[8] == "c <EOF>");
    CHECK(ours[9] == "a <EOF>"); // the abandoned script's caller gets no reply
    CHECK(ours[10] == "b <EOF>");

    if (!same_on_redis(busy_transcript, ours)) return;
    MESSAGE(
        "busy: " << ours.size()
                 << " exchanges (14 replies and 3 ends of connection) identical to redis-server's");
}

namespace {

// A function past the threshold: -BUSY names FUNCTION KILL, SCRIPT KILL refuses it, FUNCTION
// KILL ends it; then a script, which FUNCTION KILL refuses and SCRIPT KILL ends.
std::vector<std::string> busy_function_transcript(int port) {
    std::vector<std::string> t;
    client a(port), b(port);
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    b.send(command({"FUNCTION", "LOAD", "REPLACE",
                    "#!lua name=busylib\nredis.register_function('spin', function()\n  " + endless +
                        "\nend)"}));
    t.push_back("b " + b.lines(1));
    a.send(command({"FCALL", "spin", "0"}));
    t.push_back("b " + once_running(b, "PING\r\n", "+PONG\r\n"));
    b.send("SCRIPT KILL\r\nFUNCTION DELETE busylib\r\nFUNCTION KILL\r\n");
    t.push_back("b " + b.lines(3));
    t.push_back("a " + a.lines(1));
    a.send(command({"EVAL", endless, "0"}));
    t.push_back("b " + once_running(b, "FUNCTION KILL\r\n",
                                    "-NOTBUSY No scripts in execution right now.\r\n"));
    b.send("PING\r\nSCRIPT KILL\r\n");
    t.push_back("b " + b.lines(2));
    t.push_back("a " + a.lines(1));
    return t;
}

} // namespace

TEST_CASE("busy function: -BUSY names FUNCTION KILL, which ends it; SCRIPT KILL and FUNCTION KILL "
          "refuse the other kind, as redis-server 7.0.15") {
    const std::vector<std::string> ours = on_respkit(busy_function_transcript);
    if (ours.empty()) return;
    const std::string busy_function =
        "-BUSY Redis is busy running a script. You can only call FUNCTION KILL "
        "or SHUTDOWN NOSAVE.\r\n";
    const std::string busy_script =
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
        "or SHUTDOWN NOSAVE.\r\n";
    REQUIRE(ours.size() == 7);
    CHECK(ours[0] == "b $7\r\nbusylib\r\n");
    CHECK(ours[1] == "b " + busy_function);
    CHECK(ours[2] == "b " + busy_function + busy_function + "+OK\r\n");
    CHECK(
        ours[3] ==
        "a -ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:3.\r\n");
    CHECK(ours[4] == "b " + busy_script);
    CHECK(ours[5] == "b " + busy_script + "+OK\r\n");
    CHECK(ours[6].starts_with("a -ERR Script killed by user with SCRIPT KILL... script: "));

    if (!same_on_redis(busy_function_transcript, ours)) return;
    MESSAGE("busy function: " << ours.size() << " exchanges identical to redis-server's");
}

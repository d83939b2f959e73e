// Differential testing against Debian's redis-server: a script of Redis commands runs on a real
// redis-server (over TCP) and on a respkit session (in-process, no socket), once in RESP2 and
// once in RESP3; every reply must be byte-identical unless the script says why not.
//
// Script format (tests/diff/*.redis), one command per line in redis-cli syntax (quotes and
// \x escapes as Redis's inline parser splits them):
//   # comment                  ignored, as are blank lines
//   SET k v                    replies compared byte for byte
//   [unordered] KEYS *         the top-level elements compared as a multiset (hash order differs)
//   [type] RANDOMKEY           only the reply's type byte compared (inherently different value)
//   [resp2] CMD / [resp3] CMD  run only in that protocol
//   [sleep 120]                both sides wait 120 ms (expiry tests; keep them short)
//   [reconnect]                both sides continue on a new connection (RESP2, no preamble)
//   [subscriber] PSUBSCRIBE *  runs on a second connection (opened by the first such line, in the
//                              pass's protocol); from then on, after every other command, what that
//                              connection was sent (pub/sub messages, keyspace notifications) is
//                              compared byte for byte (a PING on it marks the end)
//   [mask a,b] ACL LOG         the value after each string "a" or "b" in any aggregate (a map's or
//                              a flat list's field) compared by type only (ages, client ids)
// A blocking command (BLPOP k 0.05) that finds nothing waits on both sides for its timeout.
// Prefixes combine: "[resp3][unordered] SMEMBERS s". Each exception must say why in a comment.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/server/session_impl.hpp"
#include "support/process_util.hpp"

namespace respkit_test {

/// The differential script tests/diff/<name>.
std::filesystem::path diff_script_path(std::string_view name);

/// One parsed script line.
struct diff_step {
    std::size_t line = 0;
    std::string text;
    std::vector<std::string> args;
    bool unordered = false;
    bool type_only = false;
    int only_protocol = 0; // 0: both, 2 or 3
    int sleep_ms = -1;     // >= 0: a pause, no command
    bool reconnect = false; // a new connection on both sides, no command
    bool subscriber = false; // [subscriber]: runs on the second connection
    std::vector<std::string> masked_fields; // [mask a,b]: values after these fields compared by type
};

/// Reads a script; FAILs on lines that do not split.
std::vector<diff_step> read_diff_script(const std::filesystem::path& path);

/// A persistent connection to a Redis server, one reply per command.
class redis_connection {
public:
    explicit redis_connection(int port);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;
    [[nodiscard]] bool connected() const { return m_fd >= 0; }

    /// Sends raw bytes and returns exactly one reply's bytes ("" on timeout or close).
    std::string request(std::string_view bytes);
    /// Reads exactly one more reply's bytes ("" on timeout or close).
    std::string read_reply();

private:
    int m_fd;
    std::string m_buffer;
};

/// Number of complete top-level replies in `bytes`.
std::size_t count_replies(std::string_view bytes);

/// The canonical form of a reply for an [unordered] comparison: top-level elements sorted.
std::string unordered_form(const std::string& reply);

/// The canonical form of a reply for a [mask ...] comparison: every value that follows a string
/// equal to one of `fields` inside an aggregate is replaced by its type marker.
std::string masked_form(const std::string& reply, const std::vector<std::string>& fields);

/// What respkit runs: a dispatcher with the commands under test and a way to empty its data.
struct diff_target {
    respkit::server::dispatcher* commands;
    respkit::server::server_context* context;
    std::function<void()> flush_all;
};

/// How a script's servers start and its connections begin.
struct diff_options {
    std::vector<std::string> redis_args{}; ///< extra redis-server options (respkit's target matches them)
    std::vector<std::vector<std::string>> preamble{}; ///< run on both sides first on each pass, replies ignored
};

/// Runs a script against redis-server and `target` in RESP2 and in RESP3; returns the number of
/// replies compared. Skips (with a message) when redis-server is not installed.
std::size_t run_diff_script(const std::filesystem::path& script, const diff_target& target,
                            const diff_options& options = {});

} // namespace respkit_test

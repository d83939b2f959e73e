// Test support: run programs (capturing output, with a time limit), start servers on free
// loopback ports and stop them, talk to them over TCP. POSIX only. Every child is killed and
// reaped by its owner's destructor, so no test leaves a process behind.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace respkit_test {

/// The path of a built program: $RESPKIT_BUILD_DIR/name (set by ctest), else "".
std::string built_program(const std::string& name);

/// The full path of a program on PATH, or "".
std::string find_on_path(const std::string& name);

/// A loopback port nobody listens on right now (the kernel picks it).
int free_port();

/// A connected TCP socket to 127.0.0.1:port, or -1. A positive `receive_buffer` sets
/// SO_RCVBUF before connecting, so the kernel cannot absorb a big reply the client never reads.
int connect_loopback(int port, int receive_buffer = 0);

/// Sends all of `bytes` on the socket `fd`; false when the peer is gone (or `fd` is -1).
bool send_all(int fd, std::string_view bytes);

/// What a finished program did.
struct run_output {
    int exit_code = -1;    // -1 when killed by the time limit or a signal
    std::string out;       // standard output
    std::string err;       // standard error
    bool timed_out = false;
};

/// A child process with its standard streams on pipes. Killed (SIGTERM, then SIGKILL) and
/// reaped on destruction.
class child_process {
public:
    /// Starts argv[0] (a path) with the arguments. With `output_file`, standard output and error
    /// go to that file instead of pipes (for long-running servers that log).
    explicit child_process(const std::vector<std::string>& argv, const std::string& output_file = {});
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process();

    /// True when the program started.
    [[nodiscard]] bool started() const { return m_pid > 0; }
    /// The process id.
    [[nodiscard]] pid_t pid() const { return m_pid; }

    /// Writes to the child's standard input; close_stdin() sends EOF.
    void write_stdin(std::string_view bytes);
    void close_stdin();

    /// Reads output until the child exits or the time limit passes (then kills it).
    run_output wait(std::chrono::milliseconds limit);

    /// Output read so far (for servers that keep running).
    std::string read_available_stdout();

    /// Sends a signal.
    void signal(int sig);

    /// SIGTERM, up to 5 s to exit, then SIGKILL; reaps the child.
    void stop();

private:
    void drain(run_output& r);

    pid_t m_pid = -1;
    int m_stdin = -1;
    int m_stdout = -1;
    int m_stderr = -1;
};

/// Runs a program to completion with `input` on its stdin, within `limit`.
run_output run_program(const std::vector<std::string>& argv, std::string_view input = {},
                       std::chrono::milliseconds limit = std::chrono::seconds(30));

/// Waits until 127.0.0.1:port accepts connections (true) or `limit` passes (false).
bool wait_for_port(int port, std::chrono::milliseconds limit = std::chrono::seconds(10));

/// A server program on a loopback port, its output discarded, stopped by the destructor.
/// running() is false when the program is missing or never listened.
class server_process {
public:
    /// Runs `program --port <port> args...` on `port` (a free one when 0) and waits until it
    /// listens. An empty `program` (not found, not built) starts nothing.
    server_process(std::string program, std::vector<std::string> args, int port = 0);
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;
    ~server_process();

    /// Starts it (again, after stop()) on the same port; true when it listens.
    bool start();
    /// Stops it (SIGTERM, then SIGKILL) and reaps it.
    void stop();
    /// True when it runs.
    [[nodiscard]] bool running() const { return m_child.has_value(); }
    /// Its port.
    [[nodiscard]] int port() const { return m_port; }

private:
    std::string m_program;
    std::vector<std::string> m_args;
    int m_port;
    std::optional<child_process> m_child;
};

/// Debian's redis-server on 127.0.0.1, in memory only, with `extra` arguments, on `port` (a free
/// one when 0). Not running when redis-server is not installed.
server_process start_redis_server(const std::vector<std::string>& extra = {}, int port = 0);

/// The built examples/respkit-server on 127.0.0.1 and a free port, in memory only, with `extra`
/// arguments after those. Not running when it was not built (RESPKIT_BUILD_DIR unset or no
/// binary).
server_process start_respkit_server(const std::vector<std::string>& extra = {});

/// A Redis server (Debian's redis-server) on a free loopback port, in memory only, stopped
/// by the destructor. `available()` is false when redis-server is not installed.
class redis_server {
public:
    /// A server started with redis-server's `extra` options.
    explicit redis_server(const std::vector<std::string>& extra = {});
    /// True when the server runs.
    [[nodiscard]] bool available() const { return m_process.running(); }
    /// Its port.
    [[nodiscard]] int port() const { return m_process.port(); }

private:
    server_process m_process;
};

/// Sends `request` on a new connection, half-closes, and reads until the server closes or
/// `limit` passes. Returns the bytes received.
std::string exchange(int port, std::string_view request, std::chrono::milliseconds limit = std::chrono::seconds(10));

} // namespace respkit_test

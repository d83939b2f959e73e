// Test support: process_util.hpp's definitions, compiled once for every test program.

#include "support/process_util.hpp"

namespace respkit_test {

std::string built_program(const std::string& name) {
    const char* dir = std::getenv("RESPKIT_BUILD_DIR");
    if (dir == nullptr) return {};
    std::string path = std::string(dir) + "/" + name;
    return ::access(path.c_str(), X_OK) == 0 ? path : std::string();
}

std::string find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return {};
    std::string_view rest = path;
    while (!rest.empty()) {
        const std::size_t colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        const std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return {};
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

int connect_loopback(int port, int receive_buffer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

child_process::child_process(const std::vector<std::string>& argv, const std::string& output_file) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    if (output_file.empty()) {
        posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    for (const int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
        posix_spawn_file_actions_addclose(&actions, fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (::posix_spawn(&m_pid, args[0], &actions, nullptr, args.data(), environ) != 0) m_pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    m_stdin = in_pipe[1];
    m_stdout = out_pipe[0];
    m_stderr = err_pipe[0];
    ::fcntl(m_stdout, F_SETFL, O_NONBLOCK);
    ::fcntl(m_stderr, F_SETFL, O_NONBLOCK);
    ::signal(SIGPIPE, SIG_IGN);
}

child_process::~child_process() {
    stop();
    for (const int fd : {m_stdin, m_stdout, m_stderr}) {
        if (fd >= 0) ::close(fd);
    }
}

void child_process::write_stdin(std::string_view bytes) {
    while (!bytes.empty() && m_stdin >= 0) {
        const ssize_t n = ::write(m_stdin, bytes.data(), bytes.size());
        if (n <= 0) break;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void child_process::close_stdin() {
    if (m_stdin >= 0) ::close(m_stdin);
    m_stdin = -1;
}

run_output child_process::wait(std::chrono::milliseconds limit) {
    run_output result;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    bool exited = false;
    while (!exited) {
        drain(result);
        const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
        if (r == m_pid) {
            exited = true;
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            result.timed_out = true;
            stop();
            break;
        }
        pollfd fds[2] = {{m_stdout, POLLIN, 0}, {m_stderr, POLLIN, 0}};
        ::poll(fds, 2, 20);
    }
    drain(result);
    if (exited) {
        m_pid = -1;
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return result;
}

std::string child_process::read_available_stdout() {
    run_output r;
    drain(r);
    return r.out;
}

void child_process::signal(int sig) {
    if (m_pid > 0) ::kill(m_pid, sig);
}

void child_process::stop() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
            m_pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
}

void child_process::drain(run_output& r) {
    char buf[65536];
    for (const auto& [fd, into] : {std::pair{m_stdout, &r.out}, std::pair{m_stderr, &r.err}}) {
        for (;;) {
            const ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
            if (n <= 0) break;
            into->append(buf, static_cast<std::size_t>(n));
        }
    }
}

run_output run_program(const std::vector<std::string>& argv, std::string_view input,
                       std::chrono::milliseconds limit) {
    child_process child(argv);
    if (!child.started()) return {};
    child.write_stdin(input);
    child.close_stdin();
    return child.wait(limit);
}

bool wait_for_port(int port, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        const int fd = connect_loopback(port);
        if (fd >= 0) {
            ::close(fd);
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

server_process::server_process(std::string program, std::vector<std::string> args, int port)
    : m_program(std::move(program)), m_args(std::move(args)),
      m_port(m_program.empty() ? 0 : port != 0 ? port : free_port()) {
    start();
}

server_process::~server_process() = default;

bool server_process::start() {
    if (m_program.empty()) return false;
    std::vector<std::string> argv{m_program, "--port", std::to_string(m_port)};
    argv.insert(argv.end(), m_args.begin(), m_args.end());
    m_child.emplace(argv, "/dev/null");
    if (!m_child->started() || !wait_for_port(m_port)) {
        m_child.reset();
        return false;
    }
    return true;
}

void server_process::stop() { m_child.reset(); }

server_process start_redis_server(const std::vector<std::string>& extra, int port) {
    std::vector<std::string> args{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                                  "--dir", "/tmp"};
    args.insert(args.end(), extra.begin(), extra.end());
    return server_process(find_on_path("redis-server"), std::move(args), port);
}

server_process start_respkit_server(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    return server_process(built_program("respkit-server"), std::move(args));
}

redis_server::redis_server(const std::vector<std::string>& extra) : m_process(start_redis_server(extra)) {}

std::string exchange(int port, std::string_view request, std::chrono::milliseconds limit) {
    const int fd = connect_loopback(port);
    if (fd < 0) return {};
    send_all(fd, request);
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[65536];
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

} // namespace respkit_test

// Test support: raw_connection.hpp's definitions, compiled once for every test program.

#include "support/raw_connection.hpp"

#include <thread>

namespace respkit_test {

std::string encode(const std::vector<std::string>& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

std::string printable(std::string_view bytes) {
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

raw_connection::raw_connection(int port) : m_fd(connect_loopback(port)) {}

raw_connection::~raw_connection() { close(); }

bool raw_connection::call(const std::vector<std::string>& args, std::size_t replies) {
    send(encode(args));
    return await(replies);
}

void raw_connection::send(std::string_view bytes) { send_all(m_fd, bytes); }

bool raw_connection::await(std::size_t more, std::chrono::milliseconds limit) {
    m_awaited += more;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (m_count < m_awaited && open() && std::chrono::steady_clock::now() < deadline) read_some(20);
    return m_count >= m_awaited;
}

bool raw_connection::hello(int proto) {
    if (proto != 3) return true;
    const bool ok = call({"HELLO", "3"});
    m_bytes.erase(0, m_parsed);
    m_parsed = 0;
    m_count = m_awaited = 0;
    return ok && m_bytes.empty();
}

void raw_connection::drain() {
    while (read_some(0)) {
    }
}

bool raw_connection::await_close() {
    const auto deadline = std::chrono::steady_clock::now() + reply_wait;
    while (open() && std::chrono::steady_clock::now() < deadline) read_some(20);
    return m_eof;
}

void raw_connection::close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

bool raw_connection::read_some(int wait_ms) {
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

std::size_t check_same_transcripts(const transcript& ours, const transcript& theirs) {
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

long long blocked_clients(int port) {
    raw_connection probe(port);
    if (!probe.call({"INFO", "clients"})) return -1;
    const std::string& info = probe.last();
    const std::size_t at = info.find("blocked_clients:");
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(at + 16));
}

bool until_blocked(int port, long long n) {
    const auto deadline = std::chrono::steady_clock::now() + reply_wait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (blocked_clients(port) == n) return true;
        // a poll's pause, not a synchronisation
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
}

std::vector<std::unique_ptr<raw_connection>> open_connections(int port, int proto, std::size_t n) {
    std::vector<std::unique_ptr<raw_connection>> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(std::make_unique<raw_connection>(port));
        REQUIRE(out.back()->connected());
        REQUIRE(out.back()->hello(proto));
    }
    return out;
}

} // namespace respkit_test

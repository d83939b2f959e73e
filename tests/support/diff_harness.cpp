// Test support: diff_harness.hpp's definitions, compiled once for every test program.

#include "support/diff_harness.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace respkit_test {

std::filesystem::path diff_script_path(std::string_view name) {
    return std::filesystem::path(RESPKIT_SOURCE_DIR) / "tests" / "diff" / name;
}

std::vector<diff_step> read_diff_script(const std::filesystem::path& path) {
    std::vector<diff_step> steps;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string_view rest = line;
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        if (rest.empty() || rest.front() == '#') continue;
        diff_step step;
        step.line = number;
        while (!rest.empty() && rest.front() == '[') {
            const std::size_t close = rest.find(']');
            REQUIRE_MESSAGE(close != std::string_view::npos, path.string() << ":" << number << ": unclosed [");
            const std::string_view tag = rest.substr(1, close - 1);
            if (tag == "unordered") step.unordered = true;
            else if (tag == "type") step.type_only = true;
            else if (tag == "resp2") step.only_protocol = 2;
            else if (tag == "resp3") step.only_protocol = 3;
            else if (tag.rfind("sleep ", 0) == 0) step.sleep_ms = std::stoi(std::string(tag.substr(6)));
            else if (tag == "reconnect") step.reconnect = true;
            else if (tag == "subscriber") step.subscriber = true;
            else if (tag.rfind("mask ", 0) == 0) {
                for (std::string_view rest_fields = tag.substr(5);;) {
                    const std::size_t comma = rest_fields.find(',');
                    step.masked_fields.emplace_back(rest_fields.substr(0, comma));
                    if (comma == std::string_view::npos) break;
                    rest_fields.remove_prefix(comma + 1);
                }
            }
            else FAIL(path.string() << ":" << number << ": unknown tag [" << tag << "]");
            rest.remove_prefix(close + 1);
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
        step.text = std::string(rest);
        if (step.sleep_ms < 0 && !step.reconnect) {
            respkit::resp::request_parser splitter;
            const std::string with_end = step.text + "\n";
            const auto r = splitter.parse(with_end);
            REQUIRE_MESSAGE(r.status == respkit::resp::parse_status::complete,
                            path.string() << ":" << number << ": cannot split: " << step.text);
            for (const auto arg : splitter.args()) step.args.emplace_back(arg);
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

redis_connection::redis_connection(int port) : m_fd(connect_loopback(port)) {}

redis_connection::~redis_connection() {
    if (m_fd >= 0) ::close(m_fd);
}

std::string redis_connection::request(std::string_view bytes) {
    if (!send_all(m_fd, bytes)) return {};
    return read_reply();
}

std::string redis_connection::read_reply() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        respkit::resp::parser p;
        const auto r = p.skip(m_buffer);
        if (r.status == respkit::resp::parse_status::complete) {
            std::string reply = m_buffer.substr(0, r.consumed);
            m_buffer.erase(0, r.consumed);
            return reply;
        }
        if (r.status == respkit::resp::parse_status::error || std::chrono::steady_clock::now() > deadline) return {};
        pollfd pfd{m_fd, POLLIN, 0};
        if (::poll(&pfd, 1, 100) <= 0) continue;
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) return {};
        m_buffer.append(buf, static_cast<std::size_t>(n));
    }
}

std::size_t count_replies(std::string_view bytes) {
    std::size_t n = 0;
    while (!bytes.empty()) {
        respkit::resp::parser p;
        const auto r = p.skip(bytes);
        if (r.status != respkit::resp::parse_status::complete) break;
        bytes.remove_prefix(r.consumed);
        ++n;
    }
    return n;
}

std::string unordered_form(const std::string& reply) {
    using namespace respkit::resp;
    const parsed_value parsed = parse_value(reply);
    if (parsed.result.status != parse_status::complete || !parsed.value.is_aggregate()) return reply;
    std::vector<std::string> parts;
    const value& v = parsed.value;
    const bool pairs = v.type() == type::map;
    for (std::size_t i = 0; i < v.size(); i += pairs ? 2 : 1) {
        std::string part = to_resp(v[i]);
        if (pairs) part += to_resp(v[i + 1]);
        parts.push_back(part);
    }
    std::sort(parts.begin(), parts.end());
    std::string out(1, marker(v.type()));
    for (const auto& p : parts) out += p;
    return out;
}

namespace {

void append_masked(const respkit::resp::value& v, const std::vector<std::string>& fields, std::string& out) {
    using namespace respkit::resp;
    if (!v.is_aggregate()) {
        out += to_resp(v);
        return;
    }
    out += marker(v.type());
    out += std::to_string(v.size());
    out += "\r\n";
    bool mask_next = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (mask_next) {
            out += "<masked ";
            out += marker(v[i].type());
            out += ">";
            mask_next = false;
            continue;
        }
        append_masked(v[i], fields, out);
        mask_next = !v[i].is_aggregate() &&
                    std::find(fields.begin(), fields.end(), v[i].string()) != fields.end();
    }
}

} // namespace

std::string masked_form(const std::string& reply, const std::vector<std::string>& fields) {
    using namespace respkit::resp;
    const parsed_value parsed = parse_value(reply);
    if (parsed.result.status != parse_status::complete) return reply;
    std::string out;
    append_masked(parsed.value, fields, out);
    return out;
}

std::size_t run_diff_script(const std::filesystem::path& script, const diff_target& target,
                            const diff_options& options) {
    using namespace respkit;
    redis_server redis(options.redis_args);
    if (!redis.available()) {
        MESSAGE("skipped " << script.filename().string() << ": redis-server not installed");
        return 0;
    }
    const std::vector<diff_step> steps = read_diff_script(script);
    std::size_t compared = 0;
    for (const int protocol : {2, 3}) {
        auto theirs_connection = std::make_unique<redis_connection>(redis.port());
        auto our_session = std::make_unique<server::session>(*target.commands, *target.context);
        REQUIRE(theirs_connection->connected());
        std::string encoded;
        for (const std::vector<std::string>& command : options.preamble) {
            encoded.clear();
            resp::write_command_range(encoded, command);
            (void)theirs_connection->request(encoded);
            our_session->feed(encoded);
            our_session->output_sent(our_session->pending_output().size());
        }
        redis_connection* theirs_ptr = theirs_connection.get();
        server::session* ours_ptr = our_session.get();
        encoded.clear();
        resp::write_command(encoded, "FLUSHALL");
        (void)theirs_ptr->request(encoded);
        target.flush_all();
        if (protocol == 3) {
            encoded.clear();
            resp::write_command(encoded, "HELLO", "3");
            (void)theirs_ptr->request(encoded);
            ours_ptr->set_protocol(resp::protocol::resp3);
        }
        // The second connection of [subscriber] steps, opened by the first one (in this pass's
        // protocol); after each other command, what it was sent is compared.
        std::unique_ptr<redis_connection> theirs_subscriber;
        std::unique_ptr<server::session> our_subscriber;
        const auto compare_pushes = [&](const diff_step& step) {
            if (!our_subscriber) return;
            // A PING after the command: what the subscriber got before its reply is what the
            // command sent it (Redis wrote it while running the command).
            encoded.clear();
            resp::write_command(encoded, "PING");
            our_subscriber->feed(encoded);
            const std::string actual(our_subscriber->pending_output());
            our_subscriber->output_sent(actual.size());
            std::string expected;
            for (int n = 0; n < 100000; ++n) {
                const std::string reply = n == 0 ? theirs_subscriber->request(encoded) : theirs_subscriber->read_reply();
                REQUIRE_MESSAGE(!reply.empty(), "redis-server's subscriber gave no PING reply");
                expected += reply;
                if (reply == "+PONG\r\n" || reply == "*2\r\n$4\r\npong\r\n$0\r\n\r\n") break;
            }
            INFO(script.filename().string() << ":" << step.line << " (RESP" << protocol
                                            << ", the subscriber's messages): " << step.text);
            CHECK(actual == expected);
            ++compared;
        };
        for (const diff_step& step : steps) {
            if (step.only_protocol != 0 && step.only_protocol != protocol) continue;
            if (step.subscriber) {
                if (!our_subscriber) {
                    theirs_subscriber = std::make_unique<redis_connection>(redis.port());
                    REQUIRE(theirs_subscriber->connected());
                    our_subscriber = std::make_unique<server::session>(*target.commands, *target.context);
                    if (protocol == 3) {
                        encoded.clear();
                        resp::write_command(encoded, "HELLO", "3");
                        (void)theirs_subscriber->request(encoded);
                        our_subscriber->set_protocol(resp::protocol::resp3);
                    }
                }
                encoded.clear();
                resp::write_command_range(encoded, step.args);
                our_subscriber->feed(encoded);
                const std::string actual(our_subscriber->pending_output());
                our_subscriber->output_sent(actual.size());
                std::string expected = theirs_subscriber->request(encoded);
                for (std::size_t n = count_replies(actual); n > 1 && !expected.empty(); --n)
                    expected += theirs_subscriber->read_reply();
                INFO(script.filename().string() << ":" << step.line << " (RESP" << protocol << ", subscriber): " << step.text);
                CHECK(actual == expected);
                ++compared;
                continue;
            }
            redis_connection& theirs = *theirs_ptr;
            server::session& ours = *ours_ptr;
            if (step.reconnect) {
                theirs_connection = std::make_unique<redis_connection>(redis.port());
                our_session = std::make_unique<server::session>(*target.commands, *target.context);
                REQUIRE(theirs_connection->connected());
                theirs_ptr = theirs_connection.get();
                ours_ptr = our_session.get();
                continue;
            }
            if (step.sleep_ms >= 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(step.sleep_ms));
                continue;
            }
            encoded.clear();
            resp::write_command_range(encoded, step.args);
            ours.feed(encoded);
            // A blocking command that found nothing waits for its timeout, as a transport would.
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (ours.blocked() && std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                target.context->tick();
                server::expire_blocked_sessions(*target.context);
            }
            const std::string actual(ours.pending_output());
            ours.output_sent(actual.size());
            // A command may answer with several replies (SUBSCRIBE a b): take as many from
            // Redis as respkit gave (at least one); a count that differs shows as a difference.
            std::string expected = theirs.request(encoded);
            for (std::size_t n = count_replies(actual); n > 1 && !expected.empty(); --n) expected += theirs.read_reply();
            INFO(script.filename().string() << ":" << step.line << " (RESP" << protocol << "): " << step.text);
            REQUIRE_MESSAGE(!expected.empty(), "redis-server gave no reply");
            if (!step.masked_fields.empty()) {
                CHECK(masked_form(actual, step.masked_fields) == masked_form(expected, step.masked_fields));
            } else if (step.type_only) {
                CHECK(actual.substr(0, 1) == expected.substr(0, 1));
            } else if (step.unordered) {
                CHECK(unordered_form(actual) == unordered_form(expected));
            } else {
                CHECK(actual == expected);
            }
            ++compared;
            compare_pushes(step);
        }
    }
    return compared;
}

} // namespace respkit_test

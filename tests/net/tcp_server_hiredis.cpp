// The TCP server against hiredis, a real client library: commands with binary arguments,
// a pipeline of a thousand commands, error replies, and a reply larger than hiredis's reader
// buffers.

#include <doctest/doctest.h>

#include <hiredis/hiredis.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "respkit/net.hpp"
#include "respkit/server.hpp"

using namespace respkit;

namespace {

struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;
struct context_deleter {
    void operator()(redisContext* c) const { redisFree(c); }
};

// ECHO replies with its arguments, PING with PONG, BIG n with n bytes; served on a thread.
class echo_server {
public:
    echo_server() {
        m_commands.add({.name = "echo", .arity = -1}, [](server::command_call& call) {
            call.reply().array(call.argc() - 1);
            for (std::string_view arg : call.args().subspan(1)) call.reply().bulk_string(arg);
        });
        m_commands.add({.name = "ping", .arity = -1},
                       [](server::command_call& call) { call.reply().simple_string("PONG"); });
        m_commands.add({.name = "big", .arity = 2}, [](server::command_call& call) {
            call.reply().bulk_string(std::string(std::stoul(std::string(call.arg(1))), 'b'));
        });
        m_server.emplace(m_commands, m_context, net::tcp_server_options{.port = 0});
        REQUIRE(!m_server->listen());
        m_thread = std::thread([this] { m_server->run(); });
    }
    echo_server(const echo_server&) = delete;
    echo_server& operator=(const echo_server&) = delete;
    ~echo_server() {
        m_server->stop();
        m_thread.join();
    }
    [[nodiscard]] int port() const { return m_server->port(); }

private:
    server::dispatcher m_commands;
    server::server_context m_context;
    std::optional<net::tcp_server> m_server;
    std::thread m_thread;
};

} // namespace

TEST_CASE("hiredis: binary-safe commands, a 1,000-command pipeline, errors, a large reply") {
    echo_server s;
    const timeval timeout{5, 0};
    std::unique_ptr<redisContext, context_deleter> c(redisConnectWithTimeout("127.0.0.1", s.port(), timeout));
    REQUIRE(c);
    REQUIRE(c->err == 0);
    redisSetTimeout(c.get(), timeout);

    const std::string binary("a\0b\r\nc", 6);
    reply_ptr r(static_cast<redisReply*>(redisCommand(c.get(), "ECHO %s %b", "hello", binary.data(), binary.size())));
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == 2);
    CHECK(std::string_view(r->element[0]->str, r->element[0]->len) == "hello");
    CHECK(std::string_view(r->element[1]->str, r->element[1]->len) == binary);

    r.reset(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
    REQUIRE(r);
    CHECK(r->type == REDIS_REPLY_STATUS);
    CHECK(std::string_view(r->str, r->len) == "PONG");

    r.reset(static_cast<redisReply*>(redisCommand(c.get(), "NOSUCH x")));
    REQUIRE(r);
    CHECK(r->type == REDIS_REPLY_ERROR);
    CHECK(std::string_view(r->str, r->len) == "ERR unknown command 'NOSUCH', with args beginning with: 'x' ");

    for (int i = 0; i < 1000; ++i) redisAppendCommand(c.get(), "ECHO %d", i);
    int in_order = 0;
    for (int i = 0; i < 1000; ++i) {
        void* raw = nullptr;
        REQUIRE(redisGetReply(c.get(), &raw) == REDIS_OK);
        reply_ptr p(static_cast<redisReply*>(raw));
        in_order += p->type == REDIS_REPLY_ARRAY && p->elements == 1 &&
                    std::string_view(p->element[0]->str, p->element[0]->len) == std::to_string(i);
    }
    CHECK(in_order == 1000);

    r.reset(static_cast<redisReply*>(redisCommand(c.get(), "BIG %d", 3 << 20)));
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_STRING);
    CHECK(r->len == 3u << 20);
    CHECK(std::string_view(r->str, r->len).find_first_not_of('b') == std::string_view::npos);
}

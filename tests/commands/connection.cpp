// The connection commands (respkit/commands/connection.hpp): tests/diff/connection.redis against
// redis-server 7.0.15, then what the script cannot show: values that differ by nature (ids,
// CLIENT LIST), Redis 7.2's CLIENT SETINFO, QUIT and SHUTDOWN, CLIENT KILL. requirepass, AUTH,
// HELLO AUTH and NOAUTH: tests/diff/auth.redis against redis-server with the same password.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

namespace {

/// What Redis groups as connection and server commands, without the data families.
constexpr command_family connection_and_server = command_family::connection | command_family::server;

} // namespace

TEST_CASE("diff: connection commands against redis-server") {
    command_server<> f(connection_and_server);
    const std::size_t compared = run_diff_script(diff_script_path("connection.redis"), f.target());
    MESSAGE("connection.redis: " << compared << " replies compared");
}

TEST_CASE("diff: requirepass, AUTH, HELLO AUTH and NOAUTH against redis-server with the same password") {
    // The string and transaction commands too, for what NOAUTH refuses.
    command_server<> f(connection_and_server | command_family::strings | command_family::transactions);
    REQUIRE(f.config.set("requirepass", "secret", true).empty());
    CHECK(f.commands.access().password_required());
    const std::size_t compared = run_diff_script(
        diff_script_path("auth.redis"), f.target(),
        {.redis_args = {"--requirepass", "secret"}, .preamble = {{"AUTH", "secret"}}});
    MESSAGE("auth.redis: " << compared << " replies compared");
}

TEST_CASE("HELLO replies the handshake map with this connection's id and switches protocol") {
    command_server<> f(connection_and_server);
    session s(f.commands, f.context);
    const std::string id = std::to_string(s.id());
    s.feed("HELLO 3 SETNAME app\r\n");
    CHECK(s.pending_output() == "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
                                "$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                                "$7\r\nmodules\r\n*0\r\n");
    CHECK(s.protocol() == resp::protocol::resp3);
    CHECK(s.name() == "app");
    s.output_sent(s.pending_output().size());
    s.feed("CLIENT ID\r\nRESET\r\nCLIENT GETNAME\r\n");
    CHECK(s.pending_output() == ":" + id + "\r\n+RESET\r\n$-1\r\n");
    CHECK(s.protocol() == resp::protocol::resp2);
}

TEST_CASE("QUIT replies +OK and closes; SHUTDOWN asks the server to stop without a reply") {
    command_server<> f(connection_and_server);
    session s(f.commands, f.context);
    s.feed("QUIT\r\nPING\r\n");
    CHECK(s.pending_output() == "+OK\r\n");
    CHECK(s.closing());
    session t(f.commands, f.context);
    t.feed("SHUTDOWN SAVE\r\n");
    CHECK(t.pending_output() == "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
    CHECK(!f.context.shutdown_requested());
    t.output_sent(t.pending_output().size());
    t.feed("SHUTDOWN NOSAVE NOW\r\n");
    CHECK(t.pending_output().empty());
    CHECK(t.closing());
    CHECK(f.context.shutdown_requested());
}

TEST_CASE("CLIENT SETINFO (Redis 7.2) validates and stores lib-name and lib-ver") {
    command_server<> f(connection_and_server);
    session s(f.commands, f.context);
    s.feed("CLIENT SETINFO lib-name redis-py\r\nCLIENT SETINFO LIB-VER 5.0.1\r\nCLIENT SETINFO lib-ver \"1 2\"\r\n"
           "CLIENT SETINFO nosuch x\r\nCLIENT SETINFO lib-name\r\n");
    CHECK(s.pending_output() == "+OK\r\n+OK\r\n-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n"
                                "-ERR Unrecognized option 'nosuch'\r\n"
                                "-ERR wrong number of arguments for 'client|setinfo' command\r\n");
    CHECK(s.lib_name == "redis-py");
    CHECK(s.lib_version == "5.0.1");
    s.output_sent(s.pending_output().size());
    s.feed("CLIENT INFO\r\n");
    CHECK(s.pending_output().find(" lib-name=redis-py lib-ver=5.0.1\n") != std::string_view::npos);
}

TEST_CASE("CLIENT LIST and INFO show Redis 7.0's fields; RESP3 gets a verbatim string") {
    command_server<> f(connection_and_server);
    session other(f.commands, f.context);
    other.peer_address = "127.0.0.1:5000";
    other.local_address = "127.0.0.1:6379";
    other.fd = 9;
    other.feed("CLIENT SETNAME worker\r\nSELECT 4\r\n");
    session s(f.commands, f.context);
    s.feed("CLIENT LIST\r\n");
    const std::string out(s.pending_output());
    const std::string first = "id=" + std::to_string(other.id()) +
                              " addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=9 name=worker age=0 idle=0 flags=N db=4 "
                              "sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=";
    CHECK(out.find(first) != std::string::npos);
    CHECK(out.find(" cmd=select user=default redir=-1 resp=2\nid=" + std::to_string(s.id())) != std::string::npos);
    CHECK(out.find("cmd=client|list user=default redir=-1 resp=2\n\r\n") != std::string::npos);
    for (const std::string_view field : {" argv-mem=", " multi-mem=", " rbs=", " rbp=", " obl=", " oll=", " omem=",
                                         " tot-mem=", " events=r"}) {
        CHECK(out.find(field) != std::string::npos);
    }
    s.output_sent(out.size());
    s.feed("HELLO 3\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("CLIENT INFO\r\n");
    CHECK(s.pending_output().starts_with("="));
    CHECK(s.pending_output().find("\r\ntxt:id=" + std::to_string(s.id()) + " ") != std::string_view::npos);
    CHECK(s.pending_output().find(" resp=3\n\r\n") != std::string_view::npos);
}

TEST_CASE("CLIENT KILL closes the matching sessions") {
    command_server<> f(connection_and_server);
    session victim(f.commands, f.context);
    victim.peer_address = "127.0.0.1:4000";
    session killer(f.commands, f.context);
    killer.feed("CLIENT KILL 127.0.0.1:4000\r\n");
    CHECK(killer.pending_output() == "+OK\r\n");
    CHECK(victim.closing());
    session victim2(f.commands, f.context);
    killer.output_sent(killer.pending_output().size());
    killer.feed("CLIENT KILL ID " + std::to_string(victim2.id()) + "\r\nCLIENT KILL ID " +
                std::to_string(killer.id()) + "\r\n");
    CHECK(killer.pending_output() == ":1\r\n:0\r\n"); // SKIPME yes by default
    CHECK(victim2.closing());
    CHECK(!killer.closing());
}

TEST_CASE("CLIENT REPLY ON|OFF|SKIP drops replies as redis-server 7.0.15 does (its bytes for this pipeline)") {
    command_server<> f(connection_and_server | command_family::strings);
    session s(f.commands, f.context);
    s.feed("CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY SKIP\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n"
           "CLIENT REPLY SKIP\r\nGET a\r\nGET a\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING p1\r\nPING p2\r\n"
           "CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING p3\r\nCLIENT REPLY x\r\nCLIENT REPLY OFF\r\nCLIENT REPLY x\r\n"
           "RESET\r\nPING p4\r\nCLIENT REPLY SKIP\r\nNOSUCH\r\nPING p5\r\nQUIT\r\n");
    // Captured from redis-server 7.0.15 for the same bytes.
    CHECK(s.pending_output() == "+OK\r\n$1\r\n1\r\n$1\r\n1\r\n$2\r\np2\r\n+OK\r\n$2\r\np3\r\n-ERR syntax error\r\n+RESET\r\n"
                                "$2\r\np4\r\n$2\r\np5\r\n+OK\r\n");
    CHECK(!s.replies_off());
}

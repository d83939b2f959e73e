// ACL (respkit/commands/acl.hpp, server/access_control.hpp, server/acl_check.hpp):
// tests/diff/acl.redis against redis-server 7.0.15, then what the script cannot show.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/sha256.hpp"
#include "support/command_server.hpp"
#include "support/file_util.hpp"
#include "support/resp_bytes.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

TEST_CASE("diff: ACL against redis-server") {
    command_server<> f;
    const std::size_t compared = run_diff_script(diff_script_path("acl.redis"), f.target());
    MESSAGE("acl.redis: " << compared << " replies compared");
}

namespace {

std::string err(std::string_view text) { return "-" + std::string(text) + "\r\n"; }

} // namespace

TEST_CASE("users set from C++: rules, authentication, the check in the command path") {
    command_server<> f;
    access_control& acl = f.commands.access();
    CHECK(acl.set_user("reader", std::vector<std::string>{"on", ">s3cret", "~cache:*", "&news.*", "+@read", "-@dangerous"})
              .empty());
    CHECK(acl.set_user("bad", std::vector<std::string>{"on", "+nosuch"}) ==
          "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    CHECK(acl.find("bad") == nullptr); // nothing applied
    CHECK(acl.authenticate("reader", "s3cret") != nullptr);
    CHECK(acl.authenticate("reader", "wrong") == nullptr);
    CHECK(acl.authenticate("nosuch", "s3cret") == nullptr);
    const std::shared_ptr<acl_user> reader = acl.find("reader");
    REQUIRE(reader);
    CHECK(reader->passwords() == std::vector<std::string>{respkit::detail::sha256_hex("s3cret")});

    command_client c(f);
    CHECK(c({"AUTH", "reader", "s3cret"}) == "+OK\r\n");
    CHECK(c.session.user_ptr() == reader);
    CHECK(c({"GET", "cache:1"}) == "$-1\r\n");
    CHECK(c({"GET", "other"}) == err("NOPERM this user has no permissions to access one of the keys used as arguments"));
    CHECK(c({"SET", "cache:1", "v"}) == err("NOPERM this user has no permissions to run the 'set' command"));
    CHECK(c({"KEYS", "*"}) == err("NOPERM this user has no permissions to run the 'keys' command"));
    // The log holds the three denials, newest first, with Redis's fields.
    const auto& log = acl.log().entries();
    REQUIRE(log.size() == 3);
    CHECK(log[0].reason == acl_denial::command);
    CHECK(log[0].object == "keys");
    CHECK(log[1].object == "set");
    CHECK(log[2].reason == acl_denial::key);
    CHECK(log[2].object == "other");
    CHECK(log[2].username == "reader");
    CHECK(log[2].client_info.find("id=" + std::to_string(c.session.id()) + " ") == 0);
    CHECK(log[2].client_info.find(" user=reader ") != std::string::npos);
    // CLIENT LIST shows the user; CLIENT KILL USER finds its clients.
    command_client admin(f);
    const std::string list = admin({"CLIENT", "LIST"});
    CHECK(list.find(" user=reader ") != std::string::npos);
    CHECK(list.find(" user=default ") != std::string::npos);
    CHECK(admin({"CLIENT", "KILL", "USER", "nosuch"}) == err("ERR No such user 'nosuch'"));
    CHECK(admin({"CLIENT", "KILL", "USER", "reader"}) == ":1\r\n");
    CHECK(c.session.closing());
}

TEST_CASE("ACL DELUSER disconnects the user's clients; ACL SETUSER off does not (as Redis 7.0)") {
    command_server<> f;
    command_client admin(f), a(f), b(f);
    CHECK(admin({"ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*"}) == "+OK\r\n");
    CHECK(a({"AUTH", "u", "x"}) == "+OK\r\n");
    CHECK(b({"AUTH", "u", "y"}) == "+OK\r\n");
    CHECK(admin({"ACL", "SETUSER", "u", "off"}) == "+OK\r\n");
    CHECK(!a.session.closing());
    CHECK(a({"PING"}) == "+PONG\r\n");
    CHECK(admin({"AUTH", "u", "x"}) == err("WRONGPASS invalid username-password pair or user is disabled."));
    // Deleting it from one of its own clients: that one gets its reply, then closes.
    CHECK(admin({"ACL", "SETUSER", "u", "on"}) == "+OK\r\n");
    CHECK(a({"ACL", "DELUSER", "u"}) == ":1\r\n");
    CHECK(a.session.closing());
    CHECK(b.session.closing());
    CHECK(!admin.session.closing());
    CHECK(b.session.user().name() == "default");
    CHECK(!b.session.authenticated());
}

TEST_CASE("ACL SETUSER taking channels away disconnects the user's subscribers they no longer allow") {
    command_server<> f;
    command_client admin(f), sub(f), psub(f), other(f);
    CHECK(admin({"ACL", "SETUSER", "s", "on", "nopass", "+@all", "~*", "resetchannels", "&a*", "&b"}) == "+OK\r\n");
    CHECK(sub({"AUTH", "s", "x"}) == "+OK\r\n");
    CHECK(psub({"AUTH", "s", "x"}) == "+OK\r\n");
    CHECK(other({"AUTH", "s", "x"}) == "+OK\r\n");
    CHECK(sub({"SUBSCRIBE", "a1", "b"}).starts_with("*3\r\n"));
    CHECK(psub({"PSUBSCRIBE", "a*"}).starts_with("*3\r\n"));
    CHECK(sub({"SUBSCRIBE", "c"}) == err("NOPERM this user has no permissions to access one of the channels used as arguments"));
    CHECK(psub({"PSUBSCRIBE", "a1*"}) == err("NOPERM this user has no permissions to access one of the channels used as arguments"));
    // Adding a pattern changes nothing for the connected.
    CHECK(admin({"ACL", "SETUSER", "s", "&c"}) == "+OK\r\n");
    CHECK(!sub.session.closing());
    CHECK(!psub.session.closing());
    // Without &b: the subscriber of b goes, the pattern subscriber of a* stays, as does a
    // client with no subscription.
    CHECK(admin({"ACL", "SETUSER", "s", "resetchannels", "&a*", "&c"}) == "+OK\r\n");
    CHECK(sub.session.closing());
    CHECK(!psub.session.closing());
    CHECK(!other.session.closing());
    // Without &a*: the pattern a* is no longer an ACL pattern.
    CHECK(admin({"ACL", "SETUSER", "s", "resetchannels", "&a1"}) == "+OK\r\n");
    CHECK(psub.session.closing());
}

TEST_CASE("ACL GENPASS lengths, ACL LOG's fields, acllog-max-len, ACL SAVE and LOAD through a file") {
    command_server<> f;
    command_client c(f);
    CHECK(c({"ACL", "GENPASS"}).starts_with("$64\r\n"));
    CHECK(c({"ACL", "GENPASS", "1"}).starts_with("$1\r\n"));
    CHECK(c({"ACL", "GENPASS", "4096"}).starts_with("$1024\r\n"));
    CHECK(c({"ACL", "GENPASS"}) != c({"ACL", "GENPASS"}));

    CHECK(f.config.set("acllog-max-len", "2", true).empty());
    command_client u(f);
    for (const char* name : {"a", "b", "c"}) CHECK(u({"AUTH", name, "x"}).starts_with("-WRONGPASS"));
    CHECK(u({"AUTH", "c", "x"}).starts_with("-WRONGPASS")); // counted with the same entry
    const resp::value log = c.parsed({"ACL", "LOG"});
    REQUIRE(log.size() == 2);
    CHECK(log[0].size() == 14);
    CHECK(log[0][0].string() == "count");
    CHECK(log[0][1].integer() == 2);
    CHECK(log[0][3].string() == "auth");
    CHECK(log[0][7].string() == "AUTH");
    CHECK(log[0][9].string() == "c");
    CHECK(log[0][10].string() == "age-seconds");
    CHECK(log[0][12].string() == "client-info");
    CHECK(log[1][9].string() == "b");

    temp_dir dir;
    f.commands.access().file = dir.file("users.acl");
    CHECK(c({"ACL", "SETUSER", "x", "on", ">p", "~k*", "(+get ~s*)"}) == "+OK\r\n");
    CHECK(c({"ACL", "SAVE"}) == "+OK\r\n");
    CHECK(dir.read("users.acl") == "user default on nopass ~* &* +@all\nuser x on #" + respkit::detail::sha256_hex("p") +
                                       " ~k* resetchannels -@all (~s* resetchannels -@all +get)\n");
    CHECK(c({"ACL", "DELUSER", "x"}) == ":1\r\n");
    CHECK(c({"ACL", "LOAD"}) == "+OK\r\n");
    CHECK(c({"ACL", "USERS"}) == "*2\r\n" + bulk("default") + bulk("x"));
    dir.write("users.acl", "user x on (+get\n");
    CHECK(c({"ACL", "LOAD"}) == err("ERR " + dir.file("users.acl") +
                                    ":1: Unmatched parenthesis in selector definition.WARNING: ACL errors detected, no "
                                    "change to the previously active ACL rules was performed"));
}

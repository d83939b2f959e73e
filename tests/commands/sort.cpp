// SORT and SORT_RO (respkit/commands/sort.hpp): tests/diff/sort.redis against redis-server 7.0.15
// (both keyspace maps), then what a script cannot show: the key a STORE writes wakes a blocked
// client and fails a WATCH, and BY/GET are refused to a user who may not read every key.

#include <doctest/doctest.h>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE_TEMPLATE("sort.redis against redis-server", K, store::keyspace<>, store::std_keyspace<>) {
    command_server<K> srv;
    const std::size_t compared = run_diff_script(diff_script_path("sort.redis"), srv.target());
    MESSAGE("sort.redis: " << compared << " replies compared");
}

TEST_CASE("SORT ... STORE serves a client blocked on the destination and fails its watchers") {
    command_server<> srv;
    command_client p(srv), blocked(srv), watcher(srv);
    CHECK(p({"RPUSH", "src", "3", "1", "2"}) == ":3\r\n");
    CHECK(watcher({"WATCH", "dst"}) == "+OK\r\n");
    CHECK(blocked({"BLPOP", "dst", "0"}).empty());
    CHECK(p({"SORT", "src", "STORE", "dst"}) == ":3\r\n");
    CHECK(blocked.take() == "*2\r\n$3\r\ndst\r\n$1\r\n1\r\n");
    CHECK(watcher({"MULTI"}) == "+OK\r\n");
    CHECK(watcher({"EXEC"}) == "*-1\r\n");
    CHECK(p({"LRANGE", "dst", "0", "-1"}) == "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
}

TEST_CASE("SORT's BY and GET need read access to every key") {
    command_server<> srv;
    command_client admin(srv), user(srv);
    CHECK(admin({"ACL", "SETUSER", "u", "on", "nopass", "+@all", "~s*"}) == "+OK\r\n");
    CHECK(admin({"RPUSH", "s", "2", "1"}) == ":2\r\n");
    CHECK(user({"AUTH", "u", "x"}) == "+OK\r\n");
    CHECK(user({"SORT", "s"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    CHECK(user({"SORT", "s", "BY", "nosort"}) == "*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
    CHECK(user({"SORT", "s", "BY", "w_*"}) == "-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n");
    CHECK(user({"SORT", "s", "GET", "#"}) == "-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n");
    CHECK(admin({"ACL", "SETUSER", "u", "%R~*"}) == "+OK\r\n");
    CHECK(user({"SORT", "s", "GET", "#"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

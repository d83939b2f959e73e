// ACL users with real clients against the built respkit-server: users from `user` directives
// on the command line and from an ACL file; redis-cli `--user x --pass y` and redis-py
// `username=` run their everyday commands as those users, and meet NOPERM and WRONGPASS.

#include <doctest/doctest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "respkit/detail/sha256.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/redis_py.hpp"

using namespace respkit_test;

namespace {

/// respkit-server with ACL users given by `args`, in memory, on a free port.
server_process acl_server(std::vector<std::string> args) {
    std::vector<std::string> all{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no"};
    all.insert(all.end(), args.begin(), args.end());
    return server_process(built_program("respkit-server"), all);
}

/// Runs redis-cli against `port` with `args`; its standard output, trimmed of the last newline.
std::string cli(const std::string& program, int port, std::vector<std::string> args) {
    std::vector<std::string> argv{program, "-p", std::to_string(port), "--no-auth-warning"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_output out = run_program(argv);
    while (!out.out.empty() && out.out.back() == '\n') out.out.pop_back();
    return out.out;
}

} // namespace

TEST_CASE("ACL users from the command line: redis-cli --user --pass and redis-py username= as those users") {
    const server_process server =
        acl_server({"--user", "app", "on", ">apppass", "~app:*", "&app.*", "+@all", "-@dangerous",
                    "--user", "reader", "on", ">readpass", "%R~*", "-@all", "+@read", "+ping"});
    if (!server.running()) {
        MESSAGE("skipped: respkit-server not built");
        return;
    }
    const std::string redis_cli = find_on_path("redis-cli");
    if (!redis_cli.empty()) {
        const int port = server.port();
        CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "SET", "app:1", "v"}) == "OK");
        CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "GET", "app:1"}) == "v");
        CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "ACL", "WHOAMI"}) == "app");
        CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "SET", "other", "v"}) ==
              "NOPERM this user has no permissions to access one of the keys used as arguments");
        CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "FLUSHALL"}) ==
              "NOPERM this user has no permissions to run the 'flushall' command");
        CHECK(cli(redis_cli, port, {"--user", "reader", "--pass", "readpass", "-3", "GET", "app:1"}) == "v");
        CHECK(cli(redis_cli, port, {"--user", "reader", "--pass", "readpass", "SET", "app:1", "w"}) ==
              "NOPERM this user has no permissions to run the 'set' command");
        // A wrong password: redis-cli reports the AUTH failure and runs the command as the
        // default user (who needs no password here), as against redis-server.
        const run_output wrong = run_program({redis_cli, "-p", std::to_string(port), "--no-auth-warning", "--user",
                                              "app", "--pass", "wrong", "ACL", "WHOAMI"});
        CHECK(wrong.out == "default\n");
        CHECK(wrong.err.find("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.") !=
              std::string::npos);
        // The default user still has no password: redis-cli without --user is the default user.
        CHECK(cli(redis_cli, port, {"ACL", "WHOAMI"}) == "default");
        CHECK(cli(redis_cli, port, {"ACL", "USERS"}) == "app\ndefault\nreader");
    }
    const std::string& python = redis_py_python;
    if (have_redis_py()) {
        const std::string script = R"PY(
import sys, redis
port = int(sys.argv[1])
r = redis.Redis(port=port, username='app', password='apppass')
assert r.acl_whoami() == 'app' or r.acl_whoami() == b'app'
assert r.set('app:k', 'v') is True
assert r.get('app:k') == b'v'
assert r.incr('app:n') == 1
assert r.hset('app:h', mapping={'a': 1, 'b': 2}) == 2
assert r.hgetall('app:h') == {b'a': b'1', b'b': b'2'}
assert r.rpush('app:l', 'x', 'y') == 2
assert r.lrange('app:l', 0, -1) == [b'x', b'y']
with r.pipeline() as pipe:
    pipe.set('app:p', 1).incr('app:p').get('app:p')
    assert pipe.execute() == [True, 2, b'2']
assert r.publish('app.news', 'hi') == 0
try:
    r.get('elsewhere')
    raise SystemExit('GET elsewhere should be refused')
except redis.exceptions.NoPermissionError as e:
    assert 'no permissions to access one of the keys' in str(e), e
try:
    r.publish('other', 'x')
    raise SystemExit('PUBLISH other should be refused')
except redis.exceptions.NoPermissionError as e:
    assert 'channels' in str(e), e
try:
    redis.Redis(port=port, username='app', password='wrong').ping()
    raise SystemExit('a wrong password should be refused')
except redis.exceptions.ResponseError as e:  # redis-py 4 raises WRONGPASS as a ResponseError
    assert 'WRONGPASS' in str(e), e
ro = redis.Redis(port=port, username='reader', password='readpass', protocol=3) if redis.__version__ >= '5' else redis.Redis(port=port, username='reader', password='readpass')
assert ro.get('app:k') == b'v'
try:
    ro.set('app:k', 'w')
    raise SystemExit('SET as reader should be refused')
except redis.exceptions.NoPermissionError:
    pass
print('ok')
)PY";
        const run_output out = run_program({python, "-c", script, std::to_string(server.port())}, {}, std::chrono::seconds(30));
        CAPTURE(out.err);
        CHECK(out.exit_code == 0);
        CHECK(out.out == "ok\n");
    }
}

TEST_CASE("ACL file: loaded at start-up, ACL LOAD and ACL SAVE; users in both the file and the configuration refused") {
    const std::string program = built_program("respkit-server");
    const std::string redis_cli = find_on_path("redis-cli");
    if (program.empty() || redis_cli.empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli missing");
        return;
    }
    temp_dir dir;
    const std::string acl = dir.write("users.acl", "user default on nopass ~* &* +@all\n"
                                                   "user app on >apppass ~app:* resetchannels -@all +get +set\n");
    const server_process server = acl_server({"--aclfile", acl});
    REQUIRE(server.running());
    const int port = server.port();
    CHECK(cli(redis_cli, port, {"ACL", "LIST"}) == "user app on #" + respkit::detail::sha256_hex("apppass") +
                                                       " ~app:* resetchannels -@all +get +set\n"
                                                       "user default on nopass ~* &* +@all");
    CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "SET", "app:1", "v"}) == "OK");
    CHECK(cli(redis_cli, port, {"--user", "app", "--pass", "apppass", "DEL", "app:1"}) ==
          "NOPERM this user has no permissions to run the 'del' command");
    // ACL SAVE writes the users as the file holds them; ACL LOAD reads an edited file.
    CHECK(cli(redis_cli, port, {"ACL", "SETUSER", "bob", "on", ">bobpass", "+@all", "~*"}) == "OK");
    CHECK(cli(redis_cli, port, {"ACL", "SAVE"}) == "OK");
    const std::string saved = dir.read("users.acl");
    CHECK(saved.find("user bob on #") != std::string::npos);
    CHECK(saved.find("user app on #") != std::string::npos);
    CHECK(saved.find("user default on nopass ~* &* +@all\n") != std::string::npos);
    dir.write("users.acl", "user default on nopass ~* &* +@all\nuser carol on nopass +@all ~*\n");
    CHECK(cli(redis_cli, port, {"ACL", "LOAD"}) == "OK");
    CHECK(cli(redis_cli, port, {"ACL", "USERS"}) == "carol\ndefault");
    dir.write("users.acl", "user default on nopass ~* &* +@all\nuser dave on +nosuch\nuser\n");
    CHECK(cli(redis_cli, port, {"ACL", "LOAD"}) ==
          "ERR " + acl + ":2: Error in applying operation '+nosuch': Unknown command or category name in ACL. " + acl +
              ":3 should start with user keyword followed by the username. WARNING: ACL errors detected, no change "
              "to the previously active ACL rules was performed");
    CHECK(cli(redis_cli, port, {"ACL", "USERS"}) == "carol\ndefault");

    // A `user default` line with a password: connections must authenticate (it wins over
    // requirepass, which is applied first, as Redis applies them).
    {
        const server_process locked = acl_server({"--requirepass", "old", "--user", "default", "on", ">adminpass", "~*",
                                                  "&*", "+@all"});
        REQUIRE(locked.running());
        CHECK(cli(redis_cli, locked.port(), {"PING"}) == "NOAUTH Authentication required.");
        CHECK(cli(redis_cli, locked.port(), {"-a", "old", "PING"}) == "NOAUTH Authentication required.");
        CHECK(cli(redis_cli, locked.port(), {"-a", "adminpass", "PING"}) == "PONG");
    }

    // Users in the configuration and an ACL file together: refused at start-up, as Redis.
    const run_output both = run_program({program, "--port", "0", "--aclfile", acl, "--user", "x", "on"}, {},
                                        std::chrono::seconds(10));
    CHECK(both.exit_code == 1);
    CHECK((both.out + both.err).find("define either an ACL file or declare users directly") != std::string::npos);
}

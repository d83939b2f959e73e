// format_cli against the real redis-cli: the same commands go to a real redis-server through
// redis-cli --no-raw and through a raw socket decoded by respkit; the printed text must be the
// same, in RESP2 and RESP3. Skips when redis-server or redis-cli is not installed.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "respkit/resp.hpp"
#include "support/process_util.hpp"

using namespace respkit::resp;
using namespace respkit_test;

namespace {

// Redis commands (redis-cli's and Redis's inline splitting agree) covering every reply shape.
const std::vector<std::string> script = {
    "FLUSHALL",
    "PING",
    "SET s \"bin\\x00\\xff\\r\\n\\\"q\\\"\"",
    "GET s",
    "GET nosuch",
    "INCR n",
    "RPUSH l a \"b c\" \"\" 1 2 3 4 5 6 7 8",
    "LRANGE l 0 -1",
    "LRANGE nosuch 0 -1",
    "HSET h f1 v1 f2 v2",
    "HGETALL h",
    "HGETALL nosuch",
    "SADD st x",
    "SMEMBERS st",
    "ZADD z 1.5 a 2 b -inf c",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZSCORE z a",
    "NOSUCHCOMMAND x",
    "GET",
    "EVAL \"return {1,{2,{3,'x'},{}},'y',false}\" 0",
    "EVAL \"redis.setresp(3); return {map={a={1,2},b={map={c=1}}}}\" 0",
    "EVAL \"redis.setresp(3); return {set={a=true}}\" 0",
    "EVAL \"redis.setresp(3); return {double=3.14159}\" 0",
    "EVAL \"redis.setresp(3); return true\" 0",
    "EVAL \"redis.setresp(3); return {verbatim_string={format='txt',string='line1\\nline2'}}\" 0",
    "EVAL \"return redis.status_reply('STATUS')\" 0",
    "CONFIG GET maxmemory*",
    "COMMAND DOCS GET",
    "COMMAND INFO GET SET",
};

void compare(bool resp3) {
    CAPTURE(resp3);
    const std::string cli = find_on_path("redis-cli");
    redis_server server;
    if (!server.available() || cli.empty()) {
        MESSAGE("skipped: redis-server or redis-cli not installed");
        return;
    }
    std::string input;
    for (const auto& line : script) input += line + "\n";
    std::vector<std::string> argv = {cli, "-p", std::to_string(server.port()), "--no-raw"};
    if (resp3) argv.push_back("-3");
    const run_output expected = run_program(argv, input);
    REQUIRE(expected.exit_code == 0);

    std::string request = resp3 ? "HELLO 3\r\n" : "";
    for (const auto& line : script) request += line + "\r\n";
    const std::string reply = exchange(server.port(), request);
    std::string_view rest = reply;
    parser p;
    value_builder build;
    std::string ours;
    bool first = true;
    while (!rest.empty()) {
        const parse_result r = p.parse(rest, build);
        REQUIRE(r.status == parse_status::complete);
        const value v = build.take();
        if (!(resp3 && first)) format_cli(v, ours); // redis-cli -3 does not print HELLO's reply
        first = false;
        rest.remove_prefix(r.consumed);
    }
    CHECK(ours.size() > 1000); // every command printed something
    CHECK(ours == expected.out);
}

} // namespace

TEST_CASE("format_cli prints RESP2 replies exactly as redis-cli does") { compare(false); }
TEST_CASE("format_cli prints RESP3 replies exactly as redis-cli does") { compare(true); }

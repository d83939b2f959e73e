// Connection and server commands: the differential scripts against redis-server 7.0.15
// (tests/diff/connection.redis, tests/diff/server.redis), then what the scripts cannot show:
// values that differ by nature (ids, INFO text, CLIENT LIST), Redis 7.2's CLIENT SETINFO,
// COMMAND over user commands, config hooks, QUIT and SHUTDOWN.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "diff_harness.hpp"
#include "respkit/commands/connection.hpp"
#include "respkit/commands/info.hpp"
#include "respkit/commands/introspection.hpp"
#include "respkit/commands/server_admin.hpp"
#include "respkit/commands/strings.hpp"
#include "respkit/commands/transactions.hpp"
#include "respkit/resp.hpp"
#include "respkit/server.hpp"
#include "respkit/server/config.hpp"
#include "respkit/store.hpp"

using namespace respkit;
using namespace respkit::server;

namespace {

struct fixture {
    store::keyspace<> keyspace;
    config_table config;
    dispatcher commands;
    server_context context;

    fixture() {
        commands::install_connection_commands(commands, keyspace.db_count());
        commands::install_server_commands(commands, keyspace, config);
        commands::install_info_command(commands, keyspace, config);
        commands::install_command_command(commands);
    }
    respkit_test::diff_target target() {
        return {&commands, &context, [this] { keyspace.flush_all(); }};
    }
};

std::string source_path(const char* relative) { return std::string(RESPKIT_SOURCE_DIR) + "/" + relative; }

} // namespace

TEST_CASE("diff: connection commands against redis-server") {
    fixture f;
    const std::size_t compared = respkit_test::run_diff_script(source_path("tests/diff/connection.redis"), f.target());
    MESSAGE("connection.redis: " << compared << " replies compared");
}

TEST_CASE("diff: server commands against redis-server") {
    fixture f;
    const std::size_t compared = respkit_test::run_diff_script(source_path("tests/diff/server.redis"), f.target());
    MESSAGE("server.redis: " << compared << " replies compared");
}

TEST_CASE("diff: requirepass, AUTH, HELLO AUTH and NOAUTH against redis-server with the same password") {
    fixture f;
    commands::install_string_commands(f.commands, f.keyspace);
    commands::install_transaction_commands(f.commands, f.keyspace);
    REQUIRE(f.config.set("requirepass", "secret", true).empty());
    CHECK(f.commands.access().password_required());
    const std::size_t compared = respkit_test::run_diff_script(
        source_path("tests/diff/auth.redis"), f.target(),
        {.redis_args = {"--requirepass", "secret"}, .preamble = {{"AUTH", "secret"}}});
    MESSAGE("auth.redis: " << compared << " replies compared");
}

TEST_CASE("HELLO replies the handshake map with this connection's id and switches protocol") {
    fixture f;
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
    fixture f;
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
    fixture f;
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
    fixture f;
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
    fixture f;
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

TEST_CASE("INFO: sections, Redis's field names, keyspace lines, errorstats and RESETSTAT") {
    fixture f;
    (void)f.keyspace.set(0, "a", store::value::from_bytes("1"));
    (void)f.keyspace.set(2, "b", store::value::from_bytes("2"));
    (void)f.keyspace.set_expiry(2, "b", f.keyspace.clock().now_ms() + 100000);
    session s(f.commands, f.context);
    s.feed("NOSUCH\r\nINFO\r\n");
    const std::string out(s.pending_output());
    for (const std::string_view line :
         {"# Server\r\nredis_version:7.0.15\r\n", "redis_mode:standalone\r\n", "run_id:", "tcp_port:6379\r\n",
          "\r\n\r\n# Clients\r\nconnected_clients:1\r\n", "maxclients:10000\r\n", "blocked_clients:0\r\n",
          "# Memory\r\nused_memory:", "used_memory_human:", "used_memory_rss:", "maxmemory_policy:noeviction\r\n",
          "# Persistence\r\nloading:0\r\n", "# Stats\r\ntotal_connections_received:1\r\ntotal_commands_processed:0\r\n",
          "total_net_input_bytes:14\r\n", "keyspace_hits:0\r\n", "expired_keys:0\r\n", "total_error_replies:1\r\n",
          "# Replication\r\nrole:master\r\n", "# CPU\r\nused_cpu_sys:", "# Modules\r\n\r\n# Errorstats\r\n",
          "errorstat_ERR:count=1\r\n", "# Cluster\r\ncluster_enabled:0\r\n",
          "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=1,avg_ttl=0\r\n"}) {
        CHECK_MESSAGE(out.find(line) != std::string::npos, line);
    }
    CHECK(out.ends_with("avg_ttl=0\r\n\r\n")); // the text, then the bulk string's own CRLF
    s.output_sent(out.size());
    s.feed("INFO stats errorstats\r\nCONFIG RESETSTAT\r\nINFO errorstats stats\r\n");
    const std::string after(s.pending_output());
    const std::size_t reset = after.find("+OK\r\n");
    REQUIRE(reset != std::string::npos);
    CHECK(after.substr(0, reset).find("errorstat_ERR:count=1") != std::string::npos);
    CHECK(after.substr(reset).find("errorstat_ERR") == std::string::npos);
    CHECK(after.substr(reset).find("total_commands_processed:1\r\n") != std::string::npos); // RESETSTAT itself
    CHECK(after.substr(reset).find("# Stats\r\n") < after.substr(reset).find("# Errorstats\r\n"));
}

TEST_CASE("COMMAND describes user commands from the dispatcher's table") {
    fixture f;
    f.commands.add({.name = "mycmd", .arity = -2, .flags = command_flag::write | command_flag::denyoom,
                    .keys = {1, -1, 2}, .group = "string", .summary = "A user command", .since = "0.1.0",
                    .complexity = "O(1)", .acl_categories = {"@write", "@string"}},
                   [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.feed("COMMAND INFO mycmd\r\n");
    CHECK(s.pending_output() ==
          "*1\r\n*10\r\n$5\r\nmycmd\r\n:-2\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*2\r\n+@write\r\n"
          "+@string\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
          "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
          "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND DOCS mycmd\r\nCOMMAND GETKEYS mycmd a 1 b 2\r\nCOMMAND COUNT\r\n");
    CHECK(s.pending_output() ==
          "*2\r\n$5\r\nmycmd\r\n*8\r\n$7\r\nsummary\r\n$14\r\nA user command\r\n$5\r\nsince\r\n$5\r\n0.1.0\r\n"
          "$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n:" +
              std::to_string(f.commands.commands().size()) + "\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND LIST FILTERBY aclcat string\r\nCOMMAND LIST FILTERBY pattern MY*\r\n");
    CHECK(s.pending_output() == "*1\r\n$5\r\nmycmd\r\n*1\r\n$5\r\nmycmd\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND\r\n");
    CHECK(s.pending_output().starts_with("*" + std::to_string(f.commands.commands().size()) + "\r\n"));
    CHECK(s.pending_output().find("$5\r\nmycmd\r\n") != std::string_view::npos);
}

TEST_CASE("COMMAND DOCS prints user argument docs, history and doc_flags in Redis's shape") {
    fixture f;
    command_spec spec{.name = "myset", .arity = -3, .flags = command_flag::write, .keys = {1, 1, 1}, .group = "string",
                      .summary = "S", .since = "1.0.0", .complexity = "O(1)", .doc_flags = {"deprecated"},
                      .deprecated_since = "2.0.0", .replaced_by = "`SET`", .history = {{"1.5.0", "Added `NX`."}}};
    spec.arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                      {.name = "when", .type = arg_type::oneof, .since = "1.5.0", .flags = arg_flag::optional,
                       .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"},
                                     {.name = "ttl", .type = arg_type::block,
                                      .arguments = {{.name = "secs", .type = arg_type::double_, .token = "EX"}}}}},
                      {.name = "tail", .type = arg_type::string, .deprecated_since = "1.9.0",
                       .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token}};
    f.commands.add(std::move(spec), [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.set_protocol(respkit::resp::protocol::resp3);
    s.feed("COMMAND DOCS myset\r\n");
    CHECK(s.pending_output() ==
          "%1\r\n$5\r\nmyset\r\n%9\r\n$7\r\nsummary\r\n$1\r\nS\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n"
          "$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n"
          "$16\r\ndeprecated_since\r\n$5\r\n2.0.0\r\n$11\r\nreplaced_by\r\n$5\r\n`SET`\r\n$7\r\nhistory\r\n~1\r\n*2\r\n"
          "$5\r\n1.5.0\r\n$11\r\nAdded `NX`.\r\n$9\r\narguments\r\n*3\r\n"
          "%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
          "%5\r\n$4\r\nname\r\n$4\r\nwhen\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nsince\r\n$5\r\n1.5.0\r\n"
          "$5\r\nflags\r\n~1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n"
          "%3\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n"
          "%3\r\n$4\r\nname\r\n$3\r\nttl\r\n$4\r\ntype\r\n$5\r\nblock\r\n$9\r\narguments\r\n*1\r\n"
          "%3\r\n$4\r\nname\r\n$4\r\nsecs\r\n$4\r\ntype\r\n$6\r\ndouble\r\n$5\r\ntoken\r\n$2\r\nEX\r\n"
          "%4\r\n$4\r\nname\r\n$4\r\ntail\r\n$4\r\ntype\r\n$6\r\nstring\r\n$16\r\ndeprecated_since\r\n$5\r\n1.9.0\r\n"
          "$5\r\nflags\r\n~3\r\n+optional\r\n+multiple\r\n+multiple_token\r\n");
}

TEST_CASE("COMMAND DOCS walks deeply nested user argument docs without recursion") {
    fixture f;
    command_arg leaf{.name = "leaf", .type = arg_type::integer};
    for (int depth = 0; depth < 100000; ++depth) {
        command_arg parent{.name = "b", .type = arg_type::block};
        parent.arguments.push_back(std::move(leaf));
        leaf = std::move(parent);
    }
    command_spec spec{.name = "deep", .arity = -1, .group = "generic", .summary = "D"};
    spec.arguments.push_back(std::move(leaf));
    f.commands.add(std::move(spec), [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.feed("COMMAND DOCS deep\r\n");
    const std::string_view out = s.pending_output();
    CHECK(out.ends_with("$4\r\nname\r\n$4\r\nleaf\r\n$4\r\ntype\r\n$7\r\ninteger\r\n"));
    std::size_t blocks = 0;
    for (std::size_t at = out.find("$5\r\nblock\r\n"); at != std::string_view::npos;
         at = out.find("$5\r\nblock\r\n", at + 1))
        ++blocks;
    CHECK(blocks == 100000);
    // The spec is destroyed by the dispatcher; unwind it iteratively too, or its destructor
    // would recurse 100000 levels deep (a limit of the test's data, not of COMMAND DOCS).
    command_entry* entry = f.commands.find("deep");
    REQUIRE(entry != nullptr);
    std::vector<command_arg> pending = std::move(entry->spec.arguments);
    while (!pending.empty()) {
        std::vector<command_arg> children = std::move(pending.back().arguments);
        pending.pop_back();
        for (auto& c : children) pending.push_back(std::move(c));
    }
}

TEST_CASE("config_table: every Redis 7.0 parameter, typed validation, hooks, start-up values") {
    config_table config;
    CHECK(config.get_matching(std::vector<std::string_view>{"*"}).size() == 192); // CONFIG GET * on 7.0.15
    CHECK(config.get("port") == "6379");
    CHECK(config.get("hz") == "10");
    CHECK(config.get("slave-read-only") == "yes");
    CHECK(!config.get("dir").empty());

    std::vector<std::string> seen;
    config.on_change("maxclients", [&](std::string_view v) {
        seen.emplace_back(v);
        return v == "13" ? std::string("refused by the hook") : std::string();
    });
    CHECK(config.set("maxclients", "12").empty());
    CHECK(config.get_integer("maxclients") == 12);
    CHECK(config.set(std::vector<std::string_view>{"hz", "40", "maxclients", "13"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'maxclients') - refused by the hook");
    CHECK(config.get("hz") == "10"); // all or nothing
    CHECK(config.get("maxclients") == "12");
    CHECK(seen == std::vector<std::string>{"12", "13", "12"});

    CHECK(config.set("databases", "4") ==
          "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
    CHECK(config.set("databases", "4", true).empty()); // command-line options may
    CHECK(config.get_integer("databases") == 4);
    CHECK(config.set("maxmemory", "2gb").empty());
    CHECK(config.get_integer("maxmemory") == 2147483648LL);
    CHECK(config.set("appendonly", "Yes").empty());
    CHECK(config.get_bool("appendonly"));
    CHECK(config.set("hz", "1000").empty());
    CHECK(config.get("hz") == "500");
}

// The server commands (respkit/commands/server_admin.hpp, info.hpp, slowlog.hpp, latency.hpp):
// tests/diff/server.redis and introspection.redis against redis-server 7.0.15, then INFO,
// SLOWLOG and LATENCY, whose values differ by nature. COMMAND:
// introspection.cpp; the configuration table itself: tests/server/config.cpp.

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;
using namespace respkit_test;

namespace {

/// What Redis groups as connection and server commands, without the data families.
constexpr command_family server_base = command_family::connection | command_family::server;

} // namespace

TEST_CASE("diff: server commands against redis-server") {
    command_server<> f(server_base);
    const std::size_t compared = run_diff_script(diff_script_path("server.redis"), f.target());
    MESSAGE("server.redis: " << compared << " replies compared");
}

TEST_CASE("INFO: sections, Redis's field names, keyspace lines, errorstats and RESETSTAT") {
    command_server<> f(server_base);
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

TEST_CASE("diff: SLOWLOG, LATENCY, INFO's per-command sections, ROLE and WAIT against redis-server") {
    command_server<> f(server_base | command_family::transactions);
    const std::size_t compared = run_diff_script(diff_script_path("introspection.redis"), f.target());
    MESSAGE("introspection.redis: " << compared << " replies compared");
}

TEST_CASE("diff: MEMORY and LOLWUT against redis-server") {
    command_server<> f(server_base | command_family::strings | command_family::lists |
                       command_family::hashes | command_family::sets | command_family::zsets |
                       command_family::streams);
    const std::size_t compared = run_diff_script(diff_script_path("introspection2.redis"), f.target());
    MESSAGE("introspection2.redis: " << compared << " replies compared");
}

TEST_CASE("diff: CLIENT PAUSE and UNPAUSE's replies, MONITOR's refusals, DEBUG's subcommands against redis-server") {
    command_server<> f(server_base | command_family::strings | command_family::keys | command_family::lists |
                       command_family::hashes | command_family::sets | command_family::zsets |
                       command_family::transactions);
    const std::string_view enable[] = {"enable-debug-command", "yes"};
    REQUIRE(f.config.set(enable, config_set_mode::startup).empty());
    const std::size_t compared = run_diff_script(diff_script_path("pause_monitor_debug.redis"), f.target(),
                                                 {.redis_args = {"--enable-debug-command", "yes"}});
    CHECK(store::quicklist::packed_threshold() == std::size_t{1} << 30); // the script restores it
    MESSAGE("pause_monitor_debug.redis: " << compared << " replies compared");
}

TEST_CASE("latency_histogram: HdrHistogram's buckets (2 significant figures) and percentiles") {
    using h = latency_histogram;
    CHECK(h::highest_equivalent(1) == 1);
    CHECK(h::highest_equivalent(255) == 255);
    CHECK(h::highest_equivalent(256) == 257);
    CHECK(h::highest_equivalent(1000) == 1003); // 1 us: Redis prints p50=1.003
    CHECK(h::highest_equivalent(1024) == 1031);
    CHECK(h::highest_equivalent(32768) == 33023);
    CHECK(h::highest_equivalent(1'000'000'000) == 1'002'438'655);
    h hist;
    CHECK(hist.empty());
    for (int i = 0; i < 98; ++i) hist.record(1000);
    hist.record(50'000);
    hist.record(0);             // counted as 1 ns
    hist.record(5'000'000'000); // counted as 1 s
    CHECK(hist.total() == 101);
    CHECK(hist.value_at_percentile(0) == 1);
    CHECK(hist.value_at_percentile(50) == 1003);
    CHECK(hist.value_at_percentile(99) == 50'175);
    CHECK(hist.value_at_percentile(100) == 1'002'438'655);
    CHECK(hist.value_at_percentile(150) == 1'002'438'655);
}

TEST_CASE("INFO commandstats and latencystats: calls, rejected and failed calls, subcommands, EXEC, RESETSTAT") {
    command_server<> f(command_family::all);
    session_client c(f.commands, f.context);
    CHECK(c({"SET", "s", "v"}) == "+OK\r\n");
    CHECK(c({"GET", "s"}) == "$1\r\nv\r\n");
    CHECK(c({"GET"}).starts_with("-ERR wrong number"));  // rejected
    CHECK(c({"INCR", "s"}).starts_with("-ERR value"));   // failed
    CHECK(c({"LPUSH", "s", "x"}).starts_with("-WRONGTYPE")); // failed
    CHECK(c({"CONFIG", "GET", "x"}) == "*0\r\n");
    CHECK(c({"CONFIG", "nosuch"}).starts_with("-ERR unknown subcommand")); // no command to count it for
    CHECK(c({"MULTI"}) == "+OK\r\n");
    CHECK(c({"INCR", "n"}) == "+QUEUED\r\n");
    CHECK(c({"INCR", "s"}) == "+QUEUED\r\n");
    CHECK(c({"EXEC"}).starts_with("*2\r\n:1\r\n-ERR"));
    const std::string info = c({"INFO", "commandstats"});
    const auto line = [&](std::string_view name) {
        const std::size_t at = info.find("cmdstat_" + std::string(name) + ":");
        if (at == std::string::npos) return std::string();
        const std::size_t end = info.find("\r\n", at);
        std::string l = info.substr(at, end - at);
        // usec=N,usec_per_call=N.NN: durations, dropped for the comparison.
        const std::size_t u = l.find(",usec="), r = l.find(",rejected_calls");
        return l.substr(0, u) + l.substr(r);
    };
    CHECK(info.find("# Commandstats\r\n") != std::string::npos);
    CHECK(line("set") == "cmdstat_set:calls=1,rejected_calls=0,failed_calls=0");
    CHECK(line("get") == "cmdstat_get:calls=1,rejected_calls=1,failed_calls=0");
    CHECK(line("incr") == "cmdstat_incr:calls=3,rejected_calls=0,failed_calls=2");
    CHECK(line("lpush") == "cmdstat_lpush:calls=1,rejected_calls=0,failed_calls=1");
    CHECK(line("config|get") == "cmdstat_config|get:calls=1,rejected_calls=0,failed_calls=0");
    CHECK(line("multi") == "cmdstat_multi:calls=1,rejected_calls=0,failed_calls=0");
    CHECK(line("exec") == "cmdstat_exec:calls=1,rejected_calls=0,failed_calls=0"); // its command failed, not it
    CHECK(line("config") == "");
    CHECK(info.find("usec_per_call=") != std::string::npos);

    const std::string latency = c({"INFO", "latencystats"});
    CHECK(latency.find("latency_percentiles_usec_set:p50=") != std::string::npos);
    CHECK(latency.find("latency_percentiles_usec_config|get:p50=") != std::string::npos);
    CHECK(latency.find(",p99=") != std::string::npos);
    CHECK(latency.find(",p99.9=") != std::string::npos);
    CHECK(latency.find("latency_percentiles_usec_lpush") != std::string::npos); // failed calls are timed too
    CHECK(c({"CONFIG", "SET", "latency-tracking-info-percentiles", "0 50.5"}) == "+OK\r\n");
    const std::string custom = c({"INFO", "latencystats"});
    CHECK(custom.find("latency_percentiles_usec_set:p0=") != std::string::npos);
    CHECK(custom.find(",p50.5=") != std::string::npos);
    CHECK(custom.find(",p99=") == std::string::npos);

    // Several sections in one call, in Redis's order whatever the order asked; default and
    // everything.
    const std::string several = c({"INFO", "latencystats", "commandstats", "server"});
    CHECK(several.find("# Server") < several.find("# Commandstats"));
    CHECK(several.find("# Commandstats") < several.find("# Latencystats"));
    CHECK(several.find("# Clients") == std::string::npos);
    const std::string plain = c({"INFO"});
    CHECK(plain.find("# Commandstats") == std::string::npos);
    CHECK(plain.find("# Latencystats") == std::string::npos);
    CHECK(c({"INFO", "default"}).find("# Commandstats") == std::string::npos);
    for (const char* all : {"all", "everything"}) {
        const std::string text = c({"INFO", all});
        CHECK(text.find("# Errorstats") < text.find("# Latencystats"));
        CHECK(text.find("# Commandstats") < text.find("# Errorstats"));
    }

    CHECK(c({"CONFIG", "RESETSTAT"}) == "+OK\r\n");
    const std::string after = c({"INFO", "commandstats"});
    CHECK(after.find("cmdstat_set") == std::string::npos);
    CHECK(after.find("cmdstat_config|resetstat:calls=1,") != std::string::npos); // counted after it ran
    CHECK(c({"CONFIG", "SET", "latency-tracking", "no"}) == "+OK\r\n");
    CHECK(c({"INFO", "latencystats"}) == "$16\r\n# Latencystats\r\n\r\n");
}

TEST_CASE("SLOWLOG: entries as Redis records them (id, time, duration, trimmed arguments, address, name)") {
    command_server<> f(command_family::all);
    session_client c(f.commands, f.context);
    c.session.peer_address = "127.0.0.1:5555";
    CHECK(c({"CONFIG", "SET", "slowlog-log-slower-than", "0"}) == "+OK\r\n");
    CHECK(c({"SLOWLOG", "RESET"}) == "+OK\r\n");
    CHECK(c({"CLIENT", "SETNAME", "me"}) == "+OK\r\n");
    std::vector<std::string> many = {"RPUSH", "l"};
    for (int i = 0; i < 40; ++i) many.push_back(std::to_string(i));
    CHECK(c.run(many) == ":40\r\n");
    CHECK(c({"SET", "big", std::string(200, 'x')}) == "+OK\r\n");
    CHECK(c({"MULTI"}) == "+OK\r\n");
    CHECK(c({"GET", "big"}) == "+QUEUED\r\n");
    CHECK(c({"EXEC"}).starts_with("*1\r\n"));
    const resp::value log = c.parsed({"SLOWLOG", "GET", "-1"});
    const auto& entries = log.elements();
    // Newest first: MULTI's GET (EXEC is not logged: skip_slowlog), MULTI, SET, RPUSH, CLIENT
    // SETNAME, SLOWLOG RESET (CONFIG SET, id 0, was reset).
    REQUIRE(entries.size() == 6);
    const auto args_of = [&](std::size_t i) {
        std::vector<std::string> out;
        for (const auto& a : entries[i].elements()[3].elements()) out.emplace_back(a.text());
        return out;
    };
    CHECK(args_of(0) == std::vector<std::string>{"GET", "big"});
    CHECK(args_of(1) == std::vector<std::string>{"MULTI"});
    CHECK(args_of(2) == std::vector<std::string>{"SET", "big", std::string(128, 'x') + "... (72 more bytes)"});
    const auto rpush = args_of(3);
    REQUIRE(rpush.size() == 32);
    CHECK(rpush[30] == "28");
    CHECK(rpush[31] == "... (11 more arguments)");
    CHECK(args_of(4) == std::vector<std::string>{"CLIENT", "SETNAME", "me"});
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i].elements();
        REQUIRE(e.size() == 6);
        CHECK(e[0].integer() == static_cast<std::int64_t>(6 - i)); // ids go on across RESET
        CHECK(e[1].integer() > 1'700'000'000);
        CHECK(e[2].integer() >= 0);
        CHECK(e[4].text() == "127.0.0.1:5555");
    }
    CHECK(entries[0].elements()[5].text() == "me");
    CHECK(entries[5].elements()[5].text() == ""); // SLOWLOG RESET ran before CLIENT SETNAME
    CHECK(c({"SLOWLOG", "GET", "1"}).starts_with("*1\r\n*6\r\n:7\r\n")); // SLOWLOG GET -1 itself
    CHECK(c({"SLOWLOG", "LEN"}) == ":8\r\n");
    CHECK(c({"CONFIG", "SET", "slowlog-max-len", "2"}) == "+OK\r\n");
    CHECK(c({"SLOWLOG", "LEN"}) == ":2\r\n");
    CHECK(c({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}) == "+OK\r\n");
    CHECK(c({"SLOWLOG", "LEN"}) == ":2\r\n"); // off: nothing added, nothing trimmed
    CHECK(c({"CONFIG", "SET", "slowlog-log-slower-than", "100000000"}) == "+OK\r\n");
    CHECK(c({"SLOWLOG", "LEN"}) == ":2\r\n");
    CHECK(c({"SLOWLOG", "RESET"}) == "+OK\r\n");
    CHECK(c({"SLOWLOG", "LEN"}) == ":0\r\n");
}

TEST_CASE("LATENCY: events, history, latest, graph, doctor and histogram as Redis draws them") {
    command_server<> f(server_base);
    session_client c(f.commands, f.context);
    latency_monitor& monitor = f.commands.latency_monitor();
    monitor.threshold_ms = 10;
    monitor.add_if_needed("command", 9); // under the threshold
    CHECK(monitor.events().empty());
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    monitor.add("command", 20, now - 3);
    monitor.add("command", 15, now - 3); // the same second: the worst is kept
    monitor.add("command", 40, now - 2);
    monitor.add("command", 30, now - 1);
    monitor.add("expire-cycle", 12, now - 1);
    CHECK(c({"LATENCY", "HISTORY", "command"}) ==
          "*3\r\n*2\r\n:" + std::to_string(now - 3) + "\r\n:20\r\n*2\r\n:" + std::to_string(now - 2) + "\r\n:40\r\n*2\r\n:" +
              std::to_string(now - 1) + "\r\n:30\r\n");
    CHECK(c({"LATENCY", "LATEST"}) == "*2\r\n*4\r\n$7\r\ncommand\r\n:" + std::to_string(now - 1) +
                                          "\r\n:30\r\n:40\r\n*4\r\n$12\r\nexpire-cycle\r\n:" + std::to_string(now - 1) +
                                          "\r\n:12\r\n:12\r\n");
    // GRAPH: min 20 max 40 over 4 rows of 3 steps each ("_o#", '|' below the top).
    const std::string graph = c({"LATENCY", "GRAPH", "command"});
    const std::string text = "command - high 40 ms, low 20 ms (all time high 40 ms)\n" + std::string(80, '-') +
                             "\n" + " # \n |_\n ||\n_||\n   \n321\nsss\n";
    CHECK(graph == "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
    const std::string doctor = c({"LATENCY", "DOCTOR"});
    CHECK(doctor.find("Dave, I have observed latency spikes in this Redis instance.") != std::string::npos);
    CHECK(doctor.find("1. command: 3 latency spikes (average 30ms, mean deviation 6ms, period 1.00 sec). Worst all "
                      "time event 40ms.\n2. expire-cycle: 1 latency spikes") != std::string::npos);
    CHECK(doctor.find("- Check your Slow Log") != std::string::npos);
    CHECK(doctor.find("try to set the 'hz' configuration parameter to 100") != std::string::npos);
    CHECK(c({"LATENCY", "RESET", "COMMAND", "nosuch"}) == ":1\r\n");
    CHECK(c({"LATENCY", "RESET"}) == ":1\r\n");
    CHECK(c({"LATENCY", "LATEST"}) == "*0\r\n");

    // HISTOGRAM: cumulative counts at 1, 2, 4, ... 16, 33, 66 us (HdrHistogram's log iteration
    // from 1024 ns), only where the count grew.
    command_entry* ping = f.commands.find("ping");
    REQUIRE(ping != nullptr);
    ping->stats.latency.clear();
    for (const std::int64_t ns : {1000, 1000, 3000, 40'000}) ping->stats.latency.record(ns);
    CHECK(c({"LATENCY", "HISTOGRAM", "ping", "nosuch"}) ==
          "*2\r\n$4\r\nping\r\n*4\r\n$5\r\ncalls\r\n:4\r\n$14\r\nhistogram_usec\r\n*6\r\n:1\r\n:2\r\n:4\r\n:3\r\n:66\r\n:4\r\n");
}

TEST_CASE("SLOWLOG: passwords redacted as Redis redacts them") {
    command_server<> f(command_family::all);
    session_client c(f.commands, f.context);
    CHECK(c({"CONFIG", "SET", "slowlog-log-slower-than", "0"}) == "+OK\r\n");
    CHECK(c({"AUTH", "secret"}).starts_with("-ERR AUTH <password> called without any password"));
    CHECK(c({"AUTH", "u", "secret"}).starts_with("-WRONGPASS"));
    CHECK(c({"AUTH", "a", "b", "c"}) == "-ERR syntax error\r\n");
    (void)c({"HELLO", "2", "SETNAME", "n", "AUTH", "default", "pw"}); // the default user has no password: any goes
    CHECK(c({"ACL", "SETUSER", "bob", "on", ">pw"}) == "+OK\r\n");
    CHECK(c({"CONFIG", "SET", "maxclients", "100", "requirepass", "pw"}) == "+OK\r\n");
    const resp::value log = c.parsed({"SLOWLOG", "GET", "6"});
    const auto args_of = [&](std::size_t i) {
        std::vector<std::string> out;
        for (const auto& a : log.elements()[i].elements()[3].elements()) out.emplace_back(a.text());
        return out;
    };
    using v = std::vector<std::string>;
    CHECK(args_of(0) == v{"CONFIG", "SET", "maxclients", "100", "requirepass", "(redacted)"});
    CHECK(args_of(1) == v{"ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"});
    CHECK(args_of(2) == v{"HELLO", "2", "SETNAME", "n", "AUTH", "(redacted)", "(redacted)"});
    CHECK(args_of(3) == v{"AUTH", "a", "b", "c"});
    CHECK(args_of(4) == v{"AUTH", "(redacted)", "(redacted)"});
    CHECK(args_of(5) == v{"AUTH", "(redacted)"});
}

TEST_CASE("DEBUG SLEEP stops the server (LATENCY records it as a command event), DEBUG SET-ACTIVE-EXPIRE") {
    command_server<> f(server_base);
    const std::string_view enable[] = {"enable-debug-command", "yes"};
    REQUIRE(f.config.set(enable, config_set_mode::startup).empty());
    session_client c(f.commands, f.context);
    CHECK(c({"CONFIG", "SET", "latency-monitor-threshold", "20"}) == "+OK\r\n");
    const auto started = std::chrono::steady_clock::now();
    CHECK(c({"DEBUG", "SLEEP", "0.05"}) == "+OK\r\n");
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));
    CHECK(c({"DEBUG", "SLEEP", "abc"}) == "+OK\r\n"); // strtod: 0
    CHECK(c({"DEBUG", "SLEEP", "-1"}) == "+OK\r\n");
    CHECK(c({"DEBUG", "SLEEP"}) == "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n");
    const latency_series* ts = f.commands.latency_monitor().find("command");
    REQUIRE(ts != nullptr);
    CHECK(ts->max >= 50);
    CHECK(f.commands.latency_monitor().find("fast-command") == nullptr);
    CHECK(f.context.active_expire);
    CHECK(c({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == "+OK\r\n");
    CHECK(!f.context.active_expire);
    CHECK(c({"DEBUG", "set-active-expire", "1"}) == "+OK\r\n");
    CHECK(f.context.active_expire);
    CHECK(c({"DEBUG", "SET-ACTIVE-EXPIRE", "x"}) == "+OK\r\n"); // atoi: 0
    CHECK(!f.context.active_expire);
    CHECK(c({"DEBUG", "DIGEST"}).starts_with("-ERR unknown subcommand or wrong number of arguments for 'DIGEST'"));
}

namespace {

/// The integer of a `:n` reply.
std::int64_t integer_reply(const std::string& reply) {
    REQUIRE(reply.starts_with(":"));
    return std::stoll(reply.substr(1));
}

} // namespace

TEST_CASE("MEMORY USAGE: each representation's heap bytes; SAMPLES estimates a hash table's elements") {
    command_server<> f(command_family::all);
    session_client c(f.commands, f.context);
    // An inline string and an integer hold nothing on the heap: the entry, the key and the value.
    CHECK(c({"SET", "a", "short"}) == "+OK\r\n");
    CHECK(c({"SET", "b", "12345"}) == "+OK\r\n");
    const std::int64_t inline_size = integer_reply(c({"MEMORY", "USAGE", "a"}));
    CHECK(integer_reply(c({"MEMORY", "USAGE", "b"})) == inline_size);
    // A longer key costs its bytes; a heap string its std::string and its bytes.
    CHECK(c({"SET", "abcd", "short"}) == "+OK\r\n");
    CHECK(integer_reply(c({"MEMORY", "USAGE", "abcd"})) == inline_size + 3);
    CHECK(c({"SET", "a", std::string(1000, 'x')}) == "+OK\r\n");
    CHECK(integer_reply(c({"MEMORY", "USAGE", "a"})) ==
          inline_size + static_cast<std::int64_t>(sizeof(std::string)) + 1001);
    // A list grows with its elements.
    CHECK(c({"RPUSH", "l", "x"}) == ":1\r\n");
    const std::int64_t one = integer_reply(c({"MEMORY", "USAGE", "l"}));
    CHECK(c({"RPUSH", "l", std::string(500, 'y')}) == ":2\r\n");
    CHECK(integer_reply(c({"MEMORY", "USAGE", "l"})) >= one + 500);
    // A hash table whose first element is small and the others large: one sample
    // underestimates, SAMPLES 0 (all) counts every element.
    CHECK(c({"CONFIG", "SET", "hash-max-listpack-entries", "0"}) == "+OK\r\n");
    CHECK(c({"HSET", "h", "f0", "v"}) == ":1\r\n");
    for (int i = 1; i < 20; ++i) CHECK(c({"HSET", "h", "f" + std::to_string(i), std::string(300, 'z')}) == ":1\r\n");
    CHECK(c({"OBJECT", "ENCODING", "h"}) == "$9\r\nhashtable\r\n");
    const std::int64_t all = integer_reply(c({"MEMORY", "USAGE", "h", "SAMPLES", "0"}));
    CHECK(all > 19 * 300);
    CHECK(integer_reply(c({"MEMORY", "USAGE", "h", "SAMPLES", "100"})) == all);
    // The order of a table is its hash's: whichever element comes first, one sample differs from all.
    CHECK(integer_reply(c({"MEMORY", "USAGE", "h", "SAMPLES", "1"})) != all);
    // An expired key not yet removed is still counted, as Redis's dictFind finds it (nothing
    // expires keys in the background here).
    CHECK(c({"SET", "e", "v", "PX", "1"}) == "+OK\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(c({"MEMORY", "USAGE", "e"}).starts_with(":"));
    CHECK(c({"EXISTS", "e"}) == ":0\r\n");
    CHECK(c({"MEMORY", "USAGE", "e"}) == "$-1\r\n");
}

TEST_CASE("MEMORY STATS and DOCTOR: Redis's fields over respkit's numbers") {
    command_server<> f(command_family::all);
    session_client c(f.commands, f.context, resp::protocol::resp3);
    CHECK(c({"SELECT", "3"}) == "+OK\r\n");
    CHECK(c({"SET", "k", "v", "EX", "100"}) == "+OK\r\n");
    CHECK(c({"SET", "k2", "v"}) == "+OK\r\n");
    const resp::value stats = c.parsed({"MEMORY", "STATS"});
    REQUIRE(stats.type() == resp::type::map);
    const auto e = stats.elements();
    REQUIRE(e.size() == 2 * 28); // 27 fields and one database
    std::vector<std::string> names;
    for (std::size_t i = 0; i < e.size(); i += 2) names.emplace_back(e[i].text());
    CHECK(names[0] == "peak.allocated");
    CHECK(names[10] == "db.3");
    CHECK(names[11] == "overhead.total");
    CHECK(names.back() == "fragmentation.bytes");
    const auto db = e[21].elements();
    REQUIRE(db.size() == 6);
    CHECK(db[0].text() == "overhead.hashtable.main");
    CHECK(db[1].integer() == static_cast<std::int64_t>(2 * (sizeof(store::entry) + sizeof(void*))));
    CHECK(db[3].integer() == static_cast<std::int64_t>(sizeof(std::string) + sizeof(std::int64_t)));
    CHECK(db[5].integer() == 0);
    CHECK(e[1].integer() >= e[3].integer()); // peak >= total
    CHECK(e[25].integer() == 2);            // keys.count
    CHECK(e[31].type() == resp::type::double_number); // dataset.percentage
    const std::string doctor = c({"MEMORY", "DOCTOR"});
    CHECK(doctor.starts_with("="));
    CHECK(doctor.find("Sam") != std::string::npos);
}

TEST_CASE("LOLWUT: Schotter's size and shape; the skyline's") {
    command_server<> f(server_base);
    session_client c(f.commands, f.context);
    const auto lines = [](const std::string& reply) {
        std::vector<std::string> out;
        const std::size_t start = reply.find("\r\n") + 2;
        std::string text = reply.substr(start, reply.size() - start - 2);
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t nl = text.find('\n', at);
            out.push_back(text.substr(at, nl - at));
            at = nl == std::string::npos ? text.size() : nl + 1;
        }
        return out;
    };
    // 66 columns of braille (3 bytes each), 196 pixels high: 49 rows, a blank line, the caption.
    const auto schotter = lines(c({"LOLWUT", "VERSION", "5"}));
    REQUIRE(schotter.size() == 51);
    CHECK(schotter[0].size() == 66 * 3);
    CHECK(schotter[48].size() == 66 * 3);
    CHECK(schotter[49].empty());
    CHECK(schotter[50] == "Georg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15");
    const auto skyline = lines(c({"LOLWUT", "VERSION", "6", "40", "12"}));
    REQUIRE(skyline.size() == 6); // 12 pixels: 3 rows, each ended by a newline, as Redis
    CHECK(skyline[0].size() == 20 * 3);
    CHECK(skyline[2].size() == 20 * 3);
    CHECK(skyline[3].empty());
    CHECK(skyline[4] == "Dedicated to the 8 bit game developers of past and present.");
    CHECK(skyline[5] == "Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15");
    // A canvas past the limit is refused, not drawn (Redis would allocate 800 MB for this one).
    CHECK(c({"LOLWUT", "VERSION", "5", "1000", "1", "200"}) ==
          "-ERR LOLWUT canvas too large: at most 16777216 pixels\r\n");
}

TEST_CASE("DEBUG OBJECT: Redis's fields (serializedlength of the RDB value, quicklist figures); DEBUG ERROR") {
    command_server<> f(command_family::all);
    const std::string_view enable[] = {"enable-debug-command", "yes"};
    REQUIRE(f.config.set(enable, config_set_mode::startup).empty());
    session_client c(f.commands, f.context);
    const auto fields_after_address = [](const std::string& reply) {
        REQUIRE(reply.starts_with("+Value at:0x"));
        return reply.substr(reply.find("refcount:"));
    };
    // Values and lengths as redis-server 7.0.15 prints them for the same commands.
    CHECK(c({"SET", "ds", "123"}) == "+OK\r\n");
    CHECK(fields_after_address(c({"DEBUG", "OBJECT", "ds"})).starts_with("refcount:2147483647 encoding:int serializedlength:2 lru:"));
    CHECK(c({"SET", "ds2", "hello"}) == "+OK\r\n");
    CHECK(fields_after_address(c({"DEBUG", "OBJECT", "ds2"})).starts_with("refcount:1 encoding:embstr serializedlength:6 lru:"));
    CHECK(c({"RPUSH", "dl", "a", "b", "c"}) == ":3\r\n");
    const std::string list = fields_after_address(c({"DEBUG", "OBJECT", "dl"}));
    CHECK(list.starts_with("refcount:1 encoding:quicklist serializedlength:19 lru:"));
    CHECK(list.ends_with(" lru_seconds_idle:0 ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 "
                         "ql_uncompressed_size:16\r\n"));
    CHECK(c({"DEBUG", "OBJECT", "nosuch"}) == "-ERR no such key\r\n");
    CHECK(c({"DEBUG", "OBJECT"}) == "-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP.\r\n");
    CHECK(c({"DEBUG", "ERROR", "foo"}) == "-foo\r\n");
    CHECK(c({"DEBUG", "ERROR", "-XYZ"}) == "--XYZ\r\n");
    CHECK(c({"DEBUG", "ERROR", "foo\r\nbar\r\n"}) == "-foo  bar  \r\n");
    CHECK(c({"DEBUG", "ERROR", ""}) == "-\r\n");
}

TEST_CASE("CLIENT PAUSE in-process: held commands count as blocked, WRITE serves reads, release runs them in order") {
    command_server<> f(server_base | command_family::strings | command_family::transactions | command_family::bits |
                       command_family::pubsub);
    session_client admin(f.commands, f.context), writer(f.commands, f.context), reader(f.commands, f.context);
    CHECK(admin({"CLIENT", "PAUSE", "100000", "WRITE"}) == "+OK\r\n");
    CHECK(writer({"SET", "k", "v"}).empty()); // held: nothing written yet
    CHECK(writer.session.held());
    CHECK(!writer.session.blocked()); // not a blocking command: CLIENT UNBLOCK does not end it
    CHECK(f.context.stats().blocked_clients == 1);
    CHECK(reader({"GET", "k"}) == "$-1\r\n");
    CHECK(reader({"PFCOUNT", "h"}).empty()); // may_replicate
    CHECK(admin({"CLIENT", "LIST"}).find("flags=b ") != std::string::npos);
    CHECK(admin({"CLIENT", "UNBLOCK", std::to_string(writer.session.id())}) == ":0\r\n");
    CHECK(admin({"CLIENT", "PAUSE", "0", "WRITE"}) == "+OK\r\n"); // extends nothing, shortens nothing
    server::release_paused_sessions(f.context);
    CHECK(writer.take().empty());
    CHECK(admin({"CLIENT", "UNPAUSE"}) == "+OK\r\n");
    server::release_paused_sessions(f.context); // what the transport does at the end of the turn
    CHECK(writer.take() == "+OK\r\n");
    CHECK(reader.take() == ":0\r\n");
    CHECK(f.context.stats().blocked_clients == 0);
    CHECK(f.context.pause().held().empty());

    // ALL holds every client command, CLIENT UNPAUSE too; a MULTI's queued write is held in WRITE.
    CHECK(admin({"CLIENT", "PAUSE", "100000", "ALL"}) == "+OK\r\n");
    CHECK(reader({"GET", "k"}).empty());
    CHECK(admin({"CLIENT", "UNPAUSE"}).empty());
    CHECK(f.context.pause().held().size() == 2);
    f.context.pause().unpause();
    server::release_paused_sessions(f.context);
    CHECK(reader.take() == "$1\r\nv\r\n");
    CHECK(admin.take() == "+OK\r\n");
    CHECK(writer({"MULTI"}) == "+OK\r\n");
    CHECK(admin({"CLIENT", "PAUSE", "100000", "WRITE"}) == "+OK\r\n");
    CHECK(writer({"INCR", "n"}).empty());
    // A stricter pause over a WRITE one: ALL, and the end stays the later one.
    const auto end = f.context.pause().end();
    CHECK(admin({"CLIENT", "PAUSE", "10", "ALL"}) == "+OK\r\n");
    CHECK(f.context.pause().end() == end);
    CHECK(f.context.pause().current(f.context.now()) == server::pause_mode::all);
    f.context.pause().unpause();
    server::release_paused_sessions(f.context);
    CHECK(writer.take() == "+QUEUED\r\n");
    CHECK(writer({"EXEC"}) == "*1\r\n:1\r\n");
}

TEST_CASE("MONITOR in-process: the line's format, a Unix socket client, redaction, what a monitor may do") {
    command_server<> f(server_base | command_family::strings | command_family::transactions);
    session_client monitor(f.commands, f.context), client(f.commands, f.context, resp::protocol::resp3);
    client.session.peer_address = "127.0.0.1:5000";
    CHECK(monitor({"MONITOR"}) == "+OK\r\n");
    CHECK(monitor.session.monitor());
    CHECK(monitor({"CLIENT", "LIST"}).find("flags=O ") != std::string::npos);
    CHECK(client({"SET", "k", std::string("a\"\\\r\n\x7f")}) == "+OK\r\n");
    const std::string line = monitor.take();
    // +1701234567.123456 [0 127.0.0.1:5000] "SET" "k" "a\"\\\r\n\x7f"
    REQUIRE(line.size() > 19);
    CHECK(line[0] == '+');
    CHECK(line.find_first_not_of("0123456789", 1) == 11);
    CHECK(line.substr(11, 1) == ".");
    CHECK(line.find_first_not_of("0123456789", 12) == 18);
    CHECK(line.substr(18) == " [0 127.0.0.1:5000] \"SET\" \"k\" \"a\\\"\\\\\\r\\n\\x7f\"\r\n");
    client.session.unix_socket = true;
    client.session.peer_address = "/tmp/redis.sock:0";
    CHECK(client({"AUTH", "a", "b"}).starts_with("-WRONGPASS"));
    CHECK(monitor.take().ends_with(" [0 unix:/tmp/redis.sock] \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n"));
    CHECK(client({"CONFIG", "GET", "maxmemory"}).starts_with("%1")); // admin: not shown
    CHECK(monitor.take().empty());
    CHECK(monitor({"SET", "x", "1"}) == "-ERR Replica can't interact with the keyspace\r\n");
    CHECK(monitor({"MONITOR"}).empty()); // no reply at all, as Redis
    CHECK(monitor({"RESET"}) == "+RESET\r\n");
    CHECK(!monitor.session.monitor());
    CHECK(f.context.monitors().empty());
    CHECK(client({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(monitor.take().empty());
    {
        session_client gone(f.commands, f.context);
        CHECK(gone({"MONITOR"}) == "+OK\r\n");
        CHECK(f.context.monitors().size() == 1);
    }
    CHECK(f.context.monitors().empty()); // a closed monitor leaves the list
}

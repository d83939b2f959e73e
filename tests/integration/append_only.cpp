// The append-only file between respkit-server and redis-server 7.0.15: a directory written by
// one loads in the other with every key, type, value and TTL (with and without an RDB preamble,
// both ways); BGREWRITEAOF, CONFIG SET appendonly yes / no, INFO persistence, -LOADING while a
// large file loads.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <respkit/client/connection.hpp>
#include <respkit/resp/cli_format.hpp>
#include <respkit/resp/command_writer.hpp>

#include "support/aof_util.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

client::connection connect_to(int port) {
    client::options o;
    o.port = static_cast<std::uint16_t>(port);
    o.protocol = 2;
    return client::connection(o);
}

// The reply as redis-cli prints it, without the final newline.
std::string text(const resp::value& v) {
    std::string t = resp::format_cli(v);
    if (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
}

// Every key of databases 0-3 as "db:key" -> type, value (sorted where Redis's order is not
// fixed) and whether it has a TTL (its remaining seconds, rounded to 10 s).
std::map<std::string, std::string> snapshot(int port) {
    std::map<std::string, std::string> out;
    client::connection c = connect_to(port);
    // A server still loading its files answers -LOADING (redis-server too: it serves events
    // from its first loaded command on): wait until it is done.
    for (int i = 0; i < 3000; ++i) {
        auto pong = c.command("PING");
        REQUIRE(pong);
        if (!pong.value().is_error()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int db = 0; db < 4; ++db) {
        REQUIRE(c.command("SELECT", std::to_string(db)));
        auto keys = c.command("KEYS", "*");
        REQUIRE(keys);
        for (const resp::value& k : keys.value().elements()) {
            const std::string key(k.string());
            const std::string type(c.command("TYPE", key).value().string());
            std::string value;
            if (type == "string") value = text(c.command("GET", key).value());
            if (type == "list") value = text(c.command("LRANGE", key, 0, -1).value());
            if (type == "zset") value = text(c.command("ZRANGE", key, 0, -1, "WITHSCORES").value());
            if (type == "set" || type == "hash") {
                const resp::value all = c.command(type == "set" ? "SMEMBERS" : "HGETALL", key).value();
                std::vector<std::string> items;
                const auto e = all.elements();
                for (std::size_t i = 0; i < e.size(); i += type == "set" ? 1 : 2) {
                    items.push_back(std::string(e[i].string()) + (type == "hash" ? "=" + std::string(e[i + 1].string()) : ""));
                }
                std::sort(items.begin(), items.end());
                for (const std::string& i : items) value += i + ",";
            }
            const long long ttl = c.command("TTL", key).value().integer();
            out[std::to_string(db) + ":" + key] = type + " " + value + " ttl=" + std::to_string(ttl < 0 ? ttl : (ttl + 5) / 10);
        }
    }
    return out;
}

// A dataset of every type, several databases, TTLs, binary values, a transaction, big values.
std::string dataset() {
    std::string out;
    auto cmd = [&](std::vector<std::string> args) { resp::write_command_range(out, args); };
    cmd({"SET", "s", "v"});
    cmd({"SET", "n", "42"});
    cmd({"INCRBYFLOAT", "f", "1.5"});
    cmd({"SET", "bin", std::string("a\r\nb\0c\xff", 7)});
    cmd({"SET", "empty", ""});
    cmd({"SET", "ttl", "x", "EX", "5000"});
    cmd({"RPUSH", "list", "a", "b", "c", ""});
    cmd({"LPUSH", "list", "z"});
    cmd({"SADD", "set", "x", "y", "z"});
    cmd({"HSET", "hash", "f1", "v1", "f2", "v2"});
    cmd({"ZADD", "zset", "1.5", "a", "-2", "b", "3e10", "c", "0.1", "d"});
    cmd({"SPOP", "set"});
    cmd({"EXPIRE", "list", "8000"});
    cmd({"SELECT", "2"});
    cmd({"MULTI"});
    cmd({"SET", "in2", "yes"});
    cmd({"INCR", "counter"});
    cmd({"EXEC"});
    cmd({"SELECT", "3"});
    for (int i = 0; i < 300; ++i) cmd({"RPUSH", "biglist", "item" + std::to_string(i)});
    for (int i = 0; i < 100; ++i) cmd({"HSET", "bighash", "f" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'h')});
    for (int i = 0; i < 100; ++i) cmd({"ZADD", "bigz", std::to_string(i * 0.25), "m" + std::to_string(i)});
    cmd({"SET", "temp", "gone"});
    cmd({"DEL", "temp"});
    cmd({"SET", "big", std::string(200000, 'B')});
    return out;
}

std::vector<std::string> respkit_args(const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--bind", "127.0.0.1", "--save", "", "--dir", dir, "--appendonly", "yes",
                                  "--aof-use-rdb-preamble", "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::vector<std::string> redis_args(const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--bind", "127.0.0.1", "--save", "", "--dir", dir, "--appendonly", "yes",
                                  "--daemonize", "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

TEST_CASE("append-only file: respkit writes it, redis-server 7.0.15 loads every key, and back") {
    const std::string respkit = built_program("respkit-server");
    const std::string redis = find_on_path("redis-server");
    if (respkit.empty() || redis.empty()) {
        MESSAGE("skipped: respkit-server not built or redis-server missing");
        return;
    }
    scratch_dir dir("aof-roundtrip");
    std::map<std::string, std::string> written;
    {
        server_process server(respkit, respkit_args(dir.str(), {"--appendfsync", "always"}));
        REQUIRE(server.running());
        (void)exchange(server.port(), dataset());
        written = snapshot(server.port());
        // A rewrite in the middle: the base holds the keyspace as commands, the new incremental
        // file what follows.
        client::connection c = connect_to(server.port());
        CHECK(text(c.command("BGREWRITEAOF").value()) == "Background append only file rewriting started");
        for (int i = 0; i < 200 && text(c.command("INFO", "persistence").value()).find("aof_rewrite_in_progress:1") != std::string::npos; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        CHECK(c.command("SET", "after", "rewrite"));
        written = snapshot(server.port());
        const std::string info(c.command("INFO", "persistence").value().string());
        CHECK(info.find("aof_enabled:1\r\n") != std::string::npos);
        CHECK(info.find("aof_rewrites:1\r\n") != std::string::npos);
        CHECK(info.find("aof_last_bgrewrite_status:ok\r\n") != std::string::npos);
    }
    REQUIRE(written.size() >= 15);
    const std::string manifest = read_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest");
    CHECK(manifest == "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
    {
        server_process server(redis, redis_args(dir.str()));
        REQUIRE(server.running());
        auto loaded = snapshot(server.port());
        CHECK(loaded == written);
        for (const auto& entry : written) CHECK_MESSAGE(loaded[entry.first] == entry.second, entry.first);
        // Redis appends to the same directory; respkit loads what both wrote.
        client::connection c = connect_to(server.port());
        CHECK(c.command("SET", "from", "redis"));
        CHECK(c.command("HSET", "hash", "f3", "v3"));
        written = snapshot(server.port());
    }
    {
        server_process server(respkit, respkit_args(dir.str()));
        REQUIRE(server.running());
        CHECK(snapshot(server.port()) == written);
    }
}

TEST_CASE("append-only file: redis-server writes it (no preamble), respkit loads every key") {
    const std::string respkit = built_program("respkit-server");
    const std::string redis = find_on_path("redis-server");
    if (respkit.empty() || redis.empty()) return;
    scratch_dir dir("aof-from-redis");
    std::map<std::string, std::string> written;
    {
        server_process server(redis, redis_args(dir.str(), {"--aof-use-rdb-preamble", "no"}));
        REQUIRE(server.running());
        (void)exchange(server.port(), dataset());
        client::connection c = connect_to(server.port());
        CHECK(text(c.command("BGREWRITEAOF").value()) == "Background append only file rewriting started");
        std::this_thread::sleep_for(300ms);
        CHECK(c.command("SET", "after", "rewrite"));
        written = snapshot(server.port());
    }
    server_process server(respkit, respkit_args(dir.str()));
    REQUIRE(server.running());
    CHECK(snapshot(server.port()) == written);
}

TEST_CASE("append-only file: with an RDB preamble (the default), both ways, key by key") {
    const std::string respkit = built_program("respkit-server");
    const std::string redis = find_on_path("redis-server");
    if (respkit.empty() || redis.empty()) return;
    scratch_dir dir("aof-preamble");
    std::map<std::string, std::string> written;
    {
        server_process server(redis, redis_args(dir.str()));
        REQUIRE(server.running());
        (void)exchange(server.port(), dataset());
        client::connection c = connect_to(server.port());
        CHECK(text(c.command("BGREWRITEAOF").value()) == "Background append only file rewriting started");
        std::this_thread::sleep_for(300ms);
        CHECK(c.command("SET", "after", "rewrite"));
        written = snapshot(server.port());
    }
    CHECK(read_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest") ==
          "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
    {
        server_process server(respkit, {"--bind", "127.0.0.1", "--save", "", "--dir", dir.str(), "--appendonly", "yes"});
        REQUIRE(server.running());
        auto loaded = snapshot(server.port());
        CHECK(loaded == written);
        for (const auto& entry : written) CHECK_MESSAGE(loaded[entry.first] == entry.second, entry.first);
        // respkit's own rewrite writes an RDB base, which redis-server loads.
        client::connection c = connect_to(server.port());
        CHECK(c.command("SET", "by", "respkit"));
        CHECK(text(c.command("BGREWRITEAOF").value()) == "Background append only file rewriting started");
        for (int i = 0; i < 200 && text(c.command("INFO", "persistence").value()).find("aof_rewrite_in_progress:1") != std::string::npos; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        CHECK(c.command("SET", "after", "respkit's rewrite"));
        written = snapshot(server.port());
    }
    CHECK(read_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest") ==
          "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n");
    CHECK(read_file(dir.path() / "appendonlydir" / "appendonly.aof.3.base.rdb").substr(0, 9) == "REDIS0010");
    const std::string check = find_on_path("redis-check-aof");
    if (!check.empty()) {
        const run_output out = run_program({check, (dir.path() / "appendonlydir" / "appendonly.aof.manifest").string()});
        CHECK(out.exit_code == 0);
        CHECK(out.out.find("RDB preamble is OK") != std::string::npos);
    }
    server_process server(redis, redis_args(dir.str()));
    REQUIRE(server.running());
    auto loaded = snapshot(server.port());
    CHECK(loaded == written);
    for (const auto& entry : written) CHECK_MESSAGE(loaded[entry.first] == entry.second, entry.first);
}

TEST_CASE("append-only file: CONFIG SET appendonly yes / no, appendfsync; a torn tail is truncated at start") {
    const std::string respkit = built_program("respkit-server");
    if (respkit.empty()) return;
    scratch_dir dir("aof-config");
    server_process server(respkit, {"--bind", "127.0.0.1", "--save", "", "--dir", dir.str(), "--aof-use-rdb-preamble", "no"});
    REQUIRE(server.running());
    client::connection c = connect_to(server.port());
    CHECK(c.command("SET", "before", "on"));
    CHECK(text(c.command("CONFIG", "SET", "appendonly", "yes").value()) == "OK");
    std::this_thread::sleep_for(500ms); // the rewrite that creates the base
    CHECK(c.command("SET", "while", "on"));
    CHECK(text(c.command("CONFIG", "SET", "appendfsync", "always").value()) == "OK");
    CHECK(c.command("SET", "always", "on"));
    // aof-timestamp-enabled: a #TS annotation before the first command of a second, skipped by loaders.
    CHECK(text(c.command("CONFIG", "SET", "aof-timestamp-enabled", "yes").value()) == "OK");
    CHECK(c.command("SET", "stamped", "on"));
    CHECK(read_file(dir.path() / "appendonlydir" / "appendonly.aof.1.incr.aof").find("#TS:") != std::string::npos);
    const std::string info(c.command("INFO", "persistence").value().string());
    CHECK(info.find("aof_enabled:1\r\n") != std::string::npos);
    CHECK(info.find("aof_rewrites:1\r\n") != std::string::npos);
    const std::string manifest = read_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest");
    CHECK(manifest == "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
    CHECK(text(c.command("CONFIG", "SET", "appendonly", "no").value()) == "OK");
    CHECK(c.command("SET", "after", "off")); // not in the file
    server.stop();
    // A torn tail (a crash in the middle of a write): truncated, the rest loads.
    const std::filesystem::path incr = dir.path() / "appendonlydir" / "appendonly.aof.1.incr.aof";
    const std::string bytes = read_file(incr);
    write_file(incr, bytes + "*3\r\n$3\r\nSET\r\n$4\r\ntorn");
    server_process restarted(respkit, respkit_args(dir.str()));
    REQUIRE(restarted.running());
    client::connection again = connect_to(restarted.port());
    CHECK(text(again.command("GET", "before").value()) == "\"on\"");
    CHECK(text(again.command("GET", "while").value()) == "\"on\"");
    CHECK(text(again.command("GET", "always").value()) == "\"on\"");
    CHECK(text(again.command("GET", "stamped").value()) == "\"on\"");
    CHECK(text(again.command("EXISTS", "after").value()) == "(integer) 0");
    CHECK(read_file(incr) == bytes);
}

TEST_CASE("append-only file: clients get -LOADING while a large file loads") {
    const std::string respkit = built_program("respkit-server");
    if (respkit.empty()) return;
    scratch_dir dir("aof-loading");
    std::filesystem::create_directories(dir.path() / "appendonlydir");
    std::string big;
    for (int i = 0; i < 400000; ++i) resp::write_command(big, "SET", "key:" + std::to_string(i), "value");
    write_file(dir.path() / "appendonlydir" / "appendonly.aof.1.incr.aof", big);
    write_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest", "file appendonly.aof.1.incr.aof seq 1 type i\n");
    const int port = free_port();
    child_process server({respkit, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir.str(),
                          "--appendonly", "yes", "--aof-use-rdb-preamble", "no"},
                         (dir.path() / "log").string());
    REQUIRE(server.started());
    bool saw_loading = false, saw_loaded = false;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && !saw_loaded) {
        const std::string reply = exchange(port, "*2\r\n$3\r\nGET\r\n$5\r\nkey:0\r\n", 2s);
        if (reply.rfind("-LOADING Redis is loading the dataset in memory\r\n", 0) == 0) saw_loading = true;
        if (reply == "$5\r\nvalue\r\n") saw_loaded = true;
        if (reply.empty()) std::this_thread::sleep_for(1ms);
    }
    CHECK(saw_loaded);
    CHECK(saw_loading);
}

TEST_CASE("append-only file: a command that replies an error is logged; propagation-error-behavior panic stops the load") {
    const std::string respkit = built_program("respkit-server");
    if (respkit.empty()) return;
    scratch_dir dir("aof-errors");
    std::filesystem::create_directories(dir.path() / "appendonlydir");
    write_file(dir.path() / "appendonlydir" / "appendonly.aof.manifest", "file appendonly.aof.1.base.aof seq 1 type b\n");
    // INCR of a value that is not an integer: an error reply while loading.
    write_file(dir.path() / "appendonlydir" / "appendonly.aof.1.base.aof",
               "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n"
               "*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n");
    const std::string critical = "== CRITICAL == This server is sending an error to its AOF-loading-client: "
                                 "'ERR value is not an integer or out of range' after processing the command 'incr'";
    {
        // ignore (the default): logged, counted, and the load goes on.
        server_process server(respkit, respkit_args(dir.str(), {"--logfile", (dir.path() / "log").string()}));
        REQUIRE(server.running());
        client::connection c = connect_to(server.port());
        CHECK(text(c.command("GET", "after").value()) == "\"1\"");
        CHECK(std::string(c.command("INFO", "stats").value().string()).find("unexpected_error_replies:1\r\n") !=
              std::string::npos);
        CHECK(read_file(dir.path() / "log").find(critical) != std::string::npos);
    }
    // panic: the server does not start, and says why (Redis panics at that command).
    std::vector<std::string> argv{respkit, "--port", std::to_string(free_port())};
    for (std::string& a : respkit_args(dir.str(), {"--propagation-error-behavior", "panic"})) argv.push_back(std::move(a));
    const run_output out = run_program(argv, {}, 20s);
    CHECK(out.exit_code != 0);
    const std::string printed = out.out + out.err;
    CHECK_MESSAGE(printed.find("This server panicked sending an error to its AOF-loading-client after processing "
                                  "the command 'incr'") != std::string::npos,
                  printed);
}

// RDB snapshots through the servers, against Debian's redis-server 7.0.15: a dataset with every
// type in its small and large encodings, integers, binary, empty and 1 MB strings, keys with a
// TTL and keys whose TTL passes between save and load, in 16 databases; saved by one server and
// loaded by the other (both ways), compared key by key (type, value, TTL). DUMP payloads cross
// the same way. SAVE, BGSAVE, LASTSAVE, save points, SHUTDOWN SAVE / NOSAVE, SIGTERM with save
// points, DEBUG RELOAD, MISCONF after a failed background save, and INFO persistence's fields
// compared with Redis's.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "respkit/client/connection.hpp"
#include "support/client_connection.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"

using namespace respkit;
using namespace respkit_test;
using namespace std::chrono_literals;

namespace {

/// Arguments that make a server persist into `dir` (no save points unless given).
std::vector<std::string> persist_args(const std::string& dir, const std::string& save = "") {
    return {"--bind", "127.0.0.1", "--dir", dir, "--dbfilename", "dump.rdb", "--save", save, "--appendonly", "no"};
}

server_process start_respkit(const std::vector<std::string>& args) {
    return server_process(built_program("respkit-server"), args);
}
server_process start_redis(const std::vector<std::string>& args) {
    return server_process(find_on_path("redis-server"), args);
}

resp::value run(client::connection& c, const std::vector<std::string>& args) {
    auto r = c.command_range(args);
    REQUIRE_MESSAGE(r, "no reply to " << args[0]);
    return *r;
}

std::string text(const resp::value& v) { return std::string(v.string()); }

/// Fills 16 databases with every type in small and large encodings.
void fill(client::connection& c) {
    const std::string binary("\x00\x01\xff\r\n\x7f" "bin", 9);
    const std::string mb(1 << 20, 'x');
    std::string random_mb;
    std::uint32_t seed = 12345;
    for (int i = 0; i < (1 << 20); ++i) {
        seed = seed * 1103515245u + 12345u;
        random_mb += static_cast<char>(seed >> 24);
    }
    for (int db = 0; db < 16; ++db) {
        REQUIRE(text(run(c, {"SELECT", std::to_string(db)})) == "OK");
        const std::string p = "db" + std::to_string(db) + ":";
        run(c, {"SET", p + "int", "12345"});
        run(c, {"SET", p + "negint", "-9223372036854775808"});
        run(c, {"SET", p + "int8", "-7"});
        run(c, {"SET", p + "empty", ""});
        run(c, {"SET", p + "binary", binary});
        run(c, {"SET", p + "compressible", std::string(300, 'a') + "tail"});
        run(c, {"SET", p + "ttl", "v", "PX", "3600000"});
        run(c, {"RPUSH", p + "list", "a", "b", "1", binary});
        std::vector<std::string> big_list{"RPUSH", p + "biglist"};
        for (int i = 0; i < 1200; ++i) big_list.push_back("element-" + std::to_string(i * 7));
        run(c, big_list);
        run(c, {"SADD", p + "intset", "1", "-5", "65536", "9223372036854775807"});
        run(c, {"SADD", p + "set", "a", "b", binary});
        std::vector<std::string> big_set{"SADD", p + "bigintset"};
        for (int i = 0; i < 700; ++i) big_set.push_back(std::to_string(i * 3));
        run(c, big_set);
        run(c, {"HSET", p + "hash", "f1", "v1", "f2", "", binary, binary});
        std::vector<std::string> big_hash{"HSET", p + "bighash"};
        for (int i = 0; i < 300; ++i) {
            big_hash.push_back("field-" + std::to_string(i));
            big_hash.push_back(std::to_string(i * 11));
        }
        run(c, big_hash);
        run(c, {"HSET", p + "longvaluehash", "f", std::string(100, 'q')});
        run(c, {"ZADD", p + "zset", "1", "a", "-2.5", "b", "inf", "c", "-inf", "d", "0.1", binary});
        std::vector<std::string> big_zset{"ZADD", p + "bigzset"};
        for (int i = 0; i < 300; ++i) {
            big_zset.push_back(std::to_string(i) + ".25");
            big_zset.push_back("member-" + std::to_string(i));
        }
        run(c, big_zset);
        run(c, {"PEXPIRE", p + "bigzset", "7200000"});
        if (db == 0) {
            run(c, {"SET", "mb", mb});
            run(c, {"SET", "random-mb", random_mb});
            run(c, {"RPUSH", "mb-list", mb, "small"});
        }
    }
    REQUIRE(text(run(c, {"SELECT", "0"})) == "OK");
}

/// Every key of every database, as "db key -> type|value|ttl-bucket" (TTL rounded to minutes).
std::map<std::string, std::string> dataset(client::connection& c) {
    std::map<std::string, std::string> out;
    // redis-server serves -LOADING while it loads a few MB (every 2 MB of RDB): wait until done.
    for (int i = 0; i < 3000; ++i) {
        const resp::value pong = run(c, {"PING"});
        if (!pong.is_error()) break;
        std::this_thread::sleep_for(10ms);
    }
    for (int db = 0; db < 16; ++db) {
        REQUIRE(text(run(c, {"SELECT", std::to_string(db)})) == "OK");
        const resp::value keys = run(c, {"KEYS", "*"});
        for (const resp::value& k : keys.elements()) {
            const std::string key = text(k);
            const std::string type = text(run(c, {"TYPE", key}));
            std::string value;
            auto join = [&](const resp::value& v, bool sort) {
                std::vector<std::string> parts;
                for (const resp::value& e : v.elements()) parts.push_back(text(e));
                if (sort) std::sort(parts.begin(), parts.end());
                std::string s;
                for (const std::string& part : parts) s += part + '\x1f';
                return s;
            };
            if (type == "string") value = text(run(c, {"GET", key}));
            else if (type == "list") value = join(run(c, {"LRANGE", key, "0", "-1"}), false);
            else if (type == "set") value = join(run(c, {"SMEMBERS", key}), true);
            else if (type == "hash") {
                const resp::value all = run(c, {"HGETALL", key});
                std::vector<std::string> pairs;
                for (std::size_t i = 0; i + 1 < all.size(); i += 2) pairs.push_back(text(all[i]) + '=' + text(all[i + 1]));
                std::sort(pairs.begin(), pairs.end());
                for (const std::string& pair : pairs) value += pair + '\x1f';
            }
            else if (type == "zset") value = join(run(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"}), false);
            const std::int64_t pttl = run(c, {"PTTL", key}).integer();
            const std::string ttl = pttl < 0 ? std::to_string(pttl) : std::to_string((pttl + 30000) / 60000) + "min";
            out[std::to_string(db) + " " + key] = type + "|" + value + "|" + ttl;
        }
    }
    REQUIRE(text(run(c, {"SELECT", "0"})) == "OK");
    return out;
}

/// The names of INFO persistence's fields, in order.
std::vector<std::string> info_fields(client::connection& c) {
    std::vector<std::string> names;
    std::istringstream in(text(run(c, {"INFO", "persistence"})));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line == "\r") continue;
        names.push_back(line.substr(0, line.find(':')));
    }
    return names;
}

std::string info_field(client::connection& c, const std::string& name) {
    std::istringstream in(text(run(c, {"INFO", "persistence"})));
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(name + ":")) {
            std::string v = line.substr(name.size() + 1);
            if (!v.empty() && v.back() == '\r') v.pop_back();
            return v;
        }
    }
    return {};
}

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

/// Sets a "soon" key in each of the 16 databases, SAVEs, then waits until their TTL passed: they
/// are in the file and expired by the time it loads (16 keys expired at load). The TTL must
/// outlast the SETs and the SAVE, which a loaded machine may stretch past any fixed figure: a
/// longer TTL is tried when it did not.
void save_and_let_soon_expire(client::connection& c) {
    for (const auto ttl : {500ms, 2000ms, 8000ms}) {
        const auto start = std::chrono::steady_clock::now();
        for (int db = 0; db < 16; ++db) {
            REQUIRE(text(run(c, {"SELECT", std::to_string(db)})) == "OK");
            run(c, {"SET", "db" + std::to_string(db) + ":soon", "v", "PX", std::to_string(ttl.count())});
        }
        REQUIRE(text(run(c, {"SELECT", "0"})) == "OK");
        REQUIRE(text(run(c, {"SAVE"})) == "OK");
        if (std::chrono::steady_clock::now() - start < ttl - 50ms) {
            std::this_thread::sleep_until(start + ttl + 50ms);
            return;
        }
    }
    FAIL("SAVE took longer than 8 s: the soon keys expired before the file was written");
}

} // namespace

TEST_CASE("an RDB saved by redis-server loads into respkit-server, and one saved by respkit-server into redis-server") {
    const std::string respkit_program = built_program("respkit-server");
    const std::string redis_program = find_on_path("redis-server");
    if (respkit_program.empty() || redis_program.empty()) {
        MESSAGE("skipped: respkit-server or redis-server missing");
        return;
    }
    // Fills and SAVEs on `writer`, restarts `reader` on the same directory, compares; returns
    // the reader's connection for further checks.
    const auto cross = [](const std::string& writer, const std::string& reader, const temp_dir& dir,
                          const std::function<void(client::connection&, std::size_t keys)>& after) {
        std::map<std::string, std::string> expected;
        {
            server_process from(writer, persist_args(dir.path));
            REQUIRE(from.running());
            auto c = connect_client(from.port());
            fill(c);
            save_and_let_soon_expire(c);
            expected = dataset(c);
        }
        server_process to(reader, persist_args(dir.path));
        REQUIRE(to.running());
        auto c = connect_client(to.port());
        const auto loaded = dataset(c);
        CHECK(loaded.size() == expected.size());
        CHECK(loaded == expected);
        MESSAGE("keys compared: " << loaded.size());
        after(c, expected.size());
    };
    SUBCASE("Redis -> respkit") {
        temp_dir dir;
        cross(redis_program, respkit_program, dir, [](client::connection& c, std::size_t keys) {
            CHECK(info_field(c, "rdb_last_load_keys_loaded") == std::to_string(keys));
            CHECK(info_field(c, "rdb_last_load_keys_expired") == "16");
        });
    }
    SUBCASE("respkit -> Redis") {
        temp_dir dir;
        cross(respkit_program, redis_program, dir, [&dir](client::connection&, std::size_t) {
            // Redis's own checker accepts the file too.
            const auto check = run_program({find_on_path("redis-check-rdb"), dir.file("dump.rdb")}, {}, 30s);
            CHECK_MESSAGE(check.exit_code == 0, check.out << check.err);
        });
    }
}

TEST_CASE("DUMP payloads cross between redis-server and respkit-server with RESTORE") {
    const std::string respkit_program = built_program("respkit-server");
    if (respkit_program.empty() || find_on_path("redis-server").empty()) return;
    temp_dir dir;
    server_process redis = start_redis(persist_args(dir.path));
    server_process ours = start_respkit(persist_args(dir.path));
    REQUIRE(redis.running());
    REQUIRE(ours.running());
    auto r = connect_client(redis.port());
    auto o = connect_client(ours.port());
    fill(r);
    fill(o);
    std::this_thread::sleep_for(450ms);
    const auto from_redis = dataset(r);
    const auto from_ours = dataset(o);
    REQUIRE(from_redis == from_ours);
    // Every key of db 0, DUMPed on one side and RESTOREd on the other under a new name.
    int crossed = 0;
    for (auto [source, target] : {std::pair{&r, &o}, std::pair{&o, &r}}) {
        const resp::value keys = run(*source, {"KEYS", "db0:*"});
        for (const resp::value& k : keys.elements()) {
            const std::string key = text(k);
            const resp::value payload = run(*source, {"DUMP", key});
            REQUIRE_MESSAGE(payload.type() == resp::type::bulk_string, key << ": " << text(payload));
            const resp::value restored = run(*target, {"RESTORE", "restored:" + key, "0", text(payload), "REPLACE"});
            CHECK_MESSAGE(text(restored) == "OK", key << ": " << text(restored));
            ++crossed;
        }
    }
    for (auto* c : {&r, &o}) {
        const resp::value keys = run(*c, {"KEYS", "restored:*"});
        for (const resp::value& k : keys.elements()) {
            const std::string key = text(k);
            const std::string original = key.substr(9);
            CHECK(text(run(*c, {"TYPE", key})) == text(run(*c, {"TYPE", original})));
        }
    }
    // Same dataset on both: restored keys read back the same.
    REQUIRE(dataset(r) == dataset(o));
    MESSAGE("payloads crossed: " << crossed);
    // Errors as Redis words them.
    for (auto* c : {&r, &o}) {
        CHECK(text(run(*c, {"RESTORE", "x", "0", "garbage"})) == "ERR DUMP payload version or checksum are wrong");
        CHECK(text(run(*c, {"RESTORE", "db0:int", "0", text(run(*c, {"DUMP", "db0:int"}))})) ==
              "BUSYKEY Target key name already exists.");
        CHECK(text(run(*c, {"RESTORE", "x", "-1", text(run(*c, {"DUMP", "db0:int"}))})) ==
              "ERR Invalid TTL value, must be >= 0");
        CHECK(text(run(*c, {"RESTORE", "x", "0", text(run(*c, {"DUMP", "db0:int"})), "FREQ", "300"})) ==
              "ERR Invalid FREQ value, must be >= 0 and <= 255");
        CHECK(text(run(*c, {"RESTORE", "x", "0", text(run(*c, {"DUMP", "db0:int"})), "IDLETIME", "1", "FREQ", "1"})) ==
              "ERR syntax error");
        CHECK(run(*c, {"DUMP", "nosuchkey"}).is_null());
        CHECK(text(run(*c, {"RESTORE", "ttlkey", "100000", text(run(*c, {"DUMP", "db0:int"}))})) == "OK");
        CHECK(run(*c, {"PTTL", "ttlkey"}).integer() > 90000);
    }
}

TEST_CASE("SAVE, BGSAVE, LASTSAVE, save points, SHUTDOWN SAVE/NOSAVE, SIGTERM, DEBUG RELOAD, MISCONF") {
    if (built_program("respkit-server").empty()) return;
    temp_dir dir;
    SUBCASE("BGSAVE writes the file while serving; LASTSAVE and INFO follow; a restart loads it") {
        {
            server_process s = start_respkit(persist_args(dir.path));
            REQUIRE(s.running());
            auto c = connect_client(s.port());
            const std::int64_t before = run(c, {"LASTSAVE"}).integer();
            for (int i = 0; i < 1000; ++i) run(c, {"SET", "k" + std::to_string(i), std::to_string(i)});
            CHECK(info_field(c, "rdb_changes_since_last_save") == "1000");
            std::this_thread::sleep_for(1100ms); // LASTSAVE has a resolution of one second
            CHECK(text(run(c, {"BGSAVE"})) == "Background saving started");
            CHECK(wait_for([&] { return info_field(c, "rdb_bgsave_in_progress") == "0"; }));
            CHECK(info_field(c, "rdb_last_bgsave_status") == "ok");
            CHECK(info_field(c, "rdb_changes_since_last_save") == "0");
            CHECK(info_field(c, "rdb_saves") == "1");
            CHECK(run(c, {"LASTSAVE"}).integer() > before);
            CHECK(std::filesystem::exists(dir.file("dump.rdb")));
            CHECK(text(run(c, {"SET", "after", "x"})) == "OK");
            // SHUTDOWN NOSAVE: "after" is not saved.
            (void)c.command("SHUTDOWN", "NOSAVE");
            s.stop();
        }
        server_process s = start_respkit(persist_args(dir.path));
        REQUIRE(s.running());
        auto c = connect_client(s.port());
        CHECK(run(c, {"DBSIZE"}).integer() == 1000);
        CHECK(text(run(c, {"GET", "k999"})) == "999");
        CHECK(run(c, {"EXISTS", "after"}).integer() == 0);
        // SHUTDOWN SAVE saves without save points.
        CHECK(text(run(c, {"SET", "after", "y"})) == "OK");
        (void)c.command("SHUTDOWN", "SAVE");
        s.stop();
        server_process again = start_respkit(persist_args(dir.path));
        auto c2 = connect_client(again.port());
        CHECK(text(run(c2, {"GET", "after"})) == "y");
    }
    SUBCASE("a save point triggers a background save; SIGTERM with save points saves") {
        {
            server_process s = start_respkit(persist_args(dir.path, "1 3"));
            REQUIRE(s.running());
            auto c = connect_client(s.port());
            for (int i = 0; i < 5; ++i) run(c, {"SET", "p" + std::to_string(i), "v"});
            CHECK(wait_for([&] { return info_field(c, "rdb_saves") == "1"; }, 10s));
            CHECK(std::filesystem::exists(dir.file("dump.rdb")));
            run(c, {"SET", "last", "before-sigterm"});
            // server_process::stop sends SIGTERM: the final snapshot holds "last".
        }
        server_process s = start_respkit(persist_args(dir.path));
        auto c = connect_client(s.port());
        CHECK(text(run(c, {"GET", "last"})) == "before-sigterm");
        CHECK(run(c, {"DBSIZE"}).integer() == 6);
    }
    SUBCASE("DEBUG RELOAD saves and loads again; refused unless enable-debug-command") {
        {
            server_process s = start_respkit(persist_args(dir.path));
            auto c = connect_client(s.port());
            CHECK(text(run(c, {"DEBUG", "RELOAD"})).starts_with("ERR DEBUG command not allowed."));
        }
        auto args = persist_args(dir.path);
        args.insert(args.end(), {"--enable-debug-command", "yes"});
        server_process s = start_respkit(args);
        auto c = connect_client(s.port());
        run(c, {"RPUSH", "l", "a", "b"});
        run(c, {"SET", "t", "v", "EX", "1000"});
        CHECK(text(run(c, {"DEBUG", "RELOAD"})) == "OK");
        CHECK(run(c, {"LLEN", "l"}).integer() == 2);
        CHECK(run(c, {"TTL", "t"}).integer() > 990);
        CHECK(text(run(c, {"DEBUG", "RELOAD", "BOGUS"})) == "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        CHECK(std::filesystem::exists(dir.file("dump.rdb")));
    }
    SUBCASE("a failed background save with save points: writes and PING get MISCONF until a save works") {
        server_process s = start_respkit(persist_args(dir.path, "3600 1"));
        REQUIRE(s.running());
        auto c = connect_client(s.port());
        // dump.rdb is a directory that is not empty: the rename that publishes the snapshot fails.
        std::filesystem::create_directories(dir.file("dump.rdb/x"));
        CHECK(text(run(c, {"BGSAVE"})) == "Background saving started");
        CHECK(wait_for([&] { return info_field(c, "rdb_last_bgsave_status") == "err"; }));
        const std::string misconf = text(run(c, {"SET", "k", "v"}));
        CHECK(misconf.starts_with("MISCONF Redis is configured to save RDB snapshots"));
        CHECK(text(run(c, {"PING"})).starts_with("MISCONF"));
        CHECK(run(c, {"GET", "k"}).is_null()); // reads go on
        CHECK(text(run(c, {"SAVE"})).starts_with("ERR"));
        std::filesystem::remove_all(dir.file("dump.rdb"));
        CHECK(text(run(c, {"SAVE"})) == "OK");
        CHECK(text(run(c, {"SET", "k", "v"})) == "OK");
    }
}

TEST_CASE("sorted sets' OBJECT ENCODING after DEBUG RELOAD, RESTORE and a restart, as redis-server's") {
    if (built_program("respkit-server").empty()) return;
    if (find_on_path("redis-server").empty()) return;
    // Skip lists that shrank, or were built under a lower zset-max-listpack-entries, load back
    // packed when they fit the thresholds in force; those that do not fit stay skip lists.
    const auto encodings = [](client::connection& c) {
        std::vector<std::string> out;
        for (const char* key : {"shrunk", "long", "wide", "mid", "copy", "restored", "big"})
            out.push_back(key + std::string("=") + text(run(c, {"OBJECT", "ENCODING", key})));
        return out;
    };
    const auto script = [&](client::connection& c) {
        std::vector<std::string> zadd = {"ZADD", "shrunk"};
        for (int i = 0; i < 200; ++i) zadd.insert(zadd.end(), {std::to_string(i), "m" + std::to_string(i)});
        run(c, zadd);
        zadd[1] = "big";
        run(c, zadd);
        zadd.resize(2 + 2 * 190);
        zadd[0] = "ZREM";
        zadd[1] = "shrunk";
        for (std::size_t i = 2; i < zadd.size(); i += 2) zadd[i] = zadd[i + 1];
        run(c, zadd);
        run(c, {"ZADD", "long", "1", "short", "2", std::string(65, 'x')});
        run(c, {"ZREM", "long", std::string(65, 'x')});
        run(c, {"ZADD", "wide", "1", "short", "2", std::string(65, 'y')});
        run(c, {"CONFIG", "SET", "zset-max-listpack-entries", "4"});
        run(c, {"ZADD", "mid", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
        run(c, {"CONFIG", "SET", "zset-max-listpack-entries", "128"});
        run(c, {"COPY", "mid", "copy"});
        run(c, {"RESTORE", "restored", "0", text(run(c, {"DUMP", "mid"}))});
    };
    std::vector<std::vector<std::string>> seen(2);
    for (const bool redis : {true, false}) {
        temp_dir dir;
        auto args = persist_args(dir.path);
        args.insert(args.end(), {"--enable-debug-command", "yes"});
        std::vector<std::string>& out = seen[redis ? 0 : 1];
        {
            server_process s = redis ? start_redis(args) : start_respkit(args);
            REQUIRE(s.running());
            auto c = connect_client(s.port());
            script(c);
            for (const auto& e : encodings(c)) out.push_back("live " + e);
            CHECK(text(run(c, {"DEBUG", "RELOAD"})) == "OK");
            for (const auto& e : encodings(c)) out.push_back("reload " + e);
            run(c, {"ZADD", "mid", "6", "f"});
            CHECK(text(run(c, {"SAVE"})) == "OK");
            (void)c.command("SHUTDOWN", "NOSAVE");
            s.stop();
        }
        server_process s = redis ? start_redis(args) : start_respkit(args);
        REQUIRE(s.running());
        auto c = connect_client(s.port());
        for (const auto& e : encodings(c)) out.push_back("restart " + e);
        CHECK(run(c, {"ZCARD", "shrunk"}).integer() == 10);
        CHECK(text(run(c, {"ZSCORE", "mid", "f"})) == "6");
    }
    REQUIRE(seen[0].size() == 21);
    CHECK(seen[1].size() == seen[0].size());
    for (std::size_t i = 0; i < std::min(seen[0].size(), seen[1].size()); ++i) CHECK(seen[1][i] == seen[0][i]);
}

TEST_CASE("hash and set encodings after DEBUG RELOAD, a restart and RESTORE match redis-server's") {
    const std::string respkit_program = built_program("respkit-server");
    if (respkit_program.empty() || find_on_path("redis-server").empty()) return;
    temp_dir redis_dir, our_dir;
    auto args = [](const std::string& dir) {
        auto a = persist_args(dir);
        a.insert(a.end(), {"--enable-debug-command", "yes", "--hash-max-listpack-entries", "6",
                           "--hash-max-listpack-value", "10", "--set-max-intset-entries", "5"});
        return a;
    };
    const std::string long_value(11, 'x');
    const std::vector<std::vector<std::string>> load = {
        {"HSET", "h:small", "a", "1", "b", "2"},
        {"HSET", "h:long", "a", long_value},
        {"HSET", "h:shrunk", "a", long_value, "b", "2"}, // a hashtable that fits a listpack once reloaded
        {"HDEL", "h:shrunk", "a"},
        {"HSET", "h:many", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6", "7", "7"},
        {"SADD", "s:ints", "3", "1", "2"},
        {"SADD", "s:shrunk", "1", "x"},
        {"SREM", "s:shrunk", "x"},
        {"SADD", "s:many", "1", "2", "3", "4", "5", "6"},
        {"SREM", "s:many", "6"},
        {"SADD", "s:text", "a"},
    };
    const std::vector<std::string> keys = {"h:small", "h:long", "h:shrunk", "h:many", "s:ints", "s:shrunk", "s:many", "s:text"};
    // Every key's encoding, and the order of the compact forms' contents (deterministic in both).
    auto state = [&](client::connection& c) {
        std::vector<std::string> out;
        for (const std::string& k : keys) {
            const std::string encoding = text(run(c, {"OBJECT", "ENCODING", k}));
            out.push_back(k + " " + encoding);
            if (encoding == "listpack" || encoding == "intset") {
                const resp::value all = run(c, {k[0] == 'h' ? "HGETALL" : "SMEMBERS", k});
                for (const resp::value& e : all.elements()) out.back() += " " + text(e);
            }
        }
        return out;
    };
    server_process redis = start_redis(args(redis_dir.path));
    server_process ours = start_respkit(args(our_dir.path));
    REQUIRE(redis.running());
    REQUIRE(ours.running());
    auto r = connect_client(redis.port());
    auto o = connect_client(ours.port());
    for (const auto& command : load) CHECK(text(run(r, command)) == text(run(o, command)));
    CHECK(state(o) == state(r));
    for (auto* c : {&r, &o}) CHECK(text(run(*c, {"DEBUG", "RELOAD"})) == "OK");
    CHECK(state(o) == state(r));
    // A listpack's and an intset's DUMP payloads are Redis's, byte for byte.
    for (const std::string k : {"h:small", "h:shrunk", "s:ints", "s:shrunk"})
        CHECK(text(run(o, {"DUMP", k})) == text(run(r, {"DUMP", k})));
    // Lower thresholds apply to what loads next.
    for (auto* c : {&r, &o}) {
        CHECK(text(run(*c, {"CONFIG", "SET", "hash-max-listpack-entries", "1", "set-max-intset-entries", "2"})) == "OK");
        CHECK(text(run(*c, {"DEBUG", "RELOAD"})) == "OK");
    }
    CHECK(state(o) == state(r));
    // DUMP writes the RDB type of the form a value is in (here hash tables, whose order differs:
    // the type byte is compared); RESTORE builds what the thresholds allow.
    for (auto* c : {&r, &o})
        CHECK(text(run(*c, {"CONFIG", "SET", "hash-max-listpack-entries", "6", "set-max-intset-entries", "5"})) == "OK");
    for (const std::string k : {"h:small", "s:ints"}) {
        const std::string payload = text(run(r, {"DUMP", k}));
        CHECK(text(run(o, {"DUMP", k})).substr(0, 1) == payload.substr(0, 1));
        for (auto* c : {&r, &o}) CHECK(text(run(*c, {"RESTORE", k, "0", payload, "REPLACE"})) == "OK");
    }
    CHECK(state(o) == state(r));
    // A restart loads the snapshot SHUTDOWN SAVE wrote.
    (void)o.command("SHUTDOWN", "SAVE");
    ours.stop();
    REQUIRE(ours.start());
    (void)run(r, {"DEBUG", "RELOAD"});
    auto o2 = connect_client(ours.port());
    CHECK(state(o2) == state(r));
}

TEST_CASE("INFO persistence has Redis 7.0's fields in Redis's order") {
    if (built_program("respkit-server").empty() || find_on_path("redis-server").empty()) return;
    temp_dir dir;
    server_process redis = start_redis(persist_args(dir.path));
    server_process ours = start_respkit(persist_args(dir.path));
    auto r = connect_client(redis.port());
    auto o = connect_client(ours.port());
    CHECK(info_fields(o) == info_fields(r));
}

TEST_CASE("a damaged dump.rdb stops respkit-server's start-up, naming the file and the offset") {
    const std::string program = built_program("respkit-server");
    if (program.empty()) return;
    temp_dir dir;
    {
        server_process s = start_respkit(persist_args(dir.path));
        REQUIRE(s.running());
        auto c = connect_client(s.port());
        for (int i = 0; i < 200; ++i) run(c, {"SET", "key:" + std::to_string(i), std::string(50, 'v')});
        run(c, {"RPUSH", "list", "a", "b", "c"});
        REQUIRE(text(run(c, {"SAVE"})) == "OK");
    }
    std::string whole;
    {
        std::ifstream in(dir.file("dump.rdb"), std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        whole = s.str();
    }
    REQUIRE(whole.size() > 100);
    std::uint32_t seed = 7;
    const auto next = [&seed](std::size_t bound) {
        seed = seed * 1103515245u + 12345u;
        return static_cast<std::size_t>(seed >> 8) % bound;
    };
    int refused = 0;
    for (int round = 0; round < 8; ++round) {
        std::string damaged = whole;
        const bool cut = round % 2 == 0;
        if (cut) {
            damaged.resize(next(whole.size() - 1) + 1); // a torn file: cut somewhere
        } else {
            damaged[9 + next(whole.size() - 9)] ^= 0x20; // a flipped bit after the header
        }
        std::ofstream(dir.file("dump.rdb"), std::ios::binary | std::ios::trunc) << damaged;
        std::vector<std::string> argv{program, "--port", std::to_string(free_port())};
        const auto args = persist_args(dir.path);
        argv.insert(argv.end(), args.begin(), args.end());
        const run_output out = run_program(argv, {}, 20s);
        CAPTURE(cut);
        CHECK(out.exit_code == 1);
        const std::string log = out.out + out.err;
        CHECK_MESSAGE(log.find("dump.rdb") != std::string::npos, log);
        CHECK_MESSAGE(log.find("offset") != std::string::npos, log);
        refused += out.exit_code == 1 ? 1 : 0;
    }
    MESSAGE("damaged snapshots refused at start-up: " << refused << " of 8");
}

// The RDB layer against Debian's redis-server 7.0.15: its SAVE read by rdb::load and compared
// key by key with what hiredis reads back (type, value, TTL), streams through on_stream; the
// same keys written by rdb::writer and loaded by a second redis-server, compared again; DUMP
// payloads both ways (load_dump_payload on DUMP, dump_payload into RESTORE).

#include <doctest/doctest.h>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "respkit/rdb.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/rdb_util.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;
struct context_deleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
};

/// A hiredis connection with a command taking its arguments as strings.
class hiredis_client {
public:
    explicit hiredis_client(int port) {
        const timeval timeout{5, 0};
        m_context.reset(redisConnectWithTimeout("127.0.0.1", port, timeout));
        if (m_context && m_context->err == 0) redisSetTimeout(m_context.get(), timeout);
    }
    [[nodiscard]] bool connected() const { return m_context && m_context->err == 0; }
    reply_ptr call(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        return reply_ptr(static_cast<redisReply*>(
            redisCommandArgv(m_context.get(), static_cast<int>(args.size()), argv.data(), lens.data())));
    }
    std::string str(const std::vector<std::string>& args) {
        auto r = call(args);
        if (!r) return "<no reply>";
        if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
        if (r->type == REDIS_REPLY_NIL) return "<nil>";
        return std::string(r->str, r->len);
    }
    std::vector<std::string> list(const std::vector<std::string>& args) {
        auto r = call(args);
        std::vector<std::string> out;
        if (r && r->type == REDIS_REPLY_ARRAY) {
            for (std::size_t i = 0; i < r->elements; ++i) out.emplace_back(r->element[i]->str, r->element[i]->len);
        }
        return out;
    }

private:
    std::unique_ptr<redisContext, context_deleter> m_context;
};

server_process start_redis_in(const std::filesystem::path& dir) {
    return server_process(find_on_path("redis-server"),
                          {"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir",
                           dir.string(), "--dbfilename", "dump.rdb"});
}

/// Fills the server's 16 databases with every type in small and large encodings.
void fill(hiredis_client& c) {
    std::string binary;
    for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
    std::string megabyte;
    std::uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < (1 << 20); ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        megabyte.push_back(static_cast<char>('a' + (i % 64 < 32 ? x % 26 : 0)));
    }
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"SET", "int", "12345"}, {"SET", "negative", "-9223372036854775808"}, {"SET", "binary", binary},
             {"SET", "empty", ""}, {"SET", "mb", megabyte}, {"SET", "expiring", "v", "PX", "3600000"},
             {"RPUSH", "small-list", "a", "1", "-70000", ""}, {"SADD", "intset", "1", "-5", "300000", "9000000000"},
             {"SADD", "strset", "a", "b", "7"}, {"HSET", "small-hash", "f", "1", "g", binary.substr(1, 40)},
             {"ZADD", "small-zset", "1.5", "a", "-inf", "b", "inf", "c", "0", "d"}, {"EXPIRE", "small-zset", "100000"}}) {
        auto r = c.call(cmd);
        REQUIRE(r);
        REQUIRE(r->type != REDIS_REPLY_ERROR);
    }
    for (int i = 0; i < 5000; ++i) {
        c.call({"RPUSH", "big-list", i % 2 ? std::to_string(i) : "item:" + std::to_string(i)});
        if (i < 1000) c.call({"SADD", "big-intset", std::to_string(i * 7)});
        if (i < 700) c.call({"SADD", "big-set", "member:" + std::to_string(i)});
        if (i < 300) c.call({"HSET", "big-hash", "field:" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'h')});
        if (i < 300) c.call({"ZADD", "big-zset", std::to_string(i * 0.1 - 3), "m" + std::to_string(i)});
    }
    c.call({"HSET", "long-value-hash", "f", std::string(100, 'x')});
    c.call({"RPUSH", "huge-element-list", std::string(20000, 'L'), "x"});
    c.call({"XADD", "stream", "1-1", "a", "1", "b", "2"});
    c.call({"XADD", "stream", "1-2", "a", "3", "b", "4"});
    c.call({"XADD", "stream", "2-0", "other", "5"});
    c.call({"XGROUP", "CREATE", "stream", "group", "0"});
    c.call({"XREADGROUP", "GROUP", "group", "alice", "COUNT", "2", "STREAMS", "stream", ">"});
    for (int db = 1; db < 16; ++db) {
        c.call({"SELECT", std::to_string(db)});
        c.call({"SET", "db", std::to_string(db)});
        c.call({"RPUSH", "list-" + std::to_string(db), "x"});
    }
    c.call({"SELECT", "0"});
}

/// The value of `key` as hiredis reads it, as an rdb::object of `kind`.
rdb::object read_back(hiredis_client& c, const std::string& key, rdb::object_kind kind) {
    rdb::object o;
    o.kind = kind;
    switch (kind) {
    case rdb::object_kind::string: o.string = c.str({"GET", key}); break;
    case rdb::object_kind::list: o.elements = c.list({"LRANGE", key, "0", "-1"}); break;
    case rdb::object_kind::set: o.elements = c.list({"SMEMBERS", key}); break;
    case rdb::object_kind::hash: {
        const auto flat = c.list({"HGETALL", key});
        for (std::size_t i = 0; i + 1 < flat.size(); i += 2) o.fields.emplace_back(flat[i], flat[i + 1]);
        break;
    }
    case rdb::object_kind::zset: {
        const auto flat = c.list({"ZRANGE", key, "0", "-1", "WITHSCORES"});
        for (std::size_t i = 0; i + 1 < flat.size(); i += 2) o.members.emplace_back(flat[i], std::strtod(flat[i + 1].c_str(), nullptr));
        break;
    }
    }
    return o;
}

/// `o` with set, hash and sorted set contents in a canonical order (files keep no order).
rdb::object canonical(rdb::object o) {
    if (o.kind == rdb::object_kind::set) std::sort(o.elements.begin(), o.elements.end());
    std::sort(o.fields.begin(), o.fields.end());
    std::sort(o.members.begin(), o.members.end(), [](const auto& a, const auto& b) {
        return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
    return o;
}

/// Compares every collected key (but streams) with the server's view of it.
void compare_with_server(hiredis_client& c, const rdb_collector& keys) {
    std::uint64_t current_db = 0;
    c.call({"SELECT", "0"});
    for (const auto& k : keys.keys) {
        if (k.db != current_db) {
            c.call({"SELECT", std::to_string(k.db)});
            current_db = k.db;
        }
        INFO("db " << k.db << " key " << k.key);
        CHECK(c.str({"TYPE", k.key}) == rdb::object_kind_name(k.value.kind));
        CHECK(canonical(read_back(c, k.key, k.value.kind)) == canonical(k.value));
        const std::string pexpiretime = c.str({"PEXPIRETIME", k.key});
        CHECK(pexpiretime == (k.expire_at_ms ? std::to_string(*k.expire_at_ms) : std::string("-1")));
    }
    c.call({"SELECT", "0"});
}

struct stream_collector : rdb_collector {
    std::vector<std::pair<std::string, rdb::stream>> streams;
    std::string on_stream(std::uint64_t, std::string_view key, rdb::stream&& s, std::optional<std::int64_t>, rdb::key_info) {
        streams.emplace_back(std::string(key), std::move(s));
        return {};
    }
};

} // namespace

TEST_CASE("redis-server's SAVE read by rdb::load, written back by rdb::writer, DUMP and RESTORE") {
    if (find_on_path("redis-server").empty()) {
        MESSAGE("redis-server not installed: skipped");
        return;
    }
    temp_dir redis_dir, respkit_dir;
    auto redis = start_redis_in(redis_dir.path);
    REQUIRE(redis.running());
    hiredis_client c(redis.port());
    REQUIRE(c.connected());
    fill(c);
    REQUIRE(c.str({"SAVE"}) == "OK");
    const std::string redis_file = read_file(redis_dir.file("dump.rdb"));
    REQUIRE(!redis_file.empty());

    // Redis → respkit.
    stream_collector loaded;
    const auto r = rdb::load(redis_file, loaded);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(r.version == 10);
    CHECK(r.offset == redis_file.size());
    CHECK(r.checksum_checked);
    CHECK(std::find_if(loaded.aux.begin(), loaded.aux.end(), [](const auto& a) { return a.first == "redis-ver"; })->second == "7.0.15");
    std::map<std::uint64_t, std::size_t> per_db;
    for (const auto& k : loaded.keys) ++per_db[k.db];
    CHECK(per_db.size() == 16);
    CHECK(per_db[0] + 1 == static_cast<std::size_t>(std::stoll(c.str({"DBSIZE"})))); // + the stream
    std::map<std::uint8_t, int> encodings;
    for (const auto& k : loaded.keys) ++encodings[k.info.type];
    for (const auto type : {rdb::value_type::string, rdb::value_type::list_quicklist_2, rdb::value_type::set_intset,
                            rdb::value_type::set, rdb::value_type::hash_listpack, rdb::value_type::hash,
                            rdb::value_type::zset_listpack, rdb::value_type::zset_2}) {
        CHECK_MESSAGE(encodings[static_cast<std::uint8_t>(type)] > 0, rdb::value_type_name(static_cast<std::uint8_t>(type)));
    }
    compare_with_server(c, loaded);

    // The stream, through on_stream.
    REQUIRE(loaded.streams.size() == 1);
    const rdb::stream& s = loaded.streams[0].second;
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].id == rdb::stream_id{1, 1});
    CHECK(s.entries[1].fields == std::vector<std::pair<std::string, std::string>>{{"a", "3"}, {"b", "4"}});
    CHECK(s.entries[2].id == rdb::stream_id{2, 0});
    CHECK(s.entries[2].fields == std::vector<std::pair<std::string, std::string>>{{"other", "5"}});
    CHECK(s.last_id == rdb::stream_id{2, 0});
    CHECK(s.entries_added == 3u);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].name == "group");
    CHECK(s.groups[0].last_id == rdb::stream_id{1, 2});
    REQUIRE(s.groups[0].pending.size() == 2);
    CHECK(s.groups[0].pending[0].consumer == "alice");
    REQUIRE(s.groups[0].consumers.size() == 1);
    CHECK(s.groups[0].consumers[0].pending.size() == 2);

    // respkit → Redis: the same keys written by rdb::writer, loaded by a second server.
    {
        const std::string path = respkit_dir.file("dump.rdb");
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        REQUIRE(fd >= 0);
        rdb::fd_sink out(fd);
        rdb::writer w(out);
        CHECK(w.header());
        CHECK(w.aux("redis-ver", "7.0.15"));
        CHECK(w.aux("redis-bits", std::int64_t{64}));
        std::uint64_t db = ~std::uint64_t{0};
        for (const auto& k : loaded.keys) {
            if (k.db != db) CHECK(w.select_db(db = k.db));
            if (k.expire_at_ms) CHECK(w.key_expiry(*k.expire_at_ms));
            CHECK(w.value(k.key, k.value));
        }
        CHECK(w.finish());
        CHECK(out.error() == 0);
        ::close(fd);
        const std::string respkit_file = read_file(path);
        MESSAGE("same keys (less the stream): redis-server's file " << redis_file.size() << " bytes, respkit's "
                                                                     << respkit_file.size() << " bytes");
        CHECK(respkit_file.size() < redis_file.size() + redis_file.size() / 10);
    }
    auto second = start_redis_in(respkit_dir.path);
    REQUIRE(second.running());
    hiredis_client c2(second.port());
    REQUIRE(c2.connected());
    CHECK(c2.str({"DBSIZE"}) == std::to_string(per_db[0]));
    compare_with_server(c2, loaded);
    CHECK(c2.str({"OBJECT", "ENCODING", "small-hash"}) == "listpack");
    CHECK(c2.str({"OBJECT", "ENCODING", "big-intset"}) == "hashtable");
    CHECK(c2.str({"OBJECT", "ENCODING", "intset"}) == "intset");

    // DUMP from redis-server → load_dump_payload; dump_payload → RESTORE.
    for (const auto& k : loaded.keys) {
        if (k.db != 0) continue;
        INFO("key " << k.key);
        const std::string payload = c.str({"DUMP", k.key});
        const auto back = rdb::load_dump_payload(payload);
        REQUIRE_MESSAGE(back.ok(), back.detail);
        CHECK(canonical(back.value) == canonical(k.value));
        const std::string ours = rdb::dump_payload(k.value);
        CHECK(c2.str({"RESTORE", "restored:" + k.key, "0", ours}) == "OK");
        CHECK(canonical(read_back(c2, "restored:" + k.key, k.value.kind)) == canonical(k.value));
    }
    std::string bad = rdb::dump_payload(loaded.keys.front().value);
    bad[0] ^= 0x40;
    CHECK(c2.str({"RESTORE", "bad", "0", bad}) == "ERR DUMP payload version or checksum are wrong");
    CHECK(rdb::load_dump_payload(bad).message == "DUMP payload version or checksum are wrong");
}

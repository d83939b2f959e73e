// The Lua libraries Redis 7.0 gives scripts (cjson, cmsgpack, bit, struct), in respkit's
// implementation on Debian's Lua 5.1, against Redis's own: every case of lua_library_cases.txt
// runs here and must print what Debian's redis-server 7.0.15 printed (stored in
// lua_library_cases.hpp by lua_library_cases.py), and, when redis-server is installed, what a
// live one prints now; then 4200 random cases (values to encode, valid encodings with a byte
// replaced, random bytes, formats and numbers) against a live redis-server; then hostile inputs
// (random bytes, deep nesting, a capped allocator) that must fail cleanly.

#include "respkit/scripting/lua_bit.hpp"
#include "respkit/scripting/lua_cjson.hpp"
#include "respkit/scripting/lua_cmsgpack.hpp"
#include "respkit/scripting/lua_struct.hpp"

#include "scripting/lua_library_cases.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

#include <doctest/doctest.h>

#include <lua.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using respkit_test::lua_library_cases;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string& show_prelude() {
    static const std::string text =
        read_text(std::string(RESPKIT_SOURCE_DIR) + "/tests/scripting/show.lua");
    return text;
}

// Kept in step with script() in lua_library_cases.py.
std::string case_script(std::string_view body) {
    return show_prelude() + "\nreturn show_all(pcall(function() " + std::string(body) + "\nend))\n";
}

/// A Lua state with the libraries Redis 7.0 loads (base, table, string, math, debug) and the
/// four under test as globals.
class lua_state {
public:
    /// With Lua's default allocator, or `allocate` (with `user`) when given.
    explicit lua_state(lua_Alloc allocate = nullptr, void* user = nullptr)
        : m_state(allocate != nullptr ? lua_newstate(allocate, user) : luaL_newstate()) {
        REQUIRE(m_state != nullptr);
        const lua_CFunction standard[] = {luaopen_base, luaopen_table, luaopen_string, luaopen_math,
                                          luaopen_debug};
        for (lua_CFunction open : standard) {
            lua_pushcfunction(m_state, open);
            lua_call(m_state, 0, 0);
        }
        set_global("cjson", respkit::scripting::open_lua_cjson);
        set_global("struct", respkit::scripting::open_lua_struct);
        set_global("cmsgpack", respkit::scripting::open_lua_cmsgpack);
        set_global("bit", respkit::scripting::open_lua_bit);
    }
    lua_state(const lua_state&) = delete;
    lua_state& operator=(const lua_state&) = delete;
    ~lua_state() { lua_close(m_state); }

    /// Runs a chunk named as Redis names scripts; its string result, or "error: <message>".
    std::string run(const std::string& chunk) {
        const int top = lua_gettop(m_state);
        std::string out;
        if (luaL_loadbuffer(m_state, chunk.data(), chunk.size(), "@user_script") != 0 ||
            lua_pcall(m_state, 0, 1, 0) != 0) {
            out = std::string("error: ") + lua_tostring(m_state, -1);
        } else {
            std::size_t length = 0;
            const char* s = lua_tolstring(m_state, -1, &length);
            out = s != nullptr ? std::string(s, length) : std::string("(not a string)");
        }
        lua_settop(m_state, top);
        return out;
    }

    [[nodiscard]] lua_State* get() const { return m_state; }

private:
    void set_global(const char* name, lua_CFunction open) {
        lua_pushcfunction(m_state, open);
        lua_call(m_state, 0, 1);
        lua_setglobal(m_state, name);
    }

    lua_State* m_state;
};

/// The bulk strings of a stream of RESP2 replies (an error reply becomes "error: ...").
std::vector<std::string> bulk_replies(std::string_view bytes) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::size_t eol = bytes.find("\r\n", at);
        if (eol == std::string_view::npos) {
            break;
        }
        const std::string_view head = bytes.substr(at, eol - at);
        if (head.empty() || head[0] != '$') {
            out.push_back("error: " + std::string(head));
            at = eol + 2;
            continue;
        }
        const std::size_t length = std::stoul(std::string(head.substr(1)));
        if (eol + 2 + length > bytes.size()) {
            break;
        }
        out.emplace_back(bytes.substr(eol + 2, length));
        at = eol + 2 + length + 2;
    }
    return out;
}

} // namespace

TEST_CASE("open_lua_* push one table and nothing else") {
    lua_state lua;
    lua_State* L = lua.get();
    const lua_CFunction opens[] = {
        respkit::scripting::open_lua_cjson, respkit::scripting::open_lua_cmsgpack,
        respkit::scripting::open_lua_bit, respkit::scripting::open_lua_struct};
    for (lua_CFunction open : opens) {
        const int top = lua_gettop(L);
        CHECK(open(L) == 1);
        CHECK(lua_gettop(L) == top + 1);
        CHECK(lua_type(L, -1) == LUA_TTABLE);
        lua_pop(L, 1);
    }
    // Each cjson table has its own settings.
    CHECK(lua.run("local a, b = cjson.new(), cjson.new() a.encode_max_depth(3) "
                  "return tostring(a.encode_max_depth()) .. ' ' .. tostring(b.encode_max_depth()) "
                  ".. ' ' .. tostring(cjson.encode_max_depth())") == "3 1000 1000");
}

TEST_CASE("every case prints what redis-server 7.0.15 printed") {
    lua_state lua;
    std::size_t compared = 0;
    for (const auto& c : lua_library_cases) {
        CAPTURE(c.body);
        CHECK(lua.run(case_script(c.body)) == c.redis);
        ++compared;
    }
    MESSAGE(compared << " cases compared with their stored Redis answers");
    CHECK(compared > 300);
}

TEST_CASE("every case prints what a live redis-server prints") {
    respkit_test::redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    std::string request;
    for (const auto& c : lua_library_cases) {
        request += respkit_test::encode({"EVAL", case_script(c.body), "0"});
    }
    const std::vector<std::string> theirs =
        bulk_replies(respkit_test::exchange(redis.port(), request));
    REQUIRE(theirs.size() == std::size(lua_library_cases));
    lua_state lua;
    std::size_t i = 0;
    for (const auto& c : lua_library_cases) {
        CAPTURE(c.body);
        CHECK(lua.run(case_script(c.body)) == theirs[i]);
        ++i;
    }
    MESSAGE(i << " cases compared with a live redis-server");
}

TEST_CASE("random bytes fail to decode cleanly or decode") {
    lua_state lua;
    lua_State* L = lua.get();
    std::mt19937 random(20261204);
    // Bytes weighted towards each format's structural characters, so that the decoders get deep.
    const std::string json_alphabet = "[]{}:,\"\\u0123456789abcdefABCDEF-+.eEtrunlfsaINxX \t\n";
    std::size_t decoded = 0;
    std::size_t refused = 0;
    for (int round = 0; round < 3000; ++round) {
        const std::size_t length = random() % 64;
        std::string json;
        std::string msgpack;
        for (std::size_t i = 0; i < length; ++i) {
            json += json_alphabet[random() % json_alphabet.size()];
            msgpack += static_cast<char>(random() % 256);
        }
        // cjson.decode(json), cmsgpack.unpack(bytes), struct.unpack(bytes as format, bytes).
        const std::string_view calls[] = {"return cjson.decode((...))",
                                          "return cmsgpack.unpack((select(2, ...)))",
                                          "local _, m = ... return struct.unpack(m, m)"};
        for (const std::string_view call : calls) {
            REQUIRE(luaL_loadbuffer(L, call.data(), call.size(), "=random") == 0);
            lua_pushlstring(L, json.data(), json.size());
            lua_pushlstring(L, msgpack.data(), msgpack.size());
            const int status = lua_pcall(L, 2, 0, 0);
            if (status == 0) {
                ++decoded;
            } else {
                REQUIRE(status == LUA_ERRRUN);
                REQUIRE(lua_type(L, -1) == LUA_TSTRING);
                lua_pop(L, 1);
                ++refused;
            }
        }
    }
    MESSAGE(decoded << " decoded, " << refused << " refused");
    CHECK(decoded > 0);
    CHECK(refused > 0);
    CHECK(lua_gettop(L) == 0);
}

TEST_CASE("lengths and counts from the input never size memory") {
    lua_state lua;
    // A 4 GiB string header, an array and a map of 2^32 - 1 elements, with no bytes behind them.
    CHECK(lua.run(R"(return select(2, pcall(cmsgpack.unpack, "\219\255\255\255\255")))") ==
          "Missing bytes in input.");
    CHECK(lua.run(R"(return select(2, pcall(cmsgpack.unpack, "\221\255\255\255\255")))") ==
          "Missing bytes in input.");
    CHECK(lua.run(R"(return select(2, pcall(cmsgpack.unpack, "\223\255\255\255\255")))") ==
          "Missing bytes in input.");
    // struct's counts: strings shorter than the format's, a c0 size from the data.
    CHECK(lua.run(R"(return select(2, pcall(struct.unpack, "c2147483647", "x")))") ==
          "bad argument #2 to '?' (data string too short)");
    CHECK(
        lua.run(
            R"(return select(2, pcall(struct.unpack, "i8 c0", "\255\255\255\255\255\255\255\127")))") ==
        "bad argument #2 to '?' (data string too short)");
    CHECK(lua.run(R"(return select(2, pcall(struct.pack, "c2147483647", "x")))") ==
          "bad argument #3 to '?' (string too short)");
    // Deep nesting ends in an error, not in a C stack overflow.
    CHECK(
        lua.run(
               R"(local c = cjson.new() c.decode_max_depth(2147483647) return select(2, pcall(c.decode, string.rep("[", 1000000))))")
            .find("Found too many nested data structures") != std::string::npos);
    CHECK(lua.run(R"(return select(2, pcall(cmsgpack.unpack, string.rep("\145", 1000000))))")
              .find("stack overflow") != std::string::npos);
    CHECK(
        lua.run(
               R"(local c = cjson.new() c.encode_max_depth(2147483647) local t = {} t[1] = t return select(2, pcall(c.encode, t)))")
            .find("Cannot serialise, excessive nesting") != std::string::npos);
}

namespace {

/// An allocator that refuses to hold more than `limit` bytes in all, as a script engine's
/// memory limit would.
struct capped_allocator {
    std::size_t limit;
    std::size_t used = 0;

    static void* allocate(void* user, void* block, std::size_t old_size, std::size_t new_size) {
        auto& self = *static_cast<capped_allocator*>(user);
        if (new_size == 0) {
            std::free(block);
            self.used -= old_size;
            return nullptr;
        }
        if (new_size > old_size && new_size - old_size > self.limit - self.used) {
            return nullptr;
        }
        void* grown = std::realloc(block, new_size);
        if (grown != nullptr) {
            self.used = self.used - old_size + new_size;
        }
        return grown;
    }
};

} // namespace

TEST_CASE("the encoders' buffers come from the state's allocator, and its limit stops them") {
    capped_allocator cap{64U << 20U};
    {
        lua_state lua(capped_allocator::allocate, &cap);
        // A sparse array Redis would write as 2^30 nulls (5 GiB), and a 400 MiB string.
        CHECK(lua.run("local c = cjson.new() c.encode_sparse_array(false, 0) "
                      "return select(2, pcall(c.encode, {[2^30] = 1}))") == "not enough memory");
        CHECK(lua.run("local s = string.rep('\\0', 2^20) "
                      "local ok, e = pcall(cjson.encode, {s, s, s, s, s, s, s, s, s, s}) return "
                      "tostring(ok) .. ' ' .. e") == "false not enough memory");
        const std::size_t before = cap.used;
        CHECK(lua.run("local s = string.rep('x', 2^20) local n = 0 for i = 1, 20 do n = n + "
                      "#cmsgpack.pack(s, s, s) end "
                      "return tostring(n)") == std::to_string(20 * 3 * ((1U << 20U) + 5)));
        lua_gc(lua.get(), LUA_GCCOLLECT, 0);
        CHECK(cap.used <= before + (1U << 20U));

        // encode_keep_buffer: on (the default), a table keeps its encode buffer between calls;
        // off, the buffer is freed after each call (and at once when it is turned off).
        const auto used_after = [&](const char* chunk) {
            CHECK(lua.run(chunk) == "ok");
            lua_gc(lua.get(), LUA_GCCOLLECT, 0);
            return cap.used;
        };
        const std::size_t base = used_after("kept = cjson.new() return 'ok'");
        const std::size_t kept = used_after("kept.encode(string.rep('x', 2^20)) return 'ok'");
        CHECK(kept >= base + (1U << 20U));
        const std::size_t freed = used_after("kept.encode_keep_buffer(false) return 'ok'");
        CHECK(freed + (1U << 20U) <= kept);
        const std::size_t unkept = used_after("kept.encode(string.rep('x', 2^20)) return 'ok'");
        CHECK(unkept < base + (1U << 20U));
    }
    CHECK(cap.used == 0);
}

namespace {

/// `bytes` as a Lua string literal (every byte as a 3-digit decimal escape).
std::string lua_literal(std::string_view bytes) {
    std::string out = "\"";
    for (const char c : bytes) {
        char escape[8];
        std::snprintf(escape, sizeof escape, "\\%03u", static_cast<unsigned char>(c));
        out += escape;
    }
    return out + "\"";
}

/// A random number literal: small and large integers, fractions, powers of two and their
/// neighbours, infinities and NaN.
std::string random_number(std::mt19937& random) {
    static const char* const special[] = {"0",
                                          "-0",
                                          "1/0",
                                          "-1/0",
                                          "0/0",
                                          "2^31",
                                          "2^32",
                                          "2^53",
                                          "2^63",
                                          "2^64",
                                          "-2^31",
                                          "-2^63",
                                          "2^31 - 1",
                                          "2^32 + 1",
                                          "0.5",
                                          "-1.5",
                                          "1e300",
                                          "1e-300",
                                          "3.4028234663852886e38",
                                          "1/3",
                                          "127",
                                          "128",
                                          "255",
                                          "256",
                                          "65535",
                                          "65536",
                                          "-32",
                                          "-33",
                                          "-128",
                                          "-129",
                                          "-32768",
                                          "-32769"};
    switch (random() % 4) {
    case 0: return special[random() % std::size(special)];
    case 1: return std::to_string(static_cast<int>(random() % 2001) - 1000);
    case 2: return std::to_string(static_cast<std::int64_t>(random()) * (random() % 2 ? 1 : -1));
    default: {
        char text[40];
        std::snprintf(text, sizeof text, "%.17g",
                      std::ldexp(static_cast<double>(random()) / 4294967296.0 - 0.5,
                                 static_cast<int>(random() % 140) - 70));
        return text;
    }
    }
}

/// A random Lua value constructor: nil, booleans, numbers, strings, cjson.null, arrays, sparse
/// arrays, maps, nested.
std::string random_value(std::mt19937& random, int depth) {
    switch (random() % (depth > 3 ? 5 : 8)) {
    case 0: return random() % 2 ? "true" : "false";
    case 1: return random() % 2 ? "nil" : "cjson.null";
    case 2:
    case 3: return random_number(random);
    case 4: {
        std::string s;
        const std::size_t length = random() % 3 == 0 ? random() % 300 : random() % 8;
        for (std::size_t i = 0; i < length; ++i) {
            s += static_cast<char>(random() % 3 == 0 ? random() % 256 : 'a' + random() % 26);
        }
        return lua_literal(s);
    }
    case 5: {
        std::string t = "{";
        for (std::size_t i = random() % 20; i > 0; --i) {
            t += random_value(random, depth + 1) + ",";
        }
        return t + "}";
    }
    case 6: {
        std::string t = "{";
        for (std::size_t i = random() % 6; i > 0; --i) {
            t += "[" + std::to_string(random() % 30 + (random() % 5 == 0 ? -5 : 1)) +
                 "]=" + random_value(random, depth + 1) + ",";
        }
        return t + "}";
    }
    default: {
        std::string t = "{";
        for (std::size_t i = random() % 20; i > 0; --i) {
            t += "k" + std::to_string(random() % 40) + "=" + random_value(random, depth + 1) + ",";
        }
        return t + "}";
    }
    }
}

/// Random bodies for every library: values to encode, bytes to decode, formats and numbers.
/// Within one expression the order of the random() calls is the compiler's, so a g++ and a clang
/// build draw different (equally seeded) cases.
std::vector<std::string> random_bodies(std::size_t per_kind) {
    std::mt19937 random(4122026);
    std::vector<std::string> bodies;
    const std::string json_alphabet = "[]{}:,\"\\/u0123456789abcdefABEFINTaeflnrstux-+. \t\n";
    const std::string struct_alphabet = "<>!bBhHiIlLTfdxcs0123458 ";
    for (std::size_t n = 0; n < per_kind; ++n) {
        const std::string value = random_value(random, 0);
        bodies.push_back("return cjson.encode(" + value + ")");
        bodies.push_back("return cmsgpack.pack(" + value + ", " + random_value(random, 0) + ")");
        bodies.push_back("local c = cjson.new() c.encode_sparse_array(" +
                         std::string(random() % 2 ? "true" : "false") + ", " +
                         std::to_string(random() % 4) + ", " + std::to_string(random() % 12) +
                         ") c.encode_invalid_numbers(" +
                         std::string(random() % 3 == 0 ? "'null'"
                                     : random() % 2    ? "true"
                                                       : "false") +
                         ") c.encode_number_precision(" + std::to_string(random() % 14 + 1) +
                         ") return c.encode(" + value + ")");
        bodies.push_back("return cmsgpack.unpack(cmsgpack.pack(" + value + "))");
        std::string json;
        std::string bytes;
        std::string format;
        for (std::size_t i = random() % 40; i > 0; --i) {
            json += json_alphabet[random() % json_alphabet.size()];
        }
        for (std::size_t i = random() % 40; i > 0; --i) {
            bytes += static_cast<char>(random() % 3 == 0 ? 0x80 + random() % 0x80 : random() % 256);
        }
        for (std::size_t i = random() % 8; i > 0; --i) {
            format += struct_alphabet[random() % struct_alphabet.size()];
        }
        // Valid encodings of a random value, one byte replaced (or none), decoded.
        const std::string position = std::to_string(random() % 60);
        const std::string replacement =
            random() % 4 == 0 ? "''"
                              : lua_literal(std::string(1, static_cast<char>(random() % 256)));
        bodies.push_back("local c = cjson.new() c.encode_sparse_array(true) "
                         "c.encode_invalid_numbers(true) local s = c.encode(" +
                         value + ") local p = " + position +
                         " % (#s + 1) return cjson.decode(s:sub(1, p) .. " + replacement +
                         " .. s:sub(p + 2))");
        bodies.push_back("local s = cmsgpack.pack(" + value + ") local p = " + position +
                         " % (#s + 1) return cmsgpack.unpack(s:sub(1, p) .. " + replacement +
                         " .. s:sub(p + 2))");
        bodies.push_back("return cjson.decode(" + lua_literal(json) + ")");
        bodies.push_back("local c = cjson.new() c.decode_invalid_numbers(false) return c.decode(" +
                         lua_literal(json) + ")");
        bodies.push_back("return cmsgpack.unpack(" + lua_literal(bytes) + ")");
        bodies.push_back("return cmsgpack.unpack_limit(" + lua_literal(bytes) + ", " +
                         std::to_string(random() % 4) + ", " + std::to_string(random() % 8) + ")");
        bodies.push_back("return struct.unpack(" + lua_literal(format) + ", " + lua_literal(bytes) +
                         ", " + std::to_string(random() % 4 + 1) + ")");
        bodies.push_back("return struct.pack(" + lua_literal(format) + ", " +
                         random_number(random) + ", " + random_number(random) + ", " +
                         random_number(random) + ")");
        bodies.push_back("return struct.size(" + lua_literal(format) + ")");
        static const char* const bit_functions[] = {"tobit",   "tohex", "bnot",   "band",
                                                    "bor",     "bxor",  "lshift", "rshift",
                                                    "arshift", "rol",   "ror",    "bswap"};
        bodies.push_back(std::string("return bit.") + bit_functions[random() % 12] + "(" +
                         random_number(random) + ", " + random_number(random) + ", " +
                         random_number(random) + ")");
    }
    return bodies;
}

} // namespace

TEST_CASE("random values, bytes, formats and numbers give what a live redis-server gives") {
    respkit_test::redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    const std::vector<std::string> bodies = random_bodies(300);
    std::string request;
    for (const auto& body : bodies) {
        request += respkit_test::encode({"EVAL", case_script(body), "0"});
    }
    const std::vector<std::string> theirs =
        bulk_replies(respkit_test::exchange(redis.port(), request, std::chrono::seconds(60)));
    REQUIRE(theirs.size() == bodies.size());
    lua_state lua;
    std::size_t failed = 0;
    std::size_t errors = 0;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        const std::string ours = lua.run(case_script(bodies[i]));
        if (ours != theirs[i]) {
            ++failed;
            CAPTURE(bodies[i]);
            CHECK(ours == theirs[i]);
        }
        errors += theirs[i].rfind("false ", 0) == 0 ? 1 : 0;
    }
    MESSAGE(bodies.size() << " random cases compared with a live redis-server (" << errors
                          << " of them errors)");
    CHECK(failed == 0);
}

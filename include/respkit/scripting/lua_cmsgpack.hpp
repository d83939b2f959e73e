#pragma once

/// \file
/// The `cmsgpack` library Redis 7.0 gives scripts (lua-cmsgpack 0.4.0): MessagePack encoding of
/// Lua values (cmsgpack.pack) and decoding of a stream of values (cmsgpack.unpack, unpack_one,
/// unpack_limit), with its size classes, its 16-level table nesting limit and its error messages
/// (docs/scripting-libraries.md).

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

#include "respkit/detail/lua_buffer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail_cmsgpack {

using respkit::detail::lua_buffer;
using respkit::detail::lua_buffer_append;

/// Tables nested deeper than this are encoded as nil (which also ends reference cycles).
inline constexpr int max_nesting = 16;

inline void put_big_endian(lua_State* L, lua_buffer& out, unsigned char tag, std::uint64_t value,
                           int bytes) {
    unsigned char b[9];
    b[0] = tag;
    for (int i = 0; i < bytes; ++i) {
        b[bytes - i] = static_cast<unsigned char>(value >> (8 * i));
    }
    lua_buffer_append(L, out, b, static_cast<std::size_t>(bytes) + 1);
}

inline void encode_bytes(lua_State* L, lua_buffer& out, const char* s, std::size_t length) {
    if (length < 32) {
        lua_buffer_append(L, out, static_cast<char>(0xa0U | length));
    } else if (length <= 0xff) {
        put_big_endian(L, out, 0xd9, length, 1);
    } else if (length <= 0xffff) {
        put_big_endian(L, out, 0xda, length, 2);
    } else {
        put_big_endian(L, out, 0xdb, length & 0xffffffffU, 4);
    }
    lua_buffer_append(L, out, s, length);
}

inline void encode_double(lua_State* L, lua_buffer& out, double d) {
    // A double that a float holds exactly (infinities too) is written as a float.
    const bool fits = std::isnan(d)   ? false
                      : std::isinf(d) ? true
                                      : std::fabs(d) <= 3.4028234663852886e38 &&
                                            static_cast<double>(static_cast<float>(d)) == d;
    if (fits) {
        const auto f = static_cast<float>(d);
        std::uint32_t bits = 0;
        std::memcpy(&bits, &f, sizeof bits);
        put_big_endian(L, out, 0xca, bits, 4);
    } else {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        put_big_endian(L, out, 0xcb, bits, 8);
    }
}

inline void encode_integer(lua_State* L, lua_buffer& out, std::int64_t n) {
    const auto u = static_cast<std::uint64_t>(n);
    if (n >= 0) {
        if (n <= 127) {
            lua_buffer_append(L, out, static_cast<char>(n));
        } else if (n <= 0xff) {
            put_big_endian(L, out, 0xcc, u, 1);
        } else if (n <= 0xffff) {
            put_big_endian(L, out, 0xcd, u, 2);
        } else if (n <= 0xffffffffLL) {
            put_big_endian(L, out, 0xce, u, 4);
        } else {
            put_big_endian(L, out, 0xcf, u, 8);
        }
    } else if (n >= -32) {
        lua_buffer_append(L, out, static_cast<char>(static_cast<signed char>(n)));
    } else if (n >= -128) {
        put_big_endian(L, out, 0xd0, u, 1);
    } else if (n >= -32768) {
        put_big_endian(L, out, 0xd1, u, 2);
    } else if (n >= -2147483648LL) {
        put_big_endian(L, out, 0xd2, u, 4);
    } else {
        put_big_endian(L, out, 0xd3, u, 8);
    }
}

inline void encode_count(lua_State* L, lua_buffer& out, std::uint64_t n, unsigned char fix,
                         unsigned char tag16, unsigned char tag32) {
    if (n <= 15) {
        lua_buffer_append(L, out, static_cast<char>(fix | n));
    } else if (n <= 65535) {
        put_big_endian(L, out, tag16, n, 2);
    } else {
        put_big_endian(L, out, tag32, n & 0xffffffffU, 4);
    }
}

// lua_Number -> lua_Integer as Lua 5.1 on x86-64 converts (a truncating cast).
inline bool is_int64(lua_Number n) {
    return n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
           static_cast<lua_Number>(static_cast<std::int64_t>(n)) == n;
}

inline bool is_int(lua_Number n) {
    return n >= -2147483648.0 && n < 2147483648.0 &&
           static_cast<lua_Number>(static_cast<int>(n)) == n;
}

inline void encode_value(lua_State* L, lua_buffer& out, int level);

// True when the table on top has exactly the keys 1..n (a raw traversal, as lua-cmsgpack).
inline bool is_array(lua_State* L) {
    int count = 0;
    int max = 0;
    const int top = lua_gettop(L);
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        lua_Number n = 0;
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || !is_int(n)) {
            lua_settop(L, top);
            return false;
        }
        max = static_cast<int>(n) > max ? static_cast<int>(n) : max;
        ++count;
    }
    lua_settop(L, top);
    return max == count;
}

inline void encode_table(lua_State* L, lua_buffer& out, int level) {
    if (is_array(L)) {
        const std::size_t length = lua_objlen(L, -1);
        encode_count(L, out, length, 0x90, 0xdc, 0xdd);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (std::size_t j = 1; j <= length; ++j) {
            lua_pushnumber(L, static_cast<lua_Number>(j));
            lua_gettable(L, -2); // not raw: lua-cmsgpack honours __index here
            encode_value(L, out, level + 1);
        }
        return;
    }
    std::size_t length = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        ++length;
    }
    encode_count(L, out, length, 0x80, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        encode_value(L, out, level + 1); // the key
        encode_value(L, out, level + 1); // the value
    }
}

// Encodes the value on top of the stack and pops it.
inline void encode_value(lua_State* L, lua_buffer& out, int level) {
    int type = lua_type(L, -1);
    if (type == LUA_TTABLE && level == max_nesting) {
        type = LUA_TNIL;
    }
    switch (type) {
    case LUA_TSTRING: {
        std::size_t length = 0;
        const char* s = lua_tolstring(L, -1, &length);
        encode_bytes(L, out, s, length);
        break;
    }
    case LUA_TBOOLEAN:
        lua_buffer_append(L, out, static_cast<char>(lua_toboolean(L, -1) != 0 ? 0xc3 : 0xc2));
        break;
    case LUA_TNUMBER: {
        const lua_Number n = lua_tonumber(L, -1);
        if (is_int64(n)) {
            encode_integer(L, out, static_cast<std::int64_t>(n));
        } else {
            encode_double(L, out, n);
        }
        break;
    }
    case LUA_TTABLE: encode_table(L, out, level); break;
    default: lua_buffer_append(L, out, static_cast<char>(0xc0)); break;
    }
    lua_pop(L, 1);
}

inline int pack(lua_State* L) {
    const int count = lua_gettop(L);
    if (count == 0) {
        return luaL_argerror(L, 0, "MessagePack pack needs input.");
    }
    if (lua_checkstack(L, count + 1) == 0) {
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    }
    lua_buffer* out = respkit::detail::lua_buffer_push(L);
    lua_insert(L, 1); // below the arguments, which are now at 2..count+1
    for (int i = 2; i <= count + 1; ++i) {
        luaL_checkstack(L, 1, "in function mp_check");
        lua_pushvalue(L, i);
        encode_value(L, *out, 0);
        lua_pushlstring(L, out->data != nullptr ? out->data : "", out->size);
        out->size = 0;
    }
    respkit::detail::lua_buffer_release(L, *out);
    lua_concat(L, count);
    return 1;
}

enum class cursor_error { none, eof, bad_format };

struct cursor {
    const unsigned char* p;
    std::size_t left;
    cursor_error error;
};

inline std::uint64_t big_endian(const unsigned char* p, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
        value = (value << 8) | p[i];
    }
    return value;
}

inline void decode_value(lua_State* L, cursor& c);

inline void decode_array(lua_State* L, cursor& c, std::size_t length) {
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    // Elements are read one by one, so a count larger than the input fails on the missing bytes
    // and never sizes memory.
    for (std::size_t index = 1; length-- > 0; ++index) {
        lua_pushnumber(L, static_cast<lua_Number>(index));
        decode_value(L, c);
        if (c.error != cursor_error::none) {
            return;
        }
        lua_settable(L, -3);
    }
}

inline void decode_map(lua_State* L, cursor& c, std::size_t length) {
    lua_newtable(L);
    while (length-- > 0) {
        decode_value(L, c);
        if (c.error != cursor_error::none) {
            return;
        }
        decode_value(L, c);
        if (c.error != cursor_error::none) {
            return;
        }
        lua_settable(L, -3);
    }
}

// Pushes a string of `length` bytes after a header of `header` bytes, when the input has them.
inline void decode_string(lua_State* L, cursor& c, std::size_t header, std::size_t length) {
    if (c.left - header < length) {
        c.error = cursor_error::eof;
        return;
    }
    lua_pushlstring(L, reinterpret_cast<const char*>(c.p + header), length);
    c.p += header + length;
    c.left -= header + length;
}

// Decodes one value onto the stack; the nesting of arrays and maps is bounded by Lua's stack
// limit (each level takes stack slots and checks for them), as in lua-cmsgpack.
inline void decode_value(lua_State* L, cursor& c) {
    if (c.left < 1) {
        c.error = cursor_error::eof;
        return;
    }
    luaL_checkstack(L, 1,
                    "too many return values at once; use unpack_one or unpack_limit instead.");
    const unsigned char tag = c.p[0];
    // Fixed-size scalars: tag byte and 1, 2, 4 or 8 bytes of payload.
    auto need = [&c](std::size_t n) {
        if (c.left < n) {
            c.error = cursor_error::eof;
            return false;
        }
        return true;
    };
    auto consume = [&c](std::size_t n) {
        c.p += n;
        c.left -= n;
    };
    switch (tag) {
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
        const int bytes = 1 << (tag - 0xcc);
        if (!need(static_cast<std::size_t>(bytes) + 1)) {
            return;
        }
        // lua-cmsgpack pushes unsigned values as lua_Integer: 2^63 and above wrap negative.
        lua_pushinteger(
            L, static_cast<lua_Integer>(static_cast<std::int64_t>(big_endian(c.p + 1, bytes))));
        consume(static_cast<std::size_t>(bytes) + 1);
        return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        const int bytes = 1 << (tag - 0xd0);
        if (!need(static_cast<std::size_t>(bytes) + 1)) {
            return;
        }
        const std::uint64_t raw = big_endian(c.p + 1, bytes);
        const int shift = 64 - 8 * bytes;
        const std::int64_t value = static_cast<std::int64_t>(raw << shift) >> shift;
        lua_pushnumber(L, static_cast<lua_Number>(value));
        consume(static_cast<std::size_t>(bytes) + 1);
        return;
    }
    case 0xc0:
        lua_pushnil(L);
        consume(1);
        return;
    case 0xc3:
        lua_pushboolean(L, 1);
        consume(1);
        return;
    case 0xc2:
        lua_pushboolean(L, 0);
        consume(1);
        return;
    case 0xca: {
        if (!need(5)) {
            return;
        }
        const auto bits = static_cast<std::uint32_t>(big_endian(c.p + 1, 4));
        float f = 0;
        std::memcpy(&f, &bits, sizeof f);
        lua_pushnumber(L, f);
        consume(5);
        return;
    }
    case 0xcb: {
        if (!need(9)) {
            return;
        }
        const std::uint64_t bits = big_endian(c.p + 1, 8);
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        lua_pushnumber(L, d);
        consume(9);
        return;
    }
    case 0xd9:
    case 0xda:
    case 0xdb: {
        const int bytes = 1 << (tag - 0xd9);
        if (!need(static_cast<std::size_t>(bytes) + 1)) {
            return;
        }
        decode_string(L, c, static_cast<std::size_t>(bytes) + 1, big_endian(c.p + 1, bytes));
        return;
    }
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
        const int bytes = (tag == 0xdc || tag == 0xde) ? 2 : 4;
        if (!need(static_cast<std::size_t>(bytes) + 1)) {
            return;
        }
        const std::size_t length = big_endian(c.p + 1, bytes);
        consume(static_cast<std::size_t>(bytes) + 1);
        if (tag <= 0xdd) {
            decode_array(L, c, length);
        } else {
            decode_map(L, c, length);
        }
        return;
    }
    default: break;
    }
    if ((tag & 0x80U) == 0) {
        lua_pushinteger(L, tag);
        consume(1);
    } else if ((tag & 0xe0U) == 0xe0U) {
        lua_pushinteger(L, static_cast<signed char>(tag));
        consume(1);
    } else if ((tag & 0xe0U) == 0xa0U) {
        decode_string(L, c, 1, tag & 0x1fU);
    } else if ((tag & 0xf0U) == 0x90U) {
        consume(1);
        decode_array(L, c, tag & 0xfU);
    } else if ((tag & 0xf0U) == 0x80U) {
        consume(1);
        decode_map(L, c, tag & 0xfU);
    } else {
        c.error = cursor_error::bad_format; // bin, ext, fixext and 0xc1
    }
}

inline int unpack_full(lua_State* L, lua_Integer limit, lua_Integer offset) {
    std::size_t length = 0;
    const char* s = luaL_checklstring(L, 1, &length);
    const bool decode_all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0) {
        // lua-cmsgpack prints the input's length where it means the limit.
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          static_cast<int>(offset), static_cast<int>(length));
    }
    if (static_cast<std::size_t>(offset) > length) {
        return luaL_error(L, "Start offset %d greater than input length %d.",
                          static_cast<int>(offset), static_cast<int>(length));
    }
    if (decode_all) {
        limit = INT_MAX;
    }
    cursor c{reinterpret_cast<const unsigned char*>(s) + offset,
             length - static_cast<std::size_t>(offset), cursor_error::none};
    int count = 0;
    for (; c.left > 0 && count < limit; ++count) {
        decode_value(L, c);
        if (c.error == cursor_error::eof) {
            return luaL_error(L, "Missing bytes in input.");
        }
        if (c.error == cursor_error::bad_format) {
            return luaL_error(L, "Bad data format in input.");
        }
    }
    if (!decode_all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(length - c.left));
        lua_insert(L, 2);
        ++count;
    }
    return count;
}

inline int unpack(lua_State* L) {
    return unpack_full(L, 0, 0);
}

inline int unpack_one(lua_State* L) {
    const lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return unpack_full(L, 1, offset);
}

inline int unpack_limit(lua_State* L) {
    const lua_Integer limit = luaL_checkinteger(L, 2);
    const lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return unpack_full(L, limit, offset);
}

} // namespace detail_cmsgpack

/// Pushes a new `cmsgpack` table as Redis registers it: pack, unpack, unpack_one,
/// unpack_limit, _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION. Returns 1 (usable as a
/// lua_CFunction); setting the global is the caller's business.
inline int open_lua_cmsgpack(lua_State* L) {
    lua_createtable(L, 0, 8);
    lua_pushcfunction(L, detail_cmsgpack::pack);
    lua_setfield(L, -2, "pack");
    lua_pushcfunction(L, detail_cmsgpack::unpack);
    lua_setfield(L, -2, "unpack");
    lua_pushcfunction(L, detail_cmsgpack::unpack_one);
    lua_setfield(L, -2, "unpack_one");
    lua_pushcfunction(L, detail_cmsgpack::unpack_limit);
    lua_setfield(L, -2, "unpack_limit");
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

#pragma once

/// \file
/// The `bit` library Redis 7.0 gives scripts (LuaBitOp 1.0 semantics): 32-bit operations on Lua
/// numbers, results as signed 32-bit numbers (docs/scripting-libraries.md).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail_bit {

// LuaBitOp's conversion: the number plus 2^52 + 2^51 leaves its value modulo 2^32, rounded to
// nearest even, in the low 32 bits of the double's representation.
inline std::uint32_t argument(lua_State* L, int index) {
    double number = lua_tonumber(L, index);
    number += 6755399441055744.0;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &number, sizeof bits);
    const auto value = static_cast<std::uint32_t>(bits);
    if (value == 0 && lua_isnumber(L, index) == 0) {
        luaL_typerror(L, index, "number");
    }
    return value;
}

inline int push(lua_State* L, std::uint32_t value) {
    lua_pushnumber(L, static_cast<lua_Number>(static_cast<std::int32_t>(value)));
    return 1;
}

inline int tobit(lua_State* L) {
    return push(L, argument(L, 1));
}
inline int bnot(lua_State* L) {
    return push(L, ~argument(L, 1));
}

inline int band(lua_State* L) {
    std::uint32_t value = argument(L, 1);
    for (int i = lua_gettop(L); i > 1; --i) {
        value &= argument(L, i);
    }
    return push(L, value);
}

inline int bor(lua_State* L) {
    std::uint32_t value = argument(L, 1);
    for (int i = lua_gettop(L); i > 1; --i) {
        value |= argument(L, i);
    }
    return push(L, value);
}

inline int bxor(lua_State* L) {
    std::uint32_t value = argument(L, 1);
    for (int i = lua_gettop(L); i > 1; --i) {
        value ^= argument(L, i);
    }
    return push(L, value);
}

inline int lshift(lua_State* L) {
    const std::uint32_t value = argument(L, 1);
    return push(L, value << (argument(L, 2) & 31U));
}

inline int rshift(lua_State* L) {
    const std::uint32_t value = argument(L, 1);
    return push(L, value >> (argument(L, 2) & 31U));
}

inline int arshift(lua_State* L) {
    const std::uint32_t value = argument(L, 1);
    const std::uint32_t n = argument(L, 2) & 31U;
    return push(L, static_cast<std::uint32_t>(static_cast<std::int32_t>(value) >> n));
}

inline std::uint32_t rotate_left(std::uint32_t value, std::uint32_t n) {
    return n == 0 ? value : (value << n) | (value >> (32U - n));
}

inline int rol(lua_State* L) {
    const std::uint32_t value = argument(L, 1);
    return push(L, rotate_left(value, argument(L, 2) & 31U));
}

inline int ror(lua_State* L) {
    const std::uint32_t value = argument(L, 1);
    return push(L, rotate_left(value, (32U - (argument(L, 2) & 31U)) & 31U));
}

inline int bswap(lua_State* L) {
    const std::uint32_t b = argument(L, 1);
    return push(L, (b >> 24) | ((b >> 8) & 0xff00U) | ((b & 0xff00U) << 8) | (b << 24));
}

inline int tohex(lua_State* L) {
    std::uint32_t value = argument(L, 1);
    // The digit count is a signed 32-bit value; negative asks for upper case.
    auto n = lua_isnone(L, 2) != 0 ? std::int32_t{8} : static_cast<std::int32_t>(argument(L, 2));
    const char* digits = "0123456789abcdef";
    if (n < 0) {
        // LuaBitOp negates INT32_MIN to itself; Redis's build then writes 8 upper-case digits.
        n = n == INT32_MIN ? 8 : -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) {
        n = 8;
    }
    char text[8];
    for (int i = n; --i >= 0;) {
        text[i] = digits[value & 15U];
        value >>= 4;
    }
    lua_pushlstring(L, text, static_cast<std::size_t>(n));
    return 1;
}

} // namespace detail_bit

/// Pushes a new `bit` table with Redis's functions: tobit, bnot, band, bor, bxor, lshift,
/// rshift, arshift, rol, ror, bswap, tohex. Returns 1 (usable as a lua_CFunction); setting the
/// global is the caller's business.
inline int open_lua_bit(lua_State* L) {
    static const luaL_Reg functions[] = {
        {"tobit", detail_bit::tobit},
        {"bnot", detail_bit::bnot},
        {"band", detail_bit::band},
        {"bor", detail_bit::bor},
        {"bxor", detail_bit::bxor},
        {"lshift", detail_bit::lshift},
        {"rshift", detail_bit::rshift},
        {"arshift", detail_bit::arshift},
        {"rol", detail_bit::rol},
        {"ror", detail_bit::ror},
        {"bswap", detail_bit::bswap},
        {"tohex", detail_bit::tohex},
        {nullptr, nullptr},
    };
    lua_createtable(L, 0, 12);
    for (const luaL_Reg* f = functions; f->name != nullptr; ++f) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    return 1;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

#pragma once

/// \file
/// The sandbox scripts run in, as Redis 7.0 builds it: the libraries Redis loads (base, table,
/// string, math; debug only for the error handler; cjson, cmsgpack, bit and struct from the
/// lua_<name>.hpp headers), the globals Redis keeps and no other, and
/// read-only tables: assigning a global or a library's field fails with "Attempt to modify a
/// readonly table", reading a global that does not exist with "Script attempted to access
/// nonexistent global variable 'x'".
///
/// Redis patches its Lua with read-only tables; Debian's Lua 5.1 has none, so the globals and
/// the libraries are proxies: empty tables whose metatable reads from the real table and
/// refuses writes. rawset, rawget, next, pairs, ipairs and setmetatable see through them (and
/// rawset and setmetatable refuse them) as they do Redis's read-only tables (docs/scripting.md).

#include <cstring>

#include "respkit/scripting/lua.hpp"
#include "respkit/scripting/lua_bit.hpp"
#include "respkit/scripting/lua_cjson.hpp"
#include "respkit/scripting/lua_cmsgpack.hpp"
#include "respkit/scripting/lua_struct.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail {

// The registry key of the table mapping each read-only proxy to the table it protects.
inline constexpr const char* readonly_registry_key = "respkit.readonly";

// Replaces the table at `index` by the table its proxy protects (when it is a proxy).
inline void unwrap_readonly(lua_State* L, int index) {
    if (!lua_istable(L, index)) return;
    lua_getfield(L, LUA_REGISTRYINDEX, readonly_registry_key);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    if (lua_istable(L, -1))
        lua_replace(L, index);
    else
        lua_pop(L, 1);
    lua_pop(L, 1);
}

// True when the value at `index` is a read-only proxy.
inline bool is_readonly(lua_State* L, int index) {
    if (!lua_istable(L, index)) return false;
    lua_getfield(L, LUA_REGISTRYINDEX, readonly_registry_key);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    const bool found = lua_istable(L, -1);
    lua_pop(L, 2);
    return found;
}

// __newindex of every proxy: the error Redis's VM raises, at the line that assigned.
inline int readonly_newindex(lua_State* L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

// __index of the globals' proxy (luaProtectedTableError).
inline int globals_index(lua_State* L) {
    if (!lua_isstring(L, 2) && !lua_isnumber(L, 2))
        return luaL_error(L,
                          "Second argument to luaProtectedTableError must be a string or number");
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (!lua_isnil(L, -1)) return 1;
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      lua_tostring(L, 2));
}

// rawset and setmetatable refuse read-only tables as Redis's lua_rawset does: no position.
inline int readonly_error_no_position(lua_State* L) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

inline int sandbox_rawset(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_readonly(L, 1)) return readonly_error_no_position(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

inline int sandbox_rawget(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    unwrap_readonly(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

inline int sandbox_setmetatable(lua_State* L) {
    const int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (is_readonly(L, 1)) return readonly_error_no_position(L);
    if (luaL_getmetafield(L, 1, "__metatable"))
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

inline int sandbox_next(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrap_readonly(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

inline int sandbox_pairs(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); // next
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

inline int sandbox_ipairs_step(lua_State* L) {
    const int i = luaL_checkint(L, 2) + 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrap_readonly(L, 1);
    lua_pushinteger(L, i);
    lua_rawgeti(L, 1, i);
    return lua_isnil(L, -1) ? 0 : 2;
}

inline int sandbox_ipairs(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

// Replaces the table at the top of the stack by its read-only proxy; `index`, when given, is
// the proxy's __index (a function), otherwise the table itself.
inline void make_readonly_proxy(lua_State* L, lua_CFunction index = nullptr) {
    const int real = lua_gettop(L);
    lua_newtable(L); // the proxy
    lua_newtable(L); // its metatable
    if (index != nullptr) {
        lua_pushvalue(L, real);
        lua_pushcclosure(L, index, 1);
    } else {
        lua_pushvalue(L, real);
    }
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); // getmetatable() does not hand the metatable out
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, readonly_registry_key);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, real);
}

inline void open_library(lua_State* L, const char* name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

} // namespace detail

/// The globals a script sees, as in Redis 7.0.15 (KEYS and ARGV are set for each EVAL).
inline constexpr const char* sandbox_globals[] = {"_G",
                                                  "_VERSION",
                                                  "__redis__err__handler",
                                                  "assert",
                                                  "bit",
                                                  "cjson",
                                                  "cmsgpack",
                                                  "collectgarbage",
                                                  "coroutine",
                                                  "error",
                                                  "gcinfo",
                                                  "getmetatable",
                                                  "ipairs",
                                                  "load",
                                                  "loadstring",
                                                  "math",
                                                  "next",
                                                  "pairs",
                                                  "pcall",
                                                  "rawequal",
                                                  "rawget",
                                                  "rawset",
                                                  "redis",
                                                  "select",
                                                  "setmetatable",
                                                  "string",
                                                  "struct",
                                                  "table",
                                                  "tonumber",
                                                  "tostring",
                                                  "type",
                                                  "unpack",
                                                  "xpcall",
                                                  "KEYS",
                                                  "ARGV"};

/// Opens the libraries Redis loads into `L` (base, table, string, math, debug, cjson, struct,
/// cmsgpack, bit).
inline void open_sandbox_libraries(lua_State* L) {
    detail::open_library(L, "", luaopen_base);
    detail::open_library(L, LUA_TABLIBNAME, luaopen_table);
    detail::open_library(L, LUA_STRLIBNAME, luaopen_string);
    detail::open_library(L, LUA_MATHLIBNAME, luaopen_math);
    detail::open_library(L, LUA_DBLIBNAME, luaopen_debug);
    // The libraries Redis adds (lua_<name>.hpp), as globals of their names.
    const auto add = [L](const char* name, lua_CFunction open) {
        lua_pushcfunction(L, open);
        lua_call(L, 0, 1);
        lua_setglobal(L, name);
    };
    add("cjson", open_lua_cjson);
    add("struct", open_lua_struct);
    add("cmsgpack", open_lua_cmsgpack);
    add("bit", open_lua_bit);
}

/// Locks the sandbox once everything is registered: removes every global Redis does not keep
/// (print, dofile, loadfile, getfenv, setfenv, newproxy, debug, ...), wraps the library tables
/// and the globals in read-only proxies, and replaces rawset, rawget, next, pairs, ipairs and
/// setmetatable by versions that honour them. The real globals table stays in the registry
/// under `globals_key` (for KEYS and ARGV).
inline void lock_sandbox(lua_State* L, const char* globals_key) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, detail::readonly_registry_key);

    // Globals Redis does not keep.
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    const int globals = lua_gettop(L);
    lua_newtable(L);
    const int doomed = lua_gettop(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, globals) != 0) {
        lua_pop(L, 1);
        bool keep = false;
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char* name = lua_tostring(L, -1);
            for (const char* g : sandbox_globals)
                keep = keep || std::strcmp(g, name) == 0;
        }
        if (!keep) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, doomed, ++n);
        }
    }
    for (int i = 1; i <= n; ++i) {
        lua_rawgeti(L, doomed, i);
        lua_pushnil(L);
        lua_rawset(L, globals);
    }
    lua_pop(L, 1); // doomed

    // The functions that must see through proxies.
    lua_pushcfunction(L, detail::sandbox_next);
    lua_pushvalue(L, -1);
    lua_setfield(L, globals, "next");
    lua_pushcclosure(L, detail::sandbox_pairs, 1);
    lua_setfield(L, globals, "pairs");
    lua_pushcfunction(L, detail::sandbox_ipairs_step);
    lua_pushcclosure(L, detail::sandbox_ipairs, 1);
    lua_setfield(L, globals, "ipairs");
    lua_pushcfunction(L, detail::sandbox_rawset);
    lua_setfield(L, globals, "rawset");
    lua_pushcfunction(L, detail::sandbox_rawget);
    lua_setfield(L, globals, "rawget");
    lua_pushcfunction(L, detail::sandbox_setmetatable);
    lua_setfield(L, globals, "setmetatable");

    // Every table among the globals (the libraries, redis) becomes read-only.
    for (const char* name : sandbox_globals) {
        if (std::strcmp(name, "_G") == 0) continue;
        lua_getfield(L, globals, name);
        if (lua_istable(L, -1)) {
            detail::make_readonly_proxy(L);
            lua_setfield(L, globals, name);
        } else {
            lua_pop(L, 1);
        }
    }

    // The globals themselves: the proxy becomes the environment of every chunk loaded later.
    lua_pushvalue(L, globals);
    lua_setfield(L, LUA_REGISTRYINDEX, globals_key);
    lua_pushvalue(L, globals);
    detail::make_readonly_proxy(L, detail::globals_index);
    lua_pushvalue(L, -1);
    lua_setfield(L, globals, "_G");
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1); // globals
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

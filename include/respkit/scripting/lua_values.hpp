#pragma once

/// \file
/// The conversions between Redis replies and Lua values, both ways, as Redis 7.0's
/// script_lua.c makes them: a command's reply (RESP2 or RESP3) becomes a Lua value for
/// redis.call, and a script's return value becomes the reply of EVAL.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "respkit/resp/value.hpp"
#include "respkit/scripting/lua.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

/// Pushes Redis's error table `{err = "CODE message"}` for `error`: "-CODE message" keeps its
/// code, a text without the leading '-' gets "ERR"; CR and LF are trimmed from the message's
/// ends (luaPushErrorBuff).
inline void push_error_table(lua_State* L, std::string_view error) {
    std::string code = "ERR";
    std::string_view message = error;
    if (!error.empty() && error[0] == '-') {
        const std::size_t space = error.find(' ');
        if (space == std::string_view::npos) {
            message = error.substr(1);
        } else {
            code.assign(error.substr(1, space - 1));
            message = error.substr(space + 1);
        }
    }
    while (!message.empty() && (message.front() == '\r' || message.front() == '\n'))
        message.remove_prefix(1);
    while (!message.empty() && (message.back() == '\r' || message.back() == '\n'))
        message.remove_suffix(1);
    code += ' ';
    code += message;
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, code.data(), code.size());
    lua_settable(L, -3);
}

/// Pushes the Lua value of a command's reply `v` (redisProtocolToLuaType): integers as numbers,
/// bulk strings as strings, RESP2 nulls as false, status replies as {ok=...}, errors as
/// {err=...} (marked as counted already), arrays as tables; RESP3's null as nil, booleans,
/// {double=...}, {big_number=...}, {verbatim_string={format=..., string=...}}, {map={...}},
/// {set={member=true}}; attributes are skipped. False when the Lua stack cannot grow.
inline bool push_reply(lua_State* L, const resp::value& v) {
    if (!lua_checkstack(L, 5)) return false;
    using resp::type;
    switch (v.type()) {
    case type::integer: lua_pushnumber(L, static_cast<lua_Number>(v.integer())); return true;
    case type::bulk_string: lua_pushlstring(L, v.string().data(), v.string().size()); return true;
    case type::null_bulk_string:
    case type::null_array: lua_pushboolean(L, 0); return true;
    case type::null: lua_pushnil(L); return true;
    case type::boolean: lua_pushboolean(L, v.boolean() ? 1 : 0); return true;
    case type::simple_string:
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushlstring(L, v.string().data(), v.string().size());
        lua_settable(L, -3);
        return true;
    case type::simple_error:
    case type::bulk_error: {
        std::string text = "-";
        text += v.string();
        push_error_table(L, text);
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
        return true;
    }
    case type::double_number:
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, v.to_double());
        lua_settable(L, -3);
        return true;
    case type::big_number:
        lua_newtable(L);
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, v.string().data(), v.string().size());
        lua_settable(L, -3);
        return true;
    case type::verbatim_string: {
        const std::string_view s = v.string();
        const std::string_view format = s.substr(0, s.size() >= 4 ? 3 : 0);
        const std::string_view text = v.text();
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        lua_newtable(L);
        lua_pushstring(L, "string");
        lua_pushlstring(L, text.data(), text.size());
        lua_settable(L, -3);
        lua_pushstring(L, "format");
        lua_pushlstring(L, format.data(), format.size());
        lua_settable(L, -3);
        lua_settable(L, -3);
        return true;
    }
    case type::array:
    case type::push: {
        lua_newtable(L);
        int i = 1;
        for (const resp::value& e : v.elements()) {
            lua_pushnumber(L, i++);
            if (!push_reply(L, e)) return false;
            lua_settable(L, -3);
        }
        return true;
    }
    case type::map: {
        lua_newtable(L);
        lua_pushstring(L, "map");
        lua_newtable(L);
        const auto e = v.elements();
        for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
            if (!push_reply(L, e[i]) || !push_reply(L, e[i + 1])) return false;
            lua_settable(L, -3);
        }
        lua_settable(L, -3);
        return true;
    }
    case type::set: {
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
        for (const resp::value& e : v.elements()) {
            if (!push_reply(L, e)) return false;
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        }
        lua_settable(L, -3);
        return true;
    }
    default: lua_pushnil(L); return true;
    }
}

/// What an error table on the Lua stack holds (luaExtractErrorInformation).
struct lua_error_info {
    std::string message;       ///< "CODE message" (err), or "ERR " + the string raised
    std::string source;        ///< where it was raised ("@user_script"), if known
    std::string line;          ///< the line, if known
    bool ignore_stats = false; ///< the error was counted already (a command's own error)
};

/// Reads the error at `index` (a string, or a table with err, source, line,
/// ignore_error_stats_update).
[[nodiscard]] inline lua_error_info read_error_info(lua_State* L, int index) {
    lua_error_info info;
    if (index < 0) index = lua_gettop(L) + index + 1;
    if (lua_isstring(L, index)) {
        info.message = "ERR ";
        info.message += lua_tostring(L, index);
    }
    if (!lua_istable(L, index)) return info;
    const auto field = [&](const char* name, std::string& out) {
        lua_getfield(L, index, name);
        if (lua_isstring(L, -1)) {
            std::size_t n = 0;
            const char* s = lua_tolstring(L, -1, &n);
            out.assign(s, n);
        }
        lua_pop(L, 1);
    };
    field("err", info.message);
    field("source", info.source);
    field("line", info.line);
    lua_getfield(L, index, "ignore_error_stats_update");
    if (lua_isboolean(L, -1)) info.ignore_stats = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
    return info;
}

/// Writes an error reply `message` ("CODE text"), CR and LF as spaces, counted in errorstats
/// unless `counted` (a command's error the script passed on was counted when it happened).
inline void write_script_error(server::reply_writer& out, server::server_context& server,
                               std::string_view message, bool counted) {
    if (!counted) {
        server::write_error(out, server, message);
        return;
    }
    std::string flat(message);
    for (char& c : flat) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    out.simple_error(flat);
}

namespace detail {

// (long long) of a Lua number as x86-64 converts it: out of range and NaN give INT64_MIN.
[[nodiscard]] inline std::int64_t lua_number_to_integer(lua_Number n) noexcept {
    if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0)
        return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(n);
}

// A string field of the table on top, as Redis's lua_rawget with a pushed key: true and pushed
// when it has type `t`; otherwise nothing stays pushed.
[[nodiscard]] inline bool raw_field(lua_State* L, const char* name, int t) {
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    if (lua_type(L, -1) == t) return true;
    lua_pop(L, 1);
    return false;
}

inline std::string mapped_crlf(const char* s, std::size_t n) {
    std::string out(s, n);
    for (char& c : out) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    return out;
}

} // namespace detail

namespace detail {

// write_lua_value's cases that do not recurse, in a function of their own so that the recursive
// one keeps a small frame: a self-referencing table recurses about 8,000 times before Lua's
// stack limit stops it (as in Redis), and 8 MB of C stack must hold that with a sanitizer's
// frames too. True when the value on top was written (it stays on the stack); false for a
// table to write as a map, a set or an array.
[[gnu::noinline]] inline bool write_lua_leaf(lua_State* L, server::reply_writer& out, server::server_context& server,
                                             int script_resp) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L, -1, &n);
        out.bulk_string(std::string_view(s, n));
        return true;
    }
    case LUA_TBOOLEAN:
        if (script_resp == 2) {
            if (lua_toboolean(L, -1) != 0)
                out.integer(1);
            else
                out.null();
        } else {
            out.boolean(lua_toboolean(L, -1) != 0);
        }
        return true;
    case LUA_TNUMBER: out.integer(detail::lua_number_to_integer(lua_tonumber(L, -1))); return true;
    case LUA_TTABLE: {
        if (detail::raw_field(L, "err", LUA_TSTRING)) {
            lua_pop(L, 1);
            const lua_error_info info = read_error_info(L, -1);
            write_script_error(out, server, info.message, info.ignore_stats);
            return true;
        }
        if (detail::raw_field(L, "ok", LUA_TSTRING)) {
            out.simple_string(detail::mapped_crlf(
                lua_tostring(L, -1), std::char_traits<char>::length(lua_tostring(L, -1))));
            lua_pop(L, 1);
            return true;
        }
        if (detail::raw_field(L, "double", LUA_TNUMBER)) {
            out.double_number(lua_tonumber(L, -1));
            lua_pop(L, 1);
            return true;
        }
        if (detail::raw_field(L, "big_number", LUA_TSTRING)) {
            std::size_t n = 0;
            const char* s = lua_tolstring(L, -1, &n);
            out.big_number(detail::mapped_crlf(s, n));
            lua_pop(L, 1);
            return true;
        }
        if (detail::raw_field(L, "verbatim_string", LUA_TTABLE)) {
            bool written = false;
            if (detail::raw_field(L, "format", LUA_TSTRING)) {
                std::string format = lua_tostring(L, -1);
                format.resize(3, '\0'); // Redis copies three bytes of the C string
                lua_pushstring(L, "string");
                lua_rawget(L, -3);
                if (lua_type(L, -1) == LUA_TSTRING) {
                    std::size_t n = 0;
                    const char* s = lua_tolstring(L, -1, &n);
                    if (out.protocol() == resp::protocol::resp3)
                        out.verbatim_string(format, std::string_view(s, n));
                    else
                        out.bulk_string(std::string_view(s, n));
                    written = true;
                }
                lua_pop(L, 2);
            }
            lua_pop(L, 1);
            if (written) return true;
        }
        return false;
    }
    default: out.null(); return true;
    }
}

// The error when the Lua stack cannot grow (a value nested too deep); pops the value.
[[gnu::noinline]] inline void write_lua_stack_limit(lua_State* L, server::reply_writer& out,
                                                    server::server_context& server) {
    server::write_error(out, server, "ERR reached lua stack limit");
    lua_pop(L, 1);
}

} // namespace detail

/// Writes the value on top of the Lua stack as a reply and pops it (luaReplyToRedisReply):
/// strings as bulk strings, numbers as integers (truncated), booleans as :1 / null when the
/// script speaks RESP2 (`script_resp` 2) or as RESP3 booleans, tables with err / ok / double /
/// big_number / verbatim_string / map / set as those replies, other tables as arrays up to the
/// first nil, anything else as null.
inline void write_lua_value(lua_State* L, server::reply_writer& out, server::server_context& server,
                            int script_resp) {
    if (!lua_checkstack(L, 4)) {
        detail::write_lua_stack_limit(L, out, server);
        return;
    }
    if (detail::write_lua_leaf(L, out, server, script_resp)) {
        lua_pop(L, 1);
        return;
    }
    if (detail::raw_field(L, "map", LUA_TTABLE)) {
        std::uint64_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pop(L, 1);
            ++count;
        }
        out.map(count);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pushvalue(L, -2);                         // table, key, value, key
            write_lua_value(L, out, server, script_resp); // the key
            write_lua_value(L, out, server, script_resp); // the value
        }
        lua_pop(L, 2); // the field's table and the value
        return;
    }
    if (detail::raw_field(L, "set", LUA_TTABLE)) {
        std::uint64_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pop(L, 1);
            ++count;
        }
        out.set(count);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            write_lua_value(L, out, server, script_resp);
        }
        lua_pop(L, 2); // the field's table and the value
        return;
    }
    std::uint64_t count = 0;
    for (int j = 1;; ++j) {
        lua_rawgeti(L, -1, j);
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++count;
    }
    out.array(count);
    for (std::uint64_t j = 1; j <= count; ++j) {
        lua_rawgeti(L, -1, static_cast<int>(j));
        write_lua_value(L, out, server, script_resp);
    }
    lua_pop(L, 1);
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

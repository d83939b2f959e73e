#pragma once

/// \file
/// The `cjson` library Redis 7.0 gives scripts (Lua CJSON 2.1.0 as Redis patched it):
/// cjson.encode and cjson.decode, cjson.null, cjson.new and the settings encode_sparse_array,
/// encode_max_depth, decode_max_depth, encode_number_precision, encode_keep_buffer,
/// encode_invalid_numbers and decode_invalid_numbers, each table with its own settings
/// (docs/scripting-libraries.md).

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include <lua.hpp>

#include "respkit/detail/lua_buffer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail_cjson {

using respkit::detail::lua_buffer;
using respkit::detail::lua_buffer_append;

/// One cjson table's settings and buffers, a Lua userdata shared by its functions as upvalue.
struct config {
    int encode_sparse_convert;   ///< 0: error on an excessively sparse array; 1: encode an object
    int encode_sparse_ratio;     ///< 0: never sparse; else sparse when max index > items * ratio
    int encode_sparse_safe;      ///< arrays with a max index up to this are never sparse
    int encode_max_depth;        ///< tables nested deeper fail to encode
    int encode_invalid_numbers;  ///< 0: refuse NaN/Inf; 1: write nan/inf; 2: write null
    int encode_number_precision; ///< significant digits, %.<n>g
    int encode_keep_buffer;      ///< 1: the encode buffer is kept between calls
    int decode_invalid_numbers;  ///< 1: accept Infinity, NaN, hexadecimal, leading + and zeros
    int decode_max_depth;        ///< arrays/objects nested deeper fail to decode
    lua_buffer encode_buffer;    ///< kept between calls when encode_keep_buffer is on
    lua_buffer decode_buffer;    ///< a decoded string's bytes; freed after each decode
};

inline int config_gc(lua_State* L) {
    if (auto* cfg = static_cast<config*>(lua_touserdata(L, 1))) {
        respkit::detail::lua_buffer_release(L, cfg->encode_buffer);
        respkit::detail::lua_buffer_release(L, cfg->decode_buffer);
    }
    return 0;
}

inline config& fetch_config(lua_State* L) {
    auto* cfg = static_cast<config*>(lua_touserdata(L, lua_upvalueindex(1)));
    if (cfg == nullptr) {
        luaL_error(L, "BUG: Unable to fetch CJSON configuration");
    }
    return *cfg;
}

// --- settings ---------------------------------------------------------------------------------

inline config& settings_arguments(lua_State* L, int count) {
    luaL_argcheck(L, lua_gettop(L) <= count, count + 1, "found too many arguments");
    while (lua_gettop(L) < count) {
        lua_pushnil(L);
    }
    return fetch_config(L);
}

inline int integer_setting(lua_State* L, int index, int& setting, int min, int max) {
    if (!lua_isnil(L, index)) {
        // Lua CJSON keeps the low 32 bits of the integer, and names argument 1 in the error.
        const auto value = static_cast<int>(static_cast<std::int64_t>(luaL_checkinteger(L, index)));
        char message[64];
        std::snprintf(message, sizeof message, "expected integer between %d and %d", min, max);
        luaL_argcheck(L, min <= value && value <= max, 1, message);
        setting = value;
    }
    lua_pushinteger(L, setting);
    return 1;
}

// An on/off setting, or one of `options` (booleans stand for their first two).
inline int enum_setting(lua_State* L, int index, int& setting, const char* const* options) {
    static const char* const on_off[] = {"off", "on", nullptr};
    if (options == nullptr) {
        options = on_off;
    }
    if (!lua_isnil(L, index)) {
        if (lua_isboolean(L, index)) {
            setting = lua_toboolean(L, index);
        } else {
            setting = luaL_checkoption(L, index, nullptr, options);
        }
    }
    if (setting == 0 || setting == 1) {
        lua_pushboolean(L, setting);
    } else {
        lua_pushstring(L, options[setting]);
    }
    return 1;
}

inline int encode_sparse_array(lua_State* L) {
    config& cfg = settings_arguments(L, 3);
    enum_setting(L, 1, cfg.encode_sparse_convert, nullptr);
    integer_setting(L, 2, cfg.encode_sparse_ratio, 0, INT_MAX);
    integer_setting(L, 3, cfg.encode_sparse_safe, 0, INT_MAX);
    return 3;
}

inline int encode_max_depth(lua_State* L) {
    config& cfg = settings_arguments(L, 1);
    return integer_setting(L, 1, cfg.encode_max_depth, 1, INT_MAX);
}

inline int decode_max_depth(lua_State* L) {
    config& cfg = settings_arguments(L, 1);
    return integer_setting(L, 1, cfg.decode_max_depth, 1, INT_MAX);
}

inline int encode_number_precision(lua_State* L) {
    config& cfg = settings_arguments(L, 1);
    return integer_setting(L, 1, cfg.encode_number_precision, 1, 14);
}

inline int encode_keep_buffer(lua_State* L) {
    config& cfg = settings_arguments(L, 1);
    enum_setting(L, 1, cfg.encode_keep_buffer, nullptr);
    if (cfg.encode_keep_buffer == 0) {
        respkit::detail::lua_buffer_release(L, cfg.encode_buffer);
    }
    return 1;
}

inline int encode_invalid_numbers(lua_State* L) {
    static const char* const options[] = {"off", "on", "null", nullptr};
    config& cfg = settings_arguments(L, 1);
    return enum_setting(L, 1, cfg.encode_invalid_numbers, options);
}

inline int decode_invalid_numbers(lua_State* L) {
    config& cfg = settings_arguments(L, 1);
    return enum_setting(L, 1, cfg.decode_invalid_numbers, nullptr);
}

// --- encoding ---------------------------------------------------------------------------------

[[noreturn]] inline void encode_error(lua_State* L, config& cfg, int index, const char* reason) {
    if (cfg.encode_keep_buffer == 0) {
        respkit::detail::lua_buffer_release(L, cfg.encode_buffer);
    }
    luaL_error(L, "Cannot serialise %s: %s", lua_typename(L, lua_type(L, index)), reason);
    std::abort(); // luaL_error does not return
}

// Appends `c` as JSON: controls (other than \b \t \n \f \r) and DEL as \u00XX, '"', '\\' and
// '/' escaped, every other byte (UTF-8 or not) as it is.
inline void append_byte(lua_State* L, lua_buffer& out, unsigned char c) {
    static const char* const short_escapes[] = {"\\b", "\\t", "\\n", nullptr, "\\f", "\\r"};
    if (c >= 8 && c <= 13 && short_escapes[c - 8] != nullptr) {
        lua_buffer_append(L, out, short_escapes[c - 8], 2);
    } else if (c < 0x20 || c == 0x7f) {
        static const char hex[] = "0123456789abcdef";
        const char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15U]};
        lua_buffer_append(L, out, escape, sizeof escape);
    } else if (c == '"' || c == '\\' || c == '/') {
        const char escape[2] = {'\\', static_cast<char>(c)};
        lua_buffer_append(L, out, escape, sizeof escape);
    } else {
        lua_buffer_append(L, out, static_cast<char>(c));
    }
}

inline void append_string(lua_State* L, lua_buffer& out, int index) {
    std::size_t length = 0;
    const char* s = lua_tolstring(L, index, &length);
    respkit::detail::lua_buffer_reserve(L, out, length + 2);
    lua_buffer_append(L, out, '"');
    for (std::size_t i = 0; i < length; ++i) {
        append_byte(L, out, static_cast<unsigned char>(s[i]));
    }
    lua_buffer_append(L, out, '"');
}

// double -> int as x86-64 converts it (out of range gives INT_MIN), which Lua CJSON relies on.
inline int to_int(double d) {
    return d >= -2147483648.0 && d < 2147483648.0 ? static_cast<int>(d) : INT_MIN;
}

// The array length of the table on top: -1 when it is not an array (an object), else its
// largest index (0 for an empty table).
inline int array_length(lua_State* L, config& cfg) {
    int max = 0;
    int items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        double k = 0;
        if (lua_type(L, -2) == LUA_TNUMBER && (k = lua_tonumber(L, -2)) != 0) {
            if (std::floor(k) == k && k >= 1) {
                if (k > max) {
                    max = to_int(k);
                }
                ++items;
                lua_pop(L, 1);
                continue;
            }
        }
        lua_pop(L, 2);
        return -1;
    }
    const int limit = static_cast<int>(static_cast<std::uint32_t>(items) *
                                       static_cast<std::uint32_t>(cfg.encode_sparse_ratio));
    if (cfg.encode_sparse_ratio > 0 && max > limit && max > cfg.encode_sparse_safe) {
        if (cfg.encode_sparse_convert == 0) {
            encode_error(L, cfg, -1, "excessively sparse array");
        }
        return -1;
    }
    return max;
}

inline void append_number(lua_State* L, config& cfg, lua_buffer& out, int index) {
    const double number = lua_tonumber(L, index);
    if (cfg.encode_invalid_numbers == 0) {
        if (std::isinf(number) || std::isnan(number)) {
            encode_error(L, cfg, index, "must not be NaN or Inf");
        }
    } else if (cfg.encode_invalid_numbers == 1) {
        if (std::isnan(number)) {
            lua_buffer_append(L, out, "nan", 3);
            return;
        }
    } else if (std::isinf(number) || std::isnan(number)) {
        lua_buffer_append(L, out, "null", 4);
        return;
    }
    char text[32];
    const int length =
        std::snprintf(text, sizeof text, "%.*g", cfg.encode_number_precision, number);
    lua_buffer_append(L, out, text, static_cast<std::size_t>(length));
}

inline void append_value(lua_State* L, config& cfg, int depth, lua_buffer& out);

inline void append_array(lua_State* L, config& cfg, int depth, lua_buffer& out, int length) {
    lua_buffer_append(L, out, '[');
    for (int i = 1; i <= length; ++i) {
        if (i > 1) {
            lua_buffer_append(L, out, ',');
        }
        lua_rawgeti(L, -1, i);
        append_value(L, cfg, depth, out);
        lua_pop(L, 1);
    }
    lua_buffer_append(L, out, ']');
}

inline void append_object(lua_State* L, config& cfg, int depth, lua_buffer& out) {
    lua_buffer_append(L, out, '{');
    lua_pushnil(L);
    bool comma = false;
    while (lua_next(L, -2) != 0) {
        if (comma) {
            lua_buffer_append(L, out, ',');
        }
        comma = true;
        const int key_type = lua_type(L, -2);
        if (key_type == LUA_TNUMBER) {
            lua_buffer_append(L, out, '"');
            append_number(L, cfg, out, -2);
            lua_buffer_append(L, out, "\":", 2);
        } else if (key_type == LUA_TSTRING) {
            append_string(L, out, -2);
            lua_buffer_append(L, out, ':');
        } else {
            encode_error(L, cfg, -2, "table key must be a number or string");
        }
        append_value(L, cfg, depth, out);
        lua_pop(L, 1);
    }
    lua_buffer_append(L, out, '}');
}

// Appends the value on top of the stack (left there). Recursion is bounded by
// encode_max_depth and by Lua's stack limit (3 slots are checked for per level).
inline void append_value(lua_State* L, config& cfg, int depth, lua_buffer& out) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: append_string(L, out, -1); return;
    case LUA_TNUMBER: append_number(L, cfg, out, -1); return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1) != 0) {
            lua_buffer_append(L, out, "true", 4);
        } else {
            lua_buffer_append(L, out, "false", 5);
        }
        return;
    case LUA_TTABLE: {
        ++depth;
        if (depth > cfg.encode_max_depth || lua_checkstack(L, 3) == 0) {
            if (cfg.encode_keep_buffer == 0) {
                respkit::detail::lua_buffer_release(L, cfg.encode_buffer);
            }
            luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
        }
        const int length = array_length(L, cfg);
        if (length > 0) {
            append_array(L, cfg, depth, out, length);
        } else {
            append_object(L, cfg, depth, out);
        }
        return;
    }
    case LUA_TNIL: lua_buffer_append(L, out, "null", 4); return;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == nullptr) { // cjson.null
            lua_buffer_append(L, out, "null", 4);
            return;
        }
        break;
    default: break;
    }
    encode_error(L, cfg, -1, "type not supported");
}

inline int encode(lua_State* L) {
    config& cfg = fetch_config(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    cfg.encode_buffer.size = 0;
    append_value(L, cfg, 0, cfg.encode_buffer);
    lua_pushlstring(L, cfg.encode_buffer.data != nullptr ? cfg.encode_buffer.data : "",
                    cfg.encode_buffer.size);
    if (cfg.encode_keep_buffer == 0) {
        respkit::detail::lua_buffer_release(L, cfg.encode_buffer);
    }
    return 1;
}

// --- decoding ---------------------------------------------------------------------------------

enum class token_type {
    object_begin,
    object_end,
    array_begin,
    array_end,
    string,
    number,
    boolean,
    null,
    colon,
    comma,
    end,
    whitespace,
    error,
    unknown
};

inline const char* token_name(token_type type) {
    static const char* const names[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
                                        "T_STRING",    "T_NUMBER",  "T_BOOLEAN",   "T_NULL",
                                        "T_COLON",     "T_COMMA",   "T_END",       "T_WHITESPACE",
                                        "T_ERROR",     "T_UNKNOWN"};
    return names[static_cast<int>(type)];
}

struct token {
    token_type type;
    std::size_t index;  ///< where the token starts (0-based)
    const char* string; ///< a string's bytes, or an error's description
    std::size_t length; ///< a string's length
    double number;
    int boolean;
};

struct parser {
    const char* data; ///< the input, NUL-terminated as every Lua string
    const char* ptr;
    config* cfg;
    int depth;
};

inline token_type classify(unsigned char c) {
    switch (c) {
    case '{': return token_type::object_begin;
    case '}': return token_type::object_end;
    case '[': return token_type::array_begin;
    case ']': return token_type::array_end;
    case ',': return token_type::comma;
    case ':': return token_type::colon;
    case '\0': return token_type::end;
    case ' ':
    case '\t':
    case '\n':
    case '\r': return token_type::whitespace;
    case 'f':
    case 'i':
    case 'I':
    case 'n':
    case 'N':
    case 't':
    case '"':
    case '+':
    case '-': return token_type::unknown;
    default: return c >= '0' && c <= '9' ? token_type::unknown : token_type::error;
    }
}

inline void set_token_error(token& t, const parser& p, const char* what) {
    t.type = token_type::error;
    t.index = static_cast<std::size_t>(p.ptr - p.data);
    t.string = what;
}

inline int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(c | 0x20);
    return c >= 'a' && c <= 'f' ? 10 + c - 'a' : -1;
}

// The four hex digits at `hex` (which stops at the input's NUL), or -1.
inline int hex4(const char* hex) {
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const int digit = hex_digit(hex[i]);
        if (digit < 0) {
            return -1;
        }
        value = (value << 4) + digit;
    }
    return value;
}

inline int to_utf8(char* out, int codepoint) {
    if (codepoint <= 0x7F) {
        out[0] = static_cast<char>(codepoint);
        return 1;
    }
    if (codepoint <= 0x7FF) {
        out[0] = static_cast<char>((codepoint >> 6) | 0xC0);
        out[1] = static_cast<char>((codepoint & 0x3F) | 0x80);
        return 2;
    }
    if (codepoint <= 0xFFFF) {
        out[0] = static_cast<char>((codepoint >> 12) | 0xE0);
        out[1] = static_cast<char>(((codepoint >> 6) & 0x3F) | 0x80);
        out[2] = static_cast<char>((codepoint & 0x3F) | 0x80);
        return 3;
    }
    out[0] = static_cast<char>((codepoint >> 18) | 0xF0);
    out[1] = static_cast<char>(((codepoint >> 12) & 0x3F) | 0x80);
    out[2] = static_cast<char>(((codepoint >> 6) & 0x3F) | 0x80);
    out[3] = static_cast<char>((codepoint & 0x3F) | 0x80);
    return 4;
}

// Decodes the \uXXXX (or surrogate pair) at p.ptr into `out`; false when it is invalid.
inline bool unicode_escape(parser& p, lua_buffer& out) {
    int codepoint = hex4(p.ptr + 2);
    if (codepoint < 0) {
        return false;
    }
    std::size_t escape_length = 6;
    if ((codepoint & 0xF800) == 0xD800) {
        if ((codepoint & 0x400) != 0) {
            return false; // a low surrogate first
        }
        if (p.ptr[6] != '\\' || p.ptr[7] != 'u') {
            return false;
        }
        const int low = hex4(p.ptr + 8);
        if (low < 0 || (low & 0xFC00) != 0xDC00) {
            return false;
        }
        codepoint = ((((codepoint & 0x3FF) << 10)) | (low & 0x3FF)) + 0x10000;
        escape_length = 12;
    }
    char utf8[4];
    const int length = to_utf8(utf8, codepoint);
    std::memcpy(out.data + out.size, utf8, static_cast<std::size_t>(length));
    out.size += static_cast<std::size_t>(length);
    p.ptr += escape_length;
    return true;
}

// The decoded string cannot be longer than the input, for which decode reserved room.
inline void next_string(parser& p, token& t) {
    lua_buffer& out = p.cfg->decode_buffer;
    out.size = 0;
    ++p.ptr;
    char c = 0;
    while ((c = *p.ptr) != '"') {
        if (c == '\0') {
            set_token_error(t, p, "unexpected end of string");
            return;
        }
        if (c == '\\') {
            switch (p.ptr[1]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'f': c = '\f'; break;
            case 'r': c = '\r'; break;
            case 'u':
                if (unicode_escape(p, out)) {
                    continue;
                }
                set_token_error(t, p, "invalid unicode escape code");
                return;
            default: set_token_error(t, p, "invalid escape code"); return;
            }
            ++p.ptr;
        }
        out.data[out.size++] = c;
        ++p.ptr;
    }
    ++p.ptr;
    t.type = token_type::string;
    t.string = out.data;
    t.length = out.size;
}

// Not strict JSON but accepted by strtod: a leading '+', hexadecimal, leading zeros, inf, nan.
inline bool is_invalid_number(const char* p) {
    if (*p == '+') {
        return true;
    }
    if (*p == '-') {
        ++p;
    }
    if (*p == '0') {
        const int c2 = p[1];
        return (c2 | 0x20) == 'x' || (c2 >= '0' && c2 <= '9');
    }
    if (*p <= '9') {
        return false;
    }
    return strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0;
}

inline void next_number(parser& p, token& t) {
    char* end = nullptr;
    t.type = token_type::number;
    t.number = std::strtod(p.ptr, &end);
    if (end == p.ptr) {
        set_token_error(t, p, "invalid number");
    } else {
        p.ptr = end;
    }
}

inline void next_token(parser& p, token& t) {
    int c = 0;
    for (;;) {
        c = static_cast<unsigned char>(*p.ptr);
        t.type = classify(static_cast<unsigned char>(c));
        if (t.type != token_type::whitespace) {
            break;
        }
        ++p.ptr;
    }
    t.index = static_cast<std::size_t>(p.ptr - p.data);
    if (t.type == token_type::error) {
        set_token_error(t, p, "invalid token");
        return;
    }
    if (t.type == token_type::end) {
        return;
    }
    if (t.type != token_type::unknown) {
        ++p.ptr;
        return;
    }
    if (c == '"') {
        next_string(p, t);
        return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (p.cfg->decode_invalid_numbers == 0 && is_invalid_number(p.ptr)) {
            set_token_error(t, p, "invalid number");
            return;
        }
        next_number(p, t);
        return;
    }
    if (std::strncmp(p.ptr, "true", 4) == 0) {
        t.type = token_type::boolean;
        t.boolean = 1;
        p.ptr += 4;
        return;
    }
    if (std::strncmp(p.ptr, "false", 5) == 0) {
        t.type = token_type::boolean;
        t.boolean = 0;
        p.ptr += 5;
        return;
    }
    if (std::strncmp(p.ptr, "null", 4) == 0) {
        t.type = token_type::null;
        p.ptr += 4;
        return;
    }
    if (p.cfg->decode_invalid_numbers != 0 && is_invalid_number(p.ptr)) {
        next_number(p, t);
        return;
    }
    set_token_error(t, p, "invalid token");
}

[[noreturn]] inline void parse_error(lua_State* L, parser& p, const char* expected,
                                     const token& t) {
    respkit::detail::lua_buffer_release(L, p.cfg->decode_buffer);
    const char* found = t.type == token_type::error ? t.string : token_name(t.type);
    luaL_error(L, "Expected %s but found %s at character %d", expected, found,
               static_cast<int>(t.index + 1));
    std::abort();
}

inline void descend(lua_State* L, parser& p, int slots) {
    ++p.depth;
    if (p.depth <= p.cfg->decode_max_depth && lua_checkstack(L, slots) != 0) {
        return;
    }
    respkit::detail::lua_buffer_release(L, p.cfg->decode_buffer);
    luaL_error(L, "Found too many nested data structures (%d) at character %d", p.depth,
               static_cast<int>(p.ptr - p.data));
}

inline void process_value(lua_State* L, parser& p, token& t);

inline void parse_object(lua_State* L, parser& p) {
    token t{};
    descend(L, p, 3);
    lua_newtable(L);
    next_token(p, t);
    if (t.type == token_type::object_end) {
        --p.depth;
        return;
    }
    for (;;) {
        if (t.type != token_type::string) {
            parse_error(L, p, "object key string", t);
        }
        lua_pushlstring(L, t.string, t.length);
        next_token(p, t);
        if (t.type != token_type::colon) {
            parse_error(L, p, "colon", t);
        }
        next_token(p, t);
        process_value(L, p, t);
        lua_rawset(L, -3);
        next_token(p, t);
        if (t.type == token_type::object_end) {
            --p.depth;
            return;
        }
        if (t.type != token_type::comma) {
            parse_error(L, p, "comma or object end", t);
        }
        next_token(p, t);
    }
}

inline void parse_array(lua_State* L, parser& p) {
    token t{};
    descend(L, p, 2);
    lua_newtable(L);
    next_token(p, t);
    if (t.type == token_type::array_end) {
        --p.depth;
        return;
    }
    for (int i = 1;; ++i) {
        process_value(L, p, t);
        lua_rawseti(L, -2, i);
        next_token(p, t);
        if (t.type == token_type::array_end) {
            --p.depth;
            return;
        }
        if (t.type != token_type::comma) {
            parse_error(L, p, "comma or array end", t);
        }
        next_token(p, t);
    }
}

inline void process_value(lua_State* L, parser& p, token& t) {
    switch (t.type) {
    case token_type::string: lua_pushlstring(L, t.string, t.length); return;
    case token_type::number: lua_pushnumber(L, t.number); return;
    case token_type::boolean: lua_pushboolean(L, t.boolean); return;
    case token_type::object_begin: parse_object(L, p); return;
    case token_type::array_begin: parse_array(L, p); return;
    case token_type::null:
        lua_pushlightuserdata(L, nullptr); // cjson.null: a nil would delete the key
        return;
    default: parse_error(L, p, "value", t);
    }
}

inline int decode(lua_State* L) {
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    parser p{};
    p.cfg = &fetch_config(L);
    std::size_t length = 0;
    p.data = luaL_checklstring(L, 1, &length);
    p.ptr = p.data;
    if (length >= 2 && (p.data[0] == '\0' || p.data[1] == '\0')) {
        luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    }
    // Decoded strings are never longer than the input: room for the longest, reserved once.
    p.cfg->decode_buffer.size = 0;
    respkit::detail::lua_buffer_reserve(L, p.cfg->decode_buffer, length + 1);
    token t{};
    next_token(p, t);
    process_value(L, p, t);
    next_token(p, t);
    if (t.type != token_type::end) {
        parse_error(L, p, "the end", t);
    }
    respkit::detail::lua_buffer_release(L, p.cfg->decode_buffer);
    return 1;
}

} // namespace detail_cjson

/// Pushes a new `cjson` table as Redis registers it, with its own settings at Redis's defaults
/// (sparse arrays: error, ratio 2, safe 10; depths 1000; precision 14; keep buffer on; invalid
/// numbers refused when encoding, accepted when decoding): encode, decode, the settings'
/// functions, new (another such table), null (a NULL light userdata), _NAME and _VERSION.
/// Returns 1 (usable as a lua_CFunction); setting the global is the caller's business.
inline int open_lua_cjson(lua_State* L) {
    static const luaL_Reg functions[] = {
        {"encode", detail_cjson::encode},
        {"decode", detail_cjson::decode},
        {"encode_sparse_array", detail_cjson::encode_sparse_array},
        {"encode_max_depth", detail_cjson::encode_max_depth},
        {"decode_max_depth", detail_cjson::decode_max_depth},
        {"encode_number_precision", detail_cjson::encode_number_precision},
        {"encode_keep_buffer", detail_cjson::encode_keep_buffer},
        {"encode_invalid_numbers", detail_cjson::encode_invalid_numbers},
        {"decode_invalid_numbers", detail_cjson::decode_invalid_numbers},
        {"new", open_lua_cjson},
        {nullptr, nullptr},
    };
    lua_createtable(L, 0, 13);
    auto* cfg =
        static_cast<detail_cjson::config*>(lua_newuserdata(L, sizeof(detail_cjson::config)));
    *cfg =
        detail_cjson::config{0, 2, 10, 1000, 0, 14, 1, 1, 1000, {nullptr, 0, 0}, {nullptr, 0, 0}};
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, detail_cjson::config_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    for (const luaL_Reg* f = functions; f->name != nullptr; ++f) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, f->func, 1);
        lua_setfield(L, -3, f->name);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, nullptr);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

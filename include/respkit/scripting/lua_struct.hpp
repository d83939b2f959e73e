#pragma once

/// \file
/// The `struct` library Redis 7.0 gives scripts (Roberto Ierusalimschy's struct 0.2 as Redis
/// patched it): struct.pack, struct.unpack and struct.size over a format string of
/// endianness (`<` `>`), alignment (`!n`), integers (`b B h H l L T i I in In`), floats
/// (`f d`), strings (`cn c0 s`) and padding (`x`), on x86-64 sizes (docs/scripting-libraries.md).

#include <bit>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail_struct {

/// Largest integer size in bytes (`i32`).
inline constexpr int max_int_size = 32;
/// Default of `!`: the alignment of double.
inline constexpr int max_align = 8;

struct header {
    bool little;
    int align;
};

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

inline int get_number(lua_State* L, const char** format, int fallback) {
    if (!is_digit(**format)) {
        return fallback;
    }
    int a = 0;
    do {
        const int digit = **format - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) {
            luaL_error(L, "integral size overflow");
        }
        a = a * 10 + digit;
        ++*format;
    } while (is_digit(**format));
    return a;
}

inline std::size_t option_size(lua_State* L, char option, const char** format) {
    switch (option) {
    case 'B':
    case 'b': return sizeof(char);
    case 'H':
    case 'h': return sizeof(short);
    case 'L':
    case 'l': return sizeof(long);
    case 'T': return sizeof(std::size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return static_cast<std::size_t>(get_number(L, format, 1));
    case 'i':
    case 'I': {
        const int size = get_number(L, format, sizeof(int));
        if (size > max_int_size) {
            luaL_error(L, "integral size %d is larger than limit of %d", size, max_int_size);
        }
        return static_cast<std::size_t>(size);
    }
    default: return 0;
    }
}

// Padding before an item of `size` bytes at offset `length`; sizes that are not powers of two
// give the odd results struct 0.2 gives.
inline std::size_t to_align(std::size_t length, const header& h, char option, std::size_t size) {
    if (size == 0 || option == 'c') {
        return 0;
    }
    if (size > static_cast<std::size_t>(h.align)) {
        size = static_cast<std::size_t>(h.align);
    }
    return (size - (length & (size - 1))) & (size - 1);
}

inline void control_option(lua_State* L, char option, const char** format, header& h) {
    switch (option) {
    case ' ': return;
    case '>': h.little = false; return;
    case '<': h.little = true; return;
    case '!': {
        const int a = get_number(L, format, max_align);
        if (a <= 0 || (a & (a - 1)) != 0) {
            luaL_error(L, "alignment %d is not a power of 2", a);
        }
        h.align = a;
        return;
    }
    default: {
        const char* message = lua_pushfstring(L, "invalid format option '%c'", option);
        luaL_argerror(L, 1, message);
    }
    }
}

inline header default_header() {
    return header{std::endian::native == std::endian::little, 1};
}

// Mirrors the x86-64 conversions of a double to `long` and `unsigned long` that struct 0.2
// relies on, including out-of-range values.
inline std::uint64_t integer_bits(lua_Number n) {
    if (std::isnan(n)) {
        return std::uint64_t{1} << 63;
    }
    if (n < 0) {
        if (n >= -9223372036854775808.0) {
            return static_cast<std::uint64_t>(static_cast<std::int64_t>(n));
        }
        return std::uint64_t{1} << 63;
    }
    if (n < 18446744073709551616.0) {
        return static_cast<std::uint64_t>(n);
    }
    return 0;
}

inline void put_integer(lua_State* L, luaL_Buffer* b, int argument, bool little, int size) {
    std::uint64_t value = integer_bits(luaL_checknumber(L, argument));
    char bytes[max_int_size];
    for (int i = 0; i < size; ++i) {
        bytes[little ? i : size - 1 - i] = static_cast<char>(value & 0xffU);
        value >>= 8;
    }
    luaL_addlstring(b, bytes, static_cast<std::size_t>(size));
}

inline void order_bytes(char* bytes, std::size_t size, bool little) {
    if (little != (std::endian::native == std::endian::little)) {
        for (std::size_t i = 0, j = size - 1; i < j; ++i, --j) {
            const char t = bytes[i];
            bytes[i] = bytes[j];
            bytes[j] = t;
        }
    }
}

// The 'f' and 'd' formats: `Float`'s bytes in the header's order.
template <class Float>
void put_float(lua_State* L, luaL_Buffer* b, int argument, bool little) {
    const auto value = static_cast<Float>(luaL_checknumber(L, argument));
    char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    order_bytes(bytes, sizeof bytes, little);
    luaL_addlstring(b, bytes, sizeof bytes);
}

template <class Float>
lua_Number get_float(const char* at, bool little) {
    char bytes[sizeof(Float)];
    std::memcpy(bytes, at, sizeof bytes);
    order_bytes(bytes, sizeof bytes, little);
    Float value = 0;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

inline int pack(lua_State* L) {
    const char* format = luaL_checkstring(L, 1);
    header h = default_header();
    int argument = 2;
    std::size_t total = 0;
    lua_pushnil(L); // separates the arguments from the buffer's stack slots
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*format != '\0') {
        const char option = *format++;
        std::size_t size = option_size(L, option, &format);
        std::size_t padding = to_align(total, h, option, size);
        total += padding;
        while (padding-- > 0) {
            luaL_addchar(&b, '\0');
        }
        switch (option) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': put_integer(L, &b, argument++, h.little, static_cast<int>(size)); break;
        case 'x': luaL_addchar(&b, '\0'); break;
        case 'f': put_float<float>(L, &b, argument++, h.little); break;
        case 'd': put_float<double>(L, &b, argument++, h.little); break;
        case 'c':
        case 's': {
            std::size_t length = 0;
            const char* s = luaL_checklstring(L, argument++, &length);
            if (size == 0) {
                size = length;
            }
            // struct 0.2 names the argument after the string's (argument was advanced).
            luaL_argcheck(L, length >= size, argument, "string too short");
            luaL_addlstring(&b, s, size);
            if (option == 's') {
                luaL_addchar(&b, '\0');
                ++size;
            }
            break;
        }
        default: control_option(L, option, &format, h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

inline lua_Number get_integer(const char* bytes, bool little, bool is_signed, int size) {
    std::uint64_t value = 0;
    for (int i = 0; i < size; ++i) {
        value <<= 8;
        value |= static_cast<unsigned char>(bytes[little ? size - 1 - i : i]);
    }
    if (!is_signed) {
        return static_cast<lua_Number>(value);
    }
    // x86-64 shifts by the count modulo 64, which sizes 0 and over 8 reach in struct 0.2.
    const std::uint64_t mask = ~std::uint64_t{0} << ((static_cast<unsigned>(size) * 8U - 1U) & 63U);
    if ((value & mask) != 0) {
        value |= mask;
    }
    return static_cast<lua_Number>(static_cast<std::int64_t>(value));
}

inline std::size_t size_from_number(lua_Number n) {
    if (n > -1 && n < 18446744073709551616.0) {
        return static_cast<std::size_t>(n);
    }
    return static_cast<std::size_t>(-1);
}

inline int unpack(lua_State* L) {
    header h = default_header();
    const char* format = luaL_checkstring(L, 1);
    std::size_t data_length = 0;
    const char* data = luaL_checklstring(L, 2, &data_length);
    auto position = static_cast<std::size_t>(luaL_optinteger(L, 3, 1));
    luaL_argcheck(L, position > 0, 3, "offset must be 1 or greater");
    --position;
    int results = 0;
    while (*format != '\0') {
        const char option = *format++;
        std::size_t size = option_size(L, option, &format);
        position += to_align(position, h, option, size);
        luaL_argcheck(L, size <= data_length && position <= data_length - size, 2,
                      "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (option) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': {
            const bool is_signed = std::islower(static_cast<unsigned char>(option)) != 0;
            lua_pushnumber(
                L, get_integer(data + position, h.little, is_signed, static_cast<int>(size)));
            ++results;
            break;
        }
        case 'x': break;
        case 'f':
            lua_pushnumber(L, get_float<float>(data + position, h.little));
            ++results;
            break;
        case 'd':
            lua_pushnumber(L, get_float<double>(data + position, h.little));
            ++results;
            break;
        case 'c': {
            if (size == 0) {
                if (results == 0 || lua_isnumber(L, -1) == 0) {
                    luaL_error(L, "format 'c0' needs a previous size");
                }
                size = size_from_number(lua_tonumber(L, -1));
                lua_pop(L, 1);
                --results;
                luaL_argcheck(L, size <= data_length && position <= data_length - size, 2,
                              "data string too short");
            }
            lua_pushlstring(L, data + position, size);
            ++results;
            break;
        }
        case 's': {
            const void* end = std::memchr(data + position, '\0', data_length - position);
            if (end == nullptr) {
                luaL_error(L, "unfinished string in data");
            }
            size = static_cast<std::size_t>(static_cast<const char*>(end) - (data + position)) + 1;
            lua_pushlstring(L, data + position, size - 1);
            ++results;
            break;
        }
        default: control_option(L, option, &format, h);
        }
        position += size;
    }
    lua_pushinteger(L, static_cast<lua_Integer>(position + 1));
    return results + 1;
}

inline int size(lua_State* L) {
    header h = default_header();
    const char* format = luaL_checkstring(L, 1);
    std::size_t position = 0;
    while (*format != '\0') {
        const char option = *format++;
        const std::size_t size = option_size(L, option, &format);
        position += to_align(position, h, option, size);
        if (option == 's') {
            luaL_argerror(L, 1, "option 's' has no fixed size");
        } else if (option == 'c' && size == 0) {
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        }
        // struct 0.2 sizes unknown letters and digits as 0 here rather than refusing them.
        if (std::isalnum(static_cast<unsigned char>(option)) == 0) {
            control_option(L, option, &format, h);
        }
        position += size;
    }
    lua_pushinteger(L, static_cast<lua_Integer>(position));
    return 1;
}

} // namespace detail_struct

/// Pushes a new `struct` table with Redis's functions pack, unpack and size. Returns 1 (usable
/// as a lua_CFunction); setting the global is the caller's business.
inline int open_lua_struct(lua_State* L) {
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, detail_struct::pack);
    lua_setfield(L, -2, "pack");
    lua_pushcfunction(L, detail_struct::unpack);
    lua_setfield(L, -2, "unpack");
    lua_pushcfunction(L, detail_struct::size);
    lua_setfield(L, -2, "size");
    return 1;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

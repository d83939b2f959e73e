#pragma once

/// \file
/// A growable byte buffer owned by a Lua full userdata, for the scripting libraries' encoders:
/// a Lua error unwinds with longjmp past C++ frames, so the memory must belong to an object the
/// Lua garbage collector frees, never to a destructor that would be skipped. The bytes come from
/// the state's allocator (lua_getallocf), so a memory limit set there covers them too
/// (docs/scripting-libraries.md).

#include <cstddef>
#include <cstring>

#include <lua.hpp>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Bytes from the Lua allocator, trivially destructible on purpose: the userdata's __gc frees them.
struct lua_buffer {
    char* data;           ///< the bytes, or null before the first growth
    std::size_t size;     ///< bytes in use
    std::size_t capacity; ///< bytes allocated
};

/// Frees `buffer`'s bytes and leaves it empty.
inline void lua_buffer_release(lua_State* L, lua_buffer& buffer) noexcept {
    if (buffer.data != nullptr) {
        void* user = nullptr;
        const lua_Alloc allocate = lua_getallocf(L, &user);
        allocate(user, buffer.data, buffer.capacity, 0);
    }
    buffer.data = nullptr;
    buffer.size = 0;
    buffer.capacity = 0;
}

/// __gc of the buffer userdata.
inline int lua_buffer_gc(lua_State* L) {
    if (auto* buffer = static_cast<lua_buffer*>(lua_touserdata(L, 1))) {
        lua_buffer_release(L, *buffer);
    }
    return 0;
}

/// Pushes a new empty buffer userdata (with a __gc that frees it) and returns it.
inline lua_buffer* lua_buffer_push(lua_State* L) {
    auto* buffer = static_cast<lua_buffer*>(lua_newuserdata(L, sizeof(lua_buffer)));
    buffer->data = nullptr;
    buffer->size = 0;
    buffer->capacity = 0;
    if (luaL_newmetatable(L, "respkit.lua_buffer") != 0) {
        lua_pushcfunction(L, lua_buffer_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return buffer;
}

/// Makes room for `extra` more bytes; raises Lua's "not enough memory" error when it cannot.
inline void lua_buffer_reserve(lua_State* L, lua_buffer& buffer, std::size_t extra) {
    if (buffer.capacity - buffer.size >= extra) {
        return;
    }
    if (extra > (static_cast<std::size_t>(-1) / 4) - buffer.size) {
        luaL_error(L, "not enough memory");
    }
    std::size_t wanted = (buffer.size + extra) * 2;
    if (wanted < 64) {
        wanted = 64;
    }
    void* user = nullptr;
    const lua_Alloc allocate = lua_getallocf(L, &user);
    void* grown = allocate(user, buffer.data, buffer.capacity, wanted);
    if (grown == nullptr) {
        luaL_error(L, "not enough memory");
    }
    buffer.data = static_cast<char*>(grown);
    buffer.capacity = wanted;
}

/// Appends `n` bytes.
inline void lua_buffer_append(lua_State* L, lua_buffer& buffer, const void* bytes, std::size_t n) {
    lua_buffer_reserve(L, buffer, n);
    if (n != 0) {
        std::memcpy(buffer.data + buffer.size, bytes, n);
    }
    buffer.size += n;
}

/// Appends one byte.
inline void lua_buffer_append(lua_State* L, lua_buffer& buffer, char byte) {
    lua_buffer_reserve(L, buffer, 1);
    buffer.data[buffer.size++] = byte;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail

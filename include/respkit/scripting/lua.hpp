#pragma once

/// \file
/// Lua 5.1's C API, as Redis embeds it (Debian's liblua5.1-0-dev: `pkg-config lua5.1`). The one
/// header of respkit that includes Lua's; only the scripting headers include it, and only
/// programs linking respkit::lua (CMake) or respkit-lua (pkg-config, meson) may include those.

#include <lua.hpp> // lua.h, lualib.h and lauxlib.h inside extern "C"

#if !defined(LUA_VERSION_NUM) || LUA_VERSION_NUM != 501
#error "respkit's scripting needs Lua 5.1 (as Redis embeds it): pkg-config lua5.1"
#endif

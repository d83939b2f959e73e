#pragma once

/// \file
/// Lua scripting (respkit::lua: links Lua 5.1): the script engine with Redis's sandbox and
/// `redis` API, the conversions between replies and Lua values, and the commands EVAL,
/// EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Not included by respkit/respkit.hpp
/// (docs/scripting.md).

#include "respkit/commands/scripting.hpp"
#include "respkit/scripting/function_registry.hpp"
#include "respkit/scripting/lua.hpp"
#include "respkit/scripting/lua_values.hpp"
#include "respkit/scripting/sandbox.hpp"
#include "respkit/scripting/script_engine.hpp"
#include "respkit/scripting/script_flags.hpp"
#include "respkit/scripting/sha1.hpp"

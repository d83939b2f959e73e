#pragma once

/// \file
/// The script engine: one Lua 5.1 state per server with Redis 7.0's sandbox and `redis` API,
/// the script cache (scripts by the SHA-1 of their body), and a script's run, whose
/// redis.call / redis.pcall go through respkit's command path with Redis's script checks
/// (docs/scripting.md).

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/commands/redis_version.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/scripting/lua.hpp"
#include "respkit/scripting/lua_values.hpp"
#include "respkit/scripting/sandbox.hpp"
#include "respkit/scripting/script_flags.hpp"
#include "respkit/scripting/sha1.hpp"
#include "respkit/server/acl_check.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

/// Which Lua state an engine is: EVAL's scripts, or FUNCTION's libraries (Redis keeps one
/// state for each).
enum class engine_kind {
    eval,     ///< EVAL / EVALSHA: KEYS and ARGV are globals, errors name the script's SHA-1
    functions ///< FCALL: keys and args are the callback's arguments, libraries load in a sandbox
};

/// A function a library registered while it loaded (redis.register_function).
struct registered_function {
    std::string name;                       ///< as registered
    std::optional<std::string> description; ///< the table form's `description`
    script_flags flags;                     ///< the table form's `flags` (never compat)
    int callback = LUA_NOREF;               ///< the callback, a reference in the Lua registry
};

/// A cached script.
struct cached_script {
    std::string body;   ///< the script as sent
    script_flags flags; ///< its shebang's flags
};

/// What a script run knows (Redis's scriptRunCtx).
struct script_run {
    server::session* caller = nullptr;            ///< the client running EVAL
    server::session* client = nullptr;            ///< the script's own client, running its commands
    const server::dispatcher* commands = nullptr; ///< the command table
    std::string sha;                              ///< the script's name (a function's name)
    int function = LUA_NOREF;                     ///< FCALL: the callback run (registry reference)
    script_flags flags;                           ///< its shebang's flags
    bool read_only = false;                       ///< EVAL_RO / EVALSHA_RO, or `no-writes`
    bool write_dirty = false;                     ///< a write command ran
    int resp = 2;                                 ///< redis.setresp
    int repl = 3;                                 ///< redis.set_repl (REPL_ALL)
    /// What the checks of its commands see and keep (the cluster check's slot); run() sets the
    /// declared keys and allow_cross_slot, the caller `obeyed` (a command loaded from a file).
    server::script_call_state checks;
};

/// redis.set_repl's flags (PROPAGATE_AOF, PROPAGATE_REPL).
inline constexpr int repl_aof = 1, repl_replica = 2;

/// One Lua state with Redis's sandbox, and the scripts loaded into it.
class script_engine {
public:
    /// An engine for EVAL's scripts, or (`engine_kind::functions`) for FUNCTION's libraries.
    explicit script_engine(engine_kind kind = engine_kind::eval) : m_kind(kind) { open(); }
    script_engine(const script_engine&) = delete;
    script_engine& operator=(const script_engine&) = delete;
    ~script_engine() {
        if (m_lua != nullptr) lua_close(m_lua);
    }

    /// The Lua state.
    [[nodiscard]] lua_State* state() const noexcept { return m_lua; }
    /// What the engine runs.
    [[nodiscard]] engine_kind kind() const noexcept { return m_kind; }

    /// Runs a library's code (after its shebang line, whose line feed it keeps) in the loading
    /// sandbox, where only redis.register_function, redis.log and the version fields exist
    /// (Redis's luaEngineCreate); stops it with "FUNCTION LOAD timeout" past `timeout` (0: no
    /// limit). Returns "" and the functions it registered in `out`, or Redis's error text
    /// (without "ERR "), registering nothing. Functions-kind engines only.
    [[nodiscard]] std::string load_library(std::string_view code,
                                           std::vector<registered_function>& out,
                                           std::chrono::milliseconds timeout,
                                           server::server_context* server = nullptr) {
        out.clear();
        lua_State* L = m_lua;
        if (m_kind != engine_kind::functions || m_run != nullptr || m_loading != nullptr)
            return "the engine cannot load a library now";
        if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function") != 0) {
            std::string error = "Error compiling function: ";
            if (const char* s = lua_tostring(L, -1)) error += s;
            lua_pop(L, 1);
            return error;
        }
        set_globals_index("respkit.library_index");
        m_loading = &out;
        m_server = server;
        m_load_timeout = timeout;
        m_start = std::chrono::steady_clock::now();
        lua_sethook(L, load_hook, LUA_MASKCOUNT, hook_instructions);
        const int failed = lua_pcall(L, 0, 0, 0);
        lua_sethook(L, nullptr, 0, 0);
        m_loading = nullptr;
        set_globals_index("respkit.globals_index");
        if (failed == 0) return {};
        std::string message = read_error_info(L, -1).message;
        lua_pop(L, 1);
        release(out);
        out.clear();
        return "Error registering functions: " +
               (message.empty() ? std::string("(null)") : message);
    }
    /// Frees the callbacks of `functions` (a library deleted, replaced or not loaded).
    void release(const std::vector<registered_function>& functions) noexcept {
        for (const registered_function& f : functions) {
            if (f.callback != LUA_NOREF) luaL_unref(m_lua, LUA_REGISTRYINDEX, f.callback);
        }
    }

    /// Loads `body` (SCRIPT LOAD, EVAL's first sight of a script): returns its SHA-1, or "" with
    /// Redis's error reply in `error` (a bad shebang, a syntax error).
    [[nodiscard]] std::string load(std::string_view body, std::string& error) {
        std::string sha = sha1_hex(body);
        if (m_scripts.count(sha) != 0) return sha;
        script_flags flags;
        std::size_t shebang = 0;
        if (std::string why = read_shebang(body, flags, shebang); !why.empty()) {
            error = "ERR " + why;
            return {};
        }
        // The shebang line is skipped but its line feed kept, so that line numbers stay.
        const std::string_view code = body.substr(shebang);
        if (luaL_loadbuffer(m_lua, code.data(), code.size(), "@user_script") != 0) {
            error = "ERR Error compiling script (new function): ";
            if (const char* s = lua_tostring(m_lua, -1)) error += s;
            lua_pop(m_lua, 1);
            return {};
        }
        lua_setfield(m_lua, LUA_REGISTRYINDEX, ("f_" + sha).c_str());
        m_scripts.emplace(sha, cached_script{std::string(body), flags});
        return sha;
    }
    /// The cached script named `sha` (any case), or null.
    [[nodiscard]] const cached_script* find(std::string_view sha) const {
        const auto it = m_scripts.find(lower(sha));
        return it == m_scripts.end() ? nullptr : &it->second;
    }
    /// Bytes the cached scripts' bodies and names hold (INFO used_memory_scripts_eval).
    [[nodiscard]] std::size_t scripts_memory() const noexcept {
        std::size_t n = 0;
        for (const auto& [sha, script] : m_scripts)
            n += sizeof(cached_script) + sha.size() + script.body.size();
        return n;
    }
    /// Number of cached scripts.
    [[nodiscard]] std::size_t size() const noexcept { return m_scripts.size(); }
    /// Forgets every script and starts a new Lua state (SCRIPT FLUSH).
    void flush() {
        m_scripts.clear();
        if (m_lua != nullptr) lua_close(m_lua);
        m_lua = nullptr;
        open();
    }
    /// The most memory the Lua state may hold (scripts get Lua's "not enough memory" past it,
    /// rather than the process being killed): by default 1 GiB.
    void set_memory_limit(std::size_t bytes) noexcept { m_limit = bytes; }
    /// Bytes the Lua state uses (INFO used_memory_lua).
    [[nodiscard]] std::size_t memory() const {
        return static_cast<std::size_t>(lua_gc(m_lua, LUA_GCCOUNT, 0)) * 1024;
    }
    /// True while a script runs.
    [[nodiscard]] bool running() const noexcept { return m_run != nullptr; }
    /// True while a script runs past busy-reply-threshold (other clients are served BUSY).
    [[nodiscard]] bool timed_out() const noexcept { return m_run != nullptr && m_timed_out; }
    /// True when the last run was abandoned for a shutdown (SHUTDOWN NOSAVE while busy): its
    /// caller gets no reply, as the server stops.
    [[nodiscard]] bool abandoned() const noexcept { return m_abandoned; }

    /// SCRIPT KILL: "" when the running script stops at its next check (its caller gets
    /// Redis's "Script killed by user" error), else Redis's error (NOTBUSY, UNKILLABLE).
    /// `by_script_kill`: SCRIPT KILL (false: FUNCTION KILL), which may not kill the other kind's
    /// run (Redis's -BUSY naming the right command).
    [[nodiscard]] std::string kill(bool by_script_kill = true) {
        if (m_run == nullptr || !m_timed_out) return "NOTBUSY No scripts in execution right now.";
        if (m_run->write_dirty) {
            return "UNKILLABLE Sorry the script already executed write commands against the dataset. "
                   "You can either wait the script termination or kill the server in a hard way "
                   "using the SHUTDOWN NOSAVE command.";
        }
        if (by_script_kill && m_kind == engine_kind::functions)
            return std::string(server::errors::busy_function);
        if (!by_script_kill && m_kind == engine_kind::eval)
            return std::string(server::errors::busy_script);
        m_killed = true;
        if (m_server != nullptr)
            m_server->log(server::log_level::warning, "Lua script killed by user with SCRIPT KILL.");
        return {};
    }

    /// Runs the cached script `sha` (lower case, loaded) for `run.caller` with `keys` and `args`,
    /// writing its reply (or error) to `out`. `run` stays the run's context until it returns.
    void run(script_run& run, std::span<const std::string_view> keys,
             std::span<const std::string_view> args, server::reply_writer& out,
             server::server_context& server) {
        lua_State* L = m_lua;
        const int top = lua_gettop(L);
        lua_getfield(L, LUA_REGISTRYINDEX, "respkit.error_handler");
        const bool function = run.function != LUA_NOREF;
        if (function)
            lua_rawgeti(L, LUA_REGISTRYINDEX, run.function);
        else
            lua_getfield(L, LUA_REGISTRYINDEX, ("f_" + run.sha).c_str());
        // KEYS and ARGV are built in a protected call: arguments too big for the memory limit
        // fail the script, not the process (Lua panics on an unprotected allocation failure).
        // A function gets them as its two arguments, an EVAL script as globals.
        run.checks.declared_keys = keys;
        // Redis's scriptPrepareForRun: a script without a shebang may reach any slot.
        run.checks.allow_cross_slot = run.flags.compat || run.flags.allow_cross_slot;
        run.checks.slot = -2;
        arrays a{keys, args, function};
        if (lua_cpcall(L, set_arrays, &a) != 0) {
            lua_pop(L, 3); // the error, the function, the error handler
            server::write_error(out, server,
                                "ERR Error running script " + run.sha + ", not enough memory\n");
            return;
        }
        if (function) {
            for (const char* name : {"respkit.keys", "respkit.args"}) {
                lua_getfield(L, LUA_REGISTRYINDEX, name);
                lua_pushnil(L); // the field exists: clearing it does not allocate
                lua_setfield(L, LUA_REGISTRYINDEX, name);
            }
        }
        m_run = &run;
        m_server = &server;
        m_timed_out = m_killed = m_abandoned = false;
        m_start = std::chrono::steady_clock::now();
        // Every so many instructions the hook looks at the time (Redis's luaMaskCountHook).
        const bool hooked = server.busy_reply_threshold().count() > 0;
        if (hooked) lua_sethook(L, count_hook, LUA_MASKCOUNT, hook_instructions);
        const int failed = function ? lua_pcall(L, 2, 1, -4) : lua_pcall(L, 0, 1, -2);
        if (hooked) lua_sethook(L, nullptr, 0, 0);
        m_run = nullptr;
        if (m_timed_out) {
            m_timed_out = false;
            server.set_busy(false);
            m_abandoned = server.shutdown_requested();
        }
        if (++m_gc_count == 50) { // a GC step now and then rather than a full cycle later
            lua_gc(L, LUA_GCSTEP, 50);
            m_gc_count = 0;
        }
        if (failed == 0) {
            // The reply may pass the client's output limit (an exception): the Lua stack is
            // left as it was found.
            try {
                write_lua_value(L, out, server, run.resp);
            } catch (...) {
                lua_settop(L, top);
                throw;
            }
        } else if (!lua_istable(L, -1)) {
            std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
            if (msg.size() > 100) msg.resize(100);
            server::write_error(out, server,
                                "ERR Error running script " + run.sha + ", " + msg + "\n");
            lua_pop(L, 1);
        } else {
            const lua_error_info info = read_error_info(L, -1);
            std::string message = info.message;
            if (!info.line.empty() && !info.source.empty())
                message += " script: " + run.sha + ", on " + info.source + ":" + info.line + ".";
            write_script_error(out, server, message, info.ignore_stats);
            lua_pop(L, 1);
        }
        lua_pop(L, 1); // the error handler
    }

private:
    static std::string lower(std::string_view s) {
        std::string out(s);
        for (char& c : out) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        return out;
    }

    struct arrays {
        std::span<const std::string_view> keys, args;
        bool function; // left in the registry (respkit.keys, respkit.args), not as globals
    };
    static int set_arrays(lua_State* L) {
        const auto* a = static_cast<const arrays*>(lua_touserdata(L, 1));
        if (a->function)
            lua_pushvalue(L, LUA_REGISTRYINDEX);
        else
            lua_getfield(L, LUA_REGISTRYINDEX, "respkit.globals");
        for (const auto& [items, name] :
             {std::pair{a->keys, a->function ? "respkit.keys" : "KEYS"},
              std::pair{a->args, a->function ? "respkit.args" : "ARGV"}}) {
            lua_createtable(L, static_cast<int>(items.size()), 0);
            for (std::size_t i = 0; i < items.size(); ++i) {
                lua_pushlstring(L, items[i].data(), items[i].size());
                lua_rawseti(L, -2, static_cast<int>(i + 1));
            }
            lua_setfield(L, -2, name);
        }
        return 0;
    }

    // Points the globals' __index at the real globals or at the loading sandbox's (Redis swaps
    // the globals' metatable the same way while a library loads).
    void set_globals_index(const char* key) {
        lua_getmetatable(m_lua, LUA_GLOBALSINDEX);
        lua_getfield(m_lua, LUA_REGISTRYINDEX, key);
        lua_setfield(m_lua, -2, "__index");
        lua_pop(m_lua, 1);
    }

    // A command's reply as a Lua value, made in a protected call (a reply too big for the
    // memory limit must not unwind through C++ frames): left in the registry.
    struct reply_conversion {
        const resp::value* value;
        bool fits_stack;
    };
    static int convert_reply(lua_State* L) {
        auto* c = static_cast<reply_conversion*>(lua_touserdata(L, 1));
        c->fits_stack = push_reply(L, *c->value);
        if (!c->fits_stack) lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "respkit.reply");
        return 0;
    }

    static script_engine& self(lua_State* L) {
        return *static_cast<script_engine*>(lua_touserdata(L, lua_upvalueindex(1)));
    }

    void add_function(const char* name, lua_CFunction f) {
        lua_pushlightuserdata(m_lua, this);
        lua_pushcclosure(m_lua, f, 1);
        lua_setfield(m_lua, -2, name);
    }
    void add_number(const char* name, lua_Number n) {
        lua_pushnumber(m_lua, n);
        lua_setfield(m_lua, -2, name);
    }

    void open() {
        m_used = 0;
        m_lua = lua_newstate(allocate, this);
        lua_State* L = m_lua;
        open_sandbox_libraries(L);

        // pcall: the error of a redis.call is the message, not the table (luaRedisPcall).
        lua_pushcfunction(L, lua_pcall_compat);
        lua_setglobal(L, "pcall");

        lua_newtable(L); // redis
        add_function("call", lua_redis_call);
        add_function("pcall", lua_redis_pcall);
        add_function("log", lua_log);
        add_number("LOG_DEBUG", 0);
        add_number("LOG_VERBOSE", 1);
        add_number("LOG_NOTICE", 2);
        add_number("LOG_WARNING", 3);
        add_number("REDIS_VERSION_NUM", redis_version_number());
        lua_pushlstring(L, commands::redis_compat_version.data(),
                        commands::redis_compat_version.size());
        lua_setfield(L, -2, "REDIS_VERSION");
        add_function("setresp", lua_setresp);
        add_function("sha1hex", lua_sha1hex);
        add_function("error_reply", lua_error_reply);
        add_function("status_reply", lua_status_reply);
        add_function("set_repl", lua_set_repl);
        add_number("REPL_NONE", 0);
        add_number("REPL_AOF", repl_aof);
        add_number("REPL_SLAVE", repl_replica);
        add_number("REPL_REPLICA", repl_replica);
        add_number("REPL_ALL", repl_aof | repl_replica);
        add_function("acl_check_cmd", lua_acl_check_cmd);
        add_function("breakpoint", lua_breakpoint);
        add_function("debug", lua_debug);
        add_function("replicate_commands", lua_replicate_commands);
        lua_setglobal(L, "redis");

        lua_getglobal(L, "math");
        add_function("random", lua_math_random);
        add_function("randomseed", lua_math_randomseed);
        lua_pop(L, 1);

        // The error handler adds where the error happened (Redis's __redis__err__handler).
        static constexpr const char* handler = "local dbg = debug\n"
                                               "debug = nil\n"
                                               "function __redis__err__handler(err)\n"
                                               "  local i = dbg.getinfo(2,'nSl')\n"
                                               "  if i and i.what == 'C' then\n"
                                               "    i = dbg.getinfo(3,'nSl')\n"
                                               "  end\n"
                                               "  if type(err) ~= 'table' then\n"
                                               "    err = {err='ERR ' .. tostring(err)}"
                                               "  end"
                                               "  if i then\n"
                                               "    err['source'] = i.source\n"
                                               "    err['line'] = i.currentline\n"
                                               "  end"
                                               "  return err\n"
                                               "end\n";
        (void)luaL_loadbuffer(L, handler, std::char_traits<char>::length(handler),
                              "@err_handler_def");
        lua_call(L, 0, 0);
        lua_getglobal(L, "__redis__err__handler");
        lua_setfield(L, LUA_REGISTRYINDEX, "respkit.error_handler");

        // A functions engine has no global error handler (Redis keeps it in the registry).
        if (m_kind == engine_kind::functions) {
            lua_pushnil(L);
            lua_setglobal(L, "__redis__err__handler");
        }

        lock_sandbox(L, "respkit.globals");

        if (m_kind == engine_kind::functions) {
            // The globals while a library loads: only `redis`, with register_function, log and
            // the version fields; anything else is a nonexistent global (luaEngineInitEngine).
            lua_getmetatable(L, LUA_GLOBALSINDEX);
            lua_getfield(L, -1, "__index");
            lua_setfield(L, LUA_REGISTRYINDEX, "respkit.globals_index");
            lua_pop(L, 1);
            lua_newtable(L); // the loading globals
            lua_newtable(L); // their redis
            add_function("register_function", lua_register_function);
            add_function("log", lua_log);
            add_number("LOG_DEBUG", 0);
            add_number("LOG_VERBOSE", 1);
            add_number("LOG_NOTICE", 2);
            add_number("LOG_WARNING", 3);
            add_number("REDIS_VERSION_NUM", redis_version_number());
            lua_pushlstring(L, commands::redis_compat_version.data(),
                            commands::redis_compat_version.size());
            lua_setfield(L, -2, "REDIS_VERSION");
            detail::make_readonly_proxy(L, detail::globals_index);
            lua_setfield(L, -2, "redis");
            lua_pushcclosure(L, detail::globals_index, 1);
            lua_setfield(L, LUA_REGISTRYINDEX, "respkit.library_index");
            for (const char* name : {"respkit.keys", "respkit.args"}) {
                lua_pushboolean(L, 0);
                lua_setfield(L, LUA_REGISTRYINDEX, name);
            }
        }

        // The field names the conversions push after a script ran, outside any protected call:
        // kept alive here, pushing them never allocates.
        lua_newtable(L);
        int i = 0;
        for (const char* name :
             {"err", "ok", "double", "big_number", "verbatim_string", "map", "set", "format",
              "string", "source", "line", "ignore_error_stats_update", "respkit.reply"}) {
            lua_pushstring(L, name);
            lua_rawseti(L, -2, ++i);
        }
        lua_setfield(L, LUA_REGISTRYINDEX, "respkit.pinned");
    }

    static lua_Number redis_version_number() {
        // "7.0.15" -> 0x07000f
        unsigned major = 0, minor = 0, patch = 0;
        const std::string v(commands::redis_compat_version);
        (void)std::sscanf(v.c_str(), "%u.%u.%u", &major, &minor, &patch);
        return static_cast<lua_Number>((major << 16) | (minor << 8) | patch);
    }

    // --- the busy state ---

    static constexpr int hook_instructions = 100000; // as Redis

    // Past busy-reply-threshold, serves the other clients; true when the script must end (SCRIPT
    // KILL, or a shutdown). No C++ object outlives it: the hook may raise right after.
    bool interrupt() noexcept {
        if (!m_timed_out) {
            const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - m_start);
            if (elapsed < m_server->busy_reply_threshold()) return false;
            try {
                m_server->log(server::log_level::warning,
                              "Slow script detected: still in execution after " +
                                  std::to_string(elapsed.count()) +
                                  " milliseconds. You can try killing the script using the " +
                                  (m_kind == engine_kind::eval ? "SCRIPT KILL" : "FUNCTION KILL") +
                                  " command. Script name is: " + m_run->sha + ".");
            } catch (...) { // a log line is not worth failing the script for
            }
            m_timed_out = true;
            m_server->set_busy(true, m_kind == engine_kind::functions);
        }
        try {
            m_server->serve_while_busy(*m_run->caller);
        } catch (...) { // never across Lua's frames: the pass is tried again at the next check
        }
        return m_killed || m_server->shutdown_requested();
    }

    static void count_hook(lua_State* L, lua_Debug*) {
        void* ud = nullptr;
        (void)lua_getallocf(L, &ud);
        auto& e = *static_cast<script_engine*>(ud);
        if (e.m_run == nullptr || e.m_server == nullptr || !e.interrupt()) return;
        // Raised at every line from now on, so that a pcall in the script cannot keep it going.
        lua_sethook(L, count_hook, LUA_MASKLINE, 0);
        push_error_table(L, "Script killed by user with SCRIPT KILL...");
        lua_error(L);
    }

    // --- loading a library ---

    // Stops a library's code past the load timeout (luaEngineLoadHook); from then on at every
    // line, so that a pcall cannot keep it going.
    static void load_hook(lua_State* L, lua_Debug*) {
        void* ud = nullptr;
        (void)lua_getallocf(L, &ud);
        auto& e = *static_cast<script_engine*>(ud);
        if (e.m_loading == nullptr || e.m_load_timeout.count() <= 0) return;
        if (std::chrono::steady_clock::now() - e.m_start <= e.m_load_timeout) return;
        lua_sethook(L, load_hook, LUA_MASKLINE, 0);
        push_error_table(L, "FUNCTION LOAD timeout");
        lua_error(L);
    }

    // redis.register_function(name, callback) or redis.register_function{function_name=,
    // callback=, flags=, description=}: "" or the error to raise. No C++ object outlives it.
    std::string register_function(lua_State* L) {
        if (m_loading == nullptr)
            return "redis.register_function can only be called on FUNCTION LOAD command";
        const int argc = lua_gettop(L);
        if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
        registered_function f;
        const auto string_at = [L](int index, std::string& out) {
            if (!lua_isstring(L, index)) return false;
            std::size_t n = 0;
            const char* s = lua_tolstring(L, index, &n);
            out.assign(s, n);
            return true;
        };
        if (argc == 2) {
            if (!string_at(1, f.name))
                return "first argument to redis.register_function must be a string";
            if (!lua_isfunction(L, 2))
                return "second argument to redis.register_function must be a function";
            lua_pushvalue(L, 2);
            f.callback = luaL_ref(L, LUA_REGISTRYINDEX);
        } else {
            if (!lua_istable(L, 1)) {
                return "calling redis.register_function with a single argument is only applicable "
                       "to Lua table (representing named arguments).";
            }
            std::string error;
            bool has_name = false;
            lua_pushnil(L);
            while (error.empty() && lua_next(L, 1) != 0) {
                // Stack: table, key, value.
                if (!lua_isstring(L, -2)) {
                    error = "named argument key given to redis.register_function is not a string";
                    break;
                }
                std::string key;
                {
                    // lua_tolstring would turn a number key into a string under lua_next.
                    lua_pushvalue(L, -2);
                    (void)string_at(-1, key);
                    lua_pop(L, 1);
                }
                for (char& c : key)
                    c = static_cast<char>(respkit::detail::ascii_lower(c));
                if (key == "function_name") {
                    if (!string_at(-1, f.name))
                        error = "function_name argument given to redis.register_function must be a "
                                "string";
                    has_name = error.empty();
                } else if (key == "description") {
                    std::string description;
                    if (!string_at(-1, description))
                        error = "description argument given to redis.register_function must be a "
                                "string";
                    else
                        f.description = std::move(description);
                } else if (key == "callback") {
                    if (!lua_isfunction(L, -1)) {
                        error =
                            "callback argument given to redis.register_function must be a function";
                    } else {
                        if (f.callback != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f.callback);
                        lua_pushvalue(L, -1);
                        f.callback = luaL_ref(L, LUA_REGISTRYINDEX);
                    }
                } else if (key == "flags") {
                    if (!lua_istable(L, -1))
                        error = "flags argument to redis.register_function must be a table "
                                "representing function flags";
                    else if (!read_flags(L, f.flags))
                        error = "unknown flag given";
                } else {
                    error = "unknown argument given to redis.register_function";
                }
                lua_pop(L, 1); // the value
            }
            if (error.empty() && !has_name)
                error = "redis.register_function must get a function name argument";
            if (error.empty() && f.callback == LUA_NOREF)
                error = "redis.register_function must get a callback argument";
            if (!error.empty()) {
                lua_settop(L, 1);
                if (f.callback != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f.callback);
                return error;
            }
        }
        f.flags.compat = false;
        std::string error;
        if (!valid_name(f.name)) {
            error = "Library names can only contain letters, numbers, or underscores(_) and must "
                    "be at least one character long";
        }
        for (const registered_function& other : *m_loading) {
            if (error.empty() && other.name == f.name)
                error = "Function already exists in the library";
        }
        if (!error.empty()) {
            luaL_unref(L, LUA_REGISTRYINDEX, f.callback);
            return error;
        }
        m_loading->push_back(std::move(f));
        return {};
    }
    // The flags table's values (luaRegisterFunctionReadFlags): false at a non-string or unknown
    // one.
    static bool read_flags(lua_State* L, script_flags& flags) {
        for (int j = 1;; ++j) {
            lua_rawgeti(L, -1, j);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                return true;
            }
            std::string flag;
            if (lua_isstring(L, -1)) {
                std::size_t n = 0;
                const char* s = lua_tolstring(L, -1, &n);
                flag.assign(s, n);
            }
            lua_pop(L, 1);
            for (char& c : flag)
                c = static_cast<char>(respkit::detail::ascii_lower(c));
            if (!set_script_flag(flags, flag)) return false;
        }
    }
    static int lua_register_function(lua_State* L) {
        bool failed = false;
        try {
            const std::string error = self(L).register_function(L);
            if (!error.empty()) {
                push_error_table(L, error);
                failed = true;
            }
        } catch (const std::exception& e) {
            push_error_table(L, e.what());
            failed = true;
        }
        if (failed) return lua_error(L);
        return 0;
    }

public:
    /// True when `name` is a valid library or function name: letters, digits and underscores,
    /// at least one (Redis's functionsVerifyName).
    [[nodiscard]] static bool valid_name(std::string_view name) noexcept {
        if (name.empty()) return false;
        for (const char c : name) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '_';
            if (!ok) return false;
        }
        return true;
    }

private:
    // --- redis.call / redis.pcall ---

    // Runs the command whose arguments are on the stack; leaves its reply (or an error table)
    // on the stack and returns true when it is an error table to raise. No C++ object with a
    // destructor lives past its return, so the caller may raise (longjmp) safely.
    bool call_command(lua_State* L, bool raise) {
        if (m_run == nullptr) {
            push_error_table(L, "redis.call/pcall can only be called inside a script invocation");
            return true;
        }
        script_run& run = *m_run;
        const int argc = lua_gettop(L);
        if (argc == 0) {
            push_error_table(L, "Please specify at least one argument for this redis lib call");
            return raise;
        }
        std::vector<std::string> argv;
        argv.reserve(static_cast<std::size_t>(argc));
        bool all_strings = true;
        for (int j = 1; j <= argc; ++j) {
            if (lua_type(L, j) == LUA_TNUMBER) {
                // Not lua_tolstring: its format loses precision.
                char buf[64];
                const int n = std::snprintf(buf, sizeof(buf), "%.17g",
                                            static_cast<double>(lua_tonumber(L, j)));
                argv.emplace_back(buf, static_cast<std::size_t>(n));
                continue;
            }
            std::size_t n = 0;
            const char* s = lua_tolstring(L, j, &n);
            if (s == nullptr) {
                all_strings = false;
                break;
            }
            argv.emplace_back(s, n);
        }
        lua_pop(L, argc);
        if (!all_strings) {
            push_error_table(L, "Lua redis lib command arguments must be strings or integers");
            return raise;
        }
        std::vector<std::string_view> args(argv.begin(), argv.end());
        std::string error = admit(run, args);
        if (!error.empty()) {
            m_server->count_error(error[0] == '-' ? error.substr(1) : "ERR " + error);
            push_error_table(L, error);
            lua_pushstring(L, "ignore_error_stats_update");
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
            return true; // raised by redis.call, returned by redis.pcall
        }
        server::session& client = *run.client;
        client.set_user(run.caller->user_ptr());
        client.set_protocol(run.resp == 3 ? resp::protocol::resp3 : resp::protocol::resp2);
        server::reply_buffer& sink = client.reply().sink();
        sink.clear();
        server::propagation& propagated = m_server->propagation();
        const bool suppressed = (run.repl & repl_aof) == 0;
        if (suppressed) propagated.suspend(true);
        run.commands->call(*m_entry, args, client, server::command_origin::script);
        if (suppressed) propagated.suspend(false);
        const resp::parsed_value reply = resp::parse_value(sink.pending());
        sink.clear();
        if (reply.result.status != resp::parse_status::complete) {
            push_error_table(L, "ERR the command's reply could not be read by the script");
            return raise;
        }
        reply_conversion conversion{&reply.value, true};
        if (lua_cpcall(L, convert_reply, &conversion) != 0) {
            lua_pop(L, 1);
            push_error_table(L, "not enough memory");
            return true;
        }
        if (!conversion.fits_stack) {
            lua_pushstring(L, "reached lua stack limit");
            return true;
        }
        lua_getfield(L, LUA_REGISTRYINDEX, "respkit.reply");
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "respkit.reply");
        return raise && reply.value.is_error();
    }

    // Redis's checks of a command called from a script (scriptCall), in its order; "" or the
    // error ("-CODE message", or a message that gets "ERR").
    std::string admit(script_run& run, std::span<const std::string_view> args) {
        const server::dispatcher& commands = *run.commands;
        const server::command_entry* found = commands.find(args[0]);
        if (found == nullptr) return "Unknown Redis command called from script";
        std::string error;
        const server::command_entry* entry = commands.resolve_found(args, found, error);
        if (entry == nullptr) {
            return error.rfind("ERR wrong number", 0) == 0
                       ? "Wrong number of args calling Redis command from script"
                       : "Unknown Redis command called from script";
        }
        m_entry = entry;
        const server::command_flag flags = entry->spec.flags;
        if (server::has(flags, server::command_flag::noscript))
            return "This Redis command is not allowed from script";
        const server::acl_user& user = run.caller->user();
        if (!user.unrestricted()) {
            const server::acl_verdict v =
                server::acl_check_command(user, commands.access().catalog(), *entry, args);
            if (v.denial != server::acl_denial::none) {
                server::acl_log_entry e;
                e.reason = v.denial;
                e.context = server::acl_log_context::lua;
                e.object = v.denial == server::acl_denial::command ? entry->full_name
                                                                   : std::string(args[v.position]);
                e.username = user.name();
                e.client_info = commands.access().describe_client
                                    ? commands.access().describe_client(*run.caller)
                                    : "id=" + std::to_string(run.caller->id());
                commands.access().record(std::move(e));
                switch (v.denial) {
                case server::acl_denial::command:
                    return "The user executing the script can't run this command or subcommand";
                case server::acl_denial::key:
                    return "The user executing the script can't access at least one of the keys "
                           "mentioned in the command arguments";
                case server::acl_denial::channel:
                    return "The user executing the script can't publish to the channel mentioned "
                           "in the command";
                default:
                    return "The user executing the script lacking the permissions for the command";
                }
            }
        }
        const bool write = server::has(flags, server::command_flag::write);
        if (run.read_only && (write || server::has(flags, server::command_flag::may_replicate)))
            return "Write commands are not allowed from read-only scripts.";
        // The server's state (a failed save, memory) may refuse the first write, not a later
        // one: the script cannot stop half-way.
        if (!run.write_dirty && (write || server::has(flags, server::command_flag::denyoom))) {
            const bool allow_oom = !run.flags.compat && run.flags.allow_oom;
            server::pending_command pending{.entry = *entry,
                                            .args = args,
                                            .client = *run.caller,
                                            .server = *m_server,
                                            .commands = commands,
                                            .origin = server::command_origin::client,
                                            .authenticated = true,
                                            .in_multi = false,
                                            .subscribed_resp2 = false};
            for (const server::registered_check& c : commands.checks()) {
                const bool applies =
                    (write && c.stage == server::check_stage::persistence) ||
                    (!allow_oom && server::has(flags, server::command_flag::denyoom) &&
                     c.stage == server::check_stage::out_of_memory);
                if (!applies) continue;
                if (std::string why = c.check(pending); !why.empty()) return "-" + why;
            }
        }
        if (write) run.write_dirty = true;
        // Cluster mode: the command's keys must be served here, in the script's one slot
        // (Redis's scriptVerifyClusterState); the check says why not in Redis's words.
        server::pending_command pending{.entry = *entry,
                                        .args = args,
                                        .client = *run.caller,
                                        .server = *m_server,
                                        .commands = commands,
                                        .origin = server::command_origin::script,
                                        .authenticated = true,
                                        .in_multi = false,
                                        .subscribed_resp2 = false,
                                        .script = &run.checks};
        for (const server::registered_check& c : commands.checks()) {
            if (c.stage != server::check_stage::cluster) continue;
            if (std::string why = c.check(pending); !why.empty()) return why;
        }
        return {};
    }

    // A C++ exception must not cross Lua's C frames: it becomes the command's error.
    static bool call_command_guarded(lua_State* L, bool raise) {
        try {
            return self(L).call_command(L, raise);
        } catch (const std::exception& e) {
            lua_settop(L, 0); // this C function's own frame
            push_error_table(L, std::string("ERR ") + e.what());
            return raise;
        }
    }
    static int lua_redis_call(lua_State* L) {
        if (call_command_guarded(L, true)) return lua_error(L);
        return 1;
    }
    static int lua_redis_pcall(lua_State* L) {
        (void)call_command_guarded(L, false);
        return 1;
    }

    static int lua_pcall_compat(lua_State* L) {
        const int argc = lua_gettop(L);
        lua_pushboolean(L, 1);
        lua_insert(L, 1);
        if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
            lua_remove(L, 1);
            if (lua_istable(L, -1)) {
                lua_getfield(L, -1, "err");
                if (lua_isstring(L, -1))
                    lua_replace(L, -2);
                else
                    lua_pop(L, 1);
            }
            lua_pushboolean(L, 0);
            lua_insert(L, 1);
        }
        return lua_gettop(L);
    }

    // --- the rest of the redis table ---

    static int raise_error_table(lua_State* L, const char* message) {
        push_error_table(L, message);
        return lua_error(L);
    }

    static int lua_sha1hex(lua_State* L) {
        if (lua_gettop(L) != 1) return raise_error_table(L, "wrong number of arguments");
        std::size_t n = 0;
        const char* s = lua_tolstring(L, 1, &n);
        char digest[41];
        {
            const std::string hex =
                sha1_hex(std::string_view(s == nullptr ? "" : s, s == nullptr ? 0 : n));
            hex.copy(digest, 40);
        }
        digest[40] = '\0';
        lua_pushstring(L, digest);
        return 1;
    }

    static int lua_error_reply(lua_State* L) {
        if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
            push_error_table(L, "wrong number or type of arguments");
            return 1;
        }
        const char* err = lua_tostring(L, -1);
        if (err[0] == '-') {
            push_error_table(L, err);
        } else {
            std::string dashed = "-";
            dashed += err;
            push_error_table(L, dashed);
        }
        return 1;
    }

    static int lua_status_reply(lua_State* L) {
        if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
            push_error_table(L, "wrong number or type of arguments");
            return 1;
        }
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushvalue(L, -3);
        lua_settable(L, -3);
        return 1;
    }

    static int lua_set_repl(lua_State* L) {
        script_engine& e = self(L);
        if (e.m_run == nullptr)
            return raise_error_table(
                L, "redis.set_repl can only be called inside a script invocation");
        if (lua_gettop(L) != 1)
            return raise_error_table(L, "redis.set_repl() requires two arguments.");
        const int flags = static_cast<int>(lua_tonumber(L, -1));
        if ((flags & ~(repl_aof | repl_replica)) != 0)
            return raise_error_table(
                L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        e.m_run->repl = flags;
        return 0;
    }

    static int lua_setresp(lua_State* L) {
        script_engine& e = self(L);
        if (e.m_run == nullptr)
            return raise_error_table(L,
                                     "redis.setresp can only be called inside a script invocation");
        if (lua_gettop(L) != 1)
            return raise_error_table(L, "redis.setresp() requires one argument.");
        const int resp = static_cast<int>(lua_tonumber(L, 1));
        if (resp != 2 && resp != 3) return raise_error_table(L, "RESP version must be 2 or 3.");
        e.m_run->resp = resp;
        return 0;
    }

    static int lua_log(lua_State* L) {
        script_engine& e = self(L);
        const int argc = lua_gettop(L);
        if (argc < 2) return raise_error_table(L, "redis.log() requires two arguments or more.");
        if (!lua_isnumber(L, 1))
            return raise_error_table(L, "First argument must be a number (log level).");
        const int level = static_cast<int>(lua_tonumber(L, 1));
        if (level < 0 || level > 3) return raise_error_table(L, "Invalid debug level.");
        if (e.m_server == nullptr) return 0;
        {
            std::string text;
            for (int j = 2; j <= argc; ++j) {
                std::size_t n = 0;
                const char* s = lua_tolstring(L, j, &n);
                if (s == nullptr) continue;
                if (j != 2) text += ' ';
                text.append(s, n);
            }
            e.m_server->log(static_cast<server::log_level>(level), text);
        }
        return 0;
    }

    static int lua_acl_check_cmd(lua_State* L) {
        script_engine& e = self(L);
        if (e.m_run == nullptr)
            return raise_error_table(
                L, "redis.acl_check_cmd can only be called inside a script invocation");
        int verdict = 0; // 1 allowed, 0 denied, -1 bad arguments, -2 no such command
        {
            const int argc = lua_gettop(L);
            std::vector<std::string> argv;
            for (int j = 1; j <= argc; ++j) {
                std::size_t n = 0;
                const char* s = lua_tolstring(L, j, &n);
                if (s == nullptr) break;
                argv.emplace_back(s, n);
            }
            if (argc == 0 || static_cast<int>(argv.size()) != argc) {
                verdict = -1;
            } else {
                const std::vector<std::string_view> args(argv.begin(), argv.end());
                std::string error;
                const server::command_entry* entry = e.m_run->commands->resolve(args, error);
                if (entry == nullptr) {
                    verdict = -2;
                } else {
                    const server::acl_user& user = e.m_run->caller->user();
                    verdict = user.unrestricted() ||
                                      server::acl_check_command(
                                          user, e.m_run->commands->access().catalog(), *entry, args)
                                              .denial == server::acl_denial::none
                                  ? 1
                                  : 0;
                }
            }
        }
        if (verdict == -1)
            return raise_error_table(
                L, lua_gettop(L) == 0
                       ? "Please specify at least one argument for this redis lib call"
                       : "Lua redis lib command arguments must be strings or integers");
        if (verdict == -2)
            return raise_error_table(L, "Invalid command passed to redis.acl_check_cmd()");
        lua_pushboolean(L, verdict);
        return 1;
    }

    // The debugger's functions do nothing without the debugger, as in Redis.
    static int lua_breakpoint(lua_State* L) {
        lua_pushboolean(L, 0);
        return 1;
    }
    static int lua_debug(lua_State*) { return 0; }
    static int lua_replicate_commands(lua_State* L) {
        lua_pushboolean(L, 1);
        return 1;
    }

    // math.random and math.randomseed on Redis's lrand48, the same sequence everywhere.
    static constexpr std::int32_t lrand48_max = 2147483647;
    std::int32_t lrand48() noexcept {
        m_rand = (0x5DEECE66DULL * m_rand + 0xB) & ((1ULL << 48) - 1);
        return static_cast<std::int32_t>(m_rand >> 17);
    }
    static int lua_math_random(lua_State* L) {
        script_engine& e = self(L);
        if (e.m_run == nullptr)
            return luaL_error(L, "math.random can only be called inside a script invocation");
        const lua_Number r = static_cast<lua_Number>(e.lrand48() % lrand48_max) /
                             static_cast<lua_Number>(lrand48_max);
        switch (lua_gettop(L)) {
        case 0: lua_pushnumber(L, r); break;
        case 1: {
            const int u = luaL_checkint(L, 1);
            luaL_argcheck(L, 1 <= u, 1, "interval is empty");
            lua_pushnumber(L, std::floor(r * u) + 1);
            break;
        }
        case 2: {
            const int l = luaL_checkint(L, 1);
            const int u = luaL_checkint(L, 2);
            luaL_argcheck(L, l <= u, 2, "interval is empty");
            lua_pushnumber(L, std::floor(r * (static_cast<lua_Number>(u) - l + 1)) + l);
            break;
        }
        default: return luaL_error(L, "wrong number of arguments");
        }
        return 1;
    }
    static int lua_math_randomseed(lua_State* L) {
        script_engine& e = self(L);
        if (e.m_run == nullptr)
            return luaL_error(L, "math.randomseed can only be called inside a script invocation");
        const auto seed = static_cast<std::uint32_t>(luaL_checkint(L, 1));
        e.m_rand = (static_cast<std::uint64_t>(seed) << 16) | 0x330E;
        return 0;
    }

    lua_State* m_lua = nullptr;
    engine_kind m_kind = engine_kind::eval;
    std::vector<registered_function>* m_loading = nullptr; // the library loading now
    std::chrono::milliseconds m_load_timeout{0};
    std::unordered_map<std::string, cached_script> m_scripts;
    script_run* m_run = nullptr;
    server::server_context* m_server = nullptr;
    const server::command_entry* m_entry = nullptr; // the command admit() resolved
    std::uint64_t m_rand = 0x1234ABCD330EULL;       // lrand48's state, as Redis starts it
    int m_gc_count = 0;
    std::chrono::steady_clock::time_point m_start{}; // the run's start
    bool m_timed_out = false; // the run passed busy-reply-threshold
    bool m_killed = false;    // SCRIPT KILL was received
    bool m_abandoned = false; // the last run ended for a shutdown
    std::size_t m_used = 0;           // bytes the Lua state holds
    std::size_t m_limit = 1ULL << 30; // set_memory_limit

    // Lua's allocator, bounded: a script cannot size memory past the limit.
    static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
        auto* e = static_cast<script_engine*>(ud);
        if (nsize == 0) {
            std::free(ptr);
            e->m_used -= osize;
            return nullptr;
        }
        if (nsize > osize && e->m_used - osize + nsize > e->m_limit) return nullptr;
        void* p = std::realloc(ptr, nsize);
        if (p != nullptr) e->m_used = e->m_used - osize + nsize;
        return p;
    }
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

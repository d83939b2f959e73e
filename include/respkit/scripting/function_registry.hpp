#pragma once

/// \file
/// The function libraries of a server (Redis 7.0's functions.c): libraries by name, their
/// functions by name (any case), loaded from their code (`#!lua name=<lib>` and Lua that calls
/// redis.register_function) into a functions-kind script_engine, all or nothing; and the
/// payloads FUNCTION DUMP writes and FUNCTION RESTORE reads (docs/scripting.md).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/detail/split_args.hpp"
#include "respkit/rdb/crc64.hpp"
#include "respkit/rdb/cursor.hpp"
#include "respkit/rdb/dump_payload.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/scripting/script_engine.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

/// A library: its code as loaded (shebang included) and the functions it registered.
struct function_library {
    std::string name;                           ///< from the shebang's `name=`
    std::string engine = "LUA";                 ///< the engine that runs it
    std::string code;                           ///< the whole code, shebang line included
    std::vector<registered_function> functions; ///< sorted by name
};

/// FUNCTION RESTORE's policies.
enum class restore_policy {
    append,  ///< abort on a library that exists
    replace, ///< replace libraries that exist
    flush    ///< drop every library first
};

/// How long FUNCTION LOAD may run a library's code (Redis's LOAD_TIMEOUT_MS).
inline constexpr std::chrono::milliseconds function_load_timeout{500};

/// The server's libraries (one registry, not per database: FLUSHALL keeps them).
class function_registry {
public:
    /// Libraries load into `engine`, which must be of engine_kind::functions.
    explicit function_registry(std::shared_ptr<script_engine> engine)
        : m_engine(std::move(engine)) {}
    function_registry(const function_registry&) = delete;
    function_registry& operator=(const function_registry&) = delete;
    ~function_registry() { clear(); }

    /// The engine the functions run in.
    [[nodiscard]] script_engine& engine() const noexcept { return *m_engine; }

    /// Loads a library from `code` (FUNCTION LOAD [REPLACE]): returns its name, or "" with
    /// Redis's error (without "ERR ") in `error`; on an error nothing changed.
    [[nodiscard]] std::string load(std::string_view code, bool replace, std::string& error,
                                   std::chrono::milliseconds timeout = function_load_timeout,
                                   server::server_context* server = nullptr) {
        std::optional<function_library> library = compile(code, error, timeout, server, !replace);
        if (!library) return {};
        const auto old = m_libraries.find(library->name);
        for (const registered_function& f : library->functions) {
            const function_entry* other = find(f.name);
            if (other != nullptr && other->library != library->name) {
                error = "Function " + f.name + " already exists";
                m_engine->release(library->functions);
                return {};
            }
        }
        std::string name = library->name;
        if (old != m_libraries.end()) unlink(old->second.name);
        link(std::move(*library));
        ++m_changes;
        return name;
    }

    /// A function by name (any case), with its library's name.
    struct function_entry {
        const registered_function* function; ///< the function
        std::string library;                 ///< its library's name
    };
    /// The function named `name` (any case), or null.
    [[nodiscard]] const function_entry* find(std::string_view name) const {
        const auto it = m_functions.find(lower(name));
        return it == m_functions.end() ? nullptr : &it->second;
    }
    /// Deletes a library (FUNCTION DELETE); false when there is none of that name.
    bool remove(std::string_view name) {
        if (m_libraries.find(std::string(name)) == m_libraries.end()) return false;
        unlink(std::string(name));
        ++m_changes;
        return true;
    }
    /// Deletes every library (FUNCTION FLUSH).
    void clear() {
        while (!m_libraries.empty())
            unlink(m_libraries.begin()->first);
        ++m_changes;
    }
    /// The libraries, by name.
    [[nodiscard]] const std::map<std::string, function_library>& libraries() const noexcept {
        return m_libraries;
    }
    /// Bytes the libraries' codes and names hold (INFO used_memory_functions).
    [[nodiscard]] std::size_t memory_overhead() const noexcept {
        std::size_t n = 0;
        for (const auto& [name, library] : m_libraries) {
            n += sizeof(function_library) + library.name.size() + library.code.size();
            for (const registered_function& f : library.functions)
                n += sizeof(registered_function) + 2 * f.name.size() +
                     (f.description ? f.description->size() : 0);
        }
        return n;
    }
    /// Number of functions of every library.
    [[nodiscard]] std::size_t function_count() const noexcept { return m_functions.size(); }
    /// Counts every change (load, delete, flush, restore): the server's dirty counter's share.
    [[nodiscard]] std::uint64_t changes() const noexcept { return m_changes; }

    /// FUNCTION DUMP's payload: each library's code as an RDB_OPCODE_FUNCTION2 record, then the
    /// RDB version and a CRC64, as Redis writes it.
    [[nodiscard]] std::string dump() const {
        std::string payload = rdb::dump_payload_with([&](rdb::writer<rdb::string_sink>& w) {
            for (const auto& [name, library] : m_libraries) {
                if (!w.function(library.code)) return false;
            }
            return true;
        });
        if (m_libraries.empty()) { // nothing written: the footer alone
            payload.clear();
            rdb::finish_dump_payload(payload);
        }
        return payload;
    }

    /// The library codes of a FUNCTION DUMP payload, or Redis's error (without "ERR ").
    [[nodiscard]] static std::optional<std::vector<std::string>> read_dump(std::string_view payload,
                                                                           std::string& error) {
        if (payload.size() < 10) {
            error = rdb::dump_payload_wrong;
            return std::nullopt;
        }
        const auto* footer =
            reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
        const unsigned version = footer[0] | (footer[1] << 8);
        std::uint64_t stored = 0;
        for (int i = 7; i >= 0; --i)
            stored = (stored << 8) | footer[2 + i];
        if (version > rdb::rdb_version ||
            rdb::crc64(0, payload.substr(0, payload.size() - 8)) != stored) {
            error = rdb::dump_payload_wrong;
            return std::nullopt;
        }
        std::vector<std::string> codes;
        // As Redis: records are read while more than the footer's 10 bytes are left, and a
        // record's length may reach into the footer.
        rdb::detail::rdb_cursor in(payload);
        while (in.remaining() > 10) {
            std::uint8_t type = 0;
            if (!in.byte(type, "the type")) {
                error = "can not read data type";
                return std::nullopt;
            }
            if (type != rdb::opcode::function2 && type != rdb::opcode::function) {
                error = "given type is not a function";
                return std::nullopt;
            }
            if (type == rdb::opcode::function) {
                // Redis 7.0's release candidates' format: name, engine, description, code.
                std::string name, engine, description, blob;
                std::uint64_t has_description = 0;
                if (!in.string(name, "the library name")) {
                    error = "Failed loading library name";
                    return std::nullopt;
                }
                if (!in.string(engine, "the engine name")) {
                    error = "Failed loading engine name";
                    return std::nullopt;
                }
                if (!in.length(has_description, "the description indicator")) {
                    error = "Failed loading library description indicator";
                    return std::nullopt;
                }
                if (has_description != 0 && !in.string(description, "the description")) {
                    error = "Failed loading library description";
                    return std::nullopt;
                }
                if (!in.string(blob, "the library code")) {
                    error = "Failed loading library blob";
                    return std::nullopt;
                }
                codes.push_back("#!" + engine + " name=" + name + "\n" + blob);
                continue;
            }
            std::string code;
            if (!in.string(code, "a function library")) {
                error = "Failed loading library payload";
                return std::nullopt;
            }
            codes.push_back(std::move(code));
        }
        return codes;
    }

    /// Adds the libraries of `codes` (FUNCTION RESTORE, an RDB's FUNCTION2 records) as `policy`
    /// says: true, or false with Redis's error and nothing changed.
    bool restore(const std::vector<std::string>& codes, restore_policy policy, std::string& error,
                 server::server_context* server = nullptr) {
        std::vector<function_library> loaded;
        const auto release_all = [&] {
            for (const function_library& l : loaded)
                m_engine->release(l.functions);
        };
        for (const std::string& code : codes) {
            std::optional<function_library> library =
                compile(code, error, std::chrono::milliseconds(0), server);
            if (!library) {
                release_all();
                return false;
            }
            for (const function_library& other : loaded) {
                std::string clash;
                if (other.name == library->name)
                    clash = "Library '" + library->name + "' already exists";
                for (const registered_function& f : library->functions) {
                    for (const registered_function& g : other.functions) {
                        if (clash.empty() && lower(f.name) == lower(g.name))
                            clash = "Function " + f.name + " already exists";
                    }
                }
                if (!clash.empty()) {
                    error = clash;
                    m_engine->release(library->functions);
                    release_all();
                    return false;
                }
            }
            loaded.push_back(std::move(*library));
        }
        if (policy != restore_policy::flush) {
            // libraryJoin: libraries that exist abort (APPEND) or are replaced (REPLACE); a
            // function of another library that exists aborts either way.
            for (const function_library& l : loaded) {
                if (policy == restore_policy::append && m_libraries.count(l.name) != 0) {
                    error = "Library " + l.name + " already exists";
                    release_all();
                    return false;
                }
            }
            for (const function_library& l : loaded) {
                for (const registered_function& f : l.functions) {
                    const function_entry* other = find(f.name);
                    bool replaced = false;
                    for (const function_library& m : loaded)
                        replaced = replaced || (other != nullptr && other->library == m.name);
                    if (other != nullptr && !replaced) {
                        error = "Function " + f.name + " already exists";
                        release_all();
                        return false;
                    }
                }
            }
        } else {
            clear();
        }
        for (function_library& l : loaded) {
            if (m_libraries.count(l.name) != 0) unlink(l.name);
            link(std::move(l));
        }
        ++m_changes;
        return true;
    }

private:
    static std::string lower(std::string_view s) {
        std::string out(s);
        for (char& c : out)
            c = respkit::detail::ascii_lower(c);
        return out;
    }

    // The library `code` describes, compiled and run (functionsCreateWithLibraryCtx up to the
    // checks against the other libraries), or nullopt with the error.
    std::optional<function_library> compile(std::string_view code, std::string& error,
                                            std::chrono::milliseconds timeout,
                                            server::server_context* server,
                                            bool refuse_existing = false) {
        // functionExtractLibMetaData: the shebang line, split as Redis splits arguments.
        if (code.substr(0, 2) != "#!") {
            error = "Missing library metadata";
            return std::nullopt;
        }
        const std::size_t end = code.find('\n');
        if (end == std::string_view::npos) {
            error = "Invalid library metadata";
            return std::nullopt;
        }
        const std::optional<std::vector<std::string>> parts =
            respkit::detail::split_args(code.substr(0, end));
        if (!parts || parts->empty()) {
            error = "Invalid library metadata";
            return std::nullopt;
        }
        function_library library;
        const std::string engine = (*parts)[0].size() > 2 ? (*parts)[0].substr(2) : std::string();
        bool named = false;
        for (std::size_t i = 1; i < parts->size(); ++i) {
            const std::string& part = (*parts)[i];
            if (part.size() >= 5 &&
                respkit::detail::ascii_iequals(std::string_view(part).substr(0, 5), "name=")) {
                if (named) {
                    error = "Invalid metadata value, name argument was given multiple times";
                    return std::nullopt;
                }
                library.name = part.substr(5);
                named = true;
                continue;
            }
            error = "Invalid metadata value given: " + part;
            return std::nullopt;
        }
        if (!named) {
            error = "Library name was not given";
            return std::nullopt;
        }
        if (!script_engine::valid_name(library.name)) {
            error =
                "Library names can only contain letters, numbers, or underscores(_) and must be at "
                "least one character long";
            return std::nullopt;
        }
        if (!respkit::detail::ascii_iequals(engine, "lua")) {
            error = "Engine '" + engine + "' not found";
            return std::nullopt;
        }
        if (refuse_existing && m_libraries.count(library.name) != 0) {
            error = "Library '" + library.name + "' already exists";
            return std::nullopt;
        }
        error = m_engine->load_library(code.substr(end), library.functions, timeout, server);
        if (!error.empty()) return std::nullopt;
        if (library.functions.empty()) {
            error = "No functions registered";
            return std::nullopt;
        }
        std::sort(library.functions.begin(), library.functions.end(),
                  [](const registered_function& a, const registered_function& b) {
                      return a.name < b.name;
                  });
        library.code.assign(code);
        return library;
    }

    void link(function_library library) {
        const std::string name = library.name;
        auto [it, inserted] = m_libraries.insert_or_assign(name, std::move(library));
        (void)inserted;
        for (const registered_function& f : it->second.functions)
            m_functions.emplace(lower(f.name), function_entry{&f, name});
    }
    void unlink(const std::string& name) {
        const auto it = m_libraries.find(name);
        if (it == m_libraries.end()) return;
        for (const registered_function& f : it->second.functions) {
            const auto found = m_functions.find(lower(f.name));
            if (found != m_functions.end() && found->second.function == &f)
                m_functions.erase(found);
        }
        m_engine->release(it->second.functions);
        m_libraries.erase(it);
    }

    std::shared_ptr<script_engine> m_engine;
    std::map<std::string, function_library> m_libraries;
    std::map<std::string, function_entry> m_functions; // by lower-case name
    std::uint64_t m_changes = 0;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

#pragma once

/// \file
/// What the scripting layer (commands/scripting.hpp, which needs Lua) lends the rest of the
/// server, which knows nothing of Lua: the figures INFO memory shows, and the function
/// libraries for the RDB file and the append-only file's rewrite. Empty until the scripting
/// commands are installed with the server's context.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// INFO memory's scripting figures (Redis 7.0's used_memory_lua ... used_memory_scripts).
struct scripting_memory {
    std::size_t vm_eval = 0;        ///< bytes EVAL's Lua state holds (used_memory_vm_eval)
    std::size_t scripts_eval = 0;   ///< bytes of the cached scripts (used_memory_scripts_eval)
    std::size_t cached_scripts = 0; ///< number_of_cached_scripts
    std::size_t functions = 0;      ///< number_of_functions
    std::size_t libraries = 0;      ///< number_of_libraries
    std::size_t vm_functions =
        0; ///< bytes the functions' Lua state holds (used_memory_vm_functions)
    std::size_t functions_memory =
        0; ///< bytes of the libraries' codes and names (used_memory_functions)
};

/// The hooks; each may be empty.
struct scripting_hooks {
    /// INFO memory's scripting figures.
    std::function<scripting_memory()> memory;
    /// The function libraries' codes (shebang included), for FUNCTION2 records and rewrites.
    std::function<std::vector<std::string>()> library_codes;
    /// Loads a library read from an RDB file; "" or the error. `replace`: a library of that
    /// name is replaced (a load that merges into the dataset).
    std::function<std::string(std::string_view code, bool replace)> load_library;
    /// Drops every library (a load that replaces the dataset).
    std::function<void()> flush_libraries;
};

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::server

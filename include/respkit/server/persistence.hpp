#pragma once

/// \file
/// What the persistence commands (SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF, SHUTDOWN's saving,
/// DEBUG RELOAD, INFO persistence) ask of the server that owns the files. The commands are
/// transport-free; the application that writes snapshots and the append-only file (app::server)
/// installs these hooks. A hook left empty means the server has no such persistence, and its
/// command says so.

#include <respkit/version.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The outcome of a persistence request: an error reply ("ERR ...", without CRLF) or, when
/// `error` is empty, the status text to answer (may be empty for commands answering +OK).
struct persistence_result {
    std::string error;  ///< the error reply, or ""
    std::string status; ///< the status reply when there is no error
};

/// SHUTDOWN's saving choice.
enum class shutdown_saving {
    configured, ///< save when save points are configured, and flush the append-only file (SHUTDOWN, SIGTERM)
    save,       ///< save even without save points (SHUTDOWN SAVE)
    nosave,     ///< do not save (SHUTDOWN NOSAVE)
};

/// INFO persistence's fields, in order (name, value).
using info_fields = std::vector<std::pair<std::string, std::string>>;

/// The hooks the persistence commands call; each may be empty.
struct persistence_hooks {
    /// SAVE: writes a snapshot now.
    std::function<persistence_result()> save;
    /// BGSAVE [SCHEDULE] (`schedule`): starts a background snapshot.
    std::function<persistence_result(bool schedule)> background_save;
    /// LASTSAVE: the Unix time of the last successful save.
    std::function<std::int64_t()> last_save;
    /// BGREWRITEAOF: starts a rewrite of the append-only file.
    std::function<persistence_result()> rewrite_append_only;
    /// Before a shutdown: saves as asked; an error cancels the shutdown (unless forced by the caller).
    std::function<persistence_result(shutdown_saving saving)> before_shutdown;
    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless `nosave`), empties the dataset
    /// (unless `noflush`) and loads the snapshot again.
    std::function<persistence_result(bool merge, bool noflush, bool nosave)> reload;
    /// INFO persistence's fields.
    std::function<void(info_fields& fields)> info;
};

} // namespace respkit::server

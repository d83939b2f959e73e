#pragma once

/// \file
/// The checks a command passes before it runs: an ordered list, in Redis's order, that the
/// dispatcher holds and other parts extend by registering a check at a stage.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "respkit/detail/function.hpp"

#include "respkit/server/command.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

struct command_entry;

/// Where a check runs among the others. The stages follow Redis 7.0's processCommand; the
/// command's existence and arity are checked first, by the dispatcher's lookup, and queueing
/// inside MULTI comes after every check.
enum class check_stage : std::uint16_t {
    authentication = 100, ///< NOAUTH: the client must authenticate first
    transaction = 200,    ///< a command not allowed inside MULTI
    acl = 300,            ///< NOPERM: the user may not run the command or touch the keys
    cluster = 400,        ///< MOVED / ASK / CROSSSLOT: the keys live elsewhere
    out_of_memory = 500,  ///< OOM: a command that may grow memory above maxmemory
    persistence = 600,    ///< MISCONF: writes refused after a failed save
    subscribed = 700,     ///< RESP2 subscribed mode allows only (un)subscribe, PING, QUIT, RESET
    loading = 800,        ///< LOADING: the dataset is being loaded
    busy = 900,           ///< BUSY: a script past busy-reply-threshold is running
};

/// What the checks see of the script running a command (origin `script`), and what they keep
/// across its commands: the cluster check's slot (Redis's original client's `slot`).
struct script_call_state {
    std::span<const std::string_view> declared_keys; ///< the keys EVAL / FCALL declared
    /// The script may reach keys of several slots (`allow-cross-slot-keys`, or EVAL without a shebang).
    bool allow_cross_slot = false;
    bool obeyed = false;           ///< the script runs for a command loaded from a file: no cluster check
    int slot = -2;                 ///< the slot its keys hash to: -1 none yet, -2 not computed yet
};

/// A resolved command about to run, as the checks see it: the command, where it comes from, and
/// the state of its connection that the built-in checks need.
struct pending_command {
    const command_entry& entry;             ///< the command (or subcommand)
    std::span<const std::string_view> args; ///< its arguments, name first
    session& client;                        ///< the connection it runs for
    server_context& server;                 ///< the server it runs in
    const dispatcher& commands;             ///< the dispatcher running it
    command_origin origin;                  ///< where it comes from
    bool authenticated;                     ///< the client authenticated (or connected with no password set)
    bool in_multi;                          ///< the client is between MULTI and EXEC
    bool subscribed_resp2;                  ///< the client is in RESP2 subscribed mode
    command_flag queued_flags = command_flag::none;         ///< EXEC: every flag of a queued command
    command_flag queued_missing_flags = command_flag::none; ///< EXEC: every flag some queued command lacks
    script_call_state* script = nullptr; ///< origin `script`: the running script's state
};

/// A check: returns "" to let the command go on, or the error reply that rejects it (without
/// `-`, e.g. "NOAUTH Authentication required."). It sees the origin and decides whether it
/// applies (a command loaded from a file skips authentication and limits).
using command_check = std::function<std::string(const pending_command& command)>;

/// A registered check.
struct registered_check {
    check_stage stage;   ///< where it runs
    std::string name;    ///< what it is, for docs and tests ("authentication")
    command_check check; ///< the check
    /// Optional: true when a command surely passes, tried first so that the common case costs no
    /// call through `check` (the built-in checks have one; every command runs them).
    bool (*passes)(const pending_command& command) = nullptr;
};

} // namespace respkit::server

#pragma once

/// \file
/// What the pops over several keys share (BLPOP BRPOP LMPOP BLMPOP BLMOVE BRPOPLPUSH, BZPOPMIN
/// BZPOPMAX ZMPOP BZMPOP): what a pop did, the MPOP commands' arguments, and blocking the client
/// when there is nothing to serve yet.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "respkit/commands/key_events.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// What a pop or move over keys that may all be empty did.
enum class pop_result : std::uint8_t {
    served, ///< replied with what it took
    empty,  ///< found nothing and wrote nothing (LMOVE and the MPOPs reply null, the blocking forms block)
    failed, ///< replied with an error
};

/// LMPOP's and ZMPOP's arguments (BLMPOP's and BZMPOP's after the timeout):
/// numkeys key [key ...] <where> [COUNT count].
template <class Where>
struct mpop_arguments {
    std::size_t first_key = 0; ///< index of the first key
    std::size_t last_key = 0;  ///< one past the last key (the `where` argument)
    Where where{};             ///< the end to pop from: LEFT|RIGHT, MIN|MAX
    std::uint64_t count = 1;   ///< how many elements at most
};

/// Reads MPOP arguments from `numkeys_index` on, in Redis's order (numkeys, where, options: its
/// lmpopGenericCommand and zmpopGenericCommand); `where_arg(call, i)` reads the end to pop from,
/// or replies the error and returns nullopt. nullopt after an error reply.
template <class WhereArg,
          class Where = typename std::invoke_result_t<WhereArg&, server::command_call&, std::size_t>::value_type>
[[nodiscard]] std::optional<mpop_arguments<Where>> mpop_args(server::command_call& call, std::size_t numkeys_index,
                                                             WhereArg where_arg) {
    std::int64_t numkeys = 0;
    if (!respkit::detail::parse_int64(call.arg(numkeys_index), numkeys) || numkeys < 1) {
        call.error("ERR numkeys should be greater than 0");
        return std::nullopt;
    }
    if (static_cast<std::uint64_t>(numkeys) >= call.argc() - numkeys_index - 1) {
        call.error(server::errors::syntax);
        return std::nullopt;
    }
    const std::size_t where_index = numkeys_index + 1 + static_cast<std::size_t>(numkeys);
    const std::optional<Where> where = where_arg(call, where_index);
    if (!where) return std::nullopt;
    std::int64_t count = -1;
    for (std::size_t j = where_index + 1; j < call.argc(); ++j) {
        if (count == -1 && option_is(call.arg(j), "COUNT") && j + 1 < call.argc()) {
            if (!respkit::detail::parse_int64(call.arg(++j), count) || count < 1) {
                call.error("ERR count should be greater than 0");
                return std::nullopt;
            }
        } else {
            call.error(server::errors::syntax);
            return std::nullopt;
        }
    }
    return mpop_arguments<Where>{numkeys_index + 1, where_index, *where,
                                 count == -1 ? 1 : static_cast<std::uint64_t>(count)};
}

/// Blocks the client on `keys` (nothing to serve yet), attaching the keyspace's relay to the
/// server first so that changes to the keys reach it.
template <class Keyspace>
void block_on(server::command_call& call, key_event_relay<Keyspace>& relay, std::span<const std::string_view> keys,
              std::chrono::milliseconds timeout, server::session::timeout_reply on_timeout) {
    relay.attach(call.server());
    call.client().block(keys, timeout, on_timeout, call.args());
}

} // namespace respkit::commands

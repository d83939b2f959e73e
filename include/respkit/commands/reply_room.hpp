#pragma once

/// \file
/// Replies whose length a request's count decides (SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with
/// a negative count): abandoned before any of it is written when they cannot fit in the
/// client's output limit, instead of being written until the limit refuses a byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "respkit/server/call.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The shortest bulk string a reply can hold: "$0\r\n\r\n".
inline constexpr std::size_t min_bulk_string_bytes = 6;

/// Throws server::reply_limit_exceeded, which abandons the command's reply and closes the
/// connection as the output limit does when it refuses a byte, when `elements` elements of at
/// least `min_bytes` bytes each cannot fit in the room the client's output limit leaves.
inline void require_reply_room(server::command_call& call, std::uint64_t elements, std::size_t min_bytes) {
    const server::reply_buffer& out = call.reply().sink();
    const std::size_t room = out.limit() - std::min(out.limit(), out.pending_size());
    if (elements > room / min_bytes) throw server::reply_limit_exceeded();
}

} // namespace respkit::commands

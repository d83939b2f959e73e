#pragma once

/// \file
/// The bitmap commands' work on a string's bytes, apart from any keyspace: bit offsets and
/// ranges as Redis reads them, word-at-a-time counting and searching, BITOP and BITFIELD's
/// integer fields (bit 0 is the most significant bit of the first byte, as in Redis).

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace bitmap_detail {

using server::command_call;

/// Argument `i` as a bit offset (Redis's getBitOffsetFromArgument): non-negative, its byte
/// below proto-max-bulk-len (not checked for what a file being loaded replays); with `bits` > 0,
/// "#n" means n * bits (BITFIELD). Nullopt after replying "ERR bit offset is not an integer or
/// out of range".
[[nodiscard]] inline std::optional<std::uint64_t> bit_offset_arg(command_call& call, std::size_t i, int bits) {
    std::string_view text = call.arg(i);
    const bool hash = bits > 0 && !text.empty() && text.front() == '#';
    if (hash) text.remove_prefix(1);
    std::int64_t offset = 0;
    bool ok = respkit::detail::parse_int64(text, offset);
    if (ok && hash) ok = !__builtin_mul_overflow(offset, bits, &offset);
    const bool obeyed = call.origin() == server::command_origin::loading;
    if (!ok || offset < 0 ||
        (!obeyed && static_cast<std::uint64_t>(offset >> 3) >= call.client().options().request_limits.max_bulk_length)) {
        call.error("ERR bit offset is not an integer or out of range");
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(offset);
}

/// The bit at `offset` of `bytes` (0 past the end).
[[nodiscard]] inline bool get_bit(std::string_view bytes, std::uint64_t offset) noexcept {
    const std::uint64_t byte = offset >> 3;
    if (byte >= bytes.size()) return false;
    return ((static_cast<unsigned char>(bytes[static_cast<std::size_t>(byte)]) >> (7 - (offset & 7))) & 1u) != 0;
}

/// The number of set bits in `bytes`, counted eight bytes at a time.
[[nodiscard]] inline std::uint64_t popcount(std::string_view bytes) noexcept {
    const char* p = bytes.data();
    const std::size_t n = bytes.size();
    std::uint64_t count = 0;
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        std::uint64_t w[4];
        std::memcpy(w, p + i, sizeof w);
        count += static_cast<std::uint64_t>(std::popcount(w[0]) + std::popcount(w[1]) + std::popcount(w[2]) +
                                            std::popcount(w[3]));
    }
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p + i, sizeof w);
        count += static_cast<std::uint64_t>(std::popcount(w));
    }
    for (; i < n; ++i) count += static_cast<std::uint64_t>(std::popcount(static_cast<unsigned char>(p[i])));
    return count;
}

/// The first bit equal to `bit` among bits [from, to] of `bytes` (bits past the end read 0),
/// skipping whole words that cannot hold it; nullopt when there is none.
[[nodiscard]] inline std::optional<std::uint64_t> find_bit(std::string_view bytes, std::uint64_t from,
                                                           std::uint64_t to, bool bit) noexcept {
    std::uint64_t pos = from;
    for (; pos <= to && (pos & 7) != 0; ++pos) {
        if (get_bit(bytes, pos) == bit) return pos;
    }
    if (pos > to) return std::nullopt;
    // Whole bytes [first, last) lie inside the range.
    std::size_t byte = static_cast<std::size_t>(pos >> 3);
    const std::size_t last = static_cast<std::size_t>(std::min<std::uint64_t>((to + 1) >> 3, bytes.size()));
    const unsigned char skip = bit ? 0x00 : 0xFF;
    const std::uint64_t skip_word = bit ? 0 : ~std::uint64_t{0};
    for (; byte + 8 <= last; byte += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, bytes.data() + byte, sizeof w);
        if (w != skip_word) break;
    }
    for (; byte < last; ++byte) {
        const auto b = static_cast<unsigned char>(bytes[byte]);
        if (b != skip) {
            const auto probe = static_cast<unsigned char>(bit ? b : static_cast<unsigned char>(~b));
            return std::uint64_t{byte} * 8 + static_cast<std::uint64_t>(std::countl_zero(probe));
        }
    }
    for (pos = std::max<std::uint64_t>(pos, std::uint64_t{byte} * 8); pos <= to; ++pos) {
        if (get_bit(bytes, pos) == bit) return pos;
    }
    return std::nullopt;
}

/// Reads BITCOUNT's and BITPOS's BYTE|BIT argument `i`: nullopt after a syntax error.
[[nodiscard]] inline std::optional<bool> bit_unit_arg(command_call& call, std::size_t i) {
    if (iequals(call.arg(i), "bit")) return true;
    if (iequals(call.arg(i), "byte")) return false;
    call.error(server::errors::syntax);
    return std::nullopt;
}

/// Clamps [start, end] to a string of `total` units (bytes or bits) as Redis's BITCOUNT and
/// BITPOS do (negative indexes count from the end); start > end afterwards means empty.
inline void clamp_range(std::int64_t& start, std::int64_t& end, std::int64_t total) noexcept {
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
}

/// BITCOUNT's reply over the string `bytes`, from its arguments 2 on.
inline void bitcount_reply(command_call& call, std::string_view bytes) {
    const std::size_t argc = call.argc();
    if (argc == 2) {
        call.reply().integer(static_cast<std::int64_t>(popcount(bytes)));
        return;
    }
    if (argc != 4 && argc != 5) {
        call.error(server::errors::syntax);
        return;
    }
    auto start = integer_arg(call, 2);
    if (!start) return;
    auto end = integer_arg(call, 3);
    if (!end) return;
    if (*start < 0 && *end < 0 && *start > *end) {
        call.reply().integer(0);
        return;
    }
    bool in_bits = false;
    if (argc == 5) {
        const auto unit = bit_unit_arg(call, 4);
        if (!unit) return;
        in_bits = *unit;
    }
    const auto length = static_cast<std::int64_t>(bytes.size());
    clamp_range(*start, *end, in_bits ? length * 8 : length);
    if (*start > *end) {
        call.reply().integer(0);
        return;
    }
    if (!in_bits) {
        const auto from = static_cast<std::size_t>(*start);
        call.reply().integer(static_cast<std::int64_t>(popcount(bytes.substr(from, static_cast<std::size_t>(*end) + 1 - from))));
        return;
    }
    const auto first = static_cast<std::size_t>(*start >> 3), last = static_cast<std::size_t>(*end >> 3);
    std::uint64_t count = popcount(bytes.substr(first, last + 1 - first));
    // Take away the bits of the edge bytes outside the range.
    const unsigned before = ~((1u << (8 - (*start & 7))) - 1) & 0xFFu;
    const unsigned after = (1u << (7 - (*end & 7))) - 1;
    count -= static_cast<std::uint64_t>(std::popcount(static_cast<unsigned char>(bytes[first]) & before));
    count -= static_cast<std::uint64_t>(std::popcount(static_cast<unsigned char>(bytes[last]) & after));
    call.reply().integer(static_cast<std::int64_t>(count));
}

/// BITPOS's reply over the string `bytes` looking for `bit`, from its arguments 3 on.
inline void bitpos_reply(command_call& call, std::string_view bytes, bool bit) {
    const std::size_t argc = call.argc();
    const auto length = static_cast<std::int64_t>(bytes.size());
    std::int64_t start = 0, end = length - 1;
    bool in_bits = false, end_given = false;
    if (argc >= 4 && argc <= 6) {
        const auto s = integer_arg(call, 3);
        if (!s) return;
        start = *s;
        if (argc == 6) {
            const auto unit = bit_unit_arg(call, 5);
            if (!unit) return;
            in_bits = *unit;
        }
        if (argc >= 5) {
            const auto e = integer_arg(call, 4);
            if (!e) return;
            end = *e;
            end_given = true;
        }
        clamp_range(start, end, in_bits ? length * 8 : length);
    } else if (argc != 3) {
        call.error(server::errors::syntax);
        return;
    }
    if (start > end) {
        call.reply().integer(-1);
        return;
    }
    const auto from = static_cast<std::uint64_t>(in_bits ? start : start * 8);
    const auto to = static_cast<std::uint64_t>(in_bits ? end : end * 8 + 7);
    const auto found = find_bit(bytes, from, to, bit);
    if (found) {
        call.reply().integer(static_cast<std::int64_t>(*found));
    } else {
        // No clear bit in the string: the zero padding right after it, unless an end was given.
        call.reply().integer(bit || end_given ? -1 : static_cast<std::int64_t>(to + 1));
    }
}

/// BITOP's operations.
enum class bitop { and_, or_, xor_, not_ };

/// The operation BITOP names `name` (case-insensitive), or nullopt.
[[nodiscard]] inline std::optional<bitop> bitop_from_name(std::string_view name) noexcept {
    if (iequals(name, "and")) return bitop::and_;
    if (iequals(name, "or")) return bitop::or_;
    if (iequals(name, "xor")) return bitop::xor_;
    if (iequals(name, "not")) return bitop::not_;
    return std::nullopt;
}

/// `op` over `sources` (missing keys as empty strings, shorter strings zero-padded): as long
/// as the longest source; empty when every source is.
[[nodiscard]] inline std::string bitop_apply(bitop op, std::span<const std::string_view> sources) {
    std::size_t longest = 0;
    for (const std::string_view s : sources) longest = std::max(longest, s.size());
    std::string out(longest, '\0');
    if (longest == 0) return out;
    auto* r = reinterpret_cast<unsigned char*>(out.data());
    const std::string_view first = sources[0];
    std::memcpy(r, first.data(), first.size());
    if (op == bitop::not_) {
        for (std::size_t j = 0; j < longest; ++j) r[j] = static_cast<unsigned char>(~r[j]);
        return out;
    }
    for (std::size_t i = 1; i < sources.size(); ++i) {
        const auto* s = reinterpret_cast<const unsigned char*>(sources[i].data());
        const std::size_t n = sources[i].size();
        switch (op) {
        case bitop::and_:
            for (std::size_t j = 0; j < n; ++j) r[j] &= s[j];
            std::memset(r + n, 0, longest - n);
            break;
        case bitop::or_:
            for (std::size_t j = 0; j < n; ++j) r[j] |= s[j];
            break;
        case bitop::xor_:
            for (std::size_t j = 0; j < n; ++j) r[j] ^= s[j];
            break;
        case bitop::not_: break;
        }
    }
    return out;
}

/// BITFIELD's overflow behaviours.
enum class bitfield_overflow { wrap, sat, fail };

/// One BITFIELD subcommand, parsed.
struct bitfield_op {
    enum class kind { get, set, incrby } op = kind::get;
    std::uint64_t offset = 0; ///< first bit of the field
    std::int64_t value = 0;   ///< SET's value or INCRBY's increment
    int bits = 0;             ///< field width, 1 to 64 (63 unsigned)
    bool is_signed = false;
    bitfield_overflow overflow = bitfield_overflow::wrap;
};

/// Reads a BITFIELD type ("i16", "u8") from argument `i`: false after Redis's error.
[[nodiscard]] inline bool bitfield_type_arg(command_call& call, std::size_t i, bitfield_op& op) {
    const std::string_view text = call.arg(i);
    std::int64_t bits = 0;
    const bool ok = !text.empty() && (text[0] == 'i' || text[0] == 'u') &&
                    respkit::detail::parse_int64(text.substr(1), bits) && bits >= 1 &&
                    bits <= (text[0] == 'i' ? 64 : 63);
    if (!ok) {
        call.error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
        return false;
    }
    op.is_signed = text[0] == 'i';
    op.bits = static_cast<int>(bits);
    return true;
}

/// Parses BITFIELD's subcommands from argument 2 on into `ops`: false after an error reply.
[[nodiscard]] inline bool parse_bitfield_ops(command_call& call, std::vector<bitfield_op>& ops) {
    bitfield_overflow overflow = bitfield_overflow::wrap;
    for (std::size_t j = 2; j < call.argc(); ++j) {
        const std::size_t left = call.argc() - j - 1;
        const std::string_view sub = call.arg(j);
        bitfield_op op;
        if (iequals(sub, "get") && left >= 2) {
            op.op = bitfield_op::kind::get;
        } else if (iequals(sub, "set") && left >= 3) {
            op.op = bitfield_op::kind::set;
        } else if (iequals(sub, "incrby") && left >= 3) {
            op.op = bitfield_op::kind::incrby;
        } else if (iequals(sub, "overflow") && left >= 1) {
            const std::string_view name = call.arg(++j);
            if (iequals(name, "wrap")) {
                overflow = bitfield_overflow::wrap;
            } else if (iequals(name, "sat")) {
                overflow = bitfield_overflow::sat;
            } else if (iequals(name, "fail")) {
                overflow = bitfield_overflow::fail;
            } else {
                call.error("ERR Invalid OVERFLOW type specified");
                return false;
            }
            continue;
        } else {
            call.error(server::errors::syntax);
            return false;
        }
        if (!bitfield_type_arg(call, j + 1, op)) return false;
        const auto offset = bit_offset_arg(call, j + 2, op.bits);
        if (!offset) return false;
        op.offset = *offset;
        op.overflow = overflow;
        if (op.op != bitfield_op::kind::get) {
            const auto v = integer_arg(call, j + 3);
            if (!v) return false;
            op.value = *v;
        }
        ops.push_back(op);
        j += op.op == bitfield_op::kind::get ? 2 : 3;
    }
    return true;
}

/// True when some operation writes (SET or INCRBY).
[[nodiscard]] inline bool bitfield_writes(std::span<const bitfield_op> ops) noexcept {
    for (const bitfield_op& op : ops) {
        if (op.op != bitfield_op::kind::get) return true;
    }
    return false;
}

/// The last bit any writing operation touches.
[[nodiscard]] inline std::uint64_t bitfield_highest_write(std::span<const bitfield_op> ops) noexcept {
    std::uint64_t highest = 0;
    for (const bitfield_op& op : ops) {
        if (op.op != bitfield_op::kind::get)
            highest = std::max(highest, op.offset + static_cast<std::uint64_t>(op.bits) - 1);
    }
    return highest;
}

/// True when BITFIELD's arguments only read (Redis's bitfieldGetKeys: GET and OVERFLOW only;
/// anything else, a syntax error included, counts as a write).
[[nodiscard]] inline bool bitfield_args_read_only(std::span<const std::string_view> args) noexcept {
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::size_t left = args.size() - i - 1;
        if (iequals(args[i], "get") && left >= 2) {
            i += 2;
        } else if (iequals(args[i], "overflow") && left >= 1) {
            i += 1;
        } else {
            return false;
        }
    }
    return true;
}

/// The `bits`-wide unsigned field at bit `offset` of `bytes` (bits past the end read 0).
[[nodiscard]] inline std::uint64_t get_field(std::string_view bytes, std::uint64_t offset, int bits) noexcept {
    std::uint64_t v = 0;
    for (int j = 0; j < bits; ++j) v = (v << 1) | (get_bit(bytes, offset + static_cast<std::uint64_t>(j)) ? 1u : 0u);
    return v;
}

/// The `bits`-wide field at bit `offset` read as two's complement.
[[nodiscard]] inline std::int64_t get_signed_field(std::string_view bytes, std::uint64_t offset, int bits) noexcept {
    std::uint64_t v = get_field(bytes, offset, bits);
    if (bits < 64 && (v >> (bits - 1)) != 0) v |= ~std::uint64_t{0} << bits;
    return static_cast<std::int64_t>(v);
}

/// Writes the low `bits` bits of `v` at bit `offset` of `bytes`, which holds them.
inline void set_field(std::string& bytes, std::uint64_t offset, int bits, std::uint64_t v) noexcept {
    for (int j = 0; j < bits; ++j, ++offset) {
        auto& byte = reinterpret_cast<unsigned char&>(bytes[static_cast<std::size_t>(offset >> 3)]);
        const unsigned mask = 1u << (7 - (offset & 7));
        const bool on = ((v >> (bits - 1 - j)) & 1u) != 0;
        byte = static_cast<unsigned char>(on ? (byte | mask) : (byte & ~mask));
    }
}

/// Whether `value + incr` overflows an unsigned `bits`-wide field (Redis's
/// checkUnsignedBitfieldOverflow, its arithmetic included): 1 over, -1 under, 0 neither; on
/// overflow `limit` gets what WRAP or SAT store.
[[nodiscard]] inline int unsigned_overflow(std::uint64_t value, std::int64_t incr, int bits, bitfield_overflow how,
                                           std::uint64_t& limit) noexcept {
    const std::uint64_t max = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    const auto max_incr = static_cast<std::int64_t>(max - value);
    const auto min_incr = static_cast<std::int64_t>(std::uint64_t{0} - value);
    const auto wrapped = (value + static_cast<std::uint64_t>(incr)) & max;
    if (value > max || (incr > 0 && incr > max_incr)) {
        limit = how == bitfield_overflow::wrap ? wrapped : max;
        return 1;
    }
    if (incr < 0 && incr < min_incr) {
        limit = how == bitfield_overflow::wrap ? wrapped : 0;
        return -1;
    }
    return 0;
}

/// The same for a signed field (Redis's checkSignedBitfieldOverflow, its arithmetic included).
[[nodiscard]] inline int signed_overflow(std::int64_t value, std::int64_t incr, int bits, bitfield_overflow how,
                                         std::int64_t& limit) noexcept {
    const std::int64_t max =
        bits == 64 ? INT64_MAX : static_cast<std::int64_t>((std::uint64_t{1} << (bits - 1)) - 1);
    const std::int64_t min = -max - 1;
    const auto uvalue = static_cast<std::uint64_t>(value);
    const auto max_incr = static_cast<std::int64_t>(static_cast<std::uint64_t>(max) - uvalue);
    const auto min_incr = static_cast<std::int64_t>(static_cast<std::uint64_t>(min) - uvalue);
    const auto wrap = [&] {
        std::uint64_t c = uvalue + static_cast<std::uint64_t>(incr);
        if (bits < 64) {
            const std::uint64_t mask = ~std::uint64_t{0} << bits;
            c = (c >> (bits - 1)) & 1u ? (c | mask) : (c & ~mask);
        }
        return static_cast<std::int64_t>(c);
    };
    if (value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)) {
        limit = how == bitfield_overflow::wrap ? wrap() : max;
        return 1;
    }
    if (value < min || (bits != 64 && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr)) {
        limit = how == bitfield_overflow::wrap ? wrap() : min;
        return -1;
    }
    return 0;
}

/// Replies to BITFIELD's operations, all GETs, over `bytes`.
inline void reply_bitfield_gets(command_call& call, std::span<const bitfield_op> ops, std::string_view bytes) {
    call.reply().array(ops.size());
    for (const bitfield_op& op : ops) {
        call.reply().integer(op.is_signed ? get_signed_field(bytes, op.offset, op.bits)
                                          : static_cast<std::int64_t>(get_field(bytes, op.offset, op.bits)));
    }
}

/// Runs BITFIELD's operations on `bytes` (long enough for every write) and replies; returns how
/// many changed it (every write counts when the string was created or grown, as Redis).
inline std::size_t run_bitfield_ops(command_call& call, std::span<const bitfield_op> ops, std::string& bytes,
                                    bool grown) {
    std::size_t changes = 0;
    call.reply().array(ops.size());
    for (const bitfield_op& op : ops) {
        const bool incr = op.op == bitfield_op::kind::incrby;
        if (op.op == bitfield_op::kind::get) {
            call.reply().integer(op.is_signed ? get_signed_field(bytes, op.offset, op.bits)
                                              : static_cast<std::int64_t>(get_field(bytes, op.offset, op.bits)));
            continue;
        }
        bool failed = false, changed = false;
        if (op.is_signed) {
            const std::int64_t old = get_signed_field(bytes, op.offset, op.bits);
            std::int64_t limit = 0;
            const int over = incr ? signed_overflow(old, op.value, op.bits, op.overflow, limit)
                                  : signed_overflow(op.value, 0, op.bits, op.overflow, limit);
            const std::int64_t fresh =
                over != 0 ? limit : (incr ? static_cast<std::int64_t>(static_cast<std::uint64_t>(old) +
                                                                      static_cast<std::uint64_t>(op.value))
                                          : op.value);
            failed = over != 0 && op.overflow == bitfield_overflow::fail;
            if (!failed) {
                call.reply().integer(incr ? fresh : old);
                set_field(bytes, op.offset, op.bits, static_cast<std::uint64_t>(fresh));
                changed = old != fresh;
            }
        } else {
            const std::uint64_t old = get_field(bytes, op.offset, op.bits);
            std::uint64_t limit = 0;
            const int over = incr ? unsigned_overflow(old, op.value, op.bits, op.overflow, limit)
                                  : unsigned_overflow(static_cast<std::uint64_t>(op.value), 0, op.bits, op.overflow, limit);
            const std::uint64_t fresh =
                over != 0 ? limit : (incr ? old + static_cast<std::uint64_t>(op.value) : static_cast<std::uint64_t>(op.value));
            failed = over != 0 && op.overflow == bitfield_overflow::fail;
            if (!failed) {
                call.reply().integer(static_cast<std::int64_t>(incr ? fresh : old));
                set_field(bytes, op.offset, op.bits, fresh);
                changed = old != fresh;
            }
        }
        if (failed) {
            call.reply().null();
        } else if (grown || changed) {
            ++changes;
        }
    }
    return changes;
}

} // namespace bitmap_detail

} // namespace respkit::commands

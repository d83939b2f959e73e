#pragma once

/// \file
/// The bitmap command family (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO)
/// over a store::keyspace's strings, with Redis 7.0's replies and errors.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/bitmap_ops.hpp"
#include "respkit/commands/specs/bitmaps.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace bitmap_detail {

using server::command_call;
using store::value;

/// The string under `key` for a bit write reaching bit `max_bit` (Redis's
/// lookupStringForBitCommand): created or zero-padded so that bit exists. Returns nullptr after
/// a WRONGTYPE reply; `grown` says whether it was created or lengthened.
template <class Keyspace>
[[nodiscard]] std::string* string_for_bit_write(command_call& call, Keyspace& ks, std::uint64_t max_bit,
                                                bool& grown) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    const auto bytes = static_cast<std::size_t>(max_bit >> 3) + 1;
    value* v = ks.find_for_write(db, key);
    if (v == nullptr) {
        value fresh;
        fresh.raw_string().resize(bytes, '\0');
        grown = true;
        return &ks.set(db, key, std::move(fresh)).raw_string();
    }
    if (!v->is_string()) {
        call.error(server::errors::wrong_type);
        return nullptr;
    }
    std::string& s = v->raw_string();
    grown = s.size() < bytes;
    if (grown) s.resize(bytes, '\0');
    return &s;
}

/// SETBIT key offset value.
template <class Keyspace>
void setbit_command(command_call& call, Keyspace& ks) {
    const auto offset = bit_offset_arg(call, 2, 0);
    if (!offset) return;
    std::int64_t on = 0;
    if (!respkit::detail::parse_int64(call.arg(3), on) || (on & ~std::int64_t{1}) != 0) {
        call.error("ERR bit is not an integer or out of range");
        return;
    }
    bool grown = false;
    std::string* s = string_for_bit_write(call, ks, *offset, grown);
    if (s == nullptr) return;
    auto& byte = reinterpret_cast<unsigned char&>((*s)[static_cast<std::size_t>(*offset >> 3)]);
    const unsigned mask = 1u << (7 - (*offset & 7));
    const bool was = (byte & mask) != 0;
    if (grown || was != (on == 1)) {
        byte = static_cast<unsigned char>(on == 1 ? (byte | mask) : (byte & ~mask));
        ks.notify_modified(call.client().db(), call.arg(1));
        call.notify(server::keyspace_event_class::string, "setbit", call.arg(1));
    }
    call.reply().integer(was ? 1 : 0);
}

/// The string under argument 1 for reading: `bytes` set (empty for a missing key) and true, or
/// false after a WRONGTYPE reply. `found` says whether the key exists.
template <class Keyspace>
[[nodiscard]] bool read_string(command_call& call, Keyspace& ks, store::int_chars& scratch, std::string_view& bytes,
                               bool& found) {
    const value* v = ks.find(call.client().db(), call.arg(1));
    found = v != nullptr;
    if (v == nullptr) return true;
    if (!v->is_string()) {
        call.error(server::errors::wrong_type);
        return false;
    }
    bytes = v->string_bytes(scratch);
    return true;
}

/// BITOP op destkey key [key ...].
template <class Keyspace>
void bitop_command(command_call& call, Keyspace& ks) {
    const auto op = bitop_from_name(call.arg(1));
    if (!op) {
        call.error(server::errors::syntax);
        return;
    }
    if (*op == bitop::not_ && call.argc() != 4) {
        call.error("ERR BITOP NOT must be called with a single source key.");
        return;
    }
    const std::size_t db = call.client().db();
    const std::size_t count = call.argc() - 3;
    std::vector<store::int_chars> scratch(count);
    std::vector<std::string_view> sources(count);
    for (std::size_t i = 0; i < count; ++i) {
        const value* v = ks.find(db, call.arg(i + 3));
        if (v == nullptr) continue;
        if (!v->is_string()) {
            call.error(server::errors::wrong_type);
            return;
        }
        sources[i] = v->string_bytes(scratch[i]);
    }
    std::string result = bitop_apply(*op, sources);
    const auto length = static_cast<std::int64_t>(result.size());
    const std::string_view dest = call.arg(2);
    if (!result.empty()) {
        value stored;
        stored.raw_string() = std::move(result);
        ks.set(db, dest, std::move(stored));
        call.notify(server::keyspace_event_class::string, "set", dest);
    } else if (ks.erase(db, dest)) {
        call.notify(server::keyspace_event_class::generic, "del", dest);
    }
    call.reply().integer(length);
}

/// BITFIELD (`read_only` false) and BITFIELD_RO (true).
template <class Keyspace>
void bitfield_command(command_call& call, Keyspace& ks, bool read_only) {
    std::vector<bitfield_op> ops;
    if (!parse_bitfield_ops(call, ops)) return;
    const bool writes = bitfield_writes(ops);
    if (writes && read_only) {
        call.error("ERR BITFIELD_RO only supports the GET subcommand");
        return;
    }
    if (!writes) {
        store::int_chars scratch;
        std::string_view bytes;
        bool found = false;
        if (!read_string(call, ks, scratch, bytes, found)) return;
        reply_bitfield_gets(call, ops, bytes);
        return;
    }
    bool grown = false;
    std::string* s = string_for_bit_write(call, ks, bitfield_highest_write(ops), grown);
    if (s == nullptr) return;
    if (run_bitfield_ops(call, ops, *s, grown) > 0) {
        ks.notify_modified(call.client().db(), call.arg(1));
        call.notify(server::keyspace_event_class::string, "setbit", call.arg(1));
    }
}

} // namespace bitmap_detail

/// Registers the bitmap commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
/// BITFIELD_RO, with Redis 7.0's arity, flags and key specs.
template <class Keyspace>
void install_bitmap_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace bitmap_detail;
    Keyspace* ks = &keyspace;
    auto specs = bitmap_command_specs();

    commands.add(std::move(specs.setbit), [ks](command_call& call) { setbit_command(call, *ks); });

    commands.add(std::move(specs.getbit), [ks](command_call& call) {
        const auto offset = bit_offset_arg(call, 2, 0);
        if (!offset) return;
        store::int_chars scratch;
        std::string_view bytes;
        bool found = false;
        if (!read_string(call, *ks, scratch, bytes, found)) return;
        call.reply().integer(get_bit(bytes, *offset) ? 1 : 0);
    });

    commands.add(std::move(specs.bitcount), [ks](command_call& call) {
        store::int_chars scratch;
        std::string_view bytes;
        bool found = false;
        if (!read_string(call, *ks, scratch, bytes, found)) return;
        if (!found) {
            call.reply().integer(0);
            return;
        }
        bitcount_reply(call, bytes);
    });

    commands.add(std::move(specs.bitpos), [ks](command_call& call) {
        std::int64_t bit = 0;
        if (!respkit::detail::parse_int64(call.arg(2), bit)) {
            call.error(server::errors::not_integer);
            return;
        }
        if (bit != 0 && bit != 1) {
            call.error("ERR The bit argument must be 1 or 0.");
            return;
        }
        store::int_chars scratch;
        std::string_view bytes;
        bool found = false;
        if (!read_string(call, *ks, scratch, bytes, found)) return;
        if (!found) {
            call.reply().integer(bit == 1 ? -1 : 0);
            return;
        }
        bitpos_reply(call, bytes, bit == 1);
    });

    commands.add(std::move(specs.bitop), [ks](command_call& call) { bitop_command(call, *ks); });

    commands.add(std::move(specs.bitfield), [ks](command_call& call) { bitfield_command(call, *ks, false); });
    // Redis's bitfieldGetKeys: the key is only read when every subcommand is a GET.
    commands.find("bitfield")->spec.key_flags_of = [](std::span<const std::string_view> args) {
        return bitfield_args_read_only(args) ? server::key_flag::ro | server::key_flag::access
                                             : server::key_flag::rw | server::key_flag::access |
                                                   server::key_flag::update;
    };

    commands.add(std::move(specs.bitfield_ro), [ks](command_call& call) { bitfield_command(call, *ks, true); });
}

} // namespace respkit::commands

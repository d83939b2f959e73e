#pragma once

/// \file
/// The HyperLogLog command family (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST) over a
/// store::keyspace's strings, in Redis's representation (store/hyperloglog.hpp), with Redis
/// 7.0's replies and errors; hll-sparse-max-bytes is followed as CONFIG SET changes it.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/specs/hyperloglog.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/hyperloglog.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace hll_detail {

using server::command_call;
using store::value;

inline constexpr std::string_view not_hll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr std::string_view corrupt = "INVALIDOBJ Corrupted HLL object detected";

/// True when `v` holds a HyperLogLog; otherwise replies Redis's WRONGTYPE error (the generic one
/// for another type, the HyperLogLog one for a string that is not one).
[[nodiscard]] inline bool is_hll_or_reply(command_call& call, const value& v) {
    if (!v.is_string()) {
        call.error(server::errors::wrong_type);
        return false;
    }
    store::int_chars scratch;
    if (v.is_int_encoded() || !store::hll::valid_header(v.string_bytes(scratch))) {
        call.error(not_hll);
        return false;
    }
    return true;
}

/// Registers one key's bytes into `max` (PFCOUNT of several keys, PFMERGE); false after an error
/// reply. `dense` is set when the key is a dense HyperLogLog.
[[nodiscard]] inline bool merge_value(command_call& call, const value& v, unsigned char* max, bool& dense) {
    if (!is_hll_or_reply(call, v)) return false;
    store::int_chars scratch;
    const std::string_view bytes = v.string_bytes(scratch);
    if (store::hll::encoding_of(bytes) == store::hll::encoding::dense) dense = true;
    if (!store::hll::merge_into(max, bytes)) {
        call.error(corrupt);
        return false;
    }
    return true;
}

/// PFADD key [element ...].
template <class Keyspace>
void pfadd_command(command_call& call, Keyspace& ks, std::size_t sparse_max_bytes) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    value* v = ks.find_for_write(db, key);
    std::string* bytes = nullptr;
    int updated = 0;
    if (v == nullptr) {
        value fresh;
        fresh.raw_string() = store::hll::make_empty();
        bytes = &ks.set(db, key, std::move(fresh)).raw_string();
        updated = 1;
    } else {
        if (!is_hll_or_reply(call, *v)) return;
        bytes = &v->raw_string();
    }
    for (std::size_t i = 2; i < call.argc(); ++i) {
        const int r = store::hll::add(*bytes, call.arg(i), sparse_max_bytes);
        if (r < 0) {
            call.error(corrupt);
            return;
        }
        updated += r;
    }
    if (updated != 0) {
        store::hll::invalidate_cache(*bytes);
        ks.notify_modified(db, key);
        call.notify(server::keyspace_event_class::string, "pfadd", key);
    }
    call.reply().integer(updated != 0 ? 1 : 0);
}

/// PFCOUNT key [key ...].
template <class Keyspace>
void pfcount_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    if (call.argc() > 2) {
        std::array<unsigned char, store::hll::registers> max{};
        bool dense = false;
        for (std::size_t i = 1; i < call.argc(); ++i) {
            const value* v = ks.find(db, call.arg(i));
            if (v != nullptr && !merge_value(call, *v, max.data(), dense)) return;
        }
        call.reply().integer(static_cast<std::int64_t>(store::hll::count_registers(max.data())));
        return;
    }
    const std::string_view key = call.arg(1);
    const value* found = ks.find(db, key);
    if (found == nullptr) {
        call.reply().integer(0);
        return;
    }
    if (!is_hll_or_reply(call, *found)) return;
    std::string& bytes = ks.find_for_write(db, key)->raw_string();
    if (store::hll::cache_valid(bytes)) {
        call.reply().integer(static_cast<std::int64_t>(store::hll::cached_count(bytes)));
        return;
    }
    const auto card = store::hll::count(bytes);
    if (!card) {
        call.error(corrupt);
        return;
    }
    // Caching the estimate changes the string: it propagates, as in Redis.
    store::hll::store_count(bytes, *card);
    ks.notify_modified(db, key);
    call.reply().integer(static_cast<std::int64_t>(*card));
}

/// PFMERGE destkey [sourcekey ...] (the destination is merged too).
template <class Keyspace>
void pfmerge_command(command_call& call, Keyspace& ks, std::size_t sparse_max_bytes) {
    const std::size_t db = call.client().db();
    std::array<unsigned char, store::hll::registers> max{};
    bool dense = false;
    for (std::size_t i = 1; i < call.argc(); ++i) {
        const value* v = ks.find(db, call.arg(i));
        if (v != nullptr && !merge_value(call, *v, max.data(), dense)) return;
    }
    const std::string_view key = call.arg(1);
    value* v = ks.find_for_write(db, key);
    std::string* bytes = nullptr;
    if (v == nullptr) {
        value fresh;
        fresh.raw_string() = store::hll::make_empty();
        bytes = &ks.set(db, key, std::move(fresh)).raw_string();
    } else {
        bytes = &v->raw_string();
    }
    if (dense && !store::hll::to_dense(*bytes)) {
        call.error(corrupt);
        return;
    }
    for (std::size_t i = 0; i < store::hll::registers; ++i) {
        if (max[i] != 0) (void)store::hll::set_register(*bytes, i, max[i], sparse_max_bytes);
    }
    store::hll::invalidate_cache(*bytes);
    ks.notify_modified(db, key);
    call.notify(server::keyspace_event_class::string, "pfadd", key); // as Redis: a mass PFADD
    call.ok();
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key.
template <class Keyspace>
void pfdebug_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(2);
    value* v = ks.find_for_write(db, key);
    if (v == nullptr) {
        call.error("ERR The specified key does not exist");
        return;
    }
    if (!is_hll_or_reply(call, *v)) return;
    std::string& bytes = v->raw_string();
    const std::string_view sub = call.arg(1);
    const bool sparse = store::hll::encoding_of(bytes) == store::hll::encoding::sparse;
    const auto densify = [&] {
        if (!sparse) return true;
        if (!store::hll::to_dense(bytes)) {
            call.error(corrupt);
            return false;
        }
        ks.notify_modified(db, key); // the new encoding propagates, as Redis forces it
        return true;
    };
    if (iequals(sub, "getreg")) {
        if (!densify()) return;
        const auto* regs = reinterpret_cast<const unsigned char*>(bytes.data() + store::hll::header_size);
        call.reply().array(store::hll::registers);
        for (std::size_t i = 0; i < store::hll::registers; ++i) call.reply().integer(store::hll::dense_get(regs, i));
    } else if (iequals(sub, "decode")) {
        if (!sparse) {
            call.error("ERR HLL encoding is not sparse");
            return;
        }
        call.reply().bulk_string(store::hll::decode_sparse(bytes));
    } else if (iequals(sub, "encoding")) {
        call.reply().simple_string(sparse ? "sparse" : "dense");
    } else if (iequals(sub, "todense")) {
        if (!densify()) return;
        call.reply().integer(sparse ? 1 : 0);
    } else {
        call.error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
    }
}

/// PFSELFTEST: checks the dense registers' packing and that sparse and dense representations of
/// the same elements agree within the expected error, as Redis's does (up to 100000 elements,
/// not ten million, so that it answers in well under a second).
inline void pfselftest_command(command_call& call, std::size_t sparse_max_bytes) {
    namespace hll = store::hll;
    std::string dense = hll::make_empty();
    if (!hll::to_dense(dense)) return call.error("ERR TESTFAILED cannot build a dense HyperLogLog");
    auto* regs = reinterpret_cast<unsigned char*>(dense.data() + hll::header_size);
    std::array<unsigned char, hll::registers> expected{};
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    const auto next_random = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (int cycle = 0; cycle < 10; ++cycle) {
        for (std::size_t i = 0; i < hll::registers; ++i) {
            expected[i] = static_cast<unsigned char>(next_random() & 63u);
            hll::dense_put(regs, i, expected[i]);
        }
        for (std::size_t i = 0; i < hll::registers; ++i) {
            if (hll::dense_get(regs, i) != expected[i]) {
                call.error("ERR TESTFAILED Register " + std::to_string(i) + " should be " +
                           std::to_string(expected[i]) + " but is " + std::to_string(hll::dense_get(regs, i)));
                return;
            }
        }
    }
    std::memset(regs, 0, hll::dense_size - hll::header_size);
    std::string sparse = hll::make_empty();
    const double relative_error = 1.04 / std::sqrt(static_cast<double>(hll::registers));
    const std::uint64_t seed = next_random();
    std::uint64_t checkpoint = 1;
    for (std::uint64_t j = 1; j <= 100000; ++j) {
        const std::uint64_t element = j ^ seed;
        char raw[sizeof element];
        std::memcpy(raw, &element, sizeof element);
        const std::string_view e(raw, sizeof raw);
        (void)hll::add(dense, e, sparse_max_bytes);
        (void)hll::add(sparse, e, sparse_max_bytes);
        if (j != checkpoint) continue;
        if (j < sparse_max_bytes / 2 && hll::encoding_of(sparse) != hll::encoding::sparse)
            return call.error("ERR TESTFAILED sparse encoding not used");
        const std::uint64_t estimate = *hll::count(dense);
        if (hll::count(sparse) != estimate) return call.error("ERR TESTFAILED dense/sparse disagree");
        const std::uint64_t error = estimate > j ? estimate - j : j - estimate;
        auto max_error = static_cast<std::uint64_t>(std::ceil(relative_error * 6 * static_cast<double>(j)));
        if (j == 10) max_error = 1;
        if (error > max_error) {
            call.error("ERR TESTFAILED Too big error. card:" + std::to_string(j) + " abserr:" + std::to_string(error));
            return;
        }
        checkpoint *= 10;
    }
    call.ok();
}

} // namespace hll_detail

/// Registers the HyperLogLog commands on `commands`, running against `keyspace` and following
/// `config`'s hll-sparse-max-bytes (both must outlive the dispatcher's use of them): PFADD,
/// PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, with Redis 7.0's arity, flags and key specs.
template <class Keyspace>
void install_hyperloglog_commands(server::dispatcher& commands, Keyspace& keyspace, server::config_table& config) {
    using namespace hll_detail;
    Keyspace* ks = &keyspace;
    auto sparse_max = std::make_shared<std::size_t>(store::hll::default_sparse_max_bytes);
    const auto follow = [sparse_max](std::string_view value) {
        std::int64_t n = 0;
        if (respkit::detail::parse_int64(value, n) && n >= 0) *sparse_max = static_cast<std::size_t>(n);
        return std::string();
    };
    config.on_change("hll-sparse-max-bytes", follow);
    (void)follow(config.get("hll-sparse-max-bytes"));
    auto specs = hyperloglog_command_specs();

    commands.add(std::move(specs.pfadd), [ks, sparse_max](command_call& call) { pfadd_command(call, *ks, *sparse_max); });
    commands.add(std::move(specs.pfcount), [ks](command_call& call) { pfcount_command(call, *ks); });
    commands.add(std::move(specs.pfmerge),
                 [ks, sparse_max](command_call& call) { pfmerge_command(call, *ks, *sparse_max); });
    commands.add(std::move(specs.pfdebug), [ks](command_call& call) { pfdebug_command(call, *ks); });
    commands.add(std::move(specs.pfselftest),
                 [sparse_max](command_call& call) { pfselftest_command(call, *sparse_max); });
}

} // namespace respkit::commands

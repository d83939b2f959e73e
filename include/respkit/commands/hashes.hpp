#pragma once

/// \file
/// The hash command family (HSET, HGET, HDEL, HGETALL, HINCRBY, HINCRBYFLOAT, HSCAN,
/// HRANDFIELD, ...) over a store::keyspace, with Redis 7.0's replies and errors. Empty hashes
/// are deleted, as in Redis.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/long_double.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/reply_room.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/scan.hpp"
#include "respkit/commands/specs/hashes.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/hash.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace hash_detail {

using server::command_call;
using server::command_flag;
using store::hash_value;
using store::value;
using store::value_kind;

/// The empty SCAN reply: cursor 0, no elements.
inline void reply_empty_scan(command_call& call) {
    call.reply().array(2);
    call.reply().bulk_string("0");
    call.reply().array(0);
}

/// HSET/HMSET key field value [field value ...]: the number of fields created, or OK (`ok`).
template <class Keyspace>
void set_command(command_call& call, Keyspace& ks, bool ok) {
    if (call.argc() % 2 == 1) {
        reply_arity_error(call);
        return;
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    const auto found = ks.find_or_create(db, key, value_kind::hash);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    hash_value& hash = found.found->hash();
    const store::encoding_limits& limits = ks.encoding_limits_used();
    std::size_t longest = 0, total = 0;
    for (std::size_t i = 2; i < call.argc(); ++i) {
        longest = std::max(longest, call.arg(i).size());
        total += call.arg(i).size();
    }
    hash.convert_for(longest, total, limits);
    std::int64_t created = 0;
    for (std::size_t i = 2; i < call.argc(); i += 2)
        created += hash.set(call.arg(i), call.arg(i + 1), limits) ? 1 : 0;
    ks.notify_modified(db, key);
    if (ok)
        call.ok();
    else
        call.reply().integer(created);
    call.notify(server::keyspace_event_class::hash, "hset", key); // after the reply, as Redis
}

/// HGETALL (keys and values, a map), HKEYS (keys), HVALS (values).
template <class Keyspace>
void get_all_command(command_call& call, Keyspace& ks, bool keys, bool values) {
    const auto found = ks.find(call.client().db(), call.arg(1), value_kind::hash);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    const bool pairs = keys && values;
    if (found.found == nullptr) {
        if (pairs)
            call.reply().map(0);
        else
            call.reply().array(0);
        return;
    }
    const hash_value& hash = found.found->hash();
    if (pairs)
        call.reply().map(hash.size());
    else
        call.reply().array(hash.size());
    hash.for_each([&](std::string_view field, std::string_view v) {
        if (keys) call.reply().bulk_string(field);
        if (values) call.reply().bulk_string(v);
    });
}

/// HSCAN key cursor [MATCH pattern] [COUNT count].
template <class Keyspace>
void scan_command(command_call& call, Keyspace& ks) {
    std::uint64_t cursor = 0;
    if (!parse_cursor(call.arg(2), cursor)) {
        call.error("ERR invalid cursor");
        return;
    }
    const auto found = ks.find(call.client().db(), call.arg(1), value_kind::hash);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (found.found == nullptr) {
        reply_empty_scan(call);
        return;
    }
    std::size_t count = 10;
    std::string_view pattern = "*";
    for (std::size_t i = 3; i < call.argc(); i += 2) {
        const std::string_view opt = call.arg(i);
        const bool has_value = i + 1 < call.argc();
        if (option_is(opt, "COUNT") && has_value) {
            const auto n = integer_arg(call, i + 1);
            if (!n) return;
            if (*n < 1) {
                call.error(server::errors::syntax);
                return;
            }
            // Bounded so the map's "10 x COUNT buckets" budget cannot overflow.
            count = static_cast<std::size_t>(std::min<std::int64_t>(*n, std::int64_t{1} << 40));
        } else if (option_is(opt, "MATCH") && has_value) {
            pattern = call.arg(i + 1);
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const bool all = pattern.size() == 1 && pattern[0] == '*';
    const hash_value& hash = found.found->hash();
    std::vector<std::pair<std::string_view, std::string_view>> out;
    const auto visit = [&](std::string_view field, std::string_view v) {
        if (all || glob_match(pattern, field)) out.emplace_back(field, v);
    };
    // A listpack is returned whole in one step, with cursor 0, as Redis does.
    const std::uint64_t next = hash.scan(cursor, count, visit);
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, next).ptr;
    auto& r = call.reply();
    r.array(2);
    r.bulk_string(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    r.array(out.size() * 2);
    for (const auto& [field, v] : out) {
        r.bulk_string(field);
        r.bulk_string(v);
    }
}

/// 64 random bits from the per-thread generator.
[[nodiscard]] inline std::uint64_t random_bits() noexcept {
    thread_local std::uint64_t state = store::process_seed() ^ 0x9e3779b97f4a7c15ull;
    return store::detail::splitmix64(state);
}

/// A random index below `n` from the per-thread generator.
[[nodiscard]] inline std::size_t random_below(std::size_t n) noexcept {
    return static_cast<std::size_t>(store::detail::mul_high(random_bits(), n));
}

/// HRANDFIELD key [count [WITHVALUES]].
template <class Keyspace>
void random_field_command(command_call& call, Keyspace& ks) {
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    auto& r = call.reply();
    if (call.argc() == 2) {
        const auto found = ks.find(call.client().db(), call.arg(1), value_kind::hash);
        if (found.error) {
            call.error(server::errors::wrong_type);
            return;
        }
        if (found.found == nullptr) {
            r.null();
            return;
        }
        const hash_value& hash = found.found->hash();
        r.bulk_string(hash.random_entry(random_bits).first);
        return;
    }
    const auto given = integer_arg(call, 2);
    if (!given) return;
    if (*given < -max) {
        call.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return;
    }
    bool with_values = false;
    if (call.argc() > 4 || (call.argc() == 4 && !option_is(call.arg(3), "WITHVALUES"))) {
        call.error(server::errors::syntax);
        return;
    }
    if (call.argc() == 4) {
        with_values = true;
        if (*given < -max / 2 || *given > max / 2) {
            call.error("ERR value is out of range");
            return;
        }
    }
    const auto found = ks.find(call.client().db(), call.arg(1), value_kind::hash);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (found.found == nullptr || *given == 0) {
        r.array(0);
        return;
    }
    const hash_value& hash = found.found->hash();
    const bool unique = *given > 0;
    const std::uint64_t count = unique ? static_cast<std::uint64_t>(*given) : static_cast<std::uint64_t>(-*given);
    const bool resp3_pairs = with_values && r.resp3();
    const auto header = [&](std::uint64_t n) { r.array(with_values && !r.resp3() ? n * 2 : n); };
    const auto element = [&](const hash_value::entry& e) {
        if (resp3_pairs) r.array(2);
        r.bulk_string(e.first);
        if (with_values) r.bulk_string(e.second);
    };
    // A listpack is walked once into an array, so that each draw is O(1).
    std::vector<hash_value::entry> packed;
    if (hash.is_listpack()) {
        packed.reserve(hash.size());
        hash.for_each([&](std::string_view f, std::string_view v) { packed.emplace_back(f, v); });
    }
    if (!unique || count == 1) { // independent draws, repeats allowed
        // Redis has no bound but the output limit; a reply that cannot fit in it is abandoned
        // before it is written.
        require_reply_room(call, count, (with_values ? 2 : 1) * min_bulk_string_bytes);
        header(count);
        for (std::uint64_t i = 0; i < count; ++i)
            element(packed.empty() ? hash.random_entry(random_bits) : packed[random_below(packed.size())]);
        return;
    }
    if (count >= hash.size()) { // the whole hash, in its order
        header(hash.size());
        for (const hash_value::entry e : hash) element(e);
        return;
    }
    // Distinct fields: a partial Fisher-Yates shuffle of all of them.
    if (packed.empty()) {
        packed.reserve(hash.size());
        hash.for_each([&](std::string_view f, std::string_view v) { packed.emplace_back(f, v); });
    }
    const auto n = static_cast<std::size_t>(count);
    header(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::swap(packed[i], packed[i + random_below(packed.size() - i)]);
        element(packed[i]);
    }
}

} // namespace hash_detail

/// Registers the hash commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them): HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HGETALL HKEYS
/// HVALS HINCRBY HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD, with Redis 7.0's arity, flags and key
/// positions.
template <class Keyspace>
void install_hash_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace hash_detail;
    Keyspace* ks = &keyspace;
    auto specs = hash_command_specs();

    commands.add(
        std::move(specs.hset),
        [ks](command_call& call) { set_command(call, *ks, false); });
    commands.add(std::move(specs.hmset),
                 [ks](command_call& call) { set_command(call, *ks, true); });

    commands.add(
        std::move(specs.hsetnx),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto found = ks->find_or_create(db, call.arg(1), value_kind::hash);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            hash_value& hash = found.found->hash();
            const bool inserted = !hash.contains(call.arg(2));
            if (inserted) {
                const store::encoding_limits& limits = ks->encoding_limits_used();
                hash.convert_for(std::max(call.arg(2).size(), call.arg(3).size()),
                                 call.arg(2).size() + call.arg(3).size(), limits);
                (void)hash.set(call.arg(2), call.arg(3), limits);
                ks->notify_modified(db, call.arg(1));
            }
            call.reply().integer(inserted ? 1 : 0);
            if (inserted) call.notify(server::keyspace_event_class::hash, "hset", call.arg(1));
        });

    commands.add(
        std::move(specs.hget),
        [ks](command_call& call) {
            const auto found = ks->find(call.client().db(), call.arg(1), value_kind::hash);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            const auto v = found.found ? found.found->hash().get(call.arg(2)) : std::nullopt;
            if (!v)
                call.reply().null();
            else
                call.reply().bulk_string(*v);
        });

    commands.add(std::move(specs.hmget),
                 [ks](command_call& call) {
                     const auto found = ks->find(call.client().db(), call.arg(1), value_kind::hash);
                     if (found.error) {
                         call.error(server::errors::wrong_type);
                         return;
                     }
                     call.reply().array(call.argc() - 2);
                     for (std::size_t i = 2; i < call.argc(); ++i) {
                         const auto v = found.found ? found.found->hash().get(call.arg(i)) : std::nullopt;
                         if (!v)
                             call.reply().null();
                         else
                             call.reply().bulk_string(*v);
                     }
                 });

    commands.add(
        std::move(specs.hdel),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            const auto found = ks->find_for_write(db, key, value_kind::hash);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            std::int64_t deleted = 0;
            if (found.found != nullptr) {
                hash_value& hash = found.found->hash();
                for (std::size_t i = 2; i < call.argc() && !hash.empty(); ++i)
                    deleted += hash.erase(call.arg(i)) ? 1 : 0;
                const bool emptied = hash.empty();
                if (emptied)
                    ks->erase(db, key);
                else if (deleted != 0)
                    ks->notify_modified(db, key);
                if (deleted != 0) call.notify(server::keyspace_event_class::hash, "hdel", key);
                if (emptied) call.notify(server::keyspace_event_class::generic, "del", key);
            }
            call.reply().integer(deleted);
        });

    commands.add(std::move(specs.hexists),
                 [ks](command_call& call) {
                     const auto found = ks->find(call.client().db(), call.arg(1), value_kind::hash);
                     if (found.error)
                         call.error(server::errors::wrong_type);
                     else
                         call.reply().integer(found.found && found.found->hash().contains(call.arg(2)) ? 1 : 0);
                 });

    commands.add(std::move(specs.hlen),
                 [ks](command_call& call) {
                     const auto found = ks->find(call.client().db(), call.arg(1), value_kind::hash);
                     if (found.error)
                         call.error(server::errors::wrong_type);
                     else
                         call.reply().integer(
                             found.found ? static_cast<std::int64_t>(found.found->hash().size()) : 0);
                 });

    commands.add(std::move(specs.hstrlen),
                 [ks](command_call& call) {
                     const auto found = ks->find(call.client().db(), call.arg(1), value_kind::hash);
                     if (found.error) {
                         call.error(server::errors::wrong_type);
                         return;
                     }
                     const auto v = found.found ? found.found->hash().get(call.arg(2)) : std::nullopt;
                     call.reply().integer(v ? static_cast<std::int64_t>(v->size()) : 0);
                 });

    commands.add(std::move(specs.hgetall),
                 [ks](command_call& call) { get_all_command(call, *ks, true, true); });
    commands.add(std::move(specs.hkeys),
                 [ks](command_call& call) { get_all_command(call, *ks, true, false); });
    commands.add(std::move(specs.hvals),
                 [ks](command_call& call) { get_all_command(call, *ks, false, true); });

    commands.add(
        std::move(specs.hincrby),
        [ks](command_call& call) {
            const auto increment = integer_arg(call, 3);
            if (!increment) return;
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            const auto found = ks->find_or_create(db, key, value_kind::hash);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            hash_value& hash = found.found->hash();
            std::int64_t current = 0;
            const auto old = hash.get(call.arg(2));
            if (old && !store::parse_int64(*old, current)) {
                call.error("ERR hash value is not an integer");
                return;
            }
            std::int64_t result = 0;
            if (!checked_add(current, *increment, result)) {
                call.error(server::errors::overflow);
                return;
            }
            store::int_chars digits;
            const std::string_view text = store::format_int64(result, digits.data());
            (void)hash.set(call.arg(2), text, ks->encoding_limits_used());
            ks->notify_modified(db, key);
            call.reply().integer(result);
            call.notify(server::keyspace_event_class::hash, "hincrby", key);
        });

    commands.add(
        std::move(specs.hincrbyfloat),
        [ks](command_call& call) {
            long double increment = 0;
            if (!parse_long_double(call.arg(3), increment)) {
                call.error(server::errors::not_float);
                return;
            }
            if (std::isnan(increment) || std::isinf(increment)) {
                call.error("ERR value is NaN or Infinity");
                return;
            }
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            const auto found = ks->find_or_create(db, key, value_kind::hash);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            hash_value& hash = found.found->hash();
            long double current = 0;
            const auto old = hash.get(call.arg(2));
            if (old && !parse_long_double(*old, current)) {
                call.error("ERR hash value is not a float");
                return;
            }
            const long double result = current + increment;
            if (std::isnan(result) || std::isinf(result)) {
                call.error("ERR increment would produce NaN or Infinity");
                return;
            }
            char buffer[max_long_double_chars];
            const std::string_view text(buffer, format_long_double(result, buffer));
            (void)hash.set(call.arg(2), text, ks->encoding_limits_used());
            ks->notify_modified(db, key);
            call.reply().bulk_string(text);
            call.notify(server::keyspace_event_class::hash, "hincrbyfloat", key);
            // The sum is exact only as printed: replay it as the value it stored.
            replay_as(call, {"HSET", std::string(key), std::string(call.arg(2)), std::string(text)});
        });

    commands.add(
        std::move(specs.hscan),
        [ks](command_call& call) { scan_command(call, *ks); });

    commands.add(std::move(specs.hrandfield),
                 [ks](command_call& call) { random_field_command(call, *ks); });
}

} // namespace respkit::commands

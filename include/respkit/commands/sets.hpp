#pragma once

/// \file
/// The set command family (SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP,
/// SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SUNION, SDIFF and their STORE forms, SSCAN) over a
/// store::keyspace, with Redis 7.0's replies and errors.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/random.hpp"
#include "respkit/commands/reply_room.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/scan.hpp"
#include "respkit/commands/specs/sets.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace set_detail {

using server::command_call;
using server::command_flag;
using store::set_value;
using store::value_kind;

/// The members of `s`, copied (the set may change while they are used).
inline std::vector<std::string> members_of(const set_value& s) {
    std::vector<std::string> out;
    out.reserve(s.size());
    s.for_each([&](std::string_view m) { out.emplace_back(m); });
    return out;
}

/// Read lookup of a set: nullptr when missing; nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<const set_value*> read_set(command_call& call, Keyspace& ks, std::string_view key) {
    const store::value* v = ks.find(call.client().db(), key);
    if (!v) return static_cast<const set_value*>(nullptr);
    if (v->kind() != value_kind::set) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    return &v->set();
}

/// Write lookup of a set: nullptr when missing; nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<set_value*> write_set(command_call& call, Keyspace& ks, std::string_view key) {
    const auto r = ks.find_for_write(call.client().db(), key, value_kind::set);
    if (r.error) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    return r.found ? &r.found->set() : nullptr;
}

/// A uniformly random member of `s` (not empty), formatted into `digits` from an intset.
[[nodiscard]] inline std::string_view random_member(const set_value& s, set_value::scratch& digits) {
    return s.random_member([] { return static_cast<std::uint64_t>(random_source()()); }, digits);
}

/// Writes `members` as a set reply (`~` in RESP3).
inline void reply_members(command_call& call, const std::vector<std::string>& members) {
    call.reply().set(members.size());
    for (const std::string& m : members) call.reply().bulk_string(m);
}

/// Which set operation SINTER/SUNION/SDIFF compute.
enum class set_op { inter, unite, diff };

/// The members of op(keys[first..]) after checking every key's type (Redis 7.0 checks all
/// keys before computing). nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<std::vector<std::string>> compute(command_call& call, Keyspace& ks, std::size_t first,
                                                              std::size_t count, set_op op, bool for_write,
                                                              std::size_t limit = 0) {
    std::vector<const set_value*> sets;
    for (std::size_t i = first; i < first + count; ++i) {
        const store::value* v = for_write ? ks.find_for_write(call.client().db(), call.arg(i))
                                          : ks.find(call.client().db(), call.arg(i));
        if (v && v->kind() != value_kind::set) {
            call.error(server::errors::wrong_type);
            return std::nullopt;
        }
        sets.push_back(v ? &v->set() : nullptr);
    }
    const store::encoding_limits& limits = ks.encoding_limits_used();
    std::vector<std::string> out;
    switch (op) {
    case set_op::inter: {
        if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
        // Smallest first, as Redis sorts them: the result comes in the smallest set's order.
        std::stable_sort(sets.begin(), sets.end(),
                         [](const set_value* a, const set_value* b) { return a->size() < b->size(); });
        sets[0]->for_each([&](std::string_view m) {
            if (limit != 0 && out.size() >= limit) return;
            for (const set_value* s : sets) {
                if (s != sets[0] && !s->contains(m)) return;
            }
            out.emplace_back(m);
        });
        return out;
    }
    case set_op::unite:
    case set_op::diff: break;
    }
    // As Redis: the result is built as a set (an intset while it can be one) and read back in
    // that set's order.
    set_value result;
    if (op == set_op::unite) {
        for (const set_value* s : sets) {
            if (s) s->for_each([&](std::string_view m) { (void)result.insert(m, limits); });
        }
    } else if (sets[0]) {
        sets[0]->for_each([&](std::string_view m) {
            for (std::size_t i = 1; i < sets.size(); ++i) {
                if (sets[i] && sets[i]->contains(m)) return;
            }
            (void)result.insert(m, limits);
        });
    }
    out = members_of(result);
    return out;
}

/// SINTER, SUNION, SDIFF (store: SINTERSTORE ...: argument 1 is the destination).
template <class Keyspace>
void set_op_command(command_call& call, Keyspace& ks, set_op op, bool store) {
    const std::size_t first = store ? 2 : 1;
    auto members = compute(call, ks, first, call.argc() - first, op, store);
    if (!members) return;
    if (!store) {
        reply_members(call, *members);
        return;
    }
    const std::size_t db = call.client().db();
    if (members->empty()) {
        // Redis replies first, except for an intersection with a missing key (it stops early).
        bool missing = false;
        if (op == set_op::inter) {
            for (std::size_t i = first; i < call.argc() && !missing; ++i) missing = !ks.stored(db, call.arg(i));
        }
        if (!missing) call.reply().integer(0);
        if (ks.erase(db, call.arg(1))) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
        if (missing) call.reply().integer(0);
        return;
    }
    store::value v = store::value::make(value_kind::set);
    for (const std::string& m : *members) (void)v.set().insert(m, ks.encoding_limits_used());
    ks.set(db, call.arg(1), std::move(v));
    call.reply().integer(static_cast<std::int64_t>(members->size()));
    call.notify(server::keyspace_event_class::set,
                op == set_op::inter ? "sinterstore" : op == set_op::unite ? "sunionstore" : "sdiffstore", call.arg(1));
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit].
template <class Keyspace>
void sintercard_command(command_call& call, Keyspace& ks) {
    std::int64_t numkeys = 0;
    if (!respkit::detail::parse_int64(call.arg(1), numkeys) || numkeys < 1) {
        call.error("ERR numkeys should be greater than 0");
        return;
    }
    if (static_cast<std::uint64_t>(numkeys) > call.argc() - 2) {
        call.error("ERR Number of keys can't be greater than number of args");
        return;
    }
    std::int64_t limit = 0;
    for (std::size_t j = 2 + static_cast<std::size_t>(numkeys); j < call.argc(); ++j) {
        if (option_is(call.arg(j), "LIMIT") && j + 1 < call.argc()) {
            ++j;
            if (!respkit::detail::parse_int64(call.arg(j), limit) || limit < 0) {
                call.error("ERR LIMIT can't be negative");
                return;
            }
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const auto members = compute(call, ks, 2, static_cast<std::size_t>(numkeys), set_op::inter, false,
                                 static_cast<std::size_t>(limit));
    if (!members) return;
    call.reply().integer(static_cast<std::int64_t>(members->size()));
}

/// SPOP key [count].
template <class Keyspace>
void spop_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    if (call.argc() > 3) {
        call.error(server::errors::syntax);
        return;
    }
    std::int64_t count = 1;
    if (call.argc() == 3) {
        if (!respkit::detail::parse_int64(call.arg(2), count) || count < 0) {
            call.error("ERR value is out of range, must be positive");
            return;
        }
    }
    const auto s = write_set(call, ks, call.arg(1));
    if (!s) return;
    if (!*s) {
        if (call.argc() == 3)
            call.reply().set(0);
        else
            call.reply().null();
        return;
    }
    set_value& set = **s;
    std::vector<std::string> popped;
    const auto pop_random = [&] {
        set_value::scratch digits;
        popped.emplace_back(random_member(set, digits));
        (void)set.erase(popped.back());
    };
    const auto size = static_cast<std::uint64_t>(set.size());
    const auto wanted = static_cast<std::uint64_t>(count);
    if (call.argc() == 2) {
        pop_random();
    } else if (wanted >= size) {
        // The whole set, as Redis's SUNION of it: an intset's members in ascending order.
        set_value whole;
        set.for_each([&](std::string_view m) { (void)whole.insert(m, ks.encoding_limits_used()); });
        popped = members_of(whole);
        set = set_value();
    } else if ((size - wanted) * 5 > wanted) {
        while (popped.size() < wanted) pop_random();
    } else {
        // Most of the set goes, as Redis does it: the members that stay move to a new set (which
        // may take the compact form again), and those left behind are the reply, in set order.
        set_value kept;
        for (std::uint64_t i = 0; i < size - wanted; ++i) {
            set_value::scratch digits;
            const std::string member(random_member(set, digits));
            (void)kept.insert(member, ks.encoding_limits_used());
            (void)set.erase(member);
        }
        popped = members_of(set);
        set = std::move(kept);
    }
    // Redis's order: the event, the reply, the deletion's event.
    if (!popped.empty()) call.notify(server::keyspace_event_class::set, "spop", call.arg(1));
    if (call.argc() == 3)
        reply_members(call, popped);
    else
        call.reply().bulk_string(popped.front());
    const bool emptied = set.empty();
    if (emptied)
        ks.erase(db, call.arg(1));
    else if (!popped.empty())
        ks.notify_modified(db, call.arg(1));
    if (emptied) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
    // Replayed without chance, as Redis 7.0 writes it: SREM of the member taken, DEL when a
    // count took the whole set, else one SREM per member taken.
    if (call.argc() == 2) {
        replay_as(call, {"SREM", std::string(call.arg(1)), popped.front()});
    } else if (emptied) {
        replay_as_del(call, call.arg(1));
    } else if (call.propagating()) {
        for (const std::string& member : popped) call.also_propagate(db, {"SREM", std::string(call.arg(1)), member});
        call.prevent_propagation();
    }
}

/// SRANDMEMBER key [count].
template <class Keyspace>
void srandmember_command(command_call& call, Keyspace& ks) {
    if (call.argc() > 3) {
        call.error(server::errors::syntax);
        return;
    }
    std::int64_t count = 0;
    if (call.argc() == 3) {
        const auto n = integer_arg(call, 2);
        if (!n) return;
        if (*n == std::numeric_limits<std::int64_t>::min()) {
            call.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            return;
        }
        count = *n;
    }
    const auto s = read_set(call, ks, call.arg(1));
    if (!s) return;
    auto& rng = random_source();
    if (call.argc() == 2) {
        if (!*s)
            call.reply().null();
        else
        {
            set_value::scratch digits;
            call.reply().bulk_string(random_member(**s, digits));
        }
        return;
    }
    if (!*s || count == 0) {
        call.reply().array(0);
        return;
    }
    const set_value& set = **s;
    if (count < 0) {
        // Repeats allowed: as many draws as asked. Redis has no bound but the output limit; a
        // reply that cannot fit in it is abandoned before it is written.
        const auto n = static_cast<std::uint64_t>(-count);
        require_reply_room(call, n, min_bulk_string_bytes);
        call.reply().array(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            set_value::scratch digits;
            call.reply().bulk_string(random_member(set, digits));
        }
        return;
    }
    std::vector<std::string> members = members_of(set);
    if (static_cast<std::uint64_t>(count) >= members.size()) { // the whole set, in its order
        call.reply().array(members.size());
        for (const std::string& m : members) call.reply().bulk_string(m);
        return;
    }
    std::shuffle(members.begin(), members.end(), rng);
    if (members.size() > static_cast<std::uint64_t>(count)) members.resize(static_cast<std::size_t>(count));
    call.reply().array(members.size());
    for (const std::string& m : members) call.reply().bulk_string(m);
}

/// SMOVE source destination member.
template <class Keyspace>
void smove_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    const std::string_view src = call.arg(1), dst = call.arg(2), member = call.arg(3);
    // Redis looks both keys up before checking either's type; the source is looked up last
    // here because the destination's lookup may expire a key and move the map's entries.
    const bool dst_wrong_type = static_cast<bool>(ks.find_for_write(db, dst, value_kind::set).error);
    const auto source = ks.find_for_write(db, src, value_kind::set);
    if (!source.found && !source.error) {
        call.reply().integer(0);
        return;
    }
    if (source.error || dst_wrong_type) {
        call.error(server::errors::wrong_type);
        return;
    }
    set_value& from = source.found->set();
    if (src == dst) {
        call.reply().integer(from.contains(member) ? 1 : 0);
        return;
    }
    if (!from.erase(member)) {
        call.reply().integer(0);
        return;
    }
    const bool emptied = from.empty();
    if (emptied)
        ks.erase(db, src);
    else
        ks.notify_modified(db, src);
    call.notify(server::keyspace_event_class::set, "srem", src);
    if (emptied) call.notify(server::keyspace_event_class::generic, "del", src);
    const auto to = ks.find_or_create(db, dst, value_kind::set);
    const bool added = to.found->set().insert(member, ks.encoding_limits_used());
    ks.notify_modified(db, dst);
    if (added) call.notify(server::keyspace_event_class::set, "sadd", dst);
    call.reply().integer(1);
}

/// SSCAN key cursor [MATCH pattern] [COUNT count].
template <class Keyspace>
void sscan_command(command_call& call, Keyspace& ks) {
    const auto cursor = cursor_arg(call, 2);
    if (!cursor) return;
    const auto s = read_set(call, ks, call.arg(1));
    if (!s) return;
    if (!*s) {
        reply_scan(call, 0, {});
        return;
    }
    std::string_view pattern = "*";
    std::size_t count = 10;
    if (!parse_scan_options(call, pattern, count)) return;
    const bool all = pattern.size() == 1 && pattern[0] == '*';
    std::vector<std::string> items;
    const auto keep = [&](std::string_view m) {
        if (all || glob_match(pattern, m)) items.emplace_back(m);
    };
    const set_value& set = **s;
    // An intset is returned whole in one step, in ascending order, as Redis does.
    const std::uint64_t next = set.scan(*cursor, count, keep);
    reply_scan(call, next, items);
}

} // namespace set_detail

/// Registers the set commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them), with Redis 7.0's arity, flags and key positions.
template <class Keyspace>
void install_set_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace set_detail;
    Keyspace* ks = &keyspace;
    auto specs = set_command_specs();

    commands.add(
        std::move(specs.sadd),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto r = ks->find_or_create(db, call.arg(1), value_kind::set);
            if (r.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            std::int64_t added = 0;
            for (std::size_t i = 2; i < call.argc(); ++i)
                added += r.found->set().insert(call.arg(i), ks->encoding_limits_used()) ? 1 : 0;
            if (added != 0) {
                ks->notify_modified(db, call.arg(1));
                call.notify(server::keyspace_event_class::set, "sadd", call.arg(1));
            }
            call.reply().integer(added);
        });
    commands.add(
        std::move(specs.srem),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto s = write_set(call, *ks, call.arg(1));
            if (!s) return;
            std::int64_t removed = 0;
            if (*s) {
                for (std::size_t i = 2; i < call.argc() && !(*s)->empty(); ++i)
                    removed += (*s)->erase(call.arg(i)) ? 1 : 0;
                const bool emptied = (*s)->empty();
                if (emptied)
                    ks->erase(db, call.arg(1));
                else if (removed != 0)
                    ks->notify_modified(db, call.arg(1));
                if (removed != 0) call.notify(server::keyspace_event_class::set, "srem", call.arg(1));
                if (emptied) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
            }
            call.reply().integer(removed);
        });
    commands.add(std::move(specs.smembers),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, false); });
    commands.add(std::move(specs.sismember),
                 [ks](command_call& call) {
                     const auto s = read_set(call, *ks, call.arg(1));
                     if (!s) return;
                     call.reply().integer(*s && (*s)->contains(call.arg(2)) ? 1 : 0);
                 });
    commands.add(
        std::move(specs.smismember),
        [ks](command_call& call) {
            const auto s = read_set(call, *ks, call.arg(1));
            if (!s) return;
            call.reply().array(call.argc() - 2);
            for (std::size_t i = 2; i < call.argc(); ++i)
                call.reply().integer(*s && (*s)->contains(call.arg(i)) ? 1 : 0);
        });
    commands.add(
        std::move(specs.scard),
        [ks](command_call& call) {
            const auto s = read_set(call, *ks, call.arg(1));
            if (!s) return;
            call.reply().integer(*s ? static_cast<std::int64_t>((*s)->size()) : 0);
        });
    commands.add(std::move(specs.spop),
                 [ks](command_call& call) { spop_command(call, *ks); });
    commands.add(std::move(specs.srandmember),
                 [ks](command_call& call) { srandmember_command(call, *ks); });
    commands.add(std::move(specs.smove),
                 [ks](command_call& call) { smove_command(call, *ks); });
    commands.add(std::move(specs.sinter),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, false); });
    commands.add(
        std::move(specs.sintercard),
        [ks](command_call& call) { sintercard_command(call, *ks); });
    commands.add(
        std::move(specs.sunion),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::unite, false); });
    commands.add(
        std::move(specs.sdiff),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::diff, false); });
    commands.add(std::move(specs.sinterstore),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, true); });
    commands.add(
        std::move(specs.sunionstore),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::unite, true); });
    commands.add(
        std::move(specs.sdiffstore),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::diff, true); });
    commands.add(
        std::move(specs.sscan),
        [ks](command_call& call) { sscan_command(call, *ks); });
}

} // namespace respkit::commands

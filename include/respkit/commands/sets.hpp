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
#include "respkit/commands/scan.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/session.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"

namespace respkit::commands {

namespace set_detail {

using server::command_call;
using server::command_flag;
using store::set_value;
using store::value_kind;

/// The members of `s`, copied (the set may change while they are used).
inline std::vector<std::string> members_of(const set_value& s) {
    std::vector<std::string> out;
    out.reserve(s.size());
    s.for_each([&](std::string_view m, const store::set_member&) { out.emplace_back(m); });
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
    std::vector<std::string> out;
    switch (op) {
    case set_op::inter: {
        if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
        const auto smallest = std::min_element(sets.begin(), sets.end(),
                                               [](const set_value* a, const set_value* b) { return a->size() < b->size(); });
        (*smallest)->for_each([&](std::string_view m, const store::set_member&) {
            if (limit != 0 && out.size() >= limit) return;
            for (const set_value* s : sets) {
                if (s != *smallest && !s->contains(m)) return;
            }
            out.emplace_back(m);
        });
        break;
    }
    case set_op::unite: {
        set_value seen;
        for (const set_value* s : sets) {
            if (!s) continue;
            s->for_each([&](std::string_view m, const store::set_member&) {
                if (seen.try_emplace(m).second) out.emplace_back(m);
            });
        }
        break;
    }
    case set_op::diff:
        if (!sets[0]) return out;
        sets[0]->for_each([&](std::string_view m, const store::set_member&) {
            for (std::size_t i = 1; i < sets.size(); ++i) {
                if (sets[i] && sets[i]->contains(m)) return;
            }
            out.emplace_back(m);
        });
        break;
    }
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
        ks.erase(db, call.arg(1));
        call.reply().integer(0);
        return;
    }
    store::value v = store::value::make(value_kind::set);
    for (const std::string& m : *members) v.set().try_emplace(m);
    ks.set(db, call.arg(1), std::move(v));
    call.reply().integer(static_cast<std::int64_t>(members->size()));
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
    auto& rng = random_source();
    while (popped.size() < static_cast<std::uint64_t>(count) && !set.empty()) {
        const std::string* m = set.random_key(rng());
        popped.push_back(*m);
        set.erase(popped.back());
    }
    if (call.argc() == 3)
        reply_members(call, popped);
    else
        call.reply().bulk_string(popped.front());
    if (set.empty())
        ks.erase(db, call.arg(1));
    else if (!popped.empty())
        ks.notify_modified(db, call.arg(1));
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
            call.reply().bulk_string(*(*s)->random_key(rng()));
        return;
    }
    if (!*s || count == 0) {
        call.reply().array(0);
        return;
    }
    const set_value& set = **s;
    if (count < 0) {
        const auto n = static_cast<std::uint64_t>(-count);
        call.reply().array(n);
        for (std::uint64_t i = 0; i < n; ++i) call.reply().bulk_string(*set.random_key(rng()));
        return;
    }
    std::vector<std::string> members = members_of(set);
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
    if (from.empty())
        ks.erase(db, src);
    else
        ks.notify_modified(db, src);
    const auto to = ks.find_or_create(db, dst, value_kind::set);
    to.found->set().try_emplace(member);
    ks.notify_modified(db, dst);
    call.reply().integer(1);
}

/// True when Redis 7.0 would keep `s` as an intset (at most 512 members, all integers).
[[nodiscard]] inline bool is_intset(const set_value& s) {
    if (s.size() > 512) return false;
    bool integers = true;
    s.for_each([&](std::string_view m, const store::set_member&) {
        std::int64_t ignored = 0;
        if (integers && !store::parse_int64(m, ignored)) integers = false;
    });
    return integers;
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
    const auto keep = [&](std::string_view m, const store::set_member&) {
        if (all || glob_match(pattern, m)) items.emplace_back(m);
    };
    const set_value& set = **s;
    // Redis returns small (intset) sets whole; so do we for any set that fits in COUNT.
    std::uint64_t next = 0;
    if (is_intset(set)) {
        // An intset is kept sorted: Redis returns it whole, in numeric order.
        std::vector<std::int64_t> numbers;
        set.for_each([&](std::string_view m, const store::set_member&) {
            std::int64_t n = 0;
            (void)store::parse_int64(m, n);
            numbers.push_back(n);
        });
        std::sort(numbers.begin(), numbers.end());
        for (const std::int64_t n : numbers) {
            store::int_chars scratch;
            keep(store::format_int64(n, scratch.data()), store::set_member{});
        }
    } else if (*cursor == 0 && set.size() <= count) {
        set.for_each(keep);
    } else {
        next = set.scan(*cursor, count, keep);
    }
    reply_scan(call, next, items);
}

} // namespace set_detail

/// Registers the set commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them), with Redis 7.0's arity, flags and key positions.
template <class Keyspace>
void install_set_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace set_detail;
    using server::arg_flag;
    using server::arg_type;
    using server::key_flag;
    Keyspace* ks = &keyspace;
    const spec_builder spec{"set"};
    const command_flag write = command_flag::write;
    const command_flag readonly = command_flag::readonly;
    const command_flag fast = command_flag::fast;
    const command_flag denyoom = command_flag::denyoom;
    const server::key_positions one{1, 1, 1};
    const server::key_positions all{1, -1, 1};
    const server::key_positions store_all{1, -1, 1};
    // Redis's key specs: what each command does with its keys.
    const server::key_spec ro{.flags = key_flag::ro};
    const server::key_spec ro_access{.flags = key_flag::ro | key_flag::access};
    const server::key_spec rw_insert{.flags = key_flag::rw | key_flag::insert};
    const server::key_spec rw_delete{.flags = key_flag::rw | key_flag::delete_};
    const server::key_spec rw_update{.flags = key_flag::rw | key_flag::update};
    const server::key_spec rw_access_delete{.flags = key_flag::rw | key_flag::access |
                                                     key_flag::delete_};
    const server::key_spec ow_update{.flags = key_flag::ow | key_flag::update};
    // COMMAND DOCS's arguments that several commands share.
    const server::command_arg key_arg{.name = "key", .type = arg_type::key, .key_spec_index = 0};
    const server::command_arg keys_arg{
        .name = "key", .type = arg_type::key, .key_spec_index = 0, .flags = arg_flag::multiple};
    const std::vector<std::string> write_fast{"@write", "@set", "@fast"};
    const std::vector<std::string> read_fast{"@read", "@set", "@fast"};
    const std::vector<std::string> read_slow{"@read", "@set", "@slow"};
    const std::vector<std::string> write_slow{"@write", "@set", "@slow"};

    commands.add(
        server::with_docs(
            spec("sadd", -3, write | denyoom | fast, one, {rw_insert},
                 "Add one or more members to a set", "1.0.0",
                 "O(1) for each element added, so O(N) to add N elements when the command is "
                 "called with multiple arguments.",
                 write_fast),
            {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}},
            {{"2.4.0", "Accepts multiple `member` arguments."}}),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto r = ks->find_or_create(db, call.arg(1), value_kind::set);
            if (r.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            std::int64_t added = 0;
            for (std::size_t i = 2; i < call.argc(); ++i)
                added += r.found->set().try_emplace(call.arg(i)).second ? 1 : 0;
            if (added != 0) ks->notify_modified(db, call.arg(1));
            call.reply().integer(added);
        });
    commands.add(
        server::with_docs(
            spec("srem", -3, write | fast, one, {rw_delete},
                 "Remove one or more members from a set", "1.0.0",
                 "O(N) where N is the number of members to be removed.", write_fast),
            {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}},
            {{"2.4.0", "Accepts multiple `member` arguments."}}),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto s = write_set(call, *ks, call.arg(1));
            if (!s) return;
            std::int64_t removed = 0;
            if (*s) {
                for (std::size_t i = 2; i < call.argc() && !(*s)->empty(); ++i)
                    removed += (*s)->erase(call.arg(i)) ? 1 : 0;
                if ((*s)->empty())
                    ks->erase(db, call.arg(1));
                else if (removed != 0)
                    ks->notify_modified(db, call.arg(1));
            }
            call.reply().integer(removed);
        });
    commands.add(server::with_docs(spec("smembers", 2, readonly, one, {ro_access},
                                        "Get all the members in a set", "1.0.0",
                                        "O(N) where N is the set cardinality.", read_slow,
                                        {"nondeterministic_output_order"}),
                                   {key_arg}),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, false); });
    commands.add(server::with_docs(spec("sismember", 3, readonly | fast, one, {ro},
                                        "Determine if a given value is a member of a set", "1.0.0",
                                        "O(1)", read_fast),
                                   {key_arg, {.name = "member", .type = arg_type::string}}),
                 [ks](command_call& call) {
                     const auto s = read_set(call, *ks, call.arg(1));
                     if (!s) return;
                     call.reply().integer(*s && (*s)->contains(call.arg(2)) ? 1 : 0);
                 });
    commands.add(
        server::with_docs(
            spec("smismember", -3, readonly | fast, one, {ro_access},
                 "Returns the membership associated with the given elements for a set", "6.2.0",
                 "O(N) where N is the number of elements being checked for membership", read_fast),
            {key_arg, {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}}),
        [ks](command_call& call) {
            const auto s = read_set(call, *ks, call.arg(1));
            if (!s) return;
            call.reply().array(call.argc() - 2);
            for (std::size_t i = 2; i < call.argc(); ++i)
                call.reply().integer(*s && (*s)->contains(call.arg(i)) ? 1 : 0);
        });
    commands.add(
        server::with_docs(spec("scard", 2, readonly | fast, one, {ro},
                               "Get the number of members in a set", "1.0.0", "O(1)", read_fast),
                          {key_arg}),
        [ks](command_call& call) {
            const auto s = read_set(call, *ks, call.arg(1));
            if (!s) return;
            call.reply().integer(*s ? static_cast<std::int64_t>((*s)->size()) : 0);
        });
    commands.add(server::with_docs(
                     spec("spop", -2, write | fast, one, {rw_access_delete},
                          "Remove and return one or multiple random members from a set", "1.0.0",
                          "Without the count argument O(1), otherwise O(N) where N is the value of "
                          "the passed count.",
                          write_fast, {"nondeterministic_output"}),
                     {key_arg,
                      {.name = "count",
                       .type = arg_type::integer,
                       .since = "3.2.0",
                       .flags = arg_flag::optional}},
                     {{"3.2.0", "Added the `count` argument."}}),
                 [ks](command_call& call) { spop_command(call, *ks); });
    commands.add(server::with_docs(spec("srandmember", -2, readonly, one, {ro_access},
                                        "Get one or multiple random members from a set", "1.0.0",
                                        "Without the count argument O(1), otherwise O(N) where N "
                                        "is the absolute value of the passed count.",
                                        read_slow, {"nondeterministic_output"}),
                                   {key_arg,
                                    {.name = "count",
                                     .type = arg_type::integer,
                                     .since = "2.6.0",
                                     .flags = arg_flag::optional}},
                                   {{"2.6.0", "Added the optional `count` argument."}}),
                 [ks](command_call& call) { srandmember_command(call, *ks); });
    commands.add(server::with_docs(
                     spec("smove", 4, write | fast, {1, 2, 1},
                          {rw_access_delete,
                           {.flags = key_flag::rw | key_flag::insert, .begin = {.index = 2}}},
                          "Move a member from one set to another", "1.0.0", "O(1)", write_fast),
                     {{.name = "source", .type = arg_type::key, .key_spec_index = 0},
                      {.name = "destination", .type = arg_type::key, .key_spec_index = 1},
                      {.name = "member", .type = arg_type::string}}),
                 [ks](command_call& call) { smove_command(call, *ks); });
    commands.add(server::with_docs(spec("sinter", -2, readonly, all,
                                        {{.flags = key_flag::ro | key_flag::access,
                                          .find = server::key_range(-1)}},
                                        "Intersect multiple sets", "1.0.0",
                                        "O(N*M) worst case where N is the cardinality of the "
                                        "smallest set and M is the number of sets.",
                                        read_slow, {"nondeterministic_output_order"}),
                                   {keys_arg}),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, false); });
    commands.add(
        server::with_docs(
            spec("sintercard", -3, readonly | command_flag::movablekeys, {},
                 {{.flags = key_flag::ro | key_flag::access, .find = server::key_count(0, 1, 1)}},
                 "Intersect multiple sets and return the cardinality of the result", "7.0.0",
                 "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
                 "number of sets.",
                 read_slow),
            {{.name = "numkeys", .type = arg_type::integer},
             keys_arg,
             {.name = "limit",
              .type = arg_type::integer,
              .token = "LIMIT",
              .flags = arg_flag::optional}}),
        [ks](command_call& call) { sintercard_command(call, *ks); });
    commands.add(
        server::with_docs(
            spec("sunion", -2, readonly, all,
                 {{.flags = key_flag::ro | key_flag::access, .find = server::key_range(-1)}},
                 "Add multiple sets", "1.0.0",
                 "O(N) where N is the total number of elements in all given sets.", read_slow,
                 {"nondeterministic_output_order"}),
            {keys_arg}),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::unite, false); });
    commands.add(
        server::with_docs(
            spec("sdiff", -2, readonly, all,
                 {{.flags = key_flag::ro | key_flag::access, .find = server::key_range(-1)}},
                 "Subtract multiple sets", "1.0.0",
                 "O(N) where N is the total number of elements in all given sets.", read_slow,
                 {"nondeterministic_output_order"}),
            {keys_arg}),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::diff, false); });
    commands.add(server::with_docs(
                     spec("sinterstore", -3, write | denyoom, store_all,
                          {rw_update,
                           {.flags = key_flag::ro | key_flag::access,
                            .begin = {.index = 2},
                            .find = server::key_range(-1)}},
                          "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                          "O(N*M) worst case where N is the cardinality of the smallest set and M "
                          "is the number of sets.",
                          write_slow),
                     {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
                      {.name = "key",
                       .type = arg_type::key,
                       .key_spec_index = 1,
                       .flags = arg_flag::multiple}}),
                 [ks](command_call& call) { set_op_command(call, *ks, set_op::inter, true); });
    commands.add(
        server::with_docs(spec("sunionstore", -3, write | denyoom, store_all,
                               {ow_update,
                                {.flags = key_flag::ro | key_flag::access,
                                 .begin = {.index = 2},
                                 .find = server::key_range(-1)}},
                               "Add multiple sets and store the resulting set in a key", "1.0.0",
                               "O(N) where N is the total number of elements in all given sets.",
                               write_slow),
                          {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
                           {.name = "key",
                            .type = arg_type::key,
                            .key_spec_index = 1,
                            .flags = arg_flag::multiple}}),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::unite, true); });
    commands.add(
        server::with_docs(
            spec("sdiffstore", -3, write | denyoom, store_all,
                 {ow_update,
                  {.flags = key_flag::ro | key_flag::access,
                   .begin = {.index = 2},
                   .find = server::key_range(-1)}},
                 "Subtract multiple sets and store the resulting set in a key", "1.0.0",
                 "O(N) where N is the total number of elements in all given sets.", write_slow),
            {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
             {.name = "key",
              .type = arg_type::key,
              .key_spec_index = 1,
              .flags = arg_flag::multiple}}),
        [ks](command_call& call) { set_op_command(call, *ks, set_op::diff, true); });
    commands.add(
        server::with_docs(spec("sscan", -3, readonly, one, {ro_access},
                               "Incrementally iterate Set elements", "2.8.0",
                               "O(1) for every call. O(N) for a complete iteration, including "
                               "enough command calls for the cursor to return back to 0. N is the "
                               "number of elements inside the collection..",
                               read_slow, {"nondeterministic_output"}),
                          {key_arg,
                           {.name = "cursor", .type = arg_type::integer},
                           {.name = "pattern",
                            .type = arg_type::pattern,
                            .token = "MATCH",
                            .flags = arg_flag::optional},
                           {.name = "count",
                            .type = arg_type::integer,
                            .token = "COUNT",
                            .flags = arg_flag::optional}}),
        [ks](command_call& call) { sscan_command(call, *ks); });
}

} // namespace respkit::commands

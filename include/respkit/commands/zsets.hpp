#pragma once

/// \file
/// The sorted-set command family (ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT,
/// ZLEXCOUNT, ZRANGE and its legacy forms, ZRANGESTORE, ZRANK, ZREVRANK, ZPOPMIN, ZPOPMAX,
/// ZMPOP, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX and the blocking BZPOPMIN,
/// BZPOPMAX, BZMPOP, ...) over a store::keyspace, with Redis
/// 7.0's replies and errors. The commands reach the
/// stored sorted set (store::sorted_set: a skip list, O(log n) ranks and range starts)
/// through zset_ops.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/multi_key_pop.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/random.hpp"
#include "respkit/commands/reply_room.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/scan.hpp"
#include "respkit/commands/specs/zsets.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/hash_map.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/sorted_set.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Uniform access to a sorted set: the commands' view of the store's zset type.
template <class Z>
struct zset_ops;

/// Over store::sorted_set (packed while small, else a skip list: O(log n) rank, element at
/// rank and range starts).
template <>
struct zset_ops<store::sorted_set> {
    using zset = store::sorted_set;
    static std::size_t size(const zset& z) noexcept { return z.size(); }
    static std::optional<double> score(const zset& z, std::string_view m) noexcept { return z.score(m); }
    /// Adds an absent member, changing the form as Redis does past `limits`.
    static void insert(zset& z, std::string_view m, double s, const store::zset_limits& limits) { z.insert(m, s, limits); }
    static void update(zset& z, std::string_view m, double s) { z.update(m, s); }
    static bool erase(zset& z, std::string_view m) { return z.erase(m); }
    /// 0-based ascending rank of a present member with score `s`.
    static std::size_t rank(const zset& z, std::string_view m, double s) noexcept { return z.rank(m, s); }
    /// Number of leading elements for which before(score, member) holds (a prefix).
    template <class Before>
    static std::size_t count_while(const zset& z, Before&& before) {
        return z.count_while(before);
    }
    /// Calls f(member, score) for `n` elements from ascending rank `start`, walking down
    /// when `reverse`.
    template <class F>
    static void visit(const zset& z, std::size_t start, std::size_t n, bool reverse, F&& f) {
        z.visit(start, n, reverse, f);
    }
    /// One step of a scan over the members: f(member, score); returns the next cursor (a
    /// packed set is returned whole, with cursor 0, as Redis's listpack).
    template <class F>
    static std::uint64_t scan(const zset& z, std::uint64_t cursor, std::size_t count, F&& f) {
        return z.scan(cursor, count, f);
    }
};

namespace zset_detail {

using server::command_call;
using server::command_flag;
using store::value_kind;

/// The sorted-set type the store holds, and the operations over it.
using zset = std::remove_cvref_t<decltype(std::declval<store::value&>().zset())>;
using ops = zset_ops<zset>;

/// A score interval (Redis's zrangespec).
struct score_range {
    double min = 0, max = 0;
    bool minex = false, maxex = false;
};

/// Parses one end of a score range as Redis's zslParseRange: optional '(' then strtod over
/// the C string (empty text is 0, leading space allowed), not NaN.
[[nodiscard]] inline bool parse_score_bound(std::string_view text, double& out, bool& exclusive) {
    std::string copy(c_string(text));
    exclusive = !copy.empty() && copy[0] == '(';
    const char* start = copy.c_str() + (exclusive ? 1 : 0);
    char* end = nullptr;
    out = std::strtod(start, &end);
    return *end == '\0' && !std::isnan(out);
}

/// Parses "min max" of a score range, replying "ERR min or max is not a float" on failure.
[[nodiscard]] inline bool parse_score_range(command_call& call, std::size_t min_arg, std::size_t max_arg,
                                            score_range& r) {
    if (!parse_score_bound(call.arg(min_arg), r.min, r.minex) ||
        !parse_score_bound(call.arg(max_arg), r.max, r.maxex)) {
        call.error("ERR min or max is not a float");
        return false;
    }
    return true;
}

/// One end of a lex range (Redis's zlexrangespec item).
struct lex_bound {
    enum class kind { minus_inf, plus_inf, value } k = kind::value;
    std::string_view text;
    bool exclusive = false;
};

/// Parses a lex range item: "(" or "[" then bytes, or exactly "+" or "-".
[[nodiscard]] inline bool parse_lex_bound(std::string_view text, lex_bound& b) {
    if (text.empty()) return false;
    switch (text[0]) {
    case '+':
        if (text.size() > 1 && text[1] != '\0') return false;
        b.k = lex_bound::kind::plus_inf;
        return true;
    case '-':
        if (text.size() > 1 && text[1] != '\0') return false;
        b.k = lex_bound::kind::minus_inf;
        return true;
    case '(':
    case '[':
        b.k = lex_bound::kind::value;
        b.exclusive = text[0] == '(';
        b.text = text.substr(1);
        return true;
    default: return false;
    }
}

/// Parses "min max" of a lex range, replying Redis's error on failure.
[[nodiscard]] inline bool parse_lex_range(command_call& call, std::size_t min_arg, std::size_t max_arg,
                                          lex_bound& min, lex_bound& max) {
    if (!parse_lex_bound(call.arg(min_arg), min) || !parse_lex_bound(call.arg(max_arg), max)) {
        call.error("ERR min or max not valid string range item");
        return false;
    }
    return true;
}

/// Ascending ranks [lo, hi) of the elements within a score range.
[[nodiscard]] inline std::pair<std::size_t, std::size_t> score_ranks(const zset& z, const score_range& r) {
    const std::size_t lo = ops::count_while(z, [&](double s, std::string_view) { return r.minex ? s <= r.min : s < r.min; });
    const std::size_t hi = ops::count_while(z, [&](double s, std::string_view) { return r.maxex ? s < r.max : s <= r.max; });
    return {lo, std::max(lo, hi)};
}

/// Ascending ranks [lo, hi) of the elements within a lex range.
[[nodiscard]] inline std::pair<std::size_t, std::size_t> lex_ranks(const zset& z, const lex_bound& min,
                                                                   const lex_bound& max) {
    using k = lex_bound::kind;
    const auto below_min = [&](double, std::string_view m) {
        if (min.k == k::minus_inf) return false;
        if (min.k == k::plus_inf) return true;
        return min.exclusive ? m <= min.text : m < min.text;
    };
    const auto within_max = [&](double, std::string_view m) {
        if (max.k == k::plus_inf) return true;
        if (max.k == k::minus_inf) return false;
        return max.exclusive ? m < max.text : m <= max.text;
    };
    const std::size_t lo = ops::count_while(z, below_min);
    const std::size_t hi = ops::count_while(z, within_max);
    return {lo, std::max(lo, hi)};
}

/// Read lookup of a sorted set: nullptr when missing; nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<const zset*> read_zset(command_call& call, Keyspace& ks, std::string_view key,
                                                   bool for_write = false) {
    const store::value* v = for_write ? ks.find_for_write(call.client().db(), key) : ks.find(call.client().db(), key);
    if (!v) return static_cast<const zset*>(nullptr);
    if (v->kind() != value_kind::zset) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    return &v->zset();
}

/// ZADD's flags (also ZINCRBY, which is ZADD INCR).
struct zadd_flags {
    bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ..., and ZINCRBY (`incr` forced).
template <class Keyspace>
void zadd_command(command_call& call, Keyspace& ks, bool forced_incr) {
    zadd_flags f;
    f.incr = forced_incr;
    std::size_t i = 2;
    for (; i < call.argc(); ++i) {
        const std::string_view opt = call.arg(i);
        if (option_is(opt, "nx")) f.nx = true;
        else if (option_is(opt, "xx")) f.xx = true;
        else if (option_is(opt, "ch")) f.ch = true;
        else if (option_is(opt, "incr")) f.incr = true;
        else if (option_is(opt, "gt")) f.gt = true;
        else if (option_is(opt, "lt")) f.lt = true;
        else break;
    }
    const std::size_t elements = call.argc() - i;
    if (elements == 0 || elements % 2 != 0) {
        call.error(server::errors::syntax);
        return;
    }
    if (f.nx && f.xx) {
        call.error("ERR XX and NX options at the same time are not compatible");
        return;
    }
    if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
        call.error("ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if (f.incr && elements > 2) {
        call.error("ERR INCR option supports a single increment-element pair");
        return;
    }
    std::vector<double> scores(elements / 2);
    for (std::size_t j = 0; j < scores.size(); ++j) {
        if (!parse_redis_double(call.arg(i + 2 * j), scores[j])) {
            call.error(server::errors::not_float);
            return;
        }
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    auto found = ks.find_for_write(db, key, value_kind::zset);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    std::int64_t added = 0, updated = 0, processed = 0;
    double last = 0;
    if (!found.found && f.xx) {
        if (f.incr)
            call.reply().null();
        else
            call.reply().integer(0);
        return;
    }
    const bool created = !found.found;
    const store::zset_limits& limits = ks.zset_limits_used();
    store::value* v = found.found ? found.found : &ks.set(db, key, store::value::make(value_kind::zset));
    zset& z = v->zset();
    // As Redis 7.0's ZADD: a new key is a skip list from the start when packing is off or the
    // first member is too long for it.
    if (created && (limits.max_entries == 0 || call.arg(i + 1).size() > limits.max_value)) z.to_skiplist();
    for (std::size_t j = 0; j < scores.size(); ++j) {
        const std::string_view member = call.arg(i + 2 * j + 1);
        double score = scores[j];
        if (const std::optional<double> current = ops::score(z, member)) {
            if (f.nx) continue;
            if (f.incr) {
                score += *current;
                if (std::isnan(score)) {
                    call.error("ERR resulting score is not a number (NaN)");
                    if (added + updated != 0) {
                        ks.notify_modified(db, key);
                        call.notify(server::keyspace_event_class::zset, f.incr ? "zincr" : "zadd", key);
                    }
                    return;
                }
            }
            if ((f.lt && score >= *current) || (f.gt && score <= *current)) continue;
            last = score;
            ++processed;
            if (score != *current) {
                ops::update(z, member, score);
                ++updated;
            }
        } else {
            if (f.xx) continue;
            ops::insert(z, member, score, limits);
            last = score;
            ++added;
            ++processed;
        }
    }
    if (f.incr) {
        if (processed != 0)
            call.reply().double_number(last);
        else
            call.reply().null();
    } else {
        call.reply().integer(f.ch ? added + updated : added);
    }
    if (created && ops::size(z) == 0)
        ks.erase(db, key);
    else if (!created && added + updated != 0)
        ks.notify_modified(db, key);
    if (added + updated != 0) call.notify(server::keyspace_event_class::zset, f.incr ? "zincr" : "zadd", key);
}

/// Writes (member, score) as ZRANGE WITHSCORES does: RESP3 pairs, RESP2 flat.
inline void reply_pair(command_call& call, std::string_view member, double score) {
    if (call.reply().resp3()) call.reply().array(2);
    call.reply().bulk_string(member);
    call.reply().double_number(score);
}

/// Which kind of range ZRANGE walks.
enum class range_kind { automatic, rank, score, lex };

/// ZRANGE and its legacy forms, ZRANGESTORE (`store`: argument 1 is the destination).
template <class Keyspace>
void zrange_command(command_call& call, Keyspace& ks, range_kind kind, int direction, bool store) {
    // direction: 0 automatic, 1 forward, -1 reverse (as Redis's ZRANGE_DIRECTION_*).
    const std::size_t key_arg = store ? 2 : 1;
    std::size_t min_arg = key_arg + 1, max_arg = key_arg + 2;
    bool withscores = false;
    std::int64_t offset = 0, limit = -1;
    for (std::size_t j = key_arg + 3; j < call.argc(); ++j) {
        const std::size_t left = call.argc() - j - 1;
        const std::string_view opt = call.arg(j);
        if (!store && option_is(opt, "withscores")) {
            withscores = true;
        } else if (option_is(opt, "limit") && left >= 2) {
            const auto o = integer_arg(call, j + 1);
            if (!o) return;
            const auto l = integer_arg(call, j + 2);
            if (!l) return;
            offset = *o;
            limit = *l;
            j += 2;
        } else if (direction == 0 && option_is(opt, "rev")) {
            direction = -1;
        } else if (kind == range_kind::automatic && option_is(opt, "bylex")) {
            kind = range_kind::lex;
        } else if (kind == range_kind::automatic && option_is(opt, "byscore")) {
            kind = range_kind::score;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    if (kind == range_kind::automatic) kind = range_kind::rank;
    const bool reverse = direction == -1;
    if (limit != -1 && kind == range_kind::rank) {
        call.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && kind == range_kind::lex) {
        call.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    if (reverse && kind != range_kind::rank) std::swap(min_arg, max_arg);
    std::int64_t start = 0, end = 0;
    score_range sr;
    lex_bound lmin, lmax;
    switch (kind) {
    case range_kind::rank: {
        const auto a = integer_arg(call, min_arg);
        if (!a) return;
        const auto b = integer_arg(call, max_arg);
        if (!b) return;
        start = *a;
        end = *b;
        break;
    }
    case range_kind::score:
        if (!parse_score_range(call, min_arg, max_arg, sr)) return;
        break;
    case range_kind::lex:
        if (!parse_lex_range(call, min_arg, max_arg, lmin, lmax)) return;
        break;
    case range_kind::automatic: break;
    }
    const std::size_t db = call.client().db();
    const auto z = read_zset(call, ks, call.arg(key_arg), store);
    if (!z) return;
    // The ascending ranks [lo, hi) of the result, walked upward or downward.
    std::size_t lo = 0, hi = 0;
    if (*z) {
        const std::size_t n = ops::size(**z);
        if (kind == range_kind::rank) {
            const auto len = static_cast<std::int64_t>(n);
            if (start < 0) start += len;
            if (end < 0) end += len;
            if (start < 0) start = 0;
            if (!(start > end || start >= len)) {
                if (end >= len) end = len - 1;
                // Reverse ranks count from the top.
                lo = reverse ? n - 1 - static_cast<std::size_t>(end) : static_cast<std::size_t>(start);
                hi = reverse ? n - static_cast<std::size_t>(start) : static_cast<std::size_t>(end) + 1;
            }
        } else {
            std::tie(lo, hi) = kind == range_kind::score ? score_ranks(**z, sr) : lex_ranks(**z, lmin, lmax);
            if (offset < 0 || static_cast<std::uint64_t>(offset) >= hi - lo) {
                lo = hi = 0;
            } else if (reverse) {
                hi -= static_cast<std::size_t>(offset);
                if (limit >= 0 && static_cast<std::uint64_t>(limit) < hi - lo) lo = hi - static_cast<std::size_t>(limit);
            } else {
                lo += static_cast<std::size_t>(offset);
                if (limit >= 0 && static_cast<std::uint64_t>(limit) < hi - lo) hi = lo + static_cast<std::size_t>(limit);
            }
        }
    }
    const std::size_t count = hi - lo;
    if (store) {
        if (count == 0) {
            call.reply().integer(0);
            if (ks.erase(db, call.arg(1))) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
            return;
        }
        // As Redis's ZRANGESTORE: packed unless the count is over the limit; a long member
        // converts it as it is added.
        const store::zset_limits& limits = ks.zset_limits_used();
        store::value out = store::value::make(value_kind::zset);
        if (count > limits.max_entries) out.zset().to_skiplist();
        ops::visit(**z, lo, count, false, [&](std::string_view m, double s) { ops::insert(out.zset(), m, s, limits); });
        ks.set(db, call.arg(1), std::move(out));
        call.reply().integer(static_cast<std::int64_t>(count));
        call.notify(server::keyspace_event_class::zset, "zrangestore", call.arg(1));
        return;
    }
    if (!*z || count == 0) {
        call.reply().array(0);
        return;
    }
    call.reply().array(withscores && !call.reply().resp3() ? count * 2 : count);
    ops::visit(**z, reverse ? hi - 1 : lo, count, reverse, [&](std::string_view m, double s) {
        if (withscores)
            reply_pair(call, m, s);
        else
            call.reply().bulk_string(m);
    });
}

/// The events of a pop from `key` as Redis 7.0 writes them: "zpopmin"/"zpopmax" where the popped
/// members' replies begin (after the reply's array headers and key), "del" after the reply.
inline void notify_zpop(command_call& call, std::string_view key, bool max) {
    call.notify(server::keyspace_event_class::zset, max ? "zpopmax" : "zpopmin", key);
}

/// Removes up to `count` members with the lowest (highest when `max`) scores from `z`, stored
/// under `key`, returning them with their scores in pop order; deletes the key when it is left
/// empty, else tells the keyspace it changed.
template <class Keyspace>
std::vector<std::pair<std::string, double>> pop_members(command_call& call, Keyspace& ks, std::size_t db,
                                                        std::string_view key, zset& z, std::uint64_t count, bool max) {
    const std::size_t n = std::min<std::uint64_t>(count, ops::size(z));
    std::vector<std::pair<std::string, double>> popped;
    popped.reserve(n);
    ops::visit(z, max ? ops::size(z) - 1 : 0, n, max,
               [&](std::string_view m, double s) { popped.emplace_back(std::string(m), s); });
    for (const auto& p : popped) ops::erase(z, p.first);
    const bool emptied = ops::size(z) == 0;
    if (emptied)
        ks.erase(db, key);
    else
        ks.notify_modified(db, key);
    (void)call;
    return popped;
}

/// ZPOPMIN / ZPOPMAX key [count].
template <class Keyspace>
void zpop_command(command_call& call, Keyspace& ks, bool max) {
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
    const std::size_t db = call.client().db();
    auto found = ks.find_for_write(db, call.arg(1), value_kind::zset);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found || count == 0) {
        call.reply().array(0);
        return;
    }
    const auto popped = pop_members(call, ks, db, call.arg(1), found.found->zset(), static_cast<std::uint64_t>(count), max);
    const bool emptied = !ks.stored(db, call.arg(1));
    const bool nested = call.argc() == 3 && call.reply().resp3();
    call.reply().array(nested ? popped.size() : popped.size() * 2);
    if (!popped.empty()) notify_zpop(call, call.arg(1), max);
    for (const auto& p : popped) {
        if (nested) call.reply().array(2);
        call.reply().bulk_string(p.first);
        call.reply().double_number(p.second);
    }
    if (emptied) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
}

/// How ZUNION, ZINTER and ZDIFF combine the scores of a member found in several inputs.
enum class aggregate { sum, min, max };

/// Which of ZUNION, ZINTER, ZDIFF (and their STORE forms, ZINTERCARD) runs.
enum class multi_op { unite, inter, diff };

/// One input of ZUNION/ZINTER/ZDIFF: a sorted set or a plain set (every score 1), or none.
struct multi_source {
    const zset* z = nullptr;
    const store::set_value* s = nullptr;
    double weight = 1;
    [[nodiscard]] std::size_t size() const noexcept { return z ? ops::size(*z) : s ? s->size() : 0; }
    [[nodiscard]] std::optional<double> score(std::string_view m) const noexcept {
        if (z) {
            if (const std::optional<double> v = ops::score(*z, m)) return v;
        } else if (s && s->contains(m)) {
            return 1.0;
        }
        return std::nullopt;
    }
    template <class F>
    void for_each(F&& f) const {
        if (z) ops::visit(*z, 0, ops::size(*z), false, f);
        else if (s) s->for_each([&](std::string_view m) { f(m, 1.0); });
    }
};

/// A weighted score as Redis computes it: NaN (0 x inf) counts as 0.
[[nodiscard]] inline double weighted(double score, double weight) noexcept {
    const double v = score * weight;
    return std::isnan(v) ? 0.0 : v;
}

/// Combines `value` into `target` as Redis's zunionInterAggregate.
inline void combine(double& target, double value, aggregate how) noexcept {
    switch (how) {
    case aggregate::sum:
        target += value;
        if (std::isnan(target)) target = 0.0;
        break;
    case aggregate::min: target = std::min(target, value); break;
    case aggregate::max: target = std::max(target, value); break;
    }
}

/// ZUNION/ZINTER/ZDIFF numkeys key ... [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES],
/// their STORE forms (`store`: argument 1 is the destination) and ZINTERCARD (`card`).
template <class Keyspace>
void multi_command(command_call& call, Keyspace& ks, multi_op op, bool store, bool card) {
    const std::size_t numkeys_arg = store ? 2 : 1;
    const auto numkeys = integer_arg(call, numkeys_arg);
    if (!numkeys) return;
    if (*numkeys < 1) {
        std::string message = "ERR at least 1 input key is needed for '";
        message += call.spec().name;
        message += "' command";
        call.error(message);
        return;
    }
    if (static_cast<std::uint64_t>(*numkeys) > call.argc() - (numkeys_arg + 1)) {
        call.error(server::errors::syntax);
        return;
    }
    const auto setnum = static_cast<std::size_t>(*numkeys);
    const std::size_t db = call.client().db();
    std::vector<multi_source> src(setnum);
    std::size_t j = numkeys_arg + 1;
    for (std::size_t i = 0; i < setnum; ++i, ++j) {
        const store::value* v = store ? ks.find_for_write(db, call.arg(j)) : ks.find(db, call.arg(j));
        if (!v) continue;
        if (v->kind() == value_kind::zset) {
            src[i].z = &v->zset();
        } else if (v->kind() == value_kind::set) {
            src[i].s = &v->set();
        } else {
            call.error(server::errors::wrong_type);
            return;
        }
    }
    aggregate how = aggregate::sum;
    bool withscores = false;
    std::int64_t limit = 0;
    while (j < call.argc()) {
        const std::size_t remaining = call.argc() - j;
        const std::string_view opt = call.arg(j);
        if (op != multi_op::diff && !card && remaining >= setnum + 1 && option_is(opt, "weights")) {
            ++j;
            for (std::size_t i = 0; i < setnum; ++i, ++j) {
                if (!parse_redis_double(call.arg(j), src[i].weight)) {
                    call.error("ERR weight value is not a float");
                    return;
                }
            }
        } else if (op != multi_op::diff && !card && remaining >= 2 && option_is(opt, "aggregate")) {
            const std::string_view name = call.arg(j + 1);
            if (option_is(name, "sum")) how = aggregate::sum;
            else if (option_is(name, "min")) how = aggregate::min;
            else if (option_is(name, "max")) how = aggregate::max;
            else {
                call.error(server::errors::syntax);
                return;
            }
            j += 2;
        } else if (!store && !card && option_is(opt, "withscores")) {
            withscores = true;
            ++j;
        } else if (card && remaining >= 2 && option_is(opt, "limit")) {
            if (!respkit::detail::parse_int64(call.arg(j + 1), limit) || limit < 0) {
                call.error("ERR LIMIT can't be negative");
                return;
            }
            j += 2;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    // Smallest inputs first, as Redis (it decides the order in which scores are summed).
    if (op != multi_op::diff)
        std::stable_sort(src.begin(), src.end(),
                         [](const multi_source& a, const multi_source& b) { return a.size() < b.size(); });
    std::vector<std::pair<std::string, double>> result;
    switch (op) {
    case multi_op::inter:
        src[0].for_each([&](std::string_view m, double score) {
            if (card && limit != 0 && result.size() >= static_cast<std::uint64_t>(limit)) return;
            double total = weighted(score, src[0].weight);
            for (std::size_t i = 1; i < src.size(); ++i) {
                const auto other = src[i].score(m);
                if (!other) return;
                combine(total, weighted(*other, src[i].weight), how);
            }
            result.emplace_back(std::string(m), total);
        });
        break;
    case multi_op::unite: {
        store::hash_map<std::size_t> index;
        for (const multi_source& in : src) {
            in.for_each([&](std::string_view m, double score) {
                const double value = weighted(score, in.weight);
                auto [slot, inserted] = index.try_emplace(m, result.size());
                if (inserted)
                    result.emplace_back(std::string(m), value);
                else
                    combine(result[*slot].second, value, how);
            });
        }
        break;
    }
    case multi_op::diff:
        src[0].for_each([&](std::string_view m, double score) {
            for (std::size_t i = 1; i < src.size(); ++i) {
                if (src[i].score(m)) return;
            }
            result.emplace_back(std::string(m), score);
        });
        break;
    }
    if (card) {
        call.reply().integer(static_cast<std::int64_t>(result.size()));
        return;
    }
    // A reply keeps a -0 (0 times a negative weight), as Redis replies from its temporary
    // skip list; a stored result loses it when packed (sorted_set).
    std::sort(result.begin(), result.end(),
              [](const auto& a, const auto& b) { return a.second < b.second || (a.second == b.second && a.first < b.first); });
    if (store) {
        if (result.empty()) {
            call.reply().integer(0);
            if (ks.erase(db, call.arg(1))) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
            return;
        }
        // Packed when it fits, else a skip list (Redis builds a skip list, then applies
        // zsetConvertToListpackIfNeeded).
        const store::zset_limits& limits = ks.zset_limits_used();
        std::size_t longest = 0;
        for (const auto& r : result) longest = std::max(longest, r.first.size());
        store::value out = store::value::make(value_kind::zset);
        zset& built = out.zset();
        if (!(result.size() <= limits.max_entries && longest <= limits.max_value)) built.to_skiplist();
        for (const auto& r : result) built.insert(r.first, r.second);
        ks.set(db, call.arg(1), std::move(out));
        call.reply().integer(static_cast<std::int64_t>(result.size()));
        call.notify(server::keyspace_event_class::zset,
                    op == multi_op::unite ? "zunionstore" : op == multi_op::inter ? "zinterstore" : "zdiffstore",
                    call.arg(1));
        return;
    }
    call.reply().array(withscores && !call.reply().resp3() ? result.size() * 2 : result.size());
    for (const auto& r : result) {
        if (withscores)
            reply_pair(call, r.first, r.second);
        else
            call.reply().bulk_string(r.first);
    }
}

/// Formats a score as ZSCAN returns it (text of a bulk string in both protocols).
inline std::string score_text(double score) {
    char buf[respkit::detail::max_double_chars];
    return std::string(buf, respkit::detail::format_double(score, buf));
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count].
template <class Keyspace>
void zscan_command(command_call& call, Keyspace& ks) {
    const auto cursor = cursor_arg(call, 2);
    if (!cursor) return;
    const auto z = read_zset(call, ks, call.arg(1));
    if (!z) return;
    if (!*z) {
        reply_scan(call, 0, {});
        return;
    }
    std::string_view pattern = "*";
    std::size_t count = 10;
    if (!parse_scan_options(call, pattern, count)) return;
    const bool all = pattern.size() == 1 && pattern[0] == '*';
    std::vector<std::string> items;
    const auto keep = [&](std::string_view m, double s) {
        if (!all && !glob_match(pattern, m)) return;
        items.emplace_back(m);
        items.push_back(score_text(s));
    };
    const zset& set = **z;
    // A packed sorted set is returned whole, in order; a skip list is scanned in hash order.
    const std::uint64_t next = ops::scan(set, *cursor, count, keep);
    reply_scan(call, next, items);
}

/// ZRANDMEMBER key [count [WITHSCORES]].
template <class Keyspace>
void zrandmember_command(command_call& call, Keyspace& ks) {
    auto& rng = random_source();
    if (call.argc() >= 3) {
        std::int64_t count = 0;
        if (!respkit::detail::parse_int64(call.arg(2), count)) {
            call.error(server::errors::not_integer);
            return;
        }
        if (count == std::numeric_limits<std::int64_t>::min()) {
            call.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            return;
        }
        if (call.argc() > 4 || (call.argc() == 4 && !option_is(call.arg(3), "withscores"))) {
            call.error(server::errors::syntax);
            return;
        }
        const bool withscores = call.argc() == 4;
        // As Redis: with scores the reply has two entries per member, so the count is bounded
        // where doubling it cannot overflow.
        constexpr std::int64_t half = std::numeric_limits<std::int64_t>::max() / 2;
        if (withscores && (count < -half || count > half)) {
            call.error("ERR value is out of range");
            return;
        }
        const auto z = read_zset(call, ks, call.arg(1));
        if (!z) return;
        if (!*z || count == 0) {
            call.reply().array(0);
            return;
        }
        const zset& set = **z;
        const std::size_t size = ops::size(set);
        const auto reply_rank = [&](std::size_t r) {
            ops::visit(set, r, 1, false, [&](std::string_view m, double s) {
                if (withscores)
                    reply_pair(call, m, s);
                else
                    call.reply().bulk_string(m);
            });
        };
        const auto header = [&](std::uint64_t n) { call.reply().array(withscores && !call.reply().resp3() ? n * 2 : n); };
        if (count < 0) {
            // Repeats allowed: as many draws as asked, written as they are drawn. Redis has no
            // bound but the output limit; a reply that cannot fit in it is abandoned before it
            // is written (a score takes at least 4 bytes: ",1\r\n").
            const auto n = static_cast<std::uint64_t>(-count);
            require_reply_room(call, n, min_bulk_string_bytes + (withscores ? 4 : 0));
            header(n);
            for (std::uint64_t i = 0; i < n; ++i) reply_rank(static_cast<std::size_t>(rng() % size));
            return;
        }
        std::vector<std::size_t> ranks(size);
        for (std::size_t i = 0; i < size; ++i) ranks[i] = i;
        std::shuffle(ranks.begin(), ranks.end(), rng);
        if (ranks.size() > static_cast<std::uint64_t>(count)) ranks.resize(static_cast<std::size_t>(count));
        header(ranks.size());
        for (const std::size_t r : ranks) reply_rank(r);
        return;
    }
    const auto z = read_zset(call, ks, call.arg(1));
    if (!z) return;
    if (!*z) {
        call.reply().null();
        return;
    }
    ops::visit(**z, static_cast<std::size_t>(rng() % ops::size(**z)), 1, false,
               [&](std::string_view m, double) { call.reply().bulk_string(m); });
}

/// Pops from the first non-empty sorted set among arguments [first, last): one member replied
/// as [key, member, score] when `count` is 0 (BZPOPMIN, BZPOPMAX), else up to `count` as
/// [key, [[member, score] ...]] (ZMPOP, BZMPOP). A key of another type fails with WRONGTYPE,
/// unless `wrong_type_is_empty` (a blocked command running again: Redis 7.0 serves it only from
/// a sorted set).
template <class Keyspace>
pop_result pop_first_zset(command_call& call, Keyspace& ks, std::size_t first, std::size_t last, bool max,
                          std::uint64_t count, bool wrong_type_is_empty) {
    const std::size_t db = call.client().db();
    for (std::size_t k = first; k < last; ++k) {
        auto found = ks.find_for_write(db, call.arg(k), value_kind::zset);
        if (found.error && wrong_type_is_empty) continue;
        if (found.error) {
            call.error(server::errors::wrong_type);
            return pop_result::failed;
        }
        if (!found.found || ops::size(found.found->zset()) == 0) continue;
        const auto popped = pop_members(call, ks, db, call.arg(k), found.found->zset(), count == 0 ? 1 : count, max);
        // Replayed as the plain pop of this key: ZPOPMIN key (BZPOPMIN), ZPOPMIN key n (ZMPOP).
        std::vector<std::string> replay{max ? "ZPOPMAX" : "ZPOPMIN", std::string(call.arg(k))};
        if (count != 0) replay.push_back(std::to_string(popped.size()));
        replay_as(call, std::move(replay));
        const bool emptied = !ks.stored(db, call.arg(k));
        if (count == 0) {
            call.reply().array(3);
            call.reply().bulk_string(call.arg(k));
            notify_zpop(call, call.arg(k), max);
            call.reply().bulk_string(popped.front().first);
            call.reply().double_number(popped.front().second);
        } else {
            call.reply().array(2);
            call.reply().bulk_string(call.arg(k));
            call.reply().array(popped.size());
            notify_zpop(call, call.arg(k), max);
            for (const auto& p : popped) {
                call.reply().array(2);
                call.reply().bulk_string(p.first);
                call.reply().double_number(p.second);
            }
        }
        if (emptied) call.notify(server::keyspace_event_class::generic, "del", call.arg(k));
        return pop_result::served;
    }
    return pop_result::empty;
}

/// Argument `i` as MIN or MAX (true for MAX), or nullopt after replying "ERR syntax error".
[[nodiscard]] inline std::optional<bool> max_arg(command_call& call, std::size_t i) {
    if (option_is(call.arg(i), "max")) return true;
    if (option_is(call.arg(i), "min")) return false;
    call.error(server::errors::syntax);
    return std::nullopt;
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
template <class Keyspace>
void zmpop_command(command_call& call, Keyspace& ks) {
    const auto a = mpop_args(call, 1, max_arg);
    if (!a) return;
    if (pop_first_zset(call, ks, a->first_key, a->last_key, a->where, a->count, false) == pop_result::empty)
        call.reply().null_array();
}

/// BZPOPMIN / BZPOPMAX key [key ...] timeout.
template <class Keyspace>
void blocking_zpop_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay, bool max) {
    const auto timeout = timeout_arg(call, call.argc() - 1);
    if (!timeout) return;
    if (pop_first_zset(call, ks, 1, call.argc() - 1, max, 0, call.client().retrying()) != pop_result::empty) return;
    block_on(call, relay, call.args().subspan(1, call.argc() - 2), *timeout,
             server::session::timeout_reply::null_array);
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
template <class Keyspace>
void blocking_zmpop_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay) {
    const auto a = mpop_args(call, 2, max_arg);
    if (!a) return;
    const auto timeout = timeout_arg(call, 1);
    if (!timeout) return;
    if (pop_first_zset(call, ks, a->first_key, a->last_key, a->where, a->count, call.client().retrying()) !=
        pop_result::empty)
        return;
    block_on(call, relay, call.args().subspan(a->first_key, a->last_key - a->first_key), *timeout,
             server::session::timeout_reply::null_array);
}

/// ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX key min max: removes the members in the
/// range, deleting the key when emptied.
template <class Keyspace>
void zremrange_command(command_call& call, Keyspace& ks, range_kind kind) {
    std::int64_t start = 0, end = 0;
    score_range sr;
    lex_bound lmin, lmax;
    if (kind == range_kind::rank) {
        const auto a = integer_arg(call, 2);
        if (!a) return;
        const auto b = integer_arg(call, 3);
        if (!b) return;
        start = *a;
        end = *b;
    } else if (kind == range_kind::score) {
        if (!parse_score_range(call, 2, 3, sr)) return;
    } else if (!parse_lex_range(call, 2, 3, lmin, lmax)) {
        return;
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    auto found = ks.find_for_write(db, key, value_kind::zset);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found) {
        call.reply().integer(0);
        return;
    }
    zset& z = found.found->zset();
    std::size_t lo = 0, hi = 0;
    if (kind == range_kind::rank) {
        const auto size = static_cast<std::int64_t>(ops::size(z));
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (start < 0) start = 0;
        if (start > end || start >= size) {
            call.reply().integer(0);
            return;
        }
        if (end >= size) end = size - 1;
        lo = static_cast<std::size_t>(start);
        hi = static_cast<std::size_t>(end) + 1;
    } else if (kind == range_kind::score) {
        std::tie(lo, hi) = score_ranks(z, sr);
    } else {
        std::tie(lo, hi) = lex_ranks(z, lmin, lmax);
    }
    std::vector<std::string> doomed;
    doomed.reserve(hi - lo);
    ops::visit(z, lo, hi - lo, false, [&](std::string_view m, double) { doomed.emplace_back(m); });
    for (const std::string& m : doomed) ops::erase(z, m);
    const bool emptied = ops::size(z) == 0;
    if (emptied)
        ks.erase(db, key);
    else if (!doomed.empty())
        ks.notify_modified(db, key);
    if (!doomed.empty()) {
        call.notify(server::keyspace_event_class::zset,
                    kind == range_kind::score ? "zremrangebyscore"
                    : kind == range_kind::rank ? "zremrangebyrank"
                                               : "zremrangebylex",
                    key);
        if (emptied) call.notify(server::keyspace_event_class::generic, "del", key);
    }
    call.reply().integer(static_cast<std::int64_t>(doomed.size()));
}

} // namespace zset_detail

/// Registers the sorted-set commands on `commands`, running against `keyspace` (which must
/// outlive the dispatcher's use of them), with Redis 7.0's arity, flags and key positions.
template <class Keyspace>
void install_zset_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace zset_detail;
    Keyspace* ks = &keyspace;
    auto specs = zset_command_specs();

    commands.add(
        std::move(specs.zadd),
        [ks](command_call& call) { zadd_command(call, *ks, false); });
    commands.add(
        std::move(specs.zincrby),
        [ks](command_call& call) { zadd_command(call, *ks, true); });
    commands.add(
        std::move(specs.zrem),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            auto found = ks->find_for_write(db, call.arg(1), value_kind::zset);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            std::int64_t removed = 0;
            if (found.found) {
                zset& z = found.found->zset();
                for (std::size_t i = 2; i < call.argc() && ops::size(z) != 0; ++i)
                    removed += ops::erase(z, call.arg(i)) ? 1 : 0;
                const bool emptied = ops::size(z) == 0;
                if (emptied)
                    ks->erase(db, call.arg(1));
                else if (removed != 0)
                    ks->notify_modified(db, call.arg(1));
                if (removed != 0) call.notify(server::keyspace_event_class::zset, "zrem", call.arg(1));
                if (emptied) call.notify(server::keyspace_event_class::generic, "del", call.arg(1));
            }
            call.reply().integer(removed);
        });
    commands.add(
        std::move(specs.zscore),
        [ks](command_call& call) {
            const auto z = read_zset(call, *ks, call.arg(1));
            if (!z) return;
            const std::optional<double> s = *z ? ops::score(**z, call.arg(2)) : std::nullopt;
            if (s)
                call.reply().double_number(*s);
            else
                call.reply().null();
        });
    commands.add(
        std::move(specs.zmscore),
        [ks](command_call& call) {
            const auto z = read_zset(call, *ks, call.arg(1));
            if (!z) return;
            call.reply().array(call.argc() - 2);
            for (std::size_t i = 2; i < call.argc(); ++i) {
                const std::optional<double> s = *z ? ops::score(**z, call.arg(i)) : std::nullopt;
                if (s)
                    call.reply().double_number(*s);
                else
                    call.reply().null();
            }
        });
    commands.add(std::move(specs.zcard),
                 [ks](command_call& call) {
                     const auto z = read_zset(call, *ks, call.arg(1));
                     if (!z) return;
                     call.reply().integer(*z ? static_cast<std::int64_t>(ops::size(**z)) : 0);
                 });
    commands.add(
        std::move(specs.zcount),
        [ks](command_call& call) {
            score_range r;
            if (!parse_score_range(call, 2, 3, r)) return;
            const auto z = read_zset(call, *ks, call.arg(1));
            if (!z) return;
            std::size_t n = 0;
            if (*z) {
                const auto [lo, hi] = score_ranks(**z, r);
                n = hi - lo;
            }
            call.reply().integer(static_cast<std::int64_t>(n));
        });
    commands.add(
        std::move(specs.zlexcount),
        [ks](command_call& call) {
            lex_bound min, max;
            if (!parse_lex_range(call, 2, 3, min, max)) return;
            const auto z = read_zset(call, *ks, call.arg(1));
            if (!z) return;
            std::size_t n = 0;
            if (*z) {
                const auto [lo, hi] = lex_ranks(**z, min, max);
                n = hi - lo;
            }
            call.reply().integer(static_cast<std::int64_t>(n));
        });
    const auto rank = [ks](bool reverse) {
        return [ks, reverse](command_call& call) {
            const auto z = read_zset(call, *ks, call.arg(1));
            if (!z) return;
            const std::optional<double> s = *z ? ops::score(**z, call.arg(2)) : std::nullopt;
            if (!s) {
                call.reply().null();
                return;
            }
            const std::size_t r = ops::rank(**z, call.arg(2), *s);
            call.reply().integer(static_cast<std::int64_t>(reverse ? ops::size(**z) - 1 - r : r));
        };
    };
    commands.add(std::move(specs.zrank),
                 rank(false));
    commands.add(std::move(specs.zrevrank),
                 rank(true));

    const auto range = [ks](range_kind kind, int direction, bool store) {
        return [ks, kind, direction, store](command_call& call) { zrange_command(call, *ks, kind, direction, store); };
    };
    commands.add(
        std::move(specs.zrange),
        range(range_kind::automatic, 0, false));
    commands.add(
        std::move(specs.zrangestore),
        range(range_kind::automatic, 0, true));
    commands.add(std::move(specs.zrevrange),
                 range(range_kind::rank, -1, false));
    commands.add(
        std::move(specs.zrangebyscore),
        range(range_kind::score, 1, false));
    commands.add(
        std::move(specs.zrevrangebyscore),
        range(range_kind::score, -1, false));
    commands.add(
        std::move(specs.zrangebylex),
        range(range_kind::lex, 1, false));
    commands.add(
        std::move(specs.zrevrangebylex),
        range(range_kind::lex, -1, false));
    commands.add(
        std::move(specs.zpopmin),
        [ks](command_call& call) { zpop_command(call, *ks, false); });
    commands.add(
        std::move(specs.zpopmax),
        [ks](command_call& call) { zpop_command(call, *ks, true); });
    const auto multi = [ks](multi_op op, bool store, bool card) {
        return [ks, op, store, card](command_call& call) { multi_command(call, *ks, op, store, card); };
    };
    commands.add(
        std::move(specs.zunionstore),
        multi(multi_op::unite, true, false));
    commands.add(
        std::move(specs.zinterstore),
        multi(multi_op::inter, true, false));
    commands.add(
        std::move(specs.zdiffstore),
        multi(multi_op::diff, true, false));
    commands.add(
        std::move(specs.zunion),
        multi(multi_op::unite, false, false));
    commands.add(
        std::move(specs.zinter),
        multi(multi_op::inter, false, false));
    commands.add(
        std::move(specs.zdiff),
        multi(multi_op::diff, false, false));
    commands.add(
        std::move(specs.zintercard),
        multi(multi_op::inter, false, true));
    commands.add(
        std::move(specs.zscan),
        [ks](command_call& call) { zscan_command(call, *ks); });
    commands.add(std::move(specs.zrandmember),
                 [ks](command_call& call) { zrandmember_command(call, *ks); });
    commands.add(
        std::move(specs.zmpop),
        [ks](command_call& call) { zmpop_command(call, *ks); });
    const auto remove_range = [ks](range_kind kind) {
        return [ks, kind](command_call& call) { zremrange_command(call, *ks, kind); };
    };
    commands.add(std::move(specs.zremrangebyscore), remove_range(range_kind::score));
    commands.add(std::move(specs.zremrangebyrank), remove_range(range_kind::rank));
    commands.add(std::move(specs.zremrangebylex), remove_range(range_kind::lex));

    // --- blocking forms (Redis 7.0's COMMAND INFO and COMMAND DOCS) ---
    // Blocked clients learn of changes to their keys through it (attached when one blocks).
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    commands.add(
        std::move(specs.bzpopmin),
        [ks, relay](command_call& call) { blocking_zpop_command(call, *ks, *relay, false); });
    commands.add(
        std::move(specs.bzpopmax),
        [ks, relay](command_call& call) { blocking_zpop_command(call, *ks, *relay, true); });
    commands.add(
        std::move(specs.bzmpop),
        [ks, relay](command_call& call) { blocking_zmpop_command(call, *ks, *relay); });
}

} // namespace respkit::commands

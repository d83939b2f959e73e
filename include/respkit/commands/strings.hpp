#pragma once

/// \file
/// The string command family (GET, SET and its options, INCR and friends, APPEND, GETRANGE,
/// SETRANGE, LCS, ...) over a store::keyspace, with Redis 7.0's replies and errors.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/long_double.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/strings.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace string_detail {

using ev = server::keyspace_event_class;

using server::command_call;
using server::command_flag;
using store::value;

/// Which of SET's and GETEX's options were given (Redis's parseExtendedStringArguments).
struct string_options {
    bool nx = false, xx = false, get = false, keep_ttl = false, persist = false;
    enum class unit { none, ex, px, exat, pxat } expire = unit::none;
    std::size_t expire_arg = 0; ///< index of the expire time argument
};

/// Parses options from argument `first` on; SET's set when `for_set`, GETEX's otherwise.
/// Replies "ERR syntax error" and returns false on any option Redis rejects there.
[[nodiscard]] inline bool parse_string_options(command_call& call, std::size_t first, bool for_set,
                                               string_options& o) {
    using unit = string_options::unit;
    for (std::size_t j = first; j < call.argc(); ++j) {
        const std::string_view opt = call.arg(j);
        const bool has_next = j + 1 < call.argc();
        const bool no_expire = o.expire == unit::none;
        const auto expire_option = [&](unit u) {
            // EX after EX (and so on) is accepted, the last one wins; mixing units is not.
            if (o.keep_ttl || o.persist || !has_next || (o.expire != unit::none && o.expire != u)) return false;
            o.expire = u;
            o.expire_arg = ++j;
            return true;
        };
        if (for_set && option_is(opt, "NX") && !o.xx) {
            o.nx = true;
        } else if (for_set && option_is(opt, "XX") && !o.nx) {
            o.xx = true;
        } else if (for_set && option_is(opt, "GET")) {
            o.get = true;
        } else if (for_set && option_is(opt, "KEEPTTL") && no_expire) {
            o.keep_ttl = true;
        } else if (!for_set && option_is(opt, "PERSIST") && no_expire) {
            o.persist = true;
        } else if (option_is(opt, "EX") && expire_option(unit::ex)) {
        } else if (option_is(opt, "PX") && expire_option(unit::px)) {
        } else if (option_is(opt, "EXAT") && expire_option(unit::exat)) {
        } else if (option_is(opt, "PXAT") && expire_option(unit::pxat)) {
        } else {
            call.error(server::errors::syntax);
            return false;
        }
    }
    return true;
}

/// Redis's getExpireMillisecondsOrReply: the absolute expiry time in Unix ms of an expire
/// argument given in `unit` (relative units add `now`), or nullopt after replying.
[[nodiscard]] inline std::optional<std::int64_t> expire_at_ms(command_call& call, std::size_t arg,
                                                              string_options::unit unit, std::int64_t now) {
    using u = string_options::unit;
    const std::optional<std::int64_t> given = integer_arg(call, arg);
    if (!given) return std::nullopt;
    std::int64_t ms = *given;
    const bool seconds = unit == u::ex || unit == u::exat;
    if (ms <= 0 || (seconds && ms > std::numeric_limits<std::int64_t>::max() / 1000)) {
        reply_invalid_expire_time(call);
        return std::nullopt;
    }
    if (seconds) ms *= 1000;
    if (unit == u::ex || unit == u::px) {
        if (!checked_add(ms, now, ms)) ms = -1; // Redis's sum wraps negative: same error
    }
    if (ms <= 0) {
        reply_invalid_expire_time(call);
        return std::nullopt;
    }
    return ms;
}

/// Writes the string `v` as a bulk string.
inline void reply_string(command_call& call, const value& v) {
    store::int_chars scratch;
    call.reply().bulk_string(v.string_bytes(scratch));
}

/// GET's lookup with its reply (getGenericCommand): false after a WRONGTYPE error.
template <class Keyspace>
[[nodiscard]] bool get_and_reply(command_call& call, Keyspace& ks, std::size_t db, std::string_view key) {
    const value* v = ks.find(db, key);
    if (v == nullptr) {
        call.reply().null();
        return true;
    }
    if (!v->is_string()) {
        call.error(server::errors::wrong_type);
        return false;
    }
    reply_string(call, *v);
    return true;
}

/// The longest string a command of this client may build: proto-max-bulk-len, as the
/// session's parser applies it (512 MB by default).
[[nodiscard]] inline std::uint64_t max_bulk_length(const command_call& call) {
    return call.client().options().request_limits.max_bulk_length;
}

/// Redis's checkStringLength: false after replying when `length + append` passes
/// proto-max-bulk-len (not checked for what a file being loaded replays, as Redis).
[[nodiscard]] inline bool check_string_length(command_call& call, std::uint64_t length, std::uint64_t append) {
    const bool obeyed = call.origin() == server::command_origin::loading;
    if ((!obeyed && length + append > max_bulk_length(call)) || length + append < length) {
        call.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    return true;
}

/// SET and its options, SETEX (`forced` ex) and PSETEX (`forced` px).
template <class Keyspace>
void set_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    string_options o;
    if (!parse_string_options(call, 3, true, o)) return;
    std::optional<std::int64_t> at;
    if (o.expire != string_options::unit::none) {
        at = expire_at_ms(call, o.expire_arg, o.expire, ks.clock().now_ms());
        if (!at) return;
    }
    if (o.get && !get_and_reply(call, ks, db, key)) return;
    if (o.nx || o.xx) {
        const bool found = ks.find_for_write(db, key) != nullptr;
        if ((o.nx && found) || (o.xx && !found)) {
            if (!o.get) call.reply().null();
            return;
        }
    }
    ks.set(db, key, value::from_string(call.take_arg(2)), o.keep_ttl);
    if (at) ks.set_expiry(db, key, *at);
    call.notify(ev::string, "set", key);
    if (at) call.notify(ev::generic, "expire", key);
    if (!o.get) call.ok();
    if (at) {
        replay_as_set_pxat(call, key, call.arg(2), *at);
    } else if (o.get && call.propagating()) { // as sent, without GET (the reply is not replayed)
        std::vector<std::string> args;
        for (std::size_t i = 0; i < call.argc(); ++i) {
            if (i < 3 || !option_is(call.arg(i), "GET")) args.emplace_back(call.arg(i));
        }
        replay_as(call, std::move(args));
    }
}

/// SETEX and PSETEX: SET with EX or PX.
template <class Keyspace>
void set_with_ttl_command(command_call& call, Keyspace& ks, string_options::unit unit) {
    const std::size_t db = call.client().db();
    const std::optional<std::int64_t> at = expire_at_ms(call, 2, unit, ks.clock().now_ms());
    if (!at) return;
    ks.set(db, call.arg(1), value::from_string(call.take_arg(3)));
    ks.set_expiry(db, call.arg(1), *at);
    call.notify(ev::string, "set", call.arg(1));
    call.notify(ev::generic, "expire", call.arg(1));
    call.ok();
    replay_as_set_pxat(call, call.arg(1), call.arg(3), *at);
}

/// INCR, DECR, INCRBY, DECRBY: adds `delta` to the integer under argument 1.
template <class Keyspace>
void incr_command(command_call& call, Keyspace& ks, std::int64_t delta) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    value* v = ks.find_for_write(db, key);
    if (v == nullptr) {
        ks.set(db, key, value::from_int(delta));
        call.notify(ev::string, "incrby", key);
        call.reply().integer(delta);
        return;
    }
    if (!v->is_string()) {
        call.error(server::errors::wrong_type);
        return;
    }
    std::int64_t current = 0;
    if (v->to_int64(current)) {
        call.error(server::errors::not_integer);
        return;
    }
    std::int64_t result = 0;
    if (!checked_add(current, delta, result)) {
        call.error(server::errors::overflow);
        return;
    }
    v->assign_int(result);
    ks.notify_modified(db, key);
    call.notify(ev::string, "incrby", key);
    call.reply().integer(result);
}

/// The range [start, end] GETRANGE returns from a string of `length` bytes (Redis's rules
/// for negative and out-of-range indexes), or nullopt when it is empty.
[[nodiscard]] inline std::optional<std::pair<std::size_t, std::size_t>> string_range(std::int64_t start,
                                                                                    std::int64_t end,
                                                                                    std::size_t length) {
    if (start < 0 && end < 0 && start > end) return std::nullopt;
    // Redis adds the (unsigned) length: a sum past int64 wraps, as there.
    const auto from_end = [length](std::int64_t index) {
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(length) + static_cast<std::uint64_t>(index));
    };
    if (start < 0) start = from_end(start);
    if (end < 0) end = from_end(end);
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (length == 0 || static_cast<std::uint64_t>(end) >= length) end = static_cast<std::int64_t>(length) - 1;
    if (length == 0 || start > end) return std::nullopt;
    return std::pair{static_cast<std::size_t>(start), static_cast<std::size_t>(end)};
}

/// One matching range LCS IDX reports: positions in the first and second string.
struct lcs_match {
    std::uint32_t a_start, a_end, b_start, b_end;
};

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN].
template <class Keyspace>
void lcs_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    const value* va = ks.find(db, call.arg(1));
    const value* vb = ks.find(db, call.arg(2));
    if ((va != nullptr && !va->is_string()) || (vb != nullptr && !vb->is_string())) {
        call.error("ERR The specified keys must contain string values");
        return;
    }
    bool want_len = false, want_idx = false, with_match_len = false;
    std::int64_t min_match_len = 0;
    for (std::size_t j = 3; j < call.argc(); ++j) {
        const std::string_view opt = call.arg(j);
        if (option_is(opt, "IDX")) {
            want_idx = true;
        } else if (option_is(opt, "LEN")) {
            want_len = true;
        } else if (option_is(opt, "WITHMATCHLEN")) {
            with_match_len = true;
        } else if (option_is(opt, "MINMATCHLEN") && j + 1 < call.argc()) {
            const auto n = integer_arg(call, ++j);
            if (!n) return;
            min_match_len = std::max<std::int64_t>(*n, 0);
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    if (want_idx && want_len) {
        call.error("ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    store::int_chars scratch_a, scratch_b;
    const std::string_view a = va != nullptr ? va->string_bytes(scratch_a) : std::string_view();
    const std::string_view b = vb != nullptr ? vb->string_bytes(scratch_b) : std::string_view();
    if (a.size() >= std::numeric_limits<std::uint32_t>::max() - 1 ||
        b.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
        call.error("ERR String too long for LCS");
        return;
    }
    const std::uint64_t cells = (static_cast<std::uint64_t>(a.size()) + 1) * (b.size() + 1);
    if (cells * sizeof(std::uint32_t) > max_bulk_length(call)) {
        call.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    // table[i * (b.size() + 1) + j]: length of the LCS of a[0, i) and b[0, j).
    const std::size_t width = b.size() + 1;
    std::vector<std::uint32_t> table(static_cast<std::size_t>(cells), 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            table[i * width + j] = a[i - 1] == b[j - 1]
                                       ? table[(i - 1) * width + j - 1] + 1
                                       : std::max(table[(i - 1) * width + j], table[i * width + j - 1]);
        }
    }
    const std::uint32_t total = table[a.size() * width + b.size()];
    if (want_len) {
        call.reply().integer(total);
        return;
    }
    // Walk back from the end, collecting the common bytes (backwards) and, for IDX, the
    // maximal contiguous runs, last run first; ties move along the second string, as Redis.
    std::string common(total, '\0');
    std::vector<lcs_match> matches;
    std::size_t k = total;
    std::size_t i = a.size(), j = b.size();
    bool in_run = false;
    lcs_match run{};
    const auto emit = [&] {
        const std::uint32_t length = run.a_end - run.a_start + 1;
        if (want_idx && (min_match_len == 0 || length >= static_cast<std::uint64_t>(min_match_len)))
            matches.push_back(run);
        in_run = false;
    };
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            common[--k] = a[i - 1];
            const auto ai = static_cast<std::uint32_t>(i - 1), bj = static_cast<std::uint32_t>(j - 1);
            if (!in_run) {
                run = {ai, ai, bj, bj};
                in_run = true;
            } else {
                run.a_start = ai;
                run.b_start = bj;
            }
            --i;
            --j;
            if (i == 0 || j == 0) emit();
        } else {
            if (table[(i - 1) * width + j] > table[i * width + j - 1])
                --i;
            else
                --j;
            if (in_run) emit();
        }
    }
    if (!want_idx) {
        call.reply().bulk_string(common);
        return;
    }
    auto& r = call.reply();
    r.map(2);
    r.bulk_string("matches");
    r.array(matches.size());
    for (const lcs_match& m : matches) {
        r.array(with_match_len ? 3 : 2);
        r.array(2);
        r.integer(m.a_start);
        r.integer(m.a_end);
        r.array(2);
        r.integer(m.b_start);
        r.integer(m.b_end);
        if (with_match_len) r.integer(m.a_end - m.a_start + 1);
    }
    r.bulk_string("len");
    r.integer(total);
}

} // namespace string_detail

/// Registers the string commands on `commands`, running against `keyspace` (which must
/// outlive the dispatcher's use of them): GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL,
/// GETEX, MGET, MSET, MSETNX, APPEND, STRLEN, INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT,
/// GETRANGE, SUBSTR, SETRANGE and LCS, with Redis 7.0's arity, flags and key positions.
template <class Keyspace>
void install_string_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using server::key_flag;
    using namespace string_detail;
    using unit = string_options::unit;
    Keyspace* ks = &keyspace;
    auto specs = string_command_specs();

    commands.add(std::move(specs.get),
                 [ks](command_call& call) {
                     const value* v = ks->find(call.client().db(), call.arg(1));
                     if (v == nullptr) {
                         call.reply().null();
                     } else if (!v->is_string()) {
                         call.error(server::errors::wrong_type);
                     } else {
                         reply_string(call, *v);
                     }
                 });

    commands.add(
        std::move(specs.set),
        [ks](command_call& call) {
            if (call.argc() == 3) { // the common case: no option to look at
                ks->set(call.client().db(), call.arg(1), value::from_string(call.take_arg(2)));
                call.notify(ev::string, "set", call.arg(1));
                call.ok();
                return;
            }
            set_command(call, *ks);
        });
    // Redis's setGetKeys: SET reads its key only with GET.
    commands.find("set")->spec.key_flags_of = [](std::span<const std::string_view> args) {
        const bool get =
            std::any_of(args.begin() + std::min<std::size_t>(3, args.size()), args.end(),
                        [](std::string_view a) { return option_is(a, "GET"); });
        return get ? key_flag::rw | key_flag::access | key_flag::update
                   : key_flag::ow | key_flag::update;
    };

    commands.add(
        std::move(specs.setnx),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            if (ks->find_for_write(db, call.arg(1)) != nullptr) {
                call.reply().integer(0);
                return;
            }
            ks->set(db, call.arg(1), value::from_string(call.take_arg(2)));
            call.notify(ev::string, "set", call.arg(1));
            call.reply().integer(1);
        });

    commands.add(std::move(specs.setex),
                 [ks](command_call& call) { set_with_ttl_command(call, *ks, unit::ex); });

    commands.add(std::move(specs.psetex),
                 [ks](command_call& call) { set_with_ttl_command(call, *ks, unit::px); });

    commands.add(
        std::move(specs.getset),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            if (!get_and_reply(call, *ks, db, call.arg(1))) return;
            ks->set(db, call.arg(1), value::from_string(call.take_arg(2)));
            call.notify(ev::string, "set", call.arg(1));
            replay_as(call, {"SET", std::string(call.arg(1)), std::string(call.arg(2))});
        });

    commands.add(std::move(specs.getdel),
                 [ks](command_call& call) {
                     const std::size_t db = call.client().db();
                     const value* v = ks->find(db, call.arg(1));
                     if (v == nullptr) {
                         call.reply().null();
                         return;
                     }
                     if (!v->is_string()) {
                         call.error(server::errors::wrong_type);
                         return;
                     }
                     reply_string(call, *v);
                     ks->erase(db, call.arg(1));
                     call.notify(ev::generic, "del", call.arg(1));
                     replay_as_del(call, call.arg(1));
                 });

    commands.add(
        std::move(specs.getex),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            string_options o;
            if (!parse_string_options(call, 2, false, o)) return;
            const value* v = ks->find(db, key);
            if (v == nullptr) {
                call.reply().null();
                return;
            }
            if (!v->is_string()) {
                call.error(server::errors::wrong_type);
                return;
            }
            const std::int64_t now = ks->clock().now_ms();
            std::optional<std::int64_t> at;
            if (o.expire != unit::none) {
                at = expire_at_ms(call, o.expire_arg, o.expire, now);
                if (!at) return;
            }
            reply_string(call, *v);
            if ((o.expire == unit::exat || o.expire == unit::pxat) && *at <= now) {
                ks->erase(db, key);
                call.notify(ev::generic, "del", key);
                replay_as_del(call, key);
            } else if (at) {
                ks->set_expiry(db, key, *at);
                call.notify(ev::generic, "expire", key);
                replay_as_pexpireat(call, key, *at);
            } else if (o.persist) {
                if (ks->persist(db, key)) {
                    call.notify(ev::generic, "persist", key);
                    replay_as(call, {"PERSIST", std::string(key)});
                }
            }
        });

    commands
        .add(std::move(specs.mget),
             [ks](command_call& call) {
                 const std::size_t db = call.client().db();
                 call.reply().array(call.argc() - 1);
                 for (std::size_t i = 1; i < call.argc(); ++i) {
                     const value* v = ks->find(db, call.arg(i));
                     if (v == nullptr || !v->is_string())
                         call.reply().null();
                     else
                         reply_string(call, *v);
                 }
             })
        .spec.tips = {"request_policy:multi_shard"};

    commands
        .add(
            std::move(specs.mset),
            [ks](command_call& call) {
                if (call.argc() % 2 == 0) {
                    reply_arity_error(call);
                    return;
                }
                const std::size_t db = call.client().db();
                for (std::size_t i = 1; i < call.argc(); i += 2) {
                    ks->set(db, call.arg(i), value::from_bytes(call.arg(i + 1)));
                    call.notify(ev::string, "set", call.arg(i));
                }
                call.ok();
            })
        .spec.tips = {"request_policy:multi_shard", "response_policy:all_succeeded"};

    commands
        .add(
            std::move(specs.msetnx),
            [ks](command_call& call) {
                if (call.argc() % 2 == 0) {
                    reply_arity_error(call);
                    return;
                }
                const std::size_t db = call.client().db();
                for (std::size_t i = 1; i < call.argc(); i += 2) {
                    if (ks->find_for_write(db, call.arg(i)) != nullptr) {
                        call.reply().integer(0);
                        return;
                    }
                }
                for (std::size_t i = 1; i < call.argc(); i += 2) {
                    ks->set(db, call.arg(i), value::from_bytes(call.arg(i + 1)));
                    call.notify(ev::string, "set", call.arg(i));
                }
                call.reply().integer(1);
            })
        .spec.tips = {"request_policy:multi_shard", "response_policy:agg_min"};

    commands.add(
        std::move(specs.append),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1), tail = call.arg(2);
            value* v = ks->find_for_write(db, key);
            if (v == nullptr) {
                const value& stored = ks->set(db, key, value::from_bytes(tail));
                call.notify(ev::string, "append", key);
                call.reply().integer(static_cast<std::int64_t>(stored.string_length()));
                return;
            }
            if (!v->is_string()) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (!check_string_length(call, v->string_length(), tail.size())) return;
            // Appending leaves raw bytes even when they spell an integer, and marks
            // the string raw-encoded, as Redis's APPEND does (OBJECT ENCODING shows it).
            std::string& bytes = v->raw_string();
            bytes.append(tail);
            ks->notify_modified(db, key);
            call.notify(ev::string, "append", key);
            call.reply().integer(static_cast<std::int64_t>(bytes.size()));
        });

    commands.add(std::move(specs.strlen),
                 [ks](command_call& call) {
                     const value* v = ks->find(call.client().db(), call.arg(1));
                     if (v == nullptr) {
                         call.reply().integer(0);
                     } else if (!v->is_string()) {
                         call.error(server::errors::wrong_type);
                     } else {
                         call.reply().integer(static_cast<std::int64_t>(v->string_length()));
                     }
                 });

    commands.add(
        std::move(specs.incr),
        [ks](command_call& call) { incr_command(call, *ks, 1); });
    commands.add(
        std::move(specs.decr),
        [ks](command_call& call) { incr_command(call, *ks, -1); });
    commands.add(std::move(specs.incrby),
                 [ks](command_call& call) {
                     if (const auto delta = integer_arg(call, 2)) incr_command(call, *ks, *delta);
                 });
    commands.add(std::move(specs.decrby),
                 [ks](command_call& call) {
                     const auto delta = integer_arg(call, 2);
                     if (!delta) return;
                     if (*delta == std::numeric_limits<std::int64_t>::min()) {
                         call.error("ERR decrement would overflow");
                         return;
                     }
                     incr_command(call, *ks, -*delta);
                 });

    commands.add(std::move(specs.incrbyfloat),
                 [ks](command_call& call) {
                     const std::size_t db = call.client().db();
                     const std::string_view key = call.arg(1);
                     value* v = ks->find_for_write(db, key);
                     if (v != nullptr && !v->is_string()) {
                         call.error(server::errors::wrong_type);
                         return;
                     }
                     long double current = 0, increment = 0;
                     if (v != nullptr) {
                         std::int64_t integer = 0;
                         if (v->is_int_encoded() && !v->to_int64(integer)) {
                             current = static_cast<long double>(integer);
                         } else {
                             store::int_chars scratch;
                             if (!parse_long_double(v->string_bytes(scratch), current)) {
                                 call.error(server::errors::not_float);
                                 return;
                             }
                         }
                     }
                     if (!parse_long_double(call.arg(2), increment)) {
                         call.error(server::errors::not_float);
                         return;
                     }
                     const long double result = current + increment;
                     if (std::isnan(result) || std::isinf(result)) {
                         call.error("ERR increment would produce NaN or Infinity");
                         return;
                     }
                     char buffer[max_long_double_chars];
                     const std::string_view text(buffer, format_long_double(result, buffer));
                     // Stored as raw bytes even when they spell an integer, as Redis does.
                     if (v != nullptr) {
                         v->assign_raw(text);
                         ks->notify_modified(db, key);
                     } else {
                         value fresh;
                         fresh.assign_raw(text);
                         ks->set(db, key, std::move(fresh), true);
                     }
                     call.notify(ev::string, "incrbyfloat", key);
                     call.reply().bulk_string(text);
                     // The sum is exact only as printed: replay it as the value it stored.
                     replay_as(call, {"SET", std::string(key), std::string(text), "KEEPTTL"});
                 });

    const auto getrange = [ks](command_call& call) {
        const auto start = integer_arg(call, 2);
        if (!start) return;
        const auto end = integer_arg(call, 3);
        if (!end) return;
        const value* v = ks->find(call.client().db(), call.arg(1));
        if (v == nullptr) {
            call.reply().bulk_string(std::string_view());
            return;
        }
        if (!v->is_string()) {
            call.error(server::errors::wrong_type);
            return;
        }
        store::int_chars scratch;
        const std::string_view bytes = v->string_bytes(scratch);
        const auto range = string_range(*start, *end, bytes.size());
        call.reply().bulk_string(range ? bytes.substr(range->first, range->second - range->first + 1)
                                       : std::string_view());
    };
    commands.add(
        std::move(specs.getrange),
        getrange);
    commands.add(std::move(specs.substr),
                 getrange);

    commands.add(
        std::move(specs.setrange),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1), patch = call.arg(3);
            const auto offset = integer_arg(call, 2);
            if (!offset) return;
            if (*offset < 0) {
                call.error("ERR offset is out of range");
                return;
            }
            const auto at = static_cast<std::uint64_t>(*offset);
            value* v = ks->find_for_write(db, key);
            if (v == nullptr) {
                if (patch.empty()) {
                    call.reply().integer(0);
                    return;
                }
                if (!check_string_length(call, at, patch.size())) return;
                v = &ks->set(db, key, value{});
            } else {
                if (!v->is_string()) {
                    call.error(server::errors::wrong_type);
                    return;
                }
                if (patch.empty()) {
                    call.reply().integer(static_cast<std::int64_t>(v->string_length()));
                    return;
                }
                if (!check_string_length(call, at, patch.size())) return;
            }
            std::string& bytes = v->raw_string();
            const std::size_t needed = static_cast<std::size_t>(at) + patch.size();
            if (bytes.size() < needed) bytes.resize(needed, '\0');
            patch.copy(bytes.data() + at, patch.size());
            ks->notify_modified(db, key);
            call.notify(ev::string, "setrange", key);
            call.reply().integer(static_cast<std::int64_t>(bytes.size()));
        });

    commands.add(
        std::move(specs.lcs),
        [ks](command_call& call) { lcs_command(call, *ks); });
}

} // namespace respkit::commands

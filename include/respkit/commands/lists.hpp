#pragma once

/// \file
/// The list command family (LPUSH, RPUSH, LPOP, RPOP, LRANGE, LINDEX, LSET, LREM, LTRIM,
/// LINSERT, LPOS, LMOVE, RPOPLPUSH, LMPOP, ...) and its blocking forms (BLPOP, BRPOP, BLMOVE,
/// BRPOPLPUSH, BLMPOP) over a store::keyspace, with Redis 7.0's replies and errors. Empty
/// lists are deleted, as in Redis.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/multi_key_pop.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/lists.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace list_detail {

using server::command_call;
using server::command_flag;
using store::list_value;
using store::value;
using store::value_kind;

/// Which end of a list: LEFT (head) or RIGHT (tail).
enum class list_end : std::uint8_t { head, tail };

/// Argument `i` as LEFT or RIGHT (Redis's getListPositionFromObjectOrReply), or nullopt after
/// replying "ERR syntax error".
[[nodiscard]] inline std::optional<list_end> end_arg(command_call& call, std::size_t i) {
    if (option_is(call.arg(i), "LEFT")) return list_end::head;
    if (option_is(call.arg(i), "RIGHT")) return list_end::tail;
    call.error(server::errors::syntax);
    return std::nullopt;
}

/// Argument `i` as an integer in [min, max] (Redis's getRangeLongFromObjectOrReply with a
/// message): `message` is the reply both when it does not parse and when it is out of range.
[[nodiscard]] inline std::optional<std::int64_t> ranged_arg(command_call& call, std::size_t i, std::int64_t min,
                                                            std::int64_t max, std::string_view message) {
    std::int64_t n = 0;
    if (!store::parse_int64(call.arg(i), n) || n < min || n > max) {
        call.error(message);
        return std::nullopt;
    }
    return n;
}

/// The elements [first, last] of a list of `length` selected by Redis's LRANGE/LTRIM
/// indexes (negative from the end, clamped), or nullopt when the range is empty.
[[nodiscard]] constexpr std::optional<std::pair<std::size_t, std::size_t>>
list_range(std::int64_t start, std::int64_t end, std::size_t length) noexcept {
    const auto n = static_cast<std::int64_t>(length);
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) return std::nullopt;
    if (end >= n) end = n - 1;
    return std::pair{static_cast<std::size_t>(start), static_cast<std::size_t>(end)};
}

/// Replies with `count` elements taken from `end` of `list` (head first for head, tail first
/// for tail), and removes them.
inline void pop_into_reply(command_call& call, list_value& list, list_end end, std::size_t count) {
    call.reply().array(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (end == list_end::head) {
            call.reply().bulk_string(list.front());
            list.pop_front();
        } else {
            call.reply().bulk_string(list.back());
            list.pop_back();
        }
    }
}

/// After removing elements from the list under `key`: deletes the key when the list is empty
/// (as Redis does), else tells observers it changed. True when the key was deleted.
template <class Keyspace>
bool after_removal(Keyspace& ks, std::size_t db, std::string_view key, const list_value& list) {
    if (list.empty()) {
        ks.erase(db, key);
        return true;
    }
    ks.notify_modified(db, key);
    return false;
}

/// The keyspace events of `event` (lpop, ltrim, ...) on `key`, then "del" when it was `deleted`.
inline void notify_removal(command_call& call, std::string_view event, std::string_view key, bool deleted) {
    call.notify(server::keyspace_event_class::list, event, key);
    if (deleted) call.notify(server::keyspace_event_class::generic, "del", key);
}

[[nodiscard]] constexpr std::string_view pop_event(list_end end) noexcept {
    return end == list_end::head ? "lpop" : "rpop";
}
[[nodiscard]] constexpr std::string_view push_event(list_end end) noexcept {
    return end == list_end::head ? "lpush" : "rpush";
}

/// LPUSH/RPUSH (any key) and LPUSHX/RPUSHX (`only_existing`).
template <class Keyspace>
void push_command(command_call& call, Keyspace& ks, list_end end, bool only_existing) {
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    value* v = nullptr;
    if (only_existing) {
        const auto found = ks.find_for_write(db, key, value_kind::list);
        if (found.error) {
            call.error(server::errors::wrong_type);
            return;
        }
        if (found.found == nullptr) {
            call.reply().integer(0);
            return;
        }
        v = found.found;
    } else {
        const auto found = ks.find_or_create(db, key, value_kind::list);
        if (found.error) {
            call.error(server::errors::wrong_type);
            return;
        }
        v = found.found;
    }
    list_value& list = v->list();
    // The first element, then room for the others at once (one allocation for RPUSH k a b c).
    const auto push = [&](std::string_view element) {
        if (end == list_end::head) list.push_front(element);
        else list.push_back(element);
    };
    push(call.arg(2));
    if (call.argc() > 3) {
        std::size_t more = 0;
        for (std::size_t i = 3; i < call.argc(); ++i) more += list_value::packed_size(call.arg(i).size());
        if (end == list_end::head) list.reserve_front_hint(more);
        else list.reserve_back_hint(more);
    }
    for (std::size_t i = 3; i < call.argc(); ++i) push(call.arg(i));
    const auto length = static_cast<std::int64_t>(list.size());
    ks.notify_modified(db, key);
    call.reply().integer(length);
    call.notify(server::keyspace_event_class::list, push_event(end), key); // after the reply, as Redis
}

/// LPOP/RPOP key [count].
template <class Keyspace>
void pop_command(command_call& call, Keyspace& ks, list_end end) {
    if (call.argc() > 3) {
        reply_arity_error(call);
        return;
    }
    const bool has_count = call.argc() == 3;
    std::int64_t count = 0;
    if (has_count) {
        const auto n = ranged_arg(call, 2, 0, std::numeric_limits<std::int64_t>::max(),
                                  "ERR value is out of range, must be positive");
        if (!n) return;
        count = *n;
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    const auto found = ks.find_for_write(db, key, value_kind::list);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (found.found == nullptr) {
        if (has_count)
            call.reply().null_array();
        else
            call.reply().null();
        return;
    }
    if (has_count && count == 0) {
        call.reply().array(0);
        return;
    }
    list_value& list = found.found->list();
    if (!has_count) {
        if (end == list_end::head) {
            call.reply().bulk_string(list.front());
            list.pop_front();
        } else {
            call.reply().bulk_string(list.back());
            list.pop_back();
        }
    } else {
        const std::size_t n = static_cast<std::uint64_t>(count) < list.size() ? static_cast<std::size_t>(count)
                                                                              : list.size();
        pop_into_reply(call, list, end, n);
    }
    notify_removal(call, pop_event(end), key, after_removal(ks, db, key, list));
}

/// Moves an element from `from` of the list at argument 1 to `to` of the list at argument 2
/// (LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH) and replies with it. A source that is missing, or
/// of another type when `wrong_type_is_empty` (a blocked BLMOVE running again: Redis 7.0
/// serves it only from a list), is empty: nothing written. A destination of another type
/// fails with WRONGTYPE.
template <class Keyspace>
pop_result move_element(command_call& call, Keyspace& ks, list_end from, list_end to, bool wrong_type_is_empty) {
    const std::size_t db = call.client().db();
    const std::string_view source = call.arg(1);
    const std::string_view destination = call.arg(2);
    const auto src = ks.find_for_write(db, source, value_kind::list);
    if (src.error && wrong_type_is_empty) return pop_result::empty;
    if (src.error) {
        call.error(server::errors::wrong_type);
        return pop_result::failed;
    }
    if (src.found == nullptr || src.found->list().empty()) return pop_result::empty;
    if (source == destination) { // a rotation: the list is never empty on the way
        list_value& list = src.found->list();
        std::string element(from == list_end::head ? list.front() : list.back());
        if (from == list_end::head)
            list.pop_front();
        else
            list.pop_back();
        if (to == list_end::head)
            list.push_front(element);
        else
            list.push_back(element);
        ks.notify_modified(db, source);
        // Redis's order: the push's event, the reply, the pop's event.
        call.notify(server::keyspace_event_class::list, push_event(to), source);
        call.reply().bulk_string(element);
        call.notify(server::keyspace_event_class::list, pop_event(from), source);
        return pop_result::served;
    }
    // The destination lookup may expire (remove) a key, which invalidates `src`.
    const auto dst = ks.find_for_write(db, destination, value_kind::list);
    if (dst.error) {
        call.error(server::errors::wrong_type);
        return pop_result::failed;
    }
    value* source_value = ks.find_for_write(db, source);
    if (source_value == nullptr) return pop_result::empty; // its TTL passed between the two lookups
    list_value& list = source_value->list();
    std::string element(from == list_end::head ? list.front() : list.back());
    if (from == list_end::head)
        list.pop_front();
    else
        list.pop_back();
    const bool deleted = after_removal(ks, db, source, list);
    const auto target = ks.find_or_create(db, destination, value_kind::list);
    list_value& out = target.found->list();
    if (to == list_end::head)
        out.push_front(element);
    else
        out.push_back(element);
    ks.notify_modified(db, destination);
    // Redis's order: the push's event, the reply, the pop's event (and the source's deletion).
    call.notify(server::keyspace_event_class::list, push_event(to), destination);
    call.reply().bulk_string(element);
    notify_removal(call, pop_event(from), source, deleted);
    return pop_result::served;
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT, and RPOPLPUSH (RIGHT LEFT).
template <class Keyspace>
void move_command(command_call& call, Keyspace& ks, list_end from, list_end to) {
    if (move_element(call, ks, from, to, false) == pop_result::empty) call.reply().null();
}

/// Pops from the first non-empty list among arguments [first, last): one element replied as
/// [key, element] when `count` is 0 (BLPOP, BRPOP), else up to `count` as [key, [elements]]
/// (LMPOP, BLMPOP). A key of another type fails with WRONGTYPE, unless `wrong_type_is_empty`
/// (a blocked command running again: Redis 7.0 serves it only from a list).
template <class Keyspace>
pop_result pop_first_list(command_call& call, Keyspace& ks, std::size_t first, std::size_t last, list_end end,
                          std::uint64_t count, bool wrong_type_is_empty) {
    const std::size_t db = call.client().db();
    for (std::size_t k = first; k < last; ++k) {
        const std::string_view key = call.arg(k);
        const auto found = ks.find_for_write(db, key, value_kind::list);
        if (found.error && wrong_type_is_empty) continue;
        if (found.error) {
            call.error(server::errors::wrong_type);
            return pop_result::failed;
        }
        if (found.found == nullptr || found.found->list().empty()) continue;
        list_value& list = found.found->list();
        call.reply().array(2);
        call.reply().bulk_string(key);
        if (count == 0) {
            call.reply().bulk_string(end == list_end::head ? list.front() : list.back());
            if (end == list_end::head)
                list.pop_front();
            else
                list.pop_back();
        } else {
            const std::size_t n = count < list.size() ? static_cast<std::size_t>(count) : list.size();
            pop_into_reply(call, list, end, n);
            count = n;
        }
        notify_removal(call, pop_event(end), key, after_removal(ks, db, key, list));
        // Replayed as the plain pop of this key: LPOP key (BLPOP), LPOP key n (LMPOP, BLMPOP).
        std::vector<std::string> replay{end == list_end::head ? "LPOP" : "RPOP", std::string(key)};
        if (count != 0) replay.push_back(std::to_string(count));
        replay_as(call, std::move(replay));
        return pop_result::served;
    }
    return pop_result::empty;
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
template <class Keyspace>
void mpop_command(command_call& call, Keyspace& ks) {
    const auto a = mpop_args(call, 1, end_arg);
    if (!a) return;
    if (pop_first_list(call, ks, a->first_key, a->last_key, a->where, a->count, false) == pop_result::empty)
        call.reply().null_array();
}

/// BLPOP / BRPOP key [key ...] timeout.
template <class Keyspace>
void blocking_pop_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay, list_end end) {
    const auto timeout = timeout_arg(call, call.argc() - 1);
    if (!timeout) return;
    if (pop_first_list(call, ks, 1, call.argc() - 1, end, 0, call.client().retrying()) != pop_result::empty) return;
    block_on(call, relay, call.args().subspan(1, call.argc() - 2), *timeout,
             server::session::timeout_reply::null_array);
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].
template <class Keyspace>
void blocking_mpop_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay) {
    const auto a = mpop_args(call, 2, end_arg);
    if (!a) return;
    const auto timeout = timeout_arg(call, 1);
    if (!timeout) return;
    if (pop_first_list(call, ks, a->first_key, a->last_key, a->where, a->count, call.client().retrying()) !=
        pop_result::empty)
        return;
    block_on(call, relay, call.args().subspan(a->first_key, a->last_key - a->first_key), *timeout,
             server::session::timeout_reply::null_array);
}

/// BLMOVE (and BRPOPLPUSH: RIGHT LEFT) with its timeout at argument `timeout_index`.
template <class Keyspace>
void blocking_move_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay, list_end from,
                           list_end to, std::size_t timeout_index) {
    const auto timeout = timeout_arg(call, timeout_index);
    if (!timeout) return;
    const pop_result moved = move_element(call, ks, from, to, call.client().retrying());
    if (moved == pop_result::served) { // replayed as the non-blocking move, as Redis 7.0 writes it
        const bool brpoplpush = timeout_index == 3;
        std::vector<std::string> replay{brpoplpush ? "RPOPLPUSH" : "LMOVE", std::string(call.arg(1)),
                                        std::string(call.arg(2))};
        if (!brpoplpush && call.client().retrying()) { // served after blocking: in Redis's spelling
            replay.emplace_back(from == list_end::head ? "left" : "right");
            replay.emplace_back(to == list_end::head ? "left" : "right");
        } else if (!brpoplpush) {
            replay.emplace_back(call.arg(3));
            replay.emplace_back(call.arg(4));
        }
        replay_as(call, std::move(replay));
    }
    if (moved != pop_result::empty) return;
    // Redis 7.0 answers a null bulk where it may not block (in EXEC), as LMOVE does, but a null
    // array when a blocked BLMOVE times out (replyToBlockedClientTimedOut).
    if (call.client().executing_transaction()) {
        call.reply().null();
        return;
    }
    block_on(call, relay, call.args().subspan(1, 1), *timeout, server::session::timeout_reply::null_array);
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
template <class Keyspace>
void pos_command(command_call& call, Keyspace& ks) {
    std::int64_t rank = 1;
    std::int64_t count = -1; // -1: no COUNT option
    std::int64_t maxlen = 0;
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    for (std::size_t j = 3; j < call.argc(); ++j) {
        const std::string_view opt = call.arg(j);
        const bool more = j + 1 < call.argc();
        if (option_is(opt, "RANK") && more) {
            const auto n = integer_arg(call, ++j);
            if (!n) return;
            if (*n == 0) {
                call.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
                           "use negative to start from the end of the list");
                return;
            }
            rank = *n;
        } else if (option_is(opt, "COUNT") && more) {
            const auto n = ranged_arg(call, ++j, 0, max, "ERR COUNT can't be negative");
            if (!n) return;
            count = *n;
        } else if (option_is(opt, "MAXLEN") && more) {
            const auto n = ranged_arg(call, ++j, 0, max, "ERR MAXLEN can't be negative");
            if (!n) return;
            maxlen = *n;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    bool from_tail = false;
    if (rank < 0) {
        from_tail = true;
        // Redis negates LONG_MIN into itself: every match then passes "matches >= rank", and
        // COUNT's "matches - rank + 1 >= count" wraps negative (never stops early).
        if (rank == std::numeric_limits<std::int64_t>::min()) {
            rank = 1;
            if (count > 0) count = 0;
        } else {
            rank = -rank;
        }
    }
    const auto found = ks.find(call.client().db(), call.arg(1), value_kind::list);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (found.found == nullptr) {
        if (count != -1)
            call.reply().array(0);
        else
            call.reply().null();
        return;
    }
    const list_value& list = found.found->list();
    const std::string_view element = call.arg(2);
    const std::size_t length = list.size();
    const std::size_t limit = maxlen == 0 || static_cast<std::uint64_t>(maxlen) > length
                                  ? length
                                  : static_cast<std::size_t>(maxlen);
    std::vector<std::int64_t> positions;
    std::int64_t matches = 0;
    auto it = from_tail ? list.end() : list.begin();
    for (std::size_t i = 0; i < limit; ++i) {
        const std::size_t index = from_tail ? length - 1 - i : i;
        std::string_view current;
        if (from_tail) {
            current = *--it;
        } else {
            current = *it;
            ++it;
        }
        if (current != element) continue;
        ++matches;
        if (matches < rank) continue;
        positions.push_back(static_cast<std::int64_t>(index));
        if (count == -1) break;
        if (count != 0 && matches - rank + 1 >= count) break;
    }
    if (count != -1) {
        call.reply().array(positions.size());
        for (const std::int64_t p : positions) call.reply().integer(p);
    } else if (positions.empty()) {
        call.reply().null();
    } else {
        call.reply().integer(positions.front());
    }
}

} // namespace list_detail

/// Registers the list commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
/// LREM LTRIM LINSERT LPOS LMOVE RPOPLPUSH LMPOP BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with Redis
/// 7.0's arity, flags and key positions.
template <class Keyspace>
void install_list_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace list_detail;
    Keyspace* ks = &keyspace;
    // Blocked clients learn of changes to their keys through it (attached when one blocks).
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    auto specs = list_command_specs();

    commands.add(
        std::move(specs.lpush),
        [ks](command_call& call) { push_command(call, *ks, list_end::head, false); });
    commands.add(
        std::move(specs.rpush),
        [ks](command_call& call) { push_command(call, *ks, list_end::tail, false); });
    commands.add(
        std::move(specs.lpushx),
        [ks](command_call& call) { push_command(call, *ks, list_end::head, true); });
    commands.add(
        std::move(specs.rpushx),
        [ks](command_call& call) { push_command(call, *ks, list_end::tail, true); });

    commands.add(
        std::move(specs.lpop),
        [ks](command_call& call) { pop_command(call, *ks, list_end::head); });
    commands.add(
        std::move(specs.rpop),
        [ks](command_call& call) { pop_command(call, *ks, list_end::tail); });

    commands.add(std::move(specs.llen),
                 [ks](command_call& call) {
                     const auto found = ks->find(call.client().db(), call.arg(1), value_kind::list);
                     if (found.error)
                         call.error(server::errors::wrong_type);
                     else
                         call.reply().integer(
                             found.found ? static_cast<std::int64_t>(found.found->list().size()) : 0);
                 });

    commands.add(
        std::move(specs.lrange),
        [ks](command_call& call) {
            const auto start = integer_arg(call, 2);
            if (!start) return;
            const auto stop = integer_arg(call, 3);
            if (!stop) return;
            const auto found = ks->find(call.client().db(), call.arg(1), value_kind::list);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (found.found == nullptr) {
                call.reply().array(0);
                return;
            }
            const list_value& list = found.found->list();
            const auto range = list_range(*start, *stop, list.size());
            if (!range) {
                call.reply().array(0);
                return;
            }
            call.reply().array(range->second - range->first + 1);
            auto it = list.at(range->first);
            for (std::size_t i = range->first; i <= range->second; ++i, ++it) call.reply().bulk_string(*it);
        });

    commands.add(
        std::move(specs.lindex),
        [ks](command_call& call) {
            const auto found = ks->find(call.client().db(), call.arg(1), value_kind::list);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (found.found == nullptr) {
                call.reply().null();
                return;
            }
            const auto index = integer_arg(call, 2);
            if (!index) return;
            const list_value& list = found.found->list();
            const auto n = static_cast<std::int64_t>(list.size());
            const std::int64_t i = *index < 0 ? *index + n : *index;
            if (i < 0 || i >= n)
                call.reply().null();
            else
                call.reply().bulk_string(list[static_cast<std::size_t>(i)]);
        });

    commands.add(
        std::move(specs.lset),
        [ks](command_call& call) {
            const std::size_t db = call.client().db();
            const auto found = ks->find_for_write(db, call.arg(1), value_kind::list);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (found.found == nullptr) {
                call.error(server::errors::no_such_key);
                return;
            }
            const auto index = integer_arg(call, 2);
            if (!index) return;
            list_value& list = found.found->list();
            const auto n = static_cast<std::int64_t>(list.size());
            const std::int64_t i = *index < 0 ? *index + n : *index;
            if (i < 0 || i >= n) {
                call.error("ERR index out of range");
                return;
            }
            list.replace(list.at(static_cast<std::size_t>(i)), call.arg(3));
            ks->notify_modified(db, call.arg(1));
            call.ok();
            call.notify(server::keyspace_event_class::list, "lset", call.arg(1));
        });

    commands.add(
        std::move(specs.lrem),
        [ks](command_call& call) {
            const auto given = integer_arg(call, 2);
            if (!given) return;
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            const auto found = ks->find_for_write(db, key, value_kind::list);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (found.found == nullptr) {
                call.reply().integer(0);
                return;
            }
            list_value& list = found.found->list();
            const std::string_view element = call.arg(3);
            const bool from_tail = *given < 0;
            // 0 (remove all) becomes the largest limit; |LONG_MIN| fits in uint64.
            const std::uint64_t limit = *given == 0 ? std::numeric_limits<std::uint64_t>::max()
                                        : from_tail ? 0 - static_cast<std::uint64_t>(*given)
                                                    : static_cast<std::uint64_t>(*given);
            std::uint64_t removed = 0;
            if (!from_tail) {
                for (auto it = list.begin(); it != list.end() && removed < limit;) {
                    if (*it == element) {
                        it = list.erase(it);
                        ++removed;
                    } else {
                        ++it;
                    }
                }
            } else {
                // erase() answers the element after the one removed: the walk goes on before it.
                for (auto it = list.end(); !list.empty() && it != list.begin() && removed < limit;) {
                    --it;
                    if (*it == element) {
                        it = list.erase(it);
                        ++removed;
                    }
                }
            }
            if (removed != 0) notify_removal(call, "lrem", key, after_removal(*ks, db, key, list));
            call.reply().integer(static_cast<std::int64_t>(removed));
        });

    commands.add(std::move(specs.ltrim),
                 [ks](command_call& call) {
                     const auto start = integer_arg(call, 2);
                     if (!start) return;
                     const auto stop = integer_arg(call, 3);
                     if (!stop) return;
                     const std::size_t db = call.client().db();
                     const std::string_view key = call.arg(1);
                     const auto found = ks->find_for_write(db, key, value_kind::list);
                     if (found.error) {
                         call.error(server::errors::wrong_type);
                         return;
                     }
                     if (found.found != nullptr) {
                         list_value& list = found.found->list();
                         const std::size_t before = list.size();
                         const auto range = list_range(*start, *stop, list.size());
                         if (!range) {
                             list.clear();
                         } else {
                             list.erase_back(list.size() - 1 - range->second);
                             list.erase_front(range->first);
                         }
                         // Watchers see a change either way, as in Redis; the append-only file
                         // only a trim that removed something.
                         if (list.size() == before) call.prevent_propagation();
                         notify_removal(call, "ltrim", key, after_removal(*ks, db, key, list));
                     }
                     call.ok();
                 });

    commands.add(
        std::move(specs.linsert),
        [ks](command_call& call) {
            bool after = false;
            if (option_is(call.arg(2), "AFTER")) {
                after = true;
            } else if (!option_is(call.arg(2), "BEFORE")) {
                call.error(server::errors::syntax);
                return;
            }
            const std::size_t db = call.client().db();
            const std::string_view key = call.arg(1);
            const auto found = ks->find_for_write(db, key, value_kind::list);
            if (found.error) {
                call.error(server::errors::wrong_type);
                return;
            }
            if (found.found == nullptr) {
                call.reply().integer(0);
                return;
            }
            list_value& list = found.found->list();
            const std::string_view pivot = call.arg(3);
            for (auto it = list.begin(); it != list.end(); ++it) {
                if (*it != pivot) continue;
                list.insert(it, call.arg(4), after);
                ks->notify_modified(db, key);
                call.notify(server::keyspace_event_class::list, "linsert", key);
                call.reply().integer(static_cast<std::int64_t>(list.size()));
                return;
            }
            call.reply().integer(-1);
        });

    commands.add(
        std::move(specs.lpos),
        [ks](command_call& call) { pos_command(call, *ks); });

    commands.add(
        std::move(specs.lmove),
        [ks](command_call& call) {
            const auto from = end_arg(call, 3);
            if (!from) return;
            const auto to = end_arg(call, 4);
            if (!to) return;
            move_command(call, *ks, *from, *to);
        });
    commands.add(
        std::move(specs.rpoplpush),
        [ks](command_call& call) { move_command(call, *ks, list_end::tail, list_end::head); });

    commands.add(
        std::move(specs.lmpop),
        [ks](command_call& call) { mpop_command(call, *ks); });

    commands.add(
        std::move(specs.blpop),
        [ks, relay](command_call& call) {
            blocking_pop_command(call, *ks, *relay, list_end::head);
        });
    commands.add(
        std::move(specs.brpop),
        [ks, relay](command_call& call) {
            blocking_pop_command(call, *ks, *relay, list_end::tail);
        });
    commands.add(
        std::move(specs.blmove),
        [ks, relay](command_call& call) {
            const auto from = end_arg(call, 3);
            if (!from) return;
            const auto to = end_arg(call, 4);
            if (!to) return;
            blocking_move_command(call, *ks, *relay, *from, *to, 5);
        });
    commands.add(
        std::move(specs.brpoplpush),
        [ks, relay](command_call& call) {
            blocking_move_command(call, *ks, *relay, list_end::tail, list_end::head, 3);
        });
    commands.add(
        std::move(specs.blmpop),
        [ks, relay](command_call& call) { blocking_mpop_command(call, *ks, *relay); });
}

} // namespace respkit::commands

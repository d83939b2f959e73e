#pragma once

/// \file
/// SORT and SORT_RO over a store::keyspace: lists, sets and sorted sets sorted by their elements
/// or by the values a BY pattern names, with LIMIT, ASC/DESC, ALPHA, GET patterns and (SORT)
/// STORE, with Redis 7.0's replies and errors.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/reply_room.hpp"
#include "respkit/commands/specs/sort.hpp"
#include "respkit/server/acl_user.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace sort_detail {

using server::command_call;
using store::value_kind;

/// SORT's options as parsed.
struct sort_options {
    bool desc = false;
    bool alpha = false;
    bool dontsort = false; ///< BY a pattern without '*': the elements keep their order
    std::int64_t offset = 0, count = -1;
    std::optional<std::string_view> by;
    std::vector<std::string_view> gets;
    std::optional<std::string_view> store;
};

/// True when the caller may read every key (SORT's BY and GET read keys its key specs cannot
/// name): commands from inside, or a user with a selector granting read access to all keys.
[[nodiscard]] inline bool full_key_access(const command_call& call) {
    if (call.origin() != server::command_origin::client && call.origin() != server::command_origin::transaction)
        return true;
    const server::acl_user& user = call.client().user();
    if (user.unrestricted()) return true;
    for (const server::acl_selector& s : user.selectors()) {
        if (s.all_keys) return true;
        for (const server::acl_key_pattern& p : s.keys) {
            if (p.pattern == "*" && (p.access & server::acl_read) != 0) return true;
        }
    }
    return false;
}

/// Parses SORT's options (from argument 2); false after replying an error.
[[nodiscard]] inline bool parse_sort_options(command_call& call, bool readonly, sort_options& o) {
    bool key_access_checked = false, key_access = false;
    const auto may_read_keys = [&] {
        if (!key_access_checked) key_access = full_key_access(call);
        key_access_checked = true;
        return key_access;
    };
    for (std::size_t j = 2; j < call.argc(); ++j) {
        const std::size_t left = call.argc() - j - 1;
        const std::string_view opt = call.arg(j);
        if (option_is(opt, "asc")) {
            o.desc = false;
        } else if (option_is(opt, "desc")) {
            o.desc = true;
        } else if (option_is(opt, "alpha")) {
            o.alpha = true;
        } else if (option_is(opt, "limit") && left >= 2) {
            const auto offset = integer_arg(call, j + 1);
            if (!offset) return false;
            const auto count = integer_arg(call, j + 2);
            if (!count) return false;
            o.offset = *offset;
            o.count = *count;
            j += 2;
        } else if (!readonly && option_is(opt, "store") && left >= 1) {
            o.store = call.arg(++j);
        } else if (option_is(opt, "by") && left >= 1) {
            o.by = call.arg(++j);
            // Redis looks for '*' in the C string: bytes after a NUL do not count.
            o.dontsort = c_string(*o.by).find('*') == std::string_view::npos;
            if (!o.dontsort && !may_read_keys()) {
                call.error("ERR BY option of SORT denied due to insufficient ACL permissions.");
                return false;
            }
        } else if (option_is(opt, "get") && left >= 1) {
            if (!may_read_keys()) {
                call.error("ERR GET option of SORT denied due to insufficient ACL permissions.");
                return false;
            }
            o.gets.push_back(call.arg(++j));
        } else {
            call.error(server::errors::syntax);
            return false;
        }
    }
    return true;
}

/// What a BY or GET pattern names for one element: the element itself ("#"), a string key,
/// or a hash field ("prefix*suffix->field"); nullopt when the pattern has no '*', the key is
/// missing or of another type, or the field is missing.
template <class Keyspace>
[[nodiscard]] std::optional<std::string> lookup_pattern(Keyspace& ks, std::size_t db, std::string_view pattern,
                                                        std::string_view element) {
    const std::string_view spat = c_string(pattern);
    if (spat == "#") return std::string(element);
    const std::size_t star = spat.find('*');
    if (star == std::string_view::npos) return std::nullopt;
    std::string_view rest = pattern.substr(star + 1);
    std::string_view field;
    if (const std::size_t arrow = c_string(rest).find("->");
        arrow != std::string_view::npos && arrow + 2 < rest.size() && rest[arrow + 2] != '\0') {
        field = rest.substr(arrow + 2);
        rest = rest.substr(0, arrow);
    }
    std::string key;
    key.reserve(star + element.size() + rest.size());
    key.append(pattern.substr(0, star)).append(element).append(rest);
    const store::value* v = ks.find(db, key);
    if (!v) return std::nullopt;
    if (!field.empty()) {
        if (v->kind() != value_kind::hash) return std::nullopt;
        const std::optional<std::string_view> found = v->hash().get(field);
        if (!found) return std::nullopt;
        return std::string(*found);
    }
    if (v->kind() != value_kind::string) return std::nullopt;
    std::string out;
    v->append_string_to(out);
    return out;
}

/// One element being sorted, with what it sorts by.
struct sort_item {
    std::string element;
    double score = 0;
    std::optional<std::string> by; ///< ALPHA BY: the value the pattern named
};

/// Redis's binary string comparison (memcmp, then the shorter first).
[[nodiscard]] inline int compare_binary(std::string_view a, std::string_view b) noexcept {
    const int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/// strcoll in the C locale over the C strings (bytes up to the first NUL), as Redis compares
/// when it does not store.
[[nodiscard]] inline int compare_collated(std::string_view a, std::string_view b) noexcept {
    return compare_binary(c_string(a), c_string(b));
}

/// Parses a score as Redis's SORT does (strtod over the C string, no trailing bytes, no
/// overflow, not NaN).
[[nodiscard]] inline bool parse_sort_score(std::string_view text, double& out) {
    const std::string copy(c_string(text));
    char* end = nullptr;
    errno = 0;
    out = std::strtod(copy.c_str(), &end);
    return *end == '\0' && errno != ERANGE && !std::isnan(out);
}

/// Sorts `items` as Redis's sortCompare orders them (a stable sort, as glibc's qsort is).
inline void sort_items(std::vector<sort_item>& items, const sort_options& o) {
    const bool by_pattern = o.by.has_value(), storing = o.store.has_value();
    const auto compare = [&](const sort_item& a, const sort_item& b) {
        int c = 0;
        if (!o.alpha) {
            c = a.score > b.score ? 1 : a.score < b.score ? -1 : compare_binary(a.element, b.element);
        } else if (by_pattern) {
            if (!a.by || !b.by)
                c = a.by.has_value() == b.by.has_value() ? 0 : !a.by ? -1 : 1;
            else
                c = storing ? compare_binary(*a.by, *b.by) : compare_collated(*a.by, *b.by);
        } else {
            c = storing ? compare_binary(a.element, b.element) : compare_collated(a.element, b.element);
        }
        return (o.desc ? -c : c) < 0;
    };
    std::stable_sort(items.begin(), items.end(), compare);
}

/// SORT / SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination].
template <class Keyspace>
void sort_command(command_call& call, Keyspace& ks, bool readonly) {
    sort_options o;
    if (!parse_sort_options(call, readonly, o)) return;
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    const store::value* found = ks.find(db, key);
    value_kind kind = value_kind::list;
    if (found) {
        kind = found->kind();
        if (kind != value_kind::list && kind != value_kind::set && kind != value_kind::zset) {
            call.error(server::errors::wrong_type);
            return;
        }
    }
    // A set has no order of its own: stored or replicated results must not depend on it.
    if (o.dontsort && kind == value_kind::set && o.store) {
        o.dontsort = false;
        o.alpha = true;
        o.by.reset();
    }
    // As Redis, which turns a packed sorted set into a skip list to sort it.
    if (found && kind == value_kind::zset) ks.find_for_write(db, key)->zset().to_skiplist();
    const store::value* v = found ? ks.find_for_write(db, key) : nullptr;

    std::size_t size = 0;
    if (v) size = kind == value_kind::list ? v->list().size() : kind == value_kind::set ? v->set().size() : v->zset().size();
    const auto n = static_cast<std::int64_t>(size);
    std::int64_t start = std::min(std::max<std::int64_t>(o.offset, 0), n);
    const std::int64_t count = std::min(std::max<std::int64_t>(o.count, -1), n);
    std::int64_t end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n) end = n - 1;

    std::vector<sort_item> items;
    const bool ranged = o.dontsort && kind != value_kind::set;
    if (v && ranged) {
        // Elements in their own order (reversed for DESC), only the range asked for.
        if (end >= start) {
            const auto first = static_cast<std::size_t>(start), length = static_cast<std::size_t>(end - start + 1);
            items.reserve(length);
            if (kind == value_kind::list) {
                const store::list_value& list = v->list();
                if (o.desc) {
                    auto it = list.at(size - first);
                    for (std::size_t i = 0; i < length; ++i) items.push_back({std::string(*--it), 0, {}});
                } else {
                    auto it = list.at(first);
                    for (std::size_t i = 0; i < length; ++i, ++it) items.push_back({std::string(*it), 0, {}});
                }
            } else {
                v->zset().visit(o.desc ? size - 1 - first : first, length, o.desc,
                                [&](std::string_view m, double) { items.push_back({std::string(m), 0, {}}); });
            }
        }
        end -= start;
        start = 0;
    } else if (v) {
        items.reserve(size);
        const auto add = [&](std::string_view e) { items.push_back({std::string(e), 0, {}}); };
        if (kind == value_kind::list)
            for (const std::string_view e : v->list()) add(e);
        else if (kind == value_kind::set)
            v->set().for_each(add);
        else
            v->zset().for_each([&](std::string_view m, double) { add(m); });
    }

    bool not_double = false;
    if (!o.dontsort) {
        for (sort_item& item : items) {
            std::optional<std::string> by;
            if (o.by) {
                by = lookup_pattern(ks, db, *o.by, item.element);
                if (!by) continue;
            }
            if (o.alpha) {
                if (o.by) item.by = std::move(by);
            } else if (!parse_sort_score(o.by ? *by : item.element, item.score)) {
                not_double = true;
            }
        }
        sort_items(items, o);
    }
    if (not_double) {
        call.error("ERR One or more scores can't be converted into double");
        return;
    }
    const std::size_t selected = end >= start ? static_cast<std::size_t>(end - start + 1) : 0;
    const std::size_t gets = o.gets.size();
    const std::uint64_t output = gets != 0 ? static_cast<std::uint64_t>(gets) * selected : selected;
    const auto first = static_cast<std::size_t>(std::max<std::int64_t>(start, 0));
    if (!o.store) {
        require_reply_room(call, output, 5);
        call.reply().array(output);
        for (std::size_t j = first; j < first + selected; ++j) {
            if (gets == 0) call.reply().bulk_string(items[j].element);
            for (const std::string_view pattern : o.gets) {
                const std::optional<std::string> got = lookup_pattern(ks, db, pattern, items[j].element);
                if (got)
                    call.reply().bulk_string(*got);
                else
                    call.reply().null();
            }
        }
        return;
    }
    const std::string_view destination = *o.store;
    if (output != 0) {
        store::value list = store::value::make(value_kind::list, ks.encoding());
        for (std::size_t j = first; j < first + selected; ++j) {
            if (gets == 0) list.list().push_back(items[j].element);
            for (const std::string_view pattern : o.gets)
                list.list().push_back(lookup_pattern(ks, db, pattern, items[j].element).value_or(std::string()));
        }
        ks.set(db, destination, std::move(list));
        call.notify(server::keyspace_event_class::list, "sortstore", destination);
    } else if (ks.erase(db, destination)) {
        call.notify(server::keyspace_event_class::generic, "del", destination);
    }
    call.reply().integer(static_cast<std::int64_t>(output));
}

} // namespace sort_detail

/// Registers SORT and SORT_RO on `commands`, running against `keyspace` (which must outlive the
/// dispatcher's use of them), with Redis 7.0's arity, flags and key specs.
template <class Keyspace>
void install_sort_commands(server::dispatcher& commands, Keyspace& keyspace) {
    Keyspace* ks = &keyspace;
    auto specs = sort_command_specs();
    commands.add(std::move(specs.sort), [ks](server::command_call& call) { sort_detail::sort_command(call, *ks, false); });
    commands.add(std::move(specs.sort_ro),
                 [ks](server::command_call& call) { sort_detail::sort_command(call, *ks, true); });
}

} // namespace respkit::commands

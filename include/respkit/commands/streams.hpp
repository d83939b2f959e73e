#pragma once

/// \file
/// The stream command family (XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XINFO) over a
/// store::keyspace, with Redis 7.0's replies, errors and propagation (XADD with the ID it
/// resolved, an approximate trim as the exact one it did).

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/streams.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/stream.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace stream_detail {

using server::command_call;
using store::stream_id;
using store::value_kind;

inline constexpr std::string_view invalid_id = "ERR Invalid stream ID specified as stream command argument";


/// Parses an unsigned 64-bit number as Redis's string2ull: a canonical non-negative int64, or
/// what strtoull reads in full (so "+5" and values above INT64_MAX are accepted).
[[nodiscard]] inline bool parse_u64(std::string_view text, std::uint64_t& out) {
    std::int64_t n = 0;
    if (respkit::detail::parse_int64(text, n)) {
        if (n < 0) return false;
        out = static_cast<std::uint64_t>(n);
        return true;
    }
    if (text.empty() || text.size() > 127) return false;
    const std::string copy(text);
    if (copy.find('\0') != std::string::npos) return false;
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(copy.c_str(), &end, 10);
    if (errno == EINVAL || errno == ERANGE || end != copy.c_str() + copy.size()) return false;
    out = v;
    return true;
}

/// How an ID argument parses (Redis's streamGenericParseIDOrReply).
struct parsed_id {
    stream_id id;
    bool seq_given = true; ///< false for "ms-*"
};

/// Parses `text` as an ID: "-" and "+" (unless `strict`), "ms" (sequence `missing_seq`),
/// "ms-seq", and "ms-*" when `allow_star`. nullopt when invalid (no reply written).
[[nodiscard]] inline std::optional<parsed_id> parse_id(std::string_view text, std::uint64_t missing_seq, bool strict,
                                                       bool allow_star = false) {
    if (text.size() > 127) return std::nullopt;
    if (text == "-" || text == "+") {
        if (strict) return std::nullopt;
        return parsed_id{text == "-" ? stream_id{} : stream_id::max(), true};
    }
    parsed_id out;
    const std::size_t dash = text.find('-');
    if (!parse_u64(text.substr(0, dash), out.id.ms)) return std::nullopt;
    if (dash == std::string_view::npos) {
        out.id.seq = missing_seq;
        return out;
    }
    const std::string_view seq = text.substr(dash + 1);
    if (allow_star && seq == "*") {
        out.id.seq = 0;
        out.seq_given = false;
        return out;
    }
    if (!parse_u64(seq, out.id.seq)) return std::nullopt;
    return out;
}

/// An ID argument, or nullopt after replying the invalid-ID error.
[[nodiscard]] inline std::optional<stream_id> id_arg(command_call& call, std::size_t i, std::uint64_t missing_seq,
                                                     bool strict) {
    const auto p = parse_id(call.arg(i), missing_seq, strict);
    if (!p) {
        call.error(invalid_id);
        return std::nullopt;
    }
    return p->id;
}

/// A range bound as XRANGE reads it: "(" excludes (strict ID), else an ID, "-" or "+".
[[nodiscard]] inline std::optional<std::pair<stream_id, bool>> interval_arg(command_call& call, std::size_t i,
                                                                            std::uint64_t missing_seq) {
    const std::string_view text = call.arg(i);
    const bool exclude = text.size() > 1 && text[0] == '(';
    const auto p = exclude ? parse_id(text.substr(1), missing_seq, true) : parse_id(text, missing_seq, false);
    if (!p) {
        call.error(invalid_id);
        return std::nullopt;
    }
    return std::pair{p->id, exclude};
}

/// Writes one entry: [id, [field, value, ...]].
inline void reply_entry(command_call& call, const store::stream_entry& e) {
    auto& out = call.reply();
    out.array(2);
    out.bulk_string(e.id().to_string());
    out.array(e.item_count());
    e.for_each_item([&](std::string_view item) { out.bulk_string(item); });
}

/// Writes the entries in [start, end] (at most `count`, 0: all), ascending or descending.
inline void reply_range(command_call& call, const store::stream& s, stream_id start, stream_id end, std::uint64_t count,
                        bool reverse) {
    std::vector<const store::stream_entry*> found;
    s.range(start, end, reverse, [&](const store::stream_entry& e) {
        found.push_back(&e);
        return count == 0 || found.size() < count;
    });
    call.reply().array(found.size());
    for (const store::stream_entry* e : found) reply_entry(call, *e);
}

/// Nodes in a radix tree (Redis's rax) holding `keys` (sorted, distinct, equal length), counted
/// from depth `depth`: a key's end, a compressed run of shared bytes, or a branch.
[[nodiscard]] inline std::size_t rax_nodes(const std::vector<std::string>& keys, std::size_t begin, std::size_t end,
                                           std::size_t depth) {
    if (end - begin == 1 && keys[begin].size() == depth) return 1;
    const std::string& first = keys[begin];
    const std::string& last = keys[end - 1];
    std::size_t common = depth;
    while (common < first.size() && first[common] == last[common]) ++common;
    if (common > depth) return 1 + rax_nodes(keys, begin, end, common);
    std::size_t nodes = 1;
    for (std::size_t i = begin; i < end;) {
        std::size_t j = i + 1;
        while (j < end && keys[j][depth] == keys[i][depth]) ++j;
        nodes += rax_nodes(keys, i, j, depth + 1);
        i = j;
    }
    return nodes;
}

/// The radix tree's node count for a stream's nodes (keyed by their first IDs, big-endian).
[[nodiscard]] inline std::size_t rax_node_count(const store::stream& s) {
    if (s.nodes().empty()) return 1;
    std::vector<std::string> keys;
    keys.reserve(s.nodes().size());
    for (const auto& n : s.nodes()) {
        const stream_id id = n->entries.front().id();
        std::string key(16, '\0');
        for (int b = 0; b < 8; ++b) {
            key[static_cast<std::size_t>(b)] = static_cast<char>(id.ms >> (56 - 8 * b));
            key[static_cast<std::size_t>(8 + b)] = static_cast<char>(id.seq >> (56 - 8 * b));
        }
        keys.push_back(std::move(key));
    }
    return rax_nodes(keys, 0, keys.size(), 0);
}

/// XADD's and XTRIM's options (Redis's streamAddTrimArgs).
struct add_trim_args {
    store::stream::trim_spec trim;
    bool has_trim = false;
    std::size_t threshold_index = 0; ///< the argument holding MAXLEN's or MINID's threshold
    bool no_mkstream = false;
    bool id_given = false;
    parsed_id id;
};

/// Parses XADD's (`xadd`) or XTRIM's options as streamParseAddOrTrimArgsOrReply: the index of
/// XADD's ID argument, or nullopt after replying the error.
[[nodiscard]] inline std::optional<std::size_t> parse_add_trim(command_call& call, add_trim_args& a, bool xadd,
                                                               bool from_client, std::int64_t node_max_entries) {
    std::size_t i = 2;
    bool limit_given = false;
    std::int64_t limit = 0;
    for (; i < call.argc(); ++i) {
        const std::size_t more = call.argc() - 1 - i;
        const std::string_view opt = call.arg(i);
        if (xadd && opt == "*") break;
        const bool maxlen = option_is(opt, "maxlen");
        if ((maxlen || option_is(opt, "minid")) && more != 0) {
            if (a.has_trim) {
                call.error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                return std::nullopt;
            }
            a.trim.approximate = false;
            const std::string_view next = call.arg(i + 1);
            if (more >= 2 && next == "~") {
                a.trim.approximate = true;
                ++i;
            } else if (more >= 2 && next == "=") {
                ++i;
            }
            if (maxlen) {
                const auto n = integer_arg(call, i + 1);
                if (!n) return std::nullopt;
                if (*n < 0) {
                    call.error("ERR The MAXLEN argument must be >= 0.");
                    return std::nullopt;
                }
                a.trim.by_min_id = false;
                a.trim.max_length = static_cast<std::uint64_t>(*n);
            } else {
                const auto id = id_arg(call, i + 1, 0, true);
                if (!id) return std::nullopt;
                a.trim.by_min_id = true;
                a.trim.min_id = *id;
            }
            ++i;
            a.has_trim = true;
            a.threshold_index = i;
        } else if (option_is(opt, "limit") && more != 0) {
            const auto n = integer_arg(call, i + 1);
            if (!n) return std::nullopt;
            if (*n < 0) {
                call.error("ERR The LIMIT argument must be >= 0.");
                return std::nullopt;
            }
            limit = *n;
            limit_given = true;
            ++i;
        } else if (xadd && option_is(opt, "nomkstream")) {
            a.no_mkstream = true;
        } else if (xadd) {
            const auto p = parse_id(opt, 0, true, true);
            if (!p) {
                call.error(invalid_id);
                return std::nullopt;
            }
            a.id = *p;
            a.id_given = true;
            break;
        } else {
            call.error(server::errors::syntax);
            return std::nullopt;
        }
    }
    if (limit != 0 && !a.has_trim) {
        call.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return std::nullopt;
    }
    if (!xadd && !a.has_trim) {
        call.error("ERR syntax error, XTRIM must be called with a trimming strategy");
        return std::nullopt;
    }
    if (!from_client) {
        a.trim.limit = 0;
    } else if (limit_given) {
        if (!a.trim.approximate) {
            call.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
            return std::nullopt;
        }
        a.trim.limit = static_cast<std::uint64_t>(limit);
    } else {
        // At most 100 nodes' worth, as Redis (10000 when nodes are unbounded, at most a million).
        std::int64_t n = node_max_entries > 10000 ? 1000000 : 100 * node_max_entries;
        if (n <= 0) n = 10000;
        if (n > 1000000) n = 1000000;
        a.trim.limit = a.trim.approximate ? static_cast<std::uint64_t>(n) : 0;
    }
    return i;
}

/// The arguments of this call with the approximate trim rewritten as the exact one it did
/// (Redis's streamRewriteApproxSpecifier and streamRewriteTrimArgument).
inline void rewrite_trim(std::vector<std::string>& args, const add_trim_args& a, const store::stream& s) {
    args[a.threshold_index - 1] = "=";
    if (!a.trim.by_min_id) {
        args[a.threshold_index] = std::to_string(s.length());
    } else {
        const stream_id first = s.nodes().empty() ? stream_id::max() : s.nodes().front()->entries.front().id();
        args[a.threshold_index] = first.to_string();
    }
}

[[nodiscard]] inline std::vector<std::string> args_of(const command_call& call) {
    std::vector<std::string> args;
    args.reserve(call.argc());
    for (std::size_t i = 0; i < call.argc(); ++i) args.emplace_back(call.arg(i));
    return args;
}

[[nodiscard]] inline std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

template <class Keyspace>
void xadd_command(command_call& call, Keyspace& ks) {
    add_trim_args a;
    const auto idpos = parse_add_trim(call, a, true, call.origin() != server::command_origin::loading,
                                      ks.encoding().stream_node_max_entries);
    if (!idpos) return;
    const std::size_t field_pos = *idpos + 1;
    if (call.argc() < field_pos + 2 || (call.argc() - field_pos) % 2 == 1) {
        call.error("ERR wrong number of arguments for 'xadd' command");
        return;
    }
    if (a.id_given && a.id.seq_given && a.id.id == stream_id{}) {
        call.error("ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    auto found = ks.find_for_write(db, key, value_kind::stream);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found && a.no_mkstream) {
        call.reply().null();
        return;
    }
    store::value* v = found.found ? found.found : &ks.set(db, key, store::value::make(value_kind::stream));
    store::stream& s = v->stream();
    if (s.last_id() == stream_id::max()) {
        call.error("ERR The stream has exhausted the last possible ID, unable to add more items");
        return;
    }
    stream_id id;
    if (a.id_given) {
        id = a.id.id;
        if (!a.id.seq_given && s.last_id().ms == id.ms) {
            if (!s.last_id().next(id) || id.ms != a.id.id.ms) {
                call.error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
                return;
            }
        }
    } else {
        const std::uint64_t ms = now_ms();
        if (ms > s.last_id().ms) id = {ms, 0};
        else (void)s.last_id().next(id);
    }
    if (id <= s.last_id()) {
        call.error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
        return;
    }
    std::size_t bytes = 0;
    for (std::size_t i = field_pos; i < call.argc(); ++i) bytes += call.arg(i).size();
    if (bytes > (std::size_t{1} << 30)) {
        call.error("ERR Elements are too large to be stored");
        return;
    }
    s.append(id, call.args().subspan(field_pos), static_cast<std::size_t>(ks.encoding().stream_node_max_entries));
    const std::string id_text = id.to_string();
    call.reply().bulk_string(id_text);
    std::vector<std::string> args = args_of(call);
    call.notify(server::keyspace_event_class::stream, "xadd", key);
    if (a.has_trim) {
        if (s.trim(a.trim) != 0) call.notify(server::keyspace_event_class::stream, "xtrim", key);
        if (a.trim.approximate) rewrite_trim(args, a, s);
    }
    if (!a.id_given || !a.id.seq_given) args[*idpos] = id_text;
    ks.notify_modified(db, key);
    replay_as(call, std::move(args));
}

template <class Keyspace>
void xtrim_command(command_call& call, Keyspace& ks) {
    add_trim_args a;
    if (!parse_add_trim(call, a, false, call.origin() != server::command_origin::loading,
                            ks.encoding().stream_node_max_entries)) return;
    const std::size_t db = call.client().db();
    auto found = ks.find_for_write(db, call.arg(1), value_kind::stream);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found) {
        call.reply().integer(0);
        return;
    }
    store::stream& s = found.found->stream();
    const std::uint64_t deleted = s.trim(a.trim);
    if (deleted != 0) {
        ks.notify_modified(db, call.arg(1));
        call.notify(server::keyspace_event_class::stream, "xtrim", call.arg(1));
        if (a.trim.approximate) {
            std::vector<std::string> args = args_of(call);
            rewrite_trim(args, a, s);
            replay_as(call, std::move(args));
        }
    }
    call.reply().integer(static_cast<std::int64_t>(deleted));
}

/// Read lookup of a stream: nullptr when missing; nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<const store::stream*> read_stream(command_call& call, Keyspace& ks, std::string_view key) {
    const store::value* v = ks.find(call.client().db(), key);
    if (!v) return static_cast<const store::stream*>(nullptr);
    if (v->kind() != value_kind::stream) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    return &v->stream();
}

template <class Keyspace>
void xrange_command(command_call& call, Keyspace& ks, bool reverse) {
    const auto start = interval_arg(call, reverse ? 3 : 2, 0);
    if (!start) return;
    stream_id from = start->first;
    if (start->second && !start->first.next(from)) {
        call.error("ERR invalid start ID for the interval");
        return;
    }
    const auto end = interval_arg(call, reverse ? 2 : 3, stream_id::max().seq);
    if (!end) return;
    stream_id to = end->first;
    if (end->second && !end->first.previous(to)) {
        call.error("ERR invalid end ID for the interval");
        return;
    }
    std::int64_t count = -1;
    for (std::size_t j = 4; j < call.argc(); ++j) {
        if (option_is(call.arg(j), "count") && call.argc() - j - 1 >= 1) {
            const auto n = integer_arg(call, j + 1);
            if (!n) return;
            count = *n < 0 ? 0 : *n;
            ++j;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const auto s = read_stream(call, ks, call.arg(1));
    if (!s) return;
    if (!*s) {
        call.reply().array(0);
        return;
    }
    if (count == 0) {
        call.reply().null_array();
        return;
    }
    reply_range(call, **s, from, to, count < 0 ? 0 : static_cast<std::uint64_t>(count), reverse);
}

template <class Keyspace>
void xdel_command(command_call& call, Keyspace& ks) {
    const std::size_t db = call.client().db();
    auto found = ks.find_for_write(db, call.arg(1), value_kind::stream);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found) {
        call.reply().integer(0);
        return;
    }
    std::vector<stream_id> ids;
    ids.reserve(call.argc() - 2);
    for (std::size_t j = 2; j < call.argc(); ++j) {
        const auto id = id_arg(call, j, 0, true);
        if (!id) return;
        ids.push_back(*id);
    }
    store::stream& s = found.found->stream();
    std::int64_t deleted = 0;
    for (const stream_id id : ids) deleted += s.erase(id) ? 1 : 0;
    if (deleted != 0) {
        ks.notify_modified(db, call.arg(1));
        call.notify(server::keyspace_event_class::stream, "xdel", call.arg(1));
    }
    call.reply().integer(deleted);
}

template <class Keyspace>
void xsetid_command(command_call& call, Keyspace& ks) {
    const auto id = id_arg(call, 2, 0, true);
    if (!id) return;
    std::int64_t entries_added = -1;
    stream_id max_deleted{};
    for (std::size_t i = 3; i < call.argc();) {
        const bool more = call.argc() - 1 - i != 0;
        if (option_is(call.arg(i), "entriesadded") && more) {
            const auto n = integer_arg(call, i + 1);
            if (!n) return;
            if (*n < 0) {
                call.error("ERR entries_added must be positive");
                return;
            }
            entries_added = *n;
            i += 2;
        } else if (option_is(call.arg(i), "maxdeletedid") && more) {
            const auto m = id_arg(call, i + 1, 0, true);
            if (!m) return;
            if (*id < *m) {
                call.error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                return;
            }
            max_deleted = *m;
            i += 2;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const std::size_t db = call.client().db();
    auto found = ks.find_for_write(db, call.arg(1), value_kind::stream);
    if (!found.found && !found.error) {
        call.error(server::errors::no_such_key);
        return;
    }
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    store::stream& s = found.found->stream();
    if (s.length() > 0) {
        if (*id < s.last_entry()->id()) {
            call.error("ERR The ID specified in XSETID is smaller than the target stream top item");
            return;
        }
        if (entries_added != -1 && s.length() > static_cast<std::uint64_t>(entries_added)) {
            call.error("ERR The entries_added specified in XSETID is smaller than the target stream length");
            return;
        }
    }
    s.set_last_id(*id);
    if (entries_added != -1) s.set_entries_added(static_cast<std::uint64_t>(entries_added));
    if (max_deleted != stream_id{}) s.set_max_deleted_id(max_deleted);
    call.mark_dirty(); // as Redis: no signalModifiedKey (WATCH is not touched)
    call.ok();
    call.notify(server::keyspace_event_class::stream, "xsetid", call.arg(1));
}

/// Writes a group's lag, or null when unknown.
inline void reply_lag(command_call& call, const store::stream& s, const store::stream_group& g) {
    const std::int64_t lag = s.lag_of(g);
    if (lag < 0) call.reply().null();
    else call.reply().integer(lag);
}

/// "ERR unknown subcommand or wrong number of arguments for '<arg 1>'. Try XINFO HELP."
inline void subcommand_syntax_error(command_call& call) {
    std::string upper(call.arg(0));
    for (char& c : upper) c = respkit::detail::ascii_upper(c);
    call.error("ERR unknown subcommand or wrong number of arguments for '" +
               std::string(call.arg(1)).substr(0, 128) + "'. Try " + upper + " HELP.");
}

/// Reads XINFO's key: the stream, or nullptr after replying ("ERR no such key", WRONGTYPE).
template <class Keyspace>
[[nodiscard]] const store::stream* xinfo_stream(command_call& call, Keyspace& ks) {
    const auto s = read_stream(call, ks, call.arg(2));
    if (!s) return nullptr;
    if (!*s) {
        call.error(server::errors::no_such_key);
        return nullptr;
    }
    return *s;
}

template <class Keyspace>
void xinfo_stream_command(command_call& call, Keyspace& ks) {
    // As Redis's xinfoCommand: the key is looked up before the options are read, so a missing
    // key or one of another type wins over a syntax error.
    const store::stream* s = xinfo_stream(call, ks);
    if (!s) return;
    bool full = false;
    std::int64_t count = 10;
    const std::size_t optc = call.argc() - 3;
    if (optc != 0) {
        if ((optc != 1 && optc != 3) || !option_is(call.arg(3), "full") ||
            (optc == 3 && !option_is(call.arg(4), "count"))) {
            subcommand_syntax_error(call);
            return;
        }
        full = true;
        if (optc == 3) {
            const auto n = integer_arg(call, 5);
            if (!n) return;
            count = *n < 0 ? 10 : *n;
        }
    }
    auto& out = call.reply();
    out.map(full ? 9 : 10);
    out.bulk_string("length");
    out.integer(static_cast<std::int64_t>(s->length()));
    out.bulk_string("radix-tree-keys");
    out.integer(static_cast<std::int64_t>(s->nodes().size()));
    out.bulk_string("radix-tree-nodes");
    out.integer(static_cast<std::int64_t>(rax_node_count(*s)));
    out.bulk_string("last-generated-id");
    out.bulk_string(s->last_id().to_string());
    out.bulk_string("max-deleted-entry-id");
    out.bulk_string(s->max_deleted_id().to_string());
    out.bulk_string("entries-added");
    out.integer(static_cast<std::int64_t>(s->entries_added()));
    out.bulk_string("recorded-first-entry-id");
    out.bulk_string(s->first_id().to_string());
    if (!full) {
        out.bulk_string("groups");
        out.integer(static_cast<std::int64_t>(s->groups().size()));
        out.bulk_string("first-entry");
        if (const store::stream_entry* e = s->first_entry()) reply_entry(call, *e);
        else out.null();
        out.bulk_string("last-entry");
        if (const store::stream_entry* e = s->last_entry()) reply_entry(call, *e);
        else out.null();
        return;
    }
    out.bulk_string("entries");
    reply_range(call, *s, {}, stream_id::max(), static_cast<std::uint64_t>(count), false);
    out.bulk_string("groups");
    out.array(s->groups().size());
    for (const auto& [name, g] : s->groups()) {
        out.map(7);
        out.bulk_string("name");
        out.bulk_string(name);
        out.bulk_string("last-delivered-id");
        out.bulk_string(g.last_id.to_string());
        out.bulk_string("entries-read");
        if (g.entries_read != store::stream_group::invalid_entries_read) out.integer(g.entries_read);
        else out.null();
        out.bulk_string("lag");
        reply_lag(call, *s, g);
        out.bulk_string("pel-count");
        out.integer(static_cast<std::int64_t>(g.pending.size()));
        out.bulk_string("pending");
        std::size_t n = g.pending.size();
        if (count != 0 && static_cast<std::uint64_t>(count) < n) n = static_cast<std::size_t>(count);
        out.array(n);
        std::size_t i = 0;
        for (const auto& [id, nack] : g.pending) {
            if (i++ == n) break;
            out.array(4);
            out.bulk_string(id.to_string());
            out.bulk_string(nack.consumer);
            out.integer(nack.delivery_time);
            out.integer(static_cast<std::int64_t>(nack.delivery_count));
        }
        out.bulk_string("consumers");
        out.array(g.consumers.size());
        for (const auto& [cname, c] : g.consumers) {
            out.map(4);
            out.bulk_string("name");
            out.bulk_string(cname);
            out.bulk_string("seen-time");
            out.integer(c.seen_time);
            out.bulk_string("pel-count");
            out.integer(static_cast<std::int64_t>(c.pending.size()));
            out.bulk_string("pending");
            std::size_t m = c.pending.size();
            if (count != 0 && static_cast<std::uint64_t>(count) < m) m = static_cast<std::size_t>(count);
            out.array(m);
            std::size_t k = 0;
            for (const stream_id id : c.pending) {
                if (k++ == m) break;
                const store::stream_nack& nack = g.pending.at(id);
                out.array(3);
                out.bulk_string(id.to_string());
                out.integer(nack.delivery_time);
                out.integer(static_cast<std::int64_t>(nack.delivery_count));
            }
        }
    }
}


// --- consumer groups ---

/// "-NOGROUP No such consumer group '<g>' for key name '<k>'".
inline void no_group_for_key(command_call& call, std::string_view group, std::string_view key) {
    call.error("NOGROUP No such consumer group '" + std::string(group) + "' for key name '" + std::string(key) + "'");
}

/// Propagates the delivery of `id` to `g`'s pending list as Redis's streamPropagateXCLAIM.
inline void propagate_xclaim(command_call& call, std::string_view key, std::string_view group_name,
                             const store::stream_group& g, std::string_view id_arg, const store::stream_nack& nack) {
    if (!call.propagating()) return;
    call.also_propagate(call.client().db(),
                        {"XCLAIM", std::string(key), std::string(group_name), nack.consumer, "0", std::string(id_arg),
                         "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT", std::to_string(nack.delivery_count),
                         "FORCE", "JUSTID", "LASTID", g.last_id.to_string()});
}

/// Propagates a group's last ID and entries-read counter (Redis's streamPropagateGroupID).
inline void propagate_group_id(command_call& call, std::string_view key, std::string_view group_name,
                               const store::stream_group& g) {
    if (!call.propagating()) return;
    call.also_propagate(call.client().db(), {"XGROUP", "SETID", std::string(key), std::string(group_name),
                                             g.last_id.to_string(), "ENTRIESREAD", std::to_string(g.entries_read)});
}

template <class Keyspace>
void xgroup_command(command_call& call, Keyspace& ks) {
    const std::string_view opt = call.arg(1);
    const std::size_t db = call.client().db();
    bool mkstream = false;
    std::int64_t entries_read = store::stream_group::invalid_entries_read;
    store::stream* s = nullptr;
    store::stream_group* g = nullptr;
    const bool create = option_is(opt, "create");
    if (call.argc() >= 4) {
        const bool setid = option_is(opt, "setid");
        for (std::size_t i = 5; i < call.argc();) {
            if (create && option_is(call.arg(i), "mkstream")) {
                mkstream = true;
                ++i;
            } else if ((create || setid) && option_is(call.arg(i), "entriesread") && i + 1 < call.argc()) {
                const auto n = integer_arg(call, i + 1);
                if (!n) return;
                if (*n < 0 && *n != store::stream_group::invalid_entries_read) {
                    call.error("ERR value for ENTRIESREAD must be positive or -1");
                    return;
                }
                entries_read = *n;
                i += 2;
            } else {
                subcommand_syntax_error(call);
                return;
            }
        }
        auto found = ks.find_for_write(db, call.arg(2), value_kind::stream);
        if (found.error) {
            call.error(server::errors::wrong_type);
            return;
        }
        if (found.found) s = &found.found->stream();
        if (!mkstream) {
            if (!s) {
                call.error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
                           "use the MKSTREAM option to create an empty stream automatically.");
                return;
            }
            g = s->group(call.arg(3));
            if (!g && !create && !option_is(opt, "destroy")) {
                no_group_for_key(call, call.arg(3), call.arg(2));
                return;
            }
        }
    }
    const std::int64_t now = static_cast<std::int64_t>(now_ms());
    if (create && call.argc() >= 5 && call.argc() <= 8) {
        stream_id id;
        if (call.arg(4) == "$") {
            id = s ? s->last_id() : stream_id{};
        } else {
            const auto p = id_arg(call, 4, 0, true);
            if (!p) return;
            id = *p;
        }
        if (!s) {
            s = &ks.set(db, call.arg(2), store::value::make(value_kind::stream)).stream();
        }
        if (s->group(call.arg(3))) {
            call.error("BUSYGROUP Consumer Group name already exists");
            return;
        }
        store::stream_group created;
        created.last_id = id;
        created.entries_read = entries_read;
        s->groups().emplace(std::string(call.arg(3)), std::move(created));
        call.mark_dirty();
        call.ok();
        call.notify(server::keyspace_event_class::stream, "xgroup-create", call.arg(2));
    } else if (option_is(opt, "setid") && (call.argc() == 5 || call.argc() == 7)) {
        stream_id id;
        if (call.arg(4) == "$") {
            id = s->last_id();
        } else {
            const auto p = id_arg(call, 4, 0, false);
            if (!p) return;
            id = *p;
        }
        g->last_id = id;
        g->entries_read = entries_read;
        call.mark_dirty();
        call.ok();
        call.notify(server::keyspace_event_class::stream, "xgroup-setid", call.arg(2));
    } else if (option_is(opt, "destroy") && call.argc() == 4) {
        if (g) {
            s->groups().erase(s->groups().find(call.arg(3)));
            call.mark_dirty();
            call.server().signal_key_ready(db, call.arg(2));
            call.reply().integer(1);
            call.notify(server::keyspace_event_class::stream, "xgroup-destroy", call.arg(2));
        } else {
            call.reply().integer(0);
        }
    } else if (option_is(opt, "createconsumer") && call.argc() == 5) {
        const bool created = g->add_consumer(call.arg(4), now);
        if (created) {
            call.mark_dirty();
            call.notify(server::keyspace_event_class::stream, "xgroup-createconsumer", call.arg(2));
        }
        call.reply().integer(created ? 1 : 0);
    } else if (option_is(opt, "delconsumer") && call.argc() == 5) {
        std::size_t pending = 0;
        if (g->consumers.find(call.arg(4)) != g->consumers.end()) {
            pending = g->delete_consumer(call.arg(4));
            call.mark_dirty();
            call.notify(server::keyspace_event_class::stream, "xgroup-delconsumer", call.arg(2));
        }
        call.reply().integer(static_cast<std::int64_t>(pending));
    } else {
        subcommand_syntax_error(call);
    }
}

/// Writes entry `id` of `s` as XCLAIM and XREADGROUP's history show it: the entry, or [id, nil]
/// when it is gone.
inline void reply_entry_or_gone(command_call& call, const store::stream& s, stream_id id) {
    if (const store::stream_entry* e = s.find(id)) {
        reply_entry(call, *e);
        return;
    }
    call.reply().array(2);
    call.reply().bulk_string(id.to_string());
    call.reply().null_array();
}

/// Blocks an XREAD / XREADGROUP that found nothing on its keys until one changes (the command then
/// runs again) or `timeout_ms` passes (0: never); "$" IDs are replaced by the IDs they stood for
/// now, so that the command run again reads what was added since.
template <class Keyspace>
void block_stream_read(command_call& call, key_event_relay<Keyspace>& relay, std::size_t streams_arg,
                       std::size_t streams_count, const std::vector<stream_id>& ids, std::int64_t timeout_ms) {
    std::vector<std::string> owned;
    owned.reserve(call.argc());
    for (std::size_t i = 0; i < call.argc(); ++i) {
        if (i >= streams_arg + streams_count && call.arg(i) == "$" && !ids.empty())
            owned.push_back(ids[i - streams_arg - streams_count].to_string());
        else
            owned.emplace_back(call.arg(i));
    }
    const std::vector<std::string_view> args(owned.begin(), owned.end());
    relay.attach(call.server());
    call.client().block(call.args().subspan(streams_arg, streams_count), std::chrono::milliseconds(timeout_ms),
                        server::session::timeout_reply::null_array, args);
}

template <class Keyspace>
void xread_command(command_call& call, Keyspace& ks, key_event_relay<Keyspace>& relay, bool group_form) {
    std::int64_t timeout = -1;
    std::int64_t count = 0;
    std::size_t streams_arg = 0, streams_count = 0;
    bool noack = false;
    std::string_view group_name, consumer_name;
    bool has_group = false;
    for (std::size_t i = 1; i < call.argc(); ++i) {
        const std::size_t more = call.argc() - i - 1;
        const std::string_view o = call.arg(i);
        if (option_is(o, "block") && more != 0) {
            if (call.origin() == server::command_origin::script) {
                // As Redis: no sense in BLOCK inside a script, refused rather than ignored.
                call.error("ERR " + std::string(call.arg(0)) + " command is not allowed with BLOCK option from scripts");
                return;
            }
            ++i;
            std::int64_t t = 0;
            if (!respkit::detail::parse_int64(call.arg(i), t)) {
                call.error("ERR timeout is not an integer or out of range");
                return;
            }
            if (t < 0) {
                call.error("ERR timeout is negative");
                return;
            }
            timeout = t;
        } else if (option_is(o, "count") && more != 0) {
            ++i;
            const auto n = integer_arg(call, i);
            if (!n) return;
            count = *n < 0 ? 0 : *n;
        } else if (option_is(o, "streams") && more != 0) {
            streams_arg = i + 1;
            streams_count = call.argc() - streams_arg;
            if (streams_count % 2 != 0) {
                call.error("ERR Unbalanced " + std::string(group_form ? "XREADGROUP" : "XREAD") +
                           " list of streams: for each stream key an ID or '$' must be specified.");
                return;
            }
            streams_count /= 2;
            break;
        } else if (option_is(o, "group") && more >= 2) {
            if (!group_form) {
                call.error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            group_name = call.arg(i + 1);
            consumer_name = call.arg(i + 2);
            has_group = true;
            i += 2;
        } else if (option_is(o, "noack")) {
            if (!group_form) {
                call.error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = true;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    if (streams_arg == 0) {
        call.error(server::errors::syntax);
        return;
    }
    if (group_form && !has_group) {
        call.error("ERR Missing GROUP option for XREADGROUP");
        return;
    }
    const std::size_t db = call.client().db();
    const bool retrying = call.client().retrying();
    std::vector<stream_id> ids(streams_count);
    for (std::size_t k = 0; k < streams_count; ++k) {
        const std::string_view key = call.arg(streams_arg + k);
        const std::size_t i = streams_arg + streams_count + k;
        store::value* v = ks.find_for_write(db, key);
        if (v && v->kind() != value_kind::stream) {
            if (retrying) {
                if (has_group) call.error("UNBLOCKED the stream key no longer exists");
                else block_stream_read(call, relay, streams_arg, streams_count, {}, 0);
                return;
            }
            call.error(server::errors::wrong_type);
            return;
        }
        if (has_group) {
            if (!v || !v->stream().group(group_name)) {
                if (retrying && !v) call.error("UNBLOCKED the stream key no longer exists");
                else if (retrying) call.error("NOGROUP the consumer group this client was blocked on no longer exists");
                else
                    call.error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                               std::string(group_name) + "' in XREADGROUP with GROUP option");
                return;
            }
        }
        const std::string_view text = call.arg(i);
        if (text == "$") {
            if (group_form) {
                call.error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "
                           "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID "
                           "would just return an empty result set.");
                return;
            }
            ids[k] = v ? v->stream().last_id() : stream_id{};
            continue;
        }
        if (text == ">") {
            if (!group_form) {
                call.error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
                           "<consumer> option.");
                return;
            }
            ids[k] = stream_id::max();
            continue;
        }
        const auto id = id_arg(call, i, 0, true);
        if (!id) return;
        ids[k] = *id;
    }
    if (retrying && count == 0) count = 1000; // Redis's XREAD_BLOCKED_DEFAULT_COUNT
    const std::int64_t now = static_cast<std::int64_t>(now_ms());
    std::size_t served = 0;
    auto& out = call.reply();
    // The reply's length is known only once every key was looked at: the keys' replies are
    // written to a scratch list first.
    std::vector<std::size_t> serving;
    for (std::size_t k = 0; k < streams_count; ++k) {
        store::value* v = ks.find_for_write(db, call.arg(streams_arg + k));
        if (!v) continue;
        store::stream& s = v->stream();
        bool now_serve = false;
        if (has_group) {
            if (ids[k] != stream_id::max()) now_serve = true;
            else if (s.length() != 0 && s.last_entry()->id() > s.group(group_name)->last_id) now_serve = true;
        } else if (s.length() != 0 && s.last_entry()->id() > ids[k]) {
            now_serve = true;
        }
        if (now_serve) serving.push_back(k);
    }
    if (serving.empty()) {
        if (timeout != -1) {
            block_stream_read(call, relay, streams_arg, streams_count, ids, timeout);
            return;
        }
        out.null_array();
        return;
    }
    if (out.protocol() == resp::protocol::resp3) out.map(serving.size());
    else out.array(serving.size());
    for (const std::size_t k : serving) {
        const std::string_view key = call.arg(streams_arg + k);
        store::stream& s = ks.find_for_write(db, key)->stream();
        if (out.protocol() != resp::protocol::resp3) out.array(2);
        out.bulk_string(key);
        ++served;
        if (!has_group) {
            stream_id start;
            (void)ids[k].next(start);
            reply_range(call, s, start, stream_id::max(), static_cast<std::uint64_t>(count), false);
            continue;
        }
        store::stream_group& g = *s.group(group_name);
        if (g.consumers.find(consumer_name) == g.consumers.end()) {
            g.add_consumer(consumer_name, now);
            call.notify(server::keyspace_event_class::stream, "xgroup-createconsumer", key);
            if (noack && call.propagating())
                call.also_propagate(db, {"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name),
                                         std::string(consumer_name)});
        } else {
            g.consumers.find(consumer_name)->second.seen_time = now;
        }
        store::stream_consumer& consumer = g.consumers.find(consumer_name)->second;
        if (ids[k] != stream_id::max()) {
            // History: this consumer's pending entries from the ID on.
            std::vector<stream_id> pending;
            stream_id from;
            (void)ids[k].next(from);
            for (auto it = consumer.pending.lower_bound(from); it != consumer.pending.end(); ++it) {
                if (count != 0 && pending.size() >= static_cast<std::size_t>(count)) break;
                pending.push_back(*it);
            }
            out.array(pending.size());
            for (const stream_id id : pending) {
                if (const store::stream_entry* e = s.find(id)) {
                    reply_entry(call, *e);
                    store::stream_nack& nack = g.pending.at(id);
                    nack.delivery_time = now;
                    ++nack.delivery_count;
                } else {
                    out.array(2);
                    out.bulk_string(id.to_string());
                    out.null_array();
                }
            }
            call.mark_dirty();
            continue;
        }
        std::vector<const store::stream_entry*> entries;
        stream_id start;
        (void)g.last_id.next(start);
        s.range(start, stream_id::max(), false, [&](const store::stream_entry& e) {
            entries.push_back(&e);
            return count == 0 || entries.size() < static_cast<std::size_t>(count);
        });
        out.array(entries.size());
        bool moved = false;
        for (const store::stream_entry* e : entries) {
            if (e->id() > g.last_id) {
                s.advance_group(g, e->id());
                moved = true;
            }
            reply_entry(call, *e);
            if (!noack) {
                g.deliver(e->id(), consumer_name, now);
                propagate_xclaim(call, key, group_name, g, e->id().to_string(), g.pending.at(e->id()));
            }
        }
        if (noack && moved) propagate_group_id(call, key, group_name, g);
        call.mark_dirty();
    }
    call.prevent_propagation();
}

/// The stream and group an XACK / XPENDING / XCLAIM / XAUTOCLAIM names: nullopt after a
/// WRONGTYPE reply; {nullptr, nullptr} when either is missing.
template <class Keyspace>
[[nodiscard]] std::optional<std::pair<store::stream*, store::stream_group*>> stream_and_group(command_call& call,
                                                                                            Keyspace& ks) {
    store::value* v = ks.find_for_write(call.client().db(), call.arg(1));
    if (v && v->kind() != value_kind::stream) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    if (!v) return std::pair<store::stream*, store::stream_group*>{nullptr, nullptr};
    store::stream_group* g = v->stream().group(call.arg(2));
    if (!g) return std::pair<store::stream*, store::stream_group*>{nullptr, nullptr};
    return std::pair{&v->stream(), g};
}

/// "-NOGROUP No such key '<k>' or consumer group '<g>'".
inline void no_key_or_group(command_call& call) {
    call.error("NOGROUP No such key '" + std::string(call.arg(1)) + "' or consumer group '" + std::string(call.arg(2)) +
               "'");
}

template <class Keyspace>
void xack_command(command_call& call, Keyspace& ks) {
    const auto sg = stream_and_group(call, ks);
    if (!sg) return;
    if (!sg->second) {
        call.reply().integer(0);
        return;
    }
    std::vector<stream_id> ids;
    for (std::size_t j = 3; j < call.argc(); ++j) {
        const auto id = id_arg(call, j, 0, true);
        if (!id) return;
        ids.push_back(*id);
    }
    std::int64_t acked = 0;
    for (const stream_id id : ids) acked += sg->second->acknowledge(id) ? 1 : 0;
    if (acked != 0) call.mark_dirty();
    call.reply().integer(acked);
}

template <class Keyspace>
void xpending_command(command_call& call, Keyspace& ks) {
    const bool summary = call.argc() == 3;
    if (call.argc() != 3 && (call.argc() < 6 || call.argc() > 9)) {
        call.error(server::errors::syntax);
        return;
    }
    std::int64_t count = 0, min_idle = 0;
    stream_id start, end;
    std::optional<std::string_view> consumer_name;
    if (call.argc() >= 6) {
        std::size_t at = 3;
        if (option_is(call.arg(3), "idle")) {
            const auto n = integer_arg(call, 4);
            if (!n) return;
            min_idle = *n;
            if (call.argc() < 8) {
                call.error(server::errors::syntax);
                return;
            }
            at += 2;
        }
        const auto n = integer_arg(call, at + 2);
        if (!n) return;
        count = *n < 0 ? 0 : *n;
        const auto a = interval_arg(call, at, 0);
        if (!a) return;
        start = a->first;
        if (a->second && !a->first.next(start)) {
            call.error("ERR invalid start ID for the interval");
            return;
        }
        const auto b = interval_arg(call, at + 1, stream_id::max().seq);
        if (!b) return;
        end = b->first;
        if (b->second && !b->first.previous(end)) {
            call.error("ERR invalid end ID for the interval");
            return;
        }
        if (at + 3 < call.argc()) consumer_name = call.arg(at + 3);
    }
    const auto sg = stream_and_group(call, ks);
    if (!sg) return;
    if (!sg->second) {
        no_key_or_group(call);
        return;
    }
    const store::stream_group& g = *sg->second;
    auto& out = call.reply();
    if (summary) {
        out.array(4);
        out.integer(static_cast<std::int64_t>(g.pending.size()));
        if (g.pending.empty()) {
            out.null();
            out.null();
            out.null_array();
            return;
        }
        out.bulk_string(g.pending.begin()->first.to_string());
        out.bulk_string(g.pending.rbegin()->first.to_string());
        std::size_t with = 0;
        for (const auto& [name, c] : g.consumers) with += c.pending.empty() ? 0 : 1;
        out.array(with);
        for (const auto& [name, c] : g.consumers) {
            if (c.pending.empty()) continue;
            out.array(2);
            out.bulk_string(name);
            out.bulk_string(static_cast<std::int64_t>(c.pending.size()));
        }
        return;
    }
    std::vector<stream_id> ids;
    if (consumer_name) {
        const auto c = g.consumers.find(*consumer_name);
        if (c == g.consumers.end()) {
            out.array(0);
            return;
        }
        for (auto it = c->second.pending.lower_bound(start); it != c->second.pending.end() && *it <= end; ++it)
            ids.push_back(*it);
    } else {
        for (auto it = g.pending.lower_bound(start); it != g.pending.end() && it->first <= end; ++it)
            ids.push_back(it->first);
    }
    const std::int64_t now = static_cast<std::int64_t>(now_ms());
    std::vector<stream_id> shown;
    for (const stream_id id : ids) {
        if (count == 0) break;
        const store::stream_nack& nack = g.pending.at(id);
        if (min_idle != 0 && now - nack.delivery_time < min_idle) continue;
        shown.push_back(id);
        --count;
    }
    out.array(shown.size());
    for (const stream_id id : shown) {
        const store::stream_nack& nack = g.pending.at(id);
        out.array(4);
        out.bulk_string(id.to_string());
        out.bulk_string(nack.consumer);
        out.integer(std::max<std::int64_t>(0, now - nack.delivery_time));
        out.integer(static_cast<std::int64_t>(nack.delivery_count));
    }
}

/// Moves pending entry `id` of `g` to `consumer` (creating the consumer, refreshing its seen
/// time) with delivery time `time` and count `count` (or incremented unless `justid`); a
/// consumer created is notified as Redis's streamCreateConsumer does (`xgroup-createconsumer`).
inline store::stream_nack& claim(command_call& call, std::string_view key, store::stream_group& g, stream_id id,
                                 std::string_view consumer, std::int64_t now, std::int64_t time, std::int64_t retrycount,
                                 bool justid) {
    if (g.add_consumer(consumer, now))
        call.notify(server::keyspace_event_class::stream, "xgroup-createconsumer", key);
    else
        g.consumers.find(consumer)->second.seen_time = now;
    store::stream_nack& nack = g.pending.at(id);
    if (nack.consumer != consumer) {
        if (const auto c = g.consumers.find(nack.consumer); c != g.consumers.end()) c->second.pending.erase(id);
        nack.consumer.assign(consumer);
        g.consumers.find(consumer)->second.pending.insert(id);
    }
    nack.delivery_time = time;
    if (retrycount >= 0) nack.delivery_count = static_cast<std::uint64_t>(retrycount);
    else if (!justid) ++nack.delivery_count;
    return nack;
}

/// Removes pending entry `id` of `g` (its entry is gone), propagating it as Redis does.
inline void drop_gone(command_call& call, store::stream_group& g, stream_id id) {
    const store::stream_nack nack = g.pending.at(id);
    propagate_xclaim(call, call.arg(1), call.arg(2), g, id.to_string(), nack);
    g.acknowledge(id);
    call.mark_dirty();
}

template <class Keyspace>
void xclaim_command(command_call& call, Keyspace& ks) {
    const auto sg = stream_and_group(call, ks);
    if (!sg) return;
    if (!sg->second) {
        no_key_or_group(call);
        return;
    }
    store::stream& s = *sg->first;
    store::stream_group& g = *sg->second;
    std::int64_t min_idle = 0;
    if (!respkit::detail::parse_int64(call.arg(4), min_idle)) {
        call.error("ERR Invalid min-idle-time argument for XCLAIM");
        return;
    }
    if (min_idle < 0) min_idle = 0;
    std::size_t j = 5;
    std::vector<stream_id> ids;
    for (; j < call.argc(); ++j) {
        const auto p = parse_id(call.arg(j), 0, true);
        if (!p) break;
        ids.push_back(p->id);
    }
    const std::int64_t now = static_cast<std::int64_t>(now_ms());
    std::int64_t retrycount = -1, delivery = -1;
    bool force = false, justid = false;
    stream_id last_id{};
    for (; j < call.argc(); ++j) {
        const bool more = call.argc() - 1 - j != 0;
        const std::string_view opt = call.arg(j);
        const auto number = [&](std::string_view what, std::int64_t& out) {
            if (respkit::detail::parse_int64(call.arg(++j), out)) return true;
            call.error("ERR Invalid " + std::string(what) + " option argument for XCLAIM");
            return false;
        };
        if (option_is(opt, "force")) {
            force = true;
        } else if (option_is(opt, "justid")) {
            justid = true;
        } else if (option_is(opt, "idle") && more) {
            if (!number("IDLE", delivery)) return;
            delivery = now - delivery;
        } else if (option_is(opt, "time") && more) {
            if (!number("TIME", delivery)) return;
        } else if (option_is(opt, "retrycount") && more) {
            if (!number("RETRYCOUNT", retrycount)) return;
        } else if (option_is(opt, "lastid") && more) {
            const auto p = id_arg(call, ++j, 0, true);
            if (!p) return;
            last_id = *p;
        } else {
            call.error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
            return;
        }
    }
    bool propagate_last_id = false;
    if (last_id > g.last_id) {
        g.last_id = last_id;
        propagate_last_id = true;
    }
    if (delivery == -1 || delivery < 0 || delivery > now) delivery = now;
    const std::string_view consumer = call.arg(3);
    std::vector<std::pair<stream_id, bool>> claimed; // id, shown
    for (std::size_t k = 0; k < ids.size(); ++k) {
        const stream_id id = ids[k];
        const bool pending = g.pending.count(id) != 0;
        if (!s.find(id)) {
            if (pending) {
                drop_gone(call, g, id);
                propagate_last_id = false;
            }
            continue;
        }
        bool orphan = false;
        if (force && !pending) {
            g.pending.emplace(id, store::stream_nack{"", 0, 1});
            orphan = true;
        }
        if (!pending && !orphan) continue;
        const store::stream_nack& existing = g.pending.at(id);
        if (!orphan && min_idle != 0 && now - existing.delivery_time < min_idle) continue;
        const store::stream_nack& nack = claim(call, call.arg(1), g, id, consumer, now, delivery, retrycount, justid);
        claimed.emplace_back(id, true);
        propagate_xclaim(call, call.arg(1), call.arg(2), g, call.arg(5 + k), nack);
        propagate_last_id = false;
        call.mark_dirty();
    }
    if (propagate_last_id) {
        propagate_group_id(call, call.arg(1), call.arg(2), g);
        call.mark_dirty();
    }
    call.reply().array(claimed.size());
    for (const auto& [id, shown] : claimed) {
        if (justid) call.reply().bulk_string(id.to_string());
        else reply_entry(call, *s.find(id));
    }
    call.prevent_propagation();
}

template <class Keyspace>
void xautoclaim_command(command_call& call, Keyspace& ks) {
    std::int64_t min_idle = 0;
    if (!respkit::detail::parse_int64(call.arg(4), min_idle)) {
        call.error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
        return;
    }
    if (min_idle < 0) min_idle = 0;
    const auto a = interval_arg(call, 5, 0);
    if (!a) return;
    stream_id start = a->first;
    if (a->second && !a->first.next(start)) {
        call.error("ERR invalid start ID for the interval");
        return;
    }
    std::int64_t count = 100;
    bool justid = false;
    for (std::size_t j = 6; j < call.argc(); ++j) {
        const bool more = call.argc() - 1 - j != 0;
        if (option_is(call.arg(j), "count") && more) {
            std::int64_t n = 0;
            constexpr std::int64_t max_count = std::numeric_limits<std::int64_t>::max() / 16;
            if (!respkit::detail::parse_int64(call.arg(j + 1), n) || n < 1 || n > max_count) {
                call.error("ERR COUNT must be > 0");
                return;
            }
            count = n;
            ++j;
        } else if (option_is(call.arg(j), "justid")) {
            justid = true;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    const auto sg = stream_and_group(call, ks);
    if (!sg) return;
    if (!sg->second) {
        no_key_or_group(call);
        return;
    }
    store::stream& s = *sg->first;
    store::stream_group& g = *sg->second;
    const std::int64_t now = static_cast<std::int64_t>(now_ms());
    std::int64_t attempts = count * 10;
    std::vector<stream_id> claimed, deleted;
    auto it = g.pending.lower_bound(start);
    while (attempts-- != 0 && count != 0 && it != g.pending.end()) {
        const stream_id id = it->first;
        ++it;
        if (!s.find(id)) {
            drop_gone(call, g, id);
            deleted.push_back(id);
            --count;
            continue;
        }
        if (min_idle != 0 && now - g.pending.at(id).delivery_time < min_idle) continue;
        const store::stream_nack& nack = claim(call, call.arg(1), g, id, call.arg(3), now, now, -1, justid);
        claimed.push_back(id);
        --count;
        propagate_xclaim(call, call.arg(1), call.arg(2), g, id.to_string(), nack);
        call.mark_dirty();
    }
    auto& out = call.reply();
    out.array(3);
    out.bulk_string(it == g.pending.end() ? std::string("0-0") : it->first.to_string());
    out.array(claimed.size());
    for (const stream_id id : claimed) {
        if (justid) out.bulk_string(id.to_string());
        else reply_entry(call, *s.find(id));
    }
    out.array(deleted.size());
    for (const stream_id id : deleted) out.bulk_string(id.to_string());
    call.prevent_propagation();
}

} // namespace stream_detail

/// Registers the stream commands on `commands`, running against `keyspace` (which must outlive
/// the dispatcher's use of them), with Redis 7.0's arity, flags and key specs.
template <class Keyspace>
void install_stream_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace stream_detail;
    Keyspace* ks = &keyspace;
    stream_specs specs = stream_command_specs();
    commands.add(std::move(specs.xadd), [ks](command_call& call) { xadd_command(call, *ks); });
    commands.add(std::move(specs.xtrim), [ks](command_call& call) { xtrim_command(call, *ks); });
    commands.add(std::move(specs.xrange), [ks](command_call& call) { xrange_command(call, *ks, false); });
    commands.add(std::move(specs.xrevrange), [ks](command_call& call) { xrange_command(call, *ks, true); });
    commands.add(std::move(specs.xdel), [ks](command_call& call) { xdel_command(call, *ks); });
    commands.add(std::move(specs.xsetid), [ks](command_call& call) { xsetid_command(call, *ks); });
    commands.add(std::move(specs.xlen), [ks](command_call& call) {
        const auto s = read_stream(call, *ks, call.arg(1));
        if (!s) return;
        call.reply().integer(*s ? static_cast<std::int64_t>((**s).length()) : 0);
    });
    commands.add(std::move(specs.xinfo), nullptr);
    for (server::command_spec& sub : specs.xinfo_subcommands) {
        const std::string name = sub.name;
        server::command_handler handler;
        if (name == "help") {
            handler = [](command_call& call) {
                detail::help_reply(call, "XINFO",
                                   {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
                                    "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
                                    "    Show information about the stream."});
            };
        } else if (name == "stream") {
            handler = [ks](command_call& call) { xinfo_stream_command(call, *ks); };
        } else if (name == "groups") {
            handler = [ks](command_call& call) {
                const store::stream* s = xinfo_stream(call, *ks);
                if (!s) return;
                auto& out = call.reply();
                out.array(s->groups().size());
                for (const auto& [group_name, g] : s->groups()) {
                    out.map(6);
                    out.bulk_string("name");
                    out.bulk_string(group_name);
                    out.bulk_string("consumers");
                    out.integer(static_cast<std::int64_t>(g.consumers.size()));
                    out.bulk_string("pending");
                    out.integer(static_cast<std::int64_t>(g.pending.size()));
                    out.bulk_string("last-delivered-id");
                    out.bulk_string(g.last_id.to_string());
                    out.bulk_string("entries-read");
                    if (g.entries_read != store::stream_group::invalid_entries_read) out.integer(g.entries_read);
                    else out.null();
                    out.bulk_string("lag");
                    reply_lag(call, *s, g);
                }
            };
        } else if (name == "consumers") {
            handler = [ks](command_call& call) {
                const store::stream* s = xinfo_stream(call, *ks);
                if (!s) return;
                const auto it = s->groups().find(call.arg(3));
                if (it == s->groups().end()) {
                    no_group_for_key(call, call.arg(3), call.arg(2));
                    return;
                }
                const std::int64_t now = static_cast<std::int64_t>(now_ms());
                auto& out = call.reply();
                out.array(it->second.consumers.size());
                for (const auto& [consumer_name, c] : it->second.consumers) {
                    out.map(3);
                    out.bulk_string("name");
                    out.bulk_string(consumer_name);
                    out.bulk_string("pending");
                    out.integer(static_cast<std::int64_t>(c.pending.size()));
                    out.bulk_string("idle");
                    out.integer(std::max<std::int64_t>(0, now - c.seen_time));
                }
            };
        } else {
            continue;
        }
        commands.add_subcommand("xinfo", std::move(sub), std::move(handler));
    }
    commands.add(std::move(specs.xgroup), nullptr);
    for (server::command_spec& sub : specs.xgroup_subcommands) {
        server::command_handler handler;
        if (sub.name == "help") {
            handler = [](command_call& call) {
                detail::help_reply(call, "XGROUP",
                                   {"CREATE <key> <groupname> <id|$> [option]",
                                    "    Create a new consumer group. Options are:",
                                    "    * MKSTREAM",
                                    "      Create the empty stream if it does not exist.",
                                    "    * ENTRIESREAD entries_read",
                                    "      Set the group's entries_read counter (internal use).",
                                    "CREATECONSUMER <key> <groupname> <consumer>",
                                    "    Create a new consumer in the specified group.",
                                    "DELCONSUMER <key> <groupname> <consumer>",
                                    "    Remove the specified consumer.",
                                    "DESTROY <key> <groupname>",
                                    "    Remove the specified group.",
                                    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                                    "    Set the current group ID and entries_read counter."});
            };
        } else {
            handler = [ks](command_call& call) { xgroup_command(call, *ks); };
        }
        commands.add_subcommand("xgroup", std::move(sub), std::move(handler));
    }
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    commands.add(std::move(specs.xread), [ks, relay](command_call& call) { xread_command(call, *ks, *relay, false); });
    commands.add(std::move(specs.xreadgroup),
                 [ks, relay](command_call& call) { xread_command(call, *ks, *relay, true); });
    commands.add(std::move(specs.xack), [ks](command_call& call) { xack_command(call, *ks); });
    commands.add(std::move(specs.xpending), [ks](command_call& call) { xpending_command(call, *ks); });
    commands.add(std::move(specs.xclaim), [ks](command_call& call) { xclaim_command(call, *ks); });
    commands.add(std::move(specs.xautoclaim), [ks](command_call& call) { xautoclaim_command(call, *ks); });
}

} // namespace respkit::commands

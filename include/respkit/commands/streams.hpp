#pragma once

/// \file
/// The stream command family (XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XINFO) over a
/// store::keyspace, with Redis 7.0's replies, errors and propagation (XADD with the ID it
/// resolved, an approximate trim as the exact one it did).

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/streams.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/server/session.hpp"
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
    if (a.has_trim) {
        (void)s.trim(a.trim);
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
    if (deleted != 0) ks.notify_modified(db, call.arg(1));
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
    ks.notify_modified(db, call.arg(1));
    call.ok();
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
    const store::stream* s = xinfo_stream(call, ks);
    if (!s) return;
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
        out.integer(0);
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
    out.array(0);
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
                if (!xinfo_stream(call, *ks)) return;
                call.reply().array(0);
            };
        } else if (name == "consumers") {
            handler = [ks](command_call& call) {
                if (!xinfo_stream(call, *ks)) return;
                call.error("NOGROUP No such consumer group '" + std::string(call.arg(3)) + "' for key name '" +
                           std::string(call.arg(2)) + "'");
            };
        } else {
            continue;
        }
        commands.add_subcommand("xinfo", std::move(sub), std::move(handler));
    }
}

} // namespace respkit::commands

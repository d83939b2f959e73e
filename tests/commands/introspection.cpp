// COMMAND (respkit/commands/introspection.hpp). COMMAND INFO and COMMAND DOCS of every command and
// subcommand the built-in dispatcher has, byte for byte against redis-server 7.0.15, in RESP2 and
// RESP3; COMMAND GETKEYS / GETKEYSANDFLAGS where the key specs decide (movable keys, keyword
// counts, variable flags); then COMMAND over a user's commands (flags, key positions, argument
// docs, history, deep nesting).
//
// Exceptions, each checked to still be one:
// - CLIENT SETINFO is Redis 7.2's (respkit has it for newer clients, see docs/config.md):
//   7.0.15 answers COMMAND INFO with a null and COMMAND DOCS with an empty map.
// - Containers (CLIENT, COMMAND, CONFIG, OBJECT, PUBSUB) list their subcommands in Redis's hash
//   table order: compared with the subcommands sorted by name. CLIENT's lists only the
//   subcommands both servers have (respkit lacks some, 7.0 lacks SETINFO); each of those is
//   also compared on its own.

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/command_server.hpp"

using namespace respkit;
using namespace respkit::server;

namespace {

/// What Redis groups as connection and server commands (COMMAND among them), without the data
/// families: listings of user commands stay short.
constexpr respkit_test::command_family introspection_base =
    respkit_test::command_family::connection | respkit_test::command_family::server;

/// One request on both sides: {respkit's reply, redis-server's reply}.
struct both_sides {
    server::session& ours;
    respkit_test::redis_connection& theirs;

    std::pair<std::string, std::string> request(const std::vector<std::string>& args) {
        std::string encoded;
        resp::write_command_range(encoded, args);
        ours.feed(encoded);
        std::string actual(ours.pending_output());
        ours.output_sent(actual.size());
        return {std::move(actual), theirs.request(encoded)};
    }
};

/// The name of a COMMAND INFO entry, or of a COMMAND DOCS pair's key.
std::string name_of(const resp::value& v) {
    return std::string(v.is_aggregate() ? v[0].string() : v.string());
}

/// `reply` (COMMAND INFO or COMMAND DOCS of one container) with its subcommands sorted by name
/// and only those named in `keep`; `dropped` counts the others.
std::string canonical_container(const std::string& reply, bool docs, const std::set<std::string>& keep,
                                std::size_t& dropped) {
    resp::parsed_value parsed = resp::parse_value(reply);
    REQUIRE(parsed.result.status == resp::parse_status::complete);
    const resp::value& top = parsed.value;
    REQUIRE(top.size() == (docs ? 2u : 1u));
    std::optional<std::span<const resp::value>> subs;
    std::size_t sub_index = 9; // of the subcommands in their parent
    if (docs) {
        const auto fields = top.elements()[1].elements(); // flat pairs in RESP2 and RESP3
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].string() == "subcommands") {
                subs = fields[i + 1].elements();
                sub_index = i + 1;
            }
        }
    } else {
        REQUIRE(top[0].size() == 10);
        subs = top.elements()[0].elements()[9].elements();
    }
    REQUIRE(subs.has_value());
    const std::size_t stride = docs ? 2 : 1;
    std::vector<std::vector<resp::value>> entries;
    for (std::size_t i = 0; i < subs->size(); i += stride) {
        if (!keep.contains(name_of((*subs)[i]))) {
            ++dropped;
            continue;
        }
        entries.emplace_back((*subs).begin() + static_cast<std::ptrdiff_t>(i),
                             (*subs).begin() + static_cast<std::ptrdiff_t>(i + stride));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return name_of(a[0]) < name_of(b[0]); });
    std::vector<resp::value> kept;
    for (auto& e : entries) {
        for (auto& v : e) kept.push_back(std::move(v));
    }
    // Values are immutable: rebuild the path from the top to the subcommands.
    const auto same_type = [](const resp::value& like, const std::vector<resp::value>& elements) {
        return like.type() == resp::type::map ? resp::value::map(elements) : resp::value::array(elements);
    };
    const auto replaced = [&](const resp::value& aggregate, std::size_t index, resp::value element) {
        std::vector<resp::value> elements(aggregate.elements().begin(), aggregate.elements().end());
        elements[index] = std::move(element);
        return same_type(aggregate, elements);
    };
    const std::size_t parent = docs ? 1 : 0;
    const resp::value& holder = top[parent];
    return resp::to_resp(replaced(top, parent, replaced(holder, sub_index, same_type(holder[sub_index], kept))));
}

/// Every command and subcommand of `d` by full name ("get", "config|get"), and the containers.
void all_names(const server::dispatcher& d, std::vector<std::string>& names, std::vector<std::string>& containers) {
    for (const auto& [name, entry] : d.commands()) {
        names.push_back(entry->full_name);
        if (!entry->subcommands.empty()) containers.push_back(entry->full_name);
        for (const auto& [sub_name, sub] : entry->subcommands) names.push_back(sub->full_name);
    }
    std::sort(names.begin(), names.end());
    std::sort(containers.begin(), containers.end());
}

} // namespace

TEST_CASE("COMMAND INFO and COMMAND DOCS of every command equal redis-server's") {
    respkit_test::redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    respkit_test::command_server<> f;
    std::vector<std::string> names, containers;
    all_names(f.commands, names, containers);
    REQUIRE(names.size() > 150);
    const std::set<std::string> redis_lacks{"client|setinfo"};
    std::size_t identical_info = 0, identical_docs = 0, container_compares = 0;

    for (const int protocol : {2, 3}) {
        respkit_test::redis_connection theirs(redis.port());
        REQUIRE(theirs.connected());
        server::session ours(f.commands, f.context);
        both_sides sides{ours, theirs};
        if (protocol == 3) {
            (void)theirs.request("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
            ours.set_protocol(resp::protocol::resp3);
        }
        // Which subcommands each container has on both sides.
        std::set<std::string> shared;
        for (const std::string& name : names) {
            if (!redis_lacks.contains(name)) shared.insert(name);
        }

        for (const std::string& name : names) {
            INFO("RESP" << protocol << ": " << name);
            const auto [info_ours, info_theirs] = sides.request({"COMMAND", "INFO", name});
            const auto [docs_ours, docs_theirs] = sides.request({"COMMAND", "DOCS", name});
            if (redis_lacks.contains(name)) {
                CHECK(info_theirs == (protocol == 2 ? "*1\r\n$-1\r\n" : "*1\r\n_\r\n"));
                CHECK(docs_theirs == (protocol == 2 ? "*0\r\n" : "%0\r\n"));
                continue;
            }
            if (std::binary_search(containers.begin(), containers.end(), name)) {
                std::size_t dropped_ours = 0, dropped_theirs = 0;
                CHECK(canonical_container(info_ours, false, shared, dropped_ours) ==
                      canonical_container(info_theirs, false, shared, dropped_theirs));
                CHECK(canonical_container(docs_ours, true, shared, dropped_ours) ==
                      canonical_container(docs_theirs, true, shared, dropped_theirs));
                if (name != "client") {
                    CHECK(dropped_ours == 0);
                    CHECK(dropped_theirs == 0);
                }
                ++container_compares;
                continue;
            }
            CHECK(info_ours == info_theirs);
            CHECK(docs_ours == docs_theirs);
            identical_info += info_ours == info_theirs ? 1 : 0;
            identical_docs += docs_ours == docs_theirs ? 1 : 0;
        }
    }
    MESSAGE(names.size() << " commands and subcommands, RESP2 + RESP3: " << identical_info
                         << " COMMAND INFO and " << identical_docs << " COMMAND DOCS replies byte-identical, "
                         << container_compares << " container replies compared with sorted subcommands");
}

TEST_CASE("COMMAND GETKEYS and GETKEYSANDFLAGS follow the key specs as redis-server does") {
    respkit_test::redis_server redis;
    if (!redis.available()) {
        MESSAGE("skipped: redis-server not installed");
        return;
    }
    respkit_test::command_server<> f;
    const std::vector<std::vector<std::string>> calls = {
        {"LMPOP", "2", "a", "b", "LEFT"},
        {"LMPOP", "2", "a", "b", "LEFT", "COUNT", "3"},
        {"LMPOP", "0", "a", "LEFT"},
        {"LMPOP", "x", "a", "LEFT"},
        {"LMPOP", "-1", "a", "LEFT"},
        {"LMPOP", "5", "a", "LEFT"},
        {"BLMPOP", "0", "2", "a", "b", "RIGHT"},
        {"ZMPOP", "2", "a", "b", "MIN"},
        {"BZMPOP", "0", "2", "a", "b", "MAX", "COUNT", "2"},
        {"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"},
        {"ZINTERSTORE", "d", "3", "a", "b", "c", "AGGREGATE", "MIN"},
        {"ZDIFFSTORE", "d", "2", "a", "b"},
        {"ZUNIONSTORE", "d", "3", "a", "b"},
        {"ZUNION", "2", "a", "b", "WITHSCORES"},
        {"ZINTER", "1", "a"},
        {"ZDIFF", "2", "a", "b"},
        {"ZINTERCARD", "2", "a", "b", "LIMIT", "1"},
        {"SINTERCARD", "2", "a", "b", "LIMIT", "1"},
        {"SINTERCARD", "0", "a"},
        {"BLPOP", "a", "b", "0"},
        {"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"},
        {"XREAD", "BLOCK", "0", "STREAMS", "a", "$"},
        {"XREAD", "STREAMS", "a", "b", "0"},
        {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">"},
        {"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "0"},
        {"XADD", "a", "*", "f", "v"},
        {"XINFO", "STREAM", "a", "FULL"},
        {"XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"},
        {"XAUTOCLAIM", "a", "g", "c", "0", "0"},
        {"BRPOPLPUSH", "a", "b", "0"},
        {"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"},
        {"MSET", "a", "1", "b", "2"},
        {"MSET", "a", "1", "b"},
        {"DEL", "a", "b", "c"},
        {"OBJECT", "ENCODING", "k"},
        {"WATCH", "a", "b"},
        {"RENAME", "a", "b"},
        {"SINTERSTORE", "d", "a", "b"},
        {"ZRANGESTORE", "d", "s", "0", "-1"},
        {"GETEX", "k"},
        {"SET", "k", "v"},
        {"SET", "k", "v", "GET"},
        {"SET", "k", "v", "get", "EX", "10"},
        {"SET", "k", "v", std::string("GET\0x", 5)},
        {"MIGRATE", "h", "1", "k", "0", "0"},
        {"MIGRATE", "h", "1", "k", "0", "0", "COPY", "REPLACE", "AUTH", "p"},
        {"MIGRATE", "h", "1", "", "0", "0", "KEYS", "a", "b"},
        {"MIGRATE", "h", "1", "", "0", "0", "AUTH2", "u", "p", "KEYS", "a"},
        {"MIGRATE", "h", "1", "k", "0", "0", "KEYS", "a"},
        {"RESTORE-ASKING", "k", "0", "x"},
    };
    std::size_t compared = 0;
    for (const int protocol : {2, 3}) {
        respkit_test::redis_connection theirs(redis.port());
        REQUIRE(theirs.connected());
        server::session ours(f.commands, f.context);
        both_sides sides{ours, theirs};
        if (protocol == 3) {
            (void)theirs.request("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
            ours.set_protocol(resp::protocol::resp3);
        }
        for (const std::string_view sub : {"GETKEYS", "GETKEYSANDFLAGS"}) {
            for (const auto& call : calls) {
                std::vector<std::string> args{"COMMAND", std::string(sub)};
                args.insert(args.end(), call.begin(), call.end());
                const auto [actual, expected] = sides.request(args);
                INFO("RESP" << protocol << ": COMMAND " << sub << " " << call[0] << " ...(" << call.size() << ")");
                REQUIRE(!expected.empty());
                CHECK(actual == expected);
                ++compared;
            }
        }
    }
    MESSAGE(compared << " COMMAND GETKEYS / GETKEYSANDFLAGS replies compared");
}

TEST_CASE("COMMAND describes user commands from the dispatcher's table") {
    respkit_test::command_server<> f(introspection_base);
    f.commands.add({.name = "mycmd", .arity = -2, .flags = command_flag::write | command_flag::denyoom,
                    .keys = {1, -1, 2}, .group = "string", .summary = "A user command", .since = "0.1.0",
                    .complexity = "O(1)", .acl_categories = {"@write", "@string"}},
                   [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.feed("COMMAND INFO mycmd\r\n");
    CHECK(s.pending_output() ==
          "*1\r\n*10\r\n$5\r\nmycmd\r\n:-2\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*2\r\n+@write\r\n"
          "+@string\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
          "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
          "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND DOCS mycmd\r\nCOMMAND GETKEYS mycmd a 1 b 2\r\nCOMMAND COUNT\r\n");
    CHECK(s.pending_output() ==
          "*2\r\n$5\r\nmycmd\r\n*8\r\n$7\r\nsummary\r\n$14\r\nA user command\r\n$5\r\nsince\r\n$5\r\n0.1.0\r\n"
          "$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n:" +
              std::to_string(f.commands.commands().size()) + "\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND LIST FILTERBY aclcat string\r\nCOMMAND LIST FILTERBY pattern MY*\r\n");
    CHECK(s.pending_output() == "*1\r\n$5\r\nmycmd\r\n*1\r\n$5\r\nmycmd\r\n");
    s.output_sent(s.pending_output().size());
    s.feed("COMMAND\r\n");
    CHECK(s.pending_output().starts_with("*" + std::to_string(f.commands.commands().size()) + "\r\n"));
    CHECK(s.pending_output().find("$5\r\nmycmd\r\n") != std::string_view::npos);
}

TEST_CASE("COMMAND DOCS prints user argument docs, history and doc_flags in Redis's shape") {
    respkit_test::command_server<> f(introspection_base);
    command_spec spec{.name = "myset", .arity = -3, .flags = command_flag::write, .keys = {1, 1, 1}, .group = "string",
                      .summary = "S", .since = "1.0.0", .complexity = "O(1)", .doc_flags = {"deprecated"},
                      .deprecated_since = "2.0.0", .replaced_by = "`SET`", .history = {{"1.5.0", "Added `NX`."}}};
    spec.arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
                      {.name = "when", .type = arg_type::oneof, .since = "1.5.0", .flags = arg_flag::optional,
                       .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"},
                                     {.name = "ttl", .type = arg_type::block,
                                      .arguments = {{.name = "secs", .type = arg_type::double_, .token = "EX"}}}}},
                      {.name = "tail", .type = arg_type::string, .deprecated_since = "1.9.0",
                       .flags = arg_flag::optional | arg_flag::multiple | arg_flag::multiple_token}};
    f.commands.add(std::move(spec), [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.set_protocol(respkit::resp::protocol::resp3);
    s.feed("COMMAND DOCS myset\r\n");
    CHECK(s.pending_output() ==
          "%1\r\n$5\r\nmyset\r\n%9\r\n$7\r\nsummary\r\n$1\r\nS\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n"
          "$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n"
          "$16\r\ndeprecated_since\r\n$5\r\n2.0.0\r\n$11\r\nreplaced_by\r\n$5\r\n`SET`\r\n$7\r\nhistory\r\n~1\r\n*2\r\n"
          "$5\r\n1.5.0\r\n$11\r\nAdded `NX`.\r\n$9\r\narguments\r\n*3\r\n"
          "%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
          "%5\r\n$4\r\nname\r\n$4\r\nwhen\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nsince\r\n$5\r\n1.5.0\r\n"
          "$5\r\nflags\r\n~1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n"
          "%3\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n"
          "%3\r\n$4\r\nname\r\n$3\r\nttl\r\n$4\r\ntype\r\n$5\r\nblock\r\n$9\r\narguments\r\n*1\r\n"
          "%3\r\n$4\r\nname\r\n$4\r\nsecs\r\n$4\r\ntype\r\n$6\r\ndouble\r\n$5\r\ntoken\r\n$2\r\nEX\r\n"
          "%4\r\n$4\r\nname\r\n$4\r\ntail\r\n$4\r\ntype\r\n$6\r\nstring\r\n$16\r\ndeprecated_since\r\n$5\r\n1.9.0\r\n"
          "$5\r\nflags\r\n~3\r\n+optional\r\n+multiple\r\n+multiple_token\r\n");
}

TEST_CASE("COMMAND DOCS walks deeply nested user argument docs without recursion") {
    respkit_test::command_server<> f(introspection_base);
    command_arg leaf{.name = "leaf", .type = arg_type::integer};
    for (int depth = 0; depth < 100000; ++depth) {
        command_arg parent{.name = "b", .type = arg_type::block};
        parent.arguments.push_back(std::move(leaf));
        leaf = std::move(parent);
    }
    command_spec spec{.name = "deep", .arity = -1, .group = "generic", .summary = "D"};
    spec.arguments.push_back(std::move(leaf));
    f.commands.add(std::move(spec), [](command_call& call) { call.ok(); });
    session s(f.commands, f.context);
    s.feed("COMMAND DOCS deep\r\n");
    const std::string_view out = s.pending_output();
    CHECK(out.ends_with("$4\r\nname\r\n$4\r\nleaf\r\n$4\r\ntype\r\n$7\r\ninteger\r\n"));
    std::size_t blocks = 0;
    for (std::size_t at = out.find("$5\r\nblock\r\n"); at != std::string_view::npos;
         at = out.find("$5\r\nblock\r\n", at + 1))
        ++blocks;
    CHECK(blocks == 100000);
    // The spec is destroyed by the dispatcher; unwind it iteratively too, or its destructor
    // would recurse 100000 levels deep (a limit of the test's data, not of COMMAND DOCS).
    command_entry* entry = f.commands.find("deep");
    REQUIRE(entry != nullptr);
    std::vector<command_arg> pending = std::move(entry->spec.arguments);
    while (!pending.empty()) {
        std::vector<command_arg> children = std::move(pending.back().arguments);
        pending.pop_back();
        for (auto& c : children) pending.push_back(std::move(c));
    }
}

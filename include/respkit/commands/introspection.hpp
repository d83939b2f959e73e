#pragma once

/// \file
/// COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP), generated
/// from the dispatcher's table, so commands users add are described like the built-in ones.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/help_reply.hpp"
#include "respkit/commands/specs/introspection.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// The entries of a dispatcher sorted by name (Redis's order is its hash table's; any order
/// is valid, a stable one is friendlier).
[[nodiscard]] inline std::vector<const server::command_entry*> sorted_entries(
    const std::unordered_map<std::string, std::unique_ptr<server::command_entry>, server::detail::name_hash,
                             server::detail::name_equal>& table) {
    std::vector<const server::command_entry*> out;
    out.reserve(table.size());
    for (const auto& [name, entry] : table) out.push_back(entry.get());
    std::sort(out.begin(), out.end(),
              [](const server::command_entry* a, const server::command_entry* b) { return a->full_name < b->full_name; });
    return out;
}

/// The command named `name`: "get", or "config|get" for a subcommand; nullptr if none.
[[nodiscard]] inline const server::command_entry* find_command(const server::dispatcher& d, std::string_view name) {
    const std::size_t bar = name.find('|');
    const server::command_entry* e = d.find(name.substr(0, bar));
    if (e == nullptr || bar == std::string_view::npos) return e;
    const auto it = e->subcommands.find(name.substr(bar + 1));
    return it == e->subcommands.end() ? nullptr : it->second.get();
}

/// A set of key-spec flags, as COMMAND INFO and COMMAND GETKEYSANDFLAGS write them.
inline void write_key_flags(server::reply_writer& out, server::key_flag flags) {
    std::size_t n = 0;
    for (const auto& [flag, name] : server::key_flag_names)
        n += has(flags, flag) ? 1 : 0;
    out.set(n);
    for (const auto& [flag, name] : server::key_flag_names) {
        if (has(flags, flag)) out.simple_string(name);
    }
}

/// One key spec of COMMAND INFO: notes, flags, begin_search, find_keys.
inline void write_key_spec(server::reply_writer& out, const server::key_spec& k) {
    out.map(k.notes.empty() ? 3 : 4);
    if (!k.notes.empty()) {
        out.bulk_string("notes");
        out.bulk_string(k.notes);
    }
    out.bulk_string("flags");
    write_key_flags(out, k.flags);
    out.bulk_string("begin_search");
    out.map(2);
    out.bulk_string("type");
    if (k.begin.index > 0) {
        out.bulk_string("index");
        out.bulk_string("spec");
        out.map(1);
        out.bulk_string("index");
        out.integer(k.begin.index);
    } else if (!k.begin.keyword.empty()) {
        out.bulk_string("keyword");
        out.bulk_string("spec");
        out.map(2);
        out.bulk_string("keyword");
        out.bulk_string(k.begin.keyword);
        out.bulk_string("startfrom");
        out.integer(k.begin.startfrom);
    } else {
        out.bulk_string("unknown");
        out.bulk_string("spec");
        out.map(0);
    }
    out.bulk_string("find_keys");
    out.map(2);
    out.bulk_string("type");
    switch (k.find.type) {
    case server::find_keys::kind::range:
        out.bulk_string("range");
        out.bulk_string("spec");
        out.map(3);
        out.bulk_string("lastkey");
        out.integer(k.find.lastkey);
        out.bulk_string("keystep");
        out.integer(k.find.keystep);
        out.bulk_string("limit");
        out.integer(k.find.limit);
        break;
    case server::find_keys::kind::keynum:
        out.bulk_string("keynum");
        out.bulk_string("spec");
        out.map(3);
        out.bulk_string("keynumidx");
        out.integer(k.find.keynumidx);
        out.bulk_string("firstkey");
        out.integer(k.find.firstkey);
        out.bulk_string("keystep");
        out.integer(k.find.keystep);
        break;
    case server::find_keys::kind::unknown:
        out.bulk_string("unknown");
        out.bulk_string("spec");
        out.map(0);
        break;
    }
}

/// One COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips, key specs,
/// subcommands.
inline void write_command_info(server::reply_writer& out, const server::command_entry& e) {
    const server::command_spec& spec = e.spec;
    out.array(10);
    out.bulk_string(e.full_name);
    out.integer(spec.arity);
    std::size_t nflags = 0;
    for (const auto& [flag, name] : server::command_flag_names) nflags += has(spec.flags, flag) ? 1 : 0;
    out.set(nflags);
    for (const auto& [flag, name] : server::command_flag_names) {
        if (has(spec.flags, flag)) out.simple_string(name);
    }
    out.integer(spec.keys.first);
    out.integer(spec.keys.last);
    out.integer(spec.keys.step);
    out.set(spec.acl_categories.size());
    for (const auto& c : spec.acl_categories) out.simple_string(c);
    out.set(spec.tips.size());
    for (const auto& t : spec.tips) out.bulk_string(t);
    const std::vector<server::key_spec> key_specs = server::key_specs_of(spec);
    out.set(key_specs.size());
    for (const server::key_spec& k : key_specs)
        write_key_spec(out, k);
    const auto subs = sorted_entries(e.subcommands);
    // Redis: an empty set when there are none, else an array (in RESP3 too).
    if (subs.empty())
        out.set(0);
    else
        out.array(subs.size());
    for (const server::command_entry* s : subs) write_command_info(out, *s);
}

/// COMMAND DOCS's `arguments` value for `args`: one map per argument (name, type, key_spec_index,
/// token, since, flags, and the children of a oneof or block). Walks the tree with an explicit
/// stack, so a user's deeply nested docs cannot exhaust the call stack.
inline void write_argument_docs(server::reply_writer& out,
                                const std::vector<server::command_arg>& args) {
    struct level {
        const std::vector<server::command_arg>* args;
        std::size_t next;
    };
    std::vector<level> stack{{&args, 0}};
    out.array(args.size());
    while (!stack.empty()) {
        level& top = stack.back();
        if (top.next == top.args->size()) {
            stack.pop_back();
            continue;
        }
        const server::command_arg& a = (*top.args)[top.next++];
        const bool nested = a.type == server::arg_type::oneof || a.type == server::arg_type::block;
        out.map(2 + (a.key_spec_index >= 0 ? 1 : 0) + (a.token.empty() && !a.empty_token ? 0 : 1) +
                (a.since.empty() ? 0 : 1) + (a.deprecated_since.empty() ? 0 : 1) +
                (a.flags == server::arg_flag::none ? 0 : 1) + (nested ? 1 : 0));
        out.bulk_string("name");
        out.bulk_string(a.name);
        out.bulk_string("type");
        out.bulk_string(server::arg_type_name(a.type));
        if (a.key_spec_index >= 0) {
            out.bulk_string("key_spec_index");
            out.integer(a.key_spec_index);
        }
        if (!a.token.empty() || a.empty_token) {
            out.bulk_string("token");
            out.bulk_string(a.token);
        }
        if (!a.since.empty()) {
            out.bulk_string("since");
            out.bulk_string(a.since);
        }
        if (!a.deprecated_since.empty()) {
            out.bulk_string("deprecated_since");
            out.bulk_string(a.deprecated_since);
        }
        if (a.flags != server::arg_flag::none) {
            std::size_t n = 0;
            for (const auto& [flag, name] : server::arg_flag_names)
                n += has(a.flags, flag) ? 1 : 0;
            out.bulk_string("flags");
            out.set(n);
            for (const auto& [flag, name] : server::arg_flag_names) {
                if (has(a.flags, flag)) out.simple_string(name);
            }
        }
        if (nested) {
            out.bulk_string("arguments");
            out.array(a.arguments.size());
            stack.push_back({&a.arguments, 0}); // invalidates `top`, which is not used again
        }
    }
}

/// One COMMAND DOCS value, in Redis's order: summary, since, group, complexity, doc_flags,
/// deprecated_since, replaced_by, history, arguments, and the subcommands' docs.
inline void write_command_docs(server::reply_writer& out, const server::command_entry& e) {
    const server::command_spec& spec = e.spec;
    const auto subs = sorted_entries(e.subcommands);
    out.map(1 + (spec.summary.empty() ? 0 : 1) + (spec.since.empty() ? 0 : 1) +
            (spec.complexity.empty() ? 0 : 1) + (spec.doc_flags.empty() ? 0 : 1) +
            (spec.deprecated_since.empty() ? 0 : 1) + (spec.replaced_by.empty() ? 0 : 1) +
            (spec.history.empty() ? 0 : 1) + (spec.arguments.empty() ? 0 : 1) +
            (subs.empty() ? 0 : 1));
    if (!spec.summary.empty()) {
        out.bulk_string("summary");
        out.bulk_string(spec.summary);
    }
    if (!spec.since.empty()) {
        out.bulk_string("since");
        out.bulk_string(spec.since);
    }
    out.bulk_string("group");
    out.bulk_string(spec.group);
    if (!spec.complexity.empty()) {
        out.bulk_string("complexity");
        out.bulk_string(spec.complexity);
    }
    if (!spec.doc_flags.empty()) {
        out.bulk_string("doc_flags");
        out.set(spec.doc_flags.size());
        for (const auto& f : spec.doc_flags)
            out.simple_string(f);
    }
    if (!spec.deprecated_since.empty()) {
        out.bulk_string("deprecated_since");
        out.bulk_string(spec.deprecated_since);
    }
    if (!spec.replaced_by.empty()) {
        out.bulk_string("replaced_by");
        out.bulk_string(spec.replaced_by);
    }
    if (!spec.history.empty()) {
        out.bulk_string("history");
        out.set(spec.history.size());
        for (const auto& h : spec.history) {
            out.array(2);
            out.bulk_string(h.version);
            out.bulk_string(h.change);
        }
    }
    if (!spec.arguments.empty()) {
        out.bulk_string("arguments");
        write_argument_docs(out, spec.arguments);
    }
    if (!subs.empty()) {
        out.bulk_string("subcommands");
        out.map(subs.size());
        for (const server::command_entry* s : subs) {
            out.bulk_string(s->full_name);
            write_command_docs(out, *s);
        }
    }
}

/// Resolves the command of a COMMAND GETKEYS call and collects its keys; false after replying
/// an error (or an empty array for a command whose keys are optional and absent).
[[nodiscard]] inline bool command_keys(server::command_call& call, const server::dispatcher& d,
                                       std::vector<server::key_reference>& keys) {
    const auto args = call.args().subspan(2);
    const server::command_entry* e = d.find(args[0]);
    if (e != nullptr && !e->subcommands.empty() && args.size() >= 2) {
        const auto it = e->subcommands.find(args[1]);
        if (it != e->subcommands.end()) e = it->second.get();
        else if (!e->handler) e = nullptr;
    }
    if (e == nullptr) {
        call.error("ERR Invalid command specified");
        return false;
    }
    switch (server::extract_keys(e->spec, args, keys)) {
    case server::key_extraction::found:
        if (!keys.empty()) return true;
        call.reply().array(0);
        return false;
    case server::key_extraction::no_key_arguments: call.error("ERR The command has no key arguments"); return false;
    case server::key_extraction::wrong_arity:
        call.error("ERR Invalid number of arguments specified for command");
        return false;
    case server::key_extraction::invalid_arguments: call.error("ERR Invalid arguments specified for command"); return false;
    }
    return false;
}

} // namespace detail

/// Registers COMMAND over `commands` itself (which must outlive its sessions).
inline void install_command_command(server::dispatcher& commands) {
    const server::dispatcher* table = &commands;
    auto specs = command_command_specs();

    commands.add(std::move(specs.command),
                 [table](server::command_call& call) {
                     if (call.argc() > 1) {
                         std::string sub(server::detail::c_string(call.arg(1)).substr(0, 128));
                         call.error("ERR unknown subcommand '" + sub + "'. Try COMMAND HELP.");
                         return;
                     }
                     const auto all = detail::sorted_entries(table->commands());
                     call.reply().array(all.size());
                     for (const server::command_entry* e : all) detail::write_command_info(call.reply(), *e);
                 });
    commands.add_subcommand("command",
                            std::move(specs.command_count),
                            [table](server::command_call& call) {
                                call.reply().integer(static_cast<std::int64_t>(table->commands().size()));
                            });
    commands.add_subcommand(
        "command",
        std::move(specs.command_list),
        [table](server::command_call& call) {
            enum class filter { none, module, aclcat, pattern } by = filter::none;
            std::string_view value;
            if (call.argc() == 5 && iequals(call.arg(2), "filterby")) {
                if (iequals(call.arg(3), "module"))
                    by = filter::module;
                else if (iequals(call.arg(3), "aclcat"))
                    by = filter::aclcat;
                else if (iequals(call.arg(3), "pattern"))
                    by = filter::pattern;
                else {
                    call.error(server::errors::syntax);
                    return;
                }
                value = call.arg(4);
            } else if (call.argc() != 2) {
                call.error(server::errors::syntax);
                return;
            }
            std::vector<std::string_view> names;
            auto consider = [&](const server::command_entry& e) {
                bool keep = true;
                if (by == filter::module) keep = false; // respkit has no modules
                else if (by == filter::aclcat) {
                    keep = std::any_of(e.spec.acl_categories.begin(), e.spec.acl_categories.end(), [&](const std::string& c) {
                        return c.size() == value.size() + 1 && iequals(std::string_view(c).substr(1), value);
                    });
                } else if (by == filter::pattern) {
                    keep = glob_match(value, e.full_name, true);
                }
                if (keep) names.push_back(e.full_name);
            };
            for (const server::command_entry* e : detail::sorted_entries(table->commands())) {
                consider(*e);
                for (const server::command_entry* s : detail::sorted_entries(e->subcommands))
                    consider(*s);
            }
            call.reply().array(names.size());
            for (const std::string_view n : names)
                call.reply().bulk_string(n);
        });
    commands.add_subcommand(
        "command",
        std::move(specs.command_info),
        [table](server::command_call& call) {
            if (call.argc() == 2) {
                const auto all = detail::sorted_entries(table->commands());
                call.reply().array(all.size());
                for (const server::command_entry* e : all)
                    detail::write_command_info(call.reply(), *e);
                return;
            }
            call.reply().array(call.argc() - 2);
            for (std::size_t i = 2; i < call.argc(); ++i) {
                const server::command_entry* e = detail::find_command(*table, call.arg(i));
                if (e == nullptr)
                    call.reply().null();
                else
                    detail::write_command_info(call.reply(), *e);
            }
        });
    commands.add_subcommand("command",
                            std::move(specs.command_docs),
                            [table](server::command_call& call) {
                                std::vector<const server::command_entry*> chosen;
                                if (call.argc() == 2) {
                                    chosen = detail::sorted_entries(table->commands());
                                } else {
                                    for (std::size_t i = 2; i < call.argc(); ++i) {
                                        if (const server::command_entry* e =
                                                detail::find_command(*table, call.arg(i)))
                                            chosen.push_back(e);
                                    }
                                }
                                call.reply().map(chosen.size());
                                for (const server::command_entry* e : chosen) {
                                    call.reply().bulk_string(e->full_name);
                                    detail::write_command_docs(call.reply(), *e);
                                }
                            });
    commands.add_subcommand("command",
                            std::move(specs.command_getkeys),
                            [table](server::command_call& call) {
                                std::vector<server::key_reference> keys;
                                if (!detail::command_keys(call, *table, keys)) return;
                                call.reply().array(keys.size());
                                for (const server::key_reference& k : keys)
                                    call.reply().bulk_string(call.arg(2 + k.index));
                            });
    commands.add_subcommand("command",
                            std::move(specs.command_getkeysandflags),
                            [table](server::command_call& call) {
                                std::vector<server::key_reference> keys;
                                if (!detail::command_keys(call, *table, keys)) return;
                                call.reply().array(keys.size());
                                for (const server::key_reference& k : keys) {
                                    call.reply().array(2);
                                    call.reply().bulk_string(call.arg(2 + k.index));
                                    detail::write_key_flags(call.reply(), k.flags);
                                }
                            });
    commands.add_subcommand("command",
                            std::move(specs.command_help),
                            [](server::command_call& call) {
                                detail::help_reply(call, "command",
                                                   {"(no subcommand)",
                                                    "    Return details about all Redis commands.",
                                                    "COUNT",
                                                    "    Return the total number of commands in this Redis server.",
                                                    "LIST",
                                                    "    Return a list of all commands in this Redis server.",
                                                    "INFO [<command-name> ...]",
                                                    "    Return details about multiple Redis commands.",
                                                    "    If no command names are given, documentation details for all",
                                                    "    commands are returned.",
                                                    "DOCS [<command-name> ...]",
                                                    "    Return documentation details about multiple Redis commands.",
                                                    "    If no command names are given, documentation details for all",
                                                    "    commands are returned.",
                                                    "GETKEYS <full-command>",
                                                    "    Return the keys from a full Redis command.",
                                                    "GETKEYSANDFLAGS <full-command>",
                                                    "    Return the keys and the access flags from a full Redis command."});
                            });
}

} // namespace respkit::commands

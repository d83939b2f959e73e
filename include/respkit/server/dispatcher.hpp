#pragma once

/// \file
/// The command table: case-insensitive lookup, arity and subcommand checks with Redis's error
/// replies, and hooks run after successful write commands.

#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"

namespace respkit::server {

namespace detail {

using respkit::detail::ascii_lower;

/// Case-insensitive hash and equality for command names (ASCII), usable with string_view
/// lookups without building a lower-case copy.
struct name_hash {
    using is_transparent = void;
    [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
        std::size_t h = 1469598103934665603ULL;
        for (const char c : s) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ULL;
        return h;
    }
};
struct name_equal {
    using is_transparent = void;
    [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const noexcept {
        return respkit::detail::ascii_iequals(a, b);
    }
};

/// Redis prints names with %s: a NUL byte ends them.
[[nodiscard]] inline std::string_view c_string(std::string_view s) noexcept {
    const void* nul = std::memchr(s.data(), '\0', s.size());
    return nul == nullptr ? s : s.substr(0, static_cast<std::size_t>(static_cast<const char*>(nul) - s.data()));
}

} // namespace detail

/// A registered command: its spec, handler and subcommands.
struct command_entry {
    command_spec spec;                ///< name, arity, flags, keys, docs
    command_handler handler;          ///< what runs it (empty for pure containers)
    std::string full_name;            ///< "get", or "config|get" for a subcommand
    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal>
        subcommands;                  ///< CONFIG GET, CLIENT ID, ...
};

/// The table of commands a server runs. Users add, replace or remove any command, built-in
/// ones included; lookup ignores ASCII case.
class dispatcher {
public:
    /// Registers (or replaces) a command.
    command_entry& add(command_spec spec, command_handler handler) {
        auto entry = std::make_unique<command_entry>();
        entry->full_name = spec.name;
        entry->spec = std::move(spec);
        entry->handler = std::move(handler);
        auto& slot = m_commands[entry->spec.name];
        if (slot) entry->subcommands = std::move(slot->subcommands); // keep subcommands on replace
        slot = std::move(entry);
        return *slot;
    }
    /// Registers (or replaces) a subcommand of `parent` (registering an empty container
    /// `parent` with arity -2 first if needed), e.g. add_subcommand("config", {"get", -3, ...}).
    command_entry& add_subcommand(std::string_view parent, command_spec spec, command_handler handler) {
        command_entry* container = find(parent);
        if (container == nullptr) {
            command_spec parent_spec;
            parent_spec.name = std::string(parent);
            parent_spec.arity = -2;
            container = &add(std::move(parent_spec), {});
        }
        auto entry = std::make_unique<command_entry>();
        entry->full_name = container->spec.name + "|" + spec.name;
        entry->spec = std::move(spec);
        entry->handler = std::move(handler);
        auto& slot = container->subcommands[entry->spec.name];
        slot = std::move(entry);
        return *slot;
    }
    /// Removes a command (and its subcommands); false when there was none.
    bool remove(std::string_view name) {
        const auto it = m_commands.find(name);
        if (it == m_commands.end()) return false;
        m_commands.erase(it);
        return true;
    }
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] command_entry* find(std::string_view name) noexcept {
        const auto it = m_commands.find(name);
        return it == m_commands.end() ? nullptr : it->second.get();
    }
    /// The command called `name` (any case), or nullptr.
    [[nodiscard]] const command_entry* find(std::string_view name) const noexcept {
        const auto it = m_commands.find(name);
        return it == m_commands.end() ? nullptr : it->second.get();
    }
    /// Every command, in no particular order.
    [[nodiscard]] const auto& commands() const noexcept { return m_commands; }

    /// Resolves `args` to the command or subcommand to run, or writes Redis's error reply
    /// (unknown command, unknown subcommand, wrong number of arguments) and returns nullptr.
    [[nodiscard]] const command_entry* resolve(std::span<const std::string_view> args, reply_writer& reply,
                                               server_context& server) const {
        const command_entry* entry = args.empty() ? nullptr : find(args[0]);
        if (entry == nullptr) {
            reject(reply, server, unknown_command_message(args));
            return nullptr;
        }
        if (!entry->subcommands.empty() && args.size() >= 2) {
            const auto it = entry->subcommands.find(args[1]);
            if (it == entry->subcommands.end()) {
                if (!entry->handler) {
                    std::string upper(detail::c_string(args[0]));
                    for (char& c : upper) c = respkit::detail::ascii_upper(c);
                    reject(reply, server,
                           "ERR unknown subcommand '" + truncated(detail::c_string(args[1]), 128) + "'. Try " + upper +
                               " HELP.");
                    return nullptr;
                }
            } else {
                entry = it->second.get();
            }
        }
        const int arity = entry->spec.arity;
        const auto argc = static_cast<long long>(args.size());
        if ((arity > 0 && argc != arity) || (arity < 0 && argc < -arity)) {
            reject(reply, server, "ERR wrong number of arguments for '" + entry->full_name + "' command");
            return nullptr;
        }
        if (!entry->handler) { // a container called without a subcommand it knows
            reject(reply, server, "ERR wrong number of arguments for '" + entry->full_name + "' command");
            return nullptr;
        }
        return entry;
    }

    /// Runs one command: resolves it, calls its handler, counts it, and runs the write hooks when
    /// a write command succeeded. Returns false when it was rejected before running.
    bool dispatch(std::span<const std::string_view> args, session& client, server_context& server,
                  reply_writer& reply) const {
        const command_entry* entry = resolve(args, reply, server);
        if (entry == nullptr) return false;
        run(*entry, args, client, server, reply);
        return true;
    }

    /// Runs a resolved command (for callers that resolved it themselves, e.g. MULTI queues).
    void run(const command_entry& entry, std::span<const std::string_view> args, session& client,
             server_context& server, reply_writer& reply) const {
        command_call call(args, entry.spec, client, server, reply);
        entry.handler(call);
        ++server.stats().total_commands_processed;
        if (!call.failed() && has(entry.spec.flags, command_flag::write)) {
            for (const auto& hook : m_write_hooks) hook(call);
        }
    }

    /// Adds a hook called after every write command that succeeded (append-only file,
    /// replication): it sees the command's arguments and its session.
    void on_write(std::function<void(const command_call&)> hook) { m_write_hooks.push_back(std::move(hook)); }

    /// Redis's reply to an unknown command: `ERR unknown command 'x', with args beginning with: 'a' `.
    [[nodiscard]] static std::string unknown_command_message(std::span<const std::string_view> args) {
        std::string list;
        for (std::size_t i = 1; i < args.size() && list.size() < 128; ++i) {
            list += '\'';
            list += truncated(detail::c_string(args[i]), 128 - list.size());
            list += "' ";
        }
        return "ERR unknown command '" + truncated(args.empty() ? std::string_view() : detail::c_string(args[0]), 128) +
               "', with args beginning with: " + list;
    }

private:
    static std::string truncated(std::string_view s, std::size_t n) { return std::string(s.substr(0, n)); }

    static void reject(reply_writer& reply, server_context& server, std::string message) {
        for (char& c : message) {
            if (c == '\r' || c == '\n') c = ' ';
        }
        server.count_error(message);
        reply.simple_error(message);
    }

    std::unordered_map<std::string, std::unique_ptr<command_entry>, detail::name_hash, detail::name_equal> m_commands;
    std::vector<std::function<void(const command_call&)>> m_write_hooks;
};

} // namespace respkit::server

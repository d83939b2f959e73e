#pragma once

// Prototype (docs/headers.md, "The server core split"): the dispatcher's class definition with
// its table, checks, ACL, slow log and latency monitor behind one pointer. Members are
// declared; server/src.hpp defines them (template class basic_dispatcher<void>).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "respkit/server/call.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class>
class basic_access_control;
using access_control = basic_access_control<void>;
class slowlog;
class latency_monitor;
struct latency_tracking_settings;
struct command_entry;   // spec, handler, full name, stats, subcommands (server/detail/dispatcher_state.hpp)
struct pending_command; // what the checks see (server/command_check.hpp)
enum class check_stage : std::uint8_t;
/// A check of the command path (server/command_check.hpp uses std::function as well).
using command_check = std::function<bool(const pending_command&, std::string& error)>;

/// The table of commands and the command path (as in server/dispatcher.hpp).
template <class>
class basic_dispatcher {
public:
    basic_dispatcher();
    ~basic_dispatcher();
    basic_dispatcher(const basic_dispatcher&) = delete;
    basic_dispatcher& operator=(const basic_dispatcher&) = delete;

    command_entry& add(command_spec spec, command_handler handler);
    command_entry& add_subcommand(std::string_view parent, command_spec spec, command_handler handler);
    bool remove(std::string_view name);
    [[nodiscard]] command_entry* find(std::string_view name) noexcept;
    [[nodiscard]] const command_entry* find(std::string_view name) const noexcept;
    [[nodiscard]] std::uint64_t generation() const noexcept { return m_generation; }
    /// Every command (the std::unordered_map: deduced, defined with the state).
    template <class = void>
    [[nodiscard]] const auto& commands() const noexcept;
    void set_catch_all(command_handler handler, command_spec spec = {.name = "*", .arity = -1});
    [[nodiscard]] access_control& access() noexcept;
    [[nodiscard]] const access_control& access() const noexcept;
    [[nodiscard]] server::slowlog& slowlog() const noexcept;
    [[nodiscard]] server::latency_monitor& latency_monitor() const noexcept;
    [[nodiscard]] latency_tracking_settings& latency_tracking() const noexcept;
    [[nodiscard]] const command_entry* resolve(std::span<const std::string_view> args, std::string& error,
                                               bool count_unknown = true) const;
    void add_check(check_stage stage, std::string name, command_check check);
    template <class = void> // std::vector<registered_check>
    [[nodiscard]] const auto& checks() const noexcept;
    [[nodiscard]] bool admit(const pending_command& command, std::string& error) const;
    void call(const command_entry& entry, std::span<const std::string_view> args, session& client,
              server_context& server, reply_writer& reply, command_origin origin = command_origin::client) const;

private:
    struct state; // the table (unordered_map), checks, access control, slow log, latency monitor
    state* m_state;
    std::uint64_t m_generation = 0;
};

} // namespace respkit::server

#pragma once

// Prototype (docs/headers.md, "The server core split"): the session's class definition with
// what the request path touches on every command as members (parser, buffers, writer, id,
// database, flags) and the rest (ACL user, MULTI queue, WATCHed keys, blocked state,
// subscriptions, big arguments) behind one pointer. Members are declared; server/src.hpp
// defines them (template class basic_session<void>).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/chrono.hpp"
#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class>
class basic_acl_user;
using acl_user = basic_acl_user<void>;
enum class client_class : std::uint8_t;

/// Bounds and defaults of a session (as in server/session.hpp).
struct session_options {
    resp::limits request_limits{};
    std::size_t output_high_watermark = 1 << 20;
    std::size_t output_hard_limit = 256u << 20;
    std::size_t max_commands_per_feed = 1000;
    std::size_t max_blocked_input = 1 << 20;
    std::size_t big_argument = 32 * 1024;
};

/// One client connection (as in server/session.hpp).
template <class>
class basic_session {
    using session = basic_session;

public:
    basic_session(const dispatcher& commands, server_context& server, const session_options& options = {});
    basic_session(const basic_session&) = delete;
    basic_session& operator=(const basic_session&) = delete;
    ~basic_session();

    enum class reply_mode : std::uint8_t { on, off, skip };
    enum class timeout_reply : std::uint8_t { null_array, null_bulk, zero };

    [[nodiscard]] std::span<char> input_space(std::size_t n = 16 * 1024);
    void commit_input(std::size_t n);
    void feed(std::string_view bytes);
    std::size_t process();
    [[nodiscard]] bool input_paused() const noexcept;
    [[nodiscard]] bool has_pending_input() const noexcept;
    [[nodiscard]] std::string take_argument(std::string_view arg);
    void execute(std::span<const std::string_view> args, command_origin origin = command_origin::client);
    [[nodiscard]] bool authenticated() const noexcept;
    void set_authenticated(bool on) noexcept;
    [[nodiscard]] const acl_user& user() const noexcept;
    template <class = void> // the std::shared_ptr<acl_user>: deduced, defined with the state
    [[nodiscard]] const auto& user_ptr() const noexcept;
    void reset_user() noexcept;
    template <class UserPtr> // a std::shared_ptr<acl_user>
    auto set_user(UserPtr u) noexcept; // auto: a file without the definition fails to compile, not to link
    [[nodiscard]] const session_options& options() const noexcept;
    [[nodiscard]] std::string_view pending_output() const noexcept;
    void output_sent(std::size_t n);
    [[nodiscard]] bool output_full() const noexcept;
    [[nodiscard]] reply_writer& reply() noexcept;
    void close_after_reply() noexcept;
    void close_now() noexcept;
    bool enforce_output_limit();
    [[nodiscard]] std::size_t output_limit() const noexcept;
    [[nodiscard]] client_class output_class() const noexcept;
    void close_for_output_limit();
    [[nodiscard]] std::size_t memory_usage() const noexcept;
    [[nodiscard]] bool closed_now() const noexcept;
    void set_reply_mode(reply_mode mode) noexcept;
    [[nodiscard]] bool replies_off() const noexcept;
    [[nodiscard]] bool no_evict() const noexcept;
    void set_no_evict(bool on) noexcept;
    [[nodiscard]] bool asking() const noexcept;
    void set_asking(bool on) noexcept;
    [[nodiscard]] bool cluster_readonly() const noexcept;
    void set_cluster_readonly(bool on) noexcept;
    [[nodiscard]] std::string describe() const;
    [[nodiscard]] bool closing() const noexcept;
    [[nodiscard]] resp::protocol protocol() const noexcept;
    void set_protocol(resp::protocol p) noexcept;
    [[nodiscard]] std::size_t db() const noexcept;
    void select(std::size_t db) noexcept;
    [[nodiscard]] const std::string& name() const noexcept;
    void set_name(std::string name);
    [[nodiscard]] std::chrono::steady_clock::time_point created() const noexcept;
    [[nodiscard]] std::chrono::steady_clock::time_point last_command_at() const noexcept;
    [[nodiscard]] const std::string& last_command() const noexcept;
    [[nodiscard]] std::size_t input_size() const noexcept;
    [[nodiscard]] std::size_t input_capacity() const noexcept;
    [[nodiscard]] std::size_t output_size() const noexcept;
    [[nodiscard]] server_context& server() const noexcept;
    [[nodiscard]] const dispatcher& commands() const noexcept;
    void reset_state();
    [[nodiscard]] bool in_multi() const noexcept;
    void begin_multi();
    [[nodiscard]] bool multi_aborted() const noexcept;
    template <class = void> // std::vector<queued_command>
    [[nodiscard]] auto end_multi();
    template <class = void> // std::span<const queued_command>
    [[nodiscard]] auto queued_commands() const noexcept;
    [[nodiscard]] std::size_t queued_count() const noexcept;
    void discard_transaction();
    [[nodiscard]] bool executing_transaction() const noexcept;
    void set_executing_transaction(bool on) noexcept;
    void watch(std::size_t db, std::string_view key, bool expired);
    void unwatch();
    template <class = void> // const std::vector<watched_key>&
    [[nodiscard]] const auto& watched_keys() const noexcept;
    void touch_watched(std::size_t db, std::string_view key, bool expired);
    void swap_watched(std::size_t db, std::string_view key, bool before, bool after, bool after_expired);
    void mark_watch_dirty() noexcept;
    [[nodiscard]] bool watch_dirty() const noexcept;
    void block(std::span<const std::string_view> keys, std::chrono::milliseconds timeout, timeout_reply on_timeout, std::span<const std::string_view> args);
    [[nodiscard]] bool blocked() const noexcept;
    [[nodiscard]] bool still_blocked() const noexcept;
    [[nodiscard]] bool retrying() const noexcept;
    [[nodiscard]] std::chrono::steady_clock::time_point block_deadline() const noexcept;
    bool retry_blocked();
    void time_out_blocked();
    void fail_blocked(std::string_view message);
    [[nodiscard]] std::size_t subscription_count() const noexcept;
    [[nodiscard]] std::size_t shard_subscription_count() const noexcept;
    [[nodiscard]] bool subscribed() const noexcept;
    bool subscribe(std::string_view channel);
    bool unsubscribe(std::string_view channel);
    bool psubscribe(std::string_view pattern);
    bool punsubscribe(std::string_view pattern);
    bool ssubscribe(std::string_view channel);
    bool sunsubscribe(std::string_view channel);
    [[nodiscard]] std::vector<std::string> subscriptions(bool patterns) const;
    [[nodiscard]] std::vector<std::string> shard_subscriptions() const;

private:
    struct state; // user, transaction, watched keys, blocked state, subscriptions, big arguments
    state* m_state;
    const dispatcher* m_dispatcher;
    server_context* m_server;
    session_options m_options;
    resp::request_parser m_parser;
    resp::input_buffer m_input{0};
    reply_buffer m_output;
    reply_writer m_reply;
    std::uint64_t m_id;
    std::size_t m_db = 0;
    std::string m_name;
    std::string m_last_command;
    const command_entry* m_last_found = nullptr;
    std::uint64_t m_last_found_generation = ~std::uint64_t{0};
    std::chrono::steady_clock::time_point m_created;
    std::chrono::steady_clock::time_point m_last_command_at;
    bool m_no_evict = false;
    bool m_asking = false;
    bool m_asking_fresh = false;
    bool m_cluster_readonly = false;
    bool m_reply_off = false;
    bool m_skip_this_reply = false;
    bool m_skip_next_reply = false;
    bool m_authenticated = true;
    bool m_closing = false;
    bool m_executing = false;
    bool m_watch_dirty = false;
    bool m_retrying = false;
    bool m_still_blocked = false;
};

} // namespace respkit::server

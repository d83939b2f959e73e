#pragma once

// Prototype (docs/headers.md, "The server core split"): command_call as in the real header,
// with the members that reach into server_context declared here and defined in server/src.hpp.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp/typed_write.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/origin.hpp"
#include "respkit/server/reply_buffer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// What a command handler gets (as in server/call.hpp).
class command_call {
public:
    command_call(std::span<const std::string_view> args, const command_spec& spec, session& client,
                 server_context& server, reply_writer& reply, command_origin origin = command_origin::client) noexcept
        : m_args(args), m_spec(&spec), m_client(&client), m_server(&server), m_reply(&reply), m_origin(origin) {}

    [[nodiscard]] std::span<const std::string_view> args() const noexcept { return m_args; }
    [[nodiscard]] std::string_view arg(std::size_t i) const noexcept { return m_args[i]; }
    [[nodiscard]] std::string take_arg(std::size_t i);
    [[nodiscard]] std::size_t argc() const noexcept { return m_args.size(); }
    [[nodiscard]] const command_spec& spec() const noexcept { return *m_spec; }
    [[nodiscard]] session& client() const noexcept { return *m_client; }
    [[nodiscard]] server_context& server() const noexcept { return *m_server; }
    [[nodiscard]] reply_writer& reply() const noexcept { return *m_reply; }
    template <class T>
    void reply(const T& v) const {
        resp::write(*m_reply, v);
    }
    [[nodiscard]] command_origin origin() const noexcept { return m_origin; }
    void error(std::string_view message);                     // defined in server/src.hpp
    [[nodiscard]] bool failed() const noexcept { return m_failed; }
    void ok() { m_reply->simple_string("OK"); }

    [[nodiscard]] bool propagating() const noexcept;          // defined in server/src.hpp
    void propagate_as(std::vector<std::string> args) const;
    void also_propagate(std::size_t db, std::vector<std::string> args) const;
    void prevent_propagation() const noexcept;
    void force_propagation() const noexcept;
    void mark_dirty() const noexcept;
    [[nodiscard]] bool notifying(keyspace_event_class type) const noexcept;
    void notify(keyspace_event_class type, std::string_view event, std::string_view key) const;
    void notify(keyspace_event_class type, std::string_view event, std::string_view key, std::size_t db) const;

private:
    std::span<const std::string_view> m_args;
    const command_spec* m_spec;
    session* m_client;
    server_context* m_server;
    reply_writer* m_reply;
    command_origin m_origin;
    bool m_failed = false;
};

} // namespace respkit::server

#pragma once

/// \file
/// A pipeline: commands queued in one buffer, sent with one write, replies read in order.
/// The same queue serves as a transaction body (connection::exec wraps it in MULTI/EXEC).

#include <cstddef>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/client/commands.hpp"
#include "respkit/client/reply.hpp"
#include "respkit/client/result.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// A typed reference to one queued command's reply: its position and how to decode it.
template <class Decoder>
struct handle {
    std::size_t index = 0; ///< position among the pipeline's replies
};

/// The replies of an executed pipeline or transaction, in the order the commands were queued.
class replies {
public:
    replies() = default;
    /// Takes the replies.
    explicit replies(std::vector<resp::value> values) : m_values(std::move(values)) {}

    /// Number of replies.
    [[nodiscard]] std::size_t size() const noexcept { return m_values.size(); }
    /// Reply `i` as it came (error replies are values: check is_error()).
    [[nodiscard]] const resp::value& operator[](std::size_t i) const noexcept { return m_values[i]; }
    /// All replies.
    [[nodiscard]] const std::vector<resp::value>& values() const noexcept { return m_values; }
    /// The reply of a queued command, decoded as its helper does.
    template <class Decoder>
    [[nodiscard]] result<typename Decoder::type> get(handle<Decoder> h) const {
        if (h.index >= m_values.size()) return make_error(errc::unexpected_reply, "no reply at this position");
        return Decoder::decode(m_values[h.index]);
    }

private:
    std::vector<resp::value> m_values;
};

/// Commands to send together. Every queuing call returns a handle to its reply.
class pipeline : public command_set<pipeline> {
public:
    /// Queues any command; its reply is the raw value.
    template <resp::command_argument... Args>
    handle<reply::raw> add(const Args&... args) { return run<reply::raw>(args...); }

    /// Queues a command given as a range of arguments.
    template <std::ranges::sized_range Range>
    handle<reply::raw> add_range(const Range& args) { return run_range<reply::raw>(args); }

    /// Number of commands queued.
    [[nodiscard]] std::size_t size() const noexcept { return m_count; }
    /// True when nothing is queued.
    [[nodiscard]] bool empty() const noexcept { return m_count == 0; }
    /// The encoded commands.
    [[nodiscard]] std::string_view buffer() const noexcept { return m_buffer; }
    /// Forgets every queued command (keeps the memory).
    void clear() noexcept {
        m_buffer.clear();
        m_count = 0;
    }

    /// Queues a command decoded by `Decoder` (used by the typed helpers).
    template <class Decoder, resp::command_argument... Args>
    handle<Decoder> run(const Args&... args) {
        resp::write_command(m_buffer, args...);
        return handle<Decoder>{m_count++};
    }
    /// Queues a command given as a range, decoded by `Decoder`.
    template <class Decoder, std::ranges::sized_range Range>
    handle<Decoder> run_range(const Range& args) {
        resp::write_command_range(m_buffer, args);
        return handle<Decoder>{m_count++};
    }

private:
    std::string m_buffer;
    std::size_t m_count = 0;
};

} // namespace respkit::client

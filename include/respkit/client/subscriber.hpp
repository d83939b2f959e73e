#pragma once

/// \file
/// A pub/sub subscriber: its own connection, delivering messages (RESP2 arrays or RESP3
/// pushes alike) one at a time or to a callback.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "respkit/client/connection.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// One event on a subscriber connection.
struct message {
    /// What the event is.
    enum class kind { message, pmessage, subscribe, unsubscribe, psubscribe, punsubscribe, pong, other };
    message::kind type = kind::other; ///< what arrived
    std::string channel;              ///< the channel (message, pmessage, (un)subscribe)
    std::string pattern;              ///< the pattern (pmessage, p(un)subscribe)
    std::string payload;              ///< the published data (message, pmessage) or PING's text
    std::int64_t count = 0;           ///< subscriptions left/held ((p)(un)subscribe)
};

/// A connection in subscriber mode. Subscribing sends the command; the confirmation arrives
/// as a message of kind subscribe (or psubscribe). If the link breaks, receive() fails and the
/// subscriptions are gone: subscribe again (which reconnects).
class subscriber {
public:
    /// A subscriber reaching the server with `opts`.
    explicit subscriber(options opts = {}) : m_conn(std::move(opts)) {}

    /// Connects now (otherwise the first subscribe does).
    result<void> connect() { return m_conn.connect(); }
    /// The underlying connection (protocol(), native_handle()).
    [[nodiscard]] const connection& link() const noexcept { return m_conn; }

    /// SUBSCRIBE channel...
    template <resp::command_argument... Channels>
    result<void> subscribe(const Channels&... channels) { return send("SUBSCRIBE", channels...); }
    /// PSUBSCRIBE pattern...
    template <resp::command_argument... Patterns>
    result<void> psubscribe(const Patterns&... patterns) { return send("PSUBSCRIBE", patterns...); }
    /// UNSUBSCRIBE [channel...]
    template <resp::command_argument... Channels>
    result<void> unsubscribe(const Channels&... channels) { return send("UNSUBSCRIBE", channels...); }
    /// PUNSUBSCRIBE [pattern...]
    template <resp::command_argument... Patterns>
    result<void> punsubscribe(const Patterns&... patterns) { return send("PUNSUBSCRIBE", patterns...); }

    /// The next event, waiting at most `timeout` (errc::timeout when none came; the link stays
    /// usable). An error reply from the server becomes errc::server_error.
    result<message> receive(std::chrono::milliseconds timeout) {
        auto r = m_conn.receive(timeout);
        if (!r) return r.error();
        return decode(*r);
    }

    /// Delivers events to `on_message(const message&)` until it returns false or the link fails
    /// (the error is returned). Waits `poll_interval` at a time.
    template <class Callback>
    result<void> run(Callback&& on_message, std::chrono::milliseconds poll_interval = std::chrono::milliseconds{1000}) {
        for (;;) {
            auto m = receive(poll_interval);
            if (!m) {
                if (m.code() == errc::timeout) continue;
                return m.error();
            }
            if (!on_message(static_cast<const message&>(*m))) return {};
        }
    }

    /// Decodes a subscriber-mode reply or push.
    static result<message> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if ((v.type() != resp::type::array && v.type() != resp::type::push) || v.size() == 0) {
            return reply::detail::unexpected(v, "a pub/sub array or push");
        }
        message m;
        const std::string_view k = v[0].string();
        auto str = [&v](std::size_t i) { return i < v.size() ? std::string(v[i].text()) : std::string(); };
        auto num = [&v](std::size_t i) { return i < v.size() ? v[i].integer() : 0; };
        if (k == "message") {
            m.type = message::kind::message;
            m.channel = str(1);
            m.payload = str(2);
        } else if (k == "pmessage") {
            m.type = message::kind::pmessage;
            m.pattern = str(1);
            m.channel = str(2);
            m.payload = str(3);
        } else if (k == "subscribe" || k == "unsubscribe") {
            m.type = k == "subscribe" ? message::kind::subscribe : message::kind::unsubscribe;
            m.channel = str(1);
            m.count = num(2);
        } else if (k == "psubscribe" || k == "punsubscribe") {
            m.type = k == "psubscribe" ? message::kind::psubscribe : message::kind::punsubscribe;
            m.pattern = str(1);
            m.count = num(2);
        } else if (k == "pong") {
            m.type = message::kind::pong;
            m.payload = str(1);
        } else {
            m.type = message::kind::other;
            m.payload = std::string(k);
        }
        return m;
    }

private:
    template <class... Args>
    result<void> send(const Args&... args) {
        std::string request;
        resp::write_command(request, args...);
        return m_conn.send(request);
    }

    connection m_conn;
};

} // namespace respkit::client

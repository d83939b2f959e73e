#pragma once

/// \file
/// The client's error codes and `result<T>`: a value or an error with a message.

#include <respkit/version.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// Every error the client reports. Error *replies* from the server are not errors of
/// `connection::command` (they are values); typed helpers report them as server_error.
enum class errc : int {
    not_connected = 1,   ///< no connection and reconnecting is off (or failed before)
    resolve_failed,      ///< the host name did not resolve
    connect_failed,      ///< the TCP or Unix-socket connect failed
    timeout,             ///< a connect, read or write did not finish in time
    connection_closed,   ///< the server closed the connection before a command was sent
    outcome_unknown,     ///< the connection broke after a command was sent: it may have run
    io_error,            ///< a socket call failed
    protocol_error,      ///< the server sent bytes that are not valid RESP
    handshake_failed,    ///< HELLO, AUTH or SELECT was refused at connect
    server_error,        ///< the server answered a typed helper with an error reply
    unexpected_reply,    ///< the reply's type does not fit the typed helper
    transaction_aborted, ///< EXEC answered nil: a WATCHed key changed
    watch_lost,          ///< the connection broke while keys were WATCHed
    pool_timeout,        ///< no pooled connection became free in time
};

/// The std::error_category of client::errc.
class error_category_impl final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "respkit.client"; }
    [[nodiscard]] std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::not_connected: return "not connected";
        case errc::resolve_failed: return "host name did not resolve";
        case errc::connect_failed: return "connect failed";
        case errc::timeout: return "timed out";
        case errc::connection_closed: return "connection closed by the server";
        case errc::outcome_unknown: return "connection lost after the command was sent; it may or may not have run";
        case errc::io_error: return "socket error";
        case errc::protocol_error: return "invalid RESP from the server";
        case errc::handshake_failed: return "connection handshake refused";
        case errc::server_error: return "error reply";
        case errc::unexpected_reply: return "unexpected reply type";
        case errc::transaction_aborted: return "transaction aborted: a watched key changed";
        case errc::watch_lost: return "connection lost while keys were watched";
        case errc::pool_timeout: return "no pooled connection became free in time";
        }
        return "unknown client error";
    }
};

/// The single instance of the client's error category.
[[nodiscard]] inline const std::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

/// Makes std::error_code from client::errc (found by ADL).
[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// An error: a code to branch on and a message that says what happened.
struct error_info {
    std::error_code code; ///< what kind of failure
    std::string message;  ///< details for people (server text, errno text, ...)

    /// "category message: details".
    [[nodiscard]] std::string what() const {
        std::string s = code.message();
        if (!message.empty()) s += ": " + message;
        return s;
    }
};

/// Makes an error from a code and a message.
[[nodiscard]] inline error_info make_error(errc code, std::string message = {}) {
    return error_info{make_error_code(code), std::move(message)};
}

namespace detail {
/// Called when value() is used on a failed result: a programming error, so it stops loudly.
[[noreturn]] inline void bad_result_access(const error_info& e) noexcept {
    std::fprintf(stderr, "respkit::client: value() of a failed result: %s\n", e.what().c_str());
    std::abort();
}
} // namespace detail

/// Either a T or an error. `result<void>` holds nothing on success.
template <class T>
class [[nodiscard]] result {
public:
    /// A success holding `v`.
    result(T v) : m_value(std::move(v)) {} // NOLINT(google-explicit-constructor)
    /// A failure.
    result(error_info e) : m_error(std::move(e)) {} // NOLINT(google-explicit-constructor)

    /// True on success.
    [[nodiscard]] bool ok() const noexcept { return m_value.has_value(); }
    /// True on success.
    explicit operator bool() const noexcept { return ok(); }
    /// The value (call only when ok()).
    /// The value; stops the program when there is none (check ok() first).
    [[nodiscard]] T& value() & {
        if (!m_value) detail::bad_result_access(m_error);
        return *m_value;
    }
    [[nodiscard]] const T& value() const& {
        if (!m_value) detail::bad_result_access(m_error);
        return *m_value;
    }
    /// Moves the value out of a temporary result (returned by value, so a range-for over
    /// `f().value()` holds no dangling reference).
    [[nodiscard]] T value() && {
        if (!m_value) detail::bad_result_access(m_error);
        return std::move(*m_value);
    }
    T& operator*() & { return *m_value; }
    const T& operator*() const& { return *m_value; }
    T operator*() && { return std::move(*m_value); }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }
    /// The error (meaningful only when !ok()).
    [[nodiscard]] const client::error_info& error() const noexcept { return m_error; }
    /// The error code (empty on success).
    [[nodiscard]] std::error_code code() const noexcept { return m_error.code; }

private:
    std::optional<T> m_value;
    client::error_info m_error;
};

/// Success or an error.
template <>
class [[nodiscard]] result<void> {
public:
    /// Success.
    result() = default;
    /// A failure.
    result(error_info e) : m_error(std::move(e)) {} // NOLINT(google-explicit-constructor)
    [[nodiscard]] bool ok() const noexcept { return !m_error.code; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const client::error_info& error() const noexcept { return m_error; }
    [[nodiscard]] std::error_code code() const noexcept { return m_error.code; }

private:
    client::error_info m_error;
};

} // namespace respkit::client

template <>
struct std::is_error_code_enum<respkit::client::errc> : std::true_type {};

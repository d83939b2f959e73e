#pragma once

/// \file
/// Reply decoders: turn an owning resp::value into the C++ type a typed helper returns.
/// Each decoder is a type with `using type = ...;` and `static result<type> decode(const value&)`.
/// Error replies become errc::server_error with the server's text; RESP2 and RESP3 shapes
/// (flat arrays or maps, arrays or sets) decode alike.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "respkit/client/result.hpp"
#include "respkit/resp/typed_read.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client::reply {

namespace detail {
[[nodiscard]] inline error_info unexpected(const resp::value& v, const char* wanted) {
    return make_error(errc::unexpected_reply,
                      std::string("expected ") + wanted + ", got " + std::string(resp::type_name(v.type())));
}
[[nodiscard]] inline bool is_string(const resp::value& v) {
    return v.type() == resp::type::bulk_string || v.type() == resp::type::simple_string ||
           v.type() == resp::type::verbatim_string;
}
} // namespace detail

/// The reply as it came (error replies included: they are values).
struct raw {
    using type = resp::value;
    static result<type> decode(const resp::value& v) { return v; }
};

/// `+OK` (or any status): success without a value.
struct ok {
    using type = bool;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        return true;
    }
};

/// A string (status or bulk).
struct string {
    using type = std::string;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (!detail::is_string(v)) return detail::unexpected(v, "a string");
        return std::string(v.text());
    }
};

/// A string or nil.
struct optional_string {
    using type = std::optional<std::string>;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.is_null()) return type{};
        if (!detail::is_string(v)) return detail::unexpected(v, "a string or nil");
        return type{std::string(v.text())};
    }
};

/// An integer.
struct integer {
    using type = std::int64_t;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.type() != resp::type::integer) return detail::unexpected(v, "an integer");
        return v.integer();
    }
};

/// An integer 0/1 (or a RESP3 boolean) as bool.
struct boolean {
    using type = bool;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.type() != resp::type::integer && v.type() != resp::type::boolean) {
            return detail::unexpected(v, "an integer or boolean");
        }
        return v.integer() != 0;
    }
};

/// SET's reply: true when set (`+OK`), false when NX/XX kept it from being set (nil).
struct set_reply {
    using type = bool;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.is_null()) return false;
        return true;
    }
};

/// An array (or set) of strings.
struct strings {
    using type = std::vector<std::string>;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.type() != resp::type::array && v.type() != resp::type::set) return detail::unexpected(v, "an array");
        type out;
        out.reserve(v.size());
        for (const auto& e : v.elements()) {
            if (!detail::is_string(e)) return detail::unexpected(e, "a string element");
            out.emplace_back(e.text());
        }
        return out;
    }
};

/// An array of strings or nils (MGET).
struct optional_strings {
    using type = std::vector<std::optional<std::string>>;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if (v.type() != resp::type::array) return detail::unexpected(v, "an array");
        type out;
        out.reserve(v.size());
        for (const auto& e : v.elements()) {
            if (e.is_null()) {
                out.emplace_back();
            } else if (detail::is_string(e)) {
                out.emplace_back(std::string(e.text()));
            } else {
                return detail::unexpected(e, "a string or nil element");
            }
        }
        return out;
    }
};

/// Field/value pairs: a RESP3 map or a RESP2 flat array (HGETALL).
struct pairs {
    using type = std::vector<std::pair<std::string, std::string>>;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        if ((v.type() != resp::type::array && v.type() != resp::type::map) || v.size() % 2 != 0) {
            return detail::unexpected(v, "a map or an even array");
        }
        type out;
        out.reserve(v.size() / 2);
        for (std::size_t i = 0; i < v.size(); i += 2) {
            if (!detail::is_string(v[i]) || !detail::is_string(v[i + 1])) {
                return detail::unexpected(v[i], "string pairs");
            }
            out.emplace_back(std::string(v[i].text()), std::string(v[i + 1].text()));
        }
        return out;
    }
};

/// Any type resp::read_into reads (docs/typed-values.md): `run<reply::as<std::vector<int>>>(...)`.
/// An error reply is errc::server_error; a reply that does not fit T is errc::unexpected_reply
/// whose message says where and what (`at $[2]: expected a string, found integer 5`).
template <class T>
struct as {
    using type = T;
    static result<type> decode(const resp::value& v) {
        if (v.is_error()) return make_error(errc::server_error, std::string(v.string()));
        type out{};
        if (resp::read_result r = resp::read_into(v, out); !r) return make_error(errc::unexpected_reply, std::move(r.error));
        return out;
    }
};

} // namespace respkit::client::reply

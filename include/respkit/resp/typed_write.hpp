#pragma once

/// \file
/// Writes C++ values as RESP: `resp::write(out, value)` for numbers, bools, strings, optionals,
/// ranges, sets, maps, pairs and tuples nested to any depth, and user types through
/// resp::serializer (the mapping table is in docs/typed-values.md).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "respkit/detail/numbers.hpp"
#include "respkit/resp/serializer.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

template <output_sink Sink, class T>
void write(writer<Sink>& out, const T& v);

namespace typed_detail {

template <class T>
inline constexpr bool unsupported = false;

template <class R>
std::uint64_t range_size(const R& r) {
    if constexpr (requires { std::size(r); }) {
        return static_cast<std::uint64_t>(std::size(r));
    } else { // counted first, written after: a const range is walked twice
        std::uint64_t n = 0;
        for (auto it = std::begin(r), end = std::end(r); it != end; ++it) ++n;
        return n;
    }
}

template <output_sink Sink, class T, std::size_t... I>
void write_tuple(writer<Sink>& out, const T& v, std::index_sequence<I...>) {
    using std::get;
    out.array(sizeof...(I));
    (resp::write(out, get<I>(v)), ...);
}

} // namespace typed_detail

/// Writes `v` as one RESP element: see docs/typed-values.md for the mapping. On a RESP2 writer
/// the RESP3 shapes are downgraded as Redis does (maps become flat arrays, sets arrays, bools
/// :1/:0, doubles bulk strings, null $-1).
template <output_sink Sink, class T>
void write(writer<Sink>& out, const T& v) {
    if constexpr (has_serializer_write<T, writer<Sink>>) {
        serializer<T>::write(out, v);
    } else if constexpr (std::is_same_v<T, std::nullopt_t> || std::is_same_v<T, std::nullptr_t>) {
        out.null();
    } else if constexpr (typed_detail::is_std_optional<T>) {
        if (v.has_value()) resp::write(out, *v);
        else out.null();
    } else if constexpr (std::is_same_v<T, bool>) {
        out.boolean(v);
    } else if constexpr (integer_like<T>) {
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
            if (v > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
                // Past RESP's signed 64-bit integers: a big number (a bulk string in RESP2).
                char buf[24];
                std::size_t n = 0;
                for (T x = v; x != 0; x /= 10) buf[n++] = static_cast<char>('0' + x % 10);
                for (std::size_t i = 0; i < n / 2; ++i) std::swap(buf[i], buf[n - 1 - i]);
                out.big_number(std::string_view(buf, n));
                return;
            }
        }
        out.integer(static_cast<std::int64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
        out.double_number(static_cast<double>(v));
    } else if constexpr (string_like<T>) {
        out.bulk_string(std::string_view(v));
    } else if constexpr (pair_range<T>) {
        out.map(typed_detail::range_size(v));
        for (const auto& [key, mapped] : v) {
            resp::write(out, key);
            resp::write(out, mapped);
        }
    } else if constexpr (set_like<T>) {
        out.set(typed_detail::range_size(v));
        for (const auto& element : v) resp::write(out, element);
    } else if constexpr (typed_detail::range<const T>) {
        out.array(typed_detail::range_size(v));
        for (const auto& element : v) resp::write(out, element);
    } else if constexpr (tuple_like<T>) {
        typed_detail::write_tuple(out, v, std::make_index_sequence<std::tuple_size<T>::value>{});
    } else {
        static_assert(typed_detail::unsupported<T>,
                      "resp::write: no RESP mapping for this type; specialize resp::serializer<T> "
                      "(docs/typed-values.md)");
    }
}

/// `v` as RESP bytes in a new string, in protocol `proto`.
template <class T>
[[nodiscard]] std::string encode(const T& v, protocol proto = protocol::resp3) {
    std::string bytes;
    writer out(bytes, proto);
    resp::write(out, v);
    return bytes;
}

} // namespace respkit::resp

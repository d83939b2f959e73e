#pragma once

/// \file
/// The customization point of typed serialization (resp::serializer<T>) and the concepts that
/// sort C++ types into the RESP shapes they map to (docs/typed-values.md).

#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// How a user type is written as RESP and read back. Specialize it for your type with
///
///     template <> struct respkit::resp::serializer<point> {
///         template <class Sink> static void write(writer<Sink>& out, const point& p);
///         static bool read(reader& in, point& p);
///     };
///
/// write() writes exactly one element (an aggregate header and its elements count as one);
/// read() reads exactly one element and returns false after in.fail(...) or a failed nested
/// read. A specialization takes precedence over the built-in mappings. Either half may be left
/// out: the type is then only written, or only read.
template <class T>
struct serializer {};

namespace typed_detail {

template <class T>
inline constexpr bool is_std_pair = false;
template <class A, class B>
inline constexpr bool is_std_pair<std::pair<A, B>> = true;

template <class T>
inline constexpr bool is_std_optional = false;
template <class T>
inline constexpr bool is_std_optional<std::optional<T>> = true;

// A type a range-for walks (std::begin / std::end, which <string_view> declares), and its
// element type (its value_type; an array's element): <ranges> and <iterator> say the same but
// cost every includer their views and stream iterators (docs/headers.md).
template <class T>
concept range = requires(T& r) {
    std::begin(r);
    std::end(r);
};

template <class T>
struct range_value {};
template <range T>
struct range_value<T> {
    using type = std::remove_cvref_t<decltype(*std::begin(std::declval<T&>()))>;
};
template <range T>
    requires requires { typename std::remove_cvref_t<T>::value_type; }
struct range_value<T> {
    using type = typename std::remove_cvref_t<T>::value_type;
};
template <class T>
using range_value_t = typename range_value<T>::type;

} // namespace typed_detail

/// A C++ type written as a RESP string: anything convertible to std::string_view.
template <class T>
concept string_like = std::convertible_to<const T&, std::string_view>;

/// A C++ integer written as a RESP integer: every integral type except bool and the
/// character types (whose meaning, number or text, is the caller's to say).
template <class T>
concept integer_like =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, wchar_t> &&
    !std::same_as<T, char8_t> && !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

/// A tuple-like type (std::pair, std::tuple, std::array, or a user type that specializes
/// std::tuple_size): written as an array of its elements.
template <class T>
concept tuple_like = requires { std::tuple_size<T>::value; };

/// A range whose elements are std::pair (maps, and vectors of pairs): written as a RESP3 map.
template <class T>
concept pair_range = typed_detail::range<const T> && typed_detail::is_std_pair<typed_detail::range_value_t<T>>;

/// A set (a range with key_type and no mapped_type): written as a RESP3 set.
template <class T>
concept set_like = typed_detail::range<const T> && requires { typename T::key_type; } &&
                   !requires { typename T::mapped_type; };

/// True when serializer<T> has a write half for sinks of type Sink's writer.
template <class T, class Writer>
concept has_serializer_write = requires(Writer& out, const T& v) { serializer<T>::write(out, v); };

} // namespace respkit::resp

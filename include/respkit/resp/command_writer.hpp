#pragma once

/// \file
/// Writes commands (for clients): arguments of string and number types as a multibulk array.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "respkit/detail/numbers.hpp"
#include "respkit/resp/sink.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// A value write_command accepts as one argument: anything convertible to std::string_view,
/// or an integer or floating-point number (written in decimal).
template <class T>
concept command_argument =
    std::convertible_to<const T&, std::string_view> ||
    (std::is_arithmetic_v<std::remove_cvref_t<T>> && !std::same_as<std::remove_cvref_t<T>, bool> &&
     !std::same_as<std::remove_cvref_t<T>, char>);

namespace detail_command {

template <output_sink Sink>
inline void count_header(Sink& sink, char type_byte, std::size_t count) {
    char buf[respkit::detail::max_int64_chars + 3];
    buf[0] = type_byte;
    std::size_t n = 1 + respkit::detail::format_int64(static_cast<std::int64_t>(count), buf + 1);
    buf[n++] = '\r';
    buf[n++] = '\n';
    append_to(sink, buf, n);
}

template <output_sink Sink>
inline void bulk(Sink& sink, std::string_view s) {
    count_header(sink, '$', s.size());
    append_to(sink, s);
    append_to(sink, "\r\n", 2);
}

template <output_sink Sink, command_argument T>
inline void argument(Sink& sink, const T& arg) {
    if constexpr (std::convertible_to<const T&, std::string_view>) {
        bulk(sink, std::string_view(arg));
    } else if constexpr (std::is_floating_point_v<T>) {
        char buf[respkit::detail::max_double_chars];
        bulk(sink, std::string_view(buf, respkit::detail::format_double(static_cast<double>(arg), buf)));
    } else if constexpr (std::is_signed_v<T>) {
        char buf[respkit::detail::max_int64_chars];
        bulk(sink, std::string_view(buf, respkit::detail::format_int64(static_cast<std::int64_t>(arg), buf)));
    } else {
        char buf[24];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(arg));
        (void)ec;
        bulk(sink, std::string_view(buf, static_cast<std::size_t>(end - buf)));
    }
}

} // namespace detail_command

/// Appends one command, e.g. `write_command(out, "SET", key, 42)` -> `*3 $3 SET $.. key $2 42`.
template <output_sink Sink, command_argument... Args>
void write_command(Sink& sink, const Args&... args) {
    detail_command::count_header(sink, '*', sizeof...(Args));
    (detail_command::argument(sink, args), ...);
}

/// Appends one command whose arguments are the elements of `args` (e.g. a vector of strings).
template <output_sink Sink, class Range>
    requires requires(const Range& r) {
        std::size(r);
        std::end(r);
    } && command_argument<std::remove_cvref_t<decltype(*std::begin(std::declval<const Range&>()))>>
void write_command_range(Sink& sink, const Range& args) {
    detail_command::count_header(sink, '*', static_cast<std::size_t>(std::size(args)));
    for (const auto& arg : args) detail_command::argument(sink, arg);
}

} // namespace respkit::resp

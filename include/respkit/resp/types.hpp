#pragma once

/// \file
/// The RESP data types, the node the parser emits, and the parser's result.

#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Every kind of element on the wire. The RESP2 nulls (`$-1`, `*-1`) keep their own kinds so
/// that a parsed message can be written back byte for byte.
enum class type : std::uint8_t {
    simple_string,        ///< `+OK`
    simple_error,         ///< `-ERR message`
    integer,              ///< `:42`
    bulk_string,          ///< `$5 hello`
    null_bulk_string,     ///< `$-1` (RESP2 null)
    array,                ///< `*N`
    null_array,           ///< `*-1` (RESP2 null)
    null,                 ///< `_` (RESP3 null)
    boolean,              ///< `#t` / `#f`
    double_number,        ///< `,3.14`, `,inf`, `,-inf`, `,nan`, `,-nan`
    big_number,           ///< `(3492890328409238509324850943850943825024385`
    bulk_error,           ///< `!21 SYNTAX invalid syntax`
    verbatim_string,      ///< `=15 txt:Some string` (value includes the `txt:` prefix)
    map,                  ///< `%N`: N key/value pairs
    set,                  ///< `~N`
    attribute,            ///< `|N`: N key/value pairs describing the element that follows
    push,                 ///< `>N`: out-of-band data
    streamed_string,      ///< `$?`: a string sent as chunks, see streamed_string_part
    streamed_string_part, ///< `;N data`: one chunk; the empty chunk `;0` ends the string
    stream_end,           ///< `.`: ends a streamed aggregate (`*?`, `%?`, `~?`)
};

/// The protocol a connection speaks: RESP2 by default, RESP3 after `HELLO 3`.
enum class protocol : std::uint8_t {
    resp2 = 2, ///< RESP2: RESP3-only types are downgraded as Redis does
    resp3 = 3, ///< RESP3: every type written as itself
};

/// Size of an aggregate whose element count is not known in advance (streamed aggregates).
inline constexpr std::uint64_t unknown_size = ~std::uint64_t{0};

/// True for the types whose node is followed by child nodes.
[[nodiscard]] constexpr bool is_aggregate(type t) noexcept {
    return t == type::array || t == type::map || t == type::set || t == type::attribute ||
           t == type::push || t == type::streamed_string;
}

/// True for map and attribute, whose size counts pairs (two child elements each).
[[nodiscard]] constexpr bool has_pairs(type t) noexcept {
    return t == type::map || t == type::attribute;
}

/// True for the types RESP2 has (the RESP2 nulls included).
[[nodiscard]] constexpr bool is_resp2_type(type t) noexcept {
    return t == type::simple_string || t == type::simple_error || t == type::integer || t == type::bulk_string ||
           t == type::null_bulk_string || t == type::array || t == type::null_array;
}

/// True for the three nulls (`_`, `$-1`, `*-1`).
[[nodiscard]] constexpr bool is_null(type t) noexcept {
    return t == type::null || t == type::null_bulk_string || t == type::null_array;
}

/// The byte that introduces an element of this type on the wire.
[[nodiscard]] constexpr char marker(type t) noexcept {
    switch (t) {
    case type::simple_string: return '+';
    case type::simple_error: return '-';
    case type::integer: return ':';
    case type::bulk_string:
    case type::null_bulk_string:
    case type::streamed_string: return '$';
    case type::array:
    case type::null_array: return '*';
    case type::null: return '_';
    case type::boolean: return '#';
    case type::double_number: return ',';
    case type::big_number: return '(';
    case type::bulk_error: return '!';
    case type::verbatim_string: return '=';
    case type::map: return '%';
    case type::set: return '~';
    case type::attribute: return '|';
    case type::push: return '>';
    case type::streamed_string_part: return ';';
    case type::stream_end: return '.';
    }
    return '?';
}

/// A readable name of the type ("bulk_string", "map", ...), for messages and printing.
[[nodiscard]] constexpr std::string_view type_name(type t) noexcept {
    switch (t) {
    case type::simple_string: return "simple_string";
    case type::simple_error: return "simple_error";
    case type::integer: return "integer";
    case type::bulk_string: return "bulk_string";
    case type::null_bulk_string: return "null_bulk_string";
    case type::array: return "array";
    case type::null_array: return "null_array";
    case type::null: return "null";
    case type::boolean: return "boolean";
    case type::double_number: return "double_number";
    case type::big_number: return "big_number";
    case type::bulk_error: return "bulk_error";
    case type::verbatim_string: return "verbatim_string";
    case type::map: return "map";
    case type::set: return "set";
    case type::attribute: return "attribute";
    case type::push: return "push";
    case type::streamed_string: return "streamed_string";
    case type::streamed_string_part: return "streamed_string_part";
    case type::stream_end: return "stream_end";
    }
    return "unknown";
}

/// One element as the parser sees it, emitted in pre-order (an aggregate before its children).
///
/// `value` is a view into the buffer given to the parser's `parse` call that emitted the node;
/// it stays valid while those bytes stay where they are, and no longer.
struct node {
    resp::type type{};        ///< what the element is
    std::uint32_t depth = 0;  ///< 0 for a top-level element, parent's depth + 1 for children
    std::uint64_t size = 0;   ///< aggregates: count as on the wire (pairs for map/attribute)
                              ///< or unknown_size when streamed; 0 for scalars
    std::string_view value{}; ///< scalars: the payload, without type byte, length or CRLF;
                              ///< booleans: "t" or "f"; aggregates and nulls: empty

    /// Child elements that follow: size, or twice size for maps and attributes.
    [[nodiscard]] constexpr std::uint64_t child_count() const noexcept {
        if (size == unknown_size) return unknown_size;
        return has_pairs(type) ? size * 2 : size;
    }

    friend constexpr bool operator==(const node&, const node&) = default;
};

/// What a parse call achieved.
enum class parse_status : std::uint8_t {
    complete,  ///< one whole top-level message was parsed; drop `consumed` bytes
    need_more, ///< the input ends inside a message: call again with the same bytes plus more
    error,     ///< the input is not valid; the parser stays failed until reset
};

/// The result of a parse call. On error, `consumed` is the offset of the offending byte
/// from the start of the input of that call.
struct parse_result {
    parse_status status = parse_status::need_more; ///< complete, need_more or error
    std::size_t consumed = 0;                      ///< bytes to drop from the input's front

    friend constexpr bool operator==(const parse_result&, const parse_result&) = default;
};

} // namespace respkit::resp

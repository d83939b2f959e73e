#pragma once

/// \file
/// The incremental, iterative, zero-copy RESP2/RESP3 parser.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#include "respkit/detail/numbers.hpp"
#include "respkit/detail/pod_stack.hpp"
#include "respkit/error.hpp"
#include "respkit/resp/limits.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {
// The RESP type bytes as two 64-bit masks (bytes 0-63, 64-127): one shift per test, where a
// switch compiled to a chain of compares on every element.
constexpr std::uint64_t marker_mask(unsigned from) noexcept {
    std::uint64_t mask = 0;
    for (const char c : std::string_view("+-:$*_#,(!=%~|>;.")) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= from && u < from + 64) mask |= std::uint64_t{1} << (u - from);
    }
    return mask;
}
} // namespace respkit::detail

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// True for every byte that may start a RESP element.
[[nodiscard]] constexpr bool is_marker(char c) noexcept {
    constexpr std::uint64_t low = respkit::detail::marker_mask(0), high = respkit::detail::marker_mask(64);
    const auto u = static_cast<unsigned char>(c);
    return u < 64 ? (low >> u & 1u) != 0 : u < 128 && (high >> (u - 64) & 1u) != 0;
}

/// What the parser calls for each element: any callable taking `const node&`.
template <class Visitor>
concept node_visitor = requires(Visitor& v, const node& n) { v(n); };

/// A visitor that also takes an integer's number: the parser then calls `v(node, number)` for
/// integers (with the number it has already read from the digits) instead of `v(node)`.
template <class Visitor>
concept integer_visitor = node_visitor<Visitor> && requires(Visitor& v, const node& n, std::int64_t i) { v(n, i); };

/// Parses RESP2 and RESP3 messages, one top-level message per `parse` call.
///
/// - Zero-copy: each node's `value` views the `input` of the `parse` call that emitted it.
/// - Incremental: when a message is cut short, `parse` returns need_more and remembers where it
///   stopped; call it again with the same unconsumed bytes followed by more. Nodes already
///   emitted are not emitted again, and no byte is scanned twice (apart from a bulk header).
/// - Iterative: nesting is tracked on an explicit stack bounded by limits::max_depth.
/// - Strict: anything that is not canonical RESP is an error, and the parser stays failed
///   until reset().
///
/// An attribute (`|`) is emitted as an aggregate node followed by its pairs, then by the
/// element it describes; it does not count as an element of its own.
class parser {
public:
    /// A parser with default limits.
    parser() = default;
    /// A parser with the given limits.
    explicit parser(const resp::limits& lim) : m_limits(lim) {}

    /// Parses at most one top-level message from `input`, calling `visit(node)` for each
    /// element. `input` must start at the first byte not yet consumed, and hold, unchanged,
    /// every byte passed before that was not consumed. Views in emitted nodes point into
    /// `input` and are valid while those bytes are.
    template <node_visitor Visitor>
    [[nodiscard]] parse_result parse(std::string_view input, Visitor&& visit);

    /// Parses a message and discards its nodes (useful to find message boundaries).
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    [[nodiscard]] parse_result skip(std::string_view input) {
        return parse(input, [](const node&) {});
    }

    /// Forgets any partial message and any error.
    void reset() noexcept {
        m_depth = 0;
        m_pos = 0;
        m_scan = 0;
        m_error = {};
        m_error_offset = 0;
    }

    /// The error that stopped the parser, or an empty code.
    [[nodiscard]] std::error_code error() const noexcept { return m_error; }
    /// Offset of the offending byte from the start of the message being parsed.
    [[nodiscard]] std::size_t error_offset() const noexcept { return m_error_offset; }
    /// True while a message has been started but not completed.
    [[nodiscard]] bool in_message() const noexcept { return m_pos != 0; }
    /// The limits in force.
    [[nodiscard]] const resp::limits& limits() const noexcept { return m_limits; }

private:
    struct frame {
        resp::type type;          // aggregate (or streamed string) being filled
        std::uint64_t remaining;  // child elements still expected, or unknown_size
        bool odd = false;         // streamed maps: an odd number of elements so far
    };

    parse_result fail(errc code, std::size_t offset) noexcept {
        m_error = code;
        m_error_offset = offset;
        return {parse_status::error, offset};
    }

    [[nodiscard]] std::uint32_t depth() const noexcept {
        return static_cast<std::uint32_t>(m_depth);
    }

    resp::limits m_limits{};
    // The open aggregates, outermost first: m_stack[0, m_depth) (grown, never shrunk, so that
    // opening one is a store and not a call).
    detail::pod_stack<frame> m_stack;
    std::size_t m_depth = 0;
    std::size_t m_pos = 0;  // where the next element starts, relative to the message start
    std::size_t m_scan = 0; // where the search for the current line's LF resumes
    std::error_code m_error{};
    std::size_t m_error_offset = 0;
};

template <node_visitor Visitor>
parse_result parser::parse(std::string_view input, Visitor&& visit) {
    if (m_error) return {parse_status::error, m_error_offset};
    const char* const data = input.data();
    const std::size_t size = input.size();

    for (;;) {
        // --- one element: find its line ---
        const std::size_t start = m_pos;
        if (start >= size) return {parse_status::need_more, 0};
        const char marker_byte = data[start];
        if (!is_marker(marker_byte)) return fail(errc::invalid_type_byte, start);

        // Fast path for the most common lines, `$len`, `*count` and `:int` with a positive
        // number of up to 18 digits, or -1 (`$-1`, `*-1`): read the digits and find the line
        // end in one pass.
        std::size_t lf = 0;
        bool have_number = false;
        std::uint64_t number = 0;
        if ((marker_byte == '$' || marker_byte == '*' || marker_byte == ':') && size - start > 3) {
            std::size_t i = start + 1;
            const char first = data[i];
            if (first >= '1' && first <= '9') {
                const std::size_t end = size - start > 19 ? start + 19 : size; // 18 digits at most
                number = static_cast<std::uint64_t>(first - '0');
                for (++i; i < end && data[i] >= '0' && data[i] <= '9'; ++i) {
                    number = number * 10 + static_cast<std::uint64_t>(data[i] - '0');
                }
            } else if (first == '0') {
                ++i;
            } else if (first == '-' && data[i + 1] == '1') {
                i += 2;
                number = ~std::uint64_t{0}; // -1 once converted to a signed length or integer
            }
            if (i > start + 1 && i + 1 < size && data[i] == '\r' && data[i + 1] == '\n') {
                lf = i + 1;
                have_number = true;
            }
        }
        if (!have_number) {
            std::size_t from = m_scan > start ? m_scan : start + 1;
            const void* found = from < size ? std::memchr(data + from, '\n', size - from) : nullptr;
            if (found == nullptr) {
                if (size - start > m_limits.max_line_length + 3) {
                    return fail(errc::line_too_long, start);
                }
                m_scan = size;
                return {parse_status::need_more, 0};
            }
            lf = static_cast<std::size_t>(static_cast<const char*>(found) - data);
            if (lf - start > m_limits.max_line_length + 2) return fail(errc::line_too_long, start);
            if (data[lf - 1] != '\r' || lf - 1 == start) return fail(errc::expected_crlf, lf);
        }
        const std::string_view line(data + start + 1, lf - 1 - (start + 1));
        const std::size_t next = lf + 1; // first byte after the line
        std::uint32_t level = depth();

        // A stream continuation only makes sense inside its stream.
        if (m_depth != 0 && m_stack[m_depth - 1].type == type::streamed_string && marker_byte != ';') {
            return fail(errc::invalid_stream, start);
        }

        node n{};
        n.depth = level;
        std::int64_t integer = 0; // an integer's number
        bool opens = false;      // the element is an aggregate that now expects children
        std::size_t after = next; // where the element ends (if it does not open)

        switch (marker_byte) {
        case '+': n.type = type::simple_string; n.value = line; break;
        case '-': n.type = type::simple_error; n.value = line; break;
        case ':': {
            integer = static_cast<std::int64_t>(number);
            if (!have_number && !detail::parse_int64(line, integer)) return fail(errc::invalid_integer, start + 1);
            n.type = type::integer;
            n.value = line;
            break;
        }
        case '_':
            if (!line.empty()) return fail(errc::invalid_null, start + 1);
            n.type = type::null;
            break;
        case '#':
            if (line != "t" && line != "f") return fail(errc::invalid_boolean, start + 1);
            n.type = type::boolean;
            n.value = line;
            break;
        case ',': {
            double d = 0;
            if (!detail::parse_double(line, d)) return fail(errc::invalid_double, start + 1);
            n.type = type::double_number;
            n.value = line;
            break;
        }
        case '(':
            if (!detail::is_big_number(line)) return fail(errc::invalid_big_number, start + 1);
            n.type = type::big_number;
            n.value = line;
            break;
        case '$':
        case '!':
        case '=':
        case ';': {
            if (marker_byte == ';') {
                if (m_depth == 0 || m_stack[m_depth - 1].type != type::streamed_string) {
                    return fail(errc::invalid_stream, start);
                }
                n.type = type::streamed_string_part;
                n.depth = level; // parts are children of the streamed string
            } else if (marker_byte == '$' && line.size() == 1 && line[0] == '?') {
                n.type = type::streamed_string;
                n.size = unknown_size;
                opens = true;
                break;
            } else {
                n.type = marker_byte == '$'   ? type::bulk_string
                         : marker_byte == '!' ? type::bulk_error
                                              : type::verbatim_string;
            }
            std::int64_t len = static_cast<std::int64_t>(number);
            if (!have_number && !detail::parse_int64(line, len)) return fail(errc::invalid_length, start + 1);
            if (len == 0 && n.type == type::streamed_string_part) break; // `;0` has no payload
            if (len < 0) {
                if (len == -1 && marker_byte == '$') {
                    n.type = type::null_bulk_string;
                    break;
                }
                return fail(errc::invalid_length, start + 1);
            }
            const auto ulen = static_cast<std::uint64_t>(len);
            if (ulen > m_limits.max_bulk_length) return fail(errc::bulk_too_long, start + 1);
            if (size - next < ulen + 2) {
                m_scan = lf; // the header is complete; only the payload is missing
                return {parse_status::need_more, 0};
            }
            const std::size_t payload_end = next + static_cast<std::size_t>(ulen);
            if (data[payload_end] != '\r' || data[payload_end + 1] != '\n') {
                return fail(errc::expected_crlf, payload_end);
            }
            n.value = std::string_view(data + next, static_cast<std::size_t>(ulen));
            if (n.type == type::verbatim_string && (ulen < 4 || n.value[3] != ':')) {
                return fail(errc::invalid_verbatim, next);
            }
            after = payload_end + 2;
            break;
        }
        case '*':
        case '%':
        case '~':
        case '|':
        case '>': {
            n.type = marker_byte == '*'   ? type::array
                     : marker_byte == '%' ? type::map
                     : marker_byte == '~' ? type::set
                     : marker_byte == '|' ? type::attribute
                                          : type::push;
            if (line.size() == 1 && line[0] == '?' &&
                (marker_byte == '*' || marker_byte == '%' || marker_byte == '~')) {
                n.size = unknown_size;
            } else {
                std::int64_t count = static_cast<std::int64_t>(number);
                if (!have_number && !detail::parse_int64(line, count)) return fail(errc::invalid_length, start + 1);
                if (count < 0) {
                    if (count == -1 && marker_byte == '*') {
                        n.type = type::null_array;
                        break;
                    }
                    return fail(errc::invalid_length, start + 1);
                }
                const auto ucount = static_cast<std::uint64_t>(count);
                const std::uint64_t elements = has_pairs(n.type) ? ucount * 2 : ucount;
                if (ucount > m_limits.max_aggregate_size ||
                    elements > m_limits.max_aggregate_size) {
                    return fail(errc::aggregate_too_large, start + 1);
                }
                n.size = ucount;
                if (ucount == 0) break; // an empty aggregate is complete at once
            }
            if (level + 1 > m_limits.max_depth) return fail(errc::nesting_too_deep, start);
            opens = true;
            break;
        }
        case '.':
            // Only a streamed aggregate ends with `.`, and a map only after a whole pair.
            if (!line.empty() || m_depth == 0 || m_stack[m_depth - 1].remaining != unknown_size ||
                m_stack[m_depth - 1].type == type::streamed_string || m_stack[m_depth - 1].odd) {
                return fail(errc::invalid_stream, start);
            }
            n.type = type::stream_end;
            break;
        default:
            return fail(errc::invalid_type_byte, start);
        }

        if constexpr (integer_visitor<Visitor>) {
            if (n.type == type::integer) visit(static_cast<const node&>(n), integer);
            else visit(static_cast<const node&>(n));
        } else {
            visit(static_cast<const node&>(n));
        }
        m_pos = after;
        m_scan = after;

        if (opens) {
            if (m_depth == m_stack.size()) m_stack.resize(m_depth < 8 ? 8 : m_depth * 2);
            m_stack[m_depth++] = frame{n.type, n.child_count(), false};
            continue;
        }

        // --- the element is complete: close every aggregate it completes ---
        if (n.type == type::attribute) continue; // an empty attribute `|0` describes the next
        if (n.type == type::streamed_string_part) {
            if (!n.value.empty()) continue; // more chunks follow
            --m_depth;                      // `;0` ends the streamed string
        } else if (n.type == type::stream_end) {
            --m_depth;
        }
        bool completes_message = true;
        while (m_depth != 0) {
            frame& top = m_stack[m_depth - 1];
            if (top.remaining == unknown_size) {
                top.odd = !top.odd && top.type == type::map;
                completes_message = false;
                break;
            }
            if (--top.remaining != 0) {
                completes_message = false;
                break;
            }
            const bool was_attribute = top.type == type::attribute;
            --m_depth;
            if (was_attribute) {
                // An attribute describes the next element; it is not an element itself.
                completes_message = false;
                break;
            }
        }
        if (completes_message && m_depth == 0) {
            const std::size_t consumed = m_pos;
            m_pos = 0;
            m_scan = 0;
            return {parse_status::complete, consumed};
        }
    }
}

} // namespace respkit::resp

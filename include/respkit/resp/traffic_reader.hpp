#pragma once

/// \file
/// Reads captured Redis traffic (requests or replies, RESP2 or RESP3, inline commands too)
/// message by message, e.g. to decode a capture or an append-only file.

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "respkit/error.hpp"
#include "respkit/resp/limits.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// One top-level message read by traffic_reader.
struct traffic_message {
    resp::value value;       ///< the message; an inline command becomes an array of bulk strings
    bool is_inline = false;  ///< true for an inline command line
    std::string inline_error; ///< for an inline line Redis would reject (unbalanced quotes, too
                              ///< big) or never see the end of (a NUL byte before its LF): why;
                              ///< value then holds the raw line as a bulk string
};

/// Splits a byte stream into top-level messages. A message starting with a RESP type byte is
/// parsed as RESP (any type, any depth); anything else is an inline command line, split as
/// Redis splits it. Blank inline lines are skipped, as Redis skips them; a line Redis would
/// reject or wait on is reported (with inline_error), and reading goes on after it.
class traffic_reader {
public:
    /// A reader with default limits.
    traffic_reader() = default;
    /// A reader with the given limits.
    explicit traffic_reader(const resp::limits& lim) : m_parser(lim), m_requests(lim), m_limits(lim) {}

    /// Reads the next message from `input` (the unconsumed bytes, as for parser::parse).
    /// complete: `out` holds it; drop `consumed` bytes. need_more: drop `consumed` bytes (skipped
    /// empty lines) and call again with more. error: error() says what; the offset is
    /// `consumed` (relative to `input`), and the reader stays failed until reset().
    template <class Value = value> // instantiated only where used (docs/headers.md, rule 5)
    [[nodiscard]] parse_result next(std::string_view input, traffic_message& out) {
        const parse_result r = read(input, m_builder, [&](std::string_view line, const parse_result& inline_result) {
            out.is_inline = true;
            if (inline_result.status != parse_status::complete) {
                out.inline_error = inline_error(inline_result);
                std::string_view raw = line.substr(0, line.size() - 1);
                if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
                out.value = value::bulk_string(raw);
            } else {
                out.inline_error.clear();
                std::vector<Value> args; // of a dependent type: std::vector's constexpr members would
                                         // be instantiated in every file otherwise
                for (const std::string_view arg : m_requests.args()) args.push_back(Value::bulk_string(arg));
                out.value = Value::array(args);
            }
        });
        if (r.status == parse_status::complete && !m_inline) {
            out.value = m_builder.take();
            out.is_inline = false;
            out.inline_error.clear();
        }
        return r;
    }

    /// Reads the next message as next() does, without building it: RESP messages are only
    /// parsed (zero-copy), inline lines only split. `inline_error` is set as next() sets
    /// traffic_message::inline_error (empty for RESP messages and valid inline lines).
    template <class = void>
    [[nodiscard]] parse_result skip(std::string_view input, std::string& inline_error_out) {
        const parse_result r = read(input, ignore_nodes{}, [&](std::string_view, const parse_result& inline_result) {
            if (inline_result.status != parse_status::complete) inline_error_out = inline_error(inline_result);
            else inline_error_out.clear();
        });
        if (r.status == parse_status::complete && !m_inline) inline_error_out.clear();
        return r;
    }

    /// Forgets any partial message and any error.
    void reset() {
        m_parser.reset();
        m_builder.reset();
        m_error = {};
        m_error_offset = 0;
    }

    /// The error that stopped the reader (it stays stopped until reset).
    [[nodiscard]] std::error_code error() const noexcept { return m_error; }
    /// True while a RESP message has been started but not completed.
    [[nodiscard]] bool in_message() const noexcept { return m_parser.in_message(); }

private:
    struct ignore_nodes {
        void operator()(const node&) const noexcept {}
    };

    // One message: RESP nodes go to `visit`; an inline line (after request_parser split it) to
    // `on_inline(line, result)`. Sets m_inline.
    template <typename Visitor, typename OnInline>
    parse_result read(std::string_view input, Visitor&& visit, OnInline&& on_inline) {
        if (m_error) return {parse_status::error, m_error_offset};
        std::size_t skipped = 0;
        for (;;) {
            const std::string_view rest = input.substr(skipped);
            if (rest.empty()) return {parse_status::need_more, skipped};
            if (m_parser.in_message() || is_marker(rest[0])) {
                const parse_result r = m_parser.parse(rest, visit);
                if (r.status == parse_status::complete) {
                    m_inline = false;
                    return {parse_status::complete, skipped + r.consumed};
                }
                if (r.status == parse_status::error) return fail(m_parser.error(), skipped + r.consumed);
                return {parse_status::need_more, skipped};
            }
            // An inline line.
            const void* lf = std::memchr(rest.data(), '\n', rest.size());
            if (lf == nullptr) {
                if (rest.size() > m_limits.max_inline_length) return fail(errc::inline_too_big, skipped);
                return {parse_status::need_more, skipped};
            }
            const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data()) + 1;
            const std::string_view line = rest.substr(0, length);
            m_requests.reset();
            const parse_result r = m_requests.parse(line);
            if (r.status == parse_status::need_more && r.consumed == length) { // blank: Redis skips it
                skipped += length;
                continue;
            }
            m_inline = true;
            on_inline(line, r);
            return {parse_status::complete, skipped + length};
        }
    }

    // Unbalanced quotes; or a NUL before the LF, which hides the line's end from Redis.
    std::string inline_error(const parse_result& r) const {
        return r.status == parse_status::error ? m_requests.error_message()
                                               : std::string("NUL byte before the end of the line (Redis would wait for more)");
    }

    parse_result fail(std::error_code code, std::size_t offset) {
        m_error = code;
        m_error_offset = offset;
        return {parse_status::error, offset};
    }

    parser m_parser;
    value_builder m_builder;
    request_parser m_requests;
    resp::limits m_limits{};
    std::error_code m_error{};
    std::size_t m_error_offset = 0;
    bool m_inline = false; // the last message read was an inline line
};

} // namespace respkit::resp

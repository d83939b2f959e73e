#pragma once

/// \file
/// Builds owning values from parser nodes, and parses whole values in one call.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

template <class = void>
class basic_value_builder;

/// A node visitor that builds one owning value per top-level message: pass it to
/// parser::parse, and take() the value once parse returns complete. It copies every payload
/// once, so the input buffer may change between parse calls. Builds without recursion.
/// (A class template instantiated only where used: docs/headers.md, rule 5.)
using value_builder = basic_value_builder<>;

template <class>
class basic_value_builder {
public:
    /// Adds one node (called by the parser).
    RESPKIT_ALWAYS_INLINE void operator()(const node& n) {
        switch (n.type) {
        case type::integer: m_assembler.number(type::integer, integer(n.value)); return;
        case type::boolean: m_assembler.number(type::boolean, n.value == "t" ? 1 : 0); return;
        case type::null:
        case type::null_bulk_string:
        case type::null_array: m_assembler.empty(n.type); return;
        case type::streamed_string: m_assembler.open_string(); return;
        case type::streamed_string_part:
            if (n.value.empty()) m_assembler.close(); // `;0`: the streamed string is complete
            else m_assembler.string_part(n.value);
            return;
        case type::stream_end: m_assembler.close(); return;
        case type::array:
        case type::map:
        case type::set:
        case type::push:
        case type::attribute: m_assembler.open(n.type, n.child_count()); return;
        default: m_assembler.bytes(n.type, n.value); return;
        }
    }

    /// Adds an integer whose number the parser has read (called by the parser).
    RESPKIT_ALWAYS_INLINE void operator()(const node&, std::int64_t number) { m_assembler.number(type::integer, number); }

    /// True once a whole top-level value has been built.
    [[nodiscard]] bool done() const noexcept { return m_assembler.done(); }
    /// Takes the value built (call when done()), and gets ready for the next message.
    [[nodiscard]] value take() { return m_assembler.take(); }
    /// Drops any partial value.
    void reset() noexcept { m_assembler.reset(); }

private:
    // The parser validated the digits: up to 18 need no overflow check.
    static std::int64_t integer(std::string_view digits) noexcept {
        const bool negative = !digits.empty() && (digits[0] == '-' || digits[0] == '+');
        const std::size_t first = negative ? 1 : 0;
        if (digits.size() - first > 18) {
            std::int64_t number = 0;
            (void)respkit::detail::parse_int64(digits, number);
            return number;
        }
        std::int64_t number = 0;
        for (std::size_t i = first; i < digits.size(); ++i) number = number * 10 + (digits[i] - '0');
        return negative && digits[0] == '-' ? -number : number;
    }

    respkit::detail::basic_value_assembler<> m_assembler;
};

/// The outcome of parse_value.
struct parsed_value {
    resp::value value;        ///< the value (meaningful when status is complete)
    parse_result result;      ///< complete (with bytes consumed), need_more or error
    std::error_code error;    ///< the parser's error when result.status is error
};

/// Parses one whole value from the front of `input` (convenience for tests and tools).
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] parsed_value parse_value(std::string_view input, const limits& lim = {}) {
    parser p(lim);
    value_builder builder;
    parsed_value out;
    out.result = p.parse(input, builder);
    out.error = p.error();
    if (out.result.status == parse_status::complete) out.value = builder.take();
    return out;
}

} // namespace respkit::resp

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

/// A node visitor that builds one owning value per top-level message: pass it to
/// parser::parse, and take() the value once parse returns complete. It copies every payload,
/// so the input buffer may change between parse calls. Builds without recursion.
class value_builder {
public:
    value_builder() { reset(); }

    /// Adds one node (called by the parser).
    void operator()(const node& n) {
        frame& parent = m_stack.back();
        if (n.type == type::streamed_string_part) {
            if (!n.value.empty()) {
                parent.target->m_string.append(n.value);
                return;
            }
            m_stack.pop_back(); // `;0`: the streamed string is complete
            element_done();
            return;
        }
        if (n.type == type::stream_end) {
            m_stack.pop_back();
            element_done();
            return;
        }
        value& v = parent.target->m_elements.emplace_back();
        v.m_type = n.type;
        if (n.type != type::attribute && !parent.pending_attributes.empty()) {
            v.m_attributes = std::move(parent.pending_attributes);
            parent.pending_attributes.clear();
        }
        switch (n.type) {
        case type::integer: {
            std::int64_t number = 0;
            (void)detail::parse_int64(n.value, number); // the parser validated it
            v.m_integer = number;
            break;
        }
        case type::boolean: v.m_integer = n.value == "t" ? 1 : 0; break;
        case type::streamed_string:
            v.m_type = type::bulk_string;
            m_stack.push_back(frame{&v, unknown_size, {}});
            return;
        default:
            if (!is_aggregate(n.type)) v.m_string.assign(n.value);
            break;
        }
        if (is_aggregate(n.type) && n.size != 0) {
            // A small reservation saves regrowth; a count from the wire never sizes it alone.
            v.m_elements.reserve(static_cast<std::size_t>(n.child_count() < 16 ? n.child_count() : 16));
            m_stack.push_back(frame{&v, n.child_count(), {}});
            return;
        }
        if (n.type == type::attribute) { // `|0`: nothing to attach
            parent.target->m_elements.pop_back();
            return;
        }
        element_done();
    }

    /// True once a whole top-level value has been built.
    [[nodiscard]] bool done() const noexcept { return m_done; }
    /// Takes the value built (call when done()), and gets ready for the next message.
    [[nodiscard]] value take() {
        value v = m_root.m_elements.empty() ? value() : std::move(m_root.m_elements.front());
        m_root.m_elements.clear(); // keeps its memory for the next message
        m_stack.resize(1);
        m_stack.front().remaining = 1;
        m_stack.front().pending_attributes.clear();
        m_done = false;
        return v;
    }
    /// Drops any partial value.
    void reset() {
        m_root = value::array({});
        m_stack.clear();
        m_stack.push_back(frame{&m_root, 1, {}});
        m_done = false;
    }

private:
    struct frame {
        value* target;                  // the aggregate receiving elements
        std::uint64_t remaining;        // elements still expected, or unknown_size
        std::vector<value> pending_attributes; // pairs to attach to the next element
    };

    // The last element of the top frame is complete: close every aggregate it completes.
    void element_done() {
        for (;;) {
            frame& top = m_stack.back();
            if (top.remaining == unknown_size) return;
            if (--top.remaining != 0) return;
            if (m_stack.size() == 1) {
                m_done = true;
                return;
            }
            const bool attribute = top.target->m_type == type::attribute;
            m_stack.pop_back();
            if (attribute) {
                // Keep the pairs for the next element of the parent; the attribute is no element.
                frame& parent = m_stack.back();
                value finished = std::move(parent.target->m_elements.back());
                parent.target->m_elements.pop_back();
                parent.pending_attributes = std::move(finished.m_elements);
                return;
            }
        }
    }

    value m_root;
    std::vector<frame> m_stack;
    bool m_done = false;
};

/// The outcome of parse_value.
struct parsed_value {
    resp::value value;        ///< the value (meaningful when status is complete)
    parse_result result;      ///< complete (with bytes consumed), need_more or error
    std::error_code error;    ///< the parser's error when result.status is error
};

/// Parses one whole value from the front of `input` (convenience for tests and tools).
[[nodiscard]] inline parsed_value parse_value(std::string_view input, const limits& lim = {}) {
    parser p(lim);
    value_builder builder;
    parsed_value out;
    out.result = p.parse(input, builder);
    out.error = p.error();
    if (out.result.status == parse_status::complete) out.value = builder.take();
    return out;
}

} // namespace respkit::resp

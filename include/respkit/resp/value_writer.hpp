#pragma once

/// \file
/// Writes an owning value with a writer, without recursion.

#include <cstddef>
#include <string>
#include <vector>

#include "respkit/resp/serializer.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/writer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Writes `v` (and its attributes, on a RESP3 writer) as RESP; a RESP2 writer downgrades
/// RESP3 types as Redis does and leaves attributes out.
template <output_sink Sink>
void write_value(writer<Sink>& out, const value& v) {
    struct item {
        const value* v;
        bool attributes_written;
    };
    std::vector<item> work{{&v, false}}; // values still to write, next one last
    while (!work.empty()) {
        const auto [x, attributes_written] = work.back();
        work.pop_back();
        if (!attributes_written && !x->attributes().empty() && out.resp3()) {
            // The attribute header and pairs, then x itself.
            const auto attributes = x->attributes();
            out.attribute(attributes.size() / 2);
            work.push_back({x, true});
            for (std::size_t i = attributes.size(); i-- > 0;) work.push_back({&attributes[i], false});
            continue;
        }
        switch (x->type()) {
        case type::simple_string: out.simple_string(x->string()); break;
        case type::simple_error: out.simple_error(x->string()); break;
        case type::integer: out.integer(x->integer()); break;
        case type::bulk_string: out.bulk_string(x->string()); break;
        case type::null_bulk_string: out.null_bulk_string(); break;
        case type::null_array: out.null_array_raw(); break;
        case type::null: out.null(); break;
        case type::boolean: out.boolean(x->boolean()); break;
        case type::double_number: out.double_text(x->string()); break;
        case type::big_number: out.big_number(x->string()); break;
        case type::bulk_error: out.bulk_error(x->string()); break;
        case type::verbatim_string: out.verbatim_payload(x->string()); break;
        case type::array: out.array(x->size()); break;
        case type::map: out.map(x->size() / 2); break;
        case type::set: out.set(x->size()); break;
        case type::push: out.push(x->size()); break;
        case type::attribute: out.attribute(x->size() / 2); break;
        case type::streamed_string:
        case type::streamed_string_part:
        case type::stream_end: break; // never stored in a value
        }
        const auto children = x->elements();
        for (std::size_t i = children.size(); i-- > 0;) work.push_back({&children[i], false});
    }
}

/// resp::write(out, v) of an owning value writes it as write_value does.
template <>
struct serializer<value> {
    template <output_sink Sink>
    static void write(writer<Sink>& out, const value& v) {
        write_value(out, v);
    }
};

/// Convenience: `v` as RESP bytes in a new string.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] std::string to_resp(const value& v, protocol proto = protocol::resp3) {
    std::string out;
    writer w(out, proto);
    write_value(w, v);
    return out;
}

} // namespace respkit::resp

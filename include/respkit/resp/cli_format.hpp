#pragma once

/// \file
/// Prints values exactly as redis-cli prints replies in its human-readable (tty) mode.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Appends `bytes` quoted as redis-cli (sdscatrepr) does: "..." with \\ \" \n \r \t \a \b
/// escapes and \xNN for other unprintable bytes.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
void append_quoted(std::string& out, std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : bytes) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        default: {
            const auto u = static_cast<unsigned char>(c);
            if (u >= 0x20 && u < 0x7f) {
                out += c;
            } else {
                out += "\\x";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            }
        }
        }
    }
    out += '"';
}

/// True when format_cli prints `v` on more than one line (redis-cli's cliIsMultilineValueTTY):
/// an aggregate with several elements, or a single-element one whose element is.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] bool is_multiline_cli(const value& v) noexcept {
    const value* x = &v;
    for (;;) {
        switch (x->type()) {
        case type::array:
        case type::set:
        case type::push:
            if (x->size() != 1) return x->size() > 1;
            x = &(*x)[0];
            break;
        case type::map:
            if (x->size() != 2) return x->size() > 2;
            x = &(*x)[1];
            break;
        default: return false;
        }
    }
}

/// Appends `v` as redis-cli 7 prints a reply on a terminal: `"bulk"`, `(integer) 1`,
/// `(nil)`, `(error) ERR ...`, `1) ...` for arrays, `1# key => value` for maps, `1~ ...` for
/// sets, `(double) 1.5`, `(true)`, `(big number) 123`, verbatim text as is, `(empty array)`.
/// Attributes are not shown (redis-cli does not show them). Iterative: no recursion.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
void format_cli(const value& v, std::string& out) {
    struct frame {
        const value* aggregate;
        std::size_t next;          // next element index
        std::size_t prefix_length; // redis-cli's prefix is only ever spaces: keep its length
        std::size_t index_width;
    };
    std::vector<frame> stack;

    // Writes a scalar, an empty aggregate, or opens a frame for a non-empty aggregate.
    auto emit = [&](const value& x, std::size_t prefix_length) {
        switch (x.type()) {
        case type::simple_error:
        case type::bulk_error: out += "(error) "; out += x.string(); out += '\n'; return;
        case type::simple_string: out += x.string(); out += '\n'; return;
        case type::integer: out += "(integer) "; out += std::to_string(x.integer()); out += '\n'; return;
        case type::double_number: out += "(double) "; out += x.string(); out += '\n'; return;
        case type::big_number: out += "(big number) "; out += x.string(); out += '\n'; return;
        case type::bulk_string: append_quoted(out, x.string()); out += '\n'; return;
        case type::verbatim_string: out += x.text(); out += '\n'; return;
        case type::null:
        case type::null_bulk_string:
        case type::null_array: out += "(nil)\n"; return;
        case type::boolean: out += x.boolean() ? "(true)\n" : "(false)\n"; return;
        default: break;
        }
        if (x.size() == 0) {
            switch (x.type()) {
            case type::array: out += "(empty array)\n"; break;
            case type::map: out += "(empty hash)\n"; break;
            case type::set: out += "(empty set)\n"; break;
            case type::push: out += "(empty push)\n"; break;
            default: out += "(empty aggregate type)\n"; break;
            }
            return;
        }
        std::size_t count = x.size();
        if (x.type() == type::map) count /= 2;
        std::size_t width = 0;
        do {
            ++width;
            count /= 10;
        } while (count != 0);
        stack.push_back(frame{&x, 0, prefix_length, width});
    };

    emit(v, 0);
    while (!stack.empty()) {
        frame& f = stack.back();
        const value& agg = *f.aggregate;
        if (f.next >= agg.size()) {
            stack.pop_back();
            continue;
        }
        const std::size_t i = f.next++;
        const bool is_map = agg.type() == type::map;
        const std::size_t child_prefix = f.prefix_length + f.index_width + 2;
        const value& element = agg[i];
        if (is_map && i % 2 == 1) {
            // A map's value follows its key on the same line: "key => value".
            if (!out.empty() && out.back() == '\n') out.pop_back();
            out += " => ";
            if (is_multiline_cli(element)) { // the value starts on a line of its own
                out += '\n';
                out.append(child_prefix, ' ');
            }
            emit(element, child_prefix);
            continue;
        }
        if (i != 0) out.append(f.prefix_length, ' ');
        const std::string number = std::to_string(is_map ? i / 2 + 1 : i + 1);
        if (number.size() < f.index_width) out.append(f.index_width - number.size(), ' ');
        out += number;
        out += agg.type() == type::set ? '~' : is_map ? '#' : ')';
        out += ' ';
        emit(element, child_prefix);
    }
}

/// `v` as redis-cli prints it on a terminal.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] std::string format_cli(const value& v) {
    std::string out;
    format_cli(v, out);
    return out;
}

} // namespace respkit::resp

// Helpers shared by the codec tests: owned copies of nodes, a compact dump of a node sequence,
// and feeding a parser the same bytes whole, byte by byte, or split at given offsets.
#pragma once

#include <cstddef>
#include <ostream> // doctest prints std::error_code through it
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "respkit/resp/parser.hpp"
#include "respkit/resp/types.hpp"

namespace respkit_test {

using namespace respkit::resp;

/// A node with its payload copied (views die with the buffer).
struct owned_node {
    type kind;
    std::uint32_t depth;
    std::uint64_t size;
    std::string value;
    friend bool operator==(const owned_node&, const owned_node&) = default;
};

/// Escapes bytes so that a dump stays on one line.
inline std::string escape(std::string_view s) {
    std::string out;
    static constexpr char hex[] = "0123456789abcdef";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\') out += "\\\\";
        else if (c == '|') out += "\\|";
        else if (u >= 0x20 && u < 0x7f) out += c;
        else {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
    return out;
}

/// One token per node, joined by '|': depth dots, the type byte, then the size for aggregates
/// ('?' when streamed) or the payload for scalars. RESP2 nulls dump as `$-1` and `*-1`.
/// Example: `*2\r\n$3\r\nfoo\r\n:1\r\n` -> "*2|.$foo|.:1".
inline std::string dump(const std::vector<owned_node>& nodes) {
    std::string out;
    for (const auto& n : nodes) {
        if (!out.empty()) out += '|';
        out.append(n.depth, '.');
        out += marker(n.kind);
        if (n.kind == type::null_bulk_string || n.kind == type::null_array) {
            out += "-1";
        } else if (is_aggregate(n.kind) && n.kind != type::streamed_string) {
            out += n.size == unknown_size ? std::string("?") : std::to_string(n.size);
        } else if (n.kind == type::streamed_string) {
            out += '?';
        } else {
            out += escape(n.value);
        }
    }
    return out;
}

/// Everything a parse run produced: nodes, and one entry per parse call's outcome that
/// mattered (complete with its length, or the final error).
struct run_result {
    std::vector<owned_node> nodes;
    std::vector<std::size_t> message_lengths; // consumed per complete message
    std::error_code error;                    // empty when no error
    std::size_t error_offset = 0;             // from the start of the whole input
    std::size_t unconsumed = 0;               // bytes left (inside an incomplete message)
    friend bool operator==(const run_result&, const run_result&) = default;
};

/// Feeds `input` to a fresh parser, revealing it in pieces that end at each offset of
/// `cuts` (ascending), then the rest; parses every complete message.
inline run_result run_split(std::string_view input, const std::vector<std::size_t>& cuts,
                            const limits& lim = {}) {
    parser p(lim);
    run_result out;
    std::size_t begin = 0; // first unconsumed byte
    std::size_t cut_index = 0;
    std::size_t visible = cuts.empty() ? input.size() : cuts[0];
    auto visitor = [&](const node& n) {
        out.nodes.push_back(owned_node{n.type, n.depth, n.size, std::string(n.value)});
    };
    for (;;) {
        // Small inputs are copied per call, so that ASan catches a view kept from an earlier
        // call's buffer; large ones are passed as views (copying would make this quadratic).
        const std::string_view visible_bytes = input.substr(begin, visible - begin);
        std::string copy;
        if (input.size() <= 16384) copy.assign(visible_bytes);
        const parse_result r = p.parse(input.size() <= 16384 ? std::string_view(copy) : visible_bytes, visitor);
        if (r.status == parse_status::complete) {
            out.message_lengths.push_back(r.consumed);
            begin += r.consumed;
            continue;
        }
        if (r.status == parse_status::error) {
            out.error = p.error();
            out.error_offset = begin + r.consumed;
            return out;
        }
        if (visible == input.size()) break;
        ++cut_index;
        visible = cut_index < cuts.size() ? cuts[cut_index] : input.size();
    }
    out.unconsumed = input.size() - begin;
    return out;
}

/// The whole input at once.
inline run_result run_whole(std::string_view input, const limits& lim = {}) { return run_split(input, {}, lim); }

/// One byte more per call.
inline run_result run_bytewise(std::string_view input, const limits& lim = {}) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
    return run_split(input, cuts, lim);
}

} // namespace respkit_test

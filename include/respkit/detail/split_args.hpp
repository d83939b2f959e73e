#pragma once

/// \file
/// Redis's sdssplitargs: a line split into arguments, as Redis reads its configuration files and
/// the append-only file's manifest.

#include <respkit/version.hpp>

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Splits `line` as sdssplitargs does: blanks separate arguments; "double quotes" understand
/// \n \r \t \b \a, \xHH and \<any>; 'single quotes' only \'; a closing quote must be followed by
/// a blank or the end; a NUL byte ends the line (Redis reads C strings). nullopt on unbalanced
/// quotes.
[[nodiscard]] inline std::optional<std::vector<std::string>> split_args(std::string_view line) {
    // Redis reads C strings: a NUL byte ends the line.
    if (const std::size_t nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
    auto hex = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    auto at = [&](std::size_t i) { return i < line.size() ? line[i] : '\0'; };
    auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::vector<std::string> out;
    std::size_t p = 0;
    for (;;) {
        while (p < line.size() && blank(line[p])) ++p;
        if (p >= line.size()) return out;
        std::string current;
        bool in_double = false, in_single = false, done = false;
        while (!done) {
            const char c = at(p);
            if (in_double) {
                if (c == '\\' && at(p + 1) == 'x' && hex(at(p + 2)) >= 0 && hex(at(p + 3)) >= 0) {
                    current += static_cast<char>(hex(at(p + 2)) * 16 + hex(at(p + 3)));
                    p += 3;
                } else if (c == '\\' && at(p + 1) != '\0') {
                    ++p;
                    switch (at(p)) {
                    case 'n': current += '\n'; break;
                    case 'r': current += '\r'; break;
                    case 't': current += '\t'; break;
                    case 'b': current += '\b'; break;
                    case 'a': current += '\a'; break;
                    default: current += at(p); break;
                    }
                } else if (c == '"') {
                    if (at(p + 1) != '\0' && !blank(at(p + 1))) return std::nullopt;
                    done = true;
                } else if (c == '\0') {
                    return std::nullopt;
                } else {
                    current += c;
                }
            } else if (in_single) {
                if (c == '\\' && at(p + 1) == '\'') {
                    ++p;
                    current += '\'';
                } else if (c == '\'') {
                    if (at(p + 1) != '\0' && !blank(at(p + 1))) return std::nullopt;
                    done = true;
                } else if (c == '\0') {
                    return std::nullopt;
                } else {
                    current += c;
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = true; break;
                case '"': in_double = true; break;
                case '\'': in_single = true; break;
                default: current += c; break;
                }
            }
            if (p < line.size()) ++p;
        }
        out.push_back(std::move(current));
    }
}

} // namespace respkit::detail

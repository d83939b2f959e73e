#pragma once

/// \file
/// Glob-style matching with the exact semantics of Redis 7's stringmatchlen (KEYS, SCAN
/// MATCH, PSUBSCRIBE): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, backslash escapes, including
/// its edge cases (an unterminated `[` runs to the end of the pattern, a reversed range
/// is swapped, an empty text matches only an empty pattern) and its bound on `*` nesting.

#include <respkit/version.hpp>

#include <cstddef>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE {

namespace detail {

// Redis compares `char`s as ints; on the platforms it ships for (x86-64, and the
// debian build we compare against) `char` is signed, so bytes >= 0x80 sort below ASCII
// in ranges. We reproduce that on every platform.
constexpr int glob_char(char c, bool nocase) noexcept {
    int value = static_cast<signed char>(c);
    if (nocase && value >= 'A' && value <= 'Z') value += 'a' - 'A';
    return value;
}

/// Index just past the class that starts with '[' at `open`; sets `matched` for `c`.
constexpr std::size_t glob_class(std::string_view p, std::size_t open, char c, bool nocase,
                                 bool& matched) noexcept {
    const std::size_t m = p.size();
    std::size_t j = open + 1;
    const bool negate = j < m && p[j] == '^';
    if (negate) ++j;
    bool found = false;
    for (;; ++j) {
        if (j + 1 < m && p[j] == '\\') {
            ++j;
            if (p[j] == c) found = true; // escaped bytes compare exactly, even with nocase
        } else if (j < m && p[j] == ']') {
            ++j;
            break;
        } else if (j >= m) {
            j = m; // unterminated: the class runs to the end of the pattern
            break;
        } else if (j + 2 < m && p[j + 1] == '-') {
            int low = static_cast<signed char>(p[j]);
            int high = static_cast<signed char>(p[j + 2]);
            if (low > high) {
                const int t = low;
                low = high;
                high = t;
            }
            if (nocase) {
                low = glob_char(static_cast<char>(low), true);
                high = glob_char(static_cast<char>(high), true);
            }
            const int x = glob_char(c, nocase);
            if (x >= low && x <= high) found = true;
            j += 2;
        } else if (glob_char(p[j], nocase) == glob_char(c, nocase)) {
            found = true;
        }
    }
    matched = negate ? !found : found;
    return j;
}

/// Whether the single-character token at `i` (not '*') matches `c`; sets `next`.
constexpr bool glob_token(std::string_view p, std::size_t i, char c, bool nocase,
                          std::size_t& next) noexcept {
    switch (p[i]) {
    case '?': next = i + 1; return true;
    case '[': {
        bool matched = false;
        next = glob_class(p, i, c, nocase, matched);
        return matched;
    }
    case '\\':
        if (i + 1 < p.size()) {
            next = i + 2;
            return glob_char(p[i + 1], nocase) == glob_char(c, nocase);
        }
        [[fallthrough]];
    default: next = i + 1; return glob_char(p[i], nocase) == glob_char(c, nocase);
    }
}

/// Redis stops expanding '*' beyond 1000 nested runs: false when the pattern has a
/// 1001st run of '*' that is not at its very end (such a pattern never matches).
constexpr bool glob_within_star_limit(std::string_view p) noexcept {
    constexpr std::size_t max_nesting = 1000;
    std::size_t runs = 0;
    std::size_t i = 0;
    while (i < p.size()) {
        if (p[i] == '*') {
            while (i < p.size() && p[i] == '*')
                ++i;
            if (++runs > max_nesting) return i == p.size();
            continue;
        }
        std::size_t next = i + 1;
        (void)glob_token(p, i, '\0', false, next);
        i = next;
    }
    return true;
}

} // namespace detail

/// True when `text` matches the glob `pattern` exactly as Redis 7's stringmatchlen
/// decides (KEYS and SCAN MATCH special-case the pattern "*" themselves: see
/// is_match_all). Runs in O(|pattern| * |text|) time without recursion; a text that does not
/// match costs no more than the part of the pattern the match attempt reached.
[[nodiscard]] constexpr bool glob_match(std::string_view pattern, std::string_view text,
                                        bool nocase = false) noexcept {
    if (text.empty()) return pattern.empty();
    // The bound on '*' runs is checked only once the text matched: checking it first would
    // read the whole pattern for every text (a 1 MB pattern against every key KEYS visits).
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    const std::size_t m = pattern.size();
    const std::size_t n = text.size();
    std::size_t pi = 0;
    std::size_t ti = 0;
    // Only the latest '*' needs to be retried at later positions: tokens other than '*'
    // match exactly one byte, so an earlier '*' absorbing more cannot help.
    std::size_t star_pattern = none;
    std::size_t star_text = 0;
    while (ti < n) {
        if (pi < m && pattern[pi] == '*') {
            while (pi < m && pattern[pi] == '*')
                ++pi;
            if (pi == m) return detail::glob_within_star_limit(pattern);
            star_pattern = pi;
            star_text = ti;
            continue;
        }
        std::size_t next = pi;
        if (pi < m && detail::glob_token(pattern, pi, text[ti], nocase, next)) {
            pi = next;
            ++ti;
            continue;
        }
        if (star_pattern == none) return false;
        pi = star_pattern;
        ti = ++star_text;
    }
    while (pi < m && pattern[pi] == '*')
        ++pi;
    return pi == m && detail::glob_within_star_limit(pattern);
}

/// True for the pattern "*", which KEYS and SCAN treat as "every key" without matching
/// (so it also returns the empty key, which glob_match("*", "") rejects).
[[nodiscard]] constexpr bool is_match_all(std::string_view pattern) noexcept {
    return pattern.size() == 1 && pattern[0] == '*';
}

} // namespace respkit

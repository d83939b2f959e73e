// Tests of respkit::glob_match (also named store::glob_match) against Redis 7's KEYS.
//
// The table below was produced by storing the keys in glob_keys in redis-server 7.0.15
// and recording which of them `KEYS <pattern>` returned, for each pattern (indices into
// glob_keys). KEYS special-cases the pattern "*" (it returns the empty key too), which
// the keyspace test at the end reproduces.

#include <respkit/glob.hpp>
#include <respkit/store.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace respkit::store;

namespace {

struct glob_case {
    std::string_view pattern;
    std::vector<std::size_t> matches;
};

const std::string_view glob_keys[] = {
    std::string_view("", 0),
    std::string_view("a", 1),
    std::string_view("b", 1),
    std::string_view("c", 1),
    std::string_view("z", 1),
    std::string_view("A", 1),
    std::string_view("B", 1),
    std::string_view("ab", 2),
    std::string_view("abc", 3),
    std::string_view("abd", 3),
    std::string_view("aXc", 3),
    std::string_view("hello", 5),
    std::string_view("hallo", 5),
    std::string_view("hxllo", 5),
    std::string_view("hllo", 4),
    std::string_view("heeeello", 8),
    std::string_view("*", 1),
    std::string_view("?", 1),
    std::string_view("[", 1),
    std::string_view("]", 1),
    std::string_view("^", 1),
    std::string_view("-", 1),
    std::string_view("\\", 1),
    std::string_view("a*c", 3),
    std::string_view("a?c", 3),
    std::string_view("a[b", 3),
    std::string_view("a]b", 3),
    std::string_view("\x80"
                     "",
                     1),
    std::string_view("\xff"
                     "",
                     1),
    std::string_view("\xc3"
                     "\xa9"
                     "",
                     2),
    std::string_view("_", 1),
    std::string_view("`", 1),
    std::string_view("foo:1", 5),
    std::string_view("foo:bar:1", 9),
    std::string_view("x\\y", 3),
    std::string_view("aaaaaaaaab", 10),
    std::string_view("mississippi", 11),
    std::string_view("a-b", 3),
    std::string_view("\x00"
                     "",
                     1),
    std::string_view("a\x00"
                     "b",
                     3),
};
const glob_case glob_cases[] = {
    {std::string_view("*", 1),
     {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
      20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
    {std::string_view("**", 2),
     {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
    {std::string_view("", 0), {0}},
    {std::string_view("?", 1), {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 27, 28, 30, 31, 38}},
    {std::string_view("??", 2), {7, 29}},
    {std::string_view("a", 1), {1}},
    {std::string_view("a*", 2), {1, 7, 8, 9, 10, 23, 24, 25, 26, 35, 37, 39}},
    {std::string_view("*a", 2), {1}},
    {std::string_view("*b*", 3), {2, 7, 8, 9, 25, 26, 33, 35, 37, 39}},
    {std::string_view("a?c", 3), {8, 10, 23, 24}},
    {std::string_view("a*c", 3), {8, 10, 23, 24}},
    {std::string_view("h?llo", 5), {11, 12, 13}},
    {std::string_view("h*llo", 5), {11, 12, 13, 14, 15}},
    {std::string_view("h[ae]llo", 8), {11, 12}},
    {std::string_view("h[^e]llo", 8), {12, 13}},
    {std::string_view("h[a-b]llo", 9), {12}},
    {std::string_view("[a-c]", 5), {1, 2, 3}},
    {std::string_view("[c-a]", 5), {1, 2, 3}},
    {std::string_view("[^a-c]", 6), {4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 27, 28, 30, 31, 38}},
    {std::string_view("[", 1), {}},
    {std::string_view("[^", 2), {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 27, 28, 30, 31, 38}},
    {std::string_view("[]", 2), {}},
    {std::string_view("[]a]", 4), {}},
    {std::string_view("[^]", 3),
     {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 27, 28, 30, 31, 38}},
    {std::string_view("[a-]", 4), {1, 19, 20, 30, 31}},
    {std::string_view("[-a]", 4), {1, 21}},
    {std::string_view("[a\\-z]", 6), {1, 4, 21}},
    {std::string_view("\\*", 2), {16}},
    {std::string_view("\\?", 2), {17}},
    {std::string_view("a\\*c", 4), {23}},
    {std::string_view("\\", 1), {22}},
    {std::string_view("\\\\", 2), {22}},
    {std::string_view("[\\]]", 4), {19}},
    {std::string_view("[\\", 2), {22}},
    {std::string_view("[a", 2), {1}},
    {std::string_view("[ab", 3), {1, 2}},
    {std::string_view("a[", 2), {}},
    {std::string_view("*\\", 2), {22}},
    {std::string_view("[\x80"
                      "-\xff"
                      "]",
                      5),
     {27, 28}},
    {std::string_view("[a-\xff"
                      "]",
                      5),
     {1, 5, 6, 16, 17, 18, 19, 20, 21, 22, 28, 30, 31, 38}},
    {std::string_view("[\xff"
                      "-a]",
                      5),
     {1, 5, 6, 16, 17, 18, 19, 20, 21, 22, 28, 30, 31, 38}},
    {std::string_view("[!-~]", 5), {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 30, 31}},
    {std::string_view("foo:*", 5), {32, 33}},
    {std::string_view("foo:*:1", 7), {33}},
    {std::string_view("*:*", 3), {32, 33}},
    {std::string_view("*ss*ss*", 7), {36}},
    {std::string_view("m*i*i*i", 7), {36}},
    {std::string_view("a*a*a*a*b", 9), {35}},
    {std::string_view("*?", 2),
     {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
    {std::string_view("?*", 2),
     {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
    {std::string_view("*??*", 4),
     {7, 8, 9, 10, 11, 12, 13, 14, 15, 23, 24, 25, 26, 29, 32, 33, 34, 35, 36, 37, 39}},
    {std::string_view("[A-Z]", 5), {5, 6}},
    {std::string_view("[a-z]", 5), {1, 2, 3, 4}},
    {std::string_view("[^a-z]", 6), {5, 6, 16, 17, 18, 19, 20, 21, 22, 27, 28, 30, 31, 38}},
    {std::string_view("[[]", 3), {18}},
    {std::string_view("[]]", 3), {}},
    {std::string_view("[\\\\]", 4), {22}},
    {std::string_view("x\\\\y", 4), {34}},
    {std::string_view("a[^]b", 5), {25, 26, 37, 39}},
    {std::string_view("a[]]b", 5), {}},
    {std::string_view("[a-b-c]", 7), {1, 2, 3, 21}},
    {std::string_view("[^-]", 4), {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 22, 27, 28, 30, 31, 38}},
    {std::string_view("a[*]c", 5), {23}},
    {std::string_view("a[?]c", 5), {24}},
    {std::string_view("?\\", 2), {}},
    {std::string_view("[\\a-c]", 6), {1, 3, 21}},
    {std::string_view("[a-\\]", 5), {1, 19, 20, 22, 30, 31}},
    {std::string_view("*[", 2), {}},
    {std::string_view("\\a", 2), {1}},
    {std::string_view("[\x00"
                      "]",
                      3),
     {38}},
    {std::string_view("a?b", 3), {25, 26, 37, 39}},
    {std::string_view("a\x00"
                      "b",
                      3),
     {39}},
    {std::string_view("*\x00"
                      "*",
                      3),
     {38, 39}},
    {std::string_view("[^\x80"
                      "-\xff"
                      "]",
                      6),
     {1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 22, 30, 31, 38}},
    {std::string_view("h*", 2), {11, 12, 13, 14, 15}},
    {std::string_view("*o", 2), {11, 12, 13, 14, 15}},
    {std::string_view("*l*o", 4), {11, 12, 13, 14, 15}},
    {std::string_view("[hx]*", 5), {11, 12, 13, 14, 15, 34}},
    {std::string_view("[z-]", 4), {1, 2, 3, 4, 19, 20, 30, 31}},
    {std::string_view("[-]", 3), {21}},
    {std::string_view("[--a]", 5), {1, 5, 6, 17, 18, 19, 20, 21, 22, 30, 31}},
};

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out.append(s);
    return out;
}

} // namespace

TEST_CASE("glob_match agrees with Redis's KEYS on every (pattern, key) pair") {
    for (const glob_case& c : glob_cases) {
        for (std::size_t k = 0; k < std::size(glob_keys); ++k) {
            const bool expected =
                std::find(c.matches.begin(), c.matches.end(), k) != c.matches.end();
            // KEYS "*" returns every key without matching; the matcher itself rejects "".
            const bool matcher_expected =
                is_match_all(c.pattern) && glob_keys[k].empty() ? false : expected;
            CAPTURE(c.pattern);
            CAPTURE(glob_keys[k]);
            CHECK(glob_match(c.pattern, glob_keys[k]) == matcher_expected);
        }
    }
}

TEST_CASE("glob_match: Redis's bound on nested '*' (checked against redis-server 7.0.15)") {
    // KEYS with n runs of "a*" then "b" against "a"*n + "b": Redis matches for n <= 1000
    // only; with the pattern ending in its last '*' run, up to 1001 runs.
    for (std::size_t n : {999u, 1000u, 1001u, 1002u}) {
        CAPTURE(n);
        const std::string key = repeat("a", n) + "b";
        CHECK(glob_match(repeat("a*", n) + "b", key) == (n <= 1000));
        CHECK(glob_match(repeat("a*", n), key) == (n <= 1001));
    }
}

TEST_CASE("glob_match: hostile patterns finish quickly") {
    const std::string text = repeat("a", 5000);
    CHECK_FALSE(glob_match(repeat("*a", 500) + "b", text));
    CHECK(glob_match(repeat("*a", 500), text));
    CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
}

TEST_CASE("glob_match: nocase as stringmatchlen's nocase flag") {
    CHECK(glob_match("HeLLo", "hello", true));
    CHECK_FALSE(glob_match("HeLLo", "hello"));
    CHECK(glob_match("h[A-C]llo", "hbllo", true));
    CHECK(glob_match("h[a-c]llo", "hBllo", true));
    CHECK(glob_match("[^A]", "b", true));
    CHECK_FALSE(glob_match("[^A]", "a", true));
    CHECK_FALSE(glob_match("[\\A]", "a", true)); // escaped class members compare exactly
    CHECK(glob_match("\\A", "a", true));
}

TEST_CASE_TEMPLATE("keyspace KEYS returns what Redis returns", KS, keyspace<hash_map, manual_clock>,
                   keyspace<std_map_adapter, manual_clock>) {
    KS ks(keyspace_options{1, 3});
    for (std::string_view key : glob_keys)
        ks.set(0, key, value::from_bytes("v"));
    for (const glob_case& c : glob_cases) {
        CAPTURE(c.pattern);
        std::vector<std::string> got;
        ks.keys(0, c.pattern, got);
        std::vector<std::string> expected;
        for (std::size_t k : c.matches)
            expected.emplace_back(glob_keys[k]);
        std::sort(got.begin(), got.end());
        std::sort(expected.begin(), expected.end());
        CHECK(got == expected);
    }
}

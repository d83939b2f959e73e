// The generic RESP2/RESP3 parser: every type, every error, hostile input, incremental feeding.
// Every vector is parsed whole, byte by byte, and split at every offset; all must agree.

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/error.hpp"
#include "respkit/resp/parser.hpp"
#include "support/resp_test_util.hpp"

using namespace respkit_test;
using respkit::errc;
using namespace std::string_literals;

namespace {

struct valid_vector {
    std::string name;
    std::string input;
    std::string expected; // dump() of the nodes
};

// Checks one complete message against its expected dump, fed in every way.
void check_valid(const valid_vector& v) {
    CAPTURE(v.name);
    const run_result whole = run_whole(v.input);
    CHECK(dump(whole.nodes) == v.expected);
    REQUIRE(whole.message_lengths.size() == 1);
    CHECK(whole.message_lengths[0] == v.input.size());
    CHECK(!whole.error);
    CHECK(run_bytewise(v.input) == whole);
    for (std::size_t cut = 1; cut < v.input.size(); ++cut) {
        CAPTURE(cut);
        CHECK(run_split(v.input, {cut}) == whole);
    }
    // Every strict prefix is incomplete, never an error and never a message.
    for (std::size_t len = 0; len < v.input.size(); ++len) {
        const run_result prefix = run_whole(std::string_view(v.input).substr(0, len));
        CHECK(prefix.message_lengths.empty());
        CHECK(!prefix.error);
    }
}

const std::vector<valid_vector>& valid_vectors() {
    static const std::vector<valid_vector> vectors = {
        {"simple string", "+OK\r\n", "+OK"},
        {"empty simple string", "+\r\n", "+"},
        {"simple error", "-ERR unknown command 'x'\r\n", "-ERR unknown command 'x'"},
        {"integer", ":42\r\n", ":42"},
        {"zero", ":0\r\n", ":0"},
        {"negative integer", ":-7\r\n", ":-7"},
        {"LLONG_MAX", ":9223372036854775807\r\n", ":9223372036854775807"},
        {"LLONG_MIN", ":-9223372036854775808\r\n", ":-9223372036854775808"},
        {"bulk string", "$5\r\nhello\r\n", "$hello"},
        {"empty bulk string", "$0\r\n\r\n", "$"},
        {"binary bulk string", "$6\r\n\r\n\0\xff\r\n\r\n"s, "$\\x0d\\x0a\\x00\\xff\\x0d\\x0a"},
        {"null bulk string", "$-1\r\n", "$-1"},
        {"array", "*2\r\n$3\r\nfoo\r\n:1\r\n", "*2|.$foo|.:1"},
        {"empty array", "*0\r\n", "*0"},
        {"null array", "*-1\r\n", "*-1"},
        {"nested arrays", "*2\r\n*1\r\n*0\r\n*2\r\n:1\r\n$-1\r\n", "*2|.*1|..*0|.*2|..:1|..$-1"},
        {"null", "_\r\n", "_"},
        {"true", "#t\r\n", "#t"},
        {"false", "#f\r\n", "#f"},
        {"double", ",1.5\r\n", ",1.5"},
        {"double with exponent", ",-1.25e-10\r\n", ",-1.25e-10"},
        {"double 17 digits", ",3.1415899999999999\r\n", ",3.1415899999999999"},
        {"double integral", ",10\r\n", ",10"},
        {"double inf", ",inf\r\n", ",inf"},
        {"double -inf", ",-inf\r\n", ",-inf"},
        {"double nan", ",nan\r\n", ",nan"},
        {"double -nan (Redis 7.0)", ",-nan\r\n", ",-nan"},
        {"big number", "(3492890328409238509324850943850943825024385\r\n",
         "(3492890328409238509324850943850943825024385"},
        {"negative big number", "(-98765432109876543210\r\n", "(-98765432109876543210"},
        {"bulk error", "!21\r\nSYNTAX invalid syntax\r\n", "!SYNTAX invalid syntax"},
        {"bulk error with CRLF", "!4\r\na\r\nb\r\n", "!a\\x0d\\x0ab"},
        {"verbatim string", "=15\r\ntxt:Some string\r\n", "=txt:Some string"},
        {"empty verbatim text", "=4\r\nmkd:\r\n", "=mkd:"},
        {"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "%2|.+first|.:1|.+second|.:2"},
        {"empty map", "%0\r\n", "%0"},
        {"set", "~3\r\n+a\r\n:1\r\n#t\r\n", "~3|.+a|.:1|.#t"},
        {"push", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n", ">3|.$message|.$ch|.$"},
        {"map of maps", "%1\r\n$1\r\nk\r\n%1\r\n$1\r\nn\r\n,-nan\r\n", "%1|.$k|.%1|..$n|..,-nan"},
        {"attribute before a reply", "|1\r\n+ttl\r\n:3600\r\n*2\r\n:1\r\n:2\r\n",
         "|1|.+ttl|.:3600|*2|.:1|.:2"},
        {"attribute inside an array", "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n", "*2|.|1|..+a|..+b|.:1|.:2"},
        {"empty attribute", "|0\r\n:5\r\n", "|0|:5"},
        {"nested attributes", "|1\r\n+k\r\n|1\r\n+x\r\n+y\r\n+v\r\n:1\r\n", "|1|.+k|.|1|..+x|..+y|.+v|:1"},
        {"streamed string", "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n",
         "$?|.;Hell|.;o wor|.;d|.;"},
        {"empty streamed string", "$?\r\n;0\r\n", "$?|.;"},
        {"streamed array", "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n", "*?|.:1|.:2|.:3|.."},
        {"streamed map", "%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n", "%?|.+a|.:1|.+b|.:2|.."},
        {"streamed set, empty", "~?\r\n.\r\n", "~?|.."},
        {"streamed in array", "*2\r\n*?\r\n:1\r\n.\r\n$?\r\n;1\r\nx\r\n;0\r\n", "*2|.*?|..:1|...|.$?|..;x|..;"},
        {"streamed string in streamed array", "*?\r\n$?\r\n;2\r\nab\r\n;0\r\n.\r\n", "*?|.$?|..;ab|..;|.."},
    };
    return vectors;
}

struct error_vector {
    std::string name;
    std::string input;
    errc expected;
    std::size_t offset; // of the offending byte
};

const std::vector<error_vector>& error_vectors() {
    static const std::vector<error_vector> vectors = {
        {"unknown type byte", "?x\r\n", errc::invalid_type_byte, 0},
        {"letter", "hello\r\n", errc::invalid_type_byte, 0},
        {"unknown type inside array", "*1\r\n@x\r\n", errc::invalid_type_byte, 4},
        {"LF without CR", "+OK\n", errc::expected_crlf, 3},
        {"bare LF in simple string", "+a\nb\r\n", errc::expected_crlf, 2},
        {"integer with letters", ":12a\r\n", errc::invalid_integer, 1},
        {"integer with plus", ":+1\r\n", errc::invalid_integer, 1},
        {"integer leading zero", ":01\r\n", errc::invalid_integer, 1},
        {"integer -0", ":-0\r\n", errc::invalid_integer, 1},
        {"empty integer", ":\r\n", errc::invalid_integer, 1},
        {"LLONG_MAX + 1", ":9223372036854775808\r\n", errc::invalid_integer, 1},
        {"LLONG_MIN - 1", ":-9223372036854775809\r\n", errc::invalid_integer, 1},
        {"integer far too long", ":123456789012345678901234567890\r\n", errc::invalid_integer, 1},
        {"bulk length -2", "$-2\r\n", errc::invalid_length, 1},
        {"bulk length not a number", "$x\r\nab\r\n", errc::invalid_length, 1},
        {"bulk length with space", "$ 1\r\na\r\n", errc::invalid_length, 1},
        {"bulk length LLONG_MAX + 1", "$9223372036854775808\r\n", errc::invalid_length, 1},
        {"bulk length beyond SIZE_MAX", "$99999999999999999999999\r\n", errc::invalid_length, 1},
        {"bulk longer than the limit", "$536870913\r\n", errc::bulk_too_long, 1},
        {"bulk without CRLF after payload", "$3\r\nfooXY", errc::expected_crlf, 7},
        {"bulk with LF only after payload", "$3\r\nfoo\n\r", errc::expected_crlf, 7},
        {"bulk payload longer than its length", "$2\r\nfoo\r\n", errc::expected_crlf, 6},
        {"array length -2", "*-2\r\n", errc::invalid_length, 1},
        {"array length LLONG_MIN", "*-9223372036854775808\r\n", errc::invalid_length, 1},
        {"array count beyond the limit", "*4294967296\r\n", errc::aggregate_too_large, 1},
        {"map count beyond the limit (pairs count twice)", "%2147483648\r\n", errc::aggregate_too_large, 1},
        {"map null is not a thing", "%-1\r\n", errc::invalid_length, 1},
        {"set null is not a thing", "~-1\r\n", errc::invalid_length, 1},
        {"bulk error null is not a thing", "!-1\r\n", errc::invalid_length, 1},
        {"null with payload", "_x\r\n", errc::invalid_null, 1},
        {"boolean other letter", "#x\r\n", errc::invalid_boolean, 1},
        {"boolean empty", "#\r\n", errc::invalid_boolean, 1},
        {"boolean true word", "#true\r\n", errc::invalid_boolean, 1},
        {"double letters", ",abc\r\n", errc::invalid_double, 1},
        {"double empty", ",\r\n", errc::invalid_double, 1},
        {"double infinity word", ",infinity\r\n", errc::invalid_double, 1},
        {"double hex", ",0x10\r\n", errc::invalid_double, 1},
        {"double trailing junk", ",1.5x\r\n", errc::invalid_double, 1},
        {"big number with letters", "(12a\r\n", errc::invalid_big_number, 1},
        {"big number empty", "(\r\n", errc::invalid_big_number, 1},
        {"big number lone minus", "(-\r\n", errc::invalid_big_number, 1},
        {"verbatim too short", "=3\r\ntxt\r\n", errc::invalid_verbatim, 4},
        {"verbatim without colon", "=5\r\ntxtab\r\n", errc::invalid_verbatim, 4},
        {"chunk outside a streamed string", ";3\r\nabc\r\n", errc::invalid_stream, 0},
        {"element inside a streamed string", "$?\r\n:1\r\n", errc::invalid_stream, 4},
        {"stream end at top level", ".\r\n", errc::invalid_stream, 0},
        {"stream end in a counted array", "*2\r\n:1\r\n.\r\n", errc::invalid_stream, 8},
        {"stream end with payload", "*?\r\n.x\r\n", errc::invalid_stream, 4},
        {"streamed map ending after a key", "%?\r\n+a\r\n:1\r\n+b\r\n.\r\n", errc::invalid_stream, 16},
        {"streamed push is not a thing", ">?\r\n", errc::invalid_length, 1},
        {"streamed attribute is not a thing", "|?\r\n", errc::invalid_length, 1},
        {"streamed bulk error is not a thing", "!?\r\n", errc::invalid_length, 1},
        {"negative chunk length", "$?\r\n;-1\r\n", errc::invalid_length, 5},
        {"empty line", "\r\n", errc::invalid_type_byte, 0},
    };
    return vectors;
}

} // namespace

TEST_CASE("every RESP2 and RESP3 type parses, whole, byte by byte and split anywhere") {
    for (const auto& v : valid_vectors()) check_valid(v);
}

TEST_CASE("every error is reported with its code and offset, however the input is split") {
    for (const auto& v : error_vectors()) {
        CAPTURE(v.name);
        const run_result whole = run_whole(v.input);
        CHECK(whole.error == v.expected);
        CHECK(whole.error_offset == v.offset);
        CHECK(whole.message_lengths.empty());
        CHECK(run_bytewise(v.input) == whole);
        for (std::size_t cut = 1; cut < v.input.size(); ++cut) {
            CAPTURE(cut);
            CHECK(run_split(v.input, {cut}) == whole);
        }
    }
}

TEST_CASE("several messages in one buffer come out one per call") {
    const std::string input = "+OK\r\n:1\r\n$3\r\nfoo\r\n*1\r\n_\r\n|1\r\n+a\r\n+b\r\n#t\r\n";
    const run_result whole = run_whole(input);
    CHECK(whole.message_lengths == std::vector<std::size_t>{5, 4, 9, 7, 16});
    CHECK(dump(whole.nodes) == "+OK|:1|$foo|*1|._||1|.+a|.+b|#t");
    CHECK(run_bytewise(input) == whole);
}

TEST_CASE("the parser stays failed after an error until reset") {
    parser p;
    int nodes = 0;
    auto count = [&](const node&) { ++nodes; };
    const parse_result bad = p.parse(":x\r\n", count);
    CHECK(bad.status == parse_status::error);
    CHECK(p.error() == errc::invalid_integer);
    CHECK(p.parse("+OK\r\n", count) == parse_result{parse_status::error, 1});
    CHECK(nodes == 0);
    p.reset();
    CHECK(!p.error());
    CHECK(p.parse("+OK\r\n", count) == parse_result{parse_status::complete, 5});
    CHECK(nodes == 1);
}

TEST_CASE("CRLF split between feeds, and the resume point is kept") {
    parser p;
    std::vector<owned_node> nodes;
    auto keep = [&](const node& n) { nodes.push_back({n.type, n.depth, n.size, std::string(n.value)}); };
    CHECK(p.parse("*2\r\n$3\r\nfoo\r", keep).status == parse_status::need_more);
    CHECK(p.in_message());
    CHECK(nodes.size() == 1); // the array header was emitted once
    CHECK(p.parse("*2\r\n$3\r\nfoo\r\n:7\r", keep).status == parse_status::need_more);
    CHECK(nodes.size() == 2);
    CHECK(p.parse("*2\r\n$3\r\nfoo\r\n:7\r\n", keep) == parse_result{parse_status::complete, 17});
    CHECK(dump(nodes) == "*2|.$foo|.:7");
    CHECK(!p.in_message());
}

TEST_CASE("limits are enforced before anything is allocated") {
    limits lim;
    lim.max_bulk_length = 10;
    lim.max_aggregate_size = 3;
    lim.max_depth = 2;
    lim.max_line_length = 8;
    CHECK(run_whole("$10\r\n0123456789\r\n", lim).message_lengths.size() == 1);
    CHECK(run_whole("$11\r\n", lim).error == errc::bulk_too_long);
    CHECK(run_whole("*3\r\n:1\r\n:2\r\n:3\r\n", lim).message_lengths.size() == 1);
    CHECK(run_whole("*4\r\n", lim).error == errc::aggregate_too_large);
    CHECK(run_whole("%2\r\n", lim).error == errc::aggregate_too_large); // 4 elements
    CHECK(run_whole("*1\r\n*1\r\n:1\r\n", lim).message_lengths.size() == 1);
    CHECK(run_whole("*1\r\n*1\r\n*1\r\n:1\r\n", lim).error == errc::nesting_too_deep);
    CHECK(run_whole("*1\r\n*1\r\n*0\r\n", lim).message_lengths.size() == 1); // empty: no level
    CHECK(run_whole("+12345678\r\n", lim).message_lengths.size() == 1);
    CHECK(run_whole("+123456789\r\n", lim).error == errc::line_too_long);
    // A line that never ends is refused as soon as it is too long, not buffered forever.
    const run_result endless = run_whole("+" + std::string(20, 'a'), lim);
    CHECK(endless.error == errc::line_too_long);
    // A huge declared count is refused at once, before its elements arrive.
    CHECK(run_whole("*2147483647\r\n").message_lengths.empty());
    CHECK(!run_whole("*2147483647\r\n").error); // within the default limit: waits for elements
    CHECK(run_whole("$536870912\r\n").unconsumed == 12); // 512 MB is allowed: waits
}

TEST_CASE("default depth accepts real traffic: COMMAND DOCS nests 12 deep") {
    std::string deep;
    for (int i = 0; i < 12; ++i) deep += "*1\r\n";
    deep += ":1\r\n";
    CHECK(run_whole(deep).message_lengths.size() == 1);
}

TEST_CASE("1,000,000-deep nesting: a clean error at the limit, parsed when the limit is raised") {
    constexpr std::size_t depth = 1'000'000;
    std::string deep;
    deep.reserve(depth * 4 + 8);
    for (std::size_t i = 0; i < depth; ++i) deep += "*1\r\n";
    deep += ":1\r\n";

    parser strict;
    const parse_result refused = strict.skip(deep);
    CHECK(refused.status == parse_status::error);
    CHECK(strict.error() == errc::nesting_too_deep);
    CHECK(refused.consumed == strict.limits().max_depth * 4);

    limits lim;
    lim.max_depth = depth;
    parser lenient(lim);
    std::uint32_t deepest = 0;
    const parse_result ok = lenient.parse(deep, [&](const node& n) { deepest = n.depth; });
    CHECK(ok == parse_result{parse_status::complete, deep.size()});
    CHECK(deepest == depth);
}

TEST_CASE("a 100 MB bulk string fed in 1 KB pieces is not rescanned") {
    // Work is counted as the bytes parse() is given beyond what it already saw: the parser looks
    // at the header once and then only checks the length, so feeding costs O(1) per piece.
    constexpr std::size_t payload = 100 * 1024 * 1024;
    std::string message = "$" + std::to_string(payload) + "\r\n";
    const std::size_t header = message.size();
    message.append(payload, 'x');
    message += "\r\n";
    parser p;
    std::size_t calls = 0;
    std::size_t visible = 0;
    parse_result r{};
    std::size_t nodes = 0;
    while (true) {
        visible = std::min(message.size(), visible + 1024);
        ++calls;
        r = p.parse(std::string_view(message).substr(0, visible), [&](const node& n) {
            ++nodes;
            CHECK(n.value.size() == payload);
        });
        if (r.status != parse_status::need_more) break;
    }
    CHECK(r == parse_result{parse_status::complete, message.size()});
    CHECK(nodes == 1);
    CHECK(calls == (message.size() + 1023) / 1024);
    CHECK(header < 16);
}

TEST_CASE("node sizes and child counts") {
    std::vector<owned_node> nodes = run_whole("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n").nodes;
    REQUIRE(nodes.size() == 5);
    node n{type::map, 0, 2, {}};
    CHECK(n.child_count() == 4);
    CHECK(node{type::array, 0, unknown_size, {}}.child_count() == unknown_size);
    CHECK(nodes[0].size == 2);
}

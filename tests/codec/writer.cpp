// The writer: every RESP type in RESP3, Redis's RESP2 downgrades (bytes checked against
// redis-server 7.0.15 replies), the command writer, sinks, and round trips through parse.

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/writer.hpp"
#include "support/resp_test_util.hpp"

using namespace respkit::resp;
using namespace std::string_literals;

namespace {

template <class Write>
std::string written(protocol proto, Write&& write) {
    std::string out;
    writer w(out, proto);
    write(w);
    return out;
}

template <class Write>
void check_both(Write&& write, const std::string& resp3, const std::string& resp2) {
    CHECK(written(protocol::resp3, write) == resp3);
    CHECK(written(protocol::resp2, write) == resp2);
}

} // namespace

TEST_CASE("scalars in RESP3 and their RESP2 downgrades") {
    using W = writer<std::string>;
    check_both([](W& w) { w.simple_string("OK"); }, "+OK\r\n", "+OK\r\n");
    check_both([](W& w) { w.simple_error("ERR x"); }, "-ERR x\r\n", "-ERR x\r\n");
    check_both([](W& w) { w.integer(-42); }, ":-42\r\n", ":-42\r\n");
    check_both([](W& w) { w.integer(std::numeric_limits<std::int64_t>::min()); },
               ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
    check_both([](W& w) { w.bulk_string("a\r\n\0"s); }, "$4\r\na\r\n\0\r\n"s, "$4\r\na\r\n\0\r\n"s);
    check_both([](W& w) { w.bulk_string(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
    check_both([](W& w) { w.bulk_string(std::int64_t{12345}); }, "$5\r\n12345\r\n", "$5\r\n12345\r\n");
    // Redis: GET of a missing key, and LPOP key count on a missing key.
    check_both([](W& w) { w.null(); }, "_\r\n", "$-1\r\n");
    check_both([](W& w) { w.null_array(); }, "_\r\n", "*-1\r\n");
    check_both([](W& w) { w.null_bulk_string(); }, "$-1\r\n", "$-1\r\n");
    check_both([](W& w) { w.null_array_raw(); }, "*-1\r\n", "*-1\r\n");
    check_both([](W& w) { w.boolean(true); }, "#t\r\n", ":1\r\n");
    check_both([](W& w) { w.boolean(false); }, "#f\r\n", ":0\r\n");
    // Redis 7.0: ZSCORE of 0.1, 1e20, 123456789012345678; EVAL returning 0/0.
    check_both([](W& w) { w.double_number(0.1); }, ",0.10000000000000001\r\n", "$19\r\n0.10000000000000001\r\n");
    check_both([](W& w) { w.double_number(1e20); }, ",1e+20\r\n", "$5\r\n1e+20\r\n");
    check_both([](W& w) { w.double_number(123456789012345678.0); }, ",1.2345678901234568e+17\r\n",
               "$22\r\n1.2345678901234568e+17\r\n");
    check_both([](W& w) { w.double_number(1.5); }, ",1.5\r\n", "$3\r\n1.5\r\n");
    check_both([](W& w) { w.double_number(3.14159); }, ",3.1415899999999999\r\n", "$18\r\n3.1415899999999999\r\n");
    check_both([](W& w) { w.double_number(std::numeric_limits<double>::infinity()); }, ",inf\r\n", "$3\r\ninf\r\n");
    check_both([](W& w) { w.double_number(-std::numeric_limits<double>::infinity()); }, ",-inf\r\n", "$4\r\n-inf\r\n");
    check_both([](W& w) { w.double_number(-std::nan("")); }, ",-nan\r\n", "$4\r\n-nan\r\n");
    check_both([](W& w) { w.big_number("123"); }, "(123\r\n", "$3\r\n123\r\n");
    check_both([](W& w) { w.verbatim_string("txt", "hi"); }, "=6\r\ntxt:hi\r\n", "$2\r\nhi\r\n");
    check_both([](W& w) { w.verbatim_payload("mkd:# t"); }, "=7\r\nmkd:# t\r\n", "$3\r\n# t\r\n");
    // Redis: an error reply with CR LF inside is sent with spaces in their place.
    check_both([](W& w) { w.bulk_error("ERR a\r\nb"); }, "!8\r\nERR a\r\nb\r\n", "-ERR a  b\r\n");
}

TEST_CASE("aggregates in RESP3 and their RESP2 downgrades") {
    using W = writer<std::string>;
    // Redis: HGETALL -> %1 / *2; SMEMBERS -> ~1 / *1; pub/sub message -> >3 / *3.
    check_both([](W& w) { w.map(1); w.bulk_string("a"); w.integer(1); }, "%1\r\n$1\r\na\r\n:1\r\n",
               "*2\r\n$1\r\na\r\n:1\r\n");
    check_both([](W& w) { w.set(1); w.bulk_string("a"); }, "~1\r\n$1\r\na\r\n", "*1\r\n$1\r\na\r\n");
    check_both([](W& w) { w.push(0); }, ">0\r\n", "*0\r\n");
    check_both([](W& w) { w.array(12); }, "*12\r\n", "*12\r\n");
    check_both([](W& w) { w.map(0); }, "%0\r\n", "*0\r\n");
    // Attributes have no RESP2 form: nothing is written on a RESP2 writer.
    check_both([](W& w) { w.attribute(1); }, "|1\r\n", "");
}

TEST_CASE("streamed strings and aggregates (RESP3 only)") {
    std::string out;
    writer w(out);
    w.streamed_string_begin();
    w.streamed_string_part("Hell");
    w.streamed_string_part("o");
    w.streamed_string_end();
    w.streamed_aggregate_begin(type::map);
    w.simple_string("k");
    w.integer(1);
    w.stream_end();
    CHECK(out == "$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n%?\r\n+k\r\n:1\r\n.\r\n");
    const auto run = respkit_test::run_whole(out);
    CHECK(run.message_lengths.size() == 2);
    CHECK(!run.error);
}

TEST_CASE("nesting has no depth limit in the writer") {
    std::string out;
    writer w(out);
    for (int i = 0; i < 100000; ++i) w.array(1);
    w.integer(1);
    limits lim;
    lim.max_depth = 100000;
    const auto run = respkit_test::run_whole(out, lim);
    CHECK(run.message_lengths == std::vector<std::size_t>{out.size()});
}

TEST_CASE("formatting doubles matches printf's %.17g") {
    const double samples[] = {0.0, -0.0, 1.0, -2.5, 0.1, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.0,
                              1e16, 1e17, 12345678901234567890.0, 3.0e-5, 0.30000000000000004};
    for (const double d : samples) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "%.17g", d);
        char buf[respkit::detail::max_double_chars];
        CHECK(std::string(buf, respkit::detail::format_double(d, buf)) == expected);
    }
}

TEST_CASE("the command writer writes multibulk commands from strings and numbers") {
    std::string out;
    const std::string key = "key:1";
    write_command(out, "SET", key, std::string_view("v\r\n"), 42, -7LL, 18446744073709551615ULL, 1.5);
    CHECK(out == "*7\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$3\r\nv\r\n\r\n$2\r\n42\r\n$2\r\n-7\r\n"
                 "$20\r\n18446744073709551615\r\n$3\r\n1.5\r\n");
    std::vector<std::string> args = {"MGET", "a", "b"};
    std::string ranged;
    write_command_range(ranged, args);
    CHECK(ranged == "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST_CASE("sinks: std::string, std::vector<char>, a fixed buffer that reports overflow") {
    std::vector<char> vec;
    writer vw(vec);
    vw.simple_string("OK");
    CHECK(std::string(vec.begin(), vec.end()) == "+OK\r\n");

    std::array<char, 8> memory{};
    fixed_buffer_sink fixed(memory);
    writer fw(fixed);
    fw.simple_string("OK");
    CHECK(fixed.view() == "+OK\r\n");
    CHECK(!fixed.overflowed());
    fw.simple_string("OK");
    CHECK(fixed.overflowed());
    CHECK(fixed.size() == 8);
    fixed.clear();
    CHECK(fixed.view().empty());
}

TEST_CASE("write(node) reproduces every canonical vector") {
    const std::string inputs[] = {
        "+OK\r\n", ":-1\r\n", "$3\r\nfoo\r\n", "$-1\r\n", "*-1\r\n", "_\r\n", "#t\r\n", ",-nan\r\n",
        "(12\r\n", "!3\r\nERR\r\n", "=5\r\ntxt:a\r\n", "%1\r\n+a\r\n*2\r\n:1\r\n~0\r\n",
        "|1\r\n+a\r\n+b\r\n>1\r\n:1\r\n", "$?\r\n;1\r\na\r\n;0\r\n", "*?\r\n%?\r\n.\r\n.\r\n",
    };
    for (const auto& input : inputs) {
        CAPTURE(input);
        std::string out;
        writer w(out);
        parser p;
        CHECK(p.parse(input, [&](const node& n) { w.write(n); }).status == parse_status::complete);
        CHECK(out == input);
    }
}

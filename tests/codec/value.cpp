// Owning values: building from nodes (attributes, streamed types), equality, deep copies and
// destruction without recursion, writing back in RESP3 and RESP2, redis-cli formatting.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "respkit/resp/cli_format.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/resp/value_writer.hpp"

using namespace respkit::resp;
using namespace std::string_literals;

namespace {

value parsed(const std::string& bytes) {
    const parsed_value p = parse_value(bytes);
    REQUIRE(p.result == parse_result{parse_status::complete, bytes.size()});
    return p.value;
}

} // namespace

TEST_CASE("values built by the parser hold every type") {
    const value v = parsed("*9\r\n+OK\r\n-ERR x\r\n:-5\r\n$3\r\na\0b\r\n$-1\r\n_\r\n#t\r\n,1.5\r\n(99\r\n"s);
    REQUIRE(v.type() == type::array);
    REQUIRE(v.size() == 9);
    CHECK(v[0] == value::simple_string("OK"));
    CHECK(v[1].is_error());
    CHECK(v[2].integer() == -5);
    CHECK(v[3].string() == "a\0b"s);
    CHECK(v[4].is_null());
    CHECK(v[4].type() == type::null_bulk_string);
    CHECK(v[5].type() == type::null);
    CHECK(v[6].boolean());
    CHECK(v[7].to_double() == 1.5);
    CHECK(v[8] == value::big_number("99"));

    const value m = parsed("%2\r\n+a\r\n:1\r\n+b\r\n=6\r\ntxt:hi\r\n");
    REQUIRE(m.find("b") != nullptr);
    CHECK(m.find("b")->text() == "hi");
    CHECK(m.find("b")->string() == "txt:hi");
    CHECK(m.find("zz") == nullptr);
    CHECK(m == value::map({value::simple_string("a"), value::integer(1), value::simple_string("b"),
                           value::verbatim_string("txt", "hi")}));
}

TEST_CASE("attributes attach to the element they describe") {
    const value v = parsed("|1\r\n+ttl\r\n:10\r\n*2\r\n|1\r\n+x\r\n+y\r\n:1\r\n:2\r\n");
    REQUIRE(v.type() == type::array);
    REQUIRE(v.attributes().size() == 2);
    CHECK(v.attributes()[0].string() == "ttl");
    REQUIRE(v.size() == 2);
    REQUIRE(v[0].attributes().size() == 2);
    CHECK(v[0].attributes()[1].string() == "y");
    CHECK(v[1].attributes().empty());
    // Attributes are written back in RESP3 and left out in RESP2.
    CHECK(to_resp(v) == "|1\r\n+ttl\r\n:10\r\n*2\r\n|1\r\n+x\r\n+y\r\n:1\r\n:2\r\n");
    CHECK(to_resp(v, protocol::resp2) == "*2\r\n:1\r\n:2\r\n");
}

TEST_CASE("streamed strings and aggregates become ordinary values") {
    CHECK(parsed("$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n") == value::bulk_string("Hello"));
    CHECK(parsed("*?\r\n:1\r\n$?\r\n;1\r\nx\r\n;0\r\n.\r\n") ==
          value::array({value::integer(1), value::bulk_string("x")}));
    CHECK(parsed("%?\r\n+k\r\n+v\r\n.\r\n") == value::map({value::simple_string("k"), value::simple_string("v")}));
}

TEST_CASE("RESP2 downgrade of a whole value") {
    const value v = value::map({value::bulk_string("score"), value::double_number(0.1), value::bulk_string("set"),
                                value::set({value::boolean(true), value::null()})});
    CHECK(to_resp(v) == "%2\r\n$5\r\nscore\r\n,0.10000000000000001\r\n$3\r\nset\r\n~2\r\n#t\r\n_\r\n");
    CHECK(to_resp(v, protocol::resp2) ==
          "*4\r\n$5\r\nscore\r\n$19\r\n0.10000000000000001\r\n$3\r\nset\r\n*2\r\n:1\r\n$-1\r\n");
}

TEST_CASE("copy, compare and destroy a 1,000,000-deep value without recursion") {
    constexpr int depth = 1'000'000;
    std::string bytes;
    for (int i = 0; i < depth; ++i) bytes += "*1\r\n";
    bytes += ":7\r\n";
    limits lim;
    lim.max_depth = depth;
    parsed_value p = parse_value(bytes, lim);
    REQUIRE(p.result.status == parse_status::complete);
    value copy = p.value;                    // deep copy
    CHECK(copy == p.value);                  // deep comparison
    CHECK(to_resp(copy) == bytes);           // writing
    CHECK(format_cli(copy).size() > depth); // printing
    value moved = std::move(copy);
    copy = value::integer(1);               // assignment destroys nothing deep
    p.value = value();                      // destroys a deep tree
    CHECK(moved != value());
}   // destroys `moved`, another deep tree

TEST_CASE("values compare deeply, including type distinctions") {
    CHECK(value::null() != value::null_bulk_string());
    CHECK(value::bulk_string("1") != value::simple_string("1"));
    CHECK(value::array({value::integer(1)}) == value::array({value::integer(1)}));
    CHECK(value::array({value::integer(1)}) != value::array({value::integer(2)}));
    CHECK(value::array({}) != value::set({}));
}

TEST_CASE("redis-cli formatting (checked against redis-cli 7.0.15 --no-raw)") {
    CHECK(format_cli(value::simple_string("OK")) == "OK\n");
    CHECK(format_cli(value::simple_error("ERR x")) == "(error) ERR x\n");
    CHECK(format_cli(value::bulk_error("SYNTAX y")) == "(error) SYNTAX y\n");
    CHECK(format_cli(value::integer(-3)) == "(integer) -3\n");
    CHECK(format_cli(value::bulk_string("a\"b\\\n\r\t\a\b\x01\xff")) == "\"a\\\"b\\\\\\n\\r\\t\\a\\b\\x01\\xff\"\n");
    CHECK(format_cli(value::null()) == "(nil)\n");
    CHECK(format_cli(value::null_array()) == "(nil)\n");
    CHECK(format_cli(value::boolean(false)) == "(false)\n");
    CHECK(format_cli(value::double_text("-nan")) == "(double) -nan\n");
    CHECK(format_cli(value::big_number("12")) == "(big number) 12\n");
    CHECK(format_cli(value::verbatim_string("txt", "line1\nline2")) == "line1\nline2\n");
    CHECK(format_cli(value::array({})) == "(empty array)\n");
    CHECK(format_cli(value::map({})) == "(empty hash)\n");
    CHECK(format_cli(value::set({})) == "(empty set)\n");
    CHECK(format_cli(value::push({})) == "(empty push)\n");
    // Redis: ZRANGE z 0 -1 WITHSCORES in RESP3.
    CHECK(format_cli(parsed("*2\r\n*2\r\n$1\r\nx\r\n,1.5\r\n*2\r\n$1\r\ny\r\n,2\r\n")) ==
          "1) 1) \"x\"\n   2) (double) 1.5\n2) 1) \"y\"\n   2) (double) 2\n");
    // Redis: HGETALL in RESP3.
    CHECK(format_cli(parsed("%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")) ==
          "1# \"a\" => \"1\"\n2# \"b\" => \"2\"\n");
    // A map value that takes several lines starts on a line of its own (COMMAND DOCS).
    CHECK(format_cli(parsed("%1\r\n$3\r\nget\r\n%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*2\r\n:1\r\n:2\r\n")) ==
          "1# \"get\" => \n   1# \"a\" => (integer) 1\n   2# \"b\" => \n      1) (integer) 1\n      2) (integer) 2\n");
    // A single-element map value stays on the key's line.
    CHECK(format_cli(parsed("%1\r\n$1\r\nk\r\n*1\r\n:5\r\n")) == "1# \"k\" => 1) (integer) 5\n");
    // Index width grows with the count: ten elements pad to two columns.
    std::vector<value> ten;
    for (int i = 0; i < 10; ++i) ten.push_back(value::integer(i));
    const std::string out = format_cli(value::array({value::array(ten)}));
    CHECK(out.substr(0, 20) == "1)  1) (integer) 0\n ");
    CHECK(out.find("\n   10) (integer) 9\n") != std::string::npos);
}

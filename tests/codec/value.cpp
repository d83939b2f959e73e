// Owning values: building from nodes (attributes, streamed types), equality, deep copies and
// destruction without recursion, moves, elements copied alone, empty aggregates, attributes and
// streamed strings in aggregates built in place or on the stack, one builder
// for many messages, strings of every length around the in-node size, integers handed over by
// the parser, writing back in RESP3 and RESP2, redis-cli formatting.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "respkit/resp/cli_format.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/resp/value_writer.hpp"
#include "support/typed_check.hpp"

using namespace respkit::resp;
using namespace std::string_literals;

using respkit_test::parsed;

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

TEST_CASE("elements are copied out of a deep value without recursion, and outlive it") {
    constexpr int depth = 100'000;
    std::string bytes;
    for (int i = 0; i < depth; ++i) bytes += "*2\r\n$1\r\nx\r\n";
    bytes += "|1\r\n+k\r\n+v\r\n:7\r\n";
    limits lim;
    lim.max_depth = depth + 1;
    value whole = parse_value(bytes, lim).value;
    REQUIRE(whole.size() == 2);
    value inner = whole[1]; // an element: copied into a block of its own, walking without recursion
    CHECK(inner == whole[1]);
    CHECK(to_resp(inner) == bytes.substr(std::string("*2\r\n$1\r\nx\r\n").size()));
    whole = value(); // the copy owns its own bytes
    const value* e = &inner;
    for (int i = 1; i < depth; ++i) {
        REQUIRE(e->size() == 2);
        e = &(*e)[1];
    }
    REQUIRE(e->attributes().size() == 2);
    CHECK(e->attributes()[1].string() == "v");
    CHECK(e->integer() == 7);
}

TEST_CASE("moves leave a null, copies are independent") {
    value a = parsed("*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n:1\r\n~0\r\n");
    const value expected = a;
    value b = std::move(a);
    CHECK(a == value()); // NOLINT(bugprone-use-after-move): moved-from is a null
    CHECK(a.type() == type::null);
    CHECK(b == expected);
    value& self = b;
    b = std::move(self);
    CHECK(b == expected);
    b = self;
    CHECK(b == expected);
    value c = b;
    b = value::integer(3); // frees b's block; c keeps its own
    CHECK(c == expected);
    CHECK(c[0].string() == "hello");
    CHECK(c[1].find("k")->integer() == 1);
    value d = c[1]; // an element copied alone
    c = value();
    CHECK(d == value::map({value::simple_string("k"), value::integer(1)}));
    std::vector<value> many(100, d); // copies of a value that owns its block
    many.push_back(std::move(d));
    for (const value& v : many) CHECK(v[0].string() == "k");
}

TEST_CASE("empty aggregates, pushes and attributes in every position") {
    const value v = parsed("*4\r\n*0\r\n%0\r\n~0\r\n>0\r\n");
    REQUIRE(v.size() == 4);
    CHECK(v[0] == value::array({}));
    CHECK(v[1] == value::map({}));
    CHECK(v[2] == value::set({}));
    CHECK(v[3] == value::push({}));
    for (const value& e : v.elements()) {
        CHECK(e.elements().empty());
        CHECK(e.size() == 0);
        CHECK(value(e) == e);
    }
    CHECK(to_resp(v) == "*4\r\n*0\r\n%0\r\n~0\r\n>0\r\n");

    const value push = parsed(">3\r\n+message\r\n$2\r\nch\r\n$-1\r\n");
    CHECK(push == value::push({value::simple_string("message"), value::bulk_string("ch"), value::null_bulk_string()}));

    // `|0` attaches nothing; attributes on a map's key and value and on a streamed string.
    const value m = parsed("|0\r\n%1\r\n|1\r\n+a\r\n:1\r\n+key\r\n|1\r\n+b\r\n:2\r\n$?\r\n;2\r\nxy\r\n;0\r\n");
    CHECK(m.attributes().empty());
    REQUIRE(m.size() == 2);
    CHECK(m[0].attributes()[0].string() == "a");
    CHECK(m[1].attributes()[1].integer() == 2);
    CHECK(m[1].string() == "xy");
    CHECK(m != value::map({value::simple_string("key"), value::bulk_string("xy")})); // attributes count
    CHECK(m == value::map({value::with_attributes(value::simple_string("key"),
                                                  {value::simple_string("a"), value::integer(1)}),
                           value::with_attributes(value::bulk_string("xy"),
                                                  {value::simple_string("b"), value::integer(2)})}));
    CHECK(to_resp(m) == "%1\r\n|1\r\n+a\r\n:1\r\n+key\r\n|1\r\n+b\r\n:2\r\n$2\r\nxy\r\n");
    const value top = value::with_attributes(value::integer(5), {value::simple_string("t"), value::null()});
    CHECK(to_resp(top) == "|1\r\n+t\r\n_\r\n:5\r\n");
    CHECK(value(top) == top);
}

TEST_CASE("one builder, many messages: each value owns its bytes, large ones too") {
    std::string stream = "$100000\r\n" + std::string(100'000, 'a') + "\r\n";
    stream += "*5000\r\n";
    for (int i = 0; i < 5000; ++i) stream += ":" + std::to_string(i) + "\r\n";
    stream += "+small\r\n";
    parser p;
    value_builder builder;
    std::vector<value> values;
    std::string_view rest = stream;
    while (!rest.empty()) {
        const parse_result r = p.parse(rest, builder);
        REQUIRE(r.status == parse_status::complete);
        REQUIRE(builder.done());
        values.push_back(builder.take());
        rest.remove_prefix(r.consumed);
    }
    REQUIRE(values.size() == 3);
    CHECK(values[0].string() == std::string(100'000, 'a'));
    REQUIRE(values[1].size() == 5000);
    CHECK(values[1][4999].integer() == 4999);
    CHECK(values[2] == value::simple_string("small"));
    CHECK(value(values[1]) == values[1]);
    // A partial message is dropped by reset(); take() before done() gives a null.
    CHECK(p.parse("*2\r\n:1\r\n", builder).status == parse_status::need_more);
    builder.reset();
    p.reset();
    CHECK(builder.take() == value());
    REQUIRE(p.parse(":9\r\n", builder).status == parse_status::complete);
    CHECK(builder.take() == value::integer(9));
}

TEST_CASE("attributes and streamed elements inside aggregates too large to be built in place") {
    // 200 elements (more than the 128 written in place): attributes on the aggregate, on
    // elements, on a nested small aggregate, and a streamed string among them.
    std::string bytes = "|1\r\n+a\r\n:1\r\n*200\r\n";
    std::vector<value> expected;
    for (int i = 0; i < 197; ++i) {
        bytes += ":" + std::to_string(i) + "\r\n";
        expected.push_back(value::integer(i));
    }
    bytes += "|1\r\n+b\r\n+c\r\n$20\r\n01234567890123456789\r\n";
    expected.push_back(value::with_attributes(value::bulk_string("01234567890123456789"),
                                              {value::simple_string("b"), value::simple_string("c")}));
    bytes += "|1\r\n+d\r\n:2\r\n*1\r\n|1\r\n+e\r\n:3\r\n$1\r\nx\r\n";
    expected.push_back(value::with_attributes(
        value::array({value::with_attributes(value::bulk_string("x"), {value::simple_string("e"), value::integer(3)})}),
        {value::simple_string("d"), value::integer(2)}));
    bytes += "$?\r\n;3\r\nabc\r\n;0\r\n";
    expected.push_back(value::bulk_string("abc"));
    const value v = parsed(bytes);
    REQUIRE(v.size() == 200);
    CHECK(v == value::with_attributes(value::array(expected), {value::simple_string("a"), value::integer(1)}));
    CHECK(v[197].attributes()[1].string() == "c");
    CHECK(v[198][0].attributes()[0].string() == "e");
    CHECK(v[199].string() == "abc");
    const std::string streamed = "$?\r\n;3\r\nabc\r\n;0\r\n";
    std::string written = bytes; // the streamed string is written as an ordinary one
    written.replace(written.find(streamed), streamed.size(), "$3\r\nabc\r\n");
    CHECK(to_resp(v) == written);
    const value copy = v[198]; // an element with attributes, copied alone
    CHECK(copy == v[198]);
    CHECK(to_resp(copy) == "|1\r\n+d\r\n:2\r\n*1\r\n|1\r\n+e\r\n:3\r\n$1\r\nx\r\n");
}

TEST_CASE("strings of every length around the in-node size, alone and in aggregates of both kinds") {
    // 0-40 bytes: kept in the node (at most 16) or in the block, at the top, in an aggregate
    // written in place and in one too large for that (200 elements), with bytes that differ
    // at every position.
    for (std::size_t n = 0; n <= 40; ++n) {
        CAPTURE(n);
        std::string text;
        for (std::size_t i = 0; i < n; ++i) text += static_cast<char>('A' + i % 26 + (i / 26) * 6);
        const std::string bulk = "$" + std::to_string(n) + "\r\n" + text + "\r\n";
        const value alone = parsed(bulk);
        CHECK(alone.string() == text);
        CHECK(alone == value::bulk_string(text));
        if (!text.empty()) {
            const value simple = parsed("+" + text + "\r\n");
            CHECK(simple == value::simple_string(text));
        }
        for (const std::size_t count : {std::size_t{3}, std::size_t{200}}) {
            std::string bytes = "*" + std::to_string(count) + "\r\n";
            for (std::size_t i = 0; i < count; ++i) bytes += i % 2 == 0 ? bulk : ":" + std::to_string(i) + "\r\n";
            const value v = parsed(bytes);
            REQUIRE(v.size() == count);
            CHECK(v[0].string() == text);
            CHECK(v[count - 1].string() == ((count - 1) % 2 == 0 ? text : ""));
            CHECK(v[1].integer() == 1);
            CHECK(value(v) == v);
        }
    }
}

TEST_CASE("integers reach the builder as the parser read them") {
    struct numbers {
        std::vector<std::int64_t> seen;
        std::size_t plain_calls = 0;
        void operator()(const node&) { ++plain_calls; }
        void operator()(const node& n, std::int64_t number) {
            CHECK(n.type == type::integer);
            seen.push_back(number);
        }
    };
    static_assert(integer_visitor<numbers>);
    static_assert(integer_visitor<value_builder>);
    const std::string bytes = "*8\r\n:0\r\n:-1\r\n:1\r\n:-10\r\n:70\r\n:999999999999999999\r\n"
                              ":9223372036854775807\r\n:-9223372036854775808\r\n";
    parser p;
    numbers visitor;
    REQUIRE(p.parse(bytes, visitor) == parse_result{parse_status::complete, bytes.size()});
    CHECK(visitor.plain_calls == 1); // the array
    CHECK(visitor.seen == std::vector<std::int64_t>{0, -1, 1, -10, 70, 999999999999999999, INT64_MAX, INT64_MIN});
    const value v = parsed(bytes);
    REQUIRE(v.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) CHECK(v[i].integer() == visitor.seen[i]);
    // -1 read on the fast path: a null bulk string, a null array, and refused where it is no length.
    CHECK(parsed("$-1\r\n").type() == type::null_bulk_string);
    CHECK(parsed("*-1\r\n").type() == type::null_array);
    CHECK(parse_value("$-12\r\n").result.status == parse_status::error);
    CHECK(parse_value("*-2\r\n").result.status == parse_status::error);
    CHECK(parse_value("~-1\r\n").result.status == parse_status::error);
    CHECK(parse_value(":-1x\r\n").result.status == parse_status::error);
}

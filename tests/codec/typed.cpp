// Typed serialization: every C++ type's RESP form in RESP3 and RESP2, read back from parsed
// nodes and from owning values (round trips equal), and string_view targets without copies.
// Errors and user types: typed_errors.cpp.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/typed_read.hpp"
#include "respkit/resp/typed_write.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/resp/value_writer.hpp"

#include "support/typed_check.hpp"

using namespace respkit::resp;
using namespace respkit_test;
using namespace std::string_literals;

namespace {

constexpr protocol resp2 = protocol::resp2;

} // namespace

TEST_CASE("typed: scalars both ways, RESP3 and RESP2") {
    round_trip(std::int8_t{-5}, ":-5\r\n", ":-5\r\n");
    round_trip(std::uint8_t{200}, ":200\r\n", ":200\r\n");
    CHECK(encode(std::int16_t{-32768}) == ":-32768\r\n");
    CHECK(encode(std::uint16_t{65535}, resp2) == ":65535\r\n");
    CHECK(encode(-7L) == ":-7\r\n");
    CHECK(encode(7ULL) == ":7\r\n");
    round_trip(std::uint32_t{4294967295u}, ":4294967295\r\n", ":4294967295\r\n");
    round_trip(std::int64_t{INT64_MIN}, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
    round_trip(std::int64_t{INT64_MAX}, ":9223372036854775807\r\n", ":9223372036854775807\r\n");
    // Past RESP's signed integers: a big number (a bulk string in RESP2).
    round_trip(std::uint64_t{18446744073709551615u}, "(18446744073709551615\r\n", "$20\r\n18446744073709551615\r\n");
    round_trip(std::uint64_t{42}, ":42\r\n", ":42\r\n");
    round_trip(true, "#t\r\n", ":1\r\n");
    round_trip(false, "#f\r\n", ":0\r\n");
    // Doubles as Redis 7.0 formats them ("%.17g", inf); bulk strings in RESP2.
    round_trip(3.5, ",3.5\r\n", "$3\r\n3.5\r\n");
    round_trip(0.1, ",0.10000000000000001\r\n", "$19\r\n0.10000000000000001\r\n");
    round_trip(-1.0 / 0.0, ",-inf\r\n", "$4\r\n-inf\r\n");
    round_trip(2.5f, ",2.5\r\n", "$3\r\n2.5\r\n");
    round_trip("a\0b"s, "$3\r\na\0b\r\n"s, "$3\r\na\0b\r\n"s);
    round_trip(""s, "$0\r\n\r\n", "$0\r\n\r\n");
    CHECK(encode("literal") == "$7\r\nliteral\r\n");
    const char* pointer = "ptr";
    CHECK(encode(pointer) == "$3\r\nptr\r\n");
    CHECK(encode(std::string_view("view")) == "$4\r\nview\r\n");
    round_trip(std::optional<int>{}, "_\r\n", "$-1\r\n");
    round_trip(std::optional<int>{7}, ":7\r\n", ":7\r\n");
    round_trip(std::optional<std::string>{"s"}, "$1\r\ns\r\n", "$1\r\ns\r\n");
    CHECK(encode(std::nullopt) == "_\r\n");
    CHECK(encode(std::nullopt, resp2) == "$-1\r\n");
    CHECK(encode(nullptr) == "_\r\n");
    // Every null reads as an empty optional.
    std::optional<int> o = 1;
    CHECK(decode("*-1\r\n", o));
    CHECK(!o.has_value());

    // What else the scalar targets accept: RESP2 numbers sent as strings, simple strings,
    // verbatim strings, integers as doubles.
    std::int64_t i = 0;
    CHECK(decode("$3\r\n-12\r\n", i));
    CHECK(i == -12);
    CHECK(decode("+15\r\n", i));
    CHECK(i == 15);
    CHECK(decode("(-9223372036854775808\r\n", i));
    CHECK(i == INT64_MIN);
    double d = 0;
    CHECK(decode(":3\r\n", d));
    CHECK(d == 3.0);
    CHECK(decode("+1e3\r\n", d));
    CHECK(d == 1000.0);
    std::string s;
    CHECK(decode("+OK\r\n", s));
    CHECK(s == "OK");
    CHECK(decode("=8\r\ntxt:some\r\n", s));
    CHECK(s == "some");
    CHECK(read_into(parsed("=8\r\ntxt:some\r\n"), s));
    CHECK(s == "some");
}

TEST_CASE("typed: sequences, sets, maps, pairs and tuples, nested") {
    round_trip(std::vector<int>{1, 2, 3}, "*3\r\n:1\r\n:2\r\n:3\r\n", "*3\r\n:1\r\n:2\r\n:3\r\n");
    round_trip(std::vector<int>{}, "*0\r\n", "*0\r\n");
    round_trip(std::array<std::string, 2>{"a", "b"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    round_trip(std::list<double>{0.5}, "*1\r\n,0.5\r\n", "*1\r\n$3\r\n0.5\r\n");
    round_trip(std::deque<bool>{true, false}, "*2\r\n#t\r\n#f\r\n", "*2\r\n:1\r\n:0\r\n");
    const int raw[] = {4, 5};
    CHECK(encode(std::span<const int>(raw)) == "*2\r\n:4\r\n:5\r\n");
    CHECK(encode(raw) == "*2\r\n:4\r\n:5\r\n");
    round_trip(std::set<std::string>{"x", "y"}, "~2\r\n$1\r\nx\r\n$1\r\ny\r\n", "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    round_trip(std::unordered_set<int>{9}, "~1\r\n:9\r\n", "*1\r\n:9\r\n");
    round_trip(std::map<std::string, int>{{"a", 1}, {"b", 2}}, "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n",
               "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n");
    round_trip(std::unordered_map<int, std::string>{{1, "one"}}, "%1\r\n:1\r\n$3\r\none\r\n",
               "*2\r\n:1\r\n$3\r\none\r\n");
    round_trip(std::vector<std::pair<std::string, double>>{{"m", 1.5}, {"n", 2.0}},
               "%2\r\n$1\r\nm\r\n,1.5\r\n$1\r\nn\r\n,2\r\n", "*4\r\n$1\r\nm\r\n$3\r\n1.5\r\n$1\r\nn\r\n$1\r\n2\r\n");
    round_trip(std::pair<std::string, int>{"k", 3}, "*2\r\n$1\r\nk\r\n:3\r\n", "*2\r\n$1\r\nk\r\n:3\r\n");
    round_trip(std::tuple<int, std::string, std::optional<bool>>{1, "t", std::nullopt}, "*3\r\n:1\r\n$1\r\nt\r\n_\r\n",
               "*3\r\n:1\r\n$1\r\nt\r\n$-1\r\n");
    round_trip(std::tuple<>{}, "*0\r\n", "*0\r\n");

    // Nested: a map of vectors of maps of optional tuples.
    using deep = std::map<std::string, std::vector<std::map<int, std::optional<std::tuple<int, std::set<int>>>>>>;
    const deep v{{"k", {{{1, std::tuple<int, std::set<int>>{2, {3, 4}}}, {5, std::nullopt}}, {}}}};
    round_trip(v, "%1\r\n$1\r\nk\r\n*2\r\n%2\r\n:1\r\n*2\r\n:2\r\n~2\r\n:3\r\n:4\r\n:5\r\n_\r\n%0\r\n",
               "*2\r\n$1\r\nk\r\n*2\r\n*4\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n:4\r\n:5\r\n$-1\r\n*0\r\n");

    // A set reads from an array (RESP2) and a sequence from a set (RESP3) or a push.
    std::vector<std::string> seq;
    CHECK(decode("~2\r\n+a\r\n+b\r\n", seq));
    CHECK(seq == std::vector<std::string>{"a", "b"});
    CHECK(decode(">1\r\n+m\r\n", seq));
    CHECK(seq == std::vector<std::string>{"m"});
    // A map target keeps the first of duplicate keys (std::map::emplace).
    std::map<std::string, int> m;
    CHECK(decode("%2\r\n+a\r\n:1\r\n+a\r\n:2\r\n", m));
    CHECK(m == std::map<std::string, int>{{"a", 1}});
    // Attributes before an element (or inside) are skipped.
    std::vector<int> with_attributes;
    CHECK(decode("|1\r\n+ttl\r\n:3\r\n*2\r\n:1\r\n|1\r\n+a\r\n*1\r\n:0\r\n:2\r\n", with_attributes));
    CHECK(with_attributes == std::vector<int>{1, 2});
    // resp::value writes as itself.
    CHECK(encode(value::map({value::bulk_string("a"), value::boolean(true)}), resp2) == "*2\r\n$1\r\na\r\n:1\r\n");
}

// Client command arguments are bulk strings: strings and numbers; what has no one meaning as
// one argument is refused at compile time (docs/typed-values.md).
static_assert(command_argument<std::int8_t> && command_argument<std::uint64_t> && command_argument<double> &&
              command_argument<std::string> && command_argument<const char*> && command_argument<std::string_view>);
static_assert(!command_argument<bool> && !command_argument<char> && !command_argument<std::vector<int>> &&
              !command_argument<std::optional<int>> && !command_argument<std::pair<int, int>> &&
              !command_argument<std::map<std::string, int>>);

TEST_CASE("typed: client arguments of every width are bulk strings in decimal") {
    std::string out;
    write_command(out, "SET", std::int8_t{-5}, std::uint64_t{18446744073709551615u}, 0.1);
    CHECK(out == "*4\r\n$3\r\nSET\r\n$2\r\n-5\r\n$20\r\n18446744073709551615\r\n$19\r\n0.10000000000000001\r\n");
}

TEST_CASE("typed: string_view targets view the source, no copy") {
    const std::string bytes = "*2\r\n$5\r\nhello\r\n+world\r\n";
    std::vector<std::string_view> views;
    REQUIRE(decode(bytes, views));
    REQUIRE(views.size() == 2);
    CHECK(views[0] == "hello");
    CHECK(views[0].data() == bytes.data() + 8);
    CHECK(views[1].data() == bytes.data() + 16);
    const value v = parsed(bytes);
    REQUIRE(read_into(v, views));
    CHECK(views[0].data() == v[0].string().data());
    CHECK(views[1] == "world");
}


TEST_CASE("resp::value as a read target: a copy of the element, from nodes and from a value") {
    // Nested, with attributes inside (kept) and before the element (skipped), among typed
    // elements; the copy outlives its source.
    const std::string bytes = "*3\r\n$2\r\nk1\r\n|1\r\n+a\r\n:1\r\n*2\r\n:7\r\n|1\r\n+b\r\n:2\r\n$21\r\n"
                              "a string of 21 bytes.\r\n%1\r\n+x\r\n_\r\n"s;
    const value whole = parsed(bytes);
    const value expected_second = value::array(
        {value::integer(7), value::with_attributes(value::bulk_string("a string of 21 bytes."),
                                                   {value::simple_string("b"), value::integer(2)})});
    std::tuple<std::string, value, value> from_nodes, from_value;
    CHECK(decode(bytes, from_nodes).error == "");
    CHECK(read_into(whole, from_value).error == "");
    for (const auto* t : {&from_nodes, &from_value}) {
        CHECK(std::get<0>(*t) == "k1");
        CHECK(std::get<1>(*t) == expected_second);
        CHECK(std::get<1>(*t).attributes().empty());
        CHECK(std::get<2>(*t) == value::map({value::simple_string("x"), value::null()}));
    }
    value alone;
    {
        const std::string copy = bytes;
        CHECK(decode(copy, alone).error == "");
    }
    CHECK(alone == whole);
    std::vector<value> elements;
    CHECK(read_into(whole, elements).error == "");
    REQUIRE(elements.size() == 3);
    CHECK(elements[0] == value::bulk_string("k1"));
    CHECK(to_resp(elements[1]) == "*2\r\n:7\r\n|1\r\n+b\r\n:2\r\n$21\r\na string of 21 bytes.\r\n");
    // Nothing left to read: the error names what was expected.
    std::tuple<value, value> too_many;
    CHECK(decode("*1\r\n:1\r\n", too_many).error.find("expected an array of 2") != std::string::npos);
}

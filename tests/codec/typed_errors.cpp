// Typed serialization: a user type through resp::serializer, and every reading error with its
// path and message, from parsed nodes and from owning values alike.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "respkit/resp/typed_read.hpp"
#include "respkit/resp/typed_write.hpp"
#include "respkit/resp/value_builder.hpp"

#include "support/typed_check.hpp"

using namespace respkit::resp;
using namespace respkit_test;
using namespace std::string_literals;

namespace {

// A user type: written as a map {name, x, y}; read from such a map (keys in any order).
struct point {
    std::string name;
    int x = 0;
    int y = 0;
    friend bool operator==(const point&, const point&) = default;
};

// A self-nesting user type, to check the depth guard.
struct nest {
    std::vector<nest> inner;
};

} // namespace

template <>
struct respkit::resp::serializer<point> {
    template <class Sink>
    static void write(writer<Sink>& out, const point& p) {
        out.map(3);
        resp::write(out, "name");
        resp::write(out, p.name);
        resp::write(out, "x");
        resp::write(out, p.x);
        resp::write(out, "y");
        resp::write(out, p.y);
    }
    static bool read(reader& in, point& p) {
        std::size_t pairs = 0;
        if (!in.begin_map(pairs, "a point (a map)")) return false;
        std::string key;
        path_segment key_name;
        for (std::size_t i = 0; i < pairs; ++i) {
            if (!in.read_key(i, key, key_name)) return false;
            if (key == "name") {
                if (!in.read_mapped(key_name, p.name)) return false;
            } else if (key == "x" || key == "y") {
                if (!in.read_mapped(key_name, key == "x" ? p.x : p.y)) return false;
            } else {
                const reader::path_scope at(in, key_name);
                return in.fail_with("unknown field \"" + key + "\" of a point");
            }
        }
        return true;
    }
};

template <>
struct respkit::resp::serializer<nest> {
    static bool read(reader& in, nest& n) {
        std::size_t count = 0;
        if (!in.begin_array(count)) return false;
        n.inner.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
            if (!in.read_element(i, n.inner[i])) return false;
        }
        return true;
    }
};

TEST_CASE("typed: a user type through resp::serializer, both ways and in containers") {
    const point p{"origin", 0, -3};
    round_trip(p, "%3\r\n$4\r\nname\r\n$6\r\norigin\r\n$1\r\nx\r\n:0\r\n$1\r\ny\r\n:-3\r\n",
               "*6\r\n$4\r\nname\r\n$6\r\norigin\r\n$1\r\nx\r\n:0\r\n$1\r\ny\r\n:-3\r\n");
    const std::vector<point> points{p, {"b", 1, 2}};
    CHECK(read<std::vector<point>>(parsed(encode(points))) == points);
    CHECK(error_of<std::vector<point>>("*2\r\n%0\r\n%1\r\n+y\r\n+high\r\n") ==
          "at $[1].y: expected an integer from -2147483648 to 2147483647, found simple_string \"high\"");
    CHECK(error_of<point>("%1\r\n+z\r\n:1\r\n") == "at $.z: unknown field \"z\" of a point");
    CHECK(error_of<point>(":1\r\n") == "at $: expected a point (a map), found integer 1");
}

TEST_CASE("typed: errors name the path, the expected type and what was found") {
    CHECK(error_of<int>("$3\r\nabc\r\n") == "at $: expected an integer from -2147483648 to 2147483647, found bulk_string \"abc\"");
    CHECK(error_of<std::uint8_t>(":256\r\n") == "at $: expected an integer from 0 to 255, found integer 256");
    CHECK(error_of<std::uint64_t>(":-1\r\n") == "at $: expected an integer from 0 to 18446744073709551615, found integer -1");
    CHECK(error_of<std::int64_t>("(9223372036854775808\r\n") ==
          "at $: expected an integer from -9223372036854775808 to 9223372036854775807, found big_number 9223372036854775808");
    CHECK(error_of<std::int64_t>("$2\r\n07\r\n") ==
          "at $: expected an integer from -9223372036854775808 to 9223372036854775807, found bulk_string \"07\"");
    CHECK(error_of<double>("+x\r\n") == "at $: expected a double, found simple_string \"x\"");
    CHECK(error_of<bool>(":2\r\n") == "at $: expected a boolean (or the integer 0 or 1), found integer 2");
    CHECK(error_of<std::string>(":5\r\n") == "at $: expected a string, found integer 5");
    CHECK(error_of<std::string>("-ERR no such key\r\n") == "at $: expected a string, found simple_error \"ERR no such key\"");
    CHECK(error_of<std::string>("!3\r\nBAD\r\n") == "at $: expected a string, found bulk_error \"BAD\"");
    CHECK(error_of<std::string>("_\r\n") == "at $: expected a string, found null");
    CHECK(error_of<std::string>("#t\r\n") == "at $: expected a string, found boolean true");
    CHECK(error_of<std::string>(",1.5\r\n") == "at $: expected a string, found double_number 1.5");
    CHECK(error_of<bool>("$3\r\na\n\"\r\n") == "at $: expected a boolean (or the integer 0 or 1), found bulk_string \"a\\x0a\\\"\"");
    CHECK(error_of<bool>("$45\r\n" + std::string(45, 'z') + "\r\n") ==
          "at $: expected a boolean (or the integer 0 or 1), found bulk_string \"" + std::string(40, 'z') + "\"...");
    CHECK(error_of<std::vector<int>>("%1\r\n:1\r\n:2\r\n") == "at $: expected an array, found map of 1 pairs");
    CHECK(error_of<std::vector<int>>("*2\r\n:1\r\n+two\r\n") ==
          "at $[1]: expected an integer from -2147483648 to 2147483647, found simple_string \"two\"");
    CHECK(error_of<std::map<std::string, int>>("*3\r\n+a\r\n:1\r\n+b\r\n") ==
          "at $: expected a map (or an array of even length), found array of 3 elements");
    CHECK(error_of<std::map<std::string, std::vector<int>>>("%1\r\n+x y\r\n*1\r\n+no\r\n") ==
          "at $[\"x y\"][0]: expected an integer from -2147483648 to 2147483647, found simple_string \"no\"");
    CHECK(error_of<std::unordered_map<int, std::string>>("%1\r\n+k\r\n:1\r\n") ==
          "at ${key 0}: expected an integer from -2147483648 to 2147483647, found simple_string \"k\"");
    CHECK(error_of<std::unordered_map<int, std::string>>("%1\r\n:4\r\n:1\r\n") == "at $[4]: expected a string, found integer 1");
    CHECK(error_of<std::map<std::string, std::vector<int>>>("%1\r\n+name\r\n*1\r\n%0\r\n") ==
          "at $.name[0]: expected an integer from -2147483648 to 2147483647, found map of 0 pairs");
    CHECK(error_of<std::pair<std::string, int>>("*1\r\n:1\r\n") == "at $: expected an array of 2 elements, found array of 1 elements");
    CHECK(error_of<std::array<std::string, 2>>("*3\r\n:1\r\n:2\r\n:3\r\n") == "at $: expected an array of 2 elements, found array of 3 elements");
    CHECK(error_of<std::pair<std::string, int>>("+x\r\n") == "at $: expected an array of 2 elements, found simple_string \"x\"");
    CHECK(error_of<std::optional<int>>("+x\r\n") ==
          "at $: expected an integer from -2147483648 to 2147483647, found simple_string \"x\"");

    // What only one source has: streamed elements (nodes), a nesting deeper than the limit
    // (values built by hand), an empty message, bytes that are not one message.
    std::vector<std::string> strings;
    CHECK(decode("*?\r\n+a\r\n.\r\n", strings).error == "at $: expected an array, found streamed array");
    CHECK(read_into(parsed("*?\r\n+a\r\n.\r\n"), strings));
    CHECK(strings == std::vector<std::string>{"a"});
    value deep = value::array({});
    for (int i = 0; i < 300; ++i) deep = value::array({deep});
    nest n;
    CHECK(read_into(deep, n).error.ends_with("]: nesting deeper than 256"));
    int i = 0;
    CHECK(read_into(std::span<const node>(), i).error ==
          "at $: expected an integer from -2147483648 to 2147483647, found the end of the message");
    CHECK(decode("*2\r\n:1\r\n", i).error == "incomplete RESP message");
    CHECK(decode(":1\r\n:2\r\n", i).error == "bytes after the message (4)");
    CHECK(decode(":x\r\n", i).error.starts_with("invalid RESP at byte 1: "));
    CHECK_THROWS_WITH_AS(static_cast<void>(read<int>(parsed("+x\r\n"))), "at $: expected an integer from -2147483648 to 2147483647, found simple_string \"x\"",
                         read_error);
    CHECK(read<int>(parsed(":9\r\n")) == 9);
}

// The traffic reader: RESP messages and inline lines mixed, as captured; blank lines skipped as
// Redis skips them; a line Redis would reject or never see the end of is reported, not skipped.
// Each input is also fed byte by byte and split at every offset. Redis's behaviour was checked
// against Debian's redis-server 7.0.15 (comments marked "Redis:").

#include <doctest/doctest.h>

#include <cstddef>
#include <initializer_list>
#include <ostream> // doctest prints std::error_code through it
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "respkit/resp/traffic_reader.hpp"

using namespace respkit::resp;
using respkit::errc;
using namespace std::string_literals;

namespace {

/// What reading a stream gave: each message (absolute end offset, value, inline flag and
/// error), then the error (code, absolute offset) or the bytes left unconsumed.
struct read_event {
    std::size_t end = 0;
    value message;
    bool is_inline = false;
    std::string inline_error;
    friend bool operator==(const read_event&, const read_event&) = default;
};
struct read_run {
    std::vector<read_event> messages;
    std::error_code error;
    std::size_t error_offset = 0;
    std::size_t unconsumed = 0;
    friend bool operator==(const read_run&, const read_run&) = default;
};

read_run read_split(std::string_view input, const std::vector<std::size_t>& cuts, const limits& lim) {
    traffic_reader reader(lim);
    read_run out;
    std::size_t begin = 0;
    std::size_t cut_index = 0;
    std::size_t visible = cuts.empty() ? input.size() : cuts[0];
    for (;;) {
        const std::string window(input.substr(begin, visible - begin)); // ASan catches stale views
        traffic_message message;
        const parse_result r = reader.next(window, message);
        if (r.status == parse_status::complete) {
            begin += r.consumed;
            out.messages.push_back({begin, message.value, message.is_inline, message.inline_error});
            continue;
        }
        if (r.status == parse_status::error) {
            out.error = reader.error();
            out.error_offset = begin + r.consumed;
            // Sticky: the same call again gives the same error at the same offset.
            traffic_message again;
            CHECK(reader.next(window, again) == r);
            return out;
        }
        begin += r.consumed;
        if (visible == input.size()) break;
        ++cut_index;
        visible = cut_index < cuts.size() ? cuts[cut_index] : input.size();
    }
    out.unconsumed = input.size() - begin;
    return out;
}

read_run read_all_ways(std::string_view input, const limits& lim = {}) {
    const read_run whole = read_split(input, {}, lim);
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    CHECK(read_split(input, every, lim) == whole);
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        CAPTURE(cut);
        CHECK(read_split(input, {cut}, lim) == whole);
    }
    return whole;
}

value command(std::initializer_list<std::string_view> args) {
    std::vector<value> items;
    for (const std::string_view arg : args) items.push_back(value::bulk_string(arg));
    return value::array(std::move(items));
}

} // namespace

TEST_CASE("RESP messages and inline lines, mixed, with blank lines skipped") {
    const read_run run = read_all_ways("PING\r\n\r\n  \t\r\n\n+OK\r\nSET a 'b c'\n*1\r\n$4\r\nPING\r\n");
    REQUIRE(run.messages.size() == 4);
    CHECK(run.messages[0] == read_event{6, command({"PING"}), true, ""});
    CHECK(run.messages[1] == read_event{19, value::simple_string("OK"), false, ""});
    CHECK(run.messages[2] == read_event{31, command({"SET", "a", "b c"}), true, ""});
    CHECK(run.messages[3] == read_event{45, command({"PING"}), false, ""});
    CHECK(!run.error);
    CHECK(run.unconsumed == 0);
}

TEST_CASE("a line with unbalanced quotes is reported with Redis's error, and reading goes on") {
    const read_run run = read_all_ways("SET a \"b\r\nPING\r\n");
    REQUIRE(run.messages.size() == 2);
    CHECK(run.messages[0] == read_event{10, value::bulk_string("SET a \"b"), true,
                                        "ERR Protocol error: unbalanced quotes in request"});
    CHECK(run.messages[1] == read_event{16, command({"PING"}), true, ""});
}

// Redis searches an inline line's LF with strchr: a NUL byte before it hides it, and every byte
// after. Redis: "GET a\0b\r\nPING\r\n" gets no reply at all (not even PONG); once more than 64 KB
// are buffered, "-ERR Protocol error: too big inline request". A blank line is skipped; this one
// is not blank: the reader reports it (raw, with an error saying why) rather than losing it.
TEST_CASE("an inline line with a NUL byte before its LF is reported, not skipped as blank") {
    const std::string nul_error = "NUL byte before the end of the line (Redis would wait for more)";
    const read_run run = read_all_ways("GET a\0b\r\nPING\r\n"s);
    REQUIRE(run.messages.size() == 2);
    CHECK(run.messages[0] == read_event{9, value::bulk_string("GET a\0b"s), true, nul_error});
    CHECK(run.messages[1] == read_event{15, command({"PING"}), true, ""});

    // The fuzzer's minimal case, and a line of a NUL alone (not blank to Redis either: it waits).
    for (const std::string& input : {"A\0\n"s, "\0\n"s, " \0 \r\n"s}) {
        CAPTURE(input.size());
        const read_run one = read_all_ways(input);
        REQUIRE(one.messages.size() == 1);
        CHECK(one.messages[0].end == input.size());
        CHECK(one.messages[0].is_inline);
        CHECK(one.messages[0].inline_error == nul_error);
        CHECK(one.messages[0].message ==
              value::bulk_string(std::string_view(input).substr(0, input.find_last_not_of("\r\n") + 1)));
    }

    // Over max_inline_length, such a line is what Redis ends with: too big inline request. (Read
    // whole: delivered in pieces, the reader fails as soon as it holds more than that without
    // an LF, as Redis does.)
    limits small;
    small.max_inline_length = 8;
    const read_run long_line = read_split("SET key\0value\r\nPING\r\n"s, {}, small);
    REQUIRE(long_line.messages.size() == 2);
    CHECK(long_line.messages[1] == read_event{21, command({"PING"}), true, ""});
    CHECK(read_split("SET key\0value\r\nPING\r\n"s, {9}, small).error == errc::inline_too_big);
    CHECK(long_line.messages[0] == read_event{15, value::bulk_string("SET key\0value"s), true,
                                              "ERR Protocol error: too big inline request"});
}

TEST_CASE("an error's offset counts the blank lines skipped before the message") {
    // The fuzzer's case: the blank line is skipped, then '\n' is no RESP type byte (offset 5).
    const read_run run = read_all_ways("\n*2\r\n\n");
    CHECK(run.messages.empty());
    CHECK(run.error == errc::invalid_type_byte);
    CHECK(run.error_offset == 5);

    const read_run later = read_all_ways("PING\r\n\r\n \n*1\r\n:x\r\n");
    REQUIRE(later.messages.size() == 1);
    CHECK(later.error == errc::invalid_integer);
    CHECK(later.error_offset == 15);
}

TEST_CASE("errors are sticky until reset") {
    traffic_reader reader;
    traffic_message message;
    const std::string input = "\r\n*1\r\n?\r\n";
    const parse_result first = reader.next(input, message);
    CHECK(first == parse_result{parse_status::error, 6});
    CHECK(reader.error() == errc::invalid_type_byte);
    CHECK(reader.next("PING\r\n", message) == first);
    reader.reset();
    CHECK(!reader.error());
    CHECK(reader.next("PING\r\n", message) == parse_result{parse_status::complete, 6});
    CHECK(message.value == command({"PING"}));
}

TEST_CASE("an inline line without its LF waits up to max_inline_length, then fails") {
    limits small;
    small.max_inline_length = 8;
    const read_run waiting = read_all_ways("GET abcd", small);
    CHECK(waiting.messages.empty());
    CHECK(!waiting.error);
    CHECK(waiting.unconsumed == 8);

    traffic_reader reader(small);
    traffic_message message;
    CHECK(reader.next("GET abcde", message) == parse_result{parse_status::error, 0});
    CHECK(reader.error() == errc::inline_too_big);
}

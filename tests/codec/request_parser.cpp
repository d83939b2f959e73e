// The server's request parser: multibulk and inline commands split exactly as Redis 7 splits
// them, with Redis's protocol error texts. Expected behaviour was checked against Debian's
// redis-server 7.0.15 (see the comments marked "Redis:"). Every vector is also fed byte by byte
// and split at every offset.

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp/request_parser.hpp"
#include "support/resp_test_util.hpp"

using namespace respkit::resp;
using respkit::errc;
using namespace std::string_literals;

namespace {

/// Everything parsing a stream produced: the commands (args joined for comparison), and the
/// error with Redis's reply text, if any.
struct request_run {
    std::vector<std::vector<std::string>> commands;
    std::vector<bool> inline_flags;
    std::error_code error;
    std::string error_message;
    std::size_t unconsumed = 0;
    friend bool operator==(const request_run&, const request_run&) = default;
};

request_run run_requests(std::string_view input, const std::vector<std::size_t>& cuts, const limits& lim = {}) {
    request_parser p(lim);
    request_run out;
    std::size_t begin = 0;
    std::size_t cut_index = 0;
    std::size_t visible = cuts.empty() ? input.size() : cuts[0];
    for (;;) {
        const std::string window(input.substr(begin, visible - begin)); // ASan catches stale views
        const parse_result r = p.parse(window);
        begin += r.status == parse_status::error ? 0 : r.consumed;
        if (r.status == parse_status::complete) {
            std::vector<std::string> args;
            for (const auto arg : p.args()) args.emplace_back(arg);
            out.commands.push_back(args);
            out.inline_flags.push_back(p.last_was_inline());
            continue;
        }
        if (r.status == parse_status::error) {
            out.error = p.error();
            out.error_message = p.error_message();
            return out;
        }
        if (visible == input.size()) break;
        ++cut_index;
        visible = cut_index < cuts.size() ? cuts[cut_index] : input.size();
    }
    out.unconsumed = input.size() - begin;
    return out;
}

request_run run_all_ways(std::string_view input, const limits& lim = {}) {
    const request_run whole = run_requests(input, {}, lim);
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    CHECK(run_requests(input, every, lim) == whole);
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        CAPTURE(cut);
        CHECK(run_requests(input, {cut}, lim) == whole);
    }
    return whole;
}

using commands = std::vector<std::vector<std::string>>;

} // namespace

TEST_CASE("multibulk commands give zero-copy argument views") {
    const std::string input = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
    request_parser p;
    const parse_result r = p.parse(input);
    CHECK(r == parse_result{parse_status::complete, input.size()});
    REQUIRE(p.args().size() == 3);
    CHECK(p.args()[2] == "va\r\nl");
    CHECK(p.args()[1].data() == input.data() + 17); // a view into the input, not a copy
    CHECK(!p.last_was_inline());
}

TEST_CASE("multibulk streams, split anywhere") {
    const auto run = run_all_ways("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\n\0\r\n"s);
    CHECK(run.commands == commands{{"PING"}, {"ECHO", ""}, {"GET", "\0"s}});
    CHECK(!run.error);
    CHECK(run.unconsumed == 0);
}

TEST_CASE("a complete command read in one pass parses as the same bytes split anywhere") {
    // Whole commands take a shorter path than partial ones (see parse_complete_multibulk):
    // run_all_ways compares the two on each vector.
    std::string twelve = "*12\r\n";
    for (int i = 0; i < 12; ++i) twelve += "$1\r\n" + std::to_string(i % 10) + "\r\n";
    CHECK(run_all_ways(twelve).commands.at(0).size() == 12);
    CHECK(run_all_ways("*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n").commands == commands{{"ECHO", "0123456789"}});
    CHECK(run_all_ways("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n").commands == commands{{"PING"}});
    CHECK(run_all_ways("*1\r\n$0\r\n\r\n").commands == commands{{""}});
    const request_run partial = run_all_ways("*1\r\n$4\r\nPING\r\n*5\r\n$1\r\na\r\n");
    CHECK(partial.commands == commands{{"PING"}});
    CHECK(partial.unconsumed == 11);
    const request_run leading_zero = run_all_ways("*1\r\n$4\r\nPING\r\n*2\r\n$1\r\nA\r\n$00\r\n\r\n");
    CHECK(leading_zero.commands == commands{{"PING"}});
    CHECK(leading_zero.error == errc::invalid_bulk_length);
    CHECK(run_all_ways("*1\r\n$100000000000000000\r\nx\r\n").error == errc::invalid_bulk_length);
    CHECK(run_all_ways("*1000000000000000000\r\n$1\r\nx\r\n").error == errc::invalid_multibulk_length);
    CHECK(run_all_ways("*1\r\n$4\r\nPI\0G\r\n"s).commands == commands{{"PI\0G"s}});

    // The limits before authentication hold for a complete command too.
    request_parser p;
    p.set_unauthenticated(true);
    std::string eleven = "*11\r\n";
    for (int i = 0; i < 11; ++i) eleven += "$1\r\na\r\n";
    CHECK(p.parse(eleven).status == parse_status::error);
    CHECK(p.error() == errc::unauthenticated_multibulk_length);
    p.reset();
    CHECK(p.parse("*2\r\n$4\r\nECHO\r\n$16385\r\n" + std::string(16385, 'x') + "\r\n").status == parse_status::error);
    CHECK(p.error() == errc::unauthenticated_bulk_length);
    // And a command of more arguments than the limit allows.
    limits lim;
    lim.max_aggregate_size = 2;
    CHECK(run_all_ways("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", lim).error == errc::invalid_multibulk_length);
}

TEST_CASE("inline commands are split as Redis's sdssplitargs splits them") {
    struct vector {
        std::string input;
        commands expected;
    };
    const std::vector<vector> vectors = {
        {"PING\r\n", {{"PING"}}},
        {"PING\n", {{"PING"}}},                          // LF alone ends a line too
        {"   PING   \r\n", {{"PING"}}},
        {"SET a b\r\n", {{"SET", "a", "b"}}},
        {"ECHO \"hello world\"\r\n", {{"ECHO", "hello world"}}},
        {"SET q 'single quoted value'\r\n", {{"SET", "q", "single quoted value"}}},
        {"SET esc \"tab\\there\\x41\\r\\n\"\r\n", {{"SET", "esc", "tab\there\x41\r\n"}}},
        {"ECHO \"\\a\\b\\\"\\\\\\q\"\r\n", {{"ECHO", "\a\b\"\\q"}}},
        {"ECHO 'a\\'b'\r\n", {{"ECHO", "a'b"}}},         // Redis: $3 a'b
        {"ECHO 'a\\nb'\r\n", {{"ECHO", "a\\nb"}}},       // no escapes but \' in single quotes
        {"ECHO \"\\x4g\"\r\n", {{"ECHO", "x4g"}}},       // Redis: $3 x4g
        {"ECHO \"\\xFf\"\r\n", {{"ECHO", "\xff"}}},
        {"ECHO \"\"\r\n", {{"ECHO", ""}}},               // Redis: $0
        {"ECHO \"a\" \r\n", {{"ECHO", "a"}}},
        {"ECHO a\"b c\"\r\n", {{"ECHO", "ab c"}}},       // a quote may open mid-word
        {"ECHO a\tb\vc\r\n", {{"ECHO", "a", "b\vc"}}},   // Redis: arity error (3 args)
        {"\r\n\n   \r\nPING\r\n", {{"PING"}}},           // blank lines: skipped, no reply
        {"*0\r\nPING\r\n", {{"PING"}}},                  // Redis: +PONG only
        {"*-5\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}}},     // Redis: any count <= 0 is skipped
        {"*-1\r\n", {}},
        {"*1\r\n$4\r\nPING\r\n\r\nPING\r\n", {{"PING"}, {"PING"}}},
        {"\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}}},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.input);
        const request_run run = run_all_ways(v.input);
        CHECK(run.commands == v.expected);
        CHECK(!run.error);
        CHECK(run.unconsumed == 0);
    }
}

TEST_CASE("Redis's leniencies are reproduced") {
    // Redis: the two bytes after a bulk payload are skipped unchecked.
    CHECK(run_all_ways("*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n").commands == commands{{"PING"}, {"PING"}});
    // Redis: a header line ends at CR; the byte after it is not checked to be LF.
    CHECK(run_all_ways("*1\rX$4\r\nPING\r\n").commands == commands{{"PING"}});
    CHECK(run_all_ways("*1\r\n$4\rXPING\r\n").commands == commands{{"PING"}});
    // Redis: a NUL before the line's end hides it (strchr), so Redis waits for more.
    const request_run nul = run_all_ways("ECHO a\0b c\r\n"s);
    CHECK(nul.commands.empty());
    CHECK(!nul.error);
    CHECK(nul.unconsumed == 12);
}

TEST_CASE("protocol errors carry Redis's exact reply text") {
    struct vector {
        std::string input;
        errc code;
        std::string message;
    };
    const std::vector<vector> vectors = {
        {"*abc\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*01\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*+1\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*3000000000\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*2147483648\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*9223372036854775808\r\n", errc::invalid_multibulk_length, "ERR Protocol error: invalid multibulk length"},
        {"*1\r\n$-1\r\n", errc::invalid_bulk_length, "ERR Protocol error: invalid bulk length"},
        {"*1\r\n$01\r\nX\r\n", errc::invalid_bulk_length, "ERR Protocol error: invalid bulk length"},
        {"*1\r\n$+4\r\nPING\r\n", errc::invalid_bulk_length, "ERR Protocol error: invalid bulk length"},
        {"*1\r\n$536870913\r\n", errc::invalid_bulk_length, "ERR Protocol error: invalid bulk length"},
        {"*1\r\n$-9223372036854775809\r\n", errc::invalid_bulk_length, "ERR Protocol error: invalid bulk length"},
        {"*1\r\nX4\r\nPING\r\n", errc::expected_dollar, "ERR Protocol error: expected '$', got 'X'"},
        {"*2\r\n$4\r\nECHO\r\n:1\r\n", errc::expected_dollar, "ERR Protocol error: expected '$', got ':'"},
        {"ECHO \"a\"b\r\n", errc::unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request"},
        {"ECHO a\"b c\"d\r\n", errc::unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request"},
        {"ECHO \"a\\\"\r\n", errc::unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request"},
        {"SET unbalanced \"quote\r\n", errc::unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request"},
        {"ECHO 'abc\r\n", errc::unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request"},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.input);
        const request_run run = run_all_ways(v.input);
        CHECK(run.error == v.code);
        CHECK(run.error_message == v.message);
    }
}

TEST_CASE("commands before an error are still delivered") {
    const request_run run = run_all_ways("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n");
    CHECK(run.commands == commands{{"PING"}, {"PING"}});
    CHECK(run.error == errc::invalid_multibulk_length);
}

TEST_CASE("the too-big errors fire once 64 KB are buffered without a line end") {
    limits lim;
    lim.max_inline_length = 16; // small, so that the byte-by-byte runs stay quick
    CHECK(run_all_ways("PING" + std::string(12, ' '), lim).commands.empty()); // 16: still waiting
    const request_run big_inline = run_all_ways("PING" + std::string(13, ' '), lim);
    CHECK(big_inline.error == errc::inline_too_big);
    CHECK(big_inline.error_message == "ERR Protocol error: too big inline request");
    const request_run big_count = run_all_ways("*" + std::string(16, '1'), lim);
    CHECK(big_count.error == errc::mbulk_count_too_big);
    CHECK(big_count.error_message == "ERR Protocol error: too big mbulk count string");
    const request_run big_bulk = run_all_ways("*1\r\n$" + std::string(16, '1'), lim);
    CHECK(big_bulk.error == errc::bulk_count_too_big);
    CHECK(big_bulk.error_message == "ERR Protocol error: too big bulk count string");
    // A long inline line that does end in time is fine.
    CHECK(run_all_ways("ECHO 0123456789\r\n", lim).commands == commands{{"ECHO", "0123456789"}});

    // The defaults are Redis's: 64 KB.
    request_parser p;
    std::string line(64 * 1024, 'a');
    CHECK(p.parse(line).status == parse_status::need_more);
    line += 'a';
    CHECK(p.parse(line).status == parse_status::error);
    CHECK(p.error() == errc::inline_too_big);
}

TEST_CASE("the parser stays failed until reset, then parses again") {
    request_parser p;
    CHECK(p.parse("*x\r\n").status == parse_status::error);
    CHECK(p.parse("PING\r\n").status == parse_status::error);
    p.reset();
    CHECK(p.parse("PING\r\n") == parse_result{parse_status::complete, 6});
    CHECK(p.args().size() == 1);
}

TEST_CASE("a bulk argument arriving in small pieces is not rescanned") {
    // 1 MB argument fed 1 KB at a time: each call looks at the short header and the length.
    std::string input = "*2\r\n$4\r\nECHO\r\n$1048576\r\n";
    input.append(1048576, 'z');
    input += "\r\n";
    request_parser p;
    parse_result r{};
    std::size_t visible = 0;
    std::size_t calls = 0;
    do {
        visible = std::min(input.size(), visible + 1024);
        ++calls;
        r = p.parse(std::string_view(input).substr(0, visible));
    } while (r.status == parse_status::need_more);
    CHECK(r == parse_result{parse_status::complete, input.size()});
    CHECK(p.args()[1].size() == 1048576);
    CHECK(calls == (input.size() + 1023) / 1024);
}

TEST_CASE("before authentication: Redis's limits on counts and bulk lengths") {
    request_parser p;
    p.set_unauthenticated(true);
    CHECK(p.parse("*11\r\n").status == parse_status::error);
    CHECK(p.error_message() == "ERR Protocol error: unauthenticated multibulk length");
    p.reset();
    CHECK(p.parse("*2\r\n$4\r\nECHO\r\n$16385\r\n").status == parse_status::error);
    CHECK(p.error_message() == "ERR Protocol error: unauthenticated bulk length");
    p.reset();
    // The invalid-length checks come first, as in Redis.
    CHECK(p.parse("*2\r\n$4\r\nECHO\r\n$-5\r\n").status == parse_status::error);
    CHECK(p.error_message() == "ERR Protocol error: invalid bulk length");
    p.reset();
    const std::string ten = "*10\r\n" + [] {
        std::string s;
        for (int i = 0; i < 10; ++i) s += "$16384\r\n" + std::string(16384, 'x') + "\r\n";
        return s;
    }();
    CHECK(p.parse(ten).status == parse_status::complete);
    CHECK(p.args().size() == 10);
    p.set_unauthenticated(false);
    CHECK(p.parse("*11\r\n").status == parse_status::need_more);
}

TEST_CASE("a bulk argument received elsewhere: awaiting_bulk, take_bulk") {
    request_parser p;
    std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n01234";
    CHECK(p.parse(input).status == parse_status::need_more);
    const auto pending = p.awaiting_bulk();
    REQUIRE(pending.has_value());
    CHECK(pending->length == 10);
    CHECK(input.substr(pending->offset) == "01234");
    input.resize(pending->offset); // the payload goes elsewhere
    const std::string payload = "0123456789";
    p.take_bulk(payload);
    CHECK(!p.awaiting_bulk());
    const parse_result r = p.parse(input);
    REQUIRE(r.status == parse_status::complete);
    CHECK(r.consumed == input.size());
    REQUIRE(p.args().size() == 3);
    CHECK(p.args()[2].data() == payload.data());
    CHECK(p.args()[1] == "k");
    // A caller that does not take it gets it from the input as before.
    request_parser q;
    CHECK(q.parse("*2\r\n$4\r\nECHO\r\n$10\r\n01234").status == parse_status::need_more);
    CHECK(q.awaiting_bulk().has_value());
    const parse_result s = q.parse("*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n");
    REQUIRE(s.status == parse_status::complete);
    CHECK(q.args()[1] == "0123456789");
}

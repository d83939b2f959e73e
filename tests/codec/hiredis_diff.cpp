// Differential test: respkit's parser (through value_builder) against hiredis's reader on the
// same bytes. Real RESP2 traffic from the shared corpus, then thousands of random RESP2
// messages, each fed whole, in random pieces and byte by byte. Both must find the same
// messages with the same structure and payloads.
//
// hiredis 0.14 speaks RESP2 only and nests at most 8 aggregate levels (its "depth > 7" error);
// corpus messages beyond that are skipped, and the test checks that hiredis really rejects them.

#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"

#include "support/resp_test_util.hpp"

#include <doctest/doctest.h>

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace respkit::resp;
using respkit_test::escape;

// hiredis 0.14's deepest accepted nesting: a top-level array is level 1.
constexpr std::uint32_t hiredis_max_levels = 8;

struct reader_deleter {
    void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};
using reader_ptr = std::unique_ptr<redisReader, reader_deleter>;

struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

reader_ptr make_reader() {
    reader_ptr r(redisReaderCreate());
    REQUIRE(r != nullptr);
    return r;
}

std::string hiredis_type_name(int t) {
    switch (t) {
    case REDIS_REPLY_STRING: return "string";
    case REDIS_REPLY_ARRAY: return "array";
    case REDIS_REPLY_INTEGER: return "integer";
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_STATUS: return "status";
    case REDIS_REPLY_ERROR: return "error";
    default: return "type " + std::to_string(t);
    }
}

// Compares a respkit value with a hiredis reply. Returns an empty string when they agree, else
// where and how they differ. Recursion is bounded by hiredis's own nesting limit.
std::string compare(const value& v, const redisReply& r, const std::string& path = "$") {
    auto differ = [&](const std::string& what) {
        return path + ": respkit " + std::string(type_name(v.type())) + " vs hiredis " +
               hiredis_type_name(r.type) + ": " + what;
    };
    auto same_text = [&]() -> std::string {
        const std::string_view theirs(r.str, r.len);
        if (v.string() == theirs) return {};
        return differ("\"" + escape(v.string()) + "\" vs \"" + escape(theirs) + "\"");
    };
    switch (v.type()) {
    case type::simple_string:
        if (r.type != REDIS_REPLY_STATUS) return differ("type");
        return same_text();
    case type::simple_error:
        if (r.type != REDIS_REPLY_ERROR) return differ("type");
        return same_text();
    case type::bulk_string:
        if (r.type != REDIS_REPLY_STRING) return differ("type");
        return same_text();
    case type::integer:
        if (r.type != REDIS_REPLY_INTEGER) return differ("type");
        if (v.integer() != r.integer) {
            return differ(std::to_string(v.integer()) + " vs " + std::to_string(r.integer));
        }
        return {};
    case type::null_bulk_string:
    case type::null_array:
        if (r.type != REDIS_REPLY_NIL) return differ("type");
        return {};
    case type::array:
        if (r.type != REDIS_REPLY_ARRAY) return differ("type");
        if (v.size() != r.elements) {
            return differ(std::to_string(v.size()) + " vs " + std::to_string(r.elements) + " elements");
        }
        for (std::size_t i = 0; i < v.size(); ++i) {
            std::string d = compare(v[i], *r.element[i], path + "[" + std::to_string(i) + "]");
            if (!d.empty()) return d;
        }
        return {};
    default:
        return differ("not a RESP2 type");
    }
}

// Splits `stream` into pieces: every cut is an offset where one feed ends.
using cuts = std::vector<std::size_t>;

cuts whole(std::size_t size) { return {size}; }

cuts bytewise(std::size_t size) {
    cuts out;
    for (std::size_t i = 1; i <= size; ++i) out.push_back(i);
    return out;
}

cuts random_cuts(std::size_t size, std::mt19937_64& rng, std::size_t max_piece) {
    cuts out;
    std::size_t at = 0;
    while (at < size) {
        at = std::min(size, at + 1 + static_cast<std::size_t>(rng() % max_piece));
        out.push_back(at);
    }
    return out;
}

// respkit as a client uses it: bytes arrive in pieces into an input_buffer, and every complete
// message is built into an owning value and consumed.
std::vector<value> respkit_values(std::string_view stream, const cuts& pieces) {
    parser p;
    value_builder builder;
    input_buffer buffer;
    std::vector<value> out;
    std::size_t fed = 0;
    for (const std::size_t end : pieces) {
        buffer.append(stream.substr(fed, end - fed));
        fed = end;
        for (;;) {
            const parse_result r = p.parse(buffer.data(), builder);
            if (r.status == parse_status::error) {
                FAIL_CHECK("respkit failed: " << p.error().message() << " at offset "
                                              << r.consumed << " after " << out.size() << " messages");
                return out;
            }
            if (r.status == parse_status::need_more) break;
            out.push_back(builder.take());
            buffer.consume(r.consumed);
        }
    }
    CHECK_MESSAGE(buffer.empty(), "respkit left " << buffer.size() << " bytes unconsumed");
    CHECK_FALSE(p.in_message());
    return out;
}

// hiredis's reader on the same pieces.
std::vector<reply_ptr> hiredis_replies(std::string_view stream, const cuts& pieces) {
    reader_ptr reader = make_reader();
    std::vector<reply_ptr> out;
    std::size_t fed = 0;
    for (const std::size_t end : pieces) {
        REQUIRE(redisReaderFeed(reader.get(), stream.data() + fed, end - fed) == REDIS_OK);
        fed = end;
        for (;;) {
            void* reply = nullptr;
            if (redisReaderGetReply(reader.get(), &reply) != REDIS_OK) {
                FAIL_CHECK("hiredis failed: " << reader->errstr << " after " << out.size() << " messages");
                return out;
            }
            if (reply == nullptr) break;
            out.emplace_back(static_cast<redisReply*>(reply));
        }
    }
    CHECK_MESSAGE(reader->len == reader->pos, "hiredis left " << reader->len - reader->pos
                                                              << " bytes unconsumed");
    return out;
}

// Feeds `stream` (the concatenation of `messages`) to both parsers in the given pieces and
// compares message by message. `label` says which input and which split.
void compare_stream(const std::vector<std::string>& messages, std::string_view stream,
                    const cuts& pieces, const std::string& label) {
    INFO(label);
    const std::vector<value> ours = respkit_values(stream, pieces);
    const std::vector<reply_ptr> theirs = hiredis_replies(stream, pieces);
    CHECK(ours.size() == messages.size());
    CHECK(theirs.size() == messages.size());
    const std::size_t n = std::min(ours.size(), theirs.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::string difference = compare(ours[i], *theirs[i]);
        if (!difference.empty()) {
            FAIL_CHECK("message " << i << " differs: " << difference << "\n  bytes: \""
                                  << (i < messages.size() ? escape(messages[i]) : std::string("?"))
                                  << "\"");
            return; // the rest would only repeat the disagreement
        }
    }
}

std::string concatenate(const std::vector<std::string>& messages) {
    std::string out;
    for (const auto& m : messages) out += m;
    return out;
}

// ---------------------------------------------------------------- corpus

// What a message holds, as far as hiredis 0.14 cares.
struct shape {
    bool resp2_only = true;
    std::uint32_t levels = 0; // deepest aggregate nesting, a top-level array being 1

    void operator()(const node& n) {
        switch (n.type) {
        case type::simple_string:
        case type::simple_error:
        case type::integer:
        case type::bulk_string:
        case type::null_bulk_string:
        case type::null_array:
            break;
        case type::array:
            levels = std::max(levels, n.depth + 1);
            break;
        default:
            resp2_only = false;
            if (is_aggregate(n.type)) levels = std::max(levels, n.depth + 1);
            break;
        }
    }
};

struct corpus_split {
    std::vector<std::string> eligible; // RESP2 messages hiredis can parse
    std::vector<std::string> resp3;    // messages with a RESP3 type
    std::vector<std::string> too_deep; // RESP2 messages nested deeper than hiredis allows
    std::size_t inline_lines = 0;      // inline commands (requests only), not RESP
};

// Splits a capture into top-level messages with respkit's parser. In requests, a line that
// does not start with '*' is an inline command, as Redis reads it.
corpus_split split_corpus_file(std::string_view bytes, bool requests) {
    corpus_split out;
    parser p;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string_view rest = bytes.substr(at);
        if (requests && rest[0] != '*') {
            const std::size_t lf = rest.find('\n');
            at += lf == std::string_view::npos ? rest.size() : lf + 1;
            ++out.inline_lines;
            continue;
        }
        shape s;
        const parse_result r = p.parse(rest, s);
        REQUIRE_MESSAGE(r.status == parse_status::complete,
                        "respkit cannot split the capture at offset " << at << ": " << p.error().message());
        const std::string message(rest.substr(0, r.consumed));
        if (!s.resp2_only) out.resp3.push_back(message);
        else if (s.levels > hiredis_max_levels) out.too_deep.push_back(message);
        else out.eligible.push_back(message);
        at += r.consumed;
    }
    return out;
}

// A fresh hiredis reader given exactly `message` must return one reply and consume every byte.
void check_single_message(const std::string& message, const std::string& label) {
    reader_ptr reader = make_reader();
    REQUIRE(redisReaderFeed(reader.get(), message.data(), message.size()) == REDIS_OK);
    void* reply = nullptr;
    const int rc = redisReaderGetReply(reader.get(), &reply);
    const reply_ptr owned(static_cast<redisReply*>(reply));
    if (rc != REDIS_OK || reply == nullptr || reader->len != reader->pos) {
        FAIL_CHECK(label << ": hiredis does not read exactly one reply from \"" << escape(message)
                         << "\": " << (rc != REDIS_OK ? reader->errstr : "boundary differs"));
        return;
    }
    const parsed_value ours = parse_value(message);
    REQUIRE(ours.result.status == parse_status::complete);
    CHECK(ours.result.consumed == message.size());
    const std::string difference = compare(ours.value, *owned);
    CHECK_MESSAGE(difference.empty(), label << ": " << difference << "\n  bytes: \"" << escape(message) << "\"");
}

// hiredis must reject a message that the test skips (else skipping it hides coverage).
void check_hiredis_rejects(const std::string& message, const std::string& label) {
    reader_ptr reader = make_reader();
    REQUIRE(redisReaderFeed(reader.get(), message.data(), message.size()) == REDIS_OK);
    void* reply = nullptr;
    const int rc = redisReaderGetReply(reader.get(), &reply);
    const reply_ptr owned(static_cast<redisReply*>(reply));
    CHECK_MESSAGE(rc == REDIS_ERR, label << ": hiredis 0.14 accepted a message the test skips");
}

std::string read_capture(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------- random messages

// Uniform enough for test data, and, unlike <random>'s distributions, the same on every
// standard library, so a seed reproduces the same messages everywhere.
struct prng {
    std::mt19937_64 engine;
    explicit prng(std::uint64_t seed) : engine(seed) {}
    std::uint64_t below(std::uint64_t n) { return engine() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }
};

// A payload for a bulk string: any byte, with CR, LF, NUL and RESP-looking text overrepresented.
std::string binary_payload(prng& rng) {
    std::size_t len = 0;
    const auto pick = rng.below(100);
    if (pick < 10) len = 0;
    else if (pick < 60) len = 1 + rng.below(16);
    else if (pick < 92) len = 17 + rng.below(300);
    else len = 317 + rng.below(20000); // crosses feed pieces and hiredis's 1 KiB compaction
    std::string s;
    s.reserve(len);
    static constexpr std::string_view tricky[] = {"\r\n", "\r", "\n", std::string_view("\0", 1),
                                                  "$-1\r\n", "*-1\r\n", "+OK\r\n", "$5\r\n"};
    while (s.size() < len) {
        const auto kind = rng.below(10);
        if (kind < 2) s += tricky[rng.below(std::size(tricky))];
        else s += static_cast<char>(rng.below(256));
    }
    s.resize(len);
    return s;
}

// A line payload (simple string or error): any byte but CR and LF.
std::string line_payload(prng& rng, std::string_view prefix = {}) {
    std::string s(prefix);
    const std::size_t len = rng.chance(10) ? 0 : 1 + rng.below(40);
    for (std::size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(rng.below(256));
        if (c == '\r' || c == '\n') c = ' ';
        s += c;
    }
    return s;
}

std::int64_t random_integer(prng& rng) {
    constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    static constexpr std::int64_t edges[] = {lo, hi, lo + 1, hi - 1, 0, -1, 1, 9, 10, -10};
    const auto pick = rng.below(10);
    if (pick < 3) return edges[rng.below(std::size(edges))];
    if (pick < 7) return static_cast<std::int64_t>(rng.below(2000001)) - 1000000;
    return static_cast<std::int64_t>(rng.engine());
}

// Appends one random element nested at `level` (its parent's level; 0 at top level) to `wire`,
// and returns the value it stands for. Arrays nest at most `max_levels` deep.
value random_element(prng& rng, std::uint32_t level, std::uint32_t max_levels, std::string& wire) {
    const bool may_nest = level < max_levels;
    const auto pick = rng.below(100);
    if (may_nest && pick < (level == 0 ? 40u : 20u)) {
        if (rng.chance(8)) {
            wire += "*-1\r\n";
            return value::null_array();
        }
        const std::size_t count = rng.chance(10) ? 0 : 1 + rng.below(level == 0 ? 8 : 4);
        wire += "*" + std::to_string(count) + "\r\n";
        std::vector<value> elements;
        for (std::size_t i = 0; i < count; ++i) elements.push_back(random_element(rng, level + 1, max_levels, wire));
        return value::array(std::move(elements));
    }
    if (pick < 55) {
        const std::string s = binary_payload(rng);
        wire += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
        return value::bulk_string(s);
    }
    if (pick < 65) {
        wire += "$-1\r\n";
        return value::null_bulk_string();
    }
    if (pick < 80) {
        const std::int64_t n = random_integer(rng);
        wire += ":" + std::to_string(n) + "\r\n";
        return value::integer(n);
    }
    if (pick < 92) {
        const std::string s = line_payload(rng);
        wire += "+" + s + "\r\n";
        return value::simple_string(s);
    }
    const std::string s = line_payload(rng, rng.chance(50) ? "ERR " : "WRONGTYPE ");
    wire += "-" + s + "\r\n";
    return value::simple_error(s);
}

} // namespace

TEST_CASE("hiredis 0.14 nests 8 aggregate levels; respkit any depth up to its limit") {
    // The corpus comparison relies on this limit to decide which messages to skip.
    auto nested = [](std::uint32_t levels) {
        std::string s;
        for (std::uint32_t i = 0; i < levels; ++i) s += "*1\r\n";
        return s + ":1\r\n";
    };
    for (const std::uint32_t levels : {1u, 7u, 8u}) {
        CAPTURE(levels);
        check_single_message(nested(levels), "nested");
    }
    const std::string too_deep = nested(9);
    check_hiredis_rejects(too_deep, "9 levels");
    CHECK(parse_value(too_deep).result.status == parse_status::complete);
}

TEST_CASE("respkit and hiredis agree on every RESP2 message of the shared corpus") {
    const std::filesystem::path dir = std::filesystem::path(RESPKIT_SHARED_DIR) / "corpus";
    if (!std::filesystem::is_directory(dir)) {
        MESSAGE("skipped: no corpus at " << dir.string() << " (RESPKIT_SHARED_DIR)");
        return;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".resp" || ext == ".req")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    REQUIRE_FALSE(files.empty());

    std::mt19937_64 rng(20240611);
    std::size_t compared = 0, skipped_resp3 = 0, skipped_deep = 0, skipped_inline = 0;
    for (const auto& path : files) {
        const std::string name = path.filename().string();
        const std::string bytes = read_capture(path);
        const corpus_split split = split_corpus_file(bytes, path.extension() == ".req");
        compared += split.eligible.size();
        skipped_resp3 += split.resp3.size();
        skipped_deep += split.too_deep.size();
        skipped_inline += split.inline_lines;

        for (const auto& m : split.resp3) check_hiredis_rejects(m, name + " (RESP3 message)");
        for (const auto& m : split.too_deep) check_hiredis_rejects(m, name + " (too deep)");
        for (std::size_t i = 0; i < split.eligible.size(); ++i) {
            check_single_message(split.eligible[i], name + " message " + std::to_string(i));
        }
        if (split.eligible.empty()) continue;
        // When nothing was skipped the stream is the capture itself, byte for byte.
        const std::string stream = concatenate(split.eligible);
        if (split.resp3.empty() && split.too_deep.empty() && split.inline_lines == 0) {
            CHECK(stream == bytes);
        }
        compare_stream(split.eligible, stream, whole(stream.size()), name + " whole");
        compare_stream(split.eligible, stream, random_cuts(stream.size(), rng, 64), name + " pieces <= 64");
        compare_stream(split.eligible, stream, random_cuts(stream.size(), rng, 16384), name + " pieces <= 16384");
        if (stream.size() <= 200000) compare_stream(split.eligible, stream, bytewise(stream.size()), name + " bytewise");
    }
    MESSAGE("corpus: " << files.size() << " files, " << compared << " RESP2 messages compared; skipped "
                       << skipped_resp3 << " with RESP3 types, " << skipped_deep
                       << " nested deeper than hiredis 0.14 allows, " << skipped_inline << " inline lines");
    CHECK(compared > 30000); // redis-benchmark_P4 alone has 34002 replies
}

TEST_CASE("respkit and hiredis agree on random RESP2 messages, whole and split") {
    constexpr std::uint64_t seed = 0x5eed'2e5b'0001ULL;
    constexpr std::size_t count = 5000;
    prng rng(seed);
    std::vector<std::string> messages;
    std::vector<value> expected;
    for (std::size_t i = 0; i < count; ++i) {
        std::string wire;
        expected.push_back(random_element(rng, 0, 6, wire));
        messages.push_back(std::move(wire));
    }
    const std::string stream = concatenate(messages);
    INFO("seed " << seed << ", " << count << " messages, " << stream.size() << " bytes");

    // respkit alone must also return exactly what was generated.
    {
        std::size_t at = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const parsed_value got = parse_value(std::string_view(stream).substr(at));
            REQUIRE_MESSAGE(got.result.status == parse_status::complete,
                            "message " << i << ": " << got.error.message() << "\n  bytes: \"" << escape(messages[i]) << "\"");
            CHECK(got.result.consumed == messages[i].size());
            if (!(got.value == expected[i])) FAIL_CHECK("message " << i << " parsed to another value: \"" << escape(messages[i]) << "\"");
            at += got.result.consumed;
        }
    }

    std::mt19937_64 split_rng(seed + 1);
    compare_stream(messages, stream, whole(stream.size()), "whole stream");
    compare_stream(messages, stream, random_cuts(stream.size(), split_rng, 7), "pieces <= 7");
    compare_stream(messages, stream, random_cuts(stream.size(), split_rng, 300), "pieces <= 300");
    compare_stream(messages, stream, random_cuts(stream.size(), split_rng, 16384), "pieces <= 16384");

    // Byte by byte on the first messages (the whole stream would take long under sanitizers).
    std::vector<std::string> head(messages.begin(), messages.begin() + 300);
    const std::string head_stream = concatenate(head);
    compare_stream(head, head_stream, bytewise(head_stream.size()), "bytewise, first 300 messages");

    // Each message on its own, to a fresh reader: same boundary, same value.
    for (std::size_t i = 0; i < count; ++i) check_single_message(messages[i], "random message " + std::to_string(i));
    MESSAGE("random: " << count << " messages (" << stream.size() << " bytes, seed " << seed
                       << ") compared whole, in 3 random splits, bytewise (first 300) and one by one");
}

// Fuzz target for resp::traffic_reader: property checks, not only "does not crash".
//
// The input is captured traffic: RESP messages of any type and inline command lines, mixed. It
// is read with small limits (64 levels, 1 MB bulks, 4096 elements, 1 KB lines, 32-byte inline
// lines)
//   (1) whole, in one buffer;
//   (2) one byte at a time;
//   (3) in pseudo-random chunks (sizes derived from a hash of the input), each call getting a
//       fresh heap copy of exactly the unconsumed bytes;
// and checks:
//   - the sequence of (complete: absolute end offset, value, is_inline, inline_error) and
//     (error: code, absolute offset) events and the final state is the same for (1), (2) and
//     (3), except that a split delivery may raise "too big inline request" early (more than
//     max_inline_length bytes buffered without an LF), which must end the split run, follow the
//     same events, and be justified by the bytes;
//   - consumed stays within the input; an error offset lies inside it; the same call again
//     after an error gives the same error;
//   - the bytes skipped before a message are blank inline lines (whitespace only, no NUL);
//   - a RESP message's value is what parse_value gives for its bytes, and survives a
//     write_value / parse round trip; an inline message's value is an array of bulk strings
//     equal to request_parser's arguments for the line, or, with inline_error set, the raw line
//     as a bulk string.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "fuzz_support.hpp"
#include "respkit/resp.hpp"

namespace {

namespace resp = respkit::resp;
using fuzz_support::fnv1a;
using fuzz_support::next_random;
using fuzz_support::split_mode;
using respkit::errc;

resp::limits fuzz_limits() {
    resp::limits lim;
    lim.max_depth = 64;
    lim.max_bulk_length = 1024 * 1024;
    lim.max_aggregate_size = 4096;
    lim.max_line_length = 1024;
    lim.max_inline_length = 32;
    return lim;
}

enum class event_kind : std::uint8_t { complete, error, end };

struct event {
    event_kind kind{};
    std::size_t offset = 0; // complete: absolute end; error: absolute offset; end: consumed
    resp::value value;
    bool is_inline = false;
    std::string inline_error;
    int code = 0; // error: errc; end: 1 when a RESP message was left unfinished
    friend bool operator==(const event&, const event&) = default;
};

// Blank as Redis sees an inline line: only separators. (A NUL byte before the LF hides the
// line's end from Redis: such a line is reported, never skipped.)
bool is_blank_line(std::string_view line) {
    for (const char c : line) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\v' && c != '\f') return false;
    }
    return true;
}

// `skipped` must be whole blank lines, each ending with LF.
void check_skipped(std::string_view skipped) {
    while (!skipped.empty()) {
        const std::size_t lf = skipped.find('\n');
        FUZZ_CHECK(lf != std::string_view::npos);
        FUZZ_CHECK(!resp::is_marker(skipped[0]));
        FUZZ_CHECK(is_blank_line(skipped.substr(0, lf)));
        skipped.remove_prefix(lf + 1);
    }
}

void check_message(std::string_view bytes, const event& e, const resp::limits& lim) {
    FUZZ_CHECK(!bytes.empty());
    if (!e.is_inline) {
        FUZZ_CHECK(e.inline_error.empty());
        const resp::parsed_value pv = resp::parse_value(bytes, lim);
        FUZZ_CHECK(pv.result.status == resp::parse_status::complete);
        FUZZ_CHECK(pv.result.consumed == bytes.size());
        FUZZ_CHECK(pv.value == e.value);
        const std::string encoded = resp::to_resp(e.value);
        const resp::parsed_value again = resp::parse_value(encoded);
        FUZZ_CHECK(again.result.status == resp::parse_status::complete);
        FUZZ_CHECK(again.result.consumed == encoded.size() && again.value == e.value);
        return;
    }
    // One line, ending with LF, not starting with a RESP type byte.
    FUZZ_CHECK(bytes.back() == '\n' && bytes.find('\n') == bytes.size() - 1);
    FUZZ_CHECK(!resp::is_marker(bytes[0]));
    resp::request_parser requests(lim);
    const resp::parse_result r = requests.parse(bytes);
    if (e.inline_error.empty()) {
        FUZZ_CHECK(r.status == resp::parse_status::complete && r.consumed == bytes.size());
        FUZZ_CHECK(requests.last_was_inline());
        FUZZ_CHECK(e.value.type() == resp::type::array);
        FUZZ_CHECK(e.value.size() == requests.args().size() && e.value.size() > 0);
        for (std::size_t i = 0; i < e.value.size(); ++i) {
            FUZZ_CHECK(e.value[i].type() == resp::type::bulk_string);
            FUZZ_CHECK(e.value[i].string() == requests.args()[i]);
        }
    } else if (r.status != resp::parse_status::error) {
        // A NUL before the LF hides the line's end from Redis: reported, not skipped. (A long
        // such line is an error instead: too big inline request, handled below.)
        FUZZ_CHECK(bytes.find('\0') < bytes.size() - 1);
        FUZZ_CHECK(r.status == resp::parse_status::need_more && r.consumed < bytes.size());
        std::string_view raw = bytes.substr(0, bytes.size() - 1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        FUZZ_CHECK(e.value == resp::value::bulk_string(raw));
    } else {
        FUZZ_CHECK(r.status == resp::parse_status::error);
        FUZZ_CHECK(e.inline_error == requests.error_message());
        std::string_view raw = bytes.substr(0, bytes.size() - 1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        FUZZ_CHECK(e.value == resp::value::bulk_string(raw));
    }
}

std::vector<event> run(std::string_view stream, split_mode mode, std::uint64_t seed,
                       bool check_messages) {
    const resp::limits lim = fuzz_limits();
    resp::traffic_reader reader(lim);
    std::vector<event> events;
    std::size_t base = 0;
    std::size_t delivered = mode == split_mode::whole ? stream.size() : 0;
    std::uint64_t rng = seed;
    std::unique_ptr<char[]> copy;

    for (;;) {
        const std::string_view pending = stream.substr(base, delivered - base);
        std::string_view input = pending;
        if (mode == split_mode::random_chunks) {
            copy.reset(new char[pending.size() + 1]);
            std::memcpy(copy.get(), pending.data(), pending.size());
            input = std::string_view(copy.get(), pending.size());
        }
        resp::traffic_message out;
        const resp::parse_result r = reader.next(input, out);
        FUZZ_CHECK(r.consumed <= input.size());

        if (r.status == resp::parse_status::complete) {
            FUZZ_CHECK(r.consumed > 0 && !reader.in_message());
            event e{event_kind::complete, base + r.consumed,           std::move(out.value),
                    out.is_inline,        std::move(out.inline_error), 0};
            const std::string_view consumed = stream.substr(base, r.consumed);
            if (check_messages) {
                // (Whole mode: each message starts and ends within one call.) Blank lines may
                // precede it; they never start with a RESP type byte, and an inline message is
                // the last line.
                std::size_t first = 0;
                if (e.is_inline) {
                    const std::size_t lf = consumed.substr(0, consumed.size() - 1).rfind('\n');
                    first = lf == std::string_view::npos ? 0 : lf + 1;
                } else {
                    while (first < consumed.size() && !resp::is_marker(consumed[first])) {
                        const std::size_t lf = consumed.find('\n', first);
                        FUZZ_CHECK(lf != std::string_view::npos);
                        first = lf + 1;
                    }
                }
                check_skipped(consumed.substr(0, first));
                check_message(consumed.substr(first), e, lim);
            }
            base += r.consumed;
            events.push_back(std::move(e));
            continue;
        }

        if (r.status == resp::parse_status::error) {
            FUZZ_CHECK(r.consumed < input.size());
            FUZZ_CHECK(reader.error() && reader.error().category() == respkit::error_category());
            const int code = reader.error().value();
            events.push_back(event{event_kind::error, base + r.consumed, {}, false, {}, code});
            if (code == static_cast<int>(errc::inline_too_big)) {
                const std::size_t at = base + r.consumed;
                FUZZ_CHECK(stream.size() - at > lim.max_inline_length);
                FUZZ_CHECK(std::memchr(stream.data() + at, '\n', lim.max_inline_length + 1) ==
                           nullptr);
                FUZZ_CHECK(!resp::is_marker(stream[at]));
            } else {
                FUZZ_CHECK(code >= static_cast<int>(errc::invalid_type_byte) &&
                           code <= static_cast<int>(errc::line_too_long));
            }
            resp::traffic_message again_out;
            const resp::parse_result again = reader.next(input, again_out);
            FUZZ_CHECK(again == r && reader.error().value() == code);
            return events;
        }

        // need_more: blank lines may have been skipped.
        check_skipped(stream.substr(base, r.consumed));
        base += r.consumed;
        if (delivered == stream.size()) {
            events.push_back(
                event{event_kind::end, base, {}, false, {}, reader.in_message() ? 1 : 0});
            return events;
        }
        switch (mode) {
        case split_mode::whole: FUZZ_CHECK(false); break;
        case split_mode::bytewise: ++delivered; break;
        case split_mode::random_chunks: {
            const std::uint64_t x = next_random(rng);
            const std::size_t limit = std::size_t{1} << (x % 10); // 1 .. 512
            delivered += 1 + static_cast<std::size_t>((x >> 8) % limit);
            if (delivered > stream.size()) delivered = stream.size();
            break;
        }
        }
    }
}

void compare(std::string_view stream, const std::vector<event>& whole,
             const std::vector<event>& split) {
    if (split == whole) return;
    // Only an early "too big inline request", ending the split run, may differ.
    FUZZ_CHECK(!split.empty() && split.size() <= whole.size());
    const event& last = split.back();
    FUZZ_CHECK(last.kind == event_kind::error &&
               last.code == static_cast<int>(errc::inline_too_big));
    for (std::size_t i = 0; i + 1 < split.size(); ++i)
        FUZZ_CHECK(split[i] == whole[i]);
    const std::size_t window = fuzz_limits().max_inline_length + 1;
    FUZZ_CHECK(stream.size() - last.offset >= window);
    FUZZ_CHECK(std::memchr(stream.data() + last.offset, '\n', window) == nullptr);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    const std::vector<event> whole = run(stream, split_mode::whole, 0, true);
    compare(stream, whole, run(stream, split_mode::bytewise, 0, false));
    compare(stream, whole, run(stream, split_mode::random_chunks, fnv1a(data, size), false));
    return 0;
}

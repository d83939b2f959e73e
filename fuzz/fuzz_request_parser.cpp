// Fuzz target for resp::request_parser: property checks, not only "does not crash".
//
// The input is a client byte stream (multibulk and inline commands). It is parsed with two sets
// of limits (small: 1 KB bulks, 64 arguments, 32-byte inline lines; and the defaults)
//   (1) whole, in one buffer;
//   (2) one byte at a time;
//   (3) in pseudo-random chunks (sizes derived from a hash of the input), each call getting a
//       fresh heap copy of exactly the unconsumed bytes (ASan catches reads past them and
//       pointers kept into an older buffer);
// and checks:
//   - the sequence of (complete: absolute end offset, arguments copied, inline flag) and
//     (error: code, absolute offset, message) events and the final consumed count is the same
//     for (1), (2) and (3). The one allowed difference is Redis's own: "too big inline request",
//     "too big mbulk count string" and "too big bulk count string" are raised when more than
//     max_inline_length bytes are buffered without a line end, so a split delivery can raise them
//     where the whole buffer finds the line end further on. Such an error must end the split
//     run, be preceded by the same events, and be justified by the bytes (no LF / CR, or one
//     hidden behind a NUL byte as Redis's strchr does not see it, in the max_inline_length + 1
//     bytes from its offset);
//   - consumed is within the input; an error offset lies inside it; multibulk arguments view the
//     command's bytes in the input, inline arguments do not view the input (they were copied),
//     are in order and do not overlap;
//   - once failed, the parser stays failed until reset(), then works;
//   - each complete command, re-encoded with write_command_range and parsed again, gives the
//     same arguments, as a multibulk command; a multibulk command's bytes match that encoding
//     except the bytes Redis does not check (the byte after each header CR, the two after each
//     payload); each command re-encoded as an inline line of quoted \xHH escapes parses back to
//     the same arguments.

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

resp::limits small_limits() {
    resp::limits lim;
    lim.max_bulk_length = 1024;
    lim.max_aggregate_size = 64;
    lim.max_inline_length = 32;
    return lim;
}

enum class event_kind : std::uint8_t { complete, error, end };

struct event {
    event_kind kind{};
    std::size_t offset = 0; // complete: absolute end; error: absolute offset; end: consumed
    std::vector<std::string> args;
    bool is_inline = false;
    int code = 0;
    std::string message;
    friend bool operator==(const event&, const event&) = default;
};

bool is_too_big(int code) {
    return code == static_cast<int>(errc::inline_too_big) ||
           code == static_cast<int>(errc::mbulk_count_too_big) ||
           code == static_cast<int>(errc::bulk_count_too_big);
}

// A too-big error at `offset` needs more than max_inline_length bytes in which the line end
// is not visible: absent, or hidden behind a NUL byte (Redis looks for it with strchr).
void check_too_big_justified(std::string_view stream, std::size_t offset, int code,
                             const resp::limits& lim) {
    FUZZ_CHECK(offset < stream.size());
    const std::size_t window = static_cast<std::size_t>(lim.max_inline_length) + 1;
    FUZZ_CHECK(stream.size() - offset >= window);
    const char end = code == static_cast<int>(errc::inline_too_big) ? '\n' : '\r';
    const char* const from = stream.data() + offset;
    const void* hit = std::memchr(from, end, window);
    if (hit != nullptr) {
        const auto before = static_cast<std::size_t>(static_cast<const char*>(hit) - from);
        FUZZ_CHECK(std::memchr(from, '\0', before) != nullptr);
    }
    if (code == static_cast<int>(errc::inline_too_big)) FUZZ_CHECK(stream[offset] != '*');
    if (code == static_cast<int>(errc::mbulk_count_too_big)) FUZZ_CHECK(stream[offset] == '*');
    // (bulk_count_too_big is raised before the '$' is looked at, as in Redis.)
}

std::string quoted_inline(const std::vector<std::string>& args) {
    static const char hex[] = "0123456789abcdef";
    std::string line;
    for (const std::string& arg : args) {
        if (!line.empty()) line += ' ';
        line += '"';
        for (const char c : arg) {
            const auto u = static_cast<unsigned char>(c);
            line += "\\x";
            line += hex[u >> 4];
            line += hex[u & 15];
        }
        line += '"';
    }
    line += "\r\n";
    return line;
}

void check_command(std::string_view command_bytes, const std::vector<std::string>& args,
                   bool is_inline) {
    FUZZ_CHECK(!args.empty());
    // Multibulk re-encoding parses back to the same arguments.
    std::string encoded;
    resp::write_command_range(encoded, args);
    {
        resp::request_parser again; // default limits: an inline line may give long arguments
        const resp::parse_result r = again.parse(encoded);
        FUZZ_CHECK(r.status == resp::parse_status::complete && r.consumed == encoded.size());
        FUZZ_CHECK(!again.last_was_inline());
        FUZZ_CHECK(again.args().size() == args.size());
        for (std::size_t i = 0; i < args.size(); ++i)
            FUZZ_CHECK(again.args()[i] == args[i]);
    }
    if (!is_inline) {
        // The command's bytes end with that encoding, up to the bytes Redis does not check.
        FUZZ_CHECK(command_bytes.size() >= encoded.size());
        const std::string_view tail = command_bytes.substr(command_bytes.size() - encoded.size());
        std::vector<bool> unchecked(encoded.size(), false);
        std::size_t at = encoded.find('\r');
        unchecked[at + 1] = true; // after the count line's CR
        at += 2;
        for (const std::string& arg : args) {
            at = encoded.find('\r', at);
            unchecked[at + 1] = true; // after the length line's CR
            at += 2 + arg.size();
            unchecked[at] = unchecked[at + 1] = true; // after the payload
            at += 2;
        }
        FUZZ_CHECK(at == encoded.size());
        for (std::size_t i = 0; i < encoded.size(); ++i) {
            if (!unchecked[i]) FUZZ_CHECK(tail[i] == encoded[i]);
        }
    }
    // Inline re-encoding with quoted escapes parses back to the same arguments.
    const std::string line = quoted_inline(args);
    resp::request_parser inl;
    const resp::parse_result r = inl.parse(line);
    FUZZ_CHECK(r.status == resp::parse_status::complete && r.consumed == line.size());
    FUZZ_CHECK(inl.last_was_inline());
    FUZZ_CHECK(inl.args().size() == args.size());
    for (std::size_t i = 0; i < args.size(); ++i)
        FUZZ_CHECK(inl.args()[i] == args[i]);
}

std::vector<event> run(std::string_view stream, const resp::limits& lim, split_mode mode,
                       std::uint64_t seed, bool check_commands) {
    resp::request_parser p(lim);
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
        const resp::parse_result r = p.parse(input);
        FUZZ_CHECK(r.consumed <= input.size());

        if (r.status == resp::parse_status::complete) {
            FUZZ_CHECK(r.consumed > 0 && !p.error());
            const auto args = p.args();
            FUZZ_CHECK(!args.empty());
            std::vector<std::string> copied;
            const char* const lo = input.data();
            const char* const hi = input.data() + r.consumed;
            const char* previous_end = nullptr;
            for (const std::string_view a : args) {
                const bool inside = a.data() >= lo && a.data() + a.size() <= hi;
                const bool outside = a.data() + a.size() <= lo || a.data() >= hi;
                if (p.last_was_inline()) {
                    // Copied into the parser (unquoted), in order, not overlapping.
                    FUZZ_CHECK(a.empty() || outside);
                    if (previous_end != nullptr && !a.empty()) FUZZ_CHECK(a.data() >= previous_end);
                    if (!a.empty()) previous_end = a.data() + a.size();
                } else {
                    FUZZ_CHECK(inside);
                    FUZZ_CHECK(a.size() <= lim.max_bulk_length);
                }
                copied.emplace_back(a);
            }
            if (!p.last_was_inline()) FUZZ_CHECK(args.size() <= lim.max_aggregate_size);
            if (check_commands) {
                check_command(stream.substr(base, r.consumed), copied, p.last_was_inline());
            }
            base += r.consumed;
            events.push_back(
                event{event_kind::complete, base, std::move(copied), p.last_was_inline(), 0, {}});
            continue;
        }

        if (r.status == resp::parse_status::error) {
            FUZZ_CHECK(r.consumed < input.size());
            FUZZ_CHECK(p.error() && p.error().category() == respkit::error_category());
            const int code = p.error().value();
            FUZZ_CHECK(code >= static_cast<int>(errc::invalid_multibulk_length) &&
                       code <= static_cast<int>(errc::bulk_count_too_big));
            const std::string message = p.error_message();
            FUZZ_CHECK(message.rfind("ERR ", 0) == 0);
            if (code == static_cast<int>(errc::expected_dollar)) {
                // Redis names the offending byte.
                const char got = stream[base + r.consumed];
                FUZZ_CHECK(got != '$');
                FUZZ_CHECK(message == resp::request_error_message(errc::expected_dollar, got));
            }
            events.push_back(event{event_kind::error, base + r.consumed, {}, false, code, message});
            if (is_too_big(code)) check_too_big_justified(stream, base + r.consumed, code, lim);

            // Sticky until reset().
            const resp::parse_result again = p.parse(stream.substr(base));
            FUZZ_CHECK(again.status == resp::parse_status::error && again.consumed == r.consumed);
            FUZZ_CHECK(p.error().value() == code && p.error_message() == message);
            p.reset();
            FUZZ_CHECK(!p.error());
            const resp::parse_result ok =
                p.parse(std::string_view("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"));
            FUZZ_CHECK(ok.status == resp::parse_status::complete && ok.consumed == 20);
            FUZZ_CHECK(p.args().size() == 2 && p.args()[0] == "ECHO" && p.args()[1].empty());
            return events;
        }

        // need_more: skipped empty commands may be consumed.
        FUZZ_CHECK(!p.error());
        base += r.consumed;
        if (delivered == stream.size()) {
            events.push_back(event{event_kind::end, base, {}, false, 0, {}});
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
             const std::vector<event>& split, const resp::limits& lim) {
    if (split == whole) return;
    // Only an early too-big error, ending the split run, may differ.
    FUZZ_CHECK(!split.empty() && split.size() <= whole.size());
    const event& last = split.back();
    FUZZ_CHECK(last.kind == event_kind::error && is_too_big(last.code));
    for (std::size_t i = 0; i + 1 < split.size(); ++i)
        FUZZ_CHECK(split[i] == whole[i]);
    check_too_big_justified(stream, last.offset, last.code, lim);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    const std::uint64_t seed = fnv1a(data, size);
    for (const resp::limits& lim : {small_limits(), resp::limits{}}) {
        const std::vector<event> whole = run(stream, lim, split_mode::whole, 0, true);
        compare(stream, whole, run(stream, lim, split_mode::bytewise, 0, false), lim);
        compare(stream, whole, run(stream, lim, split_mode::random_chunks, seed, false), lim);
    }
    return 0;
}

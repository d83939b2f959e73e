// Fuzz target for resp::parser: property checks, not only "does not crash".
//
// The input is a byte stream of RESP messages. It is parsed with small limits
//   (1) whole, in one buffer;
//   (2) one byte at a time;
//   (3) in pseudo-random chunks (sizes derived from a hash of the input), each call getting a
//       fresh heap copy of exactly the unconsumed bytes, so that reading past them, or keeping a
//       pointer into an older buffer, is caught by ASan;
// and checks:
//   - the sequence of emitted nodes (payloads copied), completed messages (absolute end offset)
//     and errors (code, absolute offset) and the final state is the same for (1), (2) and (3);
//   - consumed is 0 on need_more, in (0, input] on complete; an error offset lies inside the
//     input and equals error_offset(); node payloads view the input of the call that emitted them;
//   - a second call with the same bytes after need_more emits nothing and returns need_more;
//   - nodes respect the limits and the grammar (depth, sizes, payload shapes), and an
//     independent model of the pre-order node stream says "message complete" exactly when the
//     parser does (and so does value_builder's done());
//   - once failed, the parser stays failed (same offset, no nodes) until reset(), then works;
//   - for each complete message: writer::write of its nodes reproduces the consumed bytes
//     exactly (the parser accepts only canonical RESP); skip() agrees with parse();
//     the value built with value_builder, written with write_value (RESP3) and parsed again,
//     is equal, and writing it again gives the same bytes; written as RESP2 it parses as one
//     message of RESP2 types only.

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

resp::limits fuzz_limits() {
    resp::limits lim;
    lim.max_depth = 64;
    lim.max_bulk_length = 1024 * 1024;
    lim.max_aggregate_size = 4096;
    lim.max_line_length = 1024; // small enough that line_too_long is reachable within -max_len
    return lim;
}

enum class event_kind : std::uint8_t { node, complete, error, end };

// One observable thing the parser did, with every view copied.
struct event {
    event_kind kind{};
    resp::type type{};
    std::uint32_t depth = 0;
    std::uint64_t size = 0;
    std::string value;
    std::size_t offset = 0; // complete: absolute end; error: absolute offending byte; end: consumed
    int code = 0;           // error: errc; end: 1 when a message was left unfinished
    friend bool operator==(const event&, const event&) = default;
};

// An independent model of the pre-order node stream: tracks open aggregates and says when a
// top-level message is complete.
class stream_model {
public:
    // Checks `n` against the model; returns true when it completes a top-level message.
    bool add(const resp::node& n, const resp::limits& lim) {
        FUZZ_CHECK(n.depth == m_stack.size());
        FUZZ_CHECK(m_stack.size() <= lim.max_depth);
        const bool in_stream =
            !m_stack.empty() && m_stack.back().type == resp::type::streamed_string;
        FUZZ_CHECK(in_stream == (n.type == resp::type::streamed_string_part));
        if (n.type == resp::type::streamed_string_part) {
            FUZZ_CHECK(n.size == 0);
            if (!n.value.empty()) return false;
            m_stack.pop_back();
            return element_done();
        }
        if (n.type == resp::type::stream_end) {
            FUZZ_CHECK(!m_stack.empty() && m_stack.back().remaining == resp::unknown_size);
            FUZZ_CHECK(n.value.empty() && n.size == 0);
            // A streamed map holds key/value pairs: it cannot end after a key.
            FUZZ_CHECK(m_stack.back().type != resp::type::map || m_stack.back().streamed % 2 == 0);
            m_stack.pop_back();
            return element_done();
        }
        if (resp::is_aggregate(n.type)) {
            FUZZ_CHECK(n.value.empty());
            if (n.size == resp::unknown_size) {
                FUZZ_CHECK(n.type == resp::type::array || n.type == resp::type::map ||
                           n.type == resp::type::set || n.type == resp::type::streamed_string);
            } else {
                FUZZ_CHECK(n.type != resp::type::streamed_string);
                FUZZ_CHECK(n.child_count() <= lim.max_aggregate_size);
            }
            if (n.size != 0) {
                FUZZ_CHECK(m_stack.size() + 1 <= lim.max_depth);
                m_stack.push_back({n.type, n.child_count(), 0});
                return false;
            }
            if (n.type == resp::type::attribute) return false; // `|0` is no element
            return element_done();
        }
        FUZZ_CHECK(n.size == 0);
        check_scalar(n, lim);
        return element_done();
    }

    [[nodiscard]] bool idle() const noexcept { return m_stack.empty(); }
    void reset() noexcept { m_stack.clear(); }

private:
    struct frame {
        resp::type type;
        std::uint64_t remaining;
        std::uint64_t streamed; // elements seen in a streamed aggregate
    };

    static bool is_line(std::string_view v) { return v.find('\n') == std::string_view::npos; }

    static void check_scalar(const resp::node& n, const resp::limits& lim) {
        const std::string_view v = n.value;
        switch (n.type) {
        case resp::type::simple_string:
        case resp::type::simple_error:
            FUZZ_CHECK(is_line(v) && v.size() <= lim.max_line_length);
            break;
        case resp::type::integer: {
            std::int64_t i = 0;
            FUZZ_CHECK(respkit::detail::parse_int64(v, i));
            break;
        }
        case resp::type::double_number: {
            double d = 0;
            FUZZ_CHECK(respkit::detail::parse_double(v, d));
            break;
        }
        case resp::type::big_number: FUZZ_CHECK(respkit::detail::is_big_number(v)); break;
        case resp::type::boolean: FUZZ_CHECK(v == "t" || v == "f"); break;
        case resp::type::bulk_string:
        case resp::type::bulk_error: FUZZ_CHECK(v.size() <= lim.max_bulk_length); break;
        case resp::type::verbatim_string:
            FUZZ_CHECK(v.size() <= lim.max_bulk_length && v.size() >= 4 && v[3] == ':');
            break;
        case resp::type::null:
        case resp::type::null_bulk_string:
        case resp::type::null_array: FUZZ_CHECK(v.empty()); break;
        default: FUZZ_CHECK(false); // aggregates and stream markers are handled by add()
        }
    }

    bool element_done() {
        while (!m_stack.empty()) {
            frame& top = m_stack.back();
            if (top.remaining == resp::unknown_size) {
                ++top.streamed;
                return false;
            }
            FUZZ_CHECK(top.remaining > 0);
            if (--top.remaining != 0) return false;
            const bool attribute = top.type == resp::type::attribute;
            m_stack.pop_back();
            if (attribute) return false; // the attribute describes the next element
        }
        return true;
    }

    std::vector<frame> m_stack;
};

// Collects only the node types RESP2 has.
struct resp2_checker {
    bool only_resp2 = true;
    void operator()(const resp::node& n) {
        if (!resp::is_resp2_type(n.type)) only_resp2 = false;
    }
};

std::string encode_nodes(const std::vector<event>& events, std::size_t first) {
    std::string out;
    resp::writer w(out, resp::protocol::resp3);
    for (std::size_t i = first; i < events.size(); ++i) {
        const event& e = events[i];
        FUZZ_CHECK(e.kind == event_kind::node);
        w.write(resp::node{e.type, e.depth, e.size, e.value});
    }
    return out;
}

// Checks one complete message: `bytes` is what it consumed, `nodes` its node events.
void check_message(std::string_view bytes, const std::vector<event>& events, std::size_t first,
                   resp::value v, const resp::limits& lim) {
    // The parser accepts canonical RESP only: writing the nodes back gives the same bytes.
    FUZZ_CHECK(encode_nodes(events, first) == bytes);

    // A fresh parser agrees, with skip() and with parse_value().
    {
        resp::parser p(lim);
        const resp::parse_result r = p.skip(bytes);
        FUZZ_CHECK(r.status == resp::parse_status::complete && r.consumed == bytes.size());
        const resp::parsed_value pv = resp::parse_value(bytes, lim);
        FUZZ_CHECK(pv.result == r && !pv.error);
        FUZZ_CHECK(pv.value == v);
    }

    // Value-level round trip through write_value (RESP3). Streamed strings and aggregates become
    // sized ones, so the reparse uses the default (large) limits.
    const std::string e1 = resp::to_resp(v, resp::protocol::resp3);
    const resp::parsed_value again = resp::parse_value(e1);
    FUZZ_CHECK(again.result.status == resp::parse_status::complete);
    FUZZ_CHECK(again.result.consumed == e1.size());
    FUZZ_CHECK(again.value == v);
    FUZZ_CHECK(resp::to_resp(again.value, resp::protocol::resp3) == e1);

    // Downgraded to RESP2: one message, RESP2 types only.
    const std::string e2 = resp::to_resp(v, resp::protocol::resp2);
    resp::parser p2;
    resp2_checker only2;
    const resp::parse_result r2 = p2.parse(e2, only2);
    FUZZ_CHECK(r2.status == resp::parse_status::complete && r2.consumed == e2.size());
    FUZZ_CHECK(only2.only_resp2);
}

// Parses `stream` delivered as `mode` says; returns every event. Runs the per-call checks, and the
// per-message checks when `check_messages`.
std::vector<event> run(std::string_view stream, split_mode mode, std::uint64_t seed,
                       bool check_messages) {
    const resp::limits lim = fuzz_limits();
    resp::parser p(lim);
    resp::value_builder builder;
    stream_model model;
    std::vector<event> events;
    std::size_t message_first_event = 0; // index of the current message's first node event
    std::size_t base = 0;                // absolute offset of the first unconsumed byte
    std::size_t delivered = mode == split_mode::whole ? stream.size() : 0;
    std::uint64_t rng = seed;
    bool model_complete = false;

    std::unique_ptr<char[]> copy;
    std::string_view input;
    auto visit = [&](const resp::node& n) {
        if (!n.value.empty()) {
            FUZZ_CHECK(n.value.data() >= input.data());
            FUZZ_CHECK(n.value.data() + n.value.size() <= input.data() + input.size());
        }
        FUZZ_CHECK(!model_complete); // nothing after the node that completed the message
        model_complete = model.add(n, lim);
        builder(n);
        events.push_back(
            event{event_kind::node, n.type, n.depth, n.size, std::string(n.value), 0, 0});
    };

    for (;;) {
        const std::string_view pending = stream.substr(base, delivered - base);
        if (mode == split_mode::random_chunks) {
            copy.reset(new char[pending.size() + 1]); // +1: never a zero-size array
            std::memcpy(copy.get(), pending.data(), pending.size());
            input = std::string_view(copy.get(), pending.size());
        } else {
            input = pending;
        }
        const bool was_in_message = p.in_message();
        const resp::parse_result r = p.parse(input, visit);

        if (r.status == resp::parse_status::complete) {
            FUZZ_CHECK(r.consumed > 0 && r.consumed <= input.size());
            FUZZ_CHECK(model_complete && model.idle());
            FUZZ_CHECK(builder.done());
            FUZZ_CHECK(!p.in_message() && !p.error());
            if (check_messages) {
                check_message(stream.substr(base, r.consumed), events, message_first_event,
                              builder.take(), lim);
            } else {
                (void)builder.take();
            }
            base += r.consumed;
            events.push_back(event{event_kind::complete, {}, 0, 0, {}, base, 0});
            message_first_event = events.size();
            model_complete = false;
            continue;
        }
        FUZZ_CHECK(!model_complete && !builder.done());

        if (r.status == resp::parse_status::error) {
            FUZZ_CHECK(r.consumed < input.size());
            FUZZ_CHECK(p.error() && p.error().category() == respkit::error_category());
            FUZZ_CHECK(p.error_offset() == r.consumed);
            const int code = p.error().value();
            FUZZ_CHECK(code >= static_cast<int>(respkit::errc::invalid_type_byte) &&
                       code <= static_cast<int>(respkit::errc::line_too_long));
            events.push_back(event{event_kind::error, {}, 0, 0, {}, base + r.consumed, code});

            // Sticky until reset(), with more bytes or without, and emits nothing.
            const std::size_t before = events.size();
            const resp::parse_result again = p.parse(input, visit);
            FUZZ_CHECK(again == r && p.error().value() == code);
            const resp::parse_result more = p.parse(stream.substr(base), visit);
            FUZZ_CHECK(more == r && p.error().value() == code);
            FUZZ_CHECK(events.size() == before);

            p.reset();
            FUZZ_CHECK(!p.error() && !p.in_message() && p.error_offset() == 0);
            resp::value_builder fresh;
            const resp::parse_result ok = p.parse(std::string_view("*1\r\n:7\r\n"), fresh);
            FUZZ_CHECK(ok.status == resp::parse_status::complete && ok.consumed == 8);
            FUZZ_CHECK(fresh.done() &&
                       fresh.take() == resp::value::array({resp::value::integer(7)}));
            return events;
        }

        // need_more
        FUZZ_CHECK(r.consumed == 0);
        FUZZ_CHECK(!p.error());
        // in_message() is true exactly when nodes of an unfinished message were emitted.
        FUZZ_CHECK(p.in_message() == (events.size() != message_first_event));
        if (was_in_message) FUZZ_CHECK(p.in_message());
        if (mode == split_mode::random_chunks) {
            // The same bytes again (at another address): nothing new.
            const std::size_t before = events.size();
            std::unique_ptr<char[]> other(new char[input.size() + 1]);
            std::memcpy(other.get(), input.data(), input.size());
            input = std::string_view(other.get(), input.size());
            const resp::parse_result same = p.parse(input, visit);
            FUZZ_CHECK(same == r && events.size() == before);
        }
        if (delivered == stream.size()) {
            events.push_back(event{event_kind::end, {}, 0, 0, {}, base, p.in_message() ? 1 : 0});
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    const std::vector<event> whole = run(stream, split_mode::whole, 0, true);
    const std::vector<event> bytewise = run(stream, split_mode::bytewise, 0, false);
    FUZZ_CHECK(bytewise == whole);
    const std::uint64_t seed = fnv1a(data, size);
    const std::vector<event> chunks = run(stream, split_mode::random_chunks, seed, false);
    FUZZ_CHECK(chunks == whole);
    return 0;
}

#pragma once

/// \file
/// The RESP writer: appends replies (every RESP2 and RESP3 type) and commands to a sink.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "respkit/detail/numbers.hpp"
#include "respkit/resp/sink.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// Appends RESP elements to a sink. Aggregates are written as a header (`array(n)`) followed by
/// exactly n elements (2n for maps), each written with further calls: nesting has no limit and
/// no recursion.
///
/// On a RESP2 writer, RESP3-only types are downgraded exactly as Redis does for a RESP2 client:
/// map -> flat array of 2n, set and push -> array, null() -> `$-1`, null_array() -> `*-1`,
/// boolean -> `:1`/`:0`, double -> bulk string (Redis 7.0's "%.17g"), big number and verbatim
/// string -> bulk string (verbatim without its `txt:` prefix), bulk error -> simple error.
/// Attributes and streamed types have no RESP2 form: attribute() writes nothing on a RESP2
/// writer (the caller must not write its pairs either), and streamed types are RESP3 only.
template <output_sink Sink>
class writer {
public:
    /// A writer appending to `sink` (which must outlive it), speaking `proto`.
    explicit writer(Sink& sink, resp::protocol proto = resp::protocol::resp3) noexcept
        : m_sink(&sink), m_protocol(proto) {}

    /// The protocol this writer speaks.
    [[nodiscard]] resp::protocol protocol() const noexcept { return m_protocol; }
    /// Switches protocol (after HELLO).
    void set_protocol(resp::protocol proto) noexcept { m_protocol = proto; }
    /// True when writing RESP3.
    [[nodiscard]] bool resp3() const noexcept { return m_protocol == resp::protocol::resp3; }
    /// The sink written to.
    [[nodiscard]] Sink& sink() noexcept { return *m_sink; }

    /// `+text` (text must not contain CR or LF).
    void simple_string(std::string_view text) { line('+', text); }
    /// `-text` (text must not contain CR or LF), e.g. "ERR syntax error".
    void simple_error(std::string_view text) { line('-', text); }
    /// `:value`.
    void integer(std::int64_t value) {
        char buf[detail::max_int64_chars + 3];
        buf[0] = ':';
        std::size_t n = 1 + detail::format_int64(value, buf + 1);
        buf[n++] = '\r';
        buf[n++] = '\n';
        append_to(*m_sink, buf, n);
    }
    /// `$len payload` (binary safe).
    void bulk_string(std::string_view payload) {
        if (payload.size() <= small_payload) { // one append: a sink's append costs more than these bytes
            char buf[detail::max_int64_chars + 5 + small_payload];
            std::size_t n = put_header(buf, '$', payload.size());
            n += payload.copy(buf + n, payload.size());
            buf[n++] = '\r';
            buf[n++] = '\n';
            append_to(*m_sink, buf, n);
            return;
        }
        header('$', payload.size());
        append_to(*m_sink, payload);
        append_to(*m_sink, "\r\n", 2);
    }
    /// A bulk string holding the decimal form of `value` (Redis's addReplyBulkLongLong).
    void bulk_string(std::int64_t value) {
        char buf[detail::max_int64_chars];
        bulk_string(std::string_view(buf, detail::format_int64(value, buf)));
    }
    /// Redis's null reply: `_` in RESP3, `$-1` in RESP2.
    void null() { append_to(*m_sink, resp3() ? std::string_view("_\r\n") : std::string_view("$-1\r\n")); }
    /// Redis's null array reply: `_` in RESP3, `*-1` in RESP2.
    void null_array() {
        append_to(*m_sink, resp3() ? std::string_view("_\r\n") : std::string_view("*-1\r\n"));
    }
    /// `$-1` whatever the protocol (to reproduce a parsed RESP2 null).
    void null_bulk_string() { append_to(*m_sink, "$-1\r\n", 5); }
    /// `*-1` whatever the protocol (to reproduce a parsed RESP2 null).
    void null_array_raw() { append_to(*m_sink, "*-1\r\n", 5); }
    /// `#t` / `#f`; `:1` / `:0` in RESP2.
    void boolean(bool value) {
        if (resp3()) append_to(*m_sink, value ? "#t\r\n" : "#f\r\n", 4);
        else append_to(*m_sink, value ? ":1\r\n" : ":0\r\n", 4);
    }
    /// A double formatted as Redis 7.0 does ("inf", "-inf", else "%.17g"); a bulk string in RESP2.
    void double_number(double value) {
        char buf[detail::max_double_chars];
        double_text(std::string_view(buf, detail::format_double(value, buf)));
    }
    /// A double given as its text (e.g. "3.14", "-nan"); a bulk string in RESP2.
    void double_text(std::string_view text) {
        if (resp3()) line(',', text);
        else bulk_string(text);
    }
    /// `(digits`; a bulk string in RESP2.
    void big_number(std::string_view digits) {
        if (resp3()) line('(', digits);
        else bulk_string(digits);
    }
    /// `!len text`; in RESP2 a simple error with CR and LF replaced by spaces.
    void bulk_error(std::string_view text) {
        if (resp3()) {
            header('!', text.size());
            append_to(*m_sink, text);
            append_to(*m_sink, "\r\n", 2);
            return;
        }
        std::string flat(text);
        for (char& c : flat) {
            if (c == '\r' || c == '\n') c = ' ';
        }
        simple_error(flat);
    }
    /// `=len fmt:text` with a three-byte format such as "txt" or "mkd"; in RESP2 a bulk string of
    /// the text alone.
    void verbatim_string(std::string_view format, std::string_view text) {
        if (!resp3()) {
            bulk_string(text);
            return;
        }
        header('=', text.size() + 4);
        char prefix[4] = {' ', ' ', ' ', ':'};
        for (std::size_t i = 0; i < 3 && i < format.size(); ++i) prefix[i] = format[i];
        append_to(*m_sink, prefix, 4);
        append_to(*m_sink, text);
        append_to(*m_sink, "\r\n", 2);
    }
    /// A verbatim string given as its whole payload ("txt:..."), as the parser reports it.
    void verbatim_payload(std::string_view payload) {
        if (payload.size() < 4) {
            verbatim_string("txt", payload);
            return;
        }
        verbatim_string(payload.substr(0, 3), payload.substr(4));
    }
    /// `*count`: count elements follow.
    void array(std::uint64_t count) { header('*', count); }
    /// `%count`: count key/value pairs follow; a `*2count` array in RESP2.
    void map(std::uint64_t count) {
        if (resp3()) header('%', count);
        else header('*', count * 2);
    }
    /// `~count`: count elements follow; an array in RESP2.
    void set(std::uint64_t count) { header(resp3() ? '~' : '*', count); }
    /// `>count`: a push frame of count elements; an array in RESP2 (pub/sub messages).
    void push(std::uint64_t count) { header(resp3() ? '>' : '*', count); }
    /// `|count`: count pairs describing the next element follow. RESP3 only: on a RESP2 writer
    /// this writes nothing and the caller must skip the pairs.
    void attribute(std::uint64_t count) {
        if (resp3()) header('|', count);
    }
    /// `$?`: a streamed string; follow with streamed_string_part calls and streamed_string_end.
    void streamed_string_begin() { append_to(*m_sink, "$?\r\n", 4); }
    /// `;len chunk` (a non-empty chunk of a streamed string).
    void streamed_string_part(std::string_view chunk) {
        header(';', chunk.size());
        append_to(*m_sink, chunk);
        append_to(*m_sink, "\r\n", 2);
    }
    /// `;0`: ends a streamed string.
    void streamed_string_end() { append_to(*m_sink, ";0\r\n", 4); }
    /// `*?`, `%?` or `~?` (for array, map or set): a streamed aggregate; end it with stream_end.
    void streamed_aggregate_begin(resp::type aggregate) {
        const char buf[4] = {marker(aggregate), '?', '\r', '\n'};
        append_to(*m_sink, buf, 4);
    }
    /// `.`: ends a streamed aggregate.
    void stream_end() { append_to(*m_sink, ".\r\n", 3); }

    /// Writes one parsed node as it came (headers for aggregates, the payload for scalars):
    /// writing every node of a message reproduces its canonical encoding.
    void write(const node& n) {
        switch (n.type) {
        case type::simple_string: simple_string(n.value); break;
        case type::simple_error: simple_error(n.value); break;
        case type::integer: line(':', n.value); break;
        case type::bulk_string: bulk_string(n.value); break;
        case type::null_bulk_string: null_bulk_string(); break;
        case type::null_array: null_array_raw(); break;
        case type::null: null(); break;
        case type::boolean: boolean(n.value == "t"); break;
        case type::double_number: double_text(n.value); break;
        case type::big_number: big_number(n.value); break;
        case type::bulk_error: bulk_error(n.value); break;
        case type::verbatim_string: verbatim_payload(n.value); break;
        case type::array:
        case type::map:
        case type::set:
            if (n.size == unknown_size) streamed_aggregate_begin(n.type);
            else if (n.type == type::array) array(n.size);
            else if (n.type == type::map) map(n.size);
            else set(n.size);
            break;
        case type::attribute: attribute(n.size); break;
        case type::push: push(n.size); break;
        case type::streamed_string: streamed_string_begin(); break;
        case type::streamed_string_part:
            if (n.value.empty()) streamed_string_end();
            else streamed_string_part(n.value);
            break;
        case type::stream_end: stream_end(); break;
        }
    }

private:
    // Payloads up to this size are written with their header and CRLF in one append.
    static constexpr std::size_t small_payload = 128;

    // Writes `type_byte count CRLF` at `buf` (room for max_int64_chars + 3); returns its length.
    static std::size_t put_header(char* buf, char type_byte, std::uint64_t count) noexcept {
        buf[0] = type_byte;
        std::size_t n = 1;
        if (count < 10) {
            buf[n++] = static_cast<char>('0' + count);
        } else {
            n += detail::format_int64(static_cast<std::int64_t>(count), buf + 1);
        }
        buf[n++] = '\r';
        buf[n++] = '\n';
        return n;
    }
    void header(char type_byte, std::uint64_t count) {
        char buf[detail::max_int64_chars + 3];
        append_to(*m_sink, buf, put_header(buf, type_byte, count));
    }
    void line(char type_byte, std::string_view text) {
        if (text.size() <= small_payload) {
            char buf[small_payload + 3];
            buf[0] = type_byte;
            std::size_t n = 1 + text.copy(buf + 1, text.size());
            buf[n++] = '\r';
            buf[n++] = '\n';
            append_to(*m_sink, buf, n);
            return;
        }
        append_to(*m_sink, &type_byte, 1);
        append_to(*m_sink, text);
        append_to(*m_sink, "\r\n", 2);
    }

    Sink* m_sink;
    resp::protocol m_protocol;
};

/// Deduces the sink type: `writer w(out);`.
template <output_sink Sink>
writer(Sink&) -> writer<Sink>;
template <output_sink Sink>
writer(Sink&, resp::protocol) -> writer<Sink>;

} // namespace respkit::resp

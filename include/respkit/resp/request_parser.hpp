#pragma once

/// \file
/// The request parser for servers: multibulk and inline commands, split exactly as Redis does,
/// with Redis's protocol errors.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "respkit/detail/numbers.hpp"
#include "respkit/detail/pod_stack.hpp"
#include "respkit/error.hpp"
#include "respkit/resp/limits.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// The reply text Redis sends for a request parser error (without `-` and CRLF), e.g.
/// "ERR Protocol error: invalid bulk length". `offending` is the byte reported by
/// expected_dollar. After sending it, the server closes the connection, as Redis does.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] std::string request_error_message(errc code, char offending = '?') {
    switch (code) {
    case errc::expected_dollar:
        return std::string("ERR Protocol error: expected '$', got '") + offending + "'";
    case errc::invalid_multibulk_length:
    case errc::invalid_bulk_length:
    case errc::unbalanced_quotes:
    case errc::inline_too_big:
    case errc::mbulk_count_too_big:
    case errc::bulk_count_too_big:
    case errc::unauthenticated_multibulk_length:
    case errc::unauthenticated_bulk_length:
        return "ERR " + make_error_code(code).message();
    default:
        return "ERR Protocol error: " + make_error_code(code).message();
    }
}

/// Splits a byte stream into commands, as Redis's processMultibulkBuffer and
/// processInlineBuffer do: a request starting with `*` is a multibulk array of bulk strings,
/// anything else an inline command line split on spaces with quotes and escapes.
///
/// `*0`, `*-1` (any count <= 0) and empty or blank inline lines are skipped, as Redis does.
/// Like Redis, the two bytes after a bulk payload are not checked to be CRLF, a header line
/// ends at its CR, and a NUL byte before a line's end makes the parser wait (Redis's strchr).
///
/// Multibulk arguments are views into the input (zero-copy); inline arguments that needed
/// unquoting live in the parser. Either way args() is valid until the next parse or reset,
/// and, for views into the input, while the input bytes stay where they are.
class request_parser {
public:
    /// A request parser with default limits.
    request_parser() = default;
    /// A request parser with the given limits (max_bulk_length, max_inline_length,
    /// max_aggregate_size for the argument count).
    explicit request_parser(const resp::limits& lim) : m_limits(lim) {}

    /// Parses at most one command from `input` (which must start at the first byte not yet
    /// consumed and hold, unchanged, every unconsumed byte passed before).
    /// complete: args() holds the command; drop `consumed` bytes.
    /// need_more: drop `consumed` bytes (skipped empty commands), then call again with more.
    /// error: error() says which, `consumed` is the offending request's offset; reply with
    /// error_message() and close the connection. The parser stays failed until reset().
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    [[nodiscard]] parse_result parse(std::string_view input);

    /// A bulk argument whose header was read and whose payload (and CRLF) is still incomplete.
    struct pending_bulk {
        std::size_t offset; ///< where its payload starts, from the first unconsumed byte
        std::size_t length; ///< its length (without CRLF)
    };
    /// After need_more: the bulk argument being received, if any. A caller may then receive its
    /// payload elsewhere (a big argument read straight into its own string, without a copy in
    /// the input), drop the bytes from `offset` on from the input it passes, and hand the
    /// payload over with take_bulk().
    template <class Bulk = pending_bulk> // dependent: std::optional<pending_bulk> is instantiated where used
    [[nodiscard]] std::optional<Bulk> awaiting_bulk() const noexcept {
        if (m_error || m_state != state::multibulk || m_bulk_length == no_bulk) return std::nullopt;
        return Bulk{m_pos, m_bulk_length};
    }
    /// Takes the payload of the argument awaiting_bulk() announced from elsewhere: `payload`
    /// (its length, without CRLF) must stay valid and unchanged until the command is complete
    /// and its args() used; the input passed from now on no longer holds that payload nor its
    /// CRLF (the next argument's header follows the previous one's end).
    template <class = void>
    void take_bulk(std::string_view payload) {
        m_ranges.push_back({external, m_external.size()});
        m_external.push_back(payload);
        m_bulk_length = no_bulk;
        --m_remaining;
    }
    /// The arguments of the command just parsed (name first).
    template <class = void>
    [[nodiscard]] std::span<const std::string_view> args() const noexcept { return {m_args.begin(), m_args.size()}; }
    /// The error that stopped the parser, or an empty code.
    [[nodiscard]] std::error_code error() const noexcept { return m_error; }
    /// Redis's reply text for the error (without `-` and CRLF).
    template <class = void>
    [[nodiscard]] std::string error_message() const { return request_error_message(m_error_code, m_offending); }
    /// Applies (or not) Redis's limits for clients that did not authenticate yet: a multibulk
    /// count over 10 or a bulk length over 16384 is a protocol error.
    void set_unauthenticated(bool on) noexcept { m_unauthenticated = on; }
    /// True when the last complete command was inline.
    [[nodiscard]] bool last_was_inline() const noexcept { return m_inline; }
    /// Forgets any partial command and any error.
    void reset() noexcept {
        m_state = state::start;
        m_pos = 0;
        m_remaining = 0;
        m_ranges.clear();
        m_external.clear();
        m_args.clear();
        m_bulk_length = no_bulk;
        m_error = {};
        m_scan_line = std::string_view::npos;
    }

private:
    enum class state : std::uint8_t { start, multibulk };
    static constexpr std::size_t no_bulk = static_cast<std::size_t>(-1);
    static constexpr std::size_t external = static_cast<std::size_t>(-1); // a range's offset: taken elsewhere
    // Redis's caps on what a client may announce before it authenticated (CVE-2021-32675).
    static constexpr std::int64_t unauthenticated_max_count = 10;
    static constexpr std::int64_t unauthenticated_max_bulk = 16384;

    parse_result fail(errc code, std::size_t offset, char offending = '?') {
        m_error = code;
        m_error_offset = offset;
        m_error_code = code;
        m_offending = offending;
        return {parse_status::error, offset};
    }
    enum class inline_outcome : std::uint8_t { need_more, error, unbalanced, blank, command };
    struct inline_step {
        inline_outcome outcome;
        std::size_t length; // bytes of the line, LF included
    };
    // Finds `c` from `line_start` in `cmd` the way Redis's strchr on its query buffer does (a
    // NUL byte before it hides it). Remembers how far it looked, so that a line arriving in
    // many pieces is scanned once. Returns the offset in `cmd`, or npos.
    std::size_t find_line_end(std::string_view cmd, std::size_t line_start, char c) noexcept {
        if (m_scan_line != line_start) {
            m_scan_line = line_start;
            m_scan_from = line_start;
            m_scan_hidden = false;
        }
        if (m_scan_hidden || m_scan_from >= cmd.size()) return std::string_view::npos;
        const char* from = cmd.data() + m_scan_from;
        const std::size_t length = cmd.size() - m_scan_from;
        const void* hit = std::memchr(from, c, length);
        const std::size_t searched = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - from) : length;
        if (std::memchr(from, '\0', searched) != nullptr) {
            m_scan_hidden = true; // Redis would never see this line's end
            return std::string_view::npos;
        }
        if (hit == nullptr) {
            m_scan_from = cmd.size();
            return std::string_view::npos;
        }
        const std::size_t found = m_scan_from + searched;
        m_scan_line = std::string_view::npos; // the next search starts afresh
        return found;
    }

    // Reads a header's length at cmd[p]: "0" or [1-9][0-9]{0,17}, then CR and one more byte.
    // Advances p past the line; false (p unchanged) for anything else, which parse() reads.
    static bool fast_length(const char* cmd, std::size_t size, std::size_t& p, std::uint64_t& out) noexcept {
        std::size_t i = p;
        if (i >= size) return false;
        std::uint64_t v = static_cast<unsigned char>(cmd[i]) - static_cast<unsigned>('0');
        if (v > 9) return false;
        ++i;
        if (v != 0) {
            const std::size_t last = size - p > 18 ? p + 18 : size; // 18 digits cannot overflow
            while (i < last) {
                const unsigned d = static_cast<unsigned char>(cmd[i]) - static_cast<unsigned>('0');
                if (d > 9) break;
                v = v * 10 + d;
                ++i;
            }
        }
        if (i + 2 > size || cmd[i] != '\r') return false;
        p = i + 2;
        out = v;
        return true;
    }
    // A whole multibulk command at the front of `cmd`, in the common form (plain lengths,
    // every byte present, within the limits): its arguments in args() and its length, or 0
    // when parse() must read it (partial, malformed, or anything it treats specially).
    template <class = void>
    std::size_t parse_complete_multibulk(const char* cmd, std::size_t size);

    // Splits one inline line at the front of `cmd` into args().
    template <class = void>
    inline_step parse_inline(std::string_view cmd);
    // Splits an inline line as Redis's sdssplitargs; false on unbalanced quotes.
    template <class = void>
    bool split_inline(std::string_view line);

    resp::limits m_limits{};
    state m_state = state::start;
    std::size_t m_pos = 0;       // next byte to look at, relative to the command start
    std::uint64_t m_remaining = 0; // bulk arguments still expected
    struct range {
        std::size_t offset; // in the command, or `external`
        std::size_t length; // or, for an external payload, its index in m_external
    };
    detail::pod_stack<range> m_ranges; // the arguments' offsets and lengths
    detail::pod_stack<std::string_view> m_external; // payloads handed over with take_bulk
    std::size_t m_bulk_length = no_bulk;      // the bulk whose header was read (no_bulk: none)
    detail::pod_stack<std::string_view> m_args;
    std::string m_inline_storage;
    std::error_code m_error{};
    std::size_t m_error_offset = 0;
    errc m_error_code{};
    char m_offending = '?';
    bool m_inline = false;
    bool m_unauthenticated = false; // Redis's limits before authentication apply
    std::size_t m_scan_line = std::string_view::npos; // line whose end is being searched
    std::size_t m_scan_from = 0;                       // where that search resumes
    bool m_scan_hidden = false;                        // a NUL hides that line's end
};

template <class>
parse_result request_parser::parse(std::string_view input) {
    if (m_error) return {parse_status::error, m_error_offset};
    const char* const data = input.data();
    std::size_t skipped = 0; // bytes of skipped empty commands at the front of input

    for (;;) {
        const std::size_t base = skipped; // where the current command starts
        const std::size_t size = input.size() - base;
        const char* const cmd = data + base;
        if (m_state == state::start) {
            if (size == 0) return {parse_status::need_more, skipped};
            if (cmd[0] == '*') {
                if (const std::size_t length = parse_complete_multibulk(cmd, size); length != 0) {
                    m_inline = false;
                    m_scan_line = std::string_view::npos; // a search begun on a partial count line is over
                    return {parse_status::complete, base + length};
                }
            }
            if (cmd[0] != '*') {
                const inline_step step = parse_inline(std::string_view(cmd, size));
                switch (step.outcome) {
                case inline_outcome::need_more: return {parse_status::need_more, skipped};
                case inline_outcome::error: return fail(errc::inline_too_big, base);
                case inline_outcome::unbalanced: return fail(errc::unbalanced_quotes, base);
                case inline_outcome::blank: // no reply
                    m_scan_line = std::string_view::npos;
                    skipped += step.length;
                    continue;
                case inline_outcome::command:
                    m_inline = true;
                    return {parse_status::complete, skipped + step.length};
                }
            }
            // Multibulk count line, up to its CR (Redis does not check the LF).
            const std::size_t cr_at = find_line_end(std::string_view(cmd, size), 0, '\r');
            if (cr_at == std::string_view::npos) {
                if (size > m_limits.max_inline_length) return fail(errc::mbulk_count_too_big, base);
                return {parse_status::need_more, skipped};
            }
            if (cr_at + 2 > size) return {parse_status::need_more, skipped};
            std::int64_t count = 0;
            const bool ok = detail::parse_int64(std::string_view(cmd + 1, cr_at - 1), count);
            if (!ok || count > 2147483647LL) return fail(errc::invalid_multibulk_length, base);
            if (count > unauthenticated_max_count && m_unauthenticated) {
                return fail(errc::unauthenticated_multibulk_length, base);
            }
            if (count <= 0) { // skipped, as Redis does
                m_scan_line = std::string_view::npos;
                skipped += cr_at + 2;
                continue;
            }
            if (static_cast<std::uint64_t>(count) > m_limits.max_aggregate_size) {
                return fail(errc::invalid_multibulk_length, base);
            }
            m_state = state::multibulk;
            m_remaining = static_cast<std::uint64_t>(count);
            m_pos = cr_at + 2;
            m_ranges.clear();
            m_external.clear();
        }

        // Bulk arguments.
        while (m_remaining != 0) {
            if (m_bulk_length != no_bulk) { // header read: its payload, then CRLF
                if (size - m_pos < m_bulk_length + 2) return {parse_status::need_more, skipped};
                m_ranges.push_back({m_pos, m_bulk_length});
                m_pos += m_bulk_length + 2;
                m_bulk_length = no_bulk;
                --m_remaining;
                continue;
            }
            const std::size_t at = m_pos;
            if (at >= size) return {parse_status::need_more, skipped};
            const std::size_t cr_at = find_line_end(std::string_view(cmd, size), at, '\r');
            if (cr_at == std::string_view::npos) {
                if (size - at > m_limits.max_inline_length) return fail(errc::bulk_count_too_big, base + at);
                return {parse_status::need_more, skipped};
            }
            if (cr_at + 2 > size) return {parse_status::need_more, skipped};
            if (cmd[at] != '$') return fail(errc::expected_dollar, base + at, cmd[at]);
            std::int64_t len = 0;
            const bool ok = detail::parse_int64(std::string_view(cmd + at + 1, cr_at - at - 1), len);
            if (!ok || len < 0 || static_cast<std::uint64_t>(len) > m_limits.max_bulk_length) {
                return fail(errc::invalid_bulk_length, base + at);
            }
            if (len > unauthenticated_max_bulk && m_unauthenticated) {
                return fail(errc::unauthenticated_bulk_length, base + at);
            }
            m_pos = cr_at + 2;
            m_bulk_length = static_cast<std::size_t>(len);
        }

        // Complete: the command's bytes are all in `input` now, so views are stable.
        m_args.clear();
        for (const auto& [offset, length] : m_ranges) {
            m_args.push_back(offset == external ? m_external[length] : std::string_view(cmd + offset, length));
        }
        m_state = state::start;
        m_inline = false;
        const std::size_t consumed = base + m_pos;
        m_pos = 0;
        return {parse_status::complete, consumed};
    }
}

template <class>
std::size_t request_parser::parse_complete_multibulk(const char* cmd, std::size_t size) {
    std::size_t p = 1;
    std::uint64_t count = 0;
    if (!fast_length(cmd, size, p, count) || count == 0 || count > 2147483647ULL || count > m_limits.max_aggregate_size ||
        (m_unauthenticated && count > static_cast<std::uint64_t>(unauthenticated_max_count))) {
        return 0;
    }
    // A count the bytes present cannot hold (4 bytes per argument at least) is not sized from.
    if (count > (size - p) / 4) return 0;
    m_args.clear();
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t length = 0;
        if (p >= size || cmd[p] != '$') return 0;
        ++p;
        if (!fast_length(cmd, size, p, length) || length > m_limits.max_bulk_length ||
            (m_unauthenticated && length > static_cast<std::uint64_t>(unauthenticated_max_bulk)) ||
            length + 2 > size - p) {
            return 0;
        }
        m_args.push_back(std::string_view(cmd + p, static_cast<std::size_t>(length)));
        p += static_cast<std::size_t>(length) + 2;
    }
    return p;
}

template <class>
request_parser::inline_step request_parser::parse_inline(std::string_view cmd) {
    const std::size_t lf_at = find_line_end(cmd, 0, '\n');
    if (lf_at == std::string_view::npos) {
        if (cmd.size() > m_limits.max_inline_length) return {inline_outcome::error, 0};
        return {inline_outcome::need_more, 0};
    }
    std::size_t line_len = lf_at;
    if (line_len != 0 && cmd[line_len - 1] == '\r') --line_len;
    if (!split_inline(cmd.substr(0, line_len))) return {inline_outcome::unbalanced, 0};
    return {m_args.empty() ? inline_outcome::blank : inline_outcome::command, lf_at + 1};
}

template <class>
bool request_parser::split_inline(std::string_view line) {
    // sdssplitargs works on a C string: a NUL byte ends the line.
    if (const void* nul = std::memchr(line.data(), '\0', line.size()); nul != nullptr) {
        line = line.substr(0, static_cast<std::size_t>(static_cast<const char*>(nul) - line.data()));
    }
    m_args.clear();
    m_ranges.clear();
    m_inline_storage.clear();
    m_inline_storage.reserve(line.size()); // unquoted text never grows: views stay valid
    const auto is_space = [](char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
    };
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    const std::size_t n = line.size();
    const auto at = [&](std::size_t i) -> char { return i < n ? line[i] : '\0'; };
    std::size_t p = 0;
    for (;;) {
        while (p < n && is_space(line[p])) ++p;
        if (p >= n) break;
        const std::size_t arg_start = m_inline_storage.size();
        bool in_double = false;
        bool in_single = false;
        bool done = false;
        while (!done) {
            const char c = at(p);
            if (in_double) {
                if (c == '\\' && at(p + 1) == 'x' && hex(at(p + 2)) >= 0 && hex(at(p + 3)) >= 0) {
                    m_inline_storage.push_back(static_cast<char>(hex(at(p + 2)) * 16 + hex(at(p + 3))));
                    p += 3;
                } else if (c == '\\' && at(p + 1) != '\0') {
                    ++p;
                    char e = at(p);
                    switch (e) {
                    case 'n': e = '\n'; break;
                    case 'r': e = '\r'; break;
                    case 't': e = '\t'; break;
                    case 'b': e = '\b'; break;
                    case 'a': e = '\a'; break;
                    default: break;
                    }
                    m_inline_storage.push_back(e);
                } else if (c == '"') {
                    // The closing quote must be followed by a space or nothing at all.
                    if (at(p + 1) != '\0' && !is_space(at(p + 1))) return false;
                    done = true;
                } else if (c == '\0') {
                    return false; // unterminated quotes
                } else {
                    m_inline_storage.push_back(c);
                }
            } else if (in_single) {
                if (c == '\\' && at(p + 1) == '\'') {
                    ++p;
                    m_inline_storage.push_back('\'');
                } else if (c == '\'') {
                    if (at(p + 1) != '\0' && !is_space(at(p + 1))) return false;
                    done = true;
                } else if (c == '\0') {
                    return false;
                } else {
                    m_inline_storage.push_back(c);
                }
            } else {
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case '\0': done = true; break;
                case '"': in_double = true; break;
                case '\'': in_single = true; break;
                default: m_inline_storage.push_back(c); break;
                }
            }
            if (p < n) ++p;
        }
        m_ranges.push_back({arg_start, m_inline_storage.size() - arg_start});
    }
    for (const auto& [offset, length] : m_ranges) m_args.push_back(std::string_view(m_inline_storage.data() + offset, length));
    return true;
}

} // namespace respkit::resp

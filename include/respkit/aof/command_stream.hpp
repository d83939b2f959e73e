#pragma once

/// \file
/// Reads the commands of an append-only file's RESP part: `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n`
/// per argument, '#' annotation lines skipped, a MULTI ... EXEC unit delivered only once its
/// EXEC is read. Tells a torn tail (the bytes end inside a command or a transaction: what a
/// crash leaves) from damage (bytes that no writer produces), with the offset and the reason.

#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::aof {

/// How reading a command stream ended.
enum class stream_status : std::uint8_t {
    complete, ///< every byte belongs to a complete command
    torn,     ///< the bytes end inside a command or a MULTI without EXEC (a crash's leftover)
    damaged,  ///< bytes that are not a command (format error)
};

/// The outcome of reading a command stream.
struct stream_result {
    stream_status status = stream_status::complete; ///< how it ended
    std::uint64_t valid_up_to = 0;   ///< offset just past the last complete unit (where to truncate)
    std::uint64_t error_offset = 0;  ///< where the read that failed started (redis-check-aof's offset)
    std::uint64_t commands = 0;      ///< commands delivered
    std::string reason;              ///< what was wrong (redis-check-aof's wording), "" when complete
};

/// Receives one command: its arguments and the offset of its first byte in the file.
using command_callback = std::function<void(const std::vector<std::string_view>& args, std::uint64_t offset)>;

namespace detail {

[[nodiscard]] inline bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

} // namespace detail

/// Reads the commands in `bytes` (which start at file offset `base`) and gives each to
/// `on_command`, stopping at the first torn or damaged part. A count or a length is never
/// trusted beyond the bytes present: a length past the end is a torn tail, not an allocation.
[[nodiscard]] inline stream_result read_commands(std::string_view bytes, std::uint64_t base,
                                                 const command_callback& on_command) {
    stream_result r;
    r.valid_up_to = base;
    const std::size_t n = bytes.size();
    std::size_t p = 0;
    // A MULTI ... EXEC unit is held until its EXEC: a crash between them leaves none of it.
    struct held_command {
        std::vector<std::string_view> args;
        std::uint64_t offset;
    };
    std::vector<held_command> unit;
    bool in_multi = false;
    std::size_t unit_start = 0;

    auto stop = [&](stream_status s, std::size_t at, std::string reason) {
        r.status = s;
        r.error_offset = base + at;
        r.reason = std::move(reason);
        return r;
    };
    auto hex2 = [](char a, char b) {
        static constexpr char digits[] = "0123456789abcdef";
        std::string s;
        for (const char c : {a, b}) {
            s += digits[static_cast<unsigned char>(c) >> 4];
            s += digits[static_cast<unsigned char>(c) & 0xf];
        }
        return s;
    };
    // Reads `<prefix><digits>\r\n` at p. 1: read, 0: torn, -1: damaged (reason set).
    std::string why;
    auto read_number = [&](char prefix, std::uint64_t max, std::uint64_t& value) -> int {
        if (p >= n) return 0;
        if (bytes[p] != prefix) {
            why = std::string("Expected prefix '") + prefix + "', got: '" + bytes[p] + "'";
            return -1;
        }
        std::size_t q = p + 1;
        value = 0;
        const std::size_t digits_start = q;
        for (; q < n && bytes[q] >= '0' && bytes[q] <= '9'; ++q) {
            value = value * 10 + static_cast<std::uint64_t>(bytes[q] - '0');
            if (value > max) {
                why = std::string("Expected a ") + (prefix == '*' ? "count" : "length") + " up to " + std::to_string(max);
                return -1;
            }
        }
        if (q + 2 > n) {
            // The end may cut the number or its line end; what is there must still fit.
            if (q < n && bytes[q] != '\r') {
                why = "Expected \\r\\n, got: " + hex2(bytes[q], '\0').substr(0, 2);
                return -1;
            }
            return 0;
        }
        if (q == digits_start || bytes[q] != '\r' || bytes[q + 1] != '\n') {
            why = "Expected \\r\\n, got: " + hex2(bytes[q], bytes[q + 1]);
            return -1;
        }
        p = q + 2;
        return 1;
    };

    while (p < n) {
        const std::size_t start = p;
        if (bytes[p] == '#') { // annotation (timestamp): a line of its own
            const std::size_t eol = bytes.find('\n', p);
            if (eol == std::string_view::npos) return stop(stream_status::torn, start, "Unterminated annotation");
            p = eol + 1;
            if (!in_multi) r.valid_up_to = base + p;
            continue;
        }
        std::uint64_t argc = 0;
        // Each argument takes at least 6 bytes ($0\r\n\r\n): a larger count cannot be complete.
        int got = read_number('*', INT32_MAX, argc);
        if (got < 0) return stop(stream_status::damaged, p, why);
        if (got == 0) return stop(stream_status::torn, p, "Unexpected end of file inside a command");
        if (argc == 0) return stop(stream_status::damaged, start, "Expected a command of at least 1 argument, got 0");
        std::vector<std::string_view> args;
        args.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(argc, (n - p) / 6 + 1)));
        for (std::uint64_t i = 0; i < argc; ++i) {
            std::uint64_t len = 0;
            got = read_number('$', INT64_MAX / 2, len);
            if (got < 0) return stop(stream_status::damaged, p, why);
            if (got == 0) return stop(stream_status::torn, p, "Unexpected end of file inside a command");
            if (len > n - p || n - p - len < 2) {
                // Torn unless the bytes present already show the line end is wrong.
                if (len + 1 <= n - p && bytes[p + len] != '\r') {
                    return stop(stream_status::damaged, p + len, "Expected \\r\\n, got: " + hex2(bytes[p + len], '\0').substr(0, 2));
                }
                return stop(stream_status::torn, p,
                            "Expected to read " + std::to_string(len + 2) + " bytes, got " + std::to_string(n - p) + " bytes");
            }
            if (bytes[p + len] != '\r' || bytes[p + len + 1] != '\n') {
                return stop(stream_status::damaged, p + len, "Expected \\r\\n, got: " + hex2(bytes[p + len], bytes[p + len + 1]));
            }
            args.push_back(bytes.substr(p, static_cast<std::size_t>(len)));
            p += static_cast<std::size_t>(len) + 2;
        }
        const bool multi = detail::iequals_ascii(args[0], "multi");
        const bool exec = detail::iequals_ascii(args[0], "exec");
        if (multi) {
            if (in_multi) return stop(stream_status::damaged, start, "Unexpected MULTI");
            in_multi = true;
            unit_start = start;
            unit.push_back({std::move(args), base + start});
            continue;
        }
        if (exec && !in_multi) return stop(stream_status::damaged, start, "Unexpected EXEC");
        if (in_multi) {
            unit.push_back({std::move(args), base + start});
            if (!exec) continue;
            for (const held_command& c : unit) on_command(c.args, c.offset);
            r.commands += unit.size();
            unit.clear();
            in_multi = false;
        } else {
            on_command(args, base + start);
            ++r.commands;
        }
        r.valid_up_to = base + p;
    }
    if (in_multi) return stop(stream_status::torn, unit_start, "Reached EOF before reading EXEC for MULTI");
    return r;
}

} // namespace respkit::aof

#pragma once

/// \file
/// The reading primitives of the RDB format over bytes in memory: lengths, strings (raw,
/// integer-encoded, LZF), doubles, little-endian integers; bounds-checked, with the first error
/// and its offset kept. Internal to rdb::load and the stream decoder.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "respkit/detail/numbers.hpp"
#include "respkit/error.hpp"
#include "respkit/rdb/encodings.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/rdb/lzf.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb::detail {

/// Reads RDB items from memory: lengths, strings (integer, LZF), doubles. Records the first
/// error; every read after a failure fails.
class rdb_cursor {
public:
    explicit rdb_cursor(std::string_view data) noexcept : m_data(data) {}

    [[nodiscard]] std::size_t position() const noexcept { return m_pos; }
    [[nodiscard]] std::size_t remaining() const noexcept { return m_data.size() - m_pos; }
    [[nodiscard]] std::string_view data() const noexcept { return m_data; }
    [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(m_error); }
    [[nodiscard]] const std::error_code& error() const noexcept { return m_error; }
    [[nodiscard]] const std::string& message() const noexcept { return m_message; }
    [[nodiscard]] std::size_t error_offset() const noexcept { return m_error_offset; }

    /// Records an error at `offset` (the first one wins); returns false.
    bool fail(errc code, std::string what, std::size_t offset) {
        if (!m_error) {
            m_error = code;
            m_error_offset = offset;
            m_message = std::move(what) + " at offset " + std::to_string(offset);
        }
        return false;
    }
    bool truncated(std::string_view what) {
        return fail(errc::rdb_truncated, "unexpected end of data reading " + std::string(what), m_pos);
    }

    bool byte(std::uint8_t& out, std::string_view what) {
        if (m_pos >= m_data.size()) return truncated(what);
        out = static_cast<std::uint8_t>(m_data[m_pos++]);
        return true;
    }
    bool bytes(std::size_t n, std::string_view& out, std::string_view what) {
        if (remaining() < n) return truncated(what);
        out = m_data.substr(m_pos, n);
        m_pos += n;
        return true;
    }
    bool uint_le(int width, std::uint64_t& out, std::string_view what) {
        std::string_view b;
        if (!bytes(static_cast<std::size_t>(width), b, what)) return false;
        out = load_le(reinterpret_cast<const unsigned char*>(b.data()), width);
        return true;
    }

    /// A length (or, with `encoded` set, a special string encoding number).
    bool length(std::uint64_t& out, bool& encoded, std::string_view what) {
        std::uint8_t b = 0;
        if (!byte(b, what)) return false;
        encoded = false;
        switch (b >> 6) {
        case 0: out = b & 0x3f; return true;
        case 1: {
            std::uint8_t second = 0;
            if (!byte(second, what)) return false;
            out = (std::uint64_t{b & 0x3fu} << 8) | second;
            return true;
        }
        case 3:
            encoded = true;
            out = b & 0x3f;
            return true;
        default: break;
        }
        const int width = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
        if (width == 0) return fail(errc::rdb_corrupt, "unknown length encoding " + std::to_string(b), m_pos - 1);
        std::string_view raw;
        if (!bytes(static_cast<std::size_t>(width), raw, what)) return false;
        out = 0;
        for (const char c : raw) out = (out << 8) | static_cast<unsigned char>(c); // big endian
        return true;
    }
    /// A plain length (a string encoding here is an error).
    bool length(std::uint64_t& out, std::string_view what) {
        const std::size_t start = m_pos;
        bool encoded = false;
        if (!length(out, encoded, what)) return false;
        if (encoded) return fail(errc::rdb_corrupt, "string encoding where a length was expected for " + std::string(what), start);
        return true;
    }
    /// A count of items each taking at least `min_item_bytes`: bounded by the bytes left.
    bool count(std::uint64_t& out, std::string_view what, std::size_t min_item_bytes = 1) {
        const std::size_t start = m_pos;
        if (!length(out, what)) return false;
        if (out > remaining() / min_item_bytes) {
            return fail(errc::rdb_corrupt, std::string(what) + " count " + std::to_string(out) + " exceeds the data left", start);
        }
        return true;
    }

    /// A string: raw, integer-encoded or LZF. `out` views the data or `scratch`.
    bool string(std::string_view& out, std::string& scratch, std::string_view what) {
        const std::size_t start = m_pos;
        std::uint64_t len = 0;
        bool encoded = false;
        if (!length(len, encoded, what)) return false;
        if (!encoded) {
            if (len > remaining()) return truncated(what);
            out = m_data.substr(m_pos, static_cast<std::size_t>(len));
            m_pos += static_cast<std::size_t>(len);
            return true;
        }
        std::int64_t value = 0;
        std::uint64_t raw = 0;
        switch (len) {
        case string_encoding::int8:
            if (!uint_le(1, raw, what)) return false;
            value = sign_extend(raw, 8);
            break;
        case string_encoding::int16:
            if (!uint_le(2, raw, what)) return false;
            value = sign_extend(raw, 16);
            break;
        case string_encoding::int32:
            if (!uint_le(4, raw, what)) return false;
            value = sign_extend(raw, 32);
            break;
        case string_encoding::lzf: {
            std::uint64_t clen = 0, ulen = 0;
            if (!length(clen, what) || !length(ulen, what)) return false;
            if (clen > remaining()) return truncated(what);
            if (ulen / lzf_max_expansion > clen) {
                return fail(errc::rdb_corrupt, "LZF string claims " + std::to_string(ulen) + " bytes from " +
                                                   std::to_string(clen) + " compressed", start);
            }
            scratch.resize(static_cast<std::size_t>(ulen));
            if (!lzf_decompress(m_data.substr(m_pos, static_cast<std::size_t>(clen)), scratch.data(), scratch.size())) {
                return fail(errc::rdb_corrupt, "invalid LZF compressed string", start);
            }
            m_pos += static_cast<std::size_t>(clen);
            out = scratch;
            return true;
        }
        default:
            return fail(errc::rdb_corrupt, "unknown string encoding " + std::to_string(len), start);
        }
        char buf[respkit::detail::max_int64_chars];
        scratch.assign(buf, respkit::detail::format_int64(value, buf));
        out = scratch;
        return true;
    }
    /// A string copied into `out`.
    bool string(std::string& out, std::string_view what) {
        std::string_view view;
        if (!string(view, m_scratch, what)) return false;
        out.assign(view);
        return true;
    }

    /// A score as ZSET (type 3) stores it: a length byte (253 nan, 254 inf, 255 -inf) and text.
    bool text_double(double& out, std::string_view what) {
        const std::size_t start = m_pos;
        std::uint8_t len = 0;
        if (!byte(len, what)) return false;
        if (len == 253) out = std::numeric_limits<double>::quiet_NaN();
        else if (len == 254) out = std::numeric_limits<double>::infinity();
        else if (len == 255) out = -std::numeric_limits<double>::infinity();
        else {
            std::string_view text;
            if (!bytes(len, text, what)) return false;
            if (!parse_score(text, out)) return fail(errc::rdb_corrupt, "bad score '" + std::string(text) + "'", start);
        }
        return true;
    }
    /// A binary little-endian IEEE 754 double (ZSET_2).
    bool binary_double(double& out, std::string_view what) {
        std::uint64_t raw = 0;
        if (!uint_le(8, raw, what)) return false;
        std::memcpy(&out, &raw, sizeof out);
        return true;
    }

    /// Parses a score as Redis's strtod does (a prefix that is a number; "inf", "-inf", "nan").
    [[nodiscard]] static bool parse_score(std::string_view text, double& out) {
        char buf[256];
        if (text.empty() || text.size() >= sizeof buf) return false;
        text.copy(buf, text.size());
        buf[text.size()] = '\0';
        char* end = nullptr;
        out = std::strtod(buf, &end);
        return end != buf;
    }

private:
    std::string_view m_data;
    std::size_t m_pos = 0;
    std::error_code m_error;
    std::string m_message;
    std::size_t m_error_offset = 0;
    std::string m_scratch;
};

} // namespace respkit::rdb::detail

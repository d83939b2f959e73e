#pragma once

/// \file
/// The compact encodings stored inside RDB strings: listpack, ziplist, intset and zipmap
/// decoders (bounds-checked: a malformed blob gives an error message, never a read outside it),
/// and the listpack and intset builders the writer uses.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// One element of a listpack or ziplist: an integer or a string.
struct packed_entry {
    bool is_integer = false;  ///< true: `integer` holds it; false: `string` does
    std::int64_t integer = 0; ///< the value of an integer entry
    std::string_view string;  ///< the bytes of a string entry (a view into the blob)

    /// The element as Redis shows it: an integer in decimal, a string as is.
    [[nodiscard]] std::string to_string() const {
        if (!is_integer) return std::string(string);
        char buf[respkit::detail::max_int64_chars];
        return std::string(buf, respkit::detail::format_int64(integer, buf));
    }
};

namespace detail {

[[nodiscard]] inline std::uint64_t load_le(const unsigned char* p, int bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

[[nodiscard]] inline std::int64_t sign_extend(std::uint64_t v, int bits) noexcept {
    const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
    if (bits < 64 && (v & sign) != 0) v |= ~((sign << 1) - 1);
    return static_cast<std::int64_t>(v);
}

/// How many bytes a listpack back length of `l` takes (Redis's thresholds: 16383 takes 3).
[[nodiscard]] constexpr std::size_t listpack_backlen_size(std::uint64_t l) noexcept {
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

inline void store_le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

} // namespace detail

/// Decodes a listpack, calling `f(const packed_entry&)` for each element in order; checks the
/// header's size and count, every entry's encoding and back length, and the terminator.
/// Returns "" or what is wrong.
template <class F>
[[nodiscard]] std::string decode_listpack(std::string_view blob, F&& f) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const std::size_t size = blob.size();
    if (size < 7) return "listpack shorter than its header";
    if (detail::load_le(p, 4) != size) return "listpack size header does not match its length";
    const std::uint64_t stated = detail::load_le(p + 4, 2);
    if (p[size - 1] != 0xff) return "listpack does not end with its terminator";
    std::size_t pos = 6;
    const std::size_t end = size - 1;
    std::uint64_t count = 0;
    while (pos < end) {
        const unsigned char b = p[pos];
        packed_entry e;
        std::size_t header = 1;
        std::uint64_t payload = 0;
        if ((b & 0x80) == 0) {
            e.is_integer = true;
            e.integer = b & 0x7f;
        } else if ((b & 0xc0) == 0x80) {
            payload = b & 0x3f;
        } else if ((b & 0xe0) == 0xc0) {
            header = 2;
            if (end - pos < 2) return "listpack entry runs past its end";
            e.is_integer = true;
            e.integer = detail::sign_extend((std::uint64_t{b & 0x1fu} << 8) | p[pos + 1], 13);
        } else if ((b & 0xf0) == 0xe0) {
            header = 2;
            if (end - pos < 2) return "listpack entry runs past its end";
            payload = (std::uint64_t{b & 0x0fu} << 8) | p[pos + 1];
        } else if (b == 0xf0) {
            header = 5;
            if (end - pos < 5) return "listpack entry runs past its end";
            payload = detail::load_le(p + pos + 1, 4);
        } else if (b >= 0xf1 && b <= 0xf4) {
            static constexpr int widths[] = {2, 3, 4, 8};
            const int width = widths[b - 0xf1];
            header = 1 + static_cast<std::size_t>(width);
            if (end - pos < header) return "listpack entry runs past its end";
            e.is_integer = true;
            e.integer = detail::sign_extend(detail::load_le(p + pos + 1, width), width * 8);
        } else {
            return "listpack entry has an unknown encoding";
        }
        if (end - pos - header < payload) return "listpack entry runs past its end";
        const std::size_t entry_size = header + static_cast<std::size_t>(payload);
        if (!e.is_integer) e.string = blob.substr(pos + header, static_cast<std::size_t>(payload));
        // The back length: entry_size in 7-bit groups, most significant first, all but the
        // first group flagged with the high bit.
        const std::size_t backlen_size = detail::listpack_backlen_size(entry_size);
        if (end - pos - entry_size < backlen_size) return "listpack entry runs past its end";
        std::uint64_t back = 0;
        for (std::size_t i = 0; i < backlen_size; ++i) {
            const unsigned char c = p[pos + entry_size + i];
            if ((i == 0) != ((c & 0x80) == 0)) return "listpack entry has a bad back length";
            back = (back << 7) | (c & 0x7f);
        }
        if (back != entry_size) return "listpack entry has a bad back length";
        pos += entry_size + backlen_size;
        ++count;
        f(static_cast<const packed_entry&>(e));
    }
    if (stated != 0xffff && stated != count) return "listpack count header does not match its entries";
    return {};
}

/// Decodes a ziplist (Redis before 7.0), calling `f(const packed_entry&)` for each element;
/// checks the header, every entry's previous-length and encoding, the tail offset and the
/// terminator. Returns "" or what is wrong.
template <class F>
[[nodiscard]] std::string decode_ziplist(std::string_view blob, F&& f) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const std::size_t size = blob.size();
    if (size < 11) return "ziplist shorter than its header";
    if (detail::load_le(p, 4) != size) return "ziplist size header does not match its length";
    const std::uint64_t tail = detail::load_le(p + 4, 4);
    const std::uint64_t stated = detail::load_le(p + 8, 2);
    if (p[size - 1] != 0xff) return "ziplist does not end with its terminator";
    std::size_t pos = 10;
    const std::size_t end = size - 1;
    std::size_t previous_size = 0;
    std::size_t last_entry = 10;
    std::uint64_t count = 0;
    while (pos < end) {
        const std::size_t start = pos;
        std::uint64_t prevlen = p[pos];
        if (prevlen == 0xff) return "ziplist entry has a bad previous length";
        if (prevlen == 0xfe) {
            if (end - pos < 5) return "ziplist entry runs past its end";
            prevlen = detail::load_le(p + pos + 1, 4);
            pos += 5;
        } else {
            pos += 1;
        }
        if (prevlen != previous_size) return "ziplist entry has a bad previous length";
        if (pos >= end) return "ziplist entry runs past its end";
        const unsigned char b = p[pos];
        packed_entry e;
        std::size_t header = 1;
        std::uint64_t payload = 0;
        switch (b >> 6) {
        case 0: payload = b & 0x3f; break;
        case 1:
            header = 2;
            if (end - pos < 2) return "ziplist entry runs past its end";
            payload = (std::uint64_t{b & 0x3fu} << 8) | p[pos + 1];
            break;
        case 2:
            if (b != 0x80) return "ziplist entry has an unknown encoding";
            header = 5;
            if (end - pos < 5) return "ziplist entry runs past its end";
            payload = (std::uint64_t{p[pos + 1]} << 24) | (std::uint64_t{p[pos + 2]} << 16) |
                      (std::uint64_t{p[pos + 3]} << 8) | p[pos + 4];
            break;
        default: {
            e.is_integer = true;
            int width = 0;
            switch (b) {
            case 0xc0: width = 2; break;
            case 0xd0: width = 4; break;
            case 0xe0: width = 8; break;
            case 0xf0: width = 3; break;
            case 0xfe: width = 1; break;
            default:
                if (b >= 0xf1 && b <= 0xfd) {
                    e.integer = (b & 0x0f) - 1;
                } else {
                    return "ziplist entry has an unknown encoding";
                }
            }
            if (width > 0) {
                if (end - pos < 1 + static_cast<std::size_t>(width)) return "ziplist entry runs past its end";
                e.integer = detail::sign_extend(detail::load_le(p + pos + 1, width), width * 8);
                header += static_cast<std::size_t>(width);
            }
        }
        }
        if (end - pos - header < payload) return "ziplist entry runs past its end";
        if (!e.is_integer) e.string = blob.substr(pos + header, static_cast<std::size_t>(payload));
        pos += header + static_cast<std::size_t>(payload);
        previous_size = pos - start;
        last_entry = start;
        ++count;
        f(static_cast<const packed_entry&>(e));
    }
    if (tail != last_entry) return "ziplist tail offset does not point at its last entry";
    if (stated != 0xffff && stated != count) return "ziplist count header does not match its entries";
    return {};
}

/// Decodes an intset, calling `f(std::int64_t)` for each element; checks the encoding (2, 4
/// or 8 bytes), the size, that it is not empty and that elements ascend strictly.
/// Returns "" or what is wrong.
template <class F>
[[nodiscard]] std::string decode_intset(std::string_view blob, F&& f) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    if (blob.size() < 8) return "intset shorter than its header";
    const std::uint64_t width = detail::load_le(p, 4);
    if (width != 2 && width != 4 && width != 8) return "intset has an unknown encoding";
    const std::uint64_t count = detail::load_le(p + 4, 4);
    if (count == 0) return "intset is empty";
    if ((blob.size() - 8) / width != count || (blob.size() - 8) % width != 0) {
        return "intset size does not match its count";
    }
    std::int64_t previous = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::int64_t v = detail::sign_extend(detail::load_le(p + 8 + i * width, static_cast<int>(width)),
                                                   static_cast<int>(width * 8));
        if (i > 0 && v <= previous) return "intset elements out of order or repeated";
        previous = v;
        f(v);
    }
    return {};
}

/// Decodes a zipmap (Redis 2.4 hashes), calling `f(std::string_view field, std::string_view value)`
/// for each pair. Returns "" or what is wrong.
template <class F>
[[nodiscard]] std::string decode_zipmap(std::string_view blob, F&& f) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    const std::size_t size = blob.size();
    if (size < 2) return "zipmap shorter than its header";
    if (p[size - 1] != 0xff) return "zipmap does not end with its terminator";
    const std::size_t end = size - 1;
    std::size_t pos = 1;
    const auto read_len = [&](std::uint64_t& len) {
        if (pos >= end) return false;
        len = p[pos];
        if (len < 254) {
            pos += 1;
            return true;
        }
        if (len == 255 || end - pos < 5) return false;
        len = detail::load_le(p + pos + 1, 4);
        pos += 5;
        return true;
    };
    std::uint64_t count = 0;
    while (pos < end) {
        std::uint64_t flen = 0, vlen = 0;
        if (!read_len(flen) || end - pos < flen) return "zipmap entry runs past its end";
        const std::string_view field = blob.substr(pos, static_cast<std::size_t>(flen));
        pos += static_cast<std::size_t>(flen);
        if (!read_len(vlen) || pos >= end) return "zipmap entry runs past its end";
        const std::uint64_t free = p[pos++];
        if (end - pos < vlen || end - pos - vlen < free) return "zipmap entry runs past its end";
        const std::string_view value = blob.substr(pos, static_cast<std::size_t>(vlen));
        pos += static_cast<std::size_t>(vlen + free);
        ++count;
        f(field, value);
    }
    if (count == 0) return "zipmap is empty";
    if (p[0] < 254 && p[0] != count) return "zipmap count header does not match its entries";
    return {};
}

/// Builds a listpack as Redis 7.0 does: elements that are canonical 64-bit integers are stored
/// as integers, the others as strings.
class listpack_builder {
public:
    listpack_builder() { m_bytes.assign(6, '\0'); }

    /// Appends an element (stored as an integer when it is one).
    void append(std::string_view element) {
        std::int64_t v = 0;
        if (element.size() <= 20 && respkit::detail::parse_int64(element, v)) return append_integer(v);
        const std::size_t before = m_bytes.size();
        const std::size_t len = element.size();
        if (len < 64) {
            m_bytes.push_back(static_cast<char>(0x80 | len));
        } else if (len < 4096) {
            m_bytes.push_back(static_cast<char>(0xe0 | (len >> 8)));
            m_bytes.push_back(static_cast<char>(len & 0xff));
        } else {
            m_bytes.push_back(static_cast<char>(0xf0));
            detail::store_le(m_bytes, len, 4);
        }
        m_bytes.append(element);
        finish_entry(before);
    }
    /// Appends an integer element.
    void append_integer(std::int64_t v) {
        const std::size_t before = m_bytes.size();
        const auto u = static_cast<std::uint64_t>(v);
        if (v >= 0 && v <= 127) {
            m_bytes.push_back(static_cast<char>(v));
        } else if (v >= -4096 && v <= 4095) {
            const std::uint64_t w = u & 0x1fff;
            m_bytes.push_back(static_cast<char>(0xc0 | (w >> 8)));
            m_bytes.push_back(static_cast<char>(w & 0xff));
        } else if (v >= -32768 && v <= 32767) {
            m_bytes.push_back(static_cast<char>(0xf1));
            detail::store_le(m_bytes, u, 2);
        } else if (v >= -8388608 && v <= 8388607) {
            m_bytes.push_back(static_cast<char>(0xf2));
            detail::store_le(m_bytes, u, 3);
        } else if (v >= -2147483648LL && v <= 2147483647LL) {
            m_bytes.push_back(static_cast<char>(0xf3));
            detail::store_le(m_bytes, u, 4);
        } else {
            m_bytes.push_back(static_cast<char>(0xf4));
            detail::store_le(m_bytes, u, 8);
        }
        finish_entry(before);
    }
    /// The number of elements so far.
    [[nodiscard]] std::size_t count() const noexcept { return m_count; }
    /// The size the listpack has when finished now.
    [[nodiscard]] std::size_t size_bytes() const noexcept { return m_bytes.size() + 1; }
    /// Completes the header and terminator; returns the bytes (the builder is reset).
    [[nodiscard]] std::string finish() {
        m_bytes.push_back(static_cast<char>(0xff));
        const std::size_t total = m_bytes.size();
        for (int i = 0; i < 4; ++i) m_bytes[static_cast<std::size_t>(i)] = static_cast<char>((total >> (8 * i)) & 0xff);
        const std::size_t count = m_count < 0xffff ? m_count : 0xffff;
        m_bytes[4] = static_cast<char>(count & 0xff);
        m_bytes[5] = static_cast<char>(count >> 8);
        std::string out = std::move(m_bytes);
        m_bytes.assign(6, '\0');
        m_count = 0;
        return out;
    }

private:
    void finish_entry(std::size_t before) {
        const std::uint64_t l = m_bytes.size() - before;
        unsigned char buf[5];
        std::size_t n = 0;
        if (l <= 127) {
            buf[n++] = static_cast<unsigned char>(l);
        } else {
            const int groups = static_cast<int>(detail::listpack_backlen_size(l));
            for (int g = groups - 1; g >= 0; --g) {
                const auto bits = static_cast<unsigned char>((l >> (7 * g)) & 127);
                buf[n++] = g == groups - 1 ? bits : static_cast<unsigned char>(bits | 128);
            }
        }
        m_bytes.append(reinterpret_cast<const char*>(buf), n);
        ++m_count;
    }

    std::string m_bytes;
    std::size_t m_count = 0;
};

/// Builds an intset from integers: sorts them, drops repeats, picks the narrowest width.
[[nodiscard]] inline std::string build_intset(std::vector<std::int64_t> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    int width = 2;
    for (const std::int64_t v : values) {
        if (v < -2147483648LL || v > 2147483647LL) width = 8;
        else if ((v < -32768 || v > 32767) && width < 4) width = 4;
    }
    std::string out;
    out.reserve(8 + values.size() * static_cast<std::size_t>(width));
    detail::store_le(out, static_cast<std::uint64_t>(width), 4);
    detail::store_le(out, values.size(), 4);
    for (const std::int64_t v : values) detail::store_le(out, static_cast<std::uint64_t>(v), width);
    return out;
}

} // namespace respkit::rdb

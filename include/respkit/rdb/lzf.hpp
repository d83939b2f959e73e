#pragma once

/// \file
/// LZF, the compression of RDB strings: a bounded decompressor and a compressor, written from
/// the format (a control byte below 32 starts a run of that many plus one literal bytes; above,
/// its top 3 bits are a length (7: plus the next byte) and the rest with the next byte an offset
/// back into the output, copying length + 2 bytes from offset + 1 bytes back).

#include <respkit/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// The most bytes one input byte of LZF can produce (a 3-byte back reference copies 264):
/// bounds the output a reader will allocate for a compressed string.
inline constexpr std::size_t lzf_max_expansion = 88;

/// Decompresses `in` into exactly `out_size` bytes at `out`; false when the input is malformed
/// (a reference before the start, a run past either end) or does not make exactly `out_size`
/// bytes. Never writes past out + out_size.
[[nodiscard]] inline bool lzf_decompress(std::string_view in, char* out, std::size_t out_size) noexcept {
    const auto* ip = reinterpret_cast<const unsigned char*>(in.data());
    const auto* const in_end = ip + in.size();
    std::size_t op = 0;
    while (ip < in_end) {
        const unsigned ctrl = *ip++;
        if (ctrl < 32) {
            const std::size_t run = ctrl + 1;
            if (static_cast<std::size_t>(in_end - ip) < run || out_size - op < run) return false;
            std::memcpy(out + op, ip, run);
            ip += run;
            op += run;
            continue;
        }
        std::size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip >= in_end) return false;
            len += *ip++;
        }
        if (ip >= in_end) return false;
        const std::size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
        len += 2;
        if (back > op || out_size - op < len) return false;
        const std::size_t ref = op - back;
        if (back >= len) {
            std::memcpy(out + op, out + ref, len);
        } else {
            for (std::size_t i = 0; i < len; ++i) out[op + i] = out[ref + i]; // overlapping: repeats
        }
        op += len;
    }
    return op == out_size;
}

/// Compresses `in` into `out` (replacing its contents); false, with `out` unspecified, when the
/// result would be longer than `max_out` bytes (Redis keeps compression only when it saves at
/// least 4 bytes: max_out = size - 4).
inline bool lzf_compress(std::string_view in, std::string& out, std::size_t max_out) {
    constexpr std::size_t max_offset = 1u << 13;
    constexpr std::size_t max_ref = 7 + 255 + 2;
    constexpr std::size_t max_literals = 32;
    const auto* src = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    if (n >= 0xffffffffu) return false; // positions are kept in 32 bits
    out.resize(max_out);
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    std::size_t op = 0;

    // The table maps a hash of 3 bytes to the last position + 1 they were seen at (0: never);
    // sized to the input so that small strings do not pay for clearing a large table.
    unsigned bits = 8;
    while (bits < 14 && (std::size_t{1} << bits) < n) ++bits;
    thread_local std::vector<std::uint32_t> table;
    table.assign(std::size_t{1} << bits, 0);
    const auto hash = [bits](const unsigned char* p) {
        const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
        return static_cast<std::size_t>((v * 2654435761u) >> (32 - bits));
    };

    std::size_t literal_start = 0;
    const auto flush_literals = [&](std::size_t end) {
        while (literal_start < end) {
            const std::size_t run = std::min(max_literals, end - literal_start);
            if (max_out - op < run + 1) return false;
            dst[op++] = static_cast<unsigned char>(run - 1);
            std::memcpy(dst + op, src + literal_start, run);
            op += run;
            literal_start += run;
        }
        return true;
    };

    std::size_t ip = 0;
    while (ip + 2 < n) {
        std::uint32_t& slot = table[hash(src + ip)];
        const std::size_t candidate = slot;
        slot = static_cast<std::uint32_t>(ip + 1);
        if (candidate != 0) {
            const std::size_t ref = candidate - 1;
            const std::size_t back = ip - ref;
            if (back <= max_offset && src[ref] == src[ip] && src[ref + 1] == src[ip + 1] && src[ref + 2] == src[ip + 2]) {
                const std::size_t limit = std::min(max_ref, n - ip);
                std::size_t len = 3;
                while (len < limit && src[ref + len] == src[ip + len]) ++len;
                if (!flush_literals(ip)) return false;
                const std::size_t code_len = len - 2;
                const std::size_t off = back - 1;
                if (max_out - op < (code_len >= 7 ? 3u : 2u)) return false;
                if (code_len < 7) {
                    dst[op++] = static_cast<unsigned char>((code_len << 5) | (off >> 8));
                } else {
                    dst[op++] = static_cast<unsigned char>((7u << 5) | (off >> 8));
                    dst[op++] = static_cast<unsigned char>(code_len - 7);
                }
                dst[op++] = static_cast<unsigned char>(off & 0xff);
                // Remember the positions just after the match start too, so runs keep matching.
                const std::size_t end = ip + len;
                for (std::size_t p = ip + 1; p < end && p + 2 < n && p < ip + 3; ++p) {
                    table[hash(src + p)] = static_cast<std::uint32_t>(p + 1);
                }
                ip = end;
                literal_start = ip;
                continue;
            }
        }
        ++ip;
    }
    if (!flush_literals(n)) return false;
    out.resize(op);
    return true;
}

} // namespace respkit::rdb

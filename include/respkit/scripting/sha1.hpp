#pragma once

/// \file
/// SHA-1 of a script body as Redis names scripts (EVALSHA, SCRIPT LOAD, redis.sha1hex): 40
/// lower-case hex digits. Standard library only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting {

namespace detail {

inline std::uint32_t rotl(std::uint32_t x, int n) noexcept {
    return (x << n) | (x >> (32 - n));
}

inline void sha1_block(std::array<std::uint32_t, 5>& h, const unsigned char* p) noexcept {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
        w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) |
               (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
    }
    for (int i = 16; i < 80; ++i)
        w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
        std::uint32_t f = 0, k = 0;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

} // namespace detail

/// The SHA-1 digest of `data` as 40 lower-case hex digits (Redis's sha1hex).
[[nodiscard]] inline std::string sha1_hex(std::string_view data) {
    std::array<std::uint32_t, 5> h{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64)
        detail::sha1_block(h, bytes + i);
    unsigned char tail[128] = {};
    const std::size_t rest = n - i;
    for (std::size_t j = 0; j < rest; ++j)
        tail[j] = bytes[i + j];
    tail[rest] = 0x80;
    const std::size_t tail_len = rest < 56 ? 64 : 128;
    const std::uint64_t bits = static_cast<std::uint64_t>(n) * 8;
    for (int j = 0; j < 8; ++j)
        tail[tail_len - 1 - j] = static_cast<unsigned char>(bits >> (8 * j));
    detail::sha1_block(h, tail);
    if (tail_len == 128) detail::sha1_block(h, tail + 64);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(40, '0');
    for (int j = 0; j < 5; ++j) {
        for (int k = 0; k < 8; ++k)
            out[static_cast<std::size_t>(j * 8 + k)] =
                digits[(h[static_cast<std::size_t>(j)] >> (28 - 4 * k)) & 0xF];
    }
    return out;
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::scripting

#pragma once

/// \file
/// Redis's CRC-64 (Jones polynomial, reflected, initial value 0, no final xor), the checksum of
/// RDB files and DUMP payloads. Sliced by 8 bytes.

#include <respkit/version.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

namespace detail {

/// The Jones polynomial 0xad93d23594c935a9, bit-reflected.
inline constexpr std::uint64_t crc64_reflected_poly = 0x95ac9329ac4bc9b5ULL;

/// Eight tables of 256 entries: table k gives the CRC of a byte followed by k zero bytes.
struct crc64_tables {
    std::uint64_t t[8][256];
};

[[nodiscard]] constexpr crc64_tables make_crc64_tables() noexcept {
    crc64_tables tables{};
    for (std::uint64_t i = 0; i < 256; ++i) {
        std::uint64_t crc = i;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) != 0 ? (crc >> 1) ^ crc64_reflected_poly : crc >> 1;
        tables.t[0][i] = crc;
    }
    for (int k = 1; k < 8; ++k) {
        for (int i = 0; i < 256; ++i) {
            const std::uint64_t prev = tables.t[k - 1][i];
            tables.t[k][i] = (prev >> 8) ^ tables.t[0][prev & 0xff];
        }
    }
    return tables;
}

inline constexpr crc64_tables crc64_table = make_crc64_tables();

} // namespace detail

/// Continues the CRC-64 `crc` over `bytes` (start with 0), as Redis's crc64(crc, s, l).
[[nodiscard]] inline std::uint64_t crc64(std::uint64_t crc, std::string_view bytes) noexcept {
    const auto& t = detail::crc64_table.t;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t n = bytes.size();
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
        crc ^= word;
        crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^ t[4][(crc >> 24) & 0xff] ^
              t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^ t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

} // namespace respkit::rdb

#pragma once

/// \file
/// Redis Cluster's key to hash slot mapping: CRC16 (XMODEM: polynomial 0x1021, initial value 0,
/// no reflection) of the key, or of its hash tag, modulo 16384. A hash tag is the text between
/// the first `{` and the first `}` after it, when that text is not empty; `{user1000}.following`
/// and `{user1000}.followers` map to the same slot, while `{}x` and `x{` hash the whole key.

#include <respkit/version.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

/// The number of hash slots of a Redis Cluster.
inline constexpr unsigned slot_count = 16384;

namespace detail {

constexpr std::array<std::uint16_t, 256> make_crc16_table() noexcept {
    std::array<std::uint16_t, 256> table{};
    for (unsigned byte = 0; byte < 256; ++byte) {
        unsigned crc = byte << 8;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000U) != 0 ? (crc << 1) ^ 0x1021U : crc << 1;
        table[byte] = static_cast<std::uint16_t>(crc);
    }
    return table;
}

inline constexpr std::array<std::uint16_t, 256> crc16_table = make_crc16_table();

} // namespace detail

/// CRC16/XMODEM of `bytes`, as Redis's crc16() (crc16("123456789") is 0x31C3).
[[nodiscard]] constexpr std::uint16_t crc16(std::string_view bytes) noexcept {
    unsigned crc = 0;
    for (const char c : bytes) {
        const unsigned index = ((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xFFU;
        crc = ((crc << 8) ^ detail::crc16_table[index]) & 0xFFFFU;
    }
    return static_cast<std::uint16_t>(crc);
}

/// The part of `key` that decides its slot: its hash tag when it has a non-empty one, else the
/// whole key.
[[nodiscard]] constexpr std::string_view hash_tag(std::string_view key) noexcept {
    const std::size_t open = key.find('{');
    if (open == std::string_view::npos) return key;
    const std::size_t close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

/// The hash slot of `key` (0 to 16383), as Redis's keyHashSlot() and CLUSTER KEYSLOT.
[[nodiscard]] constexpr unsigned key_slot(std::string_view key) noexcept {
    return crc16(hash_tag(key)) & (slot_count - 1);
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

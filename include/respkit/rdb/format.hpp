#pragma once

/// \file
/// The numbers of the RDB format (Redis 7.0, RDB version 10): value types, opcodes, length and
/// string encodings, as rdb.h defines them.

#include <respkit/version.hpp>

#include <cstdint>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// The RDB version respkit writes, and the newest it reads.
inline constexpr int rdb_version = 10;

/// The type byte before a key: how its value is encoded.
enum class value_type : std::uint8_t {
    string = 0,
    list = 1,
    set = 2,
    zset = 3,              ///< scores as strings
    hash = 4,
    zset_2 = 5,            ///< scores as binary doubles
    module = 6,
    module_2 = 7,
    hash_zipmap = 9,
    list_ziplist = 10,
    set_intset = 11,
    zset_ziplist = 12,
    hash_ziplist = 13,
    list_quicklist = 14,   ///< nodes are ziplists
    stream_listpacks = 15,
    hash_listpack = 16,
    zset_listpack = 17,
    list_quicklist_2 = 18, ///< nodes are listpacks or plain elements
    stream_listpacks_2 = 19,
};

/// The opcodes that are not value types.
namespace opcode {
inline constexpr std::uint8_t function2 = 245;
inline constexpr std::uint8_t function = 246;
inline constexpr std::uint8_t module_aux = 247;
inline constexpr std::uint8_t idle = 248;
inline constexpr std::uint8_t freq = 249;
inline constexpr std::uint8_t aux = 250;
inline constexpr std::uint8_t resize_db = 251;
inline constexpr std::uint8_t expire_time_ms = 252;
inline constexpr std::uint8_t expire_time = 253;
inline constexpr std::uint8_t select_db = 254;
inline constexpr std::uint8_t eof = 255;
} // namespace opcode

/// Encodings signalled by a length whose top two bits are 11.
namespace string_encoding {
inline constexpr std::uint8_t int8 = 0;
inline constexpr std::uint8_t int16 = 1;
inline constexpr std::uint8_t int32 = 2;
inline constexpr std::uint8_t lzf = 3;
} // namespace string_encoding

/// Quicklist 2 node containers.
namespace quicklist_container {
inline constexpr std::uint64_t plain = 1;
inline constexpr std::uint64_t packed = 2;
} // namespace quicklist_container

/// The name of a value type byte ("hash-listpack", ...), or "unknown".
[[nodiscard]] constexpr std::string_view value_type_name(std::uint8_t type) noexcept {
    switch (static_cast<value_type>(type)) {
    case value_type::string: return "string";
    case value_type::list: return "list";
    case value_type::set: return "set";
    case value_type::zset: return "zset";
    case value_type::hash: return "hash";
    case value_type::zset_2: return "zset-2";
    case value_type::module: return "module";
    case value_type::module_2: return "module-2";
    case value_type::hash_zipmap: return "hash-zipmap";
    case value_type::list_ziplist: return "list-ziplist";
    case value_type::set_intset: return "set-intset";
    case value_type::zset_ziplist: return "zset-ziplist";
    case value_type::hash_ziplist: return "hash-ziplist";
    case value_type::list_quicklist: return "list-quicklist";
    case value_type::stream_listpacks: return "stream";
    case value_type::hash_listpack: return "hash-listpack";
    case value_type::zset_listpack: return "zset-listpack";
    case value_type::list_quicklist_2: return "list-quicklist-2";
    case value_type::stream_listpacks_2: return "stream-2";
    }
    return "unknown";
}

} // namespace respkit::rdb

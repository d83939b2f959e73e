#pragma once

/// \file
/// rdb::object: a value as read from or written to an RDB file, whatever its encoding there.

#include <respkit/version.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// The kind of a decoded value.
enum class object_kind : std::uint8_t { string, list, set, hash, zset };

/// A decoded value. Only the member of its kind is filled: `string`; `elements` for a list (in
/// order) or a set; `fields` for a hash; `members` for a sorted set (in file order).
struct object {
    object_kind kind = object_kind::string;                    ///< which member holds the value
    std::string string;                                        ///< a string's bytes
    std::vector<std::string> elements;                         ///< a list's or a set's elements
    std::vector<std::pair<std::string, std::string>> fields;   ///< a hash's fields and values
    std::vector<std::pair<std::string, double>> members;       ///< a sorted set's members and scores

    /// The number of elements, fields or members (1 for a string).
    [[nodiscard]] std::size_t size() const noexcept {
        switch (kind) {
        case object_kind::string: return 1;
        case object_kind::list:
        case object_kind::set: return elements.size();
        case object_kind::hash: return fields.size();
        case object_kind::zset: return members.size();
        }
        return 0;
    }
    friend bool operator==(const object&, const object&) = default;
};

/// The name Redis's TYPE command gives a kind ("string", "list", "set", "hash", "zset").
[[nodiscard]] constexpr const char* object_kind_name(object_kind kind) noexcept {
    switch (kind) {
    case object_kind::string: return "string";
    case object_kind::list: return "list";
    case object_kind::set: return "set";
    case object_kind::hash: return "hash";
    case object_kind::zset: return "zset";
    }
    return "none";
}

} // namespace respkit::rdb

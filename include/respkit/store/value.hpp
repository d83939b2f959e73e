#pragma once

/// \file
/// respkit::store::value: the typed value stored under a key (string, list, hash, set,
/// sorted set), with integer-encoded strings.

#include <respkit/error.hpp>
#include <respkit/store/hash_map.hpp>
#include <respkit/store/integer.hpp>
#include <respkit/store/sorted_set.hpp>
#include <respkit/version.hpp>

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// The kinds of value a key can hold, as TYPE names them.
enum class value_kind : std::uint8_t {
    string, ///< "string" (raw bytes or an integer encoding)
    list,   ///< "list"
    hash,   ///< "hash"
    set,    ///< "set"
    zset,   ///< "zset"
};

/// TYPE's name for `kind`.
[[nodiscard]] constexpr std::string_view kind_name(value_kind kind) noexcept {
    switch (kind) {
    case value_kind::string: return "string";
    case value_kind::list: return "list";
    case value_kind::hash: return "hash";
    case value_kind::set: return "set";
    case value_kind::zset: return "zset";
    }
    return "none";
}

/// The kind TYPE calls `name` (ASCII case-insensitive, as SCAN's TYPE filter compares),
/// or nullopt.
[[nodiscard]] constexpr std::optional<value_kind> kind_from_name(std::string_view name) noexcept {
    constexpr value_kind kinds[] = {value_kind::string, value_kind::list, value_kind::hash,
                                    value_kind::set, value_kind::zset};
    for (const value_kind kind : kinds) {
        const std::string_view candidate = kind_name(kind);
        if (candidate.size() != name.size()) continue;
        bool equal = true;
        for (std::size_t i = 0; i < name.size() && equal; ++i) {
            char c = name[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            equal = c == candidate[i];
        }
        if (equal) return kind;
    }
    return std::nullopt;
}

/// A list: elements in order.
using list_value = std::deque<std::string>;

/// A hash: field -> value.
using hash_value = hash_map<std::string>;

/// The (empty) mapped type of a set's map.
struct set_member {};

/// A set of members.
using set_value = hash_map<set_member>;

/// A sorted set: member -> score, plus a skip list ordered by (score, member bytes) with O(log n)
/// insert, delete, rank and range start.
using zset_value = sorted_set;

/// Scratch space for the decimal form of an integer-encoded string.
using int_chars = std::array<char, max_int64_chars>;

/// A value stored under a key. Strings that are the canonical decimal form of an int64
/// are stored as the integer, so INCR does not reparse; all other kinds own their
/// container through one pointer, keeping this object small (40 bytes). A string changed
/// in place (APPEND, SETRANGE) carries a raw-encoding hint in the variant's index, so
/// OBJECT ENCODING says "raw" as Redis does, at no cost in size.
class value {
public:
    /// An empty string.
    value() noexcept = default;

    /// A string holding `bytes` (integer-encoded when canonical).
    [[nodiscard]] static value from_bytes(std::string_view bytes) {
        value v;
        v.assign_bytes(bytes);
        return v;
    }

    /// A string taking ownership of `bytes` (integer-encoded when canonical).
    [[nodiscard]] static value from_string(std::string&& bytes) {
        value v;
        v.assign_string(std::move(bytes));
        return v;
    }

    /// An integer-encoded string.
    [[nodiscard]] static value from_int(std::int64_t number) noexcept {
        value v;
        v.m_data.emplace<int_index>(number);
        return v;
    }

    /// An empty value of `kind` (an empty string, list, hash, set or sorted set).
    [[nodiscard]] static value make(value_kind kind) {
        value v;
        switch (kind) {
        case value_kind::string: break;
        case value_kind::list: v.m_data.emplace<list_index>(std::make_unique<list_value>()); break;
        case value_kind::hash: v.m_data.emplace<hash_index>(std::make_unique<hash_value>()); break;
        case value_kind::set: v.m_data.emplace<set_index>(std::make_unique<set_value>()); break;
        case value_kind::zset: v.m_data.emplace<zset_index>(std::make_unique<zset_value>()); break;
        }
        return v;
    }

    value(value&&) noexcept = default;            ///< move
    value& operator=(value&&) noexcept = default; ///< move
    value(const value&) = delete;                 ///< use clone()
    value& operator=(const value&) = delete;      ///< use clone()
    ~value() = default;

    /// A deep copy.
    [[nodiscard]] value clone() const {
        value v;
        switch (m_data.index()) {
        case raw_index: v.m_data.emplace<raw_index>(*std::get_if<raw_index>(&m_data)); break;
        case raw_hinted_index:
            v.m_data.emplace<raw_hinted_index>(*std::get_if<raw_hinted_index>(&m_data));
            break;
        case int_index: v.m_data.emplace<int_index>(*std::get_if<int_index>(&m_data)); break;
        case list_index: v.m_data.emplace<list_index>(std::make_unique<list_value>(list())); break;
        case hash_index: v.m_data.emplace<hash_index>(std::make_unique<hash_value>(hash())); break;
        case set_index: v.m_data.emplace<set_index>(std::make_unique<set_value>(set())); break;
        case zset_index: v.m_data.emplace<zset_index>(std::make_unique<zset_value>(zset())); break;
        default: break;
        }
        return v;
    }

    /// The kind of value.
    [[nodiscard]] value_kind kind() const noexcept {
        switch (m_data.index()) {
        case list_index: return value_kind::list;
        case hash_index: return value_kind::hash;
        case set_index: return value_kind::set;
        case zset_index: return value_kind::zset;
        default: return value_kind::string;
        }
    }

    /// TYPE's name for this value.
    [[nodiscard]] std::string_view type_name() const noexcept { return kind_name(kind()); }

    /// True for strings (raw or integer-encoded).
    [[nodiscard]] bool is_string() const noexcept { return m_data.index() <= int_index; }

    /// True for strings stored as an int64.
    [[nodiscard]] bool is_int_encoded() const noexcept { return m_data.index() == int_index; }

    /// True for strings Redis would encode "raw" whatever their length: changed in place by
    /// APPEND or SETRANGE (raw_string()), or copied from such a string. Assigning clears it.
    [[nodiscard]] bool is_raw_hinted() const noexcept { return m_data.index() == raw_hinted_index; }

    // --- strings (precondition: is_string()) ---

    /// The string's bytes; an integer encoding is formatted into `scratch`. The view is
    /// valid until this value or `scratch` changes.
    [[nodiscard]] std::string_view string_bytes(int_chars& scratch) const noexcept {
        assert(is_string());
        if (const auto* number = std::get_if<int_index>(&m_data))
            return format_int64(*number, scratch.data());
        return *bytes_if();
    }

    /// Appends the string's bytes to `out`.
    void append_string_to(std::string& out) const {
        int_chars scratch;
        out.append(string_bytes(scratch));
    }

    /// The string's length in bytes (STRLEN).
    [[nodiscard]] std::size_t string_length() const noexcept {
        assert(is_string());
        if (const auto* number = std::get_if<int_index>(&m_data)) return int64_length(*number);
        return bytes_if()->size();
    }

    /// The string read as an int64 by Redis's rules (canonical decimal only).
    /// Errors: errc::wrong_type if not a string, errc::not_an_integer otherwise.
    [[nodiscard]] std::error_code to_int64(std::int64_t& out) const noexcept {
        if (const auto* number = std::get_if<int_index>(&m_data)) {
            out = *number;
            return {};
        }
        if (const auto* raw = bytes_if()) {
            if (parse_int64(*raw, out)) return {};
            return make_error_code(errc::not_an_integer);
        }
        return make_error_code(errc::wrong_type);
    }

    /// Replaces this value with the string `bytes` (integer-encoded when canonical).
    void assign_bytes(std::string_view bytes) {
        std::int64_t number = 0;
        if (parse_int64(bytes, number)) m_data.emplace<int_index>(number);
        else assign_raw(bytes);
    }

    /// Replaces this value with the string `bytes`, kept as bytes even when they spell an
    /// integer (INCRBYFLOAT's result, as Redis stores it); clears the raw-encoding hint.
    void assign_raw(std::string_view bytes) {
        if (auto* raw = std::get_if<raw_index>(&m_data)) {
            raw->assign(bytes); // reuses the existing buffer
        } else if (auto* hinted = std::get_if<raw_hinted_index>(&m_data)) {
            std::string buffer = std::move(*hinted); // keeps the allocation, drops the hint
            buffer.assign(bytes);
            m_data.emplace<raw_index>(std::move(buffer));
        } else {
            m_data.emplace<raw_index>(bytes);
        }
    }

    /// Replaces this value with the string `bytes`, taking ownership (integer-encoded
    /// when canonical).
    void assign_string(std::string&& bytes) {
        std::int64_t number = 0;
        if (parse_int64(bytes, number))
            m_data.emplace<int_index>(number);
        else
            m_data.emplace<raw_index>(std::move(bytes));
    }

    /// Replaces this value with an integer-encoded string.
    void assign_int(std::int64_t number) noexcept { m_data.emplace<int_index>(number); }

    /// The string as mutable raw bytes, to change in place (APPEND, SETRANGE): an integer
    /// encoding is turned into its decimal bytes first, and the raw-encoding hint is set, as
    /// Redis makes such a string "raw". Precondition: is_string().
    [[nodiscard]] std::string& raw_string() {
        assert(is_string());
        if (const auto* number = std::get_if<int_index>(&m_data)) {
            int_chars scratch;
            const std::string_view digits = format_int64(*number, scratch.data());
            m_data.emplace<raw_hinted_index>(digits);
        } else if (auto* raw = std::get_if<raw_index>(&m_data)) {
            std::string bytes = std::move(*raw);
            m_data.emplace<raw_hinted_index>(std::move(bytes));
        }
        return *std::get_if<raw_hinted_index>(&m_data);
    }

    // --- containers (precondition: kind() is the one named) ---

    /// The list.
    [[nodiscard]] list_value& list() noexcept { return **std::get_if<list_index>(&m_data); }
    /// The list.
    [[nodiscard]] const list_value& list() const noexcept {
        return **std::get_if<list_index>(&m_data);
    }
    /// The hash.
    [[nodiscard]] hash_value& hash() noexcept { return **std::get_if<hash_index>(&m_data); }
    /// The hash.
    [[nodiscard]] const hash_value& hash() const noexcept {
        return **std::get_if<hash_index>(&m_data);
    }
    /// The set.
    [[nodiscard]] set_value& set() noexcept { return **std::get_if<set_index>(&m_data); }
    /// The set.
    [[nodiscard]] const set_value& set() const noexcept {
        return **std::get_if<set_index>(&m_data);
    }
    /// The sorted set.
    [[nodiscard]] zset_value& zset() noexcept { return **std::get_if<zset_index>(&m_data); }
    /// The sorted set.
    [[nodiscard]] const zset_value& zset() const noexcept {
        return **std::get_if<zset_index>(&m_data);
    }

private:
    // Strings come first, so is_string() is one comparison; the two std::string
    // alternatives differ only in the raw-encoding hint.
    static constexpr std::size_t raw_index = 0;
    static constexpr std::size_t raw_hinted_index = 1;
    static constexpr std::size_t int_index = 2;
    static constexpr std::size_t list_index = 3;
    static constexpr std::size_t hash_index = 4;
    static constexpr std::size_t set_index = 5;
    static constexpr std::size_t zset_index = 6;

    /// The bytes of a string not integer-encoded, or nullptr.
    [[nodiscard]] const std::string* bytes_if() const noexcept {
        if (const auto* raw = std::get_if<raw_index>(&m_data)) return raw;
        return std::get_if<raw_hinted_index>(&m_data);
    }

    std::variant<std::string, std::string, std::int64_t, std::unique_ptr<list_value>,
                 std::unique_ptr<hash_value>, std::unique_ptr<set_value>,
                 std::unique_ptr<zset_value>>
        m_data;
};

} // namespace respkit::store

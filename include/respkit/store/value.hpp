#pragma once

/// \file
/// respkit::store::value: the typed value stored under a key (string, list, hash, set,
/// sorted set, stream), with integer-encoded strings.

#include <respkit/error.hpp>
#include <respkit/store/encoding.hpp>
#include <respkit/store/hash_object.hpp>
#include <respkit/store/integer.hpp>
#include <respkit/store/quicklist.hpp>
#include <respkit/store/set_object.hpp>
#include <respkit/store/sorted_set.hpp>
#include <respkit/store/stream.hpp>
#include <respkit/version.hpp>

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// The kinds of value a key can hold, as TYPE names them.
enum class value_kind : std::uint8_t {
    string, ///< "string" (raw bytes or an integer encoding)
    list,   ///< "list"
    hash,   ///< "hash"
    set,    ///< "set"
    zset,   ///< "zset"
    stream, ///< "stream"
};

/// TYPE's name for `kind`.
[[nodiscard]] constexpr std::string_view kind_name(value_kind kind) noexcept {
    switch (kind) {
    case value_kind::string: return "string";
    case value_kind::list: return "list";
    case value_kind::hash: return "hash";
    case value_kind::set: return "set";
    case value_kind::zset: return "zset";
    case value_kind::stream: return "stream";
    }
    return "none";
}

/// The kind TYPE calls `name` (ASCII case-insensitive, as SCAN's TYPE filter compares),
/// or nullopt.
[[nodiscard]] constexpr std::optional<value_kind> kind_from_name(std::string_view name) noexcept {
    constexpr value_kind kinds[] = {value_kind::string, value_kind::list, value_kind::hash,
                                    value_kind::set, value_kind::zset, value_kind::stream};
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

/// A list: elements in order, in a chain of packed nodes.
using list_value = quicklist;

/// A hash: field -> value (listpack or hash table).
using hash_value = hash_object;

/// A set of members (intset or hash table).
using set_value = set_object;

/// A sorted set: packed while small, else a skip list ordered by (score, member bytes) with O(log n)
/// insert, delete, rank and range start, plus a member index.
using zset_value = sorted_set;

/// A stream: entries by ID in nodes, with its IDs and counters.
using stream_value = stream;

/// Scratch space for the decimal form of an integer-encoded string.
using int_chars = std::array<char, max_int64_chars>;

/// A value stored under a key, in 20 bytes. Strings of up to 18 bytes live inline (no
/// heap allocation), strings that are the canonical decimal form of an int64 are stored
/// as the integer, so INCR does not reparse; hashes, sets and sorted sets keep their (pointer-
/// sized) handles inline too; longer strings and lists own their storage through one pointer. A string changed in place (APPEND, SETRANGE) carries a
/// raw-encoding hint, so OBJECT ENCODING says "raw" as Redis does.
class value {
public:
    /// Bytes a string can have and still be stored inline.
    static constexpr std::size_t inline_capacity = 18;

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
        v.assign_int(number);
        return v;
    }

    /// An empty value of `kind` (an empty string, list, hash, set or sorted set), with the
    /// compact forms' thresholds `options`.
    [[nodiscard]] static value make(value_kind kind, const encoding_options& options = {}) {
        value v;
        switch (kind) {
        case value_kind::string: break;
        case value_kind::list: v.set_pointer(list_tag, new list_value(options.list_max_listpack_size)); break;
        case value_kind::hash: v.emplace<hash_value>(hash_tag); break;
        case value_kind::set: v.emplace<set_value>(set_tag); break;
        case value_kind::zset: v.emplace<zset_value>(zset_tag); break;
        case value_kind::stream: v.set_pointer(stream_tag, new stream_value()); break;
        }
        return v;
    }

    /// Move; leaves `other` an empty string.
    value(value&& other) noexcept {
        std::memcpy(m_storage, other.m_storage, sizeof m_storage);
        m_size = other.m_size;
        m_tag = other.m_tag;
        other.m_size = 0;
        other.m_tag = inline_tag;
    }
    /// Move; leaves `other` an empty string.
    value& operator=(value&& other) noexcept {
        if (this != &other) {
            release();
            std::memcpy(m_storage, other.m_storage, sizeof m_storage);
            m_size = other.m_size;
            m_tag = other.m_tag;
            other.m_size = 0;
            other.m_tag = inline_tag;
        }
        return *this;
    }
    value(const value&) = delete;            ///< use clone()
    value& operator=(const value&) = delete; ///< use clone()
    ~value() { release(); }

    /// A deep copy.
    [[nodiscard]] value clone() const {
        value v;
        switch (m_tag) {
        case heap_tag:
        case hinted_tag: v.set_pointer(m_tag, new std::string(*pointer<std::string>())); break;
        case list_tag: v.set_pointer(list_tag, new list_value(list())); break;
        case hash_tag: v.emplace<hash_value>(hash_tag, hash()); break;
        case set_tag: v.emplace<set_value>(set_tag, set()); break;
        case zset_tag: v.emplace<zset_value>(zset_tag, zset()); break;
        case stream_tag: v.set_pointer(stream_tag, stream().clone().release()); break;
        default:
            std::memcpy(v.m_storage, m_storage, sizeof m_storage);
            v.m_size = m_size;
            v.m_tag = m_tag;
            break;
        }
        return v;
    }

    /// The kind of value.
    [[nodiscard]] value_kind kind() const noexcept {
        switch (m_tag) {
        case list_tag: return value_kind::list;
        case hash_tag: return value_kind::hash;
        case set_tag: return value_kind::set;
        case zset_tag: return value_kind::zset;
        case stream_tag: return value_kind::stream;
        default: return value_kind::string;
        }
    }

    /// TYPE's name for this value.
    [[nodiscard]] std::string_view type_name() const noexcept { return kind_name(kind()); }

    /// True for strings (raw or integer-encoded).
    [[nodiscard]] bool is_string() const noexcept { return m_tag <= int_tag; }

    /// True for strings stored as an int64.
    [[nodiscard]] bool is_int_encoded() const noexcept { return m_tag == int_tag; }

    /// True for strings Redis would encode "raw" whatever their length: changed in place by
    /// APPEND or SETRANGE (raw_string()), or copied from such a string. Assigning clears it.
    [[nodiscard]] bool is_raw_hinted() const noexcept { return m_tag == hinted_tag; }

    /// True for strings stored inside the value itself (no heap allocation).
    [[nodiscard]] bool is_inline() const noexcept { return m_tag == inline_tag; }

    // --- strings (precondition: is_string()) ---

    /// The string's bytes; an integer encoding is formatted into `scratch`. The view is
    /// valid until this value or `scratch` changes.
    [[nodiscard]] std::string_view string_bytes(int_chars& scratch) const noexcept {
        assert(is_string());
        if (m_tag == int_tag) return format_int64(number(), scratch.data());
        return bytes_view();
    }

    /// Appends the string's bytes to `out`.
    void append_string_to(std::string& out) const {
        int_chars scratch;
        out.append(string_bytes(scratch));
    }

    /// The string's length in bytes (STRLEN).
    [[nodiscard]] std::size_t string_length() const noexcept {
        assert(is_string());
        if (m_tag == int_tag) return int64_length(number());
        return bytes_view().size();
    }

    /// The string read as an int64 by Redis's rules (canonical decimal only).
    /// Errors: errc::wrong_type if not a string, errc::not_an_integer otherwise.
    [[nodiscard]] std::error_code to_int64(std::int64_t& out) const noexcept {
        if (m_tag == int_tag) {
            out = number();
            return {};
        }
        if (!is_string()) return make_error_code(errc::wrong_type);
        if (parse_int64(bytes_view(), out)) return {};
        return make_error_code(errc::not_an_integer);
    }

    /// Replaces this value with the string `bytes` (integer-encoded when canonical).
    void assign_bytes(std::string_view bytes) {
        std::int64_t n = 0;
        if (parse_int64(bytes, n)) assign_int(n);
        else assign_raw(bytes);
    }

    /// Replaces this value with the string `bytes`, kept as bytes even when they spell an
    /// integer (INCRBYFLOAT's result, as Redis stores it); clears the raw-encoding hint.
    /// `bytes` may view this value's own string.
    void assign_raw(std::string_view bytes) {
        if (bytes.size() <= inline_capacity) {
            char copy[inline_capacity];
            std::memcpy(copy, bytes.data(), bytes.size()); // before release: may alias
            release();
            std::memcpy(m_storage, copy, bytes.size());
            m_size = static_cast<std::uint8_t>(bytes.size());
            return;
        }
        if (m_tag == heap_tag || m_tag == hinted_tag) {
            pointer<std::string>()->assign(bytes); // reuses the buffer; handles aliasing
            m_tag = heap_tag;
            return;
        }
        auto* owned = new std::string(bytes);
        release();
        set_pointer(heap_tag, owned);
    }

    /// Replaces this value with the string `bytes`, taking ownership (integer-encoded
    /// when canonical).
    void assign_string(std::string&& bytes) {
        std::int64_t n = 0;
        if (parse_int64(bytes, n)) {
            assign_int(n);
        } else if (bytes.size() <= inline_capacity) {
            assign_raw(bytes);
        } else {
            auto* owned = new std::string(std::move(bytes));
            release();
            set_pointer(heap_tag, owned);
        }
    }

    /// Replaces this value with an integer-encoded string.
    void assign_int(std::int64_t n) noexcept {
        release();
        std::memcpy(m_storage, &n, sizeof n);
        m_tag = int_tag;
    }

    /// The string as mutable raw bytes, to change in place (APPEND, SETRANGE): an inline or
    /// integer encoding is turned into an owned std::string first, and the raw-encoding hint
    /// is set, as Redis makes such a string "raw". Precondition: is_string().
    [[nodiscard]] std::string& raw_string() {
        assert(is_string());
        if (m_tag == heap_tag) {
            m_tag = hinted_tag;
        } else if (m_tag != hinted_tag) {
            int_chars scratch;
            auto* owned = new std::string(string_bytes(scratch));
            release();
            set_pointer(hinted_tag, owned);
        }
        return *pointer<std::string>();
    }

    // --- containers (precondition: kind() is the one named) ---

    /// The list.
    [[nodiscard]] list_value& list() noexcept { return *checked<list_value>(list_tag); }
    /// The list.
    [[nodiscard]] const list_value& list() const noexcept { return *checked<list_value>(list_tag); }
    /// The hash.
    [[nodiscard]] hash_value& hash() noexcept { return *held<hash_value>(hash_tag); }
    /// The hash.
    [[nodiscard]] const hash_value& hash() const noexcept { return *held<hash_value>(hash_tag); }
    /// The set.
    [[nodiscard]] set_value& set() noexcept { return *held<set_value>(set_tag); }
    /// The set.
    [[nodiscard]] const set_value& set() const noexcept { return *held<set_value>(set_tag); }
    /// The sorted set.
    [[nodiscard]] zset_value& zset() noexcept { return *held<zset_value>(zset_tag); }
    /// The sorted set.
    [[nodiscard]] const zset_value& zset() const noexcept { return *held<zset_value>(zset_tag); }
    /// The stream.
    [[nodiscard]] stream_value& stream() noexcept { return *checked<stream_value>(stream_tag); }
    /// The stream.
    [[nodiscard]] const stream_value& stream() const noexcept { return *checked<stream_value>(stream_tag); }

private:
    // Strings come first, so is_string() is one comparison. Pointers and the integer are
    // kept in m_storage through memcpy: the value is 4-byte aligned so that a keyspace
    // entry (value, TTL slot, access field) is 28 bytes.
    static constexpr std::uint8_t inline_tag = 0; // m_size bytes in m_storage
    static constexpr std::uint8_t heap_tag = 1;   // std::string*
    static constexpr std::uint8_t hinted_tag = 2; // std::string*, raw-encoding hint
    static constexpr std::uint8_t int_tag = 3;    // std::int64_t
    static constexpr std::uint8_t list_tag = 4;
    static constexpr std::uint8_t hash_tag = 5;
    static constexpr std::uint8_t set_tag = 6;
    static constexpr std::uint8_t zset_tag = 7;
    static constexpr std::uint8_t stream_tag = 8;

    alignas(4) char m_storage[inline_capacity] = {};
    std::uint8_t m_size = 0;
    std::uint8_t m_tag = inline_tag;

    template <class T>
    [[nodiscard]] T* pointer() const noexcept {
        T* p = nullptr;
        std::memcpy(&p, m_storage, sizeof p);
        return p;
    }

    template <class T>
    [[nodiscard]] T* checked([[maybe_unused]] std::uint8_t tag) const noexcept {
        assert(m_tag == tag);
        return pointer<T>();
    }

    // A hash, set or sorted set lives in m_storage itself (no allocation of its own): those
    // classes hold only pointers kept as bytes and a count, so they fit with alignment <= 4, and
    // a value is moved by copying m_storage.
    template <class T>
    [[nodiscard]] T* held([[maybe_unused]] std::uint8_t tag) const noexcept {
        static_assert(sizeof(T) <= sizeof m_storage && alignof(T) <= 4);
        assert(m_tag == tag);
        return std::launder(reinterpret_cast<T*>(const_cast<char*>(m_storage)));
    }

    template <class T, class... Args>
    void emplace(std::uint8_t tag, Args&&... args) {
        ::new (static_cast<void*>(m_storage)) T(std::forward<Args>(args)...);
        m_size = 0;
        m_tag = tag;
    }

    template <class T>
    void set_pointer(std::uint8_t tag, T* p) noexcept {
        std::memcpy(m_storage, &p, sizeof p);
        m_size = 0;
        m_tag = tag;
    }

    [[nodiscard]] std::int64_t number() const noexcept {
        std::int64_t n = 0;
        std::memcpy(&n, m_storage, sizeof n);
        return n;
    }

    // The bytes of a string not integer-encoded.
    [[nodiscard]] std::string_view bytes_view() const noexcept {
        if (m_tag == inline_tag) return {m_storage, m_size};
        return *pointer<std::string>();
    }

    // Frees what the value owns; leaves an empty inline string.
    void release() noexcept {
        switch (m_tag) {
        case heap_tag:
        case hinted_tag: delete pointer<std::string>(); break;
        case list_tag: delete pointer<list_value>(); break;
        case hash_tag: held<hash_value>(hash_tag)->~hash_value(); break;
        case set_tag: held<set_value>(set_tag)->~set_value(); break;
        case zset_tag: held<zset_value>(zset_tag)->~zset_value(); break;
        case stream_tag: delete pointer<stream_value>(); break;
        default: break;
        }
        m_size = 0;
        m_tag = inline_tag;
    }
};

static_assert(sizeof(value) == 20 && alignof(value) == 4);

} // namespace respkit::store

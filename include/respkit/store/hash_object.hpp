#pragma once

/// \file
/// respkit::store::hash_object: a hash (field -> value) kept as a listpack while it is small
/// (hash-max-listpack-entries, hash-max-listpack-value) and as a hash table once it is not,
/// converting one way at the moments Redis 7.0 does.

#include <respkit/detail/packed_owner.hpp>
#include <respkit/store/encoding_limits.hpp>
#include <respkit/store/hash.hpp>
#include <respkit/store/listpack.hpp>
#include <respkit/store/packed_table.hpp>
#include <respkit/version.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A hash: a listpack (fields and values in insertion order) or a hash table.
class hash_object {
public:
    /// The hash table form.
    using table_type = packed_table<true>;
    /// A field and its value.
    using entry = std::pair<std::string_view, std::string_view>;

    /// An empty hash, in the listpack form.
    hash_object() noexcept = default;
    // Copies (in the same form), moves (leaving the source empty) and destruction are
    // member-wise: m_table owns the hash table form.

    /// True in the listpack form.
    [[nodiscard]] bool is_listpack() const noexcept { return m_table == nullptr; }
    /// OBJECT ENCODING's name of the form: "listpack" or "hashtable".
    [[nodiscard]] std::string_view encoding_name() const noexcept { return m_table ? "hashtable" : "listpack"; }
    /// Bytes of the listpack form (0 in the hash table form): MEMORY USAGE.
    [[nodiscard]] std::size_t listpack_bytes() const noexcept { return m_table ? 0 : m_packed.bytes(); }
    /// Slots of the hash table form's array (0 in the listpack form): MEMORY USAGE.
    [[nodiscard]] std::size_t table_slots() const noexcept { return m_table ? m_table->end_position() : 0; }

    /// Number of fields.
    [[nodiscard]] std::size_t size() const noexcept { return m_table ? m_table->size() : m_packed.size() / 2; }
    /// True when there are no fields.
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    /// The value of `field`, or nullopt. The view is valid until the hash changes.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view field) const noexcept {
        if (m_table) {
            const std::size_t pos = m_table->find(field);
            if (pos == table_type::npos) return std::nullopt;
            return m_table->value_at(pos);
        }
        const std::size_t pos = find_packed(field);
        if (pos == npos) return std::nullopt;
        std::size_t next = 0;
        (void)m_packed.at(pos, next);
        return m_packed.at(next, next);
    }

    /// True if `field` is present.
    [[nodiscard]] bool contains(std::string_view field) const noexcept {
        return m_table ? m_table->find(field) != table_type::npos : find_packed(field) != npos;
    }

    /// Redis's hashTypeTryConversion, before a write of strings whose longest is `longest` bytes
    /// and which add up to `total`: a listpack becomes a hash table when one is longer than
    /// hash-max-listpack-value or the listpack would grow past its safe size.
    void convert_for(std::size_t longest, std::size_t total, const encoding_limits& limits) {
        if (!m_table && (longest > limits.hash_max_listpack_value || !m_packed.fits(total + 10))) convert();
    }

    /// Sets `field` to `value` (Redis's hashTypeSet: a listpack given a field or value longer
    /// than hash-max-listpack-value, or grown past hash-max-listpack-entries, becomes a hash
    /// table). Returns true if the field was created.
    bool set(std::string_view field, std::string_view value, const encoding_limits& limits) {
        if (!m_table) {
            if (field.size() > limits.hash_max_listpack_value || value.size() > limits.hash_max_listpack_value ||
                !m_packed.fits(field.size() + value.size() + 10))
                convert();
        }
        if (m_table) {
            const std::size_t pos = m_table->find(field);
            if (pos == table_type::npos) {
                (void)m_table->insert_new(field, value);
                return true;
            }
            m_table->assign(pos, value);
            return false;
        }
        const std::size_t pos = find_packed(field);
        const bool created = pos == npos;
        if (created) {
            m_packed.push_back(field);
            m_packed.push_back(value);
        } else {
            std::size_t next = 0;
            (void)m_packed.at(pos, next);
            m_packed.replace(next, value);
        }
        // Also after a replacement, as Redis checks (the limit may have been lowered since).
        if (size() > limits.hash_max_listpack_entries) convert();
        return created;
    }

    /// Removes `field`; true if it was present. A hash table stays one.
    bool erase(std::string_view field) {
        if (m_table) {
            const std::size_t pos = m_table->find(field);
            if (pos == table_type::npos) return false;
            m_table->erase_at(pos);
            return true;
        }
        const std::size_t pos = find_packed(field);
        if (pos == npos) return false;
        m_packed.erase(pos, 2);
        return true;
    }

    /// Calls `f(std::string_view field, std::string_view value)` for every field (a listpack in
    /// insertion order). `f` must not change the hash.
    template <class F>
    void for_each(F&& f) const {
        if (m_table) {
            for (std::size_t pos = m_table->next_position(0), end = m_table->end_position(); pos != end;
                 pos = m_table->next_position(pos + 1))
                f(m_table->key_at(pos), m_table->value_at(pos));
            return;
        }
        for (std::size_t pos = m_packed.begin(), end = m_packed.end(); pos < end;) {
            const std::string_view k = m_packed.at(pos, pos);
            const std::string_view v = m_packed.at(pos, pos);
            f(k, v);
        }
    }

    /// One step of HSCAN from `cursor`, about `count` fields, through `visit(field, value)`;
    /// returns the next cursor (0: done). A listpack is visited whole in one step, as Redis does.
    /// Every field present for the whole scan is visited at least once.
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count, Visitor&& visit) const {
        if (m_table)
            return m_table->scan(cursor, count, [&](std::size_t pos) { visit(m_table->key_at(pos), m_table->value_at(pos)); });
        for_each(visit);
        return 0;
    }

    /// A uniformly chosen field and its value (the hash is not empty), from 64-bit numbers drawn
    /// from `random`: a few draws for a hash table, one and a walk for a listpack.
    template <class Random>
    [[nodiscard]] entry random_entry(Random&& random) const {
        if (m_table) {
            const std::size_t at = m_table->random_position(random);
            return {m_table->key_at(at), m_table->value_at(at)};
        }
        const auto index = static_cast<std::size_t>(detail::mul_high(random(), size()));
        std::size_t pos = m_packed.begin();
        for (std::size_t i = 0; i < 2 * index; ++i) (void)m_packed.at(pos, pos);
        const std::string_view k = m_packed.at(pos, pos);
        return {k, m_packed.at(pos, pos)};
    }

    /// Iterates the fields and values (for_each's order) as `entry`s.
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = entry;
        using reference = entry;
        using pointer = void;
        const_iterator() = default;
        const_iterator(const hash_object* h, std::size_t at) noexcept : m_hash(h), m_at(at) {}
        [[nodiscard]] entry operator*() const noexcept {
            if (m_hash->m_table) return {m_hash->m_table->key_at(m_at), m_hash->m_table->value_at(m_at)};
            std::size_t pos = m_at;
            const std::string_view k = m_hash->m_packed.at(pos, pos);
            return {k, m_hash->m_packed.at(pos, pos)};
        }
        const_iterator& operator++() noexcept {
            if (m_hash->m_table) {
                m_at = m_hash->m_table->next_position(m_at + 1);
            } else {
                (void)m_hash->m_packed.at(m_at, m_at);
                (void)m_hash->m_packed.at(m_at, m_at);
            }
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            ++*this;
            return old;
        }
        [[nodiscard]] bool operator==(const const_iterator& other) const noexcept { return m_at == other.m_at; }

    private:
        const hash_object* m_hash = nullptr;
        std::size_t m_at = 0; // a listpack or table position
    };

    /// First field.
    [[nodiscard]] const_iterator begin() const noexcept {
        return {this, m_table ? m_table->next_position(0) : m_packed.begin()};
    }
    /// Past the last field.
    [[nodiscard]] const_iterator end() const noexcept {
        return {this, m_table ? m_table->end_position() : m_packed.end()};
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    listpack m_packed;                   // the listpack form (empty once converted)
    respkit::detail::packed_owner<table_type> m_table; // the hash table form, or nullptr

    [[nodiscard]] std::size_t find_packed(std::string_view field) const noexcept {
        for (std::size_t pos = m_packed.begin(), end = m_packed.end(); pos < end;) {
            const std::size_t at = pos;
            if (m_packed.at(pos, pos) == field) return at;
            (void)m_packed.at(pos, pos);
        }
        return npos;
    }

    void convert() {
        std::unique_ptr<table_type> table(new table_type());
        table->reserve(size());
        for (std::size_t pos = m_packed.begin(), end = m_packed.end(); pos < end;) {
            const std::string_view k = m_packed.at(pos, pos);
            const std::string_view v = m_packed.at(pos, pos);
            (void)table->insert_new(k, v);
        }
        m_table.reset(table.release());
        m_packed = listpack();
    }
};

} // namespace respkit::store

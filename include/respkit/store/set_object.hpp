#pragma once

/// \file
/// respkit::store::set_object: a set kept as an intset while every member is an integer and
/// there are at most set-max-intset-entries of them, and as a hash table otherwise, converting
/// one way at the moments Redis 7.0 does.

#include <respkit/detail/packed_owner.hpp>
#include <respkit/store/encoding_limits.hpp>
#include <respkit/store/hash.hpp>
#include <respkit/store/integer.hpp>
#include <respkit/store/intset.hpp>
#include <respkit/store/packed_table.hpp>
#include <respkit/version.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A set of byte strings: an intset (integers in ascending order) or a hash table.
class set_object {
public:
    /// The hash table form.
    using table_type = packed_table<false>;
    /// Room for a member formatted from an intset.
    using scratch = std::array<char, max_int64_chars>;

    /// An empty set, in the intset form.
    set_object() noexcept = default;
    // Copies (in the same form), moves (leaving the source empty) and destruction are
    // member-wise: m_table owns the hash table form.

    /// True in the intset form.
    [[nodiscard]] bool is_intset() const noexcept { return m_table == nullptr; }
    /// OBJECT ENCODING's name of the form: "intset" or "hashtable".
    [[nodiscard]] std::string_view encoding_name() const noexcept { return m_table ? "hashtable" : "intset"; }
    /// Bytes of the intset form (0 in the hash table form): MEMORY USAGE.
    [[nodiscard]] std::size_t intset_bytes() const noexcept { return m_table ? 0 : m_ints.bytes(); }
    /// Slots of the hash table form's array (0 in the intset form): MEMORY USAGE.
    [[nodiscard]] std::size_t table_slots() const noexcept { return m_table ? m_table->end_position() : 0; }

    /// Number of members.
    [[nodiscard]] std::size_t size() const noexcept { return m_table ? m_table->size() : m_ints.size(); }
    /// True when there are no members.
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    /// True if `member` is present.
    [[nodiscard]] bool contains(std::string_view member) const noexcept {
        if (m_table) return m_table->find(member) != table_type::npos;
        std::int64_t n = 0;
        return parse_int64(member, n) && m_ints.contains(n);
    }

    /// Adds `member` (Redis's setTypeAdd: an intset given a non-integer, or grown past
    /// set-max-intset-entries, becomes a hash table). Returns true if it was added.
    bool insert(std::string_view member, const encoding_limits& limits) {
        if (!m_table) {
            std::int64_t n = 0;
            if (parse_int64(member, n)) {
                if (!m_ints.insert(n)) return false;
                // Bounded as Redis bounds it (intsets stay under 1G members).
                const std::size_t max = limits.set_max_intset_entries < (std::size_t{1} << 30)
                                            ? limits.set_max_intset_entries
                                            : (std::size_t{1} << 30);
                if (m_ints.size() > max) convert();
                return true;
            }
            convert();
        }
        if (m_table->find(member) != table_type::npos) return false;
        (void)m_table->insert_new(member);
        return true;
    }

    /// Removes `member`; true if it was present. A hash table stays one.
    bool erase(std::string_view member) {
        if (m_table) {
            const std::size_t pos = m_table->find(member);
            if (pos == table_type::npos) return false;
            m_table->erase_at(pos);
            return true;
        }
        std::int64_t n = 0;
        return parse_int64(member, n) && m_ints.erase(n);
    }

    /// Calls `f(std::string_view member)` for every member (an intset in ascending order).
    /// `f` must not change the set.
    template <class F>
    void for_each(F&& f) const {
        if (m_table) {
            for (std::size_t pos = m_table->next_position(0), end = m_table->end_position(); pos != end;
                 pos = m_table->next_position(pos + 1))
                f(m_table->key_at(pos));
            return;
        }
        m_ints.for_each([&](std::int64_t n) {
            scratch digits;
            f(format_int64(n, digits.data()));
        });
    }

    /// One step of SSCAN from `cursor`, about `count` members, through `visit(member)`; returns
    /// the next cursor (0: done). An intset is visited whole in one step, as Redis does. Every
    /// member present for the whole scan is visited at least once.
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count, Visitor&& visit) const {
        if (m_table) return m_table->scan(cursor, count, [&](std::size_t pos) { visit(m_table->key_at(pos)); });
        for_each(visit);
        return 0;
    }

    /// A uniformly chosen member (the set is not empty), from 64-bit numbers drawn from
    /// `random`; formatted into `digits` from an intset.
    template <class Random>
    [[nodiscard]] std::string_view random_member(Random&& random, scratch& digits) const {
        if (m_table) return m_table->key_at(m_table->random_position(random));
        return format_int64(m_ints.at(static_cast<std::size_t>(detail::mul_high(random(), m_ints.size()))), digits.data());
    }

    /// Iterates the members (for_each's order).
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = std::string_view;
        using reference = std::string_view;
        using pointer = void;
        const_iterator() = default;
        const_iterator(const set_object* s, std::size_t at) noexcept : m_set(s), m_at(at) {}
        /// The member; from an intset, valid until this iterator changes.
        [[nodiscard]] std::string_view operator*() const noexcept {
            if (m_set->m_table) return m_set->m_table->key_at(m_at);
            return format_int64(m_set->m_ints.at(m_at), m_digits.data());
        }
        const_iterator& operator++() noexcept {
            m_at = m_set->m_table ? m_set->m_table->next_position(m_at + 1) : m_at + 1;
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            ++*this;
            return old;
        }
        [[nodiscard]] bool operator==(const const_iterator& other) const noexcept { return m_at == other.m_at; }

    private:
        const set_object* m_set = nullptr;
        std::size_t m_at = 0; // an intset index or a table position
        mutable scratch m_digits{};
    };

    /// First member.
    [[nodiscard]] const_iterator begin() const noexcept { return {this, m_table ? m_table->next_position(0) : 0}; }
    /// Past the last member.
    [[nodiscard]] const_iterator end() const noexcept {
        return {this, m_table ? m_table->end_position() : m_ints.size()};
    }

private:
    intset m_ints;                       // the intset form (empty once converted)
    respkit::detail::packed_owner<table_type> m_table; // the hash table form, or nullptr

    void convert() {
        std::unique_ptr<table_type> table(new table_type());
        table->reserve(m_ints.size() + 1);
        m_ints.for_each([&](std::int64_t n) {
            scratch digits;
            (void)table->insert_new(format_int64(n, digits.data()));
        });
        m_table.reset(table.release());
        m_ints = intset();
    }
};

} // namespace respkit::store

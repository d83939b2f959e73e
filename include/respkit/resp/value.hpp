#pragma once

/// \file
/// An owning RESP value (a tree) that the parser can fill, that compares by value, and whose
/// copy, comparison and destruction never recurse.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// An owning RESP value of any type. Aggregates hold their elements flat (a map's elements are
/// key, value, key, value, ...). Streamed strings and aggregates are stored as ordinary ones.
/// Attributes sent before an element are kept on that element (attributes()).
///
/// Copying, comparing and destroying a value never recurse, however deep it nests.
class value {
public:
    /// A RESP3 null.
    value() = default;
    /// Destroys without recursion.
    ~value() { release_children(); }
    /// Deep copy without recursion.
    value(const value& other) { copy_from(other); }
    /// Deep copy without recursion.
    value& operator=(const value& other) {
        if (this != &other) {
            value copy(other);
            *this = std::move(copy);
        }
        return *this;
    }
    /// Moves; `other` becomes an empty null.
    value(value&& other) noexcept
        : m_type(other.m_type), m_integer(other.m_integer), m_string(std::move(other.m_string)),
          m_elements(std::move(other.m_elements)), m_attributes(std::move(other.m_attributes)) {
        other.m_type = type::null;
    }
    /// Moves; the old contents are destroyed without recursion.
    value& operator=(value&& other) noexcept {
        if (this != &other) {
            release_children();
            m_type = other.m_type;
            m_integer = other.m_integer;
            m_string = std::move(other.m_string);
            m_elements = std::move(other.m_elements);
            m_attributes = std::move(other.m_attributes);
            other.m_type = type::null;
        }
        return *this;
    }

    /// `+text`
    [[nodiscard]] static value simple_string(std::string_view text) { return value(type::simple_string, text); }
    /// `-text`
    [[nodiscard]] static value simple_error(std::string_view text) { return value(type::simple_error, text); }
    /// `:number`
    [[nodiscard]] static value integer(std::int64_t number) {
        value v(type::integer, {});
        v.m_integer = number;
        return v;
    }
    /// `$len bytes`
    [[nodiscard]] static value bulk_string(std::string_view bytes) { return value(type::bulk_string, bytes); }
    /// `_`
    [[nodiscard]] static value null() { return value(); }
    /// `$-1`
    [[nodiscard]] static value null_bulk_string() { return value(type::null_bulk_string, {}); }
    /// `*-1`
    [[nodiscard]] static value null_array() { return value(type::null_array, {}); }
    /// `#t` / `#f`
    [[nodiscard]] static value boolean(bool b) {
        value v(type::boolean, {});
        v.m_integer = b ? 1 : 0;
        return v;
    }
    /// `,number` formatted as Redis 7.0 does.
    [[nodiscard]] static value double_number(double d) {
        char buf[detail::max_double_chars];
        return value(type::double_number, std::string_view(buf, detail::format_double(d, buf)));
    }
    /// `,text` with the text as given (e.g. "-nan").
    [[nodiscard]] static value double_text(std::string_view text) { return value(type::double_number, text); }
    /// `(digits`
    [[nodiscard]] static value big_number(std::string_view digits) { return value(type::big_number, digits); }
    /// `!len text`
    [[nodiscard]] static value bulk_error(std::string_view text) { return value(type::bulk_error, text); }
    /// `=len fmt:text`, format being three bytes such as "txt" or "mkd".
    [[nodiscard]] static value verbatim_string(std::string_view format, std::string_view text) {
        std::string payload(format.substr(0, 3));
        payload.resize(3, ' ');
        payload += ':';
        payload += text;
        return value(type::verbatim_string, payload);
    }
    /// `*n` with these elements.
    [[nodiscard]] static value array(std::vector<value> elements) { return aggregate(type::array, std::move(elements)); }
    /// `%n` with these elements, flat: key, value, key, value, ...
    [[nodiscard]] static value map(std::vector<value> flat_pairs) { return aggregate(type::map, std::move(flat_pairs)); }
    /// `~n` with these elements.
    [[nodiscard]] static value set(std::vector<value> elements) { return aggregate(type::set, std::move(elements)); }
    /// `>n` with these elements.
    [[nodiscard]] static value push(std::vector<value> elements) { return aggregate(type::push, std::move(elements)); }

    /// The RESP type.
    [[nodiscard]] resp::type type() const noexcept { return m_type; }
    /// True for `_`, `$-1` and `*-1`.
    [[nodiscard]] bool is_null() const noexcept { return resp::is_null(m_type); }
    /// True for simple and bulk errors.
    [[nodiscard]] bool is_error() const noexcept {
        return m_type == type::simple_error || m_type == type::bulk_error;
    }
    /// True for arrays, maps, sets and pushes.
    [[nodiscard]] bool is_aggregate() const noexcept { return resp::is_aggregate(m_type); }

    /// The payload of strings, errors, doubles, big numbers and verbatim strings ("txt:..."
    /// included); the decimal text of integers is not stored here (use integer()).
    [[nodiscard]] std::string_view string() const noexcept { return m_string; }
    /// A verbatim string's text without its format prefix; other strings as string().
    [[nodiscard]] std::string_view text() const noexcept {
        if (m_type == type::verbatim_string && m_string.size() >= 4) return std::string_view(m_string).substr(4);
        return m_string;
    }
    /// The number of an integer (and 1/0 for booleans).
    [[nodiscard]] std::int64_t integer() const noexcept { return m_integer; }
    /// The truth of a boolean.
    [[nodiscard]] bool boolean() const noexcept { return m_integer != 0; }
    /// The number of a double (also parses the text of strings); 0 when it is not a number.
    [[nodiscard]] double to_double() const noexcept {
        if (m_type == type::integer) return static_cast<double>(m_integer);
        double d = 0;
        return detail::parse_double(m_string, d) ? d : 0.0;
    }

    /// Elements of an aggregate (flat key, value pairs for maps).
    [[nodiscard]] std::span<const value> elements() const noexcept { return m_elements; }
    /// Elements of an aggregate, to modify.
    [[nodiscard]] std::vector<value>& elements() noexcept { return m_elements; }
    /// Number of elements (twice the pair count for maps).
    [[nodiscard]] std::size_t size() const noexcept { return m_elements.size(); }
    /// Element `i` (unchecked).
    [[nodiscard]] const value& operator[](std::size_t i) const noexcept { return m_elements[i]; }
    /// In a map, the value whose key is a string equal to `key`, or nullptr.
    [[nodiscard]] const value* find(std::string_view key) const noexcept {
        for (std::size_t i = 0; i + 1 < m_elements.size(); i += 2) {
            if (m_elements[i].string() == key) return &m_elements[i + 1];
        }
        return nullptr;
    }
    /// Attributes sent before this value (flat key, value pairs); usually empty.
    [[nodiscard]] std::span<const value> attributes() const noexcept { return m_attributes; }
    /// Attributes, to modify.
    [[nodiscard]] std::vector<value>& attributes() noexcept { return m_attributes; }

    /// Deep equality of type, payload, elements and attributes, without recursion.
    friend bool operator==(const value& a, const value& b) {
        std::vector<std::pair<const value*, const value*>> work{{&a, &b}};
        while (!work.empty()) {
            const auto [x, y] = work.back();
            work.pop_back();
            if (x->m_type != y->m_type || x->m_integer != y->m_integer || x->m_string != y->m_string ||
                x->m_elements.size() != y->m_elements.size() ||
                x->m_attributes.size() != y->m_attributes.size()) {
                return false;
            }
            for (std::size_t i = 0; i < x->m_elements.size(); ++i) work.emplace_back(&x->m_elements[i], &y->m_elements[i]);
            for (std::size_t i = 0; i < x->m_attributes.size(); ++i) work.emplace_back(&x->m_attributes[i], &y->m_attributes[i]);
        }
        return true;
    }

private:
    friend class value_builder;

    value(resp::type t, std::string_view s) : m_type(t), m_string(s) {}

    static value aggregate(resp::type t, std::vector<value> elements) {
        value v(t, {});
        v.m_elements = std::move(elements);
        return v;
    }

    // Moves every descendant that has children of its own into one flat work list, so that
    // each value destroyed has no grandchildren: destruction depth stays 2 however deep the
    // tree. Leaves are left to their vector's destructor (the common, cheap case).
    void release_children() noexcept {
        if (m_elements.empty() && m_attributes.empty()) return;
        std::vector<value> work;
        auto drain = [&work](std::vector<value>& from) {
            for (auto& child : from) {
                if (!child.m_elements.empty() || !child.m_attributes.empty()) work.push_back(std::move(child));
            }
        };
        drain(m_elements);
        drain(m_attributes);
        while (!work.empty()) {
            value last = std::move(work.back());
            work.pop_back();
            drain(last.m_elements);
            drain(last.m_attributes);
        }
    }

    void copy_from(const value& other) {
        std::vector<std::pair<value*, const value*>> work{{this, &other}};
        while (!work.empty()) {
            const auto [to, from] = work.back();
            work.pop_back();
            to->m_type = from->m_type;
            to->m_integer = from->m_integer;
            to->m_string = from->m_string;
            to->m_elements.resize(from->m_elements.size());
            to->m_attributes.resize(from->m_attributes.size());
            for (std::size_t i = 0; i < from->m_elements.size(); ++i) work.emplace_back(&to->m_elements[i], &from->m_elements[i]);
            for (std::size_t i = 0; i < from->m_attributes.size(); ++i) work.emplace_back(&to->m_attributes[i], &from->m_attributes[i]);
        }
    }

    resp::type m_type = type::null;
    std::int64_t m_integer = 0;
    std::string m_string;
    std::vector<value> m_elements;
    std::vector<value> m_attributes;
};

} // namespace respkit::resp

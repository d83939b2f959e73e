#pragma once

/// \file
/// Reads RESP into C++ values: a parsed message (its nodes) or an owning resp::value into the
/// types resp::write writes, and user types through resp::serializer. Errors name where in the
/// message (a path such as `$[2].name`) and which type was expected and found
/// (docs/typed-values.md).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/detail/pod_stack.hpp"
#include "respkit/resp/limits.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/serializer.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// One element as a reader sees it. `text` views the source (the parsed buffer or the value):
/// the payload of strings, errors, doubles and big numbers (a verbatim string's with its
/// `txt:` prefix), "t"/"f" for booleans, and for integers the decimal text when the source has
/// it (parsed nodes) or empty (owning values; see `integer`).
struct element {
    resp::type type{};        ///< the RESP type
    std::string_view text{};  ///< the payload, as above
    std::int64_t integer = 0; ///< the number of an integer element
    std::uint64_t count = 0;  ///< aggregates: elements that follow (twice the pairs of a map)
};

/// One step of the path to the element being read; formatted only when an error is reported.
struct path_segment {
    /// What the step is.
    enum class kind : std::uint8_t {
        element,    ///< `[number]`: element of an array, set, pair or tuple
        key,        ///< `{key number}`: the key of pair `number` of a map
        string_key, ///< `.key` or `["key"]`: the value of the map key `key`
        integer_key, ///< `[number]`: the value of an integer map key
        other_key,  ///< `{value number}`: the value of pair `number`, whose key is neither
    };
    kind what = kind::element; ///< the kind of step
    std::int64_t number = 0;   ///< index, pair number or integer key
    std::string_view key{};    ///< string_key: the key's text (a view of the source)
};

/// Reads one message element by element, in pre-order, from a parsed message's nodes or from
/// an owning value, and keeps the path to the element being read and the first error.
/// Attributes are skipped. Streamed elements can be read from an owning value (which stores
/// them as ordinary ones) but not from nodes.
class reader {
public:
    /// Reads the nodes of one parsed message (views into the parsed buffer stay views).
    explicit reader(std::span<const node> message) noexcept : m_nodes(message) {}
    /// Reads an owning value (which must outlive the reader and what was read as views).
    explicit reader(const value& v) : m_from_value(true) { m_stack.push_back(&v); }

    /// The next element, or nullptr at the end of the message.
    [[nodiscard]] const element* peek() {
        if (!m_peeked) load();
        return m_at_end ? nullptr : &m_current;
    }
    /// Consumes the next element (of an aggregate, only its header: its elements follow).
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    void next() {
        if (!m_peeked) load();
        if (m_at_end) return;
        m_peeked = false;
        if (m_from_value) {
            const value* v = m_stack.back();
            m_stack.pop_back();
            const auto children = v->elements();
            for (std::size_t i = children.size(); i-- > 0;) m_stack.push_back(&children[i]);
        } else {
            ++m_index;
        }
    }
    /// Consumes the next element with every element inside it.
    void skip() {
        if (!m_peeked) load();
        if (m_at_end) return;
        m_peeked = false;
        if (m_from_value) {
            m_stack.pop_back();
        } else {
            skip_node_subtree();
        }
    }

    /// Consumes an array, set or push header and gives its element count; otherwise fails,
    /// saying `expected` was expected.
    template <class = void>
    bool begin_array(std::size_t& count, std::string_view expected = "an array") {
        const element* e = peek();
        if (e == nullptr || (e->type != type::array && e->type != type::set && e->type != type::push) ||
            e->count == unknown_size) {
            return fail(expected);
        }
        count = static_cast<std::size_t>(e->count);
        next();
        return true;
    }
    /// Consumes a map header, or an array of even length (a RESP2 map), and gives its pair
    /// count; otherwise fails, saying `expected` was expected.
    template <class = void>
    bool begin_map(std::size_t& pairs, std::string_view expected = "a map (or an array of even length)") {
        const element* e = peek();
        if (e == nullptr || e->count == unknown_size) return fail(expected);
        if (e->type == type::map || (e->type == type::array && e->count % 2 == 0)) {
            pairs = static_cast<std::size_t>(e->count / 2);
            next();
            return true;
        }
        return fail(expected);
    }

    /// Consumes the next element, with every element inside it, as an owning copy (attributes
    /// sent before it are skipped, as for every target; those inside it are kept).
    template <class = void>
    bool read_value(value& out) {
        if (peek() == nullptr) return fail("an element");
        if (m_from_value) {
            respkit::detail::value_assembler copy;
            copy.add(*m_stack.back(), false);
            out = copy.take();
        } else {
            value_builder build;
            const std::uint32_t depth = m_nodes[m_index].depth;
            for (std::size_t i = m_index; i < m_nodes.size() && (i == m_index || m_nodes[i].depth > depth); ++i) {
                build(m_nodes[i]);
            }
            if (!build.done()) return fail("a whole element");
            out = build.take();
        }
        skip();
        return true;
    }

    /// Reads element `index` of the aggregate being read into `out` (the path says `[index]`).
    template <class T>
    bool read_element(std::size_t index, T& out);
    /// Reads the key of pair `index` of the map being read (the path says `{key index}`), and
    /// sets `key_name` to the path step of the value that follows.
    template <class T>
    bool read_key(std::size_t index, T& out, path_segment& key_name);
    /// Reads the value of the pair whose key read_key named (the path says `.key`, `["key"]`,
    /// `[n]` for an integer key).
    template <class T>
    bool read_mapped(const path_segment& key_name, T& out);

    /// Records an error at the current path, "at PATH: expected EXPECTED, found FOUND" (FOUND
    /// describes the next element), consumes that element, and returns false. Only the first
    /// error is kept.
    template <class = void>
    bool fail(std::string_view expected) {
        if (!m_error.empty()) return false;
        m_error = "at " + path() + ": expected " + std::string(expected) + ", found " + describe_next();
        skip();
        return false;
    }
    /// Records an error with a message of the caller's ("at PATH: MESSAGE") and returns false.
    template <class = void>
    bool fail_with(std::string_view message) {
        if (m_error.empty()) m_error = "at " + path() + ": " + std::string(message);
        return false;
    }
    /// True once an error was recorded.
    [[nodiscard]] bool failed() const noexcept { return !m_error.empty(); }
    /// The first error, or an empty string.
    [[nodiscard]] const std::string& error() const noexcept { return m_error; }
    /// Where the reader is: `$` for the whole message, then `[i]` for elements, `.key` or
    /// `["key"]` for map values, `{key i}` for map keys.
    template <class = void>
    [[nodiscard]] std::string path() const {
        std::string out = "$";
        for (const path_segment& step : m_path) append_step(out, step);
        return out;
    }
    /// True when element views point into the parsed buffer rather than an owning value.
    [[nodiscard]] bool from_nodes() const noexcept { return !m_from_value; }

    /// Guards the path while an element is read: appends a segment, removes it when done.
    class path_scope {
    public:
        path_scope(reader& r, const path_segment& step) : m_reader(&r) { r.m_path.push_back(step); }
        ~path_scope() { m_reader->m_path.pop_back(); }
        path_scope(const path_scope&) = delete;
        path_scope& operator=(const path_scope&) = delete;

    private:
        reader* m_reader;
    };

    /// True when reading went deeper than limits::max_depth (a self-nesting user type); the
    /// error is recorded.
    template <class = void>
    bool too_deep() {
        if (m_path.size() <= limits{}.max_depth) return false;
        fail_with("nesting deeper than " + std::to_string(limits{}.max_depth));
        return true;
    }

private:
    void load() {
        m_peeked = true;
        if (m_from_value) {
            m_at_end = m_stack.empty();
            if (m_at_end) return;
            const value& v = *m_stack.back();
            m_current = element{v.type(), v.string(), v.integer(), v.size()};
            if (v.type() == type::boolean) m_current.text = v.boolean() ? "t" : "f";
            return;
        }
        while (m_index < m_nodes.size() && m_nodes[m_index].type == type::attribute) skip_node_subtree();
        m_at_end = m_index >= m_nodes.size();
        if (m_at_end) return;
        const node& n = m_nodes[m_index];
        m_current = element{n.type, n.value, 0, n.child_count()};
        if (n.type == type::integer) (void)detail::parse_int64(n.value, m_current.integer);
    }

    // In pre-order, an element's descendants are the nodes after it that are deeper.
    void skip_node_subtree() {
        const std::uint32_t depth = m_nodes[m_index].depth;
        ++m_index;
        while (m_index < m_nodes.size() && m_nodes[m_index].depth > depth) ++m_index;
    }

    template <class = void>
    static void append_step(std::string& out, const path_segment& step) {
        switch (step.what) {
        case path_segment::kind::element:
        case path_segment::kind::integer_key: out += "[" + std::to_string(step.number) + "]"; return;
        case path_segment::kind::key: out += "{key " + std::to_string(step.number) + "}"; return;
        case path_segment::kind::other_key: out += "{value " + std::to_string(step.number) + "}"; return;
        case path_segment::kind::string_key: break;
        }
        const std::string_view text = step.key;
        bool word = !text.empty() && !(text[0] >= '0' && text[0] <= '9');
        for (char c : text) {
            word = word && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
        }
        if (word) {
            out += ".";
            out += text;
            return;
        }
        out += "[\"";
        for (char c : text.substr(0, 40)) {
            if (c == '"' || c == '\\') out += '\\';
            out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
        }
        out += text.size() > 40 ? "...\"]" : "\"]";
    }

    template <class = void>
    std::string describe_next() {
        const element* e = peek();
        if (e == nullptr) return "the end of the message";
        std::string out(type_name(e->type));
        if (is_aggregate(e->type)) {
            if (e->count == unknown_size) return "streamed " + out;
            return out + " of " + std::to_string(has_pairs(e->type) ? e->count / 2 : e->count) +
                   (has_pairs(e->type) ? " pairs" : " elements");
        }
        if (is_null(e->type)) return out;
        if (e->type == type::integer) return out + " " + std::to_string(e->integer);
        if (e->type == type::boolean) return out + (e->text == "t" ? " true" : " false");
        if (e->type == type::double_number || e->type == type::big_number) return out + " " + std::string(e->text);
        std::string_view text = e->text;
        const bool cut = text.size() > 40;
        if (cut) text = text.substr(0, 40);
        out += " \"";
        for (char c : text) {
            if (c == '"' || c == '\\') out += '\\';
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\x";
                out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
                out += hex[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c;
            }
        }
        out += cut ? "\"..." : "\"";
        return out;
    }

    std::span<const node> m_nodes{};
    std::size_t m_index = 0;
    bool m_from_value = false;
    respkit::detail::pod_stack<const value*> m_stack; // owning values still to read, next one last
    element m_current{};
    bool m_peeked = false;
    bool m_at_end = false;
    respkit::detail::pod_stack<path_segment> m_path;
    std::string m_error;
};

/// True when serializer<T> has a read half.
template <class T>
concept has_serializer_read = requires(reader& in, T& v) {
    { serializer<T>::read(in, v) } -> std::convertible_to<bool>;
};

template <class T>
bool read_into(reader& in, T& out);

namespace typed_detail {

template <class T>
inline constexpr bool unsupported_read = false;

[[nodiscard]] constexpr bool is_string_type(type t) noexcept {
    return t == type::bulk_string || t == type::simple_string || t == type::verbatim_string;
}

[[nodiscard]] constexpr std::string_view string_text(const element& e) noexcept {
    return e.type == type::verbatim_string && e.text.size() >= 4 ? e.text.substr(4) : e.text;
}

// Parses canonical decimal digits (optionally negative) into a 128-bit-free pair: the
// magnitude and the sign; false on anything else or past 2^64-1.
[[nodiscard]] inline bool parse_decimal(std::string_view text, bool& negative, std::uint64_t& magnitude) {
    negative = !text.empty() && text[0] == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
    magnitude = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        magnitude = magnitude * 10 + digit;
    }
    return !(negative && magnitude == 0);
}

template <class T>
std::string integer_expectation() {
    return "an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
           std::to_string(std::numeric_limits<T>::max());
}

template <class T>
bool read_integer(reader& in, T& out) {
    const element* e = in.peek();
    bool negative = false;
    std::uint64_t magnitude = 0;
    if (e != nullptr && e->type == type::integer) {
        negative = e->integer < 0;
        magnitude = negative ? 0 - static_cast<std::uint64_t>(e->integer) : static_cast<std::uint64_t>(e->integer);
    } else if (e == nullptr ||
               !((e->type == type::big_number || is_string_type(e->type)) &&
                 parse_decimal(string_text(*e), negative, magnitude))) {
        return in.fail(integer_expectation<T>());
    }
    if constexpr (std::is_signed_v<T>) {
        const auto max = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
        if (negative ? magnitude > max + 1 : magnitude > max) return in.fail(integer_expectation<T>());
        out = negative ? static_cast<T>(-static_cast<std::int64_t>(magnitude - 1) - 1) : static_cast<T>(magnitude);
    } else {
        if (negative || magnitude > std::numeric_limits<T>::max()) return in.fail(integer_expectation<T>());
        out = static_cast<T>(magnitude);
    }
    in.next();
    return true;
}

template <class T>
bool read_floating(reader& in, T& out) {
    const element* e = in.peek();
    if (e != nullptr && e->type == type::integer) {
        out = static_cast<T>(e->integer);
        in.next();
        return true;
    }
    double d = 0;
    if (e == nullptr || !(e->type == type::double_number || is_string_type(e->type)) ||
        !detail::parse_double(string_text(*e), d)) {
        return in.fail("a double");
    }
    out = static_cast<T>(d);
    in.next();
    return true;
}

template <class = void>
bool read_bool(reader& in, bool& out) {
    const element* e = in.peek();
    if (e != nullptr && e->type == type::boolean) {
        out = e->text == "t";
    } else if (e != nullptr && e->type == type::integer && (e->integer == 0 || e->integer == 1)) {
        out = e->integer == 1;
    } else {
        return in.fail("a boolean (or the integer 0 or 1)");
    }
    in.next();
    return true;
}

template <class T>
bool read_string(reader& in, T& out) {
    const element* e = in.peek();
    if (e == nullptr || !is_string_type(e->type)) return in.fail("a string");
    out = T(string_text(*e));
    in.next();
    return true;
}

template <class T>
concept emplace_back_range = requires(T& c, typed_detail::range_value_t<T>&& v) {
    c.clear();
    c.emplace_back(std::move(v));
};

template <class T>
concept insertable = requires(T& c, typed_detail::range_value_t<T>&& v) {
    c.clear();
    c.insert(std::move(v));
};

template <class T>
concept map_like = pair_range<T> && requires { typename T::mapped_type; } &&
                   requires(T& c, typename T::key_type&& k, typename T::mapped_type&& m) {
                       c.clear();
                       c.emplace(std::move(k), std::move(m));
                   };

template <class T>
void reserve_for(T& c, std::size_t count) {
    if constexpr (requires { c.reserve(count); }) c.reserve(count < 4096 ? count : 4096);
}

// Consumes the header of an array (or set, or push) of exactly `size` elements.
template <class = void>
bool begin_fixed_array(reader& in, std::size_t size) {
    const element* e = in.peek();
    if (e == nullptr || e->count != size || (e->type != type::array && e->type != type::set && e->type != type::push)) {
        return in.fail("an array of " + std::to_string(size) + " elements");
    }
    in.next();
    return true;
}

template <class T, std::size_t... I>
bool read_tuple(reader& in, T& out, std::index_sequence<I...>) {
    using std::get;
    if (!begin_fixed_array(in, sizeof...(I))) return false;
    return (in.read_element(I, get<I>(out)) && ...);
}

template <class T>
bool read_pairs(reader& in, T& out) {
    std::size_t pairs = 0;
    if (!in.begin_map(pairs)) return false;
    out.clear();
    reserve_for(out, pairs);
    using K = std::remove_const_t<typename typed_detail::range_value_t<T>::first_type>;
    using V = typename typed_detail::range_value_t<T>::second_type;
    path_segment key_name;
    for (std::size_t i = 0; i < pairs; ++i) {
        K key{};
        V mapped{};
        if (!in.read_key(i, key, key_name) || !in.read_mapped(key_name, mapped)) return false;
        if constexpr (map_like<T>) out.emplace(std::move(key), std::move(mapped));
        else out.emplace_back(std::move(key), std::move(mapped));
    }
    return true;
}

template <class T>
bool read_sequence(reader& in, T& out) {
    std::size_t count = 0;
    if (!in.begin_array(count)) return false;
    out.clear();
    reserve_for(out, count);
    for (std::size_t i = 0; i < count; ++i) {
        typed_detail::range_value_t<T> element{};
        if (!in.read_element(i, element)) return false;
        if constexpr (insertable<T>) out.insert(std::move(element));
        else out.emplace_back(std::move(element));
    }
    return true;
}

} // namespace typed_detail

/// Reads the next element into `out`: see docs/typed-values.md for what each type accepts.
/// Returns false when it does not fit (the reader holds the error); `out` may then be partly
/// written.
template <class T>
bool read_into(reader& in, T& out) {
    if (in.failed()) return false;
    if (in.too_deep()) return false;
    if constexpr (has_serializer_read<T>) {
        if (!serializer<T>::read(in, out)) {
            if (!in.failed()) in.fail_with("the serializer of a user type failed without saying why");
            return false;
        }
        return true;
    } else if constexpr (std::is_same_v<T, value>) {
        return in.read_value(out);
    } else if constexpr (typed_detail::is_std_optional<T>) {
        const element* e = in.peek();
        if (e != nullptr && is_null(e->type)) {
            out.reset();
            in.next();
            return true;
        }
        out.emplace();
        return read_into(in, *out);
    } else if constexpr (std::is_same_v<T, bool>) {
        return typed_detail::read_bool(in, out);
    } else if constexpr (integer_like<T>) {
        return typed_detail::read_integer(in, out);
    } else if constexpr (std::is_floating_point_v<T>) {
        return typed_detail::read_floating(in, out);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
        return typed_detail::read_string(in, out);
    } else if constexpr (pair_range<T> &&
                         (typed_detail::map_like<T> || typed_detail::emplace_back_range<T>)) {
        return typed_detail::read_pairs(in, out);
    } else if constexpr (typed_detail::range<T> && tuple_like<T>) { // std::array
        if (!typed_detail::begin_fixed_array(in, std::tuple_size<T>::value)) return false;
        std::size_t i = 0;
        for (auto& element : out) {
            if (!in.read_element(i++, element)) return false;
        }
        return true;
    } else if constexpr (typed_detail::insertable<T> || typed_detail::emplace_back_range<T>) {
        return typed_detail::read_sequence(in, out);
    } else if constexpr (tuple_like<T>) {
        return typed_detail::read_tuple(in, out, std::make_index_sequence<std::tuple_size<T>::value>{});
    } else {
        static_assert(typed_detail::unsupported_read<T>,
                      "resp::read_into: no RESP mapping for this type; specialize resp::serializer<T> "
                      "with a read half (docs/typed-values.md)");
        return false;
    }
}

template <class T>
bool reader::read_element(std::size_t index, T& out) {
    const path_scope scope(*this, {path_segment::kind::element, static_cast<std::int64_t>(index), {}});
    return read_into(*this, out);
}

template <class T>
bool reader::read_key(std::size_t index, T& out, path_segment& key_name) {
    const element* e = peek();
    if (e != nullptr && typed_detail::is_string_type(e->type)) {
        key_name = {path_segment::kind::string_key, 0, typed_detail::string_text(*e)};
    } else if (e != nullptr && e->type == type::integer) {
        key_name = {path_segment::kind::integer_key, e->integer, {}};
    } else {
        key_name = {path_segment::kind::other_key, static_cast<std::int64_t>(index), {}};
    }
    const path_scope scope(*this, {path_segment::kind::key, static_cast<std::int64_t>(index), {}});
    return read_into(*this, out);
}

template <class T>
bool reader::read_mapped(const path_segment& key_name, T& out) {
    const path_scope scope(*this, key_name);
    return read_into(*this, out);
}

/// What reading a whole message gave: empty error() on success.
struct read_result {
    std::string error; ///< "at PATH: expected ..., found ...", or empty

    /// True on success.
    explicit operator bool() const noexcept { return error.empty(); }
};

/// Thrown by read<T>() when the message does not fit T; what() is the error with its path.
class read_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Reads one parsed message (its nodes, attributes included) into `out`.
template <class T>
read_result read_into(std::span<const node> message, T& out) {
    reader in(message);
    read_into(in, out);
    return {in.error()};
}

/// Reads an owning value into `out`; string_view targets view `v`.
template <class T>
read_result read_into(const value& v, T& out) {
    reader in(v);
    read_into(in, out);
    return {in.error()};
}

/// Reads one parsed message into a new T; throws read_error when it does not fit.
template <class T>
[[nodiscard]] T read(std::span<const node> message) {
    T out{};
    if (auto r = read_into(message, out); !r) throw read_error(r.error);
    return out;
}

/// Reads an owning value into a new T; throws read_error when it does not fit.
template <class T>
[[nodiscard]] T read(const value& v) {
    T out{};
    if (auto r = read_into(v, out); !r) throw read_error(r.error);
    return out;
}

namespace typed_detail {

// One instantiation for every decode<T> (not a template of T); a template only so that it is
// instantiated where used.
template <class = void>
[[nodiscard]] std::string parse_one(std::string_view bytes, respkit::detail::pod_stack<node>& nodes) {
    parser p;
    const parse_result r = p.parse(bytes, [&nodes](const node& n) { nodes.push_back(n); });
    if (r.status == parse_status::error) {
        return "invalid RESP at byte " + std::to_string(r.consumed) + ": " + p.error().message();
    }
    if (r.status == parse_status::need_more) return "incomplete RESP message";
    if (r.consumed != bytes.size()) return "bytes after the message (" + std::to_string(bytes.size() - r.consumed) + ")";
    return {};
}

} // namespace typed_detail

/// Parses `bytes`, which must hold exactly one whole message, and reads it into `out`
/// (string_view targets view `bytes`).
template <class T>
read_result decode(std::string_view bytes, T& out) {
    respkit::detail::pod_stack<node> nodes; // not a std::vector: its constexpr members would be
                                            // instantiated in every file (docs/headers.md)
    if (std::string error = typed_detail::parse_one(bytes, nodes); !error.empty()) return {std::move(error)};
    return read_into(std::span<const node>(nodes.begin(), nodes.size()), out);
}

} // namespace respkit::resp

#pragma once

/// \file
/// An owning RESP value that the parser can fill, that compares by value, and whose building,
/// copy, comparison and destruction never recurse.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/detail/pod_stack.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/version.hpp"

// For the few small functions the parser calls per element, which the compiler would
// otherwise keep out of line (a call and its register saves per element).
#if !defined(RESPKIT_ALWAYS_INLINE)
#if defined(__GNUC__)
#define RESPKIT_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define RESPKIT_ALWAYS_INLINE inline
#endif
#endif

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {
template <class = void>
class basic_value_assembler;
/// Builds one resp::value (instantiated only where used: docs/headers.md, rule 5).
using value_assembler = basic_value_assembler<>;
}

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// An owning RESP value of any type. Aggregates hold their elements flat (a map's elements are
/// key, value, key, value, ...). Streamed strings and aggregates are stored as ordinary ones.
/// Attributes sent before an element are kept on that element (attributes()).
///
/// A value owns one block holding all its elements and payloads (docs/design.md); its elements
/// are values living in that block, reached by const reference only. Copying, comparing and
/// destroying a value never recurse, however deep it nests.
class value {
public:
    /// A RESP3 null.
    value() noexcept = default;
    /// Frees the value's block.
    ~value() {
        if (m_block != nullptr) std::free(m_block);
    }
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
    value(value&& other) noexcept : m_node(other.m_node), m_block(other.m_block) {
        other.m_node = {};
        other.m_block = nullptr;
    }
    /// Moves; the old contents are freed.
    value& operator=(value&& other) noexcept {
        if (this != &other) {
            std::free(m_block);
            m_node = other.m_node;
            m_block = other.m_block;
            other.m_node = {};
            other.m_block = nullptr;
        }
        return *this;
    }

    /// `+text`
    [[nodiscard]] static value simple_string(std::string_view text) { return string_value(type::simple_string, text); }
    /// `-text`
    [[nodiscard]] static value simple_error(std::string_view text) { return string_value(type::simple_error, text); }
    /// `:number`
    [[nodiscard]] static value integer(std::int64_t number) { return value(node_data::make(type::integer, number, 0)); }
    /// `$len bytes`
    [[nodiscard]] static value bulk_string(std::string_view bytes) { return string_value(type::bulk_string, bytes); }
    /// `_`
    [[nodiscard]] static value null() { return value(); }
    /// `$-1`
    [[nodiscard]] static value null_bulk_string() { return value(node_data::make(type::null_bulk_string, 0, 0)); }
    /// `*-1`
    [[nodiscard]] static value null_array() { return value(node_data::make(type::null_array, 0, 0)); }
    /// `#t` / `#f`
    [[nodiscard]] static value boolean(bool b) { return value(node_data::make(type::boolean, b ? 1 : 0, 0)); }
    /// `,number` formatted as Redis 7.0 does.
    [[nodiscard]] static value double_number(double d) {
        char buf[respkit::detail::max_double_chars];
        return string_value(type::double_number, std::string_view(buf, respkit::detail::format_double(d, buf)));
    }
    /// `,text` with the text as given (e.g. "-nan").
    [[nodiscard]] static value double_text(std::string_view text) { return string_value(type::double_number, text); }
    /// `(digits`
    [[nodiscard]] static value big_number(std::string_view digits) { return string_value(type::big_number, digits); }
    /// `!len text`
    [[nodiscard]] static value bulk_error(std::string_view text) { return string_value(type::bulk_error, text); }
    /// `=len fmt:text`, format being three bytes such as "txt" or "mkd".
    [[nodiscard]] static value verbatim_string(std::string_view format, std::string_view text) {
        std::string payload(format.substr(0, 3));
        payload.resize(3, ' ');
        payload += ':';
        payload += text;
        return string_value(type::verbatim_string, payload);
    }
    /// `*n` with these elements.
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    [[nodiscard]] static value array(const std::vector<value>& elements) { return aggregate<>(type::array, elements); }
    /// `%n` with these elements, flat: key, value, key, value, ...
    template <class = void>
    [[nodiscard]] static value map(const std::vector<value>& flat_pairs) { return aggregate<>(type::map, flat_pairs); }
    /// `~n` with these elements.
    template <class = void>
    [[nodiscard]] static value set(const std::vector<value>& elements) { return aggregate<>(type::set, elements); }
    /// `>n` with these elements.
    template <class = void>
    [[nodiscard]] static value push(const std::vector<value>& elements) { return aggregate<>(type::push, elements); }
    /// This value (which keeps its own attributes, if any) preceded by the attribute pairs
    /// `flat_pairs` (key, value, key, value, ...), which replace the value's own.
    template <class = void>
    [[nodiscard]] static value with_attributes(const value& v, const std::vector<value>& flat_pairs);

    /// The RESP type.
    [[nodiscard]] resp::type type() const noexcept { return m_node.type; }
    /// True for `_`, `$-1` and `*-1`.
    [[nodiscard]] bool is_null() const noexcept { return resp::is_null(m_node.type); }
    /// True for simple and bulk errors.
    [[nodiscard]] bool is_error() const noexcept {
        return m_node.type == type::simple_error || m_node.type == type::bulk_error;
    }
    /// True for arrays, maps, sets and pushes.
    [[nodiscard]] bool is_aggregate() const noexcept { return resp::is_aggregate(m_node.type); }

    /// The payload of strings, errors, doubles, big numbers and verbatim strings ("txt:..."
    /// included); the decimal text of integers is not stored here (use integer()).
    [[nodiscard]] std::string_view string() const noexcept {
        if (!holds_bytes(m_node.type)) return {};
        if (!m_node.offset) return std::string_view(m_node.data(), static_cast<std::size_t>(m_node.size));
        return std::string_view(base() + m_node.payload(), static_cast<std::size_t>(m_node.size));
    }
    /// A verbatim string's text without its format prefix; other strings as string().
    [[nodiscard]] std::string_view text() const noexcept {
        const std::string_view s = string();
        if (m_node.type == type::verbatim_string && s.size() >= 4) return s.substr(4);
        return s;
    }
    /// The number of an integer (and 1/0 for booleans).
    [[nodiscard]] std::int64_t integer() const noexcept { return holds_number(m_node.type) ? m_node.payload() : 0; }
    /// The truth of a boolean.
    [[nodiscard]] bool boolean() const noexcept { return integer() != 0; }
    /// The number of a double (also parses the text of strings); 0 when it is not a number.
    [[nodiscard]] double to_double() const noexcept {
        if (m_node.type == type::integer) return static_cast<double>(m_node.payload());
        double d = 0;
        return respkit::detail::parse_double(string(), d) ? d : 0.0;
    }

    /// Elements of an aggregate (flat key, value pairs for maps).
    [[nodiscard]] std::span<const value> elements() const noexcept {
        if (!holds_elements(m_node.type) || m_node.size == 0) return {};
        return {reinterpret_cast<const value*>(base() + m_node.payload()), static_cast<std::size_t>(m_node.size)};
    }
    /// Number of elements (twice the pair count for maps).
    [[nodiscard]] std::size_t size() const noexcept {
        return holds_elements(m_node.type) ? static_cast<std::size_t>(m_node.size) : 0;
    }
    /// Element `i` (unchecked).
    [[nodiscard]] const value& operator[](std::size_t i) const noexcept { return elements()[i]; }
    /// In a map, the value whose key is a string equal to `key`, or nullptr.
    [[nodiscard]] const value* find(std::string_view key) const noexcept {
        const auto e = elements();
        for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
            if (e[i].string() == key) return &e[i + 1];
        }
        return nullptr;
    }
    /// Attributes sent before this value (flat key, value pairs); usually empty.
    [[nodiscard]] std::span<const value> attributes() const noexcept {
        if (m_node.attribute_count == 0) return {};
        return {reinterpret_cast<const value*>(base() + m_node.attributes()), m_node.attribute_count};
    }

    /// Deep equality of type, payload, elements and attributes, without recursion.
    template <class = void> // instantiated only where used (docs/headers.md, rule 5)
    friend bool operator==(const value& a, const value& b) {
        struct pair {
            const value* x;
            const value* y;
        };
        respkit::detail::pod_stack<pair> work;
        work.push_back({&a, &b});
        while (!work.empty()) {
            const auto [x, y] = work.back();
            work.pop_back();
            if (x->type() != y->type() || x->integer() != y->integer() || x->string() != y->string() ||
                x->size() != y->size() || x->m_node.attribute_count != y->m_node.attribute_count) {
                return false;
            }
            const auto xe = x->elements(), ye = y->elements();
            for (std::size_t i = 0; i < xe.size(); ++i) work.push_back({&xe[i], &ye[i]});
            const auto xa = x->attributes(), ya = y->attributes();
            for (std::size_t i = 0; i < xa.size(); ++i) work.push_back({&xa[i], &ya[i]});
        }
        return true;
    }

private:
    template <class>
    friend class respkit::detail::basic_value_assembler;

    // One node. Strings of at most 16 bytes without attributes are kept in the node itself;
    // otherwise (`offset`) offsets locate payload bytes and element arrays: from the start of the block's
    // data in a value that owns its block, from the node itself in an element (so a block can
    // be copied or moved as bytes).
    struct node_data {
        static constexpr std::size_t inline_capacity = 16;

        std::uint64_t size = 0;            // byte or element count
        std::uint64_t words[2] = {};       // payload (integer, boolean, or offset of the bytes
                                           // or elements), then the attributes' offset; or the
                                           // bytes themselves (data())
        std::uint32_t attribute_count = 0; // attribute elements (twice the pairs)
        resp::type type = type::null;
        bool offset = false;               // the payload is an offset (bytes or elements)

        static node_data make(resp::type t, std::int64_t payload, std::uint64_t size, bool offset = false) noexcept {
            node_data n;
            n.type = t;
            n.size = size;
            n.offset = offset;
            n.set_payload(payload);
            return n;
        }
        [[nodiscard]] char* data() noexcept { return reinterpret_cast<char*>(words); }
        [[nodiscard]] const char* data() const noexcept { return reinterpret_cast<const char*>(words); }
        [[nodiscard]] std::int64_t payload() const noexcept { return static_cast<std::int64_t>(words[0]); }
        void set_payload(std::int64_t v) noexcept { words[0] = static_cast<std::uint64_t>(v); }
        [[nodiscard]] std::int64_t attributes() const noexcept { return static_cast<std::int64_t>(words[1]); }
        void set_attributes(std::int64_t v) noexcept { words[1] = static_cast<std::uint64_t>(v); }
        [[nodiscard]] bool is_inline() const noexcept { return holds_bytes(type) && !offset; }
    };
    // A block: its data size, then the data (aligned for values).
    static constexpr std::size_t block_header = 16;

    explicit value(const node_data& n) noexcept : m_node(n) {}
    value(std::uint64_t size, std::uint64_t head, std::uint64_t tail, std::uint32_t attribute_count, resp::type t,
          bool offset, char* block) noexcept
        : m_node{size, {head, tail}, attribute_count, t, offset}, m_block(block) {}

    // (Bit masks: these run for every element built or read.)
    static constexpr bool holds_number(resp::type t) noexcept { return t == type::integer || t == type::boolean; }
    static constexpr bool holds_bytes(resp::type t) noexcept {
        constexpr std::uint32_t types = 1u << unsigned(type::simple_string) | 1u << unsigned(type::simple_error) |
                                        1u << unsigned(type::bulk_string) | 1u << unsigned(type::double_number) |
                                        1u << unsigned(type::big_number) | 1u << unsigned(type::bulk_error) |
                                        1u << unsigned(type::verbatim_string);
        return (types >> unsigned(t) & 1u) != 0;
    }
    static constexpr bool holds_elements(resp::type t) noexcept {
        constexpr std::uint32_t types = 1u << unsigned(type::array) | 1u << unsigned(type::map) |
                                        1u << unsigned(type::set) | 1u << unsigned(type::push) |
                                        1u << unsigned(type::attribute);
        return (types >> unsigned(t) & 1u) != 0;
    }
    // True when the node reaches into a block (bytes, elements or attributes).
    [[nodiscard]] bool reaches_out() const noexcept {
        return m_node.attribute_count != 0 || (m_node.offset && m_node.size != 0);
    }
    [[nodiscard]] const char* base() const noexcept {
        return m_block != nullptr ? m_block + block_header : reinterpret_cast<const char*>(this);
    }

    static value string_value(resp::type t, std::string_view bytes) {
        value v(node_data::make(t, 0, bytes.size(), bytes.size() > node_data::inline_capacity));
        if (!v.m_node.offset) {
            if (!bytes.empty()) std::memcpy(v.m_node.data(), bytes.data(), bytes.size());
        } else {
            v.m_block = allocate_block(bytes.size());
            std::memcpy(v.m_block + block_header, bytes.data(), bytes.size());
        }
        return v;
    }
    static char* allocate_block(std::size_t data_size) {
        auto* block = static_cast<char*>(std::malloc(block_header + data_size));
        if (block == nullptr) throw std::bad_alloc();
        std::memcpy(block, &data_size, sizeof data_size);
        return block;
    }
    template <class = void>
    static value aggregate(resp::type t, const std::vector<value>& elements);
    void copy_from(const value& other);

    node_data m_node;
    char* m_block = nullptr; // owned: header and data; null in elements and in values without payload
};

} // namespace respkit::resp

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Builds one resp::value from pre-order events (a parser's nodes, or another value walked),
/// into a scratch buffer that take() hands over as the value's block. An aggregate of at most
/// 128 elements gets its array in the buffer when it opens, and its elements are written there
/// as they arrive; a larger or streamed one keeps its elements on a stack until it is complete
/// and then writes them as one array, so that a count from the wire never sizes more than a
/// small allocation before its elements arrive. Never recurses.
template <class>
class basic_value_assembler {
public:
    basic_value_assembler() { reset(); }
    ~basic_value_assembler() { std::free(m_buffer); }
    basic_value_assembler(const basic_value_assembler&) = delete;
    basic_value_assembler& operator=(const basic_value_assembler&) = delete;
    basic_value_assembler(basic_value_assembler&& other) noexcept { *this = std::move(other); }
    basic_value_assembler& operator=(basic_value_assembler&& other) noexcept {
        if (this != &other) {
            std::free(m_buffer);
            m_buffer = std::exchange(other.m_buffer, nullptr);
            m_capacity = std::exchange(other.m_capacity, 0);
            m_used = other.m_used;
            m_next_capacity = other.m_next_capacity;
            m_nodes = std::move(other.m_nodes);
            m_frames = std::move(other.m_frames);
            m_depth = other.m_depth;
            m_root = other.m_root;
            m_slot = other.m_slot;
            m_remaining = other.m_remaining;
            m_attributes = other.m_attributes;
            m_attribute_count = other.m_attribute_count;
            m_direct = other.m_direct;
            m_done = other.m_done;
            other.reset();
        }
        return *this;
    }

    /// True once a whole top-level value has been built.
    [[nodiscard]] bool done() const noexcept { return m_done; }
    /// Drops any partial value.
    void reset() noexcept {
        m_nodes.clear();
        m_depth = 0;
        m_remaining = 1;
        m_used = 0;
        m_attribute_count = 0;
        m_direct = false;
        m_done = false;
    }

    /// A string-like scalar (copied).
    RESPKIT_ALWAYS_INLINE void bytes(resp::type t, std::string_view payload) {
        if (payload.size() <= resp::value::node_data::inline_capacity && m_attribute_count == 0) {
            resp::value::node_data& n = next_node(t);
            n.size = payload.size();
            std::uint64_t head = 0, tail = 0;
            load_short(payload.data(), payload.size(), head, tail);
            n.words[0] = head;
            n.words[1] = tail;
            element_done();
            return;
        }
        resp::value::node_data n = resp::value::node_data::make(t, 0, payload.size());
        if (payload.size() <= n.inline_capacity) {
            if (!payload.empty()) std::memcpy(n.data(), payload.data(), payload.size());
        } else {
            n.set_payload(store(payload));
            n.offset = true;
        }
        emit(n);
        element_done();
    }
    /// An integer or boolean.
    RESPKIT_ALWAYS_INLINE void number(resp::type t, std::int64_t n) {
        if (m_attribute_count == 0) {
            next_node(t).set_payload(n);
        } else {
            emit(resp::value::node_data::make(t, n, 0));
        }
        element_done();
    }
    /// A scalar without payload (the nulls).
    RESPKIT_ALWAYS_INLINE void empty(resp::type t) {
        if (m_attribute_count == 0) {
            (void)next_node(t);
        } else {
            emit(resp::value::node_data::make(t, 0, 0));
        }
        element_done();
    }
    /// An aggregate (or attribute) with `children` elements to follow, or unknown_size when
    /// streamed (ended by close()).
    void open(resp::type t, std::uint64_t children) {
        if (children == 0) {
            if (t == resp::type::attribute) return; // `|0`: nothing to attach
            empty(t);
            return;
        }
        if (t == resp::type::attribute) { // its pairs are no element: they wait on the stack
            push_frame(frame{m_remaining, m_slot, 0, frame_kind::attribute, m_direct, m_nodes.size()});
            m_direct = false;
            m_remaining = children;
            return;
        }
        if (children <= max_direct) {
            const std::size_t bytes = static_cast<std::size_t>(children) * sizeof(resp::value);
            const std::size_t at = align(bytes);
            m_used = at + bytes;
            if (m_attribute_count == 0) {
                std::int64_t self = 0;
                resp::value::node_data& n = next_node(t, self);
                n.size = children;
                n.offset = true;
                n.set_payload(static_cast<std::int64_t>(at) - self);
            } else {
                (void)emit(resp::value::node_data::make(t, static_cast<std::int64_t>(at), children, true));
            }
            push_frame(frame{m_remaining, m_slot, 0, frame_kind::direct, m_direct});
            m_slot = at;
            m_direct = true;
        } else {
            const std::size_t where = emit(resp::value::node_data::make(t, 0, 0, true));
            push_frame(frame{m_remaining, m_slot, where, frame_kind::stacked, m_direct, m_nodes.size()});
            m_direct = false;
        }
        m_remaining = children;
    }
    /// A streamed string, filled by string_part() and ended by close().
    void open_string() {
        push_frame(frame{m_remaining, m_slot, m_used, frame_kind::string, m_direct});
        m_remaining = resp::unknown_size;
    }
    /// More bytes of the streamed string being built (nothing else is stored meanwhile, so its
    /// bytes stay contiguous).
    void string_part(std::string_view part) { (void)store(part); }
    /// Ends the streamed string or aggregate being built.
    void close() {
        const frame f = m_frames[m_depth - 1];
        if (f.kind == frame_kind::string) {
            --m_depth;
            m_remaining = f.remaining;
            const std::size_t size = m_used - f.where;
            resp::value::node_data n =
                resp::value::node_data::make(resp::type::bulk_string, static_cast<std::int64_t>(f.where), size, true);
            if (size <= n.inline_capacity) { // short: kept in the node as any short string
                n.offset = false;
                std::memcpy(n.data(), m_buffer + resp::value::block_header + f.where, size);
                m_used = f.where;
            }
            emit(n);
            element_done();
            return;
        }
        m_attribute_count = 0; // attributes before the end describe nothing
        if (complete_top()) element_done();
    }
    /// Adds a copy of `v` (with its own attributes unless told otherwise) as the next element,
    /// walking it without recursion.
    void add(const resp::value& v, bool own_attributes = true) {
        struct item {
            const resp::value* v;
            bool attributes_done;
        };
        respkit::detail::pod_stack<item> work;
        work.push_back({&v, !own_attributes});
        while (!work.empty()) {
            const auto [x, attributes_done] = work.back();
            work.pop_back();
            if (!attributes_done && x->m_node.attribute_count != 0) {
                const auto attributes = x->attributes();
                open(resp::type::attribute, attributes.size());
                work.push_back({x, true});
                for (std::size_t i = attributes.size(); i-- > 0;) work.push_back({&attributes[i], false});
                continue;
            }
            const resp::type t = x->type();
            if (resp::value::holds_number(t)) {
                number(t, x->m_node.payload());
            } else if (resp::value::holds_elements(t)) {
                const auto children = x->elements();
                open(t, children.size());
                for (std::size_t i = children.size(); i-- > 0;) work.push_back({&children[i], false});
            } else if (resp::value::holds_bytes(t)) {
                bytes(t, x->string());
            } else {
                empty(t);
            }
        }
    }

    /// The value built (call when done()); gets ready for the next one.
    [[nodiscard]] resp::value take() {
        if (!m_done) {
            reset();
            return resp::value();
        }
        char* block = nullptr;
        if (m_used != 0) {
            // The value takes the buffer itself (trimmed when much is unused); the next value
            // starts a buffer sized as this one.
            block = m_buffer;
            if (m_capacity - m_used > m_capacity / 4) {
                block = static_cast<char*>(std::realloc(m_buffer, resp::value::block_header + m_used));
                if (block == nullptr) block = m_buffer;
            }
            std::memcpy(block, &m_used, sizeof m_used);
            m_buffer = nullptr;
            m_capacity = 0;
            m_next_capacity = m_used < max_first_capacity ? m_used : max_first_capacity;
        }
        if (m_nodes.capacity() > max_kept_nodes) m_nodes.release();
        // The root field by field, in the widths it was just written with, and straight into
        // the value returned (volatile: not merged into wider loads, and no temporary, which
        // would wait for those stores to complete).
        const volatile resp::value::node_data& root = m_root;
        const std::uint64_t size = root.size, head = root.words[0], tail = root.words[1];
        const std::uint32_t attribute_count = root.attribute_count;
        const resp::type t = root.type;
        const bool offset = root.offset;
        reset();
        return resp::value(size, head, tail, attribute_count, t, offset, block);
    }

private:
    static constexpr std::uint64_t max_direct = 128; // elements: at most 5 KiB per aggregate
    static constexpr std::size_t max_first_capacity = 64 * 1024;
    static constexpr std::size_t max_kept_nodes = 16 * 1024;

    enum class frame_kind : std::uint8_t {
        direct,    // elements written into the array reserved at m_slot
        stacked,   // elements on m_nodes from `first`, written as an array when complete
        attribute, // the same, then kept for the next element
        string,    // a streamed string whose bytes start at `where`
    };
    struct frame {
        std::uint64_t remaining; // the parent's elements still expected when this one opened
        std::size_t slot;        // the parent's next slot, when it is direct
        std::size_t where;       // stacked: the aggregate's node, its slot if the parent is
                                 // direct, else its index in m_nodes (or root); string: where
                                 // its bytes start
        frame_kind kind;
        bool direct;             // the parent is direct
        std::size_t first = 0;   // stacked, attribute: index of the first element in m_nodes
    };

    // Where the next array goes: past the used bytes, aligned; makes room for `bytes`.
    std::size_t align(std::size_t bytes) {
        const std::size_t at = (m_used + alignof(resp::value) - 1) & ~(alignof(resp::value) - 1);
        if (m_capacity - m_used < at - m_used + bytes) grow(at - m_used + bytes);
        return at;
    }
    void grow(std::size_t more) {
        std::size_t capacity = m_capacity != 0 ? m_capacity * 2 : m_next_capacity < 64 ? 64 : m_next_capacity;
        while (capacity - m_used < more) capacity *= 2;
        auto* grown = static_cast<char*>(m_buffer == nullptr ? std::malloc(resp::value::block_header + capacity)
                                                             : std::realloc(m_buffer, resp::value::block_header + capacity));
        if (grown == nullptr) throw std::bad_alloc();
        m_buffer = grown;
        m_capacity = capacity;
    }
    // Copies bytes to the buffer; returns their offset.
    std::int64_t store(std::string_view bytes) {
        const std::size_t at = m_used;
        if (m_capacity - m_used < bytes.size()) grow(bytes.size());
        if (!bytes.empty()) std::memcpy(m_buffer + resp::value::block_header + at, bytes.data(), bytes.size());
        m_used += bytes.size();
        return static_cast<std::int64_t>(at);
    }
    // Writes node `n` at `slot` of an array in the buffer (its offsets from the block's start
    // become offsets from itself).
    void place(resp::value::node_data n, std::size_t slot) {
        const auto self = static_cast<std::int64_t>(slot);
        if (n.offset) n.set_payload(n.payload() - self);
        if (n.attribute_count != 0) n.set_attributes(n.attributes() - self);
        ::new (static_cast<void*>(m_buffer + resp::value::block_header + slot)) resp::value(n);
    }
    // Adds the next element of the innermost aggregate (with any attributes waiting); returns
    // its slot (direct parent) or its index in m_nodes.
    std::size_t emit(resp::value::node_data n) {
        if (m_attribute_count != 0) {
            if (n.is_inline()) { // a string with attributes keeps its bytes in the block
                n.set_payload(store(std::string_view(n.data(), static_cast<std::size_t>(n.size))));
                n.offset = true;
            }
            n.set_attributes(m_attributes);
            n.attribute_count = m_attribute_count;
            m_attribute_count = 0;
        }
        if (m_direct) {
            const std::size_t slot = m_slot;
            place(n, slot);
            m_slot += sizeof(resp::value);
            return slot;
        }
        if (m_depth == 0) {
            m_root = n;
            return root;
        }
        m_nodes.push_back(n);
        return m_nodes.size() - 1;
    }
    // The next element's node, zeroed but for its type (no attributes wait); `self` is its
    // offset in the block when it sits in a direct parent's array (its offsets count from there).
    RESPKIT_ALWAYS_INLINE resp::value::node_data& next_node(resp::type t, std::int64_t& self) {
        resp::value::node_data* n = nullptr;
        if (m_direct) {
            self = static_cast<std::int64_t>(m_slot);
            n = &(::new (static_cast<void*>(m_buffer + resp::value::block_header + m_slot)) resp::value())->m_node;
            m_slot += sizeof(resp::value);
        } else if (m_depth == 0) {
            // Field by field: a temporary copied whole would be read back in wider loads than
            // it was written with (a store-forwarding stall on every message).
            m_root.size = 0;
            m_root.set_payload(0);
            m_root.set_attributes(0);
            m_root.attribute_count = 0;
            m_root.offset = false;
            n = &m_root;
        } else {
            n = &stacked_node();
        }
        n->type = t;
        return *n;
    }
    resp::value::node_data& stacked_node() { return m_nodes.emplace_back(); }
    RESPKIT_ALWAYS_INLINE resp::value::node_data& next_node(resp::type t) {
        std::int64_t self = 0;
        return next_node(t, self);
    }
    void push_frame(const frame& f) {
        if (m_depth == m_frames.size()) m_frames.resize(m_depth < 8 ? 8 : m_depth * 2);
        m_frames[m_depth++] = f;
    }
    // The bytes of a string of at most 16 bytes as two words, zero past its end, read without
    // a library call (overlapping loads) and stored whole, so that copying the node later reads
    // them as they were written.
    static void load_short(const char* from, std::size_t n, std::uint64_t& head, std::uint64_t& tail) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (n >= 8) {
            std::memcpy(&head, from, 8);
            std::memcpy(&tail, from + n - 8, 8);
            tail = n == 8 ? 0 : tail >> ((16 - n) * 8);
        } else if (n >= 4) {
            std::uint32_t first = 0, last = 0;
            std::memcpy(&first, from, 4);
            std::memcpy(&last, from + n - 4, 4);
            head = first | static_cast<std::uint64_t>(last) << ((n - 4) * 8);
            tail = 0;
        } else if (n != 0) {
            head = static_cast<std::uint64_t>(static_cast<unsigned char>(from[0])) |
                   static_cast<std::uint64_t>(static_cast<unsigned char>(from[n / 2])) << (n / 2 * 8) |
                   static_cast<std::uint64_t>(static_cast<unsigned char>(from[n - 1])) << ((n - 1) * 8);
            tail = 0;
        } else {
            head = tail = 0;
        }
#else
        char bytes[16] = {};
        if (n != 0) std::memcpy(bytes, from, n);
        std::memcpy(&head, bytes, 8);
        std::memcpy(&tail, bytes + 8, 8);
#endif
    }
    // The last element of the innermost aggregate is complete: close every aggregate it
    // completes. (A streamed one expects unknown_size elements: never reached.)
    RESPKIT_ALWAYS_INLINE void element_done() {
        while (--m_remaining == 0) {
            if (m_depth == 0) {
                m_done = true;
                return;
            }
            if (!complete_top()) return;
        }
    }
    // Closes the innermost aggregate: a stacked one's elements are written as one array. Returns
    // false for an attribute (its pairs wait for the next element; it is no element itself).
    bool complete_top() {
        const frame f = m_frames[--m_depth];
        m_remaining = f.remaining;
        m_slot = f.slot;
        m_direct = f.direct;
        if (f.kind == frame_kind::direct) return true;
        const std::size_t count = m_nodes.size() - f.first;
        const std::size_t at = align(count * sizeof(resp::value));
        for (std::size_t i = 0; i < count; ++i) place(m_nodes[f.first + i], at + i * sizeof(resp::value));
        m_used = at + count * sizeof(resp::value);
        m_nodes.resize(f.first);
        if (f.kind == frame_kind::attribute) {
            m_attributes = static_cast<std::int64_t>(at);
            m_attribute_count = static_cast<std::uint32_t>(count);
            return false;
        }
        if (f.direct) { // the aggregate's node sits in its parent's array
            auto* node = reinterpret_cast<resp::value*>(m_buffer + resp::value::block_header + f.where);
            node->m_node.set_payload(static_cast<std::int64_t>(at) - static_cast<std::int64_t>(f.where));
            node->m_node.size = count;
        } else {
            resp::value::node_data& node = f.where == root ? m_root : m_nodes[f.where];
            node.set_payload(static_cast<std::int64_t>(at));
            node.size = count;
        }
        return true;
    }

    char* m_buffer = nullptr;   // block header room, then m_capacity bytes of data
    std::size_t m_capacity = 0;
    std::size_t m_used = 0;
    std::size_t m_next_capacity = 0; // the last value's size: a first guess for the next
    static constexpr std::size_t root = ~std::size_t{0}; // a frame's `where`: m_root
    resp::value::node_data m_root;               // the top-level element
    pod_stack<resp::value::node_data> m_nodes;   // elements of stacked aggregates
    pod_stack<frame> m_frames;                   // the open aggregates, outermost first (m_depth)
    std::size_t m_depth = 0;
    std::size_t m_slot = 0;                      // next slot of the innermost direct aggregate
    std::uint64_t m_remaining = 1;               // elements the innermost one still expects
    std::int64_t m_attributes = 0;               // attribute pairs for the next element
    std::uint32_t m_attribute_count = 0;         // (offset and count; 0: none)
    bool m_direct = false;                       // the innermost aggregate is direct
    bool m_done = false;
};

} // namespace respkit::detail

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

template <class>
inline value value::aggregate(resp::type t, const std::vector<value>& elements) {
    respkit::detail::value_assembler a;
    a.open(t, elements.size());
    for (const value& e : elements) a.add(e);
    return a.take();
}

template <class>
inline value value::with_attributes(const value& v, const std::vector<value>& flat_pairs) {
    respkit::detail::value_assembler a;
    a.open(type::attribute, flat_pairs.size());
    for (const value& e : flat_pairs) a.add(e);
    a.add(v, false);
    return a.take();
}

inline void value::copy_from(const value& other) {
    if (other.m_block != nullptr) {
        std::size_t size = 0;
        std::memcpy(&size, other.m_block, sizeof size);
        m_block = allocate_block(size);
        std::memcpy(m_block + block_header, other.m_block + block_header, size);
        m_node = other.m_node;
    } else if (!other.reaches_out()) {
        m_node = other.m_node;
    } else { // an element of another value: its own block
        respkit::detail::value_assembler a;
        a.add(other);
        *this = a.take();
    }
}

} // namespace respkit::resp

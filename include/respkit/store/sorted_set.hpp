#pragma once

/// \file
/// respkit::store::skiplist and sorted_set: members ordered by (score, member bytes), held
/// packed in one allocation while small (Redis's listpack encoding) and as a skip list with
/// spans plus a member index once large (Redis's skiplist encoding), with O(log n) insert,
/// erase, rank and range starts in the large form. docs/store.md explains the layouts.

#include <respkit/detail/packed_pointer.hpp>
#include <respkit/store/hash.hpp>
#include <respkit/version.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A skip list of (score, member) pairs, ascending by score then by member bytes, whose
/// links carry spans (how many elements they pass over) so that rank lookups and
/// "element at rank" are O(log n) expected. Each element is one allocation holding its
/// links, score and member bytes. Members must be unique (the caller's index guarantees it);
/// scores are never NaN.
class skiplist {
public:
    static constexpr int max_level = 32; ///< enough for 4^32 elements at p = 1/4

    /// One element. Walk with next() and prev().
    class node {
    public:
        /// The member's bytes.
        [[nodiscard]] std::string_view member() const noexcept {
            return {reinterpret_cast<const char*>(links() + m_levels) + sizeof(std::size_t) * (m_levels - 1u), m_size};
        }
        /// The score.
        [[nodiscard]] double score() const noexcept { return m_score; }
        /// The next element in ascending order, or nullptr.
        [[nodiscard]] const node* next() const noexcept { return links()[0]; }
        /// The previous element, or nullptr.
        [[nodiscard]] const node* prev() const noexcept { return m_backward; }

    private:
        friend class skiplist;
        friend class sorted_set;

        node(double score, std::uint32_t size, std::uint8_t levels) noexcept
            : m_score(score), m_size(size), m_levels(levels) {}

        // Forward pointers for every level, then the spans of levels 1.. (level 0's span is
        // 1 whenever it has a forward link), then the member's bytes.
        [[nodiscard]] node** links() noexcept {
            return reinterpret_cast<node**>(reinterpret_cast<char*>(this) + sizeof(node));
        }
        [[nodiscard]] node* const* links() const noexcept {
            return reinterpret_cast<node* const*>(reinterpret_cast<const char*>(this) + sizeof(node));
        }
        [[nodiscard]] std::size_t* spans() noexcept { return reinterpret_cast<std::size_t*>(links() + m_levels) - 1; }
        [[nodiscard]] std::size_t span(int i) const noexcept {
            if (i == 0) return links()[0] ? 1 : 0;
            return reinterpret_cast<const std::size_t*>(links() + m_levels)[i - 1];
        }
        void set_span(int i, std::size_t s) noexcept {
            if (i != 0) spans()[i] = s;
        }
        [[nodiscard]] node*& forward(int i) noexcept { return links()[i]; }

        double m_score;
        node* m_backward = nullptr;
        node* m_chain = nullptr; // the next node in the same bucket of sorted_set's member index
        std::uint32_t m_size;    // member bytes
        std::uint8_t m_levels;
    };

    /// An empty list.
    skiplist() : m_head(make_node(0, {}, max_level)) {}
    /// A copy.
    skiplist(const skiplist& other) : skiplist() {
        for (const node* n = other.first(); n; n = n->next()) insert(n->score(), n->member());
    }
    /// Takes the elements of `other`, leaving it empty.
    skiplist(skiplist&& other) noexcept : skiplist(std::move(other), nullptr) {}
    skiplist& operator=(const skiplist& other) {
        if (this != &other) {
            skiplist copy(other);
            swap(copy);
        }
        return *this;
    }
    skiplist& operator=(skiplist&& other) noexcept {
        swap(other);
        return *this;
    }
    ~skiplist() {
        if (!m_head) return;
        node* n = m_head->forward(0);
        while (n) {
            node* next = n->forward(0);
            destroy_node(n);
            n = next;
        }
        destroy_node(m_head);
    }

    /// Exchanges contents with `other`.
    void swap(skiplist& other) noexcept {
        std::swap(m_head, other.m_head);
        std::swap(m_tail, other.m_tail);
        std::swap(m_size, other.m_size);
        std::swap(m_level, other.m_level);
        std::swap(m_random, other.m_random);
    }

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True when empty.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    /// The lowest element, or nullptr.
    [[nodiscard]] const node* first() const noexcept { return m_head ? m_head->links()[0] : nullptr; }
    /// The highest element, or nullptr.
    [[nodiscard]] const node* last() const noexcept { return m_tail; }

    /// Iterates the elements in ascending order as (score, member) pairs.
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::pair<double, std::string_view>;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = value_type;

        const_iterator() noexcept = default;
        explicit const_iterator(const node* n) noexcept : m_node(n) {}
        [[nodiscard]] value_type operator*() const noexcept { return {m_node->score(), m_node->member()}; }
        const_iterator& operator++() noexcept {
            m_node = m_node->next();
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            m_node = m_node->next();
            return old;
        }
        [[nodiscard]] bool operator==(const const_iterator&) const noexcept = default;

    private:
        const node* m_node = nullptr;
    };
    /// The lowest element.
    [[nodiscard]] const_iterator begin() const noexcept { return const_iterator(first()); }
    /// Past the highest element.
    [[nodiscard]] const_iterator end() const noexcept { return const_iterator(); }

    /// Inserts (score, member), which must not be present. O(log n) expected.
    const node* insert(double score, std::string_view member) { return link(make_node(score, member, random_level())); }

    /// Removes (score, member). Returns false when absent. O(log n) expected.
    bool erase(double score, std::string_view member) {
        node* x = unlink(score, member);
        if (!x) return false;
        destroy_node(x);
        return true;
    }

    /// Changes the score of (score, member), which must be present, to `new_score`; returns
    /// the element (which may have moved).
    const node* update_score(double score, std::string_view member, double new_score) {
        node* update[max_level];
        node* x = find_before(score, member, update)->forward(0);
        assert(x && x->m_score == score && x->member() == member);
        // Stays in place when its neighbours still bracket it: no relinking needed.
        const node* next = x->forward(0);
        const node* prev = x->m_backward;
        if ((!prev || less(prev, new_score, member)) && (!next || less(new_score, member, next))) {
            x->m_score = new_score;
            return x;
        }
        unlink_at(x, update);
        x->m_score = new_score;
        return link(x);
    }

    /// The 0-based rank of (score, member), or npos when absent. O(log n) expected.
    [[nodiscard]] std::size_t rank(double score, std::string_view member) const noexcept {
        const node* x = m_head;
        std::size_t r = 0;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i] && !less(score, member, x->links()[i])) {
                r += x->span(i);
                x = x->links()[i];
            }
            if (x != m_head && x->m_score == score && x->member() == member) return r - 1;
        }
        return npos;
    }

    /// The element at 0-based rank `r`, or nullptr when r >= size(). O(log n) expected.
    [[nodiscard]] const node* at(std::size_t r) const noexcept {
        if (r >= m_size) return nullptr;
        const std::size_t target = r + 1;
        const node* x = m_head;
        std::size_t traversed = 0;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i] && traversed + x->span(i) <= target) {
                traversed += x->span(i);
                x = x->links()[i];
            }
            if (traversed == target) return x;
        }
        return nullptr;
    }

    /// How many leading elements satisfy `before(node)`, which must hold for a prefix of the
    /// list (e.g. "score < min"): the rank of the first element that does not. O(log n).
    template <class Before>
    [[nodiscard]] std::size_t count_while(Before&& before) const {
        const node* x = m_head;
        std::size_t r = 0;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i] && before(*x->links()[i])) {
                r += x->span(i);
                x = x->links()[i];
            }
        }
        return r;
    }

    /// Not a rank.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    friend class sorted_set;

    node* m_head = nullptr;
    node* m_tail = nullptr;
    std::size_t m_size = 0;
    int m_level = 1;
    std::uint64_t m_random = 0x9e3779b97f4a7c15ull;

    skiplist(skiplist&& other, std::nullptr_t) noexcept
        : m_head(std::exchange(other.m_head, nullptr)), m_tail(std::exchange(other.m_tail, nullptr)),
          m_size(std::exchange(other.m_size, 0)), m_level(std::exchange(other.m_level, 1)), m_random(other.m_random) {}

    static bool less(const node* a, double score, std::string_view member) noexcept {
        return a->m_score < score || (a->m_score == score && a->member() < member);
    }
    static bool less(double score, std::string_view member, const node* b) noexcept {
        return score < b->m_score || (score == b->m_score && member < b->member());
    }

    int random_level() noexcept {
        // xorshift64*; each further level with probability 1/4, as Redis's ZSKIPLIST_P.
        m_random ^= m_random >> 12;
        m_random ^= m_random << 25;
        m_random ^= m_random >> 27;
        std::uint64_t bits = m_random * 0x2545f4914f6cdd1dull;
        int level = 1;
        while (level < max_level && (bits & 3) == 0) {
            ++level;
            bits >>= 2;
        }
        return level;
    }

    [[nodiscard]] static std::size_t node_bytes(std::size_t member, int levels) noexcept {
        return sizeof(node) + sizeof(node*) * static_cast<std::size_t>(levels) +
               sizeof(std::size_t) * static_cast<std::size_t>(levels - 1) + member;
    }
    static node* make_node(double score, std::string_view member, int levels) {
        void* raw = ::operator new(node_bytes(member.size(), levels));
        node* n = new (raw) node(score, static_cast<std::uint32_t>(member.size()), static_cast<std::uint8_t>(levels));
        for (int i = 0; i < levels; ++i) n->links()[i] = nullptr;
        for (int i = 1; i < levels; ++i) n->spans()[i] = 0;
        if (!member.empty()) std::memcpy(const_cast<char*>(n->member().data()), member.data(), member.size());
        return n;
    }
    static void destroy_node(node* n) noexcept {
        n->~node();
        ::operator delete(static_cast<void*>(n));
    }

    // The last node before (score, member) on each level, in update[]; returns level 0's.
    node* find_before(double score, std::string_view member, node** update) noexcept {
        node* x = m_head;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->forward(i) && less(x->forward(i), score, member)) x = x->forward(i);
            update[i] = x;
        }
        return x;
    }

    // Links a node made by make_node (levels and score set) at its place.
    node* link(node* n) noexcept {
        node* update[max_level];
        std::size_t rank[max_level];
        const double score = n->m_score;
        const std::string_view member = n->member();
        node* x = m_head;
        for (int i = m_level - 1; i >= 0; --i) {
            rank[i] = i == m_level - 1 ? 0 : rank[i + 1];
            while (x->forward(i) && less(x->forward(i), score, member)) {
                rank[i] += x->span(i);
                x = x->forward(i);
            }
            update[i] = x;
        }
        const int levels = n->m_levels;
        if (levels > m_level) {
            for (int i = m_level; i < levels; ++i) {
                rank[i] = 0;
                update[i] = m_head;
                update[i]->set_span(i, m_size);
            }
            m_level = levels;
        }
        for (int i = 0; i < levels; ++i) {
            n->forward(i) = update[i]->forward(i);
            update[i]->forward(i) = n;
            n->set_span(i, update[i]->span(i) - (rank[0] - rank[i]));
            update[i]->set_span(i, (rank[0] - rank[i]) + 1);
        }
        for (int i = levels; i < m_level; ++i) update[i]->set_span(i, update[i]->span(i) + 1);
        n->m_backward = update[0] == m_head ? nullptr : update[0];
        if (n->forward(0))
            n->forward(0)->m_backward = n;
        else
            m_tail = n;
        ++m_size;
        return n;
    }

    // Unlinks (score, member) and returns its node, or nullptr when absent.
    node* unlink(double score, std::string_view member) noexcept {
        node* update[max_level];
        node* x = find_before(score, member, update)->forward(0);
        if (!x || x->m_score != score || x->member() != member) return nullptr;
        unlink_at(x, update);
        return x;
    }

    void unlink_at(node* x, node** update) noexcept {
        for (int i = 0; i < m_level; ++i) {
            if (update[i]->forward(i) == x) {
                update[i]->set_span(i, update[i]->span(i) + x->span(i) - 1);
                update[i]->forward(i) = x->forward(i);
            } else {
                update[i]->set_span(i, update[i]->span(i) - 1);
            }
        }
        if (x->forward(0))
            x->forward(0)->m_backward = x->m_backward;
        else
            m_tail = x->m_backward;
        while (m_level > 1 && !m_head->forward(m_level - 1)) --m_level;
        --m_size;
    }
};

/// The thresholds of a sorted set's packed form (zset-max-listpack-entries and
/// zset-max-listpack-value), Redis's defaults unless configured.
struct zset_limits {
    std::size_t max_entries = 128; ///< most members kept packed
    std::size_t max_value = 64;    ///< longest member (bytes) kept packed
};

namespace sorted_set_detail {

// The packed form: a header (total bytes; the count is kept by sorted_set), then per element the member's length as a
// LEB128 varint, its bytes, and the score: one tag byte below 0xf0 is an integer 0..239;
// 0xf0 + k is a k-byte little-endian signed integer (integral scores below 2^53); 0xff an
// 8-byte double.
struct packed_header {
    std::uint32_t bytes;
};

[[nodiscard]] inline std::size_t varint_size(std::size_t v) noexcept {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}
inline char* put_varint(char* p, std::size_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}
[[nodiscard]] inline std::size_t get_varint(const char*& p) noexcept {
    std::size_t v = 0;
    int shift = 0;
    for (;;) {
        const auto b = static_cast<unsigned char>(*p++);
        v |= static_cast<std::size_t>(b & 0x7f) << shift;
        if (b < 0x80) return v;
        shift += 7;
    }
}

// The integer a score is, when it is one that the compact tags can hold exactly.
[[nodiscard]] inline bool integral_score(double s, std::int64_t& out) noexcept {
    if (!(s > -9007199254740992.0 && s < 9007199254740992.0)) return false;
    const auto i = static_cast<std::int64_t>(s);
    if (static_cast<double>(i) != s) return false;
    if (i == 0) {
        std::uint64_t bits = 0; // -0 (the sign bit) needs the double form
        std::memcpy(&bits, &s, sizeof bits);
        if (bits != 0) return false;
    }
    out = i;
    return true;
}
[[nodiscard]] inline std::size_t score_size(double s) noexcept {
    std::int64_t i = 0;
    if (!integral_score(s, i)) return 9;
    if (i >= 0 && i < 0xf0) return 1;
    std::size_t k = 1;
    while (k < 8 && (i < -(std::int64_t{1} << (8 * k - 1)) || i >= (std::int64_t{1} << (8 * k - 1)))) ++k;
    return 1 + k;
}
inline char* put_score(char* p, double s) noexcept {
    std::int64_t i = 0;
    if (!integral_score(s, i)) {
        *p++ = static_cast<char>(0xff);
        std::memcpy(p, &s, 8);
        return p + 8;
    }
    if (i >= 0 && i < 0xf0) {
        *p++ = static_cast<char>(i);
        return p;
    }
    const std::size_t k = score_size(s) - 1;
    *p++ = static_cast<char>(0xf0 + k);
    auto u = static_cast<std::uint64_t>(i);
    for (std::size_t b = 0; b < k; ++b, u >>= 8) *p++ = static_cast<char>(u & 0xff);
    return p;
}
[[nodiscard]] inline double get_score(const char*& p) noexcept {
    const auto tag = static_cast<unsigned char>(*p++);
    if (tag < 0xf0) return tag;
    if (tag == 0xff) {
        double s = 0;
        std::memcpy(&s, p, 8);
        p += 8;
        return s;
    }
    const std::size_t k = tag - 0xf0u;
    std::uint64_t u = 0;
    for (std::size_t b = 0; b < k; ++b) u |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[b])) << (8 * b);
    p += k;
    if (k < 8 && (u >> (8 * k - 1)) & 1) u |= ~std::uint64_t{0} << (8 * k); // sign-extend
    return static_cast<double>(static_cast<std::int64_t>(u));
}

// One decoded element of the packed form, and where the next one starts.
struct packed_entry {
    std::string_view member;
    double score;
    const char* next;
};
[[nodiscard]] inline packed_entry read_entry(const char* p) noexcept {
    const std::size_t len = get_varint(p);
    const std::string_view member(p, len);
    p += len;
    const double score = get_score(p);
    return {member, score, p};
}

} // namespace sorted_set_detail

/// A sorted set: packed in one allocation (ordered (member, score) entries, linear lookups,
/// a score of -0 kept as 0) while small, as Redis's listpack encoding; else a skip list (order, ranks) plus a hash
/// index of its nodes by member (O(1) score lookups), as Redis's skiplist encoding. Forms
/// change only when the caller asks (insert with limits, to_skiplist, to_packed), so that the
/// encoding follows Redis 7.0's rules.
class sorted_set {
public:
    /// An empty packed set.
    sorted_set() noexcept = default;
    /// A copy in the same form.
    sorted_set(const sorted_set& other) {
        if (other.big_ptr()) {
            set_big(new big());
            for (const skiplist::node* n = other.big_ptr()->list.first(); n; n = n->next()) big_insert(n->member(), n->score());
        } else if (other.packed_ptr()) {
            const std::size_t bytes = other.header()->bytes;
            m_ptr = static_cast<char*>(::operator new(bytes));
            std::memcpy(m_ptr, other.m_ptr, bytes);
            m_count = other.m_count;
        }
    }
    /// Takes `other`'s elements, leaving it empty and packed.
    sorted_set(sorted_set&& other) noexcept
        : m_ptr(std::exchange(other.m_ptr, nullptr)), m_count(std::exchange(other.m_count, 0)) {}
    sorted_set& operator=(const sorted_set& other) {
        if (this != &other) {
            sorted_set copy(other);
            swap(copy);
        }
        return *this;
    }
    sorted_set& operator=(sorted_set&& other) noexcept {
        swap(other);
        return *this;
    }
    ~sorted_set() { clear(); }

    /// Exchanges contents with `other`.
    void swap(sorted_set& other) noexcept {
        std::swap(m_ptr, other.m_ptr);
        std::swap(m_count, other.m_count);
    }

    /// True in the packed form (OBJECT ENCODING "listpack"), false as a skip list ("skiplist").
    [[nodiscard]] bool packed() const noexcept { return big_ptr() == nullptr; }

    /// Number of members.
    [[nodiscard]] std::size_t size() const noexcept {
        if (big_ptr()) return big_ptr()->list.size();
        return m_count;
    }

    /// The member's score, or nullopt.
    [[nodiscard]] std::optional<double> score(std::string_view member) const noexcept {
        if (big_ptr()) {
            if (const skiplist::node* n = big_find(member)) return n->score();
            return std::nullopt;
        }
        for (const char* p = packed_begin(); p != packed_end();) {
            const auto e = sorted_set_detail::read_entry(p);
            if (e.member == member) return e.score;
            p = e.next;
        }
        return std::nullopt;
    }

    /// Adds a member that is not present, in the current form.
    void insert(std::string_view member, double score) {
        if (big_ptr())
            big_insert(member, score);
        else
            packed_insert(member, score);
    }

    /// Adds a member that is not present, turning a packed set into a skip list first when
    /// the member or the new size exceeds `limits` (Redis's zsetAdd).
    void insert(std::string_view member, double score, const zset_limits& limits) {
        if (!big_ptr() && (size() + 1 > limits.max_entries || member.size() > limits.max_value)) to_skiplist();
        insert(member, score);
    }

    /// Changes a present member's score.
    void update(std::string_view member, double new_score) {
        if (big_ptr()) {
            skiplist::node* n = big_find(member);
            assert(n != nullptr);
            big_ptr()->list.update_score(n->m_score, member, new_score);
            return;
        }
        const bool erased = packed_erase(member);
        assert(erased);
        (void)erased;
        packed_insert(member, new_score);
    }

    /// Removes a member; false when absent.
    bool erase(std::string_view member) {
        if (!big_ptr()) return packed_erase(member);
        const std::uint64_t h = hash_of(member);
        skiplist::node** slot = &big_ptr()->buckets[h & big_ptr()->mask];
        while (*slot && (*slot)->member() != member) slot = &(*slot)->m_chain;
        skiplist::node* n = *slot;
        if (!n) return false;
        *slot = n->m_chain;
        skiplist::node* unlinked = big_ptr()->list.unlink(n->m_score, member);
        assert(unlinked == n);
        (void)unlinked;
        skiplist::destroy_node(n);
        maybe_shrink();
        return true;
    }

    /// The 0-based ascending rank of a present member whose score is `score`.
    [[nodiscard]] std::size_t rank(std::string_view member, double score) const noexcept {
        if (big_ptr()) return big_ptr()->list.rank(score, member);
        std::size_t r = 0;
        for (const char* p = packed_begin(); p != packed_end(); ++r) {
            const auto e = sorted_set_detail::read_entry(p);
            if (e.member == member) return r;
            p = e.next;
        }
        return skiplist::npos;
    }

    /// How many leading elements satisfy before(score, member), which must hold for a prefix.
    template <class Before>
    [[nodiscard]] std::size_t count_while(Before&& before) const {
        if (big_ptr()) return big_ptr()->list.count_while([&](const skiplist::node& n) { return before(n.score(), n.member()); });
        std::size_t r = 0;
        for (const char* p = packed_begin(); p != packed_end(); ++r) {
            const auto e = sorted_set_detail::read_entry(p);
            if (!before(e.score, e.member)) break;
            p = e.next;
        }
        return r;
    }

    /// Calls f(member, score) for up to `n` elements from ascending rank `start`, walking down
    /// when `reverse`.
    template <class F>
    void visit(std::size_t start, std::size_t n, bool reverse, F&& f) const {
        if (big_ptr()) {
            const skiplist::node* x = big_ptr()->list.at(start);
            for (; x && n > 0; --n, x = reverse ? x->prev() : x->next()) f(x->member(), x->score());
            return;
        }
        if (start >= size() || n == 0) return;
        const char* p = packed_begin();
        if (!reverse) {
            for (std::size_t i = 0; i < start; ++i) p = sorted_set_detail::read_entry(p).next;
            for (; n > 0 && p != packed_end(); --n) {
                const auto e = sorted_set_detail::read_entry(p);
                f(e.member, e.score);
                p = e.next;
            }
            return;
        }
        // Downward: the element offsets up to `start`, walked back.
        std::vector<const char*> at;
        at.reserve(start + 1);
        for (std::size_t i = 0; i <= start; ++i) {
            at.push_back(p);
            p = sorted_set_detail::read_entry(p).next;
        }
        for (std::size_t i = start + 1; i-- > 0 && n > 0; --n) {
            const auto e = sorted_set_detail::read_entry(at[i]);
            f(e.member, e.score);
        }
    }

    /// Calls f(member, score) for every element in ascending order.
    template <class F>
    void for_each(F&& f) const {
        visit(0, size(), false, f);
    }

    /// One step of a scan: the packed form is returned whole (cursor 0, as Redis's listpack);
    /// the skip list in hash order, about `count` elements, with Redis's reverse-binary cursor
    /// (every element present for the whole scan is visited at least once across resizes).
    template <class F>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count, F&& f) const {
        if (!big_ptr()) {
            for_each(f);
            return 0;
        }
        if (count == 0) count = 1;
        std::uint64_t v = cursor;
        const std::uint64_t mask = big_ptr()->mask;
        std::size_t emitted = 0, steps = 0;
        do {
            for (const skiplist::node* n = big_ptr()->buckets[v & mask]; n; n = n->m_chain, ++emitted)
                f(n->member(), n->score());
            v |= ~mask;
            v = reverse_bits(v);
            ++v;
            v = reverse_bits(v);
        } while (v != 0 && emitted < count && ++steps < count * 10);
        return v;
    }

    /// Turns a packed set into a skip list (no-op when it is one).
    void to_skiplist() {
        if (big_ptr()) return;
        sorted_set big_form;
        big_form.set_big(new big());
        big_form.big_ptr()->reserve(size());
        for_each([&](std::string_view m, double s) { big_form.big_insert(m, s); });
        swap(big_form);
    }

    /// Turns a skip list into the packed form (no-op when packed).
    void to_packed() {
        if (!big_ptr()) return;
        std::size_t bytes = sizeof(sorted_set_detail::packed_header);
        for_each([&](std::string_view m, double s) { bytes += entry_bytes(m, s); });
        sorted_set small;
        small.m_ptr = static_cast<char*>(::operator new(bytes));
        char* p = small.m_ptr + sizeof(sorted_set_detail::packed_header);
        for_each([&](std::string_view m, double s) { p = put_entry(p, m, s); });
        const sorted_set_detail::packed_header h{static_cast<std::uint32_t>(bytes)};
        std::memcpy(small.m_ptr, &h, sizeof h);
        small.m_count = static_cast<std::uint32_t>(size());
        swap(small);
    }

    /// The longest member's length in bytes.
    [[nodiscard]] std::size_t max_member_size() const {
        std::size_t longest = 0;
        for_each([&](std::string_view m, double) { longest = m.size() > longest ? m.size() : longest; });
        return longest;
    }

    /// True when a packed form within `limits` would hold this set (Redis's
    /// zsetConvertToListpackIfNeeded test, with the longest member `max_member`).
    [[nodiscard]] bool fits(const zset_limits& limits, std::size_t max_member) const noexcept {
        return size() <= limits.max_entries && max_member <= limits.max_value && max_member <= packed_value_cap;
    }

    /// Bytes held on the heap (an estimate of the allocations' requested sizes).
    [[nodiscard]] std::size_t heap_bytes() const noexcept {
        if (!big_ptr()) return packed_ptr() ? header()->bytes : 0;
        std::size_t bytes = sizeof(big) + (big_ptr()->mask + 1) * sizeof(void*) + skiplist::node_bytes(0, skiplist::max_level);
        for (const skiplist::node* n = big_ptr()->list.first(); n; n = n->next())
            bytes += skiplist::node_bytes(n->m_size, n->m_levels);
        return bytes;
    }

    /// Iterates the elements in ascending order as (score, member) pairs.
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::pair<double, std::string_view>;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = value_type;

        const_iterator() noexcept = default;
        [[nodiscard]] value_type operator*() const noexcept {
            if (m_node) return {m_node->score(), m_node->member()};
            const auto e = sorted_set_detail::read_entry(m_at);
            return {e.score, e.member};
        }
        const_iterator& operator++() noexcept {
            if (m_node)
                m_node = m_node->next();
            else
                m_at = sorted_set_detail::read_entry(m_at).next;
            if (m_at == m_end) m_at = m_end = nullptr;
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            ++*this;
            return old;
        }
        [[nodiscard]] bool operator==(const const_iterator&) const noexcept = default;

    private:
        friend class sorted_set;
        const skiplist::node* m_node = nullptr;
        const char* m_at = nullptr;
        const char* m_end = nullptr;
    };
    /// The lowest element.
    [[nodiscard]] const_iterator begin() const noexcept {
        const_iterator it;
        if (big_ptr()) {
            it.m_node = big_ptr()->list.first();
        } else if (size() != 0) {
            it.m_at = packed_begin();
            it.m_end = packed_end();
        }
        return it;
    }
    /// Past the highest element.
    [[nodiscard]] const_iterator end() const noexcept { return {}; }

private:
    // Members longer than this never stay packed, whatever the limits (Redis's lpSafeToAdd
    // keeps a listpack under 1 GB; here the 32-bit header bounds the allocation).
    static constexpr std::size_t packed_value_cap = std::size_t{1} << 30;

    struct big {
        skiplist list;
        skiplist::node** buckets = nullptr;
        std::uint64_t mask = 0;

        big() : buckets(new skiplist::node*[1]()), mask(0) {}
        big(const big&) = delete;
        big& operator=(const big&) = delete;
        ~big() { delete[] buckets; }
        void reserve(std::size_t n) {
            std::uint64_t want = 1;
            while (want < n) want <<= 1;
            if (want > mask + 1) rehash(want);
        }
        void rehash(std::uint64_t count) {
            auto** fresh = new skiplist::node*[count]();
            const std::uint64_t fresh_mask = count - 1;
            for (std::uint64_t b = 0; b <= mask; ++b) {
                for (skiplist::node* n = buckets[b]; n;) {
                    skiplist::node* next = n->m_chain;
                    skiplist::node*& head = fresh[hash_of(n->member()) & fresh_mask];
                    n->m_chain = head;
                    head = n;
                    n = next;
                }
            }
            delete[] buckets;
            buckets = fresh;
            mask = fresh_mask;
        }
    };

    // One pointer for both forms, so that a sorted set fits in store::value's inline storage:
    // the packed block (nullptr: empty), or the skip list form when m_count is big_mark.
    static constexpr std::uint32_t big_mark = 0xffffffffu; // no packed block holds that many
    respkit::detail::packed_pointer<char> m_ptr;
    std::uint32_t m_count = 0; // the packed form's element count, or big_mark

    [[nodiscard]] big* big_ptr() const noexcept {
        return m_count == big_mark ? reinterpret_cast<big*>(m_ptr.get()) : nullptr;
    }
    [[nodiscard]] char* packed_ptr() const noexcept { return m_count == big_mark ? nullptr : m_ptr.get(); }
    void set_big(big* b) noexcept {
        m_ptr = reinterpret_cast<char*>(b);
        m_count = big_mark;
    }

    [[nodiscard]] static std::uint64_t hash_of(std::string_view member) noexcept {
        static const std::uint64_t seed = process_seed() ^ 0x5bd1e9955bd1e995ull;
        return hash_bytes(member, seed);
    }
    [[nodiscard]] static std::uint64_t reverse_bits(std::uint64_t v) noexcept {
        v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
        v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
        v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
        v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
        v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
        return (v >> 32) | (v << 32);
    }

    void clear() noexcept {
        delete big_ptr();
        ::operator delete(static_cast<void*>(packed_ptr()));
        m_ptr = nullptr;
        m_count = 0;
    }

    [[nodiscard]] skiplist::node* big_find(std::string_view member) const noexcept {
        skiplist::node* n = big_ptr()->buckets[hash_of(member) & big_ptr()->mask];
        while (n && n->member() != member) n = n->m_chain;
        return n;
    }
    void big_insert(std::string_view member, double score) {
        skiplist& list = big_ptr()->list;
        if (list.size() + 1 > big_ptr()->mask + 1) big_ptr()->rehash((big_ptr()->mask + 1) * 2);
        skiplist::node* n = skiplist::make_node(score, member, list.random_level());
        list.link(n);
        skiplist::node*& head = big_ptr()->buckets[hash_of(member) & big_ptr()->mask];
        n->m_chain = head;
        head = n;
    }
    void maybe_shrink() {
        // Halve when under an eighth full, as Redis's dict shrinks below 10% use.
        const std::uint64_t buckets = big_ptr()->mask + 1;
        if (buckets > 4 && big_ptr()->list.size() < buckets / 8) big_ptr()->rehash(buckets / 2);
    }

    [[nodiscard]] const sorted_set_detail::packed_header* header() const noexcept {
        return reinterpret_cast<const sorted_set_detail::packed_header*>(packed_ptr());
    }
    [[nodiscard]] const char* packed_begin() const noexcept {
        return packed_ptr() ? packed_ptr() + sizeof(sorted_set_detail::packed_header) : nullptr;
    }
    [[nodiscard]] const char* packed_end() const noexcept { return packed_ptr() ? packed_ptr() + header()->bytes : nullptr; }

    [[nodiscard]] static std::size_t entry_bytes(std::string_view m, double s) noexcept {
        return sorted_set_detail::varint_size(m.size()) + m.size() + sorted_set_detail::score_size(packed_score(s));
    }
    // The packed form keeps -0 as 0, as Redis's listpack does (the skip list keeps the sign).
    [[nodiscard]] static double packed_score(double s) noexcept { return s == 0 ? 0.0 : s; }
    static char* put_entry(char* p, std::string_view m, double s) noexcept {
        s = packed_score(s);
        p = sorted_set_detail::put_varint(p, m.size());
        if (!m.empty()) std::memcpy(p, m.data(), m.size());
        return sorted_set_detail::put_score(p + m.size(), s);
    }

    // Rebuilds the packed allocation with [cut, cut + removed) replaced by `entry` bytes.
    void packed_splice(std::size_t cut, std::size_t removed, std::string_view member, double score, bool add) {
        const std::size_t old_bytes = packed_ptr() ? header()->bytes : sizeof(sorted_set_detail::packed_header);
        const std::size_t old_count = m_count;
        const std::size_t added = add ? entry_bytes(member, score) : 0;
        const std::size_t bytes = old_bytes - removed + added;
        const std::size_t count = old_count + (add ? 1 : 0) - (removed ? 1 : 0);
        if (count == 0) {
            ::operator delete(static_cast<void*>(packed_ptr()));
            m_ptr = nullptr;
            m_count = 0;
            return;
        }
        char* fresh = static_cast<char*>(::operator new(bytes));
        if (packed_ptr()) std::memcpy(fresh, packed_ptr(), cut);
        if (add) put_entry(fresh + cut, member, score);
        if (packed_ptr()) std::memcpy(fresh + cut + added, packed_ptr() + cut + removed, old_bytes - cut - removed);
        const sorted_set_detail::packed_header h{static_cast<std::uint32_t>(bytes)};
        std::memcpy(fresh, &h, sizeof h);
        ::operator delete(static_cast<void*>(packed_ptr()));
        m_ptr = fresh;
        m_count = static_cast<std::uint32_t>(count);
    }
    void packed_insert(std::string_view member, double score) {
        score = packed_score(score);
        const char* p = packed_begin();
        for (; p != packed_end();) {
            const auto e = sorted_set_detail::read_entry(p);
            if (e.score > score || (e.score == score && e.member > member)) break;
            p = e.next;
        }
        const std::size_t cut = packed_ptr() ? static_cast<std::size_t>(p - packed_ptr()) : sizeof(sorted_set_detail::packed_header);
        packed_splice(cut, 0, member, score, true);
    }
    bool packed_erase(std::string_view member) {
        for (const char* p = packed_begin(); p != packed_end();) {
            const auto e = sorted_set_detail::read_entry(p);
            if (e.member == member) {
                packed_splice(static_cast<std::size_t>(p - packed_ptr()), static_cast<std::size_t>(e.next - p), {}, 0, false);
                return true;
            }
            p = e.next;
        }
        return false;
    }
};

} // namespace respkit::store

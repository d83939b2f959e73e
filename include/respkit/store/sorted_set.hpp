#pragma once

/// \file
/// respkit::store::skiplist and sorted_set: members ordered by (score, member bytes) with
/// O(log n) insert, erase, rank and range starts, for the sorted-set commands.

#include <respkit/store/hash_map.hpp>
#include <respkit/version.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A skip list of (score, member) pairs, ascending by score then by member bytes, whose
/// links carry spans (how many elements they pass over) so that rank lookups and
/// "element at rank" are O(log n) expected. Members must be unique (the caller's map
/// guarantees it); scores are never NaN.
class skiplist {
public:
    static constexpr int max_level = 32; ///< enough for 4^32 elements at p = 1/4

    /// One element. Walk with next() and prev().
    class node {
    public:
        /// The member's bytes.
        [[nodiscard]] std::string_view member() const noexcept { return m_member; }
        /// The score.
        [[nodiscard]] double score() const noexcept { return m_score; }
        /// The next element in ascending order, or nullptr.
        [[nodiscard]] const node* next() const noexcept { return links()[0].forward; }
        /// The previous element, or nullptr.
        [[nodiscard]] const node* prev() const noexcept { return m_backward; }

    private:
        friend class skiplist;
        struct link {
            node* forward = nullptr;
            std::size_t span = 0;
        };
        node(double score, std::string_view member) : m_member(member), m_score(score) {}
        [[nodiscard]] link* links() noexcept {
            return reinterpret_cast<link*>(reinterpret_cast<char*>(this) + sizeof(node));
        }
        [[nodiscard]] const link* links() const noexcept {
            return reinterpret_cast<const link*>(reinterpret_cast<const char*>(this) + sizeof(node));
        }

        std::string m_member;
        double m_score;
        node* m_backward = nullptr;
    };

    /// An empty list.
    skiplist() : m_head(make_node(0, {}, max_level)) {}
    /// A copy.
    skiplist(const skiplist& other) : skiplist() {
        for (const node* n = other.first(); n; n = n->next()) push_back_ordered(n->score(), n->member());
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
        node* n = m_head->links()[0].forward;
        while (n) {
            node* next = n->links()[0].forward;
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
    [[nodiscard]] const node* first() const noexcept { return m_head ? m_head->links()[0].forward : nullptr; }
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
    const node* insert(double score, std::string_view member) {
        node* update[max_level];
        std::size_t rank[max_level];
        node* x = m_head;
        for (int i = m_level - 1; i >= 0; --i) {
            rank[i] = i == m_level - 1 ? 0 : rank[i + 1];
            while (x->links()[i].forward && less(x->links()[i].forward, score, member)) {
                rank[i] += x->links()[i].span;
                x = x->links()[i].forward;
            }
            update[i] = x;
        }
        const int levels = random_level();
        if (levels > m_level) {
            for (int i = m_level; i < levels; ++i) {
                rank[i] = 0;
                update[i] = m_head;
                update[i]->links()[i].span = m_size;
            }
            m_level = levels;
        }
        node* n = make_node(score, member, levels);
        for (int i = 0; i < levels; ++i) {
            n->links()[i].forward = update[i]->links()[i].forward;
            update[i]->links()[i].forward = n;
            n->links()[i].span = update[i]->links()[i].span - (rank[0] - rank[i]);
            update[i]->links()[i].span = (rank[0] - rank[i]) + 1;
        }
        for (int i = levels; i < m_level; ++i) ++update[i]->links()[i].span;
        n->m_backward = update[0] == m_head ? nullptr : update[0];
        if (n->links()[0].forward)
            n->links()[0].forward->m_backward = n;
        else
            m_tail = n;
        ++m_size;
        return n;
    }

    /// Removes (score, member). Returns false when absent. O(log n) expected.
    bool erase(double score, std::string_view member) {
        node* update[max_level];
        node* x = m_head;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i].forward && less(x->links()[i].forward, score, member)) x = x->links()[i].forward;
            update[i] = x;
        }
        x = x->links()[0].forward;
        if (!x || x->m_score != score || x->m_member != member) return false;
        unlink(x, update);
        destroy_node(x);
        return true;
    }

    /// Changes the score of (score, member), which must be present, to `new_score`.
    void update_score(double score, std::string_view member, double new_score) {
        node* update[max_level];
        node* x = m_head;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i].forward && less(x->links()[i].forward, score, member)) x = x->links()[i].forward;
            update[i] = x;
        }
        x = x->links()[0].forward;
        assert(x && x->m_score == score && x->m_member == member);
        // Stays in place when its neighbours still bracket it: no relinking needed.
        const node* next = x->links()[0].forward;
        const node* prev = x->m_backward;
        if ((!prev || less(prev, new_score, member)) && (!next || less(new_score, member, next))) {
            x->m_score = new_score;
            return;
        }
        std::string owned = std::move(x->m_member);
        unlink(x, update);
        destroy_node(x);
        insert(new_score, owned);
    }

    /// The 0-based rank of (score, member), or npos when absent. O(log n) expected.
    [[nodiscard]] std::size_t rank(double score, std::string_view member) const noexcept {
        const node* x = m_head;
        std::size_t r = 0;
        for (int i = m_level - 1; i >= 0; --i) {
            while (x->links()[i].forward && !less(score, member, x->links()[i].forward)) {
                r += x->links()[i].span;
                x = x->links()[i].forward;
            }
            if (x != m_head && x->m_score == score && x->m_member == member) return r - 1;
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
            while (x->links()[i].forward && traversed + x->links()[i].span <= target) {
                traversed += x->links()[i].span;
                x = x->links()[i].forward;
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
            while (x->links()[i].forward && before(*x->links()[i].forward)) {
                r += x->links()[i].span;
                x = x->links()[i].forward;
            }
        }
        return r;
    }

    /// Not a rank.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    node* m_head = nullptr;
    node* m_tail = nullptr;
    std::size_t m_size = 0;
    int m_level = 1;
    std::uint64_t m_random = 0x9e3779b97f4a7c15ull;

    skiplist(skiplist&& other, std::nullptr_t) noexcept
        : m_head(std::exchange(other.m_head, nullptr)), m_tail(std::exchange(other.m_tail, nullptr)),
          m_size(std::exchange(other.m_size, 0)), m_level(std::exchange(other.m_level, 1)), m_random(other.m_random) {}

    static bool less(const node* a, double score, std::string_view member) noexcept {
        return a->m_score < score || (a->m_score == score && std::string_view(a->m_member) < member);
    }
    static bool less(double score, std::string_view member, const node* b) noexcept {
        return score < b->m_score || (score == b->m_score && member < std::string_view(b->m_member));
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

    static node* make_node(double score, std::string_view member, int levels) {
        void* raw = ::operator new(sizeof(node) + sizeof(node::link) * static_cast<std::size_t>(levels));
        node* n = new (raw) node(score, member);
        for (int i = 0; i < levels; ++i) new (n->links() + i) node::link{};
        return n;
    }
    static void destroy_node(node* n) noexcept {
        n->~node();
        ::operator delete(static_cast<void*>(n));
    }

    // Appends an element known to sort after every present one (copying).
    void push_back_ordered(double score, std::string_view member) { insert(score, member); }

    void unlink(node* x, node** update) noexcept {
        for (int i = 0; i < m_level; ++i) {
            if (update[i]->links()[i].forward == x) {
                update[i]->links()[i].span += x->links()[i].span - 1;
                update[i]->links()[i].forward = x->links()[i].forward;
            } else {
                --update[i]->links()[i].span;
            }
        }
        if (x->links()[0].forward)
            x->links()[0].forward->m_backward = x->m_backward;
        else
            m_tail = x->m_backward;
        while (m_level > 1 && !m_head->links()[m_level - 1].forward) --m_level;
        --m_size;
    }
};

/// A sorted set: member -> score for O(1) lookups, plus a skiplist for order and ranks.
struct sorted_set {
    hash_map<double> scores; ///< member -> score
    skiplist ordered;        ///< (score, member), ascending

    /// Number of members.
    [[nodiscard]] std::size_t size() const noexcept { return ordered.size(); }
    /// The member's score, or nullptr.
    [[nodiscard]] const double* score(std::string_view member) const noexcept { return scores.find(member); }
    /// Adds a member that is not present.
    void insert(std::string_view member, double score) {
        scores.try_emplace(member, score);
        ordered.insert(score, member);
    }
    /// Changes a present member's score.
    void update(std::string_view member, double new_score) {
        double* s = scores.find(member);
        assert(s != nullptr);
        ordered.update_score(*s, member, new_score);
        *s = new_score;
    }
    /// Removes a member; false when absent.
    bool erase(std::string_view member) {
        const double* s = scores.find(member);
        if (!s) return false;
        ordered.erase(*s, member);
        scores.erase(member);
        return true;
    }
};

} // namespace respkit::store

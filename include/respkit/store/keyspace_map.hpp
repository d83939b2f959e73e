#pragma once

/// \file
/// The keyspace_map concept (what the keyspace needs from its map) and an adapter that
/// lets std::unordered_map serve as one.

#include <respkit/store/hash.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

namespace detail {
/// A visitor type used only to state the concept's requirements.
template <class V>
struct map_visitor_probe {
    void operator()(std::string_view, const V&) const noexcept {}
};

/// What keyspace_map's random_key may return: a pointer to the key (nullptr when empty)
/// or an optional view of it.
template <class R>
concept random_key_result =
    std::same_as<R, const std::string*> || std::same_as<R, std::optional<std::string_view>>;

/// The key `random_key` returned, as an optional view.
[[nodiscard]] inline std::optional<std::string_view> as_key_view(const std::string* key) noexcept {
    if (key == nullptr) return std::nullopt;
    return std::string_view(*key);
}

/// The key `random_key` returned, as an optional view.
[[nodiscard]] inline std::optional<std::string_view> as_key_view(std::optional<std::string_view> key) noexcept {
    return key;
}
} // namespace detail

/// A map from byte-string keys to `M::mapped_type`, as the keyspace uses it.
///
/// Required expressions, for `M m`, `const M cm`, `std::string_view k`,
/// `std::uint64_t u`, `std::size_t n` and a visitor `f(std::string_view, const V&)`:
/// - `M::mapped_type` (`V`); `M` is default-constructible and movable.
/// - `m.find(k)` -> `V*`, `cm.find(k)` -> `const V*`: the value or nullptr; no allocation.
/// - `m.try_emplace(k)` -> `std::pair<V*, bool>`: inserts a default `V` if absent.
/// - `m.erase(k)` -> `bool`: removed or not.
/// - `cm.size()` -> `std::size_t`; `m.clear()`.
/// - `cm.for_each(f)`: visits every element.
/// - `cm.scan(u, n, f)` -> `std::uint64_t`: one SCAN step from cursor `u` visiting about
///   `n` elements, returning the next cursor (0 = done). Every element present for the
///   whole scan must be visited at least once, whatever happens to the map's size
///   between steps; duplicates are allowed.
/// - `cm.random_key(u)` -> `const std::string*` or `std::optional<std::string_view>`: a
///   random element's key chosen using the random bits `u` (as uniformly as the map can),
///   or nullptr / nullopt when empty.
///
/// Values returned by find and try_emplace may be invalidated by the next insertion or
/// erasure.
template <class M>
concept keyspace_map = std::default_initializable<M> && std::movable<M> &&
    requires(M& m, const M& cm, std::string_view key, std::uint64_t u, std::size_t n,
             detail::map_visitor_probe<typename M::mapped_type> visit) {
    typename M::mapped_type;
    { m.find(key) } -> std::same_as<typename M::mapped_type*>;
    { cm.find(key) } -> std::same_as<const typename M::mapped_type*>;
    { m.try_emplace(key) } -> std::same_as<std::pair<typename M::mapped_type*, bool>>;
    { m.erase(key) } -> std::same_as<bool>;
    { cm.size() } -> std::same_as<std::size_t>;
    m.clear();
    cm.for_each(visit);
    { cm.scan(u, n, visit) } -> std::same_as<std::uint64_t>;
    { cm.random_key(u) } -> detail::random_key_result;
};

/// keyspace_map over std::unordered_map<std::string, V> (with respkit's seeded hash and
/// heterogeneous lookup). SCAN walks elements in hash order, which costs O(size) per
/// step; it exists for comparison and for users who want the standard container.
template <class V>
class std_map_adapter {
public:
    using mapped_type = V; ///< value type
    /// The wrapped container.
    using container_type = std::unordered_map<std::string, V, byte_hash, std::equal_to<>>;

    /// An empty map with a per-process random hash seed.
    std_map_adapter() = default;

    /// An empty map with an explicit hash seed.
    explicit std_map_adapter(std::uint64_t seed) : m_map(0, byte_hash{seed}) {}

    /// The value under `key`, or nullptr.
    [[nodiscard]] V* find(std::string_view key) {
        auto it = m_map.find(key);
        return it == m_map.end() ? nullptr : &it->second;
    }

    /// The value under `key`, or nullptr.
    [[nodiscard]] const V* find(std::string_view key) const {
        auto it = m_map.find(key);
        return it == m_map.end() ? nullptr : &it->second;
    }

    /// Inserts `key` with a value built from `args` if absent; returns the value and
    /// whether it was inserted.
    template <class... Args>
    std::pair<V*, bool> try_emplace(std::string_view key, Args&&... args) {
        if (auto it = m_map.find(key); it != m_map.end()) return {&it->second, false};
        auto [it, inserted] = m_map.try_emplace(std::string(key), std::forward<Args>(args)...);
        return {&it->second, inserted};
    }

    /// Removes `key`; returns true if it was present.
    bool erase(std::string_view key) {
        auto it = m_map.find(key);
        if (it == m_map.end()) return false;
        m_map.erase(it);
        return true;
    }

    /// Number of elements.
    [[nodiscard]] std::size_t size() const noexcept { return m_map.size(); }

    /// Removes all elements.
    void clear() noexcept { m_map.clear(); }

    /// Calls `f(std::string_view key, V& value)` for every element.
    template <class F>
    void for_each(F&& f) {
        for (auto& [key, value] : m_map)
            f(std::string_view(key), value);
    }

    /// Calls `f(std::string_view key, const V& value)` for every element.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& [key, value] : m_map)
            f(std::string_view(key), value);
    }

    /// One SCAN step (see keyspace_map): the cursor is a threshold on the 64-bit hash;
    /// each step visits the elements with the next smallest hashes at or above it: at
    /// least `count`, and at least 1/32 of the map so a whole scan costs O(32 * size).
    template <class Visitor>
    [[nodiscard]] std::uint64_t scan(std::uint64_t cursor, std::size_t count,
                                     Visitor&& visit) const {
        if (m_map.empty()) return 0;
        count = std::max({count, m_map.size() / 32, std::size_t{1}});
        std::vector<std::uint64_t> hashes;
        for (const auto& element : m_map) {
            const std::uint64_t h = hash_of(element.first);
            if (h >= cursor) hashes.push_back(h);
        }
        std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
        if (hashes.size() > count) {
            std::nth_element(hashes.begin(),
                             hashes.begin() + static_cast<std::ptrdiff_t>(count - 1), hashes.end());
            limit = hashes[count - 1];
        }
        for (const auto& [key, value] : m_map) {
            const std::uint64_t h = hash_of(key);
            if (h >= cursor && h <= limit) visit(std::string_view(key), value);
        }
        return limit == std::numeric_limits<std::uint64_t>::max() ? 0 : limit + 1;
    }

    /// A random element's key (random bucket, then a random position in its chain), or
    /// nullptr when empty.
    [[nodiscard]] const std::string* random_key(std::uint64_t random) const {
        if (m_map.empty()) return nullptr;
        const std::size_t buckets = m_map.bucket_count();
        for (int attempt = 0; attempt < 64; ++attempt) {
            const std::size_t b = static_cast<std::size_t>(random % buckets);
            if (const std::size_t n = m_map.bucket_size(b); n != 0) {
                auto it = m_map.begin(b);
                std::advance(it, static_cast<std::ptrdiff_t>((random >> 32) % n));
                return &it->first;
            }
            random = detail::splitmix64(random);
        }
        auto it = m_map.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(random % m_map.size()));
        return &it->first;
    }

    /// The wrapped container.
    [[nodiscard]] const container_type& container() const noexcept { return m_map; }

private:
    container_type m_map;

    [[nodiscard]] std::uint64_t hash_of(std::string_view key) const noexcept {
        return hash_bytes(key, m_map.hash_function().seed);
    }
};

} // namespace respkit::store

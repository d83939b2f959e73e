#pragma once

/// \file
/// respkit::store eviction: Redis 7.0's maxmemory policies and its sampled approximations
/// (the eviction pool of 16 candidates filled from `samples` random keys per database), choosing
/// and removing one key at a time from a keyspace. How much to free is the caller's business.

#include <respkit/store/access.hpp>
#include <respkit/version.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// maxmemory-policy.
enum class eviction_policy : std::uint8_t {
    noeviction,      ///< evict nothing (writes that may grow memory are refused)
    allkeys_lru,     ///< least recently used among every key
    volatile_lru,    ///< least recently used among keys with a TTL
    allkeys_lfu,     ///< least frequently used among every key
    volatile_lfu,    ///< least frequently used among keys with a TTL
    allkeys_random,  ///< a random key
    volatile_random, ///< a random key with a TTL
    volatile_ttl,    ///< the key with a TTL that expires soonest
};

namespace eviction_detail {
struct named_policy {
    std::string_view name;
    eviction_policy policy;
};
inline constexpr named_policy policy_names[] = {
    {"noeviction", eviction_policy::noeviction},         {"allkeys-lru", eviction_policy::allkeys_lru},
    {"volatile-lru", eviction_policy::volatile_lru},     {"allkeys-lfu", eviction_policy::allkeys_lfu},
    {"volatile-lfu", eviction_policy::volatile_lfu},     {"allkeys-random", eviction_policy::allkeys_random},
    {"volatile-random", eviction_policy::volatile_random}, {"volatile-ttl", eviction_policy::volatile_ttl},
};
} // namespace eviction_detail

/// The policy maxmemory-policy calls `name` ("allkeys-lru"), or nullopt.
[[nodiscard]] constexpr std::optional<eviction_policy> eviction_policy_named(std::string_view name) noexcept {
    for (const auto& p : eviction_detail::policy_names) {
        if (p.name == name) return p.policy;
    }
    return std::nullopt;
}

/// maxmemory-policy's name for `policy`.
[[nodiscard]] constexpr std::string_view eviction_policy_name(eviction_policy policy) noexcept {
    for (const auto& p : eviction_detail::policy_names) {
        if (p.policy == policy) return p.name;
    }
    return "noeviction";
}

/// The access tracking `policy` ranks keys by: LFU for the LFU policies, else LRU.
[[nodiscard]] constexpr access_mode access_mode_for(eviction_policy policy) noexcept {
    return policy == eviction_policy::allkeys_lfu || policy == eviction_policy::volatile_lfu ? access_mode::lfu
                                                                                             : access_mode::lru;
}

/// True when `policy` chooses only among keys with a TTL.
[[nodiscard]] constexpr bool evicts_volatile_only(eviction_policy policy) noexcept {
    return policy == eviction_policy::volatile_lru || policy == eviction_policy::volatile_lfu ||
           policy == eviction_policy::volatile_random || policy == eviction_policy::volatile_ttl;
}

/// Chooses keys to evict as Redis does and removes them (keyspace::evict). Holds the eviction
/// pool between calls, so that good candidates found by one sampling are kept for the next.
class evictor {
public:
    static constexpr std::size_t pool_size = 16; ///< candidates kept (Redis's EVPOOL_SIZE)

    /// Evicts one key of `keyspace` chosen by `policy`, sampling `samples` keys per database
    /// (maxmemory-samples). Returns false when there is nothing to evict (noeviction, or no key
    /// the policy may choose).
    template <class Keyspace>
    bool evict_one(Keyspace& keyspace, eviction_policy policy, std::size_t samples) {
        if (policy == eviction_policy::noeviction) return false;
        const bool volatile_only = evicts_volatile_only(policy);
        if (samples == 0) samples = 1;
        if (policy == eviction_policy::allkeys_random || policy == eviction_policy::volatile_random) {
            // Databases in turn, as Redis: one random key of the next one that has candidates.
            for (std::size_t i = 0; i < keyspace.db_count(); ++i) {
                const std::size_t db = m_next_db = (m_next_db + 1) % keyspace.db_count();
                std::string chosen;
                bool found = false;
                keyspace.sample(db, volatile_only, 1, [&](std::string_view key, const auto&, std::int64_t) {
                    chosen.assign(key);
                    found = true;
                });
                if (found) return keyspace.evict(db, chosen);
            }
            return false;
        }
        for (;;) {
            std::size_t total = 0;
            for (std::size_t db = 0; db < keyspace.db_count(); ++db) {
                if (const std::size_t n = candidates(keyspace, db, volatile_only); n != 0) {
                    populate(keyspace, db, policy, volatile_only, samples);
                    total += n;
                }
            }
            if (total == 0) return false;
            // The best candidate last; one deleted or changed since it was sampled is skipped.
            for (std::size_t k = pool_size; k-- > 0;) {
                candidate& c = m_pool[k];
                if (!c.used) continue;
                c.used = false;
                if (c.db >= keyspace.db_count()) continue; // from another keyspace
                const auto* e = keyspace.map(c.db).find(c.key);
                if (e == nullptr || (volatile_only && !keyspace.expiry_of_entry(c.db, *e))) continue;
                return keyspace.evict(c.db, c.key);
            }
        }
    }

    /// Forgets the pool (the policy changed).
    void reset() noexcept {
        for (candidate& c : m_pool) c.used = false;
    }

private:
    struct candidate {
        std::uint64_t score = 0; // higher: a better candidate
        std::size_t db = 0;
        std::string key;
        bool used = false;
    };

    template <class Keyspace>
    static std::size_t candidates(const Keyspace& keyspace, std::size_t db, bool volatile_only) {
        return volatile_only ? keyspace.expires_count(db) : keyspace.size(db);
    }

    template <class Keyspace>
    void populate(Keyspace& keyspace, std::size_t db, eviction_policy policy, bool volatile_only, std::size_t samples) {
        keyspace.sample(db, volatile_only, samples, [&](std::string_view key, const auto& e, std::int64_t at_ms) {
            std::uint64_t score = 0;
            if (policy == eviction_policy::volatile_ttl)
                score = std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(at_ms);
            else if (access_mode_for(policy) == access_mode::lfu)
                score = 255u - keyspace.frequency(e);
            else
                score = keyspace.idle_ms(e);
            insert(score, db, key);
        });
    }

    // As Redis: the used entries are on the left, by ascending score (the best on the right); a
    // full pool drops its leftmost (worst) candidate for a better one. A key sampled twice may be in
    // it twice (as in Redis): the second copy is skipped as gone when its turn comes.
    void insert(std::uint64_t score, std::size_t db, std::string_view key) {
        std::size_t k = 0;
        while (k < pool_size && m_pool[k].used && m_pool[k].score < score) ++k;
        if (k == 0 && m_pool[pool_size - 1].used) return; // worse than every candidate of a full pool
        if (k < pool_size && !m_pool[k].used) {
            // an empty slot: nothing to move
        } else if (!m_pool[pool_size - 1].used) {
            // room on the right: shift [k, end-1) one step right
            candidate spare = std::move(m_pool[pool_size - 1]);
            for (std::size_t i = pool_size - 1; i > k; --i) m_pool[i] = std::move(m_pool[i - 1]);
            m_pool[k] = std::move(spare);
        } else {
            // full: drop the leftmost, shift [1, k) one step left, insert at k-1
            --k;
            candidate spare = std::move(m_pool[0]);
            for (std::size_t i = 0; i < k; ++i) m_pool[i] = std::move(m_pool[i + 1]);
            m_pool[k] = std::move(spare);
        }
        candidate& c = m_pool[k];
        c.score = score;
        c.db = db;
        c.key.assign(key); // reuses the slot's string capacity
        c.used = true;
    }

    std::array<candidate, pool_size> m_pool{};
    std::size_t m_next_db = 0;
};

} // namespace respkit::store

#pragma once

/// \file
/// respkit::store::keyspace: numbered databases of typed values with expiry (lazy and
/// active), statistics and change observers, over a pluggable map and clock.

#include <respkit/error.hpp>
#include <respkit/glob.hpp>
#include <respkit/store/access.hpp>
#include <respkit/store/clock.hpp>
#include <respkit/store/encoding.hpp>
#include <respkit/store/hash.hpp>
#include <respkit/store/hash_map.hpp>
#include <respkit/store/keyspace_map.hpp>
#include <respkit/store/node_map.hpp>
#include <respkit/store/slot_index.hpp>
#include <respkit/store/value.hpp>
#include <respkit/version.hpp>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// What the keyspace stores under each key (28 bytes, next to the key in node_map's node):
/// the value, the position of the key's expiry record when it has a TTL (the expiry time
/// itself lives in that record, off the entry), and the access field.
struct entry {
    static constexpr std::uint32_t no_ttl = 0xffffffffu; ///< ttl_slot of a persistent key

    store::value data;               ///< the value
    std::uint32_t ttl_slot = no_ttl; ///< index into the db's expiry records, or no_ttl
    std::uint32_t access = 0;        ///< LRU clock or LFU counter of the last access (store/access.hpp)
};

/// What happened to a key, as reported to observers.
enum class key_event : std::uint8_t {
    modified, ///< written by the keyspace (set, expiry change, rename target) or notify_modified
    deleted,  ///< removed by erase or as a rename source
    expired,  ///< removed because its TTL passed (lazily on access or by active expiry)
    flushed,  ///< the whole database is about to be emptied (the key is empty)
    evicted,  ///< about to be removed to free memory (maxmemory)
    created,  ///< a key about to be added (before its modified); only with report_creations_and_misses
    missed,   ///< a read lookup found no key; only with report_creations_and_misses
};

/// An observer: called when the keyspace changes `key` in database `db` (after a write;
/// just before the removal for deleted and expired). It must not modify the keyspace;
/// `key` is valid only during the call.
using key_observer = void (*)(void* context, key_event event, std::size_t db, std::string_view key);

/// Construction options.
struct keyspace_options {
    std::size_t databases = 16; ///< number of databases (SELECT 0 .. databases-1)
    std::uint64_t seed = 0;     ///< hash and sampling seed; 0 picks a per-process random one
};

/// Counters for INFO stats.
struct keyspace_stats {
    std::uint64_t expired_keys = 0;    ///< keys removed because their TTL passed
    std::uint64_t evicted_keys = 0;    ///< keys removed to free memory (evict)
    std::uint64_t keyspace_hits = 0;   ///< read lookups that found a key
    std::uint64_t keyspace_misses = 0; ///< read lookups that found none
};

/// One line of INFO keyspace: `db0:keys=1,expires=0,avg_ttl=0`.
struct db_info {
    std::size_t keys = 0;    ///< keys stored (expired ones not yet removed included, as DBSIZE)
    std::size_t expires = 0; ///< keys with a TTL
    std::int64_t avg_ttl =
        0; ///< estimated average remaining TTL in ms (from active expiry samples)
};

/// Result of a typed lookup: `found` is null when the key is missing or has another kind
/// (`error` == errc::wrong_type); `created` tells whether find_or_create made it.
template <class T>
struct lookup_result {
    T* found = nullptr;    ///< the value, or nullptr
    std::error_code error; ///< errc::wrong_type when the key holds another kind
    bool created = false;  ///< find_or_create: the key was created empty
};

/// Expiry state of a key.
struct key_expiry {
    bool exists = false;               ///< the key exists
    std::optional<std::int64_t> at_ms; ///< absolute Unix ms when it expires, if it has a TTL
};

/// Result of rename.
struct rename_result {
    std::error_code error; ///< errc::no_such_key when the source does not exist
    bool renamed = false;  ///< false on error, or with `nx` when the target exists
};

/// SCAN's options.
struct scan_options {
    std::size_t count = 10;         ///< COUNT: about how many keys to look at
    std::string_view pattern = "*"; ///< MATCH pattern ("*" = all)
    std::optional<value_kind> type; ///< TYPE filter
};

/// A scan filter that accepts everything.
struct accept_all {
    /// Always true.
    constexpr bool operator()(std::string_view, const value&) const noexcept { return true; }
};

/// Tuning of active_expire_cycle.
struct expire_cycle_options {
    std::size_t keys_per_loop = 20; ///< keys sampled per round
    unsigned stale_percent = 25;    ///< keep sampling a db while more than this % expired
};

/// What one active_expire_cycle did.
struct expire_cycle_result {
    std::size_t sampled = 0; ///< keys looked at
    std::size_t expired = 0; ///< keys removed
    bool timed_out = false;  ///< stopped because the time budget ran out
};

/// A keyspace_map whose nodes can carry extra bytes (node_map): the keyspace can keep a
/// per-slot key index over it (enable_slot_index).
template <class M>
concept slot_indexable_map = keyspace_map<M> && requires(M& m, const M& cm, const typename M::mapped_type* v,
                                                         const void* extra) {
    { m.set_node_extra(std::size_t{}) } -> std::same_as<bool>;
    { cm.node_extra() } -> std::same_as<std::size_t>;
    { cm.extra_of(v) } -> std::same_as<void*>;
    { cm.key_of_extra(extra) } -> std::same_as<std::string_view>;
};

/// Numbered databases of typed values with expiry, over map family `Map` (a template
/// taking the mapped type, e.g. hash_map or std_map_adapter) and clock `Clock`.
///
/// Keys are byte strings; key arguments are views the caller owns and must not point
/// into the keyspace. Pointers returned by lookups stay valid until the next call that
/// inserts or removes a key in the same database (including lookups that expire one).
/// Not thread-safe: one keyspace per event loop (shard).
template <template <class> class Map = node_map, clock_source Clock = system_clock>
requires keyspace_map<Map<entry>>
class keyspace {
public:
    using map_type = Map<entry>; ///< the map of each database
    using clock_type = Clock;    ///< the clock

    /// `options.databases` empty databases reading time from `clock`.
    explicit keyspace(keyspace_options options = {}, Clock clock = Clock{})
        : m_clock(std::move(clock)), m_random(options.seed != 0 ? options.seed : process_seed()) {
        refresh_access_clock();
        const std::size_t count = options.databases == 0 ? 1 : options.databases;
        m_dbs.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            if constexpr (std::constructible_from<map_type, std::uint64_t>)
                m_dbs.push_back(database{map_type(detail::splitmix64(m_random)), {}, 0, nullptr});
            else
                m_dbs.push_back(database{});
        }
    }

    /// Number of databases.
    [[nodiscard]] std::size_t db_count() const noexcept { return m_dbs.size(); }

    /// The clock (tests advance a manual_clock through this).
    [[nodiscard]] Clock& clock() noexcept { return m_clock; }

    /// The clock.
    [[nodiscard]] const Clock& clock() const noexcept { return m_clock; }

    // --- lookups -----------------------------------------------------------------------

    /// Read lookup (GET and friends): the value, or nullptr if missing. Expires the key if
    /// its TTL passed; counts a keyspace hit or miss.
    [[nodiscard]] const value* find(std::size_t db, std::string_view key) {
        entry* e = live_entry(db, key);
        count_lookup(e != nullptr);
        if (e == nullptr) {
            notify_detail(key_event::missed, db, key);
            return nullptr;
        }
        touch(*e);
        return &e->data;
    }

    /// Read lookup that leaves the key's access time and frequency alone (EXISTS, TYPE, TTL,
    /// OBJECT: Redis's LOOKUP_NOTOUCH): the value, or nullptr. Expires; counts a hit or miss.
    [[nodiscard]] const value* peek(std::size_t db, std::string_view key) {
        entry* e = live_entry(db, key);
        count_lookup(e != nullptr);
        if (e == nullptr) notify_detail(key_event::missed, db, key);
        return e ? &e->data : nullptr;
    }

    /// Read lookup of a key that must hold `kind`: errc::wrong_type if it holds another.
    [[nodiscard]] lookup_result<const value> find(std::size_t db, std::string_view key,
                                                  value_kind kind) {
        const value* v = find(db, key);
        if (v && v->kind() != kind) return {nullptr, make_error_code(errc::wrong_type)};
        return {v, {}};
    }

    /// Write lookup: the value for in-place modification, or nullptr. Expires the key if
    /// its TTL passed; no hit/miss counting. Call notify_modified after changing it.
    [[nodiscard]] value* find_for_write(std::size_t db, std::string_view key) {
        entry* e = live_entry(db, key);
        if (e == nullptr) return nullptr;
        touch(*e);
        return &e->data;
    }

    /// Write lookup of a key that must hold `kind`: errc::wrong_type if it holds another.
    [[nodiscard]] lookup_result<value> find_for_write(std::size_t db, std::string_view key,
                                                      value_kind kind) {
        value* v = find_for_write(db, key);
        if (v && v->kind() != kind) return {nullptr, make_error_code(errc::wrong_type)};
        return {v, {}};
    }

    /// Write lookup that creates an empty value of `kind` when the key is missing (LPUSH,
    /// HSET, SADD, ZADD, APPEND): errc::wrong_type if it holds another kind.
    [[nodiscard]] lookup_result<value> find_or_create(std::size_t db, std::string_view key,
                                                      value_kind kind) {
        if (value* v = find_for_write(db, key)) {
            if (v->kind() != kind) return {nullptr, make_error_code(errc::wrong_type)};
            return {v, {}, false};
        }
        notify_detail(key_event::created, db, key);
        auto [e, inserted] = m_dbs[db].keys.try_emplace(key);
        index_add(m_dbs[db], key, e);
        e->data = value::make(kind, m_encoding);
        e->access = new_access();
        return {&e->data, {}, true};
    }

    /// True if `key` exists (EXISTS): expires it if due; counts a hit or miss.
    [[nodiscard]] bool exists(std::size_t db, std::string_view key) {
        return peek(db, key) != nullptr;
    }

    /// True when `key` is stored in `db`, even if its TTL passed (no expiry, no counting).
    [[nodiscard]] bool stored(std::size_t db, std::string_view key) const {
        return m_dbs[db].keys.find(key) != nullptr;
    }
    /// True when `key` is stored in `db` but its TTL passed (it reads as missing; not removed
    /// here, not counted).
    [[nodiscard]] bool stored_expired(std::size_t db, std::string_view key) {
        const database& d = m_dbs[db];
        const entry* e = d.keys.find(key);
        return e != nullptr && e->ttl_slot != entry::no_ttl && m_clock.now_ms() > d.ttl[e->ttl_slot].at_ms;
    }

    /// TYPE: "string", "list", "hash", "set", "zset" or "none". Counts a hit or miss.
    [[nodiscard]] std::string_view type_name(std::size_t db, std::string_view key) {
        const value* v = peek(db, key);
        return v ? v->type_name() : std::string_view("none");
    }

    // --- writes ------------------------------------------------------------------------

    /// Stores `v` under `key` (SET), replacing any value. The TTL is dropped unless
    /// `keep_ttl` (SET KEEPTTL). Returns the stored value.
    value& set(std::size_t db, std::string_view key, value v, bool keep_ttl = false) {
        database& d = m_dbs[db];
        auto [e, inserted] = d.keys.try_emplace(key);
        if (!inserted && e->ttl_slot != entry::no_ttl) {
            const bool expired = m_clock.now_ms() > d.ttl[e->ttl_slot].at_ms;
            if (expired) {
                ++m_stats.expired_keys;
                notify(key_event::expired, db, key);
            }
            if (expired || !keep_ttl) {
                remove_ttl_slot(d, e->ttl_slot);
                e->ttl_slot = entry::no_ttl;
            }
            if (expired) {
                e->access = new_access();
                index_to_front(d, key, e); // Redis deletes the expired key, then adds the new one
                notify_detail(key_event::created, db, key);
            } else {
                touch(*e); // as Redis's lookup before an overwrite (which keeps LFU counters)
            }
        } else if (inserted) {
            e->access = new_access();
            index_add(d, key, e);
            notify_detail(key_event::created, db, key);
        } else {
            touch(*e);
        }
        e->data = std::move(v);
        notify(key_event::modified, db, key);
        return e->data;
    }

    /// Deletes `key` (DEL, UNLINK). Returns true if it existed (an expired key did not).
    bool erase(std::size_t db, std::string_view key) {
        database& d = m_dbs[db];
        entry* e = live_entry(db, key);
        if (!e) return false;
        notify(key_event::deleted, db, key);
        delete_key(d, key, e->ttl_slot, e);
        return true;
    }

    /// Tells observers that a value obtained from a write lookup was changed in place
    /// (like Redis's signalModifiedKey). Free when no observer is registered.
    void notify_modified(std::size_t db, std::string_view key) {
        notify(key_event::modified, db, key);
    }

    /// Renames `from` to `to` (RENAME; RENAMENX when `nx`), carrying the TTL along and
    /// replacing any value (and TTL) under `to`.
    [[nodiscard]] rename_result rename(std::size_t db, std::string_view from, std::string_view to,
                                       bool nx = false) {
        database& d = m_dbs[db];
        if (!live_entry(db, from)) return {make_error_code(errc::no_such_key), false};
        if (from == to) return {{}, !nx};
        const bool target_exists = live_entry(db, to) != nullptr; // may expire `to`
        if (nx && target_exists) return {{}, false};
        entry* source = d.keys.find(from); // refetched: expiring `to` may move entries
        value moved = std::move(source->data);
        touch(*source);
        const std::uint32_t access = source->access;
        std::optional<std::int64_t> at;
        if (source->ttl_slot != entry::no_ttl) at = d.ttl[source->ttl_slot].at_ms;
        notify(key_event::deleted, db, from);
        delete_key(d, from, source->ttl_slot, source);
        notify_detail(key_event::created, db, to); // Redis deletes an existing target, then adds
        auto [target, inserted] = d.keys.try_emplace(to);
        if (inserted)
            index_add(d, to, target);
        else
            index_to_front(d, to, target);
        if (!inserted && target->ttl_slot != entry::no_ttl) {
            remove_ttl_slot(d, target->ttl_slot);
            target->ttl_slot = entry::no_ttl;
        }
        target->data = std::move(moved);
        target->access = access;
        if (at) add_ttl_slot(d, to, *target, *at);
        notify(key_event::modified, db, to);
        return {{}, true};
    }

    /// Moves `key` from `src` to `dst` (MOVE), with its TTL and access stamp. Returns false,
    /// changing nothing, when `key` is missing from `src` or present in `dst`.
    bool move(std::size_t src, std::size_t dst, std::string_view key) {
        if (src == dst || !live_entry(src, key) || live_entry(dst, key)) return false;
        database& from = m_dbs[src];
        entry* source = from.keys.find(key); // refetched: the lookups may have expired keys
        value moved = std::move(source->data);
        const std::uint32_t access = source->access;
        std::optional<std::int64_t> at;
        if (source->ttl_slot != entry::no_ttl) at = from.ttl[source->ttl_slot].at_ms;
        notify(key_event::deleted, src, key);
        delete_key(from, key, source->ttl_slot, source);
        notify_detail(key_event::created, dst, key);
        database& to = m_dbs[dst];
        entry* target = to.keys.try_emplace(key).first;
        index_add(to, key, target);
        target->data = std::move(moved);
        target->access = access;
        if (at) add_ttl_slot(to, key, *target, *at);
        notify(key_event::modified, dst, key);
        return true;
    }

    /// Exchanges the contents of databases `a` and `b` (SWAPDB); observers are not told (the
    /// caller knows who watches or waits on which database).
    void swap_databases(std::size_t a, std::size_t b) {
        if (a != b) std::swap(m_dbs[a], m_dbs[b]);
    }

    // --- expiry ------------------------------------------------------------------------

    /// Sets `key` to expire at `at_ms` (absolute Unix ms). Returns false if the key does not
    /// exist. A time already past is stored as is (the key reads as missing from then on);
    /// EXPIRE with a past time is a deletion in Redis, which the command layer does with erase.
    bool set_expiry(std::size_t db, std::string_view key, std::int64_t at_ms) {
        database& d = m_dbs[db];
        entry* e = live_entry(db, key);
        if (!e) return false;
        touch(*e);
        if (e->ttl_slot != entry::no_ttl)
            d.ttl[e->ttl_slot].at_ms = at_ms;
        else
            add_ttl_slot(d, key, *e, at_ms);
        notify(key_event::modified, db, key);
        return true;
    }

    /// The key's expiry (TTL, PTTL, EXPIRETIME): whether it exists and when it expires.
    /// Counts a hit or miss.
    [[nodiscard]] key_expiry expiry(std::size_t db, std::string_view key) {
        entry* e = live_entry(db, key);
        count_lookup(e != nullptr);
        if (!e) {
            notify_detail(key_event::missed, db, key);
            return {};
        }
        if (e->ttl_slot == entry::no_ttl) return {true, std::nullopt};
        return {true, m_dbs[db].ttl[e->ttl_slot].at_ms};
    }

    /// Removes the key's TTL (PERSIST). Returns true if it had one.
    bool persist(std::size_t db, std::string_view key) {
        database& d = m_dbs[db];
        entry* e = live_entry(db, key);
        if (!e) return false;
        touch(*e);
        if (e->ttl_slot == entry::no_ttl) return false;
        remove_ttl_slot(d, e->ttl_slot);
        e->ttl_slot = entry::no_ttl;
        notify(key_event::modified, db, key);
        return true;
    }

    /// One run of active expiry (like Redis's activeExpireCycle): visits the databases in
    /// turn, resuming where the last run stopped; in each, samples keys with a TTL, removes
    /// the expired ones, and samples again while more than `stale_percent` of a sample had
    /// expired. Stops when `budget` (wall time, checked every 16 rounds) is spent.
    expire_cycle_result active_expire_cycle(std::chrono::microseconds budget,
                                            const expire_cycle_options& options = {}) {
        using steady = std::chrono::steady_clock;
        const steady::time_point start = steady::now();
        const std::size_t per_loop = options.keys_per_loop == 0 ? 1 : options.keys_per_loop;
        expire_cycle_result result;
        if (m_keep_expired) return result;
        for (std::size_t visited = 0; visited < m_dbs.size(); ++visited) {
            const std::size_t db = m_expire_next_db;
            m_expire_next_db = (db + 1) % m_dbs.size();
            database& d = m_dbs[db];
            if (d.ttl.empty()) {
                d.avg_ttl = 0;
                continue;
            }
            for (std::size_t round = 1;; ++round) {
                const std::int64_t now = m_clock.now_ms();
                std::size_t sampled = 0;
                std::size_t expired = 0;
                std::int64_t ttl_sum = 0;
                std::size_t ttl_samples = 0;
                const std::size_t wanted = std::min(per_loop, d.ttl.size());
                for (; sampled < wanted && !d.ttl.empty(); ++sampled) {
                    const auto slot = static_cast<std::uint32_t>(
                        detail::mul_high(detail::splitmix64(m_random), d.ttl.size()));
                    const std::int64_t at = d.ttl[slot].at_ms;
                    if (now > at) {
                        expire_slot(db, slot);
                        ++expired;
                    } else {
                        // Saturated: expiry times near INT64_MAX (PEXPIREAT k 9223372036854775806)
                        // would overflow the sum.
                        const std::int64_t ttl = at - now;
                        ttl_sum = ttl > std::numeric_limits<std::int64_t>::max() - ttl_sum
                                      ? std::numeric_limits<std::int64_t>::max()
                                      : ttl_sum + ttl;
                        ++ttl_samples;
                    }
                }
                if (ttl_samples != 0) {
                    const std::int64_t average = ttl_sum / static_cast<std::int64_t>(ttl_samples);
                    d.avg_ttl = d.avg_ttl == 0 ? average : (d.avg_ttl / 50) * 49 + average / 50;
                }
                result.sampled += sampled;
                result.expired += expired;
                if (round % 16 == 0 && steady::now() - start > budget) {
                    result.timed_out = true;
                    return result;
                }
                if (d.ttl.empty() || expired * 100 <= sampled * options.stale_percent) break;
            }
            if (d.ttl.empty()) d.avg_ttl = 0;
        }
        return result;
    }

    /// Incremental resizing on a timer (Redis's activerehashing): moves elements of the
    /// databases whose map is being resized, 100 buckets at a time, for about `budget`.
    /// Returns true while some map still has elements to move. Does nothing for maps
    /// without incremental resizing (no `rehash(std::size_t)` member).
    bool active_rehash(std::chrono::microseconds budget) {
        if constexpr (requires(map_type& m) { { m.rehash(std::size_t{1}) } -> std::same_as<bool>; }) {
            using steady = std::chrono::steady_clock;
            const steady::time_point start = steady::now();
            bool pending = false;
            for (database& d : m_dbs) {
                while (d.keys.rehash(100)) {
                    if (steady::now() - start > budget) return true;
                }
                pending = pending || d.keys.rehashing();
            }
            return pending;
        } else {
            (void)budget;
            return false;
        }
    }

    // --- whole databases ---------------------------------------------------------------

    /// Number of keys (DBSIZE), counting expired keys not yet removed, as Redis does.
    [[nodiscard]] std::size_t size(std::size_t db) const noexcept { return m_dbs[db].keys.size(); }

    /// Number of keys with a TTL.
    [[nodiscard]] std::size_t expires_count(std::size_t db) const noexcept {
        return m_dbs[db].ttl.size();
    }

    /// INFO keyspace figures for `db`.
    [[nodiscard]] db_info info(std::size_t db) const noexcept {
        const database& d = m_dbs[db];
        return {d.keys.size(), d.ttl.size(), d.ttl.empty() ? 0 : d.avg_ttl};
    }

    /// Removes every key of `db` (FLUSHDB). Returns how many there were.
    std::size_t flush(std::size_t db) {
        database& d = m_dbs[db];
        const std::size_t removed = d.keys.size();
        notify(key_event::flushed, db, {}); // before: observers may still look at the keys
        d.keys.clear();
        if (d.slots) [[unlikely]]
            d.slots->clear();
        d.ttl = {};
        d.avg_ttl = 0;
        return removed;
    }

    /// Removes every key of every database (FLUSHALL). Returns how many there were.
    std::size_t flush_all() {
        std::size_t removed = 0;
        for (std::size_t db = 0; db < m_dbs.size(); ++db)
            removed += flush(db);
        return removed;
    }

    /// A random live key (RANDOMKEY), or nullopt if `db` is empty. Expired keys met on the
    /// way are removed. The view is valid until the next change to `db`.
    [[nodiscard]] std::optional<std::string_view> random_key(std::size_t db) {
        database& d = m_dbs[db];
        for (int tries = 0;; ++tries) {
            const std::optional<std::string_view> key =
                detail::as_key_view(d.keys.random_key(detail::splitmix64(m_random)));
            if (!key) return std::nullopt;
            const entry* e = d.keys.find(*key);
            if (e->ttl_slot == entry::no_ttl || m_clock.now_ms() <= d.ttl[e->ttl_slot].at_ms)
                return *key;
            // Expired keys kept (a pause): after many, one is returned, as Redis's replicas do.
            if (m_keep_expired) {
                if (tries >= 100) return *key;
                continue;
            }
            expire_slot(db, e->ttl_slot);
        }
    }

    /// Appends to `out` every live key of `db` matching the glob `pattern` (KEYS). Expired
    /// keys are skipped, not removed (as Redis). O(size).
    void keys(std::size_t db, std::string_view pattern, std::vector<std::string>& out) const {
        const database& d = m_dbs[db];
        const std::int64_t now = m_clock.now_ms();
        const bool all = is_match_all(pattern);
        d.keys.for_each([&](std::string_view key, const entry& e) {
            if (is_expired(d, e, now)) return;
            if (all || glob_match(pattern, key)) out.emplace_back(key);
        });
    }

    /// One SCAN step over `db` from `cursor`: appends matching live keys to `out` and
    /// returns the next cursor (0 when done). Keys pass `options.pattern`, then
    /// `options.type`, then `keep(key, value)`; expired keys met are removed. Every key
    /// present for the whole scan is returned at least once; some may repeat.
    template <class Filter = accept_all>
    [[nodiscard]] std::uint64_t scan(std::size_t db, std::uint64_t cursor,
                                     std::vector<std::string>& out,
                                     const scan_options& options = {}, Filter keep = {}) {
        database& d = m_dbs[db];
        const std::int64_t now = m_clock.now_ms();
        const bool all = is_match_all(options.pattern);
        std::vector<std::string> expired;
        const std::uint64_t next =
            d.keys.scan(cursor, options.count, [&](std::string_view key, const entry& e) {
                if (!all && !glob_match(options.pattern, key)) return;
                if (is_expired(d, e, now)) {
                    expired.emplace_back(key);
                    return;
                }
                if (options.type && e.data.kind() != *options.type) return;
                if (!keep(key, e.data)) return;
                out.emplace_back(key);
            });
        if (m_keep_expired) expired.clear();
        for (const std::string& key : expired) {
            if (const entry* e = d.keys.find(key); e && is_expired(d, *e, now))
                expire_slot(db, e->ttl_slot);
        }
        return next;
    }

    // --- compact encodings ----------------------------------------------------------------

    /// The thresholds given to values created from now on (list-max-listpack-size, ...).
    void set_encoding_options(const encoding_options& options) noexcept { m_encoding = options; }
    /// The thresholds in effect.
    [[nodiscard]] const encoding_options& encoding() const noexcept { return m_encoding; }

    // --- access tracking and eviction ---------------------------------------------------

    /// What the per-key access field tracks (LRU or LFU) and LFU's tuning. Switching between
    /// LRU and LFU reinterprets the fields already stored, as Redis does.
    void set_access_options(const access_options& options) noexcept { m_access = options; }
    /// The access tracking options.
    [[nodiscard]] const access_options& access_options_used() const noexcept { return m_access; }
    /// Reads the clock into the cached access clocks that lookups stamp keys with (call at the
    /// server's cron frequency, as Redis refreshes its LRU clock; a lookup reads no clock).
    void refresh_access_clock() noexcept {
        const std::int64_t now = m_clock.now_ms();
        m_lru_now = access::lru_clock_at(now);
        m_lfu_now = access::lfu_minutes_at(now);
    }
    /// The thresholds of the compact encodings that commands creating or growing hashes and
    /// sets follow (hash-max-listpack-entries, hash-max-listpack-value, set-max-intset-entries).
    void set_encoding_limits(const encoding_limits& limits) noexcept { m_encoding_limits = limits; }
    /// The compact encodings' thresholds.
    [[nodiscard]] const encoding_limits& encoding_limits_used() const noexcept { return m_encoding_limits; }
    /// Stops (false) or resumes stamping accessed keys: Redis leaves them alone while a forked
    /// child saves, so that reads do not copy the child's pages.
    void set_access_tracking(bool on) noexcept { m_touching = on; }
    /// While on (CLIENT PAUSE), keys whose TTL passed read as missing but are not removed, by
    /// lookups, SCAN, RANDOMKEY or active_expire_cycle: the dataset stays as it is, as Redis
    /// keeps it while clients are paused (expireIfNeeded, activeExpireCycle).
    void set_keep_expired(bool on) noexcept { m_keep_expired = on; }
    /// True while expired keys are kept (set_keep_expired).
    [[nodiscard]] bool keeps_expired() const noexcept { return m_keep_expired; }

    /// The sorted sets' packed-form thresholds (zset-max-listpack-entries / -value).
    void set_zset_limits(const zset_limits& limits) noexcept { m_zset_limits = limits; }
    /// The sorted sets' packed-form thresholds.
    [[nodiscard]] const zset_limits& zset_limits_used() const noexcept { return m_zset_limits; }

    /// OBJECT IDLETIME: milliseconds since `e` was last accessed (LRU mode; meaningless in LFU).
    [[nodiscard]] std::uint64_t idle_ms(const entry& e) const noexcept {
        return access::lru_idle_ms(m_lru_now, e.access);
    }
    /// OBJECT FREQ: `e`'s LFU counter after the decay due now (LFU mode).
    [[nodiscard]] std::uint8_t frequency(const entry& e) const noexcept {
        return access::lfu_decayed(e.access, m_lfu_now, m_access.lfu_decay_time);
    }
    /// The entry of a live key without touching it (OBJECT): expires; counts a hit or miss.
    [[nodiscard]] const entry* peek_entry(std::size_t db, std::string_view key) {
        entry* e = live_entry(db, key);
        count_lookup(e != nullptr);
        return e;
    }
    /// RESTORE IDLETIME / FREQ: in LFU mode sets the counter to `freq` if given; in LRU mode
    /// makes the key `idle_seconds` idle if given. Returns whether the field was set.
    bool set_access(std::size_t db, std::string_view key, std::optional<std::int64_t> idle_seconds,
                    std::optional<std::uint8_t> freq) {
        entry* e = m_dbs[db].keys.find(key);
        if (e == nullptr) return false;
        if (m_access.mode == access_mode::lfu) {
            if (!freq) return false;
            e->access = access::lfu_field(m_lfu_now, *freq);
            return true;
        }
        if (!idle_seconds) return false;
        e->access = access::lru_stamp_idle(m_lru_now, *idle_seconds);
        return true;
    }

    /// Calls `f(key, entry, expires_at_ms)` for up to `count` keys of `db` chosen at random
    /// (with repeats), among every key or (`volatile_only`) those with a TTL; `expires_at_ms`
    /// is INT64_MAX for a key without one. For eviction's sampling; `key` is valid during the call.
    template <class F>
    void sample(std::size_t db, bool volatile_only, std::size_t count, F&& f) {
        database& d = m_dbs[db];
        for (std::size_t i = 0; i < count; ++i) {
            if (volatile_only) {
                if (d.ttl.empty()) return;
                const ttl_record& r = d.ttl[static_cast<std::size_t>(detail::mul_high(detail::splitmix64(m_random), d.ttl.size()))];
                const entry* e = d.keys.find(r.key);
                assert(e != nullptr);
                f(std::string_view(r.key), *e, r.at_ms);
            } else {
                const std::optional<std::string_view> key =
                    detail::as_key_view(d.keys.random_key(detail::splitmix64(m_random)));
                if (!key) return;
                const entry* e = d.keys.find(*key);
                f(*key, *e,
                  e->ttl_slot == entry::no_ttl ? std::numeric_limits<std::int64_t>::max() : d.ttl[e->ttl_slot].at_ms);
            }
        }
    }

    /// Removes `key` to free memory (maxmemory): observers see key_event::evicted, and it is
    /// counted in evicted_keys. Returns false if `key` is not stored.
    bool evict(std::size_t db, std::string_view key) {
        database& d = m_dbs[db];
        const entry* e = d.keys.find(key);
        if (e == nullptr) return false;
        const std::uint32_t slot = e->ttl_slot;
        ++m_stats.evicted_keys;
        notify(key_event::evicted, db, key);
        delete_key(d, key, slot, e);
        return true;
    }

    /// 64 random bits from the keyspace's generator (eviction's random policies).
    [[nodiscard]] std::uint64_t random_bits() noexcept { return detail::splitmix64(m_random); }

    // --- observers and statistics ------------------------------------------------------

    /// Registers `observer(context, event, db, key)`, called on every key change.
    void add_observer(key_observer observer, void* context) {
        m_observers.push_back({observer, context});
    }

    /// Registers a callable object `f(key_event, std::size_t db, std::string_view key)`,
    /// which must outlive its registration.
    template <class F>
    requires std::invocable<F&, key_event, std::size_t, std::string_view>
    void add_observer(F& f) { add_observer(&call_observer<F>, &f); }

    /// Makes observers also see key_event::created (a key about to be added) and
    /// key_event::missed (a read lookup of a missing key): off by default.
    void report_creations_and_misses(bool on) noexcept { m_report_details = on; }

    /// Unregisters an observer added with the same arguments.
    void remove_observer(key_observer observer, void* context) {
        std::erase_if(m_observers, [&](const observer_entry& o) {
            return o.function == observer && o.context == context;
        });
    }

    /// Unregisters a callable object added with add_observer(f).
    template <class F>
    requires std::invocable<F&, key_event, std::size_t, std::string_view>
    void remove_observer(F& f) { remove_observer(&call_observer<F>, &f); }

    /// The counters.
    [[nodiscard]] const keyspace_stats& stats() const noexcept { return m_stats; }

    /// Zeroes the counters (CONFIG RESETSTAT).
    void reset_stats() noexcept { m_stats = {}; }

    /// The map of `db`, for read-only inspection.
    [[nodiscard]] const map_type& map(std::size_t db) const noexcept { return m_dbs[db].keys; }

    /// When the key stored as `e` in `db` expires (absolute Unix ms), or nullopt for a persistent
    /// key; for walks over map() (a snapshot). No expiry, no counting.
    [[nodiscard]] std::optional<std::int64_t> expiry_of_entry(std::size_t db, const entry& e) const noexcept {
        if (e.ttl_slot == entry::no_ttl) return std::nullopt;
        return m_dbs[db].ttl[e.ttl_slot].at_ms;
    }

    // --- the per-slot key index (cluster mode) ----------------------------------------------

    /// Keeps, from now on, the keys of `db` by Redis Cluster hash slot (Redis's slots_to_keys,
    /// cluster mode only): a count and a list per slot, two pointers in each key's map node
    /// and a 256 KiB table. Only while `db` is empty and over a map whose nodes take extra bytes
    /// (node_map); returns whether the index is on. A keyspace without it pays nothing.
    bool enable_slot_index(std::size_t db) {
        if constexpr (slot_indexable_map<map_type>) {
            database& d = m_dbs[db];
            if (d.slots) return true;
            if (d.keys.size() != 0 || !d.keys.set_node_extra(sizeof(slot_links))) return false;
            d.slots = std::make_unique<slot_index>();
            return true;
        } else {
            (void)db;
            return false;
        }
    }

    /// True when `db` keeps the per-slot key index.
    [[nodiscard]] bool has_slot_index(std::size_t db) const noexcept { return m_dbs[db].slots != nullptr; }

    /// Bytes the index adds to each key of `db` (0 without it).
    [[nodiscard]] std::size_t slot_index_bytes_per_key(std::size_t db) const noexcept {
        if constexpr (slot_indexable_map<map_type>) {
            return m_dbs[db].slots ? m_dbs[db].keys.node_extra() : 0;
        } else {
            (void)db;
            return 0;
        }
    }

    /// Number of keys of `db` in hash slot `slot` (CLUSTER COUNTKEYSINSLOT), expired keys not
    /// yet removed included, as Redis: O(1). Requires has_slot_index(db).
    [[nodiscard]] std::uint64_t count_keys_in_slot(std::size_t db, unsigned slot) const noexcept {
        assert(m_dbs[db].slots && slot < cluster::slot_count);
        return m_dbs[db].slots->count(slot);
    }

    /// Calls `f(std::string_view key)` for up to `limit` keys of `db` in `slot`, newest first
    /// (Redis's order for CLUSTER GETKEYSINSLOT): O(limit). `f` must not change the keyspace.
    /// Requires has_slot_index(db).
    template <class F>
    void for_each_key_in_slot(std::size_t db, unsigned slot, std::uint64_t limit, F&& f) const {
        if constexpr (slot_indexable_map<map_type>) {
            const database& d = m_dbs[db];
            assert(d.slots && slot < cluster::slot_count);
            for (const slot_links* l = d.slots->head(slot); l != nullptr && limit != 0; l = l->next, --limit)
                f(d.keys.key_of_extra(l));
        } else {
            (void)db, (void)slot, (void)limit, (void)f;
        }
    }

private:
    struct ttl_record {
        std::string key;
        std::int64_t at_ms;
    };

    struct database {
        map_type keys;
        std::vector<ttl_record> ttl; // keys with a TTL, for O(1) sampling
        std::int64_t avg_ttl = 0;
        std::unique_ptr<slot_index> slots; // the per-slot key index (enable_slot_index), or null
    };

    struct observer_entry {
        key_observer function;
        void* context;
    };

    std::vector<database> m_dbs;
    Clock m_clock;
    keyspace_stats m_stats;
    std::vector<observer_entry> m_observers;
    bool m_report_details = false;
    std::uint64_t m_random;
    std::size_t m_expire_next_db = 0;
    store::access_options m_access;
    zset_limits m_zset_limits;
    store::encoding_options m_encoding;
    store::encoding_limits m_encoding_limits;
    std::uint32_t m_lru_now = 0; // the cached access clocks (refresh_access_clock)
    std::uint32_t m_lfu_now = 0;
    bool m_touching = true;
    bool m_keep_expired = false; // set_keep_expired

    // Stamps an accessed key (Redis's lookupKey): the cached LRU clock, or an LFU increment.
    void touch(entry& e) noexcept {
        if (!m_touching) [[unlikely]]
            return;
        if (m_access.mode == access_mode::lru) [[likely]] {
            e.access = m_lru_now;
            return;
        }
        const std::uint8_t counter = access::lfu_decayed(e.access, m_lfu_now, m_access.lfu_decay_time);
        const double random = static_cast<double>(detail::splitmix64(m_random) >> 11) * 0x1.0p-53;
        e.access = access::lfu_field(m_lfu_now, access::lfu_incremented(counter, random, m_access.lfu_log_factor));
    }
    // The access field of a key just created.
    [[nodiscard]] std::uint32_t new_access() const noexcept {
        return m_access.mode == access_mode::lru ? m_lru_now : access::lfu_field(m_lfu_now, access::lfu_initial);
    }

    template <class F>
    static void call_observer(void* context, key_event event, std::size_t db,
                              std::string_view key) {
        (*static_cast<F*>(context))(event, db, key);
    }

    void notify(key_event event, std::size_t db, std::string_view key) {
        if (!m_observers.empty()) [[unlikely]] {
            for (const observer_entry& o : m_observers)
                o.function(o.context, event, db, key);
        }
    }

    // created and missed: reported only when asked for (keyspace notifications' n and m).
    void notify_detail(key_event event, std::size_t db, std::string_view key) {
        if (m_report_details) [[unlikely]]
            notify(event, db, key);
    }

    void count_lookup(bool hit) noexcept {
        if (hit)
            ++m_stats.keyspace_hits;
        else
            ++m_stats.keyspace_misses;
    }

    [[nodiscard]] static bool is_expired(const database& d, const entry& e,
                                         std::int64_t now) noexcept {
        return e.ttl_slot != entry::no_ttl && now > d.ttl[e.ttl_slot].at_ms;
    }

    // The entry under `key`, or nullptr; an entry whose TTL passed is removed first.
    [[nodiscard]] entry* live_entry(std::size_t db, std::string_view key) {
        assert(db < m_dbs.size());
        database& d = m_dbs[db];
        entry* e = d.keys.find(key);
        if (e && e->ttl_slot != entry::no_ttl && m_clock.now_ms() > d.ttl[e->ttl_slot].at_ms)
            [[unlikely]] {
            if (!m_keep_expired) expire_slot(db, e->ttl_slot);
            return nullptr;
        }
        return e;
    }

    // Removes the key whose expiry record is `slot`, as expired.
    void expire_slot(std::size_t db, std::uint32_t slot) {
        database& d = m_dbs[db];
        ++m_stats.expired_keys;
        notify(key_event::expired, db, d.ttl[slot].key);
        delete_key(d, d.ttl[slot].key, slot);
    }

    // Removes `key` and its expiry record `slot`. `key` may view the record's own string:
    // the map entry goes first, while that string is still alive. `e` is the key's entry when
    // the caller has it (the slot index unlinks it; looked up otherwise).
    void delete_key(database& d, std::string_view key, std::uint32_t slot, const entry* e = nullptr) {
        if (d.slots) [[unlikely]]
            index_remove(d, key, e != nullptr ? e : d.keys.find(key));
        d.keys.erase(key);
        if (slot != entry::no_ttl) remove_ttl_slot(d, slot);
    }

    // The per-slot index's hooks: nothing unless the database has one (cluster mode).
    void index_add(database& d, std::string_view key, const entry* e) noexcept {
        if constexpr (slot_indexable_map<map_type>) {
            if (d.slots) [[unlikely]]
                d.slots->add(*static_cast<slot_links*>(d.keys.extra_of(e)), slot_index::slot_of(key));
        } else {
            (void)d, (void)key, (void)e;
        }
    }
    void index_remove(database& d, std::string_view key, const entry* e) noexcept {
        if constexpr (slot_indexable_map<map_type>) {
            assert(e != nullptr);
            d.slots->remove(*static_cast<slot_links*>(d.keys.extra_of(e)), slot_index::slot_of(key));
        } else {
            (void)d, (void)key, (void)e;
        }
    }
    void index_to_front(database& d, std::string_view key, const entry* e) noexcept {
        if constexpr (slot_indexable_map<map_type>) {
            if (d.slots) [[unlikely]]
                d.slots->to_front(*static_cast<slot_links*>(d.keys.extra_of(e)), slot_index::slot_of(key));
        } else {
            (void)d, (void)key, (void)e;
        }
    }

    void add_ttl_slot(database& d, std::string_view key, entry& e, std::int64_t at_ms) {
        e.ttl_slot = static_cast<std::uint32_t>(d.ttl.size());
        d.ttl.push_back(ttl_record{std::string(key), at_ms});
    }

    // Swap-removes expiry record `slot`, repointing the entry of the record moved into it.
    void remove_ttl_slot(database& d, std::uint32_t slot) {
        const std::size_t last = d.ttl.size() - 1;
        if (slot != last) {
            d.ttl[slot] = std::move(d.ttl[last]);
            entry* moved = d.keys.find(d.ttl[slot].key);
            assert(moved != nullptr);
            moved->ttl_slot = slot;
        }
        d.ttl.pop_back();
    }
};

/// A keyspace over std::unordered_map (through std_map_adapter).
template <clock_source Clock = system_clock>
using std_keyspace = keyspace<std_map_adapter, Clock>;

static_assert(keyspace_map<node_map<entry>>);
static_assert(keyspace_map<hash_map<entry>>);
static_assert(keyspace_map<std_map_adapter<entry>>);

} // namespace respkit::store

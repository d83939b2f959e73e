#pragma once

/// \file
/// respkit::store::stream_group: a stream's consumer group (last delivered ID, entries-read
/// counter, pending entries list and consumers), as Redis's streamCG.

#include <respkit/store/stream_id.hpp>
#include <respkit/version.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A pending entry: delivered to `consumer` and not acknowledged yet (Redis's streamNACK).
struct stream_nack {
    std::string consumer;             ///< the consumer it was last delivered to
    std::int64_t delivery_time = 0;   ///< Unix time in ms of the last delivery
    std::uint64_t delivery_count = 1; ///< how many times it was delivered
};

/// A consumer of a group: when it was last seen and the IDs pending for it.
struct stream_consumer {
    std::int64_t seen_time = 0; ///< Unix time in ms of its last read or claim
    std::set<stream_id> pending; ///< its part of the group's pending entries list
};

/// A consumer group.
struct stream_group {
    /// entries_read's value when unknown (Redis's SCG_INVALID_ENTRIES_READ).
    static constexpr std::int64_t invalid_entries_read = -1;

    stream_id last_id;                                          ///< the last ID delivered
    std::int64_t entries_read = invalid_entries_read;           ///< entries read, or invalid
    std::map<stream_id, stream_nack> pending;                   ///< the pending entries list
    std::map<std::string, stream_consumer, std::less<>> consumers; ///< by name, in byte order

    /// Adds consumer `name` seen at `now_ms` if missing; true when created.
    bool add_consumer(std::string_view name, std::int64_t now_ms) {
        if (consumers.find(name) != consumers.end()) return false;
        consumers.emplace(std::string(name), stream_consumer{now_ms, {}});
        return true;
    }
    /// Removes consumer `name` and its pending entries from the group; its pending count.
    std::size_t delete_consumer(std::string_view name) {
        const auto it = consumers.find(name);
        if (it == consumers.end()) return 0;
        const std::size_t n = it->second.pending.size();
        for (const stream_id id : it->second.pending) pending.erase(id);
        consumers.erase(it);
        return n;
    }
    /// Acknowledges `id`: true when it was pending.
    bool acknowledge(stream_id id) {
        const auto it = pending.find(id);
        if (it == pending.end()) return false;
        if (const auto c = consumers.find(it->second.consumer); c != consumers.end()) c->second.pending.erase(id);
        pending.erase(it);
        return true;
    }
    /// Records `id` as delivered to `consumer` at `now_ms` (a new pending entry, or one moved
    /// from its previous consumer with its count reset to 1, as a read by ">" does).
    void deliver(stream_id id, std::string_view consumer, std::int64_t now_ms) {
        auto [it, inserted] = pending.try_emplace(id);
        if (!inserted) {
            if (const auto c = consumers.find(it->second.consumer); c != consumers.end()) c->second.pending.erase(id);
        }
        it->second.consumer.assign(consumer);
        it->second.delivery_time = now_ms;
        it->second.delivery_count = 1;
        consumers.find(consumer)->second.pending.insert(id);
    }
};

} // namespace respkit::store

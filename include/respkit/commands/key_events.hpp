#pragma once

/// \file
/// Connects a keyspace's key changes to the server contexts that need them: a change marks the
/// watchers' transactions as failed, makes blocked commands run again, invalidates what tracking
/// clients read, and makes the running command propagate (a key removed by expiry or eviction
/// propagates as DEL). Installed by the transaction, blocking and tracking command families and
/// attached to a context the first time one of its sessions needs it; attached at once by
/// propagate_changes().

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Observes one keyspace (which must outlive the relay, as it must outlive the dispatcher whose
/// commands hold both) and forwards each change to the attached contexts.
template <class Keyspace>
class key_event_relay : public std::enable_shared_from_this<key_event_relay<Keyspace>> {
public:
    /// A relay for `keyspace`; it observes the keyspace only while a context is attached (writes
    /// cost nothing extra until a client WATCHes or blocks).
    explicit key_event_relay(Keyspace& keyspace) : m_keyspace(&keyspace) {}
    key_event_relay(const key_event_relay&) = delete;
    key_event_relay& operator=(const key_event_relay&) = delete;
    /// Stops observing (another relay of the keyspace may then attach to the contexts).
    ~key_event_relay() {
        if (!m_contexts.empty()) m_keyspace->remove_observer(&on_event, this);
        for (server::server_context* server : m_contexts) server->remove_observed(m_keyspace);
    }

    /// Forwards changes to `server` from now on (it detaches when destroyed). Once per context
    /// and keyspace: the transaction, list and sorted-set families each hold a relay of the
    /// same keyspace, and a change reported twice would be wrong (touch_watched is not
    /// idempotent for a key already expired when WATCHed).
    void attach(server::server_context& server) {
        if (server.observes(m_keyspace)) return;
        server.add_observed(m_keyspace);
        if (m_contexts.empty()) m_keyspace->add_observer(&on_event, this);
        m_contexts.push_back(&server);
        std::weak_ptr<key_event_relay> weak = this->shared_from_this();
        server.at_exit([weak, context = &server] {
            auto relay = weak.lock();
            if (!relay) return;
            std::erase(relay->m_contexts, context);
            if (relay->m_contexts.empty()) relay->m_keyspace->remove_observer(&on_event, relay.get());
        });
    }

private:
    static void on_event(void* self, store::key_event event, std::size_t db, std::string_view key) {
        auto* relay = static_cast<key_event_relay*>(self);
        for (server::server_context* server : relay->m_contexts) relay->forward(*server, event, db, key);
    }

    void forward(server::server_context& server, store::key_event event, std::size_t db, std::string_view key) {
        using server::keyspace_event_class;
        if (event == store::key_event::created) {
            server::notify_keyspace_event(server, keyspace_event_class::new_key, "new", key, db);
            return;
        }
        if (event == store::key_event::missed) {
            server::notify_keyspace_event(server, keyspace_event_class::key_miss, "keymiss", key, db);
            return;
        }
        if (server::propagation& propagated = server.propagation(); propagated.active()) {
            if (event == store::key_event::expired || event == store::key_event::evicted)
                propagated.key_removed(db, key);
            else
                propagated.key_changed();
        }
        if (event == store::key_event::flushed) {
            // As Redis: a flush changes the watched keys that exist (the keys are still there),
            // except one already expired when WATCHed: its removal is no change (touch_watched
            // tells the two apart when told the key is expired).
            server.watchers().for_each_in_db(db, [&](std::string_view watched, const auto& sessions) {
                if (!m_keyspace->stored(db, watched)) return;
                const bool expired = m_keyspace->stored_expired(db, watched);
                for (server::session* s : sessions) s->touch_watched(db, watched, expired);
            });
            server.tracking().flushed<server::session>(); // client-side caching: every key
            return;
        }
        if (const auto* sessions = server.watchers().find(db, key)) {
            for (server::session* s : *sessions) s->touch_watched(db, key, event == store::key_event::expired);
        }
        // As Redis: the event is published as the key goes (an evicted key just before), an
        // expired key before its tracking invalidation, an evicted one after.
        if (event == store::key_event::expired) {
            server::notify_keyspace_event(server, keyspace_event_class::expired, "expired", key, db);
            invalidate_tracked(server, event, key);
        } else if (event == store::key_event::evicted) {
            invalidate_tracked(server, event, key);
            server::notify_keyspace_event(server, keyspace_event_class::evicted, "evicted", key, db);
        } else {
            invalidate_tracked(server, event, key);
        }
        // A deletion too: XREADGROUP blocked on a deleted stream is unblocked with an error.
        if (event == store::key_event::modified || event == store::key_event::deleted) server.signal_key_ready(db, key);
    }

    // Client-side caching (Redis's trackingInvalidateKey): the clients that read `key` are told;
    // nothing to do while no client tracks.
    static void invalidate_tracked(server::server_context& server, store::key_event event, std::string_view key) {
        server::tracking_table& table = server.tracking();
        // Expiry and eviction are nobody's write: NOLOOP BCAST clients hear of them too.
        const bool by_client = event == store::key_event::modified || event == store::key_event::deleted;
        table.invalidate<server::session>(key, by_client ? table.current() : nullptr);
    }

    Keyspace* m_keyspace;
    std::vector<server::server_context*> m_contexts;
};

/// Makes `keyspace` report its key changes to `server` from now on (as long as both live), so
/// that what the commands change propagates to `server.propagation()`'s sinks and expired,
/// evicted, new and missed keys are notified (notify-keyspace-events): register the sinks and
/// call this before the first command whose changes must be propagated.
template <class Keyspace>
void propagate_changes(Keyspace& keyspace, server::server_context& server) {
    if (server.observes(&keyspace)) return;
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    relay->attach(server);
    server.at_exit([relay] {}); // the context keeps the relay alive
}

/// Applies notify-keyspace-events `classes` to `server` (and `keyspace`, which reports new and
/// missed keys only when n or m is on): once any class is on, the keyspace reports its changes
/// to `server` (propagate_changes) so that expiry and eviction are notified.
template <class Keyspace>
void apply_keyspace_events(Keyspace& keyspace, server::server_context& server, server::keyspace_event_class classes) {
    using server::keyspace_event_class;
    server.set_keyspace_events(classes);
    keyspace.report_creations_and_misses(
        server::keyspace_event_enabled(classes, keyspace_event_class::new_key | keyspace_event_class::key_miss));
    if (classes != keyspace_event_class::none) propagate_changes(keyspace, server);
}

} // namespace respkit::commands

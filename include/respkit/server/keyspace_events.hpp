#pragma once

/// \file
/// Keyspace notifications (Redis's notify-keyspace-events): the event classes, their text form,
/// and the publication of one event on `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`
/// through pub/sub. Commands emit events with command_call::notify (docs/notifications.md).

#include <cstddef>
#include <string>
#include <string_view>

#include "respkit/server/keyspace_event_class.hpp"
#include "respkit/server/pubsub.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Publishes event `event` of class `type` about `key` of database `db`, as Redis's
/// notifyKeyspaceEvent: `event` on `__keyspace@<db>__:<key>` (K), then `key` on
/// `__keyevent@<db>__:<event>` (E). Costs one test when the class is not enabled.
template <class = void> // declared in call.hpp; instantiated only where used (docs/headers.md, rule 5)
void notify_keyspace_event(server_context& server, keyspace_event_class type, std::string_view event,
                           std::string_view key, std::size_t db) {
    const keyspace_event_class flags = server.keyspace_events();
    if ((flags & type) == keyspace_event_class::none) [[likely]]
        return;
    const std::string db_text = std::to_string(db);
    std::string channel;
    if ((flags & keyspace_event_class::keyspace) != keyspace_event_class::none) {
        channel.reserve(16 + db_text.size() + key.size());
        channel.append("__keyspace@").append(db_text).append("__:").append(key);
        (void)publish(server, channel, event);
    }
    if ((flags & keyspace_event_class::keyevent) != keyspace_event_class::none) {
        channel.clear();
        channel.append("__keyevent@").append(db_text).append("__:").append(event);
        (void)publish(server, channel, key);
    }
}

} // namespace respkit::server

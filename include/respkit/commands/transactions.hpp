#pragma once

/// \file
/// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7's replies: commands queued
/// after MULTI answer +QUEUED, a command rejected while queueing makes EXEC answer EXECABORT,
/// an error inside EXEC does not stop the others, and EXEC answers a null array when a watched
/// key was modified, deleted, expired or flushed (by anyone) since WATCH.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/key_events.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/dispatcher.hpp"
#include "respkit/server/session.hpp"

namespace respkit::commands {

/// Installs MULTI, EXEC, DISCARD, WATCH and UNWATCH over `keyspace` (which must outlive the
/// dispatcher).
template <class Keyspace>
void install_transaction_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using server::arg_type;
    using server::command_flag;
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    constexpr command_flag base = command_flag::noscript | command_flag::loading | command_flag::stale;
    constexpr command_flag control = command_flag::transaction_control;
    const std::vector<std::string> fast_tx{"@fast", "@transaction"};

    commands.add({.name = "multi", .arity = 1, .flags = base | command_flag::fast | command_flag::allow_busy | control,
                  .group = "transactions", .summary = "Mark the start of a transaction block", .since = "1.2.0",
                  .complexity = "O(1)", .acl_categories = fast_tx},
                 [](server::command_call& call) {
                     if (call.client().in_multi()) {
                         call.error("ERR MULTI calls can not be nested");
                         return;
                     }
                     call.client().begin_multi();
                     call.ok();
                 });
    commands.add({.name = "exec", .arity = 1, .flags = base | command_flag::skip_slowlog | control,
                  .group = "transactions", .summary = "Execute all commands issued after MULTI", .since = "1.2.0",
                  .complexity = "Depends on commands in the transaction", .acl_categories = {"@slow", "@transaction"}},
                 [ks = &keyspace](server::command_call& call) {
                     server::session& client = call.client();
                     if (!client.in_multi()) {
                         call.error("ERR EXEC without MULTI");
                         return;
                     }
                     // A watched key whose TTL passed since WATCH changed, even if nobody removed it yet.
                     for (const auto& w : client.watched_keys()) {
                         if (!w.expired_at_watch && ks->stored_expired(w.db, w.key)) client.mark_watch_dirty();
                     }
                     if (client.multi_aborted()) {
                         call.error("EXECABORT Transaction discarded because of previous errors.");
                         client.discard_transaction();
                         return;
                     }
                     if (client.watch_dirty()) {
                         call.reply().null_array();
                         client.discard_transaction();
                         return;
                     }
                     const auto queue = client.end_multi();
                     client.unwatch();
                     call.reply().array(queue.size());
                     client.set_executing_transaction(true);
                     std::vector<std::string_view> args;
                     for (const auto& command : queue) {
                         args.assign(command.args.begin(), command.args.end());
                         // Resolved again: a command removed meanwhile answers as unknown.
                         const server::command_entry* entry =
                             client.commands().resolve(args, call.reply(), call.server());
                         if (entry != nullptr) client.commands().run(*entry, args, client, call.server(), call.reply());
                     }
                     client.set_executing_transaction(false);
                 });
    commands.add({.name = "discard", .arity = 1, .flags = base | command_flag::fast | command_flag::allow_busy | control,
                  .group = "transactions", .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
                  .complexity = "O(N), when N is the number of queued commands", .acl_categories = fast_tx},
                 [](server::command_call& call) {
                     if (!call.client().in_multi()) {
                         call.error("ERR DISCARD without MULTI");
                         return;
                     }
                     call.client().discard_transaction();
                     call.ok();
                 });
    commands.add({.name = "watch", .arity = -2,
                  .flags = base | command_flag::fast | command_flag::allow_busy | control,
                  .keys = {1, -1, 1},
                  .key_specs = {{.flags = server::key_flag::ro, .find = server::key_range(-1)}},
                  .group = "transactions",
                  .summary = "Watch the given keys to determine execution of the MULTI/EXEC block", .since = "2.2.0",
                  .complexity = "O(1) for every key.", .acl_categories = fast_tx,
                  .arguments = {{.name = "key", .type = arg_type::key, .key_spec_index = 0,
                                 .flags = server::arg_flag::multiple}}},
                 [ks = &keyspace, relay](server::command_call& call) {
                     server::session& client = call.client();
                     if (client.in_multi()) {
                         call.error("ERR WATCH inside MULTI is not allowed");
                         return;
                     }
                     relay->attach(call.server());
                     for (std::size_t i = 1; i < call.argc(); ++i) {
                         client.watch(client.db(), call.arg(i), ks->stored_expired(client.db(), call.arg(i)));
                     }
                     call.ok();
                 });
    commands.add({.name = "unwatch", .arity = 1, .flags = base | command_flag::fast | command_flag::allow_busy,
                  .group = "transactions", .summary = "Forget about all watched keys", .since = "2.2.0",
                  .complexity = "O(1)", .acl_categories = fast_tx},
                 [](server::command_call& call) {
                     call.client().unwatch();
                     call.ok();
                 });
}

} // namespace respkit::commands

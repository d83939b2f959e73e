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
#include "respkit/commands/specs/transactions.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/key_extraction.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Installs MULTI, EXEC, DISCARD, WATCH and UNWATCH over `keyspace` (which must outlive the
/// dispatcher).
template <class Keyspace>
void install_transaction_commands(server::dispatcher& commands, Keyspace& keyspace) {
    auto relay = std::make_shared<key_event_relay<Keyspace>>(keyspace);
    auto specs = transaction_command_specs();

    commands.add(std::move(specs.multi),
                 [](server::command_call& call) {
                     if (call.client().in_multi()) {
                         call.error("ERR MULTI calls can not be nested");
                         return;
                     }
                     call.client().begin_multi();
                     call.ok();
                 });
    commands.add(std::move(specs.exec),
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
                     // EXEC itself is not propagated: its commands are, wrapped in MULTI / EXEC
                     // when there are several.
                     call.prevent_propagation();
                     client.set_executing_transaction(true);
                     std::vector<std::string_view> args;
                     for (const auto& command : queue) {
                         args.assign(command.args.begin(), command.args.end());
                         // Through the command path again: a command removed meanwhile answers
                         // as unknown.
                         client.execute(args, server::command_origin::transaction);
                     }
                     client.set_executing_transaction(false);
                 });
    commands.add(std::move(specs.discard),
                 [](server::command_call& call) {
                     if (!call.client().in_multi()) {
                         call.error("ERR DISCARD without MULTI");
                         return;
                     }
                     call.client().discard_transaction();
                     call.ok();
                 });
    commands.add(std::move(specs.watch),
                 [ks = &keyspace, relay](server::command_call& call) {
                     server::session& client = call.client();
                     if (client.in_multi()) {
                         call.error("ERR WATCH inside MULTI is not allowed");
                         return;
                     }
                     relay->attach(call.server());
                     std::vector<server::key_reference> keys;
                     (void)server::extract_keys(call.spec(), call.args(), keys);
                     for (const server::key_reference& key : keys) {
                         const std::string_view name = call.arg(key.index);
                         client.watch(client.db(), name, ks->stored_expired(client.db(), name));
                     }
                     call.ok();
                 });
    commands.add(std::move(specs.unwatch),
                 [](server::command_call& call) {
                     call.client().unwatch();
                     call.ok();
                 });
}

} // namespace respkit::commands

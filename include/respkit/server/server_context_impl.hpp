#pragma once

/// \file
/// The definitions of server_context's members, with its state: included by what uses the
/// registries (the command families, net/, app/, scripting/), and compiled once for a program
/// that includes only respkit/server.hpp by respkit/server/src.hpp (docs/headers.md).

#include <sys/random.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "respkit/server/client_limits.hpp"
#include "respkit/server/client_pause.hpp"
#include "respkit/server/key_waiters.hpp"
#include "respkit/server/persistence.hpp"
#include "respkit/server/propagation.hpp"
#include "respkit/server/pubsub_registry.hpp"
#include "respkit/server/scripting_hooks.hpp"
#include "respkit/server/server_context.hpp"
#include "respkit/server/tracking.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

template <class T>
struct basic_server_context<T>::state {
    std::unordered_set<session*> clients;
    key_waiters watchers;
    key_waiters blocked_on;
    client_pause pause;
    std::vector<db_key> ready_keys;
    pubsub_registry pubsub;
    tracking_table tracking;
    std::vector<std::function<void()>> at_exit;
    std::vector<const void*> observed;
    server::propagation propagation;
    persistence_hooks persistence;
    scripting_hooks scripting;
    server::client_limits client_limits{};
    std::map<std::string, std::uint64_t, std::less<>> error_counts; // errorstats, by prefix
};

template <class T>
basic_server_context<T>::~basic_server_context() {
    for (auto& f : m_state->at_exit) f();
}

template <class T>
basic_server_context<T>::basic_server_context()
    : m_state(new state), m_run_id(random_id()), m_replication_id(m_run_id) {}

template <class T>
void basic_server_context<T>::change_replication_id() { m_replication_id = random_id(); }

template <class T>
void basic_server_context<T>::add_client(session* s) { m_state->clients.insert(s); }

template <class T>
void basic_server_context<T>::remove_client(session* s) {
    m_state->clients.erase(s);
    std::erase(m_notified, s);
}

template <class T>
template <class>
const auto& basic_server_context<T>::clients() const noexcept {
    return m_state->clients;
}

template <class T>
template <class>
auto& basic_server_context<T>::error_counts() noexcept {
    return m_state->error_counts;
}

template <class T>
template <class>
const auto& basic_server_context<T>::error_counts() const noexcept {
    return m_state->error_counts;
}

template <class T>
void basic_server_context<T>::count_error(std::string_view message) {
    ++m_stats.total_error_replies;
    const std::string_view prefix = message.substr(0, message.find(' '));
    auto it = m_state->error_counts.find(prefix);
    if (it == m_state->error_counts.end()) it = m_state->error_counts.emplace(std::string(prefix), 0).first;
    ++it->second;
}

template <class T>
void basic_server_context<T>::notify(session* s) {
    if (std::find(m_notified.begin(), m_notified.end(), s) == m_notified.end()) m_notified.push_back(s);
}

template <class T>
auto basic_server_context<T>::watchers() noexcept -> key_waiters& { return m_state->watchers; }

template <class T>
auto basic_server_context<T>::blocked_on() noexcept -> key_waiters& { return m_state->blocked_on; }

template <class T>
auto basic_server_context<T>::pause() noexcept -> client_pause& { return m_state->pause; }

template <class T>
auto basic_server_context<T>::pause() const noexcept -> const client_pause& { return m_state->pause; }

template <class T>
auto basic_server_context<T>::pubsub() noexcept -> pubsub_registry& { return m_state->pubsub; }

template <class T>
auto basic_server_context<T>::pubsub() const noexcept -> const pubsub_registry& { return m_state->pubsub; }

template <class T>
void basic_server_context<T>::signal_key_ready(std::size_t db, std::string_view key) {
    if (m_state->blocked_on.find(db, key) == nullptr) return;
    for (const db_key& k : m_state->ready_keys) {
        if (k.db == db && k.key == key) return;
    }
    m_state->ready_keys.push_back({db, std::string(key)});
}

template <class T>
bool basic_server_context<T>::has_ready_keys() const noexcept { return !m_state->ready_keys.empty(); }

template <class T>
std::vector<db_key> basic_server_context<T>::take_ready_keys() {
    std::vector<db_key> out;
    out.swap(m_state->ready_keys);
    return out;
}

template <class T>
void basic_server_context<T>::at_exit(std::function<void()> f) { m_state->at_exit.push_back(std::move(f)); }

template <class T>
bool basic_server_context<T>::observes(const void* keyspace) const noexcept {
    return std::find(m_state->observed.begin(), m_state->observed.end(), keyspace) != m_state->observed.end();
}

template <class T>
void basic_server_context<T>::add_observed(const void* keyspace) { m_state->observed.push_back(keyspace); }

template <class T>
void basic_server_context<T>::remove_observed(const void* keyspace) { std::erase(m_state->observed, keyspace); }

template <class T>
auto basic_server_context<T>::tracking() noexcept -> tracking_table& { return m_state->tracking; }

template <class T>
auto basic_server_context<T>::tracking() const noexcept -> const tracking_table& { return m_state->tracking; }

template <class T>
auto basic_server_context<T>::propagation() noexcept -> server::propagation& { return m_state->propagation; }

template <class T>
auto basic_server_context<T>::propagation() const noexcept -> const server::propagation& { return m_state->propagation; }

template <class T>
auto basic_server_context<T>::persistence() noexcept -> persistence_hooks& { return m_state->persistence; }

template <class T>
auto basic_server_context<T>::persistence() const noexcept -> const persistence_hooks& { return m_state->persistence; }

template <class T>
auto basic_server_context<T>::scripting() noexcept -> scripting_hooks& { return m_state->scripting; }

template <class T>
auto basic_server_context<T>::scripting() const noexcept -> const scripting_hooks& { return m_state->scripting; }

template <class T>
auto basic_server_context<T>::client_limits() noexcept -> server::client_limits& { return m_state->client_limits; }

template <class T>
auto basic_server_context<T>::client_limits() const noexcept -> const server::client_limits& { return m_state->client_limits; }

template <class T>
std::string basic_server_context<T>::random_id() const {
    unsigned char bytes[20] = {};
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n <= 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    // Without the kernel's randomness (very old kernels): the clock and this address, mixed.
    std::uint64_t mix = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                        reinterpret_cast<std::uintptr_t>(this);
    for (std::size_t i = got; i < sizeof bytes; ++i) {
        mix += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = (mix ^ (mix >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        bytes[i] = static_cast<unsigned char>(z ^ (z >> 31));
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string id(40, '0');
    for (std::size_t i = 0; i < sizeof bytes; ++i) {
        id[2 * i] = hex[bytes[i] >> 4];
        id[2 * i + 1] = hex[bytes[i] & 0xf];
    }
    return id;
}

} // namespace respkit::server

#pragma once

/// \file
/// The typed command helpers, written once for connection (which runs them and returns
/// `result<T>`) and pipeline (which queues them and returns `handle<Decoder>`).

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/client/reply.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::client {

/// Options of SET: expiry and condition.
struct set_options {
    /// When SET may write.
    enum class condition { always, if_not_exists /* NX */, if_exists /* XX */ };
    std::optional<std::chrono::seconds> ex{};      ///< EX seconds
    std::optional<std::chrono::milliseconds> px{}; ///< PX milliseconds
    condition only = condition::always;          ///< NX / XX
    bool keep_ttl = false;                       ///< KEEPTTL
};

/// Typed helpers over `Derived::run<Decoder>(args...)` and `Derived::run_range<Decoder>(args)`.
template <class Derived>
class command_set {
public:
    /// PING -> "PONG".
    auto ping() { return self().template run<reply::string>("PING"); }
    /// ECHO message -> message.
    auto echo(std::string_view message) { return self().template run<reply::string>("ECHO", message); }
    /// SET key value -> true.
    auto set(std::string_view key, std::string_view value) {
        return self().template run<reply::set_reply>("SET", key, value);
    }
    /// SET key value [EX s | PX ms] [NX | XX] [KEEPTTL] -> true when set, false when NX/XX refused.
    auto set(std::string_view key, std::string_view value, const set_options& opts) {
        std::vector<std::string> args{"SET", std::string(key), std::string(value)};
        if (opts.ex) {
            args.emplace_back("EX");
            args.push_back(std::to_string(opts.ex->count()));
        }
        if (opts.px) {
            args.emplace_back("PX");
            args.push_back(std::to_string(opts.px->count()));
        }
        if (opts.only == set_options::condition::if_not_exists) args.emplace_back("NX");
        if (opts.only == set_options::condition::if_exists) args.emplace_back("XX");
        if (opts.keep_ttl) args.emplace_back("KEEPTTL");
        return self().template run_range<reply::set_reply>(args);
    }
    /// GET key -> value or nullopt.
    auto get(std::string_view key) { return self().template run<reply::optional_string>("GET", key); }
    /// DEL key... -> number deleted.
    template <resp::command_argument... Keys>
    auto del(const Keys&... keys) { return self().template run<reply::integer>("DEL", keys...); }
    /// EXISTS key... -> number existing.
    template <resp::command_argument... Keys>
    auto exists(const Keys&... keys) { return self().template run<reply::integer>("EXISTS", keys...); }
    /// MSET k v [k v ...].
    auto mset(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
        std::vector<std::string_view> args{"MSET"};
        for (const auto& [k, v] : pairs) {
            args.push_back(k);
            args.push_back(v);
        }
        return self().template run_range<reply::ok>(args);
    }
    /// MGET key... -> values or nullopt each.
    template <resp::command_argument... Keys>
    auto mget(const Keys&... keys) { return self().template run<reply::optional_strings>("MGET", keys...); }
    /// MGET over a list of keys.
    auto mget(const std::vector<std::string>& keys) {
        std::vector<std::string_view> args{"MGET"};
        for (const auto& k : keys) args.push_back(k);
        return self().template run_range<reply::optional_strings>(args);
    }
    /// INCR key -> new value.
    auto incr(std::string_view key) { return self().template run<reply::integer>("INCR", key); }
    /// INCRBY key n -> new value.
    auto incrby(std::string_view key, std::int64_t n) { return self().template run<reply::integer>("INCRBY", key, n); }
    /// DECR key -> new value.
    auto decr(std::string_view key) { return self().template run<reply::integer>("DECR", key); }
    /// EXPIRE key seconds -> true when the timeout was set.
    auto expire(std::string_view key, std::chrono::seconds s) {
        return self().template run<reply::boolean>("EXPIRE", key, static_cast<std::int64_t>(s.count()));
    }
    /// TTL key -> seconds, -1 without expiry, -2 when missing.
    auto ttl(std::string_view key) { return self().template run<reply::integer>("TTL", key); }
    /// HSET key field value [field value ...] -> fields added.
    template <resp::command_argument... FieldsValues>
    auto hset(std::string_view key, const FieldsValues&... fv) {
        static_assert(sizeof...(FieldsValues) % 2 == 0 && sizeof...(FieldsValues) > 0, "HSET takes field/value pairs");
        return self().template run<reply::integer>("HSET", key, fv...);
    }
    /// HGET key field -> value or nullopt.
    auto hget(std::string_view key, std::string_view field) {
        return self().template run<reply::optional_string>("HGET", key, field);
    }
    /// HGETALL key -> field/value pairs (RESP2 or RESP3).
    auto hgetall(std::string_view key) { return self().template run<reply::pairs>("HGETALL", key); }
    /// LPUSH key value... -> new length.
    template <resp::command_argument... Values>
    auto lpush(std::string_view key, const Values&... values) {
        return self().template run<reply::integer>("LPUSH", key, values...);
    }
    /// RPUSH key value... -> new length.
    template <resp::command_argument... Values>
    auto rpush(std::string_view key, const Values&... values) {
        return self().template run<reply::integer>("RPUSH", key, values...);
    }
    /// LRANGE key start stop -> elements.
    auto lrange(std::string_view key, std::int64_t start, std::int64_t stop) {
        return self().template run<reply::strings>("LRANGE", key, start, stop);
    }
    /// SADD key member... -> members added.
    template <resp::command_argument... Members>
    auto sadd(std::string_view key, const Members&... members) {
        return self().template run<reply::integer>("SADD", key, members...);
    }
    /// SMEMBERS key -> members (RESP2 array or RESP3 set).
    auto smembers(std::string_view key) { return self().template run<reply::strings>("SMEMBERS", key); }
    /// FLUSHDB.
    auto flushdb() { return self().template run<reply::ok>("FLUSHDB"); }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
};

} // namespace respkit::client

#pragma once

/// \file
/// Clocks for the keyspace: a concept, the real wall clock and a manual clock for tests.

#include <respkit/version.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store {

/// A source of the current time in Unix milliseconds, used for key expiry.
///
/// Required expressions, for `const C c`:
/// - `c.now_ms()` -> `std::int64_t`: milliseconds since the Unix epoch.
template <class C>
concept clock_source = requires(const C& c) {
    { c.now_ms() } -> std::same_as<std::int64_t>;
};

/// The real wall clock (std::chrono::system_clock).
struct system_clock {
    /// Current Unix time in milliseconds.
    [[nodiscard]] std::int64_t now_ms() const noexcept {
        using namespace std::chrono;
        return static_cast<std::int64_t>(
            duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    }
};

/// A clock that only moves when told to: makes expiry testable without sleeping.
class manual_clock {
public:
    /// Starts at `start_ms` Unix milliseconds.
    constexpr explicit manual_clock(std::int64_t start_ms = 1'700'000'000'000) noexcept
        : m_now(start_ms) {}

    /// The current (manually set) time.
    [[nodiscard]] constexpr std::int64_t now_ms() const noexcept { return m_now; }

    /// Sets the current time.
    constexpr void set(std::int64_t now_ms) noexcept { m_now = now_ms; }

    /// Moves the current time forward (or backward, if negative) by `delta_ms`.
    constexpr void advance(std::int64_t delta_ms) noexcept { m_now += delta_ms; }

private:
    std::int64_t m_now;
};

static_assert(clock_source<system_clock>);
static_assert(clock_source<manual_clock>);

} // namespace respkit::store

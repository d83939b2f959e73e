// The poller on its own: readiness of a socket pair, timeouts, and the adaptive busy poll
// (while events keep coming within the limit, wait() does not sleep; timeouts still hold).
//
// tests/net_poll/poller.cpp compiles this file again with the poll() backend.

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "respkit/net/poller.hpp"

using namespace respkit;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// A connected socket pair, closed by the destructor.
struct socket_pair {
    int fd[2] = {-1, -1};
    socket_pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0); }
    socket_pair(const socket_pair&) = delete;
    socket_pair& operator=(const socket_pair&) = delete;
    ~socket_pair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
};

// Times this thread gave up the CPU by itself: a wait() that blocked counts one.
long voluntary_switches() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nvcsw;
}

// Runs `waits` wait()s on `p` while another thread writes a byte to `to` every `gap`, reading
// each byte from `from`; returns how many of those waits slept.
long sleeping_waits(net::poller& p, int to, int from, int waits, std::chrono::microseconds gap) {
    std::atomic<bool> done{false};
    std::thread writer([&] {
        while (!done.load()) {
            std::this_thread::sleep_for(gap);
            const char byte = 'x';
            (void)::send(to, &byte, 1, MSG_NOSIGNAL);
        }
    });
    for (int i = 0; i < 5; ++i) { // let the busy poll's window adapt to the gaps
        (void)p.wait(1000);
        char buf[64];
        (void)::recv(from, buf, sizeof buf, 0);
    }
    const long before = voluntary_switches();
    int got = 0;
    for (int i = 0; i < waits; ++i) {
        got += p.wait(1000).empty() ? 0 : 1;
        char buf[64];
        (void)::recv(from, buf, sizeof buf, 0);
    }
    const long slept = voluntary_switches() - before;
    done.store(true);
    writer.join();
    CHECK(got == waits);
    return slept;
}

} // namespace

TEST_CASE("poller: reports a readable socket, and nothing after a timeout") {
    net::poller p;
    REQUIRE(!p.open());
    socket_pair sp;
    REQUIRE(!p.add(sp.fd[0], net::readable));
    CHECK(p.wait(0).empty());
    const auto start = clock_type::now();
    CHECK(p.wait(30).empty());
    CHECK(clock_type::now() - start >= 29ms);
    REQUIRE(::send(sp.fd[1], "a", 1, 0) == 1);
    const auto& events = p.wait(1000);
    REQUIRE(events.size() == 1);
    CHECK(events[0].fd == sp.fd[0]);
    CHECK((events[0].events & net::readable) != 0);
}

TEST_CASE("poller: with a busy poll, events coming within its limit are caught without sleeping") {
    socket_pair sp;
    net::poller plain;
    REQUIRE(!plain.open());
    REQUIRE(!plain.add(sp.fd[0], net::readable));
    CHECK(plain.busy_poll() == 0us);
    // Without a busy poll nearly every wait sleeps until the next byte (1 ms later).
    CHECK(sleeping_waits(plain, sp.fd[1], sp.fd[0], 20, 1000us) >= 10);

    net::poller busy;
    busy.busy_poll(200ms); // generous: the writer may be descheduled on a loaded machine
    CHECK(busy.busy_poll() == 200ms);
    REQUIRE(!busy.open());
    REQUIRE(!busy.add(sp.fd[0], net::readable));
    CHECK(sleeping_waits(busy, sp.fd[1], sp.fd[0], 20, 1000us) <= 3);
}

TEST_CASE("poller: a busy poll keeps timeouts and adapts back to sleeping when nothing comes") {
    net::poller p;
    p.busy_poll(200ms);
    REQUIRE(!p.open());
    socket_pair sp;
    REQUIRE(!p.add(sp.fd[0], net::readable));
    // A quick event opens the window (to a quarter of the limit, 50 ms)...
    for (int i = 0; i < 3; ++i) {
        REQUIRE(::send(sp.fd[1], "a", 1, 0) == 1);
        REQUIRE(p.wait(1000).size() == 1);
        char c;
        REQUIRE(::recv(sp.fd[0], &c, 1, 0) == 1);
    }
    // ...but the timeout still ends the wait on time: 50 ms, not 50 of polling plus 50 asleep.
    auto start = clock_type::now();
    CHECK(p.wait(50).empty());
    auto took = clock_type::now() - start;
    CHECK(took >= 49ms);
    CHECK(took < 90ms);
    // Waits that end with nothing close the window: waiting costs (almost) no CPU again.
    for (int i = 0; i < 4; ++i) CHECK(p.wait(30).empty());
    rusage before{}, after{};
    ::getrusage(RUSAGE_THREAD, &before);
    start = clock_type::now();
    CHECK(p.wait(100).empty());
    took = clock_type::now() - start;
    ::getrusage(RUSAGE_THREAD, &after);
    const auto cpu = [](const rusage& u) {
        return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
    };
    CHECK(took >= 99ms);
    CHECK(cpu(after) - cpu(before) < 20ms);
}

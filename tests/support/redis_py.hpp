#pragma once

/// \file
/// A redis-py script (/usr/bin/python3 with Debian's python3-redis) run against the built
/// respkit-server and against Debian's redis-server, so that the script's expectations are
/// Redis's own.

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "support/process_util.hpp"

namespace respkit_test {

/// The interpreter redis-py scripts run on: Debian's, which has python3-redis (`python3` on PATH may
/// be another interpreter, without Debian's packages).
inline const std::string redis_py_python = "/usr/bin/python3";

/// Whether redis_py_python is there and can `import redis` (Debian's python3-redis).
inline bool have_redis_py() {
    return ::access(redis_py_python.c_str(), X_OK) == 0 &&
           run_program({redis_py_python, "-c", "import redis"}).exit_code == 0;
}

/// Runs `script` (`python3 -c script PORT`) against a fresh respkit-server and a fresh
/// redis-server; each run must exit 0 and print exactly "ok". A server that is not there (not
/// built, not installed) is skipped with a message. Returns how many servers the script ran
/// against, or nothing (and a message) without python3-redis.
inline std::optional<std::size_t> run_redis_py_on_both(const char* script, const std::string& label) {
    using namespace std::chrono_literals;
    const std::string& python = redis_py_python;
    if (!have_redis_py()) {
        MESSAGE("skipped: python3-redis missing");
        return std::nullopt;
    }
    std::size_t ran = 0;
    for (const bool respkit : {true, false}) {
        CAPTURE(respkit);
        const server_process server = respkit ? start_respkit_server() : start_redis_server();
        if (!server.running()) {
            MESSAGE("skipped: " << (respkit ? "respkit-server not built" : "redis-server not installed"));
            continue;
        }
        const auto r = run_program({python, "-c", script, std::to_string(server.port())}, {}, 30s);
        CAPTURE(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "ok\n");
        ++ran;
    }
    MESSAGE("the redis-py " << label << " script ran against " << ran << " servers");
    return ran;
}

} // namespace respkit_test

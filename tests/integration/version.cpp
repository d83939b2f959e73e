// The version macros agree with each other and with the build system's project version,
// so the suite is never empty and a version bump cannot miss a place.

#include "respkit/version.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("version string is MAJOR.MINOR.PATCH") {
    const std::string expected = std::to_string(RESPKIT_VERSION_MAJOR) + "." +
                                 std::to_string(RESPKIT_VERSION_MINOR) + "." +
                                 std::to_string(RESPKIT_VERSION_PATCH);
    CHECK(std::string{RESPKIT_VERSION_STRING} == expected);
    CHECK(RESPKIT_VERSION ==
          RESPKIT_VERSION_MAJOR * 10000 + RESPKIT_VERSION_MINOR * 100 + RESPKIT_VERSION_PATCH);
}

#ifdef RESPKIT_PROJECT_VERSION
TEST_CASE("version.hpp matches the build system's project version") {
    CHECK(std::string{RESPKIT_VERSION_STRING} == std::string{RESPKIT_PROJECT_VERSION});
}
#endif

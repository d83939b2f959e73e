// The version macros agree with each other and with the build system's project version,
// so the suite is never empty and a version bump cannot miss a place.

#include "respkit/resp/parser.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <typeinfo>

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

#define RESPKIT_TEST_STRINGIFY(x) #x
#define RESPKIT_TEST_NAME_OF(x) RESPKIT_TEST_STRINGIFY(x)

// Two copies of respkit with different major versions must not mix silently: every entity
// lives in an inline namespace named after the major version, which is part of its symbols.
static_assert(std::is_same_v<respkit::resp::parser, respkit::RESPKIT_ABI_NAMESPACE::resp::parser>);
static_assert(std::is_same_v<respkit::store::keyspace<>, respkit::RESPKIT_ABI_NAMESPACE::store::keyspace<>>);

TEST_CASE("the inline namespace carries the major version and is in the symbols") {
    const std::string abi = RESPKIT_TEST_NAME_OF(RESPKIT_ABI_NAMESPACE);
    CHECK(abi == "v" + std::to_string(RESPKIT_VERSION_MAJOR));
    // Itanium mangling: a namespace is its length and name (2v0), and sits in every name.
    const std::string mangled = typeid(respkit::resp::parser).name();
    CHECK(mangled.find(std::to_string(abi.size()) + abi) != std::string::npos);
    INFO(mangled);
}

// Helpers shared by the typed-serialization tests (tests/codec/typed*.cpp): reading bytes into
// a C++ type from parsed nodes and from an owning value alike, and round trips in both protocols.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "respkit/resp/typed_read.hpp"
#include "respkit/resp/typed_write.hpp"
#include "respkit/resp/value_builder.hpp"

namespace respkit_test {

/// `bytes` (one complete message) parsed into an owning value.
inline respkit::resp::value parsed(const std::string& bytes) {
    using namespace respkit::resp;
    const parsed_value p = parse_value(bytes);
    REQUIRE(p.result == parse_result{parse_status::complete, bytes.size()});
    return p.value;
}

/// The error reading `bytes` into T, from nodes and from an owning value (which must agree).
template <class T>
std::string error_of(const std::string& bytes) {
    using namespace respkit::resp;
    T from_nodes{};
    const read_result r = decode(bytes, from_nodes);
    T from_value{};
    const read_result v = read_into(parsed(bytes), from_value);
    CHECK(r.error == v.error);
    return r.error;
}

/// Writes `v` in both protocols, checks the bytes, and reads each back (from nodes and from a
/// value) into an equal T.
template <class T>
void round_trip(const T& v, const std::string& resp3_bytes, const std::string& resp2_bytes) {
    using namespace respkit::resp;
    CHECK(encode(v) == resp3_bytes);
    CHECK(encode(v, protocol::resp2) == resp2_bytes);
    for (const std::string& bytes : {resp3_bytes, resp2_bytes}) {
        CAPTURE(bytes);
        T from_nodes{};
        const read_result r = decode(bytes, from_nodes);
        CHECK(r.error == "");
        CHECK((from_nodes == v));
        T from_value{};
        const read_result rv = read_into(parsed(bytes), from_value);
        CHECK(rv.error == "");
        CHECK((from_value == v));
    }
}

} // namespace respkit_test

// cluster::encode_bus_message, bus_message_length and decode_bus_message: the header's layout
// (field offsets from Redis 7.0's cluster.h), every message type round trip, and each check Redis
// makes before acting on a message (bytes captured from redis-server are decoded and re-encoded
// in tests/integration/cluster_bus.cpp).

#include <doctest/doctest.h>

#include <respkit/cluster/bus_message.hpp>

#include <cstdint>
#include <string>
#include <system_error>

using namespace respkit::cluster;
using respkit::errc;

namespace {

const std::string name_a(40, 'a');
const std::string name_b(40, 'b');

bus_message sample_ping() {
    bus_message m;
    m.type = bus_message_type::ping;
    m.port = 7000;
    m.current_epoch = 0x0102030405060708ULL;
    m.config_epoch = 9;
    m.offset = 77;
    m.sender = name_a;
    m.slots.set(0);
    m.slots.set(9);
    m.slots.set(16383);
    m.ip = "127.0.0.1";
    m.cport = 17000;
    m.flags = node_flag::primary | node_flag::myself;
    m.gossip.push_back({name_b, 1, 2, "10.0.0.2", 7001, 17001, node_flag::primary, 0});
    return m;
}

std::uint64_t be(const std::string& bytes, std::size_t at, int length) {
    std::uint64_t v = 0;
    for (int i = 0; i < length; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

} // namespace

TEST_CASE("the header's fields sit at Redis's offsets, in network byte order") {
    const std::string bytes = encode_bus_message(sample_ping());
    REQUIRE(bytes.size() == bus_header_length + bus_gossip_length);
    CHECK(bytes.substr(0, 4) == "RCmb");
    CHECK(be(bytes, 4, 4) == bytes.size());
    CHECK(be(bytes, 8, 2) == 1);      // version
    CHECK(be(bytes, 10, 2) == 7000);  // port
    CHECK(be(bytes, 12, 2) == 0);     // type PING
    CHECK(be(bytes, 14, 2) == 1);     // one gossip section
    CHECK(be(bytes, 16, 8) == 0x0102030405060708ULL);
    CHECK(be(bytes, 24, 8) == 9);
    CHECK(be(bytes, 32, 8) == 77);
    CHECK(bytes.substr(40, 40) == name_a);
    CHECK(static_cast<unsigned char>(bytes[80]) == 0x01);          // slot 0: bit 0 of byte 0
    CHECK(static_cast<unsigned char>(bytes[81]) == 0x02);          // slot 9: bit 1 of byte 1
    CHECK(static_cast<unsigned char>(bytes[80 + 2047]) == 0x80);   // slot 16383
    CHECK(bytes.substr(2128, 40) == std::string(40, '\0'));       // a primary: no replica_of
    CHECK(bytes.substr(2168, 10) == std::string("127.0.0.1\0", 10));
    CHECK(be(bytes, 2214, 2) == 0);   // no extensions
    CHECK(be(bytes, 2248, 2) == 17000);
    CHECK(be(bytes, 2250, 2) == (node_flag::primary | node_flag::myself));
    CHECK(bytes[2253] == 0);          // no ext_data flag without extensions
    CHECK(bytes.substr(2256, 40) == name_b);
    CHECK(be(bytes, 2256 + 94, 2) == 7001);
}

TEST_CASE("every type round-trips") {
    std::vector<bus_message> messages;
    messages.push_back(sample_ping());
    bus_message pong = sample_ping();
    pong.type = bus_message_type::pong;
    pong.hostname = "node-1.example"; // 14 bytes + NUL -> 16, plus the 8-byte extension header
    messages.push_back(pong);
    bus_message meet = sample_ping();
    meet.type = bus_message_type::meet;
    meet.gossip.clear();
    meet.replica_of = name_b;
    meet.flags = node_flag::replica;
    messages.push_back(meet);
    bus_message fail;
    fail.type = bus_message_type::fail;
    fail.sender = name_a;
    fail.failed_node = name_b;
    messages.push_back(fail);
    for (auto type : {bus_message_type::publish, bus_message_type::publishshard}) {
        bus_message publish;
        publish.type = type;
        publish.channel = "news";
        publish.payload = std::string("hello\0world", 11);
        messages.push_back(publish);
    }
    bus_message update;
    update.type = bus_message_type::update;
    update.update_config_epoch = 5;
    update.update_node = name_b;
    update.update_slots.set(100);
    messages.push_back(update);
    bus_message module;
    module.type = bus_message_type::module;
    module.module_id = 42;
    module.module_type = 3;
    module.payload = "payload";
    messages.push_back(module);
    for (auto type : {bus_message_type::failover_auth_request, bus_message_type::failover_auth_ack,
                      bus_message_type::mfstart}) {
        bus_message m;
        m.type = type;
        m.sender = name_a;
        messages.push_back(m);
    }

    for (const bus_message& m : messages) {
        CAPTURE(static_cast<int>(m.type));
        const std::string bytes = encode_bus_message(m);
        std::error_code error;
        CHECK(bus_message_length(bytes, 1 << 20, error) == bytes.size());
        CHECK(!error);
        bus_message back;
        REQUIRE(!decode_bus_message(bytes, back));
        bus_message expected = m;
        if (!m.hostname.empty()) expected.message_flags[0] |= message_flag::ext_data;
        CHECK(back == expected);
        CHECK(encode_bus_message(back) == bytes);
    }
    const std::string pong_bytes = encode_bus_message(pong);
    CHECK(pong_bytes.size() == bus_header_length + bus_gossip_length + 8 + 16);
    CHECK(be(pong_bytes, 2214, 2) == 1);
    CHECK((pong_bytes[2253] & message_flag::ext_data) != 0);
}

TEST_CASE("slot_bitmap counts, sets and clears") {
    slot_bitmap s;
    CHECK(s.count() == 0);
    for (unsigned slot = 0; slot < slot_count; slot += 3) s.set(slot);
    CHECK(s.count() == (slot_count + 2) / 3);
    s.set(3, false);
    CHECK(!s.test(3));
    CHECK(s.test(6));
    s.set(slot_count); // past the end: ignored
    CHECK(!s.test(slot_count));
}

TEST_CASE("bus_message_length: 0 until 8 bytes, errors for the signature and the bounds") {
    const std::string bytes = encode_bus_message(sample_ping());
    std::error_code error;
    CHECK(bus_message_length(bytes.substr(0, 7), 1 << 20, error) == 0);
    CHECK(!error);
    CHECK(bus_message_length("RCmX" + bytes.substr(4), 1 << 20, error) == 0);
    CHECK((error == errc::bus_bad_signature));
    CHECK(bus_message_length(bytes, bus_header_length, error) == 0); // over the limit
    CHECK((error == errc::bus_bad_length));
    std::string short_length = bytes;
    short_length[4] = short_length[5] = short_length[6] = 0;
    short_length[7] = 100;
    CHECK(bus_message_length(short_length, 1 << 20, error) == 0);
    CHECK((error == errc::bus_bad_length));
}

TEST_CASE("decode_bus_message refuses what Redis refuses") {
    bus_message out;
    const std::string ping = encode_bus_message(sample_ping());
    CHECK((decode_bus_message(ping.substr(0, 100), out) == errc::bus_bad_length));
    CHECK((decode_bus_message("XXXX", out) == errc::bus_bad_signature));

    std::string bad_version = ping;
    bad_version[9] = 2;
    CHECK((decode_bus_message(bad_version, out) == errc::bus_bad_version));

    // The total length is not what the gossip count makes it.
    std::string more_gossip = ping;
    more_gossip[15] = 2;
    CHECK((decode_bus_message(more_gossip, out) == errc::bus_malformed));
    std::string trailing = ping + std::string(8, '\0');
    trailing[7] = static_cast<char>(trailing.size() & 0xFF);
    trailing[6] = static_cast<char>(trailing.size() >> 8 & 0xFF);
    CHECK((decode_bus_message(trailing, out) == errc::bus_malformed));

    // An extension whose length is not a multiple of 8, or runs past the message.
    bus_message with_host = sample_ping();
    with_host.hostname = "h";
    const std::string host = encode_bus_message(with_host);
    const std::size_t ext = bus_header_length + bus_gossip_length;
    std::string unpadded = host;
    unpadded[ext + 3] = 12;
    CHECK((decode_bus_message(unpadded, out) == errc::bus_malformed));
    std::string overlong = host;
    overlong[ext + 3] = 24;
    CHECK((decode_bus_message(overlong, out) == errc::bus_malformed));
    std::string zero_length = host;
    zero_length[ext + 3] = 0;
    CHECK((decode_bus_message(zero_length, out) == errc::bus_malformed));
    // Two extensions announced, one present.
    std::string two = host;
    two[2215] = 2;
    CHECK((decode_bus_message(two, out) == errc::bus_malformed));
    // An unknown extension type is skipped and counted.
    std::string unknown = host;
    unknown[ext + 5] = 7;
    REQUIRE(!decode_bus_message(unknown, out));
    CHECK(out.unknown_extensions == 1);
    CHECK(out.hostname.empty());

    // Fixed-size bodies of the wrong size.
    bus_message fail;
    fail.type = bus_message_type::fail;
    std::string long_fail = encode_bus_message(fail) + std::string(8, '\0');
    long_fail[7] = static_cast<char>(long_fail.size() & 0xFF);
    long_fail[6] = static_cast<char>(long_fail.size() >> 8 & 0xFF);
    CHECK((decode_bus_message(long_fail, out) == errc::bus_malformed));

    // PUBLISH lengths that overflow the message.
    bus_message publish;
    publish.type = bus_message_type::publish;
    publish.channel = "c";
    publish.payload = "m";
    std::string huge = encode_bus_message(publish);
    huge[bus_header_length] = '\x7f';
    CHECK((decode_bus_message(huge, out) == errc::bus_malformed));
    std::string huge_message = encode_bus_message(publish);
    huge_message[bus_header_length + 4] = '\xff';
    huge_message[bus_header_length + 5] = '\xff';
    huge_message[bus_header_length + 6] = '\xff';
    huge_message[bus_header_length + 7] = '\xff';
    CHECK((decode_bus_message(huge_message, out) == errc::bus_malformed));

    // An unknown type: well formed, header only.
    std::string unknown_type = ping;
    unknown_type[13] = 99;
    REQUIRE(!decode_bus_message(unknown_type, out));
    CHECK(static_cast<int>(out.type) == 99);
    CHECK(out.sender == name_a);
}

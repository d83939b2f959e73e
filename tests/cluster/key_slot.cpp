// cluster::crc16, hash_tag and key_slot: the CRC16/XMODEM check value, the hash-tag rules of the
// Redis Cluster specification and its examples (redis-server's CLUSTER KEYSLOT is compared over
// thousands of keys in tests/integration/cluster_bus.cpp).

#include <doctest/doctest.h>

#include <respkit/cluster/key_slot.hpp>

#include <string>
#include <string_view>

using namespace respkit::cluster;
using namespace std::string_view_literals;

TEST_CASE("crc16 is CRC16/XMODEM") {
    CHECK(crc16("") == 0);
    CHECK(crc16("123456789") == 0x31C3); // the check value of CRC-16/XMODEM
    static_assert(crc16("123456789") == 0x31C3, "usable at compile time");
    CHECK(crc16("\xff\x00\x80"sv) == crc16(std::string("\xff\x00\x80", 3)));
}

TEST_CASE("hash_tag: the text between the first { and the first } after it, when not empty") {
    CHECK(hash_tag("{user1000}.following") == "user1000");
    CHECK(hash_tag("{user1000}.followers") == "user1000");
    CHECK(hash_tag("foo{}{bar}") == "foo{}{bar}"); // the first tag is empty: the whole key
    CHECK(hash_tag("foo{{bar}}zap") == "{bar");
    CHECK(hash_tag("foo{bar}{zap}") == "bar");
    CHECK(hash_tag("nobraces") == "nobraces");
    CHECK(hash_tag("open{only") == "open{only");
    CHECK(hash_tag("close}{") == "close}{");
    CHECK(hash_tag("{}") == "{}");
    CHECK(hash_tag("") == "");
}

TEST_CASE("key_slot: keys sharing a tag share a slot; slots are below 16384") {
    CHECK(key_slot("{user1000}.following") == key_slot("{user1000}.followers"));
    CHECK(key_slot("{user1000}.following") == key_slot("user1000"));
    CHECK(key_slot("foo") == 12182); // redis-cli CLUSTER KEYSLOT foo
    CHECK(key_slot("bar") == 5061);
    CHECK(key_slot("") == 0);
    for (int i = 0; i < 10000; ++i) CHECK(key_slot("key:" + std::to_string(i)) < slot_count);
}

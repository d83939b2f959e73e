// Tests of store::hll, Redis's HyperLogLog representation: the empty value, sparse updates and
// their opcodes, promotion to dense (by value and by size), the dense packing, the estimator's
// fixed points, merging, and corrupt input. Byte-for-byte agreement with redis-server is checked
// in tests/commands/hyperloglog.cpp.

#include <respkit/store/hyperloglog.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>

namespace hll = respkit::store::hll;

TEST_CASE("an empty HyperLogLog is Redis's: sparse, one XZERO, a valid cached 0") {
    const std::string h = hll::make_empty();
    CHECK(h == std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
    CHECK(hll::valid_header(h));
    CHECK(hll::encoding_of(h) == hll::encoding::sparse);
    CHECK(hll::cache_valid(h));
    CHECK(hll::cached_count(h) == 0);
    CHECK(*hll::count(h) == 0);
    CHECK(hll::decode_sparse(h) == "Z:16384");
}

TEST_CASE("sparse updates split runs and merge equal neighbours") {
    std::string h = hll::make_empty();
    CHECK(hll::set_register(h, 0, 3, 3000) == 1);
    CHECK(hll::decode_sparse(h) == "v:3,1 Z:16383");
    CHECK(hll::set_register(h, 0, 2, 3000) == 0);
    CHECK(hll::set_register(h, 1, 3, 3000) == 1);
    CHECK(hll::decode_sparse(h) == "v:3,2 Z:16382");
    CHECK(hll::set_register(h, 100, 5, 3000) == 1);
    CHECK(hll::decode_sparse(h) == "v:3,2 Z:98 v:5,1 Z:16283");
    CHECK(hll::set_register(h, 3, 1, 3000) == 1);
    CHECK(hll::decode_sparse(h) == "v:3,2 z:1 v:1,1 Z:96 v:5,1 Z:16283");
    CHECK(hll::set_register(h, 2, 3, 3000) == 1);
    CHECK(hll::decode_sparse(h) == "v:3,3 v:1,1 Z:96 v:5,1 Z:16283");
    CHECK(*hll::count(h) == 5); // five registers set
    CHECK(hll::encoding_of(h) == hll::encoding::sparse);
}

TEST_CASE("a sparse HyperLogLog becomes dense past 32 or past hll-sparse-max-bytes") {
    std::string h = hll::make_empty();
    CHECK(hll::set_register(h, 7, 33, 3000) == 1);
    CHECK(hll::encoding_of(h) == hll::encoding::dense);
    CHECK(h.size() == hll::dense_size);
    const auto* regs = reinterpret_cast<const unsigned char*>(h.data() + hll::header_size);
    CHECK(hll::dense_get(regs, 7) == 33);
    CHECK(hll::dense_get(regs, 6) == 0);

    std::string small = hll::make_empty();
    std::size_t i = 0;
    while (hll::encoding_of(small) == hll::encoding::sparse) {
        CHECK(hll::set_register(small, i * 3, 1 + static_cast<std::uint8_t>(i % 5), 40) == 1);
        CHECK((hll::encoding_of(small) == hll::encoding::dense || small.size() <= 40));
        ++i;
    }
    CHECK(i > 3);
}

TEST_CASE("dense registers pack six bits each without touching their neighbours") {
    std::string h = hll::make_empty();
    REQUIRE(hll::to_dense(h));
    auto* regs = reinterpret_cast<unsigned char*>(h.data() + hll::header_size);
    for (std::size_t i = 0; i < hll::registers; ++i) hll::dense_put(regs, i, static_cast<unsigned>((i * 7) & 63));
    for (std::size_t i = 0; i < hll::registers; ++i) CHECK(hll::dense_get(regs, i) == ((i * 7) & 63));
    hll::dense_put(regs, hll::registers - 1, 63);
    CHECK(hll::dense_get(regs, hll::registers - 2) == (((hll::registers - 2) * 7) & 63));
    CHECK(h.size() == hll::dense_size);
}

TEST_CASE("estimates follow the elements; merging takes each register's maximum") {
    std::string a = hll::make_empty(), b = hll::make_empty();
    for (int i = 0; i < 1000; ++i) CHECK(hll::add(a, "a" + std::to_string(i), 3000) >= 0);
    for (int i = 0; i < 50000; ++i) CHECK(hll::add(b, "b" + std::to_string(i), 3000) >= 0);
    CHECK(hll::encoding_of(b) == hll::encoding::dense);
    const std::uint64_t ca = *hll::count(a), cb = *hll::count(b);
    CHECK(ca > 970);
    CHECK(ca < 1030);
    CHECK(cb > 48500);
    CHECK(cb < 51500);
    std::array<unsigned char, hll::registers> max{};
    CHECK(hll::merge_into(max.data(), a));
    CHECK(hll::merge_into(max.data(), b));
    const std::uint64_t both = hll::count_registers(max.data());
    CHECK(both > 49500);
    CHECK(both < 52500);
    // Adding an element already seen changes nothing.
    CHECK(hll::add(a, "a1", 3000) == 0);
}

TEST_CASE("corrupt sparse HyperLogLogs are reported, never read past their end") {
    std::string none("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16);
    CHECK(hll::valid_header(none));
    CHECK(!hll::count(none));
    CHECK(hll::add(none, "x", 3000) == -1);
    std::string cut("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f", 17); // an XZERO missing its second byte
    CHECK(!hll::count(cut));
    CHECK(!hll::to_dense(cut));
    std::array<unsigned char, hll::registers> max{};
    CHECK(!hll::merge_into(max.data(), cut));
    std::string over("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff\x83", 19); // 16388 registers
    CHECK(!hll::count(over));
    CHECK(!hll::to_dense(over));
    CHECK(!hll::valid_header(std::string("HYLL\x00\0\0\0\0\0\0\0\0\0\0\0", 16))); // dense, too short
    CHECK(!hll::valid_header("HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"));
}

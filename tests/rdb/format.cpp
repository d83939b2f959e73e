// The RDB format layer without a server: CRC-64, LZF, the compact encodings (including the
// ziplist, zipmap and intset forms Redis 7.0 only reads, built here from the format), the
// reader on hand-built and written files, damage (truncation at every offset, byte flips),
// and DUMP payloads.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <iterator>
#include <ranges>
#include <string>
#include <vector>

#include "respkit/persist/snapshot.hpp"
#include "respkit/rdb.hpp"
#include "support/rdb_util.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

std::vector<std::string> listpack_elements(std::string_view lp) {
    std::vector<std::string> out;
    const std::string error = rdb::decode_listpack(lp, [&](const rdb::packed_entry& e) { out.push_back(e.to_string()); });
    REQUIRE_MESSAGE(error.empty(), error);
    return out;
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n, int alphabet) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % static_cast<unsigned>(alphabet));
    return s;
}

/// A single-pass range of "1" .. "n".
struct counting_input {
    struct iterator {
        using iterator_concept = std::input_iterator_tag;
        using value_type = std::string;
        using difference_type = std::ptrdiff_t;
        int i = 1;
        int n = 0;
        std::string operator*() const { return std::to_string(i); }
        iterator& operator++() {
            ++i;
            return *this;
        }
        void operator++(int) { ++i; }
        bool operator==(std::default_sentinel_t) const { return i > n; }
    };
    int n = 0;
    [[nodiscard]] iterator begin() const { return {1, n}; }
    [[nodiscard]] std::default_sentinel_t end() const { return {}; }
};
static_assert(std::ranges::input_range<counting_input> && !std::ranges::forward_range<counting_input>);

/// A file with every type in both encodings the writer picks, expiries and two databases.
std::string sample_file(const rdb::writer_options& options = {}) {
    rdb::string_sink out;
    rdb::writer w(out, options);
    std::vector<std::string> big_list;
    for (int i = 0; i < 3000; ++i) big_list.push_back(i % 3 == 0 ? std::to_string(i * 1000003LL) : "element-" + std::to_string(i));
    std::vector<std::pair<std::string, std::string>> big_hash;
    for (int i = 0; i < 300; ++i) big_hash.emplace_back("field" + std::to_string(i), std::string(static_cast<std::size_t>(i % 90), 'v'));
    std::vector<std::pair<std::string, double>> big_zset;
    for (int i = 0; i < 200; ++i) big_zset.emplace_back("m" + std::to_string(i), i * 0.5 - 17);
    CHECK(w.header());
    CHECK(w.aux("redis-ver", "7.0.15"));
    CHECK(w.aux("redis-bits", std::int64_t{64}));
    CHECK(w.select_db(0));
    CHECK(w.resize_db(12, 1));
    CHECK(w.string("int", "12345"));
    CHECK(w.string("neg", "-2147483648"));
    CHECK(w.string("big-int", "9223372036854775807"));
    CHECK(w.string("leading-zero", "007"));
    CHECK(w.string("empty", ""));
    CHECK(w.string("binary", std::string("a\0b\xff\r\n", 6)));
    CHECK(w.key_expiry(4102444800000));
    CHECK(w.string("compressible", std::string(1000, 'z')));
    CHECK(w.list("small-list", 3, std::vector<std::string>{"a", "12", "-5000"}));
    CHECK(w.list("big-list", big_list.size(), big_list));
    CHECK(w.set("intset", 4, std::vector<std::string>{"3", "-1", "100000", "9000000000"}));
    CHECK(w.set("strset", 2, std::vector<std::string>{"x", "7"}));
    CHECK(w.hash("small-hash", 2, std::vector<std::pair<std::string, std::string>>{{"f", "1"}, {"g", "two"}}));
    CHECK(w.hash("big-hash", big_hash.size(), big_hash));
    CHECK(w.zset("small-zset", 3, std::vector<std::pair<std::string, double>>{{"b", 2.5}, {"a", 2.5}, {"c", -1}}));
    CHECK(w.zset("big-zset", big_zset.size(), big_zset));
    CHECK(w.select_db(15));
    CHECK(w.key_idle(42));
    CHECK(w.key_freq(7));
    CHECK(w.zset("inf-zset", 2, std::vector<std::pair<std::string, double>>{
                                   {"lo", -std::numeric_limits<double>::infinity()}, {"hi", std::numeric_limits<double>::infinity()}}));
    CHECK(w.finish());
    REQUIRE(w.ok());
    return out.take();
}

} // namespace

TEST_CASE("crc64 is Redis's (Jones, reflected) and continues across pieces") {
    CHECK(rdb::crc64(0, "123456789") == 0xe9c6d914c4b8d9caULL);
    CHECK(rdb::crc64(0, "") == 0);
    std::mt19937_64 rng(1);
    const std::string data = random_bytes(rng, 1000, 256);
    for (std::size_t split : {0u, 1u, 7u, 8u, 9u, 500u, 999u}) {
        CHECK(rdb::crc64(rdb::crc64(0, std::string_view(data).substr(0, split)), std::string_view(data).substr(split)) ==
              rdb::crc64(0, data));
    }
}

TEST_CASE("lzf round trips and refuses what does not save 4 bytes") {
    std::mt19937_64 rng(2);
    std::string compressed, back;
    int compressed_count = 0;
    for (int round = 0; round < 400; ++round) {
        const std::size_t n = 21 + rng() % (round < 300 ? 3000 : 200000);
        const int alphabet = round % 4 == 0 ? 256 : round % 4 == 1 ? 2 : round % 4 == 2 ? 16 : 1;
        std::string input = random_bytes(rng, n, alphabet);
        if (round % 5 == 0) input = std::string(n / 2, 'a') + random_bytes(rng, n - n / 2, 256);
        if (!rdb::lzf_compress(input, compressed, n - 4)) {
            CHECK(alphabet >= 16); // only (nearly) random data fails
            continue;
        }
        ++compressed_count;
        CHECK(compressed.size() <= n - 4);
        back.assign(n, '\0');
        REQUIRE(rdb::lzf_decompress(compressed, back.data(), n));
        CHECK(back == input);
        // One byte less or more than the stated size is an error, never an overrun.
        std::string shorter(n - 1, '\0');
        CHECK_FALSE(rdb::lzf_decompress(compressed, shorter.data(), n - 1));
        std::string longer(n + 1, '\0');
        CHECK_FALSE(rdb::lzf_decompress(compressed, longer.data(), n + 1));
    }
    CHECK(compressed_count > 250);
    CHECK_FALSE(rdb::lzf_compress("abc", compressed, 0));
}

TEST_CASE("lzf decompression of hostile input fails cleanly") {
    std::string out(64, '\0');
    CHECK_FALSE(rdb::lzf_decompress(std::string("\x20\x00", 2), out.data(), 3));     // reference before the start
    CHECK_FALSE(rdb::lzf_decompress(std::string("\x05" "ab", 3), out.data(), 6));   // literal run past the input
    CHECK_FALSE(rdb::lzf_decompress(std::string("\xe0", 1), out.data(), 9));        // long reference cut short
    CHECK(rdb::lzf_decompress(std::string("\x00" "a\x40\x00", 4), out.data(), 5)); // "a" then 4 copies of it
    CHECK(out.substr(0, 5) == "aaaaa");
    std::mt19937_64 rng(3);
    for (int i = 0; i < 20000; ++i) {
        const std::string in = random_bytes(rng, 1 + rng() % 40, 256);
        const std::size_t n = rng() % 200;
        std::string target(n, '\0');
        (void)rdb::lzf_decompress(in, target.data(), n); // must not crash or overrun (ASan)
    }
}

TEST_CASE("listpack: every integer width and string length round trips; damage is reported") {
    rdb::listpack_builder lp;
    const std::vector<std::string> elements{"0", "127", "128", "-1", "-4096", "4095", "-4097", "32767", "-32768",
                                            "32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648",
                                            "2147483648", "9223372036854775807", "-9223372036854775808",
                                            "9223372036854775808", "007", "-0", "", std::string(63, 'a'),
                                            std::string(64, 'b'), std::string(4095, 'c'), std::string(4096, 'd'),
                                            std::string(16377, 'e'), std::string(70000, 'f')};
    for (const auto& e : elements) lp.append(e);
    const std::string bytes = lp.finish();
    CHECK(listpack_elements(bytes) == elements);
    for (std::size_t cut = 0; cut < bytes.size(); cut += (cut < 200 ? 1 : 97)) {
        std::string damaged = bytes.substr(0, cut);
        CHECK_FALSE(rdb::decode_listpack(damaged, [](const rdb::packed_entry&) {}).empty());
    }
    std::string bad_count = bytes;
    bad_count[4] = 3;
    CHECK(rdb::decode_listpack(bad_count, [](const rdb::packed_entry&) {}) == "listpack count header does not match its entries");
}

TEST_CASE("ziplist, intset and zipmap: the forms Redis 7.0 only reads") {
    const std::vector<std::string> expected{"hello", "0", "12", "13", "-128", "300", "-8388608", "2147483647",
                                            "-9223372036854775808", std::string(300, 'x'), std::string(20000, 'y')};
    const std::string zl = make_ziplist({zl_str("hello"), zl_int(0), zl_int(12), zl_int(13), zl_int(-128), zl_int(300),
                                         zl_int(-8388608), zl_int(2147483647), zl_int(std::numeric_limits<std::int64_t>::min()),
                                         zl_str(std::string(300, 'x')), zl_str(std::string(20000, 'y'))});
    std::vector<std::string> got;
    CHECK(rdb::decode_ziplist(zl, [&](const rdb::packed_entry& e) { got.push_back(e.to_string()); }).empty());
    CHECK(got == expected);
    std::string bad_prev = zl;
    bad_prev[10 + 7] = 9; // the second entry's previous length
    CHECK_FALSE(rdb::decode_ziplist(bad_prev, [](const rdb::packed_entry&) {}).empty());
    for (std::size_t cut = 0; cut < 400; ++cut) {
        CHECK_FALSE(rdb::decode_ziplist(std::string_view(zl).substr(0, cut), [](const rdb::packed_entry&) {}).empty());
    }

    std::vector<std::int64_t> ints;
    CHECK(rdb::decode_intset(rdb::build_intset({5, -3, 70000, 5}), [&](std::int64_t v) { ints.push_back(v); }).empty());
    CHECK(ints == std::vector<std::int64_t>{-3, 5, 70000});
    std::string unsorted = rdb::build_intset({1, 2});
    std::swap(unsorted[8], unsorted[10]);
    CHECK(rdb::decode_intset(unsorted, [](std::int64_t) {}) == "intset elements out of order or repeated");
    CHECK(rdb::decode_intset(std::string("\x02\0\0\0\0\0\0\0", 8), [](std::int64_t) {}) == "intset is empty");
    CHECK(rdb::decode_intset(std::string("\x03\0\0\0\1\0\0\0\1\0\0", 11), [](std::int64_t) {}) == "intset has an unknown encoding");
    CHECK(rdb::decode_intset(std::string("\x02\0\0\0\xff\xff\xff\x7f\1\0", 10), [](std::int64_t) {}) ==
          "intset size does not match its count");

    std::vector<std::pair<std::string, std::string>> pairs;
    const auto zm = make_zipmap({{"a", "1"}, {"field", "value"}}, 2);
    CHECK(rdb::decode_zipmap(zm, [&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); }).empty());
    CHECK(pairs == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"field", "value"}});
    for (std::size_t cut = 0; cut < zm.size(); ++cut) {
        CHECK_FALSE(rdb::decode_zipmap(std::string_view(zm).substr(0, cut), [](std::string_view, std::string_view) {}).empty());
    }
}

TEST_CASE("the reader loads every old encoding from a hand-built file") {
    std::string body;
    body += "\xfa" + rdb_str("redis-ver") + rdb_str("2.4.0");
    body += "\xfe" + rdb_len(3);
    body += std::string("\x09") + rdb_str("zipmap") + rdb_str(make_zipmap({{"f", "v"}, {"g", "w"}}, 1));
    body += std::string("\x0a") + rdb_str("ziplist-list") + rdb_str(make_ziplist({zl_str("a"), zl_int(5)}));
    body += std::string("\x0b") + rdb_str("intset") + rdb_str(rdb::build_intset({7, 8}));
    body += std::string("\x0c") + rdb_str("ziplist-zset") +
            rdb_str(make_ziplist({zl_str("m"), zl_str("1.5"), zl_str("n"), zl_int(2)}));
    body += std::string("\x0d") + rdb_str("ziplist-hash") + rdb_str(make_ziplist({zl_str("k"), zl_int(1)}));
    body += std::string("\x0e") + rdb_str("quicklist-1") + rdb_len(2) + rdb_str(make_ziplist({zl_str("x")})) + rdb_str(make_ziplist({zl_int(1), zl_int(2)}));
    body += std::string("\x03") + rdb_str("zset-text") + rdb_len(3) + rdb_str("a") + rdb_str("3.25") + rdb_str("b") + "\xfe" +
            rdb_str("c") + "\xff";
    body += std::string("\xfd") + std::string("\x10\x27\0\0", 4) + std::string(1, '\0') + rdb_str("old-expiry") + rdb_str("v");
    body += std::string(1, '\0') + "\xc0\x7f" + std::string("\xc1\x00\x80", 3); // integer-encoded key 127, value -32768
    body += std::string("\x01") + rdb_str("empty-list") + rdb_len(0);
    const std::string file = rdb_file(6, body);

    rdb_collector c;
    const auto r = rdb::load(file, c);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(r.version == 6);
    CHECK(r.offset == file.size());
    CHECK(r.checksum_checked);
    CHECK(r.empty_keys_skipped == 1);
    CHECK(c.aux == std::vector<std::pair<std::string, std::string>>{{"redis-ver", "2.4.0"}});
    REQUIRE(c.keys.size() == 9);
    CHECK(c.find(3, "zipmap")->value.fields == std::vector<std::pair<std::string, std::string>>{{"f", "v"}, {"g", "w"}});
    CHECK(c.find(3, "ziplist-list")->value.elements == std::vector<std::string>{"a", "5"});
    CHECK(c.find(3, "intset")->value.kind == rdb::object_kind::set);
    CHECK(c.find(3, "intset")->value.elements == std::vector<std::string>{"7", "8"});
    CHECK(c.find(3, "ziplist-zset")->value.members == std::vector<std::pair<std::string, double>>{{"m", 1.5}, {"n", 2}});
    CHECK(c.find(3, "ziplist-hash")->value.fields == std::vector<std::pair<std::string, std::string>>{{"k", "1"}});
    CHECK(c.find(3, "quicklist-1")->value.elements == std::vector<std::string>{"x", "1", "2"});
    const auto& text_zset = c.find(3, "zset-text")->value.members;
    REQUIRE(text_zset.size() == 3);
    CHECK(text_zset[0].second == 3.25);
    CHECK(text_zset[1].second == std::numeric_limits<double>::infinity());
    CHECK(text_zset[2].second == -std::numeric_limits<double>::infinity());
    CHECK(c.find(3, "old-expiry")->expire_at_ms == 10000000);
    CHECK(c.find(3, "127")->value.string == "-32768");
    CHECK(c.find(3, "127")->info.type == 0);

    // Version 4 has no checksum: the file ends at EOF.
    const std::string v4 = rdb_file(4, std::string(1, '\0') + rdb_str("k") + rdb_str("v"));
    rdb_collector c4;
    const auto r4 = rdb::load(v4, c4);
    CHECK(r4.ok());
    CHECK(r4.offset == v4.size());
    CHECK_FALSE(r4.checksum_checked);
}

TEST_CASE("the writer's file reads back as written, with the encodings Redis 7.0 writes") {
    const std::string file = sample_file();
    rdb_collector c;
    const auto r = rdb::load(file, c);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(r.version == 10);
    CHECK(r.offset == file.size());
    CHECK(c.dbs == std::vector<std::uint64_t>{0, 15});
    CHECK(c.find(0, "int")->value.string == "12345");
    CHECK(c.find(0, "big-int")->value.string == "9223372036854775807");
    CHECK(c.find(0, "leading-zero")->value.string == "007");
    CHECK(c.find(0, "empty")->value.string.empty());
    CHECK(c.find(0, "binary")->value.string == std::string("a\0b\xff\r\n", 6));
    CHECK(c.find(0, "compressible")->value.string == std::string(1000, 'z'));
    CHECK(c.find(0, "compressible")->expire_at_ms == 4102444800000);
    CHECK_FALSE(c.find(0, "int")->expire_at_ms.has_value());
    CHECK(c.find(0, "small-list")->value.elements == std::vector<std::string>{"a", "12", "-5000"});
    CHECK(c.find(0, "small-list")->info.type == static_cast<int>(rdb::value_type::list_quicklist_2));
    CHECK(c.find(0, "big-list")->value.elements.size() == 3000);
    CHECK(c.find(0, "big-list")->value.elements[2999] == "element-2999");
    CHECK(c.find(0, "intset")->info.type == static_cast<int>(rdb::value_type::set_intset));
    CHECK(c.find(0, "intset")->value.elements == std::vector<std::string>{"-1", "3", "100000", "9000000000"});
    CHECK(c.find(0, "strset")->info.type == static_cast<int>(rdb::value_type::set));
    CHECK(c.find(0, "small-hash")->info.type == static_cast<int>(rdb::value_type::hash_listpack));
    CHECK(c.find(0, "big-hash")->info.type == static_cast<int>(rdb::value_type::hash));
    CHECK(c.find(0, "big-hash")->value.fields.size() == 300);
    CHECK(c.find(0, "small-zset")->info.type == static_cast<int>(rdb::value_type::zset_listpack));
    CHECK(c.find(0, "small-zset")->value.members ==
          std::vector<std::pair<std::string, double>>{{"c", -1}, {"a", 2.5}, {"b", 2.5}}); // (score, member) order
    CHECK(c.find(0, "big-zset")->info.type == static_cast<int>(rdb::value_type::zset_2));
    const auto* inf = c.find(15, "inf-zset");
    REQUIRE(inf != nullptr);
    CHECK(inf->info.idle_seconds == 42u);
    CHECK(inf->info.lfu_freq == 7);
    CHECK(inf->value.members[0].second == -std::numeric_limits<double>::infinity());

    // Plain forms only, no compression, no checksum: the same values.
    rdb::writer_options plain;
    plain.compact_encodings = false;
    plain.compression = false;
    plain.checksum = false;
    const std::string plain_file = sample_file(plain);
    CHECK(plain_file.size() > file.size());
    CHECK(plain_file.substr(plain_file.size() - 8) == std::string(8, '\0'));
    rdb_collector p;
    const auto rp = rdb::load(plain_file, p);
    REQUIRE_MESSAGE(rp.ok(), rp.message);
    CHECK_FALSE(rp.checksum_checked);
    REQUIRE(p.keys.size() == c.keys.size());
    for (std::size_t i = 0; i < c.keys.size(); ++i) {
        INFO(c.keys[i].key);
        if (c.keys[i].value.kind == rdb::object_kind::zset || c.keys[i].value.kind == rdb::object_kind::set) {
            CHECK(p.keys[i].value.size() == c.keys[i].value.size());
        } else {
            CHECK(p.keys[i].value == c.keys[i].value);
        }
    }
}

TEST_CASE("truncation at every offset and byte flips are reported with an offset, never a crash") {
    const std::string file = sample_file();
    for (std::size_t cut = 0; cut < file.size(); cut += (cut < 2000 || file.size() - cut < 2000 ? 1 : 13)) {
        rdb_collector c;
        const auto r = rdb::load(std::string_view(file).substr(0, cut), c);
        REQUIRE_FALSE(r.ok());
        CHECK(r.offset <= cut);
        CHECK_FALSE(r.message.empty());
    }
    std::mt19937_64 rng(4);
    int caught_by_checksum = 0;
    for (int i = 0; i < 600; ++i) {
        std::string damaged = file;
        const std::size_t at = rng() % damaged.size();
        const auto flip = static_cast<char>(1u << (rng() % 8));
        damaged[at] = static_cast<char>(damaged[at] ^ flip);
        rdb_collector c;
        const auto r = rdb::load(damaged, c);
        INFO("flip at " << at);
        // A flip in the stored checksum, in the unchecked tail or anywhere else: never accepted.
        CHECK_FALSE(r.ok());
        if (r.error == errc::rdb_checksum) ++caught_by_checksum;
    }
    CHECK(caught_by_checksum > 100);
}

TEST_CASE("hostile lengths are bounded by the bytes left") {
    const auto load_body = [](const std::string& body) {
        rdb_collector c;
        return rdb::load(rdb_file(10, body), c);
    };
    // A list claiming 2^32 elements, a string claiming 4 GB, an LZF string claiming 1 TB.
    auto r = load_body(std::string("\x01") + rdb_str("k") + "\x81" + std::string("\0\0\0\1\0\0\0\0", 8));
    CHECK((r.error == errc::rdb_corrupt));
    CHECK(r.message.find("exceeds the data left") != std::string::npos);
    r = load_body(std::string(1, '\0') + rdb_str("k") + "\x80\xff\xff\xff\xff");
    CHECK((r.error == errc::rdb_truncated));
    r = load_body(std::string(1, '\0') + rdb_str("k") + "\xc3\x02\x81" + std::string("\0\0\1\0\0\0\0\0", 8) + "ab");
    CHECK((r.error == errc::rdb_corrupt));
    r = load_body(std::string(1, '\0') + rdb_str("k") + "\xc4");
    CHECK(r.message.find("unknown string encoding 4") != std::string::npos);
    r = load_body(std::string("\x02") + rdb_str("k") + rdb_len(2) + rdb_str("a") + rdb_str("a"));
    CHECK(r.message.find("duplicate set members") != std::string::npos);
    r = load_body(std::string("\x05") + rdb_str("k") + rdb_len(1) + rdb_str("a") + std::string("\0\0\0\0\0\0\xf8\x7f", 8));
    CHECK(r.message.find("NaN") != std::string::npos);
    r = load_body(std::string("\x08") + rdb_str("k"));
    CHECK(r.message.find("unknown value type 8") != std::string::npos);
    // What respkit refuses names what and where.
    r = load_body(std::string("\x07") + rdb_str("k") + rdb_len(1));
    CHECK((r.error == errc::rdb_unsupported));
    CHECK(r.message == "module value (type 7) not supported at offset 12");
    r = load_body(std::string("\xf7") + rdb_len(1));
    CHECK(r.message == "module aux data (opcode 247) not supported at offset 9");
    r = load_body(std::string("\xf5") + rdb_str("#!lua name=x"));
    CHECK(r.message == "function library (opcode 245) not loaded at offset 9");
    r = load_body(std::string("\x13") + rdb_str("s") + rdb_len(0));
    CHECK((r.error == errc::rdb_unsupported));
    CHECK(r.message == "stream value (type 19) of key 's' not loaded at offset 9");
    // Versions and signature.
    rdb_collector c;
    CHECK((rdb::load("REDIS0011\xff", c).error == errc::rdb_unsupported_version));
    CHECK((rdb::load("REDIS0000\xff", c).error == errc::rdb_unsupported_version));
    CHECK((rdb::load("RADIS0010\xff", c).error == errc::rdb_corrupt));
}

TEST_CASE("the load stops after EOF and checksum; handlers can stop it") {
    const std::string file = sample_file();
    const std::string preamble = file + "*1\r\n$4\r\nPING\r\n";
    rdb_collector c;
    const auto r = rdb::load(preamble, c);
    CHECK(r.ok());
    CHECK(r.offset == file.size());

    struct stopper : rdb_collector {
        std::string on_select_db(std::uint64_t db) { return db == 15 ? "too many databases" : ""; }
    } s;
    const auto rs = rdb::load(file, s);
    CHECK((rs.error == errc::rdb_stopped));
    CHECK(rs.message.find("too many databases at offset") == 0);
}

TEST_CASE("DUMP payloads round trip; a bad footer gives RESTORE's message") {
    rdb::object hash;
    hash.kind = rdb::object_kind::hash;
    hash.fields = {{"a", "1"}, {"b", std::string(100, 'x')}};
    const std::string payload = rdb::dump_payload(hash);
    REQUIRE(payload.size() > 10);
    CHECK(payload[payload.size() - 10] == 10);
    CHECK(payload[payload.size() - 9] == 0);
    const auto back = rdb::load_dump_payload(payload);
    REQUIRE_MESSAGE(back.ok(), back.detail);
    CHECK(back.value == hash);
    CHECK(back.version == 10);

    std::string damaged = payload;
    damaged[1] ^= 1;
    CHECK(rdb::load_dump_payload(damaged).message == "DUMP payload version or checksum are wrong");
    CHECK(rdb::load_dump_payload("short").message == "DUMP payload version or checksum are wrong");
    // A valid footer on bad data: "Bad data format".
    std::string garbage = "\x0b\x03xyz";
    rdb::finish_dump_payload(garbage);
    CHECK(rdb::load_dump_payload(garbage).message == "Bad data format");
    std::string trailing = std::string("\x00\x01" "a" "b", 4);
    rdb::finish_dump_payload(trailing);
    CHECK(rdb::load_dump_payload(trailing).message == "Bad data format");

    // A single-pass range (the writer copies it to count the quicklist nodes first).
    const std::string list_payload =
        rdb::dump_payload_with([](rdb::writer<rdb::string_sink>& w) { return w.list_value(3, counting_input{3}); });
    const auto list = rdb::load_dump_payload(list_payload);
    REQUIRE(list.ok());
    CHECK(list.value.elements == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("writer: wrong sizes, empty containers and other versions are refused") {
    rdb::string_sink out;
    rdb::writer w(out);
    CHECK_FALSE(w.header(9));
    CHECK(w.error() == "only RDB version 10 is written, not 9");
    rdb::writer w2(out);
    CHECK_FALSE(w2.list("k", 3, std::vector<std::string>{"a"}));
    CHECK(w2.error() == "stated size 3 but the range held 1");
    CHECK_FALSE(w2.string("k", "v")); // stays failed
    rdb::writer w3(out);
    CHECK_FALSE(w3.set("k", 0, std::vector<std::string>{}));
    rdb::writer w4(out);
    CHECK_FALSE(w4.zset("k", 1, std::vector<std::pair<std::string, double>>{{"a", std::nan("")}}));
    CHECK(w4.error() == "NaN score");
}

TEST_CASE("DUMP of a sorted set writes the RDB type of its form, not of its size") {
    namespace store = respkit::store;
    // Packed beyond zset-max-listpack-entries (a value built without limits) and a skip list of
    // two members (as after ZREMs, or CONFIG SET raising the limit): Redis writes each by form.
    store::value packed = store::value::make(store::value_kind::zset);
    for (int i = 0; i < 200; ++i) packed.zset().insert("m" + std::to_string(i), i);
    REQUIRE(packed.zset().packed());
    const std::string packed_payload = respkit::persist::dump_value(packed);
    CHECK(static_cast<unsigned char>(packed_payload[0]) == static_cast<unsigned char>(rdb::value_type::zset_listpack));
    store::value big = store::value::make(store::value_kind::zset);
    big.zset().insert("a", 1);
    big.zset().insert("b", 2);
    big.zset().to_skiplist();
    REQUIRE(!big.zset().packed());
    const std::string big_payload = respkit::persist::dump_value(big);
    CHECK(static_cast<unsigned char>(big_payload[0]) == static_cast<unsigned char>(rdb::value_type::zset_2));
    // Both load back whole.
    for (const std::string* payload : {&packed_payload, &big_payload}) {
        const auto back = rdb::load_dump_payload(*payload);
        REQUIRE_MESSAGE(back.ok(), back.detail);
        CHECK(back.value.members.size() == (payload == &packed_payload ? 200u : 2u));
    }
}

// RDB save and load speed for 1M small keys (string values like "value:<n>", 1 in 10 with an
// expiry, plus 1000 hashes of 20 fields), and CRC-64 and LZF throughput: rdb::writer into a
// string_sink, then rdb::load with a handler that only counts. Best of 5 runs (the machine may be
// shared).
//
//   bench_rdb             prints a table; `--keys N` changes the key count

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/rdb.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct counting_handler {
    std::uint64_t keys = 0, bytes = 0;
    void on_aux(std::string_view, std::string_view) {}
    void on_select_db(std::uint64_t) {}
    void on_resize_db(std::uint64_t, std::uint64_t) {}
    std::string on_key(std::uint64_t, std::string_view key, respkit::rdb::object&& value, std::optional<std::int64_t>,
                       respkit::rdb::key_info) {
        ++keys;
        bytes += key.size() + value.string.size() + value.fields.size();
        return {};
    }
};

std::string save(std::size_t keys, bool compression) {
    respkit::rdb::string_sink out;
    respkit::rdb::writer_options options;
    options.compression = compression;
    respkit::rdb::writer w(out, options);
    (void)w.header();
    (void)w.aux("redis-ver", "7.0.15");
    (void)w.select_db(0);
    (void)w.resize_db(keys + 1000, keys / 10);
    std::string key, value;
    for (std::size_t i = 0; i < keys; ++i) {
        key = "key:" + std::to_string(i);
        value = "value:" + std::to_string(i * 7919);
        if (i % 10 == 0) (void)w.key_expiry(4102444800000);
        (void)w.string(key, value);
    }
    std::vector<std::pair<std::string, std::string>> fields;
    for (int f = 0; f < 20; ++f) fields.emplace_back("field" + std::to_string(f), "some value " + std::to_string(f));
    for (int h = 0; h < 1000; ++h) (void)w.hash("hash:" + std::to_string(h), fields.size(), fields);
    if (!w.finish()) {
        std::fprintf(stderr, "write failed: %s\n", w.error().c_str());
        std::exit(1);
    }
    return out.take();
}

} // namespace

int main(int argc, char** argv) {
    std::size_t keys = 1000000;
    if (argc == 3 && std::strcmp(argv[1], "--keys") == 0) keys = static_cast<std::size_t>(std::atoll(argv[2]));
    const int runs = 5;
    double best_save = 1e9, best_save_lzf = 1e9, best_load = 1e9, best_crc = 1e9, best_lzf = 1e9;
    std::string file, file_lzf;
    for (int r = 0; r < runs; ++r) {
        auto start = clock_type::now();
        file = save(keys, false);
        best_save = std::min(best_save, seconds_since(start));
        start = clock_type::now();
        file_lzf = save(keys, true);
        best_save_lzf = std::min(best_save_lzf, seconds_since(start));
        counting_handler h;
        start = clock_type::now();
        const auto result = respkit::rdb::load(file_lzf, h);
        best_load = std::min(best_load, seconds_since(start));
        if (!result.ok() || h.keys != keys + 1000) {
            std::fprintf(stderr, "load failed: %s\n", result.message.c_str());
            return 1;
        }
        start = clock_type::now();
        volatile std::uint64_t crc = respkit::rdb::crc64(0, file);
        (void)crc;
        best_crc = std::min(best_crc, seconds_since(start));
        std::string text;
        for (int i = 0; i < 100000; ++i) text += "word" + std::to_string(i % 977) + ' ';
        std::string compressed;
        start = clock_type::now();
        for (int i = 0; i < 10; ++i) (void)respkit::rdb::lzf_compress(text, compressed, text.size() - 4);
        best_lzf = std::min(best_lzf, seconds_since(start) / 10 * (1e6 / static_cast<double>(text.size())));
    }
    const double mb = static_cast<double>(file.size()) / 1e6;
    std::printf("keys: %zu strings + 1000 hashes of 20 fields; file %.1f MB (%.1f MB with rdbcompression)\n", keys, mb,
                static_cast<double>(file_lzf.size()) / 1e6);
    std::printf("%-34s %10s %12s\n", "operation (best of 5)", "seconds", "per key");
    std::printf("%-34s %10.3f %10.0f ns\n", "save, rdbcompression no", best_save, best_save * 1e9 / static_cast<double>(keys));
    std::printf("%-34s %10.3f %10.0f ns\n", "save, rdbcompression yes", best_save_lzf, best_save_lzf * 1e9 / static_cast<double>(keys));
    std::printf("%-34s %10.3f %10.0f ns\n", "load (rdb::load, counting handler)", best_load, best_load * 1e9 / static_cast<double>(keys));
    std::printf("crc64: %.0f MB/s; lzf_compress on text: %.0f MB/s\n", mb / best_crc, 1 / best_lzf);
}

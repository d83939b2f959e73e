// Checks an RDB file as redis-check-rdb does, in spirit: prints its version, aux fields, keys per
// database and counts by value encoding; on damage, the first bad offset and what is wrong.
// Usage: respkit-check-rdb <dump.rdb>   (exit status 0: the file is sound; 1: it is damaged)

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <respkit/rdb.hpp>

using namespace respkit;

namespace {

/// Counts what the file holds.
struct counter {
    std::map<std::uint64_t, std::uint64_t> keys_per_db;
    std::map<std::string_view, std::uint64_t> per_encoding;
    std::uint64_t expires = 0;

    void on_aux(std::string_view key, std::string_view value) {
        std::printf("[info] AUX FIELD %.*s = '%.*s'\n", static_cast<int>(key.size()), key.data(),
                    static_cast<int>(value.size()), value.data());
    }
    void on_select_db(std::uint64_t db) { std::printf("[info] Selecting DB ID %llu\n", static_cast<unsigned long long>(db)); }
    void on_resize_db(std::uint64_t, std::uint64_t) {}
    std::string on_key(std::uint64_t db, std::string_view, rdb::object&&, std::optional<std::int64_t> expire,
                       rdb::key_info info) {
        count(db, expire, info);
        return {};
    }
    std::string on_stream(std::uint64_t db, std::string_view, rdb::stream&&, std::optional<std::int64_t> expire,
                          rdb::key_info info) {
        count(db, expire, info);
        return {};
    }
    std::string on_function(std::string_view) {
        ++per_encoding["function library"];
        return {};
    }

private:
    void count(std::uint64_t db, std::optional<std::int64_t> expire, const rdb::key_info& info) {
        ++keys_per_db[db];
        ++per_encoding[rdb::value_type_name(info.type)];
        if (expire) ++expires;
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "Cannot open file: %s\n", argv[1]);
        return 1;
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::printf("[info] Checking RDB file %s\n", argv[1]);
    counter c;
    const rdb::load_result r = rdb::load(bytes, c);
    if (r.version != 0) std::printf("[info] RDB version %d\n", r.version);
    std::uint64_t total = 0;
    for (const auto& [db, n] : c.keys_per_db) {
        std::printf("[info] DB %llu: %llu keys\n", static_cast<unsigned long long>(db), static_cast<unsigned long long>(n));
        total += n;
    }
    for (const auto& [name, n] : c.per_encoding) {
        std::printf("[info] %llu %.*s\n", static_cast<unsigned long long>(n), static_cast<int>(name.size()), name.data());
    }
    std::printf("[info] %llu keys read\n[info] %llu expires\n", static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(c.expires));
    if (r.empty_keys_skipped != 0) {
        std::printf("[info] %llu empty keys skipped\n", static_cast<unsigned long long>(r.empty_keys_skipped));
    }
    if (!r.ok()) {
        std::printf("--- RDB ERROR DETECTED ---\n[error] %s: %s\n", r.error.message().c_str(), r.message.c_str());
        return 1;
    }
    if (r.offset != bytes.size()) {
        std::printf("[info] the RDB ends at offset %zu; %zu bytes follow it (an AOF tail?)\n", r.offset,
                    bytes.size() - r.offset);
    }
    std::printf("[info] %s\n", r.checksum_checked ? "Checksum OK" : "No checksum to check");
    std::printf("\\o/ RDB looks OK! \\o/\n");
    return 0;
}

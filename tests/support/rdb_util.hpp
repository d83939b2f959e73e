// Test support for the rdb layer: a load handler that keeps everything it is given, and helpers
// that build RDB bytes by hand from the format description (for encodings respkit never writes).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/rdb.hpp"

namespace respkit_test {

/// One key as rdb::load handed it over.
struct loaded_key {
    std::uint64_t db = 0;
    std::string key;
    respkit::rdb::object value;
    std::optional<std::int64_t> expire_at_ms;
    respkit::rdb::key_info info;
};

/// Keeps aux fields, databases and keys.
struct rdb_collector {
    std::vector<std::pair<std::string, std::string>> aux;
    std::vector<std::uint64_t> dbs;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> resizes;
    std::vector<loaded_key> keys;

    void on_aux(std::string_view k, std::string_view v) { aux.emplace_back(k, v); }
    void on_select_db(std::uint64_t db) { dbs.push_back(db); }
    void on_resize_db(std::uint64_t k, std::uint64_t e) { resizes.emplace_back(k, e); }
    std::string on_key(std::uint64_t db, std::string_view key, respkit::rdb::object&& value,
                       std::optional<std::int64_t> expire, respkit::rdb::key_info info) {
        keys.push_back({db, std::string(key), std::move(value), expire, info});
        return {};
    }
    /// The key named `name` in `db`, or nullptr.
    const loaded_key* find(std::uint64_t db, std::string_view name) const {
        for (const auto& k : keys) {
            if (k.db == db && k.key == name) return &k;
        }
        return nullptr;
    }
};

/// An RDB length as rdbSaveLen writes it.
inline std::string rdb_len(std::uint64_t n) {
    std::string out;
    if (n < 64) {
        out.push_back(static_cast<char>(n));
    } else if (n < 16384) {
        out.push_back(static_cast<char>(0x40 | (n >> 8)));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0x80));
        for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    return out;
}

/// A raw RDB string.
inline std::string rdb_str(std::string_view s) { return rdb_len(s.size()) + std::string(s); }

/// A whole RDB file: header of `version`, `body`, EOF and (version 5 on) the CRC64.
inline std::string rdb_file(int version, std::string_view body) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "REDIS%04d", version);
    std::string out = magic + std::string(body) + "\xff";
    if (version >= 5) {
        const std::uint64_t crc = respkit::rdb::crc64(0, out);
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    }
    return out;
}

/// A ziplist string entry's encoding and bytes (without the previous-length field).
inline std::string zl_str(std::string_view s) {
    std::string out;
    const std::size_t n = s.size();
    if (n < 64) {
        out.push_back(static_cast<char>(n));
    } else if (n < 16384) {
        out.push_back(static_cast<char>(0x40 | (n >> 8)));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0x80));
        for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    return out + std::string(s);
}

/// A ziplist integer entry in the narrowest encoding (immediate 0..12, 8, 16, 24, 32, 64 bits).
inline std::string zl_int(std::int64_t v) {
    std::string out;
    const auto put = [&](unsigned char enc, int bytes) {
        out.push_back(static_cast<char>(enc));
        for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
    };
    if (v >= 0 && v <= 12) put(static_cast<unsigned char>(0xf1 + v), 0);
    else if (v >= -128 && v <= 127) put(0xfe, 1);
    else if (v >= -32768 && v <= 32767) put(0xc0, 2);
    else if (v >= -8388608 && v <= 8388607) put(0xf0, 3);
    else if (v >= -2147483648LL && v <= 2147483647LL) put(0xd0, 4);
    else put(0xe0, 8);
    return out;
}

/// A ziplist of entries made by zl_str / zl_int.
inline std::string make_ziplist(const std::vector<std::string>& entries) {
    std::string body;
    std::size_t previous = 0, tail = 10;
    for (const auto& e : entries) {
        tail = 10 + body.size();
        std::string prevlen;
        if (previous < 254) {
            prevlen.push_back(static_cast<char>(previous));
        } else {
            prevlen.push_back(static_cast<char>(0xfe));
            for (int i = 0; i < 4; ++i) prevlen.push_back(static_cast<char>((previous >> (8 * i)) & 0xff));
        }
        body += prevlen + e;
        previous = prevlen.size() + e.size();
    }
    const std::size_t total = 10 + body.size() + 1;
    std::string out;
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((tail >> (8 * i)) & 0xff));
    out.push_back(static_cast<char>(entries.size() & 0xff));
    out.push_back(static_cast<char>(entries.size() >> 8));
    return out + body + "\xff";
}

/// A zipmap (Redis 2.4 hash) of short pairs, each value followed by `free` unused bytes.
inline std::string make_zipmap(const std::vector<std::pair<std::string, std::string>>& pairs, int free = 0) {
    std::string out(1, static_cast<char>(pairs.size()));
    for (const auto& [f, v] : pairs) {
        out.push_back(static_cast<char>(f.size()));
        out += f;
        out.push_back(static_cast<char>(v.size()));
        out.push_back(static_cast<char>(free));
        out += v + std::string(static_cast<std::size_t>(free), 'x');
    }
    return out + "\xff";
}

} // namespace respkit_test

// Fuzz target for the RDB reader and DUMP payloads: property checks, not only "does not crash".
//
// The input is read (1) as an RDB file with rdb::load and (2) as a DUMP payload with
// rdb::load_dump_payload, and checks:
//   - a failed load reports an offset inside the input and a message; a successful one used at
//     most the input's bytes, and every key it gave has a non-empty value of its kind;
//   - what a successful load gave, written again with rdb::writer (checksum on) and loaded,
//     gives the same keys, values, expiries and databases (the writer writes what the reader
//     reads; values pass through any of Redis's encodings the input used);
//   - a decoded DUMP payload, serialized again with rdb::dump_payload and decoded, is the same.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz_support.hpp"
#include "respkit/rdb.hpp"

namespace {

struct loaded_key {
    std::uint64_t db;
    std::string key;
    respkit::rdb::object value;
    std::optional<std::int64_t> expire;
    friend bool operator==(const loaded_key&, const loaded_key&) = default;
};

// Sets, hashes and sorted sets have no order Redis keeps: a set of integers written as an
// intset comes back sorted. Compared in a canonical order.
respkit::rdb::object canonical(respkit::rdb::object o) {
    if (o.kind == respkit::rdb::object_kind::set) std::sort(o.elements.begin(), o.elements.end());
    std::sort(o.fields.begin(), o.fields.end());
    std::sort(o.members.begin(), o.members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return o;
}

struct collector {
    std::vector<loaded_key> keys;
    void on_aux(std::string_view, std::string_view) {}
    void on_select_db(std::uint64_t) {}
    void on_resize_db(std::uint64_t, std::uint64_t) {}
    std::string on_key(std::uint64_t db, std::string_view key, respkit::rdb::object&& value,
                       std::optional<std::int64_t> expire, respkit::rdb::key_info) {
        // Bound the work of one input: a fuzzer's file can describe many keys cheaply.
        if (keys.size() >= 10000) return "too many keys for the fuzz target";
        keys.push_back({db, std::string(key), canonical(std::move(value)), expire});
        return {};
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace rdb = respkit::rdb;
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    collector first;
    const rdb::load_result r = rdb::load(input, first);
    if (!r.ok()) {
        FUZZ_CHECK(r.offset <= size);
        FUZZ_CHECK(!r.message.empty());
    } else {
        FUZZ_CHECK(r.offset <= size);
        for (const loaded_key& k : first.keys) FUZZ_CHECK(k.value.kind == rdb::object_kind::string || k.value.size() > 0);
        // Written again and read back: the same keys.
        rdb::string_sink sink;
        rdb::writer<rdb::string_sink> w(sink);
        bool ok = w.header();
        std::optional<std::uint64_t> db;
        for (const loaded_key& k : first.keys) {
            if (!db || *db != k.db) {
                ok = ok && w.select_db(k.db);
                db = k.db;
            }
            if (k.expire) ok = ok && w.key_expiry(*k.expire);
            ok = ok && w.value(k.key, k.value);
        }
        ok = ok && w.finish();
        // The writer refuses what Redis would never hold (e.g. a NaN score the reader refused
        // already); anything the reader accepted it must write.
        FUZZ_CHECK(ok);
        collector second;
        const rdb::load_result again = rdb::load(sink.bytes(), second);
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(again.offset == sink.bytes().size());
        FUZZ_CHECK(second.keys == first.keys);
    }

    const rdb::dump_load_result d = rdb::load_dump_payload(input);
    if (d.ok()) {
        const std::string payload = rdb::dump_payload(d.value);
        FUZZ_CHECK(!payload.empty());
        const rdb::dump_load_result back = rdb::load_dump_payload(payload);
        FUZZ_CHECK(back.ok());
        FUZZ_CHECK(canonical(back.value) == canonical(d.value));
    } else {
        FUZZ_CHECK(!d.message.empty());
    }
    return 0;
}

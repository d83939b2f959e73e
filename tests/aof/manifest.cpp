// aof/manifest: Redis 7.0's manifest read and written as Redis does: round trips, quoting of
// names, sequence bookkeeping, and every error with Redis's wording (checked against the lines
// redis-server 7.0.15 logs for the same manifest, when it is installed).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <respkit/aof/manifest.hpp>

#include "support/process_util.hpp"

using namespace respkit;
using respkit_test::find_on_path;
using respkit_test::run_program;

TEST_CASE("manifest: Redis's example parses, formats back byte for byte") {
    const std::string text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                             "file appendonly.aof.1.incr.aof seq 1 type h\n"
                             "file appendonly.aof.2.incr.aof seq 2 type h\n"
                             "file appendonly.aof.3.incr.aof seq 3 type h\n"
                             "file appendonly.aof.4.incr.aof seq 4 type i\n"
                             "file appendonly.aof.5.incr.aof seq 5 type i\n";
    const aof::manifest_result m = aof::parse_manifest(text);
    REQUIRE(m);
    CHECK(m.value->base->name == "appendonly.aof.2.base.rdb");
    CHECK(m.value->base_seq == 2);
    CHECK(m.value->history.size() == 3);
    CHECK(m.value->incr.size() == 2);
    CHECK(m.value->incr_seq == 5);
    CHECK(aof::format_manifest(*m.value) == text);
}

TEST_CASE("manifest: comments, CRLF, extra pairs, keys in any case, order on output") {
    const aof::manifest_result m = aof::parse_manifest("# a comment\nFILE x.aof SEQ 7 Type i future 1\r\n"
                                                       "file b.rdb seq 3 type b\n");
    REQUIRE(m);
    CHECK(aof::format_manifest(*m.value) == "file b.rdb seq 3 type b\nfile x.aof seq 7 type i\n");
}

TEST_CASE("manifest: names that need quoting are written as sdscatrepr and read back") {
    for (const std::string& name : {std::string("with space"), std::string("q\"uote"),
                                   std::string("tab\there"), std::string("nl\nx"), std::string("\x01\xff"),
                                   std::string("caf\xc3\xa9")}) {
        aof::manifest m;
        m.incr.push_back({name, 1, aof::file_type::incr});
        m.incr_seq = 1;
        const std::string text = aof::format_manifest(m);
        CHECK(text.substr(0, 6) == "file \"");
        const aof::manifest_result back = aof::parse_manifest(text);
        CAPTURE(text);
        CAPTURE(back.error.message);
        REQUIRE(back);
        CHECK(*back.value == m);
    }
    aof::manifest plain;
    plain.incr.push_back({"appendonly.aof.1.incr.aof", 1, aof::file_type::incr});
    CHECK(aof::format_manifest(plain) == "file appendonly.aof.1.incr.aof seq 1 type i\n");
}

TEST_CASE("manifest: file names as Redis makes them, and a rewrite's bookkeeping") {
    CHECK(aof::names::manifest("appendonly.aof") == "appendonly.aof.manifest");
    CHECK(aof::names::temp_manifest("appendonly.aof") == "temp-appendonly.aof.manifest");
    CHECK(aof::names::base("appendonly.aof", 3, true) == "appendonly.aof.3.base.rdb");
    CHECK(aof::names::base("appendonly.aof", 3, false) == "appendonly.aof.3.base.aof");
    CHECK(aof::names::incr("x", 12) == "x.12.incr.aof");
    aof::manifest m;
    aof::add_new_base(m, "a", true);
    aof::add_new_incr(m, "a");
    aof::add_new_incr(m, "a"); // a rewrite started: the parent writes to a new file
    aof::add_new_base(m, "a", false);
    aof::mark_incr_as_history(m, 1);
    CHECK(aof::format_manifest(m) == "file a.2.base.aof seq 2 type b\n"
                                     "file a.1.incr.aof seq 1 type h\n"
                                     "file a.1.base.rdb seq 1 type h\n"
                                     "file a.2.incr.aof seq 2 type i\n");
}

namespace {

struct bad_manifest {
    std::string text;
    std::string message;
    int line;
};

const bad_manifest bad_manifests[] = {
    {"", "Found an empty AOF manifest", 0},
    {"# only a comment\n", "", 0}, // valid, lists nothing
    {"file a seq 1 type x\n", "Unknown AOF file type", 1},
    {"file a seq 1\n", "Invalid AOF manifest file format", 1},
    {"file a seq 1 type\n", "Invalid AOF manifest file format", 1},
    {"file a seq 0 type i\n", "Invalid AOF manifest file format", 1},
    {"file a seq x type i\n", "Invalid AOF manifest file format", 1},
    {"name a seq 1 type i\n", "Invalid AOF manifest file format", 1},
    {"file a seq 1 type b\n\nfile b seq 1 type i\n", "Invalid AOF manifest file format", 2},
    {"file \"a seq 1 type i\n", "Invalid AOF manifest file format", 1},
    {"file dir/a seq 1 type i\n", "File can't be a path, just a filename", 1},
    {"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information", 2},
    {"file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number", 2},
    {"file a seq 2 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number", 2},
    {"file a seq 1 type i", "The AOF manifest file contains too long line", 0},
    {"file " + std::string(1100, 'a') + " seq 1 type i\n", "The AOF manifest file contains too long line", 0},
};

} // namespace

TEST_CASE("manifest: errors as Redis words them, at the line Redis reports") {
    for (const bad_manifest& b : bad_manifests) {
        CAPTURE(b.text);
        const aof::manifest_result m = aof::parse_manifest(b.text);
        if (b.message.empty()) {
            CHECK(m);
            continue;
        }
        REQUIRE_FALSE(m);
        CHECK(m.error.message == b.message);
        CHECK(m.error.line == b.line);
    }
}

TEST_CASE("manifest: redis-server 7.0.15 logs the same error for each bad manifest") {
    const std::string redis = find_on_path("redis-server");
    if (redis.empty()) return;
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("respkit-manifest-" + std::to_string(::getpid()));
    int compared = 0;
    for (const bad_manifest& b : bad_manifests) {
        if (b.message.empty()) continue;
        CAPTURE(b.text);
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir / "appendonlydir");
        std::ofstream(dir / "appendonlydir" / "appendonly.aof.manifest", std::ios::binary) << b.text;
        // No listener: Redis reads the manifest and exits before it would serve anything.
        // A Unix socket only: Redis exits at once when it has nothing to listen on.
        const respkit_test::run_output out = run_program({redis, "--port", "0", "--unixsocket", (dir / "sock").string(),
                                                          "--save", "", "--appendonly", "yes", "--dir", dir.string(),
                                                          "--daemonize", "no"},
                                                         {}, std::chrono::seconds(10));
        const aof::manifest_result m = aof::parse_manifest(b.text);
        REQUIRE_FALSE(m);
        for (const std::string& line : aof::manifest_error_report(m.error)) {
            CHECK_MESSAGE(out.out.find("# " + line) != std::string::npos, line);
        }
        ++compared;
    }
    std::filesystem::remove_all(dir);
    CHECK(compared >= 14);
}

TEST_CASE("manifest: a backslash or a slash makes a path, refused as Redis does") {
    aof::manifest m;
    m.incr.push_back({"back\\slash", 1, aof::file_type::incr});
    const aof::manifest_result back = aof::parse_manifest(aof::format_manifest(m));
    REQUIRE_FALSE(back);
    CHECK(back.error.message == "File can't be a path, just a filename");
}

TEST_CASE("manifest: a single quote is written unquoted (sdsneedsrepr ignores it), which Redis cannot read back") {
    aof::manifest m;
    m.incr.push_back({"it's", 1, aof::file_type::incr});
    CHECK(aof::format_manifest(m) == "file it's seq 1 type i\n");
    CHECK_FALSE(aof::parse_manifest(aof::format_manifest(m)));
}

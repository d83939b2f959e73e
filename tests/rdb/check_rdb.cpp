// examples/respkit-check-rdb on a sound file, a truncated one and a flipped byte.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "respkit/rdb.hpp"
#include "support/process_util.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("respkit-check-rdb reports a sound file, and the first bad offset of a damaged one") {
    const std::string program = built_program("respkit-check-rdb");
    if (program.empty()) {
        MESSAGE("respkit-check-rdb not built (RESPKIT_BUILD_DIR unset): skipped");
        return;
    }
    rdb::string_sink out;
    rdb::writer w(out);
    REQUIRE(w.header());
    REQUIRE(w.aux("redis-ver", "7.0.15"));
    REQUIRE(w.select_db(2));
    REQUIRE(w.key_expiry(4102444800000));
    REQUIRE(w.string("k", "v"));
    REQUIRE(w.list("l", 2, std::vector<std::string>{"a", "b"}));
    REQUIRE(w.finish());
    const std::string file = out.take();
    const auto path = std::filesystem::temp_directory_path() / ("respkit-check-rdb-" + std::to_string(::getpid()) + ".rdb");
    const auto check = [&](const std::string& bytes) {
        std::ofstream(path, std::ios::binary) << bytes;
        return run_program({program, path.string()});
    };
    const auto sound = check(file);
    CHECK(sound.exit_code == 0);
    CHECK(sound.out.find("[info] AUX FIELD redis-ver = '7.0.15'") != std::string::npos);
    CHECK(sound.out.find("[info] DB 2: 2 keys") != std::string::npos);
    CHECK(sound.out.find("[info] 1 list-quicklist-2") != std::string::npos);
    CHECK(sound.out.find("[info] 1 expires") != std::string::npos);
    CHECK(sound.out.find("Checksum OK") != std::string::npos);

    const auto truncated = check(file.substr(0, 40));
    CHECK(truncated.exit_code == 1);
    CHECK(truncated.out.find("--- RDB ERROR DETECTED ---") != std::string::npos);
    CHECK(truncated.out.find("at offset 40") != std::string::npos);

    std::string flipped = file;
    flipped[file.size() - 12] ^= 1; // inside the last value: the checksum catches it
    const auto damaged = check(flipped);
    CHECK(damaged.exit_code == 1);
    CHECK(damaged.out.find("wrong RDB checksum") != std::string::npos);
    std::filesystem::remove(path);
}

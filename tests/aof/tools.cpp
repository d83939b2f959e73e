// examples/respkit-check-aof and respkit-decode --aof on directories redis-server wrote:
// respkit-check-aof reports the same offsets and counts as redis-check-aof 7.0.15 on torn
// files, --fix truncates the last file as the tool does (without asking), and respkit-decode
// prints every command of a manifest's files.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <respkit/resp/command_writer.hpp>

#include "support/aof_util.hpp"

using namespace respkit_test;

namespace {

// The line "AOF analyzed: ..." (offsets and counts) of a tool's output.
std::string analyzed_line(const std::string& out) {
    const std::size_t at = out.find("AOF analyzed:");
    return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
}

std::string commands() {
    std::string out;
    for (int i = 0; i < 20; ++i) respkit::resp::write_command(out, "SET", "key:" + std::to_string(i), std::string(static_cast<std::size_t>(i) * 7, 'v'));
    respkit::resp::write_command(out, "MULTI");
    respkit::resp::write_command(out, "INCR", "n");
    respkit::resp::write_command(out, "EXEC");
    return out;
}

} // namespace

TEST_CASE("respkit-check-aof: the offsets redis-check-aof reports, on a torn tail at many offsets") {
    const std::string ours = built_program("respkit-check-aof");
    const std::string theirs = find_on_path("redis-check-aof");
    if (ours.empty() || theirs.empty()) {
        MESSAGE("skipped: respkit-check-aof not built or redis-check-aof missing");
        return;
    }
    scratch_dir dir("check-aof");
    if (!redis_writes_aof(dir.str(), commands(), {"--aof-use-rdb-preamble", "no"})) return;
    const std::filesystem::path aofdir = dir.path() / "appendonlydir";
    const std::filesystem::path incr = aofdir / "appendonly.aof.1.incr.aof";
    const std::string bytes = read_file(incr);
    REQUIRE(bytes.size() > 300);
    const std::string manifest = (aofdir / "appendonly.aof.manifest").string();
    // Whole: both say valid.
    CHECK(run_program({ours, manifest}).exit_code == 0);
    CHECK(run_program({ours, manifest}).out.find("All AOF files and manifest are valid") != std::string::npos);
    int compared = 0;
    for (std::size_t cut = 1; cut < bytes.size(); cut += 13) {
        CAPTURE(cut);
        write_file(incr, bytes.substr(0, cut));
        const run_output a = run_program({theirs, manifest});
        const run_output b = run_program({ours, manifest});
        CHECK(a.exit_code == b.exit_code);
        CHECK(analyzed_line(a.out) == analyzed_line(b.out));
        ++compared;
    }
    CHECK(compared > 20);
    // --fix: truncated to the last complete command, then valid for both tools.
    write_file(incr, bytes.substr(0, bytes.size() - 5));
    const run_output fixed = run_program({ours, "--fix", manifest});
    CHECK(fixed.exit_code == 0);
    CHECK(fixed.out.find("Successfully truncated AOF appendonly.aof.1.incr.aof") != std::string::npos);
    CHECK(run_program({theirs, manifest}).exit_code == 0);
    // Usage as redis-check-aof's.
    const run_output usage = run_program({ours});
    CHECK(usage.exit_code == 1);
    CHECK(usage.out.find("[--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>") != std::string::npos);
}

TEST_CASE("respkit-decode --aof prints each command of a manifest's files with its file and offset") {
    const std::string decode = built_program("respkit-decode");
    if (decode.empty()) {
        MESSAGE("skipped: respkit-decode not built");
        return;
    }
    scratch_dir dir("decode-aof");
    if (!redis_writes_aof(dir.str(), commands())) return; // an RDB base: skipped whole
    const std::string manifest = (dir.path() / "appendonlydir" / "appendonly.aof.manifest").string();
    const run_output count = run_program({decode, "--count", "--aof", manifest});
    CHECK(count.exit_code == 0);
    CHECK(count.out == "22\n"); // SELECT, 20 SET, INCR (a transaction of one write propagates bare)
    const run_output out = run_program({decode, "--aof", manifest});
    CHECK(out.out.find("# appendonly.aof.1.incr.aof 0\n1) \"SELECT\"\n2) \"0\"\n") == 0);
}

// aof/loader and aof/command_stream: append-only directories written by Debian's redis-server
// 7.0.15 (with and without an RDB preamble) loaded command by command and re-encoded byte for
// byte; torn tails at every offset (truncated as aof-load-truncated says, at the offset
// redis-check-aof reports); flipped bytes; bad manifests and missing files; Redis < 7's single
// appendonly.aof.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <respkit/aof/loader.hpp>
#include <respkit/resp/command_writer.hpp>

#include "support/aof_util.hpp"

using namespace respkit;
using namespace respkit_test;

namespace {

// What Redis is asked to write: every kind of argument the reader must take apart.
std::string sample_commands() {
    std::string out;
    resp::write_command(out, "SET", "k", "v");
    resp::write_command(out, "SET", "bin", std::string("a\r\nb\0c", 7));
    resp::write_command(out, "SET", "empty", "");
    resp::write_command(out, "RPUSH", "list", "a", "b", "c");
    resp::write_command(out, "SADD", "set", "x", "y");
    resp::write_command(out, "EXPIRE", "k", "1000");
    resp::write_command(out, "INCRBYFLOAT", "f", "1.5");
    resp::write_command(out, "SELECT", "3");
    resp::write_command(out, "HSET", "h", "f1", "v1", "f2", "v2");
    resp::write_command(out, "MULTI");
    resp::write_command(out, "INCR", "n");
    resp::write_command(out, "ZADD", "z", "1", "m");
    resp::write_command(out, "EXEC");
    resp::write_command(out, "SET", "big", std::string(100000, 'b'));
    resp::write_command(out, "DEL", "big");
    return out;
}

struct loaded_command {
    std::vector<std::string> args;
    std::string file;
    std::uint64_t offset;
};

struct loaded {
    aof::load_result result;
    std::vector<loaded_command> commands;
};

loaded load(const std::string& dir, aof::load_options options = {}) {
    loaded l;
    l.result = aof::load_directory(dir, "appendonly.aof",
                                   [&](const std::vector<std::string_view>& args, const std::string& file, std::uint64_t offset) {
                                       l.commands.push_back({{args.begin(), args.end()}, file, offset});
                                   },
                                   options);
    return l;
}

// An RDB loader that knows no more than where a whole-file RDB ends (the base file is only an
// RDB): enough to check that the base goes to it and loading continues with the next file.
aof::rdb_function whole_file_rdb(int& calls) {
    return [&calls](std::string_view bytes, std::string& error) -> std::optional<std::size_t> {
        ++calls;
        if (bytes.substr(0, 9) != "REDIS0010") {
            error = "not an RDB 10 image";
            return std::nullopt;
        }
        return bytes.size();
    };
}

std::string reencode(const std::vector<loaded_command>& commands, const std::string& file) {
    std::string out;
    for (const loaded_command& c : commands) {
        if (c.file == file) resp::write_command_range(out, c.args);
    }
    return out;
}

// redis-check-aof's ok_up_to for a single file (-1 when it printed none).
long long check_aof_ok_up_to(const std::string& path) {
    const std::string tool = find_on_path("redis-check-aof");
    if (tool.empty()) return -1;
    const run_output out = run_program({tool, path});
    const std::size_t at = out.out.find("ok_up_to=");
    if (at == std::string::npos) return out.out.find("is valid") != std::string::npos ? -2 : -1;
    return std::stoll(out.out.substr(at + 9));
}

} // namespace

TEST_CASE("loader: redis-server's directory without preamble, every command back byte for byte") {
    scratch_dir dir("aof-load");
    if (!redis_writes_aof(dir.str(), sample_commands(), {"--aof-use-rdb-preamble", "no"})) return;
    const std::string aofdir = (dir.path() / "appendonlydir").string();
    const loaded l = load(aofdir);
    REQUIRE(l.result.status == aof::load_status::ok);
    REQUIRE(l.result.manifest);
    REQUIRE(l.result.manifest->base);
    CHECK(l.result.manifest->base->name == "appendonly.aof.1.base.aof");
    REQUIRE(l.result.manifest->incr.size() == 1);
    const std::string incr = l.result.manifest->incr[0].name;
    CHECK(incr == "appendonly.aof.1.incr.aof");
    const std::string bytes = read_file(dir.path() / "appendonlydir" / incr);
    REQUIRE(!bytes.empty());
    CHECK(reencode(l.commands, incr) == bytes);
    CHECK(l.result.commands == l.commands.size());
    // Offsets point at each command's first byte.
    for (const loaded_command& c : l.commands) {
        if (c.file != incr) continue;
        std::string one;
        resp::write_command_range(one, c.args);
        CHECK(bytes.compare(c.offset, one.size(), one) == 0);
    }
    // What Redis wrote for the sample: SELECT first, MULTI ... EXEC kept whole.
    REQUIRE(l.commands.size() >= 10);
    CHECK(l.commands[0].args == std::vector<std::string>{"SELECT", "0"});
    bool multi = false;
    for (const loaded_command& c : l.commands) multi = multi || c.args[0] == "MULTI";
    CHECK(multi);
}

TEST_CASE("loader: redis-server's directory with an RDB preamble: the base goes to the RDB function") {
    scratch_dir dir("aof-load-rdb");
    if (!redis_writes_aof(dir.str(), sample_commands())) return;
    const std::string aofdir = (dir.path() / "appendonlydir").string();
    int calls = 0;
    aof::load_options options;
    options.rdb = whole_file_rdb(calls);
    const loaded l = load(aofdir, options);
    REQUIRE(l.result.status == aof::load_status::ok);
    CHECK(calls == 1);
    CHECK(l.result.manifest->base->name == "appendonly.aof.1.base.rdb");
    const std::string incr = l.result.manifest->incr.at(0).name;
    CHECK(reencode(l.commands, incr) == read_file(dir.path() / "appendonlydir" / incr));
    // Without an RDB function the base cannot load: an error naming the file.
    const loaded without = load(aofdir);
    CHECK(without.result.status == aof::load_status::failed);
    CHECK(without.result.error.find("appendonly.aof.1.base.rdb") != std::string::npos);
    CHECK(without.commands.empty());
}

TEST_CASE("loader: a torn tail at every offset loads what precedes it, at redis-check-aof's offset") {
    scratch_dir dir("aof-torn");
    if (!redis_writes_aof(dir.str(), sample_commands(), {"--aof-use-rdb-preamble", "no"})) return;
    const std::filesystem::path aofdir = dir.path() / "appendonlydir";
    const loaded full = load(aofdir.string());
    REQUIRE(full.result.status == aof::load_status::ok);
    const std::string incr = full.result.manifest->incr.at(0).name;
    const std::string bytes = read_file(aofdir / incr);
    // Command boundaries (a MULTI unit counts as one: a cut inside it removes all of it).
    std::vector<std::uint64_t> ends;
    {
        const aof::stream_result s = aof::read_commands(bytes, 0, [](const auto&, std::uint64_t) {});
        REQUIRE(s.status == aof::stream_status::complete);
    }
    std::vector<std::size_t> counts; // commands loaded from the whole file up to each unit end
    {
        std::size_t seen = 0;
        bool in_multi = false;
        for (const loaded_command& c : full.commands) {
            if (c.file != incr) continue;
            ++seen;
            std::string one;
            resp::write_command_range(one, c.args);
            if (c.args[0] == "MULTI") in_multi = true;
            if (c.args[0] == "EXEC") in_multi = false;
            if (!in_multi) {
                ends.push_back(c.offset + one.size());
                counts.push_back(seen);
            }
        }
    }
    const std::string tool = find_on_path("redis-check-aof");
    int compared_with_tool = 0;
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        CAPTURE(cut);
        // Expected: the commands of the units that end at or before the cut.
        std::size_t units = 0;
        while (units < ends.size() && ends[units] <= cut) ++units;
        const std::uint64_t valid = units == 0 ? 0 : ends[units - 1];
        const std::size_t expected_commands = units == 0 ? 0 : counts[units - 1];
        const std::string torn(bytes.substr(0, cut));
        // In memory: the stream reader.
        std::size_t got = 0;
        const aof::stream_result s = aof::read_commands(torn, 0, [&](const auto&, std::uint64_t) { ++got; });
        CHECK(got == expected_commands);
        CHECK(s.valid_up_to == valid);
        CHECK((s.status == aof::stream_status::complete) == (valid == cut));
        CHECK(s.status != aof::stream_status::damaged);
        // Every 97th cut and every boundary neighbour: through the directory loader and the tool.
        const bool sample = cut % 97 == 0 || valid == cut || valid + 1 == cut;
        if (!sample) continue;
        write_file(aofdir / incr, torn);
        aof::load_options strict;
        strict.load_truncated = false;
        const loaded l_strict = load(aofdir.string(), strict);
        const aof::load_status whole = cut == 0 ? aof::load_status::empty : aof::load_status::ok;
        CHECK(l_strict.result.status == (valid == cut ? whole : aof::load_status::failed));
        if (valid != cut) CHECK(l_strict.result.error.find("Unexpected end of file reading the append only file " + incr) == 0);
        const loaded l = load(aofdir.string());
        CHECK(l.result.status == (valid == cut ? whole : aof::load_status::truncated));
        CHECK(l.result.commands == expected_commands);
        CHECK(std::filesystem::file_size(aofdir / incr) == valid); // really truncated
        if (!tool.empty() && cut % 97 == 0 && valid != cut) {
            write_file(aofdir / incr, torn);
            CHECK(check_aof_ok_up_to((aofdir / incr).string()) == static_cast<long long>(valid));
            ++compared_with_tool;
        }
    }
    if (!tool.empty()) CHECK(compared_with_tool > 10);
}

TEST_CASE("loader: a torn file that is not the last one fails the load") {
    scratch_dir dir("aof-torn-middle");
    if (!redis_writes_aof(dir.str(), sample_commands(), {"--aof-use-rdb-preamble", "no"})) return;
    const std::filesystem::path aofdir = dir.path() / "appendonlydir";
    std::string base = read_file(aofdir / "appendonly.aof.1.incr.aof");
    base.pop_back(); // now the base (a commands file) ends inside its last command
    write_file(aofdir / "appendonly.aof.1.base.aof", base);
    const loaded l = load(aofdir.string());
    CHECK(l.result.status == aof::load_status::failed);
    CHECK(l.result.file == "appendonly.aof.1.base.aof");
    CHECK(l.result.error.find("not the last file") != std::string::npos);
}

TEST_CASE("loader: flipped bytes never crash, and damage is reported with the file and offset") {
    std::string bytes = sample_commands();
    std::vector<std::uint64_t> starts;
    {
        const aof::stream_result s = aof::read_commands(bytes, 0, [&](const auto&, std::uint64_t off) { starts.push_back(off); });
        REQUIRE(s.status == aof::stream_status::complete);
    }
    int damaged = 0, torn = 0, intact = 0;
    for (std::size_t at = 0; at < bytes.size(); at += at < 2000 ? 1 : 331) {
        for (const char flip : {'x', '\n', '9', '*', '$'}) {
            std::string copy = bytes;
            if (copy[at] == flip) continue;
            copy[at] = flip;
            std::uint64_t last = 0;
            const aof::stream_result s = aof::read_commands(copy, 1000, [&](const auto& args, std::uint64_t off) {
                CHECK(!args.empty());
                CHECK(off >= last);
                last = off;
            });
            if (s.status == aof::stream_status::damaged) {
                ++damaged;
                CHECK(!s.reason.empty());
                CHECK(s.error_offset >= 1000);
                CHECK(s.error_offset <= 1000 + copy.size());
            } else if (s.status == aof::stream_status::torn) {
                ++torn;
            } else {
                ++intact; // the byte was inside a value
            }
            CHECK(s.valid_up_to <= 1000 + copy.size());
        }
    }
    CHECK(damaged > 100);
    CHECK(intact > 100);
    // Through the loader: the message names the file and the offset.
    scratch_dir dir("aof-flip");
    std::string broken = bytes;
    broken[static_cast<std::size_t>(starts[3])] = '?';
    write_file(dir.path() / "appendonly.aof.1.incr.aof", broken);
    write_file(dir.path() / "appendonly.aof.manifest", "file appendonly.aof.1.incr.aof seq 1 type i\n");
    const loaded l = load(dir.str());
    CHECK(l.result.status == aof::load_status::failed);
    CHECK(l.commands.size() == 3);
    CHECK(l.result.offset == starts[3]);
    CHECK(l.result.error == "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset " +
                                std::to_string(starts[3]) +
                                " (Expected prefix '*', got: '?'): make a backup of your AOF file, then use "
                                "./redis-check-aof --fix <filename.manifest>");
}

TEST_CASE("loader: manifests that list nothing, missing files, empty files, bad manifests") {
    scratch_dir dir("aof-manifest");
    const std::string d = dir.str();
    CHECK(load(d).result.status == aof::load_status::not_found); // no manifest
    write_file(dir.path() / "appendonly.aof.manifest", "# nothing\n");
    CHECK(load(d).result.status == aof::load_status::not_found);
    write_file(dir.path() / "appendonly.aof.manifest", "file appendonly.aof.1.incr.aof seq 1 type i\n");
    loaded l = load(d);
    CHECK(l.result.status == aof::load_status::failed);
    CHECK(l.result.error.find("appendonly.aof.1.incr.aof") != std::string::npos);
    write_file(dir.path() / "appendonly.aof.1.incr.aof", "");
    CHECK(load(d).result.status == aof::load_status::empty);
    write_file(dir.path() / "appendonly.aof.manifest", "file appendonly.aof.1.incr.aof seq 1 type q\n");
    l = load(d);
    CHECK(l.result.status == aof::load_status::failed);
    CHECK(l.result.error.find("Unknown AOF file type") != std::string::npos);
    // Annotations (aof-timestamp-enabled) are skipped.
    write_file(dir.path() / "appendonly.aof.manifest", "file appendonly.aof.1.incr.aof seq 1 type i\n");
    write_file(dir.path() / "appendonly.aof.1.incr.aof", "#TS:1700000000\r\n*1\r\n$4\r\nPING\r\n");
    l = load(d);
    CHECK(l.result.status == aof::load_status::ok);
    REQUIRE(l.commands.size() == 1);
    CHECK(l.commands[0].offset == 16);
}

TEST_CASE("loader: Redis < 7's single appendonly.aof, with and without an RDB preamble") {
    scratch_dir dir("aof-old");
    const std::string commands = sample_commands();
    write_file(dir.path() / "appendonly.aof", commands);
    std::size_t n = 0;
    const aof::load_result r = aof::load_file((dir.path() / "appendonly.aof").string(), "appendonly.aof", true,
                                              [&](const auto&, const std::string&, std::uint64_t) { ++n; });
    CHECK(r.status == aof::load_status::ok);
    CHECK(n == 15);
    // An RDB preamble, then commands: the RDB function says where the RDB ends.
    const std::string rdb = std::string("REDIS0010") + std::string(40, '\x01') + "\xff" + std::string(8, '\0');
    write_file(dir.path() / "appendonly.aof", rdb + commands);
    aof::load_options options;
    options.rdb = [&](std::string_view bytes, std::string&) -> std::optional<std::size_t> {
        CHECK(bytes.substr(0, rdb.size()) == rdb);
        return rdb.size();
    };
    std::vector<std::uint64_t> offsets;
    const aof::load_result p = aof::load_file((dir.path() / "appendonly.aof").string(), "appendonly.aof", true,
                                              [&](const auto&, const std::string&, std::uint64_t off) { offsets.push_back(off); },
                                              options);
    CHECK(p.status == aof::load_status::ok);
    REQUIRE(offsets.size() == 15);
    CHECK(offsets[0] == rdb.size());
}

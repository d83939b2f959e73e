// respkit-check-aof: checks an append-only file as redis-check-aof does, and repairs a torn
// tail. Same interface and messages as Redis 7.0's tool, except that --fix does not ask for
// confirmation (it means "yes"), and --truncate-to-timestamp is refused.
//
//   respkit-check-aof [--fix] <file.manifest|file.aof>
//
// A manifest: its base and incremental files are checked in order; only the last one may be
// truncated. Any other file: an old-style single append-only file. Exit status 0 when valid (or
// repaired), 1 otherwise.

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <respkit/aof.hpp>
#include <respkit/rdb.hpp>

namespace {

using namespace respkit;

enum class check_outcome { ok, empty, truncated };

std::string read_all(const std::string& path, bool& ok) {
    std::string out;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    ok = f != nullptr;
    if (f == nullptr) return out;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
    return out;
}

// Accepts everything an RDB holds: only its soundness is checked.
struct rdb_checker {
    void on_aux(std::string_view, std::string_view) {}
    void on_select_db(std::uint64_t) {}
    void on_resize_db(std::uint64_t, std::uint64_t) {}
    std::string on_key(std::uint64_t, std::string_view, rdb::object&&, std::optional<std::int64_t>, rdb::key_info) { return {}; }
    std::string on_stream(std::uint64_t, std::string_view, rdb::stream&&, std::optional<std::int64_t>, rdb::key_info) {
        return {};
    }
    std::string on_function(std::string_view) { return {}; }
};

check_outcome check_single(const std::string& name, const std::string& path, bool last, bool fix) {
    bool ok = false;
    const std::string bytes = read_all(path, ok);
    if (!ok) {
        std::printf("Cannot open file %s: %s, aborting...\n", path.c_str(), std::strerror(errno));
        std::exit(1);
    }
    if (bytes.empty()) return check_outcome::empty;
    std::size_t start = 0;
    if (bytes.compare(0, 5, "REDIS") == 0) {
        // The RDB part is read whole (checksum included); the commands start where it ends.
        rdb_checker checker;
        const rdb::load_result r = rdb::load(bytes, checker);
        if (!r.ok()) {
            std::printf("%s\n", r.message.c_str());
            std::printf("RDB preamble of AOF file is not sane, aborting.\n");
            std::exit(1);
        }
        std::printf("RDB preamble is OK, proceeding with AOF tail...\n");
        start = r.offset;
    }
    const aof::stream_result r = aof::read_commands(std::string_view(bytes).substr(start), start, [](const auto&, std::uint64_t) {});
    (void)name;
    const std::uint64_t size = bytes.size();
    const std::uint64_t pos = r.status == aof::stream_status::complete ? size : r.valid_up_to;
    if (r.status != aof::stream_status::complete) {
        // As redis-check-aof: the offset of the failing read, in hex, padded as %16llx.
        std::printf("0x%16" PRIx64 ": %s\n", r.error_offset, r.reason.c_str());
    }
    // As redis-check-aof: 1 + the line ends read before it stopped.
    long long lines = 1;
    const std::uint64_t read_to = r.status == aof::stream_status::complete ? size : r.error_offset;
    for (std::uint64_t i = 0; i + 1 < read_to; ++i) lines += bytes[i] == '\r' && bytes[i + 1] == '\n';
    const std::uint64_t diff = size - pos;
    std::printf("AOF analyzed: filename=%s, size=%" PRIu64 ", ok_up_to=%" PRIu64 ", ok_up_to_line=%lld, diff=%" PRIu64 "\n",
                name.c_str(), size, pos, lines, diff);
    if (diff == 0) return check_outcome::ok;
    if (!fix) {
        std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
        std::exit(1);
    }
    if (!last) {
        std::printf("Failed to truncate AOF %s because it is not the last file\n", name.c_str());
        std::exit(1);
    }
    std::printf("This will shrink the AOF %s from %" PRIu64 " bytes, with %" PRIu64 " bytes, to %" PRIu64 " bytes\n",
                name.c_str(), size, diff, pos);
    if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) {
        std::printf("Failed to truncate AOF %s\n", name.c_str());
        std::exit(1);
    }
    return check_outcome::truncated;
}

void report(const char* kind, const std::string& name, check_outcome o) {
    if (o == check_outcome::ok) std::printf("%s%s is valid\n", kind, name.c_str());
    if (o == check_outcome::empty) std::printf("%s%s is empty\n", kind, name.c_str());
    if (o == check_outcome::truncated) std::printf("Successfully truncated AOF %s\n", name.c_str());
}

bool is_manifest(const std::string& path) {
    bool ok = false;
    const std::string bytes = read_all(path, ok);
    std::size_t p = 0;
    while (p < bytes.size()) {
        const std::size_t eol = bytes.find('\n', p);
        const std::string_view line = std::string_view(bytes).substr(p, eol == std::string::npos ? std::string::npos : eol - p);
        if (line.empty() || line[0] != '#') return line.substr(0, 4) == "file";
        if (eol == std::string::npos) break;
        p = eol + 1;
    }
    return false;
}

} // namespace

int main(int argc, char** argv) {
    const char* usage = "Usage: %s [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n";
    bool fix = false;
    std::string path;
    if (argc == 2) {
        path = argv[1];
    } else if (argc == 3 && std::strcmp(argv[1], "--fix") == 0) {
        path = argv[2];
        fix = true;
    } else if (argc == 4 && std::strcmp(argv[1], "--truncate-to-timestamp") == 0) {
        std::printf("--truncate-to-timestamp is not implemented by respkit-check-aof, aborting...\n");
        return 1;
    } else {
        std::printf(usage, argv[0]);
        return 1;
    }
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
    if (!is_manifest(path)) {
        std::printf("Start checking Old-Style AOF\n");
        report("AOF ", path, check_single(path, path, true, fix));
        return 0;
    }
    std::printf("Start checking Multi Part AOF\n");
    bool ok = false;
    const aof::manifest_result m = aof::parse_manifest(read_all(path, ok));
    if (!m) {
        for (const std::string& line : aof::manifest_error_report(m.error)) std::printf("%s", line.c_str());
        return 1;
    }
    const std::size_t total = (m.value->base ? 1 : 0) + m.value->incr.size();
    std::size_t n = 0;
    auto full = [&](const std::string& name) { return dir + "/" + name; };
    if (const auto& base = m.value->base) {
        bool read_ok = false;
        const bool rdb = read_all(full(base->name), read_ok).compare(0, 5, "REDIS") == 0;
        std::printf("Start to check BASE AOF (%s format).\n", rdb ? "RDB" : "RESP");
        report("BASE AOF ", base->name, check_single(base->name, full(base->name), ++n == total, fix));
    }
    if (!m.value->incr.empty()) {
        std::printf("Start to check INCR files.\n");
        for (const aof::file_info& f : m.value->incr) {
            report("INCR AOF ", f.name, check_single(f.name, full(f.name), ++n == total, fix));
        }
    }
    std::printf("All AOF files and manifest are valid\n");
    (void)file;
    return 0;
}

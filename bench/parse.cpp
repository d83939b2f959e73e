// Parse throughput: respkit's parser against hiredis's reader, in the same run, on the same
// bytes, both fed in 16 KiB pieces as a client receives them from a socket.
//
// Columns:
//   respkit       parser + a visitor that touches every node (sizes, lengths, first byte)
//   owning        parser + value_builder: an owning value per message, then destroyed
//   hiredis       redisReaderFeed + redisReaderGetReply + freeReplyObject (0.14, default maxbuf)
//   ratio         respkit / hiredis (zero-copy column), from the medians
//
// Usage: bench_parse [--quick] [--check] [--reps N] [--corpus DIR] [--only PREFIX] [--write-corpora DIR]
//   --quick   smaller inputs and 3 repetitions (CI smoke run)
//   --check   exit 1 when the ratio is below 3.0 on workloads 1-4
//   --corpus  the shared corpus directory (default: $RESPKIT_SHARED_DIR/corpus, else
//             ../shared/corpus next to the source tree)
//   --only    run only the workloads whose name starts with PREFIX ("1", "5 redis-benchmark")
//   --write-corpora DIR   write workloads 1-4 (as sized by --quick or not) to DIR/1.resp ..
//             DIR/4.resp, print each path, size and message count, and exit

#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/traffic_reader.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace respkit::resp;

constexpr std::size_t chunk_size = 16 * 1024;

// Results land here so that no parse can be optimised away.
volatile std::uint64_t g_sink = 0;

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "bench_parse: %s\n", why.c_str());
    std::exit(2);
}

// What one run of one parser over a stream achieved.
struct run_outcome {
    std::size_t messages = 0;
    std::string error; // empty when the whole stream parsed
};

// ---------------------------------------------------------------- the contenders

// A client reading replies without copying: look at every node.
struct touch_nodes {
    std::uint64_t sum = 0;
    void operator()(const node& n) noexcept {
        sum += n.size + n.value.size() + static_cast<unsigned>(n.type);
        if (!n.value.empty()) sum += static_cast<unsigned char>(n.value[0]);
    }
};

// Feeds `stream` in 16 KiB pieces into an input_buffer and parses every complete message with
// `parse_one(buffer_view) -> parse_result`, calling `on_message()` after each.
template <class ParseOne, class OnMessage>
run_outcome feed_respkit(std::string_view stream, ParseOne&& parse_one, OnMessage&& on_message) {
    input_buffer buffer(4 * chunk_size);
    run_outcome out;
    for (std::size_t at = 0; at < stream.size(); at += chunk_size) {
        buffer.append(stream.substr(at, chunk_size));
        for (;;) {
            const parse_result r = parse_one(buffer.data());
            if (r.status == parse_status::error) {
                out.error = "parse error after " + std::to_string(out.messages) + " messages";
                return out;
            }
            if (r.status == parse_status::need_more) {
                buffer.consume(r.consumed); // request_parser may skip blank commands
                break;
            }
            buffer.consume(r.consumed);
            ++out.messages;
            on_message();
        }
    }
    if (!buffer.empty()) out.error = std::to_string(buffer.size()) + " bytes left unparsed";
    return out;
}

run_outcome respkit_zero_copy(std::string_view stream) {
    parser p;
    touch_nodes visitor;
    auto out = feed_respkit(
        stream, [&](std::string_view in) { return p.parse(in, visitor); },
        [&] { g_sink = visitor.sum; });
    if (p.error()) out.error = p.error().message();
    return out;
}

run_outcome respkit_owning(std::string_view stream) {
    parser p;
    value_builder builder;
    std::uint64_t sum = 0;
    auto out = feed_respkit(
        stream, [&](std::string_view in) { return p.parse(in, builder); },
        [&] {
            const value v = builder.take();
            sum += v.size() + v.string().size();
            g_sink = sum;
        });
    if (p.error()) out.error = p.error().message();
    return out;
}

// For requests with inline commands, which the reply parser (and hiredis) do not read.
run_outcome respkit_request_parser(std::string_view stream) {
    request_parser p;
    std::uint64_t sum = 0;
    auto out = feed_respkit(
        stream, [&](std::string_view in) { return p.parse(in); },
        [&] {
            for (const std::string_view arg : p.args()) sum += arg.size();
            g_sink = sum;
        });
    if (p.error()) out.error = p.error().message();
    return out;
}

// Reads any capture (inline lines, errors in inline lines, RESP of any type) into values.
run_outcome respkit_traffic_reader(std::string_view stream) {
    traffic_reader reader;
    traffic_message message;
    std::uint64_t sum = 0;
    auto out = feed_respkit(
        stream, [&](std::string_view in) { return reader.next(in, message); },
        [&] {
            sum += message.value.size();
            g_sink = sum;
        });
    if (reader.error()) out.error = reader.error().message();
    return out;
}

run_outcome hiredis_reader(std::string_view stream) {
    redisReader* reader = redisReaderCreate();
    if (reader == nullptr) die("redisReaderCreate failed");
    run_outcome out;
    std::uint64_t sum = 0;
    for (std::size_t at = 0; at < stream.size() && out.error.empty(); at += chunk_size) {
        const std::size_t n = std::min(chunk_size, stream.size() - at);
        if (redisReaderFeed(reader, stream.data() + at, n) != REDIS_OK) {
            out.error = reader->errstr;
            break;
        }
        for (;;) {
            void* reply = nullptr;
            if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
                out.error = reader->errstr;
                break;
            }
            if (reply == nullptr) break;
            sum += static_cast<unsigned>(static_cast<redisReply*>(reply)->type);
            freeReplyObject(reply);
            ++out.messages;
        }
    }
    if (out.error.empty() && reader->len != reader->pos) out.error = "bytes left unparsed";
    g_sink = sum;
    redisReaderFree(reader);
    return out;
}

using contender = std::function<run_outcome(std::string_view)>;

// ---------------------------------------------------------------- workloads

struct workload {
    std::string name;
    std::string bytes;
    std::size_t messages = 0;    // expected top-level messages
    bool gated = false;          // counts for --check
    contender zero_copy = respkit_zero_copy;
    contender owning = respkit_owning;
    std::string zero_copy_note;  // when the zero-copy column is something else
    std::string hiredis_missing; // why hiredis is not measured (empty: it is)
};

workload make_workload(std::string name, std::size_t messages, bool gated) {
    workload w;
    w.name = std::move(name);
    w.messages = messages;
    w.gated = gated;
    return w;
}

workload pipelined_sets(std::size_t count) {
    workload w = make_workload("1 SET commands", count, true);
    w.bytes.reserve(count * 45);
    char key[32];
    for (std::size_t i = 0; i < count; ++i) {
        std::snprintf(key, sizeof key, "key:%012zu", i);
        w.bytes += "*3\r\n$3\r\nSET\r\n$16\r\n";
        w.bytes += key;
        w.bytes += "\r\n$3\r\nxxx\r\n";
    }
    return w;
}

workload lrange_100(std::size_t count) {
    workload w = make_workload("2 LRANGE_100 replies", count, true);
    std::string reply = "*100\r\n";
    char item[16];
    for (int i = 0; i < 100; ++i) {
        std::snprintf(item, sizeof item, "value%05d", i);
        reply += "$10\r\n";
        reply += item;
        reply += "\r\n";
    }
    w.bytes.reserve(count * reply.size());
    for (std::size_t i = 0; i < count; ++i) w.bytes += reply;
    return w;
}

workload simple_replies(std::size_t count) {
    workload w = make_workload("3 simple replies", count, true);
    static constexpr std::string_view replies[] = {"+OK\r\n", ":123\r\n", "$-1\r\n", "$5\r\nhello\r\n"};
    for (std::size_t i = 0; i < count; ++i) w.bytes += replies[i % std::size(replies)];
    return w;
}

void nested_array(std::string& out, int levels, int& leaf) {
    if (levels == 0) {
        char text[32];
        if (leaf % 2 == 0) {
            std::snprintf(text, sizeof text, "$8\r\nleaf%04d\r\n", leaf % 10000);
        } else {
            std::snprintf(text, sizeof text, ":%d\r\n", leaf * 7919);
        }
        out += text;
        ++leaf;
        return;
    }
    out += "*3\r\n";
    for (int i = 0; i < 3; ++i) nested_array(out, levels - 1, leaf);
}

workload nested_replies(std::size_t count) {
    // 5 levels of arrays (hiredis 0.14 takes 8), fan-out 3, 243 bulk and integer leaves.
    workload w = make_workload("4 nested arrays d5 f3", count, true);
    std::string reply;
    int leaf = 0;
    nested_array(reply, 5, leaf);
    w.bytes.reserve(count * reply.size());
    for (std::size_t i = 0; i < count; ++i) w.bytes += reply;
    return w;
}

// ---------------------------------------------------------------- corpus

struct corpus_shape {
    std::size_t messages = 0;
    std::size_t resp3 = 0;
    std::size_t too_deep = 0;
    std::size_t inline_lines = 0;
    std::uint32_t max_levels = 0;
    std::string hiredis_readable; // the messages hiredis 0.14 can read, concatenated
};

struct shape_visitor {
    bool resp3 = false;
    std::uint32_t levels = 0;
    void operator()(const node& n) noexcept {
        if (is_aggregate(n.type)) levels = std::max(levels, n.depth + 1);
        switch (n.type) {
        case type::simple_string: case type::simple_error: case type::integer: case type::bulk_string:
        case type::null_bulk_string: case type::array: case type::null_array:
            break;
        default:
            resp3 = true;
        }
    }
};

// Splits a capture as the test does: in requests, a line not starting with '*' is inline.
std::optional<corpus_shape> classify(std::string_view bytes, bool requests) {
    corpus_shape out;
    parser p;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string_view rest = bytes.substr(at);
        if (requests && rest[0] != '*') {
            const std::size_t lf = rest.find('\n');
            at += lf == std::string_view::npos ? rest.size() : lf + 1;
            ++out.inline_lines;
            continue;
        }
        shape_visitor s;
        const parse_result r = p.parse(rest, s);
        if (r.status != parse_status::complete) return std::nullopt;
        ++out.messages;
        out.max_levels = std::max(out.max_levels, s.levels);
        if (s.resp3) ++out.resp3;
        else if (s.levels > 8) ++out.too_deep;
        else out.hiredis_readable += rest.substr(0, r.consumed);
        at += r.consumed;
    }
    return out;
}

std::string repeat_to(std::string_view unit, std::size_t target) {
    std::string out;
    if (unit.empty()) return out;
    const std::size_t times = std::max<std::size_t>(1, (target + unit.size() - 1) / unit.size());
    out.reserve(times * unit.size());
    for (std::size_t i = 0; i < times; ++i) out += unit;
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::filesystem::path default_corpus() {
    if (const char* env = std::getenv("RESPKIT_SHARED_DIR"); env != nullptr && *env != '\0') {
        return std::filesystem::path(env) / "corpus";
    }
    // bench/parse.cpp -> <source>/../shared/corpus, as the build's RESPKIT_SHARED_DIR.
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "corpus";
}

// One workload per capture file (repeated up to `target` bytes), plus, per direction, every
// hiredis-readable message of all files together.
std::vector<workload> corpus_workloads(const std::filesystem::path& dir, std::size_t target) {
    std::vector<workload> out;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".resp" || ext == ".req")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::string readable_replies, readable_requests;
    for (const auto& path : files) {
        const bool requests = path.extension() == ".req";
        const std::string bytes = read_file(path);
        const auto shape = classify(bytes, requests);
        workload w = make_workload("5 " + path.filename().string(), 0, false);
        if (!shape) die(path.string() + ": respkit cannot split the capture into messages");
        const std::size_t times = std::max<std::size_t>(1, (target + bytes.size() - 1) / bytes.size());
        w.bytes = repeat_to(bytes, target);
        w.messages = shape->messages * times;
        if (shape->inline_lines != 0) {
            w.messages = 0; // blank inline lines are no commands: traffic_reader's count decides
            w.zero_copy = respkit_request_parser;
            w.owning = respkit_traffic_reader;
            w.zero_copy_note = "respkit columns: request_parser / traffic_reader";
            w.hiredis_missing = std::to_string(shape->inline_lines) + " inline commands (a reply reader reads none)";
        } else if (shape->resp3 != 0) {
            w.hiredis_missing = std::to_string(shape->resp3) + " msgs with RESP3 types (0.14 is RESP2 only)";
        } else if (shape->too_deep != 0) {
            w.hiredis_missing = std::to_string(shape->too_deep) + " msgs nested " + std::to_string(shape->max_levels) +
                                " deep (0.14 takes 8)";
        }
        (requests ? readable_requests : readable_replies) += shape->hiredis_readable;
        out.push_back(std::move(w));
    }
    auto add_readable = [&](const std::string& name, const std::string& unit) {
        workload w = make_workload(name, 0, false);
        w.bytes = repeat_to(unit, target);
        const auto shape = classify(w.bytes, false);
        if (!shape) die(name + ": respkit cannot split the stream");
        w.messages = shape->messages;
        out.push_back(std::move(w));
    };
    add_readable("5 all .resp, hiredis-readable msgs", readable_replies);
    add_readable("5 all .req, hiredis-readable msgs", readable_requests);
    return out;
}

// ---------------------------------------------------------------- measuring

struct timing {
    std::vector<double> seconds;
    [[nodiscard]] double median() const {
        std::vector<double> s = seconds;
        std::sort(s.begin(), s.end());
        const std::size_t n = s.size();
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
};

double time_once(const contender& run, const workload& w, std::size_t expected, const char* who) {
    const auto start = std::chrono::steady_clock::now();
    const run_outcome r = run(w.bytes);
    const auto stop = std::chrono::steady_clock::now();
    if (!r.error.empty()) die(w.name + ": " + who + ": " + r.error);
    if (r.messages != expected) {
        die(w.name + ": " + who + " parsed " + std::to_string(r.messages) + " messages, expected " +
            std::to_string(expected));
    }
    return std::chrono::duration<double>(stop - start).count();
}

struct row {
    std::string name;
    std::size_t bytes = 0;
    std::size_t messages = 0;
    double respkit = 0, owning = 0, hiredis = 0; // median seconds; 0 when not measured
    std::string note;
    bool gated = false;
};

row measure(const workload& w, int reps) {
    struct column {
        const char* who;
        contender run;
        bool enabled;
        timing t{};
    };
    column columns[] = {{"respkit", w.zero_copy, true},
                        {"respkit (owning)", w.owning, true},
                        {"hiredis", hiredis_reader, w.hiredis_missing.empty()}};
    std::string note = w.zero_copy_note;
    auto add_note = [&note](const std::string& text) { note += (note.empty() ? "" : "; ") + text; };
    if (!w.hiredis_missing.empty()) add_note("no hiredis: " + w.hiredis_missing);

    // An untimed first run of each: warms caches and finds what cannot parse this input.
    // Every contender that can must find the same number of messages.
    std::size_t expected = w.messages;
    for (column& c : columns) {
        if (!c.enabled) continue;
        const run_outcome r = c.run(w.bytes);
        if (!r.error.empty()) {
            if (w.gated) die(w.name + ": " + c.who + ": " + r.error);
            c.enabled = false;
            add_note(std::string("no ") + c.who + ": " + r.error);
            continue;
        }
        if (expected == 0) expected = r.messages;
        if (r.messages != expected) {
            die(w.name + ": " + c.who + " parsed " + std::to_string(r.messages) + " messages, expected " +
                std::to_string(expected));
        }
    }
    for (int rep = 0; rep < reps; ++rep) {
        // Interleave, and rotate who goes first, so drift on a noisy machine hits all alike.
        for (int k = 0; k < 3; ++k) {
            column& c = columns[(rep + k) % 3];
            if (c.enabled) c.t.seconds.push_back(time_once(c.run, w, expected, c.who));
        }
    }
    auto median = [](const column& c) { return c.enabled ? c.t.median() : 0.0; };
    return row{w.name, w.bytes.size(), expected, median(columns[0]), median(columns[1]), median(columns[2]),
               note, w.gated};
}

void print_header() {
    std::printf("| %-38s | %10s | %9s | %9s | %12s | %9s | %9s | %12s | %6s | %6s | %s\n", "workload", "bytes",
                "messages", "rk MB/s", "rk msg/s", "own MB/s", "hr MB/s", "hr msg/s", "rk/hr", "own/hr", "note");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n", std::string(40, '-').c_str(), std::string(12, '-').c_str(),
                std::string(11, '-').c_str(), std::string(11, '-').c_str(), std::string(14, '-').c_str(),
                std::string(11, '-').c_str(), std::string(11, '-').c_str(), std::string(14, '-').c_str(),
                std::string(8, '-').c_str(), std::string(8, '-').c_str(), "------");
}

std::string format(const char* spec, double x) {
    if (!(x > 0)) return "-";
    char text[32];
    std::snprintf(text, sizeof text, spec, x);
    return text;
}

void print_row(const row& r) {
    const double mb = static_cast<double>(r.bytes) / 1e6;
    const double msgs = static_cast<double>(r.messages);
    auto per = [](double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; };
    const double ratio = r.respkit > 0 && r.hiredis > 0 ? r.hiredis / r.respkit : 0.0;
    const double own_ratio = r.owning > 0 && r.hiredis > 0 ? r.hiredis / r.owning : 0.0;
    std::printf("| %-38s | %10zu | %9zu | %9s | %12s | %9s | %9s | %12s | %6s | %6s | %s\n", r.name.c_str(), r.bytes,
                r.messages, format("%.0f", per(mb, r.respkit)).c_str(), format("%.3g", per(msgs, r.respkit)).c_str(),
                format("%.0f", per(mb, r.owning)).c_str(), format("%.0f", per(mb, r.hiredis)).c_str(),
                format("%.3g", per(msgs, r.hiredis)).c_str(), format("%.2f", ratio).c_str(),
                format("%.2f", own_ratio).c_str(), r.note.c_str());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    bool quick = false;
    bool check = false;
    int reps = 0;
    std::filesystem::path corpus = default_corpus();
    std::string only; // run only workloads whose name starts with this (e.g. "1", "5 redis")
    std::filesystem::path write_dir; // --write-corpora: write workloads 1-4 there and exit
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--quick") quick = true;
        else if (arg == "--check") check = true;
        else if (arg == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (arg == "--corpus" && i + 1 < argc) corpus = argv[++i];
        else if (arg == "--only" && i + 1 < argc) only = argv[++i];
        else if (arg == "--write-corpora" && i + 1 < argc) write_dir = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: %s [--quick] [--check] [--reps N] [--corpus DIR] [--only PREFIX] [--write-corpora DIR]\n",
                         argv[0]);
            return 2;
        }
    }
    if (reps <= 0) reps = quick ? 3 : 7;
    const std::size_t scale = quick ? 10 : 1;

    if (!write_dir.empty()) {
        // The byte streams of workloads 1-4, one file each (for bench/compare-decode).
        std::filesystem::create_directories(write_dir);
        for (const workload& w : {pipelined_sets(1'000'000 / scale), lrange_100(20'000 / scale),
                                  simple_replies(2'000'000 / scale), nested_replies(20'000 / scale)}) {
            if (!w.name.starts_with(only)) continue;
            std::string file = w.name.substr(0, 1) + ".resp";
            std::FILE* out = std::fopen((write_dir / file).c_str(), "wb");
            if (out == nullptr || std::fwrite(w.bytes.data(), 1, w.bytes.size(), out) != w.bytes.size() ||
                std::fclose(out) != 0) {
                std::fprintf(stderr, "cannot write %s\n", (write_dir / file).c_str());
                return 2;
            }
            std::printf("%s\t%zu\t%zu\t%s\n", (write_dir / file).c_str(), w.bytes.size(), w.messages, w.name.c_str());
        }
        return 0;
    }

    std::printf("respkit parse vs hiredis %d.%d.%d reader; %zu-byte feeds; median of %d runs; MB = 1e6 bytes\n",
                HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH, chunk_size, reps);
    std::printf("rk = respkit zero-copy (visitor touches every node), own = respkit + value_builder, "
                "hr = hiredis (reply objects created and freed)\n\n");
    print_header();

    std::vector<row> rows;
    auto run = [&](const workload& w) {
        if (!w.name.starts_with(only)) return;
        rows.push_back(measure(w, reps));
        print_row(rows.back());
    };
    run(pipelined_sets(1'000'000 / scale));
    run(lrange_100(20'000 / scale));
    run(simple_replies(2'000'000 / scale));
    run(nested_replies(20'000 / scale));

    if (std::filesystem::is_directory(corpus)) {
        for (const workload& w : corpus_workloads(corpus, quick ? (1u << 20) : (4u << 20))) run(w);
    } else {
        std::printf("(corpus workloads skipped: no directory %s; pass --corpus DIR)\n", corpus.string().c_str());
    }

    if (check) {
        bool ok = true;
        for (const row& r : rows) {
            if (!r.gated) continue;
            const double ratio = r.hiredis / r.respkit;
            if (ratio < 3.0) {
                std::printf("CHECK FAILED: %s: respkit/hiredis = %.2f < 3.0\n", r.name.c_str(), ratio);
                ok = false;
            }
        }
        if (!ok) return 1;
        std::printf("\ncheck passed: respkit/hiredis >= 3.0 on workloads 1-4\n");
    }
    return 0;
}

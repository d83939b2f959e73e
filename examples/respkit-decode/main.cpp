// respkit-decode: prints raw RESP traffic (requests or replies, RESP2 or RESP3, inline commands
// included) message by message, the way redis-cli prints replies; or, with --aof, the commands of
// an append-only file (a Redis 7 manifest: its base and incremental files in order, or a single
// appendonly.aof), each after a "# file offset" line.
//
//   respkit-decode [--count] [FILE...]     (standard input when no FILE is given)
//   respkit-decode [--count] --aof FILE    (FILE: <name>.manifest or a single append-only file)
//
// Exit status: 0 when every input decoded completely; 1 on a protocol error (reported on stderr
// with its byte offset) or when an input ends inside a message; 2 on a usage or I/O error.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <respkit/aof.hpp>
#include <respkit/resp.hpp>

namespace {

struct decode_totals {
    std::size_t messages = 0;
    bool ok = true;
};

decode_totals decode(std::FILE* in, const char* name, bool count_only) {
    using namespace respkit::resp;
    decode_totals totals;
    constexpr std::size_t read_size = 256 * 1024;
    input_buffer buffer(read_size);
    traffic_reader reader;
    traffic_message message;
    std::size_t offset = 0; // of buffer.data() in the input
    std::string text;
    std::string inline_error;
    bool eof = false;
    std::size_t done = 0; // bytes of buffer.data() read as whole messages, not consumed yet
    while (true) {
        // Counting needs no value: the zero-copy path (nothing allocated per message).
        const std::string_view input = buffer.data().substr(done);
        const parse_result r = count_only ? reader.skip(input, inline_error) : reader.next(input, message);
        if (r.status == parse_status::complete) {
            ++totals.messages;
            const std::string& error = count_only ? inline_error : message.inline_error;
            if (!error.empty()) {
                std::fprintf(stderr, "%s: offset %zu: inline command Redis would reject: %s\n", name, offset,
                             error.c_str());
            }
            if (!count_only) {
                text.clear();
                format_cli(message.value, text);
                std::fwrite(text.data(), 1, text.size(), stdout);
            }
            done += r.consumed; // consumed with the rest of the buffer's whole messages, at once
            offset += r.consumed;
            continue;
        }
        buffer.consume(done);
        done = 0;
        if (r.status == parse_status::error) {
            std::fprintf(stderr, "%s: offset %zu: protocol error: %s\n", name, offset + r.consumed,
                         reader.error().message().c_str());
            totals.ok = false;
            return totals;
        }
        buffer.consume(r.consumed);
        offset += r.consumed;
        if (eof) break;
        auto space = buffer.prepare(read_size);
        const std::size_t n = std::fread(space.data(), 1, space.size(), in);
        buffer.commit(n);
        if (n == 0) {
            if (std::ferror(in)) {
                std::fprintf(stderr, "%s: read error: %s\n", name, std::strerror(errno));
                totals.ok = false;
                return totals;
            }
            eof = true;
        }
    }
    if (!buffer.empty()) {
        std::fprintf(stderr, "%s: offset %zu: input ends inside a message (%zu bytes left undecoded)\n", name,
                     offset, buffer.size());
        totals.ok = false;
    }
    return totals;
}

// The commands of an append-only file; an RDB part (a .rdb base file) is skipped whole.
int decode_aof(const std::string& path, bool count_only) {
    using namespace respkit;
    std::size_t count = 0;
    std::string text;
    const aof::load_callback print = [&](const std::vector<std::string_view>& args, const std::string& file,
                                         std::uint64_t offset) {
        ++count;
        if (count_only) return;
        std::string encoded;
        resp::write_command_range(encoded, args);
        text = "# " + file + " " + std::to_string(offset) + "\n";
        resp::format_cli(resp::parse_value(encoded).value, text);
        std::fwrite(text.data(), 1, text.size(), stdout);
    };
    aof::load_options options;
    options.truncate_file = false; // a decoder never changes its input
    options.load_truncated = false;
    options.rdb = [](std::string_view, std::string& error) -> std::optional<std::size_t> {
        error = "an RDB part is only skipped in a .rdb base file";
        return std::nullopt;
    };
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    aof::load_result r;
    const std::string suffix = ".manifest";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        const std::string filename = name.substr(0, name.size() - suffix.size());
        std::string error;
        const auto m = aof::read_manifest(dir, filename, error);
        // A base that is only an RDB: skipped whole.
        if (m && m->base && m->base->name.size() > 4 && m->base->name.compare(m->base->name.size() - 4, 4, ".rdb") == 0) {
            options.rdb = [](std::string_view bytes, std::string&) -> std::optional<std::size_t> { return bytes.size(); };
        }
        r = aof::load_directory(dir, filename, print, options);
        if (r.status == aof::load_status::not_found && !error.empty()) r.error = error;
    } else {
        r = aof::load_file(path, name, true, print, options);
    }
    if (count_only) std::printf("%zu\n", count);
    if (r.status == aof::load_status::failed || r.status == aof::load_status::not_found) {
        std::fprintf(stderr, "respkit-decode: %s: %s\n", path.c_str(),
                     r.error.empty() ? "no append-only file listed" : r.error.c_str());
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    bool count_only = false;
    std::vector<const char*> files;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--count") {
            count_only = true;
        } else if (arg == "--aof" && i + 1 < argc) {
            return decode_aof(argv[++i], count_only);
        } else if (arg == "-h" || arg == "--help") {
            std::printf("usage: respkit-decode [--count] [FILE...]\n       respkit-decode [--count] --aof FILE.manifest|FILE.aof\n");
            return 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "respkit-decode: unknown option %s\nusage: respkit-decode [--count] [FILE...]\n",
                         argv[i]);
            return 2;
        } else {
            files.push_back(argv[i]);
        }
    }
    bool ok = true;
    if (files.empty()) {
        const decode_totals t = decode(stdin, "<stdin>", count_only);
        if (count_only) std::printf("%zu\n", t.messages);
        return t.ok ? 0 : 1;
    }
    for (const char* file : files) {
        std::FILE* in = std::fopen(file, "rb");
        if (in == nullptr) {
            std::fprintf(stderr, "respkit-decode: %s: %s\n", file, std::strerror(errno));
            return 2;
        }
        const decode_totals t = decode(in, file, count_only);
        std::fclose(in);
        if (count_only) {
            if (files.size() == 1) std::printf("%zu\n", t.messages);
            else std::printf("%zu\t%s\n", t.messages, file);
        }
        ok = ok && t.ok;
    }
    return ok ? 0 : 1;
}

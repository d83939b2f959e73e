// respkit-decode: prints raw RESP traffic (requests or replies, RESP2 or RESP3, inline commands
// included) message by message, the way redis-cli prints replies.
//
//   respkit-decode [--count] [FILE...]     (standard input when no FILE is given)
//
// Exit status: 0 when every input decoded completely; 1 on a protocol error (reported on stderr
// with its byte offset) or when an input ends inside a message; 2 on a usage or I/O error.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <respkit/resp.hpp>

namespace {

struct decode_totals {
    std::size_t messages = 0;
    bool ok = true;
};

decode_totals decode(std::FILE* in, const char* name, bool count_only) {
    using namespace respkit::resp;
    decode_totals totals;
    input_buffer buffer(64 * 1024);
    traffic_reader reader;
    traffic_message message;
    std::size_t offset = 0; // of buffer.data() in the input
    std::string text;
    bool eof = false;
    while (true) {
        const parse_result r = reader.next(buffer.data(), message);
        if (r.status == parse_status::complete) {
            ++totals.messages;
            if (!message.inline_error.empty()) {
                std::fprintf(stderr, "%s: offset %zu: inline command Redis would reject: %s\n", name, offset,
                             message.inline_error.c_str());
            }
            if (!count_only) {
                text.clear();
                format_cli(message.value, text);
                std::fwrite(text.data(), 1, text.size(), stdout);
            }
            buffer.consume(r.consumed);
            offset += r.consumed;
            continue;
        }
        if (r.status == parse_status::error) {
            std::fprintf(stderr, "%s: offset %zu: protocol error: %s\n", name, offset + r.consumed,
                         reader.error().message().c_str());
            totals.ok = false;
            return totals;
        }
        buffer.consume(r.consumed);
        offset += r.consumed;
        if (eof) break;
        auto space = buffer.prepare(64 * 1024);
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

} // namespace

int main(int argc, char** argv) {
    bool count_only = false;
    std::vector<const char*> files;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--count") {
            count_only = true;
        } else if (arg == "-h" || arg == "--help") {
            std::printf("usage: respkit-decode [--count] [FILE...]\n");
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

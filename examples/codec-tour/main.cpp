#include <cstdio>
#include <string>
#include <string_view>

#include <respkit/resp.hpp>

int main() {
    using namespace respkit::resp;
    std::string bytes; // any sink: std::string, std::vector<char>, a fixed buffer
    write_command(bytes, "SET", "greeting", "hello");
    writer reply(bytes, protocol::resp3);
    reply.map(1);
    reply.bulk_string("pi");
    reply.double_number(3.14159);

    parser p; // incremental, zero-copy, iterative
    value_builder build;
    for (std::string_view in = bytes; !in.empty();) {
        const parse_result r = p.parse(in, build);
        if (r.status != parse_status::complete) return 1;
        std::fputs(format_cli(build.take()).c_str(), stdout); // as redis-cli prints it
        in.remove_prefix(r.consumed);
    }
}

// Real Redis 7.0.15 traffic from ../shared/corpus: every file parses completely, message
// counts equal the corpus README's inventory, and every RESP message round-trips byte for
// byte (through nodes and through owning values), fed whole, byte by byte and split;
// traffic_reader's skip() reads the same messages as next().

#include <doctest/doctest.h>

#include <cstddef>
#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/resp.hpp"
#include "support/file_util.hpp"
#include "support/resp_test_util.hpp"

using namespace respkit::resp;
using namespace respkit_test;

namespace {

const std::filesystem::path corpus_dir = std::filesystem::path(RESPKIT_SHARED_DIR) / "corpus";

struct inventory_row {
    std::size_t req_bytes = 0, req_messages = 0, resp_bytes = 0, resp_messages = 0;
};

// Reads the "Inventory" table of the corpus README: | scenario | 265 / 19 (...) | 317 / 19 (...) | ...
std::map<std::string, inventory_row> read_inventory() {
    std::map<std::string, inventory_row> rows;
    std::istringstream readme(read_file(corpus_dir / "README.md"));
    std::string line;
    while (std::getline(readme, line)) {
        if (line.rfind("| ", 0) != 0) continue;
        std::vector<std::string> cells;
        std::stringstream cells_in(line.substr(1));
        std::string cell;
        while (std::getline(cells_in, cell, '|')) cells.push_back(cell);
        if (cells.size() < 3) continue;
        inventory_row row;
        char slash = 0;
        std::istringstream req(cells[1]);
        std::istringstream resp(cells[2]);
        if (!(req >> row.req_bytes >> slash >> row.req_messages) || slash != '/') continue;
        if (!(resp >> row.resp_bytes >> slash >> row.resp_messages) || slash != '/') continue;
        std::string name = cells[0];
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        rows[name] = row;
    }
    return rows;
}

// Counts the top-level messages of a file with traffic_reader (RESP and inline).
// (Also checks that traffic_reader::skip, which builds nothing, reads the same messages.)
std::size_t count_messages(std::string_view bytes, bool& complete) {
    traffic_reader reader;
    traffic_reader skipper;
    traffic_message message;
    std::string inline_error;
    std::size_t count = 0;
    for (;;) {
        const parse_result r = reader.next(bytes, message);
        CHECK(skipper.skip(bytes, inline_error) == r);
        if (r.status == parse_status::complete) {
            CHECK(inline_error == message.inline_error);
            ++count;
            bytes.remove_prefix(r.consumed);
            continue;
        }
        if (r.status == parse_status::error) {
            complete = false;
            return count;
        }
        bytes.remove_prefix(r.consumed);
        break;
    }
    complete = bytes.empty() && !reader.in_message();
    return count;
}

// The RESP messages of a file (inline lines skipped), as byte ranges.
std::vector<std::string_view> resp_messages(std::string_view bytes) {
    std::vector<std::string_view> out;
    parser p;
    while (!bytes.empty()) {
        if (!is_marker(bytes[0])) { // an inline line
            const std::size_t lf = bytes.find('\n');
            REQUIRE(lf != std::string_view::npos);
            bytes.remove_prefix(lf + 1);
            continue;
        }
        const parse_result r = p.skip(bytes);
        REQUIRE(r.status == parse_status::complete);
        out.push_back(bytes.substr(0, r.consumed));
        bytes.remove_prefix(r.consumed);
    }
    return out;
}

std::vector<std::filesystem::path> corpus_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
        const auto ext = entry.path().extension();
        if (ext == ".req" || ext == ".resp") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

TEST_CASE("every corpus file parses completely with the README's message counts") {
    if (!std::filesystem::exists(corpus_dir / "README.md")) {
        MESSAGE("skipped: no corpus at " << corpus_dir.string());
        return;
    }
    const auto inventory = read_inventory();
    REQUIRE(inventory.size() >= 19);
    std::size_t files = 0;
    for (const auto& [name, row] : inventory) {
        for (const bool request : {true, false}) {
            const auto path = corpus_dir / (name + (request ? ".req" : ".resp"));
            CAPTURE(path.string());
            const std::string bytes = read_file(path);
            CHECK(bytes.size() == (request ? row.req_bytes : row.resp_bytes));
            bool complete = false;
            CHECK(count_messages(bytes, complete) == (request ? row.req_messages : row.resp_messages));
            CHECK(complete);
            ++files;
        }
    }
    CHECK(files == corpus_files().size());
}

TEST_CASE("corpus files parse identically whole and byte by byte") {
    if (!std::filesystem::exists(corpus_dir)) {
        MESSAGE("skipped: no corpus at " << corpus_dir.string());
        return;
    }
    for (const auto& path : corpus_files()) {
        CAPTURE(path.string());
        const std::string bytes = read_file(path);
        // RESP-only streams (inline lines removed) through the generic parser.
        std::string resp_only;
        for (const auto message : resp_messages(bytes)) resp_only += message;
        const run_result whole = run_whole(resp_only);
        CHECK(!whole.error);
        CHECK(whole.unconsumed == 0);
        CHECK(run_bytewise(resp_only) == whole);
        // Random chunk sizes, as sockets deliver them.
        std::mt19937 rng(12345);
        std::vector<std::size_t> cuts;
        for (std::size_t at = 0;;) {
            at += 1 + rng() % 3000;
            if (at >= resp_only.size()) break;
            cuts.push_back(at);
        }
        CHECK(run_split(resp_only, cuts) == whole);
    }
}

TEST_CASE("every corpus message round-trips byte for byte, split at every offset") {
    if (!std::filesystem::exists(corpus_dir)) {
        MESSAGE("skipped: no corpus at " << corpus_dir.string());
        return;
    }
    std::size_t messages = 0;
    std::size_t splits = 0;
    std::set<std::string> split_already; // identical messages (benchmark traffic) split once
    for (const auto& path : corpus_files()) {
        CAPTURE(path.string());
        const std::string bytes = read_file(path);
        for (const std::string_view message : resp_messages(bytes)) {
            ++messages;
            // Through nodes: writing every node back gives the same bytes.
            std::string from_nodes;
            writer node_writer(from_nodes, protocol::resp3);
            parser p;
            CHECK(p.parse(message, [&](const node& n) { node_writer.write(n); }).status == parse_status::complete);
            CHECK(from_nodes == message);
            // Through an owning value.
            const parsed_value parsed = parse_value(message);
            REQUIRE(parsed.result.status == parse_status::complete);
            CHECK(to_resp(parsed.value) == message);
            // Split in two at every offset (sampled for the few very large messages).
            if (!split_already.insert(std::string(message)).second) continue;
            const run_result whole = run_whole(message);
            const std::size_t step = message.size() <= 4096 ? 1 : message.size() / 97 + 1;
            for (std::size_t cut = 1; cut < message.size(); cut += step) {
                ++splits;
                if (!(run_split(message, {cut}) == whole)) {
                    FAIL_CHECK("split at " << cut << " differs");
                    break;
                }
            }
        }
    }
    MESSAGE(messages << " messages round-tripped, " << splits << " split points checked");
    CHECK(messages > 1000);
}

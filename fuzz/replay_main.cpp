// Replays fuzz inputs through a libFuzzer target without libFuzzer, so every fuzz body also
// runs as a plain unit test under any compiler and sanitizer.
//
// usage: fuzz_replay_<name> PATH...
//   Each PATH is a file or a directory (walked recursively, in sorted order). Every regular
//   file's bytes are passed to LLVMFuzzerTestOneInput in a heap buffer of exactly that size,
//   so sanitizers see reads past the end. Arguments starting with '-' (libFuzzer flags) are
//   ignored. Exits non-zero when a path is missing or no input was replayed.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

#if defined(__GNUC__) || defined(__clang__)
// Optional in a fuzz target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
#endif

namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& path, std::vector<char>& out) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        return false;
    }
    out.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
    return !in.bad();
}

int replay(const fs::path& path) {
    std::vector<char> bytes;
    if (!read_file(path, bytes)) {
        std::fprintf(stderr, "replay: cannot read %s\n", path.string().c_str());
        return 1;
    }
    // An exact-size allocation (never null, even for 0 bytes), as libFuzzer passes.
    const std::unique_ptr<std::uint8_t[]> buffer{new std::uint8_t[bytes.size()]};
    std::copy(bytes.begin(), bytes.end(), buffer.get());
    // 0 accepts the input; -1 asks libFuzzer not to add it to the corpus. Both are fine here.
    const int result = LLVMFuzzerTestOneInput(buffer.get(), bytes.size());
    if (result != 0 && result != -1) {
        std::fprintf(stderr, "replay: %s: LLVMFuzzerTestOneInput returned %d\n",
                     path.string().c_str(), result);
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
#if defined(__GNUC__) || defined(__clang__)
    if (LLVMFuzzerInitialize != nullptr) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
#endif
    std::vector<fs::path> inputs;
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.empty() || arg.front() == '-') {
            continue;
        }
        std::error_code ec;
        const fs::path path{arg};
        if (fs::is_directory(path, ec)) {
            for (fs::recursive_directory_iterator it{path, ec}, end; !ec && it != end;
                 it.increment(ec)) {
                if (it->is_regular_file(ec)) {
                    inputs.push_back(it->path());
                }
            }
            if (ec) {
                std::fprintf(stderr, "replay: cannot walk %s: %s\n", arg.c_str(),
                             ec.message().c_str());
                ++failures;
            }
        } else if (fs::is_regular_file(path, ec)) {
            inputs.push_back(path);
        } else {
            std::fprintf(stderr, "replay: no such file or directory: %s\n", arg.c_str());
            ++failures;
        }
    }
    std::sort(inputs.begin(), inputs.end());

    for (const fs::path& input : inputs) {
        failures += replay(input);
    }
    std::printf("replayed %zu inputs, %d failures\n", inputs.size(), failures);
    if (inputs.empty()) {
        std::fprintf(stderr, "replay: no inputs (usage: %s FILE_OR_DIR...)\n", argv[0]);
        return 1;
    }
    return failures == 0 ? 0 : 1;
}

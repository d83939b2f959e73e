// Test support: reading a test's data files (captures, README, examples) whole.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace respkit_test {

/// The bytes of a file; "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace respkit_test

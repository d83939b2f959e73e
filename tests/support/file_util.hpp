// Test support: reading a test's data files (captures, README, examples) whole; a temporary
// directory that removes itself.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace respkit_test {

/// The bytes of a file; "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A new temporary directory (mkdtemp), removed with its files by the destructor.
struct temp_dir {
    std::string path; ///< its path ("" when it could not be made)
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "respkit-test-XXXXXX").string();
        path = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
    /// The path of `name` in it.
    [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
    /// Writes `text` to `name` in it; returns the file's path.
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(file(name), std::ios::binary) << text;
        return file(name);
    }
    /// The bytes of `name` in it.
    [[nodiscard]] std::string read(const std::string& name) const { return read_file(file(name)); }
};

} // namespace respkit_test

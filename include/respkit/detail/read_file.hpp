#pragma once

/// \file
/// Reads a whole file into a string with <cstdio>, for headers that would otherwise include
/// <fstream> and <sstream> for it (docs/headers.md).

#include <cstddef>
#include <cstdio>
#include <string>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// Appends the bytes of the file `path` to `out`; false (errno set) when it cannot be opened.
/// A read error ends the text where it happened, as an ifstream's would.
template <class = void> // instantiated only where used (docs/headers.md, rule 5)
[[nodiscard]] bool read_file(const char* path, std::string& out) {
    std::FILE* in = std::fopen(path, "rb");
    if (in == nullptr) return false;
    char buffer[16384];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, in);
        out.append(buffer, n);
        if (n < sizeof buffer) break;
    }
    std::fclose(in);
    return true;
}

} // namespace respkit::detail

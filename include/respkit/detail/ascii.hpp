#pragma once

// ASCII case folding for command names, options and configuration names (Redis compares them
// byte-wise, ignoring ASCII case only). Internal: users should not name anything here.

#include <respkit/version.hpp>

#include <cstddef>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::detail {

/// `c` in lower case if it is an ASCII capital letter.
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `c` in upper case if it is an ASCII small letter.
[[nodiscard]] constexpr char ascii_upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

/// Equality ignoring ASCII case.
[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

} // namespace respkit::detail

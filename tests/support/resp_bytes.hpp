#pragma once

/// \file
/// RESP2 replies spelled out as bytes, for tests that compare what a server wrote.

#include <initializer_list>
#include <string>
#include <string_view>

namespace respkit_test {

/// `$<n>\r\n<s>\r\n`.
inline std::string bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }

/// `:<n>\r\n`.
inline std::string integer(long long n) { return ":" + std::to_string(n) + "\r\n"; }

/// `*<count>\r\n` followed by the items, each already encoded.
inline std::string array(std::initializer_list<std::string> items) {
    std::string out = "*" + std::to_string(items.size()) + "\r\n";
    for (const auto& item : items) out += item;
    return out;
}

} // namespace respkit_test

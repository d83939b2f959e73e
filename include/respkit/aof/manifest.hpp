#pragma once

/// \file
/// Redis 7.0's append-only manifest: the list of files that make the append-only file (one
/// base, history files, incremental files in order), its text format (`file <name> seq <n>
/// type <b|h|i>` lines, names quoted as sdscatrepr when they need it, read with sdssplitargs'
/// rules), its validation with Redis's error wording, and the names Redis gives the files.

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/detail/split_args.hpp"
#include "respkit/resp/cli_format.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::aof {

/// The role of a file in the manifest.
enum class file_type : char {
    base = 'b',    ///< the snapshot the incremental files apply to (RDB or commands)
    history = 'h', ///< replaced by a rewrite, to be deleted
    incr = 'i',    ///< commands written after the base, loaded in order
};

/// One line of the manifest.
struct file_info {
    std::string name;                  ///< file name inside the append-only directory
    std::int64_t seq = 0;              ///< sequence number
    file_type type = file_type::incr;  ///< base, history or incremental
    friend bool operator==(const file_info&, const file_info&) = default;
};

/// The manifest: which files make the append-only file.
struct manifest {
    std::optional<file_info> base;  ///< the base file, if any
    std::vector<file_info> history; ///< files to delete
    std::vector<file_info> incr;    ///< incremental files, in increasing seq
    std::int64_t base_seq = 0;      ///< the last base sequence number used
    std::int64_t incr_seq = 0;      ///< the last incremental sequence number used
    friend bool operator==(const manifest&, const manifest&) = default;
};

/// Why a manifest could not be read, with Redis's wording.
struct manifest_error {
    std::string message; ///< e.g. "Invalid AOF manifest file format"
    int line = 0;        ///< 1-based line number (0: not about a line)
    std::string text;    ///< the offending line, trimmed (as Redis logs it)
};

/// A parsed manifest, or the error that stopped reading it.
struct manifest_result {
    std::optional<aof::manifest> value; ///< set on success
    manifest_error error;               ///< set on failure
    [[nodiscard]] explicit operator bool() const noexcept { return value.has_value(); }
};

/// Names of the files, as Redis 7.0 makes them from appendfilename.
namespace names {
/// `<appendfilename>.manifest`
[[nodiscard]] inline std::string manifest(std::string_view appendfilename) {
    return std::string(appendfilename) + ".manifest";
}
/// `temp-<appendfilename>.manifest`: written, fsynced, then renamed over the manifest.
[[nodiscard]] inline std::string temp_manifest(std::string_view appendfilename) {
    return "temp-" + std::string(appendfilename) + ".manifest";
}
/// `<appendfilename>.<seq>.base.rdb` (RDB preamble) or `.base.aof` (commands).
[[nodiscard]] inline std::string base(std::string_view appendfilename, std::int64_t seq, bool rdb) {
    return std::string(appendfilename) + "." + std::to_string(seq) + ".base" + (rdb ? ".rdb" : ".aof");
}
/// `<appendfilename>.<seq>.incr.aof`
[[nodiscard]] inline std::string incr(std::string_view appendfilename, std::int64_t seq) {
    return std::string(appendfilename) + "." + std::to_string(seq) + ".incr.aof";
}
/// `temp-rewriteaof-bg-<pid>.aof`: a rewrite child's output before it becomes a base file.
[[nodiscard]] inline std::string temp_rewrite(long pid) {
    return "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof";
}
} // namespace names

namespace detail {

// sdsneedsrepr: a name with blanks, quotes, backslashes or unprintable bytes is quoted.
[[nodiscard]] inline bool needs_repr(std::string_view s) noexcept {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\' || c == '"' || u < 0x21 || u >= 0x7f) return true;
    }
    return false;
}

// atoll: optional blanks and sign, then digits up to the first other character; 0 if none.
[[nodiscard]] inline std::int64_t atoll(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    std::uint64_t v = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        const auto d = static_cast<std::uint64_t>(s[i] - '0');
        // Saturate as glibc's strtoll does (atoll is strtoll).
        if (v > (static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0) - d) / 10) {
            return negative ? INT64_MIN : INT64_MAX;
        }
        v = v * 10 + d;
    }
    return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

} // namespace detail

/// Reads a manifest as Redis 7.0's aofLoadManifestFromFile does: '#' lines skipped, lines of
/// at most 1024 bytes, key/value pairs (extra pairs ignored, keys case-insensitive), one base
/// file, incremental sequence numbers increasing; errors as Redis words them.
[[nodiscard]] inline manifest_result parse_manifest(std::string_view text) {
    constexpr std::size_t max_line = 1024;
    manifest m;
    std::int64_t max_seq = 0;
    int line_number = 0;
    // With a line: Redis reports its number and text (even an empty one).
    auto fail = [&](std::string message, const std::string* line = nullptr) {
        manifest_result r;
        r.error = {std::move(message), line == nullptr ? 0 : line_number, line == nullptr ? std::string() : *line};
        return r;
    };
    std::size_t pos = 0;
    if (text.empty()) return fail("Found an empty AOF manifest");
    while (pos < text.size()) {
        // fgets reads up to 1024 bytes or the newline, whichever comes first.
        std::size_t end = text.find('\n', pos);
        const bool has_newline = end != std::string_view::npos && end - pos < max_line;
        const std::size_t take = has_newline ? end - pos + 1 : std::min(max_line, text.size() - pos);
        std::string_view raw = text.substr(pos, take);
        pos += take;
        ++line_number;
        if (raw.front() == '#') continue;
        if (!has_newline) return fail("The AOF manifest file contains too long line");
        // fgets stops at a NUL too, as far as the string goes.
        if (const std::size_t nul = raw.find('\0'); nul != std::string_view::npos) raw = raw.substr(0, nul);
        std::size_t b = 0, e = raw.size();
        auto trim = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        while (b < e && trim(raw[b])) ++b;
        while (e > b && trim(raw[e - 1])) --e;
        const std::string line(raw.substr(b, e - b));
        if (line.empty()) return fail("Invalid AOF manifest file format", &line);
        const auto args = respkit::detail::split_args(line);
        if (!args || args->size() < 6 || args->size() % 2 != 0) return fail("Invalid AOF manifest file format", &line);
        file_info info;
        bool has_name = false;
        char type = '\0';
        for (std::size_t i = 0; i < args->size(); i += 2) {
            const std::string& key = (*args)[i];
            const std::string& value = (*args)[i + 1];
            if (respkit::detail::ascii_iequals(key, "file")) {
                info.name = value.substr(0, value.find('\0'));
                has_name = true;
                if (info.name.find('/') != std::string::npos || info.name.find('\\') != std::string::npos) {
                    return fail("File can't be a path, just a filename", &line);
                }
            } else if (respkit::detail::ascii_iequals(key, "seq")) {
                info.seq = detail::atoll(value);
            } else if (respkit::detail::ascii_iequals(key, "type")) {
                type = value.empty() ? '\0' : value[0];
            }
        }
        // Redis checks the name through a C string: an empty one is missing too.
        if (!has_name || info.name.empty() || info.seq == 0 || type == '\0') {
            return fail("Invalid AOF manifest file format", &line);
        }
        if (type == 'b') {
            if (m.base) return fail("Found duplicate base file information", &line);
            info.type = file_type::base;
            m.base_seq = info.seq;
            m.base = std::move(info);
        } else if (type == 'h') {
            info.type = file_type::history;
            m.history.push_back(std::move(info));
        } else if (type == 'i') {
            if (info.seq <= max_seq) return fail("Found a non-monotonic sequence number", &line);
            info.type = file_type::incr;
            max_seq = info.seq;
            m.incr_seq = info.seq;
            m.incr.push_back(std::move(info));
        } else {
            return fail("Unknown AOF file type", &line);
        }
    }
    manifest_result r;
    r.value = std::move(m);
    return r;
}

/// Redis's log lines for a manifest error (aofLoadManifestFromFile's report), one per element.
[[nodiscard]] inline std::vector<std::string> manifest_error_report(const manifest_error& e) {
    std::vector<std::string> lines{"\n*** FATAL AOF MANIFEST FILE ERROR ***\n"};
    if (e.line != 0) {
        lines.push_back("Reading the manifest file, at line " + std::to_string(e.line) + "\n");
        lines.push_back(">>> '" + e.text + "'\n");
    }
    lines.push_back(e.message + "\n");
    return lines;
}

/// One manifest line as Redis writes it (name quoted as sdscatrepr when needed).
[[nodiscard]] inline std::string format_file_info(const file_info& f) {
    std::string out = "file ";
    if (detail::needs_repr(f.name)) {
        resp::append_quoted(out, f.name);
    } else {
        out += f.name;
    }
    out += " seq " + std::to_string(f.seq) + " type ";
    out += static_cast<char>(f.type);
    out += '\n';
    return out;
}

/// The manifest as Redis writes it: base first, then history files, then incremental files.
[[nodiscard]] inline std::string format_manifest(const manifest& m) {
    std::string out;
    if (m.base) out += format_file_info(*m.base);
    for (const file_info& f : m.history) out += format_file_info(f);
    for (const file_info& f : m.incr) out += format_file_info(f);
    return out;
}

/// Makes a new base file the base (the previous one becomes history, first in the list), as
/// Redis does when a rewrite finishes; returns its name.
inline std::string add_new_base(manifest& m, std::string_view appendfilename, bool rdb) {
    if (m.base) {
        file_info old = std::move(*m.base);
        old.type = file_type::history;
        m.history.insert(m.history.begin(), std::move(old));
    }
    ++m.base_seq;
    m.base = file_info{names::base(appendfilename, m.base_seq, rdb), m.base_seq, file_type::base};
    return m.base->name;
}

/// Appends a new incremental file; returns its name.
inline std::string add_new_incr(manifest& m, std::string_view appendfilename) {
    ++m.incr_seq;
    m.incr.push_back({names::incr(appendfilename, m.incr_seq), m.incr_seq, file_type::incr});
    return m.incr.back().name;
}

/// Turns every incremental file but the last `keep` ones into history (newest first, as Redis's
/// markRewrittenIncrAofAsHistory adds them at the head): after a rewrite, the files the new
/// base covers.
inline void mark_incr_as_history(manifest& m, std::size_t keep) {
    while (m.incr.size() > keep) {
        file_info f = std::move(m.incr[m.incr.size() - keep - 1]);
        m.incr.erase(m.incr.begin() + static_cast<std::ptrdiff_t>(m.incr.size() - keep - 1));
        f.type = file_type::history;
        m.history.insert(m.history.begin(), std::move(f));
    }
}

} // namespace respkit::aof

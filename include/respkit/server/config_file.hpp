#pragma once

/// \file
/// Configuration files and command lines as redis-server reads them: Redis's line syntax
/// (comments, quoting, `include`, repeated and multi-word directives), the command line
/// `[/path/to/redis.conf] [-] [--name value ...]` turned into configuration lines, and a loader
/// that applies them to a config_table, stopping at the first error with Redis's wording.

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/read_file.hpp"
#include "respkit/detail/split_args.hpp"
#include "respkit/server/config.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Splits a configuration line into arguments as Redis's sdssplitargs does (detail::split_args:
/// blanks separate them; "double quotes" understand \n \r \t \b \a, \xHH and \<any>; 'single
/// quotes' only \'; a closing quote must be followed by a blank or the end). nullopt on
/// unbalanced quotes.
template <class = void>
[[nodiscard]] std::optional<std::vector<std::string>> split_config_args(std::string_view line) {
    return respkit::detail::split_args(line);
}

/// `s` in double quotes with Redis's escapes (sdscatrepr): what CONFIG REWRITE writes for
/// strings, and what split_config_args reads back as `s`.
template <class = void>
[[nodiscard]] std::string quote_config_arg(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        default:
            if (std::isprint(static_cast<unsigned char>(c))) {
                out += c;
            } else {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
                out += buf;
            }
        }
    }
    out += '"';
    return out;
}

/// redis-server's command line, read as Redis 7.0 reads it.
struct config_command_line {
    /// What the command line asks for.
    enum class action : std::uint8_t {
        run,     ///< start the server
        version, ///< -v / --version as the first argument
        help,    ///< -h / --help as the first argument
    };
    action what = action::run;       ///< what to do
    std::string config_file;         ///< the configuration file as given ("" when none)
    bool config_from_stdin = false;  ///< `-` first or last: read configuration from standard input
    std::string options;             ///< the --name value options, as configuration lines
};

/// Reads `respkit-server [/path/to/redis.conf] [-] [--name value ...]` as redis-server does: a
/// first argument not starting with '-' is the file; `-` as the first or last argument reads
/// standard input; every `--name` starts a line "name" and the arguments after it are appended
/// quoted (`--save ""` is an empty save; `--save` alone at the end or before another option is
/// one too). Arguments are not validated here: the loader reports them as lines.
template <class = void>
[[nodiscard]] config_command_line parse_config_command_line(std::span<const char* const> argv) {
    config_command_line out;
    const std::size_t argc = argv.size();
    if (argc < 2) return out;
    const std::string_view first = argv[1];
    if (first == "-v" || first == "--version") {
        out.what = config_command_line::action::version;
        return out;
    }
    if (first == "-h" || first == "--help") {
        out.what = config_command_line::action::help;
        return out;
    }
    std::size_t j = 1;
    if (!first.empty() && first[0] != '-') {
        out.config_file = std::string(first);
        j = 2;
    }
    bool handled_last_arg = true;
    std::string& options = out.options;
    auto iequals = [](std::string_view a, std::string_view b) { return detail::config_iequals(a, b); };
    for (; j < argc; ++j) {
        const std::string_view arg = argv[j];
        if (arg == "-" && (j == 1 || j == argc - 1)) {
            out.config_from_stdin = true;
        } else if (handled_last_arg && arg.starts_with("--")) {
            if (!options.empty()) options += '\n';
            options += arg.substr(2);
            options += ' ';
            const auto words = split_config_args(arg);
            if (words && words->size() == 1) {
                // A name alone ("--port"): its value is the next argument, whatever it looks like.
                handled_last_arg = false;
                const bool next_is_option = j != argc - 1 && std::string_view(argv[j + 1]).starts_with("--");
                if (next_is_option && iequals(arg, "--save")) {
                    options += "\"\"";
                    handled_last_arg = true;
                } else if (j == argc - 1 && iequals(arg, "--save")) {
                    options += "\"\"";
                } else if (next_is_option && iequals(arg, "--sentinel")) {
                    handled_last_arg = true;
                }
            } else {
                handled_last_arg = true; // "--port 6380" in one argument
            }
        } else {
            options += quote_config_arg(arg);
            options += ' ';
            handled_last_arg = true;
        }
    }
    return out;
}

/// A configuration error as Redis reports it: the line (1-based within its file, or within the
/// file + standard input + options text) and Redis's reason.
struct config_error {
    int line = 0;       ///< 0: not about a line (a file that cannot be opened, a final check)
    std::string text;   ///< the line, trimmed
    std::string reason; ///< e.g. "argument couldn't be parsed into an integer"
};

/// Redis's report of a configuration error ("*** FATAL CONFIG FILE ERROR (<label>) ***", the
/// line number, the line, the reason), ending with a newline.
template <class = void>
[[nodiscard]] std::string format_config_error(const config_error& e, std::string_view label) {
    std::string out = "\n*** FATAL CONFIG FILE ERROR (" + std::string(label) + ") ***\n";
    if (e.line > 0) {
        out += "Reading the configuration file, at line " + std::to_string(e.line) + "\n";
        out += ">>> '" + e.text + "'\n";
    }
    out += e.reason + "\n";
    return out;
}

/// Where a value or directive came from: a file (or "" for the main text) and its line.
struct config_origin {
    std::string file; ///< the included file's path, or "" for the text given to load()
    int line = 0;     ///< 1-based line number within it
    std::string text; ///< the line, trimmed
};

/// A line that is not a parameter, left to the server: rename-command, user, loadmodule, a
/// module's parameter (a name with a dot), sentinel.
struct config_directive {
    std::vector<std::string> args; ///< the directive (lower case) and its arguments
    config_origin origin;          ///< where it was written
};

template <class = void>
class basic_config_loader;
/// Applies configuration text to a config_table as redis-server loads its file: line by line,
/// the last of repeated directives winning except `save` (whose lines add up, as in Redis),
/// `client-output-buffer-limit` (each line sets its classes) and `include` (loads a file, or
/// the files a glob pattern matches, at that point). Stops at the first error. Values are set
/// in config_set_mode::loading: restrictions are checked afterwards (config_table::violations(),
/// with origin() telling which line set each value).
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using config_loader = basic_config_loader<>;

template <class>
class basic_config_loader {
public:
    /// A loader writing into `config`, which must outlive it.
    explicit basic_config_loader(config_table& config) : m_config(&config) {}

    /// Loads `text` (a file's contents, standard input and the command-line options, joined as
    /// load_command_line does). False on the first error (see error()).
    bool load(std::string_view text) { return load_text(text, {}); }

    /// Loads what a command line names: the file (if any), standard input's `stdin_text` when
    /// asked for, then the options, as redis-server joins them; records the file's absolute
    /// path as the table's config_file(). False on the first error (see error()).
    bool load_command_line(const config_command_line& line, std::string_view stdin_text = {}) {
        std::string text;
        if (!line.config_file.empty()) {
            if (!read_file(line.config_file, text)) return false;
            m_config->set_config_file(absolute_path(line.config_file));
        }
        if (line.config_from_stdin) text += stdin_text;
        m_options_from_line = -1;
        if (!line.options.empty()) {
            text += '\n';
            m_options_from_line = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
            text += line.options;
        }
        return load(text);
    }

    /// The error that stopped loading, if any.
    [[nodiscard]] const std::optional<config_error>& error() const noexcept { return m_error; }
    /// The lines that are not parameters, in order (for the server to apply or refuse).
    [[nodiscard]] const std::vector<config_directive>& directives() const noexcept { return m_directives; }
    /// The line that last set `name` (canonical name), or nullptr when no line did.
    [[nodiscard]] const config_origin* origin(std::string_view name) const {
        for (auto it = m_origins.rbegin(); it != m_origins.rend(); ++it) {
            if (it->first == name) return &it->second;
        }
        return nullptr;
    }
    /// The first line of the main text that came from command-line options (-1: none).
    [[nodiscard]] int options_from_line() const noexcept { return m_options_from_line; }

    /// `path` made absolute against the working directory (Redis's getAbsolutePath, without
    /// resolving links).
    [[nodiscard]] static std::string absolute_path(std::string_view path) {
        if (path.starts_with('/')) return std::string(path);
        std::string cwd(4096, '\0');
        if (::getcwd(cwd.data(), cwd.size()) == nullptr) return std::string(path);
        cwd.resize(std::char_traits<char>::length(cwd.c_str()));
        while (path.starts_with("./")) path.remove_prefix(2);
        while (path.starts_with("../")) {
            path.remove_prefix(3);
            const std::size_t slash = cwd.rfind('/');
            cwd.resize(slash == 0 || slash == std::string::npos ? 1 : slash);
        }
        if (!cwd.ends_with('/')) cwd += '/';
        return cwd + std::string(path);
    }

private:
    [[nodiscard]] bool fail(int line, std::string_view text, std::string reason) {
        m_error = config_error{line, std::string(text), std::move(reason)};
        return false;
    }

    [[nodiscard]] bool read_file(const std::string& path, std::string& out) {
        if (!respkit::detail::read_file(path.c_str(), out)) {
            return fail(0, {}, "Fatal error, can't open config file '" + absolute_path(path) + "': " + std::strerror(errno));
        }
        return true;
    }

    [[nodiscard]] bool include(const std::string& pattern) {
        std::vector<std::string> files;
        if (pattern.find_first_of("*?[") != std::string::npos) {
            // A pattern that matches nothing is skipped (an empty conf.d), as Redis does.
            glob_t found{};
            if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
                for (std::size_t i = 0; i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
            }
            ::globfree(&found);
        } else {
            files.push_back(pattern);
        }
        // Redis concatenates the matched files and loads them as one text.
        std::string text;
        for (const std::string& f : files) {
            if (!read_file(f, text)) return false;
        }
        if (files.empty()) return true;
        const int saved = m_options_from_line;
        m_options_from_line = -1;
        const bool ok = load_text(text, files.size() == 1 ? files[0] : pattern);
        m_options_from_line = saved;
        return ok;
    }

    bool load_text(std::string_view text, const std::string& file) {
        m_reading = true;
        int number = 0;
        std::size_t start = 0;
        while (start <= text.size()) {
            const std::size_t end = std::min(text.find('\n', start), text.size());
            std::string_view line = text.substr(start, end - start);
            start = end + 1;
            ++number;
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r' || line.front() == '\n')) {
                line.remove_prefix(1);
            }
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' || line.back() == '\n')) {
                line.remove_suffix(1);
            }
            if (line.empty() || line.front() == '#' || line.front() == '\0') continue;
            auto args = split_config_args(line);
            if (!args) return fail(number, line, "Unbalanced quotes in configuration line");
            if (args->empty()) continue;
            std::string& name = (*args)[0];
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (!apply(*args, {file, number, std::string(line)})) return false;
        }
        // As Redis: once any text (an included file too) is loaded, later `save` lines replace,
        // and the checks on the whole configuration run at the end of each text.
        m_reading = false;
        return final_checks();
    }

    [[nodiscard]] bool apply(std::vector<std::string>& args, const config_origin& at) {
        const std::string& name = args[0];
        if (const config_table::parameter* p = m_config->find(name)) {
            const bool multi = (static_cast<unsigned>(p->info->flags) & static_cast<unsigned>(config_flag::multi_arg)) != 0;
            if (!multi && args.size() != 2) return fail(at.line, at.text, "wrong number of arguments");
            std::vector<std::string> values(args.begin() + 1, args.end());
            if (multi && values.size() == 1 && !values[0].empty()) {
                auto words = split_config_args(values[0]);
                if (!words) return fail(at.line, at.text, "Unbalanced quotes in configuration line");
                values = std::move(*words);
            }
            std::string value;
            for (const std::string& v : values) {
                if (&v != &values.front()) value += ' ';
                value += v;
            }
            const std::string canonical(p->info->name);
            if (canonical == "save") {
                value = save_value(values, p->value);
            } else if (canonical == "client-output-buffer-limit" && values.empty()) {
                value = p->value; // no classes named: nothing changes
            }
            std::string error = m_config->set(canonical, value, config_set_mode::loading);
            if (!error.empty()) {
                // CONFIG SET's wording carries Redis's reason after " - ".
                const std::size_t dash = error.find(") - ");
                return fail(at.line, at.text, dash == std::string::npos ? error : error.substr(dash + 4));
            }
            m_origins.emplace_back(canonical, at);
            return true;
        }
        // Parameters Redis no longer has but still reads without complaint.
        for (const std::string_view old : {"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}) {
            if (name == old && args.size() == 2) return true;
        }
        if (name == "include" && args.size() == 2) return include(args[1]);
        const bool known = (name == "rename-command" && args.size() == 3) || (name == "user" && args.size() >= 2) ||
                           (name == "loadmodule" && args.size() >= 2) || name == "sentinel";
        if (!known && name.find('.') != std::string::npos) {
            if (args.size() < 2) return fail(at.line, at.text, "Module config specified without value");
        } else if (!known) {
            return fail(at.line, at.text, "Bad directive or wrong number of arguments");
        }
        if (name == "sentinel" && args.size() != 1) {
            return fail(at.line, at.text, "sentinel directive while not in sentinel mode");
        }
        m_directives.push_back({std::move(args), at});
        return true;
    }

    // `save` lines of one text add up; `save ""` empties the list; outside a text being read
    // (after an include returned) a line replaces the list: Redis 7.0's behaviour.
    [[nodiscard]] std::string save_value(const std::vector<std::string>& values, const std::string& current) {
        const bool clear = values.size() == 1 && values[0].empty();
        std::string joined;
        for (const std::string& v : values) {
            if (!joined.empty()) joined += ' ';
            joined += v;
        }
        const bool append = m_reading && m_save_loaded && !clear;
        if (m_reading) m_save_loaded = true;
        if (!append || current.empty()) return joined;
        if (values.empty()) return current;
        // An odd list is refused by the table's validation of `joined` itself, as Redis refuses it.
        return values.size() % 2 != 0 ? joined : current + ' ' + joined;
    }

    [[nodiscard]] bool final_checks() {
        const std::string logfile(m_config->get("logfile"));
        if (!logfile.empty()) {
            std::FILE* f = std::fopen(logfile.c_str(), "a");
            if (f == nullptr) return fail(0, {}, std::string("Can't open the log file: ") + std::strerror(errno));
            std::fclose(f);
        }
        if (m_config->get_bool("cluster-enabled") && !m_config->get("replicaof").empty()) {
            return fail(0, {}, "replicaof directive not allowed in cluster mode");
        }
        return true;
    }

    config_table* m_config;
    std::optional<config_error> m_error;
    std::vector<config_directive> m_directives;
    std::vector<std::pair<std::string, config_origin>> m_origins;
    int m_options_from_line = -1;
    bool m_reading = false;
    bool m_save_loaded = false;
};

} // namespace respkit::server

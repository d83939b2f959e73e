#pragma once

/// \file
/// A server's configuration as redis-server takes it: parameters with respkit's restrictions
/// (what the server does not implement is refused), the directives that are not parameters,
/// and where each came from; read from a command line `[/path/to/redis.conf] [-] [--name value
/// ...]`, with one report naming every refused setting at once.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/app/config_support.hpp"
#include "respkit/app/logger.hpp"
#include "respkit/detail/sha256.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/config_file.hpp"
#include "respkit/version.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// Where a configuration came from: the directives that are not parameters, and the lines.
struct config_source {
    std::vector<respkit::server::config_directive> directives; ///< rename-command, user, ... in order
    std::map<std::string, respkit::server::config_origin, std::less<>> origins; ///< the line that set each parameter
    std::string file;      ///< the configuration file as given ("" when none)
    int file_lines = 0;    ///< lines of the main text that came from the file and standard input
    bool sentinel = false; ///< --sentinel was asked for
};

/// What a server is configured with.
struct configuration {
    respkit::server::config_table parameters; ///< every parameter's value
    config_source source;                     ///< the directives and where values came from
};

/// Makes `config` refuse every value respkit's server does not implement: the `refused` rows
/// of config_support_table, with their accepted values and reasons.
inline void install_restrictions(respkit::server::config_table& config) {
    for (const config_support_info& row : config_support_table) {
        if (row.support != config_support::refused) continue;
        std::vector<std::string> accepted;
        for (std::string_view rest = row.accepted;;) {
            const std::size_t bar = rest.find('|');
            accepted.emplace_back(rest.substr(0, bar));
            if (bar == std::string_view::npos) break;
            rest.remove_prefix(bar + 1);
        }
        config.accept_only(row.name, std::move(accepted), std::string(row.why));
    }
}

/// The rules of the only user respkit has, as Redis's ACL describes the default user: "on
/// nopass ~* &* +@all", or its password's SHA-256 (`#hash`) when requirepass is set.
[[nodiscard]] inline std::string default_user_rules(std::string_view requirepass) {
    return "on " + (requirepass.empty() ? std::string("nopass") : "#" + respkit::detail::sha256_hex(requirepass)) +
           " ~* &* +@all";
}

namespace detail {

[[nodiscard]] inline std::string_view directive_reason(std::string_view name) {
    for (const config_support_info& row : directive_support_table) {
        if (row.name == name) return row.why;
    }
    return "module parameters are not implemented"; // a name with a dot
}

[[nodiscard]] inline std::string where(const config_source& c, const respkit::server::config_origin& o) {
    if (!o.file.empty()) return "line " + std::to_string(o.line) + " of " + o.file;
    if (c.file_lines > 0 && o.line > c.file_lines) return "command line";
    if (!c.file.empty()) return "line " + std::to_string(o.line) + " of " + c.file;
    return "line " + std::to_string(o.line);
}

} // namespace detail

/// Every setting that respkit's server refuses, one per line (">>> 'line' (where): reason"),
/// or "" when there is none: parameters of `parameters` whose values a restriction refuses,
/// and the directives of `source` respkit does not implement (loadmodule, module parameters,
/// sentinel).
[[nodiscard]] inline std::string refused_settings(const respkit::server::config_table& parameters,
                                                  const config_source& source) {
    std::string out;
    for (const auto& v : parameters.violations()) {
        const auto it = source.origins.find(v.name);
        if (it == source.origins.end()) {
            out += ">>> '" + v.name + " " + respkit::server::quote_config_arg(v.value) + "': " + v.reason + "\n";
        } else {
            out += ">>> '" + it->second.text + "' (" + detail::where(source, it->second) + "): " + v.reason + "\n";
        }
    }
    for (const auto& d : source.directives) {
        const std::string& name = d.args[0];
        if (name == "rename-command" || name == "include" || name == "user") continue; // the server applies them
        if (name == "sentinel" && d.args.size() == 1) continue; // Redis ignores it outside Sentinel
        out += ">>> '" + d.origin.text + "' (" + detail::where(source, d.origin) + "): " +
               std::string(detail::directive_reason(name)) + "\n";
    }
    if (source.sentinel) out += ">>> --sentinel (command line): Sentinel is not implemented\n";
    return out;
}

/// The report refused_settings() makes into one message: a header, the settings, and what to
/// do about them.
[[nodiscard]] inline std::string format_refused_settings(std::string_view refused, std::string_view program) {
    return "\n*** FATAL CONFIG FILE ERROR (" + std::string(program) + " " RESPKIT_VERSION_STRING ") ***\n" +
           std::string(program) + " does not implement what these settings ask for:\n" + std::string(refused) +
           "Remove them or give them a value shown as accepted (docs/config.md lists every parameter).\n";
}

/// Options for read_command_line.
struct command_line_options {
    std::string program = "respkit-server"; ///< the name in messages
    std::FILE* out = stdout;                ///< --version, --help, log-style errors
    std::FILE* err = stderr;                ///< configuration errors
    std::istream* in = &std::cin;           ///< what `-` reads
};

/// Reads `respkit-server [/path/to/redis.conf] [-] [--name value ...]` into `config` as
/// redis-server reads its command line and file (see server::parse_config_command_line and
/// server::config_loader; `dir` is changed to as it is read, as Redis does). Returns nullopt to
/// go on, or the exit status after printing the version, the help, Redis's report of the first
/// configuration error, or one report naming every refused setting.
[[nodiscard]] inline std::optional<int> read_command_line(std::span<const char* const> argv, configuration& config,
                                                          const command_line_options& options = {}) {
    using respkit::server::config_command_line;
    const config_command_line line = respkit::server::parse_config_command_line(argv);
    if (line.what == config_command_line::action::version) {
        std::fprintf(options.out, "%s v=%s (Redis 7.0.15 compatible)\n", options.program.c_str(), RESPKIT_VERSION_STRING);
        return 0;
    }
    if (line.what == config_command_line::action::help) {
        std::fprintf(options.out,
                     "Usage: %s [/path/to/redis.conf] [options] [-]\n"
                     "       %s - (read config from stdin)\n"
                     "       %s -v or --version\n"
                     "       %s -h or --help\n\n"
                     "Examples:\n"
                     "       %s (run the server with default conf)\n"
                     "       %s /etc/redis/6379.conf\n"
                     "       %s --port 7777\n"
                     "       %s --port 7777 --replicaof 127.0.0.1 8888   (refused: no replication)\n"
                     "       %s /etc/myredis.conf --loglevel verbose -\n"
                     "       %s /etc/myredis.conf --loglevel verbose\n\n"
                     "Every parameter CONFIG GET lists may be set; docs/config.md says which ones respkit\n"
                     "implements, which have no effect, and which values it refuses.\n",
                     options.program.c_str(), options.program.c_str(), options.program.c_str(), options.program.c_str(),
                     options.program.c_str(), options.program.c_str(), options.program.c_str(), options.program.c_str(),
                     options.program.c_str(), options.program.c_str());
        return 0;
    }
    install_restrictions(config.parameters);
    // As Redis: `dir` changes the working directory while the file is read (later relative
    // paths, `include` among them, start there).
    config.parameters.on_change("dir", [](std::string_view dir) {
        return ::chdir(std::string(dir).c_str()) == 0 ? std::string() : std::string(std::strerror(errno));
    });
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (std::string_view(argv[i]) == "--sentinel") config.source.sentinel = true;
    }
    std::string stdin_text;
    if (line.config_from_stdin && options.in != nullptr) {
        stdin_text.assign(std::istreambuf_iterator<char>(*options.in), std::istreambuf_iterator<char>());
    }
    respkit::server::config_loader loader(config.parameters);
    const bool ok = loader.load_command_line(line, stdin_text);
    config.source.file = line.config_file;
    config.source.file_lines = loader.options_from_line() > 0 ? loader.options_from_line() - 1 : 1 << 30;
    if (!ok) {
        const respkit::server::config_error& e = *loader.error();
        if (e.line == 0 && e.reason.starts_with("Fatal error")) {
            const std::string text = logger::format(respkit::server::log_level::warning, e.reason);
            std::fputs(text.c_str(), options.out);
        } else {
            const std::string text = respkit::server::format_config_error(e, options.program + " " RESPKIT_VERSION_STRING);
            std::fputs(text.c_str(), options.err);
        }
        return 1;
    }
    std::string cwd(4096, '\0');
    if (::getcwd(cwd.data(), cwd.size()) != nullptr) {
        cwd.resize(std::char_traits<char>::length(cwd.c_str()));
        config.parameters.store("dir", cwd); // CONFIG GET dir shows the absolute path, as Redis
    }
    config.source.directives = loader.directives();
    for (const respkit::server::config_table::parameter& p : config.parameters.parameters()) {
        if (const auto* origin = loader.origin(p.info->name)) config.source.origins[std::string(p.info->name)] = *origin;
    }
    if (const std::string refused = refused_settings(config.parameters, config.source); !refused.empty()) {
        std::fputs(format_refused_settings(refused, options.program).c_str(), options.err);
        return 1;
    }
    return std::nullopt;
}

} // namespace respkit::app

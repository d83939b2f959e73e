#pragma once

/// \file
/// The process title `ps` shows, as Redis's set-proc-title and proc-title-template change it:
/// the memory of the program's arguments (and of the environment strings after them, which are
/// copied elsewhere first) is overwritten with the title.

#include <respkit/version.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern char** environ;

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// Sets the process title. Not thread-safe; one per process.
class process_title {
public:
    /// Takes over the arguments' memory of `main(argc, argv)`. Afterwards argv's strings may
    /// change: read them before. Does nothing when they are not laid out as the kernel
    /// passes them.
    void init(int argc, char** argv) {
        if (argc < 1 || argv == nullptr || argv[0] == nullptr || m_base != nullptr) return;
        char* end = argv[0] + std::strlen(argv[0]) + 1;
        for (int i = 1; i < argc; ++i) {
            if (argv[i] != end) return; // not contiguous: leave it alone
            end = argv[i] + std::strlen(argv[i]) + 1;
        }
        // Environment strings right after the arguments give room for a longer title once
        // they live elsewhere.
        std::size_t count = 0;
        while (environ != nullptr && environ[count] != nullptr) ++count;
        char** copy = static_cast<char**>(std::calloc(count + 1, sizeof(char*)));
        if (copy == nullptr) return;
        for (std::size_t i = 0; i < count; ++i) {
            if (environ[i] == end) end = environ[i] + std::strlen(environ[i]) + 1;
            copy[i] = ::strdup(environ[i]);
            if (copy[i] == nullptr) return; // out of memory: keep the original environment (leaks the copy)
        }
        environ = copy; // lives as long as the process
#if defined(__GLIBC__)
        // glibc's messages name the program through these, which point into argv.
        program_invocation_name = ::strdup(program_invocation_name);
        program_invocation_short_name = ::strdup(program_invocation_short_name);
#endif
        m_base = argv[0];
        m_size = static_cast<std::size_t>(end - argv[0]);
        for (int i = 1; i < argc; ++i) argv[i] = m_base + m_size - 1; // "" from now on
    }

    /// Shows `title` (cut to the room the arguments had). False before init().
    bool set(std::string_view title) {
        if (m_base == nullptr) return false;
        const std::size_t n = title.size() < m_size - 1 ? title.size() : m_size - 1;
        std::memset(m_base, 0, m_size);
        std::memcpy(m_base, title.data(), n);
        return true;
    }

private:
    char* m_base = nullptr;
    std::size_t m_size = 0;
};

/// Redis's proc-title-template expanded: {title}, {listen-addr} ("address:port", or
/// "unixsocket:path" without TCP; the TLS port without a plain one), {server-mode} (""),
/// {config-file} ("-" without one), {port}, {tls-port}, {unixsocket}; spaces at both ends trimmed.
[[nodiscard]] inline std::string expand_process_title(std::string_view templ, std::string_view title,
                                                      std::string_view bind, unsigned port, std::string_view unix_socket,
                                                      std::string_view config_file, unsigned tls_port = 0) {
    std::string out;
    for (std::size_t i = 0; i < templ.size(); ++i) {
        const std::size_t close = templ[i] == '{' ? templ.find('}', i) : std::string_view::npos;
        if (close == std::string_view::npos) {
            out += templ[i];
            continue;
        }
        const std::string_view var = templ.substr(i + 1, close - i - 1);
        if (var == "title") {
            out += title;
        } else if (var == "listen-addr") {
            const std::string_view first = bind.substr(0, bind.find(' '));
            const unsigned shown = port != 0 ? port : tls_port;
            out += shown != 0 ? std::string(first.empty() ? "*" : first) + ':' + std::to_string(shown)
                              : "unixsocket:" + std::string(unix_socket);
        } else if (var == "config-file") {
            out += config_file.empty() ? std::string_view("-") : config_file;
        } else if (var == "port") {
            out += std::to_string(port);
        } else if (var == "tls-port") {
            out += std::to_string(tls_port);
        } else if (var == "unixsocket") {
            out += unix_socket;
        } // server-mode: "" for a standalone server
        i = close;
    }
    const std::size_t first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

} // namespace respkit::app

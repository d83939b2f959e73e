#pragma once

/// \file
/// Redis's crash-log-enabled: on SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT the process writes
/// a short report with a backtrace to the log (a file, or standard output), then dies of the
/// same signal. Not installed in sanitizer builds, whose own reports are better.

#include <respkit/version.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#if __has_include(<execinfo.h>)
#include <execinfo.h>
#define RESPKIT_APP_HAS_BACKTRACE 1
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RESPKIT_APP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define RESPKIT_APP_SANITIZED 1
#endif
#endif

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

namespace detail {

// What the handler needs, prepared beforehand: it may only call async-signal-safe functions.
struct crash_state {
    char log_path[4096] = {}; // "" for standard output
    char program[128] = {};
};

inline crash_state& crash() {
    static crash_state state;
    return state;
}

inline void crash_write(int fd, const char* text) {
    std::size_t left = std::strlen(text);
    while (left > 0) {
        const ssize_t n = ::write(fd, text, left);
        if (n <= 0) return;
        text += n;
        left -= static_cast<std::size_t>(n);
    }
}

inline void crash_handler(int sig) {
    const crash_state& s = crash();
    const int fd = s.log_path[0] == '\0' ? STDOUT_FILENO : ::open(s.log_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
        char number[16];
        int n = sig, len = 0;
        char digits[16];
        do {
            digits[len++] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n > 0 && len < 15);
        for (int i = 0; i < len; ++i) number[i] = digits[len - 1 - i];
        number[len] = '\0';
        crash_write(fd, "\n\n=== RESPKIT BUG REPORT START: Cut & paste starting from here ===\n");
        crash_write(fd, s.program);
        crash_write(fd, " crashed by signal: ");
        crash_write(fd, number);
        crash_write(fd, "\n\n------ STACK TRACE ------\n");
#if defined(RESPKIT_APP_HAS_BACKTRACE)
        void* frames[64];
        const int count = ::backtrace(frames, 64);
        ::backtrace_symbols_fd(frames, count, fd);
#endif
        crash_write(fd, "\n=== RESPKIT BUG REPORT END. Make sure to include from START to END. ===\n\n");
        if (fd != STDOUT_FILENO) ::close(fd);
    }
    // SA_RESETHAND restored the default action: die of the same signal (core dump included).
    ::raise(sig);
}

} // namespace detail

/// Installs the crash report for `program` ("respkit-server 0.1.0"), written to `log_file`
/// ("" for standard output). False when it cannot be (a sanitizer build, or paths too long).
inline bool install_crash_report(const std::string& program, const std::string& log_file) {
#if defined(RESPKIT_APP_SANITIZED)
    (void)program;
    (void)log_file;
    return false;
#else
    detail::crash_state& s = detail::crash();
    if (log_file.size() >= sizeof s.log_path || program.size() >= sizeof s.program) return false;
    std::memcpy(s.log_path, log_file.c_str(), log_file.size() + 1);
    std::memcpy(s.program, program.c_str(), program.size() + 1);
#if defined(RESPKIT_APP_HAS_BACKTRACE)
    void* warm[1];
    (void)::backtrace(warm, 1); // loads the unwinder now, not inside the handler
#endif
    struct sigaction action {};
    action.sa_handler = detail::crash_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(sig, &action, nullptr);
    return true;
#endif
}

} // namespace respkit::app

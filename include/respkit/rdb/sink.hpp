#pragma once

/// \file
/// Where rdb::writer puts its bytes: the rdb::sink concept, a std::string appender and a
/// buffered POSIX file descriptor writer.

#include <respkit/version.hpp>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// A byte sink: `s.write(std::string_view)` takes all the bytes or returns false. An optional
/// `s.flush()` (returning bool) is called by writer::finish().
template <class S>
concept sink = requires(S& s, std::string_view bytes) {
    { s.write(bytes) } -> std::convertible_to<bool>;
};

/// Appends to a std::string it owns.
class string_sink {
public:
    /// Appends `bytes`; never fails.
    bool write(std::string_view bytes) {
        m_bytes.append(bytes);
        return true;
    }
    /// The bytes so far.
    [[nodiscard]] std::string& bytes() noexcept { return m_bytes; }
    /// The bytes so far, moved out (the sink is left empty).
    [[nodiscard]] std::string take() noexcept { return std::exchange(m_bytes, {}); }

private:
    std::string m_bytes;
};

/// Writes to a file descriptor it does not own, through a buffer of about 64 KB; after a failed
/// write every call fails and error() gives the errno.
class fd_sink {
public:
    /// The buffer size.
    static constexpr std::size_t buffer_size = 64 * 1024;

    /// A sink writing to `fd`.
    explicit fd_sink(int fd) : m_fd(fd) { m_buffer.reserve(buffer_size); }
    fd_sink(const fd_sink&) = delete;
    fd_sink& operator=(const fd_sink&) = delete;

    /// Buffers `bytes`, writing out when the buffer fills (large writes go straight through).
    bool write(std::string_view bytes) {
        if (m_error != 0) return false;
        if (m_buffer.size() + bytes.size() > buffer_size) {
            if (!flush()) return false;
            if (bytes.size() >= buffer_size) return write_all(bytes);
        }
        m_buffer.append(bytes);
        return true;
    }
    /// Writes out what is buffered.
    bool flush() {
        if (m_error != 0) return false;
        const bool ok = write_all(m_buffer);
        m_buffer.clear();
        return ok;
    }
    /// The errno of the failed write, or 0.
    [[nodiscard]] int error() const noexcept { return m_error; }
    /// Bytes written to the descriptor so far.
    [[nodiscard]] std::size_t written() const noexcept { return m_written; }

private:
    bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                m_error = errno;
                return false;
            }
            if (n == 0) {
                m_error = EIO;
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
            m_written += static_cast<std::size_t>(n);
        }
        return true;
    }

    int m_fd;
    int m_error = 0;
    std::size_t m_written = 0;
    std::string m_buffer;
};

} // namespace respkit::rdb

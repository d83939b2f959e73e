#pragma once

/// \file
/// Output sinks: where writers append bytes.

#include <respkit/version.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace respkit::inline RESPKIT_ABI_NAMESPACE::resp {

/// A place bytes can be appended to. Satisfied by std::string (`s.append(p, n)`), by
/// std::vector<char> and other containers (`s.insert(s.end(), p, p + n)`), and by
/// fixed_buffer_sink.
template <class Sink>
concept output_sink = requires(Sink& s, const char* p, std::size_t n) { s.append(p, n); } ||
                      requires(Sink& s, const char* p, std::size_t n) { s.insert(s.end(), p, p + n); };

/// Appends `n` bytes at `p` to any output_sink.
template <output_sink Sink>
inline void append_to(Sink& sink, const char* p, std::size_t n) {
    if constexpr (requires { sink.append(p, n); }) {
        sink.append(p, n);
    } else {
        sink.insert(sink.end(), p, p + n);
    }
}

/// Appends a string view to any output_sink.
template <output_sink Sink>
inline void append_to(Sink& sink, std::string_view s) {
    append_to(sink, s.data(), s.size());
}

/// A sink over caller-provided fixed memory. Bytes that do not fit are dropped and the sink
/// remembers that it overflowed; it never allocates.
class fixed_buffer_sink {
public:
    /// A sink writing into `buffer`.
    explicit fixed_buffer_sink(std::span<char> buffer) noexcept : m_buffer(buffer) {}

    /// Appends what fits of `n` bytes at `p`.
    void append(const char* p, std::size_t n) noexcept {
        const std::size_t room = m_buffer.size() - m_size;
        if (n > room) {
            m_overflowed = true;
            n = room;
        }
        for (std::size_t i = 0; i < n; ++i) m_buffer[m_size + i] = p[i];
        m_size += n;
    }

    /// The bytes written so far.
    [[nodiscard]] std::string_view view() const noexcept { return {m_buffer.data(), m_size}; }
    /// Number of bytes written.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True when some bytes did not fit and were dropped.
    [[nodiscard]] bool overflowed() const noexcept { return m_overflowed; }
    /// Empties the sink (keeps the memory).
    void clear() noexcept {
        m_size = 0;
        m_overflowed = false;
    }

private:
    std::span<char> m_buffer;
    std::size_t m_size = 0;
    bool m_overflowed = false;
};

} // namespace respkit::resp

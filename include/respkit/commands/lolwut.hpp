#pragma once

/// \file
/// LOLWUT [VERSION v] [args]: Redis 7.0's computer art. Version 5 draws Georg Nees's
/// "Schotter" (squares in rows, turned and moved at random from the third row on), version 6 a
/// skyline of random buildings; any other version prints only the version line. The text names
/// the Redis version respkit reports (redis_compat_version, as HELLO and INFO do).
/// docs/introspection.md.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/commands/options.hpp"
#include "respkit/commands/random.hpp"
#include "respkit/commands/redis_version.hpp"
#include "respkit/commands/specs/lolwut.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/error_reply.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace detail {

/// A canvas of `width` x `height` pixels, each a colour (0 to 3), as Redis's lwCanvas.
class lolwut_canvas {
public:
    /// Most pixels a canvas may have (16 Mi: a 6 MiB reply); Redis has no limit of its own.
    static constexpr std::int64_t max_pixels = std::int64_t{1} << 24;

    lolwut_canvas(int width, int height, int background)
        : m_width(width), m_height(height),
          m_pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height),
                   static_cast<unsigned char>(background)) {}

    [[nodiscard]] int width() const noexcept { return m_width; }
    [[nodiscard]] int height() const noexcept { return m_height; }

    /// Sets a pixel; outside the canvas, nothing.
    void draw_pixel(int x, int y, int color) noexcept {
        if (x < 0 || x >= m_width || y < 0 || y >= m_height) return;
        m_pixels[static_cast<std::size_t>(x) + static_cast<std::size_t>(y) * static_cast<std::size_t>(m_width)] =
            static_cast<unsigned char>(color);
    }
    /// A pixel's colour; 0 outside the canvas.
    [[nodiscard]] int pixel(int x, int y) const noexcept {
        if (x < 0 || x >= m_width || y < 0 || y >= m_height) return 0;
        return m_pixels[static_cast<std::size_t>(x) + static_cast<std::size_t>(y) * static_cast<std::size_t>(m_width)];
    }

    /// A line from (x1, y1) to (x2, y2), Bresenham's algorithm as Redis draws it.
    void draw_line(int x1, int y1, int x2, int y2, int color) noexcept {
        const int dx = std::abs(x2 - x1), dy = std::abs(y2 - y1);
        const int sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
        int err = dx - dy;
        while (true) {
            draw_pixel(x1, y1, color);
            if (x1 == x2 && y1 == y2) break;
            const int e2 = err * 2;
            if (e2 > -dy) {
                err -= dy;
                x1 += sx;
            }
            if (e2 < dx) {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square centred on (x, y) whose circumscribed circle has radius `size`, turned by
    /// `angle` radians. The float and double steps are Redis's, so the corners round alike.
    void draw_square(int x, int y, float size, float angle, int color) noexcept {
        constexpr double pi = 3.14159265358979323846;
        size = static_cast<float>(size / 1.4142135623);
        size = static_cast<float>(std::round(size));
        int px[4], py[4];
        float k = static_cast<float>(pi / 4 + angle);
        for (int j = 0; j < 4; ++j) {
            px[j] = static_cast<int>(std::round(std::sin(static_cast<double>(k)) * size + x));
            py[j] = static_cast<int>(std::round(std::cos(static_cast<double>(k)) * size + y));
            k = static_cast<float>(k + pi / 2);
        }
        for (int j = 0; j < 4; ++j) draw_line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
    }

    /// The canvas as braille characters, 2 x 4 pixels each, rows separated by newlines as Redis's
    /// renderCanvas (no newline after a last row that starts at height - 1).
    [[nodiscard]] std::string render() const {
        std::string text;
        for (int y = 0; y < m_height; y += 4) {
            for (int x = 0; x < m_width; x += 2) {
                int bits = 0;
                if (pixel(x, y)) bits |= 1 << 0;
                if (pixel(x, y + 1)) bits |= 1 << 1;
                if (pixel(x, y + 2)) bits |= 1 << 2;
                if (pixel(x + 1, y)) bits |= 1 << 3;
                if (pixel(x + 1, y + 1)) bits |= 1 << 4;
                if (pixel(x + 1, y + 2)) bits |= 1 << 5;
                if (pixel(x, y + 3)) bits |= 1 << 6;
                if (pixel(x + 1, y + 3)) bits |= 1 << 7;
                const int code = 0x2800 + bits; // U+2800 to U+28FF: three bytes of UTF-8
                text += static_cast<char>(0xE0 | (code >> 12));
                text += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                text += static_cast<char>(0x80 | (code & 0x3F));
            }
            if (y != m_height - 1) text += '\n';
        }
        return text;
    }

private:
    int m_width, m_height;
    std::vector<unsigned char> m_pixels;
};

/// A number from 0 to RAND_MAX, as the rand() Redis's drawings call.
[[nodiscard]] inline int lolwut_rand() {
    return std::uniform_int_distribution<int>(0, RAND_MAX)(random_source());
}

/// Reads LOLWUT's numeric argument as getLongFromObjectOrReply; false after replying the error.
[[nodiscard]] inline bool lolwut_number(server::command_call& call, std::string_view arg, std::int64_t& out) {
    if (respkit::detail::parse_int64(arg, out)) return true;
    call.error(server::errors::not_integer);
    return false;
}

inline void lolwut_too_large(server::command_call& call) {
    call.error("ERR LOLWUT canvas too large: at most " + std::to_string(lolwut_canvas::max_pixels) + " pixels");
}

/// LOLWUT VERSION 5 [columns [squares-per-row [squares-per-column]]].
inline void lolwut5(server::command_call& call, std::size_t first) {
    std::int64_t cols = 66, per_row = 8, per_col = 12;
    if (call.argc() > first && !lolwut_number(call, call.arg(first), cols)) return;
    if (call.argc() > first + 1 && !lolwut_number(call, call.arg(first + 1), per_row)) return;
    if (call.argc() > first + 2 && !lolwut_number(call, call.arg(first + 2), per_col)) return;
    cols = std::clamp<std::int64_t>(cols, 1, 1000);
    per_row = std::clamp<std::int64_t>(per_row, 1, 200);
    per_col = std::clamp<std::int64_t>(per_col, 1, 200);
    const int squares_per_row = static_cast<int>(per_row), squares_per_col = static_cast<int>(per_col);
    const int width = static_cast<int>(cols) * 2;
    const int padding = width > 4 ? 2 : 0;
    const float side = static_cast<float>(width - padding * 2) / static_cast<float>(squares_per_row);
    const int height = static_cast<int>(side * static_cast<float>(squares_per_col) + static_cast<float>(padding * 2));
    if (static_cast<std::int64_t>(width) * height > lolwut_canvas::max_pixels) {
        lolwut_too_large(call);
        return;
    }
    lolwut_canvas canvas(width, height, 0);
    for (int y = 0; y < squares_per_col; ++y) {
        for (int x = 0; x < squares_per_row; ++x) {
            int sx = static_cast<int>(static_cast<float>(x) * side + side / 2 + static_cast<float>(padding));
            int sy = static_cast<int>(static_cast<float>(y) * side + side / 2 + static_cast<float>(padding));
            float angle = 0;
            if (y > 1) { // the first two rows stay in order; below, more disorder a row
                const auto draw = [&] {
                    return static_cast<float>(lolwut_rand()) / static_cast<float>(RAND_MAX) /
                           static_cast<float>(squares_per_col) * static_cast<float>(y);
                };
                float r1 = draw(), r2 = draw(), r3 = draw();
                if (lolwut_rand() % 2) r1 = -r1;
                if (lolwut_rand() % 2) r2 = -r2;
                if (lolwut_rand() % 2) r3 = -r3;
                angle = r1;
                sx = static_cast<int>(static_cast<float>(sx) + r2 * side / 3);
                sy = static_cast<int>(static_cast<float>(sy) + r3 * side / 3);
            }
            canvas.draw_square(sx, sy, side, angle, 1);
        }
    }
    std::string text = canvas.render();
    text += "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ";
    text += redis_compat_version;
    text += '\n';
    call.reply().verbatim_string("txt", text);
}

/// One building of LOLWUT 6's skyline: windows of random colours when `windows`.
struct lolwut_building {
    int xoff = 0, width = 0, height = 0;
    bool windows = false;
    int color = 0;
};

inline void draw_building(lolwut_canvas& canvas, const lolwut_building& b) {
    const int starty = canvas.height() - 1;
    const int endy = starty - b.height + 1;
    for (int y = starty; y >= endy; --y) {
        for (int x = b.xoff; x < b.xoff + b.width; ++x) {
            if (y == endy && (x <= b.xoff + 1 || x >= b.xoff + b.width - 2)) continue; // the roof is narrower
            int color = b.color;
            if (b.windows && x > b.xoff + 1 && x < b.xoff + b.width - 2 && y > endy + 1 && y < starty - 1) {
                const int relx = x - (b.xoff + 1), rely = y - (endy + 1);
                if (relx / 2 % 2 && rely % 2) { // windows two pixels wide, one tall
                    do {
                        color = 1 + lolwut_rand() % 2;
                    } while (color == b.color);
                    if (relx % 2) color = canvas.pixel(x - 1, y);
                }
            }
            canvas.draw_pixel(x, y, color);
        }
    }
}

/// LOLWUT VERSION 6 [columns [rows]].
inline void lolwut6(server::command_call& call, std::size_t first) {
    std::int64_t cols = 80, rows = 20;
    if (call.argc() > first && !lolwut_number(call, call.arg(first), cols)) return;
    if (call.argc() > first + 1 && !lolwut_number(call, call.arg(first + 1), rows)) return;
    cols = std::clamp<std::int64_t>(cols, 1, 1000);
    rows = std::clamp<std::int64_t>(rows, 1, 1000);
    lolwut_canvas canvas(static_cast<int>(cols), static_cast<int>(rows), 3);
    const int height = canvas.height();
    lolwut_building b;
    // The background without windows, the lighter grey behind, then the foreground with windows.
    for (int color = 2; color >= 1; --color) {
        b.color = color;
        for (int offset = -10; offset < canvas.width();) {
            offset += lolwut_rand() % 8;
            b.xoff = offset;
            b.width = 10 + lolwut_rand() % 9;
            b.height = color == 2 ? height / 2 + lolwut_rand() % height / 2 : height / 2 + lolwut_rand() % height / 3;
            b.windows = false;
            draw_building(canvas, b);
            offset += color == 2 ? b.width / 2 : b.width + 1;
        }
    }
    b.color = 0;
    for (int offset = -10; offset < canvas.width();) {
        offset += lolwut_rand() % 8;
        b.xoff = offset;
        b.width = 5 + lolwut_rand() % 14;
        if (b.width % 4) b.width += b.width % 3;
        b.height = height / 3 + lolwut_rand() % height / 2;
        b.windows = true;
        draw_building(canvas, b);
        offset += b.width + 5;
    }
    std::string text = canvas.render();
    text += "\nDedicated to the 8 bit game developers of past and present.\n"
            "Original 8 bit image from Plaguemon by hikikomori. Redis ver. ";
    text += redis_compat_version;
    text += '\n';
    call.reply().verbatim_string("txt", text);
}

} // namespace detail

/// Registers LOLWUT.
inline void install_lolwut_command(server::dispatcher& commands) {
    commands.add(lolwut_command_spec(), [](server::command_call& call) {
        // As Redis: VERSION v picks the drawing by v taken as an unsigned int (2^32 + 5 is 5):
        // 5 draws Schotter, 6 the skyline, anything else prints the version line, as does
        // LOLWUT without VERSION (Redis's own version, 7). Other arguments go to the drawing.
        std::size_t first = 1;
        unsigned version = 7;
        if (call.argc() >= 3 && option_is(call.arg(1), "version")) {
            std::int64_t v = 0;
            if (!detail::lolwut_number(call, call.arg(2), v)) return;
            version = static_cast<unsigned>(v);
            first = 3;
        }
        if (version == 5) {
            detail::lolwut5(call, first);
        } else if (version == 6) {
            detail::lolwut6(call, first);
        } else {
            std::string text = "Redis ver. ";
            text += redis_compat_version;
            text += '\n';
            call.reply().verbatim_string("txt", text);
        }
    });
}

} // namespace respkit::commands

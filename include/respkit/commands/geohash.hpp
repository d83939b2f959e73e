#pragma once

/// \file
/// Redis's geohash: longitude and latitude as a 52-bit interleaved integer (the sorted-set score
/// of a GEOADD member), its decoding to the centre of its cell, the haversine distance with
/// Redis's earth radius, and the nine cells a radius or box search walks (docs/geo.md explains the choices).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <utility>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands::geo {

/// Latitudes Redis indexes (EPSG:3785's limits); longitudes are -180..180.
inline constexpr double lat_min = -85.05112878, lat_max = 85.05112878;
inline constexpr double lon_min = -180, lon_max = 180;
/// Bits per coordinate of a stored score (26 * 2 = 52 bits, exact in a double).
inline constexpr unsigned max_step = 26;
/// Redis's earth radius in meters (WGS-84's quadratic mean).
inline constexpr double earth_radius = 6372797.560856;
/// Half of Redis's mercator extent, which bounds the estimated search precision.
inline constexpr double mercator_max = 20037726.37;

/// A cell: `step` bits per coordinate, latitude in the even bits, longitude in the odd ones.
struct cell {
    std::uint64_t bits = 0;
    unsigned step = 0;
    [[nodiscard]] bool empty() const noexcept { return bits == 0 && step == 0; }
};

/// A coordinate interval.
struct interval {
    double min = 0, max = 0;
};

/// The area a cell covers.
struct area {
    interval lon, lat;
};

/// Spreads the 32 bits of `v` to the even bit positions.
[[nodiscard]] constexpr std::uint64_t spread(std::uint64_t v) noexcept {
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFULL;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFULL;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    v = (v | (v << 2)) & 0x3333333333333333ULL;
    v = (v | (v << 1)) & 0x5555555555555555ULL;
    return v;
}

/// Gathers the even bit positions of `v` into 32 bits.
[[nodiscard]] constexpr std::uint64_t gather(std::uint64_t v) noexcept {
    v &= 0x5555555555555555ULL;
    v = (v | (v >> 1)) & 0x3333333333333333ULL;
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
    return v;
}

/// The cell of (lon, lat) at `step` bits per coordinate within the ranges `lon_range` and
/// `lat_range` (the coordinates must lie within them).
[[nodiscard]] inline cell encode(double lon, double lat, unsigned step, interval lon_range = {lon_min, lon_max},
                                 interval lat_range = {lat_min, lat_max}) noexcept {
    const double scale = static_cast<double>(1ULL << step);
    const double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min) * scale;
    const double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min) * scale;
    // Truncated to 32 bits as Redis's interleave64 takes them.
    const auto y = static_cast<std::uint32_t>(lat_offset), x = static_cast<std::uint32_t>(lon_offset);
    return {spread(y) | (spread(x) << 1), step};
}

/// The 52-bit score of a cell (its bits left-aligned).
[[nodiscard]] constexpr std::uint64_t score_bits(cell c) noexcept { return c.bits << (52 - c.step * 2); }

/// The area a cell covers in the index's ranges.
[[nodiscard]] inline area decode(cell c) noexcept {
    const auto ilat = static_cast<std::uint32_t>(gather(c.bits));
    const auto ilon = static_cast<std::uint32_t>(gather(c.bits >> 1));
    const double cells = static_cast<double>(1ULL << c.step);
    const double lat_scale = lat_max - lat_min, lon_scale = lon_max - lon_min;
    area a;
    a.lat.min = lat_min + (ilat * 1.0 / cells) * lat_scale;
    a.lat.max = lat_min + ((ilat + 1.0) * 1.0 / cells) * lat_scale;
    a.lon.min = lon_min + (ilon * 1.0 / cells) * lon_scale;
    a.lon.max = lon_min + ((ilon + 1.0) * 1.0 / cells) * lon_scale;
    return a;
}

/// A point: longitude, latitude.
struct point {
    double lon = 0, lat = 0;
};

/// The point a stored score stands for: the centre of its cell, clamped to the index's ranges.
[[nodiscard]] inline point decode_score(double score) noexcept {
    const area a = decode({static_cast<std::uint64_t>(score), max_step});
    point p{(a.lon.min + a.lon.max) / 2, (a.lat.min + a.lat.max) / 2};
    p.lon = p.lon > lon_max ? lon_max : p.lon < lon_min ? lon_min : p.lon;
    p.lat = p.lat > lat_max ? lat_max : p.lat < lat_min ? lat_min : p.lat;
    return p;
}

/// The 11-character standard geohash of a stored score (re-encoded over latitudes -90..90).
[[nodiscard]] inline std::array<char, 11> standard_geohash(double score) noexcept {
    constexpr char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    const point p = decode_score(score);
    const cell c = encode(p.lon, p.lat, max_step, {-180, 180}, {-90, 90});
    std::array<char, 11> out{};
    for (std::size_t i = 0; i < 11; ++i) {
        // 52 bits make ten characters and two bits; the last character is always '0'.
        const std::size_t index = i == 10 ? 0 : (c.bits >> (52 - (i + 1) * 5)) & 0x1f;
        out[i] = alphabet[index];
    }
    return out;
}

/// Degrees to radians, as Redis converts them.
[[nodiscard]] inline double radians(double degrees) noexcept { return degrees * (std::numbers::pi / 180.0); }
/// Radians to degrees, as Redis converts them.
[[nodiscard]] inline double degrees(double radians) noexcept { return radians / (std::numbers::pi / 180.0); }

/// Distance in meters between two latitudes on a meridian.
[[nodiscard]] inline double lat_distance(double lat1, double lat2) noexcept {
    return earth_radius * std::fabs(radians(lat2) - radians(lat1));
}

/// Haversine distance in meters between (lon1, lat1) and (lon2, lat2), as Redis computes it.
[[nodiscard]] inline double distance(double lon1, double lat1, double lon2, double lat2) noexcept {
    const double v = std::sin((radians(lon2) - radians(lon1)) / 2);
    if (v == 0.0) return lat_distance(lat1, lat2);
    const double lat1r = radians(lat1), lat2r = radians(lat2);
    const double u = std::sin((lat2r - lat1r) / 2);
    const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
    return 2.0 * earth_radius * std::asin(std::sqrt(a));
}

/// A search area: a circle (radius) or a box (width, height) around `centre`, in the unit
/// whose length in meters is `to_meters`.
struct shape {
    point centre;
    bool box = false;
    double radius = 0, width = 0, height = 0;
    double to_meters = 1;
};

/// True when `p` is within `s`, with its distance from the centre in meters.
[[nodiscard]] inline bool within(const shape& s, point p, double& meters) noexcept {
    if (!s.box) {
        meters = distance(s.centre.lon, s.centre.lat, p.lon, p.lat);
        return meters <= s.radius * s.to_meters;
    }
    const double width = s.width * s.to_meters, height = s.height * s.to_meters;
    if (lat_distance(s.centre.lat, p.lat) > height / 2) return false;
    // The east-west extent is measured along the point's own parallel, as Redis does.
    if (distance(p.lon, p.lat, s.centre.lon, p.lat) > width / 2) return false;
    meters = distance(s.centre.lon, s.centre.lat, p.lon, p.lat);
    return true;
}

/// The precision whose cells a search of `meters` around latitude `lat` should walk.
[[nodiscard]] inline unsigned steps_for_radius(double meters, double lat) noexcept {
    if (meters == 0) return 26;
    int step = 1;
    while (meters < mercator_max) {
        meters *= 2;
        ++step;
    }
    step -= 2;
    if (lat > 66 || lat < -66) {
        --step;
        if (lat > 80 || lat < -80) --step;
    }
    return static_cast<unsigned>(step < 1 ? 1 : step > 26 ? 26 : step);
}

/// Moves a cell one column east (`d` > 0) or west.
[[nodiscard]] inline cell move_x(cell c, int d) noexcept {
    if (d == 0) return c;
    std::uint64_t x = c.bits & 0xaaaaaaaaaaaaaaaaULL, y = c.bits & 0x5555555555555555ULL;
    const std::uint64_t zz = 0x5555555555555555ULL >> (64 - c.step * 2);
    if (d > 0) {
        x = x + (zz + 1);
    } else {
        x = x | zz;
        x = x - (zz + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaaULL >> (64 - c.step * 2);
    return {x | y, c.step};
}

/// Moves a cell one row north (`d` > 0) or south.
[[nodiscard]] inline cell move_y(cell c, int d) noexcept {
    if (d == 0) return c;
    std::uint64_t x = c.bits & 0xaaaaaaaaaaaaaaaaULL, y = c.bits & 0x5555555555555555ULL;
    const std::uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - c.step * 2);
    if (d > 0) {
        y = y + (zz + 1);
    } else {
        y = y | zz;
        y = y - (zz + 1);
    }
    y &= 0x5555555555555555ULL >> (64 - c.step * 2);
    return {x | y, c.step};
}

/// The cells a search walks, in Redis's order: the centre's cell, then north, south, east, west,
/// north-east, north-west, south-east, south-west; cells that cannot hold a match are empty.
[[nodiscard]] inline std::array<cell, 9> search_cells(const shape& s) noexcept {
    const double height = s.to_meters * (s.box ? s.height / 2 : s.radius);
    const double width = s.to_meters * (s.box ? s.width / 2 : s.radius);
    const double lat = s.centre.lat, lon = s.centre.lon;
    const double lat_delta = degrees(height / earth_radius);
    const double lon_delta_top = degrees(width / earth_radius / std::cos(radians(lat + lat_delta)));
    const double lon_delta_bottom = degrees(width / earth_radius / std::cos(radians(lat - lat_delta)));
    // The hemispheres widen towards opposite edges of the box.
    const bool south = lat < 0;
    const double min_lon = south ? lon - lon_delta_bottom : lon - lon_delta_top;
    const double max_lon = south ? lon + lon_delta_bottom : lon + lon_delta_top;
    const double min_lat = lat - lat_delta, max_lat = lat + lat_delta;

    const double radius_meters =
        (s.box ? std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2)) : s.radius) * s.to_meters;
    unsigned steps = steps_for_radius(radius_meters, lat);
    const auto neighbours = [](cell c) {
        return std::array<cell, 9>{c,
                                   move_y(c, 1),
                                   move_y(c, -1),
                                   move_x(c, 1),
                                   move_x(c, -1),
                                   move_y(move_x(c, 1), 1),
                                   move_y(move_x(c, -1), 1),
                                   move_y(move_x(c, 1), -1),
                                   move_y(move_x(c, -1), -1)};
    };
    std::array<cell, 9> cells = neighbours(encode(lon, lat, steps));
    // A neighbour too near the centre to cover the whole box: one step coarser.
    if (decode(cells[1]).lat.max < max_lat || decode(cells[2]).lat.min > min_lat ||
        decode(cells[3]).lon.max < max_lon || decode(cells[4]).lon.min > min_lon) {
        if (steps > 1) cells = neighbours(encode(lon, lat, --steps));
    }
    if (steps >= 2) {
        const area a = decode(cells[0]);
        enum { centre, north, south_, east, west, north_east, north_west, south_east, south_west };
        const auto clear = [&](std::initializer_list<int> which) {
            for (const int i : which) cells[static_cast<std::size_t>(i)] = {};
        };
        if (a.lat.min < min_lat) clear({south_, south_west, south_east});
        if (a.lat.max > max_lat) clear({north, north_east, north_west});
        if (a.lon.min < min_lon) clear({west, south_west, north_west});
        if (a.lon.max > max_lon) clear({east, south_east, north_east});
    }
    return cells;
}

/// The scores [min, max) of the members inside a cell.
[[nodiscard]] constexpr std::pair<std::uint64_t, std::uint64_t> cell_scores(cell c) noexcept {
    return {score_bits(c), score_bits({c.bits + 1, c.step})};
}

} // namespace respkit::commands::geo

#pragma once

/// \file
/// The geo command family (GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS, GEORADIUSBYMEMBER and
/// their _RO forms, GEOSEARCH, GEOSEARCHSTORE) over a store::keyspace: points are members of a
/// sorted set whose scores are Redis's 52-bit geohashes (geohash.hpp), with Redis 7.0's replies,
/// errors and orders.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/arguments.hpp"
#include "respkit/commands/geohash.hpp"
#include "respkit/commands/long_double.hpp"
#include "respkit/commands/options.hpp"
#include "respkit/commands/replay.hpp"
#include "respkit/commands/specs/geo.hpp"
#include "respkit/server/call.hpp"
#include "respkit/server/keyspace_events.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/store/sorted_set.hpp"
#include "respkit/store/value.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

namespace geo_detail {

using server::command_call;
using store::value_kind;
using zset = store::sorted_set;

/// Read lookup of a sorted set: nullptr when missing; nullopt after a WRONGTYPE reply.
template <class Keyspace>
[[nodiscard]] std::optional<const zset*> read_zset(command_call& call, Keyspace& ks, std::string_view key) {
    const store::value* v = ks.find(call.client().db(), key);
    if (!v) return static_cast<const zset*>(nullptr);
    if (v->kind() != value_kind::zset) {
        call.error(server::errors::wrong_type);
        return std::nullopt;
    }
    return &v->zset();
}

/// A point as GEOADD takes it: longitude then latitude, each a Redis double, within the
/// indexed ranges; nullopt after replying the error.
[[nodiscard]] inline std::optional<geo::point> point_arg(command_call& call, std::size_t i) {
    double xy[2] = {0, 0};
    for (std::size_t k = 0; k < 2; ++k) {
        if (!parse_redis_double(call.arg(i + k), xy[k])) {
            call.error(server::errors::not_float);
            return std::nullopt;
        }
    }
    if (xy[0] < geo::lon_min || xy[0] > geo::lon_max || xy[1] < geo::lat_min || xy[1] > geo::lat_max) {
        char text[128];
        std::snprintf(text, sizeof text, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        call.error(text);
        return std::nullopt;
    }
    return geo::point{xy[0], xy[1]};
}

/// Meters per unit (m, km, ft, mi; any case), or nullopt after replying the error.
[[nodiscard]] inline std::optional<double> unit_arg(command_call& call, std::size_t i) {
    const std::string_view u = call.arg(i);
    if (option_is(u, "m")) return 1.0;
    if (option_is(u, "km")) return 1000.0;
    if (option_is(u, "ft")) return 0.3048;
    if (option_is(u, "mi")) return 1609.34;
    call.error("ERR unsupported unit provided. please use M, KM, FT, MI");
    return std::nullopt;
}

/// A distance as GEORADIUS takes it (radius then unit) into `s`; false after replying.
[[nodiscard]] inline bool radius_arg(command_call& call, std::size_t i, geo::shape& s) {
    double radius = 0;
    if (!parse_redis_double(call.arg(i), radius)) {
        call.error("ERR need numeric radius");
        return false;
    }
    if (radius < 0) {
        call.error("ERR radius cannot be negative");
        return false;
    }
    const auto unit = unit_arg(call, i + 1);
    if (!unit) return false;
    s.box = false;
    s.radius = radius;
    s.to_meters = *unit;
    return true;
}

/// BYBOX's width, height and unit into `s`; false after replying.
[[nodiscard]] inline bool box_arg(command_call& call, std::size_t i, geo::shape& s) {
    double width = 0, height = 0;
    if (!parse_redis_double(call.arg(i), width)) {
        call.error("ERR need numeric width");
        return false;
    }
    if (!parse_redis_double(call.arg(i + 1), height)) {
        call.error("ERR need numeric height");
        return false;
    }
    if (height < 0 || width < 0) {
        call.error("ERR height or width cannot be negative");
        return false;
    }
    const auto unit = unit_arg(call, i + 2);
    if (!unit) return false;
    s.box = true;
    s.width = width;
    s.height = height;
    s.to_meters = *unit;
    return true;
}

/// A distance as Redis prints it: rounded to 4 decimals (llrint of d * 10^4).
inline void reply_distance(command_call& call, double d) {
    const long long scaled = std::llrint(d * 10000.0);
    const unsigned long long magnitude =
        scaled < 0 ? static_cast<unsigned long long>(-(scaled + 1)) + 1 : static_cast<unsigned long long>(scaled);
    char text[48];
    const int n = std::snprintf(text, sizeof text, "%s%llu.%04llu", scaled < 0 ? "-" : "", magnitude / 10000,
                                magnitude % 10000);
    call.reply().bulk_string(std::string_view(text, static_cast<std::size_t>(n)));
}

/// A coordinate as Redis's addReplyHumanLongDouble writes it ("%.17Lf" without trailing zeros;
/// a RESP3 double, a RESP2 bulk string).
inline void reply_coordinate(command_call& call, double v) {
    char buffer[max_long_double_chars];
    call.reply().double_text(std::string_view(buffer, format_long_double(static_cast<long double>(v), buffer)));
}

/// The point a member stands for, or nullopt when it is not in the set.
[[nodiscard]] inline std::optional<geo::point> member_point(const zset& z, std::string_view member) {
    const std::optional<double> score = z.score(member);
    if (!score) return std::nullopt;
    return geo::decode_score(*score);
}

/// A match of a search.
struct match {
    std::string member;
    double score = 0;
    double meters = 0;
    geo::point at;
};

/// The members of `z` within `s`, cell by cell in Redis's order; stops once `limit` (non-zero)
/// matches are found.
[[nodiscard]] inline std::vector<match> search(const zset& z, const geo::shape& s, std::size_t limit) {
    std::vector<match> found;
    const std::array<geo::cell, 9> cells = geo::search_cells(s);
    std::size_t last = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i].empty()) continue;
        if (last != 0 && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step) continue;
        if (limit != 0 && found.size() >= limit) break;
        const auto [min_bits, max_bits] = geo::cell_scores(cells[i]);
        const auto min = static_cast<double>(min_bits), max = static_cast<double>(max_bits);
        const std::size_t lo = z.count_while([&](double score, std::string_view) { return score < min; });
        const std::size_t hi = z.count_while([&](double score, std::string_view) { return score < max; });
        if (hi > lo) {
            z.visit(lo, hi - lo, false, [&](std::string_view m, double score) {
                if (limit != 0 && found.size() >= limit) return;
                const geo::point p = geo::decode_score(score);
                double meters = 0;
                if (geo::within(s, p, meters)) found.push_back({std::string(m), score, meters, p});
            });
        }
        last = i;
    }
    return found;
}

/// The variants of georadius_command.
enum class search_form : std::uint8_t {
    radius,           ///< GEORADIUS key lon lat radius unit ...
    radius_member,    ///< GEORADIUSBYMEMBER key member radius unit ...
    search,           ///< GEOSEARCH key FROM... BY... ...
    search_store,     ///< GEOSEARCHSTORE dst src FROM... BY... ...
};

/// GEORADIUS, GEORADIUSBYMEMBER (and _RO when `readonly`), GEOSEARCH and GEOSEARCHSTORE.
template <class Keyspace>
void search_command(command_call& call, Keyspace& ks, search_form form, bool readonly) {
    const std::size_t db = call.client().db();
    const bool geosearch = form == search_form::search || form == search_form::search_store;
    const std::size_t source = form == search_form::search_store ? 2 : 1;
    const auto z = read_zset(call, ks, call.arg(source));
    if (!z) return;
    geo::shape shape;
    std::size_t base = 0;
    std::optional<std::string_view> store;
    bool storedist = false;
    if (form == search_form::radius) {
        base = 6;
        const auto centre = point_arg(call, 2);
        if (!centre) return;
        shape.centre = *centre;
        if (!radius_arg(call, 4, shape)) return;
    } else if (form == search_form::radius_member) {
        base = 5;
        if (*z) {
            const auto centre = member_point(**z, call.arg(2));
            if (!centre) {
                call.error("ERR could not decode requested zset member");
                return;
            }
            shape.centre = *centre;
            if (!radius_arg(call, 3, shape)) return;
        }
    } else {
        base = form == search_form::search_store ? 3 : 2;
        if (form == search_form::search_store) store = call.arg(1);
    }
    bool withdist = false, withhash = false, withcoord = false, any = false;
    bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
    int sort = 0; // 0 none, 1 ascending, -1 descending
    std::int64_t count = 0;
    const std::size_t remaining = call.argc() > base ? call.argc() - base : 0;
    for (std::size_t i = 0; i < remaining; ++i) {
        const std::size_t at = base + i;
        const std::string_view opt = call.arg(at);
        if (option_is(opt, "withdist")) {
            withdist = true;
        } else if (option_is(opt, "withhash")) {
            withhash = true;
        } else if (option_is(opt, "withcoord")) {
            withcoord = true;
        } else if (option_is(opt, "any")) {
            any = true;
        } else if (option_is(opt, "asc")) {
            sort = 1;
        } else if (option_is(opt, "desc")) {
            sort = -1;
        } else if (option_is(opt, "count") && i + 1 < remaining) {
            const auto n = integer_arg(call, at + 1);
            if (!n) return;
            if (*n <= 0) {
                call.error("ERR COUNT must be > 0");
                return;
            }
            count = *n;
            ++i;
        } else if ((option_is(opt, "store") || option_is(opt, "storedist")) && i + 1 < remaining && !readonly &&
                   !geosearch) {
            store = call.arg(at + 1);
            storedist = option_is(opt, "storedist");
            ++i;
        } else if (option_is(opt, "storedist") && form == search_form::search_store) {
            storedist = true;
        } else if (option_is(opt, "frommember") && i + 1 < remaining && geosearch && !fromlonlat) {
            if (*z) {
                const auto centre = member_point(**z, call.arg(at + 1));
                if (!centre) {
                    call.error("ERR could not decode requested zset member");
                    return;
                }
                shape.centre = *centre;
            }
            frommember = true;
            ++i;
        } else if (option_is(opt, "fromlonlat") && i + 2 < remaining && geosearch && !frommember) {
            const auto centre = point_arg(call, at + 1);
            if (!centre) return;
            shape.centre = *centre;
            fromlonlat = true;
            i += 2;
        } else if (option_is(opt, "byradius") && i + 2 < remaining && geosearch && !bybox) {
            if (!radius_arg(call, at + 1, shape)) return;
            byradius = true;
            i += 2;
        } else if (option_is(opt, "bybox") && i + 3 < remaining && geosearch && !byradius) {
            if (!box_arg(call, at + 1, shape)) return;
            bybox = true;
            i += 3;
        } else {
            call.error(server::errors::syntax);
            return;
        }
    }
    if (store && (withdist || withhash || withcoord)) {
        call.error(form == search_form::search_store
                       ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                       : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        return;
    }
    if (geosearch && !frommember && !fromlonlat) {
        call.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                   std::string(c_string(call.arg(0))));
        return;
    }
    if (geosearch && !byradius && !bybox) {
        call.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(c_string(call.arg(0))));
        return;
    }
    if (any && count == 0) {
        call.error("ERR the ANY argument requires COUNT argument");
        return;
    }
    if (!*z) {
        if (store) {
            if (ks.erase(db, *store)) call.notify(server::keyspace_event_class::generic, "del", *store);
            call.reply().integer(0);
        } else {
            call.reply().array(0);
        }
        return;
    }
    if (count != 0 && sort == 0 && !any) sort = 1;
    std::vector<match> found = search(**z, shape, any ? static_cast<std::size_t>(count) : 0);
    if (found.empty() && !store) {
        call.reply().array(0);
        return;
    }
    const std::size_t returned =
        count == 0 || found.size() < static_cast<std::uint64_t>(count) ? found.size() : static_cast<std::size_t>(count);
    if (sort != 0) {
        // A stable sort, as glibc's qsort is: equal distances keep the search's order.
        std::stable_sort(found.begin(), found.end(), [&](const match& a, const match& b) {
            return sort > 0 ? a.meters < b.meters : a.meters > b.meters;
        });
    }
    if (!store) {
        const std::size_t options = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoord ? 1 : 0);
        call.reply().array(returned);
        for (std::size_t i = 0; i < returned; ++i) {
            const match& m = found[i];
            if (options != 0) call.reply().array(options + 1);
            call.reply().bulk_string(m.member);
            if (withdist) reply_distance(call, m.meters / shape.to_meters);
            if (withhash) call.reply().integer(static_cast<std::int64_t>(m.score));
            if (withcoord) {
                call.reply().array(2);
                reply_coordinate(call, m.at.lon);
                reply_coordinate(call, m.at.lat);
            }
        }
        return;
    }
    if (returned != 0) {
        store::value result = store::value::make(value_kind::zset);
        zset& target = result.zset();
        const store::zset_limits& limits = ks.zset_limits_used();
        for (std::size_t i = 0; i < returned; ++i) {
            const match& m = found[i];
            target.insert(m.member, storedist ? m.meters / shape.to_meters : m.score, limits);
        }
        ks.set(db, *store, std::move(result));
        call.notify(server::keyspace_event_class::zset, geosearch ? "geosearchstore" : "georadiusstore", *store);
    } else if (ks.erase(db, *store)) {
        call.notify(server::keyspace_event_class::generic, "del", *store);
    }
    call.reply().integer(static_cast<std::int64_t>(returned));
}

/// GEOADD key [NX|XX] [CH] longitude latitude member ...: adds the points as sorted-set members
/// scored by their geohashes, as the ZADD Redis runs for it (and propagates as that ZADD).
template <class Keyspace>
void geoadd_command(command_call& call, Keyspace& ks) {
    std::size_t first = 2;
    bool nx = false, xx = false, ch = false;
    for (; first < call.argc(); ++first) {
        const std::string_view opt = call.arg(first);
        if (option_is(opt, "nx")) nx = true;
        else if (option_is(opt, "xx")) xx = true;
        else if (option_is(opt, "ch")) ch = true;
        else break;
    }
    if ((call.argc() - first) % 3 != 0 || (nx && xx)) {
        call.error(server::errors::syntax);
        return;
    }
    std::vector<std::string> zadd{"zadd"};
    std::vector<double> scores;
    for (std::size_t i = 1; i < first; ++i) zadd.emplace_back(call.arg(i));
    for (std::size_t i = first; i < call.argc(); i += 3) {
        const auto p = point_arg(call, i);
        if (!p) return;
        const std::uint64_t bits = geo::score_bits(geo::encode(p->lon, p->lat, geo::max_step));
        scores.push_back(static_cast<double>(bits));
        zadd.push_back(std::to_string(bits));
        zadd.emplace_back(call.arg(i + 2));
    }
    if (scores.empty()) {
        // ZADD's own check, which Redis reaches with no point at all.
        call.error(server::errors::syntax);
        return;
    }
    const std::size_t db = call.client().db();
    const std::string_view key = call.arg(1);
    auto found = ks.find_for_write(db, key, value_kind::zset);
    if (found.error) {
        call.error(server::errors::wrong_type);
        return;
    }
    if (!found.found && xx) {
        call.reply().integer(0);
        return;
    }
    const bool created = !found.found;
    const store::zset_limits& limits = ks.zset_limits_used();
    store::value* v = found.found ? found.found : &ks.set(db, key, store::value::make(value_kind::zset));
    zset& z = v->zset();
    // As ZADD: a new key is a skip list from the start when packing is off or the first member
    // is too long for it.
    if (created && (limits.max_entries == 0 || call.arg(first + 2).size() > limits.max_value)) z.to_skiplist();
    std::int64_t added = 0, updated = 0;
    for (std::size_t j = 0; j < scores.size(); ++j) {
        const std::string_view member = call.arg(first + 3 * j + 2);
        if (const std::optional<double> current = z.score(member)) {
            if (nx || *current == scores[j]) continue;
            z.update(member, scores[j]);
            ++updated;
        } else if (!xx) {
            z.insert(member, scores[j], limits);
            ++added;
        }
    }
    call.reply().integer(ch ? added + updated : added);
    if (created && z.size() == 0)
        ks.erase(db, key);
    else if (!created && added + updated != 0)
        ks.notify_modified(db, key);
    if (added + updated != 0) call.notify(server::keyspace_event_class::zset, "zadd", key); // GEOADD runs ZADD
    replay_as(call, std::move(zadd));
}

} // namespace geo_detail

/// Registers the geo commands on `commands`, running against `keyspace` (which must outlive the
/// dispatcher's use of them), with Redis 7.0's arity, flags and key specs.
template <class Keyspace>
void install_geo_commands(server::dispatcher& commands, Keyspace& keyspace) {
    using namespace geo_detail;
    Keyspace* ks = &keyspace;
    auto specs = geo_command_specs();
    commands.add(std::move(specs.geoadd), [ks](command_call& call) { geoadd_command(call, *ks); });
    commands.add(std::move(specs.geodist), [ks](command_call& call) {
        double to_meters = 1;
        if (call.argc() == 5) {
            const auto unit = unit_arg(call, 4);
            if (!unit) return;
            to_meters = *unit;
        } else if (call.argc() > 5) {
            call.error(server::errors::syntax);
            return;
        }
        const auto z = read_zset(call, *ks, call.arg(1));
        if (!z) return;
        const auto a = *z ? member_point(**z, call.arg(2)) : std::nullopt;
        const auto b = *z ? member_point(**z, call.arg(3)) : std::nullopt;
        if (!a || !b) {
            call.reply().null();
            return;
        }
        reply_distance(call, geo::distance(a->lon, a->lat, b->lon, b->lat) / to_meters);
    });
    commands.add(std::move(specs.geohash), [ks](command_call& call) {
        const auto z = read_zset(call, *ks, call.arg(1));
        if (!z) return;
        call.reply().array(call.argc() - 2);
        for (std::size_t i = 2; i < call.argc(); ++i) {
            const std::optional<double> score = *z ? (**z).score(call.arg(i)) : std::nullopt;
            if (!score) {
                call.reply().null();
                continue;
            }
            const std::array<char, 11> hash = geo::standard_geohash(*score);
            call.reply().bulk_string(std::string_view(hash.data(), hash.size()));
        }
    });
    commands.add(std::move(specs.geopos), [ks](command_call& call) {
        const auto z = read_zset(call, *ks, call.arg(1));
        if (!z) return;
        call.reply().array(call.argc() - 2);
        for (std::size_t i = 2; i < call.argc(); ++i) {
            const auto p = *z ? member_point(**z, call.arg(i)) : std::nullopt;
            if (!p) {
                call.reply().null_array();
                continue;
            }
            call.reply().array(2);
            reply_coordinate(call, p->lon);
            reply_coordinate(call, p->lat);
        }
    });
    const auto searching = [ks](search_form form, bool readonly) {
        return [ks, form, readonly](command_call& call) { search_command(call, *ks, form, readonly); };
    };
    commands.add(std::move(specs.georadius), searching(search_form::radius, false));
    commands.add(std::move(specs.georadius_ro), searching(search_form::radius, true));
    commands.add(std::move(specs.georadiusbymember), searching(search_form::radius_member, false));
    commands.add(std::move(specs.georadiusbymember_ro), searching(search_form::radius_member, true));
    commands.add(std::move(specs.geosearch), searching(search_form::search, true));
    commands.add(std::move(specs.geosearchstore), searching(search_form::search_store, false));
}

} // namespace respkit::commands

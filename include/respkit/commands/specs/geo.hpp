#pragma once

/// \file
/// Redis 7.0's specs of the geo commands (geo.hpp): name, arity, flags, key positions and key
/// specs, and their COMMAND DOCS (group, summary, since, complexity, ACL categories, arguments,
/// history).

#include <string>
#include <utility>
#include <vector>

#include "respkit/commands/specs/spec_builder.hpp"
#include "respkit/server/command.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// The specs of the geo commands, one member per command.
struct geo_specs {
    server::command_spec geoadd, geodist, geohash, geopos, georadius, georadius_ro, georadiusbymember,
        georadiusbymember_ro, geosearch, geosearchstore;
};

/// The specs as Redis 7.0.15 shows them in COMMAND INFO and COMMAND DOCS.
[[nodiscard]] inline geo_specs geo_command_specs() {
    using server::arg_flag;
    using server::arg_type;
    using server::command_flag;
    using server::key_flag;
    geo_specs specs;
    const spec_builder spec{"geo"};
    specs.geoadd = server::with_docs(
        spec("geoadd", -5, command_flag::write | command_flag::denyoom, {1, 1, 1},
             {{.flags = key_flag::rw | key_flag::update}},
             "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0",
             "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
             {"@write", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "condition", .type = arg_type::oneof, .since = "6.2.0", .flags = arg_flag::optional, .arguments = {{.name = "nx", .type = arg_type::pure_token, .token = "NX"}, {.name = "xx", .type = arg_type::pure_token, .token = "XX"}}},
         {.name = "change", .type = arg_type::pure_token, .token = "CH", .since = "6.2.0", .flags = arg_flag::optional},
         {.name = "longitude_latitude_member", .type = arg_type::block, .flags = arg_flag::multiple, .arguments = {{.name = "longitude", .type = arg_type::double_}, {.name = "latitude", .type = arg_type::double_}, {.name = "member", .type = arg_type::string}}}},
        {{"6.2.0", "Added the `CH`, `NX` and `XX` options."}});
    specs.geodist = server::with_docs(
        spec("geodist", -4, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "Returns the distance between two members of a geospatial index", "3.2.0",
             "O(log(N))",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "member1", .type = arg_type::string},
         {.name = "member2", .type = arg_type::string},
         {.name = "unit", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}}});
    specs.geohash = server::with_docs(
        spec("geohash", -2, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "Returns members of a geospatial index as standard geohash strings", "3.2.0",
             "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}});
    specs.geopos = server::with_docs(
        spec("geopos", -2, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "Returns longitude and latitude of members of a geospatial index", "3.2.0",
             "O(N) where N is the number of members requested.",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "member", .type = arg_type::string, .flags = arg_flag::multiple}});
    specs.georadius = deprecated(server::with_docs(
        spec("georadius", -6, command_flag::write | command_flag::denyoom | command_flag::movablekeys, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 0, .keyword = "STORE", .startfrom = 6}}, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 0, .keyword = "STOREDIST", .startfrom = 6}}},
             "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0",
             "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
             {"@write", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "longitude", .type = arg_type::double_},
         {.name = "latitude", .type = arg_type::double_},
         {.name = "radius", .type = arg_type::double_},
         {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}},
         {.name = "withcoord", .type = arg_type::pure_token, .token = "WITHCOORD", .flags = arg_flag::optional},
         {.name = "withdist", .type = arg_type::pure_token, .token = "WITHDIST", .flags = arg_flag::optional},
         {.name = "withhash", .type = arg_type::pure_token, .token = "WITHHASH", .flags = arg_flag::optional},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .since = "6.2.0", .flags = arg_flag::optional}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .token = "STORE", .flags = arg_flag::optional},
         {.name = "key", .type = arg_type::key, .key_spec_index = 2, .token = "STOREDIST", .flags = arg_flag::optional}},
        {{"6.2.0", "Added the `ANY` option for `COUNT`."}, {"7.0.0", "Added support for uppercase unit names."}}),
        "6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument");
    specs.georadius_ro = deprecated(server::with_docs(
        spec("georadius_ro", -6, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "A read-only variant for GEORADIUS", "3.2.10",
             "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "longitude", .type = arg_type::double_},
         {.name = "latitude", .type = arg_type::double_},
         {.name = "radius", .type = arg_type::double_},
         {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}},
         {.name = "withcoord", .type = arg_type::pure_token, .token = "WITHCOORD", .flags = arg_flag::optional},
         {.name = "withdist", .type = arg_type::pure_token, .token = "WITHDIST", .flags = arg_flag::optional},
         {.name = "withhash", .type = arg_type::pure_token, .token = "WITHHASH", .flags = arg_flag::optional},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .since = "6.2.0", .flags = arg_flag::optional}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}}},
        {{"6.2.0", "Added the `ANY` option for `COUNT`."}}),
        "6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument");
    specs.georadiusbymember = deprecated(server::with_docs(
        spec("georadiusbymember", -5, command_flag::write | command_flag::denyoom | command_flag::movablekeys, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 0, .keyword = "STORE", .startfrom = 5}}, {.flags = key_flag::ow | key_flag::update, .begin = {.index = 0, .keyword = "STOREDIST", .startfrom = 5}}},
             "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0",
             "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
             {"@write", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "member", .type = arg_type::string},
         {.name = "radius", .type = arg_type::double_},
         {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}},
         {.name = "withcoord", .type = arg_type::pure_token, .token = "WITHCOORD", .flags = arg_flag::optional},
         {.name = "withdist", .type = arg_type::pure_token, .token = "WITHDIST", .flags = arg_flag::optional},
         {.name = "withhash", .type = arg_type::pure_token, .token = "WITHHASH", .flags = arg_flag::optional},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .flags = arg_flag::optional}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}},
         {.name = "key", .type = arg_type::key, .key_spec_index = 1, .token = "STORE", .flags = arg_flag::optional},
         {.name = "key", .type = arg_type::key, .key_spec_index = 2, .token = "STOREDIST", .flags = arg_flag::optional}},
        {{"7.0.0", "Added support for uppercase unit names."}}),
        "6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments");
    specs.georadiusbymember_ro = deprecated(server::with_docs(
        spec("georadiusbymember_ro", -5, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "A read-only variant for GEORADIUSBYMEMBER", "3.2.10",
             "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "member", .type = arg_type::string},
         {.name = "radius", .type = arg_type::double_},
         {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}},
         {.name = "withcoord", .type = arg_type::pure_token, .token = "WITHCOORD", .flags = arg_flag::optional},
         {.name = "withdist", .type = arg_type::pure_token, .token = "WITHDIST", .flags = arg_flag::optional},
         {.name = "withhash", .type = arg_type::pure_token, .token = "WITHHASH", .flags = arg_flag::optional},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .flags = arg_flag::optional}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}}}),
        "6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments");
    specs.geosearch = server::with_docs(
        spec("geosearch", -7, command_flag::readonly, {1, 1, 1},
             {{.flags = key_flag::ro | key_flag::access}},
             "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0",
             "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
             {"@read", "@geo", "@slow"}),
        {{.name = "key", .type = arg_type::key, .key_spec_index = 0},
         {.name = "from", .type = arg_type::oneof, .arguments = {{.name = "member", .type = arg_type::string, .token = "FROMMEMBER"}, {.name = "longitude_latitude", .type = arg_type::block, .token = "FROMLONLAT", .arguments = {{.name = "longitude", .type = arg_type::double_}, {.name = "latitude", .type = arg_type::double_}}}}},
         {.name = "by", .type = arg_type::oneof, .arguments = {{.name = "circle", .type = arg_type::block, .arguments = {{.name = "radius", .type = arg_type::double_, .token = "BYRADIUS"}, {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}}}}, {.name = "box", .type = arg_type::block, .arguments = {{.name = "width", .type = arg_type::double_, .token = "BYBOX"}, {.name = "height", .type = arg_type::double_}, {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}}}}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .flags = arg_flag::optional}}},
         {.name = "withcoord", .type = arg_type::pure_token, .token = "WITHCOORD", .flags = arg_flag::optional},
         {.name = "withdist", .type = arg_type::pure_token, .token = "WITHDIST", .flags = arg_flag::optional},
         {.name = "withhash", .type = arg_type::pure_token, .token = "WITHHASH", .flags = arg_flag::optional}},
        {{"7.0.0", "Added support for uppercase unit names."}});
    specs.geosearchstore = server::with_docs(
        spec("geosearchstore", -8, command_flag::write | command_flag::denyoom, {1, 2, 1},
             {{.flags = key_flag::ow | key_flag::update}, {.flags = key_flag::ro | key_flag::access, .begin = {.index = 2}}},
             "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0",
             "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
             {"@write", "@geo", "@slow"}),
        {{.name = "destination", .type = arg_type::key, .key_spec_index = 0},
         {.name = "source", .type = arg_type::key, .key_spec_index = 1},
         {.name = "from", .type = arg_type::oneof, .arguments = {{.name = "member", .type = arg_type::string, .token = "FROMMEMBER"}, {.name = "longitude_latitude", .type = arg_type::block, .token = "FROMLONLAT", .arguments = {{.name = "longitude", .type = arg_type::double_}, {.name = "latitude", .type = arg_type::double_}}}}},
         {.name = "by", .type = arg_type::oneof, .arguments = {{.name = "circle", .type = arg_type::block, .arguments = {{.name = "radius", .type = arg_type::double_, .token = "BYRADIUS"}, {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}}}}, {.name = "box", .type = arg_type::block, .arguments = {{.name = "width", .type = arg_type::double_, .token = "BYBOX"}, {.name = "height", .type = arg_type::double_}, {.name = "unit", .type = arg_type::oneof, .arguments = {{.name = "m", .type = arg_type::pure_token, .token = "M"}, {.name = "km", .type = arg_type::pure_token, .token = "KM"}, {.name = "ft", .type = arg_type::pure_token, .token = "FT"}, {.name = "mi", .type = arg_type::pure_token, .token = "MI"}}}}}}},
         {.name = "order", .type = arg_type::oneof, .flags = arg_flag::optional, .arguments = {{.name = "asc", .type = arg_type::pure_token, .token = "ASC"}, {.name = "desc", .type = arg_type::pure_token, .token = "DESC"}}},
         {.name = "count", .type = arg_type::block, .flags = arg_flag::optional, .arguments = {{.name = "count", .type = arg_type::integer, .token = "COUNT"}, {.name = "any", .type = arg_type::pure_token, .token = "ANY", .flags = arg_flag::optional}}},
         {.name = "storedist", .type = arg_type::pure_token, .token = "STOREDIST", .flags = arg_flag::optional}},
        {{"7.0.0", "Added support for uppercase unit names."}});
    return specs;
}

} // namespace respkit::commands

#pragma once

/// \file
/// Umbrella header of the store layer: keyspace, maps, values, expiry clocks; and glob matching
/// (respkit/glob.hpp) under its older name store::glob_match.

#include <respkit/store/access.hpp>
#include <respkit/store/clock.hpp>
#include <respkit/store/eviction.hpp>
#include <respkit/store/glob.hpp>
#include <respkit/store/hash.hpp>
#include <respkit/store/hash_map.hpp>
#include <respkit/store/integer.hpp>
#include <respkit/store/keyspace.hpp>
#include <respkit/store/keyspace_map.hpp>
#include <respkit/store/node_map.hpp>
#include <respkit/store/slot_index.hpp>
#include <respkit/store/value.hpp>

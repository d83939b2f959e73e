#pragma once

/// \file
/// Which arguments of a command are keys, and what the command does with them: one
/// implementation, following Redis 7.0's key specs (getKeysUsingKeySpecs), used by COMMAND
/// GETKEYS, WATCH and the checks that route or restrict by key (cluster slots, ACL).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/detail/numbers.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/command_entry.hpp" // detail::c_string
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// The outcome of extract_keys.
enum class key_extraction : std::uint8_t {
    found,             ///< the keys were found (possibly none, for a no_mandatory_keys command)
    no_key_arguments,  ///< the command takes no keys ("The command has no key arguments")
    wrong_arity,       ///< the arguments do not fit the command's arity
    invalid_arguments, ///< the arguments do not fit its key specs
};

/// The key specs of a command: its own, or for a spec that has none (a user's command), one
/// derived from the legacy key positions, `RW update` for a write command and `RO access`
/// otherwise.
template <class = void>
[[nodiscard]] std::vector<key_spec> key_specs_of(const command_spec& spec) {
    if (!spec.key_specs.empty() || spec.keys.first <= 0) return spec.key_specs;
    const bool write = has(spec.flags, command_flag::write);
    return {{.flags = write ? key_flag::rw | key_flag::update : key_flag::ro | key_flag::access,
             .begin = {.index = spec.keys.first},
             .find = key_range(spec.keys.last >= 0 ? spec.keys.last - spec.keys.first : spec.keys.last,
                               spec.keys.step)}};
}

/// Appends the keys `k` finds among `args` (the command and its arguments), following Redis's
/// getKeysUsingKeySpecs; false when the arguments do not fit the spec.
template <class = void>
[[nodiscard]] bool keys_of_spec(const key_spec& k, std::span<const std::string_view> args, int arity,
                                       std::vector<key_reference>& keys) {
    const long long argc = static_cast<long long>(args.size());
    long long first = 0;
    if (k.begin.index > 0) {
        first = k.begin.index;
    } else if (!k.begin.keyword.empty()) {
        const long long start = k.begin.startfrom > 0 ? k.begin.startfrom : argc + k.begin.startfrom;
        const long long end = k.begin.startfrom > 0 ? argc - 1 : 0;
        for (long long i = start; i != end; i = start <= end ? i + 1 : i - 1) {
            if (i >= argc || i < 1) break;
            if (respkit::detail::ascii_iequals(detail::c_string(args[static_cast<std::size_t>(i)]), k.begin.keyword)) {
                first = i + 1;
                break;
            }
        }
        if (first == 0) return true; // keyword absent: no keys of this spec
    } else {
        return false;
    }
    if (has(k.flags, key_flag::incomplete)) return false;
    long long last = 0;
    const long long step = k.find.keystep;
    switch (k.find.type) {
    case find_keys::kind::range:
        if (k.find.lastkey >= 0)
            last = first + k.find.lastkey;
        else if (k.find.limit == 0)
            last = argc + k.find.lastkey;
        else
            last = first + ((argc - first) / k.find.limit + k.find.lastkey);
        break;
    case find_keys::kind::keynum: {
        if (k.find.keynumidx >= argc - first) return true;
        std::int64_t numkeys = 0;
        if (!respkit::detail::parse_int64(args[static_cast<std::size_t>(first + k.find.keynumidx)], numkeys) ||
            numkeys < 0)
            return true;
        first += k.find.firstkey;
        if (numkeys > argc) return false; // more keys than arguments: cannot fit
        last = first + numkeys - 1;
        break;
    }
    case find_keys::kind::unknown: return false;
    }
    if (last >= argc || last < first || first >= argc) return false;
    for (long long i = first; i <= last; i += step) {
        if (i >= argc || i < first) {
            if (arity < 0) continue; // the command's own checks report it
            return false;
        }
        keys.push_back({static_cast<std::size_t>(i), k.flags});
    }
    return true;
}

/// Finds the keys of a call of the command `spec` describes with `args` (the command name first;
/// a subcommand's arguments start with the container's name) into `keys`, with the flags that
/// depend on the arguments (SET ... GET) resolved.
template <class = void>
[[nodiscard]] key_extraction extract_keys(const command_spec& spec, std::span<const std::string_view> args,
                                                 std::vector<key_reference>& keys) {
    keys.clear();
    const std::vector<key_spec> specs = key_specs_of(spec);
    if (std::all_of(specs.begin(), specs.end(), [](const key_spec& k) { return has(k.flags, key_flag::not_key); })) {
        return key_extraction::no_key_arguments;
    }
    const int arity = spec.arity;
    const auto argc = static_cast<long long>(args.size());
    if ((arity > 0 && argc != arity) || (arity < 0 && argc < -arity)) return key_extraction::wrong_arity;
    for (const key_spec& k : specs) {
        if (!keys_of_spec(k, args, arity, keys)) {
            keys.clear();
            if (spec.keys_of_call) keys = spec.keys_of_call(args);
            break;
        }
    }
    for (key_reference& k : keys) {
        if (has(k.flags, key_flag::variable_flags) && spec.key_flags_of) k.flags = spec.key_flags_of(args);
    }
    if (keys.empty() && !has(spec.flags, command_flag::no_mandatory_keys)) {
        return key_extraction::invalid_arguments;
    }
    return key_extraction::found;
}

} // namespace respkit::server

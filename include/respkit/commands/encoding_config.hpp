#pragma once

/// \file
/// The compact encodings' parameters (list-max-listpack-size, stream-node-max-entries) applied to a keyspace at once
/// and whenever CONFIG SET changes them.

#include <cstdint>
#include <string>
#include <string_view>

#include "respkit/server/config.hpp"
#include "respkit/store/encoding.hpp"
#include "respkit/store/integer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::commands {

/// Gives `keyspace` the encoding thresholds of `config` now and after every change (both must
/// outlive `config`'s use of the hook). Values created from then on follow them, as in Redis.
template <class Keyspace>
void follow_encoding_config(server::config_table& config, Keyspace& keyspace) {
    const auto apply_list = [&keyspace](std::string_view value) {
        std::int64_t n = 0;
        if (!store::parse_int64(value, n)) return std::string(); // the table validated it already
        store::encoding_options options = keyspace.encoding();
        options.list_max_listpack_size = static_cast<std::int32_t>(n);
        keyspace.set_encoding_options(options);
        return std::string();
    };
    config.on_change("list-max-listpack-size", apply_list);
    (void)apply_list(config.get("list-max-listpack-size"));
    const auto apply_stream = [&keyspace](std::string_view value) {
        std::int64_t n = 0;
        if (!store::parse_int64(value, n)) return std::string();
        store::encoding_options options = keyspace.encoding();
        options.stream_node_max_entries = n;
        keyspace.set_encoding_options(options);
        return std::string();
    };
    config.on_change("stream-node-max-entries", apply_stream);
    (void)apply_stream(config.get("stream-node-max-entries"));
}

} // namespace respkit::commands

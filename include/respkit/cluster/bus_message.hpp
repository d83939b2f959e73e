#pragma once

/// \file
/// Redis Cluster's bus messages, as Redis 7.0 writes and reads them on the cluster port (the
/// client port + 10000 by default): a fixed 2256-byte header (signature "RCmb", total length,
/// protocol version 1, type, the sender's epochs, name, slots, address, ports and flags; every
/// integer in network byte order), then a body by type: gossip sections and ping extensions
/// (PING, PONG, MEET), a node name (FAIL), a channel and message (PUBLISH, PUBLISHSHARD), a slot
/// configuration (UPDATE), a module payload (MODULE); FAILOVER_AUTH_REQUEST / _ACK and MFSTART
/// have none. Read and written without a server; the layout and the checks are those of Redis's
/// cluster.h and clusterProcessPacket (docs/cluster.md).

#include <respkit/error.hpp>
#include <respkit/version.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/cluster/key_slot.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster {

/// A node name's length: 40 hexadecimal characters.
inline constexpr std::size_t node_name_length = 40;
/// The room for an IP address in a message (NET_IP_STR_LEN), NUL-padded.
inline constexpr std::size_t bus_ip_length = 46;
/// The header's length, and the smallest message Redis accepts.
inline constexpr std::size_t bus_header_length = 2256;
/// One gossip section's length.
inline constexpr std::size_t bus_gossip_length = 104;
/// The cluster bus protocol version Redis 7.0 speaks.
inline constexpr std::uint16_t bus_protocol_version = 1;

/// A message's type, as numbered on the bus.
enum class bus_message_type : std::uint16_t {
    ping = 0,
    pong = 1,
    meet = 2,
    fail = 3,
    publish = 4,
    failover_auth_request = 5,
    failover_auth_ack = 6,
    update = 7,
    mfstart = 8,
    module = 9,
    publishshard = 10,
};

/// A node's flags as the bus carries them (Redis's CLUSTER_NODE_*).
namespace node_flag {
inline constexpr std::uint16_t primary = 1;
inline constexpr std::uint16_t replica = 2;
inline constexpr std::uint16_t pfail = 4;
inline constexpr std::uint16_t fail = 8;
inline constexpr std::uint16_t myself = 16;
inline constexpr std::uint16_t handshake = 32;
inline constexpr std::uint16_t noaddr = 64;
inline constexpr std::uint16_t meet = 128;
inline constexpr std::uint16_t migrate_to = 256;
inline constexpr std::uint16_t nofailover = 512;
} // namespace node_flag

/// Bits of the first message-flags byte (Redis's CLUSTERMSG_FLAG0_*).
namespace message_flag {
inline constexpr std::uint8_t paused = 1;    ///< the primary is paused for a manual failover
inline constexpr std::uint8_t force_ack = 2; ///< vote even if the primary is up
inline constexpr std::uint8_t ext_data = 4;  ///< the message carries ping extensions
} // namespace message_flag

/// The types of ping extensions Redis 7.0 knows.
enum class ping_extension_type : std::uint16_t {
    hostname = 0,
};

/// A set of slots, one bit each, laid out as on the bus: slot `s` is bit `s % 8` of byte `s / 8`.
class slot_bitmap {
public:
    /// Whether `slot` is in the set.
    [[nodiscard]] bool test(unsigned slot) const noexcept {
        return slot < slot_count && (m_bytes[slot / 8] >> (slot % 8) & 1U) != 0;
    }
    /// Adds or removes `slot` (ignored past the last slot).
    void set(unsigned slot, bool on = true) noexcept {
        if (slot >= slot_count) return;
        const auto bit = static_cast<std::uint8_t>(1U << (slot % 8));
        m_bytes[slot / 8] = static_cast<std::uint8_t>(on ? m_bytes[slot / 8] | bit : m_bytes[slot / 8] & ~bit);
    }
    /// How many slots are in the set.
    [[nodiscard]] unsigned count() const noexcept {
        unsigned n = 0;
        for (std::uint8_t byte : m_bytes)
            for (; byte != 0; byte = static_cast<std::uint8_t>(byte & (byte - 1))) ++n;
        return n;
    }
    /// The set's bytes, as on the bus.
    [[nodiscard]] std::array<std::uint8_t, slot_count / 8>& bytes() noexcept { return m_bytes; }
    /// The set's bytes, as on the bus.
    [[nodiscard]] const std::array<std::uint8_t, slot_count / 8>& bytes() const noexcept { return m_bytes; }

    friend bool operator==(const slot_bitmap&, const slot_bitmap&) = default;

private:
    std::array<std::uint8_t, slot_count / 8> m_bytes{};
};

/// What a node tells of another in a PING, PONG or MEET.
struct gossip_entry {
    std::string node_name;        ///< 40 characters
    std::uint32_t ping_sent = 0;  ///< when the sender last pinged it, in seconds (0: no ping pending)
    std::uint32_t pong_received = 0; ///< when the sender last heard its pong, in seconds
    std::string ip;               ///< its address as the sender knows it (at most 45 bytes)
    std::uint16_t port = 0;       ///< its client port
    std::uint16_t cport = 0;      ///< its cluster bus port
    std::uint16_t flags = 0;      ///< node_flag bits
    std::uint16_t pport = 0;      ///< its plaintext port when `port` is TLS, else 0

    friend bool operator==(const gossip_entry&, const gossip_entry&) = default;
};

/// One bus message: the header's fields, then the body's fields of its type (the others stay
/// empty and are not written).
struct bus_message {
    bus_message_type type = bus_message_type::ping;
    std::uint16_t port = 0;           ///< the sender's client port
    std::uint64_t current_epoch = 0;  ///< the cluster's epoch as the sender knows it
    std::uint64_t config_epoch = 0;   ///< the sender's (or its primary's) configuration epoch
    std::uint64_t offset = 0;         ///< the sender's replication offset
    std::string sender;               ///< the sender's name (40 characters)
    slot_bitmap slots;                ///< the sender's slots (its primary's for a replica)
    std::string replica_of;           ///< the sender's primary, empty when it is a primary
    std::string ip;                   ///< the sender's address, empty: the peer uses the connection's
    std::uint16_t pport = 0;          ///< the sender's plaintext port when `port` is TLS
    std::uint16_t cport = 0;          ///< the sender's cluster bus port
    std::uint16_t flags = 0;          ///< the sender's node_flag bits
    std::uint8_t state = 0;           ///< the cluster's state for the sender: 0 ok, 1 fail
    std::array<std::uint8_t, 3> message_flags{}; ///< message_flag bits in [0]; ext_data is set on write when extensions go out

    // PING, PONG, MEET
    std::vector<gossip_entry> gossip; ///< the nodes the sender tells of
    std::string hostname;             ///< the hostname extension; empty: none sent
    std::size_t unknown_extensions = 0; ///< extensions of types this reader does not know, skipped (read only)

    // FAIL
    std::string failed_node;          ///< the node the sender declares failed

    // PUBLISH, PUBLISHSHARD
    std::string channel;
    std::string payload;              ///< the published message; MODULE: the module's payload

    // UPDATE
    std::uint64_t update_config_epoch = 0; ///< the configuration epoch of `update_node`
    std::string update_node;          ///< the node whose slots `update_slots` are
    slot_bitmap update_slots;

    // MODULE
    std::uint64_t module_id = 0;
    std::uint8_t module_type = 0;

    friend bool operator==(const bus_message&, const bus_message&) = default;
};

namespace detail {

inline void put_be(std::string& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i) & 0xFF));
}

/// Writes `text` into a fixed field of `length` bytes, NUL-padded (truncated if longer).
inline void put_fixed(std::string& out, std::string_view text, std::size_t length) {
    const std::size_t n = text.size() < length ? text.size() : length;
    out.append(text.data(), n);
    out.append(length - n, '\0');
}

inline std::uint64_t get_be(std::string_view bytes, std::size_t at, int length) noexcept {
    std::uint64_t value = 0;
    for (int i = 0; i < length; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return value;
}

/// A fixed field's text: up to its first NUL.
inline std::string get_fixed(std::string_view bytes, std::size_t at, std::size_t length) {
    const std::string_view field = bytes.substr(at, length);
    return std::string(field.substr(0, field.find('\0')));
}

inline void get_slots(std::string_view bytes, std::size_t at, slot_bitmap& slots) noexcept {
    std::memcpy(slots.bytes().data(), bytes.data() + at, slots.bytes().size());
}

// Body sizes by type, as Redis computes a message's expected length.
inline constexpr std::size_t fail_body_length = node_name_length;
inline constexpr std::size_t update_body_length = 8 + node_name_length + slot_count / 8;
inline constexpr std::size_t publish_body_fixed = 8;  // channel_len, message_len
inline constexpr std::size_t module_body_fixed = 13; // module_id, len, type
inline constexpr std::size_t extension_header_length = 8;

inline constexpr std::size_t align8(std::size_t n) noexcept { return (n + 7) / 8 * 8; }

inline bool has_ping_body(bus_message_type type) noexcept {
    return type == bus_message_type::ping || type == bus_message_type::pong || type == bus_message_type::meet;
}

} // namespace detail

/// The message's bytes, as Redis sends it: the header with `totlen`, `count` (gossip sections),
/// `extensions` and the ext_data flag computed from the body.
[[nodiscard]] inline std::string encode_bus_message(const bus_message& m) {
    using detail::put_be;
    using detail::put_fixed;
    std::string body;
    std::uint16_t count = 0;
    std::uint16_t extensions = 0;
    std::array<std::uint8_t, 3> mflags = m.message_flags;
    switch (m.type) {
    case bus_message_type::ping:
    case bus_message_type::pong:
    case bus_message_type::meet:
        for (const gossip_entry& g : m.gossip) {
            put_fixed(body, g.node_name, node_name_length);
            put_be(body, g.ping_sent, 4);
            put_be(body, g.pong_received, 4);
            put_fixed(body, g.ip, bus_ip_length);
            put_be(body, g.port, 2);
            put_be(body, g.cport, 2);
            put_be(body, g.flags, 2);
            put_be(body, g.pport, 2);
            put_be(body, 0, 2);
        }
        count = static_cast<std::uint16_t>(m.gossip.size());
        if (!m.hostname.empty()) {
            const std::size_t padded = detail::align8(m.hostname.size() + 1);
            put_be(body, detail::extension_header_length + padded, 4);
            put_be(body, static_cast<std::uint16_t>(ping_extension_type::hostname), 2);
            put_be(body, 0, 2);
            put_fixed(body, m.hostname, padded);
            extensions = 1;
        }
        if (extensions != 0) mflags[0] = static_cast<std::uint8_t>(mflags[0] | message_flag::ext_data);
        break;
    case bus_message_type::fail:
        put_fixed(body, m.failed_node, node_name_length);
        break;
    case bus_message_type::publish:
    case bus_message_type::publishshard:
        put_be(body, m.channel.size(), 4);
        put_be(body, m.payload.size(), 4);
        body += m.channel;
        body += m.payload;
        break;
    case bus_message_type::update:
        put_be(body, m.update_config_epoch, 8);
        put_fixed(body, m.update_node, node_name_length);
        body.append(reinterpret_cast<const char*>(m.update_slots.bytes().data()), m.update_slots.bytes().size());
        break;
    case bus_message_type::module:
        put_be(body, m.module_id, 8);
        put_be(body, m.payload.size(), 4);
        put_be(body, m.module_type, 1);
        body += m.payload;
        break;
    case bus_message_type::failover_auth_request:
    case bus_message_type::failover_auth_ack:
    case bus_message_type::mfstart:
        break;
    }

    std::string out;
    out.reserve(bus_header_length + body.size());
    out += "RCmb";
    put_be(out, bus_header_length + body.size(), 4);
    put_be(out, bus_protocol_version, 2);
    put_be(out, m.port, 2);
    put_be(out, static_cast<std::uint16_t>(m.type), 2);
    put_be(out, count, 2);
    put_be(out, m.current_epoch, 8);
    put_be(out, m.config_epoch, 8);
    put_be(out, m.offset, 8);
    put_fixed(out, m.sender, node_name_length);
    out.append(reinterpret_cast<const char*>(m.slots.bytes().data()), m.slots.bytes().size());
    put_fixed(out, m.replica_of, node_name_length);
    put_fixed(out, m.ip, bus_ip_length);
    put_be(out, extensions, 2);
    out.append(30, '\0');
    put_be(out, m.pport, 2);
    put_be(out, m.cport, 2);
    put_be(out, m.flags, 2);
    put_be(out, m.state, 1);
    out.append(reinterpret_cast<const char*>(mflags.data()), mflags.size());
    out += body;
    return out;
}

/// How long the message that `bytes` starts is, from its first 8 bytes: 0 while fewer have
/// arrived; an error for a missing signature, or a length under the header's or over
/// `max_length` (Redis itself takes up to 4 GiB: bound it by what a peer may send, such as
/// twice the largest PUBLISH payload).
[[nodiscard]] inline std::size_t bus_message_length(std::string_view bytes, std::size_t max_length,
                                                   std::error_code& error) noexcept {
    error.clear();
    if (bytes.size() < 8) return 0;
    if (bytes.substr(0, 4) != "RCmb") {
        error = errc::bus_bad_signature;
        return 0;
    }
    const auto length = static_cast<std::size_t>(detail::get_be(bytes, 4, 4));
    if (length < bus_header_length || length > max_length) {
        error = errc::bus_bad_length;
        return 0;
    }
    return length;
}

/// Reads one whole message (`bytes` is exactly its total length). Checks what Redis checks
/// before acting on a message: the signature, the version, and that the total length is the
/// one its type, counts and extension lengths (each a multiple of 8) add up to; a message of
/// an unknown type is taken as well formed, with only its header read.
[[nodiscard]] inline std::error_code decode_bus_message(std::string_view bytes, bus_message& m) {
    using detail::get_be;
    using detail::get_fixed;
    if (bytes.size() < 4 || bytes.substr(0, 4) != "RCmb") return errc::bus_bad_signature;
    if (bytes.size() < bus_header_length || get_be(bytes, 4, 4) != bytes.size()) return errc::bus_bad_length;
    if (get_be(bytes, 8, 2) != bus_protocol_version) return errc::bus_bad_version;

    m = bus_message{};
    m.port = static_cast<std::uint16_t>(get_be(bytes, 10, 2));
    const auto type = static_cast<std::uint16_t>(get_be(bytes, 12, 2));
    m.type = static_cast<bus_message_type>(type);
    const auto count = static_cast<std::size_t>(get_be(bytes, 14, 2));
    m.current_epoch = get_be(bytes, 16, 8);
    m.config_epoch = get_be(bytes, 24, 8);
    m.offset = get_be(bytes, 32, 8);
    m.sender = get_fixed(bytes, 40, node_name_length);
    detail::get_slots(bytes, 80, m.slots);
    m.replica_of = get_fixed(bytes, 2128, node_name_length);
    m.ip = get_fixed(bytes, 2168, bus_ip_length);
    auto extensions = static_cast<std::size_t>(get_be(bytes, 2214, 2));
    m.pport = static_cast<std::uint16_t>(get_be(bytes, 2246, 2));
    m.cport = static_cast<std::uint16_t>(get_be(bytes, 2248, 2));
    m.flags = static_cast<std::uint16_t>(get_be(bytes, 2250, 2));
    m.state = static_cast<std::uint8_t>(get_be(bytes, 2252, 1));
    for (std::size_t i = 0; i < 3; ++i) m.message_flags[i] = static_cast<std::uint8_t>(bytes[2253 + i]);

    const std::string_view body = bytes.substr(bus_header_length);
    switch (m.type) {
    case bus_message_type::ping:
    case bus_message_type::pong:
    case bus_message_type::meet: {
        std::size_t expected = count * bus_gossip_length;
        if (body.size() < expected) return errc::bus_malformed;
        m.gossip.reserve(count); // bounded: count sections fit in the message
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t at = i * bus_gossip_length;
            gossip_entry g;
            g.node_name = get_fixed(body, at, node_name_length);
            g.ping_sent = static_cast<std::uint32_t>(get_be(body, at + 40, 4));
            g.pong_received = static_cast<std::uint32_t>(get_be(body, at + 44, 4));
            g.ip = get_fixed(body, at + 48, bus_ip_length);
            g.port = static_cast<std::uint16_t>(get_be(body, at + 94, 2));
            g.cport = static_cast<std::uint16_t>(get_be(body, at + 96, 2));
            g.flags = static_cast<std::uint16_t>(get_be(body, at + 98, 2));
            g.pport = static_cast<std::uint16_t>(get_be(body, at + 100, 2));
            m.gossip.push_back(std::move(g));
        }
        if ((m.message_flags[0] & message_flag::ext_data) != 0) {
            for (; extensions > 0; --extensions) {
                if (body.size() - expected < detail::extension_header_length) return errc::bus_malformed;
                const auto length = static_cast<std::size_t>(get_be(body, expected, 4));
                if (length % 8 != 0 || length < detail::extension_header_length || length > body.size() - expected)
                    return errc::bus_malformed;
                const auto ext_type = static_cast<std::uint16_t>(get_be(body, expected + 4, 2));
                const std::string_view data = body.substr(expected + detail::extension_header_length,
                                                          length - detail::extension_header_length);
                if (ext_type == static_cast<std::uint16_t>(ping_extension_type::hostname))
                    m.hostname = std::string(data.substr(0, data.find('\0')));
                else
                    ++m.unknown_extensions;
                expected += length;
            }
        }
        if (expected != body.size()) return errc::bus_malformed;
        break;
    }
    case bus_message_type::fail:
        if (body.size() != detail::fail_body_length) return errc::bus_malformed;
        m.failed_node = get_fixed(body, 0, node_name_length);
        break;
    case bus_message_type::publish:
    case bus_message_type::publishshard: {
        if (body.size() < detail::publish_body_fixed) return errc::bus_malformed;
        const std::uint64_t channel_length = get_be(body, 0, 4);
        const std::uint64_t message_length = get_be(body, 4, 4);
        if (detail::publish_body_fixed + channel_length + message_length != body.size()) return errc::bus_malformed;
        m.channel = std::string(body.substr(8, static_cast<std::size_t>(channel_length)));
        m.payload = std::string(body.substr(8 + static_cast<std::size_t>(channel_length)));
        break;
    }
    case bus_message_type::update:
        if (body.size() != detail::update_body_length) return errc::bus_malformed;
        m.update_config_epoch = get_be(body, 0, 8);
        m.update_node = get_fixed(body, 8, node_name_length);
        detail::get_slots(body, 8 + node_name_length, m.update_slots);
        break;
    case bus_message_type::module: {
        if (body.size() < detail::module_body_fixed) return errc::bus_malformed;
        m.module_id = get_be(body, 0, 8);
        const std::uint64_t length = get_be(body, 8, 4);
        m.module_type = static_cast<std::uint8_t>(get_be(body, 12, 1));
        if (detail::module_body_fixed + length != body.size()) return errc::bus_malformed;
        m.payload = std::string(body.substr(detail::module_body_fixed));
        break;
    }
    case bus_message_type::failover_auth_request:
    case bus_message_type::failover_auth_ack:
    case bus_message_type::mfstart:
        if (!body.empty()) return errc::bus_malformed;
        break;
    default:
        break; // an unknown type: Redis takes it as well formed and ignores it
    }
    return {};
}

} // namespace respkit::inline RESPKIT_ABI_NAMESPACE::cluster

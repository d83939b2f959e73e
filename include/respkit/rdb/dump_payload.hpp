#pragma once

/// \file
/// DUMP payloads: a value's RDB type byte and encoding, the RDB version as 2 bytes and a CRC64
/// of everything before it as 8 bytes, both little-endian (Redis's createDumpPayload), and
/// their verification and decoding for RESTORE.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "respkit/error.hpp"
#include "respkit/rdb/crc64.hpp"
#include "respkit/rdb/cursor.hpp"
#include "respkit/rdb/object.hpp"
#include "respkit/rdb/reader.hpp"
#include "respkit/rdb/sink.hpp"
#include "respkit/rdb/writer.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::rdb {

/// The reply RESTORE gives when the footer does not check out.
inline constexpr std::string_view dump_payload_wrong = "DUMP payload version or checksum are wrong";
/// The reply RESTORE gives when the value does not decode.
inline constexpr std::string_view dump_payload_bad_format = "Bad data format";

/// Appends the footer (version 10, CRC64) to a serialized value.
inline void finish_dump_payload(std::string& payload) {
    payload.push_back(static_cast<char>(rdb_version & 0xff));
    payload.push_back(static_cast<char>((rdb_version >> 8) & 0xff));
    const std::uint64_t crc = crc64(0, payload);
    for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

/// The DUMP payload written by `write(rdb::writer<string_sink>&)`, which calls one of the
/// writer's *_value functions and returns its result; "" when it failed.
template <class Write>
[[nodiscard]] std::string dump_payload_with(Write&& write, writer_options options = {}) {
    options.checksum = false; // the payload's CRC covers the version too: computed at the end
    string_sink out;
    writer<string_sink> w(out, options);
    if (!write(w) || !w.flush()) return {};
    std::string payload = out.take();
    finish_dump_payload(payload);
    return payload;
}

/// The DUMP payload of a value ("" for an empty container, which Redis never holds).
[[nodiscard]] inline std::string dump_payload(const object& value, const writer_options& options = {}) {
    return dump_payload_with([&](writer<string_sink>& w) { return w.object_value(value); }, options);
}

/// What load_dump_payload found.
struct dump_load_result {
    object value;             ///< the value, when error is empty (and it is not a stream)
    std::optional<stream> stream_value; ///< the value when it is a stream (RDB type 15 or 19)
    std::error_code error;    ///< errc::rdb_checksum, errc::rdb_corrupt, errc::rdb_unsupported or empty
    std::string message;      ///< RESTORE's reply text: dump_payload_wrong or dump_payload_bad_format, or a refusal
    std::string detail;       ///< what is wrong in the value, with its offset
    std::uint16_t version = 0; ///< the payload's RDB version

    /// True when the value was decoded.
    [[nodiscard]] bool ok() const noexcept { return !error; }
};

/// True when a DUMP payload holds a stream (its type byte is 15 or 19).
[[nodiscard]] inline bool type_is_stream(std::string_view payload) noexcept {
    if (payload.empty()) return false;
    const auto t = static_cast<std::uint8_t>(payload[0]);
    return t == static_cast<std::uint8_t>(value_type::stream_listpacks) ||
           t == static_cast<std::uint8_t>(value_type::stream_listpacks_2);
}

/// Checks a DUMP payload's footer (version at most 10, CRC64; a payload shorter than 10 bytes
/// fails) and decodes its value, which must use every byte before the footer, as RESTORE does.
[[nodiscard]] inline dump_load_result load_dump_payload(std::string_view payload, const load_options& options = {}) {
    dump_load_result result;
    if (payload.size() < 10) {
        result.error = errc::rdb_checksum;
        result.message = dump_payload_wrong;
        return result;
    }
    const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
    result.version = static_cast<std::uint16_t>(footer[0] | (footer[1] << 8));
    const std::uint64_t stored = detail::load_le(footer + 2, 8);
    if (result.version > rdb_version || (options.verify_checksum && crc64(0, payload.substr(0, payload.size() - 8)) != stored)) {
        result.error = errc::rdb_checksum;
        result.message = dump_payload_wrong;
        return result;
    }
    detail::rdb_cursor in(payload.substr(0, payload.size() - 10));
    std::uint8_t type = 0;
    bool empty = false;
    const bool is_stream = type_is_stream(payload);
    if (is_stream) {
        std::uint8_t t = 0;
        result.stream_value.emplace();
        if (in.byte(t, "the value type") && load_stream(in, t, *result.stream_value) && in.remaining() != 0)
            in.fail(errc::rdb_corrupt, "bytes after the value", in.position());
    } else if (in.byte(type, "the value type") && load_value(in, type, result.value, empty, options)) {
        if (empty) in.fail(errc::rdb_corrupt, "empty container", 1);
        else if (in.remaining() != 0) in.fail(errc::rdb_corrupt, "bytes after the value", in.position());
    }
    if (in.failed()) {
        result.error = in.error() == errc::rdb_truncated ? std::error_code(errc::rdb_corrupt) : in.error();
        result.message = result.error == errc::rdb_unsupported ? in.message() : std::string(dump_payload_bad_format);
        result.detail = in.message();
    }
    return result;
}

} // namespace respkit::rdb

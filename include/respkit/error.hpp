#pragma once

/// \file
/// respkit's error codes: one enum, one std::error_category, for every layer (codec, store,
/// commands, client, rdb).

#include <respkit/version.hpp>

#include <string>
#include <system_error>

namespace respkit::inline RESPKIT_ABI_NAMESPACE {

/// Every error respkit reports. Codec errors come first, then store and command errors.
enum class errc : int {
    // --- codec: framing and syntax (parser, request_parser) ---
    invalid_type_byte = 1,   ///< a message or element starts with a byte that is no RESP type
    invalid_length,          ///< a length or count is not a canonical integer, or out of range
    invalid_integer,         ///< an integer (`:`) payload is not a canonical 64-bit integer
    invalid_double,          ///< a double (`,`) payload is not a number, inf, -inf, nan or -nan
    invalid_boolean,         ///< a boolean payload is neither `t` nor `f`
    invalid_null,            ///< a null (`_`) line has a payload
    invalid_big_number,      ///< a big number (`(`) payload is not an optionally signed digit run
    invalid_verbatim,        ///< a verbatim string is shorter than 4 bytes or lacks `xxx:`
    expected_crlf,           ///< CRLF was expected (after a bulk payload or to end a line)
    invalid_stream,          ///< a streamed-string chunk or stream end appears where none may
    bulk_too_long,           ///< a bulk length exceeds limits::max_bulk_length
    aggregate_too_large,     ///< an aggregate count exceeds limits::max_aggregate_size
    nesting_too_deep,        ///< nesting exceeds limits::max_depth
    line_too_long,           ///< a line (simple string, header, inline command) exceeds its limit
    // --- request parser: Redis's protocol errors (the reply text is request_error_message) ---
    invalid_multibulk_length, ///< `Protocol error: invalid multibulk length`
    invalid_bulk_length,      ///< `Protocol error: invalid bulk length`
    expected_dollar,          ///< `Protocol error: expected '$', got 'X'`
    unbalanced_quotes,        ///< `Protocol error: unbalanced quotes in request`
    inline_too_big,           ///< `Protocol error: too big inline request`
    mbulk_count_too_big,      ///< `Protocol error: too big mbulk count string`
    bulk_count_too_big,       ///< `Protocol error: too big bulk count string`
    unauthenticated_multibulk_length, ///< `Protocol error: unauthenticated multibulk length` (over 10 before AUTH)
    unauthenticated_bulk_length,      ///< `Protocol error: unauthenticated bulk length` (over 16384 before AUTH)
    // --- store and commands ---
    wrong_type,              ///< operation against a key holding the wrong kind of value
    not_an_integer,          ///< value is not an integer or out of range
    not_a_float,             ///< value is not a valid float
    increment_overflow,      ///< increment or decrement would overflow
    no_such_key,             ///< the key does not exist
    value_too_large,         ///< a string would exceed the maximum size (512 MB)
    syntax_error,            ///< a command's arguments do not parse
    // --- rdb: the RDB file format (rdb::load, rdb::load_dump_payload, rdb::writer) ---
    rdb_truncated,           ///< the RDB data ends before a complete item
    rdb_corrupt,             ///< the RDB data is malformed (bad signature, encoding, length, value)
    rdb_unsupported_version, ///< the RDB version is not 1..10
    rdb_unsupported,         ///< the RDB data holds what respkit does not load (module, function, stream)
    rdb_checksum,            ///< the CRC64 stored in the RDB data does not match its bytes
    rdb_stopped,             ///< a load handler stopped the load
    rdb_write_failed,        ///< the writer's sink failed, or a call was invalid
    // --- cluster: Redis Cluster's bus messages (cluster::decode_bus_message) ---
    bus_bad_signature,       ///< a bus message does not start with "RCmb"
    bus_bad_length,          ///< a bus message's total length is below the header's or over the limit
    bus_bad_version,         ///< a bus message's protocol version is not 1
    bus_malformed,           ///< a bus message's length disagrees with its type, counts or extensions
};

/// The std::error_category of respkit::errc.
class error_category_impl final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "respkit"; }

    [[nodiscard]] std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::invalid_type_byte: return "invalid RESP type byte";
        case errc::invalid_length: return "invalid length or count";
        case errc::invalid_integer: return "invalid integer";
        case errc::invalid_double: return "invalid double";
        case errc::invalid_boolean: return "invalid boolean";
        case errc::invalid_null: return "invalid null";
        case errc::invalid_big_number: return "invalid big number";
        case errc::invalid_verbatim: return "invalid verbatim string";
        case errc::expected_crlf: return "expected CRLF";
        case errc::invalid_stream: return "invalid streamed string chunk or stream end";
        case errc::bulk_too_long: return "bulk length exceeds the limit";
        case errc::aggregate_too_large: return "aggregate size exceeds the limit";
        case errc::nesting_too_deep: return "nesting exceeds the depth limit";
        case errc::line_too_long: return "line exceeds the length limit";
        case errc::invalid_multibulk_length: return "Protocol error: invalid multibulk length";
        case errc::invalid_bulk_length: return "Protocol error: invalid bulk length";
        case errc::expected_dollar: return "Protocol error: expected '$'";
        case errc::unbalanced_quotes: return "Protocol error: unbalanced quotes in request";
        case errc::inline_too_big: return "Protocol error: too big inline request";
        case errc::mbulk_count_too_big: return "Protocol error: too big mbulk count string";
        case errc::bulk_count_too_big: return "Protocol error: too big bulk count string";
        case errc::unauthenticated_multibulk_length: return "Protocol error: unauthenticated multibulk length";
        case errc::unauthenticated_bulk_length: return "Protocol error: unauthenticated bulk length";
        case errc::wrong_type:
            return "WRONGTYPE Operation against a key holding the wrong kind of value";
        case errc::not_an_integer: return "value is not an integer or out of range";
        case errc::not_a_float: return "value is not a valid float";
        case errc::increment_overflow: return "increment or decrement would overflow";
        case errc::no_such_key: return "no such key";
        case errc::value_too_large: return "string exceeds maximum allowed size (proto-max-bulk-len)";
        case errc::syntax_error: return "syntax error";
        case errc::rdb_truncated: return "unexpected end of RDB data";
        case errc::rdb_corrupt: return "corrupt RDB data";
        case errc::rdb_unsupported_version: return "unsupported RDB version";
        case errc::rdb_unsupported: return "RDB content not supported";
        case errc::rdb_checksum: return "wrong RDB checksum";
        case errc::rdb_stopped: return "RDB load stopped by its handler";
        case errc::rdb_write_failed: return "RDB write failed";
        case errc::bus_bad_signature: return "cluster bus message without the RCmb signature";
        case errc::bus_bad_length: return "cluster bus message length out of range";
        case errc::bus_bad_version: return "cluster bus protocol version is not 1";
        case errc::bus_malformed: return "cluster bus message length disagrees with its content";
        }
        return "unknown respkit error";
    }
};

/// The single instance of respkit's error category.
[[nodiscard]] inline const std::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

/// Makes std::error_code from respkit::errc (found by ADL).
[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

} // namespace respkit

template <>
struct std::is_error_code_enum<respkit::errc> : std::true_type {};

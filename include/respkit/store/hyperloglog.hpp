#pragma once

/// \file
/// respkit::store::hll: Redis's HyperLogLog as the bytes of a string value, byte for byte (the
/// "HYLL" header with its cached cardinality, the sparse run-length opcodes and the dense 6-bit
/// registers), with MurmurHash64A, the sparse-to-dense promotion and Ertl's estimator, so that
/// estimates and GET's bytes equal Redis's for the same inputs. docs/hyperloglog.md has the layout.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::store::hll {

inline constexpr int precision = 14;                          ///< index bits of the hash
inline constexpr std::size_t registers = std::size_t{1} << precision; ///< 16384 registers
inline constexpr int register_bits = 6;                       ///< bits of a dense register
inline constexpr int max_run = 64 - precision + 1;            ///< the longest "0...01" run, 51
inline constexpr std::size_t header_size = 16;                ///< "HYLL", encoding, 3 unused, 8 cache bytes
inline constexpr std::size_t dense_size = header_size + (registers * register_bits + 7) / 8; ///< 12304
inline constexpr int sparse_max_value = 32; ///< the largest register a sparse VAL opcode holds
inline constexpr std::size_t default_sparse_max_bytes = 3000; ///< hll-sparse-max-bytes's default

/// The representations, as the header's encoding byte names them.
enum class encoding : std::uint8_t { dense = 0, sparse = 1 };

/// MurmurHash64A of `bytes` with `seed`, reading the input little-endian on every machine (as
/// Redis's endian-neutral variant).
[[nodiscard]] inline std::uint64_t murmur_hash64a(std::string_view bytes, std::uint32_t seed) noexcept {
    constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
    constexpr int r = 47;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    // Redis passes the length as an int: sign-extended into the mix.
    const auto len = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<int>(bytes.size())));
    std::uint64_t h = seed ^ (len * m);
    const std::size_t blocks = bytes.size() / 8;
    for (std::size_t i = 0; i < blocks; ++i, data += 8) {
        std::uint64_t k = 0;
        for (int b = 7; b >= 0; --b) k = (k << 8) | data[b];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    const std::size_t tail = bytes.size() & 7;
    if (tail != 0) {
        for (std::size_t b = tail; b-- > 0;) h ^= std::uint64_t{data[b]} << (8 * b);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/// Where an element lands: its register and the length of its hash's "0...01" run.
struct register_update {
    std::size_t index; ///< 0 to registers - 1
    std::uint8_t run;  ///< 1 to max_run
};

/// The register `element` updates, from its MurmurHash64A with Redis's seed.
[[nodiscard]] inline register_update hash_element(std::string_view element) noexcept {
    const std::uint64_t hash = murmur_hash64a(element, 0xadc83b19u);
    const auto index = static_cast<std::size_t>(hash & (registers - 1));
    // A sentinel bit bounds the run at max_run.
    const std::uint64_t rest = (hash >> precision) | (std::uint64_t{1} << (64 - precision));
    int run = 1;
    for (std::uint64_t bit = 1; (rest & bit) == 0; bit <<= 1) ++run;
    return {index, static_cast<std::uint8_t>(run)};
}

// --- the header --------------------------------------------------------------------------

/// True when `bytes` is a HyperLogLog Redis accepts (isHLLObjectOrReply): at least a header,
/// the magic, a known encoding, and a dense one of exactly dense_size bytes.
[[nodiscard]] inline bool valid_header(std::string_view bytes) noexcept {
    if (bytes.size() < header_size || bytes.substr(0, 4) != "HYLL") return false;
    const auto enc = static_cast<unsigned char>(bytes[4]);
    if (enc > 1) return false;
    return enc != 0 || bytes.size() == dense_size;
}

/// The representation of a valid HyperLogLog.
[[nodiscard]] inline encoding encoding_of(std::string_view bytes) noexcept {
    return bytes[4] == 0 ? encoding::dense : encoding::sparse;
}

/// True when the cached cardinality is valid (the top bit of its last byte is clear).
[[nodiscard]] inline bool cache_valid(std::string_view bytes) noexcept {
    return (static_cast<unsigned char>(bytes[15]) & 0x80u) == 0;
}

/// The cached cardinality (little-endian in bytes 8 to 15).
[[nodiscard]] inline std::uint64_t cached_count(std::string_view bytes) noexcept {
    std::uint64_t card = 0;
    for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    return card;
}

/// Stores `card` as the valid cached cardinality.
inline void store_count(std::string& bytes, std::uint64_t card) noexcept {
    for (std::size_t i = 0; i < 8; ++i) bytes[8 + i] = static_cast<char>((card >> (8 * i)) & 0xFF);
}

/// Marks the cached cardinality stale (its other bits stay, as Redis leaves them).
inline void invalidate_cache(std::string& bytes) noexcept {
    bytes[15] = static_cast<char>(static_cast<unsigned char>(bytes[15]) | 0x80u);
}

// --- dense registers ---------------------------------------------------------------------

/// Register `i` of the dense registers at `regs` (12288 bytes; bits packed least significant
/// first).
[[nodiscard]] inline std::uint8_t dense_get(const unsigned char* regs, std::size_t i) noexcept {
    const std::size_t bit = i * register_bits;
    const std::size_t byte = bit / 8, shift = bit % 8;
    unsigned v = regs[byte] >> shift;
    if (shift > 8 - register_bits) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - shift);
    return static_cast<std::uint8_t>(v & 63u);
}

/// Sets register `i` of the dense registers at `regs` to `v` (< 64).
inline void dense_put(unsigned char* regs, std::size_t i, unsigned v) noexcept {
    const std::size_t bit = i * register_bits;
    const std::size_t byte = bit / 8, shift = bit % 8;
    regs[byte] = static_cast<unsigned char>((regs[byte] & ~(63u << shift)) | (v << shift));
    if (shift > 8 - register_bits) {
        const unsigned high = 8 - static_cast<unsigned>(shift);
        regs[byte + 1] = static_cast<unsigned char>((regs[byte + 1] & ~(63u >> high)) | (v >> high));
    }
}

// --- sparse opcodes ----------------------------------------------------------------------
// ZERO 00xxxxxx: 1-64 zero registers; XZERO 01xxxxxx yyyyyyyy: 1-16384 zero registers;
// VAL 1vvvvvxx: 1-4 registers holding 1-32.

/// One decoded sparse opcode.
struct sparse_op {
    enum class kind : std::uint8_t { zero, xzero, val } type;
    std::size_t span;    ///< registers covered
    std::uint8_t value;  ///< the registers' value (0 for zero runs)
    std::size_t size;    ///< opcode bytes (2 for XZERO)
};

/// The opcode at `bytes[at]` (an XZERO cut short reads its missing byte as 0).
[[nodiscard]] inline sparse_op sparse_at(std::string_view bytes, std::size_t at) noexcept {
    const auto b = static_cast<unsigned char>(bytes[at]);
    if ((b & 0x80u) != 0) return {sparse_op::kind::val, (b & 3u) + 1u, static_cast<std::uint8_t>(((b >> 2) & 31u) + 1u), 1};
    if ((b & 0xC0u) == 0) return {sparse_op::kind::zero, (b & 63u) + 1u, 0, 1};
    const unsigned low = at + 1 < bytes.size() ? static_cast<unsigned char>(bytes[at + 1]) : 0u;
    return {sparse_op::kind::xzero, (((b & 63u) << 8) | low) + 1u, 0, 2};
}

/// Appends the opcode for `len` zero registers (ZERO up to 64, else XZERO).
inline void put_zeros(std::string& out, std::size_t len) {
    if (len > 64) {
        out.push_back(static_cast<char>(0x40u | ((len - 1) >> 8)));
        out.push_back(static_cast<char>((len - 1) & 0xFFu));
    } else {
        out.push_back(static_cast<char>(len - 1));
    }
}

/// The VAL opcode for `len` (1-4) registers holding `value` (1-32).
[[nodiscard]] inline char val_op(unsigned value, std::size_t len) noexcept {
    return static_cast<char>(0x80u | ((value - 1) << 2) | static_cast<unsigned>(len - 1));
}

/// A new, empty HyperLogLog as Redis creates it: sparse, one XZERO of every register, a valid
/// cached cardinality of 0.
[[nodiscard]] inline std::string make_empty() {
    std::string bytes(header_size, '\0');
    bytes.replace(0, 5, "HYLL\x01", 5);
    put_zeros(bytes, registers);
    return bytes;
}

/// Calls `f(first, op)` for each sparse opcode of `bytes` (a valid header), in order; stops early
/// when `f` returns false. Returns the number of registers covered.
template <class F>
std::size_t for_each_sparse(std::string_view bytes, F&& f) {
    std::size_t first = 0;
    for (std::size_t at = header_size; at < bytes.size();) {
        const sparse_op op = sparse_at(bytes, at);
        if (!f(first, op)) return first;
        first += op.span;
        at += op.size;
    }
    return first;
}

/// Turns a sparse HyperLogLog into the dense one with the same registers (header and cache
/// kept, as Redis). False, leaving `bytes` alone, when the opcodes do not cover exactly every
/// register. A dense one is left as it is.
[[nodiscard]] inline bool to_dense(std::string& bytes) {
    if (encoding_of(bytes) == encoding::dense) return true;
    std::string dense(dense_size, '\0');
    std::memcpy(dense.data(), bytes.data(), header_size);
    dense[4] = 0;
    auto* regs = reinterpret_cast<unsigned char*>(dense.data() + header_size);
    bool overflow = false;
    const std::size_t covered = for_each_sparse(bytes, [&](std::size_t first, const sparse_op& op) {
        if (op.type != sparse_op::kind::val) return true;
        if (first + op.span > registers) {
            overflow = true;
            return false;
        }
        for (std::size_t i = 0; i < op.span; ++i) dense_put(regs, first + i, op.value);
        return true;
    });
    if (overflow || covered != registers) return false;
    bytes = std::move(dense);
    return true;
}

/// Merges adjacent VAL opcodes of equal value that fit one opcode, scanning at most five
/// opcodes from `from` (Redis's step after a sparse update, whose exact bytes this keeps).
inline void merge_sparse_vals(std::string& bytes, std::size_t from) {
    std::size_t at = from;
    for (int budget = 5; at < bytes.size() && budget-- > 0;) {
        const sparse_op op = sparse_at(bytes, at);
        if (op.type != sparse_op::kind::val) {
            at += op.size;
            continue;
        }
        if (at + 1 < bytes.size() && (static_cast<unsigned char>(bytes[at + 1]) & 0x80u) != 0) {
            const sparse_op next = sparse_at(bytes, at + 1);
            if (next.value == op.value && op.span + next.span <= 4) {
                bytes[at + 1] = val_op(op.value, op.span + next.span);
                bytes.erase(at, 1);
                continue; // the merged opcode may merge with the next one too
            }
        }
        ++at;
    }
}

/// Raises register `index` to `run` if it is lower: 1 when it changed, 0 when not, -1 when a
/// sparse representation is corrupt. A sparse one becomes dense when `run` exceeds what a VAL
/// opcode holds or when it would grow past `sparse_max_bytes`, exactly when Redis's does.
/// Does not touch the cached cardinality.
[[nodiscard]] inline int set_register(std::string& bytes, std::size_t index, std::uint8_t run,
                                      std::size_t sparse_max_bytes) {
    const auto dense_set = [&] {
        auto* regs = reinterpret_cast<unsigned char*>(bytes.data() + header_size);
        if (dense_get(regs, index) >= run) return 0;
        dense_put(regs, index, run);
        return 1;
    };
    if (encoding_of(bytes) == encoding::dense) return dense_set();
    const auto promote = [&] {
        if (!to_dense(bytes)) return -1;
        return dense_set();
    };
    if (run > sparse_max_value) return promote();

    // Find the opcode covering `index`, and the one before it.
    std::size_t at = header_size, prev = 0, first = 0;
    bool has_prev = false;
    sparse_op op{};
    bool found = false;
    while (at < bytes.size()) {
        op = sparse_at(bytes, at);
        if (index <= first + op.span - 1) {
            found = true;
            break;
        }
        prev = at;
        has_prev = true;
        at += op.size;
        first += op.span;
    }
    if (!found) return -1;
    const std::size_t merge_from = has_prev ? prev : header_size;

    if (op.type == sparse_op::kind::val) {
        if (op.value >= run) return 0;
        if (op.span == 1) {
            bytes[at] = val_op(run, 1);
            merge_sparse_vals(bytes, merge_from);
            return 1;
        }
    }
    if (op.type == sparse_op::kind::zero && op.span == 1) {
        bytes[at] = val_op(run, 1);
        merge_sparse_vals(bytes, merge_from);
        return 1;
    }
    // Split the run: [before] VAL(run, 1) [after], at most five bytes.
    const std::size_t last = first + op.span - 1;
    std::string seq;
    if (op.type == sparse_op::kind::val) {
        if (index != first) seq.push_back(val_op(op.value, index - first));
        seq.push_back(val_op(run, 1));
        if (index != last) seq.push_back(val_op(op.value, last - index));
    } else {
        if (index != first) put_zeros(seq, index - first);
        seq.push_back(val_op(run, 1));
        if (index != last) put_zeros(seq, last - index);
    }
    if (seq.size() > op.size && bytes.size() + (seq.size() - op.size) > sparse_max_bytes) return promote();
    bytes.replace(at, op.size, seq);
    merge_sparse_vals(bytes, merge_from);
    return 1;
}

/// Adds `element`: 1 when a register changed, 0 when not, -1 on a corrupt representation.
/// The caller invalidates the cached cardinality when it changed (as PFADD does).
[[nodiscard]] inline int add(std::string& bytes, std::string_view element, std::size_t sparse_max_bytes) {
    const register_update u = hash_element(element);
    return set_register(bytes, u.index, u.run, sparse_max_bytes);
}

/// Raises each of `max`'s registers (one byte each, `registers` of them) to this HyperLogLog's
/// (a valid header). False when a sparse representation is corrupt.
[[nodiscard]] inline bool merge_into(unsigned char* max, std::string_view bytes) {
    if (encoding_of(bytes) == encoding::dense) {
        const auto* regs = reinterpret_cast<const unsigned char*>(bytes.data() + header_size);
        for (std::size_t i = 0; i < registers; ++i) {
            const std::uint8_t v = dense_get(regs, i);
            if (v > max[i]) max[i] = v;
        }
        return true;
    }
    bool overflow = false;
    const std::size_t covered = for_each_sparse(bytes, [&](std::size_t first, const sparse_op& op) {
        if (op.type != sparse_op::kind::val) return true;
        if (first + op.span > registers) {
            overflow = true;
            return false;
        }
        for (std::size_t i = 0; i < op.span; ++i) {
            if (op.value > max[first + i]) max[first + i] = op.value;
        }
        return true;
    });
    return !overflow && covered == registers;
}

/// Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
/// sketches", 2017) over the histogram of register values, as Redis 7 computes it.
[[nodiscard]] inline std::uint64_t estimate(const std::uint64_t (&histogram)[64]) noexcept {
    const double m = static_cast<double>(registers);
    const auto sigma = [](double x) {
        if (x == 1.0) return HUGE_VAL;
        double y = 1, z = x, previous = 0;
        do {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        } while (previous != z);
        return z;
    };
    const auto tau = [](double x) {
        if (x == 0.0 || x == 1.0) return 0.0;
        double y = 1.0, z = 1 - x, previous = 0;
        do {
            x = std::sqrt(x);
            previous = z;
            y *= 0.5;
            z -= std::pow(1 - x, 2) * y;
        } while (previous != z);
        return z / 3;
    };
    double z = m * tau((m - static_cast<double>(histogram[max_run])) / m);
    for (int j = max_run - 1; j >= 1; --j) {
        z += static_cast<double>(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(static_cast<double>(histogram[0]) / m);
    constexpr double alpha_inf = 0.721347520444481703680; // 1 / (2 ln 2)
    return static_cast<std::uint64_t>(std::llround(alpha_inf * m * m / z));
}

/// The estimated cardinality of a HyperLogLog (a valid header), ignoring the cache; nullopt when
/// a sparse representation does not cover exactly every register.
[[nodiscard]] inline std::optional<std::uint64_t> count(std::string_view bytes) {
    std::uint64_t histogram[64] = {};
    if (encoding_of(bytes) == encoding::dense) {
        const auto* regs = reinterpret_cast<const unsigned char*>(bytes.data() + header_size);
        for (std::size_t i = 0; i < registers; ++i) ++histogram[dense_get(regs, i)];
    } else {
        const std::size_t covered = for_each_sparse(bytes, [&](std::size_t, const sparse_op& op) {
            histogram[op.value] += op.span;
            return true;
        });
        if (covered != registers) return std::nullopt;
    }
    return estimate(histogram);
}

/// The estimated cardinality of `max`'s registers (one byte each, PFCOUNT's union of keys).
[[nodiscard]] inline std::uint64_t count_registers(const unsigned char* max) noexcept {
    std::uint64_t histogram[64] = {};
    for (std::size_t i = 0; i < registers; ++i) ++histogram[max[i] & 63u];
    return estimate(histogram);
}

/// PFDEBUG DECODE's text of a sparse representation: "z:len", "Z:len", "v:value,len" separated
/// by spaces.
[[nodiscard]] inline std::string decode_sparse(std::string_view bytes) {
    std::string out;
    for_each_sparse(bytes, [&](std::size_t, const sparse_op& op) {
        if (!out.empty()) out.push_back(' ');
        switch (op.type) {
        case sparse_op::kind::zero: out += "z:" + std::to_string(op.span); break;
        case sparse_op::kind::xzero: out += "Z:" + std::to_string(op.span); break;
        case sparse_op::kind::val: out += "v:" + std::to_string(op.value) + "," + std::to_string(op.span); break;
        }
        return true;
    });
    return out;
}

} // namespace respkit::store::hll

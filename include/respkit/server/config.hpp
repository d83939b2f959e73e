#pragma once

/// \file
/// Server configuration as CONFIG GET / CONFIG SET see it: every parameter Redis 7.0 has, with
/// typed validation and Redis's error texts, change hooks for the ones a server acts on (hz,
/// maxclients, ...), and restrictions refusing the values a server does not implement.

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/detail/ascii.hpp"
#include "respkit/server/config_defaults.hpp"
#include "respkit/glob.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

namespace detail {

[[nodiscard]] constexpr bool config_iequals(std::string_view a, std::string_view b) noexcept {
    return respkit::detail::ascii_iequals(a, b);
}

[[nodiscard]] inline std::string config_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// Splits on runs of spaces (Redis's sdssplitargs without its quoting, enough for the
/// multi-value parameters).
[[nodiscard]] inline std::vector<std::string_view> config_words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

/// Redis's memtoull: digits and an optional unit (b, k, kb, m, mb, g, gb; any case);
/// saturates at UINT64_MAX as strtoull does. False when it is not a memory value.
[[nodiscard]] inline bool parse_memory(std::string_view text, std::uint64_t& out) noexcept {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0) return false;
    const std::string unit = config_lower(text.substr(digits));
    std::uint64_t mul = 1;
    if (unit.empty() || unit == "b") mul = 1;
    else if (unit == "k") mul = 1000;
    else if (unit == "kb") mul = 1024;
    else if (unit == "m") mul = 1000ull * 1000;
    else if (unit == "mb") mul = 1024ull * 1024;
    else if (unit == "g") mul = 1000ull * 1000 * 1000;
    else if (unit == "gb") mul = 1024ull * 1024 * 1024;
    else return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const auto d = static_cast<std::uint64_t>(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            v = UINT64_MAX;
            break;
        }
        v = v * 10 + d;
    }
    out = v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
    return true;
}

/// Calls f(value) for each comma-separated value of an enumeration list.
template <class F>
void for_each_listed(std::string_view list, F&& f) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        f(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

[[nodiscard]] inline std::string joined_list(std::string_view list) {
    std::string out;
    for_each_listed(list, [&](std::string_view v) {
        if (!out.empty()) out += ", ";
        out += v;
    });
    return out;
}

[[nodiscard]] inline bool parse_percentile(std::string_view text, double& out) {
    if (text.empty()) return false;
    const std::string copy(text);
    char* end = nullptr;
    errno = 0;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && errno == 0;
}

// notify-keyspace-events classes, in the order Redis prints them.
inline constexpr std::string_view keyspace_event_classes = "g$lshzxetd";

} // namespace detail

/// How config_table::set() treats a value.
enum class config_set_mode : std::uint8_t {
    runtime, ///< CONFIG SET: immutable and protected parameters refused, restrictions checked
    startup, ///< a start-up option: immutable and protected parameters allowed, restrictions checked
    loading, ///< a configuration being loaded: as startup, but restrictions are left to violations()
};

template <class = void>
class basic_config_table;
/// Every Redis configuration parameter with its current value. Not thread-safe: one event loop
/// owns it.
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using config_table = basic_config_table<>;

template <class>
class basic_config_table {
public:
    /// A parameter and its current value.
    struct parameter {
        const config_param_info* info; ///< name, type, default, bounds
        std::string value;             ///< as CONFIG GET shows it
    };
    /// Reacts to a new value of a parameter (already validated and normalized): returns "" to
    /// accept it, or an error text to refuse it (CONFIG SET then restores every value it set).
    using change_hook = std::function<std::string(std::string_view value)>;
    /// The values a server accepts for a parameter, and why others are refused.
    struct restriction {
        std::vector<std::string> accepted; ///< normalized values (as CONFIG GET shows them)
        std::string reason;                ///< what is missing, e.g. "the append-only file is not implemented"
    };
    /// A parameter whose value a restriction refuses (see violations()).
    struct violation {
        std::string name;   ///< canonical name
        std::string value;  ///< its value
        std::string reason; ///< the refusal's text: the reason and the accepted values
    };

    /// Every parameter at its default; `dir` is the working directory.
    basic_config_table() {
        for (const config_param_info& info : redis_config_parameters) {
            m_params.push_back({&info, std::string(info.default_value)});
        }
        for (std::size_t i = 0; i < m_params.size(); ++i) {
            m_index.emplace(std::string(m_params[i].info->name), i);
            if (!m_params[i].info->alias.empty()) m_index.emplace(std::string(m_params[i].info->alias), i);
        }
        std::string cwd(4096, '\0');
        if (::getcwd(cwd.data(), cwd.size()) != nullptr) {
            cwd.resize(std::char_traits<char>::length(cwd.c_str()));
            find_mutable("dir")->value = cwd;
            m_default_dir = cwd;
        }
    }

    /// The parameter called `name` (or its alias; any case), or nullptr.
    [[nodiscard]] const parameter* find(std::string_view name) const {
        const auto it = m_index.find(detail::config_lower(name));
        return it == m_index.end() ? nullptr : &m_params[it->second];
    }
    /// Every parameter, in name order.
    [[nodiscard]] const std::vector<parameter>& parameters() const noexcept { return m_params; }

    /// The value of `name`, or "" when there is no such parameter.
    [[nodiscard]] std::string_view get(std::string_view name) const {
        const parameter* p = find(name);
        return p == nullptr ? std::string_view() : std::string_view(p->value);
    }
    /// The value of an integer or memory parameter (0 when not a number).
    [[nodiscard]] std::int64_t get_integer(std::string_view name) const {
        std::int64_t v = 0;
        if (!respkit::detail::parse_int64(get(name), v)) {
            std::uint64_t u = 0;
            if (detail::parse_memory(get(name), u)) v = u > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(u);
        }
        return v;
    }
    /// The value of a boolean parameter.
    [[nodiscard]] bool get_bool(std::string_view name) const { return get(name) == "yes"; }
    /// The default value of `name` ("" when there is no such parameter; `dir`'s is the working
    /// directory when the table was made).
    [[nodiscard]] std::string_view default_value(std::string_view name) const {
        const parameter* p = find(name);
        if (p == nullptr) return {};
        return p->info->name == "dir" ? std::string_view(m_default_dir) : p->info->default_value;
    }

    /// The configuration file the values came from (absolute path), or "" (CONFIG REWRITE and
    /// INFO's config_file use it).
    [[nodiscard]] const std::string& config_file() const noexcept { return m_config_file; }
    /// Records the configuration file the values came from.
    void set_config_file(std::string path) { m_config_file = std::move(path); }

    /// Replaces the value of `name` without validation, restrictions or hooks: for values the
    /// server learns itself (the working directory after `dir`, a port). False when unknown.
    bool store(std::string_view name, std::string value) {
        parameter* p = find_mutable(name);
        if (p == nullptr) return false;
        p->value = std::move(value);
        return true;
    }

    /// CONFIG GET: the (name, value) pairs matching any of `patterns` (globs, any case), each
    /// parameter once. A pattern without glob characters names a parameter and is echoed as
    /// written (Redis does the same); aliases match as names of their own.
    [[nodiscard]] std::vector<std::pair<std::string, std::string_view>> get_matching(
        std::span<const std::string_view> patterns) const {
        std::vector<std::pair<std::string, std::string_view>> out;
        auto seen = [&](std::string_view name) {
            for (const auto& [n, v] : out) {
                if (detail::config_iequals(n, name)) return true;
            }
            return false;
        };
        for (const std::string_view pattern : patterns) {
            if (pattern.find_first_of("*?[") == std::string_view::npos) {
                const parameter* p = find(pattern);
                if (p != nullptr && !seen(pattern)) out.emplace_back(std::string(pattern), p->value);
                continue;
            }
            for (const parameter& p : m_params) {
                for (const std::string_view name : {p.info->name, p.info->alias}) {
                    if (name.empty() || !glob_match(pattern, name, true) || seen(name)) continue;
                    out.emplace_back(std::string(name), p.value);
                }
            }
        }
        return out;
    }

    /// Checks `input` against `info`'s type; on success stores the value as CONFIG GET will
    /// show it in `normalized` and returns "", otherwise returns Redis's reason (e.g.
    /// "argument must be 'yes' or 'no'").
    /// `current` is the parameter's value now (client-output-buffer-limit keeps the classes
    /// a new value does not name).
    [[nodiscard]] static std::string validate(const config_param_info& info, std::string_view input,
                                              std::string& normalized, std::string_view current = {}) {
        switch (info.kind) {
        case config_kind::boolean:
            if (detail::config_iequals(input, "yes") || detail::config_iequals(input, "no")) {
                normalized = detail::config_lower(input);
                return {};
            }
            return "argument must be 'yes' or 'no'";
        case config_kind::integer: {
            std::int64_t v = 0;
            if (!respkit::detail::parse_int64(input, v)) return "argument couldn't be parsed into an integer";
            if (v < info.min || (v >= 0 && static_cast<std::uint64_t>(v) > info.max)) return range_error(info);
            normalized = std::to_string(v);
            return {};
        }
        case config_kind::memory: {
            std::uint64_t v = 0;
            if (!detail::parse_memory(input, v)) return "argument must be a memory value";
            if (static_cast<std::int64_t>(v < INT64_MAX ? v : INT64_MAX) < info.min || v > info.max) {
                return range_error(info);
            }
            normalized = std::to_string(v);
            return {};
        }
        case config_kind::enumeration: {
            std::string found;
            detail::for_each_listed(info.values, [&](std::string_view v) {
                if (found.empty() && detail::config_iequals(v, input)) found = std::string(v);
            });
            if (found.empty()) return "argument(s) must be one of the following: " + detail::joined_list(info.values);
            normalized = std::move(found);
            return {};
        }
        case config_kind::flags: return validate_flags(info, input, normalized);
        case config_kind::string: normalized = std::string(input); return {};
        case config_kind::special: return validate_special(info, input, normalized, current);
        }
        return "unknown parameter type";
    }

    /// CONFIG SET name value [name value ...]: all or nothing. Returns "" on success or the
    /// error reply's text (without '-'). With `startup`, immutable and protected parameters may
    /// be set too (command-line options, as redis-server's).
    [[nodiscard]] std::string set(std::span<const std::string_view> pairs, bool startup = false) {
        return set(pairs, startup ? config_set_mode::startup : config_set_mode::runtime);
    }
    /// CONFIG SET name value [name value ...] in `mode` (see config_set_mode).
    [[nodiscard]] std::string set(std::span<const std::string_view> pairs, config_set_mode mode) {
        const bool startup = mode != config_set_mode::runtime;
        if (pairs.size() % 2 != 0) return "ERR syntax error";
        std::vector<std::pair<parameter*, std::string>> changes;
        for (std::size_t i = 0; i < pairs.size(); i += 2) {
            parameter* p = find_mutable(pairs[i]);
            if (p == nullptr) {
                return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(pairs[i]) + "'";
            }
            if (!startup && has_flag(*p->info, config_flag::immutable)) {
                return failed(pairs[i], "can't set immutable config");
            }
            if (!startup && has_flag(*p->info, config_flag::protected_config)) {
                return failed(pairs[i], "can't set protected config");
            }
            for (std::size_t j = 0; j < i; j += 2) {
                if (detail::config_iequals(pairs[j], pairs[i])) return failed(pairs[i], "duplicate parameter");
            }
        }
        for (std::size_t i = 0; i < pairs.size(); i += 2) {
            parameter* p = find_mutable(pairs[i]);
            std::string normalized;
            if (std::string why = validate(*p->info, pairs[i + 1], normalized, p->value); !why.empty()) {
                return failed(pairs[i], why);
            }
            if (mode != config_set_mode::loading) {
                if (std::string why = refusal(p->info->name, normalized); !why.empty()) return failed(pairs[i], why);
            }
            changes.emplace_back(p, std::move(normalized));
        }
        std::vector<std::pair<parameter*, std::string>> previous;
        for (std::size_t k = 0; k < changes.size(); ++k) {
            auto& [p, value] = changes[k];
            previous.emplace_back(p, p->value);
            p->value = value;
            std::string why = run_hooks(*p);
            if (!why.empty()) {
                // Put every value back (and tell the hooks), as Redis restores on apply failure.
                for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
                    it->first->value = it->second;
                    (void)run_hooks(*it->first);
                }
                return failed(pairs[2 * k], why);
            }
        }
        return {};
    }
    /// Sets one parameter (see set()).
    [[nodiscard]] std::string set(std::string_view name, std::string_view value, bool startup = false) {
        const std::string_view pair[] = {name, value};
        return set(pair, startup);
    }
    /// Sets one parameter in `mode` (see set()).
    [[nodiscard]] std::string set(std::string_view name, std::string_view value, config_set_mode mode) {
        const std::string_view pair[] = {name, value};
        return set(pair, mode);
    }

    /// Accepts only `accepted` values of `name` from now on (normalized, as CONFIG GET shows
    /// them): others are refused by CONFIG SET and start-up options with `reason`, and listed
    /// by violations(). For parameters a server does not implement beyond those values.
    void accept_only(std::string_view name, std::vector<std::string> accepted, std::string reason) {
        if (const parameter* p = find(name)) {
            m_restrictions[std::string(p->info->name)] = {std::move(accepted), std::move(reason)};
        }
    }
    /// The restriction on `name` (or its alias), or nullptr.
    [[nodiscard]] const restriction* restriction_of(std::string_view name) const {
        const parameter* p = find(name);
        if (p == nullptr) return nullptr;
        const auto it = m_restrictions.find(p->info->name);
        return it == m_restrictions.end() ? nullptr : &it->second;
    }
    /// Why `value` of `name` is refused ("" when it is accepted): the restriction's reason and
    /// the accepted values.
    [[nodiscard]] std::string refusal(std::string_view name, std::string_view value) const {
        const restriction* r = restriction_of(name);
        if (r == nullptr) return {};
        std::string list;
        for (const std::string& a : r->accepted) {
            if (a == value) return {};
            list += list.empty() ? "\"" : ", \"";
            list += a;
            list += '"';
        }
        return r->reason + (r->accepted.size() == 1 ? " (accepted: " : " (accepted values: ") + list + ")";
    }
    /// Every parameter whose value its restriction refuses (after loading a configuration), in
    /// name order.
    [[nodiscard]] std::vector<violation> violations() const {
        std::vector<violation> out;
        for (const parameter& p : m_params) {
            if (std::string why = refusal(p.info->name, p.value); !why.empty()) {
                out.push_back({std::string(p.info->name), p.value, std::move(why)});
            }
        }
        return out;
    }

    /// Calls `hook` whenever `name` gets a new value (CONFIG SET or set()); it may refuse it.
    /// Several hooks per parameter run in registration order.
    void on_change(std::string_view name, change_hook hook) {
        if (const parameter* p = find(name)) m_hooks[std::string(p->info->name)].push_back(std::move(hook));
    }
    /// Runs every hook with its parameter's current value, as if it had just been set: values
    /// stored before their hooks were registered take effect (or are refused). Returns "" or
    /// the first refusal as "name: reason".
    [[nodiscard]] std::string reapply() {
        for (parameter& p : m_params) {
            if (std::string why = run_hooks(p); !why.empty()) return std::string(p.info->name) + ": " + why;
        }
        return {};
    }

private:
    [[nodiscard]] static bool has_flag(const config_param_info& info, config_flag f) noexcept {
        return (static_cast<unsigned>(info.flags) & static_cast<unsigned>(f)) != 0;
    }
    [[nodiscard]] static std::string failed(std::string_view name, std::string_view why) {
        return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
               std::string(why);
    }
    [[nodiscard]] static std::string range_error(const config_param_info& info) {
        return "argument must be between " + std::to_string(info.min) + " and " + std::to_string(info.max) +
               " inclusive";
    }

    [[nodiscard]] parameter* find_mutable(std::string_view name) {
        const auto it = m_index.find(detail::config_lower(name));
        return it == m_index.end() ? nullptr : &m_params[it->second];
    }

    std::string run_hooks(parameter& p) {
        // Redis clamps hz into [1, 500] when applying it.
        if (p.info->name == "hz") {
            std::int64_t hz = 0;
            (void)respkit::detail::parse_int64(p.value, hz);
            if (hz < 1) p.value = "1";
            if (hz > 500) p.value = "500";
        }
        const auto it = m_hooks.find(p.info->name);
        if (it == m_hooks.end()) return {};
        for (const change_hook& hook : it->second) {
            if (std::string why = hook(p.value); !why.empty()) return why;
        }
        return {};
    }

    static std::string validate_flags(const config_param_info& info, std::string_view input, std::string& normalized) {
        const auto words = detail::config_words(input);
        std::vector<bool> chosen;
        std::vector<std::string_view> names;
        detail::for_each_listed(info.values, [&](std::string_view v) { names.push_back(v); });
        chosen.resize(names.size());
        if (words.empty()) return "argument(s) must be one of the following: " + detail::joined_list(info.values);
        for (const std::string_view w : words) {
            bool found = false;
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (detail::config_iequals(names[i], w)) chosen[i] = found = true;
            }
            if (!found) return "argument(s) must be one of the following: " + detail::joined_list(info.values);
        }
        auto is = [&](std::string_view n) {
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (names[i] == n) return static_cast<bool>(chosen[i]);
            }
            return false;
        };
        if (is("save") && is("nosave")) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        normalized.clear();
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (!chosen[i] || (names[i] == "default" && words.size() > 1)) continue;
            if (!normalized.empty()) normalized += ' ';
            normalized += names[i];
        }
        return {};
    }

    static std::string validate_special(const config_param_info& info, std::string_view input,
                                        std::string& normalized, std::string_view current) {
        const std::string_view syntax = info.values;
        const auto words = detail::config_words(input);
        if (syntax == "save") {
            if (words.size() % 2 != 0) return "Invalid save parameters";
            normalized.clear();
            for (std::size_t i = 0; i < words.size(); ++i) {
                const std::string_view w = words[i];
                std::int64_t v = 0;
                // As Redis: seconds at least 1, changes at least 0.
                if (!respkit::detail::parse_int64(w, v) || v < (i % 2 == 0 ? 1 : 0) || v > INT_MAX) {
                    return "Invalid save parameters";
                }
                if (!normalized.empty()) normalized += ' ';
                normalized += std::to_string(v);
            }
            return {};
        }
        if (syntax == "keyspace_events") {
            std::string classes;
            bool all = false, keyspace = false, keyevent = false, miss = false, newkey = false;
            for (const char c : input) {
                if (c == 'A') all = true;
                else if (c == 'K') keyspace = true;
                else if (c == 'E') keyevent = true;
                else if (c == 'm') miss = true;
                else if (c == 'n') newkey = true;
                else if (detail::keyspace_event_classes.find(c) != std::string_view::npos) classes += c;
                else return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            }
            normalized.clear();
            bool every = all;
            if (!every) {
                every = true;
                for (const char c : detail::keyspace_event_classes) every = every && classes.find(c) != std::string::npos;
            }
            // As Redis's keyspaceEventsFlagsToString: "A" hides n (which stays on).
            if (every) normalized += 'A';
            else {
                for (const char c : detail::keyspace_event_classes) {
                    if (classes.find(c) != std::string::npos) normalized += c;
                }
                if (newkey) normalized += 'n';
            }
            if (keyspace) normalized += 'K';
            if (keyevent) normalized += 'E';
            if (miss) normalized += 'm';
            return {};
        }
        if (syntax == "client_output_buffer_limit") {
            if (words.size() % 4 != 0 || words.empty()) return "Wrong number of arguments in buffer limit configuration.";
            // Start from the current classes so unspecified ones keep their limits.
            static constexpr std::string_view classes[] = {"normal", "slave", "pubsub"};
            std::string values[3][3] = {{"0", "0", "0"}, {"268435456", "67108864", "60"}, {"33554432", "8388608", "60"}};
            const auto now = detail::config_words(current);
            for (std::size_t i = 0; i + 3 < now.size(); i += 4) {
                for (std::size_t c = 0; c < 3; ++c) {
                    if (now[i] != classes[c]) continue;
                    for (std::size_t k = 0; k < 3; ++k) values[c][k] = std::string(now[i + 1 + k]);
                }
            }
            for (std::size_t i = 0; i < words.size(); i += 4) {
                std::size_t cls = 3;
                const std::string lower = detail::config_lower(words[i]);
                if (lower == "normal") cls = 0;
                else if (lower == "slave" || lower == "replica") cls = 1;
                else if (lower == "pubsub") cls = 2;
                if (cls == 3) return "Invalid client class specified in buffer limit configuration.";
                std::uint64_t hard = 0, soft = 0;
                std::int64_t seconds = 0;
                if (!detail::parse_memory(words[i + 1], hard) || !detail::parse_memory(words[i + 2], soft) ||
                    !respkit::detail::parse_int64(words[i + 3], seconds) || seconds < 0) {
                    return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                }
                values[cls][0] = std::to_string(hard);
                values[cls][1] = std::to_string(soft);
                values[cls][2] = std::to_string(seconds);
            }
            normalized.clear();
            for (std::size_t c = 0; c < 3; ++c) {
                if (c != 0) normalized += ' ';
                normalized += std::string(classes[c]) + ' ' + values[c][0] + ' ' + values[c][1] + ' ' + values[c][2];
            }
            return {};
        }
        if (syntax == "oom_score_adj_values") {
            if (words.size() != 3) return "wrong number of arguments";
            normalized.clear();
            for (const std::string_view w : words) {
                std::int64_t v = 0;
                if (!respkit::detail::parse_int64(w, v) || v < -2000 || v > 2000) {
                    return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
                }
                if (!normalized.empty()) normalized += ' ';
                normalized += std::to_string(v);
            }
            return {};
        }
        if (syntax == "percentiles") {
            normalized.clear();
            for (const std::string_view w : words) {
                double v = 0;
                if (!detail::parse_percentile(w, v)) return "Invalid latency-tracking-info-percentiles parameters";
                if (v < 0.0 || v > 100.0) return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
                // Shown as "%f" without trailing zeros ("99.9", "50").
                char buf[400];
                const int m = std::snprintf(buf, sizeof buf, "%f", v);
                std::string text(buf, static_cast<std::size_t>(m));
                while (!text.empty() && text.back() == '0') text.pop_back();
                if (!text.empty() && text.back() == '.') text.pop_back();
                if (!normalized.empty()) normalized += ' ';
                normalized += text;
            }
            return {};
        }
        if (syntax == "memory_or_percent") {
            if (!input.empty() && input.back() == '%') {
                std::int64_t pct = 0;
                if (!respkit::detail::parse_int64(input.substr(0, input.size() - 1), pct) || pct < 0) {
                    return "argument must be a memory or percent value";
                }
                if (pct > 100) return "percentage argument must be less or equal to 100";
                normalized = pct == 0 ? std::string("0") : std::to_string(pct) + "%";
                return {};
            }
            std::uint64_t v = 0;
            if (!detail::parse_memory(input, v)) return "argument must be a memory or percent value";
            if (v > INT64_MAX) return "percentage argument must be less or equal to 100";
            normalized = std::to_string(v);
            return {};
        }
        if (syntax == "hostname") {
            for (const char c : input) {
                const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                                c == '.';
                if (!ok) return "Hostnames may only contain alphanumeric characters, hyphens or dots";
            }
            normalized = std::string(input);
            return {};
        }
        if (syntax == "octal") {
            if (input.empty() || input.find_first_not_of("01234567") != std::string_view::npos) {
                return "argument couldn't be parsed as an octal number";
            }
            unsigned long long v = 0;
            for (const char c : input) {
                v = v * 8 + static_cast<unsigned>(c - '0');
                if (v > 0777) return "argument must be between 0 and 777 inclusive";
            }
            char buf[8];
            const int n = std::snprintf(buf, sizeof buf, "%llo", v);
            normalized.assign(buf, static_cast<std::size_t>(n));
            return {};
        }
        if (syntax == "replicaof") {
            if (words.size() != 2) return "wrong number of arguments";
            if (detail::config_iequals(words[0], "no") && detail::config_iequals(words[1], "one")) {
                normalized.clear();
                return {};
            }
            std::int64_t port = 0;
            if (!respkit::detail::parse_int64(words[1], port) || port < 0 || port > 65535) return "Invalid master port";
            normalized = std::string(words[0]) + ' ' + std::to_string(port);
            return {};
        }
        if (syntax == "bind") {
            if (words.size() > 16) return "Too many bind addresses specified.";
            normalized.clear();
            for (const std::string_view w : words) {
                if (!normalized.empty()) normalized += ' ';
                normalized += w;
            }
            return {};
        }
        if (syntax == "proc_title") {
            // Redis expands the template with an empty title and refuses unknown variables,
            // unbalanced braces, and templates that expand to nothing.
            std::string expanded;
            for (std::size_t i = 0; i < input.size(); ++i) {
                if (input[i] == '}') return "template format is invalid or contains unknown variables";
                if (input[i] != '{') {
                    expanded += input[i];
                    continue;
                }
                const std::size_t close = input.find('}', i);
                if (close == std::string_view::npos) return "template format is invalid or contains unknown variables";
                const std::string_view var = input.substr(i + 1, close - i - 1);
                if (var == "listen-addr") expanded += "127.0.0.1:6379";
                else if (var == "port" || var == "tls-port") expanded += "0";
                else if (var != "title" && var != "server-mode" && var != "unixsocket" && var != "config-file") {
                    return "template format is invalid or contains unknown variables";
                }
                i = close;
            }
            if (expanded.find_first_not_of(' ') == std::string::npos) {
                return "template format is invalid or contains unknown variables";
            }
            normalized = std::string(input);
            return {};
        }
        normalized = std::string(input); // protected strings (dir, dbfilename)
        return {};
    }

    std::vector<parameter> m_params;
    std::map<std::string, std::size_t, std::less<>> m_index;
    std::map<std::string, std::vector<change_hook>, std::less<>> m_hooks;
    std::map<std::string, restriction, std::less<>> m_restrictions;
    std::string m_config_file;
    std::string m_default_dir;
};

} // namespace respkit::server

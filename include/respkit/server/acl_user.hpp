#pragma once

/// \file
/// An ACL user as Redis 7.0 has it: flags (on/off, nopass), SHA-256 password hashes, and
/// selectors (the root one and those given in parentheses), each allowing commands, key
/// patterns (`~`, `%R~`, `%W~`) and channel patterns (`&`). Rules apply one at a time
/// (`acl_user::apply`) and a user describes itself back as rules (`acl_user::describe`).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "respkit/detail/ascii.hpp"
#include "respkit/detail/sha256.hpp"
#include "respkit/detail/split_args.hpp"
#include "respkit/glob.hpp"
#include "respkit/server/acl_catalog.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// Why an ACL rule was refused (Redis's errno values in ACLSetUser).
enum class acl_rule_error : std::uint8_t {
    none,             ///< applied
    syntax,           ///< EINVAL
    unknown_command,  ///< ENOENT
    key_after_all,    ///< EEXIST
    channel_after_all,///< EISDIR
    no_such_password, ///< ENODEV
    bad_hash,         ///< EBADMSG
    first_arg_of_sub, ///< ECHILD
};

/// Redis's text for an acl_rule_error (ACLSetUserStringError).
[[nodiscard]] inline std::string_view acl_rule_error_message(acl_rule_error e) noexcept {
    switch (e) {
    case acl_rule_error::unknown_command: return "Unknown command or category name in ACL";
    case acl_rule_error::syntax: return "Syntax error";
    case acl_rule_error::key_after_all:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
               "effect. Try 'resetkeys' to start with an empty list of patterns";
    case acl_rule_error::channel_after_all:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have "
               "any effect. Try 'resetchannels' to start with an empty list of channels";
    case acl_rule_error::no_such_password:
        return "The password you are trying to remove from the user does not exist";
    case acl_rule_error::bad_hash:
        return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    case acl_rule_error::first_arg_of_sub: return "Allowing first-arg of a subcommand is not supported";
    case acl_rule_error::none: break;
    }
    return "Wrong format";
}

/// Why a command was denied (Redis's ACL_DENIED_*; the order is Redis's, used to pick the error
/// reported among several selectors).
enum class acl_denial : std::uint8_t {
    none = 0,    ///< allowed
    command = 1, ///< the command (or subcommand) is not allowed
    key = 2,     ///< a key is not among the allowed patterns
    auth = 3,    ///< a failed authentication (ACL LOG only)
    channel = 4, ///< a channel is not among the allowed patterns
};

/// What a key pattern allows.
enum acl_key_access : unsigned { acl_read = 1, acl_write = 2, acl_read_write = 3 };

/// A key pattern: `~p` (read and write), `%R~p`, `%W~p`.
struct acl_key_pattern {
    std::string pattern; ///< glob pattern
    unsigned access = acl_read_write; ///< acl_key_access bits
};

template <class = void>
struct basic_acl_selector;
/// A set of permissions: commands, keys and channels. A user passes a check when one of its
/// selectors does.
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using acl_selector = basic_acl_selector<>;

template <class>
struct basic_acl_selector {
    bool root = false;         ///< the user's own selector (not in parentheses)
    bool all_keys = false;     ///< `allkeys`, `~*`
    bool all_channels = false; ///< `allchannels`, `&*`
    bool all_commands = false; ///< `allcommands`, `+@all`, until a command is removed
    /// Commands beyond `allowed`'s size (commands added later) are allowed: set by `+@all`, kept
    /// until `-@all` (Redis's reserved bit for future commands).
    bool future_commands = false;
    std::vector<bool> allowed{};                          ///< by command id
    std::map<std::size_t, std::vector<std::string>> first_args{}; ///< `+select|0`: first arguments allowed
    std::vector<acl_key_pattern> keys{};                  ///< unless all_keys
    std::vector<std::string> channels{};                  ///< unless all_channels

    /// True when the command `id` is allowed (first arguments aside).
    [[nodiscard]] bool allows(std::size_t id) const noexcept {
        return id < allowed.size() ? static_cast<bool>(allowed[id]) : future_commands;
    }
    /// Sets the bit of command `id` (Redis's ACLSetSelectorCommandBit).
    void set_bit(std::size_t id, bool on) {
        if (id >= allowed.size()) allowed.resize(id + 1, future_commands);
        allowed[id] = on;
        if (!on) all_commands = false;
    }
    /// Allows or denies a command and its subcommands (ACLChangeSelectorPerm).
    void change(const acl_catalog& catalog, std::size_t id, bool on) {
        set_bit(id, on);
        first_args.erase(id);
        for (const std::size_t sub : catalog[id].subcommands) {
            if (catalog[sub].present) set_bit(sub, on);
        }
    }
    /// Allows or denies every command of a category (`+@read`, `-@dangerous`).
    void change_category(const acl_catalog& catalog, std::uint32_t category, bool on) {
        for (std::size_t id = 0; id < catalog.size(); ++id) {
            if (catalog[id].present && (catalog[id].categories & category) != 0) change(catalog, id, on);
        }
    }
    /// Counts the commands of `category` allowed (`on`) and not (`off`).
    void count_category(const acl_catalog& catalog, std::uint32_t category, std::size_t& on, std::size_t& off) const {
        on = off = 0;
        for (std::size_t id = 0; id < catalog.size(); ++id) {
            if (!catalog[id].present || (catalog[id].categories & category) == 0) continue;
            ++(allows(id) ? on : off);
        }
    }
    /// Allows everything (`+@all`) or nothing (`-@all`).
    void set_all(bool on, const acl_catalog& catalog) {
        future_commands = on;
        all_commands = on;
        allowed.assign(catalog.size(), on);
        first_args.clear();
    }

    /// Applies one selector rule (Redis's ACLSetSelector).
    acl_rule_error apply(std::string_view op, const acl_catalog& catalog) {
        using respkit::detail::ascii_iequals;
        if (ascii_iequals(op, "allkeys") || op == "~*") {
            all_keys = true;
            keys.clear();
        } else if (ascii_iequals(op, "resetkeys")) {
            all_keys = false;
            keys.clear();
        } else if (ascii_iequals(op, "allchannels") || op == "&*") {
            all_channels = true;
            channels.clear();
        } else if (ascii_iequals(op, "resetchannels")) {
            all_channels = false;
            channels.clear();
        } else if (ascii_iequals(op, "allcommands") || ascii_iequals(op, "+@all")) {
            set_all(true, catalog);
        } else if (ascii_iequals(op, "nocommands") || ascii_iequals(op, "-@all")) {
            set_all(false, catalog);
        } else if (op[0] == '~' || op[0] == '%') {
            if (all_keys) return acl_rule_error::key_after_all;
            unsigned access = 0;
            std::size_t offset = 1;
            if (op[0] == '%') {
                for (; offset < op.size(); ++offset) {
                    const char c = respkit::detail::ascii_upper(op[offset]);
                    if (c == 'R' && (access & acl_read) == 0) {
                        access |= acl_read;
                    } else if (c == 'W' && (access & acl_write) == 0) {
                        access |= acl_write;
                    } else if (op[offset] == '~') {
                        ++offset;
                        break;
                    } else {
                        return acl_rule_error::syntax;
                    }
                }
            } else {
                access = acl_read_write;
            }
            const std::string_view pattern = op.substr(std::min(offset, op.size()));
            if (has_spaces(pattern)) return acl_rule_error::syntax;
            const auto it = std::find_if(keys.begin(), keys.end(),
                                         [&](const acl_key_pattern& k) { return k.pattern == pattern; });
            if (it == keys.end()) keys.push_back({std::string(pattern), access});
            else it->access |= access;
            all_keys = false;
        } else if (op[0] == '&') {
            if (all_channels) return acl_rule_error::channel_after_all;
            const std::string_view pattern = op.substr(1);
            if (has_spaces(pattern)) return acl_rule_error::syntax;
            if (std::find(channels.begin(), channels.end(), pattern) == channels.end()) channels.emplace_back(pattern);
            all_channels = false;
        } else if (op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
            const std::string_view name = op.substr(1);
            const std::size_t bar = name.rfind('|');
            if (bar == std::string_view::npos) {
                const std::size_t id = catalog.find(name);
                if (id == acl_command::none) return acl_rule_error::unknown_command;
                change(catalog, id, true);
                return acl_rule_error::none;
            }
            const std::size_t id = catalog.find(name.substr(0, bar));
            if (id == acl_command::none) return acl_rule_error::unknown_command;
            if (catalog[id].parent != acl_command::none) return acl_rule_error::first_arg_of_sub;
            const std::string_view sub = c_prefix(name.substr(bar + 1));
            if (sub.empty()) return acl_rule_error::syntax;
            if (!catalog[id].subcommands.empty()) {
                const std::size_t sub_id = catalog.find(name);
                if (sub_id == acl_command::none) return acl_rule_error::unknown_command;
                change(catalog, sub_id, true);
            } else {
                std::vector<std::string>& list = first_args[id];
                if (std::none_of(list.begin(), list.end(), [&](const std::string& s) { return ascii_iequals(s, sub); }))
                    list.emplace_back(sub);
            }
        } else if (op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
            const std::size_t id = catalog.find(op.substr(1));
            if (id == acl_command::none) return acl_rule_error::unknown_command;
            change(catalog, id, false);
        } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
            const std::uint32_t category = acl_category_bit(op.substr(2));
            if (category == 0) return acl_rule_error::unknown_command;
            change_category(catalog, category, op[0] == '+');
        } else {
            return acl_rule_error::syntax;
        }
        return acl_rule_error::none;
    }

    /// The command rules that rebuild this selector's commands, starting with `+@all` or
    /// `-@all`, with categories chosen as Redis chooses them (ACLDescribeSelectorCommandRules);
    /// single commands follow in name order (Redis's order is its hash table's, which varies).
    [[nodiscard]] std::string describe_commands(const acl_catalog& catalog) const {
        const bool additive = !future_commands;
        std::string rules = additive ? "-@all " : "+@all ";
        acl_selector fake;
        fake.set_all(!additive, catalog);
        acl_selector temp;
        temp.allowed = allowed;
        temp.future_commands = future_commands;
        bool applied[std::size(acl_category_names)] = {};
        for (;;) {
            int best = -1;
            std::size_t min_diff = static_cast<std::size_t>(-1), max_same = 0;
            for (std::size_t j = 0; j < std::size(acl_category_names); ++j) {
                if (applied[j]) continue;
                std::size_t on = 0, off = 0;
                temp.count_category(catalog, std::uint32_t{1} << j, on, off);
                const std::size_t diff = additive ? off : on;
                const std::size_t same = additive ? on : off;
                if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
                    best = static_cast<int>(j);
                    min_diff = diff;
                    max_same = same;
                }
            }
            if (best < 0) break;
            const std::uint32_t category = std::uint32_t{1} << best;
            fake.change_category(catalog, category, additive);
            temp.change_category(catalog, category, !additive);
            rules += additive ? "+@" : "-@";
            rules += acl_category_names[best];
            rules += ' ';
            applied[best] = true;
        }
        // Single commands, each container before its subcommands.
        std::vector<std::size_t> top;
        for (std::size_t id = 0; id < catalog.size(); ++id) {
            if (catalog[id].present && catalog[id].parent == acl_command::none) top.push_back(id);
        }
        const auto by_name = [&](std::size_t a, std::size_t b) { return catalog[a].full_name < catalog[b].full_name; };
        std::sort(top.begin(), top.end(), by_name);
        const auto single = [&](std::size_t id) {
            const bool user_bit = allows(id);
            if (user_bit != fake.allows(id)) {
                rules += user_bit ? '+' : '-';
                rules += catalog[id].full_name;
                rules += ' ';
                fake.change(catalog, id, user_bit);
            }
        };
        for (const std::size_t id : top) {
            single(id);
            std::vector<std::size_t> subs;
            for (const std::size_t sub : catalog[id].subcommands) {
                if (catalog[sub].present) subs.push_back(sub);
            }
            std::sort(subs.begin(), subs.end(), by_name);
            for (const std::size_t sub : subs) single(sub);
            const auto it = first_args.find(id);
            if (!allows(id) && it != first_args.end()) {
                for (const std::string& arg : it->second) rules += "+" + catalog[id].full_name + "|" + arg + " ";
            }
        }
        rules.pop_back();
        return rules;
    }

    /// The key patterns as rules, separated by spaces ("~*" for all keys).
    [[nodiscard]] std::string describe_keys() const {
        if (all_keys) return "~*";
        std::string out;
        for (const acl_key_pattern& k : keys) {
            if (!out.empty()) out += ' ';
            out += k.access == acl_read_write ? "~" : k.access == acl_read ? "%R~" : "%W~";
            out += k.pattern;
        }
        return out;
    }
    /// The channel patterns as rules, separated by spaces ("&*" for all channels).
    [[nodiscard]] std::string describe_channels() const {
        if (all_channels) return "&*";
        std::string out;
        for (const std::string& c : channels) out += (out.empty() ? "&" : " &") + c;
        return out;
    }
    /// The whole selector as rules (Redis's ACLDescribeSelector).
    [[nodiscard]] std::string describe(const acl_catalog& catalog) const {
        std::string out;
        if (all_keys) {
            out += "~* ";
        } else {
            for (const acl_key_pattern& k : keys) {
                out += k.access == acl_read_write ? "~" : k.access == acl_read ? "%R~" : "%W~";
                out += k.pattern + " ";
            }
        }
        if (all_channels) {
            out += "&* ";
        } else {
            out += "resetchannels ";
            for (const std::string& c : channels) out += "&" + c + " ";
        }
        return out + describe_commands(catalog);
    }

    /// True when a key pattern allows `key` for `access` (acl_key_access bits).
    [[nodiscard]] bool allows_key(std::string_view key, unsigned access) const noexcept {
        if (all_keys) return true;
        for (const acl_key_pattern& k : keys) {
            if ((k.access & access) == access && glob_match(k.pattern, key, false)) return true;
        }
        return false;
    }
    /// True when a pattern for `access` is `*` (every key allowed).
    [[nodiscard]] bool allows_every_key(unsigned access) const noexcept {
        if (all_keys) return true;
        return std::any_of(keys.begin(), keys.end(),
                           [&](const acl_key_pattern& k) { return (k.access & access) == access && k.pattern == "*"; });
    }
    /// True when `channel` is allowed: a channel name is matched against the patterns, a
    /// PSUBSCRIBE pattern (`is_pattern`) must equal one.
    [[nodiscard]] bool allows_channel(std::string_view channel, bool is_pattern) const noexcept {
        if (all_channels) return true;
        return channel_in(channels, channel, is_pattern);
    }
    /// True when `channel` is allowed by `list` (Redis's ACLCheckChannelAgainstList).
    [[nodiscard]] static bool channel_in(const std::vector<std::string>& list, std::string_view channel,
                                         bool is_pattern) noexcept {
        return std::any_of(list.begin(), list.end(), [&](const std::string& p) {
            return is_pattern ? p == c_prefix(channel) : glob_match(p, channel, false);
        });
    }

    /// `s` up to its first NUL byte (Redis handles these rules as C strings).
    [[nodiscard]] static std::string_view c_prefix(std::string_view s) noexcept {
        const std::size_t nul = s.find('\0');
        return nul == std::string_view::npos ? s : s.substr(0, nul);
    }
    /// True when `s` holds whitespace or a NUL byte (not allowed in names and patterns).
    [[nodiscard]] static bool has_spaces(std::string_view s) noexcept {
        return std::any_of(s.begin(), s.end(), [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
        });
    }
};

template <class = void>
class basic_acl_user;
/// A user: name, flags, password hashes (SHA-256, lower-case hex) and selectors, the root one
/// first.
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using acl_user = basic_acl_user<>;

template <class>
class basic_acl_user {
public:
    /// A user as Redis creates one: off, no password, no permission (channels as
    /// acl-pubsub-default says: `all_channels`).
    explicit basic_acl_user(std::string name, bool all_channels = false) : m_name(std::move(name)) {
        m_selectors.push_back({.root = true, .all_channels = all_channels});
    }

    /// The user's name.
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }
    /// True when the user may authenticate (`on`).
    [[nodiscard]] bool enabled() const noexcept { return m_enabled; }
    /// True when any password authenticates it (`nopass`).
    [[nodiscard]] bool nopass() const noexcept { return m_nopass; }
    /// The SHA-256 hashes of its passwords, hex.
    [[nodiscard]] const std::vector<std::string>& passwords() const noexcept { return m_passwords; }
    /// Its selectors, the root one first.
    [[nodiscard]] const std::vector<acl_selector>& selectors() const noexcept { return m_selectors; }

    /// True when `password` authenticates the user (enabled, and nopass or a password's hash
    /// matches), compared in time independent of where the hashes differ.
    [[nodiscard]] bool check_password(std::string_view password) const {
        if (!m_enabled) return false;
        if (m_nopass) return true;
        const std::string hash = respkit::detail::sha256_hex(password);
        bool found = false;
        for (const std::string& p : m_passwords) {
            unsigned char diff = 0;
            for (std::size_t i = 0; i < hash.size() && i < p.size(); ++i)
                diff = static_cast<unsigned char>(diff | (hash[i] ^ p[i]));
            found = found || (diff == 0 && p.size() == hash.size());
        }
        return found;
    }

    /// Applies one rule (Redis's ACLSetUser): user flags and passwords here, selectors in
    /// parentheses, anything else to the root selector. `all_channels` is acl-pubsub-default.
    acl_rule_error apply(std::string_view op, const acl_catalog& catalog, bool all_channels = false) {
        using respkit::detail::ascii_iequals;
        if (op.empty()) return acl_rule_error::none;
        if (ascii_iequals(op, "on")) {
            m_enabled = true;
        } else if (ascii_iequals(op, "off")) {
            m_enabled = false;
        } else if (ascii_iequals(op, "skip-sanitize-payload")) {
            m_sanitize = sanitize::skip;
        } else if (ascii_iequals(op, "sanitize-payload")) {
            m_sanitize = sanitize::sanitize;
        } else if (ascii_iequals(op, "nopass")) {
            m_nopass = true;
            m_passwords.clear();
        } else if (ascii_iequals(op, "resetpass")) {
            m_nopass = false;
            m_passwords.clear();
        } else if (op[0] == '>' || op[0] == '#') {
            std::string hash;
            if (op[0] == '>') {
                hash = respkit::detail::sha256_hex(op.substr(1));
            } else {
                if (!valid_hash(op.substr(1))) return acl_rule_error::bad_hash;
                hash = std::string(op.substr(1));
            }
            if (std::find(m_passwords.begin(), m_passwords.end(), hash) == m_passwords.end())
                m_passwords.push_back(std::move(hash));
            m_nopass = false;
        } else if (op[0] == '<' || op[0] == '!') {
            std::string hash;
            if (op[0] == '<') {
                hash = respkit::detail::sha256_hex(op.substr(1));
            } else {
                if (!valid_hash(op.substr(1))) return acl_rule_error::bad_hash;
                hash = std::string(op.substr(1));
            }
            const auto it = std::find(m_passwords.begin(), m_passwords.end(), hash);
            if (it == m_passwords.end()) return acl_rule_error::no_such_password;
            m_passwords.erase(it);
        } else if (op[0] == '(' && op.back() == ')') {
            acl_selector s{.all_channels = all_channels};
            // Redis splits a selector's rules with sdssplitargs (quotes allowed).
            // Unbalanced quotes give no rules, and an empty selector, as in Redis.
            const auto rules = respkit::detail::split_args(op.substr(1, op.size() - 2));
            for (const std::string& rule : rules.value_or(std::vector<std::string>{})) {
                if (const acl_rule_error e = s.apply(rule, catalog); e != acl_rule_error::none) return e;
            }
            m_selectors.push_back(std::move(s));
        } else if (ascii_iequals(op, "clearselectors")) {
            m_selectors.resize(1);
        } else if (ascii_iequals(op, "reset")) {
            m_nopass = false;
            m_passwords.clear();
            acl_selector& root = m_selectors.front();
            root.all_keys = false;
            root.keys.clear();
            root.all_channels = all_channels;
            root.channels.clear();
            m_enabled = false;
            m_sanitize = sanitize::sanitize;
            m_selectors.resize(1);
            m_selectors.front().set_all(false, catalog);
        } else {
            return m_selectors.front().apply(op, catalog);
        }
        return acl_rule_error::none;
    }

    /// The user as rules, without its name (Redis's ACLDescribeUser: ACL LIST, ACL SAVE).
    [[nodiscard]] std::string describe(const acl_catalog& catalog) const {
        std::string out;
        out += m_enabled ? "on " : "off ";
        if (m_nopass) out += "nopass ";
        if (m_sanitize == sanitize::skip) out += "skip-sanitize-payload ";
        if (m_sanitize == sanitize::sanitize) out += "sanitize-payload ";
        for (const std::string& p : m_passwords) out += "#" + p + " ";
        for (const acl_selector& s : m_selectors) {
            if (s.root) out += s.describe(catalog);
            else out += " (" + s.describe(catalog) + ")";
        }
        return out;
    }
    /// The flags ACL GETUSER lists, in Redis's order.
    [[nodiscard]] std::vector<std::string_view> flag_names() const {
        std::vector<std::string_view> out{m_enabled ? "on" : "off"};
        if (m_nopass) out.push_back("nopass");
        if (m_sanitize == sanitize::skip) out.push_back("skip-sanitize-payload");
        if (m_sanitize == sanitize::sanitize) out.push_back("sanitize-payload");
        return out;
    }

    /// True when the user may run every command on every key and channel (the default user
    /// as created): the command path's checks pass it at once.
    [[nodiscard]] bool unrestricted() const noexcept {
        const acl_selector& root = m_selectors.front();
        return root.all_commands && root.all_keys && root.all_channels;
    }

private:
    enum class sanitize : std::uint8_t { unset, sanitize, skip };

    [[nodiscard]] static bool valid_hash(std::string_view h) noexcept {
        return h.size() == 64 &&
               std::all_of(h.begin(), h.end(), [](char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); });
    }

    std::string m_name;
    bool m_enabled = false;
    bool m_nopass = false;
    sanitize m_sanitize = sanitize::unset;
    std::vector<std::string> m_passwords;
    std::vector<acl_selector> m_selectors;
};

} // namespace respkit::server

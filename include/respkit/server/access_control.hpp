#pragma once

/// \file
/// Who may run what: the ACL users (Redis 7.0's ACL), the default user every connection starts
/// as (its password is requirepass), the ACL log, and the ACL file. The checks in the command
/// path are in acl_check.hpp; the ACL command in commands/acl.hpp.

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "respkit/detail/read_file.hpp"
#include "respkit/server/acl_catalog.hpp"
#include "respkit/server/acl_log.hpp"
#include "respkit/server/acl_user.hpp"
#include "respkit/server/forward.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {


template <class = void>
class basic_access_control;
/// The users a server knows, by name (in byte order, as ACL LIST shows them), the default user
/// among them, the commands' ids for rules, and the log of denials.
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using access_control = basic_access_control<>;

template <class>
class basic_access_control {
public:
    /// A default user that may do everything, with no password ("on nopass ~* &* +@all").
    basic_access_control() : m_default(make_default_user()) { m_users.emplace("default", m_default); }

    // --- commands (the dispatcher registers them) ---

    /// The commands rules refer to.
    [[nodiscard]] acl_catalog& catalog() noexcept { return m_catalog; }
    /// The commands rules refer to.
    [[nodiscard]] const acl_catalog& catalog() const noexcept { return m_catalog; }

    // --- users ---

    /// The default user (every connection starts as it).
    [[nodiscard]] const std::shared_ptr<acl_user>& default_user() const noexcept { return m_default; }
    /// The user `name`, or nullptr.
    [[nodiscard]] std::shared_ptr<acl_user> find(std::string_view name) const {
        const auto it = m_users.find(std::string(name));
        return it == m_users.end() ? nullptr : it->second;
    }
    /// Every user, by name.
    [[nodiscard]] const std::map<std::string, std::shared_ptr<acl_user>>& users() const noexcept { return m_users; }

    /// Creates or modifies user `name` with `rules`, all or none of them (ACL SETUSER, `user`
    /// directives): "" when applied, else Redis's error text (without "ERR "). Rules of a
    /// selector spread over several arguments are joined, as Redis joins them.
    std::string set_user(std::string_view name, std::span<const std::string_view> rules) {
        std::vector<std::string> merged;
        if (std::string error = merge_selectors(rules, merged); !error.empty()) return error;
        const std::shared_ptr<acl_user> existing = find(name);
        acl_user staged = existing ? *existing : acl_user(std::string(name), m_pubsub_all);
        for (const std::string& rule : merged) {
            if (const acl_rule_error e = staged.apply(rule, m_catalog, m_pubsub_all); e != acl_rule_error::none) {
                return "Error in ACL SETUSER modifier '" + std::string(acl_selector::c_prefix(rule)) +
                       "': " + std::string(acl_rule_error_message(e));
            }
        }
        if (existing) *existing = std::move(staged);
        else m_users.emplace(std::string(name), std::make_shared<acl_user>(std::move(staged)));
        return {};
    }
    /// `set_user` with rules as strings.
    std::string set_user(std::string_view name, const std::vector<std::string>& rules) {
        const std::vector<std::string_view> views(rules.begin(), rules.end());
        return set_user(name, std::span<const std::string_view>(views));
    }
    /// Removes user `name` (not the default user); false when there was none. Its clients must
    /// be disconnected (commands::disconnect_removed_users does it for a server's sessions).
    bool delete_user(std::string_view name) {
        if (name == "default") return false;
        return m_users.erase(std::string(name)) != 0;
    }
    /// True when `u` is still one of the users (a client of a deleted user is disconnected).
    [[nodiscard]] bool registered(const acl_user* u) const noexcept {
        if (u == nullptr) return false;
        const auto it = m_users.find(u->name());
        return it != m_users.end() && it->second.get() == u;
    }

    // --- authentication ---

    /// Sets the default user's password (requirepass): empty makes it `nopass`.
    void set_password(std::string_view password) {
        (void)m_default->apply("resetpass", m_catalog);
        (void)m_default->apply(password.empty() ? std::string("nopass") : ">" + std::string(password), m_catalog);
    }
    /// True when connections must authenticate: the default user has a password or is off.
    [[nodiscard]] bool password_required() const noexcept { return !m_default->nopass() || !m_default->enabled(); }
    /// The user `user` if `password` authenticates it (an enabled user, nopass or with that
    /// password), else nullptr.
    [[nodiscard]] std::shared_ptr<acl_user> authenticate(std::string_view user, std::string_view password) const {
        std::shared_ptr<acl_user> u = find(user);
        return u && u->check_password(password) ? u : nullptr;
    }

    /// Users created from now on get every channel (acl-pubsub-default allchannels) or none.
    void set_pubsub_default(bool all_channels) noexcept { m_pubsub_all = all_channels; }
    /// The acl-pubsub-default in effect.
    [[nodiscard]] bool pubsub_default() const noexcept { return m_pubsub_all; }

    // --- log ---

    /// The ACL log.
    [[nodiscard]] acl_log& log() noexcept { return m_log; }
    /// The ACL log.
    [[nodiscard]] const acl_log& log() const noexcept { return m_log; }
    /// Records a denial or a failed authentication in the log.
    void record(acl_log_entry entry) const { m_log.add(std::move(entry)); }
    /// How a client is described in the log (CLIENT LIST's line; set by the connection commands).
    std::function<std::string(const session&)> describe_client;

    // --- the ACL file ---

    /// The ACL file (aclfile), or "" when users are not kept in one.
    std::string file;

    /// The users as an ACL file: one `user <name> <rules>` line each.
    [[nodiscard]] std::string to_file_text() const {
        std::string out;
        for (const auto& [name, u] : m_users) out += "user " + name + " " + u->describe(m_catalog) + "\n";
        return out;
    }
    /// Replaces the users with those of ACL file text `text` (named `file_name` in errors), all
    /// or nothing, as Redis's ACL LOAD: "" when loaded, else Redis's error text. The default
    /// user keeps its object (its clients stay); other users are new objects.
    std::string load_file_text(std::string_view text, std::string_view file_name) {
        std::map<std::string, std::shared_ptr<acl_user>> loaded;
        std::string errors;
        std::size_t line_number = 0;
        for (std::size_t start = 0; start <= text.size();) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(start, end - start);
            start = end + 1;
            ++line_number;
            line = trim(line, " \t\r\n");
            if (line.empty()) {
                if (end == text.size()) break;
                continue;
            }
            std::vector<std::string_view> argv;
            for (std::size_t p = 0;;) { // split on single spaces, empty arguments kept (sdssplitlen)
                const std::size_t q = line.find(' ', p);
                argv.push_back(line.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p));
                if (q == std::string_view::npos) break;
                p = q + 1;
            }
            const std::string where = std::string(file_name) + ":" + std::to_string(line_number);
            if (argv[0] != "user" || argv.size() < 2) {
                errors += where + " should start with user keyword followed by the username. ";
                continue;
            }
            if (acl_selector::has_spaces(argv[1])) {
                errors += "'" + where + ": username '" + std::string(acl_selector::c_prefix(argv[1])) +
                          "' contains invalid characters. ";
                continue;
            }
            const std::string name(argv[1]);
            if (loaded.count(name) != 0) {
                errors += "WARNING: Duplicate user '" + name + "' found on line " + std::to_string(line_number) + ". ";
                continue;
            }
            auto u = std::make_shared<acl_user>(name, m_pubsub_all);
            loaded.emplace(name, u);
            std::vector<std::string> merged;
            if (!merge_selectors(std::span<const std::string_view>(argv).subspan(2), merged).empty()) {
                errors += where + ": Unmatched parenthesis in selector definition.";
                merged.clear();
            }
            bool syntax_error = false;
            for (std::string& rule : merged) {
                rule = std::string(trim(rule, "\t\r\n"));
                const acl_rule_error e = u->apply(rule, m_catalog, m_pubsub_all);
                if (e == acl_rule_error::none) continue;
                if (e == acl_rule_error::unknown_command) {
                    errors += where + ": Error in applying operation '" + std::string(acl_selector::c_prefix(rule)) +
                              "': " + std::string(acl_rule_error_message(e)) + ". ";
                } else if (!syntax_error) {
                    errors += where + ": " + std::string(acl_rule_error_message(e)) + ". ";
                    syntax_error = true;
                }
            }
        }
        if (!errors.empty()) {
            return errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
        }
        const auto it = loaded.find("default");
        *m_default = it != loaded.end() ? *it->second : *make_default_user();
        loaded["default"] = m_default;
        m_users = std::move(loaded);
        return {};
    }
    /// Loads the ACL file `file` (ACL LOAD, start-up): "" or Redis's error text.
    std::string load_file() {
        std::string text;
        if (!respkit::detail::read_file(file.c_str(), text)) {
            return "Error loading ACLs, opening file '" + file + "': " + std::strerror(errno);
        }
        return load_file_text(text, file);
    }
    /// Writes the users to the ACL file `file` through a temporary file renamed over it (ACL
    /// SAVE): "" or what failed.
    [[nodiscard]] std::string save_file() const {
        const std::string text = to_file_text();
        const std::string temp = file + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(acl_log::now_ms());
        std::FILE* out = std::fopen(temp.c_str(), "wb");
        if (out == nullptr) return "Opening temp ACL file for ACL SAVE: " + std::string(std::strerror(errno));
        const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
        const bool closed = std::fclose(out) == 0;
        if (!written || !closed) {
            std::remove(temp.c_str());
            return "Writing ACL file for ACL SAVE: " + std::string(std::strerror(errno));
        }
        if (std::rename(temp.c_str(), file.c_str()) != 0) {
            const std::string error = std::strerror(errno);
            std::remove(temp.c_str());
            return "Renaming ACL file for ACL SAVE: " + error;
        }
        return {};
    }

    /// Joins the rules of a selector spread over several arguments ("(+get" "~k)") into one,
    /// as Redis's ACLMergeSelectorArguments: "" or the unmatched-parenthesis error.
    static std::string merge_selectors(std::span<const std::string_view> rules, std::vector<std::string>& merged) {
        merged.clear();
        std::string selector;
        std::size_t open = rules.size();
        for (std::size_t j = 0; j < rules.size(); ++j) {
            const std::string_view op = rules[j];
            if (!op.empty() && op.front() == '(' && op.back() != ')') {
                selector = std::string(rules[j]);
                open = j;
                continue;
            }
            if (open != rules.size()) {
                selector += " " + std::string(acl_selector::c_prefix(op));
                if (!op.empty() && op.back() == ')') {
                    open = rules.size();
                    merged.push_back(std::move(selector));
                }
                continue;
            }
            merged.emplace_back(rules[j]);
        }
        if (open != rules.size()) {
            return "Unmatched parenthesis in acl selector starting at '" +
                   std::string(acl_selector::c_prefix(rules[open])) + "'.";
        }
        return {};
    }

private:
    [[nodiscard]] std::shared_ptr<acl_user> make_default_user() const {
        auto u = std::make_shared<acl_user>("default", m_pubsub_all);
        for (const std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) (void)u->apply(rule, m_catalog);
        return u;
    }
    [[nodiscard]] static std::string_view trim(std::string_view s, std::string_view set) noexcept {
        const std::size_t b = s.find_first_not_of(set);
        if (b == std::string_view::npos) return {};
        return s.substr(b, s.find_last_not_of(set) - b + 1);
    }

    acl_catalog m_catalog;
    bool m_pubsub_all = false;
    std::map<std::string, std::shared_ptr<acl_user>> m_users;
    std::shared_ptr<acl_user> m_default;
    mutable acl_log m_log; // denials are recorded by checks that see the access control as const
};

} // namespace respkit::server

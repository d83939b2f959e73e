#pragma once

/// \file
/// Who may run commands: the default user and its password (requirepass). A client connected
/// while no password was required is authenticated; later ones must AUTH (or HELLO ... AUTH).

#include <cstddef>
#include <string>
#include <string_view>

namespace respkit::server {

/// The users a server knows and their passwords. Today: the default user only, with or without
/// a password (Redis's requirepass); ACL users come later.
class access_control {
public:
    /// Sets the default user's password; empty: none (every client is authenticated at once).
    void set_password(std::string_view password) { m_password.assign(password); }
    /// True when the default user has a password: new clients must authenticate.
    [[nodiscard]] bool password_required() const noexcept { return !m_password.empty(); }
    /// True when `user` may log in with `password`: the default user, with its password when
    /// it has one (any password when it has none). Compares in time independent of where the
    /// passwords differ.
    [[nodiscard]] bool authenticate(std::string_view user, std::string_view password) const noexcept {
        if (user != "default") return false;
        if (m_password.empty()) return true;
        return same_secret(password, m_password);
    }

private:
    [[nodiscard]] static bool same_secret(std::string_view a, std::string_view b) noexcept {
        const std::size_t n = a.size() > b.size() ? a.size() : b.size();
        unsigned char diff = a.size() == b.size() ? 0 : 1;
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
            const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
            diff = static_cast<unsigned char>(diff | (x ^ y));
        }
        return diff == 0;
    }

    std::string m_password;
};

} // namespace respkit::server

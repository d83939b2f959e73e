// The split's mechanics (README.md): compiled and run with -Wall -Wextra -Wpedantic -Werror by
// g++ and clang++. The first part is what server/session.hpp would hold, the second what
// server/session_impl.hpp and server/src.hpp would.

// --- the public header: no <memory>, no containers ---
template <class>
class basic_session {
public:
    basic_session();
    ~basic_session();
    basic_session(const basic_session&) = delete;
    basic_session& operator=(const basic_session&) = delete;
    /// A member whose type names a heavy standard template: deduced, defined with the state.
    template <class = void>
    [[nodiscard]] const auto& user_ptr() const noexcept;
    /// A parameter of such a type: deduced.
    template <class UserPtr>
    auto set_user(UserPtr u) noexcept; // auto: used without the definition, a compile error
    /// What every command reads stays a member, inline.
    [[nodiscard]] int db() const noexcept { return m_db; }

private:
    struct state;
    state* m_state;
    int m_db = 0;
};
using session = basic_session<void>;

// --- the definitions: compiled where the state is needed ---
#include <memory>
#include <string>
#include <utility>

struct acl_user {
    std::string name;
};

template <class T>
struct basic_session<T>::state {
    std::shared_ptr<acl_user> user = std::make_shared<acl_user>();
};
template <class T>
basic_session<T>::basic_session() : m_state(new state) {}
template <class T>
basic_session<T>::~basic_session() {
    delete m_state;
}
template <class T>
template <class>
const auto& basic_session<T>::user_ptr() const noexcept {
    return m_state->user;
}
template <class T>
template <class UserPtr>
auto basic_session<T>::set_user(UserPtr u) noexcept {
    m_state->user = std::move(u);
}

// server/src.hpp: compiled once.
template class basic_session<void>;

int main() {
    session s;
    s.set_user(std::make_shared<acl_user>(acl_user{"x"}));
    return s.user_ptr()->name == "x" && s.db() == 0 ? 0 : 1;
}

#pragma once

/// \file
/// TLS for app::server (OpenSSL; link respkit::tls): the tls-* parameters as a tls::acceptor.
/// Give it to the server with `server_options::tls = respkit::app::openssl_tls;`.

#include <memory>
#include <string>

#include "respkit/secure_stream.hpp"
#include "respkit/server/config.hpp"
#include "respkit/tls/context.hpp"
#include "respkit/tls/stream.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// The TLS listener's settings from the tls-* parameters of `config`.
[[nodiscard]] inline tls::server_options tls_server_options(const respkit::server::config_table& config) {
    tls::server_options o;
    o.cert_file = std::string(config.get("tls-cert-file"));
    o.key_file = std::string(config.get("tls-key-file"));
    o.key_file_pass = std::string(config.get("tls-key-file-pass"));
    o.ca_cert_file = std::string(config.get("tls-ca-cert-file"));
    o.ca_cert_dir = std::string(config.get("tls-ca-cert-dir"));
    const std::string_view auth = config.get("tls-auth-clients");
    o.auth_clients = auth == "no" ? tls::client_auth::no : auth == "optional" ? tls::client_auth::optional : tls::client_auth::yes;
    o.protocols = std::string(config.get("tls-protocols"));
    o.ciphers = std::string(config.get("tls-ciphers"));
    o.ciphersuites = std::string(config.get("tls-ciphersuites"));
    o.prefer_server_ciphers = config.get_bool("tls-prefer-server-ciphers");
    o.session_caching = config.get_bool("tls-session-caching");
    o.session_cache_size = static_cast<long>(config.get_integer("tls-session-cache-size"));
    o.session_cache_timeout = static_cast<long>(config.get_integer("tls-session-cache-timeout"));
    o.dh_params_file = std::string(config.get("tls-dh-params-file"));
    return o;
}

/// The TLS listener's acceptor for `config`, or null with Redis's reason in `error` (for
/// server_options::tls).
[[nodiscard]] inline std::shared_ptr<const stream_acceptor> openssl_tls(const respkit::server::config_table& config,
                                                                        std::string& error) {
    return tls::acceptor::make(tls_server_options(config), error);
}

} // namespace respkit::app

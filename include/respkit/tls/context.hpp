#pragma once

/// \file
/// OpenSSL contexts for the server's TLS listener and for the client, made from Redis's tls-*
/// settings (certificate, key, CAs, client authentication, protocols, ciphers, session cache,
/// DH parameters), with Redis's messages when one cannot be used. Needs OpenSSL (respkit::tls).

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "respkit/detail/ascii.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::tls {

/// Who must show a certificate to the server, as Redis's tls-auth-clients.
enum class client_auth {
    no,       ///< nobody is asked for one
    yes,      ///< every client must show one that the CAs vouch for
    optional, ///< a client may show one; when it does, the CAs must vouch for it
};

/// The server side's settings, named and defaulted as Redis's tls-* parameters.
struct server_options {
    std::string cert_file{};              ///< tls-cert-file: the server's certificate chain (PEM)
    std::string key_file{};               ///< tls-key-file: its private key (PEM)
    std::string key_file_pass{};          ///< tls-key-file-pass: the key's passphrase ("": none)
    std::string ca_cert_file{};           ///< tls-ca-cert-file: CAs that vouch for clients (PEM)
    std::string ca_cert_dir{};            ///< tls-ca-cert-dir: a directory of CAs (c_rehash layout)
    client_auth auth_clients = client_auth::yes; ///< tls-auth-clients
    std::string protocols{};              ///< tls-protocols: e.g. "TLSv1.2 TLSv1.3" ("": those two)
    std::string ciphers{};                ///< tls-ciphers: TLS 1.2 and below ("": OpenSSL's default)
    std::string ciphersuites{};           ///< tls-ciphersuites: TLS 1.3 ("": OpenSSL's default)
    bool prefer_server_ciphers = false; ///< tls-prefer-server-ciphers
    bool session_caching = true;        ///< tls-session-caching
    long session_cache_size = 20480;    ///< tls-session-cache-size (sessions)
    long session_cache_timeout = 300;   ///< tls-session-cache-timeout (seconds)
    std::string dh_params_file{};         ///< tls-dh-params-file ("": OpenSSL's automatic choice)
};

/// The client side's settings (the names of redis-cli's options).
struct client_options {
    std::string ca_cert_file{};     ///< --cacert: CAs that vouch for the server ("" and no dir: the system's)
    std::string ca_cert_dir{};      ///< --cacertdir
    std::string cert_file{};        ///< --cert: the client's certificate, for servers that ask
    std::string key_file{};         ///< --key: its private key
    std::string key_file_pass{};    ///< its passphrase ("": none)
    std::string server_name{};      ///< --sni: the name sent and checked ("": the host connected to)
    bool verify = true;           ///< false: --insecure, the server's certificate is not checked
    std::string protocols{};        ///< as the server's tls-protocols
    std::string ciphers{};          ///< --tls-ciphers
    std::string ciphersuites{};     ///< --tls-ciphersuites
};

/// An owned SSL_CTX (shared: each SSL made from it holds a reference of its own).
using context = std::shared_ptr<SSL_CTX>;

namespace detail {

inline constexpr int proto_tls1 = 1, proto_tls1_1 = 2, proto_tls1_2 = 4, proto_tls1_3 = 8;

// OpenSSL's queued errors, the oldest first, as one line (and the queue emptied).
[[nodiscard]] inline std::string openssl_errors() {
    std::string out{};
    while (const unsigned long code = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        if (!out.empty()) out += "; ";
        out += text;
    }
    return out.empty() ? std::string("unknown error") : out;
}

// tls-protocols as Redis parses it: space-separated names, any case; "" means 1.2 and 1.3.
[[nodiscard]] inline int parse_protocols(std::string_view text, std::string& error) {
    if (text.empty()) return proto_tls1_2 | proto_tls1_3;
    int protocols = 0;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
        if (word.empty()) continue;
        if (respkit::detail::ascii_iequals(word, "tlsv1")) protocols |= proto_tls1;
        else if (respkit::detail::ascii_iequals(word, "tlsv1.1")) protocols |= proto_tls1_1;
        else if (respkit::detail::ascii_iequals(word, "tlsv1.2")) protocols |= proto_tls1_2;
        else if (respkit::detail::ascii_iequals(word, "tlsv1.3")) protocols |= proto_tls1_3;
        else {
            error = "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.";
            return -1;
        }
    }
    return protocols;
}

inline int passphrase_callback(char* buffer, int size, int, void* user) {
    const auto* pass = static_cast<const std::string*>(user);
    if (pass == nullptr || size <= 0) return 0;
    const int n = static_cast<int>(pass->size() < static_cast<std::size_t>(size) ? pass->size() : static_cast<std::size_t>(size));
    std::memcpy(buffer, pass->data(), static_cast<std::size_t>(n));
    return n;
}

// What both sides share: protocols, compression off, partial writes, ciphers, the key pair.
[[nodiscard]] inline bool configure_common(SSL_CTX* ctx, std::string_view protocols_text, const std::string& ciphers,
                                           const std::string& ciphersuites, const std::string& cert_file,
                                           const std::string& key_file, const std::string& key_file_pass,
                                           std::string& error) {
    const int protocols = parse_protocols(protocols_text, error);
    if (protocols < 0) return false;
    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!(protocols & proto_tls1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
    if (!(protocols & proto_tls1_1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
    if (!(protocols & proto_tls1_2)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
    if (!(protocols & proto_tls1_3)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
    // TLS 1.0 and 1.1 are below OpenSSL 3's default security level: asked for, they need level 0.
    if (protocols & (proto_tls1 | proto_tls1_1)) SSL_CTX_set_security_level(ctx, 0);
    // Output buffers grow (and move) between a write that could not finish and its retry.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!cert_file.empty()) {
        SSL_CTX_set_default_passwd_cb(ctx, passphrase_callback);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&key_file_pass));
        const bool cert_ok = SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) > 0;
        if (!cert_ok) error = "Failed to load certificate: " + cert_file + ": " + openssl_errors();
        const bool key_ok = cert_ok && SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) > 0;
        if (cert_ok && !key_ok) error = "Failed to load private key: " + key_file + ": " + openssl_errors();
        SSL_CTX_set_default_passwd_cb(ctx, nullptr);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
        if (!key_ok) return false;
        if (SSL_CTX_check_private_key(ctx) != 1) {
            error = "Failed to load private key: " + key_file + ": " + openssl_errors();
            return false;
        }
    }
    if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
        ERR_clear_error();
        error = "Failed to configure ciphers: " + ciphers;
        return false;
    }
    if (!ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, ciphersuites.c_str()) != 1) {
        ERR_clear_error();
        error = "Failed to configure ciphersuites: " + ciphersuites;
        return false;
    }
    return true;
}

[[nodiscard]] inline bool load_cas(SSL_CTX* ctx, const std::string& file, const std::string& dir, std::string& error) {
    if (SSL_CTX_load_verify_locations(ctx, file.empty() ? nullptr : file.c_str(), dir.empty() ? nullptr : dir.c_str()) != 1) {
        error = "Failed to configure CA certificate(s) file/directory: " + openssl_errors();
        return false;
    }
    return true;
}

[[nodiscard]] inline bool load_dh_params(SSL_CTX* ctx, const std::string& file, std::string& error) {
    if (file.empty()) {
        SSL_CTX_set_dh_auto(ctx, 1);
        return true;
    }
    BIO* in = BIO_new_file(file.c_str(), "r");
    if (in == nullptr) {
        ERR_clear_error();
        error = "Failed to load " + file + ": " + std::strerror(errno);
        return false;
    }
    EVP_PKEY* params = PEM_read_bio_Parameters(in, nullptr);
    BIO_free(in);
    if (params == nullptr) {
        error = file + ": failed to read DH params.";
        ERR_clear_error();
        return false;
    }
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) { // takes the key when it succeeds
        EVP_PKEY_free(params);
        error = "Failed to load DH params file: " + file + ": " + openssl_errors();
        return false;
    }
    return true;
}

} // namespace detail

/// The server's context for `o`, or null with `error` set to Redis's message for the first
/// setting that cannot be used.
[[nodiscard]] inline context make_server_context(const server_options& o, std::string& error) {
    if (o.cert_file.empty()) {
        error = "No tls-cert-file configured!";
        return nullptr;
    }
    if (o.key_file.empty()) {
        error = "No tls-key-file configured!";
        return nullptr;
    }
    if (o.auth_clients != client_auth::no && o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
        error = "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or "
                "tls-auth-clients are enabled!";
        return nullptr;
    }
    ERR_clear_error();
    context ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    if (!ctx) {
        error = "Failed to create the TLS context: " + detail::openssl_errors();
        return nullptr;
    }
    if (!detail::configure_common(ctx.get(), o.protocols, o.ciphers, o.ciphersuites, o.cert_file, o.key_file,
                                  o.key_file_pass, error)) {
        return nullptr;
    }
    if ((!o.ca_cert_file.empty() || !o.ca_cert_dir.empty()) && !detail::load_cas(ctx.get(), o.ca_cert_file, o.ca_cert_dir, error)) {
        return nullptr;
    }
    SSL_CTX_set_options(ctx.get(), SSL_OP_SINGLE_DH_USE);
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION // OpenSSL 1.1.1; 3.0 refuses it unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
    if (o.prefer_server_ciphers) SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (o.session_caching) {
        SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx.get(), o.session_cache_size);
        SSL_CTX_set_timeout(ctx.get(), o.session_cache_timeout);
        static constexpr unsigned char id[] = {'r', 'e', 's', 'p', 'k', 'i', 't'};
        SSL_CTX_set_session_id_context(ctx.get(), id, sizeof id);
    } else {
        SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx.get(), 0); // no TLS 1.3 tickets either: nothing resumes
    }
    if (!detail::load_dh_params(ctx.get(), o.dh_params_file, error)) return nullptr;
    switch (o.auth_clients) {
    case client_auth::no: SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr); break;
    case client_auth::optional: SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr); break;
    case client_auth::yes:
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        break;
    }
    return ctx;
}

/// The client's context for `o` (the server name is the connector's business), or null with
/// `error` set.
[[nodiscard]] inline context make_client_context(const client_options& o, std::string& error) {
    ERR_clear_error();
    context ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) {
        error = "Failed to create the TLS context: " + detail::openssl_errors();
        return nullptr;
    }
    if (!o.cert_file.empty() && o.key_file.empty()) {
        error = "a client certificate needs its key";
        return nullptr;
    }
    if (!detail::configure_common(ctx.get(), o.protocols, o.ciphers, o.ciphersuites, o.cert_file, o.key_file,
                                  o.key_file_pass, error)) {
        return nullptr;
    }
    if (o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
        if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
            error = "Failed to load the system's CA certificates: " + detail::openssl_errors();
            return nullptr;
        }
    } else if (!detail::load_cas(ctx.get(), o.ca_cert_file, o.ca_cert_dir, error)) {
        return nullptr;
    }
    SSL_CTX_set_verify(ctx.get(), o.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    return ctx;
}

} // namespace respkit::tls

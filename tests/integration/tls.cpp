// TLS end to end: certificates made here with the openssl command (a CA, the server's for
// 127.0.0.1 and localhost, a client's, and a CA nobody trusts), then the built respkit-server
// serving its plain port and its tls-port at once to redis-cli --tls, redis-py ssl=True and
// respkit's own client; tls-auth-clients yes / optional / no; start-up refusals with Redis's
// messages. Every server runs on free loopback ports and is stopped by its destructor.

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "respkit/client.hpp"
#include "respkit/tls.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/redis_py.hpp"

using namespace respkit_test;

namespace {

/// The certificates every test case uses, made once (EC keys: fast to make).
struct certificates {
    temp_dir dir;
    bool ok = false;
    std::string error;

    certificates() {
        const std::string openssl = find_on_path("openssl");
        if (openssl.empty() || dir.path.empty()) {
            error = "no openssl command";
            return;
        }
        const auto run = [&](std::vector<std::string> args) {
            args.insert(args.begin(), openssl);
            const run_output r = run_program(args, {}, std::chrono::seconds(30));
            if (r.exit_code != 0 && error.empty()) error = args[1] + ": " + r.err;
            return r.exit_code == 0;
        };
        const auto key = [&](const std::string& name) {
            return run({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", dir.file(name)});
        };
        const auto ca = [&](const std::string& name, const std::string& subject) {
            return key(name + ".key") && run({"req", "-x509", "-new", "-key", dir.file(name + ".key"), "-out",
                                              dir.file(name + ".crt"), "-days", "2", "-subj", subject});
        };
        const auto signed_by_ca = [&](const std::string& name, const std::string& subject, const std::string& extensions) {
            dir.write(name + ".ext", extensions);
            return key(name + ".key") &&
                   run({"req", "-new", "-key", dir.file(name + ".key"), "-out", dir.file(name + ".csr"), "-subj", subject}) &&
                   run({"x509", "-req", "-in", dir.file(name + ".csr"), "-CA", dir.file("ca.crt"), "-CAkey",
                        dir.file("ca.key"), "-CAcreateserial", "-out", dir.file(name + ".crt"), "-days", "2", "-extfile",
                        dir.file(name + ".ext")});
        };
        ok = ca("ca", "/CN=respkit test CA") && ca("other-ca", "/CN=nobody's CA") &&
             signed_by_ca("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n") &&
             signed_by_ca("client", "/CN=respkit test client", "extendedKeyUsage=clientAuth\n") &&
             // The server's key under a passphrase (tls-key-file-pass), and DH parameters.
             run({"pkey", "-in", dir.file("server.key"), "-aes256", "-passout", "pass:k3y-pass", "-out",
                  dir.file("server-encrypted.key")}) &&
             run({"genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", dir.file("dh.pem")});
    }
    [[nodiscard]] std::string file(const std::string& name) const { return dir.file(name); }
};

const certificates& certs() {
    static const certificates c;
    return c;
}

/// The built respkit-server with a plain port and a tls-port, logging to a file.
struct tls_server {
    int port = 0;
    int tls_port = 0;
    std::string log_path;
    std::optional<child_process> child;
    bool listening = false;

    explicit tls_server(const std::vector<std::string>& extra = {}) {
        const std::string program = built_program("respkit-server");
        if (program.empty()) return;
        port = free_port();
        tls_port = free_port();
        log_path = certs().file("server-" + std::to_string(port) + ".log");
        std::vector<std::string> args{program, "--port", std::to_string(port), "--tls-port", std::to_string(tls_port),
                                      "--tls-cert-file", certs().file("server.crt"), "--tls-key-file",
                                      certs().file("server.key"), "--tls-ca-cert-file", certs().file("ca.crt"),
                                      "--save", "", "--appendonly", "no"};
        args.insert(args.end(), extra.begin(), extra.end());
        child.emplace(args, log_path);
        listening = wait_for_port(port) && wait_for_port(tls_port);
    }
    [[nodiscard]] std::string log() const { return read_file(log_path); }
};

/// redis-cli --tls against `port` with the test CA, and the client's certificate when `with_cert`.
run_output cli(int port, bool with_cert, std::vector<std::string> args, std::string_view input = {}) {
    std::vector<std::string> argv{find_on_path("redis-cli"), "-p", std::to_string(port), "--tls", "--cacert",
                                  certs().file("ca.crt")};
    if (with_cert) argv.insert(argv.end(), {"--cert", certs().file("client.crt"), "--key", certs().file("client.key")});
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, input, std::chrono::seconds(30));
}

bool prerequisites() {
    if (!certs().ok) {
        MESSAGE("skipped: certificates not made (" << certs().error << ")");
        return false;
    }
    if (built_program("respkit-server").empty() || find_on_path("redis-cli").empty()) {
        MESSAGE("skipped: respkit-server not built or redis-cli missing");
        return false;
    }
    return true;
}

/// A client of respkit's over TLS to 127.0.0.1:port.
respkit::client::connection tls_client(int port, respkit::tls::client_options o,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    respkit::client::options options;
    options.port = static_cast<std::uint16_t>(port);
    options.read_timeout = timeout;
    std::string error;
    options.tls = respkit::tls::connector::make(o, error);
    REQUIRE_MESSAGE(options.tls != nullptr, error);
    return respkit::client::connection(std::move(options));
}

} // namespace

TEST_CASE("redis-cli --tls: everyday commands, a pipeline, a 6 MB value and pub/sub on the tls-port, the plain port at once") {
    if (!prerequisites()) return;
    const tls_server server({"--requirepass", "s3cret"});
    REQUIRE(server.listening);
    const std::vector<std::string> auth{"--user", "default", "--pass", "s3cret", "--no-auth-warning"};
    const auto run = [&](std::vector<std::string> args, std::string_view input = {}) {
        args.insert(args.begin(), auth.begin(), auth.end());
        return cli(server.tls_port, true, std::move(args), input);
    };

    CHECK(run({"SET", "greeting", "hello"}).out == "OK\n");
    CHECK(run({"GET", "greeting"}).out == "hello\n");
    CHECK(run({"HSET", "h", "a", "1", "b", "2"}).out == "2\n");
    CHECK(run({"HGETALL", "h"}).out == "a\n1\nb\n2\n");
    CHECK(run({"RPUSH", "l", "x", "y", "z"}).out == "3\n");
    CHECK(run({"LRANGE", "l", "0", "-1"}).out == "x\ny\nz\n");
    // Without AUTH the TLS port asks for it, as the plain one does.
    CHECK(cli(server.tls_port, true, {"GET", "greeting"}).out.find("NOAUTH") != std::string::npos);

    // A pipeline of 10,000 commands (--pipe), then their effect.
    std::string pipe;
    for (int i = 0; i < 10000; ++i) pipe += "*3\r\n$5\r\nRPUSH\r\n$1\r\np\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) + "\r\n";
    const run_output piped = run({"--pipe"}, pipe);
    CHECK(piped.exit_code == 0);
    CHECK(piped.out.find("errors: 0, replies: 10000") != std::string::npos);
    CHECK(run({"LLEN", "p"}).out == "10000\n");
    CHECK(run({"LINDEX", "p", "9999"}).out == "9999\n");

    // A value of 6 MB each way: many TLS records, partial writes, pending decrypted bytes.
    std::string big(6 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7919) % 26);
    CHECK(run({"-x", "SET", "big"}, big).out == "OK\n");
    CHECK(run({"STRLEN", "big"}).out == std::to_string(big.size()) + "\n");
    const run_output got = run({"GET", "big"});
    CHECK(got.out.size() == big.size() + 1);
    CHECK((got.out == big + "\n"));

    // Pub/sub: a TLS subscriber receives what a plain client publishes.
    std::vector<std::string> subscriber{find_on_path("redis-cli"), "-p", std::to_string(server.tls_port), "--tls",
                                        "--cacert", certs().file("ca.crt"), "--cert", certs().file("client.crt"),
                                        "--key", certs().file("client.key")};
    subscriber.insert(subscriber.end(), auth.begin(), auth.end());
    subscriber.insert(subscriber.end(), {"SUBSCRIBE", "news"});
    child_process sub(subscriber);
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen.find("news\n1\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        seen += sub.read_available_stdout();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(seen.find("subscribe\nnews\n1\n") != std::string::npos);
    const run_output published = run_program({find_on_path("redis-cli"), "-p", std::to_string(server.port), "--user",
                                              "default", "--pass", "s3cret", "--no-auth-warning", "PUBLISH", "news", "over TLS"});
    CHECK(published.out == "1\n");
    while (seen.find("over TLS") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        seen += sub.read_available_stdout();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(seen.find("message\nnews\nover TLS\n") != std::string::npos);
    sub.stop();

    // The plain port serves the same keyspace meanwhile.
    CHECK(run_program({find_on_path("redis-cli"), "-p", std::to_string(server.port), "--pass", "s3cret",
                       "--no-auth-warning", "GET", "greeting"})
              .out == "hello\n");
}

TEST_CASE("tls-auth-clients: yes refuses a client without a certificate (others are served meanwhile); optional and no serve it") {
    if (!prerequisites()) return;
    {
        const tls_server server; // tls-auth-clients yes, Redis's default
        REQUIRE(server.listening);
        const run_output refused = cli(server.tls_port, false, {"PING"});
        CHECK(refused.out.find("PONG") == std::string::npos);
        CHECK(cli(server.tls_port, true, {"PING"}).out == "PONG\n");
        // respkit's client: without a certificate, or with one no trusted CA signed, refused.
        respkit::client::connection stranger = tls_client(server.tls_port, {.ca_cert_file = certs().file("ca.crt")});
        CHECK(!stranger.command("PING"));
        respkit::client::connection untrusted = tls_client(
            server.tls_port, {.ca_cert_file = certs().file("ca.crt"), .cert_file = certs().file("other-ca.crt"),
                              .key_file = certs().file("other-ca.key")});
        CHECK(!untrusted.command("PING"));
        respkit::client::connection trusted = tls_client(
            server.tls_port, {.ca_cert_file = certs().file("ca.crt"), .cert_file = certs().file("client.crt"),
                              .key_file = certs().file("client.key")});
        CHECK(trusted.command("PING").value().string() == "PONG");
        // A connection that never finishes its handshake holds nobody up (the handshake is
        // non-blocking, within the event loop).
        const int stalled = connect_loopback(server.tls_port);
        REQUIRE(stalled >= 0);
        CHECK(send_all(stalled, std::string_view("\x16\x03\x01\x02\x00\x01", 6))); // a ClientHello's first bytes
        CHECK(cli(server.tls_port, true, {"PING"}).out == "PONG\n");
        ::close(stalled);
        // Plain bytes on the TLS port end that connection only.
        CHECK(exchange(server.tls_port, "PING\r\n", std::chrono::seconds(5)).find("PONG") == std::string::npos);
        CHECK(cli(server.tls_port, true, {"PING"}).out == "PONG\n");
    }
    for (const std::string mode : {"optional", "no"}) {
        CAPTURE(mode);
        const tls_server server({"--tls-auth-clients", mode});
        REQUIRE(server.listening);
        CHECK(cli(server.tls_port, false, {"PING"}).out == "PONG\n");
        CHECK(cli(server.tls_port, true, {"PING"}).out == "PONG\n");
    }
}

TEST_CASE("redis-py with ssl=True: everyday commands, a pipeline, an 8 MB value, pub/sub, AUTH as the default user") {
    if (!prerequisites()) return;
    const std::string& python = redis_py_python;
    if (!have_redis_py()) {
        MESSAGE("skipped: python3-redis missing");
        return;
    }
    const tls_server server({"--requirepass", "s3cret"});
    REQUIRE(server.listening);
    const std::string script = R"PY(
import sys, time, redis
port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
r = redis.Redis(host='127.0.0.1', port=port, ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key,
                username='default', password='s3cret', socket_timeout=10)
assert r.set('k', 'v') is True
assert r.get('k') == b'v'
assert r.hset('h', mapping={'a': 1, 'b': 2}) == 2
assert r.hgetall('h') == {b'a': b'1', b'b': b'2'}
p = r.pipeline(transaction=False)
for i in range(1000): p.rpush('l', i)
p.lrange('l', 0, 2)
out = p.execute()
assert out[-2] == 1000 and out[-1] == [b'0', b'1', b'2'], out[-2:]
with r.pipeline(transaction=True) as t:
    t.incr('n'); t.incr('n')
    assert t.execute() == [1, 2]
big = bytes(range(256)) * (8 * 4096)
assert r.set('big', big) is True
assert r.get('big') == big
ps = r.pubsub()
ps.subscribe('ch')
m = ps.get_message(timeout=5)
assert m['type'] == 'subscribe', m
assert r.publish('ch', 'hi') == 1
m = ps.get_message(timeout=5)
assert m is not None and m['data'] == b'hi', m
ps.close()
# Without the client's certificate the server (tls-auth-clients yes) refuses the connection.
try:
    redis.Redis(host='127.0.0.1', port=port, ssl=True, ssl_ca_certs=ca, socket_timeout=5).ping()
    raise SystemExit('served without a certificate')
except (redis.exceptions.ConnectionError, OSError):
    pass
print('ok')
)PY";
    const run_output r = run_program({python, "-c", script, std::to_string(server.tls_port), certs().file("ca.crt"),
                                      certs().file("client.crt"), certs().file("client.key")},
                                     {}, std::chrono::seconds(60));
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "ok\n");
}

TEST_CASE("a named ACL user over TLS: redis-cli --tls --user and redis-py ssl=True with username") {
    if (!prerequisites()) return;
    const tls_server server({"--user", "alice", "on", ">pw4alice", "~app:*", "+@all", "-@dangerous"});
    REQUIRE(server.listening);
    const auto run = [&](std::vector<std::string> args) {
        const std::vector<std::string> auth{"--user", "alice", "--pass", "pw4alice", "--no-auth-warning"};
        args.insert(args.begin(), auth.begin(), auth.end());
        return cli(server.tls_port, true, std::move(args));
    };
    CHECK(run({"SET", "app:1", "hello"}).out == "OK\n");
    CHECK(run({"GET", "app:1"}).out == "hello\n");
    CHECK(run({"RPUSH", "app:l", "a", "b"}).out == "2\n");
    CHECK(run({"LRANGE", "app:l", "0", "-1"}).out == "a\nb\n");
    CHECK(run({"ACL", "WHOAMI"}).out == "alice\n");
    CHECK(run({"GET", "other"}).out.find("NOPERM this user has no permissions to access one of the keys") !=
          std::string::npos);
    CHECK(run({"FLUSHALL"}).out.find("NOPERM this user has no permissions to run the 'flushall' command") !=
          std::string::npos);

    const std::string& python = redis_py_python;
    if (!have_redis_py()) {
        MESSAGE("skipped: python3-redis missing");
        return;
    }
    const std::string script = R"PY(
import sys, redis
port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tls = dict(ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key, socket_timeout=10)
r = redis.Redis(host='127.0.0.1', port=port, username='alice', password='pw4alice', **tls)
assert r.set('app:py', 'v') is True
assert r.get('app:py') == b'v'
assert r.incr('app:n') == 1
p = r.pipeline(transaction=True)
p.hset('app:h', mapping={'a': 1}); p.hgetall('app:h')
assert p.execute() == [1, {b'a': b'1'}]
try:
    r.get('other'); sys.exit('no NOPERM')
except redis.exceptions.NoPermissionError:
    pass
try:
    redis.Redis(host='127.0.0.1', port=port, username='alice', password='bad', **tls).ping()
    sys.exit('a wrong password was accepted')
except redis.exceptions.ResponseError as e:
    assert 'WRONGPASS' in str(e), str(e)
print('ok')
)PY";
    const run_output py = run_program({python, "-c", script, std::to_string(server.tls_port), certs().file("ca.crt"),
                                       certs().file("client.crt"), certs().file("client.key")});
    CHECK(py.out == "ok\n");
    CHECK(py.exit_code == 0);
}

TEST_CASE("respkit's client over TLS: commands, a pipeline, a 4 MB value; the server's certificate and name are checked") {
    if (!prerequisites()) return;
    const tls_server server;
    REQUIRE(server.listening);
    const respkit::tls::client_options good{.ca_cert_file = certs().file("ca.crt"),
                                            .cert_file = certs().file("client.crt"),
                                            .key_file = certs().file("client.key")};
    respkit::client::connection c = tls_client(server.tls_port, good);
    REQUIRE(c.connect());
    CHECK(c.set("k", "v"));
    CHECK(c.get("k").value() == std::optional<std::string>("v"));
    respkit::client::pipeline p;
    for (int i = 0; i < 500; ++i) p.add("INCR", "n");
    const auto replies = c.execute(p);
    REQUIRE(replies);
    CHECK(replies->size() == 500);
    const std::string big(4 * 1024 * 1024, 'x');
    CHECK(c.set("big", big));
    CHECK(c.get("big").value() == std::optional<std::string>(big));
    // An idle link is checked before use (a non-blocking read through TLS) and still works.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(c.command("PING").value().string() == "PONG");

    // A server name its certificate holds (localhost) passes; another, or a CA that did not
    // sign it, fails the handshake.
    respkit::tls::client_options named = good;
    named.server_name = "localhost";
    CHECK(tls_client(server.tls_port, named).connect());
    respkit::tls::client_options wrong_name = good;
    wrong_name.server_name = "elsewhere.example";
    const auto refused_name = tls_client(server.tls_port, wrong_name).connect();
    REQUIRE(!refused_name);
    CHECK(refused_name.error().message.find("certificate verify failed") != std::string::npos);
    respkit::tls::client_options wrong_ca = good;
    wrong_ca.ca_cert_file = certs().file("other-ca.crt");
    const auto refused_ca = tls_client(server.tls_port, wrong_ca).connect();
    REQUIRE(!refused_ca);
    CHECK(refused_ca.error().message.find("certificate verify failed") != std::string::npos);
    // --insecure: not checked.
    respkit::tls::client_options insecure = wrong_ca;
    insecure.verify = false;
    CHECK(tls_client(server.tls_port, insecure).connect());
    // The plain port is not TLS: the handshake fails (the server waits for a line end that the
    // client's hello lacks; the read timeout ends it).
    const auto plain = tls_client(server.port, good, std::chrono::milliseconds(500)).connect();
    CHECK(!plain);
}

TEST_CASE("TLS start-up errors have Redis's messages: no certificate, no CA with tls-auth-clients yes, bad tls-protocols") {
    if (!prerequisites()) return;
    const std::string program = built_program("respkit-server");
    const std::string port = std::to_string(free_port());
    const std::string tls_port = std::to_string(free_port());
    const auto start = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{program, "--port", port, "--tls-port", tls_port, "--save", "", "--appendonly", "no"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_program(args, {}, std::chrono::seconds(20));
    };
    const run_output no_cert = start({});
    CHECK(no_cert.exit_code == 1);
    CHECK(no_cert.out.find("No tls-cert-file configured!") != std::string::npos);
    CHECK(no_cert.out.find("Failed to configure TLS. Check logs for more info.") != std::string::npos);
    const run_output no_ca = start({"--tls-cert-file", certs().file("server.crt"), "--tls-key-file", certs().file("server.key")});
    CHECK(no_ca.exit_code == 1);
    CHECK(no_ca.out.find("Either tls-ca-cert-file or tls-ca-cert-dir must be specified") != std::string::npos);
    const run_output protocols = start({"--tls-cert-file", certs().file("server.crt"), "--tls-key-file",
                                        certs().file("server.key"), "--tls-auth-clients", "no", "--tls-protocols", "SSLv3"});
    CHECK(protocols.exit_code == 1);
    CHECK(protocols.out.find("Invalid tls-protocols specified") != std::string::npos);
    const run_output wrong_key = start({"--tls-cert-file", certs().file("server.crt"), "--tls-key-file",
                                        certs().file("client.key"), "--tls-auth-clients", "no"});
    CHECK(wrong_key.exit_code == 1);
    CHECK(wrong_key.out.find("Failed to load private key") != std::string::npos);
    const run_output wrong_pass = start({"--tls-cert-file", certs().file("server.crt"), "--tls-key-file",
                                         certs().file("server-encrypted.key"), "--tls-key-file-pass", "wrong",
                                         "--tls-auth-clients", "no"});
    CHECK(wrong_pass.exit_code == 1);
    CHECK(wrong_pass.out.find("Failed to load private key") != std::string::npos);
    const run_output no_dh = start({"--tls-cert-file", certs().file("server.crt"), "--tls-key-file",
                                    certs().file("server.key"), "--tls-auth-clients", "no", "--tls-dh-params-file",
                                    certs().file("nosuch.pem")});
    CHECK(no_dh.exit_code == 1);
    CHECK(no_dh.out.find("Failed to load " + certs().file("nosuch.pem")) != std::string::npos);

    // TLS settings are fixed at start-up: CONFIG SET refuses a change rather than ignoring it.
    // The process title's {tls-port} is the TLS port, as Redis's.
    const tls_server server({"--proc-title-template", "{title} {listen-addr} tls={tls-port}"});
    REQUIRE(server.listening);
    // (The title is set just after the listeners open: wait for it.)
    const std::string expected_title = ":" + std::to_string(server.port) + " tls=" + std::to_string(server.tls_port);
    std::string title;
    for (int i = 0; i < 500 && title.find(expected_title) == std::string::npos; ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        title = read_file("/proc/" + std::to_string(server.child->pid()) + "/cmdline");
    }
    CHECK(title.find(expected_title) != std::string::npos);
    CHECK(cli(server.tls_port, true, {"CONFIG", "SET", "tls-protocols", "TLSv1.3"}).out.find("start-up only") !=
          std::string::npos);
    CHECK(cli(server.tls_port, true, {"CONFIG", "GET", "tls-port"}).out == "tls-port\n" + std::to_string(server.tls_port) + "\n");
}

TEST_CASE("tls-key-file-pass, tls-protocols and tls-ciphers take effect; tls-dh-params-file is loaded") {
    if (!prerequisites()) return;
    const respkit::tls::client_options client{.ca_cert_file = certs().file("ca.crt"),
                                              .cert_file = certs().file("client.crt"),
                                              .key_file = certs().file("client.key")};
    {
        // An encrypted key with its passphrase, DH parameters, TLS 1.2 only with a DHE cipher.
        const tls_server server({"--tls-key-file", certs().file("server-encrypted.key"), "--tls-key-file-pass",
                                 "k3y-pass", "--tls-dh-params-file", certs().file("dh.pem"), "--tls-protocols",
                                 "TLSv1.2", "--tls-ciphers", "DHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"});
        REQUIRE(server.listening);
        respkit::client::connection c = tls_client(server.tls_port, client);
        CHECK(c.command("PING").value().string() == "PONG");
        // A client that speaks TLS 1.3 only cannot agree on a version with it.
        respkit::tls::client_options only13 = client;
        only13.protocols = "TLSv1.3";
        CHECK(!tls_client(server.tls_port, only13).connect());
        // Nor one that offers no cipher the server allows.
        respkit::tls::client_options other_cipher = client;
        other_cipher.protocols = "TLSv1.2";
        other_cipher.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
        CHECK(!tls_client(server.tls_port, other_cipher).connect());
    }
    {
        // TLS 1.3 only: a TLS 1.2 client is refused, a TLS 1.3 one served.
        const tls_server server({"--tls-protocols", "TLSv1.3"});
        REQUIRE(server.listening);
        respkit::tls::client_options only12 = client;
        only12.protocols = "TLSv1.2";
        CHECK(!tls_client(server.tls_port, only12).connect());
        CHECK(tls_client(server.tls_port, client).connect());
    }
}

TEST_CASE("tls-session-caching: a client resumes its session when yes, never when no") {
    if (!prerequisites()) return;
    const std::string& python = redis_py_python;
    if (::access(python.c_str(), X_OK) != 0) {
        MESSAGE("skipped: no /usr/bin/python3");
        return;
    }
    const std::string script = R"PY(
import socket, ssl, sys
port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
def once(session=None):
    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='127.0.0.1', session=session)
    s.sendall(b'PING\r\n')
    assert s.recv(100) == b'+PONG\r\n'  # the TLS 1.3 ticket, if any, came before the reply
    reused, session = s.session_reused, s.session
    s.close()
    return reused, session
first, session = once()
second, _ = once(session)
print(first, second)
)PY";
    for (const auto& run : {std::pair<std::string, std::string>{"yes", "False True\n"}, {"no", "False False\n"}}) {
        const std::string& mode = run.first;
        const std::string& expected = run.second;
        CAPTURE(mode);
        const tls_server server({"--tls-session-caching", mode});
        REQUIRE(server.listening);
        const run_output r = run_program({python, "-c", script, std::to_string(server.tls_port), certs().file("ca.crt"),
                                          certs().file("client.crt"), certs().file("client.key")},
                                         {}, std::chrono::seconds(30));
        CHECK_MESSAGE(r.exit_code == 0, r.err);
        CHECK(r.out == expected);
    }
}

#pragma once

/// \file
/// respkit's Redis-compatible server as one type: the keyspace, the configuration, the
/// dispatcher with every built-in command, the TCP and Unix socket listeners, the active
/// expiry timer, logging, signals, and what redis-server does as a process (daemonize, pid
/// file, supervision, process title, crash report), all from a Redis configuration. The
/// built-in commands are only declared here: a program includes respkit/commands/src.hpp in one
/// .cpp file (or respkit/commands.hpp, or the respkit/app.hpp umbrella, where it uses the server).

#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/app/append_only.hpp"
#include "respkit/app/cluster_node.hpp"
#include "respkit/app/configuration.hpp"
#include "respkit/app/cpu_affinity.hpp"
#include "respkit/app/crash_report.hpp"
#include "respkit/app/daemon.hpp"
#include "respkit/app/logger.hpp"
#include "respkit/app/memory_limit.hpp"
#include "respkit/app/oom_score.hpp"
#include "respkit/app/process_title.hpp"
#include "respkit/app/snapshots.hpp"
#include "respkit/commands/install.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/persist/child_process.hpp"
#include "respkit/secure_stream.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// What a server does besides what its configuration says.
struct server_options {
    std::string name = "respkit-server"; ///< the program's name in the banner and the log
    bool banner = true;                  ///< log the start-up banner (version, mode, addresses)
    /// Act on the process as redis-server does: working directory (dir), daemonize, pid file,
    /// supervision, process title, crash report, transparent huge pages, the open files limit,
    /// and signals (SIGINT and SIGTERM stop the server; SIGHUP and SIGPIPE are ignored). False
    /// for a server embedded in a program that owns its process (stop it with stop()).
    bool process = true;
    /// Makes the TLS listener's acceptor from the tls-* parameters (app::openssl_tls from
    /// respkit/app/tls.hpp), or returns null with the reason. Empty: no TLS support, and a
    /// tls-port is refused at start-up.
    std::function<std::shared_ptr<const stream_acceptor>(const respkit::server::config_table&, std::string& error)> tls{};
    /// Installs commands of the program's own beside the built-in ones, before the
    /// rename-command directives apply (respkit-server: the scripting commands, with Lua); the
    /// context is the server's (the scripting layer lends it INFO fields and the function
    /// libraries for persistence).
    std::function<void(respkit::server::dispatcher&, respkit::server::server_context&)> install_commands{};
};

/// A Redis-compatible server made from a configuration: construct it, add commands of your
/// own to commands() if you like, then run() it.
///
/// \code
/// respkit::app::configuration config;
/// if (auto status = respkit::app::read_command_line({argv, argv + argc}, config)) return *status;
/// respkit::app::server server(std::move(config));
/// return server.run();
/// \endcode
class server {
public:
    /// The keyspace type.
    using keyspace_type = store::keyspace<>;

    /// A server for `config`: its keyspace and its dispatcher with every built-in command exist
    /// at once (rename-command directives applied); nothing is opened before start().
    explicit server(configuration config, server_options options = {})
        : m_config(std::move(config.parameters)), m_source(std::move(config.source)), m_options(std::move(options)) {
        install_restrictions(m_config);
        set_up_logging();
        make_keyspace();
        commands::install_builtin_commands(m_commands, *m_keyspace, m_config);
        // While CLIENT PAUSE holds clients the dataset stays still: no key expires (Redis's
        // expireIfNeeded and activeExpireCycle), no key is evicted (memory_limit::perform).
        m_context.pause().on_change([ks = m_keyspace.get()](bool paused) { ks->set_keep_expired(paused); });
        m_memory = std::make_unique<memory_limit<keyspace_type>>(m_config, m_context, *m_keyspace);
        m_memory->install(m_commands);
        set_up_persistence();
        if (m_config.get_bool("cluster-enabled")) {
            m_cluster = std::make_unique<cluster_node<keyspace_type>>(m_config, m_context, *m_keyspace, m_commands);
            m_cluster->install();
        }
        if (m_options.install_commands) m_options.install_commands(m_commands, m_context);
        apply_renames();
        // Values loaded before the commands registered their hooks are applied (or refused) now.
        if (std::string why = m_config.reapply(); !why.empty() && m_error.empty()) m_error = std::move(why);
        // notify-keyspace-events from the configuration (CONFIG SET applies it as it goes).
        if (const auto classes = respkit::server::parse_keyspace_event_classes(m_config.get("notify-keyspace-events")))
            commands::apply_keyspace_events(*m_keyspace, m_context, *classes);
        // After requirepass took effect: a `user default` line replaces it, as in Redis.
        load_users();
    }
    /// A server for configuration parameters alone (no file, no directives).
    explicit server(respkit::server::config_table parameters = {}, server_options options = {})
        : server(configuration{std::move(parameters), {}}, std::move(options)) {}

    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() {
        if (m_notify_systemd) (void)notify_systemd("STOPPING=1\n");
    }

    /// The configuration (CONFIG GET / SET see the same table).
    [[nodiscard]] respkit::server::config_table& config() noexcept { return m_config; }
    /// The keyspace.
    [[nodiscard]] keyspace_type& keyspace() noexcept { return *m_keyspace; }
    /// The commands: every built-in one; add or replace your own before start().
    [[nodiscard]] respkit::server::dispatcher& commands() noexcept { return m_commands; }
    /// State shared by the connections (statistics, clients, log sink).
    [[nodiscard]] respkit::server::server_context& context() noexcept { return m_context; }
    /// Logs `text` at `level` through the server's log (Redis's format, loglevel, logfile, syslog).
    void log(respkit::server::log_level level, std::string_view text) const { m_context.log(level, text); }

    /// Lets the server show its title in `ps` (set-proc-title) by taking over the memory of
    /// main's arguments; read them before. Call before start().
    void set_process_arguments(int argc, char** argv) {
        if (argc > 0 && argv != nullptr && argv[0] != nullptr) m_title_name = argv[0];
        m_title.init(argc, argv);
    }

    /// Checks the configuration (one message naming every refused setting), acts on the
    /// process (daemonize, pid file, ...), and opens the listeners; then logs the banner.
    /// Returns "" or the error, which is logged too. Once it succeeded, does nothing.
    [[nodiscard]] std::string start() {
        if (m_transport) return {};
        if (!m_error.empty()) return fail(m_error);
        if (const std::string refused = refused_settings(m_config, m_source); !refused.empty()) {
            return fail(format_refused_settings(refused, m_options.name));
        }
        if (m_options.process) {
            // As Redis: the working directory is `dir` before the pid file, the log file or the
            // Unix socket are opened with relative paths.
            if (const std::string dir(m_config.get("dir")); !dir.empty() && ::chdir(dir.c_str()) != 0) {
                return fail("Can't chdir to '" + dir + "': " + std::strerror(errno));
            }
            start_process();
        }
        if (m_options.banner) {
            log(respkit::server::log_level::notice, "oO0OoO0OoO0Oo " + m_options.name + " is starting oO0OoO0OoO0Oo");
            log(respkit::server::log_level::notice, m_options.name + " version=" RESPKIT_VERSION_STRING
                                                        " (Redis 7.0.15 compatible), bits=" +
                                                        std::to_string(sizeof(void*) * 8) +
                                                        ", pid=" + std::to_string(::getpid()) + ", just started");
            log(respkit::server::log_level::notice,
                m_source.file.empty() ? "Warning: no config file specified, using the default config."
                                    : "Configuration loaded");
        }
        // As Redis: with appendonly yes the append-only file holds the dataset (loaded once the
        // listeners are open, start_persistence()), not the snapshot.
        if (!m_config.get_bool("appendonly")) {
            if (std::string error = m_snapshots->load_at_start(); !error.empty()) return fail(error);
        }
        std::shared_ptr<const stream_acceptor> tls;
        if (const std::int64_t tls_port = m_config.get_integer("tls-port"); tls_port != 0) {
            if (!m_options.tls) {
                return fail("tls-port " + std::to_string(tls_port) + ": " + m_options.name +
                            " was built without TLS support (OpenSSL, respkit::tls); remove tls-port or build it with TLS");
            }
            std::string why;
            tls = m_options.tls(m_config, why);
            if (!tls) {
                log(respkit::server::log_level::warning, why);
                return fail("Failed to configure TLS. Check logs for more info.");
            }
        }
        m_transport = std::make_unique<net::tcp_server>(m_commands, m_context, transport_options(std::move(tls)));
        if (const std::error_code error = m_transport->listen()) {
            // The transport logged which address failed and why.
            const std::string why = error == std::errc::destination_address_required
                                        ? std::string("Configured to not listen anywhere, exiting.")
                                        : "Failed listening (" + error.message() + "), aborting.";
            m_transport.reset();
            return fail(why);
        }
        if (m_cluster) {
            if (const std::string why = m_cluster->start(*m_transport); !why.empty()) {
                m_transport.reset();
                return fail(why);
            }
        }
        m_transport->handle_signals(m_options.process);
        // A script past busy-reply-threshold serves the other clients through the busy pass.
        m_context.set_busy_reply_threshold(std::chrono::milliseconds(m_config.get_integer("busy-reply-threshold")));
        m_context.set_busy_handler([this](const respkit::server::session& caller) {
            if (m_transport) m_transport->serve_busy(caller);
        });
        m_memory->start(*m_transport);
        // server_cpulist pins the server (Redis's setcpuaffinity, after its initServer), and
        // oom-score-adj sets its OOM score (a failure is logged, as Redis's setOOMScoreAdj).
        (void)set_cpu_affinity(m_config.get("server_cpulist"));
        if (const std::string why = m_oom.apply(m_config.get("oom-score-adj"), m_config.get("oom-score-adj-values"),
                                                oom_class::primary);
            !why.empty())
            log(respkit::server::log_level::warning, why);
        // A background child (BGSAVE, a rewrite) holds no listening socket: if the server dies
        // first, clients must not connect to a child that will never answer. bgsave_cpulist and
        // aof_rewrite_cpulist pin it (the lists are immutable: read once).
        m_child.set_child_setup([this, transport = m_transport.get(), bgsave = std::string(m_config.get("bgsave_cpulist")),
                                 rewrite = std::string(m_config.get("aof_rewrite_cpulist"))](std::string_view purpose) {
            transport->close_listeners_in_child();
            (void)set_cpu_affinity(purpose == "aof" ? rewrite : bgsave);
            // The child's own OOM score (oom-score-adj-values' third), as Redis's redisFork.
            (void)m_oom.apply(m_config.get("oom-score-adj"), m_config.get("oom-score-adj-values"),
                              oom_class::background_child);
        });
        arm_expiry();
        arm_persistence_cron();
        watch_changes();
        // As Redis: the listeners are open while the dataset loads (clients get -LOADING).
        if (const std::string why = start_persistence(); !why.empty()) {
            m_transport.reset();
            return fail(why);
        }
        // As Redis's verifyClusterConfigWithData: the loaded keys against the slots this node serves.
        if (m_cluster) {
            if (const std::string why = m_cluster->verify_data(); !why.empty()) {
                m_transport.reset();
                return fail(why);
            }
        }
        if (m_options.process && m_config.get_bool("set-proc-title")) update_title();
        if (m_options.banner) banner();
        if (m_transport->port() != 0 || m_transport->tls_port() != 0) {
            std::string tcp;
            for (const std::string& a : m_transport->addresses()) {
                if (a != std::string(m_config.get("unixsocket")) + ":0") tcp += (tcp.empty() ? "" : ", ") + a;
            }
            log(respkit::server::log_level::notice, "Ready to accept connections on " + tcp);
        }
        if (const std::string socket_path(m_config.get("unixsocket")); !socket_path.empty()) {
            log(respkit::server::log_level::notice, "The server is now ready to accept connections at " + socket_path);
        }
        if (m_supervised == "systemd") {
            m_notify_systemd = notify_systemd("STATUS=Ready to accept connections\n") && notify_systemd("READY=1\n");
            if (!m_notify_systemd) log(respkit::server::log_level::warning, "systemd supervision error: NOTIFY_SOCKET not found!");
        } else if (m_supervised == "upstart") {
            notify_upstart_ready();
        }
        return {};
    }

    /// start()s if needed, then serves until SHUTDOWN, stop() or (with options.process)
    /// SIGINT / SIGTERM. Returns the exit status: 0, or 1 when start() failed.
    int run() {
        if (!start().empty()) return 1;
        if (m_stop_requested.load()) m_transport->stop();
        m_transport->run();
        m_aof->stop(); // what is buffered is written and fsynced before the process ends
        if (m_context.shutdown_requested()) log(respkit::server::log_level::warning, "User requested shutdown...");
        // Stopped by a signal or stop() rather than SHUTDOWN: save as shutdown-on-sigint /
        // shutdown-on-sigterm say (default: as SHUTDOWN without arguments, a final snapshot when
        // save points are configured). Redis keeps running when that save fails (without force);
        // a stopped loop cannot, so the failure is logged and the process exits.
        if (!m_shutdown_prepared) (void)prepare_shutdown(signal_saving());
        if (!m_config.get("unixsocket").empty()) log(respkit::server::log_level::notice, "Removing the unix socket file.");
        if (!m_pid_file.path().empty()) log(respkit::server::log_level::notice, "Removing the pid file.");
        m_pid_file.remove();
        log(respkit::server::log_level::warning, m_options.name + " is now ready to exit, bye bye...");
        return 0;
    }

    /// Asks run() to return gracefully. Thread-safe and async-signal-safe once start() returned;
    /// may come before run().
    void stop() noexcept {
        m_stop_requested.store(true);
        if (net::tcp_server* t = m_transport.get()) t->stop();
    }

    /// The TCP port listened on (0 before start(), or without a TCP listener).
    [[nodiscard]] std::uint16_t port() const noexcept { return m_transport ? m_transport->port() : 0; }
    /// Every address listened on ("127.0.0.1:6379", "/tmp/redis.sock:0"), after start().
    [[nodiscard]] std::vector<std::string> addresses() const {
        return m_transport ? m_transport->addresses() : std::vector<std::string>();
    }
    /// The transport, after start() (nullptr before): its timers (every()) run on the loop.
    [[nodiscard]] net::tcp_server* transport() noexcept { return m_transport.get(); }
    /// The append-only file (appendonly, BGREWRITEAOF, INFO persistence's aof_* fields).
    [[nodiscard]] append_only<keyspace_type>& append_only_file() noexcept { return *m_aof; }

private:
    std::string fail(std::string message) {
        // Before start() no sink may reach a terminal (a daemon): write where the log goes.
        m_logger.write(respkit::server::log_level::warning, message);
        return message;
    }

    void set_up_logging() {
        m_logger.set_level(log_level_named(m_config.get("loglevel")));
        m_logger.set_file(std::string(m_config.get("logfile")));
        if (m_config.get_bool("syslog-enabled")) {
            m_logger.set_syslog(true, std::string(m_config.get("syslog-ident")), syslog_facility(m_config.get("syslog-facility")));
        }
        m_context.set_log_sink(m_logger.sink());
    }

    [[nodiscard]] static int syslog_facility(std::string_view name) {
        static constexpr std::pair<std::string_view, int> facilities[] = {
            {"user", LOG_USER},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
            {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
            {"local7", LOG_LOCAL7}};
        for (const auto& [n, f] : facilities) {
            if (n == name) return f;
        }
        return LOG_LOCAL0;
    }

    void make_keyspace() {
        store::keyspace_options options;
        options.databases = static_cast<std::size_t>(m_config.get_integer("databases"));
        try {
            m_keyspace = std::make_unique<keyspace_type>(options);
        } catch (const std::exception&) {
            // A count the machine cannot hold: a clear error at start(), not an abort.
            m_error = "Can't allocate " + std::string(m_config.get("databases")) + " databases (databases is too large)";
            options.databases = 1;
            m_keyspace = std::make_unique<keyspace_type>(options);
        }
    }

    // Snapshots (SAVE, BGSAVE, save points, loading at start) and the persistence hooks the
    // commands call. With options.process the process works in `dir`; otherwise files are
    // put in `dir` by path.
    void set_up_persistence() {
        std::string directory = m_options.process ? std::string() : std::string(m_config.get("dir"));
        m_snapshots = std::make_unique<snapshots<keyspace_type>>(m_config, m_context, *m_keyspace, m_child,
                                                                 std::move(directory));
        m_snapshots->install(m_commands);
        m_aof = std::make_unique<append_only<keyspace_type>>(m_config, m_context, *m_keyspace, m_commands, m_child);
        auto& hooks = m_context.persistence();
        hooks.rewrite_append_only = [this] { return m_aof->bgrewriteaof(); };
        hooks.before_shutdown = [this](respkit::server::shutdown_saving saving) { return prepare_shutdown(saving); };
        hooks.info = [this](respkit::server::info_fields& fields) { persistence_info(fields); };
    }

    [[nodiscard]] respkit::server::persistence_result prepare_shutdown(respkit::server::shutdown_saving saving) {
        respkit::server::persistence_result r = m_snapshots->before_shutdown(saving);
        m_shutdown_prepared = r.error.empty();
        return r;
    }

    [[nodiscard]] respkit::server::shutdown_saving signal_saving() const {
        const int signal = net::stop_signals::received();
        if (signal != SIGINT && signal != SIGTERM) return respkit::server::shutdown_saving::configured;
        const std::string_view flags = m_config.get(signal == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm");
        for (std::size_t at = 0; at < flags.size();) {
            std::size_t end = flags.find(' ', at);
            if (end == std::string_view::npos) end = flags.size();
            const std::string_view flag = flags.substr(at, end - at);
            if (flag == "nosave") return respkit::server::shutdown_saving::nosave;
            if (flag == "save") return respkit::server::shutdown_saving::save;
            at = end + 1;
        }
        return respkit::server::shutdown_saving::configured;
    }

    // INFO persistence, in Redis 7.0's order.
    void persistence_info(respkit::server::info_fields& fields) const {
        fields.emplace_back("loading", m_context.loading() ? "1" : "0");
        fields.emplace_back("async_loading", "0");
        const bool child = m_child.running();
        fields.emplace_back("current_cow_peak", "0");
        fields.emplace_back("current_cow_size", "0");
        fields.emplace_back("current_cow_size_age", "0");
        fields.emplace_back("current_fork_perc", "0.00");
        fields.emplace_back("current_save_keys_processed", "0");
        fields.emplace_back("current_save_keys_total", child ? std::to_string(total_keys()) : "0");
        m_snapshots->info(fields);
        m_aof->info(fields);
        fields.emplace_back("module_fork_in_progress", "0");
        fields.emplace_back("module_fork_last_cow_size", "0");
        m_aof->info_when_enabled(fields);
    }

    [[nodiscard]] std::uint64_t total_keys() const {
        std::uint64_t n = 0;
        for (std::size_t db = 0; db < m_keyspace->db_count(); ++db) n += m_keyspace->size(db);
        return n;
    }

    // Every 100 ms, as Redis's serverCron checks its child and save points: a child that ended is
    // reaped and reported to its owner; then save points.
    void arm_persistence_cron() {
        m_persistence_cron = m_transport->every(std::chrono::milliseconds(100), [this] {
            if (m_child.running()) {
                const std::string purpose = m_child.purpose();
                if (const auto ended = m_child.poll()) {
                    if (purpose == "rdb") m_snapshots->child_done(*ended);
                    if (purpose == "aof") m_aof->child_done(*ended);
                }
            }
            m_snapshots->cron();
            // As Redis: no access stamps while a child saves (they would copy its pages).
            m_keyspace->set_access_tracking(!m_child.running());
        });
    }

    // rename-command old new: the command answers to its new name ("" removes it), as Redis.
    void apply_renames() {
        for (const respkit::server::config_directive& d : m_source.directives) {
            if (d.args[0] != "rename-command") continue;
            respkit::server::command_entry* entry = m_commands.find(d.args[1]);
            // Removing a command respkit does not have (rename-command DEBUG "") leaves it absent,
            // which is what the line asks for.
            if (entry == nullptr && d.args[2].empty()) continue;
            if (entry == nullptr) {
                m_error = config_error(d, "No such command in rename-command");
                return;
            }
            if (d.args[2].empty()) {
                (void)m_commands.remove(d.args[1]);
                continue;
            }
            if (m_commands.find(d.args[2]) != nullptr) {
                m_error = config_error(d, "Target command name already exists");
                return;
            }
            respkit::server::command_spec spec = entry->spec;
            respkit::server::command_handler handler = entry->handler;
            auto subcommands = std::move(entry->subcommands);
            (void)m_commands.remove(d.args[1]);
            spec.name = d.args[2];
            respkit::server::command_entry& renamed = m_commands.add(std::move(spec), std::move(handler));
            renamed.subcommands = std::move(subcommands);
        }
    }

    // `user` directives and aclfile: the ACL users, as Redis loads them at start-up (a user
    // line's rules are checked as the file is read, then applied; the default user is reset
    // first).
    void load_users() {
        if (!m_error.empty()) return;
        respkit::server::access_control& access = m_commands.access();
        std::vector<const respkit::server::config_directive*> users;
        for (const respkit::server::config_directive& d : m_source.directives) {
            if (d.args[0] != "user") continue;
            for (const respkit::server::config_directive* seen : users) {
                if (seen->args[1] == d.args[1]) {
                    m_error = config_error(d, "Error in user declaration '" + d.args[1] +
                                                  "': Duplicate user found. A user can only be defined once in "
                                                  "config files");
                    return;
                }
            }
            users.push_back(&d);
        }
        if (!access.file.empty() && !users.empty()) {
            m_error = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is "
                      "invalid. This setup is very likely to lead to configuration errors and security holes, please "
                      "define either an ACL file or declare users directly in your redis.conf, but not both.";
            return;
        }
        for (const respkit::server::config_directive* d : users) {
            const std::string& name = d->args[1];
            if (respkit::server::acl_selector::has_spaces(name)) {
                m_error = "Spaces not allowed in ACL usernames";
                return;
            }
            std::vector<std::string> rules(d->args.begin() + 2, d->args.end());
            // Checked as Redis reads the file: a syntax error names its rule.
            const std::vector<std::string_view> views(rules.begin(), rules.end());
            std::vector<std::string> merged;
            if (!respkit::server::access_control::merge_selectors(views, merged).empty()) {
                m_error = config_error(*d, "Error in user declaration '" + name + "': Wrong format");
                return;
            }
            respkit::server::acl_user scratch(name);
            for (const std::string& rule : merged) {
                const auto e = scratch.apply(rule, access.catalog());
                if (e != respkit::server::acl_rule_error::none && e != respkit::server::acl_rule_error::unknown_command) {
                    m_error = config_error(*d, "Error in user declaration '" + rule +
                                                   "': " + std::string(respkit::server::acl_rule_error_message(e)));
                    return;
                }
            }
            if (name == "default") rules.insert(rules.begin(), "reset");
            if (std::string error = access.set_user(name, rules); !error.empty()) {
                m_error = "Error loading ACL rules for the user named '" + name + "': " + error +
                          ". Critical error while loading ACLs. Exiting.";
                return;
            }
        }
        if (!access.file.empty()) {
            if (std::string errors = access.load_file(); !errors.empty()) {
                m_error = "Aborting Redis startup because of ACL errors: " + errors;
            }
        }
    }

    [[nodiscard]] std::string config_error(const respkit::server::config_directive& d, std::string reason) const {
        respkit::server::config_error e{d.origin.line, d.origin.text, std::move(reason)};
        return respkit::server::format_config_error(e, m_options.name + " " RESPKIT_VERSION_STRING);
    }

    // What redis-server does to its process before it listens.
    void start_process() {
        std::string warning;
        m_supervised = resolve_supervision(m_config.get("supervised"), warning);
        if (!warning.empty()) log(respkit::server::log_level::warning, warning);
        (void)m_config.store("supervised", m_supervised);
        if (m_supervised == "systemd") {
            log(respkit::server::log_level::notice,
                "supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and "
                "TimeoutStopSec in your service unit.");
        }
        const bool background = m_config.get_bool("daemonize") && m_supervised == "no";
        if (background && !daemonize()) log(respkit::server::log_level::warning, "Can't daemonize: fork failed");
        std::signal(SIGHUP, SIG_IGN);
        std::signal(SIGPIPE, SIG_IGN);
        adjust_open_files_limit();
        std::string pidfile(m_config.get("pidfile"));
        if (background && pidfile.empty()) {
            pidfile = "/var/run/redis.pid"; // Redis's default when daemonized
            (void)m_config.store("pidfile", pidfile);
        }
        if (!pidfile.empty()) {
            if (const std::string why = m_pid_file.write(pidfile); !why.empty()) {
                log(respkit::server::log_level::warning, "Failed to write PID file: " + why);
            }
        }
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
        if (m_config.get_bool("disable-thp")) (void)::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
#endif
        if (m_config.get_bool("crash-log-enabled")) {
            (void)install_crash_report(m_options.name + " " RESPKIT_VERSION_STRING, std::string(m_config.get("logfile")));
        }
    }

    // As Redis: the descriptor limit is raised to maxclients plus 32 reserved ones, or
    // maxclients lowered to what the limit allows (with Redis's warning).
    void adjust_open_files_limit() {
        constexpr rlim_t reserved = 32;
        const rlim_t wanted = static_cast<rlim_t>(m_config.get_integer("maxclients")) + reserved;
        rlimit limit{};
        if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
        if (limit.rlim_cur >= wanted) return;
        rlim_t best = limit.rlim_cur;
        for (rlim_t want = wanted; want > limit.rlim_cur; want -= want > 16 ? 16 : want) {
            rlimit attempt{want, limit.rlim_max > want ? limit.rlim_max : want};
            if (::setrlimit(RLIMIT_NOFILE, &attempt) == 0) {
                best = want;
                break;
            }
        }
        if (best >= wanted) return;
        const rlim_t clients = best > reserved ? best - reserved : 1;
        log(respkit::server::log_level::warning,
            "You requested maxclients of " + std::string(m_config.get("maxclients")) + " requiring at least " +
                std::to_string(wanted) + " max file descriptors.");
        log(respkit::server::log_level::warning,
            "Server can't set maximum open files to " + std::to_string(wanted) +
                " because of OS error: " + std::strerror(errno) + ".");
        log(respkit::server::log_level::warning,
            "Current maximum open files is " + std::to_string(best) + ". maxclients has been reduced to " +
                std::to_string(clients) + " to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.");
        (void)m_config.store("maxclients", std::to_string(clients));
    }

    [[nodiscard]] net::tcp_server_options transport_options(std::shared_ptr<const stream_acceptor> tls) {
        net::tcp_server_options o;
        const std::int64_t port = m_config.get_integer("port");
        o.bind_address = std::string(m_config.get("bind"));
        o.port = static_cast<std::uint16_t>(port);
        o.plain_tcp = port != 0; // Redis's port 0: no plain TCP listener
        if (tls) {
            o.tls = std::move(tls);
            o.tls_port = static_cast<std::uint16_t>(m_config.get_integer("tls-port"));
        }
        o.unix_socket = std::string(m_config.get("unixsocket"));
        unsigned perm = 0;
        for (const char c : m_config.get("unixsocketperm")) perm = perm * 8 + static_cast<unsigned>(c - '0');
        o.unix_socket_permissions = perm;
        o.backlog = static_cast<int>(m_config.get_integer("tcp-backlog"));
        o.socket_mark = static_cast<std::uint32_t>(m_config.get_integer("socket-mark-id"));
        o.max_clients = static_cast<std::size_t>(m_config.get_integer("maxclients"));
        o.session.request_limits.max_bulk_length = static_cast<std::uint64_t>(m_config.get_integer("proto-max-bulk-len"));
        o.idle_timeout = std::chrono::seconds(m_config.get_integer("timeout"));
        o.tcp_keepalive = static_cast<int>(m_config.get_integer("tcp-keepalive"));
        o.max_query_buffer = static_cast<std::size_t>(m_config.get_integer("client-query-buffer-limit"));
        (void)respkit::server::parse_output_buffer_limits(m_config.get("client-output-buffer-limit"), m_context.client_limits());
        apply_maxmemory_clients();
        m_context.tracking().set_max_keys(static_cast<std::uint64_t>(m_config.get_integer("tracking-table-max-keys")));
        o.admit = [this](const respkit::server::session&, bool local) { return protected_mode_denial(local); };
        o.before_reply = [aof = m_aof.get()] { aof->before_reply(); };
        return o;
    }

    // maxmemory-clients in bytes, or as a percentage of maxmemory (none without maxmemory).
    void apply_maxmemory_clients() {
        const std::string_view v = m_config.get("maxmemory-clients");
        std::uint64_t bytes = 0;
        if (!v.empty() && v.back() == '%') {
            const auto maxmemory = static_cast<std::uint64_t>(m_config.get_integer("maxmemory"));
            bytes = static_cast<std::uint64_t>(static_cast<double>(maxmemory) *
                                               std::strtod(std::string(v.substr(0, v.size() - 1)).c_str(), nullptr) / 100);
        } else {
            bytes = std::strtoull(std::string(v).c_str(), nullptr, 10);
        }
        m_context.client_limits().max_memory_clients = bytes;
    }

    [[nodiscard]] std::string start_persistence() { return m_aof->start(*m_transport); }

    // Redis's protected mode: while the default user needs no password (requirepass, or its
    // `user default` rules), only local clients are served.
    [[nodiscard]] std::string protected_mode_denial(bool local) const {
        if (local || !m_config.get_bool("protected-mode") || !m_commands.access().default_user()->nopass()) return {};
        return "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
               "for the default user. In this mode connections are only accepted from the loopback interface. If "
               "you want to connect from external computers to Redis you may adopt one of the following solutions: "
               "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback "
               "interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis "
               "is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change "
               "permanent. 2) Alternatively you can just disable the protected mode by editing the Redis "
               "configuration file, and setting the protected mode option to 'no', and then restarting the server. "
               "3) If you started the server manually just for testing, restart it with the '--protected-mode no' "
               "option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one "
               "of the above things in order for the server to start accepting connections from the outside.";
    }

    // The keyspace's active expiry at hz, at most 25% of each period (as Redis's
    // activeExpireCycle); re-armed when hz changes.
    void arm_expiry() {
        if (m_expiry) m_transport->cancel(*m_expiry);
        const std::int64_t hz = m_config.get_integer("hz") < 1 ? 1 : m_config.get_integer("hz");
        const auto period = std::chrono::milliseconds(1000 / hz > 0 ? 1000 / hz : 1);
        const auto budget = std::chrono::duration_cast<std::chrono::microseconds>(period) / 4;
        // Not while a dataset loads (the loop serves clients meanwhile): keys expire once loaded.
        m_expiry = m_transport->every(period, [this, ks = m_keyspace.get(), ctx = &m_context, budget] {
            ks->refresh_access_clock(); // the clock lookups stamp keys with (Redis's lruclock)
            if (!ctx->loading() && ctx->active_expire) {
                const auto started = std::chrono::steady_clock::now();
                (void)ks->active_expire_cycle(budget);
                // LATENCY's expire-cycle event, as Redis's activeExpireCycle records it.
                m_commands.latency_monitor().add_if_needed(
                    "expire-cycle",
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
            }
            // Finishes a map's incremental resize between commands (Redis gives it 1 ms a cron).
            if (m_config.get_bool("activerehashing")) (void)ks->active_rehash(std::chrono::milliseconds(1));
        });
    }

    // Parameters that take effect at once when CONFIG SET changes them, and those the
    // listeners fixed at start-up (refused when changed rather than ignored).
    void watch_changes() {
        m_config.on_change("hz", [this](std::string_view) {
            arm_expiry();
            return std::string();
        });
        // oom-score-adj and its values: applied at once; a failure is logged and refused, as
        // Redis's updateOOMScoreAdj.
        const auto set_oom_score = [this](std::string_view mode, std::string_view values) {
            const std::string why = m_oom.apply(mode, values, oom_class::primary);
            if (why.empty()) return std::string();
            log(respkit::server::log_level::warning, why);
            return std::string("Failed to set current oom_score_adj. Check server logs.");
        };
        m_config.on_change("oom-score-adj", [this, set_oom_score](std::string_view v) {
            return set_oom_score(v, m_config.get("oom-score-adj-values"));
        });
        m_config.on_change("oom-score-adj-values", [this, set_oom_score](std::string_view v) {
            return set_oom_score(m_config.get("oom-score-adj"), v);
        });
        m_config.on_change("loglevel", [this](std::string_view v) {
            m_logger.set_level(log_level_named(v));
            return std::string();
        });
        m_config.on_change("maxclients", [this](std::string_view v) {
            m_transport->set_max_clients(static_cast<std::size_t>(std::stoull(std::string(v))));
            return std::string();
        });
        m_config.on_change("timeout", [this](std::string_view v) {
            m_transport->set_idle_timeout(std::chrono::seconds(std::stoll(std::string(v))));
            return std::string();
        });
        m_config.on_change("tcp-keepalive", [this](std::string_view v) {
            m_transport->set_tcp_keepalive(std::stoi(std::string(v)));
            return std::string();
        });
        m_config.on_change("client-query-buffer-limit", [this](std::string_view v) {
            m_transport->set_max_query_buffer(static_cast<std::size_t>(std::stoull(std::string(v))));
            return std::string();
        });
        m_config.on_change("client-output-buffer-limit", [this](std::string_view v) {
            if (respkit::server::parse_output_buffer_limits(v, m_context.client_limits())) return std::string();
            return std::string("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
        });
        m_config.on_change("busy-reply-threshold", [this](std::string_view v) {
            m_context.set_busy_reply_threshold(std::chrono::milliseconds(std::stoll(std::string(v))));
            return std::string();
        });
        m_config.on_change("tracking-table-max-keys", [this](std::string_view v) {
            m_context.tracking().set_max_keys(std::stoull(std::string(v)));
            return std::string();
        });
        for (const std::string_view name : {"maxmemory-clients", "maxmemory"}) {
            m_config.on_change(name, [this](std::string_view) {
                apply_maxmemory_clients();
                return std::string();
            });
        }
        m_config.on_change("proc-title-template", [this](std::string_view) {
            if (m_options.process && m_config.get_bool("set-proc-title")) update_title();
            return std::string();
        });
        // TLS settings make the listener's context once, at start-up (CONFIG SET would have to
        // change a certificate and its key together, and hooks see one parameter at a time).
        for (const std::string_view name :
             {"port", "bind", "proto-max-bulk-len", "tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass",
              "tls-ca-cert-file", "tls-ca-cert-dir", "tls-auth-clients", "tls-protocols", "tls-ciphers",
              "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
              "tls-session-cache-timeout", "tls-dh-params-file"}) {
            m_config.on_change(name, [at_start = std::string(m_config.get(name))](std::string_view value) {
                return value == at_start ? std::string() : std::string("respkit applies this parameter at start-up only");
            });
        }
    }

    void update_title() {
        const std::string title = expand_process_title(m_config.get("proc-title-template"), m_title_name, m_config.get("bind"),
                                                       static_cast<unsigned>(m_config.get_integer("port")),
                                                       m_config.get("unixsocket"), m_config.config_file(),
                                                       m_transport ? m_transport->tls_port() : 0u);
        (void)m_title.set(title);
    }

    void banner() {
        const bool logo = m_config.get_bool("always-show-logo") ||
                          (!m_config.get_bool("syslog-enabled") && m_logger.file().empty() && ::isatty(STDOUT_FILENO));
        const std::string port(m_config.get("port"));
        if (!logo) {
            log(respkit::server::log_level::notice,
                std::string("Running mode=") + (m_cluster ? "cluster" : "standalone") + ", port=" + port + ".");
            return;
        }
        static constexpr std::string_view art[] = {
            "                          _     _  _   ",
            " _ __   ___   ___  _ __  | | __(_)| |_ ",
            "| '__| / _ \\ / __|| '_ \\ | |/ /| || __|",
            "| |   |  __/ \\__ \\| |_) ||   < | || |_ ",
            "|_|    \\___| |___/| .__/ |_|\\_\\|_| \\__|",
            "                  |_|                  "};
        std::string where;
        for (const std::string& a : m_transport->addresses()) where += (where.empty() ? "" : ", ") + a;
        const std::string info[] = {m_options.name + " " RESPKIT_VERSION_STRING,
                                    std::string("Redis 7.0.15 compatible, ") + (m_cluster ? "cluster" : "standalone") + " mode",
                                    "Listening on " + where,
                                    "Port: " + port,
                                    "PID: " + std::to_string(::getpid()),
                                    ""};
        std::string text = "\n";
        for (std::size_t i = 0; i < std::size(art); ++i) {
            text += "    ";
            text += art[i];
            text += "    " + info[i] + "\n";
        }
        text += "\n";
        m_logger.write_raw(respkit::server::log_level::notice, text);
    }

    respkit::server::config_table m_config;
    config_source m_source;
    server_options m_options;
    logger m_logger;
    respkit::server::server_context m_context;
    std::unique_ptr<keyspace_type> m_keyspace;
    respkit::server::dispatcher m_commands;
    std::unique_ptr<net::tcp_server> m_transport;
    std::unique_ptr<memory_limit<keyspace_type>> m_memory; // after m_transport, whose timers it uses
    std::unique_ptr<cluster_node<keyspace_type>> m_cluster; // after m_transport, whose loop runs its bus
    std::optional<net::timer_id> m_expiry;
    std::optional<net::timer_id> m_persistence_cron;
    persist::child_process m_child;
    oom_score_adjuster m_oom; // oom-score-adj (the score found at start-up, for relative and no)
    std::unique_ptr<snapshots<keyspace_type>> m_snapshots;
    std::unique_ptr<append_only<keyspace_type>> m_aof; // after m_child, which it uses
    bool m_shutdown_prepared = false;
    pid_file m_pid_file;
    process_title m_title;
    std::string m_title_name = "respkit-server";
    std::string m_supervised = "no";
    std::string m_error;
    std::atomic<bool> m_stop_requested{false};
    bool m_notify_systemd = false;
};

} // namespace respkit::app

#pragma once

/// \file
/// The append-only file in app::server, as Redis 7.0 runs it: loaded through the command path at
/// start (clients get -LOADING meanwhile) or created; every propagated command appended to the
/// incremental file and fsynced as appendfsync says before the replies leave; CONFIG SET
/// appendonly yes / no; BGREWRITEAOF and the automatic rewrite, where a forked child writes the
/// new base while the parent writes to a new incremental file; the manifest replaced atomically;
/// INFO persistence's aof_* fields.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/aof.hpp"
#include "respkit/app/snapshots.hpp"
#include "respkit/commands/key_events.hpp"
#include "respkit/persist/child_process.hpp"
#include "respkit/persist/snapshot.hpp"
#include "respkit/rdb.hpp"
#include "respkit/net/tcp_server.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/log.hpp"
#include "respkit/server/persistence.hpp"
#include "respkit/server/propagation.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

namespace detail {

// Writes `bytes` whole to `fd`; false on error.
[[nodiscard]] inline bool write_fd(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// fsyncs the directory holding a file just renamed, so the rename survives a power loss.
[[nodiscard]] inline bool fsync_dir(const std::string& dir) {
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno == EISDIR;
    return ::fsync(fd.get()) == 0;
}

} // namespace detail

/// Writes the commands that rebuild `keyspace` (Redis's rewriteAppendOnlyFileRio with
/// aof-use-rdb-preamble no: SELECT, then per key SET / RPUSH / SADD / ZADD / HMSET in batches of 64 and
/// PEXPIREAT) through `out`, which returns false to abort. Keys already expired are skipped.
/// `functions`: the function libraries' codes, each written first as FUNCTION LOAD (Redis's
/// rewriteFunctions).
template <class Keyspace, class Out>
bool write_keyspace_commands(Keyspace& keyspace, std::int64_t now_ms, Out&& out,
                             const std::vector<std::string>& functions = {}) {
    constexpr std::size_t items_per_command = 64; // AOF_REWRITE_ITEMS_PER_CMD
    std::string buf;
    for (const std::string& code : functions) resp::write_command(buf, "FUNCTION", "LOAD", code);
    store::int_chars scratch{};
    std::vector<std::string> keys;
    auto flush_buf = [&](bool force) {
        if (!force && buf.size() < 64 * 1024) return true;
        const bool ok = out(std::string_view(buf));
        buf.clear();
        return ok;
    };
    for (std::size_t db = 0; db < keyspace.db_count(); ++db) {
        if (keyspace.size(db) == 0) continue;
        keys.clear();
        keyspace.map(db).for_each([&](std::string_view key, const auto&) { keys.emplace_back(key); });
        resp::write_command(buf, "SELECT", std::to_string(db));
        for (const std::string& key : keys) {
            const store::key_expiry expiry = keyspace.expiry(db, key);
            if (!expiry.exists || (expiry.at_ms && *expiry.at_ms < now_ms)) continue;
            const store::value* v = keyspace.find(db, key);
            if (v == nullptr) continue;
            std::vector<std::string_view> args;
            std::vector<std::string> numbers;
            auto batch = [&](std::string_view command, std::size_t width, auto&& each) {
                args.assign({command, key});
                numbers.clear();
                each([&](std::string_view a, std::string_view b, bool two) {
                    args.push_back(a);
                    if (two) args.push_back(b);
                    if ((args.size() - 2) / width == items_per_command) {
                        resp::write_command_range(buf, args);
                        args.resize(2);
                        numbers.clear();
                    }
                });
                if (args.size() > 2) resp::write_command_range(buf, args);
            };
            switch (v->kind()) {
            case store::value_kind::string: resp::write_command(buf, "SET", key, v->string_bytes(scratch)); break;
            case store::value_kind::list:
                batch("RPUSH", 1, [&](auto&& add) {
                    for (const std::string_view item : v->list()) add(item, {}, false);
                });
                break;
            case store::value_kind::set:
                batch("SADD", 1, [&](auto&& add) { v->set().for_each([&](std::string_view m) { add(m, {}, false); }); });
                break;
            case store::value_kind::hash:
                batch("HMSET", 2, [&](auto&& add) { v->hash().for_each([&](std::string_view f, std::string_view val) { add(f, val, true); }); });
                break;
            case store::value_kind::zset: {
                // Scores as %.17g (Redis's rioWriteBulkDouble): they read back exactly.
                std::vector<std::string> scores;
                scores.reserve(v->zset().size());
                for (const auto& [score, member] : v->zset()) {
                    char text[64];
                    std::snprintf(text, sizeof text, "%.17g", score);
                    scores.emplace_back(text);
                }
                std::size_t i = 0;
                batch("ZADD", 2, [&](auto&& add) {
                    for (const auto& [score, member] : v->zset()) add(scores[i++], member, true);
                });
                break;
            }
            case store::value_kind::stream: {
                // As Redis's rewriteStreamObject: one XADD per entry (an empty stream made by
                // XADD MAXLEN 0), then XSETID with the last ID and the counters.
                const store::stream_value& st = v->stream();
                if (st.length() == 0) {
                    resp::write_command(buf, "XADD", key, "MAXLEN", "0", "0-1", "x", "y");
                } else {
                    std::string id;
                    st.range({}, store::stream_id::max(), false, [&](const store::stream_entry& e) {
                        id = e.id().to_string();
                        args.assign({"XADD", key, id});
                        e.for_each_item([&](std::string_view item) { args.push_back(item); });
                        resp::write_command_range(buf, args);
                        return true;
                    });
                }
                resp::write_command(buf, "XSETID", key, st.last_id().to_string(), "ENTRIESADDED",
                                    std::to_string(st.entries_added()), "MAXDELETEDID",
                                    st.max_deleted_id().to_string());
                // Each group, then its consumers: their pending entries as XCLAIM ... JUSTID FORCE
                // (time and count kept), a consumer with none as XGROUP CREATECONSUMER.
                for (const auto& [group_name, g] : st.groups()) {
                    resp::write_command(buf, "XGROUP", "CREATE", key, group_name, g.last_id.to_string(),
                                        "ENTRIESREAD", std::to_string(g.entries_read));
                    for (const auto& [consumer_name, c] : g.consumers) {
                        if (c.pending.empty()) {
                            resp::write_command(buf, "XGROUP", "CREATECONSUMER", key, group_name, consumer_name);
                            continue;
                        }
                        for (const store::stream_id id : c.pending) {
                            const store::stream_nack& nack = g.pending.at(id);
                            resp::write_command(buf, "XCLAIM", key, group_name, consumer_name, "0", id.to_string(),
                                                "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                                                std::to_string(nack.delivery_count), "JUSTID", "FORCE");
                        }
                    }
                }
                break;
            }
            }
            if (expiry.at_ms) resp::write_command(buf, "PEXPIREAT", key, std::to_string(*expiry.at_ms));
            if (!flush_buf(false)) return false;
        }
    }
    return flush_buf(true);
}

namespace detail {

// Bytes to a function (the rewrite's output with its incremental fsync), as an rdb::sink.
template <class F>
struct function_sink {
    F* out;
    bool write(std::string_view bytes) { return (*out)(bytes); }
};

} // namespace detail

/// Writes `keyspace` as an RDB (version 10, Redis 7.0.15's aux fields with aof-base 1: an
/// append-only base file's preamble) through `out`, which returns false to abort; written as
/// the snapshots are (persist::save_snapshot, the encodings `config` asks for).
/// `functions`: the function libraries' codes, written as FUNCTION2 records.
template <class Keyspace, class Out>
bool write_keyspace_rdb(const Keyspace& keyspace, const server::config_table& config, Out&& out,
                        std::vector<std::string> functions = {}) {
    detail::function_sink<std::remove_reference_t<Out>> sink{&out};
    const persist::snapshot_options options{snapshot_writer_options(config), snapshot_aux_fields(true),
                                            std::move(functions)};
    return persist::save_snapshot(keyspace, sink, options).empty();
}

/// Turns the keys of an RDB (a base file or Redis < 7's preamble) into the commands that rebuild
/// them, given to `run` (the loading session): SELECT, then SET / RPUSH / SADD / HSET / ZADD in
/// batches of 64, PEXPIREAT. A database beyond `databases` stops the load, as in Redis.
class rdb_to_commands {
public:
    /// Commands go to `run`; `databases` is how many the server has.
    rdb_to_commands(std::function<void(const std::vector<std::string_view>&)> run, std::size_t databases)
        : m_run(std::move(run)), m_databases(databases) {}
    /// rdb::load_handler: aux fields are not data.
    void on_aux(std::string_view, std::string_view) {}
    /// rdb::load_handler: a function library, as FUNCTION LOAD.
    std::string on_function(std::string_view code) {
        m_run({"FUNCTION", "LOAD", code});
        return {};
    }
    /// rdb::load_handler.
    void on_select_db(std::uint64_t) {}
    /// rdb::load_handler.
    void on_resize_db(std::uint64_t, std::uint64_t) {}
    /// rdb::load_handler: one key, as commands.
    std::string on_key(std::uint64_t db, std::string_view key, rdb::object&& v,
                       const std::optional<std::int64_t>& expire_at_ms, rdb::key_info) {
        if (db >= m_databases) {
            return "Data file was created with a Redis server configured to handle more than " +
                   std::to_string(m_databases) + " databases";
        }
        if (db != m_db) {
            const std::string n = std::to_string(db);
            m_run({"SELECT", n});
            m_db = db;
        }
        std::vector<std::string_view> args;
        std::vector<std::string> scores;
        auto batches = [&](std::string_view command, std::size_t count, auto&& add) {
            for (std::size_t i = 0; i < count;) {
                args.assign({command, key});
                scores.clear();
                for (std::size_t end = std::min(count, i + 64); i < end; ++i) add(i);
                m_run(args);
            }
        };
        switch (v.kind) {
        case rdb::object_kind::string: m_run({"SET", key, v.string}); break;
        case rdb::object_kind::list:
            batches("RPUSH", v.elements.size(), [&](std::size_t i) { args.push_back(v.elements[i]); });
            break;
        case rdb::object_kind::set:
            batches("SADD", v.elements.size(), [&](std::size_t i) { args.push_back(v.elements[i]); });
            break;
        case rdb::object_kind::hash:
            batches("HSET", v.fields.size(), [&](std::size_t i) {
                args.push_back(v.fields[i].first);
                args.push_back(v.fields[i].second);
            });
            break;
        case rdb::object_kind::zset:
            scores.reserve(64);
            batches("ZADD", v.members.size(), [&](std::size_t i) {
                char text[64];
                std::snprintf(text, sizeof text, "%.17g", v.members[i].second);
                scores.emplace_back(text); // reserved: views into it stay valid for the batch
                args.push_back(scores.back());
                args.push_back(v.members[i].first);
            });
            break;
        }
        if (expire_at_ms.has_value()) {
            const std::string at = std::to_string(*expire_at_ms);
            m_run({"PEXPIREAT", key, at});
        }
        return {};
    }

private:
    std::function<void(const std::vector<std::string_view>&)> m_run;
    std::size_t m_databases;
    std::uint64_t m_db = 0;
};

/// The append-only file's place in app::server (see the file comment).
template <class Keyspace>
class append_only {
public:
    /// Reads what it needs from `config` as it changes; logs through `context`; forks its
    /// rewrite through `child` (the server's one background child, shared with BGSAVE).
    append_only(server::config_table& config, server::server_context& context, Keyspace& keyspace,
                const server::dispatcher& commands, persist::child_process& child)
        : m_config(&config), m_context(&context), m_keyspace(&keyspace), m_commands(&commands), m_child(&child) {}
    append_only(const append_only&) = delete;
    append_only& operator=(const append_only&) = delete;
    ~append_only() { kill_child(); }

    /// Start-up, with the listeners open (`transport` serves -LOADING while the files load):
    /// reads the manifest (a bad one stops the server, as Redis), loads the files when
    /// appendonly is yes (or creates them) and opens the incremental file. "" or the error.
    [[nodiscard]] std::string start(net::tcp_server& transport) {
        m_transport = &transport;
        m_dir = std::string(m_config->get("dir"));
        m_filename = std::string(m_config->get("appendfilename"));
        m_dirname = std::string(m_config->get("appenddirname"));
        std::string error;
        if (auto m = aof::read_manifest(aof_dir(), m_filename, error)) m_manifest = std::move(*m);
        if (!error.empty()) return error;
        m_policy = aof::fsync_policy_named(m_config->get("appendfsync")).value_or(aof::fsync_policy::everysec);
        m_writer.set_policy(m_policy);
        if (m_config->get_bool("appendonly")) {
            if (std::string why = load(); !why.empty()) return why;
            if (std::string why = open_on_start(); !why.empty()) return why;
            set_state(state::on);
            add_sink();
        }
        watch_config();
        m_cron = transport.every(std::chrono::milliseconds(100), [this] { cron(); });
        return {};
    }

    /// Before replies leave: writes (and with always, fsyncs) what the commands appended.
    void before_reply() {
        if (m_state == state::off || !m_writer.has_pending()) return;
        flush(false);
    }

    /// At shutdown: writes and fsyncs what is buffered; a rewrite in progress is abandoned.
    void stop() {
        kill_child();
        if (m_state != state::off) {
            flush(true);
            (void)m_writer.close();
        }
    }

    /// BGREWRITEAOF, as Redis answers it (scheduled while a BGSAVE child runs).
    [[nodiscard]] server::persistence_result bgrewriteaof() {
        if (rewriting()) return {"ERR Background append only file rewriting already in progress", {}};
        if (m_child->running()) {
            m_scheduled = true;
            return {{}, "Background append only file rewriting scheduled"};
        }
        if (!rewrite_background()) {
            return {"ERR Can't execute an AOF background rewriting. Please check the server logs for more information.", {}};
        }
        return {{}, "Background append only file rewriting started"};
    }
    /// True while a rewrite child runs.
    [[nodiscard]] bool rewriting() const noexcept { return m_child->running() && m_child->purpose() == "aof"; }
    /// True while appending (appendonly yes, possibly waiting for the first rewrite).
    [[nodiscard]] bool enabled() const noexcept { return m_state != state::off; }

private:
    enum class state { off, on, wait_rewrite };

    // While appending, a turn's replies all wait for its end: one write (and fsync) per turn.
    void set_state(state s) {
        m_state = s;
        if (m_transport != nullptr) m_transport->set_hold_replies(s != state::off);
    }

    [[nodiscard]] std::string aof_dir() const { return aof::detail::join_path(m_dir, m_dirname); }
    [[nodiscard]] std::string in_aof_dir(std::string_view name) const { return aof::detail::join_path(aof_dir(), name); }
    [[nodiscard]] std::string temp_incr_name() const { return "temp-" + m_filename + ".incr"; }
    void log(server::log_level level, const std::string& line) const { m_context->log(level, line); }
    // The function libraries' codes (none without the scripting layer).
    [[nodiscard]] std::vector<std::string> library_codes() const {
        return m_context->scripting().library_codes ? m_context->scripting().library_codes() : std::vector<std::string>{};
    }
    void notice(const std::string& line) const { log(server::log_level::notice, line); }
    void warning(const std::string& line) const { log(server::log_level::warning, line); }

    // --- loading ---

    std::string load() {
        // Redis < 7's appendonly.aof in `dir`: moved into the directory with a manifest naming it
        // the base (aofUpgradePrepare), when the directory does not list anything else yet.
        const std::string old = aof::detail::join_path(m_dir, m_filename);
        if (aof::detail::is_regular_file(old)) {
            const bool no_dir = !aof::detail::is_directory(aof_dir());
            const bool lists_nothing = !m_manifest.base && m_manifest.incr.empty();
            const bool upgrading = m_manifest.base && m_manifest.incr.empty() && m_manifest.base->name == m_filename &&
                                   !aof::detail::is_regular_file(in_aof_dir(m_filename));
            if (no_dir || lists_nothing || upgrading) {
                if (::mkdir(aof_dir().c_str(), 0755) != 0 && errno != EEXIST) {
                    return "Can't open or create append-only dir " + m_dirname + ": " + std::strerror(errno);
                }
                aof::manifest m;
                m.base = aof::file_info{m_filename, 1, aof::file_type::base};
                m.base_seq = 1;
                if (!persist_manifest(m)) return "Can't persist the AOF manifest while upgrading";
                if (::rename(old.c_str(), in_aof_dir(m_filename).c_str()) != 0) {
                    return "Error trying to move the old AOF file " + m_filename + " into dir " + m_dirname + ": " +
                           std::strerror(errno);
                }
                m_manifest = std::move(m);
                notice("Successfully migrated an old-style AOF file (" + m_filename + ") into the AOF directory (" +
                       m_dirname + ").");
            }
        }
        m_context->set_loading(true);
        server::session loader(*m_commands, *m_context);
        std::string unknown;
        std::uint64_t count = 0;
        aof::load_options options;
        options.load_truncated = m_config->get_bool("aof-load-truncated");
        options.log = [this](bool warn, const std::string& line) { warn ? warning(line) : notice(line); };
        const auto run = [&](const std::vector<std::string_view>& args) {
            loader.execute(args, server::command_origin::loading);
            loader.output_sent(loader.pending_output().size()); // replies to a file go nowhere
            if (++count % 1024 == 0) m_transport->serve_ready();
        };
        // An RDB base (or preamble): its keys become commands on the same path.
        options.rdb = [&](std::string_view bytes, std::string& error) -> std::optional<std::size_t> {
            rdb_to_commands handler(run, m_keyspace->db_count());
            const rdb::load_result r = rdb::load(bytes, handler);
            if (!r.ok()) {
                error = r.message;
                return std::nullopt;
            }
            loader.execute(std::vector<std::string_view>{"SELECT", "0"}, server::command_origin::loading);
            loader.output_sent(loader.pending_output().size());
            return r.offset;
        };
        // A command of the file that replies an error is logged as Redis's afterErrorReply logs
        // it; propagation-error-behavior panic stops the load there (Redis panics).
        const bool panic_on_error = m_config->get("propagation-error-behavior") == "panic";
        std::string panicked;
        const auto started = std::chrono::steady_clock::now();
        const aof::load_result r = aof::load_directory(
            aof_dir(), m_filename,
            [&](const std::vector<std::string_view>& args, const std::string& file, std::uint64_t) {
                if (!unknown.empty() || !panicked.empty()) return;
                if (m_commands->find(args[0]) == nullptr) {
                    unknown = "Unknown command '" + std::string(args[0]) + "' reading the append only file " + file;
                    return;
                }
                loader.execute(args, server::command_origin::loading);
                const std::string_view reply = loader.pending_output();
                if (!reply.empty() && reply.front() == '-') report_load_error(args, reply, panic_on_error, panicked);
                loader.output_sent(reply.size()); // replies to a file go nowhere
                if (++count % 1024 == 0) m_transport->serve_ready();
            },
            options);
        if (!panicked.empty()) {
            m_context->set_loading(false);
            return panicked;
        }
        m_context->set_loading(false);
        if (!unknown.empty()) return unknown;
        switch (r.status) {
        case aof::load_status::not_found:
        case aof::load_status::empty: break;
        case aof::load_status::ok:
        case aof::load_status::truncated: {
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            char text[64];
            std::snprintf(text, sizeof text, "%.3f", seconds);
            notice(std::string("DB loaded from append only file: ") + text + " seconds");
            break;
        }
        case aof::load_status::failed: return r.error.empty() ? "Failed loading the append only file" : r.error;
        }
        m_base_size = r.base_size;
        m_size_offset = r.total_size;
        return {};
    }

    // An error replied to a command of the file being loaded: Redis's afterErrorReply logs it
    // (and counts it as unexpected); with propagation-error-behavior panic, `panicked` gets the
    // text Redis panics with.
    void report_load_error(const std::vector<std::string_view>& args, std::string_view reply, bool panic,
                           std::string& panicked) {
        std::string error;
        const server::command_entry* entry = m_commands->resolve(args, error);
        const std::string name = entry != nullptr ? entry->full_name : std::string("<unknown>");
        std::string_view text = reply.substr(1);
        if (const std::size_t crlf = text.find("\r\n"); crlf != std::string_view::npos) text = text.substr(0, crlf);
        if (text.size() > 4096) text = text.substr(0, 4096);
        warning("== CRITICAL == This server is sending an error to its AOF-loading-client: '" + std::string(text) +
                "' after processing the command '" + name + "'");
        ++m_context->stats().unexpected_error_replies;
        if (panic)
            panicked = "This server panicked sending an error to its AOF-loading-client after processing the command '" +
                       name + "'";
    }

    // aofOpenIfNeededOnServerStart: a base when there is nothing yet, then the last incremental
    // file (or a new one) opened for appending, and the manifest persisted.
    std::string open_on_start() {
        if (::mkdir(aof_dir().c_str(), 0755) != 0 && errno != EEXIST) {
            return "Can't open or create append-only dir " + m_dirname + ": " + std::strerror(errno);
        }
        aof::manifest m = m_manifest;
        if (!m.base && m.incr.empty()) {
            const std::string base = aof::add_new_base(m, m_filename, m_config->get_bool("aof-use-rdb-preamble"));
            if (std::string why = write_base(in_aof_dir(base)); !why.empty()) return why;
            notice("Creating AOF base file " + base + " on server start");
        }
        const bool existed = !m.incr.empty();
        const std::string incr = existed ? m.incr.back().name : aof::add_new_incr(m, m_filename);
        if (const std::error_code e = m_writer.open(in_aof_dir(incr))) {
            return "Can't open the append-only file " + incr + ": " + e.message();
        }
        if (!persist_manifest(m)) return "Can't persist the AOF manifest";
        m_manifest = std::move(m);
        m_size_offset = current_files_size() - m_writer.written_total();
        if (m_base_size == 0 && m_manifest.base) m_base_size = file_size(in_aof_dir(m_manifest.base->name));
        notice(std::string(existed ? "Opening" : "Creating") + " AOF incr file " + incr + " on server start");
        return {};
    }

    // --- appending ---

    void add_sink() {
        if (m_sink_added) return;
        m_sink_added = true;
        m_context->propagation().add_sink([this](const server::propagated_command& c) { feed(c); });
        commands::propagate_changes(*m_keyspace, *m_context); // key changes make commands propagate
    }

    void feed(const server::propagated_command& c) {
        if (m_state == state::off) return;
        if (m_timestamps) {
            const std::time_t now = std::time(nullptr);
            if (now > m_last_timestamp) {
                m_writer.append("#TS:" + std::to_string(now) + "\r\n");
                m_last_timestamp = now;
            }
        }
        m_encoder.encode(c, m_writer.buffer());
    }

    void flush(bool force) {
        const aof::flush_status s = m_writer.flush(force, std::time(nullptr));
        if (std::string notice_text = m_writer.take_notice(); !notice_text.empty()) notice(notice_text);
        if (s == aof::flush_status::fatal) {
            // As Redis: the replies would acknowledge writes that may not be on disk.
            warning(std::string("Can't persist AOF for fsync error when the AOF fsync policy is 'always': ") +
                    std::strerror(m_writer.last_error()) + ". Exiting...");
            std::_Exit(1);
        }
        if (s == aof::flush_status::error && std::time(nullptr) - m_last_error_log > 30) {
            m_last_error_log = std::time(nullptr);
            warning(std::string("Error writing to the AOF file: ") + std::strerror(m_writer.last_error()));
        }
    }

    // --- files ---

    [[nodiscard]] static std::uint64_t file_size(const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    }
    [[nodiscard]] std::uint64_t current_files_size() const {
        std::uint64_t total = m_manifest.base ? file_size(in_aof_dir(m_manifest.base->name)) : 0;
        for (const aof::file_info& f : m_manifest.incr) total += file_size(in_aof_dir(f.name));
        return total;
    }
    [[nodiscard]] std::uint64_t current_size() const { return m_size_offset + m_writer.written_total(); }

    // The manifest written to a temporary file, fsynced, renamed over the old one, and the
    // directory fsynced: a crash leaves either manifest, never a mix.
    bool persist_manifest(const aof::manifest& m) {
        const std::string temp = in_aof_dir(aof::names::temp_manifest(m_filename));
        const std::string path = in_aof_dir(aof::names::manifest(m_filename));
        unique_fd fd(::open(temp.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644));
        if (!fd) {
            warning("Can't open the AOF manifest file " + aof::names::temp_manifest(m_filename) + ": " + std::strerror(errno));
            return false;
        }
        if (!detail::write_fd(fd.get(), aof::format_manifest(m)) || ::fsync(fd.get()) != 0) {
            warning("Error trying to write the temporary AOF manifest file " + aof::names::temp_manifest(m_filename) + ": " +
                    std::strerror(errno));
            return false;
        }
        if (::rename(temp.c_str(), path.c_str()) != 0) {
            warning("Error trying to rename the temporary AOF manifest file: " + std::string(std::strerror(errno)));
            return false;
        }
        if (!detail::fsync_dir(aof_dir())) {
            warning("Fail to fsync AOF directory " + aof_dir() + ": " + std::strerror(errno));
            return false;
        }
        return true;
    }

    // A base file with what the keyspace holds (in this process: at start, the dataset is empty
    // or just loaded): an RDB with aof-use-rdb-preamble yes, else commands.
    std::string write_base(const std::string& path) {
        const std::string temp = path + ".tmp";
        unique_fd fd(::open(temp.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644));
        if (!fd) return "Opening the temp file for AOF rewrite: " + std::string(std::strerror(errno));
        auto out = [&](std::string_view b) { return detail::write_fd(fd.get(), b); };
        const bool ok = m_config->get_bool("aof-use-rdb-preamble") ? write_keyspace_rdb(*m_keyspace, *m_config, out, library_codes())
                                                                   : write_keyspace_commands(*m_keyspace, now_ms(), out, library_codes());
        if (!ok || ::fsync(fd.get()) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
            const std::string why = std::strerror(errno);
            ::unlink(temp.c_str());
            return "Write error writing append only file on disk: " + why;
        }
        return {};
    }

    [[nodiscard]] static std::int64_t now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    // --- rewrite ---

    // rewriteAppendOnlyFileBackground: the parent switches to a new incremental file at once
    // (the child's base covers everything before it), then forks the child.
    bool rewrite_background() {
        if (m_child->running()) return false;
        if (::mkdir(aof_dir().c_str(), 0755) != 0 && errno != EEXIST) {
            warning("Can't open or create append-only dir " + m_dirname + ": " + std::strerror(errno));
            return false;
        }
        if (m_state != state::off) flush(true);
        if (m_state == state::on) {
            aof::manifest m = m_manifest;
            const std::string incr = aof::add_new_incr(m, m_filename);
            unique_fd created(::open(in_aof_dir(incr).c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644));
            if (!created) {
                warning("Can't open the append-only file " + incr + ": " + std::strerror(errno));
                return false;
            }
            if (!persist_manifest(m)) return false;
            if (const std::error_code e = m_writer.open(in_aof_dir(incr))) {
                warning("Can't open the append-only file " + incr + ": " + e.message());
                return false;
            }
            m_manifest = std::move(m);
            m_encoder.reset();
            notice("Creating AOF incr file " + incr + " on background rewrite");
        } else if (m_state == state::wait_rewrite) {
            if (const std::error_code e = m_writer.open(in_aof_dir(temp_incr_name()), true)) {
                warning("Can't open the append-only file " + temp_incr_name() + ": " + e.message());
                return false;
            }
            m_encoder.reset();
        }
        const bool incremental_fsync = m_config->get_bool("aof-rewrite-incremental-fsync");
        const bool preamble = m_config->get_bool("aof-use-rdb-preamble");
        m_rewrite_rdb = preamble;
        const std::string dir = m_dir;
        const std::string forked = m_child->start("aof", [&]() -> int {
            // The child: the keyspace as it was at fork time, into temp-rewriteaof-bg-<pid>.aof.
#if defined(__linux__)
            // It dies with the server (its file would be ignored anyway): no orphan left writing.
            (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
            const std::string temp = aof::detail::join_path(dir, aof::names::temp_rewrite(static_cast<long>(::getpid())));
            unique_fd fd(::open(temp.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644));
            if (!fd) return 1;
            std::uint64_t since_sync = 0;
            auto out = [&](std::string_view b) {
                if (!detail::write_fd(fd.get(), b)) return false;
                since_sync += b.size();
                // aof-rewrite-incremental-fsync: every 4 MB, so the final fsync is not one huge stall.
                if (incremental_fsync && since_sync >= 4 * 1024 * 1024) {
                    since_sync = 0;
                    if (::fdatasync(fd.get()) != 0) return false;
                }
                return true;
            };
            const bool ok = preamble ? write_keyspace_rdb(*m_keyspace, *m_config, out, library_codes())
                                     : write_keyspace_commands(*m_keyspace, now_ms(), out, library_codes());
            return ok && ::fsync(fd.get()) == 0 ? 0 : 1;
        });
        if (!forked.empty()) {
            warning("Can't rewrite append only file in background: " + forked);
            return false;
        }
        const pid_t pid = m_child->pid();
        m_child_pid = pid;
        m_rewrite_started = std::time(nullptr);
        m_scheduled = false;
        m_writer.set_fsync_paused(m_config->get_bool("no-appendfsync-on-rewrite"));
        notice("Background append only file rewriting started by pid " + std::to_string(pid));
        return true;
    }

    void kill_child() {
        if (!rewriting()) return;
        m_child->kill_and_wait();
        ::unlink(aof::detail::join_path(m_dir, aof::names::temp_rewrite(static_cast<long>(m_child_pid))).c_str());
        m_writer.set_fsync_paused(false);
    }

public:
    /// The rewrite child ended (reaped by the server's persistence timer).
    void child_done(const persist::child_exit& ended) {
        m_writer.set_fsync_paused(false);
        m_last_rewrite_seconds = std::time(nullptr) - m_rewrite_started;
        m_last_cow = ended.cow_bytes;
        const std::string temp = aof::detail::join_path(m_dir, aof::names::temp_rewrite(static_cast<long>(m_child_pid)));
        if (ended.success) {
            notice("Background AOF rewrite terminated with success");
            if (rewrite_done(temp)) {
                m_rewrite_ok = true;
                m_failures = 0;
                ++m_rewrites;
                notice("Background AOF rewrite finished successfully");
                return;
            }
        } else if (ended.signal == 0) {
            warning("Background AOF rewrite terminated with error");
        } else {
            warning("Background AOF rewrite terminated by signal " + std::to_string(ended.signal));
        }
        m_rewrite_ok = false;
        ++m_failures;
        m_next_auto_rewrite = std::time(nullptr) + std::min<std::time_t>(3600, 60 << std::min(m_failures, 6));
        ::unlink(temp.c_str());
        if (m_state == state::wait_rewrite) m_scheduled = true; // appendonly yes still needs its base
    }

private:
    // backgroundRewriteDoneHandler: the new base and (after CONFIG SET appendonly yes) the temp
    // incremental file get their names, the files the base covers become history, the manifest
    // is persisted (the moment the rewrite takes effect), then history files are deleted.
    bool rewrite_done(const std::string& temp) {
        aof::manifest m = m_manifest;
        const std::string base = aof::add_new_base(m, m_filename, m_rewrite_rdb);
        if (::rename(temp.c_str(), in_aof_dir(base).c_str()) != 0) {
            warning("Error trying to rename the temporary AOF base file " + temp + " into " + base + ": " + std::strerror(errno));
            return false;
        }
        notice("Successfully renamed the temporary AOF base file " + temp + " into " + base);
        std::string new_incr;
        if (m_state == state::wait_rewrite) {
            new_incr = aof::add_new_incr(m, m_filename);
            if (::rename(in_aof_dir(temp_incr_name()).c_str(), in_aof_dir(new_incr).c_str()) != 0) {
                warning("Error trying to rename the temporary AOF incr file: " + std::string(std::strerror(errno)));
                ::unlink(in_aof_dir(base).c_str());
                return false;
            }
        }
        aof::mark_incr_as_history(m, m_state == state::off ? 0 : 1);
        if (!persist_manifest(m)) {
            ::unlink(in_aof_dir(base).c_str());
            if (!new_incr.empty()) ::unlink(in_aof_dir(new_incr).c_str());
            return false;
        }
        m_manifest = std::move(m);
        if (m_state == state::wait_rewrite) set_state(state::on);
        m_base_size = file_size(in_aof_dir(base)) + m_writer.size();
        m_size_offset = m_base_size - m_writer.written_total();
        if (!m_config->get_bool("aof-disable-auto-gc") && !m_manifest.history.empty()) {
            for (const aof::file_info& f : m_manifest.history) {
                notice("Removing the history file " + f.name + " in the background");
                ::unlink(in_aof_dir(f.name).c_str());
            }
            m_manifest.history.clear();
            (void)persist_manifest(m_manifest);
        }
        return true;
    }

    // --- CONFIG SET ---

    void watch_config() {
        // Read once per change, not per command (a lookup per propagated command was 8% of the
        // server's instructions under redis-benchmark SET -P 16).
        m_timestamps = m_config->get_bool("aof-timestamp-enabled");
        m_config->on_change("aof-timestamp-enabled", [this](std::string_view v) {
            m_timestamps = v == "yes";
            return std::string();
        });
        m_config->on_change("appendonly", [this](std::string_view v) {
            const bool on = v == "yes";
            if (on && m_state == state::off) return start_appending();
            if (!on && m_state != state::off) stop_appending();
            return std::string();
        });
        m_config->on_change("appendfsync", [this](std::string_view v) {
            m_policy = aof::fsync_policy_named(v).value_or(aof::fsync_policy::everysec);
            m_writer.set_policy(m_policy);
            return std::string();
        });
    }

    // startAppendOnly: appending to a temporary incremental file until a rewrite gives the
    // directory a base that holds the dataset.
    std::string start_appending() {
        kill_child();
        set_state(state::wait_rewrite);
        add_sink();
        if (m_child->running()) { // a BGSAVE: the rewrite starts when it ends, as in Redis
            m_scheduled = true;
            warning("AOF was enabled but there is already another background operation. An AOF background was "
                    "scheduled to start when possible.");
            return {};
        }
        if (!rewrite_background()) {
            set_state(state::off);
            (void)m_writer.close();
            warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above "
                    "logs for more info about the error.");
            return "Unable to turn on AOF. Check server logs.";
        }
        return {};
    }

    void stop_appending() {
        flush(true);
        if (!m_writer.close()) warning("Fail to fsync the AOF file: " + std::string(std::strerror(m_writer.last_error())));
        set_state(state::off);
        kill_child();
        ::unlink(in_aof_dir(temp_incr_name()).c_str());
    }

    // --- timers ---

    void cron() {
        if (m_state != state::off) flush(false); // everysec: fsync the last second's writes
        if (m_child->running()) return;
        if (m_scheduled) {
            (void)rewrite_background();
            return;
        }
        const std::int64_t percentage = m_config->get_integer("auto-aof-rewrite-percentage");
        const auto min_size = static_cast<std::uint64_t>(m_config->get_integer("auto-aof-rewrite-min-size"));
        if (m_state != state::on || percentage == 0 || current_size() <= min_size) return;
        if (m_failures > 0 && std::time(nullptr) < m_next_auto_rewrite) return;
        const std::uint64_t base = m_base_size != 0 ? m_base_size : 1;
        const auto growth = static_cast<std::int64_t>(current_size() * 100 / base) - 100;
        if (growth >= percentage) {
            notice("Starting automatic rewriting of AOF on " + std::to_string(growth) + "% growth");
            (void)rewrite_background();
        }
    }

    // --- INFO ---

public:
    /// INFO persistence's aof_* fields, in Redis 7.0's order (aof_enabled ... aof_last_cow_size).
    void info(server::info_fields& fields) const {
        auto field = [&](const char* name, std::string value) { fields.emplace_back(name, std::move(value)); };
        field("aof_enabled", m_state != state::off ? "1" : "0");
        field("aof_rewrite_in_progress", rewriting() ? "1" : "0");
        field("aof_rewrite_scheduled", m_scheduled ? "1" : "0");
        field("aof_last_rewrite_time_sec", std::to_string(m_last_rewrite_seconds));
        field("aof_current_rewrite_time_sec", std::to_string(rewriting() ? std::time(nullptr) - m_rewrite_started : -1));
        field("aof_last_bgrewrite_status", m_rewrite_ok ? "ok" : "err");
        field("aof_rewrites", std::to_string(m_rewrites));
        field("aof_rewrites_consecutive_failures", std::to_string(m_failures));
        field("aof_last_write_status", m_writer.write_ok() ? "ok" : "err");
        field("aof_last_cow_size", std::to_string(m_last_cow));
    }
    /// The fields Redis adds after the module ones while the file is on (aof_current_size ...).
    void info_when_enabled(server::info_fields& fields) const {
        if (m_state == state::off) return;
        auto field = [&](const char* name, std::string value) { fields.emplace_back(name, std::move(value)); };
        field("aof_current_size", std::to_string(current_size()));
        field("aof_base_size", std::to_string(m_base_size));
        field("aof_pending_rewrite", m_scheduled ? "1" : "0");
        field("aof_buffer_length", std::to_string(m_writer.buffered()));
        field("aof_pending_bio_fsync", std::to_string(m_writer.pending_fsyncs()));
        field("aof_delayed_fsync", std::to_string(m_writer.delayed_fsyncs()));
    }

private:
    server::config_table* m_config;
    server::server_context* m_context;
    Keyspace* m_keyspace;
    const server::dispatcher* m_commands;
    net::tcp_server* m_transport = nullptr;
    std::string m_dir, m_filename, m_dirname;
    aof::manifest m_manifest;
    aof::append_writer m_writer;
    aof::fsync_policy m_policy = aof::fsync_policy::everysec;
    server::propagation_encoder m_encoder;
    state m_state = state::off;
    bool m_sink_added = false;
    std::optional<net::timer_id> m_cron;
    std::time_t m_last_timestamp = 0;
    bool m_timestamps = false; // aof-timestamp-enabled
    std::time_t m_last_error_log = 0;
    persist::child_process* m_child;
    pid_t m_child_pid = 0;
    std::uint64_t m_last_cow = 0;
    std::time_t m_rewrite_started = 0;
    std::time_t m_last_rewrite_seconds = -1;
    std::time_t m_next_auto_rewrite = 0;
    bool m_rewrite_ok = true;
    bool m_rewrite_rdb = false; // the running rewrite writes an RDB (aof-use-rdb-preamble when it started)
    bool m_scheduled = false;
    long long m_rewrites = 0;
    int m_failures = 0;
    std::uint64_t m_base_size = 0;
    std::uint64_t m_size_offset = 0;
};

} // namespace respkit::app

#pragma once

/// \file
/// RDB snapshots of app::server, as redis-server takes them: SAVE, BGSAVE [SCHEDULE] in a forked
/// child, `save <seconds> <changes>` points, LASTSAVE, loading `dbfilename` at start-up, saving
/// at shutdown, DEBUG RELOAD, stop-writes-on-bgsave-error (MISCONF) and INFO persistence's rdb_*
/// fields. Why a fork: docs/persistence.md.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respkit/commands/redis_version.hpp"
#include "respkit/persist/child_process.hpp"
#include "respkit/persist/files.hpp"
#include "respkit/persist/snapshot.hpp"
#include "respkit/rdb/writer.hpp"
#include "respkit/server/command.hpp"
#include "respkit/server/command_check.hpp"
#include "respkit/server/config.hpp"
#include "respkit/server/session_impl.hpp"
#include "respkit/server/log.hpp"
#include "respkit/server/persistence.hpp"
#include "respkit/store/keyspace.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::app {

/// One `save <seconds> <changes>` point.
struct save_point {
    std::int64_t seconds = 0; ///< at least this long since the last save
    std::int64_t changes = 0; ///< and at least this many changes
};

/// The save points of the `save` parameter ("3600 1 300 100": pairs; "" none).
[[nodiscard]] inline std::vector<save_point> parse_save_points(std::string_view text) {
    std::vector<save_point> points;
    std::vector<std::int64_t> numbers;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        if (i == text.size()) break;
        std::int64_t n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') n = n * 10 + (text[i++] - '0');
        while (i < text.size() && text[i] != ' ') ++i;
        numbers.push_back(n);
    }
    for (std::size_t k = 0; k + 1 < numbers.size(); k += 2) points.push_back({numbers[k], numbers[k + 1]});
    return points;
}

/// How a snapshot is written under `config`: rdbcompression, rdbchecksum, and the encodings
/// Redis picks under the same thresholds (hash-max-listpack-entries ...). Shared by the RDB
/// snapshots and the append-only file's RDB base.
[[nodiscard]] inline rdb::writer_options snapshot_writer_options(const server::config_table& config) {
    rdb::writer_options o;
    o.compression = config.get_bool("rdbcompression");
    o.checksum = config.get_bool("rdbchecksum");
    const auto size = [&](std::string_view name) { return static_cast<std::size_t>(config.get_integer(name)); };
    o.hash_max_listpack_entries = size("hash-max-listpack-entries");
    o.hash_max_listpack_value = size("hash-max-listpack-value");
    o.zset_max_listpack_entries = size("zset-max-listpack-entries");
    o.zset_max_listpack_value = size("zset-max-listpack-value");
    o.set_max_intset_entries = size("set-max-intset-entries");
    o.list_max_listpack_size = config.get_integer("list-max-listpack-size");
    return o;
}

/// The AUX fields Redis 7.0.15 writes at the start of a snapshot; `aof_base` for an append-only
/// file's RDB base.
[[nodiscard]] inline std::vector<std::pair<std::string, std::string>> snapshot_aux_fields(bool aof_base) {
    std::uint64_t resident = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long pages = 0, pages_resident = 0;
        if (std::fscanf(f, "%llu %llu", &pages, &pages_resident) == 2) {
            resident = pages_resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        }
        std::fclose(f);
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return {{"redis-ver", std::string(commands::redis_compat_version)},
            {"redis-bits", std::to_string(sizeof(void*) * 8)},
            {"ctime", std::to_string(now.count())},
            {"used-mem", std::to_string(resident)},
            {"aof-base", aof_base ? "1" : "0"}};
}

/// RDB snapshots of a keyspace to `dbfilename` in `dir`, driven by the configuration.
template <class Keyspace>
class snapshots {
public:
    /// Snapshots of `keyspace` per `config`; `directory` is where `dbfilename` lives ("" for
    /// the working directory, when the process changed to `dir`). The background child is
    /// `child`, shared with the append-only file's rewrite (one child at a time, as Redis).
    snapshots(server::config_table& config, server::server_context& context, Keyspace& keyspace,
              persist::child_process& child, std::string directory)
        : m_config(config), m_context(context), m_keyspace(keyspace), m_child(child), m_directory(std::move(directory)),
          m_last_save(unix_now()) {
        keyspace.add_observer(m_count_changes);
    }
    snapshots(const snapshots&) = delete;
    snapshots& operator=(const snapshots&) = delete;
    ~snapshots() { m_keyspace.remove_observer(m_count_changes); }

    /// The snapshot file's path.
    [[nodiscard]] std::string path() const { return persist::join_path(m_directory, m_config.get("dbfilename")); }

    /// Installs SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD's hooks and the MISCONF check.
    void install(server::dispatcher& commands) {
        auto& hooks = m_context.persistence();
        hooks.save = [this] { return save(); };
        hooks.background_save = [this](bool schedule) { return background_save(schedule); };
        hooks.last_save = [this] { return m_last_save; };
        hooks.reload = [this](bool merge, bool noflush, bool nosave) { return reload(merge, noflush, nosave); };
        commands.add_check(server::check_stage::persistence, "stop-writes-on-bgsave-error",
                           [this](const server::pending_command& c) { return misconf(c); });
    }

    /// Loads the snapshot file if there is one (start-up). "" or the error, which stops start-up.
    [[nodiscard]] std::string load_at_start() {
        const std::string file = path();
        if (!persist::file_exists(file)) return {};
        const auto started = std::chrono::steady_clock::now();
        const std::string error = load_file(file, false);
        if (!error.empty()) return error;
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.3f",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        log(server::log_level::notice, std::string("DB loaded from disk: ") + seconds + " seconds");
        m_dirty = 0;
        return {};
    }

    /// SAVE.
    [[nodiscard]] server::persistence_result save() {
        if (m_child.running() && m_child.purpose() == "rdb") return {"ERR Background save already in progress", {}};
        if (std::string error = save_now(); !error.empty()) return {"ERR " + error, {}};
        return {};
    }

    /// BGSAVE [SCHEDULE].
    [[nodiscard]] server::persistence_result background_save(bool schedule) {
        if (m_child.running() && m_child.purpose() == "rdb") return {"ERR Background save already in progress", {}};
        if (m_child.running()) {
            if (!schedule) {
                return {"ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
                        "order to schedule a BGSAVE whenever possible.",
                        {}};
            }
            m_scheduled = true;
            return {{}, "Background saving scheduled"};
        }
        if (std::string error = start_background_save(); !error.empty()) return {"ERR " + error, {}};
        return {{}, "Background saving started"};
    }

    /// Called from the event loop (about every 100 ms): a scheduled BGSAVE when no child runs,
    /// save points.
    void cron() {
        if (m_child.running()) return;
        if (m_scheduled) {
            m_scheduled = false;
            (void)start_background_save();
            return;
        }
        const std::int64_t now = unix_now();
        for (const save_point& p : parse_save_points(m_config.get("save"))) {
            // After a failed BGSAVE, retry only every 5 s (as Redis's CONFIG_BGSAVE_RETRY_DELAY).
            const bool may_try = m_last_bgsave_ok || now - m_last_bgsave_try > 5;
            if (static_cast<std::int64_t>(m_dirty) >= p.changes && now - m_last_save > p.seconds && may_try) {
                log(server::log_level::notice, std::to_string(p.changes) + " changes in " + std::to_string(p.seconds) +
                                                   " seconds. Saving...");
                (void)start_background_save();
                return;
            }
        }
    }

    /// The background child ended (the caller reaped it; its purpose was "rdb").
    void child_done(const persist::child_exit& e) {
        m_last_bgsave_seconds = std::chrono::duration_cast<std::chrono::seconds>(e.elapsed).count();
        m_last_cow = e.cow_bytes;
        if (e.success) {
            log(server::log_level::notice, "Background saving terminated with success");
            m_dirty = m_dirty >= m_dirty_at_fork ? m_dirty - m_dirty_at_fork : 0;
            m_last_save = m_bgsave_started_unix;
            m_last_bgsave_ok = true;
            ++m_saves;
        } else if (e.signal != 0) {
            log(server::log_level::warning, "Background saving terminated by signal " + std::to_string(e.signal));
            // Killed by us (SIGUSR1) is not an error, as Redis.
            m_last_bgsave_ok = e.signal == SIGUSR1 ? m_last_bgsave_ok : false;
            std::remove(temp_name(m_child_pid).c_str());
        } else {
            log(server::log_level::warning, "Background saving error");
            m_last_bgsave_ok = false;
        }
        if (e.cow_bytes != 0) {
            log(server::log_level::notice, "Fork CoW for RDB: current " + std::to_string(e.cow_bytes / (1024 * 1024)) +
                                               " MB, peak " + std::to_string(e.cow_bytes / (1024 * 1024)) +
                                               " MB, average " + std::to_string(e.cow_bytes / (1024 * 1024)) + " MB");
        }
        m_child_pid = 0;
    }

    /// Before a shutdown: kills a running BGSAVE child, then saves when asked to or when save
    /// points are configured.
    [[nodiscard]] server::persistence_result before_shutdown(server::shutdown_saving saving) {
        if (m_child.running() && m_child.purpose() == "rdb") {
            log(server::log_level::warning, "There is a child saving an .rdb. Killing it!");
            m_child.kill_and_wait();
            std::remove(temp_name(m_child_pid).c_str());
            m_child_pid = 0;
        }
        const bool wanted = saving == server::shutdown_saving::save ||
                            (saving == server::shutdown_saving::configured && !parse_save_points(m_config.get("save")).empty());
        if (!wanted) return {};
        log(server::log_level::notice, "Saving the final RDB snapshot before exiting.");
        if (std::string error = save_now(); !error.empty()) {
            log(server::log_level::warning, "Error trying to save the DB, can't exit.");
            return {"ERR " + error, {}};
        }
        return {};
    }

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE].
    [[nodiscard]] server::persistence_result reload(bool merge, bool noflush, bool nosave) {
        if (!nosave) {
            if (std::string error = save_now(); !error.empty()) return {"ERR Error trying to save the DB: " + error, {}};
        }
        if (!noflush) (void)m_keyspace.flush_all();
        if (std::string error = load_file(path(), merge); !error.empty()) {
            return {"ERR Error trying to load the RDB dump, check server logs.", {}};
        }
        log(server::log_level::notice, "DB reloaded by DEBUG RELOAD");
        if (!nosave) m_dirty = 0; // the dataset is the one just saved
        return {};
    }

    /// INFO persistence's fields from current_cow_peak to rdb_last_load_keys_loaded.
    void info(server::info_fields& out) const {
        const bool saving = m_child.running() && m_child.purpose() == "rdb";
        const auto current = saving ? std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::steady_clock::now() - m_child.started())
                                          .count()
                                    : -1;
        out.emplace_back("rdb_changes_since_last_save", std::to_string(m_dirty));
        out.emplace_back("rdb_bgsave_in_progress", saving ? "1" : "0");
        out.emplace_back("rdb_last_save_time", std::to_string(m_last_save));
        out.emplace_back("rdb_last_bgsave_status", m_last_bgsave_ok ? "ok" : "err");
        out.emplace_back("rdb_last_bgsave_time_sec", std::to_string(m_last_bgsave_seconds));
        out.emplace_back("rdb_current_bgsave_time_sec", std::to_string(current));
        out.emplace_back("rdb_saves", std::to_string(m_saves));
        out.emplace_back("rdb_last_cow_size", std::to_string(m_last_cow));
        out.emplace_back("rdb_last_load_keys_expired", std::to_string(m_last_load_expired));
        out.emplace_back("rdb_last_load_keys_loaded", std::to_string(m_last_load_loaded));
    }

    /// Changes since the last successful save.
    [[nodiscard]] std::uint64_t dirty() const noexcept { return m_dirty; }
    /// Unix time of the last successful save.
    [[nodiscard]] std::int64_t last_save() const noexcept { return m_last_save; }

private:
    struct change_counter {
        std::uint64_t* dirty;
        void operator()(store::key_event event, std::size_t, std::string_view) const noexcept {
            // A key about to be added or a read miss (keyspace notifications' n and m) is no change.
            if (event != store::key_event::created && event != store::key_event::missed) ++*dirty;
        }
    };

    [[nodiscard]] static std::int64_t unix_now() noexcept {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }
    [[nodiscard]] std::string temp_name(pid_t pid) const {
        return persist::join_path(m_directory, "temp-" + std::to_string(pid) + ".rdb");
    }
    void log(server::log_level level, std::string_view line) const { m_context.log(level, line); }

    [[nodiscard]] persist::snapshot_options save_options() const {
        persist::snapshot_options options{snapshot_writer_options(m_config), snapshot_aux_fields(false), {}};
        if (m_context.scripting().library_codes) options.functions = m_context.scripting().library_codes();
        return options;
    }

    // Writes the snapshot to a temporary file and renames it over `path()`: "" or the error.
    [[nodiscard]] std::string write_snapshot(pid_t pid) {
        const persist::snapshot_options options = save_options();
        return persist::replace_file(path(), temp_name(pid),
                                     [&](int fd) { return persist::save_snapshot(m_keyspace, fd, options); });
    }

    [[nodiscard]] std::string save_now() {
        if (std::string error = write_snapshot(::getpid()); !error.empty()) {
            log(server::log_level::warning, "Failed saving the DB: " + error);
            m_last_bgsave_ok = false;
            return error;
        }
        log(server::log_level::notice, "DB saved on disk");
        m_dirty = 0;
        m_last_save = unix_now();
        m_last_bgsave_ok = true;
        ++m_saves;
        return {};
    }

    [[nodiscard]] std::string start_background_save() {
        m_dirty_at_fork = m_dirty;
        m_last_bgsave_try = unix_now();
        m_bgsave_started_unix = m_last_bgsave_try;
        const std::string error = m_child.start("rdb", [this] {
            const std::string why = write_snapshot(::getpid());
            if (!why.empty()) {
                log(server::log_level::warning, "Failed saving the DB: " + why);
                return 1;
            }
            log(server::log_level::notice, "DB saved on disk");
            return 0;
        });
        if (!error.empty()) {
            m_last_bgsave_ok = false;
            log(server::log_level::warning, "Can't save in background: " + error);
            return "Can't save in background: " + error;
        }
        m_child_pid = m_child.pid();
        log(server::log_level::notice, "Background saving started by pid " + std::to_string(m_child_pid));
        return {};
    }

    // Loads `file` into the keyspace (keys already there are replaced when `merge`, else kept and
    // reported): "" or the error, logged.
    [[nodiscard]] std::string load_file(const std::string& file, bool merge) {
        std::string bytes;
        if (std::string error = persist::read_file(file, bytes); !error.empty()) {
            log(server::log_level::warning, "Fatal error loading the DB: " + error + ". Exiting.");
            return "Fatal error loading the DB " + file + ": " + error;
        }
        const bool was_loading = m_context.loading();
        m_context.set_loading(true);
        m_context.propagation().suspend(true);
        // Function libraries: a load that replaces the dataset replaces them too.
        const server::scripting_hooks& scripting = m_context.scripting();
        if (!merge && scripting.flush_libraries) scripting.flush_libraries();
        std::function<std::string(std::string_view)> on_function;
        if (scripting.load_library)
            on_function = [&](std::string_view code) { return scripting.load_library(code, merge); };
        const persist::snapshot_load_result r = persist::load_snapshot(bytes, m_keyspace, merge, on_function);
        m_context.propagation().suspend(false);
        m_context.set_loading(was_loading);
        m_last_load_loaded = r.keys_loaded;
        m_last_load_expired = r.keys_expired;
        if (!r.error.empty()) {
            const std::string why = file + ": " + r.error + " at offset " + std::to_string(r.offset);
            log(server::log_level::warning, "Error loading the DB: " + why);
            return why;
        }
        log(server::log_level::notice, "Done loading RDB, keys loaded: " + std::to_string(r.keys_loaded) +
                                           ", keys expired: " + std::to_string(r.keys_expired) + ".");
        return {};
    }

    // MISCONF: after a failed background save, with save points and stop-writes-on-bgsave-error,
    // commands that write (and PING, as Redis) are refused.
    [[nodiscard]] std::string misconf(const server::pending_command& c) const {
        if (m_last_bgsave_ok || c.origin != server::command_origin::client) return {};
        if (!m_config.get_bool("stop-writes-on-bgsave-error") || parse_save_points(m_config.get("save")).empty()) {
            return {};
        }
        const bool writes = server::has(c.entry.spec.flags, server::command_flag::write) ||
                            has(c.queued_flags, server::command_flag::write) || c.entry.full_name == "ping";
        if (!writes) return {};
        return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
               "Commands that may modify the data set are disabled, because this instance is configured to report "
               "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the "
               "Redis logs for details about the RDB error.";
    }

    server::config_table& m_config;
    server::server_context& m_context;
    Keyspace& m_keyspace;
    persist::child_process& m_child;
    std::string m_directory;
    std::uint64_t m_dirty = 0;
    change_counter m_count_changes{&m_dirty};
    std::uint64_t m_dirty_at_fork = 0;
    std::int64_t m_last_save;
    std::int64_t m_last_bgsave_try = 0;
    std::int64_t m_bgsave_started_unix = 0;
    std::int64_t m_last_bgsave_seconds = -1;
    std::uint64_t m_last_cow = 0;
    std::uint64_t m_saves = 0;
    std::uint64_t m_last_load_loaded = 0;
    std::uint64_t m_last_load_expired = 0;
    pid_t m_child_pid = 0;
    bool m_last_bgsave_ok = true;
    bool m_scheduled = false;
};

} // namespace respkit::app

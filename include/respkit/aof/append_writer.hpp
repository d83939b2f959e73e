#pragma once

/// \file
/// The incremental file's writer, as Redis 7.0's flushAppendOnlyFile: commands accumulate in a
/// buffer; flush() writes it with one write(2) and then fsyncs as appendfsync says: `always`
/// before returning (call it before the replies that acknowledge the commands leave),
/// `everysec` at most once a second in a background thread the caller never waits on (a write
/// is postponed up to 2 seconds while that fsync runs), `no` never (the kernel decides).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "respkit/unique_fd.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::aof {

/// The bytes waiting for the next write(2): grows without zero-filling, so that a command is
/// encoded straight into it (prepare, then commit what was written).
class append_buffer {
public:
    /// Room for `n` more bytes at the end; write there, then commit() what was written.
    [[nodiscard]] char* prepare(std::size_t n) {
        if (m_capacity - m_size < n) grow(n);
        return m_data.get() + m_size;
    }
    /// Adds the `n` bytes written at prepare()'s pointer.
    void commit(std::size_t n) noexcept { m_size += n; }
    /// Appends `bytes`.
    void append(std::string_view bytes) {
        if (bytes.empty()) return;
        std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
        commit(bytes.size());
    }
    /// The bytes held.
    [[nodiscard]] std::string_view view() const noexcept { return {m_data.get(), m_size}; }
    /// Bytes held.
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    /// True when it holds nothing.
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    /// Drops the first `n` bytes.
    void erase_front(std::size_t n) noexcept {
        std::memmove(m_data.get(), m_data.get() + n, m_size - n);
        m_size -= n;
    }
    /// Drops every byte; keeps the memory unless a burst grew it past `kept_capacity`.
    void clear() noexcept {
        m_size = 0;
        if (m_capacity > kept_capacity) {
            m_data.reset();
            m_capacity = 0;
        }
    }

    /// Capacity clear() keeps: what one event-loop turn of pipelined writes usually needs, so the
    /// steady state allocates nothing (Redis frees its buffer past 4000 bytes and grows it again
    /// every turn).
    static constexpr std::size_t kept_capacity = 64 * 1024;

private:
    void grow(std::size_t n) {
        const std::size_t wanted = std::max({m_size + n, m_capacity * 2, std::size_t{4096}});
        auto bigger = std::make_unique_for_overwrite<char[]>(wanted);
        if (m_size != 0) std::memcpy(bigger.get(), m_data.get(), m_size);
        m_data = std::move(bigger);
        m_capacity = wanted;
    }

    std::unique_ptr<char[]> m_data;
    std::size_t m_size = 0;
    std::size_t m_capacity = 0;
};

/// appendfsync: when written commands are made durable.
enum class fsync_policy : std::uint8_t {
    no,       ///< never fsync (the kernel flushes when it likes, ~30 s on Linux)
    always,   ///< fsync after every write, before the replies go out
    everysec, ///< fsync once a second in a background thread
};

/// The policy named `name` ("always", "everysec", "no"), or nullopt.
[[nodiscard]] inline std::optional<fsync_policy> fsync_policy_named(std::string_view name) noexcept {
    if (name == "always") return fsync_policy::always;
    if (name == "everysec") return fsync_policy::everysec;
    if (name == "no") return fsync_policy::no;
    return std::nullopt;
}

/// What flush() did.
enum class flush_status : std::uint8_t {
    idle,      ///< nothing to write or fsync
    written,   ///< the buffer was written (and fsynced as the policy says)
    postponed, ///< everysec: a background fsync is running, the write waits (at most 2 s)
    error,     ///< write failed; the bytes stay buffered and a later flush retries (last_error())
    fatal,     ///< write or fsync failed under `always`: acknowledged writes cannot be guaranteed
};

/// fsyncs (and closes) descriptors on one background thread, as Redis's bio AOF_FSYNC jobs.
class background_fsync {
public:
    background_fsync() = default;
    background_fsync(const background_fsync&) = delete;
    background_fsync& operator=(const background_fsync&) = delete;
    ~background_fsync() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable()) m_thread.join();
    }
    /// Queues an fsync of `fd`; with `close_after`, the descriptor is closed once synced.
    void submit(int fd, bool close_after) {
        {
            std::lock_guard lock(m_mutex);
            if (!m_thread.joinable()) m_thread = std::thread([this] { work(); });
            m_jobs.push_back({fd, close_after});
            m_pending.fetch_add(1, std::memory_order_release);
        }
        m_wake.notify_one();
    }
    /// Jobs queued or running.
    [[nodiscard]] int pending() const noexcept { return m_pending.load(std::memory_order_acquire); }
    /// The errno of the last failed fsync (0: none since the last call), reset by reading it.
    [[nodiscard]] int take_error() noexcept { return m_error.exchange(0); }
    /// Waits until every queued job is done.
    void drain() {
        std::unique_lock lock(m_mutex);
        m_idle.wait(lock, [this] { return m_jobs.empty() && m_pending.load() == 0; });
    }

private:
    struct job {
        int fd;
        bool close_after;
    };
    void work() {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stop || !m_jobs.empty(); });
            if (m_jobs.empty()) return; // stopping with nothing left
            const job j = m_jobs.front();
            m_jobs.pop_front();
            lock.unlock();
            if (::fdatasync(j.fd) != 0 && errno != EBADF && errno != EINVAL) m_error.store(errno);
            if (j.close_after) ::close(j.fd);
            lock.lock();
            m_pending.fetch_sub(1, std::memory_order_release);
            if (m_jobs.empty()) m_idle.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<job> m_jobs;
    std::atomic<int> m_pending{0};
    std::atomic<int> m_error{0};
    bool m_stop = false;
    std::thread m_thread;
};

/// Appends commands to the open incremental file.
class append_writer {
public:
    append_writer() = default;
    append_writer(const append_writer&) = delete;
    append_writer& operator=(const append_writer&) = delete;
    /// Closes the file after writing what is buffered and fsyncing it.
    ~append_writer() { (void)close(); }

    /// Opens (creating it if needed) the file at `path` for appending; the size counts what it
    /// already holds. The previous file, if any, is fsynced and closed in the background.
    [[nodiscard]] std::error_code open(const std::string& path, bool truncate = false) {
        const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
        unique_fd fd(::open(path.c_str(), flags, 0644));
        if (!fd) return {errno, std::system_category()};
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return {errno, std::system_category()};
        if (m_fd) m_fsync.submit(m_fd.release(), true);
        m_fd = std::move(fd);
        m_size = static_cast<std::uint64_t>(st.st_size);
        m_fsynced = m_size;
        return {};
    }
    /// True while a file is open.
    [[nodiscard]] bool is_open() const noexcept { return static_cast<bool>(m_fd); }
    /// Writes what is buffered, fsyncs, and closes the file (synchronously). False on failure.
    bool close() {
        if (!m_fd) return true;
        bool ok = flush(true, std::time(nullptr)) != flush_status::error;
        m_fsync.drain();
        if (::fdatasync(m_fd.get()) != 0) ok = false;
        m_fd.reset();
        return ok;
    }

    /// The policy; may change at any time (CONFIG SET appendfsync).
    void set_policy(fsync_policy p) noexcept { m_policy = p; }
    /// The policy.
    [[nodiscard]] fsync_policy policy() const noexcept { return m_policy; }
    /// Skips fsyncs while `on` (no-appendfsync-on-rewrite with a rewrite running).
    void set_fsync_paused(bool on) noexcept { m_fsync_paused = on; }

    /// Appends bytes to the buffer (written by the next flush()).
    void append(std::string_view bytes) { m_buffer.append(bytes); }
    /// The buffer, to encode into directly.
    [[nodiscard]] append_buffer& buffer() noexcept { return m_buffer; }
    /// Bytes buffered, not yet written (INFO aof_buffer_length).
    [[nodiscard]] std::size_t buffered() const noexcept { return m_buffer.size(); }
    /// True when flush() has something to do now: bytes to write, or (always) an fsync owed.
    [[nodiscard]] bool has_pending() const noexcept {
        return !m_buffer.empty() || (m_policy == fsync_policy::always && m_fsynced != m_size);
    }

    /// Writes the buffer and fsyncs as the policy says, as Redis's flushAppendOnlyFile(force);
    /// `now` is the time in seconds (for everysec's once-a-second fsync and 2-second postpone).
    flush_status flush(bool force, std::time_t now) {
        if (!m_fd) return flush_status::idle;
        bool sync_in_progress = false;
        if (m_buffer.empty()) {
            // Written bytes not yet fsynced (writes stopped within the second, or the policy
            // changed to always): fsync them now.
            if (m_policy == fsync_policy::everysec && m_fsynced != m_size && now > m_last_fsync &&
                m_fsync.pending() == 0) {
                return try_fsync(false, now);
            }
            if (m_policy == fsync_policy::always && m_fsynced != m_size) return try_fsync(false, now);
            return flush_status::idle;
        }
        if (m_policy == fsync_policy::everysec) sync_in_progress = m_fsync.pending() != 0;
        if (m_policy == fsync_policy::everysec && !force && sync_in_progress) {
            // write(2) would wait behind the running fsync anyway: postpone it up to 2 seconds.
            if (m_postponed_since == 0) {
                m_postponed_since = now;
                return flush_status::postponed;
            }
            if (now - m_postponed_since < 2) return flush_status::postponed;
            ++m_delayed_fsync;
            m_notice = "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without "
                       "waiting for fsync to complete, this may slow down Redis.";
        }
        m_postponed_since = 0;
        const std::size_t written = write_all();
        if (written != m_buffer.size()) {
            const int e = written == 0 && errno != 0 ? errno : ENOSPC;
            // A partial write is undone so that the file never ends inside a command.
            if (written > 0 && ::ftruncate(m_fd.get(), static_cast<off_t>(m_size)) != 0) {
                m_size += written;
                m_buffer.erase_front(written);
            }
            m_last_error = e;
            m_write_ok = false;
            return m_policy == fsync_policy::always ? flush_status::fatal : flush_status::error;
        }
        if (!m_write_ok) m_notice = "AOF write error looks solved, Redis can write again.";
        m_write_ok = true;
        m_size += written;
        m_written_total += written;
        m_buffer.clear();
        return try_fsync(sync_in_progress, now);
    }

    /// Bytes in the file (what was there when opened plus what was written since).
    [[nodiscard]] std::uint64_t size() const noexcept { return m_size; }
    /// Bytes of the file known to be fsynced (or handed to the background fsync).
    [[nodiscard]] std::uint64_t fsynced_size() const noexcept { return m_fsynced; }
    /// Bytes written by this writer, over every file it opened.
    [[nodiscard]] std::uint64_t written_total() const noexcept { return m_written_total; }
    /// Times everysec wrote without waiting for a background fsync (INFO aof_delayed_fsync).
    [[nodiscard]] std::uint64_t delayed_fsyncs() const noexcept { return m_delayed_fsync; }
    /// Background fsyncs queued or running (INFO aof_pending_bio_fsync).
    [[nodiscard]] int pending_fsyncs() const noexcept { return m_fsync.pending(); }
    /// False after a failed write until one succeeds (INFO aof_last_write_status).
    [[nodiscard]] bool write_ok() const noexcept { return m_write_ok; }
    /// errno of the last failed write or fsync.
    [[nodiscard]] int last_error() const noexcept { return m_last_error; }
    /// A notice to log, set by the last flush (a delayed fsync, a write error solved); cleared by reading.
    [[nodiscard]] std::string take_notice() { return std::exchange(m_notice, std::string()); }
    /// The background fsync thread (a rotated-out file is fsynced and closed there).
    [[nodiscard]] background_fsync& fsyncer() noexcept { return m_fsync; }

private:
    std::size_t write_all() {
        std::size_t done = 0;
        errno = 0;
        while (done < m_buffer.size()) {
            const ssize_t n = ::write(m_fd.get(), m_buffer.view().data() + done, m_buffer.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                break;
            }
            if (n == 0) break;
            done += static_cast<std::size_t>(n);
        }
        return done;
    }

    flush_status try_fsync(bool sync_in_progress, std::time_t now) {
        if (m_fsync_paused) return flush_status::written;
        if (const int e = m_fsync.take_error(); e != 0) m_last_error = e;
        if (m_policy == fsync_policy::always) {
            if (::fdatasync(m_fd.get()) != 0) {
                m_last_error = errno;
                return flush_status::fatal;
            }
            m_fsynced = m_size;
            m_last_fsync = now;
        } else if (m_policy == fsync_policy::everysec && now > m_last_fsync) {
            if (!sync_in_progress) {
                m_fsync.submit(m_fd.get(), false);
                m_fsynced = m_size;
            }
            m_last_fsync = now;
        }
        return flush_status::written;
    }

    unique_fd m_fd;
    append_buffer m_buffer;
    fsync_policy m_policy = fsync_policy::everysec;
    bool m_fsync_paused = false;
    bool m_write_ok = true;
    int m_last_error = 0;
    std::uint64_t m_size = 0;
    std::uint64_t m_fsynced = 0;
    std::uint64_t m_written_total = 0;
    std::uint64_t m_delayed_fsync = 0;
    std::time_t m_last_fsync = 0;
    std::time_t m_postponed_since = 0;
    std::string m_notice;
    // Last: its thread may still touch a descriptor above until it is joined.
    background_fsync m_fsync;
};

} // namespace respkit::aof

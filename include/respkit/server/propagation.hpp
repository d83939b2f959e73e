#pragma once

/// \file
/// Propagation: what the commands changed, expressed as commands that replay it
/// deterministically, for the append-only file and replicas. The command path collects the
/// commands of one execution unit (a client's command, with everything it caused) and hands
/// them to the sinks when the unit ends, wrapped in MULTI / EXEC when there are several, as
/// Redis 7.0's propagatePendingCommands does.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "respkit/detail/numbers.hpp"
#include "respkit/version.hpp"

namespace respkit::inline RESPKIT_ABI_NAMESPACE::server {

/// One command that replays a change, as the sinks see it: views that live until the sink
/// returns (a sink that keeps a command copies it).
struct propagated_command {
    /// `db` of a command that applies to no database in particular (EXEC): no SELECT before it.
    static constexpr std::size_t any_db = std::numeric_limits<std::size_t>::max();

    std::size_t db = any_db;                  ///< the database it applies to
    std::span<const std::string_view> args;   ///< the command and its arguments
};

/// Receives every propagated command, in order. A sink must not run commands.
using propagation_sink = std::function<void(const propagated_command& command)>;

template <class = void>
class basic_propagation;
/// Collects the commands that replay what an execution unit changed, and hands them to the
/// sinks at the unit's end. Commands tell it what they did through command_call (rewrite,
/// also_propagate, prevent, force); key changes reach it from the keyspace's observers (a change
/// makes the running command "dirty": it propagates; a key removed by expiry propagates as
/// DEL, as does one evicted). Inactive (and free) while no sink is registered.
/// (A template only so that its members are instantiated where used: docs/headers.md.)
using propagation = basic_propagation<>;

template <class>
class basic_propagation {
public:
    /// Sends propagated commands to `sink` from now on.
    void add_sink(propagation_sink sink) { m_sinks.push_back(std::move(sink)); }
    /// True when commands are being collected (a sink exists and propagation is not suspended).
    [[nodiscard]] bool active() const noexcept { return !m_sinks.empty() && m_suspended == 0; }
    /// Stops (nested) or resumes collecting, e.g. while loading a file that holds the commands.
    void suspend(bool on) noexcept { m_suspended += on ? 1 : -1; }

    // --- the command path ---

    /// A command starts running (calls nest: EXEC runs its queued commands inside its own).
    void begin_command() {
        // Frames are reused from command to command (a rewrite's vector keeps its capacity).
        if (m_depth == m_frames.size()) m_frames.emplace_back();
        frame& f = m_frames[m_depth++];
        f.rewrite.clear();
        f.dirty = f.forced = f.prevented = false;
    }
    /// The command that began last ended: unless it prevented it, it propagates (its arguments,
    /// or the rewrite it asked for) when it changed something or forced it. `db` is the database
    /// it ran in. At the end of the outermost command the unit's commands go to the sinks.
    void end_command(std::size_t db, std::span<const std::string_view> args) {
        frame& f = m_frames[--m_depth];
        const bool propagates = !f.prevented && (f.dirty || f.forced);
        if (propagates && m_depth == 0 && m_used == 0 && f.rewrite.empty()) {
            // The common case, a unit of one command propagating its own arguments: the sinks
            // read the request's arguments in place, nothing is copied.
            emit({db, args});
            return;
        }
        if (propagates) {
            pending_command& c = next_pending(db);
            if (!f.rewrite.empty()) {
                c.args.swap(f.rewrite);
            } else {
                // Into the slot's strings, whose capacity a previous command left.
                c.args.resize(args.size());
                for (std::size_t i = 0; i < args.size(); ++i) c.args[i].assign(args[i]);
            }
        }
        if (m_depth == 0) flush();
    }
    /// Forgets the running command's frame without propagating it (it was abandoned).
    void abandon_command() {
        if (--m_depth == 0) flush();
    }

    // --- what a command did (through command_call) ---

    /// The running command changed the dataset: it propagates.
    void mark_dirty() noexcept {
        if (m_depth != 0) m_frames[m_depth - 1].dirty = true;
    }
    /// The running command propagates even if it changed nothing (FLUSHALL on an empty server).
    void force() noexcept {
        if (m_depth != 0) m_frames[m_depth - 1].forced = true;
    }
    /// The running command does not propagate itself (it propagated what it did with
    /// also_propagate, or is EXEC, whose commands propagate themselves).
    void prevent() noexcept {
        if (m_depth != 0) m_frames[m_depth - 1].prevented = true;
    }
    /// The running command propagates as `args` instead of its own arguments (relative expiry
    /// as absolute, INCRBYFLOAT as SET ... KEEPTTL).
    void rewrite(std::vector<std::string> args) {
        if (m_depth != 0) m_frames[m_depth - 1].rewrite = std::move(args);
    }
    /// Propagates `args` in database `db` now, before the running command's own.
    void also_propagate(std::size_t db, std::vector<std::string> args) {
        next_pending(db).args.swap(args);
        if (m_depth == 0) flush(); // outside any command (active expiry): a unit of its own
    }

    // --- key changes (from the keyspace observers) ---

    /// A key of `db` was changed by the running command: it is dirty.
    void key_changed() noexcept { mark_dirty(); }
    /// `key` of `db` was removed because its TTL passed or to free memory: propagates as DEL.
    void key_removed(std::size_t db, std::string_view key) {
        also_propagate(db, {std::string("DEL"), std::string(key)});
    }

private:
    // A command of the unit being collected, owned until the unit ends.
    struct pending_command {
        std::size_t db = propagated_command::any_db;
        std::vector<std::string> args;
    };

    struct frame {
        std::vector<std::string> rewrite;
        bool dirty = false;
        bool forced = false;
        bool prevented = false;
    };

    // The next slot of the unit being collected. Slots are reused from unit to unit (m_used says
    // how many hold this unit's commands), so that their vectors and strings keep their capacity.
    pending_command& next_pending(std::size_t db) {
        if (m_used == m_pending.size()) m_pending.emplace_back();
        pending_command& c = m_pending[m_used++];
        c.db = db;
        return c;
    }

    void flush() {
        if (m_used == 0) return;
        const std::size_t count = m_used;
        m_used = 0;
        const bool wrap = count > 1;
        if (wrap) emit_words(m_pending.front().db, "MULTI");
        for (std::size_t i = 0; i < count; ++i) {
            const pending_command& c = m_pending[i];
            m_views.assign(c.args.begin(), c.args.end());
            emit({c.db, m_views});
        }
        if (wrap) emit_words(propagated_command::any_db, "EXEC");
    }
    void emit_words(std::size_t db, std::string_view word) const {
        const std::string_view args[] = {word};
        emit({db, args});
    }
    void emit(const propagated_command& c) const {
        for (const propagation_sink& sink : m_sinks) sink(c);
    }

    std::vector<propagation_sink> m_sinks;
    std::vector<frame> m_frames; // the first m_depth are the running commands, outermost first
    std::size_t m_depth = 0;
    std::vector<pending_command> m_pending; // slots; the first m_used hold the unit's commands
    std::size_t m_used = 0;
    std::vector<std::string_view> m_views; // the arguments of the pending command being emitted
    int m_suspended = 0;
};

/// Writes propagated commands as Redis's append-only file holds them: `SELECT db` whenever the
/// database differs from the previous command's, then the command as an array of bulk strings.
class propagation_encoder {
public:
    /// Appends `command` (preceded by a SELECT if needed) to `out`: a std::string, or a buffer
    /// with `char* prepare(std::size_t room)` and `commit(std::size_t written)` (aof::append_buffer),
    /// which the command is written into directly.
    template <class Buffer>
    void encode(const propagated_command& command, Buffer& out) {
        if (command.db != propagated_command::any_db && (!m_db || *m_db != command.db)) {
            const std::string db = std::to_string(command.db);
            const std::string_view select[] = {"SELECT", db};
            append_command(select, out);
            m_db = command.db;
        }
        append_command(command.args, out);
    }

    /// Forgets the selected database: the next command starts with SELECT (a new file).
    void reset() noexcept { m_db.reset(); }

private:
    // write_command_range's bytes, written in one go (this runs for every write command while the
    // append-only file is on): room is reserved for the longest lengths, the rest given back.
    template <class Buffer>
    static void append_command(std::span<const std::string_view> args, Buffer& out) {
        constexpr std::size_t header_room = 1 + respkit::detail::max_int64_chars + 2; // "$<len>\r\n"
        std::size_t room = header_room;
        for (const std::string_view a : args) room += header_room + a.size() + 2;
        if constexpr (std::is_same_v<Buffer, std::string>) {
            const std::size_t start = out.size();
            out.resize(start + room);
            out.resize(start + write_command(args, out.data() + start));
        } else {
            out.commit(write_command(args, out.prepare(room)));
        }
    }

    // Writes the command at `to`, which has room for it; returns the bytes written.
    static std::size_t write_command(std::span<const std::string_view> args, char* to) {
        char* p = to;
        const auto header = [&p](char type, std::size_t n) {
            *p++ = type;
            if (n < 10) {
                *p++ = static_cast<char>('0' + n);
            } else if (n < 100) {
                *p++ = static_cast<char>('0' + n / 10);
                *p++ = static_cast<char>('0' + n % 10);
            } else {
                p += respkit::detail::format_int64(static_cast<std::int64_t>(n), p);
            }
            *p++ = '\r';
            *p++ = '\n';
        };
        header('*', args.size());
        for (const std::string_view a : args) {
            header('$', a.size());
            if (!a.empty()) std::memcpy(p, a.data(), a.size());
            p += a.size();
            *p++ = '\r';
            *p++ = '\n';
        }
        return static_cast<std::size_t>(p - to);
    }

    std::optional<std::size_t> m_db;
};

} // namespace respkit::server

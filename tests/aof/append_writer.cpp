// aof/append_writer: what each appendfsync policy writes and fsyncs, and when; write errors
// keep the bytes for a retry (everysec, no) or are fatal (always).

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <respkit/aof/append_writer.hpp>

#include "support/aof_util.hpp"

using namespace respkit;
using namespace respkit_test;

TEST_CASE("append_writer: always writes and fsyncs in flush, before it returns") {
    scratch_dir dir("aof-writer");
    const std::string path = (dir.path() / "x.incr.aof").string();
    aof::append_writer w;
    w.set_policy(aof::fsync_policy::always);
    REQUIRE(!w.open(path));
    CHECK(w.flush(false, 100) == aof::flush_status::idle);
    w.append("*1\r\n$4\r\nPING\r\n");
    CHECK(w.has_pending());
    CHECK(w.flush(false, 100) == aof::flush_status::written);
    CHECK(!w.has_pending());
    CHECK(w.size() == 14);
    CHECK(w.fsynced_size() == 14);
    CHECK(read_file(path) == "*1\r\n$4\r\nPING\r\n");
    // Reopened: appends after what is there.
    aof::append_writer again;
    REQUIRE(!again.open(path));
    CHECK(again.size() == 14);
    again.append("*1\r\n$4\r\nPING\r\n");
    CHECK(again.flush(false, 1) == aof::flush_status::written);
    CHECK(std::filesystem::file_size(path) == 28);
}

TEST_CASE("append_writer: everysec writes every flush, fsyncs in the background at most once a second") {
    scratch_dir dir("aof-writer-es");
    const std::string path = (dir.path() / "x.incr.aof").string();
    aof::append_writer w;
    w.set_policy(aof::fsync_policy::everysec);
    REQUIRE(!w.open(path));
    w.append("abc");
    CHECK(w.flush(false, 100) == aof::flush_status::written);
    CHECK(w.fsynced_size() == 3); // handed to the background thread
    w.fsyncer().drain();
    CHECK(w.pending_fsyncs() == 0);
    w.append("def");
    CHECK(w.flush(false, 100) == aof::flush_status::written); // same second: no fsync
    CHECK(w.size() == 6);
    CHECK(w.fsynced_size() == 3);
    CHECK(read_file(path) == "abcdef");
    // The next second, with nothing new to write, the written bytes are fsynced.
    CHECK(w.flush(false, 101) == aof::flush_status::written);
    CHECK(w.fsynced_size() == 6);
    w.fsyncer().drain();
    CHECK(w.flush(false, 102) == aof::flush_status::idle);
}

TEST_CASE("append_writer: no never fsyncs; fsyncs pause while asked") {
    scratch_dir dir("aof-writer-no");
    aof::append_writer w;
    w.set_policy(aof::fsync_policy::no);
    REQUIRE(!w.open((dir.path() / "x").string()));
    w.append("abc");
    CHECK(w.flush(false, 100) == aof::flush_status::written);
    CHECK(w.fsynced_size() == 0);
    CHECK(w.pending_fsyncs() == 0);
    w.set_policy(aof::fsync_policy::always);
    CHECK(w.has_pending()); // switching to always owes an fsync of what was written
    w.set_fsync_paused(true);
    w.append("d");
    CHECK(w.flush(false, 100) == aof::flush_status::written);
    CHECK(w.fsynced_size() == 0);
    w.set_fsync_paused(false);
    CHECK(w.flush(false, 100) == aof::flush_status::written);
    CHECK(w.fsynced_size() == 4);
}

TEST_CASE("append_writer: a failed write keeps the bytes (everysec), is fatal under always") {
    if (!std::filesystem::exists("/dev/full")) return;
    aof::append_writer w;
    w.set_policy(aof::fsync_policy::everysec);
    REQUIRE(!w.open("/dev/full"));
    w.append("abc");
    CHECK(w.flush(false, 100) == aof::flush_status::error);
    CHECK(!w.write_ok());
    CHECK(w.last_error() == ENOSPC);
    CHECK(w.buffer().view() == "abc");
    w.set_policy(aof::fsync_policy::always);
    CHECK(w.flush(false, 100) == aof::flush_status::fatal);
}

TEST_CASE("append_writer: a new file: the old one is fsynced and closed in the background") {
    scratch_dir dir("aof-writer-rot");
    aof::append_writer w;
    REQUIRE(!w.open((dir.path() / "1").string()));
    w.append("one");
    CHECK(w.flush(true, 5) == aof::flush_status::written);
    REQUIRE(!w.open((dir.path() / "2").string()));
    CHECK(w.size() == 0);
    w.append("two");
    CHECK(w.flush(true, 5) == aof::flush_status::written);
    CHECK(w.close());
    CHECK(read_file(dir.path() / "1") == "one");
    CHECK(read_file(dir.path() / "2") == "two");
    CHECK(aof::fsync_policy_named("everysec") == aof::fsync_policy::everysec);
    CHECK(!aof::fsync_policy_named("sometimes"));
}

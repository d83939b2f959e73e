// Scripting through redis-py (/usr/bin/python3, python3-redis) against the built respkit-server:
// register_script (EVALSHA, reloaded after SCRIPT FLUSH), eval with keys and arguments, script
// errors as ResponseError, and redis-py's Lock (built on EVALSHA: acquire, blocking, extend,
// reacquire, release, release of a lost lock); the same script against Debian's redis-server,
// so that its expectations are Redis's.

#include <doctest/doctest.h>

#include <string>

#include "support/redis_py.hpp"

using namespace respkit_test;

namespace {

const char* const scripting_script = R"PY(
import sys, time, redis
from redis.exceptions import ResponseError, LockError, LockNotOwnedError
port = int(sys.argv[1])
r = redis.Redis(port=port)
r.flushall()
r.script_flush()

add = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
assert add(keys=['n'], args=[5]) == 5
assert add(keys=['n'], args=[7]) == 12
assert r.script_exists(add.sha) == [True]
r.script_flush()
assert r.script_exists(add.sha) == [False]
assert add(keys=['n'], args=[1]) == 13          # NOSCRIPT, then loaded again
assert r.eval("return {KEYS[1], ARGV[1], 3}", 1, 'k', 'a') == [b'k', b'a', 3]
assert r.eval("return redis.call('get', KEYS[1])", 1, 'n') == b'13'
assert r.evalsha(r.script_load("return 'x'"), 0) == b'x'
try:
    r.eval("return redis.call('incr', KEYS[1], 'x')", 1, 'n')
    assert False
except ResponseError as e:
    assert 'Wrong number of args calling Redis command from script' in str(e), str(e)
try:
    r.eval("error('boom')", 0)
    assert False
except ResponseError as e:
    assert str(e).startswith('user_script:1: boom script: '), str(e)

lock = r.lock('resource', timeout=10)
assert lock.acquire(blocking=False)
assert r.get('resource') == lock.local.token
other = r.lock('resource', timeout=10, blocking_timeout=0.2)
assert not other.acquire()                          # held
assert lock.extend(5)
assert 10000 < r.pttl('resource') <= 15000
assert lock.reacquire()
assert 9000 < r.pttl('resource') <= 10000
assert lock.owned()
lock.release()
assert r.get('resource') is None
assert other.acquire()
r.set('resource', 'someone else')                   # the lock is lost
try:
    other.release()
    assert False
except LockNotOwnedError:
    pass
with r.lock('ctx', timeout=5) as l:
    assert r.exists('ctx') == 1
assert r.exists('ctx') == 0
print('ok')
)PY";

} // namespace

TEST_CASE("redis-py: register_script, eval and Lock against respkit-server and redis-server") {
    const auto ran = run_redis_py_on_both(scripting_script, "scripting");
    if (ran) {
        CHECK(*ran >= 1);
    }
}

namespace {

// Functions through redis-py's function_* and fcall helpers; the same script on both servers.
const char* const functions_script = R"PY(
import sys, redis
from redis.exceptions import ResponseError
port = int(sys.argv[1])
r = redis.Redis(port=port)
r.flushall()
r.function_flush()
code = """#!lua name=mylib
redis.register_function('incr_by', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}
"""
assert r.function_load(code) == b'mylib'
assert r.fcall('incr_by', 1, 'n', 5) == 5
assert r.fcall('incr_by', 1, 'n', 2) == 7
assert r.fcall_ro('peek', 1, 'n') == b'7'
try:
    r.fcall_ro('incr_by', 1, 'n', 1)
    assert False
except ResponseError as e:
    assert 'Can not execute a script with write flag using *_ro command.' in str(e), str(e)
try:
    r.function_load(code)
    assert False
except ResponseError as e:
    assert str(e) == "Library 'mylib' already exists", str(e)
assert r.function_load(code, replace=True) == b'mylib'
listing = r.function_list(library='my*', withcode=True)
assert len(listing) == 1
lib = listing[0]
assert lib[1] == b'mylib' and lib[3] == b'LUA' and lib[7] == code.encode(), lib
names = sorted(f[1] for f in lib[5])
assert names == [b'incr_by', b'peek'], names
payload = r.function_dump()
r.flushall()                                     # libraries survive FLUSHALL
assert r.fcall('incr_by', 1, 'n', 1) == 1
assert r.function_delete('mylib')
try:
    r.fcall('peek', 1, 'n')
    assert False
except ResponseError as e:
    assert str(e) == 'Function not found', str(e)
assert r.function_restore(payload)
assert r.fcall_ro('peek', 1, 'n') == b'1'
try:
    r.function_restore(payload, 'APPEND')
    assert False
except ResponseError as e:
    assert str(e) == 'Library mylib already exists', str(e)
assert r.function_restore(payload, 'REPLACE')
stats = r.function_stats()
assert stats[0] == b'running_script' and stats[1] is None, stats
assert stats[3] == [b'LUA', [b'libraries_count', 1, b'functions_count', 2]], stats
assert r.function_flush()
assert r.function_list() == []
print('ok')
)PY";

// A DUMP made by one server restores on the other: redis-server -> respkit-server and back.
const char* const cross_restore_script = R"PY(
import sys, redis
ours, theirs = redis.Redis(port=int(sys.argv[1])), redis.Redis(port=int(sys.argv[2]))
code1 = "#!lua name=one\nredis.register_function('f_one', function(keys, args) return 'one:' .. args[1] end)"
code2 = "#!lua name=two\nredis.register_function{function_name='f_two', callback=function() return 2 end, flags={'no-writes', 'allow-stale'}}"
for r in (ours, theirs):
    r.function_flush()
theirs.function_load(code1)
theirs.function_load(code2)
ours.function_restore(theirs.function_dump())
assert ours.fcall('f_one', 0, 'x') == b'one:x'
assert ours.fcall_ro('f_two', 0) == 2
assert sorted(l[1] for l in ours.function_list()) == [b'one', b'two']
theirs.function_flush()
ours.function_delete('two')
theirs.function_restore(ours.function_dump())
assert theirs.fcall('f_one', 0, 'y') == b'one:y'
assert [l[1] for l in theirs.function_list()] == [b'one']
# One library dumps to the same bytes on both.
assert ours.function_dump() == theirs.function_dump()
for r in (ours, theirs):
    r.function_flush()
print('ok')
)PY";

} // namespace

TEST_CASE("redis-py: function_load, fcall, fcall_ro, function_list/dump/restore/stats against both "
          "servers") {
    const auto ran = run_redis_py_on_both(functions_script, "functions");
    if (ran) {
        CHECK(*ran >= 1);
    }
}

TEST_CASE("FUNCTION DUMP of redis-server restores in respkit-server, and the reverse") {
    using namespace std::chrono_literals;
    const std::string python = "/usr/bin/python3";
    if (::access(python.c_str(), X_OK) != 0 ||
        run_program({python, "-c", "import redis"}).exit_code != 0) {
        MESSAGE("skipped: python3-redis missing");
        return;
    }
    const server_process ours = start_respkit_server();
    const server_process theirs = start_redis_server();
    if (!ours.running() || !theirs.running()) {
        MESSAGE("skipped: respkit-server not built or redis-server not installed");
        return;
    }
    const auto r = run_program({python, "-c", cross_restore_script, std::to_string(ours.port()),
                                std::to_string(theirs.port())},
                               {}, 30s);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ok\n");
}

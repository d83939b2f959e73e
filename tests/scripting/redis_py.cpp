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

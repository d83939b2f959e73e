// Streams through redis-py (/usr/bin/python3, python3-redis) against the built respkit-server:
// xadd / xrange / xrevrange / xlen / xdel / xtrim, xread with and without BLOCK (served by an
// xadd from another thread), consumer groups (xgroup_create, xreadgroup, xack, xpending and
// xpending_range, xclaim, xautoclaim), xinfo_stream / xinfo_groups / xinfo_consumers, and the
// same script against Debian's redis-server when it is installed, so that the script's
// expectations are Redis's.

#include <doctest/doctest.h>

#include <string>

#include "support/redis_py.hpp"

using namespace respkit_test;

namespace {

const char* const stream_script = R"PY(
import sys, threading, time, redis
port = int(sys.argv[1])
r = redis.Redis(port=port)
r.flushall()

assert r.xadd('s', {'a': '1', 'b': '2'}, id='1-1') == b'1-1'
assert r.xadd('s', {'a': '3'}, id='1-*') == b'1-2'
assert r.xadd('s', {'c': 'x' * 300}, id='5-0') == b'5-0'
auto = r.xadd('s', {'d': '4'})
ms, seq = auto.split(b'-')
assert int(ms) > 5 and seq.isdigit(), auto
assert r.xlen('s') == 4
assert r.xrange('s', '-', '+', count=2) == [(b'1-1', {b'a': b'1', b'b': b'2'}), (b'1-2', {b'a': b'3'})]
assert r.xrevrange('s', '+', '-', count=1)[0][0] == auto
assert r.xrange('s', '(1-1', '5') == [(b'1-2', {b'a': b'3'}), (b'5-0', {b'c': b'x' * 300})]
assert r.xdel('s', '1-2', '9-9') == 1
assert r.xlen('s') == 3
assert r.type('s') == b'stream'
try:
    r.xadd('s', {'a': '1'}, id='1-0')
    assert False
except redis.ResponseError as e:
    assert 'equal or smaller' in str(e), e

# xread: what follows an ID, and a blocked read served by an xadd from another thread.
assert r.xread({'s': '1-1'}, count=1) == [[b's', [(b'5-0', {b'c': b'x' * 300})]]]
assert r.xread({'s': '$'}, block=50) in (None, [])
got = {}
def reader():
    got['x'] = redis.Redis(port=port).xread({'s': '$'}, block=5000)
t = threading.Thread(target=reader)
t.start()
while r.info('clients')['blocked_clients'] < 1: time.sleep(0.005)
r.xadd('s', {'e': '5'}, id='99999999999999-0')
t.join(5)
assert got['x'] == [[b's', [(b'99999999999999-0', {b'e': b'5'})]]], got

# Consumer groups.
assert r.xgroup_create('s', 'g', id='0') is True
try:
    r.xgroup_create('s', 'g', id='0')
    assert False
except redis.ResponseError as e:
    assert 'BUSYGROUP' in str(e), e
assert r.xgroup_create('new', 'g', id='$', mkstream=True) is True
first = r.xreadgroup('g', 'alice', {'s': '>'}, count=2)
assert [i for i, _ in first[0][1]] == [b'1-1', b'5-0'], first
rest = r.xreadgroup('g', 'bob', {'s': '>'})
assert [i for i, _ in rest[0][1]] == [auto, b'99999999999999-0'], rest
p = r.xpending('s', 'g')
assert p['pending'] == 4 and p['min'] == b'1-1' and p['max'] == b'99999999999999-0', p
assert sorted((c['name'], c['pending']) for c in p['consumers']) == [(b'alice', 2), (b'bob', 2)], p
detail = r.xpending_range('s', 'g', min='-', max='+', count=10, consumername='alice')
assert [(d['message_id'], d['times_delivered']) for d in detail] == [(b'1-1', 1), (b'5-0', 1)], detail
assert r.xack('s', 'g', '1-1', '1-1', '7-7') == 1
claimed = r.xclaim('s', 'g', 'carol', 0, ['5-0'])
assert claimed == [(b'5-0', {b'c': b'x' * 300})], claimed
assert r.xclaim('s', 'g', 'carol', 0, [auto], justid=True) == [auto]
ac = r.xautoclaim('s', 'g', 'dave', 0, start_id='0-0', count=1)
assert ac[0] == auto and ac[1][0][0] == b'5-0', ac
info = r.xinfo_stream('s')
assert info['length'] == 4 and info['groups'] == 1 and info['last-generated-id'] == b'99999999999999-0', info
groups = r.xinfo_groups('s')
assert len(groups) == 1 and groups[0]['name'] == b'g' and groups[0]['pending'] == 3, groups
assert groups[0]['last-delivered-id'] == b'99999999999999-0' and groups[0]['lag'] == 0, groups
consumers = {c['name']: c['pending'] for c in r.xinfo_consumers('s', 'g')}
assert consumers == {b'alice': 0, b'bob': 1, b'carol': 1, b'dave': 1}, consumers

# A blocked xreadgroup served by an xadd from another thread.
def group_reader():
    got['g'] = redis.Redis(port=port).xreadgroup('g', 'erin', {'s': '>'}, block=5000)
t = threading.Thread(target=group_reader)
t.start()
while r.info('clients')['blocked_clients'] < 1: time.sleep(0.005)
r.xadd('s', {'f': '6'}, id='99999999999999-1')
t.join(5)
assert got['g'] == [[b's', [(b'99999999999999-1', {b'f': b'6'})]]], got
assert r.xpending('s', 'g')['pending'] == 4

assert r.xtrim('s', maxlen=2, approximate=False) == 3
assert r.xlen('s') == 2
assert r.xgroup_destroy('s', 'g') == 1
print('ok')
)PY";

} // namespace

TEST_CASE("redis-py: stream commands, blocking reads and consumer groups (respkit-server and redis-server)") {
    (void)run_redis_py_on_both(stream_script, "stream");
}

// respkit-server with cluster-enabled yes, against the real cluster tools and clients:
// - three respkit-servers made one cluster by `redis-cli --cluster create`: every slot covered,
//   `redis-cli --cluster check` clean, `redis-cli -c` writing and reading across the nodes,
//   redis-py's RedisCluster (strings, hashes, lists, pipelines, hash-tagged multi-key commands),
//   respkit's cluster client; then a node stopped is marked FAIL by the others within the node
//   timeout, and restarted it rejoins with its name and slots from nodes.conf; before that,
//   `redis-cli --cluster reshard` moves 1,000 slots while redis-py writes and reads;
// - a mixed cluster of two redis-server 7.0.15 nodes and one respkit-server: created, checked,
//   every node's CLUSTER NODES agreeing, 1,000 slots resharded from a redis node to the respkit
//   node and back under load, the respkit node's replies equal to a redis node's for the
//   same requests (CLUSTER's errors, redirections, transactions, slots migrating and importing),
//   PUBLISH reaching subscribers on every node;
// - the per-slot key index: a respkit node and a redis-server node, each serving every slot, give
//   the same COUNTKEYSINSLOT and GETKEYSINSLOT replies (Redis's newest-first order) through
//   writes, deletions, expiry, RENAME, COPY, FLUSHALL and a restart from the same RDB file; nodes
//   started on an RDB holding keys of slots they do not serve claim or import those slots as
//   redis-server does (verifyClusterConfigWithData).
// Every server runs on free loopback ports and is stopped at the end.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "respkit/client.hpp"
#include "respkit/client/cluster.hpp"
#include "respkit/cluster/key_slot.hpp"
#include "support/file_util.hpp"
#include "support/process_util.hpp"
#include "support/raw_connection.hpp"

using namespace respkit_test;
namespace client = respkit::client;
using namespace std::chrono_literals;

namespace {

constexpr int node_timeout_ms = 1000;

/// A cluster node: redis-server or respkit-server, its nodes.conf in a temporary directory.
struct cluster_node {
    bool respkit;
    temp_dir dir;
    int cport = free_port();
    server_process server;
    explicit cluster_node(bool is_respkit, const std::vector<std::string>& extra = {})
        : respkit(is_respkit),
          server(is_respkit ? built_program("respkit-server") : find_on_path("redis-server"), arguments(extra)) {}
    [[nodiscard]] std::vector<std::string> arguments(const std::vector<std::string>& extra) const {
        std::vector<std::string> args = {"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path,
                                         "--cluster-enabled", "yes", "--cluster-port", std::to_string(cport),
                                         "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                                         std::to_string(node_timeout_ms)};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }
};

/// The payload of a bulk or verbatim reply ("" for others).
std::string text_of(const std::string& reply) {
    if (reply.size() < 4 || (reply[0] != '$' && reply[0] != '=')) return {};
    const std::size_t start = reply.find('\n') + 1;
    std::string text = reply.substr(start, reply.size() - start - 2);
    return reply[0] == '=' ? text.substr(4) : text;
}

std::string call_text(int port, const std::vector<std::string>& args) {
    raw_connection c(port);
    return c.call(args) ? text_of(c.last()) : std::string();
}

bool state_ok(int port) { return call_text(port, {"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos; }

/// CLUSTER NODES as a node shows it, each line without the fields that differ between viewers
/// (myself, ping and pong times, link state): sorted "name address flags primary epoch slots".
std::vector<std::string> topology(int port) {
    std::vector<std::string> out;
    std::istringstream in(call_text(port, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        if (f.size() < 8) continue;
        std::string flags = f[2];
        if (flags.starts_with("myself,")) flags.erase(0, 7);
        std::string row = f[0] + ' ' + f[1] + ' ' + flags + ' ' + f[3] + ' ' + f[6];
        for (std::size_t i = 8; i < f.size(); ++i) row += ' ' + f[i];
        out.push_back(row);
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The flags a node shows for the node listening on `port`.
std::string flags_of(int viewer, int port) {
    std::istringstream in(call_text(viewer, {"CLUSTER", "NODES"}));
    const std::string address = "127.0.0.1:" + std::to_string(port) + "@";
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string name, addr, flags;
        fields >> name >> addr >> flags;
        if (addr.starts_with(address)) return flags;
    }
    return {};
}

template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (p()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return p();
}

/// Nodes made one cluster of primaries by redis-cli --cluster create.
struct test_cluster {
    std::vector<std::unique_ptr<cluster_node>> nodes;
    run_output create;
    bool ready = false;
    explicit test_cluster(const std::vector<bool>& respkit) {
        for (const bool r : respkit) nodes.push_back(std::make_unique<cluster_node>(r));
        for (const auto& n : nodes)
            if (!n->server.running()) return;
        std::vector<std::string> argv = {find_on_path("redis-cli"), "--cluster", "create"};
        for (const auto& n : nodes) argv.push_back(n->address() + "@" + std::to_string(n->cport));
        argv.insert(argv.end(), {"--cluster-replicas", "0", "--cluster-yes"});
        create = run_program(argv, {}, 60s);
        ready = create.exit_code == 0 && eventually(
                                              [&] {
                                                  return std::all_of(nodes.begin(), nodes.end(),
                                                                     [](const auto& n) { return state_ok(n->server.port()); });
                                              },
                                              20s);
    }
    [[nodiscard]] int port(std::size_t i) const { return nodes[i]->server.port(); }
    [[nodiscard]] run_output check(std::size_t i) const {
        return run_program({find_on_path("redis-cli"), "--cluster", "check", nodes[i]->address()}, {}, 30s);
    }
};

bool tools_missing() {
    if (!built_program("respkit-server").empty() && !find_on_path("redis-cli").empty() &&
        !find_on_path("redis-server").empty())
        return false;
    MESSAGE("respkit-server not built or redis-server / redis-cli not installed: skipped");
    return true;
}

void check_clean(const run_output& check) {
    INFO(check.out);
    CHECK(check.exit_code == 0);
    CHECK(check.out.find("[OK] All nodes agree about slots configuration.") != std::string::npos);
    CHECK(check.out.find("[OK] All 16384 slots covered.") != std::string::npos);
    CHECK(check.out.find("[ERR]") == std::string::npos);
    CHECK(check.out.find("[WARNING]") == std::string::npos);
}

// redis-cli -c: commands on stdin sent to one node, following MOVED to the others.
run_output redis_cli_c(int port, const std::string& commands) {
    return run_program({find_on_path("redis-cli"), "-c", "-p", std::to_string(port)}, commands, 30s);
}

constexpr const char* redis_py_workload = R"(
import sys
from redis.cluster import RedisCluster
rc = RedisCluster(host='127.0.0.1', port=int(sys.argv[1]))
for i in range(300):
    rc.set('str:%d' % i, i)
assert [int(rc.get('str:%d' % i)) for i in range(300)] == list(range(300))
rc.hset('hash', mapping={'a': '1', 'b': '2'})
assert rc.hgetall('hash') == {b'a': b'1', b'b': b'2'}
rc.rpush('list', 'x', 'y', 'z')
assert rc.lrange('list', 0, -1) == [b'x', b'y', b'z']
p = rc.pipeline()
for i in range(100):
    p.incr('counter:%d' % i)
    p.get('str:%d' % i)
replies = p.execute()
assert replies[0::2] == [1] * 100 and [int(v) for v in replies[1::2]] == list(range(100))
rc.mset({'{user}:name': 'ann', '{user}:age': '33'})
assert rc.mget('{user}:name', '{user}:age') == [b'ann', b'33']
rc.sadd('{user}:a', 1, 2, 3)
rc.sadd('{user}:b', 2, 3, 4)
assert rc.sinterstore('{user}:both', ['{user}:a', '{user}:b']) == 2
assert rc.rename('{user}:both', '{user}:inter')
assert sorted(rc.smembers('{user}:inter')) == [b'2', b'3']
sizes = [rc.dbsize(target_nodes=n) for n in rc.get_primaries()]
assert len(sizes) == 3 and all(s > 50 for s in sizes), sizes
print('ok')
)";

// The client writing and reading during a reshard: redis-py's RedisCluster (which follows MOVED
// and ASK) writes rs:<i> = <i> for i = 0, 1, ..., reads each back at once and an older one, until
// the file argv[2] exists; argv[3] is created once the first 2000 keys are in. At the end every
// key written is read back. Prints "ok <keys written>"; any other error raises (exit code 1).
constexpr const char* reshard_writer = R"(
import os, random, sys
from redis.cluster import RedisCluster
rc = RedisCluster(host='127.0.0.1', port=int(sys.argv[1]))
stop, ready = sys.argv[2], sys.argv[3]
i = 0
while not os.path.exists(stop) or i < 2000:
    rc.set('rs:%d' % i, i)
    assert int(rc.get('rs:%d' % i)) == i
    j = random.randrange(i + 1)
    assert int(rc.get('rs:%d' % j)) == j, j
    i += 1
    if i == 2000:
        open(ready, 'w').close()
missing = [k for k in range(i) if rc.get('rs:%d' % k) != str(k).encode()]
assert not missing, missing[:10]
print('ok', i)
)";

/// The number of slots node `port` serves, by its own CLUSTER NODES line.
unsigned slots_served(int port) {
    std::istringstream in(call_text(port, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        if (f.size() < 8 || f[2].find("myself") == std::string::npos) continue;
        unsigned n = 0;
        for (std::size_t i = 8; i < f.size(); ++i) {
            if (f[i].starts_with("[")) continue; // a slot being migrated or imported
            const std::size_t dash = f[i].find('-');
            n += dash == std::string::npos ? 1 : std::stoul(f[i].substr(dash + 1)) - std::stoul(f[i].substr(0, dash)) + 1;
        }
        return n;
    }
    return 0;
}

std::string all_counts(int port);

/// COUNTKEYSINSLOT of every slot, as numbers.
std::vector<std::uint64_t> slot_counts(int port) {
    std::vector<std::uint64_t> out;
    std::istringstream in(all_counts(port));
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(":")) out.push_back(std::stoull(line.substr(1)));
    return out;
}

/// The slots node `port` serves, by its own CLUSTER NODES line.
std::vector<bool> slots_of(int port) {
    std::vector<bool> out(respkit::cluster::slot_count, false);
    std::istringstream in(call_text(port, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        if (f.size() < 8 || f[2].find("myself") == std::string::npos) continue;
        for (std::size_t i = 8; i < f.size(); ++i) {
            if (f[i].starts_with("[")) continue;
            const std::size_t dash = f[i].find('-');
            const unsigned first = static_cast<unsigned>(std::stoul(f[i].substr(0, dash)));
            const unsigned last = dash == std::string::npos ? first : static_cast<unsigned>(std::stoul(f[i].substr(dash + 1)));
            for (unsigned slot = first; slot <= last; ++slot) out[slot] = true;
        }
    }
    return out;
}

/// Each node's per-slot counts add up to its DBSIZE, only slots it serves hold keys, and
/// GETKEYSINSLOT lists as many keys of that slot as COUNTKEYSINSLOT counts (for 20 slots).
void check_slot_counts(const test_cluster& cluster) {
    for (std::size_t i = 0; i < cluster.nodes.size(); ++i) {
        INFO("node ", i, cluster.nodes[i]->respkit ? " (respkit)" : " (redis)");
        const std::vector<std::uint64_t> counts = slot_counts(cluster.port(i));
        REQUIRE(counts.size() == respkit::cluster::slot_count);
        const std::vector<bool> served = slots_of(cluster.port(i));
        std::uint64_t total = 0, outside = 0;
        std::vector<unsigned> populated;
        for (unsigned slot = 0; slot < respkit::cluster::slot_count; ++slot) {
            total += counts[slot];
            if (counts[slot] != 0 && !served[slot]) ++outside;
            if (counts[slot] != 0) populated.push_back(slot);
        }
        raw_connection c(cluster.port(i));
        REQUIRE(c.call({"DBSIZE"}));
        CHECK(":" + std::to_string(total) + "\r\n" == c.last());
        CHECK(outside == 0);
        for (std::size_t k = 0; k < populated.size(); k += std::max<std::size_t>(populated.size() / 20, 1)) {
            const unsigned slot = populated[k];
            REQUIRE(c.call({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000000"}));
            std::istringstream reply(c.last());
            std::string line;
            std::getline(reply, line);
            CHECK(line == "*" + std::to_string(counts[slot]) + "\r");
            std::uint64_t listed = 0;
            while (std::getline(reply, line) && std::getline(reply, line)) {
                line.pop_back();
                CHECK(respkit::cluster::key_slot(line) == slot);
                ++listed;
            }
            CHECK(listed == counts[slot]);
        }
    }
}

/// `redis-cli --cluster reshard` moves `count` slots from node `from` to node `to` while
/// reshard_writer writes and reads through node `entry`: the reshard succeeds, the writer sees no
/// error and loses no key, the slots moved, every node agrees and `--cluster check` is clean.
void reshard_under_load(const test_cluster& cluster, std::size_t from, std::size_t to, std::size_t entry, unsigned count) {
    const temp_dir dir;
    const std::string stop = dir.path + "/stop", ready = dir.path + "/ready";
    const unsigned from_before = slots_served(cluster.port(from)), to_before = slots_served(cluster.port(to));
    run_output writer;
    std::thread writing([&] {
        writer = run_program({"/usr/bin/python3", "-c", reshard_writer, std::to_string(cluster.port(entry)), stop, ready}, {}, 240s);
    });
    const bool started = eventually([&] { return std::filesystem::exists(ready); }, 60s);
    const auto t0 = std::chrono::steady_clock::now();
    const run_output reshard = started ? run_program({find_on_path("redis-cli"), "--cluster", "reshard", cluster.nodes[from]->address(),
                                                      "--cluster-from", call_text(cluster.port(from), {"CLUSTER", "MYID"}),
                                                      "--cluster-to", call_text(cluster.port(to), {"CLUSTER", "MYID"}),
                                                      "--cluster-slots", std::to_string(count), "--cluster-yes"},
                                                     {}, 180s)
                                       : run_output{};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    { std::ofstream touch(stop); }
    writing.join();
    INFO("reshard: ", reshard.out.substr(reshard.out.size() > 2000 ? reshard.out.size() - 2000 : 0), reshard.err);
    INFO("writer: ", writer.out, writer.err);
    REQUIRE(started);
    CHECK(reshard.exit_code == 0);
    CHECK(writer.exit_code == 0);
    CHECK(writer.out.starts_with("ok "));
    MESSAGE(count << " slots moved by redis-cli --cluster reshard in " << ms << " ms while redis-py wrote and read "
                  << writer.out.substr(writer.out.find(' ') + 1, writer.out.size() > 3 ? writer.out.size() - 4 : 0) << " keys");
    CHECK(slots_served(cluster.port(from)) == from_before - count);
    CHECK(slots_served(cluster.port(to)) == to_before + count);
    const std::vector<std::string> view = topology(cluster.port(0));
    for (std::size_t i = 1; i < cluster.nodes.size(); ++i)
        CHECK(eventually([&] { return topology(cluster.port(i)) == view; }, 5s));
    for (std::size_t i = 0; i < cluster.nodes.size(); ++i) check_clean(cluster.check(i));
    check_slot_counts(cluster);
}

// Requests compared on a redis-server node and on the respkit node of the mixed cluster, each
// line on one connection, commands separated by " | ". @L and @M are hash tags of two slots the
// node serves (SLOT and SLOT2 in the replies), @N2 the name of the third node (serving the tag
// {c}), @ME the node's own name.
constexpr const char* compared_requests[] = {
    "set {@L}x 1 | get {c}x | set {c}x 1 | mset {@L}x 1 {c}y 2 | mget {@L}x {@L}y | del {@L}x",
    "select 1 | select 0 | move {@L}x 1 | swapdb 0 1 | copy {@L}x {@L}y db 1 | copy {@L}x {@L}y db 0",
    "cluster addslots 100000 | cluster addslots 7000 | cluster addslots abc | cluster addslots 1 1",
    "cluster addslotsrange 1 0 | cluster addslotsrange 1 | cluster addslotsrange 7000 7001 | cluster delslots 16384",
    "cluster delslotsrange 10 5 | cluster setslot 7000 bogus | cluster setslot 7000 migrating 1234",
    "cluster setslot 7000 importing 1234 | cluster setslot 99999 stable | cluster setslot 7000 node 1234",
    "cluster setslot 7000 stable extra | cluster meet 127.0.0.1 abc | cluster meet 127.0.0.1 1 abc",
    "cluster meet nohost 7000 | cluster meet 127.0.0.1 70000 | cluster forget 1234 | cluster forget @ME",
    "cluster countkeysinslot 16384 | cluster countkeysinslot -1 | cluster countkeysinslot x",
    "cluster getkeysinslot 1 -1 | cluster getkeysinslot x 1 | cluster keyslot {@L}x | cluster keyslot x",
    "cluster set-config-epoch 5 | cluster set-config-epoch -1 | cluster set-config-epoch x | cluster reset bogus",
    "cluster count-failure-reports 1234 | cluster replicas 1234 | cluster slaves 1234 | cluster replicas @N2",
    "cluster bumpepoch extra | cluster myid x | readonly | readwrite | asking | cluster help | cluster slots",
    "set {@L}x 1 | cluster reset | cluster flushslots | del {@L}x",
    "set {@L}x 1 | set {@L}y 2 | set {@M}q 1 | cluster countkeysinslot SLOT | cluster countkeysinslot SLOT2 | "
    "cluster countkeysinslot 1 | cluster getkeysinslot SLOT 0 | cluster getkeysinslot 1 5 | del {@L}x {@L}y {@M}q | "
    "del {@L}x {@L}y | del {@M}q",
    "multi | set {@L}x 1 | set {@L}y 2 | exec | del {@L}x {@L}y",
    "multi | set {@L}x 1 | set {c}y 2 | exec | multi | set {@L}x 1 | set {@M}y 2 | exec | multi | get {c}x | exec",
    "set {@L}x 1 | cluster setslot SLOT migrating @N2 | get {@L}x | get {@L}nope | mget {@L}x {@L}nope | "
    "set {@L}new 1 | exists {@L}nope | cluster setslot SLOT stable | get {@L}nope | del {@L}x",
    "cluster setslot 7365 importing @N2 | get {c}x | asking | get {c}x | get {c}x | asking | mget {c}x {c}y | "
    "asking | set {c}k v | asking | get {c}k | asking | mget {c}k {c}x | asking | mget {c}k {c}k | asking | del {c}k | "
    "cluster setslot 7365 stable | get {c}x",
    "cluster setslot 7365 importing @N2 | asking | multi | get {c}x | exec | multi | asking | get {c}x | exec | "
    "asking | ping | get {c}x | cluster setslot 7365 stable",
    "readonly | get {c}x | readwrite | get {c}x | spublish {@L}c hi | spublish {c}c hi",
    "cluster setslot SLOT importing @N2 | cluster setslot 7365 migrating @N2 | set {@L}x 1 | "
    "cluster setslot SLOT node @N2 | del {@L}x",
    // A script's own commands: local, non-local (redis.call raises, redis.pcall returns the
    // error), cross-slot (a script without a shebang may), allow-cross-slot-keys, the declared
    // keys' slot first. In scripts, ~ is a space and ^ a line feed.
    "set {@L}x 1 | eval return(redis.call('get','{@L}x')) 0 | eval return(redis.call('get','{c}x')) 0 | "
    "eval return(redis.pcall('get','{c}x')) 0 | eval local~r=redis.pcall('get','{c}x');return(r['err']) 0 | "
    "eval return(redis.call('ping')) 0 | eval return(redis.call('mget','{@L}x','{@M}y')) 0 | "
    "eval redis.call('get','{@L}x');return(redis.call('get','{@M}y')) 0 | "
    "eval return(redis.call('get','{@M}y')) 1 {@L}x | "
    "eval #!lua^redis.call('get','{@L}x');return(redis.call('get','{@M}y')) 0 | "
    "eval #!lua^redis.call('get','{@L}x');return(redis.pcall('get','{@M}y')) 0 | "
    "eval #!lua^return(redis.call('get','{@M}y')) 1 {@L}x | eval #!lua^return(redis.call('get','{@L}y')) 1 {@L}x | "
    "eval #!lua^return(redis.call('get','{@L}y')) 0 | "
    "eval #!lua~flags=allow-cross-slot-keys^redis.call('get','{@L}x');return(redis.call('get','{@M}y')) 0 | "
    "eval #!lua~flags=allow-cross-slot-keys^return(redis.call('get','{c}y')) 0 | "
    "eval_ro #!lua~flags=no-writes^return(redis.call('get','{c}y')) 0 | del {@L}x",
    "function load #!lua~name=slotlib^redis.register_function('f',function(k,a)return(redis.call('get',a[1]))end)^"
    "redis.register_function{function_name='g',callback=function(k,a)redis.call('get',a[1]);"
    "return(redis.call('get',a[2]))end,flags={'allow-cross-slot-keys'}}^"
    "redis.register_function{function_name='h',callback=function(k,a)redis.call('get',a[1]);"
    "return(redis.pcall('get',a[2]))end} | "
    "fcall f 0 {c}x | fcall f 0 {@L}x | fcall h 0 {@L}x {@M}x | fcall h 0 {@L}x {@L}y | fcall g 0 {@L}x {@M}x | "
    "fcall f 1 {@L}x {@M}x | fcall h 1 {@L}x {@L}y {c}x | function delete slotlib",
    // A slot being imported takes the script's commands after ASKING; one being migrated asks
    // for its missing keys (non-local).
    "cluster setslot 7365 importing @N2 | eval return(redis.call('get','{c}x')) 0 | asking | "
    "eval return(redis.call('get','{c}x')) 0 | asking | "
    "eval #!lua^redis.call('get','{c}x');return(redis.call('get','{@L}x')) 0 | "
    "cluster setslot 7365 stable",
    "set {@L}x 1 | cluster setslot SLOT migrating @N2 | eval return(redis.call('get','{@L}x')) 0 | "
    "eval return(redis.call('get','{@L}nope')) 0 | eval return(redis.call('set','{@L}nope','1')) 0 | "
    "cluster setslot SLOT stable | del {@L}x",
    "config get cluster-link-sendbuf-limit | config set cluster-link-sendbuf-limit 1mb | "
    "config get cluster-link-sendbuf-limit | config set cluster-link-sendbuf-limit -1 | "
    "config set cluster-link-sendbuf-limit 0 | config get cluster-link-sendbuf-limit",
};

// Sends one line of compared_requests to `port` (RESP `proto`) and returns the replies with the
// node's own slots written SLOT and SLOT2 and the nodes' names (`ids`) as <node i>.
std::string replies_to(int port, int proto, std::string line, const std::string& local, const std::string& second,
                       const std::string& slot, const std::string& slot2, const std::string& n2, const std::string& me,
                       const std::vector<std::string>& ids) {
    const auto replace_all = [](std::string& text, const std::string& from, const std::string& to) {
        for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    };
    replace_all(line, "@ME", me);
    replace_all(line, "@L", local);
    replace_all(line, "@M", second);
    replace_all(line, "@N2", n2);
    replace_all(line, "SLOT2", slot2);
    replace_all(line, "SLOT", slot);
    raw_connection c(port);
    if (proto == 3) c.hello(3);
    std::string out;
    std::istringstream commands(line);
    for (std::string command; std::getline(commands, command, '|');) {
        std::istringstream words(command);
        std::vector<std::string> args;
        for (std::string w; words >> w;) {
            for (char& ch : w) ch = ch == '~' ? ' ' : ch == '^' ? '\n' : ch;
            args.push_back(w);
        }
        out += c.call(args) ? c.last() : std::string("(no reply)\n");
    }
    // A script's error names its SHA-1, which differs with its keys.
    for (std::size_t at = out.find("script: "); at != std::string::npos; at = out.find("script: ", at + 1)) {
        const std::size_t sha = at + 8;
        if (out.size() - sha >= 40 && out.find_first_not_of("0123456789abcdef", sha) == sha + 40)
            out.replace(sha, 40, "SHA");
    }
    replace_all(out, slot2, "SLOT2");
    replace_all(out, slot, "SLOT");
    for (std::size_t i = 0; i < ids.size(); ++i) replace_all(out, ids[i], "<node " + std::to_string(i) + ">");
    return out;
}

// CLUSTER LINKS (RESP `proto`) with the nodes' names (`ids`) written <node> and the creation
// times <time>, its links sorted (their order is a dict's in Redis).
std::string sorted_links(int port, int proto, const std::vector<std::string>& ids) {
    raw_connection c(port);
    if (proto == 3) c.hello(3);
    if (!c.call({"CLUSTER", "LINKS"})) return "(no reply)";
    std::string text = c.last();
    for (const std::string& id : ids)
        for (std::size_t at = text.find(id); at != std::string::npos; at = text.find(id)) text.replace(at, id.size(), "<node>");
    const std::string time_key = "create-time\r\n";
    for (std::size_t at = text.find(time_key); at != std::string::npos; at = text.find(time_key, at + 1)) {
        const std::size_t value = at + time_key.size();
        text.replace(value, text.find("\r\n", value) - value, ":<time>");
    }
    const std::string entry = proto == 3 ? "%6\r\n" : "*12\r\n";
    std::vector<std::string> links;
    for (std::size_t at = text.find(entry); at != std::string::npos;) {
        const std::size_t next = text.find(entry, at + 1);
        links.push_back(text.substr(at, next == std::string::npos ? std::string::npos : next - at));
        at = next;
    }
    std::sort(links.begin(), links.end());
    std::string out = text.substr(0, text.find(entry));
    for (const std::string& l : links) out += l;
    return out;
}

} // namespace

TEST_CASE("respkit cluster: created and checked by redis-cli, redis-cli -c, redis-py, respkit's client, FAIL and restart") {
    if (tools_missing()) return;
    test_cluster cluster({true, true, true});
    INFO(cluster.create.out, cluster.create.err);
    REQUIRE(cluster.ready);
    CHECK(cluster.create.out.find("[OK] All 16384 slots covered.") != std::string::npos);
    for (std::size_t i = 0; i < 3; ++i) check_clean(cluster.check(i));
    for (std::size_t i = 1; i < 3; ++i) CHECK(topology(cluster.port(i)) == topology(cluster.port(0)));

    // redis-cli -c writes through node 0 and reads through node 2, keys landing everywhere.
    std::string writes, reads, expected;
    for (int i = 0; i < 30; ++i) {
        writes += "SET cli:" + std::to_string(i) + " v" + std::to_string(i) + "\n";
        reads += "GET cli:" + std::to_string(i) + "\n";
        expected += "v" + std::to_string(i) + "\n";
    }
    const run_output w = redis_cli_c(cluster.port(0), writes);
    CHECK(w.exit_code == 0);
    CHECK(w.out.find("Redirected to slot") != std::string::npos);
    const run_output r = redis_cli_c(cluster.port(2), reads);
    std::string values;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.starts_with("-> Redirected")) values += line + "\n";
    CHECK(values == expected);

    // redis-py's RedisCluster.
    const run_output py = run_program({"/usr/bin/python3", "-c", redis_py_workload, std::to_string(cluster.port(1))}, {}, 60s);
    INFO(py.out, py.err);
    CHECK(py.out == "ok\n");

    // respkit's cluster client: keys on every node, a pipeline split by node, hash tags.
    {
        client::cluster_options o;
        o.seeds.push_back({"127.0.0.1", static_cast<std::uint16_t>(cluster.port(0))});
        o.node_options.connect_timeout = 2s;
        o.node_options.read_timeout = 5s;
        client::cluster_client c(o);
        REQUIRE(c.refresh_slots().ok());
        for (const unsigned slot : {0U, 5460U, 5461U, 10922U, 10923U, 16383U}) CHECK(c.node_of_slot(slot).has_value());
        for (int i = 0; i < 200; ++i) {
            auto set = c.command("SET", "client:" + std::to_string(i), i);
            REQUIRE(set.ok());
            CHECK(set->string() == "OK");
        }
        client::cluster_pipeline p;
        for (int i = 0; i < 200; ++i) p.add("GET", "client:" + std::to_string(i));
        auto replies = c.execute(p);
        REQUIRE(replies.ok());
        REQUIRE(replies->size() == 200);
        for (int i = 0; i < 200; ++i) CHECK((*replies)[static_cast<std::size_t>(i)].string() == std::to_string(i));
        auto mset = c.command("MSET", "{t}a", "1", "{t}b", "2");
        REQUIRE(mset.ok());
        CHECK(mset->string() == "OK");
        auto cross = c.command("MGET", "a", "b");
        REQUIRE(cross.ok());
        CHECK(cross->is_error());
        CHECK(cross->string().starts_with("CROSSSLOT"));
    }

    // 1,000 slots move from node 0 to node 1 while redis-py writes and reads through node 2.
    reshard_under_load(cluster, 0, 1, 2, 1000);

    // Node 2 stops: the others mark it FAIL (PFAIL after the node timeout, then FAIL by the
    // majority of primaries).
    const std::string name = call_text(cluster.port(2), {"CLUSTER", "MYID"});
    const std::vector<std::string> before = topology(cluster.port(0));
    const int port2 = cluster.port(2);
    cluster.nodes[2]->server.stop();
    const auto stopped = std::chrono::steady_clock::now();
    const bool failed = eventually(
        [&] {
            return flags_of(cluster.port(0), port2).find("fail") != std::string::npos &&
                   flags_of(cluster.port(0), port2).find("fail?") == std::string::npos &&
                   flags_of(cluster.port(1), port2).find("fail?") == std::string::npos &&
                   flags_of(cluster.port(1), port2).find("fail") != std::string::npos;
        },
        std::chrono::milliseconds(5 * node_timeout_ms));
    const auto fail_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopped).count();
    MESSAGE("a stopped node was FAIL on both others after " << fail_ms << " ms (node timeout " << node_timeout_ms << " ms)");
    CHECK(failed);
    CHECK(eventually([&] { return !state_ok(cluster.port(0)); }, 2s));
    {
        // A script's commands with keys while the cluster is down, in Redis 7.0.15's words.
        raw_connection c(cluster.port(0));
        REQUIRE(c.call({"EVAL", "return redis.call('get','{b}x')", "0"}));
        CHECK(c.last().rfind("-ERR Script attempted to execute a command while the cluster is down script: ", 0) == 0);
        REQUIRE(c.call({"EVAL", "return redis.pcall('get','{b}x')", "0"}));
        CHECK(c.last() == "-ERR Script attempted to execute a command while the cluster is down\r\n");
        REQUIRE(c.call({"EVAL", "return redis.call('ping')", "0"}));
        CHECK(c.last() == "+PONG\r\n");
        REQUIRE(c.call({"CONFIG", "SET", "cluster-allow-reads-when-down", "yes"}));
        REQUIRE(c.call({"EVAL", "return redis.pcall('set','{b}x','1')", "0"}));
        CHECK(c.last() ==
              "-ERR Script attempted to execute a write command while the cluster is down and readonly\r\n");
        REQUIRE(c.call({"CONFIG", "SET", "cluster-allow-reads-when-down", "no"}));
    }

    // Restarted, it keeps its name, epoch and slots (nodes.conf) and the cluster is ok again.
    REQUIRE(cluster.nodes[2]->server.start());
    CHECK(call_text(port2, {"CLUSTER", "MYID"}) == name);
    CHECK(eventually(
        [&] {
            return state_ok(cluster.port(0)) && state_ok(cluster.port(1)) && state_ok(port2) &&
                   topology(port2) == before && topology(cluster.port(0)) == before;
        },
        std::chrono::milliseconds(10 * node_timeout_ms)));
    check_clean(cluster.check(2));
}

TEST_CASE("mixed cluster: two redis-servers and a respkit-server, created, checked, agreeing, publishing") {
    if (tools_missing()) return;
    test_cluster cluster({false, false, true});
    INFO(cluster.create.out, cluster.create.err);
    REQUIRE(cluster.ready);
    for (std::size_t i = 0; i < 3; ++i) check_clean(cluster.check(i));
    const std::vector<std::string> view = topology(cluster.port(0));
    CHECK(view.size() == 3);
    CHECK(eventually([&] { return topology(cluster.port(1)) == view && topology(cluster.port(2)) == view; }, 5s));

    // 1,000 slots from a redis-server node to the respkit node and back, under load.
    reshard_under_load(cluster, 0, 2, 1, 1000);
    reshard_under_load(cluster, 2, 0, 1, 1000);

    // redis-cli -c through the respkit node reaches the redis nodes and back (DBSIZE counts the
    // reshard writer's keys too).
    const auto total_keys = [&] {
        std::size_t n = 0;
        for (std::size_t i = 0; i < 3; ++i) {
            raw_connection c(cluster.port(i));
            REQUIRE(c.call({"DBSIZE"}));
            n += std::stoul(c.last().substr(1));
        }
        return n;
    };
    const std::size_t keys_before = total_keys();
    std::string commands;
    for (int i = 0; i < 30; ++i) commands += "SET mixed:" + std::to_string(i) + " " + std::to_string(i) + "\n";
    for (int i = 0; i < 30; ++i) commands += "GET mixed:" + std::to_string(i) + "\n";
    const run_output out = redis_cli_c(cluster.port(2), commands);
    std::size_t ok = 0;
    std::istringstream lines(out.out);
    for (std::string line; std::getline(lines, line);) ok += line == "OK" ? 1 : 0;
    CHECK(ok == 30);
    CHECK(total_keys() - keys_before == 30);

    // The same requests on a redis-server node and on the respkit node: equal replies.
    const std::string n2 = call_text(cluster.port(1), {"CLUSTER", "MYID"});
    const std::string redis_id = call_text(cluster.port(0), {"CLUSTER", "MYID"});
    const std::string respkit_id = call_text(cluster.port(2), {"CLUSTER", "MYID"});
    const std::vector<std::string> ids = {redis_id, n2, respkit_id};
    REQUIRE(respkit::cluster::key_slot("c") == 7365); // {c} is on node 1, {b} {f} on node 0, {a} {d} on node 2
    std::size_t compared = 0;
    for (const char* line : compared_requests) {
        for (const int proto : {2, 3}) {
            const std::string redis = replies_to(cluster.port(0), proto, line, "b", "f", "3300", "3168", n2, redis_id, ids);
            const std::string respkit_node =
                replies_to(cluster.port(2), proto, line, "a", "d", "15495", "11298", n2, respkit_id, ids);
            INFO(line, " RESP", proto);
            CHECK(respkit_node == redis);
            ++compared;
        }
    }
    MESSAGE(compared << " request lines compared with redis-server's replies");

    // CLUSTER LINKS of idle links (four each: to and from both peers) and CLUSTER INFO's count of
    // links freed by cluster-link-sendbuf-limit, as a redis-server node shows them.
    for (const int proto : {2, 3}) {
        INFO("CLUSTER LINKS RESP", proto);
        CHECK(eventually([&] { return sorted_links(cluster.port(2), proto, ids) == sorted_links(cluster.port(0), proto, ids); }, 5s));
        CHECK(sorted_links(cluster.port(2), proto, ids).find("send-buffer-allocated") != std::string::npos);
    }
    for (const int port : {cluster.port(0), cluster.port(2)})
        CHECK(call_text(port, {"CLUSTER", "INFO"}).ends_with("\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n"));

    // PUBLISH on any node reaches the subscribers of every node, through the bus.
    raw_connection on_redis(cluster.port(0)), on_respkit(cluster.port(2));
    REQUIRE(on_redis.call({"SUBSCRIBE", "news"}));
    REQUIRE(on_respkit.call({"SUBSCRIBE", "news"}));
    raw_connection publisher_respkit(cluster.port(2)), publisher_redis(cluster.port(1));
    REQUIRE(publisher_respkit.call({"PUBLISH", "news", "from-respkit"}));
    CHECK(publisher_respkit.last() == ":1\r\n");
    REQUIRE(publisher_redis.call({"PUBLISH", "news", "from-redis"}));
    CHECK(publisher_redis.last() == ":0\r\n");
    const std::string m1 = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$12\r\nfrom-respkit\r\n";
    const std::string m2 = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$10\r\nfrom-redis\r\n";
    REQUIRE(on_redis.await(2, 5s));
    REQUIRE(on_respkit.await(2, 5s));
    CHECK(on_redis.bytes().find(m1 + m2) != std::string::npos);
    CHECK(on_respkit.bytes().find(m1 + m2) != std::string::npos);
}

namespace {

/// Every command of `commands` sent at once on one connection (RESP `proto`): the replies' bytes.
std::string pipelined(int port, int proto, const std::vector<std::vector<std::string>>& commands) {
    raw_connection c(port);
    if (proto == 3) c.hello(3);
    std::string bytes;
    for (const auto& command : commands) bytes += encode(command);
    c.send(bytes);
    return c.await(commands.size(), 60s) ? c.bytes() : std::string("(timeout)");
}

/// The commands of a line ("a b | c d") as argument lists.
std::vector<std::vector<std::string>> commands_of(const std::string& line) {
    std::vector<std::vector<std::string>> out;
    std::istringstream commands(line);
    for (std::string command; std::getline(commands, command, '|');) {
        std::istringstream words(command);
        std::vector<std::string> args;
        for (std::string w; words >> w;) args.push_back(w);
        out.push_back(std::move(args));
    }
    return out;
}

/// COUNTKEYSINSLOT of every slot, as one node answers them.
std::string all_counts(int port) {
    std::vector<std::vector<std::string>> commands;
    for (unsigned slot = 0; slot < respkit::cluster::slot_count; ++slot)
        commands.push_back({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)});
    return pipelined(port, 2, commands);
}

/// The slot fields (ranges, importing and migrating slots) of the node's own CLUSTER NODES line,
/// the nodes' names in `names` written <0>, <1>...
std::string own_slots(int port, const std::vector<std::string>& names = {}) {
    std::istringstream in(call_text(port, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        if (f.size() < 8 || f[2].find("myself") == std::string::npos) continue;
        std::string out;
        for (std::size_t i = 8; i < f.size(); ++i) out += f[i] + ' ';
        for (std::size_t i = 0; i < names.size(); ++i)
            for (std::size_t at = out.find(names[i]); at != std::string::npos; at = out.find(names[i]))
                out.replace(at, names[i].size(), "<" + std::to_string(i) + ">");
        return out;
    }
    return "(no myself line)";
}

/// Restarts `n` with `rdb` as its dump.rdb (nodes.conf kept): true when it listens again.
bool restart_with(cluster_node& n, const std::string& rdb) {
    n.server.stop();
    std::filesystem::copy_file(rdb, n.dir.path + "/dump.rdb", std::filesystem::copy_options::overwrite_existing);
    return n.server.start();
}

/// A node serving every slot alone, once its cluster is ok.
bool serve_every_slot(const cluster_node& n) {
    raw_connection c(n.server.port());
    return c.call({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}) && c.last() == "+OK\r\n" &&
           eventually([&] { return state_ok(n.server.port()); }, 10s);
}

} // namespace

TEST_CASE("slot index: COUNTKEYSINSLOT and GETKEYSINSLOT as redis-server's, through writes, expiry, RENAME, a "
          "restart from an RDB, and the loaded keys' slots claimed or imported") {
    if (tools_missing()) return;
    const std::vector<std::string> debug = {"--enable-debug-command", "local"};
    cluster_node redis(false, debug), node(true, debug);
    REQUIRE(redis.server.running());
    REQUIRE(node.server.running());
    REQUIRE(serve_every_slot(redis));
    REQUIRE(serve_every_slot(node));
    const std::string s = std::to_string(respkit::cluster::key_slot("s")), o = std::to_string(respkit::cluster::key_slot("o"));
    const std::string keys_s = "cluster getkeysinslot " + s + " 100 | cluster countkeysinslot " + s;
    // Each line on one connection; {s} and {o} are two slots. Active expiry is off on both, so
    // that a key whose TTL passed is counted until a lookup removes it (as in Redis).
    const std::vector<std::string> lines = {
        "debug set-active-expire 0",
        "set {s}a 1 | set {s}b 1 | set {s}c 1 | set {s}d 1 | set {s}e 1 | " + keys_s + " | cluster getkeysinslot " + s +
            " 2 | cluster getkeysinslot " + s + " 0 | cluster getkeysinslot " + o + " 5",
        "set {s}b 2 | append {s}a x | " + keys_s + " | del {s}c | " + keys_s + " | del {s}c | " + keys_s,
        "rename {s}a {s}d | " + keys_s + " | rename {s}b {o}b | " + keys_s + " | cluster getkeysinslot " + o +
            " 9 | cluster countkeysinslot " + o,
        "lpush {s}l x | sadd {s}set x y | hset {s}h f v | zadd {s}z 1 m | xadd {s}x 1-1 f v | pfadd {s}p a | setbit {s}bit 7 1 | " +
            keys_s,
        "lpop {s}l | srem {s}set x y | hdel {s}h f | zpopmin {s}z | " + keys_s,
        "pexpire {s}e 1 | debug sleep 0.02 | " + keys_s + " | get {s}e | " + keys_s,
        "set {s}t 1 | set {s}u 1 | pexpire {s}t 1 | debug sleep 0.02 | set {s}t 2 | " + keys_s,
        "set {s}w 1 | pexpire {s}w 1 | debug sleep 0.02 | lpush {s}w x | " + keys_s,
        "renamenx {s}u {s}t | rename {s}u {s}v | " + keys_s + " | copy {s}v {s}d replace | copy {s}v {s}c | " + keys_s,
        "set {s}n 1 | getdel {s}n | incr {s}i | getex {s}i px 1 | debug sleep 0.02 | exists {s}i | " + keys_s,
        "sadd {s}q a b | sinterstore {s}d {s}q {s}q | sunionstore {s}v {s}nothing | " + keys_s,
        "unlink {s}d {s}t | flushall | " + keys_s + " | cluster countkeysinslot " + o,
        "set {s}a 1 | set {s}b 2 | flushdb | set {s}c 3 | " + keys_s + " | flushall",
    };
    std::size_t compared = 0;
    for (const int proto : {2, 3}) {
        for (const std::string& line : lines) {
            INFO(line, " RESP", proto);
            const std::string expected = pipelined(redis.server.port(), proto, commands_of(line));
            REQUIRE(expected != "(timeout)");
            CHECK(pipelined(node.server.port(), proto, commands_of(line)) == expected);
            compared += commands_of(line).size();
        }
    }

    // Many keys: 300 in slot {s}, 3,000 over the slots, a few deleted.
    std::vector<std::vector<std::string>> fill;
    for (int i = 0; i < 300; ++i) fill.push_back({"SET", "{s}k" + std::to_string(i), "v"});
    for (int i = 0; i < 3000; ++i) fill.push_back({"SET", "r:" + std::to_string(i), "v"});
    for (int i = 0; i < 300; i += 7) fill.push_back({"DEL", "{s}k" + std::to_string(i), "r:" + std::to_string(i)});
    for (int i = 0; i < 50; ++i) fill.push_back({"RENAME", "r:" + std::to_string(i * 7 + 1), "r:" + std::to_string(5000 + i)});
    CHECK(pipelined(node.server.port(), 2, fill) == pipelined(redis.server.port(), 2, fill));
    const std::string in_s = "cluster getkeysinslot " + s + " 1000 | cluster countkeysinslot " + s;
    CHECK(pipelined(node.server.port(), 3, commands_of(in_s)) == pipelined(redis.server.port(), 3, commands_of(in_s)));
    const std::string counts = all_counts(redis.server.port());
    REQUIRE(counts.size() > 4 * respkit::cluster::slot_count); // no timeout
    CHECK(all_counts(node.server.port()) == counts);
    compared += fill.size() + 2 + 2 * respkit::cluster::slot_count;
    MESSAGE(compared << " replies compared with redis-server's (index kept through writes)");

    // Both restart from redis-server's RDB file: the same keys loaded in the same order, the same
    // lists (each key added at its slot's head as it is read).
    {
        raw_connection c(redis.server.port());
        REQUIRE(c.call({"SAVE"}));
        REQUIRE(c.last() == "+OK\r\n");
    }
    const temp_dir keep;
    const std::string rdb = keep.path + "/dump.rdb";
    std::filesystem::copy_file(redis.dir.path + "/dump.rdb", rdb);
    REQUIRE(restart_with(redis, rdb));
    REQUIRE(restart_with(node, rdb));
    CHECK(eventually([&] { return state_ok(redis.server.port()) && state_ok(node.server.port()); }, 10s));
    CHECK(pipelined(node.server.port(), 2, commands_of(in_s)) == pipelined(redis.server.port(), 2, commands_of(in_s)));
    CHECK(all_counts(node.server.port()) == counts);
    CHECK(all_counts(redis.server.port()) == counts);

    // Fresh nodes (no slots) started on that RDB take every slot holding keys, as redis-server.
    std::set<unsigned> populated;
    for (int i = 0; i < 300; ++i) populated.insert(respkit::cluster::key_slot("{s}k" + std::to_string(i)));
    for (int i = 0; i < 3000; ++i) populated.insert(respkit::cluster::key_slot("r:" + std::to_string(i)));
    cluster_node fresh_redis(false), fresh_node(true);
    REQUIRE(restart_with(fresh_redis, rdb));
    REQUIRE(restart_with(fresh_node, rdb));
    CHECK(slots_served(fresh_redis.server.port()) == populated.size());
    CHECK(own_slots(fresh_node.server.port()) == own_slots(fresh_redis.server.port()));
    CHECK(all_counts(fresh_node.server.port()) == counts);

    // Two nodes sharing the slots (0-8191 on redis-server, the rest on respkit), restarted on that
    // RDB: each sets the populated slots of the other's half to importing from it.
    cluster_node a(false), b(true);
    {
        raw_connection ca(a.server.port()), cb(b.server.port());
        REQUIRE(ca.call({"CLUSTER", "ADDSLOTSRANGE", "0", "8191"}));
        REQUIRE(cb.call({"CLUSTER", "ADDSLOTSRANGE", "8192", "16383"}));
        REQUIRE(ca.call({"CLUSTER", "MEET", "127.0.0.1", std::to_string(b.server.port()), std::to_string(b.cport)}));
    }
    REQUIRE(eventually([&] { return state_ok(a.server.port()) && state_ok(b.server.port()); }, 20s));
    const std::vector<std::string> names = {call_text(a.server.port(), {"CLUSTER", "MYID"}),
                                            call_text(b.server.port(), {"CLUSTER", "MYID"})};
    REQUIRE(restart_with(a, rdb));
    REQUIRE(restart_with(b, rdb));
    std::string expected_a = "0-8191 ", expected_b = "8192-16383 ";
    for (const unsigned slot : populated) {
        if (slot >= 8192) expected_a += "[" + std::to_string(slot) + "-<-<1>] ";
        else expected_b += "[" + std::to_string(slot) + "-<-<0>] ";
    }
    CHECK(own_slots(a.server.port(), names) == expected_a); // what redis-server does
    CHECK(own_slots(b.server.port(), names) == expected_b);
    CHECK(all_counts(b.server.port()) == counts);

    // Keys in a database other than 0: both refuse to start.
    {
        const server_process standalone = start_redis_server({"--dir", keep.path, "--dbfilename", "db1.rdb"});
        raw_connection c(standalone.port());
        REQUIRE(c.call({"SELECT", "1"}));
        REQUIRE(c.call({"SET", "x", "1"}));
        REQUIRE(c.call({"SAVE"}));
    }
    // (The port listens while the dataset loads, then the process exits.)
    cluster_node db1_redis(false), db1_node(true);
    for (cluster_node* n : {&db1_redis, &db1_node}) {
        INFO(std::string(n->respkit ? "respkit-server" : "redis-server"));
        (void)restart_with(*n, keep.path + "/db1.rdb");
        CHECK(eventually([&] { return !raw_connection(n->server.port()).call({"PING"}); }, 10s));
    }
}

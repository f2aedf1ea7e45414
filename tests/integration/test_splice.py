# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta's local fast path: TCP connections between the host's loopback and
# the namespace, spliced socket to socket (tcp_splice.c), IPv4 and IPv6.
#
#   HOST (pasta runs here, as nobody)          namespace behind pasta
#   ┌──────────────────────────────┐           ┌──────────────────────────┐
#   │ client -> 127.0.0.1:P  (-t P)│ ── splice ─▶ server on 0.0.0.0:P      │
#   │ server on 127.0.0.1:Q        ◀─ splice ── │ client -> 127.0.0.1:Q (-T)│
#   └──────────────────────────────┘           └──────────────────────────┘
#
#   - 64 MiB each way through -t from HOST's loopback, hashed, and the same
#     with --no-splice as the control: same bytes, but the tap path (the
#     guest then sees the gateway as the peer, and no flow is spliced)
#   - a server bound to the namespace's loopback only is not reachable
#     through -t, unless --host-lo-to-ns-lo
#   - -T: a client in the namespace reaches a server on HOST's loopback
#   - half-close in both directions, resets from either end, a receiver
#     that stops reading, 2,000 short connections without leaks
#   - the pool of pipes: pipes of closed connections serve new ones, never
#     one with bytes left in it, at most 16 kept
#   - --splice-only: the same -t port refuses clients that aren't local
#
# The tool and the instance helpers are test_tcp's.

import os
import re
import time

import pytest

from conftest import Proc, run, spawn_in, wait_until
from test_tcp import (BIG, SMALL, Net, check_sent, files,  # noqa: F401
                      instances, ipver, new_port, ok, one_result,
                      pasta_variant, progress, remote, tail, wait_stalled)

NS_FWD = '11000-11099'		# -T range
_ns_port = [11000]

# -t ranges, one per variant: instances run side by side in HOST
T_BASE = {'splice': 12000, 'no-splice': 12100, 'lo': 12200, 'only': 12300}
_t_port = dict(T_BASE)


def fwd_port(net):
    """A -t port of the instance's variant not used before"""
    v = net.inst.variant
    _t_port[v] += 1
    assert _t_port[v] < T_BASE[v] + 100
    return _t_port[v]


def ns_port():
    """A -T port not used before in this module"""
    _ns_port[0] += 1
    assert _ns_port[0] <= 11099
    return _ns_port[0]


def get(instances, remote, files, variant):
    """The pasta instance for a variant of options, started on first use"""
    extra = {'splice': ['-T', NS_FWD, '-U', NS_FWD],
             'no-splice': ['--no-splice'],
             'lo': ['--host-lo-to-ns-lo'],
             'only': ['--splice-only']}[variant]
    first = T_BASE[variant]
    extra += ['-t', f'{first}-{first + 99}']
    return pasta_variant(instances, remote, files, variant, extra)


def net_for(instances, remote, files, ipver, variant):
    return Net(get(instances, remote, files, variant), ipver)


def splice_count(inst):
    """Spliced connections so far, from the SIGUSR1 statistics"""
    return int(inst.usr1_search(r'TCP splice: (\d+) connections spliced',
                                'splice statistics').group(1))


def host_spawn(net, *args):
    """A tool process in HOST (where pasta runs); wait for 'listening'"""
    p = spawn_in(net.topo.host, net.remote_argv(args))
    if args[0] in ('listen', 'echo-server', 'pong-server'):
        p.wait_output(r'listening', timeout=10)
    return p


# ---------------------------------------------------------------------------
# -t from HOST's loopback: splice, and the tap path as control

@pytest.mark.parametrize('variant', ['splice', 'no-splice'])
def test_host_loopback_upload(instances, remote, files, ipver, variant):
    """64 MiB from HOST's loopback to a server in the namespace"""
    net = net_for(instances, remote, files, ipver, variant)
    before = splice_count(net.inst)
    port = fwd_port(net)
    srv = net.server('guest', 'listen', net.any, port, '--once', 'recv')
    out = ok(net.host_run('connect', net.loopback, port, 'send', files['big'],
                          timeout=60), 'upload from HOST loopback')
    me, seen = check_sent(out, BIG, files['big_sha'])
    assert me == net.loopback
    assert srv.wait(10) == 0, srv.output
    spliced = splice_count(net.inst) - before
    if variant == 'splice':
        # A socket of the namespace connected to its own address
        assert (seen, spliced) == (net.host, 1)
    else:
        assert (seen, spliced) == (net.gw, 0)


@pytest.mark.parametrize('variant', ['splice', 'no-splice'])
def test_host_loopback_download(instances, remote, files, ipver, variant):
    """64 MiB from a server in the namespace to HOST's loopback"""
    net = net_for(instances, remote, files, ipver, variant)
    before = splice_count(net.inst)
    port = fwd_port(net)
    srv = net.server('guest', 'listen', net.any, port, '--once', 'send',
                     files['big'])
    out = ok(net.host_run('connect', net.loopback, port, 'recv', timeout=60),
             'download to HOST loopback')
    sha, n, peer, _ = one_result(out, 'recv')
    assert (sha, int(n), peer) == (files['big_sha'], BIG, net.loopback)
    assert srv.wait(10) == 0, srv.output
    assert (splice_count(net.inst) - before) == \
        (1 if variant == 'splice' else 0)


@pytest.mark.parametrize('variant', ['splice', 'lo'])
def test_namespace_loopback_server(instances, remote, files, ipver, variant):
    """A server on the namespace's loopback only: hidden from -t unless
    --host-lo-to-ns-lo, which also makes the client appear as loopback"""
    net = net_for(instances, remote, files, ipver, variant)
    port = fwd_port(net)
    srv = net.server('guest', 'listen', net.loopback, port, '--once', 'recv')
    if variant == 'splice':
        out = ok(net.host_run('connect', net.loopback, port, 'wait-reset'),
                 'client')
        assert re.search(r'^(reset|eof) ', out, re.M), out
        srv.stop()
        return
    out = ok(net.host_run('connect', net.loopback, port, 'send',
                          files['small']), 'client')
    assert check_sent(out, SMALL, files['small_sha'])[1] == net.loopback
    assert srv.wait(10) == 0, srv.output


# ---------------------------------------------------------------------------
# -T: from the namespace's loopback to HOST's

def test_ns_to_host_loopback(instances, remote, files, ipver):
    """64 MiB both ways between a client in the namespace and a server on
    HOST's loopback, through -T"""
    net = net_for(instances, remote, files, ipver, 'splice')
    port = ns_port()
    srv = host_spawn(net, 'listen', net.loopback, port, '--once', 'recv')
    out = ok(net.inst.run('connect', net.loopback, port, 'send', files['big'],
                          timeout=60), '-T upload')
    assert check_sent(out, BIG, files['big_sha']) == \
        (net.loopback, net.loopback)
    assert srv.wait(10) == 0, srv.output

    port = ns_port()
    srv = host_spawn(net, 'listen', net.loopback, port, '--once', 'send',
                     files['big'])
    out = ok(net.inst.run('connect', net.loopback, port, 'recv', timeout=60),
             '-T download')
    sha, n, _, _ = one_result(out, 'recv')
    assert (sha, int(n)) == (files['big_sha'], BIG)
    assert srv.wait(10) == 0, srv.output


def test_ns_port_without_server(instances, remote, files, ipver):
    """-T port with nothing listening on HOST: the client gets a reset"""
    net = net_for(instances, remote, files, ipver, 'splice')
    out = ok(net.inst.run('connect', net.loopback, ns_port(), 'wait-reset'),
             'client')
    r = one_result(out, 'reset', f' (got: {out.strip()})')
    assert float(r[0]) < 1.0, out


# ---------------------------------------------------------------------------
# Half-close, reset, back-pressure, both directions of splicing

def spliced_pair(net, direction, ns_role, host_role):
    """Run ns_role in the namespace and host_role on HOST's loopback, on
    the two ends of one spliced connection: 'in' is a -t connection (HOST
    client), 'out' a -T one (namespace client). Returns their outputs."""
    if direction == 'in':
        port = fwd_port(net)
        srv = net.server('guest', 'listen', net.any, port, '--once',
                         *ns_role)
        cli = net.host_run('connect', net.loopback, port, *host_role)
    else:
        port = ns_port()
        srv = host_spawn(net, 'listen', net.loopback, port, '--once',
                         *host_role)
        cli = net.inst.run('connect', net.loopback, port, *ns_role)
    rc = srv.wait(10)
    assert rc == 0, f'server: exit {rc}\n{srv.output}'
    ok(cli, 'client')
    if direction == 'in':
        return srv.output, cli.stdout
    return cli.stdout, srv.output


@pytest.mark.parametrize('direction', ['in', 'out'])
@pytest.mark.parametrize('first', ['ns', 'host'])
def test_splice_half_close(instances, remote, files, ipver, direction, first):
    """One side shuts down its write side, the other still sends a reply
    that arrives in full"""
    net = net_for(instances, remote, files, ipver, 'splice')
    size = 256 << 10
    nr = ['half-first' if first == 'ns' else 'half-second', size]
    hr = ['half-second' if first == 'ns' else 'half-first', size]
    n, h = spliced_pair(net, direction, nr, hr)
    tag_n = 'first' if first == 'ns' else 'second'
    tag_h = 'second' if first == 'ns' else 'first'
    assert one_result(n, f'half-{tag_n}') == ['ok', str(size)], n
    assert one_result(h, f'half-{tag_h}') == ['ok', str(size)], h


@pytest.mark.parametrize('direction', ['in', 'out'])
@pytest.mark.parametrize('aborts', ['ns', 'host'])
def test_splice_reset(instances, remote, files, ipver, direction, aborts):
    """SO_LINGER 0 close on one end: the other end sees ECONNRESET"""
    net = net_for(instances, remote, files, ipver, 'splice')
    nr = ['abort'] if aborts == 'ns' else ['wait-reset']
    hr = ['wait-reset'] if aborts == 'ns' else ['abort']
    n, h = spliced_pair(net, direction, nr, hr)
    waiter = h if aborts == 'ns' else n
    r = one_result(waiter, 'reset', f' (got: {waiter.strip()})')
    assert float(r[0]) < 1.0, waiter


@pytest.mark.parametrize('to', ['ns', 'host'])
def test_splice_stalled_receiver(instances, remote, files, ipver, to):
    """The receiver pauses after 1 MiB: the sender stalls, then resumes;
    every byte arrives"""
    net = net_for(instances, remote, files, ipver, 'splice')
    gofile = os.path.join(files['dir'], f'go-splice-{new_port()}')
    pre = 1 << 20
    port = fwd_port(net)
    if to == 'ns':
        recv = net.server('guest', 'listen', net.any, port, '--once',
                          'recv-pause', pre, gofile)
        send = spawn_in(net.topo.host, net.remote_argv(
            ['connect', net.loopback, port, 'send-progress', files['big']]))
    else:
        send = net.server('guest', 'listen', net.any, port, '--once',
                          'send-progress', files['big'])
        recv = spawn_in(net.topo.host, net.remote_argv(
            ['connect', net.loopback, port, 'recv-pause', pre, gofile]))
    recv.wait_output(r'paused', timeout=20)
    stalled = wait_stalled(send)
    time.sleep(1)
    later = progress(send)
    assert later - stalled <= 4 << 20, tail(send.output)
    assert pre <= stalled and later < BIG, tail(send.output)
    with open(gofile, 'w'):
        pass
    assert send.wait(60) == 0, tail(send.output)
    assert recv.wait(10) == 0, tail(recv.output)
    sha, n = one_result(recv.output, 'recv')[:2]
    assert (sha, int(n)) == (files['big_sha'], BIG)


def tcp_sockets(prefix, port):
    """Established TCP sockets on either end of port, from ss -i run with
    prefix: {(local port, peer port): congestion control}"""
    res = run(prefix + ['ss', '-Htin', 'state', 'established',
                        f'( sport = :{port} or dport = :{port} )'])
    assert res.returncode == 0, res.stderr
    socks, key = {}, None
    for line in res.stdout.splitlines():
        if not line.startswith((' ', '\t')):
            f = line.split()
            key = tuple(int(a.rsplit(':', 1)[1]) for a in f[2:4])
        elif key:
            socks[key] = line.split()[0]
            key = None
    return socks


def default_cc(prefix):
    res = run(prefix + ['sysctl', '-n', 'net.ipv4.tcp_congestion_control'])
    return res.stdout.strip()


def test_splice_congestion_control(instances, remote, files, ipver):
    """Our two sockets of a spliced connection use reno, whatever the
    namespaces' default: the peers' sockets keep that default"""
    net = net_for(instances, remote, files, ipver, 'splice')
    gofile = os.path.join(files['dir'], f'go-splice-{new_port()}')
    port = fwd_port(net)
    recv = net.server('guest', 'listen', net.any, port, '--once',
                      'recv-pause', 1 << 20, gofile)
    send = spawn_in(net.topo.host, net.remote_argv(
        ['connect', net.loopback, port, 'send-progress', files['big']]))
    recv.wait_output(r'paused', timeout=20)
    host = ['ip', 'netns', 'exec', net.topo.host]
    on_host, in_ns = tcp_sockets(host, port), tcp_sockets(net.inst.prefix,
                                                          port)
    with open(gofile, 'w'):
        pass
    assert send.wait(60) == 0, tail(send.output)
    assert recv.wait(10) == 0, tail(recv.output)

    # HOST: the client's socket (peer port: port) and ours (local port);
    # the namespace: ours (peer port: port) and the server's (local port)
    assert len(on_host) == 2 and len(in_ns) == 2, (on_host, in_ns)
    ours = [cc for (lp, pp), cc in on_host.items() if lp == port] + \
        [cc for (lp, pp), cc in in_ns.items() if pp == port]
    peers = [cc for (lp, pp), cc in on_host.items() if pp == port] + \
        [cc for (lp, pp), cc in in_ns.items() if lp == port]
    assert ours == ['reno', 'reno'], (on_host, in_ns)
    assert peers == [default_cc(host), default_cc(net.inst.prefix)], \
        (on_host, in_ns)


def short_through_t(net, n, par):
    """n short connections, par at a time, from HOST's loopback through a -t
    port to a server in the namespace: ping, pong, close; all answered"""
    port = fwd_port(net)
    srv = net.server('guest', 'pong-server', net.any, port)
    out = ok(net.host_run('short', net.loopback, port, n, par, timeout=120),
             'short -t')
    assert one_result(out, 'short')[:3] == [str(n), 'errors', '0'], out
    srv.stop()


def test_splice_short_connections(instances, remote, files, ipver):
    """2,000 short connections through -t from HOST's loopback and 2,000
    through -T: all answered, no descriptor or flow left behind"""
    net = net_for(instances, remote, files, ipver, 'splice')
    fds = net.inst.fds()
    short_through_t(net, 2000, 8)

    port = ns_port()
    srv = host_spawn(net, 'pong-server', net.loopback, port)
    out = ok(net.inst.run('short', net.loopback, port, 2000, 8, timeout=120),
             'short -T')
    assert one_result(out, 'short')[:3] == ['2000', 'errors', '0'], out
    srv.stop()

    wait_until(lambda: net.inst.flows_in_use() == 0, timeout=5,
               what='no flows left')
    # The socket pool in the namespace may have been refilled meanwhile,
    # and the pool of pipes holds up to PIPE_POOL pipes
    assert net.inst.fds() <= fds + 16 + 2 * PIPE_POOL, (fds, net.inst.fds())


PIPE_POOL = 16		# SPLICE_PIPE_POOL in tcp_splice.c, doc/passt.1


def splice_pipes(inst):
    """(pipes reused, pipes kept) from the SIGUSR1 statistics"""
    m = inst.usr1_search(r'TCP splice: .* (\d+) pipes reused, (\d+) kept',
                         'splice pipe statistics')
    return int(m.group(1)), int(m.group(2))


def test_splice_pipe_pool(instances, remote, files, ipver):
    """A connection reset with 1 MiB and more stuck in its pipe, then 40
    connections at once through -t, each echoing 200 KB of its own, twice,
    and 300 one after the other: every byte right (no pipe with bytes of an
    old connection is reused), pipes reused, at most PIPE_POOL kept, no
    descriptor left behind"""
    net = net_for(instances, remote, files, ipver, 'splice')
    reused0, _ = splice_pipes(net.inst)

    # Bytes stuck in a pipe: the receiver in the namespace stops reading,
    # then goes away with unread data (a reset), so the pipe is dropped
    port = fwd_port(net)
    gofile = os.path.join(files['dir'], f'go-pool-{new_port()}')
    recv = net.server('guest', 'listen', net.any, port, '--once',
                      'recv-pause', 1 << 20, gofile)
    send = spawn_in(net.topo.host, net.remote_argv(
        ['connect', net.loopback, port, 'send-progress', files['big']]))
    recv.wait_output(r'paused', timeout=20)
    wait_stalled(send)
    recv.stop()
    send.wait(20)
    wait_until(lambda: net.inst.flows_in_use() == 0, timeout=5,
               what='the reset connection closed')
    fds = net.inst.fds()

    port = fwd_port(net)
    srv = net.server('guest', 'echo-server', net.any, port)
    for _ in range(2):
        out = ok(net.host_run('many', net.loopback, port, 40, 200000,
                              timeout=60), 'many -t')
        assert one_result(out, 'many') == ['ok', '40', 'bad', '0'], out
    srv.stop()
    short_through_t(net, 300, 1)

    wait_until(lambda: net.inst.flows_in_use() == 0, timeout=5,
               what='no flows left')
    reused, kept = splice_pipes(net.inst)
    # The second 40 and the 300 short ones take their pipes from the pool
    assert reused - reused0 >= 2 * 300, (reused0, reused)
    assert kept <= PIPE_POOL, kept
    assert net.inst.fds() <= fds + 16 + 2 * PIPE_POOL, (fds, net.inst.fds())


# ---------------------------------------------------------------------------
# --splice-only

def test_splice_only(instances, remote, files, ipver):
    """--splice-only: a REMOTE client of a -t port is reset, a client on
    HOST's loopback goes through"""
    net = net_for(instances, remote, files, ipver, 'only')
    port = fwd_port(net)
    srv = net.server('guest', 'listen', net.any, port, '--once', 'recv')
    out = ok(net.remote_run('connect', net.host, port, '--from', net.srv,
                            'wait-reset'), 'REMOTE client')
    assert re.search(r'^reset ', out, re.M), out
    out = ok(net.host_run('connect', net.loopback, port, 'send',
                          files['small']), 'HOST loopback client')
    check_sent(out, SMALL, files['small_sha'])
    assert srv.wait(10) == 0, srv.output


# ---------------------------------------------------------------------------
# UDP: -U from the namespace's loopback, -u from HOST's loopback

UDP_ECHO = r'''
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    print('from', a[0], len(d), flush=True)
    s.sendto(d, a)
'''

UDP_CLIENT = r'''
import os, socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
s.settimeout(1)
for size in map(int, sys.argv[3:]):
    data = os.urandom(size)
    for _ in range(5):
        s.send(data)
        try:
            got = s.recv(65535)
        except (socket.timeout, ConnectionRefusedError) as e:
            print('retry', size, e, flush=True)
            continue
        print('echo', size, 'ok' if got == data else 'bad', flush=True)
        break
'''

UDP_SIZES = ['1', '1000', '60000']


@pytest.mark.parametrize('direction', ['out', 'in'])
def test_udp_splice_echo(instances, remote, files, ipver, direction):
    """Datagrams of 1, 1000 and 60000 bytes both ways: out, from the
    namespace's loopback to a HOST loopback server (-U); in, from HOST's
    loopback to a namespace server (-u, implied by -t)"""
    net = net_for(instances, remote, files, ipver, 'splice')
    py = '/usr/bin/python3'
    if direction == 'out':
        p = ns_port()
        srv = spawn_in(net.topo.host, [py, '-c', UDP_ECHO, net.loopback,
                                       str(p)])
        cli = net.inst.prefix + [py, '-c', UDP_CLIENT, net.loopback, str(p)]
        want_peer = net.loopback
    else:
        p = fwd_port(net)
        srv = Proc(net.inst.prefix + [py, '-c', UDP_ECHO, net.any, str(p)])
        cli = ['ip', 'netns', 'exec', net.topo.host, py, '-c', UDP_CLIENT,
               net.loopback, str(p)]
        want_peer = net.host
    srv.wait_output('listening', timeout=5)
    out = run(cli + UDP_SIZES, timeout=30).stdout
    assert [line.split()[1:] for line in out.splitlines()
            if line.startswith('echo')] == \
        [[size, 'ok'] for size in UDP_SIZES], out
    peers = {line.split()[1] for line in srv.output.splitlines()
             if line.startswith('from')}
    assert peers == {want_peer}, srv.output
    srv.stop()

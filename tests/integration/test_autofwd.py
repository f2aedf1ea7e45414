# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta's automatic port forwarding, the default of -t, -u and -T:
#
#   HOST (pasta, as nobody)                     namespace behind pasta
#   ┌─────────────────────────────┐             ┌───────────────────────────┐
#   │ -t auto: binds P on HOST    │ ◀─ scans ── │ server on 0.0.0.0:P       │
#   │ server on 127.0.0.1:Q       │ ── scans ─▶ │ -T auto: binds 127.0.0.1:Q│
#   └─────────────────────────────┘             └───────────────────────────┘
#
#   - a server started in the namespace after pasta is reachable from
#     HOST's loopback and from REMOTE within two seconds, and the port is
#     released within two seconds after the server goes away
#   - the same for a UDP server (-u auto), from REMOTE
#   - a server started on HOST's loopback after pasta is reachable from the
#     namespace's loopback (-T auto)
#   - no loops: a port forwarded one way is not forwarded back
#   - explicit -t replaces auto
#   - the sockets come from sock_diag dumps; without those (the test-only
#     build, told to), from /proc/net/tcp, udp and their IPv6 tables,
#     under the same seccomp filter
#
# The tool and the instance helpers are test_tcp's.

import os
import re
import time

import pytest

from conftest import (SELFTEST_PASTA, Proc, run, run_in, spawn_in,
                      wait_until)
from test_tcp import (SMALL, Net, check_sent, files, instances,  # noqa: F401
                      ipver, ok, pasta_variant, remote)

PORT_BASE = 13000
_port = [PORT_BASE]


def port():
    _port[0] += 1
    return _port[0]


def get(instances, remote, files, variant):
    extra = {'auto': [], 'explicit': ['-t', '13900']}[variant]
    return pasta_variant(instances, remote, files, variant, extra)


def listeners(ns_prefix, proto, port):
    """Local addresses listening (TCP) or bound (UDP) on port, from ss"""
    res = run(ns_prefix + ['ss', '-Hnl' + ('t' if proto == 'tcp'
                                                     else 'u'),
                                    f'sport = :{port}'])
    return sorted(line.split()[3] for line in res.stdout.splitlines())


def host_prefix(net):
    return ['ip', 'netns', 'exec', net.topo.host]


def scans_seen(net):
    """Wait for a full scan after this point: a server started on HOST's
    loopback now gets its port bound in the namespace (-T auto) only by a
    later scan, and the scans of every direction run together"""
    p = port()
    srv = spawn_in(net.topo.host, net.remote_argv(
        ['listen', '127.0.0.1', p, 'recv']))
    srv.wait_output('listening', timeout=5)
    wait_until(lambda: listeners(net.inst.prefix, 'tcp', p), timeout=2.5,
               what=f'marker port {p} bound in the namespace')
    srv.stop()


def test_tcp_auto_follows_namespace(instances, remote, files, ipver):
    """A server started in the namespace later: reachable from HOST's
    loopback and from REMOTE within 2 s; gone within 2 s after it stops"""
    net = Net(get(instances, remote, files, 'auto'), ipver)
    p = port()
    assert listeners(host_prefix(net), 'tcp', p) == []
    t0 = time.monotonic()
    srv = net.server('guest', 'listen', net.any, p, 'recv')
    wait_until(lambda: listeners(host_prefix(net), 'tcp', p), timeout=2.5,
               what=f'port {p} bound on HOST')
    assert time.monotonic() - t0 < 2.5
    out = ok(net.host_run('connect', net.loopback, p, 'send',
                          files['small']), 'HOST loopback client')
    check_sent(out, SMALL, files['small_sha'])
    out = ok(net.remote_run('connect', net.host, p, '--from', net.srv,
                            'send', files['small']), 'REMOTE client')
    assert check_sent(out, SMALL, files['small_sha'])[1] == net.srv
    srv.stop()
    wait_until(lambda: not listeners(host_prefix(net), 'tcp', p),
               timeout=2.5, what=f'port {p} released on HOST')


UDP_SERVER = r'''
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b'echo ' + d, a)
'''

UDP_CLIENT = r'''
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if len(sys.argv) > 3:
    s.bind((sys.argv[3], 0))
s.settimeout(1)
for _ in range(5):
    s.sendto(b'hello', (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recv(100).decode(), flush=True)
        break
    except OSError as e:
        print('error', e, flush=True)
'''


def test_udp_auto_follows_namespace(instances, remote, files, ipver):
    """A UDP server started in the namespace later is reachable from
    REMOTE within 2 s (-u auto)"""
    net = Net(get(instances, remote, files, 'auto'), ipver)
    p = port()
    srv = Proc(net.inst.prefix + ['/usr/bin/python3', '-c', UDP_SERVER,
                                  net.any, str(p)])
    srv.wait_output('listening', timeout=5)
    wait_until(lambda: listeners(host_prefix(net), 'udp', p), timeout=2.5,
               what=f'UDP port {p} bound on HOST')
    res = run_in(net.topo.remote, ['/usr/bin/python3', '-c', UDP_CLIENT,
                                   net.host, str(p), net.srv])
    assert 'echo hello' in res.stdout, res.stdout + res.stderr
    srv.stop()
    wait_until(lambda: not listeners(host_prefix(net), 'udp', p),
               timeout=2.5, what=f'UDP port {p} released on HOST')


def test_tcp_ns_auto_follows_host(instances, remote, files, ipver):
    """A server started on HOST's loopback later is reachable from the
    namespace's loopback within 2 s (-T auto), and not forwarded back"""
    net = Net(get(instances, remote, files, 'auto'), ipver)
    p = port()
    srv = spawn_in(net.topo.host, net.remote_argv(
        ['listen', net.loopback, p, 'recv']))
    srv.wait_output('listening', timeout=5)
    wait_until(lambda: listeners(net.inst.prefix, 'tcp', p), timeout=2.5,
               what=f'port {p} bound in the namespace')
    out = ok(net.inst.run('connect', net.loopback, p, 'send',
                          files['small']), 'namespace client')
    check_sent(out, SMALL, files['small_sha'])
    # No loop: what we bound in the namespace isn't bound again on HOST,
    # even after later scans (a port forwarded after ours proves them)
    scans_seen(net)
    assert listeners(host_prefix(net), 'tcp', p) == \
        [f'{net.loopback}:{p}' if ipver == 4 else f'[::1]:{p}']
    assert len(listeners(net.inst.prefix, 'tcp', p)) == 2  # 127.0.0.1, ::1
    srv.stop()
    wait_until(lambda: not listeners(net.inst.prefix, 'tcp', p),
               timeout=2.5, what=f'port {p} released in the namespace')


def test_no_loop_from_namespace(instances, remote, files):
    """A namespace server's port bound on HOST by -t auto isn't bound back
    into the namespace by -T auto"""
    net = Net(get(instances, remote, files, 'auto'), 4)
    p = port()
    srv = net.server('guest', 'listen', net.any, p, 'recv')
    wait_until(lambda: listeners(host_prefix(net), 'tcp', p), timeout=2.5,
               what=f'port {p} bound on HOST')
    scans_seen(net)
    assert listeners(net.inst.prefix, 'tcp', p) == [f'0.0.0.0:{p}']
    srv.stop()


def test_explicit_replaces_auto(instances, remote, files):
    """-t 13900: that port only, namespace servers elsewhere not followed"""
    net = Net(get(instances, remote, files, 'explicit'), 4)
    host = listeners(host_prefix(net), 'tcp', 13900)
    assert host and all(re.search(r':13900$', a) for a in host), host
    p = port()
    srv = net.server('guest', 'listen', net.any, p, 'recv')
    scans_seen(net)		# -T is still auto: its scans go on
    assert listeners(host_prefix(net), 'tcp', p) == []
    srv.stop()


NS_SERVERS = r'''
import socket, sys, time
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
t.bind(('::', int(sys.argv[1])))
t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('0.0.0.0', int(sys.argv[2])))
print('listening', flush=True)
time.sleep(60)
'''


@pytest.mark.parametrize('tables', ['sock_diag', 'procnet'])
def test_socket_tables(remote, tables):
    """The namespace's TCP (IPv6, dual-stack) and UDP servers get forwarded
    from HOST (-t auto, -u auto), whether the ports come from sock_diag
    dumps or, in the test-only build told to, from /proc/net; with the
    real seccomp filter either way"""
    if not os.access(SELFTEST_PASTA, os.X_OK):
        pytest.skip('no build/test/pasta-selftest (make integration)')
    tp, up = port(), port()
    env = {'PASST_TEST_PROCNET': '1'} if tables == 'procnet' else None
    proc = spawn_in(remote.host, [SELFTEST_PASTA, '--config-net', '-f', '-d',
                                  '-t', 'auto', '-u', 'auto', '-T', 'none',
                                  '-U', 'none', '--', '/usr/bin/python3',
                                  '-c', NS_SERVERS, str(tp), str(up)],
                    user='nobody', env=env)
    try:
        proc.wait_output('listening', timeout=10)
        host = ['ip', 'netns', 'exec', remote.host]
        wait_until(lambda: listeners(host, 'tcp', tp), timeout=2.5,
                   what=f'TCP port {tp} bound on HOST')
        wait_until(lambda: listeners(host, 'udp', up), timeout=2.5,
                   what=f'UDP port {up} bound on HOST')
        assert proc.running(), proc.output
    finally:
        proc.stop()
    out = proc.output
    if tables == 'procnet':
        assert 'sock_diag' not in out, out
        assert '-t auto: reading /proc/net/tcp and /proc/net/tcp6' in out
        assert '-u auto: reading /proc/net/udp and /proc/net/udp6' in out
    else:
        assert '-t auto: sock_diag dumps, IPv4 and IPv6' in out, out
        assert '-u auto: sock_diag dumps, IPv4 and IPv6' in out, out

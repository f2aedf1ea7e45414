# SPDX-License-Identifier: GPL-2.0-or-later
#
# Under pressure: running out of descriptors.
#
#   - pasta forwarding a -t port to a server in its namespace, its descriptor
#     limit lowered with prlimit, and an accept storm from REMOTE: accept()
#     fails with EMFILE, pasta pauses its listening sockets instead of
#     spinning (CPU time measured over two seconds), logs it once, counts it
#     (SIGUSR1), and serves new connections again once the storm's
#     connections are gone.

import os
import re
import signal
import time

import pytest

import conftest
from conftest import (HOST4, pasta_argv, require_binaries, run,
                      setpriv_nobody, spawn_in, wait_until)

PY = '/usr/bin/python3'

# In the namespace: accepts, says "hi", closes when the peer does
NS_SERVER = r'''
import selectors, socket, sys
port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port))
s.listen(1024)
s.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ)
print('ready', flush=True)
while True:
    for key, _ in sel.select():
        if key.fileobj is s:
            try:
                c, _ = s.accept()
            except OSError:
                continue
            c.setblocking(False)
            try:
                c.send(b'hi')
            except OSError:
                pass
            sel.register(c, selectors.EVENT_READ)
        else:
            try:
                d = key.fileobj.recv(4096)
            except OSError:
                d = b''
            if not d:
                sel.unregister(key.fileobj)
                key.fileobj.close()
'''

# In REMOTE: opens N connections without waiting for them, holds them
STORM = r'''
import socket, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    socks.append(s)
print('opened', flush=True)
time.sleep(3600)
'''

# In REMOTE: one connection, prints what it reads first
PROBE = r'''
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
print(s.recv(16).decode(), flush=True)
'''


def probe(topo, port):
    r = run(['ip', 'netns', 'exec', topo.remote, PY, '-c', PROBE, HOST4,
             str(port)], timeout=10)
    return r.returncode == 0 and 'hi' in r.stdout


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def nfds(pid):
    return len(os.listdir(f'/proc/{pid}/fd'))


def test_accept_storm_out_of_fds(topo):
    """EMFILE on accept: no busy loop, logged once, counted, and service
    comes back once descriptors are free"""
    require_binaries()
    port = 22100
    p = spawn_in(topo.host, pasta_argv('--config-net', '-t', str(port),
                                       '--', PY, '-c', NS_SERVER, str(port)),
                 user='nobody')
    p.wait_output(r'ready', timeout=10)
    wait_until(lambda: probe(topo, port), timeout=10,
               what='forwarded port answering')
    pid = p.pid
    with open(f'/proc/{pid}/comm') as f:
        assert f.read().startswith('pasta')

    limit = nfds(pid) + 8
    # As pasta's own user: root here may lack CAP_SYS_RESOURCE
    run(setpriv_nobody() + ['prlimit', f'--pid={pid}',
                            f'--nofile={limit}:{limit}'], check=True)

    storm = spawn_in(topo.remote, [PY, '-c', STORM, HOST4, str(port), '200'])
    storm.wait_output(r'opened', timeout=10)
    p.wait_output(r'Out of file descriptors', timeout=10)
    wait_until(lambda: nfds(pid) >= limit - 1, timeout=5,
               what='pasta at its descriptor limit')

    t0, c0 = time.monotonic(), cpu_seconds(pid)
    time.sleep(2)
    used = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    print(f'pasta CPU while out of descriptors: {used:.1%}')
    assert used < 0.1, f'pasta used {used:.0%} of a CPU while out of fds'
    assert p.output.count('Out of file descriptors') == 1, p.output

    storm.stop()
    wait_until(lambda: probe(topo, port), timeout=10,
               what='forwarded port answering again')

    p.signal(signal.SIGUSR1)
    m = p.wait_output(r'(\d+) accepts failed for lack of descriptors, '
                      r'paused (\d+) times', timeout=5)
    assert int(m.group(1)) >= 1 and int(m.group(2)) >= 1, m.group(0)
    assert p.running()


# ---------------------------------------------------------------------------
# Flow table shares. pasta runs with 1200 open files at most, so that its
# table is sized down (about 1070 flows, 133 reserved per kind) and fills in
# a moment.

NOFILE = 1200
SRV4 = '203.0.113.11'		# on REMOTE's loopback: not the gateway, which
SRV6 = '2001:db8:3::11'		# pasta maps to the host
PORT_TCP = 22200		# -t, to NS_SERVER in the namespace
PORT_UDP = 22201		# -u, to a UDP sink in the namespace

# Start of the tools below: a UDP sink on the port of argv[2], reading in a
# thread, and a TCP socket listening on the port of argv[1], as l
SOCKETS = r'''
import socket, sys, threading
tcp_port, udp_port = int(sys.argv[1]), int(sys.argv[2])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('0.0.0.0', udp_port))
threading.Thread(target=lambda: [u.recv(2048) for _ in iter(int, 1)],
                 daemon=True).start()
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('0.0.0.0', tcp_port))
l.listen(256)
'''

# In the namespace: a TCP service saying "hi" on PORT_TCP, a UDP sink on
# PORT_UDP, and commands, one a line on standard input:
# "udp N ADDR PORT": N datagrams to ADDR:PORT, each from a new socket
# (source port), closed right away: N guest UDP flows in pasta.
# "tcp N ADDR PORT": N connections one after the other, each sending and
# reading back a line, closed by us.
# "done WHAT OK DROPPED UNRESOLVED": OK of them went out, the namespace's
# interfaces dropped DROPPED frames on the way (so far). The tap device
# holds 500 frames by default: while pasta waits for a CPU, a burst of
# datagrams beyond that would be dropped before pasta sees it, so the queue
# is made longer than any burst here. Before that, the kernel holds them
# until the gateway's address is resolved, in a queue that drops the oldest:
# the first datagram of a burst waits for that; UNRESOLVED counts the bursts
# whose wait ran out (10 s).
NS_TOOL = SOCKETS + r'''
import os, subprocess, time
IFS = [i for i in os.listdir('/sys/class/net') if i != 'lo']
for i in IFS:
    subprocess.run(['ip', 'link', 'set', i, 'txqueuelen', '4096'],
                   check=True)

def dropped():
    n = 0
    for i in IFS:
        with open(f'/sys/class/net/{i}/statistics/tx_dropped') as f:
            n += int(f.read())
    return n

unresolved = 0

def resolved():
    """Wait for the gateway's link-layer address: until then, the kernel
    holds datagrams in a short queue and drops the oldest. Counted in
    'unresolved' if it doesn't come within 10 s"""
    global unresolved
    end = time.monotonic() + 10
    while time.monotonic() < end:
        with open('/proc/net/arp') as f:
            rows = [r.split() for r in f.readlines()[1:]]
        if any(int(r[2], 16) & 0x2 for r in rows):	# ATF_COM
            return
        time.sleep(0.001)
    unresolved += 1
    os.write(1, f'gateway unresolved after 10 s: {rows}\n'.encode())

def serve():
    while True:
        c, _ = l.accept()
        try:
            c.send(b'hi')
        except OSError:
            pass
        c.close()

threading.Thread(target=serve, daemon=True).start()
print('ready', flush=True)
for line in sys.stdin:
    what, n, addr, port = line.split()
    n, port, ok = int(n), int(port), 0
    for i in range(n):
        try:
            if what == 'udp':
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b'x', (addr, port))
                ok += 1
                if i == 0:
                    resolved()
            else:
                s = socket.create_connection((addr, port), timeout=3)
                s.sendall(b'ping\n')
                if s.recv(16) == b'ping\n':
                    ok += 1
            s.close()
        except OSError:
            pass
    # One write(): print() may write its parts one by one, and pasta's log
    # lines go to the same pipe
    os.write(1, f'done {what} {ok} {dropped()} {unresolved}\n'.encode())
'''

# In REMOTE: UDP sink and TCP echo (one line) on the given port
REMOTE_SRV = SOCKETS + r'''
print('ready', flush=True)

def echo(c):
    try:
        c.sendall(c.recv(64))
        c.recv(64)
    except OSError:
        pass
    c.close()

while True:
    c, _ = l.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
'''

# In REMOTE: N datagrams to ADDR:PORT, each from its own source port
# Paced, 50 datagrams every 2 ms: unpaced, the datagrams could overflow the
# -u socket's receive buffer (about 270 of them) while pasta sets up flows,
# and pasta would never see more than its share (seen on a loaded machine)
REMOTE_FLOOD = r'''
import socket, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'x', (addr, port))
    s.close()
    if i % 50 == 49:
        time.sleep(0.002)
print('flooded', flush=True)
'''


@pytest.fixture(scope='module')
def remote(topo):
    """REMOTE's extra addresses, SRV4 and SRV6, on its loopback interface"""
    yield from conftest.remote_server_addrs(topo, SRV4, SRV6)


class Pasta:
    """pasta -t PORT_TCP -u PORT_UDP with NS_TOOL, at most NOFILE files"""

    def __init__(self, topo):
        require_binaries()
        self.topo = topo
        argv = ['prlimit', f'--nofile={NOFILE}:{NOFILE}'] + pasta_argv(
            '--config-net', '-t', str(PORT_TCP), '-u', str(PORT_UDP),
            '--', PY, '-c', NS_TOOL, str(PORT_TCP), str(PORT_UDP))
        self.p = spawn_in(topo.host, argv, user='nobody',
                          stdin_pipe=True)
        self.p.wait_output(r'ready', timeout=10)
        self.pid = self.p.pid
        m = self.p.wait_output(r'at most (\d+) flows', timeout=5)
        self.limit = int(m.group(1))
        self.reserve = self.limit // 8
        self.ndone = 0

    def cmd(self, line, timeout=120):
        """A line for NS_TOOL; wait for its result, return its count"""
        self.p.write(line + '\n')
        self.ndone += 1
        wait_until(lambda: len(re.findall(r'done \S+ \d+', self.p.output))
                   >= self.ndone, timeout=timeout,
                   what=f'NS_TOOL: {line}; output: {self.p.output[-3000:]}')
        ok, dropped, unresolved = re.findall(r'done \S+ (\d+) (\d+) (\d+)',
                                             self.p.output)[-1]
        assert int(dropped) == 0, f'{dropped} frames dropped in the namespace'
        assert int(unresolved) == 0, \
            f'gateway unresolved in the namespace:\n{self.p.output[-3000:]}'
        return int(ok)

    def stats(self):
        """SIGUSR1: the flow share counters, as a dict"""
        before = self.p.output.count('flow shares')
        self.p.signal(signal.SIGUSR1)
        wait_until(lambda: self.p.output.count('flow shares') > before,
                   timeout=5, what='SIGUSR1 counters')
        out = self.p.output
        v = [int(re.findall(r'flows: (\d+) in use', out)[-1])]
        v += [int(x) for x in
              re.findall(r'flow shares.*', out)[-1].split('(', 1)[1]
              .replace(',', ' ').replace(';', ' ').replace(')', ' ')
              .split() if x.isdigit()]
        # flows in use; shares: limit, guest in use, refused, host in use,
        # refused, local in use, refused, evicted
        keys = ('in_use', 'limit', 'guest', 'guest_refused', 'host',
                'host_refused', 'local', 'local_refused', 'evicted')
        return dict(zip(keys, v))

    def settled_stats(self):
        """stats() once the guest's frames in the tap queue are handled:
        NS_TOOL's "done" only says its frames were queued. While frames
        wait, pasta handles a batch of them between any two SIGUSR1 (both
        are ready in the same epoll_wait()), and a batch of new flows moves
        a counter: two equal readings mean the queue was drained"""
        last = self.stats()
        for _ in range(200):
            now = self.stats()
            if now == last:
                return now
            last = now
        raise AssertionError(f'flow counters never settled: {last}')


def tcp_probe(topo, ns, addr):
    r = run(['ip', 'netns', 'exec', ns, PY, '-c', PROBE, addr,
             str(PORT_TCP)], timeout=10)
    return r.returncode == 0 and 'hi' in r.stdout


def test_guest_udp_flood_leaves_inbound_and_splice(remote):
    """The guest opens all the UDP flows it can: it's refused at its share,
    and inbound -t connections (host peers) and spliced ones (the host's
    loopback) still get through"""
    topo = remote
    srv = spawn_in(topo.remote, [PY, '-c', REMOTE_SRV, '9400', '9400'])
    srv.wait_output('ready')
    pa = Pasta(topo)
    pa.cmd(f'udp {pa.limit + 200} {SRV4} 9400')
    st = pa.settled_stats()
    assert st['guest'] == pa.limit - 2 * pa.reserve, st
    assert st['guest_refused'] > 0, st
    assert st['in_use'] == st['guest'], st

    assert tcp_probe(topo, topo.remote, HOST4), 'inbound -t refused'
    assert tcp_probe(topo, topo.host, '127.0.0.1'), 'spliced -t refused'
    st = pa.stats()
    assert st['host_refused'] == 0 and st['local_refused'] == 0, st


def test_remote_source_ports_dont_starve_guest(remote):
    """Remote peers send to the -u port from many source ports: they get
    their share, no more, and the guest can still open flows of its own"""
    topo = remote
    srv = spawn_in(topo.remote, [PY, '-c', REMOTE_SRV, '9401', '9401'])
    srv.wait_output('ready')
    pa = Pasta(topo)
    fl = spawn_in(topo.remote, [PY, '-c', REMOTE_FLOOD, HOST4,
                                str(PORT_UDP), str(pa.limit + 200)])
    fl.wait_output('flooded', timeout=30)
    wait_until(lambda: pa.stats()['host_refused'] > 0, timeout=10,
               what='remote flows refused at their share')
    st = pa.stats()
    assert st['host'] == pa.limit - 2 * pa.reserve, st

    n = pa.cmd(f'udp 50 {SRV4} 9401')
    assert n == 50
    n = pa.cmd(f'tcp 50 {SRV4} 9401')
    assert n == 50, pa.p.output[-2000:]
    st = pa.stats()
    assert st['guest_refused'] == 0, st


def owned_sockets(topo, pid, proto):
    """Sockets of pid in HOST: (udp count, tcp count not listening)"""
    r = run(['ip', 'netns', 'exec', topo.host, 'ss', '-n', '-a', '-p',
             '-u' if proto == 'udp' else '-t'], timeout=10)
    return sum(1 for line in r.stdout.splitlines()
               if f'pid={pid},' in line and 'LISTEN' not in line)


def test_churn_near_full_no_leaks(remote):
    """The guest's share full of idle UDP flows, then 10,000 connections
    one after the other: all of them get through (idle UDP flows are
    evicted for them), and afterwards every remaining flow is a UDP flow
    with its socket: no TCP flow, socket or descriptor left behind"""
    topo = remote
    srv = spawn_in(topo.remote, [PY, '-c', REMOTE_SRV, '9402', '9402'])
    srv.wait_output('ready')
    pa = Pasta(topo)
    base = nfds(pa.pid)
    base_udp = owned_sockets(topo, pa.pid, 'udp')	# the -u port's
    pa.cmd(f'udp {pa.limit} {SRV4} 9402')
    st = pa.settled_stats()
    assert st['guest'] == pa.limit - 2 * pa.reserve, st
    time.sleep(1.2)		# FLOW_EVICT_IDLE_MS: the UDP flows are idle

    n = pa.cmd(f'tcp 10000 {SRV4} 9402', timeout=400)
    assert n == 10000, pa.p.output[-2000:]

    def settled():
        s = pa.stats()
        return (s['guest'] == s['in_use'] and
                owned_sockets(topo, pa.pid, 'tcp') == 0 and
                nfds(pa.pid) - base == s['in_use'] ==
                owned_sockets(topo, pa.pid, 'udp') - base_udp)
    wait_until(settled, timeout=20, interval=0.5,
               what=f'flows and descriptors settled: {pa.stats()}, '
                    f'{nfds(pa.pid) - base} descriptors over the base, '
                    f'{owned_sockets(topo, pa.pid, "udp")} UDP and '
                    f'{owned_sockets(topo, pa.pid, "tcp")} TCP sockets')
    after = pa.stats()
    assert after['evicted'] > 0, after
    assert after['guest_refused'] == st['guest_refused'], \
        (after, pa.p.output[-3000:])

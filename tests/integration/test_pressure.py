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
import signal
import time

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

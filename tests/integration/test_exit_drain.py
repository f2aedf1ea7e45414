# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta's exit drain (--exit-linger): once the command is gone, what it wrote
# still reaches the host peer, and pasta then exits with its status.
#
#   - 64 MiB uploads through `pasta --config-net -- socat -u OPEN:file
#     TCP:SERVER:PORT` arrive complete (SHA-256), three runs each for IPv4
#     and IPv6
#   - a server that never reads: pasta still exits within the linger bound,
#     with the command's exit status, after having waited for it
#   - `pasta -- true` with no connection: the default linger costs nothing
#   - --exit-linger 0: pasta doesn't wait
#
# Servers run in REMOTE on SRV4 / SRV6, extra addresses on its loopback
# interface (not the gateway address, which pasta maps to the host).

import hashlib
import os
import tempfile
import time

import pytest

import conftest
from conftest import (SESSION, pasta_argv, require_binaries, run_in,
                      spawn_in, wait_until)

SRV4 = '203.0.113.9'
SRV6 = '2001:db8:3::9'
BIG = 64 << 20
PY = '/usr/bin/python3'

# Accepts connections one after the other; for each, reads to end of file
# and prints "length sha256". With "sink" as argument, never reads instead.
SERVER = r'''
import hashlib, socket, sys, time
addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if mode == 'sink':
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind((addr, port))
s.listen(8)
print('ready', flush=True)
while True:
    c, _ = s.accept()
    if mode == 'sink':
        print('accepted', flush=True)
        time.sleep(3600)
    h, n = hashlib.sha256(), 0
    try:
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    except OSError as e:
        print('error', n, e, flush=True)
        continue
    print(n, h.hexdigest(), flush=True)
    c.close()
'''

# Writes what the socket takes without blocking, then exits with status 3:
# most of it is still queued in the namespace when the command is gone
FILLER = r'''
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((addr, port))
s.setblocking(False)
try:
    while True:
        s.send(b'x' * 65536)
except BlockingIOError:
    pass
sys.exit(3)
'''


@pytest.fixture(scope='module')
def remote(topo):
    """REMOTE's extra addresses, SRV4 and SRV6, on its loopback interface"""
    yield from conftest.remote_server_addrs(topo, SRV4, SRV6)


@pytest.fixture(scope='module')
def bigfile(session_env):
    """64 MiB of random data readable by nobody, and its SHA-256"""
    d = tempfile.mkdtemp(prefix='drain-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    path = os.path.join(d, 'big.bin')
    data = os.urandom(BIG)
    with open(path, 'wb') as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path, hashlib.sha256(data).hexdigest()


_port = [21000]


def start_server(topo, addr, mode='read'):
    """SERVER in REMOTE on a fresh port; returns (Proc, port)"""
    _port[0] += 1
    p = spawn_in(topo.remote, [PY, '-c', SERVER, addr, str(_port[0]), mode])
    p.wait_output(r'ready', timeout=5)
    return p, _port[0]


def pasta_cmd(topo, args, cmd, timeout=60):
    """pasta --config-net ARGS -- CMD as nobody in HOST; (result, seconds)"""
    require_binaries()
    t0 = time.monotonic()
    r = run_in(topo.host, pasta_argv('--config-net', *args, '--', *cmd),
               user='nobody', timeout=timeout)
    return r, time.monotonic() - t0


@pytest.mark.parametrize('v', [4, 6], ids=['ipv4', 'ipv6'])
def test_upload_complete_at_exit(remote, bigfile, v):
    """64 MiB through socat -u, the command exits right after its last
    write: the server gets every byte, three runs out of three"""
    path, digest = bigfile
    addr = SRV4 if v == 4 else SRV6
    target = f'TCP4:{addr}' if v == 4 else f'TCP6:[{addr}]'
    srv, port = start_server(remote, addr)
    for run in range(3):
        r, _ = pasta_cmd(remote, [], ['socat', '-u', f'OPEN:{path}',
                                      f'{target}:{port}'])
        assert r.returncode == 0, r.stdout + r.stderr
        want = f'{BIG} {digest}'
        wait_until(lambda: srv.output.count(want) == run + 1, timeout=10,
                   what=f'run {run}: complete upload at server, got '
                        f'{srv.output!r}')


def test_nonreading_peer_bounded(remote):
    """The peer never reads: pasta waits, but no longer than --exit-linger,
    and exits with the command's status"""
    srv, port = start_server(remote, SRV4, 'sink')
    r, took = pasta_cmd(remote, ['--exit-linger', '2'],
                        [PY, '-c', FILLER, SRV4, str(port)])
    assert r.returncode == 3, r.stdout + r.stderr
    print(f'non-reading peer, --exit-linger 2: pasta took {took:.2f} s')
    assert 'accepted' in srv.output
    assert took >= 1.8, f'pasta did not wait for the connection ({took} s)'
    assert took < 2 + 3, f'pasta lingered {took} s with --exit-linger 2'


def test_linger_zero_exits_at_once(remote):
    """--exit-linger 0: today's behaviour, no wait"""
    srv, port = start_server(remote, SRV4, 'sink')
    r, took = pasta_cmd(remote, ['--exit-linger', '0'],
                        [PY, '-c', FILLER, SRV4, str(port)])
    assert r.returncode == 3, r.stdout + r.stderr
    assert took < 1.5, f'pasta took {took} s with --exit-linger 0'


def test_true_not_slower(remote):
    """pasta -- true: the default linger adds nothing without connections
    (runs interleaved, best of five each, against the noise of a busy
    machine)"""
    times = {'0': [], 'default': []}
    for _ in range(5):
        for which, args in (('0', ['--exit-linger', '0']), ('default', [])):
            r, took = pasta_cmd(remote, args, ['true'])
            assert r.returncode == 0, r.stdout + r.stderr
            times[which].append(took)
    base, default = min(times['0']), min(times['default'])
    print(f'pasta -- true: {default:.3f} s (default), {base:.3f} s '
          f'(--exit-linger 0), best of five')
    assert default < base + 0.2, f'default {default} s, linger 0 {base} s'

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Idle flows expire and give their sockets back.
#
# UDP flows expire after 180 s without traffic: too long to wait for. We
# don't give the binary a switch to shorten it; instead this test runs a
# test-only build, build/test/pasta-fasttime (make build/test/passt-fasttime,
# compiled with TEST_TIME_SCALE=100), whose flow clock goes 100 times faster,
# so its idle timer fires after about 2 s of real time. (libfaketime did this
# before the seccomp filter: it makes system calls of its own.)
#
#   namespace (pasta)                HOST                   REMOTE
#   1,000 connected UDP sockets ---> 1,000 flows, each ---> port 9999
#   send one datagram each           with its socket        (closed)
#
# pasta reports its flow counters on SIGUSR1; the test also counts its open
# descriptors before and after.
#
# REMOTE's 192.0.2.1 is also the namespace's gateway, which stands for HOST's
# loopback by default (--map-host-loopback): --no-map-gw keeps the datagrams
# going to REMOTE, as drawn above. Automatic port forwarding is off: its
# once-a-second scans would run a hundred times a second here.

import os
import re

import pytest

from conftest import REMOTE4, REPO, check_sanitizers, require_binaries, \
    run_in

PASTA_FAST = os.path.join(REPO, 'build', 'test', 'pasta-fasttime')

FLOWS = 1000
SCRIPT = r'''
P=$PPID
fds() { ls /proc/$P/fd | wc -l; }
fds > {tmp}/fds0
/usr/bin/python3 - <<'PY'
import socket
socks = []
for i in range({flows}):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(('{dst}', 9999))
    s.send(b'x')
    socks.append(s)
PY
sleep 0.5
kill -USR1 $P
fds > {tmp}/fds1
# 4 s here are about 400 s for pasta: past the 180 s idle limit
sleep 4
kill -USR1 $P
fds > {tmp}/fds2
sleep 0.3
'''


def test_udp_flows_expire(topo, tmp):
    require_binaries()
    if not os.access(PASTA_FAST, os.X_OK):
        pytest.fail(f'{PASTA_FAST} missing: make build/test/passt-fasttime')
    log = os.path.join(tmp, 'log')
    script = os.path.join(tmp, 'cmd.sh')
    with open(script, 'w') as f:
        f.write(SCRIPT.replace('{tmp}', tmp).replace('{flows}', str(FLOWS))
                .replace('{dst}', REMOTE4))
    os.chmod(script, 0o755)

    res = run_in(topo.host, [
        PASTA_FAST, '--config-net', '--no-icmp', '--no-map-gw',
        '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '-l', log,
        '--', '/bin/sh', script],
        user='nobody', timeout=60)
    with open(log) as f:
        text = f.read()
    check_sanitizers(res.stdout + res.stderr + text, 'pasta')
    assert res.returncode == 0, f'{res.stdout}\n{res.stderr}\n{text}'

    counts = [int(m) for m in re.findall(r'flows: (\d+) in use', text)]
    assert counts == [FLOWS, 0], text

    fds = []
    for i in range(3):
        with open(os.path.join(tmp, f'fds{i}')) as f:
            fds.append(int(f.read()))
    assert fds[1] >= fds[0] + FLOWS, fds
    assert fds[2] == fds[0], fds

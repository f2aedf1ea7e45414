# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest benchmark: the same qemu guest (tests/guest, TCG) behind passt over
# the stream socket (-netdev stream) and over vhost-user (--vhost-user), in
# one run, row by row, with the ratio vhost-user / stream.
#
# Exact command (as root, from the top of the repository):
#
#     bench/guest.sh [--reps N]
#
# Rows, each measured REPS times per path (median):
#   download   guest wget of 128 MiB from REMOTE to /dev/null (guest clock)
#   upload     REMOTE fetches 32 MiB from the guest's httpd through -t
#   tcp_crr    REMOTE: HTTP GETs of a tiny file from the guest's httpd
#              through -t, one connection each, for 5 s: transactions/s
#   udp_rr     REMOTE: UDP request/response to the guest's echo server
#              through -u, one at a time, 500 of them: transactions/s
# and for download and upload, passt's CPU time (user + system, from
# /proc/PID/stat) per GiB moved: all repetitions' CPU time over all their
# bytes, as the clock ticks (10 ms) are coarse next to one transfer.
#
# Under TCG, the guest's emulated CPU is the bottleneck: the rates say how
# the paths compare for this guest, passt's CPU time per GiB says what each
# path costs passt itself.
#
# Traffic stays in the namespaces the harness builds (documentation
# addresses only).

import os
import re
import statistics
import time

import pytest

from conftest import ROWS
from e2e_guest import Guest, build_guest, it, nobody_dir

SRV4 = '203.0.113.7'
HUGE = 128 << 20
BIG = 32 << 20
FWD = {'stream': (8080, 9000), 'vhost-user': (8081, 9001)}
MAC = {'stream': '02:00:00:00:0b:01', 'vhost-user': '02:00:00:00:0b:02'}
REPS = int(os.environ.get('BENCH_REPS', '3'))
BASE = os.path.join(it._tmp_base, 'bench')

FETCH_PY = r'''
import http.client, sys, time
src, host, port, path = sys.argv[1:5]
t0 = time.monotonic()
c = http.client.HTTPConnection(host, int(port), timeout=60,
                               source_address=(src, 0))
c.request('GET', path)
n = len(c.getresponse().read())
print(n, time.monotonic() - t0)
'''

CRR_PY = r'''
import http.client, sys, time
src, host, port, path, secs = sys.argv[1:6]
n, t0 = 0, time.monotonic()
while time.monotonic() - t0 < float(secs):
    c = http.client.HTTPConnection(host, int(port), timeout=10,
                                   source_address=(src, 0))
    c.request('GET', path)
    c.getresponse().read()
    c.close()
    n += 1
print(n, time.monotonic() - t0)
'''

UDP_RR_PY = r'''
import socket, sys, time
src, host, port, count = sys.argv[1:5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.settimeout(5)
t0 = time.monotonic()
for i in range(int(count)):
    s.sendto(b'x' * 64, (host, int(port)))
    s.recvfrom(2048)
print(count, time.monotonic() - t0)
'''


def cpu_seconds(pid):
    """utime + stime of a process, in seconds"""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


@pytest.fixture(scope='module')
def setup(topo):
    img = build_guest()
    it.sh_ns(topo.remote, f'ip addr add {SRV4}/32 dev lo')
    d = nobody_dir(os.path.join(BASE, 'www'))
    with open(os.path.join(d, 'huge.bin'), 'wb') as f:
        chunk = os.urandom(1 << 20)
        for _ in range(HUGE >> 20):
            f.write(chunk)
    srv = it.spawn_in(topo.remote, ['/usr/bin/python3', '-m', 'http.server',
                                    '--bind', '0.0.0.0', '--directory', d,
                                    '80'])
    it.wait_until(lambda: it.run_in(topo.host, [
        'busybox', 'nc', '-w', '1', SRV4, '80'], input='').returncode == 0,
        timeout=10, what='http server')

    passts, guests = {}, {}
    for path in ('stream', 'vhost-user'):
        pd = nobody_dir(os.path.join(BASE, path))
        sock = os.path.join(pd, 'passt.sock')
        tcp, udp = FWD[path]
        args = ['-t', str(tcp), '-u', str(udp)]
        if path == 'vhost-user':
            args.insert(0, '--vhost-user')
        passts[path] = it.start_passt(topo, pd, *args, sock=sock)
        guests[path] = Guest(f'bench-{path}', topo.host, img, sock,
                             MAC[path], os.path.join(pd, 'vm'),
                             append='e2e.dhcp6=0',
                             vhost_user=path == 'vhost-user')
    for g in guests.values():
        g.wait_ready(timeout=180)
    for path, g in guests.items():
        tcp, udp = FWD[path]
        g.sh('mkdir -p /www && echo hi > /www/tiny')
        g.sh(f'head -c {BIG} /dev/zero > /www/zero.bin', timeout=60)
        g.sh(f'httpd -p {tcp} -h /www')
    yield {'passt': passts, 'guest': guests}
    for g in guests.values():
        g.stop()
    for p in passts.values():
        p.stop()
    srv.stop()


def measure(setup, topo, path, row):
    """One measurement: (rate, unit, passt CPU seconds, bytes moved or
    None)"""
    g = setup['guest'][path]
    pid = setup['passt'][path].pid
    tcp, udp = FWD[path]
    cpu0 = cpu_seconds(pid)
    if row == 'download':
        out = g.out('a=$(cut -d" " -f1 /proc/uptime); '
                    f'wget -q -O /dev/null http://{SRV4}/huge.bin && '
                    'b=$(cut -d" " -f1 /proc/uptime) && echo "t $a $b"',
                    timeout=300)
        m = re.search(r't ([\d.]+) ([\d.]+)', out)
        secs = float(m.group(2)) - float(m.group(1))
        moved = HUGE
        rate, unit = HUGE / secs / 1e6, 'MB/s'
    elif row == 'upload':
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', FETCH_PY,
                                      SRV4, it.HOST4, str(tcp),
                                      '/zero.bin'], timeout=300)
        n, secs = res.stdout.split()
        assert int(n) == BIG, res
        moved = BIG
        rate, unit = BIG / float(secs) / 1e6, 'MB/s'
    elif row == 'tcp_crr':
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', CRR_PY,
                                      SRV4, it.HOST4, str(tcp), '/tiny',
                                      '5'], timeout=60)
        n, secs = res.stdout.split()
        moved = None
        rate, unit = int(n) / float(secs), 'trans/s'
    else:
        g.sh(f'gtool udp-echo {udp} 500 > /dev/null 2>&1 &')
        time.sleep(0.5)		# the echo server binding, in the guest
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', UDP_RR_PY,
                                      SRV4, it.HOST4, str(udp), '500'],
                        timeout=120)
        n, secs = res.stdout.split()
        moved = None
        rate, unit = int(n) / float(secs), 'trans/s'
    return rate, unit, cpu_seconds(pid) - cpu0, moved


@pytest.mark.parametrize('row', ['download', 'upload', 'tcp_crr', 'udp_rr'])
def test_row(setup, topo, row):
    res = {}
    for path in ('stream', 'vhost-user'):
        res[path] = [measure(setup, topo, path, row) for _ in range(REPS)]
    med = {p: statistics.median(r[0] for r in v) for p, v in res.items()}
    unit = res['stream'][0][1]
    line = (f'{row:9} stream {med["stream"]:9.1f} {unit:8} '
            f'vhost-user {med["vhost-user"]:9.1f} {unit:8} '
            f'ratio {med["vhost-user"] / med["stream"]:.2f}')
    if res['stream'][0][3] is not None:
        cpu = {p: sum(r[2] for r in v) / (sum(r[3] for r in v) / (1 << 30))
               for p, v in res.items()}
        line += (f'   passt CPU s/GiB: stream {cpu["stream"]:.2f}, '
                 f'vhost-user {cpu["vhost-user"]:.2f}')
    ROWS.append(line)
    assert med['stream'] > 0 and med['vhost-user'] > 0

# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt as libvirt 9.0 starts it, for <interface type='user'> with
# <backend type='passt'/>, and a real qemu guest on its socket.
#
# libvirt (src/qemu/qemu_passt.c, virCommand with virCommandDaemonize() and
# a PID file) runs, with nothing else on the command line:
#
#   passt --one-off --socket SOCK --mac-addr GUEST_MAC [--interface DEV]
#         [--log-file PATH] [--address IPV4 [--netmask PREFIXLEN]]
#         [--address IPV6] [--tcp-ports SPEC]... [--udp-ports SPEC]...
#
# one --tcp-ports or --udp-ports per <portForward>, SPEC being
# [ADDR[%DEV]/] followed by "all" or a list of [~]START[-END][:TO[-TO_END]].
# Never -f, --pid or --fd: passt forks to background by itself. The process
# that execs passt comes out of a double fork (setsid(), chdir("/")), with
# stdin and stdout on /dev/null, stderr on a pipe nobody reads any longer,
# default signal dispositions, the whole environment, and the PID file open
# and locked (fcntl) across exec. Then libvirt starts qemu at once, without
# waiting for the socket: qemu 7.2 connects once, at start-up. On destroy,
# libvirt kills qemu only: passt, --one-off, must go by itself, leaving its
# socket file behind.
#
#  REMOTE (203.0.113.17, 2001:db8:3::17 on lo): http.server :8008
#        │ veth
#  HOST (192.0.2.2 and 192.0.2.3, 2001:db8:1::2 on h0)
#    ip netns exec HOST setpriv (nobody) -- python3 LAUNCH_PY
#      (libvirt's virCommand: setsid, chdir, fork) ─┐
#                             exec passt ...  <─────┘  ── qemu (root)
#
# The launcher runs as nobody, like a session libvirt (qemu:///session)
# run by that user, so that the process execing passt is the
# launcher's own: no ip or setpriv between libvirt's fork and passt, whose
# argv[0] is "passt", as libvirt runs it from PATH.
#
# Everything libvirt-specific is here; the guest, qemu and the topology are
# the ones of test_qemu.py (e2e_guest.py, ../integration/conftest.py).

import hashlib
import ipaddress
import json
import os
import re
import signal
import socket
import stat
import struct
import subprocess
import time

import pytest

from e2e_guest import FIGURES, QEMU, Guest, hmp, it, nobody_dir
import test_qemu
from test_qemu import guest_sha, udp_forward_check

image = test_qemu.image	# the guest image fixture, shared with test_qemu.py

BASE = os.path.join(it._tmp_base, 'e2e-libvirt')

LV_MAC = '52:54:00:4c:0e:70'	# libvirt's prefix; the guest's and passt's
LV4, LV_PREFIX4, LV6 = '192.0.2.70', 24, '2001:db8:1::70'
HOST4_OTHER = '192.0.2.3'	# another address of HOST, on h0
SRV4, SRV6 = '203.0.113.17', '2001:db8:3::17'	# REMOTE, on its loopback
HTTP_PORT = 8008		# REMOTE's HTTP server
SMALL = 4 << 20

# <portForward> elements, as libvirt turns them into options
TCP_RANGE = '18080-18082,~18081'		# 18080, 18082, not 18081
TCP_ADDR = f'{it.HOST4}/18090:18080'		# HOST4 only, to guest's 18080
TCP_DEV = f'{it.HOST6}%h0/18091'		# HOST6 on h0 only
UDP_PORTS = '19000'
GUEST_TCP = (18080, 18081, 18082, 18091)	# httpd in the guest
UDP_PORT = 19000

# passt's link-local address: the guest's own (EUI-64 of the MAC both use)
# with the last bit flipped, as passt does when -M is given
GUEST_LL = it.eui64_addr('fe80::/64', LV_MAC)
PASST_LL = str(ipaddress.IPv6Address(
    int(ipaddress.IPv6Address(GUEST_LL)) ^ 1))

RACE_RUNS = 5

# libvirt's virCommandRun() of a daemonised command with a PID file: this
# process is the first child, which the harness waits for, as libvirt does:
# setsid(), chdir("/"), fork. The grandchild takes the PID file
# (virPidFileAcquirePath(): fcntl write lock, its PID written, descriptor
# kept open and inheritable), tells the first child, which exits at once,
# and execs EXE with argv ARG0 ARGS...: stdin and stdout on /dev/null,
# stderr on a pipe whose read end is closed already, every signal back to
# its default action (Python ignores SIGPIPE: passt must not inherit that),
# none blocked, the whole environment.
#
# Usage: LAUNCH_PY PIDFILE EXE ARG0 [ARGS...]
LAUNCH_PY = r'''
import fcntl, os, signal, sys
pidfile, exe, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
os.setsid()
os.chdir('/')
sync_r, sync_w = os.pipe()
err_r, err_w = os.pipe()
if os.fork():
    os.close(sync_w)
    os._exit(0 if os.read(sync_r, 1) == b'1' else 1)
os.close(sync_r)
fd = os.open(pidfile, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0)
os.write(fd, b'%d\n' % os.getpid())
os.set_inheritable(fd, True)
null = os.open('/dev/null', os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
os.close(null)
os.close(err_r)			# nobody will ever read passt's stderr
os.dup2(err_w, 2)		# the launcher's stderr: the harness sees EOF
os.close(err_w)
for s in signal.valid_signals():
    if s not in (signal.SIGKILL, signal.SIGSTOP):
        try:
            signal.signal(s, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.write(sync_w, b'1')
os.close(sync_w)
try:
    os.execv(exe, argv)
finally:
    os._exit(127)
'''

# From REMOTE: for each HOST:PORT, GET /id over TCP from source SRC, print
# a JSON object "ADDR PORT" -> body, or the error ("refused", ...)
PROBE_PY = r'''
import http.client, json, sys
src, out = sys.argv[1], {}
for t in sys.argv[2:]:
    host, port = t.rsplit(' ', 1)
    try:
        c = http.client.HTTPConnection(host.strip('[]'), int(port),
                                       timeout=10,
                                       source_address=(src, 0))
        c.request('GET', '/id')
        r = c.getresponse()
        out[t] = f'{r.status} {r.read().decode().strip()}'
    except ConnectionRefusedError:
        out[t] = 'refused'
    except Exception as e:
        out[t] = f'error {type(e).__name__} {e}'
print(json.dumps(out))
'''


# ---------------------------------------------------------------------------
# passt, libvirt's way

def libvirt_argv(sock, log=None, ports=None):
    """passt's command line as libvirt 9.0 builds it, argv[0] included

    ports: list of (option, SPEC), one a <portForward>
    """
    argv = ['passt', '--one-off', '--socket', sock, '--mac-addr', LV_MAC,
            '--interface', 'h0']
    if log:
        argv += ['--log-file', log]
    argv += ['--address', LV4, '--netmask', str(LV_PREFIX4),
             '--address', LV6]
    for opt, spec in ports or []:
        argv += [opt, spec]
    return argv


def proc_state(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


class LibvirtPasst:
    """passt started by a libvirt-like launcher, both nobody in HOST

    Once running, passt isn't a child of ours: its processes are found by
    their command line, which has our socket path in it.
    """

    def __init__(self, topo, name, sock_dir=None, log=True, ports=None):
        self.topo = topo
        self.dir = nobody_dir(os.path.join(BASE, name))
        self.sock = os.path.join(sock_dir or self.dir, 'passt.sock')
        self.pidfile = os.path.join(self.dir, 'passt.pid')
        self.log = os.path.join(self.dir, 'passt.log') if log else None
        self.argv = libvirt_argv(self.sock, self.log, ports)
        self.pid0 = None
        self.seen = set()

    def start(self):
        """Run the launcher to completion, as libvirt does before it starts
        qemu; return when that was (monotonic)"""
        if self.log and os.path.exists(self.log):
            os.unlink(self.log)
        env = dict(os.environ)
        env['PASST_E2E_LIBVIRT'] = self.sock	# the whole environment
        launcher = subprocess.Popen(
            it.ns_argv(self.topo.host, [
                '/usr/bin/python3', '-c', LAUNCH_PY, self.pidfile,
                os.path.abspath(it.PASST), *self.argv], user='nobody'),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=env)
        try:
            err = launcher.communicate(timeout=10)[1]
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.communicate()
            pytest.fail('libvirt-like launcher stuck')
        t = time.monotonic()
        assert launcher.returncode == 0, err.decode(errors='replace')
        with open(self.pidfile) as f:
            self.pid0 = int(f.read())
        return t

    def pids(self):
        """passt processes serving our socket, zombies left out"""
        out = []
        for d in os.listdir('/proc'):
            if not d.isdigit():
                continue
            try:
                with open(f'/proc/{d}/cmdline', 'rb') as f:
                    args = f.read().split(b'\0')
            except OSError:
                continue
            if args[0] == b'passt' and self.sock.encode() in args and \
               proc_state(d) not in (None, 'Z'):
                out.append(int(d))
        self.seen.update(out)
        return out

    def running(self):
        return bool(self.pids())

    def wait_gone(self, timeout=5):
        it.wait_until(lambda: not self.running(), timeout=timeout,
                      interval=0.05, what=f'passt on {self.sock} to exit')

    def log_text(self):
        if not self.log:
            return ''
        try:
            with open(self.log, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def diag(self):
        return (f'pids {self.pids()}, log:\n'
                f'{self.log_text()[-3000:]}')

    def cleanup(self):
        """Kill what's left of this passt (on failures only), by PID"""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        it.check_sanitizers(self.log_text(), f'passt {self.dir}')


def is_socket(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def qemu_paused(topo, d, sock):
    """qemu -S (no guest code runs) with the stream netdev on sock, and its
    monitor: the netdev connects at start-up all the same"""
    mon = os.path.join(d, 'mon.sock')
    if os.path.lexists(mon):
        os.unlink(mon)
    q = it.spawn_in(topo.host, [
        QEMU, '-S', '-accel', 'tcg', '-m', '64M', '-nodefaults',
        '-no-user-config', '-display', 'none', '-nic', 'none',
        '-monitor', f'unix:{mon},server=on,wait=off',
        '-netdev', f'stream,id=n0,server=off,addr.type=unix,'
                   f'addr.path={sock}',
        '-device', f'virtio-net-pci,netdev=n0,mac={LV_MAC}'])
    q.mon = mon
    it.wait_until(lambda: os.path.exists(mon) or not q.running(),
                  timeout=10, what='qemu monitor')
    assert q.running(), q.output
    return q


# ---------------------------------------------------------------------------
# Start-up: how soon passt listens, and qemu right after it

def test_exec_to_listen(topo):
    """From passt's exec to its socket accepting connect(): a few ms.

    The launcher's grandchild execs passt: its /proc/PID/comm tells when
    that happened, a tight connect() loop when passt listens. Also measured
    from the launcher's exit, which is when libvirt goes on to start qemu.
    A stale socket file from the previous run is there (libvirt leaves it
    behind): passt replaces it. Our connection is passt's one client: it
    exits when we close it (--one-off).
    """
    it.require_binaries()
    p = LibvirtPasst(topo, 'listen', log=False)
    comm = os.path.basename(it.PASST)[:15]	# passt, or passt.asan
    times, chain = [], []
    for i in range(RACE_RUNS):
        t_done = p.start()
        deadline = time.monotonic() + 5
        t_exec = None
        while t_exec is None:
            try:
                with open(f'/proc/{p.pid0}/comm') as f:
                    if f.read().strip() == comm:
                        t_exec = time.monotonic()
            except (FileNotFoundError, ProcessLookupError):
                break	# we were too slow: passt forked and went on
            assert time.monotonic() < deadline, 'no exec of passt'
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                s.connect(p.sock)
                t_listen = time.monotonic()
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    pytest.fail(f'run {i}: passt not listening within 5 s:'
                                f' {p.diag()}')
        s.close()
        if t_exec is not None:
            times.append((t_listen - t_exec) * 1000)
        chain.append((t_listen - t_done) * 1000)
        p.wait_gone()
        assert is_socket(p.sock)
    FIGURES['libvirt-style passt: exec to listening socket'] = \
        ', '.join(f'{t:.1f}' for t in times) + ' ms'
    FIGURES['libvirt-style passt: launcher done (qemu would start) to ' \
            'listening socket'] = \
        ', '.join(f'{t:.1f}' for t in chain) + ' ms'
    assert times and max(times + chain) < 100, (times, chain)


def test_start_race(topo):
    """libvirt's start-up, RACE_RUNS times: qemu is started as soon as the
    launcher is done, without waiting for passt's socket, and its netdev
    (qemu 7.2 connects once) must be connected. Then qemu is killed, as by
    virsh destroy, and passt (--one-off) quits by itself, leaving its socket
    file. Every other run has no --log-file: passt logs to the dead stderr
    pipe, which must not kill it (SIGPIPE) or stall it."""
    it.require_binaries()
    for i in range(RACE_RUNS):
        p = LibvirtPasst(topo, f'race{i}', sock_dir=nobody_dir(
            os.path.join(BASE, 'race')), log=i % 2 == 0,
            ports=[('--tcp-ports', '18180-18182,~18181'),
                   ('--udp-ports', '19100')])
        try:
            p.start()
            q = qemu_paused(topo, p.dir, p.sock)
            # qemu 7.2: "unix:PATH" once connected, "connection error"
            # if that failed, nothing yet while it connects
            info = it.wait_until(
                lambda: (lambda s: s if re.search(
                    r'type=stream,(unix:|connection error)', s) else None)(
                    hmp(q.mon, 'info network')),
                timeout=5, what='stream netdev to connect or fail')
            assert f'n0: index=0,type=stream,unix:{p.sock}\n' in info, \
                (i, info, p.diag())
            it.wait_until(lambda: 'Client connected' in p.log_text() or
                          not p.log, timeout=5, what='passt to accept')
            assert p.running(), (i, p.diag())
            q.stop()
            it._procs.remove(q)
            p.wait_gone()
            assert is_socket(p.sock), 'socket file not left behind'
            if p.log:
                assert 'Client closed connection, exiting' in \
                    p.log_text(), p.diag()
        finally:
            p.cleanup()
    FIGURES['libvirt-style start race (passt then qemu -S at once)'] = \
        f'{RACE_RUNS} of {RACE_RUNS} connected'


def passt_ready_ms(topo, name, runs):
    """Start passt libvirt's way runs times: from the launcher's exit (when
    libvirt starts qemu) to passt's socket accepting connect(), in ms"""
    p = LibvirtPasst(topo, name, log=False)
    times = []
    for i in range(runs):
        t_done = p.start()
        deadline = time.monotonic() + 5
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                s.connect(p.sock)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    pytest.fail(f'run {i}: passt not listening within 5 s:'
                                f' {p.diag()}')
        times.append((time.monotonic() - t_done) * 1000)
        s.close()
        p.wait_gone()
    return times


def test_qemu_connect_time(topo):
    """The head start libvirt's way of starting things gives passt: qemu,
    from its start to connect() on its stream netdev (with a socket that
    listens before it starts; the connection checked to be qemu's own, by
    its peer credentials), takes longer every time than passt, from the
    launcher's exit to its listening socket, takes at worst, on the same
    machine and at the same time"""
    it.require_binaries()
    d = nobody_dir(os.path.join(BASE, 'qemuref'))
    sock = os.path.join(d, 'ref.sock')
    if os.path.lexists(sock):
        os.unlink(sock)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock)
    srv.listen(1)
    srv.settimeout(10)
    times = []
    try:
        for _ in range(3):
            t0 = time.monotonic()
            q = it.spawn_in(topo.host, [
                QEMU, '-S', '-accel', 'tcg', '-m', '64M', '-nodefaults',
                '-no-user-config', '-display', 'none', '-nic', 'none',
                '-netdev', f'stream,id=n0,server=off,addr.type=unix,'
                           f'addr.path={sock}',
                '-device', f'virtio-net-pci,netdev=n0,mac={LV_MAC}'])
            conn = srv.accept()[0]
            times.append((time.monotonic() - t0) * 1000)
            cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                   struct.calcsize('3i'))
            pid = struct.unpack('3i', cred)[0]
            conn.close()
            assert pid == q.p.pid, (pid, q.p.pid, q.output)
            q.stop()
            it._procs.remove(q)
    finally:
        srv.close()
    passt = passt_ready_ms(topo, 'qemuref-passt', 3)
    FIGURES['qemu 7.2 -S: start to connect() on its stream netdev'] = \
        ', '.join(f'{t:.0f}' for t in times) + ' ms'
    assert len(times) == 3 and max(passt) < min(times), (passt, times)


# ---------------------------------------------------------------------------
# One guest behind a libvirt-style passt, for everything else

@pytest.fixture(scope='module')
def lv_remote(topo):
    """REMOTE's HTTP server with a random file; a second address on HOST's
    h0, which --tcp-ports ADDR/ must leave alone"""
    it.sh_ns(topo.remote, f'''
        ip addr add {SRV4}/32 dev lo
        ip addr add {SRV6}/128 dev lo nodad
    ''')
    it.sh_ns(topo.host, f'ip addr add {HOST4_OTHER}/24 dev h0')
    d = nobody_dir(os.path.join(BASE, 'www'))
    data = os.urandom(SMALL)
    with open(os.path.join(d, 'small.bin'), 'wb') as f:
        f.write(data)
    srv = it.spawn_in(topo.remote, ['/usr/bin/python3', '-m', 'http.server',
                                    '--bind', '::', '--directory', d,
                                    str(HTTP_PORT)])
    for addr in (SRV4, SRV6):
        it.wait_until(lambda: it.run_in(topo.host, [
            'busybox', 'nc', '-w', '1', addr, str(HTTP_PORT)],
            input='').returncode == 0, timeout=10, interval=0.1,
            what=f'http server on {addr}')
    yield {'small.bin': hashlib.sha256(data).hexdigest()}
    srv.stop()
    it._procs.remove(srv)
    it.run_in(topo.host, ['ip', 'addr', 'del', f'{HOST4_OTHER}/24', 'dev',
                          'h0'])
    it.run_in(topo.remote, ['ip', 'addr', 'del', f'{SRV4}/32', 'dev', 'lo'])
    it.run_in(topo.remote, ['ip', 'addr', 'del', f'{SRV6}/128', 'dev',
                            'lo'])


@pytest.fixture(scope='module')
def lv(topo, image, lv_remote):
    """passt started as libvirt does, with port forwards and a log file,
    then qemu at once, the way libvirt does it; the guest boots"""
    it.require_binaries()
    p = LibvirtPasst(topo, 'lv', ports=[('--tcp-ports', TCP_RANGE),
                                        ('--tcp-ports', TCP_ADDR),
                                        ('--tcp-ports', TCP_DEV),
                                        ('--udp-ports', UDP_PORTS)])
    g = None
    try:
        p.start()
        g = Guest('guestLV', topo.host, image, p.sock, LV_MAC,
                  os.path.join(BASE, 'lv', 'vm'))
        g.passt = p
        g.wait_ready(timeout=150)
        yield {'passt': p, 'guest': g}
    finally:
        if g:
            g.stop()
        p.cleanup()


def test_lease(lv):
    """DHCP: the --address and --netmask given, on eth0"""
    g = lv['guest']
    env = g.net_env()
    assert env.get('mac') == LV_MAC, env
    assert env.get('dhcp_ip') == LV4, (env, g.diag())
    assert env.get('dhcp_mask') == str(LV_PREFIX4), env
    assert env.get('dhcp_router') == '192.0.2.1', env
    assert env.get('dhcp_dns', '').split() == ['192.0.2.1'], env
    assert env.get('dhcp_search', '').split() == it.SEARCH, env
    FIGURES['libvirt-style guest: boot to DHCP lease (guest uptime)'] = \
        f'{float(env["lease_uptime"]):.2f} s (qemu start to ready ' \
        f'{g.t_ready - g.t_start:.1f} s)'
    addr = g.out('ip -4 addr show dev eth0')
    assert f'inet {LV4}/{LV_PREFIX4}' in addr, addr
    route = g.out('ip -4 route show default')
    assert route.split()[:5] == ['default', 'via', '192.0.2.1', 'dev',
                                 'eth0'], route


def test_ipv6(lv):
    """SLAAC address and default route from passt's router advertisements,
    sent from a link-local address of passt's own, although passt's MAC
    address is the guest's (--mac-addr); DHCPv6 gives the --address one"""
    g = lv['guest']
    env = g.net_env()
    assert PASST_LL != GUEST_LL
    addrs = g.out('ip -6 addr show dev eth0')
    assert f'inet6 {GUEST_LL}/64 scope link' in addrs, addrs
    slaac = it.eui64_addr(it.NET6, LV_MAC)
    assert f'inet6 {slaac}/64 scope global' in addrs, (addrs, g.diag())
    assert f'inet6 {LV6}/128 scope global' in addrs, (addrs, g.diag())
    assert 'tentative' not in addrs and 'dadfailed' not in addrs, addrs
    route = g.out('ip -6 route show default')
    assert route.split()[:5] == ['default', 'via', PASST_LL, 'dev',
                                 'eth0'], route
    assert env.get('dhcp6_addr') == LV6, env
    assert env.get('dhcp6_dns') == it.REMOTE6, env
    # passt's own frames come from the guest's MAC address: that's what
    # libvirt asks for, and the guest copes
    neigh = g.out(f'ip -6 neigh show {PASST_LL} dev eth0; '
                  'ip -4 neigh show 192.0.2.1 dev eth0')
    assert neigh.count(f'lladdr {LV_MAC}') >= 1, neigh


def test_info_network(lv):
    """qemu's only netdev is the stream to passt, connected"""
    info = lv['guest'].monitor('info network')
    assert re.search(r'virtio-net-pci.*macaddr=' + LV_MAC, info), info
    assert f'n0: index=0,type=stream,unix:{lv["passt"].sock}' in info, info
    assert len(re.findall(r'type=', info)) == 2, info


@pytest.mark.parametrize('srv', [SRV4, f'[{SRV6}]'], ids=['ipv4', 'ipv6'])
def test_download(lv, lv_remote, srv):
    g = lv['guest']
    g.sh('rm -f /tmp/small.bin')
    g.sh(f'wget -q -O /tmp/small.bin http://{srv}:{HTTP_PORT}/small.bin',
         timeout=60)
    assert guest_sha(g, '/tmp/small.bin') == lv_remote['small.bin']
    g.sh('rm -f /tmp/small.bin')


def probe(topo, src, targets):
    """GET /id from REMOTE (source src) on each (addr, port): results"""
    res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', PROBE_PY, src] +
                    [f'{a} {p}' for a, p in targets], timeout=60)
    assert res.returncode == 0, res
    return {tuple(k.rsplit(' ', 1)): v
            for k, v in json.loads(res.stdout).items()}


def test_tcp_forwards(lv, topo):
    """--tcp-ports as libvirt writes <portForward>: a range with an
    exclusion, ADDR/ with a port mapping, and ADDR%DEV/ for IPv6. The guest
    listens on every port involved, so that only passt decides."""
    g = lv['guest']
    for port in GUEST_TCP:
        g.sh(f'mkdir -p /w{port} && echo {port} > /w{port}/id')
        g.sh(f'pidof httpd >/dev/null && netstat -ltn | grep -q ":{port} " '
             f'|| {{ httpd -f -v -p {port} -h /w{port} '
             f'>> /tmp/httpd{port}.log 2>&1 & }}')
    it.wait_until(lambda: all(f':{p} ' in g.out('netstat -ltn')
                              for p in GUEST_TCP), timeout=10,
                  what='httpd in the guest')

    # What passt listens on in HOST
    ss = it.run_in(topo.host, ['ss', '-Htln'], check=True).stdout
    local = {line.split()[3] for line in ss.splitlines()}
    for want in ('0.0.0.0:18080', '[::]:18080', '0.0.0.0:18082',
                 '[::]:18082', f'{it.HOST4}:18090',
                 f'[{it.HOST6}]%h0:18091'):
        assert want in local, (want, ss)
    assert not [a for a in local if a.endswith((':18081', ':18091')) and
                'h0' not in a], ss

    h4, h6, o4 = it.HOST4, f'[{it.HOST6}]', HOST4_OTHER
    r4 = probe(topo, SRV4, [(h4, 18080), (h4, 18082), (h4, 18081),
                            (h4, 18090), (o4, 18090), (o4, 18080),
                            (h4, 18091)])
    r6 = probe(topo, SRV6, [(h6, 18080), (h6, 18081), (h6, 18090),
                            (h6, 18091)])
    assert r4 == {
        (h4, '18080'): '200 18080',	# in the range
        (h4, '18082'): '200 18082',	# end of the range
        (h4, '18081'): 'refused',	# ~18081
        (h4, '18090'): '200 18080',	# HOST4/18090:18080
        (o4, '18090'): 'refused',	# not on another address
        (o4, '18080'): '200 18080',	# unbound: every address
        (h4, '18091'): 'refused',	# only HOST6%h0
    }, r4
    assert r6 == {
        (h6, '18080'): '200 18080',
        (h6, '18081'): 'refused',
        (h6, '18090'): 'refused',	# IPv4 address only
        (h6, '18091'): '200 18091',
    }, r6
    # The guest sees REMOTE's addresses as peers
    log = g.out('cat /tmp/httpd18080.log /tmp/httpd18091.log')
    assert f'[::ffff:{SRV4}]' in log and f'[{SRV6}]' in log, log


def test_udp_forward(lv, topo):
    """--udp-ports: REMOTE to the guest's echo server, IPv4 and IPv6"""
    udp_forward_check(lv['guest'], topo, UDP_PORT, SRV4, SRV6)


def test_passt_process(lv):
    """What runs: one passt process, forked to background (so the PID in
    libvirt's PID file is gone already, as with libvirt 9.0 and any passt),
    as nobody, with the whole environment it was given, standard streams on
    /dev/null, SIGPIPE ignored (it came with the default action), and
    without the PID file libvirt handed down open"""
    p = lv['passt']
    pids = p.pids()
    assert len(pids) == 1, pids
    pid = pids[0]
    assert pid != p.pid0
    assert proc_state(p.pid0) in (None, 'Z'), p.pid0
    with open(f'/proc/{pid}/status') as f:
        status = f.read()
    assert re.search(r'^Uid:\s+65534\s+65534\s+65534\s+65534$', status,
                     re.M), status
    sigign = int(re.search(r'^SigIgn:\s+([0-9a-f]+)$', status, re.M)[1], 16)
    assert sigign & (1 << (signal.SIGPIPE - 1)), status
    with open(f'/proc/{pid}/environ', 'rb') as f:
        environ = f.read().split(b'\0')
    assert f'PASST_E2E_LIBVIRT={p.sock}'.encode() in environ
    null = os.stat('/dev/null')
    for fd in (0, 1, 2):	# paths are relative to passt's sandbox root
        st = os.stat(f'/proc/{pid}/fd/{fd}')
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == null.st_rdev, fd
    pidfile = os.stat(p.pidfile)
    for fd in os.listdir(f'/proc/{pid}/fd'):
        st = os.stat(f'/proc/{pid}/fd/{fd}')
        assert (st.st_dev, st.st_ino) != (pidfile.st_dev, pidfile.st_ino), \
            f'libvirt\'s PID file still open as descriptor {fd}'


def test_shutdown(lv):
    """virsh destroy kills qemu and nothing else: passt (--one-off) quits
    by itself once qemu is gone, leaving its socket file behind. Its log
    file has its messages, stderr being dead all along, and it's the same
    process that served the whole session, up to a clean exit"""
    p, g = lv['passt'], lv['guest']
    pids = p.pids()
    assert len(p.seen) == 1 and set(pids) == p.seen, (p.seen, pids)
    assert g.poweroff() == 0, g.diag()
    t0 = time.monotonic()
    p.wait_gone(timeout=5)
    FIGURES['libvirt-style passt: gone after qemu quit'] = \
        f'{(time.monotonic() - t0) * 1000:.0f} ms'
    assert is_socket(p.sock), 'socket file not left behind'
    log = p.log_text()
    for line in (f'UNIX domain socket bound at {p.sock}',
                 f'    assign: {LV4}', f'    prefix length: {LV_PREFIX4}',
                 f'    assign: {LV6}', f'    router: {PASST_LL}',
                 'Client connected'):
        assert line in log, (line, log)
    assert log.rstrip().endswith('Client closed connection, exiting'), log

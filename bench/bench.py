#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench.py - side by side: our pasta, Debian's pasta, slirp4netns
#
# Exact command (as root, from the top of the repository):
#
#     bench/run.sh [--pasta PATH] [--seconds N] [--reps N] [--tools LIST]
#                  [--rows LIST]
#
# e.g. only the spliced rows and their baseline, 3 s a cell:
#
#     bench/run.sh --rows 9,10a,10b,11a,11b --seconds 3
#
# (make bench runs bench/run.sh; run.sh installs the dependencies with
# bench/deps.sh, compiles bench/tcp_rr.c, tcp_crr.c and udp_rr.c into
# bench/build/, then runs this script with Debian's /usr/bin/python3.)
#
#   --pasta PATH   our pasta (default: ./pasta at the top of the repository;
#                  also PASTA_BIN=PATH). The name must end in 'pasta': the
#                  binary picks its mode from it, so the symlink is used as
#                  is, never resolved to ./passt.
#   --seconds N    length of each measurement (default 5)
#   --reps N       measure each cell N times, report the median (default 1)
#   --tools LIST   comma-separated subset of
#                  ours,iso,egress,egress1k,debian,slirp (default: all; iso
#                  is ours with --no-map-host, egress ours with
#                  --egress-deny private, egress1k ours with the 1,000
#                  egress rules of egress_1k_rules(); each compared with
#                  ours in a table of its own)
#   --rows LIST    comma-separated subset of
#                  1,2,3a,3b,4,5,6,7,8,9,10a,10b,11a,11b (default: all)
#
# Rows (the numbers --rows takes):
#
#   1   TCP NS -> REMOTE (iperf3)          2   the same, -R
#   3a  TCP REMOTE -> HOST:5201 -> NS      3b  the same, -R (pasta -t 5201)
#   4   TCP_RR 1 byte, NS -> REMOTE        5   TCP_CRR, NS -> REMOTE
#   6   UDP NS -> REMOTE (iperf3 -u)       7   UDP_RR 1 byte, NS -> REMOTE
#   8   ICMP echo, NS -> REMOTE (ping)
#   9   baseline of 10a-11b: iperf3 client and server in one namespace of
#       their own over 127.0.0.1, no tool: the physical limit, measured in
#       the same run (once a repetition, not once a tool)
#   10a TCP HOST's 127.0.0.1 -> 127.0.0.1:5201 -> NS (pasta -t 5201: spliced)
#   10b the same, -R (data NS -> HOST's loopback)
#   11a TCP NS -> NS's 127.0.0.1:5202 -> HOST's 127.0.0.1:5202 (pasta -T
#       5202: spliced)
#   11b the same, -R (data HOST's loopback -> NS)
#
# The table gives ours against Debian's pasta and slirp4netns for all rows
# but 9; a second table gives 10a-11b against row 9 (x/lo ratios).
#
# Debian's pasta is always /usr/bin/pasta (package 'passt'), slirp4netns is
# /usr/bin/slirp4netns: both by absolute path, never looked up in $PATH, so
# that ours and Debian's can't be confused.
#
# Topology, one pair of namespaces per tool, built like the integration
# tests' (tests/integration/conftest.py), documentation addresses only:
#
#   REMOTE pstbench<pid>-r<tool>        HOST pstbench<pid>-h<tool>
#     r0 192.0.2.1/24  2001:db8:1::1 ─veth─ h0 192.0.2.2/24  2001:db8:1::2
#     lo 203.0.113.1/32 (servers)          default via 192.0.2.1
#     iperf3 -s -B 203.0.113.1 (5201)      /etc/netns/<HOST>/resolv.conf
#     tcp_rr -s (5300, echo)               iperf3 -s -B 127.0.0.1 -p 5202
#     udp_rr -s -b 203.0.113.1 (5300/udp)    (row 11, started when needed)
#                                          nobody: unshare -rUn sleep  = NS
#                                            iperf3 -s -p 5201 (rows 3, 10)
#                                          nobody: the tool, attached to NS
#
#   BASELINE pstbench<pid>-lo: lo only; iperf3 -s and -c over 127.0.0.1:5201
#
#   ours and Debian's, the same options, all explicit (both default to
#   automatic forwarding, -t auto -u auto -T auto -U auto: nothing scanned):
#                pasta --config-net -f -t 5201 -T 5202 -u none -U none PID
#   slirp4netns: slirp4netns --configure --mtu=65520 --cidr=198.51.100.0/24
#                --api-socket SOCK PID tap0
#                (port 5201 forwarded with add_hostfwd on the API socket
#                twice: on 192.0.2.2 for row 3, on 127.0.0.1 for row 10)
#
# slirp4netns has no splice, nor a -T: rows 10a/10b go through its
# add_hostfwd on 127.0.0.1 (its TCP stack and tap0), rows 11a/11b from NS
# to its gateway 198.51.100.2, which it maps to HOST's 127.0.0.1: that's why
# it runs without --disable-host-loopback (no other row uses the mapping).
# These are its equivalent paths, not spliced ones. Each cell of rows 10
# and 11 says how many bytes went through NS's interfaces other than lo
# (/proc/PID/net/dev): next to nothing when spliced, all of it otherwise.
#
# Clients and servers in NS run as nobody through 'nsenter --net'. Rows are
# interleaved (each row for every tool, then the next row), so that drift of
# the machine affects all tools alike. All traffic stays inside the
# namespaces built here (loopback traffic: HOST's and NS's lo, and the
# baseline's namespace); everything is removed at the end (also on errors
# and Ctrl-C): processes by process group, namespaces, /etc/netns/NAME, the
# temporary directory, and the mode of /dev/net/tun.

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
BUILD = os.path.join(REPO, 'bench', 'build')
TCP_RR = os.path.join(BUILD, 'tcp_rr')
TCP_CRR = os.path.join(BUILD, 'tcp_crr')
EGRESS_LOOKUP = os.path.join(BUILD, 'egress_lookup')
UDP_RR = os.path.join(BUILD, 'udp_rr')
DEBIAN_PASTA = '/usr/bin/pasta'
SLIRP = '/usr/bin/slirp4netns'
IPERF3 = '/usr/bin/iperf3'

PREFIX = 'pstbench'
SESSION = f'{PREFIX}{os.getpid()}'
NOBODY = 65534

REMOTE4, HOST4, PREFIX4 = '192.0.2.1', '192.0.2.2', 24
# Servers in REMOTE listen on an address beyond HOST's gateway (REMOTE4):
# pasta maps connections to its gateway address to the host's loopback
# (unless --no-map-gw), slirp4netns has its own gateway: a server one hop
# away is what every tool forwards the same way.
SERVER4 = '203.0.113.1'
REMOTE6, HOST6, PREFIX6 = '2001:db8:1::1', '2001:db8:1::2', 64
HOST_MAC, REMOTE_MAC = '02:00:00:00:02:02', '02:00:00:00:02:01'
SLIRP_CIDR = '198.51.100.0/24'
SLIRP_GUEST4 = '198.51.100.100'
RESOLV_CONF = (f'nameserver {REMOTE4}\nnameserver {REMOTE6}\n'
               'search example.org test.example\n')

IPERF_PORT = 5201	# iperf3 in REMOTE, and forwarded to NS
SPLICE_PORT = 5202	# iperf3 on HOST's 127.0.0.1, pasta -T 5202 in NS
LOOPBACK4 = '127.0.0.1'
SLIRP_GW4 = '198.51.100.2'	# slirp4netns' gateway: HOST's loopback
ECHO_PORT = 5300	# tcp_rr -s (TCP) and udp_rr -s (UDP) in REMOTE
UDP_LEN = 1400		# iperf3 -u datagram: no fragmentation on the veth
PINGS = 200		# ICMP echo row: ping -c PINGS -i 0

TMP = os.path.join(tempfile.gettempdir(), f'{SESSION}-tmp')
TUN = '/dev/net/tun'
TUN_STATE = os.path.join(tempfile.gettempdir(), f'{SESSION}-tunmode')

NA_RE = re.compile(r'unrecognized|invalid option|unknown option|'
                   r'not (yet )?(implemented|supported)', re.I)

_procs = []
_namespaces = []


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------
# Running things

def env():
    e = dict(os.environ)
    e.setdefault('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')
    e['LC_ALL'] = 'C'
    return e


def setpriv_nobody():
    return ['setpriv', f'--reuid={NOBODY}', f'--regid={NOBODY}',
            '--clear-groups', '--inh-caps=-all', '--']


def in_netns(ns, cmd, user=None):
    """argv: cmd in named namespace ns ('ip netns exec'), root or nobody"""
    return (['ip', 'netns', 'exec', ns] +
            (setpriv_nobody() if user == 'nobody' else []) + list(cmd))


def in_pidns(pid, cmd, user='nobody'):
    """argv: cmd in the network namespace of pid (a tool's NS)"""
    return ([
        'nsenter', f'--net=/proc/{pid}/ns/net', '--'] +
        (setpriv_nobody() if user == 'nobody' else []) + list(cmd))


def killpg(p, sig=signal.SIGKILL):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run(argv, timeout=30, check=False):
    """Run to completion: (returncode, stdout, stderr); kill group on timeout"""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True,
                         errors='replace', env=env(), start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        killpg(p)
        out, err = p.communicate()
        raise BenchError(f'timeout ({timeout}s): {" ".join(argv)}\n'
                         f'{out}{err}'.strip())
    if check and p.returncode:
        raise BenchError(f'exit {p.returncode}: {" ".join(argv)}\n'
                         f'{out}{err}'.strip())
    return p.returncode, out, err


class Proc:
    """Background process in its own session, output collected by a thread"""

    def __init__(self, argv):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env(),
                                  start_new_session=True)
        self.pid = self.p.pid
        self._buf = b''
        self._lock = threading.Lock()
        self._t = threading.Thread(target=self._reader, daemon=True)
        self._t.start()
        _procs.append(self)

    def _reader(self):
        while True:
            data = self.p.stdout.read1(65536)
            if not data:
                return
            with self._lock:
                self._buf += data[:1 << 20]

    @property
    def output(self):
        with self._lock:
            return self._buf.decode(errors='replace')

    def running(self):
        return self.p.poll() is None

    def stop(self, timeout=2):
        if self.running():
            killpg(self.p, signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        killpg(self.p, signal.SIGKILL)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._t.join(1)
        if self in _procs:
            _procs.remove(self)
        return self.p.returncode


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise BenchError(f'timeout ({timeout}s) waiting for {what}')
        time.sleep(interval)


def tail(text, n=6):
    lines = [x for x in (text or '').strip().splitlines() if x.strip()]
    return '\n'.join(lines[-n:])


# ---------------------------------------------------------------------------
# Namespaces, tun, cleanup

def ns_list():
    rc, out, _ = run(['ip', 'netns', 'list'])
    return [x.split()[0] for x in out.splitlines() if x.strip()]


def ns_delete(ns):
    rc, out, _ = run(['ip', 'netns', 'pids', ns])
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    run(['ip', 'netns', 'del', ns])
    shutil.rmtree(f'/etc/netns/{ns}', ignore_errors=True)


def sysctl_argv(key, value):
    path = '/proc/sys/' + key.replace('.', '/')
    return ['sh', '-c', f'echo "{value}" > {path}']


def ns_create(ns, resolv=None):
    if ns in ns_list():
        ns_delete(ns)
    run(['ip', 'netns', 'add', ns], check=True)
    _namespaces.append(ns)
    if resolv is not None:
        os.makedirs(f'/etc/netns/{ns}', exist_ok=True)
        with open(f'/etc/netns/{ns}/resolv.conf', 'w') as f:
            f.write(resolv)
    run(in_netns(ns, ['ip', 'link', 'set', 'lo', 'up']), check=True)
    for k, v in (('net.ipv6.conf.all.accept_dad', 0),
                 ('net.ipv6.conf.default.accept_dad', 0),
                 ('net.ipv6.conf.all.accept_ra', 0),
                 ('net.ipv6.conf.default.accept_ra', 0),
                 # connection-rate row: many short connections
                 ('net.ipv4.tcp_tw_reuse', 1),
                 ('net.ipv4.ip_local_port_range', '1024 65535')):
        run(in_netns(ns, sysctl_argv(k, v)), check=True)


def pid_alive(pid):
    return os.path.exists(f'/proc/{pid}')


def remove_stale():
    """Leftovers of benchmark runs that were killed outright"""
    r = re.compile(rf'^{PREFIX}(\d+)-')
    for ns in ns_list():
        m = r.match(ns)
        if m and not pid_alive(int(m.group(1))):
            ns_delete(ns)
    for d in ('/etc/netns', tempfile.gettempdir()):
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            m = r.match(name)
            if m and not pid_alive(int(m.group(1))) and \
               not name.endswith('-tunmode'):
                shutil.rmtree(os.path.join(d, name), ignore_errors=True)


TUNMODE_RE = re.compile(r'^(pstbench|pstit)(\d+)-tunmode$')


def tun_open_for_all():
    """chmod 0666 /dev/net/tun, keep the original mode in a state file

    A state file of another session (ours or the integration tests', dead or
    alive) holds the original mode if the device was already opened up.
    """
    mode = None
    tmpdir = tempfile.gettempdir()
    for name in sorted(os.listdir(tmpdir)):
        m = TUNMODE_RE.match(name)
        if not m or int(m.group(2)) == os.getpid():
            continue
        path = os.path.join(tmpdir, name)
        try:
            with open(path) as f:
                mode = int(f.read(), 8)
        except (OSError, ValueError):
            pass
        if m.group(1) == PREFIX and not pid_alive(int(m.group(2))):
            os.unlink(path)
    if mode is None:
        mode = stat.S_IMODE(os.stat(TUN).st_mode)
    with open(TUN_STATE, 'w') as f:
        f.write(f'{mode:o}')
    os.chmod(TUN, 0o666)


def tun_restore():
    try:
        with open(TUN_STATE) as f:
            mode = int(f.read(), 8)
    except (OSError, ValueError):
        return
    os.unlink(TUN_STATE)
    for name in os.listdir(tempfile.gettempdir()):
        m = TUNMODE_RE.match(name)
        if m and pid_alive(int(m.group(2))):
            return	# a live session still needs it open: it restores
    os.chmod(TUN, mode)


_cleaned = [False]


def cleanup():
    if _cleaned[0]:
        return
    _cleaned[0] = True
    for p in list(_procs):
        try:
            p.stop(timeout=1)
        except Exception:
            pass
    while _namespaces:
        ns_delete(_namespaces.pop())
    shutil.rmtree(TMP, ignore_errors=True)
    tun_restore()


def on_signal(sig, frame):
    print(f'\ninterrupted (signal {sig}): cleaning up', file=sys.stderr)
    cleanup()
    sys.exit(128 + sig)


# ---------------------------------------------------------------------------
# Topology: one HOST / REMOTE pair a tool

class Topology:
    def __init__(self, tag):
        self.host = f'{SESSION}-h{tag}'
        self.remote = f'{SESSION}-r{tag}'
        ns_create(self.remote)
        ns_create(self.host, RESOLV_CONF)
        run(in_netns(self.host, sysctl_argv('net.ipv4.ping_group_range',
                                            '0 2147483647')), check=True)
        run(['ip', '-n', self.host, 'link', 'add', 'h0', 'address', HOST_MAC,
             'type', 'veth', 'peer', 'name', 'r0', 'netns', self.remote,
             'address', REMOTE_MAC], check=True)
        for ns, cmds in ((self.remote, [
                f'ip addr add {REMOTE4}/{PREFIX4} dev r0',
                f'ip addr add {REMOTE6}/{PREFIX6} dev r0 nodad',
                f'ip addr add {SERVER4}/32 dev lo',
                'ip link set r0 up']), (self.host, [
                f'ip addr add {HOST4}/{PREFIX4} dev h0',
                f'ip addr add {HOST6}/{PREFIX6} dev h0 nodad',
                'ip link set h0 up',
                f'ip route add default via {REMOTE4} dev h0',
                f'ip -6 route add default via {REMOTE6} dev h0'])):
            for c in cmds:
                run(in_netns(ns, c.split()), check=True)
        wait_until(lambda: run(in_netns(self.host, ['ping', '-c1', '-W1',
                                                    SERVER4]))[0] == 0,
                   10, f'{SERVER4} from {self.host}', 0.1)
        # Servers in REMOTE, as nobody
        self.iperf = self.echo = self.uecho = None
        self.start_servers()

    def start_servers(self):
        """(Re)start iperf3 -s and the echo servers in REMOTE"""
        for p in (self.iperf, self.echo, self.uecho):
            if p:
                p.stop()
        # Bound to SERVER4 (iperf3 -B, udp_rr -b): a UDP reply must come
        # from the address the client sent to, not REMOTE4, which routing
        # would pick as source (connected sockets drop it otherwise)
        self.iperf = Proc(in_netns(self.remote, [IPERF3, '-s', '-B', SERVER4,
                                                 '-p', str(IPERF_PORT)],
                                   'nobody'))
        self.echo = Proc(in_netns(self.remote, [TCP_RR, '-s',
                                                str(ECHO_PORT)], 'nobody'))
        self.uecho = Proc(in_netns(self.remote, [UDP_RR, '-s',
                                                 str(ECHO_PORT), '-b',
                                                 SERVER4], 'nobody'))
        for port, proto in ((IPERF_PORT, 't'), (ECHO_PORT, 't'),
                            (ECHO_PORT, 'u')):
            wait_until(lambda: listening(in_netns(self.remote, []), port,
                                         proto), 5,
                       f'server on port {port} in {self.remote}')


    def lo_server(self):
        """iperf3 -s on HOST's 127.0.0.1:SPLICE_PORT (as nobody), for -T"""
        if getattr(self, 'lo_srv', None) and self.lo_srv.running():
            return
        self.lo_srv = Proc(in_netns(self.host, [IPERF3, '-s', '-B', LOOPBACK4,
                                                '-p', str(SPLICE_PORT)],
                                    'nobody'))
        wait_until(lambda: listening(in_netns(self.host, []), SPLICE_PORT),
                   5, f'iperf3 server on {LOOPBACK4}:{SPLICE_PORT} in '
                   f'{self.host}')

    def lo_server_restart(self):
        if getattr(self, 'lo_srv', None):
            self.lo_srv.stop()


class Baseline:
    """No tool: iperf3 client and server in one namespace over 127.0.0.1

    The physical limit of the spliced rows: a namespace of its own, with
    nothing but its loopback, so that no tool's sockets or processes share it.
    """

    key, name = 'lo', 'no tool'
    proc = None
    starts = 0
    up = True

    def __init__(self):
        self.netns = f'{SESSION}-lo'
        ns_create(self.netns)
        self.srv = None

    def alive(self):
        return True

    def server(self):
        if self.srv and self.srv.running():
            return
        self.srv = Proc(in_netns(self.netns, [IPERF3, '-s', '-B', LOOPBACK4,
                                              '-p', str(IPERF_PORT)],
                                 'nobody'))
        wait_until(lambda: listening(in_netns(self.netns, []), IPERF_PORT),
                   5, f'iperf3 server in {self.netns}')

    def server_restart(self):
        if self.srv:
            self.srv.stop()
        self.srv = None


def listening(prefix, port, proto='t'):
    """Something listens on TCP (proto 't') or UDP ('u') port"""
    rc, out, _ = run(prefix + ['ss', f'-H{proto}ln', f'sport = :{port}'])
    return rc == 0 and out.strip() != ''


# ---------------------------------------------------------------------------
# The tools

class Tool:
    """One tool attached to nobody's 'unshare -rUn sleep' in its own HOST"""

    key = name = ''
    ns_addr = HOST4		# NS's IPv4 address once configured

    def __init__(self, topo):
        self.topo = topo
        self.tmp = os.path.join(TMP, self.key)
        os.makedirs(self.tmp, exist_ok=True)
        os.chown(self.tmp, NOBODY, NOBODY)
        self.ns = self.proc = None
        self.fwd = None		# None: forwarding works, else why not
        self.starts = 0
        self.up = False

    def version(self):
        raise NotImplementedError

    def argv(self, pid, fwd):
        raise NotImplementedError

    def after_start(self):
        pass

    def stop(self):
        for p in (self.proc, self.ns):
            if p:
                p.stop()
        self.proc = self.ns = None

    def start(self):
        """(Re)start target namespace and tool; BenchError if it fails"""
        self.stop()
        self.up = False
        self.starts += 1
        self.ns = Proc(in_netns(self.topo.host,
                                ['unshare', '-rUn', 'sleep', 'infinity'],
                                'nobody'))
        wait_until(lambda: self._ns_ready(), 5, 'unshare -rUn sleep')
        pid = self.ns.pid
        for k, v in (('net.ipv6.conf.all.accept_dad', 0),
                     ('net.ipv6.conf.default.accept_dad', 0),
                     ('net.ipv4.tcp_tw_reuse', 1),
                     ('net.ipv4.ip_local_port_range', '1024 65535')):
            run(in_pidns(pid, sysctl_argv(k, v), user=None), check=True)

        want_fwd = self.fwd is None
        self.proc = Proc(in_netns(self.topo.host, self.argv(pid, want_fwd),
                                  'nobody'))
        try:
            self._wait_configured()
        except BenchError as e:
            out = self.proc.output
            if want_fwd and self.fwd_optional and NA_RE.search(out):
                # Forwarding not there yet: start again without it
                self.fwd = 'n/a (not supported yet)'
                self.fwd_error = tail(out, 3)
                return self.start()
            raise BenchError(f'{self.name} did not come up: {e}\n'
                             f'{" ".join(self.proc.argv)}\n'
                             f'{tail(out, 8)}')
        self.after_start()
        # TCP through it works: a short warm-up against REMOTE's echo server
        def warm():
            try:
                return run(self.in_ns([TCP_CRR, '-c', SERVER4, '-p',
                                       str(ECHO_PORT), '-t', '0.3']),
                           timeout=3)[0] == 0
            except BenchError:
                return False
        wait_until(warm, 10, f'TCP from {self.name} NS to {SERVER4}', 0.2)
        self.up = True

    def _ns_ready(self):
        try:
            return (os.readlink(f'/proc/{self.ns.pid}/ns/net') !=
                    os.readlink(f'/proc/{os.getpid()}/ns/net') and
                    open(f'/proc/{self.ns.pid}/comm').read().strip() ==
                    'sleep')
        except OSError:
            return False

    def _wait_configured(self):
        def ok():
            if not self.proc.running():
                raise BenchError(f'exited with status '
                                 f'{self.proc.p.returncode}')
            rc, out, _ = run(self.in_ns(['ip', '-j', '-4', 'addr'], None))
            if rc or f'"{self.ns_addr}"' not in out:
                return False
            rc, out, _ = run(self.in_ns(['ip', '-4', 'route', 'show',
                                         'default'], None))
            return rc == 0 and 'default' in out
        wait_until(ok, 10, f'{self.name}: address {self.ns_addr} and '
                   'default route in NS', 0.1)

    def in_ns(self, cmd, user='nobody'):
        return in_pidns(self.ns.pid, cmd, user)

    def alive(self):
        return self.proc is not None and self.proc.running() and \
            self.ns is not None and self.ns.running()


class Pasta(Tool):
    fwd_optional = True

    def __init__(self, topo, key, name, path, extra):
        self.key, self.name, self.path, self.extra = key, name, path, extra
        super().__init__(topo)

    def version(self):
        rc, out, err = run([self.path, '--version'])
        line = (out or err).strip().splitlines()[0] if (out or err) else '?'
        if self.path == DEBIAN_PASTA:
            rc, v, _ = run(['dpkg-query', '-W', '-f=${Version}', 'passt'])
            line += f' (Debian package passt {v.strip()})'
        return f'{line}  [{self.path}]'

    def argv(self, pid, fwd):
        # Everything explicit: no automatic forwarding (the default of both
        # ours and Debian's is 'auto' for -t, -u, -T, -U), no UDP ports
        a = [self.path, '--config-net', '-f']
        if fwd:
            a += ['-t', str(IPERF_PORT), '-T', str(SPLICE_PORT)]
        else:
            a += ['-t', 'none', '-T', 'none']
        return a + ['-u', 'none', '-U', 'none'] + self.extra + [str(pid)]

    # Spliced rows: the -t port from HOST's loopback, the -T port from NS's
    lo_dst = LOOPBACK4

    @property
    def lo_fwd(self):
        return self.fwd


class Slirp(Tool):
    key, name = 'slirp', 'slirp4netns'
    ns_addr = SLIRP_GUEST4
    fwd_optional = False

    def version(self):
        rc, out, err = run([SLIRP, '--version'])
        lines = out.strip().splitlines()
        return ', '.join(lines[:3:2] if len(lines) >= 3 else lines) + \
            f'  [{SLIRP}]'

    def argv(self, pid, fwd):
        self.api = os.path.join(self.tmp, 'slirp.sock')
        if os.path.exists(self.api):
            os.unlink(self.api)
        # No --disable-host-loopback: its gateway (SLIRP_GW4) leads to HOST's
        # loopback, the path that stands in for pasta's -T (rows 11a, 11b)
        return [SLIRP, '--configure', '--mtu=65520', f'--cidr={SLIRP_CIDR}',
                f'--api-socket={self.api}', str(pid), 'tap0']

    # No splice: NS reaches HOST's loopback through its gateway address
    lo_dst = SLIRP_GW4
    lo_fwd = None

    def after_start(self):
        # Port 5201 on HOST's address (rows 3a, 3b), and on HOST's
        # 127.0.0.1 (rows 10a, 10b: pasta's spliced path, slirp's stack)
        self.fwd = self.hostfwd(HOST4)
        self.lo_fwd = self.hostfwd(LOOPBACK4)

    def hostfwd(self, host_addr):
        """add_hostfwd on the API socket: None, or why it failed"""
        req = {'execute': 'add_hostfwd',
               'arguments': {'proto': 'tcp', 'host_addr': host_addr,
                             'host_port': IPERF_PORT,
                             'guest_addr': SLIRP_GUEST4,
                             'guest_port': IPERF_PORT}}
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(self.api)
            s.sendall(json.dumps(req).encode())
            s.shutdown(socket.SHUT_WR)
            resp = b''
            while True:
                d = s.recv(4096)
                if not d:
                    break
                resp += d
        except OSError as e:
            raise BenchError(f'slirp4netns API: {e}')
        finally:
            s.close()
        r = json.loads(resp or b'{}')
        if 'return' not in r:
            return (f'add_hostfwd {host_addr}:{IPERF_PORT} failed: '
                    f'{resp.decode(errors="replace")}')
        return None


# ---------------------------------------------------------------------------
# Measurements: each returns a number, or raises BenchError

def iperf3_client(argv_prefix, dst, reverse, secs, port=IPERF_PORT):
    a = argv_prefix + [IPERF3, '-c', dst, '-p', str(port), '-t',
                       str(secs), '-O', '1', '-J']
    if reverse:
        a.append('-R')
    try:
        rc, out, err = run(a, timeout=secs + 15)
    except BenchError:
        raise BenchError(f'iperf3 {"-R " if reverse else ""}did not finish '
                         f'within {secs + 15} s (transfer stalled?): '
                         f'{" ".join(a[a.index(IPERF3):])}')
    try:
        j = json.loads(out)
    except ValueError:
        raise BenchError(f'iperf3 exit {rc}: {tail(out + err, 4)}')
    if 'error' in j:
        raise BenchError(f'iperf3: {j["error"]}')
    try:
        bps = j['end']['sum_received']['bits_per_second']
        retr = j['end']['sum_sent'].get('retransmits')
    except KeyError:
        raise BenchError(f'iperf3: no result (exit {rc})')
    if rc:
        raise BenchError(f'iperf3 exit {rc}')
    return bps / 1e9, f'{retr} retransmits' if retr is not None else ''


def remote_iperf(tool, reverse, secs):
    """iperf3 from NS to REMOTE; a failed test can leave the server busy"""
    try:
        return iperf3_client(tool.in_ns([]), SERVER4, reverse, secs)
    except BenchError:
        tool.topo.start_servers()
        raise


def row_tcp_out(tool, secs):
    return remote_iperf(tool, False, secs)


def row_tcp_in(tool, secs):
    return remote_iperf(tool, True, secs)


def fwd_server(tool):
    """iperf3 -s in NS (as nobody), started once a tool instance"""
    if getattr(tool, 'fwd_srv_for', None) is not tool.proc:
        srv = Proc(tool.in_ns([IPERF3, '-s', '-p', str(IPERF_PORT)]))
        wait_until(lambda: listening(tool.in_ns([], None), IPERF_PORT), 5,
                   'iperf3 server in NS')
        tool.fwd_srv, tool.fwd_srv_for = srv, tool.proc
    if not tool.fwd_srv.running():
        raise BenchError(f'iperf3 server in NS exited: '
                         f'{tail(tool.fwd_srv.output, 3)}')


def fwd_iperf(tool, reverse, secs):
    """iperf3 from REMOTE to HOST's forwarded port, server in NS"""
    if tool.fwd and tool.fwd.startswith('n/a'):
        raise NotApplicable(tool.fwd)
    if tool.fwd:
        raise BenchError(tool.fwd)
    fwd_server(tool)
    try:
        return iperf3_client(in_netns(tool.topo.remote, [], 'nobody'),
                             HOST4, reverse, secs)
    except BenchError:
        tool.fwd_srv.stop()		# busy with the failed test: restart
        tool.fwd_srv_for = None
        raise


def row_fwd_in(tool, secs):
    return fwd_iperf(tool, False, secs)


def row_fwd_out(tool, secs):
    return fwd_iperf(tool, True, secs)


def tap_bytes(tool):
    """Bytes received and sent by NS's interfaces but lo (the tap device)"""
    try:
        with open(f'/proc/{tool.ns.pid}/net/dev') as f:
            lines = f.read().splitlines()[2:]
    except (OSError, AttributeError):
        return None
    n = 0
    for line in lines:
        name, data = line.split(':', 1)
        if name.strip() != 'lo':
            v = data.split()
            n += int(v[0]) + int(v[8])
    return n


def via_tap(tool, fn):
    """Run fn(), add to its info how much went through NS's tap device

    A spliced connection doesn't touch it: a few kB (the tool's own
    traffic, ARP, NDP) in a cell of gigabytes, against all of it otherwise.
    """
    before = tap_bytes(tool)
    v, info = fn()
    after = tap_bytes(tool)
    if before is not None and after is not None:
        info = ', '.join(x for x in (info, f'{(after - before) / 1e6:.1f} MB '
                                     f'through tap') if x)
    return v, info


def splice_t_iperf(tool, reverse, secs):
    """iperf3 from HOST's loopback to the -t port, server in NS

    pasta splices it to NS (ours: to NS's own address, Debian's: to NS's
    loopback); slirp4netns has no splice: its add_hostfwd on 127.0.0.1 takes
    the connection through its TCP stack and tap0 instead.
    """
    if tool.lo_fwd and tool.lo_fwd.startswith('n/a'):
        raise NotApplicable(tool.lo_fwd)
    if tool.lo_fwd:
        raise BenchError(tool.lo_fwd)
    fwd_server(tool)
    try:
        return via_tap(tool, lambda: iperf3_client(
            in_netns(tool.topo.host, [], 'nobody'), LOOPBACK4, reverse,
            secs))
    except BenchError:
        tool.fwd_srv.stop()
        tool.fwd_srv_for = None
        raise


def row_splice_t_in(tool, secs):
    return splice_t_iperf(tool, False, secs)


def row_splice_t_out(tool, secs):
    return splice_t_iperf(tool, True, secs)


def splice_T_iperf(tool, reverse, secs):
    """iperf3 from NS to the -T port on its loopback, server on HOST's

    slirp4netns has no -T: NS reaches HOST's loopback through slirp's
    gateway address instead (no --disable-host-loopback), its TCP stack
    and tap0, the closest it has.
    """
    if tool.fwd and tool.fwd.startswith('n/a'):
        raise NotApplicable(tool.fwd)
    tool.topo.lo_server()
    try:
        v, info = via_tap(tool, lambda: iperf3_client(
            tool.in_ns([]), tool.lo_dst, reverse, secs, SPLICE_PORT))
    except BenchError:
        tool.topo.lo_server_restart()
        raise
    if tool.lo_dst != LOOPBACK4:
        info = ', '.join(x for x in (f'to {tool.lo_dst}', info) if x)
    return v, info


def row_splice_T_out(tool, secs):
    return splice_T_iperf(tool, False, secs)


def row_splice_T_in(tool, secs):
    return splice_T_iperf(tool, True, secs)


def row_loopback(base, secs):
    """iperf3 client and server in one namespace over 127.0.0.1, no tool"""
    base.server()
    try:
        return iperf3_client(in_netns(base.netns, [], 'nobody'), LOOPBACK4,
                             False, secs)
    except BenchError:
        base.server_restart()
        raise


def c_client(tool, prog, key, secs):
    rc, out, err = run(tool.in_ns([prog, '-c', SERVER4, '-p',
                                   str(ECHO_PORT), '-t', str(secs)]),
                       timeout=secs + 15)
    m = re.search(rf'{key}=([0-9.]+)', out)
    if rc or not m:
        raise BenchError(f'{os.path.basename(prog)} exit {rc}: '
                         f'{tail(out + err, 3)}')
    return float(m.group(1))


def row_rr(tool, secs):
    v = c_client(tool, TCP_RR, 'rr_per_s', secs)
    return v, f'{1e6 / v:.1f} us a round trip' if v else ''


def row_crr(tool, secs):
    return c_client(tool, TCP_CRR, 'crr_per_s', secs)


def row_udp_out(tool, secs):
    """iperf3 -u -b 0 from NS to REMOTE: the receiver's rate, and loss

    No -O here: iperf3 3.12 counts datagrams of the omitted second as lost.
    """
    a = tool.in_ns([IPERF3, '-c', SERVER4, '-p', str(IPERF_PORT), '-u',
                    '-b', '0', '-l', str(UDP_LEN), '-t', str(secs), '-J'])
    try:
        rc, out, err = run(a, timeout=secs + 15)
    except BenchError:
        tool.topo.start_servers()
        raise BenchError(f'iperf3 -u did not finish within {secs + 15} s: '
                         f'{" ".join(a[a.index(IPERF3):])}')
    try:
        j = json.loads(out)
    except ValueError:
        tool.topo.start_servers()
        raise BenchError(f'iperf3 -u exit {rc}: {tail(out + err, 4)}')
    if 'error' in j:
        tool.topo.start_servers()
        raise BenchError(f'iperf3 -u: {j["error"]}')
    try:
        recv = j['end']['sum_received']
        sent = j['end']['sum_sent']
    except KeyError:
        raise BenchError(f'iperf3 -u: no result (exit {rc})')
    if rc:
        raise BenchError(f'iperf3 -u exit {rc}')
    return recv['bits_per_second'] / 1e9, \
        (f'{recv["lost_percent"]:.1f}% lost, sent '
         f'{sent["bits_per_second"] / 1e9:.2f} Gbit/s')


def row_udp_rr(tool, secs):
    rc, out, err = run(tool.in_ns([UDP_RR, '-c', SERVER4, '-p',
                                   str(ECHO_PORT), '-t', str(secs)]),
                       timeout=secs + 15)
    m = re.search(r'rr_per_s=([0-9.]+) count=\d+ lost=(\d+)', out)
    if rc or not m:
        raise BenchError(f'udp_rr exit {rc}: {tail(out + err, 3)}')
    v = float(m.group(1))
    return v, (f'{1e6 / v:.1f} us a round trip' if v else '') + \
        f', {m.group(2)} retries'


PING_RE = re.compile(r'(\d+) packets transmitted, (\d+) received.*?'
                     r'time (\d+)ms.*?= ([0-9.]+)/([0-9.]+)/([0-9.]+)', re.S)


def row_ping(tool, secs):
    """ping -c PINGS -i 0 from NS to REMOTE: echo round trips a second

    As root in NS (a non-root user can't go below -i 0.002); NS's ping
    comes out of each tool as an ICMP echo socket in HOST, whose
    ping_group_range the topology opens up. Not time-boxed by --seconds:
    PINGS round trips, whatever that takes (-w 20 caps it).
    """
    rc, out, err = run(tool.in_ns(['ping', '-c', str(PINGS), '-i', '0',
                                   '-q', '-W', '1', '-w', '20', SERVER4],
                                  None), timeout=30)
    m = PING_RE.search(out)
    if not m:
        raise BenchError(f'ping exit {rc}: {tail(out + err, 3)}')
    tx, rx, avg = int(m.group(1)), int(m.group(2)), float(m.group(5))
    if not rx:
        raise BenchError(f'ping: no replies: {tail(out + err, 3)}')
    return 1e3 / avg, f'avg rtt {avg * 1e3:.0f} us, {tx - rx}/{tx} lost'


class NotApplicable(Exception):
    pass


ROWS = [
    ('1  TCP NS -> REMOTE (iperf3)', 'Gbit/s', row_tcp_out),
    ('2  TCP REMOTE -> NS (iperf3 -R)', 'Gbit/s', row_tcp_in),
    ('3a TCP fwd REMOTE -> NS (:5201)', 'Gbit/s', row_fwd_in),
    ('3b TCP fwd NS -> REMOTE (:5201, -R)', 'Gbit/s', row_fwd_out),
    ('4  TCP_RR 1 byte, NS -> REMOTE', 'trans/s', row_rr),
    ('5  TCP_CRR conn/1B/close, NS -> REMOTE', 'conn/s', row_crr),
    (f'6  UDP NS -> REMOTE (iperf3 -u -b 0 -l {UDP_LEN})', 'Gbit/s',
     row_udp_out),
    ('7  UDP_RR 1 byte, NS -> REMOTE', 'trans/s', row_udp_rr),
    (f'8  ICMP echo, NS -> REMOTE (ping -c {PINGS} -i 0)', 'echo/s',
     row_ping),
    # Row 9 is the baseline of rows 10a to 11b, measured once, with no tool
    ('9  TCP 127.0.0.1 -> 127.0.0.1, no tool', 'Gbit/s', row_loopback),
    (f'10a TCP HOST lo -> NS, -t {IPERF_PORT} (splice)', 'Gbit/s',
     row_splice_t_in),
    (f'10b TCP NS -> HOST lo, -t {IPERF_PORT} -R (splice)', 'Gbit/s',
     row_splice_t_out),
    (f'11a TCP NS lo -> HOST lo, -T {SPLICE_PORT} (splice)', 'Gbit/s',
     row_splice_T_out),
    (f'11b TCP HOST lo -> NS lo, -T {SPLICE_PORT} -R (splice)', 'Gbit/s',
     row_splice_T_in),
]
BASELINE_ROW = '9'
SPLICE_ROWS = ('10a', '10b', '11a', '11b')


# ---------------------------------------------------------------------------
# Report

def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or '?'


def fmt(v, unit):
    if isinstance(v, float):
        return f'{v:.2f}' if unit == 'Gbit/s' else f'{v:,.0f}'
    return v


def ratio(a, b):
    if isinstance(a, float) and isinstance(b, float) and b > 0:
        return f'{a / b:.2f}'
    return '-'


MAX_STARTS = 3


def ensure_running(t, label, notes):
    """Restart a tool that exited (or never came up), up to MAX_STARTS"""
    if t.alive():
        return
    if t.starts >= MAX_STARTS:
        raise BenchError(f'not running, gave up after {t.starts} starts')
    if t.proc and t.up:
        notes.append(f'{t.name} was not running before row '
                     f'{label.split()[0]} (exit {t.proc.p.returncode}): '
                     f'{tail(t.proc.output, 4)}; restarting')
    t.start()


def print_cost_table(rows, results, keys, names, ratios, title, footer):
    """A table of ours against variants of ours (same binary, options) from
    the same run: values, then each variant's ratio to ours"""
    hdr = ['', 'unit', 'ours'] + names + ratios
    tab = []
    for label, unit, fn in rows:
        if label.split()[0] == BASELINE_ROW:
            continue
        o = results.get((label, 'ours'), '-')
        vals = [results.get((label, k), '-') for k in keys]
        tab.append([label, unit, fmt(o, unit)] +
                   [fmt(v, unit) for v in vals] + [ratio(v, o) for v in vals])
    w = [max(len(str(r[i])) for r in tab + [hdr]) for i in range(len(hdr))]
    line = lambda r: '  '.join(str(c).ljust(w[i]) if i < 2
                               else str(c).rjust(w[i])
                               for i, c in enumerate(r))
    print()
    print(title)
    print(line(hdr))
    print('  '.join('-' * x for x in w))
    for r in tab:
        print(line(r))
    print()
    print(footer)


def egress_1k_rules():
    """1,000 egress rules, none of which refuses the benchmark's flows, and
    which make the lookup work: 25 prefix lengths (IPv4 /8 to /32) of
    198.51.100.0/24's neighbourhood (not covering SERVER4, 203.0.113.1),
    /32 rules for other addresses of SERVER4's /24, one rule on SERVER4
    itself for ports the rows don't use, TCP, UDP and ICMP rules, IPv6
    rules, and a few allows; deterministic"""
    import ipaddress
    import random
    rnd = random.Random(1000)
    a = ['--egress-deny', f'{SERVER4}:tcp:1-1000']
    n = 1
    base = int(ipaddress.IPv4Address('198.51.100.0'))
    while n < 700:
        ln = 8 + n % 25
        net = ipaddress.IPv4Network(
            (base ^ rnd.getrandbits(32 - 8) & ((1 << 24) - 1), ln),
            strict=False)
        proto = ['', ':tcp', ':udp', ':icmp'][n % 4]
        a += ['--egress-deny' if n % 10 else '--egress-allow',
              f'{net}{proto}']
        n += 1
    srv = ipaddress.IPv4Address(SERVER4)
    for i in range(2, 202):
        a += ['--egress-deny', f'{srv + i}']
        n += 1
    while n < 1000:
        a += ['--egress-deny', f'[2001:db8:{n:x}::]/{32 + n % 97}']
        n += 1
    return a


def main():
    ap = argparse.ArgumentParser(description='side-by-side benchmark: '
                                 'our pasta, Debian pasta, slirp4netns')
    ap.add_argument('--pasta', default=os.environ.get(
        'PASTA_BIN', os.path.join(REPO, 'pasta')),
        help='our pasta (default: ./pasta of the repository)')
    ap.add_argument('--seconds', type=float, default=5)
    ap.add_argument('--reps', type=int, default=1)
    ap.add_argument('--tools',
                    default='ours,iso,egress,egress1k,debian,slirp')
    ap.add_argument('--rows', default=','.join(r[0].split()[0]
                                               for r in ROWS))
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit('bench: run as root (it builds network namespaces)')
    ours = os.path.abspath(args.pasta)	# not realpath: ./pasta -> passt
    if not os.access(ours, os.X_OK):
        sys.exit(f'bench: {ours} missing: run make first')
    if not os.path.basename(ours).startswith('pasta'):
        sys.exit(f'bench: {ours}: the name must start with "pasta"')
    if os.path.realpath(ours) == os.path.realpath(DEBIAN_PASTA):
        print(f'bench: warning: {ours} is Debian\'s pasta', file=sys.stderr)
    for b in (DEBIAN_PASTA, SLIRP, IPERF3, TCP_RR, TCP_CRR, UDP_RR,
              EGRESS_LOOKUP):
        if not os.access(b, os.X_OK):
            sys.exit(f'bench: {b} missing: run bench/run.sh')
    secs = args.seconds
    if secs == int(secs):
        secs = int(secs)

    atexit.register(cleanup)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    remove_stale()
    os.makedirs(TMP, mode=0o755, exist_ok=True)
    os.chown(TMP, NOBODY, NOBODY)
    tun_open_for_all()

    t0 = time.monotonic()
    want = args.tools.split(',')
    ids = [r[0].split()[0] for r in ROWS]
    bad = [x for x in args.rows.split(',') if x not in ids]
    if bad:
        sys.exit(f'bench: unknown row(s) {",".join(bad)}: choose from '
                 f'{",".join(ids)}')
    rows = [r for r in ROWS if r[0].split()[0] in args.rows.split(',')]
    tools = []
    if 'ours' in want:
        tools.append(Pasta(Topology('ours'), 'ours', 'ours', ours, []))
    if 'iso' in want:
        tools.append(Pasta(Topology('iso'), 'iso', 'ours isolated', ours,
                           ['--no-map-host']))
    if 'egress' in want:
        tools.append(Pasta(Topology('egp'), 'egress', 'ours private', ours,
                           ['--egress-deny', 'private']))
    if 'egress1k' in want:
        tools.append(Pasta(Topology('eg1k'), 'egress1k', 'ours 1k rules',
                           ours, egress_1k_rules()))
    if 'debian' in want:
        tools.append(Pasta(Topology('deb'), 'debian', 'Debian pasta',
                           DEBIAN_PASTA, []))
    if 'slirp' in want:
        tools.append(Slirp(Topology('slirp')))
    base = Baseline() if any(r[0].split()[0] == BASELINE_ROW
                             for r in rows) else None
    label_w = max([len(r[0]) for r in rows] + [10])

    print('passt/pasta side-by-side benchmark')
    print(f'  date:     {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}')
    print(f'  kernel:   {platform.release()} ({platform.machine()})')
    print(f'  cpu:      {cpu_model()}, {os.cpu_count()} cpus, load average '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())} at start')
    for t in tools:
        print(f'  {t.name + ":":13s} {t.version()}')
    rc, out, _ = run([IPERF3, '--version'])
    print(f'  {"iperf3:":13s} {out.splitlines()[0] if out else "?"}')
    print(f'  each cell:  {secs} s'
          + (f', median of {args.reps}' if args.reps > 1 else '')
          + ' (iperf3: 1 s warm-up omitted), IPv4, MTU 65520')
    print(flush=True)

    notes = []
    for t in tools:
        try:
            t.start()
        except BenchError as e:
            notes.append(f'{t.name}: {e}')
            print(f'  ! {t.name}: {tail(str(e), 4)}', file=sys.stderr)
        if t.fwd and t.fwd_optional:
            print(f'  {t.name}: -t {IPERF_PORT} -T {SPLICE_PORT}: {t.fwd}: '
                  f'{getattr(t, "fwd_error", "")}', file=sys.stderr)

    results = {}
    for label, unit, fn in rows:
        for t in [base] if label.split()[0] == BASELINE_ROW else tools:
            cell = None
            vals, info = [], []
            for _ in range(args.reps):
                try:
                    ensure_running(t, label, notes)
                    v = fn(t, secs)
                    if isinstance(v, tuple):
                        v, inf = v
                        info.append(inf)
                    vals.append(v)
                except NotApplicable as e:
                    cell = str(e)
                    break
                except BenchError as e:
                    msg = str(e)
                    if t.proc and not t.alive() and \
                       'did not come up' not in msg:
                        msg += (f'\n{t.name} exited ({t.proc.p.returncode})'
                                f': {tail(t.proc.output, 4)}')
                    cell = 'error'
                    notes.append(f'row {label.split()[0]}, {t.name}: '
                                 f'{tail(msg, 8)}')
                    break
            if cell is None:
                cell = statistics.median(vals)
            results[(label, t.key)] = cell
            shown = fmt(cell, unit)
            print(f'  {label:{label_w}s} {t.name:13s} {shown} '
                  f'{unit if isinstance(cell, float) else ""}'
                  f'{"  (" + "; ".join(info) + ")" if any(info) else ""}',
                  flush=True)
            time.sleep(0.5)

    # The table
    hdr = ['', 'unit', 'ours', 'Debian pasta', 'slirp4netns',
           'ours/pasta', 'ours/slirp']
    table = []
    for label, unit, fn in rows:
        if label.split()[0] == BASELINE_ROW:
            continue
        o, d, s = (results.get((label, k), '-')
                   for k in ('ours', 'debian', 'slirp'))
        table.append([label, unit, fmt(o, unit), fmt(d, unit), fmt(s, unit),
                      ratio(o, d), ratio(o, s)])
    w = [max(len(str(r[i])) for r in table + [hdr])
         for i in range(len(hdr))]
    line = lambda r: '  '.join(str(c).ljust(w[i]) if i < 2
                               else str(c).rjust(w[i])
                               for i, c in enumerate(r))
    print()
    if table:
        print(line(hdr))
        print('  '.join('-' * x for x in w))
        for r in table:
            print(line(r))
        print()
        print('Higher is better everywhere; ratios > 1 mean ours is faster.')

    # The cost of host isolation: the same binary, with --no-map-host
    if 'ours' in want and 'iso' in want:
        print_cost_table(
            rows, results, ['iso'], ['ours isolated'], ['isolated/ours'],
            'Host isolation (ours with --no-map-host: a route lookup for '
            'each new flow), same run:', 'isolated/ours: 1.00 means no cost.')

    # The cost of the egress policy: the same binary, with rules
    if 'ours' in want and ('egress' in want or 'egress1k' in want):
        print_cost_table(
            rows, results, ['egress', 'egress1k'], ['private', '1k rules'],
            ['private/ours', '1k/ours'],
            'Egress policy (ours with --egress-deny private, and with 1,000 '
            'egress rules), same run:',
            'x/ours: 1.00 means no cost; row 5 (TCP_CRR) decides once per '
            'connection.')
        print(f'The decision alone, for TCP to {SERVER4}:{ECHO_PORT} '
              f'(bench/build/egress_lookup, CPU time):')
        for name, rules in (('no rules', []),
                            ('private', ['--egress-deny', 'private']),
                            ('1k rules', egress_1k_rules())):
            rc, out, err = run([EGRESS_LOOKUP] + rules +
                               [SERVER4, str(ECHO_PORT)])
            print(f'  {name:9s} {(out or err).strip()}')

    # The spliced rows against the loopback baseline of the same run
    blabel = [r[0] for r in rows if r[0].split()[0] == BASELINE_ROW]
    srows = [r for r in rows if r[0].split()[0] in SPLICE_ROWS]
    if blabel:
        b = results.get((blabel[0], 'lo'), '-')
        print()
        print(f'Baseline, row {BASELINE_ROW} (iperf3 client and server in '
              f'one namespace over {LOOPBACK4}, no tool: the limit of this '
              f'machine, same run): {fmt(b, "Gbit/s")}'
              f'{" Gbit/s" if isinstance(b, float) else ""}')
        if srows:
            bhdr = ['', 'ours', 'Debian pasta', 'slirp4netns', 'loopback',
                    'ours/lo', 'pasta/lo', 'slirp/lo']
            bt = []
            for label, unit, fn in srows:
                o, d, sl = (results.get((label, k), '-')
                            for k in ('ours', 'debian', 'slirp'))
                bt.append([label, fmt(o, unit), fmt(d, unit), fmt(sl, unit),
                           fmt(b, unit), ratio(o, b), ratio(d, b),
                           ratio(sl, b)])
            bw = [max(len(str(r[i])) for r in bt + [bhdr])
                  for i in range(len(bhdr))]
            bline = lambda r: '  '.join(str(c).ljust(bw[i]) if i < 1
                                        else str(c).rjust(bw[i])
                                        for i, c in enumerate(r))
            print()
            print(bline(bhdr))
            print('  '.join('-' * x for x in bw))
            for r in bt:
                print(bline(r))
            print()
            print('Gbit/s; x/lo: fraction of the loopback baseline (1.00: as '
                  'fast as plain loopback).')
            if 'slirp' in want:
                print(f'slirp4netns has no splice: 10a/10b go through its '
                      f'add_hostfwd on {LOOPBACK4}, 11a/11b to its gateway '
                      f'{SLIRP_GW4} (HOST\'s loopback), both through its '
                      f'TCP stack and tap0.')
    if any(results.get((label, 'ours')) == 'n/a (not supported yet)'
           for label, _, _ in rows):
        print(f'ours: -t {IPERF_PORT} not supported yet: '
              f'{tail(getattr(tools[0], "fwd_error", ""), 1)}')
    if notes:
        print('\nErrors:')
        for n in notes:
            print('  - ' + n.replace('\n', '\n    '))
    print(f'\nload average at end: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'total time: {time.monotonic() - t0:.0f} s')
    cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())

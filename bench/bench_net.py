#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench_net.py - bench/bench.py's constants, processes, namespaces and
# tools: running things and cleaning up after them, the topology of each
# tool (HOST, REMOTE and their servers), the tools (ours, base, Debian's
# pasta, slirp4netns, veth) and their CPU time. See bench/bench.py.

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
BUILD = os.path.join(REPO, 'bench', 'build')
sys.path.insert(0, os.path.join(REPO, 'tools'))
import tunmode  # noqa: E402
TCP_RR = os.path.join(BUILD, 'tcp_rr')
TCP_CRR = os.path.join(BUILD, 'tcp_crr')
EGRESS_LOOKUP = os.path.join(BUILD, 'egress_lookup')
UDP_RR = os.path.join(BUILD, 'udp_rr')
ATTACH_TIME = os.path.join(BUILD, 'attach_time')
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
SERVER6 = '2001:db8:3::1'
HOST_MAC, REMOTE_MAC = '02:00:00:00:02:02', '02:00:00:00:02:01'
SLIRP_CIDR = '198.51.100.0/24'
SLIRP_GUEST4 = '198.51.100.100'
# veth: NS's own link to HOST (HOST routes)
VETH_NET4, VETH_HOST4, VETH_NS4 = ('198.51.100.128/25', '198.51.100.129',
                                   '198.51.100.130')
VETH_NET6, VETH_HOST6, VETH_NS6 = ('2001:db8:2::/64', '2001:db8:2::1',
                                   '2001:db8:2::2')
VETH_MTU = 65520
RESOLV_CONF = (f'nameserver {REMOTE4}\nnameserver {REMOTE6}\n'
               'search example.org test.example\n')

IPERF_PORT = 5201	# iperf3 in REMOTE, and forwarded to NS
SPLICE_PORT = 5202	# iperf3 on HOST's 127.0.0.1, pasta -T 5202 in NS
START_PORTS = (5401, 5402)	# -t, -T of the instances row 12 starts
LOOPBACK4 = '127.0.0.1'
SLIRP_GW4 = '198.51.100.2'	# slirp4netns' gateway: HOST's loopback
ECHO_PORT = 5300	# tcp_rr -s (TCP) and udp_rr -s (UDP) in REMOTE
UDP_LEN = 1400		# iperf3 -u datagram: no fragmentation on the veth
UDP_RATE = '1G'		# row 6r: iperf3 -u -b UDP_RATE
PINGS = 200		# ICMP echo row: ping -c PINGS -i 0
STARTS = 3		# rows 12, 13: starts a round
BIMODAL = 0.8		# slowest round below BIMODAL x median: flagged
CELL_GAP = 0.2		# seconds between two cells
GIB = 1 << 30
BASELINE_ROW = '9'	# no tool: the limit of the spliced rows
SPLICE_ROWS = ('10a', '10b', '11a', '11b')

TMP = os.path.join(tempfile.gettempdir(), f'{SESSION}-tmp')

NA_RE = re.compile(r'unrecognized|invalid option|unknown option|'
                   r'not (yet )?(implemented|supported)', re.I)
DASH = '–'		# not applicable to this tool

_procs = []
_running = []		# run()'s children, killed by cleanup() if interrupted
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
    _running.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        killpg(p)
        out, err = p.communicate()
        raise BenchError(f'timeout ({timeout}s): {" ".join(argv)}\n'
                         f'{out}{err}'.strip())
    finally:
        if p in _running:
            _running.remove(p)
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


def session_alive(prefix, pid):
    """The session that named things prefix<pid> still runs: for ours, pid
    is a bench.py (not a reused pid of a run killed outright), for others
    (the integration tests' 'pstit'), pid exists"""
    if not pid_alive(pid):
        return False
    if prefix != PREFIX:
        return True
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return b'bench.py' in f.read()
    except OSError:
        return False


def remove_stale():
    """Leftovers of benchmark runs that were killed outright"""
    r = re.compile(rf'^{PREFIX}(\d+)-')
    for ns in ns_list():
        m = r.match(ns)
        if m and not session_alive(PREFIX, int(m.group(1))):
            ns_delete(ns)
    for d in ('/etc/netns', tempfile.gettempdir()):
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            m = r.match(name)
            if m and not session_alive(PREFIX, int(m.group(1))) and \
               not name.endswith('-tunmode'):
                shutil.rmtree(os.path.join(d, name), ignore_errors=True)


def tun_open_for_all():
    """chmod 0666 /dev/net/tun for the run (tools/tunmode.py)"""
    tunmode.open_for_all(PREFIX, session_alive)


def tun_restore():
    tunmode.restore(PREFIX, session_alive)


_cleaned = [False]


def cleanup():
    if _cleaned[0]:
        return
    _cleaned[0] = True
    for p in list(_running):
        killpg(p)
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
                f'ip addr add {SERVER6}/128 dev lo nodad',
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
        self.iperf = self.iperf6 = self.echo = self.uecho = None
        self.start_servers()

    def start_servers(self):
        """(Re)start iperf3 -s (IPv4, IPv6) and the echo servers in REMOTE"""
        for p in (self.iperf, self.iperf6, self.echo, self.uecho):
            if p:
                p.stop()
        # Bound to SERVER4 (iperf3 -B, udp_rr -b): a UDP reply must come
        # from the address the client sent to, not REMOTE4, which routing
        # would pick as source (connected sockets drop it otherwise)
        self.iperf = Proc(in_netns(self.remote, [IPERF3, '-s', '-B', SERVER4,
                                                 '-p', str(IPERF_PORT)],
                                   'nobody'))
        self.iperf6 = Proc(in_netns(self.remote, [IPERF3, '-s', '-B', SERVER6,
                                                  '-p', str(IPERF_PORT)],
                                    'nobody'))
        self.echo = Proc(in_netns(self.remote, [TCP_RR, '-s',
                                                str(ECHO_PORT)], 'nobody'))
        self.uecho = Proc(in_netns(self.remote, [UDP_RR, '-s',
                                                 str(ECHO_PORT), '-b',
                                                 SERVER4], 'nobody'))
        for port, proto, addr in ((IPERF_PORT, 't', SERVER4),
                                  (IPERF_PORT, 't', f'[{SERVER6}]'),
                                  (ECHO_PORT, 't', None),
                                  (ECHO_PORT, 'u', None)):
            wait_until(lambda: listening(in_netns(self.remote, []), port,
                                         proto, addr), 5,
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

    def supports(self, row):
        return None if row.rid == BASELINE_ROW else DASH

    def cpu_ticks(self):
        return None

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


def listening(prefix, port, proto='t', addr=None):
    """Something listens on TCP (proto 't') or UDP ('u') port (on addr,
    as ss prints it, if given)"""
    rc, out, _ = run(prefix + ['ss', f'-H{proto}ln', f'sport = :{port}'])
    if addr:
        return rc == 0 and f' {addr}:{port} ' in f' {out} '.replace('\n',
                                                                   ' ')
    return rc == 0 and out.strip() != ''


# ---------------------------------------------------------------------------
# CPU time of a process tree

CLK_TCK = os.sysconf('SC_CLK_TCK')


def proc_stat(pid):
    """(ppid, utime + stime + cutime + cstime in ticks) of pid, or None

    /proc/PID/stat of a process counts all its threads, live and exited;
    cutime and cstime, its children that exited and were waited for.
    """
    try:
        with open(f'/proc/{pid}/stat') as f:
            s = f.read()
    except OSError:
        return None
    v = s[s.rindex(')') + 2:].split()	# comm may hold spaces
    return int(v[1]), sum(int(x) for x in v[11:15])


def tree_ticks(root):
    """CPU ticks of root and all its descendants, None if root is gone"""
    stats = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                stats[int(name)] = st
    if root not in stats:
        return None
    tree, grew = {root}, True
    while grew:
        new = {p for p, (pp, _) in stats.items()
               if pp in tree and p not in tree}
        tree |= new
        grew = bool(new)
    return sum(stats[p][1] for p in tree)


# ---------------------------------------------------------------------------
# The tools

class Tool:
    """One tool attached to nobody's 'unshare -rUn sleep' in its own HOST"""

    key = name = ''
    ns_addr = HOST4		# NS's IPv4 address once configured
    peer = False		# Debian's pasta or slirp4netns: 'best peer'

    def __init__(self, topo):
        self.topo = topo
        self.tmp = os.path.join(TMP, self.key)
        os.makedirs(self.tmp, exist_ok=True)
        os.chown(self.tmp, NOBODY, NOBODY)
        self.ns = self.proc = None
        self.fwd = None		# None: forwarding works, else why not
        self.starts = 0
        self.up = False
        self.rep = 0
        self.startup_cache = {}
        self.v6_for = None

    def version(self):
        raise NotImplementedError

    def argv(self, pid, fwd, ports=(IPERF_PORT, SPLICE_PORT), api=None):
        raise NotImplementedError

    def supports(self, row):
        """None if the row applies to this tool, else what the cell shows"""
        return None

    def after_start(self):
        pass

    def stop(self):
        for p in (self.proc, self.ns):
            if p:
                p.stop()
        self.proc = self.ns = None

    def cpu_ticks(self):
        """CPU ticks of the tool's processes so far, None if not running"""
        return tree_ticks(self.proc.pid) if self.proc else None

    def new_ns(self):
        """nobody's 'unshare -rUn sleep' in HOST, the sysctls of every NS"""
        ns = Proc(in_netns(self.topo.host,
                           ['unshare', '-rUn', 'sleep', 'infinity'],
                           'nobody'))
        try:
            wait_until(lambda: ns_ready(ns), 5, 'unshare -rUn sleep')
            for k, v in (('net.ipv6.conf.all.accept_dad', 0),
                         ('net.ipv6.conf.default.accept_dad', 0),
                         ('net.ipv4.tcp_tw_reuse', 1),
                         ('net.ipv4.ip_local_port_range', '1024 65535')):
                run(in_pidns(ns.pid, sysctl_argv(k, v), user=None),
                    check=True)
        except BenchError:
            ns.stop()
            raise
        return ns

    def start(self):
        """(Re)start target namespace and tool; BenchError if it fails"""
        self.stop()
        self.up = False
        self.starts += 1
        self.ns = self.new_ns()
        pid = self.ns.pid

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
        self.wait_tcp()

    def wait_tcp(self):
        """TCP through it works: a short warm-up against REMOTE's echo
        server"""
        def warm():
            try:
                return run(self.in_ns([TCP_CRR, '-c', SERVER4, '-p',
                                       str(ECHO_PORT), '-t', '0.3']),
                           timeout=3)[0] == 0
            except BenchError:
                return False
        wait_until(warm, 10, f'TCP from {self.name} NS to {SERVER4}', 0.2)
        self.up = True

    def wait_v6(self):
        """NS has a global IPv6 address and an IPv6 default route (once an
        instance)"""
        if self.v6_for is self.ns:
            return

        def ok():
            rc, out, _ = run(self.in_ns(['ip', '-6', 'route', 'show',
                                         'default'], None))
            if rc or 'default' not in out:
                return False
            rc, out, _ = run(self.in_ns(['ip', '-6', 'addr', 'show',
                                         'scope', 'global', '-tentative'],
                                        None))
            return rc == 0 and 'inet6' in out
        wait_until(ok, 5, f'{self.name}: IPv6 address and default route in '
                   'NS', 0.1)
        self.v6_for = self.ns

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

    def startup(self):
        """STARTS starts of another instance, each attached to a fresh NS:
        ([ms until usable], [kiB of VmRSS then], processes), once a round"""
        if self.rep in self.startup_cache:
            return self.startup_cache[self.rep]
        ms, kib, procs = [], [], 0
        log = os.path.join(self.tmp, 'startup.log')
        for i in range(STARTS):
            ns = self.new_ns()
            try:
                argv = self.argv(ns.pid, self.fwd is None, START_PORTS,
                                 os.path.join(self.tmp, 'start.sock'))
                rc, out, err = run(in_netns(self.topo.host, [
                    ATTACH_TIME, '-n', str(ns.pid), '-a', self.ns_addr,
                    '-d', SERVER4, '-p', str(ECHO_PORT), '-u', str(NOBODY),
                    '-l', log, '-w', '10', '--'] + argv), timeout=20)
            finally:
                ns.stop()
            m = re.search(r'ready_ms=([0-9.]+) rss_kib=(\d+) procs=(\d+)',
                          out)
            if rc or not m:
                try:
                    with open(log) as f:
                        toolout = f.read()
                except OSError:
                    toolout = ''
                raise BenchError(f'attach_time exit {rc}: '
                                 f'{tail(out + err, 3)}\n'
                                 f'{" ".join(argv)}\n{tail(toolout, 4)}')
            ms.append(float(m.group(1)))
            kib.append(int(m.group(2)))
            procs = max(procs, int(m.group(3)))
        self.startup_cache[self.rep] = (ms, kib, procs)
        return ms, kib, procs


def ns_ready(ns):
    """ns (a Proc: unshare -rUn sleep) is in a network namespace of its own"""
    try:
        return (os.readlink(f'/proc/{ns.pid}/ns/net') !=
                os.readlink(f'/proc/{os.getpid()}/ns/net') and
                open(f'/proc/{ns.pid}/comm').read().strip() == 'sleep')
    except OSError:
        return False


class Pasta(Tool):
    fwd_optional = True

    def __init__(self, topo, key, name, path, extra, peer=False):
        self.key, self.name, self.path, self.extra = key, name, path, extra
        self.peer = peer
        super().__init__(topo)

    def version(self):
        rc, out, err = run([self.path, '--version'])
        line = (out or err).strip().splitlines()[0] if (out or err) else '?'
        if self.path == DEBIAN_PASTA:
            rc, v, _ = run(['dpkg-query', '-W', '-f=${Version}', 'passt'])
            line += f' (Debian package passt {v.strip()})'
        return f'{line}  [{self.path}]'

    def argv(self, pid, fwd, ports=(IPERF_PORT, SPLICE_PORT), api=None):
        # Everything explicit: no automatic forwarding (the default of both
        # ours and Debian's is 'auto' for -t, -u, -T, -U), no UDP ports
        a = [self.path, '--config-net', '-f']
        if fwd:
            a += ['-t', str(ports[0]), '-T', str(ports[1])]
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
    peer = True

    def version(self):
        rc, out, err = run([SLIRP, '--version'])
        lines = out.strip().splitlines()
        return ', '.join(lines[:3:2] if len(lines) >= 3 else lines) + \
            f'  [{SLIRP}]'

    def supports(self, row):
        if row.v6:
            return DASH	# --enable-ipv6: fd00::/64 only, see the header
        return None

    def argv(self, pid, fwd, ports=None, api=None):
        if api is None:
            api = self.api = os.path.join(self.tmp, 'slirp.sock')
        if os.path.exists(api):
            os.unlink(api)
        # No --disable-host-loopback: its gateway (SLIRP_GW4) leads to HOST's
        # loopback, the path that stands in for pasta's -T (rows 11a, 11b)
        return [SLIRP, '--configure', '--mtu=65520', f'--cidr={SLIRP_CIDR}',
                f'--api-socket={api}', str(pid), 'tap0']

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


class Veth(Tool):
    """No tool: NS has a veth pair to HOST, and HOST routes (the kernel's
    limit for the rows where it means something)"""

    key, name = 'veth', 'veth'
    ns_addr = VETH_NS4
    fwd_optional = False
    ROWS = ('1', '2', '1v6', '2v6', '4', '5', '6', '6r', '7', '8')

    def version(self):
        return (f'veth pair NS-HOST, MTU {VETH_MTU}, HOST forwards to '
                f'REMOTE (kernel {platform.release()})')

    def supports(self, row):
        return None if row.rid in self.ROWS else DASH

    def cpu_ticks(self):
        return None	# the kernel's work: no process to charge

    def alive(self):
        return self.ns is not None and self.ns.running()

    def start(self):
        self.stop()
        self.up = False
        self.starts += 1
        self.ns = self.new_ns()
        pid, h, r = self.ns.pid, self.topo.host, self.topo.remote
        run(['ip', '-n', h, 'link', 'del', 'v0'])	# of an earlier NS
        run(['ip', '-n', h, 'link', 'add', 'v0', 'mtu', str(VETH_MTU),
             'type', 'veth', 'peer', 'name', 'n0', 'mtu', str(VETH_MTU),
             'netns', str(pid)], check=True)
        for c in (f'ip addr add {VETH_HOST4}/25 dev v0',
                  f'ip addr add {VETH_HOST6}/64 dev v0 nodad',
                  'ip link set v0 up'):
            run(in_netns(h, c.split()), check=True)
        for k in ('net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'):
            run(in_netns(h, sysctl_argv(k, 1)), check=True)	# HOST only
        for c in (f'ip route replace {VETH_NET4} via {HOST4}',
                  f'ip -6 route replace {VETH_NET6} via {HOST6}'):
            run(in_netns(r, c.split()), check=True)
        for c in ('ip link set lo up',
                  f'ip addr add {VETH_NS4}/25 dev n0',
                  f'ip addr add {VETH_NS6}/64 dev n0 nodad',
                  'ip link set n0 up',
                  f'ip route add default via {VETH_HOST4}',
                  f'ip -6 route add default via {VETH_HOST6}'):
            run(self.in_ns(c.split(), None), check=True)
        self.wait_tcp()

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hermetic namespace topology and helpers for the passt / pasta integration
# tests. Run as root: root builds the topology, passt and pasta themselves
# run unprivileged (nobody:nogroup), the way rootless Podman runs them.
#
#  ┌─────────────────────────┐       ┌─────────────────────────────────────┐
#  │ REMOTE pstit<pid>-remote│ veth  │ HOST  pstit<pid>-host               │
#  │                         │       │                                     │
#  │ r0 192.0.2.1/24         ├───────┤ h0 192.0.2.2/24   02:00:00:00:02:02 │
#  │    2001:db8:1::1/64     │       │    2001:db8:1::2/64                 │
#  │    fe80::1/64           │       │ default via 192.0.2.1               │
#  │    02:00:00:00:02:01    │       │ default via 2001:db8:1::1           │
#  │ lo up                   │       │ lo up                               │
#  └─────────────────────────┘       │ /etc/netns/<HOST>/resolv.conf:      │
#                                    │   nameserver 192.0.2.1              │
#                                    │   nameserver 2001:db8:1::1          │
#                                    │   search example.org test.example   │
#                                    │                                     │
#                                    │ pasta (as nobody)                   │
#                                    │   └─ new user+net ns: tap h0, lo    │
#                                    │ passt (as nobody) ── SOCK (tmp dir) │
#                                    └─────────────────┬───────────────────┘
#                                                      │ UNIX stream socket:
#                                                      │ 4-byte BE length,
#                                                      │ Ethernet frame
#                                    ┌─────────────────┴───────────────────┐
#                                    │ GUEST pstit<pid>-g<n> (one a test)  │
#                                    │ tap_relay g0 SOCK (root)            │
#                                    │ g0 02:00:00:00:0a:02                │
#                                    │    udhcpc / SLAAC / dhclient -6     │
#                                    └─────────────────────────────────────┘
#
# A second pair, pstit<pid>-host6ll / pstit<pid>-remote6ll, is the same but
# with HOST's IPv6 default route via REMOTE's link-local address fe80::1.
#
# Nothing here touches the init namespace's interfaces, routes or resolver:
# everything is built in namespaces named after this pytest process, and
# torn down at the end of the session, also on failures. Stale namespaces of
# dead sessions (same prefix, pid not running) are removed first.

import atexit
import ipaddress
import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tools'))
import tunmode  # noqa: E402
TUN = tunmode.TUN
PASST = os.environ.get('PASST_BIN', os.path.join(REPO, 'passt'))
PASST_DIR, PASST_NAME = os.path.split(os.path.abspath(PASST))
# passt -> pasta, passt.asan -> pasta.asan
PASTA = os.path.join(PASST_DIR, 'pasta' + PASST_NAME[len('passt'):])
# The test-only build: the real seccomp filter, and switches that make it act
# as on other kernels (PASST_TEST_* in the environment)
SELFTEST_PASST = os.path.join(REPO, 'build', 'test', 'passt-selftest')
SELFTEST_PASTA = os.path.join(REPO, 'build', 'test', 'pasta-selftest')
TAP_RELAY = os.path.join(REPO, 'build', 'helpers', 'tap_relay')

PREFIX = 'pstit'
SESSION = f'{PREFIX}{os.getpid()}'
NOBODY_UID = 65534
NOBODY_GID = 65534

# Addresses: documentation ranges only
REMOTE4 = '192.0.2.1'
HOST4 = '192.0.2.2'
PREFIX4 = 24
REMOTE6 = '2001:db8:1::1'
HOST6 = '2001:db8:1::2'
PREFIX6 = 64
NET6 = '2001:db8:1::/64'
REMOTE_LL = 'fe80::1'
HOST_MAC = '02:00:00:00:02:02'
REMOTE_MAC = '02:00:00:00:02:01'
GUEST_MAC = '02:00:00:00:0a:02'
DNS = [REMOTE4, REMOTE6]
SEARCH = ['example.org', 'test.example']
DEFAULT_MTU = 65520

RESOLV_CONF = (f'nameserver {REMOTE4}\n'
               f'nameserver {REMOTE6}\n'
               f'search {" ".join(SEARCH)}\n')

SANITIZER_RE = re.compile(r'ERROR: AddressSanitizer|ERROR: LeakSanitizer|'
                          r'runtime error:|SUMMARY: UndefinedBehavior')

_procs = []		# every Proc started, stopped at the end of the session
_namespaces = []	# every namespace created, deleted at the end


# ---------------------------------------------------------------------------
# Running things

def setpriv_nobody():
    """Prefix dropping to nobody:nogroup, no supplementary groups or caps"""
    return ['setpriv', f'--reuid={NOBODY_UID}', f'--regid={NOBODY_GID}',
            '--clear-groups', '--inh-caps=-all', '--']


def ns_argv(ns, cmd, user=None):
    """argv running cmd in network namespace ns, as root or nobody

    'ip netns exec' also bind-mounts /etc/netns/NS/resolv.conf over
    /etc/resolv.conf, so that the namespace sees its own resolver.
    """
    argv = ['ip', 'netns', 'exec', ns]
    if user == 'nobody':
        argv += setpriv_nobody()
    elif user is not None:
        raise ValueError(f'unknown user {user}')
    return argv + list(cmd)


def _env(extra=None):
    """The environment of the commands tests run: ours, in the C locale,
    without PYTHONUNBUFFERED: unbuffered, print() writes each of its parts
    with a write() of its own, and another process's line on the same pipe
    (pasta's log, next to its command's output) can land in the middle of
    a line a test waits for"""
    env = dict(os.environ)
    env.pop('PYTHONUNBUFFERED', None)
    env.setdefault('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')
    env['LC_ALL'] = 'C'
    if extra:
        env.update(extra)
    return env


def run(argv, timeout=20, check=False, input=None, env=None, pass_fds=()):
    """Run argv to completion, stdout and stderr as text

    On timeout, the whole process group is killed and the test fails with
    whatever the command printed so far.
    """
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         stdin=subprocess.PIPE if input is not None
                         else subprocess.DEVNULL,
                         text=True, errors='replace', env=_env(env),
                         start_new_session=True, pass_fds=pass_fds)
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(p)
        out, err = p.communicate()
        pytest.fail(f'timeout ({timeout}s): {" ".join(argv)}\n'
                    f'stdout:\n{out}\nstderr:\n{err}')
    res = subprocess.CompletedProcess(argv, p.returncode, out, err)
    check_sanitizers(out + err, ' '.join(argv))
    if check and res.returncode:
        pytest.fail(f'exit {res.returncode}: {" ".join(argv)}\n'
                    f'stdout:\n{out}\nstderr:\n{err}')
    return res


def run_in(ns, cmd, user=None, **kw):
    """Run cmd (list) in namespace ns as root or user='nobody'"""
    return run(ns_argv(ns, cmd, user), **kw)


def check_sanitizers(text, what):
    """Fail the test if a sanitizer report shows up in the output"""
    m = SANITIZER_RE.search(text or '')
    if m:
        pytest.fail(f'sanitizer report from {what}:\n{text}')


def _killpg(p, sig=signal.SIGKILL):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Proc:
    """A background process: output (stdout + stderr) collected by a thread

    Started in its own session, so that stop() can end it together with its
    children by process group.
    """

    def __init__(self, argv, pass_fds=(), env=None, stdin_pipe=False):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.PIPE if stdin_pipe
                                  else subprocess.DEVNULL,
                                  env=_env(env), start_new_session=True,
                                  pass_fds=pass_fds)
        self.pid = self.p.pid
        self._buf = b''
        self._cond = threading.Condition()
        self._eof = False
        self._t = threading.Thread(target=self._reader, daemon=True)
        self._t.start()
        _procs.append(self)

    def _reader(self):
        while True:
            data = self.p.stdout.read1(65536)
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._buf += data
                self._cond.notify_all()

    @property
    def output(self):
        with self._cond:
            return self._buf.decode(errors='replace')

    def wait_output(self, regex, timeout=5):
        """Wait until regex matches the output so far, return the match"""
        deadline = time.monotonic() + timeout
        r = re.compile(regex)
        with self._cond:
            while True:
                m = r.search(self._buf.decode(errors='replace'))
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    break
                self._cond.wait(left)
        pytest.fail(f'no /{regex}/ in output of {" ".join(self.argv)} '
                    f'within {timeout}s (exit: {self.p.poll()}):\n'
                    f'{self.output}')

    def write(self, text):
        """Write to the standard input (stdin_pipe=True), unbuffered"""
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def running(self):
        return self.p.poll() is None

    def wait(self, timeout):
        """Exit status, or None if still running after timeout seconds"""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._t.join(2)
        return rc

    def signal(self, sig):
        if self.running():
            self.p.send_signal(sig)

    def stop(self, timeout=3):
        """SIGTERM, then SIGKILL to the whole group; return exit status"""
        if self.running():
            _killpg(self.p, signal.SIGTERM)
            if self.wait(timeout) is None:
                _killpg(self.p, signal.SIGKILL)
        else:
            # Leftover children in the group, if any
            _killpg(self.p, signal.SIGKILL)
        rc = self.p.wait()
        self._t.join(2)
        return rc


def spawn_in(ns, cmd, user=None, **kw):
    """Start cmd (list) in the background in namespace ns"""
    return Proc(ns_argv(ns, cmd, user), **kw)


def wait_until(pred, timeout=5, interval=0.05, what='condition'):
    """Poll pred() until it returns a true value, which is returned"""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail(f'timeout ({timeout}s) waiting for {what}')
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Small parsers and address helpers

def ip_json(ns, *args):
    """Parsed output of 'ip -j ARGS' in namespace ns (as root)"""
    res = run_in(ns, ['ip', '-j'] + list(args), check=True)
    return json.loads(res.stdout or '[]')


def addrs_of(addr_json, ifname=None, family=None, scope=None):
    """['addr/prefixlen', ...] out of 'ip -j addr' output"""
    out = []
    for link in addr_json:
        if ifname and link.get('ifname') != ifname:
            continue
        for a in link.get('addr_info', []):
            if family and a.get('family') != family:
                continue
            if scope and a.get('scope') != scope:
                continue
            if 'local' not in a:	# ip -j prints {} for filtered ones
                continue
            out.append(f"{a['local']}/{a['prefixlen']}")
    return out


def link_of(addr_json, ifname):
    """The entry for ifname in 'ip -j addr/link' output, or None"""
    for link in addr_json:
        if link.get('ifname') == ifname:
            return link
    return None


def default_gateways(route_json):
    return [r.get('gateway') for r in route_json if r.get('dst') == 'default']


def eui64_addr(prefix, mac):
    """SLAAC address (modified EUI-64) for mac in prefix (a /64)"""
    b = bytes(int(x, 16) for x in mac.split(':'))
    iid = bytes([b[0] ^ 2]) + b[1:3] + b'\xff\xfe' + b[3:6]
    net = ipaddress.IPv6Network(prefix)
    return str(net.network_address + int.from_bytes(iid, 'big'))


def parse_kv(path):
    """KEY=VALUE lines of a file into a dict"""
    d = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if '=' in line:
                k, v = line.split('=', 1)
                d[k] = v.strip("'")
    return d


# ---------------------------------------------------------------------------
# Client scripts, run inside the namespace under test

def udhcpc_script(path, out, apply=False):
    """Write a udhcpc event script recording the lease to out

    With apply, it also configures address and default route, like a
    distribution's default.script would.
    """
    apply_cmds = ''
    if apply:
        apply_cmds = '''
	ip addr add "$ip/$subnet" dev "$interface"
	for r in $router; do
		ip route add default via "$r" dev "$interface"
		break
	done'''
    text = f'''#!/bin/sh
# udhcpc event script: record what the server told us
case "$1" in
bound|renew)
	{{
		echo "ip=$ip"
		echo "subnet=$subnet"
		echo "router=$router"
		echo "dns=$dns"
		echo "domain=$domain"
		echo "search=$search"
		echo "mtu=$mtu"
		echo "serverid=$serverid"
		echo "lease=$lease"
	}} > "{out}.tmp"
	mv "{out}.tmp" "{out}"{apply_cmds}
	;;
esac
exit 0
'''
    write_file(path, text, 0o755)


def udhcpc_cmd(ifname, script, tries=3):
    """udhcpc: foreground, quit once bound, give up after tries seconds"""
    return (f'busybox udhcpc -i {ifname} -f -q -n -t {tries} -T 1 -A 1 '
            f'-O search -O mtu -s {script}')


def neigh_snippet(ifname, addrs, out, timeout=2):
    """Shell lines: make the kernel resolve addrs on ifname, dump neighbours

    A ping to each address triggers ARP or NDP; the neighbour table is
    polled until every address has a link-layer address (or timeout), so
    this doesn't wait for echo replies.
    """
    pings = ''.join(f'ping -c1 -W{timeout} {a} > /dev/null 2>&1 &\n'
                    f'pids="$pids $!"\n' for a in addrs)
    conds = ' && '.join(f'ip neigh show dev {ifname} {a} | grep -q lladdr'
                        for a in addrs)
    return f'''
pids=
{pings}i=0
until {{ {conds}; }} || [ $i -ge {timeout * 20} ]; do
	sleep 0.05
	i=$((i + 1))
done
ip -j neigh show dev {ifname} > {out}
kill $pids 2>/dev/null
wait
true
'''


def load_neigh(path):
    """{address: lladdr} out of an 'ip -j neigh' dump"""
    with open(path) as f:
        return {n['dst']: n.get('lladdr') for n in json.load(f)}


def dhclient6_files(tmp):
    """Write dhclient config and script; return the argument string"""
    cf = os.path.join(tmp, 'dhclient6.conf')
    sf = os.path.join(tmp, 'dhclient6.sh')
    out = os.path.join(tmp, 'dhcpv6.env')
    write_file(cf, 'request dhcp6.name-servers, dhcp6.domain-search;\n')
    write_file(sf, f'''#!/bin/sh
# dhclient script: record the environment of the first binding
case "$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
	env | sort > "{out}.tmp"
	mv "{out}.tmp" "{out}"
	;;
esac
exit 0
''', 0o755)
    lf = os.path.join(tmp, 'dhclient6.leases')
    pf = os.path.join(tmp, 'dhclient6.pid')
    return out, f'-cf {cf} -lf {lf} -pf {pf} -sf {sf}'


def dhclient6_snippet(tmp, ifname, timeout=6):
    """Shell lines: run dhclient -6 until it binds (or timeout), stop it"""
    out, args = dhclient6_files(tmp)
    return out, f'''
dhclient -6 -1 -d -v {args} {ifname} > {tmp}/dhclient6.log 2>&1 &
dpid=$!
i=0
while [ ! -s {out} ] && [ $i -lt {timeout * 10} ]; do
	sleep 0.1
	i=$((i + 1))
done
kill $dpid 2>/dev/null
wait $dpid 2>/dev/null
true
'''


def split_names(v):
    """dhclient's list values: 'a. b.' or '"a.","b."' -> ['a', 'b']"""
    return [x.strip('"').rstrip('.') for x in re.split(r'[\s,]+', v or '')
            if x.strip('"')]


def write_file(path, text, mode=0o644, owner_nobody=True):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)
    if owner_nobody:
        os.chown(path, NOBODY_UID, NOBODY_GID)


# ---------------------------------------------------------------------------
# Topology

def _ns_list():
    res = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                         text=True)
    return [line.split()[0] for line in res.stdout.splitlines() if line]


def _pid_alive(pid):
    return os.path.exists(f'/proc/{pid}')


def ns_delete(ns):
    """Kill what runs in ns, delete it and its /etc/netns directory"""
    res = subprocess.run(['ip', 'netns', 'pids', ns], capture_output=True,
                         text=True)
    for pid in res.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
    shutil.rmtree(f'/etc/netns/{ns}', ignore_errors=True)


def remove_stale():
    """Remove namespaces and temp dirs of dead sessions with our prefix"""
    r = re.compile(rf'^{PREFIX}(\d+)-')
    for ns in _ns_list():
        m = r.match(ns)
        if m and not _pid_alive(int(m.group(1))):
            ns_delete(ns)
    for d in ('/etc/netns', tempfile.gettempdir()):
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            m = r.match(name)
            if m and not _pid_alive(int(m.group(1))):
                shutil.rmtree(os.path.join(d, name), ignore_errors=True)


def ns_create(ns, resolv=None):
    if ns in _ns_list():
        ns_delete(ns)
    subprocess.run(['ip', 'netns', 'add', ns], check=True)
    _namespaces.append(ns)
    if resolv is not None:
        os.makedirs(f'/etc/netns/{ns}', exist_ok=True)
        with open(f'/etc/netns/{ns}/resolv.conf', 'w') as f:
            f.write(resolv)
    sh_ns(ns, 'ip link set lo up')
    # No DAD: addresses usable at once, no waiting in tests
    sysctl(ns, 'net.ipv6.conf.all.accept_dad', 0)
    sysctl(ns, 'net.ipv6.conf.default.accept_dad', 0)


def sysctl(ns, key, value):
    path = '/proc/sys/' + key.replace('.', '/')
    run_in(ns, ['sh', '-c', f'echo {value} > {path}'], check=True)


def sh_ns(ns, cmdline):
    """Run a list of 'ip ...' lines as root inside ns"""
    for line in cmdline.strip().splitlines():
        line = line.strip()
        if line:
            run_in(ns, line.split(), check=True)


class Topology:
    """HOST and REMOTE namespaces connected by a veth pair"""

    def __init__(self, tag, ll_gw=False):
        self.host = f'{SESSION}-host{tag}'
        self.remote = f'{SESSION}-remote{tag}'
        self.ll_gw = ll_gw
        self.gw6 = REMOTE_LL if ll_gw else REMOTE6
        ns_create(self.remote)
        ns_create(self.host, RESOLV_CONF)
        for ns in (self.host, self.remote):
            sysctl(ns, 'net.ipv6.conf.all.accept_ra', 0)
            sysctl(ns, 'net.ipv6.conf.default.accept_ra', 0)
        # Unprivileged ICMP echo sockets, as distributions set it up
        sysctl(self.host, 'net.ipv4.ping_group_range', '0 2147483647')

        run(['ip', '-n', self.host, 'link', 'add', 'h0', 'address',
             HOST_MAC, 'type', 'veth', 'peer', 'name', 'r0', 'netns',
             self.remote, 'address', REMOTE_MAC], check=True)
        sh_ns(self.remote, f'''
            ip addr add {REMOTE4}/{PREFIX4} dev r0
            ip addr add {REMOTE6}/{PREFIX6} dev r0 nodad
            ip addr add {REMOTE_LL}/64 dev r0 nodad
            ip link set r0 up
        ''')
        sh_ns(self.host, f'''
            ip addr add {HOST4}/{PREFIX4} dev h0
            ip addr add {HOST6}/{PREFIX6} dev h0 nodad
            ip link set h0 up
            ip route add default via {REMOTE4} dev h0
            ip -6 route add default via {self.gw6} dev h0
        ''')

    def check(self):
        """Readiness: both families answer across the veth"""
        for dst in (REMOTE4, REMOTE6):
            wait_until(lambda: run_in(self.host, ['ping', '-c1', '-W1',
                                                  dst]).returncode == 0,
                       timeout=10, interval=0.1,
                       what=f'{dst} reachable from {self.host}')


# ---------------------------------------------------------------------------
# Session cleanup, also on failures and interruptions

def _cleanup():
    while _procs:
        p = _procs.pop()
        try:
            p.stop(timeout=1)
        except Exception:
            pass
    while _namespaces:
        ns_delete(_namespaces.pop())
    _tun_restore()
    shutil.rmtree(_tmp_base, ignore_errors=True)


_tmp_base = os.path.join(tempfile.gettempdir(), f'{SESSION}-tmp')


def _session_alive(prefix, pid):
    """Session prefix<pid> (ours, or the bench's 'pstbench') still runs"""
    return _pid_alive(pid)


def _tun_open_for_all():
    """chmod /dev/net/tun 0666 for the session (tools/tunmode.py)"""
    tunmode.open_for_all(PREFIX, _session_alive)


def _tun_restore():
    tunmode.restore(PREFIX, _session_alive)


atexit.register(_cleanup)


@pytest.fixture(scope='session', autouse=True)
def session_env():
    if os.geteuid() != 0:
        pytest.exit('integration tests need root (to build namespaces)', 2)
    remove_stale()
    os.makedirs(_tmp_base, mode=0o755, exist_ok=True)
    _tun_open_for_all()
    try:
        yield
    finally:
        _cleanup()


@pytest.fixture(scope='session')
def topo(session_env):
    t = Topology('')
    t.check()
    return t


@pytest.fixture(scope='session')
def topo_ll(session_env):
    """Like topo, IPv6 default gateway is REMOTE's link-local fe80::1"""
    t = Topology('6ll', ll_gw=True)
    t.check()
    return t


_tmp_count = [0]


@pytest.fixture
def tmp(session_env):
    """Per-test directory, writable by nobody, readable by root"""
    _tmp_count[0] += 1
    d = os.path.join(_tmp_base, f't{_tmp_count[0]}')
    os.makedirs(d, mode=0o755)
    os.chown(d, NOBODY_UID, NOBODY_GID)
    yield d


@pytest.fixture(autouse=True)
def _stop_test_procs():
    """Stop background processes a test started, scan them for sanitizers"""
    before = len(_procs)
    yield
    mine = _procs[before:]
    del _procs[before:]
    for p in mine:
        p.stop(timeout=2)
    for p in mine:
        check_sanitizers(p.output, ' '.join(p.argv))


_guest_count = [0]


@pytest.fixture
def guest(session_env):
    """A fresh GUEST namespace (passt tests), deleted after the test"""
    _guest_count[0] += 1
    ns = f'{SESSION}-g{_guest_count[0]}'
    ns_create(ns)
    yield ns
    ns_delete(ns)
    if ns in _namespaces:
        _namespaces.remove(ns)


# ---------------------------------------------------------------------------
# Our binaries

def require_binaries():
    for b in (PASST, PASTA):
        if not os.access(b, os.X_OK):
            pytest.fail(f'{b} missing: run make (or make asan) first')


def passt_argv(*args):
    return [PASST] + list(args)


def pasta_argv(*args):
    return [PASTA] + list(args)


def start_passt(topo, tmp, *args, sock=None, wait=True, exe=None, env=None):
    """passt -f -s SOCK ARGS as nobody in HOST; wait for its socket. exe:
    another build (the test-only one, say), env: its environment"""
    require_binaries()
    sock = sock or os.path.join(tmp, 'passt.sock')
    argv = passt_argv('-f', '-s', sock, *args)
    p = spawn_in(topo.host, [exe or argv[0]] + argv[1:], user='nobody',
                 env=env)
    p.sock = sock
    if wait:
        wait_until(lambda: _is_socket(sock) or not p.running(), timeout=5,
                   what=f'passt socket {sock}')
        if not p.running():
            pytest.fail(f'passt exited ({p.wait(1)}):\n{p.output}')
    return p


def _is_socket(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def run_pasta(topo, tmp, args, script, timeout=20):
    """pasta ARGS -- sh SCRIPT as nobody in HOST, to completion

    SCRIPT runs inside pasta's new namespace (as root of its user
    namespace); it writes what it finds into files under tmp.
    """
    require_binaries()
    path = os.path.join(tmp, 'cmd.sh')
    write_file(path, '#!/bin/sh\n' + script, 0o755)
    return run_in(topo.host, pasta_argv(*args, '--', '/bin/sh', path),
                  user='nobody', timeout=timeout)


def remote_server_addrs(topo, addr4, addr6):
    """Generator for module fixtures: addr4/32 and addr6/128 on REMOTE's
    loopback while the fixture lives, reachable from HOST"""
    sh_ns(topo.remote, f'''
        ip addr add {addr4}/32 dev lo
        ip addr add {addr6}/128 dev lo nodad
    ''')
    for dst in (addr4, addr6):
        wait_until(lambda: run_in(topo.host, ['ping', '-c1', '-W1', dst]
                                  ).returncode == 0,
                   timeout=5, what=f'{dst} reachable from HOST')
    yield topo
    run_in(topo.remote, ['ip', 'addr', 'del', f'{addr4}/32', 'dev', 'lo'])
    run_in(topo.remote, ['ip', 'addr', 'del', f'{addr6}/128', 'dev', 'lo'])


def wait_link_snippet(ifname, what='global', tries=50):
    """Shell lines: wait (up to tries/10 s) for an address/route on ifname"""
    if what == 'global':
        cond = f'ip -o addr show dev {ifname} scope global | grep -q .'
    elif what == 'default4':
        cond = 'ip -4 route show default | grep -q .'
    elif what == 'default6':
        cond = 'ip -6 route show default | grep -q .'
    else:
        raise ValueError(what)
    return f'''
i=0
until {cond} || [ $i -ge {tries} ]; do
	sleep 0.1
	i=$((i + 1))
done
'''


def start_relay(guest, sock, ifname='g0', mac=GUEST_MAC, mtu=None,
                env=None):
    """tap_relay IFNAME SOCK as root in GUEST; wait for 'ready', link up"""
    if not os.access(TAP_RELAY, os.X_OK):
        pytest.fail(f'{TAP_RELAY} missing: run make helpers')
    r = spawn_in(guest, [TAP_RELAY, ifname, sock], env=env)
    r.wait_output(r'ready', timeout=8)
    cmds = f'ip link set {ifname} address {mac}\n'
    if mtu:
        cmds += f'ip link set {ifname} mtu {mtu}\n'
    cmds += f'ip link set {ifname} up\n'
    sh_ns(guest, cmds)
    return r


# ---------------------------------------------------------------------------
# Frames, for tests talking to passt's socket directly

def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(':'))


def mac_str(b):
    return ':'.join(f'{x:02x}' for x in b)


def arp_request(src_mac, src_ip, dst_ip):
    eth = b'\xff' * 6 + mac_bytes(src_mac) + b'\x08\x06'
    arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1,
                      mac_bytes(src_mac),
                      ipaddress.IPv4Address(src_ip).packed,
                      b'\0' * 6, ipaddress.IPv4Address(dst_ip).packed)
    return eth + arp


def parse_arp(frame):
    """dict for an ARP frame, None for anything else"""
    if len(frame) < 42 or frame[12:14] != b'\x08\x06':
        return None
    (htype, ptype, hlen, plen, op, sha, spa, tha,
     tpa) = struct.unpack('!HHBBH6s4s6s4s', frame[14:42])
    return {'dst': mac_str(frame[0:6]), 'src': mac_str(frame[6:12]),
            'op': op, 'sha': mac_str(sha),
            'spa': str(ipaddress.IPv4Address(spa)), 'tha': mac_str(tha),
            'tpa': str(ipaddress.IPv4Address(tpa))}


def send_frame(s, frame):
    s.sendall(struct.pack('!I', len(frame)) + frame)


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError('stream closed')
        buf += chunk
    return buf


def recv_frame(s):
    (n,) = struct.unpack('!I', recv_exact(s, 4))
    return recv_exact(s, n)


def recv_frames_until(s, pred, timeout=3):
    """Read frames until pred(frame) returns a value, which is returned"""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f'no matching frame in {timeout}s, '
                        f'got {len(seen)}: {[f[:42].hex() for f in seen]}')
        s.settimeout(left)
        try:
            f = recv_frame(s)
        except TimeoutError:
            continue
        seen.append(f)
        v = pred(f)
        if v:
            return v

# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta as a drop-in for rootless Podman 5 and RootlessKit 2/3: the command
# lines they pass, started the way they start pasta, and what they rely on.
# Debian 12's Podman and RootlessKit are too old to call pasta, so this
# module plays their part.
#
# Podman (5.3 to 5.8; 5.0.1-5.2 pass --dns-forward 169.254.0.1 and no
# --map-guest-addr, 5.0.0 --dns none), as uid 0 of its user namespace:
#
#   pasta --config-net [USER OPTIONS] [-t [IP/]H-H:C-C]... [-u ...]...
#         --dns-forward 169.254.1.1 [-t none] [-u none] -T none -U none
#         --no-map-gw --quiet --netns NS --map-guest-addr 169.254.1.2
#
#   Its user namespace: 'unshare --user --mount sleep' run by nobody in
#   HOST (Podman's pause process), with uid and gid maps written by root:
#   0 -> 65534 (nobody) and 1-65536 -> 100000-165535, like a subuid range,
#   so that, as with Podman, nobody (65534) exists in there too, and pasta
#   could wrongly change to it and lose its capabilities (it must stay
#   root of that namespace, an unprivileged user outside). The network
#   namespace of the container is made in there and bind-mounted to NS, a
#   file in a directory of its own, within that mount namespace only: once
#   mounted, no process is left in it, as with Podman. pasta runs through
#   'nsenter -t PAUSE -U -m' (uid 0 in there, every capability, no
#   --userns), as nobody's child in HOST.
#
# RootlessKit (2.3 and later; 2.0-2.2 pass --foreground, --no-dhcp --no-ra
# instead of --config-net, and create the tap device first), as the user
# (nobody) in HOST, argv[0] the bare name "pasta" found through PATH:
#
#   pasta --stderr --ns-ifname=tap0 --mtu=65520 --config-net
#         --address=ADDR --netmask=24 --gateway=GW --dns-forward=DNS
#         [--no-map-gw] [--ipv4-only] --tcp-ports=auto|none
#         --udp-ports=auto|none [--host-lo-to-ns-lo] PID
#
#   (--detach-netns: --userns=/proc/PID/ns/user --netns=STATE/netns instead
#   of PID). Its child is 'unshare -rUnm sleep' run by nobody. RootlessKit's
#   default subnet is a private range; here, the same layout (host .100,
#   gateway .2, DNS .3) in a documentation range: ADDR 203.0.113.100/24, GW
#   203.0.113.2, DNS 203.0.113.3. These addresses exist only inside the
#   namespace pasta configures: GW maps to HOST's loopback, DNS to HOST's
#   resolver (dnsmasq in REMOTE, 192.0.2.1), and nothing is sent to them.
#
# What they rely on, asserted here:
#   - --version, and RootlessKit's probe --host-lo-to-ns-lo --version: 0
#   - Podman's one parsed error: status 1, getopt's "unrecognized option
#     '--map-guest-addr...'" in the output; the retry without the last two
#     arguments works
#   - without -f: pasta returns once the namespace is configured (checked
#     right after, no waiting), its output pipe (stdout and stderr, one
#     pipe, as Go's CombinedOutput) reaches end-of-file promptly, --pid
#     holds the background process, which exits on SIGTERM
#   - it exits when the netns file is unmounted and removed (Podman), when
#     the target PID exits (RootlessKit), when the state directory holding
#     the netns file is removed (RootlessKit --detach-netns)
#   - in the namespace: HOST's addresses and routes (Podman) or the given
#     ones (RootlessKit), MTU, lo up; DNS through the --dns-forward address
#     over UDP and TCP; 169.254.1.2 reaching a server on HOST's address;
#     -t and -u forwards from REMOTE seen with REMOTE's address; a UDP
#     forward used from HOST's 127.0.0.1 answering; --tcp-ports=auto and
#     --udp-ports=auto following a server started later, within 2 s
#
# Mounts: root bind-mounts a netns file in the initial mount namespace for
# --detach-netns only (RootlessKit's state directory must be visible to a
# pasta started from HOST), and removes it in every case.

import json
import os
import selectors
import shutil
import signal
import subprocess
import time

import pytest

import conftest
from conftest import (HOST4, HOST6, NOBODY_UID, PASTA, REMOTE4, REMOTE6,
                      _env, addrs_of, default_gateways, link_of, ns_argv,
                      require_binaries, run, run_in, spawn_in, wait_until,
                      write_file)
from test_dns import ANSWER, NAME, dnsmasq  # noqa: F401
from test_tcp import remote  # noqa: F401

PY = '/usr/bin/python3'

# Podman 5.3+
PODMAN_DNS = '169.254.1.1'
PODMAN_DNS_50 = '169.254.0.1'		# 5.0.1 to 5.2
PODMAN_HOST = '169.254.1.2'		# host.containers.internal

# RootlessKit's layout (x.100, x.2, x.3 of its /24), documentation range
RK_ADDR = '203.0.113.100'
RK_GW = '203.0.113.2'
RK_DNS = '203.0.113.3'

_port = [17000]


def port():
    """A port number not used before in this module"""
    _port[0] += 1
    return _port[0]


# ---------------------------------------------------------------------------
# Servers and clients: one line of output each

TOOL = r'''
import socket, sys

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

cmd, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if cmd == 'tcp-server':		# tell each client its address, close
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print('listening', flush=True)
    while True:
        c, peer = s.accept()
        c.sendall(f'peer {peer[0]}\n'.encode())
        c.close()
elif cmd == 'udp-server':	# answer each datagram with its source
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    print('listening', flush=True)
    while True:
        d, peer = s.recvfrom(2048)
        s.sendto(f'peer {peer[0]}\n'.encode(), peer)
elif cmd == 'tcp-client':
    s = socket.create_connection((addr, port), timeout=5)
    print(s.makefile().readline().strip())
elif cmd == 'udp-client':	# a few tries: the first may race a flow
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.settimeout(0.5)
    for _ in range(6):
        s.sendto(b'hello', (addr, port))
        try:
            print(s.recv(2048).decode().strip())
            break
        except socket.timeout:
            pass
    else:
        sys.exit('no reply')
'''


@pytest.fixture(scope='module')
def tool(session_env):
    d = os.path.join(conftest._tmp_base, 'dropin')
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, 'tool.py')
    write_file(path, TOOL, owner_nobody=False)
    return path


@pytest.fixture(scope='module')
def bare(session_env):
    """A directory with 'pasta', a link to the binary under test, for PATH:
    Go's exec.Command("pasta") runs it with argv[0] the bare name"""
    require_binaries()
    d = os.path.join(conftest._tmp_base, 'dropin-bin')
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    link = os.path.join(d, 'pasta')
    if not os.path.islink(link):
        os.symlink(PASTA, link)
    return {'PATH': f'{d}:/usr/sbin:/usr/bin:/sbin:/bin'}


def T(tool, *args):
    """argv running the tool with args"""
    return [PY, tool] + [str(a) for a in args]


def out_line(res, what):
    assert res.returncode == 0, \
        f'{what}: exit {res.returncode}\n{res.stdout}\n{res.stderr}'
    return res.stdout.strip()


# ---------------------------------------------------------------------------
# Starting pasta as a Go program does: one pipe for stdout and stderr, read
# to end-of-file (exec.Cmd.CombinedOutput), then the exit status

class GoRun:
    """Result of go_run(): rc, out, seconds to end-of-file"""

    def __init__(self, rc, out, secs):
        self.rc, self.out, self.secs = rc, out, secs


def go_run(argv, timeout=10, env=None):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=_env(env), start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    out = b''
    eof = False
    while not eof:
        left = t0 + timeout - time.monotonic()
        if left <= 0:
            break
        if sel.select(left):
            data = os.read(p.stdout.fileno(), 65536)
            out += data
            eof = not data
    secs = time.monotonic() - t0
    sel.close()
    p.stdout.close()
    text = out.decode(errors='replace')
    if not eof:
        conftest._killpg(p)
        p.wait()
        pytest.fail(f'no end-of-file on the output pipe within {timeout}s '
                    f'(exit: {p.poll()}): {" ".join(argv)}\n{text}')
    try:
        rc = p.wait(max(0.1, t0 + timeout - time.monotonic()))
    except subprocess.TimeoutExpired:
        conftest._killpg(p)
        p.wait()
        pytest.fail(f'end-of-file, but no exit: {" ".join(argv)}\n{text}')
    conftest.check_sanitizers(text, ' '.join(argv))
    return GoRun(rc, text, secs)


def pids_of(pred):
    """PIDs of processes whose argv (a list) satisfies pred"""
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/cmdline', 'rb') as f:
                argv = [a.decode(errors='replace')
                        for a in f.read().split(b'\0')[:-1]]
        except OSError:
            continue
        if argv and pred(argv):
            out.append(int(d))
    return out


def alive(pid):
    """Running, not a zombie"""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_gone(pid, timeout, what):
    wait_until(lambda: not alive(pid), timeout=timeout, interval=0.05,
               what=what)


def uid_of(pid):
    """Effective user ID of pid, as the initial user namespace sees it"""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Uid:'):
                return int(line.split()[2])
    return None


def ip_j(prefix, *args):
    res = run(prefix + ['ip', '-j'] + list(args), check=True)
    return json.loads(res.stdout or '[]')


def wait_comm(pid, comm):
    def ok():
        try:
            with open(f'/proc/{pid}/comm') as f:
                return f.read().strip() == comm
        except FileNotFoundError:
            return False
    wait_until(ok, timeout=5, what=f'{comm} as {pid}')


# ---------------------------------------------------------------------------
# Podman: its user namespace and a container's network namespace

class Podman:
    """Rootless Podman's user and mount namespace (the pause process), and
    the network namespace of a container, bind-mounted to self.netns"""

    def __init__(self, topo, tmp):
        self.topo = topo
        d = os.path.join(tmp, 'netns')
        os.mkdir(d)
        os.chown(d, NOBODY_UID, NOBODY_UID)
        self.netns = os.path.join(d, 'netns-dropin')
        self.pause = spawn_in(topo.host, ['unshare', '--user', '--mount',
                                          'sleep', '600'], user='nobody')
        self.pid = self.pause.pid
        wait_comm(self.pid, 'sleep')
        for kind in ('uid', 'gid'):
            with open(f'/proc/{self.pid}/{kind}_map', 'w') as f:
                f.write('0 65534 1\n1 100000 65536\n')
        write_file(self.netns, '')
        # As Podman: a new network namespace in there, pinned by a bind
        # mount only (mount's /proc/self is in the new namespace)
        self.inside(['unshare', '--net', 'mount', '--bind',
                     '/proc/self/ns/net', self.netns], check=True)

    def userns_argv(self, cmd):
        """cmd as uid 0 of Podman's user namespace, its mounts, in HOST"""
        return ns_argv(self.topo.host, ['nsenter', '-t', str(self.pid),
                                        '-U', '-m', '--'] + cmd,
                       user='nobody')

    def inside(self, cmd, **kw):
        return run(self.userns_argv(cmd), **kw)

    def pasta(self, args, timeout=10):
        return go_run(self.userns_argv([PASTA] + args), timeout=timeout)

    def pastas(self):
        return pids_of(lambda a: self.netns in a)

    @property
    def prefix(self):
        """Run a command in the container's namespace (root)"""
        return ['nsenter', '-t', str(self.pid), '-m', '--',
                'nsenter', f'--net={self.netns}', '--']

    def remove_netns(self):
        """Podman's teardown: unmount (MNT_DETACH), remove the file"""
        self.inside(['sh', '-c', f'umount -l {self.netns} && '
                     f'rm {self.netns}'],
                    check=True)

    def close(self):
        kill_all(self.pastas())
        self.pause.stop()


@pytest.fixture
def podman(topo, tmp):
    p = Podman(topo, tmp)
    yield p
    p.close()


def podman_argv(podman, version='5.3', user=(), tcp=(), udp=(), bogus=False):
    """Podman's pasta command line: user options, then port forwards, are
    inserted after --config-net; -t/-u none only without forwards"""
    args = ['--config-net'] + list(user)
    for spec in tcp:
        args += ['-t', spec]
    for spec in udp:
        args += ['-u', spec]
    if version == '5.0.0':
        args += ['--dns', 'none']
    else:
        args += ['--dns-forward',
                 PODMAN_DNS if version >= '5.3' else PODMAN_DNS_50]
    if not tcp:
        args += ['-t', 'none']
    if not udp:
        args += ['-u', 'none']
    args += ['-T', 'none', '-U', 'none', '--no-map-gw', '--quiet',
             '--netns', podman.netns]
    if version >= '5.3':
        args += ['--map-guest-addr-bogus' if bogus else '--map-guest-addr',
                 PODMAN_HOST]
    return args


def podman_setup(podman, args):
    """What Podman does with pasta's result: on status 1 with "unrecognized
    option '--map-guest-addr", retry without the last two arguments (for
    pasta versions before that option). Return (result, attempts)"""
    attempts = []
    while True:
        r = podman.pasta(args)
        attempts.append(r)
        if r.rc == 1 and \
           "unrecognized option '--map-guest-addr" in r.out and \
           len(args) > 2:
            args = args[:-2]
            continue
        return r, attempts


def check_copied_config(prefix, ifname='h0', mtu=65520):
    """HOST's addresses and routes, the MTU, lo up: right now, no waiting"""
    a = ip_j(prefix, 'addr', 'show')
    dev = link_of(a, ifname)
    assert dev, a
    assert 'UP' in dev['flags'] and dev['mtu'] == mtu, dev
    assert 'UP' in link_of(a, 'lo')['flags'], a
    assert f'{HOST4}/24' in addrs_of(a, ifname), a
    assert f'{HOST6}/64' in addrs_of(a, ifname), a
    assert default_gateways(ip_j(prefix, 'route', 'show')) == [REMOTE4]
    assert default_gateways(ip_j(prefix, '-6', 'route', 'show')) == \
        [REMOTE6]


def dig(prefix, server, proto):
    res = run(prefix + ['dig', '+short', '+time=2', '+tries=2',
                        '+tcp' if proto == 'tcp' else '+notcp',
                        f'@{server}', NAME, 'A'], timeout=15)
    return res.stdout.strip()


# ---------------------------------------------------------------------------
# Probes

def test_version_probes(topo, bare):
    """RootlessKit runs 'pasta --version' and, to tell whether the option
    exists, 'pasta --host-lo-to-ns-lo --version': both exit 0"""
    for args in (['--version'], ['--host-lo-to-ns-lo', '--version']):
        res = run_in(topo.host, ['pasta'] + args, user='nobody', env=bare)
        assert res.returncode == 0, res.stdout + res.stderr
        assert res.stdout.startswith('pasta '), res.stdout


def test_podman_unknown_option_retry(podman):
    """Podman parses one error: exit 1 with getopt's "unrecognized option
    '--map-guest-addr..." in the output; it then drops the last two
    arguments and retries, which must work"""
    r, attempts = podman_setup(podman, podman_argv(podman, bogus=True))
    assert len(attempts) == 2, [a.out for a in attempts]
    first = attempts[0]
    assert first.rc == 1, first.out
    assert "unrecognized option '--map-guest-addr-bogus'" in first.out, \
        first.out
    assert r.rc == 0, r.out
    assert r.out == '', r.out		# --quiet
    check_copied_config(podman.prefix)


# ---------------------------------------------------------------------------
# Podman

def test_podman_container(topo, podman, dnsmasq, tool):
    """podman run -p 18080:80 -p 192.0.2.2:18081:81 -p 18082:82/udp, as
    Podman 5.3+ starts pasta for it, from start to teardown"""
    h_tcp, h_tcp_addr, h_udp = port(), port(), port()
    c_tcp, c_tcp_addr, c_udp = 80, 81, 82
    args = podman_argv(podman,
                       tcp=[f'{h_tcp}-{h_tcp}:{c_tcp}-{c_tcp}',
                            f'{HOST4}/{h_tcp_addr}-{h_tcp_addr}:'
                            f'{c_tcp_addr}-{c_tcp_addr}'],
                       udp=[f'{h_udp}-{h_udp}:{c_udp}-{c_udp}'])
    r, attempts = podman_setup(podman, args)
    assert r.rc == 0 and len(attempts) == 1, r.out
    assert r.secs < 5, f'{r.secs:.1f}s to return'
    assert r.out == '', r.out
    check_copied_config(podman.prefix)
    pids = podman.pastas()
    assert len(pids) == 1, pids
    # Still root of Podman's user namespace, that is, nobody outside
    assert uid_of(pids[0]) == NOBODY_UID

    ns = podman.prefix
    # DNS: 169.254.1.1 goes to HOST's resolver, over UDP and TCP
    for proto in ('udp', 'tcp'):
        assert dig(ns, PODMAN_DNS, proto) == ANSWER['A'], proto

    # host.containers.internal: a server on HOST's own address
    p = port()
    srv = spawn_in(topo.host, T(tool, 'tcp-server', HOST4, p))
    srv.wait_output('listening')
    assert out_line(run(ns + T(tool, 'tcp-client', PODMAN_HOST, p)),
                    '169.254.1.2') == f'peer {HOST4}'

    # Forwarded ports: REMOTE's clients seen with their own address
    for c in (c_tcp, c_tcp_addr):
        spawn_in(topo.host, ns + T(tool, 'tcp-server', '0.0.0.0', c)
                 ).wait_output('listening')
    for h in (h_tcp, h_tcp_addr):
        assert out_line(run_in(topo.remote, T(tool, 'tcp-client', HOST4,
                                             h)), f'-t {h}') == \
            f'peer {REMOTE4}'
    spawn_in(topo.host, ns + T(tool, 'udp-server', '0.0.0.0', c_udp)
             ).wait_output('listening')
    assert out_line(run_in(topo.remote, T(tool, 'udp-client', HOST4,
                                         h_udp)), '-u from REMOTE') == \
        f'peer {REMOTE4}'
    # ... and from HOST's loopback, replies come back
    assert out_line(run_in(topo.host, T(tool, 'udp-client', '127.0.0.1',
                                       h_udp), user='nobody'),
                    '-u from 127.0.0.1').startswith('peer ')

    # Teardown: unmount and remove the netns file, pasta follows
    podman.remove_netns()
    wait_gone(pids[0], 3, 'pasta to exit after the netns file went away')


@pytest.mark.parametrize('version', ['5.0.1', '5.0.0'])
def test_podman_older(topo, podman, dnsmasq, version):
    """Podman 5.0.1-5.2: --dns-forward 169.254.0.1, no --map-guest-addr;
    5.0.0: --dns none"""
    r, attempts = podman_setup(podman, podman_argv(podman, version))
    assert r.rc == 0 and len(attempts) == 1, r.out
    check_copied_config(podman.prefix)
    if version == '5.0.1':
        assert dig(podman.prefix, PODMAN_DNS_50, 'udp') == ANSWER['A']
    pids = podman.pastas()
    podman.remove_netns()
    wait_gone(pids[0], 3, 'pasta to exit after the netns file went away')


def test_podman_rootless_netns(podman, tmp):
    """Podman's shared rootless network namespace: --pid FILE, and SIGTERM
    at teardown"""
    pidfile = os.path.join(tmp, 'rootless-netns.pid')
    r, _ = podman_setup(podman, podman_argv(podman,
                                            user=['--pid', pidfile]))
    assert r.rc == 0, r.out
    with open(pidfile) as f:
        pid = int(f.read())
    assert podman.pastas() == [pid]
    os.kill(pid, signal.SIGTERM)
    wait_gone(pid, 3, 'pasta to exit on SIGTERM')


# ---------------------------------------------------------------------------
# RootlessKit

@pytest.fixture
def rk_child(topo):
    """RootlessKit's child: its own user, network and mount namespaces"""
    c = spawn_in(topo.host, ['unshare', '-rUnm', 'sleep', '600'],
                 user='nobody')
    wait_comm(c.pid, 'sleep')
    yield c
    kill_all(rk_pastas(str(c.pid)))
    c.stop()


def rk_argv(target, version='2.3', auto=False, no_map_gw=False,
            host_lo=False, mtu=65520):
    """RootlessKit's pasta arguments; target: PID, or (userns, netns)"""
    args = ['--stderr', '--ns-ifname=tap0', f'--mtu={mtu}']
    if version >= '2.3':
        args += ['--config-net']
    else:
        args = ['--foreground'] + args + ['--no-dhcp', '--no-ra']
    args += [f'--address={RK_ADDR}', '--netmask=24', f'--gateway={RK_GW}',
             f'--dns-forward={RK_DNS}']
    if no_map_gw:
        args += ['--no-map-gw']
    args += ['--ipv4-only']
    mode = 'auto' if auto else 'none'
    args += [f'--tcp-ports={mode}', f'--udp-ports={mode}']
    if host_lo:
        args += ['--host-lo-to-ns-lo']
    if isinstance(target, int):
        return args + [str(target)]
    return args + [f'--userns={target[0]}', f'--netns={target[1]}']


def rk_pastas(last):
    """Our pastas started by 'RootlessKit', argv[0] the bare name"""
    return pids_of(lambda a: a[0] == 'pasta' and '--ns-ifname=tap0' in a
                   and a[-1] == last)


def check_rk_config(prefix, mtu=65520):
    """RootlessKit's addresses, right after pasta returned"""
    a = ip_j(prefix, 'addr', 'show')
    tap = link_of(a, 'tap0')
    assert tap, a
    assert 'UP' in tap['flags'] and tap['mtu'] == mtu, tap
    assert 'UP' in link_of(a, 'lo')['flags'], a
    assert addrs_of(a, 'tap0', family='inet') == [f'{RK_ADDR}/24'], a
    assert addrs_of(a, 'tap0', family='inet6', scope='global') == [], a
    assert default_gateways(ip_j(prefix, 'route', 'show')) == [RK_GW]


def check_rk_traffic(topo, tool, prefix):
    """DNS through RK_DNS (UDP, TCP), RK_GW reaching HOST's loopback"""
    for proto in ('udp', 'tcp'):
        assert dig(prefix, RK_DNS, proto) == ANSWER['A'], proto
    p = port()
    spawn_in(topo.host, T(tool, 'tcp-server', '127.0.0.1', p),
             user='nobody').wait_output('listening')
    assert out_line(run(prefix + T(tool, 'tcp-client', RK_GW, p)),
                    'gateway to HOST loopback') == 'peer 127.0.0.1'


def host_listens(topo, proto, p):
    res = run_in(topo.host, ['ss', '-Hnl' + proto[0], f'sport = :{p}'])
    return res.stdout.strip() != ''


def test_rootlesskit_pid(topo, rk_child, dnsmasq, tool, bare):
    """RootlessKit 2.3+, target by PID, --tcp-ports=auto --udp-ports=auto
    --host-lo-to-ns-lo"""
    target = rk_child.pid
    r = go_run(ns_argv(topo.host, ['pasta'] + rk_argv(
        target, auto=True, host_lo=True), user='nobody'), env=bare)
    assert r.rc == 0, r.out
    assert r.secs < 5, f'{r.secs:.1f}s to return'
    prefix = ['nsenter', '-t', str(target), '-n', '--']
    check_rk_config(prefix)
    pids = rk_pastas(str(target))
    assert len(pids) == 1, pids
    check_rk_traffic(topo, tool, prefix)

    # Servers started now, TCP on the namespace's loopback only: HOST's
    # loopback reaches them within 2 s, seen as loopback in there
    t, u = port(), port()
    spawn_in(topo.host, prefix + T(tool, 'tcp-server', '127.0.0.1', t)
             ).wait_output('listening')
    spawn_in(topo.host, prefix + T(tool, 'udp-server', '0.0.0.0', u)
             ).wait_output('listening')
    t0 = time.monotonic()
    wait_until(lambda: host_listens(topo, 'tcp', t) and
               host_listens(topo, 'udp', u), timeout=2, interval=0.1,
               what='auto forwarding of the new ports on HOST')
    assert time.monotonic() - t0 <= 2.1
    assert out_line(run_in(topo.host, T(tool, 'tcp-client', '127.0.0.1', t),
                           user='nobody'), 'auto TCP') == 'peer 127.0.0.1'
    assert out_line(run_in(topo.host, T(tool, 'udp-client', '127.0.0.1', u),
                           user='nobody'), 'auto UDP').startswith('peer ')

    rk_child.stop()
    wait_gone(pids[0], 3, 'pasta to exit with the target process')


def test_rootlesskit_detach_netns(topo, dnsmasq, tool, bare, tmp):
    """RootlessKit 2.3+ --detach-netns: --userns and --netns paths, the
    namespace in the state directory; pasta quits when that goes away"""
    child = spawn_in(topo.host, ['unshare', '-rUm', 'sleep', '600'],
                     user='nobody')
    wait_comm(child.pid, 'sleep')
    state = os.path.join(tmp, 'rootlesskit')
    os.mkdir(state)
    os.chown(state, NOBODY_UID, NOBODY_UID)
    netns = os.path.join(state, 'netns')
    write_file(netns, '')
    # The detached namespace, owned by the child's user namespace
    holder = spawn_in(topo.host, ['nsenter', '-t', str(child.pid), '-U',
                                  '--preserve-credentials', '--',
                                  'unshare', '-n', 'sleep', '600'],
                      user='nobody')
    wait_comm(holder.pid, 'sleep')
    run(['mount', '--bind', f'/proc/{holder.pid}/ns/net', netns],
        check=True)
    try:
        holder.stop()
        target = (f'/proc/{child.pid}/ns/user', netns)
        r = go_run(ns_argv(topo.host, ['pasta'] + rk_argv(
            target, no_map_gw=True, mtu=1500), user='nobody'), env=bare)
        assert r.rc == 0, r.out
        prefix = ['nsenter', f'--net={netns}', '--']
        check_rk_config(prefix, mtu=1500)
        for proto in ('udp', 'tcp'):
            assert dig(prefix, RK_DNS, proto) == ANSWER['A'], proto
        pids = rk_pastas(f'--netns={netns}')
        assert len(pids) == 1, pids

        # RootlessKit exits: the namespace is unmounted, its state
        # directory removed
        run(['umount', '-l', netns], check=True)
        shutil.rmtree(state)
        wait_gone(pids[0], 3, 'pasta to exit with the state directory')
        assert child.running()
    finally:
        if os.path.exists(netns):
            run(['umount', '-l', netns])
        kill_all(rk_pastas(f'--netns={netns}'))


def test_rootlesskit_legacy(topo, rk_child, dnsmasq, tool, bare):
    """RootlessKit 2.0-2.2: tap0 made beforehand, pasta --foreground with
    --no-dhcp --no-ra, RootlessKit's child configures tap0 itself"""
    target = rk_child.pid
    enter = ['nsenter', '-t', str(target), '-n', '-m', '-U',
             '--preserve-credentials']
    for cmd in (['ip', 'tuntap', 'add', 'name', 'tap0', 'mode', 'tap'],
                ['ip', 'link', 'set', 'tap0', 'up']):
        run_in(topo.host, enter + cmd, user='nobody', check=True)
    p = spawn_in(topo.host, ['pasta'] + rk_argv(target, version='2.2'),
                 user='nobody', env=bare)
    prefix = ['nsenter', '-t', str(target), '-n', '--']
    for cmd in (['ip', 'link', 'set', 'tap0', 'mtu', '65520'],
                ['ip', 'addr', 'add', f'{RK_ADDR}/24', 'dev', 'tap0'],
                ['ip', 'route', 'add', 'default', 'via', RK_GW, 'dev',
                 'tap0']):
        run(prefix + cmd, check=True)
    # No readiness to wait for in this version: retry the first lookup
    wait_until(lambda: dig(prefix, RK_DNS, 'udp') == ANSWER['A'],
               timeout=5, interval=0.2, what='DNS through pasta')
    assert p.running(), p.output
    check_rk_traffic(topo, tool, prefix)
    assert rk_pastas(str(target)) == [p.pid]

    rk_child.stop()
    assert p.wait(3) is not None, f'pasta still running:\n{p.output}'

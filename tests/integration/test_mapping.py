# SPDX-License-Identifier: GPL-2.0-or-later
#
# Address mapping and outbound selection, for pasta (a namespace) and passt
# (a GUEST namespace behind tap_relay), IPv4 and IPv6:
#
#   - by default, the guest reaches HOST's loopback (127.0.0.1, ::1) through
#     the gateway address, with TCP, UDP and ICMP echo; with --no-map-gw or
#     --map-host-loopback none, the gateway (REMOTE, here) is reached instead
#   - --map-host-loopback ADDR maps ADDR instead of the gateway, both ways:
#     a client on HOST's loopback connecting to a forwarded port (-t, and
#     the -u that -t implies) appears in the guest as ADDR
#   - --map-guest-addr ADDR reaches HOST's own address, and a client using
#     HOST's own address appears in the guest as ADDR
#   - -o ADDR (a second address on HOST's h0) with --outbound-if4/6 h0: a
#     server in REMOTE sees that source; --outbound-if4/6 naming an interface
#     that's down makes connections fail, except to loopback
#   - --freebind: -t with an address HOST doesn't have yet starts (and works
#     once the address is there), and fails to start without the option
#
# Every server prints the peer it sees and answers with its own name, so a
# reply tells where a connection went. Servers on the gateway's port in
# REMOTE answer "remote", those on HOST's loopback or address "host".
#
# REMOTE ignores echo requests (echo_ignore_all) while ping tests run, so an
# echo reply to the gateway address can only come from HOST's loopback.
#
# Addresses: documentation ranges and loopback only. 198.51.100.77 and
# 2001:db8:77::77 serve as custom --map-host-loopback addresses,
# 203.0.113.2 and 2001:db8:2::2 as --map-guest-addr ones, 192.0.2.20 and
# 2001:db8:1::20 as HOST's second address for -o, 192.0.2.99 and
# 2001:db8:1::99 as the addresses of --freebind.

import os
import shutil
import tempfile
import time

import pytest

from conftest import (HOST4, HOST6, REMOTE4, SESSION, check_sanitizers,
                      pasta_argv, passt_argv, run, run_in, sh_ns, spawn_in,
                      sysctl, wait_until)
from test_tcp import PY, SRV4, SRV6, Instance, new_port, remote  # noqa: F401

MAP_LO4, MAP_LO6 = '198.51.100.77', '2001:db8:77::77'
MAP_GUEST4, MAP_GUEST6 = '203.0.113.2', '2001:db8:2::2'
OUT4, OUT6 = '192.0.2.20', '2001:db8:1::20'
FREE4, FREE6 = '192.0.2.99', '2001:db8:1::99'
FWD_BASE = 14500		# forwarded ports of this module

TOOL = r'''
import socket, sys, threading


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def say(*a):
    print(*a, flush=True)


def tcp_server(addr, port, name):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(16)
    say('listening')
    while True:
        c, a = s.accept()
        say('tcp-peer', a[0])
        c.sendall(f'{name} {a[0]}\n'.encode())
        c.close()


def udp_server(addr, port, name):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    if fam(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    say('listening')
    while True:
        d, a = s.recvfrom(65535)
        say('udp-peer', a[0])
        s.sendto(f'{name} {a[0]}\n'.encode(), a)


def servers(addr, port, name):
    t = threading.Thread(target=udp_server, args=(addr, port, name),
                         daemon=True)
    t.start()
    tcp_server(addr, port, name)


def tcp_client(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((addr, port))
        data = b''
        while True:
            d = s.recv(100)
            if not d:
                break
            data += d
        say('reply', data.decode().strip())
    except ConnectionRefusedError:
        say('refused')
    except ConnectionResetError:
        say('reset')
    except socket.timeout:
        say('timeout')
    except OSError as e:
        say('error', e.errno)


def udp_client(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.settimeout(0.5)
    for _ in range(4):
        try:
            s.sendto(b'hello', (addr, port))
            d, a = s.recvfrom(100)
            say('reply', d.decode().strip(), 'from', a[0])
            return
        except socket.timeout:
            continue
        except ConnectionRefusedError:
            say('refused')
            return
    say('timeout')


cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'servers':
    servers(a[0], int(a[1]), a[2])
elif cmd == 'tcp':
    tcp_client(a[0], int(a[1]))
elif cmd == 'udp':
    udp_client(a[0], int(a[1]))
'''


@pytest.fixture(scope='module')
def files(session_env):
    d = tempfile.mkdtemp(prefix='map-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    tool = os.path.join(d, 'map_tool.py')
    with open(tool, 'w') as f:
        f.write(TOOL)
    os.chmod(tool, 0o644)
    yield {'dir': d, 'tool': tool}
    shutil.rmtree(d, ignore_errors=True)


_fwd = [FWD_BASE]


def fwd_port():
    """A port to forward, not used before in this module"""
    _fwd[0] += 1
    assert _fwd[0] < FWD_BASE + 500
    return _fwd[0]


class Env:
    """One instance under test, and helpers to run things around it"""

    def __init__(self, topo, files, mode, extra=(), fwd=False):
        self.topo, self.files, self.mode = topo, files, mode
        self.inst = Instance(topo, files, mode, extra=list(extra), fwd=fwd)

    def stop(self):
        self.inst.stop()
        check_sanitizers(self.inst.proc.output + self.inst.read_log(),
                         self.mode)

    def tool(self, *args):
        """argv of the tool with args, for HOST or REMOTE"""
        return [PY, self.files['tool']] + [str(a) for a in args]

    def servers(self, where, addr, port, name):
        """TCP and UDP servers on addr, port in 'host', 'remote', 'guest'"""
        argv = self.tool('servers', addr, port, name)
        if where == 'guest':
            p = self.inst.spawn('servers', addr, port, name)
        else:
            ns = self.topo.host if where == 'host' else self.topo.remote
            p = spawn_in(ns, argv)
        p.wait_output(r'listening[\s\S]*listening', timeout=10)
        return p

    def guest(self, proto, addr, port):
        """Guest client: the line it prints"""
        res = self.inst.run(proto, addr, port, timeout=20)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout.strip()

    def host(self, proto, addr, port):
        """Client in HOST: the line it prints"""
        res = run_in(self.topo.host, self.tool(proto, addr, port),
                     timeout=20)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout.strip()

    def ping(self, addr, fam, count=1):
        res = run(self.inst.prefix + ['ping', f'-{fam}', '-c', str(count),
                                      '-i', '0.2', '-W', '1', addr],
                  timeout=20)
        return res.returncode == 0

    def log(self):
        return f'--- {self.mode} log ---\n{self.inst.read_log()}'


@pytest.fixture
def env_factory(remote, files):
    """Start instances with given options; stop them after the test"""
    envs = []

    def make(mode, *extra, fwd=False):
        e = Env(remote, files, mode, extra, fwd)
        envs.append(e)
        return e
    yield make
    for e in envs:
        print(e.log())
        e.stop()


@pytest.fixture
def remote_no_echo(remote):
    """REMOTE ignores echo requests for the test"""
    keys = ('net.ipv4.icmp_echo_ignore_all', 'net.ipv6.icmp.echo_ignore_all')
    for k in keys:
        sysctl(remote.remote, k, 1)
    yield
    for k in keys:
        sysctl(remote.remote, k, 0)


def gw(topo, fam):
    return REMOTE4 if fam == 4 else topo.gw6


def lo(fam):
    return '127.0.0.1' if fam == 4 else '::1'


def both_servers(env, port):
    """Servers on the gateway's port: HOST's loopback, and REMOTE"""
    procs = []
    for fam in (4, 6):
        procs.append(env.servers('host', lo(fam), port, 'host'))
        procs.append(env.servers('remote', '0.0.0.0' if fam == 4 else '::',
                                 port, 'remote'))
    return procs


# ---------------------------------------------------------------------------
# --map-host-loopback, --no-map-gw

@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_gateway_is_host_loopback(env_factory, remote_no_echo, mode):
    """Default: TCP, UDP and ICMP echo to the gateway reach HOST's loopback,
    which sees the connection coming from loopback"""
    env = env_factory(mode)
    port = new_port()
    both_servers(env, port)
    for fam in (4, 6):
        g = gw(env.topo, fam)
        assert env.guest('tcp', g, port) == f'reply host {lo(fam)}', \
            env.log()
        assert env.guest('udp', g, port) == \
            f'reply host {lo(fam)} from {g}', env.log()
        assert env.ping(g, fam, count=2), f'ping {g}\n{env.log()}'


@pytest.mark.parametrize('mode,opt', [
    ('pasta', ['--no-map-gw']),
    ('pasta', ['--map-host-loopback', 'none']),
    ('passt', ['--no-map-gw']),
], ids=['pasta-no-map-gw', 'pasta-none', 'passt-no-map-gw'])
def test_no_map_gw(env_factory, remote_no_echo, mode, opt):
    """Without the mapping, the gateway is REMOTE: its servers answer, and
    see HOST's address; echo requests go there too (and are ignored)"""
    env = env_factory(mode, *opt)
    port = new_port()
    both_servers(env, port)
    for fam in (4, 6):
        g = gw(env.topo, fam)
        h = HOST4 if fam == 4 else HOST6
        assert env.guest('tcp', g, port) == f'reply remote {h}', env.log()
        assert env.guest('udp', g, port) == f'reply remote {h} from {g}', \
            env.log()
        assert not env.ping(g, fam), f'ping {g} answered\n{env.log()}'


@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_map_host_loopback_custom(env_factory, remote_no_echo, mode):
    """--map-host-loopback ADDR (IPv4 and IPv6): ADDR reaches HOST's
    loopback, the gateway is REMOTE again; clients on HOST's loopback to a
    forwarded port appear in the guest as ADDR (pasta: --no-splice, so that
    they take the tap device)"""
    fport = fwd_port()
    extra = ['--map-host-loopback', MAP_LO4, '--map-host-loopback', MAP_LO6,
             '-t', str(fport)]
    if mode == 'pasta':
        extra.append('--no-splice')
    env = env_factory(mode, *extra)
    port = new_port()
    both_servers(env, port)
    for fam in (4, 6):
        m = MAP_LO4 if fam == 4 else MAP_LO6
        g = gw(env.topo, fam)
        h = HOST4 if fam == 4 else HOST6
        assert env.guest('tcp', m, port) == f'reply host {lo(fam)}', \
            env.log()
        assert env.guest('udp', m, port) == \
            f'reply host {lo(fam)} from {m}', env.log()
        assert env.ping(m, fam), f'ping {m}\n{env.log()}'
        assert env.guest('tcp', g, port) == f'reply remote {h}', env.log()

    srv = [env.servers('guest', '0.0.0.0', fport, 'guest'),
           env.servers('guest', '::', fport, 'guest')]
    for fam in (4, 6):
        m = MAP_LO4 if fam == 4 else MAP_LO6
        assert env.host('tcp', lo(fam), fport) == f'reply guest {m}', \
            env.log()
        # UDP: -t implies -u for the same port
        assert env.host('udp', lo(fam), fport) == \
            f'reply guest {m} from {lo(fam)}', env.log()
    assert 'tcp-peer' in srv[0].output and 'udp-peer' in srv[1].output


@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_inbound_loopback_default(env_factory, mode):
    """Default mapping, inbound: a client on HOST's loopback appears in the
    guest as the gateway, the address that leads back to HOST's loopback"""
    fport = fwd_port()
    extra = ['-t', str(fport)] + (['--no-splice'] if mode == 'pasta' else [])
    env = env_factory(mode, *extra)
    env.servers('guest', '0.0.0.0', fport, 'guest')
    env.servers('guest', '::', fport, 'guest')
    for fam in (4, 6):
        g = gw(env.topo, fam)
        assert env.host('tcp', lo(fam), fport) == f'reply guest {g}', \
            env.log()


# ---------------------------------------------------------------------------
# --map-guest-addr

@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_map_guest_addr(env_factory, mode):
    """--map-guest-addr ADDR: ADDR reaches a server on HOST's own address;
    a client on HOST using HOST's own address appears in the guest as
    ADDR"""
    fport = fwd_port()
    env = env_factory(mode, '--map-guest-addr', MAP_GUEST4,
                      '--map-guest-addr', MAP_GUEST6, '-t', str(fport))
    port = new_port()
    env.servers('host', HOST4, port, 'host')
    env.servers('host', HOST6, port, 'host')
    env.servers('remote', '0.0.0.0', port, 'remote')
    env.servers('remote', '::', port, 'remote')
    for fam in (4, 6):
        m = MAP_GUEST4 if fam == 4 else MAP_GUEST6
        h = HOST4 if fam == 4 else HOST6
        assert env.guest('tcp', m, port) == f'reply host {h}', env.log()
        assert env.guest('udp', m, port) == f'reply host {h} from {m}', \
            env.log()
        assert env.ping(m, fam), f'ping {m}\n{env.log()}'

    env.servers('guest', '0.0.0.0', fport, 'guest')
    env.servers('guest', '::', fport, 'guest')
    for fam in (4, 6):
        m = MAP_GUEST4 if fam == 4 else MAP_GUEST6
        h = HOST4 if fam == 4 else HOST6
        assert env.host('tcp', h, fport) == f'reply guest {m}', env.log()
        assert env.host('udp', h, fport) == f'reply guest {m} from {h}', \
            env.log()


# ---------------------------------------------------------------------------
# -o, --outbound-if4, --outbound-if6

@pytest.fixture
def host_out_addrs(remote):
    """A second address of each version on HOST's h0"""
    sh_ns(remote.host, f'''
        ip addr add {OUT4}/24 dev h0
        ip addr add {OUT6}/64 dev h0 nodad
    ''')
    yield
    run_in(remote.host, ['ip', 'addr', 'del', f'{OUT4}/24', 'dev', 'h0'])
    run_in(remote.host, ['ip', 'addr', 'del', f'{OUT6}/64', 'dev', 'h0'])


@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_outbound_address(env_factory, host_out_addrs, mode):
    """-o (twice) and --outbound-if4/6 h0: REMOTE sees the -o address as
    source of TCP and UDP; echo requests to REMOTE still work, and so does
    the gateway, mapped to HOST's loopback (never bound)"""
    env = env_factory(mode, '-o', OUT4, '-o', OUT6, '--outbound-if4', 'h0',
                      '--outbound-if6', 'h0')
    port = new_port()
    for a in (SRV4, SRV6):
        env.servers('remote', a, port, 'remote')
    env.servers('host', '127.0.0.1', port, 'host')
    env.servers('host', '::1', port, 'host')
    for fam in (4, 6):
        srv = SRV4 if fam == 4 else SRV6
        out = OUT4 if fam == 4 else OUT6
        assert env.guest('tcp', srv, port) == f'reply remote {out}', \
            env.log()
        assert env.guest('udp', srv, port) == \
            f'reply remote {out} from {srv}', env.log()
        g = gw(env.topo, fam)
        assert env.guest('tcp', g, port) == f'reply host {lo(fam)}', \
            env.log()
        assert env.ping(srv, fam), f'ping {srv}\n{env.log()}'


@pytest.fixture
def down_link(remote):
    """A veth pair in HOST, left down"""
    run_in(remote.host, ['ip', 'link', 'add', 'hx0', 'type', 'veth', 'peer',
                         'name', 'hx1'], check=True)
    yield 'hx0'
    run_in(remote.host, ['ip', 'link', 'del', 'hx0'])


def test_outbound_if_down(env_factory, down_link):
    """--outbound-if4/6 naming an interface that's down (with -i h0 as
    template): connections to REMOTE fail at once, the gateway (HOST's
    loopback) still works"""
    env = env_factory('pasta', '-i', 'h0', '--outbound-if4', down_link,
                      '--outbound-if6', down_link)
    port = new_port()
    for a in (SRV4, SRV6):
        env.servers('remote', a, port, 'remote')
    env.servers('host', '127.0.0.1', port, 'host')
    env.servers('host', '::1', port, 'host')
    for fam in (4, 6):
        srv = SRV4 if fam == 4 else SRV6
        t0 = time.monotonic()
        assert env.guest('tcp', srv, port) in ('refused', 'reset'), \
            env.log()
        assert time.monotonic() - t0 < 3
        assert env.guest('udp', srv, port) == 'timeout', env.log()
        g = gw(env.topo, fam)
        assert env.guest('tcp', g, port) == f'reply host {lo(fam)}', \
            env.log()


# ---------------------------------------------------------------------------
# --freebind

@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_freebind_needed(remote, files, tmp, mode):
    """-t ADDR/PORT with an address HOST doesn't have: exit 1, naming the
    port, without --freebind"""
    port = fwd_port()
    for addr in (FREE4, FREE6):
        if mode == 'pasta':
            argv = pasta_argv('-t', f'{addr}/{port}', '--', 'true')
        else:
            argv = passt_argv('-f', '-1', '-s', os.path.join(tmp, 'x.sock'),
                              '-t', f'{addr}/{port}')
        res = run_in(remote.host, argv, user='nobody', timeout=10)
        assert res.returncode == 1, res.stdout + res.stderr
        assert str(port) in res.stderr, res.stderr


@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_freebind(env_factory, remote, mode):
    """--freebind: the same starts, and connections arrive once the address
    is added to HOST"""
    p4, p6 = fwd_port(), fwd_port()
    env = env_factory(mode, '--freebind', '-t', f'{FREE4}/{p4}',
                      '-t', f'{FREE6}/{p6}')
    env.servers('guest', '0.0.0.0', p4, 'guest')
    env.servers('guest', '::', p6, 'guest')
    sh_ns(remote.host, f'''
        ip addr add {FREE4}/24 dev h0
        ip addr add {FREE6}/64 dev h0 nodad
    ''')
    try:
        for addr, port in ((FREE4, p4), (FREE6, p6)):
            wait_until(lambda: run_in(remote.remote, ['ping', '-c1', '-W1',
                                                      addr]
                                      ).returncode == 0,
                       timeout=5, what=f'{addr} on HOST')
            res = run_in(remote.remote, env.tool('tcp', addr, port),
                         timeout=20)
            r4 = '192.0.2.1' if ':' not in addr else '2001:db8:1::1'
            assert res.stdout.strip() == f'reply guest {r4}', \
                res.stdout + res.stderr + env.log()
    finally:
        run_in(remote.host, ['ip', 'addr', 'del', f'{FREE4}/24', 'dev',
                             'h0'])
        run_in(remote.host, ['ip', 'addr', 'del', f'{FREE6}/64', 'dev',
                             'h0'])

# SPDX-License-Identifier: GPL-2.0-or-later
#
# TCP translation, end to end, for pasta (a namespace behind pasta's tap) and
# passt (a GUEST namespace behind tap_relay), IPv4 and IPv6:
#
#   - 64 MiB download and upload to and from a server in REMOTE, hashed
#   - 200 concurrent connections, each echoing 64 KiB
#   - forwarded ports (-t): 64 MiB inwards both ways, 8080:80 translation,
#     the peer address the guest sees (REMOTE's own address, or the gateway
#     for clients local to HOST)
#   - connection refused (outbound) and reset (inbound, no listener): fast
#   - half-closed connections, both sides first, both directions
#   - RST from either end reaching the other
#   - a receiver that stops reading blocks its sender, no data lost
#   - MTU 1500, 9000, 65520: transfers, and no frame larger than the MTU
#   - 10,000 short connections: no fd leak, RSS stable, no flows left
#   - sequential connections the guest closes first, more than it has
#     ports: its TIME_WAITs are ended, it doesn't run out of ports
#
# Addresses: REMOTE gets 203.0.113.7 and 2001:db8:3::7 on its loopback
# interface for the duration of this module. Guests talk to servers there,
# not to 192.0.2.1, which is also the guest's gateway address (connections to
# the gateway may be mapped to the host itself, see --no-map-gw), and REMOTE
# clients connect from there, so that the guest can tell a REMOTE peer from
# one that must appear as the gateway.
#
# One passt or pasta instance per mode serves most tests of this module (a
# test finding it dead starts a new one). The guest side of every test runs
# the small tool tcp_tool.py, as root, through nsenter (pasta) or
# ip netns exec (passt).

import hashlib
import os
import re
import shutil
import signal
import struct
import tempfile
import time

import pytest

import conftest
from conftest import (HOST4, HOST6, REMOTE4, SESSION, Proc, check_sanitizers,
                      neigh_snippet, ns_create, ns_delete, passt_argv,
                      pasta_argv, require_binaries, run, run_in, sh_ns,
                      spawn_in, start_relay, sysctl, wait_until, write_file)

SRV4 = '203.0.113.7'
SRV6 = '2001:db8:3::7'
BIG = 64 << 20
SMALL = 4 << 20
FWD_FIRST = 10000		# forwarded range: FWD_FIRST ... FWD_LAST
FWD_LAST = 10099
FWD_SPEC = f'{FWD_FIRST}-{FWD_LAST},8080:80'
PY = '/usr/bin/python3'

# ---------------------------------------------------------------------------
# The tool run on every side (servers, clients, and what they do on a
# connected socket; each result is one line on stdout) is tcp_tool.py, beside
# this file.

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    'tcp_tool.py')


def tail(text, n=15):
    """Last n lines of text, repeated lines folded"""
    out = []
    for line in text.splitlines():
        if out and out[-1][0] == line:
            out[-1][1] += 1
        else:
            out.append([line, 1])
    return '\n'.join(f'{l} (x{k})' if k > 1 else l for l, k in out[-n:])


def results(text, word):
    """Fields of every output line starting with word"""
    return [line.split()[1:] for line in text.splitlines()
            if line.split()[:1] == [word]]


def one_result(text, word, what=''):
    r = results(text, word)
    assert len(r) == 1, f'want one "{word}" line{what}, output:\n{text}'
    return r[0]


def check_sent(text, size, sha, what=''):
    """The sender's line: size bytes sent, receiver replied with the right
    hash and count. Return (peer the sender saw, peer the receiver saw)"""
    r = one_result(text, 'sent', what)
    assert len(r) == 8 and r[3] == 'reply', text
    assert (r[0], r[4], r[5]) == (str(size), sha, str(size)), \
        f'sent {r[0]}, receiver got {r[5]} bytes, hash ' + \
        ('right' if r[4] == sha else 'wrong') + f'{what}:\n{text}'
    return r[1], r[6]


# ---------------------------------------------------------------------------
# Data and addresses

@pytest.fixture(scope='module')
def files(session_env):
    """Tool script, 64 MiB and 4 MiB random files, their SHA-256"""
    d = tempfile.mkdtemp(prefix='tcp-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    f = {'dir': d, 'tool': os.path.join(d, 'tcp_tool.py'),
         'big': os.path.join(d, 'big'), 'small': os.path.join(d, 'small')}
    shutil.copyfile(TOOL, f['tool'])
    data = os.urandom(BIG)
    for name, n in (('big', BIG), ('small', SMALL)):
        with open(f[name], 'wb') as out:
            out.write(data[:n])
        f[name + '_sha'] = hashlib.sha256(data[:n]).hexdigest()
    yield f
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope='module')
def remote(topo):
    """REMOTE's extra addresses, SRV4 and SRV6, on its loopback interface"""
    yield from conftest.remote_server_addrs(topo, SRV4, SRV6)


@pytest.fixture(scope='module')
def instances(remote, files):
    """A module's pasta instances, by variant: started on first use by
    pasta_variant(), stopped at the end of the module"""
    cache = {}
    yield cache
    for inst in cache.values():
        inst.stop()


def pasta_variant(instances, remote, files, variant, extra):
    """The running pasta instance of a variant, started (again, if it
    exited) with extra options"""
    inst = instances.get(variant)
    if inst is None or not inst.running():
        if inst:
            inst.stop()
        inst = Instance(remote, files, 'pasta', extra=extra, fwd=False)
        inst.variant = variant
        instances[variant] = inst
    return inst


@pytest.fixture(params=[4, 6], ids=['ipv4', 'ipv6'])
def ipver(request):
    """IP version of a test: 4 or 6"""
    return request.param


_port = [20000]


def new_port():
    """A port not used before in this session (REMOTE servers)"""
    _port[0] += 1
    return _port[0]


# ---------------------------------------------------------------------------
# The instance under test: pasta with its namespace, or passt with a GUEST

class Instance:
    """A running pasta (namespace) or passt (GUEST behind tap_relay)"""

    def __init__(self, topo, files, mode, extra=(), mtu=None, pcap=False,
                 fwd=True, exe=None, env=None, relay_env=None):
        require_binaries()
        self.topo, self.files, self.mode = topo, files, mode
        self.exe, self.env, self.relay_env = exe, env, relay_env
        self.mtu = mtu
        self.dir = tempfile.mkdtemp(prefix=f'{mode}-', dir=files['dir'])
        os.chown(self.dir, 65534, 65534)
        self.log = os.path.join(self.dir, 'log')
        self.guest_ns = None
        self.nspid = None
        self.proc = None
        self.relay = None
        self.fwd_error = None
        self._next_fwd = FWD_FIRST
        args = ['-l', self.log] + list(extra)
        if mtu:
            args += ['-m', str(mtu)]
        self.pcap = os.path.join(self.dir, 'capture.pcap')
        if pcap:
            args += ['-p', self.pcap]
        if fwd:
            try:
                self._start(args + ['-t', FWD_SPEC])
                return
            except StartError as e:
                # Forwarding not there yet: keep the outbound tests useful
                self.fwd_error = str(e)
                self.dir = tempfile.mkdtemp(prefix=f'{mode}-',
                                            dir=files['dir'])
                os.chown(self.dir, 65534, 65534)
                self.log = os.path.join(self.dir, 'log')
                args[1] = self.log
        self._start(args)

    def _start(self, args):
        try:
            if self.mode == 'pasta':
                self._start_pasta(args)
            else:
                self._start_passt(args)
        except BaseException:
            self.stop()
            raise
        self.pid = self.proc.pid
        exe = os.readlink(f'/proc/{self.pid}/exe')
        assert os.path.basename(exe).startswith('passt'), exe

    def _start_pasta(self, args):
        pidfile = os.path.join(self.dir, 'ns.pid')
        script = os.path.join(self.dir, 'ns.sh')
        write_file(script, f'#!/bin/sh\necho $$ > {pidfile}.tmp\n'
                   f'mv {pidfile}.tmp {pidfile}\nexec sleep 3600\n', 0o755)
        argv = pasta_argv('--config-net', *args, '--', '/bin/sh', script)
        self.proc = spawn_in(self.topo.host,
                             [self.exe or argv[0]] + argv[1:],
                             user='nobody', env=self.env)
        self._own(self.proc)
        wait_until(lambda: os.path.exists(pidfile) or
                   not self.proc.running(), timeout=10,
                   what='pasta namespace')
        if not self.proc.running():
            raise StartError(f'pasta exited ({self.proc.wait(1)}):\n'
                             f'{self.proc.output}\n{self.read_log()}')
        with open(pidfile) as f:
            self.nspid = int(f.read())
        self.prefix = ['nsenter', f'--net=/proc/{self.nspid}/ns/net', '--']

    def _start_passt(self, args):
        sock = os.path.join(self.dir, 'passt.sock')
        argv = passt_argv('-f', '-s', sock, *args)
        self.proc = spawn_in(self.topo.host,
                             [self.exe or argv[0]] + argv[1:],
                             user='nobody', env=self.env)
        self._own(self.proc)
        wait_until(lambda: os.path.exists(sock) or not self.proc.running(),
                   timeout=10, what=f'passt socket {sock}')
        if not self.proc.running():
            raise StartError(f'passt exited ({self.proc.wait(1)}):\n'
                             f'{self.proc.output}\n{self.read_log()}')
        self.guest_ns = f'{SESSION}-tcp{os.path.basename(self.dir)[6:]}'
        ns_create(self.guest_ns)
        # Static addresses, as DHCP and DHCPv6 would assign them; no SLAAC
        sysctl(self.guest_ns, 'net.ipv6.conf.default.accept_ra', 0)
        self.relay = start_relay(self.guest_ns, sock, mtu=self.mtu or 65520,
                                 env=self.relay_env)
        self._own(self.relay)
        sh_ns(self.guest_ns, f'''
            ip addr add {HOST4}/24 dev g0
            ip route add default via {REMOTE4} dev g0
            ip addr add {HOST6}/64 dev g0 nodad
            ip -6 route add default via {self.topo.gw6} dev g0
        ''')
        # Let passt see the guest (MAC, addresses) before anything else
        out = os.path.join(self.dir, 'neigh.json')
        run_in(self.guest_ns, ['sh', '-c', neigh_snippet(
            'g0', [REMOTE4, self.topo.gw6], out)], check=True)
        self.prefix = ['ip', 'netns', 'exec', self.guest_ns]

    @staticmethod
    def _own(proc):
        """Take proc off the per-test list: the instance outlives tests"""
        conftest._procs.remove(proc)

    def running(self):
        return self.proc.running() and \
            (self.relay is None or self.relay.running())

    def stop(self):
        if self.relay:
            self.relay.stop()
            self.relay = None
        if self.proc:
            self.proc.stop()
            check_sanitizers(self.proc.output, f'{self.mode} instance')
        if self.nspid:
            try:
                os.kill(self.nspid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.nspid = None
        if self.guest_ns:
            ns_delete(self.guest_ns)
            if self.guest_ns in conftest._namespaces:
                conftest._namespaces.remove(self.guest_ns)
            self.guest_ns = None

    def read_log(self, offset=0):
        try:
            with open(self.log, errors='replace') as f:
                f.seek(offset)
                return f.read()
        except FileNotFoundError:
            return ''

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except FileNotFoundError:
            return 0

    # Running things on the guest side
    def argv(self, args):
        return self.prefix + [PY, self.files['tool']] + [str(a) for a in args]

    def run(self, *args, timeout=30):
        return run(self.argv(args), timeout=timeout)

    def spawn(self, *args):
        return Proc(self.argv(args))

    def fwd_port(self):
        """A forwarded port not used before on this instance"""
        if self.fwd_error:
            pytest.fail(f'{self.mode} did not start with -t {FWD_SPEC}:\n'
                        f'{self.fwd_error}')
        p = self._next_fwd
        assert p <= FWD_LAST, 'forwarded ports exhausted'
        self._next_fwd += 1
        return p

    def fds(self):
        return len(os.listdir(f'/proc/{self.pid}/fd'))

    def rss_kib(self):
        with open(f'/proc/{self.pid}/status') as f:
            m = re.search(r'^VmRSS:\s+(\d+) kB', f.read(), re.M)
        return int(m.group(1))

    def handles_sigusr1(self):
        """SIGUSR1 blocked (signalfd) or caught: safe to send"""
        with open(f'/proc/{self.pid}/status') as f:
            st = f.read()
        bit = 1 << (signal.SIGUSR1 - 1)
        for key in ('SigBlk', 'SigCgt'):
            m = re.search(rf'^{key}:\s+([0-9a-f]+)', st, re.M)
            if m and int(m.group(1), 16) & bit:
                return True
        return False

    def usr1_search(self, pattern, what):
        """Ask for the counters (SIGUSR1), return the match of pattern in
        what they log"""
        off = self.log_size()
        os.kill(self.pid, signal.SIGUSR1)
        r = re.compile(pattern)
        return wait_until(lambda: r.search(self.read_log(off)), timeout=3,
                          what=f'{what} in the log after SIGUSR1')

    def flows_in_use(self):
        """Ask for flow statistics (SIGUSR1), return 'N in use' from log"""
        return int(self.usr1_search(r'flows: (\d+) in use',
                                    'flow statistics').group(1))


class StartError(Exception):
    pass


class Net:
    """What a test gets: the instance, the family, addresses to use"""

    def __init__(self, inst, family):
        self.inst = inst
        self.family = family
        self.mode = inst.mode
        v4 = family == 4
        self.srv = SRV4 if v4 else SRV6		# REMOTE server address
        self.any = '0.0.0.0' if v4 else '::'
        self.host = HOST4 if v4 else HOST6	# HOST, and the guest
        self.loopback = '127.0.0.1' if v4 else '::1'
        self.gw = REMOTE4 if v4 else inst.topo.gw6
        self.topo = inst.topo

    # REMOTE and HOST sides
    def remote_argv(self, args):
        return [PY, self.inst.files['tool']] + [str(a) for a in args]

    def remote_spawn(self, *args):
        return spawn_in(self.topo.remote, self.remote_argv(args))

    def remote_run(self, *args, timeout=30):
        return run_in(self.topo.remote, self.remote_argv(args),
                      timeout=timeout)

    def host_run(self, *args, timeout=30):
        return run_in(self.topo.host, self.remote_argv(args),
                      timeout=timeout)

    def server(self, where, *args):
        """Start a server ('remote' or 'guest'), wait until it listens"""
        p = self.remote_spawn(*args) if where == 'remote' \
            else self.inst.spawn(*args)
        p.wait_output(r'listening', timeout=10)
        return p


_instances = {}


@pytest.fixture(scope='module', params=['pasta', 'passt'])
def inst_holder(request, remote, files):
    holder = {'mode': request.param, 'inst': None}
    yield holder
    if holder['inst']:
        holder['inst'].stop()


@pytest.fixture(params=[4, 6], ids=['ipv4', 'ipv6'])
def net(request, inst_holder, remote, files):
    """The shared instance for this mode (restarted if it died), a family

    Prints the instance's log for this test on the way out: pytest shows
    it for failures.
    """
    inst = inst_holder['inst']
    if inst is None or not inst.running():
        if inst:
            inst.stop()
        inst = Instance(remote, files, inst_holder['mode'])
        inst_holder['inst'] = inst
    off = inst.log_size()
    yield Net(inst, request.param)
    print(f'--- {inst.mode} log during this test ---')
    print(inst.read_log(off))
    died = not inst.running()
    if died:
        print(f'--- {inst.mode} output ---\n{inst.proc.output}')
    check_sanitizers(inst.proc.output, inst.mode)
    check_sanitizers(inst.read_log(off), f'{inst.mode} log')
    if died:
        pytest.fail(f'{inst.mode} exited during the test: '
                    f'{inst.proc.wait(1)}\n{inst.proc.output}\n'
                    f'{inst.read_log(off)}')


def ok(res, what):
    """Output of a finished tool run, which must have exited 0"""
    assert res.returncode == 0, \
        f'{what}: exit {res.returncode}\n{res.stdout}\n{res.stderr}'
    return res.stdout


# ---------------------------------------------------------------------------
# 1. Bulk transfers to and from REMOTE

def test_download(net):
    """Guest reads 64 MiB from a server in REMOTE"""
    port = new_port()
    srv = net.server('remote', 'listen', net.any, port, '--once', 'send',
                     net.inst.files['big'])
    out = ok(net.inst.run('connect', net.srv, port, 'recv', timeout=60),
             'download')
    sha, n, peer, _ = one_result(out, 'recv')
    assert (sha, int(n)) == (net.inst.files['big_sha'], BIG)
    assert peer == net.srv
    assert srv.wait(10) == 0, srv.output
    # The server saw the receiver's reply after its own shutdown, and the
    # connection came from HOST's address
    assert check_sent(srv.output, BIG, net.inst.files['big_sha']) == \
        (net.host, net.srv)


@pytest.mark.parametrize('peek', ['peek_off', 'no_peek_off'])
@pytest.mark.parametrize('mode,drop', [('pasta', 0), ('passt', 0),
                                       ('passt', 40)],
                         ids=['pasta', 'passt', 'passt-losses'])
def test_download_peek(remote, files, mode, drop, peek):
    """64 MiB from REMOTE, intact, with the kernel's SO_PEEK_OFF or as on
    kernels before Linux 6.9, which don't take it for TCP: there, the
    test-only build peeks the data in flight again (tcp_peek_skip()). With
    losses: every 40th data frame on the way to the guest is dropped by the
    relay, so that retransmissions go back to acknowledged data"""
    env = None
    exe = None
    if peek == 'no_peek_off':
        exe = conftest.SELFTEST_PASTA if mode == 'pasta' else \
            conftest.SELFTEST_PASST
        if not os.access(exe, os.X_OK):
            pytest.skip(f'no {exe} (make integration)')
        env = {'PASST_TEST_NO_PEEK_OFF': '1'}
    relay_env = {'TAP_RELAY_DROP_EVERY': str(drop)} if drop else None
    inst = Instance(remote, files, mode, fwd=False, exe=exe, env=env,
                    relay_env=relay_env, extra=('--trace',) if env else ())
    try:
        net = Net(inst, 4)
        port = new_port()
        srv = net.server('remote', 'listen', net.any, port, '--once',
                         'send', files['big'])
        out = ok(inst.run('connect', net.srv, port, 'recv', timeout=90),
                 'download')
        sha, n, _, _ = one_result(out, 'recv')
        assert (sha, int(n)) == (files['big_sha'], BIG)
        assert srv.wait(10) == 0, srv.output
        log = inst.read_log()
        if drop:
            inst.relay.signal(signal.SIGTERM)
            assert inst.relay.wait(5) == 0, inst.relay.output
            m = re.search(r'dropped (\d+) frames', inst.relay.output)
            assert m and int(m.group(1)) > 10, inst.relay.output
    finally:
        inst.stop()
    said = 'the kernel has no SO_PEEK_OFF for TCP' in log
    assert said == (peek == 'no_peek_off'), log[-2000:]
    if env:
        # Data in flight was peeked again, never more than 1 MiB of it
        # (TCP_SKIP_IOV_MAX): the cost of each peek stays bounded
        inflight = [int(x) for x in re.findall(r'TCP: to guest .* inflight '
                                               r'(\d+)$', log, re.M)]
        assert max(inflight) > 0, inflight[:20]
        assert max(inflight) <= 1 << 20, max(inflight)


def test_upload(net):
    """Guest writes 64 MiB to a server in REMOTE, from HOST's address"""
    port = new_port()
    srv = net.server('remote', 'listen', net.any, port, '--once', 'recv')
    out = ok(net.inst.run('connect', net.srv, port, 'send',
                          net.inst.files['big'], timeout=60), 'upload')
    assert check_sent(out, BIG, net.inst.files['big_sha']) == \
        (net.srv, net.host)
    assert srv.wait(10) == 0, srv.output


# ---------------------------------------------------------------------------
# 2. Many at once

def test_concurrent_connections(net):
    """200 connections open at once, each echoing 64 KiB"""
    port = new_port()
    srv = net.server('remote', 'echo-server', net.any, port)
    out = ok(net.inst.run('many', net.srv, port, 200, 65536, timeout=60),
             'many')
    assert one_result(out, 'open') == ['200']
    assert one_result(out, 'many') == ['ok', '200', 'bad', '0'], out
    assert results(srv.output, 'max')[-1] == ['200'], srv.output
    assert 'error' not in srv.output, srv.output


def stream_queued(inst):
    """Bytes queued for passt to read on its stream socket (ss, Recv-Q).
    The socket accept() returns lives in the connecting side's network
    namespace: the relay's, GUEST"""
    sock = os.path.join(inst.dir, 'passt.sock')
    out = run_in(inst.guest_ns, ['ss', '-xHn', 'state', 'established'])
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) >= 4 and f[3] == sock:
            return int(f[1])
    return 0


def test_pending_acks_overflow(remote, files, tmp_path):
    """passt reads a whole buffer of frames from the stream at once: 300
    segments of as many connections, queued while it was stopped, owe the
    guest 300 ACKs in one batch, more than the list of pending ACKs holds
    (TCP_PENDING_MAX, 256). The first 256 go out as the 257th comes, the
    rest at the end of the batch: every segment is acknowledged, by an ACK
    alone (the server doesn't answer), and none retransmitted"""
    n = 300
    inst = Instance(remote, files, 'passt', extra=('--debug',), fwd=False)
    try:
        net = Net(inst, 4)
        port = new_port()
        net.server('remote', 'pong-server', net.any, port)
        go = tmp_path / 'go'
        cli = inst.spawn('burst', net.srv, port, n, go)
        cli.wait_output(rf'open {n}', timeout=30)
        os.kill(inst.pid, signal.SIGSTOP)
        try:
            go.touch()
            cli.wait_output('sent', timeout=10)
            # All n segments (and their length headers) wait in passt's
            # end of the stream once the relay wrote them
            wait_until(lambda: stream_queued(inst) >= n * (4 + 14 + 20 + 21),
                       timeout=10, what='segments queued for passt')
        finally:
            os.kill(inst.pid, signal.SIGCONT)
        assert cli.wait(30) == 0, cli.output
        log = inst.read_log()
    finally:
        inst.stop()
    assert one_result(cli.output, 'burst') == \
        [str(n), 'unacked', '0', 'retrans', '0'], cli.output
    assert '256 connections owe the guest an ACK: sent them early' in log, \
        log[-2000:]


# ---------------------------------------------------------------------------
# 3. Forwarded ports

def test_forward_upload(net):
    """64 MiB from REMOTE through a forwarded port to a server in the guest,
    which sees REMOTE's own address"""
    port = net.inst.fwd_port()
    srv = net.server('guest', 'listen', net.any, port, '--once', 'recv')
    out = ok(net.remote_run('connect', net.host, port, '--from', net.srv,
                            'send', net.inst.files['big'], timeout=60),
             'forwarded upload')
    assert check_sent(out, BIG, net.inst.files['big_sha']) == \
        (net.host, net.srv)	# the guest sees REMOTE's address
    assert srv.wait(10) == 0, srv.output


def test_forward_download(net):
    """64 MiB from a server in the guest to REMOTE, via a forwarded port"""
    port = net.inst.fwd_port()
    srv = net.server('guest', 'listen', net.any, port, '--once', 'send',
                     net.inst.files['big'])
    out = ok(net.remote_run('connect', net.host, port, '--from', net.srv,
                            'recv', timeout=60), 'forwarded download')
    sha, n, peer, _ = one_result(out, 'recv')
    assert (sha, int(n)) == (net.inst.files['big_sha'], BIG)
    assert peer == net.host
    assert srv.wait(10) == 0, srv.output
    assert check_sent(srv.output, BIG, net.inst.files['big_sha']) == \
        (net.srv, net.host)	# the guest sees REMOTE's address


def test_forward_port_translation_and_peers(net):
    """-t 8080:80: HOST's 8080 reaches the guest's 80; the guest sees REMOTE
    clients as themselves, HOST's own (loopback, host address) as the
    gateway; HOST's port 80 isn't forwarded. pasta splices connections from
    HOST's loopback (test_splice.py): a socket of the namespace connects to
    the namespace's own address, which is then the peer"""
    net.inst.fwd_port()	# fails clearly if -t isn't there
    srv = net.server('guest', 'listen', net.any, 80, 'recv')
    small, small_sha = net.inst.files['small'], net.inst.files['small_sha']
    lo_peer = net.host if net.mode == 'pasta' else net.gw
    cases = [
        ('REMOTE', net.remote_run, ['--from', net.srv], net.host, net.srv),
        ('HOST loopback', net.host_run, [], net.loopback, lo_peer),
        ('HOST address', net.host_run, [], net.host, net.gw),
    ]
    seen = []
    for what, runner, src, dst, _ in cases:
        out = ok(runner('connect', dst, 8080, *src, 'send', small),
                 f'{what} client to [{dst}]:8080')
        seen.append((what, check_sent(out, SMALL, small_sha,
                                      f' ({what})')[1]))
    assert seen == [(what, want) for what, _, _, _, want in cases]
    assert len(results(srv.output, 'recv')) == 3, srv.output
    out = ok(net.remote_run('refused', net.host, 80), 'port 80')
    assert one_result(out, 'refused'), out


# ---------------------------------------------------------------------------
# 4. Refused connections

def test_refused_outbound(net):
    """Guest connects to a closed port in REMOTE: refused, quickly"""
    out = ok(net.inst.run('refused', net.srv, new_port()), 'refused')
    r = one_result(out, 'refused')
    assert float(r[0]) < 1.0, out


def test_refused_inbound(net):
    """REMOTE connects to a forwarded port nobody listens on in the guest:
    the connection HOST's kernel accepted is reset, quickly"""
    port = net.inst.fwd_port()
    out = ok(net.remote_run('connect', net.host, port, '--from', net.srv,
                            'wait-reset'), 'connect to unused guest port')
    r = one_result(out, 'reset')
    assert float(r[0]) < 1.0, out


# ---------------------------------------------------------------------------
# 5, 6. Half-close and reset, guest-initiated (out) and forwarded (in)

def pair(net, direction, guest_role, peer_role):
    """Run guest_role and peer_role on the two ends of one connection

    out: guest client to a REMOTE server; in: REMOTE client through a
    forwarded port to a guest server. Returns (guest output, peer output).
    """
    if direction == 'out':
        port = new_port()
        srv = net.server('remote', 'listen', net.any, port, '--once',
                         *peer_role)
        cli = net.inst.run('connect', net.srv, port, *guest_role)
    else:
        port = net.inst.fwd_port()
        srv = net.server('guest', 'listen', net.any, port, '--once',
                         *guest_role)
        cli = net.remote_run('connect', net.host, port, '--from', net.srv,
                             *peer_role)
    rc = srv.wait(10)
    assert rc == 0, f'server: exit {rc}\n{srv.output}'
    ok(cli, 'client')
    if direction == 'out':
        return cli.stdout, srv.output
    return srv.output, cli.stdout


@pytest.mark.parametrize('direction', ['out', 'in'])
@pytest.mark.parametrize('first', ['guest', 'peer'])
def test_half_close(net, direction, first):
    """One side sends and shuts down its write side; the other reads to EOF,
    then still sends its reply, which arrives in full"""
    size = 256 << 10
    gr = ['half-first' if first == 'guest' else 'half-second', size]
    pr = ['half-second' if first == 'guest' else 'half-first', size]
    g, p = pair(net, direction, gr, pr)
    tag_g = 'first' if first == 'guest' else 'second'
    tag_p = 'second' if first == 'guest' else 'first'
    assert one_result(g, f'half-{tag_g}') == ['ok', str(size)], g
    assert one_result(p, f'half-{tag_p}') == ['ok', str(size)], p


@pytest.mark.parametrize('direction', ['out', 'in'])
@pytest.mark.parametrize('aborts', ['guest', 'peer'])
def test_reset(net, direction, aborts):
    """Close with SO_LINGER 0 on one end: the other gets ECONNRESET"""
    gr = ['abort'] if aborts == 'guest' else ['wait-reset']
    pr = ['wait-reset'] if aborts == 'guest' else ['abort']
    g, p = pair(net, direction, gr, pr)
    waiter = p if aborts == 'guest' else g
    assert 'aborted' in (g if aborts == 'guest' else p)
    r = one_result(waiter, 'reset', f' (got: {waiter.strip()})')
    assert float(r[0]) < 1.0, waiter


# ---------------------------------------------------------------------------
# 7. Flow control: a receiver that stops reading

def progress(proc):
    r = results(proc.output, 'progress')
    return int(r[-1][0]) if r else -1


def wait_stalled(proc, quiet=0.5, timeout=10):
    """Wait until the sender's progress stops for quiet seconds; return it"""
    state = {'v': None, 't': 0}

    def still():
        v = progress(proc)
        now = time.monotonic()
        if v != state['v']:
            state['v'], state['t'] = v, now
            return None
        return v if now - state['t'] >= quiet else None
    return wait_until(still, timeout=timeout, interval=0.05,
                      what='sender to stall')


@pytest.mark.parametrize('to', ['remote', 'guest'])
def test_stalled_receiver(net, to):
    """The receiver pauses after 1 MiB: the sender blocks (bytes taken stop
    growing), then resumes when reading does; every byte arrives"""
    files = net.inst.files
    gofile = os.path.join(files['dir'], f'go-{new_port()}')
    port = new_port()
    pre = 1 << 20
    if to == 'remote':
        recv = net.server('remote', 'listen', net.any, port, '--once',
                          'recv-pause', pre, gofile)
        send = net.inst.spawn('connect', net.srv, port, 'send-progress',
                              files['big'])
    else:
        send = net.server('remote', 'listen', net.any, port, '--once',
                          'send-progress', files['big'])
        recv = net.inst.spawn('connect', net.srv, port, 'recv-pause', pre,
                              gofile)
    recv.wait_output(r'paused', timeout=20)
    stalled = wait_stalled(send)
    # Still blocked a second later. Not necessarily to the byte: a receive
    # queue that isn't read gets collapsed by the kernel, and zero window
    # probes then find a little room again, at growing intervals. 4 MiB in
    # a second is a small fraction of the rate of an unblocked transfer.
    time.sleep(1)
    later = progress(send)
    assert later - stalled <= 4 << 20, \
        f'sender went on from {stalled} to {later}:\n{tail(send.output)}'
    assert pre <= stalled and later < BIG, \
        f'sender at {later} of {BIG}, receiver paused:\n{tail(send.output)}'
    with open(gofile, 'w'):
        pass
    rc = send.wait(60)
    assert rc == 0, f'sender: exit {rc}, stalled at {stalled}:\n' \
        f'{tail(send.output)}\nreceiver:\n{tail(recv.output)}'
    assert recv.wait(10) == 0, tail(recv.output)
    sha, n = one_result(recv.output, 'recv')[:2]
    assert (sha, int(n)) == (files['big_sha'], BIG), recv.output
    check_sent(send.output, BIG, files['big_sha'])
    print(f'sender stalled at {stalled} bytes')


# ---------------------------------------------------------------------------
# 8. MTU

def pcap_frames(path):
    """(captured length, original length, source MAC) of each frame in a
    pcap file"""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    out = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        out.append((incl, orig, data[off + 22:off + 28].hex(':')))
        off += 16 + incl
    return out


def sndbuf_settable():
    """Whether net.core.wmem_max lets passt set a send buffer of at least
    1 MiB (2 MiB asked for, which the kernel doubles, up to twice the
    limit): see tcp_sndbuf_grow()"""
    with open('/proc/sys/net/core/wmem_max') as f:
        return int(f.read()) * 2 >= 1 << 20


@pytest.mark.parametrize('mtu', [1500, 9000, 65520])
@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_mtu(remote, files, mode, mtu):
    """Guest link MTU set (pasta -m, passt -m and the guest's link): 4 MiB
    down and up, both families, and no frame to the guest longer than
    MTU + 14. From the namespace, pasta's tap device takes TCP super-frames
    (TSO): longer than the MTU unless that's the largest frame already"""
    inst = Instance(remote, files, mode, mtu=mtu, pcap=True, fwd=False)
    try:
        link = run(inst.prefix + ['ip', '-o', 'link', 'show',
                                  'h0' if mode == 'pasta' else 'g0'])
        assert f' mtu {mtu} ' in link.stdout, link.stdout
        guest_mac = link.stdout.split('link/ether ')[1].split()[0]
        for family in (4, 6):
            n = Net(inst, family)
            port = new_port()
            n.server('remote', 'listen', n.any, port, 'recv')
            out = ok(inst.run('connect', n.srv, port, 'send',
                              files['small']), f'upload IPv{family}')
            check_sent(out, SMALL, files['small_sha'])
            port = new_port()
            n.server('remote', 'listen', n.any, port, 'send',
                     files['small'])
            out = ok(inst.run('connect', n.srv, port, 'recv'),
                     f'download IPv{family}')
            assert one_result(out, 'recv')[:2] == \
                [files['small_sha'], str(SMALL)], out
    except BaseException:
        print(f'--- {mode} log ---\n{inst.read_log()}')
        raise
    finally:
        inst.stop()
    frames = pcap_frames(inst.pcap)
    assert len(frames) > SMALL // mtu, f'{len(frames)} frames captured'
    assert all(i == o for i, o, _ in frames), 'truncated frames in capture'
    longest = max(o for _, o, m in frames if m != guest_mac)
    assert longest <= mtu + 14, f'frame of {longest} bytes, MTU {mtu}'
    # Full-sized segments were used, both ways
    assert longest == mtu + 14, f'longest frame {longest}, MTU {mtu}'
    longest = max(o for _, o, m in frames if m == guest_mac)
    assert longest <= 14 + 65535, f'frame of {longest} bytes from guest'
    if mtu + 14 + 1000 > 14 + 65535 and not sndbuf_settable():
        # A guest's segments are at most half the largest window it was
        # offered (Linux: tcp_bound_to_half_wnd()). Ours is the free room
        # in the host socket's send buffer, which Linux only grows for a
        # writer that fills it: when the host peer takes everything at
        # once, the window can stay at 51,840 bytes (a 69,120 byte
        # buffer) for the whole upload, and the guest's segments at
        # 25,920. We set a larger buffer then, but only if
        # net.core.wmem_max allows one as large as the kernel would make
        # it. Without, larger than any 9000 byte MTU allows is what shows.
        assert 9000 + 14 < longest <= mtu + 14, \
            f'longest from guest {longest}'
    elif mode == 'passt' or mtu + 14 + 1000 > 14 + 65535:
        assert longest == mtu + 14, f'longest from guest {longest}'
    else:
        assert longest > mtu + 14, f'no TSO: longest from guest {longest}'


@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_sndbuf_set_for_fast_peer(remote, files, mode):
    """A host peer that takes all data as it comes (a receive buffer fixed
    at 8 MiB, over REMOTE's 1500 byte MTU path): Linux never finds the host
    socket's send buffer full, and keeps it at its first size, which our
    window follows. We set it larger (tcp_sndbuf_grow()), once per
    connection, if net.core.wmem_max allows at least 1 MiB. If the peer
    falls behind once before that, the kernel grows the buffer itself"""
    if not sndbuf_settable():
        pytest.skip('net.core.wmem_max below 512 KiB: nothing is set')
    inst = Instance(remote, files, mode, extra=('--trace',), fwd=False)
    try:
        n = Net(inst, 4)
        port = new_port()
        n.server('remote', 'listen', n.any, port, '--rcvbuf', 4 << 20,
                 '--once', 'recv')
        out = ok(inst.run('connect', n.srv, port, 'send', files['small']),
                 'upload')
        check_sent(out, SMALL, files['small_sha'])
        log = inst.read_log()
    finally:
        inst.stop()
    # Window measurements, in order, while the buffer had its first size
    w = re.findall(r'window \d+ \(sndbuf (\d+), queued memory (\d+)\)', log)
    assert w, log[-3000:]
    first, empty = int(w[0][0]), 0
    for size, queued in w:
        if int(size) != first:
            break
        empty += queued == '0'
    set_to = re.findall(r'send buffer (\d+) stayed empty and small while '
                        r'the guest waited: set to (\d+)', log)
    assert len(set_to) <= 1, set_to
    if first >= 256 << 10:
        # The kernel grew it before our first measurement (the peer fell
        # behind once, seen under ASan): nothing small is left to set
        assert not set_to, (first, set_to)
        return
    for was, now in set_to:
        assert int(was) == first < 256 << 10 and int(now) >= 1 << 20, set_to
    # We set it after four of them (fewer count if the guest didn't use its
    # window up); without, the buffer stays for 28 to 78 measurements here,
    # until the peer happens to fall behind once
    assert set_to or empty < 12, \
        f'send buffer kept its first {first} bytes, found empty {empty} times'


# ---------------------------------------------------------------------------
# 9. Many short connections: nothing leaks

def short_batch(net, port, n):
    out = ok(net.inst.run('short', net.srv, port, n, 4, timeout=120),
             f'{n} short connections')
    r = one_result(out, 'short')
    assert r[:3] == [str(n), 'errors', '0'], out
    return float(r[4])


def settled_fds(inst, want=None, timeout=10):
    """fd count of the instance once it stops changing (or equals want)"""
    state = {'v': None, 't': 0}

    def stable():
        v = inst.fds()
        now = time.monotonic()
        if want is not None:
            return v if v == want else None
        if v != state['v']:
            state['v'], state['t'] = v, now
            return None
        return v if now - state['t'] >= 0.3 else None
    return wait_until(stable, timeout=timeout, interval=0.05,
                      what=f'{inst.mode} fd count to settle'
                      + (f' at {want}' if want is not None else ''))


@pytest.mark.parametrize('family', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_short_connections_no_leak(remote, files, mode, family):
    """10,000 short connections (4 at a time), on a fresh instance: fds back
    to the baseline, RSS flat between 2,000 and 10,000, no flows left"""
    # Only TCP flows count here: the guest's set-up pings would hold echo
    # flows open for their idle time
    inst = Instance(remote, files, mode, fwd=False, extra=['--no-icmp'])
    try:
        short_connections(inst, Net(inst, family))
    except BaseException:
        print(f'--- {mode} log ---\n{tail(inst.read_log(), 80)}')
        raise
    finally:
        inst.stop()


def short_connections(inst, net):
    port = new_port()
    srv = net.server('remote', 'pong-server', net.any, port)
    short_batch(net, port, 100)		# warm-up
    base = settled_fds(inst)
    t = short_batch(net, port, 1900)
    rss1 = inst.rss_kib()
    t += short_batch(net, port, 8000)
    rss2 = inst.rss_kib()
    print(f'10,000 connections in {t:.1f}s, RSS {rss1} -> {rss2} KiB, '
          f'baseline {base} fds')
    fds = None
    try:
        fds = settled_fds(inst, want=base, timeout=15)
    finally:
        if fds is None:
            print(f'fds now {inst.fds()}, baseline {base}:',
                  sorted(os.readlink(f'/proc/{inst.pid}/fd/{x}')
                         for x in os.listdir(f'/proc/{inst.pid}/fd')))
    assert rss2 - rss1 <= 512, f'RSS grew {rss1} -> {rss2} KiB'
    assert 'error' not in srv.output, srv.output
    if not inst.handles_sigusr1():
        pytest.skip('TODO: flow statistics on SIGUSR1 not implemented yet '
                    '(rest of the test passed)')
    seen = []

    def no_flows():
        seen.append(inst.flows_in_use())
        return seen[-1] == 0
    try:
        wait_until(no_flows, timeout=15, interval=0.3, what='0 flows in use')
    except BaseException:
        print(f'flows in use: {seen}')
        raise



@pytest.mark.parametrize('family', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('mode', ['pasta', 'passt'])
def test_guest_closes_first_no_port_exhaustion(remote, files, mode, family):
    """The guest closes first, 60 connections in a row to one server, with
    16 local ports: each would hold its port in TIME_WAIT for a minute
    (the guest can't reuse them without timestamps), so the 17th connect()
    would fail; the reset after the guest's last ACK ends TIME_WAIT"""
    inst = Instance(remote, files, mode, fwd=False, extra=['--no-icmp'])
    try:
        net = Net(inst, family)
        port = new_port()
        srv = net.server('remote', 'echo-server', net.any, port)
        ok(run(inst.prefix + ['sysctl', '-q', '-w',
                              'net.ipv4.ip_local_port_range=40000 40015']),
           'port range in the guest')
        out = ok(inst.run('closefirst', net.srv, port, 60, timeout=60),
                 'closefirst')
        assert 'closefirst ok 60' in out, out
        res = ok(run(inst.prefix + ['ss', '-Htan', 'state', 'time-wait']),
                 'ss')
        assert len(res.splitlines()) == 0, res
        assert 'error' not in srv.output, srv.output
        if inst.handles_sigusr1():
            off = inst.log_size()
            os.kill(inst.pid, signal.SIGUSR1)
            m = wait_until(lambda: re.search(r'(\d+) TIME_WAITs ended',
                                             inst.read_log(off)),
                           timeout=3, what='TCP counters after SIGUSR1')
            assert int(m.group(1)) >= 60, m.group(0)
    except BaseException:
        print(f'--- {mode} log ---\n{tail(inst.read_log(), 80)}')
        raise
    finally:
        inst.stop()


# ---------------------------------------------------------------------------
# The tick: twenty a second while a connection waits on a timer, one a
# second otherwise

def wakeups(pid):
    """Voluntary context switches of a process so far: its wake-ups"""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('voluntary_ctxt_switches:'):
                return int(line.split()[1])
    raise AssertionError(f'no voluntary_ctxt_switches for {pid}')


def idle_wakeups(pid, secs):
    """Wake-ups of pid in the next secs seconds"""
    before = wakeups(pid)
    time.sleep(secs)
    return wakeups(pid) - before


@pytest.mark.parametrize('mode', ['passt', 'pasta'])
def test_idle_tick(remote, files, mode):
    """Idle, the process wakes up about once a second (the flows' timers
    count in seconds), not at the 50 ms tick that retransmissions need; a
    connection waiting on a timer (the guest stopped reading: zero window
    probes) brings that tick back, and a second after it's done, it goes"""
    inst = Instance(remote, files, mode, fwd=False)
    try:
        net = Net(inst, 4)
        # Start-up traffic (DHCP, NDP, the namespace's own) settles first
        wait_until(lambda: idle_wakeups(inst.pid, 3) <= 6, timeout=20,
                   what='3 s with at most 6 wake-ups')

        gofile = os.path.join(files['dir'], f'go-{new_port()}')
        port = new_port()
        send = net.server('remote', 'listen', net.any, port, '--once',
                          'send-progress', files['big'])
        recv = inst.spawn('connect', net.srv, port, 'recv-pause', 1 << 20,
                          gofile)
        recv.wait_output(r'paused', timeout=20)
        wait_stalled(send)
        busy = idle_wakeups(inst.pid, 1)
        with open(gofile, 'w'):
            pass
        assert send.wait(60) == 0, tail(send.output)
        assert recv.wait(10) == 0, tail(recv.output)
        time.sleep(1.5)
        idle = idle_wakeups(inst.pid, 3)
        assert busy >= 10 and idle <= 6, (busy, idle)
    except BaseException:
        print(f'--- {mode} log ---\n{tail(inst.read_log(), 80)}')
        raise
    finally:
        inst.stop()

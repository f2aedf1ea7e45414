# SPDX-License-Identifier: GPL-2.0-or-later
#
# UDP port forwarding from the host to the guest (-u, and the UDP ports -t
# implies), for pasta (a namespace) and passt (a GUEST namespace behind
# tap_relay), IPv4 and IPv6. An echo server in the guest prints the source
# of every datagram it gets:
#
#   - -u P: a client in REMOTE (from SRV4 / SRV6) sends to HOST's address,
#     port P, and gets its echo; the guest sees the client as itself
#   - -u 9000:P: HOST's port 9000 reaches the guest's P
#   - a client on HOST's loopback is seen by the guest as the gateway
#   - -t P alone forwards UDP P too, and -t 8000:P forwards UDP 8000 to the
#     guest's 8000, untranslated (man page, -u)
#   - datagrams of 1, 1000 and the largest payload the guest's MTU takes
#     (65520 by default: 65492 bytes over IPv4, 65472 over IPv6) go both
#     ways unchanged; one byte more doesn't fit in a frame and is dropped
#   - HOST gets a second address (192.0.2.3, 2001:db8:1::3): a client
#     sending to it gets the echo from it, one sending to the first address
#     from that one, although the forwarded port is bound to the wildcard
#     address (IP_PKTINFO, IPV6_PKTINFO)
#
# Ports differ per mode and per instance, so that instances never compete
# for a host port even if pytest keeps two alive at once.

import hashlib
import os
import random
import shutil
import tempfile

import pytest

from conftest import (HOST4, HOST6, REMOTE4, SESSION, check_sanitizers,
                      passt_argv, pasta_argv, run_in, sh_ns)
from test_tcp import PY, SRV4, SRV6, Instance, remote  # noqa: F401

TOOL = r'''
import hashlib, os, random, socket, sys

IP_PKTINFO = 8		# not in Python's socket module


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def say(*a):
    print(*a, flush=True)


def server(addr, port):
    """Echo server replying from the address each datagram came to, as a
    server bound to a wildcard address on a host with several addresses
    should: the guest may have more than one (pasta's namespace also
    configures one by SLAAC), and the kernel's choice of source for a plain
    sendto() needn't be the address the datagram came to"""
    v6 = fam(addr) == socket.AF_INET6
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind((addr, port))
    say('listening')
    while True:
        d, anc, _, a = s.recvmsg(65535, 256)
        say('got', a[0], len(d), hashlib.sha256(d).hexdigest()[:16])
        reply = []
        for level, kind, data in anc:
            if v6 and kind == socket.IPV6_PKTINFO:
                reply = [(level, kind, data[:16] + bytes(4))]
            elif not v6 and kind == IP_PKTINFO:
                reply = [(level, kind, bytes(4) + data[8:12] + bytes(4))]
        s.sendmsg([d], reply, 0, a)


def client(addr, port, src):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    if src:
        s.bind((src, 0))
    s.settimeout(1)
    data = os.urandom(100)
    for _ in range(3):
        s.sendto(data, (addr, port))
        try:
            got, a = s.recvfrom(65535)
        except TimeoutError:
            continue
        say('echo', 'ok' if got == data else 'bad', a[1])
        return
    say('timeout')


def sizes(addr, port, src, lens, drop):
    """Unconnected socket: send each size (seeded data), print the echo's
    length, whether it's the same data, and where it came from; then one
    of size drop, which should get no echo"""
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((src, 0))
    s.settimeout(1)
    for n in lens:
        data = random.Random(n).randbytes(n)
        for _ in range(3):
            s.sendto(data, (addr, port))
            try:
                got, a = s.recvfrom(65535)
            except TimeoutError:
                continue
            say('echo', n, len(got), 'ok' if got == data else 'bad',
                a[0], a[1])
            break
        else:
            say('timeout', n)
    if drop:
        s.sendto(random.Random(drop).randbytes(drop), (addr, port))
        try:
            got, a = s.recvfrom(65535)
            say('echo', drop, len(got))
        except TimeoutError:
            say('dropped', drop)


cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'server':
    server(a[0], int(a[1]))
elif cmd == 'client':
    client(a[0], int(a[1]), a[2] if len(a) > 2 else None)
elif cmd == 'sizes':
    sizes(a[0], int(a[1]), a[2], [int(x) for x in a[3].split(',')],
          int(a[4]))
'''


@pytest.fixture(scope='module')
def files(session_env):
    d = tempfile.mkdtemp(prefix='udpfwd-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    tool = os.path.join(d, 'udp_fwd_tool.py')
    with open(tool, 'w') as f:
        f.write(TOOL)
    os.chmod(tool, 0o644)
    yield {'dir': d, 'tool': tool}
    shutil.rmtree(d, ignore_errors=True)


def ports(mode):
    """Guest port P for -u, host port for -u X:P, P for -t, X for -t X:P"""
    k = 0 if mode == 'pasta' else 1
    return {'u': 7101 + k, 'u_xlat': 9001 + k,
            't': 7201 + k, 't_xlat': 8001 + k}


@pytest.fixture(scope='module', params=['pasta', 'passt'])
def insts(request, remote, files):
    p = ports(request.param)
    u = Instance(remote, files, request.param, fwd=False,
                 extra=['-u', f'{p["u"]},{p["u_xlat"]}:{p["u"]}'])
    try:
        t = Instance(remote, files, request.param, fwd=False,
                     extra=['-t', f'{p["t"]},{p["t_xlat"]}:{p["t"]}'])
    except BaseException:
        u.stop()
        raise
    yield {'u': u, 't': t, 'ports': p, 'mode': request.param}
    u.stop()
    t.stop()


@pytest.fixture(params=[4, 6], ids=['ipv4', 'ipv6'])
def fam(request, insts):
    offs = {k: insts[k].log_size() for k in ('u', 't')}
    yield request.param
    for k in ('u', 't'):
        inst = insts[k]
        log = inst.read_log(offs[k])
        print(f'--- {inst.mode} (-{k}) log during this test ---\n{log}')
        check_sanitizers(inst.proc.output + log, inst.mode)
        assert inst.running(), f'{inst.mode} exited:\n{inst.proc.output}'


class Addrs:
    def __init__(self, inst, fam):
        v4 = fam == 4
        self.any = '0.0.0.0' if v4 else '::'
        self.host = HOST4 if v4 else HOST6	# HOST, and the guest
        self.srv = SRV4 if v4 else SRV6
        self.loopback = '127.0.0.1' if v4 else '::1'
        self.gw = REMOTE4 if v4 else inst.topo.gw6


def guest_server(inst, addr, port):
    p = inst.spawn('server', addr, port)
    p.wait_output('listening', timeout=10)
    return p


def remote_client(inst, dst, port, src):
    res = run_in(inst.topo.remote, [PY, inst.files['tool'], 'client', dst,
                                    str(port), src], timeout=20)
    assert res.returncode == 0, f'{res.stdout}\n{res.stderr}'
    return res.stdout.split()


def host_client(inst, dst, port):
    res = run_in(inst.topo.host, [PY, inst.files['tool'], 'client', dst,
                                  str(port)], timeout=20)
    assert res.returncode == 0, f'{res.stdout}\n{res.stderr}'
    return res.stdout.split()


def seen(srv):
    return [line.split()[1] for line in srv.output.splitlines()
            if line.startswith('got ')]


def seen_data(srv):
    """(length, hash) of each datagram the guest's server got, repeats
    (retransmissions) once"""
    out = []
    for line in srv.output.splitlines():
        if line.startswith('got '):
            d = (int(line.split()[2]), line.split()[3])
            if not out or out[-1] != d:
                out.append(d)
    return out


def pattern_hash(n):
    return hashlib.sha256(random.Random(n).randbytes(n)).hexdigest()[:16]


# The guest's MTU: the default of pasta and passt (and tap_relay's)
MTU = 65520


def test_udp_forward_remote_and_translation(insts, fam):
    """-u P and -u 9000:P: REMOTE's datagrams reach the guest's P, the
    echo comes back from the port the client used; the guest sees REMOTE"""
    inst, p = insts['u'], insts['ports']
    a = Addrs(inst, fam)
    srv = guest_server(inst, a.any, p['u'])
    try:
        for port in (p['u'], p['u_xlat']):
            out = remote_client(inst, a.host, port, a.srv)
            assert out == ['echo', 'ok', str(port)], \
                f'{out}\n{inst.read_log()}'
        assert seen(srv) == [a.srv, a.srv], srv.output
    finally:
        srv.stop()


def test_udp_forward_host_loopback_is_gateway(insts, fam):
    """A client on HOST's loopback appears in the guest as the gateway
    (passt); pasta relays its datagrams socket to socket instead
    (udp_splice.c, test_splice.py), and they come from the namespace's own
    address"""
    inst, p = insts['u'], insts['ports']
    a = Addrs(inst, fam)
    srv = guest_server(inst, a.any, p['u'])
    try:
        out = host_client(inst, a.loopback, p['u'])
        assert out == ['echo', 'ok', str(p['u'])], \
            f'{out}\n{inst.read_log()}'
        want = a.host if inst.mode == 'pasta' else a.gw
        assert seen(srv) == [want], srv.output
    finally:
        srv.stop()


def test_udp_forward_from_tcp_ports(insts, fam):
    """-t P forwards UDP P as well; -t 8000:P forwards UDP 8000 to the
    guest's 8000, not to P"""
    inst, p = insts['t'], insts['ports']
    a = Addrs(inst, fam)
    srv = guest_server(inst, a.any, p['t'])
    srv_x = guest_server(inst, a.any, p['t_xlat'])
    try:
        out = remote_client(inst, a.host, p['t'], a.srv)
        assert out == ['echo', 'ok', str(p['t'])], \
            f'{out}\n{inst.read_log()}'
        out = remote_client(inst, a.host, p['t_xlat'], a.srv)
        assert out == ['echo', 'ok', str(p['t_xlat'])], \
            f'{out}\n{inst.read_log()}'
        assert seen(srv) == [a.srv], srv.output
        assert seen(srv_x) == [a.srv], srv_x.output
    finally:
        srv.stop()
        srv_x.stop()


def test_udp_bind_failure_names_port(insts):
    """An explicit -u port that's taken on the host (by the running
    instance): the second one exits with status 1 at start, naming it"""
    inst, port = insts['u'], insts['ports']['u']
    if insts['mode'] == 'pasta':
        argv = pasta_argv('-u', str(port), '--', 'true')
    else:
        argv = passt_argv('-f', '-1', '-s',
                          os.path.join(inst.dir, 'never.sock'),
                          '-u', str(port))
    res = run_in(inst.topo.host, argv, user='nobody', timeout=10)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert f"Can't bind UDP port {port}" in out, out


def test_udp_forward_sizes(insts, fam):
    """1, 1000 and MTU-sized datagrams through -u, both ways, unchanged;
    one byte over the MTU is dropped"""
    inst, p = insts['u'], insts['ports']
    a = Addrs(inst, fam)
    big = MTU - (20 if fam == 4 else 40) - 8
    lens = [1, 1000, big]
    srv = guest_server(inst, a.any, p['u'])
    try:
        res = run_in(inst.topo.remote, [PY, inst.files['tool'], 'sizes',
                                        a.host, str(p['u']), a.srv,
                                        ','.join(map(str, lens)),
                                        str(big + 1)], timeout=30)
        out = res.stdout.splitlines()
        want = [f'echo {n} {n} ok {a.host} {p["u"]}' for n in lens]
        assert out == want + [f'dropped {big + 1}'], \
            f'{res.stdout}\n{res.stderr}\n{inst.read_log()}'
        assert seen_data(srv) == [(n, pattern_hash(n)) for n in lens], \
            srv.output
    finally:
        srv.stop()


@pytest.fixture(scope='module')
def second_addr(insts):
    """A second address for HOST, on h0, after the instances started"""
    topo = insts['u'].topo
    sh_ns(topo.host, f'''
        ip addr add {HOST4_2}/24 dev h0
        ip addr add {HOST6_2}/64 dev h0 nodad
    ''')
    yield
    run_in(topo.host, ['ip', 'addr', 'del', f'{HOST4_2}/24', 'dev', 'h0'])
    run_in(topo.host, ['ip', 'addr', 'del', f'{HOST6_2}/64', 'dev', 'h0'])


HOST4_2 = '192.0.2.3'
HOST6_2 = '2001:db8:1::3'


def test_udp_forward_reply_source(insts, fam, second_addr):
    """Replies come from the address the client sent to: HOST's second
    address, and its first one. Whichever the kernel would pick by itself,
    one of the two would fail without IP_PKTINFO / IPV6_PKTINFO"""
    inst, p = insts['u'], insts['ports']
    a = Addrs(inst, fam)
    second = HOST4_2 if fam == 4 else HOST6_2
    srv = guest_server(inst, a.any, p['u'])
    try:
        for dst in (second, a.host):
            res = run_in(inst.topo.remote, [PY, inst.files['tool'],
                                            'sizes', dst, str(p['u']),
                                            a.srv, '100', '0'], timeout=30)
            assert res.stdout.split() == ['echo', '100', '100', 'ok', dst,
                                          str(p['u'])], \
                f'{res.stdout}\n{res.stderr}\n{inst.read_log()}'
        assert seen(srv) == [a.srv, a.srv], srv.output
    finally:
        srv.stop()

# SPDX-License-Identifier: GPL-2.0-or-later
#
# UDP flows and ICMP echo, end to end, for pasta (a namespace behind pasta's
# tap) and passt (a GUEST namespace behind tap_relay), IPv4 and IPv6:
#
#   - UDP echo of 1, 1000 and MTU - 28 (IPv4) or MTU - 48 (IPv6) bytes
#     through a server in REMOTE
#   - a datagram to a closed port in REMOTE: the guest's connected socket
#     sees ECONNREFUSED (ICMP port unreachable relayed to the guest)
#   - other destination unreachable errors: routes of type unreachable,
#     prohibit and throw (no route) in REMOTE, which then sends ICMP and
#     ICMPv6 errors, and in HOST, where pasta's and passt's own connect() or
#     sendto() fails: the guest's socket fails within a second with the
#     errno a socket on HOST would see, its error queue shows the type and
#     code (as REMOTE sent them, or as icmp_err_from_errno() maps the local
#     errno), the gateway as the source and our datagram as the quote; ping
#     prints the error instead of waiting
#   - ping -c 3 to REMOTE succeeds, and an echo request with a chosen
#     identifier and sequence number comes back as a reply with the same
#     identifier, sequence number and data, checksum right
#   - 1,000 UDP flows exist at once (SIGUSR1 flow statistics)
#   - datagrams from the guest to the broadcast address are dropped and
#     counted (the UDP line of SIGUSR1)
#   - bursts from the guest, sent back to back so that they reach us many
#     frames a wake-up (queued per flow, sent with one segmented sendmsg()
#     or one sendmmsg(), see udp_batch_send()): one flow with datagrams of
#     one size, of one size and a shorter last one, of mixed sizes, with
#     empty ones, more than one segmented send takes, large ones, and
#     several flows interleaved datagram by datagram and in runs. A sink in
#     REMOTE with room for a whole burst sees every datagram of every flow,
#     its bytes unchanged, in the order the flow sent them
#
# Idle expiry (UDP_IDLE_MS, 180 s; 60 s for echo flows) is too long for this
# module and deliberately has no test-only override: udp_timer() and
# icmp_timer() close any flow whose last_active is older than that, checked
# once a second from the 50 ms tick.
#
# Ping sockets need the group of passt and pasta (nobody, here) in
# net.ipv4.ping_group_range of HOST: the module widens it in HOST only (it's
# per network namespace) and puts it back afterwards.
#
# The Instance class of test_tcp runs pasta and passt; REMOTE servers listen
# on test_tcp's SRV4 and SRV6, added to REMOTE's loopback interface.

import os
import shutil
import tempfile
import time

import pytest

import conftest
from conftest import (REMOTE4, REMOTE6, SESSION, check_sanitizers, run,
                      run_in, spawn_in, sysctl, wait_until)
from test_tcp import PY, SRV4, SRV6, Instance, new_port, remote  # noqa: F401

MTU = 65520

TOOL = r'''
import errno, os, random, socket, struct, sys, time


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def say(*a):
    print(*a, flush=True)


def echo_server(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    say('listening')
    while True:
        d, a = s.recvfrom(65535)
        s.sendto(d, a)


def echo(addr, port, sizes):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.settimeout(1)
    for n in sizes:
        data = random.Random(n).randbytes(n)
        for _ in range(5):
            s.send(data)
            try:
                got = s.recv(65535)
            except TimeoutError:
                continue
            say('ok' if got == data else 'bad', n, len(got))
            break
        else:
            say('timeout', n)


def refused(addr, port):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.settimeout(2)
    s.send(b'anyone?')
    try:
        s.recv(100)
        say('answer')
    except ConnectionRefusedError:
        say('refused')
    except TimeoutError:
        say('timeout')


def unreach(addr, port, recverr):
    """Connected socket: send, expect an error on recv within a second.
    Print the errno, the attempt, how long it took, and with IP_RECVERR
    (IPV6_RECVERR) what the error queue says: origin, type, code, the
    offender (the error's source) and whether the quote is our datagram"""
    v6 = ':' in addr
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    if recverr:
        if v6:
            s.setsockopt(socket.IPPROTO_IPV6, 25, 1)	# IPV6_RECVERR
        else:
            s.setsockopt(socket.IPPROTO_IP, 11, 1)	# IP_RECVERR
    s.connect((addr, port))
    s.settimeout(1)
    data = os.urandom(100)
    # ICMP errors are rate limited by the routers sending them: try again
    for attempt in range(4):
        t0 = time.monotonic()
        s.send(data)
        try:
            s.recv(100)
            say('answer')
            return
        except TimeoutError:
            continue
        except OSError as e:
            dt = time.monotonic() - t0
            err = errno.errorcode.get(e.errno, str(e.errno))
        out = ['error', err, 'attempt', attempt, 'elapsed', '%.3f' % dt]
        if recverr:
            d, anc, fl, a = s.recvmsg(1000, 512, socket.MSG_ERRQUEUE)
            for lvl, typ, cm in anc:
                ee_errno, origin, t, code = struct.unpack('=IBBB', cm[:7])
                off = cm[16:]
                f = struct.unpack('=H', off[:2])[0]
                if f == socket.AF_INET:
                    src = socket.inet_ntop(f, off[4:8])
                elif f == socket.AF_INET6:
                    src = socket.inet_ntop(f, off[8:24])
                else:
                    src = '-'
                out += ['origin', origin, 'type', t, 'code', code, 'from',
                        src, 'quote-ok' if d == data else 'quote-bad']
        say(*out)
        return
    say('timeout')


def many(addr, port, n, first):
    ok = 0
    socks = []
    for i in range(n):
        s = socket.socket(fam(addr), socket.SOCK_DGRAM)
        s.bind(('', first + i))
        s.connect((addr, port))
        s.settimeout(1)
        s.send(b'%d' % i)
        try:
            if s.recv(100) == b'%d' % i:
                ok += 1
        except TimeoutError:
            pass
        socks.append(s)
        if len(socks) > 200:
            socks.pop(0).close()
    say('many', ok)


def payload(flow, seq, n):
    """n bytes naming flow and seq, then a pattern of both (n >= 0)"""
    head = b'%d/%d;' % (flow, seq)
    body = (head + bytes((flow * 7 + seq + i) & 0xff for i in range(64)))
    return (body * (n // len(body) + 1))[:n]


def tag(d):
    """(flow, seq) of a datagram from payload(), None if too short"""
    if b';' not in d:
        return None
    f, q = d.split(b';')[0].split(b'/')
    return int(f), int(q)


def sink(addr, port):
    """Record datagrams by source port (the flow's socket on HOST); on
    'report FLOW:N,...' from another socket, wait (3 s at most) until the
    flows sent their N datagrams, check them (contents, order), answer"""
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    try:		# SO_RCVBUFFORCE, not in Python's socket module
        s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((addr, port))
    say('listening')
    got = {}
    while True:
        d, a = s.recvfrom(65535)
        if not d.startswith(b'report '):
            got.setdefault(a[1], []).append(d)
            continue
        want = {}
        for item in d[7:].decode().split(','):
            flow, n = item.split(':')
            want[int(flow)] = int(n)
        s.settimeout(0.05)
        end = time.monotonic() + 3
        while time.monotonic() < end and \
                sum(len(x) for x in got.values()) < sum(want.values()):
            try:
                d2, a2 = s.recvfrom(65535)
                got.setdefault(a2[1], []).append(d2)
            except TimeoutError:
                pass
        s.settimeout(None)
        byflow = {}
        for dg in got.values():
            tags = [tag(x) for x in dg]
            flows = {t[0] for t in tags if t}
            byflow[flows.pop() if len(flows) == 1 else -1] = (dg, tags)
        got = {}
        res = []
        for flow, n in sorted(want.items()):
            dg, tags = byflow.get(flow, ([], []))
            seqs = [t[1] for t in tags if t]
            bad = sum(1 for x, t in zip(dg, tags)
                      if t and x != payload(flow, t[1], len(x)))
            res.append('%d:%d/%d:%s:bad=%d' % (
                flow, len(dg), n, 'order' if seqs == sorted(seqs) and
                len(set(seqs)) == len(seqs) else 'ORDER', bad))
        if -1 in byflow:
            res.append('mixed-sources')
        s.sendto(' '.join(res).encode(), a)


def burst(addr, port, pattern):
    """Send one burst of a named pattern on a few flows, back to back, then
    ask the sink what it got"""
    k = 1400
    pats = {
        'same': [(0, k)] * 60,
        'short-last': [(0, k)] * 40 + [(0, 300)],
        'mixed': [(0, 500 + (i % 3) * 400) for i in range(60)],
        'empty': [(0, 100), (0, 0), (0, 100), (0, 100), (0, 0), (0, 0),
                  (0, 100)] * 6,
        'over-64k': [(0, k)] * 120,
        'large': [(0, 30000)] * 6 + [(0, 20000)] * 2 + [(0, 1)],
        'interleaved': [(i % 3, k) for i in range(90)],
        'runs': [(i // 10 % 3, k) for i in range(120)],
    }[pattern]
    nflows = max(f for f, _ in pats) + 1
    socks = []
    for _ in range(nflows):
        t = socket.socket(fam(addr), socket.SOCK_DGRAM)
        t.connect((addr, port))
        socks.append(t)
    seq = [0] * nflows
    for f, n in pats:
        socks[f].send(payload(f + 1, seq[f], n))
        seq[f] += 1
    c = socket.socket(fam(addr), socket.SOCK_DGRAM)
    c.connect((addr, port))
    c.settimeout(10)
    c.send(('report ' + ','.join('%d:%d' % (f + 1, seq[f])
                                 for f in range(nflows))).encode())
    say(c.recv(65535).decode())


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def echo_raw(addr, ident, seq):
    """Echo request with our identifier and sequence number: print what
    comes back (identifier, sequence, data and checksum match)"""
    v6 = ':' in addr
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = socket.socket(fam(addr), socket.SOCK_RAW, proto)
    s.settimeout(1)
    data = os.urandom(56)
    req = struct.pack('!BBHHH', 128 if v6 else 8, 0, 0, ident, seq) + data
    if not v6:
        req = req[:2] + struct.pack('!H', csum(req)) + req[4:]
    for _ in range(3):
        s.sendto(req, (addr, 0))
        end = time.monotonic() + 1
        while time.monotonic() < end:
            try:
                pkt, a = s.recvfrom(65535)
            except TimeoutError:
                break
            if not v6:
                pkt = pkt[(pkt[0] & 0xf) * 4:]
            t, code, ck, i, q = struct.unpack('!BBHHH', pkt[:8])
            if t != (129 if v6 else 0):
                continue
            good = v6 or csum(pkt) == 0
            say('reply', a[0], i, q, 'data-ok' if pkt[8:] == data
                else 'data-bad', 'csum-ok' if good else 'csum-bad')
            return
    say('no-reply')


cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'echo-server':
    echo_server(a[0], int(a[1]))
elif cmd == 'echo':
    echo(a[0], int(a[1]), [int(x) for x in a[2:]])
elif cmd == 'refused':
    refused(a[0], int(a[1]))
elif cmd == 'bcast':
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    for _ in range(int(a[1])):
        b.sendto(b'anyone?', ('255.255.255.255', int(a[0])))
    say('sent')
elif cmd == 'sink':
    sink(a[0], int(a[1]))
elif cmd == 'burst':
    burst(a[0], int(a[1]), a[2])
elif cmd == 'many':
    many(a[0], int(a[1]), int(a[2]), int(a[3]))
elif cmd == 'echo-raw':
    echo_raw(a[0], int(a[1]), int(a[2]))
elif cmd == 'unreach':
    unreach(a[0], int(a[1]), a[2] == 'recverr')
'''


@pytest.fixture(scope='module')
def files(session_env):
    d = tempfile.mkdtemp(prefix='udp-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    tool = os.path.join(d, 'udp_tool.py')
    with open(tool, 'w') as f:
        f.write(TOOL)
    os.chmod(tool, 0o644)
    yield {'dir': d, 'tool': tool}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope='module')
def ping_ok(remote):
    """Let nobody open ping sockets in HOST, for this module"""
    path = 'net.ipv4.ping_group_range'
    old = run_in(remote.host, ['sysctl', '-n', path],
                 check=True).stdout.split()
    sysctl(remote.host, path, '0 2147483647')
    yield
    sysctl(remote.host, path, ' '.join(old))


@pytest.fixture(scope='module')
def servers(remote, files):
    """UDP echo servers in REMOTE on SRV4 and SRV6, and a closed port"""
    port = new_port()
    procs = [spawn_in(remote.remote, [PY, files['tool'], 'echo-server',
                                      a, str(port)]) for a in (SRV4, SRV6)]
    for p in procs:
        p.wait_output('listening', timeout=10)
    for p in procs:	# module-wide: off the per-test list
        conftest._procs.remove(p)
    yield {'port': port, 'closed': new_port()}
    for p in procs:
        p.stop()


@pytest.fixture(scope='module', params=['pasta', 'passt'])
def inst(request, remote, files, ping_ok):
    i = Instance(remote, files, request.param, mtu=MTU, pcap=True,
                 fwd=False)
    yield i
    i.stop()


@pytest.fixture(params=[4, 6], ids=['ipv4', 'ipv6'])
def fam(request, inst):
    off = inst.log_size()
    yield request.param
    log = inst.read_log(off)
    print(f'--- {inst.mode} log during this test ---\n{log}')
    check_sanitizers(inst.proc.output + log, inst.mode)
    assert inst.running(), f'{inst.mode} exited:\n{inst.proc.output}'


def tool(inst, *args, timeout=30):
    res = run(inst.argv(args), timeout=timeout)
    assert res.returncode == 0, f'{args}: {res.stdout}\n{res.stderr}'
    return res.stdout


def test_udp_echo(inst, fam, servers):
    srv = SRV4 if fam == 4 else SRV6
    big = MTU - (28 if fam == 4 else 48)
    out = tool(inst, 'echo', srv, servers['port'], 1, 1000, big)
    want = [f'ok {n} {n}' for n in (1, 1000, big)]
    assert out.split('\n')[:3] == want, out


def test_udp_refused(inst, fam, servers):
    srv = SRV4 if fam == 4 else SRV6
    out = tool(inst, 'refused', srv, servers['closed'])
    assert out.strip() == 'refused', out


def test_ping(inst, fam):
    dst = SRV4 if fam == 4 else SRV6
    res = run(inst.prefix + ['ping', f'-{fam}', '-c', '3', '-i', '0.2',
                             '-W', '2', dst], timeout=20)
    assert res.returncode == 0 and ' 0% packet loss' in res.stdout, \
        f'{res.stdout}\n{res.stderr}\n{inst.read_log()}'

    ident, seq = 4242 + fam, 77
    out = tool(inst, 'echo-raw', dst, ident, seq)
    assert out.split() == ['reply', dst, str(ident), str(seq), 'data-ok',
                           'csum-ok'], out


def test_ping_pcap_ids(inst, fam):
    """Requests and replies in the capture: same identifiers, sequences"""
    if not shutil.which('tshark'):
        pytest.skip('tshark not installed')
    dst = SRV4 if fam == 4 else SRV6
    run(inst.prefix + ['ping', f'-{fam}', '-c', '2', '-i', '0.2', '-W', '2',
                       dst], timeout=20)
    proto = 'icmp' if fam == 4 else 'icmpv6'
    res = run(['tshark', '-n', '-r', inst.pcap, '-Y', proto, '-T', 'fields',
               '-e', f'{proto}.type', '-e', f'{proto}.echo.identifier'
               if fam == 6 else 'icmp.ident', '-e',
               f'{proto}.echo.sequence_number' if fam == 6 else 'icmp.seq'],
              timeout=30)
    rows = [tuple(line.split('\t')) for line in res.stdout.splitlines()
            if line.strip()]
    req = {(i, s) for t, i, s in rows if t in ('8', '128')}
    rep = {(i, s) for t, i, s in rows if t in ('0', '129')}
    assert req and req == rep, f'{rows}\n{res.stderr}'


def test_many_flows(inst, fam, servers):
    srv = SRV4 if fam == 4 else SRV6
    first = 30000 if fam == 4 else 32000
    out = tool(inst, 'many', srv, servers['port'], 1000, first, timeout=60)
    assert out.split() == ['many', '1000'], out
    assert inst.flows_in_use() >= 1000


def test_ping_not_permitted(inst, remote):
    """Without ping sockets: requests dropped, one clear log message"""
    path = 'net.ipv4.ping_group_range'
    off = inst.log_size()
    sysctl(remote.host, path, '1 0')
    try:
        for fam in (4, 6):
            dst = SRV4 if fam == 4 else SRV6
            # A new identifier: a new flow, so a new ping socket
            run(inst.prefix + ['ping', f'-{fam}', '-c', '1', '-W', '1',
                               dst], timeout=20)
    finally:
        sysctl(remote.host, path, '0 2147483647')
    msg = 'ICMP echo: ping sockets not permitted, see ' \
          'net.ipv4.ping_group_range'
    assert inst.read_log().count(msg) == 1, inst.read_log(off)


# ---------------------------------------------------------------------------
# Destination unreachable errors other than port unreachable
#
# Routes of documentation prefixes only. REMOTE (the gateway of HOST, and of
# the guest) answers for 198.51.100.64/26 ... 198.51.100.255, 2001:db8:12::/48
# and 2001:db8:13::/48; HOST (where pasta and passt run) fails locally for
# 198.51.100.0/28 ... 198.51.100.47, 2001:db8:10::/48, 2001:db8:11::/48 and
# 2001:db8:14::/48. A "throw" route ends the lookup without a route.
#
# What Linux does with them (checked by hand, asserted below): forwarding,
# an unreachable route sends ICMP host unreachable (code 1) or ICMPv6 no
# route (code 0), prohibit sends ICMP "packet filtered" (13) or ICMPv6
# administratively prohibited (1), no route sends ICMP network unreachable
# (0). IPv4 errors need forwarding on REMOTE's interface. Locally, connect()
# fails with EHOSTUNREACH, EACCES and ENETUNREACH.
#
# Linux tells a connected UDP socket about network and host unreachable
# (IPv4 codes 0 and 1, IPv6 codes 0 and 3) only with IP_RECVERR or
# IPV6_RECVERR: the tool sets it, except for the 'plain' cases, which check
# that errors that are hard for Linux (prohibited) fail a socket without it.

UNREACH_ROUTES = {
    'remote': ['unreachable 198.51.100.128/26',
               'prohibit 198.51.100.192/26',
               'throw 198.51.100.64/26',
               '-6 unreachable 2001:db8:12::/48',
               '-6 prohibit 2001:db8:13::/48'],
    'host': ['unreachable 198.51.100.0/28',
             'prohibit 198.51.100.16/28',
             'throw 198.51.100.32/28',
             '-6 unreachable 2001:db8:10::/48',
             '-6 prohibit 2001:db8:11::/48',
             '-6 throw 2001:db8:14::/48'],
}

# case: (destination, errno, ICMP type, code, recverr)
UNREACH4 = {
    'remote-unreachable': ('198.51.100.129', 'EHOSTUNREACH', 3, 1, True),
    'remote-prohibit': ('198.51.100.193', 'EHOSTUNREACH', 3, 13, True),
    'remote-prohibit-plain': ('198.51.100.194', 'EHOSTUNREACH', 3, 13,
                              False),
    'remote-noroute': ('198.51.100.65', 'ENETUNREACH', 3, 0, True),
    'host-unreachable': ('198.51.100.1', 'EHOSTUNREACH', 3, 1, True),
    'host-prohibit': ('198.51.100.17', 'EHOSTUNREACH', 3, 13, True),
    'host-prohibit-plain': ('198.51.100.18', 'EHOSTUNREACH', 3, 13, False),
    'host-noroute': ('198.51.100.33', 'ENETUNREACH', 3, 0, True),
}
UNREACH6 = {
    'remote-unreachable': ('2001:db8:12::1', 'ENETUNREACH', 1, 0, True),
    'remote-prohibit': ('2001:db8:13::1', 'EACCES', 1, 1, True),
    'remote-prohibit-plain': ('2001:db8:13::2', 'EACCES', 1, 1, False),
    'host-unreachable': ('2001:db8:10::1', 'EHOSTUNREACH', 1, 3, True),
    'host-prohibit': ('2001:db8:11::1', 'EACCES', 1, 1, True),
    'host-prohibit-plain': ('2001:db8:11::2', 'EACCES', 1, 1, False),
    'host-noroute': ('2001:db8:14::1', 'ENETUNREACH', 1, 0, True),
}


def _routes(ns, routes, op):
    for r in routes:
        v6 = r.startswith('-6 ')
        args = r[3:].split() if v6 else r.split()
        run_in(ns, ['ip'] + (['-6'] if v6 else []) + ['route', op] + args,
               check=(op == 'add'))


@pytest.fixture(scope='module')
def unreach_routes(remote):
    """The routes above, forwarding on REMOTE's r0, no ICMP and ICMPv6 rate
    limits per destination in REMOTE. IPv4 errors about forwarded packets
    have a limit of their own, not per namespace: five at once, then one a
    second, which the tool and test_ping_unreachable wait for. It shares its
    tokens with the per-destination limit, which would otherwise starve"""
    keys = {'net.ipv4.conf.r0.forwarding': 1,
            'net.ipv4.icmp_ratelimit': 0,
            'net.ipv6.icmp.ratelimit': 0}
    old = {k: run_in(remote.remote, ['sysctl', '-n', k],
                     check=True).stdout.strip() for k in keys}
    for k, v in keys.items():
        sysctl(remote.remote, k, v)
    _routes(remote.remote, UNREACH_ROUTES['remote'], 'add')
    _routes(remote.host, UNREACH_ROUTES['host'], 'add')
    yield
    _routes(remote.host, UNREACH_ROUTES['host'], 'del')
    _routes(remote.remote, UNREACH_ROUTES['remote'], 'del')
    for k, v in old.items():
        sysctl(remote.remote, k, v)


def _unreach_cases():
    return [pytest.param(4, k, id=f'ipv4-{k}') for k in UNREACH4] + \
           [pytest.param(6, k, id=f'ipv6-{k}') for k in UNREACH6]


@pytest.mark.parametrize('family,case', _unreach_cases())
def test_udp_unreachable(inst, unreach_routes, family, case):
    """A connected socket in the guest fails within a second with the
    errno and ICMP type and code of the case, the error comes from the
    guest's gateway, and quotes our datagram"""
    dst, err, typ, code, recverr = (UNREACH4 if family == 4
                                    else UNREACH6)[case]
    gw = REMOTE4 if family == 4 else inst.topo.gw6
    off = inst.log_size()
    out = tool(inst, 'unreach', dst, 4242,
               'recverr' if recverr else 'plain').split()
    log = inst.read_log(off)
    print(inst.mode, family, case, ' '.join(out))
    check_sanitizers(inst.proc.output + log, inst.mode)
    assert inst.running(), f'{inst.mode} exited:\n{inst.proc.output}'
    assert out[:2] == ['error', err], f'{out}\n{log}'
    assert float(out[5]) < 1.0, out
    if recverr:
        origin = 2 if family == 4 else 3	# SO_EE_ORIGIN_ICMP, ICMP6
        assert out[6:] == ['origin', str(origin), 'type', str(typ),
                           'code', str(code), 'from', gw, 'quote-ok'], \
            f'{out}\n{log}'


def test_udp_refused_from_peer(inst, fam, servers):
    """A port unreachable comes from the peer itself, not the gateway"""
    srv = SRV4 if fam == 4 else SRV6
    out = tool(inst, 'unreach', srv, servers['closed'], 'recverr').split()
    code = 3 if fam == 4 else 4
    assert out[:2] == ['error', 'ECONNREFUSED'], out
    assert out[6:] == ['origin', '2' if fam == 4 else '3',
                       'type', '3' if fam == 4 else '1', 'code', str(code),
                       'from', srv, 'quote-ok'], out


# ping's words for each case (iputils)
PING_UNREACH = [
    (4, '198.51.100.130', 'Destination Host Unreachable'),
    (4, '198.51.100.195', 'Packet filtered'),
    (4, '198.51.100.2', 'Destination Host Unreachable'),
    (4, '198.51.100.34', 'Destination Net Unreachable'),
    (6, '2001:db8:12::3', 'Destination unreachable: No route'),
    (6, '2001:db8:13::3', 'Destination unreachable: Administratively '
                          'prohibited'),
    (6, '2001:db8:10::3', 'Destination unreachable: Address unreachable'),
]


@pytest.mark.parametrize('family,dst,words', PING_UNREACH,
                         ids=[f'ipv{f}-{d}' for f, d, _ in PING_UNREACH])
def test_ping_unreachable(inst, unreach_routes, family, dst, words):
    """ping to an unreachable destination reports the error from the
    gateway at once, rather than timing out"""
    gw = REMOTE4 if family == 4 else inst.topo.gw6
    for _ in range(3):		# IPv4 errors from REMOTE: rate limited
        t0 = time.monotonic()
        res = run(inst.prefix + ['ping', f'-{family}', '-c', '1', '-W', '3',
                                 dst], timeout=20)
        took = time.monotonic() - t0
        if words in res.stdout:
            break
    print(inst.mode, dst, f'{took:.3f}', res.stdout)
    assert f'From {gw}' in res.stdout and words in res.stdout, \
        f'{res.stdout}\n{res.stderr}\n{inst.read_log()}'
    assert res.returncode != 0 and took < 2.5, (took, res.stdout)


@pytest.fixture(scope='module')
def sinks(remote, files):
    """Sinks in REMOTE on SRV4 and SRV6 recording what bursts bring"""
    port = new_port()
    procs = [spawn_in(remote.remote, [PY, files['tool'], 'sink', a,
                                      str(port)]) for a in (SRV4, SRV6)]
    for p in procs:
        p.wait_output('listening', timeout=10)
    for p in procs:	# module-wide: off the per-test list
        conftest._procs.remove(p)
    yield port
    for p in procs:
        p.stop()


BURSTS = ['same', 'short-last', 'mixed', 'empty', 'over-64k', 'large',
          'interleaved', 'runs']


@pytest.mark.parametrize('pattern', BURSTS)
def test_udp_burst_complete_in_order(inst, fam, sinks, pattern):
    """Every datagram of every flow of a burst arrives, unchanged, in order
    (datagrams shorter than their tag, in 'empty', only need to arrive)"""
    srv = SRV4 if fam == 4 else SRV6
    out = tool(inst, 'burst', srv, sinks, pattern).split()
    assert out and 'mixed-sources' not in out, out
    for item in out:
        flow, count, order, bad = item.split(':')
        got, sent = count.split('/')
        assert got == sent and order == 'order' and bad == 'bad=0', out


def test_udp_broadcast_dropped_counted(inst):
    """The guest's broadcasts go nowhere, and SIGUSR1 counts them"""
    pat = r'UDP: dropped (\d+) from the guest to broadcast'
    before = int(inst.usr1_search(pat, 'UDP counters').group(1))
    assert tool(inst, 'bcast', new_port(), 3).strip() == 'sent'
    wait_until(lambda: int(inst.usr1_search(pat, 'UDP counters').group(1))
               >= before + 3, timeout=5, what='3 more broadcasts counted')

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host isolation (--no-map-host), for pasta (a namespace) and passt (a GUEST
# namespace behind tap_relay), IPv4 and IPv6.
#
#  ┌──────────────────────┐       ┌────────────────────────────────────────┐
#  │ REMOTE               │ veth  │ HOST                                   │
#  │ r0 192.0.2.1/24      ├───────┤ h0 192.0.2.2/24, 2001:db8:1::2/64      │
#  │    2001:db8:1::1/64  │       │    fe80::ff:fe00:202 (from its MAC)    │
#  │ lo 203.0.113.7       │       │ lo 127.0.0.1, ::1                      │
#  │    2001:db8:3::7     │       │                                        │
#  │ servers on lo        │       │ servers on 0.0.0.0, ::, 127.0.0.1, ::1 │
#  └──────────────────────┘       │ DNS answerer: 192.0.2.2 and            │
#  ┌──────────────────────┐       │   2001:db8:1::2, port 53               │
#  │ PEER (this module)   │ veth  │                                        │
#  │ h1p 198.51.100.1/24  ├───────┤ h1 198.51.100.2/24, 2001:db8:5::2/64   │
#  │     2001:db8:5::1/64 │       │                                        │
#  └──────────────────────┘       │ pasta or passt, as nobody; per mode:   │
#                                 │   open    no option: the control       │
#                                 │   closed  --no-map-host, allow-lists,  │
#                                 │           -t PORT                      │
#                                 │   drop    --map-host-addr none,        │
#                                 │           --host-refuse drop           │
#                                 │   fwd     --no-map-host,               │
#                                 │           --host-allow-ping, -t PORT   │
#                                 └────────────────────┬───────────────────┘
#                                                      │ tap (pasta), or UNIX
#                                                      │ socket and tap_relay
#                                 ┌────────────────────┴───────────────────┐
#                                 │ guest: pasta's namespace (h0), or a    │
#                                 │ GUEST namespace (g0): 192.0.2.50/24,   │
#                                 │ 2001:db8:1::50/64 (-a), gateways       │
#                                 │ 192.0.2.1, 2001:db8:1::1               │
#                                 └────────────────────────────────────────┘
#
# Every instance has: -a 192.0.2.50 -a 2001:db8:1::50 (the guest's own
# addresses, so that HOST's addresses aren't shadowed by a copy in the
# guest), --map-guest-addr 203.0.113.2 / 2001:db8:2::2, --dns-forward
# 192.0.2.53 / 2001:db8:1::53 with --dns-host 192.0.2.2 / 2001:db8:1::2, and
# --no-ra (no SLAAC address in pasta's namespace next to the -a one). The
# gateway addresses are mapped to HOST's loopback (the default).
#
# For every vector, a real listener on HOST (bound to 0.0.0.0 or ::, or to
# loopback for the gateway mapping) answers the guest of the open instance
# (the control), and the guest of the closed one is refused: TCP with a
# reset (ECONNREFUSED), UDP with ICMP "administratively prohibited" (a
# connected socket gets EHOSTUNREACH for IPv4, EACCES for IPv6), ping shows
# "Packet filtered" / "Administratively prohibited". Each refusal is counted
# (the counter line logged on SIGUSR1) and logged with its exact line
# ("Host isolation: refused TCP from 192.0.2.50:PORT to ... (reason)"):
#
#   - HOST's address on h0; on h1; an address added after the start
#   - loopback through the gateway mapping; --map-guest-addr
#   - HOST's link-local address on h0, through the guest's interface (our
#     NDP answers for it as for any address but the guest's own)
#   - 0.0.0.0 and ::, IPv4-mapped IPv6 (to ::ffff:192.0.2.2, and from
#     ::ffff:192.0.2.50): frames crafted in the guest (AF_PACKET on its
#     interface), as no guest kernel sends those. They never get past the
#     frame checks (0.0.0.0 and :: aren't unicast, IPv4-mapped addresses are
#     malformed on the wire), so they're not delivered with or without the
#     option; crafted frames to HOST's address show the exact replies (TCP
#     RST, ICMP 3/13 and ICMPv6 1/1), and 0.0.0.1 ("this network") is
#     refused as unspecified
#   - broadcast (h0's and h1's subnets, 255.255.255.255) and multicast UDP:
#     never forwarded, option or not (udp.c drops it before any policy),
#     except h1's broadcast address, which the guest can't tell from a
#     unicast one: refused with the option, and failing the host's connect()
#     (no SO_BROADCAST) without. Not delivered in either case
#   - pasta -T/-U auto: HOST's loopback listeners aren't forwarded into the
#     namespace, allow-listed ones are; explicit -T/-U ports are
#
# What stays allowed: --host-allow-tcp/--host-allow-udp ports (on HOST's
# addresses and through the gateway mapping), --host-allow-ping, REMOTE, -t
# inbound forwarding (and the -u it implies), the DNS forwarder (while a
# direct query to HOST's port 53 is refused). --host-refuse drop: no reset,
# no ICMP, still counted and logged. Lateral movement: the fwd instance of
# one mode forwards a port (-t) to a server in its guest; the closed guest
# of the other mode can't reach it by HOST's address on h0, on h1, or the
# gateway mapping, the open guest can.
#
# Log lines are rate-limited (10 a second; a burst of 15 refusals shows it):
# other tests refuse at most 10 flows each, and wait for the one-second
# window of the previous test on the same instance to be over
# (RefusalWindow), so that every refusal gets its line. --stats 1 and the
# exit (SIGTERM: status 0) log the counters too.
#
# Instances are shared by the module and started when first used. The guest
# side runs the tool in TOOL below, as root, through nsenter (pasta) or
# ip netns exec (passt).
#
# Addresses: documentation ranges and loopback only, as above; 198.51.100.7
# is the DNS answer, 203.0.113.80 and 2001:db8:80::80 are added to h1 while
# the instances run. Ports: 16000-16099.

import concurrent.futures
import os
import re
import shutil
import signal
import tempfile
import time

import pytest

import conftest
from conftest import (HOST4, HOST6, HOST_MAC, REMOTE4, SESSION,
                      check_sanitizers, eui64_addr, neigh_snippet, ns_create,
                      ns_delete, run, run_in, sh_ns, spawn_in, start_relay,
                      sysctl, wait_until)
from test_tcp import PY, SRV4, SRV6, Instance, remote  # noqa: F401

MODES = ['pasta', 'passt']

G4, G6 = '192.0.2.50', '2001:db8:1::50'		# the guest's (-a)
H1_4, H1_6 = '198.51.100.2', '2001:db8:5::2'	# HOST's h1
PEER4, PEER6 = '198.51.100.1', '2001:db8:5::1'	# h1's peer
LATE4, LATE6 = '203.0.113.80', '2001:db8:80::80'  # added to h1 later
MG4, MG6 = '203.0.113.2', '2001:db8:2::2'	# --map-guest-addr
FWD4, FWD6 = '192.0.2.53', '2001:db8:1::53'	# --dns-forward
HOST_LL = eui64_addr('fe80::/64', HOST_MAC)	# h0's link-local address
DNS_ANSWER = '198.51.100.7'
BCAST_H0, BCAST_H1 = '192.0.2.255', '198.51.100.255'

# Ports, one per vector, so that a listener tells what reached it
P_H0, P_H1, P_LATE, P_LO, P_MG, P_LL = 16001, 16002, 16003, 16004, 16005, 16006
P_ZERO, P_MAPPED, P_CTL, P_BC, P_REM = 16007, 16008, 16009, 16010, 16011
P_ALLOW = 16020			# in both allow-lists
P_ALLOW_TCP_ONLY = 16021	# in --host-allow-tcp only
P_EXCLUDED = 16025		# excluded from the TCP range with ~
ALLOW_TCP = '16020-16029,~16025'
ALLOW_UDP = '16020,16026'
# -t ports of the instances, per mode
P_FWD = {'closed': {'pasta': 16041, 'passt': 16051},
         'fwd': {'pasta': 16042, 'passt': 16052}}
WILD_PORTS = [P_H0, P_H1, P_LATE, P_MG, P_ZERO, P_MAPPED, P_CTL, P_BC,
              P_ALLOW, P_ALLOW_TCP_ONLY, P_EXCLUDED, P_LL]

BASE = ['-a', G4, '-a', G6, '--map-guest-addr', MG4, '--map-guest-addr', MG6,
        '--dns-forward', FWD4, '--dns-forward', FWD6,
        '--dns-host', HOST4, '--dns-host', HOST6,
        '--no-ra']		# no SLAAC address next to -a (pasta)
VARIANTS = {
    'open': [],
    'closed': ['--no-map-host', '--host-allow-tcp', ALLOW_TCP,
               '--host-allow-udp', ALLOW_UDP],
    'drop': ['--map-host-addr', 'none', '--host-refuse', 'drop'],
    'fwd': ['--no-map-host', '--host-allow-ping'],
    'nogw': ['--no-map-gw'],
}

COUNTERS_RE = re.compile(r'Host isolation: refused (\d+) TCP, (\d+) UDP, '
                         r'(\d+) ICMP; (\d+) refusals not logged')
GUEST_DROPS_RE = re.compile(r'guest drops: to loopback (\d+) TCP, (\d+) UDP, '
                            r'(\d+) ICMP')
FRAMES_RE = re.compile(r'frames: \d+ in, \d+ out, \d+ dropped out, (\d+) '
                       r'malformed')
UDP_ERR = {4: 'error EHOSTUNREACH', 6: 'error EACCES'}
PING_ERR = {4: 'Packet filtered', 6: 'Administratively prohibited'}

TOOL = r'''
import errno, fcntl, random, socket, struct, sys, threading, time

QNAME = 'www.test.example'
ANSWER = '198.51.100.7'
_lock = threading.Lock()


def say(*a):
    with _lock:
        sys.stdout.write(' '.join(str(x) for x in a) + '\n')
        sys.stdout.flush()


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def sa(addr, port):
    """Socket address, with the scope of 'fe80::1%if' for IPv6"""
    if ':' not in addr:
        return (addr, port)
    a, _, scope = addr.partition('%')
    return (a, port, 0, socket.if_nametoindex(scope) if scope else 0)


def ename(e):
    return 'error ' + errno.errorcode.get(e.errno, str(e.errno))


# Servers: TCP and UDP on each ADDR,PORT, answering "NAME PEER"

def serve_tcp(s, port, name):
    while True:
        c, a = s.accept()
        say('tcp', port, a[0])
        try:
            c.sendall(f'{name} {a[0]}\n'.encode())
        except OSError:
            pass
        c.close()


def serve_udp(s, port, name):
    while True:
        d, a = s.recvfrom(65535)
        say('udp', port, a[0])
        s.sendto(f'{name} {a[0]}\n'.encode(), a)


def serve(name, specs):
    for spec in specs:
        addr, port = spec.rsplit(',', 1)
        port = int(port)
        for kind, fn in ((socket.SOCK_STREAM, serve_tcp),
                         (socket.SOCK_DGRAM, serve_udp)):
            s = socket.socket(fam(addr), kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if ':' in addr:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(sa(addr, port))
            if kind == socket.SOCK_STREAM:
                s.listen(64)
            threading.Thread(target=fn, args=(s, port, name),
                             daemon=True).start()
    say('listening')
    threading.Event().wait()


# DNS: a query for QNAME, an answerer giving ANSWER to anything

def dns_query(qid):
    q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in QNAME.split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\0' + struct.pack('!HH', 1, 1)


def dns_reply(q):
    i = 12
    while q[i]:
        i += q[i] + 1
    i += 5
    return (q[:2] + struct.pack('!HHHHH', 0x8180, 1, 1, 0, 0) + q[12:i] +
            b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 60, 4) +
            socket.inet_aton(ANSWER))


def dns_check(r, qid):
    rid, flags, qd, an = struct.unpack('!HHHH', r[:8])
    if rid != qid or not flags & 0x8000 or an != 1:
        return 'bad answer'
    return 'answer ' + socket.inet_ntoa(r[-4:])


def dns_udp_server(s):
    while True:
        q, a = s.recvfrom(512)
        say('dns udp', a[0])
        s.sendto(dns_reply(q), a)


def dns_tcp_server(s):
    while True:
        c, a = s.accept()
        say('dns tcp', a[0])
        try:
            n = struct.unpack('!H', recv_n(c, 2))[0]
            r = dns_reply(recv_n(c, n))
            c.sendall(struct.pack('!H', len(r)) + r)
        except (OSError, EOFError):
            pass
        c.close()


def dns_serve(addrs):
    for addr in addrs:
        for kind, fn in ((socket.SOCK_DGRAM, dns_udp_server),
                         (socket.SOCK_STREAM, dns_tcp_server)):
            s = socket.socket(fam(addr), kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sa(addr, 53))
            if kind == socket.SOCK_STREAM:
                s.listen(16)
            threading.Thread(target=fn, args=(s,), daemon=True).start()
    say('listening')
    threading.Event().wait()


def recv_n(c, n):
    b = b''
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


# Clients: one line per probe, "SPEC SPORT RESULT"

def bound(addr, kind):
    s = socket.socket(fam(addr), kind)
    s.bind(('::' if ':' in addr else '0.0.0.0', 0))
    return s, s.getsockname()[1]


def p_tcp(addr, port, t, dns=False):
    s, sport = bound(addr, socket.SOCK_STREAM)
    s.settimeout(t)
    try:
        s.connect(sa(addr, port))
        if dns:
            q = dns_query(4242)
            s.sendall(struct.pack('!H', len(q)) + q)
            n = struct.unpack('!H', recv_n(s, 2))[0]
            return sport, dns_check(recv_n(s, n), 4242)
        data = b''
        while True:
            d = s.recv(200)
            if not d:
                break
            data += d
        return sport, 'reply ' + data.decode().strip()
    except ConnectionRefusedError:
        return sport, 'refused'
    except ConnectionResetError:
        return sport, 'reset'
    except socket.timeout:
        return sport, 'timeout'
    except OSError as e:
        return sport, ename(e)


def p_udp(addr, port, t, dns=False, bcast=False):
    """One datagram on a connected socket, then a reply, an error, or
    nothing until the timeout"""
    s, sport = bound(addr, socket.SOCK_DGRAM)
    if bcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.settimeout(t)
    try:
        s.connect(sa(addr, port))
        s.send(dns_query(4343) if dns else b'hello')
        d = s.recv(2000)
        if dns:
            return sport, dns_check(d, 4343)
        return sport, 'reply ' + d.decode().strip()
    except ConnectionRefusedError:
        return sport, 'refused'
    except socket.timeout:
        return sport, 'timeout'
    except OSError as e:
        return sport, ename(e)


def probe_one(spec, t):
    kind, addr, *rest = spec.split(',')
    port = int(rest[0]) if rest else 53
    if kind == 'tcp':
        return p_tcp(addr, port, t)
    if kind == 'udp':
        return p_udp(addr, port, t)
    if kind == 'bcast':
        return p_udp(addr, port, t, bcast=True)
    if kind == 'dnstcp':
        return p_tcp(addr, port, t, dns=True)
    if kind == 'dnsudp':
        return p_udp(addr, port, t, dns=True)
    raise ValueError(spec)


def probe(t, specs):
    """Groups of specs separated by '--' run one after the other, the specs
    of a group at the same time"""
    groups, cur = [], []
    for s in specs:
        if s == '--':
            groups.append(cur)
            cur = []
        else:
            cur.append(s)
    groups.append(cur)
    for g in groups:
        res = [None] * len(g)

        def run(i):
            res[i] = probe_one(g[i], t)
        ths = [threading.Thread(target=run, args=(i,)) for i in range(len(g))]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        for spec, (sport, r) in zip(g, res):
            say(spec, sport, r)


# Crafted frames, for destinations no guest kernel sends to

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_frame(dmac, smac, src, dst, proto, l4, csum_off):
    v6 = ':' in dst
    af = socket.AF_INET6 if v6 else socket.AF_INET
    s, d = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    if csum_off is not None:
        if v6:
            ph = s + d + struct.pack('!I3xB', len(l4), proto)
        elif proto == 1:
            ph = b''
        else:
            ph = s + d + struct.pack('!xBH', proto, len(l4))
        c = csum(ph + l4)
        if proto == 17 and not c:
            c = 0xffff
        l4 = l4[:csum_off] + struct.pack('!H', c) + l4[csum_off + 2:]
    if v6:
        ip = struct.pack('!IHBB', 6 << 28, len(l4), proto, 64) + s + d
        et = 0x86dd
    else:
        ip = struct.pack('!BBHHHBBH', 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                         proto, 0) + s + d
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        et = 0x0800
    return dmac + smac + struct.pack('!H', et) + ip + l4


def parse_ip(b):
    """(proto, src, dst, l4) of an IP packet"""
    if b[0] >> 4 == 4:
        ihl = (b[0] & 15) * 4
        tot = struct.unpack('!H', b[2:4])[0]
        return (b[9], socket.inet_ntop(socket.AF_INET, b[12:16]),
                socket.inet_ntop(socket.AF_INET, b[16:20]), b[ihl:tot])
    plen = struct.unpack('!H', b[4:6])[0]
    return (b[6], socket.inet_ntop(socket.AF_INET6, b[8:24]),
            socket.inet_ntop(socket.AF_INET6, b[24:40]), b[40:40 + plen])


def craft(ifname, dmac, src4, src6, t, specs):
    """Send one frame per spec (syn, udp or echo, DST[, PORT[, SRC]]) in
    order; wait until the last one is answered (or t seconds), a little
    more, and print what came back for each"""
    ETH_P_ALL = 3
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((ifname, ETH_P_ALL))
    info = fcntl.ioctl(s.fileno(), 0x8927,	# SIOCGIFHWADDR
                       struct.pack('256s', ifname.encode()))
    smac = info[18:24]
    dmac = bytes.fromhex(dmac.replace(':', ''))
    probes = []
    # Replies are matched by source port (or echo identifier): one each
    sports = random.sample(range(40000, 60000), len(specs))
    for spec, sport in zip(specs, sports):
        kind, dst, *rest = spec.split(',')
        port = int(rest[0]) if rest and rest[0] else 0
        v6 = ':' in dst
        src = rest[1] if len(rest) > 1 else src6 if v6 else src4
        if kind == 'syn':
            proto = 6
            l4 = struct.pack('!HHIIBBHHH', sport, port,
                             random.getrandbits(32), 0, 6 << 4, 0x02, 65535,
                             0, 0) + b'\x02\x04\x05\xb4'
            off = 16
        elif kind == 'udp':
            proto = 17
            l4 = struct.pack('!HHHH', sport, port, 8 + 5, 0) + b'hello'
            off = 6
        else:
            proto = 58 if v6 else 1
            l4 = struct.pack('!BBHHH', 128 if v6 else 8, 0, 0, sport, 1) + \
                b'ping' * 8
            off = 2
        probes.append({'spec': spec, 'proto': proto, 'dst': dst,
                       'port': port, 'sport': sport, 'res': 'nothing'})
        s.send(ip_frame(dmac, smac, src, dst, proto, l4, off))

    def match(pkt):
        proto, src, dst, l4 = parse_ip(pkt)
        if proto in (6, 17) and len(l4) >= 4:
            sp, dp = struct.unpack('!HH', l4[:4])
            for p in probes:
                if p['proto'] == proto and p['port'] == sp and \
                   p['sport'] == dp:
                    if proto == 17:
                        return p, 'udp-reply'
                    fl = l4[13]
                    if fl & 0x04:
                        return p, 'rst'
                    if fl & 0x12 == 0x12:
                        return p, 'synack'
                    return p, f'tcp {fl:#x}'
        if proto in (1, 58) and len(l4) >= 8:
            typ, code = l4[0], l4[1]
            if typ in (0, 129):
                ident = struct.unpack('!H', l4[4:6])[0]
                for p in probes:
                    if p['proto'] == proto and p['sport'] == ident:
                        return p, 'echo-reply'
            if (proto == 1 and typ == 3) or (proto == 58 and typ == 1):
                iproto, isrc, idst, il4 = parse_ip(l4[8:])
                for p in probes:
                    if p['proto'] != iproto or len(il4) < 6:
                        continue
                    if iproto in (6, 17):
                        key = struct.unpack('!H', il4[:2])[0]
                    else:
                        key = struct.unpack('!H', il4[4:6])[0]
                    if key == p['sport']:
                        return p, f'icmp {typ}/{code}'
        return None, None

    deadline = time.monotonic() + t
    last = probes[-1]
    while time.monotonic() < deadline:
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            f, a = s.recvfrom(65535)
        except socket.timeout:
            break
        except OSError as e:	# the interface went away: say so
            say('recv-error', errno.errorcode.get(e.errno, e.errno))
            break
        if a[2] == socket.PACKET_OUTGOING:
            continue
        et = struct.unpack('!H', f[12:14])[0]
        if et not in (0x0800, 0x86dd):
            continue
        try:
            p, r = match(f[14:])
        except (struct.error, IndexError, ValueError):
            continue
        if p and p['res'] == 'nothing':
            p['res'] = r
            if p is last:
                deadline = min(deadline, time.monotonic() + 0.3)
    for p in probes:
        say(p['spec'], p['res'])


cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'serve':
    serve(a[0], a[1:])
elif cmd == 'dns':
    dns_serve(a)
elif cmd == 'probe':
    probe(float(a[0]), a[1:])
elif cmd == 'craft':
    craft(a[0], a[1], a[2], a[3], float(a[4]), a[5:])
'''


# ---------------------------------------------------------------------------
# Instances

class IsoInstance(Instance):
    """test_tcp's Instance, with the guest on its own addresses (-a)"""

    def __init__(self, topo, files, mode, variant, extra=()):
        self.variant = variant
        self.last_refusal = 0.0
        super().__init__(topo, files, mode, extra=list(extra), fwd=False)
        self.ifname = 'h0' if mode == 'pasta' else 'g0'

    def _start_passt(self, args):
        sock = os.path.join(self.dir, 'passt.sock')
        self.proc = spawn_in(self.topo.host,
                             conftest.passt_argv('-f', '-s', sock, *args),
                             user='nobody')
        self._own(self.proc)
        wait_until(lambda: os.path.exists(sock) or not self.proc.running(),
                   timeout=10, what=f'passt socket {sock}')
        if not self.proc.running():
            pytest.fail(f'passt exited ({self.proc.wait(1)}):\n'
                        f'{self.proc.output}\n{self.read_log()}')
        self.guest_ns = f'{SESSION}-iso{os.path.basename(self.dir)[6:]}'
        ns_create(self.guest_ns)
        sysctl(self.guest_ns, 'net.ipv6.conf.default.accept_ra', 0)
        self.relay = start_relay(self.guest_ns, sock, mtu=65520)
        self._own(self.relay)
        sh_ns(self.guest_ns, f'''
            ip addr add {G4}/24 dev g0
            ip route add default via {REMOTE4} dev g0
            ip addr add {G6}/64 dev g0 nodad
            ip -6 route add default via {self.topo.gw6} dev g0
        ''')
        out = os.path.join(self.dir, 'neigh.json')
        run_in(self.guest_ns, ['sh', '-c', neigh_snippet(
            'g0', [REMOTE4, self.topo.gw6], out)], check=True)
        self.prefix = ['ip', 'netns', 'exec', self.guest_ns]

    # Guest side
    def probe(self, specs, timeout=3.0):
        """{spec: (sport, result)} of the tool's probes, in the guest"""
        res = self.run('probe', timeout, *specs, timeout=timeout * 4 + 20)
        assert res.returncode == 0, res.stdout + res.stderr
        return parse_probe(res.stdout)

    def ping(self, addr, wait=2):
        """One echo request: exit status and output of ping"""
        fam = 6 if ':' in addr else 4
        res = run(self.prefix + ['ping', f'-{fam}', '-c1', f'-W{wait}',
                                 addr], timeout=20)
        return res.returncode, res.stdout + res.stderr

    def craft(self, specs, timeout=3.0):
        res = self.run('craft', self.ifname, HOST_MAC, G4, G6, timeout,
                       *specs, timeout=timeout + 20)
        assert res.returncode == 0, res.stdout + res.stderr
        out = {}
        for line in res.stdout.splitlines():
            spec, r = line.split(' ', 1)
            out[spec] = r
        return out

    def link_local(self):
        """The guest's link-local address, once it's usable (not
        tentative)"""
        def ll():
            res = run(self.prefix + ['ip', '-6', '-o', 'addr', 'show', 'dev',
                                     self.ifname, 'scope', 'link'])
            m = re.search(r'inet6 (fe80::[0-9a-f:]+)/64', res.stdout)
            if m and 'tentative' not in res.stdout:
                return m.group(1)
            return None
        return wait_until(ll, timeout=5, what=f'link-local on {self.mode}')

    # Counters and log
    def counters(self):
        """(TCP, UDP, ICMP, not logged), from the line SIGUSR1 logs"""
        off = self.log_size()
        os.kill(self.pid, signal.SIGUSR1)
        m = wait_until(lambda: COUNTERS_RE.search(self.read_log(off)),
                       timeout=5, what=f'{self.mode} counters after SIGUSR1')
        return tuple(int(x) for x in m.groups())

    def guest_drops(self):
        """(TCP, UDP, ICMP) flows to loopback dropped, from the lines
        SIGUSR1 logs; None if there's no such line"""
        off = self.log_size()
        os.kill(self.pid, signal.SIGUSR1)
        wait_until(lambda: FRAMES_RE.search(self.read_log(off)),
                   timeout=5, what=f'{self.mode} frame counters')
        time.sleep(0.1)		# the rest of the lines of the same signal
        m = GUEST_DROPS_RE.search(self.read_log(off))
        return tuple(int(x) for x in m.groups()) if m else None

    def malformed(self):
        """Frames dropped as malformed, from the line SIGUSR1 logs"""
        off = self.log_size()
        os.kill(self.pid, signal.SIGUSR1)
        m = wait_until(lambda: FRAMES_RE.search(self.read_log(off)),
                       timeout=5, what=f'{self.mode} frame counters')
        return int(m.group(1))


def parse_probe(text):
    out = {}
    for line in text.splitlines():
        spec, sport, r = line.split(' ', 2)
        out[spec] = (int(sport), r)
    return out


class RefusalWindow:
    """Counters and log of one test's refusals on a --no-map-host instance

    Refusal log lines are limited to 10 in a window of one second that
    starts with the first refusal after the previous window: wait until the
    window of the previous test on this instance (which started before its
    last refusal) is over, so that all lines of this test are logged.
    """

    def __init__(self, inst):
        self.inst = inst

    def __enter__(self):
        left = self.inst.last_refusal + 1.05 - time.monotonic()
        if left > 0:
            time.sleep(left)	# the log rate limit's window, see above
        self.before = self.inst.counters()
        self.off = self.inst.log_size()
        return self

    def __exit__(self, *exc):
        self.inst.last_refusal = time.monotonic()
        if exc[0] is None:
            self.after = self.inst.counters()
            self.log = self.inst.read_log(self.off)

    @property
    def delta(self):
        return tuple(a - b for a, b in zip(self.after, self.before))

    def lines(self):
        return [line for line in self.log.splitlines()
                if 'Host isolation: refused' in line and
                'refusals not logged' not in line]


def flow_line(src, sport, dst, port, why, proto='TCP'):
    return (f'Host isolation: refused {proto} from {src}:{sport} to '
            f'{dst}:{port} ({why})')


def icmp_line(src, dst, why):
    proto = 'ICMPv6' if ':' in dst else 'ICMP'
    return f'Host isolation: refused {proto} echo from {src} to {dst} ({why})'


def assert_lines(win, expected):
    """Exactly the expected refusal lines, in any order"""
    got = [re.sub(r'^.*?(Host isolation:)', r'\1', line)
           for line in win.lines()]
    assert sorted(got) == sorted(expected), \
        f'log:\n{win.log}\nexpected:\n' + '\n'.join(expected)


def par(*fns):
    """Run callables at the same time, return their results in order"""
    with concurrent.futures.ThreadPoolExecutor(len(fns)) as ex:
        futs = [ex.submit(f) for f in fns]
        return [f.result() for f in futs]


# ---------------------------------------------------------------------------
# Module fixtures: h1 and its peer, servers, instances

def keep(proc):
    """Off the per-test list: module-wide"""
    conftest._procs.remove(proc)
    return proc


@pytest.fixture(scope='module')
def iso_files(session_env):
    d = tempfile.mkdtemp(prefix='iso-',
                         dir=os.path.join(tempfile.gettempdir(),
                                          f'{SESSION}-tmp'))
    os.chmod(d, 0o755)
    tool = os.path.join(d, 'iso_tool.py')
    with open(tool, 'w') as f:
        f.write(TOOL)
    os.chmod(tool, 0o644)
    yield {'dir': d, 'tool': tool}
    shutil.rmtree(d, ignore_errors=True)


class Iso:
    variants = VARIANTS		# extra options of each instance kind

    def __init__(self, topo, files):
        self.topo, self.files = topo, files
        self.insts = {}
        self.procs = []
        self.peer = f'{SESSION}-isopeer'

    def tool(self, *args):
        return [PY, self.files['tool']] + [str(a) for a in args]

    def serve(self, ns, *args):
        p = keep(spawn_in(ns, self.tool(*args)))
        self.procs.append(p)
        p.wait_output('listening', timeout=10)
        return p

    def setup(self):
        t = self.topo
        ns_create(self.peer)
        run(['ip', '-n', t.host, 'link', 'add', 'h1', 'type', 'veth', 'peer',
             'name', 'h1p', 'netns', self.peer], check=True)
        sh_ns(t.host, f'''
            ip addr add {H1_4}/24 dev h1
            ip addr add {H1_6}/64 dev h1 nodad
            ip link set h1 up
        ''')
        sh_ns(self.peer, f'''
            ip addr add {PEER4}/24 dev h1p
            ip addr add {PEER6}/64 dev h1p nodad
            ip link set h1p up
        ''')
        for dst in (PEER4, PEER6):
            wait_until(lambda: run_in(t.host, ['ping', '-c1', '-W1', dst]
                                      ).returncode == 0,
                       timeout=10, what=f'{dst} reachable over h1')
        specs = []
        for p in WILD_PORTS:
            specs += [f'0.0.0.0,{p}', f'::,{p}']
        specs += [f'127.0.0.1,{P_LO}', f'::1,{P_LO}']
        self.host_srv = self.serve(t.host, 'serve', 'host', *specs)
        self.dns_srv = self.serve(t.host, 'dns', HOST4, HOST6)
        self.remote_srv = self.serve(t.remote, 'serve', 'remote',
                                     f'{SRV4},{P_REM}', f'{SRV6},{P_REM}')

    def teardown(self):
        for inst in self.insts.values():
            inst.stop()
            check_sanitizers(inst.proc.output + inst.read_log(),
                             f'{inst.mode} {inst.variant}')
        self.insts.clear()
        for p in self.procs:
            p.stop()
        run_in(self.topo.host, ['ip', 'link', 'del', 'h1'])
        ns_delete(self.peer)
        if self.peer in conftest._namespaces:
            conftest._namespaces.remove(self.peer)

    def get(self, mode, variant):
        """The instance of mode and variant, started the first time"""
        inst = self.insts.get((mode, variant))
        if inst is not None and inst.running():
            return inst
        if inst is not None:
            inst.stop()
        extra = BASE + self.variants[variant]
        if variant in P_FWD:
            extra += ['-t', str(P_FWD[variant][mode])]
        inst = IsoInstance(self.topo, self.files, mode, variant, extra)
        self.insts[(mode, variant)] = inst
        if variant in P_FWD:
            # A server in the guest for the forwarded port
            port = P_FWD[variant][mode]
            srv = keep(inst.spawn('serve', f'guest-{variant}',
                                  f'0.0.0.0,{port}', f'::,{port}'))
            self.procs.append(srv)
            srv.wait_output('listening', timeout=10)
        return inst

    def server_lines(self, port, off=0):
        """What HOST's servers saw on port, since output offset off"""
        return [line for line in self.host_srv.output[off:].splitlines()
                if re.match(rf'(tcp|udp) {port} ', line)]


@pytest.fixture(scope='module')
def iso(remote, iso_files):
    i = Iso(remote, iso_files)
    try:
        i.setup()
        yield i
    finally:
        i.teardown()


def gw(topo, fam):
    return REMOTE4 if fam == 4 else topo.gw6


def log_of(*insts):
    return ''.join(f'\n--- {i.mode} {i.variant} log ---\n{i.read_log()}'
                   for i in insts)


# ---------------------------------------------------------------------------
# The matrix: open answers, closed refuses (TCP, UDP, ping; IPv4, IPv6)

def vector(iso, mode, dst, port, why, peer, src=None):
    """dst: {4: addr, 6: addr} (one may be missing); peer: what HOST's
    server sees in the open case; src: guest source address per family"""
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    src = src or {4: G4, 6: G6}
    fams = sorted(dst)
    specs = [f'{proto},{dst[f]},{port}' for f in fams
             for proto in ('tcp', 'udp')]

    # Control: without --no-map-host, the listener answers
    o, *opings = par(lambda: op.probe(specs),
                     *[lambda f=f: op.ping(dst[f]) for f in fams])
    exp = {}
    for f in fams:
        exp[f'tcp,{dst[f]},{port}'] = f'reply host {peer[f]}'
        exp[f'udp,{dst[f]},{port}'] = f'reply host {peer[f]}'
    assert {k: v[1] for k, v in o.items()} == exp, log_of(op)
    for f, (rc, out) in zip(fams, opings):
        assert rc == 0 and '1 received' in out, out + log_of(op)

    # With it: refused, counted, logged
    off = len(iso.host_srv.output)
    with RefusalWindow(cl) as win:
        c, *cpings = par(lambda: cl.probe(specs),
                         *[lambda f=f: cl.ping(dst[f]) for f in fams])
    exp = {}
    for f in fams:
        exp[f'tcp,{dst[f]},{port}'] = 'refused'
        exp[f'udp,{dst[f]},{port}'] = UDP_ERR[f]
    assert {k: v[1] for k, v in c.items()} == exp, log_of(cl)
    for f, (rc, out) in zip(fams, cpings):
        assert rc != 0 and PING_ERR[f] in out and '0 received' in out, \
            out + log_of(cl)
    assert iso.server_lines(port, off) == []
    n = len(fams)
    assert win.delta == (n, n, n, 0), log_of(cl)
    d = {f: dst[f].split('%')[0] for f in fams}
    expected = []
    for f in fams:
        expected += [
            flow_line(src[f], c[f'tcp,{dst[f]},{port}'][0], d[f], port, why),
            flow_line(src[f], c[f'udp,{dst[f]},{port}'][0], d[f], port, why,
                      'UDP'),
            icmp_line(src[f], d[f], why)]
    assert_lines(win, expected)


@pytest.mark.parametrize('mode', MODES)
def test_host_address(iso, mode):
    """HOST's own addresses on h0, the template interface"""
    vector(iso, mode, {4: HOST4, 6: HOST6}, P_H0, 'host address',
           {4: HOST4, 6: HOST6})


@pytest.mark.parametrize('mode', MODES)
def test_second_interface(iso, mode):
    """HOST's addresses on h1, an interface the instances don't use"""
    vector(iso, mode, {4: H1_4, 6: H1_6}, P_H1, 'host address',
           {4: H1_4, 6: H1_6})


@pytest.mark.parametrize('mode', MODES)
def test_address_added_later(iso, mode):
    """Addresses added to HOST (on h1) after the instances started"""
    for variant in ('open', 'closed'):
        iso.get(mode, variant)		# running before the addresses exist
    sh_ns(iso.topo.host, f'''
        ip addr add {LATE4}/32 dev h1
        ip addr add {LATE6}/128 dev h1 nodad
    ''')
    try:
        vector(iso, mode, {4: LATE4, 6: LATE6}, P_LATE, 'host address',
               {4: LATE4, 6: LATE6})
    finally:
        run_in(iso.topo.host, ['ip', 'addr', 'del', f'{LATE4}/32', 'dev',
                               'h1'])
        run_in(iso.topo.host, ['ip', 'addr', 'del', f'{LATE6}/128', 'dev',
                               'h1'])


@pytest.mark.parametrize('mode', MODES)
def test_gateway_loopback_mapping(iso, mode):
    """The gateway address stands for HOST's loopback (servers on
    127.0.0.1 and ::1 only)"""
    t = iso.topo
    vector(iso, mode, {4: gw(t, 4), 6: gw(t, 6)}, P_LO,
           'host loopback mapping', {4: '127.0.0.1', 6: '::1'})


@pytest.mark.parametrize('mode', MODES)
def test_map_guest_addr(iso, mode):
    """--map-guest-addr stands for HOST's address"""
    vector(iso, mode, {4: MG4, 6: MG6}, P_MG, 'host address mapping',
           {4: HOST4, 6: HOST6})


@pytest.mark.parametrize('mode', MODES)
def test_host_link_local(iso, mode):
    """HOST's link-local address on h0, through the guest's interface: our
    NDP answers for it like for any other address"""
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    src = {6: cl.link_local()}
    op.link_local()
    ifname = op.ifname
    assert cl.ifname == ifname
    vector(iso, mode, {6: f'{HOST_LL}%{ifname}'}, P_LL, 'host address',
           {6: HOST_LL}, src=src)


# ---------------------------------------------------------------------------
# Crafted frames: unspecified and IPv4-mapped destinations

@pytest.mark.parametrize('mode', MODES)
def test_unspecified_and_v4mapped(iso, mode):
    """0.0.0.0, ::, ::ffff:192.0.2.2 (HOST's address, IPv4-mapped),
    ::ffff:127.0.0.1, and an IPv4-mapped source: the guest's kernel never sends those, so the
    guest crafts the frames (AF_PACKET on its interface). None reaches
    HOST's listener, with or without --no-map-host: frame checks drop them
    before any policy (IPv4-mapped ones counted as malformed). A SYN, a
    datagram and an echo request to HOST's addresses show that crafted
    frames work (SYN-ACK and replies; with the option a reset, and ICMP
    administratively prohibited, 3/13 and 1/1); a datagram to an allowed
    port, last, that every frame before it was handled. 0.0.0.1 ("this
    network") is dropped, option or not (see test_host_by_value)"""
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    mapped = f'::ffff:{HOST4}'
    neg = []
    for d, p in (('0.0.0.0', P_ZERO), ('::', P_ZERO), (mapped, P_MAPPED)):
        neg += [f'syn,{d},{p}', f'udp,{d},{p}', f'echo,{d}']
    from_mapped = [f'syn,{HOST6},{P_MAPPED},::ffff:{G4}',
                   f'udp,{HOST6},{P_MAPPED},::ffff:{G4}',
                   f'echo,{HOST6},,::ffff:{G4}']
    # The way around the IPv4 checks this used to be: HOST's loopback
    to_lo = [f'syn,::ffff:127.0.0.1,{P_LO}', f'udp,::ffff:127.0.0.1,{P_LO}']
    neg += from_mapped + to_lo
    n_mapped = sum('::ffff:' in spec for spec in neg)
    ctl = [f'{k},{a},{P_CTL}' for a in (HOST4, HOST6) for k in ('syn', 'udp')]
    ctl += [f'echo,{HOST4}', f'echo,{HOST6}']
    marker = [f'udp,{HOST4},{P_ALLOW}']

    off = len(iso.host_srv.output)
    malformed = op.malformed()
    res = op.craft(neg + ctl + marker)
    assert res == {**{s: 'nothing' for s in neg},
                   ctl[0]: 'synack', ctl[1]: 'udp-reply',
                   ctl[2]: 'synack', ctl[3]: 'udp-reply',
                   ctl[4]: 'echo-reply', ctl[5]: 'echo-reply',
                   marker[0]: 'udp-reply'}, log_of(op)
    assert op.malformed() - malformed == n_mapped
    for p in (P_ZERO, P_MAPPED, P_LO):
        assert iso.server_lines(p, off) == []
    assert sorted(iso.server_lines(P_CTL, off)) == [
        f'tcp {P_CTL} {HOST4}', f'tcp {P_CTL} {HOST6}',
        f'udp {P_CTL} {HOST4}', f'udp {P_CTL} {HOST6}']

    off = len(iso.host_srv.output)
    this_net = f'syn,0.0.0.1,{P_ZERO}'
    malformed = cl.malformed()
    with RefusalWindow(cl) as win:
        res = cl.craft(neg + [this_net] + ctl + marker)
    assert res == {**{s: 'nothing' for s in neg}, this_net: 'nothing',
                   ctl[0]: 'rst', ctl[1]: 'icmp 3/13',
                   ctl[2]: 'rst', ctl[3]: 'icmp 1/1',
                   ctl[4]: 'icmp 3/13', ctl[5]: 'icmp 1/1',
                   marker[0]: 'udp-reply'}, log_of(cl)
    assert cl.malformed() - malformed == n_mapped
    for p in (P_ZERO, P_MAPPED, P_LO, P_CTL):
        assert iso.server_lines(p, off) == []
    assert win.delta == (2, 2, 2, 0), log_of(cl)
    lines = win.lines()
    assert len(lines) == 6, win.log
    for what in (f'TCP from {G4}:', f'to {HOST4}:{P_CTL} (host address)',
                 f'to {HOST6}:{P_CTL} (host address)',
                 f'ICMP echo from {G4} to {HOST4} (host address)',
                 f'ICMPv6 echo from {G6} to {HOST6} (host address)'):
        assert any(what in line for line in lines), win.log
    for proto, fam_src, dst in (('TCP', G4, HOST4), ('TCP', G6, HOST6),
                                ('UDP', G4, HOST4), ('UDP', G6, HOST6)):
        assert any(f'refused {proto} from {fam_src}:' in line and
                   f'to {dst}:{P_CTL} (host address)' in line
                   for line in lines), win.log


# ---------------------------------------------------------------------------
# The host by value: loopback and "this network", without any mapping

@pytest.mark.parametrize('variant', ['open', 'nogw', 'closed'])
@pytest.mark.parametrize('mode', MODES)
def test_host_by_value(iso, mode, variant):
    """Crafted frames from the guest to 127.0.0.1, 127.1.2.3, ::1 (TCP, UDP,
    echo), 0.0.0.1 and 0.255.255.255: HOST's loopback listeners on P_LO
    must see nothing, with the default gateway mapping (open), with
    --no-map-gw, and with --no-map-host (closed, where they are dropped
    before the policy: not refusals). Dropped without an answer and
    counted (the 'guest drops' line of SIGUSR1). A datagram to an allowed
    port, last, shows that every frame before it was handled. The gateway
    mapping itself: test_gateway_loopback_mapping"""
    inst = iso.get(mode, variant)
    specs = [f'{k},{d},{P_LO}' for d in ('127.0.0.1', '::1')
             for k in ('syn', 'udp')]
    specs += ['echo,127.0.0.1', 'echo,::1', f'syn,127.1.2.3,{P_LO}',
              f'udp,0.0.0.1,{P_ZERO}', f'syn,0.255.255.255,{P_ZERO}']
    marker = [f'udp,{HOST4},{P_ALLOW}']

    off = len(iso.host_srv.output)
    refusals = inst.counters() if variant == 'closed' else None
    before = inst.guest_drops()
    res = inst.craft(specs + marker)
    assert res == {**{s: 'nothing' for s in specs},
                   marker[0]: 'udp-reply'}, log_of(inst)
    for p in (P_LO, P_ZERO):
        assert iso.server_lines(p, off) == [], log_of(inst)
    after = inst.guest_drops()
    assert before is not None and after is not None, log_of(inst)
    assert tuple(a - b for a, b in zip(after, before)) == (4, 3, 2), \
        log_of(inst)
    if refusals is not None:
        assert inst.counters() == refusals, log_of(inst)


# ---------------------------------------------------------------------------
# Broadcast and multicast

@pytest.mark.parametrize('mode', MODES)
def test_broadcast_multicast(iso, mode):
    """UDP to h0's subnet broadcast (also the guest's), h1's (the guest
    can't tell it's one), 255.255.255.255, 224.0.0.1, ff02::1: delivered to
    HOST's listener neither with nor without --no-map-host. The guest's
    broadcast and multicast never leave passt/pasta (udp.c drops them before
    any policy); h1's broadcast address is refused as such with the option,
    and fails the host's connect() (no SO_BROADCAST) without. A datagram to
    an allowed port, sent after them, marks that all were handled"""
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    dropped = [f'bcast,{BCAST_H0},{P_BC}', f'bcast,255.255.255.255,{P_BC}',
               f'bcast,224.0.0.1,{P_BC}', f'bcast,ff02::1%{op.ifname},{P_BC}']
    h1 = f'bcast,{BCAST_H1},{P_BC}'
    marker = f'udp,{HOST4},{P_ALLOW}'
    specs = dropped + [h1, '--', marker]

    off = len(iso.host_srv.output)
    res = op.probe(specs, timeout=1.0)
    assert {k: v[1] for k, v in res.items()} == {
        **{s: 'timeout' for s in dropped}, h1: UDP_ERR[4],
        marker: f'reply host {HOST4}'}, log_of(op)
    assert iso.server_lines(P_BC, off) == []

    off = len(iso.host_srv.output)
    with RefusalWindow(cl) as win:
        res = cl.probe(specs, timeout=1.0)
    assert {k: v[1] for k, v in res.items()} == {
        **{s: 'timeout' for s in dropped}, h1: UDP_ERR[4],
        marker: f'reply host {HOST4}'}, log_of(cl)
    assert iso.server_lines(P_BC, off) == []
    assert win.delta == (0, 1, 0, 0), log_of(cl)
    assert_lines(win, [flow_line(G4, res[h1][0], BCAST_H1, P_BC,
                                 'broadcast address', 'UDP')])


# ---------------------------------------------------------------------------
# What stays allowed

@pytest.mark.parametrize('mode', MODES)
def test_allow_lists(iso, mode):
    """--host-allow-tcp 16020-16029,~16025 and --host-allow-udp 16020,16026:
    allowed ports answer on HOST's addresses and through the gateway
    mapping (the server is on 0.0.0.0 and ::, so also on loopback); 16021
    only for TCP, 16025 (excluded) not at all"""
    cl = iso.get(mode, 'closed')
    t = iso.topo
    ok = {}
    for dst, peer in ((HOST4, HOST4), (HOST6, HOST6), (H1_4, H1_4),
                      (H1_6, H1_6), (gw(t, 4), '127.0.0.1'),
                      (gw(t, 6), '::1')):
        for proto in ('tcp', 'udp'):
            ok[f'{proto},{dst},{P_ALLOW}'] = f'reply host {peer}'
    ok[f'tcp,{HOST4},{P_ALLOW_TCP_ONLY}'] = f'reply host {HOST4}'
    ok[f'tcp,{gw(t, 6)},{P_ALLOW_TCP_ONLY}'] = 'reply host ::1'
    bad = {f'udp,{HOST4},{P_ALLOW_TCP_ONLY}': UDP_ERR[4],
           f'udp,{gw(t, 6)},{P_ALLOW_TCP_ONLY}': UDP_ERR[6],
           f'tcp,{HOST4},{P_EXCLUDED}': 'refused',
           f'tcp,{gw(t, 6)},{P_EXCLUDED}': 'refused'}
    with RefusalWindow(cl) as win:
        res = cl.probe(list(ok) + list(bad))
    assert {k: v[1] for k, v in res.items()} == {**ok, **bad}, log_of(cl)
    assert win.delta == (2, 2, 0, 0), log_of(cl)
    assert_lines(win, [
        flow_line(G4, res[f'udp,{HOST4},{P_ALLOW_TCP_ONLY}'][0], HOST4,
                  P_ALLOW_TCP_ONLY, 'host address', 'UDP'),
        flow_line(G6, res[f'udp,{gw(t, 6)},{P_ALLOW_TCP_ONLY}'][0], gw(t, 6),
                  P_ALLOW_TCP_ONLY, 'host loopback mapping', 'UDP'),
        flow_line(G4, res[f'tcp,{HOST4},{P_EXCLUDED}'][0], HOST4,
                  P_EXCLUDED, 'host address'),
        flow_line(G6, res[f'tcp,{gw(t, 6)},{P_EXCLUDED}'][0], gw(t, 6),
                  P_EXCLUDED, 'host loopback mapping')])


@pytest.mark.parametrize('mode', MODES)
def test_allow_ping(iso, mode):
    """--host-allow-ping: echo requests reach HOST (its addresses, and its
    loopback through the gateway), nothing counted"""
    fw = iso.get(mode, 'fwd')
    t = iso.topo
    dsts = [HOST4, HOST6, H1_4, H1_6, gw(t, 4), gw(t, 6)]
    before = fw.counters()
    for dst, (rc, out) in zip(dsts, par(*[lambda d=d: fw.ping(d)
                                          for d in dsts])):
        assert rc == 0 and '1 received' in out, out + log_of(fw)
    assert fw.counters() == before


@pytest.mark.parametrize('mode', MODES)
def test_remote_reachable(iso, mode):
    """REMOTE (not the host) answers TCP, UDP and ping with --no-map-host,
    and sees HOST's address as the source"""
    cl = iso.get(mode, 'closed')
    specs = [f'{p},{a},{P_REM}' for a in (SRV4, SRV6) for p in ('tcp', 'udp')]
    with RefusalWindow(cl) as win:
        res, p4, p6 = par(lambda: cl.probe(specs), lambda: cl.ping(SRV4),
                          lambda: cl.ping(SRV6))
    assert {k: v[1] for k, v in res.items()} == {
        f'tcp,{SRV4},{P_REM}': f'reply remote {HOST4}',
        f'udp,{SRV4},{P_REM}': f'reply remote {HOST4}',
        f'tcp,{SRV6},{P_REM}': f'reply remote {HOST6}',
        f'udp,{SRV6},{P_REM}': f'reply remote {HOST6}'}, log_of(cl)
    for rc, out in (p4, p6):
        assert rc == 0 and '1 received' in out, out + log_of(cl)
    assert win.delta == (0, 0, 0, 0)
    assert win.lines() == []


@pytest.mark.parametrize('mode', MODES)
def test_inbound_forwarding(iso, mode):
    """-t (and the -u it implies) still forward into the guest with
    --no-map-host: a client in REMOTE reaches the guest's server, and the
    guest's replies are not refused"""
    for variant in ('closed', 'fwd'):
        inst = iso.get(mode, variant)
        port = P_FWD[variant][mode]
        before = inst.counters()
        specs = [f'{p},{a},{port}' for a in (HOST4, HOST6)
                 for p in ('tcp', 'udp')]
        res = run_in(iso.topo.remote, iso.tool('probe', 3, *specs),
                     timeout=30)
        assert {k: v[1] for k, v in parse_probe(res.stdout).items()} == {
            f'tcp,{HOST4},{port}': f'reply guest-{variant} {REMOTE4}',
            f'udp,{HOST4},{port}': f'reply guest-{variant} {REMOTE4}',
            f'tcp,{HOST6},{port}': f'reply guest-{variant} {iso.topo.gw6}',
            f'udp,{HOST6},{port}': f'reply guest-{variant} {iso.topo.gw6}',
        }, res.stdout + res.stderr + log_of(inst)
        assert inst.counters() == before


@pytest.mark.parametrize('mode', MODES)
def test_dns_forwarder(iso, mode):
    """--dns-forward goes to the resolver on HOST's address (--dns-host)
    with --no-map-host; a direct query to HOST's port 53 is refused (and
    answered without the option)"""
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    fwd = [f'dns{p},{a}' for a in (FWD4, FWD6) for p in ('udp', 'tcp')]
    direct = [f'dns{p},{a}' for a in (HOST4, HOST6) for p in ('udp', 'tcp')]
    ans = f'answer {DNS_ANSWER}'

    res = op.probe(fwd + direct)
    assert {k: v[1] for k, v in res.items()} == \
        {s: ans for s in fwd + direct}, log_of(op)

    dns_off = len(iso.dns_srv.output)
    with RefusalWindow(cl) as win:
        res = cl.probe(fwd + direct)
    assert {k: v[1] for k, v in res.items()} == {
        **{s: ans for s in fwd},
        f'dnsudp,{HOST4}': UDP_ERR[4], f'dnstcp,{HOST4}': 'refused',
        f'dnsudp,{HOST6}': UDP_ERR[6], f'dnstcp,{HOST6}': 'refused'}, \
        log_of(cl)
    # The forwarded queries came from HOST itself, on its own address
    assert sorted(iso.dns_srv.output[dns_off:].split('\n')[:-1]) == sorted(
        [f'dns udp {HOST4}', f'dns tcp {HOST4}', f'dns udp {HOST6}',
         f'dns tcp {HOST6}'])
    assert win.delta == (2, 2, 0, 0), log_of(cl)
    assert_lines(win, [
        flow_line(G4, res[f'dnsudp,{HOST4}'][0], HOST4, 53, 'host address',
                  'UDP'),
        flow_line(G4, res[f'dnstcp,{HOST4}'][0], HOST4, 53, 'host address'),
        flow_line(G6, res[f'dnsudp,{HOST6}'][0], HOST6, 53, 'host address',
                  'UDP'),
        flow_line(G6, res[f'dnstcp,{HOST6}'][0], HOST6, 53, 'host address')])


@pytest.mark.parametrize('mode', MODES)
def test_refuse_drop(iso, mode):
    """--host-refuse drop: no reset, no ICMP error (clients time out; the
    timeout is shorter than the guest's first SYN retransmission), the
    refusals are still counted and logged"""
    dr = iso.get(mode, 'drop')
    t = iso.topo
    specs = [f'{p},{a},{P_H0}' for a in (HOST4, HOST6)
             for p in ('tcp', 'udp')]
    specs += [f'tcp,{gw(t, 4)},{P_LO}']
    with RefusalWindow(dr) as win:
        res, p4, p6 = par(lambda: dr.probe(specs, timeout=0.8),
                          lambda: dr.ping(HOST4, wait=1),
                          lambda: dr.ping(HOST6, wait=1))
    assert {k: v[1] for k, v in res.items()} == \
        {s: 'timeout' for s in specs}, log_of(dr)
    for rc, out in (p4, p6):
        assert rc != 0 and '0 received' in out, out
        assert 'filtered' not in out and 'prohibited' not in out, out
    assert win.delta == (3, 2, 2, 0), log_of(dr)
    assert_lines(win, [
        flow_line(G4, res[specs[0]][0], HOST4, P_H0, 'host address'),
        flow_line(G4, res[specs[1]][0], HOST4, P_H0, 'host address', 'UDP'),
        flow_line(G6, res[specs[2]][0], HOST6, P_H0, 'host address'),
        flow_line(G6, res[specs[3]][0], HOST6, P_H0, 'host address', 'UDP'),
        flow_line(G4, res[specs[4]][0], gw(t, 4), P_LO,
                  'host loopback mapping'),
        icmp_line(G4, HOST4, 'host address'),
        icmp_line(G6, HOST6, 'host address')])


# ---------------------------------------------------------------------------
# Lateral movement

@pytest.mark.parametrize('mode', MODES)
def test_lateral_movement(iso, mode):
    """The fwd instance of the other mode forwards a port (-t) to a server
    in its guest. The guest of the closed instance can't reach it by HOST's
    address on h0, on h1, or through the gateway mapping; the open one
    can"""
    other = 'passt' if mode == 'pasta' else 'pasta'
    iso.get(other, 'fwd')
    port = P_FWD['fwd'][other]
    op, cl = iso.get(mode, 'open'), iso.get(mode, 'closed')
    t = iso.topo
    dsts = [(HOST4, 'host address'), (H1_4, 'host address'),
            (gw(t, 4), 'host loopback mapping'), (HOST6, 'host address'),
            (H1_6, 'host address'), (gw(t, 6), 'host loopback mapping')]
    specs = [f'tcp,{d},{port}' for d, _ in dsts]
    specs += [f'udp,{HOST4},{port}', f'udp,{HOST6},{port}']

    # What the server in the fwd guest sees: HOST's own address as the
    # --map-guest-addr address, h1's as itself, HOST's loopback as the
    # gateway (passt), or, spliced by pasta, as the namespace's own address
    lo = {4: REMOTE4, 6: t.gw6} if other == 'passt' else {4: G4, 6: G6}
    seen = [MG4, H1_4, lo[4], MG6, H1_6, lo[6], MG4, MG6]
    res = op.probe(specs)
    assert {k: v[1] for k, v in res.items()} == {
        s: f'reply guest-fwd {a}' for s, a in zip(specs, seen)}, log_of(op)

    with RefusalWindow(cl) as win:
        res = cl.probe(specs)
    assert {k: v[1] for k, v in res.items()} == {
        **{s: 'refused' for s in specs[:6]},
        specs[6]: UDP_ERR[4], specs[7]: UDP_ERR[6]}, log_of(cl)
    assert win.delta == (6, 2, 0, 0), log_of(cl)
    exp = [flow_line(G6 if ':' in d else G4, res[f'tcp,{d},{port}'][0], d,
                     port, why) for d, why in dsts]
    exp += [flow_line(G4, res[specs[6]][0], HOST4, port, 'host address',
                      'UDP'),
            flow_line(G6, res[specs[7]][0], HOST6, port, 'host address',
                      'UDP')]
    assert_lines(win, exp)


# ---------------------------------------------------------------------------
# pasta: -T/-U auto, explicit -T/-U, --stats, counters at exit

def ns_listeners(inst, proto, port):
    res = run(inst.prefix + ['ss', '-Hn' + ('lt' if proto == 'tcp' else 'lu'),
                             f'sport = :{port}'])
    return sorted(line.split()[3] for line in res.stdout.splitlines())


def test_pasta_auto_forwarding(iso):
    """-T/-U auto: HOST's loopback listeners (127.0.0.1 and ::1) are
    forwarded into the namespace without --no-map-host, not with it; an
    allow-listed port (in both lists) still is"""
    op, cl = iso.get('pasta', 'open'), iso.get('pasta', 'closed')
    for inst in (op, cl):
        for proto in ('tcp', 'udp'):
            wait_until(lambda: ns_listeners(inst, proto, P_ALLOW),
                       timeout=3, what=f'{proto} {P_ALLOW} in the namespace '
                       f'({inst.variant})')
    wait_until(lambda: ns_listeners(op, 'tcp', P_LO) and
               ns_listeners(op, 'udp', P_LO), timeout=3,
               what=f'{P_LO} in the namespace (open)')
    assert ns_listeners(cl, 'tcp', P_LO) == []
    assert ns_listeners(cl, 'udp', P_LO) == []
    specs = [f'{p},{a},{port}' for a in ('127.0.0.1', '::1')
             for p in ('tcp', 'udp') for port in (P_LO, P_ALLOW)]
    lo = {'127.0.0.1': '127.0.0.1', '::1': '::1'}
    res = op.probe(specs)
    assert {k: v[1] for k, v in res.items()} == {
        s: f'reply host {lo[s.split(",")[1]]}' for s in specs}, log_of(op)
    res = cl.probe(specs)
    exp = {}
    for s in specs:
        proto, a, port = s.split(',')
        if int(port) == P_ALLOW:
            exp[s] = f'reply host {lo[a]}'
        else:
            exp[s] = 'refused'	# nothing bound in the namespace
    assert {k: v[1] for k, v in res.items()} == exp, log_of(cl)


def test_pasta_explicit_forwarding_rate_limit_stats_exit(iso):
    """Explicit -T/-U ports stay forwarded with --no-map-host. 15 refusals
    at once: 10 lines logged, 5 counted as not logged. --stats 1 logs the
    counters without SIGUSR1; SIGTERM makes a clean exit that logs them
    once more"""
    inst = IsoInstance(iso.topo, iso.files, 'pasta', 'explicit',
                       BASE + ['--no-map-host', '-T', str(P_LO), '-U',
                               str(P_LO), '--stats', '1'])
    try:
        specs = [f'{p},{a},{P_LO}' for a in ('127.0.0.1', '::1')
                 for p in ('tcp', 'udp')]
        res = inst.probe(specs)
        assert {k: v[1] for k, v in res.items()} == {
            s: f'reply host {s.split(",")[1]}' for s in specs}, \
            log_of(inst)

        off = inst.log_size()
        burst = [f'tcp,{HOST4},{p}' for p in range(16060, 16075)]
        res = inst.probe(burst)
        assert {k: v[1] for k, v in res.items()} == \
            {s: 'refused' for s in burst}, log_of(inst)
        line = 'Host isolation: refused 15 TCP, 0 UDP, 0 ICMP; 5 refusals ' \
            'not logged'
        wait_until(lambda: line in inst.read_log(off), timeout=4,
                   what='--stats line')
        log = inst.read_log(off)
        logged = re.findall(rf'Host isolation: refused TCP from {G4}:(\d+) '
                            rf'to {HOST4}:(\d+) \(host address\)', log)
        assert len(logged) == 10, log
        sent = {(str(sport), s.split(',')[2])
                for s, (sport, r) in res.items()}
        assert set(logged) <= sent, log
        off = inst.log_size()
    finally:
        rc = inst.proc.stop()
        inst.stop()
    check_sanitizers(inst.proc.output + inst.read_log(), 'pasta explicit')
    assert rc == 0, inst.proc.output + inst.read_log()
    tail = inst.read_log(off)
    assert COUNTERS_RE.findall(tail) == [('15', '0', '0', '5')], tail


# ---------------------------------------------------------------------------
# Last: counters at exit

@pytest.mark.parametrize('mode', MODES)
def test_counters_at_exit(iso, mode):
    """SIGTERM: a clean exit (status 0), logging the same counters as the
    last SIGUSR1, for every --no-map-host instance of the module"""
    for variant in ('closed', 'drop', 'fwd'):
        inst = iso.get(mode, variant)
        counters = inst.counters()
        off = inst.log_size()
        rc = inst.proc.stop()
        iso.insts.pop((mode, variant))
        inst.stop()
        check_sanitizers(inst.proc.output + inst.read_log(),
                         f'{mode} {variant}')
        assert rc == 0, inst.proc.output + inst.read_log()
        m = COUNTERS_RE.findall(inst.read_log(off))
        assert [tuple(int(x) for x in g) for g in m] == [counters], \
            inst.read_log(off)

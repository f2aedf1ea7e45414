# SPDX-License-Identifier: GPL-2.0-or-later
#
# A hostile guest: hand-built frames on passt's stream socket, each test the
# regression test of one hole an adversarial review found (issue 16).
#
#  ┌─────────────────────────────────────────┐
#  │ HOST                                    │
#  │ servers (SERVER below) on 127.0.0.1 and │
#  │ ::1, reached from the guest through the │
#  │ gateway mapping (the default)           │
#  │                                         │
#  │ passt (as nobody) ── SOCK               │
#  └──────────────────────┬──────────────────┘
#                         │ UNIX stream socket
#  ┌──────────────────────┴──────────────────┐
#  │ this test process: the guest (Guest),   │
#  │ 192.0.2.2 and 2001:db8:1::2 (the        │
#  │ addresses passt gives by default),      │
#  │ frames built by hand                    │
#  └─────────────────────────────────────────┘
#
# - test_mss_no_mtu, test_udp_no_mtu: -m 0 and a SYN with MSS 65535: no
#   frame to the guest over FRAME_MAX (65549 bytes), IPv4 and IPv6, and
#   full-sized frames are used; UDP replies over what one frame holds are
#   dropped (IPv6: 65487 bytes of payload fit, 65488 don't).
# - test_flows_die_with_client: flows of a client that disconnected are
#   closed (TCP peers reset) before the next client is served.
# - TCP acceptance (RFC 5961, RFC 9293): an RST only at the exact sequence
#   number, a challenge ACK otherwise and for a SYN; no data without ACK;
#   the window only from acceptable segments; one fast retransmission per
#   round trip, at most a window.
# - test_disabled_services: --no-dhcp, --no-dhcpv6, --no-ndp don't swallow
#   what they no longer answer.
#
# Ports: 17000-17099. Addresses: documentation ranges and loopback.

import ipaddress
import os
import random
import re
import signal
import socket
import struct
import time

import pytest

from conftest import (HOST4, HOST6, REMOTE4, SESSION, check_sanitizers,
                      recv_frame, send_frame, spawn_in, start_passt,
                      wait_until)

PY = '/usr/bin/python3'
FRAME_MAX = 65535 + 14
GUEST_MAC = bytes.fromhex('020000000a63')
BCAST = b'\xff' * 6

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 1, 2, 4, 8, 16

# Servers in HOST: 'bulk PORT N' sends N bytes to each TCP client, then
# waits for the client to close; 'hold PORT' sends 'hello', then prints
# 'accepted', the data it gets ('data ...', answering 'go' with 'reply'),
# and how the connection ended ('eof', 'reset'); 'udpsizes PORT S1,S2,..' answers each
# datagram with datagrams of those sizes, then 'end'. Both on 127.0.0.1
# and ::1.
SERVER = r'''
import socket, sys, threading

def bulk(s, n):
    while True:
        c, a = s.accept()
        def run(c=c):
            try:
                c.sendall(b'x' * n)
                while c.recv(65536):
                    pass
            except OSError:
                pass
            c.close()
        threading.Thread(target=run, daemon=True).start()

def hold(s):
    while True:
        c, a = s.accept()
        def run(c=c):
            try:
                c.sendall(b'hello')
                print('accepted', flush=True)
                while True:
                    d = c.recv(65536)
                    if not d:
                        print('eof', flush=True)
                        break
                    print('data', d.decode(errors='replace'), flush=True)
                    if b'go' in d:
                        c.sendall(b'reply')
            except ConnectionResetError:
                print('reset', flush=True)
            except OSError as e:
                print('error', e, flush=True)
            c.close()
        threading.Thread(target=run, daemon=True).start()

def udpsizes(s, sizes):
    while True:
        d, a = s.recvfrom(65535)
        for n in sizes:
            try:
                s.sendto(b'u' * n, a)
            except OSError as e:
                print('send', n, e, flush=True)
        s.sendto(b'end', a)

kind, port = sys.argv[1], int(sys.argv[2])
for addr, fam in (('127.0.0.1', socket.AF_INET), ('::1', socket.AF_INET6)):
    if kind in ('bulk', 'hold'):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(16)
        if kind == 'bulk':
            threading.Thread(target=bulk, args=(s, int(sys.argv[3])),
                             daemon=True).start()
        else:
            threading.Thread(target=hold, args=(s,), daemon=True).start()
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
        sizes = [int(x) for x in sys.argv[3].split(',')]
        threading.Thread(target=udpsizes, args=(s, sizes),
                         daemon=True).start()
print('listening', flush=True)
threading.Event().wait()
'''


# ---------------------------------------------------------------------------
# Frames

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_frame(src, dst, proto, l4, csum_off):
    """Ethernet frame from the guest with an IP packet around l4, whose
    checksum (at csum_off) is filled"""
    v6 = ':' in dst
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if v6:
        ph = s + d + struct.pack('!I3xB', len(l4), proto)
    elif proto == 1:
        ph = b''
    else:
        ph = s + d + struct.pack('!xBH', proto, len(l4))
    c = csum(ph + l4[:csum_off] + b'\0\0' + l4[csum_off + 2:])
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
    return BCAST + GUEST_MAC + struct.pack('!H', et) + ip + l4


def tcp_frame(src, dst, sport, dport, flags, seq, ack=0, win=65535,
              opts=b'', data=b''):
    """Ethernet frame from the guest with a TCP segment"""
    off = (20 + len(opts)) // 4
    l4 = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4,
                     flags, win, 0, 0) + opts + data
    return ip_frame(src, dst, 6, l4, 16)


def parse(frame):
    """dict of a frame: its length, and for IPv4/IPv6 with TCP or UDP, the
    headers and data"""
    et = struct.unpack('!H', frame[12:14])[0]
    b = frame[14:]
    if et == 0x0800:
        ihl = (b[0] & 15) * 4
        tot = struct.unpack('!H', b[2:4])[0]
        proto, l4 = b[9], b[ihl:tot]
        src = str(ipaddress.IPv4Address(b[12:16]))
        iplen = tot
    elif et == 0x86dd:
        plen = struct.unpack('!H', b[4:6])[0]
        proto, l4 = b[6], b[40:40 + plen]
        src = str(ipaddress.IPv6Address(b[8:24]))
        iplen = 40 + plen
    else:
        return {'len': len(frame), 'iplen': None, 'proto': None}
    r = {'len': len(frame), 'iplen': iplen, 'proto': proto, 'src': src}
    if proto == 6 and len(l4) >= 20:
        sp, dp, seq, ack, off, fl, win = struct.unpack('!HHIIBBH', l4[:16])
        r.update(sport=sp, dport=dp, seq=seq, ack=ack, flags=fl, win=win,
                 data=l4[(off >> 4) * 4:], opts=l4[20:(off >> 4) * 4])
    elif proto == 17 and len(l4) >= 8:
        sp, dp = struct.unpack('!HH', l4[:4])
        r.update(sport=sp, dport=dp, data=l4[8:])
    return r


class Guest:
    """The guest end of passt's stream socket, frames built by hand"""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)

    def close(self):
        self.s.close()

    def send(self, frame):
        send_frame(self.s, frame)

    def tcp(self, *args, **kwargs):
        self.send(tcp_frame(*args, **kwargs))

    def udp(self, src, dst, sport, dport, data):
        l4 = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
        self.send(ip_frame(src, dst, 17, l4, 6))

    def frames(self, timeout):
        """Parsed frames as they come, until timeout seconds of silence"""
        while True:
            self.s.settimeout(timeout)
            try:
                f = recv_frame(self.s)
            except (TimeoutError, socket.timeout):
                return
            yield parse(f)

    def expect(self, pred, timeout=3, what='frame'):
        """The first parsed frame pred() accepts"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.frames(max(deadline - time.monotonic(), 0.05)):
                if pred(p):
                    return p
                if time.monotonic() >= deadline:
                    break
        pytest.fail(f'no {what} in {timeout} s')


# ---------------------------------------------------------------------------
# Fixtures

@pytest.fixture
def passt_env(topo, tmp):
    """A function starting passt with extra arguments, and a server in
    HOST; both stopped at the end"""
    procs = []

    def start(*args, server=None, exe=None, env=None):
        p = start_passt(topo, tmp, '-l', os.path.join(tmp, 'passt.log'),
                        '--trace', *args, exe=exe, env=env)
        procs.append(p)
        if server:
            srv = spawn_in(topo.host, [PY, '-c', SERVER] +
                           [str(a) for a in server])
            procs.append(srv)
            srv.wait_output('listening', timeout=10)
        p.log = os.path.join(tmp, 'passt.log')
        p.tmp = tmp
        p.srv = procs[-1] if server else None
        return p

    yield start
    for p in procs:
        p.stop()
    for p in procs[:1]:
        check_sanitizers(p.output + read(p.log), 'passt')


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return ''


def gw_of(topo, v6):
    return topo.gw6 if v6 else REMOTE4


def me(v6):
    return HOST6 if v6 else HOST4


def handshake(g, topo, v6, port, opts, win=65535):
    """SYN to the gateway (the host's loopback), wait for the SYN-ACK, ACK
    it; (sport, our next seq, the peer's next seq, SYN-ACK)"""
    sport = random.randint(40000, 59999)
    seq = random.getrandbits(32)
    src, dst = me(v6), gw_of(topo, v6)
    g.tcp(src, dst, sport, port, TCP_SYN, seq, opts=opts, win=win)
    sa = g.expect(lambda p: p.get('sport') == port and
                  p.get('dport') == sport and
                  p['flags'] & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK,
                  what='SYN-ACK')
    seq = (seq + 1) & 0xffffffff
    peer = (sa['seq'] + 1) & 0xffffffff
    g.tcp(src, dst, sport, port, TCP_ACK, seq, peer, win=win)
    return sport, seq, peer, sa


# ---------------------------------------------------------------------------
# Frames over the limit with -m 0

@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_mss_no_mtu(topo, passt_env, v6):
    """-m 0, and a SYN announcing MSS 65535 and window scale 7: the SYN-ACK
    announces no more than one frame holds, and 1 MiB from the server comes
    in frames of at most FRAME_MAX bytes, each no longer than its IP
    packet says"""
    port = 17001
    total = 1 << 20
    p = passt_env('-m', '0', server=['bulk', port, total])
    g = Guest(p.sock)
    mss_opt = b'\x02\x04\xff\xff\x01\x03\x03\x07'
    sport, seq, peer, sa = handshake(g, topo, v6, port, mss_opt)
    hl = (40 if v6 else 20) + 20
    opts = sa['opts']
    assert opts[:2] == b'\x02\x04', opts

    src, dst = me(v6), gw_of(topo, v6)
    got, biggest, frames = 0, 0, 0
    deadline = time.monotonic() + 20
    while got < total and time.monotonic() < deadline:
        for f in g.frames(2):
            assert f['len'] <= FRAME_MAX, f'frame of {f["len"]} bytes'
            if f.get('sport') != port or f.get('dport') != sport:
                continue
            frames += 1
            biggest = max(biggest, f['len'])
            assert f['len'] == 14 + f['iplen'], f
            n = len(f['data'])
            if n and f['seq'] == (peer + got) & 0xffffffff:
                got += n
                g.tcp(src, dst, sport, port, TCP_ACK, seq,
                      (peer + got) & 0xffffffff)
            if got >= total:
                break
        else:
            break
    assert got == total, f'{got} of {total} bytes in {frames} frames'
    assert struct.unpack('!H', opts[2:4])[0] == 65535 - hl
    # Full-sized frames were used: the limit, not some smaller MSS
    assert biggest == FRAME_MAX, biggest
    g.tcp(src, dst, sport, port, TCP_RST | TCP_ACK, seq,
          (peer + got) & 0xffffffff)
    g.close()


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_udp_no_mtu(topo, passt_env, v6):
    """-m 0: a reply of exactly what one frame holds arrives (FRAME_MAX
    bytes), one byte more is dropped (counted), and nothing over FRAME_MAX
    is ever sent; 'end' after them shows they were all handled"""
    port = 17002
    fit = FRAME_MAX - 14 - (40 if v6 else 20) - 8
    sizes = [fit, fit + 1] if v6 else [fit]
    p = passt_env('-m', '0', server=['udpsizes', port,
                                     ','.join(map(str, sizes))])
    g = Guest(p.sock)
    sport = random.randint(40000, 59999)
    g.udp(me(v6), gw_of(topo, v6), sport, port, b'go')
    lens = []
    for f in g.frames(3):
        assert f['len'] <= FRAME_MAX, f'frame of {f["len"]} bytes'
        if f.get('proto') != 17 or f.get('dport') != sport:
            continue
        assert f['len'] == 14 + f['iplen']
        lens.append(len(f['data']))
        if f['data'] == b'end':
            break
    assert lens == [fit, 3], lens
    g.close()


# ---------------------------------------------------------------------------
# Flows outliving the client

FLOWS_RE = re.compile(r'flows: (\d+) in use, max \d+, refused \d+'
                      r'(?:, (\d+) closed as the guest left)?')


def sigusr1_match(p, regex, what):
    """The match of regex in what passt logs on SIGUSR1"""
    off = len(read(p.log))
    p.signal(signal.SIGUSR1)
    return wait_until(lambda: regex.search(read(p.log)[off:]), timeout=5,
                      what=what)


def flow_counters(p):
    """(in use, closed as the guest left), logged on SIGUSR1"""
    m = sigusr1_match(p, FLOWS_RE, 'flow counters')
    return int(m.group(1)), int(m.group(2) or 0)


def flows_reset_and_gone(p, before):
    """Once the guest left: the server saw a reset, and no flow is left;
    the flows closed as the guest left since the count before"""
    p.srv.wait_output('reset', timeout=5)
    in_use, gone = wait_until(lambda: (lambda r: r if r[0] == 0 else None)(
        flow_counters(p)), timeout=5, what='no flow left')
    return gone - before


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_flows_die_with_client(topo, passt_env, v6):
    """Client A opens a TCP connection (the server sends 'hello', A doesn't
    acknowledge it), a UDP flow and an echo flow, then disconnects. Before
    client B is served: the server's connection is reset, no flow is left.
    B, using A's addresses and ports, gets no data of A's connection: an ACK
    with A's sequence numbers is answered with a reset (no connection), not
    with A's data"""
    port = 17003
    p = passt_env(server=['hold', port])
    a = Guest(p.sock)
    sport, seq, peer, sa = handshake(a, topo, v6, port,
                                     b'\x02\x04\x05\xb4')
    p.srv.wait_output('accepted', timeout=5)
    a.expect(lambda f: f.get('sport') == port and f.get('data') == b'hello',
             what="A's data")
    usport = random.randint(40000, 59999)
    a.udp(me(v6), gw_of(topo, v6), usport, port + 1, b'x')
    wait_until(lambda: flow_counters(p)[0] >= 2, timeout=5,
               what='TCP and UDP flows')
    before = flow_counters(p)[1]
    a.close()

    assert flows_reset_and_gone(p, before) >= 2

    b = Guest(p.sock)
    src, dst = me(v6), gw_of(topo, v6)
    b.tcp(src, dst, sport, port, TCP_ACK, seq, peer)
    r = b.expect(lambda f: f.get('sport') == port and
                 f.get('dport') == sport, what='answer to B')
    assert r['flags'] & TCP_RST and not r['data'], r
    b.close()


# ---------------------------------------------------------------------------
# TCP acceptance rules (RFC 5961, RFC 9293)

def established(topo, passt_env, v6, port):
    """passt with a 'hold' server, a connection to it whose 'hello' was
    received and acknowledged: (passt, guest, tcp(), sport, seq, peer)"""
    p = passt_env(server=['hold', port])
    g = Guest(p.sock)
    sport, seq, peer, sa = handshake(g, topo, v6, port,
                                     b'\x02\x04\x05\xb4')
    p.srv.wait_output('accepted', timeout=5)
    g.expect(lambda f: f.get('sport') == port and f.get('data') == b'hello',
             what='hello')
    peer = (peer + 5) & 0xffffffff
    src, dst = me(v6), gw_of(topo, v6)

    def tcp(flags, seq_, ack=peer, data=b'', win=65535):
        g.tcp(src, dst, sport, port, flags, seq_ & 0xffffffff, ack,
              win=win, data=data)
    tcp(TCP_ACK, seq)
    return p, g, tcp, sport, seq, peer


def is_ack_from(port, sport, seq):
    return lambda f: (f.get('sport') == port and f.get('dport') == sport and
                      f['flags'] & (TCP_ACK | TCP_RST | TCP_SYN) == TCP_ACK
                      and f['ack'] == seq and not f['data'])


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_rst_and_syn_need_exact_seq(topo, passt_env, v6):
    """An RST one byte past the expected sequence number, and one in the
    middle of the window, leave the connection up and get a challenge ACK
    (an ACK with the expected number); so does a SYN. Data still goes
    through after them; an RST at the exact number resets the server's
    connection"""
    port = 17010
    p, g, tcp, sport, seq, peer = established(topo, passt_env, v6, port)
    for bad in (seq + 1, seq + 1000):
        tcp(TCP_RST, bad, 0)
        g.expect(is_ack_from(port, sport, seq), what='challenge ACK')
    tcp(TCP_SYN, seq + 77, 0)
    g.expect(is_ack_from(port, sport, seq), what='challenge ACK to SYN')
    tcp(TCP_ACK | TCP_PSH, seq, data=b'still')
    p.srv.wait_output('data still', timeout=5)
    assert 'reset' not in p.srv.output
    seq += 5
    tcp(TCP_RST, seq, 0)
    p.srv.wait_output('reset', timeout=5)
    g.close()


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_data_needs_ack(topo, passt_env, v6):
    """Data in a segment without ACK isn't delivered: the server sees only
    what comes with ACK, at the same sequence number"""
    port = 17011
    p, g, tcp, sport, seq, peer = established(topo, passt_env, v6, port)
    tcp(TCP_PSH, seq, 0, data=b'evil')
    tcp(TCP_ACK | TCP_PSH, seq, data=b'good')
    p.srv.wait_output('data good', timeout=5)
    assert 'evil' not in p.srv.output
    g.close()


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_window_from_acceptable_segments(topo, passt_env, v6):
    """A segment acknowledging data never sent, with a zero window, right
    after 'go': the window stays open, and the server's 'reply' reaches
    the guest"""
    port = 17012
    p, g, tcp, sport, seq, peer = established(topo, passt_env, v6, port)
    go = ip_frame(me(v6), gw_of(topo, v6), 6, struct.pack(
        '!HHIIBBHHH', sport, port, seq, peer, 5 << 4, TCP_ACK | TCP_PSH,
        65535, 0, 0) + b'go', 16)
    bogus = ip_frame(me(v6), gw_of(topo, v6), 6, struct.pack(
        '!HHIIBBHHH', sport, port, (seq + 2) & 0xffffffff,
        (peer + 1000000) & 0xffffffff, 5 << 4, TCP_ACK, 0, 0, 0), 16)
    g.s.sendall(struct.pack('!I', len(go)) + go +
                struct.pack('!I', len(bogus)) + bogus)
    p.srv.wait_output('data go', timeout=5)
    g.expect(lambda f: f.get('sport') == port and f.get('data') == b'reply',
             timeout=2, what='reply')
    g.close()


def test_dup_acks_once_per_round_trip(topo, passt_env):
    """The server sends 1 MiB; the guest advertises 8 segments of window,
    takes the first window without acknowledging, then sends twelve
    duplicate ACKs at once: what comes back in the next 100 ms (before any
    retransmission timer) is at most one window, not one per three
    duplicates"""
    port = 17013
    mss = 1000
    win = 8 * mss
    p = passt_env(server=['bulk', port, 1 << 20])
    g = Guest(p.sock)
    sport, seq, peer, sa = handshake(g, topo, False, port,
                                     struct.pack('!BBH', 2, 4, mss), win=win)
    src, dst = me(False), gw_of(topo, False)
    seqs = set()
    got = 0
    for f in g.frames(1):
        if f.get('sport') == port and f.get('data') and \
           f['seq'] not in seqs:
            seqs.add(f['seq'])
            got += len(f['data'])
            if got >= win:
                break
    assert got == win, got
    dup = ip_frame(src, dst, 6, struct.pack(
        '!HHIIBBHHH', sport, port, seq, peer, 5 << 4, TCP_ACK, win, 0, 0),
        16)
    g.s.sendall((struct.pack('!I', len(dup)) + dup) * 12)
    first, again = None, 0
    for f in g.frames(0.5):
        if f.get('sport') != port or not f.get('data'):
            continue
        now = time.monotonic()
        first = first or now
        if now - first < 0.1:
            again += len(f['data'])
    assert 0 < again <= win, again
    g.close()


# ---------------------------------------------------------------------------
# Services turned off don't swallow their traffic

FRAMES_RE = re.compile(r'frames: (\d+) in, \d+ out, \d+ dropped out, '
                       r'(\d+) malformed, (\d+) unhandled')


def frame_counters(p):
    """(in, malformed, unhandled), logged on SIGUSR1"""
    m = sigusr1_match(p, FRAMES_RE, 'frame counters')
    return tuple(int(x) for x in m.groups())


def dhcp_request(xid):
    """A minimal DHCPREQUEST (BOOTP with the magic cookie, option 53)"""
    m = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0,
                    b'\0' * 4, b'\0' * 4, b'\0' * 4, b'\0' * 4,
                    GUEST_MAC + b'\0' * 10, b'', b'')
    return m + b'\x63\x82\x53\x63' + b'\x35\x01\x03' + b'\xff'


def ns_frame(src, target):
    """Neighbor Solicitation for target, to its solicited-node group"""
    t = ipaddress.IPv6Address(target).packed
    dst = 'ff02::1:ff' + t[13:].hex()[:2] + ':' + t[14:].hex()
    l4 = struct.pack('!BBHI', 135, 0, 0, 0) + t + \
        struct.pack('!BB', 1, 1) + GUEST_MAC
    f = ip_frame(src, dst, 58, l4, 2)
    # Hop limit 255, as NDP wants
    return f[:21] + b'\xff' + f[22:]


@pytest.mark.parametrize('what', ['dhcp', 'dhcpv6', 'ndp'])
def test_disabled_services(topo, passt_env, what):
    """--no-dhcp, --no-dhcpv6: a request to a unicast address (the gateway,
    that is the host's loopback) goes out as any UDP datagram, and the
    server there answers; one to the broadcast or multicast address is
    dropped and counted as unhandled. --no-ndp: a Neighbor Solicitation
    for the gateway gets no answer, and is counted as unhandled"""
    opt = {'dhcp': '--no-dhcp', 'dhcpv6': '--no-dhcpv6',
           'ndp': '--no-ndp'}[what]
    v6 = what != 'dhcp'
    sport, dport = (546, 547) if v6 else (68, 67)
    p = passt_env(opt, server=['udpsizes', dport, 5] if what != 'ndp'
                  else None)
    g = Guest(p.sock)
    src, gw = me(v6), gw_of(topo, v6)
    before = frame_counters(p)
    if what == 'ndp':
        g.send(ns_frame(src, gw))
        for f in g.frames(1):
            assert f.get('proto') != 58, f
        after = frame_counters(p)
        assert after[2] - before[2] == 1, (before, after)
        g.close()
        return

    payload = dhcp_request(0x1234) if what == 'dhcp' else \
        b'\x03\x00\x12\x34' + struct.pack('!HH', 1, 2) + b'\0\x01'
    g.udp(src, gw, sport, dport, payload)
    r = g.expect(lambda f: f.get('proto') == 17 and f.get('dport') == sport,
                 what='answer of the server on the host')
    assert r['sport'] == dport and r['data'] == b'u' * 5, r
    g.expect(lambda f: f.get('proto') == 17 and f.get('data') == b'end',
             what="the server's end")

    bcast = '255.255.255.255' if what == 'dhcp' else 'ff02::1:2'
    before = frame_counters(p)
    g.udp('0.0.0.0' if what == 'dhcp' else src, bcast, sport, dport,
          payload)
    for f in g.frames(1):
        assert f.get('proto') != 17, f
    after = frame_counters(p)
    assert after[2] - before[2] == 1, (before, after)
    g.close()

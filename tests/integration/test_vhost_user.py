# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt --vhost-user against a front-end written here: the protocol as qemu
# speaks it (features, protocol features with REPLY_ACK, a memfd memory
# table, queue set-up with eventfds), a frame through the queues both ways
# (an ARP request in the transmit queue, the reply found in a receive
# buffer, marked as checksummed with VIRTIO_NET_F_GUEST_CSUM), and a guest
# breaking its transmit queue: logged, the queue left alone, passt still
# answering, the queue usable again once set up anew, and a fresh start for
# the next front-end. A memory table reaching past the end of its file is
# refused; one that leaves the running queues' rings out (or has no region
# at all) takes them out of use. TCP data from a host server lands in receive buffers of several
# shapes (one buffer per frame, frames merged over odd-sized buffers, the
# virtio-net header in a buffer of its own, no MRG_RXBUF), intact, with
# right checksums or marked checksummed; and the flows of a front-end that
# leaves are closed before the next one is served.
#
# The e2e tests (tests/e2e/test_vhost_user.py) do the same with qemu and a
# real guest; this one can write what no guest driver would.

import json
import mmap
import os
import select
import signal
import socket
import struct
import time

import pytest

import conftest
from conftest import run_in, start_passt, wait_until
from test_ctl import PESTO, pesto_ok

GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE = 1, 2, 3, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 15, 16, 17
SET_VRING_ENABLE = 18
NEED_REPLY = 1 << 3

F_GUEST_CSUM, F_MRG_RXBUF = 1 << 1, 1 << 15
F_PROTOCOL, F_VERSION_1 = 1 << 30, 1 << 32
PF_REPLY_ACK = 1 << 3

MEM = 1 << 20
GPA = 0x40000000
UVA = 0x7f1200000000
NUM = 8
# Layout of the memory: each queue's rings, then buffers
RING = {0: 0x0000, 1: 0x4000}	# desc at +0, avail at +0x1000, used +0x2000
RXBUF = 0x10000			# NUM buffers of 2048 bytes
TXBUF = 0x20000
GUEST_MAC = bytes.fromhex('020000001901')


class FrontEnd:
    """A vhost-user front-end on passt's socket, with one memfd region"""

    def __init__(self, path):
        self.s = wait_until(lambda: self._connect(path), timeout=5,
                            what=f'connection to {path}')
        self.fd = os.memfd_create('guest')
        os.ftruncate(self.fd, MEM)
        self.mem = mmap.mmap(self.fd, MEM)
        self.kick = {q: os.eventfd(0, os.EFD_NONBLOCK) for q in (0, 1)}
        self.call = {q: os.eventfd(0, os.EFD_NONBLOCK) for q in (0, 1)}
        self.tx_avail = 0

    @staticmethod
    def _connect(path):
        """passt binds its socket, then listens: a connection in between
        is refused, whatever the harness saw of the socket file"""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(path)
        except ConnectionRefusedError:
            s.close()
            return None
        return s

    def send(self, req, payload=b'', fds=(), flags=0):
        hdr = struct.pack('<III', req, 1 | flags, len(payload))
        if fds:
            socket.send_fds(self.s, [hdr + payload], list(fds))
        else:
            self.s.sendall(hdr + payload)

    def recv(self, req):
        hdr = self.s.recv(12, socket.MSG_WAITALL)
        r, flags, size = struct.unpack('<III', hdr)
        assert r == req and flags & 4, (r, flags)
        return self.s.recv(size, socket.MSG_WAITALL)

    def u64(self, req, value=None, fds=(), ack=False):
        """A request with a u64 payload; its reply or acknowledgement"""
        if value is None:
            self.send(req)
            return struct.unpack('<Q', self.recv(req))[0]
        self.send(req, struct.pack('<Q', value), fds,
                  NEED_REPLY if ack else 0)
        if ack:
            return struct.unpack('<Q', self.recv(req))[0]
        return None

    def state(self, req, q, num, ack=True):
        self.send(req, struct.pack('<II', q, num), flags=NEED_REPLY
                  if ack else 0)
        if ack:
            return struct.unpack('<Q', self.recv(req))[0]
        return None

    def setup(self, features=F_VERSION_1 | F_MRG_RXBUF | F_GUEST_CSUM,
              rx=((2048,),) * NUM):
        """Negotiate, share the memory, start both queues; rx: the receive
        chains to make available, each a tuple of buffer lengths"""
        assert self.u64(GET_FEATURES) & (F_VERSION_1 | F_MRG_RXBUF) == \
            F_VERSION_1 | F_MRG_RXBUF
        self.features = features
        self.u64(SET_FEATURES, features | F_PROTOCOL)
        assert self.u64(GET_PROTOCOL_FEATURES) & PF_REPLY_ACK
        self.u64(SET_PROTOCOL_FEATURES, PF_REPLY_ACK)
        self.send(SET_OWNER)
        table = struct.pack('<II', 1, 0) + struct.pack('<QQQQ', GPA, MEM,
                                                       UVA, 0)
        self.send(SET_MEM_TABLE, table, [self.fd], NEED_REPLY)
        assert struct.unpack('<Q', self.recv(SET_MEM_TABLE))[0] == 0
        for q in (0, 1):
            self.start_queue(q, 0)
        # Receive buffers: chains of 2048 bytes at most, all available
        self.rx_chains = {}
        d = 0
        for i, lens in enumerate(rx):
            assert sum(lens) <= 2048 and d + len(lens) <= NUM
            self.rx_chains[d] = [(GPA + RXBUF + i * 2048 + sum(lens[:k]),
                                  lens[k]) for k in range(len(lens))]
            for k, (addr, length) in enumerate(self.rx_chains[d]):
                more = k + 1 < len(lens)
                self.desc(0, d + k, addr, length, 2 | more, d + k + 1)
            self.avail_slot(0, i, d)
            d += len(lens)
        self.rx_avail = len(rx)
        self.rx_used = 0
        self.avail_idx(0, self.rx_avail)

    def start_queue(self, q, base):
        base_off = RING[q]
        assert self.state(SET_VRING_NUM, q, NUM) == 0
        assert self.state(SET_VRING_BASE, q, base) == 0
        addr = struct.pack('<IIQQQQ', q, 0, UVA + base_off,
                           UVA + base_off + 0x2000, UVA + base_off + 0x1000,
                           0)
        self.send(SET_VRING_ADDR, addr, flags=NEED_REPLY)
        assert struct.unpack('<Q', self.recv(SET_VRING_ADDR))[0] == 0
        assert self.u64(SET_VRING_KICK, q, [self.kick[q]], ack=True) == 0
        assert self.u64(SET_VRING_CALL, q, [self.call[q]], ack=True) == 0
        assert self.state(SET_VRING_ENABLE, q, 1) == 0

    def desc(self, q, i, addr, length, flags, nxt):
        struct.pack_into('<QIHH', self.mem, RING[q] + i * 16, addr, length,
                         flags, nxt)

    def avail_slot(self, q, slot, head):
        struct.pack_into('<H', self.mem, RING[q] + 0x1000 + 4 +
                         (slot % NUM) * 2, head)

    def avail_idx(self, q, idx):
        struct.pack_into('<H', self.mem, RING[q] + 0x1000 + 2, idx & 0xffff)

    def used_idx(self, q):
        return struct.unpack_from('<H', self.mem, RING[q] + 0x2002)[0]

    def transmit(self, descs):
        """Make a chain available on the transmit queue and kick"""
        head = descs[0][0]
        for i, addr, length, flags, nxt in descs:
            self.desc(1, i, addr, length, flags, nxt)
        self.avail_slot(1, self.tx_avail, head)
        self.tx_avail += 1
        self.avail_idx(1, self.tx_avail)
        os.eventfd_write(self.kick[1], 1)

    def close(self):
        self.s.close()
        self.mem.close()
        for fd in [self.fd, *self.kick.values(), *self.call.values()]:
            os.close(fd)


def arp_request():
    """ARP who-has 192.0.2.1 (the gateway) from the guest, with the virtio
    header in front of it"""
    eth = b'\xff' * 6 + GUEST_MAC + b'\x08\x06'
    arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + GUEST_MAC + \
        socket.inet_aton('192.0.2.2') + bytes(6) + \
        socket.inet_aton('192.0.2.1')
    return bytes(12) + (eth + arp).ljust(60, b'\0')


def send_arp(fe, slot):
    frame = arp_request()
    addr = TXBUF + slot * 128
    fe.mem[addr:addr + len(frame)] = frame
    used = fe.used_idx(0)
    # Header and frame in two descriptors, as a driver may do
    fe.transmit([(slot * 2, GPA + addr, 12, 1, slot * 2 + 1),
                 (slot * 2 + 1, GPA + addr + 12, len(frame) - 12, 0, 0)])
    return used


def wait_arp_reply(fe, used_before):
    """The reply lands in the next receive buffer; the guest is notified"""
    r, _, _ = select.select([fe.call[0]], [], [], 5)
    assert r, 'no interrupt for the receive queue'
    os.eventfd_read(fe.call[0])
    assert fe.used_idx(0) == used_before + 1
    off = RXBUF + (used_before % NUM) * 2048
    hdr = fe.mem[off:off + 12]
    assert struct.unpack_from('<H', hdr, 10)[0] == 1	# num_buffers
    assert hdr[0] == 2		# VIRTIO_NET_HDR_F_DATA_VALID: GUEST_CSUM
    frame = fe.mem[off + 12:off + 12 + 42]
    assert frame[:6] == GUEST_MAC and frame[12:14] == b'\x08\x06', frame
    assert frame[20:22] == b'\x00\x02'			# ARP reply
    assert frame[28:32] == socket.inet_aton('192.0.2.1')


def next_front_end_served(p):
    """A new front-end sets up the device and gets an ARP reply"""
    fe = FrontEnd(p.sock)
    try:
        fe.setup()
        wait_arp_reply(fe, send_arp(fe, 0))
    finally:
        fe.close()


def after_front_end_gone(p):
    """Once a front-end closed: passt sees it go, serves the next one, and
    is still running"""
    wait_until(lambda: 'waiting for the next one' in p.output, timeout=5,
               what='passt to see the front-end go')
    next_front_end_served(p)
    assert p.running()


def test_frames_both_ways(topo, tmp):
    p = start_passt(topo, tmp, '--vhost-user', '-d')
    fe = FrontEnd(p.sock)
    try:
        fe.setup()
        wait_arp_reply(fe, send_arp(fe, 0))
        wait_until(lambda: fe.used_idx(1) == 1, timeout=3,
                   what='transmit chain returned')
    finally:
        fe.close()


@pytest.mark.parametrize('bad', ['loop', 'outside', 'overflow', 'indirect',
                                 'next', 'head'])
def test_broken_transmit_queue(topo, tmp, bad):
    """A guest breaking its transmit queue: logged, the queue stops, passt
    answers the front-end; set up again, the queue works; the next
    front-end starts afresh"""
    p = start_passt(topo, tmp, '--vhost-user', '-d')
    fe = FrontEnd(p.sock)
    try:
        fe.setup()
        wait_arp_reply(fe, send_arp(fe, 0))
        g = GPA + TXBUF
        chain = {
            'loop': [(2, g, 12, 1, 3), (3, g, 12, 1, 2)],
            'outside': [(2, GPA + MEM - 8, 16, 0, 0)],
            'overflow': [(2, 2**64 - 16, 64, 0, 0)],
            'indirect': [(2, g, 16, 4, 0)],
            'next': [(2, g, 12, 1, NUM)],
            'head': None,
        }[bad]
        if chain:
            fe.transmit(chain)
        else:
            fe.avail_slot(1, fe.tx_avail, NUM + 3)
            fe.tx_avail += 1
            fe.avail_idx(1, fe.tx_avail)
            os.eventfd_write(fe.kick[1], 1)
        wait_until(lambda: 'invalid transmit queue' in p.output,
                   timeout=5, what='the broken queue logged')
        assert p.running()
        assert fe.u64(GET_FEATURES) & F_VERSION_1	# still answering
        before = fe.used_idx(0)
        send_arp(fe, 2)
        assert not select.select([fe.call[0]], [], [], 0.5)[0]
        assert fe.used_idx(0) == before		# the queue is left alone

        # The front-end stops the queue and starts it again (a guest
        # reset): past the bad chain, it works
        fe.send(GET_VRING_BASE, struct.pack('<II', 1, 0))
        q, base = struct.unpack('<II', fe.recv(GET_VRING_BASE))
        assert q == 1
        fe.start_queue(1, fe.tx_avail)
        wait_arp_reply(fe, send_arp(fe, 3))
    finally:
        fe.close()

    # The next front-end: a clean device
    after_front_end_gone(p)


def test_memory_table_past_file_end(topo, tmp):
    """A memory table whose region reaches past the end of its memfd is
    refused (passt would fault touching it), logged, and passt keeps
    answering; the same table once the file is large enough is taken"""
    p = start_passt(topo, tmp, '--vhost-user', '-d')
    fe = FrontEnd(p.sock)
    try:
        fe.u64(GET_FEATURES)
        fe.u64(SET_FEATURES, F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL)
        fe.u64(GET_PROTOCOL_FEATURES)
        fe.u64(SET_PROTOCOL_FEATURES, PF_REPLY_ACK)
        fe.send(SET_OWNER)
        os.ftruncate(fe.fd, MEM // 2)
        table = struct.pack('<II', 1, 0) + struct.pack('<QQQQ', GPA, MEM,
                                                       UVA, 0)
        fe.send(SET_MEM_TABLE, table, [fe.fd], NEED_REPLY)
        assert struct.unpack('<Q', fe.recv(SET_MEM_TABLE))[0] != 0
        wait_until(lambda: 'table needs' in p.output, timeout=5,
                   what='the short region logged')
        assert p.running()
        os.ftruncate(fe.fd, MEM)
        fe.send(SET_MEM_TABLE, table, [fe.fd], NEED_REPLY)
        assert struct.unpack('<Q', fe.recv(SET_MEM_TABLE))[0] == 0
    finally:
        fe.close()


@pytest.mark.parametrize('table', ['empty', 'elsewhere'])
def test_memory_table_replaced_under_running_queues(topo, tmp, table):
    """With both queues running, the front-end replaces the memory table
    with one that doesn't hold the rings (no region at all, or a region at
    other addresses): passt unmaps the old table and must not touch the
    rings there any more. The guest then kicks its transmit queue and the
    host has a frame for it: nothing happens, nothing faults (passt crashed
    on the empty table before), the queues are logged as not in the new
    table, and a new front-end is served"""
    p = start_passt(topo, tmp, '--vhost-user', '-d')
    fe = FrontEnd(p.sock)
    try:
        fe.setup()
        wait_arp_reply(fe, send_arp(fe, 0))
        if table == 'empty':
            new = struct.pack('<II', 0, 0)
            fds = []
        else:
            new = struct.pack('<II', 1, 0) + struct.pack(
                '<QQQQ', GPA + MEM, MEM, UVA + MEM, 0)
            fds = [fe.fd]
        fe.send(SET_MEM_TABLE, new, fds, NEED_REPLY)
        assert struct.unpack('<Q', fe.recv(SET_MEM_TABLE))[0] == 0
        wait_until(lambda: p.output.count('not in new memory table') == 2,
                   timeout=5, what='both queues logged out of the table')
        # A kick on the transmit queue, and an ARP reply for the receive
        # queue if the request had been taken: neither may touch the rings.
        # passt reads the kick's eventfd back to zero, then handles the
        # queue in the same dispatch: a request answered after that shows
        # it lived through it
        used = send_arp(fe, 1)
        wait_until(lambda: not select.select([fe.kick[1]], [], [], 0)[0],
                   timeout=5, what='passt to take the kick')
        assert fe.u64(GET_QUEUE_NUM) == 1
        assert p.running(), p.output
        assert fe.used_idx(1) == 1 and fe.used_idx(0) == used
    finally:
        fe.close()
    after_front_end_gone(p)


def tree_cpu_s(pid):
    """CPU time (utime + stime) of a process and its descendants, seconds"""
    parent, ticks = {}, {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/stat') as f:
                f = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        parent[int(d)] = int(f[1])
        ticks[int(d)] = int(f[11]) + int(f[12])
    mine, more = set(), {pid}
    while more:
        mine |= more
        more = {q for q, pp in parent.items() if pp in more} - mine
    return sum(ticks.get(q, 0) for q in mine) / os.sysconf('SC_CLK_TCK')


@pytest.mark.parametrize('merged', [True, False], ids=['mrg_rxbuf', 'single'])
def test_zero_length_receive_chain(topo, tmp, merged):
    """The first receive chain is a single zero-length descriptor (no
    buffer at all), then usable ones, and ARP requests come: passt neither
    crashes, nor writes outside the buffers, nor spins on the chain it
    can't use (CPU time over a second), and keeps answering the front-end.
    The short chain goes back used and empty, on its own; every reply
    lands in one of the next chains, header first, with num_buffers 1
    (before, with merged buffers, the reply's header went to the
    second chain with num_buffers 0, and without them the short chain
    stalled the queue: no reply at all). The next front-end is served"""
    p = start_passt(topo, tmp, '--vhost-user', '-d')
    fe = FrontEnd(p.sock)
    try:
        features = F_VERSION_1 | (F_MRG_RXBUF if merged else 0)
        fe.setup(features, ((0,),) + ((2048,),) * (NUM - 1))
        guard = bytes(fe.mem[RXBUF:RXBUF + NUM * 2048])
        for slot in range(4):
            send_arp(fe, slot)
        # passt took them: their transmit chains came back
        wait_until(lambda: fe.used_idx(1) == fe.tx_avail & 0xffff,
                   timeout=3, what='transmit chains returned')
        before = tree_cpu_s(p.pid)
        time.sleep(1)
        spent = tree_cpu_s(p.pid) - before
        assert spent < 0.2, f'passt took {spent:.2f} s of CPU in 1 s idle'
        assert p.running(), p.output
        assert fe.u64(GET_FEATURES) & F_VERSION_1	# still answering
        # The zero-length chain's (unused) buffer area is untouched
        assert bytes(fe.mem[RXBUF:RXBUF + 2048]) == guard[:2048]
        # Used entries (id, len): the short chain empty, then the replies
        used = [struct.unpack_from('<II', fe.mem, RING[0] + 0x2004 + 8 * i)
                for i in range(fe.used_idx(0))]
        assert used == [(0, 0)] + [(d, 12 + 42) for d in range(1, 5)], used
        for d in range(1, 5):
            off = RXBUF + d * 2048
            assert struct.unpack_from('<H', fe.mem, off + 10)[0] == 1
            assert fe.mem[off + 12 + 20:off + 12 + 22] == b'\x00\x02'
        # Counted, and shown with the other counters
        p.signal(signal.SIGUSR1)
        p.wait_output(r'vhost-user: 0 frames dropped for lack of receive '
                      r'buffers, 1 receive chains too short for the header '
                      r'returned empty, 0 broken rings', timeout=5)
    finally:
        fe.close()
    after_front_end_gone(p)


def test_stats_logs_drops_alone(topo, tmp):
    """--stats logs the counters when the only change is frames to the
    guest dropped: a front-end that makes no receive buffers available,
    then a connection to a forwarded port, whose SYN for the guest has
    nowhere to go (before, nothing was logged: only frames in and out, and
    refusals, counted as a change). pesto --stats has the same count"""
    port = 16991
    ctl = os.path.join(tmp, 'ctl.sock')
    p = start_passt(topo, tmp, '--vhost-user', '-t', str(port),
                    '--stats', '1', '-c', ctl)
    fe = FrontEnd(p.sock)
    try:
        fe.setup(rx=())
        send_arp(fe, 0)		# the guest's address; the reply dropped
        n_in = p.wait_output(r'frames: (\d+) in, 0 out, 1 dropped out',
                             timeout=5).group(1)
        p.wait_output(r'vhost-user: 1 frames dropped', timeout=5)
        # The kernel completes the handshake: passt accepts the connection
        # whether the client is still there or not
        res = run_in(topo.host, ['timeout', '3', 'bash', '-c',
                                 f'exec 3<>/dev/tcp/127.0.0.1/{port}'])
        assert res.returncode == 0, res.stdout + res.stderr
        m = p.wait_output(rf'frames: {n_in} in, 0 out, ([2-9]|\d\d+) '
                          r'dropped out', timeout=5)
        p.wait_output(rf'vhost-user: {m.group(1)} frames dropped',
                      timeout=5)
        js = json.loads(pesto_ok(run_in(topo.host, [PESTO, '--stats',
                                                    '--json', ctl],
                                        user='nobody')))
        assert js['vhost_user']['dropped_rx'] >= int(m.group(1)), js
        assert js['frames']['dropped_out'] == \
            js['vhost_user']['dropped_rx'], js
    finally:
        fe.close()
    after_front_end_gone(p)


# ---------------------------------------------------------------------------
# TCP through the queues: data from a host socket written straight into the
# receive buffers (vu_net.c, vu_lend()), with the guest's buffers in several
# shapes; and flows closed when the front-end leaves

from test_hostile import (TCP_ACK, flow_counters,  # noqa: E402
                          flows_reset_and_gone, gw_of, handshake, me, parse,
                          passt_env, read, tcp_frame)

assert passt_env	# a fixture, used by name below


class TcpFrontEnd(FrontEnd):
    """FrontEnd with the frame interface test_hostile's helpers use"""

    def send_frame(self, frame):
        slot = self.tx_avail % NUM
        addr = TXBUF + slot * 2048
        data = bytes(12) + frame
        assert len(data) <= 2048
        self.mem[addr:addr + len(data)] = data
        self.transmit([(slot, GPA + addr, len(data), 0, 0)])
        wait_until(lambda: self.used_idx(1) == self.tx_avail & 0xffff,
                   timeout=3, interval=0.002,
                   what="transmit chain returned")

    def tcp(self, *args, **kwargs):
        self.send_frame(tcp_frame(*args, **kwargs))

    def read_chain(self, head, length):
        out = b''
        for addr, blen in self.rx_chains[head]:
            k = min(blen, length - len(out))
            off = addr - GPA
            out += self.mem[off:off + k]
        return out

    def receive(self):
        """Frames in the used ring, as (virtio-net header, frame); their
        chains made available again, and the queue kicked"""
        frames = []
        while self.rx_used != self.used_idx(0):
            e = RING[0] + 0x2004 + (self.rx_used % NUM) * 8
            head, length = struct.unpack_from('<II', self.mem, e)
            self.rx_used += 1
            data = self.read_chain(head, length)
            hdr, frame = data[:12], data[12:]
            nbuf = struct.unpack_from('<H', hdr, 10)[0]
            assert nbuf >= 1, hdr
            self.repost(head)
            for _ in range(nbuf - 1):
                wait_until(lambda: self.rx_used != self.used_idx(0),
                           timeout=3, what='rest of a merged frame')
                e = RING[0] + 0x2004 + (self.rx_used % NUM) * 8
                head, length = struct.unpack_from('<II', self.mem, e)
                self.rx_used += 1
                frame += self.read_chain(head, length)
                self.repost(head)
            frames.append((hdr, frame))
        self.avail_idx(0, self.rx_avail)
        os.eventfd_write(self.kick[0], 1)
        return frames

    def repost(self, head):
        assert head in self.rx_chains, head
        self.avail_slot(0, self.rx_avail, head)
        self.rx_avail += 1

    def expect(self, pred, timeout=3, what='frame'):
        def one():
            for hdr, f in self.receive():
                p = parse(f)
                p['vhdr'], p['frame'] = hdr, f
                if pred(p):
                    return p
            return None
        return wait_until(one, timeout=timeout, what=what, interval=0.01)


def tcp_csum_ok(frame):
    """Is the TCP checksum of an IPv4 or IPv6 frame right?"""
    et = struct.unpack('!H', frame[12:14])[0]
    b = frame[14:]
    if et == 0x0800:
        ihl = (b[0] & 15) * 4
        tot = struct.unpack('!H', b[2:4])[0]
        l4 = b[ihl:tot]
        ph = b[12:20] + struct.pack('!xBH', 6, len(l4))
    else:
        plen = struct.unpack('!H', b[4:6])[0]
        l4 = b[40:40 + plen]
        ph = b[8:40] + struct.pack('!I3xB', len(l4), 6)
    data = ph + l4 + b'\0' * (len(l4) % 2)
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff


def csum_complete(frame, start, off):
    """The frame with the checksum a NEEDS_CSUM header asks for filled in:
    the ones' complement sum from start to the end, stored at start + off"""
    data = frame[start:] + b'\0' * ((len(frame) - start) % 2)
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    at = start + off
    return frame[:at] + struct.pack('!H', ~s & 0xffff) + frame[at + 2:]


SHAPES = {
    # one buffer of 2048 bytes per chain, TCP checksums left to the guest
    'csum': (F_VERSION_1 | F_MRG_RXBUF | F_GUEST_CSUM, ((2048,),) * NUM),
    # frames spread over several chains of 512 bytes, odd splits included
    'merged': (F_VERSION_1 | F_MRG_RXBUF,
               ((512,), (511,), (513,), (300, 212), (97, 415), (512,))),
    # the virtio-net header in a buffer of its own: copied, not lent
    'split-header': (F_VERSION_1 | F_MRG_RXBUF, ((12, 2036),) * 4),
    # no MRG_RXBUF: one chain per frame
    'single': (F_VERSION_1, ((2048,),) * NUM),
}


@pytest.mark.parametrize('shape,peek',
                         [(s, 'peek_off') for s in SHAPES] +
                         [('merged', 'no_peek_off')],
                         ids=list(SHAPES) + ['merged-no_peek_off'])
@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_tcp_download(topo, passt_env, v6, shape, peek):
    """48 KiB from a host server into the receive buffers, in order and
    intact, the guest acknowledging as it goes: right TCP checksums, or,
    with GUEST_CSUM, NEEDS_CSUM and a sum that completes right. Also as on
    kernels without SO_PEEK_OFF for TCP (the test-only build told to), into
    the most buffers: data in flight peeked again in front of them"""
    features, rx = SHAPES[shape]
    n, port = 48 << 10, 17090 + v6
    exe = env = None
    if peek == 'no_peek_off':
        exe = conftest.SELFTEST_PASST
        if not os.access(exe, os.X_OK):
            pytest.skip(f'no {exe} (make integration)')
        env = {'PASST_TEST_NO_PEEK_OFF': '1'}
    p = passt_env('--vhost-user', server=['bulk', port, n], exe=exe,
                  env=env)
    fe = TcpFrontEnd(p.sock)
    try:
        fe.setup(features, rx)
        sport, seq, peer, _ = handshake(fe, topo, v6, port,
                                        b'\x02\x04\x05\xb4')
        src, dst = me(v6), gw_of(topo, v6)
        got = b''
        while len(got) < n:
            f = fe.expect(lambda f: f.get('sport') == port and
                          f.get('data'), what=f'data after {len(got)}')
            if features & F_GUEST_CSUM:
                # NEEDS_CSUM, the sum to complete from the TCP header on:
                # completed as the header says, the checksum is right
                flags, start, off = struct.unpack_from('<B5xHH', f['vhdr'])
                l4 = 14 + (40 if v6 else 20)
                assert (flags, start, off) == (1, l4, 16), f['vhdr']
                assert tcp_csum_ok(csum_complete(f['frame'], start, off)), f
            else:
                assert f['vhdr'][0] == 0, f['vhdr']
                assert tcp_csum_ok(f['frame']), f
            if f['seq'] == peer:
                got += f['data']
                peer = (peer + len(f['data'])) & 0xffffffff
            fe.tcp(src, dst, sport, port, TCP_ACK, seq, peer)
        assert got == b'x' * n
        assert p.running()
        said = 'the kernel has no SO_PEEK_OFF for TCP' in read(p.log)
        assert said == (peek == 'no_peek_off')
    finally:
        fe.close()


@pytest.mark.parametrize('v6', [False, True], ids=['ipv4', 'ipv6'])
def test_flows_die_with_front_end(topo, passt_env, v6):
    """A front-end with a TCP connection (the server sent 'hello', not
    acknowledged) leaves: the server's connection is reset and no flow is
    left, before the next front-end is served"""
    port = 17095
    p = passt_env('--vhost-user', server=['hold', port])
    a = TcpFrontEnd(p.sock)
    try:
        a.setup()
        handshake(a, topo, v6, port, b'\x02\x04\x05\xb4')
        p.srv.wait_output('accepted', timeout=5)
        a.expect(lambda f: f.get('sport') == port and
                 f.get('data') == b'hello', what='hello')
        assert flow_counters(p)[0] >= 1
        before = flow_counters(p)[1]
    finally:
        a.close()

    assert flows_reset_and_gone(p, before) >= 1
    next_front_end_served(p)

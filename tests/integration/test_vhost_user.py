# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt --vhost-user against a front-end written here: the protocol as qemu
# speaks it (features, protocol features with REPLY_ACK, a memfd memory
# table, queue set-up with eventfds), a frame through the queues both ways
# (an ARP request in the transmit queue, the reply found in a receive
# buffer, marked as checksummed with VIRTIO_NET_F_GUEST_CSUM), and a guest breaking its transmit queue: logged, the queue left
# alone, passt still answering, the queue usable again once set up anew,
# and a fresh start for the next front-end.
#
# The e2e tests (tests/e2e/test_vhost_user.py) do the same with qemu and a
# real guest; this one can write what no guest driver would.

import mmap
import os
import select
import socket
import struct

import pytest

from conftest import start_passt, wait_until

GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE = 1, 2, 3, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE = 15, 16, 18
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

    def setup(self):
        assert self.u64(GET_FEATURES) & (F_VERSION_1 | F_MRG_RXBUF) == \
            F_VERSION_1 | F_MRG_RXBUF
        self.u64(SET_FEATURES, F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL |
                 F_GUEST_CSUM)
        assert self.u64(GET_PROTOCOL_FEATURES) & PF_REPLY_ACK
        self.u64(SET_PROTOCOL_FEATURES, PF_REPLY_ACK)
        self.send(SET_OWNER)
        table = struct.pack('<II', 1, 0) + struct.pack('<QQQQ', GPA, MEM,
                                                       UVA, 0)
        self.send(SET_MEM_TABLE, table, [self.fd], NEED_REPLY)
        assert struct.unpack('<Q', self.recv(SET_MEM_TABLE))[0] == 0
        for q in (0, 1):
            self.start_queue(q, 0)
        # Receive buffers: NUM single-descriptor chains, all available
        for i in range(NUM):
            self.desc(0, i, GPA + RXBUF + i * 2048, 2048, 2, 0)
            self.avail_slot(0, i, i)
        self.avail_idx(0, NUM)

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
    wait_until(lambda: 'waiting for the next one' in p.output, timeout=5,
               what='passt to see the front-end go')
    fe = FrontEnd(p.sock)
    try:
        fe.setup()
        wait_arp_reply(fe, send_arp(fe, 0))
    finally:
        fe.close()
    assert p.running()

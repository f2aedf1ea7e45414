# SPDX-License-Identifier: GPL-2.0-or-later
#
# The test harness itself, independently of passt and pasta: topology,
# resolver per namespace, /dev/net/tun permissions, unprivileged user
# namespaces, and tap_relay against a fake peer speaking the stream framing.

import ipaddress
import os
import socket
import stat
import struct
import threading
import time

from conftest import (GUEST_MAC, HOST4, HOST6, HOST_MAC, NOBODY_UID,
                      REMOTE4, REMOTE6, REMOTE_MAC, RESOLV_CONF, TUN,
                      addrs_of, arp_request, ip_json, link_of, mac_bytes,
                      parse_arp, recv_frame, run_in, spawn_in,
                      start_relay, TAP_RELAY, wait_until)

FAKE_MAC = '02:00:00:00:0f:01'
FAKE_IP = '198.51.100.1'
GUEST_IP = '198.51.100.2'


def test_topology_reachability(topo):
    """HOST and REMOTE reach each other over both IP versions"""
    for ns, dst in ((topo.host, REMOTE4), (topo.host, REMOTE6),
                    (topo.remote, HOST4), (topo.remote, HOST6)):
        res = run_in(ns, ['ping', '-c1', '-W2', dst])
        assert res.returncode == 0, res.stdout + res.stderr


def test_topology_host_config(topo):
    a = ip_json(topo.host, 'addr', 'show', 'h0')
    assert f'{HOST4}/24' in addrs_of(a)
    assert f'{HOST6}/64' in addrs_of(a)
    assert link_of(a, 'h0')['address'] == HOST_MAC
    assert ip_json(topo.host, 'route', 'show', 'default')[0]['gateway'] \
        == REMOTE4
    assert ip_json(topo.host, '-6', 'route', 'show', 'default')[0][
        'gateway'] == REMOTE6
    r = ip_json(topo.remote, 'link', 'show', 'r0')
    assert r[0]['address'] == REMOTE_MAC


def test_topology_ll_gateway(topo_ll):
    routes = ip_json(topo_ll.host, '-6', 'route', 'show', 'default')
    assert [r['gateway'] for r in routes] == ['fe80::1']
    res = run_in(topo_ll.host, ['ping', '-c1', '-W2', REMOTE6])
    assert res.returncode == 0, res.stdout


def test_host_resolv_conf(topo):
    """HOST sees its own resolv.conf, also as nobody"""
    res = run_in(topo.host, ['cat', '/etc/resolv.conf'], user='nobody',
                 check=True)
    assert res.stdout == RESOLV_CONF


def test_tun_accessible(session_env):
    assert stat.S_IMODE(os.stat(TUN).st_mode) == 0o666


def test_nobody_userns(topo):
    """nobody can create user + network namespaces in HOST"""
    res = run_in(topo.host, ['unshare', '-rUn', 'sh', '-c',
                             'id -u; ip -o link show lo'],
                 user='nobody', check=True)
    assert res.stdout.splitlines()[0] == '0'
    res = run_in(topo.host, ['id', '-u'], user='nobody', check=True)
    assert int(res.stdout) == NOBODY_UID


# ---------------------------------------------------------------------------
# tap_relay against a fake peer

def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _fake_reply(frame):
    """Answer ARP requests and ICMP echo requests for FAKE_IP"""
    arp = parse_arp(frame)
    if arp and arp['op'] == 1 and arp['tpa'] == FAKE_IP:
        eth = mac_bytes(arp['sha']) + mac_bytes(FAKE_MAC) + b'\x08\x06'
        return eth + struct.pack(
            '!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, mac_bytes(FAKE_MAC),
            ipaddress.IPv4Address(FAKE_IP).packed, mac_bytes(arp['sha']),
            ipaddress.IPv4Address(arp['spa']).packed)
    if frame[12:14] == b'\x08\x00':
        ip = frame[14:]
        ihl = (ip[0] & 0xf) * 4
        if ip[9] == 1 and ip[ihl] == 8 and \
                ip[16:20] == ipaddress.IPv4Address(FAKE_IP).packed:
            hdr = bytearray(ip[:ihl])
            hdr[12:16], hdr[16:20] = ip[16:20], ip[12:16]
            icmp = bytearray(ip[ihl:])
            icmp[0] = 0
            icmp[2:4] = b'\0\0'
            icmp[2:4] = struct.pack('!H', _csum(bytes(icmp)))
            return frame[6:12] + frame[0:6] + b'\x08\x00' + bytes(hdr) + \
                bytes(icmp)
    return None


class FakePeer:
    """Listens on a UNIX socket; answers ARP and ping like a tiny router

    Replies are written in awkward pieces (length header split, payload in
    chunks, several frames in one write) to exercise tap_relay's stream
    reassembly.
    """

    def __init__(self, path):
        self.path = path
        self.frames = []
        self.srv = None
        self.conn = None
        self.t = None

    def listen(self):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(1)
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _send_awkwardly(self, frames):
        data = b''.join(struct.pack('!I', len(f)) + f for f in frames)
        cuts = [1, 3, 5, 17, 64, 1000, 4096]
        off = 0
        for c in cuts:
            if off >= len(data):
                break
            self.conn.sendall(data[off:off + c])
            off += c
            time.sleep(0.002)
        if off < len(data):
            self.conn.sendall(data[off:])

    def _serve(self):
        self.srv.settimeout(10)
        try:
            self.conn, _ = self.srv.accept()
        except OSError:
            return
        while True:
            try:
                f = recv_frame(self.conn)
            except (EOFError, OSError):
                return
            self.frames.append(f)
            r = _fake_reply(f)
            if r is not None:
                try:
                    # Twice for ARP: two frames in one write
                    self._send_awkwardly([r, r] if r[12:14] == b'\x08\x06'
                                         else [r])
                except OSError:
                    return

    def close(self):
        for s in (self.conn, self.srv):
            if s:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def test_tap_relay_retries_then_relays(guest, tmp):
    """tap exists before the peer listens, then frames flow both ways"""
    path = os.path.join(tmp, 'fake.sock')
    r = spawn_in(guest, [TAP_RELAY, 'g0', path])
    wait_until(lambda: run_in(guest, ['ip', 'link', 'show', 'g0'])
               .returncode == 0, timeout=3, what='tap g0')
    time.sleep(0.3)
    assert r.running() and 'ready' not in r.output

    peer = FakePeer(path)
    peer.listen()
    try:
        r.wait_output('ready', timeout=5)
        run_in(guest, ['ip', 'link', 'set', 'g0', 'address', GUEST_MAC,
                       'mtu', '65521', 'up'], check=True)
        run_in(guest, ['ip', 'addr', 'add', f'{GUEST_IP}/24', 'dev', 'g0'],
               check=True)
        res = run_in(guest, ['ping', '-c3', '-i0.2', '-W2', FAKE_IP])
        assert res.returncode == 0, res.stdout + res.stderr
        # Largest frames a tap takes (MTU 65535 - 14), both ways
        res = run_in(guest, ['ping', '-c2', '-i0.2', '-W2', '-M', 'do',
                             '-s', str(65521 - 28), FAKE_IP])
        assert res.returncode == 0, res.stdout + res.stderr
        assert max(len(f) for f in peer.frames) == 14 + 65521

        neigh = ip_json(guest, 'neigh', 'show', 'dev', 'g0')
        assert {'dst': FAKE_IP, 'lladdr': FAKE_MAC} in \
            [{'dst': n['dst'], 'lladdr': n.get('lladdr')} for n in neigh]
    finally:
        peer.close()

    # Peer gone: tap_relay exits, its tap with it
    assert r.wait(3) == 0, r.output
    wait_until(lambda: run_in(guest, ['ip', 'link', 'show', 'g0'])
               .returncode != 0, timeout=3, what='tap g0 gone')


def test_tap_relay_gives_up(guest, tmp):
    """Nobody listening: tap_relay fails after its retry period"""
    r = spawn_in(guest, [TAP_RELAY, 'g0', os.path.join(tmp, 'none.sock')],
                 env={'TAP_RELAY_CONNECT_MS': '300'})
    rc = r.wait(5)
    assert rc == 1, r.output
    assert 'no listener' in r.output


def test_tap_relay_sends_guest_frames(guest, tmp):
    """A frame sent by the guest kernel arrives framed at the peer"""
    path = os.path.join(tmp, 'fake.sock')
    peer = FakePeer(path)
    peer.listen()
    try:
        start_relay(guest, path)
        run_in(guest, ['ip', 'addr', 'add', f'{GUEST_IP}/24', 'dev', 'g0'],
               check=True)
        # ARP for an address nobody answers for: requests go out anyway
        spawn_in(guest, ['ping', '-c1', '-W2', '198.51.100.99'])

        def arp_seen():
            arps = [parse_arp(f) for f in list(peer.frames)]
            return any(a and a['op'] == 1 and a['tpa'] == '198.51.100.99'
                       and a['sha'] == GUEST_MAC and a['spa'] == GUEST_IP
                       for a in arps)
        wait_until(arp_seen, timeout=3, what='ARP request at the peer')
        # ...and the Python-built request parses the same way
        assert parse_arp(arp_request(GUEST_MAC, GUEST_IP, FAKE_IP))['op'] \
            == 1
    finally:
        peer.close()

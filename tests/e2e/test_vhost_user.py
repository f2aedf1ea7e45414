# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt as qemu's vhost-user back-end (--vhost-user): the same test guest as
# test_qemu.py, with its virtio-net device's queues in shared memory
# (-object memory-backend-memfd,share=on, -numa node,memdev=...), started
# the ways people and tools start it:
#
#  HOST
#    passt VA  --vhost-user -f -s SOCK -t 8080          ── qemu VA
#              (the socket form; persistent: serves the next qemu)
#    passt VL  --vhost-user --one-off --socket SOCK --pid FILE -a .62
#              (libvirt 11's way: forks to background)  ── qemu VL
#    vu_relay  SOCK passt --vhost-user --quiet --pid FILE --fd 3
#              -a .63 --no-map-host                      ── qemu VF
#              (qemu 10.1's -netdev passt: passt on a socketpair;
#               qemu 7.2 can't pass descriptors over an fd chardev, so
#               tests/helpers/vu_relay joins the other end to a UNIX
#               socket qemu connects to, message by message, with the
#               descriptors of each)
#
# Each guest: DHCP lease, SLAAC address, a download from REMOTE checked by
# SHA-256; VA also serves a file inwards through -t; VF is refused HOST's
# own service (--no-map-host) as over the stream socket.

import os
import re
import subprocess

import pytest

from e2e_guest import FIGURES, Guest, it, nobody_dir
from test_qemu import (BASE, FETCH_PY, HOST_SVC, SMALL, SRV4, SRV6, Passt,
                       fetch, guest_sha, image, remote,
                       restart_passt_under_guest, start_httpd)

__all__ = ['image', 'remote']	# fixtures, used by name

FWD_TCP = 8080
V_L4, V_L6 = '192.0.2.62', '2001:db8:1::62'
V_F4, V_F6 = '192.0.2.63', '2001:db8:1::63'
MAC = {'VA': '02:00:00:00:0f:0a', 'VL': '02:00:00:00:0f:0b',
       'VF': '02:00:00:00:0f:0c'}
VU_RELAY = os.path.join(it.REPO, 'build', 'helpers', 'vu_relay')


def vu_relay_bin():
    if not os.access(VU_RELAY, os.X_OK):
        pytest.fail(f'{VU_RELAY} missing: make helpers')
    return VU_RELAY


class RelayPasst:
    """passt --vhost-user --quiet --pid FILE --fd 3 on a socketpair, as
    qemu 10.1 starts it, its other end joined to a UNIX socket by vu_relay
    (as nobody in HOST, like passt)"""

    def __init__(self, topo, name, args):
        self.dir = nobody_dir(os.path.join(BASE, name))
        self.sock = os.path.join(self.dir, 'relay.sock')
        self.log = os.path.join(self.dir, 'passt.log')
        self.pidfile = os.path.join(self.dir, 'passt.pid')
        for p in (self.sock, self.pidfile):
            if os.path.lexists(p):
                os.unlink(p)
        self.relay = it.spawn_in(topo.host, [
            vu_relay_bin(), self.sock, it.PASST, '--vhost-user', '--quiet',
            '--pid', self.pidfile, '--fd', '3', '-l', self.log, *args],
            user='nobody')
        self.relay.wait_output('listening', timeout=10)
        # passt forks to background, its PID file says who it is
        it.wait_until(lambda: os.path.exists(self.pidfile) and
                      open(self.pidfile).read().strip(), timeout=10,
                      what='passt PID file')
        with open(self.pidfile) as f:
            self.pid = int(f.read())

    def running(self):
        try:
            with open(f'/proc/{self.pid}/stat') as f:
                return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
        except FileNotFoundError:
            return False

    def log_text(self):
        try:
            with open(self.log, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def diag(self):
        return (f'running: {self.running()} (PID {self.pid}), relay: '
                f'{self.relay.output[-1000:]}\nlog:\n'
                f'{self.log_text()[-3000:]}')

    def stop(self):
        if self.running():
            os.kill(self.pid, 15)
            it.wait_until(lambda: not self.running(), timeout=5,
                          what='passt to exit')
        self.relay.stop()
        it.check_sanitizers(self.log_text(), f'passt {self.dir}')


@pytest.fixture(scope='module')
def vnet(topo, image, remote):
    """Three vhost-user guests, one per start form, booted in parallel"""
    it.require_binaries()
    passts = {
        'VA': Passt(topo, 'VA', ['--vhost-user', '-t', str(FWD_TCP)]),
        'VL': Passt(topo, 'VL', ['--vhost-user', '-a', V_L4, '-a', V_L6],
                    libvirt=True),
        'VF': RelayPasst(topo, 'VF', ['-a', V_F4, '-a', V_F6,
                                      '--no-map-host']),
    }
    guests = {n: Guest(f'guest{n}', topo.host, image, passts[n].sock,
                       MAC[n], os.path.join(BASE, n, 'vm'),
                       vhost_user=True)
              for n in passts}
    for n, g in guests.items():
        g.passt = passts[n]
    for g in guests.values():
        g.wait_ready(timeout=180)
    for n, g in guests.items():
        FIGURES[f'vhost-user guest {n}: qemu start to ready'] = \
            f'{g.t_ready - g.t_start:.1f} s'
    yield {'passt': passts, 'guest': guests, 'image': image}
    for g in guests.values():
        g.stop()
    for p in passts.values():
        p.stop()


def test_print_capabilities():
    """The vhost-user back-end program convention: JSON, exit status 0"""
    res = subprocess.run([it.PASST, '--print-capabilities'],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res
    assert re.fullmatch(r'\{\s*"type":\s*"net"\s*\}\s*', res.stdout), res


def test_lease_and_slaac(vnet):
    """DHCP and SLAAC in each guest, whichever way passt was started"""
    expect = {'VA': (it.HOST4, it.HOST6), 'VL': (V_L4, V_L6),
              'VF': (V_F4, V_F6)}
    for n, g in vnet['guest'].items():
        env = g.net_env()
        ip4, ip6 = expect[n]
        assert env.get('mac') == MAC[n], env
        assert env.get('dhcp_ip') == ip4, (env, g.diag())
        assert env.get('dhcp_router') == '192.0.2.1', env
        assert env.get('dhcp_mtu') == str(it.DEFAULT_MTU), env
        slaac = it.eui64_addr(it.NET6, MAC[n])
        addrs = g.out('ip -6 addr show dev eth0')
        assert f'inet6 {slaac}/64 scope global' in addrs, addrs
        assert env.get('dhcp6_addr') == ip6, (env, g.diag())


def test_vhost_user_netdev(vnet):
    """qemu's NIC is on a vhost-user netdev, connected"""
    info = vnet['guest']['VA'].monitor('info network')
    assert re.search(r'\bn0: index=0,type=vhost-user', info), info
    assert 'type=stream' not in info and 'type=user' not in info, info


@pytest.mark.parametrize('srv', [SRV4, f'[{SRV6}]'], ids=['ipv4', 'ipv6'])
def test_download(vnet, remote, srv):
    """4 MiB from REMOTE in each guest, checked by SHA-256"""
    for g in vnet['guest'].values():
        g.sh('rm -f /tmp/small.bin')
        g.sh(f'wget -q -O /tmp/small.bin http://{srv}/small.bin',
             timeout=90)
        assert guest_sha(g, '/tmp/small.bin') == remote['small.bin'], \
            g.diag()
        g.sh('rm -f /tmp/small.bin')


def test_tcp_forward_to_guest(vnet, topo):
    """-t: REMOTE fetches a file from the guest's httpd through HOST"""
    g = vnet['guest']['VA']
    g.sh(f'mkdir -p /www && head -c {SMALL} /dev/urandom > /www/up.bin')
    start_httpd(g)
    sha = guest_sha(g, '/www/up.bin')
    for src, host in ((SRV4, it.HOST4), (SRV6, f'[{it.HOST6}]')):
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', FETCH_PY,
                                      src, host, str(FWD_TCP), '/up.bin'],
                        timeout=90)
        assert res.returncode == 0, res
        assert res.stdout.split() == ['200', sha], (host, res)


def test_host_isolation(vnet):
    """--no-map-host over vhost-user: HOST's service refused at once,
    from the guest behind passt on the socketpair; the guest behind the
    libvirt-style passt reaches it"""
    for host in (it.HOST4, '192.0.2.1'):
        url = f'http://{host}:{HOST_SVC}/hostid'
        rc, out, secs = fetch(vnet['guest']['VF'], url)
        assert rc != 0 and 'Connection refused' in out, (host, out)
        assert secs < 3, (host, secs)
        rc, out, _ = fetch(vnet['guest']['VL'], url)
        assert rc == 0 and out.strip() == 'host service', (host, out)


def test_no_complaints(vnet):
    """Nothing in the logs about the protocol, rings or memory table: qemu
    and the guests played by the rules, and we understood them"""
    for n, p in vnet['passt'].items():
        log = p.log_text()
        assert not re.search(r'vhost-user: (invalid|bad|request \d+ not|'
                             r"can't|no queue|queue \d+ (rings|without))",
                             log), (n, log)


def test_persistent_passt_serves_next_qemu(vnet, topo):
    """Without --one-off, passt serves a new front-end after the first one
    left: a second qemu on VA's socket gets its lease and downloads"""
    p = vnet['passt']['VA']
    a = vnet['guest']['VA']
    assert a.poweroff() == 0, a.diag()
    it.wait_until(lambda: 'waiting for the next one' in p.log_text(),
                  timeout=10, what='passt VA to see its front-end go')
    assert p.running(), p.log_text()
    g = Guest('guestVA2', topo.host, vnet['image'], p.sock, MAC['VA'],
              os.path.join(BASE, 'VA2', 'vm'), append='e2e.dhcp6=0',
              vhost_user=True)
    try:
        g.wait_ready(timeout=150)
        assert g.net_env().get('dhcp_ip') == it.HOST4, g.diag()
        g.sh(f'wget -q -O /dev/null http://{SRV4}/small.bin', timeout=90)
    finally:
        g.stop()
    it.wait_until(lambda: p.log_text().count('waiting for the next one')
                  >= 2, timeout=10, what='passt VA to see qemu 2 go')
    assert p.running(), p.log_text()


def test_qemu_reconnects_to_restarted_passt(vnet, topo):
    """qemu's vhost-user chardev with reconnect=1 (qemu 7.2 has it): passt
    restarted under a running guest, the guest's network comes back"""
    p = Passt(topo, 'VR', ['--vhost-user'])
    g = Guest('guestVR', topo.host, vnet['image'], p.sock,
              '02:00:00:00:0f:0d', os.path.join(BASE, 'VR', 'vm'),
              append='e2e.dhcp6=0', netdev_extra=',reconnect=1',
              vhost_user=True)
    restart_passt_under_guest(p, g, 90)


@pytest.mark.parametrize('n', ['VL', 'VF'])
def test_one_off_passt_exits_with_qemu(vnet, n):
    """--one-off (libvirt), and --fd (implies it): passt quits with qemu"""
    p = vnet['passt'][n]
    g = vnet['guest'][n]
    assert p.running(), p.diag()
    assert g.poweroff() == 0, g.diag()
    it.wait_until(lambda: not p.running(), timeout=10,
                  what=f'passt {n} to exit after qemu')
    it.check_sanitizers(p.log_text(), f'passt {n}')


# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt with real qemu guests: qemu-system-x86_64 (TCG) boots the small
# guest of tests/guest (Debian kernel, busybox, virtio-net-pci) on passt's
# socket with -netdev stream, the way libvirt and people start it.
#
#  REMOTE (203.0.113.7, 2001:db8:3::7 on lo; 192.0.2.1 on r0)
#    http.server :80, UDP echo :7007, dnsmasq on 192.0.2.1/2001:db8:1::1
#        │ veth
#  HOST (192.0.2.2, 2001:db8:1::2)         http.server :7777 (host service)
#    passt A  -f -s SOCK -t 8080 -u 9000 --dns-forward ...   ── qemu A
#    passt B  --one-off --socket SOCK --pid FILE -a .60      ── qemu B
#             (libvirt's way: passt forks to background)
#    passt C  -f -s SOCK -a .61 --no-map-host                ── qemu C
#
# All three guests boot in parallel. A gets HOST's addresses, B and C their
# own (-a), so that HOST's address isn't theirs and they can try to reach
# HOST, and guest A through A's forwarded port, like another machine would.
#
# qemu 7.2 has no reconnect= for -netdev stream: when passt goes away, the
# guest's network is gone for good. So the reconnect test (passt restarted
# under a running guest) only runs with a qemu that has the option; here we
# test the other side: a persistent passt serving a second qemu after the
# first one quit, and a --one-off passt quitting with its qemu.

import hashlib
import os
import re
import shutil
import subprocess
import time

import pytest

from e2e_guest import (FIGURES, QEMU, Guest, build_guest, hmp, it, shq,
                       nobody_dir)

SRV4 = '203.0.113.7'		# REMOTE, on its loopback
SRV6 = '2001:db8:3::7'
FWD4 = '192.0.2.53'		# --dns-forward addresses of passt A
FWD6 = '2001:db8:1::53'
DNS_NAME = 'www.test.example'
DNS_ANSWER = {'A': '198.51.100.7', 'AAAA': '2001:db8:7::7'}
B4, B6 = '192.0.2.60', '2001:db8:1::60'
C4, C6 = '192.0.2.61', '2001:db8:1::61'
MAC = {'A': '02:00:00:00:0e:0a', 'B': '02:00:00:00:0e:0b',
       'C': '02:00:00:00:0e:0c'}
FWD_TCP = 8080			# passt A: -t, httpd in guest A
FWD_UDP = 9000			# passt A: -u, UDP echo in guest A
UDP_ECHO = 7007			# REMOTE
HOST_SVC = 7777			# HOST: a service of the host itself
SMALL = 4 << 20			# downloads and uploads checked by SHA-256
BIG = 32 << 20			# throughput: upload (guest's RAM), checked
HUGE = 128 << 20		# throughput: download
ROUTER_LL = it.eui64_addr('fe80::/64', it.HOST_MAC)	# passt's RA source

BASE = os.path.join(it._tmp_base, 'e2e')


def guest_sha(g, path):
    return g.out(f'sha256sum {path}').split()[0]


def wait_tcp(ns, addr, port, what):
    """Wait until a TCP port accepts connections, as seen from ns"""
    it.wait_until(lambda: it.run_in(ns, [
        'busybox', 'nc', '-w', '1', addr, str(port)],
        input='').returncode == 0, timeout=10, interval=0.1, what=what)


UDP_ECHO_PY = r'''
# One socket per address: replies must come from the address asked
import select, socket, sys
port = int(sys.argv[1])
socks = []
for a in sys.argv[2:]:
    s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((a, port))
    socks.append(s)
print('ready', flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(65535)
        s.sendto(b'echo:' + data, peer)
'''

FETCH_PY = r'''
# GET http://HOST:PORT/PATH from source address SRC: status and SHA-256
import hashlib, http.client, sys
src, host, port, path = sys.argv[1:5]
c = http.client.HTTPConnection(host.strip('[]'), int(port), timeout=30,
                               source_address=(src, 0))
c.request('GET', path)
r = c.getresponse()
print(r.status, hashlib.sha256(r.read()).hexdigest())
'''

UDP_SEND_PY = r'''
import socket, sys
src, dst, port, msg = sys.argv[1:5]
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((src, 0))
s.settimeout(5)
s.sendto(msg.encode(), (dst, int(port)))
data, peer = s.recvfrom(65535)
print(peer[0], data.decode())
'''


# ---------------------------------------------------------------------------
# Fixtures

@pytest.fixture(scope='module')
def image():
    if subprocess.run(['sh', '-c', f'command -v {QEMU}'],
                      capture_output=True).returncode:
        pytest.fail(f'{QEMU} missing: tests/deps.sh installs '
                    'qemu-system-x86')
    img = build_guest()
    FIGURES['guest image'] = (
        f'kernel {os.path.getsize(img["KERNEL"]) >> 10} KiB '
        f'({img.get("KERNEL_PACKAGE")}), initramfs '
        f'{os.path.getsize(img["INITRD"]) >> 10} KiB, '
        f'build.sh {img["build_seconds"]:.1f} s')
    return img


@pytest.fixture(scope='module')
def remote(topo):
    """REMOTE's services: HTTP (files), UDP echo, DNS; HOST's HTTP"""
    it.sh_ns(topo.remote, f'''
        ip addr add {SRV4}/32 dev lo
        ip addr add {SRV6}/128 dev lo nodad
    ''')
    d = nobody_dir(os.path.join(BASE, 'www'))
    hd = nobody_dir(os.path.join(BASE, 'hostwww'))
    data = os.urandom(SMALL)
    with open(os.path.join(d, 'small.bin'), 'wb') as f:
        f.write(data)
    files = {'small.bin': hashlib.sha256(data).hexdigest()}
    with open(os.path.join(d, 'huge.bin'), 'wb') as f:
        for _ in range(HUGE // SMALL):
            f.write(data)
    it.write_file(os.path.join(hd, 'hostid'), 'host service\n')

    procs = [
        it.spawn_in(topo.remote, ['/usr/bin/python3', '-m', 'http.server',
                                  '--bind', '::', '--directory', d, '80']),
        it.spawn_in(topo.remote, ['/usr/bin/python3', '-c', UDP_ECHO_PY,
                                  str(UDP_ECHO), SRV4, SRV6]),
        it.spawn_in(topo.remote, [
            'dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts',
            '--bind-interfaces', '--log-facility=-', '--user=root',
            '--listen-address=192.0.2.1,2001:db8:1::1',
            f'--host-record={DNS_NAME},{DNS_ANSWER["A"]},'
            f'{DNS_ANSWER["AAAA"]}']),
        it.spawn_in(topo.host, ['/usr/bin/python3', '-m', 'http.server',
                                '--bind', '::', '--directory', hd,
                                str(HOST_SVC)]),
    ]
    procs[1].wait_output('ready', timeout=10)
    procs[2].wait_output('started', timeout=10)
    for addr in (SRV4, SRV6):
        wait_tcp(topo.host, addr, 80, f'http server on {addr}')
    wait_tcp(topo.host, '127.0.0.1', HOST_SVC, 'HOST service')
    yield files
    for p in procs:
        p.stop()
        it._procs.remove(p)
    it.run_in(topo.remote, ['ip', 'addr', 'del', f'{SRV4}/32', 'dev', 'lo'])
    it.run_in(topo.remote, ['ip', 'addr', 'del', f'{SRV6}/128', 'dev',
                            'lo'])


def reconnect_supported():
    """Does this qemu's -netdev stream take reconnect= (qemu >= 8.0)?"""
    res = subprocess.run([QEMU, '-nodefaults', '-display', 'none', '-S',
                          '-netdev', 'stream,id=n0,server=off,'
                          'addr.type=unix,addr.path=/nonexistent,'
                          'reconnect=1', '-device', 'help'],
                         capture_output=True, text=True, timeout=20)
    return "'reconnect' is unexpected" not in res.stderr


class Passt:
    """A passt instance as nobody in HOST: -f, or forked like libvirt"""

    def __init__(self, topo, name, args, libvirt=False):
        self.topo = topo
        self.dir = nobody_dir(os.path.join(BASE, name))
        self.sock = os.path.join(self.dir, 'passt.sock')
        self.log = os.path.join(self.dir, 'passt.log')
        self.args = list(args)
        self.libvirt = libvirt
        self.start()

    def start(self):
        if os.path.lexists(self.sock):
            os.unlink(self.sock)
        self.proc = None
        if self.libvirt:
            # As libvirt does: passt forks to background, the PID file
            # tells who it is
            self.pidfile = os.path.join(self.dir, 'passt.pid')
            res = it.run_in(self.topo.host, it.passt_argv(
                '--one-off', '--socket', self.sock, '--pid', self.pidfile,
                '-l', self.log, *self.args), user='nobody', timeout=10)
            assert res.returncode == 0, res.stdout + res.stderr
            with open(self.pidfile) as f:
                self.pid = int(f.read())
            it.wait_until(lambda: it._is_socket(self.sock), timeout=5,
                          what=self.sock)
        else:
            self.proc = it.start_passt(self.topo, self.dir, '-l', self.log,
                                       *self.args, sock=self.sock)
            self.pid = self.proc.pid

    def running(self):
        if self.proc:
            return self.proc.running()
        try:
            with open(f'/proc/{self.pid}/stat') as f:
                return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
        except FileNotFoundError:
            return False

    def diag(self):
        if self.proc:
            state = f'exit status {self.proc.p.poll()}'
        else:
            state = f'PID {self.pid}'
        return (f'running: {self.running()} ({state}), log:\n'
                f'{self.log_text()[-3000:]}')

    def log_text(self):
        try:
            with open(self.log, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def stop(self):
        if self.proc:
            self.proc.stop()
        elif self.running():
            os.kill(self.pid, 15)
            it.wait_until(lambda: not self.running(), timeout=5,
                          what='passt to exit')
        it.check_sanitizers(self.log_text(), f'passt {self.dir}')


@pytest.fixture(scope='module')
def net(topo, image, remote):
    """passt A, B, C and their guests, booted in parallel"""
    it.require_binaries()
    passts = {
        'A': Passt(topo, 'A', ['-t', str(FWD_TCP), '-u', str(FWD_UDP),
                               '--dns-forward', FWD4,
                               '--dns-forward', FWD6]),
        'B': Passt(topo, 'B', ['-a', B4, '-a', B6], libvirt=True),
        'C': Passt(topo, 'C', ['-a', C4, '-a', C6, '--no-map-host']),
    }
    guests = {n: Guest(f'guest{n}', topo.host, image, passts[n].sock,
                       MAC[n], os.path.join(BASE, n, 'vm'))
              for n in passts}
    for n, g in guests.items():
        g.passt = passts[n]
    for g in guests.values():
        g.wait_ready(timeout=150)
    gs = guests.values()
    secs = max(g.t_ready for g in gs) - min(g.t_start for g in gs)
    FIGURES['3 guests booting in parallel: first qemu start to last ready'] \
        = f'{secs:.1f} s'
    yield {'passt': passts, 'guest': guests, 'image': image}
    for g in guests.values():
        g.stop()
    for p in passts.values():
        p.stop()


# ---------------------------------------------------------------------------
# One guest: configuration

def test_boot_and_dhcp(net):
    """udhcpc in each guest gets the address, router, DNS, search list and
    MTU that passt is expected to hand out"""
    expect = {'A': ('192.0.2.2', FWD4), 'B': (B4, '192.0.2.1'),
              'C': (C4, '192.0.2.1')}
    for n, g in net['guest'].items():
        env = g.net_env()
        ip, dns = expect[n]
        assert env.get('mac') == MAC[n], env
        assert env.get('dhcp_ip') == ip, (env, g.diag())
        assert env.get('dhcp_mask') == '24', env
        assert env.get('dhcp_router') == '192.0.2.1', env
        assert env.get('dhcp_dns', '').split() == [dns], env
        assert env.get('dhcp_search', '').split() == it.SEARCH, env
        assert env.get('dhcp_mtu') == str(it.DEFAULT_MTU), env
        lease = float(env['lease_uptime'])
        link = float(env['link_uptime'])
        FIGURES[f'guest {n}: boot to DHCP lease (guest uptime)'] = \
            f'{lease:.2f} s (eth0 up at {link:.2f} s, ready at ' \
            f'{float(env["ready_uptime"]):.2f} s; qemu start to ready ' \
            f'{g.t_ready - g.t_start:.1f} s)'
        assert lease - link < 5, env

        addr = g.out('ip -4 addr show dev eth0')
        assert f'inet {ip}/24' in addr, addr
        route = g.out('ip -4 route show default')
        assert route.split()[:5] == ['default', 'via', '192.0.2.1', 'dev',
                                     'eth0'], route
        assert f'mtu {it.DEFAULT_MTU}' in g.out('ip link show dev eth0')
        resolv = g.out('cat /etc/resolv.conf').splitlines()
        assert resolv == [f'search {" ".join(it.SEARCH)}',
                          f'nameserver {dns}'], resolv


def test_ipv6_slaac_dhcpv6(net):
    """The kernel's SLAAC address from passt's RA (prefix of HOST's
    address, passt's link-local router), and DHCPv6 (gtool) for the
    address, DNS and search list; DAD passes for all of them"""
    expect = {'A': ('2001:db8:1::2', FWD6), 'B': (B6, it.REMOTE6),
              'C': (C6, it.REMOTE6)}
    for n, g in net['guest'].items():
        env = g.net_env()
        ip, dns = expect[n]
        slaac = it.eui64_addr(it.NET6, MAC[n])
        addrs = g.out('ip -6 addr show dev eth0')
        assert f'inet6 {slaac}/64 scope global' in addrs, addrs
        assert f'inet6 {ip}/128 scope global' in addrs, (addrs, g.diag())
        assert 'tentative' not in addrs and 'dadfailed' not in addrs, addrs
        route = g.out('ip -6 route show default')
        assert route.split()[:5] == ['default', 'via', ROUTER_LL, 'dev',
                                     'eth0'], route
        assert env.get('dhcp6_addr') == ip, (env, g.diag())
        assert env.get('dhcp6_dns') == dns, env
        assert env.get('dhcp6_search') == ','.join(it.SEARCH), env
        assert int(env.get('dhcp6_vltime', 0)) > 0, env


def test_only_the_stream_netdev(net):
    """qemu has the one stream netdev to passt, and no other backend"""
    g = net['guest']['A']
    info = g.monitor('info network')
    assert re.search(r'virtio-net-pci.*macaddr=' + MAC['A'], info), info
    assert re.search(r'\bn0: index=0,type=stream', info), info
    assert 'connection error' not in info, info
    assert 'type=user' not in info, info
    assert len(re.findall(r'type=', info)) == 2, info	# NIC and netdev


# ---------------------------------------------------------------------------
# One guest: traffic

@pytest.mark.parametrize('srv', [SRV4, f'[{SRV6}]'], ids=['ipv4', 'ipv6'])
def test_http_download(net, remote, srv):
    g = net['guest']['A']
    g.sh('rm -f /tmp/small.bin')
    g.sh(f'wget -q -O /tmp/small.bin http://{srv}/small.bin', timeout=60)
    assert guest_sha(g, '/tmp/small.bin') == remote['small.bin']
    g.sh('rm -f /tmp/small.bin')


def test_throughput(net, topo, remote):
    """Bulk TCP both ways, through passt A: the guest's wget of a big file
    from REMOTE to /dev/null (rate measured in the guest), and REMOTE
    fetching a file of the guest's httpd through -t (measured in REMOTE,
    checked by SHA-256)"""
    g = net['guest']['A']
    out = g.out('a=$(cut -d" " -f1 /proc/uptime); '
                f'wget -q -O /dev/null http://{SRV4}/huge.bin && '
                'b=$(cut -d" " -f1 /proc/uptime) && echo "t $a $b"',
                timeout=120)
    m = re.search(r't ([\d.]+) ([\d.]+)', out)
    assert m, out
    secs = max(float(m.group(2)) - float(m.group(1)), 0.01)
    FIGURES['throughput, guest A wget from REMOTE (IPv4)'] = \
        f'{HUGE >> 20} MiB in {secs:.2f} s: {HUGE / secs / 1e6:.1f} MB/s'

    start_httpd(g)
    g.sh(f'head -c {BIG} /dev/zero > /www/zero.bin', timeout=60)
    t0 = time.monotonic()
    res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', FETCH_PY,
                                  SRV4, it.HOST4, str(FWD_TCP),
                                  '/zero.bin'], timeout=120)
    secs = time.monotonic() - t0
    g.sh('rm -f /www/zero.bin')
    assert res.stdout.split() == [
        '200', hashlib.sha256(bytes(BIG)).hexdigest()], res
    FIGURES['throughput, REMOTE fetching from guest A through -t (IPv4)'] \
        = f'{BIG >> 20} MiB in {secs:.2f} s: {BIG / secs / 1e6:.1f} MB/s'


def start_httpd(g):
    """busybox httpd on FWD_TCP in guest g, serving /www, logging peers"""
    g.sh('mkdir -p /www && echo "guest A" > /www/id')
    g.sh(f'pidof httpd || {{ httpd -f -v -p {FWD_TCP} -h /www '
         '>> /tmp/httpd.log 2>&1 & }')
    it.wait_until(lambda: g.sh(f'wget -q -O /dev/null '
                               f'http://127.0.0.1:{FWD_TCP}/id',
                               check=False)[0] == 0,
                  timeout=10, interval=0.2, what='httpd in the guest')
    g.sh(': > /tmp/httpd.log')	# appended to: no hole when truncated


def httpd_peers(log):
    """Peer addresses out of busybox httpd -v lines, v4-mapped ones as
    IPv4: '[::ffff:192.0.2.1]:48782: response:200' -> '192.0.2.1'"""
    return [m.group(1) for m in re.finditer(
        r'^\[(?:::ffff:)?([0-9a-f.:]+)\]:\d+: response:200$', log, re.M)]


def test_tcp_forward_to_guest(net, topo):
    """-t: REMOTE fetches a file from busybox httpd in guest A through
    HOST's address, IPv4 and IPv6; the guest sees REMOTE's address"""
    g = net['guest']['A']
    g.sh(f'mkdir -p /www && head -c {SMALL} /dev/urandom > /www/up.bin')
    start_httpd(g)
    sha = guest_sha(g, '/www/up.bin')
    for src, host in ((SRV4, it.HOST4), (SRV6, f'[{it.HOST6}]')):
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', FETCH_PY,
                                      src, host, str(FWD_TCP), '/up.bin'],
                        timeout=60)
        assert res.returncode == 0, res
        assert res.stdout.split() == ['200', sha], (host, res)
    log = g.out('cat /tmp/httpd.log')
    assert httpd_peers(log) == [SRV4, SRV6], log


def test_ping(net):
    g = net['guest']['A']
    for cmd in (f'ping -c 3 -W 3 {SRV4}', f'ping -c 3 -W 3 {SRV6}',
                'ping -c 1 -W 3 192.0.2.1'):
        out = g.out(cmd, timeout=20)
        assert re.search(r'\b3 packets transmitted, 3 packets received|'
                         r'1 packets transmitted, 1 packets received', out), \
            out


def test_dns_forward(net, remote):
    """--dns-forward: the guest's resolver (from DHCP) is 192.0.2.53, which
    passt sends to HOST's resolver, dnsmasq in REMOTE; likewise for IPv6"""
    g = net['guest']['A']
    out = g.out(f'nslookup {DNS_NAME}', timeout=20)
    assert f'Address: {DNS_ANSWER["A"]}' in out, out
    assert re.search(rf'Server:\s+{re.escape(FWD4)}', out), out
    out = g.out(f'nslookup -type=AAAA {DNS_NAME} {FWD6}', timeout=20)
    assert f'Address: {DNS_ANSWER["AAAA"]}' in out, out


def test_udp_both_ways(net, topo):
    """Guest to REMOTE's echo server, and REMOTE to the guest's echo server
    through passt A's -u port, IPv4 and IPv6"""
    g = net['guest']['A']
    for dst in (SRV4, SRV6):
        out = g.out(f'gtool udp-req {dst} {UDP_ECHO} hi-{dst}')
        assert out.strip() == f'from {dst} {UDP_ECHO}: echo:hi-{dst}', out

    udp_forward_check(g, topo, FWD_UDP, SRV4, SRV6)


def udp_forward_check(g, topo, port, srv4, srv6):
    """REMOTE (from srv4, srv6) to an echo server in guest g through HOST's
    forwarded UDP port, IPv4 and IPv6: replies come back, the guest sees
    REMOTE's addresses"""
    g.sh(f'gtool udp-echo {port} 2 > /tmp/udp-echo.log 2>&1 &')
    it.wait_until(lambda: 'listening' in g.out('cat /tmp/udp-echo.log'),
                  timeout=5, what='UDP echo in the guest')
    for src, dst in ((srv4, it.HOST4), (srv6, it.HOST6)):
        res = it.run_in(topo.remote, ['/usr/bin/python3', '-c', UDP_SEND_PY,
                                      src, dst, str(port), f'to-{dst}'],
                        timeout=15)
        assert res.returncode == 0, res
        assert res.stdout.split() == [dst, f'to-{dst}'], res
    log = g.out('cat /tmp/udp-echo.log')
    assert re.search(rf'from {re.escape(srv4)} \d+: to-{it.HOST4}', log), log
    assert re.search(rf'from {re.escape(srv6)} \d+: to-{it.HOST6}', log), log


# ---------------------------------------------------------------------------
# Host isolation, two guests side by side

def fetch(g, url, timeout=10):
    """wget url in guest g: (status, output, seconds)"""
    t0 = time.monotonic()
    rc, out = g.sh(f'wget -q -O - {url}', timeout=timeout, check=False)
    return rc, out, time.monotonic() - t0


def test_host_reachable_without_isolation(net):
    """Guest B (-a .60): HOST's service, by HOST's address (IPv4, IPv6) and
    by the gateway address (HOST's loopback)"""
    g = net['guest']['B']
    for host in (it.HOST4, f'[{it.HOST6}]', '192.0.2.1'):
        rc, out, _ = fetch(g, f'http://{host}:{HOST_SVC}/hostid')
        assert rc == 0 and out.strip() == 'host service', (host, out)


PASTA_UP, PASTA_UDP = 9001, 9002	# test_pasta_in_guest: nc -l, UDP echo
PASTA_SPLICE_OUT, PASTA_SPLICE_IN = 9003, 9004	# -T and -t

# What test_pasta_in_guest runs in pasta's namespace, one line each: a
# download and an upload through the tap device (the gateway address is the
# guest's loopback), a UDP exchange, a download spliced from the namespace's
# loopback (-T), and the entries in pasta's root (the command's parent)
PASTA_IN_NS = '; '.join([
    f'wget -q -O - http://192.0.2.1:{FWD_TCP}/pasta.bin | sha256sum | '
    'sed "s/^/down /"',
    f'nc 192.0.2.1 {PASTA_UP} < /www/pasta.bin; echo "up rc $?"',
    f'gtool udp-req 192.0.2.1 {PASTA_UDP} pasta-udp | sed "s/^/udp /"',
    f'wget -q -O - http://127.0.0.1:{PASTA_SPLICE_OUT}/pasta.bin | '
    'sha256sum | sed "s/^/splice-out /"',
    'echo "root entries: $(ls -A /proc/$PPID/root | wc -l)"'])


def test_pasta_in_guest(net):
    """pasta on the guest's own kernel, Debian 12's Linux 6.1, which has no
    SO_PEEK_OFF for TCP sockets (since 6.9): pasta says so, and what goes
    through it arrives intact: a download through its tap device from
    busybox httpd on the guest's loopback (data in flight is peeked again,
    not sent twice), an upload to nc there, a UDP exchange with an echo
    server there, a download spliced from the namespace's loopback to the
    guest's (-T) and one spliced the other way (-t). And pasta's sandbox
    has its empty root there too, where the root is the initramfs"""
    g = net['guest']['B']
    kernel = g.out('uname -r').strip()
    binary = os.path.join(BASE, 'hostwww', 'passt')
    shutil.copy(it.PASST, binary)
    os.chmod(binary, 0o755)
    g.sh(f'wget -q -O /tmp/passt http://192.0.2.1:{HOST_SVC}/passt && '
         'chmod 755 /tmp/passt && ln -sf passt /tmp/pasta', timeout=60)
    os.unlink(binary)
    g.sh('chmod 666 /dev/net/tun')	# as distributions have it
    g.sh(f'mkdir -p /www && head -c {SMALL} /dev/urandom > /www/pasta.bin')
    start_httpd(g)
    sha = guest_sha(g, '/www/pasta.bin')
    try:
        # nc -l exits at the uploader's end of file; its own input stays
        # open, or nc at the other end would stop at its end of file
        g.sh('(sh -c "echo \\$\\$ > /tmp/nc.pid; exec sleep 300" | '
             f'nc -l -p {PASTA_UP} > /tmp/up.bin &); '
             f'(gtool udp-echo {PASTA_UDP} 1 > /tmp/udp.log 2>&1 &)')
        for opt, port in (('-ltn', PASTA_UP), ('-lun', PASTA_UDP)):
            it.wait_until(lambda: g.sh(f'netstat {opt} | grep -q ":{port} "',
                                       check=False)[0] == 0,
                          timeout=10, interval=0.2,
                          what=f'port {port} bound in the guest')
        g.sh(f'printf "%s\\n" {shq(PASTA_IN_NS)} > /tmp/in.sh')
        rc, out = g.sh('/tmp/pasta --config-net -f --runas 65534 '
                       f'-T {PASTA_SPLICE_OUT}:{FWD_TCP} -- sh /tmp/in.sh '
                       '2>&1', timeout=120, check=False)
        assert rc == 0, (kernel, out)
        assert f'down {sha}' in out, (kernel, out)
        assert 'up rc 0' in out and guest_sha(g, '/tmp/up.bin') == sha, \
            (kernel, out)
        assert 'udp from 192.0.2.1 ' in out and 'pasta-udp' in out, out
        assert f'splice-out {sha}' in out, (kernel, out)
        # On the guest's initramfs, chroot() stands in for pivot_root()
        assert "can't switch to the empty root" not in out, out
        assert 'root entries: 0' in out, out
        if tuple(int(x) for x in re.findall(r'\d+', kernel)[:2]) < (6, 9):
            assert 'the kernel has no SO_PEEK_OFF for TCP' in out, out

        # Spliced into the namespace: httpd there, fetched from the
        # guest's loopback through -t
        g.sh(f'(/tmp/pasta --config-net -f --runas 65534 '
             f'-t {PASTA_SPLICE_IN} -- sh -c "echo \\$\\$ > /tmp/in.pid; '
             f'exec httpd -f -p {PASTA_SPLICE_IN} -h /www" '
             '> /tmp/pasta-t.log 2>&1 &)')
        url = f'http://127.0.0.1:{PASTA_SPLICE_IN}/pasta.bin'
        it.wait_until(lambda: g.sh(f'wget -q -O /tmp/in.bin {url}',
                                   check=False, timeout=30)[0] == 0,
                      timeout=30, interval=0.5, what='httpd behind pasta -t')
        assert guest_sha(g, '/tmp/in.bin') == sha, \
            g.out('cat /tmp/pasta-t.log')
    finally:
        g.sh('kill $(cat /tmp/in.pid /tmp/nc.pid) $(pidof pasta gtool) '
             '2>/dev/null; rm -f /tmp/passt /tmp/pasta /www/pasta.bin '
             '/tmp/up.bin /tmp/in.bin /tmp/in.sh /tmp/in.pid /tmp/nc.pid',
             check=False)
    FIGURES['pasta in the guest'] = (
        f'Linux {kernel}: {SMALL >> 20} MiB down, up and spliced both ways '
        'intact, UDP answered')


def test_host_isolation(net):
    """Guest C (--no-map-host): the same service is refused at once (a
    reset: 'Connection refused'), REMOTE stays reachable"""
    g = net['guest']['C']
    for host in (it.HOST4, f'[{it.HOST6}]', '192.0.2.1'):
        rc, out, secs = fetch(g, f'http://{host}:{HOST_SVC}/hostid')
        assert rc != 0 and 'Connection refused' in out, (host, out)
        assert secs < 3, (host, secs)
    rc, out, _ = fetch(g, f'http://{SRV4}/small.bin -O /dev/null')
    assert rc == 0, out
    rc, out, _ = fetch(g, f'http://[{SRV6}]/small.bin -O /dev/null')
    assert rc == 0, out
    log = net['passt']['C'].log_text()
    for dst in (it.HOST4, it.HOST6, '192.0.2.1'):
        assert re.search(rf'Host isolation: refused TCP from [0-9a-f.:]+:\d+ '
                         rf'to {re.escape(dst)}:{HOST_SVC}', log), log


def test_two_guests(net):
    """Guest B reaches guest A's server through A's forwarded port, by
    HOST's address and by B's gateway (HOST's loopback, where passt A
    listens too); guest C, with --no-map-host, can't"""
    a = net['guest']['A']
    start_httpd(a)
    for host in (it.HOST4, f'[{it.HOST6}]', '192.0.2.1'):
        rc, out, _ = fetch(net['guest']['B'],
                           f'http://{host}:{FWD_TCP}/id')
        assert rc == 0 and out.strip() == 'guest A', (host, out)
        rc, out, secs = fetch(net['guest']['C'],
                              f'http://{host}:{FWD_TCP}/id')
        assert rc != 0 and 'Connection refused' in out, (host, out)
        assert secs < 3, (host, secs)
    # B's connections come from HOST's own address or its loopback: A sees
    # them coming from its gateway
    log = a.out('cat /tmp/httpd.log')
    assert httpd_peers(log) == ['192.0.2.1', it.REMOTE6, '192.0.2.1'], log


# ---------------------------------------------------------------------------
# qemu and passt lifetimes

def test_stream_reconnect(net, topo):
    """With reconnect= (qemu 8.0 and later), the guest's network comes back
    after passt is restarted. qemu 7.2 doesn't have the option."""
    if not reconnect_supported():
        pytest.skip(f'{QEMU} has no reconnect= for -netdev stream '
                    '(qemu 7.2): see test_persistent_passt_serves_next_qemu')
    p = Passt(topo, 'R', [])
    g = Guest('guestR', topo.host, net['image'], p.sock, '02:00:00:00:0e:0d',
              os.path.join(BASE, 'R', 'vm'), append='e2e.dhcp6=0',
              netdev_extra=',reconnect=1')
    restart_passt_under_guest(p, g, 60)


def restart_passt_under_guest(p, g, timeout):
    """Boot guest g, fetch a file through passt p, restart p under the
    running guest and wait (up to timeout s) until fetching works again;
    both are stopped at the end"""
    try:
        g.wait_ready(timeout=150)
        g.sh(f'wget -q -O /dev/null http://{SRV4}/small.bin', timeout=timeout)
        p.stop()
        p.start()
        it.wait_until(lambda: g.sh(f'wget -q -O /dev/null '
                                   f'http://{SRV4}/small.bin', timeout=30,
                                   check=False)[0] == 0,
                      timeout=timeout, interval=1,
                      what='guest network back after passt restart')
    finally:
        g.stop()
        p.stop()


def test_qemu_before_passt(topo, image):
    """qemu 7.2 connects once, at start-up: with no passt listening yet,
    the netdev stays in error, also once passt is there. Hence passt
    first, as libvirt does (no guest needs to run for this: qemu -S)"""
    d = nobody_dir(os.path.join(BASE, 'early'))
    sock = os.path.join(d, 'passt.sock')
    mon = os.path.join(d, 'mon.sock')
    q = it.spawn_in(topo.host, [
        QEMU, '-S', '-accel', 'tcg', '-nodefaults', '-no-user-config',
        '-display', 'none', '-nic', 'none',
        '-monitor', f'unix:{mon},server=on,wait=off',
        '-netdev', f'stream,id=n0,server=off,addr.type=unix,'
                   f'addr.path={sock}',
        '-device', 'virtio-net-pci,netdev=n0'])
    it.wait_until(lambda: os.path.exists(mon) or not q.running(),
                  timeout=10, what='qemu monitor')

    def info():
        return hmp(mon, 'info network')
    it.wait_until(lambda: 'connection error' in info(), timeout=5,
                  what='stream netdev to fail without passt')
    p = Passt(topo, 'early', [])
    # Absence of a retry: nothing to wait for but a while (2 s, more than
    # qemu's start takes to connect when passt is there first)
    time.sleep(2)
    assert 'connection error' in info()
    q.stop()
    p.stop()


def test_persistent_passt_serves_next_qemu(net, topo):
    """passt A (no --one-off) outlives its qemu, and the next qemu on the
    same socket gets its network: DHCP, and a download"""
    p = net['passt']['A']
    a = net['guest']['A']
    rc = a.poweroff()
    assert rc == 0, a.diag()
    it.wait_until(lambda: 'waiting for the next one' in p.log_text(),
                  timeout=10, what='passt A to see its client go')
    assert p.running(), p.log_text()
    g = Guest('guestA2', topo.host, net['image'], p.sock, MAC['A'],
              os.path.join(BASE, 'A2', 'vm'), append='e2e.dhcp6=0')
    try:
        secs = g.wait_ready(timeout=90)
        env = g.net_env()
        assert env.get('dhcp_ip') == it.HOST4, (env, g.diag())
        FIGURES['guest A2 (second qemu on passt A): boot to lease'] = \
            f'{float(env["lease_uptime"]):.2f} s guest uptime, ' \
            f'qemu start to ready {secs:.1f} s'
        g.sh(f'wget -q -O /dev/null http://{SRV4}/small.bin', timeout=60)
        rc = g.poweroff()
        assert rc == 0
        it.wait_until(lambda: p.log_text().count(
                          'waiting for the next one') >= 2,
                      timeout=10, what='passt A to see its second client go')
        assert p.running(), p.log_text()
    finally:
        g.stop()


def test_one_off_passt_exits_with_qemu(net):
    """libvirt's way: passt --one-off quits once its qemu is gone"""
    p = net['passt']['B']
    b = net['guest']['B']
    assert p.running()
    rc = b.poweroff()
    assert rc == 0, b.diag()
    it.wait_until(lambda: not p.running(), timeout=5,
                  what='--one-off passt to exit after qemu')

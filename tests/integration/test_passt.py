# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt: the UNIX stream socket (qemu's -netdev stream framing), one client
# at a time, --one-off, --fd, and a GUEST namespace behind tap_relay whose
# real kernel stack and clients (udhcpc, SLAAC, dhclient -6) talk to passt.

import os
import signal
import socket
import stat
import subprocess
import time

from conftest import (DEFAULT_MTU, GUEST_MAC, HOST4, HOST6, HOST_MAC, NET6,
                      NOBODY_UID, REMOTE4, REMOTE6, REMOTE_LL, SEARCH,
                      addrs_of, arp_request, dhclient6_snippet, eui64_addr,
                      ip_json, load_neigh, neigh_snippet, parse_arp,
                      parse_kv, passt_argv, recv_frames_until,
                      require_binaries, run_in, send_frame, spawn_in,
                      split_names, start_passt, start_relay, udhcpc_cmd,
                      udhcpc_script, wait_until)

CLIENT_MAC = '02:00:00:00:0d:02'


def connect(path, timeout=3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def arp_exchange(s, mac=HOST_MAC):
    """Ask for the gateway's MAC over the stream, check passt's answer"""
    send_frame(s, arp_request(CLIENT_MAC, HOST4, REMOTE4))

    def is_reply(f):
        a = parse_arp(f)
        return a if a and a['op'] == 2 and a['spa'] == REMOTE4 else None
    a = recv_frames_until(s, is_reply)
    assert a['sha'] == mac
    assert a['src'] == mac
    assert a['dst'] == CLIENT_MAC
    assert a['tha'] == CLIENT_MAC
    assert a['tpa'] == HOST4


def is_eof(s, timeout=2):
    """True if the peer closed the stream within timeout"""
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (TimeoutError, socket.timeout):
        return False
    except ConnectionResetError:
        return True


def test_socket(topo, tmp):
    p = start_passt(topo, tmp)
    st = os.stat(p.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert st.st_uid == NOBODY_UID
    assert p.running()


def test_default_socket_path(topo, tmp):
    """No -s: first free /tmp/passt_N.socket, path printed"""
    require_binaries()
    p = spawn_in(topo.host, passt_argv('-f'), user='nobody')
    path = None
    try:
        m = p.wait_output(r'/tmp/passt_(\d+)\.socket', timeout=5)
        path = m.group(0)
        assert 1 <= int(m.group(1)) <= 64
        wait_until(lambda: os.path.exists(path), timeout=2, what=path)
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        s = connect(path)
        arp_exchange(s)
        s.close()
    finally:
        p.stop()
        if path and os.path.exists(path) and \
                os.stat(path).st_uid == NOBODY_UID:
            os.unlink(path)


def test_arp_over_stream(topo, tmp):
    p = start_passt(topo, tmp)
    s = connect(p.sock)
    arp_exchange(s)
    s.close()


def test_mac_option(topo, tmp):
    p = start_passt(topo, tmp, '-M', '02:00:00:00:0c:01')
    s = connect(p.sock)
    arp_exchange(s, mac='02:00:00:00:0c:01')
    s.close()


def test_second_client_rejected(topo, tmp):
    """One client at a time: a second one is closed at once"""
    p = start_passt(topo, tmp)
    a = connect(p.sock)
    arp_exchange(a)
    b = connect(p.sock)
    assert is_eof(b), 'second client not closed'
    b.close()
    arp_exchange(a)
    assert p.running()
    a.close()


def test_reconnect(topo, tmp):
    """After the client leaves, the next one is served"""
    p = start_passt(topo, tmp)
    a = connect(p.sock)
    arp_exchange(a)
    a.close()
    time.sleep(0.2)
    assert p.running(), p.output
    c = connect(p.sock)
    assert not is_eof(c, timeout=0.5)
    arp_exchange(c)
    c.close()


def test_one_off(topo, tmp):
    p = start_passt(topo, tmp, '-1')
    a = connect(p.sock)
    arp_exchange(a)
    a.close()
    rc = p.wait(5)
    assert rc == 0, f'exit {rc}:\n{p.output}'


def test_fd(topo, tmp):
    """-F: an already connected socket, passt quits when it closes"""
    require_binaries()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = theirs.fileno()
    p = spawn_in(topo.host, passt_argv('-f', '-F', str(fd)), user='nobody',
                 pass_fds=(fd,))
    theirs.close()
    ours.settimeout(3)
    arp_exchange(ours)
    ours.close()
    rc = p.wait(5)
    assert rc == 0, f'exit {rc}:\n{p.output}'


def test_log_file(topo, tmp):
    """-l: messages go to the file"""
    log = os.path.join(tmp, 'passt.log')
    p = start_passt(topo, tmp, '-d', '-l', log)
    s = connect(p.sock)
    arp_exchange(s)
    s.close()
    wait_until(lambda: os.path.exists(log) and os.path.getsize(log) > 0,
               timeout=3, what=f'{log} written')
    assert os.stat(log).st_uid == NOBODY_UID


def test_pid_file_background(topo, tmp):
    """Without -f passt forks to background; -P has the daemon's PID"""
    require_binaries()
    sock = os.path.join(tmp, 'bg.sock')
    pidfile = os.path.join(tmp, 'passt.pid')
    res = run_in(topo.host, passt_argv('-s', sock, '-P', pidfile),
                 user='nobody', timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    pid = int(open(pidfile).read())
    try:
        assert os.path.exists(f'/proc/{pid}')
        assert open(f'/proc/{pid}/comm').read().startswith('passt')
        s = connect(sock)
        arp_exchange(s)
        s.close()
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        wait_until(lambda: not os.path.exists(f'/proc/{pid}'), timeout=3,
                   what='background passt to exit')


# ---------------------------------------------------------------------------
# A guest kernel behind tap_relay

def guest_dhcp(guest, tmp):
    script = os.path.join(tmp, 'udhcpc.sh')
    lease = os.path.join(tmp, 'lease')
    udhcpc_script(script, lease, apply=True)
    res = run_in(guest, ['sh', '-c', udhcpc_cmd('g0', script)])
    assert res.returncode == 0 and os.path.exists(lease), \
        res.stdout + res.stderr
    return parse_kv(lease)


def test_guest_dhcp(topo, tmp, guest):
    p = start_passt(topo, tmp)
    start_relay(guest, p.sock)
    lease = guest_dhcp(guest, tmp)
    assert lease['ip'] == HOST4
    assert lease['subnet'] == '255.255.255.0'
    assert lease['router'] == REMOTE4
    assert lease['mtu'] == str(DEFAULT_MTU)
    # passt: DNS and search list from HOST's resolv.conf by default
    assert lease['dns'].split() == [REMOTE4]
    assert lease['search'].split() == SEARCH
    assert f'{HOST4}/24' in addrs_of(ip_json(guest, 'addr', 'show', 'g0'))
    assert [r['gateway'] for r in ip_json(guest, 'route', 'show', 'default')
            ] == [REMOTE4]


def test_guest_dhcp_no_dns_no_search(topo, tmp, guest):
    p = start_passt(topo, tmp, '--no-dhcp-dns', '--no-dhcp-search')
    start_relay(guest, p.sock)
    lease = guest_dhcp(guest, tmp)
    assert lease['ip'] == HOST4
    assert lease['dns'] == ''
    assert lease['search'] == ''


def test_guest_dhcp_options(topo, tmp, guest):
    p = start_passt(topo, tmp, '-a', '192.0.2.77', '-n', '255.255.255.128',
                    '-g', '192.0.2.126', '-m', '9000',
                    '-D', '198.51.100.53', '-S', 'a.example')
    start_relay(guest, p.sock)
    lease = guest_dhcp(guest, tmp)
    assert lease['ip'] == '192.0.2.77'
    assert lease['subnet'] == '255.255.255.128'
    assert lease['router'] == '192.0.2.126'
    assert lease['mtu'] == '9000'
    assert lease['dns'].split() == ['198.51.100.53']
    assert lease['search'].split() == ['a.example']


def test_guest_neighbours(topo, tmp, guest):
    """The guest kernel resolves both gateways to passt's MAC"""
    p = start_passt(topo, tmp)
    start_relay(guest, p.sock)
    run_in(guest, ['ip', 'addr', 'add', f'{HOST4}/24', 'dev', 'g0'],
           check=True)
    run_in(guest, ['ip', 'addr', 'add', f'{HOST6}/64', 'dev', 'g0',
                   'nodad'], check=True)
    out = os.path.join(tmp, 'neigh.json')
    run_in(guest, ['sh', '-c', neigh_snippet('g0', [REMOTE4, REMOTE6], out)],
           check=True)
    n = load_neigh(out)
    assert n.get(REMOTE4) == HOST_MAC, n
    assert n.get(REMOTE6) == HOST_MAC, n


def global6(guest):
    a = ip_json(guest, '-6', 'addr', 'show', 'dev', 'g0')
    return addrs_of(a, scope='global')


def test_guest_slaac(topo, tmp, guest):
    p = start_passt(topo, tmp)
    start_relay(guest, p.sock)
    want = f'{eui64_addr(NET6, GUEST_MAC)}/64'

    wait_until(lambda: want in global6(guest), timeout=5,
               what=f'SLAAC {want}')
    r = ip_json(guest, '-6', 'route', 'show', 'default')
    assert len(r) == 1 and r[0]['gateway'].startswith('fe80:'), r
    assert r[0].get('protocol') == 'ra'


def test_guest_slaac_link_local_gateway(topo_ll, tmp, guest):
    """HOST's IPv6 gateway is fe80::1: the guest's default route too"""
    p = start_passt(topo_ll, tmp)
    start_relay(guest, p.sock)
    want = f'{eui64_addr(NET6, GUEST_MAC)}/64'
    wait_until(lambda: want in global6(guest), timeout=5,
               what=f'SLAAC {want}')
    r = ip_json(guest, '-6', 'route', 'show', 'default')
    assert [x['gateway'] for x in r] == [REMOTE_LL], r


def test_guest_dhcpv6(topo, tmp, guest):
    p = start_passt(topo, tmp)
    start_relay(guest, p.sock)
    out, snippet = dhclient6_snippet(tmp, 'g0')
    res = run_in(guest, ['sh', '-c', snippet], timeout=20)
    log = open(f'{tmp}/dhclient6.log').read() \
        if os.path.exists(f'{tmp}/dhclient6.log') else ''
    assert os.path.exists(out), res.stdout + res.stderr + log
    env = parse_kv(out)
    assert env['new_ip6_address'] == HOST6
    assert split_names(env.get('new_dhcp6_name_servers')) == [REMOTE6]
    assert split_names(env.get('new_dhcp6_domain_search')) == SEARCH


def tshark(pcap, *args):
    res = subprocess.run(['tshark', '-r', pcap] + list(args),
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return res.stdout


def dhcp_sequence(rows):
    """DHCP message types in order, retransmissions folded"""
    seq = []
    for r in rows:
        if not seq or seq[-1] != r[0]:
            seq.append(r[0])
    return seq


def test_pcap(topo, tmp, guest):
    """-p: Ethernet capture of what the guest sees, DHCP exchange in it"""
    pcap = os.path.join(tmp, 'passt.pcap')
    p = start_passt(topo, tmp, '-p', pcap)
    start_relay(guest, p.sock)
    guest_dhcp(guest, tmp)
    p.stop()
    assert os.stat(pcap).st_uid == NOBODY_UID
    out = tshark(pcap, '-Y', 'dhcp', '-T', 'fields', '-e',
                 'dhcp.option.dhcp', '-e', 'eth.src')
    rows = [line.split('\t') for line in out.splitlines()]
    assert dhcp_sequence(rows) == ['1', '2', '3', '5'], out
    # Offer and ACK come from passt's MAC, Discover and Request from the guest
    src = {'1': GUEST_MAC, '2': HOST_MAC, '3': GUEST_MAC, '5': HOST_MAC}
    assert all(src[t] == mac for t, mac in rows), out
    # Link type: Ethernet
    out = tshark(pcap, '-c', '1', '-T', 'fields', '-e', 'frame.protocols')
    assert out.startswith('eth:'), out


def test_pcap_ra_options(topo, tmp, guest):
    """Router Advertisement: prefix, MTU, DNS and search list (passt)"""
    pcap = os.path.join(tmp, 'passt.pcap')
    p = start_passt(topo, tmp, '-p', pcap)
    start_relay(guest, p.sock)
    want = f'{eui64_addr(NET6, GUEST_MAC)}/64'
    wait_until(lambda: want in global6(guest), timeout=5, what='SLAAC')
    p.stop()
    out = tshark(pcap, '-Y', 'icmpv6.type == 134', '-T', 'fields',
                 '-e', 'icmpv6.opt.prefix', '-e', 'icmpv6.opt.mtu',
                 '-e', 'icmpv6.opt.rdnss', '-e', 'icmpv6.opt.dnssl')
    first = out.splitlines()[0].split('\t')
    assert first[0] == '2001:db8:1::', out
    assert first[1] == str(DEFAULT_MTU), out
    assert first[2] == REMOTE6, out
    assert first[3].split(',') == SEARCH, out

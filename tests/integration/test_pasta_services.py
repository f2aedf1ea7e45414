# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta's built-in services seen by real clients inside its namespace,
# without --config-net: DHCP (busybox udhcpc), SLAAC from our Router
# Advertisement (the kernel), DHCPv6 (ISC dhclient), ARP and NDP (the
# kernel's neighbour resolution). Packet capture with -p, read by tshark.

import json
import os
import subprocess

from conftest import (DEFAULT_MTU, HOST4, HOST6, HOST_MAC, NET6, REMOTE4,
                      REMOTE6, REMOTE_LL, SEARCH, addrs_of,
                      dhclient6_snippet,
                      eui64_addr, load_neigh, neigh_snippet, parse_kv,
                      run_pasta, split_names,
                      udhcpc_cmd, udhcpc_script)

NS_MAC = '02:00:00:00:0b:02'
LINK_UP = '''
echo 0 > /proc/sys/net/ipv6/conf/h0/accept_dad
ip link set h0 up
'''


def dhcp4(topo, tmp, *args, tries=3):
    """pasta ARGS, udhcpc in the namespace: (exit status, lease or None)"""
    script = os.path.join(tmp, 'udhcpc.sh')
    lease = os.path.join(tmp, 'lease')
    udhcpc_script(script, lease)
    res = run_pasta(topo, tmp, list(args),
                    LINK_UP + udhcpc_cmd('h0', script, tries) + '\n')
    out = res.stdout + res.stderr
    return res.returncode, (parse_kv(lease) if os.path.exists(lease)
                            else None), out


def test_dhcp_defaults(topo, tmp):
    rc, lease, out = dhcp4(topo, tmp)
    assert rc == 0 and lease, out
    assert lease['ip'] == HOST4
    assert lease['subnet'] == '255.255.255.0'
    assert lease['router'] == REMOTE4
    assert lease['mtu'] == str(DEFAULT_MTU)
    # pasta: no DNS and no search list unless asked for
    assert lease['dns'] == ''
    assert lease['search'] == ''


def test_dhcp_dns_and_search(topo, tmp):
    rc, lease, out = dhcp4(topo, tmp, '--dhcp-dns', '--dhcp-search')
    assert rc == 0 and lease, out
    assert lease['dns'].split() == [REMOTE4]
    assert lease['search'].split() == SEARCH


def test_dhcp_configured_values(topo, tmp):
    rc, lease, out = dhcp4(topo, tmp, '-a', '192.0.2.77', '-n', '25',
                           '-g', '192.0.2.126', '-m', '1500',
                           '-D', '198.51.100.53', '-S', 'a.example b.example',
                           '--dhcp-dns', '--dhcp-search')
    assert rc == 0 and lease, out
    assert lease['ip'] == '192.0.2.77'
    assert lease['subnet'] == '255.255.255.128'
    assert lease['router'] == '192.0.2.126'
    assert lease['mtu'] == '1500'
    assert lease['dns'].split() == ['198.51.100.53']
    assert lease['search'].split() == ['a.example', 'b.example']


def test_no_dhcp(topo, tmp):
    rc, lease, out = dhcp4(topo, tmp, '--no-dhcp', tries=1)
    assert rc != 0 and lease is None, out


def slaac(topo, tmp, *args, wait_for=None, seconds=5):
    """pasta ARGS, link up, wait for SLAAC: (addr json, route6 json)"""
    want = wait_for or eui64_addr(NET6, NS_MAC)
    script = LINK_UP + f'''
i=0
until ip -6 -o addr show dev h0 | grep -q " {want}/" ||
      [ $i -ge {seconds * 10} ]; do
	sleep 0.1
	i=$((i + 1))
done
ip -j -6 addr show dev h0 > {tmp}/addr6.json
ip -j -6 route show > {tmp}/route6.json
'''
    res = run_pasta(topo, tmp, ['--ns-mac-addr', NS_MAC] + list(args),
                    script)
    assert res.returncode == 0, res.stdout + res.stderr
    with open(f'{tmp}/addr6.json') as f:
        a = json.load(f)
    with open(f'{tmp}/route6.json') as f:
        r = json.load(f)
    return a, r


def _global6(a):
    return addrs_of(a, scope='global')


def test_slaac(topo, tmp):
    a, r = slaac(topo, tmp)
    assert f'{eui64_addr(NET6, NS_MAC)}/64' in _global6(a), a
    defaults = [x for x in r if x.get('dst') == 'default']
    assert len(defaults) == 1, r
    assert defaults[0]['gateway'].startswith('fe80:')
    assert defaults[0]['dev'] == 'h0'
    assert defaults[0].get('protocol') == 'ra'


def test_slaac_link_local_gateway(topo_ll, tmp):
    """Host's gateway is fe80::1: we advertise from that address"""
    a, r = slaac(topo_ll, tmp)
    assert f'{eui64_addr(NET6, NS_MAC)}/64' in _global6(a), a
    assert [x['gateway'] for x in r if x.get('dst') == 'default'] == \
        [REMOTE_LL]


def test_no_ra(topo, tmp):
    a, r = slaac(topo, tmp, '--no-ra', seconds=1)
    assert _global6(a) == [], a
    assert [x for x in r if x.get('dst') == 'default'] == []


def dhcpv6(topo, tmp, *args, timeout=6):
    """pasta ARGS, dhclient -6 in the namespace: dhclient's env or None"""
    out, snippet = dhclient6_snippet(tmp, 'h0', timeout)
    # dhclient wants a usable link-local address first
    script = LINK_UP + '''
i=0
until ip -6 -o addr show dev h0 scope link | grep -qv tentative ||
      [ $i -ge 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
''' + snippet
    res = run_pasta(topo, tmp, list(args), script)
    log = ''
    if os.path.exists(f'{tmp}/dhclient6.log'):
        log = open(f'{tmp}/dhclient6.log').read()
    assert res.returncode == 0, res.stdout + res.stderr + log
    return (parse_kv(out) if os.path.exists(out) else None), \
        res.stdout + res.stderr + log


def test_dhcpv6_defaults(topo, tmp):
    env, out = dhcpv6(topo, tmp)
    assert env, out
    assert env['new_ip6_address'] == HOST6
    assert env.get('new_dhcp6_name_servers', '') == ''
    assert env.get('new_dhcp6_domain_search', '') == ''


def test_dhcpv6_dns_and_search(topo, tmp):
    env, out = dhcpv6(topo, tmp, '--dhcp-dns', '--dhcp-search')
    assert env, out
    assert env['new_ip6_address'] == HOST6
    assert split_names(env['new_dhcp6_name_servers']) == [REMOTE6]
    assert split_names(env['new_dhcp6_domain_search']) == SEARCH


def test_dhcpv6_address_option(topo, tmp):
    env, out = dhcpv6(topo, tmp, '-a', '2001:db8:1::77')
    assert env, out
    assert env['new_ip6_address'] == '2001:db8:1::77'


def test_no_dhcpv6(topo, tmp):
    # A server answers the first Solicit within milliseconds
    env, out = dhcpv6(topo, tmp, '--no-dhcpv6', timeout=2)
    assert env is None, out


def neighbours(topo, tmp, *args, timeout=2):
    """Static addresses, ping the gateways: what the kernel resolved"""
    script = LINK_UP + f'''
ip addr add {HOST4}/24 dev h0
ip addr add {HOST6}/64 dev h0 nodad
''' + neigh_snippet('h0', [REMOTE4, REMOTE6], f'{tmp}/neigh.json',
                    timeout)
    res = run_pasta(topo, tmp, list(args), script)
    assert res.returncode == 0, res.stdout + res.stderr
    return load_neigh(f'{tmp}/neigh.json')


def test_arp_and_ndp_gateway(topo, tmp):
    """Gateway addresses resolve to our MAC: by default HOST h0's"""
    n = neighbours(topo, tmp)
    assert n.get(REMOTE4) == HOST_MAC, n
    assert n.get(REMOTE6) == HOST_MAC, n


def test_arp_and_ndp_mac_option(topo, tmp):
    n = neighbours(topo, tmp, '-M', '02:00:00:00:0c:01')
    assert n.get(REMOTE4) == '02:00:00:00:0c:01', n
    assert n.get(REMOTE6) == '02:00:00:00:0c:01', n


def test_no_ndp(topo, tmp):
    """--no-ndp: neighbour solicitations stay unanswered"""
    n = neighbours(topo, tmp, '--no-ndp', timeout=1)
    assert n.get(REMOTE6) is None, n
    assert n.get(REMOTE4) == HOST_MAC, n


def test_pcap_dhcp(topo, tmp):
    """-p: the capture shows the whole DHCP exchange"""
    pcap = os.path.join(tmp, 'pasta.pcap')
    rc, lease, out = dhcp4(topo, tmp, '-p', pcap)
    assert rc == 0 and lease, out
    res = subprocess.run(['tshark', '-r', pcap, '-Y', 'dhcp', '-T',
                          'fields', '-e', 'dhcp.option.dhcp'],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    # Discover, Offer, Request, ACK (retransmissions folded)
    seq = []
    for t in res.stdout.split():
        if not seq or seq[-1] != t:
            seq.append(t)
    assert seq == ['1', '2', '3', '5'], res.stdout


def ra_options(topo, tmp, *args):
    """pasta -p ARGS, SLAAC; the first RA's options as tshark sees them"""
    pcap = os.path.join(tmp, 'pasta.pcap')
    slaac(topo, tmp, '-p', pcap, *args)
    res = subprocess.run(['tshark', '-r', pcap, '-Y', 'icmpv6.type == 134',
                          '-T', 'fields', '-e', 'icmpv6.opt.prefix',
                          '-e', 'icmpv6.opt.rdnss', '-e', 'icmpv6.opt.dnssl'],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert res.stdout, 'no Router Advertisement captured'
    return res.stdout.splitlines()[0].split('\t')


def test_ra_no_dns_by_default(topo, tmp):
    prefix, rdnss, dnssl = ra_options(topo, tmp)
    assert prefix == '2001:db8:1::'
    assert rdnss == '' and dnssl == ''


def test_ra_dns_and_search(topo, tmp):
    prefix, rdnss, dnssl = ra_options(topo, tmp, '--dhcp-dns',
                                      '--dhcp-search')
    assert prefix == '2001:db8:1::'
    assert rdnss == REMOTE6
    assert dnssl.split(',') == SEARCH

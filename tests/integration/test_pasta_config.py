# SPDX-License-Identifier: GPL-2.0-or-later
#
# pasta creating its own user + network namespace, spawning a command in it:
# exit status, tap interface, and --config-net copying HOST's addresses and
# routes (interface h0, template from the first default route).

import json
import os

import pytest

from conftest import (DEFAULT_MTU, HOST4, HOST6, REMOTE4, REMOTE6,
                      REMOTE_LL, addrs_of, default_gateways, ip_json, link_of,
                      run_pasta, wait_link_snippet)


def dump_snippet(tmp):
    """Shell lines writing ip -j addr/route/-6 route into tmp"""
    return f'''
ip -j addr show > {tmp}/addr.json
ip -j route show > {tmp}/route4.json
ip -j -6 route show > {tmp}/route6.json
'''


def load(tmp, name):
    with open(os.path.join(tmp, name)) as f:
        return json.load(f)


def pasta_config(topo, tmp, *args, ifname='h0', wait=('global', 'default4'),
                 extra=''):
    """pasta --config-net ARGS, dump the namespace's configuration

    Waits briefly for addresses and routes (see test_config_before_command
    for the strict check), returns (addr, route4, route6) as parsed JSON.
    """
    script = ''.join(wait_link_snippet(ifname, w) for w in wait)
    script += extra + dump_snippet(tmp)
    res = run_pasta(topo, tmp, ['--config-net'] + list(args), script)
    assert res.returncode == 0, res.stdout + res.stderr
    return load(tmp, 'addr.json'), load(tmp, 'route4.json'), \
        load(tmp, 'route6.json')


@pytest.mark.parametrize('status', [0, 1, 7, 42])
def test_exit_status_of_command(topo, tmp, status):
    res = run_pasta(topo, tmp, [], f'exit {status}\n')
    assert res.returncode == status, res.stdout + res.stderr


def test_exit_status_with_config_net(topo, tmp):
    res = run_pasta(topo, tmp, ['--config-net'], 'exit 3\n')
    assert res.returncode == 3, res.stdout + res.stderr


def test_command_in_new_namespaces(topo, tmp):
    """The command runs as root of a new user namespace, in a new netns"""
    script = f'''
id -u > {tmp}/uid
readlink /proc/self/ns/net > {tmp}/netns
readlink /proc/self/ns/user > {tmp}/userns
'''
    res = run_pasta(topo, tmp, [], script)
    assert res.returncode == 0, res.stdout + res.stderr
    assert open(f'{tmp}/uid').read().strip() == '0'
    host_net = os.readlink(f'/run/netns/{topo.host}') \
        if os.path.islink(f'/run/netns/{topo.host}') else None
    netns = open(f'{tmp}/netns').read().strip()
    assert netns != os.readlink('/proc/self/ns/net')
    assert netns != host_net
    assert open(f'{tmp}/userns').read().strip() != \
        os.readlink('/proc/self/ns/user')


def test_tap_and_lo_without_config_net(topo, tmp):
    """Without --config-net: tap h0 exists but isn't configured, lo is up"""
    res = run_pasta(topo, tmp, [], f'ip -j addr show > {tmp}/addr.json\n')
    assert res.returncode == 0, res.stdout + res.stderr
    a = load(tmp, 'addr.json')
    lo = link_of(a, 'lo')
    assert lo and 'UP' in lo['flags'], a
    assert '127.0.0.1/8' in addrs_of(a, 'lo')
    h0 = link_of(a, 'h0')
    assert h0 is not None, f'no tap h0: {a}'
    assert h0.get('link_type') == 'ether'
    assert addrs_of(a, 'h0', scope='global') == []


def test_config_net_defaults(topo, tmp):
    a, r4, r6 = pasta_config(topo, tmp, wait=('global', 'default4',
                                              'default6'))
    h0 = link_of(a, 'h0')
    assert h0 is not None, a
    assert 'UP' in h0['flags']
    assert h0['mtu'] == DEFAULT_MTU
    assert f'{HOST4}/24' in addrs_of(a, 'h0', family='inet')
    assert f'{HOST6}/64' in addrs_of(a, 'h0', family='inet6',
                                     scope='global')
    assert default_gateways(r4) == [REMOTE4]
    assert REMOTE6 in default_gateways(r6), r6
    lo = link_of(a, 'lo')
    assert 'UP' in lo['flags']
    # The tap is the only Ethernet interface
    assert [x['ifname'] for x in a if x.get('link_type') == 'ether'] == \
        ['h0']


def test_config_net_no_link_local_copied(topo, tmp):
    """HOST's link-local address is not copied (the tap has its own)"""
    host_ll = addrs_of(ip_json(topo.host, 'addr', 'show', 'h0'),
                       scope='link')
    assert host_ll
    a, _, _ = pasta_config(topo, tmp)
    for ll in host_ll:
        assert ll not in addrs_of(a, 'h0')


def test_config_before_command(topo, tmp):
    """Addresses, routes and link state are in place when COMMAND starts"""
    res = run_pasta(topo, tmp, ['--config-net'], dump_snippet(tmp))
    assert res.returncode == 0, res.stdout + res.stderr
    a = load(tmp, 'addr.json')
    assert 'UP' in link_of(a, 'h0')['flags']
    assert f'{HOST4}/24' in addrs_of(a, 'h0')
    assert f'{HOST6}/64' in addrs_of(a, 'h0')
    assert default_gateways(load(tmp, 'route4.json')) == [REMOTE4]
    assert REMOTE6 in default_gateways(load(tmp, 'route6.json'))


@pytest.mark.parametrize('mtu', [1500, 1280, 65520])
def test_config_net_mtu(topo, tmp, mtu):
    a, _, _ = pasta_config(topo, tmp, '-m', str(mtu))
    assert link_of(a, 'h0')['mtu'] == mtu


def test_config_net_ifname(topo, tmp):
    a, r4, _ = pasta_config(topo, tmp, '-I', 'pasta0', ifname='pasta0')
    assert link_of(a, 'h0') is None
    assert f'{HOST4}/24' in addrs_of(a, 'pasta0')
    assert [r['dev'] for r in r4 if r.get('dst') == 'default'] == ['pasta0']


def test_config_net_ns_mac_addr(topo, tmp):
    a, _, _ = pasta_config(topo, tmp, '--ns-mac-addr', '02:00:00:00:0b:02')
    assert link_of(a, 'h0')['address'] == '02:00:00:00:0b:02'


def test_config_net_ipv4_only(topo, tmp):
    a, r4, r6 = pasta_config(topo, tmp, '-4')
    assert f'{HOST4}/24' in addrs_of(a, 'h0')
    assert addrs_of(a, 'h0', family='inet6', scope='global') == []
    assert default_gateways(r4) == [REMOTE4]
    assert default_gateways(r6) == []


def test_config_net_ipv6_only(topo, tmp):
    a, r4, r6 = pasta_config(topo, tmp, '-6', wait=('global', 'default6'))
    assert addrs_of(a, 'h0', family='inet') == []
    assert f'{HOST6}/64' in addrs_of(a, 'h0', family='inet6')
    assert default_gateways(r4) == []
    assert REMOTE6 in default_gateways(r6)


def test_config_net_address_netmask_gateway(topo, tmp):
    """-a/-n/-g replace what's copied from the host"""
    a, r4, _ = pasta_config(topo, tmp, '-a', '192.0.2.77', '-n', '25',
                            '-g', '192.0.2.126')
    v4 = addrs_of(a, 'h0', family='inet')
    assert v4 == ['192.0.2.77/25'], v4
    assert default_gateways(r4) == ['192.0.2.126']


def test_config_net_netmask_dotted(topo, tmp):
    a, _, _ = pasta_config(topo, tmp, '-a', '192.0.2.77',
                           '-n', '255.255.255.192')
    assert addrs_of(a, 'h0', family='inet') == ['192.0.2.77/26']


def test_config_net_address_default_prefix(topo, tmp):
    """-a alone: prefix length of the matching host address (/24)"""
    a, _, _ = pasta_config(topo, tmp, '-a', '192.0.2.77')
    assert addrs_of(a, 'h0', family='inet') == ['192.0.2.77/24']


def test_config_net_ipv6_address(topo, tmp):
    a, _, _ = pasta_config(topo, tmp, '-a', '2001:db8:1::77',
                           wait=('global', 'default6'))
    assert '2001:db8:1::77/64' in addrs_of(a, 'h0', family='inet6'), a
    assert f'{HOST6}/64' not in addrs_of(a, 'h0', family='inet6')


def test_config_net_link_local_gateway(topo_ll, tmp):
    """HOST's IPv6 default route is via fe80::1: so is the namespace's"""
    a, r4, r6 = pasta_config(topo_ll, tmp, wait=('global', 'default4',
                                                 'default6'))
    assert f'{HOST6}/64' in addrs_of(a, 'h0', family='inet6')
    assert REMOTE_LL in default_gateways(r6), r6
    assert [r['dev'] for r in r6 if r.get('dst') == 'default'
            and r.get('gateway') == REMOTE_LL] == ['h0']
    assert default_gateways(r4) == [REMOTE4]


def test_pid_file(topo, tmp):
    """-P: pasta's own PID, written before the command runs"""
    pidfile = os.path.join(tmp, 'pasta.pid')
    script = f'cat {pidfile} > {tmp}/pid.seen\n'
    res = run_pasta(topo, tmp, ['-P', pidfile], script)
    assert res.returncode == 0, res.stdout + res.stderr
    assert int(open(f'{tmp}/pid.seen').read()) > 1


def test_log_file(topo, tmp):
    """-l: log goes to the file (with --debug, there's something to log)"""
    log = os.path.join(tmp, 'pasta.log')
    res = run_pasta(topo, tmp, ['-d', '-l', log], 'true\n')
    assert res.returncode == 0, res.stdout + res.stderr
    assert os.path.getsize(log) > 0


def test_quiet(topo, tmp):
    """-q: nothing on standard output or error from pasta itself"""
    res = run_pasta(topo, tmp, ['-q', '--config-net'], 'true\n')
    assert res.returncode == 0, res.stderr
    assert res.stdout == '' and res.stderr == '', res.stdout + res.stderr

# SPDX-License-Identifier: GPL-2.0-or-later
#
# DNS forwarding (--dns-forward), end to end, for pasta and passt, IPv4 and
# IPv6, over UDP and TCP:
#
#   GUEST/namespace            HOST (pasta, passt)            REMOTE
#   dig @192.0.2.53   ---->   port 53 of the forwarding  ---> dnsmasq on
#   dig @2001:db8:1::53       address goes to the host's      192.0.2.1 and
#                             first resolver (resolv.conf)    2001:db8:1::1
#
# HOST's resolv.conf names REMOTE's addresses, so the answers prove the
# queries went to the host's resolver, and came back from the forwarding
# address (dig checks the source of the answer).

import shutil

import pytest

import conftest
from conftest import check_sanitizers, run, spawn_in
from test_tcp import Instance, files, remote  # noqa: F401

FWD4 = '192.0.2.53'
FWD6 = '2001:db8:1::53'
NAME = 'www.test.example'
ANSWER = {'A': '198.51.100.7', 'AAAA': '2001:db8:7::7'}


@pytest.fixture(scope='module')
def dnsmasq(remote):
    """A resolver in REMOTE, on the addresses of HOST's resolv.conf"""
    if not shutil.which('dnsmasq') or not shutil.which('dig'):
        pytest.skip('dnsmasq or dig not installed (tests/deps.sh)')
    p = spawn_in(remote.remote, [
        'dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts',
        '--bind-interfaces', '--log-facility=-', '--user=root',
        '--listen-address=192.0.2.1,2001:db8:1::1',
        f'--host-record={NAME},{ANSWER["A"]},{ANSWER["AAAA"]}'])
    p.wait_output('started', timeout=10)
    conftest._procs.remove(p)	# module-wide: off the per-test list
    yield p
    p.stop()


@pytest.fixture(scope='module', params=['pasta', 'passt'])
def inst(request, remote, files, dnsmasq):
    i = Instance(remote, files, request.param, fwd=False,
                 extra=['--dns-forward', FWD4, '--dns-forward', FWD6])
    yield i
    i.stop()


@pytest.mark.parametrize('proto', ['udp', 'tcp'])
@pytest.mark.parametrize('fam', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('qtype', ['A', 'AAAA'])
def test_dig_through_forwarder(inst, fam, proto, qtype):
    server = FWD4 if fam == 4 else FWD6
    off = inst.log_size()
    res = run(inst.prefix + ['dig', '+short', '+time=2', '+tries=2',
                             '+tcp' if proto == 'tcp' else '+notcp',
                             f'@{server}', NAME, qtype], timeout=20)
    log = inst.read_log(off)
    check_sanitizers(inst.proc.output + log, inst.mode)
    assert res.returncode == 0, f'{res.stdout}\n{res.stderr}\n{log}'
    assert res.stdout.strip() == ANSWER[qtype], \
        f'{res.stdout}\n{res.stderr}\n{log}'


def test_other_ports_not_forwarded(inst):
    """Only port 53 is mapped: nothing listens on the forwarding address"""
    res = run(inst.prefix + ['dig', '+short', '+time=1', '+tries=1',
                             '-p', '54', f'@{FWD4}', NAME], timeout=20)
    assert ANSWER['A'] not in res.stdout, res.stdout


def test_dns_host_chooses_resolver(remote, files, dnsmasq):
    """--dns-host wins over resolv.conf: nothing answers DNS at REMOTE's
    203.0.113.7, so queries fail there, while they work by default"""
    i = Instance(remote, files, 'pasta', fwd=False,
                 extra=['--dns-forward', FWD4, '--dns-host', '203.0.113.7'])
    try:
        res = run(i.prefix + ['dig', '+short', '+time=1', '+tries=1',
                              f'@{FWD4}', NAME, 'A'], timeout=20)
        assert ANSWER['A'] not in res.stdout, res.stdout
        assert res.returncode != 0 or 'refused' in res.stdout.lower(), \
            res.stdout
    finally:
        i.stop()


@pytest.mark.parametrize('args', [['--dns-forward', 'nonsense'],
                                  ['--dns-host', '224.0.0.1'],
                                  ['--dns-forward', '192.0.2.53',
                                   '--dns-forward', '192.0.2.54']])
def test_dns_options_bad_values(args):
    res = run([conftest.PASST, *args, '--version'], timeout=10)
    assert res.returncode == 1, res.stdout + res.stderr
    assert args[-2] in res.stderr, res.stderr

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host isolation looks routes up as the host socket will use them
# (policy/fwd.c, fwd_route_type()): from the -o address and through the
# --outbound-if4/6 interface. A namespace of this module's own, OIF, holds
# two links, each a veth pair with one end left without an address:
#
#   d0 198.51.100.1/24, default via 198.51.100.254   (the template interface)
#   d1 203.0.113.1/24
#
# pasta (as nobody, --no-map-host) serves a new namespace from OIF, whose
# command connects to 203.0.113.1, the host's own address on d1:
#
#   - without --outbound-if4, the socket would reach the host itself: the
#     flow is refused (RST, "Host isolation: refused ... (host address)")
#   - with --outbound-if4 d0, the socket is bound to d0, and the kernel
#     sends its SYN out of d0 (ip route get 203.0.113.1 oif d0: unicast via
#     198.51.100.254): it doesn't reach the host, and the check agrees, so
#     nothing is refused; the SYN goes unanswered
#
# Traffic stays in OIF: the veth peers have no address and nothing behind.

import os

import pytest

from conftest import PREFIX, pasta_argv, require_binaries, run, run_in

OIF = f'{PREFIX}{os.getpid()}-oif'

CLIENT = r'''
import socket
try:
    socket.create_connection(('203.0.113.1', 9), timeout=2)
    print('connected')
except ConnectionRefusedError:
    print('refused')
except (TimeoutError, socket.timeout):
    print('timeout')
except OSError as e:
    print('error', e.errno)
'''


@pytest.fixture(scope='module')
def oif():
    run(['ip', 'netns', 'add', OIF], check=True)
    try:
        for cmd in (['link', 'set', 'lo', 'up'],
                    ['link', 'add', 'd0', 'type', 'veth', 'peer', 'd0p'],
                    ['link', 'add', 'd1', 'type', 'veth', 'peer', 'd1p'],
                    ['addr', 'add', '198.51.100.1/24', 'dev', 'd0'],
                    ['addr', 'add', '203.0.113.1/24', 'dev', 'd1'],
                    ['link', 'set', 'd0', 'up'], ['link', 'set', 'd0p', 'up'],
                    ['link', 'set', 'd1', 'up'], ['link', 'set', 'd1p', 'up'],
                    ['route', 'add', 'default', 'via', '198.51.100.254',
                     'dev', 'd0']):
            run(['ip', '-n', OIF] + cmd, check=True)
        yield OIF
    finally:
        run(['ip', 'netns', 'del', OIF])


def connect_through_pasta(ns, *args):
    require_binaries()
    res = run_in(ns, pasta_argv('--config-net', '--no-map-host', '-D', 'none',
                                '-t', 'none', '-u', 'none', *args, '--',
                                'python3', '-c', CLIENT),
                 user='nobody', timeout=20)
    return res.returncode, res.stdout.strip(), res.stdout + res.stderr


def test_own_address_refused(oif):
    rc, result, out = connect_through_pasta(oif)
    assert rc == 0, out
    assert result == 'refused', out
    assert 'Host isolation: refused TCP' in out, out
    assert '(host address)' in out, out


def test_outbound_if_looked_up_as_bound(oif):
    rc, result, out = connect_through_pasta(oif, '--outbound-if4', 'd0')
    assert rc == 0, out
    assert 'Host isolation: refused TCP from' not in out, out
    assert 'Host isolation: refused 0 TCP' in out, out
    assert result == 'timeout', out

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Command line: --version, --help, unknown options, bad values. Both modes
# (the mode follows the basename of argv[0]). Everything runs as nobody in
# HOST, like every other invocation of our binaries.

import os

import pytest

from conftest import (passt_argv, pasta_argv, require_binaries, run_in,
                      run_pasta, start_passt)

MODES = {'passt': passt_argv, 'pasta': pasta_argv}


def run_bin(topo, mode, *args, timeout=10):
    require_binaries()
    res = run_in(topo.host, MODES[mode](*args), user='nobody',
                 timeout=timeout)
    return res.returncode, res.stdout + res.stderr


@pytest.mark.parametrize('mode', MODES)
def test_version(topo, mode):
    rc, out = run_bin(topo, mode, '--version')
    assert rc == 0, out
    assert out.strip(), 'no version printed'


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('opt', ['-h', '--help'])
def test_help(topo, mode, opt):
    rc, out = run_bin(topo, mode, opt)
    assert rc == 0, out
    assert 'usage' in out.lower(), out
    # Usage lists the basic options
    for o in ('--mtu', '--address', '--pcap'):
        assert o in out, f'{o} missing from usage:\n{out}'


@pytest.mark.parametrize('mode', MODES)
def test_unknown_option(topo, mode):
    rc, out = run_bin(topo, mode, '--x')
    assert rc == 1, out
    assert "unrecognized option '--x'" in out, out


def _bad_args(mode, tmp):
    """Extra arguments so that a wrongly accepted option doesn't run long"""
    if mode == 'passt':
        return ['-f', '-1', '-s', os.path.join(tmp, 'never.sock')]
    return []


def _cmd(mode):
    return ['--', 'true'] if mode == 'pasta' else []


BAD_VALUES = [
    (['-m', '12'], '12'),
    (['-m', '65521'], '65521'),
    (['-m', 'abc'], 'abc'),
    (['-a', 'notanaddress'], 'notanaddress'),
    (['-n', '33'], '33'),
    (['-n', '255.0.255.0'], '255.0.255.0'),
    (['-g', 'notanaddress'], 'notanaddress'),
    (['-M', 'zz:zz'], 'zz:zz'),
    (['-M', '02:00:00:00:00'], '02:00:00:00:00'),
    (['-D', 'notanaddress'], 'notanaddress'),
    (['-p', '/nonexistent/dir/file.pcap'], '/nonexistent/dir/file.pcap'),
    (['-o', 'notanaddress'], 'notanaddress'),
    (['-o', '224.0.0.1'], '224.0.0.1'),
    (['--outbound', '::1'], '::1'),
    (['-o', '192.0.2.20', '-o', '192.0.2.21'], '192.0.2.21'),
    (['--map-host-loopback', 'notanaddress'], 'notanaddress'),
    (['--map-host-loopback', '127.0.0.1'], '127.0.0.1'),
    (['--map-host-loopback', '192.0.2.5', '--map-host-loopback',
      '192.0.2.6'], '192.0.2.6'),
    (['--map-guest-addr', '0.0.0.0'], '0.0.0.0'),
    (['--map-guest-addr', 'ff02::1'], 'ff02::1'),
    (['--map-guest-addr', '192.0.2.1'], '--map-guest-addr'),
    # Host isolation: allow-lists are plain lists of host ports
    (['--no-map-host', '--host-allow-tcp', '0'],
     "Invalid --host-allow-tcp: Port 0 is not valid in '0'"),
    (['--no-map-host', '--host-allow-tcp', ''],
     "Invalid --host-allow-tcp: empty list of ports"),
    (['--no-map-host', '--host-allow-tcp', 'none'],
     "not a keyword in 'none'"),
    (['--no-map-host', '--host-allow-tcp', 'all'],
     "not a keyword in 'all'"),
    (['--no-map-host', '--host-allow-tcp', '127.0.0.1/22'],
     "no address or interface in '127.0.0.1/22'"),
    (['--no-map-host', '--host-allow-tcp', '8080:80'],
     "can't be translated in '8080:80'"),
    (['--no-map-host', '--host-allow-udp', 'abc'],
     "Invalid --host-allow-udp: Invalid port specification 'abc'"),
    (['--no-map-host', '--host-refuse', 'maybe'],
     'Invalid --host-refuse: maybe'),
    (['--stats', '0'], 'Invalid --stats delay: 0'),
    (['--stats', 'x'], 'Invalid --stats delay: x'),
    (['--stats', '86401'], 'Invalid --stats delay: 86401'),
    (['--busy-poll', '1001'], 'Invalid --busy-poll: 1001'),
    (['--busy-poll', '-1'], 'Invalid --busy-poll: -1'),
    (['--busy-poll', '5us'], 'Invalid --busy-poll: 5us'),
    (['--map-host-addr', '192.0.2.1'], 'Invalid --map-host-addr: 192.0.2.1'),
    # Allow-list options without --no-map-host
    (['--host-allow-tcp', '22'], 'only apply with --no-map-host'),
    (['--host-allow-udp', '53'], 'only apply with --no-map-host'),
    (['--host-allow-ping'], 'only apply with --no-map-host'),
    (['--host-refuse', 'drop'],
     'only applies with --no-map-host or egress rules'),
    (['--egress-default', 'allow', '--host-refuse', 'drop'],
     'only applies with --no-map-host or egress rules'),
    # Egress policy: SPEC errors say what was wrong
    (['--egress-deny', 'bogus'], "'bogus' is not a prefix"),
    (['--egress-deny', '192.0.2.0/33'], "'192.0.2.0/33' is not a prefix"),
    (['--egress-allow', '2001:db8::/32:tcp:443'], 'in brackets'),
    (['--egress-deny', '192.0.2.0/24:sctp'], "unknown protocol 'sctp'"),
    (['--egress-deny', '192.0.2.0/24:icmp:7'], 'icmp has no ports'),
    (['--egress-deny', '192.0.2.0/24:tcp:~22'], 'exclusions only'),
    (['--egress-deny', '192.0.2.0/24:tcp:0'], 'Invalid --egress-deny'),
    (['--egress-allow', 'metadata:tcp:8080:80'], 'Invalid --egress-allow'),
    (['--egress-default', 'maybe'], 'Invalid --egress-default: maybe'),
    # --runas UID|UID:GID|LOGIN|LOGIN:GROUP (test_sandbox.py: good values)
    (['--runas', ''],
     'Invalid --runas:  (use UID, UID:GID, LOGIN or LOGIN:GROUP)'),
    (['--runas', ':1'],
     'Invalid --runas: :1 (use UID, UID:GID, LOGIN or LOGIN:GROUP)'),
    (['--runas', 'nobody:'],
     'Invalid --runas: nobody: (use UID, UID:GID, LOGIN or LOGIN:GROUP)'),
    (['--runas', 'nosuchuser'],
     'Invalid --runas: no such user or group in nosuchuser'),
    (['--runas', '1:nosuchgroup'],
     'Invalid --runas: no such user or group in 1:nosuchgroup'),
    (['--runas', 'nobody:nosuchgroup'],
     'Invalid --runas: no such user or group in nobody:nosuchgroup'),
    # --dns-host: an interface only for a link-local address, an existing one
    (['--dns-host', 'fe80::1%pstnosuchif'],
     'Invalid address for --dns-host: fe80::1%pstnosuchif (an interface'),
    (['--dns-host', '2001:db8::1%lo'],
     'Invalid address for --dns-host: 2001:db8::1%lo (an interface'),
    # root is never a target, however named
    (['--runas', '0'], "Invalid --runas: 0: UID or GID 0 (root) can't be"),
    (['--runas', 'root'],
     "Invalid --runas: root: UID or GID 0 (root) can't be"),
    (['--runas', '65534:0'],
     "Invalid --runas: 65534:0: UID or GID 0 (root) can't be"),
    (['--runas', 'nobody:root'],
     "Invalid --runas: nobody:root: UID or GID 0 (root) can't be"),
]


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('args,shown', BAD_VALUES,
                         ids=[' '.join(a) for a, _ in BAD_VALUES])
def test_bad_value(topo, tmp, mode, args, shown):
    """Bad values: exit 1, and the message shows what was wrong"""
    rc, out = run_bin(topo, mode, *_bad_args(mode, tmp), *args, *_cmd(mode))
    assert rc == 1, out
    assert shown in out, f'error message should mention {shown!r}:\n{out}'


# Host isolation options with good values. With --version last, only each
# value is checked (--version exits right away, before the checks across
# options); then a real start of both modes.
ISOLATION_GOOD = [
    ['--no-map-host'],
    ['--map-host-addr', 'none'],
    ['--no-map-host', '--host-allow-tcp', '22,8080-8090',
     '--host-allow-tcp', '~22', '--host-allow-udp', '53,5353',
     '--host-allow-ping', '--host-refuse', 'drop', '--stats', '60'],
    ['--map-host-addr', 'none', '--host-allow-udp', '1000-2000,~1500',
     '--host-refuse', 'reject', '--stats', '1'],
    ['--egress-deny', 'private', '--egress-deny', 'metadata',
     '--egress-allow', '198.51.100.7:tcp:443,8443',
     '--egress-deny', '[2001:db8::]/32:udp', '--host-refuse', 'drop'],
    ['--egress-default', 'deny', '--egress-allow', '0.0.0.0/0:tcp:443',
     '--egress-allow', '[::]/0:tcp:443', '--egress-allow', 'loopback',
     '--no-map-host', '--stats', '1'],
]


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('args', ISOLATION_GOOD,
                         ids=[' '.join(a) for a in ISOLATION_GOOD])
def test_isolation_good_values(topo, mode, args):
    rc, out = run_bin(topo, mode, *args, '--version')
    assert rc == 0, out


@pytest.mark.parametrize('args', ISOLATION_GOOD,
                         ids=[' '.join(a) for a in ISOLATION_GOOD])
def test_isolation_options_start_passt(topo, tmp, args):
    """passt starts with them: its socket appears, and it keeps running"""
    p = start_passt(topo, tmp, *args)
    assert p.running(), p.output


@pytest.mark.parametrize('args', ISOLATION_GOOD,
                         ids=[' '.join(a) for a in ISOLATION_GOOD])
def test_isolation_options_start_pasta(topo, tmp, args):
    """pasta starts with them, and runs its command to completion"""
    res = run_pasta(topo, tmp, args, 'exit 0\n')
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize('mode', MODES)
def test_ipv4_and_ipv6_only_exclusive(topo, tmp, mode):
    rc, out = run_bin(topo, mode, *_bad_args(mode, tmp), '-4', '-6',
                      *_cmd(mode))
    assert rc == 1, out
    assert out.strip()


@pytest.mark.parametrize('args', [['-I', 'a' * 16],
                                  ['--ns-mac-addr', 'zz:zz'],
                                  ['--netns', '/nonexistent/netns'],
                                  ['--userns', '/nonexistent/userns'],
                                  ['999999999']],
                         ids=['ifname-too-long', 'ns-mac-addr', 'netns',
                              'userns', 'no-such-pid'])
def test_pasta_bad_values(topo, args):
    rc, out = run_bin(topo, 'pasta', *args)
    assert rc == 1, out
    assert out.strip()


SPLICE_BAD = [
    (['-T', '0'], '--tcp-ns'),
    (['-T', 'abc'], "'abc'"),
    (['-U', '70000'], '70000'),
    (['-T', 'auto', '-T', '22'], "can't be combined with 'auto'"),
    (['-t', 'auto', '-t', '80'], "can't be combined with 'auto'"),
    (['--no-splice', '--splice-only'], 'mutually exclusive'),
    (['--exit-linger', '-1'], 'Invalid --exit-linger: -1'),
    (['--exit-linger', '3601'], 'Invalid --exit-linger: 3601'),
    (['--exit-linger', '2s'], 'Invalid --exit-linger: 2s'),
]


@pytest.mark.parametrize('args,shown', SPLICE_BAD,
                         ids=[' '.join(a) for a, _ in SPLICE_BAD])
def test_pasta_forwarding_bad_values(topo, args, shown):
    """Bad -T/-U/-t auto/splice options: exit 1 before anything starts"""
    rc, out = run_bin(topo, 'pasta', *args, '--', 'true')
    assert rc == 1, out
    assert shown in out, f'error message should mention {shown!r}:\n{out}'


@pytest.mark.parametrize('args,shown', [
    (['--tcp-ns', '22'], '--tcp-ns is for pasta mode only'),
    (['--udp-ns', '22'], '--udp-ns is for pasta mode only'),
    (['--no-splice'], '--no-splice is for pasta mode only'),
    (['--splice-only'], '--splice-only is for pasta mode only'),
    (['--host-lo-to-ns-lo'], '--host-lo-to-ns-lo is for pasta mode only'),
    (['--exit-linger', '1'], '--exit-linger is for pasta mode only'),
    (['-t', 'auto'], "'auto' is only valid for pasta"),
    (['-u', 'auto'], "'auto' is only valid for pasta"),
], ids=['tcp-ns', 'udp-ns', 'no-splice', 'splice-only', 'host-lo-to-ns-lo',
        'exit-linger',
        't-auto', 'u-auto'])
def test_pasta_forwarding_options_in_passt(topo, tmp, args, shown):
    rc, out = run_bin(topo, 'passt', *_bad_args('passt', tmp), *args)
    assert rc == 1, out
    assert shown in out, out


def test_pasta_netns_and_pid(topo):
    """--netns and a PID can't be given together"""
    rc, out = run_bin(topo, 'pasta', '--netns', '/proc/1/ns/net', '1')
    assert rc == 1, out


@pytest.mark.parametrize('args', [['-s', '/tmp/x.sock'], ['-1'],
                                  ['-F', '5']],
                         ids=['socket', 'one-off', 'fd'])
def test_passt_only_options_in_pasta(topo, args):
    rc, out = run_bin(topo, 'pasta', *args, '--', 'true')
    assert rc == 1, out


@pytest.mark.parametrize('args', [['-I', 'tap0'], ['--config-net'],
                                  ['--ns-mac-addr', '02:00:00:00:00:01'],
                                  ['--netns', '/proc/1/ns/net']],
                         ids=['ns-ifname', 'config-net', 'ns-mac-addr',
                              'netns'])
def test_pasta_only_options_in_passt(topo, tmp, args):
    rc, out = run_bin(topo, 'passt', *_bad_args('passt', tmp), *args)
    assert rc == 1, out




def test_no_system_logger_no_reconnects(topo, tmp):
    """Without a system logger (no /dev/log, as on this test machine), the
    start-up messages don't each try to connect to one (glibc's syslog(3)
    would, three system calls a message); with one, syslog(3) connects
    once, at start. pasta runs a command to completion under strace."""
    require_binaries()
    if pasta_argv()[0].endswith('.asan'):
        pytest.skip('sanitizer build: LeakSanitizer fails under ptrace')
    out = os.path.join(tmp, 'strace')
    res = run_in(topo.host, ['strace', '-f', '-qq', '-e',
                             'trace=execve,connect', '-o', out] +
                 pasta_argv('--config-net', '--', '/bin/true'),
                 user='nobody', timeout=20)
    assert res.returncode == 0, res.stdout + res.stderr
    with open(out) as f:
        trace = f.read()
    assert 'execve("/bin/true"' in trace, trace	# strace saw it all
    tries = trace.count('"/dev/log"')
    assert tries <= (1 if os.path.exists('/dev/log') else 0), trace

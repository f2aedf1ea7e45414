# SPDX-License-Identifier: GPL-2.0-or-later
#
# Egress policy (--egress-deny, --egress-allow, --egress-default), for pasta
# (a namespace) and passt (a GUEST namespace behind tap_relay), IPv4 and
# IPv6, on test_isolation.py's topology and tool:
#
#  ┌──────────────────────────────┐ veth ┌───────────────────────────────┐
#  │ REMOTE                       ├──────┤ HOST                          │
#  │ r0 192.0.2.1, 2001:db8:1::1  │      │ h0 192.0.2.2, 2001:db8:1::2   │
#  │ lo, servers on port P and OK:│      │ DNS answerer on port 53       │
#  │   IN  203.0.113.7 (in the    │      │ pasta or passt, as nobody:    │
#  │       denied /25), and       │      │   open   no egress option     │
#  │       2001:db8:3::7 (in the  │      │   deny   deny IN's prefixes,  │
#  │       denied /64)            │      │          allow IN, tcp, OK;   │
#  │   OUT 203.0.113.207,         │      │          deny metadata and    │
#  │       2001:db8:3:1::7        │      │          private; --debug     │
#  │   META 169.254.169.254 (and  │      │   allow  --egress-default     │
#  │       a route to it on HOST) │      │          deny, allow OUT, tcp │
#  └──────────────────────────────┘      │   drop   deny IN's prefixes,  │
#                                        │          --host-refuse drop   │
#                                        └──────────────┬────────────────┘
#                                                       │ tap, or socket
#                                        ┌──────────────┴────────────────┐
#                                        │ guest 192.0.2.50, 2001:db8:1::50│
#                                        └───────────────────────────────┘
#
# A denied prefix refuses the listener there (TCP reset, ICMP
# "administratively prohibited" for UDP and ping) while OUT stays reachable,
# and the open instance (the control) reaches both; one port allowed (TCP
# only) inside the denied prefix gets through; --egress-default deny with
# allows is an allow-list, and connections and datagrams REMOTE sends to a
# forwarded port (-t, -u) still reach the guest and get its replies;
# "metadata" refuses 169.254.169.254; the DNS
# forwarder still answers, also with a default of deny. Every refusal is
# counted (the SIGUSR1 line) and logged with the option whose rule matched.
#
# "private": the guest's destinations come from the deny instance's own
# --debug listing of the set (no private-range literal here), and can't
# leave the test's namespaces: HOST has prohibit routes for them, and a
# capture on all of HOST's interfaces, which sees the allowed flow to OUT
# made at the same time, must see no packet to them at all.
#
# At run time (ctl-MODE instances, with -c SOCK): pesto replaces the
# policy and lists it; a UDP flow the guest opened before the change keeps
# working after it, new flows follow the new rules; a request that fails
# elsewhere changes nothing.
#
# Addresses: documentation ranges, and 169.254.169.254 (link-local).
# Ports: 16200-16299.

import ipaddress
import os
import re
import signal
import time

import pytest

import conftest
from conftest import (HOST4, HOST6, REMOTE4, run_in, sh_ns, spawn_in,
                      wait_until)
from test_isolation import (FWD4, FWD6, G4, G6, PING_ERR, UDP_ERR, Iso,
                            iso_files, keep, par)  # noqa: F401
from test_ctl import PESTO
from test_tcp import PY, SRV4, SRV6, remote  # noqa: F401

MODES = ['pasta', 'passt']

IN = {4: SRV4, 6: SRV6}				# in the denied prefixes
OUT = {4: '203.0.113.207', 6: '2001:db8:3:1::7'}	# outside them
DENIED = {4: '203.0.113.0/25', 6: '[2001:db8:3::]/64'}
META4 = '169.254.169.254'
P, P_OK = 16201, 16202		# P_OK: allowed inside the denied prefixes
P_PRIV = 16203
P_IN = {'pasta': 16204, 'passt': 16205}	# -t (and -u, following it)
PEER = {4: HOST4, 6: HOST6}	# what REMOTE's servers see

VARIANTS = {
    'open': [],
    'deny': ['--egress-deny', DENIED[4], '--egress-deny', DENIED[6],
             '--egress-allow', f'{IN[4]}:tcp:{P_OK}',
             '--egress-allow', f'[{IN[6]}]:tcp:{P_OK}',
             '--egress-deny', 'metadata', '--egress-deny', 'private',
             '--debug'],
    'allow': ['--egress-default', 'deny',
              '--egress-allow', f'{OUT[4]}:tcp',
              '--egress-allow', f'[{OUT[6]}]:tcp'],
    'drop': ['--egress-deny', DENIED[4], '--egress-deny', DENIED[6],
             '--host-refuse', 'drop'],
}

COUNTERS_RE = re.compile(r'Egress policy: refused (\d+) TCP, (\d+) UDP, '
                         r'(\d+) ICMP; (\d+) by a rule, (\d+) by default; '
                         r'(\d+) refusals not logged')
RULE_RE = re.compile(r'Egress rule \d+: deny (\S+)/(\d+), \d+ port ranges, '
                     r'from --egress-deny private')

# A capture on every interface of a namespace: counts IP packets to each
# network given, until SIGTERM, then prints "NET COUNT" lines
SNIFF = r'''
import ipaddress, signal, socket, sys

nets = [ipaddress.ip_network(n) for n in sys.argv[1:]]
count = {n: 0 for n in nets}
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))


def done(*a):
    for n in nets:
        print(n, count[n])
    sys.stdout.flush()
    sys.exit(0)


signal.signal(signal.SIGTERM, done)
print('listening')
sys.stdout.flush()
while True:
    d, a = s.recvfrom(65535)
    try:
        if d[0] >> 4 == 4:
            dst = ipaddress.ip_address(d[16:20])
        elif d[0] >> 4 == 6:
            dst = ipaddress.ip_address(d[24:40])
        else:
            continue
    except (IndexError, ValueError):
        continue
    for n in nets:
        if dst.version == n.version and dst in n:
            count[n] += 1
'''


# A UDP flow held open: one datagram and its reply, then, once FILE
# exists, another one on the same socket
HOLD = r'''
import os, socket, sys, time

addr, port, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((addr, port))
for what in ('first', 'second'):
    s.send(what.encode())
    try:
        print(what, s.recv(200).decode().strip(), flush=True)
    except OSError as e:
        print(what, 'error', e, flush=True)
    while what == 'first' and not os.path.exists(flag):
        time.sleep(0.05)
'''


class Egress(Iso):
    """Module state: REMOTE's servers, HOST's DNS answerer, instances (see
    test_isolation's Iso: tool(), serve() and get() are its own)"""
    variants = VARIANTS

    def __init__(self, topo, files):
        super().__init__(topo, files)
        self.last_refusal = {}
        self.sniff = os.path.join(files['dir'], 'sniff.py')
        with open(self.sniff, 'w') as f:
            f.write(SNIFF)
        self.hold = os.path.join(files['dir'], 'hold.py')
        with open(self.hold, 'w') as f:
            f.write(HOLD)
        # ctl-MODE: the control socket, in a directory of nobody's
        ctl = os.path.join(files['dir'], 'ctl')
        os.makedirs(ctl, exist_ok=True)
        os.chown(ctl, 65534, 65534)
        self.ctl = {m: os.path.join(ctl, f'{m}.sock') for m in MODES}
        self.variants = dict(VARIANTS, **{f'ctl-{m}': ['-c', self.ctl[m]]
                                          for m in MODES})
        # in-MODE: the allow-list, and a forwarded port of its own
        self.variants.update({f'in-{m}': VARIANTS['allow'] +
                              ['-t', str(P_IN[m])] for m in MODES})

    def setup(self):
        t = self.topo
        sh_ns(t.remote, f'''
            ip addr add {OUT[4]}/32 dev lo
            ip addr add {OUT[6]}/128 dev lo nodad
            ip addr add {META4}/32 dev lo
        ''')
        sh_ns(t.host, f'ip route add {META4}/32 via {REMOTE4} dev h0')
        for dst in (OUT[4], OUT[6], META4):
            wait_until(lambda: run_in(t.host, ['ping', '-c1', '-W1', dst]
                                      ).returncode == 0,
                       timeout=10, what=f'{dst} reachable from HOST')
        specs = []
        for f in (4, 6):
            specs += [f'{IN[f]},{P}', f'{IN[f]},{P_OK}', f'{OUT[f]},{P}']
        specs += [f'{META4},{P}']
        self.srv = self.serve(t.remote, 'serve', 'remote', *specs)
        self.dns = self.serve(t.host, 'dns', HOST4, HOST6)

    def teardown(self):
        t = self.topo
        for inst in self.insts.values():
            inst.stop()
            conftest.check_sanitizers(inst.proc.output + inst.read_log(),
                                      f'{inst.mode} {inst.variant}')
        for p in self.procs:
            p.stop()
        run_in(t.host, ['ip', 'route', 'del', f'{META4}/32'])
        for a in (f'{OUT[4]}/32', f'{OUT[6]}/128', f'{META4}/32'):
            run_in(t.remote, ['ip', 'addr', 'del', a, 'dev', 'lo'])

    def counters(self, inst):
        """(TCP, UDP, ICMP, by rule, by default, not logged) refusals"""
        off = inst.log_size()
        os.kill(inst.pid, signal.SIGUSR1)
        m = wait_until(lambda: COUNTERS_RE.search(inst.read_log(off)),
                       timeout=5, what=f'{inst.mode} egress counters')
        return tuple(int(x) for x in m.groups())

    def window(self, inst):
        return Window(self, inst)

    def pesto(self, mode, *args):
        return run_in(self.topo.host, [PESTO] + list(args) + [self.ctl[mode]],
                      user='nobody', timeout=10)


class Window:
    """Counters and log lines of one test's refusals on an instance, after
    the one-second log window of the previous test there (10 lines at
    most per window: every line of this test gets logged)"""

    def __init__(self, eg, inst):
        self.eg, self.inst = eg, inst

    def __enter__(self):
        key = (self.inst.mode, self.inst.variant)
        left = self.eg.last_refusal.get(key, 0) + 1.05 - time.monotonic()
        if left > 0:
            time.sleep(left)	# the log rate limit's window
        self.before = self.eg.counters(self.inst)
        self.off = self.inst.log_size()
        return self

    def __exit__(self, *exc):
        self.eg.last_refusal[(self.inst.mode, self.inst.variant)] = \
            time.monotonic()
        if exc[0] is None:
            self.after = self.eg.counters(self.inst)
            self.log = self.inst.read_log(self.off)

    @property
    def delta(self):
        return tuple(a - b for a, b in zip(self.after, self.before))

    def lines(self):
        return sorted(re.sub(r'^.*?(Egress policy:)', r'\1', line)
                      for line in self.log.splitlines()
                      if 'Egress policy: refused' in line and
                      ' by a rule' not in line)


@pytest.fixture(scope='module')
def eg(remote, iso_files):
    e = Egress(remote, iso_files)
    try:
        e.setup()
        yield e
    finally:
        e.teardown()


def results(res):
    return {k: v[1] for k, v in res.items()}


def log_of(*insts):
    return ''.join(f'\n--- {i.mode} {i.variant} log ---\n{i.read_log()}'
                   for i in insts)


def line(src, sport, dst, port, why, proto='TCP'):
    return (f'Egress policy: refused {proto} from {src}:{sport} to '
            f'{dst}:{port} ({why})')


def echo_line(dst, why):
    src = G6 if ':' in dst else G4
    proto = 'ICMPv6' if ':' in dst else 'ICMP'
    return f'Egress policy: refused {proto} echo from {src} to {dst} ({why})'


# ---------------------------------------------------------------------------

@pytest.mark.parametrize('fam', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('mode', MODES)
def test_deny_prefix(eg, mode, fam):
    """A denied prefix refuses the listener there, OUT stays reachable; the
    control reaches both"""
    op, de = eg.get(mode, 'open'), eg.get(mode, 'deny')
    src = G4 if fam == 4 else G6
    specs = [f'{p},{a},{P}' for a in (IN[fam], OUT[fam])
             for p in ('tcp', 'udp')]

    o, (orc, oping) = par(lambda: op.probe(specs),
                          lambda: op.ping(IN[fam]))
    assert results(o) == {s: f'reply remote {PEER[fam]}' for s in specs}, \
        log_of(op)
    assert orc == 0 and '1 received' in oping, oping + log_of(op)

    why = f'--egress-deny {DENIED[fam]}'
    with eg.window(de) as win:
        d, (drc, dping) = par(lambda: de.probe(specs),
                              lambda: de.ping(IN[fam]))
    assert results(d) == {
        f'tcp,{IN[fam]},{P}': 'refused',
        f'udp,{IN[fam]},{P}': UDP_ERR[fam],
        f'tcp,{OUT[fam]},{P}': f'reply remote {PEER[fam]}',
        f'udp,{OUT[fam]},{P}': f'reply remote {PEER[fam]}',
    }, log_of(de)
    assert drc != 0 and PING_ERR[fam] in dping, dping + log_of(de)
    assert win.delta == (1, 1, 1, 3, 0, 0), log_of(de)
    assert win.lines() == sorted([
        line(src, d[f'tcp,{IN[fam]},{P}'][0], IN[fam], P, why),
        line(src, d[f'udp,{IN[fam]},{P}'][0], IN[fam], P, why, 'UDP'),
        echo_line(IN[fam], why)]), win.log


@pytest.mark.parametrize('fam', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('mode', MODES)
def test_allow_port_in_denied_prefix(eg, mode, fam):
    """--egress-allow IN:tcp:OK, inside a denied prefix: TCP to that port
    gets through, UDP to it and TCP to another port don't"""
    de = eg.get(mode, 'deny')
    src = G4 if fam == 4 else G6
    specs = [f'tcp,{IN[fam]},{P_OK}', f'udp,{IN[fam]},{P_OK}']
    with eg.window(de) as win:
        d = de.probe(specs)
    assert results(d) == {specs[0]: f'reply remote {PEER[fam]}',
                          specs[1]: UDP_ERR[fam]}, log_of(de)
    assert win.delta == (0, 1, 0, 1, 0, 0), log_of(de)
    assert win.lines() == [line(src, d[specs[1]][0], IN[fam], P_OK,
                                f'--egress-deny {DENIED[fam]}', 'UDP')]


@pytest.mark.parametrize('fam', [4, 6], ids=['ipv4', 'ipv6'])
@pytest.mark.parametrize('mode', MODES)
def test_default_deny_allow_list(eg, mode, fam):
    """--egress-default deny and allows: an allow-list (TCP to OUT only)"""
    al = eg.get(mode, 'allow')
    src = G4 if fam == 4 else G6
    specs = [f'tcp,{OUT[fam]},{P}', f'udp,{OUT[fam]},{P}',
             f'tcp,{IN[fam]},{P}']
    with eg.window(al) as win:
        a = al.probe(specs)
    assert results(a) == {specs[0]: f'reply remote {PEER[fam]}',
                          specs[1]: UDP_ERR[fam],
                          specs[2]: 'refused'}, log_of(al)
    assert win.delta == (1, 1, 0, 0, 2, 0), log_of(al)
    why = '--egress-default deny'
    assert win.lines() == sorted([
        line(src, a[specs[1]][0], OUT[fam], P, why, 'UDP'),
        line(src, a[specs[2]][0], IN[fam], P, why)])


@pytest.mark.parametrize('mode', MODES)
def test_inbound_not_egress(eg, mode):
    """With --egress-default deny and nothing allowed towards REMOTE's
    address, REMOTE still reaches the guest through -t and -u, and the
    guest's replies get back: flows the host starts aren't egress"""
    al = eg.get(mode, f'in-{mode}')
    port = P_IN[mode]
    srv = keep(al.spawn('serve', 'guest', f'0.0.0.0,{port}', f'::,{port}'))
    try:
        srv.wait_output('listening', timeout=10)
        with eg.window(al) as win:
            res = run_in(eg.topo.remote, eg.tool(
                'probe', 3, f'tcp,{HOST4},{port}', f'udp,{HOST4},{port}',
                f'tcp,{HOST6},{port}', f'udp,{HOST6},{port}'), timeout=60)
    finally:
        srv.stop()
    assert res.returncode == 0, res.stdout + res.stderr
    got = {line.split(' ', 2)[0]: line.split(' ', 2)[2].split(' ')[:2]
           for line in res.stdout.splitlines()}
    assert all(v == ['reply', 'guest'] for v in got.values()) and \
        len(got) == 4, res.stdout + log_of(al)
    assert win.delta == (0, 0, 0, 0, 0, 0), log_of(al)


@pytest.mark.parametrize('mode', MODES)
def test_metadata(eg, mode):
    """"metadata" refuses 169.254.169.254, which the control reaches"""
    op, de = eg.get(mode, 'open'), eg.get(mode, 'deny')
    specs = [f'tcp,{META4},{P}', f'udp,{META4},{P}']
    o = op.probe(specs)
    assert results(o) == {s: f'reply remote {HOST4}' for s in specs}, \
        log_of(op)
    with eg.window(de) as win:
        d = de.probe(specs)
    assert results(d) == {specs[0]: 'refused', specs[1]: UDP_ERR[4]}, \
        log_of(de)
    assert win.delta == (1, 1, 0, 2, 0, 0), log_of(de)
    why = '--egress-deny metadata'
    assert win.lines() == sorted([
        line(G4, d[specs[0]][0], META4, P, why),
        line(G4, d[specs[1]][0], META4, P, why, 'UDP')])


@pytest.mark.parametrize('variant', ['deny', 'allow'])
@pytest.mark.parametrize('mode', MODES)
def test_dns_forwarding(eg, mode, variant):
    """The DNS forwarder answers, UDP and TCP, IPv4 and IPv6, also with
    --egress-default deny; a direct query to the resolver's address is
    only allowed if the rules allow it"""
    inst = eg.get(mode, variant)
    specs = [f'dnsudp,{FWD4}', f'dnstcp,{FWD4}', f'dnsudp,{FWD6}',
             f'dnstcp,{FWD6}']
    direct = [f'tcp,{HOST4},53'] if variant == 'allow' else []
    with eg.window(inst) as win:
        r = inst.probe(specs + ['--'] + direct if direct else specs)
    assert results(r) == {**{s: 'answer 198.51.100.7' for s in specs},
                          **{s: 'refused' for s in direct}}, log_of(inst)
    assert win.delta == (len(direct), 0, 0, 0, len(direct), 0), \
        log_of(inst)


@pytest.mark.parametrize('mode', MODES)
def test_refuse_drop(eg, mode):
    """--host-refuse drop applies to egress refusals: no reset, no ICMP
    error; still counted"""
    dr = eg.get(mode, 'drop')
    specs = [f'tcp,{IN[4]},{P}', f'udp,{IN[4]},{P}', f'tcp,{IN[6]},{P}',
             f'tcp,{OUT[4]},{P}']
    with eg.window(dr) as win:
        r = dr.probe(specs, timeout=2.0)
    assert results(r) == {specs[0]: 'timeout', specs[1]: 'timeout',
                          specs[2]: 'timeout',
                          specs[3]: f'reply remote {HOST4}'}, log_of(dr)
    # The guest's kernel sends its SYN again: each one is refused again
    tcp, udp, icmp, by_rule, by_default, _ = win.delta
    assert tcp >= 2 and (udp, icmp, by_default) == (1, 0, 0), log_of(dr)
    assert by_rule == tcp + udp, log_of(dr)


def private_targets(inst):
    """One address in each family's first prefix of the "private" set, as
    the deny instance's --debug listing shows the set: {4: ..., 6: ...}
    and the prefixes"""
    out, nets = {}, {}
    for m in RULE_RE.finditer(inst.read_log()):
        net = ipaddress.ip_network(f'{m.group(1)}/{m.group(2)}')
        if net.version not in out:
            nets[net.version] = net
            out[net.version] = str(net.network_address + 7)
    return out, nets


@pytest.mark.parametrize('mode', MODES)
def test_private_no_packet(eg, mode):
    """"private" refuses, before any socket: a capture on all of HOST's
    interfaces sees the allowed flow to OUT, and nothing to the denied
    addresses (which HOST couldn't route anyway: prohibit routes)"""
    de = eg.get(mode, 'deny')
    t = eg.topo
    dst, nets = private_targets(de)
    assert sorted(dst) == [4, 6], de.read_log()
    for f in (4, 6):
        assert ipaddress.ip_address(dst[f]).is_private	# sanity
        sh_ns(t.host, f'ip -{f} route add prohibit {nets[f]}')
    sniff = spawn_in(t.host, [PY, eg.sniff, str(nets[4]), str(nets[6]),
                              f'{OUT[4]}/32'])
    try:
        sniff.wait_output('listening', timeout=10)
        specs = [f'tcp,{dst[4]},{P_PRIV}', f'udp,{dst[4]},{P_PRIV}',
                 f'tcp,{dst[6]},{P_PRIV}', f'udp,{dst[6]},{P_PRIV}',
                 f'tcp,{OUT[4]},{P}']
        with eg.window(de) as win:
            r = de.probe(specs)
    finally:
        sniff.stop()
        for f in (4, 6):
            run_in(t.host, ['ip', f'-{f}', 'route', 'del', 'prohibit',
                            str(nets[f])])
    assert results(r) == {specs[0]: 'refused', specs[1]: UDP_ERR[4],
                          specs[2]: 'refused', specs[3]: UDP_ERR[6],
                          specs[4]: f'reply remote {HOST4}'}, log_of(de)
    counts = dict(ln.split() for ln in sniff.output.splitlines()
                  if ln != 'listening')
    assert counts == {str(nets[4]): '0', str(nets[6]): '0',
                      f'{OUT[4]}/32': counts.get(f'{OUT[4]}/32')}, \
        sniff.output
    assert int(counts[f'{OUT[4]}/32']) > 0, sniff.output
    assert win.delta == (2, 2, 0, 4, 0, 0), log_of(de)
    why = '--egress-deny private'
    assert win.lines() == sorted([
        line(G4, r[specs[0]][0], dst[4], P_PRIV, why),
        line(G4, r[specs[1]][0], dst[4], P_PRIV, why, 'UDP'),
        line(G6, r[specs[2]][0], dst[6], P_PRIV, why),
        line(G6, r[specs[3]][0], dst[6], P_PRIV, why, 'UDP')])


@pytest.mark.parametrize('mode', MODES)
def test_pesto_replace(eg, mode):
    """pesto --egress-*: the policy is replaced whole, at once; a flow
    established before the change keeps working, new flows follow the new
    rules; a request that fails changes nothing; pesto --egress lists it"""
    inst = eg.get(mode, f'ctl-{mode}')
    flag = os.path.join(eg.files['dir'], f'hold-{mode}')
    if os.path.exists(flag):
        os.unlink(flag)

    def pesto_ok(*args):
        res = eg.pesto(mode, *args)
        assert res.returncode == 0, res.stdout + res.stderr + log_of(inst)
        return res.stdout

    assert pesto_ok('--egress') == '--egress-default allow\n'
    hold = conftest.Proc(inst.prefix + [PY, eg.hold, IN[4], str(P), flag])
    try:
        hold.wait_output(r'first .*\n', timeout=10)
        assert f'first remote {HOST4}' in hold.output, hold.output

        rules = ['--egress-deny', DENIED[4], '--egress-deny', 'metadata',
                 '--egress-allow', f'{IN[4]}:tcp:{P_OK}']
        assert pesto_ok(*rules) == ''
        assert pesto_ok('--egress') == (
            '--egress-default allow\n'
            f'--egress-deny {DENIED[4]}\n--egress-deny metadata\n'
            f'--egress-allow {IN[4]}:tcp:{P_OK}\n')

        # The established UDP flow goes on; new flows are refused
        open(flag, 'w').close()
        hold.wait_output(r'second .*\n', timeout=10)
        assert f'second remote {HOST4}' in hold.output, hold.output
    finally:
        hold.stop()
    with eg.window(inst) as win:
        r = inst.probe([f'tcp,{IN[4]},{P}', f'tcp,{IN[4]},{P_OK}',
                        f'tcp,{OUT[4]},{P}'])
    assert results(r) == {f'tcp,{IN[4]},{P}': 'refused',
                          f'tcp,{IN[4]},{P_OK}': f'reply remote {HOST4}',
                          f'tcp,{OUT[4]},{P}': f'reply remote {HOST4}'}, \
        log_of(inst)
    assert win.lines() == [line(G4, r[f'tcp,{IN[4]},{P}'][0], IN[4], P,
                                f'--egress-deny {DENIED[4]}')]

    # Bad rules: pesto says so, sends nothing
    res = eg.pesto(mode, '--egress-deny', '203.0.113.0/99')
    assert res.returncode == 1 and "is not a prefix" in res.stderr, \
        res.stderr
    # A request that fails on another change (-t 1: privileged for
    # nobody, or a table in automatic mode) changes no egress rule either
    res = eg.pesto(mode, '--egress-default', 'deny', '-t', '1')
    assert res.returncode == 1, res.stdout + res.stderr
    assert pesto_ok('--egress').startswith('--egress-default allow\n')

    # Back to no rules at all: reachable again
    assert pesto_ok('--egress-default', 'allow') == ''
    assert pesto_ok('--egress') == '--egress-default allow\n'
    r = inst.probe([f'tcp,{IN[4]},{P}'])
    assert results(r) == {f'tcp,{IN[4]},{P}': f'reply remote {HOST4}'}

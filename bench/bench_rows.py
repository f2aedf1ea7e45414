#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench_rows.py - bench/bench.py's rows: what each measures and how,
# and the target issue 22 sets for it. See bench/bench.py.

import json
import os
import re
import statistics

from bench_net import *		# noqa: F401,F403 (constants, tools)

# ---------------------------------------------------------------------------
# Measurements: each returns a Sample, or raises BenchError or NotApplicable

class NotApplicable(Exception):
    pass


class Sample:
    """One round of one cell: the value in the row's unit, what else to say
    about it, and for bulk rows the bytes received and the tool's CPU time"""

    def __init__(self, value, info='', nbytes=None, cpu_s=None, loss=None):
        self.value, self.info = value, info
        self.nbytes, self.cpu_s, self.loss = nbytes, cpu_s, loss

    @property
    def s_per_gib(self):
        if self.cpu_s is None or not self.nbytes:
            return None
        return self.cpu_s / (self.nbytes / GIB)


def cpu_around(tool, fn):
    """Run fn() -> Sample, set the Sample's cpu_s: CPU time the tool's
    processes took meanwhile (None for no tool, or if it exited)"""
    before = tool.cpu_ticks()
    s = fn()
    after = tool.cpu_ticks()
    if before is not None and after is not None and after >= before:
        s.cpu_s = (after - before) / CLK_TCK
    return s


def iperf3_json(a, secs, what):
    """Run iperf3 -J argv a: its parsed output, or BenchError"""
    try:
        rc, out, err = run(a, timeout=secs + 15)
    except BenchError:
        raise BenchError(f'{what} did not finish within {secs + 15} s '
                         f'(transfer stalled?): '
                         f'{" ".join(a[a.index(IPERF3):])}')
    try:
        j = json.loads(out)
    except ValueError:
        raise BenchError(f'{what} exit {rc}: {tail(out + err, 4)}')
    if 'error' in j:
        raise BenchError(f'{what}: {j["error"]}')
    if 'sum_received' not in j.get('end', {}):
        raise BenchError(f'{what}: no result (exit {rc})')
    if rc:
        raise BenchError(f'{what} exit {rc}')
    return j


def iperf3_client(tool, argv_prefix, dst, reverse, secs, port=IPERF_PORT):
    """iperf3 TCP client, no warm-up (-O): received rate, bytes, CPU"""
    a = argv_prefix + [IPERF3, '-c', dst, '-p', str(port), '-t',
                       str(secs), '-J']
    if reverse:
        a.append('-R')

    def go():
        j = iperf3_json(a, secs, f'iperf3{" -R" if reverse else ""}')
        recv, sent = j['end']['sum_received'], j['end']['sum_sent']
        retr = sent.get('retransmits')
        return Sample(recv['bits_per_second'] / 1e9,
                      f'{retr} retransmits' if retr is not None else '',
                      recv['bytes'])
    return cpu_around(tool, go)


def remote_iperf(tool, reverse, secs, dst=SERVER4):
    """iperf3 from NS to REMOTE; a failed test can leave the server busy"""
    try:
        return iperf3_client(tool, tool.in_ns([]), dst, reverse, secs)
    except BenchError:
        tool.topo.start_servers()
        raise


def row_tcp_out(tool, secs):
    return remote_iperf(tool, False, secs)


def row_tcp_in(tool, secs):
    return remote_iperf(tool, True, secs)


def row_tcp6_out(tool, secs):
    tool.wait_v6()
    return remote_iperf(tool, False, secs, SERVER6)


def row_tcp6_in(tool, secs):
    tool.wait_v6()
    return remote_iperf(tool, True, secs, SERVER6)


def fwd_server(tool):
    """iperf3 -s in NS (as nobody), started once a tool instance"""
    if getattr(tool, 'fwd_srv_for', None) is not tool.proc:
        srv = Proc(tool.in_ns([IPERF3, '-s', '-p', str(IPERF_PORT)]))
        wait_until(lambda: listening(tool.in_ns([], None), IPERF_PORT), 5,
                   'iperf3 server in NS')
        tool.fwd_srv, tool.fwd_srv_for = srv, tool.proc
    if not tool.fwd_srv.running():
        raise BenchError(f'iperf3 server in NS exited: '
                         f'{tail(tool.fwd_srv.output, 3)}')


def fwd_iperf(tool, reverse, secs):
    """iperf3 from REMOTE to HOST's forwarded port, server in NS"""
    if tool.fwd and tool.fwd.startswith('n/a'):
        raise NotApplicable(tool.fwd)
    if tool.fwd:
        raise BenchError(tool.fwd)
    fwd_server(tool)
    try:
        return iperf3_client(tool, in_netns(tool.topo.remote, [], 'nobody'),
                             HOST4, reverse, secs)
    except BenchError:
        tool.fwd_srv.stop()		# busy with the failed test: restart
        tool.fwd_srv_for = None
        raise


def row_fwd_in(tool, secs):
    return fwd_iperf(tool, False, secs)


def row_fwd_out(tool, secs):
    return fwd_iperf(tool, True, secs)


def tap_bytes(tool):
    """Bytes received and sent by NS's interfaces but lo (the tap device)"""
    try:
        with open(f'/proc/{tool.ns.pid}/net/dev') as f:
            lines = f.read().splitlines()[2:]
    except (OSError, AttributeError):
        return None
    n = 0
    for line in lines:
        name, data = line.split(':', 1)
        if name.strip() != 'lo':
            v = data.split()
            n += int(v[0]) + int(v[8])
    return n


def via_tap(tool, fn):
    """Run fn() -> Sample, add to its info how much went through NS's tap

    A spliced connection doesn't touch it: a few kB (the tool's own
    traffic, ARP, NDP) in a cell of gigabytes, against all of it otherwise.
    """
    before = tap_bytes(tool)
    s = fn()
    after = tap_bytes(tool)
    if before is not None and after is not None:
        s.info = ', '.join(x for x in (s.info, f'{(after - before) / 1e6:.1f}'
                                       f' MB through tap') if x)
    return s


def splice_t_iperf(tool, reverse, secs):
    """iperf3 from HOST's loopback to the -t port, server in NS

    pasta splices it to NS (ours: to NS's own address, Debian's: to NS's
    loopback); slirp4netns has no splice: its add_hostfwd on 127.0.0.1 takes
    the connection through its TCP stack and tap0 instead.
    """
    if tool.lo_fwd and tool.lo_fwd.startswith('n/a'):
        raise NotApplicable(tool.lo_fwd)
    if tool.lo_fwd:
        raise BenchError(tool.lo_fwd)
    fwd_server(tool)
    try:
        return via_tap(tool, lambda: iperf3_client(
            tool, in_netns(tool.topo.host, [], 'nobody'), LOOPBACK4,
            reverse, secs))
    except BenchError:
        tool.fwd_srv.stop()
        tool.fwd_srv_for = None
        raise


def row_splice_t_in(tool, secs):
    return splice_t_iperf(tool, False, secs)


def row_splice_t_out(tool, secs):
    return splice_t_iperf(tool, True, secs)


def splice_T_iperf(tool, reverse, secs):
    """iperf3 from NS to the -T port on its loopback, server on HOST's

    slirp4netns has no -T: NS reaches HOST's loopback through slirp's
    gateway address instead (no --disable-host-loopback), its TCP stack
    and tap0, the closest it has.
    """
    if tool.fwd and tool.fwd.startswith('n/a'):
        raise NotApplicable(tool.fwd)
    tool.topo.lo_server()
    try:
        s = via_tap(tool, lambda: iperf3_client(
            tool, tool.in_ns([]), tool.lo_dst, reverse, secs, SPLICE_PORT))
    except BenchError:
        tool.topo.lo_server_restart()
        raise
    if tool.lo_dst != LOOPBACK4:
        s.info = ', '.join(x for x in (f'to {tool.lo_dst}', s.info) if x)
    return s


def row_splice_T_out(tool, secs):
    return splice_T_iperf(tool, False, secs)


def row_splice_T_in(tool, secs):
    return splice_T_iperf(tool, True, secs)


def row_loopback(base, secs):
    """iperf3 client and server in one namespace over 127.0.0.1, no tool"""
    base.server()
    try:
        return iperf3_client(base, in_netns(base.netns, [], 'nobody'),
                             LOOPBACK4, False, secs)
    except BenchError:
        base.server_restart()
        raise


def c_client(tool, prog, key, secs):
    rc, out, err = run(tool.in_ns([prog, '-c', SERVER4, '-p',
                                   str(ECHO_PORT), '-t', str(secs)]),
                       timeout=secs + 15)
    m = re.search(rf'{key}=([0-9.]+)', out)
    if rc or not m:
        raise BenchError(f'{os.path.basename(prog)} exit {rc}: '
                         f'{tail(out + err, 3)}')
    return float(m.group(1))


def cpu_per_op(s, secs, what):
    """Append the tool's CPU time per operation to a Sample's info"""
    if s.cpu_s is not None and s.value:
        us = s.cpu_s * 1e6 / (s.value * secs)
        s.info = ', '.join(x for x in (s.info, f'{us:.1f} us CPU a {what}')
                           if x)
    return s


def row_rr(tool, secs):
    s = cpu_around(tool, lambda: Sample(c_client(tool, TCP_RR, 'rr_per_s',
                                                 secs)))
    if s.value:
        s.info = f'{1e6 / s.value:.1f} us a round trip'
    return cpu_per_op(s, secs, 'round trip')


def row_crr(tool, secs):
    s = cpu_around(tool, lambda: Sample(c_client(tool, TCP_CRR, 'crr_per_s',
                                                 secs)))
    return cpu_per_op(s, secs, 'connection')


def rcvbuf_errors(ns):
    """UDP datagrams namespace ns dropped for a full socket buffer so far
    (UdpRcvbufErrors in /proc/net/snmp), None if it can't be read"""
    rc, out, _ = run(in_netns(ns, ['cat', '/proc/net/snmp']))
    lines = [l.split() for l in out.splitlines() if l.startswith('Udp:')]
    if rc or len(lines) != 2 or 'RcvbufErrors' not in lines[0]:
        return None
    return int(lines[1][lines[0].index('RcvbufErrors')])


def udp_iperf(tool, rate, secs):
    """iperf3 -u -b rate from NS to REMOTE: the receiver's rate, and loss,
    and how much of that loss the receiving socket's full buffer in REMOTE
    explains (the rest was lost on the way: in the tool, or in NS)

    No -O here: iperf3 3.12 counts datagrams of the omitted second as lost.
    """
    a = tool.in_ns([IPERF3, '-c', SERVER4, '-p', str(IPERF_PORT), '-u',
                    '-b', rate, '-l', str(UDP_LEN), '-t', str(secs), '-J'])

    def go():
        before = rcvbuf_errors(tool.topo.remote)
        try:
            j = iperf3_json(a, secs, 'iperf3 -u')
        except BenchError:
            tool.topo.start_servers()
            raise
        after = rcvbuf_errors(tool.topo.remote)
        recv, sent = j['end']['sum_received'], j['end']['sum_sent']
        loss = recv['lost_percent']
        where = ''
        if before is not None and after is not None and \
           recv.get('lost_packets'):
            where = (f', {100 * (after - before) / recv["lost_packets"]:.0f}'
                     '% of it at the receiving socket')
        return Sample(recv['bits_per_second'] / 1e9,
                      f'{loss:.1f}% lost{where}, sent '
                      f'{sent["bits_per_second"] / 1e9:.2f} Gbit/s',
                      recv['bytes'], loss=loss)
    return cpu_around(tool, go)


def row_udp_out(tool, secs):
    return udp_iperf(tool, '0', secs)


def row_udp_rate(tool, secs):
    return udp_iperf(tool, UDP_RATE, secs)


def row_udp_rr(tool, secs):
    def go():
        rc, out, err = run(tool.in_ns([UDP_RR, '-c', SERVER4, '-p',
                                       str(ECHO_PORT), '-t', str(secs)]),
                           timeout=secs + 15)
        m = re.search(r'rr_per_s=([0-9.]+) count=\d+ lost=(\d+)', out)
        if rc or not m:
            raise BenchError(f'udp_rr exit {rc}: {tail(out + err, 3)}')
        v = float(m.group(1))
        return Sample(v, (f'{1e6 / v:.1f} us a round trip' if v else '') +
                      f', {m.group(2)} retries')
    return cpu_per_op(cpu_around(tool, go), secs, 'round trip')


PING_RE = re.compile(r'(\d+) packets transmitted, (\d+) received.*?'
                     r'time (\d+)ms.*?= ([0-9.]+)/([0-9.]+)/([0-9.]+)', re.S)


def row_ping(tool, secs):
    """ping -c PINGS -i 0 from NS to REMOTE: echo round trips a second

    As root in NS (a non-root user can't go below -i 0.002); NS's ping
    comes out of each tool as an ICMP echo socket in HOST, whose
    ping_group_range the topology opens up. Not time-boxed by --seconds:
    PINGS round trips, whatever that takes (-w 20 caps it).
    """
    rc, out, err = run(tool.in_ns(['ping', '-c', str(PINGS), '-i', '0',
                                   '-q', '-W', '1', '-w', '20', SERVER4],
                                  None), timeout=30)
    m = PING_RE.search(out)
    if not m:
        raise BenchError(f'ping exit {rc}: {tail(out + err, 3)}')
    tx, rx, avg = int(m.group(1)), int(m.group(2)), float(m.group(5))
    if not rx:
        raise BenchError(f'ping: no replies: {tail(out + err, 3)}')
    return Sample(1e3 / avg, f'avg rtt {avg * 1e3:.0f} us, {tx - rx}/{tx} '
                  'lost')


def row_start(tool, secs):
    """Start-up: median ms of this round's starts (Tool.startup())"""
    ms, kib, procs = tool.startup()
    return Sample(statistics.median(ms), f'{len(ms)} starts, '
                  f'{min(ms):.1f} to {max(ms):.1f} ms')


def row_mem(tool, secs):
    """Memory when ready: median VmRSS of this round's starts, MiB"""
    ms, kib, procs = tool.startup()
    return Sample(statistics.median(kib) / 1024,
                  f'{procs} process{"es" if procs > 1 else ""}, '
                  f'{min(kib) / 1024:.2f} to {max(kib) / 1024:.2f} MiB')


class Row:
    """A row: id (what --rows takes), label, unit, measurement, and how to
    compare it (lower: lower is better), and for the summary the unit it's
    shown in there (us: 1e6 / rate), its target, and bulk: CPU per GiB"""

    def __init__(self, rid, what, unit, fn, kind, short, lower=False,
                 us=False, v6=False):
        self.rid, self.unit, self.fn, self.kind = rid, unit, fn, kind
        self.label = f'{rid:3s} {what}'
        self.short = f'{rid:3s} {short}'	# in the summary
        self.lower, self.us, self.v6 = lower, us, v6

    @property
    def bulk(self):
        return self.kind in ('tcp', 'splice', 'udp', 'udprate', 'lo')

    @property
    def sunit(self):
        return 'us' if self.us else self.unit

    def show(self, v):
        """Raw median -> the summary's unit"""
        if not isinstance(v, float):
            return v
        return 1e6 / v if self.us and v else v

    @property
    def slower(self):
        """Lower is better in the summary's unit"""
        return self.lower or self.us


ROWS = [
    Row('1', 'TCP NS -> REMOTE (iperf3)', 'Gbit/s', row_tcp_out, 'tcp',
        'TCP NS -> REMOTE'),
    Row('2', 'TCP REMOTE -> NS (iperf3 -R)', 'Gbit/s', row_tcp_in, 'tcp',
        'TCP REMOTE -> NS'),
    Row('1v6', 'TCP NS -> REMOTE, IPv6 (iperf3)', 'Gbit/s', row_tcp6_out,
        'tcp', 'TCP NS -> REMOTE, IPv6', v6=True),
    Row('2v6', 'TCP REMOTE -> NS, IPv6 (iperf3 -R)', 'Gbit/s', row_tcp6_in,
        'tcp', 'TCP REMOTE -> NS, IPv6', v6=True),
    Row('3a', f'TCP fwd REMOTE -> NS (:{IPERF_PORT})', 'Gbit/s', row_fwd_in,
        'tcp', 'TCP -t, REMOTE -> NS'),
    Row('3b', f'TCP fwd NS -> REMOTE (:{IPERF_PORT}, -R)', 'Gbit/s',
        row_fwd_out, 'tcp', 'TCP -t, NS -> REMOTE'),
    Row('4', 'TCP_RR 1 byte, NS -> REMOTE', 'trans/s', row_rr, 'rr',
        'TCP_RR, a round trip', us=True),
    Row('5', 'TCP_CRR conn/1B/close, NS -> REMOTE', 'conn/s', row_crr,
        'crr', 'TCP_CRR'),
    Row('6', f'UDP NS -> REMOTE (iperf3 -u -b 0 -l {UDP_LEN})', 'Gbit/s',
        row_udp_out, 'udp', 'UDP NS -> REMOTE, -b 0'),
    Row('6r', f'UDP NS -> REMOTE (iperf3 -u -b {UDP_RATE} -l {UDP_LEN})',
        'Gbit/s', row_udp_rate, 'udprate', f'UDP NS -> REMOTE, -b {UDP_RATE}'),
    Row('7', 'UDP_RR 1 byte, NS -> REMOTE', 'trans/s', row_udp_rr, 'rr',
        'UDP_RR, a round trip', us=True),
    Row('8', f'ICMP echo, NS -> REMOTE (ping -c {PINGS} -i 0)', 'echo/s',
        row_ping, 'ping', 'ICMP echo'),
    # Row 9 is the baseline of rows 10a to 11b, measured once, with no tool
    Row('9', 'TCP 127.0.0.1 -> 127.0.0.1, no tool', 'Gbit/s', row_loopback,
        'lo', 'loopback, no tool'),
    Row('10a', f'TCP HOST lo -> NS, -t {IPERF_PORT} (splice)', 'Gbit/s',
        row_splice_t_in, 'splice', 'splice -t, HOST lo -> NS'),
    Row('10b', f'TCP NS -> HOST lo, -t {IPERF_PORT} -R (splice)', 'Gbit/s',
        row_splice_t_out, 'splice', 'splice -t, NS -> HOST lo'),
    Row('11a', f'TCP NS lo -> HOST lo, -T {SPLICE_PORT} (splice)', 'Gbit/s',
        row_splice_T_out, 'splice', 'splice -T, NS lo -> HOST lo'),
    Row('11b', f'TCP HOST lo -> NS lo, -T {SPLICE_PORT} -R (splice)',
        'Gbit/s', row_splice_T_in, 'splice', 'splice -T, HOST lo -> NS lo'),
    Row('12', 'start-up, attach to a PID until usable', 'ms', row_start,
        'start', 'start-up, attach to a PID', lower=True),
    Row('13', 'memory when ready (VmRSS)', 'MiB', row_mem, 'mem',
        'memory when ready', lower=True),
]


def target(row, ours, best, ratio_best, lo):
    """The issue's target for row: (text, met: True, False or None if it
    can't be told), ours and best: Cells, ratio_best: ours/best in the
    summary's unit, lo: row 9's median or None"""
    def ge(r, x):
        return None if r is None else r >= x

    k = row.kind
    if k == 'tcp':
        met = ge(ratio_best, 1.3)
        if met is not None and ours.bimodal:
            met = False
        return '>= 1.3x, no BIMODAL', met
    if k == 'splice':
        met = ge(ratio_best, 1.0)
        if lo and isinstance(ours.median, float):
            met = met is not False and ours.median >= 0.9 * lo
        elif met:
            met = None	# no row 9 in this run
        return '>= 1x, >= 0.9x row 9', met
    if k == 'udp':
        return '>= 2x', ge(ratio_best, 2.0)
    if k == 'udprate':
        loss = ours.median_loss
        return '< 10% loss', None if loss is None else loss < 10
    if k == 'rr':
        return '<= 0.85x', None if ratio_best is None else \
            ratio_best <= 0.85
    if k == 'crr':
        return '>= 1.5x', ge(ratio_best, 1.5)
    if k == 'start':
        return '<= 10 ms', None if not isinstance(ours.median, float) else \
            ours.median <= 10
    if k == 'mem':
        return '<= 4 MiB', None if not isinstance(ours.median, float) else \
            ours.median <= 4
    return DASH, None




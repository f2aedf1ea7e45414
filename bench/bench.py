#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench.py - side by side: our pasta, another build of it, Debian's
# pasta, slirp4netns, and a plain veth pair (the kernel's limit)
#
# Exact command (as root, from the top of the repository):
#
#     bench/run.sh [--pasta PATH] [--base PATH] [--seconds N] [--reps N]
#                  [--tools LIST] [--rows LIST] [--json PATH]
#
# 'make bench' runs bench/run.sh with the defaults (3 s a cell, 3 rounds,
# ours, Debian's pasta, slirp4netns and veth); 'make bench
# BENCH_BASE=/path/to/old/pasta' adds the base column, and BENCH_ARGS=...
# passes anything else. The whole default run, base included, takes about
# 15 minutes on 2 cores. A before/after comparison in one run, e.g. against
# a build of commit 861bac6:
#
#     git worktree add /tmp/base 861bac6 && make -C /tmp/base -j2 all
#     bench/run.sh --base /tmp/base/pasta --json /tmp/bench.json
#
# and a quick look at a few rows:
#
#     bench/run.sh --tools ours --rows 1v6,6r,12,13 --seconds 2 --reps 1
#
# (run.sh installs the dependencies with bench/deps.sh, compiles
# bench/tcp_rr.c, tcp_crr.c, udp_rr.c and attach_time.c into bench/build/,
# then runs this script with Debian's /usr/bin/python3.)
#
#   --pasta PATH   our pasta (default: ./pasta at the top of the repository;
#                  also PASTA_BIN=PATH). The name must start with 'pasta':
#                  the binary picks its mode from it, so the symlink is used
#                  as is, never resolved to ./passt.
#   --base PATH    another build of our pasta (e.g. of an older commit), the
#                  tool 'base', same options as ours; adds 'base' to --tools
#   --seconds N    length of each measurement (default 3)
#   --reps N       rounds: each cell is measured N times, rounds interleaved
#                  (round 1 of a row for every tool, then round 2, ...); the
#                  median is reported (default 3)
#   --tools LIST   comma-separated subset of ours,base,iso,egress,egress1k,
#                  debian,slirp,veth (default: ours,base,debian,slirp,veth;
#                  base only with --base). iso is ours with --no-map-host,
#                  egress ours with --egress-deny private, egress1k ours with
#                  the 1,000 egress rules of egress_1k_rules(); each of these
#                  is compared with ours in a table of its own. veth is no
#                  tool at all: see below.
#   --rows LIST    comma-separated subset of 1,2,1v6,2v6,3a,3b,4,5,6,6r,7,
#                  8,9,10a,10b,11a,11b,12,13 (default: all)
#   --json PATH    also write every cell (all rounds) and the summary there
#
# Rows (the ids --rows takes; each row for each tool is one cell):
#
#   1   TCP NS -> REMOTE (iperf3)          2   the same, -R (REMOTE -> NS)
#   1v6 TCP NS -> REMOTE over IPv6 (iperf3 to REMOTE's 2001:db8:3::1)
#   2v6 the same, -R
#   3a  TCP REMOTE -> HOST:5201 -> NS      3b  the same, -R (pasta -t 5201)
#   4   TCP_RR 1 byte, NS -> REMOTE        5   TCP_CRR, NS -> REMOTE
#   6   UDP NS -> REMOTE (iperf3 -u -b 0 -l 1400: as fast as it goes)
#   6r  UDP NS -> REMOTE at a fixed rate (iperf3 -u -b 1G -l 1400)
#       Rows 6 and 6r say which share of the loss REMOTE's kernel dropped
#       at the receiving socket, its buffer full (UdpRcvbufErrors): the
#       receiver short of CPU time, not the path
#   7   UDP_RR 1 byte, NS -> REMOTE        8   ICMP echo, NS -> REMOTE (ping)
#   9   baseline of 10a-11b: iperf3 client and server in one namespace of
#       their own over 127.0.0.1, no tool: the physical limit, measured in
#       the same run (once a round, not once a tool)
#   10a TCP HOST's 127.0.0.1 -> 127.0.0.1:5201 -> NS (pasta -t 5201: spliced)
#   10b the same, -R (data NS -> HOST's loopback)
#   11a TCP NS -> NS's 127.0.0.1:5202 -> HOST's 127.0.0.1:5202 (pasta -T
#       5202: spliced)
#   11b the same, -R (data HOST's loopback -> NS)
#   12  start-up: ms from starting the tool, attached to an existing
#       process's namespace (a fresh 'unshare -rUn sleep' each time), until
#       NS is usable; the median of 3 starts a round (bench/attach_time.c).
#       Usable, the same criterion for every tool: from NS, a socket
#       connected to REMOTE gets NS's configured address as its source (the
#       address and a route are there), and one byte goes to REMOTE's echo
#       server over a new TCP connection and back (a new connection every
#       10 ms until one echoes, earlier ones left to finish)
#   13  memory when ready: VmRSS of the tool's process and its descendants
#       at that moment, MiB (the same starts as row 12)
#
# Bulk rows (1 to 3b, 6, 6r, 9 to 11b) have no warm-up: iperf3 counts
# from the first byte (at these rates slow start is over within
# milliseconds), so that the bytes it reports and the CPU time measured
# around it cover the same interval.
#
# Columns:
#
#   ours           our pasta (--pasta)
#   base           another build of ours (--base), same options
#   Debian pasta   /usr/bin/pasta (package 'passt')
#   slirp4netns    /usr/bin/slirp4netns
#   veth           no tool: NS is connected to HOST by a veth pair (MTU
#                  65520), HOST routes between it and REMOTE (ip_forward in
#                  HOST only): the plain kernel's limit, for rows 1, 2, 1v6,
#                  2v6, 4 to 8; '–' on the others (port forwarding, splice,
#                  start-up and memory mean nothing there)
#   s/GiB          CPU time per GiB moved, bulk rows: utime + stime of the
#                  tool's process and all its descendants and threads
#                  (/proc/PID/stat, waited-for children included) after
#                  the cell minus before, divided by the bytes the receiver
#                  got (iperf3's count). Not for veth and row 9: the kernel's
#                  work there belongs to no process
#   us CPU a ...   rows 4, 5 and 7: the same CPU time, divided by the round
#                  trips or connections made (the price of --busy-poll
#                  shows here)
#   slowest        ours' slowest round (lowest rate; highest time or
#                  memory); BIMODAL when it is below 0.8x the median (above
#                  1.25x for lower-is-better rows)
#   ours/X         ratio of the medians, in the row's unit: > 1 is ours
#                  ahead for rates, behind for ms, MiB, us and s/GiB
#
# The run ends with a summary like issue 22's: for each row ours, the best
# peer (the better of Debian's pasta and slirp4netns only), ours/best
# (request/response rows as median microseconds a round trip, lower is
# better, as the 'better' column says), the target for the row and
# whether it is met, veth, and ours/base. Targets: bulk TCP >= 1.3x the best
# peer and not BIMODAL; spliced >= the best peer and >= 0.9x row 9; UDP
# unlimited >= 2x the best peer's received rate, UDP at 1 Gbit/s < 10 %
# loss; TCP_RR, UDP_RR <= 0.85x the best peer's microseconds; TCP_CRR >=
# 1.5x; start-up <= 10 ms; memory <= 4 MiB; ping none.
#
# Debian's pasta is always /usr/bin/pasta (package 'passt'), slirp4netns is
# /usr/bin/slirp4netns: both by absolute path, never looked up in $PATH, so
# that ours and Debian's can't be confused. slirp4netns has no IPv6 rows:
# its IPv6 (--enable-ipv6) is fixed to fd00::/64, not a documentation
# prefix, so rows 1v6 and 2v6 show '–' for it.
#
# Topology, one pair of namespaces per tool, built like the integration
# tests' (tests/integration/conftest.py), documentation addresses only:
#
#   REMOTE pstbench<pid>-r<tool>        HOST pstbench<pid>-h<tool>
#     r0 192.0.2.1/24  2001:db8:1::1 ─veth─ h0 192.0.2.2/24  2001:db8:1::2
#     lo 203.0.113.1/32 (servers)          default via 192.0.2.1
#     lo 2001:db8:3::1/128 (servers)       default via 2001:db8:1::1
#     iperf3 -s -B 203.0.113.1 (5201)      /etc/netns/<HOST>/resolv.conf
#     iperf3 -s -B 2001:db8:3::1 (5201)    iperf3 -s -B 127.0.0.1 -p 5202
#     tcp_rr -s (5300, echo)                 (row 11, started when needed)
#     udp_rr -s -b 203.0.113.1 (5300/udp)  nobody: unshare -rUn sleep  = NS
#                                            iperf3 -s -p 5201 (rows 3, 10)
#                                          nobody: the tool, attached to NS
#
#   veth only: HOST v0 198.51.100.129/25 2001:db8:2::1/64 ─veth─ NS n0
#     198.51.100.130/25 2001:db8:2::2/64 (default via HOST); REMOTE routes
#     198.51.100.128/25 and 2001:db8:2::/64 via HOST
#
#   BASELINE pstbench<pid>-lo: lo only; iperf3 -s and -c over 127.0.0.1:5201
#
#   ours, base and Debian's, the same options, all explicit (all default to
#   automatic forwarding, -t auto -u auto -T auto -U auto: nothing scanned):
#                pasta --config-net -f -t 5201 -T 5202 -u none -U none PID
#   slirp4netns: slirp4netns --configure --mtu=65520 --cidr=198.51.100.0/24
#                --api-socket SOCK PID tap0
#                (port 5201 forwarded with add_hostfwd on the API socket
#                twice: on 192.0.2.2 for row 3, on 127.0.0.1 for row 10)
#   Row 12 starts other instances beside these, with the same options but
#   ports 5401 and 5402 (the running instance holds 5201 and 5202).
#
# slirp4netns has no splice, nor a -T: rows 10a/10b go through its
# add_hostfwd on 127.0.0.1 (its TCP stack and tap0), rows 11a/11b from NS
# to its gateway 198.51.100.2, which it maps to HOST's 127.0.0.1: that's why
# it runs without --disable-host-loopback (no other row uses the mapping).
# These are its equivalent paths, not spliced ones. Each cell of rows 10
# and 11 says how many bytes went through NS's interfaces other than lo
# (/proc/PID/net/dev): next to nothing when spliced, all of it otherwise.
#
# Clients and servers in NS run as nobody through 'nsenter --net'. Rows are
# interleaved (each round of a row for every tool, then the next round, then
# the next row), so that drift of the machine affects all tools alike. All
# traffic stays inside the namespaces built here (loopback traffic: HOST's
# and NS's lo, and the baseline's namespace); everything is removed at the
# end (also on errors and Ctrl-C): processes by process group, namespaces,
# /etc/netns/NAME, the temporary directory, and the mode of /dev/net/tun.

import argparse
import atexit
import datetime
import json
import os
import platform
import signal
import statistics
import sys
import textwrap
import time

from bench_net import *		# noqa: F401,F403 (constants, tools)
from bench_rows import *	# noqa: F401,F403 (ROWS, Sample, target)


def egress_1k_rules():
    """1,000 egress rules, none of which refuses the benchmark's flows, and
    which make the lookup work: 25 prefix lengths (IPv4 /8 to /32) of
    198.51.100.0/24's neighbourhood (not covering SERVER4, 203.0.113.1),
    /32 rules for other addresses of SERVER4's /24, one rule on SERVER4
    itself for ports the rows don't use, TCP, UDP and ICMP rules, IPv6
    rules, and a few allows; deterministic"""
    import ipaddress
    import random
    rnd = random.Random(1000)
    a = ['--egress-deny', f'{SERVER4}:tcp:1-1000']
    n = 1
    base = int(ipaddress.IPv4Address('198.51.100.0'))
    while n < 700:
        ln = 8 + n % 25
        net = ipaddress.IPv4Network(
            (base ^ rnd.getrandbits(32 - 8) & ((1 << 24) - 1), ln),
            strict=False)
        proto = ['', ':tcp', ':udp', ':icmp'][n % 4]
        a += ['--egress-deny' if n % 10 else '--egress-allow',
              f'{net}{proto}']
        n += 1
    srv = ipaddress.IPv4Address(SERVER4)
    for i in range(2, 202):
        a += ['--egress-deny', f'{srv + i}']
        n += 1
    while n < 1000:
        a += ['--egress-deny', f'[2001:db8:{n:x}::]/{32 + n % 97}']
        n += 1
    return a


# ---------------------------------------------------------------------------
# Cells and report

class Cell:
    """One row for one tool: the rounds measured, or why there are none
    (status: DASH, 'n/a ...', 'error')"""

    def __init__(self, row, tool):
        self.row, self.key, self.name = row, tool.key, tool.name
        self.samples = []
        self.status = None
        self.failed = False

    @property
    def values(self):
        return [s.value for s in self.samples]

    @property
    def median(self):
        if self.samples:
            return float(statistics.median(self.values))
        return self.status or 'error'

    @property
    def slowest(self):
        if not self.samples:
            return None
        return max(self.values) if self.row.lower else min(self.values)

    @property
    def bimodal(self):
        if len(self.samples) < 2:
            return False
        m, s = self.median, self.slowest
        return (m < BIMODAL * s) if self.row.lower else (s < BIMODAL * m)

    @property
    def s_per_gib(self):
        v = [s.s_per_gib for s in self.samples if s.s_per_gib is not None]
        return statistics.median(v) if v else None

    @property
    def median_loss(self):
        v = [s.loss for s in self.samples if s.loss is not None]
        return statistics.median(v) if v else None

    @property
    def info(self):
        """What the round closest to the median said"""
        if not self.samples:
            return ''
        m = self.median
        return min(self.samples, key=lambda s: abs(s.value - m)).info

    def as_json(self):
        return {
            'tool': self.name, 'status': self.status,
            'median': self.median if self.samples else None,
            'slowest': self.slowest, 'bimodal': self.bimodal,
            's_per_gib': self.s_per_gib, 'loss_percent': self.median_loss,
            'rounds': [{'value': s.value, 'info': s.info,
                        'bytes': s.nbytes, 'cpu_s': s.cpu_s,
                        's_per_gib': s.s_per_gib,
                        'loss_percent': s.loss} for s in self.samples],
        }


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or '?'


def fmt(v, unit):
    if isinstance(v, float):
        if unit in ('Gbit/s', 'MiB', 's/GiB'):
            return f'{v:.2f}'
        if unit in ('ms', 'us'):
            return f'{v:.1f}'
        return f'{v:,.0f}'
    if v is None:
        return DASH
    return v


def ratio(a, b):
    if isinstance(a, float) and isinstance(b, float) and b > 0:
        return f'{a / b:.2f}'
    return DASH


def fmt_ratio(r):
    return DASH if r is None else f'{r:.2f}'


def note(text):
    """Print a paragraph, wrapped"""
    print(textwrap.fill(text, 79, break_on_hyphens=False))


def print_table(hdr, rows, left=1):
    """Columns aligned: the first left ones to the left, others right"""
    w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
    line = lambda r: '  '.join(str(c).ljust(w[i]) if i < left
                               else str(c).rjust(w[i])
                               for i, c in enumerate(r)).rstrip()
    print(line(hdr))
    print('  '.join('-' * x for x in w))
    for r in rows:
        print(line(r))


MAX_STARTS = 3


def ensure_running(t, row, notes):
    """Restart a tool that exited (or never came up), up to MAX_STARTS"""
    if t.alive():
        return
    if t.starts >= MAX_STARTS:
        raise BenchError(f'not running, gave up after {t.starts} starts')
    if t.up:
        why = (f' (exit {t.proc.p.returncode}): {tail(t.proc.output, 4)}'
               if t.proc else '')
        notes.append(f'{t.name} was not running before row {row.rid}'
                     f'{why}; restarting')
    t.start()


def print_cost_table(rows, cells, keys, names, ratios, title, footer):
    """A table of ours against variants of ours (same binary, options) from
    the same run: values, then each variant's ratio to ours"""
    hdr = ['', 'unit', 'ours'] + names + ratios
    tab = []
    for row in rows:
        if row.rid == BASELINE_ROW:
            continue
        o = cells[(row.rid, 'ours')].median
        vals = [cells[(row.rid, k)].median if (row.rid, k) in cells
                else DASH for k in keys]
        tab.append([row.label, row.unit, fmt(o, row.unit)] +
                   [fmt(v, row.unit) for v in vals] +
                   [ratio(v, o) for v in vals])
    print()
    print(title)
    print_table(hdr, tab, 2)
    print()
    print(footer)


# The columns of the main tables, in this order, when in the run
COLUMNS = (('ours', 'ours'), ('base', 'base'), ('debian', 'Debian pasta'),
           ('slirp', 'slirp4netns'), ('veth', 'veth'))
SHORT = {'ours': 'ours', 'base': 'base', 'debian': 'pasta', 'slirp': 'slirp',
         'veth': 'veth'}
PEERS = ('debian', 'slirp')


def best_peer(cells, row):
    """(key, Cell) of the better of Debian's pasta and slirp4netns on row,
    in the summary's unit, or (None, None)"""
    best = (None, None)
    for k in PEERS:
        c = cells.get((row.rid, k))
        if not c or not c.samples:
            continue
        v = row.show(c.median)
        if best[1] is None or \
           (v < row.show(best[1].median) if row.slower
                else v > row.show(best[1].median)):
            best = (k, c)
    return best


def summary(rows, cells, lo):
    """The issue's table: [dict] a row, for printing and for --json"""
    out = []
    for row in rows:
        o = cells.get((row.rid, 'ours'))
        if row.rid == BASELINE_ROW or o is None:
            continue
        bk, b = best_peer(cells, row)
        ov = row.show(o.median)
        bv = row.show(b.median) if b else None
        r = ov / bv if isinstance(ov, float) and isinstance(bv, float) \
            and bv else None
        text, met = target(row, o, b, r, lo)
        base = cells.get((row.rid, 'base'))
        basev = row.show(base.median) if base else None
        veth = cells.get((row.rid, 'veth'))
        out.append({
            'id': row.rid, 'label': row.label, 'short': row.short,
            'unit': row.sunit,
            'better': 'lower' if row.slower else 'higher',
            'ours': ov if isinstance(ov, float) else None,
            'ours_status': None if isinstance(ov, float) else ov,
            'ours_loss_percent': o.median_loss,
            'ours_slowest': row.show(o.slowest) if o.slowest else None,
            'ours_rounds': len(o.samples), 'bimodal': o.bimodal,
            'best_peer': b.name if b else None,
            'best_value': bv,
            'best_loss_percent': b.median_loss if b else None,
            'ours_over_best': r, 'target': text, 'met': met,
            'veth': row.show(veth.median) if veth and veth.samples
            else None,
            'base': basev if isinstance(basev, float) else None,
            'ours_over_base': ov / basev if isinstance(ov, float) and
            isinstance(basev, float) and basev else None,
            'ours_s_per_gib': o.s_per_gib,
            'best_s_per_gib': b.s_per_gib if b else None,
        })
    return out


def print_summary(summ, have_base, reps):
    def val(v, unit, loss=None):
        s = fmt(v, unit)
        if loss is not None and v is not None:
            s += f' ({loss:.0f}%)'
        return s

    hdr = ['', 'unit', 'ours']
    if reps > 1:
        hdr.append('slowest')
    hdr += ['best peer', 'ours/best', 'better', 'target', 'met', 'veth']
    if have_base:
        hdr += ['base', 'ours/base']
    tab = []
    for s in summ:
        u = s['unit']
        r = [s['short'], u, val(s['ours'], u, s['ours_loss_percent'])
             if s['ours'] is not None else s['ours_status']]
        if reps > 1:
            r.append(DASH if s['ours_slowest'] is None else
                     fmt(s['ours_slowest'], u) +
                     (' BIMODAL' if s['bimodal'] else ''))
        r += [f'{val(s["best_value"], u, s["best_loss_percent"])} '
              f'{s["best_peer"]}' if s['best_peer'] else DASH,
              fmt_ratio(s['ours_over_best']), s['better'], s['target'],
              {True: 'yes', False: 'no', None: DASH}[s['met']],
              fmt(s['veth'], u)]
        if have_base:
            r += [fmt(s['base'], u), fmt_ratio(s['ours_over_base'])]
        tab.append(r)
    print_table(hdr, tab, 2)


DEFAULT_TOOLS = 'ours,base,debian,slirp,veth'	# base only with --base


def main():
    ap = argparse.ArgumentParser(
        description='side-by-side benchmark: our pasta, another build of '
        'it, Debian pasta, slirp4netns, veth (see bench/bench.py)')
    ap.add_argument('--pasta', default=os.environ.get(
        'PASTA_BIN', os.path.join(REPO, 'pasta')),
        help='our pasta (default: ./pasta of the repository)')
    ap.add_argument('--base', help='another build of our pasta: tool "base"')
    ap.add_argument('--seconds', type=float, default=3)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--tools', default=DEFAULT_TOOLS)
    ap.add_argument('--rows', default=','.join(r.rid for r in ROWS))
    ap.add_argument('--json', metavar='PATH',
                    help='write all cells and the summary there')
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit('bench: run as root (it builds network namespaces)')
    if args.reps < 1 or args.seconds <= 0:
        sys.exit('bench: --reps and --seconds must be positive')
    want = args.tools.split(',')
    known = ('ours', 'base', 'iso', 'egress', 'egress1k', 'debian', 'slirp',
             'veth')
    bad = [x for x in want if x not in known]
    if bad:
        sys.exit(f'bench: unknown tool(s) {",".join(bad)}: choose from '
                 f'{",".join(known)}')
    binaries = {'ours': os.path.abspath(args.pasta)}  # not realpath
    if args.base:
        binaries['base'] = os.path.abspath(args.base)
        if 'base' not in want:
            want.append('base')
    elif 'base' in want:
        if args.tools != DEFAULT_TOOLS:
            sys.exit('bench: the tool base needs --base PATH')
        want.remove('base')	# the default, without --base: no column
    for k, b in binaries.items():
        if not os.access(b, os.X_OK):
            sys.exit(f'bench: {b} missing: run make first')
        if not os.path.basename(b).startswith('pasta'):
            sys.exit(f'bench: {b}: the name must start with "pasta"')
        if os.path.realpath(b) == os.path.realpath(DEBIAN_PASTA):
            print(f'bench: warning: {b} ({k}) is Debian\'s pasta',
                  file=sys.stderr)
    ours = binaries['ours']
    for b in (DEBIAN_PASTA, SLIRP, IPERF3, TCP_RR, TCP_CRR, UDP_RR,
              EGRESS_LOOKUP, ATTACH_TIME):
        if not os.access(b, os.X_OK):
            sys.exit(f'bench: {b} missing: run bench/run.sh')
    ids = [r.rid for r in ROWS]
    bad = [x for x in args.rows.split(',') if x not in ids]
    if bad:
        sys.exit(f'bench: unknown row(s) {",".join(bad)}: choose from '
                 f'{",".join(ids)}')
    rows = [r for r in ROWS if r.rid in args.rows.split(',')]
    secs = args.seconds
    if secs == int(secs):
        secs = int(secs)

    atexit.register(cleanup)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    remove_stale()
    os.makedirs(TMP, mode=0o755, exist_ok=True)
    os.chown(TMP, NOBODY, NOBODY)
    tun_open_for_all()

    t0 = time.monotonic()
    tools = []
    if 'ours' in want:
        tools.append(Pasta(Topology('ours'), 'ours', 'ours', ours, []))
    if 'base' in want:
        tools.append(Pasta(Topology('base'), 'base', 'base',
                           binaries['base'], []))
    if 'iso' in want:
        tools.append(Pasta(Topology('iso'), 'iso', 'ours isolated', ours,
                           ['--no-map-host']))
    if 'egress' in want:
        tools.append(Pasta(Topology('egp'), 'egress', 'ours private', ours,
                           ['--egress-deny', 'private']))
    if 'egress1k' in want:
        tools.append(Pasta(Topology('eg1k'), 'egress1k', 'ours 1k rules',
                           ours, egress_1k_rules()))
    if 'debian' in want:
        tools.append(Pasta(Topology('deb'), 'debian', 'Debian pasta',
                           DEBIAN_PASTA, [], peer=True))
    if 'slirp' in want:
        tools.append(Slirp(Topology('slirp')))
    if 'veth' in want:
        tools.append(Veth(Topology('veth')))
    base = Baseline() if any(r.rid == BASELINE_ROW for r in rows) else None
    label_w = max([len(r.label) for r in rows] + [10])
    keys = [t.key for t in tools]

    print('passt/pasta side-by-side benchmark')
    print(f'  date:     {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}')
    print(f'  kernel:   {platform.release()} ({platform.machine()})')
    print(f'  cpu:      {cpu_model()}, {os.cpu_count()} cpus, load average '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())} at start')
    versions = {}
    for t in tools:
        versions[t.key] = t.version()
        print(f'  {t.name + ":":13s} {versions[t.key]}')
    rc, out, _ = run([IPERF3, '--version'])
    print(f'  {"iperf3:":13s} {out.splitlines()[0] if out else "?"}')
    print(f'  each cell:  {secs} s, '
          + (f'median of {args.reps} rounds' if args.reps > 1
             else 'one round')
          + ' (no warm-up), IPv4 unless v6, MTU 65520')
    print(f'  command:  {" ".join(sys.argv[1:]) or "(defaults)"}')
    print(flush=True)

    notes = []
    for t in tools:
        try:
            t.start()
        except BenchError as e:
            notes.append(f'{t.name}: {e}')
            print(f'  ! {t.name}: {tail(str(e), 4)}', file=sys.stderr)
        if t.fwd and t.fwd_optional:
            print(f'  {t.name}: -t {IPERF_PORT} -T {SPLICE_PORT}: {t.fwd}: '
                  f'{getattr(t, "fwd_error", "")}', file=sys.stderr)

    cells = {}
    for row in rows:
        rtools = [base] if row.rid == BASELINE_ROW else tools
        row_cells = {}
        for t in rtools:
            row_cells[t.key] = c = Cell(row, t)
            c.status = t.supports(row)
        for rep in range(args.reps):
            for t in rtools:
                c = row_cells[t.key]
                if c.status or c.failed:
                    continue
                t.rep = rep
                try:
                    ensure_running(t, row, notes)
                    c.samples.append(row.fn(t, secs))
                except NotApplicable as e:
                    c.status = str(e)
                    continue
                except BenchError as e:
                    msg = str(e)
                    if t.proc and not t.alive() and \
                       'did not come up' not in msg:
                        msg += (f'\n{t.name} exited ({t.proc.p.returncode})'
                                f': {tail(t.proc.output, 4)}')
                    c.failed = True
                    notes.append(f'row {row.rid}, {t.name}, round '
                                 f'{rep + 1}: {tail(msg, 8)}')
                time.sleep(CELL_GAP)
        for t in rtools:
            c = cells[(row.rid, t.key)] = row_cells[t.key]
            if c.failed and not c.samples:
                c.status = 'error'
            extra = []
            if len(c.samples) > 1:
                extra.append('[' + ' '.join(fmt(v, row.unit)
                                            for v in c.values) + ']')
                if c.bimodal:
                    extra.append('BIMODAL')
            if c.failed and c.samples:
                extra.append(f'{len(c.samples)} of {args.reps} rounds')
            if c.s_per_gib is not None:
                extra.append(f'{c.s_per_gib:.2f} s/GiB')
            if c.info:
                extra.append(f'({c.info})')
            unit = row.unit if c.samples else ''
            print(f'  {row.label:{label_w}s} {t.name:13s} '
                  f'{fmt(c.median, row.unit)} {unit}'
                  f'{"  " + "  ".join(extra) if extra else ""}', flush=True)

    rows_t = [r for r in rows if r.rid != BASELINE_ROW]
    lo = cells.get((BASELINE_ROW, 'lo'))
    lo_v = lo.median if lo and lo.samples else None

    # All medians, every tool of the comparison
    cols = [(k, n) for k, n in COLUMNS if k in keys]
    ratios = [(k, f'ours/{SHORT[k]}')
              for k, n in cols if k in ('debian', 'slirp', 'base')] \
        if 'ours' in keys else []
    if rows_t and cols:
        tab = []
        for row in rows_t:
            o = cells[(row.rid, 'ours')].median if 'ours' in keys else None
            tab.append([row.label, row.unit] +
                       [fmt(cells[(row.rid, k)].median, row.unit)
                        for k, n in cols] +
                       [ratio(o, cells[(row.rid, k)].median)
                        for k, n in ratios])
        print()
        print_table(['', 'unit'] + [n for k, n in cols] +
                    [n for k, n in ratios], tab, 2)
        print()
        note(f'Medians of {args.reps} round{"s" if args.reps > 1 else ""}. '
             'Higher is better but for rows 12 and 13 (ms, MiB); ours/X > 1: '
             f'ours ahead, on 12 and 13 behind. {DASH}: not applicable to '
             'the tool.')

    # CPU time per GiB moved
    brows = [r for r in rows_t if r.bulk]
    ccols = [(k, n) for k, n in cols if k != 'veth']
    if brows and ccols:
        tab = []
        for row in brows:
            v = {k: cells[(row.rid, k)].s_per_gib for k, n in ccols}
            peers = [v[k] for k in PEERS if v.get(k) is not None]
            tab.append([row.label] + [fmt(v[k], 's/GiB') for k, n in ccols]
                       + ([ratio(v['ours'], min(peers)) if peers and
                           v['ours'] is not None else DASH]
                          if 'ours' in keys else []))
        print()
        print('CPU time per GiB moved, s/GiB (utime + stime of the tool\'s '
              'processes over the cell / GiB received; lower is better):')
        print_table([''] + [n for k, n in ccols] +
                    (['ours/best peer'] if 'ours' in keys else []), tab)

    # The cost of host isolation: the same binary, with --no-map-host
    if 'ours' in want and 'iso' in want:
        print_cost_table(
            rows, cells, ['iso'], ['ours isolated'], ['isolated/ours'],
            'Host isolation (ours with --no-map-host: a route lookup for '
            'each new flow), same run:', 'isolated/ours: 1.00 means no cost.')

    # The cost of the egress policy: the same binary, with rules
    if 'ours' in want and ('egress' in want or 'egress1k' in want):
        print_cost_table(
            rows, cells, ['egress', 'egress1k'], ['private', '1k rules'],
            ['private/ours', '1k/ours'],
            'Egress policy (ours with --egress-deny private, and with 1,000 '
            'egress rules), same run:',
            'x/ours: 1.00 means no cost; row 5 (TCP_CRR) decides once per '
            'connection.')
        print(f'The decision alone, for TCP to {SERVER4}:{ECHO_PORT} '
              f'(bench/build/egress_lookup, CPU time):')
        for name, rules in (('no rules', []),
                            ('private', ['--egress-deny', 'private']),
                            ('1k rules', egress_1k_rules())):
            rc, out, err = run([EGRESS_LOOKUP] + rules +
                               [SERVER4, str(ECHO_PORT)])
            print(f'  {name:9s} {(out or err).strip()}')

    # The spliced rows against the loopback baseline of the same run
    srows = [r for r in rows if r.rid in SPLICE_ROWS]
    if lo:
        print()
        print(f'Baseline, row {BASELINE_ROW} (iperf3 client and server in '
              f'one namespace over {LOOPBACK4}, no tool: the limit of this '
              f'machine, same run): {fmt(lo.median, "Gbit/s")}'
              f'{" Gbit/s" if lo_v else ""}')
        scols = [(k, n) for k, n in cols if k != 'veth']
        if srows and scols:
            bt = []
            for row in srows:
                v = [cells[(row.rid, k)].median for k, n in scols]
                bt.append([row.label] + [fmt(x, row.unit) for x in v] +
                          [fmt(lo.median, row.unit)] +
                          [ratio(x, lo_v) for x in v])
            print()
            print_table([''] + [n for k, n in scols] + ['loopback'] +
                        [f'{SHORT[k]}/lo' for k, n in scols], bt)
            print()
            print('Gbit/s; x/lo: fraction of the loopback baseline (1.00: as '
                  'fast as plain loopback).')
            if 'slirp' in want:
                print(f'slirp4netns has no splice: 10a/10b go through its '
                      f'add_hostfwd on {LOOPBACK4}, 11a/11b to its gateway '
                      f'{SLIRP_GW4} (HOST\'s loopback), both through its '
                      f'TCP stack and tap0.')

    # The table
    summ = summary(rows, cells, lo_v) if 'ours' in keys else []
    if summ:
        print()
        print('Summary: ours against the best peer (the better of Debian\'s '
              'pasta and slirp4netns), issue 22\'s targets:')
        print_summary(summ, 'base' in keys, args.reps)
        print()
        note(f'Request/response rows (4, 7) in microseconds a round trip '
             f'(1e6 / the median rate); ours/best: ours divided by the best '
             f'peer in the row\'s unit, \'better\' says which way is ahead. '
             f'UDP rows: received rate (loss). slowest: ours\' slowest '
             f'round, BIMODAL below {BIMODAL}x the median. met: {DASH} when '
             f'it can\'t be told (a cell missing).')
    if any(c.status == 'n/a (not supported yet)' for c in cells.values()
           if c.key == 'ours'):
        print(f'ours: -t {IPERF_PORT} not supported yet: '
              f'{tail(getattr(tools[0], "fwd_error", ""), 1)}')
    if 'slirp' in keys and any(r.v6 for r in rows):
        print(f'slirp4netns: no IPv6 rows ({DASH}): its --enable-ipv6 '
              f'network is fixed to fd00::/64, not a documentation prefix.')
    if notes:
        print('\nErrors:')
        for n in notes:
            print('  - ' + n.replace('\n', '\n    '))
    elapsed = time.monotonic() - t0
    print(f'\nload average at end: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'total time: {elapsed:.0f} s')

    if args.json:
        doc = {
            'date': datetime.datetime.now().astimezone().isoformat(),
            'kernel': platform.release(), 'cpu': cpu_model(),
            'cpus': os.cpu_count(), 'argv': sys.argv[1:],
            'seconds': secs, 'reps': args.reps, 'total_s': elapsed,
            'tools': {t.key: {'name': t.name, 'version': versions[t.key]}
                      for t in tools},
            'rows': [{'id': r.rid, 'label': r.label, 'unit': r.unit,
                      'lower_is_better': r.lower,
                      'cells': {k: c.as_json() for (rid, k), c in
                                cells.items() if rid == r.rid}}
                     for r in rows],
            'summary': summ, 'errors': notes,
        }
        with open(args.json, 'w') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')
        print(f'cells and summary: {args.json}')
    cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())

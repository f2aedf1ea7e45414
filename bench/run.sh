#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh - side-by-side benchmark: our ./pasta, another build of it
#		 (--base), Debian's /usr/bin/pasta, slirp4netns and a plain veth
#		 pair, in namespaces built for the run
#
# Exact command (as root, from anywhere; 'make bench' runs it with the
# defaults, 'make bench BENCH_BASE=PATH' adds --base PATH):
#
#     bench/run.sh [--pasta PATH] [--base PATH] [--seconds N] [--reps N]
#                  [--tools LIST] [--rows LIST] [--json PATH]
#
#   --pasta PATH   our pasta (default: pasta at the top of the repository,
#                  or $PASTA_BIN)
#   --base PATH    another build of our pasta (e.g. of an older commit): the
#                  column 'base', and ours/base in the summary
#   --seconds N    length of each measurement, default 3
#   --reps N       rounds, default 3: the median is reported, and our
#                  slowest round (BIMODAL below 0.8x the median)
#   --tools LIST   subset of ours,base,iso,egress,egress1k,debian,slirp,veth
#                  (default: ours,base,debian,slirp,veth; iso is ours with
#                  --no-map-host, egress with --egress-deny private,
#                  egress1k with 1,000 egress rules, veth no tool: the
#                  kernel's limit)
#   --rows LIST    subset of 1,2,1v6,2v6,3a,3b,4,5,6,6r,7,8,9,10a,10b,11a,
#                  11b,12,13 (default: all; see bench/bench.py)
#   --json PATH    every cell, all rounds, and the summary, as JSON
#
# The defaults take about 15 minutes on 2 cores.
#
# Steps: bench/deps.sh installs iperf3, passt (Debian's pasta), slirp4netns
# if missing; bench/tcp_rr.c, tcp_crr.c, udp_rr.c and attach_time.c are
# compiled into bench/build/, and egress_lookup.c with the egress policy's
# sources; bench/bench.py builds the topology, measures, prints the tables
# and removes everything it created. See bench/bench.py for details.

set -eu

BENCH="$(cd "$(dirname "$0")" && pwd)"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: run as root (it builds network namespaces)" >&2
	exit 1
fi

"$BENCH/deps.sh"

mkdir -p "$BENCH/build"
for p in tcp_rr tcp_crr udp_rr attach_time; do
	if [ ! -x "$BENCH/build/$p" ] ||
	   [ "$BENCH/$p.c" -nt "$BENCH/build/$p" ] ||
	   [ "$BENCH/bench_common.h" -nt "$BENCH/build/$p" ]; then
		cc -O2 -Wall -Wextra -Werror -o "$BENCH/build/$p" "$BENCH/$p.c"
	fi
done
# The egress decision alone, from the sources (see egress_lookup.c)
SRC="$BENCH/../src"
EGRESS_SRCS="$SRC/policy/egress.c $SRC/policy/egress_ref.c $SRC/policy/portspec.c"
if [ ! -x "$BENCH/build/egress_lookup" ] ||
   [ -n "$(find "$BENCH/egress_lookup.c" $EGRESS_SRCS "$SRC/policy" \
	      -newer "$BENCH/build/egress_lookup" 2>/dev/null)" ]; then
	# shellcheck disable=SC2086
	cc -std=gnu11 -D_GNU_SOURCE -I"$SRC" -O2 -Wall -Wextra -Werror \
		-o "$BENCH/build/egress_lookup" "$BENCH/egress_lookup.c" \
		$EGRESS_SRCS
fi
chmod 755 "$BENCH/build" "$BENCH/build/tcp_rr" "$BENCH/build/tcp_crr" \
	"$BENCH/build/udp_rr" "$BENCH/build/attach_time" \
	"$BENCH/build/egress_lookup"

exec /usr/bin/python3 "$BENCH/bench.py" "$@"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/idle_scan.sh - CPU time of an idle pasta on a host with many
#			connections in TIME_WAIT: the cost of automatic port
#			forwarding's scans (-t, -u, -T, -U auto, the default)
#
# Exact command (as root, from anywhere):
#
#     bench/idle_scan.sh [--pasta PATH] [--base PATH] [--seconds N]
#                        [--reps N]
#
#   --pasta PATH   our pasta (default: pasta at the top of the repository)
#   --base PATH    another build of our pasta (e.g. of an older commit)
#   --seconds N    length of each measurement, default 10
#   --reps N       rounds per tool, default 3: the median is reported
#
# Topology, built for the run and removed after it:
#
#   HOST netns (pstidle$$h)                REMOTE netns (pstidle$$r)
#   ┌──────────────────────────────────┐   ┌──────────────────────────┐
#   │ tcp_rr -s on 127.0.0.1           │   │                          │
#   │ tcp_crr to it, 3 s: ~40,000      │   │                          │
#   │   sockets in TIME_WAIT           │   │                          │
#   │ pasta --config-net -- sleep      │   │                          │
#   │   (as nobody, default options)   │   │                          │
#   │ 192.0.2.2/24 ─────────────────────── 192.0.2.1/24 (its router)  │
#   └──────────────────────────────────┘   └──────────────────────────┘
#
# Nothing leaves the two namespaces: the only traffic is tcp_crr on HOST's
# loopback. Before each round, the TIME_WAIT sockets are made again, so
# that every tool sees about as many. The CPU time is pasta's utime + stime
# (/proc/PID/stat) over the round, after 2 s of start-up; tools are ours,
# base (with --base) and Debian's pasta (/usr/bin/pasta, if installed).
# Prints milliseconds of CPU time per second for each, and each tool's
# figure divided by ours (a lower bound, '>=', when ours stayed below one
# clock tick in the round: 1 ms/s with the default 10 s).

set -eu

BENCH="$(cd "$(dirname "$0")" && pwd)"
PASTA="$BENCH/../pasta"
BASE=
SECONDS_EACH=10
REPS=3

while [ $# -gt 0 ]; do
	case "$1" in
	--pasta) PASTA="$2"; shift 2 ;;
	--base) BASE="$2"; shift 2 ;;
	--seconds) SECONDS_EACH="$2"; shift 2 ;;
	--reps) REPS="$2"; shift 2 ;;
	*) echo "usage: $0 [--pasta PATH] [--base PATH] [--seconds N]" \
		"[--reps N]" >&2; exit 2 ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "idle_scan: run as root (it builds network namespaces)" >&2
	exit 1
fi

mkdir -p "$BENCH/build"
for p in tcp_rr tcp_crr; do
	if [ ! -x "$BENCH/build/$p" ] || [ "$BENCH/$p.c" -nt "$BENCH/build/$p" ]
	then
		cc -O2 -Wall -Wextra -Werror -o "$BENCH/build/$p" "$BENCH/$p.c"
	fi
done
chmod 755 "$BENCH/build" "$BENCH/build/tcp_rr" "$BENCH/build/tcp_crr"

H="pstidle$$h"
R="pstidle$$r"
TMP="$(mktemp -d /tmp/pstidle.XXXXXX)"
chmod 755 "$TMP"
chown 65534:65534 "$TMP"	# pasta, as nobody, writes its PID file there
TUN_MODE="$(stat -c %a /dev/net/tun)"
SRV=

# cleanup() - stop what we started, remove namespaces and files, restore
# /dev/net/tun's mode
cleanup() {
	set +e		# every step, whatever the one before did
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	pkill -f -- "-P $TMP/pasta.pid" 2>/dev/null
	ip netns pids "$H" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$H" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	rm -rf "/etc/netns/$H" "$TMP"
	chmod "$TUN_MODE" /dev/net/tun
}
trap cleanup EXIT

ip netns add "$H"
ip netns add "$R"
mkdir -p "/etc/netns/$H"
echo "nameserver 192.0.2.1" > "/etc/netns/$H/resolv.conf"
ip link add veth0 netns "$H" type veth peer name veth0 netns "$R"
ip -n "$H" link set lo up
ip -n "$R" link set lo up
ip -n "$H" addr add 192.0.2.2/24 dev veth0
ip -n "$R" addr add 192.0.2.1/24 dev veth0
ip -n "$H" link set veth0 up
ip -n "$R" link set veth0 up
ip -n "$H" route add default via 192.0.2.1
ip -n "$H" -6 addr flush dev veth0 2>/dev/null || :
ip netns exec "$H" sysctl -qw net.ipv4.tcp_tw_reuse=1 \
	net.ipv4.ip_local_port_range="1024 65535"
chmod 666 /dev/net/tun

ip netns exec "$H" "$BENCH/build/tcp_rr" -s 5399 >/dev/null 2>&1 &
SRV=$!
sleep 0.3

# make_time_wait() - fill HOST's TCP table with TIME_WAIT sockets
make_time_wait() {
	ip netns exec "$H" "$BENCH/build/tcp_crr" -c 127.0.0.1 -p 5399 -t 3 \
		>/dev/null
}

# measure() - CPU milliseconds a second of one idle pasta
# $1:	binary
measure() {
	local pidfile="$TMP/pasta.pid" pid a b

	rm -f "$pidfile"
	ip netns exec "$H" setpriv --reuid 65534 --regid 65534 \
		--clear-groups "$1" --config-net -q -P "$pidfile" -- \
		sleep $((SECONDS_EACH + 4)) >/dev/null 2>&1 &
	sleep 2
	if ! pid="$(cat "$pidfile" 2>/dev/null)" || [ ! -e "/proc/$pid" ]; then
		echo "idle_scan: $1 didn't start" >&2
		pkill -f -- "-P $pidfile" || :
		exit 1
	fi
	a="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
	sleep "$SECONDS_EACH"
	b="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
	# It went to the background: end it, and wait until it's gone
	kill "$pid" 2>/dev/null || :
	for _ in $(seq 50); do
		[ -e "/proc/$pid" ] || break
		sleep 0.1
	done
	# clock ticks (USER_HZ) to milliseconds a second
	echo "$(( (b - a) * 1000 / $(getconf CLK_TCK) ))" "$SECONDS_EACH" |
		awk '{ printf "%.1f\n", $1 / $2 }'
}

# median() - median of the numbers on standard input
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

TOOLS="ours:$PASTA"
[ -n "$BASE" ] && TOOLS="$TOOLS base:$BASE"
[ -x /usr/bin/pasta ] && TOOLS="$TOOLS debian:/usr/bin/pasta"

echo "idle pasta, default options, HOST with TIME_WAIT sockets from" \
	"3 s of tcp_crr on its loopback; $REPS x $SECONDS_EACH s"
printf '%-8s %10s %12s %10s  %s\n' tool TIME_WAIT "CPU ms/s" "÷ ours" rounds
OURS=
TICK="$(awk -v hz="$(getconf CLK_TCK)" -v s="$SECONDS_EACH" \
	'BEGIN { printf "%.2f", 1000 / hz / s }')"
for t in $TOOLS; do
	name="${t%%:*}"
	bin="${t#*:}"
	rounds=
	for _ in $(seq "$REPS"); do
		make_time_wait
		tw="$(ip netns exec "$H" ss -Htan state time-wait | wc -l)"
		rounds="$rounds $(measure "$bin")"
	done
	med="$(echo "$rounds" | tr ' ' '\n' | grep . | median)"
	[ -z "$OURS" ] && OURS="$med"
	# Below one clock tick in the round, ours counts as one tick: the
	# ratio is then a lower bound
	ratio="$(awk -v a="$med" -v b="$OURS" -v tick="$TICK" -v t="$name" \
		'BEGIN { if (t == "ours") print "1";
			 else if (b >= tick) printf "%.1f", a / b;
			 else printf ">=%.1f", a / tick }')"
	printf '%-8s %10s %12s %10s %s\n' "$name" "$tw" "$med" "$ratio" \
		"$rounds"
done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/guest.sh - the same qemu guest (TCG) behind passt over the stream
# socket and over vhost-user, side by side (bench/guest/test_paths.py)
#
# Exact command (as root, from anywhere):
#
#     bench/guest.sh [--reps N]
#
# Builds passt, the helpers and the test guest (cached in build/guest),
# then prints the table under "guest benchmark" at the end. About 5 minutes
# with --reps 3 on 2 cores.

set -eu

cd "$(dirname "$0")/.."
reps=3
if [ "${1:-}" = "--reps" ]; then
	reps="$2"
fi

make -s all helpers
tests/guest/build.sh >/dev/null
BENCH_REPS="$reps" exec nice /usr/bin/python3 -m pytest -q -s -p no:cacheprovider \
	bench/guest/test_paths.py

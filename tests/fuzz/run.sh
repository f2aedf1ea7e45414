#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/fuzz/run.sh - run one libFuzzer target for a bounded time (make
# fuzz-run runs one per CPU at once)
#
#   tests/fuzz/run.sh BIN SECONDS
#
# New inputs go to build/fuzz/corpus/NAME, the seed corpus is
# tests/fuzz/corpus/NAME, the log is build/fuzz/NAME.log. Prints the number
# of runs; on a crash, the log's last 50 lines, and exits non-zero.

set -u

bin="$1"
secs="$2"
name="$(basename "$bin")"
seed="tests/fuzz/corpus/$name"
log="build/fuzz/$name.log"

mkdir -p "build/fuzz/corpus/$name"
[ -d "$seed" ] || seed=""
if ! "$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	"build/fuzz/corpus/$name" $seed 2>"$log"; then
	echo "== $name FAILED:"
	tail -50 "$log"
	exit 1
fi
echo "== $name, ${secs}s: $(grep -E 'stat::number_of_executed_units' "$log")"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/fuzz/coverage.sh - which source lines a fuzz target's corpus reaches
#
#     tests/fuzz/coverage.sh TARGET [DIR...]
#
# Builds TARGET (e.g. fuzz_flows) with clang's source-based coverage into
# build/fuzzcov/, runs every input of tests/fuzz/corpus/TARGET, of
# build/fuzz/long/TARGET if there is one, and of each DIR once, and prints
# llvm-cov's report for the sources under src/: regions, functions and
# lines covered, by file. Then
#
#     llvm-cov report build/fuzzcov/TARGET \
#         -instr-profile=build/fuzzcov/TARGET.profdata -show-functions FILE
#
# tells it by function, and "llvm-cov show" by line. Needs clang and
# llvm-profdata / llvm-cov (Debian's llvm package, pulled in by clang).
# Not part of make check: a tool to find what no input reaches yet.

set -eu

cd "$(dirname "$0")/../.."
t="${1:?usage: $0 TARGET [DIR...]}"
shift
[ -f "tests/fuzz/$t.c" ] || { echo "no tests/fuzz/$t.c" >&2; exit 1; }

make -s build/gen/seccomp.h >/dev/null 2>&1 || true
out=build/fuzzcov
# The quotes around cov are the C string's: kept literally, on purpose
# shellcheck disable=SC2089,SC2090
flags="-std=gnu11 -D_GNU_SOURCE -Isrc -Ibuild/gen -DVERSION=\"cov\" -g -O1
       -fprofile-instr-generate -fcoverage-mapping -DFUZZING"
objs=""
for f in $(find src -name '*.c' ! -path 'src/pesto/*' ! -name main.c | sort)
do
	o="$out/obj/${f%.c}.o"
	mkdir -p "$(dirname "$o")"
	if [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
		# shellcheck disable=SC2086,SC2090
		clang $flags -fsanitize=fuzzer-no-link -c -o "$o" "$f"
	fi
	objs="$objs $o"
done

wrap=""
if [ "$t" = fuzz_flows ]; then	# as the Makefile links it
	wrap="-Wl,--wrap=connect -Wl,--wrap=sendto -Wl,--wrap=sendmsg
	      -Wl,--wrap=sendmmsg"
fi
# shellcheck disable=SC2086,SC2090
clang $flags -fsanitize=fuzzer -o "$out/$t" "tests/fuzz/$t.c" $objs $wrap

dirs="tests/fuzz/corpus/$t"
[ -d "build/fuzz/long/$t" ] && dirs="$dirs build/fuzz/long/$t"
rm -f "$out/$t.profraw"
# shellcheck disable=SC2086
LLVM_PROFILE_FILE="$out/$t.profraw" "$out/$t" -runs=0 $dirs "$@" \
	> "$out/$t.log" 2>&1
llvm-profdata merge -o "$out/$t.profdata" "$out/$t.profraw"
# shellcheck disable=SC2046
llvm-cov report "$out/$t" -instr-profile="$out/$t.profdata" \
	$(find src -name '*.c' ! -path 'src/pesto/*' ! -name main.c | sort)

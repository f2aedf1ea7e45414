# SPDX-License-Identifier: GPL-2.0-or-later
#
# passt / pasta: build, test and install
#
#   make              build passt, and pasta as a link to it
#   make asan         build passt.asan / pasta.asan (AddressSanitizer + UBSan)
#   make check        install test dependencies if missing, run every test
#   make unit         unit tests only
#   make fuzz         build the libFuzzer targets (clang)
#   make fuzz-run     run each fuzzer for FUZZ_SECONDS, FUZZ_JOBS at once
#   make fuzz-long    run each fuzzer for FUZZ_LONG_SECONDS, nice'd
#   make integration  pytest integration tests against ./passt
#   make e2e          qemu guests behind ./passt (tests/e2e, tests/guest)
#   make bench        side-by-side benchmark (bench/run.sh), as root
#   make install      PREFIX=/usr/local DESTDIR=

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

CC ?= cc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

FUZZ_SECONDS ?= 20

# Quiet build lines unless V=1
ifeq ($(V),1)
Q :=
else
Q := @
endif
PYTEST ?= /usr/bin/python3 -m pytest
# PYTEST_JOBS=N runs the integration tests in N processes (pytest-xdist): each
# builds its own topologies, named per process. Default 0: one process, as
# the timing-sensitive tests (test_pressure, test_exit_drain) expect
PYTEST_JOBS ?= 0
PYTEST_PAR = $(if $(filter-out 0,$(PYTEST_JOBS)),-n $(PYTEST_JOBS))

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter
HARDEN := -fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	  -fstack-clash-protection
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Isrc -Ibuild/gen \
	       -DVERSION=\"$(VERSION)\" \
	       -pipe $(WARN)
CFLAGS ?= -O2 -g
LDFLAGS_HARDEN := -static-pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined -O1 -g

# pesto, the control socket's client, is a program of its own: it shares
# the message format (src/ctl/msg.c), the port specification parser
# (src/policy/portspec.c) and the egress rule parser (src/policy/egress.c,
# with its reference lookup) with passt, and nothing else
PESTO_SRCS := src/pesto/pesto.c src/ctl/msg.c src/policy/portspec.c \
	      src/policy/egress.c src/policy/egress_ref.c
SRCS := $(sort $(filter-out src/pesto/%,$(shell find src -name '*.c')))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
HDRS := $(shell find src -name '*.h')

# The seccomp allow-lists, from #syscalls annotations (see src/sandbox/)
SECCOMP_H := build/gen/seccomp.h

OBJS := $(SRCS:src/%.c=build/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=build/obj/%.o)
ASAN_OBJS := $(SRCS:src/%.c=build/asan/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:src/%.c=build/asan/%.o)
FUZZ_LIB_OBJS := $(LIB_SRCS:src/%.c=build/fuzzobj/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=build/helpers/%)

.PHONY: all asan clean install uninstall check deps unit fuzz fuzz-run fuzz-long \
	integration integration-asan clang helpers bench seccomp \
	seccomp-discover FORCE

all: passt pasta pesto

passt: $(OBJS)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^

pesto: $(PESTO_SRCS:src/%.c=build/obj/%.o)
	@echo '  LD      $@'
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^

pasta: passt
	ln -sf passt $@

# Regenerated when a source changes, rewritten only when the lists do
$(SECCOMP_H): $(SRCS) tools/seccomp.sh
	@tools/seccomp.sh $(CC) $@ $(SRCS)

build/obj/sandbox/sandbox.o build/asan/sandbox/sandbox.o \
build/fuzzobj/sandbox/sandbox.o build/clang/passt: $(SECCOMP_H)

# The objects that print VERSION are rebuilt when it changes (a commit, a
# change to the tree), not only when their sources do: the stamp holds the
# version and is rewritten only when it differs
VERSION_STAMP := build/gen/version
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = '$(VERSION)' ] || echo '$(VERSION)' > $@
FORCE:
build/obj/conf/conf.o build/asan/conf/conf.o build/obj/pesto/pesto.o: \
	$(VERSION_STAMP)

# Print the lists and their counts
seccomp:
	@tools/seccomp.sh $(CC) - $(SRCS)

# Test-only build: SIGUSR2 makes the main loop call getcwd(), which no
# annotation allows (tests/integration/test_sandbox.py). Never installed.
build/test/passt-selftest: $(SRCS) $(HDRS) $(SECCOMP_H)
	@mkdir -p build/test
	$(CC) $(BASE_CFLAGS) $(HARDEN) -O2 -DSECCOMP_SELFTEST \
		$(LDFLAGS_HARDEN) -o $@ $(SRCS)
	ln -sf passt-selftest build/test/pasta-selftest

# Test-only program: applies the real sandbox, then tries to get out of it
# (tests/sandbox/escape.c, tests/integration/test_sandbox_escape.py)
ESCAPE_SRCS := tests/sandbox/escape.c src/sandbox/sandbox.c \
	       src/sandbox/filter.c src/util/log.c src/util/file.c \
	       src/util/userdb.c
build/test/sandbox-escape: $(ESCAPE_SRCS) $(HDRS) $(SECCOMP_H)
	@mkdir -p build/test
	$(CC) $(BASE_CFLAGS) $(HARDEN) -O2 $(LDFLAGS_HARDEN) -o $@ \
		$(ESCAPE_SRCS)

# Test-only build: the flow clock runs 100 times faster, for flow expiry
# (tests/integration/test_flow_expiry.py). Never installed.
build/test/passt-fasttime: $(SRCS) $(HDRS) $(SECCOMP_H)
	@mkdir -p build/test
	$(CC) $(BASE_CFLAGS) $(HARDEN) -O2 -DTEST_TIME_SCALE=100 \
		$(LDFLAGS_HARDEN) -o $@ $(SRCS)
	ln -sf passt-fasttime build/test/pasta-fasttime

# Development aid: a passt whose filter reports refused calls in
# /tmp/seccomp-discover.log and fails them with ENOSYS instead of killing;
# run the test suites with PASST_BIN=$(CURDIR)/build/discover/passt
seccomp-discover: $(SECCOMP_H)
	@mkdir -p build/discover
	$(CC) $(BASE_CFLAGS) $(HARDEN) -O2 -DSECCOMP_DISCOVER \
		$(LDFLAGS_HARDEN) -o build/discover/passt $(SRCS)
	ln -sf passt build/discover/pasta
	touch /tmp/seccomp-discover.log && chmod 666 /tmp/seccomp-discover.log

build/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(BASE_CFLAGS) $(HARDEN) $(CFLAGS) -c -o $@ $<

asan: passt.asan pasta.asan

passt.asan: $(ASAN_OBJS)
	@echo '  LD      $@'
	$(Q)$(CC) $(SAN_FLAGS) -pie -o $@ $^

pasta.asan: passt.asan
	ln -sf passt.asan $@

build/asan/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo '  CC asan $<'
	$(Q)$(CC) $(BASE_CFLAGS) -fPIE $(SAN_FLAGS) -DSANITIZER_BUILD -c -o $@ $<

# Build once more with clang, to keep both compilers warning-free
clang:
	$(MAKE) -B CC=clang build/clang/passt

build/clang/passt: $(SRCS) $(HDRS)
	@mkdir -p build/clang
	clang $(BASE_CFLAGS) $(HARDEN) -O2 $(LDFLAGS_HARDEN) -o $@ $(SRCS)
	clang $(BASE_CFLAGS) $(HARDEN) -O2 $(LDFLAGS_HARDEN) \
		-o build/clang/pesto $(PESTO_SRCS)

# Unit tests: each tests/unit/test_*.c is a program linked with every module
# but main.c, under the sanitizers
build/unit/%: tests/unit/%.c $(UNIT_SUPPORT) $(ASAN_LIB_OBJS) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN_FLAGS) -o $@ $< \
		$(UNIT_SUPPORT) $(ASAN_LIB_OBJS)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; exit $$fail

# libFuzzer targets, one per parser of guest input
build/fuzzobj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo '  CC fuzz $<'
	$(Q)clang $(BASE_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-DFUZZING -c -o $@ $<

# fuzz_flows watches every destination a host socket is given (see the file)
build/fuzz/fuzz_flows: FUZZ_LDFLAGS := -Wl,--wrap=connect -Wl,--wrap=sendto \
				       -Wl,--wrap=sendmsg -Wl,--wrap=sendmmsg

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)clang $(BASE_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-DFUZZING -o $@ $< $(FUZZ_LIB_OBJS) $(FUZZ_LDFLAGS)

# Keep the objects: every target links them all
.SECONDARY: $(FUZZ_LIB_OBJS)

fuzz: $(FUZZ_BINS)

# One fuzzer per CPU at once (FUZZ_JOBS): each still gets FUZZ_SECONDS of a
# CPU, and the whole run takes FUZZ_JOBS times less
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
fuzz-run: $(FUZZ_BINS)
	@printf '%s\n' $(FUZZ_BINS) | \
		xargs -P $(FUZZ_JOBS) -I{} tests/fuzz/run.sh {} $(FUZZ_SECONDS)

# A longer campaign (tests/fuzz/README.md): FUZZ_LONG_SECONDS per target, at
# the lowest priority, corpora kept in build/fuzz/long/ between runs; pick
# targets with FUZZ_TARGETS="fuzz_flows fuzz_stream"
FUZZ_LONG_SECONDS ?= 300
FUZZ_TARGETS ?= $(notdir $(FUZZ_BINS))
fuzz-long: $(FUZZ_BINS)
	@mkdir -p build/fuzz/long
	@for n in $(FUZZ_TARGETS); do \
		c=tests/fuzz/corpus/$$n; l=build/fuzz/long/$$n; \
		mkdir -p $$l; \
		echo "== $$n for $(FUZZ_LONG_SECONDS)s"; \
		nice -n 19 build/fuzz/$$n -max_total_time=$(FUZZ_LONG_SECONDS) \
			-max_len=4096 -print_final_stats=1 $$l \
			$$( [ -d $$c ] && echo $$c ) 2>$$l.log || \
			{ tail -50 $$l.log; exit 1; }; \
		grep -E '^#[0-9]+.*(DONE|pulse)' $$l.log | tail -1; \
		grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' \
			$$l.log; \
	done

build/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O2 -o $@ $<

helpers: $(HELPER_BINS)

integration: all helpers build/test/passt-selftest \
	     build/test/passt-fasttime build/test/sandbox-escape
	$(PYTEST) -v $(PYTEST_PAR) tests/integration

integration-asan: asan helpers build/test/passt-selftest \
		  build/test/passt-fasttime build/test/sandbox-escape
	PASST_BIN=$(CURDIR)/passt.asan $(PYTEST) -v $(PYTEST_PAR) tests/integration

# End to end: qemu (TCG) boots a small Debian guest, built and cached in
# build/guest by tests/guest/build.sh, on passt's socket
.PHONY: e2e
e2e: all
	tests/guest/build.sh > /dev/null
	$(PYTEST) -v tests/e2e

deps:
	tests/deps.sh

# Not a test: prints figures for ours, Debian's pasta, slirp4netns and a
# plain veth pair (bench/bench.py: 3 s a cell, median of 3 rounds, about 15
# minutes); BENCH_BASE=PATH adds another build of our pasta as 'base',
# BENCH_ARGS passes other options of bench/run.sh
bench: all
	bench/run.sh $(if $(BENCH_BASE),--base $(BENCH_BASE)) $(BENCH_ARGS)

# Everything CI runs: dependencies, both compilers, unit tests, fuzzers for
# a bounded time, integration tests against the normal and sanitizer builds,
# e2e tests with qemu guests against the normal build
check: deps
	$(MAKE) all
	$(MAKE) clang
	$(MAKE) unit
	$(MAKE) fuzz-run
	$(MAKE) integration
	$(MAKE) e2e
	$(MAKE) integration-asan

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 passt $(DESTDIR)$(BINDIR)/passt
	ln -sf passt $(DESTDIR)$(BINDIR)/pasta
	install -m 644 doc/passt.1 $(DESTDIR)$(MANDIR)/man1/passt.1
	ln -sf passt.1 $(DESTDIR)$(MANDIR)/man1/pasta.1
	install -m 755 pesto $(DESTDIR)$(BINDIR)/pesto
	install -m 644 doc/pesto.1 $(DESTDIR)$(MANDIR)/man1/pesto.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/passt $(DESTDIR)$(BINDIR)/pasta
	rm -f $(DESTDIR)$(MANDIR)/man1/passt.1 $(DESTDIR)$(MANDIR)/man1/pasta.1
	rm -f $(DESTDIR)$(BINDIR)/pesto $(DESTDIR)$(MANDIR)/man1/pesto.1

clean:
	rm -rf build passt pasta pesto passt.asan pasta.asan

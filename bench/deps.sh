#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/deps.sh - install what bench/run.sh needs, if it's missing
#
# Idempotent and quick when everything is there: one dpkg-query per package,
# no network. apt-get update runs only if something has to be installed.
#
# Note: the 'passt' package installs Debian's /usr/bin/passt and
# /usr/bin/pasta. Ours are ./passt and ./pasta at the top of the repository;
# the benchmark always uses absolute paths for both, never $PATH.

set -eu

exec "$(dirname "$0")/../tests/deps.sh" iperf3 passt slirp4netns iproute2 \
	util-linux curl gcc libc6-dev python3 procps iputils-ping

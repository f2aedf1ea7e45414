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

PKGS="iperf3 passt slirp4netns iproute2 util-linux curl gcc libc6-dev
      python3 procps"

missing=""
for p in $PKGS; do
	s="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
	[ "$s" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "bench deps: all installed"
	exit 0
fi

echo "bench deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
else
	SUDO=""
fi

APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get"
$APT update -q
# shellcheck disable=SC2086
$APT install -y -q --no-install-recommends $missing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/deps.sh - install what the test suites need, if it's missing
#
#   tests/deps.sh		the test suites' packages
#   tests/deps.sh PKG...	those packages instead (bench/deps.sh)
#
# Idempotent and quick when everything is there: one dpkg-query, no network.
# apt-get update runs only if something has to be installed.

set -eu

PKGS="python3-pytest python3-pytest-xdist tshark busybox isc-dhcp-client iproute2 clang
      libclang-rt-14-dev util-linux iperf3 socat iputils-ping dnsmasq-base
      bind9-dnsutils faketime qemu-system-x86 xz-utils libc6-dev strace
      gcc-i686-linux-gnu libc6-dev-i386-cross gcc-aarch64-linux-gnu
      libc6-dev-arm64-cross gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"
[ $# -gt 0 ] && PKGS="$*"

missing=""
for p in $PKGS; do
	s="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
	[ "$s" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "deps: all test dependencies installed"
	exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
else
	SUDO=""
fi

APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get"
$APT update -q
# shellcheck disable=SC2086
$APT install -y -q --no-install-recommends $missing

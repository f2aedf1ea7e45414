#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/guest/build.sh - build the small qemu guest of the e2e tests
#
#   tests/guest/build.sh [OUTDIR]	(default: build/guest in the repository)
#
# The guest is a Debian kernel and an initramfs: busybox, the virtio-net
# modules and tests/guest/init, which configures eth0 by DHCP, SLAAC and
# DHCPv6 and then serves commands from the test harness on a serial port.
#
# Downloads, with "apt-get download" from the machine's Debian sources
# (nothing gets installed on the machine):
#   - linux-image-amd64, only to read which kernel package it depends on,
#   - that kernel package, linux-image-<ABI>-amd64 (about 70 MB), for
#     /boot/vmlinuz-* and the modules: virtio_pci and virtio_net, and tun
#     (for pasta inside the guest, tests/e2e/test_qemu.py), with what
#     they need according to modules.dep (made by busybox depmod, as the
#     package has none; .ko.xz and .ko.zst modules are decompressed here),
#   - busybox-static, for its /bin/busybox (the package itself would
#     conflict with Debian's busybox, which the integration tests use).
# tests/guest/gtool.c, the guest's UDP and DHCPv6 tool, is compiled with
# "cc -static".
#
# Cache, under OUTDIR:
#   linux-<meta version>/	vmlinuz, modules/*.ko, modules.order, version
#   busybox-<version>/		busybox
#   initramfs-<hash>.cpio.gz	hash of the kernel and busybox versions and
#				of init, udhcpc.script, gtool.c and this file
#   guest.env			KERNEL=, INITRD=, versions: what was built last
# Each part is made only if missing, in a temporary directory renamed into
# place when complete; the .deb files are deleted once unpacked. Versions
# are the candidates that apt-cache knows; without package lists at all,
# the last build (guest.env) is used as it is.
#
# Prints guest.env (KERNEL=..., INITRD=..., ...) on standard output, the
# rest goes to standard error. Needs: apt-get, dpkg-deb, xz, gzip, zstd
# only for .ko.zst modules, a C compiler with a static libc (libc6-dev).

set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$REPO/build/guest}"
CC="${CC:-cc}"
MODULES="virtio_pci virtio_net tun"

log() {
	echo "guest build: $*" >&2
}

die() {
	log "$*"
	exit 1
}

# Candidate versions of linux-image-amd64 and busybox-static into KMETA and
# BBVER, empty if apt knows none (one apt-cache run: each takes a second)
candidates() {
	_v="$(apt-cache show --no-all-versions linux-image-amd64 \
		busybox-static 2>/dev/null | awk '
		/^Package: / { p = $2 }
		/^Version: / { v[p] = $2 }
		END { print v["linux-image-amd64"], v["busybox-static"] }')"
	KMETA="${_v% *}"
	BBVER="${_v#* }"
}

# Directory-safe version string
safe() {
	echo "$1" | tr ':~' '_-'
}

# apt-get download $@ into directory $DL. If that fails, the package lists
# may be stale (versions gone from the mirror): update them, and start over
# once, with the versions they name now
download() {
	(cd "$DL" && apt-get download -q "$@" >&2) && return 0
	[ "$(id -u)" -eq 0 ] && [ -z "${GUEST_BUILD_UPDATED:-}" ] ||
		die "apt-get download $* failed"
	log "apt-get download failed, updating package lists"
	apt-get update -q >&2
	rm -rf "$OUT"/dl.* "$OUT"/tmp.*
	GUEST_BUILD_UPDATED=1 exec "$0" "$OUT"
}

# Fresh download directory; apt's sandbox user must be able to write it
new_dl() {
	DL="$(mktemp -d "$OUT/dl.XXXXXX")"
	if [ "$(id -u)" -eq 0 ] && id _apt > /dev/null 2>&1; then
		chown _apt "$DL"
	fi
}

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

candidates
if [ -z "$KMETA" ] || [ -z "$BBVER" ]; then
	if [ -s "$OUT/guest.env" ]; then
		log "no package lists: using the last build"
		cat "$OUT/guest.env"
		exit 0
	fi
	[ "$(id -u)" -eq 0 ] || die "no package lists, and not root"
	apt-get update -q >&2
	candidates
	[ -n "$KMETA" ] && [ -n "$BBVER" ] ||
		die "linux-image-amd64 or busybox-static unknown to apt"
fi

trap 'rm -rf "$OUT"/dl.* "$OUT"/tmp.*' EXIT

# busybox
BDIR="$OUT/busybox-$(safe "$BBVER")"
if [ ! -x "$BDIR/busybox" ]; then
	new_dl
	download "busybox-static=$BBVER"
	T="$(mktemp -d "$OUT/tmp.XXXXXX")"
	dpkg-deb -x "$DL"/busybox-static_*.deb "$T/x"
	rm -rf "$DL"
	mkdir -p "$T/out"
	mv "$T/x/bin/busybox" "$T/out/busybox"
	rm -rf "$BDIR"
	mv "$T/out" "$BDIR"
	rm -rf "$T"
	log "busybox-static $BBVER"
fi

# Kernel and modules
KDIR="$OUT/linux-$(safe "$KMETA")"
if [ ! -s "$KDIR/version" ]; then
	start=$(date +%s)
	new_dl
	download "linux-image-amd64=$KMETA"
	dep="$(dpkg-deb -f "$DL"/linux-image-amd64_*.deb Depends)"
	kpkg="$(echo "$dep" | sed 's/[ ,(|].*//')"
	kver="$(echo "$dep" | sed -n 's/.*(= *\([^)]*\)).*/\1/p')"
	[ -n "$kpkg" ] || die "no kernel package in Depends: $dep"
	log "linux-image-amd64 $KMETA depends on $kpkg $kver"
	download "$kpkg${kver:+=$kver}"
	T="$(mktemp -d "$OUT/tmp.XXXXXX")"
	dpkg-deb --fsys-tarfile "$DL/${kpkg}"_*.deb |
		tar -x -C "$T" ./boot ./lib/modules
	rm -rf "$DL"
	abi="$(ls "$T/lib/modules")"
	[ -n "$abi" ] && [ -f "$T/boot/vmlinuz-$abi" ] ||
		die "no kernel image in $kpkg"
	# Decompress modules: busybox-static 1.35's insmod reads .ko.xz (it
	# was tried), but not .ko.zst, newer Debian kernels' format
	find "$T/lib/modules/$abi" -name '*.ko.xz' -exec xz -d {} +
	find "$T/lib/modules/$abi" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	"$BDIR/busybox" depmod -b "$T" "$abi" >&2
	mkdir -p "$T/out/modules"
	mv "$T/boot/vmlinuz-$abi" "$T/out/vmlinuz"
	# Load order: each module after what it depends on, from modules.dep
	# ("path: dependency paths"), depth first
	: > "$T/out/modules.order"
	# (no local variables in sh: _l is looked up again after recursing)
	dep_line() {
		grep -E "(^|/)$1\.ko:" "$T/lib/modules/$abi/modules.dep" |
			head -n1
	}
	add_module() {
		_l="$(dep_line "$1")"
		[ -n "$_l" ] || die "module $1 not in modules.dep"
		grep -qx "$1.ko" "$T/out/modules.order" && return 0
		for _d in ${_l#*:}; do
			add_module "$(basename "$_d" .ko)"
		done
		_l="$(dep_line "$1")"
		cp "$T/lib/modules/$abi/${_l%%:*}" "$T/out/modules/$1.ko"
		echo "$1.ko" >> "$T/out/modules.order"
	}
	for m in $MODULES; do
		add_module "$m"
	done
	echo "$abi $kpkg $kver" > "$T/out/version"
	rm -rf "$KDIR"
	mv "$T/out" "$KDIR"
	rm -rf "$T"
	log "kernel $abi: $(wc -l < "$KDIR/modules.order") modules, $(($(date +%s) - start)) s"
fi

# initramfs
HASH="$( { echo "$KMETA $BBVER $CC"; cat "$KDIR/version" "$HERE/init" \
	"$HERE/udhcpc.script" "$HERE/gtool.c" "$0"; } |
	sha256sum | cut -c1-16)"
INITRD="$OUT/initramfs-$HASH.cpio.gz"
if [ ! -s "$INITRD" ]; then
	T="$(mktemp -d "$OUT/tmp.XXXXXX")"
	R="$T/root"
	abi="$(cut -d' ' -f1 "$KDIR/version")"
	mkdir -p "$R/bin" "$R/etc" "$R/lib/modules" "$R/dev" "$R/proc" \
		"$R/sys" "$R/tmp" "$R/run"
	cp "$BDIR/busybox" "$R/bin/busybox"
	$CC -std=gnu11 -Wall -Wextra -Werror -Os -static -s \
		-o "$R/bin/gtool" "$HERE/gtool.c"
	cp "$HERE/init" "$R/init"
	cp "$HERE/udhcpc.script" "$R/etc/udhcpc.script"
	chmod 755 "$R/init" "$R/etc/udhcpc.script" "$R/bin/busybox" \
		"$R/bin/gtool"
	cp "$KDIR"/modules/*.ko "$R/lib/modules/"
	cp "$KDIR/modules.order" "$R/etc/modules"
	echo "$abi" > "$R/etc/kernel-abi"
	# Reproducible: fixed owner and times, sorted names, no gzip time
	find "$R" -exec touch -h -d @0 {} +
	(cd "$R" && find . | LC_ALL=C sort |
		"$BDIR/busybox" cpio -o -H newc -R 0:0 --renumber-inodes \
		--ignore-devno 2>/dev/null) |
		gzip -n -9 > "$T/initramfs.cpio.gz"
	mv "$T/initramfs.cpio.gz" "$INITRD"
	rm -rf "$T"
	# Older initramfs images of this cache are stale now
	for f in "$OUT"/initramfs-*.cpio.gz; do
		[ "$f" = "$INITRD" ] || rm -f "$f"
	done
	log "initramfs: $INITRD, $(wc -c < "$INITRD") bytes"
fi

cat > "$OUT/guest.env.tmp" <<EOF
KERNEL=$KDIR/vmlinuz
INITRD=$INITRD
KERNEL_ABI=$(cut -d' ' -f1 "$KDIR/version")
KERNEL_PACKAGE=$(cut -d' ' -f2 "$KDIR/version")=$(cut -d' ' -f3 "$KDIR/version")
LINUX_IMAGE_AMD64=$KMETA
BUSYBOX_STATIC=$BBVER
EOF
mv "$OUT/guest.env.tmp" "$OUT/guest.env"
cat "$OUT/guest.env"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/seccomp.sh - generate the seccomp allow-lists of passt and pasta
#
#   tools/seccomp.sh CC OUT SRC...	write the C header OUT
#   tools/seccomp.sh CC - SRC...	print the lists, their counts and the
#					argument checks
#
# The lists come from annotations in the sources, next to the code that
# needs each system call: comment lines (nothing else on them) of the form:
#
#	#syscalls CALL...		both modes
#	#syscalls:passt CALL...		passt only
#	#syscalls:pasta CALL...		pasta only
#	#syscalls:vu CALL...		passt --vhost-user only
#
# passt --vhost-user has a list of its own ("vu"): the passt list, and the
# :vu calls on top of it.
#
# CALL is a system call name as in __NR_NAME, allowed with any arguments,
# or a name with argument checks, allowed only if they all hold:
#
#	NAME:CHECK[:CHECK...]		CHECK is aN=V[,V...] or aN&MASK=V[,V...]
#	NAME:errno=E			what a call failing its checks returns
#
# aN is argument N (0 to 5), compared as the 32-bit integer the kernel reads
# (ioctl requests, socket families, types and protocols, clone and setns
# flags are all 32-bit). The values, the mask and E are C constant
# expressions without spaces, from the headers included in OUT (socket,
# in, sched, signal, ioctl, mman, sockios, net, errno). Example:
#
#	#syscalls socket:a0=AF_INET,AF_INET6:a1&15=SOCK_STREAM:a2=IPPROTO_TCP
#
# Several CALLs with checks for the same name, in one place or many, are
# alternatives: the call is allowed if any of them holds. A name can't be
# both unchecked and checked in one mode: the generator stops with an error,
# as an unchecked mention would silently open the call to any argument.
# A call whose checks fail kills the process, unless some annotation gives
# it an errno.
#
# Portability: libc doesn't always issue the call the code names. The table
# below lists, for a name, the calls libc may issue as well ("also": the
# 32-bit time64 variants, fcntl64...), the one it issues where the name
# doesn't exist ("instead": epoll_pwait for epoll_wait on aarch64 and
# riscv64), and the multiplexer subcall it goes through on i386
# ("socketcall"): those that exist for CC's architecture (as the compiler CC
# sees <sys/syscall.h>) are added, with the checks of the name. socketcall's
# arguments are in memory, out of the filter's reach: it's allowed for the
# subcalls of the names in the list only, and the checks of a name (socket's
# family) apply to its direct call alone, which the code uses for socket()
# (see util/util.h, sock_open()).
#
# OUT defines seccomp_passt[], seccomp_pasta[] and seccomp_vu[], arrays of struct
# sandbox_call (sandbox/filter.h), sorted by name, and is rewritten only if
# it changes.

set -eu

CC="$1"
OUT="$2"
shift 2

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# What libc may issue for a name: NAME KIND CALL...
cat >"$tmp/equiv" <<'EOF'
epoll_wait	instead		epoll_pwait
wait4		instead		waitid
clock_gettime	also		clock_gettime64
recvmmsg	also		recvmmsg_time64
fcntl		also		fcntl64
ftruncate	also		ftruncate64
lseek		also		_llseek
socket		socketcall	SYS_SOCKET
bind		socketcall	SYS_BIND
connect		socketcall	SYS_CONNECT
listen		socketcall	SYS_LISTEN
accept4		socketcall	SYS_ACCEPT4
getsockopt	socketcall	SYS_GETSOCKOPT
setsockopt	socketcall	SYS_SETSOCKOPT
shutdown	socketcall	SYS_SHUTDOWN
sendto		socketcall	SYS_SENDTO SYS_SEND
sendmsg		socketcall	SYS_SENDMSG
sendmmsg	socketcall	SYS_SENDMMSG
recvmsg		socketcall	SYS_RECVMSG
recvmmsg	socketcall	SYS_RECVMMSG
EOF

# Annotation lines, one "MODE CALL..." line each (MODE: all, passt, pasta, vu)
sed -n 's/^[[:space:]/*]*#syscalls\(:[a-z]*\)\{0,1\}[[:space:]]\{1,\}\([][A-Za-z0-9_:=,&|~()+<> ]*\)[[:space:]*/]*$/\1 \2/p' \
	"$@" | sed 's/^:\{0,1\}//; s/^ /all /' >"$tmp/notes"

# Every name that might be allowed: which exist for CC's architecture?
{
	awk '{ for (i = 2; i <= NF; i++) { sub(/:.*/, "", $i); print $i } }' \
		"$tmp/notes"
	awk '$2 != "socketcall" { for (i = 3; i <= NF; i++) print $i }
	     $2 == "socketcall" { print "socketcall" }' "$tmp/equiv"
} | sort -u >"$tmp/all"
{
	echo '#include <sys/syscall.h>'
	sed 's/.*/& __NR_&/' "$tmp/all"
} | $CC -E -P -x c - 2>/dev/null | awk 'NF >= 2 && $2 ~ /^[0-9(]/ { print $1 }' \
	>"$tmp/known" || true

# The lists, as "MODE NAME ERRNO RULE;RULE..." lines (RULE: checks joined by
# ':', "-" for none, ERRNO "-" for none), sorted by mode and name
awk -v known="$tmp/known" -v equiv="$tmp/equiv" '
function die(msg) { print "seccomp: " msg > "/dev/stderr"; err = 1; exit 1 }
function add(m, name, rule, e) {
	if (rule == "-") {
		if ((m, name) in rules)
			die(name " is both unchecked and checked in " m \
			    ": give it checks everywhere")
		plain[m, name] = 1
	} else if (rule != "") {
		if ((m, name) in plain)
			die(name " is both unchecked and checked in " m \
			    ": give it checks everywhere")
		if (!((m, name) in rules))
			rules[m, name] = rule
		else if (!index(";" rules[m, name] ";", ";" rule ";"))
			rules[m, name] = rules[m, name] ";" rule
	}
	if (e != "") {
		if ((m, name) in errno_of && errno_of[m, name] != e)
			die(name " has two errnos in " m ": " \
			    errno_of[m, name] ", " e)
		errno_of[m, name] = e
	}
	names[m, name] = 1
}
BEGIN {
	while ((getline l < known) > 0) exists[l] = 1
	while ((getline l < equiv) > 0) {
		n = split(l, f, /[ \t]+/)
		neq++
		eq_name[neq] = f[1]
		eq_kind[neq] = f[2]
		eq_alt[neq] = ""
		for (i = 3; i <= n; i++) eq_alt[neq] = eq_alt[neq] " " f[i]
		if (f[2] == "instead")
			replaced[f[1]] = 1
	}
}
{
	mode = $1
	for (i = 2; i <= NF; i++) {
		n = split($i, part, ":")
		name = part[1]
		if (name !~ /^[a-z][a-z0-9_]*$/)
			die("bad system call name in \"" $i "\"")
		rule = ""; e = ""
		for (j = 2; j <= n; j++) {
			if (part[j] ~ /^errno=[A-Z0-9_]+$/) {
				e = substr(part[j], 7)
			} else if (part[j] ~ /^a[0-5](&[^=]+)?=[^=]+$/) {
				rule = rule == "" ? part[j] : rule ":" part[j]
			} else {
				die("bad check \"" part[j] "\" in \"" $i "\"")
			}
		}
		if (n == 1)
			rule = "-"
		for (k = 0; k < 3; k++) {
			m = k == 2 ? "vu" : k ? "pasta" : "passt"
			if (mode == "all" || mode == m ||
			    (m == "vu" && mode == "passt"))
				add(m, name, rule, e)
		}
	}
}
END {
	if (err)
		exit 1
	for (key in names) {
		split(key, km, SUBSEP); m = km[1]; name = km[2]
		base[m, name] = 1
	}
	# Equivalents, with the checks of the name they stand for
	for (key in base) {
		split(key, km, SUBSEP); m = km[1]; name = km[2]
		r = (m, name) in rules ? rules[m, name] : "-"
		e = (m, name) in errno_of ? errno_of[m, name] : ""
		for (q = 1; q <= neq; q++) {
			if (eq_name[q] != name)
				continue
			n = split(eq_alt[q], alt, " ")
			if (eq_kind[q] == "instead" && (name in exists))
				continue
			if (eq_kind[q] != "socketcall") {
				for (i = 1; i <= n; i++)
					if (alt[i] in exists)
						copy(m, alt[i], r, e)
				continue
			}
			if (!("socketcall" in exists))
				continue
			# Checked socket(): only its direct call is allowed
			if (name == "socket" && r != "-")
				continue
			for (i = 1; i <= n; i++) {
				sep = sub_of[m] == "" ? "" : ","
				sub_of[m] = sub_of[m] sep alt[i]
			}
		}
	}
	for (m in sub_of)
		add(m, "socketcall", "a0=" sub_of[m],
		    (m, "socket") in errno_of ? errno_of[m, "socket"] : "")
	for (key in names) {
		split(key, km, SUBSEP); m = km[1]; name = km[2]
		if (!(name in exists)) {
			if (!(name in replaced))
				printf("seccomp: %s doesn'"'"'t exist on this " \
				       "architecture, left out\n", name) \
				       > "/dev/stderr"
			continue
		}
		r = (m, name) in rules ? rules[m, name] : "-"
		e = (m, name) in errno_of ? errno_of[m, name] : "-"
		if (r == "-" && e != "-")
			die(name " has an errno but no checks in " m)
		print m, name, e, r
	}
}
function copy(m, name, r, e) {
	if ((m, name) in names)
		return
	add(m, name, r, e)
}
' "$tmp/notes" >"$tmp/raw"
sort "$tmp/raw" >"$tmp/lists"

# count MODE: calls in the list of MODE
count() {
	awk -v m="$1" '$1 == m' "$tmp/lists" | wc -l | tr -d ' '
}

# What the lists are called in the output
label() {
	[ "$1" = vu ] && echo "passt --vhost-user" || echo "$1"
}

if [ "$OUT" = "-" ]; then
	for m in passt pasta vu; do
		echo "$(label $m): $(count $m) system calls"
		awk -v m="$m" '$1 == m { print $2 }' "$tmp/lists" |
			tr '\n' ' ' | fold -s -w 72 | sed 's/^/  /'
		echo
		awk -v m="$m" '$1 == m && $4 != "-" {
			if (!hdr++) print "  argument checks:"
			n = split($4, rule, ";")
			for (i = 1; i <= n; i++) {
				gsub(/:/, " ", rule[i])
				printf("    %12s %s\n", i == 1 ? $2 ":" : "or:",
				       rule[i])
			}
			printf("    %12s %s\n", "else:",
			       $3 == "-" ? "kill" : "errno " $3)
		}' "$tmp/lists"
	done
	exit 0
fi

# C initializers: one sandbox_rule per alternative, one sandbox_cond per check
{
	echo '/* Generated by tools/seccomp.sh from #syscalls annotations in the'
	echo ' * sources: do not edit, and do not commit'
	echo ' */'
	echo '#include <errno.h>'
	echo '#include <sched.h>'
	echo '#include <signal.h>'
	echo "#include <fcntl.h>"
	echo "#include <time.h>"
	echo '#include <sys/ioctl.h>'
	echo '#include <sys/mman.h>'
	echo '#include <sys/socket.h>'
	echo '#include <netinet/in.h>'
	echo '#include <linux/net.h>'
	echo '#include <linux/sockios.h>'
	echo '#include "sandbox/filter.h"'
	for m in passt pasta vu; do
		awk -v m="$m" '$1 == m && $4 != "-" {
			printf("\nstatic const struct sandbox_rule " \
			       "seccomp_%s_%s[] = {\n", m, $2)
			n = split($4, rule, ";")
			for (i = 1; i <= n; i++) {
				k = split(rule[i], chk, ":")
				printf("\t{ %d, {", k)
				for (j = 1; j <= k; j++) {
					eqp = index(chk[j], "=")
					lhs = substr(chk[j], 1, eqp - 1)
					nv = split(substr(chk[j], eqp + 1), v, ",")
					mask = "0xffffffff"
					if ((a = index(lhs, "&"))) {
						mask = substr(lhs, a + 1)
						lhs = substr(lhs, 1, a - 1)
					}
					printf("%s\n\t\t{ %s, (uint32_t)(%s), %d, {", \
					       j > 1 ? "," : "", substr(lhs, 2),
					       mask, nv)
					for (x = 1; x <= nv; x++)
						printf("%s (uint32_t)(%s)",
						       x > 1 ? "," : "", v[x])
					printf(" } }")
				}
				printf(" } },\n")
			}
			print "};"
		}' "$tmp/lists"
		echo
		echo "/* $(label $m): $(count $m) system calls */"
		echo "static const struct sandbox_call seccomp_$m[] = {"
		awk -v m="$m" '$1 == m {
			if ($4 == "-")
				printf("\t{ __NR_%s, \"%s\", 0, 0, NULL },\n",
				       $2, $2)
			else
				printf("\t{ __NR_%s, \"%s\", %s, " \
				       "ARRAY_SIZE(seccomp_%s_%s), " \
				       "seccomp_%s_%s },\n", $2, $2,
				       $3 == "-" ? "0" : $3, m, $2, m, $2)
		}' "$tmp/lists"
		echo '};'
	done
} >"$tmp/out"

# sys/syscall.h is needed where the header is used
if ! cmp -s "$tmp/out" "$OUT" 2>/dev/null; then
	mkdir -p "$(dirname "$OUT")"
	cp "$tmp/out" "$OUT"
fi

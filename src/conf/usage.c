// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * usage.c - the --help text
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"

/**
 * conf_usage() - print the help text and exit
 * @name:	program name
 * @status:	exit status: 0 for -h, 1 after an error
 */
void __attribute__((noreturn)) conf_usage(const char *name, int status)
{
	FILE *f = status ? stderr : stdout;
	bool pasta = strstr(name, "pasta") != NULL;

	if (pasta) {
		fprintf(f, "Usage: %s [OPTION]... [COMMAND [ARG]...]\n", name);
		fprintf(f, "       %s [OPTION]... PID\n", name);
		fprintf(f, "       %s [OPTION]... --netns [PATH|NAME]\n\n",
			name);
		fprintf(f, "Without PID or --netns, run the given command or "
			   "a shell in a new user and\nnetwork namespace "
			   "connected through a tap device.\n\n");
	} else {
		fprintf(f, "Usage: %s [OPTION]...\n\n", name);
	}

	fprintf(f,
"  -d, --debug		Be verbose\n"
"      --trace		Be extra verbose, show single packets\n"
"  -q, --quiet		Don't print informational messages\n"
"  -f, --foreground	Don't run in background\n"
"  -e, --stderr		Log to stderr too\n"
"  -l, --log-file PATH	Log (only) to given file\n"
"  --runas UID|UID:GID|LOGIN|LOGIN:GROUP\n"
"			Run as given user and group after set-up\n"
"    default: nobody, if started as root\n"
"  --log-size BYTES	Maximum size of log file (default: 1 MiB)\n"
"  -h, --help		Display this help message and exit\n"
"  --version		Show version and exit\n"
"  -p, --pcap FILE	Capture guest-side frames to FILE\n"
"  -P, --pid FILE	Write own PID to FILE\n"
"  -c, --conf-path PATH	Listen for pesto(1) on UNIX socket PATH:\n"
"			port forwards changed at run time, flows, counters\n"
"  -m, --mtu MTU	Assign MTU via DHCP/NDP (0: don't assign)\n"
"    default: 65520\n"
"  -a, --address ADDR	Assign IPv4 or IPv6 address ADDR\n"
"    default: address of the template interface\n"
"  -n, --netmask MASK	Assign IPv4 netmask (dot-decimal or prefix length)\n"
"  -M, --mac-addr ADDR	Use source MAC address ADDR\n"
"    default: MAC address of the template interface\n"
"  -g, --gateway ADDR	Pass IPv4 or IPv6 gateway ADDR to the guest\n"
"    default: gateway of the template interface\n"
"  -i, --interface NAME	Template interface for addresses and routes\n"
"    default: interface with the first default route\n"
"  -o, --outbound ADDR	Bind outbound sockets to source address ADDR\n"
"    default: chosen by the host's routes\n"
"  --outbound-if4 NAME	Bind outbound IPv4 sockets to interface NAME,\n"
"			and use it as template interface for IPv4\n"
"  --outbound-if6 NAME	The same for IPv6\n"
"  -D, --dns ADDR	Use resolver ADDR (repeatable), or 'none'\n"
"    default: from " RESOLV_CONF "\n"
"  --dns-forward ADDR	Forward DNS (port 53) to ADDR to the host's resolver\n"
"  --dns-host ADDR	Host resolver --dns-forward goes to\n"
"    link-local with its interface: fe80::1%%eth0\n"
"    default: first resolver of the same IP version\n"
"  --map-host-loopback ADDR\n"
"			Map guest's ADDR to the host's loopback, or 'none'\n"
"    default: gateway address\n"
"  --map-guest-addr ADDR	Map guest's ADDR to the host's own address\n"
"    default: none\n"
"  --no-map-gw		Same as --map-host-loopback none\n"
"  --no-map-host		Host isolation: refuse guest flows to any address\n"
"			of the host, loopback mapping included\n"
"  --map-host-addr none	Same as --no-map-host\n"
"  --host-allow-tcp PORTS\n"
"			With --no-map-host, host TCP ports the guest may\n"
"			still reach, e.g. 8080 or 1000-2000,~1500\n"
"  --host-allow-udp PORTS\n"
"			The same for UDP\n"
"  --host-allow-ping	With --no-map-host, let echo requests reach the host\n"
"  --host-refuse reject|drop\n"
"			Refuse with a TCP reset or ICMP error, or silently,\n"
"			for host isolation and egress rules\n"
"    default: reject\n"
"  --egress-deny SPEC	Refuse guest flows to SPEC (repeatable):\n"
"			TARGET[:PROTO[:PORTS]], TARGET a prefix\n"
"			(198.51.100.0/24, [2001:db8::]/32) or a set: private,\n"
"			link-local, metadata, loopback, multicast; PROTO\n"
"			tcp, udp or icmp; PORTS as --host-allow-tcp\n"
"  --egress-allow SPEC	Let guest flows reach SPEC (repeatable)\n"
"			Longest matching prefix wins, deny at equal length\n"
"  --egress-default allow|deny\n"
"			Decide flows no egress rule matches\n"
"    default: allow\n"
"  --stats SECONDS	Log counters at most every SECONDS, if they changed\n"
"  --busy-poll USEC	Poll up to USEC microseconds before sleeping, while\n"
"			small exchanges come that close together (0: never)\n"
"    default: 200\n"
"  -S, --search LIST	Space-separated search list, or 'none'\n"
"    default: from " RESOLV_CONF "\n");

	if (pasta) {
		fprintf(f,
"  --dhcp-dns		Pass resolvers via DHCP, DHCPv6, NDP\n"
"  --dhcp-search		Pass the search list via DHCP, DHCPv6, NDP\n");
	} else {
		fprintf(f,
"  --no-dhcp-dns		Don't pass resolvers via DHCP, DHCPv6, NDP\n"
"  --no-dhcp-search	Don't pass the search list via DHCP, DHCPv6, NDP\n");
	}

	fprintf(f,
"  --no-tcp		Drop TCP from the guest\n"
"  --no-udp		Drop UDP from the guest\n"
"  --no-icmp		Drop ICMP and ICMPv6 echo requests\n"
"  --no-dhcp		Disable the DHCP server\n"
"  --no-ndp		Disable NDP responses\n"
"  --no-dhcpv6		Disable the DHCPv6 server\n"
"  --no-ra		Disable router advertisements\n"
"  -4, --ipv4-only	Enable IPv4 operation only\n"
"  -6, --ipv6-only	Enable IPv6 operation only\n"
"  -t, --tcp-ports SPEC	TCP ports to forward to the guest, SPEC is:\n"
"    none		don't forward any port\n"
"%s"
"    all		all non-ephemeral ports the host doesn't use\n"
"    [ADDR[%%IF]/]PORTS	comma-separated ports or ranges, optionally\n"
"			mapped with :, excluded with ~. Examples:\n"
"			22  8080:80  1000-2000,~1500  192.0.2.1/22\n"
"    default: %s\n"
"  -u, --udp-ports SPEC	UDP ports to forward to the guest, SPEC as\n"
"			for -t; without -u, the port numbers given to -t\n"
"			are forwarded for UDP too (not translated)\n"
"    default: %s\n"
"  --freebind		Bind -t and -u addresses even if not configured\n",
		pasta ? "    auto		ports bound in the namespace, rescanned "
			"every second\n" : "",
		pasta ? "auto" : "none", pasta ? "auto" : "none");

	if (pasta) {
		fprintf(f,
"  -I, --ns-ifname NAME	Name of the tap device in the namespace\n"
"    default: name of the template interface\n"
"  --userns PATH		Target user namespace to join\n"
"  --netns PATH|NAME	Target network namespace to join\n"
"  --netns-only		Don't join or create a user namespace\n"
"  --no-netns-quit	Don't quit when the target namespace goes away\n"
"  --exit-linger SEC	Once the command (or PID) is gone, wait up to SEC\n"
"			seconds for the namespace's TCP connections to\n"
"			deliver their data, then quit (0: don't wait)\n"
"    default: 5\n"
"  --config-net		Configure the tap device in the namespace\n"
"  --no-copy-routes	Don't copy all routes (deprecated)\n"
"  --no-copy-addrs	Don't copy all addresses (deprecated)\n"
"  --ns-mac-addr ADDR	MAC address of the tap device in the namespace\n"
"  -T, --tcp-ns SPEC	TCP ports to forward from the namespace's loopback\n"
"			to the host's, SPEC as for -t (auto: ports bound on\n"
"			the host)\n"
"    default: auto\n"
"  -U, --udp-ns SPEC	UDP ports to forward from the namespace's loopback\n"
"			to the host's, SPEC as for -u\n"
"    default: auto\n"
"  --no-splice		Don't splice local connections, use the tap device\n"
"  --splice-only		Only splice local connections, forward nothing\n"
"			else through the tap device\n"
"  --host-lo-to-ns-lo	Connections from the host's loopback go to the\n"
"			namespace's loopback, not its external address\n");
	} else {
		fprintf(f,
"  -s, --socket PATH	UNIX domain socket path\n"
"    default: first free /tmp/passt_N.socket, N from 1 to 64\n"
"  -F, --fd FD		Use an already connected socket FD\n"
"  -1, --one-off		Quit once the client disconnects\n"
"  --vhost-user		Be a vhost-user back-end for qemu's virtio-net\n"
"			on the socket, instead of the stream netdev\n"
"  --print-capabilities	Print the vhost-user back-end capabilities\n"
"			(JSON) and exit\n");
	}

	exit(status);
}


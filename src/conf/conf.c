// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf.c - command line parsing and derived configuration
 *
 * Theory of operation: the command line is the contract with the tools that
 * start us (Podman, libvirt, RootlessKit, people), so option spellings follow
 * the man page exactly and the unknown ones fail through getopt_long() with
 * its usual wording ("unrecognized option '--x'") and exit status 1. Options
 * of features that are not built yet are simply absent from the table, so
 * they fail the same way instead of being silently accepted.
 *
 * conf_parse() only records what was given. conf_derive() then fills the
 * gaps from the host: the template interface (first default route per IP
 * version, or -i, or --outbound-if4/6), its addresses, prefix, gateway and
 * MAC address over netlink, and resolvers and search domains from
 * /etc/resolv.conf. Values given on the command line always win.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ns/netlink.h"
#include "policy/fwd.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

#define RESOLV_CONF	"/etc/resolv.conf"

/* Default MAC address of our side if the template interface has none (for
 * example a tun or PPP device): locally administered, unicast
 */
static const uint8_t mac_fallback[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/**
 * usage() - print the help text and exit
 * @name:	program name
 * @status:	exit status: 0 for -h, 1 after an error
 */
static void __attribute__((noreturn)) usage(const char *name, int status)
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
"			Refuse with a TCP reset or ICMP error, or silently\n"
"    default: reject\n"
"  --stats SECONDS	Log counters at most every SECONDS, if they changed\n"
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
"  -1, --one-off		Quit once the client disconnects\n");
	}

	exit(status);
}

/**
 * die() - print an error about the command line and exit with status 1
 * @fmt:	printf-style format
 */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/**
 * conf_parse_mac() - parse a MAC address in the usual colon notation
 * @s:		string, such as 9a:55:9a:55:9a:55
 * @mac:	output
 *
 * Return: 0 on success, -EINVAL if @s is not a MAC address
 */
int conf_parse_mac(const char *s, uint8_t mac[6])
{
	int i;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		if (i < 5 ? s[2] != ':' : s[2] != '\0')
			return -EINVAL;

		char byte[3] = { s[0], s[1], 0 };

		mac[i] = (uint8_t)strtoul(byte, NULL, 16);
		s += 3;
	}
	return 0;
}

/**
 * conf_parse_netmask() - parse an IPv4 netmask as dot-decimal or length
 * @s:		"255.255.255.0" or "24"
 *
 * Return: prefix length, or -EINVAL if not a contiguous netmask
 */
int conf_parse_netmask(const char *s)
{
	struct in_addr mask;
	char *end;
	long len;

	if (inet_pton(AF_INET, s, &mask) == 1) {
		uint32_t m = ntohl(mask.s_addr);
		int bits = __builtin_popcount(m);

		if (bits && m != ~((1U << (32 - bits)) - 1) && bits != 32)
			return -EINVAL;
		return bits;
	}

	errno = 0;
	len = strtol(s, &end, 10);
	if (errno || end == s || *end || len < 0 || len > 32)
		return -EINVAL;
	return (int)len;
}

/**
 * conf_parse_mtu() - parse and check an MTU value
 * @s:		decimal string
 *
 * Return: MTU (0, or MTU_MIN_IPV4 up to MTU_DEFAULT), -EINVAL otherwise
 */
int conf_parse_mtu(const char *s)
{
	char *end;
	long mtu;

	errno = 0;
	mtu = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	if (mtu && (mtu < MTU_MIN_IPV4 || mtu > MTU_DEFAULT))
		return -EINVAL;
	return (int)mtu;
}

/**
 * conf_parse_size() - parse a size in bytes, with optional k, M or G suffix
 * @s:		string
 * @size:	output
 *
 * Return: 0 on success, -EINVAL otherwise
 */
int conf_parse_size(const char *s, size_t *size)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		return -EINVAL;
	*size = (size_t)v;
	return 0;
}

/**
 * conf_search_add() - add one domain to the search list, if there's room
 * @c:		execution context
 * @name:	domain name
 * @len:	its length
 *
 * Return: 0 if added or skipped as duplicate, -ENOSPC if the list is full,
 *	   -EINVAL if the name is too long
 */
static int conf_search_add(struct ctx *c, const char *name, size_t len)
{
	int i;

	if (!len)
		return 0;
	if (len > DOMAIN_MAX - 1)
		return -EINVAL;
	for (i = 0; i < c->search_count; i++) {
		if (strlen(c->search[i]) == len &&
		    !strncmp(c->search[i], name, len))
			return 0;
	}
	if (c->search_count >= MAX_SEARCH)
		return -ENOSPC;
	memcpy(c->search[c->search_count], name, len);
	c->search[c->search_count][len] = '\0';
	c->search_count++;
	return 0;
}

/**
 * conf_parse_search() - parse a space-separated search list
 * @c:		execution context, search list replaced
 * @list:	list, or "none" to disable it
 *
 * Return: 0 on success, -EINVAL for a name that is too long
 */
int conf_parse_search(struct ctx *c, const char *list)
{
	const char *p = list;

	c->search_count = 0;
	if (!strcmp(list, "none"))
		return 0;

	while (*p) {
		size_t len = strcspn(p, " \t");
		int rc = conf_search_add(c, p, len);

		if (rc == -EINVAL)
			return rc;
		if (rc == -ENOSPC)
			log_warn("Search list: more than %i domains, "
				 "ignoring the rest", MAX_SEARCH);
		p += len;
		p += strspn(p, " \t");
	}
	return 0;
}

/**
 * conf_dns_add() - add a resolver address, if there's room
 * @c:		execution context
 * @s:		address as text
 *
 * Return: 0 on success (or skipped), -EINVAL if not an address
 */
static int conf_dns_add(struct ctx *c, const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		if (c->ip4.dns_count >= MAX_DNS) {
			log_warn("More than %i IPv4 resolvers, ignoring %s",
				 MAX_DNS, s);
			return 0;
		}
		c->ip4.dns[c->ip4.dns_count++] = a4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		if (c->ip6.dns_count >= MAX_DNS) {
			log_warn("More than %i IPv6 resolvers, ignoring %s",
				 MAX_DNS, s);
			return 0;
		}
		c->ip6.dns[c->ip6.dns_count++] = a6;
		return 0;
	}
	return -EINVAL;
}

/**
 * conf_dns_map() - parse --dns-forward or --dns-host
 * @c:		execution context
 * @forward:	--dns-forward (the guest's address), not --dns-host
 * @arg:	IPv4 or IPv6 address
 *
 * Each is allowed once per IP version. Exits on error.
 */
static void conf_dns_map(struct ctx *c, bool forward, const char *arg)
{
	const char *opt = forward ? "--dns-forward" : "--dns-host";
	struct in6_addr a6, *d6;
	struct in_addr a4, *d4;

	if (inet_pton(AF_INET, arg, &a4) == 1) {
		d4 = forward ? &c->ip4.dns_match : &c->ip4.dns_host;
		if (d4->s_addr)
			die("%s given twice for IPv4: %s", opt, arg);
		if (!a4.s_addr || a4.s_addr == INADDR_BROADCAST ||
		    IN_MULTICAST(ntohl(a4.s_addr)))
			die("Invalid address for %s: %s", opt, arg);
		*d4 = a4;
	} else if (inet_pton(AF_INET6, arg, &a6) == 1) {
		d6 = forward ? &c->ip6.dns_match : &c->ip6.dns_host;
		if (!IN6_IS_ADDR_UNSPECIFIED(d6))
			die("%s given twice for IPv6: %s", opt, arg);
		if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_MULTICAST(&a6))
			die("Invalid address for %s: %s", opt, arg);
		*d6 = a6;
	} else {
		die("Invalid address for %s: %s", opt, arg);
	}
}

/**
 * conf_addr_opt() - parse an address option, given at most once per version
 * @opt:	option name, for messages
 * @arg:	IPv4 or IPv6 address
 * @a4:		IPv4 address to set, INADDR_ANY while not given
 * @a6:		IPv6 address to set, unspecified while not given
 *
 * Unspecified, loopback, broadcast and multicast addresses are rejected, and
 * so is a second address of the same IP version. Exits on error.
 */
static void conf_addr_opt(const char *opt, const char *arg,
			  struct in_addr *a4, struct in6_addr *a6)
{
	struct in6_addr v6;
	struct in_addr v4;

	if (inet_pton(AF_INET, arg, &v4) == 1) {
		uint32_t h = ntohl(v4.s_addr);

		if (a4->s_addr)
			die("%s given twice for IPv4: %s", opt, arg);
		if (!h || h == INADDR_BROADCAST || h >> 24 == 127 ||
		    IN_MULTICAST(h))
			die("Invalid address for %s: %s", opt, arg);
		*a4 = v4;
	} else if (inet_pton(AF_INET6, arg, &v6) == 1) {
		if (!IN6_IS_ADDR_UNSPECIFIED(a6))
			die("%s given twice for IPv6: %s", opt, arg);
		if (IN6_IS_ADDR_UNSPECIFIED(&v6) ||
		    IN6_IS_ADDR_LOOPBACK(&v6) ||
		    IN6_IS_ADDR_MULTICAST(&v6) ||
		    IN6_IS_ADDR_V4MAPPED(&v6))
			die("Invalid address for %s: %s", opt, arg);
		*a6 = v6;
	} else {
		die("Invalid address for %s: %s", opt, arg);
	}
}

/**
 * conf_dns_host_default() - note the first resolver of each IP version
 * @c:		execution context
 * @addr:	resolver address as text, loopback ones included
 *
 * That's where --dns-forward goes, unless --dns-host says otherwise.
 */
static void conf_dns_host_default(struct ctx *c, const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		if (!c->ip4.dns_host.s_addr)
			c->ip4.dns_host = a4;
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			c->ip6.dns_host = a6;
	}
}

/**
 * conf_read_resolv() - take resolvers and search list from resolv.conf text
 * @c:		execution context
 * @text:	contents of resolv.conf, NUL-terminated
 * @want_dns:	take "nameserver" lines
 * @want_search: take "search" and "domain" lines
 *
 * Loopback resolvers (such as a local caching daemon) are skipped: the guest
 * can't reach the host's loopback through them.
 *
 * Return: number of resolvers taken
 */
int conf_read_resolv(struct ctx *c, const char *text, bool want_dns,
		     bool want_search)
{
	const char *line = text;
	int taken = 0;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char buf[1024], *p, *save;

		if (len >= sizeof(buf)) {
			line += len + (line[len] == '\n');
			continue;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		line += len + (line[len] == '\n');

		p = strtok_r(buf, " \t", &save);
		if (!p || *p == '#' || *p == ';')
			continue;

		if (want_dns && !strcmp(p, "nameserver")) {
			struct in6_addr a6;
			struct in_addr a4;
			char *addr = strtok_r(NULL, " \t", &save);
			char *pct;

			if (!addr)
				continue;
			pct = strchr(addr, '%');
			if (pct)
				*pct = '\0';
			conf_dns_host_default(c, addr);
			if (inet_pton(AF_INET, addr, &a4) == 1 &&
			    (ntohl(a4.s_addr) >> 24) == 127) {
				log_debug("Skipping loopback resolver %s",
					  addr);
				continue;
			}
			if (inet_pton(AF_INET6, addr, &a6) == 1 &&
			    IN6_IS_ADDR_LOOPBACK(&a6)) {
				log_debug("Skipping loopback resolver %s",
					  addr);
				continue;
			}
			if (!conf_dns_add(c, addr))
				taken++;
		} else if (want_search && (!strcmp(p, "search") ||
					   !strcmp(p, "domain"))) {
			/* The last search or domain line wins */
			c->search_count = 0;
			while ((p = strtok_r(NULL, " \t", &save))) {
				size_t n = strlen(p);

				if (n && p[n - 1] == '.')
					n--;
				if (conf_search_add(c, p, n) == -ENOSPC)
					break;
			}
		}
	}
	return taken;
}

/**
 * conf_classful_prefix() - prefix length of the classful block of an address
 * @a:		IPv4 address
 *
 * Return: 8, 16 or 24 for class A, B, C addresses, 32 otherwise
 */
int conf_classful_prefix(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	if (!(h >> 31))
		return 8;
	if ((h >> 30) == 2)
		return 16;
	if ((h >> 29) == 6)
		return 24;
	return 32;
}

/**
 * conf_ifname() - check an interface name given on the command line
 * @opt:	option name, for messages
 * @name:	interface name
 * @dst:	where to store it, IF_NAMESIZE bytes
 */
static void conf_ifname(const char *opt, const char *name, char *dst)
{
	if (!*name || strlen(name) >= IF_NAMESIZE || strchr(name, '/') ||
	    strchr(name, ' '))
		die("Invalid interface name for %s: %s", opt, name);
	strcpy(dst, name);
}

/**
 * conf_path() - copy a path given on the command line
 * @opt:	option name, for messages
 * @path:	path
 * @dst:	where to store it, PATH_MAX bytes
 */
static void conf_path(const char *opt, const char *path, char *dst)
{
	if (!*path || strlen(path) >= PATH_MAX)
		die("Invalid path for %s: %s", opt, path);
	strcpy(dst, path);
}

/**
 * conf_uint() - parse a decimal number within bounds
 * @s:		string
 * @min:	smallest value accepted
 * @max:	largest value accepted
 * @v:		value, set on success
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int conf_uint(const char *s, long min, long max, int *v)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = (int)n;
	return 0;
}

/**
 * is_pid() - tell whether a string is a process ID
 * @s:		string
 *
 * Return: PID, or 0 if @s isn't a positive decimal number
 */
static int is_pid(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 0x7fffffff)
		return 0;
	return (int)v;
}

enum long_only_opt {
	OPT_VERSION = 256,
	OPT_TRACE,
	OPT_LOG_SIZE,
	OPT_OUTBOUND_IF4,
	OPT_OUTBOUND_IF6,
	OPT_MAP_HOST_LOOPBACK,
	OPT_MAP_GUEST_ADDR,
	OPT_NO_MAP_GW,
	OPT_FREEBIND,
	OPT_NO_DHCP_DNS,
	OPT_DHCP_DNS,
	OPT_NO_DHCP_SEARCH,
	OPT_DHCP_SEARCH,
	OPT_NO_TCP,
	OPT_NO_UDP,
	OPT_NO_ICMP,
	OPT_NO_DHCP,
	OPT_NO_NDP,
	OPT_NO_DHCPV6,
	OPT_NO_RA,
	OPT_USERNS,
	OPT_NETNS,
	OPT_NETNS_ONLY,
	OPT_NO_NETNS_QUIT,
	OPT_CONFIG_NET,
	OPT_NO_COPY_ROUTES,
	OPT_NO_COPY_ADDRS,
	OPT_NS_MAC_ADDR,
	OPT_DNS_FORWARD,
	OPT_DNS_HOST,
	OPT_NO_SPLICE,
	OPT_SPLICE_ONLY,
	OPT_HOST_LO_TO_NS_LO,
	OPT_NO_MAP_HOST,
	OPT_MAP_HOST_ADDR,
	OPT_HOST_ALLOW_TCP,
	OPT_HOST_ALLOW_UDP,
	OPT_HOST_ALLOW_PING,
	OPT_HOST_REFUSE,
	OPT_STATS,
	OPT_RUNAS,
};

/* Options of features that exist. Those not implemented yet are left out on
 * purpose, so that getopt_long() rejects them.
 */
static const struct option options[] = {
	{ "debug",		no_argument,		NULL, 'd' },
	{ "trace",		no_argument,		NULL, OPT_TRACE },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "foreground",		no_argument,		NULL, 'f' },
	{ "stderr",		no_argument,		NULL, 'e' },
	{ "log-file",		required_argument,	NULL, 'l' },
	{ "log-size",		required_argument,	NULL, OPT_LOG_SIZE },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "pcap",		required_argument,	NULL, 'p' },
	{ "pid",		required_argument,	NULL, 'P' },
	{ "mtu",		required_argument,	NULL, 'm' },
	{ "address",		required_argument,	NULL, 'a' },
	{ "netmask",		required_argument,	NULL, 'n' },
	{ "mac-addr",		required_argument,	NULL, 'M' },
	{ "gateway",		required_argument,	NULL, 'g' },
	{ "interface",		required_argument,	NULL, 'i' },
	{ "outbound-if4",	required_argument,	NULL, OPT_OUTBOUND_IF4 },
	{ "outbound-if6",	required_argument,	NULL, OPT_OUTBOUND_IF6 },
	{ "outbound",		required_argument,	NULL, 'o' },
	{ "map-host-loopback",	required_argument,	NULL,
	  OPT_MAP_HOST_LOOPBACK },
	{ "map-guest-addr",	required_argument,	NULL,
	  OPT_MAP_GUEST_ADDR },
	{ "no-map-gw",		no_argument,		NULL, OPT_NO_MAP_GW },
	{ "freebind",		no_argument,		NULL, OPT_FREEBIND },
	{ "no-map-host",	no_argument,		NULL, OPT_NO_MAP_HOST },
	{ "map-host-addr",	required_argument,	NULL, OPT_MAP_HOST_ADDR },
	{ "host-allow-tcp",	required_argument,	NULL, OPT_HOST_ALLOW_TCP },
	{ "host-allow-udp",	required_argument,	NULL, OPT_HOST_ALLOW_UDP },
	{ "host-allow-ping",	no_argument,		NULL,
	  OPT_HOST_ALLOW_PING },
	{ "host-refuse",	required_argument,	NULL, OPT_HOST_REFUSE },
	{ "stats",		required_argument,	NULL, OPT_STATS },
	{ "runas",		required_argument,	NULL, OPT_RUNAS },
	{ "dns",		required_argument,	NULL, 'D' },
	{ "search",		required_argument,	NULL, 'S' },
	{ "dns-forward",	required_argument,	NULL, OPT_DNS_FORWARD },
	{ "dns-host",		required_argument,	NULL, OPT_DNS_HOST },
	{ "no-dhcp-dns",	no_argument,		NULL, OPT_NO_DHCP_DNS },
	{ "dhcp-dns",		no_argument,		NULL, OPT_DHCP_DNS },
	{ "no-dhcp-search",	no_argument,		NULL, OPT_NO_DHCP_SEARCH },
	{ "dhcp-search",	no_argument,		NULL, OPT_DHCP_SEARCH },
	{ "no-tcp",		no_argument,		NULL, OPT_NO_TCP },
	{ "no-udp",		no_argument,		NULL, OPT_NO_UDP },
	{ "no-icmp",		no_argument,		NULL, OPT_NO_ICMP },
	{ "no-dhcp",		no_argument,		NULL, OPT_NO_DHCP },
	{ "no-ndp",		no_argument,		NULL, OPT_NO_NDP },
	{ "no-dhcpv6",		no_argument,		NULL, OPT_NO_DHCPV6 },
	{ "no-ra",		no_argument,		NULL, OPT_NO_RA },
	{ "ipv4-only",		no_argument,		NULL, '4' },
	{ "ipv6-only",		no_argument,		NULL, '6' },
	{ "tcp-ports",		required_argument,	NULL, 't' },
	{ "udp-ports",		required_argument,	NULL, 'u' },
	/* passt */
	{ "socket",		required_argument,	NULL, 's' },
	{ "fd",			required_argument,	NULL, 'F' },
	{ "one-off",		no_argument,		NULL, '1' },
	/* pasta */
	{ "ns-ifname",		required_argument,	NULL, 'I' },
	{ "userns",		required_argument,	NULL, OPT_USERNS },
	{ "netns",		required_argument,	NULL, OPT_NETNS },
	{ "netns-only",		no_argument,		NULL, OPT_NETNS_ONLY },
	{ "no-netns-quit",	no_argument,		NULL, OPT_NO_NETNS_QUIT },
	{ "config-net",		no_argument,		NULL, OPT_CONFIG_NET },
	{ "no-copy-routes",	no_argument,		NULL, OPT_NO_COPY_ROUTES },
	{ "no-copy-addrs",	no_argument,		NULL, OPT_NO_COPY_ADDRS },
	{ "ns-mac-addr",	required_argument,	NULL, OPT_NS_MAC_ADDR },
	{ "tcp-ns",		required_argument,	NULL, 'T' },
	{ "udp-ns",		required_argument,	NULL, 'U' },
	{ "no-splice",		no_argument,		NULL, OPT_NO_SPLICE },
	{ "splice-only",	no_argument,		NULL, OPT_SPLICE_ONLY },
	{ "host-lo-to-ns-lo",	no_argument,		NULL,
	  OPT_HOST_LO_TO_NS_LO },
	{ 0 },
};

/**
 * conf_mode_only() - fail if an option doesn't apply to the current mode
 * @c:		execution context
 * @mode:	the mode the option belongs to
 * @opt:	option name, for the message
 */
static void conf_mode_only(const struct ctx *c, enum run_mode mode,
			   const char *opt)
{
	if (c->mode != mode)
		die("%s is for %s mode only", opt,
		    mode == MODE_PASTA ? "pasta" : "passt");
}

/**
 * conf_parse() - parse the command line into the execution context
 * @c:		execution context, mode already set
 * @argc:	argument count
 * @argv:	arguments
 *
 * Exits with status 0 for --help and --version, 1 for any error.
 */
void conf_parse(struct ctx *c, int argc, char **argv)
{
	const char *optstring = c->mode == MODE_PASTA ?
				"+dqfel:hp:P:m:a:n:M:g:i:o:D:S:46I:t:u:T:U:" :
				"+dqfel:hp:P:m:a:n:M:g:i:o:D:S:46s:F:1t:u:";
	bool v4_only = false, v6_only = false, addr4 = false, addr6 = false;
	bool gw4 = false, gw6 = false, dns_given = false, search_given = false;
	bool dhcp_dns = false, dhcp_search = false, trace = false;
	int opt, netmask = -1;

	c->mtu = MTU_DEFAULT;
	c->log_size = 1 << 20;
	c->fd_given = -1;
	c->fd_tap = -1;
	c->fd_tap_listen = -1;
	c->fd_route = -1;

	while ((opt = getopt_long(argc, argv, optstring, options,
				  NULL)) != -1) {
		struct in6_addr a6;
		struct in_addr a4;
		int v;

		switch (opt) {
		case 'd':
			c->debug = true;
			break;
		case OPT_TRACE:
			trace = c->debug = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'f':
			c->foreground = true;
			break;
		case 'e':
			log_to_stderr(true);
			c->log_stderr = true;
			break;
		case 'l':
			conf_path("--log-file", optarg, c->log_file);
			break;
		case OPT_LOG_SIZE:
			if (conf_parse_size(optarg, &c->log_size) ||
			    c->log_size < 4096)
				die("Invalid --log-size: %s (minimum 4096)",
				    optarg);
			break;
		case 'h':
			usage(argv[0], EXIT_SUCCESS);
		case OPT_VERSION:
			printf("%s " VERSION "\n",
			       c->mode == MODE_PASTA ? "pasta" : "passt");
			printf("Copyright the passt/pasta contributors.\n"
			       "License GPL-2.0-or-later.\n");
			exit(EXIT_SUCCESS);
		case 'p':
			conf_path("--pcap", optarg, c->pcap_file);
			break;
		case 'P':
			conf_path("--pid", optarg, c->pid_file);
			break;
		case 'm':
			v = conf_parse_mtu(optarg);
			if (v < 0)
				die("Invalid MTU: %s (0, or %i to %i)", optarg,
				    MTU_MIN_IPV4, MTU_DEFAULT);
			c->mtu = v;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a4) == 1) {
				uint32_t h = ntohl(a4.s_addr);

				if (addr4)
					die("IPv4 address given twice: %s",
					    optarg);
				if (!h || h == 0xffffffff || h >> 24 == 127 ||
				    h >> 28 == 0xe)
					die("Invalid IPv4 address for "
					    "--address: %s", optarg);
				c->ip4.addr = a4;
				addr4 = true;
			} else if (inet_pton(AF_INET6, optarg, &a6) == 1) {
				if (addr6)
					die("IPv6 address given twice: %s",
					    optarg);
				if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
				    IN6_IS_ADDR_LOOPBACK(&a6) ||
				    IN6_IS_ADDR_MULTICAST(&a6) ||
				    IN6_IS_ADDR_LINKLOCAL(&a6) ||
				    IN6_IS_ADDR_V4MAPPED(&a6))
					die("Invalid IPv6 address for "
					    "--address: %s", optarg);
				c->ip6.addr = a6;
				addr6 = true;
			} else {
				die("Invalid address for --address: %s",
				    optarg);
			}
			break;
		case 'n':
			netmask = conf_parse_netmask(optarg);
			if (netmask < 0)
				die("Invalid netmask: %s", optarg);
			break;
		case 'M':
			if (conf_parse_mac(optarg, c->our_mac) ||
			    (c->our_mac[0] & 1))
				die("Invalid MAC address: %s", optarg);
			c->our_mac_set = true;
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &a4) == 1) {
				uint32_t h = ntohl(a4.s_addr);

				if (gw4)
					die("IPv4 gateway given twice: %s",
					    optarg);
				if (!h || h == 0xffffffff || h >> 24 == 127 ||
				    h >> 28 == 0xe)
					die("Invalid IPv4 gateway: %s", optarg);
				c->ip4.gw = a4;
				gw4 = true;
			} else if (inet_pton(AF_INET6, optarg, &a6) == 1) {
				if (gw6)
					die("IPv6 gateway given twice: %s",
					    optarg);
				if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
				    IN6_IS_ADDR_LOOPBACK(&a6) ||
				    IN6_IS_ADDR_MULTICAST(&a6))
					die("Invalid IPv6 gateway: %s", optarg);
				c->ip6.gw = a6;
				gw6 = true;
			} else {
				die("Invalid gateway address: %s", optarg);
			}
			break;
		case 'i':
			conf_ifname("--interface", optarg, c->ifname4);
			strcpy(c->ifname6, c->ifname4);
			c->ifname_given = true;
			break;
		case OPT_OUTBOUND_IF4:
			conf_ifname("--outbound-if4", optarg, c->outbound_if4);
			break;
		case OPT_OUTBOUND_IF6:
			conf_ifname("--outbound-if6", optarg, c->outbound_if6);
			break;
		case 'o':
			conf_addr_opt("--outbound", optarg, &c->outbound4,
				      &c->outbound6);
			break;
		case OPT_MAP_HOST_LOOPBACK:
			if (!strcmp(optarg, "none")) {
				c->ip4.map_host_loopback.s_addr = INADDR_ANY;
				c->ip6.map_host_loopback = in6addr_any;
				c->no_map_gw = true;
				break;
			}
			conf_addr_opt("--map-host-loopback", optarg,
				      &c->ip4.map_host_loopback,
				      &c->ip6.map_host_loopback);
			break;
		case OPT_MAP_GUEST_ADDR:
			if (!strcmp(optarg, "none")) {
				c->ip4.map_guest_addr.s_addr = INADDR_ANY;
				c->ip6.map_guest_addr = in6addr_any;
				break;
			}
			conf_addr_opt("--map-guest-addr", optarg,
				      &c->ip4.map_guest_addr,
				      &c->ip6.map_guest_addr);
			break;
		case OPT_NO_MAP_GW:
			c->no_map_gw = true;
			break;
		case OPT_FREEBIND:
			c->freebind = true;
			break;
		case OPT_MAP_HOST_ADDR:
			if (strcmp(optarg, "none"))
				die("Invalid --map-host-addr: %s (only 'none' "
				    "is supported, as --no-map-host)", optarg);
			/* fall through */
		case OPT_NO_MAP_HOST:
			c->no_map_host = true;
			break;
		case OPT_HOST_ALLOW_TCP:
		case OPT_HOST_ALLOW_UDP: {
			bool tcp = opt == OPT_HOST_ALLOW_TCP;
			char err[PORT_SPEC_ERR_LEN];

			if (port_allow_parse(tcp ? c->host_allow_tcp :
						   c->host_allow_udp,
					     optarg, port_ephemeral_start(),
					     err, sizeof(err)))
				die("Invalid --host-allow-%s: %s",
				    tcp ? "tcp" : "udp", err);
			c->host_allow_given = true;
			break;
		}
		case OPT_HOST_ALLOW_PING:
			c->host_allow_ping = true;
			c->host_allow_given = true;
			break;
		case OPT_HOST_REFUSE:
			if (!strcmp(optarg, "drop"))
				c->host_refuse_drop = true;
			else if (!strcmp(optarg, "reject"))
				c->host_refuse_drop = false;
			else
				die("Invalid --host-refuse: %s (use 'reject' "
				    "or 'drop')", optarg);
			c->host_allow_given = true;
			break;
		case OPT_RUNAS: {
			int rc = sandbox_runas_parse(optarg, &c->runas_uid,
						     &c->runas_gid);

			if (rc == -ENOENT)
				die("Invalid --runas: no such user or group in "
				    "%s", optarg);
			if (rc)
				die("Invalid --runas: %s (use UID, UID:GID, "
				    "LOGIN or LOGIN:GROUP)", optarg);
			c->runas_given = true;
			break;
		}
		case OPT_STATS:
			if (conf_uint(optarg, 1, 86400, &v))
				die("Invalid --stats delay: %s (seconds, 1 to "
				    "86400)", optarg);
			c->stats_delay = (unsigned int)v;
			break;
		case 'D':
			if (!strcmp(optarg, "none")) {
				c->ip4.dns_count = c->ip6.dns_count = 0;
				c->dns_none = true;
			} else if (conf_dns_add(c, optarg)) {
				die("Invalid resolver address: %s", optarg);
			} else {
				conf_dns_host_default(c, optarg);
			}
			dns_given = true;
			break;
		case OPT_DNS_FORWARD:
		case OPT_DNS_HOST:
			conf_dns_map(c, opt == OPT_DNS_FORWARD, optarg);
			break;
		case 'S':
			if (conf_parse_search(c, optarg))
				die("Invalid search list: %s", optarg);
			search_given = true;
			break;
		case OPT_NO_DHCP_DNS:
			conf_mode_only(c, MODE_PASST, "--no-dhcp-dns");
			c->no_dhcp_dns = true;
			break;
		case OPT_DHCP_DNS:
			conf_mode_only(c, MODE_PASTA, "--dhcp-dns");
			dhcp_dns = true;
			break;
		case OPT_NO_DHCP_SEARCH:
			conf_mode_only(c, MODE_PASST, "--no-dhcp-search");
			c->no_dhcp_search = true;
			break;
		case OPT_DHCP_SEARCH:
			conf_mode_only(c, MODE_PASTA, "--dhcp-search");
			dhcp_search = true;
			break;
		case OPT_NO_TCP:
			c->no_tcp = true;
			break;
		case OPT_NO_UDP:
			c->no_udp = true;
			break;
		case OPT_NO_ICMP:
			c->no_icmp = true;
			break;
		case OPT_NO_DHCP:
			c->no_dhcp = true;
			break;
		case OPT_NO_NDP:
			c->no_ndp = true;
			break;
		case OPT_NO_DHCPV6:
			c->no_dhcpv6 = true;
			break;
		case OPT_NO_RA:
			c->no_ra = true;
			break;
		case 't': {
			char err[PORT_SPEC_ERR_LEN];

			if (port_spec_parse(&c->tcp_in, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				die("Invalid --tcp-ports: %s", err);
			break;
		}
		case 'u': {
			char err[PORT_SPEC_ERR_LEN];

			if (port_spec_parse(&c->udp_in, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				die("Invalid --udp-ports: %s", err);
			break;
		}
		case '4':
			v4_only = true;
			break;
		case '6':
			v6_only = true;
			break;
		case 's':
			conf_mode_only(c, MODE_PASST, "--socket");
			conf_path("--socket", optarg, c->sock_path);
			if (strlen(optarg) >= 108)
				die("Socket path too long: %s", optarg);
			break;
		case 'F': {
			char *end;
			long fd;

			conf_mode_only(c, MODE_PASST, "--fd");
			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || fd < 0 ||
			    fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
				die("Invalid file descriptor for --fd: %s",
				    optarg);
			c->fd_given = (int)fd;
			c->one_off = true;
			break;
		}
		case '1':
			conf_mode_only(c, MODE_PASST, "--one-off");
			c->one_off = true;
			break;
		case 'I':
			conf_mode_only(c, MODE_PASTA, "--ns-ifname");
			conf_ifname("--ns-ifname", optarg, c->ns_ifname);
			break;
		case OPT_USERNS:
			conf_mode_only(c, MODE_PASTA, "--userns");
			conf_path("--userns", optarg, c->userns_path);
			break;
		case OPT_NETNS:
			conf_mode_only(c, MODE_PASTA, "--netns");
			if (strchr(optarg, '/')) {
				conf_path("--netns", optarg, c->netns_path);
			} else {
				if (!*optarg || strlen(optarg) > NAME_MAX)
					die("Invalid namespace name: %s",
					    optarg);
				snprintf(c->netns_path, sizeof(c->netns_path),
					 "/run/netns/%s", optarg);
			}
			break;
		case OPT_NETNS_ONLY:
			conf_mode_only(c, MODE_PASTA, "--netns-only");
			c->netns_only = true;
			break;
		case OPT_NO_NETNS_QUIT:
			conf_mode_only(c, MODE_PASTA, "--no-netns-quit");
			c->no_netns_quit = true;
			break;
		case OPT_CONFIG_NET:
			conf_mode_only(c, MODE_PASTA, "--config-net");
			c->config_net = true;
			break;
		case OPT_NO_COPY_ROUTES:
			conf_mode_only(c, MODE_PASTA, "--no-copy-routes");
			c->no_copy_routes = true;
			break;
		case OPT_NO_COPY_ADDRS:
			conf_mode_only(c, MODE_PASTA, "--no-copy-addrs");
			c->no_copy_addrs = true;
			break;
		case 'T': {
			char err[PORT_SPEC_ERR_LEN];

			conf_mode_only(c, MODE_PASTA, "--tcp-ns");
			if (port_spec_parse(&c->tcp_out, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				die("Invalid --tcp-ns: %s", err);
			break;
		}
		case 'U': {
			char err[PORT_SPEC_ERR_LEN];

			conf_mode_only(c, MODE_PASTA, "--udp-ns");
			if (port_spec_parse(&c->udp_out, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				die("Invalid --udp-ns: %s", err);
			break;
		}
		case OPT_NO_SPLICE:
			conf_mode_only(c, MODE_PASTA, "--no-splice");
			c->no_splice = true;
			break;
		case OPT_SPLICE_ONLY:
			conf_mode_only(c, MODE_PASTA, "--splice-only");
			c->splice_only = true;
			break;
		case OPT_HOST_LO_TO_NS_LO:
			conf_mode_only(c, MODE_PASTA, "--host-lo-to-ns-lo");
			c->host_lo_to_ns_lo = true;
			break;
		case OPT_NS_MAC_ADDR:
			conf_mode_only(c, MODE_PASTA, "--ns-mac-addr");
			if (conf_parse_mac(optarg, c->ns_mac) ||
			    (c->ns_mac[0] & 1))
				die("Invalid MAC address: %s", optarg);
			c->ns_mac_set = true;
			break;
		default:
			/* getopt_long() already printed why */
			usage(argv[0], EXIT_FAILURE);
		}
	}

	/* UDP ports follow TCP ones unless -u was given, untranslated */
	port_fwd_udp_from_tcp(&c->udp_in, &c->tcp_in);
	port_fwd_udp_from_tcp(&c->udp_out, &c->tcp_out);
	if (c->mode == MODE_PASTA) {
		/* pasta forwards what listens on the other side by default */
		struct port_fwd *all[] = { &c->tcp_in, &c->udp_in,
					   &c->tcp_out, &c->udp_out };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(all); i++)
			if (all[i]->mode == PORT_FWD_UNSET)
				all[i]->mode = PORT_FWD_AUTO;
	}
	if (c->host_allow_given && !c->no_map_host)
		die("--host-allow-tcp, --host-allow-udp, --host-allow-ping and "
		    "--host-refuse only apply with --no-map-host");
	if (c->no_splice && c->splice_only)
		die("Options --no-splice and --splice-only are mutually "
		    "exclusive");

	if (v4_only && v6_only)
		die("Options -4 and -6 are mutually exclusive");
	if (c->debug && c->quiet)
		die("Options --debug and --quiet are mutually exclusive");
	if (*c->log_file && c->log_stderr)
		die("Options --log-file and --stderr are mutually exclusive");
	if (c->fd_given >= 0 && *c->sock_path)
		die("Options --fd and --socket are mutually exclusive");

	c->ip4.enabled = !v6_only;
	c->ip6.enabled = !v4_only;
	c->ip4.addr_given = addr4;
	c->ip6.addr_given = addr6;
	c->ip4.gw_given = gw4;
	c->ip6.gw_given = gw6;
	c->dns_given = dns_given;
	c->search_given = search_given;
	c->ip4.prefix_len = netmask;
	c->trace = trace;

	if (c->mode == MODE_PASTA) {
		/* In pasta mode, resolvers and search domains are only
		 * advertised if asked to
		 */
		c->no_dhcp_dns = !dhcp_dns;
		c->no_dhcp_search = !dhcp_search;

		if (*c->netns_path && !*c->userns_path)
			c->netns_only = true;

		if (optind < argc) {
			int pid = is_pid(argv[optind]);

			if (pid && optind + 1 == argc) {
				if (*c->netns_path)
					die("Both a PID and --netns given");
				c->pasta_pid = pid;
			} else {
				if (*c->netns_path)
					die("Both a command and --netns given");
				c->pasta_argv = argv + optind;
				c->pasta_argc = argc - optind;
			}
		} else if (*c->userns_path && !*c->netns_path) {
			die("--userns requires --netns or a PID");
		}
	} else if (optind < argc) {
		die("Unexpected argument: %s", argv[optind]);
	}
}

/**
 * conf_ifindex() - find the index of a named interface on the host
 * @name:	interface name
 * @opt:	option it came from, for the message
 *
 * Return: interface index, exits if there's no such interface
 */
static unsigned int conf_ifindex(const char *name, const char *opt)
{
	unsigned int ifi = if_nametoindex(name);

	if (!ifi)
		die("No such interface for %s: %s", opt, name);
	return ifi;
}

/**
 * conf_ip4() - derive the IPv4 configuration from the host
 * @c:		execution context
 * @nl:		netlink socket in the host's namespace
 */
static void conf_ip4(struct ctx *c, int nl)
{
	struct ip4_conf *ip4 = &c->ip4;
	struct in_addr host_addr = { 0 };
	int host_prefix = 0;

	if (*c->ifname4)
		c->ifi4 = conf_ifindex(c->ifname4, "--interface");
	else if (*c->outbound_if4)
		c->ifi4 = conf_ifindex(c->outbound_if4, "--outbound-if4");
	else
		c->ifi4 = nl_default_route_ifindex(nl, AF_INET);

	if (c->ifi4) {
		if (!if_indextoname(c->ifi4, c->ifname4))
			c->ifi4 = 0;
	}

	if (c->ifi4) {
		if (!ip4->gw_given)
			nl_default_gateway(nl, AF_INET, c->ifi4, &ip4->gw);
		if (!nl_addr_get(nl, AF_INET, c->ifi4, &host_addr,
				 &host_prefix, NULL))
			ip4->host_addr = host_addr;
	}

	if (!ip4->addr_given) {
		if (!host_addr.s_addr) {
			log_debug("No IPv4 address on the host: IPv4 off");
			ip4->enabled = false;
			return;
		}
		ip4->addr = host_addr;
	}

	if (ip4->prefix_len < 0) {
		if (host_addr.s_addr == ip4->addr.s_addr && host_prefix)
			ip4->prefix_len = host_prefix;
		else
			ip4->prefix_len = conf_classful_prefix(ip4->addr);
	}

	ip4->our_addr = ip4->gw;
	if (!ip4->gw.s_addr) {
		log_debug("No IPv4 gateway: DHCP off");
		c->no_dhcp = true;
	}
}

/**
 * conf_ip6() - derive the IPv6 configuration from the host
 * @c:		execution context
 * @nl:		netlink socket in the host's namespace
 */
static void conf_ip6(struct ctx *c, int nl)
{
	struct ip6_conf *ip6 = &c->ip6;
	struct in6_addr host_addr = IN6ADDR_ANY_INIT, host_ll;
	int host_prefix = 0;

	if (*c->ifname6)
		c->ifi6 = conf_ifindex(c->ifname6, "--interface");
	else if (*c->outbound_if6)
		c->ifi6 = conf_ifindex(c->outbound_if6, "--outbound-if6");
	else
		c->ifi6 = nl_default_route_ifindex(nl, AF_INET6);

	if (c->ifi6) {
		if (!if_indextoname(c->ifi6, c->ifname6))
			c->ifi6 = 0;
	}

	if (c->ifi6) {
		if (!ip6->gw_given)
			nl_default_gateway(nl, AF_INET6, c->ifi6, &ip6->gw);
		if (!nl_addr_get(nl, AF_INET6, c->ifi6, &host_addr,
				 &host_prefix, &host_ll))
			ip6->host_addr = host_addr;
	}

	if (!ip6->addr_given) {
		if (IN6_IS_ADDR_UNSPECIFIED(&host_addr)) {
			log_debug("No IPv6 address on the host: IPv6 off");
			ip6->enabled = false;
			return;
		}
		ip6->addr = host_addr;
		ip6->prefix_len = host_prefix;
	} else {
		ip6->prefix_len = 64;
	}
	if (!ip6->prefix_len)
		ip6->prefix_len = 64;
}

/**
 * conf_ll_from_mac() - build a link-local address from a MAC (EUI-64)
 * @mac:	MAC address
 * @ll:		output
 */
static void conf_ll_from_mac(const uint8_t mac[6], struct in6_addr *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->s6_addr[0] = 0xfe;
	ll->s6_addr[1] = 0x80;
	ll->s6_addr[8] = mac[0] ^ 0x02;
	ll->s6_addr[9] = mac[1];
	ll->s6_addr[10] = mac[2];
	ll->s6_addr[11] = 0xff;
	ll->s6_addr[12] = 0xfe;
	ll->s6_addr[13] = mac[3];
	ll->s6_addr[14] = mac[4];
	ll->s6_addr[15] = mac[5];
}

/**
 * conf_resolv() - read resolvers and search list from /etc/resolv.conf
 * @c:		execution context
 */
static void conf_resolv(struct ctx *c)
{
	static char text[16384];
	ssize_t n, len = 0;
	int fd;

	if (c->dns_given && c->search_given)
		return;

	fd = open(RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("Can't open " RESOLV_CONF ": %s", strerror(errno));
		return;
	}
	while (len < (ssize_t)sizeof(text) - 1 &&
	       (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	close(fd);
	text[len] = '\0';

	conf_read_resolv(c, text, !c->dns_given, !c->search_given);
}

/**
 * conf_derive() - fill what the command line didn't give from the host
 * @c:		execution context
 *
 * Exits with status 1 if there's nothing we can work with.
 */
void conf_derive(struct ctx *c)
{
	int nl = nl_open();

	if (nl < 0)
		die("Can't open netlink socket: %s", strerror(-nl));

	if (c->ip4.enabled)
		conf_ip4(c, nl);
	if (c->ip6.enabled)
		conf_ip6(c, nl);

	if (!c->our_mac_set) {
		unsigned int ifi = c->ifi4 ? c->ifi4 : c->ifi6;
		uint8_t mac[6] = { 0 };
		int mtu;

		if (ifi)
			nl_link_get(nl, ifi, mac, &mtu);
		if (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])
			memcpy(c->our_mac, mac, 6);
		else
			memcpy(c->our_mac, mac_fallback, 6);
	}
	close(nl);

	if (c->ip6.enabled) {
		if (IN6_IS_ADDR_LINKLOCAL(&c->ip6.gw)) {
			c->ip6.our_ll = c->ip6.gw;
		} else {
			conf_ll_from_mac(c->our_mac, &c->ip6.our_ll);
			/* libvirt gives the guest's own MAC address as -M:
			 * our link-local address must then differ from the
			 * guest's, or it drops our router advertisements as
			 * coming from itself
			 */
			if (c->our_mac_set)
				c->ip6.our_ll.s6_addr[15] ^= 1;
		}
	}

	if (!c->ip4.enabled && !c->ip6.enabled)
		die("No usable IPv4 or IPv6 configuration: no default route "
		    "or address on the host, and none given with -a");

	conf_resolv(c);

	/* --map-host-loopback defaults to the gateways */
	fwd_map_defaults(c);
	if ((c->ip4.map_guest_addr.s_addr &&
	     c->ip4.map_guest_addr.s_addr == c->ip4.map_host_loopback.s_addr) ||
	    (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) &&
	     IN6_ARE_ADDR_EQUAL(&c->ip6.map_guest_addr,
				&c->ip6.map_host_loopback)))
		die("--map-guest-addr can't be the --map-host-loopback address "
		    "(by default, the gateway's)");

	/* With --dns-forward, that's the resolver the guest should use */
	if (c->ip4.dns_match.s_addr) {
		c->ip4.dns[0] = c->ip4.dns_match;
		c->ip4.dns_count = 1;
		if (!c->ip4.dns_host.s_addr)
			log_warn("--dns-forward %s: no IPv4 resolver on the "
				 "host to forward to", "for IPv4");
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match)) {
		c->ip6.dns[0] = c->ip6.dns_match;
		c->ip6.dns_count = 1;
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			log_warn("--dns-forward %s: no IPv6 resolver on the "
				 "host to forward to", "for IPv6");
	}

	if (c->mode == MODE_PASTA && !*c->ns_ifname) {
		if (*c->ifname4)
			strcpy(c->ns_ifname, c->ifname4);
		else if (*c->ifname6)
			strcpy(c->ns_ifname, c->ifname6);
		else
			strcpy(c->ns_ifname, "tap0");
	}
}

/**
 * conf_print_map() - log the address mappings and outbound bindings in use
 * @c:		execution context
 */
static void conf_print_map(const struct ctx *c)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const struct in6_addr *self6;
	struct in_addr self4;

	self4 = c->ip4.host_addr.s_addr ? c->ip4.host_addr : c->ip4.addr;
	self6 = IN6_IS_ADDR_UNSPECIFIED(&c->ip6.host_addr) ? &c->ip6.addr :
							     &c->ip6.host_addr;

	if (c->ip4.enabled && c->ip4.map_host_loopback.s_addr)
		log_info("Map %s to 127.0.0.1",
			 inet_ntop(AF_INET, &c->ip4.map_host_loopback, a,
				   sizeof(a)));
	if (c->ip6.enabled &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		log_info("Map %s to ::1",
			 inet_ntop(AF_INET6, &c->ip6.map_host_loopback, a,
				   sizeof(a)));
	if (c->ip4.enabled && c->ip4.map_guest_addr.s_addr)
		log_info("Map %s to %s",
			 inet_ntop(AF_INET, &c->ip4.map_guest_addr, a,
				   sizeof(a)),
			 inet_ntop(AF_INET, &self4, b, sizeof(b)));
	if (c->ip6.enabled &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr))
		log_info("Map %s to %s",
			 inet_ntop(AF_INET6, &c->ip6.map_guest_addr, a,
				   sizeof(a)),
			 inet_ntop(AF_INET6, self6, b, sizeof(b)));
	if (c->outbound4.s_addr || *c->outbound_if4)
		log_info("Outbound IPv4: %s%s%s",
			 c->outbound4.s_addr ?
			 inet_ntop(AF_INET, &c->outbound4, a, sizeof(a)) : "",
			 c->outbound4.s_addr && *c->outbound_if4 ? " on " : "",
			 c->outbound_if4);
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) || *c->outbound_if6)
		log_info("Outbound IPv6: %s%s%s",
			 IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) ? "" :
			 inet_ntop(AF_INET6, &c->outbound6, a, sizeof(a)),
			 !IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) &&
			 *c->outbound_if6 ? " on " : "", c->outbound_if6);
}

/**
 * conf_print() - log the configuration we'll give to the guest
 * @c:		execution context
 */
void conf_print(const struct ctx *c)
{
	char buf[INET6_ADDRSTRLEN];
	int i;

	if (c->mode == MODE_PASTA)
		log_info("Template interface: %s%s%s, namespace interface: %s",
			 c->ifi4 ? c->ifname4 : "",
			 c->ifi4 && c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 "/" : "",
			 c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 c->ifname6 : "", c->ns_ifname);
	else
		log_info("Template interface: %s%s%s",
			 c->ifi4 ? c->ifname4 : "",
			 c->ifi4 && c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 "/" : "",
			 c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 c->ifname6 : "");

	log_info("ARP:");
	log_info("    address: %02x:%02x:%02x:%02x:%02x:%02x",
		 c->our_mac[0], c->our_mac[1], c->our_mac[2],
		 c->our_mac[3], c->our_mac[4], c->our_mac[5]);

	if (c->ip4.enabled) {
		log_info("DHCP:%s", c->no_dhcp ? " (disabled)" : "");
		log_info("    assign: %s",
			 inet_ntop(AF_INET, &c->ip4.addr, buf, sizeof(buf)));
		log_info("    prefix length: %i", c->ip4.prefix_len);
		if (c->ip4.gw.s_addr)
			log_info("    router: %s", inet_ntop(AF_INET, &c->ip4.gw,
							 buf, sizeof(buf)));
		for (i = 0; !c->no_dhcp_dns && i < c->ip4.dns_count; i++)
			log_info("    DNS: %s", inet_ntop(AF_INET,
						      &c->ip4.dns[i], buf,
						      sizeof(buf)));
	}

	if (c->ip6.enabled) {
		log_info("NDP/DHCPv6:");
		log_info("    assign: %s", inet_ntop(AF_INET6, &c->ip6.addr,
						   buf, sizeof(buf)));
		log_info("    router: %s", inet_ntop(AF_INET6, &c->ip6.our_ll,
						   buf, sizeof(buf)));
		for (i = 0; !c->no_dhcp_dns && i < c->ip6.dns_count; i++)
			log_info("    DNS: %s", inet_ntop(AF_INET6,
						      &c->ip6.dns[i], buf,
						      sizeof(buf)));
	}

	for (i = 0; !c->no_dhcp_search && i < c->search_count; i++)
		log_info("    search: %s", c->search[i]);

	conf_print_map(c);
}

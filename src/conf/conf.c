// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf.c - command line parsing
 *
 * Theory of operation: the command line is the contract with the tools that
 * start us (Podman, libvirt, RootlessKit, people), so option spellings follow
 * the man page exactly and the unknown ones fail through getopt_long() with
 * its usual wording ("unrecognized option '--x'") and exit status 1. Options
 * of features that are not built yet are simply absent from the table, so
 * they fail the same way instead of being silently accepted.
 *
 * conf_parse() only records what was given; derive.c then fills the gaps from
 * the host, and usage.c holds the --help text.
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
#include "flow/flow.h"
#include "loop.h"
#include "ns/netlink.h"
#include "policy/egress.h"
#include "policy/fwd.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

#include "conf/conf_int.h"

/**
 * conf_die() - print an error about the command line and exit with status 1
 * @fmt:	printf-style format
 */
void __attribute__((noreturn, format(printf, 1, 2)))
conf_die(const char *fmt, ...)
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

/* Egress rules of the command line: c->egress points here once given */
static struct egress_table conf_egress;

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
 * conf_scope() - interface of an IPv6 zone, "%eth0" or "%2"
 * @zone:	text after the '%' of an address
 *
 * Return: interface index, 0 if there's no such interface
 */
static unsigned int conf_scope(const char *zone)
{
	unsigned long ifi;
	char *end;

	if (*zone >= '0' && *zone <= '9') {
		ifi = strtoul(zone, &end, 10);
		return *end || ifi > UINT32_MAX ? 0 : (unsigned int)ifi;
	}
	return if_nametoindex(zone);
}

/**
 * conf_dns_map() - parse --dns-forward or --dns-host
 * @c:		execution context
 * @forward:	--dns-forward (the guest's address), not --dns-host
 * @arg:	IPv4 or IPv6 address; for --dns-host, a link-local IPv6 one may
 *		name its interface: fe80::1%eth0
 *
 * Each is allowed once per IP version. Exits on error.
 */
static void conf_dns_map(struct ctx *c, bool forward, const char *arg)
{
	const char *opt = forward ? "--dns-forward" : "--dns-host";
	char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *pct;
	struct in6_addr a6, *d6;
	struct in_addr a4, *d4;

	if (snprintf(text, sizeof(text), "%s", arg) >= (int)sizeof(text))
		conf_die("Invalid address for %s: %s", opt, arg);
	pct = forward ? NULL : strchr(text, '%');
	if (pct) {
		*pct++ = '\0';
		if (inet_pton(AF_INET6, text, &a6) != 1 ||
		    !IN6_IS_ADDR_LINKLOCAL(&a6) || !conf_scope(pct))
			conf_die("Invalid address for %s: %s (an interface "
			    "only for a link-local address, and an existing "
			    "one)", opt, arg);
		c->ip6.dns_host_scope = conf_scope(pct);
		arg = text;
	}

	if (inet_pton(AF_INET, arg, &a4) == 1) {
		d4 = forward ? &c->ip4.dns_match : &c->ip4.dns_host;
		if (d4->s_addr)
			conf_die("%s given twice for IPv4: %s", opt, arg);
		if (!a4.s_addr || a4.s_addr == INADDR_BROADCAST ||
		    IN_MULTICAST(ntohl(a4.s_addr)))
			conf_die("Invalid address for %s: %s", opt, arg);
		*d4 = a4;
	} else if (inet_pton(AF_INET6, arg, &a6) == 1) {
		d6 = forward ? &c->ip6.dns_match : &c->ip6.dns_host;
		if (!IN6_IS_ADDR_UNSPECIFIED(d6))
			conf_die("%s given twice for IPv6: %s", opt, arg);
		if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_MULTICAST(&a6))
			conf_die("Invalid address for %s: %s", opt, arg);
		*d6 = a6;
	} else {
		conf_die("Invalid address for %s: %s", opt, arg);
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
			conf_die("%s given twice for IPv4: %s", opt, arg);
		if (!h || h == INADDR_BROADCAST || h >> 24 == 127 ||
		    IN_MULTICAST(h))
			conf_die("Invalid address for %s: %s", opt, arg);
		*a4 = v4;
	} else if (inet_pton(AF_INET6, arg, &v6) == 1) {
		if (!IN6_IS_ADDR_UNSPECIFIED(a6))
			conf_die("%s given twice for IPv6: %s", opt, arg);
		if (IN6_IS_ADDR_UNSPECIFIED(&v6) ||
		    IN6_IS_ADDR_LOOPBACK(&v6) ||
		    IN6_IS_ADDR_MULTICAST(&v6) ||
		    IN6_IS_ADDR_V4MAPPED(&v6))
			conf_die("Invalid address for %s: %s", opt, arg);
		*a6 = v6;
	} else {
		conf_die("Invalid address for %s: %s", opt, arg);
	}
}

/**
 * conf_dns_host_default() - note the first resolver of each IP version
 * @c:		execution context
 * @addr:	resolver address as text, loopback ones included
 * @scope:	interface of a link-local IPv6 @addr (its %zone), 0 for none
 *
 * That's where --dns-forward goes, unless --dns-host says otherwise. A
 * link-local resolver keeps its interface: the host socket to it uses that
 * one, not the template interface.
 */
static void conf_dns_host_default(struct ctx *c, const char *addr,
				  unsigned int scope)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		if (!c->ip4.dns_host.s_addr)
			c->ip4.dns_host = a4;
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host)) {
			c->ip6.dns_host = a6;
			if (IN6_IS_ADDR_LINKLOCAL(&a6))
				c->ip6.dns_host_scope = scope;
		}
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
		char buf[RESOLV_LINE_MAX], *p, *save;

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
				*pct++ = '\0';
			conf_dns_host_default(c, addr, pct ? conf_scope(pct) : 0);
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
 * conf_read_resolv_fd() - take resolvers and search list from a resolv.conf
 * @c:		execution context
 * @fd:		open file, read to its end
 * @want_dns:	take "nameserver" lines
 * @want_search: take "search" and "domain" lines
 *
 * The file is read a buffer at a time, and only whole lines are parsed: a
 * line that a read cuts is completed by the next one, and a line longer than
 * the buffer is skipped whole (conf_read_resolv() skips those too), never
 * parsed from the middle. The last line needs no newline.
 *
 * Return: number of resolvers taken
 */
int conf_read_resolv_fd(struct ctx *c, int fd, bool want_dns,
			bool want_search)
{
	static char buf[RESOLV_BUF_SIZE + 1];
	size_t have = 0;
	bool skip = false;	/* in a line too long for the buffer */
	int taken = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, RESOLV_BUF_SIZE - have)) != 0) {
		char *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		have += (size_t)n;
		buf[have] = '\0';

		nl = memrchr(buf, '\n', have);
		if (!nl) {
			if (have == RESOLV_BUF_SIZE) {
				skip = true;	/* no end in sight: drop it */
				have = 0;
			}
			continue;
		}

		*nl = '\0';
		if (skip) {
			/* The rest of the long line goes, up to its end */
			char *end = strchr(buf, '\n');

			skip = false;
			if (end)
				taken += conf_read_resolv(c, end + 1, want_dns,
							  want_search);
		} else {
			taken += conf_read_resolv(c, buf, want_dns,
						  want_search);
		}
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have);
	}

	if (have && !skip) {
		buf[have] = '\0';
		taken += conf_read_resolv(c, buf, want_dns, want_search);
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
		conf_die("Invalid interface name for %s: %s", opt, name);
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
		conf_die("Invalid path for %s: %s", opt, path);
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
	OPT_EGRESS_ALLOW,
	OPT_EGRESS_DENY,
	OPT_EGRESS_DEFAULT,
	OPT_STATS,
	OPT_RUNAS,
	OPT_EXIT_LINGER,
	OPT_BUSY_POLL,
	OPT_VHOST_USER,
	OPT_PRINT_CAPS,
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
	{ "conf-path",		required_argument,	NULL, 'c' },
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
	{ "egress-allow",	required_argument,	NULL, OPT_EGRESS_ALLOW },
	{ "egress-deny",	required_argument,	NULL, OPT_EGRESS_DENY },
	{ "egress-default",	required_argument,	NULL,
	  OPT_EGRESS_DEFAULT },
	{ "stats",		required_argument,	NULL, OPT_STATS },
	{ "busy-poll",		required_argument,	NULL, OPT_BUSY_POLL },
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
	{ "vhost-user",		no_argument,		NULL, OPT_VHOST_USER },
	{ "print-capabilities",	no_argument,		NULL, OPT_PRINT_CAPS },
	/* pasta */
	{ "ns-ifname",		required_argument,	NULL, 'I' },
	{ "userns",		required_argument,	NULL, OPT_USERNS },
	{ "netns",		required_argument,	NULL, OPT_NETNS },
	{ "netns-only",		no_argument,		NULL, OPT_NETNS_ONLY },
	{ "no-netns-quit",	no_argument,		NULL, OPT_NO_NETNS_QUIT },
	{ "exit-linger",	required_argument,	NULL, OPT_EXIT_LINGER },
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
		conf_die("%s is for %s mode only", opt,
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
				"+dqfel:hp:P:m:a:n:M:g:i:o:D:S:46I:t:u:T:U:c:" :
				"+dqfel:hp:P:m:a:n:M:g:i:o:D:S:46s:F:1t:u:c:";
	bool v4_only = false, v6_only = false, addr4 = false, addr6 = false;
	bool gw4 = false, gw6 = false, dns_given = false, search_given = false;
	bool dhcp_dns = false, dhcp_search = false, trace = false;
	int opt, netmask = -1;

	c->mtu = MTU_DEFAULT;
	c->log_size = 1 << 20;
	c->exit_linger_ms = FLOW_EXIT_LINGER_DEFAULT * 1000;
	c->busy_poll_us = BUSY_POLL_US_DEFAULT;
	c->fd_given = -1;
	c->fd_tap = -1;
	c->fd_tap_listen = -1;
	c->fd_route = -1;
	c->egress = NULL;
	egress_init(&conf_egress);

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
				conf_die("Invalid --log-size: %s (minimum 4096)",
				    optarg);
			break;
		case 'h':
			conf_usage(argv[0], EXIT_SUCCESS);
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
				conf_die("Invalid MTU: %s (0, or %i to %i)", optarg,
				    MTU_MIN_IPV4, MTU_DEFAULT);
			c->mtu = v;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a4) == 1) {
				uint32_t h = ntohl(a4.s_addr);

				if (addr4)
					conf_die("IPv4 address given twice: %s",
					    optarg);
				if (!h || h == 0xffffffff || h >> 24 == 127 ||
				    h >> 28 == 0xe)
					conf_die("Invalid IPv4 address for "
					    "--address: %s", optarg);
				c->ip4.addr = a4;
				addr4 = true;
			} else if (inet_pton(AF_INET6, optarg, &a6) == 1) {
				if (addr6)
					conf_die("IPv6 address given twice: %s",
					    optarg);
				if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
				    IN6_IS_ADDR_LOOPBACK(&a6) ||
				    IN6_IS_ADDR_MULTICAST(&a6) ||
				    IN6_IS_ADDR_LINKLOCAL(&a6) ||
				    IN6_IS_ADDR_V4MAPPED(&a6))
					conf_die("Invalid IPv6 address for "
					    "--address: %s", optarg);
				c->ip6.addr = a6;
				addr6 = true;
			} else {
				conf_die("Invalid address for --address: %s",
				    optarg);
			}
			break;
		case 'n':
			netmask = conf_parse_netmask(optarg);
			if (netmask < 0)
				conf_die("Invalid netmask: %s", optarg);
			break;
		case 'M':
			if (conf_parse_mac(optarg, c->our_mac) ||
			    (c->our_mac[0] & 1))
				conf_die("Invalid MAC address: %s", optarg);
			c->our_mac_set = true;
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &a4) == 1) {
				uint32_t h = ntohl(a4.s_addr);

				if (gw4)
					conf_die("IPv4 gateway given twice: %s",
					    optarg);
				if (!h || h == 0xffffffff || h >> 24 == 127 ||
				    h >> 28 == 0xe)
					conf_die("Invalid IPv4 gateway: %s", optarg);
				c->ip4.gw = a4;
				gw4 = true;
			} else if (inet_pton(AF_INET6, optarg, &a6) == 1) {
				if (gw6)
					conf_die("IPv6 gateway given twice: %s",
					    optarg);
				if (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
				    IN6_IS_ADDR_LOOPBACK(&a6) ||
				    IN6_IS_ADDR_MULTICAST(&a6))
					conf_die("Invalid IPv6 gateway: %s", optarg);
				c->ip6.gw = a6;
				gw6 = true;
			} else {
				conf_die("Invalid gateway address: %s", optarg);
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
				conf_die("Invalid --map-host-addr: %s (only 'none' "
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
				conf_die("Invalid --host-allow-%s: %s",
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
				conf_die("Invalid --host-refuse: %s (use 'reject' "
				    "or 'drop')", optarg);
			c->host_refuse_given = true;
			break;
		case OPT_EGRESS_ALLOW:
		case OPT_EGRESS_DENY: {
			bool deny = opt == OPT_EGRESS_DENY;
			char err[PORT_SPEC_ERR_LEN];

			if (egress_add(&conf_egress, deny, optarg, err,
				       sizeof(err)))
				conf_die("Invalid --egress-%s: %s",
				    deny ? "deny" : "allow", err);
			c->egress = &conf_egress;
			break;
		}
		case OPT_EGRESS_DEFAULT:
			if (!strcmp(optarg, "deny"))
				conf_egress.default_deny = true;
			else if (!strcmp(optarg, "allow"))
				conf_egress.default_deny = false;
			else
				conf_die("Invalid --egress-default: %s (use "
				    "'allow' or 'deny')", optarg);
			c->egress = &conf_egress;
			break;
		case OPT_RUNAS: {
			int rc = sandbox_runas_parse(optarg, &c->runas_uid,
						     &c->runas_gid);

			if (rc == -ENOENT)
				conf_die("Invalid --runas: no such user or group in "
				    "%s", optarg);
			if (rc)
				conf_die("Invalid --runas: %s (use UID, UID:GID, "
				    "LOGIN or LOGIN:GROUP)", optarg);
			if (!c->runas_uid || !c->runas_gid)
				conf_die("Invalid --runas: %s: UID or GID 0 "
				    "(root) can't be a target", optarg);
			c->runas_given = true;
			break;
		}
		case OPT_STATS:
			if (conf_uint(optarg, 1, 86400, &v))
				conf_die("Invalid --stats delay: %s (seconds, 1 to "
				    "86400)", optarg);
			c->stats_delay = (unsigned int)v;
			break;
		case 'D':
			if (!strcmp(optarg, "none")) {
				c->ip4.dns_count = c->ip6.dns_count = 0;
				c->dns_none = true;
			} else if (conf_dns_add(c, optarg)) {
				conf_die("Invalid resolver address: %s", optarg);
			} else {
				conf_dns_host_default(c, optarg, 0);
			}
			dns_given = true;
			break;
		case OPT_DNS_FORWARD:
		case OPT_DNS_HOST:
			conf_dns_map(c, opt == OPT_DNS_FORWARD, optarg);
			break;
		case 'S':
			if (conf_parse_search(c, optarg))
				conf_die("Invalid search list: %s", optarg);
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
				conf_die("Invalid --tcp-ports: %s", err);
			break;
		}
		case 'u': {
			char err[PORT_SPEC_ERR_LEN];

			if (port_spec_parse(&c->udp_in, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				conf_die("Invalid --udp-ports: %s", err);
			break;
		}
		case '4':
			v4_only = true;
			break;
		case '6':
			v6_only = true;
			break;
		case 'c':
			conf_path("--conf-path", optarg, c->ctl_path);
			if (strlen(optarg) >= 108)
				conf_die("Control socket path too long: %s",
					 optarg);
			break;
		case 's':
			conf_mode_only(c, MODE_PASST, "--socket");
			conf_path("--socket", optarg, c->sock_path);
			if (strlen(optarg) >= 108)
				conf_die("Socket path too long: %s", optarg);
			break;
		case 'F': {
			char *end;
			long fd;

			conf_mode_only(c, MODE_PASST, "--fd");
			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || fd < 0 ||
			    fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
				conf_die("Invalid file descriptor for --fd: %s",
				    optarg);
			c->fd_given = (int)fd;
			c->one_off = true;
			break;
		}
		case '1':
			conf_mode_only(c, MODE_PASST, "--one-off");
			c->one_off = true;
			break;
		case OPT_VHOST_USER:
			conf_mode_only(c, MODE_PASST, "--vhost-user");
			c->vhost_user = true;
			break;
		case OPT_PRINT_CAPS:
			/* vhost-user back-end program conventions: the
			 * device type, and no optional features
			 */
			conf_mode_only(c, MODE_PASST, "--print-capabilities");
			printf("{\n  \"type\": \"net\"\n}\n");
			exit(EXIT_SUCCESS);
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
					conf_die("Invalid namespace name: %s",
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
		case OPT_BUSY_POLL:
			if (conf_uint(optarg, 0, BUSY_POLL_US_MAX, &v))
				conf_die("Invalid --busy-poll: %s (microseconds, "
				    "0 to %d)", optarg, BUSY_POLL_US_MAX);
			c->busy_poll_us = (unsigned int)v;
			break;
		case OPT_EXIT_LINGER:
			conf_mode_only(c, MODE_PASTA, "--exit-linger");
			if (conf_uint(optarg, 0, FLOW_EXIT_LINGER_MAX, &v))
				conf_die("Invalid --exit-linger: %s (seconds, "
				    "0 to %d)", optarg, FLOW_EXIT_LINGER_MAX);
			c->exit_linger_ms = (unsigned int)v * 1000;
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
				conf_die("Invalid --tcp-ns: %s", err);
			break;
		}
		case 'U': {
			char err[PORT_SPEC_ERR_LEN];

			conf_mode_only(c, MODE_PASTA, "--udp-ns");
			if (port_spec_parse(&c->udp_out, optarg,
					    c->mode == MODE_PASTA,
					    port_ephemeral_start(), err,
					    sizeof(err)))
				conf_die("Invalid --udp-ns: %s", err);
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
				conf_die("Invalid MAC address: %s", optarg);
			c->ns_mac_set = true;
			break;
		default:
			/* getopt_long() already printed why */
			conf_usage(argv[0], EXIT_FAILURE);
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
		conf_die("--host-allow-tcp, --host-allow-udp and --host-allow-ping "
		    "only apply with --no-map-host");
	if (c->egress)
		egress_commit(&conf_egress);
	if (c->host_refuse_given && !c->no_map_host && !egress_active(c->egress))
		conf_die("--host-refuse only applies with --no-map-host or "
		    "egress rules");
	if (c->no_splice && c->splice_only)
		conf_die("Options --no-splice and --splice-only are mutually "
		    "exclusive");

	if (v4_only && v6_only)
		conf_die("Options -4 and -6 are mutually exclusive");
	if (c->debug && c->quiet)
		conf_die("Options --debug and --quiet are mutually exclusive");
	if (*c->log_file && c->log_stderr)
		conf_die("Options --log-file and --stderr are mutually exclusive");
	if (c->fd_given >= 0 && *c->sock_path)
		conf_die("Options --fd and --socket are mutually exclusive");

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
					conf_die("Both a PID and --netns given");
				c->pasta_pid = pid;
			} else {
				if (*c->netns_path)
					conf_die("Both a command and --netns given");
				c->pasta_argv = argv + optind;
				c->pasta_argc = argc - optind;
			}
		} else if (*c->userns_path && !*c->netns_path) {
			conf_die("--userns requires --netns or a PID");
		}
	} else if (optind < argc) {
		conf_die("Unexpected argument: %s", argv[optind]);
	}
}


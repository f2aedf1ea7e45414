// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_isolation.c - unit tests for host isolation (--no-map-host) in
 * policy/fwd.c: fwd_host_policy() over a table of destinations, with a fake
 * route lookup, the allow-lists, fwd_guest_target() refusing and counting
 * flows (failing closed when the lookup fails), and the refusal strings
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "ns/netlink.h"
#include "policy/fwd.h"
#include "policy/portspec.h"
#include "util/log.h"
#include "pkt_helpers.h"
#include "unit.h"

static struct ctx c;

#define addr(s)	tf_inany(s)

/**
 * struct fake_route - what the fake route lookup answers for an address
 * @addr:	address
 * @type:	RTN_* type, or negative error code
 */
struct fake_route {
	const char *addr;
	int type;
};

/* Anything not listed is RTN_UNICAST: a remote address */
static const struct fake_route fake_routes[] = {
	{ "192.0.2.2",		RTN_LOCAL },	/* the host (and guest) */
	{ "198.51.100.7",	RTN_LOCAL },	/* another host interface */
	{ "2001:db8:1::2",	RTN_LOCAL },	/* host, IPv6 global */
	{ "fe80::2",		RTN_LOCAL },	/* host, IPv6 link-local */
	{ "192.0.2.255",	RTN_BROADCAST },	/* subnet broadcast */
	{ "2001:db8:1::",	RTN_ANYCAST },	/* subnet-router anycast */
	{ "192.0.2.254",	RTN_MULTICAST },
	{ "192.0.2.253",	RTN_UNREACHABLE },	/* as a type: odd */
	{ "203.0.113.1",	-ETIMEDOUT },
	{ "203.0.113.2",	-ENETUNREACH },
	{ "203.0.113.3",	-EHOSTUNREACH },
	{ "203.0.113.4",	-EACCES },	/* prohibit route */
	{ "203.0.113.5",	-EPERM },
	{ "203.0.113.6",	-EINVAL },	/* blackhole route */
	{ "203.0.113.7",	-ENOENT },	/* no answer */
	{ "2001:db8:bad::1",	-ENOBUFS },
	{ "2001:db8:bad::2",	-ENETUNREACH },
};

static int fake_calls;			/* lookups since the last reset */
static union inany_addr fake_last;	/* address of the last lookup */

/**
 * fake_route_type() - route lookup answering from fake_routes
 * @ctx:	execution context (unused)
 * @a:		address
 *
 * Return: the type or error listed for @a, RTN_UNICAST if not listed
 */
static int fake_route_type(const struct ctx *ctx, const union inany_addr *a)
{
	unsigned int i;

	(void)ctx;
	fake_calls++;
	fake_last = *a;
	for (i = 0; i < sizeof(fake_routes) / sizeof(fake_routes[0]); i++) {
		union inany_addr r = addr(fake_routes[i].addr);

		if (inany_equals(&r, a))
			return fake_routes[i].type;
	}
	return RTN_UNICAST;
}

/**
 * setup() - a context as conf_derive() leaves it, isolation off
 *
 * IPv4: host and guest 192.0.2.2, gateway 192.0.2.1, --map-guest-addr
 * 192.0.2.200. IPv6: host and guest 2001:db8:1::2, gateway fe80::1,
 * --map-guest-addr 2001:db8::200. --map-host-loopback at its default, the
 * gateways. No route lookup socket.
 */
static void setup(void)
{
	tf_mapped_ctx_init(&c);
	log_set_level(LOG_ERR);		/* refusals are logged as warnings */
}

/**
 * struct policy_row - one fwd_host_policy() case
 * @proto:	protocol
 * @dst:	destination as the guest used it
 * @target:	host address it maps to, NULL if the same as @dst
 * @port:	destination port
 * @dns:	the DNS forwarder
 * @want:	result with --no-map-host (without it: always FWD_ALLOWED)
 * @calls:	route lookups expected with --no-map-host (0 or 1)
 */
struct policy_row {
	uint8_t proto;
	const char *dst;
	const char *target;
	uint16_t port;
	bool dns;
	enum fwd_refusal want;
	int calls;
};

#define T	IPPROTO_TCP
#define U	IPPROTO_UDP
#define I4	IPPROTO_ICMP
#define I6	IPPROTO_ICMPV6

#define OK	FWD_ALLOWED
#define MAPLO	FWD_REFUSED_MAP_LOOPBACK
#define MAPGA	FWD_REFUSED_MAP_GUEST
#define LO	FWD_REFUSED_LOOPBACK
#define UNSPEC	FWD_REFUSED_UNSPEC
#define BCAST	FWD_REFUSED_BCAST
#define MCAST	FWD_REFUSED_MCAST
#define LOCAL	FWD_REFUSED_LOCAL
#define LOOKUP	FWD_REFUSED_LOOKUP

static const struct policy_row rows_no_allow[] = {
	/* Addresses of the host, told by the route lookup */
	{ T, "192.0.2.2", NULL, 80, false, LOCAL, 1 },
	{ U, "192.0.2.2", NULL, 53, false, LOCAL, 1 },
	{ I4, "192.0.2.2", NULL, 0, false, LOCAL, 1 },
	{ T, "198.51.100.7", NULL, 22, false, LOCAL, 1 },
	{ T, "2001:db8:1::2", NULL, 80, false, LOCAL, 1 },
	{ I6, "2001:db8:1::2", NULL, 0, false, LOCAL, 1 },
	{ U, "fe80::2", NULL, 5353, false, LOCAL, 1 },
	{ T, "2001:db8:1::", NULL, 80, false, LOCAL, 1 },
	{ T, "192.0.2.253", NULL, 80, false, LOCAL, 1 },

	/* Loopback */
	{ T, "127.0.0.1", NULL, 80, false, LO, 0 },
	{ U, "127.1.2.3", NULL, 53, false, LO, 0 },
	{ I4, "127.0.0.1", NULL, 0, false, LO, 0 },
	{ T, "::1", NULL, 80, false, LO, 0 },
	{ I6, "::1", NULL, 0, false, LO, 0 },

	/* Unspecified, "this network" */
	{ T, "0.0.0.0", NULL, 80, false, UNSPEC, 0 },
	{ U, "0.1.2.3", NULL, 80, false, UNSPEC, 0 },
	{ T, "::", NULL, 80, false, UNSPEC, 0 },
	{ I6, "::", NULL, 0, false, UNSPEC, 0 },

	/* Multicast */
	{ U, "224.0.0.1", NULL, 9, false, MCAST, 0 },
	{ U, "239.1.2.3", NULL, 9, false, MCAST, 0 },
	{ I4, "224.0.0.1", NULL, 0, false, MCAST, 0 },
	{ U, "ff02::1", NULL, 9, false, MCAST, 0 },
	{ U, "ff05::fb", NULL, 5353, false, MCAST, 0 },
	{ I6, "ff02::1", NULL, 0, false, MCAST, 0 },
	{ U, "192.0.2.254", NULL, 9, false, MCAST, 1 },

	/* Broadcast: limited, and a subnet's, by lookup */
	{ U, "255.255.255.255", NULL, 67, false, BCAST, 0 },
	{ U, "192.0.2.255", NULL, 137, false, BCAST, 1 },
	{ I4, "192.0.2.255", NULL, 0, false, BCAST, 1 },

	/* The mappings: by the address the guest used */
	{ T, "192.0.2.1", "127.0.0.1", 80, false, MAPLO, 0 },
	{ I4, "192.0.2.1", "127.0.0.1", 0, false, MAPLO, 0 },
	{ T, "fe80::1", "::1", 80, false, MAPLO, 0 },
	{ T, "192.0.2.200", "192.0.2.2", 80, false, MAPGA, 0 },
	{ U, "2001:db8::200", "2001:db8:1::2", 9, false, MAPGA, 0 },
	{ I6, "2001:db8::200", "2001:db8:1::2", 0, false, MAPGA, 0 },

	/* Remote addresses */
	{ T, "203.0.113.80", NULL, 80, false, OK, 1 },
	{ U, "198.51.100.8", NULL, 53, false, OK, 1 },
	{ I4, "203.0.113.80", NULL, 0, false, OK, 1 },
	{ T, "2001:db8:3::7", NULL, 443, false, OK, 1 },
	{ I6, "2001:db8:3::7", NULL, 0, false, OK, 1 },
	{ T, "fe80::99", NULL, 80, false, OK, 1 },
	/* IPv4-compatible (not mapped): IPv6, by lookup */
	{ T, "::192.0.2.2", NULL, 80, false, OK, 1 },

	/* Lookup errors: no usable route is allowed, anything else not */
	{ T, "203.0.113.1", NULL, 80, false, LOOKUP, 1 },
	{ T, "203.0.113.2", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.3", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.4", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.5", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.6", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.7", NULL, 80, false, LOOKUP, 1 },
	{ U, "2001:db8:bad::1", NULL, 80, false, LOOKUP, 1 },
	{ U, "2001:db8:bad::2", NULL, 80, false, OK, 1 },

	/* The DNS forwarder, wherever the resolver is */
	{ U, "192.0.2.53", "127.0.0.53", 53, true, OK, 0 },
	{ T, "192.0.2.53", "127.0.0.53", 53, true, OK, 0 },
	{ U, "192.0.2.1", "192.0.2.2", 53, true, OK, 0 },
	{ U, "2001:db8::53", "::1", 53, true, OK, 0 },
	{ U, "2001:db8::53", "fe80::2", 53, true, OK, 0 },
	/* ...but not the same addresses without it */
	{ U, "192.0.2.53", "127.0.0.53", 53, false, LO, 0 },
	{ U, "192.0.2.1", "127.0.0.1", 53, false, MAPLO, 0 },

	/* Ports without an allow-list are refused, whatever they are */
	{ T, "192.0.2.2", NULL, 22, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 0, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 65535, false, LOCAL, 1 },
};

/* --host-allow-tcp 22,8080-8090 --host-allow-udp 53,5353 */
static const struct policy_row rows_allow[] = {
	/* On any host address, and through the mappings */
	{ T, "192.0.2.2", NULL, 22, false, OK, 0 },
	{ T, "2001:db8:1::2", NULL, 22, false, OK, 0 },
	{ T, "fe80::2", NULL, 8085, false, OK, 0 },
	{ T, "127.0.0.1", NULL, 8080, false, OK, 0 },
	{ T, "::1", NULL, 8090, false, OK, 0 },
	{ T, "0.0.0.0", NULL, 22, false, OK, 0 },
	{ T, "192.0.2.1", "127.0.0.1", 22, false, OK, 0 },
	{ T, "fe80::1", "::1", 8080, false, OK, 0 },
	{ T, "192.0.2.200", "192.0.2.2", 22, false, OK, 0 },
	{ U, "2001:db8::200", "2001:db8:1::2", 53, false, OK, 0 },
	{ U, "127.0.0.1", NULL, 5353, false, OK, 0 },
	{ U, "192.0.2.1", "127.0.0.1", 53, false, OK, 0 },

	/* Ports not on the list, or on the other protocol's list */
	{ T, "192.0.2.2", NULL, 23, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 8079, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 8091, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 53, false, LOCAL, 1 },
	{ U, "192.0.2.2", NULL, 22, false, LOCAL, 1 },
	{ U, "127.0.0.1", NULL, 8080, false, LO, 0 },
	{ T, "192.0.2.1", "127.0.0.1", 23, false, MAPLO, 0 },
	{ T, "192.0.2.200", "192.0.2.2", 23, false, MAPGA, 0 },

	/* ICMP: not without --host-allow-ping, whatever "port" it has */
	{ I4, "192.0.2.2", NULL, 22, false, LOCAL, 1 },
	{ I4, "127.0.0.1", NULL, 0, false, LO, 0 },
	{ I6, "::1", NULL, 53, false, LO, 0 },
	{ I4, "192.0.2.1", "127.0.0.1", 0, false, MAPLO, 0 },

	/* Remote addresses: still by lookup */
	{ T, "203.0.113.80", NULL, 80, false, OK, 1 },
	{ T, "203.0.113.1", NULL, 80, false, LOOKUP, 1 },
};

/* --host-allow-ping (and no port allowed) */
static const struct policy_row rows_ping[] = {
	{ I4, "192.0.2.2", NULL, 0, false, OK, 0 },
	{ I4, "127.0.0.1", NULL, 0, false, OK, 0 },
	{ I4, "192.0.2.1", "127.0.0.1", 0, false, OK, 0 },
	{ I4, "192.0.2.200", "192.0.2.2", 0, false, OK, 0 },
	{ I6, "::1", NULL, 0, false, OK, 0 },
	{ I6, "fe80::1", "::1", 0, false, OK, 0 },
	{ I6, "fe80::2", NULL, 0, false, OK, 0 },
	/* Ping doesn't open any port */
	{ T, "192.0.2.2", NULL, 0, false, LOCAL, 1 },
	{ T, "192.0.2.2", NULL, 7, false, LOCAL, 1 },
	{ U, "127.0.0.1", NULL, 7, false, LO, 0 },
};

/**
 * check_rows() - run fwd_host_policy() over a table, with and without
 *		  --no-map-host
 * @rows:	table
 * @n:		number of rows
 *
 * Return: number of rows with a wrong result
 */
static int check_rows(const struct policy_row *rows, size_t n)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct policy_row *r = &rows[i];
		union inany_addr dst = addr(r->dst);
		union inany_addr t = addr(r->target ? r->target : r->dst);
		enum fwd_refusal got;
		int calls;

		c.no_map_host = false;
		fake_calls = 0;
		got = fwd_host_policy(&c, r->proto, &dst, &t, r->port, r->dns,
				      fake_route_type);
		calls = fake_calls;
		if (got != FWD_ALLOWED || calls) {
			fprintf(stderr, "  without --no-map-host: proto %u "
				"%s port %u: %s, %i lookups\n", r->proto,
				r->dst, r->port, fwd_refusal_str(got), calls);
			bad++;
		}

		c.no_map_host = true;
		fake_calls = 0;
		memset(&fake_last, 0, sizeof(fake_last));
		got = fwd_host_policy(&c, r->proto, &dst, &t, r->port, r->dns,
				      fake_route_type);
		calls = fake_calls;
		if (got != r->want || calls != r->calls ||
		    (calls && !inany_equals(&fake_last, &t))) {
			fprintf(stderr, "  proto %u %s port %u%s: %s, want %s; "
				"%i lookups, want %i\n", r->proto, r->dst,
				r->port, r->dns ? " (dns)" : "",
				fwd_refusal_str(got), fwd_refusal_str(r->want),
				calls, r->calls);
			bad++;
		}
	}
	c.no_map_host = false;
	return bad;
}

TEST(policy_table)
{
	setup();
	CHECK_EQ(check_rows(rows_no_allow, sizeof(rows_no_allow) /
					   sizeof(rows_no_allow[0])), 0);
}

TEST(policy_allow_lists)
{
	char err[PORT_SPEC_ERR_LEN];

	setup();
	CHECK_EQ(port_allow_parse(c.host_allow_tcp, "22,8080-8090", 32768,
				  err, sizeof(err)), 0);
	CHECK_EQ(port_allow_parse(c.host_allow_udp, "53", 32768,
				  err, sizeof(err)), 0);
	CHECK_EQ(port_allow_parse(c.host_allow_udp, "5353", 32768,
				  err, sizeof(err)), 0);
	CHECK_EQ(check_rows(rows_allow, sizeof(rows_allow) /
					sizeof(rows_allow[0])), 0);

	CHECK(fwd_host_port_allowed(&c, IPPROTO_TCP, 22));
	CHECK(fwd_host_port_allowed(&c, IPPROTO_TCP, 8090));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_TCP, 0));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_TCP, 53));
	CHECK(fwd_host_port_allowed(&c, IPPROTO_UDP, 5353));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_UDP, 22));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_ICMP, 22));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_ICMPV6, 0));
}

TEST(policy_ping)
{
	setup();
	c.host_allow_ping = true;
	CHECK_EQ(check_rows(rows_ping, sizeof(rows_ping) /
				       sizeof(rows_ping[0])), 0);
	CHECK(fwd_host_port_allowed(&c, IPPROTO_ICMP, 0));
	CHECK(fwd_host_port_allowed(&c, IPPROTO_ICMPV6, 0));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_TCP, 0));
	CHECK(!fwd_host_port_allowed(&c, IPPROTO_UDP, 7));
}

/**
 * policy() - fwd_host_policy() with --no-map-host, for a target as the dst
 * @proto:	protocol
 * @dst:	destination, also the target
 * @port:	port
 *
 * Return: the result
 */
static enum fwd_refusal policy(uint8_t proto, const char *dst, uint16_t port)
{
	union inany_addr d = addr(dst);

	c.no_map_host = true;
	return fwd_host_policy(&c, proto, &d, &d, port, false,
			       fake_route_type);
}

TEST(policy_custom_mappings)
{
	/* --map-host-loopback 192.0.2.9: the gateway is remote again */
	setup();
	memset(&c.ip4.map_host_loopback, 0, sizeof(c.ip4.map_host_loopback));
	memset(&c.ip6.map_host_loopback, 0, sizeof(c.ip6.map_host_loopback));
	inet_pton(AF_INET, "192.0.2.9", &c.ip4.map_host_loopback);
	fwd_map_defaults(&c);
	fake_calls = 0;
	CHECK_EQ(policy(T, "192.0.2.9", 80), FWD_REFUSED_MAP_LOOPBACK);
	CHECK_EQ(fake_calls, 0);
	CHECK_EQ(policy(T, "192.0.2.1", 80), FWD_ALLOWED);
	CHECK_EQ(fake_calls, 1);
	CHECK_EQ(policy(T, "fe80::1", 80), FWD_REFUSED_MAP_LOOPBACK);

	/* --no-map-gw: no loopback mapping at all */
	setup();
	memset(&c.ip4.map_host_loopback, 0, sizeof(c.ip4.map_host_loopback));
	memset(&c.ip6.map_host_loopback, 0, sizeof(c.ip6.map_host_loopback));
	c.no_map_gw = true;
	fwd_map_defaults(&c);
	CHECK_EQ(policy(T, "192.0.2.1", 80), FWD_ALLOWED);
	CHECK_EQ(policy(T, "fe80::1", 80), FWD_ALLOWED);

	/* No --map-guest-addr: its address is an ordinary one */
	setup();
	memset(&c.ip4.map_guest_addr, 0, sizeof(c.ip4.map_guest_addr));
	memset(&c.ip6.map_guest_addr, 0, sizeof(c.ip6.map_guest_addr));
	CHECK_EQ(policy(T, "192.0.2.200", 80), FWD_ALLOWED);
	CHECK_EQ(policy(T, "2001:db8::200", 80), FWD_ALLOWED);
	/* and unset mappings never match the unspecified address */
	CHECK_EQ(policy(T, "0.0.0.0", 80), FWD_REFUSED_UNSPEC);
	CHECK_EQ(policy(T, "::", 80), FWD_REFUSED_UNSPEC);
}

/**
 * target() - fwd_guest_target() for a destination, as text
 * @proto:	protocol
 * @dst:	destination the guest used
 * @port:	destination port
 *
 * Return: the target, formatted (static buffer), or "error N"
 */
static const char *target(uint8_t proto, const char *dst, uint16_t port)
{
	static char buf[INANY_ADDRSTRLEN + 16];
	union inany_addr t;
	struct flowside g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.oaddr = addr(dst);
	g.oport = port;
	inet_pton(AF_INET6, "::ffff:192.0.2.2", &g.eaddr.a6);
	g.eport = 40000;
	rc = fwd_guest_target(&c, proto, &g, &t);
	if (rc) {
		snprintf(buf, sizeof(buf), "error %i", rc);
		return buf;
	}
	return inany_ntop(&t, buf, sizeof(buf));
}

#define EACCES_STR	"error -13"
#define EADDRNOTAVAIL_STR	"error -99"

TEST(guest_target_fails_closed)
{
	setup();

	/* Without isolation, the lookup (which would fail) isn't done */
	CHECK_STR(target(T, "203.0.113.80", 80), "203.0.113.80");
	CHECK_STR(target(T, "192.0.2.1", 80), "127.0.0.1");
	CHECK_STR(target(I6, "2001:db8::200", 0), "2001:db8:1::2");

	/* With it, a remote address needs the lookup: -EBADF, refused */
	c.no_map_host = true;
	CHECK_STR(target(T, "203.0.113.80", 80), EACCES_STR);
	CHECK_STR(target(U, "2001:db8:3::7", 80), EACCES_STR);
	CHECK_STR(target(I4, "203.0.113.80", 0), EACCES_STR);

	/* Static refusals; loopback without a mapping is dropped before */
	CHECK_STR(target(T, "127.0.0.1", 80), EADDRNOTAVAIL_STR);
	CHECK_STR(target(T, "192.0.2.1", 80), EACCES_STR);
	CHECK_STR(target(U, "fe80::1", 80), EACCES_STR);
	CHECK_STR(target(T, "192.0.2.200", 80), EACCES_STR);
	CHECK_STR(target(U, "ff02::1", 9), EACCES_STR);
	CHECK_STR(target(U, "255.255.255.255", 67), EACCES_STR);
	CHECK_STR(target(I6, "::", 0), EADDRNOTAVAIL_STR);

	/* The allow-list needs no lookup: mapped as usual */
	port_allow_parse(c.host_allow_tcp, "22", 32768, NULL, 0);
	CHECK_STR(target(T, "192.0.2.1", 22), "127.0.0.1");
	CHECK_STR(target(T, "fe80::1", 22), "::1");
	CHECK_STR(target(T, "192.0.2.200", 22), "192.0.2.2");
	CHECK_STR(target(T, "203.0.113.80", 22), "203.0.113.80");
	CHECK_STR(target(U, "192.0.2.1", 22), EACCES_STR);
	c.host_allow_ping = true;
	CHECK_STR(target(I4, "192.0.2.1", 0), "127.0.0.1");
	CHECK_STR(target(I6, "2001:db8::200", 0), "2001:db8:1::2");
}

TEST(guest_target_dns)
{
	setup();
	c.no_map_host = true;
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_match);
	inet_pton(AF_INET, "127.0.0.53", &c.ip4.dns_host);
	inet_pton(AF_INET6, "2001:db8::53", &c.ip6.dns_match);
	c.ip6.dns_host = in6addr_loopback;

	/* Port 53 of the forwarding address, UDP and TCP: the resolver */
	CHECK_STR(target(U, "192.0.2.53", 53), "127.0.0.53");
	CHECK_STR(target(T, "192.0.2.53", 53), "127.0.0.53");
	CHECK_STR(target(U, "2001:db8::53", 53), "::1");
	CHECK_STR(target(T, "2001:db8::53", 53), "::1");

	/* Another port, ICMP, or another address: not the forwarder */
	CHECK_STR(target(U, "192.0.2.53", 54), EACCES_STR);
	CHECK_STR(target(I4, "192.0.2.53", 53), EACCES_STR);
	CHECK_STR(target(I6, "2001:db8::53", 53), EACCES_STR);
	CHECK_STR(target(U, "192.0.2.54", 53), EACCES_STR);
	CHECK_STR(target(U, "127.0.0.53", 53), EADDRNOTAVAIL_STR);

	/* The forwarding address is the gateway: DNS wins over the loopback
	 * mapping, which is refused for anything else
	 */
	c.ip4.dns_match = c.ip4.gw;
	c.ip6.dns_match = c.ip6.gw;
	CHECK_STR(target(U, "192.0.2.1", 53), "127.0.0.53");
	CHECK_STR(target(U, "fe80::1", 53), "::1");
	CHECK_STR(target(U, "192.0.2.1", 5353), EACCES_STR);
	CHECK_STR(target(T, "fe80::1", 80), EACCES_STR);

	/* The resolver is the host's own address */
	c.ip4.dns_host = c.ip4.host_addr;
	CHECK_STR(target(U, "192.0.2.1", 53), "192.0.2.2");

	/* No resolver to forward to: unreachable, not a refusal */
	c.ip4.dns_host.s_addr = 0;
	CHECK_STR(target(U, "192.0.2.1", 53), "error -113");
}

TEST(guest_target_counts)
{
	const struct fwd_guest_drops *d = fwd_guest_drop_stats();
	const struct fwd_isolation_stats *s = fwd_isolation_get_stats();
	struct fwd_isolation_stats before;
	struct fwd_guest_drops dbefore;
	int i;

	setup();
	before = *s;
	dbefore = *d;

	/* Allowed flows and flows without isolation aren't counted */
	CHECK_STR(target(T, "192.0.2.1", 80), "127.0.0.1");
	c.no_map_host = true;
	c.host_allow_ping = true;
	CHECK_STR(target(I4, "192.0.2.1", 0), "127.0.0.1");
	c.host_allow_ping = false;
	CHECK_EQ(s->refused_tcp, before.refused_tcp);
	CHECK_EQ(s->refused_udp, before.refused_udp);
	CHECK_EQ(s->refused_icmp, before.refused_icmp);

	CHECK_STR(target(T, "192.0.2.1", 80), EACCES_STR);
	CHECK_STR(target(T, "203.0.113.80", 80), EACCES_STR);
	CHECK_STR(target(U, "fe80::1", 80), EACCES_STR);
	CHECK_STR(target(I4, "192.0.2.1", 0), EACCES_STR);
	CHECK_STR(target(I6, "fe80::1", 0), EACCES_STR);
	CHECK_EQ(s->refused_tcp, before.refused_tcp + 2);
	CHECK_EQ(s->refused_udp, before.refused_udp + 1);
	CHECK_EQ(s->refused_icmp, before.refused_icmp + 2);

	/* Loopback without a mapping: dropped and counted apart, with the
	 * allow-list or without isolation too
	 */
	CHECK_STR(target(T, "127.0.0.1", 80), EADDRNOTAVAIL_STR);
	CHECK_STR(target(U, "::1", 80), EADDRNOTAVAIL_STR);
	CHECK_STR(target(I4, "127.0.0.1", 0), EADDRNOTAVAIL_STR);
	CHECK_STR(target(I6, "::1", 0), EADDRNOTAVAIL_STR);
	c.no_map_host = false;
	CHECK_STR(target(T, "127.0.0.1", 22), EADDRNOTAVAIL_STR);
	CHECK_EQ(s->refused_tcp, before.refused_tcp + 2);
	CHECK_EQ(s->refused_udp, before.refused_udp + 1);
	CHECK_EQ(s->refused_icmp, before.refused_icmp + 2);
	CHECK_EQ(d->loopback_tcp, dbefore.loopback_tcp + 2);
	CHECK_EQ(d->loopback_udp, dbefore.loopback_udp + 1);
	CHECK_EQ(d->loopback_icmp, dbefore.loopback_icmp + 2);
	c.no_map_host = true;

	/* A burst: at most 10 lines a second, the rest counted */
	for (i = 0; i < 30; i++)
		CHECK_STR(target(U, "224.0.0.251", 5353), EACCES_STR);
	CHECK_EQ(s->refused_udp, before.refused_udp + 31);
	CHECK(s->log_suppressed > before.log_suppressed);
}

TEST(isolation_init_off)
{
	setup();
	CHECK_EQ(fwd_isolation_init(&c), 0);
	CHECK_EQ(c.fd_route, -1);
}

TEST(refusal_strings)
{
	static const char *const want[] = {
		[FWD_ALLOWED]			= "allowed",
		[FWD_REFUSED_MAP_LOOPBACK]	= "host loopback mapping",
		[FWD_REFUSED_MAP_GUEST]		= "host address mapping",
		[FWD_REFUSED_LOOPBACK]		= "loopback address",
		[FWD_REFUSED_UNSPEC]		= "unspecified address",
		[FWD_REFUSED_BCAST]		= "broadcast address",
		[FWD_REFUSED_MCAST]		= "multicast address",
		[FWD_REFUSED_LOCAL]		= "host address",
		[FWD_REFUSED_LOOKUP]		= "route lookup failed",
		[FWD_REFUSED_EGRESS_RULE]	= "egress rule",
		[FWD_REFUSED_EGRESS_DEFAULT]	= "egress default",
	};
	int i, j;

	CHECK_EQ(sizeof(want) / sizeof(want[0]), FWD_REFUSAL_COUNT);
	for (i = 0; i < FWD_REFUSAL_COUNT; i++) {
		const char *s = fwd_refusal_str((enum fwd_refusal)i);

		CHECK(s && want[i]);
		if (!s || !want[i])
			continue;
		CHECK_STR(s, want[i]);
		for (j = 0; j < i; j++)
			CHECK(strcmp(s, fwd_refusal_str((enum fwd_refusal)j)));
	}
	CHECK_STR(fwd_refusal_str(FWD_REFUSAL_COUNT), "?");
	CHECK_STR(fwd_refusal_str((enum fwd_refusal)-1), "?");
	CHECK_STR(fwd_refusal_str((enum fwd_refusal)1000), "?");
}

/* Link-local host addresses keep the interface they belong to */
TEST(scope6)
{
	struct ctx sc;
	struct in6_addr a;

	memset(&sc, 0, sizeof(sc));
	sc.ifi6 = 2;
	inet_pton(AF_INET6, "2001:db8::1", &a);
	CHECK_EQ(fwd_scope6(&sc, &a), 0U);
	inet_pton(AF_INET6, "fe80::1", &a);
	CHECK_EQ(fwd_scope6(&sc, &a), 2U);		/* template interface */
	sc.outbound_ifi6 = 3;
	CHECK_EQ(fwd_scope6(&sc, &a), 3U);		/* --outbound-if6 */
	inet_pton(AF_INET6, "fe80::53", &sc.ip6.dns_host);
	sc.ip6.dns_host_scope = 5;
	CHECK_EQ(fwd_scope6(&sc, &a), 3U);
	CHECK_EQ(fwd_scope6(&sc, &sc.ip6.dns_host), 5U);	/* its own */
	sc.ip6.dns_host_scope = 0;
	CHECK_EQ(fwd_scope6(&sc, &sc.ip6.dns_host), 3U);
}

UNIT_MAIN()

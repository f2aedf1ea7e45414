// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fwd.c - unit tests for policy/fwd.c: the host target of new guest
 * flows (DNS forwarding, --map-host-loopback, --map-guest-addr), the guest
 * side of flows from the host, and the binding of outbound sockets (-o,
 * --outbound-if4/6)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "policy/fwd.h"
#include "pkt_helpers.h"
#include "unit.h"

static struct ctx c;

#define addr(s)	tf_inany(s)

/**
 * guest_target() - fwd_guest_target() for a destination and port
 * @ctx:	execution context
 * @proto:	protocol
 * @dst:	destination the guest used
 * @port:	destination port
 * @t:		host target, set
 *
 * Return: what fwd_guest_target() returns
 */
static int guest_target(const struct ctx *ctx, uint8_t proto,
			const union inany_addr *dst, uint16_t port,
			union inany_addr *t)
{
	struct flowside g;

	memset(&g, 0, sizeof(g));
	g.oaddr = *dst;
	g.oport = port;
	return fwd_guest_target(ctx, proto, &g, t);
}

/**
 * setup() - a context forwarding 192.0.2.53 and 2001:db8::53
 */
static void setup(void)
{
	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_match);
	inet_pton(AF_INET, "127.0.0.53", &c.ip4.dns_host);
	inet_pton(AF_INET6, "2001:db8::53", &c.ip6.dns_match);
	inet_pton(AF_INET6, "2001:db8::1", &c.ip6.dns_host);
}

TEST(dns_mapped)
{
	union inany_addr dst, t, want;

	setup();
	dst = addr("192.0.2.53");
	want = addr("127.0.0.53");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));
	CHECK_EQ(guest_target(&c, IPPROTO_TCP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));

	dst = addr("2001:db8::53");
	want = addr("2001:db8::1");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));
}

TEST(others_unchanged)
{
	union inany_addr dst, t;

	setup();
	dst = addr("192.0.2.53");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 54, &t), 0);
	CHECK(inany_equals(&t, &dst));
	CHECK_EQ(guest_target(&c, IPPROTO_ICMP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));

	dst = addr("192.0.2.54");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));

	/* IPv4 forwarding address, as IPv6 destination: not mapped */
	dst = addr("::192.0.2.53");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));
}

TEST(no_resolver)
{
	union inany_addr dst, t;

	setup();
	c.ip4.dns_host.s_addr = 0;
	dst = addr("192.0.2.53");
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t),
		 -EHOSTUNREACH);

	/* Without --dns-forward, nothing is mapped */
	memset(&c, 0, sizeof(c));
	CHECK_EQ(guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));
}

TEST(resolv_host_includes_loopback)
{
	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, "nameserver 127.0.0.53\nnameserver 192.0.2.1\n"
			 "nameserver ::1\n", true, false);
	CHECK_EQ(c.ip4.dns_count, 1);
	CHECK_EQ(ntohl(c.ip4.dns_host.s_addr), 0x7f000035);
	CHECK(IN6_IS_ADDR_LOOPBACK(&c.ip6.dns_host));
	CHECK_EQ(c.ip6.dns_count, 0);
}

/**
 * setup_map() - a context as conf_derive() leaves it, with gateways
 *
 * IPv4: host and guest 192.0.2.2, gateway 192.0.2.1. IPv6: host and guest
 * 2001:db8:1::2, gateway fe80::1 (link-local). --map-host-loopback at its
 * default, the gateways, unless the test changes it first.
 */
static void setup_map(void)
{
	memset(&c, 0, sizeof(c));
	c.ip4.enabled = c.ip6.enabled = true;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.host_addr = c.ip4.addr;
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	c.ip4.our_addr = c.ip4.gw;
	inet_pton(AF_INET6, "2001:db8:1::2", &c.ip6.addr);
	c.ip6.host_addr = c.ip6.addr;
	inet_pton(AF_INET6, "fe80::1", &c.ip6.gw);
	c.ip6.our_ll = c.ip6.gw;
}

/**
 * target() - fwd_guest_target() for a destination, as text
 * @proto:	protocol
 * @dst:	destination the guest used
 * @port:	destination port
 *
 * Return: the target, formatted (static buffer), or "error N"
 */
#define EADDRNOTAVAIL_STR	"error -99"

static const char *target(uint8_t proto, const char *dst, uint16_t port)
{
	static char buf[INANY_ADDRSTRLEN + 16];
	union inany_addr d = addr(dst), t;
	int rc = guest_target(&c, proto, &d, port, &t);

	if (rc) {
		snprintf(buf, sizeof(buf), "error %i", rc);
		return buf;
	}
	return inany_ntop(&t, buf, sizeof(buf));
}

TEST(map_host_loopback_default_gateway)
{
	setup_map();
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 80), "127.0.0.1");
	CHECK_STR(target(IPPROTO_UDP, "192.0.2.1", 5353), "127.0.0.1");
	CHECK_STR(target(IPPROTO_ICMP, "192.0.2.1", 0), "127.0.0.1");
	CHECK_STR(target(IPPROTO_TCP, "fe80::1", 80), "::1");
	CHECK_STR(target(IPPROTO_ICMPV6, "fe80::1", 0), "::1");

	/* Other addresses go where the guest sent them */
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.3", 80), "192.0.2.3");
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.2", 80), "192.0.2.2");
	CHECK_STR(target(IPPROTO_TCP, "2001:db8:1::1", 80), "2001:db8:1::1");
	/* An IPv4-compatible IPv6 address is IPv6, not the gateway */
	CHECK_STR(target(IPPROTO_TCP, "::192.0.2.1", 80), "::192.0.2.1");
}

TEST(map_host_loopback_none)
{
	setup_map();
	c.no_map_gw = true;
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 80), "192.0.2.1");
	CHECK_STR(target(IPPROTO_ICMP, "192.0.2.1", 0), "192.0.2.1");
	CHECK_STR(target(IPPROTO_UDP, "fe80::1", 80), "fe80::1");

	/* No gateway: nothing to map either */
	setup_map();
	c.ip4.gw.s_addr = 0;
	memset(&c.ip6.gw, 0, sizeof(c.ip6.gw));
	fwd_map_defaults(&c);
	CHECK(!c.ip4.map_host_loopback.s_addr);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_host_loopback));
	CHECK_STR(target(IPPROTO_TCP, "0.0.0.0", 80), EADDRNOTAVAIL_STR);
}

TEST(host_by_value_dropped_unless_mapped)
{
	const struct fwd_guest_drops *d = fwd_guest_drop_stats();
	struct fwd_guest_drops before = *d;
	static const char *const dsts[] = {
		"127.0.0.1", "127.1.2.3", "0.0.0.0", "0.0.0.1", "0.255.255.255",
		"::1", "::", "::ffff:127.0.0.1", "::ffff:0.0.0.1",
	};
	int i, n = (int)(sizeof(dsts) / sizeof(dsts[0]));

	/* With or without --map-host-loopback, no mapping gives these */
	setup_map();
	c.no_map_gw = true;
	fwd_map_defaults(&c);
	for (i = 0; i < n; i++) {
		CHECK_STR(target(IPPROTO_TCP, dsts[i], 80), EADDRNOTAVAIL_STR);
		CHECK_STR(target(IPPROTO_UDP, dsts[i], 53), EADDRNOTAVAIL_STR);
		CHECK_STR(target(IPPROTO_ICMP, dsts[i], 0), EADDRNOTAVAIL_STR);
	}
	CHECK_EQ(d->loopback_tcp - before.loopback_tcp, (uint64_t)n);
	CHECK_EQ(d->loopback_udp - before.loopback_udp, (uint64_t)n);
	CHECK_EQ(d->loopback_icmp - before.loopback_icmp, (uint64_t)n);

	setup_map();
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_TCP, "127.0.0.1", 80), EADDRNOTAVAIL_STR);
	CHECK_STR(target(IPPROTO_ICMPV6, "::1", 0), EADDRNOTAVAIL_STR);
	/* ...while the mapping itself goes there */
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 80), "127.0.0.1");
	CHECK_STR(target(IPPROTO_ICMPV6, "fe80::1", 0), "::1");
	/* Neighbours of loopback and "this network" are ordinary */
	CHECK_STR(target(IPPROTO_TCP, "128.0.0.1", 80), "128.0.0.1");
	CHECK_STR(target(IPPROTO_TCP, "1.0.0.0", 80), "1.0.0.0");
	CHECK_STR(target(IPPROTO_TCP, "::2", 80), "::2");
}

TEST(map_host_loopback_custom)
{
	setup_map();
	inet_pton(AF_INET, "192.0.2.9", &c.ip4.map_host_loopback);
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.9", 80), "127.0.0.1");
	/* The gateway is the gateway again, for IPv4 only */
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 80), "192.0.2.1");
	CHECK_STR(target(IPPROTO_TCP, "fe80::1", 80), "::1");

	setup_map();
	inet_pton(AF_INET6, "2001:db8::9", &c.ip6.map_host_loopback);
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_UDP, "2001:db8::9", 9), "::1");
	CHECK_STR(target(IPPROTO_UDP, "fe80::1", 9), "fe80::1");
	CHECK_STR(target(IPPROTO_UDP, "192.0.2.1", 9), "127.0.0.1");
}

TEST(dns_forward_wins_over_mapping)
{
	setup_map();
	c.ip4.dns_match = c.ip4.gw;
	inet_pton(AF_INET, "198.51.100.53", &c.ip4.dns_host);
	c.ip6.dns_match = c.ip6.gw;
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_UDP, "192.0.2.1", 53), "198.51.100.53");
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 53), "198.51.100.53");
	CHECK_STR(target(IPPROTO_UDP, "192.0.2.1", 54), "127.0.0.1");
	CHECK_STR(target(IPPROTO_ICMP, "192.0.2.1", 53), "127.0.0.1");
	/* No IPv6 resolver: refused, not mapped to loopback */
	CHECK_STR(target(IPPROTO_UDP, "fe80::1", 53),
		  "error -113");	/* -EHOSTUNREACH */
	CHECK_STR(target(IPPROTO_UDP, "fe80::1", 54), "::1");
}

TEST(map_guest_addr)
{
	setup_map();
	inet_pton(AF_INET, "169.254.1.2", &c.ip4.map_guest_addr);
	inet_pton(AF_INET6, "2001:db8::2", &c.ip6.map_guest_addr);
	fwd_map_defaults(&c);
	CHECK_STR(target(IPPROTO_TCP, "169.254.1.2", 80), "192.0.2.2");
	CHECK_STR(target(IPPROTO_ICMP, "169.254.1.2", 0), "192.0.2.2");
	CHECK_STR(target(IPPROTO_UDP, "2001:db8::2", 80), "2001:db8:1::2");
	CHECK_STR(target(IPPROTO_TCP, "192.0.2.1", 80), "127.0.0.1");

	/* The host has no address: the one given to the guest */
	c.ip4.host_addr.s_addr = 0;
	inet_pton(AF_INET, "192.0.2.77", &c.ip4.addr);
	CHECK_STR(target(IPPROTO_TCP, "169.254.1.2", 80), "192.0.2.77");
	memset(&c.ip6.host_addr, 0, sizeof(c.ip6.host_addr));
	CHECK_STR(target(IPPROTO_TCP, "2001:db8::2", 80), "2001:db8:1::2");
}

/**
 * inbound() - guest-side peer address for a host peer, as text
 * @peer:	host-side peer address
 *
 * Return: the address the guest sees the peer as (static buffer), or "-1"
 */
static const char *inbound(const char *peer)
{
	static char buf[INANY_ADDRSTRLEN];
	union inany_addr p = addr(peer);
	struct flowside g;

	if (fwd_inbound_guest_side(&c, &p, 40000, NULL, 8080, &g))
		return "-1";
	CHECK_EQ(g.eport, 8080);
	CHECK_EQ(g.oport, 40000);
	return inany_ntop(&g.oaddr, buf, sizeof(buf));
}

TEST(inbound_peers)
{
	setup_map();
	inet_pton(AF_INET, "192.0.2.9", &c.ip4.map_host_loopback);
	inet_pton(AF_INET6, "2001:db8::9", &c.ip6.map_host_loopback);
	fwd_map_defaults(&c);
	CHECK_STR(inbound("127.0.0.1"), "192.0.2.9");
	CHECK_STR(inbound("127.0.0.53"), "192.0.2.9");
	CHECK_STR(inbound("::1"), "2001:db8::9");
	CHECK_STR(inbound("203.0.113.7"), "203.0.113.7");
	CHECK_STR(inbound("2001:db8:3::7"), "2001:db8:3::7");
	/* The host's own address, without --map-guest-addr: the gateway */
	CHECK_STR(inbound("192.0.2.2"), "192.0.2.1");
	CHECK_STR(inbound("2001:db8:1::2"), "fe80::1");

	inet_pton(AF_INET, "192.0.2.200", &c.ip4.map_guest_addr);
	inet_pton(AF_INET6, "2001:db8::200", &c.ip6.map_guest_addr);
	CHECK_STR(inbound("192.0.2.2"), "192.0.2.200");
	CHECK_STR(inbound("2001:db8:1::2"), "2001:db8::200");

	/* Default mapping: loopback appears as the gateway */
	setup_map();
	fwd_map_defaults(&c);
	CHECK_STR(inbound("127.0.0.1"), "192.0.2.1");
	CHECK_STR(inbound("::1"), "fe80::1");

	/* No mapping: gateway, our address without one, nothing without
	 * either (IPv4)
	 */
	setup_map();
	c.no_map_gw = true;
	fwd_map_defaults(&c);
	CHECK_STR(inbound("127.0.0.1"), "192.0.2.1");
	c.ip4.gw.s_addr = 0;
	inet_pton(AF_INET, "192.0.2.254", &c.ip4.our_addr);
	CHECK_STR(inbound("127.0.0.1"), "192.0.2.254");
	c.ip4.our_addr.s_addr = 0;
	CHECK_STR(inbound("127.0.0.1"), "-1");
	memset(&c.ip6.gw, 0, sizeof(c.ip6.gw));
	inet_pton(AF_INET6, "fe80::99", &c.ip6.our_ll);
	CHECK_STR(inbound("::1"), "fe80::99");

	/* IPv6-only guest: an IPv4 loopback peer takes the IPv6 mapping */
	setup_map();
	c.ip4.enabled = false;
	inet_pton(AF_INET6, "2001:db8::9", &c.ip6.map_host_loopback);
	CHECK_STR(inbound("127.0.0.1"), "2001:db8::9");
	CHECK_STR(inbound("203.0.113.7"), "fe80::1");
}

/**
 * bound_addr() - local address of a socket, as text
 * @s:		socket
 * @port:	its local port, set on return
 *
 * Return: formatted address (static buffer)
 */
static const char *bound_addr(int s, uint16_t *port)
{
	static char buf[INET6_ADDRSTRLEN];
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	CHECK_EQ(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	if (sa.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	}
	*port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr,
			 buf, sizeof(buf));
}

TEST(outbound_bind_address)
{
	union inany_addr dst = addr("192.0.2.1"), lo = addr("127.0.0.1");
	union inany_addr dst6 = addr("2001:db8::1"), lo6 = addr("::1");
	uint16_t port;
	int s;

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "127.0.0.2", &c.outbound4);	/* a local one */
	c.outbound6 = in6addr_loopback;

	/* Nothing to do for IPv4 without -o: unbound */
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst6, 0), 0);
	CHECK_STR(bound_addr(s, &port), "::1");
	close(s);

	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, 0), 0);
	CHECK_STR(bound_addr(s, &port), "127.0.0.2");
	CHECK_EQ(port, 0);	/* IP_BIND_ADDRESS_NO_PORT */
	close(s);

	/* Loopback destinations: never bound */
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &lo, 0), 0);
	CHECK_STR(bound_addr(s, &port), "0.0.0.0");
	close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &lo6, 0), 0);
	CHECK_STR(bound_addr(s, &port), "::");
	close(s);

	/* An address that's not local: the bind fails, and says so */
	inet_pton(AF_INET, "192.0.2.200", &c.outbound4);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, 0), -EADDRNOTAVAIL);
	close(s);
}

TEST(outbound_bind_port)
{
	union inany_addr dst = addr("192.0.2.1");
	uint16_t port, taken;
	int s, t;

	/* A socket holding a port on the wildcard address */
	t = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET };

		CHECK_EQ(bind(t, (struct sockaddr *)&sin, sizeof(sin)), 0);
		bound_addr(t, &taken);
	}

	/* Without -o: the port if it's free, unbound if it's taken */
	memset(&c, 0, sizeof(c));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, (uint16_t)(taken + 1)), 0);
	bound_addr(s, &port);
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, taken), 0);
	CHECK_STR(bound_addr(s, &port), "0.0.0.0");
	CHECK_EQ(port, 0);
	close(s);

	/* With -o: address and port in one bind(), or any port */
	inet_pton(AF_INET, "127.0.0.3", &c.outbound4);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, (uint16_t)(taken + 2)), 0);
	CHECK_STR(bound_addr(s, &port), "127.0.0.3");
	CHECK_EQ(port, (uint16_t)(taken + 2));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, taken), 0);
	CHECK_STR(bound_addr(s, &port), "127.0.0.3");
	close(s);
	close(t);
}

TEST(outbound_bind_interface)
{
	union inany_addr dst = addr("192.0.2.1"), lo = addr("127.0.0.1");
	char name[IF_NAMESIZE] = "";
	socklen_t sl = sizeof(name);
	int s;

	memset(&c, 0, sizeof(c));
	strcpy(c.outbound_if4, "lo");
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, 0), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, name, &sl), 0);
	CHECK_STR(name, "lo");
	close(s);

	/* Not for loopback destinations, and not for IPv6 (not given) */
	strcpy(c.outbound_if4, "nonexistent0");
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &lo, 0), 0);
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(fwd_outbound_bind(&c, s, &dst, 0), -ENODEV);
	close(s);
}

/* A small pool of addresses, so that random choices collide often */
static const char *const pool4[] = {
	"192.0.2.1", "192.0.2.2", "192.0.2.9", "198.51.100.1", "127.0.0.1",
};
static const char *const pool6[] = {
	"fe80::1", "2001:db8::1", "2001:db8::2", "2001:db8::9", "::1",
};

/**
 * ref_target4() - fwd_guest_target() as the man page puts it, for IPv4
 * @dst:	destination, from pool4
 * @proto:	protocol
 * @port:	port
 * @out:	target, set on success
 *
 * Return: 0, -EHOSTUNREACH, or -EADDRNOTAVAIL
 */
static int ref_target4(struct in_addr dst, uint8_t proto, uint16_t port,
		       struct in_addr *out)
{
	int dns = (proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
		  port == 53 && c.ip4.dns_match.s_addr == dst.s_addr &&
		  dst.s_addr;

	*out = dst;
	if (dns) {
		if (!c.ip4.dns_host.s_addr)
			return -EHOSTUNREACH;
		*out = c.ip4.dns_host;
	} else if (dst.s_addr && dst.s_addr == c.ip4.map_host_loopback.s_addr) {
		out->s_addr = htonl(0x7f000001);
	} else if (dst.s_addr && dst.s_addr == c.ip4.map_guest_addr.s_addr) {
		*out = c.ip4.host_addr.s_addr ? c.ip4.host_addr : c.ip4.addr;
	} else if ((ntohl(dst.s_addr) >> 24) == 127 ||
		   (ntohl(dst.s_addr) >> 24) == 0) {
		return -EADDRNOTAVAIL;	/* the host, with no mapping */
	}
	return 0;
}

/**
 * ref_target6() - the same, for IPv6
 * @dst:	destination, from pool6
 * @proto:	protocol
 * @port:	port
 * @out:	target, set on success
 *
 * Return: 0, -EHOSTUNREACH, or -EADDRNOTAVAIL
 */
static int ref_target6(const struct in6_addr *dst, uint8_t proto,
		       uint16_t port, struct in6_addr *out)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	int set = !!memcmp(dst, &any, 16);	/* never matches "not given" */
	int dns = (proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
		  port == 53 && set && !memcmp(dst, &c.ip6.dns_match, 16);

	*out = *dst;
	if (dns) {
		if (!memcmp(&c.ip6.dns_host, &any, 16))
			return -EHOSTUNREACH;
		*out = c.ip6.dns_host;
	} else if (set && !memcmp(dst, &c.ip6.map_host_loopback, 16)) {
		*out = in6addr_loopback;
	} else if (set && !memcmp(dst, &c.ip6.map_guest_addr, 16)) {
		*out = memcmp(&c.ip6.host_addr, &any, 16) ? c.ip6.host_addr :
							    c.ip6.addr;
	} else if (!set || !memcmp(dst, &in6addr_loopback, 16)) {
		return -EADDRNOTAVAIL;	/* the host, with no mapping */
	}
	return 0;
}

/**
 * pick4() - a random address from pool4, or none
 *
 * Return: the address, INADDR_ANY one time in three
 */
static struct in_addr pick4(void)
{
	struct in_addr a = { 0 };
	int i = rand() % 8;

	if (i < 5)
		inet_pton(AF_INET, pool4[i], &a);
	return a;
}

/**
 * pick6() - a random address from pool6, or none
 *
 * Return: the address, unspecified one time in three
 */
static struct in6_addr pick6(void)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;
	int i = rand() % 8;

	if (i < 5)
		inet_pton(AF_INET6, pool6[i], &a);
	return a;
}

TEST(guest_target_against_reference)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP, IPPROTO_ICMPV6 };
	int i;

	srand(6);
	for (i = 0; i < 100000; i++) {
		uint8_t proto = protos[rand() % 4];
		uint16_t port = rand() % 2 ? 53 : 80;
		union inany_addr dst, t;
		int rc, want;

		memset(&c, 0, sizeof(c));
		c.ip4.addr = pick4();
		c.ip4.host_addr = pick4();
		c.ip4.gw = pick4();
		c.ip4.dns_match = pick4();
		c.ip4.dns_host = pick4();
		c.ip4.map_host_loopback = pick4();
		c.ip4.map_guest_addr = pick4();
		c.ip6.addr = pick6();
		c.ip6.host_addr = pick6();
		c.ip6.gw = pick6();
		c.ip6.dns_match = pick6();
		c.ip6.dns_host = pick6();
		c.ip6.map_host_loopback = pick6();
		c.ip6.map_guest_addr = pick6();
		c.no_map_gw = rand() % 2;
		fwd_map_defaults(&c);

		if (rand() % 2) {
			struct in_addr d4 = pick4(), t4;

			inany_from_v4(&dst, d4);
			want = ref_target4(d4, proto, port, &t4);
			rc = guest_target(&c, proto, &dst, port, &t);
			CHECK_EQ(rc, want);
			if (!rc && !want)
				CHECK(inany_v4(&t) &&
				      inany_v4(&t)->s_addr == t4.s_addr);
		} else {
			struct in6_addr d6 = pick6(), t6;

			dst.a6 = d6;
			want = ref_target6(&d6, proto, port, &t6);
			rc = guest_target(&c, proto, &dst, port, &t);
			CHECK_EQ(rc, want);
			if (!rc && !want)
				CHECK(!memcmp(&t.a6, &t6, 16));
		}
		if (unit_failed_checks)
			break;
	}
}

UNIT_MAIN()

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_icmp_err.c - ICMP and ICMPv6 errors to the guest: the frame builders,
 * which errors are relayed and with which code, the source address, and
 * whole frames as the guest gets them (through a socket pair standing for
 * pasta's tap device)
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <sys/socket.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "flow/flow.h"
#include "flow/icmp.h"
#include "wire/pkt.h"

static uint8_t frame[2048];

/**
 * fill() - write a recognisable pattern
 * @p:		where
 * @len:	how many bytes
 * @seed:	first byte
 */
static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
}

TEST(icmp4_err_builder)
{
	struct in_addr gw = tf_ip4("192.0.2.1"), g = tf_ip4("192.0.2.10");
	uint8_t *q = frame + ICMP4_ERR_QUOTE_OFF;
	struct pkt p;
	size_t len;

	/* Short quote: kept whole, checksum over the ICMP message */
	fill(q, 48, 7);
	len = frame_icmp4_err_build(frame, sizeof(frame), tf_guest_mac,
				    tf_our_mac, &gw, &g, 3, 13, 48);
	CHECK_EQ(len, ICMP4_ERR_QUOTE_OFF + 48);
	CHECK_EQ(pkt_parse(frame, len, &p), PARSE_OK);
	CHECK_EQ(p.af, AF_INET);
	CHECK_EQ(p.proto, IPPROTO_ICMP);
	CHECK_EQ(p.src4.s_addr, gw.s_addr);
	CHECK_EQ(p.dst4.s_addr, g.s_addr);
	CHECK_EQ(p.icmp_type, 3);
	CHECK_EQ(p.icmp_code, 13);
	CHECK_EQ(p.l4_len, ICMP_HLEN + 48);
	CHECK_EQ(tf_ref_csum(p.l4, p.l4_len, 0), 0);
	CHECK_EQ(tf_be32(p.l4 + 4), 0);
	CHECK_MEM(p.l4 + ICMP_HLEN, q, 48);

	/* Long quote: cut so that the error is 576 bytes */
	fill(q, 1000, 1);
	len = frame_icmp4_err_build(frame, sizeof(frame), tf_guest_mac,
				    tf_our_mac, &gw, &g, 3, 1, 1000);
	CHECK_EQ(len, ETH_HLEN + 576);
	CHECK_EQ(pkt_parse(frame, len, &p), PARSE_OK);
	CHECK_EQ(p.l3_len, 576);
	CHECK_EQ(tf_ref_csum(p.l4, p.l4_len, 0), 0);

	/* Too small a buffer */
	CHECK_EQ(frame_icmp4_err_build(frame, ICMP4_ERR_QUOTE_OFF + 47,
				       tf_guest_mac, tf_our_mac, &gw, &g, 3,
				       1, 48), 0);
	CHECK_EQ(frame_icmp4_err_build(frame, 10, tf_guest_mac, tf_our_mac,
				       &gw, &g, 3, 1, 0), 0);
}

TEST(icmp6_err_builder)
{
	struct in6_addr gw = tf_ip6("fe80::1");
	struct in6_addr g = tf_ip6("2001:db8:1:2::10");
	uint8_t *q = frame + ICMP6_ERR_QUOTE_OFF;
	struct pkt p;
	size_t len;

	fill(q, 60, 3);
	len = frame_icmp6_err_build(frame, sizeof(frame), tf_guest_mac,
				    tf_our_mac, &gw, &g, 1, 3, 60);
	CHECK_EQ(len, ICMP6_ERR_QUOTE_OFF + 60);
	CHECK_EQ(pkt_parse(frame, len, &p), PARSE_OK);
	CHECK_EQ(p.af, AF_INET6);
	CHECK_EQ(p.proto, IPPROTO_ICMPV6);
	CHECK(tf_ip6_eq(&p.src6, "fe80::1"));
	CHECK(tf_ip6_eq(&p.dst6, "2001:db8:1:2::10"));
	CHECK_EQ(p.icmp_type, 1);
	CHECK_EQ(p.icmp_code, 3);
	CHECK(icmp6_csum_ok(&p));
	CHECK_EQ(tf_be32(p.l4 + 4), 0);
	CHECK_MEM(p.l4 + ICMP_HLEN, q, 60);

	/* Cut to 1280 bytes of IPv6 packet */
	fill(q, 1500, 9);
	len = frame_icmp6_err_build(frame, sizeof(frame), tf_guest_mac,
				    tf_our_mac, &gw, &g, 1, 0, 1500);
	CHECK_EQ(len, ETH_HLEN + 1280);
	CHECK_EQ(pkt_parse(frame, len, &p), PARSE_OK);
	CHECK(icmp6_csum_ok(&p));

	CHECK_EQ(frame_icmp6_err_build(frame, ICMP6_ERR_QUOTE_OFF + 59,
				       tf_guest_mac, tf_our_mac, &gw, &g, 1,
				       0, 60), 0);
}

/**
 * ee_ok() - run icmp_err_from_ee() on an error built from its fields
 * @origin:	SO_EE_ORIGIN_*
 * @type:	ICMP type
 * @code:	ICMP code
 * @v4:		guest side is IPv4
 *
 * Return: code to relay, -1 if not relayed (or relayed with another type)
 */
static int ee_ok(uint8_t origin, uint8_t type, uint8_t code, bool v4)
{
	struct sock_extended_err ee = { .ee_origin = origin,
					.ee_type = type, .ee_code = code };
	uint8_t t, c;

	if (!icmp_err_from_ee(&ee, v4, &t, &c) || t != type)
		return -1;
	return c;
}

TEST(relayed_errors)
{
	static const uint8_t ok4[] = { 0, 1, 3, 6, 7, 9, 10, 13 };
	static const uint8_t ok6[] = { 0, 1, 3, 4, 5, 6 };
	unsigned int code, i;

	for (code = 0; code < 256; code++) {
		bool want4 = false, want6 = false;

		for (i = 0; i < sizeof(ok4); i++)
			want4 |= ok4[i] == code;
		for (i = 0; i < sizeof(ok6); i++)
			want6 |= ok6[i] == code;
		CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP, 3, (uint8_t)code, true),
			 want4 ? (int)code : -1);
		CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP6, 1, (uint8_t)code, false),
			 want6 ? (int)code : -1);
	}

	/* Fragmentation needed, packet too big, time exceeded: not ours */
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP, 3, 4, true), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP6, 2, 0, false), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP, 11, 0, true), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP6, 3, 0, false), -1);

	/* Wrong family, or not from ICMP at all */
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP6, 1, 0, true), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_ICMP, 3, 1, false), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_LOCAL, 3, 1, true), -1);
	CHECK_EQ(ee_ok(SO_EE_ORIGIN_NONE, 0, 0, true), -1);
}

TEST(local_errors)
{
	static const struct {
		int err;
		int code4;
		int code6;
	} map[] = {
		{ ENETUNREACH,	0,	0 },
		{ EHOSTUNREACH,	1,	3 },
		{ ECONNREFUSED,	3,	4 },
		{ EACCES,	13,	1 },
		{ EPERM,	13,	1 },
		{ EMSGSIZE,	-1,	-1 },
		{ EAGAIN,	-1,	-1 },
		{ EINVAL,	-1,	-1 },
		{ 0,		-1,	-1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uint8_t t = 0xff, c = 0xff;
		bool r;

		r = icmp_err_from_errno(map[i].err, true, &t, &c);
		CHECK_EQ(r, map[i].code4 >= 0);
		if (r) {
			CHECK_EQ(t, 3);
			CHECK_EQ(c, map[i].code4);
		}
		r = icmp_err_from_errno(map[i].err, false, &t, &c);
		CHECK_EQ(r, map[i].code6 >= 0);
		if (r) {
			CHECK_EQ(t, 1);
			CHECK_EQ(c, map[i].code6);
		}
	}
}

TEST(error_source)
{
	struct flowside g4, g6;
	union inany_addr src;
	struct ctx c;

	tf_ctx_init(&c);
	memset(&g4, 0, sizeof(g4));
	inany_from_v4(&g4.eaddr, tf_ip4("192.0.2.10"));
	inany_from_v4(&g4.oaddr, tf_ip4("198.51.100.7"));
	memset(&g6, 0, sizeof(g6));
	g6.eaddr.a6 = tf_ip6("2001:db8:1:2::10");
	g6.oaddr.a6 = tf_ip6("2001:db8:7::7");

	/* The peer itself: its address, as the guest knows it */
	icmp_err_src(&c, &g4, true, &src);
	CHECK(inany_equals(&src, &g4.oaddr));
	icmp_err_src(&c, &g6, true, &src);
	CHECK(inany_equals(&src, &g6.oaddr));

	/* Anybody else: the gateway, our address, the peer, in order */
	icmp_err_src(&c, &g4, false, &src);
	CHECK_EQ(inany_v4(&src)->s_addr, tf_ip4("192.0.2.1").s_addr);
	c.ip4.gw.s_addr = 0;
	c.ip4.our_addr = tf_ip4("192.0.2.2");
	icmp_err_src(&c, &g4, false, &src);
	CHECK_EQ(inany_v4(&src)->s_addr, tf_ip4("192.0.2.2").s_addr);
	c.ip4.our_addr.s_addr = 0;
	icmp_err_src(&c, &g4, false, &src);
	CHECK(inany_equals(&src, &g4.oaddr));

	c.ip6.gw = tf_ip6("2001:db8:1:2::1");
	icmp_err_src(&c, &g6, false, &src);
	CHECK(tf_ip6_eq(&src.a6, "2001:db8:1:2::1"));
	c.ip6.gw = in6addr_any;
	c.ip6.our_ll = tf_ip6("fe80::2");
	icmp_err_src(&c, &g6, false, &src);
	CHECK(tf_ip6_eq(&src.a6, "fe80::2"));
	c.ip6.our_ll = in6addr_any;
	icmp_err_src(&c, &g6, false, &src);
	CHECK(inany_equals(&src, &g6.oaddr));
}

/**
 * tap_pair() - a context sending frames to a datagram socket pair
 * @c:		context to set up (pasta mode, guest MAC known)
 * @peer:	our end, where frames to the guest arrive
 */
static void tap_pair(struct ctx *c, int *peer)
{
	int sv[2];

	tf_ctx_init(c);
	c->mode = MODE_PASTA;
	memcpy(c->seen.mac, tf_guest_mac, 6);
	c->seen.mac_known = true;
	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	c->fd_tap = sv[0];
	*peer = sv[1];
}

TEST(udp_unreach_to_guest4)
{
	uint8_t l4[UDP_HLEN + 1000], got[2048];
	struct flowside g;
	const uint8_t *in;
	struct ctx c;
	struct pkt p;
	ssize_t n;
	int peer;

	tap_pair(&c, &peer);
	memset(&g, 0, sizeof(g));
	inany_from_v4(&g.eaddr, tf_ip4("192.0.2.10"));
	inany_from_v4(&g.oaddr, tf_ip4("198.51.100.7"));
	g.eport = 40000;
	g.oport = 4242;
	fill(l4, sizeof(l4), 0);
	l4[0] = 40000 >> 8;
	l4[1] = 40000 & 0xff;

	/* From a router: the gateway; quote cut to 576 bytes in all */
	icmp_err_to_guest(&c, &g, false, 3, 1, IPPROTO_UDP, l4, sizeof(l4),
			  sizeof(l4));
	n = read(peer, got, sizeof(got));
	CHECK_EQ(n, ETH_HLEN + 576);
	CHECK_EQ(pkt_parse(got, (size_t)n, &p), PARSE_OK);
	CHECK_MEM(got, tf_guest_mac, 6);
	CHECK_EQ(p.src4.s_addr, tf_ip4("192.0.2.1").s_addr);
	CHECK_EQ(p.dst4.s_addr, tf_ip4("192.0.2.10").s_addr);
	CHECK_EQ(p.icmp_type, 3);
	CHECK_EQ(p.icmp_code, 1);
	CHECK_EQ(tf_ref_csum(p.l4, p.l4_len, 0), 0);

	/* The quote: the guest's datagram, guest to peer, whole length */
	in = p.l4 + ICMP_HLEN;
	CHECK_EQ(in[0], 0x45);
	CHECK_EQ(tf_be16(in + 2), IP4_HLEN + sizeof(l4));
	CHECK_EQ(in[9], IPPROTO_UDP);
	CHECK_MEM(in + 12, &g.eaddr.v4mapped.a4, 4);
	CHECK_MEM(in + 16, &g.oaddr.v4mapped.a4, 4);
	CHECK_EQ(tf_ref_csum(in, IP4_HLEN, 0), 0);
	CHECK_MEM(in + IP4_HLEN, l4, 576 - IP4_HLEN - ICMP_HLEN - IP4_HLEN);

	/* From the peer: its address */
	icmp_err_to_guest(&c, &g, true, 3, 3, IPPROTO_UDP, l4, 20, 20);
	n = read(peer, got, sizeof(got));
	CHECK_EQ(n, ICMP4_ERR_QUOTE_OFF + IP4_HLEN + 20);
	CHECK_EQ(pkt_parse(got, (size_t)n, &p), PARSE_OK);
	CHECK_EQ(p.src4.s_addr, tf_ip4("198.51.100.7").s_addr);
	CHECK_EQ(p.icmp_code, 3);

	/* Guest MAC not known yet: nothing */
	c.seen.mac_known = false;
	icmp_err_to_guest(&c, &g, true, 3, 3, IPPROTO_UDP, l4, 20, 20);
	CHECK(read(peer, got, sizeof(got)) < 0);

	close(peer);
	close(c.fd_tap);
}

TEST(echo_unreach_to_guest6)
{
	uint8_t l4[ICMP_HLEN + 56], got[2048];
	struct flowside g;
	const uint8_t *in;
	struct ctx c;
	struct pkt p;
	ssize_t n;
	int peer;

	tap_pair(&c, &peer);
	memset(&g, 0, sizeof(g));
	g.eaddr.a6 = tf_ip6("2001:db8:1:2::10");
	g.oaddr.a6 = tf_ip6("2001:db8:13::1");
	g.eport = g.oport = 77;
	fill(l4, sizeof(l4), 5);
	l4[0] = ICMP6_ECHO_REQUEST;
	l4[1] = 0;

	icmp_err_to_guest(&c, &g, false, 1, 1, IPPROTO_ICMPV6, l4,
			  sizeof(l4), sizeof(l4));
	n = read(peer, got, sizeof(got));
	CHECK_EQ(n, ICMP6_ERR_QUOTE_OFF + IP6_HLEN + sizeof(l4));
	CHECK_EQ(pkt_parse(got, (size_t)n, &p), PARSE_OK);
	CHECK(tf_ip6_eq(&p.src6, "fe80::1"));		/* the gateway */
	CHECK(tf_ip6_eq(&p.dst6, "2001:db8:1:2::10"));
	CHECK_EQ(p.icmp_type, 1);
	CHECK_EQ(p.icmp_code, 1);
	CHECK(icmp6_csum_ok(&p));

	in = p.l4 + ICMP_HLEN;
	CHECK_EQ(in[0] >> 4, 6);
	CHECK_EQ(tf_be16(in + 4), sizeof(l4));
	CHECK_EQ(in[6], IPPROTO_ICMPV6);
	CHECK(tf_ip6_eq((const struct in6_addr *)(const void *)(in + 8),
			"2001:db8:1:2::10"));
	CHECK(tf_ip6_eq((const struct in6_addr *)(const void *)(in + 24),
			"2001:db8:13::1"));
	CHECK_MEM(in + IP6_HLEN, l4, sizeof(l4));

	/* Families that don't match: nothing */
	inany_from_v4(&g.oaddr, tf_ip4("198.51.100.7"));
	icmp_err_to_guest(&c, &g, false, 1, 1, IPPROTO_ICMPV6, l4,
			  sizeof(l4), sizeof(l4));
	CHECK(read(peer, got, sizeof(got)) < 0);

	close(peer);
	close(c.fd_tap);
}

TEST(errqueue_empty)
{
	struct sock_extended_err ee;
	union inany_addr off;
	uint8_t buf[64];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	CHECK(s >= 0);
	CHECK_EQ(icmp_errqueue_recv(s, buf, sizeof(buf), &ee, &off), -1);
	close(s);
}

TEST(errqueue_port_unreachable_loopback)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct sock_extended_err ee;
	union inany_addr off;
	int a, s, one = 1, i;
	uint8_t buf[64];
	ssize_t n = -1;

	/* A port nobody listens on: bind one, note it, close it */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(bind(a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(getsockname(a, (struct sockaddr *)&sa, &sl), 0);
	close(a);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)),
		 0);
	CHECK_EQ(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(send(s, "hello", 5, 0), 5);
	for (i = 0; i < 100 && n < 0; i++) {
		n = icmp_errqueue_recv(s, buf, sizeof(buf), &ee, &off);
		if (n < 0)
			usleep(10000);
	}
	CHECK_EQ(n, 5);
	CHECK_MEM(buf, "hello", 5);
	CHECK_EQ(ee.ee_errno, ECONNREFUSED);
	CHECK_EQ(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	CHECK_EQ(ee.ee_type, 3);
	CHECK_EQ(ee.ee_code, 3);
	CHECK(inany_v4(&off) &&
	      inany_v4(&off)->s_addr == htonl(INADDR_LOOPBACK));
	CHECK_EQ(icmp_errqueue_recv(s, buf, sizeof(buf), &ee, &off), -1);
	close(s);
}

UNIT_MAIN()
